//! Adam (Keras' defaults are set by the recipe), with its state keyed by *module path* so that
//! it can be saved and restored.
//!
//! burn's own `ModuleOptimizer` keys each parameter's moments by a random `ParamId` and
//! serialises them with synchronous reads, which a browser forbids on WebGPU. Here the moments
//! live in a map from a stable name (`blocks.3.conv1.conv.weight`, the same for every model built
//! from the same config) to flat tensors; [`Adam::moments`] hands them out so that the trainer can
//! read them with one asynchronous `Transaction`, and [`Adam::restore`] puts them back.
//!
//! The update is burn's (and Keras') Adam, step `t` counted from 1:
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//! `w ← w − lr · m·√(1−β₂ᵗ)/(1−β₁ᵗ) / (√v + ε·√(1−β₂ᵗ))`.
//!
//! The seed's L2 penalty `l2 · Σ w²` on the convolution kernels is not differentiated by burn:
//! its gradient `2·l2·w` is added to the kernels' gradients here ([`Adam::step_with_decay`],
//! `g ← g + decay·w` before the update), inside the kernel on wgpu. Without kernel fusion every
//! operation of the penalty's backward pass was a dispatch of its own.
//!
//! On wgpu the update is a kernel of ours ([`gpu`], `shaders/adam.wgsl`) instead of a dozen
//! tensor operations per parameter ([`by_tensor_ops`], what the CPU backend runs): two parameters
//! a dispatch in place where the step alone holds their buffers, else one a dispatch into new
//! buffers (BENCHMARKS.md, "Adam in one kernel" and "Adam two parameters a dispatch").

#[cfg(feature = "webgpu")]
pub mod gpu;

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;

/// The first and second moments of one parameter, flattened to one dimension.
#[derive(Clone, Debug)]
pub struct Moments {
    pub first: Tensor<1>,
    pub second: Tensor<1>,
}

/// Adam with state that can be saved: the step count and the moments of every parameter.
#[derive(Clone, Debug)]
pub struct Adam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    /// Steps taken so far (the next one is `steps + 1`).
    steps: usize,
    moments: BTreeMap<String, Moments>,
    /// Whether the update runs as our kernel where there is one (wgpu), else as tensor operations.
    kernel: bool,
}

/// The numbers of one step, the same for every parameter, rounded to f32 once on the host: what
/// the tensor operations multiply by and what the kernel reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepScalars {
    pub beta_1: f32,
    pub beta_2: f32,
    pub one_minus_beta_1: f32,
    pub one_minus_beta_2: f32,
    /// `√(1−β₂ᵗ)/(1−β₁ᵗ)`.
    pub factor: f32,
    /// `ε·√(1−β₂ᵗ)`.
    pub epsilon_hat: f32,
    pub lr: f32,
    /// The weights' coefficient added to the gradient before the update (`2·l2` for a
    /// parameter under an L2 penalty `l2 · Σ w²`, else 0).
    pub decay: f32,
}

impl StepScalars {
    /// Step `t` (counted from 1) at learning rate `lr`.
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, t: usize, lr: f64) -> Self {
        let t = t as i32;
        let correction_2 = (1.0 - beta_2.powi(t)).sqrt();
        Self {
            beta_1,
            beta_2,
            one_minus_beta_1: 1.0 - beta_1,
            one_minus_beta_2: 1.0 - beta_2,
            factor: correction_2 / (1.0 - beta_1.powi(t)),
            epsilon_hat: epsilon * correction_2,
            lr: lr as f32,
            decay: 0.0,
        }
    }

    /// The same numbers with `decay` (see [`decay`](Self::decay)).
    pub fn with_decay(mut self, decay: f32) -> Self {
        self.decay = decay;
        self
    }
}

/// One step of one parameter from tensor operations: the new weights and moments (`moments`
/// `None` before its first step). What runs where there is no kernel; the kernel's reference.
pub fn by_tensor_ops<const D: usize>(weights: Tensor<D>, grad: Tensor<D>, moments: Option<Moments>, s: StepScalars) -> (Tensor<D>, Moments) {
    let shape = weights.shape();
    let count = shape.num_elements();
    let mut grad = grad.reshape([count]); // [count]
    if s.decay != 0.0 {
        grad = grad.add(weights.clone().reshape([count]).mul_scalar(s.decay)); // g + decay·w
    }
    let state = match moments {
        Some(Moments { first, second }) => Moments {
            first: first.mul_scalar(s.beta_1).add(grad.clone().mul_scalar(s.one_minus_beta_1)),
            second: second.mul_scalar(s.beta_2).add(grad.square().mul_scalar(s.one_minus_beta_2)),
        },
        None => Moments {
            first: grad.clone().mul_scalar(s.one_minus_beta_1),
            second: grad.square().mul_scalar(s.one_minus_beta_2),
        },
    };
    let update = state.first.clone().mul_scalar(s.factor).div(state.second.clone().sqrt().add_scalar(s.epsilon_hat)); // [count]
    let updated = weights.reshape([count]).sub(update.mul_scalar(s.lr)).reshape(shape);
    (updated, state)
}

/// One step of one parameter, queued in place in `pairs` where it can be (our kernel on wgpu,
/// moments from an earlier step: [`gpu::Pairs::queue`]), else at once by [`update`].
#[cfg_attr(not(feature = "webgpu"), allow(unused_variables))]
fn update_or_queue<const D: usize>(pairs: &mut Pairs, weights: Tensor<D>, grad: Tensor<D>, moments: Option<Moments>, s: StepScalars, kernel: bool) -> (Tensor<D>, Moments) {
    #[cfg(feature = "webgpu")]
    let (weights, grad, moments) = match moments {
        Some(m) if kernel => match pairs.queue(weights, grad, m, s) {
            Ok(queued) => return queued,
            Err((w, g, m)) => (w, g, Some(m)),
        },
        m => (weights, grad, m),
    };
    update(weights, grad, moments, s, kernel)
}

/// Where a step's updates in place wait to share a dispatch (nothing without wgpu).
#[cfg(feature = "webgpu")]
type Pairs = gpu::Pairs;
#[cfg(not(feature = "webgpu"))]
type Pairs = ();

/// One step of one parameter: by the kernel where `kernel` and there is one for these tensors,
/// else by tensor operations.
pub fn update<const D: usize>(weights: Tensor<D>, grad: Tensor<D>, moments: Option<Moments>, s: StepScalars, kernel: bool) -> (Tensor<D>, Moments) {
    #[cfg(feature = "webgpu")]
    if kernel && let Some(updated) = gpu::step(&weights, &grad, moments.as_ref(), s) {
        return updated;
    }
    let _ = kernel;
    by_tensor_ops(weights, grad, moments, s)
}

impl Adam {
    /// A fresh optimizer (no step taken).
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32) -> Self {
        Self { beta_1, beta_2, epsilon, steps: 0, moments: BTreeMap::new(), kernel: true }
    }

    /// The same optimizer, its updates by our kernel where there is one (`true`, the default) or
    /// always by tensor operations (`bench --adam ops`, the tests' reference).
    pub fn with_kernel(mut self, kernel: bool) -> Self {
        self.kernel = kernel;
        self
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The moments of every parameter updated so far, by module path.
    pub fn moments(&self) -> &BTreeMap<String, Moments> {
        &self.moments
    }

    /// Replaces the state by a saved one (`moments` on the training device, without autodiff).
    pub fn restore(&mut self, steps: usize, moments: BTreeMap<String, Moments>) {
        self.steps = steps;
        self.moments = moments;
    }

    /// One update of every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        self.step_with_decay(lr, module, grads, &[], 0.0)
    }

    /// [`step`](Self::step), with `decay · w` added to the gradient of each parameter in
    /// `decayed`: the gradient of an L2 penalty `decay/2 · Σ w²` on them, without
    /// differentiating it.
    ///
    /// # Panics
    /// If a parameter in `decayed` is not one of `module` with a gradient (a penalty that would
    /// silently not apply).
    pub fn step_with_decay<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams, decayed: &[ParamId], decay: f32) -> M {
        self.steps += 1;
        let mut mapper = StepMapper { adam: self, grads: &mut grads, lr, path: Vec::new(), decayed, decay, found: 0, pairs: Pairs::default() };
        let module = module.map(&mut mapper);
        // The last parameter's update may still wait for a partner.
        #[cfg(feature = "webgpu")]
        mapper.pairs.flush();
        assert_eq!(mapper.found, decayed.len(), "Adam: not every parameter under the L2 penalty was found: {decayed:?}");
        module
    }
}

/// Visits the parameters with their module paths and applies the update.
struct StepMapper<'a> {
    adam: &'a mut Adam,
    grads: &'a mut GradientsParams,
    lr: f64,
    path: Vec<String>,
    /// The parameters whose gradient gets `decay · w`, and how many were seen.
    decayed: &'a [ParamId],
    decay: f32,
    found: usize,
    /// The updates in place waiting to share a dispatch.
    pairs: Pairs,
}

impl ModuleMapper for StepMapper<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        // Gradients are kept on the inner (non-autodiff) device.
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        // The training device's gradient checkpointing, kept on the updated weights.
        let checkpointing = tensor.gradient_checkpointing_strategy();
        let weights = tensor.inner(); // same shape, no autodiff
        let Adam { beta_1, beta_2, epsilon, steps, moments, kernel } = &mut *self.adam;
        let name = self.path.join(".");
        let mut scalars = StepScalars::new(*beta_1, *beta_2, *epsilon, *steps, self.lr);
        if self.decayed.contains(&id) {
            scalars = scalars.with_decay(self.decay);
            self.found += 1;
        }
        let (updated, state) = update_or_queue(&mut self.pairs, weights, grad, moments.remove(&name), scalars, *kernel);
        moments.insert(name, state);
        let mut updated = Tensor::from_inner(updated);
        if let Some(strategy) = checkpointing {
            updated = updated.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}
