// One Adam step of parameter tensors, value by value. src/adam/gpu.rs launches it on burn's own
// wgpu device once a training step for every parameter of the model: by `adam_pairs`, two
// parameters a dispatch, in place, where their buffers are the step's alone (from the second
// step on, as the training loop runs); else by `adam`, one parameter a dispatch into new buffers.
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

// ---- `adam`: one parameter, into new buffers ----

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
    // d above: the weights' coefficient added to the gradient.
    decay: f32,
    // (A struct in a uniform starts at a multiple of 16 bytes: one word of padding before it.)
    @align(16) step: Step,
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
    var m = 0.0;
    var v = 0.0;
    if (p.fresh == 0u && i < min(arrayLength(&first), arrayLength(&second))) {
        m = first[i];
        v = second[i];
    }
    let next = update(weights[i], grad[i], m, v, p.decay, p.step);
    new_weights[i] = next.x;
    new_first[i] = next.y;
    new_second[i] = next.z;
}

// The numbers of a step that every parameter shares (in Params above and Pair below).
struct Step {
    beta_1: f32,
    beta_2: f32,
    // 1 − β₁ and 1 − β₂, rounded to f32 on the host as the tensor operations round them.
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    // f and ε̂ above.
    factor: f32,
    epsilon_hat: f32,
    lr: f32,
}

// One value's step, both entry points': (w', m', v') from the weight w, its gradient dw, the
// moments m and v (zeros on the first step) and the penalty's coefficient d.
fn update(w: f32, dw: f32, m: f32, v: f32, d: f32, s: Step) -> vec3<f32> {
    // As src/adam.rs: the penalty's gradient added first (an exact zero where there is none).
    let g = dw + w * d;
    // As src/adam.rs: first·β₁ + g·(1 − β₁); second·β₂ + g²·(1 − β₂); on the first step the
    // moments' terms are exact zeros, so these are g·(1 − β₁) and g²·(1 − β₂) as there.
    let m1 = m * s.beta_1 + g * s.one_minus_beta_1;
    let v1 = v * s.beta_2 + (g * g) * s.one_minus_beta_2;
    let step = (m1 * s.factor) / (sqrt(v1) + s.epsilon_hat);
    return vec3<f32>(w - step * s.lr, m1, v1);
}

// ---- `adam_pairs`: two parameters a and b, in place ----
//
// Why (BENCHMARKS.md, "Adam two parameters a dispatch"): `adam` takes seven buffers, and a shader
// may bind at most eight storage buffers (WebGPU's default limit), so it updates one parameter a
// dispatch: 82 of a ResNet20 v1 step's. In place each parameter takes four, so two share one, and
// the step allocates no buffers for the new weights and moments. src/adam/gpu.rs binds a
// parameter's buffers here only where nothing else holds them (cubecl's `can_mut`), and one-value
// fillers for b where a parameter is left without a partner (`count_b` 0).

// Its own variables at `adam`'s binding numbers: WGSL forbids two variables at one binding only
// within one entry point's interface.

// a's weights (any shape, row-major), gradient and moments, `count_a` values each; the step
// overwrites the weights and the moments.
@group(0) @binding(0) var<storage, read_write> weights_a: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad_a: array<f32>;
@group(0) @binding(2) var<storage, read_write> first_a: array<f32>;
@group(0) @binding(3) var<storage, read_write> second_a: array<f32>;
// b's, `count_b` values each.
@group(0) @binding(4) var<storage, read_write> weights_b: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_b: array<f32>;
@group(0) @binding(6) var<storage, read_write> first_b: array<f32>;
@group(0) @binding(7) var<storage, read_write> second_b: array<f32>;
// cubecl's launch metadata, after the eight buffers.
@group(0) @binding(8) var<uniform> pair: Pair;

struct Pair {
    count_a: u32,
    count_b: u32,
    // d of a and of b (a kernel under the L2 penalty and a bias can share a dispatch).
    decay_a: f32,
    decay_b: f32,
    @align(16) step: Step,
}

// Invocation i: a's value i for i < count_a, else b's value i − count_a. Workgroups go along x,
// then along y, as in `adam`.
@compute @workgroup_size(WG, 1, 1)
fn adam_pairs(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let p = pair;
    let i = (group.y * groups.x + group.x) * WG + local;
    if (i < p.count_a) {
        let held = min(min(arrayLength(&weights_a), arrayLength(&grad_a)), min(arrayLength(&first_a), arrayLength(&second_a)));
        if (i < held) {
            let next = update(weights_a[i], grad_a[i], first_a[i], second_a[i], p.decay_a, p.step);
            weights_a[i] = next.x;
            first_a[i] = next.y;
            second_a[i] = next.z;
        }
        return;
    }
    let j = i - p.count_a;
    let held = min(min(arrayLength(&weights_b), arrayLength(&grad_b)), min(arrayLength(&first_b), arrayLength(&second_b)));
    if (j < p.count_b && j < held) {
        let next = update(weights_b[j], grad_b[j], first_b[j], second_b[j], p.decay_b, p.step);
        weights_b[j] = next.x;
        first_b[j] = next.y;
        second_b[j] = next.z;
    }
}
