//! The L2 penalty's value by our kernel (`shaders/penalty.wgsl`, natively on wgpu: lavapipe where
//! there is no GPU) against burn's tensor operations on wgpu and on the CPU backend.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use resnet_webgpu::penalty;

fn value(t: Tensor<1>) -> f32 {
    t.into_data().iter::<f32>().next().expect("one value")
}

fn loss(device: &Device) -> Tensor<1> {
    Tensor::from_data(TensorData::new(vec![2.302_585_f32], [1]), device)
}

#[test]
fn the_wgsl_penalty_matches_tensor_operations() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    for count in [1, 5, 6, 7, 12, 14] {
        for l2 in [1e-4_f32, 0.5] {
            let weights = common::penalty_weights(&gpu)[..count].to_vec();
            let got = value(penalty::gpu::penalised(&loss(&gpu), &weights, l2).expect("wgpu tensors"));
            let cpu: Vec<Tensor<4>> = weights.iter().map(|w| w.clone().to_device(&Device::flex())).collect();
            for (device, reference) in [(&gpu, weights.clone()), (&Device::flex(), cpu)] {
                let expected = value(penalty::by_tensor_ops(loss(device), &reference, l2));
                let penalty = expected - 2.302_585;
                assert!(penalty > 0.0, "{count} tensors: the penalty is there");
                assert!(
                    (got - expected).abs() <= 2e-6 * expected.abs(),
                    "{count} tensors, l2 {l2}, vs {device:?}: the reference {expected} vs {got}"
                );
            }
        }
    }
}

#[test]
fn every_tensor_counts_and_only_its_own_values() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let weights = common::penalty_weights(&gpu);
    let all = value(penalty::penalised(loss(&gpu), &weights, 1.0));
    for skipped in 0..weights.len() {
        let mut fewer = weights.clone();
        let left_out = fewer.remove(skipped);
        let squares = value(left_out.powi_scalar(2).sum().reshape([1]));
        let without = value(penalty::penalised(loss(&gpu), &fewer, 1.0));
        let tolerance = 2e-6 * all + 1e-6;
        assert!((all - without - squares).abs() <= tolerance.max(2e-6 * squares), "tensor {skipped}: {all} − {without} vs {squares}");
    }
}

#[test]
fn it_applies_only_to_wgpu_f32_tensors_and_a_zero_penalty_is_the_loss() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let cpu = Device::flex();
    assert!(penalty::gpu::penalised(&loss(&cpu), &common::penalty_weights(&cpu), 1e-4).is_none(), "the CPU backend");
    assert!(penalty::gpu::penalised(&Tensor::zeros([2], &gpu), &common::penalty_weights(&gpu), 1e-4).is_none(), "a loss of two values");
    assert_eq!(value(penalty::penalised(loss(&gpu), &common::penalty_weights(&gpu), 0.0)), 2.302_585);
    assert_eq!(value(penalty::penalised(loss(&gpu), &[], 1e-4)), 2.302_585);
    // On the CPU backend penalised is the tensor operations.
    let weights = common::penalty_weights(&cpu);
    assert_eq!(value(penalty::penalised(loss(&cpu), &weights, 1e-4)), value(penalty::by_tensor_ops(loss(&cpu), &weights, 1e-4)));
}
