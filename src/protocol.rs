//! The typed messages between the page and its training worker. Both sides are Rust; on the
//! wire they are JS objects tagged by `"type"` (serde-wasm-bindgen). Pixel buffers travel apart,
//! as raw `Uint8ClampedArray`s, in messages of type `"pixels"` (see [`PIXELS`]).

use serde::{Deserialize, Serialize};

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
}

/// Where the worker trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
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
    /// The device is ready: which one.
    Backend { backend: BackendChoice, adapter: String, fallback: bool },
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
