//! What a run measures and reports: the events of a run (one JSON object each in the CLI's
//! `metrics.jsonl`, messages to the page), the metrics of a finished epoch (the history a
//! checkpoint keeps and the page exports), the evaluation of a model on the test batch and
//! running sums over training steps. Plain host values: computing them on the device is
//! [`crate::trainer`]'s.

use serde::{Deserialize, Serialize};

/// Sums over some training steps, as read back from the device: the loss weighted by the images
/// of each step, the correct predictions and the images.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    pub loss: f64,
    pub correct: f64,
    pub images: usize,
}

impl Sums {
    /// Adds the sums of later steps.
    pub fn add(&mut self, later: Sums) {
        self.loss += later.loss;
        self.correct += later.correct;
        self.images += later.images;
    }

    /// Mean loss per image (0 when there are none).
    pub fn mean_loss(&self) -> f64 {
        self.loss / self.images.max(1) as f64
    }

    /// Share of correct predictions (0 when there are none).
    pub fn accuracy(&self) -> f64 {
        self.correct / self.images.max(1) as f64
    }
}

/// Evaluation of a model on a split.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
    /// `confusion[true][predicted]`, counts.
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

impl EpochMetrics {
    /// The metrics of epoch `epoch`, trained at `lr` with `train` over `train_seconds`, then
    /// evaluated as `eval`; `seconds` in all.
    pub fn new(epoch: usize, lr: f64, train: Sums, eval: &Evaluation, train_seconds: f64, seconds: f64) -> Self {
        Self {
            epoch,
            lr,
            train_loss: train.mean_loss(),
            train_accuracy: train.accuracy(),
            val_loss: eval.loss,
            val_accuracy: eval.accuracy,
            per_class_accuracy: eval.per_class_accuracy(),
            confusion: eval.confusion.clone(),
            seconds,
            images_per_sec: train.images as f64 / train_seconds.max(1e-9),
        }
    }
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
    /// The gradient's L2 norm for each weight layer, by depth (the convolution kernels in order,
    /// projections where they sit, then the classifier), from the backward pass of the step that
    /// closed the metrics window — read with that window's losses, no extra pass.
    Gradients {
        epoch: usize,
        /// Steps done in this epoch.
        step: usize,
        /// The layers' names, as in checkpoints (`stem.conv.weight`, `blocks.0.first.conv.weight`,
        /// …, `fc.weight`).
        layers: Vec<String>,
        norms: Vec<f64>,
    },
    /// The first layer's kernels (`stem.conv.weight`, `[16, 3, 3, 3]`): before the first step
    /// (`after_epoch: None`) and after every epoch.
    Filters { after_epoch: Option<usize>, shape: [usize; 4], weights: Vec<f32> },
    /// The plateau reducer cut the learning rate.
    LrReduced { epoch: usize, next_lr: f64 },
    /// The seed's `ModelCheckpoint(monitor='val_acc', save_best_only=True)` fired.
    Checkpoint { epoch: usize, val_accuracy: f64, best_val_accuracy: f64 },
    /// The run is over (all epochs done, or stopped).
    Finished { epochs_done: usize, stopped: bool, test_loss: f64, test_accuracy: f64 },
}
