//! The lab's experiments: which networks each one trains, how big a budget of time makes each
//! run, and what the finished runs say. Pure arithmetic, shared by the page and its tests.
//!
//! An experiment trains its *arms* one after another with the same seed, the same training and
//! test subsets and the same number of epochs. The budget is set from the speed measured on the
//! visitor's device ([`Speed`]), scaled by each network's floating-point operations, so that the
//! whole experiment fits the time the visitor chose.

use serde::{Deserialize, Serialize};

use crate::metrics::EpochMetrics;
use crate::model::ModelKind;
use crate::recipe::TrainConfig;

/// One of the lab's experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Experiment {
    /// He et al. 2016, Fig. 6: plain-20 and plain-56 against ResNet-20 and ResNet-56.
    Degradation,
    /// ResNet-20 v1 with and without the seed's random shifts and flips.
    Augmentation,
    /// ResNet-20 v1 against the seed's ResNet-29 v2.
    Versions,
}

/// One network of an experiment, with the setting it varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arm {
    pub model: ModelKind,
    pub augment: bool,
}

impl Experiment {
    pub const ALL: [Experiment; 3] = [Experiment::Degradation, Experiment::Augmentation, Experiment::Versions];

    /// The name in links and in the page's `data-experiment` attributes.
    pub fn key(self) -> &'static str {
        match self {
            Experiment::Degradation => "degradation",
            Experiment::Augmentation => "augmentation",
            Experiment::Versions => "versions",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The networks it trains, in order (the cheap ones first: a short budget still finishes
    /// something to compare).
    pub fn arms(self) -> Vec<Arm> {
        let v1 = |depth| ModelKind { version: crate::model::Version::V1, depth };
        let plain = |depth| ModelKind { version: crate::model::Version::Plain, depth };
        let arm = |model, augment| Arm { model, augment };
        match self {
            Experiment::Degradation => {
                vec![arm(plain(20), true), arm(v1(20), true), arm(plain(56), true), arm(v1(56), true)]
            }
            Experiment::Augmentation => vec![arm(v1(20), true), arm(v1(20), false)],
            Experiment::Versions => vec![arm(v1(20), true), arm(ModelKind::RESNET29_V2, true)],
        }
    }
}

/// What a device achieves, measured: effective GFLOP/s over whole epochs (training steps,
/// evaluation, and what surrounds them). Networks of the same family run at about the same rate,
/// so one measurement predicts the others' times from their operation counts. (One rate for the
/// whole epoch: the trainer's split between training and evaluation time moves work that is
/// still queued at the end of the steps into the evaluation, which skews two separate rates on
/// short epochs.)
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    pub gflops: f64,
}

impl Speed {
    /// The speed one finished epoch shows: `train_images` trained and `test_images` evaluated
    /// by a network costing `cost`, in the epoch's `seconds`.
    pub fn from_epoch(m: &EpochMetrics, train_images: usize, test_images: usize, cost: Cost) -> Option<Speed> {
        let flops = train_images as f64 * cost.train_flops as f64 + test_images as f64 * cost.forward_flops as f64;
        let gflops = flops / 1e9 / m.seconds;
        (gflops.is_finite() && gflops > 0.0).then_some(Speed { gflops })
    }

    /// The speed of training steps alone, `images_per_sec` of a network costing `cost` (a short
    /// measurement, whose epochs are too small for their fixed costs not to dominate); the
    /// evaluation is assumed to run at the same rate per operation.
    pub fn from_training(images_per_sec: f64, cost: Cost) -> Option<Speed> {
        let gflops = images_per_sec * cost.train_flops as f64 / 1e9;
        (gflops.is_finite() && gflops > 0.0).then_some(Speed { gflops })
    }

    /// Seconds of one epoch of `train` training and `test` evaluated images of a network.
    pub fn epoch_seconds(&self, cost: Cost, train: usize, test: usize) -> f64 {
        (train as f64 * cost.train_flops as f64 + test as f64 * cost.forward_flops as f64) / (self.gflops * 1e9)
    }
}

/// A network's floating-point operations per image: a training step, and a forward pass
/// ([`crate::summary::Summary`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub train_flops: u64,
    pub forward_flops: u64,
}

impl Cost {
    /// The counts of a network from its summary.
    pub fn of(summary: &crate::summary::Summary) -> Self {
        Cost { train_flops: summary.training_flops_per_image(), forward_flops: summary.forward_flops() }
    }
}

/// Seconds each run spends outside its epochs (model set-up, first-step compilation, the
/// predictions after each epoch), assumed by the plan.
pub const RUN_OVERHEAD_S: f64 = 3.0;
/// The epochs a plan aims at (points on the curves), and the fewest it accepts.
pub const TARGET_EPOCHS: usize = 8;
pub const MIN_EPOCHS: usize = 2;
/// Test images each epoch evaluates, at most and at least.
pub const MAX_TEST: usize = 1000;
pub const MIN_TEST: usize = 100;

/// The data a plan may use: the archive's sizes, the batch size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Available {
    pub train: usize,
    pub test: usize,
    pub batch_size: usize,
}

/// The runs of an experiment (or of a single preset), all with the same subsets and epochs,
/// and the time they are expected to take on the measured device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `None` for a single run (a preset).
    pub experiment: Option<Experiment>,
    pub runs: Vec<TrainConfig>,
    pub epochs: usize,
    pub train_images: usize,
    pub test_images: usize,
    /// The budget asked for and the time expected, in seconds.
    pub budget_seconds: f64,
    pub expected_seconds: f64,
}

impl Plan {
    /// Whether the expected time is within the budget (a tiny budget may not hold even the
    /// smallest runs, which the plan then still proposes, saying so).
    pub fn fits(&self) -> bool {
        self.expected_seconds <= self.budget_seconds * 1.001
    }
}

/// Seconds the runs `costs` take with these subsets and epochs.
pub fn expected_seconds(speed: &Speed, costs: &[Cost], epochs: usize, train: usize, test: usize) -> f64 {
    costs.iter().map(|&c| RUN_OVERHEAD_S + epochs as f64 * speed.epoch_seconds(c, train, test)).sum()
}

/// The subsets and epochs that fill `budget_seconds` with the runs `costs` on a device of
/// `speed`: [`TARGET_EPOCHS`] epochs over as many training images as fit (a whole number of
/// batches), up to [`MAX_TEST`] test images; more epochs when the whole training set fits, fewer
/// (down to [`MIN_EPOCHS`]) before fewer than two batches' worth of images. Returns
/// `(epochs, train_images, test_images)`.
pub fn fill(speed: &Speed, costs: &[Cost], budget_seconds: f64, available: Available) -> (usize, usize, usize) {
    let batch = available.batch_size.max(2);
    let min_train = (2 * batch).min(available.train);
    let per_train: f64 = costs.iter().map(|&c| speed.epoch_seconds(c, 1, 0)).sum();
    let per_test: f64 = costs.iter().map(|&c| speed.epoch_seconds(c, 0, 1)).sum();
    let usable = budget_seconds - RUN_OVERHEAD_S * costs.len() as f64;
    let test = available.test.clamp(1, MAX_TEST);
    // Training images one epoch of every run can afford, with `test` test images.
    let train_for = |epochs: usize, test: usize| -> usize {
        let per_epoch = usable / epochs as f64 - per_test * test as f64;
        let n = (per_epoch / per_train).floor().max(0.0) as usize;
        (n / batch * batch).min(available.train)
    };
    for epochs in (MIN_EPOCHS..=TARGET_EPOCHS).rev() {
        let train = train_for(epochs, test);
        if train >= min_train.max(1000.min(available.train)) || (epochs == MIN_EPOCHS && train >= min_train) {
            if train == available.train {
                // Everything fits: spend the rest of the budget on more epochs.
                let per_epoch = per_train * train as f64 + per_test * test as f64;
                let more = (usable / per_epoch).floor() as usize;
                return (more.clamp(epochs, crate::recipe::EPOCHS.end().to_owned()), train, test);
            }
            return (epochs, train, test);
        }
    }
    // Not even two epochs over two batches with the full test subset: fewer test images, then
    // the smallest run possible (over budget; the plan says so).
    let small_test = MIN_TEST.min(available.test).max(1);
    let train = train_for(MIN_EPOCHS, small_test).max(min_train);
    (MIN_EPOCHS, train, small_test)
}

/// The plan of `experiment` (or, with `None`, of the single run `base`) within `budget_seconds`.
/// Every run is `base` (seed, batch size, learning rate…) with its arm's model and augmentation,
/// the plan's subsets and epochs; `costs` are the arms' operation counts, in order.
pub fn plan(
    experiment: Option<Experiment>,
    base: &TrainConfig,
    costs: &[Cost],
    speed: &Speed,
    budget_seconds: f64,
    available: Available,
) -> Plan {
    let arms = match experiment {
        Some(e) => e.arms(),
        None => vec![Arm { model: base.model, augment: base.augment }],
    };
    assert_eq!(arms.len(), costs.len(), "one cost per arm");
    let (epochs, train_images, test_images) = fill(speed, costs, budget_seconds, available);
    let runs = arms
        .iter()
        .map(|arm| TrainConfig {
            model: arm.model,
            augment: arm.augment,
            epochs,
            limit_train: (train_images < available.train).then_some(train_images),
            limit_test: (test_images < available.test).then_some(test_images),
            ..base.clone()
        })
        .collect();
    Plan {
        experiment,
        runs,
        epochs,
        train_images,
        test_images,
        budget_seconds,
        expected_seconds: expected_seconds(speed, costs, epochs, train_images, test_images),
    }
}

/// The expected seconds of the single run `config` (the presets' and the controls' ETA).
pub fn run_seconds(speed: &Speed, cost: Cost, config: &TrainConfig, available: Available) -> f64 {
    let train = config.limit_train.unwrap_or(available.train).min(available.train);
    let test = config.limit_test.unwrap_or(available.test).min(available.test);
    expected_seconds(speed, &[cost], config.epochs, train, test)
}

/// A run's final errors (fractions): training and test, from its last epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Errors {
    pub train: f64,
    pub test: f64,
}

impl Errors {
    pub fn of(history: &[EpochMetrics]) -> Option<Errors> {
        history.last().map(|m| Errors { train: 1.0 - m.train_accuracy, test: 1.0 - m.val_accuracy })
    }
}

/// Final errors of each experiment's networks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Numbers {
    /// Plain-20, plain-56, ResNet-20, ResNet-56.
    Degradation { plain20: Errors, plain56: Errors, resnet20: Errors, resnet56: Errors },
    /// With and without augmentation.
    Augmentation { with: Errors, without: Errors },
    /// v1 (ResNet-20) and v2 (ResNet-29).
    Versions { v1: Errors, v2: Errors },
}

/// Whether the runs show what the paper (or the recipe) leads the reader to expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Shown,
    /// Clearly not: a difference the other way, beyond the noise.
    NotShown,
    /// The differences are within the noise of so few images.
    Unclear,
    /// A network the comparison rests on did no better than guessing ([`Finding::guessing`]):
    /// whatever the differences, they show nothing about the claim.
    Guessing,
}

/// The error of a network that guesses: one class in ten right.
pub const CHANCE_ERROR: f64 = 0.9;

/// Whether an error rate measured on `n` images is below guessing's by more than the noise
/// (twice the standard error of a rate of 90 % on `n` images).
pub fn beats_chance(error: f64, n: usize) -> bool {
    let n = n.max(1) as f64;
    CHANCE_ERROR - error > 2.0 * (CHANCE_ERROR * (1.0 - CHANCE_ERROR) / n).sqrt()
}

/// A network of an experiment, by its part in the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    Plain20,
    Plain56,
    ResNet20,
    ResNet56,
    /// With augmentation.
    With,
    /// Without augmentation.
    Without,
    V1,
    V2,
}

/// What an experiment's finished runs show, in numbers; the page puts it in words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finding {
    pub numbers: Numbers,
    /// The images each error was measured on (the noise of an error rate depends on them).
    pub train_images: usize,
    pub test_images: usize,
}

/// Twice the standard error of the difference of two error rates measured on `n` images each:
/// a difference smaller than this is as likely noise as not.
pub fn noise(a: f64, b: f64, n: usize) -> f64 {
    let n = n.max(1) as f64;
    2.0 * ((a * (1.0 - a) + b * (1.0 - b)) / n).sqrt()
}

/// `Some(true)` when `higher` is above `lower` by more than the noise, `Some(false)` when it is
/// below by more than the noise, `None` in between.
fn beyond_noise(higher: f64, lower: f64, margin: f64) -> Option<bool> {
    let d = higher - lower;
    (d.abs() > margin).then_some(d > 0.0)
}

impl Finding {
    /// From the histories of the experiment's runs, in [`Experiment::arms`] order, trained on
    /// `train_images` and evaluated on `test_images`; `None` until every arm has an epoch.
    pub fn of(experiment: Experiment, histories: &[&[EpochMetrics]], train_images: usize, test_images: usize) -> Option<Finding> {
        let errors: Vec<Errors> = histories.iter().map(|h| Errors::of(h)).collect::<Option<_>>()?;
        let numbers = match (experiment, errors.as_slice()) {
            (Experiment::Degradation, &[plain20, resnet20, plain56, resnet56]) => {
                Numbers::Degradation { plain20, plain56, resnet20, resnet56 }
            }
            (Experiment::Augmentation, &[with, without]) => Numbers::Augmentation { with, without },
            (Experiment::Versions, &[v1, v2]) => Numbers::Versions { v1, v2 },
            _ => return None,
        };
        Some(Finding { numbers, train_images, test_images })
    }

    /// The comparisons the verdict rests on, each with the noise it is judged against:
    /// - degradation: plain-56 ends with a higher *training* error than plain-20; ResNet-56 with a
    ///   lower one than ResNet-20;
    /// - augmentation: without it the gap between test and training error is wider;
    /// - versions: v2 ends with the lower test error.
    pub fn checks(&self) -> Vec<Check> {
        let (n, m) = (self.train_images, self.test_images);
        let check = |higher: f64, lower: f64, margin: f64| Check { holds: beyond_noise(higher, lower, margin), margin };
        match self.numbers {
            Numbers::Degradation { plain20, plain56, resnet20, resnet56 } => vec![
                check(plain56.train, plain20.train, noise(plain56.train, plain20.train, n)),
                check(resnet20.train, resnet56.train, noise(resnet20.train, resnet56.train, n)),
            ],
            Numbers::Augmentation { with, without } => {
                let margin = (noise(with.train, without.train, n).powi(2) + noise(with.test, without.test, m).powi(2)).sqrt();
                vec![check(without.test - without.train, with.test - with.train, margin)]
            }
            Numbers::Versions { v1, v2 } => vec![check(v1.test, v2.test, noise(v1.test, v2.test, m))],
        }
    }

    /// The networks the comparison needs to have learned something, that did not: their error
    /// (training error for degradation, which is about training; test error otherwise) is not
    /// below guessing's beyond the noise. Degradation needs plain-20 and ResNet-56, the ones
    /// expected to end lower (plain-56 stuck near guessing is the degradation itself); the other
    /// experiments need both networks (a network that learned beside one that did not says
    /// nothing about augmentation or the version).
    pub fn guessing(&self) -> Vec<Net> {
        let (n, m) = (self.train_images, self.test_images);
        let needed = match self.numbers {
            Numbers::Degradation { plain20, resnet56, .. } => vec![(Net::Plain20, plain20.train, n), (Net::ResNet56, resnet56.train, n)],
            Numbers::Augmentation { with, without } => vec![(Net::With, with.test, m), (Net::Without, without.test, m)],
            Numbers::Versions { v1, v2 } => vec![(Net::V1, v1.test, m), (Net::V2, v2.test, m)],
        };
        needed.into_iter().filter(|&(_, error, n)| !beats_chance(error, n)).map(|(net, ..)| net).collect()
    }

    /// Guessing when a network the comparison needs learned nothing ([`Finding::guessing`]);
    /// else shown when every check holds beyond the noise; not shown when one is reversed
    /// beyond it; unclear otherwise.
    pub fn verdict(&self) -> Verdict {
        let checks = self.checks();
        if !self.guessing().is_empty() {
            Verdict::Guessing
        } else if checks.iter().any(|c| c.holds == Some(false)) {
            Verdict::NotShown
        } else if checks.iter().all(|c| c.holds == Some(true)) {
            Verdict::Shown
        } else {
            Verdict::Unclear
        }
    }
}

/// One comparison of a finding: whether it holds (`None`: within the noise), and the noise, as
/// a fraction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    pub holds: Option<bool>,
    pub margin: f64,
}

/// An experiment under way, as the lab stores it: its id (its start time, milliseconds since
/// 1970), its plan, and the run to do next (the ones before it are finished and kept).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ongoing {
    pub id: f64,
    pub plan: Plan,
    pub next: usize,
}

impl Ongoing {
    pub fn experiment(&self) -> Option<Experiment> {
        self.plan.experiment
    }
}
