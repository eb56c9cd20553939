"""PyTorch f32 and shiftscope f32 against float64, on the settings of
tests/exact_sums.rs (weights, input and shiftscope's f32 results exported by
that test).

Usage (from the repository root):
    SHIFTSCOPE_SUM_REPORT=/tmp/sums cargo test --test exact_sums -- --nocapture
    /usr/bin/python3 tests/reference/sum_accuracy.py /tmp/sums

For each exported model directory (config.json, weights.safetensors,
io.safetensors) this runs the reference implementation in float32 and in
float64 (the same weights and input, cast) and prints the largest absolute
distance from the float64 run of: PyTorch f32, and shiftscope f32. For
S²-MLPv2 it compares the split-attention descriptors `a` (the input of
each block's `split_attention.fc1`) and branch logits (the output of its
`fc2`), captured with forward hooks; for AS-MLP the first GroupNorm's
statistics (torch.var_mean) and output on shiftscope's f32 input to it;
and the model logits.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from as_mlp import ASMLP  # noqa: E402
from s2mlpv2 import S2MLPv2  # noqa: E402
import st_io  # noqa: E402


def build(cfg):
    return (S2MLPv2 if cfg["arch"] == "s2mlpv2" else ASMLP).from_config(cfg)


def load(model, path):
    own = model.state_dict()
    weights = st_io.load_file(path)
    # shiftscope writes 1×1 convolutions as matrices; the reference keeps (out, in, 1, 1).
    model.load_state_dict({k: v.reshape(own[k].shape) for k, v in weights.items()}, strict=True)


@torch.no_grad()
def run(model, x):
    """Logits, and per split-attention block its descriptor and logits."""
    captured = {"a": [], "hat": []}
    hooks = []
    for name, module in model.named_modules():
        if name.endswith("split_attention.fc1"):
            hooks.append(module.register_forward_hook(lambda m, i, o: captured["a"].append(i[0])))
        elif name.endswith("split_attention.fc2"):
            hooks.append(module.register_forward_hook(lambda m, i, o: captured["hat"].append(o)))
    logits = model(x)
    for h in hooks:
        h.remove()
    out = {"logits": logits}
    for key, values in captured.items():
        for k, v in enumerate(values):
            out[f"{key}.{k}"] = v.reshape(v.shape[0], -1)
    return out


def distance(a, b, prefix):
    """Largest and mean |a - b| over the tensors named `prefix` or `prefix.k`."""
    keys = [k for k in b if k == prefix or k.startswith(prefix + ".")]
    diffs = torch.cat([(a[k].double().reshape(b[k].shape) - b[k]).abs().flatten() for k in keys])
    return f"{diffs.max().item():.3e} (mean {diffs.mean().item():.2e})"


def report(d):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    model = build(cfg).float().eval()
    load(model, os.path.join(d, "weights.safetensors"))
    io = st_io.load_file(os.path.join(d, "io.safetensors"))
    f32 = run(model, io["input"])
    if "norm_input" in io:
        # AS-MLP's first GroupNorm on shiftscope's f32 input (B, H, W, C).
        with torch.no_grad():
            x = io["norm_input"].permute(0, 3, 1, 2)
            f32["norm_output"] = model.patch_embed.norm(x)
            f32["norm_variance"], f32["norm_mean"] = torch.var_mean(x.flatten(1), dim=1, unbiased=False)
            io["norm_output"] = io["norm_output"].permute(0, 3, 1, 2)
    f64 = run(model.double(), io["input"].double())
    if "norm_input" in io:
        with torch.no_grad():
            f64["norm_output"] = model.patch_embed.norm(x.double())
            f64["norm_variance"], f64["norm_mean"] = torch.var_mean(x.double().flatten(1), dim=1, unbiased=False)
    ours = {k: v for k, v in io.items() if k not in ("input", "norm_input")}
    print(f"{os.path.basename(d)} ({cfg['arch']}, {cfg['image_size']}²)")
    for prefix, what in [("a", "split-attention descriptors a"), ("hat", "split-attention logits"),
                         ("norm_mean", "first GroupNorm: mean"),
                         ("norm_variance", "first GroupNorm: variance"),
                         ("norm_output", "first GroupNorm output"), ("logits", "model logits")]:
        if prefix not in f64 and f"{prefix}.0" not in f64:
            continue
        size = max(v.abs().max().item() for k, v in f64.items() if k == prefix or k.startswith(prefix + "."))
        print(f"  {what:30s} max |value| {size:8.2f}  |f32 - f64|: PyTorch {distance(f32, f64, prefix)}, "
              f"shiftscope {distance(ours, f64, prefix)}")


def main():
    root = sys.argv[1]
    torch.set_num_threads(1)
    for name in sorted(os.listdir(root)):
        if os.path.isfile(os.path.join(root, name, "config.json")):
            report(os.path.join(root, name))


if __name__ == "__main__":
    main()
