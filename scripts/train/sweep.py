"""The configuration sweep: every run of sweep.json at one equal budget of
CPU time, two at a time on one thread each (two runs on one thread each
use a 2-core machine as well as one run on two, and their probes see the
same contention), resumable across sessions.

    .venv-train/bin/python scripts/train/sweep.py probe            # images/s per run, 1 thread, machine idle
    .venv-train/bin/python scripts/train/sweep.py run --core-minutes 24 --stop-at 23:20
    .venv-train/bin/python scripts/train/sweep.py table           # held-out top-1 per run (markdown)

`probe` writes runs/sweep/rates.json; `run` gives each run the epochs its
rate fits in --core-minutes of one core (fixed once, kept in
runs/sweep/plan.json, so a slower machine later trains the same epochs)
and starts, resumes or skips each run as its folder says.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

import configs  # noqa: E402

OUT = os.path.join(ROOT, "runs", "sweep")
TRAIN_IMAGES = 45000


def spec():
    with open(os.path.join(HERE, "sweep.json")) as f:
        return json.load(f)


def config_file(name, run):
    path = os.path.join(OUT, name + ".config.json")
    with open(path, "w") as f:
        json.dump(configs.config(run["family"], **run["set"]), f, indent=2)
    return path


def sides(run):
    """(side, fraction of the steps) of a run's --resize-schedule, full size last."""
    extra = run.get("args", [])
    schedule = extra[extra.index("--resize-schedule") + 1] if "--resize-schedule" in extra else ""
    out, start = [], 0.0
    for spec in filter(None, schedule.split(",")):
        side, until = spec.split(":")
        out.append((int(side), float(until) - start))
        start = float(until)
    return out + [(32, 1.0 - start)]


def probe(args):
    """Measures the runs that rates.json lacks. A progressive run's rate is
    its baseline's (the same config at 32 px) times the ratio of the two,
    measured back to back in this call (each side of the schedule, the
    harmonic mean over it), so contention when probing cancels out."""
    import torch
    import bench_step
    torch.set_num_threads(1)
    path = os.path.join(OUT, "rates.json")
    rates = json.load(open(path)) if os.path.exists(path) else {}

    def rate(run, side):
        trainer = bench_step.trainer(configs.config(run["family"], **run["set"]), "fast-bf16", 512,
                                     resize_schedule=f"{side}:1.0" if side != 32 else None)
        return trainer.probe(args.seconds)[0]

    for name, run in spec()["runs"].items():
        if name in rates:
            continue
        if "baseline" in run:
            base = rate(run, 32)
            seconds_per_image = sum(fraction / rate(run, side) for side, fraction in sides(run))
            rates[name] = round(rates[run["baseline"]] / (base * seconds_per_image), 1)
        else:
            rates[name] = round(rate(run, 32), 1)
        print(f"{name}: {rates[name]} images/s on 1 thread", flush=True)
        os.makedirs(OUT, exist_ok=True)
        with open(path, "w") as f:
            json.dump(rates, f, indent=2)


def state(name):
    folder = os.path.join(OUT, name)
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return "done"
    return "paused" if os.path.exists(os.path.join(folder, "checkpoint.pt.xz")) else "new"


def command(name, run, epochs, args):
    folder = os.path.join(OUT, name)
    base = [sys.executable, os.path.join(HERE, "train.py")]
    common = ["--threads", "1", "--cache-dir", os.path.join(ROOT, "runs", "cache")]
    if args.stop_at:
        common += ["--stop-at", args.stop_at]
    if state(name) == "paused":
        return base + ["resume", folder] + common
    return base + ["train", "--config", config_file(name, run), "--variant", run["family"] + "_compact",
                   "--data", args.data, "--out", folder, "--epochs", str(epochs),
                   "--checkpoint-minutes", "10"] + spec()["recipe"] + run.get("args", []) + common


def run(args):
    os.makedirs(OUT, exist_ok=True)
    plan_path = os.path.join(OUT, "plan.json")
    plan = {"core_minutes": args.core_minutes, "rates_1_thread": {}, "epochs": {}}
    if os.path.exists(plan_path):
        with open(plan_path) as f:
            plan = json.load(f)
    with open(os.path.join(OUT, "rates.json")) as f:
        rates = json.load(f)
    for n, r in rates.items():  # runs added since the plan was made get the plan's budget
        if n not in plan["epochs"]:
            plan["rates_1_thread"][n] = r
            plan["epochs"][n] = max(2, int(plan["core_minutes"] * 60 * r / TRAIN_IMAGES))
    with open(plan_path, "w") as f:
        json.dump(plan, f, indent=2)
    runs = {n: r for n, r in spec()["runs"].items() if n in plan["epochs"]}
    todo = [n for n in runs if state(n) != "done"]
    live = []
    while todo or live:
        while todo and len(live) < args.parallel:
            name = todo.pop(0)
            cmd = command(name, runs[name], plan["epochs"][name], args)
            log = open(os.path.join(OUT, name + ".log"), "a")
            print(f"{time.strftime('%H:%M')} start {name} ({plan['epochs'][name]} epochs)", flush=True)
            live.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)))
        time.sleep(5)
        for name, proc in list(live):
            if proc.poll() is not None:
                live.remove((name, proc))
                print(f"{time.strftime('%H:%M')} {name}: {state(name)} (exit {proc.returncode})", flush=True)
                if state(name) != "done":
                    todo = []  # paused by --stop-at: leave the rest for the next session
    print("sweep: " + ", ".join(f"{n} {state(n)}" for n in runs), flush=True)


def table(args):
    with open(os.path.join(OUT, "plan.json")) as f:
        plan = json.load(f)
    print("| run | params | images/s (1 thread) | epochs | held-out top-1 (EMA) | raw |")
    print("|---|---|---|---|---|---|")
    for name, run in spec()["runs"].items():
        path = os.path.join(OUT, name, "train.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            d = json.load(f)["trainer"]["details"]
        import engine
        params = sum(p.numel() for p in engine.build_model(configs.config(run["family"], **run["set"])).parameters())
        print(f"| {name} | {params / 1e6:.2f} M | {plan['rates_1_thread'][name]:.0f} | {plan['epochs'][name]} | "
              f"{d.get('final_valid_top1_ema', float('nan')):.2f} | {d.get('final_valid_top1_raw', float('nan')):.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--seconds", type=float, default=15.0)
    r = sub.add_parser("run")
    r.add_argument("--core-minutes", type=float, default=24.0, help="the budget of each run, in minutes of one core")
    r.add_argument("--parallel", type=int, default=2)
    r.add_argument("--stop-at", help="passed to each run: pause before this time (HH:MM)")
    r.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets", "cifar10-jpeg.tar.gz"))
    sub.add_parser("table")
    args = ap.parse_args()
    {"probe": probe, "run": run, "table": table}[args.command](args)


if __name__ == "__main__":
    main()
