//! Batch normalisation in training on burn's CPU backend (Flex): our kernels, forward and
//! backward, with the ReLU after it folded in where the layer has one. In NCHW, with
//! `M = b·h·w` values per channel:
//!
//! * forward: a pass for each channel's mean, one for its variance (sums of planes added in
//!   f64), one to write `y = relu?((x − mean) · γ / √(var + ε) + β)`;
//! * backward: one pass for `Σ g` and `Σ g · x̂` per channel (`g` the output gradient, zero where
//!   the ReLU cut the output; `x̂` the normalised input), one to write
//!   `dx = γ / √(var + ε) · (g − Σg / M − x̂ · Σ(g·x̂) / M)` — burn's formula, whose gradients of
//!   γ and β are the two sums.
//!
//! The variance is the biased one, as burn's (and the running variance follows it the same way).

use burn::backend::Flex;
use burn::prelude::*;
use burn_flex::FlexTensor;

use super::op::{Forward, Kernels, Norm, NormGradients, Running};
use crate::conv::cpu::{flex_tensor, values};
use crate::parallel::{for_each, map};

/// The sizes: `batch` images of `channels` planes of `plane` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub batch: usize,
    pub channels: usize,
    pub plane: usize,
}

impl Sizes {
    fn count(&self) -> f64 {
        (self.batch * self.plane) as f64
    }

    /// Channel `c`'s planes of `data` `[b, c, …]`, image by image.
    fn planes<'a>(&self, data: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (plane, stride) = (self.plane, self.channels * self.plane);
        (0..self.batch).map(move |b| &data[b * stride + c * plane..][..plane])
    }
}

/// The per-channel mean and (biased) variance of `x` `[b, c, …]`.
pub fn statistics(s: &Sizes, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let stats = map((0..s.channels).collect(), |c| {
        // Two passes, as burn: the mean, then the squares of the centred values.
        let sum: f64 = s.planes(x, c).map(|plane| plane.iter().sum::<f32>() as f64).sum();
        let mean = (sum / s.count()) as f32;
        let squares: f64 = s.planes(x, c).map(|plane| plane.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() as f64).sum();
        (mean, (squares / s.count()) as f32)
    });
    stats.into_iter().unzip()
}

/// Channel `c`'s `γ / √(var + ε)` and the shift that goes with it: `y = x · scale + shift`.
fn affine(c: usize, mean: &[f32], var: &[f32], gamma: &[f32], beta: &[f32], epsilon: f64) -> (f32, f32) {
    let scale = gamma[c] / ((var[c] as f64 + epsilon).sqrt() as f32);
    (scale, beta[c] - mean[c] * scale)
}

/// `y = relu?((x − mean) · γ / √(var + ε) + β)`, plane by plane.
pub fn normalise(s: &Sizes, n: Norm, x: &[f32], mean: &[f32], var: &[f32], gamma: &[f32], beta: &[f32]) -> Vec<f32> {
    let mut y = vec![0f32; x.len()];
    let planes: Vec<(usize, (&mut [f32], &[f32]))> = y.chunks_mut(s.plane).zip(x.chunks(s.plane)).enumerate().collect();
    for_each(planes, |(i, (y, x))| {
        let (scale, shift) = affine(i % s.channels, mean, var, gamma, beta, n.epsilon);
        for (y, x) in y.iter_mut().zip(x) {
            let v = x * scale + shift;
            *y = if n.relu { v.max(0.0) } else { v };
        }
    });
    y
}

/// The gradients of the input, γ and β for the output gradient `dy`.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    s: &Sizes,
    n: Norm,
    x: &[f32],
    dy: &[f32],
    mean: &[f32],
    var: &[f32],
    gamma: &[f32],
    beta: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv_std: Vec<f32> = var.iter().map(|v| (1.0 / (*v as f64 + n.epsilon).sqrt()) as f32).collect();
    // The output gradient, zero where the ReLU cut the output.
    let cut = |c: usize| {
        let (scale, shift) = affine(c, mean, var, gamma, beta, n.epsilon);
        move |x: f32, dy: f32| if n.relu && x * scale + shift <= 0.0 { 0.0 } else { dy }
    };
    // Σ g and Σ g · x̂ per channel.
    let sums = map((0..s.channels).collect(), |c| {
        let g = cut(c);
        let (mut sum, mut dot) = (0f64, 0f64);
        for (x, dy) in s.planes(x, c).zip(s.planes(dy, c)) {
            let (a, b) = x.iter().zip(dy).fold((0f32, 0f32), |(a, b), (&x, &d)| {
                let d = g(x, d);
                (a + d, b + d * (x - mean[c]))
            });
            sum += a as f64;
            dot += b as f64;
        }
        (sum as f32, (dot * inv_std[c] as f64) as f32)
    });
    let (beta_grad, gamma_grad): (Vec<f32>, Vec<f32>) = sums.into_iter().unzip();
    let mut dx = vec![0f32; x.len()];
    let planes: Vec<(usize, (&mut [f32], (&[f32], &[f32])))> =
        dx.chunks_mut(s.plane).zip(x.chunks(s.plane).zip(dy.chunks(s.plane))).enumerate().collect();
    for_each(planes, |(i, (dx, (x, dy)))| {
        let c = i % s.channels;
        let g = cut(c);
        let count = s.count() as f32;
        let scale = gamma[c] * inv_std[c];
        let mean_grad = beta_grad[c] / count;
        let mean_normalised_grad = gamma_grad[c] / count;
        for (dx, (x, dy)) in dx.iter_mut().zip(x.iter().zip(dy)) {
            let normalised = (x - mean[c]) * inv_std[c];
            *dx = scale * (g(*x, *dy) - mean_grad - normalised * mean_normalised_grad);
        }
    });
    (dx, gamma_grad, beta_grad)
}

/// The sizes of a `[b, c, h, w]` CPU tensor, and its shape.
fn sizes(t: &FlexTensor) -> (Sizes, Shape) {
    let shape = t.layout().shape().clone();
    let [batch, channels, h, w] = shape.dims::<4>();
    (Sizes { batch, channels, plane: h * w }, shape)
}

/// The means and variances of statistics `[2, c]`.
fn split(stats: &[f32]) -> (&[f32], &[f32]) {
    stats.split_at(stats.len() / 2)
}

impl Kernels for Flex {
    fn owns(device: &Device) -> bool {
        crate::conv::cpu::supports(device)
    }

    /// The running statistics are left to the caller's tensor operations: on the CPU they cost
    /// no dispatches.
    fn norm_forward(
        n: Norm,
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        shortcut: Option<FlexTensor>,
        _running: Option<Running<FlexTensor>>,
    ) -> Forward<Flex> {
        let (s, shape) = sizes(&x);
        let x = values(&x);
        let (mean, var) = statistics(&s, &x);
        let y = match shortcut {
            // relu(y + shortcut), as burn's ReLU: zero where the sum is not positive.
            Some(shortcut) => normalise(&s, Norm { relu: false, ..n }, &x, &mean, &var, &values(&gamma), &values(&beta))
                .into_iter()
                .zip(values(&shortcut).iter())
                .map(|(y, s)| if y + s <= 0.0 { 0.0 } else { y + s })
                .collect(),
            None => normalise(&s, n, &x, &mean, &var, &values(&gamma), &values(&beta)),
        };
        Forward { output: flex_tensor(y, shape), stats: flex_tensor([mean, var].concat(), [2, s.channels]), running: None }
    }

    fn norm_output(n: Norm, x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, stats: FlexTensor) -> FlexTensor {
        let (s, shape) = sizes(&x);
        let stats = values(&stats);
        let (mean, var) = split(&stats);
        flex_tensor(normalise(&s, n, &values(&x), mean, var, &values(&gamma), &values(&beta)), shape)
    }

    fn norm_backward(
        n: Norm,
        x: FlexTensor,
        dy: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        stats: FlexTensor,
        output: Option<FlexTensor>,
    ) -> NormGradients<Flex> {
        let (s, shape) = sizes(&x);
        let stats = values(&stats);
        let (mean, var) = split(&stats);
        let dy = values(&dy);
        // A block's end: the ReLU's cut read from the output; that gradient is the shortcut's too.
        let cut: Option<Vec<f32>> = output.map(|y| values(&y).iter().zip(dy.iter()).map(|(&y, &d)| if y <= 0.0 { 0.0 } else { d }).collect());
        let (n, g): (Norm, &[f32]) = match &cut {
            Some(cut) => (Norm { relu: false, ..n }, cut),
            None => (n, &dy),
        };
        let (dx, dgamma, dbeta) = backward(&s, n, &values(&x), g, mean, var, &values(&gamma), &values(&beta));
        let shortcut = cut.map(|cut| flex_tensor(cut, shape.clone()));
        NormGradients { input: flex_tensor(dx, shape), gamma: flex_tensor(dgamma, [s.channels]), beta: flex_tensor(dbeta, [s.channels]), shortcut }
    }
}
