"""Images/s of the trainer's own step (augmentation, forward, loss,
backward, AdamW, EMA) for each model and setting, the reference forward
measured in the same run as the peer:

    .venv-train/bin/python scripts/train/bench_step.py [--models s2mlpv2,asmlp,mixer]
        [--settings ref-f32,fast-f32,fast-bf16] [--threads 2] [--seconds 20] [--batch-size 512]

Prints one row per (model, setting) and the ratio to the first setting.
Synthetic uint8 images: the step does not depend on their content.
"""
import argparse
import os
import sys
import time
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import engine  # noqa: E402
import configs  # noqa: E402


def trainer(cfg, setting, batch, resize_schedule=None):
    fast, amp = setting.split("-")
    args = types.SimpleNamespace(
        batch_size=batch, lr=2e-3, final_lr=0.0, warmup_epochs=1, weight_decay=0.05, label_smoothing=0.1,
        crop_padding=4, no_flip=False, trivial_augment=True, erase=0.25, mixup=0.0, cutmix=0.0,
        ema_decay=0.999, seed=0, amp="bf16" if amp == "bf16" else "off", compile="off", fast=fast == "fast",
        schedule="linear", resize_schedule=resize_schedule)
    rng = np.random.default_rng(0)
    n = 4 * batch
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.int64)
    dist = engine.Distributed(0, 1, torch.device("cpu"))
    return engine.Trainer(args, cfg, x, y, x[:0], y[:0], dist)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="s2mlpv2,asmlp,mixer")
    ap.add_argument("--settings", default="ref-f32,fast-f32,fast-bf16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--batch-size", type=int, default=512)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} threads, CPU bf16 units: {engine.cpu_bf16()}, "
          f"batch {a.batch_size}", flush=True)
    for name in a.models.split(","):
        cfg = configs.config(name)
        first = None
        for setting in a.settings.split(","):
            t = trainer(cfg, setting, a.batch_size)
            rate, _ = t.probe(a.seconds)
            first = first or rate
            print(f"{name:8s} {setting:10s} {rate:7.1f} images/s  ×{rate / first:.2f}", flush=True)


if __name__ == "__main__":
    main()
