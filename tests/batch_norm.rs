//! Our CPU batch normalisation in training (src/batch_norm.rs) against burn's `BatchNorm`:
//! output, running statistics, and the gradients of the input, γ and β, on the CPU backend with
//! and without gradient checkpointing.
#![cfg(not(target_arch = "wasm32"))]

use burn::backend::GradientCheckpointingStrategy;
use burn::module::Param;
use burn::nn::BatchNormConfig;
use burn::prelude::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use resnet_webgpu::batch_norm;

fn host(shape: [usize; 4], seed: u64, shift: f32, device: &Device) -> Tensor<4> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let values: Vec<f32> = (0..shape.iter().product()).map(|_| rng.random::<f32>() * 4.0 - 2.0 + shift).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

fn assert_close(what: &str, expected: &[f32], got: &[f32]) {
    assert_eq!(expected.len(), got.len(), "{what}: lengths");
    let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
    for (i, (a, b)) in expected.iter().zip(got).enumerate() {
        assert!((a - b).abs() <= 1e-4 * scale, "{what}[{i}]: burn {a} vs ours {b} (scale {scale})");
    }
}

/// Output, input/γ/β gradients of `sum(y · probe)`, running mean and variance.
fn run(ours: bool, strategy: GradientCheckpointingStrategy) -> Vec<Vec<f32>> {
    let device = match strategy {
        GradientCheckpointingStrategy::Balanced => Device::flex().autodiff().gradient_checkpointing(),
        GradientCheckpointingStrategy::Disabled => Device::flex().autodiff(),
    };
    assert_eq!(device.gradient_checkpointing_strategy(), Some(strategy));
    let mut bn = BatchNormConfig::new(5).with_momentum(0.01).with_epsilon(1e-3).init(&device);
    bn.gamma = Param::from_tensor(Tensor::from_floats([0.5, 1.0, 1.5, -0.7, 2.0], &device));
    bn.beta = Param::from_tensor(Tensor::from_floats([0.1, -0.2, 0.3, 0.0, 1.0], &device));
    // A mean far from zero, so a one-pass variance would show its cancellation.
    let x = host([6, 5, 3, 4], 1, 30.0, &device).require_grad();
    if ours {
        assert!(batch_norm::batch_norm_train(&x, &bn.gamma.val(), &bn.beta.val(), bn.epsilon).is_some(), "our kernel takes it");
    }
    let y = if ours { batch_norm::forward(&bn, x.clone()) } else { bn.forward(x.clone()) };
    let probe = host([6, 5, 3, 4], 2, 0.0, &device);
    let grads = (y.clone() * probe).sum().backward();
    vec![
        values(y.inner()),
        values(x.grad(&grads).expect("input gradient")),
        bn.gamma.grad(&grads).expect("γ gradient").into_data().iter::<f32>().collect(),
        bn.beta.grad(&grads).expect("β gradient").into_data().iter::<f32>().collect(),
        bn.running_mean.value().into_data().iter::<f32>().collect(),
        bn.running_var.value().into_data().iter::<f32>().collect(),
    ]
}

#[test]
fn ours_matches_burns_batch_norm_in_training() {
    for strategy in [GradientCheckpointingStrategy::Balanced, GradientCheckpointingStrategy::Disabled] {
        let expected = run(false, strategy);
        let got = run(true, strategy);
        for (name, (e, g)) in ["output", "input gradient", "γ gradient", "β gradient", "running mean", "running variance"]
            .iter()
            .zip(expected.iter().zip(&got))
        {
            assert_close(&format!("{strategy:?} {name}"), e, g);
        }
    }
}

#[test]
fn it_applies_only_in_training_on_the_cpu_backend() {
    let device = Device::flex();
    let x = host([2, 3, 2, 2], 1, 0.0, &device);
    let gamma = Tensor::<1>::ones([3], &device);
    let beta = Tensor::<1>::zeros([3], &device);
    // Without autodiff there is no training pass to take over.
    assert!(batch_norm::batch_norm_train(&x, &gamma, &beta, 1e-3).is_none());
    let tracked = device.autodiff();
    let x = x.autodiff();
    let (y, mean, var) = batch_norm::batch_norm_train(&x, &gamma.autodiff(), &beta.autodiff(), 1e-3).expect("autodiff CPU tensors");
    assert_eq!(y.dims(), [2, 3, 2, 2]);
    assert_eq!((mean.dims(), var.dims()), ([3], [3]));
    assert!(tracked.is_autodiff());
}
