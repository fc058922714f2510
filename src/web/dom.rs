//! Small DOM helpers: elements by id, text and HTML, visibility and enabled state, events,
//! files the person chooses or drops, downloads.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, DragEvent, Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// The page's document, with lookups by id that tolerate a missing element.
#[derive(Clone)]
pub(crate) struct Dom {
    pub(crate) document: Document,
}

impl Dom {
    pub(crate) fn el(&self, id: &str) -> Option<Element> {
        self.document.get_element_by_id(id)
    }

    /// Sets an element's text; the same text again changes nothing (no DOM mutation, so a live
    /// region does not announce it twice).
    pub(crate) fn set_text(&self, id: &str, text: &str) {
        if let Some(el) = self.el(id)
            && el.text_content().as_deref() != Some(text)
        {
            el.set_text_content(Some(text));
        }
    }

    /// Sets markup built by `crate::html` (which escapes what it interpolates).
    pub(crate) fn set_html(&self, id: &str, html: &str) {
        if let Some(el) = self.el(id) {
            el.set_inner_html(html);
        }
    }

    pub(crate) fn show(&self, id: &str, visible: bool) {
        if let Some(el) = self.el(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            el.set_hidden(!visible);
        }
    }

    pub(crate) fn enable(&self, id: &str, enabled: bool) {
        if let Some(el) = self.el(id) {
            if enabled {
                let _ = el.remove_attribute("disabled");
            } else {
                let _ = el.set_attribute("disabled", "");
            }
        }
    }

    pub(crate) fn set_attr(&self, id: &str, name: &str, value: &str) {
        if let Some(el) = self.el(id) {
            let _ = el.set_attribute(name, value);
        }
    }

    /// Moves the keyboard's focus to element `id`.
    pub(crate) fn focus(&self, id: &str) {
        if let Some(el) = self.el(id).and_then(|el| el.dyn_into::<HtmlElement>().ok()) {
            let _ = el.focus();
        }
    }

    pub(crate) fn input(&self, id: &str) -> Option<HtmlInputElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
    }

    pub(crate) fn select(&self, id: &str) -> Option<HtmlSelectElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
    }

    /// An input's or select's value ("" when missing).
    pub(crate) fn value(&self, id: &str) -> String {
        self.input(id).map(|i| i.value()).or_else(|| self.select(id).map(|s| s.value())).unwrap_or_default()
    }

    pub(crate) fn set_value(&self, id: &str, value: &str) {
        if let Some(input) = self.input(id) {
            input.set_value(value);
        } else if let Some(select) = self.select(id) {
            select.set_value(value);
        }
    }

    pub(crate) fn checked(&self, id: &str) -> bool {
        self.input(id).is_some_and(|i| i.checked())
    }

    pub(crate) fn set_checked(&self, id: &str, checked: bool) {
        if let Some(input) = self.input(id) {
            input.set_checked(checked);
        }
    }

    /// Calls `handler` on every `event` of the element `id`; an error names a missing element.
    pub(crate) fn on(&self, id: &str, event: &str, handler: impl FnMut(web_sys::Event) + 'static) -> Result<(), JsValue> {
        let el = self.el(id).ok_or_else(|| JsValue::from_str(&format!("no element #{id}")))?;
        listen(&el, event, handler);
        Ok(())
    }

    /// Offers `url` (a data: or blob: URL) to the person as a file named `filename`.
    pub(crate) fn download(&self, filename: &str, url: &str) {
        let Ok(link) = self.document.create_element("a") else { return };
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("download", filename);
        if let Some(link) = link.dyn_ref::<HtmlElement>() {
            link.click();
        }
    }

    pub(crate) fn download_text(&self, filename: &str, mime: &str, text: &str) {
        let url = format!("data:{mime};charset=utf-8,{}", js_sys::encode_uri_component(text));
        self.download(filename, &url);
    }

    /// Offers bytes as a download through an object URL, revoked a minute later (the download
    /// has its own copy by then).
    pub(crate) fn download_bytes(&self, filename: &str, bytes: &[u8]) -> Result<(), JsValue> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/octet-stream");
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        self.download(filename, &url);
        let revoke = Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        if let Some(window) = web_sys::window() {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)?;
        }
        Ok(())
    }
}

/// Calls `handler` on every `event` of `target` for the page's lifetime.
pub(crate) fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    handler: impl FnMut(E) + 'static,
) {
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    if let Err(e) = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref()) {
        web_sys::console::error_1(&e);
    }
    closure.forget();
}

/// The file chosen in the `<input type=file>` that fired `event`.
pub(crate) fn chosen_file(event: &web_sys::Event) -> Option<web_sys::File> {
    let input = event.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0));
    // Emptied, so that choosing the same file again (after training, say) is a change too.
    input.set_value("");
    file
}

/// Makes the element `id` a drop target for one file.
pub(crate) fn drop_zone(dom: &Dom, id: &str, mut on_file: impl FnMut(web_sys::File) + 'static) {
    let Some(zone) = dom.el(id) else { return };
    let z = zone.clone();
    listen(&zone, "dragover", move |e: DragEvent| {
        e.prevent_default();
        let _ = z.class_list().add_1("over");
    });
    let z = zone.clone();
    listen(&zone, "dragleave", move |_: DragEvent| {
        let _ = z.class_list().remove_1("over");
    });
    let z = zone.clone();
    listen(&zone, "drop", move |e: DragEvent| {
        e.prevent_default();
        let _ = z.class_list().remove_1("over");
        if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            on_file(file);
        }
    });
}

/// A file's bytes, as the `ArrayBuffer` the browser read (to be transferred to the worker).
pub(crate) async fn read_file(file: &web_sys::File) -> Result<js_sys::ArrayBuffer, JsValue> {
    JsFuture::from(file.array_buffer()).await.map(JsCast::unchecked_into)
}

/// Milliseconds since the page loaded.
pub(crate) fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The `location` field `key` (`search`, `origin`, `pathname`) of the page, or of the worker's
/// script where a worker asks, or "".
pub(crate) fn location(key: &str) -> String {
    Reflect::get(&js_sys::global(), &"location".into())
        .ok()
        .and_then(|l| Reflect::get(&l, &key.into()).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Whether the query has `key=1` (a developer's switch, such as `kernels`).
pub(crate) fn query_flag(key: &str) -> bool {
    query_pairs().iter().any(|(k, v)| k == key && v == "1")
}

/// The page link's query (in a worker: its script's) as `(key, value)` pairs, decoded by the
/// platform's URL parser.
pub(crate) fn query_pairs() -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&location("search")) else { return Vec::new() };
    let mut pairs = Vec::new();
    for entry in js_sys::try_iter(&params).ok().flatten().into_iter().flatten().flatten() {
        let entry: js_sys::Array = entry.unchecked_into();
        if let (Some(key), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((key, value));
        }
    }
    pairs
}

/// Draws RGBA pixels on the canvas `id`, resized to them.
pub(crate) fn draw_rgba(dom: &Dom, id: &str, width: u32, height: u32, rgba: &[u8]) {
    let Some(canvas) = dom.el(id).and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok()) else { return };
    canvas.set_width(width);
    canvas.set_height(height);
    let context = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(rgba), width, height);
    if let (Some(context), Ok(image)) = (context, image) {
        let _ = context.put_image_data(&image, 0.0, 0.0);
    }
}
