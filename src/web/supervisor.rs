//! Receives the worker's messages and replaces a worker that can no longer go on (a lost
//! WebGPU device, a crash).

use web_sys::MessageEvent;

use super::dom::listen;
use super::js_error;
use super::link::new_worker;
use super::page::{Shared, Status};
use crate::i18n::Texts;
use crate::protocol::{BackendChoice, FromWorker, RunState};

/// Workers replaced in one visit before the page gives up and asks for a reload.
const MAX_RECOVERIES: usize = 3;

/// Listens to the page's current worker; a crash or a lost device replaces it ([`recover`]).
pub(crate) fn wire(page: &Shared) {
    let worker = page.borrow().link.worker.clone();
    let (p, this) = (page.clone(), worker.clone());
    listen(&worker, "message", move |e: MessageEvent| {
        // Messages still queued from a worker already replaced are dropped.
        if !js_sys::Object::is(&p.borrow().link.worker, &this) {
            return;
        }
        let message: FromWorker = match serde_wasm_bindgen::from_value(e.data()) {
            Ok(message) => message,
            Err(e) => {
                web_sys::console::error_1(&format!("mensaje del worker no reconocido: {e}").into());
                return;
            }
        };
        let t = p.borrow().t();
        match message {
            FromWorker::DeviceLost { reason, message } => {
                let why = [reason, message].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(": ");
                if p.borrow().setup.backend == Some(BackendChoice::Cpu) {
                    // «Automático» looked at WebGPU but trains on the CPU: that run goes on. (A
                    // later switch to WebGPU fails and is recovered like any crash.)
                    web_sys::console::warn_1(&format!("WebGPU device lost while training on the CPU: {why}").into());
                } else {
                    recover(&p, (t.device_lost)(&why));
                }
            }
            FromWorker::Crashed { message } => recover(&p, crash_text(t, &message)),
            message => p.borrow_mut().on_message(message),
        }
    });
    let (p, this) = (page.clone(), worker.clone());
    listen(&worker, "error", move |e: web_sys::Event| {
        if !js_sys::Object::is(&p.borrow().link.worker, &this) {
            return;
        }
        let message = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        let t = p.borrow().t();
        recover(&p, crash_text(t, &message));
    });
}

/// What to tell a person about a crashed worker: memory exhaustion gets its own advice.
///
/// A Rust panic reaches the page first as `Crashed` with its text (WebGPU's out-of-memory and
/// buffer-size errors among them). A WebAssembly trap that no panic announced
/// (`RuntimeError: unreachable`) is, in this program, an allocation that failed: Rust aborts when
/// the 4 GiB of wasm32 memory are exhausted.
fn crash_text(t: &Texts, message: &str) -> String {
    let lower = message.to_lowercase();
    let memory = [
        "out of memory",
        "outofmemory",
        "memory allocation",
        "allocation failed",
        "too large",
        "exceeds",
        "greater than the maximum",
        "unreachable",
    ];
    if memory.iter().any(|m| lower.contains(m)) { (t.out_of_memory)(message) } else { (t.crashed)(message) }
}

/// Replaces a worker that can no longer go on (its WebGPU device was lost, or its WebAssembly
/// crashed) with a fresh one, which gets a new device, reloads the data from the cache and
/// offers to continue from the last checkpoint in IndexedDB: the person decides.
fn recover(page: &Shared, why: String) {
    {
        let mut p = page.borrow_mut();
        p.link.worker.terminate();
        p.link.recoveries += 1;
        p.setup.data_ready = false;
        p.setup.device_ready = false;
        p.setup.backend = None;
        p.run.state = RunState::Idle;
        p.saved.offer = None;
        // A measurement or an experiment in the lost worker is not going on.
        p.lab.measuring = false;
        p.lab.pending = None;
        if let Some((_, running)) = &mut p.lab.ongoing {
            *running = false;
        }
        let t = p.t();
        let gave_up = p.link.recoveries > MAX_RECOVERIES;
        let next = if gave_up { t.recovery_gave_up } else { t.recovery_next };
        p.dom.set_text("recovery", &format!("{why} {next}"));
        p.dom.show("recovery", true);
        p.status = Status::Message(why);
        p.render_controls();
        if gave_up {
            return;
        }
        match new_worker() {
            Ok(worker) => p.link.worker = worker,
            Err(e) => {
                let message = (t.worker_failed)(&js_error(&e));
                return p.say(message);
            }
        }
    }
    wire(page);
}
