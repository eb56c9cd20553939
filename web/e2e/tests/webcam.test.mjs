// Webcam mode with Chromium's fake camera: predictions keep updating, and
// stopping the webcam stops them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

for (const webgpu of [true, false]) {
  test(`${webgpu ? 'webgpu' : 'cpu'}: webcam predictions update at least 5 times`, { timeout: 600_000 }, async () => {
    const server = await h.serve();
    const browser = await h.launch({ webgpu, camera: true });
    try {
      const page = await h.openApp(browser, server, { permissions: ['camera'] });
      const start = await h.counters(page);
      await page.click('#webcam-toggle');
      await page.waitForFunction((n) => Number(document.querySelector('#predictions').dataset.updates) >= n + 5,
        start.updates, { timeout: 300_000, polling: 100 });
      const shown = await h.readPredictions(page);
      assert.equal(shown.source, 'webcam');
      assert.equal(shown.top.length, 5);
      assert.equal(shown.messageKind, 'none', shown.message);
      assert.equal(await page.getAttribute('#webcam-toggle', 'aria-pressed'), 'true');
      await h.screenshot(page, `webcam-${webgpu ? 'webgpu' : 'cpu'}`);
      await page.click('#webcam-toggle');
      await page.waitForTimeout(500);
      const stopped = (await h.readPredictions(page)).updates;
      await page.waitForTimeout(1500);
      assert.equal((await h.readPredictions(page)).updates, stopped, 'no updates after stopping');
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
