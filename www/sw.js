// The site's service worker: on the first visit it caches every file of this
// build (the page, its JS and wasm, the worker, cards, weights, examples), so
// later visits load without the network. `trunk build --release` fills in the
// build's id and file list (scripts/web/post_build.mjs); a new deployment is
// a new id, whose worker installs beside the old one and waits until the page
// asks it to take over (the page offers a reload). Unfilled (debug builds),
// it caches nothing and leaves every request to the network.
const BUILD = '__SHIFTSCOPE_BUILD__';
const FILES = ['__SHIFTSCOPE_FILES__'];
const PREFIX = 'shiftscope-site-';
const CACHE = PREFIX + BUILD;
const ENABLED = !BUILD.startsWith('__');

self.addEventListener('install', (event) => {
  if (!ENABLED) return;
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new URL(f, self.registration.scope)))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (!ENABLED || request.method !== 'GET' || !request.url.startsWith(self.registration.scope)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // The page itself is cached as index.html; queries (e.g. ?bench) do not
    // change which file is served.
    const url = new URL(request.url);
    url.search = '';
    if (url.href === self.registration.scope) url.href += 'index.html';
    return (await cache.match(url.href)) ?? fetch(request);
  })());
});
