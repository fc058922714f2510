//! The typed messages between the page and its training worker: one enum per direction, and
//! nothing beside them. On the wire they are JS objects tagged by `"type"` (serde-wasm-bindgen);
//! bytes (files, pixels) travel inside them as [`Bytes`], which in the browser is a JS
//! `Uint8Array` kept as it is by the serialiser and whose buffer is *transferred*, not copied.
//! Two messages come from JavaScript rather than Rust, in the same shape: `worker.js` posts
//! [`FromWorker::DeviceLost`] when the WebGPU device is lost.

use serde::{Deserialize, Serialize};

use crate::experiment::{Ongoing, Plan, Speed};
use crate::explore::{Item, Query};
use crate::runs::RunRecord;
use crate::html::Finished;
use crate::i18n::{Lang, ModelSource, Said};
use crate::recipe::TrainConfig;
use crate::summary::Summary;
use crate::trainer::{EpochMetrics, Event};

/// Page → worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Fetch the archive from this URL (Cache Storage first).
    LoadUrl { url: String },
    /// Which device to train on.
    UseBackend { backend: BackendChoice },
    /// Start a new run (the saved one, if any, is discarded).
    Start { config: TrainConfig },
    /// Continue the saved run (IndexedDB's `last` checkpoint) with its next epoch, up to
    /// `epochs` (the page asks only for more than it has done).
    Continue { epochs: usize },
    /// Delete the saved run.
    Discard,
    /// Measure this device's speed with a few steps of `config` (answered with `Measured`).
    Measure { config: TrainConfig },
    /// Compile `config`'s kernels now, on WebGPU, before a run needs them (answered with
    /// `Kernels`; nothing to do on the CPU or when they are compiled already).
    Warm { config: TrainConfig },
    /// Make the data ready for the device now, before a run needs it: the pixel mean, and on
    /// WebGPU the upload of both splits (`crate::prepared`; nothing to do when it is done).
    Prepare,
    /// Run `plan`'s runs one after another, as the experiment `id` (its start time).
    StartExperiment { id: f64, plan: Plan },
    /// Go on with the stored experiment: continue its run in progress, then the rest.
    ContinueExperiment,
    /// Forget the stored experiment (its finished runs stay kept).
    DiscardExperiment,
    /// Delete a kept run.
    DeleteRun { id: String },
    /// Send a saved checkpoint as a file (answered with [`FromWorker::File`]): the weights
    /// alone (PyTorch's names) or, with `full`, the whole state to continue elsewhere.
    Download { which: Which, full: bool },
    Pause,
    Resume,
    Stop,
    /// The interface language (the worker's messages follow it).
    Language { lang: Lang },
    /// List test images for the explorer (answered with `Explored`, its images in `mosaic`).
    Explore { query: Query },
    /// The feature maps of test image `index` with the model at hand (answered with
    /// `FeatureMaps` carrying the same `ask`).
    FeatureMaps { index: usize, ask: u32 },
    /// A CIFAR-10 archive chosen by the person.
    LoadArchive { name: String, bytes: Bytes },
    /// An image file to classify (its feature maps are drawn too, as `FeatureMaps` with this
    /// `ask`).
    ClassifyFile { name: String, bytes: Bytes, ask: u32 },
    /// A drawing to classify: RGBA pixels (`ask` as for a file).
    ClassifyPixels { width: u32, height: u32, rgba: Bytes, ask: u32 },
    /// A `.safetensors` weights file for `model`, to classify with.
    LoadWeights { name: String, model: String, bytes: Bytes },
    /// A whole run checkpoint (`Download { full: true }`'s file) to continue.
    LoadRun { name: String, bytes: Bytes },
}

impl ToWorker {
    /// The bytes to transfer with this message.
    pub fn bytes(&self) -> Option<&Bytes> {
        match self {
            ToWorker::LoadArchive { bytes, .. }
            | ToWorker::ClassifyFile { bytes, .. }
            | ToWorker::LoadWeights { bytes, .. }
            | ToWorker::LoadRun { bytes, .. } => Some(bytes),
            ToWorker::ClassifyPixels { rgba, .. } => Some(rgba),
            _ => None,
        }
    }
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

/// The page's two WebAssembly modules, of which a worker runs one (`www/worker.js` picks it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerModule {
    /// The page's module: WebGPU, and the CPU backend on one thread.
    WebGpu,
    /// The CPU backend over a thread pool (`+atomics`; only where the page is cross-origin
    /// isolated, which shared memory needs). No WebGPU.
    Threads,
}

impl WorkerModule {
    /// The module a worker should start with for `choice`: the threaded one for the CPU where the
    /// page is cross-origin isolated; for «Automático», `www/worker.js` looks at the adapter
    /// itself (`auto`).
    pub fn wanted(choice: BackendChoice, isolated: bool) -> &'static str {
        match choice {
            BackendChoice::Cpu if isolated => "threads",
            BackendChoice::Cpu | BackendChoice::WebGpu => "webgpu",
            BackendChoice::Auto if isolated => "auto",
            BackendChoice::Auto => "webgpu",
        }
    }

    /// The module that must replace a worker running `self` to train on `choice`, if any:
    /// WebGPU needs the WebGPU module; the CPU, where the page is isolated, is faster on the
    /// threaded one. «Automático» keeps what `www/worker.js` chose.
    pub fn switch_for(self, choice: BackendChoice, isolated: bool) -> Option<Self> {
        match (self, choice) {
            (Self::Threads, BackendChoice::WebGpu) => Some(Self::WebGpu),
            (Self::WebGpu, BackendChoice::Cpu) if isolated => Some(Self::Threads),
            _ => None,
        }
    }

    /// The query value `www/worker.js` reads (`?module=`) for this module.
    pub fn query(self) -> &'static str {
        match self {
            Self::WebGpu => "webgpu",
            Self::Threads => "threads",
        }
    }
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

impl RunState {
    /// A run holds the device: running, paused or stopping.
    pub fn under_way(self) -> bool {
        matches!(self, RunState::Running | RunState::Paused | RunState::Stopping)
    }
}

/// Where a network's GPU kernels stand (`ToWorker::Warm`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernels {
    Compiling,
    /// Compiled, in this many seconds (the two throwaway training steps included).
    Ready { seconds: f64 },
    /// The warm-up failed; a run compiles them itself.
    Failed,
}

/// Worker → page.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's WebAssembly is up and listens: which module it runs, with how many threads
    /// for the CPU backend (1 in the WebGPU module).
    Ready { module: WorkerModule, threads: usize },
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
    /// The GPU kernels of `model` at `batch_size`, compiled ahead of a run.
    Kernels { model: String, batch_size: usize, kernels: Kernels },
    /// The worker's memory while it trains (sent with every metrics read): its WebAssembly heap
    /// and, on WebGPU, what burn's allocator holds on the device, in MiB.
    Memory { wasm_mib: f64, device_mib: Option<f64> },
    /// Archive download progress.
    Download { loaded: f64, total: Option<f64>, from_cache: bool },
    /// The archive is parsed.
    DataReady { train_images: usize, test_images: usize },
    /// The archive could not be had or read.
    DataError { message: Said },
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
    /// `Pixels` for [`Canvas::ClassifyPreview`] before, its feature maps as `FeatureMaps` just
    /// before); `ask` is the request's.
    Classified { probabilities: Vec<f32>, source: ModelSource, ask: u32 },
    /// A person's image or weights file could not be used; nothing changed. `ask`: the image's
    /// request number (none for a weights file), whose feature maps will not come.
    ClassifyError { message: Said, ask: Option<u32> },
    /// The explorer's list and its images, `columns` to a row, as one mosaic (cells of 32
    /// pixels, 2 apart); `None` when the list is empty.
    Explored { epoch: usize, items: Vec<Item>, columns: usize, mosaic: Option<Image> },
    /// No epoch has ended yet: nothing to explore.
    ExploreUnavailable,
    /// A saved run that can be continued (found at start-up, or uploaded): its settings and
    /// history, to show it as it was.
    /// `of_experiment`: it is one of an experiment's networks (kept with that experiment, or in
    /// the plan of the one under way), whose settings are not the person's.
    Saved { config: TrainConfig, epochs_done: usize, best_val_accuracy: Option<f64>, history: Vec<EpochMetrics>, of_experiment: bool },
    /// No saved run (any more).
    NoSaved,
    /// This device's speed, measured with a few training steps of `model`.
    Measured { speed: Speed, model: String, images_per_sec: f64 },
    /// The measurement could not be made; the message says why.
    MeasureFailed { message: Said },
    /// The kept runs, newest first (at start-up and after every change).
    Runs { runs: Vec<RunRecord> },
    /// An experiment under way (found at start-up, or one whose run `next` now starts).
    Experiment { ongoing: Ongoing, running: bool },
    /// No experiment under way (any more): `finished` when the last one ran to its end (not
    /// discarded).
    NoExperiment { finished: bool },
    /// The checkpoints of an epoch are stored (`best` too when it improved).
    Stored { epochs_done: usize, best: bool },
    /// A checkpoint could not be stored; training goes on and the previous ones are intact.
    StorageError { message: Said },
    /// The run diverged (non-finite loss or weights): it stopped and the last checkpoint, which
    /// is finite, was kept.
    Diverged { message: Said },
    /// Something failed; the message says what to do.
    Error { message: Said },
    /// Something the person asked for was done (a file loaded); the message says what.
    Notice { message: Said },
    /// What the charts showed of the saved run beyond its epochs (after a reload, or when it is
    /// continued): its batch losses, its latest gradient windows, a stopped run's final
    /// evaluation.
    Charts { charted: Charted },
    /// Another tab of this site holds the saved run (a Web Lock): this one does not train or
    /// change it.
    Busy,
    /// RGBA pixels to draw on one of the page's canvases.
    Pixels { canvas: Canvas, image: Image },
    /// An image's feature maps, a row per stage (after the stem, stages 1–3), in answer to the
    /// request numbered `ask` (a `FeatureMaps` or a person's image to classify): the page draws
    /// only its latest request's, so a click's maps and a classified image's cannot be drawn
    /// under each other's label.
    FeatureMaps { ask: u32, image: Image },
    /// A file offered to the person as a download.
    File { name: String, bytes: Bytes },
    /// The WebGPU device was lost (posted by `worker.js`): WebGPU's reason and message.
    DeviceLost { reason: String, message: String },
    /// The worker's WebAssembly panicked and cannot go on: the page replaces the worker.
    Crashed { message: String },
}

impl FromWorker {
    /// The bytes to transfer with this message.
    pub fn bytes(&self) -> Option<&Bytes> {
        match self {
            FromWorker::Pixels { image, .. } | FromWorker::FeatureMaps { image, .. } => Some(&image.rgba),
            FromWorker::Explored { mosaic: Some(image), .. } => Some(&image.rgba),
            FromWorker::File { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// The page's canvases the worker draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Canvas {
    /// The 10×10 grid of class examples.
    ClassGrid,
    /// The strip of test images shown with their predictions.
    TestStrip,
    /// The 32×32 image a person's picture becomes.
    ClassifyPreview,
}

impl Canvas {
    /// The canvas element's id.
    pub fn id(self) -> &'static str {
        match self {
            Canvas::ClassGrid => "class-grid",
            Canvas::TestStrip => "test-strip",
            Canvas::ClassifyPreview => "classify-preview",
        }
    }
}

/// An RGBA image.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Bytes,
}

/// One metrics window's gradient norms by layer (`Event::Gradients`), as the gradient chart
/// draws it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientWindow {
    pub epoch: usize,
    pub step: usize,
    pub layers: Vec<String>,
    pub norms: Vec<f64>,
}

/// What the page's charts showed of a run beyond its epochs' metrics, stored beside its
/// checkpoint so that a reload, or the run continued, shows it again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Charted {
    /// The batch chart's points, `(epoch + step / steps per epoch, loss)`, thinned to at most
    /// [`Charted::MAX_BATCH_POINTS`] (every other one dropped when over).
    pub batch: Vec<(f32, f32)>,
    /// The latest [`Charted::GRADIENT_WINDOWS`] gradient windows, oldest first.
    pub gradients: Vec<GradientWindow>,
    /// The final evaluation, once the run ended (a stopped run's is of the weights it stopped
    /// with, which no checkpoint holds).
    pub finished: Option<Finished>,
}

impl Charted {
    /// Batch points kept (a long run's are thinned: about 300 KB stored).
    pub const MAX_BATCH_POINTS: usize = 20_000;
    /// Gradient windows the chart draws (one line each).
    pub const GRADIENT_WINDOWS: usize = 5;

    /// The batch chart's point of a metrics read: where in the run (in epochs) and the loss.
    pub fn batch_x(epoch: usize, step: usize, steps_per_epoch: usize) -> f64 {
        epoch as f64 + step as f64 / steps_per_epoch.max(1) as f64
    }

    pub fn push_batch(&mut self, x: f64, loss: f64) {
        self.batch.push((x as f32, loss as f32));
        if self.batch.len() > Self::MAX_BATCH_POINTS {
            self.batch = self.batch.iter().step_by(2).copied().collect();
        }
    }

    pub fn push_gradients(&mut self, window: GradientWindow) {
        Self::push_window(&mut self.gradients, window);
    }

    /// Adds `window` to `windows`, keeping the latest [`Charted::GRADIENT_WINDOWS`] (the page's
    /// gradient chart keeps its own the same way).
    pub fn push_window(windows: &mut Vec<GradientWindow>, window: GradientWindow) {
        windows.push(window);
        let excess = windows.len().saturating_sub(Self::GRADIENT_WINDOWS);
        windows.drain(..excess);
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty() && self.gradients.is_empty() && self.finished.is_none()
    }
}

/// Test images in the strip.
pub const STRIP_LEN: usize = 10;
/// Images per row in the explorer's grid.
pub const EXPLORER_COLUMNS: usize = 8;

/// Bytes inside a message. To send from the browser, a JS `Uint8Array` ([`Bytes::Js`]), which
/// serde-wasm-bindgen keeps as it is and whose buffer the sender *transfers*; a received message
/// holds them in this side's memory ([`Bytes::Heap`]: one copy, the one the receiver needs
/// anyway: serde reads an internally tagged enum through its own buffer).
#[derive(Clone, Debug)]
pub enum Bytes {
    Heap(Vec<u8>),
    #[cfg(target_arch = "wasm32")]
    Js(js_sys::Uint8Array),
}

impl Bytes {
    /// The bytes, moved out (a received message) or copied out of JS (a message to send).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Bytes::Heap(bytes) => bytes,
            #[cfg(target_arch = "wasm32")]
            Bytes::Js(array) => array.to_vec(),
        }
    }

    /// A message to send: a new JS buffer holding a copy of `bytes`, to be transferred.
    #[cfg(target_arch = "wasm32")]
    pub fn to_js(bytes: &[u8]) -> Self {
        Bytes::Js(js_sys::Uint8Array::from(bytes))
    }

    /// A message to send: the bytes of a JS `ArrayBuffer` (a file the person chose), without a copy.
    #[cfg(target_arch = "wasm32")]
    pub fn from_buffer(buffer: &js_sys::ArrayBuffer) -> Self {
        Bytes::Js(js_sys::Uint8Array::new(buffer))
    }

    /// The JS buffer to put in the transfer list, if the bytes are in one.
    #[cfg(target_arch = "wasm32")]
    pub fn transferable(&self) -> Option<js_sys::ArrayBuffer> {
        match self {
            Bytes::Js(array) => Some(array.buffer()),
            Bytes::Heap(_) => None,
        }
    }
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Bytes::Heap(bytes) => serializer.serialize_bytes(bytes),
            #[cfg(target_arch = "wasm32")]
            Bytes::Js(array) => serde_wasm_bindgen::preserve::serialize(array, serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes::Heap(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes::Heap(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element()? {
                    bytes.push(b);
                }
                Ok(Bytes::Heap(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}
