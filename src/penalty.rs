//! The L2 penalty's value, `l2 · Σ w²` over the convolution kernels, added to the loss that a
//! training step reports (as Keras reports it). Its gradient is not here: Adam adds `2·l2·w`
//! ([`crate::adam`]), so the penalty is off the autodiff graph.
//!
//! On wgpu by our kernel ([`gpu`], `shaders/penalty.wgsl`): one dispatch for every six kernels.
//! Elsewhere by tensor operations, a square, a sum and an addition per kernel: on wgpu without
//! kernel fusion each of those was a dispatch of its own, about a hundred a ResNet20 step
//! (BENCHMARKS.md, "Fewer dispatches a step").

#[cfg(feature = "webgpu")]
pub mod gpu;

use burn::prelude::*;

/// `loss + l2 · Σₖ Σ wₖ²` for the loss `[1]` and the weights `kernels`, all without autodiff on one
/// device: by our kernel on wgpu, else by tensor operations. `loss` itself where `l2` is 0 or
/// there are no kernels.
pub fn penalised(loss: Tensor<1>, kernels: &[Tensor<4>], l2: f32) -> Tensor<1> {
    if l2 == 0.0 || kernels.is_empty() {
        return loss;
    }
    #[cfg(feature = "webgpu")]
    if let Some(total) = gpu::penalised(&loss, kernels, l2) {
        return total;
    }
    by_tensor_ops(loss, kernels, l2)
}

/// [`penalised`] by burn's tensor operations, on any backend.
pub fn by_tensor_ops(loss: Tensor<1>, kernels: &[Tensor<4>], l2: f32) -> Tensor<1> {
    let squares = kernels.iter().map(|w| w.clone().powi_scalar(2).sum()).reduce(|a, b| a + b);
    match squares {
        Some(squares) => loss + squares.mul_scalar(l2),
        None => loss,
    }
}
