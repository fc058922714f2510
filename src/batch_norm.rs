//! Batch normalisation in training on burn's CPU backend: our own kernel, forward and backward,
//! as a burn autodiff operation, in place of burn's generic one.
//!
//! Why (BENCHMARKS.md, "Where the CPU time goes"): burn 0.22.1's `batch_norm_train` (which
//! burn-flex does not override) builds the statistics from `swap_dims(0, 1)` copies of the
//! activation, and its backward from two more, with about a dozen element-wise passes besides;
//! after our convolution (`conv::cpu`) those copies were the largest part of a CPU step left.
//! Here, in NCHW, with `M = b·h·w` values per channel:
//!
//! * forward: a pass for each channel's mean, one for its variance (sums of planes added in
//!   f64), one to write
//!   `y = (x − mean) · γ / √(var + ε) + β`;
//! * backward: one pass for `Σ dy` and `Σ dy · x̂` per channel (`x̂` the normalised input), one to
//!   write `dx = γ / √(var + ε) · (dy − Σdy / M − x̂ · Σ(dy·x̂) / M)` — burn's formula, whose
//!   gradients of γ and β are the two sums.
//!
//! The variance is the biased one, as burn's (and the running variance follows it the same way,
//! [`forward`] being a drop-in for `BatchNorm::forward`). For gradient checkpointing the
//! operation is memory-bound (burn's is compute-bound): its output is recomputed in the backward
//! pass from the input and the saved statistics instead of being kept.

use burn::backend::{Autodiff, BackendTypes, DispatchKindConversion, DispatchTensor, Flex, GradientCheckpointingStrategy};
use burn::nn::BatchNorm;
use burn::prelude::*;
use burn::tensor::DType;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::retro_forward::RetroForward;
use burn_autodiff::checkpoint::state::BackwardStates;
use burn_autodiff::checkpoint::strategy::{BalancedCheckpointing, CheckpointStrategy, NoCheckpointing};
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_autodiff::NodeId;
use burn_flex::FlexTensor;

use crate::conv::cpu::{flex_tensor, supports, values};
use crate::parallel::{for_each, map};

/// The sizes: `batch` images of `channels` planes of `plane` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub batch: usize,
    pub channels: usize,
    pub plane: usize,
}

impl Sizes {
    fn count(&self) -> f64 {
        (self.batch * self.plane) as f64
    }

    /// Channel `c`'s planes of `data` `[b, c, …]`, image by image.
    fn planes<'a>(&self, data: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (plane, stride) = (self.plane, self.channels * self.plane);
        (0..self.batch).map(move |b| &data[b * stride + c * plane..][..plane])
    }
}

/// The per-channel mean and (biased) variance of `x` `[b, c, …]`.
pub fn statistics(s: &Sizes, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let stats = map((0..s.channels).collect(), |c| {
        // Two passes, as burn: the mean, then the squares of the centred values.
        let sum: f64 = s.planes(x, c).map(|plane| plane.iter().sum::<f32>() as f64).sum();
        let mean = (sum / s.count()) as f32;
        let squares: f64 = s.planes(x, c).map(|plane| plane.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() as f64).sum();
        (mean, (squares / s.count()) as f32)
    });
    stats.into_iter().unzip()
}

/// `y = (x − mean) · γ / √(var + ε) + β`, plane by plane.
pub fn normalise(s: &Sizes, x: &[f32], mean: &[f32], var: &[f32], gamma: &[f32], beta: &[f32], epsilon: f64) -> Vec<f32> {
    let mut y = vec![0f32; x.len()];
    let planes: Vec<(usize, (&mut [f32], &[f32]))> = y.chunks_mut(s.plane).zip(x.chunks(s.plane)).enumerate().collect();
    for_each(planes, |(i, (y, x))| {
        let c = i % s.channels;
        let scale = gamma[c] / ((var[c] as f64 + epsilon).sqrt() as f32);
        let shift = beta[c] - mean[c] * scale;
        for (y, x) in y.iter_mut().zip(x) {
            *y = x * scale + shift;
        }
    });
    y
}

/// The gradients of the input, γ and β for the output gradient `dy`.
pub fn backward(s: &Sizes, x: &[f32], dy: &[f32], mean: &[f32], var: &[f32], gamma: &[f32], epsilon: f64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv_std: Vec<f32> = var.iter().map(|v| (1.0 / (*v as f64 + epsilon).sqrt()) as f32).collect();
    // Σ dy and Σ dy · x̂ per channel.
    let sums = map((0..s.channels).collect(), |c| {
        let (mut sum, mut dot) = (0f64, 0f64);
        for (x, dy) in s.planes(x, c).zip(s.planes(dy, c)) {
            let (a, b) = x.iter().zip(dy).fold((0f32, 0f32), |(a, b), (&x, &d)| (a + d, b + d * (x - mean[c])));
            sum += a as f64;
            dot += b as f64;
        }
        (sum as f32, (dot * inv_std[c] as f64) as f32)
    });
    let (beta_grad, gamma_grad): (Vec<f32>, Vec<f32>) = sums.into_iter().unzip();
    let mut dx = vec![0f32; x.len()];
    let planes: Vec<(usize, (&mut [f32], (&[f32], &[f32])))> =
        dx.chunks_mut(s.plane).zip(x.chunks(s.plane).zip(dy.chunks(s.plane))).enumerate().collect();
    for_each(planes, |(i, (dx, (x, dy)))| {
        let c = i % s.channels;
        let count = s.count() as f32;
        let scale = gamma[c] * inv_std[c];
        let mean_grad = beta_grad[c] / count;
        let mean_normalised_grad = gamma_grad[c] / count;
        for (dx, (x, dy)) in dx.iter_mut().zip(x.iter().zip(dy)) {
            let normalised = (x - mean[c]) * inv_std[c];
            *dx = scale * (dy - mean_grad - normalised * mean_normalised_grad);
        }
    });
    (dx, gamma_grad, beta_grad)
}

/// The statistics and output of one training forward pass, as CPU tensors.
fn forward_flex(x: &FlexTensor, gamma: &FlexTensor, beta: &FlexTensor, epsilon: f64) -> (FlexTensor, FlexTensor, FlexTensor) {
    let (s, shape) = sizes(x);
    let x = values(x);
    let (mean, var) = statistics(&s, &x);
    let y = normalise(&s, &x, &mean, &var, &values(gamma), &values(beta), epsilon);
    (flex_tensor(y, shape), flex_tensor(mean, [s.channels]), flex_tensor(var, [s.channels]))
}

/// The sizes of a `[b, c, h, w]` CPU tensor, and its shape.
fn sizes(t: &FlexTensor) -> (Sizes, Shape) {
    let shape = t.layout().shape().clone();
    let [batch, channels, h, w] = shape.dims::<4>();
    (Sizes { batch, channels, plane: h * w }, shape)
}

#[derive(Debug)]
struct BatchNormBackward;

impl Backward<Flex, 3> for BatchNormBackward {
    /// The input's and γ's checkpoints, the batch's mean and variance, ε.
    type State = (NodeId, NodeId, FlexTensor, FlexTensor, f64);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let dy: FlexTensor = grads.consume::<Flex>(&ops.node);
        let (x_state, gamma_state, mean, var, epsilon) = ops.state;
        let x: FlexTensor = checkpointer.retrieve_node_output(x_state);
        let gamma: FlexTensor = checkpointer.retrieve_node_output(gamma_state);
        let (s, shape) = sizes(&x);
        let (dx, dgamma, dbeta) = backward(&s, &values(&x), &values(&dy), &values(&mean), &values(&var), &values(&gamma), epsilon);
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, flex_tensor(dx, shape));
        }
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, flex_tensor(dgamma, [s.channels]));
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, flex_tensor(dbeta, [s.channels]));
        }
    }
}

/// The output again, in the backward pass, from the input, γ, β and the batch's statistics
/// (which the forward pass computed): what lets gradient checkpointing drop the output.
#[derive(Debug)]
struct Recompute {
    x: NodeId,
    gamma: NodeId,
    beta: NodeId,
    mean: FlexTensor,
    var: FlexTensor,
    epsilon: f64,
}

impl RetroForward for Recompute {
    fn forward(&self, states: &mut BackwardStates, out_node: NodeId) {
        let x: FlexTensor = states.get_state(&self.x);
        let gamma: FlexTensor = states.get_state(&self.gamma);
        let beta: FlexTensor = states.get_state(&self.beta);
        let (s, shape) = sizes(&x);
        let y = normalise(&s, &values(&x), &values(&self.mean), &values(&self.var), &values(&gamma), &values(&beta), self.epsilon);
        states.save(out_node, flex_tensor(y, shape));
    }
}

/// Output, mean and variance of the operation on autodiff tensors with strategy `C`.
///
/// Unlike burn's (compute-bound: its output is kept for whatever needs it in the backward pass),
/// ours is memory-bound: with gradient checkpointing the output is recomputed from the input
/// (a convolution's output, which is kept anyway), one pass with the statistics saved. A
/// network of conv → BN → ReLU layers then keeps one activation per layer instead of two.
fn tracked<C: CheckpointStrategy>(x: &Tensor<4>, gamma: &Tensor<1>, beta: &Tensor<1>, epsilon: f64) -> Option<(Tensor<4>, Tensor<1>, Tensor<1>)>
where
    DispatchTensor: DispatchKindConversion<Autodiff<Flex, C>>,
{
    let x = x.clone().try_into_primitive::<Autodiff<Flex, C>>().ok()?;
    let gamma = gamma.clone().try_into_primitive::<Autodiff<Flex, C>>().ok()?;
    let beta = beta.clone().try_into_primitive::<Autodiff<Flex, C>>().ok()?;
    let (y, mean, var) = forward_flex(x.primitive(), gamma.primitive(), beta.primitive(), epsilon);
    let recompute = Recompute { x: x.id(), gamma: gamma.id(), beta: beta.id(), mean: mean.clone(), var: var.clone(), epsilon };
    let output = match BatchNormBackward
        .prepare::<C>([x.node(), gamma.node(), beta.node()])
        .memory_bound()
        .retro_forward(recompute)
        .parents([&x, &gamma, &beta])
        .stateful()
    {
        OpsKind::Tracked(mut prep) => {
            let x_state = prep.checkpoint(&x);
            let gamma_state = prep.checkpoint(&gamma);
            prep.finish((x_state, gamma_state, mean.clone(), var.clone(), epsilon), y)
        }
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    // The statistics untracked, as burn returns them.
    let wrap = |t: FlexTensor| Tensor::<1>::from_primitive::<Autodiff<Flex, C>>(<<Autodiff<Flex, C> as BackendTypes>::FloatTensorPrimitive>::new(t));
    Some((Tensor::from_primitive::<Autodiff<Flex, C>>(output), wrap(mean), wrap(var)))
}

/// burn's `batch_norm_train` on autodiff tensors of the CPU backend, with our kernels: the
/// output, and the batch's mean and variance (detached). `None` where the tensors are not all
/// f32 autodiff tensors of the CPU backend with one strategy.
pub fn batch_norm_train(x: &Tensor<4>, gamma: &Tensor<1>, beta: &Tensor<1>, epsilon: f64) -> Option<(Tensor<4>, Tensor<1>, Tensor<1>)> {
    if [x.dtype(), gamma.dtype(), beta.dtype()].iter().any(|d| *d != DType::F32) || !supports(&x.device()) {
        return None;
    }
    match x.gradient_checkpointing_strategy()? {
        GradientCheckpointingStrategy::Balanced => tracked::<BalancedCheckpointing>(x, gamma, beta, epsilon),
        GradientCheckpointingStrategy::Disabled => tracked::<NoCheckpointing>(x, gamma, beta, epsilon),
    }
}

/// `bn.forward(x)` for `[b, c, h, w]`, with [`batch_norm_train`] where it applies (training on
/// the CPU backend): the same output and the same running statistics.
pub fn forward(bn: &BatchNorm, x: Tensor<4>) -> Tensor<4> {
    if !(x.device().is_autodiff() && bn.training.is_enabled()) {
        return bn.forward(x);
    }
    let Some((y, mean, var)) = batch_norm_train(&x, &bn.gamma.val(), &bn.beta.val(), bn.epsilon) else {
        return bn.forward(x);
    };
    // As BatchNorm::forward_train.
    let device = x.device();
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let running_mean = running_mean.mul_scalar(1.0 - bn.momentum).add(mean.detach().mul_scalar(bn.momentum));
    let running_var = running_var.mul_scalar(1.0 - bn.momentum).add(var.detach().mul_scalar(bn.momentum));
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    y
}
