//! The lab on the page: the device's measured speed, the experiments (plan, ETA, progress,
//! what they showed), the presets, and the kept runs overlaid. Its state is [`Lab`], a part of
//! [`Page`] (`page.rs`); the worker runs and keeps everything (`worker/lab.rs`).

use wasm_bindgen::prelude::*;

use super::dom::{Dom, query_pairs};
use super::page::{Page, Pending, Preset, Shared};
use crate::charts::{Series, line_chart_svg};
use crate::experiment::{self, Available, Cost, Experiment, Finding, Ongoing, Speed};
use crate::export::history_csv;
use crate::html;
use crate::i18n::{PlanTexts, Said};
use crate::metrics::EpochMetrics;
use crate::model::ModelKind;
use crate::protocol::{RunState, ToWorker};
use crate::recipe::TrainConfig;
use crate::runs::{RunRecord, overlay, overlay_csv, overlay_json};

/// Where a device's measured speed is remembered between visits (one key per device).
const SPEED_KEY: &str = "resnet-webgpu-speed";
/// The fewest training images of an epoch whose time refines the device's speed.
const MIN_TIMED_IMAGES: usize = 500;
/// The quick preset's budget.
const QUICK_SECONDS: f64 = 300.0;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Page {
    fn lab_ready(&self) -> bool {
        self.setup.data_ready && self.setup.device_ready
    }

    /// The device is taken: training, measuring, or an experiment between two of its networks.
    pub(crate) fn device_busy(&self) -> bool {
        self.lab.measuring
            || self.lab.ongoing.as_ref().is_some_and(|(_, running)| *running)
            || self.run.state.under_way()
            || self.run.asked
    }

    /// The key of this device's speed in local storage.
    fn speed_key(&self) -> Option<String> {
        let backend = self.setup.backend?;
        let adapter = self.setup.adapter.as_ref().map_or("", |a| a.0.as_str());
        Some(format!("{SPEED_KEY}:{backend:?}:{adapter}"))
    }

    /// The device is ready: its remembered speed, and whatever was asked meanwhile. (The
    /// callers draw the controls next, and with them the lab.)
    pub(crate) fn lab_device_ready(&mut self) {
        self.lab.speed = self
            .speed_key()
            .and_then(|key| storage()?.get_item(&key).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok());
        if self.lab_ready()
            && let Some(pending) = self.lab.pending.take()
        {
            self.lab_ask(pending);
        }
    }

    fn remember_speed(&mut self, speed: Speed) {
        self.lab.speed = Some(speed);
        if let (Some(key), Some(storage), Ok(json)) = (self.speed_key(), storage(), serde_json::to_string(&speed)) {
            let _ = storage.set_item(&key, &json);
        }
    }

    /// The data the plans may use.
    fn available(&self, batch_size: usize) -> Available {
        let (train, test) = self.setup.sizes.unwrap_or((0, 0));
        Available { train, test, batch_size }
    }

    /// The controls' settings, or the seed's when they do not parse.
    fn base_config(&self) -> TrainConfig {
        self.config().unwrap_or_default()
    }

    /// An experiment's or a preset's button: plan it once the speed is known (measuring first
    /// when it is not), once data and device are ready.
    pub(crate) fn lab_ask(&mut self, pending: Pending) {
        if self.device_busy() {
            return self.say(Said::new(|t| t.lab.busy.into()));
        }
        if !self.lab_ready() {
            // Done as soon as the data and the device are.
            self.lab.pending = Some(pending);
            return;
        }
        if self.lab.speed.is_none() {
            self.lab.pending = Some(pending);
            self.lab.measuring = true;
            let mut config = self.base_config();
            if let Pending::Experiment(e) = pending {
                // The experiment's first (cheapest) network; the others are scaled from it.
                let arm = e.arms()[0];
                (config.model, config.augment) = (arm.model, arm.augment);
            }
            self.send(ToWorker::Measure { config });
            // (The controls' drawing draws the lab too.)
            self.render_controls();
            return;
        }
        match pending {
            Pending::Experiment(e) => self.propose(e),
            Pending::Preset(p) => self.apply_preset(p),
        }
    }

    /// The budget chosen, in seconds.
    fn budget_seconds(&self) -> f64 {
        self.dom.value("budget").parse().unwrap_or(600.0)
    }

    fn propose(&mut self, e: Experiment) {
        let Some(speed) = self.lab.speed else { return };
        let base = self.base_config();
        let costs: Option<Vec<Cost>> = e.arms().iter().map(|a| self.lab.cost(a.model)).collect();
        let Some(costs) = costs else { return };
        let available = self.available(base.batch_size);
        self.lab.plan = Some(experiment::plan(Some(e), &base, &costs, &speed, self.budget_seconds(), available));
        self.render_lab();
        // The plan is what comes next: a keyboard (and a screen reader) is taken to it.
        self.dom.focus("plan-start");
    }

    fn apply_preset(&mut self, preset: Preset) {
        let Some(speed) = self.lab.speed else { return };
        let base = self.base_config();
        let Some(cost) = self.lab.cost(base.model) else { return };
        let available = self.available(base.batch_size);
        let (config, seconds) = match preset {
            Preset::Quick => {
                let plan = experiment::plan(None, &base, &[cost], &speed, QUICK_SECONDS, available);
                (plan.runs[0].clone(), plan.expected_seconds)
            }
            Preset::Paper => {
                let config = TrainConfig { model: base.model, ..TrainConfig::default() };
                let seconds = experiment::run_seconds(&speed, cost, &config, available);
                (config, seconds)
            }
        };
        self.show_config(&config);
        self.lab.preset_line = Some((preset, seconds));
        self.render_lab();
    }

    /// «Empezar el experimento».
    pub(crate) fn start_plan(&mut self) {
        // An unfinished experiment can be continued until another one starts: asked first.
        if let (Some(plan), Some((ongoing, false))) = (&self.lab.plan, &self.lab.ongoing)
            && plan.experiment.is_some()
        {
            let t = self.t();
            let name = ongoing.experiment().map_or("", t.lab.name);
            let question = (t.lab.confirm_replace)(name, ongoing.next, ongoing.plan.runs.len());
            if !web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false) {
                return;
            }
        }
        let Some(plan) = self.lab.plan.take() else { return };
        let id = js_sys::Date::now();
        self.lab.shown = plan.experiment.map(|e| (id, e));
        self.lab.follow = true;
        self.lab.done = None;
        self.send(ToWorker::StartExperiment { id, plan });
        self.render_lab();
        // The plan (and its button, which had the focus) is gone: the focus goes to the
        // experiment's progress line.
        self.dom.focus("experiment-status");
    }

    pub(crate) fn on_measured(&mut self, speed: Speed, model: &str, images_per_sec: f64) {
        self.lab.measuring = false;
        self.remember_speed(speed);
        let label = model.parse::<ModelKind>().map_or(model.to_string(), |m| m.label());
        self.lab.speed_note = Some((images_per_sec, label));
        if let Some(pending) = self.lab.pending.take() {
            self.lab_ask(pending);
        }
        self.render_controls();
    }

    /// A measurement that failed: nothing pending any more, and why.
    pub(crate) fn on_measure_failed(&mut self, message: Said) {
        self.lab.measuring = false;
        self.lab.pending = None;
        self.say(message);
        self.render_controls();
    }

    /// Every finished epoch of a run refines the device's speed: not a run's first (it warms
    /// up: kernels, allocations), nor one too short to time.
    pub(crate) fn lab_epoch(&mut self, m: &EpochMetrics) {
        let (Some((train, test)), Some(Ok(summary))) = (self.run.images, &self.summary) else { return };
        // (`<=`: a resumed run first replays its earlier epochs, timed elsewhere or warming up.)
        if m.epoch <= self.run.first_epoch || train < MIN_TIMED_IMAGES {
            return;
        }
        if let Some(speed) = Speed::from_epoch(m, train, test, Cost::of(summary)) {
            self.remember_speed(speed);
        }
    }

    pub(crate) fn on_runs(&mut self, runs: Vec<RunRecord>) {
        self.lab.runs = runs;
        self.lab.selected.retain(|id| self.lab.runs.iter().any(|r| r.id == *id));
        self.follow_experiment();
        self.render_lab();
    }

    /// Overlays the shown experiment's runs, unless the person has ticked runs themselves.
    fn follow_experiment(&mut self) {
        if let (Some((id, _)), true) = (self.lab.shown, self.lab.follow) {
            self.lab.selected = self.experiment_runs(id).iter().map(|r| r.id.clone()).collect();
        }
    }

    /// The kept runs of experiment `id`, in the order they ran.
    fn experiment_runs(&self, id: f64) -> Vec<&RunRecord> {
        let mut ours: Vec<&RunRecord> = self.lab.runs.iter().filter(|r| r.experiment.is_some_and(|x| x.0 == id)).collect();
        ours.sort_by(|a, b| a.started_ms.total_cmp(&b.started_ms));
        ours
    }

    pub(crate) fn on_experiment(&mut self, ongoing: Ongoing, running: bool) {
        // The next network: the last one's live metrics (its ETA ≈ 0) no longer say anything.
        if self.lab.ongoing.as_ref().is_some_and(|(o, _)| o.id == ongoing.id && o.next != ongoing.next) {
            self.run.live = None;
            self.render_live();
        }
        let halted = !running && self.lab.ongoing.as_ref().is_some_and(|(_, was)| *was);
        self.lab.shown = ongoing.experiment().map(|e| (ongoing.id, e));
        self.lab.follow = true;
        self.lab.ongoing = Some((ongoing, running));
        if halted {
            // The model summary was the stopped network's: the controls' model again.
            self.choose_model();
        }
        self.lab.done = None;
        self.follow_experiment();
        self.render_controls();
    }

    pub(crate) fn on_no_experiment(&mut self, finished: bool) {
        if let Some((ongoing, _)) = self.lab.ongoing.take() {
            if finished {
                self.lab.done = ongoing.experiment();
            }
            // The model summary was the last network's: the controls' model again.
            self.choose_model();
        }
        self.render_controls();
    }

    /// A box of the runs list ticked or not.
    pub(crate) fn toggle_run(&mut self, id: String, on: bool) {
        // The person's own choice: the overlay no longer follows an experiment.
        self.lab.follow = false;
        self.lab.selected.retain(|s| *s != id);
        if on {
            self.lab.selected.push(id.clone());
        }
        // What to look for and the verdict stay while the ticked runs are an experiment's.
        self.lab.shown = self.experiment_ticked();
        self.render_lab();
        // The list was drawn again: the box keeps the focus (a keyboard goes on from it).
        if let Ok(boxes) = self.dom.document.query_selector_all("#runs-list input[data-run]") {
            for i in 0..boxes.length() {
                let Some(el) = boxes.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) else { continue };
                if el.get_attribute("data-run").as_deref() == Some(id.as_str()) {
                    let _ = el.focus();
                }
            }
        }
    }

    /// The experiment whose kept runs are exactly the ones ticked (all of them, nothing else).
    fn experiment_ticked(&self) -> Option<(f64, Experiment)> {
        let ticked = self.selected_runs();
        let (id, experiment) = ticked.first()?.experiment?;
        let all_ours = ticked.iter().all(|r| r.experiment.is_some_and(|(x, _)| x == id));
        let every = self.experiment_runs(id).iter().all(|r| self.lab.selected.contains(&r.id));
        (all_ours && every).then_some((id, experiment))
    }

    fn selected_runs(&self) -> Vec<&RunRecord> {
        self.lab.selected.iter().filter_map(|id| self.lab.runs.iter().find(|r| r.id == *id)).collect()
    }

    /// What the shown experiment's runs say, once every network has an epoch.
    fn finding(&self) -> Option<Finding> {
        let (id, e) = self.lab.shown?;
        let ours = self.experiment_runs(id);
        let histories: Option<Vec<&[EpochMetrics]>> = e
            .arms()
            .iter()
            .map(|arm| {
                // The latest complete run of each network (a stopped one may have been redone).
                ours.iter()
                    .rev()
                    .find(|r| {
                        r.config.model == arm.model && r.config.augment == arm.augment && !r.stopped && r.history.len() == r.config.epochs
                    })
                    .map(|r| r.history.as_slice())
            })
            .collect();
        let (train, test) = self.setup.sizes?;
        let first = ours.first()?;
        let images = |limit: Option<usize>, all: usize| limit.map_or(all, |n| n.min(all));
        Finding::of(e, &histories?, images(first.config.limit_train, train), images(first.config.limit_test, test))
    }

    fn curves(&self) -> Vec<crate::runs::Curve> {
        let t = self.t();
        let runs: Vec<(&RunRecord, String)> = self.selected_runs().into_iter().map(|r| (r, r.label(t.lab.no_augment))).collect();
        overlay(&runs, t.lab.train_error, t.lab.test_error)
    }

    /// The lab's part of the page.
    pub(crate) fn render_lab(&self) {
        let (dom, t) = (&self.dom, self.t());
        let lab = &self.lab;
        let free = self.lab_ready() && !self.device_busy();
        // In the lab and in the lesson (a click there that could only be refused would say so
        // far from where the person is reading).
        for e in Experiment::ALL {
            enable_selector(dom, &format!("[data-experiment=\"{}\"]", e.key()), free);
        }
        for id in ["compare-csv", "compare-json", "compare-svg"] {
            dom.enable(id, !lab.selected.is_empty());
        }
        dom.enable("preset-quick", free);
        dom.enable("preset-paper", free);
        // The plan waiting for «Empezar».
        match &lab.plan {
            Some(plan) => {
                let models: Vec<String> = plan.runs.iter().map(|c| run_label(t, c)).collect();
                let text = (t.lab.plan)(&PlanTexts {
                    name: plan.experiment.map(t.lab.name),
                    models: &models.join(", "),
                    epochs: plan.epochs,
                    train_images: &html::group(plan.train_images),
                    test_images: &html::group(plan.test_images),
                    expected_seconds: plan.expected_seconds,
                    budget_seconds: plan.budget_seconds,
                    fits: plan.fits(),
                });
                dom.set_text("plan-text", &text);
                dom.show("plan", true);
                dom.enable("plan-start", free);
            }
            None => dom.show("plan", false),
        }
        // The experiment under way.
        match &lab.ongoing {
            Some((ongoing, running)) => {
                let name = ongoing.experiment().map_or("", t.lab.name);
                dom.show("experiment-saved", !running);
                if !running {
                    dom.set_text("experiment-saved-text", &(t.lab.saved)(name, ongoing.next, ongoing.plan.runs.len()));
                }
                dom.enable("continue-experiment", free && !running);
            }
            None => dom.show("experiment-saved", false),
        }
        self.render_experiment_status();
        // The controls' expected duration.
        let eta = match (&lab.preset_line, lab.speed, self.config()) {
            (Some((preset, seconds)), _, _) => {
                let name = match preset {
                    Preset::Quick => t.lab.quick,
                    Preset::Paper => t.lab.paper,
                };
                (t.lab.preset_ready)(name, *seconds)
            }
            (None, Some(speed), Ok(config)) => match lab.cost(config.model) {
                Some(cost) => (t.lab.eta)(experiment::run_seconds(&speed, cost, &config, self.available(config.batch_size))),
                None => String::new(),
            },
            _ => String::new(),
        };
        dom.set_text("plan-eta", &eta);
        for id in ["train-images", "test-images"] {
            dom.set_attr(id, "placeholder", t.lab.all_images);
        }
        // The runs, the overlay, what to look for and what this run showed.
        let dates: Vec<String> = lab.runs.iter().map(|r| self.run_date(r)).collect();
        dom.set_html("runs-list", &html::runs_table(t, &lab.runs, &dates, &lab.selected));
        if let Some(charts) = &self.charts {
            charts.compare.show(t, &self.curves());
        }
        let look_for = lab.shown.map_or(if lab.selected.is_empty() { t.lab.pick_runs } else { "" }, |(_, e)| (t.lab.look_for)(e));
        dom.set_text("look-for", look_for);
        dom.set_text("verdict", &self.finding().map_or(String::new(), |f| (t.lab.finding)(&f)));
    }

    /// When a kept run started, as the browser writes a date and time in the page's language.
    fn run_date(&self, run: &RunRecord) -> String {
        js_sys::Date::new(&JsValue::from_f64(run.started_ms)).to_locale_string(self.lang.code(), &JsValue::UNDEFINED).into()
    }

    /// The lab's status line: measuring, the experiment's progress and the time it has left, or
    /// that it finished; and the measured speed. Drawn again with every batch metric.
    pub(crate) fn render_experiment_status(&self) {
        let (lab, t) = (&self.lab, self.t());
        let (progress, left) = match &lab.ongoing {
            Some((ongoing, true)) => {
                let name = ongoing.experiment().map_or("", t.lab.name);
                let model = ongoing.plan.runs.get(ongoing.next).map_or(String::new(), |c| run_label(t, c));
                let line = (t.lab.progress)(name, ongoing.next + 1, ongoing.plan.runs.len(), &model);
                (Some(line), self.experiment_left(ongoing).map(t.lab.left))
            }
            _ => (None, None),
        };
        let done = lab.done.map(|e| (t.lab.done)((t.lab.name)(e)));
        let status = if lab.measuring { Some(t.lab.measuring.to_string()) } else { progress.or(done) };
        let note = lab.speed_note.as_ref().map(|(ips, model)| (t.lab.measured)(*ips, model));
        self.dom.set_text("experiment-progress", status.as_deref().unwrap_or(""));
        self.dom.set_text("experiment-left", left.as_deref().unwrap_or(""));
        self.dom.set_text("experiment-speed", note.as_deref().unwrap_or(""));
    }

    /// Seconds the experiment has left: the network in progress by its own live ETA (by the
    /// plan until its first metrics), the ones after it by the plan's arithmetic.
    fn experiment_left(&self, ongoing: &Ongoing) -> Option<f64> {
        let speed = self.lab.speed?;
        let plan = &ongoing.plan;
        let later = |from: usize| -> Option<f64> {
            let costs: Option<Vec<Cost>> = plan.runs.iter().skip(from).map(|c| self.lab.cost(c.model)).collect();
            Some(experiment::expected_seconds(&speed, &costs?, plan.epochs, plan.train_images, plan.test_images))
        };
        match &self.run.live {
            Some(live) if self.run.state == RunState::Running => Some(live.eta_seconds + later(ongoing.next + 1)?),
            _ => later(ongoing.next),
        }
    }

    /// The overlay's exports, and a single run's.
    pub(crate) fn export_lab(&mut self, what: &str, run: Option<&str>) {
        let t = self.t();
        if let Some(id) = run {
            let Some(r) = self.lab.runs.iter().find(|r| r.id == id) else { return };
            // The file's name tells runs that differ only in augmentation apart; the JSON holds the
            // whole record (settings, device, experiment, and the epochs).
            let augment = if r.config.augment { String::new() } else { format!("-{}", t.lab.no_augment_file) };
            let name = format!("{}{augment}-{}", r.config.model, r.started_ms as u64);
            match what {
                "csv" => self.dom.download_text(&format!("{name}.csv"), "text/csv", &history_csv(&r.history)),
                _ => {
                    let json = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
                    self.dom.download_text(&format!("{name}.json"), "application/json", &json)
                }
            }
            return;
        }
        let runs = self.selected_runs();
        if runs.is_empty() {
            return self.say(Said::new(|t| t.lab.pick_runs.into()));
        }
        match what {
            "csv" => self.dom.download_text(&format!("{}.csv", t.compare_file), "text/csv", &overlay_csv(&runs)),
            "json" => self.dom.download_text(&format!("{}.json", t.compare_file), "application/json", &overlay_json(&runs)),
            _ => {
                let curves = self.curves();
                let series: Vec<Series> =
                    curves.iter().map(|c| Series { name: &c.label, color: c.color, points: c.points.clone() }).collect();
                match line_chart_svg(t.lab.overlay_title, t.axis_epoch, t.lab.axis_error, &series) {
                    Ok(svg) => self.dom.download_text(&format!("{}.svg", t.compare_file), "image/svg+xml", &svg),
                    Err(e) => self.say(Said::plain(e)),
                }
            }
        }
    }
}

/// A run's network as the plan names it (its augmentation said when off).
fn run_label(t: &crate::i18n::Texts, c: &TrainConfig) -> String {
    crate::runs::config_label(c, t.lab.no_augment)
}

fn enable_selector(dom: &Dom, selector: &str, enabled: bool) {
    let Ok(found) = dom.document.query_selector_all(selector) else { return };
    for i in 0..found.length() {
        let Some(el) = found.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
        if enabled {
            let _ = el.remove_attribute("disabled");
        } else {
            let _ = el.set_attribute("disabled", "");
        }
    }
}

/// A budget from the link (`budget_s=90`), offered in the list and chosen.
fn budget_from_link(dom: &Dom) {
    let Some(seconds) = query_pairs().into_iter().find(|(k, _)| k == "budget_s").and_then(|(_, v)| v.parse::<f64>().ok()) else {
        return;
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return;
    }
    if let Some(select) = dom.select("budget") {
        // One of the list's own budgets is chosen, not added again.
        let listed = (0..select.length()).filter_map(|i| select.item(i)).any(|option| {
            option.dyn_ref::<web_sys::HtmlOptionElement>().and_then(|o| o.value().parse::<f64>().ok()) == Some(seconds)
        });
        if !listed {
            let label = html::duration(seconds);
            if let Ok(option) = web_sys::HtmlOptionElement::new_with_text_and_value(&label, &seconds.to_string()) {
                let _ = select.add_with_html_option_element(&option);
            }
        }
        select.set_value(&seconds.to_string());
    }
}

/// The lab's controls: experiments (here and in the lesson), presets, the plan, the experiment
/// under way, the runs list and its exports.
pub(crate) fn wire(page: &Shared, dom: &Dom) -> Result<(), JsValue> {
    budget_from_link(dom);
    // Every `data-experiment` button, in the lab and in the lesson.
    let p = page.clone();
    super::dom::listen(&dom.document, "click", move |e: web_sys::MouseEvent| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let Ok(Some(button)) = target.closest("[data-experiment]") else { return };
        let Some(experiment) = button.get_attribute("data-experiment").as_deref().and_then(Experiment::from_key) else { return };
        let mut page = p.borrow_mut();
        if button.closest("#experiments").ok().flatten().is_none() {
            // From the lesson: bring the lab into view.
            if let Some(section) = page.dom.el("experiments") {
                section.scroll_into_view();
            }
        }
        page.lab_ask(Pending::Experiment(experiment));
    });
    for (id, preset) in [("preset-quick", Preset::Quick), ("preset-paper", Preset::Paper)] {
        let p = page.clone();
        dom.on(id, "click", move |_| p.borrow_mut().lab_ask(Pending::Preset(preset)))?;
    }
    let p = page.clone();
    dom.on("plan-start", "click", move |_| p.borrow_mut().start_plan())?;
    let p = page.clone();
    dom.on("plan-cancel", "click", move |_| {
        let mut page = p.borrow_mut();
        page.lab.plan = None;
        page.render_lab();
    })?;
    let p = page.clone();
    dom.on("budget", "change", move |_| {
        let mut page = p.borrow_mut();
        if let Some(e) = page.lab.plan.as_ref().and_then(|plan| plan.experiment) {
            page.propose(e);
        }
    })?;
    let p = page.clone();
    dom.on("continue-experiment", "click", move |_| {
        let mut page = p.borrow_mut();
        // Running from now on (the worker says so too): one click, one experiment.
        if let Some((_, running)) = &mut page.lab.ongoing {
            *running = true;
        }
        page.send(ToWorker::ContinueExperiment);
        page.render_controls();
    })?;
    let p = page.clone();
    dom.on("discard-experiment", "click", move |_| p.borrow().send(ToWorker::DiscardExperiment))?;
    // Changing a control: its expected duration again (a preset's line gives way).
    let p = page.clone();
    dom.on("controls", "input", move |_| {
        let mut page = p.borrow_mut();
        page.lab.preset_line = None;
        page.render_lab();
    })?;
    // The runs list: overlay boxes, exports, deletions.
    let p = page.clone();
    dom.on("runs-list", "change", move |e| {
        let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        if let Some(id) = input.get_attribute("data-run") {
            p.borrow_mut().toggle_run(id, input.checked());
        }
    })?;
    let p = page.clone();
    dom.on("runs-list", "click", move |e| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        if let Some(id) = target.get_attribute("data-delete-run") {
            let page = p.borrow();
            let Some(run) = page.lab.runs.iter().find(|r| r.id == id) else { return };
            let question = (page.t().lab.confirm_delete)(&run.label(page.t().lab.no_augment), &page.run_date(run));
            if web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false) {
                page.send(ToWorker::DeleteRun { id });
            }
        } else if let Some(id) = target.get_attribute("data-export-run") {
            let format = target.get_attribute("data-format").unwrap_or_default();
            p.borrow_mut().export_lab(&format, Some(&id));
        }
    })?;
    for (id, what) in [("compare-csv", "csv"), ("compare-json", "json"), ("compare-svg", "svg")] {
        let p = page.clone();
        dom.on(id, "click", move |_| p.borrow_mut().export_lab(what, None))?;
    }
    Ok(())
}
