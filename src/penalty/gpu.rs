//! The L2 penalty's value on wgpu: `shaders/penalty.wgsl`, one dispatch of one workgroup for
//! every six weight tensors, launched on burn's own cubecl client (queued in burn-fusion's stream
//! with the `fusion` feature, as our other kernels); only with the `webgpu` feature.

use burn::backend::Cube;
use burn::backend::wgpu::CubeTensor;
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn::tensor::DType;
use burn_backend::tensor::FloatTensor;

use crate::fused::{self, contiguous};
use crate::launch::{self, WgslKernel};

/// The kernel's source.
pub const SHADER: &str = include_str!("../../shaders/penalty.wgsl");
/// Invocations of its one workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;
/// Weight tensors a launch reads (the shader's w0…w5): with the total in and the total out, eight
/// storage buffers, WebGPU's least limit for one shader.
pub const PER_LAUNCH: usize = 6;

const KERNEL: WgslKernel = WgslKernel { name: "Penalty", source: SHADER, entry: "penalty", workgroup: WORKGROUP as u32 };

/// One launch: `total + l2 · Σ w²` over `weights` (1–6 tensors), a new `[1]` tensor.
fn launch(l2: f32, total: CubeTensor, weights: Vec<CubeTensor>) -> CubeTensor {
    let (output, fillers) = launch::output(&total, Shape::new([1]), PER_LAUNCH - weights.len());
    let mut counts = [0u32; PER_LAUNCH];
    for (count, w) in counts.iter_mut().zip(&weights) {
        *count = w.meta.shape().num_elements() as u32;
    }
    let mut buffers = vec![contiguous(total).handle.clone().binding()];
    buffers.extend(weights.into_iter().map(|w| contiguous(w).handle.clone().binding()));
    buffers.extend(fillers.into_iter().map(|f| f.binding()));
    buffers.push(output.handle.clone().binding());
    // shaders/penalty.wgsl's Params.
    let mut sizes = vec![l2.to_bits()];
    sizes.extend(counts);
    output.client.launch(
        Box::new(KERNEL),
        CubeCount::Static(1, 1, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    output
}

/// `loss + l2 · Σₖ Σ wₖ²` by the kernel, one launch for every [`PER_LAUNCH`] tensors. `None`
/// where the tensors are not all f32 tensors of burn's wgpu backend (without autodiff), or
/// `loss` is not one value.
pub fn penalised(loss: &Tensor<1>, kernels: &[Tensor<4>], l2: f32) -> Option<Tensor<1>> {
    if loss.dims() != [1] || std::iter::once(loss.dtype()).chain(kernels.iter().map(|w| w.dtype())).any(|d| d != DType::F32) {
        return None;
    }
    let mut total: FloatTensor<Cube> = loss.clone().try_into_primitive::<Cube>().ok()?;
    let weights: Vec<FloatTensor<Cube>> = kernels.iter().map(|w| w.clone().try_into_primitive::<Cube>().ok()).collect::<Option<_>>()?;
    for chunk in weights.chunks(PER_LAUNCH) {
        let mut inputs = vec![total];
        inputs.extend(chunk.iter().cloned());
        total = fused::run_vec(KERNEL.name, inputs, Shape::new([1]), move |mut inputs| {
            let weights = inputs.split_off(1);
            launch(l2, inputs.pop().expect("the total"), weights)
        });
    }
    Some(Tensor::from_primitive::<Cube>(total))
}
