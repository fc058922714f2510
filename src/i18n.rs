//! The page's interface in Spanish (first) and English. The lesson itself stays in Spanish.
//!
//! Every language is one [`Texts`] value, so a text missing in one language is a compile error
//! rather than a blank button. Static texts of `index.html` are looked up by their
//! `data-i18n` key in [`Texts::chrome`] (a test checks that both languages cover every key).

use serde::{Deserialize, Serialize};

use crate::checkpoint::RunCheckpointError;
use crate::classify::ImageInputError;
use crate::data::DataError;

mod en;
mod es;
mod lab;

pub use en::EN;
pub use es::ES;
pub use lab::{LAB_EN, LAB_ES, LabTexts, PlanTexts};

/// An interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// The BCP 47 code (`es`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// `es`, `es-MX`, `EN-gb`… → the language; anything else → `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "es" => Some(Lang::Es),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages (`navigator.languages`) that the page
    /// speaks; Spanish when none is.
    pub fn from_preferences<S: AsRef<str>>(preferences: &[S]) -> Lang {
        preferences.iter().find_map(|c| Lang::from_code(c.as_ref())).unwrap_or_default()
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }
}

/// A sentence for a person, written in every language of the page at once, so that a language
/// switch rewrites it too (a worker's error, a notice, the status line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Said(Vec<String>);

impl Said {
    /// `text` in each language, in the order of [`Lang::ALL`].
    pub fn new(text: impl Fn(&'static Texts) -> String) -> Said {
        Said(Lang::ALL.iter().map(|lang| text(lang.texts())).collect())
    }

    /// Words that are the same in every language (a browser's or a library's own message).
    pub fn plain(text: impl Into<String>) -> Said {
        Said(vec![text.into(); Lang::ALL.len()])
    }

    /// Each language's sentence rewritten by `f` with that language's texts (to add to it).
    pub fn map(&self, f: impl Fn(&'static Texts, &str) -> String) -> Said {
        Said(Lang::ALL.iter().map(|&lang| f(lang.texts(), self.text(lang))).collect())
    }

    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        let index = Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0);
        self.0.get(index).or(self.0.first()).map_or("", String::as_str)
    }
}

/// Where the model used for a classification comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSource {
    /// The model after epoch `epoch` (from 0) of the current run.
    Epoch { epoch: usize },
    /// The model where the run was paused.
    Paused { epoch: usize, step: usize },
    /// The model at the end of a run.
    Final { epochs: usize },
    /// Weights loaded from a file.
    Loaded { file: String, model: String },
}

/// Every text of the interface in one language.
pub struct Texts {
    /// `(data-i18n key, text)` for the static parts of `index.html`.
    pub chrome: &'static [(&'static str, &'static str)],
    /// `(data-i18n-label key, accessible label)`.
    pub labels: &'static [(&'static str, &'static str)],
    pub classes: [&'static str; 10],
    pub title: &'static str,
    pub ready_to_train: &'static str,
    pub bad_model: fn(&str) -> String,
    pub bad_batch: &'static str,
    pub bad_epochs: &'static str,
    pub bad_lr: &'static str,
    /// The training or test subset field is not a whole number within bounds.
    pub bad_train_images: &'static str,
    pub bad_test_images: &'static str,
    pub training_started: fn(&str, &str, &str) -> String,
    pub epoch_step: fn(usize, usize, usize) -> String,
    pub lr_reduced: fn(f64) -> String,
    pub best: fn(f64, usize) -> String,
    pub finished_html: fn(f64, f64, bool, usize) -> String,
    pub val_metrics: fn(f64, f64) -> String,
    pub confusion_caption: &'static str,
    pub confusion_hint: &'static str,
    pub per_class_caption: &'static str,
    pub truth: &'static str,
    /// «predicha»: the class the network chose (the confusion matrix's cells, for a reader).
    pub predicted: &'static str,
    pub after_epoch: fn(usize) -> String,
    /// Idle, running, paused, stopping, finished.
    pub states: [&'static str; 5],
    /// Finished by a stop (`states`' last is a run that ran to its end).
    pub stopped_state: &'static str,
    pub pause: &'static str,
    /// «Pausar» pressed, the worker not paused yet.
    pub pausing: &'static str,
    /// «Entrenar» or «Continuar» pressed, before the worker answers.
    pub starting: &'static str,
    pub resume: &'static str,
    pub software_adapter: &'static str,
    pub auto_chose_cpu: fn(&str) -> String,
    /// After the device's name on WebGPU: the kernels of a network at a batch size being
    /// compiled ahead of a run, then compiled (in seconds).
    pub kernels_compiling: fn(&str, usize) -> String,
    pub kernels_ready: fn(&str, usize, f64) -> String,
    pub no_webgpu_html: fn(&str) -> String,
    pub no_navigator_gpu: &'static str,
    pub no_adapter: fn(&str) -> String,
    /// «GPU (WebGPU)» picked by hand where there is none: why, and that the CPU stays.
    pub webgpu_pick_failed: fn(&str) -> String,
    /// The CPU backend with its threads (the device line, a run's device).
    pub cpu_threads: fn(usize) -> String,
    /// The threaded module asked for WebGPU.
    pub threads_no_webgpu: &'static str,
    /// The WebGPU adapter lacks `timestamp-query`, which burn's wgpu backend needs in a browser.
    pub no_timestamp_query: &'static str,
    pub webgpu_adapter: &'static str,
    pub downloading: &'static str,
    pub from_cache: &'static str,
    pub progress_of: fn(f64, f64, f64) -> String,
    pub megabytes: fn(f64) -> String,
    pub data_ready: fn(&str, &str) -> String,
    pub worker_failed: fn(&str) -> String,
    pub reading_file: fn(&str) -> String,
    pub cannot_read_file: fn(&str) -> String,
    pub summary_html: fn(&SummaryTexts) -> String,
    pub nothing_to_export: &'static str,
    /// PNG export when Chart.js did not load.
    pub no_chart_images: &'static str,
    pub share_ready: &'static str,
    pub bad_link: fn(&str) -> String,
    /// The status line when the archive could not be had or read.
    pub no_data: &'static str,
    /// A link's model that is not one of the list.
    pub unknown_model: &'static str,
    pub bad_augment: &'static str,
    pub internal_error: fn(&str) -> String,
    /// Chart titles: loss, accuracy, batch loss.
    pub chart_titles: [&'static str; 3],
    pub series_train: &'static str,
    pub series_val: &'static str,
    pub series_batch: &'static str,
    pub axis_loss: &'static str,
    pub axis_accuracy: &'static str,
    pub axis_epoch: &'static str,
    /// The gradient-flow chart: its axes, and one window's legend (epoch from 1, step).
    pub axis_layer: &'static str,
    pub axis_grad_norm: &'static str,
    pub grad_window: fn(usize, usize) -> String,
    /// Beside the first layer's filters before any epoch.
    pub filters_initial: &'static str,
    /// Which image the feature maps are of: strip position (from 1), its class, the epoch.
    pub feature_maps_of: fn(usize, &str, usize) -> String,
    /// File names (without extension) of the three exported charts.
    pub chart_files: [&'static str; 3],
    /// The names of the exported metrics and of the lab's overlay (before `.csv`, `.json`, `.svg`).
    pub metrics_file: &'static str,
    pub compare_file: &'static str,
    // The worker.
    pub download_failed: fn(&str, &str) -> String,
    pub server_said: fn(u16, &str, &str) -> String,
    pub download_interrupted: fn(&str) -> String,
    pub no_body: &'static str,
    pub invalid_archive: fn(&str) -> String,
    /// What is wrong with an archive, in this language.
    pub data_error: fn(&DataError) -> String,
    /// What is wrong with a checkpoint file, in this language.
    pub checkpoint_error: fn(&RunCheckpointError) -> String,
    pub data_not_ready: &'static str,
    pub no_device: &'static str,
    pub training_stopped: fn(&str) -> String,
    pub no_bytes: &'static str,
    pub unknown_message: fn(&str) -> String,
    // Classify your own image.
    pub classify_need_model: &'static str,
    /// A model is at hand and nothing was classified yet.
    pub classify_ready: &'static str,
    pub classify_bad_image: fn(&str) -> String,
    pub image_error: fn(&ImageInputError) -> String,
    pub classify_result: fn(&str, f64) -> String,
    pub model_source: fn(&ModelSource) -> String,
    pub weights_need_data: &'static str,
    pub weights_bad: fn(&str, &str) -> String,
    pub weights_loaded: fn(&str, &str) -> String,
    pub classifying: &'static str,
    pub clipboard_no_image: &'static str,
    // The test-set explorer.
    pub explore_wait: &'static str,
    pub explore_empty: &'static str,
    pub explore_caption: fn(usize, usize) -> String,
    pub all_classes: &'static str,
    // Checkpoints, resuming, recovery.
    /// Model, epochs done, epochs planned, best validation accuracy (fraction).
    pub saved_run: fn(&str, usize, usize, Option<f64>) -> String,
    /// The epoch a continued run starts with (from 1).
    pub continue_from: fn(usize) -> String,
    /// «Continuar» with «Épocas» at or below the epochs the saved run has done: (done, field).
    pub continue_needs_epochs: fn(usize, usize) -> String,
    /// Epochs done, and whether it is also the best checkpoint.
    pub stored: fn(usize, bool) -> String,
    pub storage_failed: fn(&str) -> String,
    /// Bytes used and allowed for the site, when known.
    pub storage_full: fn(Option<(f64, f64)>) -> String,
    pub storage_unavailable: fn(&str) -> String,
    pub saved_bad: fn(&str) -> String,
    pub no_checkpoint: &'static str,
    pub run_file_bad: fn(&str, &str) -> String,
    pub run_file_busy: &'static str,
    pub run_file_loaded: fn(&str, usize) -> String,
    /// Epoch (from 1) and learning rate of a diverged run.
    pub diverged: fn(usize, f64) -> String,
    /// Why the device was lost (WebGPU's reason and message).
    pub device_lost: fn(&str) -> String,
    /// The worker's panic message.
    pub crashed: fn(&str) -> String,
    pub out_of_memory: fn(&str) -> String,
    pub recovery_next: &'static str,
    pub recovery_gave_up: &'static str,
    /// Achieved and peak GFLOP/s: " (x % of the measured peak, y GFLOP/s)".
    pub of_peak: fn(f64, f64) -> String,
    /// The worker's memory: WebAssembly heap and, on WebGPU, what burn's allocator holds (MiB).
    pub memory: fn(f64, Option<f64>) -> String,
    /// Another tab holds the saved run (a Web Lock).
    pub other_tab: &'static str,
    /// The lab: experiments, presets, compared runs.
    pub lab: &'static LabTexts,
}

/// The numbers of the model summary, already formatted.
pub struct SummaryTexts<'a> {
    pub model: &'a str,
    pub trainable: &'a str,
    pub total: &'a str,
    pub non_trainable: &'a str,
    pub layers: usize,
    pub rows_html: &'a str,
    pub mflops: f64,
}
