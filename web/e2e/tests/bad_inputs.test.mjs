// Every bad input gets a visible message, and a good image still works
// after it: non-images, empty, corrupt, truncated, huge, SVG, animated GIF
// (classified by its first frame, with a note), wrong or corrupt weights (a
// truncated .pth too), webcam denied or absent, no WebGPU (see
// predictions.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';
import { badInputs, animatedGif } from './files.mjs';

let server;
let browser;
before(async () => { server = await h.serve(); browser = await h.launch({ webgpu: false, camera: true }); });
after(async () => { await browser.close(); await server.close(); });

/** Asserts the first example still classifies. */
async function stillWorks(page) {
  const before = await h.counters(page);
  await page.click('button[data-example=bird]');
  const shown = await h.settled(page, before);
  assert.equal(shown.messageKind, 'none', shown.message);
  assert.equal(shown.top.length, 5);
}

async function expectMessage(page, before, pattern, kind = 'error') {
  const shown = await h.settled(page, before);
  assert.equal(shown.messageKind, kind, `expected a visible ${kind} matching ${pattern}, got: ${shown.message}`);
  assert.match(shown.message, pattern);
  assert.ok(await page.isVisible('#message'));
}

test('bad images get a clear message and the app keeps working', { timeout: 600_000 }, async () => {
  const page = await h.openApp(browser, server);
  for (const bad of badInputs()) {
    const before = await h.counters(page);
    await h.dropFile(page, bad.name, bad.bytes, bad.type);
    await expectMessage(page, before, bad.expect);
    assert.match(await page.textContent('#message'), new RegExp(bad.name.replace('.', '\\.')));
    await h.screenshot(page, `bad-input-${bad.name.replace('.', '-')}`);
    await stillWorks(page);
  }
  const before = await h.counters(page);
  await h.dropFile(page, 'animated.gif', animatedGif(), 'image/gif');
  await expectMessage(page, before, /animated GIF: classified its first frame/, 'note');
  assert.equal((await h.readPredictions(page)).source, 'animated.gif');
  await h.screenshot(page, 'bad-input-animated-gif');
  assert.deepEqual(page.consoleErrors, []);
});

test('wrong or corrupt weights get a clear message and the model stays', { timeout: 600_000 }, async () => {
  const page = await h.openApp(browser, server);
  const shipped = readFileSync(join(h.ROOT, 'assets', 's2mlpv2_compact.bpk'));
  const fixture = join(h.ROOT, 'tests', 'fixtures', 'mixer', 'weights.safetensors');
  const checkpoint = readFileSync(join(h.ROOT, 'tests', 'fixtures', 'checkpoints', 'training.pth'));
  const cases = [
    { name: 'random.bpk', bytes: Buffer.alloc(5000, 3), expect: /not a safetensors, burnpack or PyTorch file/ },
    { name: 'truncated.bpk', bytes: shipped.subarray(0, shipped.length >> 1), expect: /truncated/ },
    { name: 'empty.safetensors', bytes: Buffer.alloc(0), expect: /empty/ },
    { name: 'mixer.safetensors', bytes: readFileSync(fixture), expect: /wrong architecture or variant/ },
    { name: 'truncated.pth', bytes: checkpoint.subarray(0, checkpoint.length >> 1), expect: /PyTorch file, truncated or corrupt/ },
  ];
  await page.click('.own-weights summary');
  for (const bad of cases) {
    const before = await h.counters(page);
    await page.setInputFiles('#weights-file', { name: bad.name, mimeType: 'application/octet-stream', buffer: bad.bytes });
    await expectMessage(page, before, bad.expect);
    await page.waitForFunction(() => document.querySelector('#status').dataset.phase === 'idle');
    assert.equal(await page.inputValue('#model'), 's2mlpv2_compact', 'the shipped model stays in use');
    await h.screenshot(page, `bad-weights-${bad.name.replace('.', '-')}`);
    await stillWorks(page);
  }
});

test('own weights: a burnpack file runs with its embedded config', { timeout: 600_000 }, async () => {
  const page = await h.openApp(browser, server);
  const weights = join(h.ROOT, 'assets', 'mixer_compact.bpk');
  await page.click('.own-weights summary');
  await page.setInputFiles('#weights-file', weights);
  await h.waitModel(page, 'mixer_compact.bpk');
  assert.equal(await page.inputValue('#model'), 'mixer_compact.bpk', 'the picker shows the visitor\'s weights');
  const before = await h.counters(page);
  await page.click('button[data-example=horse]');
  const shown = await h.settled(page, before);
  assert.equal(await page.getAttribute('#predictions', 'data-model'), 'mixer_compact.bpk');
  h.assertSameTop5(assert, shown.top, h.cliTop5(join(h.ROOT, 'assets', 'examples', 'horse.png'), weights), 1e-3, 'own weights');
  await h.screenshot(page, 'own-weights');
});

test('webcam denied, and webcam absent, get a clear message', { timeout: 600_000 }, async () => {
  const denied = await h.openApp(browser, server); // no camera permission in this context
  let before = await h.counters(denied);
  await denied.click('#webcam-toggle');
  await expectMessage(denied, before, /camera permission was denied/);
  await h.screenshot(denied, 'webcam-denied');
  await stillWorks(denied);

  const noCamera = await h.launch({ webgpu: false, camera: false });
  try {
    const absent = await h.openApp(noCamera, server, { permissions: ['camera'] });
    before = await h.counters(absent);
    await absent.click('#webcam-toggle');
    await expectMessage(absent, before, /no camera was found/);
    await h.screenshot(absent, 'webcam-absent');
    await stillWorks(absent);
  } finally {
    await noCamera.close();
  }
});
