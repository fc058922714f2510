//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use resnet_webgpu::augment::Transform;

/// The small real CIFAR-10 archive laid beside the repository (`CIFAR10_ARCHIVE` overrides).
pub fn archive_path() -> PathBuf {
    match std::env::var_os("CIFAR10_ARCHIVE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/cifar10/cifar-10-binary.tar.gz"),
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
