"""Generate parity fixtures for the Rust tests.

Usage (from the repository root):
    /usr/bin/python3 tests/reference/make_fixtures.py [--out tests/fixtures]

For every fixture directory tests/fixtures/<name>/ this writes
  config.json          model config (the schema the Rust side deserialises)
  weights.safetensors  state_dict, float32, PyTorch key names and layouts
  weights.pth          torch.save of the same state dict
                       (AS-MLP: wrapped as {"model": state_dict}, like the
                       official checkpoints); not written for s2mlpv2_mean and
                       asmlp_dilated unless --all-pth is given
  io.safetensors       "input" (B,3,H,W), "logits" (B,num_classes),
                       "pooled" (B,C_last) and, for S²-MLPv2,
                       "attn.{k}" (B,3,C) for the k-th block over all stages.
and tests/fixtures/checkpoints/ (see CHECKPOINT_LAYOUTS): one tiny AS-MLP
saved in the layouts training scripts write around a state dict.
Everything is deterministic (fixed seeds, float32, eval mode, CPU).
"""
import argparse
import collections
import json
import math
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from as_mlp import ASMLP  # noqa: E402
from mlp_mixer import MlpMixer  # noqa: E402
from s2mlpv2 import S2MLPv2  # noqa: E402
import st_io  # noqa: E402

BATCH = 2

FIXTURES = collections.OrderedDict([
    ("s2mlpv2", collections.OrderedDict([
        ("arch", "s2mlpv2"), ("image_size", 28), ("in_channels", 3), ("num_classes", 10),
        ("patch_sizes", [7, 2]), ("dims", [16, 32]), ("depths", [2, 2]),
        ("mlp_ratio", 3.0), ("split_pool", "sum")])),
    ("s2mlpv2_mean", collections.OrderedDict([
        ("arch", "s2mlpv2"), ("image_size", 28), ("in_channels", 3), ("num_classes", 10),
        ("patch_sizes", [7, 2]), ("dims", [16, 32]), ("depths", [2, 2]),
        ("mlp_ratio", 3.0), ("split_pool", "mean")])),
    ("asmlp", collections.OrderedDict([
        ("arch", "asmlp"), ("image_size", 32), ("in_channels", 3), ("num_classes", 10),
        ("patch_size", 4), ("embed_dim", 8), ("depths", [1, 1, 2, 1]),
        ("shift_size", 5), ("dilation", 1), ("mlp_ratio", 4.0)])),
    ("asmlp_dilated", collections.OrderedDict([
        ("arch", "asmlp"), ("image_size", 32), ("in_channels", 3), ("num_classes", 10),
        ("patch_size", 4), ("embed_dim", 8), ("depths", [1, 1, 2, 1]),
        ("shift_size", 3), ("dilation", 2), ("mlp_ratio", 4.0)])),
    ("mixer", collections.OrderedDict([
        ("arch", "mixer"), ("image_size", 32), ("in_channels", 3), ("num_classes", 10),
        ("patch_size", 8), ("dim", 16), ("depth", 2), ("tokens_dim", 8),
        ("channels_dim", 32)])),
])

# Secondary fixtures exercise a forward-pass option (split_pool "mean",
# dilation 2); their weights.pth is skipped by default to keep the fixtures
# under ~2 MB (the primary dirs already cover .pth loading). --all-pth adds it.
NO_PTH_BY_DEFAULT = {"s2mlpv2_mean", "asmlp_dilated"}

# Seeds: one for the parameters, one for the input, per fixture (stable order).
PARAM_SEED = {"s2mlpv2": 1001, "s2mlpv2_mean": 1002, "asmlp": 2001,
              "asmlp_dilated": 2002, "mixer": 3001}
INPUT_SEED = {k: v + 50000 for k, v in PARAM_SEED.items()}

# Std of the head weights relative to 1/sqrt(fan_in): brings logits to ~1-5.
HEAD_GAIN = {"s2mlpv2": 3.0, "asmlp": 2.0, "mixer": 3.0}


def weight_gains(cfg):
    """Per-module weight gains (module name -> multiplier of 1/sqrt(fan_in))."""
    gains = {"head": HEAD_GAIN[cfg["arch"]]}
    if cfg["arch"] == "s2mlpv2" and cfg["split_pool"] == "sum":
        # With sum pooling `a` grows with the token count N; scale fc1 by
        # 1/N so the softmax over branches is not fully saturated
        # (saturated weights would hide errors in the attention logits).
        side = cfg["image_size"]
        for s, (p, depth) in enumerate(zip(cfg["patch_sizes"], cfg["depths"])):
            side //= p
            for i in range(depth):
                gains[f"stages.{s}.blocks.{i}.attn.split_attention.fc1"] = 1.0 / (side * side)
    return gains


def build_model(cfg):
    arch = cfg["arch"]
    if arch == "s2mlpv2":
        return S2MLPv2.from_config(cfg)
    if arch == "asmlp":
        return ASMLP.from_config(cfg)
    if arch == "mixer":
        return MlpMixer.from_config(cfg)
    raise ValueError(arch)


@torch.no_grad()
def randomise_(model: nn.Module, gen: torch.Generator, gains: dict) -> None:
    """Randomise every parameter deterministically (module registration order).

    Linear / Conv weights: N(0, gain^2/fan_in), gain = gains.get(module name, 1.0);
    all biases: N(0, 0.1^2); norm weights: U(0.7, 1.3); norm biases: N(0, 0.1^2).
    """
    norm_types = (nn.LayerNorm, nn.GroupNorm)
    for name, mod in model.named_modules():
        if isinstance(mod, norm_types):
            mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) * 0.6 + 0.7)
            mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.1)
        elif isinstance(mod, (nn.Linear, nn.Conv2d)):
            w = mod.weight
            fan_in = w.shape[1] * (w.shape[2] * w.shape[3] if w.dim() == 4 else 1)
            gain = gains.get(name, 1.0)
            w.copy_(torch.randn(w.shape, generator=gen) * (gain / math.sqrt(fan_in)))
            if mod.bias is not None:
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.1)
    # every parameter must belong to one of the modules above
    covered = set()
    for name, mod in model.named_modules():
        if isinstance(mod, norm_types + (nn.Linear, nn.Conv2d)):
            for pn, _ in mod.named_parameters(recurse=False):
                covered.add(f"{name}.{pn}" if name else pn)
    missing = [n for n, _ in model.named_parameters() if n not in covered]
    assert not missing, f"parameters not randomised: {missing}"


def make_model(name, cfg):
    torch.manual_seed(PARAM_SEED[name])
    model = build_model(cfg).float()
    gen = torch.Generator().manual_seed(PARAM_SEED[name])
    randomise_(model, gen, weight_gains(cfg))
    model.eval()
    return model


def make_input(name, cfg):
    gen = torch.Generator().manual_seed(INPUT_SEED[name])
    s = cfg["image_size"]
    return torch.randn((BATCH, cfg["in_channels"], s, s), generator=gen, dtype=torch.float32)


def fresh_state_dict(model):
    """Plain OrderedDict (no `_metadata` attribute) of contiguous, unshared f32 tensors."""
    return collections.OrderedDict(
        (k, v.detach().clone().contiguous().float()) for k, v in model.state_dict().items())


@torch.no_grad()
def run(model, x):
    logits, probes = model(x, return_probes=True)
    io = collections.OrderedDict([("input", x), ("logits", logits), ("pooled", probes["pooled"])])
    for k, w in enumerate(probes.get("attn", [])):
        io[f"attn.{k}"] = w
    return io


def generate(out_root, all_pth=False):
    os.makedirs(out_root, exist_ok=True)
    summary = {}
    for name, cfg in FIXTURES.items():
        d = os.path.join(out_root, name)
        os.makedirs(d, exist_ok=True)
        model = make_model(name, cfg)
        x = make_input(name, cfg)
        io = run(model, x)

        # float64 re-run: how far the f32 fixture itself is from exact arithmetic
        with torch.no_grad():
            m64 = make_model(name, cfg).double()
            io64 = run(m64, x.double())
        f32_err = max((io[k].double() - io64[k]).abs().max().item() for k in io if k != "input")

        sd = fresh_state_dict(model)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        st_io.save_file(sd, os.path.join(d, "weights.safetensors"), metadata={"format": "pt"})
        pth = os.path.join(d, "weights.pth")
        if all_pth or name not in NO_PTH_BY_DEFAULT:
            torch.save({"model": sd} if cfg["arch"] == "asmlp" else sd, pth)
        elif os.path.exists(pth):
            os.remove(pth)
        st_io.save_file(io, os.path.join(d, "io.safetensors"), metadata={"format": "pt"})

        lg = io["logits"]
        line = (f"{name:14s} params={sum(v.numel() for v in sd.values()):7d} "
                f"|logits| max={lg.abs().max().item():.3f} mean={lg.abs().mean().item():.3f} "
                f"pooled std={io['pooled'].std().item():.3f} f32-vs-f64 max err={f32_err:.2e}")
        if "attn.0" in io:
            ws = torch.cat([io[k].flatten() for k in io if k.startswith("attn.")])
            line += f" attn w in [{ws.min().item():.3f}, {ws.max().item():.3f}]"
        print(line)
        summary[name] = lg
    return summary


# The checkpoint-layout fixture: a tiny AS-MLP (~2k parameters, files < 100 KB).
CHECKPOINT_CONFIG = collections.OrderedDict([
    ("arch", "asmlp"), ("image_size", 16), ("in_channels", 3), ("num_classes", 5),
    ("patch_size", 4), ("embed_dim", 6), ("depths", [1, 1]),
    ("shift_size", 3), ("dilation", 1), ("mlp_ratio", 2.0)])
CHECKPOINT_SEED = 4001


class CfgNode(dict):
    """Stands in for yacs.config.CfgNode (yacs is not installed here): a dict
    subclass with attributes in its __dict__, so pickle writes it as NEWOBJ,
    SETITEMS (its items), BUILD (its attributes), like the real one."""

    def __init__(self, init=None):
        super().__init__(init or {})
        self.__dict__["__immutable__"] = False
        self.__dict__["__deprecated_keys__"] = set()
        self.__dict__["__new_allowed__"] = True


def training_state(model, x):
    """One AdamW step on the fixture input (the model keeps the stepped
    weights) and the optimizer, scheduler and SGD states a trainer saves."""
    adamw = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(adamw, T_max=10)
    loss = nn.functional.cross_entropy(model(x), torch.arange(x.shape[0]) % CHECKPOINT_CONFIG["num_classes"])
    loss.backward()
    adamw.step()
    sched.step()
    shadow = [nn.Parameter(p.detach().clone()) for p in list(model.parameters())[:4]]
    sgd = torch.optim.SGD(shadow, lr=0.1, momentum=0.9)
    sum(p.sum() for p in shadow).backward()
    sgd.step()
    model.zero_grad(set_to_none=True)
    return adamw.state_dict(), sched.state_dict(), sgd.state_dict()


def checkpoint_layouts(model, sd, adamw, sched, sgd):
    """file name -> (object to save, torch.save keyword arguments)."""
    config = CfgNode({"MODEL": CfgNode({"TYPE": "asmlp", "DEPTHS": [1, 1]}),
                      "TRAIN": CfgNode({"BASE_LR": 1e-3, "EPOCHS": 300})})
    args = argparse.Namespace(model="asmlp_tiny", lr=0.1, epochs=90, workers=4)
    ddp = collections.OrderedDict((f"module.{k}", v) for k, v in sd.items())
    # AS-MLP's own trainer (Swin's utils.save_checkpoint).
    training = {"model": sd, "optimizer": adamw, "lr_scheduler": sched,
                "max_accuracy": 81.25, "epoch": 7, "config": config}
    return collections.OrderedDict([
        ("training.pth", (training, {})),
        # The same, written by torch < 1.6 (no zip archive).
        ("training_legacy.pth", (training, {"_use_new_zipfile_serialization": False})),
        # The same with pickle protocol 4 (frames, memoize, stack globals).
        ("training_protocol4.pth", (training, {"pickle_protocol": 4})),
        # PyTorch's ImageNet example: DDP names, a tensor beside the weights.
        ("checkpoint.pth.tar", ({"epoch": 3, "arch": "asmlp_tiny", "state_dict": ddp,
                                 "best_acc1": torch.tensor(12.5), "optimizer": sgd,
                                 "args": args}, {})),
        # timm / Hugging Face hub: a bare state dict.
        ("pytorch_model.bin", (sd, {})),
        # The whole module pickled (torch.save(model)), bare and nested the
        # way YOLOv5-style trainers keep it.
        ("whole_module.pt", (model, {})),
        ("module_in_checkpoint.pt", ({"epoch": 7, "model": model, "optimizer": None}, {})),
    ])


def generate_checkpoints(out_root):
    d = os.path.join(out_root, "checkpoints")
    os.makedirs(d, exist_ok=True)
    cfg = CHECKPOINT_CONFIG
    torch.manual_seed(CHECKPOINT_SEED)
    model = build_model(cfg).float()
    randomise_(model, torch.Generator().manual_seed(CHECKPOINT_SEED), {"head": HEAD_GAIN["asmlp"]})
    x = torch.randn((BATCH, 3, cfg["image_size"], cfg["image_size"]),
                    generator=torch.Generator().manual_seed(CHECKPOINT_SEED + 50000))
    model.train()
    adamw, sched, sgd = training_state(model, x)
    model.eval()
    io = run(model, x)
    sd = fresh_state_dict(model)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    st_io.save_file(io, os.path.join(d, "io.safetensors"), metadata={"format": "pt"})
    beside = collections.OrderedDict()
    for name, (obj, kwargs) in checkpoint_layouts(model, sd, adamw, sched, sgd).items():
        torch.save(obj, os.path.join(d, name), **kwargs)
        weights_key = next((k for k in ("model", "state_dict") if isinstance(obj, dict) and k in obj), None)
        beside[name] = [k for k in obj if k != weights_key] if weights_key else []
    # What the tests expect the loader to name as skipped, per file.
    with open(os.path.join(d, "layouts.json"), "w") as f:
        json.dump(beside, f, indent=2)
        f.write("\n")
    sizes = ", ".join(f"{n} {os.path.getsize(os.path.join(d, n)) // 1024} KB" for n in beside)
    print(f"checkpoints    params={sum(v.numel() for v in sd.values()):7d} {sizes}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "..", "fixtures"))
    ap.add_argument("--all-pth", action="store_true",
                    help="also write weights.pth for " + ", ".join(sorted(NO_PTH_BY_DEFAULT)))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)  # keep reductions in a fixed order
    generate(os.path.normpath(args.out), all_pth=args.all_pth)
    generate_checkpoints(os.path.normpath(args.out))


if __name__ == "__main__":
    main()
