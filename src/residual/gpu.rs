//! `ReLU(shortcut + y)` on wgpu: `shaders/residual.wgsl`'s two entry points launched on burn's
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
pub const SHADER: &str = include_str!("../../shaders/residual.wgsl");
/// Invocations of a workgroup (the shader's `WG`): one value each.
const WORKGROUP: usize = 256;

const FORWARD: WgslKernel = WgslKernel { name: "ResidualAddRelu", source: SHADER, entry: "add_relu", workgroup: WORKGROUP as u32 };
const BACKWARD: WgslKernel = WgslKernel { name: "ResidualReluBackward", source: SHADER, entry: "relu_backward", workgroup: WORKGROUP as u32 };

/// Runs `kernel` on two tensors of one shape, returning what it writes (their shape).
fn launch(kernel: WgslKernel, lhs: CubeTensor, rhs: CubeTensor) -> CubeTensor {
    let shape = lhs.meta.shape().clone();
    let count = shape.num_elements();
    let (output, _) = launch::output(&lhs, shape, 0);
    let buffers = vec![contiguous(lhs).handle.clone().binding(), contiguous(rhs).handle.clone().binding(), output.handle.clone().binding()];
    let (across, down) = launch::grid(count, WORKGROUP);
    output.client.launch(
        Box::new(kernel),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&[count as u32])),
    );
    output
}

/// `kernel` as an operation of burn's wgpu backend (queued in order under fusion).
fn run(kernel: WgslKernel, lhs: FloatTensor<Cube>, rhs: FloatTensor<Cube>) -> FloatTensor<Cube> {
    let shape = lhs.shape();
    fused::run(kernel.name, [lhs, rhs], shape, move |[lhs, rhs]| launch(kernel, lhs, rhs))
}

/// The backward step of the autodiff graph: ∂loss/∂z masked where z ≤ 0, for both inputs.
#[derive(Debug)]
struct AddReluBackward;

impl Backward<Cube, 2> for AddReluBackward {
    /// The output z.
    type State = FloatTensor<Cube>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_shortcut, node_y] = ops.parents;
        let dz = grads.consume::<Cube>(&ops.node);
        let g = run(BACKWARD, ops.state, dz);
        if let Some(node) = node_shortcut {
            grads.register::<Cube>(node.id, g.clone());
        }
        if let Some(node) = node_y {
            grads.register::<Cube>(node.id, g);
        }
    }
}

/// The operation on autodiff tensors with checkpointing strategy `C`, or `None` where one of the
/// two is not such a tensor of wgpu.
fn tracked<C: CheckpointStrategy>(shortcut: &Tensor<4>, y: &Tensor<4>) -> Option<Tensor<4>>
where
    DispatchTensor: DispatchKindConversion<Autodiff<Cube, C>>,
{
    let a = shortcut.clone().try_into_primitive::<Autodiff<Cube, C>>().ok()?;
    let b = y.clone().try_into_primitive::<Autodiff<Cube, C>>().ok()?;
    let z = run(FORWARD, a.primitive().clone(), b.primitive().clone());
    // Compute-bound: z is kept (for the mask, and as the next block's input), not recomputed.
    let z = match AddReluBackward.prepare::<C>([a.node(), b.node()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(z.clone(), z),
        OpsKind::UnTracked(prep) => prep.finish(z),
    };
    Some(Tensor::from_primitive::<Autodiff<Cube, C>>(z))
}

/// `ReLU(shortcut + y)` by our kernels, with its backward pass on autodiff tensors. `None` where
/// the two are not f32 tensors of burn's wgpu backend of one shape, both with autodiff (one
/// checkpointing strategy) or both without.
pub fn add_relu(shortcut: &Tensor<4>, y: &Tensor<4>) -> Option<Tensor<4>> {
    if [shortcut.dtype(), y.dtype()].iter().any(|d| *d != DType::F32) || shortcut.dims() != y.dims() {
        return None;
    }
    match (shortcut.gradient_checkpointing_strategy(), y.gradient_checkpointing_strategy()) {
        (Some(GradientCheckpointingStrategy::Balanced), Some(GradientCheckpointingStrategy::Balanced)) => {
            tracked::<BalancedCheckpointing>(shortcut, y)
        }
        (Some(GradientCheckpointingStrategy::Disabled), Some(GradientCheckpointingStrategy::Disabled)) => {
            tracked::<NoCheckpointing>(shortcut, y)
        }
        (None, None) => {
            let a = shortcut.clone().try_into_primitive::<Cube>().ok()?;
            let b = y.clone().try_into_primitive::<Cube>().ok()?;
            Some(Tensor::from_primitive::<Cube>(run(FORWARD, a, b)))
        }
        _ => None,
    }
}
