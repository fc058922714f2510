//! Our own WGSL kernels as operations of burn's wgpu backend, with or without kernel fusion (the
//! `fusion` feature; only with `webgpu`).
//!
//! Without fusion, burn's wgpu tensors are cubecl buffers ([`CubeTensor`]) and a kernel of ours
//! simply runs on them. With fusion, they are ids in burn-fusion's lazy stream: operations are
//! queued, and runs of element-wise ones are compiled into single kernels before they execute. A
//! kernel of ours then has to be queued too, in order, as an opaque custom operation, so that
//! the operations before it have written its inputs when it runs and those after it read its
//! outputs. [`run`] is that one step, the same call in both builds: it takes the backend's own
//! tensors and gives the body the cubecl buffers.

use burn::backend::Cube;
use burn::backend::wgpu::CubeTensor;
use burn::prelude::Shape;
use burn_backend::tensor::FloatTensor;

/// Runs `body` on the cubecl buffers of `inputs` (f32 tensors of burn's wgpu backend) as one
/// operation named `name`, which returns f32 tensors of `outputs`' shapes, in order.
///
/// Without fusion the body runs now. With fusion it runs when burn-fusion executes the stream up
/// to this operation; the output tensors exist at once, with their shapes, as for any lazy
/// operation.
#[cfg(not(feature = "fusion"))]
pub fn run<const N: usize>(
    _name: &'static str,
    inputs: [FloatTensor<Cube>; N],
    outputs: Vec<Shape>,
    body: impl Fn([CubeTensor; N]) -> Vec<CubeTensor> + Send + Sync + 'static,
) -> Vec<FloatTensor<Cube>> {
    let results = body(inputs);
    debug_assert_eq!(results.iter().map(|t| t.meta.shape().clone()).collect::<Vec<_>>(), outputs, "{_name}");
    results
}

#[cfg(feature = "fusion")]
pub use lazy::run;

#[cfg(feature = "fusion")]
mod lazy {
    use burn::backend::fusion::custom::{CustomOpIr, HandleContainer, OperationFn, OperationIr, StreamId, TensorIr};
    use burn::backend::fusion::{FusionBackend, FusionRuntime};
    use burn::backend::wgpu::CubeBackend;
    use burn::tensor::DType;

    use super::{Cube, CubeTensor, FloatTensor, Shape};

    type Handle = <<CubeBackend as FusionBackend>::FusionRuntime as FusionRuntime>::FusionHandle;

    /// See the module; this is the fused build's version.
    pub fn run<const N: usize>(
        name: &'static str,
        inputs: [FloatTensor<Cube>; N],
        outputs: Vec<Shape>,
        body: impl Fn([CubeTensor; N]) -> Vec<CubeTensor> + Send + Sync + 'static,
    ) -> Vec<FloatTensor<Cube>> {
        let client = inputs[0].client.clone();
        let inputs: [TensorIr; N] = inputs.map(|t| t.into_ir());
        let outputs: Vec<TensorIr> =
            outputs.into_iter().map(|shape| TensorIr::uninit(client.create_empty_handle(), shape, DType::F32)).collect();
        let ids: Vec<_> = outputs.iter().map(|t| t.id).collect();
        let description = CustomOpIr { id: name.into(), inputs: inputs.to_vec(), outputs, scalars: Vec::new() };
        let operation = OperationFn(move |handles: &mut HandleContainer<Handle>| {
            let buffers = std::array::from_fn(|k| handles.get_float_tensor::<CubeBackend>(&inputs[k]));
            let results = body(buffers);
            debug_assert_eq!(results.len(), ids.len(), "{name}");
            for (id, tensor) in ids.iter().zip(results) {
                handles.register_float_tensor::<CubeBackend>(id, tensor);
            }
            Ok(())
        });
        client.register(StreamId::current(), OperationIr::Custom(description), operation)
    }
}
