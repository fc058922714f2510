//! The wgpu backend natively (Mesa lavapipe on a machine without a GPU): the same weights give
//! the same outputs as the CPU backend, and training steps run and stay finite.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::wgpu::wgpu;
use resnet_webgpu::augment::{Transform, assemble};
use resnet_webgpu::data::{Cifar10, IMAGE_BYTES};
use resnet_webgpu::peak::Matmul;
use resnet_webgpu::pipeline::{DeviceImages, PipelineError};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use resnet_webgpu::checkpoint::{load_safetensors, to_safetensors};
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::Learner;

mod common;

#[test]
fn wgpu_matches_the_cpu_backend_and_trains() {
    let cpu = Device::flex();
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let reference = ResNetConfig::from(ModelKind::RESNET20_V1).with_seed(5).init(&cpu).valid();
    let weights = to_safetensors(&reference).expect("saves");
    let mut on_gpu = ResNetConfig::from(ModelKind::RESNET20_V1).init(&gpu).valid();
    load_safetensors(&mut on_gpu, weights).expect("loads");

    let images = Tensor::<4>::random([4, 3, 32, 32], Distribution::Normal(0.0, 1.0), &cpu);
    let expected: Vec<f32> = reference.forward(images.clone()).into_data().iter::<f32>().collect();
    let got: Vec<f32> = on_gpu.forward(images.to_device(&gpu)).into_data().iter::<f32>().collect();
    for (a, b) in expected.iter().zip(&got) {
        assert!((a - b).abs() <= 1e-3 * (1.0 + a.abs()), "cpu {a} vs wgpu {b}");
    }

    let train_device = gpu.autodiff();
    let mut learner = Learner::new(&TrainConfig::default(), &train_device).expect("model");
    let images = Tensor::<4>::random([8, 3, 32, 32], Distribution::Normal(0.0, 1.0), &train_device);
    let labels = Tensor::<1, Int>::from_ints([0, 1, 2, 3, 4, 5, 6, 7], &train_device);
    let mut losses = Vec::new();
    for _ in 0..3 {
        let (loss, _) = learner.step(images.clone(), labels.clone(), 1e-3);
        losses.push(pollster::block_on(loss.into_scalar_async::<f32>()).expect("read back"));
    }
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[2] < losses[0], "the same batch thrice: the loss falls {losses:?}");
}

/// The WGSL matmul of `shaders/matmul.wgsl` (the peak benchmark) against burn's matmul on the
/// CPU backend, on a device of its own.
#[test]
fn matmul_kernel_matches_burns_matmul() {
    let instance = wgpu::Instance::default();
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        .expect("a wgpu adapter (lavapipe: apt install mesa-vulkan-drivers)");
    let (device, queue) =
        pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).expect("a device");
    let n = 192;
    let (a, b, expected) = common::matmul_case(n);
    let kernel = Matmul::new(&device);
    let got = pollster::block_on(kernel.multiply(&device, &queue, &a, &b, n)).expect("runs");
    assert_eq!(got.len(), expected.len());
    for (i, (x, y)) in got.iter().zip(&expected).enumerate() {
        assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "c[{i}]: kernel {x} vs burn {y}");
    }
    // A side that is not a multiple of the tile is refused, not miscomputed.
    assert!(pollster::block_on(kernel.multiply(&device, &queue, &[0.0; 100], &[0.0; 100], 10)).is_err());
}

/// The GPU input pipeline (`shaders/augment.wgsl`) against the CPU reference `assemble`: the same
/// indices and transforms give the same f32 bits, with and without the mean, for images of both
/// storage bindings, on a device with and without autodiff.
#[test]
fn gpu_input_pipeline_matches_the_cpu_reference_bit_for_bit() {
    let archive = std::fs::read(common::archive_path()).expect("the shared CIFAR-10 archive");
    let data = Cifar10::from_bytes(&archive).expect("parses");
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let mean = data.pixel_mean();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let n = data.train.len();
    // Both ends of the set (shard 0 and shard 1), and every extreme shift with and without flip.
    let mut indices: Vec<usize> = vec![0, 1, n / 2 - 1, n / 2, n - 1];
    let mut transforms = common::extreme_transforms();
    while indices.len() < transforms.len() + 13 {
        indices.push((indices.len() * 7919) % n);
    }
    while transforms.len() < indices.len() {
        transforms.push(Transform::sample(&mut rng, 4, true));
    }

    for (mean, device) in [(&mean[..], gpu.clone()), (&[][..], gpu.clone().autodiff())] {
        let images = DeviceImages::new(&data.train, mean, &device).expect("uploads");
        for transforms in [&transforms[..], &[][..]] {
            let (batch, labels) = images.batch(&indices, transforms, &device);
            assert_eq!(batch.dims(), [indices.len(), 3, 32, 32]);
            assert_eq!(batch.device(), device);
            let got: Vec<f32> = batch.into_data().iter::<f32>().collect();
            let mut expected = Vec::new();
            assemble(&data.train, &indices, transforms, mean, &mut expected);
            assert_eq!(got.len(), expected.len());
            for (i, (a, b)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "value {i} (image {}, {:?}): kernel {a} vs CPU {b}",
                    i / IMAGE_BYTES,
                    transforms.get(i / IMAGE_BYTES)
                );
            }
            let labels: Vec<i64> = labels.into_data().iter::<i64>().collect();
            let truth: Vec<i64> = indices.iter().map(|&i| data.train.labels[i] as i64).collect();
            assert_eq!(labels, truth);
        }
    }

    // The first third of the uploaded set with its own mean: the same buffers, another table.
    let images = DeviceImages::new(&data.train, &mean, &gpu).expect("uploads");
    let part = data.train.truncated(n / 3);
    let part_mean = resnet_webgpu::data::pixel_mean(&part);
    assert_ne!(part_mean, mean);
    let prefix = images.prefix(n / 3, &part_mean).expect("a view");
    assert_eq!((prefix.len(), images.len()), (n / 3, n));
    let few = [0, n / 3 - 1, 17, 400];
    let (batch, labels) = prefix.batch(&few, &transforms[..4], &gpu);
    let got: Vec<u32> = batch.into_data().iter::<f32>().map(f32::to_bits).collect();
    let mut expected = Vec::new();
    assemble(&part, &few, &transforms[..4], &part_mean, &mut expected);
    assert_eq!(got, expected.iter().map(|v| v.to_bits()).collect::<Vec<u32>>());
    let labels: Vec<i64> = labels.into_data().iter::<i64>().collect();
    assert_eq!(labels, few.iter().map(|&i| part.labels[i] as i64).collect::<Vec<i64>>());
    assert!(matches!(images.prefix(10, &mean[..5]), Err(PipelineError::Mean(5))));

    // What cannot be put on the device is refused with the reason.
    let too_small = DeviceImages::with_shard_bytes(&data.train, &mean, &gpu, 1000 * IMAGE_BYTES);
    assert!(matches!(too_small, Err(PipelineError::TooLarge { images: 5000, per_shard: 1000 })));
    assert!(matches!(DeviceImages::new(&data.train, &mean, &Device::flex()), Err(PipelineError::NotWgpu)));
    assert!(matches!(DeviceImages::new(&data.train, &mean[..5], &gpu), Err(PipelineError::Mean(5))));
}
