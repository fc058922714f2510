//! Run checkpoints: an exact round trip, a resumed run that follows the uninterrupted one, and
//! damaged or foreign files refused with a reason.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

mod common;

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use resnet_webgpu::adam::Adam;
use resnet_webgpu::checkpoint::{Checkpoint, RunCheckpointError, RunState, to_safetensors};
use resnet_webgpu::data::Cifar10;
use resnet_webgpu::model::{ModelKind, ResNet, ResNetConfig, Version};
use resnet_webgpu::recipe::{LrState, TrainConfig};
use resnet_webgpu::trainer::{
    Control, Current, EpochMetrics, Event, Learner, Observer, Start, TrainError, train, train_from,
};

fn data() -> Cifar10 {
    let path = common::archive_path();
    Cifar10::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A small but complete run: ResNet8 v1 (6·1+2), augmentation on, the real archive.
fn config() -> TrainConfig {
    TrainConfig {
        model: ModelKind { version: Version::V1, depth: 8 },
        batch_size: 16,
        epochs: 3,
        limit_train: Some(160),
        limit_test: Some(100),
        metrics_every: 4,
        seed: 7,
        ..TrainConfig::default()
    }
}

/// Keeps every checkpoint as bytes; stops the run (like a closed tab) once `stop_after` epochs
/// have been saved.
#[derive(Default)]
struct Saver {
    saved: Vec<(Vec<u8>, bool)>,
    stop_after: Option<usize>,
    losses: Vec<f64>,
}

impl Observer for Saver {
    fn event(&mut self, event: &Event) {
        if let Event::Batch { loss, .. } = event {
            self.losses.push(*loss);
        }
    }
    async fn control(&mut self, _: Current<'_>) -> Control {
        match self.stop_after {
            Some(n) if self.saved.len() >= n => Control::Stop,
            _ => Control::Continue,
        }
    }
    fn wants_checkpoints(&self) -> bool {
        true
    }
    async fn checkpoint(&mut self, checkpoint: &Checkpoint, best: bool) {
        self.saved.push((checkpoint.to_bytes().expect("serialises"), best));
    }
}

fn values(model: &ResNet) -> Vec<Vec<f32>> {
    struct Values(Vec<Vec<f32>>);
    impl burn::module::ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().into_data().iter::<f32>().collect());
        }
    }
    let mut visitor = Values(Vec::new());
    model.visit(&mut visitor);
    visitor.0
}

fn assert_close(a: &EpochMetrics, b: &EpochMetrics) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-5 * x.abs().max(1.0);
    assert!(close(a.train_loss, b.train_loss), "train loss {} vs {}", a.train_loss, b.train_loss);
    assert!(close(a.val_loss, b.val_loss), "val loss {} vs {}", a.val_loss, b.val_loss);
    assert!(close(a.train_accuracy, b.train_accuracy), "train acc {} vs {}", a.train_accuracy, b.train_accuracy);
    assert!(close(a.val_accuracy, b.val_accuracy), "val acc {} vs {}", a.val_accuracy, b.val_accuracy);
    assert_eq!(a.lr, b.lr);
}

#[test]
fn three_epochs_equal_two_then_resume_then_one() {
    let data = data();
    let device = Device::flex();

    let mut straight = Saver::default();
    let uninterrupted = pollster::block_on(train(&data, &config(), &device, &mut straight)).expect("trains");
    assert_eq!(uninterrupted.history.len(), 3);
    assert_eq!(straight.saved.len(), 3, "one checkpoint per epoch");
    assert!(straight.saved[0].1, "the first epoch is always the best so far");

    // Interrupted after the second epoch's checkpoint, as when the tab is closed.
    let mut first = Saver { stop_after: Some(2), ..Saver::default() };
    let interrupted = pollster::block_on(train(&data, &config(), &device, &mut first)).expect("trains");
    assert!(interrupted.stopped);
    assert_eq!(interrupted.history.len(), 2);

    let checkpoint = Checkpoint::from_bytes(&first.saved[1].0).expect("reads back");
    assert_eq!(checkpoint.run.epochs_done, 2);
    let mut second = Saver::default();
    let resumed =
        pollster::block_on(train_from(&data, Start::Resume(Box::new(checkpoint)), &device, &mut second))
            .expect("continues");

    assert_eq!(resumed.history.len(), 3, "the history travels with the checkpoint");
    for (a, b) in uninterrupted.history.iter().zip(&resumed.history) {
        assert_close(a, b);
    }
    // The step-by-step losses of the third epoch, too.
    let third = &straight.losses[straight.losses.len() - second.losses.len()..];
    for (a, b) in third.iter().zip(&second.losses) {
        assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "step loss {a} vs {b}");
    }
    let (a, b) = (values(&uninterrupted.model), values(&resumed.model));
    let largest = a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(largest < 1e-4, "final weights differ by up to {largest}");
}

#[test]
fn round_trip_is_bit_exact_and_gives_the_same_next_step() {
    let data = data();
    let device = Device::flex();
    let mut saver = Saver::default();
    let config = TrainConfig { epochs: 1, ..config() };
    pollster::block_on(train(&data, &config, &device, &mut saver)).expect("trains");
    let bytes = &saver.saved[0].0;
    let checkpoint = Checkpoint::from_bytes(bytes).expect("reads");
    let again = Checkpoint::from_bytes(&checkpoint.to_bytes().expect("writes")).expect("reads");
    assert_eq!(again.run, checkpoint.run);
    assert!(again.moments == checkpoint.moments, "the moments are bit-equal");
    assert!(values(&again.model) == values(&checkpoint.model), "the weights are bit-equal");
    assert_eq!(checkpoint.run.adam_steps, 10);
    assert_eq!(checkpoint.moments.len(), 2 * 9 + 2 * 7 + 2, "9 convs (w, b), 7 BNs (γ, β), fc (w, b)");

    // The weights alone are PyTorch's file, loadable as before.
    let weights = checkpoint.weights().expect("weights");
    let file = safetensors::SafeTensors::deserialize(&weights).expect("safetensors");
    assert!(file.names().iter().all(|n| !n.starts_with("optimizer.")));
    assert_eq!(file.tensor("fc.weight").expect("fc").shape(), &[10, 64]);
    assert!(matches!(Checkpoint::from_bytes(&weights), Err(RunCheckpointError::WeightsOnly)));

    // Two learners restored from the file take the same step, to the bit.
    let train_device = device.clone().autodiff();
    let step = |checkpoint: &Checkpoint| {
        let mut learner = Learner::resume(checkpoint, &train_device).expect("resumes");
        let mut pixels = Vec::new();
        let indices: Vec<usize> = (0..16).collect();
        resnet_webgpu::augment::assemble(&data.train, &indices, &[], &[], &mut pixels);
        let images = Tensor::<4>::from_data(TensorData::new(pixels, [16, 3, 32, 32]), &train_device);
        let labels = Tensor::<1, Int>::from_data(
            TensorData::new(data.train.labels[..16].iter().map(|&l| l as i32).collect::<Vec<_>>(), [16]),
            &train_device,
        );
        let (loss, _) = learner.step(images, labels, 1e-3);
        (loss.into_data().iter::<f32>().next().expect("loss"), values(&learner.model().valid()))
    };
    let (loss, weights) = step(&checkpoint);
    let (loss_again, weights_again) = step(&again);
    assert_eq!(loss, loss_again);
    assert!(weights == weights_again, "the next step gives bit-equal weights");
}

/// Sets every value of `fc.bias` to NaN, as a diverged step would.
struct Poison {
    path: Vec<String>,
}

impl ModuleMapper for Poison {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.into());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if self.path.join(".") == "fc.bias" { param.map(|t| t.mul_scalar(f32::NAN)) } else { param }
    }
}

fn run_state(config: &TrainConfig) -> RunState {
    RunState {
        config: config.clone(),
        epochs_done: 0,
        lr: LrState::new(config.learning_rate, config.plateau.clone()),
        best_val_accuracy: None,
        adam_steps: 0,
        history: Vec::new(),
    }
}

#[test]
fn non_finite_weights_are_never_checkpointed() {
    let config = config();
    let device = Device::flex();
    let model = ResNetConfig::from(config.model).init(&device);
    let adam = Adam::new(0.9, 0.999, 1e-7);
    let good = pollster::block_on(Checkpoint::capture(&model, &adam, run_state(&config)));
    assert!(good.is_ok());
    let poisoned = model.map(&mut Poison { path: Vec::new() });
    match pollster::block_on(Checkpoint::capture(&poisoned, &adam, run_state(&config))) {
        Err(RunCheckpointError::NonFinite(name)) => assert_eq!(name, "fc.bias"),
        other => panic!("expected a refusal, got {:?}", other.map(|c| c.run)),
    }
}

#[test]
fn a_diverging_run_stops_with_advice_and_keeps_only_finite_checkpoints() {
    let data = data();
    let config = TrainConfig { learning_rate: 1e6, epochs: 3, ..config() };
    let mut saver = Saver::default();
    let error = pollster::block_on(train(&data, &config, &Device::flex(), &mut saver))
        .err()
        .expect("a learning rate of a million diverges");
    assert!(
        matches!(error, TrainError::NonFinite { .. } | TrainError::NonFiniteWeights { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("Lower the learning rate"), "{error}");
    for (bytes, _) in &saver.saved {
        let checkpoint = Checkpoint::from_bytes(bytes).expect("a good checkpoint");
        assert!(values(&checkpoint.model).iter().flatten().all(|v| v.is_finite()));
    }
}

#[test]
fn damaged_and_foreign_files_are_refused_with_a_reason() {
    let data = data();
    let mut saver = Saver::default();
    pollster::block_on(train(&data, &TrainConfig { epochs: 1, ..config() }, &Device::flex(), &mut saver))
        .expect("trains");
    let bytes = &saver.saved[0].0;
    let message = |bytes: &[u8]| Checkpoint::from_bytes(bytes).err().expect("refused").to_string();

    assert!(message(b"").contains("not a safetensors file"));
    assert!(message(b"PK\x03\x04 a zip file").contains("not a safetensors file"));
    assert!(message(&bytes[..bytes.len() / 2]).contains("not a safetensors file"), "truncated");

    let good = Checkpoint::from_bytes(bytes).expect("reads");
    // The state names ResNet20 but the weights are ResNet8's.
    let mut other = good.clone();
    other.run.config.model = ModelKind::RESNET20_V1;
    assert!(message(&other.to_bytes().expect("writes")).contains("not a checkpoint of this model"));
    // A moment of the wrong size.
    let mut other = good.clone();
    other.moments.get_mut("fc.bias").expect("fc.bias").0.pop();
    assert!(message(&other.to_bytes().expect("writes")).contains("Adam's moments of fc.bias"));
    // A moment missing after steps were taken.
    let mut other = good.clone();
    other.moments.remove("fc.weight");
    assert!(message(&other.to_bytes().expect("writes")).contains("fc.weight"));
    // History and epoch count disagree.
    let mut other = good.clone();
    other.run.epochs_done = 5;
    assert!(message(&other.to_bytes().expect("writes")).contains("epochs done"));
    // Weights of a plain model (what a PyTorch user exports).
    let plain = ResNetConfig::from(ModelKind::RESNET20_V1).init(&Device::flex()).valid();
    assert!(message(&to_safetensors(&plain).expect("writes")).contains("weights file without a training state"));
}
