//! The sums that end a convolution's backward pass on wgpu — the kernel gradient from its
//! partial products, the bias gradient from the output gradient — by `shaders/conv_sums.wgsl`, two
//! dispatches instead of burn's three reductions; only with the `webgpu` feature.

use burn::backend::Cube;
use burn::backend::wgpu::CubeTensor;
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn_backend::TensorMetadata;
use burn_backend::tensor::FloatTensor;

use super::op::Geometry;
use crate::fused;
use crate::launch::{self, WgslKernel};

/// The kernels' source.
pub const SHADER: &str = include_str!("../../shaders/conv_sums.wgsl");
/// Invocations of a bias-partials workgroup (the shader's `SUM_WG`).
const SUM_WORKGROUP: usize = 64;
/// Invocations of a sums workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;
/// The batch is split until there are about this many bias-partials workgroups…
const TARGET_WORKGROUPS: usize = 256;
/// …while each invocation keeps at least this many values to add.
const MIN_VALUES_PER_INVOCATION: usize = 64;

const BIAS_PARTIALS: WgslKernel = WgslKernel { name: "ConvBiasPartials", source: SHADER, entry: "bias_partials", workgroup: SUM_WORKGROUP as u32 };
const SUMS: WgslKernel = WgslKernel { name: "ConvSums", source: SHADER, entry: "sums", workgroup: WORKGROUP as u32 };

/// How the bias's sums over the batch are split: `(images per slice, slices)`.
pub fn bias_split(batch: usize, filters: usize, pixels: usize) -> (usize, usize) {
    let wanted = TARGET_WORKGROUPS.div_ceil(filters.max(1));
    let most = (batch * pixels / (SUM_WORKGROUP * MIN_VALUES_PER_INVOCATION)).max(1);
    let per = batch.div_ceil(wanted.min(most).clamp(1, batch.max(1))).max(1);
    (per, batch.div_ceil(per).max(1))
}

/// Launches `kernel` with the five bindings (fillers where a tensor is `None`), returning the
/// outputs of `shapes`.
fn launch<const K: usize>(kernel: WgslKernel, workgroups: (usize, usize), sizes: [u32; 7], inputs: [Option<CubeTensor>; 3], shapes: [Shape; K]) -> [CubeTensor; K] {
    let like = inputs.iter().flatten().next().expect("an input").clone();
    let unread = inputs.iter().filter(|t| t.is_none()).count() + (2 - K);
    let (outputs, fillers) = launch::outputs(&like, shapes, unread);
    let mut fillers = fillers.into_iter();
    let mut buffers = launch::input_bindings(inputs, &mut fillers);
    buffers.extend(outputs.iter().map(|t| t.handle.clone().binding()));
    buffers.extend(fillers.map(|f| f.binding()));
    like.client.launch(
        Box::new(kernel),
        CubeCount::Static(workgroups.0 as u32, workgroups.1 as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    outputs
}

/// The kernel gradient `[f, c, k, k]` from its partial products `partial` `[slices, f, c·k·k]`
/// and the bias gradient `[f]` from the output gradient `dy` `[b, f, h', w']` of convolution `g`.
pub fn kernel_and_bias(g: &Geometry, partial: FloatTensor<Cube>, dy: FloatTensor<Cube>) -> (FloatTensor<Cube>, FloatTensor<Cube>) {
    let g = *g;
    let count = g.filters * g.rows();
    let slices = partial.shape().dims::<3>()[0];
    let (per, bias_slices) = bias_split(g.batch, g.filters, g.pixels());
    // The shader's Params.
    let sizes = [g.batch, g.filters, g.pixels(), per, bias_slices, slices, count].map(|v| v as u32);
    let bias_shape = Shape::new([g.filters, bias_slices, SUM_WORKGROUP]);
    let bias_partial = fused::run(BIAS_PARTIALS.name, [dy], bias_shape.clone(), move |[dy]| {
        let [out] = launch(BIAS_PARTIALS, (g.filters, bias_slices), sizes, [Some(dy), None, None], [bias_shape.clone()]);
        out
    });
    let shapes = [Shape::new(g.kernel_shape()), Shape::new([g.filters])];
    let [kernel, bias] = fused::run_many(SUMS.name, [partial, bias_partial], shapes.clone(), move |[partial, bias_partial]| {
        let workgroups = launch::grid(count + g.filters, WORKGROUP);
        launch(SUMS, workgroups, sizes, [None, Some(partial), Some(bias_partial)], shapes.clone())
    });
    (kernel, bias)
}
