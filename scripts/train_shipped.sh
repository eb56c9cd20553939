#!/usr/bin/env bash
# Starts — or resumes, when training/<name>/ holds a checkpoint — the long
# runs whose weights ship in assets/, in the background, one process per
# run on one thread each (two one-thread runs use a 2-core machine better
# than one two-thread run: bench_step.py). Each run checkpoints about every
# 10 minutes into training/<name>/checkpoint.pt.xz and pauses before
# STOP_AT (HH:MM; give the time your session must be quiet by), so the
# folder can be committed and the next session, on any machine, resumes it.
#
#   bash scripts/train_shipped.sh [name…]          # default: the runs below
#   STOP_AT=23:20 bash scripts/train_shipped.sh
#
# Logs: training/<name>/log. When a run has finished (model.safetensors):
#   shiftscope card --run training/<name> ../shared/datasets/cifar10-jpeg.tar.gz
# then delete its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/datasets/cifar10-jpeg.tar.gz}
STOP_AT=${STOP_AT:?give STOP_AT=HH:MM, when the runs must have paused}
PYTHON=$(bash scripts/train/setup.sh | cut -d: -f1)

# name → family, changed config fields (JSON), epochs. The configurations
# and budgets come from the sweep (assets/README.md, "Choosing the
# configurations"); epochs ≈ 4 hours of the 2-core machine each.
declare -A FAMILY=([s2mlpv2_compact]=s2mlpv2 [asmlp_compact]=asmlp [mixer_compact]=mixer)
declare -A CHANGES=([s2mlpv2_compact]="" [asmlp_compact]="" [mixer_compact]="depth=8")
declare -A EPOCHS=([s2mlpv2_compact]=160 [asmlp_compact]=230 [mixer_compact]=100)
RECIPE=(--batch-size 512 --lr 2e-3 --final-lr 0 --schedule linear --warmup-epochs 5 --weight-decay 0.05
  --label-smoothing 0.1 --crop-padding 4 --trivial-augment --erase 0.25 --ema-decay 0.999
  --holdout-per-class 500 --seed 0)

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(s2mlpv2_compact asmlp_compact)
for name in "${names[@]}"; do
  family=${FAMILY[$name]:?unknown run $name}
  run=training/$name
  common=(--threads 1 --stop-at "$STOP_AT" --cache-dir runs/cache)
  if [ -f "$run/model.safetensors" ]; then
    echo "$name: finished; ship it with shiftscope card --run $run $DATA"
    continue
  elif [ -f "$run/checkpoint.pt.xz" ]; then
    echo "$name: resuming"
    args=(resume "$run" --data "$DATA" "${common[@]}")
  else
    echo "$name: starting (${EPOCHS[$name]} epochs)"
    mkdir -p "$run"
    # shellcheck disable=SC2086
    "$PYTHON" scripts/train/configs.py "$family" ${CHANGES[$name]} > "$run/config.json"
    args=(train --config "$run/config.json" --variant "$name" --data "$DATA" --out "$run"
      --epochs "${EPOCHS[$name]}" --checkpoint-minutes 10 "${RECIPE[@]}" "${common[@]}")
  fi
  nohup "$PYTHON" scripts/train/train.py "${args[@]}" >> "$run/log" 2>&1 &
done
