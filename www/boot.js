// Starts the wasm app. A file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts. Trunk's pattern_script
// (Trunk.toml) passes the hashed names of the generated files.
const tag = document.querySelector('script[data-bindings]');
const bindings = await import(tag.dataset.bindings);
await bindings.default({ module_or_path: tag.dataset.wasm });
dispatchEvent(new CustomEvent('TrunkApplicationStarted'));
