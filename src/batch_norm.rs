//! Batch normalisation in training by our own kernels, forward and backward, with the ReLU that
//! follows it folded in, as a burn autodiff operation, in place of burn's generic one: on burn's
//! CPU backend ([`cpu`]) and on wgpu ([`gpu`], `shaders/batch_norm.wgsl`).
//!
//! Why (BENCHMARKS.md, "Where the CPU time goes" and "Batch normalisation on wgpu"): burn 0.22.1's
//! `batch_norm_train` (which neither burn-flex nor burn-cubecl overrides) builds the statistics
//! from `swap_dims(0, 1)` copies of the activation, and its backward from two more, with about a
//! dozen element-wise passes besides. After our convolutions those were the largest part of a
//! step left, on the CPU and on the GPU.
//!
//! For gradient checkpointing the operation is memory-bound (burn's is compute-bound): its output
//! is recomputed in the backward pass from the input and the saved statistics instead of being
//! kept.
//!
//! At a v1 block's end ([`forward_add_relu`]) the same operation also adds the shortcut before
//! the ReLU, and its backward pass gives the shortcut's gradient: on wgpu the sum and the ReLU
//! then cost no dispatches of their own, forward or backward (BENCHMARKS.md, "A v1 block's end in
//! the batch norm's dispatches").

pub mod cpu;
#[cfg(feature = "webgpu")]
pub mod gpu;
pub mod op;

use burn::backend::Flex;
use burn::module::{ModuleMapper, Param, RunningState};
use burn::nn::BatchNorm;
use burn::prelude::*;
use burn::tensor::activation::relu;

pub use op::{Call, Norm, Running};

/// burn's `batch_norm_train` followed by a ReLU where `n.relu`, on autodiff tensors of the CPU
/// backend or of wgpu, with our kernels: the output, and the batch's mean and variance
/// (detached). `None` where the tensors are not all f32 autodiff tensors of one of those
/// backends with one strategy.
pub fn batch_norm_train(n: Norm, x: &Tensor<4>, gamma: &Tensor<1>, beta: &Tensor<1>) -> Option<(Tensor<4>, Tensor<1>, Tensor<1>)> {
    let (y, stats, _) = train(Call { n, x, gamma, beta, shortcut: None, running: None })?;
    let [mean, var] = rows(stats);
    Some((y, mean, var))
}

/// [`batch_norm_train`] at a v1 block's end: `relu(norm(x) + shortcut)` (`shortcut` of `x`'s
/// shape, an autodiff tensor with the same checkpointing), one operation with its backward pass;
/// the output and the batch's mean and variance. `None` where it does not apply.
pub fn batch_norm_add_relu_train(epsilon: f64, x: &Tensor<4>, gamma: &Tensor<1>, beta: &Tensor<1>, shortcut: &Tensor<4>) -> Option<(Tensor<4>, Tensor<1>, Tensor<1>)> {
    let (y, stats, _) = train(Call { n: Norm { epsilon, relu: true }, x, gamma, beta, shortcut: Some(shortcut), running: None })?;
    let [mean, var] = rows(stats);
    Some((y, mean, var))
}

/// [`batch_norm_train`] for any [`Call`], with the statistics as one `[2, c]` tensor (means,
/// then variances), and the running statistics after the step where the backend computed them.
fn train(call: Call) -> Option<op::Trained> {
    // Each backend's operation takes only its own tensors.
    let ours = op::train::<Flex>(call.clone());
    #[cfg(feature = "webgpu")]
    let ours = ours.or_else(|| op::train::<burn::backend::Cube>(call));
    ours
}

/// The two rows `[c]` of statistics `[2, c]`.
fn rows(stats: Tensor<2>) -> [Tensor<1>; 2] {
    let c = stats.dims()[1];
    [0, 1].map(|r| stats.clone().slice([r..r + 1, 0..c]).reshape([c])) // [c]
}

/// `bn.forward(x)` for `[b, c, h, w]`, then a ReLU where `relu`, with [`batch_norm_train`] where
/// it applies (training on the CPU backend or on wgpu): the same output and the same running
/// statistics.
pub fn forward(bn: &BatchNorm, x: Tensor<4>, relu_after: bool) -> Tensor<4> {
    let burns = |x: Tensor<4>| {
        let y = bn.forward(x);
        if relu_after { relu(y) } else { y }
    };
    trained(bn, &x, relu_after, None).unwrap_or_else(|| burns(x))
}

/// The end of a v1 residual block, `relu(shortcut + bn.forward(x))` for `[b, c, h, w]`, as one
/// operation of our kernels where it applies (training on the CPU backend or on wgpu: on wgpu the
/// sum and the ReLU, forward and backward, go into the batch norm's own dispatches, two fewer a
/// block than [`residual::add_relu`](crate::residual::add_relu) after [`forward`]), else as those
/// two: the same values, gradients and running statistics.
pub fn forward_add_relu(bn: &BatchNorm, x: Tensor<4>, shortcut: Tensor<4>) -> Tensor<4> {
    trained(bn, &x, true, Some(&shortcut)).unwrap_or_else(|| crate::residual::add_relu(shortcut, forward(bn, x, false)))
}

/// [`forward`] or [`forward_add_relu`] by our operation, storing the running statistics; `None`
/// where it does not apply.
fn trained(bn: &BatchNorm, x: &Tensor<4>, relu_after: bool, shortcut: Option<&Tensor<4>>) -> Option<Tensor<4>> {
    if !(x.device().is_autodiff() && bn.training.is_enabled()) {
        return None;
    }
    let n = Norm { epsilon: bn.epsilon, relu: relu_after };
    // As BatchNorm::forward_train.
    let device = x.device();
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let before = Running { mean: &running_mean, var: &running_var, momentum: bn.momentum };
    let (gamma, beta) = (bn.gamma.val(), bn.beta.val());
    let (y, stats, after) = train(Call { n, x, gamma: &gamma, beta: &beta, shortcut, running: Some(before) })?;
    // On wgpu the kernel that finishes the batch's statistics has computed the running ones too.
    let [running_mean, running_var] = after.unwrap_or_else(|| running(stats.detach(), running_mean, running_var, bn.momentum));
    store(&bn.running_mean, running_mean.detach());
    store(&bn.running_var, running_var.detach());
    Some(y)
}

/// Makes `value` a running statistic's value, as `RunningState::update` and the sync that follows
/// it would, without the sync: it divides the sum of the values each thread stored by their
/// number (one here: a step trains on one thread), an operation per statistic and step — a
/// dispatch of its own on wgpu without fusion, 38 of a ResNet20 v1 step's (BENCHMARKS.md, "Fewer
/// dispatches a step"). The state's clones share its value, as `update` shares it: the model
/// holding `state` sees the new one.
fn store(state: &RunningState<Tensor<1>>, value: Tensor<1>) {
    /// Replaces the one value a `RunningState` shows its mapper, keeping its id.
    struct Store(Option<Tensor<1>>);
    impl ModuleMapper for Store {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let Some(value) = self.0.take() else { return param };
            let (id, old, _) = param.consume();
            Param::initialized(id, value.reshape(old.dims())) // [c]
        }
    }
    let _ = state.clone().map(&mut Store(Some(value)));
}

/// The running mean and variance after a step with the batch's statistics `stats` `[2, c]`
/// (detached; all on the training device) by burn's tensor operations, as `BatchNorm` computes
/// them: where the backend's forward pass did not (the CPU backend).
fn running(stats: Tensor<2>, running_mean: Tensor<1>, running_var: Tensor<1>, momentum: f64) -> [Tensor<1>; 2] {
    let [mean, var] = rows(stats);
    [
        running_mean.mul_scalar(1.0 - momentum).add(mean.mul_scalar(momentum)),
        running_var.mul_scalar(1.0 - momentum).add(var.mul_scalar(momentum)),
    ]
}
