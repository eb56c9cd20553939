"""Model configs of the training runs, built from the shipped cards: a
config is a card's `model` (assets/<name>.json, shiftscope's ModelConfig)
with some fields changed, so the preprocessing and class count always
match what the page ships.

    python3 scripts/train/configs.py NAME [KEY=JSON ...] > CONFIG.json
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FAMILIES = {"s2mlpv2": "s2mlpv2_compact", "asmlp": "asmlp_compact", "mixer": "mixer_compact"}


def card_model(name):
    """The `model` of assets/<name>.json (a shipped card) with the
    `preprocess` of its weights' profile, as the trainer reads configs."""
    with open(os.path.join(ROOT, "assets", name + ".json")) as f:
        card = json.load(f)
    return {**card["model"], "preprocess": card["profile"]["preprocess"]}


def config(name, **changes):
    """A card's model config (`name` a card or a family: s2mlpv2, asmlp,
    mixer) with `changes` applied."""
    cfg = card_model(FAMILIES.get(name, name))
    unknown = set(changes) - set(cfg)
    if unknown:
        raise SystemExit(f"{name}: no such config fields {sorted(unknown)}")
    cfg.update(changes)
    return cfg


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    pairs = dict(arg.split("=", 1) for arg in sys.argv[2:])
    json.dump(config(sys.argv[1], **{k: json.loads(v) for k, v in pairs.items()}), sys.stdout, indent=2)
    print()
