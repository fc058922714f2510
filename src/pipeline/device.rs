//! The GPU half of the input pipeline: the split on the device and `shaders/augment.wgsl` as a
//! cubecl kernel (only with the `webgpu` feature; see `pipeline.rs`).

use burn::backend::{Cube, DispatchDevice};
use burn::cubecl::client::Client;
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::{Handle, KernelArguments};
use burn::prelude::*;
use burn_backend::tensor::FloatTensor;

use super::{PipelineError, SHARDS, labels_tensor};
use crate::augment::Transform;
use crate::data::{IMAGE_BYTES, SIDE, Split};
use crate::fused;
use crate::launch::{self, WgslKernel};

/// The kernel's source.
pub const SHADER: &str = include_str!("../../shaders/augment.wgsl");

/// The largest storage binding every WebGPU adapter allows (`maxStorageBufferBindingSize`'s
/// default): a shard of the set is never larger.
pub const MAX_BINDING_BYTES: usize = 128 << 20;

/// Invocations per workgroup (the shader's `@workgroup_size`); an image is
/// `IMAGE_BYTES / WORKGROUP` workgroups.
const WORKGROUP: u32 = 256;

/// `shaders/augment.wgsl` as a cubecl kernel.
const KERNEL: WgslKernel = WgslKernel { name: "AugmentKernel", source: SHADER, entry: "main", workgroup: WORKGROUP };

/// Packs a transform as the kernel reads it.
pub fn pack(transform: Transform) -> u32 {
    assert!(transform.dx.abs() < 128 && transform.dy.abs() < 128, "shift {transform:?} out of range");
    (transform.dx + 128) as u32 | ((transform.dy + 128) as u32) << 8 | u32::from(transform.flip) << 16
}

/// `b / 255` for the 256 byte values, then `mean` (zeros for none): the kernel's table, on the
/// wgpu device `plain`.
fn lut(mean: &[f32], plain: &Device) -> Result<FloatTensor<Cube>, PipelineError> {
    if !(mean.is_empty() || mean.len() == IMAGE_BYTES) {
        return Err(PipelineError::Mean(mean.len()));
    }
    let mut lut: Vec<f32> = (0..=255u8).map(|b| b as f32 / 255.0).collect();
    if mean.is_empty() {
        lut.resize(256 + IMAGE_BYTES, 0.0);
    } else {
        lut.extend_from_slice(mean);
    }
    Tensor::<1>::from_data(TensorData::new(lut, [256 + IMAGE_BYTES]), plain)
        .try_into_primitive::<Cube>()
        .map_err(|_| PipelineError::NotWgpu)
}

/// A split of the data set on the GPU, ready to be batched by the kernel. A clone shares the
/// uploaded buffers.
#[derive(Clone)]
pub struct DeviceImages {
    /// `b / 255` for the 256 byte values, then the mean: `[256 + 3,072]`, a tensor of burn's wgpu
    /// backend, which orders the kernel with burn's own operations (see `fused`).
    lut: FloatTensor<Cube>,
    /// The device's cubecl client, which holds the shards and the parameters.
    client: Client,
    /// The device, without autodiff.
    device: Device,
    shards: [Handle; SHARDS],
    /// `[images per shard]`.
    info: Handle,
    len: usize,
    labels: Vec<u8>,
}

impl DeviceImages {
    /// Uploads `split` (with `mean`, 3,072 values, or none) to `device`, a wgpu device with or
    /// without autodiff.
    pub fn new(split: &Split, mean: &[f32], device: &Device) -> Result<Self, PipelineError> {
        Self::with_shard_bytes(split, mean, device, MAX_BINDING_BYTES)
    }

    /// As [`new`](Self::new), with shards of at most `shard_bytes` bytes (tests use small ones to
    /// check that a set too large is refused). The set is split evenly between the two bindings
    /// whatever the limit.
    pub fn with_shard_bytes(
        split: &Split,
        mean: &[f32],
        device: &Device,
        shard_bytes: usize,
    ) -> Result<Self, PipelineError> {
        let plain = device.clone().without_autodiff();
        let client = match plain.as_dispatch() {
            DispatchDevice::Cube(cube) => cube.client(),
            _ => return Err(PipelineError::NotWgpu),
        };
        let len = split.len();
        let per_shard = (shard_bytes / IMAGE_BYTES).max(1);
        if len > SHARDS * per_shard {
            return Err(PipelineError::TooLarge { images: len, per_shard });
        }
        // Balanced shards: CIFAR-10's 50,000 images become two buffers of 76.8 MB.
        let per_shard = len.div_ceil(SHARDS).max(1);

        let lut = lut(mean, &plain)?;

        let shard = |k: usize| {
            let start = (k * per_shard).min(len) * IMAGE_BYTES;
            let end = ((k + 1) * per_shard).min(len) * IMAGE_BYTES;
            // An empty shard still needs a buffer of its own to bind.
            let bytes = if start < end { &split.images[start..end] } else { &[0u8; 4][..] };
            client.create_from_slice(bytes)
        };
        let shards = [shard(0), shard(1)];
        let info = client.create_from_slice(&(per_shard as u32).to_le_bytes());
        Ok(Self { lut, client, device: plain, shards, info, len, labels: split.labels.clone() })
    }

    /// The first `len` images of this split (all of them if it has fewer), normalised with
    /// `mean` (3,072 values, or none): the same buffers on the device, only the 13 KB table is
    /// new. A run on part of a training set already uploaded, or with another mean, uploads
    /// nothing more (`crate::prepared`).
    pub fn prefix(&self, len: usize, mean: &[f32]) -> Result<Self, PipelineError> {
        let len = len.min(self.len);
        Ok(Self { lut: lut(mean, &self.device)?, len, labels: self.labels[..len].to_vec(), ..self.clone() })
    }

    /// Images in the split.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The batch `indices`, transformed by `transforms` (one per index, or none), normalised, as a
    /// `[n, 3, 32, 32]` tensor on `device` (this split's device, with or without autodiff), and
    /// its labels.
    pub fn batch(&self, indices: &[usize], transforms: &[Transform], device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
        assert!(transforms.is_empty() || transforms.len() == indices.len());
        let n = indices.len();
        let mut params = Vec::with_capacity(2 * n);
        for (k, &index) in indices.iter().enumerate() {
            assert!(index < self.len, "image {index} of a split of {}", self.len);
            params.push(index as u32);
            params.push(pack(transforms.get(k).copied().unwrap_or_default()));
        }
        let params = self.client.create_from_slice(&params.iter().flat_map(|p| p.to_le_bytes()).collect::<Vec<u8>>());
        let shape = Shape::new([n, 3, SIDE, SIDE]);
        let (shards, info) = (self.shards.clone(), self.info.clone());
        let output = fused::run("Augment", [self.lut.clone()], shape.clone(), move |[lut]| {
            let (output, _) = launch::output(&lut, shape.clone(), 0);
            if n > 0 {
                lut.client.launch(
                    Box::new(KERNEL),
                    CubeCount::Static(IMAGE_BYTES as u32 / WORKGROUP, n as u32, 1),
                    KernelArguments::new().with_buffers(vec![
                        shards[0].clone().binding(),
                        shards[1].clone().binding(),
                        params.clone().binding(),
                        lut.handle.clone().binding(),
                        output.handle.clone().binding(),
                        info.clone().binding(),
                    ]),
                );
            }
            output
        });
        let images = Tensor::<4>::from_primitive::<Cube>(output);
        // On a training device, an autodiff tensor with the device's gradient checkpointing
        // (every operand of an operation must share it).
        let images = match device.gradient_checkpointing_strategy() {
            Some(strategy) => images.autodiff().with_gradient_checkpointing_strategy(strategy),
            None => images,
        };
        (images, labels_tensor(&self.labels, indices, device))
    }
}

