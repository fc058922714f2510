//! A training run in the worker: the trainer's observer (events to the page, checkpoints to
//! IndexedDB, pause and stop), and starting or continuing a run.

use std::rc::Rc;

use burn::prelude::*;

use super::device::memory;
use super::charts::{saved_charts, store_charts};
use super::kept::keep_run;
use super::saved::{announce_saved, record_of, save_error};
use super::state::{Explorable, STATE, Snapshot, WISH, Wish, post, set_snapshot};
use crate::checkpoint::Checkpoint;
use crate::data::Cifar10;
use crate::experiment::Experiment;
use crate::i18n::{ModelSource, Said};
use crate::metrics::EpochMetrics;
use crate::model::{ResNet, ResNetConfig};
use crate::html::Finished;
use crate::protocol::{Charted, FromWorker, GradientWindow, RunState, STRIP_LEN};
use crate::summary::Summary;
use crate::trainer::{Control, Current, Evaluation, Event, Observer, Start, TrainError, predict, train_prepared};
use crate::web::sleep_ms;
use crate::web::store::{self, BEST, EXPLORED, LAST};

pub(super) struct WorkerObserver {
    data: Rc<Cifar10>,
    /// The finished epochs of a resumed run, replayed to the page when it starts.
    replay: Vec<EpochMetrics>,
    eval_device: Device,
    told_paused: bool,
    /// Epoch and step of the next step, for the paused model's label.
    epoch: usize,
    step: usize,
    /// The charts beyond the epochs, as the page draws them (a continued run's start with the
    /// stored ones), stored with every checkpoint.
    charted: Charted,
    /// The fingerprint and epochs of the checkpoint stored last: the final evaluation is stored
    /// with its charts.
    stored: Option<(String, usize)>,
}

impl Observer for WorkerObserver {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Batch { epoch, step, steps_per_epoch, loss, .. } => {
                (self.epoch, self.step) = (*epoch, *step);
                #[cfg(feature = "webgpu")]
                super::kernels::reported(*epoch, *step);
                self.charted.push_batch(Charted::batch_x(*epoch, *step, *steps_per_epoch), *loss);
            }
            Event::Gradients { epoch, step, layers, norms } => self.charted.push_gradients(GradientWindow {
                epoch: *epoch,
                step: *step,
                layers: layers.clone(),
                norms: norms.clone(),
            }),
            Event::Started { first_epoch, .. } => {
                if *first_epoch == 0 {
                    self.charted = Charted::default();
                }
                self.charted.finished = None;
            }
            Event::Finished { epochs_done, stopped, test_loss, test_accuracy } => {
                self.charted.finished =
                    Some(Finished { test_loss: *test_loss, test_accuracy: *test_accuracy, stopped: *stopped, epochs_done: *epochs_done });
                if let Some((fingerprint, epochs)) = self.stored.clone() {
                    let charted = self.charted.clone();
                    wasm_bindgen_futures::spawn_local(async move { store_charts(&charted, &fingerprint, epochs).await });
                }
            }
            _ => {}
        }
        post(&FromWorker::Train { event: event.clone() });
        if let Event::Batch { .. } = event {
            post(&memory(&self.eval_device));
        }
        if let Event::Started { .. } = event {
            for metrics in self.replay.drain(..) {
                post(&FromWorker::Train { event: Event::Epoch(metrics) });
            }
            // A continued run: its batch losses and gradient windows so far.
            if !self.charted.is_empty() {
                post(&FromWorker::Charts { charted: self.charted.clone() });
            }
        }
    }

    fn wants_checkpoints(&self) -> bool {
        true
    }

    async fn checkpoint(&mut self, checkpoint: &Checkpoint, best: bool) {
        let bytes = match checkpoint.to_bytes() {
            Ok(bytes) => bytes,
            Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&(t.checkpoint_error)(&e)))}),
        };
        let record = record_of(checkpoint, bytes);
        // What is stored beside it is tied to it by this.
        let fingerprint = super::restore::fingerprint(&record.bytes);
        // This epoch's evaluation, for the explorer after a reload (`restore.rs`).
        let explored = super::restore::explored_record(&fingerprint, checkpoint.run.epochs_done);
        let mut records = vec![(LAST, &record)];
        if best {
            records.push((BEST, &record));
        }
        match store::save(&records).await {
            Ok(()) => post(&FromWorker::Stored { epochs_done: checkpoint.run.epochs_done, best }),
            Err(e) => return post(&FromWorker::StorageError { message: save_error(&e)}),
        }
        // Its own write, after the checkpoints: near the quota this cache must not cost them.
        // One that fails (or an older one left) is never used with another checkpoint.
        if let Some(explored) = &explored {
            let _ = store::save(&[(EXPLORED, explored)]).await;
        }
        store_charts(&self.charted, &fingerprint, checkpoint.run.epochs_done).await;
        self.stored = Some((fingerprint, checkpoint.run.epochs_done));
    }

    async fn control(&mut self, current: Current<'_>) -> Control {
        loop {
            // Let the worker's message handler run between steps.
            sleep_ms(0).await;
            match WISH.get() {
                Wish::Run => {
                    // Said here, where the run goes on, not when «Continuar» is read: a Pause
                    // read before this loop looks again (a double click) must be told too.
                    if std::mem::take(&mut self.told_paused) {
                        post(&FromWorker::State { state: RunState::Running });
                    }
                    return Control::Continue;
                }
                Wish::Stop => return Control::Stop,
                Wish::Pause => {
                    if !self.told_paused {
                        self.told_paused = true;
                        // The paused model can classify a person's images meanwhile.
                        set_snapshot(Snapshot {
                            model: current.model.valid(),
                            mean: Rc::new(current.mean.to_vec()),
                            device: self.eval_device.clone(),
                            source: ModelSource::Paused { epoch: self.epoch, step: self.step },
                        });
                        post(&FromWorker::State { state: RunState::Paused });
                    }
                    sleep_ms(100).await;
                }
            }
        }
    }

    async fn epoch_end(&mut self, epoch: usize, model: &ResNet, mean: &[f32], evaluation: &Evaluation) {
        STATE.with_borrow_mut(|s| {
            s.explorable = Some(Explorable { epoch, probabilities: evaluation.probabilities.clone() })
        });
        set_snapshot(Snapshot {
            model: model.clone(),
            mean: Rc::new(mean.to_vec()),
            device: self.eval_device.clone(),
            source: ModelSource::Epoch { epoch },
        });
        let indices: Vec<usize> = (0..STRIP_LEN.min(self.data.test.len())).collect();
        match predict(model, &self.data.test, &indices, mean, &self.eval_device).await {
            Ok((predicted, confidence)) => post(&FromWorker::Predictions {
                epoch,
                truth: indices.iter().map(|&i| self.data.test.labels[i] as usize).collect(),
                predicted,
                confidence,
            }),
            Err(e) => post(&FromWorker::Error { message: Said::plain(e.to_string())}),
        }
    }
}

/// How a run ended, for an experiment that goes on with its next network or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RunEnd {
    Finished,
    Stopped,
    /// It did not start (no data, no device, another run) or it failed.
    Failed,
}

/// Continues the run saved in IndexedDB.
pub(super) async fn continue_saved(epochs: usize) {
    let mut checkpoint = match store::load(LAST).await {
        Ok(Some(record)) => match Checkpoint::from_bytes(&record.bytes) {
            Ok(checkpoint) => checkpoint,
            Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.saved_bad)(&(t.checkpoint_error)(&e)))}),
        },
        Ok(None) => return post(&FromWorker::Error { message: Said::new(|t| t.no_checkpoint.into())}),
        Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_unavailable)(&e))}),
    };
    checkpoint.run.config.epochs = epochs.max(checkpoint.run.epochs_done);
    run(Start::Resume(Box::new(checkpoint)), None).await;
}

/// Trains a run to its end (or its stop), keeping it in the lab's list when it has an epoch;
/// `experiment` tags it as part of one.
pub(super) async fn run(start: Start, experiment: Option<(f64, Experiment)>) -> RunEnd {
    let (data, device, running) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.running));
    if running {
        return RunEnd::Failed;
    }
    let Some(data) = data else {
        post(&FromWorker::Error { message: Said::new(|t| t.data_not_ready.into())});
        return RunEnd::Failed;
    };
    let Some((device, _)) = device else {
        post(&FromWorker::Error { message: Said::new(|t| t.no_device.into())});
        return RunEnd::Failed;
    };
    // Taken before the wait for the lock (up to 3 s just after a reload, lock.rs): a second
    // «Entrenar» meanwhile, or a measurement, finds the run under way instead of waiting for
    // the lock too and being told another tab trains.
    STATE.with_borrow_mut(|s| s.running = true);
    // Another tab may be training (and saving) the one saved run: then this one does not.
    let Some(_lock) = super::lock::run_lock().await else {
        STATE.with_borrow_mut(|s| s.running = false);
        post(&FromWorker::Busy);
        return RunEnd::Failed;
    };
    let started_ms = js_sys::Date::now();
    let (config, replay) = match &start {
        Start::Fresh(config) => {
            // A new run replaces the saved one.
            if let Err(e) = store::clear().await {
                post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e))});
            }
            post(&FromWorker::NoSaved);
            (config.clone(), Vec::new())
        }
        Start::Resume(checkpoint) => (checkpoint.run.config.clone(), checkpoint.run.history.clone()),
    };
    // The networks of an experiment (or a preset) keep what was wished between them: it set
    // `Run` when it started, and it stops before its next network on a stop; a pause pressed as
    // one network ended pauses the next at its first step. A run on its own starts running.
    if !STATE.with_borrow(|s| s.experiment_active) {
        WISH.set(Wish::Run);
    }
    STATE.with_borrow_mut(|s| s.explorable = None);
    match ResNetConfig::from(config.model).try_init(&Device::flex()) {
        Ok(model) => post(&FromWorker::Summary { summary: Summary::of(&model) }),
        Err(e) => post(&FromWorker::Error { message: Said::plain(e.to_string())}),
    }
    post(&FromWorker::State { state: RunState::Running });
    let mut observer = WorkerObserver {
        data: data.clone(),
        replay,
        eval_device: device.clone().without_autodiff(),
        told_paused: false,
        epoch: 0,
        step: 0,
        charted: match &start {
            // Its checkpoint is the saved one (`last`): a run file loaded meanwhile has none.
            Start::Resume(_) => match store::load(LAST).await {
                Ok(Some(last)) => saved_charts(&last).await.unwrap_or_default(),
                _ => Charted::default(),
            },
            Start::Fresh(_) => Charted::default(),
        },
        stored: None,
    };
    let prepared = super::prepared::prepared();
    let result = train_prepared(&data, prepared.as_deref(), start, &device, &mut observer).await;
    STATE.with_borrow_mut(|s| s.running = false);
    let end = match result {
        Ok(outcome) => {
            let end = if outcome.stopped { RunEnd::Stopped } else { RunEnd::Finished };
            keep_run(&config, outcome.history.clone(), outcome.stopped, started_ms, experiment).await;
            set_snapshot(Snapshot {
                model: outcome.model,
                mean: Rc::new(outcome.mean),
                device: device.without_autodiff(),
                source: ModelSource::Final { epochs: outcome.history.len() },
            });
            post(&FromWorker::State { state: RunState::Finished });
            end
        }
        Err(TrainError::NonFinite { epoch, lr, .. } | TrainError::NonFiniteWeights { epoch, lr, .. }) => {
            post(&FromWorker::Diverged { message: Said::new(|t| (t.diverged)(epoch + 1, lr))});
            post(&FromWorker::State { state: RunState::Idle });
            RunEnd::Failed
        }
        Err(e) => {
            post(&FromWorker::Error { message: Said::new(|t| (t.training_stopped)(&e.to_string()))});
            post(&FromWorker::State { state: RunState::Idle });
            RunEnd::Failed
        }
    };
    // Whatever the outcome, the last checkpoint can be continued (with more epochs, or after
    // a stop, or with a lower learning rate after a divergence).
    announce_saved().await;
    end
}
