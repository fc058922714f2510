//! Adam's update on wgpu: `shaders/adam.wgsl`, one dispatch per parameter a step, launched on
//! burn's own cubecl client (queued in burn-fusion's stream with the `fusion` feature, as our
//! other kernels); only with the `webgpu` feature.
//!
//! Why (BENCHMARKS.md, "Adam in one kernel"): the update from tensor operations is about a dozen
//! of them per parameter, 82 parameters in ResNet20 v1: each a dispatch without fusion, and with it
//! an operation for burn-fusion to record, plan and fuse on the host, which in the page is the
//! training worker whose own work is the floor of a step.

use burn::backend::Cube;
use burn::backend::wgpu::CubeTensor;
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn::tensor::DType;

use super::{Moments, StepScalars};
use crate::fused::{self, contiguous};
use crate::launch::{self, WgslKernel};

/// The kernel's source.
pub const SHADER: &str = include_str!("../../shaders/adam.wgsl");

/// Invocations of a workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;
/// The shader's one entry point.
const KERNEL: WgslKernel = WgslKernel { name: "Adam", source: SHADER, entry: "adam", workgroup: WORKGROUP as u32 };

/// Workgroups of a step of `count` values: along x, then y.
pub fn workgroups(count: usize) -> (usize, usize) {
    launch::grid(count, WORKGROUP)
}

/// Launches the kernel on the buffers: the new weights (the weights' shape) and moments
/// (`[count]`).
fn launch(s: StepScalars, weights: CubeTensor, grad: CubeTensor, moments: Option<[CubeTensor; 2]>) -> [CubeTensor; 3] {
    let shape = weights.meta.shape().clone();
    let count = shape.num_elements();
    let flat = Shape::new([count]);
    let fresh = moments.is_none();
    let (outputs, fillers) = launch::outputs(&weights, [shape, flat.clone(), flat], if fresh { 2 } else { 0 });
    let moments = match moments {
        Some([first, second]) => [contiguous(first).handle.clone().binding(), contiguous(second).handle.clone().binding()],
        None => {
            let mut fillers = fillers.into_iter();
            [fillers.next().expect("two fillers").binding(), fillers.next().expect("two fillers").binding()]
        }
    };
    let client = weights.client.clone();
    let [first, second] = moments;
    let mut buffers = vec![contiguous(weights).handle.clone().binding(), contiguous(grad).handle.clone().binding(), first, second];
    buffers.extend(outputs.iter().map(|t| t.handle.clone().binding()));
    // shaders/adam.wgsl's Params.
    let bits = [s.beta_1, s.beta_2, s.one_minus_beta_1, s.one_minus_beta_2, s.factor, s.epsilon_hat, s.lr, s.decay].map(f32::to_bits);
    let mut sizes = vec![count as u32, fresh as u32];
    sizes.extend(bits);
    let (across, down) = workgroups(count);
    client.launch(
        Box::new(KERNEL),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    outputs
}

/// One Adam step of one parameter by the kernel: the new weights (the weights' shape) and
/// moments. `None` where the tensors are not all f32 tensors of burn's wgpu backend (without
/// autodiff) with the moments' shape `[count]`.
pub fn step<const D: usize>(weights: &Tensor<D>, grad: &Tensor<D>, moments: Option<&Moments>, s: StepScalars) -> Option<(Tensor<D>, Moments)> {
    let f32s = [weights.dtype(), grad.dtype()].into_iter().chain(moments.into_iter().flat_map(|m| [m.first.dtype(), m.second.dtype()]));
    if f32s.into_iter().any(|d| d != DType::F32) || weights.dims() != grad.dims() {
        return None;
    }
    let primitive = |t: &Tensor<D>| t.clone().try_into_primitive::<Cube>().ok();
    let (w, g) = (primitive(weights)?, primitive(grad)?);
    let shape = Shape::new(weights.dims());
    let count = shape.num_elements();
    let flat = Shape::new([count]);
    let outputs = [shape, flat.clone(), flat];
    let [w, m, v] = match moments {
        None => fused::run_many("Adam", [w, g], outputs, move |[w, g]| launch(s, w, g, None)),
        Some(Moments { first, second }) => {
            let m = first.clone().try_into_primitive::<Cube>().ok()?;
            let v = second.clone().try_into_primitive::<Cube>().ok()?;
            if [&first, &second].iter().any(|t| t.dims() != [count]) {
                return None;
            }
            fused::run_many("Adam", [w, g, m, v], outputs, move |[w, g, m, v]| launch(s, w, g, Some([m, v])))
        }
    };
    let moments = Moments { first: Tensor::from_primitive::<Cube>(m), second: Tensor::from_primitive::<Cube>(v) };
    Some((Tensor::from_primitive::<Cube>(w), moments))
}
