// "The papers, live" on the first example (the bird), on the CPU path and on WebGPU:
// the shift design explorer draws five fields on the photo and follows its
// controls; the region map at 96 px matches the CLI's and Mixer says why it
// has none; the patch shuffle runs all three models and Mixer's permuted
// weights give back its answer exactly; the side-by-side row shows the
// three models; no console errors; the panel fits a phone's width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as h from './harness.mjs';

const FIRST = join(h.ROOT, 'assets', 'examples', 'bird.png');
const BIN = process.env.SHIFTSCOPE_BIN ?? join(h.ROOT, 'target', 'debug', 'shiftscope');

function cli(args) {
  return JSON.parse(execFileSync(BIN, [...args, '--json', FIRST], { encoding: 'utf8' }));
}

async function choose(page, selector, value) {
  await page.selectOption(selector, String(value));
}

async function cardShot(page, selector, name) {
  await mkdir(h.ARTIFACTS, { recursive: true });
  await page.locator(selector).screenshot({ path: join(h.ARTIFACTS, `${name}.png`) });
}

/** Clicks `button` and waits for `answer`; returns the milliseconds between. */
async function timed(page, button, answer, timeout = 300_000) {
  const start = Date.now();
  await page.click(button);
  await page.waitForSelector(answer, { timeout });
  return Date.now() - start;
}

for (const webgpu of [false, true]) {
  const path = webgpu ? 'webgpu' : 'cpu';
  test(`${path}: each paper's claim is shown on the visitor's image`, { timeout: 1_200_000 }, async () => {
    const server = await h.serve();
    const browser = await h.launch({ webgpu });
    try {
      const page = await h.openApp(browser, server);
      const before = await h.counters(page);
      await page.click('button[data-example=bird]');
      await h.settled(page, before);
      await page.waitForSelector('#papers');
      const model = await page.getAttribute('#status', 'data-model');

      // The explorer: five fields on the photo; each control redraws them.
      const fields = await page.$$eval('.explorer-field', (cs) => cs.map((c) => c.dataset.size));
      assert.equal(fields.length, 5);
      assert.deepEqual(fields.slice(0, 2), ['36x36', '36x36'], 'shift 5 / 5×5 conv, two blocks: 9 tokens of 4 px');
      assert.equal(fields[3], '224x224', 'Mixer: the whole image');
      for (let i = 0; i < 5; i += 1) {
        const print = await h.canvasPrint(page, `.explorer-field[data-design="${i}"]`);
        assert.ok(print.colours > 50, `design ${i} draws the photo: ${JSON.stringify(print)}`);
      }
      let axial = await h.canvasPrint(page, '.explorer-field[data-design="0"]');
      const redraw = Date.now();
      await choose(page, '#explorer-size', 9);
      axial = await h.canvasChanges(page, '.explorer-field[data-design="0"]', axial, 'shift size 9');
      console.log(`${path}: explorer redrawn ${Date.now() - redraw} ms after a control`);
      assert.equal(await page.getAttribute('.explorer-field[data-design="0"]', 'data-size'), '68x68');
      await choose(page, '#explorer-dilation', 2);
      axial = await h.canvasChanges(page, '.explorer-field[data-design="0"]', axial, 'dilation 2');
      assert.equal(await page.getAttribute('.explorer-field[data-design="0"]', 'data-size'), '132x132');
      await page.evaluate(() => {
        const input = document.querySelector('#explorer-depth');
        input.value = '12';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      axial = await h.canvasChanges(page, '.explorer-field[data-design="0"]', axial, 'depth 12');
      const box = await page.locator('.explorer-field[data-design="1"]').boundingBox();
      await page.locator('.explorer-field[data-design="1"]').click({ position: { x: box.width * 0.1, y: box.height * 0.1 } });
      await h.canvasChanges(page, '.explorer-field[data-design="0"]', axial, 'click moves the token');
      await cardShot(page, '#explorer', `papers-${path}-explorer`);

      // On the whole photo: the field, then the class activation, over the mapped crop.
      await page.waitForSelector('#photo-canvas[data-photo=true]');
      const onPhoto = await h.canvasPrint(page, '#photo-canvas');
      assert.ok(onPhoto.colours > 200 && onPhoto.width > 300, `the whole photo is drawn: ${JSON.stringify(onPhoto)}`);
      await page.click('#photo-cam');
      await h.canvasChanges(page, '#photo-canvas', onPhoto, 'class activation on the photo');
      await cardShot(page, '.viz-card:has(#photo-heading)', `papers-${path}-photo`);

      // Any input size: the region map at 96 px, as the CLI maps it.
      await choose(page, '#regions-size', 3);
      const plain = await h.canvasPrint(page, '#regions-canvas');
      const regionsMs = await timed(page, '#regions-run', '#regions-legend');
      console.log(`${path}: regions at 96 px in ${regionsMs} ms (${model})`);
      await h.canvasChanges(page, '#regions-canvas', plain, 'regions painted');
      const classes = (await page.getAttribute('#regions-canvas', 'data-classes')).split(',').map(Number);
      const reference = cli(['regions', '--weights', join(h.ROOT, 'assets', `${model}.bpk`), '--size', '96']);
      assert.equal(classes.length, reference.rows * reference.cols);
      const same = classes.filter((c, i) => c === reference.classes[i]).length;
      assert.ok(same >= 0.98 * classes.length, `region classes agree with the CLI: ${same} of ${classes.length}`);
      await cardShot(page, '#regions', `papers-${path}-regions`);
      // Another size, another map.
      const at96 = await h.canvasPrint(page, '#regions-canvas');
      await choose(page, '#regions-size', 2);
      await page.click('#regions-run');
      await page.waitForSelector('#regions-canvas[data-size="64"]', { timeout: 300_000 });
      await h.canvasChanges(page, '#regions-canvas', at96, 'regions at 64 px');

      // The patch shuffle through all three models.
      const shuffleMs = await timed(page, '#shuffle-run', '#shuffle-table tbody tr');
      console.log(`${path}: shuffle through three models in ${shuffleMs} ms (others loaded on first use)`);
      const rows = await page.$$eval('#shuffle-table tbody tr', (trs) => trs.map((tr) => ({
        model: tr.dataset.model,
        gap: tr.querySelector('.permuted')?.dataset.gap,
        none: tr.querySelector('.permuted.none')?.textContent ?? '',
        shuffled: Number(tr.querySelector('.shuffled').dataset.class),
      })));
      assert.equal(rows.length, 3);
      const mixer = rows.find((r) => r.model === 'mixer_compact');
      assert.ok(Number(mixer.gap) < 1e-5, `Mixer's permuted weights give back its logits: ${mixer.gap}`);
      const mixerCli = cli(['shuffle', '--weights', join(h.ROOT, 'assets', 'mixer_compact.bpk'), '--seed', '7']);
      assert.equal(mixer.shuffled, mixerCli.shuffled[0].class, 'Mixer on the shuffled image, as the CLI');
      for (const row of rows.filter((r) => r.model !== 'mixer_compact')) {
        assert.match(row.none, /fixed neighbours/, `${row.model} has no weight permutation`);
      }
      await h.canvasChanges(page, '#shuffle-canvas', { hash: 0 }, 'the shuffled image is drawn');
      await cardShot(page, '#shuffle', `papers-${path}-shuffle`);
      // Another seed, another shuffle.
      const seed7 = await h.canvasPrint(page, '#shuffle-canvas');
      await page.fill('#shuffle-seed', '8');
      await page.click('#shuffle-run');
      await page.waitForSelector('#shuffle-canvas[data-seed="8"]', { timeout: 300_000 });
      await h.canvasChanges(page, '#shuffle-canvas', seed7, 'seed 8');

      // Side by side.
      const compareMs = await timed(page, '#compare-run', '#compare-row figure');
      const answers = await page.$$eval('#compare-row figure', (fs) => fs.map((f) => ({
        model: f.dataset.model, ms: Number(f.dataset.ms), top: Number(f.querySelector('li').dataset.class),
      })));
      console.log(`${path}: side by side in ${compareMs} ms: ${JSON.stringify(answers)}`);
      assert.equal(answers.length, 3);
      const shown = (await h.readPredictions(page)).top[0];
      assert.equal(answers.find((a) => a.model === model).top, shown.class, 'the model in use gives its own answer');
      for (const [i, a] of answers.entries()) {
        assert.ok(a.ms > 0, `${a.model} timed`);
        const print = await h.canvasPrint(page, `#compare-row figure:nth-child(${i + 1}) canvas`);
        assert.ok(print.colours > 20, `${a.model}'s activation is drawn`);
      }
      await cardShot(page, '#compare', `papers-${path}-compare`);

      // Mixer cannot run at another size, and says so.
      await h.useModel(page, 'mixer_compact');
      await page.click('button[data-example=bird]');
      await page.waitForSelector('#regions-refused', { timeout: 300_000 });
      assert.match(await page.textContent('#regions-refused'), /sized to 64 tokens/);

      // A phone's width: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
      await cardShot(page, '#explorer', `papers-${path}-explorer-phone`);
      assert.deepEqual(page.consoleErrors, [], 'no console errors');
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
