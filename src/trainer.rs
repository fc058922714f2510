//! The one training loop, shared unchanged by the native CLI (`pollster::block_on`) and the page
//! (`spawn_local`). It is `async` and only ever reads tensors with `*_async` calls, batched into
//! one [`Transaction`] every few steps, because a browser forbids synchronous GPU reads.

use std::future::Future;

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::Transaction;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use web_time::Instant;

use crate::adam::Adam;
use crate::augment::Transform;
use crate::checkpoint::{Checkpoint, RunCheckpointError, RunState};
use crate::data::{Cifar10, NUM_CLASSES, SIDE, Split};
use crate::explore::argmax;
use crate::model::{ModelError, ResNet, ResNetConfig};
use crate::pipeline::Batches;
use crate::recipe::{LrState, TrainConfig};
use crate::summary::Summary;

/// Why a run could not go on.
#[derive(Debug, Error)]
pub enum TrainError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("invalid setting: {0}")]
    Config(String),
    #[error("reading results back from the device failed: {0}")]
    Device(String),
    #[error(
        "the loss became {value} at epoch {epoch}, step {step}: training diverged. \
         Lower the learning rate (now {lr:e}) and start again"
    )]
    NonFinite { epoch: usize, step: usize, value: f32, lr: f64 },
    #[error(
        "at the end of epoch {epoch} {source}: training diverged. Lower the learning rate \
         (now {lr:e}) and continue from the last checkpoint"
    )]
    NonFiniteWeights { epoch: usize, lr: f64, source: RunCheckpointError },
    #[error("could not take a checkpoint: {0}")]
    Checkpoint(#[from] RunCheckpointError),
}

/// Metrics of one finished epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Epoch number, from 0.
    pub epoch: usize,
    /// Learning rate used during the epoch.
    pub lr: f64,
    /// Mean training loss (cross-entropy plus the L2 penalty, as Keras reports it).
    pub train_loss: f64,
    pub train_accuracy: f64,
    /// Loss and accuracy on the test batch (the seed's validation data).
    pub val_loss: f64,
    pub val_accuracy: f64,
    /// Accuracy on each class of the test batch.
    pub per_class_accuracy: Vec<f64>,
    /// `confusion[true][predicted]`, counts on the test batch.
    pub confusion: Vec<Vec<u32>>,
    /// Wall-clock seconds of the epoch, evaluation included.
    pub seconds: f64,
    /// Training images per second during the epoch.
    pub images_per_sec: f64,
}

/// What the loop reports, in order. Serialised as JSON objects tagged by `"type"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Before the first step.
    Started {
        /// The epoch the run starts with (0, or the epoch a resumed run continues with).
        first_epoch: usize,
        model: String,
        trainable_params: usize,
        total_params: usize,
        train_images: usize,
        test_images: usize,
        steps_per_epoch: usize,
        epochs: usize,
    },
    /// Running metrics over the steps since the previous `Batch` event.
    Batch {
        epoch: usize,
        /// Steps done in this epoch.
        step: usize,
        steps_per_epoch: usize,
        loss: f64,
        accuracy: f64,
        lr: f64,
        images_per_sec: f64,
    },
    /// End of an epoch, after evaluation on the test batch.
    Epoch(EpochMetrics),
    /// The plateau reducer cut the learning rate.
    LrReduced { epoch: usize, next_lr: f64 },
    /// The seed's `ModelCheckpoint(monitor='val_acc', save_best_only=True)` fired.
    Checkpoint { epoch: usize, val_accuracy: f64, best_val_accuracy: f64 },
    /// The run is over (all epochs done, or stopped).
    Finished { epochs_done: usize, stopped: bool, test_loss: f64, test_accuracy: f64 },
}

/// What the host wants, asked between steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

/// The run as it stands between two steps, for a host that wants to use the model meanwhile
/// (the page classifies a person's image while the run is paused).
pub struct Current<'a> {
    /// The model being trained (on the training device; `valid()` gives the inference model).
    pub model: &'a ResNet,
    /// The pixel mean the run normalises with (empty when it does not subtract one).
    pub mean: &'a [f32],
}

/// The host side of a run: receives events and decides, between steps, whether to go on.
pub trait Observer {
    /// Called with every event.
    fn event(&mut self, event: &Event);
    /// Called before every step. Awaiting here pauses the run (the page waits for "resume").
    fn control(&mut self, current: Current<'_>) -> impl Future<Output = Control>;
    /// Called when the validation accuracy improves, with the model in inference mode.
    fn best_model(&mut self, _epoch: usize, _model: &ResNet) -> impl Future<Output = ()> {
        async {}
    }
    /// Whether the host wants [`Observer::checkpoint`] calls (each one reads the model and the
    /// optimizer back from the device).
    fn wants_checkpoints(&self) -> bool {
        false
    }
    /// Called at the end of every epoch, after the events, with everything needed to continue
    /// the run later; `best` when the validation accuracy improved (the seed's
    /// `save_best_only` checkpoint). Never called with weights that are not finite.
    fn checkpoint(&mut self, _checkpoint: &Checkpoint, _best: bool) -> impl Future<Output = ()> {
        async {}
    }
    /// Called after every epoch's evaluation, with the model in inference mode, the pixel mean
    /// the run normalises with (for the host's own predictions) and the evaluation itself.
    fn epoch_end(
        &mut self,
        _epoch: usize,
        _model: &ResNet,
        _mean: &[f32],
        _evaluation: &Evaluation,
    ) -> impl Future<Output = ()> {
        async {}
    }
}

/// The result of a run.
pub struct Outcome {
    /// The model at the end of the run (inference mode).
    pub model: ResNet,
    /// Every finished epoch.
    pub history: Vec<EpochMetrics>,
    /// Whether the host stopped the run early.
    pub stopped: bool,
    /// The pixel mean the model's inputs are normalised with (empty when the run subtracts none).
    pub mean: Vec<f32>,
}

/// Evaluation of a model on a split.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
    pub confusion: Vec<Vec<u32>>,
    /// The class probabilities of every evaluated image, `NUM_CLASSES` per image (for the
    /// test-set explorer).
    pub probabilities: Vec<f32>,
}

impl Evaluation {
    /// Accuracy on each true class.
    pub fn per_class_accuracy(&self) -> Vec<f64> {
        self.confusion
            .iter()
            .enumerate()
            .map(|(c, row)| {
                let total: u32 = row.iter().sum();
                if total == 0 { 0.0 } else { row[c] as f64 / total as f64 }
            })
            .collect()
    }
}

/// Images sent to the device at once during evaluation.
const EVAL_CHUNK: usize = 500;

fn read_f32(data: &TensorData) -> Result<f64, TrainError> {
    data.iter::<f32>()
        .next()
        .map(|v| v as f64)
        .ok_or_else(|| TrainError::Device("empty result".into()))
}

/// Loss, accuracy and confusion matrix of `model` on `split` (first `limit` images).
/// `model` must be in inference mode (`model.valid()`), `device` a device without autodiff.
pub async fn evaluate(
    model: &ResNet,
    split: &Split,
    limit: usize,
    mean: &[f32],
    device: &Device,
) -> Result<Evaluation, TrainError> {
    evaluate_batches(model, split, &mut Batches::new(split, mean, device), limit, device).await
}

/// [`evaluate`] with the split's batches already set up (on the device, for a whole run).
async fn evaluate_batches(
    model: &ResNet,
    split: &Split,
    batches: &mut Batches<'_>,
    limit: usize,
    device: &Device,
) -> Result<Evaluation, TrainError> {
    let n = split.len().min(limit);
    let loss_fn: CrossEntropyLoss = CrossEntropyLossConfig::new().init(device);
    let mut confusion = vec![vec![0u32; NUM_CLASSES]; NUM_CLASSES];
    let mut loss_sum = 0.0;
    let mut correct = 0usize;
    let mut probabilities = Vec::with_capacity(n * NUM_CLASSES);
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(EVAL_CHUNK) {
        let (images, labels) = batches.batch(chunk, &[], device);
        let logits = model.forward(images); // [n, 10]
        let loss = loss_fn.forward(logits.clone(), labels); // [1]
        let data = Transaction::default()
            .register(loss)
            .register(softmax(logits, 1))
            .execute_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        loss_sum += read_f32(&data[0])? * chunk.len() as f64;
        let chunk_probabilities: Vec<f32> = data[1].iter::<f32>().collect();
        for (&index, p) in chunk.iter().zip(chunk_probabilities.chunks_exact(NUM_CLASSES)) {
            let truth = split.labels[index] as usize;
            let (predicted, _) = argmax(p);
            confusion[truth][predicted] += 1;
            correct += (truth == predicted) as usize;
        }
        probabilities.extend_from_slice(&chunk_probabilities);
    }
    let n = n.max(1) as f64;
    Ok(Evaluation { loss: loss_sum / n, accuracy: correct as f64 / n, confusion, probabilities })
}

/// The class probabilities of the images `indices` of `split`, `NUM_CLASSES` per image,
/// normalised exactly as in training. `model` in inference mode, `device` without autodiff.
pub async fn probabilities(
    model: &ResNet,
    split: &Split,
    indices: &[usize],
    mean: &[f32],
    device: &Device,
) -> Result<Vec<f32>, TrainError> {
    let (images, _) = Batches::host(split, mean).batch(indices, &[], device);
    let probabilities = model.probabilities(images); // [n, 10]
    let data = probabilities
        .into_data_async()
        .await
        .map_err(|e| TrainError::Device(format!("{e:?}")))?;
    Ok(data.iter::<f32>().collect())
}

/// Predicted class and its probability for the images `indices` of `split`. `model` in
/// inference mode, `device` without autodiff.
pub async fn predict(
    model: &ResNet,
    split: &Split,
    indices: &[usize],
    mean: &[f32],
    device: &Device,
) -> Result<(Vec<usize>, Vec<f32>), TrainError> {
    let p = probabilities(model, split, indices, mean, device).await?;
    Ok(p.chunks_exact(NUM_CLASSES).map(argmax).unzip())
}

/// A random generator for epoch `epoch` of a run seeded with `seed`: every epoch draws from its
/// own stream, so a run resumed at epoch k shuffles and augments exactly like an uninterrupted one.
pub fn epoch_rng(seed: u64, epoch: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The model a run starts from: its weights drawn from `config.seed` (on the host, so the same
/// on every backend), on `device` (a training device, with autodiff).
pub fn initial_model(config: &TrainConfig, device: &Device) -> Result<ResNet, TrainError> {
    Ok(ResNetConfig::from(config.model).with_seed(config.seed).try_init(device)?)
}

/// The model with its optimizer, loss and L2 penalty: one training step at a time. Shared by
/// [`train`] and the benchmark.
pub struct Learner {
    model: Option<ResNet>,
    adam: Adam,
    loss_fn: CrossEntropyLoss,
    l2: f32,
}

impl Learner {
    /// A freshly initialised model (seeded) with Adam, on `device` (a training device).
    pub fn new(config: &TrainConfig, device: &Device) -> Result<Self, TrainError> {
        let model = initial_model(config, device)?;
        let adam = Adam::new(config.beta_1, config.beta_2, config.epsilon);
        Ok(Self::with(model, adam, config, device))
    }

    /// The model and optimizer of `checkpoint`, on `device` (a training device), ready for the
    /// checkpoint's next step.
    pub fn resume(checkpoint: &Checkpoint, device: &Device) -> Result<Self, TrainError> {
        let (model, adam) = checkpoint.restore(device)?;
        Ok(Self::with(model, adam, &checkpoint.run.config, device))
    }

    fn with(model: ResNet, adam: Adam, config: &TrainConfig, device: &Device) -> Self {
        Self {
            model: Some(model),
            adam,
            loss_fn: CrossEntropyLossConfig::new().init(device),
            l2: config.l2,
        }
    }

    /// The optimizer.
    pub fn adam(&self) -> &Adam {
        &self.adam
    }

    /// The model being trained.
    pub fn model(&self) -> &ResNet {
        self.model.as_ref().expect("the model is only taken inside `step`")
    }

    /// One Adam step on a batch; returns the loss (cross-entropy plus `l2 · Σ w²` over the
    /// convolution kernels, as Keras reports it) and the number of correct predictions, both
    /// still on the device.
    pub fn step(&mut self, images: Tensor<4>, labels: Tensor<1, Int>, lr: f64) -> (Tensor<1>, Tensor<1, Int>) {
        let model = self.model.take().expect("the model is only taken inside `step`");
        let logits = model.forward(images); // [b, 10]
        let mut loss = self.loss_fn.forward(logits.clone(), labels.clone()); // [1]
        if self.l2 > 0.0 {
            let penalty = model
                .conv_kernels()
                .into_iter()
                .map(|w| w.powi_scalar(2).sum())
                .reduce(|a, b| a + b);
            if let Some(penalty) = penalty {
                loss = loss + penalty.mul_scalar(self.l2);
            }
        }
        let correct = logits.argmax(1).squeeze_dim::<1>(1).equal(labels).int().sum();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.adam.step(lr, model, grads));
        (loss.detach(), correct)
    }
}

/// Where a run starts.
pub enum Start {
    /// A new run of these settings.
    Fresh(TrainConfig),
    /// The run saved in a checkpoint, continued with its next epoch up to its `config.epochs`
    /// (which the caller may raise).
    Resume(Box<Checkpoint>),
}

/// Trains `config.model` on `data` following the seed's recipe, on `device` (autodiff is added
/// here), and reports to `observer`.
pub async fn train(
    data: &Cifar10,
    config: &TrainConfig,
    device: &Device,
    observer: &mut impl Observer,
) -> Result<Outcome, TrainError> {
    train_from(data, Start::Fresh(config.clone()), device, observer).await
}

/// Like [`train`], from a fresh start or from a checkpoint. A resumed run shuffles, augments and
/// updates exactly as the uninterrupted run would have.
pub async fn train_from(
    data: &Cifar10,
    start: Start,
    device: &Device,
    observer: &mut impl Observer,
) -> Result<Outcome, TrainError> {
    let config = match &start {
        Start::Fresh(config) => config.clone(),
        Start::Resume(checkpoint) => checkpoint.run.config.clone(),
    };
    let config = &config;
    if config.batch_size < 2 {
        return Err(TrainError::Config(format!(
            "batch size must be at least 2 (batch normalisation needs it), got {}",
            config.batch_size
        )));
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return Err(TrainError::Config(format!(
            "learning rate must be a positive number, got {}",
            config.learning_rate
        )));
    }
    let train_device = device.clone().autodiff();
    let eval_device = device.clone().without_autodiff();
    let train_split = match config.limit_train {
        Some(n) => data.train.truncated(n),
        None => data.train.clone(),
    };
    if train_split.len() < 2 {
        return Err(TrainError::Config("need at least 2 training images".into()));
    }
    let test_limit = config.limit_test.unwrap_or(usize::MAX);
    let mean = if config.subtract_pixel_mean {
        crate::data::pixel_mean(&train_split)
    } else {
        Vec::new()
    };
    let max_shift = config.max_shift(SIDE);

    let (mut learner, mut lr_state, mut history, mut best_accuracy, first_epoch) = match &start {
        Start::Fresh(_) => (
            Learner::new(config, &train_device)?,
            LrState::new(config.learning_rate, config.plateau.clone()),
            Vec::new(),
            f64::NEG_INFINITY,
            0,
        ),
        Start::Resume(checkpoint) => (
            Learner::resume(checkpoint, &train_device)?,
            checkpoint.run.lr.clone(),
            checkpoint.run.history.clone(),
            checkpoint.run.best_val_accuracy.unwrap_or(f64::NEG_INFINITY),
            checkpoint.run.epochs_done,
        ),
    };
    drop(start);
    let summary = Summary::of(learner.model());

    let n = train_split.len();
    // Keras runs ⌈n / batch⌉ steps; a last batch of a single image is dropped (batch
    // normalisation cannot normalise one sample).
    let steps_per_epoch = n / config.batch_size + usize::from(n % config.batch_size >= 2);
    let every = config.metrics_every.max(1);
    observer.event(&Event::Started {
        first_epoch,
        model: config.model.to_string(),
        trainable_params: summary.trainable(),
        total_params: summary.total(),
        train_images: n,
        test_images: data.test.len().min(test_limit),
        steps_per_epoch,
        epochs: config.epochs,
    });

    let mut stopped = false;
    // On a wgpu device both splits go to the GPU once, as bytes, and every batch is made there
    // (`shaders/augment.wgsl`); on the CPU backend they are assembled on the host.
    let mut train_batches = Batches::new(&train_split, &mean, &train_device);
    let mut test_batches = Batches::new(&data.test, &mean, &eval_device);
    let mut order: Vec<usize> = (0..n).collect();
    'epochs: for epoch in first_epoch..config.epochs {
        let started = Instant::now();
        let lr = lr_state.lr(epoch);
        let mut rng = epoch_rng(config.seed, epoch);
        order.sort_unstable();
        order.shuffle(&mut rng);

        let (mut epoch_loss, mut epoch_correct, mut epoch_images) = (0.0, 0.0, 0usize);
        let mut window: Vec<(Tensor<1>, Tensor<1, Int>, usize)> = Vec::with_capacity(every);
        let mut window_start = Instant::now();
        for step in 0..steps_per_epoch {
            if observer.control(Current { model: learner.model(), mean: &mean }).await == Control::Stop {
                stopped = true;
                break 'epochs;
            }
            let indices = &order[step * config.batch_size..((step + 1) * config.batch_size).min(n)];
            let transforms: Vec<Transform> = if config.augment {
                indices.iter().map(|_| Transform::sample(&mut rng, max_shift, true)).collect()
            } else {
                Vec::new()
            };
            let (images, labels) = train_batches.batch(indices, &transforms, &train_device);

            let (loss, correct) = learner.step(images, labels, lr);
            window.push((loss, correct, indices.len()));

            let last = step + 1 == steps_per_epoch;
            // The very first step is reported on its own, so that a person sees a number as soon
            // as the device has compiled its kernels; after that, one read every `every` steps.
            // (Only in a fresh run: a resumed one keeps the uninterrupted run's windows.)
            let first = epoch == 0 && step == 0;
            if window.len() == every || last || first {
                let mut transaction = Transaction::default();
                for (loss, correct, _) in &window {
                    transaction = transaction.register(loss.clone()).register(correct.clone());
                }
                let values = transaction
                    .execute_async()
                    .await
                    .map_err(|e| TrainError::Device(format!("{e:?}")))?;
                let (mut loss_sum, mut correct_sum, mut images) = (0.0, 0.0, 0usize);
                for (pair, (_, _, count)) in values.chunks_exact(2).zip(&window) {
                    let value = read_f32(&pair[0])?;
                    if !value.is_finite() {
                        return Err(TrainError::NonFinite { epoch, step, value: value as f32, lr });
                    }
                    loss_sum += value * *count as f64;
                    correct_sum += pair[1].iter::<i64>().next().unwrap_or(0) as f64;
                    images += count;
                }
                window.clear();
                let elapsed = window_start.elapsed().as_secs_f64().max(1e-9);
                window_start = Instant::now();
                epoch_loss += loss_sum;
                epoch_correct += correct_sum;
                epoch_images += images;
                observer.event(&Event::Batch {
                    epoch,
                    step: step + 1,
                    steps_per_epoch,
                    loss: loss_sum / images as f64,
                    accuracy: correct_sum / images as f64,
                    lr,
                    images_per_sec: images as f64 / elapsed,
                });
            }
        }
        let train_seconds = started.elapsed().as_secs_f64();

        let valid = learner.model().valid();
        let eval = evaluate_batches(&valid, &data.test, &mut test_batches, test_limit, &eval_device).await?;
        let metrics = EpochMetrics {
            epoch,
            lr,
            train_loss: epoch_loss / epoch_images.max(1) as f64,
            train_accuracy: epoch_correct / epoch_images.max(1) as f64,
            val_loss: eval.loss,
            val_accuracy: eval.accuracy,
            per_class_accuracy: eval.per_class_accuracy(),
            confusion: eval.confusion.clone(),
            seconds: started.elapsed().as_secs_f64(),
            images_per_sec: epoch_images as f64 / train_seconds.max(1e-9),
        };
        observer.event(&Event::Epoch(metrics.clone()));
        observer.epoch_end(epoch, &valid, &mean, &eval).await;
        history.push(metrics);
        if lr_state.on_epoch_end(epoch, eval.loss) {
            observer.event(&Event::LrReduced { epoch, next_lr: lr_state.lr(epoch + 1) });
        }
        let best = eval.accuracy > best_accuracy;
        if best {
            best_accuracy = eval.accuracy;
            observer.best_model(epoch, &valid).await;
            observer.event(&Event::Checkpoint {
                epoch,
                val_accuracy: eval.accuracy,
                best_val_accuracy: best_accuracy,
            });
        }
        if observer.wants_checkpoints() {
            let run = RunState {
                config: config.clone(),
                epochs_done: epoch + 1,
                lr: lr_state.clone(),
                best_val_accuracy: best_accuracy.is_finite().then_some(best_accuracy),
                adam_steps: learner.adam().steps(),
                history: history.clone(),
            };
            let checkpoint = match Checkpoint::capture(learner.model(), learner.adam(), run).await {
                Ok(checkpoint) => checkpoint,
                Err(source @ RunCheckpointError::NonFinite(_)) => {
                    return Err(TrainError::NonFiniteWeights { epoch, lr, source });
                }
                Err(e) => return Err(e.into()),
            };
            observer.checkpoint(&checkpoint, best).await;
        }
    }

    let model = learner.model().valid();
    let (test_loss, test_accuracy) = match history.last() {
        Some(last) if !stopped => (last.val_loss, last.val_accuracy),
        _ => {
            let eval =
                evaluate_batches(&model, &data.test, &mut test_batches, test_limit, &eval_device).await?;
            (eval.loss, eval.accuracy)
        }
    };
    observer.event(&Event::Finished {
        epochs_done: history.len(),
        stopped,
        test_loss,
        test_accuracy,
    });
    Ok(Outcome { model, history, stopped, mean })
}
