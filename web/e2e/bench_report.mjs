// The peer comparison's report: from DIR/native.json (shiftscope bench),
// DIR/torch.json (scripts/bench/torch_peer.py) and DIR/browser.json
// (bench_peers.mjs), one table per configuration with the ratio
// shiftscope / peer, each engine's distance from the physical floor
// (2 × multiply-adds / the device's best measured matrix-product rate) and
// the largest logit difference from shiftscope's native output.
//
//   node web/e2e/bench_report.mjs DIR      (prints the markdown again)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSafetensors } from './ort/safetensors.mjs';

/** The float32 tensors of a safetensors file on disk: {name: {shape, data}}. */
export function readSafetensors(path) {
  const bytes = readFileSync(path);
  return parseSafetensors(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

const read = (dir, file) => (existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : null);
const fmt = (x, digits = 2) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const sci = (x) => (x == null ? 'ref.' : Number(x).toExponential(1));

/**
 * One markdown table comparing shiftscope with a peer on one device. The
 * floor's rate is the best measured on the device: the matrix-product
 * peaks, or any engine's achieved rate if that was higher.
 */
function table(title, rows, matmulPeak, peerName) {
  const achieved = rows.flatMap((r) => [r.ours, r.peer]
    .filter((ms) => ms > 0).map((ms) => (2 * r.macs) / (ms * 1e6)));
  const peak = Math.max(matmulPeak ?? 0, ...achieved);
  const source = peak > (matmulPeak ?? 0) ? 'the best rate an engine achieved in these runs, above the matrix-product peak'
    : 'the best matrix-product rate measured on this device';
  const lines = [`### ${title}`, '',
    `Floor: 2 × multiply-adds / ${fmt(peak, peak < 1 ? 3 : 1)} GFLOP/s (${source}).`, '',
    `| model | batch | shiftscope ms/image | ${peerName} ms/image | ratio | floor ms/image | shiftscope × floor | ${peerName} × floor | max abs Δ logits (shiftscope, peer) |`,
    '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const floor = peak ? (2 * r.macs) / (peak * 1e6) : null;
    lines.push(`| ${r.model} | ${r.batch} | ${fmt(r.ours)} | ${fmt(r.peer)} | **${fmt(r.ours / r.peer)}** | ${fmt(floor, 3)} | `
      + `${fmt(r.ours / floor, 1)} | ${fmt(r.peer / floor, 1)} | ${sci(r.oursDiff)}, ${sci(r.peerDiff)} |`);
  }
  return lines.join('\n');
}

/** The whole report as markdown. */
export function report(dir) {
  const manifest = read(dir, 'manifest.json');
  const macs = Object.fromEntries(manifest.models.map((m) => [m.name, m.macs]));
  const [native, torch, browser] = [read(dir, 'native.json'), read(dir, 'torch.json'), read(dir, 'browser.json')];
  const out = [`## shiftscope vs peers (${browser?.date?.slice(0, 10) ?? new Date().toISOString().slice(0, 10)})`, ''];
  out.push('ratio = shiftscope / peer per-image latency (below 1: shiftscope is faster); medians of the timed runs after a warm-up, '
    + 'each run including the upload of the input and the read-back of the logits.', '');
  if (native && torch) {
    const rows = native.cases.map((c) => {
      const t = torch.models?.[c.model];
      return { model: c.model, batch: c.batch, macs: c.macs, ours: c.per_image_ms, peer: t?.batches?.[c.batch]?.per_image_ms,
        oursDiff: null, peerDiff: t?.agreement?.max_abs_diff };
    });
    const peak = Math.max(native.peak_gflops, torch.peak_gflops ?? 0);
    out.push(table(`Native CPU: shiftscope (burn flex, ${native.threads} threads) vs PyTorch ${torch.torch} eager (${torch.threads} threads)`,
      rows, peak, 'PyTorch'), '');
    out.push(`Matrix-product peak: burn flex ${fmt(native.peak_gflops, 1)} GFLOP/s, PyTorch ${fmt(torch.peak_gflops, 1)} GFLOP/s.`, '');
  }
  if (browser) {
    const adapter = browser.adapter ? `${browser.adapter.vendor} ${browser.adapter.architecture} ${browser.adapter.description ?? ''}`.trim() : 'none';
    out.push(`Browser: ${browser.browser}, headless; WebGPU adapter: ${adapter}${browser.adapter?.f16 ? ' (shader-f16)' : ''}.`, '');
    for (const [device, ep, title] of [['webgpu', 'webgpu', 'WebGPU: shiftscope vs ONNX Runtime Web (WebGPU EP)'],
      ['cpu', 'wasm', 'CPU in wasm: shiftscope (burn flex, 1 thread) vs ONNX Runtime Web (wasm EP)']]) {
      const ours = browser.shiftscope[device];
      if (!ours) continue;
      const rows = ours.cases.map((c) => {
        const peer = browser.ort[c.model]?.[ep];
        const p = peer?.batches?.[c.batch];
        return { model: c.model, batch: c.batch, macs: macs[c.model], ours: c.per_image_ms, peer: p?.per_image_ms,
          oursDiff: c.max_abs_diff, peerDiff: p?.max_abs_diff };
      });
      out.push(table(`${title}${ep === 'wasm' ? `, ${browser.ort[rows[0]?.model]?.wasm?.backendInfo?.numThreads ?? '?'} thread(s)` : ''}`,
        rows, ours.peak_gflops, 'ORT-web'), '');
    }
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.length !== 3) throw new Error('usage: node web/e2e/bench_report.mjs DIR');
  console.log(report(process.argv[2]));
}
