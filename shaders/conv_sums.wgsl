// The sums that end a convolution's backward pass on wgpu, in two dispatches instead of burn's
// three reductions. src/conv/sums.rs launches them on burn's own wgpu device.
//
//   bias_partials:  for filter f and slice s of the batch, invocation t adds up the output
//                   gradient dy[b, f, p] over the slice's images b and the pixels p ≡ t (mod SUM_WG)
//   sums:           the kernel gradient, Σₛ partial[s, i] over the kernel gradient's slices
//                   (shaders/conv*.wgsl write one partial product per slice of the batch's pixels),
//                   and the bias gradient, Σ of filter f's bias partials
//
// Why (BENCHMARKS.md, "Fewer dispatches a step"): burn's sum over the slices and its two sums of
// dy (over the pixels, then over the batch) were three dispatches per convolution, 63 a ResNet20
// step; here two. Every invocation of the first keeps its own sum (no workgroup memory, which
// WebGPU zeroes at every dispatch: costly on SwiftShader, shaders/batch_norm.wgsl's note), and the
// second adds each filter's partials in order, so the sums are the same on every run.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The output gradient dy [batch, filters, pixels] (bias_partials reads it).
@group(0) @binding(0) var<storage, read_write> dy: array<f32>;
// The kernel gradient's partial products [slices, count] (sums reads them).
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
// The bias partials [filters, bias_slices, SUM_WG] (sums reads them).
@group(0) @binding(2) var<storage, read_write> bias_partial: array<f32>;
// What a dispatch writes: bias_partials, the bias partials; sums, the kernel gradient [count].
@group(0) @binding(3) var<storage, read_write> first: array<f32>;
// sums: the bias gradient [filters]. bias_partials: one unused value.
@group(0) @binding(4) var<storage, read_write> second: array<f32>;
// cubecl's launch metadata, staged into a uniform of its own and bound after the buffers.
@group(0) @binding(5) var<uniform> params: Params;

struct Params {
    batch: u32,
    filters: u32,
    pixels: u32,
    // Images of one slice of the batch, and the slices (bias_partials' workgroups along y).
    per: u32,
    bias_slices: u32,
    // The kernel gradient's slices and values (f·c·k·k).
    slices: u32,
    count: u32,
}

const SUM_WG: u32 = 64u; // invocations of a bias_partials workgroup (src/conv/sums.rs: SUM_WORKGROUP)
const WG: u32 = 256u;    // invocations of a sums workgroup (src/conv/sums.rs: WORKGROUP)

// The shortest binding's length. Every entry point reads it, and so refers to all five bindings:
// a WebGPU pipeline's layout has the bindings its entry point uses, and the launch binds five.
fn bound() -> u32 {
    return min(min(min(arrayLength(&dy), arrayLength(&partial)), min(arrayLength(&bias_partial), arrayLength(&first))),
               arrayLength(&second));
}

// Workgroup (f, s): filter f, images s·per … (s + 1)·per − 1.
@compute @workgroup_size(SUM_WG, 1, 1)
fn bias_partials(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
    let p = params;
    let f = group.x;
    let s = group.y;
    let out = (f * p.bias_slices + s) * SUM_WG + t;
    if (bound() == 0u || f >= p.filters || s >= p.bias_slices || out >= arrayLength(&first)) {
        return;
    }
    let images = min(p.batch, (s + 1u) * p.per);
    var sum = 0.0;
    for (var b = s * p.per; b < images; b++) {
        let base = (b * p.filters + f) * p.pixels;
        if (base + p.pixels > arrayLength(&dy)) {
            break;
        }
        for (var px = t; px < p.pixels; px += SUM_WG) {
            sum += dy[base + px];
        }
    }
    first[out] = sum;
}

// Invocation i < count: the kernel gradient's value i; i = count + f: filter f's bias gradient.
// Workgroups go along x, then along y past WebGPU's 65,535.
@compute @workgroup_size(WG, 1, 1)
fn sums(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let p = params;
    let i = (group.y * groups.x + group.x) * WG + local;
    if (bound() == 0u) {
        return;
    }
    if (i < p.count) {
        if (i >= arrayLength(&first) || (p.slices - 1u) * p.count + i >= arrayLength(&partial)) {
            return;
        }
        var sum = 0.0;
        for (var s = 0u; s < p.slices; s++) {
            sum += partial[s * p.count + i];
        }
        first[i] = sum;
        return;
    }
    let f = i - p.count;
    let n = p.bias_slices * SUM_WG;
    if (f >= p.filters || f >= arrayLength(&second) || (f + 1u) * n > arrayLength(&bias_partial)) {
        return;
    }
    var sum = 0.0;
    for (var k = 0u; k < n; k++) {
        sum += bias_partial[f * n + k];
    }
    second[f] = sum;
}
