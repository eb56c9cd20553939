"""Resumable runs: the whole state of a `Trainer` at a step boundary in one
file, `<run>/checkpoint.pt.xz`, replaced in place.

It holds the weights (float32), the EMA, AdamW's moments, the step
counter, every random stream (augmentation, epoch order, mixing), the
position inside the epoch (its image order, the step, the running loss and
accuracy sums), the held-out results so far and the training seconds, so a
resumed run draws the same batches and writes the same metrics.csv as one
that never stopped.

To keep a ~1 M-parameter run's file near 10 MB (it is committed so that
the next session, maybe on another machine, can go on), AdamW's moments
are stored as bfloat16 and the EMA as its bfloat16 difference from the
weights (small, so its rounding error is tiny next to the weight). To keep
resuming exact, the live state is rounded the same way at every checkpoint
(`round_state`): a run that never stops does the same rounding at the same
steps. 10 bytes a parameter, ~8 once compressed (xz preset 1, ~1.5 s).
"""
import io
import lzma
import os

import numpy as np
import torch

NAME = "checkpoint.pt.xz"
FORMAT = 2


MOMENTS = ("exp_avg", "exp_avg_sq")


def _ema_delta(trainer):
    """{key: EMA - weights} in bfloat16 for every floating tensor."""
    now = trainer.model.state_dict()
    return {k: (v - now[k]).to(torch.bfloat16) for k, v in trainer.ema.model.state_dict().items()
            if v.is_floating_point()}


def _set_ema(trainer, delta):
    now = trainer.model.state_dict()
    with torch.no_grad():
        for k, v in trainer.ema.model.state_dict().items():
            if k in delta:
                v.copy_(now[k] + delta[k].float())


def round_state(trainer):
    """Rounds the live state to what a checkpoint stores: AdamW's moments
    to bfloat16, the EMA to the weights plus a bfloat16 difference.
    Returns that difference (None without an EMA)."""
    for state in trainer.opt.state.values():
        for key in MOMENTS:
            if key in state:
                state[key].copy_(state[key].to(torch.bfloat16))
    if trainer.ema is None:
        return None
    delta = _ema_delta(trainer)
    _set_ema(trainer, delta)
    return delta


def _opt_state(opt):
    sd = opt.state_dict()
    state = {}
    for k, v in sd["state"].items():
        state[k] = {n: (t.to(torch.bfloat16) if n in MOMENTS else t) for n, t in v.items()}
    return {"state": state, "param_groups": sd["param_groups"]}


def _restore_opt(opt, saved):
    state = {k: {n: (t.float() if n in MOMENTS else t) for n, t in v.items()}
             for k, v in saved["state"].items()}
    opt.load_state_dict({"state": state, "param_groups": saved["param_groups"]})


def save(trainer, position, folder, argv):
    """Writes `folder/NAME` atomically; returns its size in bytes."""
    ema_delta = round_state(trainer)
    blob = {
        "format": FORMAT,
        "argv": list(argv),
        "model": trainer.model.state_dict(),
        "ema_delta": ema_delta,
        "ema_buffers": {k: v for k, v in trainer.ema.model.state_dict().items() if not v.is_floating_point()}
        if trainer.ema else None,
        "ema_steps": trainer.ema.steps if trainer.ema else 0,
        "optimizer": _opt_state(trainer.opt),
        "step_count": trainer.step_count,
        "augment_rng": trainer.gen.get_state(),
        "order_rng": trainer.order.get_state(),
        "mix_rng": trainer.np_rng.bit_generator.state,
        "position": {k: (v.to(torch.int32) if k == "perm" and v is not None else v) for k, v in position.items()},
    }
    path = os.path.join(folder, NAME)
    raw = io.BytesIO()
    torch.save(blob, raw)
    with open(path + ".tmp", "wb") as f:
        f.write(lzma.compress(raw.getvalue(), preset=1))
    os.replace(path + ".tmp", path)
    return os.path.getsize(path)


def load(folder):
    """The checkpoint of `folder` as saved (raises SystemExit if missing)."""
    path = os.path.join(folder, NAME)
    if not os.path.exists(path):
        raise SystemExit(f"{path}: no checkpoint to resume from")
    with open(path, "rb") as f:
        blob = torch.load(io.BytesIO(lzma.decompress(f.read())), map_location="cpu")
    if blob.get("format") != FORMAT:
        raise SystemExit(f"{path}: checkpoint format {blob.get('format')}, this trainer reads {FORMAT}")
    return blob


def restore(trainer, blob):
    """Puts a loaded checkpoint's state into `trainer`; returns the position."""
    trainer.model.load_state_dict(blob["model"])
    if trainer.ema is not None:
        trainer.ema.model.load_state_dict({**blob["model"], **blob["ema_buffers"]})
        _set_ema(trainer, blob["ema_delta"])
        trainer.ema.steps = blob["ema_steps"]
    _restore_opt(trainer.opt, blob["optimizer"])
    trainer.step_count = blob["step_count"]
    trainer.gen.set_state(blob["augment_rng"])
    trainer.order.set_state(blob["order_rng"])
    trainer.np_rng = np.random.default_rng()
    trainer.np_rng.bit_generator.state = blob["mix_rng"]
    position = dict(blob["position"])
    if position.get("perm") is not None:
        position["perm"] = position["perm"].long().to(trainer.dist.device)
    return position
