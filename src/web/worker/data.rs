//! The archive: from Cache Storage or the network (with progress), parsed, shown.

use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ReadableStreamDefaultReader, Response};

use super::state::{CACHE_NAME, STATE, image, post, scope};
use crate::i18n::Said;
use crate::data::{Cifar10, class_examples, mosaic};
use crate::protocol::{Canvas, FromWorker, STRIP_LEN};
use crate::web::js_error;

/// A download kept as the JS chunks it arrived in, outside WebAssembly's memory (which never
/// shrinks): only the parsed sets enter the heap. Read through [`std::io::Read`], each chunk let
/// go once read.
pub(super) struct JsChunks {
    chunks: std::collections::VecDeque<Uint8Array>,
    /// Bytes of the front chunk already read.
    offset: u32,
}

impl JsChunks {
    /// The whole download as one JS `Blob` (for Cache Storage), without copying it into wasm.
    fn blob(&self) -> Result<web_sys::Blob, JsValue> {
        let parts = js_sys::Array::new();
        for chunk in &self.chunks {
            parts.push(chunk);
        }
        web_sys::Blob::new_with_u8_array_sequence(&parts)
    }

    fn len(&self) -> f64 {
        self.chunks.iter().map(|c| c.length() as f64).sum()
    }
}

impl std::io::Read for JsChunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(front) = self.chunks.front() {
            let len = front.length();
            if self.offset >= len {
                self.chunks.pop_front();
                self.offset = 0;
                continue;
            }
            let take = (len - self.offset).min(buf.len().min(u32::MAX as usize) as u32);
            front.subarray(self.offset, self.offset + take).copy_to(&mut buf[..take as usize]);
            self.offset += take;
            return Ok(take as usize);
        }
        Ok(0)
    }
}

/// The archive from Cache Storage, or from the network with progress (then cached).
pub(super) async fn fetch_archive(url: &str) -> Result<JsChunks, Said> {
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
        .map_err(|e| Said::new(|t| (t.download_failed)(url, &js_error(&e))))?
        .unchecked_into();
    if !response.ok() {
        return Err(Said::new(|t| (t.server_said)(response.status(), &response.status_text(), url)));
    }
    let bytes = response_bytes(&response, false).await?;
    if let Some(cache) = &cache {
        match bytes.blob().and_then(|blob| Response::new_with_opt_blob(Some(&blob))) {
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

/// Reads a response's body chunk by chunk, reporting progress; the chunks stay in JS.
pub(super) async fn response_bytes(response: &Response, from_cache: bool) -> Result<JsChunks, Said> {
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<f64>().ok());
    let body = response.body().ok_or_else(|| Said::new(|t| t.no_body.into()))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = JsChunks { chunks: Default::default(), offset: 0 };
    let mut loaded = 0f64;
    let mut reported = 0f64;
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| Said::new(|t| (t.download_interrupted)(&js_error(&e))))?;
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|e| Said::plain(js_error(&e)))?;
        let array = Uint8Array::new(&value);
        loaded += array.length() as f64;
        bytes.chunks.push_back(array);
        if loaded - reported >= (1 << 20) as f64 {
            reported = loaded;
            post(&FromWorker::Download { loaded, total, from_cache });
        }
    }
    debug_assert_eq!(loaded, bytes.len());
    post(&FromWorker::Download { loaded, total: Some(loaded), from_cache });
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

/// Parses an archive (streamed: gzip → tar → sets) and tells the page; `false` when it is not a
/// usable archive.
pub(super) fn parse_archive(bytes: impl std::io::Read) -> bool {
    match Cifar10::from_reader(bytes) {
        Ok(data) => {
            let rows = class_examples(&data.train, 10);
            post(&FromWorker::Pixels { canvas: Canvas::ClassGrid, image: image(mosaic(&data.train, &rows, 2)) });
            let strip: Vec<Vec<usize>> = vec![(0..STRIP_LEN.min(data.test.len())).collect()];
            post(&FromWorker::Pixels { canvas: Canvas::TestStrip, image: image(mosaic(&data.test, &strip, 2)) });
            post(&FromWorker::DataReady { train_images: data.train.len(), test_images: data.test.len() });
            STATE.with_borrow_mut(|s| {
                s.data = Some(Rc::new(data));
                // What was made ready for the earlier data goes (its buffers on the device with it).
                s.prepared = None;
            });
            true
        }
        Err(e) => {
            post(&FromWorker::DataError { message: Said::new(|t| (t.invalid_archive)(&(t.data_error)(&e)))});
            false
        }
    }
}
