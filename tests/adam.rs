//! Adam's update as one kernel (`shaders/adam.wgsl`, natively on wgpu: lavapipe where there is no
//! GPU) against the same update from burn's tensor operations, on wgpu and on the CPU backend;
//! and `Adam::step` on a module, by the kernel and by tensor operations.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;
use resnet_webgpu::adam::{self, Adam, StepScalars};

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

#[test]
fn the_wgsl_adam_matches_tensor_operations_on_wgpu_and_on_the_cpu() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    for count in common::ADAM_COUNTS {
        let got: Vec<Vec<f32>> = common::adam_steps(count, true, &gpu).into_iter().map(values).collect();
        for reference in [gpu.clone(), Device::flex()] {
            let expected: Vec<Vec<f32>> = common::adam_steps(count, false, &reference).into_iter().map(values).collect();
            for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
                let what = ["weights", "first moment", "second moment"][k % 3];
                common::assert_close_each(&format!("{count} values, step {}, {what} vs {reference:?}", k / 3 + 1), e, g);
            }
        }
    }
}

#[test]
fn the_kernel_keeps_the_weights_shape_and_takes_only_wgpu_f32_tensors() {
    let s = StepScalars::new(0.9, 0.999, 1e-7, 1, 1e-3);
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let w = Tensor::<4>::ones([16, 8, 3, 3], &gpu);
    let g = Tensor::<4>::ones([16, 8, 3, 3], &gpu).mul_scalar(0.5);
    let (updated, m) = adam::gpu::step(&w, &g, None, s).expect("wgpu tensors");
    assert_eq!(updated.dims(), [16, 8, 3, 3]);
    assert_eq!((m.first.dims(), m.second.dims()), ([1152], [1152]));
    // The first step moves every weight by lr·(1−β₁)g·f/(√((1−β₂)g²) + ε̂) = lr·sign(g), nearly.
    let (expected, _) = adam::by_tensor_ops(w.clone(), g.clone(), None, s);
    common::assert_close_each("4-D weights", &values(expected), &values(updated));
    // A gradient of another shape, moments of another size, the CPU backend: not the kernel's.
    assert!(adam::gpu::step(&w, &Tensor::<4>::ones([16, 8, 1, 9], &gpu), None, s).is_none());
    let short = adam::Moments { first: Tensor::zeros([3], &gpu), second: Tensor::zeros([3], &gpu) };
    assert!(adam::gpu::step(&w, &g, Some(&short), s).is_none());
    let cpu = Device::flex();
    assert!(adam::gpu::step(&w.to_device(&cpu), &g.to_device(&cpu), None, s).is_none());
}

/// Four `Adam::step`s of a linear layer on `device` (a training device), by the kernel where
/// `kernel`: the weights, the bias and every moment afterwards.
fn train_linear(device: &Device, kernel: bool) -> Vec<Vec<f32>> {
    let mut layer: Linear = LinearConfig::new(24, 10).init(device);
    // Seeded values (burn's initialiser draws from the device's generator).
    let seeded = |shape: [usize; 2], seed: u64| Tensor::<2>::from_data(TensorData::new(common::conv_values([shape[0], shape[1], 1, 1], seed), shape), device);
    layer.weight = Param::from_tensor(seeded([24, 10], 4));
    layer.bias = Some(Param::from_tensor(seeded([1, 10], 5).reshape([10])));
    let x = Tensor::<2>::from_data(TensorData::new(common::conv_values([8, 24, 1, 1], 3), [8, 24]), device);
    let mut adam = Adam::new(0.9, 0.999, 1e-7).with_kernel(kernel);
    for lr in [1e-3, 1e-2, 1e-3, 1e-3] {
        let loss = layer.forward(x.clone()).powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &layer);
        layer = adam.step(lr, layer, grads);
    }
    assert_eq!(adam.steps(), 4);
    let mut out = vec![values(layer.weight.val().inner()), values(layer.bias.expect("a bias").val().inner())];
    for moments in adam.moments().values() {
        out.push(values(moments.first.clone()));
        out.push(values(moments.second.clone()));
    }
    out
}

#[test]
fn adam_steps_a_module_by_the_kernel_as_by_tensor_operations() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice).autodiff();
    let expected = train_linear(&gpu, false);
    let got = train_linear(&gpu, true);
    assert_eq!(expected.len(), 6, "weights, bias, and two moments of each");
    for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
        common::assert_close_each(&format!("tensor {k}"), e, g);
    }
    // On the CPU backend there is no kernel: the same numbers either way, bit for bit.
    let cpu = Device::flex().autodiff();
    assert_eq!(train_linear(&cpu, true), train_linear(&cpu, false));
}

#[test]
fn workgroups_cover_every_value_within_webgpus_limits() {
    for count in [1, 255, 256, 257, 70_001, 8_388_608, 8_388_609, 40_000_000] {
        let (across, down) = adam::gpu::workgroups(count);
        assert!(across <= 65_535 && down <= 65_535, "{count}: {across} × {down}");
        assert!(across * down * 256 >= count, "{count}: {across} × {down}");
        assert!(across * (down - 1) < count.div_ceil(256), "{count}: no row of idle workgroups");
    }
}

#[cfg(not(feature = "fusion"))]
#[test]
fn updates_in_place_two_a_dispatch_give_the_one_parameter_kernels_bits() {
    use common::AdamWay;
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let read = |way| common::adam_five_steps(way, &gpu).into_iter().map(values).collect::<Vec<_>>();
    let (expected, got) = (read(AdamWay::Kernel), read(AdamWay::Pairs));
    assert_eq!(expected.len(), 5 * 3);
    for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(e, g, "parameter {}, {}", k / 3, ["weights", "first moment", "second moment"][k % 3]);
    }
    // Both as the tensor operations on the CPU backend give them, and the steps moved the weights.
    let reference: Vec<_> = common::adam_five_steps(AdamWay::TensorOps, &Device::flex()).into_iter().map(values).collect();
    for (k, (e, g)) in reference.iter().zip(&got).enumerate() {
        common::assert_close_each(&format!("parameter {}, tensor {}", k / 3, k % 3), e, g);
    }
    assert_ne!(got[0], values(common::adam_param(300, 1, 0, &gpu).0));
}

#[cfg(not(feature = "fusion"))]
#[test]
fn a_parameter_is_updated_in_place_only_where_the_step_alone_holds_it() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let s = StepScalars::new(0.9, 0.999, 1e-7, 2, 1e-2);
    let first = |seed: u64| {
        let (w, g) = common::adam_param(500, seed, 0, &gpu);
        adam::gpu::step(&w, &g, None, StepScalars::new(0.9, 0.999, 1e-7, 1, 1e-2)).expect("wgpu tensors")
    };
    let grad = common::adam_param(500, 9, 1, &gpu).1;
    // A clone of the weights kept elsewhere: given back as they were, and the clone left alone.
    let (w, m) = first(1);
    let kept = w.clone();
    let before = values(w.clone());
    let mut pairs = adam::gpu::Pairs::default();
    let Err((w, g, m)) = pairs.queue(w, grad.clone(), m, s) else { panic!("a shared buffer updated in place") };
    pairs.flush();
    assert_eq!((values(w.clone()), values(kept.clone())), (before.clone(), before.clone()));
    // The same tensors once the clone is gone: queued, and written when the queue is dropped
    // (no partner), as the kernel into new buffers writes them.
    drop(kept);
    let (expected, expected_m) = adam::gpu::step(&w.clone().add_scalar(0.0), &g, Some(&adam::Moments { first: m.first.clone().add_scalar(0.0), second: m.second.clone().add_scalar(0.0) }), s).expect("wgpu");
    let (updated, moments) = pairs.queue(w, g, m, s).unwrap_or_else(|_| panic!("held by the step alone"));
    drop(pairs);
    assert_eq!(values(updated), values(expected));
    assert_eq!(values(moments.second), values(expected_m.second));
    // Moments of another size, the CPU backend: given back.
    let (w, m) = first(2);
    let short = adam::Moments { first: m.first.slice([0..3]), second: m.second.slice([0..3]) };
    let mut pairs = adam::gpu::Pairs::default();
    assert!(pairs.queue(w, grad.clone(), short, s).is_err());
    let cpu = Device::flex();
    let (w, m) = first(3);
    let on_cpu = adam::Moments { first: m.first.to_device(&cpu), second: m.second.to_device(&cpu) };
    assert!(pairs.queue(w.to_device(&cpu), grad.to_device(&cpu), on_cpu, s).is_err());
}

/// With burn-fusion a tensor is an id in a lazy stream, not a buffer to write: every parameter
/// goes back to the one-parameter kernel, and the steps give its numbers.
#[cfg(feature = "fusion")]
#[test]
fn with_fusion_nothing_is_updated_in_place() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let (w, g) = common::adam_param(500, 1, 0, &gpu);
    let (w, m) = adam::gpu::step(&w, &g, None, StepScalars::new(0.9, 0.999, 1e-7, 1, 1e-2)).expect("wgpu tensors");
    let before = values(w.clone());
    let mut pairs = adam::gpu::Pairs::default();
    let Err((w, _, _)) = pairs.queue(w, g, m, StepScalars::new(0.9, 0.999, 1e-7, 2, 1e-2)) else { panic!("queued under fusion") };
    pairs.flush();
    assert_eq!(values(w), before);
}
