"""The training loop of scripts/train/train.py: model, AdamW with warm-up +
linear (or cosine) decay, EMA of the weights, augmentation on the device,
evaluation on the held-out images, metrics.csv, checkpoints, and
DistributedDataParallel under torchrun.

Every random draw of a step is made for the whole global batch on every
rank (the dataset lives on each device), and each rank then takes its
slice: one process and N processes see the same images.
"""
import contextlib
import copy
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import augment
import checkpoint
import data
import st_io

from fast import fast_model
from as_mlp import ASMLP
from mlp_mixer import MlpMixer
from s2mlpv2 import S2MLPv2

ARCHS = {"s2mlpv2": S2MLPv2, "asmlp": ASMLP, "mixer": MlpMixer}
CSV_HEADER = "epoch,split,loss,accuracy,learning_rate,seconds\n"


class Distributed:
    """Rank, world size and device; one process unless torchrun set WORLD_SIZE."""

    def __init__(self, rank, world, device):
        self.rank, self.world, self.device = rank, world, device

    @classmethod
    def from_env(cls, choice):
        cuda = torch.cuda.is_available() if choice == "auto" else choice == "cuda"
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world == 1:
            return cls(0, 1, torch.device("cuda" if cuda else "cpu"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
        device = torch.device("cuda", local) if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(device)
        return cls(torch.distributed.get_rank(), world, device)

    def sum(self, tensor):
        if self.world > 1:
            torch.distributed.all_reduce(tensor)
        return tensor

    def agree(self, value):
        """Rank 0's integer, on every rank."""
        if self.world == 1:
            return value
        t = torch.tensor([value], device=self.device)
        torch.distributed.broadcast(t, 0)
        return int(t.item())

    def barrier(self):
        if self.world > 1:
            torch.distributed.barrier()

    def close(self):
        if self.world > 1:
            torch.distributed.destroy_process_group()


def cpu_bf16():
    """The CPU's bf16 matrix units, if any: "amx" (AMX tiles), "avx512_bf16",
    or None (read from /proc/cpuinfo; None where it cannot be read)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if "amx_bf16" in flags:
        return "amx"
    return "avx512_bf16" if "avx512_bf16" in flags else None


def build_model(cfg):
    """The reference model of a shiftscope ModelConfig, timm-style init:
    linear and 1×1 weights truncated-normal σ 0.02, biases 0, norms 1 / 0."""
    model = ARCHS[cfg["arch"]].from_config(cfg)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.LayerNorm, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


class Ema:
    """Exponential moving average of every floating tensor of the state
    dict, decay warmed up as min(decay, (1 + t) / (10 + t))."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.steps = 0

    @torch.no_grad()
    def update(self, model):
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        ema = [v for v in self.model.state_dict().values() if v.is_floating_point()]
        now = [v.detach() for v in model.state_dict().values() if v.is_floating_point()]
        torch._foreach_mul_(ema, d)
        torch._foreach_add_(ema, now, alpha=1.0 - d)


def schedule(step, total, warmup, peak, final, shape="linear"):
    """Linear warm-up from 0 to `peak`, then linear (the budgeted-training
    schedule) or cosine decay to `final` at step `total` (per step)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if shape == "linear":
        return final + (peak - final) * (1.0 - progress)
    return final + 0.5 * (peak - final) * (1.0 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(net, images, labels, mean, std, flip=False):
    """(plain cross-entropy, top-1 %) of `net` in float32 (as the weights
    ship) on uint8 (N, H, W, 3) `images`, 1,000 at a time; with `flip`, of
    the mean logits of each image and its mirror (flip test-time
    augmentation)."""
    loss, correct = 0.0, 0
    for s in range(0, len(labels), 1000):
        x = data.normalise(images[s:s + 1000], mean, std)
        logits = net(x).float()
        if flip:
            logits = (logits + net(x.flip(3)).float()) / 2
        loss += F.cross_entropy(logits, labels[s:s + 1000], reduction="sum").item()
        correct += (logits.argmax(1) == labels[s:s + 1000]).sum().item()
    return loss / len(labels), 100.0 * correct / len(labels)


class Trainer:
    """One model's training on one rank."""

    def __init__(self, args, cfg, x, y, vx, vy, dist):
        self.args, self.cfg, self.dist = args, cfg, dist
        dev = dist.device
        # bf16 autocast (float32 master weights): on CUDA unless turned off; on
        # the CPU where it has bf16 matrix units (auto) or when asked for.
        # torch 1.13's CPU autocast feeds bf16 into LayerNorm's float32
        # weights and fails, so the CPU needs torch 2.
        cpu_autocast = int(torch.__version__.split(".")[0]) >= 2
        if args.amp == "bf16" and dev.type == "cpu" and not cpu_autocast:
            raise SystemExit(f"--amp bf16 on the CPU needs torch 2 or newer (this is torch {torch.__version__})")
        hardware = dev.type == "cuda" or (cpu_bf16() is not None and cpu_autocast)
        self.amp = args.amp == "bf16" or (args.amp == "auto" and hardware)
        if args.batch_size % dist.world:
            raise SystemExit(f"--batch-size {args.batch_size} does not split over {dist.world} processes")
        self.x = torch.from_numpy(x).to(dev)
        self.y = torch.from_numpy(y).to(dev)
        self.vx = torch.from_numpy(vx).to(dev)
        self.vy = torch.from_numpy(vy).to(dev)
        self.classes = cfg["num_classes"]
        self.mean, self.std = cfg["preprocess"]["mean"], cfg["preprocess"]["std"]
        self.mean_t = torch.tensor(self.mean, device=dev).view(1, 3, 1, 1)
        self.std_t = torch.tensor(self.std, device=dev).view(1, 3, 1, 1)
        self.erase_fill = torch.zeros(3, device=dev)  # the dataset mean, once normalised
        self.steps_per_epoch = len(self.y) // args.batch_size
        if self.steps_per_epoch == 0:
            raise SystemExit(f"{len(self.y)} training images do not fill one batch of {args.batch_size}")
        torch.manual_seed(args.seed)
        self.model = build_model(cfg).to(dev)
        self.initial = copy.deepcopy(self.model.state_dict())
        net = fast_model(self.model) if args.fast else self.model
        if dist.world > 1:
            net = nn.parallel.DistributedDataParallel(net, device_ids=[dev.index] if dev.type == "cuda" else None)
        want_compile = args.compile == "on" or (args.compile == "auto" and dev.type == "cuda")
        self.compiled = want_compile and hasattr(torch, "compile")
        self.net = torch.compile(net) if self.compiled else net
        self.eager = net
        self._reset()

    def _reset(self):
        """Fresh weights, optimiser, EMA and random streams (after a probe)."""
        args, dev = self.args, self.dist.device
        self.model.load_state_dict(self.initial)
        decay, no_decay = [], []
        for p in self.model.parameters():
            (no_decay if p.ndim <= 1 else decay).append(p)
        groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        extra = {"fused": True} if dev.type == "cuda" else {}
        self.opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), **extra)
        self.ema = Ema(self.model, args.ema_decay) if args.ema_decay > 0 else None
        self.gen = torch.Generator(device=dev).manual_seed(args.seed + 1)
        self.order = torch.Generator().manual_seed(args.seed + 2)
        self.np_rng = np.random.default_rng(args.seed + 3)
        self.step_count = 0

    def _autocast(self):
        """bf16 autocast on the run's device, or nothing (torch 1.13 checks
        CUDA even when a CUDA autocast is disabled)."""
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.dist.device.type, dtype=torch.bfloat16)

    def image_size(self, progress):
        """The side the images are trained at after `progress` (0-1) of the
        steps: --resize-schedule "16:0.4,24:0.7" trains at 16 px for the
        first 40 %, 24 px until 70 %, then at the full size."""
        for spec in filter(None, (self.args.resize_schedule or "").split(",")):
            side, until = spec.split(":")
            if progress < float(until):
                return int(side)
        return self.cfg["image_size"]

    def _batch(self, idx, side=None):
        """Augmented, normalised images (downsampled, antialiased, to
        `side` px if given) and soft targets of the global batch `idx`,
        then this rank's slice."""
        a = self.args
        imgs = data.crop_flip(self.x[idx], a.crop_padding, not a.no_flip, self.gen)
        x = imgs.permute(0, 3, 1, 2).float().div_(255.0)
        if a.trivial_augment:
            x = augment.trivial_augment(x, self.gen)
        x = (x - self.mean_t) / self.std_t
        if a.erase > 0:
            x = augment.random_erase(x, self.gen, a.erase, self.erase_fill)
        t = F.one_hot(self.y[idx], self.classes).float()
        t = t * (1.0 - a.label_smoothing) + a.label_smoothing / self.classes
        x, t = augment.mix(x, t, self.np_rng, a.mixup, a.cutmix)
        if side is not None and side != x.shape[-1]:
            x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
        n = len(idx) // self.dist.world
        r = self.dist.rank
        return x[r * n:(r + 1) * n].contiguous(), t[r * n:(r + 1) * n]

    def _step(self, idx, total_steps):
        a = self.args
        lr = schedule(self.step_count, total_steps, a.warmup_epochs * self.steps_per_epoch, a.lr, a.final_lr,
                      a.schedule)
        for g in self.opt.param_groups:
            g["lr"] = lr
        x, t = self._batch(idx, self.image_size(self.step_count / total_steps))
        with self._autocast():
            try:
                logits = self.net(x)
            except Exception as e:  # a compiler failure must not cost the run
                if self.net is self.eager:
                    raise
                print(f"torch.compile failed ({type(e).__name__}: {e}); training eagerly", flush=True)
                self.net, self.compiled = self.eager, False
                logits = self.net(x)
            loss = F.cross_entropy(logits.float(), t)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        if self.ema is not None:
            self.ema.update(self.model)
        self.step_count += 1
        correct = (logits.argmax(1) == t.argmax(1)).sum()
        return loss.detach() * len(t), correct, lr

    def evaluate(self, model):
        """(loss, top-1 %) of `model` on the held-out images."""
        if len(self.vy) == 0:
            return float("nan"), float("nan")
        model.eval()
        result = evaluate(fast_model(model) if self.args.fast else model, self.vx, self.vy, self.mean, self.std)
        model.train()
        return result

    def _sync(self):
        if self.dist.device.type == "cuda":
            torch.cuda.synchronize()

    def probe(self, seconds, before_timing=lambda: None):
        """Images/s of training steps (after three warm-up steps, which
        include compilation, and `before_timing`) and the seconds of one
        evaluation; then everything is reset as if the probe had not run."""
        total = 10 ** 9
        perm = torch.randperm(len(self.y), generator=self.order).to(self.dist.device)
        b = self.args.batch_size
        for i in range(3):
            self._step(perm[i * b % len(perm):][:b], total)
        self._sync()
        before_timing()
        t0, steps = time.time(), 0
        while time.time() - t0 < seconds:
            s = (3 + steps) % self.steps_per_epoch
            self._step(perm[s * b:(s + 1) * b], total)
            steps += 1
            if steps % 10 == 0:
                self._sync()
        self._sync()
        rate = steps * b / (time.time() - t0)
        t1 = time.time()
        self.evaluate(self.model)
        eval_s = time.time() - t1
        self._reset()
        return rate, eval_s

    def fit(self, epochs, out, deadline=None, resume=None, stop=None, checkpoint_steps=0, argv=()):
        """Trains `epochs` epochs, appending metrics.csv in `out` and
        printing progress. Stops early when `deadline` (a time) would be
        crossed by the next epoch. With `checkpoint_steps`, writes
        `out/checkpoint.pt.xz` every that many steps; `stop()` is asked at each
        of those steps and, when true, the run pauses there (result
        "paused"). `resume` is a checkpoint to continue from."""
        a, dist = self.args, self.dist
        total = epochs * self.steps_per_epoch
        csv = os.path.join(out, "metrics.csv")
        if resume is not None:
            pos = checkpoint.restore(self, resume)
        else:
            pos = {"epoch": 1, "step": 0, "perm": None, "loss_sum": 0.0, "correct": 0, "train_seconds": 0.0,
                   "best": {"raw": float("nan"), "ema": float("nan")}}
            if dist.rank == 0:
                with open(csv, "w") as f:
                    f.write(CSV_HEADER)
        started, last_print = time.time() - pos["train_seconds"], time.time()
        best = pos["best"]
        done = pos["epoch"] - 1
        lr = 0.0
        for epoch in range(pos["epoch"], epochs + 1):
            t0 = epoch_start = time.time()
            first_step = pos["step"]
            if pos["perm"] is None:
                pos["perm"] = torch.randperm(len(self.y), generator=self.order).to(dist.device)
            perm = pos["perm"]
            loss_sum = torch.tensor(float(pos["loss_sum"]), device=dist.device)
            correct = torch.tensor(int(pos["correct"]), device=dist.device, dtype=torch.long)
            for s in range(pos["step"], self.steps_per_epoch):
                l, c, lr = self._step(perm[s * a.batch_size:(s + 1) * a.batch_size], total)
                loss_sum += l
                correct += c
                if checkpoint_steps and self.step_count % checkpoint_steps == 0 and self.step_count < total:
                    pos.update(step=s + 1, loss_sum=loss_sum.item(), correct=correct.item(),
                               train_seconds=pos["train_seconds"] + time.time() - t0, best=best)
                    if dist.rank == 0:
                        size = checkpoint.save(self, pos, out, argv)
                        print(f"checkpoint at step {self.step_count} of {total} ({size / 1e6:.1f} MB)", flush=True)
                    t0 = time.time()
                    if stop is not None and stop():
                        print(f"paused at epoch {epoch} step {s + 1}: resume with `train.py resume RUN`", flush=True)
                        return self._result(done, epochs, pos["train_seconds"], best, paused=True)
                if dist.rank == 0 and time.time() - last_print > 15:
                    last_print = time.time()
                    print(f"epoch {epoch}/{epochs} step {s + 1}/{self.steps_per_epoch} lr {lr:.2e} "
                          f"({last_print - started:.0f} s)", flush=True)
            stats = dist.sum(torch.stack([loss_sum.float(), correct.float()]))
            self._sync()
            pos["train_seconds"] += time.time() - t0
            n = self.steps_per_epoch * a.batch_size
            train_loss, train_acc = stats[0].item() / n, 100.0 * stats[1].item() / n
            done = epoch
            if dist.rank == 0:
                v_loss, v_acc = self.evaluate(self.ema.model if self.ema else self.model)
                if self.ema is not None and (epoch == epochs or epoch % 10 == 0):
                    best["raw"] = self.evaluate(self.model)[1]
                best["ema" if self.ema else "raw"] = v_acc
                with open(csv, "a") as f:
                    f.write(f"{epoch},train,{train_loss:.6f},{train_acc:.6f},{lr:.6e},{pos['train_seconds']:.1f}\n")
                    if not math.isnan(v_acc):
                        f.write(f"{epoch},valid,{v_loss:.6f},{v_acc:.6f},,{pos['train_seconds']:.1f}\n")
                print(f"epoch {epoch}/{epochs}: train loss {train_loss:.4f} acc {train_acc:.2f}% | held-out "
                      f"loss {v_loss:.4f} top-1 {v_acc:.2f}% | {(self.steps_per_epoch - first_step) * a.batch_size / (time.time() - epoch_start):.0f} images/s "
                      f"({pos['train_seconds']:.0f} s)", flush=True)
            pos.update(epoch=epoch + 1, step=0, perm=None, loss_sum=0.0, correct=0)
            dist.barrier()
            per_epoch = (time.time() - started) / epoch
            if deadline is not None and epoch < epochs and time.time() + per_epoch > deadline:
                print(f"stopping after epoch {epoch} of {epochs}: the next would pass the deadline", flush=True)
                break
        return self._result(done, epochs, pos["train_seconds"], best)

    def _result(self, done, epochs, train_seconds, best, paused=False):
        images = done * self.steps_per_epoch * self.args.batch_size
        ema_wins = self.ema is not None and not (best["ema"] < best["raw"])
        return {"epochs_done": done, "paused": paused, "stopped_early": done < epochs and not paused,
                "seconds": round(train_seconds, 1),
                "images_per_second": round(images / max(train_seconds, 1e-9), 1),
                "shipped": "ema" if ema_wins else "raw",
                "final_valid_top1": best["ema"] if ema_wins else best["raw"],
                "final_valid_top1_raw": best["raw"], "final_valid_top1_ema": best["ema"]}

    def final_weights(self, result):
        model = self.ema.model if result["shipped"] == "ema" else self.model
        return {k: v.detach().cpu() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def write_probe(self, weights, path, count=16):
        """The first `count` held-out images (uint8 and normalised) with the
        float32 logits of `weights` on the CPU, for parity checks."""
        model = build_model(self.cfg).float().eval()
        model.load_state_dict(weights)
        pixels = self.vx[:count].cpu()
        x = data.normalise(pixels, self.mean, self.std)
        st_io.save_file({"pixels": pixels.float(), "input": x, "labels": self.vy[:count].cpu().float(),
                         "logits": model(x)}, path, metadata={"format": "pt"})
