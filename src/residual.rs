//! The end of a v1 residual block, `ReLU(shortcut + y)`, as one operation: on wgpu by our
//! kernels ([`gpu`], `shaders/residual.wgsl`), forward and backward, with or without autodiff;
//! elsewhere burn's addition and ReLU.
//!
//! Why (BENCHMARKS.md, "Fewer dispatches a step"): without kernel fusion burn's addition, the
//! ReLU's comparison and masked fill are a dispatch each, the ReLU's backward two more, and with
//! gradient checkpointing (both are memory-bound in burn) the forward ones run again in the
//! backward pass — eight dispatches a block where two do. The output is kept instead (the
//! operation is compute-bound): it is the next block's input, which its convolutions keep anyway.

#[cfg(feature = "webgpu")]
pub mod gpu;

use burn::prelude::*;
use burn::tensor::activation::relu;

/// `ReLU(shortcut + y)` for two tensors of one shape: by our kernels on wgpu, else by burn's
/// operations. The same values either way, and the same gradients.
pub fn add_relu(shortcut: Tensor<4>, y: Tensor<4>) -> Tensor<4> {
    #[cfg(feature = "webgpu")]
    if let Some(z) = gpu::add_relu(&shortcut, &y) {
        return z;
    }
    by_tensor_ops(shortcut, y)
}

/// [`add_relu`] by burn's operations, on any backend.
pub fn by_tensor_ops(shortcut: Tensor<4>, y: Tensor<4>) -> Tensor<4> {
    relu(shortcut + y)
}
