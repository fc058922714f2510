//! The training loss on wgpu: `shaders/cross_entropy.wgsl`'s two entry points launched on burn's
//! own cubecl client (queued in burn-fusion's stream with the `fusion` feature, as our other
//! kernels), and a burn autodiff operation around them; only with the `webgpu` feature.

use burn::backend::wgpu::CubeTensor;
use burn::backend::{Autodiff, Cube, DispatchKindConversion, DispatchTensor, GradientCheckpointingStrategy};
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn::tensor::DType;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::{BalancedCheckpointing, CheckpointStrategy, NoCheckpointing};
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_backend::TensorMetadata;
use burn_backend::tensor::FloatTensor;

use crate::fused::{self, contiguous};
use crate::launch::{self, WgslKernel};

/// The kernels' source.
pub const SHADER: &str = include_str!("../../shaders/cross_entropy.wgsl");
/// Invocations of a workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;

const FORWARD: WgslKernel = WgslKernel { name: "CrossEntropy", source: SHADER, entry: "forward", workgroup: WORKGROUP as u32 };
const BACKWARD: WgslKernel = WgslKernel { name: "CrossEntropyBackward", source: SHADER, entry: "backward", workgroup: WORKGROUP as u32 };

/// The shader's sizes: rows and classes of `logits`.
fn sizes(logits: &CubeTensor) -> [u32; 2] {
    let dims = logits.meta.shape().dims::<2>();
    [dims[0] as u32, dims[1] as u32]
}

/// The forward entry point: the loss and the count of correct rows, `[1]` each.
fn launch_forward(logits: CubeTensor, labels: CubeTensor) -> [CubeTensor; 2] {
    let sizes = sizes(&logits);
    let one = Shape::new([1]);
    let (outputs, fillers) = launch::outputs(&logits, [one.clone(), one], 1);
    let mut buffers = vec![contiguous(logits).handle.clone().binding(), labels.handle.clone().binding()];
    buffers.extend(fillers.into_iter().map(|f| f.binding()));
    buffers.extend(outputs.iter().map(|t| t.handle.clone().binding()));
    outputs[0].client.launch(
        Box::new(FORWARD),
        CubeCount::Static(1, 1, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    outputs
}

/// The backward entry point: ∂loss/∂logits for the upstream gradient `[1]`.
fn launch_backward(logits: CubeTensor, labels: CubeTensor, upstream: CubeTensor) -> CubeTensor {
    let sizes = sizes(&logits);
    let shape = logits.meta.shape().clone();
    let (output, fillers) = launch::output(&logits, shape.clone(), 1);
    let mut buffers = vec![contiguous(logits).handle.clone().binding(), labels.handle.clone().binding()];
    buffers.push(contiguous(upstream).handle.clone().binding());
    buffers.push(output.handle.clone().binding());
    buffers.extend(fillers.into_iter().map(|f| f.binding()));
    let (across, down) = launch::grid(shape.num_elements(), WORKGROUP);
    output.client.launch(
        Box::new(BACKWARD),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    output
}

/// The loss and the count (f32) as an operation of burn's wgpu backend (queued in order under
/// fusion). `labels` is an i32 tensor: the backend's buffers are the same type for every element.
fn forward(logits: FloatTensor<Cube>, labels: FloatTensor<Cube>) -> [FloatTensor<Cube>; 2] {
    let one = Shape::new([1]);
    fused::run_many(FORWARD.name, [logits, labels], [one.clone(), one], |[logits, labels]| launch_forward(logits, labels))
}

/// The backward step of the autodiff graph.
#[derive(Debug)]
struct CrossEntropyBackward;

impl Backward<Cube, 1> for CrossEntropyBackward {
    /// The logits and the labels.
    type State = (FloatTensor<Cube>, FloatTensor<Cube>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_logits] = ops.parents;
        let upstream = grads.consume::<Cube>(&ops.node);
        let (logits, labels) = ops.state;
        if let Some(node) = node_logits {
            let shape = logits.shape();
            let dx = fused::run(BACKWARD.name, [logits, labels, upstream], shape, |[logits, labels, upstream]| {
                launch_backward(logits, labels, upstream)
            });
            grads.register::<Cube>(node.id, dx);
        }
    }
}

/// The operation on autodiff logits with checkpointing strategy `C`: the loss (tracked) and the
/// count (f32, untracked), or `None` where the logits are not such a tensor of wgpu.
fn tracked<C: CheckpointStrategy>(logits: &Tensor<2>, labels: FloatTensor<Cube>) -> Option<(Tensor<1>, FloatTensor<Cube>)>
where
    DispatchTensor: DispatchKindConversion<Autodiff<Cube, C>>,
{
    let x = logits.clone().try_into_primitive::<Autodiff<Cube, C>>().ok()?;
    let [loss, correct] = forward(x.primitive().clone(), labels.clone());
    // Compute-bound: the logits ([b, 10]) are kept for the backward pass, not recomputed.
    let loss = match CrossEntropyBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish((x.primitive().clone(), labels), loss),
        OpsKind::UnTracked(prep) => prep.finish(loss),
    };
    Some((Tensor::from_primitive::<Autodiff<Cube, C>>(loss), correct))
}

/// The mean cross-entropy `[1]` of `logits` `[b, classes]` against `labels` `[b]` and the number
/// of rows whose first largest logit is the label's `[1]`, by our kernels, with the loss's
/// backward pass on autodiff logits. `None` where the logits are not f32 tensors of burn's wgpu
/// backend (with or without autodiff), the labels not i32 on the same backend, or the sizes do
/// not agree.
pub fn cross_entropy(logits: &Tensor<2>, labels: &Tensor<1, Int>) -> Option<(Tensor<1>, Tensor<1, Int>)> {
    let [rows, classes] = logits.dims();
    if logits.dtype() != DType::F32 || labels.dtype() != DType::I32 || labels.dims() != [rows] || rows == 0 || classes == 0 {
        return None;
    }
    let labels = if labels.is_autodiff() { labels.clone().inner() } else { labels.clone() };
    let labels = labels.try_into_primitive::<Cube>().ok()?;
    let (loss, correct) = match logits.gradient_checkpointing_strategy() {
        Some(GradientCheckpointingStrategy::Balanced) => tracked::<BalancedCheckpointing>(logits, labels)?,
        Some(GradientCheckpointingStrategy::Disabled) => tracked::<NoCheckpointing>(logits, labels)?,
        None => {
            let x = logits.clone().try_into_primitive::<Cube>().ok()?;
            let [loss, correct] = forward(x, labels);
            (Tensor::from_primitive::<Cube>(loss), correct)
        }
    };
    Some((loss, Tensor::<1>::from_primitive::<Cube>(correct).int()))
}
