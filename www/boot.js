// Starts the wasm app. A file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts. Trunk's pattern_script
// (Trunk.toml) passes the hashed names of the generated files. The module
// is compiled once (streaming): the page instantiates it, and so does the
// engine's worker (www/worker.js), which gets it from `shiftscopeBoot`.
const tag = document.querySelector('script[data-bindings]');
const wasmUrl = new URL(tag.dataset.wasm, location.href);
async function compile() {
  try {
    return await WebAssembly.compileStreaming(fetch(wasmUrl));
  } catch {
    // A host that does not serve .wasm as application/wasm.
    return WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer());
  }
}
const [bindings, module] = await Promise.all([import(tag.dataset.bindings), compile()]);
globalThis.shiftscopeBoot = { bindings: new URL(tag.dataset.bindings, location.href).href, module };
await bindings.default({ module_or_path: module });
dispatchEvent(new CustomEvent('TrunkApplicationStarted'));
