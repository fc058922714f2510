//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use burn::prelude::*;
use resnet_webgpu::augment::Transform;

/// The test archive: `$CIFAR10_ARCHIVE` (`./dev.sh test` sets it), else data/cifar-10-binary.tar.gz.
pub fn archive_path() -> PathBuf {
    match std::env::var_os("CIFAR10_ARCHIVE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/cifar-10-binary.tar.gz"),
    }
}

/// Every extreme shift of the recipe (±4 pixels and none, on each axis), with and without flip,
/// then one shift larger than the image (every pixel from the edge).
pub fn extreme_transforms() -> Vec<Transform> {
    let mut transforms = Vec::new();
    for dx in [-4, 0, 4] {
        for dy in [-4, 0, 4] {
            for flip in [false, true] {
                transforms.push(Transform { dx, dy, flip });
            }
        }
    }
    transforms.push(Transform { dx: 40, dy: -40, flip: true });
    transforms
}

/// Two n×n matrices for the WGSL matmul test, and their product by burn's matmul on the CPU
/// backend (the reference).
pub fn matmul_case(n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let a: Vec<f32> = (0..n * n).map(|i| (i * 37 % 101) as f32 / 50.0 - 1.0).collect();
    let b: Vec<f32> = (0..n * n).map(|i| (i * 53 % 97) as f32 / 48.0 - 1.0).collect();
    let cpu = Device::flex();
    let expected: Vec<f32> = Tensor::<2>::from_data(TensorData::new(a.clone(), [n, n]), &cpu)
        .matmul(Tensor::<2>::from_data(TensorData::new(b.clone(), [n, n]), &cpu))
        .into_data()
        .iter::<f32>()
        .collect();
    (a, b, expected)
}

/// `(channels in, filters, kernel, stride, side)`: the stem, 3×3 stride 1 and 2 on even and odd
/// sides (TensorFlow's "same" pads one more at the bottom and right), 1×1 projections and
/// bottleneck convolutions (planes of 36 and 25 pixels, and of 16, a multiple of the step of
/// shaders/conv_point.wgsl's kernel gradient): every kind of convolution the nets have, for the
/// convolution tests.
pub const CONV_CASES: [(usize, usize, usize, usize, usize); 8] = [
    (3, 16, 3, 1, 8),
    (16, 16, 3, 1, 8),
    (16, 32, 3, 2, 8),
    (8, 8, 3, 2, 7),
    (16, 32, 1, 2, 8),
    (16, 64, 1, 1, 6),
    (64, 16, 1, 1, 5),
    (16, 24, 1, 1, 4),
];

/// Batch normalisations as the nets have them and a few that are not: `(shape, shift of the
/// values, ReLU after it)`. The shift puts the mean far from zero (a one-pass variance would show
/// its cancellation); planes smaller than a workgroup, odd ones, and a batch split into two
/// slices of 17 and 16 images.
pub const BATCH_NORM_CASES: [([usize; 4], f32, bool); 6] = [
    ([6, 5, 3, 4], 30.0, false),
    ([6, 5, 3, 4], 0.5, true),
    ([4, 16, 8, 8], 0.0, true),
    ([3, 7, 3, 3], -2.0, true),
    ([33, 16, 16, 16], 1.0, true),
    ([9, 64, 2, 2], 0.0, false),
];

/// Pseudo-random values in [-1, 1) for a tensor of `shape`, the same on every device.
pub fn conv_values(shape: [usize; 4], seed: u64) -> Vec<f32> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..shape.iter().product()).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

/// `got` equals `expected` within 2·10⁻⁴ of the largest expected magnitude (at least 1).
pub fn assert_close(what: &str, expected: &[f32], got: &[f32]) {
    assert_eq!(expected.len(), got.len(), "{what}: lengths");
    let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
    for (i, (a, b)) in expected.iter().zip(got).enumerate() {
        assert!((a - b).abs() <= 2e-4 * scale, "{what}[{i}]: the reference {a} vs {b} (scale {scale})");
    }
}

/// Sizes of the parameters Adam's kernel is tested on: a 3×3 16→16 kernel, a bias, the
/// classifier's weight, and one spread over 274 workgroups with a partial last one.
pub const ADAM_COUNTS: [usize; 4] = [2304, 16, 640, 70_001];

/// Three Adam steps (the recipe's β₁, β₂, ε; learning rates 10⁻³, 0.1, 10⁻³; the last two with
/// an L2 penalty's `0.3·w` added to the gradient) of a parameter of
/// `count` seeded values with seeded gradients, on `device`, by our kernel
/// (`resnet_webgpu::adam::gpu`, which must take these tensors) or by tensor operations: the
/// weights, first and second moments after each step, in that order (nine tensors, not read).
pub fn adam_steps(count: usize, kernel: bool, device: &Device) -> Vec<Tensor<1>> {
    use resnet_webgpu::adam::{self, StepScalars};
    let mut weights = adam_param(count, 1, 0, device).0;
    let mut moments = None;
    let mut out = Vec::new();
    for (t, lr) in [(1, 1e-3), (2, 0.1), (3, 1e-3)] {
        let grad = adam_param(count, 1, t as u64, device).1;
        // Steps 2 and 3 with an L2 penalty's gradient added (decay·w), step 1 without.
        let s = StepScalars::new(0.9, 0.999, 1e-7, t, lr).with_decay(if t == 1 { 0.0 } else { 0.3 });
        let (w, m) = if kernel {
            adam::gpu::step(&weights, &grad, moments.as_ref(), s).expect("the kernel takes f32 tensors of wgpu")
        } else {
            adam::by_tensor_ops(weights, grad, moments, s)
        };
        out.extend([w.clone(), m.first.clone(), m.second.clone()]);
        weights = w;
        moments = Some(m);
    }
    out
}

/// Weights of `count` values and their gradient at step `t`, seeded by `seed`, on `device`.
pub fn adam_param(count: usize, seed: u64, t: u64, device: &Device) -> (Tensor<1>, Tensor<1>) {
    let values = |seed: u64, scale: f32| {
        let v: Vec<f32> = conv_values([count, 1, 1, 1], seed).iter().map(|v| v * scale).collect();
        Tensor::<1>::from_data(TensorData::new(v, [count]), device)
    };
    (values(seed, 0.5), values(seed * 10 + t, 0.1))
}

/// How [`adam_five_steps`] updates its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AdamWay {
    /// The kernel into new buffers (`adam::gpu::step`) at every step.
    Kernel,
    /// The kernel at the first step, then in place two a dispatch (`adam::gpu::Pairs`).
    Pairs,
    /// burn's tensor operations (`adam::by_tensor_ops`).
    TensorOps,
}

/// Three Adam steps of five parameters (sizes across workgroups, one left without a partner, the
/// L2 penalty on every other one) on `device`, `way`: the weights and both moments of each
/// afterwards. Nothing else holds a parameter between steps, so `Pairs` updates every one in
/// place from the second step on (it panics where it does not).
pub fn adam_five_steps(way: AdamWay, device: &Device) -> Vec<Tensor<1>> {
    use resnet_webgpu::adam::{self, Moments, StepScalars};
    let counts = [300, 10, 257, 1, 70];
    let mut state: Vec<(Tensor<1>, Option<Moments>)> = counts.iter().zip(1..).map(|(&n, seed)| (adam_param(n, seed, 0, device).0, None)).collect();
    for (t, lr) in [(1, 1e-3), (2, 0.1), (3, 1e-3)] {
        let mut pairs = adam::gpu::Pairs::default();
        let mut next = Vec::new();
        for (k, (weights, moments)) in state.into_iter().enumerate() {
            let grad = adam_param(counts[k], k as u64 + 1, t as u64, device).1;
            let s = StepScalars::new(0.9, 0.999, 1e-7, t, lr).with_decay(if k % 2 == 0 { 0.3 } else { 0.0 });
            let (w, m) = match (way, moments) {
                (AdamWay::TensorOps, m) => adam::by_tensor_ops(weights, grad, m, s),
                (AdamWay::Pairs, Some(m)) => pairs.queue(weights, grad, m, s).unwrap_or_else(|_| panic!("step {t}, parameter {k}: in place")),
                (_, m) => adam::gpu::step(&weights, &grad, m.as_ref(), s).expect("wgpu tensors"),
            };
            next.push((w, Some(m)));
        }
        pairs.flush();
        state = next;
    }
    state
        .into_iter()
        .flat_map(|(w, m)| {
            let m = m.expect("moments after a step");
            [w, m.first, m.second]
        })
        .collect()
}

/// `got` equals `expected` value by value within 10⁻⁵ of each expected value and 10⁻⁸ besides:
/// Adam's weights move by about the learning rate a step, its moments are as small as g².
pub fn assert_close_each(what: &str, expected: &[f32], got: &[f32]) {
    assert_eq!(expected.len(), got.len(), "{what}: lengths");
    for (i, (a, b)) in expected.iter().zip(got).enumerate() {
        assert!((a - b).abs() <= 1e-5 * a.abs() + 1e-8, "{what}[{i}]: the reference {a} vs {b}");
    }
}

/// Residual sums ReLU(shortcut + y) tested: ResNet20's three stages (small batches), and one with
/// a partial last workgroup.
pub const RESIDUAL_SHAPES: [[usize; 4]; 4] = [[2, 16, 32, 32], [3, 32, 16, 16], [4, 64, 8, 8], [5, 7, 3, 3]];

/// `ReLU(shortcut + y)` of `shape` on `device` (with autodiff, as given) and the gradients of
/// `sum(z · probe)` for the shortcut and y: `[z, ∂shortcut, ∂y]`, not read. By our kernels
/// (`ours`: `resnet_webgpu::residual::gpu`, which must take these tensors) or by burn's
/// operations. Every fifth value of y is the shortcut's negated, so some sums are exactly zero
/// (where the ReLU passes no gradient), and a tenth of the rest are negative zeros' neighbours.
pub fn residual_run(shape: [usize; 4], ours: bool, device: &Device) -> [Tensor<4>; 3] {
    let a = conv_values(shape, 3);
    let b: Vec<f32> = conv_values(shape, 4).iter().zip(&a).enumerate().map(|(i, (b, a))| if i % 5 == 0 { -a } else { *b }).collect();
    let shortcut = Tensor::<4>::from_data(TensorData::new(a, shape), device).require_grad();
    let y = Tensor::<4>::from_data(TensorData::new(b, shape), device).require_grad();
    let z = if ours {
        resnet_webgpu::residual::gpu::add_relu(&shortcut, &y).expect("our kernels take these tensors")
    } else {
        resnet_webgpu::residual::by_tensor_ops(shortcut.clone(), y.clone())
    };
    let probe = Tensor::<4>::from_data(TensorData::new(conv_values(shape, 5), shape), device);
    let grads = (z.clone() * probe).sum().backward();
    [z.inner(), shortcut.grad(&grads).expect("the shortcut's gradient"), y.grad(&grads).expect("y's gradient")]
}

/// Weight tensors for the L2 penalty's kernel: ResNet20 v1's convolution kernels (stem, the
/// three stages' 3×3 kernels, a 1×1 projection) and a few odd sizes, 14 in all (launches of 6, 6
/// and 2), with seeded values.
pub fn penalty_weights(device: &Device) -> Vec<Tensor<4>> {
    let shapes: [[usize; 4]; 14] = [
        [16, 3, 3, 3],
        [16, 16, 3, 3],
        [16, 16, 3, 3],
        [32, 16, 3, 3],
        [32, 32, 3, 3],
        [32, 16, 1, 1],
        [64, 32, 3, 3],
        [64, 64, 3, 3],
        [64, 32, 1, 1],
        [1, 1, 1, 1],
        [5, 1, 1, 1],
        [7, 3, 1, 1],
        [257, 1, 1, 1],
        [64, 64, 3, 3],
    ];
    shapes.iter().enumerate().map(|(i, &shape)| Tensor::from_data(TensorData::new(conv_values(shape, 20 + i as u64), shape), device)).collect()
}

/// Batches the loss's kernels are tested on: `(rows, scale of the logits)` — ResNet's batches,
/// one row, more rows than the forward entry point's workgroup has invocations, large logits.
pub const LOSS_CASES: [(usize, f32); 5] = [(8, 1.0), (32, 3.0), (1, 1.0), (300, 2.0), (128, 40.0)];

/// The loss `[1]`, the count of correct rows `[1]` and the logits' gradient of a batch of
/// `rows` seeded logits `[rows, 10]` (times `scale`; a third of the rows lean towards their
/// label, so some are right) against seeded labels, on `device` (with autodiff): by our kernels
/// (`ours`: `resnet_webgpu::loss::gpu`, which must take these tensors) or by burn's
/// `CrossEntropyLoss` and argmax. Not read.
pub fn loss_run(rows: usize, scale: f32, ours: bool, device: &Device) -> (Tensor<1>, Tensor<1, Int>, Tensor<2>) {
    let labels: Vec<i32> = conv_values([rows, 1, 1, 1], 7).iter().map(|v| ((v + 1.0) * 5.0) as i32 % 10).collect();
    let mut logits: Vec<f32> = conv_values([rows, 10, 1, 1], 8).iter().map(|v| v * scale).collect();
    for (r, label) in labels.iter().enumerate().filter(|(r, _)| r % 3 == 0) {
        logits[r * 10 + *label as usize] += 2.0 * scale;
    }
    let logits = Tensor::<2>::from_data(TensorData::new(logits, [rows, 10]), device).require_grad();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [rows]), device);
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(device);
    let (loss, correct) = if ours {
        resnet_webgpu::loss::gpu::cross_entropy(&logits, &labels).expect("our kernels take these tensors")
    } else {
        resnet_webgpu::loss::by_tensor_ops(&loss_fn, logits.clone(), labels)
    };
    let grads = loss.backward();
    let grad = logits.grad(&grads).expect("the logits' gradient");
    (loss.inner(), correct, grad)
}
