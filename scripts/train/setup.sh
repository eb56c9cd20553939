#!/usr/bin/env bash
# The training environment: PyPI torch (pinned) with numpy and Pillow in the
# project-local virtual environment .venv-train/ (ignored; ~5.4 GB: the only
# torch wheel on PyPI is the CUDA build, which runs on the CPU). For training
# sessions, not for CI: CI tests the trainer with Debian's torch 1.13.
# Idempotent; prints the interpreter to use.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-train
PINS=(torch==2.15.0 numpy==2.4.6 pillow==13.0.0)
if ! "$VENV/bin/python" -c "import torch, numpy, PIL; assert torch.__version__.startswith('2.15.0')" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "${PINS[@]}"
fi
"$VENV/bin/python" -c "import torch; print(f'$VENV/bin/python: torch {torch.__version__}')"
