#!/usr/bin/env sh
# The page's second WebAssembly module: burn's CPU backend over a pool of Web Workers
# (wasm-bindgen-rayon), for the training worker where the page is cross-origin isolated
# (www/worker.js loads it; the page's own module keeps WebGPU and one thread).
#
#   sh scripts/build-threads.sh OUT_DIR     → OUT_DIR/resnet-webgpu-threads{.js,_bg.wasm} + snippets/
#
# Threads in wasm need shared memory: `+atomics,+bulk-memory` and a std built with them
# (`-Z build-std`, on the pinned stable through RUSTC_BOOTSTRAP=1, from the `rust-src` component
# that ./dev.sh installs), and the crate without its `webgpu` feature (under `+atomics` wgpu's
# WebGPU types are not `Send`, which cubecl requires). The linker flags make the memory shared
# and imported (each thread instantiates the module on the same memory) and export what
# wasm-bindgen needs to give every thread its own thread-local storage; `--max-memory`: shared
# memory has a fixed maximum, 4 GiB, all that wasm32 addresses (ResNet29 v2 needs about 900 MiB,
# BENCHMARKS.md).
# Its own target folder (the flags differ from the page's build): $CARGO_TARGET_DIR/threads.
# trunk's post_build hook runs it (scripts/post-build.sh); THREADS=0 skips it.
set -eu
out="${1:?usage: build-threads.sh OUT_DIR}"
target="${CARGO_TARGET_DIR:-$PWD/target}/threads"
RUSTC_BOOTSTRAP=1 \
RUSTFLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 \
  -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=4294967296 \
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
  -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" \
  cargo build --release --lib --target wasm32-unknown-unknown --no-default-features --features threads \
    -Z build-std=panic_abort,std --target-dir "$target"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name resnet-webgpu-threads \
  "$target/wasm32-unknown-unknown/release/resnet_webgpu.wasm"
