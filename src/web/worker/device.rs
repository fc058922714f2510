//! The device: WebGPU or the CPU backend, chosen once, with the adapter's peak and the memory
//! in use.

use std::cell::Cell;

use burn::prelude::*;
#[cfg(feature = "webgpu")]
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[cfg(feature = "webgpu")]
use super::state::scope;
use super::state::{STATE, post, texts};
use crate::protocol::{BackendChoice, FromWorker};
#[cfg(feature = "webgpu")]
use crate::web::js_error;

thread_local! {
    /// How many device choices have come: each `use_backend` takes the next number.
    static CHOICES: Cell<u64> = const { Cell::new(0) };
}

/// Whether choice `ticket` is still the latest. WebGPU's initialisation and its peak
/// measurement wait for the browser, and a person who picks WebGPU and then at once the CPU
/// gets the CPU's answer first: the WebGPU one, when it comes, must change nothing (before, it
/// took the device and the device line while the list said «CPU»).
fn latest(ticket: u64) -> bool {
    CHOICES.get() == ticket
}

/// Initialises the device once (WebGPU or the CPU backend) and says which it is, unless another
/// choice came meanwhile (that one answers).
pub(super) async fn use_backend(choice: BackendChoice) {
    let ticket = CHOICES.get() + 1;
    CHOICES.set(ticket);
    // Answers with `Backend` (the page waits for it); WebGPU is initialised only once.
    let (result, effective, software_adapter) = match choice {
        BackendChoice::Cpu => (Ok(cpu()), BackendChoice::Cpu, None),
        BackendChoice::WebGpu => (init_webgpu().await, BackendChoice::WebGpu, None),
        BackendChoice::Auto => auto().await,
    };
    if !latest(ticket) {
        return;
    }
    match result {
        Ok((device, adapter, fallback)) => {
            let adapter = if adapter.is_empty() { texts().webgpu_adapter.to_string() } else { adapter };
            let name = match effective {
                BackendChoice::WebGpu => format!("WebGPU · {adapter}"),
                _ => cpu().1,
            };
            STATE.with_borrow_mut(|s| {
                s.device = Some((device, effective));
                s.device_name = name;
            });
            let peak_gflops = if effective == BackendChoice::WebGpu { webgpu_peak().await } else { None };
            if !latest(ticket) {
                return;
            }
            post(&FromWorker::Backend { backend: effective, adapter, fallback, software_adapter, peak_gflops });
        }
        Err(reason) => post(&FromWorker::NoWebGpu { reason }),
    }
}

/// The CPU backend, named with its threads.
fn cpu() -> (Device, String, bool) {
    let threads = STATE.with_borrow(|s| s.threads).max(1);
    (Device::flex(), (texts().cpu_threads)(threads), false)
}

/// What a device's initialisation gives: the device, the adapter's name, software or not.
type Initialised = Result<(Device, String, bool), String>;

/// «Automático»: WebGPU on a hardware adapter, else the CPU backend (with the software adapter
/// it passed over, if any).
#[cfg(feature = "webgpu")]
async fn auto() -> (Initialised, BackendChoice, Option<String>) {
    match init_webgpu().await {
        // A software adapter emulates the GPU on the CPU, several times slower than burn's
        // own CPU backend (BENCHMARKS.md): train there, and say why.
        Ok((_, name, true)) => (Ok(cpu()), BackendChoice::Cpu, Some(name)),
        Ok(hardware) => (Ok(hardware), BackendChoice::WebGpu, None),
        Err(reason) => (Err(reason), BackendChoice::Cpu, None),
    }
}

/// «Automático» in the threaded module: `www/worker.js` loaded it because the adapter is a
/// software one (the CPU backend, naming it) or there is none (said as the WebGPU module says
/// it: the page shows why and switches to the CPU).
#[cfg(not(feature = "webgpu"))]
async fn auto() -> (Initialised, BackendChoice, Option<String>) {
    use super::state::Seen;
    match STATE.with_borrow(|s| match &s.seen {
        Some(Seen::Software(name)) => Ok(Some(name.clone())),
        Some(Seen::NoAdapter(why)) => Err(why.clone()),
        None => Ok(None),
    }) {
        Ok(software) => (Ok(cpu()), BackendChoice::Cpu, software),
        Err(why) if why.is_empty() => (Err(texts().no_navigator_gpu.into()), BackendChoice::Cpu, None),
        Err(why) => (Err((texts().no_adapter)(&why)), BackendChoice::Cpu, None),
    }
}

/// The threaded module has no WebGPU (the page replaces it with the WebGPU module first).
#[cfg(not(feature = "webgpu"))]
async fn init_webgpu() -> Initialised {
    Err(texts().threads_no_webgpu.into())
}

#[cfg(not(feature = "webgpu"))]
async fn webgpu_peak() -> Option<f64> {
    None
}

/// The WebGPU adapter's matmul peak (GFLOP/s), measured once on burn's own device and queue
/// with `shaders/matmul.wgsl` (512×512 matrices, 4 times: a fraction of a second). Two choices
/// of WebGPU close together share one measurement (two at once would each time the other's
/// work too).
#[cfg(feature = "webgpu")]
pub(super) async fn webgpu_peak() -> Option<f64> {
    use futures_util::FutureExt;
    once(&PEAK, || measure_peak().boxed_local(), Option::is_some).await
}

#[cfg(feature = "webgpu")]
async fn measure_peak() -> Option<f64> {
    let (device, queue) = STATE.with_borrow(|s| s.wgpu_handles.clone())?;
    let kernel = crate::peak::Matmul::new(&device);
    match kernel.peak(&device, &queue, 512, 4).await {
        Ok(peak) => Some(peak.gflops),
        Err(e) => {
            web_sys::console::warn_1(&format!("peak measurement failed: {e}").into());
            None
        }
    }
}

/// Kernel launches cubecl-wgpu gathers into one `queue.submit` (its default is 32). In the page
/// every submit crosses to the GPU process and was 16 % of the worker's CPU in a ResNet20 step;
/// with 128 the worker spent less per step (BENCHMARKS.md, "The page's host side on WebGPU").
/// A read-back submits whatever is pending first.
#[cfg(feature = "webgpu")]
const TASKS_PER_SUBMIT: usize = 128;

/// Work that is done once per worker, shared by whoever asks while it runs: its future, cloned
/// by each caller, and kept once it gave a result worth keeping.
#[cfg(feature = "webgpu")]
type Once<T> = std::cell::RefCell<Option<futures_util::future::Shared<futures_util::future::LocalBoxFuture<'static, T>>>>;

#[cfg(feature = "webgpu")]
thread_local! {
    static WEBGPU: Once<Initialised> = const { std::cell::RefCell::new(None) };
    static PEAK: Once<Option<f64>> = const { std::cell::RefCell::new(None) };
}

/// `make`'s result, made by the first caller; a caller that comes while it runs awaits the same
/// one. A result that `keep` refuses is dropped once it comes, so a later call tries again.
#[cfg(feature = "webgpu")]
async fn once<T: Clone + 'static>(
    slot: &'static std::thread::LocalKey<Once<T>>,
    make: fn() -> futures_util::future::LocalBoxFuture<'static, T>,
    keep: fn(&T) -> bool,
) -> T {
    use futures_util::FutureExt;
    let work = slot.with_borrow_mut(|kept| kept.get_or_insert_with(|| make().shared()).clone());
    let result = work.clone().await;
    if !keep(&result) {
        slot.with_borrow_mut(|kept| {
            if kept.as_ref().is_some_and(|k| k.ptr_eq(&work)) {
                *kept = None;
            }
        });
    }
    result
}

/// The worker's WebGPU device: initialised by the first call, and every later call (also one
/// made while the first still waits for the browser) gets the same one. Before, «Automático»'s
/// initialisation and a WebGPU pick made before it ended each asked burn for the device, and the
/// second was refused («A server is still registered»): the page said WebGPU had no adapter and
/// fell back to the CPU. A failure is kept too: trying again would not help (no `navigator.gpu`,
/// no adapter, or one without timestamp queries, which burn had registered before we looked, so
/// a second try would only be refused with a message that says less).
#[cfg(feature = "webgpu")]
pub(super) async fn init_webgpu() -> Initialised {
    use futures_util::FutureExt;
    once(&WEBGPU, || acquire_webgpu().boxed_local(), |_| true).await
}

/// What a failed WebGPU set-up says, for a person: the browser's or the driver's words, without
/// the device selector's debug form that the error's own message starts with.
#[cfg(feature = "webgpu")]
fn init_error(e: &burn::tensor::wgpu::WgpuInitError) -> String {
    use burn::tensor::wgpu::WgpuInitError as E;
    match e {
        E::AdapterUnavailable { message, .. } | E::RequestDevice { message } => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(feature = "webgpu")]
async fn acquire_webgpu() -> Initialised {
    let navigator = Reflect::get(&scope(), &"navigator".into()).map_err(|e| js_error(&e))?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(texts().no_navigator_gpu.into());
    }
    let (device, setup) = Device::wgpu_options()
        .tasks_max(TASKS_PER_SUBMIT)
        .init_with_setup_async()
        .await
        .map_err(|e| (texts().no_adapter)(&init_error(&e)))?;
    // cubecl-wgpu 0.11 times its work with timestamp queries, and on WebAssembly, where it cannot
    // block, it panics without them when it sets up its first stream — at the first operation,
    // not here: streams are made on demand — and the module would trap. So look at the adapter
    // burn chose, and say so instead (the page then trains on the CPU).
    if !has_timestamp_queries(setup.device.features()) {
        return Err(texts().no_timestamp_query.into());
    }
    let info = setup.adapter.get_info();
    // Browsers may withhold the adapter's name (privacy): then it is empty.
    let name = info.name.clone();
    // wgpu reports WebGPU's `isFallbackAdapter` as a CPU device type; SwiftShader is Chromium's
    // software Vulkan (also what headless Chromium gets without a GPU).
    let fallback = matches!(info.device_type, burn::tensor::wgpu::wgpu::DeviceType::Cpu)
        || name.to_lowercase().contains("swiftshader")
        || info.driver.to_lowercase().contains("swiftshader");
    STATE.with_borrow_mut(|s| s.wgpu_handles = Some((setup.device.clone(), setup.queue.clone())));
    Ok((device, name, fallback))
}

/// Whether a WebGPU device's features (cubecl-wgpu asks for all its adapter's) include
/// `timestamp-query`, which burn's wgpu backend cannot do without in the browser.
#[cfg(feature = "webgpu")]
pub fn has_timestamp_queries(features: burn::tensor::wgpu::wgpu::Features) -> bool {
    features.contains(burn::tensor::wgpu::wgpu::Features::TIMESTAMP_QUERY)
}

/// The worker's WebAssembly heap and what burn's allocator holds on `device` (WebGPU only).
pub(super) fn memory(device: &Device) -> FromWorker {
    let mib = |bytes: f64| bytes / (1 << 20) as f64;
    let wasm = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0.0, |memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64);
    FromWorker::Memory {
        wasm_mib: mib(wasm),
        device_mib: device.memory_pool_usage().map(|usage| mib(usage.bytes_reserved as f64)),
    }
}
