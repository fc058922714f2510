//! The input pipeline on the GPU (airbench's loader, in WGSL): a split of CIFAR-10 is uploaded
//! once, as bytes, and every batch is made on the device by `shaders/augment.wgsl` from a few
//! bytes of parameters (each image's index and random transform). No pixel crosses from the CPU
//! after the upload, and nothing is read back.
//!
//! The kernel runs on burn's own cubecl client, so its output is an ordinary burn tensor on the
//! training device (with or without autodiff) and it is ordered with burn's work on the queue.
//! The transforms are still drawn on the CPU, from the same random stream as
//! [`crate::augment::assemble`], so a run is the same run on either path and the kernel is
//! tested against that reference bit for bit (`tests/wgpu.rs`, `tests/browser.rs`).
//!
//! Only wgpu devices have it (the CPU backend assembles batches on the host, which is where its
//! data already is). With kernel fusion on, the kernel is queued in burn-fusion's stream like any
//! other operation (`crate::fused`). The device half (`pipeline/device.rs`) is built with the
//! `webgpu` feature; the page's threaded CPU module has only the host half.

use burn::prelude::*;
use thiserror::Error;

use crate::augment::{Transform, assemble};
use crate::data::{IMAGE_BYTES, SIDE, Split};

#[cfg(feature = "webgpu")]
mod device;
#[cfg(feature = "webgpu")]
pub use device::{DeviceImages, MAX_BINDING_BYTES, SHADER, pack};

/// Storage bindings the kernel has for the set (`shard0`, `shard1`).
pub const SHARDS: usize = 2;

/// Why a split cannot be put on the device.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PipelineError {
    #[error("the GPU input pipeline needs a wgpu device (the CPU backend assembles batches itself)")]
    NotWgpu,
    #[error(
        "{images} images do not fit in {SHARDS} storage bindings of {per_shard} images each; \
         use fewer images"
    )]
    TooLarge { images: usize, per_shard: usize },
    #[error("the pixel mean has {0} values; it must have {IMAGE_BYTES} or none")]
    Mean(usize),
}

/// The labels of the images `indices`, as the loss takes them.
fn labels_tensor(labels: &[u8], indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let batch: Vec<i32> = indices.iter().map(|&i| labels[i] as i32).collect();
    Tensor::<1, Int>::from_data(TensorData::new(batch, [indices.len()]), device)
}

/// Where a run's batches come from: the device itself (wgpu), or the host, which assembles them
/// with [`assemble`] and uploads them (the CPU backend, whose memory the host's is).
pub enum Batches<'a> {
    #[cfg(feature = "webgpu")]
    Device(DeviceImages),
    Host { split: &'a Split, mean: &'a [f32], scratch: Vec<f32> },
}

impl<'a> Batches<'a> {
    /// The device pipeline when `device` is a wgpu device, else the host (the CPU backend). A
    /// wgpu device that cannot take `split` is an error, not a silent fall back to the slower
    /// host path.
    pub fn new(split: &'a Split, mean: &'a [f32], device: &Device) -> Result<Self, PipelineError> {
        #[cfg(feature = "webgpu")]
        match DeviceImages::new(split, mean, device) {
            Ok(images) => Ok(Self::Device(images)),
            Err(PipelineError::NotWgpu) => Ok(Self::host(split, mean)),
            Err(e) => Err(e),
        }
        // Without the wgpu backend every device is the CPU backend's.
        #[cfg(not(feature = "webgpu"))]
        {
            let _ = device;
            Ok(Self::host(split, mean))
        }
    }

    /// Batches assembled on the host.
    pub fn host(split: &'a Split, mean: &'a [f32]) -> Self {
        Self::Host { split, mean, scratch: Vec::new() }
    }

    /// The batch `indices` with `transforms` (one per index, or none), normalised, as a
    /// `[n, 3, 32, 32]` tensor on `device`, and its labels.
    pub fn batch(&mut self, indices: &[usize], transforms: &[Transform], device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
        match self {
            #[cfg(feature = "webgpu")]
            Self::Device(images) => images.batch(indices, transforms, device),
            Self::Host { split, mean, scratch } => {
                assemble(split, indices, transforms, mean, scratch);
                let images = Tensor::<4>::from_data(
                    TensorData::new(scratch.clone(), [indices.len(), 3, SIDE, SIDE]),
                    device,
                );
                (images, labels_tensor(&split.labels, indices, device))
            }
        }
    }
}
