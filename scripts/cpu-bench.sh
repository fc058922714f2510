#!/usr/bin/env bash
# Our training step on the CPU (`bench --backend flex`) beside a Keras peer of the same two
# networks (scripts/keras_peer.py: Keras 3 on TensorFlow's CPU kernels), on the same machine in
# the same run, printed as one table with the ratio ours / Keras.
#
# Each model × batch runs as its own process on both sides (every first step a cold one), the
# two sides alternating, and which of them goes first alternating too (ours then Keras, Keras then
# ours, …), so that a change of load during the run falls on both. Nothing is built here: the
# bench binary must exist (build it with
#   CARGO_TARGET_DIR=$HOME/.cache/resnet-webgpu-ci/target cargo build --release --bin bench
# ). Nothing here is needed by CI.
#
#   scripts/cpu-bench.sh [--model M]... [--batch B]... [--warmup N] [--steps N] [--bench PATH]
#       Runs both sides and prints the table; the logs stay in a work folder (printed at the end).
#   scripts/cpu-bench.sh --table DIR
#       Prints the table again from a run's work folder.
#   Exit status 1 when a row is missing or failed on either side (the table says which and why).
#
# Settings (environment; a flag wins over its variable; defaults in brackets):
#   BENCH_BIN            our bench binary [$HOME/.cache/resnet-webgpu-ci/target/release/bench]
#   KERAS_PYTHON         the Python with TensorFlow and Keras 3 [/tmp/kerasenv/bin/python, else
#                        python3]; make one with
#                        python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install tensorflow-cpu
#   CPU_BENCH_MODELS     [resnet20v1 resnet29v2]     CPU_BENCH_BATCHES   [32 128]
#   CPU_BENCH_WARMUP [3]  CPU_BENCH_STEPS [10]: untimed steps after the first, and timed steps
#                        (the median is reported), the same on both sides
#   CPU_BENCH_ARGS       more bench flags (e.g. "--conv backend --conv gemm": one row per route)
#   CPU_BENCH_PEER_ARGS  more keras_peer.py flags (e.g. "--intra 2 --inter 1", "--jit")
#   CPU_BENCH_TIMEOUT    [900] seconds one process may take
#   CPU_BENCH_WORK       the work folder [a new mktemp folder]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'cpu-bench: %s\n' "$*" >&2; }
die() {
  printf 'cpu-bench: error: %s\n' "$*" >&2
  exit 1
}

if [ -z "${KERAS_PYTHON:-}" ]; then
  if [ -x /tmp/kerasenv/bin/python ]; then KERAS_PYTHON=/tmp/kerasenv/bin/python; else KERAS_PYTHON=python3; fi
fi
# The table is drawn by plain Python; any will do.
RENDER_PYTHON=$(command -v python3 || echo "$KERAS_PYTHON")

run_all() {
  local started=$SECONDS
  local limit=${CPU_BENCH_TIMEOUT:-900}
  command -v timeout >/dev/null || die "coreutils' timeout is needed"
  "$BENCH_BIN" --help >/dev/null 2>"$WORK/bench-help.err" ||
    die "the bench binary $BENCH_BIN does not run here: $(head -c 400 "$WORK/bench-help.err")"
  command -v "$KERAS_PYTHON" >/dev/null || die "no $KERAS_PYTHON here (set KERAS_PYTHON to the Python that has TensorFlow and Keras 3)"
  # Counts first (a few seconds): a wrong network or a missing TensorFlow stops the run here.
  local args=() m b
  for m in "${models[@]}"; do args+=(--model "$m"); done
  "$KERAS_PYTHON" scripts/keras_peer.py --check "${args[@]}" >"$WORK/peer-check.out" 2>"$WORK/peer-check.err" ||
    die "the Keras peer refused to run: $(grep -v '^[IW]0000\|^WARNING: All log' "$WORK/peer-check.err" | tail -n 3 | tr '\n' ' ')"

  local dirty=""
  [ -z "$(git status --porcelain -- src shaders Cargo.toml Cargo.lock 2>/dev/null)" ] || dirty=" + uncommitted changes in src/"
  {
    echo "models=${models[*]}"
    echo "batches=${batches[*]}"
    echo "warmup=$warmup"
    echo "steps=$steps"
    echo "bench_args=${CPU_BENCH_ARGS:-}"
    echo "peer_args=${CPU_BENCH_PEER_ARGS:-}"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | xargs || uname -m)"
    echo "cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | grep -ow 'avx2\|avx512f\|fma' | sort -u | xargs || true)"
    echo "memory=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
    echo "kernel=$(uname -sr)"
    echo "binary=$BENCH_BIN, built $(date -u -r "$BENCH_BIN" '+%Y-%m-%d %H:%M UTC'), tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$dirty"
    echo "rustc=$(readelf -p .comment "$BENCH_BIN" 2>/dev/null | grep -o 'rustc version [^)]*)' | head -1 || true)"
    echo "burn=$(grep -A1 '^name = "burn"$' Cargo.lock 2>/dev/null | sed -n 's/^version = "\(.*\)"/\1/p' || true)"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
  } >"$WORK/settings"

  local bench_args=() peer_args=()
  read -r -a bench_args <<<"${CPU_BENCH_ARGS:-}"
  read -r -a peer_args <<<"${CPU_BENCH_PEER_ARGS:-}"
  local i=0 side rc t0 base
  for m in "${models[@]}"; do
    for b in "${batches[@]}"; do
      local order=(ours keras)
      [ $((i % 2)) = 0 ] || order=(keras ours)
      i=$((i + 1))
      for side in "${order[@]}"; do
        base=$WORK/$side-$m-$b
        t0=$SECONDS
        rc=0
        if [ "$side" = ours ]; then
          timeout -k 10 "$limit" "$BENCH_BIN" --backend flex --model "$m" --batch "$b" \
            --warmup "$warmup" --steps "$steps" "${bench_args[@]}" >"$base.out" 2>"$base.err" || rc=$?
          say "ours  $m batch $b: exit $rc after $((SECONDS - t0)) s"
        else
          PYTHONUNBUFFERED=1 timeout -k 10 "$limit" "$KERAS_PYTHON" scripts/keras_peer.py --model "$m" --batch "$b" \
            --warmup "$warmup" --steps "$steps" "${peer_args[@]}" >"$base.out" 2>"$base.err" || rc=$?
          say "Keras $m batch $b: exit $rc after $((SECONDS - t0)) s: $(grep -o 'img_s=[0-9.]*' "$base.out" | head -1 || true)"
        fi
        echo "$rc" >"$base.rc"
        echo "$limit" >"$base.limit"
      done
    done
  done
  echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)" >>"$WORK/settings"
  echo "$((SECONDS - started))" >"$WORK/elapsed"
}

# The table, from the logs in $1.
render() {
  "$RENDER_PYTHON" - "$1" <<'PY'
import os
import re
import sys

work = sys.argv[1]


def read(name, default=""):
    try:
        with open(os.path.join(work, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


settings = {}
for line in read("settings").splitlines():
    key, _, value = line.partition("=")
    settings.setdefault(key, value)
get = lambda key, default="?": settings.get(key) or default
models, batches = get("models", "").split(), get("batches", "").split()
warnings = []


def cell(text):
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_bench(text):
    """bench's rows as dicts keyed by its own column names."""
    rows, header = [], None
    for line in text.splitlines():
        if line.startswith("| backend |"):
            header = cells(line)
        elif header and line.startswith("|") and not line.startswith("|---"):
            values = cells(line)
            rows.append(dict(zip(header, values + [""] * (len(header) - len(values)))))
    return rows


def column(row, name):
    """The value under `name`, or under the first header that starts with it
    (`step (s, median of 10)`)."""
    if name in row:
        return row[name]
    return next((v for k, v in row.items() if k.startswith(name)), "")


def failure(side, m, b):
    rc = read(f"{side}-{m}-{b}.rc", "").strip()
    if not rc:
        return "not run"
    if rc in ("124", "137"):
        return f"timed out after {read(f'{side}-{m}-{b}.limit', '?').strip()} s"
    if rc == "0":
        return "no result row in its output"
    err = [l for l in read(f"{side}-{m}-{b}.err").splitlines()
           if l.strip() and not re.match(r"^(I0000|W0000|WARNING: All log messages)", l)]
    return f"failed (exit {rc})" + (f": {err[-1][:160]}" if err else "")


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


ours, keras, peer_info = {}, {}, {}
for m in models:
    for b in batches:
        rows = [r for r in parse_bench(read(f"ours-{m}-{b}.out")) if r.get("model") == m and r.get("batch") == b]
        for r in rows:
            images = column(r, "images/s")
            if number(images) is None:
                ours.setdefault((m, b), []).append({"status": images or "no images/s", "conv": r.get("conv", "")})
            else:
                ours.setdefault((m, b), []).append({
                    "img_s": images,
                    "first": column(r, "first step"),
                    "rss": column(r, "peak RSS"),
                    "conv": r.get("conv", ""),
                })
        if not rows:
            ours[(m, b)] = [{"status": failure("ours", m, b)}]
        for line in read(f"keras-{m}-{b}.out").splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "RESULT":
                fields = dict(f.split("=", 1) for f in rest.split() if "=" in f)
                if fields.get("model") == m and fields.get("batch") == b:
                    keras[(m, b)] = fields
            elif kind == "FAILED":
                keras[(m, b)] = {"status": "failed: " + rest.split("error=", 1)[-1][:160]}
            elif kind == "INFO":
                topic, _, text = rest.partition(": ")
                if text not in peer_info.setdefault(topic, []):
                    peer_info[topic].append(text)
        if (m, b) not in keras:
            keras[(m, b)] = {"status": failure("keras", m, b)}

print("| model | batch | conv (ours) | ours img/s | Keras img/s | ours / Keras | first step (s): ours · Keras | peak RSS (MiB): ours · Keras |")
print("|---|---:|---|---:|---:|---:|---:|---:|")
complete = True
for m in models:
    for b in batches:
        k = keras[(m, b)]
        for o in ours[(m, b)]:
            conv = cell(o.get("conv") or "—")
            if "status" in o:
                complete = False
                mine, first, rss = cell(o["status"]), "—", "—"
            else:
                mine, first, rss = o["img_s"], o["first"] or "—", o["rss"] or "—"
            if "status" in k:
                complete = False
                theirs, ratio = cell(k["status"]), "—"
                first += " · —"
                rss += " · —"
            else:
                theirs = k.get("img_s", "?")
                first += f" · {float(k['first_s']):.2f}" if number(k.get("first_s")) is not None else " · —"
                rss += f" · {k.get('rss_mib', '—')}"
                mine_n, theirs_n = number(o.get("img_s")), number(theirs)
                ratio = f"{mine_n / theirs_n:.2f}×" if mine_n and theirs_n else "—"
            print(f"| {m} | {b} | {conv} | {mine} | {theirs} | {ratio} | {first} | {rss} |")

print()
print(f"- machine: {get('nproc')} cores ({get('cpu')}; {get('cpu_flags', 'no AVX2/AVX-512 flags')}), {get('memory')}, {get('kernel')}")
elapsed = read("elapsed").strip()
print(f"- run: {get('date')}" + (f", {elapsed} s in all" if elapsed else "")
      + f"; load average (1, 5, 15 min) {get('load_start')} before it, {get('load_end')} after it")
print(f"- order: each model × batch its own process on both sides, ours and Keras alternating"
      f" (ours first, then Keras first, …); warm-up {get('warmup')}, median of {get('steps')} timed steps on both")
print(f"- ours: bench --backend flex {get('bench_args', '')}".rstrip() + f"; burn {get('burn')}, {get('rustc', 'rustc ?')}; one fixed random batch")
print(f"- binary: {get('binary')}")
for topic in ("versions", "threads", "step"):
    for text in peer_info.get(topic, []):
        print(f"- Keras {topic}: {text}")
if get("peer_args", ""):
    print(f"- Keras flags: {get('peer_args')}")
for text in peer_info.get("params", []):
    print(f"- parameters: {text}")
start_load = number(get("load_start", "").split(" ")[0])
if start_load is not None and start_load >= 0.5:
    warnings.append(f"the machine was not idle when the run began (1-min load {start_load:.2f} on {get('nproc')} cores):"
                    " other work may have shared the CPU with both sides")
for w in warnings:
    print(f"- **WARNING: {w}**")
sys.exit(0 if complete else 1)
PY
}

models=() batches=() warmup="" steps="" BENCH_PATH="" table=""
value() { # the value of flag $1, or an error
  if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 takes a value (see scripts/cpu-bench.sh --help)"; fi
  printf '%s' "$2"
}
while [ $# -gt 0 ]; do
  case $1 in
    --model) models+=("$(value "$@")") ;;
    --batch) batches+=("$(value "$@")") ;;
    --warmup) warmup=$(value "$@") ;;
    --steps) steps=$(value "$@") ;;
    --bench) BENCH_PATH=$(value "$@") ;;
    --table) table=$(value "$@") ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$1' (see scripts/cpu-bench.sh --help)" ;;
  esac
  shift 2
done

if [ -n "$table" ]; then
  [ -d "$table" ] || die "--table takes the folder of a run's logs, not '$table'"
  render "$table"
  exit
fi

[ ${#models[@]} -gt 0 ] || read -r -a models <<<"${CPU_BENCH_MODELS:-resnet20v1 resnet29v2}"
[ ${#batches[@]} -gt 0 ] || read -r -a batches <<<"${CPU_BENCH_BATCHES:-32 128}"
warmup=${warmup:-${CPU_BENCH_WARMUP:-3}}
steps=${steps:-${CPU_BENCH_STEPS:-10}}
for n in "$warmup" "$steps" "${batches[@]}"; do
  [[ $n =~ ^[0-9]+$ ]] || die "'$n' is not a whole number"
done
BENCH_BIN=${BENCH_PATH:-${BENCH_BIN:-$HOME/.cache/resnet-webgpu-ci/target/release/bench}}
[ -f "$BENCH_BIN" ] || die "no bench binary at $BENCH_BIN: build it with
  CARGO_TARGET_DIR=\$HOME/.cache/resnet-webgpu-ci/target cargo build --release --bin bench
or point BENCH_BIN (or --bench) at one"
[ -x "$BENCH_BIN" ] || die "$BENCH_BIN is not executable"

WORK=${CPU_BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/cpu-bench.XXXXXX")}
mkdir -p "$WORK"
say "${models[*]} × batch ${batches[*]}, warm-up $warmup, $steps timed steps; logs in $WORK"
run_all
status=0
render "$WORK" >"$WORK/table.md" || status=$?
printf '\n' && cat "$WORK/table.md"
say "logs in $WORK (scripts/cpu-bench.sh --table $WORK prints the table again)"
exit "$status"
