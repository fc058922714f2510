//! The page's state: one struct, [`Page`], with a named part per view. The views are drawn from
//! it (`view.rs`), the worker's messages change it (`messages.rs`), `app.rs` wires the controls.
//! The lesson itself is in `index.html` already, rendered when the page was built.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::prelude::*;

use super::chart::{Charts, GradientWindow};
use super::dom::{Dom, query_pairs};
use super::link::Link;
use super::use_model::UseModel;
use crate::export::{LinkError, config_from_pairs};
use crate::html::{Finished, Strip};
use crate::i18n::{Lang, Said, Texts};
use crate::metrics::EpochMetrics;
use crate::experiment::{Cost, Experiment, Ongoing, Plan, Speed};
use crate::model::{ModelKind, ResNetConfig};
use crate::runs::RunRecord;
use crate::protocol::{BackendChoice, Kernels, RunState, ToWorker, WorkerModule};
use crate::recipe::TrainConfig;
use crate::summary::Summary;

/// Where the interface language is remembered between visits.
pub(crate) const LANG_KEY: &str = "resnet-webgpu-lang";

/// The device and the data, as the worker reported them.
#[derive(Default)]
pub(crate) struct Setup {
    pub(crate) data_ready: bool,
    pub(crate) device_ready: bool,
    /// The device the worker trains on, once it said.
    pub(crate) backend: Option<BackendChoice>,
    /// The adapter's name, the software adapter «Automático» passed over, and whether the
    /// adapter in use is a software one.
    pub(crate) adapter: Option<(String, Option<String>, bool)>,
    /// On WebGPU, the adapter's measured matmul peak (GFLOP/s).
    pub(crate) peak_gflops: Option<f64>,
    /// On WebGPU, the latest network whose kernels were compiled ahead of a run: its name, its
    /// batch size and where they stand.
    pub(crate) kernels: Option<(String, usize, Kernels)>,
    /// Why there is no WebGPU, when there is none.
    pub(crate) no_webgpu: Option<String>,
    /// The worker's WebAssembly heap and GPU memory (MiB).
    pub(crate) memory: Option<(f64, Option<f64>)>,
    /// Values of the page's link that could not be used.
    pub(crate) link_errors: Vec<LinkError>,
    /// Training and test images in the archive, once parsed.
    pub(crate) sizes: Option<(usize, usize)>,
    /// The worker's module and the CPU backend's threads in it, once it is up.
    pub(crate) module: Option<WorkerModule>,
    pub(crate) threads: usize,
    /// Where the archive stands (`#data-status`).
    pub(crate) data_line: Option<DataLine>,
    /// Why the worker was replaced or the run stopped, and what comes next (`#recovery`).
    pub(crate) recovery: Option<Said>,
}

/// Where the archive stands, as `#data-status` says.
pub(crate) enum DataLine {
    /// Asked for; nothing has come yet.
    Asked,
    /// Coming in: bytes so far and in all (when the server says), from the cache or the network.
    Loading { loaded: f64, total: Option<f64>, from_cache: bool },
    /// Parsed: [`Setup::sizes`] says how many images.
    Ready,
    /// It could not be had or read.
    Failed(Said),
}

/// The last batch metric, as shown under «En vivo».
#[derive(Clone, Copy)]
pub(crate) struct Live {
    pub(crate) epoch: usize,
    pub(crate) step: usize,
    pub(crate) steps_per_epoch: usize,
    pub(crate) loss: f64,
    pub(crate) accuracy: f64,
    pub(crate) lr: f64,
    pub(crate) images_per_sec: f64,
    pub(crate) eta_seconds: f64,
}

/// The current (or last) run as the page shows it.
pub(crate) struct RunView {
    pub(crate) state: RunState,
    /// «Entrenar» or «Continuar» was pressed and the worker has not answered yet (with a
    /// `State`, an error or `Busy`): the controls that would start or change something wait
    /// meanwhile. Before, they stayed enabled until the run said it was running — up to 3 s
    /// after a reload, while the worker waits for the lock — and a second press, «Descartar»
    /// or another device could come in between.
    pub(crate) asked: bool,
    /// «Pausar» was pressed and the worker has not paused yet: it reads the wish between steps,
    /// and an epoch's evaluation can take seconds. Until its `State` comes, the status says it
    /// is pausing and the button waits (a second press used to resume the pause just made).
    pub(crate) pausing: bool,
    pub(crate) started_ms: f64,
    pub(crate) steps_total: usize,
    /// The epoch the run started with (0 unless it was continued).
    pub(crate) first_epoch: usize,
    /// Floating-point operations of one image's training step, for the model being trained.
    pub(crate) flops_per_image: u64,
    /// Every finished epoch (charts, tables, exports).
    pub(crate) history: Vec<EpochMetrics>,
    /// `(epoch, batch loss)` of the batch chart.
    pub(crate) batch_points: Vec<(f64, f64)>,
    /// The last few metrics windows' gradient norms (the gradient-flow chart), oldest first.
    pub(crate) gradients: Vec<GradientWindow>,
    /// The first layer's kernels as last reported: after which epoch (`None`: initial), shape,
    /// weights.
    pub(crate) filters: Option<(Option<usize>, [usize; 4], Vec<f32>)>,
    /// The image whose feature maps are shown (a click on the strip or the explorer picks a
    /// test image; classifying a person's image shows theirs).
    pub(crate) feature: Feature,
    pub(crate) live: Option<Live>,
    /// Training and test images of the run (its subsets), from its start.
    pub(crate) images: Option<(usize, usize)>,
    /// Best validation accuracy and its epoch (from 0).
    pub(crate) best: Option<(f64, usize)>,
    pub(crate) strip: Option<Strip>,
    pub(crate) finished: Option<Finished>,
}

impl Default for RunView {
    fn default() -> Self {
        Self {
            state: RunState::Idle,
            asked: false,
            pausing: false,
            started_ms: 0.0,
            steps_total: 0,
            first_epoch: 0,
            flops_per_image: 0,
            history: Vec::new(),
            batch_points: Vec::new(),
            gradients: Vec::new(),
            filters: None,
            feature: Feature::Strip(0),
            live: None,
            images: None,
            best: None,
            strip: None,
            finished: None,
        }
    }
}

/// Whose feature maps are shown.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Feature {
    /// Strip image 0–9.
    Strip(usize),
    /// A test image chosen in the explorer: its index and true class.
    Test { index: usize, truth: usize },
    /// The person's own image, with the model that looked at it.
    Own(crate::i18n::ModelSource),
}

/// Numbers the page's requests that draw the feature-maps canvas (a click on the strip or the
/// explorer, a person's image to classify). The worker answers each with its number, and only
/// the latest request's maps are drawn and labelled: the answers to a click and to an image
/// sent just before it can come in either order.
#[derive(Clone, Default)]
pub(crate) struct MapsAsks(Rc<Cell<(u32, bool)>>);

impl MapsAsks {
    /// The number of a new request for a test image's maps, now the latest.
    pub(crate) fn next(&self) -> u32 {
        self.take(false)
    }

    /// The number of a person's image sent to be classified, now the latest.
    pub(crate) fn next_image(&self) -> u32 {
        self.take(true)
    }

    fn take(&self, image: bool) -> u32 {
        let ask = self.0.get().0.wrapping_add(1);
        self.0.set((ask, image));
        ask
    }

    /// Whether the latest request is a person's image not yet answered: an epoch's end does not
    /// ask for the strip's maps over it (its answer would then be dropped).
    pub(crate) fn image_pending(&self) -> bool {
        self.0.get().1
    }

    /// Image request `ask` was answered (classified, or refused): no longer pending.
    pub(crate) fn answered(&self, ask: u32) {
        if self.is_latest(ask) {
            self.0.set((ask, false));
        }
    }

    /// Whether `ask` answers the latest request.
    pub(crate) fn is_latest(&self, ask: u32) -> bool {
        self.0.get().0 == ask
    }
}

/// A run saved in IndexedDB that can be continued.
pub(crate) struct SavedRun {
    pub(crate) config: TrainConfig,
    pub(crate) epochs_done: usize,
    pub(crate) best: Option<f64>,
}

/// The checkpoints: the run offered to continue, and what the last epoch stored.
#[derive(Default)]
pub(crate) struct Saved {
    pub(crate) offer: Option<SavedRun>,
    /// Epochs done of the last stored checkpoint, and whether a best one exists.
    pub(crate) stored: Option<(usize, bool)>,
    /// The checkpoint line (what was stored, or why not).
    pub(crate) line: Option<Line>,
}

/// The checkpoint line, kept as what it says rather than as text, so that a change of language
/// writes it again in the new one.
pub(crate) enum Line {
    /// The checkpoint after epoch `epochs` was stored, and it is the best so far (`best`).
    Stored { epochs: usize, best: bool },
    /// A message from the worker (why a checkpoint was not stored).
    Said(Said),
}

/// A preset of the controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Preset {
    /// A subset and a few epochs, sized to about five minutes on this device.
    Quick,
    /// The seed's recipe: 200 epochs over everything.
    Paper,
}

/// What to do once the device's speed is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    Experiment(Experiment),
    Preset(Preset),
}

/// The lab's part of the page (`lab.rs` draws it and handles its messages).
#[derive(Default)]
pub(crate) struct Lab {
    /// This device's speed: measured, or remembered from an earlier visit, or from the last epoch.
    pub(crate) speed: Option<Speed>,
    /// The last measurement: training images per second, and the model's label.
    pub(crate) speed_note: Option<(f64, String)>,
    pub(crate) measuring: bool,
    pub(crate) pending: Option<Pending>,
    /// The plan shown, waiting for «Empezar».
    pub(crate) plan: Option<Plan>,
    /// The experiment under way, and whether it is running now.
    pub(crate) ongoing: Option<(Ongoing, bool)>,
    /// The experiment whose runs the overlay shows, and its verdict: id and which.
    pub(crate) shown: Option<(f64, Experiment)>,
    /// Whether the overlay follows that experiment's runs as they are kept (until the person
    /// ticks runs themselves).
    pub(crate) follow: bool,
    /// The preset just put in the controls, and its expected seconds.
    pub(crate) preset_line: Option<(Preset, f64)>,
    /// The kept runs, newest first, and those overlaid, in order.
    pub(crate) runs: Vec<RunRecord>,
    pub(crate) selected: Vec<String>,
    /// The experiment that last ran to its end.
    pub(crate) done: Option<Experiment>,
    /// Operation counts per network, computed once each (a model is built to count them).
    costs: std::cell::RefCell<std::collections::HashMap<ModelKind, Cost>>,
}

impl Lab {
    /// A network's operation counts, from its summary on the CPU backend (once per network).
    pub(crate) fn cost(&self, kind: ModelKind) -> Option<Cost> {
        if let Some(cost) = self.costs.borrow().get(&kind) {
            return Some(*cost);
        }
        let model = ResNetConfig::from(kind).try_init(&Device::flex()).ok()?;
        let cost = Cost::of(&Summary::of(&model));
        self.costs.borrow_mut().insert(kind, cost);
        Some(cost)
    }
}


/// The status line.
pub(crate) enum Status {
    /// The worker is still getting ready.
    Loading,
    /// Ready to train, or a run's state.
    Run(RunState),
    /// A message (an error, a notice, a hint), in every language.
    Message(Said),
}

/// Everything the page shows, in one place.
pub(crate) struct Page {
    pub(crate) dom: Dom,
    pub(crate) lang: Lang,
    pub(crate) link: Link,
    pub(crate) charts: Option<Charts>,
    pub(crate) setup: Setup,
    pub(crate) run: RunView,
    pub(crate) saved: Saved,
    pub(crate) status: Status,
    /// The summary of the model chosen in the controls (or being trained).
    pub(crate) summary: Option<Result<Summary, String>>,
    /// «Usa lo aprendido»: classification and the explorer.
    pub(crate) use_model: UseModel,
    /// Experiments, presets, compared runs.
    pub(crate) lab: Lab,
    /// The feature-map requests' numbers (shared with «Usa lo aprendido»'s classify requests).
    pub(crate) maps_asks: MapsAsks,
}

pub(crate) type Shared = Rc<RefCell<Page>>;

impl Page {
    pub(crate) fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    pub(crate) fn send(&self, message: ToWorker) {
        if let Err(e) = self.link.send(&message) {
            self.dom.set_text("status", &(self.t().internal_error)(&e));
        }
    }

    /// The worker answered a start (`RunView::asked`): its controls are free again.
    pub(crate) fn answered(&mut self) {
        if std::mem::take(&mut self.run.asked) {
            self.render_controls();
        }
    }

    /// Puts a message in the status line (`Said::new(|t| …)`: a language switch rewrites it).
    pub(crate) fn say(&mut self, said: Said) {
        self.status = Status::Message(said);
        self.render_status();
    }

    /// The run's settings from the controls; an error says which field to fix.
    pub(crate) fn config(&self) -> Result<TrainConfig, Said> {
        let dom = &self.dom;
        let model: ModelKind = dom
            .value("model")
            .parse()
            .map_err(|e: crate::model::ModelError| Said::new(|t| (t.bad_model)(&e.to_string())))?;
        let batch_size = dom.value("batch-size").parse().map_err(|_| Said::new(|t| t.bad_batch.into()))?;
        let epochs = dom.value("epochs").parse().map_err(|_| Said::new(|t| t.bad_epochs.into()))?;
        let learning_rate = dom.value("lr").parse().map_err(|_| Said::new(|t| t.bad_lr.into()))?;
        // An empty subset field: every image.
        let subset = |id: &str, bad: fn(&Texts) -> &'static str| -> Result<Option<usize>, Said> {
            let text = dom.value(id);
            let text = text.trim();
            if text.is_empty() { Ok(None) } else { text.parse().map(Some).map_err(|_| Said::new(|t| bad(t).into())) }
        };
        let limit_train = subset("train-images", |t| t.bad_train_images)?;
        let limit_test = subset("test-images", |t| t.bad_test_images)?;
        // Settings the controls do not show (the convolutions' route) come from the page's link.
        let (hidden, _) = config_from_pairs(query_pairs());
        let config = TrainConfig {
            model,
            batch_size,
            epochs,
            learning_rate,
            augment: dom.checked("augment"),
            limit_train,
            limit_test,
            conv: hidden.conv,
            ..TrainConfig::default()
        };
        config.validate().map_err(|e| {
            Said::new(|t| crate::html::field_hint(t, e.key()).map_or_else(|| (t.bad_link)(&e.to_string()), String::from))
        })?;
        Ok(config)
    }

    /// The summary of the model chosen in the controls, computed on the CPU backend.
    pub(crate) fn choose_model(&mut self) {
        let Ok(kind) = self.dom.value("model").parse::<ModelKind>() else { return };
        self.summary = Some(ResNetConfig::from(kind).try_init(&Device::flex()).map(|m| Summary::of(&m)).map_err(|e| e.to_string()));
        self.render_summary();
        self.warm_kernels();
    }

    /// Once the data and the device are both there, has the worker make the data ready for the
    /// device (the pixel mean, the upload: `ToWorker::Prepare`) rather than after the click. Not
    /// in a worker that replaced a lost or crashed one: if the upload was what the device could
    /// not take, the person's next click meets it again, not a loop of replacements.
    pub(crate) fn prepare_data(&self) {
        if self.setup.data_ready && self.setup.device_ready && self.link.recoveries == 0 {
            self.send(ToWorker::Prepare);
        }
    }

    /// On WebGPU with no run under way, has the worker compile the kernels of the network in the
    /// controls while the archive downloads and the person reads (`ToWorker::Warm`). After a
    /// worker was replaced (a lost device, a crash: `supervisor.rs`), only once the data is
    /// there: a warm-up that loses the device again would also lose a download under way.
    pub(crate) fn warm_kernels(&self) {
        let data_or_first = self.setup.data_ready || self.link.recoveries == 0;
        if self.setup.backend == Some(BackendChoice::WebGpu) && self.setup.device_ready && data_or_first
            && !self.run.state.under_way()
            && let Ok(config) = self.config()
        {
            self.send(ToWorker::Warm { config });
        }
    }

    pub(crate) fn backend_choice(&self) -> BackendChoice {
        match self.dom.value("backend").as_str() {
            "cpu" => BackendChoice::Cpu,
            "webgpu" => BackendChoice::WebGpu,
            _ => BackendChoice::Auto,
        }
    }

    /// Switches the interface language: everything is drawn again from the state.
    pub(crate) fn set_language(&mut self, lang: Lang) {
        self.lang = lang;
        self.render_all();
        if !self.run.history.is_empty() {
            self.use_model.request_explore(&self.dom, &|m| self.send(m));
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(LANG_KEY, lang.code());
        }
        self.send(ToWorker::Language { lang });
    }
}
