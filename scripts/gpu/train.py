"""GPU trainer for shiftscope's models: PyTorch on the reference models of
tests/reference (which the parity fixtures prove compute what the Rust
models compute), writing the run layout `shiftscope card` reads.

    python3 scripts/gpu/train.py decode --data DATA --cache-dir DIR
    python3 scripts/gpu/train.py train --config MODEL.json --data DATA --out RUN
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
    tr.add_argument("--final-lr", type=float, default=1e-5)
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
    args = ap.parse_args(argv)
    if args.command == "train" and (args.epochs is None) == (args.time_budget is None):
        ap.error("give exactly one of --epochs and --time-budget")
    return args


def log(msg, rank=0):
    if rank == 0:
        print(msg, flush=True)


def machine(device, amp, compiled):
    cpu = f"{os.cpu_count()} CPU cores"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return f"{name}, {cpu}, torch {torch.__version__} CUDA {torch.version.cuda}, " + \
            f"{'bf16 autocast' if amp else 'f32'}, {'torch.compile' if compiled else 'eager'}"
    return f"CPU ({torch.get_num_threads()} threads of {cpu}), torch {torch.__version__}, f32, eager"


# Options that only steer how a run fits a device call, not what it learns.
CALL_ONLY = ("--time-budget", "--group-dir", "--group-size", "--probe-seconds", "--max-epochs", "--cache-dir")
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.command == "decode":
        d = data.load(args.data, args.cache_dir)
        print(f"{len(d['train'][1])} train and {len(d['test'][1])} test images, classes {d['classes']}")
        return
    dist = engine.Distributed.from_env(args.device)
    device = dist.device
    if args.threads:
        torch.set_num_threads(args.threads)
    rank = dist.rank
    with open(args.config) as f:
        cfg = json.load(f)
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
        "machine": machine(device, trainer.amp, trainer.compiled),
        "details": {"invoked": "python3 scripts/gpu/train.py " + shlex.join(argv), "world_size": dist.world,
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
    details["command"] = "python3 scripts/gpu/train.py " + shlex.join(reproducible_argv(argv, epochs))
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        write_train_json(args, cfg, epochs, details, os.path.join(args.out, "train.json"))
    deadline = started + args.time_budget - 10.0 if args.time_budget is not None else None
    result = trainer.fit(epochs, args.out, deadline)
    if rank == 0:
        details["machine"] = machine(device, trainer.amp, trainer.compiled)  # compilation may have failed
        details["details"].update(result)
        write_train_json(args, cfg, epochs, details, os.path.join(args.out, "train.json"))
        weights = trainer.final_weights(result)
        st_io.save_file({k: v.float() for k, v in weights.items()}, os.path.join(args.out, "model.safetensors"),
                        metadata={"format": "pt"})
        trainer.write_probe(weights, os.path.join(args.out, "probe.safetensors"))
        log(f"done: {result['epochs_done']} epochs, {result['images_per_second']:.0f} images/s, "
            f"held-out top-1 {result.get('final_valid_top1', float('nan')):.2f}% ({result['shipped']}) → {args.out}")
    dist.close()


if __name__ == "__main__":
    main()
