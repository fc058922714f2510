//! Gradient flow: the per-layer gradient norms a training step reports are the norms of burn's
//! own gradients of that step's loss, and the trainer reports them once per metrics window; the
//! first layer's filters before training and after each epoch.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::optim::GradientsParams;
use resnet_webgpu::adam::Adam;
use resnet_webgpu::data::Cifar10;
use resnet_webgpu::model::{ModelKind, ResNet};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::{Control, Current, Event, Learner, Observer, train};

/// `‖g‖₂` in f64 on the host.
fn host_norm<const D: usize>(g: Tensor<D>) -> f64 {
    g.into_data().iter::<f32>().map(|v| (v as f64) * (v as f64)).sum::<f64>().sqrt()
}

/// The seed's loss on `images`, the L2 penalty a term of it for burn to differentiate: the
/// reference the learner's steps are compared with.
fn loss_with_penalty(model: &ResNet, images: Tensor<4>, labels: Tensor<1, Int>, l2: f32) -> Tensor<1> {
    let logits = model.forward(images);
    let loss = burn::nn::loss::CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels);
    let penalty = model.conv_kernels().into_iter().map(|w| w.powi_scalar(2).sum()).reduce(|a, b| a + b).expect("kernels");
    loss + penalty.mul_scalar(l2)
}

#[test]
fn step_norms_are_the_norms_of_burns_gradients() {
    for model in [ModelKind::RESNET20_V1, ModelKind::RESNET29_V2, "plain20".parse().expect("a model")] {
        let device = Device::flex().autodiff();
        let config = TrainConfig { model, ..TrainConfig::default() };
        let mut learner = Learner::new(&config, &device).expect("model");
        let reference = learner.model().clone();
        let images = Tensor::<4>::random([4, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        let labels = Tensor::<1, Int>::from_ints([0, 3, 5, 9], &device);

        // The reference: the same loss on the same weights, differentiated by burn, each
        // kernel's gradient read back whole.
        let loss = loss_with_penalty(&reference, images.clone(), labels.clone(), config.l2);
        let grads = loss.backward();
        let mut expected: Vec<f64> = reference
            .conv_kernel_params()
            .into_iter()
            .map(|p| host_norm(p.val().grad(&grads).expect("a kernel gradient")))
            .collect();
        expected.push(host_norm(reference.fc.weight.val().grad(&grads).expect("the classifier's gradient")));

        let layers = learner.gradient_layers();
        let (step_loss, _, norms) = learner.step_reporting(images, labels, 1e-3, true);
        // The loss it reports is the same cross-entropy plus penalty.
        let (got, want) = (step_loss.into_scalar::<f32>() as f64, loss.inner().into_scalar::<f32>() as f64);
        assert!((got - want).abs() <= 1e-6 * want.abs(), "{model}: step loss {got} vs burn {want}");
        let norms: Vec<f64> = norms.expect("asked for").into_data().iter::<f32>().map(f64::from).collect();
        assert_eq!(norms.len(), layers.len(), "{model}");
        assert_eq!(norms.len(), expected.len(), "{model}");
        for ((name, got), want) in layers.iter().zip(&norms).zip(&expected) {
            assert!(*want > 0.0, "{model} {name}: a zero gradient");
            assert!((got - want).abs() <= 1e-4 * want, "{model} {name}: step {got} vs burn {want}");
        }
        assert_eq!(layers.first().map(String::as_str), Some("stem.conv.weight"));
        assert_eq!(layers.last().map(String::as_str), Some("fc.weight"));
    }
    // ResNet20 v1: 19 convolutions on the main path, 2 projections, the classifier.
    let learner = Learner::new(&TrainConfig::default(), &Device::flex().autodiff()).expect("model");
    let layers = learner.gradient_layers();
    assert_eq!(layers.len(), 22, "{layers:?}");
    assert_eq!(layers.iter().filter(|l| l.contains("projection")).count(), 2);
    assert!(layers.contains(&"blocks.3.projection.conv.weight".to_string()), "{layers:?}");
    // plain20: no projections.
    let plain = TrainConfig { model: "plain20".parse().expect("a model"), ..TrainConfig::default() };
    let layers = Learner::new(&plain, &Device::flex().autodiff()).expect("model").gradient_layers();
    assert_eq!(layers.len(), 20, "{layers:?}");
}

/// Every convolution kernel's and the classifier's weights, read back.
fn weights(model: &ResNet) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = model.conv_kernels().into_iter().map(|w| w.into_data().iter::<f32>().collect()).collect();
    out.push(model.fc.weight.val().into_data().iter::<f32>().collect());
    out
}

#[test]
fn the_penalty_added_by_adam_moves_the_weights_as_burns_gradient_of_it() {
    // A penalty large enough to change Adam's steps well past the tolerance below.
    let config = TrainConfig { l2: 0.05, ..TrainConfig::default() };
    let device = Device::flex().autodiff();
    // Seeded images: how far the two ways drift apart depends on the batch (below).
    let images = Tensor::<4>::from_data(TensorData::new(common::conv_values([4, 3, 32, 32], 7), [4, 3, 32, 32]), &device);
    let labels = Tensor::<1, Int>::from_ints([1, 2, 7, 9], &device);
    let mut learner = Learner::new(&config, &device).expect("model");
    let mut unpenalised = Learner::new(&TrainConfig { l2: 0.0, ..config.clone() }, &device).expect("model");
    // The reference: the penalty a term of the loss, differentiated by burn, Adam without decay.
    let mut reference = learner.model().clone();
    let mut adam = Adam::new(config.beta_1, config.beta_2, config.epsilon);
    for lr in [1e-3, 1e-2, 1e-3] {
        let loss = loss_with_penalty(&reference, images.clone(), labels.clone(), config.l2);
        let grads = GradientsParams::from_grads(loss.backward(), &reference);
        reference = adam.step(lr, reference, grads);
        learner.step(images.clone(), labels.clone(), lr);
        unpenalised.step(images.clone(), labels.clone(), lr);
    }
    let (expected, got, without) = (weights(&reference), weights(learner.model()), weights(unpenalised.model()));
    // Value by value the two differ where the penalty's gradient nearly cancels the loss's: there
    // a rounding of either term changes the sign Adam steps by, and the next steps' gradients
    // with it (from 10⁻³ to 1.4 in all over random batches, 8·10⁻⁴ of what the penalty moves at
    // worst). So in sum: what the penalty moves (the weights without it against burn's), and
    // what the two ways of adding it differ by; a decay of half the penalty's gradient differs by
    // a third of what it moves, none by all of it.
    let (mut off, mut moved, mut n) = (0.0f64, 0.0f64, 0usize);
    for ((e, g), w) in expected.iter().flatten().zip(got.iter().flatten()).zip(without.iter().flatten()) {
        off += f64::from((e - g).abs());
        moved += f64::from((e - w).abs());
        n += 1;
    }
    println!("{n} weights: the penalty moves them by {moved:.3e} in all, the two ways differ by {off:.3e}");
    assert!(n > 250_000, "ResNet20 v1's kernels and classifier: {n} weights");
    assert!(moved > 1.0, "the penalty hardly moved the weights ({moved:e}): the comparison would say nothing");
    assert!(off <= 1e-2 * moved, "Adam's decay differs from burn's gradient of the penalty by {off:e}, the penalty itself moves the weights by {moved:e}");
}

#[derive(Default)]
struct Record(Vec<Event>);

impl Observer for Record {
    fn event(&mut self, event: &Event) {
        self.0.push(event.clone());
    }
    async fn control(&mut self, _: Current<'_>) -> Control {
        Control::Continue
    }
}

#[test]
fn the_trainer_reports_norms_once_per_metrics_window() {
    let path = common::archive_path();
    let data = Cifar10::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // 40 images in batches of 8: 5 steps; windows of 2 steps after the first step's own.
    let config = TrainConfig {
        epochs: 1,
        batch_size: 8,
        limit_train: Some(40),
        limit_test: Some(16),
        metrics_every: 2,
        ..TrainConfig::default()
    };
    let mut record = Record::default();
    pollster::block_on(train(&data, &config, &Device::flex(), &mut record)).expect("trains");
    let batches: Vec<usize> = record.0.iter().filter_map(|e| match e { Event::Batch { step, .. } => Some(*step), _ => None }).collect();
    let gradients: Vec<(usize, usize, usize)> = record
        .0
        .iter()
        .filter_map(|e| match e {
            Event::Gradients { step, layers, norms, .. } => Some((*step, layers.len(), norms.len())),
            _ => None,
        })
        .collect();
    assert_eq!(batches, [1, 3, 5]);
    assert_eq!(gradients, [(1, 22, 22), (3, 22, 22), (5, 22, 22)]);
    for event in &record.0 {
        if let Event::Gradients { norms, .. } = event {
            assert!(norms.iter().all(|n| n.is_finite() && *n > 0.0), "{norms:?}");
        }
    }
    // The first layer's filters: before the first step, and after the epoch.
    let filters: Vec<(Option<usize>, [usize; 4], usize)> = record
        .0
        .iter()
        .filter_map(|e| match e {
            Event::Filters { after_epoch, shape, weights } => Some((*after_epoch, *shape, weights.len())),
            _ => None,
        })
        .collect();
    assert_eq!(filters, [(None, [16, 3, 3, 3], 432), (Some(0), [16, 3, 3, 3], 432)]);
    // In the CLI's JSON lines as `{"type": "gradients", …}`.
    let line = serde_json::to_string(record.0.iter().find(|e| matches!(e, Event::Gradients { .. })).expect("one")).expect("json");
    assert!(line.starts_with(r#"{"type":"gradients","epoch":0,"step":1,"layers":["stem.conv.weight""#), "{line}");
}
