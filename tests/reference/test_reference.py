"""Self-checks for the PyTorch reference implementations and the fixtures.

Run either way (from the repository root):
    /usr/bin/python3 tests/reference/test_reference.py
    /usr/bin/python3 -m pytest tests/reference/test_reference.py    # if pytest is installed
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_fixtures  # noqa: E402
import selftest  # noqa: E402
import st_io  # noqa: E402
from as_mlp import ASMLP  # noqa: E402
from as_mlp import VARIANTS as ASMLP_VARIANTS  # noqa: E402
from mlp_mixer import MlpMixer  # noqa: E402
from mlp_mixer import VARIANTS as MIXER_VARIANTS  # noqa: E402
from s2mlpv2 import S2MLPv2  # noqa: E402
from s2mlpv2 import VARIANTS as S2_VARIANTS  # noqa: E402
from shift_ops import (SplitAttention, axial_groups, axial_shift,  # noqa: E402
                       axial_shift_official_fallback, shift1, shift2)

FIXTURE_ROOT = os.path.normpath(os.path.join(HERE, "..", "fixtures"))


def _arange_1x3x3x4():
    # x[0, h, w, c] = (3h + w) * 4 + c
    return torch.arange(36, dtype=torch.float32).reshape(1, 3, 3, 4)


def _grid(t, c):
    return t[0, :, :, c].tolist()


# ---------------------------------------------------------------------------
# S²-MLP spatial shift, hand-computed
# ---------------------------------------------------------------------------

# channel c of the input, as an (h, w) grid
IN_C = {
    0: [[0, 4, 8], [12, 16, 20], [24, 28, 32]],
    1: [[1, 5, 9], [13, 17, 21], [25, 29, 33]],
    2: [[2, 6, 10], [14, 18, 22], [26, 30, 34]],
    3: [[3, 7, 11], [15, 19, 23], [27, 31, 35]],
}
# the four shifts applied to a grid g (border keeps the original value)
DOWN = {0: [[0, 4, 8], [0, 4, 8], [12, 16, 20]],
        1: [[1, 5, 9], [1, 5, 9], [13, 17, 21]],
        2: [[2, 6, 10], [2, 6, 10], [14, 18, 22]],
        3: [[3, 7, 11], [3, 7, 11], [15, 19, 23]]}
UP = {0: [[12, 16, 20], [24, 28, 32], [24, 28, 32]],
      1: [[13, 17, 21], [25, 29, 33], [25, 29, 33]],
      2: [[14, 18, 22], [26, 30, 34], [26, 30, 34]],
      3: [[15, 19, 23], [27, 31, 35], [27, 31, 35]]}
RIGHT = {0: [[0, 0, 4], [12, 12, 16], [24, 24, 28]],
         1: [[1, 1, 5], [13, 13, 17], [25, 25, 29]],
         2: [[2, 2, 6], [14, 14, 18], [26, 26, 30]],
         3: [[3, 3, 7], [15, 15, 19], [27, 27, 31]]}
LEFT = {0: [[4, 8, 8], [16, 20, 20], [28, 32, 32]],
        1: [[5, 9, 9], [17, 21, 21], [29, 33, 33]],
        2: [[6, 10, 10], [18, 22, 22], [30, 34, 34]],
        3: [[7, 11, 11], [19, 23, 23], [31, 35, 35]]}


def test_spatial_shift1_hand_computed():
    x = _arange_1x3x3x4()
    x_before = x.clone()
    y = shift1(x)
    assert torch.equal(x, x_before), "input modified in place"
    # shift1: group 0 down, 1 up, 2 right, 3 left (C=4 -> one channel per group)
    assert _grid(y, 0) == DOWN[0]
    assert _grid(y, 1) == UP[1]
    assert _grid(y, 2) == RIGHT[2]
    assert _grid(y, 3) == LEFT[3]


def test_spatial_shift2_hand_computed():
    x = _arange_1x3x3x4()
    y = shift2(x)
    # shift2: group 0 right, 1 left, 2 down, 3 up
    assert _grid(y, 0) == RIGHT[0]
    assert _grid(y, 1) == LEFT[1]
    assert _grid(y, 2) == DOWN[2]
    assert _grid(y, 3) == UP[3]


def _naive_spatial_shift(x, dirs):
    B, H, W, C = x.shape
    q = C // 4
    out = torch.empty_like(x)
    for b in range(B):
        for h in range(H):
            for w in range(W):
                for c in range(C):
                    d = dirs[c // q]
                    hh, ww = h, w
                    if d == "down" and h >= 1:
                        hh = h - 1
                    if d == "up" and h <= H - 2:
                        hh = h + 1
                    if d == "right" and w >= 1:
                        ww = w - 1
                    if d == "left" and w <= W - 2:
                        ww = w + 1
                    out[b, h, w, c] = x[b, hh, ww, c]
    return out


def test_spatial_shift_vs_naive_loops():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, 8, generator=g)
    assert torch.equal(shift1(x), _naive_spatial_shift(x, ("down", "up", "right", "left")))
    assert torch.equal(shift2(x), _naive_spatial_shift(x, ("right", "left", "down", "up")))


# ---------------------------------------------------------------------------
# AS-MLP axial shift
# ---------------------------------------------------------------------------

def test_axial_groups_like_torch_chunk():
    for C in range(1, 70):
        for s in (3, 5, 7):
            sizes = [c1 - c0 for c0, c1 in axial_groups(C, s)]
            chunk = [t.shape[0] for t in torch.chunk(torch.zeros(C), s)]
            assert sizes[:len(chunk)] == chunk and all(v == 0 for v in sizes[len(chunk):]), (C, s)
            assert sum(sizes) == C


def test_axial_shift_hand_computed():
    # NHWC, H=1, W=5, C=3, s=3, d=1: groups of 1 channel, shifts k = -1, 0, +1
    x = torch.arange(15, dtype=torch.float32).reshape(1, 1, 5, 3)  # x[0,0,w,c] = 3w + c
    y = axial_shift(x, 3, 1, "horizontal")
    assert y[0, 0, :, 0].tolist() == [3, 6, 9, 12, 0]      # k=-1: out[w] = in[w+1]
    assert y[0, 0, :, 1].tolist() == [1, 4, 7, 10, 13]     # k=0
    assert y[0, 0, :, 2].tolist() == [0, 2, 5, 8, 11]      # k=+1: out[w] = in[w-1]
    # the same along H
    xt = x.transpose(1, 2).contiguous()                     # (1, 5, 1, 3)
    yt = axial_shift(xt, 3, 1, "vertical")
    assert torch.equal(yt, y.transpose(1, 2))
    # dilation 2: k = -2, 0, +2
    y2 = axial_shift(x, 3, 2, "horizontal")
    assert y2[0, 0, :, 0].tolist() == [6, 9, 12, 0, 0]
    assert y2[0, 0, :, 1].tolist() == [1, 4, 7, 10, 13]
    assert y2[0, 0, :, 2].tolist() == [0, 0, 2, 5, 8]
    # uneven groups: C=8, s=5 -> chunk sizes 2,2,2,2 (+ empty), shifts -2,-1,0,+1
    x8 = torch.ones(1, 1, 4, 8)
    y8 = axial_shift(x8, 5, 1, "horizontal")
    assert y8[0, 0, :, 0:2].tolist() == [[1, 1], [1, 1], [0, 0], [0, 0]]
    assert y8[0, 0, :, 2:4].tolist() == [[1, 1], [1, 1], [1, 1], [0, 0]]
    assert y8[0, 0, :, 4:6].tolist() == [[1, 1]] * 4
    assert y8[0, 0, :, 6:8].tolist() == [[0, 0], [1, 1], [1, 1], [1, 1]]


def test_axial_shift_matches_official_fallback():
    g = torch.Generator().manual_seed(1)
    n = 0
    for C in (1, 3, 5, 7, 8, 10, 16, 23, 32, 64, 96):
        for s in (3, 5, 7):
            for (H, W) in ((1, 1), (2, 2), (3, 5), (7, 4), (8, 8)):
                x = torch.randn(2, C, H, W, generator=g)
                for direction, dim in (("horizontal", 3), ("vertical", 2)):
                    ref = axial_shift_official_fallback(x, s, dim)
                    got = axial_shift(x, s, 1, direction, channel_dim=1)
                    assert torch.equal(got, ref), (C, s, H, W, direction)
                    # channels-last entry point agrees too
                    got_nhwc = axial_shift(x.permute(0, 2, 3, 1), s, 1, direction)
                    assert torch.equal(got_nhwc.permute(0, 3, 1, 2), ref)
                    n += 1
    print(f"    axial shift == official fallback on {n} cases")


def _naive_axial(x, s, d, direction):
    # NCHW loops
    B, C, H, W = x.shape
    size = math.ceil(C / s)
    out = torch.zeros_like(x)
    for c in range(C):
        k = (c // size - s // 2) * d
        for h in range(H):
            for w in range(W):
                if direction == "horizontal":
                    if 0 <= w - k < W:
                        out[:, c, h, w] = x[:, c, h, w - k]
                else:
                    if 0 <= h - k < H:
                        out[:, c, h, w] = x[:, c, h - k, w]
    return out


def test_axial_shift_dilated_vs_naive_loops():
    g = torch.Generator().manual_seed(2)
    for C, s, d, H, W in ((8, 3, 2, 8, 8), (16, 5, 2, 6, 7), (10, 3, 3, 5, 9), (64, 5, 1, 2, 2)):
        x = torch.randn(1, C, H, W, generator=g)
        for direction in ("horizontal", "vertical"):
            assert torch.equal(axial_shift(x, s, d, direction, channel_dim=1),
                               _naive_axial(x, s, d, direction)), (C, s, d, direction)


# ---------------------------------------------------------------------------
# split attention
# ---------------------------------------------------------------------------

def test_split_attention():
    torch.manual_seed(3)
    for pool in ("sum", "mean"):
        sa = SplitAttention(16, pool=pool)
        xs = [torch.randn(2, 3, 4, 16) for _ in range(3)]
        out, w = sa(*xs)
        assert out.shape == xs[0].shape and w.shape == (2, 3, 16)
        assert torch.allclose(w.sum(dim=1), torch.ones(2, 16), atol=1e-6)
        assert (w > 0).all()
        # written out by hand, branch-major reshape
        a = (xs[0] + xs[1] + xs[2]).sum(dim=(1, 2))
        if pool == "mean":
            a = a / 12.0
        hat = sa.fc2(F.gelu(sa.fc1(a)))
        for b in range(2):
            for c in range(16):
                logits = torch.stack([hat[b, k * 16 + c] for k in range(3)])
                p = torch.softmax(logits, 0)
                assert torch.allclose(w[b, :, c], p, atol=1e-6)
                ref = sum(p[k] * xs[k][b, :, :, c] for k in range(3))
                assert torch.allclose(out[b, :, :, c], ref, atol=1e-5)


# ---------------------------------------------------------------------------
# parameter counts of the full-size variants
# ---------------------------------------------------------------------------

def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_param_counts():
    expected = [
        ("S2-MLPv2 small7", lambda: S2MLPv2(num_classes=1000, **S2_VARIANTS["small7"]), 25.0e6),
        ("S2-MLPv2 medium7", lambda: S2MLPv2(num_classes=1000, **S2_VARIANTS["medium7"]), 55.0e6),
        ("AS-MLP tiny", lambda: ASMLP(num_classes=1000, **ASMLP_VARIANTS["tiny"]), 28.0e6),
        ("Mixer b16", lambda: MlpMixer(num_classes=1000, **MIXER_VARIANTS["b16"]), 59.9e6),
    ]
    for name, build, ref in expected:
        n = _count(build())
        print(f"    {name:18s} {n:>11,d} params  ({n / 1e6:.3f} M, paper ~{ref / 1e6:.1f} M, "
              f"{100 * (n - ref) / ref:+.2f} %)")
        assert abs(n - ref) / ref < 0.02, (name, n, ref)


# ---------------------------------------------------------------------------
# fixtures: reproducible and loadable
# ---------------------------------------------------------------------------

CONFIG_KEYS = {
    "s2mlpv2": ["arch", "image_size", "in_channels", "num_classes", "patch_sizes", "dims",
                "depths", "mlp_ratio", "split_pool"],
    "asmlp": ["arch", "image_size", "in_channels", "num_classes", "patch_size", "embed_dim",
              "depths", "shift_size", "dilation", "mlp_ratio"],
    "mixer": ["arch", "image_size", "in_channels", "num_classes", "patch_size", "dim", "depth",
              "tokens_dim", "channels_dim"],
}


def test_fixtures_roundtrip():
    if not os.path.isdir(FIXTURE_ROOT):
        print("    (no fixtures yet; run make_fixtures.py)")
        return
    for name in make_fixtures.FIXTURES:
        d = os.path.join(FIXTURE_ROOT, name)
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        assert list(cfg.keys()) == CONFIG_KEYS[cfg["arch"]], (name, list(cfg))
        assert cfg == make_fixtures.FIXTURES[name], name
        sd = st_io.load_file(os.path.join(d, "weights.safetensors"))
        model = make_fixtures.build_model(cfg)
        ref_keys = list(model.state_dict().keys())
        assert sorted(ref_keys) == sorted(sd.keys()), name
        model.load_state_dict(sd, strict=True)
        model.eval()
        # weights really are the randomised ones (norm affines not default)
        assert all(not torch.equal(v, torch.ones_like(v)) for k, v in sd.items()
                   if k.endswith("norm.weight") or ".norm1.weight" in k), name
        pth = os.path.join(d, "weights.pth")
        if os.path.exists(pth):
            obj = torch.load(pth, map_location="cpu")
            if cfg["arch"] == "asmlp":
                assert list(obj.keys()) == ["model"]
                obj = obj["model"]
            assert list(obj.keys()) == ref_keys, name
            for k in ref_keys:
                assert obj[k].dtype == torch.float32 and torch.equal(obj[k], sd[k]), (name, k)
        else:
            assert name in make_fixtures.NO_PTH_BY_DEFAULT, name
        io = st_io.load_file(os.path.join(d, "io.safetensors"))
        with torch.no_grad():
            logits, probes = model(io["input"], return_probes=True)
        assert io["logits"].shape == (2, cfg["num_classes"])
        assert torch.allclose(logits, io["logits"], atol=1e-5, rtol=0), name
        assert torch.allclose(probes["pooled"], io["pooled"], atol=1e-5, rtol=0), name
        attn = probes.get("attn", [])
        assert len([k for k in io if k.startswith("attn.")]) == len(attn)
        for k, w in enumerate(attn):
            assert torch.allclose(w, io[f"attn.{k}"], atol=1e-6, rtol=0), (name, k)
        # float64 forward agrees with the f32 fixture (tolerance hint for Rust)
        m64 = make_fixtures.build_model(cfg).double()
        m64.load_state_dict({k: v.double() for k, v in sd.items()})
        m64.eval()
        with torch.no_grad():
            l64 = m64(io["input"].double())
        err = (l64 - io["logits"].double()).abs().max().item()
        assert err < 1e-4, (name, err)
        print(f"    {name:14s} ok (|f32 fixture - f64| max {err:.1e})")


def test_asmlp_model_with_official_shift():
    """Whole AS-MLP fixture model with the shift swapped for the official
    fallback (dilation 1) gives the same logits."""
    import as_mlp
    d = os.path.join(FIXTURE_ROOT, "asmlp")
    if not os.path.isdir(d):
        return
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    model = make_fixtures.build_model(cfg)
    model.load_state_dict(st_io.load_file(os.path.join(d, "weights.safetensors")))
    model.eval()
    io = st_io.load_file(os.path.join(d, "io.safetensors"))

    orig = as_mlp.axial_shift

    def official(x, s, dil, direction, channel_dim=1):
        assert dil == 1 and channel_dim == 1
        return axial_shift_official_fallback(x, s, 3 if direction == "horizontal" else 2)

    try:
        as_mlp.axial_shift = official
        with torch.no_grad():
            logits = model(io["input"])
    finally:
        as_mlp.axial_shift = orig
    assert torch.allclose(logits, io["logits"], atol=1e-5, rtol=0)


def _main():
    torch.set_num_threads(1)
    return selftest.run(globals())


if __name__ == "__main__":
    sys.exit(_main())
