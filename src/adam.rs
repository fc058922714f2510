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

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, Param};
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
}

impl Adam {
    /// A fresh optimizer (no step taken).
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32) -> Self {
        Self { beta_1, beta_2, epsilon, steps: 0, moments: BTreeMap::new() }
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
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        self.steps += 1;
        let mut mapper = StepMapper { adam: self, grads: &mut grads, lr, path: Vec::new() };
        module.map(&mut mapper)
    }
}

/// Visits the parameters with their module paths and applies the update.
struct StepMapper<'a> {
    adam: &'a mut Adam,
    grads: &'a mut GradientsParams,
    lr: f64,
    path: Vec<String>,
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
        let shape = weights.shape();
        let count = shape.num_elements();
        let grad = grad.reshape([count]); // [count]
        let Adam { beta_1, beta_2, epsilon, steps, moments } = &mut *self.adam;
        let (b1, b2) = (*beta_1, *beta_2);
        let name = self.path.join(".");
        let state = match moments.remove(&name) {
            Some(Moments { first, second }) => Moments {
                first: first.mul_scalar(b1).add(grad.clone().mul_scalar(1.0 - b1)),
                second: second.mul_scalar(b2).add(grad.square().mul_scalar(1.0 - b2)),
            },
            None => Moments {
                first: grad.clone().mul_scalar(1.0 - b1),
                second: grad.square().mul_scalar(1.0 - b2),
            },
        };
        let t = *steps as i32;
        let correction_2 = (1.0 - b2.powi(t)).sqrt();
        let factor = correction_2 / (1.0 - b1.powi(t));
        let update = state
            .first
            .clone()
            .mul_scalar(factor)
            .div(state.second.clone().sqrt().add_scalar(*epsilon * correction_2)); // [count]
        let updated = weights.reshape([count]).sub(update.mul_scalar(self.lr)).reshape(shape);
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
