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

use crate::charts::{Series, line_chart_svg};
use crate::export::{config_from_query, config_to_query, history_csv, history_json};
use crate::i18n::{Lang, ModelSource, SummaryTexts, Texts};
use crate::model::{ModelKind, ResNetConfig};
use crate::protocol::{BackendChoice, CRASHED, DEVICE_LOST, FILE, FromWorker, PIXELS, RunState, ToWorker, Which};
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
    #[wasm_bindgen(method, getter)]
    fn options(this: &ChartJs) -> JsValue;
}

/// Sets `object.a.b.c = value` (Chart.js options), ignoring a missing link.
fn set_path(object: &JsValue, path: &[&str], value: &JsValue) {
    let Some((last, init)) = path.split_last() else { return };
    let mut target = object.clone();
    for key in init {
        match Reflect::get(&target, &(*key).into()) {
            Ok(next) if next.is_object() => target = next,
            _ => return,
        }
    }
    let _ = Reflect::set(&target, &(*last).into(), value);
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

    /// Renames the series and the axes (a change of language).
    fn relabel(&self, names: &[&str], y_title: &str, x_title: &str) {
        if let Ok(datasets) = Reflect::get(&self.0.data(), &"datasets".into()) {
            for (dataset, name) in datasets.unchecked_ref::<Array>().iter().zip(names) {
                let _ = Reflect::set(&dataset, &"label".into(), &(*name).into());
            }
        }
        let options = self.0.options();
        set_path(&options, &["scales", "y", "title", "text"], &y_title.into());
        set_path(&options, &["scales", "x", "title", "text"], &x_title.into());
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

/// Where the interface language is remembered between visits.
const LANG_KEY: &str = "resnet-webgpu-lang";

pub(crate) struct Page {
    pub(crate) document: Document,
    pub(crate) lang: Lang,
    pub(crate) worker: Worker,
    charts: Option<[LineChart; 3]>,
    started_ms: f64,
    steps_total: usize,
    steps_per_epoch: usize,
    /// The epoch the current run started with (0 unless it was continued).
    first_epoch: usize,
    state: RunState,
    data_ready: bool,
    device_ready: bool,
    /// Every finished epoch of the current run (for the exports).
    history: Vec<EpochMetrics>,
    /// Floating-point operations of one image's training step, for the model being trained.
    flops_per_image: u64,
    /// `(epoch, batch loss)` of the batch chart, for the SVG export.
    batch_points: Vec<(f64, f64)>,
    /// The strip's last predictions and the final evaluation, redrawn on a change of language.
    strip: Option<Strip>,
    finished: Option<(f64, f64, bool, usize)>,
    /// The last classification shown, redrawn on a change of language.
    pub(crate) classified: Option<(Vec<f32>, ModelSource)>,
    pub(crate) model_source: Option<ModelSource>,
    /// The run saved in IndexedDB that can be continued: its settings and epochs done.
    saved: Option<(TrainConfig, usize, Option<f64>)>,
    /// Epochs done of the last stored checkpoint and whether a best one exists.
    stored: Option<(usize, bool)>,
    /// Workers replaced after a crash or a lost device during this visit.
    recoveries: usize,
    /// On WebGPU, the adapter's measured matmul peak (GFLOP/s).
    peak_gflops: Option<f64>,
    /// The device the worker trains on, once it said.
    backend: Option<BackendChoice>,
}

pub(crate) type Shared = Rc<RefCell<Page>>;

/// Predictions on the strip of test images after an epoch.
struct Strip {
    epoch: usize,
    truth: Vec<usize>,
    predicted: Vec<usize>,
    confidence: Vec<f32>,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

impl Page {
    pub(crate) fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    pub(crate) fn el(&self, id: &str) -> Option<Element> {
        self.document.get_element_by_id(id)
    }

    pub(crate) fn set_text(&self, id: &str, text: &str) {
        if let Some(el) = self.el(id) {
            el.set_text_content(Some(text));
        }
    }

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

    pub(crate) fn send(&self, message: &ToWorker) {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        match serde::Serialize::serialize(message, &serializer) {
            Ok(value) => {
                if let Err(e) = self.worker.post_message(&value) {
                    self.status(&(self.t().internal_error)(&js_error(&e)));
                }
            }
            Err(e) => self.status(&(self.t().internal_error)(&e.to_string())),
        }
    }

    pub(crate) fn status(&self, text: &str) {
        self.set_text("status", text);
    }

    pub(crate) fn input(&self, id: &str) -> Option<HtmlInputElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
    }

    pub(crate) fn select(&self, id: &str) -> Option<HtmlSelectElement> {
        self.el(id).and_then(|e| e.dyn_into().ok())
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

    fn refresh_controls(&self) {
        let ready = self.data_ready && self.device_ready;
        if ready && self.state == RunState::Idle {
            self.status(self.t().ready_to_train);
        }
        let busy = matches!(self.state, RunState::Running | RunState::Paused | RunState::Stopping);
        self.enable("start", ready && !busy);
        self.enable("continue-run", ready && !busy && self.saved.is_some());
        self.enable("discard-run", !busy);
        self.enable("run-file", !busy);
        self.show("saved-run", self.saved.is_some() && !busy);
        let (last, best) = match self.stored {
            Some((_, best)) => (true, best),
            None => (self.saved.is_some(), self.saved.as_ref().is_some_and(|s| s.2.is_some())),
        };
        self.enable("download-last", last);
        self.enable("download-state", last);
        self.enable("download-best", best);
        self.enable("pause", matches!(self.state, RunState::Running | RunState::Paused));
        self.enable("stop", matches!(self.state, RunState::Running | RunState::Paused));
        for id in ["model", "batch-size", "epochs", "lr", "augment", "backend"] {
            self.enable(id, !busy);
        }
        self.set_text("pause", if self.state == RunState::Paused { self.t().resume } else { self.t().pause });
    }

    /// The run's settings from the controls; an error names the field to fix.
    fn config(&self) -> Result<TrainConfig, String> {
        let t = self.t();
        let value = |id: &str| self.input(id).map(|i| i.value()).unwrap_or_default();
        let model: ModelKind = self
            .select("model")
            .map(|s| s.value())
            .unwrap_or_default()
            .parse()
            .map_err(|e: crate::model::ModelError| (t.bad_model)(&e.to_string()))?;
        let batch_size: usize = value("batch-size")
            .parse()
            .ok()
            .filter(|b| (2..=512).contains(b))
            .ok_or(t.bad_batch)?;
        let epochs: usize = value("epochs")
            .parse()
            .ok()
            .filter(|e| (1..=1000).contains(e))
            .ok_or(t.bad_epochs)?;
        let learning_rate: f64 = value("lr")
            .parse()
            .ok()
            .filter(|lr: &f64| lr.is_finite() && *lr > 0.0 && *lr < 1.0)
            .ok_or(t.bad_lr)?;
        let augment = self.input("augment").is_some_and(|i| i.checked());
        // Settings the controls do not show (test subsets) come from the page's link.
        let hidden = config_from_query(&self.query()).unwrap_or_default();
        Ok(TrainConfig {
            model,
            batch_size,
            epochs,
            learning_rate,
            augment,
            limit_train: hidden.limit_train,
            limit_test: hidden.limit_test,
            ..TrainConfig::default()
        })
    }

    fn render_summary(&self) {
        let Some(kind) = self.select("model").and_then(|s| s.value().parse::<ModelKind>().ok()) else {
            return;
        };
        match ResNetConfig::from(kind).try_init(&Device::flex()) {
            Ok(model) => self.set_html("model-summary", &summary_html(self.t(), &Summary::of(&model))),
            Err(e) => self.set_text("model-summary", &e.to_string()),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Started { first_epoch, model, trainable_params, train_images, steps_per_epoch, epochs, .. } => {
                self.started_ms = now_ms();
                self.steps_per_epoch = steps_per_epoch;
                // The remaining steps (a resumed run starts with `first_epoch`).
                self.steps_total = steps_per_epoch * epochs.saturating_sub(first_epoch);
                self.first_epoch = first_epoch;
                if first_epoch == 0 {
                    self.set_text("checkpoint-status", "—");
                }
                if let Some(charts) = &self.charts {
                    charts.iter().for_each(LineChart::clear);
                }
                self.set_html("final", "");
                self.finished = None;
                self.history.clear();
                self.batch_points.clear();
                self.status(&(self.t().training_started)(&model, &group(trainable_params), &group(train_images)));
            }
            Event::Batch { epoch, step, steps_per_epoch, loss, accuracy, lr, images_per_sec } => {
                let done = (epoch - epoch.min(self.first_epoch)) * steps_per_epoch + step;
                let elapsed = (now_ms() - self.started_ms) / 1000.0;
                let eta = if done > 0 { elapsed / done as f64 * (self.steps_total - done) as f64 } else { 0.0 };
                self.set_text("m-loss", &format!("{loss:.4}"));
                self.set_text("m-acc", &format!("{:.1} %", accuracy * 100.0));
                self.set_text("m-lr", &format!("{lr:.2e}"));
                let gflops = images_per_sec * self.flops_per_image as f64 / 1e9;
                let of_peak = self.peak_gflops.map_or(String::new(), |peak| (self.t().of_peak)(gflops, peak));
                self.set_text("m-speed", &format!("{images_per_sec:.1} img/s · {gflops:.2} GFLOP/s{of_peak}"));
                self.set_text("m-epoch", &(self.t().epoch_step)(epoch + 1, step, steps_per_epoch));
                self.set_text("m-eta", &duration(eta));
                if let Some(progress) = self.el("epoch-progress") {
                    let _ = progress.set_attribute("value", &format!("{}", step as f64 / steps_per_epoch.max(1) as f64));
                }
                let x = epoch as f64 + step as f64 / steps_per_epoch.max(1) as f64;
                self.batch_points.push((x, loss));
                if let Some(charts) = &self.charts {
                    charts[2].push(&format!("{x:.2}"), &[loss]);
                }
            }
            Event::Epoch(metrics) => self.on_epoch(&metrics),
            Event::LrReduced { next_lr, .. } => self.status(&(self.t().lr_reduced)(next_lr)),
            Event::Checkpoint { epoch, best_val_accuracy, .. } => {
                self.set_text("m-best", &(self.t().best)(best_val_accuracy * 100.0, epoch + 1))
            }
            Event::Finished { epochs_done, stopped, test_loss, test_accuracy } => {
                self.finished = Some((test_loss, test_accuracy, stopped, epochs_done));
                self.set_html("final", &(self.t().finished_html)(test_loss, test_accuracy, stopped, epochs_done));
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
        self.render_epoch_tables();
    }

    /// The strip of test images' predicted classes.
    fn render_strip(&self) {
        let Some(strip) = &self.strip else { return };
        let t = self.t();
        let cells: String = strip
            .truth
            .iter()
            .zip(&strip.predicted)
            .zip(&strip.confidence)
            .map(|((&truth, &p), &c)| {
                let class = if truth == p { "ok" } else { "bad" };
                let names = &t.classes;
                format!(
                    "<span class=\"{class}\" title=\"{}: {}\" data-predicted=\"{p}\" data-confidence=\"{c:?}\">{} \
                     <small>{:.0} %</small><br><small>({})</small></span>",
                    t.truth, names[truth % 10], names[p % 10], c * 100.0, names[truth % 10]
                )
            })
            .collect();
        self.set_html("strip-labels", &cells);
        self.set_text("strip-epoch", &(t.after_epoch)(strip.epoch + 1));
    }

    /// The last epoch's validation numbers, confusion matrix and per-class accuracy.
    fn render_epoch_tables(&self) {
        let Some(m) = self.history.last() else { return };
        self.set_text("m-val", &(self.t().val_metrics)(m.val_loss, m.val_accuracy * 100.0));
        self.set_html("confusion", &confusion_html(self.t(), &m.confusion));
        self.set_html("per-class", &per_class_html(self.t(), &m.per_class_accuracy));
    }

    pub(crate) fn on_message(&mut self, data: JsValue) {
        let t = self.t();
        match Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string()).as_deref() {
            Some(PIXELS) => return self.draw_pixels(&data),
            Some(FILE) => return self.save_file(&data),
            _ => {}
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
                self.send(&ToWorker::Language { lang: self.lang });
                self.set_text("data-status", &format!("{}…", t.downloading));
            }
            FromWorker::Memory { wasm_mib, device_mib } => {
                let text = (self.t().memory)(wasm_mib, device_mib);
                self.set_text("m-memory", &text);
            }
            FromWorker::Backend { backend, adapter, fallback, software_adapter, peak_gflops } => {
                self.device_ready = true;
                self.peak_gflops = peak_gflops;
                self.backend = Some(backend);
                let what = match backend {
                    BackendChoice::WebGpu => format!("WebGPU · {adapter}"),
                    _ => adapter,
                };
                let note = match &software_adapter {
                    Some(name) => (t.auto_chose_cpu)(name),
                    None if fallback => t.software_adapter.to_string(),
                    None => String::new(),
                };
                self.set_text("m-adapter", &format!("{what}{note}"));
                if backend == BackendChoice::WebGpu {
                    self.set_html("gpu-status", "");
                }
                self.refresh_controls();
            }
            FromWorker::NoWebGpu { reason } => {
                self.set_html("gpu-status", &(t.no_webgpu_html)(&reason));
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
                        (self.t().progress_of)(mb(loaded), mb(t), loaded / t * 100.0)
                    }
                    _ => (t.megabytes)(mb(loaded)),
                };
                let source = if from_cache { t.from_cache } else { t.downloading };
                self.set_text("data-status", &format!("{source}: {text}"));
            }
            FromWorker::DataReady { train_images, test_images, .. } => {
                self.data_ready = true;
                self.show("data-pick", false);
                self.set_text(
                    "data-status",
                    &(t.data_ready)(&group(train_images), &group(test_images)),
                );
                self.refresh_controls();
            }
            FromWorker::DataError { message } => {
                self.set_text("data-status", &message);
                self.show("data-pick", true);
            }
            FromWorker::Summary { summary } => {
                self.flops_per_image = summary.training_flops_per_image();
                self.set_html("model-summary", &summary_html(t, &summary));
            }
            FromWorker::Train { event } => self.on_event(event),
            FromWorker::Predictions { epoch, truth, predicted, confidence } => {
                self.strip = Some(Strip { epoch, truth, predicted, confidence });
                self.render_strip();
                // A new epoch: refresh the explorer with the person's current filter.
                self.request_explore();
            }
            FromWorker::State { state } => {
                self.state = state;
                if state == RunState::Running {
                    // Offered again, up to date, when the run ends.
                    self.saved = None;
                }
                let text = t.states[match state {
                    RunState::Idle => 0,
                    RunState::Running => 1,
                    RunState::Paused => 2,
                    RunState::Stopping => 3,
                    RunState::Finished => 4,
                }];
                self.status(text);
                self.refresh_controls();
            }
            FromWorker::Error { message } => self.status(&message),
            FromWorker::Saved { config, epochs_done, best_val_accuracy, history } => {
                self.on_saved(config, epochs_done, best_val_accuracy, history)
            }
            FromWorker::NoSaved => {
                // (The checkpoint line keeps what it says: a storage error stays readable.)
                self.saved = None;
                self.stored = None;
                self.refresh_controls();
            }
            FromWorker::Stored { epochs_done, best } => {
                let had_best = self.stored.is_some_and(|s| s.1);
                self.stored = Some((epochs_done, best || had_best));
                self.set_text("checkpoint-status", &(t.stored)(epochs_done, best));
                self.refresh_controls();
            }
            FromWorker::StorageError { message } => self.set_text("checkpoint-status", &message),
            FromWorker::Diverged { message } => {
                self.status(&message);
                self.set_text("recovery", &message);
                self.show("recovery", true);
            }
            FromWorker::ModelAvailable { source } => self.on_model_available(source),
            FromWorker::Classified { probabilities, source } => self.on_classified(probabilities, source),
            FromWorker::ClassifyError { message } => self.set_text("classify-status", &message),
            FromWorker::Explored { epoch, items, columns } => self.on_explored(epoch, &items, columns),
            FromWorker::ExploreUnavailable => self.set_text("explore-status", t.explore_wait),
        }
    }

    /// Puts `config`'s visible settings in the controls.
    fn show_config(&self, config: &TrainConfig) {
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

    /// A run saved in IndexedDB: offer to continue it, and show it as it was.
    fn on_saved(&mut self, config: TrainConfig, epochs_done: usize, best: Option<f64>, history: Vec<EpochMetrics>) {
        let t = self.t();
        self.set_text("saved-text", &(t.saved_run)(&config.model.to_string(), epochs_done, config.epochs, best));
        self.set_text("continue-run", &(t.continue_from)(epochs_done + 1));
        // The controls show the saved run's settings (the number of epochs may be raised).
        self.show_config(&config);
        self.render_summary();
        if let Some(charts) = &self.charts {
            charts.iter().for_each(LineChart::clear);
        }
        self.history.clear();
        self.batch_points.clear();
        for metrics in &history {
            self.on_epoch(metrics);
            if let Some(charts) = &self.charts {
                let x = metrics.epoch as f64 + 1.0;
                self.batch_points.push((x, metrics.train_loss));
                charts[2].push(&format!("{x:.2}"), &[metrics.train_loss]);
            }
        }
        if let Some(best) = best {
            let epoch = history.iter().position(|m| m.val_accuracy == best).unwrap_or(0);
            self.set_text("m-best", &(t.best)(best * 100.0, epoch + 1));
        }
        self.saved = Some((config, epochs_done, best));
        self.refresh_controls();
    }

    /// Offers bytes from the worker (a `FILE` message) to the person as a download.
    fn save_file(&self, data: &JsValue) {
        let name = Reflect::get(data, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        let Ok(bytes) = Reflect::get(data, &"bytes".into()) else { return };
        let parts = Array::of1(&bytes);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/octet-stream");
        let url = web_sys::Blob::new_with_buffer_source_sequence_and_options(&parts, &options)
            .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob));
        match url {
            Ok(url) => {
                self.download(&name, &url);
                // The download has its own copy once it started.
                let revoke = Closure::once_into_js(move || {
                    let _ = web_sys::Url::revoke_object_url(&url);
                });
                if let Some(window) = web_sys::window() {
                    let _ = window
                        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
                }
            }
            Err(e) => self.status(&(self.t().internal_error)(&js_error(&e))),
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
        let t = self.t();
        match what {
            "csv" => self.download_text("resnet-metricas.csv", "text/csv", &history_csv(&self.history)),
            "json" => self.download_text("resnet-metricas.json", "application/json", &history_json(&self.history)),
            "svg" => {
                for (svg, name) in self.charts_svg().into_iter().zip(t.chart_files) {
                    match svg {
                        Ok(svg) => self.download_text(&format!("resnet-{name}.svg"), "image/svg+xml", &svg),
                        Err(e) => self.status(&e),
                    }
                }
            }
            _ => match &self.charts {
                Some(charts) => {
                    for (chart, name) in charts.iter().zip(t.chart_files) {
                        self.download(&format!("resnet-{name}.png"), &chart.0.to_base64_image());
                    }
                }
                None => self.status(t.nothing_to_export),
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
                self.status(self.t().share_ready);
            }
            Err(message) => self.status(&message),
        }
    }

    /// The page's URL query (`?…`), or an empty string.
    fn query(&self) -> String {
        location_search()
    }

    /// The three charts as SVG documents (loss, accuracy, batch loss), in the page's language.
    fn charts_svg(&self) -> [Result<String, String>; 3] {
        let t = self.t();
        let (blue, red, grey) = ((31, 119, 180), (214, 39, 40), (85, 85, 85));
        let per_epoch = |f: fn(&EpochMetrics) -> f64| -> Vec<(f64, f64)> {
            self.history.iter().map(|m| ((m.epoch + 1) as f64, f(m))).collect()
        };
        [
            line_chart_svg(t.chart_titles[0], t.axis_epoch, t.axis_loss, &[
                Series { name: t.series_train, color: blue, points: per_epoch(|m| m.train_loss) },
                Series { name: t.series_val, color: red, points: per_epoch(|m| m.val_loss) },
            ]),
            line_chart_svg(t.chart_titles[1], t.axis_epoch, t.axis_accuracy, &[
                Series { name: t.series_train, color: blue, points: per_epoch(|m| m.train_accuracy * 100.0) },
                Series { name: t.series_val, color: red, points: per_epoch(|m| m.val_accuracy * 100.0) },
            ]),
            line_chart_svg(t.chart_titles[2], t.axis_epoch, t.axis_loss, &[Series {
                name: t.series_batch,
                color: grey,
                points: self.batch_points.clone(),
            }]),
        ]
    }

    /// Fills the controls from the page's URL query, if it has one.
    fn prefill_from_url(&self) {
        let search = self.query();
        if search.len() <= 1 {
            return;
        }
        match config_from_query(&search) {
            Ok(config) => self.show_config(&config),
            Err(message) => self.status(&(self.t().bad_link)(&message)),
        }
    }

    fn backend_choice(&self) -> BackendChoice {
        match self.select("backend").map(|s| s.value()).as_deref() {
            Some("cpu") => BackendChoice::Cpu,
            Some("webgpu") => BackendChoice::WebGpu,
            _ => BackendChoice::Auto,
        }
    }

    /// Switches the interface language: static texts, charts, tables, and the worker's messages.
    pub(crate) fn set_language(&mut self, lang: Lang) {
        self.lang = lang;
        let t = self.t();
        let _ = self.document.document_element().map(|html| html.set_attribute("lang", lang.code()));
        self.document.set_title(t.title);
        if let Some(select) = self.select("lang") {
            select.set_value(lang.code());
        }
        if let Ok(nodes) = self.document.query_selector_all("[data-i18n]") {
            for node in (0..nodes.length()).filter_map(|i| nodes.item(i)) {
                let Some(el) = node.dyn_ref::<Element>() else { continue };
                let key = el.get_attribute("data-i18n").unwrap_or_default();
                match t.chrome.iter().find(|(k, _)| *k == key) {
                    Some((_, text)) => el.set_text_content(Some(text)),
                    None => web_sys::console::warn_1(&format!("no text for data-i18n=\"{key}\"").into()),
                }
            }
        }
        if let Ok(nodes) = self.document.query_selector_all("[data-i18n-label]") {
            for node in (0..nodes.length()).filter_map(|i| nodes.item(i)) {
                let Some(el) = node.dyn_ref::<Element>() else { continue };
                let key = el.get_attribute("data-i18n-label").unwrap_or_default();
                if let Some((_, text)) = t.labels.iter().find(|(k, _)| *k == key) {
                    let _ = el.set_attribute("aria-label", text);
                }
            }
        }
        if let Some(charts) = &self.charts {
            charts[0].relabel(&[t.series_train, t.series_val], t.axis_loss, t.axis_epoch);
            charts[1].relabel(&[t.series_train, t.series_val], t.axis_accuracy, t.axis_epoch);
            charts[2].relabel(&[t.series_batch], t.axis_loss, t.axis_epoch);
        }
        self.fill_class_selects();
        self.render_summary();
        self.render_epoch_tables();
        self.render_strip();
        if let Some((loss, accuracy, stopped, epochs)) = self.finished {
            self.set_html("final", &(t.finished_html)(loss, accuracy, stopped, epochs));
        }
        if !self.history.is_empty() {
            self.request_explore();
        }
        self.refresh_controls();
        if let Some((probabilities, source)) = self.classified.clone() {
            self.on_classified(probabilities, source);
        } else if let Some(source) = self.model_source.clone() {
            self.on_model_available(source);
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(LANG_KEY, lang.code());
        }
        self.send(&ToWorker::Language { lang });
    }

    pub(crate) fn draw_pixels(&self, data: &JsValue) {
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

fn summary_html(t: &Texts, summary: &Summary) -> String {
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
    (t.summary_html)(&SummaryTexts {
        model: &summary.model,
        trainable: &group(summary.trainable()),
        total: &group(summary.total()),
        non_trainable: &group(summary.total() - summary.trainable()),
        layers: summary.rows.len(),
        rows_html: &rows,
        mflops: summary.training_flops_per_image() as f64 / 1e6,
    })
}

fn confusion_html(t: &Texts, confusion: &[Vec<u32>]) -> String {
    let max = confusion.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let head: String = t.classes.iter().map(|c| format!("<th title=\"{c}\">{}</th>", &c[..c.char_indices().nth(3).map_or(c.len(), |(i, _)| i)])).collect();
    let body: String = confusion
        .iter()
        .enumerate()
        .map(|(truth, row)| {
            let cells: String = row
                .iter()
                .enumerate()
                .map(|(p, &n)| {
                    let alpha = n as f64 / max;
                    let hue = if truth == p { "34,139,34" } else { "200,40,40" };
                    format!(
                        "<td data-truth=\"{truth}\" data-predicted=\"{p}\" style=\"background: rgba({hue},{alpha:.2})\">{n}</td>"
                    )
                })
                .collect();
            format!("<tr><th>{}</th>{cells}</tr>", t.classes[truth % 10])
        })
        .collect();
    format!(
        "<table class=\"confusion\" title=\"{}\"><caption>{}</caption>\
         <thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>",
        t.confusion_hint, t.confusion_caption
    )
}

fn per_class_html(t: &Texts, accuracy: &[f64]) -> String {
    let rows: String = accuracy
        .iter()
        .enumerate()
        .map(|(c, a)| {
            format!(
                "<tr><th>{}</th><td><meter min=\"0\" max=\"1\" value=\"{a:.3}\"></meter></td><td>{:.1} %</td></tr>",
                t.classes[c % 10],
                a * 100.0
            )
        })
        .collect();
    format!("<table class=\"per-class\"><caption>{}</caption>{rows}</table>", t.per_class_caption)
}

pub(crate) fn listen<E: wasm_bindgen::convert::FromWasmAbi + 'static>(target: &web_sys::EventTarget, event: &str, handler: impl FnMut(E) + 'static) {
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    if let Err(e) = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref()) {
        web_sys::console::error_1(&e);
    }
    closure.forget();
}

/// Sends a file the person chose to the worker as a raw message of type `kind` with its bytes
/// (transferred) and `extra` fields; progress and failures go to the element `status`.
pub(crate) fn send_file(page: &Shared, file: web_sys::File, kind: &'static str, status: &'static str, extra: Vec<(&'static str, JsValue)>) {
    let page = page.clone();
    spawn_local(async move {
        page.borrow().set_text(status, &(page.borrow().t().reading_file)(&file.name()));
        match JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => {
                let message = js_sys::Object::new();
                let _ = Reflect::set(&message, &"type".into(), &kind.into());
                let _ = Reflect::set(&message, &"bytes".into(), &buffer);
                let _ = Reflect::set(&message, &"name".into(), &file.name().into());
                for (key, value) in extra {
                    let _ = Reflect::set(&message, &key.into(), &value);
                }
                let transfer = Array::of1(&buffer);
                let page = page.borrow();
                if let Err(e) = page.worker.post_message_with_transfer(&message, &transfer) {
                    page.set_text(status, &js_error(&e));
                }
            }
            Err(e) => {
                let page = page.borrow();
                page.set_text(status, &(page.t().cannot_read_file)(&js_error(&e)))
            }
        }
    });
}

/// The page's URL query (`?…`), or an empty string.
fn location_search() -> String {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &"location".into()).ok())
        .and_then(|l| Reflect::get(&l, &"search".into()).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// The interface language: `?lang=` in the link, else the one chosen on an earlier visit, else
/// the browser's preference.
fn initial_language(window: &web_sys::Window) -> Lang {
    let from_link = location_search()
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::from_code);
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|code| Lang::from_code(&code));
    let preferred: Vec<String> = window.navigator().languages().iter().filter_map(|l| l.as_string()).collect();
    from_link.or(stored).unwrap_or_else(|| Lang::from_preferences(&preferred))
}

/// Starts the page. Runs when the module loads in a window (the worker has its own entry).
#[wasm_bindgen(start)]
pub fn start() {
    super::run_static_constructors();
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
    let lang = initial_language(&window);
    let t = lang.texts();
    let charts = (|| -> Result<[LineChart; 3], JsValue> {
        let (train, val) = ((t.series_train, "#1f77b4"), (t.series_val, "#d62728"));
        Ok([
            LineChart::new(&canvas("loss-chart")?, &[train, val], t.axis_loss, t.axis_epoch)?,
            LineChart::new(&canvas("acc-chart")?, &[train, val], t.axis_accuracy, t.axis_epoch)?,
            LineChart::new(&canvas("batch-chart")?, &[(t.series_batch, "#555")], t.axis_loss, t.axis_epoch)?,
        ])
    })();
    if let Err(e) = &charts {
        web_sys::console::warn_2(&"Sin gráficas (¿no cargó Chart.js?):".into(), e);
    }
    let has_gpu = Reflect::get(&window.navigator(), &"gpu".into()).map(|g| !g.is_undefined()).unwrap_or(false);
    let page: Shared = Rc::new(RefCell::new(Page {
        document: document.clone(),
        lang,
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
        batch_points: Vec::new(),
        strip: None,
        finished: None,
        classified: None,
        model_source: None,
        saved: None,
        stored: None,
        recoveries: 0,
        first_epoch: 0,
        peak_gflops: None,
        backend: None,
    }));
    page.borrow_mut().set_language(lang);
    {
        let p = page.borrow();
        if !has_gpu {
            p.set_html("gpu-status", &(t.no_webgpu_html)(t.no_navigator_gpu));
            if let Some(select) = p.select("backend") {
                select.set_value("cpu");
            }
        }
        p.prefill_from_url();
        p.render_summary();
        p.refresh_controls();
    }

    wire_worker(&page, &worker);

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
    let p = page.clone();
    on("continue-run", "click", Box::new(move |_| {
        let page = p.borrow();
        page.show("recovery", false);
        let epochs = page.config().ok().map(|c| c.epochs);
        page.send(&ToWorker::Continue { epochs });
    }))?;
    let p = page.clone();
    on("discard-run", "click", Box::new(move |_| {
        let page = p.borrow();
        page.set_text("checkpoint-status", "—");
        page.send(&ToWorker::Discard);
    }))?;
    for (id, which, full) in [
        ("download-best", Which::Best, false),
        ("download-last", Which::Last, false),
        ("download-state", Which::Last, true),
    ] {
        let p = page.clone();
        on(id, "click", Box::new(move |_| p.borrow().send(&ToWorker::Download { which, full })))?;
    }
    let p = page.clone();
    on("run-file", "change", Box::new(move |e| {
        if let Some(file) = chosen_file(&e) {
            send_file(&p, file, crate::protocol::raw::LOAD_RUN, "status", Vec::new());
        }
    }))?;
    for (id, what) in [("export-csv", "csv"), ("export-json", "json"), ("export-charts", "png"), ("export-svg", "svg")] {
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
    on("lang", "change", Box::new(move |e| {
        let code = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).map(|s| s.value());
        if let Some(lang) = code.as_deref().and_then(Lang::from_code) {
            p.borrow_mut().set_language(lang);
        }
    }))?;
    let p = page.clone();
    on("archive-file", "change", Box::new(move |e| {
        if let Some(file) = chosen_file(&e) {
            send_file(&p, file, crate::protocol::raw::LOAD_ARCHIVE, "data-status", Vec::new());
        }
    }))?;
    let p = page.clone();
    drop_zone(&document, "drop-zone", move |file| {
        send_file(&p, file, crate::protocol::raw::LOAD_ARCHIVE, "data-status", Vec::new())
    });
    super::use_model::wire(&page, &document)?;
    Ok(())
}

/// Listens to a training worker; a crash or a lost device replaces it (see [`recover`]).
fn wire_worker(page: &Shared, worker: &Worker) {
    let p = page.clone();
    let this = worker.clone();
    listen(worker, "message", move |e: MessageEvent| {
        let data = e.data();
        // Messages still queued from a worker already replaced are dropped.
        if !js_sys::Object::is(&p.borrow().worker, &this) {
            return;
        }
        let kind = Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string());
        let text = |key: &str| Reflect::get(&data, &key.into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        let t = p.borrow().t();
        match kind.as_deref() {
            Some(DEVICE_LOST) => {
                let why = [text("reason"), text("message")].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
                let why = why.join(": ");
                if p.borrow().backend == Some(BackendChoice::Cpu) {
                    // «Automático» looked at WebGPU but trains on the CPU: that run goes on. (A
                    // later switch to WebGPU fails and is recovered like any crash.)
                    web_sys::console::warn_1(&format!("WebGPU device lost while training on the CPU: {why}").into());
                } else {
                    recover(&p, (t.device_lost)(&why));
                }
            }
            Some(CRASHED) => recover(&p, crash_text(t, &text("message"))),
            _ => p.borrow_mut().on_message(data),
        }
    });
    let p = page.clone();
    let this = worker.clone();
    listen(worker, "error", move |e: web_sys::Event| {
        if !js_sys::Object::is(&p.borrow().worker, &this) {
            return;
        }
        let message = Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        let t = p.borrow().t();
        recover(&p, crash_text(t, &message));
    });
}

/// What to tell a person about a crashed worker: memory exhaustion gets its own advice.
///
/// A Rust panic reaches the page first as a `CRASHED` message with its text (WebGPU's
/// out-of-memory and buffer-size errors among them). A WebAssembly trap that no panic announced
/// (`RuntimeError: unreachable`) is, in this program, an allocation that failed: Rust aborts when
/// the 4 GiB of wasm32 memory are exhausted.
fn crash_text(t: &Texts, message: &str) -> String {
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
        (t.out_of_memory)(message)
    } else {
        (t.crashed)(message)
    }
}

/// Replaces a worker that can no longer go on (its WebGPU device was lost, or its WebAssembly
/// crashed) with a fresh one, which gets a new device, reloads the data from the cache and
/// offers to continue from the last checkpoint in IndexedDB: the person decides.
fn recover(page: &Shared, why: String) {
    let worker = {
        let mut p = page.borrow_mut();
        p.worker.terminate();
        p.recoveries += 1;
        p.data_ready = false;
        p.device_ready = false;
        p.backend = None;
        p.state = RunState::Idle;
        p.saved = None;
        let t = p.t();
        let next = if p.recoveries > 3 { t.recovery_gave_up } else { t.recovery_next };
        p.set_text("recovery", &format!("{why} {next}"));
        p.show("recovery", true);
        p.status(&why);
        p.refresh_controls();
        if p.recoveries > 3 {
            return;
        }
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        match Worker::new_with_options("./worker.js", &options) {
            Ok(worker) => {
                p.worker = worker.clone();
                worker
            }
            Err(e) => {
                p.status(&(t.worker_failed)(&js_error(&e)));
                return;
            }
        }
    };
    wire_worker(page, &worker);
}

/// The file chosen in the `<input type=file>` that fired `event`.
pub(crate) fn chosen_file(event: &web_sys::Event) -> Option<web_sys::File> {
    event
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
}

/// Makes the element `id` a drop target for one file.
pub(crate) fn drop_zone(document: &Document, id: &str, mut on_file: impl FnMut(web_sys::File) + 'static) {
    let Some(zone) = document.get_element_by_id(id) else { return };
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
