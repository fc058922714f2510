#!/usr/bin/env bash
# Where a CPU training step's time goes, natively: samples `bench --backend flex` with perf
# (DWARF call stacks) and prints the share of each kind of work (scripts/perf_ops.py).
#
#   scripts/cpu-profile.sh [model] [batch] [threads]     e.g. scripts/cpu-profile.sh resnet20v1 128 1
#
# `threads` sets RAYON_NUM_THREADS (1: like the page, which runs on one thread). Needs `perf`
# (Debian: linux-perf) and a built `bench` ($CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-resnet20v1} batch=${2:-128} threads=${3:-1}
bench="${CARGO_TARGET_DIR:-target}/release/bench"
[ -x "$bench" ] || cargo build --release --bin bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
RAYON_NUM_THREADS=$threads perf record -q -F 249 --call-graph dwarf,65528 -o "$out/perf.data" -- \
  "$bench" --backend flex --model "$model" --batch "$batch" --warmup 1 --steps 3
echo
echo "perf, $model, batch $batch, RAYON_NUM_THREADS=$threads:"
perf script -i "$out/perf.data" 2>/dev/null | python3 scripts/perf_ops.py
