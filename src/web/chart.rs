//! The live charts: a binding to Chart.js (loaded by `chart.umd.min.js`) and the page's three
//! line charts (loss and accuracy per epoch, loss per batch).

use js_sys::{Array, Reflect};
use serde_json::json;
use wasm_bindgen::prelude::*;
use web_sys::{Document, HtmlCanvasElement};

use crate::i18n::Texts;

#[wasm_bindgen]
extern "C" {
    /// Chart.js's `Chart`.
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

/// The locale Chart.js formats its ticks and tooltips with. The page writes numbers with a
/// decimal point in both languages (`0.001`, `1.85`); left to itself Chart.js would follow the
/// browser's locale (`0,5` in a Spanish browser) beside them.
const LOCALE: &str = "en-US";

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
pub(crate) struct LineChart(ChartJs);

impl LineChart {
    fn new(canvas: &HtmlCanvasElement, colors: &[&str]) -> Result<Self, JsValue> {
        let datasets: Vec<_> = colors
            .iter()
            .map(|color| {
                json!({"label": "", "data": [], "borderColor": color, "backgroundColor": color,
                       "pointRadius": 2, "borderWidth": 2, "tension": 0.2})
            })
            .collect();
        let config = json!({
            "type": "line",
            "data": {"labels": [], "datasets": datasets},
            "options": {
                "animation": false, "responsive": true, "maintainAspectRatio": false, "locale": LOCALE,
                "scales": {"y": {"title": {"display": true, "text": ""}},
                           "x": {"title": {"display": true, "text": ""}}},
                "plugins": {"legend": {"position": "bottom"}}
            }
        });
        let config = js_sys::JSON::parse(&config.to_string())?;
        Ok(Self(ChartJs::new(canvas, &config)?))
    }

    /// Appends a point to every series (x label, one y per series), without redrawing.
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
    }

    /// Names the series and the axes (in the page's language), without redrawing.
    fn label(&self, names: &[&str], y_title: &str, x_title: &str) {
        if let Ok(datasets) = Reflect::get(&self.0.data(), &"datasets".into()) {
            for (dataset, name) in datasets.unchecked_ref::<Array>().iter().zip(names) {
                let _ = Reflect::set(&dataset, &"label".into(), &(*name).into());
            }
        }
        let options = self.0.options();
        set_path(&options, &["scales", "y", "title", "text"], &y_title.into());
        set_path(&options, &["scales", "x", "title", "text"], &x_title.into());
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
    }

    fn redraw(&self) {
        self.0.update("none");
    }

    /// The chart as a PNG data: URL.
    pub(crate) fn png(&self) -> String {
        self.0.to_base64_image()
    }
}

/// One point per epoch of the epoch charts: training and validation.
pub(crate) struct EpochPoint {
    pub(crate) epoch: usize,
    pub(crate) train_loss: f64,
    pub(crate) val_loss: f64,
    pub(crate) train_accuracy: f64,
    pub(crate) val_accuracy: f64,
}

pub(crate) use crate::protocol::GradientWindow;

/// A line chart drawn whole from its data each time (no series fixed in advance), its y axis
/// `y_type` (`linear`, `logarithmic`), the legend below.
fn whole_chart(canvas: &HtmlCanvasElement, y_type: &str) -> Result<ChartJs, JsValue> {
    let config = json!({
        "type": "line",
        "data": {"labels": [], "datasets": []},
        "options": {
            "animation": false, "responsive": true, "maintainAspectRatio": false, "locale": LOCALE,
            "scales": {"y": {"type": y_type, "title": {"display": true, "text": ""}},
                       "x": {"title": {"display": true, "text": ""}}},
            "plugins": {"legend": {"position": "bottom"}}
        }
    });
    let config = js_sys::JSON::parse(&config.to_string())?;
    ChartJs::new(canvas, &config)
}

/// Replaces a [`whole_chart`]'s labels and datasets, names its axes, and redraws.
fn replace_all(chart: &ChartJs, labels: &[String], datasets: Vec<serde_json::Value>, y_title: &str, x_title: &str) {
    let data = chart.data();
    if let (Ok(labels), Ok(datasets)) = (
        js_sys::JSON::parse(&serde_json::to_string(labels).unwrap_or_default()),
        js_sys::JSON::parse(&serde_json::Value::from(datasets).to_string()),
    ) {
        let _ = Reflect::set(&data, &"labels".into(), &labels);
        let _ = Reflect::set(&data, &"datasets".into(), &datasets);
    }
    let options = chart.options();
    set_path(&options, &["scales", "y", "title", "text"], &y_title.into());
    set_path(&options, &["scales", "x", "title", "text"], &x_title.into());
    chart.update("none");
}

/// The gradient-flow chart: layer index on x, norm on a log scale, one line per recent window.
pub(crate) struct GradientChart(ChartJs);

impl GradientChart {
    fn new(canvas: &HtmlCanvasElement) -> Result<Self, JsValue> {
        Ok(Self(whole_chart(canvas, "logarithmic")?))
    }

    /// Draws `windows` (oldest first) in the language of `t`: x is the layer's depth from 1,
    /// its name in the tooltip's title; the newest line darkest.
    pub(crate) fn show(&self, t: &Texts, windows: &[GradientWindow]) {
        let layers = windows.last().map_or(0, |w| w.norms.len());
        let labels: Vec<String> = (1..=layers).map(|i| i.to_string()).collect();
        let count = windows.len();
        let datasets: Vec<_> = windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                // From light to dark blue, the newest opaque.
                let alpha = 0.25 + 0.75 * (i + 1) as f64 / count as f64;
                let color = format!("rgba(31, 119, 180, {alpha:.2})");
                // A log scale cannot draw 0: a layer without gradient is a gap.
                let data: Vec<Option<f64>> = w.norms.iter().map(|&n| (n > 0.0 && n.is_finite()).then_some(n)).collect();
                json!({"label": (t.grad_window)(w.epoch + 1, w.step), "data": data, "borderColor": color,
                       "backgroundColor": color, "pointRadius": 2, "borderWidth": if i + 1 == count { 2 } else { 1 },
                       "tension": 0, "layers": w.layers})
            })
            .collect();
        replace_all(&self.0, &labels, datasets, t.axis_grad_norm, t.axis_layer);
    }
}

/// The lab's overlay: several runs' training (dashed) and test (solid) error by epoch.
pub(crate) struct OverlayChart(ChartJs);

impl OverlayChart {
    fn new(canvas: &HtmlCanvasElement) -> Result<Self, JsValue> {
        Ok(Self(whole_chart(canvas, "linear")?))
    }

    /// Draws `curves` (epochs from 1 on x, error in % on y) in the language of `t`.
    pub(crate) fn show(&self, t: &Texts, curves: &[crate::runs::Curve]) {
        let epochs = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0 as usize)).max().unwrap_or(0);
        let labels: Vec<String> = (1..=epochs).map(|i| i.to_string()).collect();
        let datasets: Vec<_> = curves
            .iter()
            .map(|c| {
                let (r, g, b) = c.color;
                let color = format!("rgb({r}, {g}, {b})");
                let mut data: Vec<Option<f64>> = vec![None; epochs];
                for &(x, y) in &c.points {
                    if let Some(slot) = data.get_mut((x as usize).wrapping_sub(1)) {
                        *slot = y.is_finite().then_some(y);
                    }
                }
                json!({"label": c.label, "data": data, "borderColor": color, "backgroundColor": color,
                       "borderDash": if c.training { json!([6, 4]) } else { json!([]) },
                       "borderWidth": if c.training { 1 } else { 2 }, "pointRadius": 2, "tension": 0})
            })
            .collect();
        replace_all(&self.0, &labels, datasets, t.lab.axis_error, t.axis_epoch);
    }
}

/// The page's charts: loss and accuracy per epoch, loss per batch, and the gradient flow.
pub(crate) struct Charts {
    pub(crate) loss: LineChart,
    pub(crate) accuracy: LineChart,
    pub(crate) batch: LineChart,
    pub(crate) gradients: GradientChart,
    pub(crate) compare: OverlayChart,
}

impl Charts {
    /// The charts on the canvases `#loss-chart`, `#acc-chart`, `#batch-chart`, `#grad-chart`,
    /// `#compare-chart`.
    pub(crate) fn new(document: &Document) -> Result<Self, JsValue> {
        let canvas = |id: &str| -> Result<HtmlCanvasElement, JsValue> {
            document.get_element_by_id(id).ok_or_else(|| JsValue::from_str(id))?.dyn_into().map_err(Into::into)
        };
        let (blue, red, grey) = ("#1f77b4", "#d62728", "#555");
        Ok(Self {
            loss: LineChart::new(&canvas("loss-chart")?, &[blue, red])?,
            accuracy: LineChart::new(&canvas("acc-chart")?, &[blue, red])?,
            batch: LineChart::new(&canvas("batch-chart")?, &[grey])?,
            gradients: GradientChart::new(&canvas("grad-chart")?)?,
            compare: OverlayChart::new(&canvas("compare-chart")?)?,
        })
    }

    pub(crate) fn all(&self) -> [&LineChart; 3] {
        [&self.loss, &self.accuracy, &self.batch]
    }

    /// Draws everything again from the data: the epochs and the batch losses `(x, loss)`, in
    /// the language of `t`.
    pub(crate) fn render(&self, t: &Texts, epochs: impl Iterator<Item = EpochPoint>, batches: &[(f64, f64)]) {
        self.all().iter().for_each(|c| c.clear());
        epochs.for_each(|p| self.add_epoch(&p));
        for (x, loss) in batches {
            self.batch.push(&format!("{x:.2}"), &[*loss]);
        }
        self.label(t);
    }

    /// One epoch's point on the loss and accuracy charts, without redrawing.
    fn add_epoch(&self, p: &EpochPoint) {
        let x = format!("{}", p.epoch + 1);
        self.loss.push(&x, &[p.train_loss, p.val_loss]);
        self.accuracy.push(&x, &[p.train_accuracy * 100.0, p.val_accuracy * 100.0]);
    }

    /// Adds one epoch's point.
    pub(crate) fn push_epoch(&self, p: EpochPoint) {
        self.add_epoch(&p);
        self.loss.redraw();
        self.accuracy.redraw();
    }

    /// Adds one batch's loss at `x` epochs.
    pub(crate) fn push_batch(&self, x: f64, loss: f64) {
        self.batch.push(&format!("{x:.2}"), &[loss]);
        self.batch.redraw();
    }

    /// Names series and axes in the language of `t`, and redraws.
    pub(crate) fn label(&self, t: &Texts) {
        self.loss.label(&[t.series_train, t.series_val], t.axis_loss, t.axis_epoch);
        self.accuracy.label(&[t.series_train, t.series_val], t.axis_accuracy, t.axis_epoch);
        self.batch.label(&[t.series_batch], t.axis_loss, t.axis_epoch);
        self.all().iter().for_each(|c| c.redraw());
    }
}
