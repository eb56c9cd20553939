#!/usr/bin/env python3
"""Accuracy-vs-epoch chart (SVG, no dependencies) of one or more training runs.

    python3 scripts/plot_metrics.py out.svg runs/s2mlpv2_compact runs/asmlp_compact …

Reads each run's metrics.csv (written by `shiftscope train`) and draws the
test ("valid") top-1 after every epoch, one line per run. A model card
(`assets/<name>.json`) instead gives its whole curve, a branched run's
parent epochs included:

    python3 scripts/plot_metrics.py assets/training_curves.svg assets/*_compact.json
"""
import json
import csv
import sys
from pathlib import Path

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
W, H, L, R, T, B = 640, 400, 60, 170, 20, 50


def curve(run: Path):
    if run.suffix == ".json":
        return [(int(e), float(a)) for e, a in json.loads(run.read_text())["curve"]]
    with open(run / "metrics.csv") as f:
        return [(int(r["epoch"]), float(r["accuracy"])) for r in csv.DictReader(f) if r["split"] == "valid"]


def main(out: str, runs: list[str]) -> None:
    curves = [(Path(r).stem if r.endswith(".json") else Path(r).name, curve(Path(r))) for r in runs]
    max_epoch = max((e for _, c in curves for e, _ in c), default=1)
    lo = min((a for _, c in curves for _, a in c), default=0.0)
    lo = max(0.0, (int(lo) // 10) * 10)
    x = lambda e: L + (W - L - R) * (e - 1) / max(1, max_epoch - 1)
    y = lambda a: T + (H - T - B) * (100 - a) / (100 - lo)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
             f'<rect width="{W}" height="{H}" fill="white"/>']
    for a in range(int(lo), 101, 10):
        parts.append(f'<line x1="{L}" x2="{W - R}" y1="{y(a):.1f}" y2="{y(a):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{L - 8}" y="{y(a) + 4:.1f}" text-anchor="end">{a}%</text>')
    for e in range(1, max_epoch + 1, max(1, max_epoch // 10)):
        parts.append(f'<text x="{x(e):.1f}" y="{H - B + 18}" text-anchor="middle">{e}</text>')
    parts.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">epoch</text>')
    for i, (name, c) in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{x(e):.1f},{y(a):.1f}" for e, a in c)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        last = f" {c[-1][1]:.1f}%" if c else ""
        parts.append(f'<text x="{W - R + 10}" y="{T + 16 * (i + 1)}" fill="{colour}">{name}{last}</text>')
    parts.append("</svg>")
    Path(out).write_text("\n".join(parts) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
