// Where the bench page's time goes (issue 16, the CPU-in-wasm path): runs
// the app's bench page (`?bench`, web/src/bench.rs) under Chromium's
// sampling profiler (CDP `Profiler`) and prints the functions with the most
// self time, counted only while a timed forward pass is on the stack.
// Needs a build that keeps the wasm function names:
//   SHIFTSCOPE_WASM_NAMES=1 trunk build --release
//   node web/e2e/profile.mjs [--device cpu] [--model s2mlpv2_compact] [--batch 1] [--runs 30] [--top 40] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as h from './tests/harness.mjs';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' }, model: { type: 'string', default: 's2mlpv2_compact' },
    batch: { type: 'string', default: '1' }, runs: { type: 'string', default: '30' },
    top: { type: 'string', default: '40' }, json: { type: 'string' },
    // Samples count only while a frame whose name matches this is on the stack.
    within: { type: 'string', default: 'bench_case_async' },
    interval: { type: 'string', default: '100' },
  },
});
const within = new RegExp(values.within);

/** Self time (ms) per function name, from a CDP profile, restricted to stacks through `within`. */
export function selfTimes(profile, within) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inside = new Map();
  /** Whether node `id` or one of its callers matches `within` (memoised). */
  const through = (id) => {
    if (inside.has(id)) return inside.get(id);
    const n = nodes.get(id);
    const yes = within.test(n.callFrame.functionName) || (parent.has(id) && through(parent.get(id)));
    inside.set(id, yes);
    return yes;
  };
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!through(id)) return;
    const name = nodes.get(id).callFrame.functionName || `(${nodes.get(id).callFrame.url || 'anonymous'})`;
    self.set(name, (self.get(name) ?? 0) + ms);
    total += ms;
  });
  return { total, rows: [...self].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms) };
}

const server = await h.serve();
const browser = await h.launch({ webgpu: values.device === 'webgpu' });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The same origin first, so the bench page loads in the renderer the
  // profiler is attached to.
  await page.goto(`${server.url}index.html?not-started`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: Number(values.interval) });
  await cdp.send('Profiler.start');
  const query = `bench&device=${values.device}&models=${values.model}&batches=${values.batch}&runs=${values.runs}&warmup=3&peak=0`;
  await page.goto(`${server.url}?${query}`);
  await page.waitForSelector('#bench[data-state=done], #bench[data-state=failed]', { timeout: 1_800_000 });
  const { profile } = await cdp.send('Profiler.stop');
  const result = JSON.parse(await page.textContent('#bench-json'));
  const { total, rows } = selfTimes(profile, within);
  const timed = result.cases.map((c) => `batch ${c.batch}: median ${c.median_ms?.toFixed?.(2) ?? JSON.stringify(c).slice(0, 80)} ms`);
  console.log(`${values.model} on ${values.device} (${timed.join(', ')}); ${total.toFixed(0)} ms sampled inside /${values.within}/`);
  for (const r of rows.slice(0, Number(values.top))) {
    console.log(`${(100 * r.ms / total).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name.slice(0, 150)}`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ model: values.model, total, rows, cases: result.cases }, null, 1));
} finally {
  await browser.close();
  await server.close();
}
