#!/usr/bin/env bash
# The peer comparison, one command: shiftscope against PyTorch eager (native
# CPU) and ONNX Runtime Web (WebGPU and wasm execution providers, in the same
# headless Chromium), same weights, same input, outputs checked to agree
# before anything is timed; prints the ratio tables and writes
# $BENCH_DIR/report.md. Not a test: it takes a while (RUNS=30 by default).
#
#   bash scripts/bench.sh                       # everything
#   RUNS=10 MODELS=s2mlpv2_compact bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shiftscope/target}"
BENCH_DIR="${BENCH_DIR:-runs/bench}"
RUNS="${RUNS:-30}"
WARMUP="${WARMUP:-3}"
MODELS="${MODELS:-s2mlpv2_compact,asmlp_compact,mixer_compact,s2mlpv2_small7,asmlp_tiny}"
# In the browser: BROWSER_MODELS (default: all); on WebGPU only
# WEBGPU_MODELS with WEBGPU_RUNS runs (a CPU-emulated adapter such as
# SwiftShader takes about a minute per full-size image); FULL_BATCHES, the
# batch sizes of the full-size models there.
BROWSER_MODELS="${BROWSER_MODELS:-$MODELS}"
WEBGPU_MODELS="${WEBGPU_MODELS:-$BROWSER_MODELS}"
WEBGPU_RUNS="${WEBGPU_RUNS:-$RUNS}"
FULL_BATCHES="${FULL_BATCHES:-1,8}"

bash scripts/setup_web.sh
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-torch python3-numpy
fi
# PyTorch's fair peer needs an optimised BLAS: Debian's torch calls the
# reference BLAS unless OpenBLAS is the system default, and making it the
# default would change the bytes of the parity fixtures. So OpenBLAS is
# unpacked beside the build cache and only torch_peer.py loads it.
export SHIFTSCOPE_OPENBLAS_DIR="${SHIFTSCOPE_OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-openmp}"
if [ ! -e "$SHIFTSCOPE_OPENBLAS_DIR/libblas.so.3" ]; then
  unpacked="$HOME/.cache/shiftscope/openblas"
  export SHIFTSCOPE_OPENBLAS_DIR="$unpacked/usr/lib/x86_64-linux-gnu/openblas-openmp"
  if [ ! -e "$SHIFTSCOPE_OPENBLAS_DIR/libblas.so.3" ]; then
    echo "unpacking OpenBLAS into $unpacked (apt-get download, not installed system-wide)"
    (mkdir -p "$unpacked" && cd "$unpacked" && apt-get download -qq libopenblas0-openmp && dpkg -x libopenblas0-openmp_*.deb .)
  fi
fi
mkdir -p "$BENCH_DIR"

echo "== shiftscope, native CPU (also writes the peers' files to $BENCH_DIR)"
cargo build --quiet --bin shiftscope
"$CARGO_TARGET_DIR/debug/shiftscope" bench --models "$MODELS" --runs "$RUNS" --warmup "$WARMUP" \
  --export "$BENCH_DIR" --json "$BENCH_DIR/native.json"

echo "== PyTorch eager, native CPU (checks agreement, exports ONNX)"
/usr/bin/python3 scripts/bench/torch_peer.py "$BENCH_DIR" --runs "$RUNS" --warmup "$WARMUP"

echo "== in headless Chromium: shiftscope's bench page and onnxruntime-web"
trunk build --release
node web/e2e/bench_peers.mjs "$BENCH_DIR" --models "$BROWSER_MODELS" --runs "$RUNS" --warmup "$WARMUP" \
  --webgpu-models "$WEBGPU_MODELS" --webgpu-runs "$WEBGPU_RUNS" --full-batches "$FULL_BATCHES"
