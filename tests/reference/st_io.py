"""Minimal pure-Python safetensors writer/reader (float32 only).

Format: 8-byte little-endian u64 header length N, then N bytes of UTF-8 JSON
{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
 "__metadata__": {str: str}}, padded with spaces to a multiple of 8, then the
raw little-endian tensor bytes. Tensors are laid out contiguously in sorted
key order, so offsets start at 0 and cover the buffer exactly.
"""
import json
import struct

import numpy as np
import torch


def save_file(tensors: dict, path: str, metadata: dict = None) -> None:
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if isinstance(t, torch.Tensor):
            arr = t.detach().cpu().contiguous().to(torch.float32).numpy()
        else:
            arr = np.asarray(t, dtype=np.float32)
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_file(path: str) -> dict:
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    body = raw[8 + n:]
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        b, e = info["data_offsets"]
        end_max = max(end_max, e)
        arr = np.frombuffer(body[b:e], dtype="<f4").reshape(info["shape"]).copy()
        out[name] = torch.from_numpy(arr)
    assert end_max == len(body), "trailing / missing data"
    return out
