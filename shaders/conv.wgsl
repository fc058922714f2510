// A "same"-padded 2-D convolution as a tiled matrix product whose im2col operand is gathered on
// the fly from the image ("implicit GEMM"): no im2col matrix is ever written to memory.
// src/conv/gpu.rs launches the three entry points on burn's own wgpu device, one for each product
// of a training step (NCHW everywhere, the kernel as burn keeps it, [f, c, k, k]):
//
//   forward           y  = W · cols(x) + bias      M = filters,  N = batch·h'·w', K = c·k·k
//   input_gradient    dx = Wᵀ ⋆ dy                 M = channels, N = batch·h·w/s², K = f·k·k/s²
//   kernel_gradient   dW = dy · cols(x)ᵀ           M = filters,  N = c·k·k,       K = batch·h'·w'
//
// cols(x) is the im2col matrix: row (c, i, j), column (b, oy, ox) holds the input pixel under
// kernel tap (i, j) of output pixel (oy, ox), or zero in the padding. The input gradient is the
// same product turned around: for input pixel (y, x) and tap (f, i, j) it gathers the output
// gradient of the output pixel that read (y, x) through tap (i, j), if there is one. With stride
// s, output pixel oy reads input rows oy·s + i − top, so input row y is read only through the
// taps i with i ≡ y + top (mod s): with stride 2, three (y, x, i, j) in four have no output pixel.
// So the input gradient is split by the phase of the input pixel, (y mod s, x mod s), along the
// dispatch's z: workgroup z computes the input pixels of one phase, and its shared dimension
// holds only the taps that phase is read through (`Phase`), every one of which exists, and
// without a test of divisibility per value. For stride 1 there is one phase and every tap.
//
// Tiling, the same for the three: a workgroup of TN/8 × TM/8 invocations computes a TM × TN tile
// of the product, each invocation an 8 × 8 block of it held in sixteen vec4 registers (four reads
// of workgroup memory for 64 multiply-adds, as in shaders/matmul.wgsl: on emulated GPUs those
// reads cost as much as the arithmetic, BENCHMARKS.md). The shared
// dimension is walked DEPTH = 16 at a time, both slices staged in workgroup memory, so that a
// value gathered from storage is used TM times (right-hand operand) or TN times (left-hand).
// TM is 16, 32 or 64, the tile that fits the layer's rows (a 16-filter layer would leave three
// quarters of a 64-row tile idle). TN is a multiple of 8 up to 160, the one that pads the columns
// least, 128 for the long products (the kernel gradient's columns are the taps, c·k·k: 144 of
// them fill one 160-column tile to 90 %, three 64-column ones to 75 %), with a workgroup of a
// multiple of 8 invocations, at least 16. src/conv/gpu.rs writes both, and GROUPS, into the
// `const` lines below.
//
// The kernel gradient's shared dimension (131,072 at batch 128 on 32×32 maps) is long and its
// tiles are few (three for a 3×3 16→16 layer), so it is split along the dispatch's z: workgroup
// z sums the slice [z·split, (z+1)·split) and writes its own partial product, which
// src/conv/gpu.rs adds up (burn's sum over z).
//
// Nothing is divided inside the loop. A position along the shared dimension is split once into
// the digits the gathers need (`Position`) and then moved DEPTH along per step by additions with
// carries: an integer division by a value known only at run time costs tens of instructions on a
// GPU, and an emulated one (lavapipe, SwiftShader) divides lane by lane. The stride is a power of
// two (src/conv/gpu.rs checks), so the phases are masks and shifts.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// Left-hand operand: the kernel [f, c, k, k] (forward, input_gradient) or the output gradient
// dy [b, f, h', w'] (kernel_gradient).
@group(0) @binding(0) var<storage, read_write> lhs: array<f32>;
// Right-hand operand, gathered: the input x [b, c, h, w] (forward, kernel_gradient) or the
// output gradient dy (input_gradient).
@group(0) @binding(1) var<storage, read_write> rhs: array<f32>;
// The result: y [b, f, h', w'], dx [b, c, h, w], or the partial kernel gradients [z, f, c·k·k].
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// The bias [f] (forward; the gradients bind a filler of one value).
@group(0) @binding(3) var<storage, read_write> bias: array<f32>;
// The sizes: cubecl's launch metadata, which it stages into a uniform of its own (cached by
// content, so a layer's sizes are written once) and binds after the buffers.
@group(0) @binding(4) var<uniform> geo: Geo;

const TM: u32 = 64u;            // rows of a tile (16, 32 or 64): written by src/conv/gpu.rs
const TN: u32 = 128u;           // columns of a tile (a multiple of 8): written by src/conv/gpu.rs
// The left-hand slice is staged by the first GROUPS · DEPTH invocations, DEPTH of them per row
// of it (a power of two that divides TM/4; GROUPS · DEPTH ≤ the workgroup's invocations):
// written by src/conv/gpu.rs.
const GROUPS: u32 = 8u;
const ACROSS: u32 = TN / 8u;    // invocations along the columns
const DEPTH: u32 = 16u;         // slice of the shared dimension staged per step
const ROWS: u32 = 8u;           // rows of the product an invocation computes
// vec4 of the left-hand slice (DEPTH × TM/4 of them) each of those invocations stages per step.
const A_LOADS: u32 = TM / 4u / GROUPS;
// Rows of the right-hand slice each invocation gathers per step (two vec4 each: its eight columns).
const B_LOADS: u32 = DEPTH * ROWS / TM;

const FORWARD: u32 = 0u;
const INPUT: u32 = 1u;
const KERNEL: u32 = 2u;

struct Geo {
    batch: u32,
    channels: u32,
    height: u32,
    width: u32,
    filters: u32,
    kernel: u32,
    stride: u32,
    top: u32,     // zero rows above the image
    left: u32,    // zero columns left of it
    out_h: u32,
    out_w: u32,
    m: u32,       // rows of the product
    n: u32,       // its columns (input_gradient: those of one phase, batch·⌈h/s⌉·⌈w/s⌉)
    k: u32,       // its shared dimension (input_gradient: the longest phase's, f·⌈k/s⌉²)
    split: u32,   // the slice of it one z sums (kernel_gradient; otherwise k)
}

// The input pixels of one phase of the input gradient, (y, x) = (py + s·y', px + s·x'), and the
// taps that read them: (i, j) = (i0 + s·t, j0 + s·u), t < taps.x, u < taps.y. Through tap t,
// pixel row y' was read by output row oy = y' + reach.x − t (exactly: y + top − i is a multiple
// of s, and reach = (py + top − i0) / s), if 0 ≤ oy < h'.
struct Phase {
    first: vec2<u32>,   // (py, px)
    tap: vec2<u32>,     // (i0, j0)
    taps: vec2<u32>,
    reach: vec2<i32>,
    grid: vec2<u32>,    // (⌈h/s⌉, ⌈w/s⌉): the rows and columns of pixels a phase may have
}

// The current slices: tile_a[k][q] = rows 4q .. 4q+3 of the left-hand slice at k (so that one
// read gives an invocation its four rows), tile_b[k][q] = columns 4q .. 4q+3 of the right-hand
// slice at k.
var<workgroup> tile_a: array<array<vec4<f32>, TM / 4u>, DEPTH>;
var<workgroup> tile_b: array<array<vec4<f32>, TN / 4u>, DEPTH>;
// This workgroup's range of the shared dimension, made uniform for the loop around the barriers.
var<workgroup> span: vec2<u32>;

fn geometry() -> Geo {
    return geo;
}

// Phase `z` of the input gradient (z = py·s + px; the other products do not use it).
fn phase(g: Geo, z: u32) -> Phase {
    let shift = countTrailingZeros(g.stride);
    let mask = g.stride - 1u;
    let first = vec2<u32>(z >> shift, z & mask);
    let pad = vec2<u32>(g.top, g.left);
    let tap = (first + pad) & vec2<u32>(mask);
    // ⌈(k − tap) / s⌉ taps from tap on, none where tap ≥ k (a 1×1 kernel with stride 2).
    let k = vec2<u32>(g.kernel);
    let taps = select(vec2<u32>(0u), (k - tap + vec2<u32>(mask)) >> vec2<u32>(shift), k > tap);
    let reach = vec2<i32>((first + pad - tap) >> vec2<u32>(shift));
    let grid = (vec2<u32>(g.height, g.width) + vec2<u32>(mask)) >> vec2<u32>(shift);
    return Phase(first, tap, taps, reach, grid);
}

// A position `kk` along the shared dimension and its digits: (channel or filter, tap row, tap
// column) for forward and input_gradient, (image, output row, output column) for
// kernel_gradient; `mid` < radix.x, `lo` < radix.y.
struct Position {
    kk: u32,
    hi: u32,
    mid: u32,
    lo: u32,
}

// The radices of `mid` and `lo` for `mode` (input_gradient: the taps of phase `ph`, at least 1
// so that nothing divides by zero where a phase has none).
fn radix(mode: u32, g: Geo, ph: Phase) -> vec2<u32> {
    if (mode == KERNEL) {
        return vec2<u32>(g.out_h, g.out_w);
    }
    if (mode == INPUT) {
        return max(ph.taps, vec2<u32>(1u));
    }
    return vec2<u32>(g.kernel, g.kernel);
}

// `kk` split into its digits (divisions: once per invocation, before the loop).
fn position(kk: u32, r: vec2<u32>) -> Position {
    let plane = r.x * r.y;
    let rest = kk % plane;
    return Position(kk, kk / plane, rest / r.y, rest % r.y);
}

// `p` moved along by `by` (both split by `position`): each digit sum carries at most once.
fn advance(p: Position, by: Position, r: vec2<u32>) -> Position {
    var lo = p.lo + by.lo;
    let carry_lo = lo >= r.y;
    lo = select(lo, lo - r.y, carry_lo);
    var mid = p.mid + by.mid + select(0u, 1u, carry_lo);
    let carry_mid = mid >= r.x;
    mid = select(mid, mid - r.x, carry_mid);
    return Position(p.kk + by.kk, p.hi + by.hi + select(0u, 1u, carry_mid), mid, lo);
}

// Four consecutive columns of the product, decomposed once (an invocation has two such groups):
// forward (b, oy, ox), input_gradient (b, y', x') of its phase, kernel_gradient (c, i, j);
// `valid` is false past the last column, and for input_gradient past the image's edge (a phase
// of an odd-sized image has a row or column fewer than `grid`).
struct Columns {
    a: vec4<i32>,
    b: vec4<i32>,
    c: vec4<i32>,
    valid: vec4<bool>,
}

fn columns(mode: u32, g: Geo, ph: Phase, first: u32) -> Columns {
    let n = vec4<u32>(first, first + 1u, first + 2u, first + 3u);
    var valid = n < vec4<u32>(g.n);
    let nn = select(vec4<u32>(0u), n, valid);
    var plane = g.out_h * g.out_w;   // forward: output pixels of an image
    var row = g.out_w;
    if (mode == INPUT) {
        plane = ph.grid.x * ph.grid.y;  // input pixels of an image in one phase
        row = ph.grid.y;
    } else if (mode == KERNEL) {
        plane = g.kernel * g.kernel; // taps of a channel
        row = g.kernel;
    }
    let q = nn % plane;
    let cols = Columns(vec4<i32>(nn / plane), vec4<i32>(q / row), vec4<i32>(q % row), valid);
    if (mode == INPUT) {
        let s = i32(g.stride);
        let y = vec4<i32>(i32(ph.first.x)) + cols.b * s;
        let x = vec4<i32>(i32(ph.first.y)) + cols.c * s;
        valid = valid & (y < vec4<i32>(i32(g.height))) & (x < vec4<i32>(i32(g.width)));
        return Columns(cols.a, cols.b, cols.c, valid);
    }
    return cols;
}

// The gathers, split into what depends on the column and what on the row of the shared
// dimension: the value at (row, column) is rhs[base + offset], read where the pixel
// (y + dy, x + dx) lies inside the gathered image, zero elsewhere (the padding). `base`, `y`
// and `x` are the columns', computed once per invocation (`reach`); `offset`, `dy` and `dx` are
// the row's (`step`), one scalar each for the eight columns an invocation gathers. Per value
// this leaves two additions, two comparisons (unsigned: a negative coordinate wraps past the
// bound) and the read: the gathers were most of the products' time on lavapipe (BENCHMARKS.md).
//
//   forward           columns (b, oy, ox): y = oy·s − top;  rows (c, i, j): dy = i, dx = j
//   input_gradient    columns (b, y', x'): y = y' + reach;  rows (f, t, u): dy = −t, dx = −u
//   kernel_gradient   columns (c, i, j):   y = i − top;     rows (b, oy, ox): dy = oy·s
//
// (and likewise for x), with `base` and `offset` the matching parts of the gathered index:
// x [b, c, h, w] for forward and kernel_gradient, dy [b, f, h', w'] for input_gradient.
struct Reach {
    base: vec4<i32>,
    y: vec4<i32>,
    x: vec4<i32>,
    valid: vec4<bool>,
}

fn reach(mode: u32, g: Geo, ph: Phase, cols: Columns) -> Reach {
    let s = i32(g.stride);
    let top = vec4<i32>(i32(g.top));
    let left = vec4<i32>(i32(g.left));
    let h = i32(g.height);
    let w = i32(g.width);
    if (mode == FORWARD) {
        let y = cols.b * s - top;
        let x = cols.c * s - left;
        return Reach((cols.a * i32(g.channels) * h + y) * w + x, y, x, cols.valid);
    }
    if (mode == KERNEL) {
        let y = cols.b - top;
        let x = cols.c - left;
        return Reach((cols.a * h + y) * w + x, y, x, cols.valid);
    }
    let y = cols.b + vec4<i32>(ph.reach.x);
    let x = cols.c + vec4<i32>(ph.reach.y);
    return Reach((cols.a * i32(g.filters) * i32(g.out_h) + y) * i32(g.out_w) + x, y, x, cols.valid);
}

// The row `at`'s part of the gathers: (dy, dx, offset).
fn step(mode: u32, g: Geo, at: Position) -> vec3<i32> {
    let hi = i32(at.hi);
    let mid = i32(at.mid);
    let lo = i32(at.lo);
    let h = i32(g.height);
    let w = i32(g.width);
    if (mode == FORWARD) {
        // (c, i, j), a tap.
        return vec3<i32>(mid, lo, (hi * h + mid) * w + lo);
    }
    if (mode == KERNEL) {
        // (b, oy, ox), an output pixel.
        let s = i32(g.stride);
        return vec3<i32>(mid * s, lo * s, (hi * i32(g.channels) * h + mid * s) * w + lo * s);
    }
    // (f, t, u), a tap of the phase.
    return vec3<i32>(-mid, -lo, (hi * i32(g.out_h) - mid) * i32(g.out_w) - lo);
}

// The gathered image's height and width: x's, or dy's for input_gradient.
fn bounds(mode: u32, g: Geo) -> vec2<u32> {
    if (mode == INPUT) {
        return vec2<u32>(g.out_h, g.out_w);
    }
    return vec2<u32>(g.height, g.width);
}

// Four values of the right-hand operand: the row whose part is `d`, the four columns `r`; zero
// where the im2col matrix holds padding, and everywhere when `inside` is false (past the
// workgroup's end of the shared dimension).
fn gather(r: Reach, d: vec3<i32>, inside: bool, bound: vec2<u32>) -> vec4<f32> {
    let y = vec4<u32>(r.y + vec4<i32>(d.x));
    let x = vec4<u32>(r.x + vec4<i32>(d.y));
    let ok = r.valid & (y < vec4<u32>(bound.x)) & (x < vec4<u32>(bound.y)) & vec4<bool>(inside);
    // `select` evaluates both sides: read index 0 where the value is not wanted.
    let index = vec4<u32>(select(vec4<i32>(0), r.base + vec4<i32>(d.z), ok));
    return select(vec4<f32>(0.0), vec4<f32>(rhs[index.x], rhs[index.y], rhs[index.z], rhs[index.w]), ok);
}

// Rows `first` .. `first`+3 of the left-hand operand at `at` of the shared dimension: row r
// is at lhs[r·stride + offset], the offset one scalar for the four rows.
fn rows4(mode: u32, g: Geo, ph: Phase, first: u32, at: Position, end: u32) -> vec4<f32> {
    if (at.kk >= end) {
        return vec4<f32>(0.0);
    }
    let r = vec4<u32>(first, first + 1u, first + 2u, first + 3u);
    let ok = r < vec4<u32>(g.m);
    var stride: u32;
    var offset: u32;
    if (mode == FORWARD) {
        // W as [f, c·k·k].
        stride = g.k;
        offset = at.kk;
    } else if (mode == INPUT) {
        // Rows are channels, `at` = (f, t, u): W[f, c, i0 + s·t, j0 + s·u].
        let i = ph.tap.x + at.mid * g.stride;
        let j = ph.tap.y + at.lo * g.stride;
        stride = g.kernel * g.kernel;
        offset = (at.hi * g.channels * g.kernel + i) * g.kernel + j;
    } else {
        // Rows are filters, `at` = (b, oy, ox): dy[b, f, oy, ox].
        stride = g.out_h * g.out_w;
        offset = (at.hi * g.filters * g.out_h + at.mid) * g.out_w + at.lo;
    }
    let index = select(vec4<u32>(0u), r * stride + vec4<u32>(offset), ok);
    return select(vec4<f32>(0.0), vec4<f32>(lhs[index.x], lhs[index.y], lhs[index.z], lhs[index.w]), ok);
}

// Writes row `row` of the tile's result at the four columns `cols`.
fn put(mode: u32, g: Geo, ph: Phase, cols: Columns, row: u32, z: u32, value: vec4<f32>) {
    if (row >= g.m) {
        return;
    }
    let r = i32(row);
    var idx: vec4<i32>;
    var v = value;
    if (mode == FORWARD) {
        idx = ((cols.a * i32(g.filters) + r) * i32(g.out_h) + cols.b) * i32(g.out_w) + cols.c;
        v += vec4<f32>(bias[row]);
    } else if (mode == INPUT) {
        let s = i32(g.stride);
        let y = vec4<i32>(i32(ph.first.x)) + cols.b * s;
        let x = vec4<i32>(i32(ph.first.y)) + cols.c * s;
        idx = ((cols.a * i32(g.channels) + r) * i32(g.height) + y) * i32(g.width) + x;
    } else {
        let k = i32(g.kernel);
        idx = i32((z * g.m + row) * g.n) + (cols.a * k + cols.b) * k + cols.c;
    }
    if (cols.valid.x) { result[u32(idx.x)] = v.x; }
    if (cols.valid.y) { result[u32(idx.y)] = v.y; }
    if (cols.valid.z) { result[u32(idx.z)] = v.z; }
    if (cols.valid.w) { result[u32(idx.w)] = v.w; }
}

fn product(mode: u32, group: vec3<u32>, local: vec3<u32>) {
    let g = geometry();
    // The input gradient's phase is z (the other products split the shared dimension along z,
    // or not at all).
    var ph = phase(g, 0u);
    if (mode == INPUT) {
        ph = phase(g, group.z);
    }
    if (local.x == 0u && local.y == 0u) {
        var start = 0u;
        var end = g.k;
        if (mode == KERNEL) {
            start = group.z * g.split;
            end = min(g.k, start + g.split);
        } else if (mode == INPUT) {
            end = g.filters * ph.taps.x * ph.taps.y;
        }
        span = vec2<u32>(start, end);
    }
    let range = workgroupUniformLoad(&span);

    let m0 = group.y * TM;
    // The invocation computes rows m0 + 8·local.y .. +7 and columns first .. first+7 (`left`
    // the first four, `right` the next), and gathers the same eight columns of the right-hand
    // slice.
    let first = group.x * TN + local.x * 8u;
    let left = reach(mode, g, ph, columns(mode, g, ph, first));
    let right = reach(mode, g, ph, columns(mode, g, ph, first + 4u));
    let bound = bounds(mode, g);

    var acc0l = vec4<f32>(0.0);
    var acc0r = vec4<f32>(0.0);
    var acc1l = vec4<f32>(0.0);
    var acc1r = vec4<f32>(0.0);
    var acc2l = vec4<f32>(0.0);
    var acc2r = vec4<f32>(0.0);
    var acc3l = vec4<f32>(0.0);
    var acc3r = vec4<f32>(0.0);
    var acc4l = vec4<f32>(0.0);
    var acc4r = vec4<f32>(0.0);
    var acc5l = vec4<f32>(0.0);
    var acc5r = vec4<f32>(0.0);
    var acc6l = vec4<f32>(0.0);
    var acc6r = vec4<f32>(0.0);
    var acc7l = vec4<f32>(0.0);
    var acc7r = vec4<f32>(0.0);
    // Where the invocation's reads start: the left-hand slice at k = id % DEPTH, the right-hand one
    // at rows local.y·B_LOADS … +B_LOADS−1 (one position, stepped by one row at a time); both
    // move DEPTH along per step.
    let r = radix(mode, g, ph);
    let pace = position(DEPTH, r);
    let next = position(1u, r);
    let rest = position(DEPTH - B_LOADS, r);
    let id = local.y * ACROSS + local.x;
    var a_at = position(range.x + id % DEPTH, r);
    var b_at = position(range.x + local.y * B_LOADS, r);
    for (var k0 = range.x; k0 < range.y; k0 += DEPTH) {
        // Stage both slices: A_LOADS vec4 of the left-hand (four rows each, at k = id % DEPTH;
        // the first GROUPS · DEPTH invocations) and 2 · B_LOADS of the right-hand (its rows of
        // the slice, its eight columns).
        if (id < GROUPS * DEPTH) {
            for (var l = 0u; l < A_LOADS; l++) {
                let q = id / DEPTH + l * GROUPS;
                tile_a[id % DEPTH][q] = rows4(mode, g, ph, m0 + q * 4u, a_at, range.y);
            }
        }
        a_at = advance(a_at, pace, r);
        for (var l = 0u; l < B_LOADS; l++) {
            let k = local.y * B_LOADS + l;
            let d = step(mode, g, b_at);
            let inside = b_at.kk < range.y;
            tile_b[k][2u * local.x] = gather(left, d, inside, bound);
            tile_b[k][2u * local.x + 1u] = gather(right, d, inside, bound);
            b_at = advance(b_at, next, r);
        }
        b_at = advance(b_at, rest, r);
        workgroupBarrier();

        for (var k = 0u; k < DEPTH; k++) {
            let a = tile_a[k][local.y * 2u];
            let c = tile_a[k][local.y * 2u + 1u];
            let bl = tile_b[k][2u * local.x];
            let br = tile_b[k][2u * local.x + 1u];
            acc0l = fma(vec4<f32>(a.x), bl, acc0l);
            acc0r = fma(vec4<f32>(a.x), br, acc0r);
            acc1l = fma(vec4<f32>(a.y), bl, acc1l);
            acc1r = fma(vec4<f32>(a.y), br, acc1r);
            acc2l = fma(vec4<f32>(a.z), bl, acc2l);
            acc2r = fma(vec4<f32>(a.z), br, acc2r);
            acc3l = fma(vec4<f32>(a.w), bl, acc3l);
            acc3r = fma(vec4<f32>(a.w), br, acc3r);
            acc4l = fma(vec4<f32>(c.x), bl, acc4l);
            acc4r = fma(vec4<f32>(c.x), br, acc4r);
            acc5l = fma(vec4<f32>(c.y), bl, acc5l);
            acc5r = fma(vec4<f32>(c.y), br, acc5r);
            acc6l = fma(vec4<f32>(c.z), bl, acc6l);
            acc6r = fma(vec4<f32>(c.z), br, acc6r);
            acc7l = fma(vec4<f32>(c.w), bl, acc7l);
            acc7r = fma(vec4<f32>(c.w), br, acc7r);
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    // The columns again, for the writes (a few divisions, once).
    let left_out = columns(mode, g, ph, first);
    let right_out = columns(mode, g, ph, first + 4u);
    let row = m0 + local.y * ROWS;
    put(mode, g, ph, left_out, row, group.z, acc0l);
    put(mode, g, ph, right_out, row, group.z, acc0r);
    put(mode, g, ph, left_out, row + 1u, group.z, acc1l);
    put(mode, g, ph, right_out, row + 1u, group.z, acc1r);
    put(mode, g, ph, left_out, row + 2u, group.z, acc2l);
    put(mode, g, ph, right_out, row + 2u, group.z, acc2r);
    put(mode, g, ph, left_out, row + 3u, group.z, acc3l);
    put(mode, g, ph, right_out, row + 3u, group.z, acc3r);
    put(mode, g, ph, left_out, row + 4u, group.z, acc4l);
    put(mode, g, ph, right_out, row + 4u, group.z, acc4r);
    put(mode, g, ph, left_out, row + 5u, group.z, acc5l);
    put(mode, g, ph, right_out, row + 5u, group.z, acc5r);
    put(mode, g, ph, left_out, row + 6u, group.z, acc6l);
    put(mode, g, ph, right_out, row + 6u, group.z, acc6r);
    put(mode, g, ph, left_out, row + 7u, group.z, acc7l);
    put(mode, g, ph, right_out, row + 7u, group.z, acc7r);
}

@compute @workgroup_size(ACROSS, TM / ROWS, 1)
fn forward(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(FORWARD, group, local);
}

@compute @workgroup_size(ACROSS, TM / ROWS, 1)
fn input_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(INPUT, group, local);
}

@compute @workgroup_size(ACROSS, TM / ROWS, 1)
fn kernel_gradient(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    product(KERNEL, group, local);
}
