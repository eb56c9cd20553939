// Navigation → first prediction on localhost (not a test): the page
// classifies its first example by itself, so this is what a visitor waits
// for before seeing a prediction. Cold: a fresh browser context each visit
// (empty HTTP cache, no service worker, no cached weights). Warm: visits
// after the first in one context, once the service worker has kept the
// build (it registers 5 s after the first model is ready).
//   npm run first --prefix web/e2e -- [--visits N] [--only cpu|webgpu]
// (after `trunk build --release`)
import * as h from './tests/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const visits = Number(arg('visits', 5));
const only = arg('only', null);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Opens the app in `context` and returns its first times once it shows a
 * prediction; with `keep`, waits until the service worker has kept the
 * build before closing the page.
 */
async function visit(context, server, { keep = false } = {}) {
  const page = await context.newPage();
  await page.goto(server.url);
  await h.waitReady(page, 600_000);
  const times = await h.firstTimes(page);
  const controlled = await page.evaluate(() => Boolean(navigator.serviceWorker?.controller));
  if (keep) await page.evaluate(() => new Promise((ok) => { const wait = () => (navigator.serviceWorker.controller ? ok() : setTimeout(wait, 100)); wait(); }));
  await page.close();
  return { ...times, controlled };
}

const server = await h.serve();
for (const webgpu of [false, true]) {
  const name = webgpu ? 'webgpu' : 'cpu';
  if (only && only !== name) continue;
  const browser = await h.launch({ webgpu });
  try {
    const rows = { cold: [], warm: [] };
    for (let i = 0; i < visits; i += 1) {
      const context = await browser.newContext();
      await h.recordFirstTimes(context);
      rows.cold.push(await visit(context, server));
      await context.close();
    }
    const context = await browser.newContext();
    await h.recordFirstTimes(context);
    await visit(context, server, { keep: true });
    for (let i = 0; i < visits; i += 1) rows.warm.push(await visit(context, server));
    await context.close();
    for (const [kind, list] of Object.entries(rows)) {
      const shown = list.map((r) => `${r.predictionMs.toFixed(0)}`).join(', ');
      console.log(`${name} ${kind}: first prediction ${median(list.map((r) => r.predictionMs)).toFixed(0)} ms (median; `
        + `${shown}), ready ${median(list.map((r) => r.readyMs)).toFixed(0)} ms`
        + `${kind === 'warm' ? `, service worker in control: ${list.every((r) => r.controlled)}` : ''}`);
    }
  } finally {
    await browser.close();
  }
}
await server.close();
