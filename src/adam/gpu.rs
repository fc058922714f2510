//! Adam's update on wgpu: `shaders/adam.wgsl`, launched on burn's own cubecl client; only with
//! the `webgpu` feature. Two ways:
//! - [`Pairs`]: two parameters a dispatch, in place (`adam_pairs`), where the weights and moments
//!   are held by nothing but the step (from the second step on, as training runs) — without
//!   fusion;
//! - [`step`]: one parameter a dispatch into new buffers (`adam`), everywhere else (queued in
//!   burn-fusion's stream with the `fusion` feature, as our other kernels).
//!
//! Why (BENCHMARKS.md, "Adam in one kernel" and "Adam two parameters a dispatch"): the update from
//! tensor operations is about a dozen of them per parameter, 82 parameters in ResNet20 v1: each a
//! dispatch without fusion, and with it an operation for burn-fusion to record, plan and fuse on
//! the host, which in the page is the training worker whose own work is the floor of a step. In
//! place, half the dispatches remain, and no buffer is allocated for the new values.

use burn::backend::Cube;
use burn::backend::wgpu::CubeTensor;
use burn::cubecl::prelude::CubeCount;
use burn::cubecl::server::KernelArguments;
use burn::prelude::*;
use burn::tensor::DType;

use super::{Moments, StepScalars};
use crate::fused::{self, contiguous};
use crate::launch::{self, WgslKernel};

/// The kernel's source.
pub const SHADER: &str = include_str!("../../shaders/adam.wgsl");

/// Invocations of a workgroup (the shader's `WG`).
const WORKGROUP: usize = 256;
/// The entry point for one parameter into new buffers.
const KERNEL: WgslKernel = WgslKernel { name: "Adam", source: SHADER, entry: "adam", workgroup: WORKGROUP as u32 };
/// The entry point for two parameters in place.
#[cfg(not(feature = "fusion"))]
const PAIRS: WgslKernel = WgslKernel { name: "AdamPairs", source: SHADER, entry: "adam_pairs", workgroup: WORKGROUP as u32 };

/// Workgroups of a step of `count` values: along x, then y.
pub fn workgroups(count: usize) -> (usize, usize) {
    launch::grid(count, WORKGROUP)
}

/// The fields of shaders/adam.wgsl's Params or Pair: its first four words (`head`), then the
/// step's numbers (its `Step`, at byte 16), then a word of padding (the struct's size is a multiple
/// of 16 bytes, and a uniform binding must hold all of it).
fn uniform(head: [u32; 4], s: StepScalars) -> Vec<u32> {
    let step = [s.beta_1, s.beta_2, s.one_minus_beta_1, s.one_minus_beta_2, s.factor, s.epsilon_hat, s.lr];
    let mut fields = head.to_vec();
    fields.extend(step.map(f32::to_bits));
    fields.push(0);
    fields
}

/// Launches the kernel on the buffers: the new weights (the weights' shape) and moments
/// (`[count]`).
fn launch(s: StepScalars, weights: CubeTensor, grad: CubeTensor, moments: Option<[CubeTensor; 2]>) -> [CubeTensor; 3] {
    let shape = weights.meta.shape().clone();
    let count = shape.num_elements();
    let flat = Shape::new([count]);
    let fresh = moments.is_none();
    // Three allocations, not one: parts of one are one buffer to cubecl, which none of them holds
    // alone, and the next step updates each in place only where it does (`Pairs::queue`).
    let (new_weights, fillers) = launch::output(&weights, shape, if fresh { 2 } else { 0 });
    let outputs = [new_weights, launch::output(&weights, flat.clone(), 0).0, launch::output(&weights, flat, 0).0];
    let moments = match moments {
        Some([first, second]) => [contiguous(first).handle.clone().binding(), contiguous(second).handle.clone().binding()],
        None => {
            let mut fillers = fillers.into_iter();
            [fillers.next().expect("two fillers").binding(), fillers.next().expect("two fillers").binding()]
        }
    };
    let client = weights.client.clone();
    let [first, second] = moments;
    let mut buffers = vec![contiguous(weights).handle.clone().binding(), contiguous(grad).handle.clone().binding(), first, second];
    buffers.extend(outputs.iter().map(|t| t.handle.clone().binding()));
    // shaders/adam.wgsl's Params.
    let sizes = uniform([count as u32, fresh as u32, s.decay.to_bits(), 0], s);
    let (across, down) = workgroups(count);
    client.launch(
        Box::new(KERNEL),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    outputs
}

/// Whether the kernels take these tensors: all f32, the gradient of the weights' shape, the
/// moments (if any) `[count]`. (Whether they are burn's wgpu tensors shows when they are
/// converted.)
fn fits<const D: usize>(weights: &Tensor<D>, grad: &Tensor<D>, moments: Option<&Moments>) -> bool {
    let count = weights.shape().num_elements();
    let moments = moments.into_iter().flat_map(|m| [&m.first, &m.second]);
    let f32s = [weights.dtype(), grad.dtype()].into_iter().chain(moments.clone().map(|t| t.dtype()));
    f32s.into_iter().all(|d| d == DType::F32) && weights.dims() == grad.dims() && moments.into_iter().all(|t| t.dims() == [count])
}

/// One Adam step of one parameter by the kernel: the new weights (the weights' shape) and
/// moments. `None` where the tensors are not all f32 tensors of burn's wgpu backend (without
/// autodiff) with the moments' shape `[count]`.
pub fn step<const D: usize>(weights: &Tensor<D>, grad: &Tensor<D>, moments: Option<&Moments>, s: StepScalars) -> Option<(Tensor<D>, Moments)> {
    if !fits(weights, grad, moments) {
        return None;
    }
    let primitive = |t: &Tensor<D>| t.clone().try_into_primitive::<Cube>().ok();
    let (w, g) = (primitive(weights)?, primitive(grad)?);
    let shape = Shape::new(weights.dims());
    let count = shape.num_elements();
    let flat = Shape::new([count]);
    let outputs = [shape, flat.clone(), flat];
    let [w, m, v] = match moments {
        None => fused::run_many("Adam", [w, g], outputs, move |[w, g]| launch(s, w, g, None)),
        Some(Moments { first, second }) => {
            let m = first.clone().try_into_primitive::<Cube>().ok()?;
            let v = second.clone().try_into_primitive::<Cube>().ok()?;
            fused::run_many("Adam", [w, g, m, v], outputs, move |[w, g, m, v]| launch(s, w, g, Some([m, v])))
        }
    };
    let moments = Moments { first: Tensor::from_primitive::<Cube>(m), second: Tensor::from_primitive::<Cube>(v) };
    Some((Tensor::from_primitive::<Cube>(w), moments))
}

/// One parameter's buffers for `adam_pairs` (weights, gradient, moments: `count` values each,
/// row-major), and the penalty's coefficient of its gradient.
#[cfg(not(feature = "fusion"))]
struct InPlace {
    weights: CubeTensor,
    grad: CubeTensor,
    first: CubeTensor,
    second: CubeTensor,
    decay: f32,
}

#[cfg(not(feature = "fusion"))]
impl InPlace {
    fn count(&self) -> usize {
        self.weights.meta.shape().num_elements()
    }

    /// Its four buffers, in the shader's order.
    fn buffers(self) -> [Option<CubeTensor>; 4] {
        [self.weights, self.grad, self.first, self.second].map(Some)
    }
}

/// Adam's updates of one step in place, two parameters a dispatch: [`queue`](Self::queue) one
/// parameter after another; a dispatch is launched when a second parameter joins the waiting
/// one, and for a parameter left waiting by [`flush`](Self::flush) (or when the queue is dropped).
/// Without the `fusion` feature; with it nothing is queued.
#[derive(Default)]
pub struct Pairs {
    #[cfg(not(feature = "fusion"))]
    waiting: Option<(InPlace, StepScalars)>,
}

impl Pairs {
    /// Queues one step of one parameter, in place: the weights and moments it returns are the
    /// tensors it was given, which hold the step's values once its dispatch has run (before any
    /// later work on the device). Gives the tensors back (`Err`), for an update into new buffers,
    /// where this does not apply: not all f32 tensors of burn's wgpu backend without fusion,
    /// shapes that do not match (moments `[count]`), or weights or moments whose buffer something
    /// else holds too (a clone kept elsewhere, or other tensors' parts of one allocation: cubecl's
    /// `can_mut`), or holds with other strides than row-major.
    pub fn queue<const D: usize>(&mut self, weights: Tensor<D>, grad: Tensor<D>, moments: Moments, s: StepScalars) -> Result<(Tensor<D>, Moments), (Tensor<D>, Tensor<D>, Moments)> {
        #[cfg(feature = "fusion")]
        {
            let _ = s; // the numbers of an update this build does not queue
            Err((weights, grad, moments))
        }
        #[cfg(not(feature = "fusion"))]
        {
            if !fits(&weights, &grad, Some(&moments)) {
                return Err((weights, grad, moments));
            }
            let cube = |t: &Tensor<1>| t.clone().try_into_primitive::<Cube>().ok();
            let (Some(w), Some(g), Some(m), Some(v)) = (
                weights.clone().try_into_primitive::<Cube>().ok(),
                grad.clone().try_into_primitive::<Cube>().ok(),
                cube(&moments.first),
                cube(&moments.second),
            ) else {
                return Err((weights, grad, moments));
            };
            // The step's own holders, dropped so that `can_mut` counts only others.
            drop((weights, grad, moments));
            let tensor = |t: &CubeTensor| Tensor::<1>::from_primitive::<Cube>(t.clone());
            let ours = |t: &CubeTensor| t.can_mut() && t.is_contiguous();
            if ![&w, &m, &v].into_iter().all(ours) {
                let moments = Moments { first: tensor(&m), second: tensor(&v) };
                return Err((Tensor::from_primitive::<Cube>(w), Tensor::from_primitive::<Cube>(g), moments));
            }
            let updated = (Tensor::from_primitive::<Cube>(w.clone()), Moments { first: tensor(&m), second: tensor(&v) });
            let param = InPlace { weights: w, grad: contiguous(g), first: m, second: v, decay: s.decay };
            // Parameters share a dispatch where the step's numbers other than the decay are the same.
            let shared = |a: StepScalars| a.with_decay(0.0) == s.with_decay(0.0);
            self.waiting = match self.waiting.take() {
                Some((a, sa)) if shared(sa) => {
                    launch_pair(sa, a, Some(param));
                    None
                }
                Some((a, sa)) => {
                    launch_pair(sa, a, None);
                    Some((param, s))
                }
                None => Some((param, s)),
            };
            Ok(updated)
        }
    }

    /// Launches the step of a parameter left waiting for a partner, if any.
    pub fn flush(&mut self) {
        #[cfg(not(feature = "fusion"))]
        if let Some((a, s)) = self.waiting.take() {
            launch_pair(s, a, None);
        }
    }
}

impl Drop for Pairs {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Launches `adam_pairs` on `a` and `b`'s buffers, or on `a`'s and four one-value fillers.
#[cfg(not(feature = "fusion"))]
fn launch_pair(s: StepScalars, a: InPlace, b: Option<InPlace>) {
    let client = a.weights.client.clone();
    let (count_a, decay_a) = (a.count(), a.decay);
    let (count_b, decay_b) = b.as_ref().map_or((0, 0.0), |b| (b.count(), b.decay));
    let fillers = match b {
        Some(_) => Vec::new(),
        None => launch::outputs(&a.weights, [], 4).1,
    };
    let inputs = a.buffers().into_iter().chain(b.map_or([None, None, None, None], InPlace::buffers));
    let buffers = launch::input_bindings(inputs, &mut fillers.into_iter());
    // shaders/adam.wgsl's Pair.
    let sizes = uniform([count_a as u32, count_b as u32, decay_a.to_bits(), decay_b.to_bits()], s);
    let (across, down) = workgroups(count_a + count_b);
    client.launch(
        Box::new(PAIRS),
        CubeCount::Static(across as u32, down as u32, 1),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
}
