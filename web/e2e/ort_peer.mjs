// onnxruntime-web peer of the shiftscope benchmark: runs DIR/<model>/model.onnx
// (written by scripts/bench/torch_peer.py) in headless Chromium with ORT's
// WebGPU and wasm execution providers, on DIR/<model>/io.safetensors.
//
//   node web/e2e/ort_peer.mjs DIR [--models a,b] [--eps webgpu,wasm] [--batches 1,8] [--runs 10] [--warmup 2]
//                                 [--max-seconds S]   (timed runs stop after S s, at least one is made)
//
// writes DIR/ort.json (entries of earlier runs for other models/EPs are kept)
// and prints a table. From another script: serve({mounts: ortMounts(DIR)}),
// then benchOrt(browser, server, {...}).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as h from './tests/harness.mjs';

export const ORT_PAGE = join(import.meta.dirname, 'ort');
export const ORT_DIST = join(import.meta.dirname, 'node_modules', 'onnxruntime-web', 'dist');

/** The `mounts` for harness `serve()`: the export directory, the page and ORT's dist. */
export function ortMounts(dir) {
  if (!existsSync(join(ORT_DIST, 'ort.webgpu.min.mjs'))) {
    throw new Error(`${ORT_DIST} has no ort.webgpu.min.mjs: run npm install --prefix web/e2e`);
  }
  return { '/bench/': resolve(dir), '/ort/': ORT_PAGE, '/ort/dist/': ORT_DIST };
}

/**
 * Benchmarks each model on each EP in a new browser context (a new page per
 * EP, since a page holds one ORT bundle). `server` must serve ortMounts(dir).
 * Returns {model: {ep: {ep, batches: {b: {median_ms, per_image_ms, min_ms,
 * samples_ms, max_abs_diff}}, sessionCreateMs, backendInfo} | {error}}}.
 */
export async function benchOrt(browser, server, {
  dir, models, eps = ['webgpu', 'wasm'], batches = [1, 8], runs = 10, warmup = 2, maxSeconds, log = console.log,
}) {
  const results = Object.fromEntries(models.map((m) => [m, {}]));
  const ready = models.filter((model) => {
    const onnx = join(dir, model, 'model.onnx');
    if (existsSync(onnx)) return true;
    const error = `${onnx} is missing: run scripts/bench/torch_peer.py ${dir} first (it exports only models that agree)`;
    for (const ep of eps) results[model][ep] = { error };
    log(`ort ${model}: ERROR ${error}`);
    return false;
  });
  const context = await browser.newContext();
  try {
    for (const ep of eps) {
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      await page.goto(`${server.origin}/ort/index.html`);
      await page.waitForFunction(() => document.querySelector('#status')?.dataset.ready === 'true', null, { timeout: 30_000 })
        .catch(() => { throw new Error(`the ORT bench page did not load: ${pageErrors.join('; ') || 'no page error'}`); });
      for (const model of ready) {
        log(`ort ${ep} ${model}: batches ${batches.join(',')}, ${warmup} warmup + ${runs} runs`);
        const start = Date.now();
        try {
          results[model][ep] = await page.evaluate((options) => window.benchOrt(options), {
            modelUrl: `/bench/${model}/model.onnx`, ioUrl: `/bench/${model}/io.safetensors`, ep, batches, runs, warmup, maxSeconds,
          });
          const r = results[model][ep];
          log(`  ${Object.entries(r.batches).map(([b, v]) => `batch ${b}: ${v.median_ms.toFixed(1)} ms (max |Δ| ${Number(v.max_abs_diff).toExponential(1)})`).join(', ')}`
            + `; session ${(r.sessionCreateMs / 1000).toFixed(1)} s; ${describeBackend(r.backendInfo)}; ${((Date.now() - start) / 1000).toFixed(0)} s in all`);
        } catch (error) {
          results[model][ep] = { error: String(error.message ?? error).split('\n')[0] };
          log(`  ERROR ${results[model][ep].error}`);
        }
      }
      await page.close();
    }
  } finally {
    await context.close();
  }
  return results;
}

/** "WebGPU on google/swiftshader, 420 nodes on WebGpu, 234 on CPU (Gather×54 …)" style summary. */
export function describeBackend(info) {
  const parts = [];
  if (info.adapter) parts.push(`adapter ${info.adapter.vendor}/${info.adapter.architecture}`);
  if (info.provider === 'wasm') parts.push(`${info.numThreads} thread(s), simd ${info.simd}`);
  const placed = Object.entries(info.placements).map(([ep, n]) => `${n} on ${ep.replace('ExecutionProvider', '')}`);
  if (placed.length) parts.push(`nodes: ${placed.join(', ')}`);
  const fallback = Object.entries(info.fallbackOps).map(([op, n]) => `${op}×${n}`);
  if (info.provider !== 'wasm' && fallback.length) parts.push(`CPU ops: ${fallback.join(' ')}`);
  return parts.join('; ');
}

function printTable(report, models, eps) {
  console.log(`\nonnxruntime-web ${report.onnxruntime_web} in ${report.browser}`);
  console.log(`${'model'.padEnd(18)} ${'ep'.padEnd(12)} ${'batch'.padStart(5)} ${'median ms'.padStart(10)} ${'ms/image'.padStart(9)} ${'max |Δ|'.padStart(8)}  backend`);
  for (const model of models) {
    for (const ep of eps) {
      const r = report.models[model]?.[ep];
      if (!r) continue;
      if (r.error) { console.log(`${model.padEnd(18)} ${ep.padEnd(12)} ERROR: ${r.error}`); continue; }
      for (const [b, v] of Object.entries(r.batches)) {
        console.log(`${model.padEnd(18)} ${ep.padEnd(12)} ${b.padStart(5)} ${v.median_ms.toFixed(1).padStart(10)} ${v.per_image_ms.toFixed(1).padStart(9)} `
          + `${Number(v.max_abs_diff).toExponential(1).padStart(8)}  ${describeBackend(r.backendInfo)}`);
      }
    }
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      models: { type: 'string' }, eps: { type: 'string', default: 'webgpu,wasm' },
      batches: { type: 'string' }, runs: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' },
      'max-seconds': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new Error('usage: node web/e2e/ort_peer.mjs DIR [--models a,b] [--eps webgpu,wasm] [--batches 1,8] [--runs 10] [--warmup 2] [--max-seconds S]');
  const dir = positionals[0];
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const known = manifest.models.map((m) => m.name);
  const models = values.models ? values.models.split(',') : known;
  const unknown = models.filter((m) => !known.includes(m));
  if (unknown.length) throw new Error(`models not in ${dir}/manifest.json: ${unknown.join(', ')}`);
  const eps = values.eps.split(',');
  const batches = values.batches ? values.batches.split(',').map(Number) : manifest.batches ?? [1, 8];

  const outPath = join(dir, 'ort.json');
  const previous = existsSync(outPath) ? JSON.parse(readFileSync(outPath, 'utf8')).models ?? {} : {};
  const server = await h.serve({ mounts: ortMounts(dir) });
  const browser = await h.launch({ webgpu: true });
  try {
    const ortVersion = JSON.parse(readFileSync(join(ORT_DIST, '..', 'package.json'), 'utf8')).version;
    const report = { onnxruntime_web: ortVersion, browser: `chromium ${browser.version()}`, runs: Number(values.runs), warmup: Number(values.warmup), models: previous };
    const maxSeconds = values['max-seconds'] === undefined ? undefined : Number(values['max-seconds']);
    const results = await benchOrt(browser, server, {
      dir, models, eps, batches, runs: Number(values.runs), warmup: Number(values.warmup), maxSeconds,
    });
    for (const [model, byEp] of Object.entries(results)) report.models[model] = { ...report.models[model], ...byEp };
    writeFileSync(outPath, `${JSON.stringify(report, null, 1)}\n`);
    printTable(report, models, eps);
    console.log(`wrote ${outPath}`);
    const failed = models.flatMap((m) => eps.filter((ep) => results[m][ep].error
      || Object.values(results[m][ep].batches).some((v) => !v.agrees)).map((ep) => `${m}/${ep}`));
    if (failed.length) {
      console.error(`FAILED (error, or max |Δ| > 1e-3 × max |logit|): ${failed.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => { console.error(error.message ?? error); process.exit(1); });
}
