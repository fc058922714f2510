//! Compiling a network's GPU kernels before the person presses «Entrenar».
//!
//! The first step of a run on WebGPU compiles every kernel it launches: burn writes them on this
//! thread, then the browser's GPU process turns each into a pipeline. On the 2-core VM with
//! SwiftShader that is 12 s more than a step (BENCHMARKS.md, "Where a WebGPU page's first step
//! goes"). So as soon as the page has a WebGPU device it asks for a warm-up of the network in
//! its controls: two steps of a throwaway run of the same network (of 8 images, see
//! [`warm_batch`]; the second step's Adam is another kernel, in place), whose kernels then sit
//! compiled in burn's and the browser's caches for the real run. It does not wait for the
//! archive: until that is parsed the throwaway run trains on made-up images ([`stand_in`]), so
//! that on a first visit the kernels compile while the archive downloads. The throwaway run
//! touches nothing the person sees: its model and metrics are dropped, it keeps no checkpoint,
//! it ignores pause and stop, and the run the person starts does not wait for it (both queue
//! their work on the same device, the warm-up's first).

use std::cell::RefCell;
use std::collections::HashSet;

use super::state::{STATE, post};
use crate::conv::ConvRoute;
use crate::data::{CLASS_NAMES, Cifar10, IMAGE_BYTES, NUM_CLASSES, Split};
use crate::model::ModelKind;
use crate::protocol::{BackendChoice, FromWorker, Kernels};
use crate::recipe::TrainConfig;
use crate::trainer::{Control, Current, Event, Observer, Start, train_from};
use crate::web::sleep_ms;
use web_time::Instant;

/// What sets a network's kernels apart: the network, the batch size and the convolutions' route
/// (other settings change values, not kernels).
type Key = (ModelKind, usize, ConvRoute);

fn key(config: &TrainConfig) -> Key {
    (config.model, config.batch_size, config.conv)
}

#[derive(Default)]
struct Warming {
    /// Warmed, or being warmed.
    seen: HashSet<Key>,
    /// A warm-up is under way.
    busy: bool,
    /// The latest request that came while one was under way.
    next: Option<TrainConfig>,
}

thread_local! {
    static WARMING: RefCell<Warming> = RefCell::new(Warming::default());
}

/// The batch size of the throwaway steps that compile the kernels of steps of `batch_size`
/// images: 8 where that is a divisor. A person who presses «Entrenar» at once waits for these
/// steps too, and on an emulated GPU a step of 32 images takes seconds. After an 8-image step a
/// 32- or 128-image one creates no new pipeline; after a 4-image one ResNet29 v2 still created
/// 56 (BENCHMARKS.md, "Where a WebGPU page's first step goes"). Other batch sizes (100, 500)
/// are warmed at their own size, so there the warm-up is two full steps.
pub fn warm_batch(batch_size: usize) -> usize {
    if batch_size.is_multiple_of(8) { 8 } else { batch_size }
}

/// An observer that wants nothing: no events, no checkpoints, never a stop.
struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _event: &Event) {}

    async fn control(&mut self, _current: Current<'_>) -> Control {
        Control::Continue
    }
}

/// `train` and `test` made-up images, labelled 0, 1, 2, … in turn: what the throwaway run trains
/// on before the archive is parsed. Its kernels are those of steps on real images: burn and our
/// shaders write a kernel for shapes and types, never for pixel values, and the warm-up's run sees
/// only two batches and 2 test images in either case (`www/e2e-warm.mjs` checks that the real run
/// then creates no pipeline).
pub fn stand_in(train: usize, test: usize) -> Cifar10 {
    let split = |n: usize| Split {
        images: (0..n * IMAGE_BYTES).map(|i| (i * 7 % 251) as u8).collect(),
        labels: (0..n).map(|i| (i % NUM_CLASSES) as u8).collect(),
    };
    Cifar10 { train: split(train), test: split(test), class_names: CLASS_NAMES.iter().map(|s| s.to_string()).collect() }
}

/// Whether a warm-up is under way. A measurement of the device's speed waits for it to end: the
/// warm-up now starts with the device, so it may still be running when the lab's measurement
/// comes (with the data).
pub(super) fn warming() -> bool {
    WARMING.with_borrow(|w| w.busy)
}

/// Warms `config`'s network (on WebGPU; otherwise nothing to do), then the
/// latest network asked for meanwhile. Says where they stand to the page (`Kernels`).
pub(super) async fn warm(config: TrainConfig) {
    let queued = WARMING.with_borrow_mut(|w| {
        if w.seen.contains(&key(&config)) {
            return true;
        }
        if w.busy {
            w.next = Some(config.clone());
            return true;
        }
        w.busy = true;
        false
    });
    if queued {
        return;
    }
    let mut config = Some(config);
    while let Some(next) = config {
        warm_one(next).await;
        config = WARMING.with_borrow_mut(|w| w.next.take().filter(|c| !w.seen.contains(&key(c))));
    }
    WARMING.with_borrow_mut(|w| w.busy = false);
}

async fn warm_one(config: TrainConfig) {
    let (data, device, busy) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone(), s.busy()));
    // A run under way has compiled its kernels, and another network's can wait for its end.
    let (Some((device, BackendChoice::WebGpu)), false) = (device, busy) else {
        return;
    };
    WARMING.with_borrow_mut(|w| w.seen.insert(key(&config)));
    let batch = warm_batch(config.batch_size);
    // The archive still downloading: the same steps on made-up images.
    let data = data.unwrap_or_else(|| std::rc::Rc::new(stand_in(2 * batch, 2)));
    let batch = batch.min(data.train.len());
    // Two steps of `batch` images: every kernel of a step, the first step's Adam (into new
    // buffers: there are no moments yet) and the later steps' (in place). The evaluation at the
    // end of its epoch sees two test images only (its kernels are needed at a first epoch's end).
    let short = TrainConfig {
        epochs: 1,
        batch_size: batch,
        limit_train: Some((2 * batch).min(data.train.len())),
        limit_test: Some(2.min(data.test.len())),
        ..config.clone()
    };
    let (model, batch_size) = (config.model.label(), config.batch_size);
    let say = |kernels| post(&FromWorker::Kernels { model: model.clone(), batch_size, kernels });
    say(Kernels::Compiling);
    // Let the page draw the message before this thread writes kernels.
    sleep_ms(0).await;
    let started = Instant::now();
    match train_from(&data, Start::Fresh(short), &device, &mut Quiet).await {
        Ok(_) => say(Kernels::Ready { seconds: started.elapsed().as_secs_f64() }),
        Err(e) => {
            // Nothing is lost: the run compiles what it needs itself. (A lost device is said by
            // the run that meets it.)
            WARMING.with_borrow_mut(|w| w.seen.remove(&key(&config)));
            web_sys::console::warn_1(&format!("warming the GPU kernels failed: {e}").into());
            say(Kernels::Failed);
        }
    }
}
