//! The saved run in IndexedDB, as the page sees it: announced at start-up, uploaded, downloaded.

use super::state::{STATE, post};
use crate::i18n::Said;
use crate::checkpoint::Checkpoint;
use crate::protocol::{Bytes, FromWorker, Which};
use crate::web::store::{self, BEST, LAST, Record, SaveError};

/// Tells the page about the run saved in IndexedDB, if there is one.
pub(super) async fn announce_saved() {
    match store::load(LAST).await {
        Ok(Some(record)) => match Checkpoint::from_bytes(&record.bytes) {
            Ok(checkpoint) => {
                post(&saved_message(&checkpoint, of_experiment(&checkpoint).await));
                if let Some(charted) = super::charts::saved_charts(&record).await {
                    post(&FromWorker::Charts { charted });
                }
            }
            Err(e) => {
                post(&FromWorker::StorageError { message: Said::new(|t| (t.saved_bad)(&(t.checkpoint_error)(&e)))});
                let _ = store::clear().await;
            }
        },
        Ok(None) => post(&FromWorker::NoSaved),
        Err(e) => post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_unavailable)(&e))}),
    }
}

pub(super) fn saved_message(checkpoint: &Checkpoint, of_experiment: bool) -> FromWorker {
    FromWorker::Saved {
        config: checkpoint.run.config.clone(),
        epochs_done: checkpoint.run.epochs_done,
        best_val_accuracy: checkpoint.run.best_val_accuracy,
        history: checkpoint.run.history.clone(),
        of_experiment,
    }
}

/// Whether the saved run is one of an experiment's networks: kept with an experiment (the same
/// settings, the same first epoch), or in the plan of the experiment under way.
async fn of_experiment(checkpoint: &Checkpoint) -> bool {
    let run = &checkpoint.run;
    let kept = super::kept::kept_runs().await.unwrap_or_default();
    kept.iter().any(|r| r.experiment.is_some() && r.config == run.config && r.continued_by(&run.config, &run.history))
        || super::lab::stored_experiment().await.is_some_and(|ongoing| ongoing.plan.runs.contains(&run.config))
}

pub(super) fn record_of(checkpoint: &Checkpoint, bytes: Vec<u8>) -> Record {
    Record {
        bytes,
        epochs_done: checkpoint.run.epochs_done,
        model: checkpoint.run.config.model.to_string(),
        val_accuracy: checkpoint.run.history.last().map_or(0.0, |m| m.val_accuracy),
    }
}

/// A run checkpoint chosen by the person: checked whole, then saved as the run to continue.
pub(super) async fn load_run(file: String, bytes: Vec<u8>) {
    let checkpoint = match Checkpoint::from_bytes(&bytes) {
        Ok(checkpoint) => checkpoint,
        Err(e) => return post(&FromWorker::Error { message: Said::new(|t| (t.run_file_bad)(&file, &(t.checkpoint_error)(&e)))}),
    };
    // Not during a run, nor between an experiment's networks (the next one would clear it).
    if STATE.with_borrow(|s| s.busy()) {
        return post(&FromWorker::Error { message: Said::new(|t| t.run_file_busy.into())});
    }
    let Some(_lock) = super::lock::run_lock().await else {
        return post(&FromWorker::Busy);
    };
    let record = record_of(&checkpoint, bytes);
    match store::save(&[(LAST, &record)]).await {
        Ok(()) => {
            post(&FromWorker::Notice { message: Said::new(|t| (t.run_file_loaded)(&file, checkpoint.run.epochs_done))});
            post(&saved_message(&checkpoint, false));
        }
        Err(e) => post(&FromWorker::StorageError { message: save_error(&e)}),
    }
}

/// A failed checkpoint write, in the interface's language.
pub(super) fn save_error(e: &SaveError) -> Said {
    Said::new(|t| match e {
        SaveError::Refused(usage) => (t.storage_full)(*usage),
        SaveError::Failed(e) => (t.storage_failed)(e),
    })
}

/// Offers a saved checkpoint as a file: the weights alone, or the whole state.
pub(super) async fn download(which: Which, full: bool) {
    let key = match which {
        Which::Best => BEST,
        Which::Last => LAST,
    };
    let record = match store::load(key).await {
        Ok(Some(record)) => record,
        Ok(None) => return post(&FromWorker::Error { message: Said::new(|t| t.no_checkpoint.into())}),
        Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.storage_unavailable)(&e))}),
    };
    let name = format!(
        "{}-{}-epoch{}{}.safetensors",
        record.model,
        key,
        record.epochs_done,
        if full { "-state" } else { "" }
    );
    let bytes = if full {
        record.bytes
    } else {
        match Checkpoint::from_bytes(&record.bytes).and_then(|c| Ok(c.weights()?)) {
            Ok(bytes) => bytes,
            Err(e) => return post(&FromWorker::StorageError { message: Said::new(|t| (t.saved_bad)(&(t.checkpoint_error)(&e)))}),
        }
    };
    post(&FromWorker::File { name, bytes: Bytes::to_js(&bytes) });
}
