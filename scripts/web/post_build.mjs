// Trunk's post-build hook (Trunk.toml): in release builds, shrinks the wasm
// with binaryen's wasm-opt (npm's `binaryen`, pinned in web/e2e/package.json:
// Debian's binaryen 108 cannot parse what wasm-bindgen 0.2.130 emits), fills
// the service worker (www/sw.js) with this build's id and file list, then
// writes precompressed `.br` and `.gz` copies beside every file for hosts that
// serve them, and prints the sizes. Debug builds (`trunk serve`) are left as
// they are (their service worker caches nothing).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { files } from './files.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('post_build.mjs runs as a Trunk hook (TRUNK_STAGING_DIR is not set)');
if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);

const root = resolve(import.meta.dirname, '../..');
const wasmOpt = join(root, 'web/e2e/node_modules/binaryen/bin/wasm-opt');
if (!existsSync(wasmOpt)) {
  throw new Error(`${wasmOpt} is missing: run \`npm ci --prefix web/e2e\` (or scripts/setup_web.sh) first`);
}
// The features wasm-bindgen's output and the SIMD build use; every current
// browser has them.
const FEATURES = ['--enable-bulk-memory', '--enable-reference-types', '--enable-nontrapping-float-to-int',
  '--enable-simd', '--enable-sign-ext', '--enable-mutable-globals'];
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
// SHIFTSCOPE_WASM_NAMES=1 keeps the function names (for profiles, e.g.
// web/e2e/profile.mjs; about 4 MB more, the same code otherwise).
const NAMES = process.env.SHIFTSCOPE_WASM_NAMES === '1' ? ['-g'] : [];


for (const wasm of files(staging).filter((f) => f.endsWith('_bg.wasm'))) {
  const before = statSync(wasm).size;
  const started = Date.now();
  console.log(`wasm-opt -Oz ${wasm} (${mb(before)}; a few minutes)…`);
  execFileSync('node', [wasmOpt, '-Oz', ...NAMES, ...FEATURES, wasm, '-o', wasm], { stdio: 'inherit' });
  console.log(`wasm-opt: ${mb(before)} → ${mb(statSync(wasm).size)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// The service worker: every file of the build, and an id that changes with
// any of them.
const sw = join(staging, 'sw.js');
const site = files(staging).filter((f) => f !== sw).map((f) => relative(staging, f).split(sep).join('/')).sort();
const hash = createHash('sha256');
for (const name of site) hash.update(name).update(readFileSync(join(staging, name)));
const build = hash.digest('hex').slice(0, 16);
const template = readFileSync(sw, 'utf8');
if (!template.includes('__SHIFTSCOPE_BUILD__')) throw new Error(`${sw} has no build placeholder`);
writeFileSync(sw, template.replace("'__SHIFTSCOPE_BUILD__'", JSON.stringify(build))
  .replace("['__SHIFTSCOPE_FILES__']", JSON.stringify(site)));
console.log(`service worker: build ${build}, ${site.length} files`);

const COMPRESSIBLE = /\.(wasm|js|mjs|html|css|json|txt|svg|bpk|safetensors)$/;
for (const file of files(staging).filter((f) => COMPRESSIBLE.test(f))) {
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  writeFileSync(`${file}.gz`, gz);
  writeFileSync(`${file}.br`, br);
  if (file.endsWith('.wasm')) console.log(`${file}: raw ${mb(bytes.length)}, gzip ${mb(gz.length)}, brotli ${mb(br.length)}`);
}
