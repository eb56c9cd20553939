"""Reference implementations of the shared building blocks in docs/architectures.md.

Every function here is written for clarity, not speed. Shifts always build a
new tensor from slices of the *unmodified* input (clone / zeros + slicing), so
there is no in-place aliasing between source and destination.

Layouts: unless stated otherwise, feature maps are channels-last (B, H, W, C)
as in the spec. `axial_shift` also accepts channels-first input (channel_dim=1),
which is what the AS-MLP model (NCHW, like the official code) uses.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------
# S²-MLP spatial shift (one token, 4 channel groups, border keeps original)
# ---------------------------------------------------------------------------

def _shift_one(x: torch.Tensor, out: torch.Tensor, c0: int, c1: int, direction: str) -> None:
    """Write the shifted channel slice [c0, c1) of channels-last `x` into `out`.

    `out` must already hold a copy of `x` (so the uncovered row/column keeps
    its original value). Only `x` is read, only `out` is written.
    """
    if direction == "down":      # out[h] = in[h-1], h >= 1
        out[:, 1:, :, c0:c1] = x[:, :-1, :, c0:c1]
    elif direction == "up":      # out[h] = in[h+1], h <= H-2
        out[:, :-1, :, c0:c1] = x[:, 1:, :, c0:c1]
    elif direction == "right":   # out[w] = in[w-1], w >= 1
        out[:, :, 1:, c0:c1] = x[:, :, :-1, c0:c1]
    elif direction == "left":    # out[w] = in[w+1], w <= W-2
        out[:, :, :-1, c0:c1] = x[:, :, 1:, c0:c1]
    else:
        raise ValueError(direction)


SHIFT_ORDERS = {
    "shift1": ("down", "up", "right", "left"),
    "shift2": ("right", "left", "down", "up"),
}


def spatial_shift(x: torch.Tensor, ordering: str) -> torch.Tensor:
    """S²-MLP spatial shift of channels-last `x` (B, H, W, C), C % 4 == 0.

    ordering: "shift1" (down, up, right, left) or "shift2" (right, left, down, up)
    for channel groups 0..3 of C/4 contiguous channels each.
    """
    assert x.dim() == 4, x.shape
    C = x.shape[-1]
    assert C % 4 == 0, f"C={C} must be divisible by 4"
    q = C // 4
    out = x.clone()
    for g, direction in enumerate(SHIFT_ORDERS[ordering]):
        _shift_one(x, out, g * q, (g + 1) * q, direction)
    return out


def shift1(x: torch.Tensor) -> torch.Tensor:
    return spatial_shift(x, "shift1")


def shift2(x: torch.Tensor) -> torch.Tensor:
    return spatial_shift(x, "shift2")


# ---------------------------------------------------------------------------
# AS-MLP axial shift
# ---------------------------------------------------------------------------

def axial_groups(C: int, shift_size: int):
    """Channel ranges [(c0, c1), ...] of the `shift_size` groups, exactly as
    torch.chunk(C, shift_size) and the official CUDA kernel (group size
    ceil(C/s); trailing groups may be smaller or empty)."""
    size = math.ceil(C / shift_size)
    return [(min(C, g * size), min(C, (g + 1) * size)) for g in range(shift_size)]


def axial_shift(x: torch.Tensor, shift_size: int, dilation: int, direction: str,
                channel_dim: int = -1) -> torch.Tensor:
    """Axial shift with zero padding.

    Group g of ceil(C/s) channels is shifted by k = (g - s//2) * dilation tokens:
    out[i] = in[i - k], zero where i - k is out of range.

    direction: "horizontal" (along W) or "vertical" (along H).
    channel_dim: -1 / 3 for (B, H, W, C) input, 1 for (B, C, H, W) input.
    """
    assert x.dim() == 4
    assert shift_size % 2 == 1, "shift size must be odd"
    if channel_dim in (-1, 3):
        cdim, hdim, wdim = 3, 1, 2
    elif channel_dim == 1:
        cdim, hdim, wdim = 1, 2, 3
    else:
        raise ValueError(channel_dim)
    axis = {"horizontal": wdim, "vertical": hdim}[direction]
    C = x.shape[cdim]
    L = x.shape[axis]
    pad = shift_size // 2
    out = torch.zeros_like(x)
    for g, (c0, c1) in enumerate(axial_groups(C, shift_size)):
        if c1 <= c0:
            continue  # empty trailing group
        k = (g - pad) * dilation
        if abs(k) >= L:
            continue  # everything shifted out: stays zero
        src = x.narrow(cdim, c0, c1 - c0)
        dst = out.narrow(cdim, c0, c1 - c0)  # view into `out`, not into `x`
        if k >= 0:
            # out[k:] = in[:L-k]
            dst.narrow(axis, k, L - k).copy_(src.narrow(axis, 0, L - k))
        else:
            m = -k
            # out[:L-m] = in[m:]
            dst.narrow(axis, 0, L - m).copy_(src.narrow(axis, m, L - m))
    return out


def axial_shift_official_fallback(x: torch.Tensor, shift_size: int, dim: int) -> torch.Tensor:
    """The pure-torch fallback from svip-lab/AS-MLP (models/shift_cuda.py,
    `torch_shift`), NCHW input, dilation 1. dim=3 is horizontal (W),
    dim=2 is vertical (H). Kept verbatim in spirit for cross-checking."""
    B_, C, H, W = x.shape
    pad = shift_size // 2
    x = F.pad(x, (pad, pad, pad, pad), "constant", 0)
    xs = torch.chunk(x, shift_size, 1)
    x_shift = [torch.roll(x_c, shift, dim) for x_c, shift in zip(xs, range(-pad, pad + 1))]
    x_cat = torch.cat(x_shift, 1)
    x_cat = torch.narrow(x_cat, 2, pad, H)
    x_cat = torch.narrow(x_cat, 3, pad, W)
    return x_cat


# ---------------------------------------------------------------------------
# Split attention (k = 3 branches) and channel MLP
# ---------------------------------------------------------------------------

class SplitAttention(nn.Module):
    """Split attention over 3 branches of shape (B, N, C) (or (B, H, W, C)).

    forward returns (out, weights) where weights is the (B, 3, C) softmax over
    branches; weights[:, k, c] multiplies branch k, channel c.
    """

    def __init__(self, dim: int, pool: str = "sum", k: int = 3):
        super().__init__()
        assert pool in ("sum", "mean"), pool
        assert dim % 4 == 0
        self.dim = dim
        self.k = k
        self.pool = pool
        self.fc1 = nn.Linear(dim, dim // 4)
        self.fc2 = nn.Linear(dim // 4, dim * k)

    def forward(self, x1, x2, x3):
        return split_attention(x1, x2, x3, self.fc1, self.fc2, self.pool)


def split_attention(x1, x2, x3, fc1: nn.Linear, fc2: nn.Linear, pool: str = "sum"):
    xs = torch.stack([x1, x2, x3], dim=1)          # (B, 3, ..., C)
    B, K, C = xs.shape[0], xs.shape[1], xs.shape[-1]
    xs = xs.reshape(B, K, -1, C)                    # (B, 3, N, C)
    a = xs.sum(dim=1)                               # (B, N, C): sum over branches
    a = a.sum(dim=1) if pool == "sum" else a.mean(dim=1)   # (B, C)
    hat = fc2(F.gelu(fc1(a)))                       # (B, 3C)
    hat = hat.reshape(B, K, C)                      # branch-major
    w = torch.softmax(hat, dim=1)                   # over the 3 branches
    out = (w.unsqueeze(2) * xs).sum(dim=1)          # (B, N, C)
    out = out.reshape(x1.shape)
    return out, w


class ChannelMlp(nn.Module):
    """fc2(GELU(fc1(x))) on the last axis, both with bias."""

    def __init__(self, dim: int, hidden: int, out_dim: int = None):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, out_dim if out_dim is not None else dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


def channel_mlp(x, fc1: nn.Module, fc2: nn.Module):
    return fc2(F.gelu(fc1(x)))
