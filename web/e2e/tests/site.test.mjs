// The static site: served from a sub-path, no request leaves the origin,
// the CSP holds (no violations), weights come from the Cache API on a
// second visit, phone-width and dark-theme layouts render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

test('same-origin only, sub-path, CSP, cached weights, themes, phone width', { timeout: 600_000 }, async () => {
  const server = await h.serve();
  const browser = await h.launch({ webgpu: false });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const requests = [];
    context.on('request', (request) => requests.push(request.url()));
    const page = await context.newPage();
    await page.goto(server.url);
    await h.waitReady(page);
    const before = await h.counters(page);
    await page.click('button[data-example=bird]');
    await h.settled(page, before);
    await h.screenshot(page, 'phone-width');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling at phone width (content is ${width}px wide)`);

    await page.click('#theme');
    const theme = await page.getAttribute('html', 'data-theme');
    assert.ok(theme === 'dark' || theme === 'light');
    await h.screenshot(page, `theme-${theme}`);

    assert.ok(requests.length > 5);
    for (const url of requests) {
      assert.ok(url.startsWith(server.url) || url.startsWith('blob:') || url.startsWith('data:'), `request off the origin or sub-path: ${url}`);
    }
    for (const path of server.requests) assert.ok(path.startsWith(h.SUB_PATH), `request outside the sub-path: ${path}`);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    const csp = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);

    // Second visit: the weights come from the Cache API, not the server.
    const served = server.requests.length;
    await page.reload();
    await h.waitReady(page);
    const again = server.requests.slice(served);
    // The page may come from the server or from the service worker's copy
    // (offline.test.mjs covers that); the weights never come twice.
    assert.deepEqual(again.filter((p) => p.endsWith('.bpk')), [], 'weights must come from the cache on a second visit');
    await h.screenshot(page, 'second-visit');
  } finally {
    await browser.close();
    await server.close();
  }
});
