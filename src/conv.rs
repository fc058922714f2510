//! Convolutions as matrix products ("im2col + GEMM"), built from ordinary tensor operations so
//! that autodiff derives the backward pass: forward, data gradient and weight gradient are all
//! batched matrix multiplications.
//!
//! Why: burn-cubecl 0.22.1 without its `autotune` feature runs every convolution on WebGPU as a
//! *direct* convolution, and the weight gradient as a direct convolution of the input by the
//! output gradient — a few thousand threads, each summing hundreds of thousands of products in
//! series. A GPU is built for tens of thousands of threads doing tiled matrix products. Here:
//!
//! * forward: `y[b] = W · cols[b]`, with `W` the kernel as `[filters, c·k·k]` and `cols[b]` the
//!   `k·k` shifted (and strided) views of the zero-padded input stacked as `[c·k·k, h'·w']`;
//! * weight gradient: `dW = Σ_b dy[b] · cols[b]ᵀ` (the matmul's own backward);
//! * data gradient: `dcols[b] = Wᵀ · dy[b]`, then the views' backward adds each shifted window
//!   back into the padded input (`k·k` element-wise passes, no reduction in series).
//!
//! The layout stays NCHW: `[1, f, K] × [b, K, P] → [b, f, P]` *is* `[b, f, h', w']`, so no
//! permutation surrounds the product (burn's own convolutions permute to NHWC and back around
//! every call). Padding is TensorFlow's "same" (more at the bottom and right when the total is
//! odd), as the Keras nets need.

pub mod cpu;
#[cfg(feature = "webgpu")]
pub mod gpu;
#[cfg(feature = "webgpu")]
pub mod sums;
pub mod op;

use burn::prelude::*;
use burn::tensor::ops::PadMode;
use burn::tensor::Slice;
use serde::{Deserialize, Serialize};

/// How a [`ResnetLayer`](crate::model::ResnetLayer) runs its convolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConvRoute {
    /// [`for_device`](Self::for_device) of the input's device, at every call.
    #[default]
    Auto,
    /// The backend's own `conv2d`.
    Backend,
    /// [`conv2d_gemm`]: im2col views and batched matrix products.
    Gemm,
    /// [`cpu::conv2d`]: our own im2col + `gemm` kernel, forward and backward, on burn's CPU
    /// backend (the backend's own `conv2d` on any other device).
    Cpu,
    /// `gpu::conv2d`: our own implicit-GEMM WGSL kernels (`shaders/conv.wgsl`), forward and
    /// backward, on wgpu (the backend's own `conv2d` on any other device, or in a build without
    /// the `webgpu` feature).
    Wgsl,
}

impl ConvRoute {
    /// The route [`Auto`](Self::Auto) takes on `device`, as measured (BENCHMARKS.md): on burn's
    /// CPU backend our own kernel ([`cpu::conv2d`]: ResNet20 v1 at batch 128 trains 1.6× as fast
    /// as with burn-flex's convolutions, ResNet29 v2 1.7×); on wgpu our WGSL kernels (on
    /// SwiftShader, the page's WebGPU without a GPU, ResNet20 v1 trains 1.46× as fast as with
    /// burn's direct convolutions; on lavapipe 0.94× at batch 32 and 0.77× at 128; no hardware
    /// GPU has been measured yet: `scripts/gpu-bench.sh` runs the routes side by side).
    pub fn for_device(device: &Device) -> Self {
        if cpu::supports(device) {
            return ConvRoute::Cpu;
        }
        #[cfg(feature = "webgpu")]
        if gpu::supports(device) {
            return ConvRoute::Wgsl;
        }
        ConvRoute::Backend
    }

    /// The route this one takes for an input on `device`.
    pub fn resolve(self, device: &Device) -> Self {
        match self {
            ConvRoute::Auto => Self::for_device(device),
            route => route,
        }
    }

    /// The name `bench --conv` takes and prints.
    pub fn name(&self) -> &'static str {
        match self {
            ConvRoute::Auto => "auto",
            ConvRoute::Backend => "backend",
            ConvRoute::Gemm => "gemm",
            ConvRoute::Cpu => "cpu",
            ConvRoute::Wgsl => "wgsl",
        }
    }

    /// The convolution by our own kernel of this route ([`Cpu`](Self::Cpu) or
    /// [`Wgsl`](Self::Wgsl)), or `None` where the route has none for these tensors (then the
    /// caller uses the backend's `conv2d`).
    pub fn own_kernel(self, x: &Tensor<4>, weight: &Tensor<4>, bias: &Tensor<1>, stride: usize) -> Option<Tensor<4>> {
        match self {
            ConvRoute::Cpu => cpu::conv2d(x, weight, bias, stride),
            #[cfg(feature = "webgpu")]
            ConvRoute::Wgsl => gpu::conv2d(x, weight, bias, stride),
            _ => None,
        }
    }
}

impl std::str::FromStr for ConvRoute {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ConvRoute::Auto),
            "backend" | "direct" => Ok(ConvRoute::Backend),
            "gemm" => Ok(ConvRoute::Gemm),
            "cpu" => Ok(ConvRoute::Cpu),
            "wgsl" => Ok(ConvRoute::Wgsl),
            other => Err(format!("unknown convolution route `{other}`: write `auto`, `cpu`, `wgsl`, `gemm` or `backend`")),
        }
    }
}

/// The largest im2col matrix one product builds, in bytes. A bigger batch is split into chunks
/// along the batch (each chunk its own product, the outputs concatenated), so that no buffer
/// comes near WebGPU's default 128 MiB storage-binding limit: ResNet20's first stage at batch
/// 128 is 75.5 MB of columns, at 512 it would be 302 MB.
pub const MAX_COLUMN_BYTES: usize = 64 << 20;

/// TensorFlow's "same" padding of one spatial axis: `(before, after, output size)`.
pub fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out.saturating_sub(1)) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2, out)
}

/// A 2-D convolution with "same" padding, square `kernel` and `stride`, as im2col + batched
/// matmul: `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, ⌈h/s⌉, ⌈w/s⌉]`.
pub fn conv2d_gemm(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>, stride: usize) -> Tensor<4> {
    conv2d_gemm_chunked(x, weight, bias, stride, MAX_COLUMN_BYTES)
}

/// [`conv2d_gemm`] with im2col matrices of at most `max_column_bytes` (at least one image each).
pub fn conv2d_gemm_chunked(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: usize,
    max_column_bytes: usize,
) -> Tensor<4> {
    let [batch, channels, height, width] = x.dims();
    let [filters, _, kernel, _] = weight.dims();
    let (_, _, out_h) = same_padding(height, kernel, stride);
    let (_, _, out_w) = same_padding(width, kernel, stride);
    let column_bytes = channels * kernel * kernel * out_h * out_w * x.dtype().size();
    let per_chunk = (max_column_bytes / column_bytes.max(1)).clamp(1, batch.max(1));
    let w = weight.reshape([1, filters, channels * kernel * kernel]); // [1, f, c·k·k]
    let bias = bias.map(|b| b.reshape([1, filters, 1])); // [1, f, 1]
    let chunks = if per_chunk >= batch { vec![x] } else { x.split(per_chunk, 0) };
    let outputs: Vec<Tensor<3>> = chunks
        .into_iter()
        .map(|x| {
            let cols = columns(x, kernel, stride); // [b', c·k·k, h'·w']
            let y = w.clone().matmul(cols); // [b', f, h'·w']
            match &bias {
                Some(bias) => y + bias.clone(),
                None => y,
            }
        })
        .collect();
    let y = if outputs.len() == 1 { outputs.into_iter().next().expect("one chunk") } else { Tensor::cat(outputs, 0) };
    y.reshape([batch, filters, out_h, out_w]) // [b, f, h', w']
}

/// The im2col matrix of `x` `[b, c, h, w]` for a `k×k` kernel and `stride` with "same"
/// padding: `[b, c·k·k, h'·w']`, rows ordered channel-major then kernel row then kernel column,
/// which is the order of a `[f, c, k, k]` kernel flattened to `[f, c·k·k]`.
pub fn columns(x: Tensor<4>, kernel: usize, stride: usize) -> Tensor<3> {
    let [batch, channels, height, width] = x.dims();
    let (top, bottom, out_h) = same_padding(height, kernel, stride);
    let (left, right, out_w) = same_padding(width, kernel, stride);
    let view = |x: &Tensor<4>, i: usize, j: usize| {
        let rows = Slice::new(i as isize, Some((i + (out_h - 1) * stride + 1) as isize), stride as isize);
        let cols = Slice::new(j as isize, Some((j + (out_w - 1) * stride + 1) as isize), stride as isize);
        x.clone().slice([Slice::full(), Slice::full(), rows, cols]) // [b, c, h', w']
    };
    if kernel == 1 {
        let x = if stride == 1 { x } else { view(&x, 0, 0) }; // [b, c, h', w']
        return x.reshape([batch, channels, out_h * out_w]);
    }
    let padded = if top + bottom + left + right == 0 {
        x
    } else {
        x.pad([(top, bottom), (left, right)], PadMode::Constant(0.0)) // [b, c, h+p, w+p]
    };
    let mut views = Vec::with_capacity(kernel * kernel);
    for i in 0..kernel {
        for j in 0..kernel {
            views.push(view(&padded, i, j)); // [b, c, h', w']
        }
    }
    let stacked: Tensor<5> = Tensor::stack(views, 2); // [b, c, k·k, h', w']
    stacked.reshape([batch, channels * kernel * kernel, out_h * out_w])
}
