//! The page's end of the page ⇄ worker protocol: starting the worker and sending it typed
//! messages, their bytes transferred. (Receiving, and replacing a worker that can no longer go
//! on: `supervisor.rs`.)

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BroadcastChannel, Worker, WorkerOptions, WorkerType};

use super::dom::{Dom, query_flag, read_file};
use super::js_error;
use crate::i18n::Texts;
use crate::protocol::{BackendChoice, Bytes, ToWorker, WorkerModule};

/// Sends a message to the worker (for the parts of the page that do not hold the [`Link`]).
pub(crate) type Send = Rc<dyn Fn(ToWorker)>;

/// The training worker, the channel its pool threads report their crashes on, and how often it
/// was replaced.
pub(crate) struct Link {
    pub(crate) worker: Worker,
    pub(crate) crashes: BroadcastChannel,
    pub(crate) recoveries: usize,
}

/// A worker running the module `www/worker.js` is asked for (`webgpu`, `threads` or `auto`:
/// [`WorkerModule::wanted`]), and a channel of its own for the crashes of its pool threads
/// (`www/worker.js`).
pub(crate) fn new_worker(module: &str) -> Result<(Worker, BroadcastChannel), JsValue> {
    let channel = format!("resnet-webgpu-crashes-{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64);
    let crashes = BroadcastChannel::new(&channel)?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    // `?kernels=1` (the kernel profile, src/web/worker/kernels.rs) goes on to the worker.
    let kernels = if query_flag("kernels") { "&kernels=1" } else { "" };
    let worker = Worker::new_with_options(&format!("./worker.js?module={module}&crashes={channel}{kernels}"), &options)?;
    Ok((worker, crashes))
}

/// Whether the page is cross-origin isolated (COOP + COEP), which the threaded module's shared
/// memory needs.
pub(crate) fn isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into()).is_ok_and(|v| v.is_truthy())
}

impl Link {
    /// The worker for a first choice of device.
    pub(crate) fn spawn(choice: BackendChoice) -> Result<Self, JsValue> {
        let (worker, crashes) = new_worker(WorkerModule::wanted(choice, isolated()))?;
        Ok(Self { worker, crashes, recoveries: 0 })
    }

    /// Posts `message`, transferring its bytes.
    pub(crate) fn send(&self, message: &ToWorker) -> Result<(), String> {
        let value = serde::Serialize::serialize(message, &serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| e.to_string())?;
        let transfer = js_sys::Array::new();
        if let Some(buffer) = message.bytes().and_then(|b| b.transferable()) {
            transfer.push(&buffer);
        }
        self.worker.post_message_with_transfer(&value, &transfer).map_err(|e| js_error(&e))
    }
}


/// Sends a file the person chose to the worker, its bytes transferred: `message` builds the
/// message from the file's name and bytes; reading progress and failures go to the element
/// `status`.
pub(crate) fn send_file(
    dom: &Dom,
    t: &'static Texts,
    send: Send,
    file: web_sys::File,
    status: &'static str,
    message: impl FnOnce(String, Bytes) -> ToWorker + 'static,
) {
    let dom = dom.clone();
    spawn_local(async move {
        dom.set_text(status, &(t.reading_file)(&file.name()));
        match read_file(&file).await {
            Ok(buffer) => send(message(file.name(), Bytes::from_buffer(&buffer))),
            Err(e) => dom.set_text(status, &(t.cannot_read_file)(&js_error(&e))),
        }
    });
}
