// The end of a v1 residual block, z = ReLU(shortcut + y), and its backward pass, value by value,
// one dispatch each. src/residual/gpu.rs launches them on burn's own wgpu device, as a burn
// autodiff operation (src/residual.rs).
//
//   forward:   z  = s ≤ 0 ? 0 : s,  s = shortcut + y
//   backward:  g' = z ≤ 0 ? 0 : ∂loss/∂z           (the gradient of the shortcut and of y alike)
//
// That is burn's `relu(shortcut + y)` — an addition, then a comparison and a masked fill — and
// the ReLU's backward — a comparison and a masked fill — with the same comparisons, so the two
// give the same bits (a NaN passes through both). Why (BENCHMARKS.md, "Fewer dispatches a step"):
// without kernel fusion each of those operations is a dispatch of its own, and with gradient
// checkpointing the forward ones run again in the backward pass: eight a block, two here.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// forward: the shortcut and the block's last batch norm's output; backward: z and ∂loss/∂z.
// `count` values each, any shape, row-major.
@group(0) @binding(0) var<storage, read_write> lhs: array<f32>;
@group(0) @binding(1) var<storage, read_write> rhs: array<f32>;
// What the dispatch writes: z (forward) or g' (backward).
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
// cubecl's launch metadata, staged into a uniform of its own and bound after the buffers.
@group(0) @binding(3) var<uniform> params: Params;

struct Params {
    count: u32,
}

const WG: u32 = 256u; // invocations of a workgroup (src/residual/gpu.rs: WORKGROUP)

// Invocation i: value i. Workgroups go along x, then along y past WebGPU's 65,535.
fn index(group: vec3<u32>, groups: vec3<u32>, local: u32) -> u32 {
    return (group.y * groups.x + group.x) * WG + local;
}

fn inside(i: u32) -> bool {
    return i < params.count && i < min(min(arrayLength(&lhs), arrayLength(&rhs)), arrayLength(&result));
}

@compute @workgroup_size(WG, 1, 1)
fn add_relu(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let i = index(group, groups, local);
    if (!inside(i)) {
        return;
    }
    let s = lhs[i] + rhs[i];
    result[i] = select(s, 0.0, s <= 0.0);
}

@compute @workgroup_size(WG, 1, 1)
fn relu_backward(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let i = index(group, groups, local);
    if (!inside(i)) {
        return;
    }
    // lhs: z, rhs: ∂loss/∂z.
    result[i] = select(rhs[i], 0.0, lhs[i] <= 0.0);
}
