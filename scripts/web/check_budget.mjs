// Fails when the release build outgrows its size budget; prints the figures.
// Reads the precompressed copies the post-build hook wrote beside each file
// of dist/ (run after `trunk build --release`).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import { files } from './files.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
// Issue 15's goal for the wasm, and for the whole site with its three
// default weights (gzip is what GitHub Pages serves; brotli elsewhere).
const BUDGET = { wasmBrotli: 3.0e6, wasmGzip: 3.5e6, siteGzip: 8.0e6 };


const all = files(dist);
const size = (f) => statSync(f).size;
const wasm = all.filter((f) => f.endsWith('_bg.wasm'));
if (wasm.length !== 1) throw new Error(`expected one wasm in ${dist}, found ${wasm.length}`);
const [w] = wasm;
for (const suffix of ['.gz', '.br']) {
  if (!all.includes(w + suffix)) throw new Error(`${w}${suffix} is missing: was dist/ built with \`trunk build --release\`?`);
}
const originals = all.filter((f) => !f.endsWith('.gz') && !f.endsWith('.br'));
// A file without a .gz copy (e.g. an image) counts at its own size.
const siteGzip = originals.reduce((sum, f) => sum + (all.includes(`${f}.gz`) ? size(`${f}.gz`) : size(f)), 0);
const figures = { wasmRaw: size(w), wasmGzip: size(`${w}.gz`), wasmBrotli: size(`${w}.br`), siteGzip };
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
console.log(`wasm ${mb(figures.wasmRaw)} raw, ${mb(figures.wasmGzip)} gzip, ${mb(figures.wasmBrotli)} brotli; `
  + `dist/ ${mb(siteGzip)} gzip in all (${originals.length} files)`);
const over = Object.entries(BUDGET).filter(([key, limit]) => figures[key] > limit)
  .map(([key, limit]) => `${key} ${mb(figures[key])} > ${mb(limit)}`);
if (over.length) {
  console.error(`over the size budget: ${over.join('; ')}`);
  process.exit(1);
}
