//! Safetensors checkpoints: PyTorch-style names and layouts, exact round trip, wrong models refused.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use burn::prelude::*;
use burn::tensor::Distribution;
use resnet_webgpu::checkpoint::{load_safetensors, to_safetensors};
use resnet_webgpu::model::{ModelKind, ResNetConfig};

fn outputs(model: &resnet_webgpu::model::ResNet, images: &Tensor<4>) -> Vec<f32> {
    model.forward(images.clone()).into_data().iter::<f32>().collect()
}

#[test]
fn round_trip_is_exact_and_names_are_pytorchs() {
    let device = Device::flex();
    let model = ResNetConfig::from(ModelKind::RESNET20_V1).with_seed(11).init(&device).valid();
    let images = Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device);
    let expected = outputs(&model, &images);
    let bytes = to_safetensors(&model).expect("saves");

    let file = safetensors::SafeTensors::deserialize(&bytes).expect("a valid safetensors file");
    let shape = |name: &str| file.tensor(name).map(|t| t.shape().to_vec()).ok();
    assert_eq!(shape("stem.conv.weight"), Some(vec![16, 3, 3, 3]));
    assert_eq!(shape("stem.conv.bias"), Some(vec![16]));
    assert_eq!(shape("stem.bn.weight"), Some(vec![16]));
    assert_eq!(shape("stem.bn.running_var"), Some(vec![16]));
    assert_eq!(shape("blocks.3.projection.conv.weight"), Some(vec![32, 16, 1, 1]));
    assert_eq!(shape("fc.weight"), Some(vec![10, 64]), "PyTorch's [out, in]");
    assert_eq!(file.len(), 21 * 2 + 19 * 4 + 2, "21 convs (w, b), 19 BNs (4 each), fc (w, b)");

    let mut other = ResNetConfig::from(ModelKind::RESNET20_V1).with_seed(12).init(&device).valid();
    assert_ne!(outputs(&other, &images), expected);
    load_safetensors(&mut other, bytes).expect("loads");
    assert_eq!(outputs(&other, &images), expected);
}

#[test]
fn wrong_architecture_and_garbage_are_refused() {
    let device = Device::flex();
    let small = ResNetConfig::from(ModelKind::RESNET20_V1).init(&device).valid();
    let bytes = to_safetensors(&small).expect("saves");
    let mut big = ResNetConfig::from(ModelKind::RESNET29_V2).init(&device).valid();
    assert!(load_safetensors(&mut big, bytes.clone()).is_err());
    let mut same = ResNetConfig::from(ModelKind::RESNET20_V1).init(&device).valid();
    assert!(load_safetensors(&mut same, bytes[..bytes.len() / 2].to_vec()).is_err());
    assert!(load_safetensors(&mut same, b"not a checkpoint".to_vec()).is_err());
}
