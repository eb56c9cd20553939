// The engine's Web Worker: starts the page's own wasm module (compiled once
// by boot.js and sent here with the bindings' URL), whose `main` sees no
// window and serves the page's requests. A failure to start is posted back,
// so the page can run the engine itself instead.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { bindings, module, webgpu } = event.data;
    // Read by the engine when it chooses its device (web/src/device.rs).
    self.shiftscopeWebgpu = Boolean(webgpu);
    const glue = await import(bindings);
    const wasm = await glue.default({ module_or_path: module });
    // The engine's wasm memory, in bytes (read by the soak, web/e2e/soak.mjs).
    self.shiftscopeMemoryBytes = () => wasm.memory.buffer.byteLength;
    // The GPU allocator's [allocations, bytes in use, bytes reserved], or undefined on the CPU.
    self.shiftscopeAllocator = () => glue.engineAllocator();
  } catch (error) {
    self.postMessage({ bootError: String(error?.message ?? error) });
  }
};
