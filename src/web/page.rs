//! The page: renders the lesson, wires the controls, talks to the training worker and draws the
//! live metrics (charts by Chart.js).

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use js_sys::{Array, Reflect, Uint8ClampedArray};
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    CanvasRenderingContext2d, Document, DragEvent, Element, HtmlCanvasElement, HtmlElement,
    HtmlInputElement, HtmlSelectElement, ImageData, MessageEvent, Worker, WorkerOptions, WorkerType,
};

use crate::export::{config_from_query, config_to_query, history_csv, history_json};
use crate::model::{ModelKind, ResNetConfig};
use crate::protocol::{BackendChoice, FromWorker, PIXELS, RunState, ToWorker};
use crate::recipe::TrainConfig;
use crate::summary::{Summary, group_digits};
use crate::trainer::{EpochMetrics, Event};
use crate::tutorial::tutorial_html;
use crate::web::js_error;

/// Where the page asks for the archive (served beside it by `trunk serve`).
const ARCHIVE_URL: &str = "data/cifar-10-binary.tar.gz";

#[wasm_bindgen]
extern "C" {
    /// Chart.js's `Chart` (loaded by `chart.umd.js`).
    #[wasm_bindgen(js_name = Chart)]
    type ChartJs;
    #[wasm_bindgen(constructor, js_class = "Chart", catch)]
    fn new(canvas: &HtmlCanvasElement, config: &JsValue) -> Result<ChartJs, JsValue>;
    #[wasm_bindgen(method)]
    fn update(this: &ChartJs, mode: &str);
    #[wasm_bindgen(method, getter)]
    fn data(this: &ChartJs) -> JsValue;
    #[wasm_bindgen(method, js_name = toBase64Image)]
    fn to_base64_image(this: &ChartJs) -> String;
}

/// A line chart with one data set per series.
struct LineChart(ChartJs);

impl LineChart {
    fn new(canvas: &HtmlCanvasElement, series: &[(&str, &str)], y_title: &str, x_title: &str) -> Result<Self, JsValue> {
        let datasets: Vec<_> = series
            .iter()
            .map(|(label, color)| {
                json!({"label": label, "data": [], "borderColor": color, "backgroundColor": color,
                       "pointRadius": 2, "borderWidth": 2, "tension": 0.2})
            })
            .collect();
        let config = json!({
            "type": "line",
            "data": {"labels": [], "datasets": datasets},
            "options": {
                "animation": false, "responsive": true, "maintainAspectRatio": false,
                "scales": {"y": {"title": {"display": true, "text": y_title}},
                           "x": {"title": {"display": true, "text": x_title}}},
                "plugins": {"legend": {"position": "bottom"}}
            }
        });
        let config = js_sys::JSON::parse(&config.to_string())?;
        Ok(Self(ChartJs::new(canvas, &config)?))
    }

    /// Appends a point to every series (x label, one y per series).
    fn push(&self, x: &str, ys: &[f64]) {
        let data = self.0.data();
        if let Ok(labels) = Reflect::get(&data, &"labels".into()) {
            labels.unchecked_ref::<Array>().push(&x.into());
        }
        if let Ok(datasets) = Reflect::get(&data, &"datasets".into()) {
            for (dataset, &y) in datasets.unchecked_ref::<Array>().iter().zip(ys) {
                if let Ok(points) = Reflect::get(&dataset, &"data".into()) {
                    points.unchecked_ref::<Array>().push(&y.into());
                }
            }
        }
        self.0.update("none");
    }

    fn clear(&self) {
        let data = self.0.data();
        if let Ok(labels) = Reflect::get(&data, &"labels".into()) {
            labels.unchecked_ref::<Array>().set_length(0);
        }
        if let Ok(datasets) = Reflect::get(&data, &"datasets".into()) {
            for dataset in datasets.unchecked_ref::<Array>().iter() {
                if let Ok(points) = Reflect::get(&dataset, &"data".into()) {
                    points.unchecked_ref::<Array>().set_length(0);
                }
            }
        }
        self.0.update("none");
    }
}

/// Spanish class names, by CIFAR-10 label.
const CLASES: [&str; 10] = ["avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo", "barco", "camión"];

struct Page {
    document: Document,
    worker: Worker,
    charts: Option<[LineChart; 3]>,
    started_ms: f64,
    steps_total: usize,
    steps_per_epoch: usize,
    state: RunState,
    data_ready: bool,
    device_ready: bool,
    /// Every finished epoch of the current run (for the exports).
    history: Vec<EpochMetrics>,
    /// Floating-point operations of one image's training step, for the model being trained.
    flops_per_image: u64,
}

type Shared = Rc<RefCell<Page>>;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

impl Page {
    fn el(&self, id: &str) -> Option<Element> {
        self.document.get_element_by_id(id)
    }

    fn set_text(&self, id: &str, text: &str) {
        if let Some(el) = self.el(id) {
            el.set_text_content(Some(text));
        }
    }

    fn set_html(&self, id: &str, html: &str) {
        if let Some(el) = self.el(id) {
            el.set_inner_html(html);
        }
    }

    fn show(&self, id: &str, visible: bool) {
        if let Some(el) = self.el(id).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            el.set_hidden(!visible);
        }
    }

    fn send(&self, message: &ToWorker) {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        match serde::Serialize::serialize(message, &serializer) {
            Ok(value) => {
                if let Err(e) = self.worker.post_message(&value) {
                    self.status(&format!("No se pudo hablar con el worker: {}", js_error(&e)));
                }
            }
            Err(e) => self.status(&format!("Error interno: {e}")),
        }
    }

    fn status(&self, text: &str) {
        self.set_text("status", text);
    }

    fn input(&self, id: &str) -> Option<HtmlInputElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
    }

    fn select(&self, id: &str) -> Option<HtmlSelectElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
    }

    fn enable(&self, id: &str, enabled: bool) {
        if let Some(el) = self.el(id) {
            if enabled {
                let _ = el.remove_attribute("disabled");
            } else {
                let _ = el.set_attribute("disabled", "");
            }
        }
    }

    fn refresh_controls(&self) {
        let ready = self.data_ready && self.device_ready;
        if ready && self.state == RunState::Idle {
            self.status("Listo para entrenar: elige el modelo y pulsa «Entrenar».");
        }
        let busy = matches!(self.state, RunState::Running | RunState::Paused | RunState::Stopping);
        self.enable("start", ready && !busy);
        self.enable("pause", matches!(self.state, RunState::Running | RunState::Paused));
        self.enable("stop", matches!(self.state, RunState::Running | RunState::Paused));
        for id in ["model", "batch-size", "epochs", "lr", "augment", "backend"] {
            self.enable(id, !busy);
        }
        self.set_text("pause", if self.state == RunState::Paused { "Continuar" } else { "Pausar" });
    }

    /// The run's settings from the controls; an error names the field to fix.
    fn config(&self) -> Result<TrainConfig, String> {
        let value = |id: &str| self.input(id).map(|i| i.value()).unwrap_or_default();
        let model: ModelKind = self
            .select("model")
            .map(|s| s.value())
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("Modelo: {e}"))?;
        let batch_size: usize = value("batch-size")
            .parse()
            .ok()
            .filter(|b| (2..=512).contains(b))
            .ok_or("Tamaño de lote: escribe un entero entre 2 y 512.")?;
        let epochs: usize = value("epochs")
            .parse()
            .ok()
            .filter(|e| (1..=1000).contains(e))
            .ok_or("Épocas: escribe un entero entre 1 y 1000.")?;
        let learning_rate: f64 = value("lr")
            .parse()
            .ok()
            .filter(|lr: &f64| lr.is_finite() && *lr > 0.0 && *lr < 1.0)
            .ok_or("Razón de aprendizaje: escribe un número entre 0 y 1, p. ej. 0.001.")?;
        let augment = self.input("augment").is_some_and(|i| i.checked());
        Ok(TrainConfig { model, batch_size, epochs, learning_rate, augment, ..TrainConfig::default() })
    }

    fn render_summary(&self) {
        let Some(kind) = self.select("model").and_then(|s| s.value().parse::<ModelKind>().ok()) else {
            return;
        };
        match ResNetConfig::from(kind).try_init(&Device::flex()) {
            Ok(model) => self.set_html("model-summary", &summary_html(&Summary::of(&model))),
            Err(e) => self.set_text("model-summary", &e.to_string()),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Started { model, trainable_params, train_images, steps_per_epoch, epochs, .. } => {
                self.started_ms = now_ms();
                self.steps_per_epoch = steps_per_epoch;
                self.steps_total = steps_per_epoch * epochs;
                if let Some(charts) = &self.charts {
                    charts.iter().for_each(LineChart::clear);
                }
                self.set_html("final", "");
                self.history.clear();
                self.status(&format!(
                    "Entrenando {model} ({} parámetros entrenables) con {train_images} imágenes.",
                    group(trainable_params)
                ));
            }
            Event::Batch { epoch, step, steps_per_epoch, loss, accuracy, lr, images_per_sec } => {
                let done = epoch * steps_per_epoch + step;
                let elapsed = (now_ms() - self.started_ms) / 1000.0;
                let eta = if done > 0 { elapsed / done as f64 * (self.steps_total - done) as f64 } else { 0.0 };
                self.set_text("m-loss", &format!("{loss:.4}"));
                self.set_text("m-acc", &format!("{:.1} %", accuracy * 100.0));
                self.set_text("m-lr", &format!("{lr:.2e}"));
                let gflops = images_per_sec * self.flops_per_image as f64 / 1e9;
                self.set_text("m-speed", &format!("{images_per_sec:.1} img/s · {gflops:.2} GFLOP/s"));
                self.set_text("m-epoch", &format!("época {} · paso {step} de {steps_per_epoch}", epoch + 1));
                self.set_text("m-eta", &duration(eta));
                if let Some(progress) = self.el("epoch-progress") {
                    let _ = progress.set_attribute("value", &format!("{}", step as f64 / steps_per_epoch.max(1) as f64));
                }
                if let Some(charts) = &self.charts {
                    charts[2].push(&format!("{:.2}", epoch as f64 + step as f64 / steps_per_epoch.max(1) as f64), &[loss]);
                }
            }
            Event::Epoch(metrics) => self.on_epoch(&metrics),
            Event::LrReduced { next_lr, .. } => {
                self.status(&format!("La pérdida de validación no mejora: la razón de aprendizaje baja a {next_lr:.2e}."))
            }
            Event::Checkpoint { epoch, best_val_accuracy, .. } => self.set_text(
                "m-best",
                &format!("{:.2} % (época {})", best_val_accuracy * 100.0, epoch + 1),
            ),
            Event::Finished { epochs_done, stopped, test_loss, test_accuracy } => {
                self.set_html(
                    "final",
                    &format!(
                        "<h3>Evaluación en los datos de prueba</h3><p>Pérdida de prueba: <b>{test_loss:.4}</b><br>\
                         Exactitud de prueba: <b>{test_accuracy:.4}</b></p><p>{} después de {epochs_done} época(s).</p>",
                        if stopped { "Entrenamiento detenido" } else { "Entrenamiento completo" }
                    ),
                );
            }
        }
    }

    fn on_epoch(&mut self, m: &EpochMetrics) {
        self.history.push(m.clone());
        if let Some(charts) = &self.charts {
            let x = format!("{}", m.epoch + 1);
            charts[0].push(&x, &[m.train_loss, m.val_loss]);
            charts[1].push(&x, &[m.train_accuracy * 100.0, m.val_accuracy * 100.0]);
        }
        self.set_text("m-val", &format!("pérdida {:.4} · exactitud {:.2} %", m.val_loss, m.val_accuracy * 100.0));
        self.set_html("confusion", &confusion_html(&m.confusion));
        self.set_html("per-class", &per_class_html(&m.per_class_accuracy));
    }

    fn on_message(&mut self, data: JsValue) {
        if Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string()).as_deref() == Some(PIXELS) {
            self.draw_pixels(&data);
            return;
        }
        let message: FromWorker = match serde_wasm_bindgen::from_value(data) {
            Ok(m) => m,
            Err(e) => {
                web_sys::console::error_1(&format!("mensaje del worker no reconocido: {e}").into());
                return;
            }
        };
        match message {
            FromWorker::Ready => {
                let backend = self.backend_choice();
                self.send(&ToWorker::UseBackend { backend });
                self.send(&ToWorker::LoadUrl { url: ARCHIVE_URL.into() });
                self.set_text("data-status", "Descargando CIFAR-10…");
            }
            FromWorker::Backend { backend, adapter, fallback } => {
                self.device_ready = true;
                let what = match backend {
                    BackendChoice::WebGpu => format!("WebGPU · {adapter}"),
                    BackendChoice::Cpu => adapter,
                };
                let note = if fallback {
                    " (adaptador por software: la GPU se emula en la CPU y será lento)"
                } else {
                    ""
                };
                self.set_text("m-adapter", &format!("{what}{note}"));
                if backend == BackendChoice::WebGpu {
                    self.set_html("gpu-status", "");
                }
                self.refresh_controls();
            }
            FromWorker::NoWebGpu { reason } => {
                self.set_html("gpu-status", &no_webgpu_html(&reason));
                if let Some(select) = self.select("backend") {
                    select.set_value("cpu");
                }
                self.send(&ToWorker::UseBackend { backend: BackendChoice::Cpu });
            }
            FromWorker::Download { loaded, total, from_cache } => {
                let mb = |b: f64| b / 1e6;
                let text = match total {
                    Some(t) if t > 0.0 => {
                        if let Some(p) = self.el("data-progress") {
                            let _ = p.set_attribute("value", &format!("{}", loaded / t));
                        }
                        format!("{:.1} de {:.1} MB ({:.0} %)", mb(loaded), mb(t), loaded / t * 100.0)
                    }
                    _ => format!("{:.1} MB", mb(loaded)),
                };
                let source = if from_cache { "Leyendo de la caché" } else { "Descargando CIFAR-10" };
                self.set_text("data-status", &format!("{source}: {text}"));
            }
            FromWorker::DataReady { train_images, test_images, .. } => {
                self.data_ready = true;
                self.show("data-pick", false);
                self.set_text(
                    "data-status",
                    &format!("CIFAR-10 listo: {} imágenes de entrenamiento y {} de prueba.", group(train_images), group(test_images)),
                );
                self.refresh_controls();
            }
            FromWorker::DataError { message } => {
                self.set_text("data-status", &message);
                self.show("data-pick", true);
            }
            FromWorker::Summary { summary } => {
                self.flops_per_image = summary.training_flops_per_image();
                self.set_html("model-summary", &summary_html(&summary));
            }
            FromWorker::Train { event } => self.on_event(event),
            FromWorker::Predictions { epoch, truth, predicted, confidence } => {
                let cells: String = truth
                    .iter()
                    .zip(&predicted)
                    .zip(&confidence)
                    .map(|((&t, &p), &c)| {
                        let class = if t == p { "ok" } else { "bad" };
                        format!(
                            "<span class=\"{class}\" title=\"verdadera: {}\">{} <small>{:.0} %</small><br><small>({})</small></span>",
                            CLASES[t % 10], CLASES[p % 10], c * 100.0, CLASES[t % 10]
                        )
                    })
                    .collect();
                self.set_html("strip-labels", &cells);
                self.set_text("strip-epoch", &format!("después de la época {}", epoch + 1));
            }
            FromWorker::State { state } => {
                self.state = state;
                let text = match state {
                    RunState::Idle => "Listo.",
                    RunState::Running => "Entrenando…",
                    RunState::Paused => "En pausa. Pulsa «Continuar» para seguir.",
                    RunState::Stopping => "Deteniendo después del paso actual…",
                    RunState::Finished => "Entrenamiento terminado.",
                };
                self.status(text);
                self.refresh_controls();
            }
            FromWorker::Error { message } => self.status(&message),
        }
    }

    /// Offers `url` (a data: URL) to the person as a file named `filename`.
    fn download(&self, filename: &str, url: &str) {
        let Ok(link) = self.document.create_element("a") else { return };
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("download", filename);
        if let Some(link) = link.dyn_ref::<HtmlElement>() {
            link.click();
        }
    }

    fn download_text(&self, filename: &str, mime: &str, text: &str) {
        let url = format!("data:{mime};charset=utf-8,{}", js_sys::encode_uri_component(text));
        self.download(filename, &url);
    }

    fn export(&self, what: &str) {
        match what {
            "csv" => self.download_text("resnet-metricas.csv", "text/csv", &history_csv(&self.history)),
            "json" => self.download_text("resnet-metricas.json", "application/json", &history_json(&self.history)),
            _ => match &self.charts {
                Some(charts) => {
                    for (chart, name) in charts.iter().zip(["perdida", "exactitud", "perdida-por-lote"]) {
                        self.download(&format!("resnet-{name}.png"), &chart.0.to_base64_image());
                    }
                }
                None => self.status("No hay gráficas que exportar."),
            },
        }
    }

    /// Puts a link that reopens the page with these settings in `#share-url`.
    fn share(&self) {
        match self.config() {
            Ok(config) => {
                let location = web_sys::window().map(|w| JsValue::from(w)).and_then(|w| Reflect::get(&w, &"location".into()).ok());
                let part = |k: &str| location.as_ref().and_then(|l| Reflect::get(l, &k.into()).ok()).and_then(|v| v.as_string()).unwrap_or_default();
                let url = format!("{}{}?{}", part("origin"), part("pathname"), config_to_query(&config));
                if let Some(input) = self.input("share-url") {
                    input.set_value(&url);
                    input.set_hidden(false);
                    input.select();
                }
                self.status("Copia el enlace: abre la página con esta configuración.");
            }
            Err(message) => self.status(&message),
        }
    }

    /// Fills the controls from the page's URL query, if it has one.
    fn prefill_from_url(&self) {
        let search = web_sys::window()
            .and_then(|w| Reflect::get(&w, &"location".into()).ok())
            .and_then(|l| Reflect::get(&l, &"search".into()).ok())
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        if search.len() <= 1 {
            return;
        }
        match config_from_query(&search) {
            Ok(config) => {
                if let Some(select) = self.select("model") {
                    select.set_value(&config.model.to_string());
                }
                for (id, value) in [
                    ("batch-size", config.batch_size.to_string()),
                    ("epochs", config.epochs.to_string()),
                    ("lr", config.learning_rate.to_string()),
                ] {
                    if let Some(input) = self.input(id) {
                        input.set_value(&value);
                    }
                }
                if let Some(input) = self.input("augment") {
                    input.set_checked(config.augment);
                }
            }
            Err(message) => self.status(&format!("El enlace trae un ajuste no válido: {message}")),
        }
    }

    fn backend_choice(&self) -> BackendChoice {
        match self.select("backend").map(|s| s.value()).as_deref() {
            Some("cpu") => BackendChoice::Cpu,
            _ => BackendChoice::WebGpu,
        }
    }

    fn draw_pixels(&self, data: &JsValue) {
        let get = |k: &str| Reflect::get(data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let (Some(target), Some(width), Some(height)) =
            (get("target").as_string(), get("width").as_f64(), get("height").as_f64())
        else {
            return;
        };
        let pixels: Uint8ClampedArray = get("data").unchecked_into();
        let Some(canvas) = self.el(&target).and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok()) else {
            return;
        };
        canvas.set_width(width as u32);
        canvas.set_height(height as u32);
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
        let image = ImageData::new_with_js_u8_clamped_array_and_sh(&pixels, width as u32, height as u32);
        if let (Some(context), Ok(image)) = (context, image) {
            let _ = context.put_image_data(&image, 0.0, 0.0);
        }
    }
}

/// Spanish style: groups of three digits split by a narrow no-break space.
fn group(n: usize) -> String {
    group_digits(n, '\u{202f}')
}

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

fn summary_html(summary: &Summary) -> String {
    let rows: String = summary
        .rows
        .iter()
        .map(|r| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{:?}</td><td>{}</td></tr>",
                r.name,
                r.kind,
                r.output,
                group(r.trainable + r.non_trainable)
            )
        })
        .collect();
    format!(
        "<p><b>{}</b>: {} parámetros entrenables, {} en total ({} no entrenables: las medias y varianzas \
         móviles de la normalización por lotes).</p><details><summary>Ver las {} capas</summary>\
         <table><thead><tr><th>Capa</th><th>Tipo</th><th>Salida</th><th>Parámetros</th></tr></thead>\
         <tbody>{rows}</tbody></table></details><p>Un paso de entrenamiento cuesta unos {:.0} millones de \
         operaciones de punto flotante por imagen (el triple de la pasada hacia adelante).</p>",
        summary.model,
        group(summary.trainable()),
        group(summary.total()),
        group(summary.total() - summary.trainable()),
        summary.rows.len(),
        summary.training_flops_per_image() as f64 / 1e6
    )
}

fn confusion_html(confusion: &[Vec<u32>]) -> String {
    let max = confusion.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let head: String = CLASES.iter().map(|c| format!("<th title=\"{c}\">{}</th>", &c[..c.char_indices().nth(3).map_or(c.len(), |(i, _)| i)])).collect();
    let body: String = confusion
        .iter()
        .enumerate()
        .map(|(t, row)| {
            let cells: String = row
                .iter()
                .enumerate()
                .map(|(p, &n)| {
                    let alpha = n as f64 / max;
                    let hue = if t == p { "34,139,34" } else { "200,40,40" };
                    format!("<td style=\"background: rgba({hue},{alpha:.2})\">{n}</td>")
                })
                .collect();
            format!("<tr><th>{}</th>{cells}</tr>", CLASES[t % 10])
        })
        .collect();
    format!(
        "<table class=\"confusion\"><caption>Matriz de confusión (filas: clase verdadera; columnas: predicha)</caption>\
         <thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
}

fn per_class_html(accuracy: &[f64]) -> String {
    let rows: String = accuracy
        .iter()
        .enumerate()
        .map(|(c, a)| {
            format!(
                "<tr><th>{}</th><td><meter min=\"0\" max=\"1\" value=\"{a:.3}\"></meter></td><td>{:.1} %</td></tr>",
                CLASES[c % 10],
                a * 100.0
            )
        })
        .collect();
    format!("<table class=\"per-class\"><caption>Exactitud por clase</caption>{rows}</table>")
}

fn no_webgpu_html(reason: &str) -> String {
    format!(
        "<div class=\"warning\"><p><b>No hay WebGPU disponible.</b> {reason}</p><p>Para entrenar en tu \
         tarjeta gráfica usa Chrome o Edge 113 o posterior (en Linux, activa \
         <code>chrome://flags/#enable-unsafe-webgpu</code>), Safari 26 o Firefox 141 o posterior. \
         Mientras tanto, la red se entrena en la CPU, más despacio. La lección se lee igual.</p></div>"
    )
}

fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(target: &web_sys::EventTarget, event: &str, handler: impl FnMut(E) + 'static) {
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    if let Err(e) = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref()) {
        web_sys::console::error_1(&e);
    }
    closure.forget();
}

/// Sends a file the person chose to the worker, as bytes.
fn send_file(page: &Shared, file: web_sys::File) {
    let page = page.clone();
    spawn_local(async move {
        page.borrow().set_text("data-status", &format!("Leyendo {}…", file.name()));
        match JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => {
                let message = js_sys::Object::new();
                let _ = Reflect::set(&message, &"type".into(), &"load_bytes".into());
                let _ = Reflect::set(&message, &"bytes".into(), &buffer);
                let transfer = Array::of1(&buffer);
                let page = page.borrow();
                if let Err(e) = page.worker.post_message_with_transfer(&message, &transfer) {
                    page.set_text("data-status", &js_error(&e));
                }
            }
            Err(e) => page.borrow().set_text("data-status", &format!("No se pudo leer el archivo: {}", js_error(&e))),
        }
    });
}

/// Starts the page. Runs when the module loads in a window (the worker has its own entry).
#[wasm_bindgen(start)]
pub fn start() {
    if js_sys::global().dyn_into::<web_sys::Window>().is_err() {
        return;
    }
    console_error_panic_hook::set_once();
    if let Err(e) = page_main() {
        web_sys::console::error_1(&e);
    }
}

fn page_main() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    if let Some(tutorial) = document.get_element_by_id("tutorial") {
        tutorial.set_inner_html(&tutorial_html());
    }
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("./worker.js", &options)?;
    let canvas = |id: &str| -> Result<HtmlCanvasElement, JsValue> {
        document.get_element_by_id(id).ok_or_else(|| JsValue::from_str(id))?.dyn_into::<HtmlCanvasElement>().map_err(Into::into)
    };
    let charts = (|| -> Result<[LineChart; 3], JsValue> {
        Ok([
            LineChart::new(&canvas("loss-chart")?, &[("entrenamiento", "#1f77b4"), ("validación", "#d62728")], "pérdida", "época")?,
            LineChart::new(&canvas("acc-chart")?, &[("entrenamiento", "#1f77b4"), ("validación", "#d62728")], "exactitud (%)", "época")?,
            LineChart::new(&canvas("batch-chart")?, &[("pérdida por lote", "#555")], "pérdida", "época")?,
        ])
    })();
    if let Err(e) = &charts {
        web_sys::console::warn_2(&"Sin gráficas (¿no cargó Chart.js?):".into(), e);
    }
    let has_gpu = Reflect::get(&window.navigator(), &"gpu".into()).map(|g| !g.is_undefined()).unwrap_or(false);
    let page: Shared = Rc::new(RefCell::new(Page {
        document: document.clone(),
        worker: worker.clone(),
        charts: charts.ok(),
        started_ms: 0.0,
        steps_total: 0,
        steps_per_epoch: 0,
        state: RunState::Idle,
        data_ready: false,
        device_ready: false,
        history: Vec::new(),
        flops_per_image: 0,
    }));
    {
        let p = page.borrow();
        if !has_gpu {
            p.set_html("gpu-status", &no_webgpu_html("Este navegador no tiene navigator.gpu."));
            if let Some(select) = p.select("backend") {
                select.set_value("cpu");
            }
        }
        p.prefill_from_url();
        p.render_summary();
        p.refresh_controls();
    }

    let p = page.clone();
    listen(&worker, "message", move |e: MessageEvent| p.borrow_mut().on_message(e.data()));
    let p = page.clone();
    listen(&worker, "error", move |e: web_sys::Event| {
        let message = Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        p.borrow().status(&format!("El worker de entrenamiento falló: {message}"));
    });

    let on = |id: &str, event: &str, handler: Box<dyn FnMut(web_sys::Event)>| -> Result<(), JsValue> {
        let el = document.get_element_by_id(id).ok_or_else(|| JsValue::from_str(id))?;
        listen(&el, event, handler);
        Ok(())
    };
    let p = page.clone();
    on("start", "click", Box::new(move |_| {
        let page = p.borrow();
        match page.config() {
            Ok(config) => page.send(&ToWorker::Start { config }),
            Err(message) => page.status(&message),
        }
    }))?;
    let p = page.clone();
    on("pause", "click", Box::new(move |_| {
        let page = p.borrow();
        page.send(if page.state == RunState::Paused { &ToWorker::Resume } else { &ToWorker::Pause });
    }))?;
    let p = page.clone();
    on("stop", "click", Box::new(move |_| p.borrow().send(&ToWorker::Stop)))?;
    for (id, what) in [("export-csv", "csv"), ("export-json", "json"), ("export-charts", "png")] {
        let p = page.clone();
        on(id, "click", Box::new(move |_| p.borrow().export(what)))?;
    }
    let p = page.clone();
    on("share", "click", Box::new(move |_| p.borrow().share()))?;
    let p = page.clone();
    on("model", "change", Box::new(move |_| p.borrow().render_summary()))?;
    let p = page.clone();
    on("backend", "change", Box::new(move |_| {
        let mut page = p.borrow_mut();
        page.device_ready = false;
        page.refresh_controls();
        let backend = page.backend_choice();
        page.send(&ToWorker::UseBackend { backend });
    }))?;
    let p = page.clone();
    on("archive-file", "change", Box::new(move |e| {
        let file = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            send_file(&p, file);
        }
    }))?;
    if let Some(zone) = document.get_element_by_id("drop-zone") {
        listen(&zone, "dragover", |e: DragEvent| e.prevent_default());
        let p = page.clone();
        listen(&zone, "drop", move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                send_file(&p, file);
            }
        });
    }
    Ok(())
}
