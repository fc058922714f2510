//! The end of a v1 residual block, ReLU(shortcut + y), by our kernels (`shaders/residual.wgsl`,
//! natively on wgpu: lavapipe where there is no GPU) against burn's addition and ReLU: output and
//! both gradients, bit for bit on the same device, with and without gradient checkpointing, and
//! close to the CPU backend's.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use resnet_webgpu::residual;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

fn devices() -> [Device; 2] {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    [gpu.clone().autodiff(), gpu.autodiff().gradient_checkpointing()]
}

#[test]
fn the_wgsl_residual_sum_gives_burns_bits_forward_and_backward() {
    for shape in common::RESIDUAL_SHAPES {
        for device in devices() {
            let expected = common::residual_run(shape, false, &device).map(values);
            let got = common::residual_run(shape, true, &device).map(values);
            for (name, (e, g)) in ["output", "shortcut's gradient", "y's gradient"].iter().zip(expected.iter().zip(&got)) {
                let differ = e.iter().zip(g).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
                assert_eq!(differ, 0, "{shape:?} {device:?} {name}: {differ} values differ");
            }
            // The test means something: some sums are zero, some negative, some positive.
            let z = &expected[0];
            assert!(z.iter().filter(|v| **v == 0.0).count() > z.len() / 3, "{shape:?}: ReLU zeros");
            assert!(expected[1].iter().any(|v| *v == 0.0) && expected[1].iter().any(|v| *v != 0.0), "{shape:?}: masked gradient");
        }
    }
}

#[test]
fn the_wgsl_residual_sum_matches_the_cpu_backend() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice).autodiff().gradient_checkpointing();
    let cpu = Device::flex().autodiff().gradient_checkpointing();
    for shape in common::RESIDUAL_SHAPES {
        let expected = common::residual_run(shape, false, &cpu).map(values);
        let got = common::residual_run(shape, true, &gpu).map(values);
        for (name, (e, g)) in ["output", "shortcut's gradient", "y's gradient"].iter().zip(expected.iter().zip(&got)) {
            common::assert_close(&format!("{shape:?} {name}"), e, g);
        }
    }
}

#[test]
fn without_autodiff_it_is_the_same_sum() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let shape = [2, 16, 8, 8];
    let a = Tensor::<4>::from_data(TensorData::new(common::conv_values(shape, 1), shape), &gpu);
    let b = Tensor::<4>::from_data(TensorData::new(common::conv_values(shape, 2), shape), &gpu);
    let ours = residual::gpu::add_relu(&a, &b).expect("plain wgpu tensors");
    assert_eq!(values(ours), values(residual::by_tensor_ops(a.clone(), b.clone())));
    assert_eq!(values(residual::add_relu(a.clone(), b.clone())), values(residual::by_tensor_ops(a, b)));
}

#[test]
fn it_takes_only_wgpu_f32_tensors_of_one_shape_in_one_context() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let ones = |shape: [usize; 4], device: &Device| Tensor::<4>::ones(shape, device);
    let shape = [2, 4, 3, 3];
    assert!(residual::gpu::add_relu(&ones(shape, &gpu), &ones([2, 4, 3, 2], &gpu)).is_none(), "shapes differ");
    assert!(residual::gpu::add_relu(&ones(shape, &Device::flex()), &ones(shape, &Device::flex())).is_none(), "the CPU backend");
    let tracked = gpu.clone().autodiff();
    assert!(residual::gpu::add_relu(&ones(shape, &tracked), &ones(shape, &gpu)).is_none(), "one with autodiff, one without");
    let checkpointed = gpu.clone().autodiff().gradient_checkpointing();
    assert!(residual::gpu::add_relu(&ones(shape, &tracked), &ones(shape, &checkpointed)).is_none(), "two checkpointing strategies");
    // Elsewhere add_relu falls back on burn's operations.
    let cpu = Device::flex();
    assert_eq!(values(residual::add_relu(ones(shape, &cpu), ones(shape, &cpu).neg())), vec![0.0; 72]);
}
