// A batch-norm layer's running statistics after a training step, channel by channel, in one
// dispatch: src/batch_norm/gpu.rs launches it after the layer's forward pass on burn's own wgpu
// device.
//
//   mean' = mean·(1 − momentum) + batch mean·momentum
//   var'  = var·(1 − momentum)  + batch variance·momentum
//
// (burn's BatchNorm's update, which src/batch_norm.rs otherwise builds from ten tensor
// operations a layer — the statistics' two rows sliced out and reshaped, four multiplications,
// two additions — in the same order with the same constants.) Why: without burn-fusion each of
// those operations is a dispatch of its own, six a layer, work for the host on every step
// (BENCHMARKS.md, "Fewer dispatches a step").
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The batch's statistics [2, c]: the means, then the (biased) variances.
@group(0) @binding(0) var<storage, read_write> stats: array<f32>;
// The running mean and variance before the step [c].
@group(0) @binding(1) var<storage, read_write> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> variance: array<f32>;
// What the step writes: the running mean and variance after it [c].
@group(0) @binding(3) var<storage, read_write> new_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> new_variance: array<f32>;
// cubecl's launch metadata, staged into a uniform of its own and bound after the buffers.
@group(0) @binding(5) var<uniform> params: Params;

struct Params {
    channels: u32,
    // The momentum and 1 − momentum, each rounded to f32 on the host as the tensor operations
    // round them.
    momentum: f32,
    keep: f32,
}

const WG: u32 = 64u; // invocations of a workgroup (src/batch_norm/gpu.rs: RUNNING_WORKGROUP)

// Invocation ch: channel ch.
@compute @workgroup_size(WG, 1, 1)
fn running_statistics(@builtin(global_invocation_id) id: vec3<u32>) {
    let p = params;
    let ch = id.x;
    let bound = min(min(arrayLength(&mean), arrayLength(&variance)), min(arrayLength(&new_mean), arrayLength(&new_variance)));
    if (ch >= p.channels || ch >= bound || p.channels + ch >= arrayLength(&stats)) {
        return;
    }
    new_mean[ch] = mean[ch] * p.keep + stats[ch] * p.momentum;
    new_variance[ch] = variance[ch] * p.keep + stats[p.channels + ch] * p.momentum;
}
