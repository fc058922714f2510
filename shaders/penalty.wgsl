// The L2 penalty's value added to the loss, for up to six weight tensors in one dispatch of one
// workgroup. src/penalty/gpu.rs launches it on burn's own wgpu device once a training step for
// every six convolution kernels, each launch starting from the last one's total:
//
//   total' = total + l2 · Σₖ Σᵢ wₖ[i]²
//
// (the first launch starts from the cross-entropy loss). That is the value src/penalty.rs
// otherwise builds from tensor operations — a square, a sum, an addition for each kernel, each a
// dispatch of its own on wgpu without kernel fusion: about a hundred a ResNet20 step, for some
// 270,000 multiply-adds (BENCHMARKS.md, "Fewer dispatches a step"). Only the order of the
// additions differs, so the two agree to f32 rounding.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The total so far: one value.
@group(0) @binding(0) var<storage, read_write> total: array<f32>;
// The weight tensors, any shape, row-major; a binding without weights holds one unused value.
@group(0) @binding(1) var<storage, read_write> w0: array<f32>;
@group(0) @binding(2) var<storage, read_write> w1: array<f32>;
@group(0) @binding(3) var<storage, read_write> w2: array<f32>;
@group(0) @binding(4) var<storage, read_write> w3: array<f32>;
@group(0) @binding(5) var<storage, read_write> w4: array<f32>;
@group(0) @binding(6) var<storage, read_write> w5: array<f32>;
// What the launch writes: the new total, one value.
@group(0) @binding(7) var<storage, read_write> new_total: array<f32>;
// cubecl's launch metadata, staged into a uniform of its own and bound after the buffers.
@group(0) @binding(8) var<uniform> params: Params;

struct Params {
    // The penalty's coefficient l2.
    l2: f32,
    // The number of values of w0…w5 (0 for a binding that holds no weights). A binding may be
    // longer than its tensor (an allocation's padding), so its length is not the count.
    n0: u32,
    n1: u32,
    n2: u32,
    n3: u32,
    n4: u32,
    n5: u32,
}

const WG: u32 = 256u; // invocations of the workgroup (src/penalty/gpu.rs: WORKGROUP)

// Each invocation's sum of squares, then added up in a tree.
var<workgroup> partial: array<f32, WG>;

// Invocation i adds the squares of values i, i + WG, i + 2·WG, … of each tensor.
@compute @workgroup_size(WG, 1, 1)
fn penalty(@builtin(local_invocation_index) i: u32) {
    let p = params;
    var sum = 0.0;
    for (var k = i; k < min(p.n0, arrayLength(&w0)); k += WG) { sum = fma(w0[k], w0[k], sum); }
    for (var k = i; k < min(p.n1, arrayLength(&w1)); k += WG) { sum = fma(w1[k], w1[k], sum); }
    for (var k = i; k < min(p.n2, arrayLength(&w2)); k += WG) { sum = fma(w2[k], w2[k], sum); }
    for (var k = i; k < min(p.n3, arrayLength(&w3)); k += WG) { sum = fma(w3[k], w3[k], sum); }
    for (var k = i; k < min(p.n4, arrayLength(&w4)); k += WG) { sum = fma(w4[k], w4[k], sum); }
    for (var k = i; k < min(p.n5, arrayLength(&w5)); k += WG) { sum = fma(w5[k], w5[k], sum); }
    partial[i] = sum;
    workgroupBarrier();
    // Halve the live sums until one is left: invocation i adds i + step's into its own.
    for (var step = WG / 2u; step > 0u; step = step / 2u) {
        if (i < step) {
            partial[i] = partial[i] + partial[i + step];
        }
        workgroupBarrier();
    }
    if (i == 0u && arrayLength(&total) > 0u && arrayLength(&new_total) > 0u) {
        new_total[0] = total[0] + p.l2 * partial[0];
    }
}
