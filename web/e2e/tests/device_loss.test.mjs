// WebGPU device lost: the model runs in the engine's worker, so the test
// serves that worker's script with a prelude that records the GPUDevices
// it requests, then destroys them from inside the worker; the next image is
// classified on the CPU and the page says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

test('after a WebGPU device loss the page falls back to the CPU and keeps working', { timeout: 600_000 }, async () => {
  const server = await h.serve();
  const browser = await h.launch({ webgpu: true });
  try {
    const context = await browser.newContext();
    await context.route('**/worker.js', async (route) => {
      const original = await (await route.fetch()).text();
      const prelude = `const request = GPUAdapter.prototype.requestDevice;
        GPUAdapter.prototype.requestDevice = async function (...args) {
          const device = await request.apply(this, args);
          (self.__gpuDevices ??= []).push(device);
          return device;
        };\n`;
      await route.fulfill({ contentType: 'text/javascript', body: prelude + original });
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await h.waitReady(page);
    assert.equal(await page.getAttribute('#status', 'data-backend'), 'webgpu');
    const [worker] = page.workers();
    assert.ok(worker, 'the model runs in a worker');
    const lost = await worker.evaluate(async () => {
      for (const device of self.__gpuDevices) device.destroy();
      return (await self.__gpuDevices[0].lost).reason;
    });
    assert.equal(lost, 'destroyed');
    const before = await h.counters(page);
    await page.click('button[data-example=bird]');
    await page.waitForFunction(() => document.querySelector('#status').dataset.backend === 'cpu', null, { timeout: 120_000 });
    const shown = await h.settled(page, before);
    assert.equal(shown.top.length, 5, 'the image is classified on the CPU');
    assert.match(await page.textContent('#status'), /WebGPU device was lost/);
    assert.equal(await page.textContent('#panic'), '');
    await h.screenshot(page, 'device-lost');
  } finally {
    await browser.close();
    await server.close();
  }
});
