#!/usr/bin/env python3
"""Where a CPU training step's time goes: reads `perf script` output (samples with DWARF call
stacks of `bench --backend flex`, or the page's samples in the same form from
www/page-profile.mjs) on stdin and prints, as a Markdown table, the share of samples by kind of
work: the innermost routine of ours or of burn-flex on each sample's stack (our convolution's
im2col, col2im and products, our batch norm, burn-flex's element-wise kernels, reductions,
layout copies…), and within each the share spent in gemm's matmul microkernels.

The operation that *called* a routine (forward, or which gradient) is often lost: burn-flex runs
its loops as rayon jobs, and a rayon worker's stack starts at the job. So this is a profile by
kernel family, not by layer.

    perf script -i perf.data | python3 scripts/perf_ops.py
    node --experimental-websocket www/page-profile.mjs dist | python3 scripts/perf_ops.py

`--stages` sorts the samples by the stage of the host side of a step on wgpu instead (the page's
worker on WebGPU: BACKEND=webgpu www/page-profile.mjs): each sample goes to the crate of its
innermost frame outside the standard library and the allocator (burn-fusion's search, its
kernel launches, cubecl's compiler, the WebGPU calls…).

    BACKEND=webgpu FROM=11 node --experimental-websocket www/page-profile.mjs dist resnet20v1 32 20 | python3 scripts/perf_ops.py --stages
"""
import re
import sys
from collections import Counter

# (family, pattern on one frame), searched from the leaf up; the first frame that matches wins.
FAMILIES = [
    ("our convolution: im2col", r"resnet_webgpu::conv::cpu::im2col"),
    ("our convolution: col2im (data gradient)", r"resnet_webgpu::conv::cpu::col2im"),
    ("our convolution: forward products (gemm)", r"resnet_webgpu::conv::cpu::forward"),
    ("our convolution: backward products (gemm: data and kernel gradients)", r"resnet_webgpu::conv::cpu::backward"),
    ("our batch norm (statistics, normalisation, backward)", r"resnet_webgpu::batch_norm::"),
    ("memory: page faults, zeroing, allocator", r"^\[k\]|memset|^(__)?(libc_)?(malloc|free|calloc|realloc)|_int_(malloc|free)|cfree|dlmalloc"),
    ("layout copies (`copy_2d_tiled`, contiguous)", r"burn_flex::tensor::(copy_2d_tiled|FlexTensor::(to|into)_contiguous)|memmove|memcpy"),
    ("transposed convolution (data gradient)", r"burn_flex::ops::conv_transpose"),
    ("convolution: im2col + gemm (forward, weight gradient)", r"burn_flex::ops::conv::"),
    ("reductions (batch-norm statistics, sums, means)", r"burn_flex::ops::reduce"),
    ("element-wise (binary, unary, comparisons, SIMD)", r"burn_flex::(ops::(binary|unary|comparison|float|activation)|zip|simd)|macerator"),
    ("slices, concatenation, indexing", r"burn_flex::ops::(slice|cat|gather|select|index|expand|repeat)"),
    ("pooling", r"burn_flex::ops::pool"),
    ("plain matmul (classifier)", r"burn_flex::ops::matmul|float_matmul"),
    ("autodiff bookkeeping", r"burn_autodiff::"),
    # conv::cpu::matmul is our gemm call: its samples go to the convolution routine above it.
    ("our code (batches, Adam, metrics)", r"resnet_webgpu::(?!conv::cpu::matmul)"),
]

# Samples with no burn-flex frame: rayon job bodies whose code was inlined into an anonymous
# closure (the convolution's per-image loop, which calls its gemm, is one of them).
OTHER = "unnamed rayon closures (inlined loop bodies)"

def samples(lines):
    stack = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(" ", 1)
            frame = parts[1] if len(parts) > 1 else parts[0]
            kernel = "[kernel.kallsyms]" in frame or "[unknown]" in frame and frame.startswith("ffff")
            frame = re.sub(r"\+0x[0-9a-f]+.*$", "", frame)
            stack.append(("[k] " if kernel else "") + frame)
    if stack:
        yield stack

# The host side of a step on wgpu, by crate (--stages); the first match, top to bottom, names the stage.
STAGES = [
    ("WebGPU calls and JavaScript (wgpu's web backend, its JS glue, the browser's WebGPU, the garbage collector)", r"^(wgpu|js_sys|web_sys|wasm_bindgen)$|^JS$"),
    ("cubecl's compiler (WGSL from cubecl's IR: kernels seen for the first time)", r"^(cubecl_wgpu::compiler|pliron|cubecl_ir|cubecl_opt)"),
    ("cubecl: launches, memory, streams (cubecl-wgpu, -runtime, -server, -core, -common)", r"^cubecl_"),
    ("burn-fusion: recording and matching operations to fused plans (burn-fusion, burn-ir)", r"^(burn_fusion|burn_ir)$"),
    ("burn-cubecl-fusion: building and launching the fused kernels", r"^burn_cubecl_fusion$"),
    ("burn's kernels and autodiff (burn-cubecl, burn-autodiff, cubek, burn-tensor…)", r"^(burn_|cubek_)"),
    ("ours (model, Adam, pipeline, our kernels' launches)", r"^resnet_webgpu$"),
]
# Frames that say nothing of the stage: the standard library, collections, the allocator.
GENERIC = re.compile(r"^<*(alloc|core|std|dlmalloc|hashbrown|smallvec|indexmap|xxhash_rust|internment|slotmap)::|^__rustc|^__rdl|^mem(cpy|set|move)")

def table(total, header, rows):
    """A Markdown table of `rows` (a name, then sample counts, printed as shares of `total`)."""
    if not total:
        sys.exit("no samples")
    print(f"{total} samples\n")
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")
    for name, *counts in rows:
        print(f"| {name} | " + " | ".join(f"{100 * n / total:.1f} %" for n in counts) + " |")

def crate(frame):
    """`burn_fusion` for `burn_fusion::stream::…` or `<burn_fusion::… as …>::…`; `cubecl_wgpu::compiler`
    for the WGSL compiler; `JS` for frames without a path (JavaScript, the browser's WebGPU)."""
    path = frame.lstrip("<")
    if path.startswith("cubecl_wgpu::compiler"):
        return "cubecl_wgpu::compiler"
    match = re.match(r"([A-Za-z_0-9]+)::", path)
    return match.group(1) if match else "JS"

def stages():
    counts, total = Counter(), 0
    for stack in samples(sys.stdin):
        total += 1
        # The compiler runs inside a launch: any compiler frame on the stack makes it a compile.
        if any(crate(f) in ("cubecl_wgpu::compiler", "pliron", "cubecl_opt") for f in stack):
            counts[STAGES[1][0]] += 1
            continue
        frame = next((f for f in stack if not GENERIC.search(f)), "")
        name = crate(frame) if frame else "std"
        counts[next((stage for stage, pattern in STAGES if re.search(pattern, name)), f"other ({name})")] += 1
    table(total, ["stage of the host side", "share of the samples"],
          [[stage, n] for stage, n in counts.most_common()])

def main():
    if sys.argv[1:] == ["--stages"]:
        return stages()
    families, gemm = Counter(), Counter()
    total = 0
    for stack in samples(sys.stdin):
        total += 1
        family = next((name for frame in stack for name, pattern in FAMILIES if re.search(pattern, frame)), OTHER)
        families[family] += 1
        if re.search(r"^gemm_|gemm_common", stack[0]):
            gemm[family] += 1
    table(total, ["kind of work", "share of the step", "of which in gemm's microkernels"],
          [[family, n, gemm[family]] for family, n in families.most_common()])

if __name__ == "__main__":
    main()
