//! Receives the worker's messages and replaces a worker that can no longer go on (a lost
//! WebGPU device, a crash).

use web_sys::MessageEvent;

use super::dom::listen;
use super::js_error;
use super::link::{isolated, new_worker};
use super::page::{Page, Shared, Status};
use crate::i18n::Said;
use crate::protocol::{BackendChoice, FromWorker, RunState, WorkerModule};

/// Workers replaced in one visit before the page gives up and asks for a reload.
const MAX_RECOVERIES: usize = 3;

/// Listens to the page's current worker; a crash or a lost device replaces it ([`recover`]).
pub(crate) fn wire(page: &Shared) {
    let (worker, crashes) = {
        let p = page.borrow();
        (p.link.worker.clone(), p.link.crashes.clone())
    };
    // A pool thread of the threaded module that crashed (`www/worker.js`: the worker itself is
    // blocked waiting for that thread, and cannot say it).
    let (p, this) = (page.clone(), worker.clone());
    listen(&crashes, "message", move |e: MessageEvent| {
        if !js_sys::Object::is(&p.borrow().link.worker, &this) {
            return;
        }
        if let Ok(FromWorker::Crashed { message }) = serde_wasm_bindgen::from_value(e.data()) {
            recover(&p, crash_text(&message));
        }
    });
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
        match message {
            FromWorker::DeviceLost { reason, message } => {
                let why = [reason, message].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(": ");
                if p.borrow().setup.backend == Some(BackendChoice::Cpu) {
                    // «Automático» looked at WebGPU but trains on the CPU: that run goes on. (A
                    // later switch to WebGPU fails and is recovered like any crash.)
                    web_sys::console::warn_1(&format!("WebGPU device lost while training on the CPU: {why}").into());
                } else {
                    recover(&p, Said::new(|t| (t.device_lost)(&why)));
                }
            }
            FromWorker::Crashed { message } => recover(&p, crash_text(&message)),
            // A worker whose module cannot train on the device chosen (the choice changed while
            // it started) is replaced before it loads anything.
            FromWorker::Ready { module, threads } => {
                let wanted = module.switch_for(p.borrow().backend_choice(), isolated());
                match wanted {
                    Some(wanted) => switch_module(&p, wanted),
                    None => p.borrow_mut().on_message(FromWorker::Ready { module, threads }),
                }
            }
            message => p.borrow_mut().on_message(message),
        }
    });
    let (p, this) = (page.clone(), worker.clone());
    listen(&worker, "error", move |e: web_sys::Event| {
        if !js_sys::Object::is(&p.borrow().link.worker, &this) {
            return;
        }
        let message = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        recover(&p, crash_text(&message));
    });
}

/// What to tell a person about a crashed worker: memory exhaustion gets its own advice.
///
/// A Rust panic reaches the page first as `Crashed` with its text (WebGPU's out-of-memory and
/// buffer-size errors among them). A WebAssembly trap that no panic announced
/// (`RuntimeError: unreachable`) is, in this program, an allocation that failed: Rust aborts when
/// the 4 GiB of wasm32 memory are exhausted.
fn crash_text(message: &str) -> Said {
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
    if memory.iter().any(|m| lower.contains(m)) {
        Said::new(|t| (t.out_of_memory)(message))
    } else {
        Said::new(|t| (t.crashed)(message))
    }
}

/// Replaces a worker that can no longer go on (its WebGPU device was lost, or its WebAssembly
/// crashed) with a fresh one, which gets a new device, reloads the data from the cache and
/// offers to continue from the last checkpoint in IndexedDB: the person decides.
fn recover(page: &Shared, why: Said) {
    let module = {
        let mut p = page.borrow_mut();
        p.link.recoveries += 1;
        let gave_up = p.link.recoveries > MAX_RECOVERIES;
        p.setup.recovery = Some(why.map(|t, why| {
            let next = if gave_up { t.recovery_gave_up } else { t.recovery_next };
            format!("{why} {next}")
        }));
        p.render_recovery();
        p.status = Status::Message(why);
        if gave_up {
            p.link.worker.terminate();
            p.link.crashes.close();
            forget_worker(&mut p);
            return p.render_controls();
        }
        WorkerModule::wanted(p.backend_choice(), isolated())
    };
    replace_worker(page, module);
}

/// Replaces the worker with one running `module`, because the device chosen needs it (WebGPU
/// is only in the WebGPU module, the CPU's threads only in the threaded one). Nothing is lost
/// but the parsed data, which the new worker reads again from the cache; the choice is made
/// while nothing trains (the controls are locked during a run).
pub(crate) fn switch_module(page: &Shared, module: WorkerModule) {
    replace_worker(page, module.query());
}

/// Terminates the worker and starts one running `module` (`www/worker.js`'s `?module=`).
fn replace_worker(page: &Shared, module: &str) {
    {
        let mut p = page.borrow_mut();
        p.link.worker.terminate();
        p.link.crashes.close();
        forget_worker(&mut p);
        p.render_controls();
        match new_worker(module) {
            Ok((worker, crashes)) => {
                p.link.worker = worker;
                p.link.crashes = crashes;
            }
            Err(e) => {
                let message = js_error(&e);
                return p.say(Said::new(|t| (t.worker_failed)(&message)));
            }
        }
    }
    wire(page);
}

/// What the page knew of a worker that is gone: its data and device, the kernels it compiled, a
/// run in progress, a measurement or an experiment going on.
fn forget_worker(p: &mut Page) {
    p.setup.data_ready = false;
    p.setup.device_ready = false;
    p.setup.backend = None;
    p.setup.module = None;
    p.setup.kernels = None;
    p.run.state = RunState::Idle;
    p.run.asked = false;
    p.run.pausing = false;
    p.saved.offer = None;
    p.lab.measuring = false;
    p.lab.pending = None;
    if let Some((_, running)) = &mut p.lab.ongoing {
        *running = false;
    }
}
