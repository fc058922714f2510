//! One tab at a time trains and changes the saved run: the worker holds a Web Lock while it
//! does (the browser frees it when the tab closes, reloads or crashes).

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::state::scope;

/// The lock's name, shared by every tab of the site.
const RUN_LOCK: &str = "resnet-webgpu-run";

/// The lock, held until dropped.
pub(super) struct RunLock {
    release: Option<Function>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// The run's lock if no other tab holds it; `None` if one does. A browser without Web Locks
/// (`navigator.locks`) gets an empty guard: it trains as before, unguarded.
///
/// Asked again for a few seconds before giving up: right after a reload, the worker of the page
/// this one replaces may still be shutting down, and it frees the lock only when it is gone.
pub(super) async fn run_lock() -> Option<RunLock> {
    for attempt in 0..=RETRIES {
        match try_lock().await {
            Ok(Some(lock)) => return Some(lock),
            Ok(None) if attempt < RETRIES => crate::web::sleep_ms(RETRY_MS).await,
            Ok(None) => return None,
            Err(e) => {
                web_sys::console::warn_1(&format!("sin Web Locks, otra pestaña podría pisar el entrenamiento guardado: {e}").into());
                return Some(RunLock { release: None });
            }
        }
    }
    None
}

/// How often, and how far apart, a held lock is asked for again.
const RETRIES: usize = 12;
const RETRY_MS: i32 = 250;

async fn try_lock() -> Result<Option<RunLock>, String> {
    let js = |e: JsValue| crate::web::js_error(&e);
    let navigator = Reflect::get(&scope(), &"navigator".into()).map_err(js)?;
    let locks = Reflect::get(&navigator, &"locks".into()).map_err(js)?;
    if locks.is_undefined() || locks.is_null() {
        return Err("navigator.locks is missing".into());
    }
    let request: Function = Reflect::get(&locks, &"request".into()).map_err(js)?.dyn_into().map_err(js)?;
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).map_err(js)?;
    // The lock is held until the promise the callback returns settles: `held`, resolved by the
    // guard's drop. `granted` says whether the callback got the lock (`null` when another tab
    // holds it).
    let (mut release, mut grant) = (None, None);
    let held = Promise::new(&mut |resolve, _| release = Some(resolve));
    let granted = Promise::new(&mut |resolve, _| grant = Some(resolve));
    let grant = grant.ok_or("no resolver")?;
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = grant.call1(&JsValue::NULL, &JsValue::from_bool(got));
        if got { held.into() } else { JsValue::UNDEFINED }
    });
    request.call3(&locks, &RUN_LOCK.into(), &options, &callback).map_err(js)?;
    let got = JsFuture::from(granted).await.map_err(js)?.as_bool() == Some(true);
    Ok(got.then_some(RunLock { release }))
}
