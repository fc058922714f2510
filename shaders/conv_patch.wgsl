// The 3×3 "same"-padded convolutions whose workgroups stage a patch of the image in workgroup
// memory, for the products of a training step that have that shape: the forward pass with stride
// 1 (one zero row and column on each side) or stride 2 (TensorFlow's "same" on even maps: one zero
// row below and one zero column right of the image, none before), the stride-1 input gradient,
// which is the forward convolution of the output gradient with the kernel transposed and turned
// by 180°, and the stride-2 input gradient. src/conv/gpu.rs launches it for those layers (all the
// nets' 3×3 convolutions) instead of the general kernels of shaders/conv.wgsl; NCHW throughout,
// the kernel as burn keeps it [f, c, 3, 3], s the stride and p the zeros before the image (1 at
// stride 1, 0 at stride 2):
//
//   forward                  y[b, m, oy, ox] = Σ W[m, c, i, j] · x[b, c, s·oy + i − p, s·ox + j − p] + bias[m]
//   input_gradient           dx[b, m, y, x]  = Σ W[c, m, 2 − i, 2 − j] · dy[b, c, y + i − 1, x + j − 1]
//   input_gradient_strided   dx[b, m, y, x]  = Σ W[c, m, i, j] · dy[b, c, (y − i)/2, (x − j)/2],
//                                              over the taps with y − i and x − j even
//
// (in the input gradients the "channels" c are the forward pass's filters and the rows m its
// channels).
//
// Why: shaders/conv.wgsl gathers each value of the im2col matrix from storage, once per tap, with
// its own bounds test. A 3×3 layer's image pixel is nine values of that matrix, and on layers of
// 16 filters (tiles of 16 rows) a gathered value serves only 16 multiply-adds: those gathers were
// most of such a layer's time (BENCHMARKS.md). Here a workgroup computes a tile of TM rows
// (filters) by LINES whole rows of the result of one image (TN = LINES · COLUMNS columns), and
// per step stages the image rows under them, CHUNK channels at a time, each pixel read from
// storage once, with the padding's zeros written into the patch. The nine taps then read the
// patch at nine offsets: for an invocation's eight consecutive output columns, the three taps of
// a kernel row are three vec4 of the patch row, shifted by swizzles (stride 1), or the even and
// odd columns of five vec4 (stride 2). Per step an invocation reads 3 vec4 of the patch (5 at
// stride 2) and 2 of the kernel slice for each 64 multiply-adds of a tap row's three taps (where
// shaders/matmul.wgsl reads 4 vec4 for each 64).
//
// input_gradient_strided: dx's rows of one parity (dispatch z: even rows, then odd ones) take
// the same taps: even rows the kernel rows 0 and 2, odd rows row 1, each from one row of dy.
// A workgroup computes LINES such rows of dx and stages the LINES + 1 rows of dy under them; an
// invocation computes 8 rows by 8 consecutive columns of one dx row, its block's left half the
// even columns (taps 0 and 2 of a kernel row) and its right half the odd ones (tap 1), so that
// every multiply-add is one of the product's: 2 vec4 of dy per kernel row.
//
// Each invocation computes an 8 × 8 block of the tile, held in sixteen vec4 registers, as in
// shaders/conv.wgsl. src/conv/gpu.rs writes TM (16, 32 or 64), WIDTH (the forward pass's input
// width), COLUMNS (the result's width: WIDTH / STRIDE forward, WIDTH for the input gradients; a
// multiple of 8), LINES (rows of the result per tile, dividing its height, LINES · COLUMNS ≤ 128)
// and STRIDE into the `const` lines below.
//
// The 8 × 8 block and its multiply-adds (`Block`, `accumulate`, `accumulate_left`,
// `accumulate_right`) are shaders/block.wgsl's, which src/conv/gpu.rs appends to this source.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's bounds
// checks.

// The kernel [f, c, 3, 3] (f the forward pass's filters).
@group(0) @binding(0) var<storage, read_write> weight: array<f32>;
// The image convolved: x [b, c, h, w] (forward) or dy [b, f, h', w'] (the input gradients).
@group(0) @binding(1) var<storage, read_write> image: array<f32>;
// The result: y [b, f, h', w'] or dx [b, c, h, w].
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// The sizes, as the Geo struct below lists them.
@group(0) @binding(3) var<storage, read_write> geo: array<u32>;
// The bias [f] (forward; the input gradients bind one unused value).
@group(0) @binding(4) var<storage, read_write> bias: array<f32>;

const TM: u32 = 64u;        // rows of a tile (16, 32 or 64): written by src/conv/gpu.rs
const WIDTH: u32 = 32u;     // the forward pass's input width: written by src/conv/gpu.rs
const COLUMNS: u32 = 32u;   // the result's width (a multiple of 8): written by src/conv/gpu.rs
const LINES: u32 = 4u;      // rows of the result per tile: written by src/conv/gpu.rs
const STRIDE: u32 = 1u;     // 1 or 2: written by src/conv/gpu.rs
const PAD: u32 = 2u - STRIDE;                   // zero rows (columns) before the image: 1 or 0
const TN: u32 = LINES * COLUMNS;
const ACROSS: u32 = TN / 8u;                    // invocations along the columns
const INVOCATIONS: u32 = ACROSS * (TM / 8u);
const CHUNK: u32 = 4u;                          // channels staged per step
const DEPTH: u32 = CHUNK * 9u;                  // (channel, tap) pairs per step
// forward, input_gradient: vec4 of one patch row, image columns −p … WIDTH + 3 − p (past
// WIDTH − 1 only zeros: the padding, or filling the last vec4), and the image rows under LINES
// rows of the result.
const QUADS: u32 = WIDTH / 4u + 1u;
const PATCH_LINES: u32 = STRIDE * (LINES - 1u) + 3u;
// input_gradient_strided: vec4 of one row of dy (WIDTH / 2 wide), columns −4 … WIDTH / 2 − 1,
// and the rows of dy under LINES rows of dx of one parity (fewer than the patch's at stride 2:
// they go in tile_p).
const DY_QUADS: u32 = WIDTH / 8u + 1u;
const DY_LINES: u32 = LINES + 1u;

const FORWARD: u32 = 0u;
const INPUT: u32 = 1u;
const STRIDED: u32 = 2u;

struct Geo {
    batch: u32,
    channels: u32,  // of the image convolved
    height: u32,    // of the forward pass's input
    rows: u32,      // of the product: the filters (forward) or the channels (input gradients)
}

// The kernel slice of the step: tile_a[d][q] = rows 4q … 4q+3 at d = (channel, tap) of the
// chunk, so that one read gives an invocation four of its rows.
var<workgroup> tile_a: array<array<vec4<f32>, TM / 4u>, DEPTH>;
// forward, input_gradient: the image patch of the step: tile_p[(c · PATCH_LINES + l) · QUADS + q]
// = image row s · oy0 + l − p (oy0 the tile's first output row), columns 4q − p … 4q + 3 − p, of
// the chunk's channel c; zero outside the image and past the last channel.
// input_gradient_strided: the rows of dy of the step, in its first CHUNK · DY_LINES · DY_QUADS:
// tile_p[(c · DY_LINES + l) · DY_QUADS + q] = dy row r0 + l − 1 (r0 the tile's first row of its
// parity), columns 4q − 4 … 4q − 1, of the chunk's filter c; zero outside dy and past the last
// filter.
var<workgroup> tile_p: array<vec4<f32>, CHUNK * PATCH_LINES * QUADS>;
// The channels, made uniform for the loop around the barriers.
var<workgroup> channels_uniform: u32;

fn geometry() -> Geo {
    return Geo(geo[0], geo[1], geo[2], geo[3]);
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
    } else if (mode == INPUT) {
        // W[c, row, 2 − i, 2 − j]: the forward pass's filter c, channel row, the tap turned by 180°.
        first = c * g.rows * 9u + 8u - t;
        stride = 9u;
    } else {
        // W[c, row, i, j].
        first = c * g.rows * 9u + t;
        stride = 9u;
    }
    // `select` evaluates both sides: read index 0 where the value is not wanted.
    let index = select(vec4<u32>(0u), rows * stride + vec4<u32>(first), ok);
    return select(vec4<f32>(0.0), vec4<f32>(weight[index.x], weight[index.y], weight[index.z], weight[index.w]), ok);
}

// Pixels (c, y, x … x + 3) of image b of planes `height` × `width`, zero outside the plane and
// past the last channel.
fn pixels4(g: Geo, b: u32, c: u32, y: i32, x: i32, height: u32, width: u32) -> vec4<f32> {
    let xs = vec4<i32>(x, x + 1, x + 2, x + 3);
    // Unsigned: a negative coordinate wraps past the bound.
    let row_ok = c < g.channels && u32(y) < height;
    let ok = (vec4<u32>(xs) < vec4<u32>(width)) & vec4<bool>(row_ok);
    let first = i32(((b * g.channels + c) * height) * width) + y * i32(width);
    let index = vec4<u32>(select(vec4<i32>(0), vec4<i32>(first) + xs, ok));
    return select(vec4<f32>(0.0), vec4<f32>(image[index.x], image[index.y], image[index.z], image[index.w]), ok);
}

// Writes row `row` of the result (planes of `height` × COLUMNS) at row `y`, columns x … x + 7 of
// image b: `l` then `r`, or interleaved (l.x, r.x, l.y, r.y, …) where `interleaved`.
fn put(mode: u32, g: Geo, b: u32, row: u32, height: u32, y: u32, x: u32, l: vec4<f32>, r: vec4<f32>, interleaved: bool) {
    if (row >= g.rows) {
        return;
    }
    var shift = 0.0;
    if (mode == FORWARD) {
        shift = bias[row];
    }
    let at = ((b * g.rows + row) * height + y) * COLUMNS + x;
    var first = l;
    var second = r;
    if (interleaved) {
        first = vec4<f32>(l.x, r.x, l.y, r.y);
        second = vec4<f32>(l.z, r.z, l.w, r.w);
    }
    result[at] = first.x + shift;
    result[at + 1u] = first.y + shift;
    result[at + 2u] = first.z + shift;
    result[at + 3u] = first.w + shift;
    result[at + 4u] = second.x + shift;
    result[at + 5u] = second.y + shift;
    result[at + 6u] = second.z + shift;
    result[at + 7u] = second.w + shift;
}

// Writes an invocation's block: rows `row` … `row` + 7 at row `y`, columns x … x + 7.
fn put_block(mode: u32, g: Geo, b: u32, row: u32, height: u32, y: u32, x: u32, acc: Block, interleaved: bool) {
    put(mode, g, b, row, height, y, x, acc.r0l, acc.r0r, interleaved);
    put(mode, g, b, row + 1u, height, y, x, acc.r1l, acc.r1r, interleaved);
    put(mode, g, b, row + 2u, height, y, x, acc.r2l, acc.r2r, interleaved);
    put(mode, g, b, row + 3u, height, y, x, acc.r3l, acc.r3r, interleaved);
    put(mode, g, b, row + 4u, height, y, x, acc.r4l, acc.r4r, interleaved);
    put(mode, g, b, row + 5u, height, y, x, acc.r5l, acc.r5r, interleaved);
    put(mode, g, b, row + 6u, height, y, x, acc.r6l, acc.r6r, interleaved);
    put(mode, g, b, row + 7u, height, y, x, acc.r7l, acc.r7r, interleaved);
}

// Stages the kernel slice of the chunk from channel c0: (channel, tap) d of the chunk, four rows
// at a time; consecutive invocations take consecutive d (in the forward pass, consecutive values
// in storage).
fn stage_kernel(mode: u32, g: Geo, m0: u32, c0: u32, id: u32) {
    for (var u = id; u < DEPTH * (TM / 4u); u += INVOCATIONS) {
        let d = u % DEPTH;
        let q = u / DEPTH;
        tile_a[d][q] = kernel4(mode, g, m0 + 4u * q, c0 + d / 9u, d % 9u);
    }
}

// forward and input_gradient.
fn product(mode: u32, group: vec3<u32>, local: vec3<u32>) {
    let g = geometry();
    if (local.x == 0u && local.y == 0u) {
        channels_uniform = g.channels;
    }
    let channels = workgroupUniformLoad(&channels_uniform);
    // The tile: output rows oy0 … oy0 + LINES − 1 of image b, rows m0 … m0 + TM − 1.
    let out_h = g.height / STRIDE;
    let tiles_per_image = out_h / LINES;
    let b = group.x / tiles_per_image;
    let oy0 = (group.x % tiles_per_image) * LINES;
    let m0 = group.y * TM;
    // The invocation: block rows m0 + 8·local.y …, output row oy0 + line, columns ox … ox + 7.
    let line = (local.x * 8u) / COLUMNS;
    let ox = (local.x * 8u) % COLUMNS;
    let id = local.y * ACROSS + local.x;
    let valid_image = b < g.batch;

    var acc = Block();
    for (var c0 = 0u; c0 < channels; c0 += CHUNK) {
        stage_kernel(mode, g, m0, c0, id);
        // Stage the patch: each vec4 four consecutive pixels of an image row (consecutive
        // invocations, consecutive pixels), zeros where the padding is.
        for (var u = id; u < CHUNK * PATCH_LINES * QUADS; u += INVOCATIONS) {
            let q = u % QUADS;
            let rest = u / QUADS;
            let l = rest % PATCH_LINES;
            let c = c0 + rest / PATCH_LINES;
            let y = i32(STRIDE * oy0 + l) - i32(PAD);
            let x = i32(4u * q) - i32(PAD);
            var v = vec4<f32>(0.0);
            if (valid_image) {
                v = pixels4(g, b, c, y, x, g.height, WIDTH);
            }
            tile_p[u] = v;
        }
        workgroupBarrier();

        for (var cc = 0u; cc < CHUNK; cc++) {
            for (var i = 0u; i < 3u; i++) {
                // The patch row under output row `line` for tap row i, from image column
                // s·ox − p on.
                let at = (cc * PATCH_LINES + STRIDE * line + i) * QUADS + STRIDE * ox / 4u;
                let d = cc * 9u + i * 3u;
                let a = local.y * 2u;
                if (STRIDE == 1u) {
                    // p0, p1, p2 hold columns ox − 1 … ox + 10; tap j reads ox + j − 1 … ox + j + 6.
                    let p0 = tile_p[at];
                    let p1 = tile_p[at + 1u];
                    let p2 = tile_p[at + 2u];
                    acc = accumulate(acc, tile_a[d][a], tile_a[d][a + 1u], p0, p1);
                    acc = accumulate(acc, tile_a[d + 1u][a], tile_a[d + 1u][a + 1u],
                                     vec4<f32>(p0.yzw, p1.x), vec4<f32>(p1.yzw, p2.x));
                    acc = accumulate(acc, tile_a[d + 2u][a], tile_a[d + 2u][a + 1u],
                                     vec4<f32>(p0.zw, p1.xy), vec4<f32>(p1.zw, p2.xy));
                } else {
                    // p0 … p4 hold columns 2·ox … 2·ox + 19; tap j reads 2·ox + j, 2·ox + j + 2, ….
                    let p0 = tile_p[at];
                    let p1 = tile_p[at + 1u];
                    let p2 = tile_p[at + 2u];
                    let p3 = tile_p[at + 3u];
                    let p4 = tile_p[at + 4u];
                    acc = accumulate(acc, tile_a[d][a], tile_a[d][a + 1u],
                                     vec4<f32>(p0.xz, p1.xz), vec4<f32>(p2.xz, p3.xz));
                    acc = accumulate(acc, tile_a[d + 1u][a], tile_a[d + 1u][a + 1u],
                                     vec4<f32>(p0.yw, p1.yw), vec4<f32>(p2.yw, p3.yw));
                    acc = accumulate(acc, tile_a[d + 2u][a], tile_a[d + 2u][a + 1u],
                                     vec4<f32>(p0.z, p1.xz, p2.x), vec4<f32>(p2.z, p3.xz, p4.x));
                }
            }
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    if (!valid_image) {
        return;
    }
    put_block(mode, g, b, m0 + local.y * 8u, out_h, oy0 + line, ox, acc, false);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn forward(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(FORWARD, group, local);
}

@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn input_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(INPUT, group, local);
}

// The input gradient of a stride-2 layer (STRIDE 2; COLUMNS = WIDTH, LINES rows of dx of one
// parity per tile, the parity the dispatch's z).
@compute @workgroup_size(ACROSS, TM / 8u, 1)
fn input_gradient_strided(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let g = geometry();
    if (local.x == 0u && local.y == 0u) {
        channels_uniform = g.channels;
    }
    let channels = workgroupUniformLoad(&channels_uniform);
    // dy's planes, and dx's rows of one parity: half as high as dx.
    let half = g.height / 2u;
    let dy_w = WIDTH / 2u;
    // The tile: dx rows 2·(r0 + l) + parity, l < LINES, of image b, rows m0 … m0 + TM − 1.
    let parity = group.z;
    let tiles_per_image = half / LINES;
    let b = group.x / tiles_per_image;
    let r0 = (group.x % tiles_per_image) * LINES;
    let m0 = group.y * TM;
    // The invocation: dx row 2·(r0 + line) + parity, columns x … x + 7, whose even columns read
    // dy columns x/2 − 1 … x/2 + 3.
    let line = (local.x * 8u) / COLUMNS;
    let x = (local.x * 8u) % COLUMNS;
    let id = local.y * ACROSS + local.x;
    let valid_image = b < g.batch;

    var acc = Block();
    for (var c0 = 0u; c0 < channels; c0 += CHUNK) {
        stage_kernel(STRIDED, g, m0, c0, id);
        // Stage dy's rows r0 − 1 … r0 + LINES − 1, four columns per vec4 from column −4.
        for (var u = id; u < CHUNK * DY_LINES * DY_QUADS; u += INVOCATIONS) {
            let q = u % DY_QUADS;
            let rest = u / DY_QUADS;
            let l = rest % DY_LINES;
            let c = c0 + rest / DY_LINES;
            var v = vec4<f32>(0.0);
            if (valid_image) {
                v = pixels4(g, b, c, i32(r0 + l) - 1, i32(4u * q) - 4, half, dy_w);
            }
            tile_p[u] = v;
        }
        workgroupBarrier();

        for (var cc = 0u; cc < CHUNK; cc++) {
            // Kernel rows i of the parity: even dx rows 0 and 2, odd ones 1; row i reads dy row
            // r0 + line − (i − parity)/2, patch line line + 1 − (i − parity)/2.
            for (var i = parity; i < 3u; i += 2u) {
                let at = (cc * DY_LINES + line + 1u - (i - parity) / 2u) * DY_QUADS + x / 8u + 1u;
                let before = tile_p[at - 1u];    // dy columns x/2 − 4 … x/2 − 1
                let here = tile_p[at];           // dy columns x/2 … x/2 + 3
                let d = cc * 9u + i * 3u;
                let a = local.y * 2u;
                // Even columns x + 2k: tap 0 at dy column x/2 + k, tap 2 at x/2 + k − 1.
                acc = accumulate_left(acc, tile_a[d][a], tile_a[d][a + 1u], here);
                acc = accumulate_left(acc, tile_a[d + 2u][a], tile_a[d + 2u][a + 1u], vec4<f32>(before.w, here.xyz));
                // Odd columns x + 2k + 1: tap 1 at dy column x/2 + k.
                acc = accumulate_right(acc, tile_a[d + 1u][a], tile_a[d + 1u][a + 1u], here);
            }
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    if (!valid_image) {
        return;
    }
    put_block(STRIDED, g, b, m0 + local.y * 8u, g.height, 2u * (r0 + line) + parity, x, acc, true);
}
