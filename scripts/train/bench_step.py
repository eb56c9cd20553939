"""Images/s of the trainer's own step (augmentation, forward, loss,
backward, AdamW, EMA) for each model and setting, the reference forward
measured in the same run as the peer:

    .venv-train/bin/python scripts/train/bench_step.py [--models s2mlpv2,asmlp,mixer]
        [--settings ref-f32,fast-f32,fast-bf16] [--threads 2] [--seconds 20] [--batch-size 512]

Prints one row per (model, setting) and the ratio to the first setting.
Synthetic uint8 images: the step does not depend on their content.

With --floors (torch 2.x), first measures this machine's own floors — the
matrix-product rate (bf16 and f32, 2048² products) and the copy bandwidth
— then, per model, profiles three fast-bf16 steps and says how far the
step is from them: the matrix products' time against their FLOPs at the
measured rate, and the other ops' time against their bytes (allocated
outputs, read once and written once) at the copy bandwidth.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import engine  # noqa: E402
import configs  # noqa: E402
import train  # noqa: E402


def trainer(cfg, setting, batch, resize_schedule=None):
    """A Trainer of `cfg` on synthetic images with the train command's
    defaults; `setting` is "ref|fast-f32|bf16"."""
    fast, amp = setting.split("-")
    args = train.parse(["train", "--config", "-", "--data", "-", "--out", "-", "--epochs", "1",
                        "--batch-size", str(batch), "--warmup-epochs", "1", "--trivial-augment", "--erase", "0.25",
                        "--amp", "bf16" if amp == "bf16" else "off", "--compile", "off"]
                       + ([] if fast == "fast" else ["--reference-forward"])
                       + (["--resize-schedule", resize_schedule] if resize_schedule else []))
    rng = np.random.default_rng(0)
    n = 4 * batch
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.int64)
    dist = engine.Distributed(0, 1, torch.device("cpu"))
    return engine.Trainer(args, cfg, x, y, x[:0], y[:0], dist)


MATMULS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul", "aten::linear")


def machine_floors(threads):
    """(bf16 GFLOP/s, f32 GFLOP/s, copy GB/s counting bytes read + written)."""
    def rate(dtype):
        a, b = torch.randn(2048, 2048).to(dtype), torch.randn(2048, 2048).to(dtype)
        a @ b
        t, n = time.perf_counter(), 0
        while time.perf_counter() - t < 3:
            a @ b
            n += 1
        return 2 * 2048 ** 3 * n / (time.perf_counter() - t) / 1e9
    x = torch.empty(2 ** 25)
    y = torch.empty_like(x)
    y.copy_(x)
    t = time.perf_counter()
    for _ in range(20):
        y.copy_(x)
    copy = 20 * 2 * x.numel() * 4 / (time.perf_counter() - t) / 1e9
    return rate(torch.bfloat16), rate(torch.float32), copy


def step_floors(name, cfg, batch, bf16_rate, copy_rate):
    """Profiles three fast-bf16 steps of `cfg`; prints the step against the floors."""
    from torch.profiler import ProfilerActivity, profile
    from torch.utils.flop_counter import FlopCounterMode
    t = trainer(cfg, "fast-bf16", batch)
    idx = torch.arange(batch)
    for _ in range(2):
        t._step(idx, 10 ** 9)
    with FlopCounterMode(display=False) as counter:
        t._step(idx, 10 ** 9)
    flops = counter.get_total_flops()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        for _ in range(3):
            t._step(idx, 10 ** 9)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 3e6
    mm = sum(e.self_cpu_time_total for e in events if e.key in MATMULS) / 3e6
    written = sum(max(e.self_cpu_memory_usage, 0) for e in events if e.key not in MATMULS) / 3
    mm_floor = flops / (bf16_rate * 1e9)
    other_floor = 2 * written / (copy_rate * 1e9)
    print(f"{name:8s} step {total:.3f} s ({batch / total:.0f} images/s): matrix products {mm:.3f} s for "
          f"{flops / 1e9:.0f} GFLOP (floor {mm_floor:.3f} s, ×{mm / mm_floor:.1f}); other ops {total - mm:.3f} s "
          f"for ~{written / 1e9:.1f} GB written (floor {other_floor:.3f} s, ×{(total - mm) / other_floor:.1f}); "
          f"both floors: {batch / (mm_floor + other_floor):.0f} images/s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="s2mlpv2,asmlp,mixer")
    ap.add_argument("--settings", default="ref-f32,fast-f32,fast-bf16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--floors", action="store_true", help="the step against this machine's matmul and copy floors")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} threads, CPU bf16 units: {engine.cpu_bf16()}, "
          f"batch {a.batch_size}", flush=True)
    if a.floors:
        bf16, f32, copy = machine_floors(a.threads)
        print(f"floors: matrix products {bf16:.0f} GFLOP/s bf16, {f32:.0f} f32; copy {copy:.0f} GB/s", flush=True)
        for name in a.models.split(","):
            step_floors(name, configs.config(name), a.batch_size, bf16, copy)
        return
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
