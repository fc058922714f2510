//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use burn::prelude::*;
use resnet_webgpu::augment::Transform;

/// The test archive: `$CIFAR10_ARCHIVE` (`./dev.sh test` sets it), else data/cifar-10-binary.tar.gz.
pub fn archive_path() -> PathBuf {
    match std::env::var_os("CIFAR10_ARCHIVE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/cifar-10-binary.tar.gz"),
    }
}

/// Every extreme shift of the recipe (±4 pixels and none, on each axis), with and without flip,
/// then one shift larger than the image (every pixel from the edge).
pub fn extreme_transforms() -> Vec<Transform> {
    let mut transforms = Vec::new();
    for dx in [-4, 0, 4] {
        for dy in [-4, 0, 4] {
            for flip in [false, true] {
                transforms.push(Transform { dx, dy, flip });
            }
        }
    }
    transforms.push(Transform { dx: 40, dy: -40, flip: true });
    transforms
}

/// Two n×n matrices for the WGSL matmul test, and their product by burn's matmul on the CPU
/// backend (the reference).
pub fn matmul_case(n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let a: Vec<f32> = (0..n * n).map(|i| (i * 37 % 101) as f32 / 50.0 - 1.0).collect();
    let b: Vec<f32> = (0..n * n).map(|i| (i * 53 % 97) as f32 / 48.0 - 1.0).collect();
    let cpu = Device::flex();
    let expected: Vec<f32> = Tensor::<2>::from_data(TensorData::new(a.clone(), [n, n]), &cpu)
        .matmul(Tensor::<2>::from_data(TensorData::new(b.clone(), [n, n]), &cpu))
        .into_data()
        .iter::<f32>()
        .collect();
    (a, b, expected)
}

/// `(channels in, filters, kernel, stride, side)`: the stem, 3×3 stride 1 and 2 on even and odd
/// sides (TensorFlow's "same" pads one more at the bottom and right), 1×1 projections and
/// bottleneck convolutions (planes of 36 and 25 pixels, and of 16, a multiple of the step of
/// shaders/conv_point.wgsl's kernel gradient), and 3×3 stride 2 on a map 16 wide (the patch
/// shaders' stride-2 products; 8 wide is left to shaders/conv.wgsl): every kind of convolution
/// the nets have, for the convolution tests.
pub const CONV_CASES: [(usize, usize, usize, usize, usize); 9] = [
    (3, 16, 3, 1, 8),
    (16, 16, 3, 1, 8),
    (16, 32, 3, 2, 8),
    (8, 8, 3, 2, 7),
    (16, 32, 1, 2, 8),
    (16, 64, 1, 1, 6),
    (64, 16, 1, 1, 5),
    (16, 24, 1, 1, 4),
    (8, 16, 3, 2, 16),
];

/// Batch normalisations as the nets have them and a few that are not: `(shape, shift of the
/// values, ReLU after it)`. The shift puts the mean far from zero (a one-pass variance would show
/// its cancellation); planes smaller than a workgroup, odd ones, and a batch split into two
/// slices of 17 and 16 images.
pub const BATCH_NORM_CASES: [([usize; 4], f32, bool); 6] = [
    ([6, 5, 3, 4], 30.0, false),
    ([6, 5, 3, 4], 0.5, true),
    ([4, 16, 8, 8], 0.0, true),
    ([3, 7, 3, 3], -2.0, true),
    ([33, 16, 16, 16], 1.0, true),
    ([9, 64, 2, 2], 0.0, false),
];

/// Pseudo-random values in [-1, 1) for a tensor of `shape`, the same on every device.
pub fn conv_values(shape: [usize; 4], seed: u64) -> Vec<f32> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..shape.iter().product()).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

/// `got` equals `expected` within 2·10⁻⁴ of the largest expected magnitude (at least 1).
pub fn assert_close(what: &str, expected: &[f32], got: &[f32]) {
    assert_eq!(expected.len(), got.len(), "{what}: lengths");
    let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
    for (i, (a, b)) in expected.iter().zip(got).enumerate() {
        assert!((a - b).abs() <= 2e-4 * scale, "{what}[{i}]: the reference {a} vs {b} (scale {scale})");
    }
}
