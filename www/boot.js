// Starts the wasm app (and the service worker that keeps it for offline
// visits). A file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts. Trunk's pattern_script
// (Trunk.toml) passes the hashed names of the generated files. The module
// is compiled once (streaming): the page instantiates it, and so does the
// engine's worker (www/worker.js), which gets it from `shiftscopeBoot`.
const tag = document.querySelector('script[data-bindings]');
const OFFLINE_AFTER_MS = 5000;
const wasmUrl = new URL(tag.dataset.wasm, location.href);
async function compile() {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch {
    // A host that does not serve .wasm as application/wasm.
    return WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer());
  }
}
const [bindings, module] = await Promise.all([import(tag.dataset.bindings), compile()]);
// `?webgpu` asks for WebGPU even on a software adapter (web/src/device.rs);
// the engine's worker gets the wish with the module.
globalThis.shiftscopeWebgpu = Boolean(globalThis.shiftscopeWebgpu) || new URLSearchParams(location.search).has('webgpu');
globalThis.shiftscopeBoot = {
  bindings: new URL(tag.dataset.bindings, location.href).href, module, webgpu: globalThis.shiftscopeWebgpu,
};
const wasm = await bindings.default({ module_or_path: module });
// The app has rendered its own status line by now.
document.getElementById('booting')?.remove();
// The page's wasm memory, in bytes (read by the soak, web/e2e/soak.mjs).
globalThis.shiftscopeMemoryBytes = () => wasm.memory.buffer.byteLength;
dispatchEvent(new CustomEvent('TrunkApplicationStarted'));
// The app says when its first model is ready (web/src/app.rs).
addEventListener('shiftscope-ready', () => setTimeout(registerServiceWorker, OFFLINE_AFTER_MS), { once: true });

// The service worker (sw.js) keeps this build for offline visits. It is
// registered a while after the first model is ready, so its downloads do
// not compete with the first prediction (measured: +150 ms when they did). When a new deployment's worker has installed, the page offers
// a reload that lets it take over.
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const controlled = Boolean(navigator.serviceWorker.controller);
  let takingOver = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (controlled && takingOver) location.reload();
  });
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return;
    const banner = document.getElementById('update');
    banner.hidden = false;
    document.getElementById('update-reload').onclick = () => {
      takingOver = true;
      worker.postMessage('take-over');
    };
  };
  navigator.serviceWorker.register('sw.js').then((registration) => {
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
    });
  }).catch((error) => console.warn('no offline copy: the service worker could not register', error));
}
