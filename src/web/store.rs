//! The run's checkpoints in IndexedDB, so that a reload, a crashed GPU process or a closed tab
//! never costs more than the epoch in progress.
//!
//! One object store, `checkpoints`, holds at most two records: `last` (written at the end of
//! every epoch) and `best` (the seed's `save_best_only` checkpoint). Each record is
//! `{bytes: Uint8Array, epochs_done, model, val_accuracy}`, where `bytes` is a whole
//! [`crate::checkpoint::Checkpoint`] file. Both records of an epoch are written in *one*
//! IndexedDB transaction: either both land or neither does, so a reload in the middle of a write,
//! or a full disk, leaves the previous checkpoints exactly as they were.
//!
//! Two more stores keep the lab: `runs` (every run that ended, as JSON
//! [`crate::runs::RunRecord`]s keyed by their id) and `lab` (the experiment in progress, under
//! [`EXPERIMENT`]).

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode, TransactionResult};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const DATABASE: &str = "resnet-webgpu";
const STORE: &str = "checkpoints";
/// The kept runs.
pub const RUNS: &str = "runs";
/// The lab's state: the experiment in progress.
pub const LAB: &str = "lab";
/// `lab`'s key for the experiment in progress.
pub const EXPERIMENT: &str = "experiment";
/// The checkpoint written at the end of every epoch.
pub const LAST: &str = "last";
/// The checkpoint of the best validation accuracy so far.
pub const BEST: &str = "best";
/// The class probabilities of the run's test images with `last`'s model (little-endian `f32`,
/// ten per image), written with it: the explorer after a reload, without evaluating again.
/// Its `model` is `last`'s bytes' fingerprint, so that it is used with that checkpoint only.
pub const EXPLORED: &str = "explored";
/// The run's charts beyond its epochs' metrics ([`crate::protocol::Charted`] as JSON): batch
/// losses, the latest gradient windows, a stopped run's final evaluation. Tied to `last` by
/// its fingerprint like [`EXPLORED`].
pub const CHARTS: &str = "charts";

/// A checkpoint record.
pub struct Record {
    pub bytes: Vec<u8>,
    pub epochs_done: usize,
    pub model: String,
    pub val_accuracy: f64,
}

/// Why a checkpoint could not be stored.
#[derive(Debug)]
pub enum SaveError {
    /// The browser refused the write (almost always: no space left for this site), with the
    /// bytes used and allowed when the browser says.
    Refused(Option<(f64, f64)>),
    /// IndexedDB failed otherwise (unavailable, blocked…).
    Failed(String),
}

/// Why storage failed, in words for a person (English; the caller wraps it in a translated
/// sentence).
fn describe(e: &idb::Error) -> String {
    e.to_string()
}

async fn open() -> Result<Database, String> {
    let factory = Factory::new().map_err(|e| describe(&e))?;
    // Version 2 added the lab's stores; a version-1 database gains them, keeping its checkpoints.
    let mut request = factory.open(DATABASE, Some(2)).map_err(|e| describe(&e))?;
    request.on_upgrade_needed(|event| {
        if let Ok(database) = event.database() {
            for name in [STORE, RUNS, LAB] {
                if !database.store_names().iter().any(|n| n == name) {
                    let _ = database.create_object_store(name, ObjectStoreParams::new());
                }
            }
        }
    });
    request.await.map_err(|e| describe(&e))
}

fn to_js(record: &Record) -> JsValue {
    let object = Object::new();
    let bytes = Uint8Array::from(record.bytes.as_slice());
    for (key, value) in [
        ("bytes", JsValue::from(bytes)),
        ("epochs_done", JsValue::from_f64(record.epochs_done as f64)),
        ("model", JsValue::from_str(&record.model)),
        ("val_accuracy", JsValue::from_f64(record.val_accuracy)),
    ] {
        let _ = Reflect::set(&object, &key.into(), &value);
    }
    object.into()
}

fn from_js(value: &JsValue) -> Option<Record> {
    let get = |key: &str| Reflect::get(value, &key.into()).ok();
    let bytes = get("bytes")?.dyn_into::<Uint8Array>().ok()?.to_vec();
    Some(Record {
        bytes,
        epochs_done: get("epochs_done")?.as_f64()? as usize,
        model: get("model")?.as_string()?,
        val_accuracy: get("val_accuracy")?.as_f64()?,
    })
}

/// Writes `records` (key, record) in one transaction: all of them or none.
pub async fn save(records: &[(&str, &Record)]) -> Result<(), SaveError> {
    let written = writing(STORE, |store| {
        // Not awaited one by one: the transaction's outcome covers every request in it.
        records.iter().try_for_each(|(key, record)| store.put(&to_js(record), Some(&JsValue::from_str(key))).map(drop))
    });
    saved(written.await).await
}

/// The record stored under `key`, if any.
pub async fn load(key: &str) -> Result<Option<Record>, String> {
    let value = reading(STORE, async |objects| objects.get(JsValue::from_str(key))?.await).await?;
    Ok(value.as_ref().and_then(from_js))
}

/// Deletes both checkpoints.
pub async fn clear() -> Result<(), String> {
    match writing(STORE, |store| store.clear().map(drop)).await? {
        true => Ok(()),
        false => Err("the browser refused to delete them".into()),
    }
}

/// Bytes used and allowed for this origin (`navigator.storage.estimate()`), where known.
pub async fn usage() -> Option<(f64, f64)> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let storage = Reflect::get(&navigator, &"storage".into()).ok()?;
    let estimate = Reflect::get(&storage, &"estimate".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let promise: js_sys::Promise = estimate.call0(&storage).ok()?.dyn_into().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    let number = |key: &str| Reflect::get(&value, &key.into()).ok()?.as_f64();
    Some((number("usage")?, number("quota")?))
}

/// Writes `json` under `key` in `store` (`runs` or `lab`).
pub async fn put_json(store: &str, key: &str, json: &str) -> Result<(), SaveError> {
    let written = writing(store, |objects| objects.put(&JsValue::from_str(json), Some(&JsValue::from_str(key))).map(drop));
    saved(written.await).await
}

/// The JSON under `key` in `store`, if any.
pub async fn get_json(store: &str, key: &str) -> Result<Option<String>, String> {
    let value = reading(store, async |objects| objects.get(JsValue::from_str(key))?.await).await?;
    Ok(value.and_then(|v| v.as_string()))
}

/// Every JSON value in `store`, in key order.
pub async fn all_json(store: &str) -> Result<Vec<String>, String> {
    let values = reading(store, async |objects| objects.get_all(None, None)?.await).await?;
    Ok(values.into_iter().filter_map(|v| v.as_string()).collect())
}

/// Deletes `key` from `store`.
pub async fn delete(store: &str, key: &str) -> Result<(), String> {
    match writing(store, |objects| objects.delete(JsValue::from_str(key)).map(drop)).await? {
        true => Ok(()),
        false => Err("the browser refused to delete it".into()),
    }
}

/// A write's outcome as a [`SaveError`]: an abort is the browser refusing (almost always for
/// space), said with how much the site uses.
async fn saved(written: Result<bool, String>) -> Result<(), SaveError> {
    match written {
        Ok(true) => Ok(()),
        Ok(false) => Err(SaveError::Refused(usage().await)),
        Err(e) => Err(SaveError::Failed(e)),
    }
}

/// Runs `write` on `store` in a read-write transaction and waits for its outcome: `true`
/// committed, `false` aborted by the browser. A request that cannot be made aborts the whole
/// transaction. The database is closed whatever happens.
async fn writing(store: &str, write: impl FnOnce(&idb::ObjectStore) -> Result<(), idb::Error>) -> Result<bool, String> {
    let database = open().await?;
    let result = async {
        let transaction = database.transaction(&[store], TransactionMode::ReadWrite)?;
        if let Err(e) = write(&transaction.object_store(store)?) {
            let _ = transaction.abort();
            return Err(e);
        }
        Ok(matches!(transaction.await?, TransactionResult::Committed))
    }
    .await;
    database.close();
    result.map_err(|e| describe(&e))
}

/// Runs `read` on `store` in a read-only transaction; the database is closed whatever happens.
async fn reading<T>(store: &str, read: impl AsyncFnOnce(idb::ObjectStore) -> Result<T, idb::Error>) -> Result<T, String> {
    let database = open().await?;
    let result = async {
        let transaction = database.transaction(&[store], TransactionMode::ReadOnly)?;
        read(transaction.object_store(store)?).await
    }
    .await;
    database.close();
    result.map_err(|e| describe(&e))
}
