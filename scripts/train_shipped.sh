#!/usr/bin/env bash
# Trains — or resumes, when runs/<name> already holds the run — the models
# that ship in assets/, in the background, one process per model with one
# rayon thread each (flex's element-wise kernels are single-threaded, so
# side-by-side runs use a 2-core machine best). Their scheduling group gets
# a low priority so builds and tests stay responsive. Logs: runs/<name>.log.
#
#   bash scripts/train_shipped.sh [run…]      # default: the shipped models' runs
#
# When a run has finished: shiftscope card --run runs/<name> "$DATA"
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets/cifar10-jpeg.tar.gz}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/shiftscope/target}
cargo build --locked --quiet
BIN="$CARGO_TARGET_DIR/debug/shiftscope"

# name, then its training options (also recorded on its model card). The
# CPU budget here does not reach the end of a 20-epoch cosine schedule, so
# each shipped model is a short learning-rate decay (*-decay) branched off
# an early checkpoint of its long run (warm-up-stable-decay): the long run
# stops at that checkpoint, the branch anneals to the final learning rate.
declare -A OPTIONS=(
  [s2mlpv2_compact]="--epochs 20 --stop-after 3"
  [asmlp_compact]="--epochs 20 --stop-after 3"
  [mixer_compact]="--epochs 15 --stop-after 2"
  [s2mlpv2_compact-decay]="--model s2mlpv2_compact --init-from runs/s2mlpv2_compact --init-epoch 3 --epochs 3 --warmup-epochs 0"
  [asmlp_compact-decay]="--model asmlp_compact --init-from runs/asmlp_compact --init-epoch 3 --epochs 3 --warmup-epochs 0"
  [mixer_compact-decay]="--model mixer_compact --init-from runs/mixer_compact --init-epoch 2 --epochs 3 --warmup-epochs 0"
  [ablation-s2mlpv2_compact]="--model s2mlpv2_compact --epochs 10 --warmup-epochs 1 --limit-per-class 1000"
  [ablation-s2mlpv2_compact_sum]="--model s2mlpv2_compact_sum --epochs 10 --warmup-epochs 1 --limit-per-class 1000"
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(s2mlpv2_compact asmlp_compact mixer_compact
  s2mlpv2_compact-decay asmlp_compact-decay mixer_compact-decay)
mkdir -p runs
for name in "${names[@]}"; do
  options=${OPTIONS[$name]:?unknown run $name}
  [[ $options == --model* ]] || options="--model $name $options"
  if [ -f "runs/$name/model.bpk" ]; then echo "$name: finished"; continue; fi
  if [[ $options =~ --stop-after\ ([0-9]+) ]] && [ -f "runs/$name/checkpoint/model-${BASH_REMATCH[1]}.bpk" ]; then
    echo "$name: paused after epoch ${BASH_REMATCH[1]}, as planned"
    continue
  fi
  if [[ $options =~ --init-from\ ([^ ]+)\ --init-epoch\ ([0-9]+) ]] &&
     [ ! -f "${BASH_REMATCH[1]}/checkpoint/model-${BASH_REMATCH[2]}.bpk" ]; then
    echo "$name: waiting for ${BASH_REMATCH[1]} to reach epoch ${BASH_REMATCH[2]} (train it first)"
    continue
  fi
  # shellcheck disable=SC2086
  RAYON_NUM_THREADS=1 setsid nohup "$BIN" train $options --out "runs/$name" "$DATA" \
    >> "runs/$name.log" 2>&1 < /dev/null &
  pid=$!
  # setsid gives the run its own scheduling group; lower that group's
  # priority once it exists (before, the write would hit this shell's).
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ "$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && break
    sleep 0.2
  done
  echo 15 > "/proc/$pid/autogroup" 2>/dev/null || true
  echo "$name: training in the background (pid $pid, log runs/$name.log)"
done
