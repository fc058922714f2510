//! Batch normalisation in training on wgpu: `shaders/batch_norm.wgsl`'s entry points launched on
//! burn's own cubecl client, as a burn autodiff operation ([`op`](super::op)); only
//! with the `webgpu` feature.
//!
//! Why (BENCHMARKS.md, "Batch normalisation on wgpu"): burn 0.22.1's generic `batch_norm_train`,
//! which burn-cubecl does not override, builds the statistics from `swap_dims(0, 1)` copies of the
//! activation, and its backward from two more, with about a dozen element-wise passes besides
//! (most of the unfused multiplications and subtractions of a step, and the ReLU after it in
//! passes of its own). Here a layer's forward pass is three dispatches (partial sums, per-channel
//! statistics, the output with the ReLU folded in) and its backward three more.

use burn::backend::wgpu::CubeTensor;
use burn::backend::{Cube, DispatchDevice};
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn_backend::TensorMetadata;
use burn_backend::ops::FloatTensorOps;
use burn_backend::tensor::FloatTensor;

use super::op::{Forward, Kernels, Norm, NormGradients, Running};
use crate::fused;
use crate::launch::{self, WgslKernel};

/// The kernels' source.
pub const SHADER: &str = include_str!("../../shaders/batch_norm.wgsl");

/// Invocations of an element-wise workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;
/// Invocations of a partial sums' workgroup (the shader's `SUM_WG`). Each writes its own two
/// sums, and the per-channel entry points add them up: no workgroup memory. WebGPU starts
/// workgroup memory at zero, and where the driver does that (SwiftShader, so the page without a
/// GPU) it cost more than the sums themselves: with a 256-invocation tree in workgroup memory the
/// two partial sums took 9–27 ms per dispatch in Chromium at batch 32, now 0.6–9 ms
/// (BENCHMARKS.md, "Batch norm's partial sums without workgroup memory").
const SUM_WORKGROUP: usize = 64;
/// Values an invocation of an element-wise entry point writes (the shader's `RUN`).
const RUN: usize = 8;
/// The sums over a channel are split over the batch until there are about this many
/// workgroups (as many invocations as 128 workgroups of 256)…
const TARGET_WORKGROUPS: usize = 512;
/// …while a slice keeps at least this many values for each invocation of its workgroup. Small
/// slices cost on emulated GPUs: with 4 values per invocation (256 workgroups at batch 32) the
/// two partial sums took 1.9 s of a 7.3 s step on SwiftShader, with 64 about 0.5 s
/// (BENCHMARKS.md, "Batch normalisation on wgpu").
const MIN_VALUES_PER_INVOCATION: usize = 64;

/// One of the entry points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    PartialStatistics,
    Statistics,
    /// [`Entry::Statistics`], and the running statistics after the step.
    StatisticsRunning,
    Normalise,
    PartialGradients,
    /// [`Entry::PartialGradients`] at a v1 block's end, writing the ReLU's cut gradient too.
    PartialGradientsResidual,
    Gradients,
    InputGradient,
}

impl Entry {
    fn entry(self) -> &'static str {
        match self {
            Entry::PartialStatistics => "partial_statistics",
            Entry::Statistics => "statistics",
            Entry::StatisticsRunning => "statistics_running",
            Entry::Normalise => "normalise",
            Entry::PartialGradients => "partial_gradients",
            Entry::PartialGradientsResidual => "partial_gradients_residual",
            Entry::Gradients => "gradients",
            Entry::InputGradient => "input_gradient",
        }
    }

    /// The kernel's name, in the kernel profile (`bench --kernels`) and burn-fusion's stream.
    fn name(self) -> &'static str {
        match self {
            Entry::PartialStatistics => "BatchNormPartialStatistics",
            Entry::Statistics => "BatchNormStatistics",
            Entry::StatisticsRunning => "BatchNormStatisticsRunning",
            Entry::Normalise => "BatchNormNormalise",
            Entry::PartialGradients => "BatchNormPartialGradients",
            Entry::PartialGradientsResidual => "BatchNormPartialGradientsResidual",
            Entry::Gradients => "BatchNormGradients",
            Entry::InputGradient => "BatchNormInputGradient",
        }
    }
}

/// One entry point of the shader (its workgroup size only keys cubecl's cache: the source
/// declares each entry point's own).
fn kernel(entry: Entry) -> WgslKernel {
    WgslKernel { name: entry.name(), source: SHADER, entry: entry.entry(), workgroup: WORKGROUP as u32 }
}

/// The sizes of one layer's tensors `[b, c, h, w]` and how its sums are split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `[b, c, h, w]`.
    pub dims: [usize; 4],
    pub batch: usize,
    pub channels: usize,
    pub plane: usize,
    /// Images of one slice of the batch.
    pub per: usize,
    pub slices: usize,
}

impl Layout {
    pub fn new(dims: [usize; 4]) -> Self {
        let [batch, channels, h, w] = dims;
        let plane = h * w;
        // Enough slices for about TARGET_WORKGROUPS workgroups, but none with fewer than
        // MIN_VALUES_PER_INVOCATION values per invocation.
        let wanted = TARGET_WORKGROUPS.div_ceil(channels.max(1));
        let most = (batch * plane / (SUM_WORKGROUP * MIN_VALUES_PER_INVOCATION)).max(1);
        let per = batch.div_ceil(wanted.min(most).clamp(1, batch.max(1))).max(1);
        Self { dims, batch, channels, plane, per, slices: batch.div_ceil(per).max(1) }
    }

    fn values(&self) -> usize {
        self.batch * self.channels * self.plane
    }

    /// Workgroups of `entry`.
    pub fn workgroups(&self, entry: Entry) -> (usize, usize) {
        match entry {
            Entry::PartialStatistics | Entry::PartialGradients | Entry::PartialGradientsResidual => (self.channels, self.slices),
            Entry::Statistics | Entry::StatisticsRunning | Entry::Gradients => (self.channels.div_ceil(WORKGROUP), 1),
            // RUN values an invocation, along x then y.
            Entry::Normalise | Entry::InputGradient => launch::grid(self.values(), WORKGROUP * RUN),
        }
    }

    fn output_shape(&self, entry: Entry) -> Shape {
        match entry {
            Entry::PartialStatistics | Entry::PartialGradients | Entry::PartialGradientsResidual => {
                Shape::new([self.slices, self.channels, SUM_WORKGROUP, 2])
            }
            Entry::Statistics | Entry::StatisticsRunning | Entry::Gradients => Shape::new([2, self.channels]),
            Entry::Normalise | Entry::InputGradient => Shape::new(self.dims),
        }
    }
}

/// The layout of a `[b, c, h, w]` tensor of burn's wgpu backend.
fn layout(t: &FloatTensor<Cube>) -> Layout {
    Layout::new(t.shape().dims::<4>())
}

/// The buffers an entry point binds, in the shader's order; `None` where it reads none there.
#[derive(Default)]
struct Bindings {
    x: Option<CubeTensor>,
    dy: Option<CubeTensor>,
    gamma: Option<CubeTensor>,
    beta: Option<CubeTensor>,
    stats: Option<CubeTensor>,
    sums: Option<CubeTensor>,
}

/// Runs `entry` of layer `n` with layout `l` on `b`, returning what it writes.
fn launch(entry: Entry, n: Norm, l: &Layout, b: Bindings) -> CubeTensor {
    let dy_given = b.dy.is_some();
    let inputs = [b.x, b.dy, b.gamma, b.beta, b.stats, b.sums];
    let first = inputs.iter().flatten().next().expect("an input").clone();
    let unread = inputs.iter().filter(|t| t.is_none()).count();
    let (output, fillers) = launch::output(&first, l.output_shape(entry), unread);
    let mut buffers = launch::input_bindings(inputs, &mut fillers.into_iter());
    buffers.push(output.handle.clone().binding());
    // normalise adds a shortcut where it is given one, in dy's place.
    let shortcut = entry == Entry::Normalise && dy_given;
    dispatch(entry, l, &first, buffers, params(n, l, 0.0, shortcut));
    output
}

/// shaders/batch_norm.wgsl's Params (`momentum` read by [`Entry::StatisticsRunning`] only,
/// `shortcut` by [`Entry::Normalise`]).
fn params(n: Norm, l: &Layout, momentum: f64, shortcut: bool) -> [u32; 10] {
    // The tensor operations' constants: 1 − momentum in f64, each rounded to f32.
    let (momentum, keep) = ((momentum as f32).to_bits(), ((1.0 - momentum) as f32).to_bits());
    let (relu, epsilon) = (n.relu as u32, (n.epsilon as f32).to_bits());
    [l.batch as u32, l.channels as u32, l.plane as u32, l.per as u32, l.slices as u32, relu, epsilon, momentum, keep, shortcut as u32]
}

/// Launches `entry` with `buffers` (in the shader's binding order) and `params`.
fn dispatch(entry: Entry, l: &Layout, on: &CubeTensor, buffers: Vec<burn::cubecl::server::BufferBinding>, params: [u32; 10]) {
    let (across, down) = l.workgroups(entry);
    on.client.launch(
        Box::new(kernel(entry)),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&params)),
    );
}

/// The statistics `[2, c]` of `x` `[b, c, h, w]` (the means, then the biased variances), and,
/// given a layer's `running` statistics, those after the step, in the same dispatch.
fn statistics(n: Norm, l: Layout, x: FloatTensor<Cube>, running: Option<Running<FloatTensor<Cube>>>) -> (FloatTensor<Cube>, Option<[FloatTensor<Cube>; 2]>) {
    let partial = fused::run(Entry::PartialStatistics.name(), [x.clone()], l.output_shape(Entry::PartialStatistics), move |[x]| {
        launch(Entry::PartialStatistics, n, &l, Bindings { x: Some(x), ..Default::default() })
    });
    let Some(Running { mean, var, momentum }) = running else {
        let stats = fused::run(Entry::Statistics.name(), [x, partial], l.output_shape(Entry::Statistics), move |[x, partial]| {
            launch(Entry::Statistics, n, &l, Bindings { x: Some(x), sums: Some(partial), ..Default::default() })
        });
        return (stats, None);
    };
    let entry = Entry::StatisticsRunning;
    let channel = Shape::new([l.channels]);
    let shapes = [l.output_shape(entry), channel.clone(), channel];
    let [stats, mean, var] = fused::run_many(entry.name(), [x, partial, mean, var], shapes.clone(), move |[x, partial, mean, var]| {
        let (outputs, _) = launch::outputs(&x, shapes.clone(), 0);
        let [stats, new_mean, new_var] = &outputs;
        // The shader's bindings: x, the running mean and variance before and after, the partial
        // sums, the statistics.
        let mut buffers = launch::input_bindings([x.clone(), mean, var].map(Some), &mut std::iter::empty());
        buffers.extend([new_mean, new_var].map(|t| t.handle.clone().binding()));
        buffers.extend(launch::input_bindings([Some(partial)], &mut std::iter::empty()));
        buffers.push(stats.handle.clone().binding());
        dispatch(entry, &l, &x, buffers, params(n, &l, momentum, false));
        outputs
    });
    (stats, Some([mean, var]))
}

/// The output `[b, c, h, w]` for the statistics; with a `shortcut`, `relu(norm(x) + shortcut)`.
fn output(
    n: Norm,
    l: Layout,
    x: FloatTensor<Cube>,
    gamma: FloatTensor<Cube>,
    beta: FloatTensor<Cube>,
    stats: FloatTensor<Cube>,
    shortcut: Option<FloatTensor<Cube>>,
) -> FloatTensor<Cube> {
    let (entry, shape) = (Entry::Normalise, l.output_shape(Entry::Normalise));
    let bindings = |x, dy, gamma, beta, stats| Bindings { x: Some(x), dy, gamma: Some(gamma), beta: Some(beta), stats: Some(stats), sums: None };
    match shortcut {
        None => fused::run(entry.name(), [x, gamma, beta, stats], shape, move |[x, gamma, beta, stats]| {
            launch(entry, n, &l, bindings(x, None, gamma, beta, stats))
        }),
        Some(shortcut) => fused::run(entry.name(), [x, shortcut, gamma, beta, stats], shape, move |[x, shortcut, gamma, beta, stats]| {
            launch(entry, n, &l, bindings(x, Some(shortcut), gamma, beta, stats))
        }),
    }
}

/// At a v1 block's end: the backward pass's partial sums (as [`Entry::PartialGradients`]) and
/// the output gradient `dy` cut where the block's `output` is not positive.
fn partial_gradients_residual(
    n: Norm,
    l: Layout,
    x: FloatTensor<Cube>,
    dy: FloatTensor<Cube>,
    output: FloatTensor<Cube>,
    stats: FloatTensor<Cube>,
) -> [FloatTensor<Cube>; 2] {
    let entry = Entry::PartialGradientsResidual;
    let shapes = [l.output_shape(entry), Shape::new(l.dims)];
    fused::run_many(entry.name(), [x, dy, output, stats], shapes.clone(), move |[x, dy, output, stats]| {
        let (outputs, fillers) = launch::outputs(&x, shapes.clone(), 1);
        let [partial, cut] = &outputs;
        // The shader's bindings: x, dy, the block's output, the cut gradient, the statistics, an
        // unread one (sums), the partial sums.
        let mut buffers = launch::input_bindings([x.clone(), dy, output].map(Some), &mut std::iter::empty());
        buffers.push(cut.handle.clone().binding());
        buffers.extend(launch::input_bindings([Some(stats), None], &mut fillers.into_iter()));
        buffers.push(partial.handle.clone().binding());
        dispatch(entry, &l, &x, buffers, params(n, &l, 0.0, false));
        outputs
    })
}

impl Kernels for Cube {
    fn owns(device: &Device) -> bool {
        matches!(device.clone().without_autodiff().as_dispatch(), DispatchDevice::Cube(_))
    }

    fn norm_forward(
        n: Norm,
        x: FloatTensor<Cube>,
        gamma: FloatTensor<Cube>,
        beta: FloatTensor<Cube>,
        shortcut: Option<FloatTensor<Cube>>,
        running: Option<Running<FloatTensor<Cube>>>,
    ) -> Forward<Cube> {
        let l = layout(&x);
        let (stats, running) = statistics(n, l, x.clone(), running);
        Forward { output: output(n, l, x, gamma, beta, stats.clone(), shortcut), stats, running }
    }

    fn norm_output(n: Norm, x: FloatTensor<Cube>, gamma: FloatTensor<Cube>, beta: FloatTensor<Cube>, stats: FloatTensor<Cube>) -> FloatTensor<Cube> {
        output(n, layout(&x), x, gamma, beta, stats, None)
    }

    fn norm_backward(
        n: Norm,
        x: FloatTensor<Cube>,
        dy: FloatTensor<Cube>,
        gamma: FloatTensor<Cube>,
        beta: FloatTensor<Cube>,
        stats: FloatTensor<Cube>,
        output: Option<FloatTensor<Cube>>,
    ) -> NormGradients<Cube> {
        let l = layout(&x);
        let (n, dy, partial, shortcut) = match output {
            // A block's end: the cut gradient is the shortcut's, and what the rest reads as dy,
            // with no ReLU left to cut.
            Some(output) => {
                let [partial, cut] = partial_gradients_residual(n, l, x.clone(), dy, output, stats.clone());
                (Norm { relu: false, ..n }, cut.clone(), partial, Some(cut))
            }
            None => {
                let inputs = [x.clone(), dy.clone(), gamma.clone(), beta.clone(), stats.clone()];
                let partial = fused::run(Entry::PartialGradients.name(), inputs, l.output_shape(Entry::PartialGradients), move |[x, dy, gamma, beta, stats]| {
                    let b = Bindings { x: Some(x), dy: Some(dy), gamma: Some(gamma), beta: Some(beta), stats: Some(stats), sums: None };
                    launch(Entry::PartialGradients, n, &l, b)
                });
                (n, dy, partial, None)
            }
        };
        let sums = fused::run(Entry::Gradients.name(), [stats.clone(), partial], l.output_shape(Entry::Gradients), move |[stats, partial]| {
            launch(Entry::Gradients, n, &l, Bindings { stats: Some(stats), sums: Some(partial), ..Default::default() })
        });
        let inputs = [x, dy, gamma, beta, stats, sums.clone()];
        let dx = fused::run(Entry::InputGradient.name(), inputs, l.output_shape(Entry::InputGradient), move |[x, dy, gamma, beta, stats, sums]| {
            let b = Bindings { x: Some(x), dy: Some(dy), gamma: Some(gamma), beta: Some(beta), stats: Some(stats), sums: Some(sums) };
            launch(Entry::InputGradient, n, &l, b)
        });
        // sums [2, c]: dγ, then dβ.
        let c = l.channels;
        let row = |r: usize| Cube::float_reshape(Cube::float_slice(sums.clone(), &[burn::tensor::Slice::from(r..r + 1), burn::tensor::Slice::from(0..c)]), Shape::new([c]));
        NormGradients { input: dx, gamma: row(0), beta: row(1), shortcut }
    }
}
