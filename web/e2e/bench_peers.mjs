// The browser half of the peer comparison (scripts/bench.sh runs it after
// `shiftscope bench --export DIR` and scripts/bench/torch_peer.py DIR): in
// one headless Chromium, per model, shiftscope's bench page on WebGPU and on
// the CPU (wasm) and onnxruntime-web's WebGPU and wasm execution providers,
// same weights, same input; then the report of all engines (bench_report.mjs).
//
//   node web/e2e/bench_peers.mjs DIR [--models a,b] [--runs 30] [--warmup 3]
//        [--webgpu-models a,b] [--webgpu-runs N] [--full-batches 1] [--devices cpu,webgpu]
//
// A CPU-emulated WebGPU adapter (SwiftShader) needs about a minute per
// full-size image, so --webgpu-models and --webgpu-runs can narrow the
// WebGPU half, and --full-batches the batch sizes of models over 1 GFLOP;
// --devices cpu re-runs one half and keeps the other's previous results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as h from './tests/harness.mjs';
import { benchOrt, ortMounts } from './ort_peer.mjs';
import { benchShiftscope } from './shiftscope_page.mjs';
import { readSafetensors, report } from './bench_report.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    models: { type: 'string' }, runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' },
    'webgpu-models': { type: 'string' }, 'webgpu-runs': { type: 'string' }, 'full-batches': { type: 'string' },
    devices: { type: 'string', default: 'cpu,webgpu' },
  },
});
if (positionals.length !== 1) throw new Error('usage: node web/e2e/bench_peers.mjs DIR [--models a,b] [--runs 30] [--warmup 3]');
const dir = positionals[0];
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const models = values.models ? values.models.split(',') : manifest.models.map((m) => m.name);
const [runs, warmup] = [Number(values.runs), Number(values.warmup)];
const webgpuModels = values['webgpu-models'] ? values['webgpu-models'].split(',') : models;
const webgpuRuns = Number(values['webgpu-runs'] ?? runs);
const devices = values.devices.split(',');
/** shiftscope's device and the ORT execution provider it is compared with. */
const PAIRS = [['cpu', 'wasm'], ['webgpu', 'webgpu']];
const macs = Object.fromEntries(manifest.models.map((m) => [m.name, m.macs]));
const fullBatches = values['full-batches']?.split(',').map(Number);
/** The batch sizes of `model` in the browser. */
const batchesOf = (model) => (fullBatches && macs[model] > 1e9 ? fullBatches : manifest.batches);
const log = (line) => console.log(line);

/** Largest |a − b| over the first `a.length` values. */
function maxAbsDiff(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const server = await h.serve({ mounts: ortMounts(dir) });
const browser = await h.launch({ webgpu: true });
// Results of devices not run this time are kept from the previous run.
const previous = existsSync(join(dir, 'browser.json')) ? JSON.parse(readFileSync(join(dir, 'browser.json'), 'utf8')) : {};
const results = { browser: `Chromium ${browser.version()}`, date: new Date().toISOString(), runs, webgpuRuns, warmup,
  shiftscope: { ...previous.shiftscope }, ort: { ...previous.ort } };
try {
  // The CPU paths first: SwiftShader keeps Chromium's GPU process busy after
  // a WebGPU page closes, which would slow whatever runs next.
  for (const [device, ep] of PAIRS.filter(([d]) => devices.includes(d))) {
    const peak = await benchShiftscope(browser, server,
      { device, models: [models[0]], batches: [1], runs: 1, warmup: 0, peak: device === 'webgpu' ? 512 : 1024, log });
    results.shiftscope[device] = { backend: peak.backend, peak_gflops: peak.peak_gflops, peak_side: peak.peak_side, cases: [] };
    for (const model of device === 'webgpu' ? models.filter((m) => webgpuModels.includes(m)) : models) {
      const io = readSafetensors(join(dir, model, 'io.safetensors'));
      const [batches, n] = [batchesOf(model), device === 'webgpu' ? webgpuRuns : runs];
      const page = await benchShiftscope(browser, server,
        { device, models: [model], source: '/bench', batches, runs: n, warmup, peak: 0, log });
      for (const c of page.cases) {
        c.max_abs_diff = maxAbsDiff(c.logits, io.logits.data);
        delete c.logits;
        results.shiftscope[device].cases.push(c);
      }
      const ort = await benchOrt(browser, server, { dir, models: [model], eps: [ep], batches, runs: n, warmup, log });
      results.ort[model] = { ...results.ort[model], [ep]: ort[model][ep] };
    }
  }
  // The adapter the WebGPU runs saw, as ORT's page reports it.
  results.adapter = Object.values(results.ort).map((byEp) => byEp.webgpu?.backendInfo?.adapter).find(Boolean)
    ?? previous.adapter ?? null;
} finally {
  await browser.close();
  await server.close();
}
writeFileSync(join(dir, 'browser.json'), `${JSON.stringify(results, null, 1)}\n`);
const markdown = report(dir);
writeFileSync(join(dir, 'report.md'), markdown);
console.log(`\n${markdown}\nwrote ${join(dir, 'report.md')}`);
