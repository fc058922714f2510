//! What a student takes away from a run: the metrics history as CSV or JSON, and the run's
//! settings as a URL query that pre-fills the page's controls.

use crate::conv::ConvRoute;
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
    if config.conv != ConvRoute::Auto {
        query.push_str(&format!("&conv={}", config.conv.name()));
    }
    query
}

/// A value of a link that cannot be used: its key, the value, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkError {
    pub key: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}={}: {}", self.key, self.value, self.reason)
    }
}

/// Applies a link's `(key, value)` pairs (already decoded, e.g. by the browser's
/// `URLSearchParams`) over the defaults. Every usable value is kept; every bad one is returned,
/// named, and leaves its setting at the default. Unknown keys (`lang`, …) are not settings and
/// are ignored. Bounds are [`TrainConfig::validate`]'s.
pub fn config_from_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> (TrainConfig, Vec<LinkError>) {
    let mut config = TrainConfig::default();
    let mut errors = Vec::new();
    for (key, value) in pairs {
        let (key, value) = (key.as_ref(), value.as_ref());
        let mut next = config.clone();
        let parsed: Result<(), String> = match key {
            "model" => value.parse::<ModelKind>().map(|m| next.model = m).map_err(|e| e.to_string()),
            "batch_size" => value.parse().map(|b| next.batch_size = b).map_err(|_| "not a whole number".into()),
            "epochs" => value.parse().map(|e| next.epochs = e).map_err(|_| "not a whole number".into()),
            "lr" => value.parse().map(|lr| next.learning_rate = lr).map_err(|_| "not a number".into()),
            "augment" => match value {
                "1" | "true" => Ok(next.augment = true),
                "0" | "false" => Ok(next.augment = false),
                _ => Err("1 or 0".into()),
            },
            "train_images" => value.parse().map(|n| next.limit_train = Some(n)).map_err(|_| "not a whole number".into()),
            "test_images" => value.parse().map(|n| next.limit_test = Some(n)).map_err(|_| "not a whole number".into()),
            "conv" => value.parse().map(|route| next.conv = route),
            _ => continue,
        };
        match parsed.and_then(|()| next.validate().map_err(|e| reason_of(&e))) {
            Ok(()) => config = next,
            Err(reason) => errors.push(LinkError { key: key.into(), value: value.into(), reason }),
        }
    }
    (config, errors)
}

/// A [`crate::recipe::ConfigError`] without its leading `key=value: `.
fn reason_of(e: &crate::recipe::ConfigError) -> String {
    let text = e.to_string();
    text.split_once(": ").map_or(text.clone(), |(_, reason)| reason.to_string())
}

/// Reads a query written by [`config_to_query`] (a leading `?` is fine) over the defaults.
/// Unknown keys are ignored; the first bad value is an error naming the key. (A plain split on
/// `&` and `=`, without percent-decoding: the page decodes with the browser's own URL parser
/// and calls [`config_from_pairs`].)
pub fn config_from_query(query: &str) -> Result<TrainConfig, String> {
    let pairs = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")));
    match config_from_pairs(pairs) {
        (config, errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(errors[0].to_string()),
    }
}
