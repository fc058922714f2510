//! One training step: the model, Adam, the loss and the L2 penalty together. The loop around it
//! (epochs, metrics, evaluation, checkpoints) is [`crate::trainer`]'s.

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;

use crate::adam::Adam;
use crate::checkpoint::{Checkpoint, RunCheckpointError};
use crate::conv::ConvRoute;
use crate::loss;
use crate::model::{ModelError, ResNet, ResNetConfig};
use crate::penalty;
use crate::recipe::TrainConfig;

/// The model a run starts from: its weights drawn from `config.seed` (on the host, so the same
/// on every backend), on `device` (a training device, with autodiff).
pub fn initial_model(config: &TrainConfig, device: &Device) -> Result<ResNet, ModelError> {
    ResNetConfig::from(config.model).with_seed(config.seed).try_init(device)
}

/// The model with its optimizer, loss and L2 penalty: one training step at a time. Shared by
/// [`crate::trainer::train`], the benchmark and [`crate::timing`].
pub struct Learner {
    model: Option<ResNet>,
    adam: Adam,
    loss_fn: CrossEntropyLoss,
    l2: f32,
}

impl Learner {
    /// A freshly initialised model (seeded) with Adam, on `device` (a training device).
    pub fn new(config: &TrainConfig, device: &Device) -> Result<Self, ModelError> {
        let model = initial_model(config, device)?;
        let adam = Adam::new(config.beta_1, config.beta_2, config.epsilon);
        Ok(Self::with(model, adam, config, device))
    }

    /// The model and optimizer of `checkpoint`, on `device` (a training device), ready for the
    /// checkpoint's next step.
    pub fn resume(checkpoint: &Checkpoint, device: &Device) -> Result<Self, RunCheckpointError> {
        let (model, adam) = checkpoint.restore(device)?;
        Ok(Self::with(model, adam, &checkpoint.run.config, device))
    }

    fn with(model: ResNet, adam: Adam, config: &TrainConfig, device: &Device) -> Self {
        Self {
            model: Some(model.with_conv_route(config.conv)),
            adam,
            loss_fn: CrossEntropyLossConfig::new().init(device),
            l2: config.l2,
        }
    }

    /// The optimizer.
    pub fn adam(&self) -> &Adam {
        &self.adam
    }

    /// The same learner with every convolution on `route` (`bench --conv`).
    pub fn with_conv_route(mut self, route: ConvRoute) -> Self {
        self.model = self.model.map(|model| model.with_conv_route(route));
        self
    }

    /// The same learner with Adam's updates by our kernel where there is one (`true`, the
    /// default) or always by tensor operations (`bench --adam`).
    pub fn with_adam_kernel(mut self, kernel: bool) -> Self {
        self.adam = self.adam.with_kernel(kernel);
        self
    }

    /// The model being trained.
    pub fn model(&self) -> &ResNet {
        self.model.as_ref().expect("the model is only taken inside `step`")
    }

    /// The layers [`step_reporting`](Self::step_reporting) reports norms of, in its order: every
    /// convolution kernel by depth, then the classifier's weight.
    pub fn gradient_layers(&self) -> Vec<String> {
        let mut names = self.model().conv_kernel_names();
        names.push("fc.weight".to_string());
        names
    }

    /// One Adam step on a batch; returns the loss (cross-entropy plus `l2 · Σ w²` over the
    /// convolution kernels, as Keras reports it) and the number of correct predictions, both
    /// still on the device, off the autodiff graph (they are read back, never differentiated).
    pub fn step(&mut self, images: Tensor<4>, labels: Tensor<1, Int>, lr: f64) -> (Tensor<1>, Tensor<1, Int>) {
        let (loss, correct, _) = self.step_reporting(images, labels, lr, false);
        (loss, correct)
    }

    /// [`step`](Self::step); with `norms`, also the L2 norm of each weight layer's gradient from
    /// this step's own backward pass, by depth (the names of [`Learner::gradient_layers`]), on
    /// the device like the loss: `[layers]`.
    pub fn step_reporting(
        &mut self,
        images: Tensor<4>,
        labels: Tensor<1, Int>,
        lr: f64,
        norms: bool,
    ) -> (Tensor<1>, Tensor<1, Int>, Option<Tensor<1>>) {
        let model = self.model.take().expect("the model is only taken inside `step`");
        let logits = model.forward(images); // [b, 10]
        let (loss, correct) = loss::cross_entropy(&self.loss_fn, logits, labels); // [1], [1]: our kernels on wgpu
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        // The L2 penalty off the autodiff graph: its value for the reported loss here, its
        // gradient `2·l2·w` added by Adam (src/adam.rs), so that burn records and launches no
        // backward pass for it.
        let kernels = model.conv_kernel_params();
        let weights: Vec<Tensor<4>> = kernels.iter().map(|w| w.val().inner()).collect();
        let loss = penalty::penalised(loss.inner(), &weights, self.l2);
        // Adam updates the kernels in place where nothing else holds them (src/adam/gpu.rs).
        drop(weights);
        let penalised: Vec<_> = kernels.iter().map(|p| p.id).collect();
        let decay = 2.0 * self.l2;
        let norms = norms.then(|| gradient_norms(&model, &grads, decay));
        self.model = Some(self.adam.step_with_decay(lr, model, grads, &penalised, decay));
        (loss, correct, norms)
    }
}

/// `‖∂loss/∂W‖₂` of every weight layer of `model` in `grads` (zero for a layer without one),
/// the convolution kernels' with their L2 penalty's `decay · W` added: `[layers]`, on the
/// gradients' (inner) device.
fn gradient_norms(model: &ResNet, grads: &GradientsParams, decay: f32) -> Tensor<1> {
    let device = model.fc.weight.val().device().without_autodiff();
    let norm = |g: Option<Tensor<1>>| g.map_or_else(|| Tensor::zeros([1], &device), |g| g.powi_scalar(2).sum().sqrt());
    let mut norms: Vec<Tensor<1>> = model
        .conv_kernel_params()
        .into_iter()
        .map(|param| {
            let grad = grads.get::<4>(param.id).map(|g| {
                let g = g.flatten::<1>(0, 3);
                if decay != 0.0 { g + param.val().inner().flatten::<1>(0, 3).mul_scalar(decay) } else { g }
            });
            norm(grad)
        })
        .collect();
    norms.push(norm(grads.get::<2>(model.fc.weight.id).map(|g| g.flatten::<1>(0, 1))));
    Tensor::cat(norms, 0) // [layers]
}
