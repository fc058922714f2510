//! resnet-webgpu: the Keras reference ResNets trained on CIFAR-10 with burn, natively or in the
//! browser on WebGPU. One concern per module.

pub mod adam;
pub mod alloc;
pub mod augment;
pub mod batch_norm;
pub mod charts;
pub mod checkpoint;
pub mod classify;
pub mod conv;
pub mod data;
pub mod experiment;
pub mod explore;
#[cfg(feature = "webgpu")]
pub mod fused;
pub mod export;
pub mod html;
pub mod i18n;
pub mod inside;
pub mod kind;
#[cfg(feature = "webgpu")]
pub mod launch;
pub mod learner;
pub mod loss;
pub mod metrics;
pub mod model;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub mod noop;
pub mod parallel;
#[cfg(feature = "webgpu")]
pub mod peak;
pub mod penalty;
pub mod pipeline;
pub mod prepared;
#[cfg(feature = "webgpu")]
pub mod profile;
pub mod protocol;
pub mod recipe;
pub mod residual;
pub mod runs;
pub mod summary;
pub mod timing;
pub mod trainer;
pub mod weights;
#[cfg(target_arch = "wasm32")]
pub mod web;
