//! Using what was learned, on the page: classify a person's image (file, drop, paste or a
//! drawing) and explore the test set by the network's confidence.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{
    CanvasRenderingContext2d, ClipboardEvent, Document, Element, HtmlCanvasElement, HtmlOptionElement, PointerEvent,
};

use super::page::{Page, Shared, chosen_file, drop_zone, listen, send_file};
use crate::explore::{Item, Order, Query, argmax};
use crate::i18n::ModelSource;
use crate::protocol::{ToWorker, raw};

/// Test images listed by the explorer.
const EXPLORE_COUNT: usize = 24;
/// Width of the drawing brush, in canvas pixels.
const BRUSH: f64 = 14.0;

impl Page {
    pub(crate) fn on_model_available(&mut self, source: ModelSource) {
        self.set_text("classify-model", &(self.t().model_source)(&source));
        self.model_source = Some(source);
    }

    /// Shows the class probabilities as bars, the most likely class first in bold.
    pub(crate) fn on_classified(&mut self, probabilities: Vec<f32>, source: ModelSource) {
        let t = self.t();
        let (best, p) = argmax(&probabilities);
        let rows: String = probabilities
            .iter()
            .enumerate()
            .map(|(c, &q)| {
                let top = if c == best { " top" } else { "" };
                format!(
                    "<span class=\"name{top}\">{}</span><span><span class=\"bar\" style=\"width: {:.1}%\"></span></span>\
                     <span class=\"value{top}\">{:.1} %</span>",
                    t.classes[c % 10],
                    q * 100.0,
                    q * 100.0
                )
            })
            .collect();
        // Full precision for tests and the curious: `data-probabilities`.
        let exact: Vec<String> = probabilities.iter().map(|q| format!("{q:?}")).collect();
        self.set_html(
            "classify-bars",
            &format!("<div class=\"bars\" data-probabilities=\"{}\">{rows}</div>", exact.join(",")),
        );
        self.set_text("classify-status", &(t.classify_result)(t.classes[best % 10], f64::from(p) * 100.0));
        self.set_text("classify-model", &(t.model_source)(&source));
        self.classified = Some((probabilities, source));
    }

    /// The explorer's filter as the controls say.
    fn explore_query(&self) -> Query {
        let class = |id: &str| self.select(id).and_then(|s| s.value().parse::<usize>().ok());
        let order = match self.select("explore-order").map(|s| s.value()).as_deref() {
            Some("confident_right") => Order::ConfidentRight,
            Some("uncertain") => Order::Uncertain,
            _ => Order::ConfidentWrong,
        };
        Query { order, truth: class("explore-truth"), predicted: class("explore-predicted"), count: EXPLORE_COUNT }
    }

    pub(crate) fn request_explore(&self) {
        self.send(&ToWorker::Explore { query: self.explore_query() });
    }

    pub(crate) fn on_explored(&self, epoch: usize, items: &[Item], columns: usize) {
        let t = self.t();
        if items.is_empty() {
            if let Some(canvas) = self.el("explore-grid").and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok()) {
                canvas.set_width(0);
                canvas.set_height(0);
            }
            self.set_html("explore-labels", "");
            self.set_text("explore-status", t.explore_empty);
            return;
        }
        // One card per image: its pixels cut from the mosaic the worker drew on the hidden
        // `#explore-grid` (cells of 32 pixels, 2 apart), the predicted class and confidence, and
        // the true class.
        let cells: String = items
            .iter()
            .map(|item| {
                let class = if item.truth == item.predicted { "ok" } else { "bad" };
                format!(
                    "<figure class=\"{class}\" data-index=\"{}\" data-truth=\"{}\" data-predicted=\"{}\" \
                     data-confidence=\"{:?}\" title=\"#{} · {}: {} ({:.1} %)\"><canvas width=\"32\" height=\"32\"></canvas>\
                     <figcaption>{} <b>{:.0} %</b><br><small>{}: {}</small></figcaption></figure>",
                    item.index,
                    item.truth,
                    item.predicted,
                    item.confidence,
                    item.index,
                    t.truth,
                    t.classes[item.truth % 10],
                    item.truth_probability * 100.0,
                    t.classes[item.predicted % 10],
                    item.confidence * 100.0,
                    t.truth,
                    t.classes[item.truth % 10],
                )
            })
            .collect();
        let Some(labels) = self.el("explore-labels") else { return };
        labels.set_inner_html(&cells);
        let mosaic = self.el("explore-grid").and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok());
        if let (Some(mosaic), Ok(canvases)) = (mosaic, labels.query_selector_all("canvas")) {
            for i in 0..canvases.length() {
                let Some(canvas) = canvases.item(i).and_then(|n| n.dyn_into::<HtmlCanvasElement>().ok()) else { continue };
                let (x, y) = ((i as usize % columns) * 34, (i as usize / columns) * 34);
                if let Some(ctx) = context(&canvas) {
                    let _ = ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                        &mosaic, x as f64, y as f64, 32.0, 32.0, 0.0, 0.0, 32.0, 32.0,
                    );
                }
            }
        }
        self.set_text("explore-status", &(t.explore_caption)(items.len(), epoch));
    }

    /// The explorer's class filters: "all" and the ten classes, in the page's language.
    pub(crate) fn fill_class_selects(&self) {
        for id in ["explore-truth", "explore-predicted"] {
            let Some(select) = self.select(id) else { continue };
            let current = select.value();
            select.set_inner_html("");
            let options = std::iter::once((String::new(), self.t().all_classes))
                .chain(self.t().classes.iter().enumerate().map(|(c, name)| (c.to_string(), *name)));
            for (value, label) in options {
                if let Ok(option) = HtmlOptionElement::new_with_text_and_value(label, &value) {
                    let _ = select.append_child(&option);
                }
            }
            select.set_value(&current);
        }
    }

    /// Filters the explorer to one cell of the confusion matrix.
    fn explore_cell(&self, truth: usize, predicted: usize) {
        for (id, value) in [("explore-truth", truth), ("explore-predicted", predicted)] {
            if let Some(select) = self.select(id) {
                select.set_value(&value.to_string());
            }
        }
        if let Some(select) = self.select("explore-order") {
            select.set_value(if truth == predicted { "confident_right" } else { "confident_wrong" });
        }
        self.request_explore();
        if let Some(explorer) = self.el("explorer") {
            explorer.scroll_into_view();
        }
    }
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into().ok())
}

fn clear_sketch(canvas: &HtmlCanvasElement) {
    if let Some(ctx) = context(canvas) {
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    }
}

/// The pointer's position in the canvas' own pixels (the canvas may be scaled by CSS).
fn canvas_point(canvas: &HtmlCanvasElement, e: &PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let sx = canvas.width() as f64 / rect.width().max(1.0);
    let sy = canvas.height() as f64 / rect.height().max(1.0);
    ((e.client_x() as f64 - rect.left()) * sx, (e.client_y() as f64 - rect.top()) * sy)
}

/// Sends the drawing's pixels to be classified.
fn classify_sketch(page: &Page, canvas: &HtmlCanvasElement) {
    let Some(ctx) = context(canvas) else { return };
    let (w, h) = (canvas.width(), canvas.height());
    let Ok(image) = ctx.get_image_data(0.0, 0.0, w as f64, h as f64) else { return };
    let pixels = Uint8Array::from(image.data().0.as_slice());
    let message = js_sys::Object::new();
    for (key, value) in [
        ("type", JsValue::from_str(raw::CLASSIFY_PIXELS)),
        ("width", JsValue::from_f64(w as f64)),
        ("height", JsValue::from_f64(h as f64)),
        ("data", pixels.clone().into()),
    ] {
        let _ = Reflect::set(&message, &key.into(), &value);
    }
    page.set_text("classify-status", page.t().classifying);
    if let Err(e) = page.worker.post_message_with_transfer(&message, &Array::of1(&pixels.buffer())) {
        page.set_text("classify-status", &super::js_error(&e));
    }
}

/// Wires the classifier (file, drop, paste, drawing, weights) and the explorer.
pub(crate) fn wire(page: &Shared, document: &Document) -> Result<(), JsValue> {
    let by_id = |id: &str| -> Result<web_sys::EventTarget, JsValue> {
        document.get_element_by_id(id).map(Into::into).ok_or_else(|| JsValue::from_str(id))
    };
    let classify_file = |p: &Shared, file: web_sys::File| send_file(p, file, raw::CLASSIFY_FILE, "classify-status", Vec::new());

    let p = page.clone();
    listen(&by_id("classify-file")?, "change", move |e: web_sys::Event| {
        if let Some(file) = chosen_file(&e) {
            classify_file(&p, file);
        }
    });
    let p = page.clone();
    drop_zone(document, "classify-drop", move |file| classify_file(&p, file));
    // Paste an image anywhere on the page (text pastes into the fields as usual).
    let p = page.clone();
    listen(document, "paste", move |e: ClipboardEvent| {
        let Some(files) = e.clipboard_data().and_then(|d| d.files()) else { return };
        match files.get(0) {
            Some(file) if file.type_().starts_with("image/") => {
                e.prevent_default();
                classify_file(&p, file);
            }
            Some(_) => p.borrow().set_text("classify-status", p.borrow().t().clipboard_no_image),
            None => {}
        }
    });

    let p = page.clone();
    listen(&by_id("weights-file")?, "change", move |e: web_sys::Event| {
        if let Some(file) = chosen_file(&e) {
            let model = p.borrow().select("model").map(|s| s.value()).unwrap_or_default();
            send_file(&p, file, raw::LOAD_WEIGHTS, "classify-status", vec![("model", model.into())]);
        }
    });

    // The drawing: strokes follow the pointer (mouse, pen or finger).
    let canvas: HtmlCanvasElement = by_id("sketch")?.dyn_into()?;
    clear_sketch(&canvas);
    let drawing = std::rc::Rc::new(std::cell::Cell::new(None::<(f64, f64)>));
    {
        let (c, d) = (canvas.clone(), drawing.clone());
        listen(&canvas, "pointerdown", move |e: PointerEvent| {
            // No text selection or scrolling while drawing.
            e.prevent_default();
            let _ = c.set_pointer_capture(e.pointer_id());
            let point = canvas_point(&c, &e);
            d.set(Some(point));
            if let Some(ctx) = context(&c) {
                ctx.begin_path();
                ctx.set_fill_style_str(&color(&c));
                let _ = ctx.arc(point.0, point.1, BRUSH / 2.0, 0.0, std::f64::consts::TAU);
                ctx.fill();
            }
        });
        let (c, d) = (canvas.clone(), drawing.clone());
        listen(&canvas, "pointermove", move |e: PointerEvent| {
            let Some(from) = d.get() else { return };
            let to = canvas_point(&c, &e);
            if let Some(ctx) = context(&c) {
                ctx.set_stroke_style_str(&color(&c));
                ctx.set_line_width(BRUSH);
                ctx.set_line_cap("round");
                ctx.set_line_join("round");
                ctx.begin_path();
                ctx.move_to(from.0, from.1);
                ctx.line_to(to.0, to.1);
                ctx.stroke();
            }
            d.set(Some(to));
        });
        for event in ["pointerup", "pointercancel", "pointerleave"] {
            let d = drawing.clone();
            listen(&canvas, event, move |_: PointerEvent| d.set(None));
        }
    }
    let c = canvas.clone();
    listen(&by_id("sketch-clear")?, "click", move |_: web_sys::Event| clear_sketch(&c));
    let (p, c) = (page.clone(), canvas.clone());
    listen(&by_id("sketch-classify")?, "click", move |_: web_sys::Event| classify_sketch(&p.borrow(), &c));

    // The explorer.
    for id in ["explore-order", "explore-truth", "explore-predicted"] {
        let p = page.clone();
        listen(&by_id(id)?, "change", move |_: web_sys::Event| p.borrow().request_explore());
    }
    let p = page.clone();
    listen(&by_id("confusion")?, "click", move |e: web_sys::Event| {
        let cell = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("td[data-truth]").ok().flatten());
        let Some(cell) = cell else { return };
        let attr = |k: &str| cell.get_attribute(k).and_then(|v| v.parse::<usize>().ok());
        if let (Some(truth), Some(predicted)) = (attr("data-truth"), attr("data-predicted")) {
            p.borrow().explore_cell(truth, predicted);
        }
    });
    Ok(())
}

/// The drawing colour chosen beside the canvas.
fn color(canvas: &HtmlCanvasElement) -> String {
    canvas
        .owner_document()
        .and_then(|d| d.get_element_by_id("sketch-color"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_else(|| "#000000".into())
}
