#!/usr/bin/env bash
# The two commands a newcomer needs; each installs what it lacks first.
#
#   ./dev.sh serve   build the page and serve it, with the CIFAR-10 archive, on http://127.0.0.1:8080
#   ./dev.sh test    run every test: native (CPU backend and wgpu), in-browser (wasm-pack, WebGPU),
#                    and end to end (the built page in headless Chromium)
#
# Data: $CIFAR10_ARCHIVE (a local copy) if set, else data/cifar-10-binary.tar.gz, downloaded once
# from the official site by scripts/fetch-data.sh (trunk's pre-build hook; `test` runs it too and
# then points CIFAR10_ARCHIVE at data/cifar-10-binary.tar.gz for every test that needs an archive).
set -euo pipefail
cd "$(dirname "$0")"

# Pinned tool versions. wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock, or trunk and
# wasm-pack try to download their own. trunk 0.21 is the newest that builds with rustc 1.95.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)
TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

cargo_tool() { # cargo_tool BINARY CRATE VERSION [extra cargo install args]
  local bin=$1 crate=$2 version=$3
  shift 3
  if ! "$bin" --version 2>/dev/null | grep -qF "$version"; then
    log "installing $crate $version"
    cargo install "$crate" --version "=$version" "$@"
  fi
}

native_deps() {
  # Mesa's lavapipe: a Vulkan device for wgpu on machines without a GPU.
  apt_install mesa-vulkan-drivers libvulkan1 curl
  # wgpu warns without it on headless machines.
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
}

web_deps() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # The standard library's sources: the threaded CPU module rebuilds std with `+atomics`
  # (scripts/build-threads.sh).
  rustup component list --installed | grep -qx rust-src || rustup component add rust-src
  # Its lock file pins a webpki-roots no longer on crates.io: installed without --locked.
  cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  cargo_tool trunk trunk "$TRUNK_VERSION" --locked
  # Chart.js for the page, playwright-core for the end-to-end test, binaryen's wasm-opt for the
  # post-build hook (scripts/optimize-dist.mjs).
  [ -d www/node_modules/chart.js ] && [ -d www/node_modules/playwright-core ] && [ -d www/node_modules/binaryen ] \
    || (cd www && npm ci --no-audit --no-fund)
}

browser_deps() {
  apt_install chromium chromium-driver
  cargo_tool wasm-pack wasm-pack "$WASM_PACK_VERSION" --locked
}

case "${1:-}" in
  serve)
    shift
    native_deps
    web_deps
    # trunk serve does not serve precompressed files: do not spend a minute per build making them.
    export PRECOMPRESS="${PRECOMPRESS:-0}"
    exec trunk serve "$@"
    ;;
  test)
    shift
    native_deps
    web_deps
    browser_deps
    if [ -z "${CIFAR10_ARCHIVE:-}" ]; then
      sh scripts/fetch-data.sh
      export CIFAR10_ARCHIVE="$PWD/data/cifar-10-binary.tar.gz"
    fi
    log "native tests: CPU backend, and wgpu on the machine's Vulkan device; the lesson (lesson/)"
    cargo test --release --workspace
    log "native tests with burn-fusion (feature \`fusion\`, off by default): our WGSL kernels as fused custom operations"
    cargo test --release --features fusion --test wgpu --test conv --test adam --test batch_norm --test residual --test penalty --test loss
    log "browser tests: wasm-pack in headless Chromium on WebGPU"
    WASM_BINDGEN_TEST_TIMEOUT=900 wasm-pack test --headless --chrome --release \
      --chromedriver /usr/bin/chromedriver . --no-default-features --features webgpu --test browser
    log "the shader benchmark scripts still run our kernels as training binds them (a WebGPU validation error fails them)"
    ROUNDS=1 node www/norm-kernels.mjs 8
    ROUNDS=1 MODEL=resnet29v2 PATCH=shaders/conv_patch.wgsl PATCH_KERNEL=shaders/conv_patch_kernel.wgsl \
      POINT=shaders/conv_point.wgsl node www/conv-kernels.mjs 8
    log "end to end: the built page in headless Chromium"
    trunk build
    # The lesson in dist/index.html, then `./dev.sh serve` itself: one build, no reloads.
    node www/e2e-serve.mjs dist
    node www/e2e.mjs dist target/e2e/page.png
    node www/e2e-use.mjs dist
    node www/e2e-tabs.mjs dist
    node www/e2e-resume.mjs dist
    node www/e2e-lab.mjs dist
    node www/e2e-warm.mjs dist
    node www/e2e-backend.mjs dist
    ;;
  *)
    echo "usage: $0 serve [trunk serve flags] | test" >&2
    exit 2
    ;;
esac
