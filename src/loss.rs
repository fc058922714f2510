//! A training step's loss — the softmax cross-entropy of the logits against the labels, averaged
//! over the batch — and the number of images it got right: on wgpu by our kernels ([`gpu`],
//! `shaders/cross_entropy.wgsl`), forward and backward; elsewhere burn's `CrossEntropyLoss` and
//! an argmax.
//!
//! Why (BENCHMARKS.md, "Fewer dispatches a step"): without kernel fusion burn's loss is about
//! thirty dispatches a step — a maximum, a subtraction, an exponential, a sum, a logarithm, a
//! gather, a mean, the accuracy's argmax, comparison and sum, and the backward of each — on a
//! `[batch, 10]` tensor. Ours are three: the loss with the count, its gradient, and the count
//! cast to an integer.

#[cfg(feature = "webgpu")]
pub mod gpu;

use burn::nn::loss::CrossEntropyLoss;
use burn::prelude::*;

/// The mean cross-entropy `[1]` of `logits` `[b, classes]` against `labels` `[b]` (on the
/// logits' device: with autodiff, differentiable), and the number of rows whose first largest
/// logit is the label's `[1]` (off the autodiff graph). By our kernels on wgpu, else by
/// [`by_tensor_ops`].
pub fn cross_entropy(loss_fn: &CrossEntropyLoss, logits: Tensor<2>, labels: Tensor<1, Int>) -> (Tensor<1>, Tensor<1, Int>) {
    #[cfg(feature = "webgpu")]
    if let Some(result) = gpu::cross_entropy(&logits, &labels) {
        return result;
    }
    by_tensor_ops(loss_fn, logits, labels)
}

/// [`cross_entropy`] by burn's `CrossEntropyLoss` and an argmax, on any backend.
pub fn by_tensor_ops(loss_fn: &CrossEntropyLoss, logits: Tensor<2>, labels: Tensor<1, Int>) -> (Tensor<1>, Tensor<1, Int>) {
    let loss = loss_fn.forward(logits.clone(), labels.clone()); // [1]
    let correct = logits.argmax(1).squeeze_dim::<1>(1).equal(labels).int().sum(); // [1]
    (loss, correct.inner())
}
