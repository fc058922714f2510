//! The worker's state (data, device, the model at hand, the controls' wish) and its way to the
//! page.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::DedicatedWorkerGlobalScope;

use crate::data::Cifar10;
use crate::i18n::{Lang, ModelSource, Texts};
use crate::model::ResNet;
use crate::prepared::Prepared;
use crate::protocol::{BackendChoice, Bytes, FromWorker, Image};

/// Name of the Cache Storage bucket that keeps the archive between visits.
pub(super) const CACHE_NAME: &str = "resnet-webgpu-cifar10-v1";

pub(super) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a message to the page, its bytes transferred.
pub(super) fn post(message: &FromWorker) {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    match serde::Serialize::serialize(message, &serializer) {
        Ok(value) => {
            let transfer = js_sys::Array::new();
            if let Some(buffer) = message.bytes().and_then(|b| b.transferable()) {
                transfer.push(&buffer);
            }
            if let Err(e) = scope().post_message_with_transfer(&value, &transfer) {
                web_sys::console::error_2(&"postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&format!("cannot serialise a message to the page: {e}").into()),
    }
}

/// RGBA pixels `(width, height, bytes)` as a message's image.
pub(super) fn image((width, height, rgba): (usize, usize, Vec<u8>)) -> Image {
    Image { width: width as u32, height: height as u32, rgba: Bytes::to_js(&rgba) }
}

/// A model ready for inference, for classifying a person's images.
#[derive(Clone)]
pub(super) struct Snapshot {
    pub(super) model: ResNet,
    /// The pixel mean its inputs are normalised with.
    pub(super) mean: Rc<Vec<f32>>,
    /// A device without autodiff, where `model` lives.
    pub(super) device: Device,
    pub(super) source: ModelSource,
}

/// The last evaluation on the test set, for the explorer.
pub(super) struct Explorable {
    pub(super) epoch: usize,
    pub(super) probabilities: Vec<f32>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) data: Option<Rc<Cifar10>>,
    /// `data` made ready for `device` (its pixel mean, its splits on the GPU); see `prepared.rs`.
    pub(super) prepared: Option<Rc<Prepared>>,
    pub(super) device: Option<(Device, BackendChoice)>,
    /// The device as the page names it (kept with every run): `WebGPU · adapter` or the CPU.
    pub(super) device_name: String,
    pub(super) running: bool,
    /// An experiment is under way (also between its networks, when `running` is false).
    pub(super) experiment_active: bool,
    pub(super) lang: Lang,
    pub(super) snapshot: Option<Snapshot>,
    pub(super) explorable: Option<Explorable>,
    /// burn's wgpu device and queue (for the peak measurement).
    #[cfg(feature = "webgpu")]
    pub(super) wgpu_handles: Option<(burn::tensor::wgpu::wgpu::Device, burn::tensor::wgpu::wgpu::Queue)>,
    /// Threads of the CPU backend (the pool `www/worker.js` started; 1 in the WebGPU module).
    pub(super) threads: usize,
    /// What `www/worker.js` saw of WebGPU when it chose the threaded module for «Automático»
    /// (the WebGPU module looks itself).
    #[cfg(not(feature = "webgpu"))]
    pub(super) seen: Option<Seen>,
}

impl State {
    /// A run or an experiment (also between its networks) has the device.
    pub(super) fn busy(&self) -> bool {
        self.running || self.experiment_active
    }
}

pub(super) fn texts() -> &'static Texts {
    STATE.with_borrow(|s| s.lang).texts()
}

pub(super) fn set_snapshot(snapshot: Snapshot) {
    post(&FromWorker::ModelAvailable { source: snapshot.source.clone() });
    STATE.with_borrow_mut(|s| s.snapshot = Some(snapshot));
}

/// Why `www/worker.js` chose the threaded module for «Automático».
#[cfg(not(feature = "webgpu"))]
pub(super) enum Seen {
    /// A software adapter (its name, maybe empty), slower than the CPU backend.
    Software(String),
    /// No adapter: why (empty when the browser has no `navigator.gpu`).
    NoAdapter(String),
}

/// What the controls asked for, read by the trainer between steps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Wish {
    Run,
    Pause,
    Stop,
}

thread_local! {
    pub(super) static STATE: RefCell<State> = RefCell::new(State::default());
    pub(super) static WISH: Cell<Wish> = const { Cell::new(Wish::Run) };
}
