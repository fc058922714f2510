//! The training worker: a dedicated Web Worker that fetches and parses the archive, owns the
//! device and runs the shared async trainer, so the page's thread stays free for the lesson.
//! This file is its entry and its message handler; the rest lives beside it in `worker/`.

mod charts;
mod data;
mod device;
mod files;
#[cfg(feature = "webgpu")]
mod kernels;
mod kept;
mod lab;
mod lock;
mod prepared;
mod restore;
mod run;
mod saved;
mod state;
mod warm;

#[cfg(feature = "webgpu")]
pub use device::has_timestamp_queries;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::MessageEvent;

use crate::i18n::Said;
use crate::classify::{decode, from_rgba};
use crate::protocol::{FromWorker, RunState, ToWorker, WorkerModule};
use crate::trainer::Start;
use crate::web::store;
use state::{STATE, WISH, Wish, post, scope};

/// Entry point, called by `worker.js` once the module is instantiated: `threads` is the CPU
/// backend's thread pool it started (1 in the WebGPU module). When it chose the threaded module
/// for «Automático», it says why: the software WebGPU adapter it passed over
/// (`software_adapter`, its name), or that there is none (`no_adapter`, why; empty without
/// `navigator.gpu`). The WebGPU module looks at the adapter itself and ignores both.
#[wasm_bindgen]
pub fn worker_main(threads: usize, software_adapter: Option<String>, no_adapter: Option<String>) {
    // A panic leaves this WebAssembly instance unusable (a lost device, memory exhausted, a bug):
    // log it, and tell the page, which replaces the worker and offers the last checkpoint.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&FromWorker::Crashed { message: info.to_string() });
    }));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| handle(event.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let module = if cfg!(feature = "webgpu") { WorkerModule::WebGpu } else { WorkerModule::Threads };
    STATE.with_borrow_mut(|s| {
        s.threads = threads.max(1);
        #[cfg(not(feature = "webgpu"))]
        {
            s.seen = match (software_adapter, no_adapter) {
                (Some(name), _) => Some(state::Seen::Software(name)),
                (None, Some(why)) => Some(state::Seen::NoAdapter(why)),
                (None, None) => None,
            };
        }
    });
    #[cfg(feature = "webgpu")]
    let _ = (software_adapter, no_adapter);
    post(&FromWorker::Ready { module, threads: threads.max(1) });
    spawn_local(async {
        saved::announce_saved().await;
        lab::announce_lab().await;
    });
}

fn handle(data: JsValue) {
    let message: ToWorker = match serde_wasm_bindgen::from_value(data) {
        Ok(message) => message,
        Err(e) => return post(&FromWorker::Error { message: Said::new(|t| (t.unknown_message)(&e.to_string()))}),
    };
    match message {
        ToWorker::LoadUrl { url } => spawn_local(async move {
            match data::fetch_archive(&url).await {
                Ok(bytes) => {
                    if !data::parse_archive(bytes) {
                        // Never keep a bad download (an error page, a truncated file) in the cache.
                        data::forget_cached(&url).await;
                    }
                }
                Err(message) => post(&FromWorker::DataError { message }),
            }
        }),
        ToWorker::LoadArchive { bytes, .. } => {
            data::parse_archive(std::io::Cursor::new(bytes.into_vec()));
        }
        ToWorker::UseBackend { backend } => spawn_local(device::use_backend(backend)),
        ToWorker::Start { config } => spawn_local(async {
            if STATE.with_borrow(|s| s.experiment_active) {
                return post(&FromWorker::Error { message: Said::new(|t| t.lab.busy.into())});
            }
            run::run(Start::Fresh(config), None).await;
        }),
        ToWorker::Measure { config } => spawn_local(lab::measure(config)),
        ToWorker::Warm { config } => spawn_local(warm::warm(config)),
        ToWorker::Prepare => {
            prepared::prepared();
            // After a reload, the saved run's network is at hand again.
            spawn_local(restore::restore_saved());
        }
        ToWorker::StartExperiment { id, plan } => {
            spawn_local(lab::run_experiment(crate::experiment::Ongoing { id, plan, next: 0 }, false))
        }
        ToWorker::ContinueExperiment => spawn_local(lab::continue_experiment()),
        ToWorker::DiscardExperiment => spawn_local(lab::discard_experiment()),
        ToWorker::DeleteRun { id } => spawn_local(kept::delete_run(id)),
        ToWorker::Continue { epochs } => spawn_local(async move {
            if STATE.with_borrow(|s| s.experiment_active) {
                return post(&FromWorker::Error { message: Said::new(|t| t.lab.busy.into())});
            }
            run::continue_saved(epochs).await;
        }),
        ToWorker::Discard => spawn_local(async {
            // The saved run is another tab's while that tab trains.
            let Some(_lock) = lock::run_lock().await else { return post(&FromWorker::Busy) };
            match store::clear().await {
                Ok(()) => post(&FromWorker::NoSaved),
                Err(e) => post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e))}),
            }
        }),
        ToWorker::Download { which, full } => spawn_local(saved::download(which, full)),
        ToWorker::LoadRun { name, bytes } => spawn_local(saved::load_run(name, bytes.into_vec())),
        // Pause, Resume and Stop act on a run or an experiment under way, and a stop stands: a
        // person whose Stop the worker had not yet seen (it reads them between steps, and a CPU
        // step takes seconds) may press Pause too, and the run must still end. One that comes
        // after the run ended (the page had not yet read `Finished`) changes nothing; before,
        // its `Stopping` came after `Finished` and left every control disabled.
        ToWorker::Pause | ToWorker::Resume | ToWorker::Stop
            if !STATE.with_borrow(|s| s.busy()) || WISH.get() == Wish::Stop => {}
        ToWorker::Pause => WISH.set(Wish::Pause),
        // The run says `Running` when it goes on (`WorkerObserver::control`).
        ToWorker::Resume => WISH.set(Wish::Run),
        ToWorker::Stop => {
            WISH.set(Wish::Stop);
            post(&FromWorker::State { state: RunState::Stopping });
        }
        ToWorker::Language { lang } => STATE.with_borrow_mut(|s| s.lang = lang),
        ToWorker::Explore { query } => files::explore_test_set(&query),
        ToWorker::FeatureMaps { index, ask } => spawn_local(files::feature_maps(index, ask)),
        ToWorker::ClassifyFile { bytes, ask, .. } => spawn_local(files::classify(decode(&bytes.into_vec()), ask)),
        ToWorker::ClassifyPixels { width, height, rgba, ask } => {
            spawn_local(files::classify(from_rgba(width, height, rgba.into_vec()), ask))
        }
        ToWorker::LoadWeights { name, model, bytes } => spawn_local(files::load_weights(name, model, bytes.into_vec())),
    }
}
