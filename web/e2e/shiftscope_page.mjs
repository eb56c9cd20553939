// Drives the app's bench page (`?bench&…`, see web/src/bench.rs) in a
// browser and returns its JSON: per model and batch size the timings and
// the logits of the first run.
import { SUB_PATH } from './tests/harness.mjs';

/**
 * Opens `?bench` with the given parameters in a fresh context of `browser`
 * and waits for its result (`timeout` ms). `source` is the URL path of a
 * `shiftscope bench --export` directory served beside the app.
 */
export async function benchShiftscope(browser, server, { device, models, source, batches = [1, 8], runs = 30,
  warmup = 3, peak = 1024, timeout = 3_600_000, log = console.error } = {}) {
  const query = new URLSearchParams({ device, models: models.join(','), batches: batches.join(','),
    runs: String(runs), warmup: String(warmup), peak: String(peak) });
  if (source) query.set('source', source);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${server.origin}${SUB_PATH}?bench&${query.toString().replaceAll('%2C', ',').replaceAll('%2F', '/')}`);
    await page.waitForSelector('#bench, #panic:not(:empty)', { timeout: 120_000 });
    let shown = 0;
    const deadline = Date.now() + timeout;
    for (;;) {
      const { state, lines } = await page.$eval('#bench', (el) => ({
        state: el.dataset.state, lines: [...el.querySelectorAll('li')].map((li) => li.textContent) }));
      for (; shown < lines.length; shown++) log(`  [shiftscope ${device}] ${lines[shown]}`);
      if (state === 'done') return JSON.parse(await page.textContent('#bench-json'));
      if (state === 'failed') throw new Error(`bench page failed: ${lines.at(-1)} ${errors.join(' | ')}`);
      const panic = await page.textContent('#panic');
      if (panic) throw new Error(panic);
      if (Date.now() > deadline) throw new Error(`bench page timed out after ${timeout} ms`);
      await page.waitForTimeout(500);
    }
  } finally {
    await context.close();
  }
}
