//! The typed messages between the page and its training worker. Both sides are Rust; on the
//! wire they are JS objects tagged by `"type"` (serde-wasm-bindgen). Pixel buffers travel apart,
//! as raw `Uint8ClampedArray`s, in messages of type `"pixels"` (see [`PIXELS`]).

use serde::{Deserialize, Serialize};

use crate::explore::{Item, Query};
use crate::i18n::{Lang, ModelSource};
use crate::recipe::TrainConfig;
use crate::summary::Summary;
use crate::trainer::Event;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch the archive from this URL (Cache Storage first).
    LoadUrl { url: String },
    /// Which device to train on.
    UseBackend { backend: BackendChoice },
    /// Start a run.
    Start { config: TrainConfig },
    Pause,
    Resume,
    Stop,
    /// The interface language (the worker's messages follow it).
    Language { lang: Lang },
    /// List test images for the explorer (answered with `Explored` and the `EXPLORER` pixels).
    Explore { query: Query },
}

/// Where the worker trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// WebGPU on a hardware adapter; the CPU backend when there is no WebGPU or the adapter is a
    /// software one (SwiftShader, `isFallbackAdapter`), where the CPU backend is much faster.
    Auto,
    /// WebGPU through burn's wgpu backend.
    WebGpu,
    /// burn's CPU backend compiled to WebAssembly.
    Cpu,
}

/// The state of the run, for the controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Idle,
    Running,
    Paused,
    Stopping,
    Finished,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's WebAssembly is up and listens.
    Ready,
    /// The device is ready: which one (`WebGpu` or `Cpu`). `software_adapter` names the WebGPU
    /// adapter that `Auto` passed over for the CPU.
    Backend { backend: BackendChoice, adapter: String, fallback: bool, software_adapter: Option<String> },
    /// No WebGPU here: why, in Spanish, with what to do.
    NoWebGpu { reason: String },
    /// Archive download progress.
    Download { loaded: f64, total: Option<f64>, from_cache: bool },
    /// The archive is parsed.
    DataReady { train_images: usize, test_images: usize, class_names: Vec<String> },
    /// The archive could not be had or read.
    DataError { message: String },
    /// The model that will be trained.
    Summary { summary: Summary },
    /// A trainer event.
    Train { event: Event },
    /// After each epoch: predicted class and confidence of the strip's test images.
    Predictions { epoch: usize, truth: Vec<usize>, predicted: Vec<usize>, confidence: Vec<f32> },
    State { state: RunState },
    /// A model is at hand to classify a person's images.
    ModelAvailable { source: ModelSource },
    /// A person's image, classified: the probability of each class (its 32×32 version comes as
    /// `CLASSIFY_PREVIEW` pixels just before).
    Classified { probabilities: Vec<f32>, source: ModelSource },
    /// A person's image or weights file could not be used; nothing changed.
    ClassifyError { message: String },
    /// The explorer's list (its images come as `EXPLORER` pixels just before).
    Explored { epoch: usize, items: Vec<Item>, columns: usize },
    /// No epoch has ended yet: nothing to explore.
    ExploreUnavailable,
    /// Something failed; the message says what to do.
    Error { message: String },
}

/// Type tag of the raw pixel messages: `{type: "pixels", target, width, height, data}`.
pub const PIXELS: &str = "pixels";
/// `target` of the 10×10 grid of class examples.
pub const CLASS_GRID: &str = "class-grid";
/// `target` of the strip of test images shown with their predictions.
pub const TEST_STRIP: &str = "test-strip";
/// Test images in the strip.
pub const STRIP_LEN: usize = 10;
/// `target` of the 32×32 image a person's picture becomes.
pub const CLASSIFY_PREVIEW: &str = "classify-preview";
/// `target` of the explorer's grid of test images.
pub const EXPLORER: &str = "explore-grid";
/// Images per row in the explorer's grid.
pub const EXPLORER_COLUMNS: usize = 8;

/// Raw messages page → worker carrying bytes (a transferred `ArrayBuffer` in `bytes`, a file
/// name in `name`), or a canvas' RGBA pixels (`width`, `height`, `data`).
pub mod raw {
    /// A CIFAR-10 archive chosen by the person.
    pub const LOAD_ARCHIVE: &str = "load_bytes";
    /// An image file to classify.
    pub const CLASSIFY_FILE: &str = "classify_file";
    /// A drawing to classify (`width`, `height`, `data`: RGBA).
    pub const CLASSIFY_PIXELS: &str = "classify_pixels";
    /// A `.safetensors` checkpoint for the model named in `model`.
    pub const LOAD_WEIGHTS: &str = "load_weights";
}
