//! The data made ready for the device (`crate::prepared`): once the archive is parsed and the
//! device is up, whichever comes last, so that a run started later finds it.

use std::rc::Rc;

use super::state::STATE;
use crate::prepared::Prepared;

/// The data prepared for the worker's device, made now if it is not yet (or was made for other
/// data or another device); `None` until both are there.
pub(super) fn prepared() -> Option<Rc<Prepared>> {
    let (data, device, kept) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.prepared.clone()));
    let (Some(data), Some((device, _))) = (data, device) else {
        return None;
    };
    if let Some(kept) = kept.filter(|p| p.is_for(&data, &device)) {
        return Some(kept);
    }
    // The one made for earlier data or another device goes first (its buffers with it).
    STATE.with_borrow_mut(|s| s.prepared = None);
    let prepared = Rc::new(Prepared::new(&data, &device));
    STATE.with_borrow_mut(|s| s.prepared = Some(prepared.clone()));
    Some(prepared)
}
