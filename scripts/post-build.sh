#!/usr/bin/env sh
# trunk post_build hook, on the staged page (dist/.stage) before trunk moves it to dist/:
#   1. the lesson: www/tutorial.md as HTML + MathML in place of index.html's <!--lesson--> marker
#      (lesson/, `render-lesson`; fails the build when the marker is missing);
#   2. the threaded CPU module into threads/ (scripts/build-threads.sh; THREADS=0 skips it, and
#      the worker then trains on the CPU with one thread);
#   3. the wasm and compression: scripts/optimize-dist.mjs (KEEP_NAMES=1, WASM_OPT=1,
#      PRECOMPRESS=0: see there).
# trunk runs the hooks of one stage concurrently: these steps are one hook so they run in order.
set -eu
stage="${TRUNK_STAGING_DIR:?run by trunk (post_build hook)}"
cargo run --release --quiet --package resnet-lesson --bin render-lesson -- "$stage/index.html"
[ "${THREADS:-1}" = 0 ] || sh scripts/build-threads.sh "$stage/threads"
node scripts/optimize-dist.mjs "$stage"
