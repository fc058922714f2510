// Matrix multiplication C = A × B for square n×n row-major f32 matrices, n a multiple of 64.
//
// It measures the adapter's peak arithmetic rate (src/peak.rs): the fraction of it that a
// training step reaches is what the benchmark and the page report. It is tuned the usual way:
// each workgroup of 8×8 invocations computes one 64×64 tile of C, each invocation an 8×8 block
// of it held in sixteen vec4 registers; the shared dimension is walked 16 at a time, the two
// 64×16 slices of A and B staged in workgroup memory so that every value read from storage is
// used 64 times. Everything is vec4 and no array is indexed dynamically, so that compilers keep
// the accumulators in registers (software adapters such as lavapipe and SwiftShader included).
// (A 16×16 workgroup with 4×4 blocks ran at 5.4 GFLOP/s on lavapipe, this one faster: see
// BENCHMARKS.md.)

// Input matrices, read only, four consecutive values of a row per element.
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
// Output matrix.
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
// x: n (the side of the matrices).
@group(0) @binding(3) var<uniform> dims: vec4<u32>;

const TILE: u32 = 64u;   // side of the tile of C a workgroup computes
const DEPTH: u32 = 16u;  // slice of the shared dimension staged per step

// The current slices: tile_a[k][row] = A[row0 + row][k0 + k] (transposed, for broadcast reads),
// tile_b[k][q] = B[k0 + k][col0 + 4q .. col0 + 4q + 3].
var<workgroup> tile_a: array<array<f32, 64>, 16>;
var<workgroup> tile_b: array<array<vec4<f32>, 16>, 16>;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let n = dims.x;
    let n4 = n / 4u;
    let row0 = group.y * TILE;
    let col0 = group.x * TILE;
    // 0..64: this invocation's index in the workgroup, used to share the loads.
    let id = local.y * 8u + local.x;
    // Its rows of C: r .. r+7; its columns: 8 · local.x .. 8 · local.x + 7 within the tile.
    let r = local.y * 8u;

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

    for (var k0 = 0u; k0 < n; k0 += DEPTH) {
        // Stage both slices, four vec4 of each per invocation: A's 64 rows × 16 columns and
        // B's 16 rows × 64 columns.
        for (var l = 0u; l < 4u; l++) {
            let slot = id * 4u + l;
            let a_row = slot / 4u;
            let a_k = (slot % 4u) * 4u;
            let va = a[((row0 + a_row) * n + k0 + a_k) / 4u];
            tile_a[a_k][a_row] = va.x;
            tile_a[a_k + 1u][a_row] = va.y;
            tile_a[a_k + 2u][a_row] = va.z;
            tile_a[a_k + 3u][a_row] = va.w;
            let b_k = slot / 16u;
            let b_q = slot % 16u;
            tile_b[b_k][b_q] = b[(k0 + b_k) * n4 + col0 / 4u + b_q];
        }
        workgroupBarrier();

        for (var k = 0u; k < DEPTH; k++) {
            let bl = tile_b[k][local.x * 2u];
            let br = tile_b[k][local.x * 2u + 1u];
            let a0 = vec4<f32>(tile_a[k][r + 0u]);
            acc0l = fma(a0, bl, acc0l);
            acc0r = fma(a0, br, acc0r);
            let a1 = vec4<f32>(tile_a[k][r + 1u]);
            acc1l = fma(a1, bl, acc1l);
            acc1r = fma(a1, br, acc1r);
            let a2 = vec4<f32>(tile_a[k][r + 2u]);
            acc2l = fma(a2, bl, acc2l);
            acc2r = fma(a2, br, acc2r);
            let a3 = vec4<f32>(tile_a[k][r + 3u]);
            acc3l = fma(a3, bl, acc3l);
            acc3r = fma(a3, br, acc3r);
            let a4 = vec4<f32>(tile_a[k][r + 4u]);
            acc4l = fma(a4, bl, acc4l);
            acc4r = fma(a4, br, acc4r);
            let a5 = vec4<f32>(tile_a[k][r + 5u]);
            acc5l = fma(a5, bl, acc5l);
            acc5r = fma(a5, br, acc5r);
            let a6 = vec4<f32>(tile_a[k][r + 6u]);
            acc6l = fma(a6, bl, acc6l);
            acc6r = fma(a6, br, acc6r);
            let a7 = vec4<f32>(tile_a[k][r + 7u]);
            acc7l = fma(a7, bl, acc7l);
            acc7r = fma(a7, br, acc7r);
        }
        // Nobody overwrites the slices while others still read them.
        workgroupBarrier();
    }

    let q = col0 / 4u + local.x * 2u;
    c[(row0 + r + 0u) * n4 + q] = acc0l;
    c[(row0 + r + 0u) * n4 + q + 1u] = acc0r;
    c[(row0 + r + 1u) * n4 + q] = acc1l;
    c[(row0 + r + 1u) * n4 + q + 1u] = acc1r;
    c[(row0 + r + 2u) * n4 + q] = acc2l;
    c[(row0 + r + 2u) * n4 + q + 1u] = acc2r;
    c[(row0 + r + 3u) * n4 + q] = acc3l;
    c[(row0 + r + 3u) * n4 + q + 1u] = acc3r;
    c[(row0 + r + 4u) * n4 + q] = acc4l;
    c[(row0 + r + 4u) * n4 + q + 1u] = acc4r;
    c[(row0 + r + 5u) * n4 + q] = acc5l;
    c[(row0 + r + 5u) * n4 + q + 1u] = acc5r;
    c[(row0 + r + 6u) * n4 + q] = acc6l;
    c[(row0 + r + 6u) * n4 + q + 1u] = acc6r;
    c[(row0 + r + 7u) * n4 + q] = acc7l;
    c[(row0 + r + 7u) * n4 + q + 1u] = acc7r;
}
