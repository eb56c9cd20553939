"""GPU trainer for shiftscope's models: PyTorch on the reference models of
tests/reference (which the parity fixtures prove compute what the Rust
models compute), writing the run layout `shiftscope card` reads.

    python3 scripts/train/train.py decode --data DATA --cache-dir DIR
    python3 scripts/train/train.py train --config MODEL.json --data DATA --out RUN
            [--epochs N | --time-budget SECONDS] [recipe options, see --help]

DATA is an ImageFolder tree (train/<class>/*, test/<class>/*), a .tar.gz of
one, or the .npz that `decode` caches. The run directory gets:
  train.json      shiftscope's TrainConfig plus `trainer` (exact command,
                  machine, recipe and measured images/s)
  metrics.csv     epoch,split,loss,accuracy,learning_rate,seconds, as
                  shiftscope's own trainer writes it ("valid" = held-out
                  training images, never the test split)
  model.safetensors  the final weights (the EMA when it validates at
                  least as well), float32, the project's key names
  probe.safetensors  held-out images (uint8 and normalised) and the
                  model's float32 logits on them, for parity checks
Runs on CUDA (bf16 autocast, torch.compile) or the CPU (torch >= 1.13),
and unchanged under torchrun (DistributedDataParallel, NCCL or gloo).
"""
import argparse
import json
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import augment  # noqa: E402
import checkpoint  # noqa: E402
import data  # noqa: E402
import engine  # noqa: E402
import st_io  # noqa: E402


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    dec = sub.add_parser("decode", help="decode DATA once into DIR/<sha>.npz")
    dec.add_argument("--data", required=True)
    dec.add_argument("--cache-dir", required=True)
    tr = sub.add_parser("train", help="train one model")
    tr.add_argument("--config", required=True, help="model config JSON (shiftscope's ModelConfig schema)")
    tr.add_argument("--variant", help="registry name the weights ship as")
    tr.add_argument("--data", required=True)
    tr.add_argument("--cache-dir", help="where the decoded dataset is cached")
    tr.add_argument("--out", required=True)
    tr.add_argument("--epochs", type=int, help="passes over the training images")
    tr.add_argument("--time-budget", type=float, help="seconds for the whole run: a throughput probe sizes the epochs")
    tr.add_argument("--max-epochs", type=int, default=400)
    tr.add_argument("--probe-seconds", type=float, default=20.0)
    tr.add_argument("--group-dir", metavar="DIR",
                    help="with --time-budget, runs started together: their probes time the same contention")
    tr.add_argument("--group-size", type=int, default=1, help="how many runs share --group-dir")
    tr.add_argument("--same-epochs", action="store_true",
                    help="with --group-dir: train the smallest epoch count of the runs that also say so")
    tr.add_argument("--batch-size", type=int, default=512)
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument("--final-lr", type=float, default=0.0)
    tr.add_argument("--warmup-epochs", type=int, default=5)
    tr.add_argument("--weight-decay", type=float, default=0.05)
    tr.add_argument("--label-smoothing", type=float, default=0.1)
    tr.add_argument("--crop-padding", type=int, default=4)
    tr.add_argument("--no-flip", action="store_true")
    tr.add_argument("--trivial-augment", action="store_true", help="TrivialAugment: one op per image, RandAugment ranges")
    tr.add_argument("--erase", type=float, default=0.0, help="random-erasing probability")
    tr.add_argument("--mixup", type=float, default=0.0, help="mixup alpha (0 = off)")
    tr.add_argument("--cutmix", type=float, default=0.0, help="CutMix alpha (0 = off)")
    tr.add_argument("--ema-decay", type=float, default=0.999, help="0 turns the EMA off")
    tr.add_argument("--holdout-per-class", type=int, default=500)
    tr.add_argument("--limit-per-class", type=int, help="train on the first N images of each class only")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    tr.add_argument("--amp", default="auto", choices=["auto", "bf16", "off"])
    tr.add_argument("--compile", default="auto", choices=["auto", "on", "off"])
    tr.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    tr.add_argument("--schedule", default="linear", choices=["linear", "cosine"],
                    help="decay after the warm-up, to --final-lr at the last step")
    tr.add_argument("--checkpoint-steps", type=int,
                    help="write <out>/checkpoint.pt.xz every N steps (default: about every --checkpoint-minutes)")
    tr.add_argument("--checkpoint-minutes", type=float,
                    help="checkpoint about this often (steps fixed by a short probe); 10 with --stop-at")
    tr.add_argument("--stop-at", help="pause (checkpoint and exit) before this time: HH:MM or an ISO date-time")
    tr.add_argument("--resize-schedule", metavar="SIDE:UNTIL,...",
                    help="progressive resizing: train at SIDE px until UNTIL (0-1) of the steps, e.g. 16:0.4,24:0.7")
    tr.add_argument("--reference-forward", dest="fast", action="store_false",
                    help="train through tests/reference's forward instead of the fast one (same parameters)")
    rs = sub.add_parser("resume", help="continue a paused run from <RUN>/checkpoint.pt.xz, exactly")
    rs.add_argument("out", metavar="RUN")
    rs.add_argument("--data", help="the dataset, if not where the run first found it")
    rs.add_argument("--cache-dir")
    rs.add_argument("--threads", type=int)
    rs.add_argument("--stop-at")
    args = ap.parse_args(argv)
    if args.command == "train" and (args.epochs is None) == (args.time_budget is None):
        ap.error("give exactly one of --epochs and --time-budget")
    return args


def log(msg, rank=0):
    if rank == 0:
        print(msg, flush=True)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "CPU")
    except OSError:
        return "CPU"


def machine(device, amp, compiled, fast):
    """What really ran: device, threads, torch, precision, compilation, forward."""
    cpu = f"{os.cpu_count()} CPU cores"
    how = f"{'bf16 autocast' if amp else 'f32'}, {'torch.compile' if compiled else 'eager'}, " + \
        f"{'fast' if fast else 'reference'} forward"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return f"{name}, {cpu}, torch {torch.__version__} CUDA {torch.version.cuda}, {how}"
    return f"{cpu_name()} ({torch.get_num_threads()} threads of {cpu}; bf16 units: {engine.cpu_bf16()}), " + \
        f"torch {torch.__version__}, {how}"


def stop_time(text):
    """Seconds since the epoch of --stop-at: HH:MM is the next time the
    local clock shows it (02:30 given at 23:50 is tomorrow's), or an ISO
    date-time; None for None."""
    if text is None:
        return None
    import datetime
    try:
        if len(text) <= 5:
            h, m = (int(v) for v in text.split(":"))
            now = datetime.datetime.now()
            at = now.replace(hour=h, minute=m, second=0, microsecond=0)
            return (at + datetime.timedelta(days=1) if at <= now else at).timestamp()
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise SystemExit(f"--stop-at {text!r}: give HH:MM or an ISO date-time")


class Pause:
    """Asked at each checkpoint: true once the next checkpoint interval
    would end after --stop-at, or after SIGTERM / SIGINT."""

    def __init__(self, stop_at):
        import signal
        self.stop_at, self.signalled, self.last = stop_at, False, time.time()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._signal)

    def _signal(self, number, frame):
        print(f"signal {number}: pausing at the next checkpoint", flush=True)
        self.signalled = True

    def __call__(self):
        now = time.time()
        interval, self.last = now - self.last, now
        return self.signalled or (self.stop_at is not None and now + 1.2 * interval > self.stop_at)


# Options that only steer how a run fits a device call, not what it learns.
CALL_ONLY = ("--time-budget", "--group-dir", "--group-size", "--probe-seconds", "--max-epochs", "--cache-dir",
             "--stop-at", "--threads", "--checkpoint-minutes")
CALL_ONLY_FLAGS = ("--same-epochs",)


def reproducible_argv(argv, epochs):
    """The invocation with the call-only options dropped and the --epochs
    that --time-budget chose spelled out."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in CALL_ONLY_FLAGS:
            continue
        if a in CALL_ONLY:
            skip = True
            continue
        if a.split("=")[0] in CALL_ONLY:
            continue
        out.append(a)
    if "--epochs" not in out:
        out[1:1] = ["--epochs", str(epochs)]
    return out


def wait_for_group(folder, kind, name, count, value=0, patience=300.0):
    """Writes `value` as `<folder>/<kind>/<name>` and waits until `count`
    runs have written theirs (at most `patience` seconds); returns the
    values found."""
    folder = os.path.join(folder, kind)
    os.makedirs(folder, exist_ok=True)
    mine = os.path.join(folder, name)
    with open(mine + ".tmp", "w") as f:
        f.write(str(value))
    os.replace(mine + ".tmp", mine)
    waited = time.time()
    while True:
        values = [int(open(os.path.join(folder, n)).read()) for n in os.listdir(folder) if not n.endswith(".tmp")]
        if len(values) >= count or time.time() - waited > patience:
            if len(values) < count:
                print(f"only {len(values)} of {count} runs reached '{kind}'; going on", flush=True)
            return values
        time.sleep(0.5)


def write_train_json(args, cfg, epochs, details, path):
    train_config = {
        "variant": args.variant,
        "model": cfg,
        "epochs": epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "final_learning_rate": args.final_lr,
        "warmup_epochs": args.warmup_epochs,
        "weight_decay": args.weight_decay,
        "label_smoothing": args.label_smoothing,
        "augment": {"crop_padding": args.crop_padding, "flip": not args.no_flip},
        "seed": args.seed,
        "limit_per_class": args.limit_per_class,
        "trainer": details,
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(train_config, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def resumed(args):
    """For `resume RUN`: the run's own arguments (as its checkpoint stored
    them) with this call's --data, --cache-dir, --threads, --stop-at; its
    config (from train.json); the checkpoint."""
    blob = checkpoint.load(args.out)
    run = parse(blob["argv"])
    for key in ("data", "cache_dir", "threads", "stop_at"):
        if getattr(args, key) is not None:
            setattr(run, key, getattr(args, key))
    run.out = args.out
    with open(os.path.join(args.out, "train.json")) as f:
        cfg = json.load(f)["model"]
    return run, blob["argv"], cfg, blob


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.command == "decode":
        d = data.load(args.data, args.cache_dir)
        print(f"{len(d['train'][1])} train and {len(d['test'][1])} test images, classes {d['classes']}")
        return
    blob = None
    if args.command == "resume":
        args, argv, cfg, blob = resumed(args)
    else:
        with open(args.config) as f:
            cfg = json.load(f)
    dist = engine.Distributed.from_env(args.device)
    device = dist.device
    if args.threads:
        torch.set_num_threads(args.threads)
    rank = dist.rank
    if cfg.get("preprocess") is None:
        raise SystemExit(f"{args.config}: the config names no preprocess (mean/std); give shiftscope's full ModelConfig")
    pre = cfg["preprocess"]
    if pre["resize"] != cfg["image_size"] or pre["crop"] != cfg["image_size"]:
        raise SystemExit("the trainer feeds whole images: preprocess resize and crop must equal image_size")
    started = time.time()
    loaded = data.load(args.data, args.cache_dir, log=lambda m: log(m, rank))
    x, y = loaded["train"]
    if args.limit_per_class:
        x, y = data.first_per_class(x, y, args.limit_per_class)
    (x, y), (vx, vy) = data.hold_out(x, y, args.holdout_per_class)
    if x.shape[1] != cfg["image_size"] or len(loaded["classes"]) != cfg["num_classes"]:
        raise SystemExit(f"images are {x.shape[1]} px in {len(loaded['classes'])} classes; the model wants "
                         f"{cfg['image_size']} px and {cfg['num_classes']} classes")
    log(f"{len(y)} training and {len(vy)} held-out images on {device}", rank)
    trainer = engine.Trainer(args, cfg, x, y, vx, vy, dist)
    details = {
        "command": "",
        "machine": machine(device, trainer.amp, trainer.compiled, args.fast),
        "details": {"invoked": "python3 scripts/train/train.py " + shlex.join(argv), "world_size": dist.world,
                    "recipe": {k: v for k, v in vars(args).items() if k not in ("command", "out", "data", "config")},
                    "train_images": int(len(y)), "holdout_images": int(len(vy)),
                    "classes": loaded["classes"]},
    }
    epochs = args.epochs
    if args.time_budget is not None:
        name = os.path.basename(os.path.normpath(args.out))
        group = args.group_dir if rank == 0 else None

        def all_compiled():
            if group:
                wait_for_group(group, "compiled", name, args.group_size)
            dist.barrier()

        rate, eval_s = trainer.probe(args.probe_seconds, before_timing=all_compiled)
        left = started + args.time_budget - time.time() - 10.0 - 2 * eval_s
        per_epoch = len(y) / rate + eval_s
        epochs = min(args.max_epochs, int(0.9 * left / per_epoch))
        if group and args.same_epochs:
            sharing = wait_for_group(group, "epochs", name, args.group_size, epochs)
            epochs = min(sharing)
        epochs = dist.agree(epochs)
        log(f"probe: {rate:.0f} images/s, eval {eval_s:.1f} s → {epochs} epochs in {left:.0f} s", rank)
        details["details"]["probe_images_per_second"] = round(rate, 1)
        if epochs <= args.warmup_epochs:
            raise SystemExit(f"only {epochs} epochs fit in the budget: need more than --warmup-epochs")
    if args.checkpoint_steps is None and (args.stop_at or args.checkpoint_minutes) and blob is None:
        rate = trainer.probe(min(args.probe_seconds, 10.0))[0] if args.time_budget is None else rate
        args.checkpoint_steps = max(1, round((args.checkpoint_minutes or 10.0) * 60 * rate / args.batch_size))
        argv = argv + ["--checkpoint-steps", str(args.checkpoint_steps)]
    run_argv = reproducible_argv(argv, epochs)
    details["command"] = "python3 scripts/train/train.py " + shlex.join(run_argv)
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        if blob is None:
            write_train_json(args, cfg, epochs, details, os.path.join(args.out, "train.json"))
    deadline = started + args.time_budget - 10.0 if args.time_budget is not None and blob is None else None
    stop_at = stop_time(args.stop_at)
    if stop_at is not None:
        log(f"pauses at a checkpoint before {time.strftime('%Y-%m-%d %H:%M', time.localtime(stop_at))}", rank)
    result = trainer.fit(epochs, args.out, deadline, resume=blob, stop=Pause(stop_at),
                         checkpoint_steps=args.checkpoint_steps or 0,
                         argv=run_argv)
    if rank == 0:
        details["machine"] = machine(device, trainer.amp, trainer.compiled, args.fast)
        details["details"].update(result)
        if blob is not None:
            with open(os.path.join(args.out, "train.json")) as f:
                before = json.load(f)["trainer"]
            details["command"] = before["command"]
            details["details"]["invoked"] = before["details"]["invoked"]
            details["details"]["sessions"] = before["details"].get("sessions", [before["machine"]]) + \
                [details["machine"]]
        write_train_json(args, cfg, epochs, details, os.path.join(args.out, "train.json"))
        if result["paused"]:
            log(f"paused after {result['epochs_done']} of {epochs} epochs: "
                f"python3 scripts/train/train.py resume {args.out}")
        else:
            weights = trainer.final_weights(result)
            st_io.save_file({k: v.float() for k, v in weights.items()}, os.path.join(args.out, "model.safetensors"),
                            metadata={"format": "pt"})
            trainer.write_probe(weights, os.path.join(args.out, "probe.safetensors"))
            log(f"done: {result['epochs_done']} epochs, {result['images_per_second']:.0f} images/s, "
                f"held-out top-1 {result.get('final_valid_top1', float('nan')):.2f}% ({result['shipped']}) → {args.out}")
    dist.close()


if __name__ == "__main__":
    main()
