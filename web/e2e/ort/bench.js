// onnxruntime-web side of the shiftscope benchmark. The page exposes
// window.benchOrt({modelUrl, ioUrl, ep, batches, runs, warmup}): it runs an
// exported model.onnx on the `input` of an io.safetensors, compares the
// logits with the file's, and times session.run including the download of
// the logits to the CPU (the default output location), like shiftscope's
// own timing. One onnxruntime-web bundle per page: use a new page per EP.
import { parseSafetensors } from './safetensors.mjs';

/** EP name → [dist bundle, ORT execution provider]. */
const EPS = {
  webgpu: ['ort.webgpu.min.mjs', 'webgpu'],       // the native (C++) WebGPU EP
  'webgpu-jsep': ['ort.min.mjs', 'webgpu'],       // the older JS kernels (JSEP) of the WebGPU EP
  wasm: ['ort.wasm.min.mjs', 'wasm'],             // CPU, WebAssembly SIMD
};

let loaded = null; // {bundle, ort}

async function loadOrt(bundle) {
  if (loaded && loaded.bundle !== bundle) {
    throw new Error(`this page already loaded ${loaded.bundle}; open a new page to use ${bundle}`);
  }
  if (!loaded) {
    const ort = await import(new URL(`./dist/${bundle}`, location.href).href);
    ort.env.wasm.wasmPaths = new URL('./dist/', location.href).href; // same origin, no network
    loaded = { bundle, ort };
  }
  return loaded.ort;
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

// ORT's wasm binds console.log & co. once, when it is instantiated, so the
// hook is installed before ORT loads and sends lines to the current sink.
let sink = null;
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level].bind(console);
  console[level] = (...args) => (sink ? sink.push(args.map(String).join(' ')) : original(...args));
}

/** Collects console output (ORT's logs) instead of printing it, until `stop()`. */
function captureConsole() {
  const lines = [];
  sink = lines;
  return { lines, stop: () => { sink = null; } };
}

/**
 * Node placement from ORT's verbose session log: {placements: {EP: nodes},
 * fallbackOps: {op: count}, missingKernels: [op]}: fallbackOps are the nodes
 * placed on the CPU EP (when another EP was asked for), missingKernels the op
 * types the EP reported it has no kernel for (for some node's input types).
 */
export function parsePlacements(lines) {
  const placements = {};
  const fallbackOps = {};
  let current = null;
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const placed = line.match(/(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/);
    if (placed) {
      placements[placed[1]] = Number(placed[2]);
      current = placed[1];
      continue;
    }
    const node = line.match(/\]\s{2,}(\w+) \((.*)\)\s*$/); // "…]   Slice (/stem/Slice)"
    if (node && current === 'CPUExecutionProvider') fallbackOps[node[1]] = (fallbackOps[node[1]] ?? 0) + 1;
    else if (!node) current = null;
  }
  const missingKernels = [...new Set(lines.flatMap((l) => [...l.matchAll(/kernel not found in registries for Op type: (\w+)/g)].map((m) => m[1])))];
  return { placements, fallbackOps, missingKernels };
}

async function adapterInfo() {
  if (!navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return null;
  const { vendor, architecture, device, description } = adapter.info ?? {};
  return { vendor, architecture, device, description, f16: adapter.features.has('shader-f16') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

window.benchOrt = async function benchOrt({ modelUrl, ioUrl, ep = 'webgpu', batches = [1, 8], runs = 10, warmup = 2, maxSeconds = Infinity, numThreads, keepLog = false }) {
  if (!EPS[ep]) throw new Error(`unknown ep ${ep}; one of ${Object.keys(EPS).join(', ')}`);
  const [bundle, provider] = EPS[ep];
  const ort = await loadOrt(bundle);
  // shiftscope's wasm is single-threaded; ORT can only use threads on a crossOriginIsolated page.
  ort.env.wasm.numThreads = numThreads ?? (crossOriginIsolated ? 0 : 1);
  const [model, io] = await Promise.all([fetchBytes(modelUrl), fetchBytes(ioUrl).then(parseSafetensors)]);
  for (const key of ['input', 'logits']) if (!io[key]) throw new Error(`${ioUrl} has no ${key} tensor`);

  // Placement comes from a verbose session's log; the timed session is a second,
  // quiet one (the WebGPU EP logs every kernel launch through the session logger).
  const options = { executionProviders: [provider], graphOptimizationLevel: 'all' };
  const log = captureConsole();
  try {
    const verbose = await ort.InferenceSession.create(new Uint8Array(model), { ...options, logSeverityLevel: 0, logVerbosityLevel: 0 });
    await verbose.release();
  } finally {
    log.stop();
  }
  const created = performance.now();
  const session = await ort.InferenceSession.create(new Uint8Array(model), { ...options, logSeverityLevel: 3 });
  const sessionCreateMs = performance.now() - created;
  const runLog = captureConsole(); // ORT must stay quiet while timed: backendInfo.runLogLines checks it
  try {
    return await measure(ort, session, log.lines, runLog, { ep, provider, bundle, io, ioUrl, batches, runs, warmup, maxSeconds, keepLog, sessionCreateMs });
  } finally {
    runLog.stop();
    await session.release();
  }
};

/** Checks where the nodes run, then compares and times each batch (see benchOrt). */
async function measure(ort, session, logLines, runLog, { ep, provider, bundle, io, ioUrl, batches, runs, warmup, maxSeconds, keepLog, sessionCreateMs }) {
  const { placements, fallbackOps, missingKernels } = parsePlacements(logLines);
  const gpuNodes = Object.entries(placements).filter(([e]) => e !== 'CPUExecutionProvider').reduce((n, [, k]) => n + k, 0);
  if (provider !== 'wasm' && gpuNodes === 0) {
    throw new Error(`no node was placed on the ${provider} EP (placements from ORT's log: ${JSON.stringify(placements)})`);
  }
  const backendInfo = {
    bundle, provider, ortVersion: ort.env.versions?.web ?? ort.env.versions?.common,
    crossOriginIsolated, numThreads: ort.env.wasm.numThreads, simd: ort.env.wasm.simd ?? true,
    outputLocation: 'cpu', adapter: provider === 'webgpu' ? await adapterInfo() : null,
    placements, fallbackOps, missingKernels, ...(keepLog ? { log: logLines } : {}),
    warnings: logLines.filter((l) => /\bW:|warn|not assigned|fall ?back/i.test(l)).slice(0, 20),
  };
  if (!session.inputNames.includes('input') || !session.outputNames.includes('logits')) {
    throw new Error(`model has inputs ${session.inputNames} and outputs ${session.outputNames}, expected input → logits`);
  }

  const [, ...imageShape] = io.input.shape;
  const imageSize = imageShape.reduce((a, b) => a * b, 1);
  const classes = io.logits.shape[1];
  const results = {};
  for (const b of batches) {
    if (b > io.input.shape[0]) throw new Error(`batch ${b} > the ${io.input.shape[0]} images of ${ioUrl}`);
    const feeds = { input: new ort.Tensor('float32', io.input.data.slice(0, b * imageSize), [b, ...imageShape]) };
    const runOnce = async () => (await session.run(feeds)).logits.getData();
    const got = await runOnce();
    let maxAbsDiff = 0;
    for (let i = 0; i < b * classes; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - io.logits.data[i]));
    let maxAbsLogit = 0;
    for (let i = 0; i < b * classes; i++) maxAbsLogit = Math.max(maxAbsLogit, Math.abs(io.logits.data[i]));
    const agrees = maxAbsDiff <= 1e-3 * maxAbsLogit; // false for NaN too
    if (!(maxAbsDiff < Infinity)) maxAbsDiff = String(maxAbsDiff); // NaN survives JSON as a string
    for (let i = 0; i < warmup; i++) await runOnce();
    const samples = [];
    const budgetEnd = performance.now() + maxSeconds * 1000; // ≥ 1 run, then stop when past it
    for (let i = 0; i < runs && (i === 0 || performance.now() < budgetEnd); i++) {
      const start = performance.now();
      await runOnce();
      samples.push(performance.now() - start);
    }
    const med = median(samples);
    results[b] = { median_ms: med, per_image_ms: med / b, min_ms: Math.min(...samples), samples_ms: samples,
      max_abs_diff: maxAbsDiff, max_abs_logit: maxAbsLogit, agrees };
  }
  backendInfo.runLogLines = runLog.lines.slice(0, 5);
  return { ep, batches: results, sessionCreateMs, backendInfo };
}

document.querySelector('#status').textContent = 'ready: call window.benchOrt({...})';
document.querySelector('#status').dataset.ready = 'true';
