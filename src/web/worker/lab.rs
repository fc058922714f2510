//! The lab in the worker: measuring the device's speed, running an experiment's networks one
//! after another (and going on with one after a reload), and keeping every run that ends.

use burn::prelude::*;

use super::kept::{keep_run, post_runs};
use super::run::{RunEnd, run};
use super::saved::save_error;
use super::state::{STATE, State, WISH, Wish, post};
use crate::i18n::Said;
use crate::checkpoint::Checkpoint;
use crate::experiment::{Cost, Ongoing, Speed};
use crate::metrics::EpochMetrics;
use crate::model::ResNetConfig;
use crate::protocol::{FromWorker, RunState};
use crate::recipe::TrainConfig;
use crate::summary::Summary;
use crate::trainer::{Control, Current, Event, Observer, Start, train_from};
use crate::web::sleep_ms;
use crate::web::store::{self, EXPERIMENT, LAB, LAST};

pub(super) async fn stored_experiment() -> Option<Ongoing> {
    let json = store::get_json(LAB, EXPERIMENT).await.ok().flatten()?;
    serde_json::from_str(&json).ok()
}

/// At start-up: the kept runs, and the experiment under way if there is one.
pub(super) async fn announce_lab() {
    post_runs().await;
    match stored_experiment().await {
        Some(ongoing) => post(&FromWorker::Experiment { ongoing, running: false }),
        None => post(&FromWorker::NoExperiment { finished: false }),
    }
}

/// Catches a short run's epochs, and lets the controls stop it.
struct Measuring {
    epochs: Vec<EpochMetrics>,
}

impl Observer for Measuring {
    fn event(&mut self, event: &Event) {
        if let Event::Epoch(metrics) = event {
            self.epochs.push(metrics.clone());
        }
    }

    async fn control(&mut self, _current: Current<'_>) -> Control {
        sleep_ms(0).await;
        if WISH.get() == Wish::Stop { Control::Stop } else { Control::Continue }
    }
}

/// Measures the device with two epochs of three steps of `config` (the first warms up: kernels,
/// allocations) and says the second one's training speed, once any kernel warm-up has ended.
pub(super) async fn measure(config: TrainConfig) {
    // A warm-up on the same device would slow the timed epoch down.
    while super::warm::warming() {
        sleep_ms(50).await;
    }
    let (data, device, busy) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.busy()));
    let failed = |message: Said| post(&FromWorker::MeasureFailed { message });
    if busy {
        return failed(Said::new(|t| t.lab.busy.into()));
    }
    let (Some(data), Some((device, _))) = (data, device) else {
        return failed(Said::new(|t| t.data_not_ready.into()));
    };
    let batch = config.batch_size;
    let train = (3 * batch).min(data.train.len());
    let test = batch.min(data.test.len());
    let short = TrainConfig { epochs: 2, limit_train: Some(train), limit_test: Some(test), metrics_every: 1000, ..config };
    let cost = match ResNetConfig::from(short.model).try_init(&Device::flex()) {
        Ok(model) => Cost::of(&Summary::of(&model)),
        Err(e) => return failed(Said::plain(e.to_string())),
    };
    STATE.with_borrow_mut(|s| s.running = true);
    WISH.set(Wish::Run);
    let mut observer = Measuring { epochs: Vec::new() };
    let result = train_from(&data, Start::Fresh(short.clone()), &device, &mut observer).await;
    STATE.with_borrow_mut(|s| s.running = false);
    if let Err(e) = result {
        return failed(Said::new(|t| (t.training_stopped)(&e.to_string())));
    }
    match observer.epochs.last().and_then(|m| Speed::from_training(m.images_per_sec, cost).map(|s| (s, m.images_per_sec))) {
        Some((speed, images_per_sec)) => {
            post(&FromWorker::Measured { speed, model: short.model.to_string(), images_per_sec })
        }
        None => failed(Said::new(|t| (t.training_stopped)("no measurable epoch"))),
    }
}

async fn store_experiment(ongoing: &Ongoing) {
    match serde_json::to_string(ongoing) {
        Ok(json) => {
            if let Err(e) = store::put_json(LAB, EXPERIMENT, &json).await {
                post(&FromWorker::StorageError { message: save_error(&e)});
            }
        }
        Err(e) => post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e.to_string()))}),
    }
}

/// Runs the experiment's networks from `ongoing.next` on; with `resume`, the first of them from
/// the saved checkpoint when it is that network's (a reload in the middle of it).
pub(super) async fn run_experiment(ongoing: Ongoing, resume: bool) {
    // One experiment at a time, and nothing else while it runs, between its networks too.
    if STATE.with_borrow(State::busy) {
        return post(&FromWorker::Error { message: Said::new(|t| t.lab.busy.into())});
    }
    STATE.with_borrow_mut(|s| s.experiment_active = true);
    WISH.set(Wish::Run);
    experiment_runs(ongoing, resume).await;
    STATE.with_borrow_mut(|s| s.experiment_active = false);
}

async fn experiment_runs(mut ongoing: Ongoing, mut resume: bool) {
    // Another tab training the one saved run: then this one neither trains nor overwrites the
    // stored experiment.
    match super::lock::run_lock().await {
        Some(lock) => drop(lock),
        None => return post(&FromWorker::Busy),
    }
    let tag = ongoing.experiment().map(|e| (ongoing.id, e));
    while let Some(config) = ongoing.plan.runs.get(ongoing.next).cloned() {
        store_experiment(&ongoing).await;
        post(&FromWorker::Experiment { ongoing: ongoing.clone(), running: true });
        let start = match resume.then_some(()).and(saved_checkpoint().await) {
            Some(checkpoint) if checkpoint.run.config == config => {
                if checkpoint.run.epochs_done >= config.epochs {
                    // It had finished just before the reload (kept again: the reload may have
                    // come before its record was written).
                    keep_run(&config, checkpoint.run.history.clone(), false, js_sys::Date::now(), tag).await;
                    ongoing.next += 1;
                    resume = false;
                    continue;
                }
                Start::Resume(Box::new(checkpoint))
            }
            _ => Start::Fresh(config),
        };
        resume = false;
        // A stop pressed between two networks (while the last one's record was written) stops
        // the experiment before this one.
        if WISH.get() == Wish::Stop {
            return halted(ongoing);
        }
        match run(start, tag).await {
            // A stop pressed as the network ended stops the experiment there.
            RunEnd::Finished if WISH.get() == Wish::Stop => {
                ongoing.next += 1;
                store_experiment(&ongoing).await;
                let finished = ongoing.next >= ongoing.plan.runs.len();
                if finished {
                    break;
                }
                return halted(ongoing);
            }
            RunEnd::Finished => ongoing.next += 1,
            RunEnd::Stopped | RunEnd::Failed => {
                // Kept as it stands: «Continuar el experimento» goes on from this network.
                store_experiment(&ongoing).await;
                return halted(ongoing);
            }
        }
    }
    if let Err(e) = store::delete(LAB, EXPERIMENT).await {
        post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e))});
    }
    post(&FromWorker::NoExperiment { finished: true });
    post(&FromWorker::State { state: RunState::Finished });
}

/// Tells the page the experiment halted at `ongoing.next` («Continuar el experimento» goes on
/// from there). On a stop it also ends the page's «Deteniendo…»: the stop may have come after
/// the last network's `Finished`, between two networks, or while a network waited for a lock
/// that was then refused (another tab), and then no run ends it.
fn halted(ongoing: Ongoing) {
    post(&FromWorker::Experiment { ongoing, running: false });
    if WISH.get() == Wish::Stop {
        post(&FromWorker::State { state: RunState::Finished });
    }
}

async fn saved_checkpoint() -> Option<Checkpoint> {
    let record = store::load(LAST).await.ok().flatten()?;
    Checkpoint::from_bytes(&record.bytes).ok()
}

/// Goes on with the stored experiment.
pub(super) async fn continue_experiment() {
    match stored_experiment().await {
        Some(ongoing) => run_experiment(ongoing, true).await,
        None => post(&FromWorker::NoExperiment { finished: false }),
    }
}

/// Forgets the stored experiment; its finished runs stay kept.
pub(super) async fn discard_experiment() {
    if let Err(e) = store::delete(LAB, EXPERIMENT).await {
        post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e))});
    }
    post(&FromWorker::NoExperiment { finished: false });
}
