//! Using what was learned: a person's image classified, weights loaded from a file, the
//! test-set explorer.

use std::rc::Rc;

use super::state::{STATE, Snapshot, image, post, set_snapshot, texts};
use crate::classify::{ImageInputError, as_split, to_cifar};
use crate::data::{SIDE, mosaic, rgba};
use crate::explore::{Query, explore};
use crate::i18n::{ModelSource, Said};
use crate::model::{ModelKind, ResNetConfig};
use crate::protocol::{Canvas, EXPLORER_COLUMNS, FromWorker};
use crate::trainer::probabilities;

/// Classifies a person's picture with the model at hand, for the page's request `ask`: its
/// 32×32 version goes to the page first, its feature maps just before the probabilities.
pub(super) async fn classify(picture: Result<image::RgbaImage, ImageInputError>, ask: u32) {
    let picture = match picture {
        Ok(picture) => picture,
        Err(e) => {
            let message = Said::new(|t| (t.classify_bad_image)(&(t.image_error)(&e)));
            return post(&FromWorker::ClassifyError { message, ask: Some(ask) });
        }
    };
    let Some(snapshot) = STATE.with_borrow(|s| s.snapshot.clone()) else {
        return post(&FromWorker::ClassifyError { message: Said::new(|t| t.classify_need_model.into()), ask: Some(ask) });
    };
    let picture32 = to_cifar(&picture);
    post(&FromWorker::Pixels { canvas: Canvas::ClassifyPreview, image: image((SIDE, SIDE, rgba(&picture32))) });
    let split = as_split(picture32);
    match probabilities(&snapshot.model, &split, &[0], &snapshot.mean, &snapshot.device).await {
        Ok(probabilities) => {
            // What the network saw in it, stage by stage.
            draw_feature_maps(&snapshot, &split, 0, ask).await;
            post(&FromWorker::Classified { probabilities, source: snapshot.source, ask });
        }
        Err(e) => post(&FromWorker::ClassifyError { message: Said::plain(e.to_string()), ask: Some(ask) }),
    }
}

/// Loads a `.safetensors` checkpoint into a fresh `model` for classification. A file of
/// another architecture, with other shapes, or not a safetensors file changes nothing.
pub(super) async fn load_weights(file: String, model: String, bytes: Vec<u8>) {
    let t = texts();
    let bad = |e: &str| post(&FromWorker::ClassifyError { message: Said::new(|t| (t.weights_bad)(&file, e)), ask: None });
    let kind: ModelKind = match model.parse() {
        Ok(kind) => kind,
        Err(e) => return bad(&format!("{e}")),
    };
    let (data, device) = STATE.with_borrow(|s| (s.data.clone(), s.device.clone()));
    let Some(data) = data else {
        return post(&FromWorker::ClassifyError { message: Said::new(|t| t.weights_need_data.into()), ask: None });
    };
    let Some((device, _)) = device else {
        return post(&FromWorker::ClassifyError { message: Said::new(|t| t.no_device.into()), ask: None });
    };
    let device = device.without_autodiff();
    let mut loaded = match ResNetConfig::from(kind).try_init(&device) {
        Ok(model) => model,
        Err(e) => return bad(&e.to_string()),
    };
    if let Err(e) = crate::checkpoint::load_safetensors(&mut loaded, bytes) {
        return bad(&(t.checkpoint_error)(&crate::checkpoint::RunCheckpointError::Weights(e)));
    }
    post(&FromWorker::Notice { message: Said::new(|t| (t.weights_loaded)(&file, &kind.label()))});
    // The training set's mean, as a run subtracts it: the one made ready with the data when
    // there is one (computing it again takes about 0.1 s).
    let kept = STATE.with_borrow(|s| s.prepared.clone()).filter(|p| p.is_for(&data, &device));
    let mean = crate::prepared::Prepared::mean_of(kept.as_deref(), &data.train).into_owned();
    set_snapshot(Snapshot {
        model: loaded,
        mean: Rc::new(mean),
        device,
        source: ModelSource::Loaded { file, model: kind.label() },
    });
}

/// Sends the explorer's list for `query`, and its images.
pub(super) fn explore_test_set(query: &Query) {
    let (data, list) = STATE.with_borrow(|s| {
        let list = s.explorable.as_ref().zip(s.data.as_ref()).map(|(e, data)| {
            let n = e.probabilities.len() / crate::data::NUM_CLASSES;
            (e.epoch, explore(&data.test.labels[..n.min(data.test.len())], &e.probabilities, query))
        });
        (s.data.clone(), list)
    });
    let (Some(data), Some((epoch, items))) = (data, list) else {
        return post(&FromWorker::ExploreUnavailable);
    };
    let rows: Vec<Vec<usize>> =
        items.chunks(EXPLORER_COLUMNS).map(|row| row.iter().map(|item| item.index).collect()).collect();
    let mosaic = (!rows.is_empty()).then(|| image(mosaic(&data.test, &rows, 2)));
    post(&FromWorker::Explored { epoch, items, columns: EXPLORER_COLUMNS, mosaic });
}

/// Channels shown per stage, and the side each is drawn at.
const MAP_CHANNELS: usize = 8;
const MAP_TILE: usize = 48;

/// The feature maps of test image `index` with the model at hand, for the page's request `ask`:
/// a row per stage, the first channels of each. Without a model or data, nothing.
pub(super) async fn feature_maps(index: usize, ask: u32) {
    let (snapshot, data) = STATE.with_borrow(|s| (s.snapshot.clone(), s.data.clone()));
    let (Some(snapshot), Some(data)) = (snapshot, data) else { return };
    if index >= data.test.len() {
        return;
    }
    draw_feature_maps(&snapshot, &data.test, index, ask).await;
}

/// The feature maps of image `index` of `split` with `snapshot`'s model, as `FeatureMaps`
/// answering `ask`.
async fn draw_feature_maps(snapshot: &Snapshot, split: &crate::data::Split, index: usize, ask: u32) {
    let mut images = Vec::new();
    crate::augment::assemble(split, &[index], &[], &snapshot.mean, &mut images);
    let images = burn::prelude::Tensor::<4>::from_data(
        burn::prelude::TensorData::new(images, [1, 3, SIDE, SIDE]),
        &snapshot.device,
    );
    let mut maps = Vec::with_capacity(4);
    for stage in snapshot.model.stages(images) {
        let [_, c, h, w] = stage.dims();
        match stage.into_data_async().await {
            Ok(values) => maps.push(([c, h, w], values.iter::<f32>().collect::<Vec<f32>>())),
            Err(e) => return post(&FromWorker::Error { message: Said::new(|t| (t.internal_error)(&format!("{e:?}")))}),
        }
    }
    let mosaic = crate::inside::feature_mosaic(&maps, MAP_CHANNELS, MAP_TILE, 2);
    post(&FromWorker::FeatureMaps { ask, image: image(mosaic) });
}
