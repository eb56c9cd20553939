// Budgets of the web app, measured on this machine (not a test): wasm size
// (raw and gzip), weights sizes, time from navigation to the first
// prediction on localhost (cold; `npm run first` for cold and warm), and steady-state latency per image (median of
// the page's last 15 runs) on WebGPU and on the CPU for each shipped model.
//   npm run bench --prefix web/e2e        (after `trunk build --release`)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as h from './tests/harness.mjs';
import { EXAMPLES } from './tests/files.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

const wasm = readdirSync(h.DIST).find((f) => f.endsWith('.wasm'));
const wasmBytes = readFileSync(join(h.DIST, wasm));
console.log(`wasm: ${mb(wasmBytes.length)} raw, ${mb(gzipSync(wasmBytes, { level: 9 }).length)} gzip (${wasm})`);
const models = h.shippedModels();
for (const model of models) {
  const card = JSON.parse(readFileSync(join(h.ROOT, 'assets', `${model}.json`), 'utf8'));
  console.log(`weights ${model}: ${mb(statSync(join(h.ROOT, 'assets', card.file)).size)} (${card.storage})`);
}

const server = await h.serve();
const rows = [];
for (const webgpu of [true, false]) {
  const browser = await h.launch({ webgpu });
  try {
    const context = await browser.newContext();
    await h.recordFirstTimes(context);
    const page = await context.newPage();
    await page.goto(server.url);
    await h.waitReady(page, 600_000);
    const { readyMs: ready, predictionMs: first } = await h.firstTimes(page);
    let before;
    const backend = await page.$eval('#status', (el) => el.dataset.backend);
    for (const model of models) {
      if (model !== models[0]) await h.useModel(page, model, 600_000);
      for (let i = 0; i < RUNS; i++) {
        before = await h.counters(page);
        await page.click(`button[data-example=${EXAMPLES[0].name}]`);
        await h.settled(page, before);
      }
      const latency = Number(await page.getAttribute('#latency', 'data-ms'));
      rows.push({ backend, model, latency, ready, first });
    }
  } finally {
    await browser.close();
  }
}
await server.close();
console.log('\nbackend  model             latency (median ms)  navigation→ready  navigation→first prediction');
for (const r of rows) {
  console.log(`${r.backend.padEnd(8)} ${r.model.padEnd(17)} ${r.latency.toFixed(1).padStart(19)}  ${(r.ready / 1000).toFixed(1).padStart(15)} s  ${(r.first / 1000).toFixed(1).padStart(26)} s`);
}
