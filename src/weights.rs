//! Weights in and out as `.safetensors`, named the way PyTorch names them.
//!
//! Tensor names are the module paths without enum variants, with PyTorch's conventions:
//! batch-norm `gamma`/`beta` become `weight`/`bias`, running statistics keep their names
//! (`running_mean`, `running_var`) and the dense layer's weight is stored `[out, in]`.
//! Examples: `stem.conv.weight` `[16, 3, 3, 3]`, `stem.bn.weight` `[16]`,
//! `blocks.3.projection.conv.bias` `[32]`, `fc.weight` `[10, 64]`.
//!
//! A whole run (weights, Adam's moments, schedule, history) is [`crate::checkpoint`]'s, which
//! writes these weights beside the rest.

use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use thiserror::Error;

use crate::model::ResNet;

/// A weights file that could not be written or read.
#[derive(Debug, Error)]
pub enum WeightsError {
    #[error("could not write the checkpoint: {0}")]
    Save(String),
    #[error("this file is not a checkpoint of this model: {0}")]
    Load(String),
}

/// Serialises the weights and batch-norm statistics of `model` (pass `model.valid()`, whose
/// running statistics are up to date).
///
/// This reads tensors synchronously, which WebGPU forbids: in the browser pass a model on the CPU
/// backend, as [`crate::checkpoint::Checkpoint::weights`] does (its model was read back from the
/// training device asynchronously).
pub fn to_safetensors(model: &ResNet) -> Result<Vec<u8>, WeightsError> {
    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(true);
    model
        .save_into(&mut store)
        .map_err(|e| WeightsError::Save(e.to_string()))?;
    store.get_bytes().map_err(|e| WeightsError::Save(e.to_string()))
}

/// Loads weights written by [`to_safetensors`] into `model`, which must have the same
/// architecture; every tensor must be present with the same shape.
pub fn load_safetensors(model: &mut ResNet, bytes: Vec<u8>) -> Result<(), WeightsError> {
    let mut store = SafetensorsStore::from_bytes(Some(bytes))
        .with_from_adapter(PyTorchToBurnAdapter)
        .skip_enum_variants(true)
        .validate(true);
    let result = model
        .load_from(&mut store)
        .map_err(|e| WeightsError::Load(e.to_string()))?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(WeightsError::Load(format!(
            "missing tensors {:?}, errors {:?}",
            result.missing, result.errors
        )));
    }
    Ok(())
}
