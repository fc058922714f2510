// One Adam step of one parameter tensor, value by value, in one dispatch. src/adam/gpu.rs
// launches it on burn's own wgpu device for every parameter of the model, once a training step.
//
//   g  = ∂loss/∂w + d·w                 d: the L2 penalty's 2·l2 where it applies, else 0
//   m' = β₁·m + (1 − β₁)·g              the first moment
//   v' = β₂·v + (1 − β₂)·g²             the second moment
//   w' = w − lr · (m'·f) / (√v' + ε̂)    f = √(1 − β₂ᵗ) / (1 − β₁ᵗ),  ε̂ = ε·√(1 − β₂ᵗ)
//
// (t the step, counted from 1; f and ε̂ are worked out on the host, once a step.) That is the
// update src/adam.rs otherwise builds from a dozen tensor operations per parameter, written in
// the same order with the same constants, so the two give the same numbers up to the rounding of
// a fused multiply-add where a compiler makes one.
//
// Why (BENCHMARKS.md, "Adam in one kernel"): each of those operations is work for the host — a
// dispatch of its own without kernel fusion; with fusion, an operation for burn-fusion to record,
// plan and fuse — about 800 a ResNet20 step, for arithmetic the GPU does in microseconds. In the
// page the host is the training worker, whose own work per step is the floor of its step time.
//
// On the first step there are no moments yet (`fresh`): m and v are zero, and their bindings hold
// one unused value each.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The weights w, any shape, row-major: `count` values.
@group(0) @binding(0) var<storage, read_write> weights: array<f32>;
// Their gradient g: `count` values.
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
// The moments m and v before the step: `count` values each (one unused value when fresh).
@group(0) @binding(2) var<storage, read_write> first: array<f32>;
@group(0) @binding(3) var<storage, read_write> second: array<f32>;
// What the step writes: w', m', v'.
@group(0) @binding(4) var<storage, read_write> new_weights: array<f32>;
@group(0) @binding(5) var<storage, read_write> new_first: array<f32>;
@group(0) @binding(6) var<storage, read_write> new_second: array<f32>;
// The step's numbers: cubecl's launch metadata, which it stages into a uniform of its own (cached
// by content) and binds after the buffers.
@group(0) @binding(7) var<uniform> params: Params;

struct Params {
    count: u32,
    // 1 on the first step (no moments yet), else 0.
    fresh: u32,
    beta_1: f32,
    beta_2: f32,
    // 1 − β₁ and 1 − β₂, rounded to f32 on the host as the tensor operations round them.
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    // f and ε̂ above.
    factor: f32,
    epsilon_hat: f32,
    lr: f32,
    // d above: the weights' coefficient added to the gradient.
    decay: f32,
}

const WG: u32 = 256u; // invocations of a workgroup (src/adam/gpu.rs: WORKGROUP)

// Invocation i: value i. Workgroups go along x, then along y past WebGPU's 65,535 (src/adam/gpu.rs).
@compute @workgroup_size(WG, 1, 1)
fn adam(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let p = params;
    let i = (group.y * groups.x + group.x) * WG + local;
    let written = min(min(arrayLength(&new_weights), arrayLength(&new_first)), arrayLength(&new_second));
    if (i >= p.count || i >= min(min(arrayLength(&weights), arrayLength(&grad)), written)) {
        return;
    }
    // As src/adam.rs: the penalty's gradient added first (an exact zero where there is none).
    let g = grad[i] + weights[i] * p.decay;
    var m = 0.0;
    var v = 0.0;
    if (p.fresh == 0u && i < min(arrayLength(&first), arrayLength(&second))) {
        m = first[i];
        v = second[i];
    }
    // As src/adam.rs: first·β₁ + g·(1 − β₁); second·β₂ + g²·(1 − β₂); on the first step the
    // moments' terms are exact zeros, so these are g·(1 − β₁) and g²·(1 − β₂) as there.
    let m1 = m * p.beta_1 + g * p.one_minus_beta_1;
    let v1 = v * p.beta_2 + (g * g) * p.one_minus_beta_2;
    let update = (m1 * p.factor) / (sqrt(v1) + p.epsilon_hat);
    new_weights[i] = weights[i] - update * p.lr;
    new_first[i] = m1;
    new_second[i] = v1;
}
