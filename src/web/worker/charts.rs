//! The run's charts beyond its epochs (batch losses, gradient windows, a stopped run's final
//! evaluation), kept in IndexedDB beside the checkpoint they go with (`store::CHARTS`), so that a
//! reload or a continued run shows them as they were. Written after the checkpoints, in their
//! own transaction: near the quota they must not cost a checkpoint.

use super::restore::beside;
use crate::protocol::Charted;
use crate::web::store::{self, CHARTS, Record};

/// Stores `charted` as the charts of the checkpoint whose bytes have `fingerprint` (after
/// `epochs_done` epochs). A failed write is only said in the console: the checkpoint itself was
/// stored.
pub(super) async fn store_charts(charted: &Charted, fingerprint: &str, epochs_done: usize) {
    let written = match serde_json::to_vec(charted) {
        Ok(json) => {
            let record = Record { bytes: json, epochs_done, model: fingerprint.to_string(), val_accuracy: 0.0 };
            store::save(&[(CHARTS, &record)]).await.map_err(|e| format!("{e:?}"))
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = written {
        web_sys::console::warn_1(&format!("the charts were not stored beside the checkpoint: {e}").into());
    }
}

/// The stored charts of the saved run's checkpoint `last`, if they are that checkpoint's.
pub(super) async fn saved_charts(last: &Record) -> Option<Charted> {
    serde_json::from_slice(&beside(CHARTS, last).await?.bytes).ok()
}
