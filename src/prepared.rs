//! A data set made ready for runs on one device, once: the training set's pixel mean and, on a
//! wgpu device, both splits uploaded for the GPU input pipeline (`crate::pipeline`).
//!
//! Why (BENCHMARKS.md, "Preparing the data before the click"): every run used to compute the
//! mean of the 50,000 training images and upload both splits (184 MB) when it started, between
//! the click on «Entrenar» and its first step: 0.4–0.5 s of it in Chromium. The page now
//! prepares them once, when both the archive and the device are there, and every run on that
//! device starts from them: a run on the whole training set with its mean subtracted (the
//! recipe's) takes both as they are; a run on part of it, or without the mean, takes the same
//! buffers with a table of its own (`DeviceImages::prefix`), its mean computed by the trainer,
//! so that the device never holds the images twice. The batches a run makes are the same either way.

use std::borrow::Cow;
use std::cell::Cell;

use burn::prelude::*;

use crate::data::{Cifar10, Split};
#[cfg(feature = "webgpu")]
use crate::pipeline::DeviceImages;
use crate::pipeline::{Batches, PipelineError};

/// `data`'s pixel mean and, on a wgpu device, its splits on that device.
pub struct Prepared {
    device: Device,
    /// The training images it was made from (their address and count) and the test images'
    /// count: a run on another data set never uses it.
    source: (usize, usize, usize),
    mean: Vec<f32>,
    /// The training and test splits on the GPU, normalised with `mean`; none on the CPU backend
    /// (its batches are made on the host) or when the device cannot take them (then a run says
    /// why when it starts).
    #[cfg(feature = "webgpu")]
    images: Option<(DeviceImages, DeviceImages)>,
    /// Runs that started from it.
    runs: Cell<usize>,
}

fn source(data: &Cifar10) -> (usize, usize, usize) {
    (data.train.images.as_ptr() as usize, data.train.len(), data.test.len())
}

impl Prepared {
    /// Computes `data`'s pixel mean and, on a wgpu `device`, uploads both splits.
    pub fn new(data: &Cifar10, device: &Device) -> Self {
        let mean = data.pixel_mean();
        #[cfg(feature = "webgpu")]
        let images = DeviceImages::new(&data.train, &mean, device)
            .and_then(|train| Ok((train, DeviceImages::new(&data.test, &mean, device)?)))
            .ok();
        Self {
            device: device.clone(),
            source: source(data),
            mean,
            #[cfg(feature = "webgpu")]
            images,
            runs: Cell::new(0),
        }
    }

    /// Whether it was made from `data` (the very same, not a copy) for `device` (with or without
    /// autodiff): then every run on them starts from it.
    pub fn is_for(&self, data: &Cifar10, device: &Device) -> bool {
        self.device == *device && self.source == source(data)
    }

    /// The pixel mean computed once, when `train` (a run's training images: the first ones of the
    /// set it was made from) is the whole training set; a run on fewer computes its own.
    pub fn whole_mean(&self, train: &Split) -> Option<&[f32]> {
        (train.len() == self.source.1).then_some(self.mean.as_slice())
    }

    /// `train`'s pixel mean (a run's training images, the first ones of `prepared`'s set if there
    /// is one): the one computed once when `train` is that whole set, else computed now.
    pub fn mean_of<'a>(prepared: Option<&'a Self>, train: &Split) -> Cow<'a, [f32]> {
        match prepared.and_then(|p| p.whole_mean(train)) {
            Some(mean) => Cow::Borrowed(mean),
            None => Cow::Owned(crate::data::pixel_mean(train)),
        }
    }

    /// Batches of the first `train` training images and of the test images from the splits on
    /// the GPU, normalised with `mean`; `None` where there are none (the CPU backend).
    #[cfg_attr(not(feature = "webgpu"), allow(unused_variables))]
    pub fn batches<'a>(&self, train: usize, mean: &[f32]) -> Option<Result<(Batches<'a>, Batches<'a>), PipelineError>> {
        #[cfg(feature = "webgpu")]
        if let Some((all, test)) = &self.images {
            let views = all.prefix(train, mean).and_then(|train| Ok((train, test.prefix(test.len(), mean)?)));
            return Some(views.map(|(train, test)| (Batches::Device(train), Batches::Device(test))));
        }
        None
    }

    /// Whether the splits are on the GPU.
    pub fn on_device(&self) -> bool {
        #[cfg(feature = "webgpu")]
        return self.images.is_some();
        #[cfg(not(feature = "webgpu"))]
        false
    }

    /// Runs that started from it (the trainer counts them).
    pub fn runs(&self) -> usize {
        self.runs.get()
    }

    pub(crate) fn count_run(&self) {
        self.runs.set(self.runs.get() + 1);
    }
}
