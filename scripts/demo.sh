#!/usr/bin/env bash
# Sets up, builds and runs the shiftscope CLI on a sample image: the
# variant table, then a top-5 prediction.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shiftscope/target}"
cargo build --locked --bin shiftscope
bin="$CARGO_TARGET_DIR/debug/shiftscope"

"$bin" info

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
archive=../shared/datasets/cifar10-jpeg.tar.gz
if [ -f "$archive" ]; then
  tar -xzf "$archive" -C "$work" test/cat/0000.jpg test/ship/0000.jpg
  images=("$work/test/cat/0000.jpg" "$work/test/ship/0000.jpg")
else
  images=(tests/fixtures/sample.png)
fi

shipped=$(ls assets/*.bpk 2>/dev/null | head -n 1 || true)
if [ -n "$shipped" ]; then
  "$bin" predict --weights "$shipped" "${images[@]}"
else
  echo
  echo "No trained weights ship yet (assets/*.bpk): running the S²-MLPv2 parity"
  echo "fixture, whose weights are RANDOM, to show the pipeline end to end."
  echo "Its predictions mean nothing."
  "$bin" predict --model tests/fixtures/s2mlpv2/config.json \
    --weights tests/fixtures/s2mlpv2/weights.safetensors "${images[@]}"
fi
