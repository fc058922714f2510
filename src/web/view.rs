//! The page's views, each drawn from [`Page`]'s state: a change of language draws them all again
//! ([`Page::render_all`]), a message from the worker redraws the parts it changed.

use wasm_bindgen::JsCast;
use web_sys::Element;

use super::chart::EpochPoint;
use super::dom::location;
use super::page::{DataLine, Feature, Line, Page, Status};
use crate::charts::{Series, line_chart_svg};
use crate::export::{config_to_query, history_csv, history_json};
use crate::html;
use crate::i18n::Said;
use crate::metrics::EpochMetrics;
use crate::model::ModelKind;
use crate::protocol::{BackendChoice, Kernels, RunState, ToWorker};
use crate::recipe::TrainConfig;

impl Page {
    /// Everything, in the page's language.
    pub(crate) fn render_all(&self) {
        self.render_chrome();
        if let Some(charts) = &self.charts {
            charts.render(self.t(), self.run.history.iter().map(point), &self.run.batch_points);
            charts.gradients.show(self.t(), &self.run.gradients);
        }
        self.render_filters();
        self.use_model.fill_class_selects(&self.dom, self.t());
        self.render_summary();
        self.render_live();
        self.render_epoch_tables();
        self.render_strip();
        self.render_feature_label();
        self.render_final();
        self.render_device();
        self.render_data_line();
        self.render_recovery();
        self.render_saved();
        self.render_controls();
        self.use_model.render(&self.dom, self.lang);
    }

    /// The static texts of `index.html` (`data-i18n`, `data-i18n-label`), the title and `lang`.
    fn render_chrome(&self) {
        let (t, document) = (self.t(), &self.dom.document);
        if let Some(html) = document.document_element() {
            let _ = html.set_attribute("lang", self.lang.code());
        }
        document.set_title(t.title);
        self.dom.set_value("lang", self.lang.code());
        for_each(document, "[data-i18n]", |el| {
            let key = el.get_attribute("data-i18n").unwrap_or_default();
            match t.chrome.iter().find(|(k, _)| *k == key) {
                Some((_, text)) => el.set_text_content(Some(text)),
                None => web_sys::console::warn_1(&format!("no text for data-i18n=\"{key}\"").into()),
            }
        });
        for_each(document, "[data-i18n-label]", |el| {
            let key = el.get_attribute("data-i18n-label").unwrap_or_default();
            if let Some((_, text)) = t.labels.iter().find(|(k, _)| *k == key) {
                let _ = el.set_attribute("aria-label", text);
            }
        });
    }

    /// The model list, from the catalogue.
    pub(crate) fn fill_models(&self) {
        let current = self.dom.value("model");
        let selected = if current.is_empty() { ModelKind::default().to_string() } else { current };
        let labels: Vec<(String, String)> = ModelKind::catalogue().iter().map(|m| (m.to_string(), m.label())).collect();
        self.dom.set_html("model", &html::options(labels.iter().map(|(v, l)| (v.clone(), l.as_str())), &selected));
        self.dom.set_value("model", &selected);
    }

    /// Puts `config`'s visible settings in the controls.
    pub(crate) fn show_config(&self, config: &TrainConfig) {
        let dom = &self.dom;
        dom.set_value("model", &config.model.to_string());
        dom.set_value("batch-size", &config.batch_size.to_string());
        dom.set_value("epochs", &config.epochs.to_string());
        dom.set_value("lr", &config.learning_rate.to_string());
        dom.set_checked("augment", config.augment);
        let count = |n: Option<usize>| n.map_or(String::new(), |n| n.to_string());
        dom.set_value("train-images", &count(config.limit_train));
        dom.set_value("test-images", &count(config.limit_test));
    }

    /// Where the archive stands: asked for, coming in (MB so far, of how many), parsed, or why
    /// it could not be had. (While a chosen file is read, `send_file` says so there.)
    pub(crate) fn render_data_line(&self) {
        let t = self.t();
        let mb = |bytes: f64| bytes / 1e6;
        let text = match &self.setup.data_line {
            None => return,
            Some(DataLine::Asked) => format!("{}…", t.downloading),
            Some(DataLine::Loading { loaded, total, from_cache }) => {
                let amount = match total {
                    Some(total) if *total > 0.0 => (t.progress_of)(mb(*loaded), mb(*total), loaded / total * 100.0),
                    _ => (t.megabytes)(mb(*loaded)),
                };
                format!("{}: {amount}", if *from_cache { t.from_cache } else { t.downloading })
            }
            Some(DataLine::Ready) => {
                let (train, test) = self.setup.sizes.unwrap_or_default();
                (t.data_ready)(&html::group(train), &html::group(test))
            }
            Some(DataLine::Failed(said)) => said.text(self.lang).to_string(),
        };
        self.dom.set_text("data-status", &text);
    }

    /// Why the worker was replaced or the run stopped, and what comes next; hidden when nothing
    /// needs saying.
    pub(crate) fn render_recovery(&self) {
        match &self.setup.recovery {
            Some(said) => {
                self.dom.set_text("recovery", said.text(self.lang));
                self.dom.show("recovery", true);
            }
            None => self.dom.show("recovery", false),
        }
    }

    pub(crate) fn render_status(&self) {
        let t = self.t();
        let ready = self.setup.data_ready && self.setup.device_ready;
        let mut text = match &self.status {
            // Asked to start: said at once (the worker may first wait for another tab's lock).
            _ if self.run.asked => t.starting.to_string(),
            Status::Loading if ready => t.ready_to_train.to_string(),
            // Not «Cargando…» under a data line that says the archive failed.
            Status::Loading if matches!(self.setup.data_line, Some(DataLine::Failed(_))) => t.no_data.to_string(),
            Status::Loading => t.chrome.iter().find(|(k, _)| *k == "controls.loading").map_or("…", |(_, v)| v).to_string(),
            Status::Run(RunState::Idle) if ready => t.ready_to_train.to_string(),
            Status::Run(RunState::Running) if self.run.pausing => t.pausing.to_string(),
            // Not «terminado» above a final evaluation that says it was stopped.
            Status::Run(RunState::Finished) if self.run.finished.as_ref().is_some_and(|f| f.stopped) => {
                t.stopped_state.to_string()
            }
            Status::Run(state) => t.states[*state as usize].to_string(),
            Status::Message(message) => message.text(self.lang).to_string(),
        };
        // A link's bad values stay named until the person starts something.
        if !self.setup.link_errors.is_empty() && matches!(self.status, Status::Loading | Status::Run(RunState::Idle)) {
            text = format!("{} {text}", html::link_errors(t, &self.setup.link_errors));
        }
        self.dom.set_text("status", &text);
    }

    pub(crate) fn render_controls(&self) {
        let (dom, t) = (&self.dom, self.t());
        let ready = self.setup.data_ready && self.setup.device_ready;
        let state = self.run.state;
        let busy = state.under_way() || self.run.asked;
        // An experiment between two networks, or a measurement, takes the device too.
        let device_busy = self.device_busy();
        dom.enable("start", ready && !device_busy);
        dom.enable("continue-run", ready && !device_busy && self.saved.offer.is_some());
        // Nor while a measurement, or an experiment between its networks, has the device (the
        // worker refuses a run file then).
        dom.enable("discard-run", !device_busy);
        dom.enable("run-file", !device_busy);
        // An experiment under way continues its own run: no second offer beside it.
        dom.show("saved-run", self.saved.offer.is_some() && !busy && self.lab.ongoing.is_none());
        let (last, best) = match self.saved.stored {
            Some((_, best)) => (true, best),
            None => (self.saved.offer.is_some(), self.saved.offer.as_ref().is_some_and(|s| s.best.is_some())),
        };
        dom.enable("download-last", last);
        dom.enable("download-state", last);
        dom.enable("download-best", best);
        dom.enable("pause", matches!(state, RunState::Running | RunState::Paused) && !self.run.pausing);
        dom.enable("stop", matches!(state, RunState::Running | RunState::Paused));
        for id in ["model", "batch-size", "epochs", "lr", "augment", "train-images", "test-images"] {
            dom.enable(id, !busy);
        }
        // Not while a measurement or an experiment has the device either: a measurement's speed
        // is kept under the device it was asked for, and the worker would have switched.
        dom.enable("backend", !device_busy);
        dom.set_text("pause", if state == RunState::Paused { t.resume } else { t.pause });
        self.render_status();
        self.render_lab();
    }

    pub(crate) fn render_summary(&self) {
        match &self.summary {
            Some(Ok(summary)) => self.dom.set_html("model-summary", &html::summary(self.t(), summary)),
            Some(Err(e)) => self.dom.set_text("model-summary", e),
            None => {}
        }
    }

    /// The batch metrics under «En vivo».
    pub(crate) fn render_live(&self) {
        let (dom, t) = (&self.dom, self.t());
        let Some(live) = &self.run.live else {
            for id in ["m-loss", "m-acc", "m-lr", "m-speed", "m-epoch", "m-eta"] {
                dom.set_text(id, "—");
            }
            return;
        };
        dom.set_text("m-loss", &format!("{:.4}", live.loss));
        dom.set_text("m-acc", &format!("{:.1} %", live.accuracy * 100.0));
        dom.set_text("m-lr", &html::learning_rate(live.lr));
        let gflops = live.images_per_sec * self.run.flops_per_image as f64 / 1e9;
        let of_peak = self.setup.peak_gflops.map_or(String::new(), |peak| (t.of_peak)(gflops, peak));
        dom.set_text("m-speed", &format!("{:.1} img/s · {gflops:.2} GFLOP/s{of_peak}", live.images_per_sec));
        dom.set_text("m-epoch", &(t.epoch_step)(live.epoch + 1, live.step, live.steps_per_epoch));
        // No time left once the run has ended (a stop left the last estimate).
        let eta = if self.run.state.under_way() { html::duration(live.eta_seconds) } else { "—".into() };
        dom.set_text("m-eta", &eta);
        dom.set_attr("epoch-progress", "value", &format!("{}", live.step as f64 / live.steps_per_epoch.max(1) as f64));
    }

    /// The last epoch's validation numbers, confusion matrix, per-class accuracy, and the best.
    pub(crate) fn render_epoch_tables(&self) {
        let (dom, t) = (&self.dom, self.t());
        match &self.run.best {
            Some((accuracy, epoch)) => dom.set_text("m-best", &(t.best)(accuracy * 100.0, epoch + 1)),
            None => dom.set_text("m-best", "—"),
        }
        let Some(m) = self.run.history.last() else {
            for id in ["m-val", "confusion", "per-class"] {
                dom.set_html(id, if id == "m-val" { "—" } else { "" });
            }
            return;
        };
        dom.set_text("m-val", &(t.val_metrics)(m.val_loss, m.val_accuracy * 100.0));
        dom.set_html("confusion", &html::confusion(t, &m.confusion));
        dom.set_html("per-class", &html::per_class(t, &m.per_class_accuracy));
    }

    pub(crate) fn render_strip(&self) {
        let Some(strip) = &self.run.strip else { return };
        self.dom.set_html("strip-labels", &html::strip(self.t(), strip));
        self.dom.set_text("strip-epoch", &(self.t().after_epoch)(strip.epoch + 1));
    }

    pub(crate) fn render_final(&self) {
        match &self.run.finished {
            Some(f) => self.dom.set_html("final", &html::finished(self.t(), f)),
            None => self.dom.set_html("final", ""),
        }
    }

    /// The device line, the WebGPU warning and the memory line.
    pub(crate) fn render_device(&self) {
        let (dom, t) = (&self.dom, self.t());
        match &self.setup.no_webgpu {
            Some(reason) if self.setup.backend != Some(BackendChoice::WebGpu) => {
                dom.set_html("gpu-status", &html::no_webgpu(t, reason))
            }
            _ => dom.set_html("gpu-status", ""),
        }
        if let (Some(backend), Some((adapter, software, fallback))) = (self.setup.backend, &self.setup.adapter) {
            let adapter = if adapter.is_empty() { t.webgpu_adapter.to_string() } else { adapter.clone() };
            let what = match backend {
                BackendChoice::WebGpu => format!("WebGPU · {adapter}"),
                _ => (t.cpu_threads)(self.setup.threads.max(1)),
            };
            let note = match software {
                Some(name) => (t.auto_chose_cpu)(name),
                None if *fallback => t.software_adapter.to_string(),
                None => String::new(),
            };
            let kernels = match (&self.setup.kernels, backend) {
                (Some((model, batch, Kernels::Compiling)), BackendChoice::WebGpu) => (t.kernels_compiling)(model, *batch),
                (Some((model, batch, Kernels::Ready { seconds })), BackendChoice::WebGpu) => {
                    (t.kernels_ready)(model, *batch, *seconds)
                }
                // A failed warm-up changes nothing for the person: the run compiles them itself.
                _ => String::new(),
            };
            dom.set_text("m-adapter", &format!("{what}{note}{kernels}"));
        }
        if let Some((wasm, device)) = self.setup.memory {
            dom.set_text("m-memory", &(t.memory)(wasm, device));
        }
    }

    /// The saved run's offer and the checkpoint line.
    pub(crate) fn render_saved(&self) {
        let (dom, t) = (&self.dom, self.t());
        if let Some(saved) = &self.saved.offer {
            // Its augmentation said when off, as the runs list says it.
            let model = crate::runs::config_label(&saved.config, t.lab.no_augment);
            dom.set_text("saved-text", &(t.saved_run)(&model, saved.epochs_done, saved.config.epochs, saved.best));
            dom.set_text("continue-run", &(t.continue_from)(saved.epochs_done + 1));
        }
        let line = match (&self.saved.line, self.saved.stored) {
            (Some(Line::Stored { epochs, best }), _) => (t.stored)(*epochs, *best),
            (Some(Line::Said(line)), _) => line.text(self.lang).to_string(),
            (None, Some((epochs, best))) => (t.stored)(epochs, best),
            (None, None) => "—".into(),
        };
        dom.set_text("checkpoint-status", &line);
    }

    pub(crate) fn export(&mut self, what: &str) {
        let t = self.t();
        let history = &self.run.history;
        // Before an epoch has ended there is nothing to export (a header-only file is no use).
        if history.is_empty() {
            return self.say(Said::new(|t| t.nothing_to_export.into()));
        }
        match what {
            "csv" => self.dom.download_text(&format!("{}.csv", t.metrics_file), "text/csv", &history_csv(history)),
            "json" => self.dom.download_text(&format!("{}.json", t.metrics_file), "application/json", &history_json(history)),
            "svg" => {
                for (svg, name) in self.charts_svg().into_iter().zip(t.chart_files) {
                    match svg {
                        Ok(svg) => self.dom.download_text(&format!("resnet-{name}.svg"), "image/svg+xml", &svg),
                        Err(e) => self.say(Said::plain(e)),
                    }
                }
            }
            _ => match &self.charts {
                Some(charts) => {
                    for (chart, name) in charts.all().iter().zip(t.chart_files) {
                        self.dom.download(&format!("resnet-{name}.png"), &chart.png());
                    }
                }
                None => self.say(Said::new(|t| t.no_chart_images.into())),
            },
        }
    }

    /// Puts a link that reopens the page with these settings in `#share-url`.
    pub(crate) fn share(&mut self) {
        match self.config() {
            Ok(config) => {
                let url = format!("{}{}?{}", location("origin"), location("pathname"), config_to_query(&config));
                if let Some(input) = self.dom.input("share-url") {
                    input.set_value(&url);
                    input.set_hidden(false);
                    input.select();
                }
                self.say(Said::new(|t| t.share_ready.into()));
            }
            Err(message) => self.say(message),
        }
    }

    /// The three charts as SVG documents (loss, accuracy, batch loss), in the page's language.
    fn charts_svg(&self) -> [Result<String, String>; 3] {
        let t = self.t();
        let (blue, red, grey) = ((31, 119, 180), (214, 39, 40), (85, 85, 85));
        let per_epoch = |f: fn(&EpochMetrics) -> f64| -> Vec<(f64, f64)> {
            self.run.history.iter().map(|m| ((m.epoch + 1) as f64, f(m))).collect()
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
                points: self.run.batch_points.clone(),
            }]),
        ]
    }
}

/// An epoch's point on the charts.
pub(crate) fn point(m: &EpochMetrics) -> EpochPoint {
    EpochPoint {
        epoch: m.epoch,
        train_loss: m.train_loss,
        val_loss: m.val_loss,
        train_accuracy: m.train_accuracy,
        val_accuracy: m.val_accuracy,
    }
}

fn for_each(document: &web_sys::Document, selector: &str, mut f: impl FnMut(&Element)) {
    if let Ok(nodes) = document.query_selector_all(selector) {
        for node in (0..nodes.length()).filter_map(|i| nodes.item(i)) {
            if let Some(el) = node.dyn_ref::<Element>() {
                f(el);
            }
        }
    }
}

impl Page {
    /// The first layer's filters, enlarged 8×, and after which epoch they are.
    pub(crate) fn render_filters(&self) {
        let Some((after_epoch, shape, weights)) = &self.run.filters else { return };
        let (width, height, rgba) = crate::inside::filter_mosaic(*shape, weights, 8, 4);
        super::dom::draw_rgba(&self.dom, "filters", width as u32, height as u32, &rgba);
        let t = self.t();
        let label = match after_epoch {
            Some(epoch) => (t.after_epoch)(epoch + 1),
            None => t.filters_initial.to_string(),
        };
        self.dom.set_text("filters-epoch", &label);
    }
}

impl Page {
    /// Asks the worker for the chosen strip image's feature maps, and says which image they are.
    ///
    /// A person's own image is not asked for again: the worker drew it when it classified it.
    pub(crate) fn request_feature_maps(&self) {
        let Some(strip) = &self.run.strip else { return };
        self.render_feature_label();
        match &self.run.feature {
            Feature::Strip(i) => {
                let index = (*i).min(strip.truth.len().saturating_sub(1));
                self.send(ToWorker::FeatureMaps { index, ask: self.maps_asks.next() });
            }
            Feature::Test { index, .. } => self.send(ToWorker::FeatureMaps { index: *index, ask: self.maps_asks.next() }),
            Feature::Own(_) => {}
        }
    }

    /// Says whose feature maps are shown (also again in another language).
    pub(crate) fn render_feature_label(&self) {
        let t = self.t();
        let label = match (&self.run.feature, &self.run.strip) {
            (Feature::Own(source), _) => (t.lab.feature_maps_own)(&(t.model_source)(source)),
            // A test image's label names the strip's epoch: none before the first.
            (_, None) => return,
            (Feature::Strip(i), Some(strip)) => {
                let index = (*i).min(strip.truth.len().saturating_sub(1));
                let class = strip.truth.get(index).and_then(|&c| t.classes.get(c)).copied().unwrap_or("");
                (t.feature_maps_of)(index + 1, class, strip.epoch + 1)
            }
            (Feature::Test { index, truth }, Some(strip)) => {
                let class = t.classes.get(*truth).copied().unwrap_or("");
                (t.lab.feature_maps_test)(*index, class, strip.epoch + 1)
            }
        };
        self.dom.set_text("feature-maps-label", &label);
    }
}
