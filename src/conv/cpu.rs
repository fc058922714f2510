//! Our own convolution for burn's CPU backend (Flex): im2col + `gemm` per image, in NCHW, with
//! its backward pass (data, kernel and bias gradients) as a burn autodiff operation.
//!
//! Why (BENCHMARKS.md, "Where the CPU time goes"): burn-flex 0.22.1 permutes every convolution's
//! input to NHWC and back (single-threaded), computes the data gradient as a transposed
//! convolution whose loops only partly reach `gemm`, and the kernel gradient as a convolution of
//! the batch-swapped input by the batch-swapped output gradient — a 32×32 "kernel" of 128
//! channels, whose im2col buffer is megabytes per channel. Here, per image `b`, with
//! `cols[b]` the `[c·k·k, h'·w']` im2col matrix of the zero-padded input:
//!
//! * forward: `y[b] = W · cols[b] + bias` (`W` the kernel as `[f, c·k·k]`), written straight
//!   into the NCHW output (`[f, h'·w']` *is* image `b` of `[b, f, h', w']`);
//! * kernel gradient: `dW = Σ_b dy[b] · cols[b]ᵀ`, the columns rebuilt in the backward pass
//!   (they are never kept: memory-bound to rebuild, megabytes to keep);
//! * data gradient: `dcols[b] = Wᵀ · dy[b]`, added back into the image by col2im;
//! * bias gradient: the sums of `dy[b]`'s rows.
//!
//! Images run in parallel (rayon, feature `parallel`) in fixed groups of [`GROUP`]; each group
//! sums its own kernel and bias gradients, and the groups' sums are added in order afterwards, so
//! the numbers do not depend on the number of threads (the page on one thread, the page on
//! several and the native build give the same losses). Padding is TensorFlow's "same".

use burn::backend::Flex;
use burn::prelude::*;
use burn_flex::FlexTensor;

use crate::parallel::{for_each, map};

use super::op::{self, ConvGradients, Kernels};
pub use super::op::Geometry;

/// Images per group of the parallel loops: small enough to give every thread work at batch 32,
/// large enough that the groups' partial kernel gradients (at most 64 × 576 floats each) stay few.
pub const GROUP: usize = 4;

/// The im2col matrix of one image `x` `[c, h, w]` into `cols` `[c·k·k, h'·w']` (rows ordered
/// channel, kernel row, kernel column: a `[f, c, k, k]` kernel flattened to `[f, c·k·k]`).
pub fn im2col(g: &Geometry, x: &[f32], cols: &mut [f32]) {
    let (k, s, p) = (g.kernel, g.stride, g.pixels());
    for c in 0..g.channels {
        let plane = &x[c * g.height * g.width..(c + 1) * g.height * g.width];
        for ki in 0..k {
            let (oy0, oy1) = g.inside(ki, g.top, g.height, g.out_h);
            for kj in 0..k {
                let (ox0, ox1) = g.inside(kj, g.left, g.width, g.out_w);
                let row = &mut cols[((c * k + ki) * k + kj) * p..][..p];
                row[..oy0 * g.out_w].fill(0.0);
                row[oy1 * g.out_w..].fill(0.0);
                for oy in oy0..oy1 {
                    let line = &mut row[oy * g.out_w..(oy + 1) * g.out_w];
                    let src = &plane[(oy * s + ki - g.top) * g.width..][..g.width];
                    line[..ox0].fill(0.0);
                    line[ox1..].fill(0.0);
                    let first = ox0 * s + kj - g.left;
                    if s == 1 {
                        line[ox0..ox1].copy_from_slice(&src[first..first + (ox1 - ox0)]);
                    } else {
                        for (o, v) in line[ox0..ox1].iter_mut().zip(src[first..].iter().step_by(s)) {
                            *o = *v;
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: every entry of `cols` `[c·k·k, h'·w']` added back into the image
/// `dx` `[c, h, w]` (which the caller zeroes).
pub fn col2im(g: &Geometry, cols: &[f32], dx: &mut [f32]) {
    let (k, s, p) = (g.kernel, g.stride, g.pixels());
    for c in 0..g.channels {
        let plane = &mut dx[c * g.height * g.width..(c + 1) * g.height * g.width];
        for ki in 0..k {
            let (oy0, oy1) = g.inside(ki, g.top, g.height, g.out_h);
            for kj in 0..k {
                let (ox0, ox1) = g.inside(kj, g.left, g.width, g.out_w);
                let row = &cols[((c * k + ki) * k + kj) * p..][..p];
                for oy in oy0..oy1 {
                    let line = &row[oy * g.out_w + ox0..oy * g.out_w + ox1];
                    let dst = &mut plane[(oy * s + ki - g.top) * g.width..][..g.width];
                    let first = ox0 * s + kj - g.left;
                    if s == 1 {
                        // Contiguous: the compiler vectorises this form.
                        for (d, v) in dst[first..first + line.len()].iter_mut().zip(line) {
                            *d += *v;
                        }
                    } else {
                        for (d, v) in dst[first..].iter_mut().step_by(s).zip(line) {
                            *d += *v;
                        }
                    }
                }
            }
        }
    }
}

/// A row-major matrix operand: `data[i·row + j·col]` is entry `(i, j)`.
#[derive(Clone, Copy)]
struct Operand<'a> {
    data: &'a [f32],
    row: isize,
    col: isize,
}

impl<'a> Operand<'a> {
    /// A contiguous `[.., columns]` matrix.
    fn rows(data: &'a [f32], columns: usize) -> Self {
        Self { data, row: columns as isize, col: 1 }
    }

    /// The transpose of a contiguous `[.., columns]` matrix.
    fn transposed(data: &'a [f32], columns: usize) -> Self {
        Self { data, row: 1, col: columns as isize }
    }
}

/// `dst` (`[m, n]`, row-major) `= lhs · rhs` (`[m, k] · [k, n]`), or `+=` when `accumulate`.
fn matmul(m: usize, n: usize, k: usize, dst: &mut [f32], lhs: Operand, rhs: Operand, accumulate: bool) {
    assert!(dst.len() >= m * n, "matmul: destination too small");
    let last = |o: &Operand, r: usize, c: usize| (r.max(1) - 1) as isize * o.row + (c.max(1) - 1) as isize * o.col;
    assert!(m == 0 || k == 0 || (last(&lhs, m, k) as usize) < lhs.data.len(), "matmul: left operand too small");
    assert!(n == 0 || k == 0 || (last(&rhs, k, n) as usize) < rhs.data.len(), "matmul: right operand too small");
    // SAFETY: the three assertions above keep every index gemm computes inside its slice, and
    // `dst` is borrowed mutably, apart from `lhs` and `rhs`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col,
            lhs.row,
            rhs.data.as_ptr(),
            rhs.col,
            rhs.row,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The forward pass: `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, h', w']`.
pub fn forward(g: &Geometry, x: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    let (rows, pixels, image) = (g.rows(), g.pixels(), g.image());
    let mut y = vec![0.0f32; g.batch * g.filters * pixels];
    let groups: Vec<(&[f32], &mut [f32])> = x.chunks(GROUP * image).zip(y.chunks_mut(GROUP * g.filters * pixels)).collect();
    for_each(groups, |(x, y)| {
        let mut cols = if g.is_pointwise() { Vec::new() } else { vec![0.0f32; rows * pixels] };
        for (x, y) in x.chunks(image).zip(y.chunks_mut(g.filters * pixels)) {
            for (out, b) in y.chunks_mut(pixels).zip(bias) {
                out.fill(*b);
            }
            let cols = if g.is_pointwise() {
                x
            } else {
                im2col(g, x, &mut cols);
                &cols[..]
            };
            matmul(g.filters, pixels, rows, y, Operand::rows(weight, rows), Operand::rows(cols, pixels), true);
        }
    });
    y
}

/// The three gradients of [`forward`] for the output gradient `dy` `[b, f, h', w']`: the input's
/// (when `want_input`, else empty), the kernel's `[f, c, k, k]` and the bias's `[f]`.
pub fn backward(g: &Geometry, x: &[f32], weight: &[f32], dy: &[f32], want_input: bool) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (rows, pixels, image, filters) = (g.rows(), g.pixels(), g.image(), g.filters);
    let mut dx = vec![0.0f32; if want_input { g.batch * image } else { 0 }];
    let groups: Vec<(usize, Option<&mut [f32]>)> = if want_input {
        dx.chunks_mut(GROUP * image).map(Some).enumerate().collect()
    } else {
        (0..g.batch.div_ceil(GROUP)).map(|group| (group, None)).collect()
    };
    // gemm makes its destination column-major by transposing the product, and then copies
    // ("packs") its left operand unless that is column-major too: for `dy · colsᵀ` that is the
    // whole `[K, P]` im2col matrix, image after image. Computed as `(cols · dyᵀ)ᵀ` it packs the
    // `[f, P]` output gradient instead, smaller whenever there are fewer filters than rows.
    // Natively that is faster (one thread, ResNet20 v1: +17–22 %; gemm's AVX2 tile is 16 rows,
    // which the 16–64 filters fill). In WebAssembly it was not (the page, ResNet29 v2: −7 %,
    // within the noise for ResNet20 v1; simd128's tile is 12 rows, which 16 filters do not
    // fill), so the page keeps the first form (BENCHMARKS.md, "Our CPU kernels").
    let transposed = filters < rows && !cfg!(target_arch = "wasm32");
    let partial = map(groups, |(group, mut dx)| {
        let start = group * GROUP;
        let end = (start + GROUP).min(g.batch);
        let mut dw = vec![0.0f32; filters * rows];
        let mut db = vec![0.0f32; filters];
        let mut cols = vec![0.0f32; if g.is_pointwise() { 0 } else { rows * pixels }];
        let mut dcols = vec![0.0f32; if g.is_pointwise() || !want_input { 0 } else { rows * pixels }];
        for b in start..end {
            let x = &x[b * image..(b + 1) * image];
            let dy = &dy[b * filters * pixels..(b + 1) * filters * pixels];
            for (sum, row) in db.iter_mut().zip(dy.chunks(pixels)) {
                *sum += row.iter().sum::<f32>();
            }
            let cols = if g.is_pointwise() {
                x
            } else {
                im2col(g, x, &mut cols);
                &cols[..]
            };
            if transposed {
                // dWᵀ += cols[b] · dy[b]ᵀ: [K, P] · [P, f]
                matmul(rows, filters, pixels, &mut dw, Operand::rows(cols, pixels), Operand::transposed(dy, pixels), true);
            } else {
                // dW += dy[b] · cols[b]ᵀ: [f, P] · [P, K]
                matmul(filters, rows, pixels, &mut dw, Operand::rows(dy, pixels), Operand::transposed(cols, pixels), true);
            }
            if let Some(dx) = dx.as_deref_mut() {
                let dx = &mut dx[(b - start) * image..(b - start + 1) * image];
                // dcols[b] = Wᵀ · dy[b]: [K, f] · [f, P]
                let wt = Operand::transposed(weight, rows);
                if g.is_pointwise() {
                    matmul(rows, pixels, filters, dx, wt, Operand::rows(dy, pixels), false);
                } else {
                    matmul(rows, pixels, filters, &mut dcols, wt, Operand::rows(dy, pixels), false);
                    col2im(g, &dcols, dx);
                }
            }
        }
        (dw, db)
    });
    // The groups' sums, added in order: the same numbers on any number of threads.
    let mut dw = vec![0.0f32; filters * rows];
    let mut db = vec![0.0f32; filters];
    for (pdw, pdb) in partial {
        if transposed {
            // pdw is [K, f].
            for (f, dw) in dw.chunks_mut(rows).enumerate() {
                dw.iter_mut().zip(pdw[f..].iter().step_by(filters)).for_each(|(a, b)| *a += b);
            }
        } else {
            dw.iter_mut().zip(&pdw).for_each(|(a, b)| *a += b);
        }
        db.iter_mut().zip(&pdb).for_each(|(a, b)| *a += b);
    }
    (dx, dw, db)
}

/// The values of a CPU tensor, in row-major order (borrowed where it is contiguous).
pub(crate) fn values(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(v) => std::borrow::Cow::Borrowed(v),
        None => std::borrow::Cow::Owned(t.to_contiguous().storage::<f32>().to_vec()),
    }
}

/// A CPU tensor of `values` in row-major order.
pub(crate) fn flex_tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

impl Kernels for Flex {
    fn owns(device: &Device) -> bool {
        supports(device)
    }

    fn conv_forward(g: &Geometry, x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        flex_tensor(forward(g, &values(&x), &values(&weight), &values(&bias)), g.output_shape())
    }

    fn conv_backward(g: &Geometry, x: FlexTensor, weight: FlexTensor, dy: FlexTensor, want_input: bool) -> ConvGradients<Flex> {
        let (dx, dw, db) = backward(g, &values(&x), &values(&weight), &values(&dy), want_input);
        ConvGradients {
            input: want_input.then(|| flex_tensor(dx, g.input_shape())),
            kernel: flex_tensor(dw, g.kernel_shape()),
            bias: flex_tensor(db, [g.filters]),
        }
    }
}

/// Whether [`conv2d`] runs on tensors of this device: burn's CPU backend, with or without
/// autodiff.
pub fn supports(device: &Device) -> bool {
    matches!(device.clone().without_autodiff().as_dispatch(), burn::backend::DispatchDevice::Flex(_))
}

/// A "same"-padded 2-D convolution with square `kernel` and `stride` on burn's CPU backend:
/// `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, ⌈h/s⌉, ⌈w/s⌉]`, with its
/// backward pass on autodiff tensors. `None` where the tensors are not all f32 tensors of the CPU
/// backend in one autodiff context (the caller then uses burn's own `conv2d`).
pub fn conv2d(x: &Tensor<4>, weight: &Tensor<4>, bias: &Tensor<1>, stride: usize) -> Option<Tensor<4>> {
    op::conv2d::<Flex>(x, weight, bias, stride)
}
