//! The lab's kept runs in the worker: every run that ends (finished, or stopped after an epoch)
//! stored in IndexedDB's `runs`, a continued run updating its record; listed for the page.

use futures_util::lock::Mutex;

use super::saved::save_error;
use super::state::{STATE, post};
use crate::i18n::Said;
use crate::experiment::Experiment;
use crate::metrics::EpochMetrics;
use crate::protocol::FromWorker;
use crate::recipe::TrainConfig;
use crate::runs::RunRecord;
use crate::web::store::{self, RUNS};

/// One change of the kept runs at a time: a deletion that came between a kept run's read and
/// its write would otherwise be undone by that write.
static CHANGES: Mutex<()> = Mutex::new(());

/// The kept runs, newest first; a record that cannot be read is skipped (and said in the console).
pub(super) async fn kept_runs() -> Result<Vec<RunRecord>, String> {
    let mut runs: Vec<RunRecord> = store::all_json(RUNS)
        .await?
        .iter()
        .filter_map(|json| match serde_json::from_str(json) {
            Ok(run) => Some(run),
            Err(e) => {
                web_sys::console::warn_1(&format!("a kept run cannot be read: {e}").into());
                None
            }
        })
        .collect();
    runs.sort_by(|a, b| b.started_ms.total_cmp(&a.started_ms));
    Ok(runs)
}

pub(super) async fn post_runs() {
    match kept_runs().await {
        Ok(runs) => post(&FromWorker::Runs { runs }),
        Err(e) => post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_unavailable)(&e))}),
    }
}

/// Keeps a run that ended (with at least one epoch): a continued run updates its record.
pub(super) async fn keep_run(
    config: &TrainConfig,
    history: Vec<EpochMetrics>,
    stopped: bool,
    started_ms: f64,
    experiment: Option<(f64, Experiment)>,
) {
    if history.is_empty() {
        return;
    }
    let _one_at_a_time = CHANGES.lock().await;
    // A network of an experiment continued on its own with more epochs is kept as a run of its
    // own: the experiment's record stays as the experiment compared it (all its networks with
    // the same epochs), and so does its verdict.
    let kept = kept_runs().await.unwrap_or_default();
    let continued = kept
        .iter()
        .find(|r| r.continued_by(config, &history))
        .filter(|r| r.experiment.is_none() || experiment.is_some() || r.config.epochs == config.epochs);
    // An experiment's network stopped, then done again from its start (its checkpoint was
    // replaced meanwhile) takes the stopped one's place: the experiment has each network once.
    let redone = || {
        let (id, _) = experiment?;
        kept.iter().find(|r| r.stopped && r.experiment.is_some_and(|(x, _)| x == id) && r.config == *config)
    };
    let earlier = continued.or_else(redone).cloned();
    let device = STATE.with_borrow(|s| s.device_name.clone());
    let record = match earlier {
        Some(earlier) => RunRecord {
            config: config.clone(),
            history,
            stopped,
            device,
            experiment: experiment.or(earlier.experiment),
            ..earlier
        },
        None => RunRecord {
            id: format!("{}-{}", config.model, started_ms as u64),
            started_ms,
            config: config.clone(),
            history,
            stopped,
            device,
            experiment,
        },
    };
    let json = match serde_json::to_string(&record) {
        Ok(json) => json,
        Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e.to_string()))}),
    };
    if let Err(e) = store::put_json(RUNS, &record.id, &json).await {
        post(&FromWorker::StorageError { message: save_error(&e)});
    }
    post_runs().await;
}

pub(super) async fn delete_run(id: String) {
    let _one_at_a_time = CHANGES.lock().await;
    if let Err(e) = store::delete(RUNS, &id).await {
        post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_failed)(&e))});
    }
    post_runs().await;
}

