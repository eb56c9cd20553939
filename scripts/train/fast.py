"""Fast training forms of the reference models (tests/reference): the same
parameters under the same state-dict keys, computed channels-last from the
stem to the head with no permutes inside a block, shifts as autograd
functions whose backward is the adjoint copy (not the autograd of slice
assignments), 1×1 convolutions and patch convolutions as matrix products,
and Mixer's token mixing as a left matrix product (no transposes).

`fast_model(cfg)` builds one; `tests/train_fast.py` proves its logits and
gradients equal the reference model's on the same parameters, so weights
trained here load into the reference (and into shiftscope) unchanged.
Runs on torch 1.13 (Debian, CI) and 2.x.

# Shapes
Every model takes (B, 3, H, W) float images, as the reference does, and
returns (B, classes) logits. Inside, tokens are (B, h, w, C).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from as_mlp import ASMLP
from mlp_mixer import MlpMixer
from s2mlpv2 import S2MLPv2
from shift_ops import axial_groups


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------

def patchify(x, patch, channels_last):
    """Non-overlapping patches as rows: (B, C, H, W) or (B, H, W, C) ->
    (B, h, w, p·p·C) in (py, px, c) order (one copy)."""
    if channels_last:
        b, hh, ww, c = x.shape
        x = x.reshape(b, hh // patch, patch, ww // patch, patch, c).permute(0, 1, 3, 2, 4, 5)
    else:
        b, c, hh, ww = x.shape
        x = x.reshape(b, c, hh // patch, patch, ww // patch, patch).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(b, hh // patch, ww // patch, patch * patch * c)


def patch_linear(x, conv, channels_last):
    """Conv2d(kernel = stride = patch) as a matrix product on patch rows.

    # Shapes
    x: (B, Cin, H, W) or (B, H, W, Cin) -> (B, H/p, W/p, Cout)
    """
    p = conv.kernel_size[0]
    weight = conv.weight.permute(0, 2, 3, 1).reshape(conv.out_channels, -1)  # (out, py·px·in)
    return F.linear(patchify(x, p, channels_last), weight, conv.bias)


def pointwise(x, conv):
    """A 1×1 Conv2d on channels-last tokens: (B, h, w, Cin) -> (B, h, w, Cout)."""
    return F.linear(x, conv.weight.view(conv.out_channels, conv.in_channels), conv.bias)


def group_norm1(x, norm):
    """GroupNorm(1, C) of channels-last tokens: statistics over (h, w, C)
    per image, affine per channel. (B, h, w, C) -> same."""
    y = F.layer_norm(x, x.shape[1:], eps=norm.eps)
    return torch.addcmul(norm.bias.to(y.dtype), y, norm.weight.to(y.dtype))


# ---------------------------------------------------------------------------
# Shifts as copies with an adjoint backward
# ---------------------------------------------------------------------------

def _clamp_shift(src, dst, axis, k):
    """dst = src moved by k (±1) tokens along `axis`, the uncovered edge
    keeping src's own edge (index clamped): dst[i] = src[clamp(i - k)]."""
    n = src.shape[axis]
    if k > 0:
        dst.narrow(axis, 1, n - 1).copy_(src.narrow(axis, 0, n - 1))
        dst.narrow(axis, 0, 1).copy_(src.narrow(axis, 0, 1))
    else:
        dst.narrow(axis, 0, n - 1).copy_(src.narrow(axis, 1, n - 1))
        dst.narrow(axis, n - 1, 1).copy_(src.narrow(axis, n - 1, 1))


def _clamp_shift_adjoint(g, out, axis, k):
    """The transpose of `_clamp_shift`: out = Σ over the positions each
    source token was copied to."""
    n = g.shape[axis]
    if k > 0:
        out.narrow(axis, 0, n - 1).copy_(g.narrow(axis, 1, n - 1))
        out.narrow(axis, n - 1, 1).zero_()
        out.narrow(axis, 0, 1).add_(g.narrow(axis, 0, 1))
    else:
        out.narrow(axis, 1, n - 1).copy_(g.narrow(axis, 0, n - 1))
        out.narrow(axis, 0, 1).zero_()
        out.narrow(axis, n - 1, 1).add_(g.narrow(axis, n - 1, 1))


# S²-MLPv2's two shifts over the first 2C of the 3C channels: eight groups
# of C/4 channels, (axis of (B, h, w, C), step): shift1 = down, up, right,
# left; shift2 = right, left, down, up (tests/reference/shift_ops.py).
S2_MOVES = ((1, 1), (1, -1), (2, 1), (2, -1), (2, 1), (2, -1), (1, 1), (1, -1))


class S2Shift(torch.autograd.Function):
    """(B, h, w, 3C) -> (B, h, w, 3C): channels [0, 2C) shifted as shift1
    and shift2, [2C, 3C) unchanged."""

    @staticmethod
    def forward(ctx, y):
        q = y.shape[-1] // 12
        out = torch.empty_like(y)
        for g, (axis, k) in enumerate(S2_MOVES):
            _clamp_shift(y[..., g * q:(g + 1) * q], out[..., g * q:(g + 1) * q], axis, k)
        out[..., 8 * q:].copy_(y[..., 8 * q:])
        return out

    @staticmethod
    def backward(ctx, g):
        q = g.shape[-1] // 12
        out = torch.empty_like(g)
        for i, (axis, k) in enumerate(S2_MOVES):
            _clamp_shift_adjoint(g[..., i * q:(i + 1) * q], out[..., i * q:(i + 1) * q], axis, k)
        out[..., 8 * q:].copy_(g[..., 8 * q:])
        return out


def _zero_shift(src, dst, axis, k, adjoint=False):
    """dst = src moved by k tokens along `axis`, zeros where nothing lands
    (the adjoint moves by -k)."""
    if adjoint:
        k = -k
    n = src.shape[axis]
    if abs(k) >= n:
        dst.zero_()
        return
    if k >= 0:
        dst.narrow(axis, k, n - k).copy_(src.narrow(axis, 0, n - k))
        dst.narrow(axis, 0, k).zero_()
    else:
        m = -k
        dst.narrow(axis, 0, n - m).copy_(src.narrow(axis, m, n - m))
        dst.narrow(axis, n - m, m).zero_()


class AxialShift(torch.autograd.Function):
    """AS-MLP's zero-padded axial shift of channels-last (B, h, w, C):
    group g of ceil(C/s) channels moves (g - s//2)·dilation tokens along
    `axis` (2 = width, 1 = height)."""

    @staticmethod
    def forward(ctx, x, shift_size, dilation, axis):
        ctx.args = (shift_size, dilation, axis)
        return AxialShift._apply(x, shift_size, dilation, axis, adjoint=False)

    @staticmethod
    def backward(ctx, g):
        return AxialShift._apply(g, *ctx.args, adjoint=True), None, None, None

    @staticmethod
    def _apply(x, shift_size, dilation, axis, adjoint):
        out = torch.empty_like(x)
        for g, (c0, c1) in enumerate(axial_groups(x.shape[-1], shift_size)):
            if c1 > c0:
                k = (g - shift_size // 2) * dilation
                _zero_shift(x[..., c0:c1], out[..., c0:c1], axis, k, adjoint)
        return out


# ---------------------------------------------------------------------------
# S²-MLPv2
# ---------------------------------------------------------------------------

def s2_block(blk, x):
    """One S²-MLPv2 block on (B, h, w, C) tokens."""
    attn = blk.attn
    c = attn.dim
    y = S2Shift.apply(attn.mlp1(blk.norm1(x)))                 # (B, h, w, 3C)
    b = y.shape[0]
    branches = y.view(b, -1, 3, c)                            # (B, N, 3, C)
    if attn.split_attention is None:
        mixed = branches.sum(2)
    else:
        sa = attn.split_attention
        a = branches.sum(dim=(1, 2))
        if sa.pool == "mean":
            a = a / branches.shape[1]
        weights = torch.softmax(sa.fc2(F.gelu(sa.fc1(a))).view(b, 3, c), dim=1)
        mixed = (branches * weights.unsqueeze(1).to(branches.dtype)).sum(2)
    x = x + attn.mlp2(mixed.view(x.shape))
    return x + blk.mlp(blk.norm2(x))


def s2mlpv2_forward(model, x):
    x = patch_linear(x, model.patch_embed.proj, channels_last=False)
    for stage in model.stages:
        if stage.downsample is not None:
            x = patch_linear(x, stage.downsample.proj, channels_last=True)
        for blk in stage.blocks:
            x = s2_block(blk, x)
    return model.head(model.norm(x).mean(dim=(1, 2)))


# ---------------------------------------------------------------------------
# AS-MLP
# ---------------------------------------------------------------------------

def as_block(blk, x):
    """One AS-MLP block on (B, h, w, C) tokens."""
    sh = blk.axial_shift
    y = F.gelu(group_norm1(pointwise(group_norm1(x, blk.norm1), sh.conv1), sh.norm1))
    lr = AxialShift.apply(y, sh.shift_size, sh.dilation, 2)
    td = AxialShift.apply(y, sh.shift_size, sh.dilation, 1)
    y = F.gelu(pointwise(lr, sh.conv2_1)) + F.gelu(pointwise(td, sh.conv2_2))
    x = x + pointwise(group_norm1(y, sh.norm2), sh.conv3)
    mlp = blk.mlp
    return x + pointwise(F.gelu(pointwise(group_norm1(x, blk.norm2), mlp.fc1)), mlp.fc2)


def patch_merge(down, x):
    """PatchMerging on (B, h, w, C): the four 2×2 phases concatenated in the
    reference's order (row 0 col 0, row 1 col 0, row 0 col 1, row 1 col 1)."""
    b, h, w, c = x.shape
    x = x.view(b, h // 2, 2, w // 2, 2, c).permute(0, 1, 3, 4, 2, 5).reshape(b, h // 2, w // 2, 4 * c)
    return pointwise(group_norm1(x, down.norm), down.reduction)


def asmlp_forward(model, x):
    x = group_norm1(patch_linear(x, model.patch_embed.proj, channels_last=False), model.patch_embed.norm)
    for layer in model.layers:
        for blk in layer.blocks:
            x = as_block(blk, x)
        if layer.downsample is not None:
            x = patch_merge(layer.downsample, x)
    return model.head(group_norm1(x, model.norm).mean(dim=(1, 2)))


# ---------------------------------------------------------------------------
# MLP-Mixer
# ---------------------------------------------------------------------------

def token_mlp(mlp, x):
    """Token mixing as left products: W2 · GELU(W1 · X + b1) + b2 with X
    (B, N, C), no transposes (batched products: torch 1.13's broadcast
    matmul backward gives inf with the reference BLAS)."""
    b = x.shape[0]
    h = torch.baddbmm(mlp.fc1.bias[:, None].expand(b, -1, x.shape[2]), mlp.fc1.weight.expand(b, -1, -1), x)
    h = F.gelu(h)
    return torch.baddbmm(mlp.fc2.bias[:, None].expand(b, -1, h.shape[2]), mlp.fc2.weight.expand(b, -1, -1), h)


def mixer_forward(model, x):
    x = patch_linear(x, model.stem.proj, channels_last=False)
    x = x.reshape(x.shape[0], -1, x.shape[-1])                 # (B, N, C), row-major tokens
    for blk in model.blocks:
        x = x + token_mlp(blk.mlp_tokens, blk.norm1(x))
        x = x + blk.mlp_channels(blk.norm2(x))
    return model.head(model.norm(x).mean(dim=1))


# ---------------------------------------------------------------------------

FORWARDS = {S2MLPv2: s2mlpv2_forward, ASMLP: asmlp_forward, MlpMixer: mixer_forward}


class Fast(nn.Module):
    """The fast forward over a reference model's own parameters (read and
    save weights through `reference`, whose keys are the project's)."""

    def __init__(self, reference):
        super().__init__()
        self.reference = reference
        self._forward = FORWARDS[type(reference)]

    def forward(self, x):
        return self._forward(self.reference, x)


def fast_model(reference):
    """The fast form of a reference model (shares its parameters)."""
    return Fast(reference)

