//! The typed messages between the page and its training worker. Both sides are Rust; on the
//! wire they are JS objects tagged by `"type"` (serde-wasm-bindgen). Pixel buffers travel apart,
//! as raw `Uint8ClampedArray`s, in messages of type `"pixels"` (see [`PIXELS`]).

use serde::{Deserialize, Serialize};

use crate::explore::{Item, Query};
use crate::i18n::{Lang, ModelSource};
use crate::recipe::TrainConfig;
use crate::summary::Summary;
use crate::trainer::{EpochMetrics, Event};

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch the archive from this URL (Cache Storage first).
    LoadUrl { url: String },
    /// Which device to train on.
    UseBackend { backend: BackendChoice },
    /// Start a new run (the saved one, if any, is discarded).
    Start { config: TrainConfig },
    /// Continue the saved run (IndexedDB's `last` checkpoint) with its next epoch, up to
    /// `epochs` when given.
    Continue { epochs: Option<usize> },
    /// Delete the saved run.
    Discard,
    /// Send a saved checkpoint as a file (answered with a `FILE` raw message): the weights
    /// alone (PyTorch's names) or, with `full`, the whole state to continue elsewhere.
    Download { which: Which, full: bool },
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

/// Which saved checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The best validation accuracy so far.
    Best,
    /// The end of the last finished epoch.
    Last,
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
    /// `peak_gflops`: on WebGPU, the adapter's measured matmul peak (`shaders/matmul.wgsl`).
    Backend {
        backend: BackendChoice,
        adapter: String,
        fallback: bool,
        software_adapter: Option<String>,
        peak_gflops: Option<f64>,
    },
    /// No WebGPU here: why, in Spanish, with what to do.
    NoWebGpu { reason: String },
    /// The worker's memory while it trains (sent with every metrics read): its WebAssembly heap
    /// and, on WebGPU, what burn's allocator holds on the device, in MiB.
    Memory { wasm_mib: f64, device_mib: Option<f64> },
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
    /// A saved run that can be continued (found at start-up, or uploaded): its settings and
    /// history, to show it as it was.
    Saved { config: TrainConfig, epochs_done: usize, best_val_accuracy: Option<f64>, history: Vec<EpochMetrics> },
    /// No saved run (any more).
    NoSaved,
    /// The checkpoints of an epoch are stored (`best` too when it improved).
    Stored { epochs_done: usize, best: bool },
    /// A checkpoint could not be stored; training goes on and the previous ones are intact.
    StorageError { message: String },
    /// The run diverged (non-finite loss or weights): it stopped and the last checkpoint, which
    /// is finite, was kept.
    Diverged { message: String },
    /// Something failed; the message says what to do.
    Error { message: String },
}

/// Type tag of the raw file messages worker → page: `{type: "file", name, bytes}` (a
/// transferred `ArrayBuffer`), offered to the person as a download.
pub const FILE: &str = "file";
/// Type tag of the message `worker.js` sends when the WebGPU device is lost:
/// `{type: "device_lost", reason, message}`.
pub const DEVICE_LOST: &str = "device_lost";
/// Type tag of the message the worker sends when its WebAssembly panicked:
/// `{type: "crashed", message}`. The worker cannot go on; the page replaces it.
pub const CRASHED: &str = "crashed";

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
    /// A whole run checkpoint (`Download { full: true }`'s file) to continue.
    pub const LOAD_RUN: &str = "load_run";
    /// Tests only: destroy the WebGPU device, as a driver reset would (`worker.js`).
    pub const TEST_DESTROY_DEVICE: &str = "test_destroy_device";
}
