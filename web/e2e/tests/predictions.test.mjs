// The page's top-5 equals the native CLI's for the same image and weights
// (probabilities within 1e-3), on WebGPU (SwiftShader) and on the CPU
// fallback, through every input: file picker, drop, paste, example button;
// the page says it is unsure exactly when the top class is below the card's
// calibrated threshold, and names the classes the model knows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';
import { EXAMPLES } from './files.mjs';

let server;
before(async () => { server = await h.serve(); });
after(async () => { await server.close(); });

/** Feeds example `i` through one of the four inputs (rotating). */
async function feed(page, i) {
  const { name, path, bytes } = EXAMPLES[i % EXAMPLES.length];
  switch (i % 4) {
    case 0: await page.setInputFiles('#file', path); return `${name}.png`;
    case 1: await h.dropFile(page, `${name}.png`, bytes, 'image/png'); return `${name}.png`;
    case 2: await h.pasteFile(page, `${name}.png`, bytes, 'image/png'); return 'pasted image';
    default: await page.click(`button[data-example=${name}]`); return `example: ${name}`;
  }
}

/** A CIFAR-10 class with its article: "an airplane", "a cat". */
const an = (label) => `${/^[aeiou]/i.test(label) ? 'an' : 'a'} ${label}`;

for (const webgpu of [true, false]) {
  const path = webgpu ? 'webgpu' : 'cpu';
  test(`${path}: page top-5 equals the CLI's for every shipped model`, { timeout: 900_000 }, async () => {
    const browser = await h.launch({ webgpu });
    try {
      const page = await h.openApp(browser, server);
      const status = await page.$eval('#status', (el) => ({ backend: el.dataset.backend, text: el.textContent }));
      assert.equal(status.backend, path, status.text);
      if (!webgpu) assert.match(status.text, /CPU \(wasm\) — /, 'the page says why it runs on the CPU');
      await h.screenshot(page, `${path}-ready`);
      const models = await page.$$eval('#model option', (options) => options.map((o) => o.value));
      assert.deepEqual(models, h.shippedModels());
      for (const [m, model] of models.entries()) {
        if (m > 0) await h.useModel(page, model);
        const weights = join(h.ROOT, 'assets', `${model}.bpk`);
        const card = JSON.parse(readFileSync(join(h.ROOT, 'assets', `${model}.json`), 'utf8'));
        const images = m === 0 ? [0, 1, 2, 3] : [m];
        for (const i of images) {
          const before = await h.counters(page);
          const source = await feed(page, i);
          const shown = await h.settled(page, before);
          assert.equal(shown.messageKind, 'none', `${model} ${source}: ${shown.message}`);
          assert.equal(shown.source, source);
          assert.equal(await page.getAttribute('#predictions', 'data-model'), model);
          const expected = h.cliTop5(EXAMPLES[i].path, weights);
          h.assertSameTop5(assert, shown.top, expected, 1e-3, `${model} ${source}`);
          // Below the card's calibrated threshold the page says it is unsure.
          const unsure = expected[0].probability < card.profile.calibration.unsure_below;
          assert.equal(await page.getAttribute('#predictions', 'data-unsure'), String(unsure), `${model} ${source}`);
          assert.equal(await page.locator('#unsure').count(), unsure ? 1 : 0, `${model} ${source}`);
          if (unsure) assert.match(await page.textContent('#unsure'), new RegExp(`^Not sure: perhaps ${an(expected[0].label)}, perhaps ${an(expected[1].label)}\\.`));
          assert.equal(await page.textContent('#known-classes'),
            `It knows only these 10 classes: ${card.profile.classes.join(', ')}. Anything else gets the nearest of them.`);
        }
        await h.screenshot(page, `${path}-${model}`);
      }
      assert.match(await page.textContent('#latency'), /ms \(median of \d+\)/);
      assert.deepEqual(page.consoleErrors, []);
    } finally {
      await browser.close();
    }
  });
}

/**
 * A real photo over 1024 px: tests/photos' farm horse (CC0) upscaled to a 2048-px shorter side
 * by Pillow (Debian's python3-pil, which .ci/run installs), as a PNG.
 */
function largePhoto() {
  const out = join(mkdtempSync(join(tmpdir(), 'shiftscope-large-')), 'large-horse.png');
  const source = join(h.ROOT, 'tests', 'photos', 'test', 'horse', 'gcompris_farm_horse.jpg');
  execFileSync('/usr/bin/python3', ['-c', `
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
scale = 2048 / min(image.size)
image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS).save(sys.argv[2])
`, source, out]);
  return out;
}

for (const webgpu of [true, false]) {
  const path = webgpu ? 'webgpu' : 'cpu';
  test(`${path}: a photo over 1024 px takes the CLI's path (decoded at a 1024-px shorter side)`, { timeout: 600_000 }, async () => {
    const photo = largePhoto();
    const browser = await h.launch({ webgpu });
    try {
      const page = await h.openApp(browser, server);
      const model = h.shippedModels()[0];
      const before = await h.counters(page);
      await page.setInputFiles('#file', photo);
      const shown = await h.settled(page, before);
      assert.equal(shown.source, 'large-horse.png');
      const expected = h.cliTop5(photo, join(h.ROOT, 'assets', `${model}.bpk`));
      // The browser's high-quality downscale and the CLI's triangle filter differ a little (1e-4
      // here): the same best class, and every class both list within 1e-3 (near-equal small
      // ones may swap places).
      assert.equal(shown.top[0].class, expected[0].class, `page ${JSON.stringify(shown.top)} cli ${JSON.stringify(expected)}`);
      const cli = new Map(expected.map((p) => [p.class, p.probability]));
      const gaps = shown.top.filter((p) => cli.has(p.class)).map((p) => Math.abs(p.probability - cli.get(p.class)));
      assert.ok(gaps.length >= 4, `the top-5 share at least 4 classes: page ${JSON.stringify(shown.top)} cli ${JSON.stringify(expected)}`);
      console.log(`${path}: a 2048-px photo, page vs CLI: largest probability gap ${Math.max(...gaps).toFixed(4)}`);
      assert.ok(Math.max(...gaps) <= 1e-3, `page ${JSON.stringify(shown.top)} vs CLI ${JSON.stringify(expected)}`);
      assert.deepEqual(page.consoleErrors, []);
    } finally {
      await browser.close();
    }
  });
}
