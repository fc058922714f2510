//! The page's kernel profile on WebGPU, for developers: opened with `?kernels=1`, the page starts
//! its worker with the same query, and the worker records every kernel of the steps between a
//! fresh run's first two progress reports (steps 2–11 with the default report every 10 steps),
//! timed on the device's clock ([`crate::profile::Recording`]), and logs the top kernels as a
//! Markdown table on the console (`www/kernel-profile.mjs` reads it).

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::profile::Recording;
use crate::web::dom::query_flag;

/// The console line that opens the table.
pub const HEADER: &str = "kernel profile";

thread_local! {
    /// The recording under way, and the step it started after.
    static RECORDING: RefCell<Option<(Recording, usize)>> = const { RefCell::new(None) };
}

/// Called with each progress report: the first report of a fresh run starts the recording, the
/// next one ends it and logs the profile.
pub(super) fn reported(epoch: usize, step: usize) {
    // The worker was started with `kernels=1` in its query.
    if !query_flag("kernels") {
        return;
    }
    let recording = RECORDING.with_borrow_mut(|slot| match slot.take() {
        None if epoch == 0 && step == 1 => {
            *slot = Some((Recording::start(), step));
            None
        }
        None => None,
        Some((recording, from)) => Some((recording, from, step)),
    });
    // The report comes after the window's loss was read back: the device has run the steps.
    if let Some((recording, from, to)) = recording {
        spawn_local(async move {
            let (profile, unmeasured) = recording.finish().await;
            let steps = to.saturating_sub(from).max(1);
            let text = format!(
                "{HEADER}, steps {}–{to}: {} dispatches, {} without a measurement\n{}",
                from + 1,
                profile.dispatches() + unmeasured,
                unmeasured,
                profile.table(steps, 10)
            );
            web_sys::console::info_1(&JsValue::from_str(&text));
        });
    }
}
