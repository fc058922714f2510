//! After a reload: the saved run's network at hand again, as its last stored epoch left it. A
//! person's images can be classified with it at once; the strip's predictions, their feature
//! maps and the explorer come from that epoch's evaluation, stored beside the checkpoint
//! (`store::EXPLORED`), or where there is none (a run file loaded) once the run's test images
//! are evaluated again (in chunks, given up as soon as a run starts or another model takes its
//! place).

use std::rc::Rc;

use super::state::{Explorable, STATE, Snapshot, post, set_snapshot};
use crate::checkpoint::Checkpoint;
use crate::data::NUM_CLASSES;
use crate::explore::argmax;
use crate::i18n::ModelSource;
use crate::protocol::{FromWorker, STRIP_LEN};
use crate::trainer::{probabilities, run_mean};
use crate::web::sleep_ms;
use crate::web::store::{self, EXPLORED, LAST, Record};

/// Test images evaluated between two looks at the worker's messages.
const CHUNK: usize = 250;

/// A fingerprint of a checkpoint's bytes (the `EXPLORED` record names the one it belongs to).
pub(super) fn fingerprint(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The `EXPLORED` record to store beside the checkpoint whose bytes have `fingerprint`, of a run
/// with `epochs_done` epochs: the evaluation of the epoch that just ended, if it is that one.
pub(super) fn explored_record(fingerprint: &str, epochs_done: usize) -> Option<Record> {
    let probabilities = STATE.with_borrow(|s| {
        s.explorable.as_ref().filter(|e| e.epoch + 1 == epochs_done).map(|e| e.probabilities.clone())
    })?;
    Some(Record {
        bytes: probabilities.iter().flat_map(|p| p.to_le_bytes()).collect(),
        epochs_done,
        model: fingerprint.to_string(),
        val_accuracy: 0.0,
    })
}

/// The record stored under `key` beside checkpoint `last` (`EXPLORED`, `CHARTS`), if it is that
/// checkpoint's: an older one left (a failed write) is never used with another.
pub(super) async fn beside(key: &str, last: &Record) -> Option<Record> {
    let record = store::load(key).await.ok().flatten()?;
    (record.epochs_done == last.epochs_done && record.model == fingerprint(&last.bytes)).then_some(record)
}

/// The stored evaluation of checkpoint `last`, if there is one for it.
async fn stored_evaluation(last: &Record, n: usize) -> Option<Vec<f32>> {
    let record = beside(EXPLORED, last).await?;
    let probabilities: Vec<f32> =
        record.bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    (probabilities.len() == n * NUM_CLASSES).then_some(probabilities)
}

/// Whether no model is at hand and nothing holds the device: then the saved run's may be.
fn free() -> bool {
    STATE.with_borrow(|s| s.snapshot.is_none() && !s.busy())
}

/// Makes the saved run's model the one at hand, if there is a saved run with an epoch done and
/// no model yet (once the data and the device are both there). Says nothing when there is no
/// saved run or it cannot be read: `announce_saved` tells the page about those.
pub(super) async fn restore_saved() {
    if !free() {
        return;
    }
    let Ok(Some(record)) = store::load(LAST).await else { return };
    let Ok(checkpoint) = Checkpoint::from_bytes(&record.bytes) else { return };
    let run = &checkpoint.run;
    let Some(epoch) = run.epochs_done.checked_sub(1) else { return };
    let (data, device, prepared) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.prepared.clone()));
    let (Some(data), Some((device, _))) = (data, device) else { return };
    let device = device.without_autodiff();
    let prepared = prepared.filter(|p| p.is_for(&data, &device));
    let Ok(mean) = run_mean(&data, &run.config, prepared.as_deref()) else { return };
    let Ok(model) = checkpoint.model_on(&device) else { return };
    if !free() {
        return;
    }
    let source = if run.epochs_done >= run.config.epochs {
        ModelSource::Final { epochs: run.epochs_done }
    } else {
        ModelSource::Epoch { epoch }
    };
    let mean = Rc::new(mean);
    set_snapshot(Snapshot { model, mean: mean.clone(), device, source });

    // The run's test images, as its last epoch's evaluation saw them (for the explorer), then
    // the strip's predictions (which also has the page ask for the explorer's list).
    let n = run.config.limit_test.map_or(data.test.len(), |n| n.min(data.test.len()));
    let ours = || STATE.with_borrow(|s| !s.busy() && s.snapshot.as_ref().is_some_and(|m| Rc::ptr_eq(&m.mean, &mean)));
    let all = match stored_evaluation(&record, n).await {
        Some(all) => all,
        None => {
            let mut all = Vec::with_capacity(n * NUM_CLASSES);
            let indices: Vec<usize> = (0..n).collect();
            for chunk in indices.chunks(CHUNK) {
                sleep_ms(0).await;
                let Some(snapshot) = STATE.with_borrow(|s| s.snapshot.clone()).filter(|_| ours()) else { return };
                match probabilities(&snapshot.model, &data.test, chunk, &snapshot.mean, &snapshot.device).await {
                    Ok(p) => all.extend_from_slice(&p),
                    Err(_) => return,
                }
            }
            all
        }
    };
    if !ours() {
        return;
    }
    let strip = STRIP_LEN.min(n);
    let (predicted, confidence): (Vec<usize>, Vec<f32>) = all[..strip * NUM_CLASSES].chunks_exact(NUM_CLASSES).map(argmax).unzip();
    STATE.with_borrow_mut(|s| s.explorable = Some(Explorable { epoch, probabilities: all }));
    post(&FromWorker::Predictions {
        epoch,
        truth: data.test.labels[..strip].iter().map(|&c| c as usize).collect(),
        predicted,
        confidence,
    });
}
