//! The archive: from Cache Storage or the network (with progress), parsed, shown.

use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ReadableStreamDefaultReader, Response};

use super::state::{CACHE_NAME, STATE, image, post, scope, texts};
use crate::data::{Cifar10, class_examples, mosaic};
use crate::protocol::{Canvas, FromWorker, STRIP_LEN};
use crate::web::js_error;

/// The archive from Cache Storage, or from the network with progress (then cached).
pub(super) async fn fetch_archive(url: &str) -> Result<Vec<u8>, String> {
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
pub(super) async fn response_bytes(response: &Response, from_cache: bool) -> Result<Vec<u8>, String> {
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
pub(super) async fn forget_cached(url: &str) {
    if let Ok(caches) = scope().caches()
        && let Ok(cache) = JsFuture::from(caches.open(CACHE_NAME)).await
    {
        let cache: Cache = cache.unchecked_into();
        let _ = JsFuture::from(cache.delete_with_str(url)).await;
    }
}

/// Parses an archive and tells the page; `false` when it is not a usable archive.
pub(super) fn parse_archive(bytes: Vec<u8>) -> bool {
    match Cifar10::from_bytes(&bytes) {
        Ok(data) => {
            let rows = class_examples(&data.train, 10);
            post(&FromWorker::Pixels { canvas: Canvas::ClassGrid, image: image(mosaic(&data.train, &rows, 2)) });
            let strip: Vec<Vec<usize>> = vec![(0..STRIP_LEN.min(data.test.len())).collect()];
            post(&FromWorker::Pixels { canvas: Canvas::TestStrip, image: image(mosaic(&data.test, &strip, 2)) });
            post(&FromWorker::DataReady { train_images: data.train.len(), test_images: data.test.len() });
            STATE.with_borrow_mut(|s| s.data = Some(Rc::new(data)));
            true
        }
        Err(e) => {
            post(&FromWorker::DataError { message: (texts().invalid_archive)(&(texts().data_error)(&e)) });
            false
        }
    }
}
