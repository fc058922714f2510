//! The one training loop, shared unchanged by the native CLI (`pollster::block_on`) and the page
//! (`spawn_local`). It is `async` and only ever reads tensors with `*_async` calls, batched into
//! one [`Transaction`] every few steps, because a browser forbids synchronous GPU reads.
//!
//! In this file: the host's side of a run ([`Observer`], [`Control`], [`Current`], [`Outcome`]),
//! evaluation and prediction on a split, then [`train_from`] and the phases of a run (`Run`:
//! start, each epoch's steps, its evaluation, finish). One step is [`crate::learner`]'s, what is
//! reported ([`Event`], [`EpochMetrics`]) is in [`crate::metrics`], run checkpoints in
//! [`crate::checkpoint`].

use std::borrow::Cow;
use std::future::Future;

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::Transaction;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use thiserror::Error;
use web_time::Instant;

use crate::augment::Transform;
use crate::checkpoint::{Checkpoint, RunCheckpointError, RunState};
use crate::data::{Cifar10, NUM_CLASSES, SIDE, Split};
use crate::explore::argmax;
use crate::metrics::Sums;
use crate::model::{ModelError, ResNet};
use crate::pipeline::{Batches, PipelineError};
use crate::prepared::Prepared;
use crate::recipe::{LrState, TrainConfig};
use crate::summary::Summary;

// Under their earlier paths (`crate::trainer::…`) until every caller uses the modules they live in.
pub use crate::learner::{Learner, initial_model};
pub use crate::metrics::{EpochMetrics, Evaluation, Event};

/// Why a run could not go on.
#[derive(Debug, Error)]
pub enum TrainError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("invalid setting: {0}")]
    Config(String),
    #[error("reading results back from the device failed: {0}")]
    Device(String),
    #[error("the images cannot be put on the device: {0}")]
    Pipeline(#[from] PipelineError),
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
    evaluate_batches(model, split, &mut Batches::new(split, mean, device)?, limit, device).await
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

/// Where a run starts.
pub enum Start {
    /// A new run of these settings.
    Fresh(TrainConfig),
    /// The run saved in a checkpoint, continued with its next epoch up to its `config.epochs`
    /// (which the caller may raise).
    Resume(Box<Checkpoint>),
}

impl Start {
    /// The run's settings.
    pub fn config(&self) -> &TrainConfig {
        match self {
            Start::Fresh(config) => config,
            Start::Resume(checkpoint) => &checkpoint.run.config,
        }
    }
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
    train_prepared(data, None, start, device, observer).await
}

/// Like [`train_from`], starting from `prepared` (the pixel mean, and the splits on the GPU)
/// when it was made from `data` for `device` ([`Prepared::is_for`]); the run is the same run
/// either way.
pub async fn train_prepared(
    data: &Cifar10,
    prepared: Option<&Prepared>,
    start: Start,
    device: &Device,
    observer: &mut impl Observer,
) -> Result<Outcome, TrainError> {
    let prepared = prepared.filter(|p| p.is_for(data, device));
    let inputs = Inputs::new(data, start.config(), prepared)?;
    prepared.inspect(|p| p.count_run());
    let mut run = Run::start(data, &inputs, start, device, observer)?;
    // The first layer's filters as they start (a resumed run: as the last epoch left them).
    let after = run.first_epoch.checked_sub(1);
    run.report_filters(after, observer).await?;
    let mut stopped = false;
    for epoch in run.first_epoch..run.config.epochs {
        match run.epoch(epoch, observer).await? {
            Some(trained) => run.evaluate_epoch(epoch, trained, observer).await?,
            None => {
                stopped = true;
                break;
            }
        }
    }
    run.finish(stopped, observer).await
}

/// The pixel mean a run of `config` on `data` normalises with (empty when it subtracts none),
/// as its training saw it: for a saved run's model used again after a reload.
pub fn run_mean(data: &Cifar10, config: &TrainConfig, prepared: Option<&Prepared>) -> Result<Vec<f32>, TrainError> {
    Ok(Inputs::new(data, config, prepared)?.mean.into_owned())
}

// ---------------------------------------------------------------------------------------------
// The phases of a run: `Run::start`, then `epoch` and `evaluate_epoch` for each epoch, `finish`.
// ---------------------------------------------------------------------------------------------

/// What a run trains on, fixed for the whole run: the training images it uses, the pixel mean
/// it normalises with (empty when it subtracts none), and the data prepared for it, if any.
struct Inputs<'a> {
    train: Cow<'a, Split>,
    mean: Cow<'a, [f32]>,
    prepared: Option<&'a Prepared>,
}

impl<'a> Inputs<'a> {
    /// Checks `config` ([`TrainConfig::validate`]) and takes its training images from `data`;
    /// `prepared` is one made from `data` for the run's device.
    fn new(data: &'a Cifar10, config: &TrainConfig, prepared: Option<&'a Prepared>) -> Result<Self, TrainError> {
        // The same bounds as the page's controls and its links.
        config.validate().map_err(|e| TrainError::Config(e.to_string()))?;
        let train = match config.limit_train {
            Some(n) if n < data.train.len() => Cow::Owned(data.train.truncated(n)),
            _ => Cow::Borrowed(&data.train),
        };
        if train.len() < 2 {
            return Err(TrainError::Config("need at least 2 training images".into()));
        }
        let mean = if config.subtract_pixel_mean { Prepared::mean_of(prepared, &train) } else { Cow::Owned(Vec::new()) };
        Ok(Self { train, mean, prepared })
    }
}

/// A run between two phases.
struct Run<'a> {
    config: TrainConfig,
    train: &'a Split,
    test: &'a Split,
    /// Test images evaluated.
    test_limit: usize,
    mean: &'a [f32],
    train_device: Device,
    eval_device: Device,
    learner: Learner,
    lr_state: LrState,
    history: Vec<EpochMetrics>,
    best_accuracy: f64,
    first_epoch: usize,
    steps_per_epoch: usize,
    train_batches: Batches<'a>,
    test_batches: Batches<'a>,
    /// The training images' order, reshuffled every epoch.
    order: Vec<usize>,
    /// The layers of [`Event::Gradients`], by depth.
    gradient_layers: Vec<String>,
}

/// An epoch whose steps are done, before its evaluation.
struct Trained {
    lr: f64,
    sums: Sums,
    started: Instant,
    /// Seconds of the steps.
    seconds: f64,
}

impl<'a> Run<'a> {
    /// The model and optimizer (fresh or restored), the schedule, the batches on their devices;
    /// reports [`Event::Started`].
    fn start(
        data: &'a Cifar10,
        inputs: &'a Inputs<'a>,
        start: Start,
        device: &Device,
        observer: &mut impl Observer,
    ) -> Result<Self, TrainError> {
        let config = start.config().clone();
        // Gradient checkpointing: batch norms, ReLUs and sums are recomputed in the backward pass
        // instead of kept, the same values with a smaller peak (BENCHMARKS.md, "Memory").
        let train_device = device.clone().autodiff().gradient_checkpointing();
        let eval_device = device.clone().without_autodiff();
        let (learner, lr_state, history, best_accuracy, first_epoch) = match &start {
            Start::Fresh(_) => (
                Learner::new(&config, &train_device)?,
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
        let train = inputs.train.as_ref();
        let n = train.len();
        // Keras runs ⌈n / batch⌉ steps; a last batch of a single image is dropped (batch
        // normalisation cannot normalise one sample).
        let steps_per_epoch = n / config.batch_size + usize::from(n % config.batch_size >= 2);
        let test_limit = config.limit_test.unwrap_or(usize::MAX);
        // On a wgpu device both splits go to the GPU once, as bytes, and every batch is made
        // there (`shaders/augment.wgsl`); on the CPU backend they are assembled on the host.
        // (Already there when the data was prepared for the device.)
        let (train_batches, test_batches) = match inputs.prepared.and_then(|p| p.batches(n, &inputs.mean)) {
            Some(batches) => batches?,
            None => (Batches::new(train, &inputs.mean, &train_device)?, Batches::new(&data.test, &inputs.mean, &eval_device)?),
        };
        let summary = Summary::of(learner.model());
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
        Ok(Self {
            config,
            train,
            test: &data.test,
            test_limit,
            mean: &inputs.mean,
            train_device,
            eval_device,
            lr_state,
            history,
            best_accuracy,
            first_epoch,
            steps_per_epoch,
            train_batches,
            test_batches,
            order: (0..n).collect(),
            gradient_layers: learner.gradient_layers(),
            learner,
        })
    }

    /// The steps of epoch `epoch`, reporting [`Event::Batch`] every `metrics_every` steps;
    /// `None` when the host stopped the run.
    async fn epoch(&mut self, epoch: usize, observer: &mut impl Observer) -> Result<Option<Trained>, TrainError> {
        let started = Instant::now();
        let config = &self.config;
        let (n, steps_per_epoch) = (self.train.len(), self.steps_per_epoch);
        let every = config.metrics_every.max(1);
        let max_shift = config.max_shift(SIDE);
        let lr = self.lr_state.lr(epoch);
        let mut rng = epoch_rng(config.seed, epoch);
        self.order.sort_unstable();
        self.order.shuffle(&mut rng);

        let mut sums = Sums::default();
        let mut window: Vec<(Tensor<1>, Tensor<1, Int>, usize)> = Vec::with_capacity(every);
        let mut window_start = Instant::now();
        for step in 0..steps_per_epoch {
            let current = Current { model: self.learner.model(), mean: self.mean };
            if observer.control(current).await == Control::Stop {
                return Ok(None);
            }
            let indices = &self.order[step * config.batch_size..((step + 1) * config.batch_size).min(n)];
            let transforms: Vec<Transform> = if config.augment {
                indices.iter().map(|_| Transform::sample(&mut rng, max_shift, true)).collect()
            } else {
                Vec::new()
            };
            let (images, labels) = self.train_batches.batch(indices, &transforms, &self.train_device);
            let last = step + 1 == steps_per_epoch;
            // The very first step is reported on its own, so that a person sees a number as soon
            // as the device has compiled its kernels; after that, one read every `every` steps.
            // (Only in a fresh run: a resumed one keeps the uninterrupted run's windows.)
            let first = epoch == 0 && step == 0;
            let closes_window = window.len() + 1 == every || last || first;
            // The step that closes a window also reports its gradient norms, read with the window.
            let (loss, correct, norms) = self.learner.step_reporting(images, labels, lr, closes_window);
            window.push((loss, correct, indices.len()));
            if closes_window {
                let (read, norms) = read_window(&mut window, norms, epoch, step, lr).await?;
                let elapsed = window_start.elapsed().as_secs_f64().max(1e-9);
                window_start = Instant::now();
                sums.add(read);
                observer.event(&Event::Batch {
                    epoch,
                    step: step + 1,
                    steps_per_epoch,
                    loss: read.mean_loss(),
                    accuracy: read.accuracy(),
                    lr,
                    images_per_sec: read.images as f64 / elapsed,
                });
                if let Some(norms) = norms {
                    observer.event(&Event::Gradients { epoch, step: step + 1, layers: self.gradient_layers.clone(), norms });
                }
            }
        }
        Ok(Some(Trained { lr, sums, started, seconds: started.elapsed().as_secs_f64() }))
    }

    /// Reports the first layer's kernels ([`Event::Filters`]).
    async fn report_filters(&self, after_epoch: Option<usize>, observer: &mut impl Observer) -> Result<(), TrainError> {
        let kernel = self.learner.model().stem.conv.weight.val().inner();
        let [f, c, kh, kw] = kernel.dims();
        let data = kernel.into_data_async().await.map_err(|e| TrainError::Device(format!("{e:?}")))?;
        let weights: Vec<f32> = data.iter::<f32>().collect();
        observer.event(&Event::Filters { after_epoch, shape: [f, c, kh, kw], weights });
        Ok(())
    }

    /// Evaluates the epoch's model on the test batch and reports it; then the plateau reducer,
    /// the best model and the checkpoint.
    async fn evaluate_epoch(&mut self, epoch: usize, trained: Trained, observer: &mut impl Observer) -> Result<(), TrainError> {
        let valid = self.learner.model().valid();
        let eval = evaluate_batches(&valid, self.test, &mut self.test_batches, self.test_limit, &self.eval_device).await?;
        let seconds = trained.started.elapsed().as_secs_f64();
        let metrics = EpochMetrics::new(epoch, trained.lr, trained.sums, &eval, trained.seconds, seconds);
        observer.event(&Event::Epoch(metrics.clone()));
        self.report_filters(Some(epoch), observer).await?;
        observer.epoch_end(epoch, &valid, self.mean, &eval).await;
        self.history.push(metrics);
        if self.lr_state.on_epoch_end(epoch, eval.loss) {
            observer.event(&Event::LrReduced { epoch, next_lr: self.lr_state.lr(epoch + 1) });
        }
        let best = eval.accuracy > self.best_accuracy;
        if best {
            self.best_accuracy = eval.accuracy;
            observer.best_model(epoch, &valid).await;
            observer.event(&Event::Checkpoint {
                epoch,
                val_accuracy: eval.accuracy,
                best_val_accuracy: self.best_accuracy,
            });
        }
        if observer.wants_checkpoints() {
            let checkpoint = self.checkpoint(epoch, trained.lr).await?;
            observer.checkpoint(&checkpoint, best).await;
        }
        Ok(())
    }

    /// The run after epoch `epoch` (trained at `lr`), read back from the device.
    async fn checkpoint(&self, epoch: usize, lr: f64) -> Result<Checkpoint, TrainError> {
        let best = self.best_accuracy;
        let run = RunState {
            config: self.config.clone(),
            epochs_done: epoch + 1,
            lr: self.lr_state.clone(),
            best_val_accuracy: best.is_finite().then_some(best),
            adam_steps: self.learner.adam().steps(),
            history: self.history.clone(),
        };
        match Checkpoint::capture(self.learner.model(), self.learner.adam(), run).await {
            Ok(checkpoint) => Ok(checkpoint),
            Err(source @ RunCheckpointError::NonFinite(_)) => Err(TrainError::NonFiniteWeights { epoch, lr, source }),
            Err(e) => Err(e.into()),
        }
    }

    /// Reports [`Event::Finished`] with the last evaluation (a new one when the run was stopped
    /// or trained no epoch) and hands the model over.
    async fn finish(mut self, stopped: bool, observer: &mut impl Observer) -> Result<Outcome, TrainError> {
        let model = self.learner.model().valid();
        let (test_loss, test_accuracy) = match self.history.last() {
            Some(last) if !stopped => (last.val_loss, last.val_accuracy),
            _ => {
                let eval =
                    evaluate_batches(&model, self.test, &mut self.test_batches, self.test_limit, &self.eval_device)
                        .await?;
                (eval.loss, eval.accuracy)
            }
        };
        observer.event(&Event::Finished { epochs_done: self.history.len(), stopped, test_loss, test_accuracy });
        Ok(Outcome { model, history: self.history, stopped, mean: self.mean.to_vec() })
    }
}

/// Reads the losses and correct counts of `window`'s steps, and the gradient norms of its last
/// step, back from the device in one transaction and empties it; a loss that is not finite
/// stops the run.
async fn read_window(
    window: &mut Vec<(Tensor<1>, Tensor<1, Int>, usize)>,
    norms: Option<Tensor<1>>,
    epoch: usize,
    step: usize,
    lr: f64,
) -> Result<(Sums, Option<Vec<f64>>), TrainError> {
    let mut transaction = Transaction::default();
    for (loss, correct, _) in window.iter() {
        transaction = transaction.register(loss.clone()).register(correct.clone());
    }
    let with_norms = norms.is_some();
    if let Some(norms) = norms {
        transaction = transaction.register(norms);
    }
    let mut values = transaction
        .execute_async()
        .await
        .map_err(|e| TrainError::Device(format!("{e:?}")))?;
    let norms = if with_norms {
        values.pop().map(|data| data.iter::<f32>().map(f64::from).collect::<Vec<f64>>())
    } else {
        None
    };
    let mut sums = Sums::default();
    for (pair, (_, _, count)) in values.chunks_exact(2).zip(window.iter()) {
        let value = read_f32(&pair[0])?;
        if !value.is_finite() {
            return Err(TrainError::NonFinite { epoch, step, value: value as f32, lr });
        }
        sums.loss += value * *count as f64;
        sums.correct += pair[1].iter::<i64>().next().unwrap_or(0) as f64;
        sums.images += count;
    }
    window.clear();
    Ok((sums, norms))
}
