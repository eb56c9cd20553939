// The app's bench page (?bench) times the files `shiftscope bench --export`
// wrote, on WebGPU (SwiftShader) and on the CPU, and its logits for the
// shared input equal the native CLI's; bad parameters get a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';
import { benchShiftscope } from '../shiftscope_page.mjs';
import { readSafetensors } from '../bench_report.mjs';

const MODEL = 'asmlp_compact';
let server;
let exportDir;
before(async () => {
  exportDir = mkdtempSync(join(tmpdir(), 'shiftscope-bench-'));
  const bin = process.env.SHIFTSCOPE_BIN ?? join(h.ROOT, 'target', 'debug', 'shiftscope');
  execFileSync(bin, ['bench', '--models', MODEL, '--batches', '1,2', '--runs', '1', '--warmup', '0',
    '--assets', join(h.ROOT, 'assets'), '--export', exportDir], { stdio: 'ignore' });
  server = await h.serve({ mounts: { '/bench/': exportDir } });
});
after(async () => {
  await server.close();
  rmSync(exportDir, { recursive: true, force: true });
});

for (const device of ['webgpu', 'cpu']) {
  test(`${device}: the bench page times each batch size and its logits equal the CLI's`, { timeout: 600_000 }, async () => {
    const browser = await h.launch({ webgpu: device === 'webgpu' });
    try {
      const result = await benchShiftscope(browser, server,
        { device, models: [MODEL], source: '/bench', batches: [1, 2], runs: 3, warmup: 1, peak: 256, log: () => {} });
      assert.equal(result.device, device);
      assert.ok(result.peak_gflops > 0, 'the matrix-product peak is measured');
      const expected = readSafetensors(join(exportDir, MODEL, 'io.safetensors')).logits.data;
      assert.deepEqual(result.cases.map((c) => c.batch), [1, 2]);
      for (const c of result.cases) {
        assert.equal(c.samples_ms.length, 3);
        assert.ok(c.median_ms > 0 && Math.abs(c.per_image_ms * c.batch - c.median_ms) < 1e-9);
        assert.equal(c.logits.length, c.batch * 10);
        const worst = Math.max(...c.logits.map((v, i) => Math.abs(v - expected[i])));
        assert.ok(worst < 1e-3, `batch ${c.batch}: logits differ from the CLI's by ${worst}`);
      }
    } finally {
      await browser.close();
    }
  });
}

test('bad bench parameters are explained in the page', { timeout: 120_000 }, async () => {
  const browser = await h.launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}?bench&runs=many`);
    await page.waitForSelector('#bench[data-state=failed]', { timeout: 60_000 });
    assert.match(await page.textContent('#bench'), /`runs` must be a whole number, not `many`/);
  } finally {
    await browser.close();
  }
});
