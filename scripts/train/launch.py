"""One device call: trains a group of runs of scripts/train/plan.json side by
side on the GPU within a time budget and leaves one .tar.gz per run (plus
this log's summary) in the output folder.

    python3 scripts/train/launch.py GROUP --out "$OUT" [--budget 540]

Reads the bundle that scripts/train/pack.sh made here (`.gpu/`: the dataset
and each run's model config). Decodes the dataset once, starts every run
of the group at the same time, each with `--time-budget` up to the shared
deadline (a 20-second throughput probe inside each run, timed once every
run has compiled, sizes its epochs; runs compared with each other,
"same_epochs", take the smallest count among them), prints their
progress prefixed by run name, and packs the run folders, finished or not.
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import threading
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUNDLE = os.path.join(ROOT, ".gpu")
TRAIN = "scripts/train/train.py"  # relative to ROOT, where every command runs
MAX_FILES = 8  # what a device call brings back


def stream(name, proc, log):
    for line in proc.stdout:
        text = f"[{name}] {line.rstrip()}"
        print(text, flush=True)
        log.write(text + "\n")


def gpu_summary():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "no nvidia-smi"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("group")
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=float, default=540.0, help="seconds from start to packed results")
    ap.add_argument("--plan", default=os.path.join(ROOT, "scripts", "gpu", "plan.json"))
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    started = time.time()
    with open(args.plan) as f:
        plan = json.load(f)
    runs = plan["groups"][args.group]
    if len(runs) > MAX_FILES - 2:
        raise SystemExit(f"group {args.group} has {len(runs)} runs; a call brings back {MAX_FILES} files")
    if len({bool(r.get("same_epochs")) for r in runs}) > 1:
        raise SystemExit(f"group {args.group}: either every run or none shares its epochs (same_epochs)")
    os.makedirs(args.out, exist_ok=True)
    work = "/tmp/shiftscope-gpu"
    os.makedirs(work, exist_ok=True)
    print(f"GPU: {gpu_summary()}; {os.cpu_count()} CPU cores", flush=True)
    data = os.path.relpath(os.path.join(BUNDLE, plan["data"]), ROOT)
    subprocess.run([args.python, TRAIN, "decode", "--data", data, "--cache-dir", f"{work}/cache"], check=True, cwd=ROOT)
    print(f"decoded in {time.time() - started:.0f} s", flush=True)

    pack_reserve = 25.0
    deadline = started + args.budget - pack_reserve
    group_dir = f"{work}/group-{args.group}-{int(started)}"
    procs, threads = [], []
    log = open(os.path.join(args.out, f"{args.group}.log"), "w")
    for run in runs:
        name = run["run"]
        cmd = [args.python, TRAIN, "train", "--variant", run["variant"],
               "--config", os.path.relpath(os.path.join(BUNDLE, "configs", run["config"] + ".json"), ROOT),
               "--data", data, "--cache-dir", f"{work}/cache", "--out", f"{work}/runs/{name}",
               "--time-budget", f"{deadline - time.time():.0f}",
               "--group-dir", group_dir, "--group-size", str(len(runs))]
        if run.get("same_epochs"):
            cmd += ["--same-epochs"]
        cmd += plan["recipe"] + run.get("args", [])
        print("$ " + " ".join(cmd), flush=True)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        t = threading.Thread(target=stream, args=(name, proc, log), daemon=True)
        t.start()
        procs.append((name, proc))
        threads.append(t)
    for name, proc in procs:
        try:
            proc.wait(timeout=max(1.0, deadline + 10.0 - time.time()))
        except subprocess.TimeoutExpired:
            print(f"[{name}] still running at the deadline: stopped", flush=True)
            proc.kill()
    for t in threads:
        t.join(timeout=5)
    summary = {"group": args.group, "gpu": gpu_summary(), "seconds": round(time.time() - started, 1), "runs": {}}
    for name, proc in procs:
        folder = f"{work}/runs/{name}"
        summary["runs"][name] = {"exit": proc.returncode}
        result = os.path.join(folder, "train.json")
        if os.path.exists(result):
            with open(result) as f:
                summary["runs"][name]["details"] = json.load(f).get("trainer", {}).get("details", {})
        if os.path.isdir(folder):
            with tarfile.open(os.path.join(args.out, f"{name}.tar.gz"), "w:gz") as tar:
                tar.add(folder, arcname=name)
    with open(os.path.join(args.out, f"{args.group}-summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    log.close()
    failed = [n for n, p in procs if p.returncode != 0]
    print(f"{args.group}: {len(procs) - len(failed)} of {len(procs)} runs finished in "
          f"{time.time() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
