// The soak (npm run soak --prefix web/e2e, after trunk build --release):
// 1,000 predictions in a row, then 5 minutes of webcam with the panel open,
// on WebGPU (SwiftShader) and on the CPU path; prints memory (page JS heap,
// page and worker wasm memory, on WebGPU the allocator's allocations and
// reserved bytes) and latency every 100 predictions, and the
// growth after warm-up. Options: --predictions N --webcam-seconds S --only cpu|webgpu.
import { soak, growth } from './soak_run.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const predictions = Number(arg('predictions', 1000));
const webcamSeconds = Number(arg('webcam-seconds', 300));
const only = arg('only', null);
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
const NAMES = { jsHeap: 'JS heap', pageWasm: 'page wasm', workerWasm: 'worker wasm', gpuAllocations: 'GPU allocations',
  gpuReserved: 'GPU reserved' };
const pct = (g) => Object.entries(g).map(([k, v]) => `${NAMES[k]} ${(100 * v).toFixed(1)} %`).join(', ');
const gpu = (s) => (Number.isFinite(s.gpuAllocations)
  ? `, GPU ${s.gpuAllocations} allocations / ${mb(s.gpuReserved)} reserved` : '');
for (const webgpu of [false, true]) {
  const name = webgpu ? 'webgpu' : 'cpu';
  if (only && only !== name) continue;
  console.log(`\n${name}: ${predictions} predictions, then ${webcamSeconds} s of webcam`);
  const { samples, webcam, errors } = await soak({
    webgpu, predictions, every: Number(arg('every', 100)), warmup: 50, webcamSeconds, webcamEvery: 30,
    log: (s) => console.log(`  ${String(s.done).padEnd(14)} JS heap ${mb(s.jsHeap)}, page wasm ${mb(s.pageWasm)}, `
      + `worker wasm ${mb(s.workerWasm)}${gpu(s)}, latency ${s.latencyMs.toFixed(1)} ms${s.frames ? `, ${s.frames} results` : ''}`),
  });
  console.log(`  growth over the predictions after warm-up: ${pct(growth(samples))}; `
    + `latency ${samples[0].latencyMs.toFixed(1)} → ${samples.at(-1).latencyMs.toFixed(1)} ms`);
  if (webcam.length > 1) {
    console.log(`  growth over the webcam run after its first ${webcam[0].done.slice(7)}: ${pct(growth(webcam))}; `
      + `latency ${webcam[0].latencyMs.toFixed(1)} → ${webcam.at(-1).latencyMs.toFixed(1)} ms`);
  }
  console.log(`  ${errors.length} console errors`);
}
