"""Dev tool: writes a stand-in for shiftscope's benchmark export directory,
so the peers (torch_peer.py, web/e2e/ort_peer.mjs) can be run without the
Rust exporter. The reference models are randomised (like the parity
fixtures) and `logits` in io.safetensors are torch's own, so the agreement
check only proves the plumbing, not shiftscope.

    /usr/bin/python3 scripts/bench/make_test_export.py runs/bench-test \
        [--models s2mlpv2_compact,asmlp_compact,mixer_compact] [--batches 1,8]

Known names: the shipped compact models (config = `model` of
assets/<name>.json) and the full-size s2mlpv2_small7, asmlp_tiny.
"""
import argparse
import json
import os
import sys

import torch

import ref_models
from ref_models import st_io

sys.path.insert(0, ref_models.REFERENCE)
from make_fixtures import randomise_, weight_gains  # noqa: E402

IO_BATCH = 8


def config_of(name):
    if name in ref_models.FULL_SIZE:
        return dict(ref_models.FULL_SIZE[name])
    if name in ref_models.COMPACT:
        return ref_models.compact_config(name)
    raise SystemExit(f"unknown model {name!r}; known: {', '.join(ref_models.COMPACT + tuple(ref_models.FULL_SIZE))}")


def write_model(out, name, seed):
    cfg = config_of(name)
    torch.manual_seed(seed)
    model = ref_models.build_model(cfg)
    randomise_(model, torch.Generator().manual_seed(seed), weight_gains(cfg))
    s = cfg["image_size"]
    x = torch.randn((IO_BATCH, cfg["in_channels"], s, s), generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        logits = model(x)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    # Like the Rust side may: store 1×1 conv weights (out, in, 1, 1) as (out, in).
    for k, v in state.items():
        if v.dim() == 4 and v.shape[2:] == (1, 1):
            state[k] = v.reshape(v.shape[:2])
    st_io.save_file(state, os.path.join(d, "weights.safetensors"), metadata={"format": "pt"})
    st_io.save_file({"input": x, "logits": logits}, os.path.join(d, "io.safetensors"))
    entry = {"name": name, "arch": cfg["arch"], "params": ref_models.count_params(model),
             "macs": ref_models.count_macs(model, cfg), "image_size": s, "num_classes": cfg["num_classes"]}
    print(f"{name}: {entry['params']:,} params, {entry['macs'] / 1e6:.1f} M MACs, |logits| max {logits.abs().max():.2f}")
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="export directory to write")
    ap.add_argument("--models", default=",".join(ref_models.COMPACT))
    ap.add_argument("--batches", default="1,8")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    names = [n for n in args.models.split(",") if n]
    models = [write_model(args.out, n, 4242 + 10 * i) for i, n in enumerate(names)]
    manifest = {"models": models, "batches": [int(b) for b in args.batches.split(",")]}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.join(args.out, 'manifest.json')}")


if __name__ == "__main__":
    main()
