#!/usr/bin/env bash
# Sets up, builds and serves the web app: open http://127.0.0.1:8080/ in a
# browser with WebGPU (or without: it falls back to the CPU). The built
# static site is dist/; it works from any sub-path of any static host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_web.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shiftscope/target}"
exec trunk serve --release --address 127.0.0.1 --port "${PORT:-8080}"
