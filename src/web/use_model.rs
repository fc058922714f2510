//! Using what was learned, on the page: classify a person's image (file, drop, paste or a
//! drawing) and explore the test set by the network's confidence. Its own state and views; it
//! talks to the worker through the `send` function the page gives it.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, ClipboardEvent, Element, HtmlCanvasElement, HtmlOptionElement, PointerEvent};

use super::dom::{Dom, chosen_file, draw_rgba, drop_zone, listen};
use super::link::{Send, send_file};
use super::page::MapsAsks;
use crate::explore::{Item, Order, Query, argmax};
use crate::html;
use crate::i18n::{Lang, ModelSource, Said, Texts};
use crate::protocol::{Bytes, Image, ToWorker};

/// Test images listed by the explorer.
const EXPLORE_COUNT: usize = 24;
/// Width of the drawing brush, in canvas pixels.
const BRUSH: f64 = 14.0;

/// What «Usa lo aprendido» shows: the model at hand and the last classification.
#[derive(Default)]
pub(crate) struct UseModel {
    source: Option<ModelSource>,
    classified: Option<Vec<f32>>,
    /// Why the last image or weights file could not be used (shown until the next result).
    error: Option<Said>,
}

impl UseModel {
    pub(crate) fn on_model_available(&mut self, dom: &Dom, t: &Texts, source: ModelSource) {
        let first = self.source.is_none();
        dom.set_text("classify-model", &(t.model_source)(&source));
        self.source = Some(source);
        // A newer model (each epoch's) leaves the line below as it is: a result, an error, «Clasificando…».
        if first && self.classified.is_none() && self.error.is_none() {
            dom.set_text("classify-status", t.classify_ready);
        }
    }

    pub(crate) fn on_classified(&mut self, dom: &Dom, lang: Lang, probabilities: Vec<f32>, source: ModelSource) {
        self.source = Some(source);
        self.classified = Some(probabilities);
        self.error = None;
        self.render(dom, lang);
    }

    /// An image or a weights file that could not be used: why, until the next result.
    pub(crate) fn on_error(&mut self, dom: &Dom, lang: Lang, error: Said) {
        dom.set_text("classify-status", error.text(lang));
        self.error = Some(error);
    }

    /// The model line, and the class probabilities as bars with the most likely class first
    /// (under an error about a later image, when there is one).
    pub(crate) fn render(&self, dom: &Dom, lang: Lang) {
        let t = lang.texts();
        if let Some(source) = &self.source {
            dom.set_text("classify-model", &(t.model_source)(source));
        }
        if let Some(probabilities) = &self.classified {
            dom.set_html("classify-bars", &html::bars(t, probabilities));
        }
        if let Some(error) = &self.error {
            dom.set_text("classify-status", error.text(lang));
        } else if let Some(probabilities) = &self.classified {
            let (best, p) = argmax(probabilities);
            dom.set_text("classify-status", &(t.classify_result)(t.classes[best % 10], f64::from(p) * 100.0));
        } else if self.source.is_some() {
            // Not «train first» (index.html's text) once there is a model.
            dom.set_text("classify-status", t.classify_ready);
        }
    }

    /// Asks the worker for the explorer's list, with the filter the controls show.
    pub(crate) fn request_explore(&self, dom: &Dom, send: &dyn Fn(ToWorker)) {
        send(ToWorker::Explore { query: explore_query(dom) });
    }

    /// The explorer's cards; their pixels are cut from the `mosaic` (cells of 32 pixels, 2
    /// apart), drawn first on the hidden `#explore-grid`.
    pub(crate) fn on_explored(&self, dom: &Dom, t: &Texts, epoch: usize, items: &[Item], columns: usize, mosaic: Option<Image>) {
        let (Some(mosaic), false) = (mosaic, items.is_empty()) else {
            draw_rgba(dom, "explore-grid", 0, 0, &[]);
            dom.set_html("explore-labels", "");
            dom.set_text("explore-status", t.explore_empty);
            return;
        };
        draw_rgba(dom, "explore-grid", mosaic.width, mosaic.height, &mosaic.rgba.into_vec());
        let Some(labels) = dom.el("explore-labels") else { return };
        labels.set_inner_html(&html::explorer_cards(t, items));
        let grid = dom.el("explore-grid").and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok());
        if let (Some(grid), Ok(canvases)) = (grid, labels.query_selector_all("canvas")) {
            for i in 0..canvases.length() {
                let Some(canvas) = canvases.item(i).and_then(|n| n.dyn_into::<HtmlCanvasElement>().ok()) else { continue };
                let (x, y) = ((i as usize % columns) * 34, (i as usize / columns) * 34);
                if let Some(ctx) = context(&canvas) {
                    let _ = ctx.draw_image_with_html_canvas_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                        &grid, x as f64, y as f64, 32.0, 32.0, 0.0, 0.0, 32.0, 32.0,
                    );
                }
            }
        }
        dom.set_text("explore-status", &(t.explore_caption)(items.len(), epoch));
    }

    /// The explorer's class filters: "all" and the ten classes, in the page's language.
    pub(crate) fn fill_class_selects(&self, dom: &Dom, t: &Texts) {
        for id in ["explore-truth", "explore-predicted"] {
            let Some(select) = dom.select(id) else { continue };
            let current = select.value();
            select.set_inner_html("");
            let options = std::iter::once((String::new(), t.all_classes))
                .chain(t.classes.iter().enumerate().map(|(c, name)| (c.to_string(), *name)));
            for (value, label) in options {
                if let Ok(option) = HtmlOptionElement::new_with_text_and_value(label, &value) {
                    let _ = select.append_child(&option);
                }
            }
            select.set_value(&current);
        }
    }
}

/// The explorer's filter as the controls say.
fn explore_query(dom: &Dom) -> Query {
    let class = |id: &str| dom.value(id).parse::<usize>().ok();
    let order = match dom.value("explore-order").as_str() {
        "confident_right" => Order::ConfidentRight,
        "uncertain" => Order::Uncertain,
        _ => Order::ConfidentWrong,
    };
    Query { order, truth: class("explore-truth"), predicted: class("explore-predicted"), count: EXPLORE_COUNT }
}

/// Filters the explorer to one cell of the confusion matrix.
fn explore_cell(dom: &Dom, send: &dyn Fn(ToWorker), truth: usize, predicted: usize) {
    dom.set_value("explore-truth", &truth.to_string());
    dom.set_value("explore-predicted", &predicted.to_string());
    dom.set_value("explore-order", if truth == predicted { "confident_right" } else { "confident_wrong" });
    send(ToWorker::Explore { query: explore_query(dom) });
    if let Some(explorer) = dom.el("explorer") {
        explorer.scroll_into_view();
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

/// Sends the drawing's pixels to be classified, numbered by `ask`.
fn classify_sketch(dom: &Dom, t: &Texts, send: &dyn Fn(ToWorker), canvas: &HtmlCanvasElement, ask: &MapsAsks) {
    let Some(ctx) = context(canvas) else { return };
    let (width, height) = (canvas.width(), canvas.height());
    let Ok(image) = ctx.get_image_data(0.0, 0.0, width as f64, height as f64) else { return };
    dom.set_text("classify-status", t.classifying);
    send(ToWorker::ClassifyPixels { width, height, rgba: Bytes::to_js(&image.data().0), ask: ask.next_image() });
}

/// Wires the classifier (file, drop, paste, drawing, weights) and the explorer; `send` reaches
/// the worker, `lang` says the page's language at the time, `asks` numbers the images sent
/// (their feature maps are drawn only if no click asked for others since).
pub(crate) fn wire(dom: &Dom, send: Send, lang: Rc<dyn Fn() -> Lang>, asks: MapsAsks) -> Result<(), JsValue> {
    let by_id = |id: &str| -> Result<web_sys::EventTarget, JsValue> {
        dom.el(id).map(Into::into).ok_or_else(|| JsValue::from_str(id))
    };
    let classify_file = {
        let (dom, send, lang, asks) = (dom.clone(), send.clone(), lang.clone(), asks.clone());
        Rc::new(move |file: web_sys::File| {
            let asks = asks.clone();
            send_file(&dom, lang().texts(), send.clone(), file, "classify-status", move |name, bytes| {
                ToWorker::ClassifyFile { name, bytes, ask: asks.next_image() }
            })
        })
    };

    let f = classify_file.clone();
    listen(&by_id("classify-file")?, "change", move |e: web_sys::Event| {
        if let Some(file) = chosen_file(&e) {
            f(file);
        }
    });
    let f = classify_file.clone();
    drop_zone(dom, "classify-drop", move |file| f(file));
    // Paste an image anywhere on the page (text pastes into the fields as usual).
    let (f, d, l) = (classify_file.clone(), dom.clone(), lang.clone());
    listen(&dom.document, "paste", move |e: ClipboardEvent| {
        let Some(files) = e.clipboard_data().and_then(|d| d.files()) else { return };
        match files.get(0) {
            Some(file) if file.type_().starts_with("image/") => {
                e.prevent_default();
                f(file);
            }
            Some(_) => d.set_text("classify-status", l().texts().clipboard_no_image),
            None => {}
        }
    });

    let (d, s, l) = (dom.clone(), send.clone(), lang.clone());
    listen(&by_id("weights-file")?, "change", move |e: web_sys::Event| {
        if let Some(file) = chosen_file(&e) {
            let model = d.value("model");
            send_file(&d, l().texts(), s.clone(), file, "classify-status", move |name, bytes| ToWorker::LoadWeights {
                name,
                model,
                bytes,
            });
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
    let (d, s, l, c) = (dom.clone(), send.clone(), lang.clone(), canvas.clone());
    listen(&by_id("sketch-classify")?, "click", move |_: web_sys::Event| classify_sketch(&d, l().texts(), &*s, &c, &asks));

    // The explorer.
    for id in ["explore-order", "explore-truth", "explore-predicted"] {
        let (d, s) = (dom.clone(), send.clone());
        listen(&by_id(id)?, "change", move |_: web_sys::Event| s(ToWorker::Explore { query: explore_query(&d) }));
    }
    let (d, s) = (dom.clone(), send.clone());
    listen(&by_id("confusion")?, "click", move |e: web_sys::Event| {
        let cell = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.closest("td[data-truth]").ok().flatten());
        let Some(cell) = cell else { return };
        let attr = |k: &str| cell.get_attribute(k).and_then(|v| v.parse::<usize>().ok());
        if let (Some(truth), Some(predicted)) = (attr("data-truth"), attr("data-predicted")) {
            explore_cell(&d, &*s, truth, predicted);
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
