// The soak's short version (the full one: npm run soak): 200 predictions in
// a row and 40 s of webcam with the panel open on the CPU path; within each
// phase, after its warm-up, memory stays flat (≤ 5 % growth of the page's JS
// heap and of the page's and the worker's wasm memory) and the page logs no
// error. The warm-up is 100 predictions: until then the heap still grows
// by what the browser buffers to a fixed cap (resource timings, the
// DevTools network log the harness enables) and by optimised code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak, growth } from '../soak_run.mjs';

test('cpu: memory stays flat over 200 predictions and 40 s of webcam', { timeout: 900_000 }, async () => {
  const { samples, webcam, errors } = await soak({
    webgpu: false, predictions: 200, every: 50, warmup: 100, webcamSeconds: 40, webcamEvery: 10,
  });
  for (const [phase, list] of [['predictions', samples], ['webcam', webcam]]) {
    const g = growth(list);
    console.log(`${phase}: growth ${JSON.stringify(g)}; latency ${list[0].latencyMs} → ${list.at(-1).latencyMs} ms`);
    for (const [key, value] of Object.entries(g)) assert.ok(value <= 0.05, `${phase}: ${key} grew ${(100 * value).toFixed(1)} %`);
  }
  assert.deepEqual(errors, []);
});
