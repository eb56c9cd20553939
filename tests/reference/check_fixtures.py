"""Checks that freshly generated fixtures (make_fixtures.py --out DIR)
reproduce the committed ones in tests/fixtures.

    /usr/bin/python3 tests/reference/check_fixtures.py DIR

Configs and weights must be byte-identical (they come from seeded random
draws). The reference outputs in io.safetensors must match within
1e-5 · (1 + |value|): torch's CPU kernels take other summation orders on
other instruction sets (AVX2 against AVX-512 moves logits by ~4e-7), which
is far below the 1e-4 the Rust parity tests allow and far above zero.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import st_io  # noqa: E402

TOLERANCE = 1e-5


def main():
    fresh = sys.argv[1]
    committed = os.path.join(HERE, "..", "fixtures")
    worst, problems = 0.0, []
    for name in sorted(os.listdir(committed)):
        if not os.path.isdir(os.path.join(committed, name)):
            continue
        for file in sorted(os.listdir(os.path.join(committed, name))):
            if not file.endswith((".json", ".safetensors")):
                continue
            a, b = os.path.join(committed, name, file), os.path.join(fresh, name, file)
            if not os.path.exists(b):
                problems.append(f"{name}/{file}: not regenerated")
            elif file != "io.safetensors":
                if open(a, "rb").read() != open(b, "rb").read():
                    problems.append(f"{name}/{file}: differs from the reference output")
            else:
                old, new = st_io.load_file(a), st_io.load_file(b)
                if sorted(old) != sorted(new):
                    problems.append(f"{name}/{file}: tensors {sorted(old)} became {sorted(new)}")
                    continue
                for key in old:
                    gap = ((old[key] - new[key]).abs() / (1 + old[key].abs())).max().item()
                    worst = max(worst, gap)
                    if not gap <= TOLERANCE:
                        problems.append(f"{name}/{file}: {key} moved by {gap:.2e} (allowed {TOLERANCE:.0e})")
    if problems:
        sys.exit("fixtures do not reproduce:\n  " + "\n  ".join(problems))
    print(f"fixtures reproduce: weights and configs byte for byte, outputs within {worst:.1e} (allowed {TOLERANCE:.0e})")


if __name__ == "__main__":
    main()
