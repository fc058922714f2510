//! The Keras `cifar10_resnet` training recipe: every number of the seed in one config, the
//! step learning-rate schedule and the plateau reducer.

use crate::conv::ConvRoute;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::ModelKind;

/// Batch sizes a run accepts (batch normalisation needs two images; 512 is where the larger
/// models exhaust a browser's 4 GiB of WebAssembly memory).
pub const BATCH_SIZES: RangeInclusive<usize> = 2..=512;
/// Numbers of epochs a run accepts (the seed trains 200).
pub const EPOCHS: RangeInclusive<usize> = 1..=1000;

/// A setting out of bounds, named by its key in links and on the command line.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ConfigError {
    #[error("batch_size={0}: the batch size must be a whole number from 2 to 512")]
    BatchSize(usize),
    #[error("epochs={0}: the number of epochs must be a whole number from 1 to 1000")]
    Epochs(usize),
    #[error("lr={0}: the learning rate must be a positive number")]
    LearningRate(f64),
    #[error("train_images={0}: training needs at least 2 images")]
    TrainImages(usize),
    #[error("test_images={0}: evaluation needs at least 1 image")]
    TestImages(usize),
    #[error("metrics_every={0}: metrics are read every 1 or more steps")]
    MetricsEvery(usize),
}

impl ConfigError {
    /// The setting's key (`batch_size`, `epochs`, `lr`, `train_images`, `test_images`).
    pub fn key(&self) -> &'static str {
        match self {
            ConfigError::BatchSize(_) => "batch_size",
            ConfigError::Epochs(_) => "epochs",
            ConfigError::LearningRate(_) => "lr",
            ConfigError::TrainImages(_) => "train_images",
            ConfigError::TestImages(_) => "test_images",
            ConfigError::MetricsEvery(_) => "metrics_every",
        }
    }
}

/// Every setting of a training run, with the seed's values as defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Which network (default: the seed's ResNet29 v2 is heavier; the page starts with ResNet20 v1).
    pub model: ModelKind,
    /// Images per step (seed: 32; the original paper used 128).
    pub batch_size: usize,
    /// Passes over the training set (seed: 200).
    pub epochs: usize,
    /// Adam's initial learning rate (seed: 1e-3).
    pub learning_rate: f64,
    /// Adam β₁ (Keras default 0.9).
    pub beta_1: f32,
    /// Adam β₂ (Keras default 0.999).
    pub beta_2: f32,
    /// Adam ε (Keras default 1e-7).
    pub epsilon: f32,
    /// L2 penalty on convolution kernels only: `l2 · Σ w²` is added to the loss (seed: 1e-4).
    pub l2: f32,
    /// The plateau reducer (seed: factor √0.1, patience 5, cooldown 0, min_lr 0.5e-6).
    pub plateau: PlateauConfig,
    /// Random shift + horizontal flip (seed: on).
    pub augment: bool,
    /// Largest shift as a fraction of width/height (seed: 0.1, i.e. up to 3 of 32 pixels).
    pub shift_fraction: f32,
    /// Subtract the training set's per-pixel mean (seed: on).
    pub subtract_pixel_mean: bool,
    /// Seed of every random choice: weights, shuffling, augmentation.
    pub seed: u64,
    /// Train on the first N training images only (`None`: all of them).
    pub limit_train: Option<usize>,
    /// Evaluate on the first N test images only (`None`: all of them).
    pub limit_test: Option<usize>,
    /// Read the running loss/accuracy back from the device every N steps (one batched read).
    pub metrics_every: usize,
    /// How the convolutions run (default: what was measured fastest on the device, see
    /// `ConvRoute::for_device`); the same function either
    /// way, so only speed and rounding differ.
    pub conv: ConvRoute,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model: ModelKind::default(),
            batch_size: 32,
            epochs: 200,
            learning_rate: 1e-3,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            l2: 1e-4,
            plateau: PlateauConfig::default(),
            augment: true,
            shift_fraction: 0.1,
            subtract_pixel_mean: true,
            seed: 0,
            limit_train: None,
            limit_test: None,
            metrics_every: 10,
            conv: ConvRoute::Auto,
        }
    }
}

impl TrainConfig {
    /// The one check of a run's settings, used by the page's controls, the link parser and the
    /// trainer: the first setting out of bounds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !BATCH_SIZES.contains(&self.batch_size) {
            return Err(ConfigError::BatchSize(self.batch_size));
        }
        if !EPOCHS.contains(&self.epochs) {
            return Err(ConfigError::Epochs(self.epochs));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        if let Some(n) = self.limit_train.filter(|&n| n < 2) {
            return Err(ConfigError::TrainImages(n));
        }
        if let Some(n) = self.limit_test.filter(|&n| n < 1) {
            return Err(ConfigError::TestImages(n));
        }
        if self.metrics_every == 0 {
            return Err(ConfigError::MetricsEvery(0));
        }
        Ok(())
    }

    /// Largest shift in whole pixels for a side of `side` pixels: ⌊fraction · side⌋ (3 for 32).
    pub fn max_shift(&self, side: usize) -> i32 {
        if self.augment {
            (self.shift_fraction * side as f32).floor() as i32
        } else {
            0
        }
    }
}

/// The seed's `lr_schedule`: the base rate, divided by 10 after epoch 80, by 100 after 120,
/// by 1,000 after 160 and by 2,000 after 180. `epoch` counts from 0, as Keras passes it.
pub fn lr_schedule(base: f64, epoch: usize) -> f64 {
    let factor = match epoch {
        e if e > 180 => 0.5e-3,
        e if e > 160 => 1e-3,
        e if e > 120 => 1e-2,
        e if e > 80 => 1e-1,
        _ => 1.0,
    };
    base * factor
}

/// Settings of Keras' `ReduceLROnPlateau` as the seed uses them (monitor: validation loss).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlateauConfig {
    /// Multiplier applied at each reduction (seed: √0.1 ≈ 0.316).
    pub factor: f64,
    /// Epochs without improvement before a reduction (seed: 5).
    pub patience: usize,
    /// Epochs to wait after a reduction before counting again (seed: 0).
    pub cooldown: usize,
    /// The reducer never takes the rate below this (seed: 0.5e-6).
    pub min_lr: f64,
    /// An improvement must beat the best loss by more than this (Keras default: 1e-4).
    pub min_delta: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        Self {
            factor: 0.1f64.sqrt(),
            patience: 5,
            cooldown: 0,
            min_lr: 0.5e-6,
            min_delta: 1e-4,
        }
    }
}

/// The learning rate of a run: the step schedule composed with the plateau reducer.
///
/// In the seed's Keras code both callbacks set the optimizer's rate: `LearningRateScheduler`
/// overwrites it at the start of every epoch with `lr_schedule(epoch)`, so a reduction made by
/// `ReduceLROnPlateau` at the end of an epoch is undone at the start of the next one and never
/// takes effect. Here the two compose instead: the reducer keeps a multiplier (the product of
/// its reductions) and the rate of epoch `e` is `lr_schedule(e) · multiplier`. A reduction
/// happens only while it keeps the rate at or above `min_lr`; when it would go below, the
/// multiplier is set so that the rate is exactly `min_lr` (Keras' `max(lr · factor, min_lr)`).
/// The schedule's own drops are never clamped: the seed's last step, 5e-7, is its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrState {
    base: f64,
    config: PlateauConfig,
    multiplier: f64,
    /// Best validation loss so far (infinite before the first epoch; JSON has no infinity, so it
    /// is written as `null` then).
    #[serde(with = "infinite_as_null")]
    best: f64,
    wait: usize,
    cooldown_left: usize,
    reductions: usize,
}

impl LrState {
    /// A fresh state for a run whose initial rate is `base`.
    pub fn new(base: f64, config: PlateauConfig) -> Self {
        Self {
            base,
            config,
            multiplier: 1.0,
            best: f64::INFINITY,
            wait: 0,
            cooldown_left: 0,
            reductions: 0,
        }
    }

    /// The rate for `epoch` (from 0).
    pub fn lr(&self, epoch: usize) -> f64 {
        lr_schedule(self.base, epoch) * self.multiplier
    }

    /// Times the reducer has cut the rate.
    pub fn reductions(&self) -> usize {
        self.reductions
    }

    /// Feeds the validation loss at the end of `epoch`; returns `true` when the rate was cut.
    pub fn on_epoch_end(&mut self, epoch: usize, val_loss: f64) -> bool {
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if val_loss < self.best - self.config.min_delta {
            self.best = val_loss;
            self.wait = 0;
            return false;
        }
        if self.cooldown_left > 0 {
            return false;
        }
        self.wait += 1;
        if self.wait < self.config.patience {
            return false;
        }
        let current = self.lr(epoch);
        if current <= self.config.min_lr {
            return false;
        }
        let reduced = (current * self.config.factor).max(self.config.min_lr);
        self.multiplier *= reduced / current;
        self.cooldown_left = self.config.cooldown;
        self.wait = 0;
        self.reductions += 1;
        true
    }
}

/// `f64::INFINITY` as JSON `null` and back (JSON has no infinities).
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() { serializer.serialize_some(value) } else { serializer.serialize_none() }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::INFINITY))
    }
}
