"""Write random weights of a full-size model in its official layout, as a
PyTorch checkpoint (and, with --safetensors, the same weights as safetensors).

Usage (from the repository root):
    /usr/bin/python3 tests/reference/full_size_pth.py asmlp_tiny OUT_DIR [--safetensors]
    /usr/bin/python3 tests/reference/full_size_pth.py mixer_b16 OUT_DIR

Writes OUT_DIR/<variant>.pth (and OUT_DIR/<variant>.safetensors):
  asmlp_tiny  official svip-lab/AS-MLP key names, saved as the official
              training script does around the weights: {"model": state_dict,
              "epoch": 300, "max_accuracy": 81.3}, so a reader must skip two
              entries;
  mixer_b16   timm key names, a bare state dict (as timm's files are).
The files are large (AS-MLP-T 113 MB, Mixer-B/16 240 MB, float32), so the
browser test (web/e2e/tests/pth.test.mjs) writes them to a temporary
directory instead of the repository. Deterministic for a given --seed.
"""
import argparse
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from as_mlp import ASMLP, VARIANTS as ASMLP_VARIANTS  # noqa: E402
from make_fixtures import fresh_state_dict, randomise_  # noqa: E402
from mlp_mixer import MlpMixer, VARIANTS as MIXER_VARIANTS  # noqa: E402
import st_io  # noqa: E402

# Head gains (multiples of 1/sqrt(fan_in)) that spread the 1000 logits over
# a few units, so the top-5 classes are well apart.
LAYOUTS = {
    "asmlp_tiny": (lambda: ASMLP(**ASMLP_VARIANTS["tiny"]), 2.0),
    "mixer_b16": (lambda: MlpMixer(**MIXER_VARIANTS["b16"]), 3.0),
}


def checkpoint(variant, state_dict):
    """What torch.save writes for `variant`: the layout its publisher uses."""
    if variant.startswith("asmlp"):
        return {"model": state_dict, "epoch": 300, "max_accuracy": 81.3}
    return state_dict


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(LAYOUTS))
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--safetensors", action="store_true", help="also write the weights as safetensors")
    args = parser.parse_args()
    start = time.time()
    build, head_gain = LAYOUTS[args.variant]
    torch.manual_seed(args.seed)
    model = build().float().eval()
    randomise_(model, torch.Generator().manual_seed(args.seed), {"head": head_gain})
    state_dict = fresh_state_dict(model)
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"{args.variant}.pth")
    torch.save(checkpoint(args.variant, state_dict), path)
    if args.safetensors:
        st_io.save_file(state_dict, os.path.join(args.out_dir, f"{args.variant}.safetensors"), {"format": "pt"})
    params = sum(t.numel() for t in state_dict.values())
    print(f"{path}: {params / 1e6:.2f} M parameters, {os.path.getsize(path) / 1e6:.1f} MB, "
          f"{time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
