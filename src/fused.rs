//! Our own WGSL kernels as operations of burn's wgpu backend, with or without kernel fusion (the
//! `fusion` feature; only with `webgpu`).
//!
//! Without fusion, burn's wgpu tensors are cubecl buffers ([`CubeTensor`]) and a kernel of ours
//! simply runs on them. With fusion, they are ids in burn-fusion's lazy stream: operations are
//! queued, and runs of element-wise ones are compiled into single kernels before they execute. A
//! kernel of ours then has to be queued too, in order, as an opaque custom operation, so that
//! the operations before it have written its inputs when it runs and those after it read its
//! output. [`run`] is that one step, the same call in both builds: it takes the backend's own
//! tensors and gives the body the cubecl buffers.

use burn::backend::Cube;
use burn::backend::wgpu::{CubeBackend, CubeTensor};
use burn::prelude::Shape;
use burn_backend::ops::FloatTensorOps;
use burn_backend::tensor::FloatTensor;

/// Runs `body` on the cubecl buffers of `inputs` (f32 tensors of burn's wgpu backend) as one
/// operation named `name`, which returns one f32 tensor of shape `output`.
///
/// Without fusion the body runs now. With fusion it runs when burn-fusion executes the stream up
/// to this operation; the output tensor exists at once, with its shape, as for any lazy
/// operation.
pub fn run<const N: usize>(
    name: &'static str,
    inputs: [FloatTensor<Cube>; N],
    output: Shape,
    body: impl Fn([CubeTensor; N]) -> CubeTensor + Send + Sync + 'static,
) -> FloatTensor<Cube> {
    let [output] = run_many(name, inputs, [output], move |inputs| [body(inputs)]);
    output
}

/// [`run`] for an operation that returns `K` f32 tensors, of shapes `outputs`.
pub fn run_many<const N: usize, const K: usize>(
    name: &'static str,
    inputs: [FloatTensor<Cube>; N],
    outputs: [Shape; K],
    body: impl Fn([CubeTensor; N]) -> [CubeTensor; K] + Send + Sync + 'static,
) -> [FloatTensor<Cube>; K] {
    #[cfg(not(feature = "fusion"))]
    {
        let results = body(inputs);
        for (result, shape) in results.iter().zip(&outputs) {
            debug_assert_eq!(result.meta.shape(), shape, "{name}");
        }
        results
    }
    #[cfg(feature = "fusion")]
    {
        let body = move |inputs: Vec<CubeTensor>| body(inputs.try_into().unwrap_or_else(|_| unreachable!("{N} inputs")));
        lazy::queue(name, inputs.into(), outputs, body)
    }
}

/// [`run`] for an operation whose number of inputs is known only when it runs.
pub fn run_vec(
    name: &'static str,
    inputs: Vec<FloatTensor<Cube>>,
    output: Shape,
    body: impl Fn(Vec<CubeTensor>) -> CubeTensor + Send + Sync + 'static,
) -> FloatTensor<Cube> {
    #[cfg(not(feature = "fusion"))]
    {
        let result = body(inputs);
        debug_assert_eq!(result.meta.shape(), &output, "{name}");
        result
    }
    #[cfg(feature = "fusion")]
    {
        let [output] = lazy::queue(name, inputs, [output], move |inputs| [body(inputs)]);
        output
    }
}

/// `t` with row-major strides (a copy by burn where it has other strides): what our kernels
/// index.
pub fn contiguous(t: CubeTensor) -> CubeTensor {
    if t.is_contiguous() {
        return t;
    }
    let shape = t.meta.shape().clone();
    let flat = CubeBackend::float_reshape(t, Shape::new([shape.num_elements()]));
    CubeBackend::float_reshape(flat, shape)
}

#[cfg(feature = "fusion")]
mod lazy {
    use burn::backend::fusion::custom::{CustomOpIr, HandleContainer, OperationFn, OperationIr, StreamId, TensorIr};
    use burn::backend::fusion::{FusionBackend, FusionRuntime};
    use burn::tensor::DType;

    use super::{Cube, CubeBackend, CubeTensor, FloatTensor, Shape};

    type Handle = <<CubeBackend as FusionBackend>::FusionRuntime as FusionRuntime>::FusionHandle;

    /// [`run_many`](super::run_many) under fusion: the body as a custom operation of
    /// burn-fusion's stream (the calls burn's `#[backend_extension(…, Fusion)]` macro generates).
    pub fn queue<const K: usize>(
        name: &'static str,
        inputs: Vec<FloatTensor<Cube>>,
        outputs: [Shape; K],
        body: impl Fn(Vec<CubeTensor>) -> [CubeTensor; K] + Send + Sync + 'static,
    ) -> [FloatTensor<Cube>; K] {
        let client = inputs[0].client.clone();
        let inputs: Vec<TensorIr> = inputs.into_iter().map(|t| t.into_ir()).collect();
        let outputs: [TensorIr; K] = outputs.map(|shape| TensorIr::uninit(client.create_empty_handle(), shape, DType::F32));
        let ids = outputs.each_ref().map(|output| output.id);
        let description = CustomOpIr { id: name.into(), inputs: inputs.clone(), outputs: outputs.to_vec(), scalars: Vec::new() };
        let operation = OperationFn(move |handles: &mut HandleContainer<Handle>| {
            let buffers = inputs.iter().map(|input| handles.get_float_tensor::<CubeBackend>(input)).collect();
            for (id, result) in ids.iter().zip(body(buffers)) {
                handles.register_float_tensor::<CubeBackend>(id, result);
            }
            Ok(())
        });
        let registered = client.register(StreamId::current(), OperationIr::Custom(description), operation);
        debug_assert_eq!(registered.len(), K, "{name}");
        let mut registered = registered.into_iter();
        std::array::from_fn(|_| registered.next().expect("one tensor for each output"))
    }
}
