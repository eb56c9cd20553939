// The soak's measurement, shared by the script (soak.mjs) and its short
// version in the tests: many predictions in a row, then the webcam with the
// panel open, sampling memory every `every` predictions.
import * as h from './tests/harness.mjs';
import { EXAMPLES } from './tests/files.mjs';

/** Heap readings per sample, of which the least counts. */
const HEAP_READINGS = 7;

/**
 * Memory now: the page's JS heap after a garbage collection (the least of
 * `HEAP_READINGS` readings, each right after its own collection: the
 * webcam's frame loop goes on meanwhile and allocates between a collection
 * and its reading, which is garbage, not growth), the page's and the
 * worker's wasm memory, and on WebGPU the allocator's live allocations
 * and reserved bytes.
 */
async function sample(page, cdp, done, latencyMs) {
  let jsHeap = Infinity;
  for (let i = 0; i < HEAP_READINGS; i += 1) {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    jsHeap = Math.min(jsHeap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN);
  }
  const pageWasm = await page.evaluate(() => globalThis.shiftscopeMemoryBytes?.() ?? NaN);
  const [worker] = page.workers();
  const workerWasm = worker ? await worker.evaluate(() => self.shiftscopeMemoryBytes?.() ?? NaN) : NaN;
  const [gpuAllocations, , gpuReserved] = (worker && await worker.evaluate(() => self.shiftscopeAllocator?.())) ?? [];
  return { done, jsHeap, pageWasm, workerWasm, gpuAllocations, gpuReserved, latencyMs };
}

/**
 * Runs `predictions` example classifications, then `webcamSeconds` of
 * webcam with the panel open, on `webgpu` or the CPU path; returns the
 * samples of each phase (predictions: every `every` after `warmup`;
 * webcam: every `webcamEvery` seconds, the first after one interval) and
 * any page errors.
 */
export async function soak({ webgpu, predictions, every, warmup, webcamSeconds, webcamEvery = 30, log = () => {} }) {
  const server = await h.serve();
  const browser = await h.launch({ webgpu, camera: true });
  try {
    const page = await h.openApp(browser, server, { permissions: ['camera'] });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const examples = EXAMPLES.map((e) => e.name);
    const latency = () => page.evaluate(() => Number(document.querySelector('#latency')?.dataset.ms ?? NaN));
    const samples = [];
    const webcam = [];
    for (let i = 1; i <= warmup + predictions; i += 1) {
      const before = await h.counters(page);
      await page.click(`button[data-example=${examples[i % examples.length]}]`);
      const shown = await h.settled(page, before);
      if (shown.messageKind === 'error') throw new Error(`prediction ${i}: ${shown.message}`);
      const done = i - warmup;
      if (done >= 0 && done % every === 0) {
        samples.push(await sample(page, cdp, done, await latency()));
        log(samples.at(-1));
      }
    }
    if (webcamSeconds > 0) {
      const start = (await h.readPredictions(page)).updates;
      await page.click('#webcam-toggle');
      for (let t = webcamEvery; t <= webcamSeconds; t += webcamEvery) {
        await page.waitForTimeout(webcamEvery * 1000);
        const frames = (await h.readPredictions(page)).updates - start;
        webcam.push({ ...(await sample(page, cdp, `webcam ${t} s`, await latency())), frames });
        log(webcam.at(-1));
      }
      await page.click('#webcam-toggle');
    }
    return { samples, webcam, errors: page.consoleErrors };
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * The growth of each memory figure from a phase's first sample to its
 * largest later one (0.05 = 5 %); the GPU allocator's figures only where
 * the engine runs on WebGPU.
 */
export function growth(samples) {
  const keys = ['jsHeap', 'pageWasm', 'workerWasm', 'gpuAllocations', 'gpuReserved']
    .filter((k) => Number.isFinite(samples[0][k]));
  return Object.fromEntries(keys.map((k) => [k, Math.max(...samples.map((s) => s[k])) / samples[0][k] - 1]));
}
