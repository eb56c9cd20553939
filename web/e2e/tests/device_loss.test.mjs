// WebGPU device lost: the test destroys the page's GPUDevice (captured by
// wrapping requestDevice before the page loads); the next image is
// classified on the CPU and the page says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

test('after a WebGPU device loss the page falls back to the CPU and keeps working', { timeout: 600_000 }, async () => {
  const server = await h.serve();
  const browser = await h.launch({ webgpu: true });
  try {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const request = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (...args) {
        const device = await request.apply(this, args);
        (window.__gpuDevices ??= []).push(device);
        return device;
      };
    });
    const page = await context.newPage();
    await page.goto(server.url);
    await h.waitReady(page);
    assert.equal(await page.getAttribute('#status', 'data-backend'), 'webgpu');
    const lost = await page.evaluate(async () => {
      for (const device of window.__gpuDevices) device.destroy();
      return (await window.__gpuDevices[0].lost).reason;
    });
    assert.equal(lost, 'destroyed');
    const before = await h.counters(page);
    await page.click('button[data-example=cat]');
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
