"""Held-out top-1 of finished runs, plain and with flip test-time
augmentation (the mean of the logits of the image and its mirror), on the
same held-out images the run validated on (never the test split):

    .venv-train/bin/python scripts/train/heldout.py RUN [RUN ...] [--cache-dir runs/cache]

Prints a markdown row per run; the gain decides whether flip TTA ships
(the page and the CLI would both have to run it: ≥ 0.3 points to earn it).
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reference"))

import data  # noqa: E402
import engine  # noqa: E402
import st_io  # noqa: E402
from fast import fast_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "datasets", "cifar10-jpeg.tar.gz"))
    ap.add_argument("--cache-dir", default=os.path.join(HERE, "..", "..", "runs", "cache"))
    a = ap.parse_args()
    loaded = data.load(a.data, a.cache_dir)
    print("| run | held-out top-1 | with flip TTA | gain |")
    print("|---|---|---|---|")
    for run in a.runs:
        with open(os.path.join(run, "train.json")) as f:
            train = json.load(f)
        recipe = train["trainer"]["details"]["recipe"]
        x, y = loaded["train"]
        if recipe.get("limit_per_class"):
            x, y = data.first_per_class(x, y, recipe["limit_per_class"])
        _, (vx, vy) = data.hold_out(x, y, recipe["holdout_per_class"])
        cfg = train["model"]
        model = engine.build_model(cfg).eval()
        model.load_state_dict(st_io.load_file(os.path.join(run, "model.safetensors")))
        net = fast_model(model)
        vx, vy = torch.from_numpy(vx), torch.from_numpy(vy)
        mean, std = cfg["preprocess"]["mean"], cfg["preprocess"]["std"]
        plain, flipped = (engine.evaluate(net, vx, vy, mean, std, flip)[1] for flip in (False, True))
        print(f"| {os.path.basename(os.path.normpath(run))} | {plain:.2f} | {flipped:.2f} | {flipped - plain:+.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
