//! Finished runs as the lab keeps them (IndexedDB's `runs` store in the page): settings,
//! history, when, and which experiment they were part of; and the overlay of several runs'
//! error curves, for the charts and the exports.

use serde::{Deserialize, Serialize};

use crate::experiment::Experiment;
use crate::metrics::EpochMetrics;
use crate::recipe::TrainConfig;

/// A run that ended (finished, or stopped after at least one epoch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unique in the store: the model and the start time.
    pub id: String,
    /// When the run started (milliseconds since 1970, UTC).
    pub started_ms: f64,
    pub config: TrainConfig,
    pub history: Vec<EpochMetrics>,
    /// Whether it was stopped before its last epoch.
    pub stopped: bool,
    /// The device it trained on, as the page named it.
    pub device: String,
    /// The experiment it is part of: its start time (the experiment's id) and which one.
    pub experiment: Option<(f64, Experiment)>,
}

impl RunRecord {
    pub fn best_accuracy(&self) -> Option<f64> {
        self.history.iter().map(|m| m.val_accuracy).fold(None, |best, a| Some(best.map_or(a, |b: f64| b.max(a))))
    }

    /// Whether `self` is the earlier state of the run that now has `config` and `history` (a
    /// continued run updates its record instead of adding one): the same settings but for the
    /// number of epochs, and the same first epoch, to the bit (training is deterministic).
    pub fn continued_by(&self, config: &TrainConfig, history: &[EpochMetrics]) -> bool {
        let same = TrainConfig { epochs: config.epochs, ..self.config.clone() } == *config;
        same && !self.history.is_empty() && history.starts_with(&self.history[..1])
    }

    /// A short label: the model, and «sin aumentación» / «no augmentation» style suffix given.
    pub fn label(&self, no_augment: &str) -> String {
        config_label(&self.config, no_augment)
    }
}

/// A run's network as people read it, `no_augment` after it when augmentation is off.
pub fn config_label(config: &TrainConfig, no_augment: &str) -> String {
    let model = config.model.label();
    if config.augment { model } else { format!("{model} ({no_augment})") }
}

/// Colours of the overlaid runs, `(r, g, b)`, in order (then again).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (23, 190, 207),
];

/// One curve of the overlay: a run's training or test error (%) by epoch (from 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub label: String,
    pub color: (u8, u8, u8),
    /// Training error: drawn dashed and thin, as in He et al.'s figures; test error solid.
    pub training: bool,
    pub points: Vec<(f64, f64)>,
}

/// The overlay of `runs` (each with its label): two curves per run, training then test error.
pub fn overlay(runs: &[(&RunRecord, String)], train_word: &str, test_word: &str) -> Vec<Curve> {
    runs.iter()
        .enumerate()
        .flat_map(|(i, (run, label))| {
            let color = PALETTE[i % PALETTE.len()];
            let curve = |training: bool| Curve {
                label: format!("{label} · {}", if training { train_word } else { test_word }),
                color,
                training,
                points: run
                    .history
                    .iter()
                    .map(|m| ((m.epoch + 1) as f64, 100.0 * (1.0 - if training { m.train_accuracy } else { m.val_accuracy })))
                    .collect(),
            };
            [curve(true), curve(false)]
        })
        .collect()
}

/// The overlaid runs as CSV, one row per run and epoch.
pub fn overlay_csv(runs: &[&RunRecord]) -> String {
    let mut out = String::from("run,model,augment,epoch,train_loss,train_error,val_loss,val_error,seconds\n");
    for run in runs {
        for m in &run.history {
            out.push_str(&format!(
                "{},{},{},{},{:.6},{:.6},{:.6},{:.6},{:.3}\n",
                run.id,
                run.config.model,
                u8::from(run.config.augment),
                m.epoch + 1,
                m.train_loss,
                1.0 - m.train_accuracy,
                m.val_loss,
                1.0 - m.val_accuracy,
                m.seconds
            ));
        }
    }
    out
}

/// The overlaid runs as JSON: their records, whole.
pub fn overlay_json(runs: &[&RunRecord]) -> String {
    serde_json::to_string_pretty(runs).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
