//! A data set made ready for runs on one device, once: the training set's pixel mean and, on a
//! wgpu device, both splits uploaded for the GPU input pipeline (`crate::pipeline`).
//!
//! Why (BENCHMARKS.md, "Preparing the data before the click"): every run used to compute the
//! mean of the 50,000 training images and upload both splits (184 MB) when it started, between
//! the click on «Entrenar» and its first step: 0.4–0.5 s of it in Chromium. The page now
//! prepares them once, when both the archive and the device are there, and every run that
//! trains on the whole training set with its mean subtracted starts from them; any other run
//! (a limited training set, no mean, another device) makes its own, as before. The batches a
//! run makes are the same either way.

use std::cell::Cell;

use burn::prelude::*;

use crate::data::Cifar10;
use crate::pipeline::Batches;
#[cfg(feature = "webgpu")]
use crate::pipeline::DeviceImages;
use crate::recipe::TrainConfig;

/// `data`'s pixel mean and, on a wgpu device, its splits on that device.
pub struct Prepared {
    device: Device,
    /// The training images it was made from (their address and count): a run on another data
    /// set never uses it.
    source: (usize, usize),
    mean: Vec<f32>,
    /// The training and test splits on the GPU, normalised with `mean`; none on the CPU backend
    /// (its batches are made on the host) or when the device cannot take them (then a run says
    /// why when it starts).
    #[cfg(feature = "webgpu")]
    images: Option<(DeviceImages, DeviceImages)>,
    /// Runs that started from it.
    runs: Cell<usize>,
}

fn source(data: &Cifar10) -> (usize, usize) {
    (data.train.images.as_ptr() as usize, data.train.len())
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

    /// Whether it was made from `data` for `device` (with or without autodiff).
    pub fn is_for(&self, data: &Cifar10, device: &Device) -> bool {
        self.device == *device && self.source == source(data)
    }

    /// Whether a run of `config` on `data` and `device` starts from it: one on the whole training
    /// set that subtracts the pixel mean.
    pub fn applies(&self, data: &Cifar10, config: &TrainConfig, device: &Device) -> bool {
        self.is_for(data, device)
            && config.subtract_pixel_mean
            && config.limit_train.is_none_or(|n| n >= data.train.len())
    }

    /// Runs that started from it (the trainer counts them).
    pub fn runs(&self) -> usize {
        self.runs.get()
    }

    pub(crate) fn count_run(&self) {
        self.runs.set(self.runs.get() + 1);
    }

    /// The training set's pixel mean.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// Training and test batches from the splits on the GPU; `None` where there are none.
    pub fn batches<'a>(&self) -> Option<(Batches<'a>, Batches<'a>)> {
        #[cfg(feature = "webgpu")]
        if let Some((train, test)) = &self.images {
            return Some((Batches::Device(train.clone()), Batches::Device(test.clone())));
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
}
