//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The small real CIFAR-10 archive laid beside the repository (`CIFAR10_ARCHIVE` overrides).
pub fn archive_path() -> PathBuf {
    match std::env::var_os("CIFAR10_ARCHIVE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/cifar10/cifar-10-binary.tar.gz"),
    }
}
