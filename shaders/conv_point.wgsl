// A 1×1, stride-1 convolution (no padding) as matrix products of the images themselves, for the
// three products of a training step. In NCHW the image of one picture is already a matrix,
// channels by pixels, each row a plane of contiguous values; src/conv/gpu.rs launches this for
// those layers (the bottleneck blocks' 1×1 convolutions of the v2 nets) instead of the general
// kernels of shaders/conv.wgsl. The kernel is as burn keeps it, [f, c, 1, 1]:
//
//   forward           y[b, m, p]  = Σ_c W[m, c] · x[b, c, p] + bias[m]
//   input_gradient    dx[b, m, p] = Σ_c W[c, m] · dy[b, c, p]
//   kernel_gradient   dW[m, n]    = Σ_(b, p) dy[b, m, p] · x[b, n, p]
//
// (in input_gradient the "channels" c are the forward pass's filters and the rows m its
// channels; p is a pixel, y·w + x). The kernel gradient's sum over the batch's pixels is split
// along the dispatch's z as shaders/conv.wgsl's is: workgroup z writes the partial sum of its
// slice, [z, f, c], and src/conv/gpu.rs adds them up.
//
// Why: shaders/conv.wgsl gathers the im2col matrix value by value, each with the digits of its
// position moved along by carries and a bounds test, because for other kernels that matrix is not
// the image. With a 1×1 kernel it is, so a workgroup reads its slice of the image four
// consecutive pixels at a time, and on 16-filter layers (tiles of 16 rows, where a staged value
// serves only 16 multiply-adds) the gathers' arithmetic was as much as the products'
// (BENCHMARKS.md).
//
// Forward and input_gradient: a workgroup computes a tile of TM rows by TN consecutive pixels of
// one image, walking the channels DEPTH at a time with both slices staged in workgroup memory;
// each invocation an 8 × 8 block of it (8 rows, 8 consecutive pixels) in sixteen vec4 registers,
// four reads of workgroup memory for 64 multiply-adds, as in shaders/matmul.wgsl. src/conv/gpu.rs
// writes TM (16, 32 or 64) and TN (64 or 128) into the `const` lines below; the last tile of an
// image may be part empty (planes that are not a multiple of TN).
//
// kernel_gradient: the same with TM filters by TN channels (TN 16, 32 or 64), walking the slice's
// pixels DEPTH at a time, each step inside one image (src/conv/gpu.rs takes this entry point only
// for planes that are a multiple of DEPTH).
//
// The 8 × 8 block and its multiply-adds (`Block`, `accumulate`) are shaders/block.wgsl's, which
// src/conv/gpu.rs appends to this source.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's bounds
// checks.

// The kernel [f, c, 1, 1] (f the forward pass's filters); kernel_gradient: dy [b, f, h, w].
@group(0) @binding(0) var<storage, read_write> weight: array<f32>;
// The image multiplied: x [b, c, h, w] (forward, kernel_gradient) or dy [b, f, h, w]
// (input_gradient).
@group(0) @binding(1) var<storage, read_write> image: array<f32>;
// The result: y [b, f, h, w], dx [b, c, h, w], or the partial kernel gradients [z, f, c].
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// The bias [f] (forward; the gradients bind a filler of one value).
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;
// The sizes: cubecl's launch metadata, which it stages into a uniform of its own (cached by
// content, so a layer's sizes are written once) and binds after the buffers.
@group(0) @binding(4) var<uniform> geo: Geo;

const TM: u32 = 64u;        // rows of a tile (16, 32 or 64): written by src/conv/gpu.rs
const TN: u32 = 128u;       // pixels of a tile (64 or 128): written by src/conv/gpu.rs
const ACROSS: u32 = TN / 8u;                    // invocations along the pixels
const INVOCATIONS: u32 = ACROSS * (TM / 8u);
const DEPTH: u32 = 16u;                         // channels staged per step

const FORWARD: u32 = 0u;
const INPUT: u32 = 1u;

struct Geo {
    batch: u32,
    channels: u32,  // of the image multiplied (kernel_gradient: of x)
    plane: u32,     // h·w
    rows: u32,      // of the product: the filters (forward, kernel_gradient) or the channels
    slice: u32,     // kernel_gradient: pixels of the batch one z sums (a multiple of DEPTH)
}

// The kernel slice of the step: tile_a[d][q] = rows 4q … 4q+3 at channel d of the step, so that
// one read gives an invocation four of its rows (kernel_gradient: dy's filters at pixel d).
var<workgroup> tile_a: array<array<vec4<f32>, TM / 4u>, DEPTH>;
// The image slice of the step: tile_b[d][q] = pixels 4q … 4q+3 of the tile, channel d
// (kernel_gradient: x's channels 4q … 4q+3 of the tile at pixel d).
var<workgroup> tile_b: array<array<vec4<f32>, TN / 4u>, DEPTH>;
// The loop's bounds, made uniform for the loop around the barriers.
var<workgroup> span_uniform: vec2<u32>;

fn geometry() -> Geo {
    return geo;
}

// The kernel at rows `row` … `row` + 3 of the product and channel `c` of the image (zero past
// the last row or channel): one index and a stride for the four.
fn kernel4(mode: u32, g: Geo, row: u32, c: u32) -> vec4<f32> {
    let rows = vec4<u32>(row, row + 1u, row + 2u, row + 3u);
    let ok = (rows < vec4<u32>(g.rows)) & vec4<bool>(c < g.channels);
    var index: vec4<u32>;
    if (mode == FORWARD) {
        // W[row, c].
        index = rows * g.channels + vec4<u32>(c);
    } else {
        // W[c, row]: the forward pass's filter c, channel row.
        index = vec4<u32>(c * g.rows) + rows;
    }
    // `select` evaluates both sides: read index 0 where the value is not wanted.
    index = select(vec4<u32>(0u), index, ok);
    return select(vec4<f32>(0.0), vec4<f32>(weight[index.x], weight[index.y], weight[index.z], weight[index.w]), ok);
}

// Pixels p … p + 3 of channel c of image b, zero past the plane and the last channel.
fn pixels4(g: Geo, b: u32, c: u32, p: u32) -> vec4<f32> {
    let ps = vec4<u32>(p, p + 1u, p + 2u, p + 3u);
    let ok = (ps < vec4<u32>(g.plane)) & vec4<bool>(c < g.channels);
    let index = select(vec4<u32>(0u), vec4<u32>((b * g.channels + c) * g.plane) + ps, ok);
    return select(vec4<f32>(0.0), vec4<f32>(image[index.x], image[index.y], image[index.z], image[index.w]), ok);
}

// Writes row `row` of the result at pixels p … p + 7 of image b (those inside the plane).
fn put(mode: u32, g: Geo, b: u32, row: u32, p: u32, l: vec4<f32>, r: vec4<f32>) {
    if (row >= g.rows) {
        return;
    }
    var shift = 0.0;
    if (mode == FORWARD) {
        shift = bias[row];
    }
    let at = (b * g.rows + row) * g.plane + p;
    // Pixels of the eight inside the plane (the caller writes none where p is past it).
    let n = min(g.plane - p, 8u);
    result[at] = l.x + shift;
    if (n > 1u) { result[at + 1u] = l.y + shift; }
    if (n > 2u) { result[at + 2u] = l.z + shift; }
    if (n > 3u) { result[at + 3u] = l.w + shift; }
    if (n > 4u) { result[at + 4u] = r.x + shift; }
    if (n > 5u) { result[at + 5u] = r.y + shift; }
    if (n > 6u) { result[at + 6u] = r.z + shift; }
    if (n > 7u) { result[at + 7u] = r.w + shift; }
}

fn product(mode: u32, group: vec3<u32>, local: vec3<u32>) {
    let g = geometry();
    if (local.x == 0u && local.y == 0u) {
        span_uniform = vec2<u32>(0u, g.channels);
    }
    let channels = workgroupUniformLoad(&span_uniform).y;
    // The tile: pixels p0 … p0 + TN − 1 of image b, rows m0 … m0 + TM − 1.
    let tiles_per_image = (g.plane + TN - 1u) / TN;
    let b = group.x / tiles_per_image;
    let p0 = (group.x % tiles_per_image) * TN;
    let m0 = group.y * TM;
    let id = local.y * ACROSS + local.x;
    let valid_image = b < g.batch;

    var acc = Block();
    for (var c0 = 0u; c0 < channels; c0 += DEPTH) {
        // Stage the kernel slice, four rows at a time; consecutive invocations take consecutive
        // channels (in the forward pass, consecutive values in storage).
        for (var u = id; u < DEPTH * (TM / 4u); u += INVOCATIONS) {
            let d = u % DEPTH;
            let q = u / DEPTH;
            tile_a[d][q] = kernel4(mode, g, m0 + 4u * q, c0 + d);
        }
        // Stage the image slice: each vec4 four consecutive pixels of a channel's plane
        // (consecutive invocations, consecutive pixels).
        for (var u = id; u < DEPTH * (TN / 4u); u += INVOCATIONS) {
            let q = u % (TN / 4u);
            let d = u / (TN / 4u);
            var v = vec4<f32>(0.0);
            if (valid_image) {
                v = pixels4(g, b, c0 + d, p0 + 4u * q);
            }
            tile_b[d][q] = v;
        }
        workgroupBarrier();

        for (var d = 0u; d < DEPTH; d++) {
            acc = accumulate(acc, tile_a[d][local.y * 2u], tile_a[d][local.y * 2u + 1u],
                             tile_b[d][local.x * 2u], tile_b[d][local.x * 2u + 1u]);
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    let p = p0 + local.x * 8u;
    if (!valid_image || p >= g.plane) {
        return;
    }
    let row = m0 + local.y * 8u;
    put(mode, g, b, row, p, acc.r0l, acc.r0r);
    put(mode, g, b, row + 1u, p, acc.r1l, acc.r1r);
    put(mode, g, b, row + 2u, p, acc.r2l, acc.r2r);
    put(mode, g, b, row + 3u, p, acc.r3l, acc.r3r);
    put(mode, g, b, row + 4u, p, acc.r4l, acc.r4r);
    put(mode, g, b, row + 5u, p, acc.r5l, acc.r5r);
    put(mode, g, b, row + 6u, p, acc.r6l, acc.r6r);
    put(mode, g, b, row + 7u, p, acc.r7l, acc.r7r);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn forward(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(FORWARD, group, local);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn input_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(INPUT, group, local);
}

// Values `row` … `row` + 3 of the rows of `source` [b, rows, plane] at image b, pixel p (zero
// past the last row): one index and a stride for the four.
fn column4(source: u32, g: Geo, rows: u32, b: u32, row: u32, p: u32) -> vec4<f32> {
    let rs = vec4<u32>(row, row + 1u, row + 2u, row + 3u);
    let ok = rs < vec4<u32>(rows);
    let index = select(vec4<u32>(0u), (vec4<u32>(b * rows) + rs) * g.plane + vec4<u32>(p), ok);
    if (source == 0u) {
        return select(vec4<f32>(0.0), vec4<f32>(weight[index.x], weight[index.y], weight[index.z], weight[index.w]), ok);
    }
    return select(vec4<f32>(0.0), vec4<f32>(image[index.x], image[index.y], image[index.z], image[index.w]), ok);
}

// Writes the partial kernel gradient of slice z at row (filter) `row`, columns (channels)
// n … n + 7 (those that exist).
fn put_kernel(g: Geo, z: u32, row: u32, n: u32, l: vec4<f32>, r: vec4<f32>) {
    if (row >= g.rows) {
        return;
    }
    let at = (z * g.rows + row) * g.channels + n;
    let count = min(g.channels - n, 8u);
    result[at] = l.x;
    if (count > 1u) { result[at + 1u] = l.y; }
    if (count > 2u) { result[at + 2u] = l.z; }
    if (count > 3u) { result[at + 3u] = l.w; }
    if (count > 4u) { result[at + 4u] = r.x; }
    if (count > 5u) { result[at + 5u] = r.y; }
    if (count > 6u) { result[at + 6u] = r.z; }
    if (count > 7u) { result[at + 7u] = r.w; }
}

// The kernel gradient: here `weight` is bound to dy [b, f, h, w] and `image` to x [b, c, h, w].
@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn kernel_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    // Reads no bias, but refers to it: the uniform comes after the buffers, so this entry point
    // has to bind a bias too (a filler) for its sizes to be at binding 4 like the others'.
    _ = arrayLength(&bias);
    let g = geometry();
    if (local.x == 0u && local.y == 0u) {
        // Slice z: pixels [z·slice, min((z + 1)·slice, b·plane)) of the batch.
        let first = group.z * g.slice;
        span_uniform = vec2<u32>(first, min(first + g.slice, g.batch * g.plane));
    }
    let span = workgroupUniformLoad(&span_uniform);
    let m0 = group.y * TM;
    let n0 = group.x * TN;
    let id = local.y * ACROSS + local.x;
    // The step's image and first pixel, moved DEPTH along per step (the plane is a multiple of
    // DEPTH: a step never crosses into the next image).
    var b = span.x / max(g.plane, 1u);
    var p0 = span.x - b * g.plane;

    var acc = Block();
    for (var k = span.x; k < span.y; k += DEPTH) {
        // Stage dy's filters and x's channels at the step's pixels, four rows at a time;
        // consecutive invocations take consecutive pixels (consecutive values in storage).
        for (var u = id; u < DEPTH * (TM / 4u); u += INVOCATIONS) {
            let d = u % DEPTH;
            tile_a[d][u / DEPTH] = column4(0u, g, g.rows, b, m0 + 4u * (u / DEPTH), p0 + d);
        }
        for (var u = id; u < DEPTH * (TN / 4u); u += INVOCATIONS) {
            let d = u % DEPTH;
            tile_b[d][u / DEPTH] = column4(1u, g, g.channels, b, n0 + 4u * (u / DEPTH), p0 + d);
        }
        workgroupBarrier();

        for (var d = 0u; d < DEPTH; d++) {
            acc = accumulate(acc, tile_a[d][local.y * 2u], tile_a[d][local.y * 2u + 1u],
                             tile_b[d][local.x * 2u], tile_b[d][local.x * 2u + 1u]);
        }
        p0 += DEPTH;
        if (p0 >= g.plane) {
            p0 = 0u;
            b += 1u;
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    let n = n0 + local.x * 8u;
    if (n >= g.channels) {
        return;
    }
    let row = m0 + local.y * 8u;
    put_kernel(g, group.z, row, n, acc.r0l, acc.r0r);
    put_kernel(g, group.z, row + 1u, n, acc.r1l, acc.r1r);
    put_kernel(g, group.z, row + 2u, n, acc.r2l, acc.r2r);
    put_kernel(g, group.z, row + 3u, n, acc.r3l, acc.r3r);
    put_kernel(g, group.z, row + 4u, n, acc.r4l, acc.r4r);
    put_kernel(g, group.z, row + 5u, n, acc.r5l, acc.r5r);
    put_kernel(g, group.z, row + 6u, n, acc.r6l, acc.r6r);
    put_kernel(g, group.z, row + 7u, n, acc.r7l, acc.r7r);
}
