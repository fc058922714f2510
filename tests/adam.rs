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
