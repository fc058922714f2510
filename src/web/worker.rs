//! The training worker: a dedicated Web Worker that fetches and parses the archive, owns the
//! device and runs the shared async trainer, so the page's thread stays free for the lesson.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::prelude::*;
use js_sys::{Object, Reflect, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Cache, DedicatedWorkerGlobalScope, MessageEvent, ReadableStreamDefaultReader, Response};

use crate::classify::{ImageInputError, as_split, decode, from_rgba, to_cifar};
use crate::data::{Cifar10, SIDE, class_examples, mosaic, rgba};
use crate::explore::{Query, explore};
use crate::i18n::{Lang, ModelSource, Texts};
use crate::model::{ModelKind, ResNet, ResNetConfig};
use crate::checkpoint::Checkpoint;
use crate::protocol::{
    BackendChoice, CLASS_GRID, CLASSIFY_PREVIEW, CRASHED, EXPLORER, EXPLORER_COLUMNS, FILE, FromWorker, PIXELS,
    RunState, STRIP_LEN, TEST_STRIP, ToWorker, Which, raw,
};
use crate::summary::Summary;
use crate::trainer::{
    Control, Current, EpochMetrics, Evaluation, Event, Observer, Start, TrainError, predict, probabilities,
    train_from,
};
use crate::web::store::{self, BEST, LAST, Record, SaveError};
use crate::web::{js_error, sleep_ms};

/// Name of the Cache Storage bucket that keeps the archive between visits.
const CACHE_NAME: &str = "resnet-webgpu-cifar10-v1";

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a message to the page.
fn post(message: &FromWorker) {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    match serde::Serialize::serialize(message, &serializer) {
        Ok(value) => {
            if let Err(e) = scope().post_message(&value) {
                web_sys::console::error_2(&"postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&format!("cannot serialise {message:?}: {e}").into()),
    }
}

/// Sends RGBA pixels to be drawn on the canvas `target`.
fn post_pixels(target: &str, width: usize, height: usize, pixels: &[u8]) {
    let message = Object::new();
    let data = Uint8ClampedArray::new_with_length(pixels.len() as u32);
    data.copy_from(pixels);
    for (key, value) in [
        ("type", JsValue::from_str(PIXELS)),
        ("target", JsValue::from_str(target)),
        ("width", JsValue::from_f64(width as f64)),
        ("height", JsValue::from_f64(height as f64)),
        ("data", data.into()),
    ] {
        let _ = Reflect::set(&message, &key.into(), &value);
    }
    let _ = scope().post_message(&message);
}

/// A model ready for inference, for classifying a person's images.
#[derive(Clone)]
struct Snapshot {
    model: ResNet,
    /// The pixel mean its inputs are normalised with.
    mean: Rc<Vec<f32>>,
    /// A device without autodiff, where `model` lives.
    device: Device,
    source: ModelSource,
}

/// The last evaluation on the test set, for the explorer.
struct Explorable {
    epoch: usize,
    probabilities: Vec<f32>,
}

#[derive(Default)]
struct State {
    data: Option<Rc<Cifar10>>,
    device: Option<(Device, BackendChoice)>,
    running: bool,
    lang: Lang,
    snapshot: Option<Snapshot>,
    explorable: Option<Explorable>,
    /// The WebGPU device once initialised (burn sets it up once per worker): device, adapter
    /// name, software adapter or not.
    webgpu: Option<(Device, String, bool)>,
    /// burn's wgpu device and queue (for the peak measurement) and the peak once measured.
    wgpu_handles: Option<(burn::tensor::wgpu::wgpu::Device, burn::tensor::wgpu::wgpu::Queue)>,
    peak_gflops: Option<f64>,
}

fn texts() -> &'static Texts {
    STATE.with_borrow(|s| s.lang).texts()
}

fn set_snapshot(snapshot: Snapshot) {
    post(&FromWorker::ModelAvailable { source: snapshot.source.clone() });
    STATE.with_borrow_mut(|s| s.snapshot = Some(snapshot));
}

/// What the controls asked for, read by the trainer between steps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wish {
    Run,
    Pause,
    Stop,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
    static WISH: Cell<Wish> = const { Cell::new(Wish::Run) };
}

/// Entry point, called by `worker.js` once the module is instantiated.
#[wasm_bindgen]
pub fn worker_main() {
    // A panic leaves this WebAssembly instance unusable (a lost device, memory exhausted, a bug):
    // log it, and tell the page, which replaces the worker and offers the last checkpoint.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &CRASHED.into());
        let _ = Reflect::set(&message, &"message".into(), &info.to_string().into());
        let _ = scope().post_message(&message);
    }));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| handle(event.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromWorker::Ready);
    spawn_local(announce_saved());
}

/// Tells the page about the run saved in IndexedDB, if there is one.
async fn announce_saved() {
    match store::load(LAST).await {
        Ok(Some(record)) => match Checkpoint::from_bytes(&record.bytes) {
            Ok(checkpoint) => post(&saved_message(&checkpoint)),
            Err(e) => {
                post(&FromWorker::StorageError { message: (texts().saved_bad)(&(texts().checkpoint_error)(&e)) });
                let _ = store::clear().await;
            }
        },
        Ok(None) => post(&FromWorker::NoSaved),
        Err(e) => post(&FromWorker::StorageError { message: (texts().storage_unavailable)(&e) }),
    }
}

fn saved_message(checkpoint: &Checkpoint) -> FromWorker {
    FromWorker::Saved {
        config: checkpoint.run.config.clone(),
        epochs_done: checkpoint.run.epochs_done,
        best_val_accuracy: checkpoint.run.best_val_accuracy,
        history: checkpoint.run.history.clone(),
    }
}

fn record_of(checkpoint: &Checkpoint, bytes: Vec<u8>) -> Record {
    Record {
        bytes,
        epochs_done: checkpoint.run.epochs_done,
        model: checkpoint.run.config.model.to_string(),
        val_accuracy: checkpoint.run.history.last().map_or(0.0, |m| m.val_accuracy),
    }
}

/// A run checkpoint chosen by the person: checked whole, then saved as the run to continue.
async fn load_run(file: String, bytes: Vec<u8>) {
    let t = texts();
    let checkpoint = match Checkpoint::from_bytes(&bytes) {
        Ok(checkpoint) => checkpoint,
        Err(e) => return post(&FromWorker::Error { message: (t.run_file_bad)(&file, &(t.checkpoint_error)(&e)) }),
    };
    if STATE.with_borrow(|s| s.running) {
        return post(&FromWorker::Error { message: t.run_file_busy.into() });
    }
    let record = record_of(&checkpoint, bytes);
    match store::save(&[(LAST, &record)]).await {
        Ok(()) => {
            post(&FromWorker::Error { message: (t.run_file_loaded)(&file, checkpoint.run.epochs_done) });
            post(&saved_message(&checkpoint));
        }
        Err(e) => post(&FromWorker::StorageError { message: save_error(&e) }),
    }
}

/// A failed checkpoint write, in the interface's language.
fn save_error(e: &SaveError) -> String {
    let t = texts();
    match e {
        SaveError::Refused(usage) => (t.storage_full)(*usage),
        SaveError::Failed(e) => (t.storage_failed)(e),
    }
}

/// Offers a saved checkpoint as a file: the weights alone, or the whole state.
async fn download(which: Which, full: bool) {
    let t = texts();
    let key = match which {
        Which::Best => BEST,
        Which::Last => LAST,
    };
    let record = match store::load(key).await {
        Ok(Some(record)) => record,
        Ok(None) => return post(&FromWorker::Error { message: t.no_checkpoint.into() }),
        Err(e) => return post(&FromWorker::StorageError { message: (t.storage_unavailable)(&e) }),
    };
    let name = format!(
        "{}-{}-epoch{}{}.safetensors",
        record.model,
        key,
        record.epochs_done,
        if full { "-state" } else { "" }
    );
    let bytes = if full {
        record.bytes
    } else {
        match Checkpoint::from_bytes(&record.bytes).and_then(|c| Ok(c.weights()?)) {
            Ok(bytes) => bytes,
            Err(e) => return post(&FromWorker::StorageError { message: (t.saved_bad)(&(t.checkpoint_error)(&e)) }),
        }
    };
    let message = Object::new();
    let buffer = Uint8Array::from(bytes.as_slice()).buffer();
    for (key, value) in [("type", JsValue::from_str(FILE)), ("name", name.into()), ("bytes", buffer.clone().into())] {
        let _ = Reflect::set(&message, &key.into(), &value);
    }
    let transfer = js_sys::Array::of1(&buffer);
    if let Err(e) = scope().post_message_with_transfer(&message, &transfer) {
        post(&FromWorker::Error { message: (t.internal_error)(&js_error(&e)) });
    }
}

/// A field of a raw message.
fn field(data: &JsValue, key: &str) -> JsValue {
    Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The `bytes` of a raw message (a transferred `ArrayBuffer`).
fn bytes_of(data: &JsValue) -> Option<Vec<u8>> {
    let bytes = field(data, "bytes");
    bytes.is_instance_of::<js_sys::ArrayBuffer>().then(|| Uint8Array::new(&bytes).to_vec())
}

/// Handles the raw messages (bytes and pixels); `false` when `data` is not one.
fn handle_raw(data: &JsValue) -> bool {
    let kind = field(data, "type").as_string().unwrap_or_default();
    match kind.as_str() {
        raw::LOAD_ARCHIVE => match bytes_of(data) {
            Some(bytes) => spawn_local(async move {
                parse_archive(bytes);
            }),
            None => post(&FromWorker::DataError { message: texts().no_bytes.into() }),
        },
        raw::CLASSIFY_FILE => match bytes_of(data) {
            Some(bytes) => spawn_local(classify(decode(&bytes))),
            None => post(&FromWorker::ClassifyError { message: texts().no_bytes.into() }),
        },
        raw::CLASSIFY_PIXELS => {
            let size = |k: &str| field(data, k).as_f64().unwrap_or(0.0) as u32;
            let pixels = Uint8Array::new(&field(data, "data")).to_vec();
            spawn_local(classify(from_rgba(size("width"), size("height"), pixels)));
        }
        raw::LOAD_WEIGHTS => {
            let name = field(data, "name").as_string().unwrap_or_default();
            let model = field(data, "model").as_string().unwrap_or_default();
            match bytes_of(data) {
                Some(bytes) => spawn_local(load_weights(name, model, bytes)),
                None => post(&FromWorker::ClassifyError { message: texts().no_bytes.into() }),
            }
        }
        raw::LOAD_RUN => {
            let name = field(data, "name").as_string().unwrap_or_default();
            match bytes_of(data) {
                Some(bytes) => spawn_local(load_run(name, bytes)),
                None => post(&FromWorker::Error { message: texts().no_bytes.into() }),
            }
        }
        // Handled by worker.js.
        raw::TEST_DESTROY_DEVICE => {}
        _ => return false,
    }
    true
}

fn handle(data: JsValue) {
    if handle_raw(&data) {
        return;
    }
    let message: ToWorker = match serde_wasm_bindgen::from_value(data) {
        Ok(message) => message,
        Err(e) => {
            post(&FromWorker::Error { message: (texts().unknown_message)(&e.to_string()) });
            return;
        }
    };
    match message {
        ToWorker::LoadUrl { url } => spawn_local(async move {
            match fetch_archive(&url).await {
                Ok(bytes) => {
                    if !parse_archive(bytes) {
                        // Never keep a bad download (an error page, a truncated file) in the cache.
                        forget_cached(&url).await;
                    }
                }
                Err(message) => post(&FromWorker::DataError { message }),
            }
        }),
        ToWorker::UseBackend { backend } => spawn_local(use_backend(backend)),
        ToWorker::Start { config } => spawn_local(run(Start::Fresh(config))),
        ToWorker::Continue { epochs } => spawn_local(continue_saved(epochs)),
        ToWorker::Discard => spawn_local(async {
            match store::clear().await {
                Ok(()) => post(&FromWorker::NoSaved),
                Err(e) => post(&FromWorker::StorageError { message: (texts().storage_failed)(&e) }),
            }
        }),
        ToWorker::Download { which, full } => spawn_local(download(which, full)),
        ToWorker::Pause => WISH.set(Wish::Pause),
        ToWorker::Resume => {
            WISH.set(Wish::Run);
            post(&FromWorker::State { state: RunState::Running });
        }
        ToWorker::Stop => {
            WISH.set(Wish::Stop);
            post(&FromWorker::State { state: RunState::Stopping });
        }
        ToWorker::Language { lang } => STATE.with_borrow_mut(|s| s.lang = lang),
        ToWorker::Explore { query } => explore_test_set(&query),
    }
}

/// Classifies a person's picture with the model at hand; its 32×32 version goes to the page
/// first.
async fn classify(picture: Result<image::RgbaImage, ImageInputError>) {
    let t = texts();
    let picture = match picture {
        Ok(picture) => picture,
        Err(e) => return post(&FromWorker::ClassifyError { message: (t.classify_bad_image)(&(t.image_error)(&e)) }),
    };
    let Some(snapshot) = STATE.with_borrow(|s| s.snapshot.clone()) else {
        return post(&FromWorker::ClassifyError { message: t.classify_need_model.into() });
    };
    let image = to_cifar(&picture);
    post_pixels(CLASSIFY_PREVIEW, SIDE, SIDE, &rgba(&image));
    match probabilities(&snapshot.model, &as_split(image), &[0], &snapshot.mean, &snapshot.device).await {
        Ok(probabilities) => post(&FromWorker::Classified { probabilities, source: snapshot.source }),
        Err(e) => post(&FromWorker::ClassifyError { message: e.to_string() }),
    }
}

/// Loads a `.safetensors` checkpoint into a fresh `model` for classification. A file of
/// another architecture, with other shapes, or not a safetensors file changes nothing.
async fn load_weights(file: String, model: String, bytes: Vec<u8>) {
    let t = texts();
    let bad = |e: &str| post(&FromWorker::ClassifyError { message: (t.weights_bad)(&file, e) });
    let kind: ModelKind = match model.parse() {
        Ok(kind) => kind,
        Err(e) => return bad(&format!("{e}")),
    };
    let (data, device) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone()));
    let Some(data) = data else {
        return post(&FromWorker::ClassifyError { message: t.weights_need_data.into() });
    };
    let Some((device, _)) = device else {
        return post(&FromWorker::ClassifyError { message: t.no_device.into() });
    };
    let device = device.without_autodiff();
    let mut loaded = match ResNetConfig::from(kind).try_init(&device) {
        Ok(model) => model,
        Err(e) => return bad(&e.to_string()),
    };
    if let Err(e) = crate::checkpoint::load_safetensors(&mut loaded, bytes) {
        return bad(&(t.checkpoint_error)(&crate::checkpoint::RunCheckpointError::Weights(e)));
    }
    post(&FromWorker::Error { message: (t.weights_loaded)(&file, &kind.to_string()) });
    set_snapshot(Snapshot {
        model: loaded,
        mean: Rc::new(data.pixel_mean()),
        device,
        source: ModelSource::Loaded { file, model: kind.to_string() },
    });
}

/// Sends the explorer's list for `query`, and its images.
fn explore_test_set(query: &Query) {
    let (data, list) = STATE.with_borrow(|s| {
        let list = s.explorable.as_ref().zip(s.data.as_ref()).map(|(e, data)| {
            let n = e.probabilities.len() / crate::data::NUM_CLASSES;
            (e.epoch, explore(&data.test.labels[..n.min(data.test.len())], &e.probabilities, query))
        });
        (s.data.clone(), list)
    });
    let (Some(data), Some((epoch, items))) = (data, list) else {
        return post(&FromWorker::ExploreUnavailable);
    };
    let rows: Vec<Vec<usize>> =
        items.chunks(EXPLORER_COLUMNS).map(|row| row.iter().map(|item| item.index).collect()).collect();
    if !rows.is_empty() {
        let (w, h, pixels) = mosaic(&data.test, &rows, 2);
        post_pixels(EXPLORER, w, h, &pixels);
    }
    post(&FromWorker::Explored { epoch, items, columns: EXPLORER_COLUMNS });
}

/// The archive from Cache Storage, or from the network with progress (then cached).
async fn fetch_archive(url: &str) -> Result<Vec<u8>, String> {
    let scope = scope();
    let cache: Option<Cache> = match scope.caches() {
        Ok(caches) => JsFuture::from(caches.open(CACHE_NAME)).await.ok().map(JsCast::unchecked_into),
        Err(_) => None,
    };
    if let Some(cache) = &cache {
        if let Ok(hit) = JsFuture::from(cache.match_with_str(url)).await {
            if let Ok(response) = hit.dyn_into::<Response>() {
                if let Ok(bytes) = response_bytes(&response, true).await {
                    return Ok(bytes);
                }
            }
        }
    }
    let response: Response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .map_err(|e| (texts().download_failed)(url, &js_error(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err((texts().server_said)(response.status(), &response.status_text(), url));
    }
    let bytes = response_bytes(&response, false).await?;
    if let Some(cache) = &cache {
        let copy = Uint8Array::from(bytes.as_slice());
        match Response::new_with_opt_buffer_source(Some(&copy)) {
            Ok(stored) => {
                if let Err(e) = JsFuture::from(cache.put_with_str(url, &stored)).await {
                    web_sys::console::warn_2(&"El archivo no se guardó en caché:".into(), &e);
                }
            }
            Err(e) => web_sys::console::warn_1(&e),
        }
    }
    Ok(bytes)
}

/// Reads a response's body chunk by chunk, reporting progress.
async fn response_bytes(response: &Response, from_cache: bool) -> Result<Vec<u8>, String> {
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<f64>().ok());
    let body = response.body().ok_or(texts().no_body)?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0.0) as usize);
    let mut reported = 0usize;
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| (texts().download_interrupted)(&js_error(&e)))?;
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| js_error(&e))?;
        let array = Uint8Array::new(&value);
        let start = bytes.len();
        bytes.resize(start + array.length() as usize, 0);
        array.copy_to(&mut bytes[start..]);
        if bytes.len() - reported >= 1 << 20 {
            reported = bytes.len();
            post(&FromWorker::Download { loaded: reported as f64, total, from_cache });
        }
    }
    post(&FromWorker::Download { loaded: bytes.len() as f64, total: Some(bytes.len() as f64), from_cache });
    Ok(bytes)
}

/// Removes `url` from the archive's cache.
async fn forget_cached(url: &str) {
    if let Ok(caches) = scope().caches()
        && let Ok(cache) = JsFuture::from(caches.open(CACHE_NAME)).await
    {
        let cache: Cache = cache.unchecked_into();
        let _ = JsFuture::from(cache.delete_with_str(url)).await;
    }
}

/// Parses an archive and tells the page; `false` when it is not a usable archive.
fn parse_archive(bytes: Vec<u8>) -> bool {
    match Cifar10::from_bytes(&bytes) {
        Ok(data) => {
            let rows = class_examples(&data.train, 10);
            let (w, h, pixels) = mosaic(&data.train, &rows, 2);
            post_pixels(CLASS_GRID, w, h, &pixels);
            let strip: Vec<Vec<usize>> = vec![(0..STRIP_LEN.min(data.test.len())).collect()];
            let (w, h, pixels) = mosaic(&data.test, &strip, 2);
            post_pixels(TEST_STRIP, w, h, &pixels);
            post(&FromWorker::DataReady {
                train_images: data.train.len(),
                test_images: data.test.len(),
                class_names: data.class_names.clone(),
            });
            STATE.with_borrow_mut(|s| s.data = Some(Rc::new(data)));
            true
        }
        Err(e) => {
            post(&FromWorker::DataError { message: (texts().invalid_archive)(&(texts().data_error)(&e)) });
            false
        }
    }
}

/// Initialises the device once (WebGPU or the CPU backend) and says which it is.
async fn use_backend(choice: BackendChoice) {
    // Always answers with `Backend` (the page waits for it); WebGPU is initialised only once.
    let cpu = || (Device::flex(), texts().cpu_backend.to_string(), false);
    let (result, effective, software_adapter) = match choice {
        BackendChoice::Cpu => (Ok(cpu()), BackendChoice::Cpu, None),
        BackendChoice::WebGpu => (init_webgpu().await, BackendChoice::WebGpu, None),
        BackendChoice::Auto => match init_webgpu().await {
            // A software adapter emulates the GPU on the CPU, several times slower than burn's
            // own CPU backend (BENCHMARKS.md): train there, and say why.
            Ok((_, name, true)) => (Ok(cpu()), BackendChoice::Cpu, Some(name)),
            Ok(hardware) => (Ok(hardware), BackendChoice::WebGpu, None),
            Err(reason) => (Err(reason), BackendChoice::Cpu, None),
        },
    };
    match result {
        Ok((device, adapter, fallback)) => {
            let adapter = if adapter.is_empty() { texts().webgpu_adapter.to_string() } else { adapter };
            STATE.with_borrow_mut(|s| s.device = Some((device, effective)));
            let peak_gflops = if effective == BackendChoice::WebGpu { webgpu_peak().await } else { None };
            post(&FromWorker::Backend { backend: effective, adapter, fallback, software_adapter, peak_gflops });
        }
        Err(reason) => post(&FromWorker::NoWebGpu { reason }),
    }
}

/// The WebGPU adapter's matmul peak (GFLOP/s), measured once on burn's own device and queue
/// with `shaders/matmul.wgsl` (512×512 matrices, 4 times: a fraction of a second).
async fn webgpu_peak() -> Option<f64> {
    if let Some(peak) = STATE.with_borrow(|s| s.peak_gflops) {
        return Some(peak);
    }
    let (device, queue) = STATE.with_borrow(|s| s.wgpu_handles.clone())?;
    let kernel = crate::peak::Matmul::new(&device);
    match kernel.peak(&device, &queue, 512, 4).await {
        Ok(peak) => {
            STATE.with_borrow_mut(|s| s.peak_gflops = Some(peak.gflops));
            Some(peak.gflops)
        }
        Err(e) => {
            web_sys::console::warn_1(&format!("peak measurement failed: {e}").into());
            None
        }
    }
}

async fn init_webgpu() -> Result<(Device, String, bool), String> {
    if let Some(webgpu) = STATE.with_borrow(|s| s.webgpu.clone()) {
        return Ok(webgpu);
    }
    let navigator = Reflect::get(&scope(), &"navigator".into()).map_err(|e| js_error(&e))?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(texts().no_navigator_gpu.into());
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| (texts().no_adapter)(&format!("{e:?}")))?;
    let info = setup.adapter.get_info();
    // Browsers may withhold the adapter's name (privacy): then it is empty.
    let name = info.name.clone();
    // wgpu reports WebGPU's `isFallbackAdapter` as a CPU device type; SwiftShader is Chromium's
    // software Vulkan (also what headless Chromium gets without a GPU).
    let fallback = matches!(info.device_type, burn::tensor::wgpu::wgpu::DeviceType::Cpu)
        || name.to_lowercase().contains("swiftshader")
        || info.driver.to_lowercase().contains("swiftshader");
    STATE.with_borrow_mut(|s| {
        s.webgpu = Some((device.clone(), name.clone(), fallback));
        s.wgpu_handles = Some((setup.device.clone(), setup.queue.clone()));
    });
    Ok((device, name, fallback))
}

/// The worker's WebAssembly heap and what burn's allocator holds on `device` (WebGPU only).
fn memory(device: &Device) -> FromWorker {
    let mib = |bytes: f64| bytes / (1 << 20) as f64;
    let wasm = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0.0, |memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64);
    FromWorker::Memory {
        wasm_mib: mib(wasm),
        device_mib: device.memory_pool_usage().map(|usage| mib(usage.bytes_reserved as f64)),
    }
}

struct WorkerObserver {
    data: Rc<Cifar10>,
    /// The finished epochs of a resumed run, replayed to the page when it starts.
    replay: Vec<EpochMetrics>,
    eval_device: Device,
    told_paused: bool,
    /// Epoch and step of the next step, for the paused model's label.
    epoch: usize,
    step: usize,
}

impl Observer for WorkerObserver {
    fn event(&mut self, event: &Event) {
        if let Event::Batch { epoch, step, .. } = event {
            (self.epoch, self.step) = (*epoch, *step);
        }
        post(&FromWorker::Train { event: event.clone() });
        if let Event::Batch { .. } = event {
            post(&memory(&self.eval_device));
        }
        if let Event::Started { .. } = event {
            for metrics in self.replay.drain(..) {
                post(&FromWorker::Train { event: Event::Epoch(metrics) });
            }
        }
    }

    fn wants_checkpoints(&self) -> bool {
        true
    }

    async fn checkpoint(&mut self, checkpoint: &Checkpoint, best: bool) {
        let t = texts();
        let bytes = match checkpoint.to_bytes() {
            Ok(bytes) => bytes,
            Err(e) => return post(&FromWorker::StorageError { message: (t.storage_failed)(&(t.checkpoint_error)(&e)) }),
        };
        let record = record_of(checkpoint, bytes);
        let mut records = vec![(LAST, &record)];
        if best {
            records.push((BEST, &record));
        }
        match store::save(&records).await {
            Ok(()) => post(&FromWorker::Stored { epochs_done: checkpoint.run.epochs_done, best }),
            Err(e) => post(&FromWorker::StorageError { message: save_error(&e) }),
        }
    }

    async fn control(&mut self, current: Current<'_>) -> Control {
        loop {
            // Let the worker's message handler run between steps.
            sleep_ms(0).await;
            match WISH.get() {
                Wish::Run => {
                    self.told_paused = false;
                    return Control::Continue;
                }
                Wish::Stop => return Control::Stop,
                Wish::Pause => {
                    if !self.told_paused {
                        self.told_paused = true;
                        // The paused model can classify a person's images meanwhile.
                        set_snapshot(Snapshot {
                            model: current.model.valid(),
                            mean: Rc::new(current.mean.to_vec()),
                            device: self.eval_device.clone(),
                            source: ModelSource::Paused { epoch: self.epoch, step: self.step },
                        });
                        post(&FromWorker::State { state: RunState::Paused });
                    }
                    sleep_ms(100).await;
                }
            }
        }
    }

    async fn epoch_end(&mut self, epoch: usize, model: &ResNet, mean: &[f32], evaluation: &Evaluation) {
        STATE.with_borrow_mut(|s| {
            s.explorable = Some(Explorable { epoch, probabilities: evaluation.probabilities.clone() })
        });
        set_snapshot(Snapshot {
            model: model.clone(),
            mean: Rc::new(mean.to_vec()),
            device: self.eval_device.clone(),
            source: ModelSource::Epoch { epoch },
        });
        let indices: Vec<usize> = (0..STRIP_LEN.min(self.data.test.len())).collect();
        match predict(model, &self.data.test, &indices, mean, &self.eval_device).await {
            Ok((predicted, confidence)) => post(&FromWorker::Predictions {
                epoch,
                truth: indices.iter().map(|&i| self.data.test.labels[i] as usize).collect(),
                predicted,
                confidence,
            }),
            Err(e) => post(&FromWorker::Error { message: e.to_string() }),
        }
    }
}

/// Continues the run saved in IndexedDB.
async fn continue_saved(epochs: Option<usize>) {
    let t = texts();
    let mut checkpoint = match store::load(LAST).await {
        Ok(Some(record)) => match Checkpoint::from_bytes(&record.bytes) {
            Ok(checkpoint) => checkpoint,
            Err(e) => return post(&FromWorker::StorageError { message: (t.saved_bad)(&(t.checkpoint_error)(&e)) }),
        },
        Ok(None) => return post(&FromWorker::Error { message: t.no_checkpoint.into() }),
        Err(e) => return post(&FromWorker::StorageError { message: (t.storage_unavailable)(&e) }),
    };
    if let Some(epochs) = epochs {
        checkpoint.run.config.epochs = epochs.max(checkpoint.run.epochs_done);
    }
    run(Start::Resume(Box::new(checkpoint))).await;
}

async fn run(start: Start) {
    let (data, device, running) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.running));
    if running {
        return;
    }
    let Some(data) = data else {
        post(&FromWorker::Error { message: texts().data_not_ready.into() });
        return;
    };
    let Some((device, _)) = device else {
        post(&FromWorker::Error { message: texts().no_device.into() });
        return;
    };
    STATE.with_borrow_mut(|s| s.running = true);
    let (config, replay) = match &start {
        Start::Fresh(config) => {
            // A new run replaces the saved one.
            if let Err(e) = store::clear().await {
                post(&FromWorker::StorageError { message: (texts().storage_failed)(&e) });
            }
            post(&FromWorker::NoSaved);
            (config.clone(), Vec::new())
        }
        Start::Resume(checkpoint) => (checkpoint.run.config.clone(), checkpoint.run.history.clone()),
    };
    WISH.set(Wish::Run);
    STATE.with_borrow_mut(|s| s.explorable = None);
    match ResNetConfig::from(config.model).try_init(&Device::flex()) {
        Ok(model) => post(&FromWorker::Summary { summary: Summary::of(&model) }),
        Err(e) => post(&FromWorker::Error { message: e.to_string() }),
    }
    post(&FromWorker::State { state: RunState::Running });
    let mut observer = WorkerObserver {
        data: data.clone(),
        replay,
        eval_device: device.clone().without_autodiff(),
        told_paused: false,
        epoch: 0,
        step: 0,
    };
    let result = train_from(&data, start, &device, &mut observer).await;
    STATE.with_borrow_mut(|s| s.running = false);
    match result {
        Ok(outcome) => {
            set_snapshot(Snapshot {
                model: outcome.model,
                mean: Rc::new(outcome.mean),
                device: device.without_autodiff(),
                source: ModelSource::Final { epochs: outcome.history.len() },
            });
            post(&FromWorker::State { state: RunState::Finished })
        }
        Err(TrainError::NonFinite { epoch, lr, .. } | TrainError::NonFiniteWeights { epoch, lr, .. }) => {
            post(&FromWorker::Diverged { message: (texts().diverged)(epoch + 1, lr) });
            post(&FromWorker::State { state: RunState::Idle });
        }
        Err(e) => {
            post(&FromWorker::Error { message: (texts().training_stopped)(&e.to_string()) });
            post(&FromWorker::State { state: RunState::Idle });
        }
    }
    // Whatever the outcome, the last checkpoint can be continued (with more epochs, or after
    // a stop, or with a lower learning rate after a divergence).
    announce_saved().await;
}
