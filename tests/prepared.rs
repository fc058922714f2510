//! Data prepared once for a device (`resnet_webgpu::prepared`): a run that starts from it is the
//! same run, step for step, as one that prepares its own inputs, whatever part of the training set
//! it takes and with or without the mean; on the CPU backend and on wgpu (Mesa lavapipe on a
//! machine without a GPU).
#![cfg(not(target_arch = "wasm32"))] // native only

mod common;

use burn::prelude::*;
use resnet_webgpu::data::Cifar10;
use resnet_webgpu::model::{ModelKind, Version};
use resnet_webgpu::prepared::Prepared;
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::{Control, Current, Event, Observer, Start, train_prepared};

/// 96 training and 40 test images of the test archive: a whole training set small enough for a
/// run on lavapipe.
fn data() -> Cifar10 {
    let path = common::archive_path();
    let full = Cifar10::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Cifar10 { train: full.train.truncated(96), test: full.test.truncated(40), class_names: full.class_names }
}

/// The recipe's run: the whole training set, the mean subtracted.
fn config() -> TrainConfig {
    TrainConfig {
        model: ModelKind { version: Version::V1, depth: 8 },
        batch_size: 16,
        epochs: 2,
        limit_train: None,
        limit_test: None,
        metrics_every: 1,
        seed: 11,
        ..TrainConfig::default()
    }
}

/// Every step's loss and every epoch's test loss and accuracy.
#[derive(Default)]
struct Losses(Vec<f64>);

impl Observer for Losses {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Batch { loss, .. } => self.0.push(*loss),
            Event::Epoch(metrics) => self.0.extend([metrics.val_loss, metrics.val_accuracy]),
            _ => {}
        }
    }

    async fn control(&mut self, _: Current<'_>) -> Control {
        Control::Continue
    }
}

fn losses(data: &Cifar10, prepared: Option<&Prepared>, config: &TrainConfig, device: &Device) -> Vec<f64> {
    let mut losses = Losses::default();
    let run = train_prepared(data, prepared, Start::Fresh(config.clone()), device, &mut losses);
    pollster::block_on(run).expect("trains");
    losses.0
}

/// Runs on `data` and `device` start from `prepared`, and each is the same run, step for step, as
/// without it: the recipe's (the whole set, the mean subtracted), one on part of the set (its own
/// mean, the same upload) and one without the mean.
fn check(data: &Cifar10, prepared: &Prepared, device: &Device) {
    assert!(prepared.is_for(data, device));
    assert!(prepared.is_for(data, &device.clone().autodiff()), "autodiff or not, the same device");
    let copy = data.clone();
    assert!(!prepared.is_for(&copy, device), "another data set (a copy elsewhere in memory)");
    assert_eq!(prepared.whole_mean(&data.train), Some(data.pixel_mean().as_slice()));
    assert_eq!(prepared.whole_mean(&data.train.truncated(48)), None, "a run on part of the set computes its own");

    let configs = [
        config(),
        TrainConfig { limit_train: Some(96), ..config() },
        TrainConfig { limit_train: Some(48), ..config() },
        TrainConfig { subtract_pixel_mean: false, ..config() },
    ];
    for config in &configs {
        let expected = losses(data, None, config, device);
        let steps = config.limit_train.unwrap_or(96) / 16;
        assert_eq!(expected.len(), 2 * (steps + 2));
        let runs = prepared.runs();
        let got = losses(data, Some(prepared), config, device);
        assert_eq!(prepared.runs(), runs + 1, "the run started from it");
        assert_eq!(got, expected, "a run from prepared data is the same run: {config:?}");
    }
    // Made from other data: left aside.
    let runs = prepared.runs();
    assert_eq!(losses(&copy, Some(prepared), &config(), device), losses(data, None, &config(), device));
    assert_eq!(prepared.runs(), runs);
}

#[test]
fn runs_on_the_cpu_backend_start_from_the_prepared_mean() {
    let data = data();
    let device = Device::flex();
    let prepared = Prepared::new(&data, &device);
    assert!(!prepared.on_device(), "the CPU backend makes its batches on the host");
    assert!(prepared.batches(96, &data.pixel_mean()).is_none());
    check(&data, &prepared, &device);
    assert!(!prepared.is_for(&data, &Device::wgpu(DeviceKind::DefaultDevice)), "another device");
}

#[test]
fn runs_on_wgpu_start_from_the_splits_already_on_the_gpu() {
    let data = data();
    let device = Device::wgpu(DeviceKind::DefaultDevice);
    let prepared = Prepared::new(&data, &device);
    assert!(prepared.on_device(), "both splits uploaded");
    check(&data, &prepared, &device);
    assert!(!prepared.is_for(&data, &Device::flex()), "another device");
    // After those runs (on other means and parts of the set), the recipe's run is still the same.
    let again = losses(&data, Some(&prepared), &config(), &device);
    assert_eq!(prepared.runs(), 5);
    assert_eq!(again, losses(&data, None, &config(), &device));
}
