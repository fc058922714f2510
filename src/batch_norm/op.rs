//! Batch normalisation in training (and the ReLU after it, where the layer has one; at a v1
//! block's end the sum with the shortcut before that ReLU) by a backend's own kernels as a burn
//! autodiff operation: the forward pass, a backward step that asks the backend for the input, γ
//! and β gradients (and the shortcut's), and, for gradient checkpointing, the output recomputed
//! from the input. [`cpu`](super::cpu) implements [`Kernels`] for burn's CPU backend
//! (Flex), [`gpu`](super::gpu) for wgpu (Cube).

use std::marker::PhantomData;

use burn::backend::{Autodiff, BackendTypes, DispatchKindConversion, DispatchTensor, GradientCheckpointingStrategy};
use burn::prelude::*;
use burn::tensor::DType;
use burn_autodiff::NodeId;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::retro_forward::RetroForward;
use burn_autodiff::checkpoint::state::BackwardStates;
use burn_autodiff::checkpoint::strategy::{BalancedCheckpointing, CheckpointStrategy, NoCheckpointing};
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_backend::{Backend, TensorMetadata};
use burn_backend::tensor::FloatTensor;

/// What one layer's normalisation is: ε, and whether a ReLU follows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Norm {
    pub epsilon: f64,
    pub relu: bool,
}

/// A layer's running mean and variance (`T` a `[c]` tensor) and burn's momentum: how much of a
/// step's batch statistics the running ones take.
#[derive(Clone, Debug)]
pub struct Running<T> {
    pub mean: T,
    pub var: T,
    pub momentum: f64,
}

/// What a forward pass gives.
pub struct Forward<B: Backend> {
    /// `[b, c, h, w]`.
    pub output: FloatTensor<B>,
    /// `[2, c]`: the means, then the biased variances.
    pub stats: FloatTensor<B>,
    /// The running mean and variance `[c]` after the step, where the backend computes them with
    /// the statistics; `None` leaves them to the caller.
    pub running: Option<[FloatTensor<B>; 2]>,
}

/// The gradients of one backward step.
pub struct NormGradients<B: Backend> {
    /// `[b, c, h, w]`.
    pub input: FloatTensor<B>,
    /// `[c]`.
    pub gamma: FloatTensor<B>,
    /// `[c]`.
    pub beta: FloatTensor<B>,
    /// `[b, c, h, w]`: at a block's end (the shortcut added before the ReLU), the shortcut's.
    pub shortcut: Option<FloatTensor<B>>,
}

/// A backend's own batch-normalisation kernels (training, f32, NCHW `[b, c, h, w]`).
pub trait Kernels: Backend {
    /// Whether tensors on `device` (with or without autodiff) are this backend's.
    fn owns(device: &Device) -> bool;

    /// The output `y` and the batch's statistics, and (where the backend does it in the same
    /// work) the layer's `running` statistics after the step. With a `shortcut` (a v1 block's
    /// end; `n.relu` is then true) `y = relu(norm(x) + shortcut)`.
    fn norm_forward(
        n: Norm,
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        shortcut: Option<FloatTensor<Self>>,
        running: Option<Running<FloatTensor<Self>>>,
    ) -> Forward<Self>;

    /// The output again from the input and the statistics [`norm_forward`](Self::norm_forward)
    /// computed (without a shortcut).
    fn norm_output(n: Norm, x: FloatTensor<Self>, gamma: FloatTensor<Self>, beta: FloatTensor<Self>, stats: FloatTensor<Self>) -> FloatTensor<Self>;

    /// The gradients for the output gradient `dy`; at a block's end, given its `output` (where
    /// the ReLU cut it), the shortcut's too.
    fn norm_backward(
        n: Norm,
        x: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        stats: FloatTensor<Self>,
        output: Option<FloatTensor<Self>>,
    ) -> NormGradients<Self>;
}

/// The backward step of the autodiff graph.
struct NormBackward<B>(PhantomData<fn() -> B>);

impl<B> std::fmt::Debug for NormBackward<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchNormBackward")
    }
}

/// The input's, γ's and β's checkpoints, the batch's statistics, the layer: what a backward step
/// keeps.
type Saved<B> = (NodeId, NodeId, NodeId, FloatTensor<B>, Norm);

/// One backward step for the output gradient `dy`: registers the gradients of the input, γ, β
/// (`parents`) and, at a block's end (given its `output`), of the shortcut.
fn backward_step<B: Kernels>(
    parents: [Option<NodeId>; 4],
    dy: FloatTensor<B>,
    (x_state, gamma_state, beta_state, stats, n): Saved<B>,
    output: Option<FloatTensor<B>>,
    grads: &mut Gradients,
    checkpointer: &mut Checkpointer,
) {
    let x: FloatTensor<B> = checkpointer.retrieve_node_output(x_state);
    let gamma: FloatTensor<B> = checkpointer.retrieve_node_output(gamma_state);
    let beta: FloatTensor<B> = checkpointer.retrieve_node_output(beta_state);
    let g = B::norm_backward(n, x, dy, gamma, beta, stats, output);
    let [node_x, node_gamma, node_beta, node_shortcut] = parents;
    for (node, gradient) in [(node_x, Some(g.input)), (node_gamma, Some(g.gamma)), (node_beta, Some(g.beta)), (node_shortcut, g.shortcut)] {
        if let (Some(node), Some(gradient)) = (node, gradient) {
            grads.register::<B>(node, gradient);
        }
    }
}

impl<B: Kernels> Backward<B, 3> for NormBackward<B> {
    type State = Saved<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [x, gamma, beta] = ops.parents.map(|p| p.map(|node| node.id));
        let dy = grads.consume::<B>(&ops.node);
        backward_step::<B>([x, gamma, beta, None], dy, ops.state, None, grads, checkpointer);
    }
}

/// The backward step at a v1 block's end, `relu(norm(x) + shortcut)`: four parents.
struct NormAddBackward<B>(PhantomData<fn() -> B>);

impl<B> std::fmt::Debug for NormAddBackward<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchNormAddReluBackward")
    }
}

impl<B: Kernels> Backward<B, 4> for NormAddBackward<B> {
    /// What [`NormBackward`] keeps, and the output (the ReLU's cut).
    type State = (Saved<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let dy = grads.consume::<B>(&ops.node);
        let (saved, output) = ops.state;
        backward_step::<B>(ops.parents.map(|p| p.map(|node| node.id)), dy, saved, Some(output), grads, checkpointer);
    }
}

/// The output again, in the backward pass, from the input, γ, β and the batch's statistics
/// (which the forward pass computed): what lets gradient checkpointing drop the output.
struct Recompute<B: Backend> {
    x: NodeId,
    gamma: NodeId,
    beta: NodeId,
    stats: FloatTensor<B>,
    n: Norm,
}

impl<B: Backend> std::fmt::Debug for Recompute<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchNormRecompute")
    }
}

impl<B: Kernels> RetroForward for Recompute<B> {
    fn forward(&self, states: &mut BackwardStates, out_node: NodeId) {
        let x: FloatTensor<B> = states.get_state(&self.x);
        let gamma: FloatTensor<B> = states.get_state(&self.gamma);
        let beta: FloatTensor<B> = states.get_state(&self.beta);
        states.save(out_node, B::norm_output(self.n, x, gamma, beta, self.stats.clone()));
    }
}

/// One layer's operation as [`train`] takes it: the layer, its input `[b, c, h, w]`, γ and β
/// `[c]` (f32 autodiff tensors of one checkpointing strategy), at a v1 block's end the shortcut
/// (of `x`'s shape; `n.relu` true: `relu(norm(x) + shortcut)`), and the layer's running
/// statistics before the step (on the same device), for a backend that updates them with its
/// statistics.
#[derive(Clone)]
pub struct Call<'a> {
    pub n: Norm,
    pub x: &'a Tensor<4>,
    pub gamma: &'a Tensor<1>,
    pub beta: &'a Tensor<1>,
    pub shortcut: Option<&'a Tensor<4>>,
    pub running: Option<Running<&'a Tensor<1>>>,
}

/// What [`train`] gives: the output, the batch's statistics `[2, c]` (detached), and the running
/// statistics after the step where the backend computed them (detached).
pub type Trained = (Tensor<4>, Tensor<2>, Option<[Tensor<1>; 2]>);

/// `running`'s tensors as `B`'s (without autodiff), where they are f32 tensors `[c]` of
/// `Autodiff<B, C>`.
fn running_of<B: Kernels, C: CheckpointStrategy>(running: Option<Running<&Tensor<1>>>, c: usize) -> Option<Running<FloatTensor<B>>>
where
    DispatchTensor: DispatchKindConversion<Autodiff<B, C>>,
{
    let running = running?;
    let inner = |t: &Tensor<1>| {
        let t = (t.dtype() == DType::F32 && t.dims() == [c]).then(|| t.clone().try_into_primitive::<Autodiff<B, C>>().ok())??;
        Some(t.primitive().clone())
    };
    Some(Running { mean: inner(running.mean)?, var: inner(running.var)?, momentum: running.momentum })
}

/// Output, statistics `[2, c]` and running statistics of the operation on autodiff tensors with
/// strategy `C`, or `None` where one of them is not such a tensor of `B`.
///
/// Unlike burn's (compute-bound: its output is kept for whatever needs it in the backward pass),
/// ours is memory-bound: with gradient checkpointing the output is recomputed from the input
/// (a convolution's output, which is kept anyway), one pass with the statistics saved. A
/// network of conv → BN → ReLU layers then keeps one activation per layer instead of two. At a
/// block's end it is compute-bound: the output is the next block's input, kept anyway, and its
/// backward pass reads the ReLU's cut from it.
fn tracked<B: Kernels, C: CheckpointStrategy>(Call { n, x, gamma, beta, shortcut, running }: Call) -> Option<Trained>
where
    DispatchTensor: DispatchKindConversion<Autodiff<B, C>>,
{
    let x = x.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let gamma = gamma.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let beta = beta.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let shortcut = match shortcut {
        Some(s) => Some(s.clone().try_into_primitive::<Autodiff<B, C>>().ok()?),
        None => None,
    };
    let running = running_of::<B, C>(running, x.primitive().shape()[1]);
    let Forward { output: y, stats, running } =
        B::norm_forward(n, x.primitive().clone(), gamma.primitive().clone(), beta.primitive().clone(), shortcut.as_ref().map(|s| s.primitive().clone()), running);
    let output = match &shortcut {
        None => {
            let recompute = Recompute::<B> { x: x.id(), gamma: gamma.id(), beta: beta.id(), stats: stats.clone(), n };
            match NormBackward::<B>(PhantomData)
                .prepare::<C>([x.node(), gamma.node(), beta.node()])
                .memory_bound()
                .retro_forward(recompute)
                .parents([&x, &gamma, &beta])
                .stateful()
            {
                OpsKind::Tracked(mut prep) => {
                    let saved = (prep.checkpoint(&x), prep.checkpoint(&gamma), prep.checkpoint(&beta), stats.clone(), n);
                    prep.finish(saved, y)
                }
                OpsKind::UnTracked(prep) => prep.finish(y),
            }
        }
        Some(shortcut) => match NormAddBackward::<B>(PhantomData).prepare::<C>([x.node(), gamma.node(), beta.node(), shortcut.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let saved = (prep.checkpoint(&x), prep.checkpoint(&gamma), prep.checkpoint(&beta), stats.clone(), n);
                prep.finish((saved, y.clone()), y)
            }
            OpsKind::UnTracked(prep) => prep.finish(y),
        },
    };
    // The statistics untracked, as burn returns them.
    let stats = <<Autodiff<B, C> as BackendTypes>::FloatTensorPrimitive>::new(stats);
    let untracked = |t: FloatTensor<B>| Tensor::<1>::from_primitive::<Autodiff<B, C>>(<<Autodiff<B, C> as BackendTypes>::FloatTensorPrimitive>::new(t));
    Some((Tensor::from_primitive::<Autodiff<B, C>>(output), Tensor::from_primitive::<Autodiff<B, C>>(stats), running.map(|r| r.map(untracked))))
}

/// The operation on autodiff tensors of `B`: the output, the batch's statistics `[2, c]`
/// (detached), and the running statistics after the step where the backend computes them.
/// `None` where the tensors are not all f32 autodiff tensors of `B` with one checkpointing
/// strategy, or the shortcut does not fit.
pub fn train<B: Kernels>(call: Call) -> Option<Trained>
where
    DispatchTensor: DispatchKindConversion<Autodiff<B, BalancedCheckpointing>> + DispatchKindConversion<Autodiff<B, NoCheckpointing>>,
{
    let Call { n, x, gamma, beta, shortcut, .. } = call;
    if [x.dtype(), gamma.dtype(), beta.dtype()].iter().any(|d| *d != DType::F32) || !B::owns(&x.device()) {
        return None;
    }
    if let Some(s) = shortcut
        && (s.dtype() != DType::F32 || s.dims() != x.dims() || !n.relu || s.gradient_checkpointing_strategy() != x.gradient_checkpointing_strategy())
    {
        return None;
    }
    match x.gradient_checkpointing_strategy()? {
        GradientCheckpointingStrategy::Balanced => tracked::<B, BalancedCheckpointing>(call),
        GradientCheckpointingStrategy::Disabled => tracked::<B, NoCheckpointing>(call),
    }
}
