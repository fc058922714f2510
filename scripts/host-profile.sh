#!/usr/bin/env bash
# Where the host's time goes in a training step on wgpu's noop adapter (`bench --backend noop`:
# every host step of a training step and no GPU work), per thread, from `perf` samples:
#
#   scripts/host-profile.sh [MODEL] [BATCH]        (defaults: resnet20v1 32)
#
# Runs bench twice under `perf record` (SHORT and LONG timed steps, defaults 10 and 110) and
# divides the difference by LONG − SHORT, so that start-up and kernel compilation cancel out.
# Each thread's samples are split into
#   spin: cubecl's device channels waiting in a busy loop (the enqueue loop of a client whose
#         32-task buffer is full, the server loop waiting for one to fill: a `pause`, then a
#         compare with 31, the buffer's last index), found by disassembling the sampled
#         functions;
#   kernel: the operating system (scheduling, page faults, system calls);
#   work: everything else.
# Threads: `bench` is the caller (burn, autodiff, and the launches; with the `fusion` feature the
# fusion client), DSU-… cubecl's upstream device thread (only with `fusion`: burn-fusion's server,
# fusing and our kernels' launches), DSD-… its downstream thread (the wgpu server: memory, bind
# groups, encoding). In the page all of it runs on one thread and nothing spins.
#
# Needs perf (linux-perf) and objdump; BENCH=path picks the binary [target's release/bench];
# BENCH_ARGS adds flags to its command line (e.g. BENCH_ARGS="--adam ops").
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-resnet20v1}
batch=${2:-32}
short=${SHORT:-10}
long=${LONG:-110}
target=${CARGO_TARGET_DIR:-target}
bench=${BENCH:-$target/release/bench}
[ -x "$bench" ] || { echo "host-profile: no bench at $bench (cargo build --release --bin bench)" >&2; exit 1; }
command -v perf >/dev/null || { echo "host-profile: perf is needed (apt install linux-perf)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for steps in "$short" "$long"; do
  perf record -q -F 999 -o "$work/perf-$steps.data" -- \
    "$bench" --backend noop --model "$model" --batch "$batch" --warmup 3 --steps "$steps" ${BENCH_ARGS:-} \
    >"$work/bench-$steps.txt" 2>"$work/perf-$steps.err" ||
    { cat "$work/perf-$steps.err" "$work/bench-$steps.txt" >&2; exit 1; }
done
python3 - "$work" "$bench" "$short" "$long" "$model" "$batch" <<'PY'
import collections, os, re, subprocess, sys

work, binary, short, long, model, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]

# Symbols' addresses and sizes (perf script names each sample's symbol, mangled, and its offset).
symbols = {}
for line in subprocess.run(["nm", "-S", binary], capture_output=True, text=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 4:
        symbols[parts[3]] = (int(parts[0], 16), int(parts[1], 16))

loops = {}


def spins(place):
    """Whether the instruction at (symbol, offset) is in one of cubecl's channel spin loops: the
    64 bytes from a `pause` on, where they also compare with 31 (the task buffer's last index)."""
    sym, offset = place
    if sym not in symbols:
        return False
    if sym not in loops:
        start, size = symbols[sym]
        text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={start}", f"--stop-address={start + size}", binary],
                              capture_output=True, text=True).stdout
        ins = []
        for l in text.splitlines():
            m = re.match(r"^\s+([0-9a-f]+):\t(.*)$", l)
            if m:
                ins.append((int(m.group(1), 16) - start, m.group(2).strip()))
        ranges = []
        for k, (at, op) in enumerate(ins):
            if op.startswith("pause"):
                window = [o for a, o in ins[k:k + 16] if a < at + 64]
                if any("$0x1f" in o for o in window):
                    ranges.append((at, at + 64))
        loops[sym] = ranges
    return any(lo <= offset < hi for lo, hi in loops[sym])


def samples_of(steps):
    out = subprocess.run(["perf", "script", "-i", f"{work}/perf-{steps}.data", "-F", "comm,ip,sym,symoff,dso", "--no-demangle"],
                         capture_output=True, text=True).stdout
    samples = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+[0-9a-f]+\s+(\S+?)(?:\+0x([0-9a-f]+))?\s+\((.*)\)\s*$", line)
        if m:
            comm, sym, off, dso = m.groups()
            samples[(comm, (sym, int(off or "0", 16)), dso.strip())] += 1
    return samples


def split(samples, checked):
    """Samples by thread and kind; only the functions in `checked` are looked at for spin loops."""
    by = collections.defaultdict(lambda: collections.Counter())
    for (comm, place, dso), n in samples.items():
        sym = place[0]
        # Threads by kind: the numbers in cubecl's thread names are device ids.
        thread = re.sub(r"-\d+-\d+$", "", comm)
        if binary.endswith("/" + comm) or os.path.basename(binary).startswith(comm):
            thread = "caller"  # the main thread carries the binary's name (cut to 15 bytes)
        if "kernel" in dso or dso == "[unknown]":
            kind = "kernel"
        elif os.path.basename(dso) == os.path.basename(binary) and sym in checked and spins(place):
            kind = "spin"
        else:
            kind = "work"
        by[thread][kind] += n
    return by


short_samples, long_samples = samples_of(short), samples_of(long)
# The functions sampled 10 times or more in the long run are disassembled, and the same ones
# in both runs, so that a function counts as the same kind on both sides of the difference
# (the others' few samples are work).
per_symbol = collections.Counter()
for (comm, place, dso), n in long_samples.items():
    per_symbol[place[0]] += n
checked = {sym for sym, n in per_symbol.items() if n >= 10}
a, b = split(short_samples, checked), split(long_samples, checked)
def step_s(text):
    row = [l for l in text.splitlines() if l.startswith("| wgpu (noop")]
    return float(row[0].split("|")[6]) if row else float("nan")
wall = step_s(open(f"{work}/bench-{long}.txt").read())
per = lambda t, k: (b[t][k] - a[t][k]) / 999.0 / (long - short) * 1000.0
print(f"Host time per step, {model} batch {batch}, bench --backend noop (median step {1000 * wall:.0f} ms), "
      f"perf samples at 999 Hz, ({long} − {short} steps):\n")
print("| thread | CPU, ms per step | spin | kernel | work |")
print("|---|---:|---:|---:|---:|")
names = {"caller": "caller (burn, autodiff, launches; the fusion client with fusion)", "DSU": "DSU (burn-fusion server, our launches)", "DSD": "DSD (wgpu server)"}
total = collections.Counter()
for t in sorted(set(a) | set(b)):
    cpu = sum(per(t, k) for k in ("spin", "kernel", "work"))
    for k in ("spin", "kernel", "work"):
        total[k] += per(t, k)
    print(f"| {names.get(t, t)} | {cpu:.1f} | {per(t, 'spin'):.1f} | {per(t, 'kernel'):.1f} | {per(t, 'work'):.1f} |")
print(f"| **all** | {sum(total.values()):.1f} | {total['spin']:.1f} | {total['kernel']:.1f} | **{total['work']:.1f}** |")
PY
