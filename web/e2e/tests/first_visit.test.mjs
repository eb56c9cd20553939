// A first visit, as a visitor meets it (issue 25), on the CPU path and on
// WebGPU: the example shows at once and says it is being classified, no
// console warning on a clean load, the photo views redraw with a second
// image without touching a control, a model switch re-runs the image and
// names the new model, a software adapter loses to the CPU path (saying
// why), at phone width the answer scrolls into view, "an airplane".
// Prints the times to the preview and to the prediction, cold and warm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as h from './harness.mjs';
import { EXAMPLES } from './files.mjs';

const PHOTOS = join(h.ROOT, 'tests', 'photos', 'test');
const HORSE = EXAMPLES.find((e) => e.name === 'horse');
const BIRD = EXAMPLES.find((e) => e.name === 'bird');

/** Opens the app and notes, on the page's clock, when the preview and the first prediction appeared. */
async function visit(context) {
  const page = await context.newPage();
  page.consoleNoise = [];
  page.on('console', (msg) => { if (['warning', 'error'].includes(msg.type())) page.consoleNoise.push(`${msg.type()}: ${msg.text()}`); });
  page.on('pageerror', (error) => page.consoleNoise.push(String(error)));
  await page.goto(context.serverUrl);
  await h.waitReady(page);
  const times = await page.evaluate(() => ({ ...globalThis.firstVisit }));
  return { page, times };
}

/** A context whose pages note when the preview, the "classifying" line and the first prediction first appear. */
async function newContext(browser, server, viewport) {
  const context = await browser.newContext({ viewport });
  context.serverUrl = server.url;
  await context.addInitScript(() => {
    const seen = {};
    globalThis.firstVisit = seen;
    new MutationObserver(() => {
      const now = performance.now();
      if (!seen.previewMs && document.querySelector('#preview')) seen.previewMs = now;
      if (!seen.classifyingMs && document.querySelector('#classifying')) {
        seen.classifyingMs = now;
        seen.classifyingText = document.querySelector('#classifying').textContent;
        seen.answeredThen = Number(document.querySelector('#predictions')?.dataset.updates) || 0;
      }
      if (!seen.predictionMs && Number(document.querySelector('#predictions')?.dataset.updates) >= 1) seen.predictionMs = now;
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return context;
}

/**
 * How much the canvas `selector` looks like each image (Pearson correlation
 * of 16×16 grayscale thumbnails); `crop`: compare with the images' middle
 * square (what the model sees), else the whole image.
 */
function likeness(page, selector, images, crop) {
  return page.evaluate(async ({ selector, urls, crop }) => {
    const N = 16;
    const thumb = (source, sx, sy, sw, sh) => {
      const c = document.createElement('canvas');
      c.width = N; c.height = N;
      const ctx = c.getContext('2d');
      ctx.drawImage(source, sx, sy, sw, sh, 0, 0, N, N);
      const d = ctx.getImageData(0, 0, N, N).data;
      return Array.from({ length: N * N }, (_, i) => 0.3 * d[4 * i] + 0.59 * d[4 * i + 1] + 0.11 * d[4 * i + 2]);
    };
    const corr = (a, b) => {
      const ma = a.reduce((s, v) => s + v, 0) / a.length;
      const mb = b.reduce((s, v) => s + v, 0) / b.length;
      let ab = 0, aa = 0, bb = 0;
      for (let i = 0; i < a.length; i += 1) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
      return ab / Math.sqrt(aa * bb + 1e-9);
    };
    const canvas = document.querySelector(selector);
    if (!canvas) return null; // a view this model does not have (Mixer's region map)
    const target = thumb(canvas, 0, 0, canvas.width, canvas.height);
    const out = [];
    for (const url of urls) {
      const img = new Image();
      img.src = url;
      await img.decode();
      const [w, hgt] = [img.naturalWidth, img.naturalHeight];
      const s = Math.min(w, hgt);
      out.push(crop ? corr(target, thumb(img, (w - s) / 2, (hgt - s) / 2, s, s)) : corr(target, thumb(img, 0, 0, w, hgt)));
    }
    return out;
  }, { selector, urls: images.map((e) => `data:image/png;base64,${e.bytes.toString('base64')}`), crop });
}

/** Waits until every photo view looks more like `now` than like `before`. */
async function photoViewsShow(page, now, before, what) {
  const views = [['#photo-canvas', false], ['#regions-canvas', false], ['.explorer-field[data-design="0"]', true], ['#model-input', true]];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const scores = [];
    for (const [selector, crop] of views) {
      const score = await likeness(page, selector, [now, before], crop);
      if (score) scores.push([selector, ...score]);
    }
    const wrong = scores.filter(([, a, b]) => !(a > b + 0.1));
    if (!wrong.length) return scores;
    if (Date.now() > deadline) assert.fail(`${what}: these views still draw the other photo: ${JSON.stringify(wrong)}`);
    await page.waitForTimeout(200);
  }
}

/** Saves what the window shows (the screenshot tour in docs/page.md and the README: docs/screenshots/tour-*.png). */
async function tourShot(page, name) {
  await mkdir(h.ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(h.ARTIFACTS, `tour-${name}.png`) });
}

/** Whether `selector` lies within the window. */
function inView(page, selector) {
  return page.evaluate((sel) => {
    const r = document.querySelector(sel).getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight;
  }, selector);
}

for (const webgpu of [false, true]) {
  const path = webgpu ? 'webgpu' : 'cpu';
  test(`${path}: a first visit shows every wait, keeps its views current and follows the model`, { timeout: 900_000 }, async () => {
    const server = await h.serve();
    const browser = await h.launch({ webgpu });
    try {
      const context = await newContext(browser, server, { width: 1366, height: 900 });
      const { page, times } = await visit(context);
      assert.equal(await page.getAttribute('#status', 'data-backend'), path);
      assert.deepEqual(page.consoleNoise, [], 'a clean load prints no warning or error');
      assert.ok(times.previewMs && times.previewMs <= times.predictionMs, `the example is shown before its answer: ${JSON.stringify(times)}`);
      assert.equal(times.answeredThen, 0, 'the prediction area says the example is being classified before its answer');
      assert.match(times.classifyingText, /example: bird/);
      const reload = Date.now();
      await page.reload();
      await h.waitReady(page);
      const warm = await page.evaluate(() => ({ ...globalThis.firstVisit }));
      console.log(`${path}: cold: preview ${times.previewMs.toFixed(0)} ms, prediction ${times.predictionMs.toFixed(0)} ms; `
        + `warm (reload): preview ${warm.previewMs.toFixed(0)} ms, prediction ${warm.predictionMs.toFixed(0)} ms (${Date.now() - reload} ms in all)`);
      await h.screenshot(page, `first-visit-${path}-desktop`);

      // The photo views draw the shown photo; a second image redraws them, no control touched.
      await page.waitForSelector('#photo-canvas[data-photo="true"]');
      await photoViewsShow(page, BIRD, HORSE, 'the example');
      await page.evaluate(() => {
        globalThis.sawClassifying = [];
        new MutationObserver(() => {
          const el = document.querySelector('#classifying');
          if (el) globalThis.sawClassifying.push(el.textContent);
        }).observe(document.querySelector('.predictions'), { subtree: true, childList: true, characterData: true });
      });
      let before = await h.counters(page);
      await h.dropFile(page, 'horse.png', HORSE.bytes, 'image/png');
      const horse = await h.settled(page, before);
      assert.equal(horse.source, 'horse.png');
      const seen = await page.evaluate(() => globalThis.sawClassifying);
      assert.ok(seen.some((t) => /classifying horse\.png/.test(t)), `"classifying" shown while the image is in flight: ${JSON.stringify(seen)}`);
      await photoViewsShow(page, HORSE, BIRD, 'a second image');
      await page.evaluate(() => scrollTo(0, 0));
      await tourShot(page, `${path}-desktop`);

      // A model switch classifies the same image again; the prediction names the new model.
      const models = await page.$$eval('#model option', (os) => os.map((o) => o.value));
      const current = await page.getAttribute('#status', 'data-model');
      const other = models.find((m) => m !== current);
      before = await h.counters(page);
      await page.selectOption('#model', other);
      const rerun = await h.settled(page, before, 300_000);
      assert.equal(rerun.source, 'horse.png', 'the image shown is classified again');
      assert.equal(await page.getAttribute('#predictions', 'data-model'), other);
      const by = await page.textContent('#classified-by');
      const pretty = await page.$eval(`#model option[value="${other}"]`, (o) => o.textContent);
      assert.ok(by.includes(pretty), `the prediction names ${pretty}: ${by}`);
      await photoViewsShow(page, HORSE, BIRD, 'after the model switch');

      // "an airplane", never "a airplane", where the page is not sure.
      const unsure = [];
      for (const cls of ['airplane', 'automobile']) {
        for (const file of readdirSync(join(PHOTOS, cls))) {
          before = await h.counters(page);
          await h.dropFile(page, file, readFileSync(join(PHOTOS, cls, file)), 'image/jpeg');
          await h.settled(page, before);
          const text = await page.$eval('#unsure', (el) => el.textContent).catch(() => null);
          if (text) unsure.push(text);
        }
      }
      for (const text of unsure) assert.doesNotMatch(text, /\ba (airplane|automobile)\b/, text);
      console.log(`${path}: "not sure" texts: ${JSON.stringify(unsure.map((t) => t.slice(0, 60)))}`);
      await context.close();

      // Phone width: after a choice the top class is in view.
      const phone = await newContext(browser, server, { width: 390, height: 844 });
      const { page: small } = await visit(phone);
      await small.evaluate(() => scrollTo(0, 0));
      before = await h.counters(small);
      await small.click('button[data-example=horse]');
      await h.settled(small, before);
      await small.waitForFunction(() => {
        const r = document.querySelector('#predictions li')?.getBoundingClientRect();
        return r && r.top >= 0 && r.bottom <= innerHeight;
      }, null, { timeout: 10_000 }).catch(() => {});
      assert.ok(await inView(small, '#predictions li'), 'the top class is in view after a choice at 390 px');
      const small_targets = await small.$$eval('button, select, summary, .button, input[type=number], input[type=range]', (els) => els
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.id || e.className || e.tagName, e.getBoundingClientRect().height])
        .filter(([, height]) => height < 40));
      assert.deepEqual(small_targets, [], 'tap targets are at least 40 px tall');
      await tourShot(small, `${path}-phone`);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test('a software WebGPU adapter loses to the CPU path, and the page says why', { timeout: 300_000 }, async () => {
  const server = await h.serve();
  const browser = await h.launch({ webgpu: true, cpuOnSoftware: true });
  try {
    const context = await newContext(browser, server, { width: 1366, height: 900 });
    const { page } = await visit(context);
    assert.equal(await page.getAttribute('#status', 'data-backend'), 'cpu');
    assert.match(await page.textContent('#backend'), /software adapter \(SwiftShader\)/);
    assert.deepEqual(page.consoleNoise, [], 'a clean load prints no warning or error');
  } finally {
    await browser.close();
    await server.close();
  }
});
