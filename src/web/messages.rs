//! What the worker's messages change in the page's state, and which views they redraw.

use super::chart::GradientWindow;
use super::dom::now_ms;
use super::page::{DataLine, Live, Page, SavedRun, Status};
use super::view::point;
use crate::html::{Finished, Strip, group};
use crate::i18n::Said;
use crate::metrics::EpochMetrics;
use crate::protocol::{Charted, FromWorker, RunState, ToWorker};
use crate::trainer::Event;

/// Where the page asks for the archive (served beside it).
const ARCHIVE_URL: &str = "data/cifar-10-binary.tar.gz";

impl Page {
    /// Every message but a lost device or a crash (which replace the worker: `link.rs`).
    pub(crate) fn on_message(&mut self, message: FromWorker) {
        let t = self.t();
        match message {
            FromWorker::Ready { module, threads } => {
                self.setup.module = Some(module);
                self.setup.threads = threads;
                let backend = self.backend_choice();
                self.send(ToWorker::UseBackend { backend });
                self.send(ToWorker::LoadUrl { url: ARCHIVE_URL.into() });
                self.send(ToWorker::Language { lang: self.lang });
                self.setup.data_line = Some(DataLine::Asked);
                self.render_data_line();
            }
            FromWorker::Memory { wasm_mib, device_mib } => {
                self.setup.memory = Some((wasm_mib, device_mib));
                self.render_device();
            }
            FromWorker::Backend { backend, adapter, fallback, software_adapter, peak_gflops } => {
                self.setup.device_ready = true;
                self.setup.peak_gflops = peak_gflops;
                self.setup.backend = Some(backend);
                self.setup.adapter = Some((adapter, software_adapter, fallback));
                self.lab_device_ready();
                self.render_device();
                self.render_controls();
                self.prepare_data();
                self.warm_kernels();
            }
            FromWorker::NoWebGpu { reason } => {
                // Picked by hand: say why the list goes back to the CPU (the warning box may
                // have been on screen already, and then nothing seemed to happen).
                if self.dom.value("backend") == "webgpu" {
                    self.say(Said::new(|t| (t.webgpu_pick_failed)(&reason)));
                }
                self.setup.no_webgpu = Some(reason);
                self.dom.set_value("backend", "cpu");
                self.render_device();
                self.send(ToWorker::UseBackend { backend: crate::protocol::BackendChoice::Cpu });
            }
            FromWorker::Download { loaded, total, from_cache } => {
                if let Some(total) = total.filter(|&total| total > 0.0) {
                    self.dom.set_attr("data-progress", "value", &format!("{}", loaded / total));
                }
                self.setup.data_line = Some(DataLine::Loading { loaded, total, from_cache });
                self.render_data_line();
            }
            FromWorker::DataReady { train_images, test_images } => {
                self.setup.data_ready = true;
                self.setup.sizes = Some((train_images, test_images));
                self.lab_device_ready();
                self.dom.show("data-pick", false);
                self.setup.data_line = Some(DataLine::Ready);
                self.render_data_line();
                self.render_controls();
                self.prepare_data();
                self.warm_kernels();
            }
            FromWorker::Kernels { model, batch_size, kernels } => {
                self.setup.kernels = Some((model, batch_size, kernels));
                self.render_device();
            }
            FromWorker::DataError { message } => {
                self.setup.data_line = Some(DataLine::Failed(message));
                self.render_data_line();
                self.render_status();
                self.dom.show("data-pick", true);
            }
            FromWorker::Summary { summary } => {
                self.run.flops_per_image = summary.training_flops_per_image();
                self.summary = Some(Ok(summary));
                self.render_summary();
            }
            FromWorker::Train { event } => self.on_event(event),
            FromWorker::Predictions { epoch, truth, predicted, confidence } => {
                self.run.strip = Some(Strip { epoch, truth, predicted, confidence });
                self.render_strip();
                // The feature maps of the chosen strip image, with this epoch's model (not over
                // a person's image: its maps are drawn as soon as it is classified).
                if !self.maps_asks.image_pending() {
                    self.request_feature_maps();
                }
                // A new epoch: refresh the explorer with the person's current filter.
                self.use_model.request_explore(&self.dom, &|m| self.send(m));
            }
            FromWorker::State { state } => {
                self.run.state = state;
                self.run.asked = false;
                self.run.pausing = false;
                if state == RunState::Running {
                    // Offered again, up to date, when the run ends.
                    self.saved.offer = None;
                    // Starting something ends what the link said.
                    self.setup.link_errors.clear();
                }
                self.status = Status::Run(state);
                self.render_controls();
                self.render_live();
            }
            FromWorker::Error { message } => {
                self.answered();
                self.say(message)
            }
            FromWorker::MeasureFailed { message } => self.on_measure_failed(message),
            FromWorker::Notice { message } => self.say(message),
            FromWorker::Charts { charted } => self.on_charted(charted),
            FromWorker::Measured { speed, model, images_per_sec } => self.on_measured(speed, &model, images_per_sec),
            FromWorker::Runs { runs } => self.on_runs(runs),
            FromWorker::Experiment { ongoing, running } => self.on_experiment(ongoing, running),
            FromWorker::NoExperiment { finished } => self.on_no_experiment(finished),
            FromWorker::Busy => {
                self.answered();
                self.say(Said::new(|t| t.other_tab.into()))
            }
            FromWorker::Saved { config, epochs_done, best_val_accuracy, history, of_experiment } => {
                self.on_saved(SavedRun { config, epochs_done, best: best_val_accuracy }, history, of_experiment)
            }
            FromWorker::NoSaved => {
                // (The checkpoint line keeps what it says: a storage error stays readable.)
                self.saved.offer = None;
                self.saved.stored = None;
                self.render_controls();
            }
            FromWorker::Stored { epochs_done, best } => {
                let had_best = self.saved.stored.is_some_and(|s| s.1);
                self.saved.stored = Some((epochs_done, best || had_best));
                self.saved.line = Some(super::page::Line::Stored { epochs: epochs_done, best });
                self.render_saved();
                self.render_controls();
            }
            FromWorker::StorageError { message } => {
                self.answered();
                self.saved.line = Some(super::page::Line::Said(message));
                self.render_saved();
            }
            FromWorker::Diverged { message } => {
                self.setup.recovery = Some(message.clone());
                self.render_recovery();
                self.say(message);
            }
            FromWorker::ModelAvailable { source } => self.use_model.on_model_available(&self.dom, t, source),
            FromWorker::Classified { probabilities, source, ask } => {
                // The worker drew the image's feature maps too, unless a click asked for others
                // since: then they, and their label, stay.
                self.maps_asks.answered(ask);
                if self.maps_asks.is_latest(ask) {
                    self.run.feature = super::page::Feature::Own(source.clone());
                    self.render_feature_label();
                }
                self.use_model.on_classified(&self.dom, self.lang, probabilities, source)
            }
            FromWorker::ClassifyError { message, ask } => {
                self.use_model.on_error(&self.dom, self.lang, message);
                // No maps come for that image: the ones the page shows are asked for again (a
                // click made before it was sent was overtaken by its number).
                if let Some(ask) = ask.filter(|&ask| self.maps_asks.is_latest(ask)) {
                    self.maps_asks.answered(ask);
                    self.request_feature_maps();
                }
            }
            FromWorker::Explored { epoch, items, columns, mosaic } => {
                self.use_model.on_explored(&self.dom, t, epoch, &items, columns, mosaic)
            }
            FromWorker::ExploreUnavailable => self.dom.set_text("explore-status", t.explore_wait),
            FromWorker::Pixels { canvas, image } => {
                super::dom::draw_rgba(&self.dom, canvas.id(), image.width, image.height, &image.rgba.into_vec())
            }
            FromWorker::FeatureMaps { ask, image } if self.maps_asks.is_latest(ask) => {
                super::dom::draw_rgba(&self.dom, "feature-maps", image.width, image.height, &image.rgba.into_vec())
            }
            FromWorker::FeatureMaps { .. } => {}
            FromWorker::File { name, bytes } => {
                if let Err(e) = self.dom.download_bytes(&name, &bytes.into_vec()) {
                    self.say(Said::new(|t| (t.internal_error)(&super::js_error(&e))));
                }
            }
            // Handled by `link.rs` before they get here.
            FromWorker::DeviceLost { .. } | FromWorker::Crashed { .. } => {}
        }
    }

    fn on_event(&mut self, event: Event) {
        let t = self.t();
        match event {
            Event::Started { first_epoch, model, trainable_params, train_images, test_images, steps_per_epoch, epochs, .. } => {
                let run = &mut self.run;
                run.images = Some((train_images, test_images));
                run.started_ms = now_ms();
                // The remaining steps (a resumed run starts with `first_epoch`).
                run.steps_total = steps_per_epoch * epochs.saturating_sub(first_epoch);
                run.first_epoch = first_epoch;
                run.finished = None;
                run.live = None;
                run.history.clear();
                run.batch_points.clear();
                if first_epoch == 0 {
                    run.best = None;
                    self.saved.stored = None;
                    self.saved.line = None;
                }
                self.run.gradients.clear();
                if let Some(charts) = &self.charts {
                    charts.render(t, std::iter::empty(), &[]);
                    charts.gradients.show(t, &[]);
                }
                self.render_final();
                self.render_saved();
                // The model list's name (ResNet20 v1), not the worker's key (resnet20v1).
                let model = model.parse::<crate::model::ModelKind>().map_or(model, |kind| kind.label());
                self.say(Said::new(|t| (t.training_started)(&model, &group(trainable_params), &group(train_images))));
            }
            Event::Batch { epoch, step, steps_per_epoch, loss, accuracy, lr, images_per_sec } => {
                let run = &mut self.run;
                let done = (epoch - epoch.min(run.first_epoch)) * steps_per_epoch + step;
                let elapsed = (now_ms() - run.started_ms) / 1000.0;
                let eta_seconds = if done > 0 { elapsed / done as f64 * run.steps_total.saturating_sub(done) as f64 } else { 0.0 };
                run.live = Some(Live { epoch, step, steps_per_epoch, loss, accuracy, lr, images_per_sec, eta_seconds });
                let x = Charted::batch_x(epoch, step, steps_per_epoch);
                run.batch_points.push((x, loss));
                if let Some(charts) = &self.charts {
                    charts.push_batch(x, loss);
                }
                self.render_live();
                self.render_experiment_status();
            }
            Event::Epoch(metrics) => self.on_epoch(metrics),
            Event::LrReduced { next_lr, .. } => self.say(Said::new(|t| (t.lr_reduced)(next_lr))),
            Event::Filters { after_epoch, shape, weights } => {
                self.run.filters = Some((after_epoch, shape, weights));
                self.render_filters();
            }
            Event::Gradients { epoch, step, layers, norms } => {
                Charted::push_window(&mut self.run.gradients, GradientWindow { epoch, step, layers, norms });
                if let Some(charts) = &self.charts {
                    charts.gradients.show(t, &self.run.gradients);
                }
            }
            Event::Checkpoint { epoch, best_val_accuracy, .. } => {
                self.run.best = Some((best_val_accuracy, epoch));
                self.render_epoch_tables();
            }
            Event::Finished { epochs_done, stopped, test_loss, test_accuracy } => {
                self.run.finished = Some(Finished { test_loss, test_accuracy, stopped, epochs_done });
                self.render_final();
            }
        }
    }

    fn on_epoch(&mut self, metrics: EpochMetrics) {
        self.lab_epoch(&metrics);
        if let Some(charts) = &self.charts {
            charts.push_epoch(point(&metrics));
        }
        self.run.history.push(metrics);
        self.render_epoch_tables();
    }

    /// A run saved in IndexedDB: offer to continue it, and show it as it was.
    /// The saved run's charts beyond its epochs, stored with its checkpoint: each part fills in
    /// only what the page does not show already (after a reload, or a run continued, whose
    /// start emptied them; not the live ones of a run that just ended).
    fn on_charted(&mut self, charted: Charted) {
        let t = self.t();
        if self.run.batch_points.is_empty() || self.run.batch_points.len() <= self.run.history.len() {
            self.run.batch_points = charted.batch.iter().map(|&(x, loss)| (f64::from(x), f64::from(loss))).collect();
            if let Some(charts) = &self.charts {
                charts.render(t, self.run.history.iter().map(point), &self.run.batch_points);
            }
        }
        if self.run.gradients.is_empty() && !charted.gradients.is_empty() {
            self.run.gradients = charted.gradients;
            if let Some(charts) = &self.charts {
                charts.gradients.show(t, &self.run.gradients);
            }
        }
        if let (None, Some(finished)) = (&self.run.finished, charted.finished) {
            self.run.finished = Some(finished);
            self.render_final();
        }
    }

    fn on_saved(&mut self, saved: SavedRun, history: Vec<EpochMetrics>, of_experiment: bool) {
        // The controls show the saved run's settings (the number of epochs may be raised); not
        // an experiment network's (a subset, augmentation off…), which are not the person's
        // next run: the controls keep theirs.
        if !of_experiment {
            self.show_config(&saved.config);
            self.choose_model();
        }
        self.run.batch_points = history.iter().map(|m| (m.epoch as f64 + 1.0, m.train_loss)).collect();
        self.run.best = saved.best.map(|best| (best, history.iter().position(|m| m.val_accuracy == best).unwrap_or(0)));
        self.run.history = history;
        // A run that ran to its end was evaluated with its last epoch's test numbers
        // (`trainer::finish`): shown again after a reload.
        if self.run.finished.is_none()
            && saved.epochs_done >= saved.config.epochs
            && let Some(last) = self.run.history.last()
        {
            let (test_loss, test_accuracy) = (last.val_loss, last.val_accuracy);
            self.run.finished = Some(Finished { test_loss, test_accuracy, stopped: false, epochs_done: saved.epochs_done });
            self.render_final();
        }
        // The checkpoint line says what is stored (not «—» beside the offer after a reload).
        if self.saved.stored.is_none() {
            self.saved.stored = Some((saved.epochs_done, false));
        }
        self.saved.offer = Some(saved);
        if let Some(charts) = &self.charts {
            charts.render(self.t(), self.run.history.iter().map(point), &self.run.batch_points);
        }
        self.render_epoch_tables();
        self.render_saved();
        self.render_controls();
    }
}
