// The kernel gradient of a 3×3, stride-1, "same"-padded convolution (one zero row and column on
// each side), from patches of the image staged in workgroup memory: the third product of a
// training step for the layers whose other two run by shaders/conv_patch.wgsl. NCHW, the
// kernel's gradient as burn keeps the kernel, [f, c, 3, 3]:
//
//   dW[m, c, i, j] = Σ over images b and output pixels (oy, ox) of
//                    dy[b, m, oy, ox] · x[b, c, oy + i − 1, ox + j − 1]
//
// Why: shaders/conv.wgsl computes this as a matrix product whose columns are the taps (c, i, j)
// and gathers x once per tap, with its own bounds test: the gathers were most of its time, and
// the kernel gradient became the largest of the three products once the other two read patches
// (BENCHMARKS.md). Here a workgroup computes the gradient of TM filters (rows) for CH channels
// and their nine taps, over a slice of the batch's output pixels, and per step stages LINES
// output rows of one image: the output gradient under them [TM, LINES · WIDTH] and the image
// rows they read [CH, LINES + 2, WIDTH + 2], each value read from storage once. An invocation
// holds the gradient of 8 filters × the 9 taps of one channel (eighteen vec4 registers) and walks
// the output pixels of the step along their rows, keeping the 3 × 3 window of the image under the
// current pixel in registers: per pixel it reads three new image values and two vec4 of the
// output gradient for 72 multiply-adds.
//
// The slices of the output pixels are split along the dispatch's z (whole tiles of LINES rows of
// an image each): workgroup z writes its own partial gradient [z, f, c · 9], which
// src/conv/gpu.rs adds up (burn's sum over z), as for shaders/conv.wgsl's kernel_gradient.
// src/conv/gpu.rs writes TM (16, 32 or 64), CH (4, 8 or 16), WIDTH (a multiple of 8) and LINES
// (a divisor of the height) into the `const` lines below, so that the staged values fit WebGPU's
// 16 KiB of workgroup memory.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's bounds
// checks.

// The output gradient dy [b, f, h, w].
@group(0) @binding(0) var<storage, read_write> dy: array<f32>;
// The input x [b, c, h, w].
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
// The partial kernel gradients [z, f, c · 9].
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// The sizes: cubecl's launch metadata, which it stages into a uniform of its own (cached by
// content, so a layer's sizes are written once) and binds after the buffers.
@group(0) @binding(3) var<uniform> geo: Geo;

const TM: u32 = 16u;        // filters of a tile (16, 32 or 64): written by src/conv/gpu.rs
const CH: u32 = 16u;        // channels of a tile: written by src/conv/gpu.rs
const WIDTH: u32 = 32u;     // the maps' width (a multiple of 8): written by src/conv/gpu.rs
const LINES: u32 = 2u;      // output rows staged per step: written by src/conv/gpu.rs
const PIXELS: u32 = LINES * WIDTH;
const INVOCATIONS: u32 = CH * (TM / 8u);
// Columns of a patch row: image columns −1 … WIDTH.
const SPAN: u32 = WIDTH + 2u;
const PATCH_LINES: u32 = LINES + 2u;

struct Geo {
    batch: u32,
    channels: u32,
    height: u32,
    filters: u32,
    per: u32,       // tiles of LINES output rows in one slice of the output pixels (one z)
}

// The output gradient of the step: tile_dy[p][q] = filters 4q … 4q+3 at output pixel p of the
// step, so that one read gives an invocation four of its filters.
var<workgroup> tile_dy: array<array<vec4<f32>, TM / 4u>, PIXELS>;
// The image rows of the step: tile_x[(c · PATCH_LINES + l) · SPAN + s] = image row l − 1 of the
// step's first output row, column s − 1, of the tile's channel c; zero outside the image and past
// the last channel.
var<workgroup> tile_x: array<f32, CH * PATCH_LINES * SPAN>;
// This workgroup's tiles of output rows, made uniform for the loop around the barriers.
var<workgroup> span: vec2<u32>;

fn geometry() -> Geo {
    return geo;
}

// An invocation's gradient: tap t's filters 0–3 (l) and 4–7 (h).
struct Taps {
    t0l: vec4<f32>, t0h: vec4<f32>, t1l: vec4<f32>, t1h: vec4<f32>, t2l: vec4<f32>, t2h: vec4<f32>,
    t3l: vec4<f32>, t3h: vec4<f32>, t4l: vec4<f32>, t4h: vec4<f32>, t5l: vec4<f32>, t5h: vec4<f32>,
    t6l: vec4<f32>, t6h: vec4<f32>, t7l: vec4<f32>, t7h: vec4<f32>, t8l: vec4<f32>, t8h: vec4<f32>,
}

// `acc` plus the output gradient of eight filters (l, h) times the 3 × 3 window of the image
// under one output pixel (w0, w1, w2: its rows, x y z its columns).
fn accumulate(acc: Taps, l: vec4<f32>, h: vec4<f32>, w0: vec3<f32>, w1: vec3<f32>, w2: vec3<f32>) -> Taps {
    return Taps(
        fma(l, vec4<f32>(w0.x), acc.t0l), fma(h, vec4<f32>(w0.x), acc.t0h),
        fma(l, vec4<f32>(w0.y), acc.t1l), fma(h, vec4<f32>(w0.y), acc.t1h),
        fma(l, vec4<f32>(w0.z), acc.t2l), fma(h, vec4<f32>(w0.z), acc.t2h),
        fma(l, vec4<f32>(w1.x), acc.t3l), fma(h, vec4<f32>(w1.x), acc.t3h),
        fma(l, vec4<f32>(w1.y), acc.t4l), fma(h, vec4<f32>(w1.y), acc.t4h),
        fma(l, vec4<f32>(w1.z), acc.t5l), fma(h, vec4<f32>(w1.z), acc.t5h),
        fma(l, vec4<f32>(w2.x), acc.t6l), fma(h, vec4<f32>(w2.x), acc.t6h),
        fma(l, vec4<f32>(w2.y), acc.t7l), fma(h, vec4<f32>(w2.y), acc.t7h),
        fma(l, vec4<f32>(w2.z), acc.t8l), fma(h, vec4<f32>(w2.z), acc.t8h),
    );
}

// Writes tap t's gradient of filters m … m + 3 (`v`) for channel c of slice z.
fn put(g: Geo, z: u32, m: u32, c: u32, t: u32, v: vec4<f32>) {
    let row = g.channels * 9u;
    let at = (z * g.filters + m) * row + c * 9u + t;
    if (m < g.filters) { result[at] = v.x; }
    if (m + 1u < g.filters) { result[at + row] = v.y; }
    if (m + 2u < g.filters) { result[at + 2u * row] = v.z; }
    if (m + 3u < g.filters) { result[at + 3u * row] = v.w; }
}

@compute @workgroup_size(CH, TM / 8u, 1)
fn kernel_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let g = geometry();
    let tiles_per_image = g.height / LINES;
    if (local.x == 0u && local.y == 0u) {
        let first = group.z * g.per;
        span = vec2<u32>(first, min(first + g.per, g.batch * tiles_per_image));
    }
    let range = workgroupUniformLoad(&span);
    let c0 = group.x * CH;
    let m0 = group.y * TM;
    let id = local.y * CH + local.x;
    // The invocation's channel (of the tile) and filters m0 + 8·local.y … + 7.
    let c = local.x;
    let q = local.y * 2u;

    var acc = Taps(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0),
                   vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0),
                   vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0),
                   vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
    for (var tile = range.x; tile < range.y; tile++) {
        let b = tile / tiles_per_image;
        let oy0 = (tile % tiles_per_image) * LINES;
        // Stage the output gradient: four filters at one pixel per vec4; consecutive
        // invocations take consecutive pixels.
        let plane = g.height * WIDTH;
        for (var u = id; u < PIXELS * (TM / 4u); u += INVOCATIONS) {
            let p = u % PIXELS;
            let f = m0 + 4u * (u / PIXELS);
            let rows = vec4<u32>(f, f + 1u, f + 2u, f + 3u);
            let ok = rows < vec4<u32>(g.filters);
            let index = select(vec4<u32>(0u), (vec4<u32>(b * g.filters) + rows) * plane + vec4<u32>(oy0 * WIDTH + p), ok);
            tile_dy[p][u / PIXELS] = select(vec4<f32>(0.0), vec4<f32>(dy[index.x], dy[index.y], dy[index.z], dy[index.w]), ok);
        }
        // Stage the image rows, zeros where the padding is; consecutive invocations take
        // consecutive columns.
        for (var u = id; u < CH * PATCH_LINES * SPAN; u += INVOCATIONS) {
            let s = u % SPAN;
            let rest = u / SPAN;
            let l = rest % PATCH_LINES;
            let ch = c0 + rest / PATCH_LINES;
            // Unsigned: row and column −1 wrap past the bounds.
            let y = oy0 + l - 1u;
            let col = s - 1u;
            let ok = ch < g.channels && y < g.height && col < WIDTH;
            let index = select(0u, ((b * g.channels + ch) * g.height + y) * WIDTH + col, ok);
            tile_x[u] = select(0.0, x[index], ok);
        }
        workgroupBarrier();

        for (var l = 0u; l < LINES; l++) {
            // The window's rows: image rows oy − 1, oy, oy + 1 of output row oy = oy0 + l, from
            // column −1; each step along the row reads one new column.
            let row0 = (c * PATCH_LINES + l) * SPAN;
            var w0 = vec3<f32>(0.0, tile_x[row0], tile_x[row0 + 1u]);
            var w1 = vec3<f32>(0.0, tile_x[row0 + SPAN], tile_x[row0 + SPAN + 1u]);
            var w2 = vec3<f32>(0.0, tile_x[row0 + 2u * SPAN], tile_x[row0 + 2u * SPAN + 1u]);
            for (var ox = 0u; ox < WIDTH; ox++) {
                let s = row0 + ox + 2u;
                w0 = vec3<f32>(w0.yz, tile_x[s]);
                w1 = vec3<f32>(w1.yz, tile_x[s + SPAN]);
                w2 = vec3<f32>(w2.yz, tile_x[s + 2u * SPAN]);
                let p = l * WIDTH + ox;
                acc = accumulate(acc, tile_dy[p][q], tile_dy[p][q + 1u], w0, w1, w2);
            }
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    let ch = c0 + c;
    if (ch >= g.channels) {
        return;
    }
    let m = m0 + local.y * 8u;
    put(g, group.z, m, ch, 0u, acc.t0l);
    put(g, group.z, m + 4u, ch, 0u, acc.t0h);
    put(g, group.z, m, ch, 1u, acc.t1l);
    put(g, group.z, m + 4u, ch, 1u, acc.t1h);
    put(g, group.z, m, ch, 2u, acc.t2l);
    put(g, group.z, m + 4u, ch, 2u, acc.t2h);
    put(g, group.z, m, ch, 3u, acc.t3l);
    put(g, group.z, m + 4u, ch, 3u, acc.t3h);
    put(g, group.z, m, ch, 4u, acc.t4l);
    put(g, group.z, m + 4u, ch, 4u, acc.t4h);
    put(g, group.z, m, ch, 5u, acc.t5l);
    put(g, group.z, m + 4u, ch, 5u, acc.t5h);
    put(g, group.z, m, ch, 6u, acc.t6l);
    put(g, group.z, m + 4u, ch, 6u, acc.t6h);
    put(g, group.z, m, ch, 7u, acc.t7l);
    put(g, group.z, m + 4u, ch, 7u, acc.t7h);
    put(g, group.z, m, ch, 8u, acc.t8l);
    put(g, group.z, m + 4u, ch, 8u, acc.t8h);
}
