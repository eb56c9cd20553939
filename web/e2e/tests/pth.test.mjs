// PyTorch checkpoints in the own-weights box: random weights in the official
// layouts (AS-MLP-T with svip-lab's key names inside a training checkpoint,
// Mixer-B/16 with timm's), written at test time by the reference code
// (tests/reference/full_size_pth.py; 113 and 240 MB, so not committed),
// classify an example at 224² with ImageNet labels exactly as the CLI does,
// and the checkpoint's skipped entries are named. The same weights as
// safetensors, each file in a fresh page, give the same top-5 and the time
// to read each (printed; docs/weights.md quotes it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as h from './harness.mjs';

const HORSE = join(h.ROOT, 'assets', 'examples', 'horse.png');
const IMAGENET = readFileSync(join(h.ROOT, 'assets', 'imagenet_classes.txt'), 'utf8').trim().split('\n');

let server;
let browser;
let dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shiftscope-pth-'));
  server = await h.serve();
  browser = await h.launch({ webgpu: false });
});
after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `variant`'s random weights as .pth and .safetensors; their paths. */
function generate(variant) {
  const python = process.env.SHIFTSCOPE_PYTHON ?? '/usr/bin/python3';
  const script = join(h.ROOT, 'tests', 'reference', 'full_size_pth.py');
  execFileSync(python, [script, variant, dir, '--safetensors'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return { pth: join(dir, `${variant}.pth`), safetensors: join(dir, `${variant}.safetensors`) };
}

/**
 * Opens a fresh page, gives `file` in the own-weights box as `variant`,
 * classifies the horse and checks the top-5 against the CLI's; returns the
 * page, what it shows and the milliseconds the worker took to read the file.
 */
async function classifyWith(variant, file) {
  const page = await h.openApp(browser, server);
  await page.click('.own-weights summary');
  await page.selectOption('#weights-variant', variant);
  await page.setInputFiles('#weights-file', file);
  await h.waitModel(page, basename(file), 600_000);
  const loadMs = Number(await page.getAttribute('#loaded', 'data-ms'));
  const notice = await h.readPredictions(page);
  const before = await h.counters(page);
  await page.click('button[data-example=horse]');
  const shown = await h.settled(page, before, 600_000);
  assert.equal(await page.getAttribute('#predictions', 'data-model'), basename(file));
  const cli = h.cliTop5(HORSE, file, variant);
  h.assertSameTop5(assert, shown.top, cli, 1e-3, `${variant} from ${basename(file)}`);
  for (const [p, c] of shown.top.map((p, i) => [p, cli[i]])) {
    assert.equal(p.label, c.label, `class ${p.class}: the CLI's name`);
    const names = IMAGENET[p.class].split('\t')[1].split(', ');
    assert.ok(names.includes(p.label), `class ${p.class}: ${p.label} is one of its ImageNet names (${names})`);
  }
  assert.ok(loadMs > 0, `${basename(file)}: the status gives the load time`);
  assert.deepEqual(page.consoleErrors, []);
  return { page, shown, notice, loadMs };
}

for (const [variant, skipped] of [['asmlp_tiny', ['epoch (int 300)', 'max_accuracy (float 81.3)']], ['mixer_b16', []]]) {
  test(`${variant}: a .pth in the official layout classifies as the CLI does`, { timeout: 1_200_000 }, async (t) => {
    const files = generate(variant);
    const pth = await classifyWith(variant, files.pth);
    if (skipped.length) {
      assert.equal(pth.notice.messageKind, 'note', `the skipped entries are named: ${pth.notice.message}`);
      for (const entry of skipped) assert.ok(pth.notice.message.includes(entry), `${entry} in: ${pth.notice.message}`);
      assert.ok(pth.shown.message?.includes(skipped[0]), 'the notice stays after the next result');
    } else {
      assert.equal(pth.notice.messageKind, 'none', `nothing to say: ${pth.notice.message}`);
    }
    await h.screenshot(pth.page, `pth-${variant}`);
    await pth.page.context().close();
    const st = await classifyWith(variant, files.safetensors);
    assert.deepEqual(st.shown.top.map((p) => p.class), pth.shown.top.map((p) => p.class));
    await st.page.context().close();
    const mb = (f) => (statSync(f).size / 1e6).toFixed(1);
    const line = `${variant}: read and built in the page (CPU, wasm) in ${pth.loadMs.toFixed(0)} ms from .pth `
      + `(${mb(files.pth)} MB), ${st.loadMs.toFixed(0)} ms from .safetensors (${mb(files.safetensors)} MB)`;
    t.diagnostic(line);
    rmSync(files.pth);
    rmSync(files.safetensors);
  });
}
