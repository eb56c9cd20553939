"""The fast training forms (fast.py) against the reference models, on the
same parameters: logits within 1e-5 and every gradient within 1e-4
(relative) in float32, for each architecture and the variants the runs use
(plain-sum fusion, a single stage, patch 4, shift size 3 and 7, dilation
2, odd channel counts that leave axial groups uneven or empty). Also the
shifts' backward against autograd of the reference shift.

    /usr/bin/python3 scripts/train/test_fast.py    # torch 1.13 (CI) or 2.x
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import engine  # noqa: E402
import fast  # noqa: E402
import selftest  # noqa: E402
from shift_ops import axial_shift, shift1, shift2  # noqa: E402

BASE = {"image_size": 32, "in_channels": 3, "num_classes": 10}
CASES = {
    "s2mlpv2": {"arch": "s2mlpv2", "patch_sizes": [2, 2], "dims": [64, 128], "depths": [2, 2], "mlp_ratio": 3.0,
                "split_pool": "mean"},
    "s2mlpv2 sum pool, patch 4": {"arch": "s2mlpv2", "patch_sizes": [4, 2], "dims": [32, 48], "depths": [1, 1],
                                  "mlp_ratio": 2.0, "split_pool": "sum"},
    "s2mlpv2 plain sum, one stage": {"arch": "s2mlpv2", "patch_sizes": [2], "dims": [32], "depths": [2],
                                     "mlp_ratio": 3.0, "split_pool": "mean", "fusion": "sum"},
    "asmlp": {"arch": "asmlp", "patch_size": 2, "embed_dim": 48, "depths": [2, 2, 2], "shift_size": 5,
              "dilation": 1, "mlp_ratio": 3.0},
    "asmlp shift 3, dilation 2, 14 channels": {"arch": "asmlp", "patch_size": 4, "embed_dim": 14, "depths": [1, 1],
                                                "shift_size": 3, "dilation": 2, "mlp_ratio": 2.0},
    "asmlp shift 7, 10 channels (an empty group)": {"arch": "asmlp", "patch_size": 2, "embed_dim": 10,
                                                    "depths": [1], "shift_size": 7, "dilation": 1, "mlp_ratio": 2.0},
    "mixer": {"arch": "mixer", "patch_size": 4, "dim": 64, "depth": 3, "tokens_dim": 32, "channels_dim": 128},
}


def _relative(a, b, scale):
    return ((a - b).norm() / max(a.norm().item(), scale)).item()


def check_model(name, cfg):
    torch.manual_seed(len(name))
    ref = engine.build_model({**BASE, **cfg}).double().float()
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(0.05 * torch.randn_like(p))  # off the init, so no gradient is trivially zero
    net = fast.fast_model(ref)
    x = torch.randn(4, 3, 32, 32)
    target = torch.randn(4, cfg.get("num_classes", 10))
    out = {}
    for label, model in (("reference", ref), ("fast", net)):
        logits = model(x)
        grads = torch.autograd.grad((logits * target).sum(), list(ref.parameters()))
        out[label] = (logits.detach(), grads)
    logit_gap = (out["reference"][0] - out["fast"][0]).abs().max().item()
    assert logit_gap <= 1e-5, f"{name}: logits differ by {logit_gap:.2e}"
    # a gradient that is zero up to rounding in both (a bias that a norm
    # removes) is compared against the largest gradient's scale
    scale = 1e-3 * max(g.norm().item() for g in out["reference"][1])
    names = [n for n, _ in ref.named_parameters()]
    worst = max((_relative(a, b, scale), n) for n, a, b in zip(names, out["reference"][1], out["fast"][1]))
    assert worst[0] <= 1e-4, f"{name}: gradient of {worst[1]} differs by {worst[0]:.2e} (relative)"
    return logit_gap, worst[0]


def test_models():
    for name, cfg in CASES.items():
        gap, grad = check_model(name, cfg)
        print(f"  {name}: logits {gap:.1e}, gradients {grad:.1e}")


def test_shift_backward():
    """Each shift's adjoint equals autograd through the reference shift."""
    torch.manual_seed(1)
    y = torch.randn(2, 5, 6, 48, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 5, 6, 48, dtype=torch.float64)
    c = 16
    ref = torch.cat([shift1(y[..., :c]), shift2(y[..., c:2 * c]), y[..., 2 * c:]], -1)
    assert torch.equal(fast.S2Shift.apply(y), ref)
    want, = torch.autograd.grad(ref, y, g)
    got, = torch.autograd.grad(fast.S2Shift.apply(y), y, g)
    assert torch.allclose(want, got, atol=1e-12), (want - got).abs().max()
    for size, dilation in ((3, 1), (5, 2), (7, 1)):
        for axis, direction in ((2, "horizontal"), (1, "vertical")):
            ref = axial_shift(y, size, dilation, direction, channel_dim=-1)
            assert torch.equal(fast.AxialShift.apply(y, size, dilation, axis), ref)
            want, = torch.autograd.grad(ref, y, g)
            got, = torch.autograd.grad(fast.AxialShift.apply(y, size, dilation, axis), y, g)
            assert torch.allclose(want, got, atol=1e-12), (size, dilation, direction)


if __name__ == "__main__":
    sys.exit(selftest.run(globals()))
