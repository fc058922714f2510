//! The GEMM convolutions (src/conv.rs) against burn's own `conv2d`, forward and backward (data,
//! weight and bias gradients), on the CPU backend and natively on wgpu (lavapipe where there is
//! no GPU), for every kind of convolution the nets have.
#![cfg(not(target_arch = "wasm32"))]

use burn::module::Param;
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use resnet_webgpu::conv::{ConvRoute, conv2d_gemm_chunked, same_padding};
use resnet_webgpu::model::ResnetLayerConfig;

mod common;

/// Every kind of convolution the nets have (tests/common).
const CASES: [(usize, usize, usize, usize, usize); 8] = common::CONV_CASES;

/// Images per test batch: more than one of the CPU kernel's groups (`cpu::GROUP`), the last
/// one partly filled.
const BATCH: usize = 6;

/// The same pseudo-random values on every device.
fn host_tensor(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(common::conv_values(shape, seed), shape), device)
}

/// Output, and the gradients of `sum(output · probe)` for the input, the kernel and the bias.
fn run(case: (usize, usize, usize, usize, usize), route: ConvRoute, device: &Device, chunk_bytes: Option<usize>) -> [Vec<f32>; 4] {
    run_with(case, BATCH, route, device, chunk_bytes)
}

/// [`run`] with `batch` images.
fn run_batch(case: (usize, usize, usize, usize, usize), batch: usize, route: ConvRoute, device: &Device) -> [Vec<f32>; 4] {
    run_with(case, batch, route, device, None)
}

fn run_with(case: (usize, usize, usize, usize, usize), batch: usize, route: ConvRoute, device: &Device, chunk_bytes: Option<usize>) -> [Vec<f32>; 4] {
    let (c, f, k, s, side) = case;
    let device = device.clone().autodiff();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut layer = ResnetLayerConfig::new(c, f)
        .with_kernel(k)
        .with_stride(s)
        .with_relu(false)
        .with_batch_norm(false)
        .init(&mut rng, &device);
    layer.route = route;
    // A non-zero bias, so that its gradient and its broadcast are both checked.
    layer.conv.bias = Some(Param::from_tensor(Tensor::full([f], 0.25, &device)));
    let x = host_tensor([batch, c, side, side], 1, &device).require_grad();
    let y = match chunk_bytes {
        Some(bytes) => conv2d_gemm_chunked(
            x.clone(),
            layer.conv.weight.val(),
            layer.conv.bias.as_ref().map(|b| b.val()),
            s,
            bytes,
        ),
        None => layer.forward(x.clone()),
    };
    let out = side.div_ceil(s);
    assert_eq!(y.dims(), [batch, f, out, out]);
    let probe = host_tensor(y.dims(), 2, &device);
    let grads = (y.clone() * probe).sum().backward();
    let values = |t: Tensor<4>| t.into_data().iter::<f32>().collect::<Vec<f32>>();
    [
        values(y.inner()),
        values(x.grad(&grads).expect("input gradient")),
        values(layer.conv.weight.grad(&grads).expect("kernel gradient")),
        layer.conv.bias.as_ref().expect("bias").grad(&grads).expect("bias gradient").into_data().iter::<f32>().collect(),
    ]
}

fn assert_close(what: &str, expected: &[f32], got: &[f32]) {
    common::assert_close(what, expected, got);
}

fn check(device: &Device, reference_device: &Device) {
    check_route(ConvRoute::Gemm, device, reference_device);
}

fn check_route(route: ConvRoute, device: &Device, reference_device: &Device) {
    for case in CASES {
        let expected = run(case, ConvRoute::Backend, reference_device, None);
        let got = run(case, route, device, None);
        for (name, (e, g)) in ["output", "input gradient", "kernel gradient", "bias gradient"].iter().zip(expected.iter().zip(&got)) {
            assert_close(&format!("{case:?} {name}"), e, g);
        }
    }
}

#[test]
fn gemm_matches_burns_conv2d_on_the_cpu_backend() {
    check(&Device::flex(), &Device::flex());
}

#[test]
fn the_cpu_kernel_matches_burns_conv2d() {
    assert_eq!(resnet_webgpu::conv::cpu::GROUP, 4, "BATCH is chosen for groups of 4");
    check_route(ConvRoute::Cpu, &Device::flex(), &Device::flex());
}

/// One of our kernels (`conv2d` of `resnet_webgpu::conv::cpu` or `gpu`).
type OwnConv = fn(&Tensor<4>, &Tensor<4>, &Tensor<1>, usize) -> Option<Tensor<4>>;

/// `conv` on tensors of `plain` gives the same output in every autodiff context (both
/// checkpointing strategies; input and kernel tracked, or the input a constant of a tracked
/// kernel, as a batch from the host is), with the kernel's gradient, and refuses the tensors of
/// `other` (another backend) and a rectangular kernel.
fn check_contexts(conv: OwnConv, plain: &Device, other: &Device) {
    use burn::backend::GradientCheckpointingStrategy;
    let x = host_tensor([2, 3, 5, 5], 1, plain);
    let w = host_tensor([4, 3, 3, 3], 2, plain);
    let b = Tensor::<1>::zeros([4], plain);
    let reference = conv(&x, &w, &b, 1).expect("plain tensors").into_data();
    let tracked = |t: &Tensor<4>, s| t.clone().autodiff().with_gradient_checkpointing_strategy(s);
    for strategy in [GradientCheckpointingStrategy::Balanced, GradientCheckpointingStrategy::Disabled] {
        for (x, w) in [(tracked(&x, strategy), tracked(&w, strategy).require_grad()), (x.clone(), tracked(&w, strategy).require_grad())] {
            let y = conv(&x, &w, &b, 1).expect("tensors of the kernel's backend");
            assert_eq!(y.gradient_checkpointing_strategy(), Some(strategy));
            y.clone().inner().into_data().assert_approx_eq::<f32>(&reference, burn::tensor::Tolerance::absolute(1e-6));
            let grads = y.sum().backward();
            assert!(w.grad(&grads).is_some(), "the kernel's gradient");
        }
    }
    let on_other = (host_tensor([2, 3, 5, 5], 1, other), host_tensor([4, 3, 3, 3], 2, other), Tensor::<1>::zeros([4], other));
    assert!(conv(&on_other.0, &on_other.1, &on_other.2, 1).is_none());
    // A rectangular kernel is not ours: burn's conv2d takes it.
    assert!(conv(&x, &host_tensor([4, 3, 3, 1], 2, plain), &b, 1).is_none());
}

#[test]
fn the_cpu_kernel_takes_every_autodiff_context_and_only_the_cpu_backend() {
    use resnet_webgpu::conv::cpu;
    let (plain, gpu) = (Device::flex(), Device::wgpu(DeviceKind::DefaultDevice));
    check_contexts(cpu::conv2d, &plain, &gpu);
    assert!(cpu::supports(&plain) && cpu::supports(&plain.clone().autodiff()));
    assert!(!cpu::supports(&gpu));
}

#[test]
fn gemm_on_wgpu_matches_burns_conv2d_on_wgpu_and_on_the_cpu() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    check(&gpu, &gpu);
    check(&gpu, &Device::flex());
}

#[test]
fn the_wgsl_kernels_match_burns_conv2d_on_wgpu_and_on_the_cpu() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    check_route(ConvRoute::Wgsl, &gpu, &Device::flex());
}

/// Layers as the nets have them, large enough for several tiles along the rows (64 and 128
/// filters: tiles of 64 rows), columns past one tile, and a kernel gradient split into several
/// partial sums: the WGSL kernels against burn's `conv2d` on the CPU backend.
#[test]
fn the_wgsl_kernels_match_on_full_size_layers() {
    use resnet_webgpu::conv::gpu;
    use resnet_webgpu::conv::op::Geometry;
    let gpu_device = Device::wgpu(DeviceKind::DefaultDevice);
    // (channels, filters, kernel, stride, side), batch 4: 16×16 maps give 4 × 256 output pixels.
    // The input gradient's phases: on odd maps a phase has a row and a column fewer; a 1×1
    // kernel with stride 2, and a 3×3 one with stride 4, leave phases that no tap reads (their
    // gradient is zero). The 3×3 stride-1 layers run shaders/conv_patch.wgsl forward and for the
    // input gradient: tiles of 8 output rows of 16 (one chunk of channels… four), of 4 rows of
    // 32 (eight tiles per image, 24 filters: a tile of 32 rows part empty, two chunks), and 128
    // filters on 8×8 maps (two tiles of 64 rows, sixteen chunks); and shaders/conv_patch_kernel.wgsl
    // their kernel gradient (8 channels in a tile of 8; 64 in four tiles of 16). The 1×1
    // stride-1 layers run shaders/conv_point.wgsl for the three products: 128 filters on 8×8 maps
    // (a tile of 64 pixels per image, two of 64 rows, four steps of channels), 16 → 48 on 32×32
    // (eight tiles of 128 pixels per image, a tile of 64 rows part empty; the input gradient three
    // steps of 16 filters), and 24 → 16 on 12×12 (two tiles of 128 pixels, the second part empty;
    // two steps of channels, the second half empty); their kernel gradients in steps of 16 pixels
    // (a 32-channel tile of 24, the 12×12 planes nine steps each).
    let cases = [(32, 64, 3, 2, 16), (64, 128, 1, 1, 8), (16, 16, 3, 1, 16), (16, 32, 1, 2, 9), (8, 8, 3, 4, 11), (8, 24, 3, 1, 32), (64, 128, 3, 1, 8),
        (16, 48, 1, 1, 32), (24, 16, 1, 1, 12)];
    for case in cases {
        let (c, f, k, s, side) = case;
        let g = Geometry::new([4, c, side, side], [f, c, k, k], s);
        let expected = run_batch(case, 4, ConvRoute::Backend, &Device::flex());
        let got = run_batch(case, 4, ConvRoute::Wgsl, &gpu_device);
        for (name, (e, g)) in ["output", "input gradient", "kernel gradient", "bias gradient"].iter().zip(expected.iter().zip(&got)) {
            assert_close(&format!("{case:?} {name}"), e, g);
        }
        assert!(gpu::fits(&g));
    }
    // The bias gradient's sums split over the batch (shaders/conv_sums.wgsl): 9 images of 32×32
    // in slices of 5 and 4 images; ResNet20's first stage at batch 128 in 16 slices of 8; small
    // batches in one slice.
    use resnet_webgpu::conv::sums::bias_split;
    assert_eq!([bias_split(9, 24, 1024), bias_split(128, 16, 1024), bias_split(4, 16, 1024), bias_split(512, 64, 64)], [(5, 2), (8, 16), (4, 1), (128, 4)]);
    let case = (8, 24, 3, 1, 32);
    let expected = run_batch(case, 9, ConvRoute::Backend, &Device::flex());
    let got = run_batch(case, 9, ConvRoute::Wgsl, &gpu_device);
    for (name, (e, g)) in ["output", "input gradient", "kernel gradient", "bias gradient"].iter().zip(expected.iter().zip(&got)) {
        assert_close(&format!("{case:?} at batch 9 {name}"), e, g);
    }
    // The tile's columns pad least: the kernel gradient's 144 taps of a 16-channel 3×3 layer
    // (16 filters) take one tile of 160; 288 (32 filters) two of 144; 576 (64 filters) four of
    // 144; a 3-channel layer's 27 one of 64 (the least with 16 invocations at 16 rows); the long
    // products 128.
    let tiles = [(144, 16), (288, 32), (576, 64), (27, 16), (1024, 16), (131_072, 64)];
    assert_eq!(tiles.map(|(n, tm)| gpu::tile_columns(n, gpu::tile_rows(tm))), [160, 144, 144, 64, 128, 128]);
    // The left-hand slice's stagers: all 16 of a 16 × 64 tile's invocations; 32 of the 40 of
    // 16 × 160; 64 of 32 × 144's 72; 128 of 64 × 128's 128.
    assert_eq!([(16, 64), (16, 160), (32, 144), (64, 128)].map(|(tm, tn)| gpu::groups(tm, tn)), [1, 2, 4, 8]);
    // shaders/conv_patch.wgsl's tiles: whole output rows, at most 128 columns, a divisor of the
    // height; none for other kernels, strides, or widths that are not a multiple of 8.
    let lines = |[c, side]: [usize; 2], k: usize, s: usize| gpu::patch_lines(&Geometry::new([4, c, side, side], [16, c, k, k], s));
    assert_eq!([[16, 32], [32, 16], [64, 8], [3, 24], [16, 128]].map(|shape| lines(shape, 3, 1)), [Some(4), Some(8), Some(8), Some(4), Some(1)]);
    assert_eq!([lines([16, 7], 3, 1), lines([16, 256], 3, 1), lines([16, 32], 1, 1), lines([16, 32], 3, 2)], [None; 4]);
    // shaders/conv_patch_kernel.wgsl's tiles (channels, output rows per step), for tiles of 16,
    // 32 and 64 filters: what fits 15 KiB of workgroup memory.
    let kernel_tile = |[c, side]: [usize; 2], tm: u32| gpu::patch_kernel_tile(&Geometry::new([4, c, side, side], [16, c, 3, 3], 1), tm);
    let shapes = [([16, 32], 16), ([3, 32], 16), ([32, 16], 32), ([64, 8], 64), ([8, 16], 16), ([16, 7], 16)];
    assert_eq!(shapes.map(|(shape, tm)| kernel_tile(shape, tm)), [Some((16, 2)), Some((4, 4)), Some((16, 4)), Some((16, 4)), Some((8, 8)), None]);
    // shaders/conv_point.wgsl's tiles: 64 pixels up to 8×8 maps, 128 above; none for other
    // kernels or strides.
    let point = |side: usize, k: usize, s: usize| gpu::point_columns(&Geometry::new([4, 16, side, side], [16, 16, k, k], s));
    assert_eq!([point(32, 1, 1), point(16, 1, 1), point(12, 1, 1), point(8, 1, 1), point(5, 1, 1)], [Some(128), Some(128), Some(128), Some(64), Some(64)]);
    assert_eq!([point(32, 1, 2), point(32, 3, 1)], [None, None]);
    // Its kernel gradient where the plane is a multiple of 16 pixels.
    let point_kernel = |side: usize| gpu::point_kernel(&Geometry::new([4, 16, side, side], [16, 16, 1, 1], 1));
    assert_eq!([32, 12, 8, 4, 6, 5].map(point_kernel), [true, true, true, true, false, false]);
    // The input gradient's phases are masks and shifts by the stride: a stride of 3 is left to
    // burn's conv2d.
    assert!(!gpu::fits(&Geometry::new([4, 16, 15, 15], [16, 16, 3, 3], 3)));
    // 16×16 at batch 4 is 1,024 output pixels per filter: one slice; at 256 images, 64.
    assert_eq!(gpu::split(4 * 256, 3), (1024, 1));
    assert_eq!(gpu::split(128 * 1024, 3), (1024, 128));
    assert_eq!(gpu::split(100, 1), (1024, 1));
}

#[test]
fn the_wgsl_kernels_take_every_autodiff_context_and_only_wgpu() {
    use resnet_webgpu::conv::gpu;
    let (plain, flex) = (Device::wgpu(DeviceKind::DefaultDevice), Device::flex());
    check_contexts(gpu::conv2d, &plain, &flex);
    assert!(gpu::supports(&plain) && gpu::supports(&plain.clone().autodiff()));
    assert!(!gpu::supports(&flex));
}

#[test]
fn batches_split_into_chunks_give_the_same_result() {
    // 16 channels × 9 × 16 outputs × 4 bytes = 9,216 bytes per image: 10,000 puts one image in
    // each chunk, 20,000 two and one.
    let case = (16, 32, 3, 2, 8);
    let whole = run(case, ConvRoute::Gemm, &Device::flex(), None);
    for bytes in [10_000, 20_000] {
        let chunked = run(case, ConvRoute::Gemm, &Device::flex(), Some(bytes));
        for (e, g) in whole.iter().zip(&chunked) {
            assert_close(&format!("chunks of {bytes} bytes"), e, g);
        }
    }
}

#[test]
fn same_padding_is_tensorflows() {
    // 3×3 stride 2 on 32: 16 outputs, one row of zeros at the bottom only (TensorFlow).
    assert_eq!(same_padding(32, 3, 2), (0, 1, 16));
    assert_eq!(same_padding(32, 3, 1), (1, 1, 32));
    assert_eq!(same_padding(7, 3, 2), (1, 1, 4));
    assert_eq!(same_padding(32, 1, 2), (0, 0, 16));
    assert_eq!(same_padding(8, 1, 1), (0, 0, 8));
}

#[test]
fn routes_parse_and_resolve_by_device() {
    assert_eq!("gemm".parse::<ConvRoute>(), Ok(ConvRoute::Gemm));
    assert_eq!(" Backend ".parse::<ConvRoute>(), Ok(ConvRoute::Backend));
    assert!("winograd".parse::<ConvRoute>().unwrap_err().contains("gemm"));
    assert_eq!("CPU".parse::<ConvRoute>(), Ok(ConvRoute::Cpu));
    assert_eq!("wgsl".parse::<ConvRoute>(), Ok(ConvRoute::Wgsl));
    // The measured choice (BENCHMARKS.md): our own kernel on the CPU backend.
    assert_eq!(ConvRoute::Auto.resolve(&Device::flex()), ConvRoute::Cpu);
    assert_eq!(ConvRoute::Auto.resolve(&Device::flex().autodiff()), ConvRoute::Cpu);
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    // The measured choice (BENCHMARKS.md): our own WGSL kernels on wgpu.
    assert_eq!(ConvRoute::Auto.resolve(&gpu), ConvRoute::Wgsl);
    assert_eq!(ConvRoute::Gemm.resolve(&gpu.clone().autodiff()), ConvRoute::Gemm);
}
