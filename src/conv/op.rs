//! One of our convolution kernels as a burn autodiff operation, whatever the backend: the
//! forward pass, and a backward step that asks the backend's kernels for the input, kernel and
//! bias gradients. [`cpu`](super::cpu) implements [`Kernels`] for burn's CPU backend (Flex),
//! [`gpu`](super::gpu) for wgpu (Cube); [`conv2d`] takes dispatch tensors, finds their autodiff
//! context and runs the operation in it.

use std::marker::PhantomData;

use burn::backend::{Autodiff, DispatchKindConversion, DispatchTensor, GradientCheckpointingStrategy};
use burn::prelude::*;
use burn::tensor::DType;
use burn_autodiff::NodeId;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::{BalancedCheckpointing, CheckpointStrategy, NoCheckpointing};
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_backend::Backend;
use burn_backend::tensor::FloatTensor;

use super::same_padding;

/// The sizes of one convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub filters: usize,
    pub kernel: usize,
    pub stride: usize,
    /// Zero rows above the image ("same" padding; one more goes below when the total is odd).
    pub top: usize,
    /// Zero columns left of the image.
    pub left: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl Geometry {
    /// `x` `[b, c, h, w]`, a `[f, c, k, k]` kernel, `stride`, "same" padding.
    pub fn new(x: [usize; 4], weight: [usize; 4], stride: usize) -> Self {
        let [batch, channels, height, width] = x;
        let [filters, _, kernel, _] = weight;
        let (top, _, out_h) = same_padding(height, kernel, stride);
        let (left, _, out_w) = same_padding(width, kernel, stride);
        Self { batch, channels, height, width, filters, kernel, stride, top, left, out_h, out_w }
    }

    /// Rows of an image's im2col matrix: `c·k·k`.
    pub fn rows(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// Output pixels of one image: `h'·w'`.
    pub fn pixels(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Values of one input image: `c·h·w`.
    pub fn image(&self) -> usize {
        self.channels * self.height * self.width
    }

    pub fn input_shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.height, self.width]
    }

    pub fn output_shape(&self) -> [usize; 4] {
        [self.batch, self.filters, self.out_h, self.out_w]
    }

    pub fn kernel_shape(&self) -> [usize; 4] {
        [self.filters, self.channels, self.kernel, self.kernel]
    }

    /// A 1×1 stride-1 convolution reads the image itself as its im2col matrix.
    pub(crate) fn is_pointwise(&self) -> bool {
        self.kernel == 1 && self.stride == 1
    }

    /// For kernel offset `k` along an axis of `size` with `pad` before it and `out` outputs: the
    /// outputs `o` whose input `o·stride + k − pad` lies inside, as `start..end`.
    pub(crate) fn inside(&self, k: usize, pad: usize, size: usize, out: usize) -> (usize, usize) {
        let s = self.stride;
        // o·s + k ≥ pad  ⇔  o ≥ ⌈(pad − k) / s⌉
        let start = pad.saturating_sub(k).div_ceil(s).min(out);
        // o·s + k − pad ≤ size − 1  ⇔  o ≤ (size − 1 + pad − k) / s
        let end = if size + pad > k { ((size - 1 + pad - k) / s + 1).min(out) } else { 0 };
        (start, end.max(start))
    }
}

/// The three gradients of a convolution.
pub struct ConvGradients<B: Backend> {
    /// `[b, c, h, w]`, when asked for.
    pub input: Option<FloatTensor<B>>,
    /// `[f, c, k, k]`.
    pub kernel: FloatTensor<B>,
    /// `[f]`.
    pub bias: FloatTensor<B>,
}

/// A backend's own convolution kernels ("same" padding, square kernel, f32, NCHW).
pub trait Kernels: Backend {
    /// Whether tensors on `device` (with or without autodiff) are this backend's.
    fn owns(device: &Device) -> bool;

    /// Whether the kernels take a convolution of these sizes (all of them, unless a backend's
    /// kernels have limits of their own).
    fn takes(_g: &Geometry) -> bool {
        true
    }

    /// `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, h', w']`.
    fn conv_forward(g: &Geometry, x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>) -> FloatTensor<Self>;

    /// The gradients for the output gradient `dy` `[b, f, h', w']`; the input's only when
    /// `want_input`.
    fn conv_backward(
        g: &Geometry,
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        dy: FloatTensor<Self>,
        want_input: bool,
    ) -> ConvGradients<Self>;
}

/// The backward step of the autodiff graph.
struct ConvBackward<B>(PhantomData<fn() -> B>);

impl<B> std::fmt::Debug for ConvBackward<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConvBackward")
    }
}

impl<B: Kernels> Backward<B, 3> for ConvBackward<B> {
    /// The input's and the kernel's checkpoints, and the sizes.
    type State = (NodeId, NodeId, Geometry);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let dy = grads.consume::<B>(&ops.node);
        let (x_state, w_state, g) = ops.state;
        let x: FloatTensor<B> = checkpointer.retrieve_node_output(x_state);
        let w: FloatTensor<B> = checkpointer.retrieve_node_output(w_state);
        let gradients = B::conv_backward(&g, x, w, dy, node_x.is_some());
        if let (Some(node), Some(dx)) = (node_x, gradients.input) {
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_w {
            grads.register::<B>(node.id, gradients.kernel);
        }
        if let Some(node) = node_b {
            grads.register::<B>(node.id, gradients.bias);
        }
    }
}

/// The operation on autodiff tensors with checkpointing strategy `C`, or `None` where one of the
/// three is not such a tensor of `B`.
fn tracked<B: Kernels, C: CheckpointStrategy>(g: &Geometry, x: &Tensor<4>, w: &Tensor<4>, b: &Tensor<1>) -> Option<Tensor<4>>
where
    DispatchTensor: DispatchKindConversion<Autodiff<B, C>>,
{
    let x = x.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let w = w.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let b = b.clone().try_into_primitive::<Autodiff<B, C>>().ok()?;
    let output = B::conv_forward(g, x.primitive().clone(), w.primitive().clone(), b.primitive().clone());
    let output = match ConvBackward::<B>(PhantomData).prepare::<C>([x.node(), w.node(), b.node()]).compute_bound().stateful() {
        OpsKind::Tracked(mut prep) => {
            let x_state = prep.checkpoint(&x);
            let w_state = prep.checkpoint(&w);
            prep.finish((x_state, w_state, *g), output)
        }
        OpsKind::UnTracked(prep) => prep.finish(output),
    };
    Some(Tensor::from_primitive::<Autodiff<B, C>>(output))
}

/// `t` as an autodiff tensor with `strategy`: itself if it is one, else an untracked constant.
fn lift<const D: usize>(t: &Tensor<D>, strategy: GradientCheckpointingStrategy) -> Tensor<D> {
    if t.is_autodiff() { t.clone() } else { t.clone().autodiff().with_gradient_checkpointing_strategy(strategy) }
}

/// A "same"-padded 2-D convolution with square `kernel` and `stride` by `B`'s kernels:
/// `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, ⌈h/s⌉, ⌈w/s⌉]`, with its
/// backward pass on autodiff tensors. `None` where the tensors are not all f32 tensors of `B` in
/// one autodiff context, or `B`'s kernels do not [take](Kernels::takes) these sizes (the caller
/// then uses burn's own `conv2d`).
pub fn conv2d<B: Kernels>(x: &Tensor<4>, weight: &Tensor<4>, bias: &Tensor<1>, stride: usize) -> Option<Tensor<4>>
where
    DispatchTensor: DispatchKindConversion<B>
        + DispatchKindConversion<Autodiff<B, BalancedCheckpointing>>
        + DispatchKindConversion<Autodiff<B, NoCheckpointing>>,
{
    if [x.dtype(), weight.dtype(), bias.dtype()].iter().any(|d| *d != DType::F32) || stride == 0 || !B::owns(&x.device()) {
        return None;
    }
    let [f, c, kh, kw] = weight.dims();
    if x.dims()[1] != c || kh != kw || bias.dims()[0] != f {
        return None;
    }
    let g = Geometry::new(x.dims(), weight.dims(), stride);
    if !B::takes(&g) {
        return None;
    }
    // One autodiff context for the three, as burn merges them: a tensor without autodiff is a
    // constant of an operation on autodiff tensors.
    let strategy = [x.gradient_checkpointing_strategy(), weight.gradient_checkpointing_strategy(), bias.gradient_checkpointing_strategy()]
        .into_iter()
        .flatten()
        .next();
    match strategy {
        Some(strategy) => {
            let (x, weight, bias) = (lift(x, strategy), lift(weight, strategy), lift(bias, strategy));
            match strategy {
                GradientCheckpointingStrategy::Balanced => tracked::<B, BalancedCheckpointing>(&g, &x, &weight, &bias),
                GradientCheckpointingStrategy::Disabled => tracked::<B, NoCheckpointing>(&g, &x, &weight, &bias),
            }
        }
        None => {
            let x = x.clone().try_into_primitive::<B>().ok()?;
            let w = weight.clone().try_into_primitive::<B>().ok()?;
            let b = bias.clone().try_into_primitive::<B>().ok()?;
            Some(Tensor::from_primitive::<B>(B::conv_forward(&g, x, w, b)))
        }
    }
}
