"""Shared helpers of the benchmark peers: build the PyTorch reference models
of tests/reference from a config, load an export directory's weights into
them, count their multiply-adds, and swap in export-friendly shift ops for
`torch.onnx.export`.

Run the scripts that use this with Debian's /usr/bin/python3 (torch 1.13).
"""
import contextlib
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REFERENCE = os.path.join(ROOT, "tests", "reference")
sys.path.insert(0, REFERENCE)

import as_mlp  # noqa: E402
import mlp_mixer  # noqa: E402
import s2mlpv2  # noqa: E402
import st_io  # noqa: E402
from shift_ops import SHIFT_ORDERS, axial_groups  # noqa: E402

ARCHS = {"s2mlpv2": s2mlpv2.S2MLPv2, "asmlp": as_mlp.ASMLP, "mixer": mlp_mixer.MlpMixer}

# Full-size configs (same schema as tests/fixtures/*/config.json).
FULL_SIZE = {
    "s2mlpv2_small7": {
        "arch": "s2mlpv2", "image_size": 224, "in_channels": 3, "num_classes": 1000,
        "patch_sizes": [7, 2], "dims": [192, 384], "depths": [4, 14],
        "mlp_ratio": 3.0, "split_pool": "sum"},
    "asmlp_tiny": {
        "arch": "asmlp", "image_size": 224, "in_channels": 3, "num_classes": 1000,
        "patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2],
        "shift_size": 5, "dilation": 1, "mlp_ratio": 4.0},
}

# Shipped compact models: their config is the `model` object of the card.
COMPACT = ("s2mlpv2_compact", "asmlp_compact", "mixer_compact")


def compact_config(name):
    """The `model` object of assets/<name>.json, without its `preprocess` key."""
    with open(os.path.join(ROOT, "assets", f"{name}.json")) as f:
        cfg = json.load(f)["model"]
    cfg.pop("preprocess", None)
    return cfg


def build_model(cfg):
    """The reference model of `cfg` (float32, eval mode, random init)."""
    arch = cfg.get("arch")
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r} in config (known: {', '.join(ARCHS)})")
    return ARCHS[arch].from_config(cfg).float().eval()


def _strip_trailing_ones(shape):
    shape = list(shape)
    while shape and shape[-1] == 1:
        shape.pop()
    return shape


def load_weights(model, path):
    """Loads a float32 safetensors state dict into `model` (strict).

    A tensor stored 2-D (out, in) where the model has (out, in, 1, 1) (AS-MLP's
    1×1 convs) is reshaped; any other missing, extra or mis-shaped key raises
    a ValueError that names the key.
    """
    try:
        tensors = st_io.load_file(path)
    except (AssertionError, OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read safetensors ({e!r}); only F32 tensors are supported") from e
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ValueError(f"{path}: state dict keys differ from the reference model: "
                         f"missing {missing[:8]}{'...' if len(missing) > 8 else ''}, "
                         f"unexpected {extra[:8]}{'...' if len(extra) > 8 else ''}")
    fixed = {}
    for key, want in expected.items():
        got = tensors[key]
        if tuple(got.shape) != tuple(want.shape):
            if got.numel() == want.numel() and _strip_trailing_ones(got.shape) == _strip_trailing_ones(want.shape):
                got = got.reshape(want.shape)
            else:
                raise ValueError(f"{path}: key {key!r} has shape {list(got.shape)}, "
                                 f"the reference model wants {list(want.shape)}")
        fixed[key] = got
    model.load_state_dict(fixed, strict=True)
    return model


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model, cfg):
    """Multiply-adds of one image in the Linear and Conv2d layers (norms,
    activations, shifts and softmax are not counted)."""
    total = [0]

    def hook(mod, _inputs, out):
        if isinstance(mod, nn.Linear):
            total[0] += out.numel() * mod.in_features
        else:
            kh, kw = mod.kernel_size
            total[0] += out.numel() * (mod.in_channels // mod.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    try:
        s = cfg["image_size"]
        model(torch.zeros(1, cfg["in_channels"], s, s))
    finally:
        for h in handles:
            h.remove()
    return total[0]


# ---------------------------------------------------------------------------
# Export-friendly shifts. The reference shifts write into slices of a copy
# (`out[...] = x[...]`, `narrow(...).copy_(...)`). torch 1.13's ONNX exporter
# turns the first into ScatterND with index arithmetic and silently DROPS the
# second (AS-MLP exports as if every shift produced zeros). These build the
# same tensors from slices, Pad and Concat only.
# ---------------------------------------------------------------------------

def spatial_shift_cat(x, ordering):
    """S²-MLP shift of channels-last (B, H, W, C), border keeps its value."""
    q = int(x.shape[-1]) // 4  # int(): a constant in the ONNX graph, not Shape arithmetic
    parts = []
    for g, direction in enumerate(SHIFT_ORDERS[ordering]):
        s = x[..., g * q:(g + 1) * q]
        if direction == "down":
            s = torch.cat([s[:, :1], s[:, :-1]], 1)
        elif direction == "up":
            s = torch.cat([s[:, 1:], s[:, -1:]], 1)
        elif direction == "right":
            s = torch.cat([s[:, :, :1], s[:, :, :-1]], 2)
        else:  # left
            s = torch.cat([s[:, :, 1:], s[:, :, -1:]], 2)
        parts.append(s)
    return torch.cat(parts, -1)


def axial_shift_pad(x, shift_size, dilation, direction, channel_dim=1):
    """AS-MLP axial shift of NCHW `x` with zero padding (channel_dim must be 1)."""
    if channel_dim != 1:
        raise ValueError("the export-friendly axial shift only supports NCHW (channel_dim=1)")
    axis = 3 if direction == "horizontal" else 2
    length = int(x.shape[axis])  # int(): only the batch axis is dynamic in the export
    pad = shift_size // 2
    parts = []
    for g, (c0, c1) in enumerate(axial_groups(int(x.shape[1]), shift_size)):
        if c1 <= c0:
            continue
        src = x[:, c0:c1]
        k = (g - pad) * dilation
        if k == 0:
            parts.append(src)
        elif abs(k) >= length:
            parts.append(torch.zeros_like(src))
        else:
            kept = src.narrow(axis, 0, length - k) if k > 0 else src.narrow(axis, -k, length + k)
            before, after = (k, 0) if k > 0 else (0, -k)
            widths = (before, after) if axis == 3 else (0, 0, before, after)
            parts.append(F.pad(kept, widths))
    return torch.cat(parts, 1)


@contextlib.contextmanager
def export_friendly_shifts():
    """Temporarily routes the reference models' shifts to the ops above."""
    saved = (s2mlpv2.shift1, s2mlpv2.shift2, as_mlp.axial_shift)
    s2mlpv2.shift1 = lambda x: spatial_shift_cat(x, "shift1")
    s2mlpv2.shift2 = lambda x: spatial_shift_cat(x, "shift2")
    as_mlp.axial_shift = axial_shift_pad
    try:
        yield
    finally:
        s2mlpv2.shift1, s2mlpv2.shift2, as_mlp.axial_shift = saved


def gflops(macs, images, ms):
    """Achieved GFLOP/s (2 flops per multiply-add)."""
    return 2.0 * macs * images / (ms * 1e6) if ms > 0 else math.nan
