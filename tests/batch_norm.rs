//! Our batch normalisation in training (src/batch_norm: the CPU kernels and
//! shaders/batch_norm.wgsl on wgpu, lavapipe where there is no GPU) against burn's `BatchNorm`
//! (and burn's ReLU after it, or at a v1 block's end the sum with the shortcut and the ReLU) on
//! the CPU backend: output, running statistics, and the gradients of the input, γ, β (and the
//! shortcut), with and without gradient checkpointing.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::backend::GradientCheckpointingStrategy;
use burn::module::Param;
use burn::nn::BatchNormConfig;
use burn::prelude::*;
use burn::tensor::activation::relu;
use resnet_webgpu::batch_norm::{self, Norm};

fn tensor(shape: [usize; 4], seed: u64, shift: f32, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = common::conv_values(shape, seed).iter().map(|v| v * 2.0 + shift).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

/// Output, input/γ/β gradients of `sum(y · probe)`, running mean and variance of `case`, by our
/// kernels (`ours`) or burn's on `device` (plain), with `strategy`; with `shortcut`, of a v1
/// block's end `relu(shortcut + bn(x))` instead, and the shortcut's gradient last.
fn run(case: ([usize; 4], f32, bool), shortcut: bool, ours: bool, device: &Device, strategy: GradientCheckpointingStrategy) -> Vec<Vec<f32>> {
    let (shape, shift, with_relu) = case;
    let device = match strategy {
        GradientCheckpointingStrategy::Balanced => device.clone().autodiff().gradient_checkpointing(),
        GradientCheckpointingStrategy::Disabled => device.clone().autodiff(),
    };
    assert_eq!(device.gradient_checkpointing_strategy(), Some(strategy));
    let c = shape[1];
    let mut bn = BatchNormConfig::new(c).with_momentum(0.01).with_epsilon(1e-3).init(&device);
    let gamma: Vec<f32> = (0..c).map(|i| [0.5, 1.0, 1.5, -0.7, 2.0][i % 5]).collect();
    let beta: Vec<f32> = (0..c).map(|i| [0.1, -0.2, 0.3, 0.0, 1.0][i % 5]).collect();
    bn.gamma = Param::from_tensor(Tensor::from_data(TensorData::new(gamma, [c]), &device));
    bn.beta = Param::from_tensor(Tensor::from_data(TensorData::new(beta, [c]), &device));
    let x = tensor(shape, 1, shift, &device).require_grad();
    // Values in [-2, 2): the ReLU after the sum cuts a good share of them.
    let s = tensor(shape, 3, 0.0, &device).require_grad();
    let y = match (shortcut, ours) {
        (false, true) => {
            let n = Norm { epsilon: bn.epsilon, relu: with_relu };
            assert!(batch_norm::batch_norm_train(n, &x, &bn.gamma.val(), &bn.beta.val()).is_some(), "our kernels take it");
            batch_norm::forward(&bn, x.clone(), with_relu)
        }
        (false, false) => {
            let y = bn.forward(x.clone());
            if with_relu { relu(y) } else { y }
        }
        (true, true) => {
            assert!(batch_norm::batch_norm_add_relu_train(bn.epsilon, &x, &bn.gamma.val(), &bn.beta.val(), &s).is_some(), "our kernels take it");
            batch_norm::forward_add_relu(&bn, x.clone(), s.clone())
        }
        (true, false) => relu(s.clone() + bn.forward(x.clone())),
    };
    let probe = tensor(shape, 2, 0.0, &device);
    let grads = (y.clone() * probe).sum().backward();
    let mut seen = vec![
        values(y.inner()),
        values(x.grad(&grads).expect("input gradient")),
        values(bn.gamma.grad(&grads).expect("γ gradient")),
        values(bn.beta.grad(&grads).expect("β gradient")),
        // After burn's own forward, `value()` would be the statistics before this step: its
        // RunningState keeps an update aside until a sync (ours stores the new value at once).
        values(bn.running_mean.value_sync()),
        values(bn.running_var.value_sync()),
    ];
    if shortcut {
        seen.push(values(s.grad(&grads).expect("shortcut gradient")));
    }
    seen
}

fn check(device: &Device, shortcut: bool) {
    for case in common::BATCH_NORM_CASES {
        for strategy in [GradientCheckpointingStrategy::Balanced, GradientCheckpointingStrategy::Disabled] {
            let expected = run(case, shortcut, false, &Device::flex(), strategy);
            let got = run(case, shortcut, true, device, strategy);
            assert_eq!(expected.len(), got.len());
            for (name, (e, g)) in ["output", "input gradient", "γ gradient", "β gradient", "running mean", "running variance", "shortcut gradient"]
                .iter()
                .zip(expected.iter().zip(&got))
            {
                common::assert_close(&format!("{case:?} {strategy:?} {name}"), e, g);
            }
            if shortcut {
                // The ReLU after the sum cut some values and kept others.
                let zeros = expected[0].iter().filter(|v| **v == 0.0).count();
                assert!(zeros > 0 && zeros < expected[0].len(), "{case:?}: {zeros} of {} cut", expected[0].len());
            }
        }
    }
}

#[test]
fn ours_matches_burns_batch_norm_in_training_on_the_cpu() {
    check(&Device::flex(), false);
}

#[test]
fn the_wgsl_kernels_match_burns_batch_norm_on_the_cpu() {
    check(&Device::wgpu(DeviceKind::DefaultDevice), false);
}

/// A v1 block's end, `relu(shortcut + bn(x))`, as our one operation against burn's batch norm,
/// addition and ReLU: the output, and the gradients of the input, γ, β and the shortcut.
#[test]
fn a_blocks_end_matches_burns_batch_norm_sum_and_relu_on_the_cpu() {
    check(&Device::flex(), true);
}

#[test]
fn a_blocks_end_by_the_wgsl_kernels_matches_burns_on_the_cpu() {
    check(&Device::wgpu(DeviceKind::DefaultDevice), true);
}

/// The running mean and variance of one `BatchNorm` after each of three training steps (batches
/// of `shape` with different values), by our forward or burn's on `device`; then what the module
/// holds once it is switched to evaluation and back.
fn running_over_steps(ours: bool, device: &Device, shape: [usize; 4]) -> Vec<Vec<f32>> {
    let device = device.clone().autodiff();
    let bn = BatchNormConfig::new(shape[1]).with_momentum(0.1).with_epsilon(1e-3).init(&device);
    let mut seen = Vec::new();
    for step in 0..3u64 {
        let x = tensor(shape, 10 + step, step as f32 - 1.0, &device).require_grad();
        let y = if ours { batch_norm::forward(&bn, x, true) } else { relu(bn.forward(x)) };
        let _ = y.sum().backward();
        seen.push(values(bn.running_mean.value_sync()));
        seen.push(values(bn.running_var.value_sync()));
    }
    let bn = bn.valid().train();
    seen.push(values(bn.running_mean.value()));
    seen.push(values(bn.running_var.value()));
    seen
}

#[test]
fn the_running_statistics_follow_burns_over_steps() {
    let shape = [4, 3, 5, 5];
    let expected = running_over_steps(false, &Device::flex(), shape);
    for device in [Device::flex(), Device::wgpu(DeviceKind::DefaultDevice)] {
        let got = running_over_steps(true, &device, shape);
        assert_eq!(got.len(), expected.len());
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            common::assert_close(&format!("{device:?}, value {i} (step {}, {})", i / 2 + 1, ["mean", "variance"][i % 2]), e, g);
        }
    }
    // The three steps moved the statistics: a value left behind would show.
    assert_ne!(expected[0], expected[4]);
    assert_ne!(expected[1], expected[5]);
}

#[test]
fn it_applies_only_in_training_on_the_cpu_backend_and_wgpu() {
    let n = Norm { epsilon: 1e-3, relu: false };
    for device in [Device::flex(), Device::wgpu(DeviceKind::DefaultDevice)] {
        let x = tensor([2, 3, 2, 2], 1, 0.0, &device);
        let gamma = Tensor::<1>::ones([3], &device);
        let beta = Tensor::<1>::zeros([3], &device);
        // Without autodiff there is no training pass to take over.
        assert!(batch_norm::batch_norm_train(n, &x, &gamma, &beta).is_none());
        let (y, mean, var) = batch_norm::batch_norm_train(n, &x.autodiff(), &gamma.autodiff(), &beta.autodiff()).expect("autodiff tensors");
        assert_eq!(y.dims(), [2, 3, 2, 2]);
        assert_eq!((mean.dims(), var.dims()), ([3], [3]));
    }
}

/// How the sums over a channel are split: every image in exactly one slice, enough workgroups
/// where the batch allows, none with fewer than 64 values per invocation.
#[test]
fn the_sums_are_split_over_the_batch() {
    use resnet_webgpu::batch_norm::gpu::Layout;
    for shape in [[128, 16, 32, 32], [128, 64, 8, 8], [512, 256, 8, 8], [1, 3, 1, 1], [7, 5, 3, 3], [32, 16, 16, 16]] {
        let l = Layout::new(shape);
        assert!(l.per >= 1 && l.slices >= 1, "{shape:?}: {l:?}");
        assert!((l.slices - 1) * l.per < l.batch && l.slices * l.per >= l.batch, "{shape:?}: {l:?}");
    }
    let l = Layout::new([128, 16, 32, 32]);
    assert_eq!((l.per, l.slices), (4, 32), "512 workgroups of 4,096 values, 64 per invocation");
    let l = Layout::new([128, 64, 8, 8]);
    assert_eq!((l.per, l.slices), (64, 2), "8,192 values per channel: two slices of 4,096");
    let l = Layout::new([33, 16, 16, 16]);
    assert_eq!((l.per, l.slices), (17, 2), "BATCH_NORM_CASES's split batch");
    let l = Layout::new([7, 5, 3, 3]);
    assert_eq!(l.slices, 1, "63 values: one slice");
}
