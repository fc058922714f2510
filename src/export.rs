//! What a student takes away from a run: the metrics history as CSV or JSON, and the run's
//! settings as a URL query that pre-fills the page's controls.

use crate::model::ModelKind;
use crate::recipe::TrainConfig;
use crate::trainer::EpochMetrics;

/// The per-epoch history as CSV (one header line, one line per epoch, per-class accuracies last).
pub fn history_csv(history: &[EpochMetrics]) -> String {
    let mut out = String::from(
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_sec",
    );
    for class in 0..crate::data::NUM_CLASSES {
        out.push_str(&format!(",val_accuracy_class_{class}"));
    }
    out.push('\n');
    for m in history {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}",
            m.epoch + 1,
            m.lr,
            m.train_loss,
            m.train_accuracy,
            m.val_loss,
            m.val_accuracy,
            m.seconds,
            m.images_per_sec
        ));
        for accuracy in &m.per_class_accuracy {
            out.push_str(&format!(",{accuracy}"));
        }
        out.push('\n');
    }
    out
}

/// The per-epoch history as pretty JSON.
pub fn history_json(history: &[EpochMetrics]) -> String {
    serde_json::to_string_pretty(history).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The settings a person chooses on the page, as a URL query
/// (`model=resnet20v1&batch_size=32&epochs=200&lr=0.001&augment=1`), plus `train_images=` and
/// `test_images=` when the run uses only part of the data (a quick look, or a test).
pub fn config_to_query(config: &TrainConfig) -> String {
    let mut query = format!(
        "model={}&batch_size={}&epochs={}&lr={}&augment={}",
        config.model,
        config.batch_size,
        config.epochs,
        config.learning_rate,
        u8::from(config.augment)
    );
    if let Some(n) = config.limit_train {
        query.push_str(&format!("&train_images={n}"));
    }
    if let Some(n) = config.limit_test {
        query.push_str(&format!("&test_images={n}"));
    }
    query
}

/// Reads a query written by [`config_to_query`] (a leading `?` is fine) over the defaults.
/// Unknown keys are ignored; a bad value is an error naming the key.
pub fn config_from_query(query: &str) -> Result<TrainConfig, String> {
    let mut config = TrainConfig::default();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = |what: &str| format!("{key}={value}: {what}");
        match key {
            "model" => config.model = value.parse::<ModelKind>().map_err(|e| bad(&e.to_string()))?,
            "batch_size" => {
                config.batch_size = value.parse().ok().filter(|b| *b >= 2).ok_or_else(|| bad("an integer ≥ 2"))?
            }
            "epochs" => config.epochs = value.parse().ok().filter(|e| *e >= 1).ok_or_else(|| bad("an integer ≥ 1"))?,
            "lr" => {
                config.learning_rate = value
                    .parse()
                    .ok()
                    .filter(|lr: &f64| lr.is_finite() && *lr > 0.0)
                    .ok_or_else(|| bad("a positive number"))?
            }
            "augment" => {
                config.augment = match value {
                    "1" | "true" => true,
                    "0" | "false" => false,
                    _ => return Err(bad("1 or 0")),
                }
            }
            "train_images" => {
                config.limit_train =
                    Some(value.parse().ok().filter(|n| *n >= 2).ok_or_else(|| bad("an integer ≥ 2"))?)
            }
            "test_images" => {
                config.limit_test = Some(value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| bad("an integer ≥ 1"))?)
            }
            _ => {}
        }
    }
    Ok(config)
}
