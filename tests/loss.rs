//! The training loss and the count of correct images by our kernels
//! (`shaders/cross_entropy.wgsl`, natively on wgpu: lavapipe where there is no GPU) against
//! burn's `CrossEntropyLoss` and argmax, on wgpu and on the CPU backend: the loss, the count, the
//! logits' gradient.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use resnet_webgpu::loss;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

fn count(t: Tensor<1, Int>) -> i64 {
    t.into_data().iter::<i64>().next().expect("one value")
}

#[test]
fn the_wgsl_loss_matches_burns_cross_entropy_and_argmax() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let devices = [gpu.clone().autodiff(), gpu.autodiff().gradient_checkpointing(), Device::flex().autodiff()];
    for (rows, scale) in common::LOSS_CASES {
        let (loss, correct, grad) = common::loss_run(rows, scale, true, &devices[0]);
        let (loss, correct, grad) = (values(loss), count(correct), values(grad));
        assert!(correct > 0 && correct < rows as i64 || rows == 1, "{rows} rows: some right, some wrong ({correct})");
        for reference in &devices {
            let (e_loss, e_correct, e_grad) = common::loss_run(rows, scale, false, reference);
            let what = format!("{rows} rows × {scale} vs {reference:?}");
            let e_loss = values(e_loss);
            assert!((e_loss[0] - loss[0]).abs() <= 2e-6 * e_loss[0].abs().max(1.0), "{what}: loss {} vs {}", e_loss[0], loss[0]);
            assert_eq!(count(e_correct), correct, "{what}: correct");
            let e_grad = values(e_grad);
            let largest = e_grad.iter().fold(0f32, |m, v| m.max(v.abs()));
            for (i, (e, g)) in e_grad.iter().zip(&grad).enumerate() {
                assert!((e - g).abs() <= 1e-5 * largest, "{what}: gradient[{i}] {e} vs {g}");
            }
        }
    }
}

#[test]
fn with_checkpointing_and_without_autodiff_it_is_the_same_loss() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let (loss, correct, grad) = common::loss_run(32, 3.0, true, &gpu.clone().autodiff());
    let (c_loss, c_correct, c_grad) = common::loss_run(32, 3.0, true, &gpu.clone().autodiff().gradient_checkpointing());
    assert_eq!(values(loss.clone()), values(c_loss));
    assert_eq!(count(correct.clone()), count(c_correct));
    assert_eq!(values(grad), values(c_grad));
    // The same logits without autodiff.
    let logits: Vec<f32> = common::conv_values([32, 10, 1, 1], 8).iter().map(|v| v * 3.0).collect();
    let labels: Vec<i32> = (0..32).map(|r| r % 10).collect();
    let logits = Tensor::<2>::from_data(TensorData::new(logits, [32, 10]), &gpu);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [32]), &gpu);
    let (ours, ours_correct) = loss::gpu::cross_entropy(&logits, &labels).expect("plain wgpu tensors");
    let loss_fn = CrossEntropyLossConfig::new().init(&gpu);
    let (burns, burns_correct) = loss::by_tensor_ops(&loss_fn, logits, labels);
    let (ours, burns) = (values(ours)[0], values(burns)[0]);
    assert!((ours - burns).abs() <= 2e-6 * burns, "{ours} vs {burns}");
    assert_eq!(count(ours_correct), count(burns_correct));
}

#[test]
fn it_takes_only_wgpu_f32_logits_with_i32_labels_of_their_rows() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let cpu = Device::flex();
    let logits = |device: &Device, rows: usize| Tensor::<2>::zeros([rows, 10], device);
    let labels = |device: &Device, rows: usize| Tensor::<1, Int>::zeros([rows], device);
    assert!(loss::gpu::cross_entropy(&logits(&cpu, 4), &labels(&cpu, 4)).is_none(), "the CPU backend");
    assert!(loss::gpu::cross_entropy(&logits(&gpu, 4), &labels(&gpu, 3)).is_none(), "rows differ");
    assert!(loss::gpu::cross_entropy(&logits(&gpu, 0), &labels(&gpu, 0)).is_none(), "no rows");
    assert!(loss::gpu::cross_entropy(&logits(&gpu, 4), &labels(&gpu, 4).cast(burn::tensor::DType::I64)).is_none(), "i64 labels");
    // Equal logits: the first class is the argmax, as burn's.
    let (value, correct) = loss::gpu::cross_entropy(&logits(&gpu, 4), &labels(&gpu, 4)).expect("wgpu tensors");
    assert!((values(value)[0] - 10f32.ln()).abs() < 1e-6);
    assert_eq!(count(correct), 4);
    // Elsewhere cross_entropy is burn's.
    let loss_fn = CrossEntropyLossConfig::new().init(&cpu);
    let (value, correct) = loss::cross_entropy(&loss_fn, logits(&cpu, 4), labels(&cpu, 4).add_scalar(1));
    assert!((values(value)[0] - 10f32.ln()).abs() < 1e-6);
    assert_eq!(count(correct), 0);
}
