#!/usr/bin/env bash
# Our training step on a real GPU (`bench --backend wgpu`, through Vulkan) beside a PyTorch peer of
# the same two networks (scripts/torch_peer.py, eager fp32), in one run, printed as one table.
#
# Written for the session tool `device` (an NVIDIA H200 machine: bare, offline, PyTorch
# installed, no Vulkan loader, 2,000 characters of command line). Nothing here is needed by CI.
#
#   scripts/gpu-bench.sh --prepare [--no-build]
#       On the build machine. Builds `bench` (release, in $CARGO_TARGET_DIR, by default
#       ~/.cache/resnet-webgpu-ci/target as .ci/run uses), strips it and packs it as
#       target/gpu-bench/bench.xz (stripped it is ~60 MiB, over what a device call carries with
#       the tree; packed ~10 MiB), and the same for the build with burn-fusion
#       (bench-fusion.xz, ~11 MiB); downloads the Vulkan loader's Debian packages (the device
#       README's list) into target/gpu-bench/gl/. `--no-build` packs the benches already built
#       (release/bench and release/bench-fusion; without the latter, no rows with fusion).
#   scripts/gpu-bench.sh [--bench PATH]
#       On the GPU machine, e.g. through the device tool:
#         run  command: bash scripts/gpu-bench.sh   carry: ["target/gpu-bench"]   timeout_s: 540
#       Unpacks the Vulkan loader into / where the machine has none (root), points the loader at
#       NVIDIA's driver, checks what Vulkan sees, runs the peer, then `bench` once per model ×
#       batch (its own process each, so every first step is a cold one, with its own time limit),
#       then a kernel profile, a row with fusion and the host floors, and prints the table.
#       It stops itself within $GPU_BENCH_BUDGET seconds (450 by default).
#       With $OUT set (the device tool sets it) the table and all logs are written there too.
#   scripts/gpu-bench.sh --vulkan
#       Only the Vulkan part (loader, driver, what it sees): a few seconds, for a first check.
#   scripts/gpu-bench.sh --table DIR
#       Prints the table again from a run's logs (DIR: the run's work folder, or a folder made
#       from $OUT/gpu-bench-logs.txt's parts; also how the table code is tested without a GPU).
#
# Settings (environment; defaults in brackets):
#   GPU_BENCH_BIN      the bench binary [target/gpu-bench/bench, else target/gpu-bench/bench.xz]
#   GPU_BENCH_GL       a folder of Vulkan loader .deb files [target/gpu-bench/gl, else .gl]
#   GPU_BENCH_MODELS   [resnet20v1 resnet29v2]          GPU_BENCH_BATCHES   [32 128 512]
#   GPU_BENCH_BACKEND  [wgpu] (flex runs ours on the CPU: only to try the script on a machine
#                      without a GPU)
#   GPU_BENCH_WARMUP [3]  GPU_BENCH_STEPS [10]  GPU_BENCH_PEAK_N [4096]: bench's --warmup,
#                      --steps, --peak-n (the matmul peak's matrix side)
#   GPU_BENCH_ARGS     bench flags (default "--conv backend --conv wgsl --conv gemm": one row per route)
#   GPU_BENCH_PEER_DEVICE [auto]  GPU_BENCH_PEER_WARMUP [5]  GPU_BENCH_PEER_STEPS [20]
#   GPU_BENCH_PEER_ARGS more torch_peer.py flags (--tf32, --cudnn-benchmark)
#   GPU_BENCH_PEER_TIMEOUT [150]  seconds the peer may take in all
#   GPU_BENCH_BUDGET   [450] seconds for the whole run; what the peer leaves is shared among the
#                      bench runs, the time one leaves unused going to the next ones
#   GPU_BENCH_PROFILE  [resnet20v1 128] model and batch of the closing kernel profile (bench
#                      --conv wgsl --kernels: the top kernels by device time on the GPU, under
#                      the table); "" for none
#   GPU_BENCH_PROFILE_TIME [60] seconds of the budget kept for it
#   GPU_BENCH_HOST     [resnet20v1 128] model and batch of the closing host-only run (bench
#                      --backend noop: the same step on wgpu's noop adapter, which runs no
#                      kernel, so its step time is this machine's host floor; under the table);
#                      "" for none. 30 s of the budget are kept for it. Where --prepare also
#                      packed the build with burn-fusion (bench-fusion), its floor too
#   GPU_BENCH_FUSION [resnet20v1 128] model and batch of one more table row from the build
#                      with burn-fusion (bench --backend wgpu --conv wgsl), under the table:
#                      fusion on or off on a real GPU; "" for none; 45 s of the budget kept
#   GPU_BENCH_FUSION_BIN  that build [target/gpu-bench/bench-fusion, else its .xz]
#   GPU_BENCH_PYTHON   [python3]  the Python that has PyTorch
#   GPU_BENCH_ALLOW_SOFTWARE [0]  1: accept a CPU Vulkan device (lavapipe), for trying it here
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'gpu-bench: %s\n' "$*" >&2; }
die() {
  printf 'gpu-bench: error: %s\n' "$*" >&2
  exit 1
}

PYTHON=${GPU_BENCH_PYTHON:-python3}
LOADER_DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)

prepare() {
  local build=1
  case "${1:-}" in
    --no-build) build=0 ;;
    "") ;;
    *) die "--prepare takes only --no-build, not '$1'" ;;
  esac
  local target=${CARGO_TARGET_DIR:-$HOME/.cache/resnet-webgpu-ci/target}
  local dest=target/gpu-bench
  if [ "$build" = 1 ]; then
    # The build with burn-fusion first (kept as release/bench-fusion), then the default one,
    # so that release/bench is the default build afterwards.
    say "building bench with fusion: CARGO_TARGET_DIR=$target cargo build --release --bin bench --features fusion"
    CARGO_TARGET_DIR=$target cargo build --release --bin bench --features fusion ||
      die "cargo build (with fusion) failed"
    cp "$target/release/bench" "$target/release/bench-fusion"
    say "building bench: CARGO_TARGET_DIR=$target cargo build --release --bin bench"
    CARGO_TARGET_DIR=$target cargo build --release --bin bench || die "cargo build failed"
  fi
  [ -x "$target/release/bench" ] || die "no bench binary at $target/release/bench: build it (drop --no-build) or set CARGO_TARGET_DIR"
  command -v strip >/dev/null || die "strip (binutils) is needed"
  command -v xz >/dev/null || die "xz is needed"
  mkdir -p "$dest/gl"
  local dirty=""
  [ -z "$(git status --porcelain -- src shaders Cargo.toml Cargo.lock 2>/dev/null)" ] || dirty=" + uncommitted changes in src/"
  : >"$dest/bench.info"
  local name built
  for name in bench bench-fusion; do
    built=$target/release/$name
    rm -f "$dest/$name" "$dest/$name.xz" "$dest/$name.stripped" "$dest/$name.xz.part"
    if [ ! -x "$built" ]; then
      say "no $built: the run will have no rows with fusion"
      continue
    fi
    strip -o "$dest/$name.stripped" "$built" || die "strip $built failed"
    say "packing $(du -m "$dest/$name.stripped" | cut -f1) MiB of stripped $name with xz (about half a minute)"
    nice -n 10 xz -T1 -6 -c "$dest/$name.stripped" >"$dest/$name.xz.part" || die "xz failed"
    mv "$dest/$name.xz.part" "$dest/$name.xz"
    {
      echo "$name built $(date -u -r "$built" '+%Y-%m-%d %H:%M UTC') from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$dirty"
      echo "$name stripped $(stat -c %s "$dest/$name.stripped") bytes, sha256 $(sha256sum "$dest/$name.stripped" | cut -c1-16)…"
    } >>"$dest/bench.info"
    rm -f "$dest/$name.stripped"
  done

  local missing=() pkg
  for pkg in "${LOADER_DEBS[@]}"; do
    compgen -G "$dest/gl/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "downloading the Vulkan loader's packages (amd64): ${missing[*]}"
    mkdir -p /tmp/amd64/partial
    local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
    apt-get "${o[@]}" update -qq || die "apt-get update failed"
    (cd "$dest/gl" && apt-get "${o[@]}" -oAPT::Sandbox::User=root download "${missing[@]}") || die "apt-get download failed"
  fi
  local mib
  mib=$(du -sm "$dest" | cut -f1)
  cat "$dest/bench.info" >&2
  say "ready: $dest holds $mib MiB (a device call carries 64 MiB with the tree)"
  [ "$mib" -lt 56 ] || say "warning: $dest is large; the tree and it may not fit in one call"
  say 'on the GPU machine: run  command "bash scripts/gpu-bench.sh"  carry ["target/gpu-bench"]  timeout_s 540'
}

# The Vulkan devices the loader sees, one line each; status 0 when one of them is not a CPU.
vulkan_probe() {
  "$PYTHON" - <<'PY'
import ctypes as C
import struct
import sys

try:
    vk = C.CDLL("libvulkan.so.1")
except OSError as e:
    print(f"no Vulkan loader (libvulkan.so.1): {e}")
    sys.exit(3)


class AppInfo(C.Structure):
    _fields_ = [("sType", C.c_int), ("pNext", C.c_void_p), ("pApplicationName", C.c_char_p),
                ("applicationVersion", C.c_uint32), ("pEngineName", C.c_char_p),
                ("engineVersion", C.c_uint32), ("apiVersion", C.c_uint32)]


class InstanceInfo(C.Structure):
    _fields_ = [("sType", C.c_int), ("pNext", C.c_void_p), ("flags", C.c_uint32),
                ("pApplicationInfo", C.POINTER(AppInfo)), ("enabledLayerCount", C.c_uint32),
                ("ppEnabledLayerNames", C.c_void_p), ("enabledExtensionCount", C.c_uint32),
                ("ppEnabledExtensionNames", C.c_void_p)]


app = AppInfo(0, None, b"gpu-bench", 1, b"none", 1, (1 << 22) | (1 << 12))  # Vulkan 1.1
info = InstanceInfo(1, None, 0, C.pointer(app), 0, None, 0, None)
instance = C.c_void_p()
vk.vkCreateInstance.argtypes = [C.POINTER(InstanceInfo), C.c_void_p, C.POINTER(C.c_void_p)]
result = vk.vkCreateInstance(C.byref(info), None, C.byref(instance))
if result != 0:
    why = " = VK_ERROR_INCOMPATIBLE_DRIVER: the loader found no driver (ICD)" if result == -9 else ""
    print(f"vkCreateInstance failed ({result}{why})")
    sys.exit(4)
vk.vkEnumeratePhysicalDevices.argtypes = [C.c_void_p, C.POINTER(C.c_uint32), C.c_void_p]
vk.vkGetPhysicalDeviceProperties.argtypes = [C.c_void_p, C.c_void_p]
vk.vkDestroyInstance.argtypes = [C.c_void_p, C.c_void_p]
count = C.c_uint32()
vk.vkEnumeratePhysicalDevices(instance, C.byref(count), None)
devices = (C.c_void_p * max(count.value, 1))()
vk.vkEnumeratePhysicalDevices(instance, C.byref(count), devices)
kinds = {0: "other", 1: "integrated GPU", 2: "discrete GPU", 3: "virtual GPU", 4: "CPU"}
hardware = False
for device in devices[: count.value]:
    props = C.create_string_buffer(4096)  # VkPhysicalDeviceProperties is smaller
    vk.vkGetPhysicalDeviceProperties(device, props)
    api, driver, vendor, _, kind = struct.unpack_from("<5I", props.raw, 0)
    name = props.raw[20:276].split(b"\0")[0].decode(errors="replace")
    if vendor == 0x10DE:  # NVIDIA packs its driver version its own way
        driver_text = f"{driver >> 22}.{(driver >> 14) & 0xFF}.{(driver >> 6) & 0xFF:02d}"
    else:
        driver_text = f"{(driver >> 22) & 0x7F}.{(driver >> 12) & 0x3FF}.{driver & 0xFFF}"
    api_text = f"{(api >> 22) & 0x7F}.{(api >> 12) & 0x3FF}.{api & 0xFFF}"
    print(f"{name} ({kinds.get(kind, kind)}, Vulkan {api_text}, driver {driver_text}, vendor 0x{vendor:04x})")
    hardware |= kind != 4
vk.vkDestroyInstance(instance, None)
if count.value == 0:
    print("the loader found a driver but no device")
sys.exit(0 if hardware else 5)
PY
}

vulkan_setup() {
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} # wgpu warns without it
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    local dir=${GPU_BENCH_GL:-target/gpu-bench/gl}
    [ -d "$dir" ] || dir=.gl
    local debs=()
    [ -d "$dir" ] && mapfile -t debs < <(compgen -G "$dir/*.deb")
    [ ${#debs[@]} -gt 0 ] ||
      die "this machine has no Vulkan loader (libvulkan.so.1) and no .deb to bring one (looked in ${GPU_BENCH_GL:-target/gpu-bench/gl} and .gl): run 'scripts/gpu-bench.sh --prepare' on the build machine and carry target/gpu-bench"
    [ "$(id -u)" = 0 ] || die "the Vulkan loader must be unpacked into / and that needs root"
    command -v dpkg >/dev/null || die "dpkg is needed to unpack the Vulkan loader's packages"
    say "no Vulkan loader here: unpacking ${#debs[@]} packages from $dir into /"
    local f
    for f in "${debs[@]}"; do dpkg -x "$f" / || die "dpkg -x $f failed"; done
    ldconfig
    ldconfig -p | grep -q 'libvulkan\.so\.1' || die "libvulkan.so.1 still not found after unpacking $dir"
  fi
  # Point the loader at NVIDIA's driver when it is there (the device machine mounts it under
  # /usr/local/nvidia, where the loader does not look), so nothing else can be picked.
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    local icd
    for icd in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json; do
      if [ -f "$icd" ]; then
        export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
        break
      fi
    done
  fi
  local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$egl" ]; then
    export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  fi
  local status=0
  vulkan_probe >"$WORK/vulkan.txt" 2>"$WORK/vulkan.err" || status=$?
  sed 's/^/gpu-bench: Vulkan sees: /' "$WORK/vulkan.txt" >&2
  case $status in
    0) ;;
    5)
      [ "${GPU_BENCH_ALLOW_SOFTWARE:-0}" = 1 ] ||
        die "Vulkan sees only a CPU device, not the GPU (driver files: ${VK_DRIVER_FILES:-none set, loader defaults}); rerun with VK_LOADER_DEBUG=error,warn to see why NVIDIA's driver was not loaded"
      ;;
    *) die "Vulkan is not usable here: $(tr '\n' ' ' <"$WORK/vulkan.txt")$(head -c 400 "$WORK/vulkan.err") (driver files: ${VK_DRIVER_FILES:-none set, loader defaults}; VK_LOADER_DEBUG=error,warn tells more)" ;;
  esac
}

# Sets RUNNABLE to a runnable copy of the bench binary $1: itself, or $1.xz unpacked into
# $WORK/$2, copied there as $2.exe with the execute bit where it has none. Returns 1 with WHY
# set where there is neither ($3 appended: what to do) or it does not run on this machine.
runnable() {
  local bin=$1 name=$2 hint=${3:-}
  RUNNABLE="" WHY=""
  if [ ! -f "$bin" ] && [ -f "$bin.xz" ]; then
    say "unpacking $bin.xz"
    if command -v xz >/dev/null; then
      xz -dc "$bin.xz" >"$WORK/$name" || { WHY="xz -d $bin.xz failed"; return 1; }
    else
      "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$bin.xz" "$WORK/$name" || { WHY="could not unpack $bin.xz"; return 1; }
    fi
    bin=$WORK/$name
  fi
  [ -f "$bin" ] || { WHY="no bench binary at $bin (nor $bin.xz)$hint"; return 1; }
  if [ ! -x "$bin" ]; then
    cp "$bin" "$WORK/$name.exe" && chmod +x "$WORK/$name.exe" && bin=$WORK/$name.exe
  fi
  "$bin" --help >/dev/null 2>"$WORK/$name-help.err" || {
    WHY="the bench binary $bin does not run on this $(uname -m) machine: $(head -c 400 "$WORK/$name-help.err")"
    return 1
  }
  RUNNABLE=$bin
}

find_bench() {
  runnable "${BENCH_PATH:-${GPU_BENCH_BIN:-target/gpu-bench/bench}}" bench \
    ": run 'scripts/gpu-bench.sh --prepare' on the build machine and carry target/gpu-bench, or pass --bench PATH" ||
    die "$WHY"
  BENCH_BIN=$RUNNABLE
}

# The build with burn-fusion, where one was packed (FUSION_BIN, empty where none).
find_fusion() {
  FUSION_BIN=""
  if runnable "${GPU_BENCH_FUSION_BIN:-target/gpu-bench/bench-fusion}" bench-fusion; then
    FUSION_BIN=$RUNNABLE
  else
    say "$WHY: no rows with fusion"
  fi
}

# One bench run into $WORK/NAME.{out,err,rc,limit,skipped} with at most LIMIT seconds, skipped
# where that is under MIN.
bench_run() {
  local name=$1 limit=$2 min=$3 bin=$4
  shift 4
  if [ "$limit" -lt "$min" ]; then
    echo "skipped: the run's time budget (${GPU_BENCH_BUDGET:-450} s) was spent" >"$WORK/$name.skipped"
    say "$name: skipped (time budget spent)"
    return 0
  fi
  echo "$limit" >"$WORK/$name.limit"
  local t0=$SECONDS rc=0
  timeout -k 10 "$limit" "$bin" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  say "$name: exit $rc after $((SECONDS - t0)) s (limit $limit s)"
}

run_all() {
  local started=$SECONDS budget=${GPU_BENCH_BUDGET:-450}
  local deadline=$((started + budget))
  local backend=${GPU_BENCH_BACKEND:-wgpu}
  local models batches
  read -r -a models <<<"${GPU_BENCH_MODELS:-resnet20v1 resnet29v2}"
  read -r -a batches <<<"${GPU_BENCH_BATCHES:-32 128 512}"
  local warmup=${GPU_BENCH_WARMUP:-3} steps=${GPU_BENCH_STEPS:-10}
  command -v timeout >/dev/null || die "coreutils' timeout is needed"
  command -v "$PYTHON" >/dev/null || die "no $PYTHON here (set GPU_BENCH_PYTHON to the Python that has PyTorch)"

  find_bench
  find_fusion
  {
    echo "backend=$backend"
    echo "models=${models[*]}"
    echo "batches=${batches[*]}"
    echo "bench_settings=warm-up $warmup, median of $steps steps, flags: ${GPU_BENCH_ARGS---conv backend --conv wgsl --conv gemm}"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "host=$(uname -m), $(nproc) cores"
    [ -f target/gpu-bench/bench.info ] && sed 's/^/binary=/' target/gpu-bench/bench.info
    true
  } >"$WORK/settings"

  if [ "$backend" = wgpu ]; then
    vulkan_setup
  fi
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$WORK/gpu.txt" 2>&1 || true
  else
    echo "nvidia-smi not found" >"$WORK/gpu.txt"
  fi
  say "GPU: $(head -1 "$WORK/gpu.txt")"

  # The PyTorch peer first: it is quick and its time is bounded, and the bench runs share
  # whatever it leaves.
  local peer_limit=${GPU_BENCH_PEER_TIMEOUT:-150}
  [ $((deadline - SECONDS - 30)) -ge "$peer_limit" ] || peer_limit=$((deadline - SECONDS - 30))
  local peer_args=() m b
  for m in "${models[@]}"; do peer_args+=(--model "$m"); done
  for b in "${batches[@]}"; do peer_args+=(--batch "$b"); done
  local extra=()
  read -r -a extra <<<"${GPU_BENCH_PEER_ARGS:-}"
  say "PyTorch peer: ${models[*]} × batch ${batches[*]} (at most ${peer_limit} s)"
  local rc=0
  if [ "$peer_limit" -ge 10 ]; then
    PYTHONUNBUFFERED=1 timeout -k 10 "$peer_limit" "$PYTHON" scripts/torch_peer.py "${peer_args[@]}" \
      --warmup "${GPU_BENCH_PEER_WARMUP:-5}" --steps "${GPU_BENCH_PEER_STEPS:-20}" \
      --device "${GPU_BENCH_PEER_DEVICE:-auto}" "${extra[@]}" >"$WORK/peer.out" 2>"$WORK/peer.err" || rc=$?
  else
    rc=124
  fi
  echo "$rc" >"$WORK/peer.rc"
  echo "$peer_limit" >"$WORK/peer.limit"
  grep -E '^(RESULT|FAILED|INFO)' "$WORK/peer.out" 2>/dev/null | sed 's/^/gpu-bench:   /' >&2 || true
  case $rc in
    0) ;;
    124 | 137) say "the peer ran out of its ${peer_limit} s" ;;
    *) say "the peer failed (exit $rc): $(tail -n 3 "$WORK/peer.err" | tr '\n' ' ')" ;;
  esac

  # The closing kernel profile's part of the budget, kept aside from the table's runs.
  local profile_model="" profile_batch="" reserve=0
  read -r profile_model profile_batch <<<"${GPU_BENCH_PROFILE-resnet20v1 128}" || true
  profile_batch=${profile_batch:-128}
  if [ "$backend" = wgpu ] && [ -n "$profile_model" ]; then
    reserve=${GPU_BENCH_PROFILE_TIME:-60}
  fi
  # And the host-only run's.
  local host_model="" host_batch=""
  read -r host_model host_batch <<<"${GPU_BENCH_HOST-resnet20v1 128}" || true
  host_batch=${host_batch:-128}
  local host_reserve=0
  if [ -n "$host_model" ]; then host_reserve=30; fi
  # And the row with fusion's.
  local fusion_model="" fusion_batch="" fusion_reserve=0
  read -r fusion_model fusion_batch <<<"${GPU_BENCH_FUSION-resnet20v1 128}" || true
  fusion_batch=${fusion_batch:-128}
  if [ "$backend" = wgpu ] && [ -n "$fusion_model" ] && [ -n "$FUSION_BIN" ]; then fusion_reserve=45; fi
  reserve=$((reserve + host_reserve + fusion_reserve))

  local bench_args=()
  # Both convolution routes by default (src/conv.rs): which one a real GPU wants is what this
  # run is for. GPU_BENCH_ARGS="" runs the default route only.
  read -r -a bench_args <<<"${GPU_BENCH_ARGS---conv backend --conv wgsl --conv gemm}"
  [ "$backend" = wgpu ] && bench_args+=(--peak-n "${GPU_BENCH_PEAK_N:-4096}")
  local left=$((${#models[@]} * ${#batches[@]})) limit
  for m in "${models[@]}"; do
    for b in "${batches[@]}"; do
      limit=$(((deadline - reserve - SECONDS) / left))
      left=$((left - 1))
      bench_run "bench-$m-$b" "$limit" 10 "$BENCH_BIN" --backend "$backend" --model "$m" --batch "$b" \
        --warmup "$warmup" --steps "$steps" "${bench_args[@]}"
      if [ -f "$WORK/bench-$m-$b.out" ]; then
        say "ours $m batch $b: $(grep -E "^\| .*\| $m \| $b \|" "$WORK/bench-$m-$b.out" | head -1 | cut -d'|' -f6 | xargs || true) img/s"
      fi
    done
  done

  # Where a real GPU spends a step: our kernels by device time (timestamp queries), with what
  # is left of the budget. Profiling waits for each kernel, so its speed is not the table's.
  if [ "$backend" = wgpu ] && [ -n "$profile_model" ]; then
    echo "$profile_model $profile_batch" >"$WORK/profile.what"
    bench_run profile $((deadline - host_reserve - fusion_reserve - SECONDS)) 20 "$BENCH_BIN" --backend wgpu \
      --model "$profile_model" --batch "$profile_batch" --conv wgsl --warmup 1 --steps 3 --kernels --kernel-rows 15 \
      --peak-n 1024
  fi

  # Fusion on or off on this GPU: one row of the table's from the build with burn-fusion.
  if [ "$fusion_reserve" -gt 0 ]; then
    echo "$fusion_model $fusion_batch" >"$WORK/fusion.what"
    bench_run fusion $((deadline - host_reserve - SECONDS)) 10 "$FUSION_BIN" --backend wgpu --model "$fusion_model" \
      --batch "$fusion_batch" --conv wgsl --warmup "$warmup" --steps "$steps" --peak-n 1024
  fi

  # The host's floor: the same training step on wgpu's noop adapter (src/noop.rs), every host
  # step and no kernel run, on this machine's CPU: no GPU makes a step faster than this. Both
  # builds, where there are two.
  if [ -n "$host_model" ]; then
    echo "$host_model $host_batch" >"$WORK/host.what"
    local half=$(((deadline - SECONDS) / 2))
    [ -n "$FUSION_BIN" ] || half=$((deadline - SECONDS))
    bench_run host "$half" 10 "$BENCH_BIN" --backend noop --model "$host_model" --batch "$host_batch" \
      --conv wgsl --warmup 3 --steps 20
    if [ -n "$FUSION_BIN" ]; then
      bench_run host-fusion $((deadline - SECONDS)) 10 "$FUSION_BIN" --backend noop --model "$host_model" \
        --batch "$host_batch" --conv wgsl --warmup 3 --steps 20
    fi
  fi
  echo "$((SECONDS - started))" >"$WORK/elapsed"
}

# The table, from the logs in $1.
render() {
  "$PYTHON" - "$1" <<'PY'
import math
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
    settings.setdefault(key, []).append(value)
get = lambda key, default="": (settings.get(key) or [default])[0]
models = get("models").split()
batches = get("batches").split()
warnings = []


def cell(text):
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_bench(text):
    """bench's rows as dicts keyed by its own column names; its peak lines."""
    rows, header, peaks = [], None, []
    for line in text.splitlines():
        if re.match(r"^\S.*: matmul peak ", line):
            peaks.append(line.strip())
        elif line.startswith("| backend |"):
            header = cells(line)
        elif header and line.startswith("|") and not line.startswith("|---"):
            values = cells(line)
            rows.append(dict(zip(header, values + [""] * (len(header) - len(values)))))
    return rows, peaks


def column(row, prefix):
    return next((v for k, v in row.items() if k.startswith(prefix)), "")


def outcome(base):
    """Why a bench run (its logs named `base`.*) left no result: skipped, timed out or failed."""
    skipped = read(base + ".skipped").strip()
    if skipped:
        return skipped
    rc = read(base + ".rc", "?").strip()
    if rc in ("124", "137"):
        return f"timed out after {read(base + '.limit', '?').strip()} s"
    err = [l for l in read(base + ".err").splitlines() if l.strip()]
    return f"failed (exit {rc})" + (f": {err[-1][:160]}" if err else "")


def result(name):
    """The first row of run `name`'s bench table, or (None, why there is none)."""
    rows, _ = parse_bench(read(name + ".out"))
    row = next((r for r in rows if column(r, "images/s")), None)
    images = column(row, "images/s") if row else ""
    if row and not images.startswith("failed"):
        return row, ""
    return None, cell(images or outcome(name))


ours, peaks, adapters = {}, [], []
has_conv = False
for m in models:
    for b in batches:
        base = f"bench-{m}-{b}"
        if read(base + ".skipped").strip():
            ours.setdefault((m, b), []).append({"status": outcome(base)})
            continue
        rows, run_peaks = parse_bench(read(base + ".out"))
        peaks += run_peaks
        found = [r for r in rows if r.get("model") == m and r.get("batch") == b]
        for r in found:
            images = column(r, "images/s")
            conv = r.get("conv", "")
            has_conv |= bool(conv)
            adapters.append(r.get("backend", ""))
            if images.startswith("failed"):
                ours.setdefault((m, b), []).append({"status": images, "conv": conv})
                continue
            share = re.search(r"\(([^)]*)\)", column(r, "GFLOP/s"))
            ours.setdefault((m, b), []).append({
                "img_s": images,
                "first": column(r, "first step"),
                "share": share.group(1) if share else "—",
                "conv": conv,
            })
        if not found:
            ours.setdefault((m, b), []).append({"status": outcome(base)})

peer, peer_info = {}, {}
for line in read("peer.out").splitlines():
    parts = line.rstrip("\n").split("\t")
    if parts[0] == "RESULT" and len(parts) >= 6:
        peer[(parts[1], parts[2])] = {"img_s": parts[3], "first": f"{float(parts[5]):.2f}"}
    elif parts[0] == "FAILED" and len(parts) >= 4:
        peer[(parts[1], parts[2])] = {"status": "failed: " + parts[3][:120]}
    elif parts[0] == "INFO" and len(parts) >= 3:
        peer_info.setdefault(parts[1], []).append(parts[2])
peer_rc = read("peer.rc", "?").strip()
if peer_rc in ("124", "137"):
    peer_missing = f"timed out ({read('peer.limit', '?').strip()} s)"
elif peer_rc != "0":
    err = [l for l in read("peer.err").splitlines() if l.strip()]
    peer_missing = f"failed (exit {peer_rc})" + (f": {err[-1][:160]}" if err else "")
    if peer_rc == "2":
        warnings.append("the PyTorch peer refused to run: " + (err[-1] if err else "see peer.err"))
else:
    peer_missing = "no result"

conv_header = " conv |" if has_conv else ""
conv_rule = "---|" if has_conv else ""
print("| model | batch |" + conv_header + " ours img/s | ours first step (s) | ours share of matmul peak"
      " | PyTorch img/s | PyTorch first step (s) | ours / PyTorch |")
print("|---|---:|" + conv_rule + "---:|---:|---:|---:|---:|---:|")
complete = True
for m in models:
    for b in batches:
        p = peer.get((m, b), {"status": peer_missing})
        for o in ours.get((m, b), [{"status": "not run"}]):
            conv = f" {o.get('conv') or '—'} |" if has_conv else ""
            if "status" in o:
                complete = False
                mine = f" {cell(o['status'])} | | |"
            else:
                mine = f" {o['img_s']} | {o['first']} | {o['share']} |"
            if "status" in p:
                complete = False
                theirs, ratio = f" {cell(p['status'])} | |", "—"
            else:
                theirs = f" {p['img_s']} | {p['first']} |"
                try:
                    ratio = f"{float(o['img_s']) / float(p['img_s']):.2f}×"
                except (KeyError, ValueError, ZeroDivisionError):
                    ratio = "—"
            print(f"| {m} | {b} |{conv}{mine}{theirs} {ratio} |")

print()
software = re.compile(r"llvmpipe|lavapipe|swiftshader|software|basic render", re.I)
names = sorted(set(a for a in adapters if a))
if peaks:
    values = [float(v) for v in re.findall(r"matmul peak ([0-9.]+) GFLOP/s", "\n".join(peaks))]
    line = peaks[0]
    if len(values) > 1:
        line += f"; over the {len(values)} runs {min(values):.0f}–{max(values):.0f} GFLOP/s"
    print(f"- ours, adapter and matmul peak: {line}")
elif names:
    print(f"- ours: {', '.join(names)} (no matmul peak line: the share column is empty)")
else:
    print("- ours: no adapter reported (no bench run finished)")
if any(software.search(n) for n in names):
    warnings.append(f"ours ran on a software adapter ({', '.join(names)}), not the GPU")
vulkan = read("vulkan.txt").strip()
if vulkan:
    print(f"- Vulkan devices: {'; '.join(vulkan.splitlines())}"
          + (f" (driver files {get('vk_driver_files')})" if get("vk_driver_files") else ""))
print(f"- GPU: {read('gpu.txt', 'unknown').strip() or 'unknown'}")
for key in ("torch", "device"):
    for value in peer_info.get(key, []):
        print(f"- PyTorch peer: {value}")
for value in peer_info.get("params", []):
    print(f"- parameters: {value}")
print(f"- ours: bench --backend {get('backend', '?')}, {get('bench_settings')}; each model × batch its own"
      " process (the first step is a cold start: model, Adam and kernel compilation); one fixed random batch")
for value in settings.get("binary", []):
    print(f"- binary: {value}")
elapsed = read("elapsed").strip()
print(f"- run: {get('date', '?')}, {get('host', '?')}" + (f", {elapsed} s in all" if elapsed else ""))
what = read("profile.what").strip()
if what:
    print()
    lines = read("profile.out").splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("Kernels of ")), None)
    if start is not None:
        table = [l for l in lines[start + 1:] if l.startswith("|")]
        title = lines[start].removeprefix("Kernels of ").rstrip(":")
        print(f"Kernel profile of {cell(title)} (bench --kernels: each kernel waited for and timed on the device):")
        print()
        print("\n".join(table))
    else:
        print(f"Kernel profile ({what}): {cell(outcome('profile'))}")
what = read("fusion.what").strip()
if what:
    print()
    row, why = result("fusion")
    if row:
        share = re.search(r"\(([^)]*)\)", column(row, "GFLOP/s"))
        print(f"With burn-fusion (the build with it, bench --backend wgpu --conv wgsl): {row.get('model')} batch "
              f"{row.get('batch')}, {column(row, 'images/s')} img/s, first step {column(row, 'first step')} s, "
              f"{share.group(1) if share else '—'} of that run's matmul peak; the same row without fusion is in the table")
    else:
        print(f"With burn-fusion ({what}): {why}")
what = read("host.what").strip()
if what:
    print()
    for name, label in (("host", "without burn-fusion"), ("host-fusion", "with burn-fusion")):
        if name == "host-fusion" and not any(read(name + suffix) for suffix in (".out", ".rc", ".skipped")):
            continue
        row, why = result(name)
        if row:
            step = float(column(row, "step (s"))
            print(f"- Host floor {label} (bench --backend noop: the same step on wgpu's noop adapter, no kernel run, this "
                  f"machine's {get('host', '?')}): {row.get('model')} batch {row.get('batch')}, {1000 * step:.1f} ms per step, "
                  f"at most {column(row, 'images/s')} img/s from the host side")
        else:
            print(f"- Host floor {label} ({what}): {why}")
print()
for w in warnings:
    print(f"- **WARNING: {w}**")
sys.exit(0 if complete and not warnings else 1)
PY
}

collect_logs() { # every log of the run, one file, each part under its name
  local f
  for f in "$WORK"/*; do
    [ -f "$f" ] || continue
    case $f in */bench | */bench.exe | */bench-fusion | */bench-fusion.exe) continue ;; esac
    printf '===== %s\n' "$(basename "$f")"
    cat "$f"
  done
}

case "${1:-}" in
  --prepare)
    shift
    prepare "$@"
    ;;
  --table)
    [ -d "${2:-}" ] || die "--table takes the folder of a run's logs"
    render "$2"
    ;;
  --vulkan)
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-bench.XXXXXX")
    vulkan_setup
    say "Vulkan is usable (driver files: ${VK_DRIVER_FILES:-none set, loader defaults})"
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    ;;
  "" | --bench)
    BENCH_PATH=""
    if [ "${1:-}" = --bench ]; then
      [ -n "${2:-}" ] || die "--bench takes the bench binary's path"
      BENCH_PATH=$2
    fi
    WORK=${GPU_BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-bench.XXXXXX")}
    mkdir -p "$WORK"
    run_all
    echo "vk_driver_files=${VK_DRIVER_FILES:-}" >>"$WORK/settings"
    status=0
    render "$WORK" >"$WORK/table.md" || status=$?
    rm -f "$WORK/bench" "$WORK/bench.exe" "$WORK/bench-fusion" "$WORK/bench-fusion.exe" # the unpacked binaries: 60–70 MiB each
    printf '\n' && cat "$WORK/table.md"
    if [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ]; then
      cp "$WORK/table.md" "$OUT/gpu-bench.md"
      collect_logs >"$OUT/gpu-bench-logs.txt"
      say "table in \$OUT/gpu-bench.md, every log in \$OUT/gpu-bench-logs.txt"
    else
      say "logs in $WORK (scripts/gpu-bench.sh --table $WORK prints the table again)"
    fi
    exit "$status"
    ;;
  *) die "unknown argument '$1' (see scripts/gpu-bench.sh --help)" ;;
esac
