// Batch normalisation in training, forward and backward, with the ReLU that follows it in most
// layers of the nets folded in: `y = relu?((x − mean) · γ / √(var + ε) + β)` per channel, for
// NCHW tensors [b, c, h, w] — and at the end of a v1 residual block, the shortcut added before
// the ReLU: `y = relu((x − mean) · γ / √(var + ε) + β + shortcut)`. src/batch_norm/gpu.rs
// launches its entry points on burn's own wgpu device, three for each pass:
//
//   forward    partial_statistics   shifted sums per (channel, slice of the batch)
//              statistics           per channel: mean and (biased) variance          → stats
//              (statistics_running: the same, and the layer's running mean and variance
//              after the step — in training, where the caller gives them)
//              normalise            y, element by element
//   backward   partial_gradients    Σ g and Σ g·(x − mean) per (channel, slice), where g is the
//                                   output gradient, zero where the ReLU cut the output
//              (partial_gradients_residual: the same at a block's end, and g itself, which is
//              also the shortcut's gradient; input_gradient then reads g, already cut)
//              gradients            per channel: dγ = Σ g·x̂ and dβ = Σ g                → sums
//              input_gradient       dx = γ/√(var + ε) · (g − Σg/M − x̂ · Σ(g·x̂)/M), element by
//                                   element (x̂ the normalised input, M = b·h·w)
//
// Why (BENCHMARKS.md): burn 0.22.1's generic `batch_norm_train` builds the statistics from
// `swap_dims` copies of the activation and its backward from a dozen element-wise passes besides,
// about a quarter of a training step on wgpu once the convolutions were ours. Here a layer reads
// its input three times forward and four times backward, and writes once each way.
//
// The sums over a channel (M = 131,072 values at batch 128 on 32×32 maps) are split over the
// batch: workgroup (channel, z) sums images [z·per, (z+1)·per), each of its SUM_WG invocations
// every SUM_WG-th value of them (at least 64), and writes its own two sums. A second entry point
// adds up each channel's partial sums, slice by slice, invocation by invocation: a fixed order,
// so the numbers do not change from run to run. Nothing goes through workgroup memory: WebGPU
// starts it at zero, and SwiftShader (the page's adapter without a GPU) makes every invocation
// of a workgroup write those zeros, which cost more than the sums (BENCHMARKS.md, "Batch norm's
// partial sums without workgroup memory"). The variance is computed from sums of
// values shifted by one of the channel's own values (its first), s1 = Σ(x − K) and
// s2 = Σ(x − K)²: var = s2/M − (s1/M)². With K a value of the channel, s1/M is of the order of
// the spread, not of the mean, so the subtraction loses little (a mean of 30 and a spread of 1
// would lose ten bits without the shift).
//
// Nothing is divided in the element-wise loops: an invocation finds its channel once and then
// moves WG values along per step with carries (a division by a value known only at run time is
// tens of instructions, done lane by lane on emulated GPUs).
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The input x [b, c, h, w].
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
// The output gradient dy [b, c, h, w] (backward). normalise: the shortcut [b, c, h, w] at a v1
// block's end (Params.shortcut), else one unused value.
@group(0) @binding(1) var<storage, read_write> dy: array<f32>;
// γ and β [c].
@group(0) @binding(2) var<storage, read_write> gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> beta: array<f32>;
// The batch's statistics [2, c]: the means, then the variances.
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
// Partial sums [slices, c, SUM_WG, 2] (read by statistics and gradients), or the per-channel gradient
// sums [2, c], dγ then dβ (read by input_gradient).
@group(0) @binding(5) var<storage, read_write> sums: array<f32>;
// What the entry point computes.
@group(0) @binding(6) var<storage, read_write> result: array<f32>;
// The sizes: cubecl's launch metadata, which it stages into a uniform of its own (cached by
// content, so a layer's sizes are written once) and binds after the buffers.
@group(0) @binding(7) var<uniform> params: Params;

// statistics_running binds these at 1–4 instead of dy, γ, β and the statistics (WGSL lets two
// variables share a binding when no entry point uses both):
// the layer's running mean and variance before the step [c]…
@group(0) @binding(1) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> running_var: array<f32>;
// …and after it [c].
@group(0) @binding(3) var<storage, read_write> new_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> new_var: array<f32>;

// partial_gradients_residual binds these at 2 and 3 instead of γ and β (the ReLU's cut is read
// from the output, not worked out from γ and β): the block's output y [b, c, h, w]…
@group(0) @binding(2) var<storage, read_write> block_output: array<f32>;
// …and what it writes besides its partial sums: g [b, c, h, w].
@group(0) @binding(3) var<storage, read_write> cut_gradient: array<f32>;

const WG: u32 = 256u;   // invocations of an element-wise workgroup (src/batch_norm/gpu.rs: WORKGROUP)
const SUM_WG: u32 = 64u; // invocations of a partial sums' workgroup (SUM_WORKGROUP)
const RUN: u32 = 8u;    // values an invocation of an element-wise entry point writes (RUN)

// As src/batch_norm/gpu.rs writes them.
struct Params {
    batch: u32,
    channels: u32,
    plane: u32,
    per: u32,
    slices: u32,
    relu: u32,
    epsilon: f32,
    // burn's momentum and 1 − momentum, each rounded to f32 on the host as burn's tensor
    // operations round them (read by statistics_running only).
    momentum: f32,
    keep: f32,
    // 1: normalise adds the shortcut (binding 1) before the ReLU.
    shortcut: u32,
}

struct Sizes {
    batch: u32,
    channels: u32,
    plane: u32,     // h·w
    per: u32,       // images of one slice of the batch
    slices: u32,
    relu: bool,     // whether a ReLU follows the normalisation
    epsilon: f32,
    bound: u32,     // the shortest binding's length (see read_sizes)
}

// Every entry point reads the sizes through this, and so refers to all eight bindings: the
// pipeline's bind group layout is derived from what an entry point uses, and src/batch_norm/gpu.rs
// binds the same eight for all six (an unused buffer is a filler of one value).
fn read_sizes() -> Sizes {
    let bound = min(min(min(arrayLength(&x), arrayLength(&dy)), min(arrayLength(&gamma), arrayLength(&beta))),
                    min(min(arrayLength(&stats), arrayLength(&sums)), arrayLength(&result)));
    let p = params;
    return Sizes(p.batch, p.channels, p.plane, p.per, p.slices, p.relu != 0u, p.epsilon, bound);
}

// Values of one channel.
fn count(s: Sizes) -> f32 {
    return f32(s.batch * s.plane);
}

// Channel `ch`'s γ/√(var + ε) and the shift that goes with it: y = x · scale + shift.
fn affine(s: Sizes, ch: u32) -> vec2<f32> {
    let scale = gamma[ch] * inverseSqrt(stats[s.channels + ch] + s.epsilon);
    return vec2<f32>(scale, beta[ch] - stats[ch] * scale);
}

// The output gradient at `i`, whose input is `v`, zero where the ReLU cut the output (`a` the
// channel's scale and shift).
fn gradient(s: Sizes, i: u32, v: f32, a: vec2<f32>) -> f32 {
    return select(dy[i], 0.0, s.relu && v * a.x + a.y <= 0.0);
}

// Where a workgroup's invocation is in its slice of channel `ch`, and how it moves SUM_WG values
// along: the slice's values are taken image by image, plane by plane, and invocation `local`
// reads values local, local + SUM_WG, … of them. Moving SUM_WG values along is a fixed step in the
// plane and in the image and one carry, computed once: no division in the loop (nor a loop
// inside it, which emulated GPUs run lane by lane).
struct SliceWalk {
    i: u32,         // the value's index in the tensor
    p: u32,         // its place in its plane
    image: u32,
    last: u32,      // the slice's end (an image)
    dp: u32,        // SUM_WG % plane
    dimage: u32,    // SUM_WG / plane
    di: u32,        // the index's step without a carry
}

fn slice_walk(s: Sizes, ch: u32, slice: u32, local: u32) -> SliceWalk {
    let first = slice * s.per;
    let image = first + local / s.plane;
    let p = local % s.plane;
    let dimage = SUM_WG / s.plane;
    let dp = SUM_WG % s.plane;
    let last = select(first, min(first + s.per, s.batch), ch < s.channels);
    return SliceWalk((image * s.channels + ch) * s.plane + p, p, image, last, dp, dimage, dimage * s.channels * s.plane + dp);
}

fn slice_advance(s: Sizes, w: ptr<function, SliceWalk>) {
    (*w).p += (*w).dp;
    (*w).image += (*w).dimage;
    (*w).i += (*w).di;
    if ((*w).p >= s.plane) {
        // Into the next image's plane of the same channel.
        (*w).p -= s.plane;
        (*w).image += 1u;
        (*w).i += (s.channels - 1u) * s.plane;
    }
}

// Writes invocation `local`'s two sums for channel group.x and slice group.y to
// result [slices, c, SUM_WG, 2].
fn put_sums(s: Sizes, group: vec3<u32>, local: u32, acc: vec2<f32>) {
    if (group.x < s.channels && group.y < s.slices) {
        let at = ((group.y * s.channels + group.x) * SUM_WG + local) * 2u;
        result[at] = acc.x;
        result[at + 1u] = acc.y;
    }
}

// Channel `ch` (< channels)'s two sums over the slices, in order; no more slices than `sums`
// holds.
fn channel_sums(s: Sizes, ch: u32) -> vec2<f32> {
    let slices = min(s.slices, arrayLength(&sums) / (s.channels * SUM_WG * 2u));
    var total = vec2<f32>(0.0);
    for (var z = 0u; z < slices; z++) {
        var at = (z * s.channels + ch) * SUM_WG * 2u;
        for (var k = 0u; k < SUM_WG; k++) {
            total += vec2<f32>(sums[at], sums[at + 1u]);
            at += 2u;
        }
    }
    return total;
}

// The first of the RUN values invocation `local` of workgroup `group` writes, WG apart, and its
// channel; the values are b·c·h·w. Moving WG values along is a fixed step in the plane and in
// the channel, and carries (`advance`).
struct Walk {
    i: u32,
    p: u32,         // i's place in its plane
    ch: u32,
    end: u32,
    dp: u32,        // WG % plane
    dch: u32,       // (WG / plane) % c
}

fn start(s: Sizes, group: vec3<u32>, groups: vec3<u32>, local: u32) -> Walk {
    let block = group.x + group.y * groups.x;
    let i = block * WG * RUN + local;
    let plane_index = i / s.plane;
    let end = s.batch * s.channels * s.plane;
    return Walk(i, i - plane_index * s.plane, plane_index % s.channels, end, WG % s.plane, (WG / s.plane) % s.channels);
}

fn advance(s: Sizes, w: ptr<function, Walk>) {
    (*w).i += WG;
    (*w).p += (*w).dp;
    (*w).ch += (*w).dch;
    if ((*w).p >= s.plane) {
        (*w).p -= s.plane;
        (*w).ch += 1u;
    }
    if ((*w).ch >= s.channels) {
        (*w).ch -= s.channels;
    }
}

// Workgroup (ch, z): Σ(x − K) and Σ(x − K)² over slice z of channel ch, K its first value.
@compute @workgroup_size(SUM_WG, 1, 1)
fn partial_statistics(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let s = read_sizes();
    let shift = x[min(group.x, s.channels - 1u) * s.plane];
    var w = slice_walk(s, group.x, group.y, local);
    var acc = vec2<f32>(0.0);
    while (w.image < w.last) {
        let v = x[w.i] - shift;
        acc += vec2<f32>(v, v * v);
        slice_advance(s, &w);
    }
    put_sums(s, group, local, acc);
}

// Channel `ch` (< channels)'s mean and variance, from its partial sums, written to
// result[ch] and result[c + ch].
fn finish_statistics(s: Sizes, ch: u32) -> vec2<f32> {
    let shifted = channel_sums(s, ch) / count(s);
    let mean_var = vec2<f32>(x[ch * s.plane] + shifted.x, max(shifted.y - shifted.x * shifted.x, 0.0));
    result[ch] = mean_var.x;
    result[s.channels + ch] = mean_var.y;
    return mean_var;
}

// Invocation ch: stats[ch] = mean, stats[c + ch] = variance.
@compute @workgroup_size(WG, 1, 1)
fn statistics(@builtin(global_invocation_id) id: vec3<u32>) {
    let s = read_sizes();
    let ch = id.x;
    if (ch >= s.channels) {
        return;
    }
    finish_statistics(s, ch);
}

// Invocation ch: as `statistics`, and the running mean and variance after the step,
//
//   mean' = mean·(1 − momentum) + batch mean·momentum
//   var'  = var·(1 − momentum)  + batch variance·momentum
//
// burn's BatchNorm's update, with the same constants in the same order as the tensor operations
// src/batch_norm.rs otherwise runs (two slices, four multiplications, two additions a layer),
// here in the dispatch that has the statistics anyway. Why (BENCHMARKS.md, "The running
// statistics in the statistics' dispatch"): each dispatch is host work on every step.
@compute @workgroup_size(WG, 1, 1)
fn statistics_running(@builtin(global_invocation_id) id: vec3<u32>) {
    let p = params;
    // The shortest of the seven bindings, as read_sizes for the others.
    let bound = min(min(min(arrayLength(&x), arrayLength(&running_mean)), min(arrayLength(&running_var), arrayLength(&new_mean))),
                    min(min(arrayLength(&new_var), arrayLength(&sums)), arrayLength(&result)));
    let s = Sizes(p.batch, p.channels, p.plane, p.per, p.slices, p.relu != 0u, p.epsilon, bound);
    let ch = id.x;
    if (ch >= s.channels) {
        return;
    }
    let batch = finish_statistics(s, ch);
    if (ch < min(min(arrayLength(&running_mean), arrayLength(&running_var)), min(arrayLength(&new_mean), arrayLength(&new_var)))) {
        new_mean[ch] = running_mean[ch] * p.keep + batch.x * p.momentum;
        new_var[ch] = running_var[ch] * p.keep + batch.y * p.momentum;
    }
}

@compute @workgroup_size(WG, 1, 1)
fn normalise(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let s = read_sizes();
    var w = start(s, group, groups, local);
    // The channel's scale and shift, read again only when the walk enters another channel.
    var ch = w.ch;
    var a = affine(s, ch);
    for (var r = 0u; r < RUN && w.i < w.end; r++) {
        if (w.ch != ch) {
            ch = w.ch;
            a = affine(s, ch);
        }
        var y = x[w.i] * a.x + a.y;
        if (params.shortcut != 0u) {
            // dy holds the shortcut here (a v1 block's end).
            y += dy[w.i];
        }
        if (s.relu) {
            y = max(y, 0.0);
        }
        result[w.i] = y;
        advance(s, &w);
    }
}

// Workgroup (ch, z): Σg and Σg·(x − mean) over slice z of channel ch.
@compute @workgroup_size(SUM_WG, 1, 1)
fn partial_gradients(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let s = read_sizes();
    let ch = min(group.x, s.channels - 1u);
    let mean = stats[ch];
    let a = affine(s, ch);
    var w = slice_walk(s, group.x, group.y, local);
    var acc = vec2<f32>(0.0);
    while (w.image < w.last) {
        let v = x[w.i];
        let g = gradient(s, w.i, v, a);
        acc += vec2<f32>(g, g * (v - mean));
        slice_advance(s, &w);
    }
    put_sums(s, group, local, acc);
}

// As partial_gradients, at a v1 block's end: g is dy where the block's output is positive, else
// zero (the ReLU after the sum with the shortcut), and is written out, value by value (each value
// is visited once: the slices and their invocations cover the channel).
@compute @workgroup_size(SUM_WG, 1, 1)
fn partial_gradients_residual(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    // The shortest of the seven bindings, as read_sizes for the others.
    let bound = min(min(min(arrayLength(&x), arrayLength(&dy)), min(arrayLength(&block_output), arrayLength(&cut_gradient))),
                    min(min(arrayLength(&stats), arrayLength(&sums)), arrayLength(&result)));
    let s = Sizes(p.batch, p.channels, p.plane, p.per, p.slices, p.relu != 0u, p.epsilon, bound);
    let mean = stats[min(group.x, s.channels - 1u)];
    var w = slice_walk(s, group.x, group.y, local);
    var acc = vec2<f32>(0.0);
    while (w.image < w.last) {
        let g = select(dy[w.i], 0.0, block_output[w.i] <= 0.0);
        cut_gradient[w.i] = g;
        acc += vec2<f32>(g, g * (x[w.i] - mean));
        slice_advance(s, &w);
    }
    put_sums(s, group, local, acc);
}

// Invocation ch: result[ch] = dγ = Σ g·x̂, result[c + ch] = dβ = Σ g.
@compute @workgroup_size(WG, 1, 1)
fn gradients(@builtin(global_invocation_id) id: vec3<u32>) {
    let s = read_sizes();
    let ch = id.x;
    if (ch >= s.channels) {
        return;
    }
    let total = channel_sums(s, ch);
    result[ch] = total.y * inverseSqrt(stats[s.channels + ch] + s.epsilon);
    result[s.channels + ch] = total.x;
}

// What input_gradient needs of channel `ch`: dx = k · g − k · Σg/M − (x − mean) · q, with
// k = γ/√(var + ε) and q = k/√(var + ε) · Σ(g·x̂)/M; and the scale and shift of the output, for
// the ReLU's cut.
struct Backward {
    a: vec2<f32>,
    mean: f32,
    k: f32,
    offset: f32,    // k · Σg/M
    q: f32,
}

fn backward_terms(s: Sizes, ch: u32) -> Backward {
    let n = count(s);
    let inv_std = inverseSqrt(stats[s.channels + ch] + s.epsilon);
    let k = gamma[ch] * inv_std;
    return Backward(affine(s, ch), stats[ch], k, k * sums[s.channels + ch] / n, k * inv_std * sums[ch] / n);
}

@compute @workgroup_size(WG, 1, 1)
fn input_gradient(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let s = read_sizes();
    var w = start(s, group, groups, local);
    var ch = w.ch;
    var t = backward_terms(s, ch);
    for (var r = 0u; r < RUN && w.i < w.end; r++) {
        if (w.ch != ch) {
            ch = w.ch;
            t = backward_terms(s, ch);
        }
        let v = x[w.i];
        let g = gradient(s, w.i, v, t.a);
        result[w.i] = t.k * g - t.offset - (v - t.mean) * t.q;
        advance(s, &w);
    }
}
