// A 3×3, stride-1, "same"-padded convolution (one zero row and column on each side) whose
// workgroups stage a patch of the image in workgroup memory, for the two products of a training
// step that are such a convolution: the forward pass, and the input gradient, which is the
// forward convolution of the output gradient with the kernel transposed and turned by 180°.
// src/conv/gpu.rs launches it for those layers (most of the nets' convolutions) instead of the
// general kernels of shaders/conv.wgsl; NCHW throughout, the kernel as burn keeps it [f, c, 3, 3]:
//
//   forward           y[b, m, oy, ox]  = Σ W[m, c, i, j] · x[b, c, oy + i − 1, ox + j − 1] + bias[m]
//   input_gradient    dx[b, m, y, x]   = Σ W[c, m, 2 − i, 2 − j] · dy[b, c, y + i − 1, x + j − 1]
//
// (in input_gradient the "channels" c are the forward pass's filters and the rows m its channels).
//
// Why: shaders/conv.wgsl gathers each value of the im2col matrix from storage, once per tap, with
// its own bounds test. A 3×3 layer's image pixel is nine values of that matrix, and on layers of
// 16 filters (tiles of 16 rows) a gathered value serves only 16 multiply-adds: those gathers were
// most of such a layer's time (BENCHMARKS.md). Here a workgroup computes a tile of TM rows
// (filters) by LINES whole output rows of one image (TN = LINES · WIDTH columns), and per step
// stages the image rows under them, CHUNK channels at a time, each pixel read from storage once,
// with the padding's zeros written into the patch. The nine taps then read the patch at nine
// offsets: for an invocation's eight consecutive output columns, the three taps of a kernel row
// are three vec4 of the patch row, shifted by swizzles. Per step an invocation reads 3 vec4 of
// the patch and 2 of the kernel slice for each 64 multiply-adds of a tap row's three taps (where
// shaders/matmul.wgsl reads 4 vec4 for each 64).
//
// Each invocation computes an 8 × 8 block of the tile (8 rows, 8 consecutive output columns of one
// output row), held in sixteen vec4 registers, as in shaders/conv.wgsl. src/conv/gpu.rs writes TM
// (16, 32 or 64), WIDTH (the maps' width, a multiple of 8) and LINES (a divisor of the height, with
// LINES · WIDTH ≤ 128) into the `const` lines below.
//
// The 8 × 8 block and its multiply-adds (`Block`, `accumulate`) are shaders/block.wgsl's, which
// src/conv/gpu.rs appends to this source.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's bounds
// checks.

// The kernel [f, c, 3, 3] (f the forward pass's filters).
@group(0) @binding(0) var<storage, read_write> weight: array<f32>;
// The image convolved: x [b, c, h, w] (forward) or dy [b, f, h, w] (input_gradient).
@group(0) @binding(1) var<storage, read_write> image: array<f32>;
// The result: y [b, f, h, w] or dx [b, c, h, w].
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// The bias [f] (forward; input_gradient binds a filler of one value).
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;
// The sizes: cubecl's launch metadata, which it stages into a uniform of its own (cached by
// content, so a layer's sizes are written once) and binds after the buffers.
@group(0) @binding(4) var<uniform> geo: Geo;

const TM: u32 = 64u;        // rows of a tile (16, 32 or 64): written by src/conv/gpu.rs
const WIDTH: u32 = 32u;     // the maps' width (a multiple of 8): written by src/conv/gpu.rs
const LINES: u32 = 4u;      // output rows of a tile: written by src/conv/gpu.rs
const TN: u32 = LINES * WIDTH;
const ACROSS: u32 = TN / 8u;                    // invocations along the columns
const INVOCATIONS: u32 = ACROSS * (TM / 8u);
const CHUNK: u32 = 4u;                          // channels staged per step
const DEPTH: u32 = CHUNK * 9u;                  // (channel, tap) pairs per step
// vec4 of one patch row: image columns −1 … WIDTH + 2 (the last two only pad the last vec4).
const QUADS: u32 = WIDTH / 4u + 1u;
const PATCH_LINES: u32 = LINES + 2u;

const FORWARD: u32 = 0u;
const INPUT: u32 = 1u;

struct Geo {
    batch: u32,
    channels: u32,  // of the image convolved
    height: u32,
    rows: u32,      // of the product: the filters (forward) or the channels (input_gradient)
}

// The kernel slice of the step: tile_a[d][q] = rows 4q … 4q+3 at d = (channel, tap) of the
// chunk, so that one read gives an invocation four of its rows.
var<workgroup> tile_a: array<array<vec4<f32>, TM / 4u>, DEPTH>;
// The image patch of the step: tile_p[(c · PATCH_LINES + l) · QUADS + q] = image row l − 1 of the
// tile's first output row, columns 4q − 1 … 4q + 2, of the chunk's channel c; zero outside the
// image and past the last channel.
var<workgroup> tile_p: array<vec4<f32>, CHUNK * PATCH_LINES * QUADS>;
// The channels, made uniform for the loop around the barriers.
var<workgroup> channels_uniform: u32;

fn geometry() -> Geo {
    return geo;
}

// The kernel at rows `row` … `row` + 3 of the product, channel `c` of the image, tap t = 3i + j
// (zero past the last row or channel): one index and a stride for the four.
fn kernel4(mode: u32, g: Geo, row: u32, c: u32, t: u32) -> vec4<f32> {
    let rows = vec4<u32>(row, row + 1u, row + 2u, row + 3u);
    let ok = (rows < vec4<u32>(g.rows)) & vec4<bool>(c < g.channels);
    var first: u32;
    var stride: u32;
    if (mode == FORWARD) {
        // W[row, c, i, j].
        first = c * 9u + t;
        stride = g.channels * 9u;
    } else {
        // W[c, row, 2 − i, 2 − j]: the forward pass's filter c, channel row, the tap turned by 180°.
        first = c * g.rows * 9u + 8u - t;
        stride = 9u;
    }
    // `select` evaluates both sides: read index 0 where the value is not wanted.
    let index = select(vec4<u32>(0u), rows * stride + vec4<u32>(first), ok);
    return select(vec4<f32>(0.0), vec4<f32>(weight[index.x], weight[index.y], weight[index.z], weight[index.w]), ok);
}

// Pixels (c, y, x … x + 3) of image b, zero outside the image and past the last channel.
fn pixels4(g: Geo, b: u32, c: u32, y: i32, x: i32) -> vec4<f32> {
    let xs = vec4<i32>(x, x + 1, x + 2, x + 3);
    // Unsigned: a negative coordinate wraps past the bound.
    let row_ok = c < g.channels && u32(y) < g.height;
    let ok = (vec4<u32>(xs) < vec4<u32>(WIDTH)) & vec4<bool>(row_ok);
    let first = i32(((b * g.channels + c) * g.height) * WIDTH) + y * i32(WIDTH);
    let index = vec4<u32>(select(vec4<i32>(0), vec4<i32>(first) + xs, ok));
    return select(vec4<f32>(0.0), vec4<f32>(image[index.x], image[index.y], image[index.z], image[index.w]), ok);
}

// Writes row `row` of the result at output row `oy`, columns ox … ox + 7 of image b.
fn put(mode: u32, g: Geo, b: u32, row: u32, oy: u32, ox: u32, l: vec4<f32>, r: vec4<f32>) {
    if (row >= g.rows) {
        return;
    }
    var shift = 0.0;
    if (mode == FORWARD) {
        shift = bias[row];
    }
    let at = ((b * g.rows + row) * g.height + oy) * WIDTH + ox;
    result[at] = l.x + shift;
    result[at + 1u] = l.y + shift;
    result[at + 2u] = l.z + shift;
    result[at + 3u] = l.w + shift;
    result[at + 4u] = r.x + shift;
    result[at + 5u] = r.y + shift;
    result[at + 6u] = r.z + shift;
    result[at + 7u] = r.w + shift;
}

fn product(mode: u32, group: vec3<u32>, local: vec3<u32>) {
    let g = geometry();
    if (local.x == 0u && local.y == 0u) {
        channels_uniform = g.channels;
    }
    let channels = workgroupUniformLoad(&channels_uniform);
    // The tile: output rows oy0 … oy0 + LINES − 1 of image b, rows m0 … m0 + TM − 1.
    let tiles_per_image = g.height / LINES;
    let b = group.x / tiles_per_image;
    let oy0 = (group.x % tiles_per_image) * LINES;
    let m0 = group.y * TM;
    // The invocation: block rows m0 + 8·local.y …, output row oy0 + line, columns ox … ox + 7.
    let line = (local.x * 8u) / WIDTH;
    let ox = (local.x * 8u) % WIDTH;
    let id = local.y * ACROSS + local.x;
    let valid_image = b < g.batch;

    var acc = Block();
    for (var c0 = 0u; c0 < channels; c0 += CHUNK) {
        // Stage the kernel slice: (channel, tap) d of the chunk, four rows at a time; consecutive
        // invocations take consecutive d (in the forward pass, consecutive values in storage).
        for (var u = id; u < DEPTH * (TM / 4u); u += INVOCATIONS) {
            let d = u % DEPTH;
            let q = u / DEPTH;
            let c = c0 + d / 9u;
            let t = d % 9u;
            tile_a[d][q] = kernel4(mode, g, m0 + 4u * q, c, t);
        }
        // Stage the patch: each vec4 four consecutive pixels of an image row (consecutive
        // invocations, consecutive pixels), zeros where the padding is.
        for (var u = id; u < CHUNK * PATCH_LINES * QUADS; u += INVOCATIONS) {
            let q = u % QUADS;
            let rest = u / QUADS;
            let l = rest % PATCH_LINES;
            let c = c0 + rest / PATCH_LINES;
            let y = i32(oy0 + l) - 1;
            let x = i32(4u * q) - 1;
            var v = vec4<f32>(0.0);
            if (valid_image) {
                v = pixels4(g, b, c, y, x);
            }
            tile_p[u] = v;
        }
        workgroupBarrier();

        for (var cc = 0u; cc < CHUNK; cc++) {
            for (var i = 0u; i < 3u; i++) {
                // The patch row under output row `line` for tap row i, from column ox − 1 on:
                // p0, p1, p2 hold columns ox − 1 … ox + 10.
                let at = (cc * PATCH_LINES + line + i) * QUADS + ox / 4u;
                let p0 = tile_p[at];
                let p1 = tile_p[at + 1u];
                let p2 = tile_p[at + 2u];
                let d = cc * 9u + i * 3u;
                // Tap j reads columns ox + j − 1 … ox + j + 6.
                acc = accumulate(acc, tile_a[d][local.y * 2u], tile_a[d][local.y * 2u + 1u], p0, p1);
                acc = accumulate(acc, tile_a[d + 1u][local.y * 2u], tile_a[d + 1u][local.y * 2u + 1u],
                                 vec4<f32>(p0.yzw, p1.x), vec4<f32>(p1.yzw, p2.x));
                acc = accumulate(acc, tile_a[d + 2u][local.y * 2u], tile_a[d + 2u][local.y * 2u + 1u],
                                 vec4<f32>(p0.zw, p1.xy), vec4<f32>(p1.zw, p2.xy));
            }
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    if (!valid_image) {
        return;
    }
    let row = m0 + local.y * 8u;
    let oy = oy0 + line;
    put(mode, g, b, row, oy, ox, acc.r0l, acc.r0r);
    put(mode, g, b, row + 1u, oy, ox, acc.r1l, acc.r1r);
    put(mode, g, b, row + 2u, oy, ox, acc.r2l, acc.r2r);
    put(mode, g, b, row + 3u, oy, ox, acc.r3l, acc.r3r);
    put(mode, g, b, row + 4u, oy, ox, acc.r4l, acc.r4r);
    put(mode, g, b, row + 5u, oy, ox, acc.r5l, acc.r5r);
    put(mode, g, b, row + 6u, oy, ox, acc.r6l, acc.r6r);
    put(mode, g, b, row + 7u, oy, ox, acc.r7l, acc.r7r);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn forward(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(FORWARD, group, local);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn input_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(INPUT, group, local);
}
