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
