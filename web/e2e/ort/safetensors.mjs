// The float32 tensors of a safetensors file, for the ORT page (in the
// browser) and the benchmark report (in node) alike.

/** {name: {shape, data: Float32Array}} of a safetensors file (F32 tensors only). */
export function parseSafetensors(buffer) {
  const n = Number(new DataView(buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, n)));
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F32') throw new Error(`safetensors tensor ${name}: dtype ${info.dtype}, only F32 is supported`);
    const [begin, end] = info.data_offsets;
    tensors[name] = { shape: info.shape, data: new Float32Array(buffer.slice(8 + n + begin, 8 + n + end)) };
  }
  return tensors;
}
