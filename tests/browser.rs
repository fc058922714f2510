//! In the browser, on WebGPU (headless Chromium with SwiftShader in CI):
//! `wasm-pack test --headless --chrome --release`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use burn::prelude::*;
use resnet_webgpu::augment::assemble;
use resnet_webgpu::classify::{as_split, decode, to_cifar};
use resnet_webgpu::conv::ConvRoute;
use resnet_webgpu::data::{Cifar10, SIDE, rgba};
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::checkpoint::{Checkpoint, RunState};
use resnet_webgpu::recipe::LrState;
use resnet_webgpu::trainer::{Learner, probabilities};
use resnet_webgpu::peak::Matmul;
use resnet_webgpu::pipeline::DeviceImages;
use resnet_webgpu::profile::Recording;
use resnet_webgpu::timing::{dispatch_cost, timed_step};
use resnet_webgpu::web::store;
use resnet_webgpu::web::worker::has_timestamp_queries;
use burn::tensor::wgpu::wgpu;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// The test archive, compiled into the test module (the page gets the same bytes by fetch):
/// `$CIFAR10_ARCHIVE` when the test is compiled (`./dev.sh test` sets it: data/, or shared/ in CI).
static ARCHIVE: &[u8] = include_bytes!(env!("CIFAR10_ARCHIVE"));

thread_local! {
    static DEVICE: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
    /// burn's own wgpu device and queue, for the WGSL kernels.
    static HANDLES: RefCell<Option<(wgpu::Device, wgpu::Queue)>> = const { RefCell::new(None) };
}

/// The WebGPU device, initialised asynchronously once per test module.
async fn webgpu() -> (Device, String) {
    // The test harness does not run the crate's start function, which runs them in the page.
    resnet_webgpu::web::run_static_constructors();
    if let Some(device) = DEVICE.with_borrow(Clone::clone) {
        return device;
    }
    let (device, setup) = Device::wgpu_options()
        .tasks_max(256)
        .init_with_setup_async()
        .await
        .expect("a WebGPU adapter (run Chromium with --enable-unsafe-webgpu)");
    let name = setup.adapter.get_info().name;
    DEVICE.with_borrow_mut(|d| *d = Some((device.clone(), name.clone())));
    HANDLES.with_borrow_mut(|h| *h = Some((setup.device.clone(), setup.queue.clone())));
    (device, name)
}

#[wasm_bindgen_test]
async fn webgpu_device_initialises_asynchronously() {
    let (device, name) = webgpu().await;
    web_sys::console::log_1(&format!("adapter: {name:?}").into());
    let x = Tensor::<1>::from_floats([1.0, 2.0, 3.0], &device);
    let sum: f32 = (x.clone() * x).sum().into_scalar_async::<f32>().await.expect("read back");
    assert_eq!(sum, 14.0);
}

#[wasm_bindgen_test]
fn archive_parses_from_bytes() {
    let data = Cifar10::from_bytes(ARCHIVE).expect("the shared archive parses");
    assert_eq!((data.train.len(), data.test.len()), (5_000, 1_000));
    assert_eq!(data.test.class_counts(), [100; 10]);
}

#[wasm_bindgen_test]
async fn resnet20_steps_on_real_images_lower_the_loss() {
    let (device, _) = webgpu().await;
    let device = device.autodiff();
    let data = Cifar10::from_bytes(ARCHIVE).expect("parses");
    let mean = data.pixel_mean();
    let indices: Vec<usize> = (0..8).collect();
    let mut pixels = Vec::new();
    assemble(&data.train, &indices, &[], &mean, &mut pixels);
    let images = Tensor::<4>::from_data(TensorData::new(pixels, [8, 3, SIDE, SIDE]), &device);
    let labels: Vec<i32> = indices.iter().map(|&i| data.train.labels[i] as i32).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [8]), &device);

    let mut learner = Learner::new(&TrainConfig::default(), &device).expect("model");
    let mut losses = Vec::new();
    for _ in 0..4 {
        let (loss, _) = learner.step(images.clone(), labels.clone(), 1e-3);
        losses.push(loss.into_scalar_async::<f32>().await.expect("read back"));
    }
    web_sys::console::log_1(&format!("losses on WebGPU: {losses:?}").into());
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[3] < losses[0], "four steps on the same real batch lower the loss: {losses:?}");
}

#[wasm_bindgen_test]
async fn a_test_image_fed_as_png_gets_the_tensor_paths_probabilities_on_webgpu() {
    let (device, _) = webgpu().await;
    let data = Cifar10::from_bytes(ARCHIVE).expect("parses");
    let model = ResNetConfig::from(ModelKind::RESNET20_V1).try_init(&device).expect("model");
    let mean = data.pixel_mean();
    let indices: Vec<usize> = (0..8).collect();
    let batch = probabilities(&model, &data.test, &indices, &mean, &device).await.expect("batch");
    for i in [0, 5] {
        let picture = image::RgbaImage::from_raw(SIDE as u32, SIDE as u32, rgba(data.test.image(i))).expect("32×32");
        let mut png = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut png, image::ImageFormat::Png).expect("encodes");
        let seen = to_cifar(&decode(png.get_ref()).expect("decodes"));
        assert_eq!(seen, data.test.image(i));
        let single = probabilities(&model, &as_split(seen), &[0], &mean, &device).await.expect("one image");
        let expected = &batch[i * 10..(i + 1) * 10];
        let worst = single.iter().zip(expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        web_sys::console::log_1(&format!("image {i}: largest difference {worst:e}").into());
        assert!(worst <= 1e-5, "image {i}: {single:?} vs {expected:?}");
    }
}

/// A checkpoint taken on WebGPU (asynchronous reads only), through IndexedDB and back: the same
/// bytes, the same weights, and a learner restored from it takes the same step as the original.
#[wasm_bindgen_test]
async fn a_webgpu_checkpoint_survives_indexeddb_and_continues_identically() {
    let (device, _) = webgpu().await;
    let train_device = device.autodiff();
    let data = Cifar10::from_bytes(ARCHIVE).expect("parses");
    let indices: Vec<usize> = (0..4).collect();
    let mut pixels = Vec::new();
    assemble(&data.train, &indices, &[], &[], &mut pixels);
    let images = Tensor::<4>::from_data(TensorData::new(pixels, [4, 3, SIDE, SIDE]), &train_device);
    let labels: Vec<i32> = indices.iter().map(|&i| data.train.labels[i] as i32).collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [4]), &train_device);

    let config = TrainConfig { model: ModelKind::RESNET20_V1, ..TrainConfig::default() };
    let mut learner = Learner::new(&config, &train_device).expect("model");
    learner.step(images.clone(), labels.clone(), 1e-3);
    let run = RunState {
        config: config.clone(),
        epochs_done: 0,
        lr: LrState::new(config.learning_rate, config.plateau.clone()),
        best_val_accuracy: None,
        adam_steps: learner.adam().steps(),
        history: Vec::new(),
    };
    let checkpoint = Checkpoint::capture(learner.model(), learner.adam(), run).await.expect("captured on WebGPU");
    let bytes = checkpoint.to_bytes().expect("serialises");

    let record = store::Record { bytes: bytes.clone(), epochs_done: 0, model: "resnet20v1".into(), val_accuracy: 0.0 };
    store::save(&[(store::LAST, &record), (store::BEST, &record)]).await.expect("stored in IndexedDB");
    let back = store::load(store::LAST).await.expect("read").expect("present");
    assert!(back.bytes == bytes, "IndexedDB gives back the same {} bytes", bytes.len());
    assert_eq!(back.model, "resnet20v1");

    let restored = Checkpoint::from_bytes(&back.bytes).expect("parses");
    let mut resumed = Learner::resume(&restored, &train_device).expect("resumes on WebGPU");
    let (expected, _) = learner.step(images.clone(), labels.clone(), 1e-3);
    let (got, _) = resumed.step(images, labels, 1e-3);
    let expected = expected.into_scalar_async::<f32>().await.expect("read");
    let got = got.into_scalar_async::<f32>().await.expect("read");
    web_sys::console::log_1(&format!("next step: {expected} (original) vs {got} (restored)").into());
    assert!((expected - got).abs() <= 1e-5 * expected.abs().max(1.0), "{expected} vs {got}");

    store::clear().await.expect("cleared");
    assert!(store::load(store::LAST).await.expect("read").is_none());
}

/// The WGSL matmul (`shaders/matmul.wgsl`) on WebGPU against burn's matmul on the CPU backend,
/// then the adapter's peak, printed (no timing is asserted).
#[wasm_bindgen_test]
async fn matmul_kernel_matches_burn_on_webgpu_and_measures_the_peak() {
    webgpu().await;
    let (device, queue) = HANDLES.with_borrow(Clone::clone).expect("initialised");
    let n = 128;
    let (a, b, expected) = common::matmul_case(n);
    let kernel = Matmul::new(&device);
    let got = kernel.multiply(&device, &queue, &a, &b, n).await.expect("runs");
    for (i, (x, y)) in got.iter().zip(&expected).enumerate() {
        assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "c[{i}]: kernel {x} vs burn {y}");
    }
    let peak = kernel.peak(&device, &queue, 512, 4).await.expect("measures");
    web_sys::console::log_1(&format!("WebGPU matmul peak: {:.2} GFLOP/s ({peak:?})", peak.gflops).into());
    assert!(peak.gflops.is_finite() && peak.gflops > 0.0);
}

/// The GPU input pipeline (`shaders/augment.wgsl`) on WebGPU against the CPU reference: the same
/// f32 bits for images of both storage bindings, every extreme shift, with and without flip.
#[wasm_bindgen_test]
async fn gpu_input_pipeline_matches_the_cpu_reference_on_webgpu() {
    let (device, _) = webgpu().await;
    let data = Cifar10::from_bytes(ARCHIVE).expect("parses");
    let n = data.train.len();
    let transforms = common::extreme_transforms();
    let indices: Vec<usize> = (0..transforms.len()).map(|k| (k * 2_777 + n - 1) % n).collect();
    assert!(indices.iter().any(|&i| i < n / 2) && indices.iter().any(|&i| i >= n / 2));
    for (mean, device) in [(data.pixel_mean(), device.clone().autodiff()), (Vec::new(), device.clone())] {
        let images = DeviceImages::new(&data.train, &mean, &device).expect("uploads");
        let (batch, labels) = images.batch(&indices, &transforms, &device);
        let got: Vec<f32> = batch.into_data_async().await.expect("read back").iter::<f32>().collect();
        let mut expected = Vec::new();
        assemble(&data.train, &indices, &transforms, &mean, &mut expected);
        assert_eq!(got.len(), expected.len());
        let differing = got.iter().zip(&expected).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differing, 0, "{differing} values differ from the CPU reference (mean: {})", !mean.is_empty());
        let labels: Vec<i64> = labels.into_data_async().await.expect("read back").iter::<i64>().collect();
        let truth: Vec<i64> = indices.iter().map(|&i| data.train.labels[i] as i64).collect();
        assert_eq!(labels, truth);
    }
    // The first third of the uploaded set with its own mean (`prefix`: the same buffers, another
    // table), as a run on part of prepared data takes it.
    let images = DeviceImages::new(&data.train, &data.pixel_mean(), &device).expect("uploads");
    let part = data.train.truncated(n / 3);
    let part_mean = resnet_webgpu::data::pixel_mean(&part);
    let few: Vec<usize> = indices.iter().map(|&i| i % (n / 3)).collect();
    let (batch, labels) = images.prefix(n / 3, &part_mean).expect("a view").batch(&few, &transforms, &device);
    let got: Vec<f32> = batch.into_data_async().await.expect("read back").iter::<f32>().collect();
    let mut expected = Vec::new();
    assemble(&part, &few, &transforms, &part_mean, &mut expected);
    let differing = got.iter().zip(&expected).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
    assert_eq!((got.len(), differing), (expected.len(), 0), "a prefix with its own mean");
    let labels: Vec<i64> = labels.into_data_async().await.expect("read back").iter::<i64>().collect();
    assert_eq!(labels, few.iter().map(|&i| part.labels[i] as i64).collect::<Vec<i64>>());
}

/// Output, and the gradients of `sum(output · probe)` for the input, the kernel and the bias, of
/// one convolution `case` of tests/common by `route` on `device`, read back asynchronously.
async fn convolution(case: (usize, usize, usize, usize, usize), route: ConvRoute, device: &Device) -> [Vec<f32>; 4] {
    let (c, f, k, s, side) = case;
    let device = device.clone().autodiff();
    let tensor = |shape: [usize; 4], seed| Tensor::<4>::from_data(TensorData::new(common::conv_values(shape, seed), shape), &device);
    let x = tensor([3, c, side, side], 1).require_grad();
    let w = tensor([f, c, k, k], 3).require_grad();
    let b = Tensor::<1>::from_data(TensorData::new((0..f).map(|i| i as f32 * 0.1).collect::<Vec<f32>>(), [f]), &device).require_grad();
    let y = route.own_kernel(&x, &w, &b, s).expect("the route's kernel takes these tensors");
    let probe = tensor(y.dims(), 2);
    let grads = (y.clone() * probe).sum().backward();
    let read = |data: TensorData| data.iter::<f32>().collect::<Vec<f32>>();
    [
        read(y.inner().into_data_async().await.expect("read back")),
        read(x.grad(&grads).expect("input gradient").into_data_async().await.expect("read back")),
        read(w.grad(&grads).expect("kernel gradient").into_data_async().await.expect("read back")),
        read(b.grad(&grads).expect("bias gradient").into_data_async().await.expect("read back")),
    ]
}

/// `shaders/conv.wgsl` on WebGPU against our CPU kernel (itself tested natively against burn's
/// `conv2d`) in the same browser: output, input, kernel and bias gradients, for every kind of
/// convolution in the nets.
#[wasm_bindgen_test]
async fn wgsl_convolution_matches_the_cpu_on_webgpu() {
    let (device, _) = webgpu().await;
    for case in common::CONV_CASES {
        let expected = convolution(case, ConvRoute::Cpu, &Device::flex()).await;
        let got = convolution(case, ConvRoute::Wgsl, &device).await;
        for (name, (e, g)) in ["output", "input gradient", "kernel gradient", "bias gradient"].iter().zip(expected.iter().zip(&got)) {
            common::assert_close(&format!("{case:?} {name}"), e, g);
        }
    }
}

/// Output, and the gradients of `sum(y · probe)` for the input, γ and β, of one batch
/// normalisation `case` of tests/common by our kernels on `device`, read back asynchronously;
/// with `shortcut`, of a v1 block's end `relu(norm(x) + shortcut)`, and the shortcut's gradient.
async fn batch_norm(case: ([usize; 4], f32, bool), shortcut: bool, device: &Device) -> Vec<Vec<f32>> {
    use resnet_webgpu::batch_norm::{Norm, batch_norm_add_relu_train, batch_norm_train};
    let (shape, shift, relu) = case;
    let device = device.clone().autodiff();
    let c = shape[1];
    let values = |seed: u64, shift: f32| common::conv_values(shape, seed).iter().map(|v| v * 2.0 + shift).collect::<Vec<f32>>();
    let x = Tensor::<4>::from_data(TensorData::new(values(1, shift), shape), &device).require_grad();
    let s = Tensor::<4>::from_data(TensorData::new(values(3, 0.0), shape), &device).require_grad();
    let row = |f: fn(usize) -> f32| Tensor::<1>::from_data(TensorData::new((0..c).map(f).collect::<Vec<f32>>(), [c]), &device).require_grad();
    let gamma = row(|i| 0.5 + 0.25 * (i % 7) as f32 - 0.7 * (i % 2) as f32);
    let beta = row(|i| 0.1 * (i % 5) as f32 - 0.2);
    let (y, _, _) = if shortcut {
        batch_norm_add_relu_train(1e-3, &x, &gamma, &beta, &s)
    } else {
        batch_norm_train(Norm { epsilon: 1e-3, relu }, &x, &gamma, &beta)
    }
    .expect("our kernels take these tensors");
    let probe = Tensor::<4>::from_data(TensorData::new(common::conv_values(shape, 2), shape), &device);
    let grads = (y.clone() * probe).sum().backward();
    let mut tensors = vec![
        y.inner().flatten::<1>(0, 3),
        x.grad(&grads).expect("input gradient").flatten::<1>(0, 3),
        gamma.grad(&grads).expect("γ gradient"),
        beta.grad(&grads).expect("β gradient"),
    ];
    if shortcut {
        tensors.push(s.grad(&grads).expect("shortcut gradient").flatten::<1>(0, 3));
    }
    read_all(tensors).await
}

/// `shaders/batch_norm.wgsl` on WebGPU against our CPU kernels (themselves tested natively
/// against burn's `BatchNorm` and ReLU, and at a block's end its sum and ReLU) in the same
/// browser: output, input, γ and β gradients (and the shortcut's).
#[wasm_bindgen_test]
async fn wgsl_batch_norm_matches_the_cpu_on_webgpu() {
    let (device, _) = webgpu().await;
    for shortcut in [false, true] {
        for case in common::BATCH_NORM_CASES {
            let expected = batch_norm(case, shortcut, &Device::flex()).await;
            let got = batch_norm(case, shortcut, &device).await;
            assert_eq!(expected.len(), got.len());
            for (name, (e, g)) in ["output", "input gradient", "γ gradient", "β gradient", "shortcut gradient"].iter().zip(expected.iter().zip(&got)) {
                common::assert_close(&format!("{case:?}, shortcut {shortcut}: {name}"), e, g);
            }
        }
    }
}

/// Tensors read back asynchronously, as f32 values.
async fn read_all(tensors: Vec<Tensor<1>>) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for t in tensors {
        out.push(t.into_data_async().await.expect("read back").iter::<f32>().collect());
    }
    out
}

/// `shaders/adam.wgsl` on WebGPU against the same update from burn's tensor operations on the CPU
/// backend in the same browser: weights and both moments after each of three steps.
#[wasm_bindgen_test]
async fn wgsl_adam_matches_tensor_operations_on_webgpu() {
    let (device, _) = webgpu().await;
    for count in common::ADAM_COUNTS {
        let got = read_all(common::adam_steps(count, true, &device)).await;
        let expected = read_all(common::adam_steps(count, false, &Device::flex())).await;
        for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
            let what = ["weights", "first moment", "second moment"][k % 3];
            common::assert_close_each(&format!("{count} values, step {}, {what}", k / 3 + 1), e, g);
        }
    }
}

/// `shaders/adam.wgsl`'s `adam_pairs` on WebGPU (two parameters a dispatch, in place) against
/// burn's tensor operations on the CPU backend in the same browser, and against its one-parameter
/// entry point on WebGPU: five parameters after three steps.
#[wasm_bindgen_test]
async fn wgsl_adam_in_place_two_a_dispatch_on_webgpu() {
    use common::AdamWay;
    let (device, _) = webgpu().await;
    let got = read_all(common::adam_five_steps(AdamWay::Pairs, &device)).await;
    let kernel = read_all(common::adam_five_steps(AdamWay::Kernel, &device)).await;
    let expected = read_all(common::adam_five_steps(AdamWay::TensorOps, &Device::flex())).await;
    assert_eq!(got.len(), 15);
    for (k, ((e, g), one)) in expected.iter().zip(&got).zip(&kernel).enumerate() {
        let what = format!("parameter {}, {}", k / 3, ["weights", "first moment", "second moment"][k % 3]);
        common::assert_close_each(&what, e, g);
        common::assert_close_each(&format!("{what} vs the one-parameter kernel"), one, g);
    }
}

/// `shaders/residual.wgsl` on WebGPU against burn's addition and ReLU on the CPU backend in the
/// same browser: ReLU(shortcut + y) and both gradients, with gradient checkpointing.
#[wasm_bindgen_test]
async fn wgsl_residual_sum_matches_the_cpu_on_webgpu() {
    let (device, _) = webgpu().await;
    for shape in common::RESIDUAL_SHAPES {
        let got = read_all(common::residual_run(shape, true, &device.clone().autodiff().gradient_checkpointing()).map(|t| t.flatten::<1>(0, 3)).to_vec()).await;
        let cpu = Device::flex().autodiff().gradient_checkpointing();
        let expected = read_all(common::residual_run(shape, false, &cpu).map(|t| t.flatten::<1>(0, 3)).to_vec()).await;
        for (name, (e, g)) in ["output", "shortcut's gradient", "y's gradient"].iter().zip(expected.iter().zip(&got)) {
            common::assert_close(&format!("{shape:?} {name}"), e, g);
        }
    }
}

/// `shaders/penalty.wgsl` on WebGPU against burn's tensor operations on the CPU backend in the
/// same browser: a loss plus the L2 penalty of 1, 6, 7 and 14 weight tensors.
#[wasm_bindgen_test]
async fn wgsl_penalty_matches_the_cpu_on_webgpu() {
    use resnet_webgpu::penalty;
    let (device, _) = webgpu().await;
    let loss = |device: &Device| Tensor::<1>::from_data(TensorData::new(vec![2.302_585_f32], [1]), device);
    for count in [1, 6, 7, 14] {
        let weights = common::penalty_weights(&device)[..count].to_vec();
        let cpu = common::penalty_weights(&Device::flex())[..count].to_vec();
        let got = penalty::gpu::penalised(&loss(&device), &weights, 1e-4).expect("WebGPU tensors");
        let expected = penalty::by_tensor_ops(loss(&Device::flex()), &cpu, 1e-4);
        let [got, expected]: [f32; 2] = read_all(vec![got, expected]).await.iter().map(|v| v[0]).collect::<Vec<_>>().try_into().expect("two values");
        assert!(expected > 2.302_585, "{count} tensors: the penalty is there");
        assert!((got - expected).abs() <= 2e-6 * expected, "{count} tensors: the reference {expected} vs {got}");
    }
}

/// `shaders/cross_entropy.wgsl` on WebGPU against burn's `CrossEntropyLoss` and argmax on the CPU
/// backend in the same browser: the loss, the count of correct rows, the logits' gradient.
#[wasm_bindgen_test]
async fn wgsl_loss_matches_the_cpu_on_webgpu() {
    let (device, _) = webgpu().await;
    for (rows, scale) in common::LOSS_CASES {
        let (loss, correct, grad) = common::loss_run(rows, scale, true, &device.clone().autodiff().gradient_checkpointing());
        let (e_loss, e_correct, e_grad) = common::loss_run(rows, scale, false, &Device::flex().autodiff());
        let got = read_all(vec![loss, correct.float(), grad.flatten::<1>(0, 1)]).await;
        let expected = read_all(vec![e_loss, e_correct.float(), e_grad.flatten::<1>(0, 1)]).await;
        let what = format!("{rows} rows × {scale}");
        assert!((expected[0][0] - got[0][0]).abs() <= 2e-6 * expected[0][0].abs().max(1.0), "{what}: loss {:?} vs {:?}", expected[0], got[0]);
        assert_eq!(expected[1], got[1], "{what}: correct");
        let largest = expected[2].iter().fold(0f32, |m, v| m.max(v.abs()));
        for (i, (e, g)) in expected[2].iter().zip(&got[2]).enumerate() {
            assert!((e - g).abs() <= 1e-5 * largest, "{what}: gradient[{i}] {e} vs {g}");
        }
    }
}

/// `shaders/batch_norm.wgsl`'s `statistics_running` on WebGPU: a batch norm layer's running mean
/// and variance after a training step against burn's tensor operations on the CPU backend in the
/// same browser.
#[wasm_bindgen_test]
async fn wgsl_running_statistics_match_the_cpu_on_webgpu() {
    use burn::nn::BatchNormConfig;
    let (device, _) = webgpu().await;
    let shape = [4, 16, 8, 8];
    let step = |device: Device| {
        let bn = BatchNormConfig::new(16).with_momentum(0.01).with_epsilon(1e-3).init(&device);
        let x: Vec<f32> = common::conv_values(shape, 1).iter().map(|v| v * 2.0 + 3.0).collect();
        let x = Tensor::<4>::from_data(TensorData::new(x, shape), &device).require_grad();
        let _ = resnet_webgpu::batch_norm::forward(&bn, x, true);
        vec![bn.running_mean.value_sync().inner(), bn.running_var.value_sync().inner()]
    };
    let got = read_all(step(device.clone().autodiff())).await;
    let expected = read_all(step(Device::flex().autodiff())).await;
    for (name, (e, g)) in ["running mean", "running variance"].iter().zip(expected.iter().zip(&got)) {
        // Moved from the initial zeros and ones.
        assert!(e.iter().all(|v| *v != 0.0 && *v != 1.0), "{name}: {e:?}");
        common::assert_close_each(name, e, g);
    }
}

/// burn's wgpu backend cannot run in a browser without `timestamp-query` (cubecl-wgpu panics
/// setting up its first stream), so the worker looks at the device burn set up before its first
/// operation: Chromium's has it; a feature set that lacks it, or is empty, is told apart.
#[wasm_bindgen_test]
async fn adapters_without_timestamp_queries_are_told_apart() {
    webgpu().await;
    let features = HANDLES.with_borrow(|h| h.as_ref().expect("burn's device").0.features());
    assert!(has_timestamp_queries(features), "Chromium's adapter offers timestamp-query: {features:?}");
    assert!(!has_timestamp_queries(wgpu::Features::SHADER_F16));
    assert!(has_timestamp_queries(wgpu::Features::SHADER_F16 | wgpu::Features::TIMESTAMP_QUERY));
    assert!(!has_timestamp_queries(wgpu::Features::empty()));
}

/// The page's kernel profile (`?kernels=1`): a recording of three convolutions' forward and
/// backward passes (one with stride 2, run by shaders/conv.wgsl; one 3×3 with stride 1, run by
/// shaders/conv_patch.wgsl and conv_patch_kernel.wgsl; one 1×1 with stride 1, run by
/// shaders/conv_point.wgsl) names each of our nine kernels,
/// each timed on the device's clock (timestamp queries), and no launch without a measurement.
#[wasm_bindgen_test]
async fn a_recording_times_each_kernel_on_the_device() {
    let (device, _) = webgpu().await;
    let cases = [common::CONV_CASES[2], common::CONV_CASES[1], common::CONV_CASES[7]];
    // One run first, so that the recording holds launches only, not compilations.
    for case in cases {
        convolution(case, ConvRoute::Wgsl, &device).await;
    }
    let recording = Recording::start();
    for case in cases {
        convolution(case, ConvRoute::Wgsl, &device).await;
    }
    let (profile, unmeasured) = recording.finish().await;
    web_sys::console::log_1(&profile.table(1, 10).into());
    assert_eq!(unmeasured, 0);
    let kernels = [("ConvForward", 1), ("ConvInputGradient", 1), ("ConvKernelGradient", 1), ("ConvPatchForward", 1), ("ConvPatchInputGradient", 1),
        ("ConvPatchKernelGradient", 1), ("ConvPointForward", 1), ("ConvPointInputGradient", 1), ("ConvPointKernelGradient", 1)];
    for (kernel, dispatches) in kernels {
        let row = profile.rows.iter().find(|r| r.name == kernel).unwrap_or_else(|| panic!("{kernel} in {profile:?}"));
        assert_eq!(row.dispatches, dispatches, "{row:?}");
        assert!(row.seconds > 0.0 && row.seconds < 10.0, "{row:?}");
    }
}

/// Where a WebGPU step's time goes: wall time against the device's own clock (timestamp
/// queries), printed for BENCHMARKS.md; the batches come from the GPU input pipeline. Nothing
/// about time is asserted.
#[wasm_bindgen_test]
async fn a_webgpu_step_timed_on_the_wall_and_on_the_device() {
    let (device, name) = webgpu().await;
    let train_device = device.clone().autodiff();
    let data = Cifar10::from_bytes(ARCHIVE).expect("parses");
    let mean = data.pixel_mean();
    let images = DeviceImages::new(&data.train, &mean, &train_device).expect("uploads");
    let mut learner = Learner::new(&TrainConfig::default(), &train_device).expect("model");
    for step in 0..3 {
        let indices: Vec<usize> = (step * 8..step * 8 + 8).collect();
        let (batch, labels) = images.batch(&indices, &[], &train_device);
        let timing = timed_step(&mut learner, batch, labels, 1e-3, &train_device).await.expect("step");
        web_sys::console::log_1(
            &format!(
                "{name}: ResNet20 v1, batch 8, step {step}: wall {:.3} s, device {:?} s ({})",
                timing.wall_s,
                timing.device_s,
                if timing.device_clock { "timestamp queries" } else { "host clock" }
            )
            .into(),
        );
        assert!(timing.loss.is_finite(), "{timing:?}");
    }
    let cost = dispatch_cost(&device, 500).await.expect("dispatches");
    web_sys::console::log_1(
        &format!(
            "{name}: one small dispatch: wall {:.6} s, device {:?} s, launch returned after {:.6} s",
            cost.wall_s, cost.device_s, cost.enqueued_s
        )
        .into(),
    );
    assert_eq!(cost.sum, 8.0 * 500.0);
}

/// The module's static constructors (cubecl's IR registrations) run once, not at every call from
/// JS into the module: re-running them cost 2.3 ms per GPU dispatch (BENCHMARKS.md).
#[wasm_bindgen_test]
async fn static_constructors_run_once() {
    resnet_webgpu::web::run_static_constructors();
    assert_eq!(resnet_webgpu::web::constructor_runs(), 1);
    // Calls into the module from JS: timer callbacks, promise resolutions, a GPU read.
    for _ in 0..3 {
        resnet_webgpu::web::sleep_ms(1).await;
    }
    let (device, _) = webgpu().await;
    let x = Tensor::<1>::from_floats([1.0, 2.0], &device);
    x.into_data_async().await.expect("read back");
    assert_eq!(resnet_webgpu::web::constructor_runs(), 1, "static constructors ran again");
}
