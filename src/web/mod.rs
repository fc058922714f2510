//! The browser side: the page (controls, charts, live views) and its training worker.
//!
//! The page, from the bottom up: `dom.rs` and `chart.rs` (JS bindings), `link.rs` (sending to
//! the worker), `use_model.rs` (classify and explore, its own state), `page.rs` (the one state
//! struct), `view.rs` and `messages.rs` (drawing it, and the worker's messages changing it),
//! `supervisor.rs` (receiving, replacing a lost worker), `lab.rs` (experiments, presets,
//! compared runs), `app.rs` (the entry point and the controls). The worker: `worker.rs` and `worker/`. Checkpoints in IndexedDB: `store.rs`.

pub mod app;
mod chart;
mod dom;
mod lab;
mod link;
mod messages;
mod page;
pub mod store;
mod supervisor;
mod use_model;
mod view;
pub mod worker;

/// `initThreadPool(n)` for `www/worker.js`: rayon's pool as Web Workers sharing this module's
/// memory (the threaded module only).
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

unsafe extern "C" {
    /// The module's static constructors, synthesised by wasm-ld.
    fn __wasm_call_ctors();
}

/// Runs the module's static constructors, once, at start-up: `app::start`, wasm-bindgen's start
/// function, calls it first thing when the module loads, in the page and in the worker alike.
///
/// cubecl registers its IR dialects with `inventory`, that is with static constructors. When a
/// module never calls `__wasm_call_ctors` itself, wasm-ld wraps *every* export with a call to it,
/// and a WebGPU training step calls into the module thousands of times (wasm-bindgen's glue,
/// every callback): re-running a few hundred registrations each time cost 2.3 ms per GPU
/// dispatch in Chromium, against 22 µs for the whole dispatch natively (BENCHMARKS.md). With
/// this one explicit call, wasm-ld leaves the exports alone.
pub fn run_static_constructors() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    // SAFETY: wasm-ld's constructor list, run exactly once, before any code reads what the
    // constructors register.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
}

/// Times our own static constructor has run: exactly once when [`run_static_constructors`] works,
/// once per call into the module when wasm-ld wraps the exports again (the test that guards it:
/// `static_constructors_run_once` in `tests/browser.rs`).
static CONSTRUCTOR_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn count_constructor_run() {
    CONSTRUCTOR_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// A static constructor of ours, registered the way `inventory` registers cubecl's.
#[used]
#[unsafe(link_section = ".init_array")]
static COUNT_CONSTRUCTOR_RUNS: extern "C" fn() = count_constructor_run;

/// How many times the module's static constructors have run.
pub fn constructor_runs() -> usize {
    CONSTRUCTOR_RUNS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Waits `ms` milliseconds on the event loop (window or worker), letting other tasks run.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match set_timeout {
            Some(f) => {
                let _ = f.call2(&global, &resolve, &JsValue::from(ms));
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A JS exception as text.
pub fn js_error(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
