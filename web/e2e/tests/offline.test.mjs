// The site works offline and updates itself: after a first visit, a second
// visit with the network off classifies an image (everything comes from the
// service worker's cache); a new deployment (another build id in sw.js)
// installs beside the old one, the page says a new version is ready, and
// after the reload it offered only the new build's cache remains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

/** Polls `check` (an async page function) until it returns true. */
async function until(page, check, arg, timeout = 120_000) {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(check, arg))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${check}`);
    await page.waitForTimeout(250);
  }
}

/** Waits until a service worker controls the page (its cache then holds the build); returns the site's caches. */
async function waitOffline(page) {
  await until(page, async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return Boolean(registration?.active && navigator.serviceWorker.controller);
  });
  return page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('shiftscope-site-')));
}

test('a second visit without the network classifies an image', { timeout: 600_000 }, async () => {
  const server = await h.serve();
  const browser = await h.launch({ webgpu: false });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await h.waitReady(page);
    const cachesNow = await waitOffline(page);
    assert.equal(cachesNow.length, 1, `one site cache: ${cachesNow}`);
    await context.setOffline(true);
    const served = server.requests.length;
    await page.reload();
    await h.waitReady(page);
    const before = await h.counters(page);
    await page.click('button[data-example=bird]');
    const shown = await h.settled(page, before);
    assert.equal(shown.top.length, 5, shown.message ?? '');
    assert.deepEqual(server.requests.slice(served), [], 'nothing reached the server while offline');
  } finally {
    await browser.close();
    await server.close();
  }
});

test('a new deployment is offered, and used after the reload', { timeout: 600_000 }, async () => {
  const site = mkdtempSync(join(tmpdir(), 'shiftscope-site-'));
  cpSync(h.DIST, site, { recursive: true });
  const server = await h.serve({ mounts: { [h.SUB_PATH]: site } });
  const browser = await h.launch({ webgpu: false });
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await h.waitReady(page);
    const [first] = await waitOffline(page);
    // The next deployment: the same files under another build id.
    const sw = join(site, 'sw.js');
    const text = readFileSync(sw, 'utf8');
    const id = text.match(/const BUILD = "([0-9a-f]+)"/)?.[1];
    assert.ok(id, 'sw.js carries its build id');
    writeFileSync(sw, text.replace(`"${id}"`, '"0123456789abcdef"'));
    await page.reload();
    await h.waitReady(page);
    await page.waitForSelector('#update:not([hidden])', { timeout: 120_000 });
    await h.screenshot(page, 'update-ready');
    await Promise.all([page.waitForEvent('load'), page.click('#update-reload')]);
    await h.waitReady(page);
    await until(page, async (old) => {
      const keys = await caches.keys();
      return keys.includes('shiftscope-site-0123456789abcdef') && !keys.includes(old);
    }, first, 60_000);
    assert.ok(await page.isHidden('#update'));
  } finally {
    await browser.close();
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
});
