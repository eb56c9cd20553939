// Shared pieces of the browser tests: a static server for dist/ under a
// sub-path that records every request, headless Chromium (WebGPU on
// SwiftShader, or none), the native CLI as the reference, screenshots.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { extname, join, resolve, sep } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const DIST = process.env.SHIFTSCOPE_DIST ?? join(ROOT, 'dist');
export const ARTIFACTS = process.env.SHIFTSCOPE_ARTIFACTS ?? join(ROOT, 'target', 'e2e-artifacts');
export const SUB_PATH = '/some/sub/path/';
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.bpk': 'application/octet-stream',
  '.txt': 'text/plain', '.onnx': 'application/octet-stream', '.safetensors': 'application/octet-stream',
};

/**
 * Serves DIST at http://127.0.0.1:<port>/some/sub/path/; `requests` lists every path asked for.
 * `mounts` ({'/url/prefix/': directory}) serves more directories beside it; the longest
 * matching prefix wins (e.g. {'/ort/': pageDir, '/ort/dist/': ortDist}). Requests whose path
 * matches `hold` (a RegExp) wait until `release()` is called: a model that cannot be ready yet.
 */
export async function serve({ mounts = {}, hold = null } = {}) {
  const requests = [];
  let release;
  const released = new Promise((ok) => { release = ok; });
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    requests.push(req.url);
    if (hold && hold.test(req.url)) await released;
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const mount = prefixes.find((p) => path.startsWith(p));
    const [prefix, root] = mount ? [mount, resolve(mounts[mount])] : [SUB_PATH, DIST];
    if (!path.startsWith(prefix)) { res.writeHead(404).end(); return; }
    const file = join(root, path.slice(prefix.length) || 'index.html');
    if (!file.startsWith(join(root, sep))) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch { res.writeHead(404).end(); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: origin + SUB_PATH, requests, release, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Headless Chromium; `webgpu: false` hides WebGPU, `camera` adds Chromium's fake webcam.
 * With WebGPU on, the page is asked to use SwiftShader's software adapter, unless
 * `cpuOnSoftware` (a visitor's choice: the CPU path, saying why).
 */
export async function launch({ webgpu = true, camera = false, cpuOnSoftware = false } = {}) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--disable-sync', '--disable-quic'];
  args.push(webgpu ? '--enable-unsafe-webgpu' : '--disable-webgpu');
  if (webgpu) args.push('--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader');
  if (camera) args.push('--use-fake-device-for-media-stream');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args });
  // SwiftShader is a software adapter, which the page passes over for the
  // CPU path unless asked (`?webgpu`, or this global): the WebGPU path's
  // tests ask in every context.
  if (webgpu && !cpuOnSoftware) {
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (...options) => {
      const context = await newContext(...options);
      await context.addInitScript(() => { globalThis.shiftscopeWebgpu = true; });
      return context;
    };
  }
  return browser;
}

/**
 * Opens the app in a fresh context and waits until the first model is
 * ready. Records every request the page makes (`page.requests`).
 */
export async function openApp(browser, server, { permissions = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, permissions });
  const page = await context.newPage();
  page.requests = [];
  page.on('request', (request) => page.requests.push(request.url()));
  page.consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.consoleErrors.push(msg.text()); });
  page.on('pageerror', (error) => page.consoleErrors.push(String(error)));
  await page.goto(server.url);
  await waitReady(page);
  return page;
}

/**
 * Waits until the model slot is idle and ready, and the page has answered
 * the first example it classifies by itself (or shown an error).
 */
export async function waitReady(page, timeout = 240_000) {
  await page.waitForFunction(() => {
    const status = document.querySelector('#status');
    const panic = document.querySelector('#panic');
    if (!panic) throw new Error('the panic message element is missing');
    if (panic.textContent) throw new Error(panic.textContent);
    const answered = Number(document.querySelector('#predictions')?.dataset.updates) >= 1
      || document.querySelector('#message')?.dataset.kind === 'error';
    return status && status.dataset.phase === 'idle' && status.dataset.backend !== 'none' && answered;
  }, null, { timeout, polling: 250 });
}

/**
 * Makes every page of `context` note, on its own clock (ms after
 * navigation), when its first model is ready and when it first shows a
 * prediction; read them with [`firstTimes`].
 */
export async function recordFirstTimes(context) {
  await context.addInitScript(() => {
    const seen = {};
    globalThis.shiftscopeFirstTimes = seen;
    new MutationObserver(() => {
      const status = document.querySelector('#status');
      if (!seen.readyMs && status?.dataset.phase === 'idle' && status.dataset.model) seen.readyMs = performance.now();
      if (!seen.predictionMs && Number(document.querySelector('#predictions')?.dataset.updates) >= 1) {
        seen.predictionMs = performance.now();
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

/** `{readyMs, predictionMs}` noted by [`recordFirstTimes`]. */
export function firstTimes(page) {
  return page.evaluate(() => ({ ...globalThis.shiftscopeFirstTimes }));
}

/**
 * Waits until `name` is the model in use and ready (after a pick or an own-weights file), and
 * has classified again the image shown before it (the page re-runs it for the new model), so
 * that the next result a test waits for is its own.
 */
export async function waitModel(page, name, timeout = 300_000) {
  await page.waitForFunction((n) => {
    const status = document.querySelector('#status').dataset;
    const list = document.querySelector('#predictions').dataset;
    const rerun = Number(list.updates) === 0 || list.model === n;
    return status.model === n && status.phase === 'idle' && rerun
      && document.querySelector('.predictions').dataset.classifying !== 'true';
  }, name, { timeout, polling: 250 });
}

/** Picks a shipped model in the picker and waits until it is in use. */
export async function useModel(page, name, timeout = 300_000) {
  await page.selectOption('#model', name);
  await waitModel(page, name, timeout);
}

/** Counters to pass to [`settled`]: results and messages shown so far. */
export function counters(page) {
  return page.evaluate(() => ({
    updates: Number(document.querySelector('#predictions').dataset.updates),
    messages: Number(document.querySelector('#message').dataset.count),
  }));
}

/** Waits for the next result or message after `before` (from [`counters`]), and reads the page. */
export async function settled(page, before, timeout = 120_000) {
  await page.waitForFunction((b) => {
    const updates = Number(document.querySelector('#predictions').dataset.updates);
    const messages = Number(document.querySelector('#message').dataset.count);
    return updates > b.updates || messages > b.messages;
  }, before, { timeout, polling: 100 });
  return readPredictions(page);
}

/** `{updates, source, top: [{class, label, probability}]}` as the page shows them. */
export function readPredictions(page) {
  return page.evaluate(() => {
    const list = document.querySelector('#predictions');
    return {
      updates: Number(list.dataset.updates),
      source: list.dataset.source,
      message: document.querySelector('#message')?.dataset.kind === 'none' ? null : document.querySelector('#message')?.textContent,
      messageKind: document.querySelector('#message')?.dataset.kind,
      top: [...list.querySelectorAll('li')].map((li) => ({
        class: Number(li.dataset.class), label: li.dataset.label, probability: Number(li.dataset.probability),
      })),
    };
  });
}

/** Gives the page a file as if dropped on it (a real DragEvent with a DataTransfer). */
export async function dropFile(page, name, bytes, type) {
  await page.evaluate(async ({ name, data, type }) => {
    const file = new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, { name, data: Buffer.from(bytes).toString('base64'), type });
}

/** Pastes a file as a ClipboardEvent carrying it. */
export async function pasteFile(page, name, bytes, type) {
  await page.evaluate(async ({ name, data, type }) => {
    const file = new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, { name, data: Buffer.from(bytes).toString('base64'), type });
}

/** The shipped model names, in the picker's order (the core registry's `SHIPPED`, via `shiftscope info --json`). */
export function shippedModels() {
  const out = execFileSync(cliBin(), ['info', '--json'], { encoding: 'utf8' });
  return JSON.parse(out).filter((v) => v.shipped).map((v) => v.name);
}

function cliBin() {
  return process.env.SHIFTSCOPE_BIN ?? join(ROOT, 'target', 'debug', 'shiftscope');
}

/** The native CLI's top-5 for an image and weights (read as registry variant `model`, if given). */
export function cliTop5(image, weights, model) {
  const bin = cliBin();
  const variant = model ? ['--model', model] : [];
  const args = ['predict', ...variant, '--weights', weights, '--top', '5', '--json', image];
  const out = execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out)[0].top;
}

/** Saves a full-page screenshot as a test artifact. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Asserts the page's top-5 equals the CLI's: same classes in order, probabilities within `tolerance`. */
export function assertSameTop5(assert, page, cli, tolerance = 1e-3, what = '') {
  assert.deepEqual(page.map((p) => p.class), cli.map((p) => p.class), `${what}: top-5 classes differ: page ${JSON.stringify(page)} cli ${JSON.stringify(cli)}`);
  for (const [a, b] of page.map((p, i) => [p, cli[i]])) {
    assert.ok(Math.abs(a.probability - b.probability) <= tolerance, `${what}: ${a.label}: page ${a.probability} vs CLI ${b.probability}`);
  }
}

/** A fingerprint of a canvas's pixels and how many distinct colours it holds. */
export function canvasPrint(page, selector) {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel);
    if (!canvas || !canvas.width || !canvas.height) return { hash: 0, colours: 0, width: 0 };
    const copy = document.createElement('canvas');
    [copy.width, copy.height] = [canvas.width, canvas.height];
    const ctx = copy.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
    let hash = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      const c = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      hash = (Math.imul(hash, 31) + c) | 0;
      if (colours.size < 1000) colours.add(c);
    }
    return { hash, colours: colours.size, width: canvas.width };
  }, selector);
}

/** Waits until the canvas's fingerprint differs from `before`. */
export async function canvasChanges(page, selector, before, what) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await canvasPrint(page, selector);
    if (now.hash !== before.hash) return now;
    if (Date.now() > deadline) assert.fail(`${what}: ${selector} did not change`);
    await page.waitForTimeout(100);
  }
}
