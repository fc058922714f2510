//! Where a training step's time goes: the wall time a person waits, and the device's own time for
//! the step's work, from timestamp queries where the adapter has them (burn's profiling window).
//! Their difference is time outside the kernels: launching, validation, transfers, waiting.
//! `bench --profile` prints both natively; the browser test prints them on WebGPU.

use burn::prelude::*;
use burn::tensor::TimingMethod;
use web_time::Instant;

use crate::trainer::Learner;

/// One measured step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTiming {
    /// The step's loss.
    pub loss: f32,
    /// From the call to the loss read back, in seconds.
    pub wall_s: f64,
    /// The step's work as the device timed it, in seconds (`None`: nothing measured).
    pub device_s: Option<f64>,
    /// Whether `device_s` comes from the device's clock (timestamp queries) rather than the
    /// host's around a synchronisation.
    pub device_clock: bool,
}

/// What one small dispatch costs, from [`dispatch_cost`] (all per dispatch, in seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DispatchCost {
    /// Sum of the result, `8 n` when every dispatch ran.
    pub sum: f32,
    /// From the first launch to the result read back.
    pub wall_s: f64,
    /// On the device's clock (`None`: nothing measured).
    pub device_s: Option<f64>,
    /// Whether `device_s` comes from the device's clock rather than the host's.
    pub device_clock: bool,
    /// Until the launches returned: the cost of handing work to the device.
    pub enqueued_s: f64,
}

/// One training step of `learner` on `images`, `labels` (on `device`), timed both ways.
pub async fn timed_step(
    learner: &mut Learner,
    images: Tensor<4>,
    labels: Tensor<1, Int>,
    lr: f64,
    device: &Device,
) -> Result<StepTiming, String> {
    let start = Instant::now();
    let (loss, duration) = device
        .profile(|| learner.step(images, labels, lr).0)
        .map_err(|e| format!("profiling the step failed: {e:?}"))?;
    let loss: f32 = loss.into_scalar_async::<f32>().await.map_err(|e| format!("{e:?}"))?;
    let wall_s = start.elapsed().as_secs_f64();
    let device_clock = duration.timing_method() == TimingMethod::Device;
    let device_s = duration.resolve().await.map(|ticks| ticks.duration().as_secs_f64());
    Ok(StepTiming { loss, wall_s, device_s, device_clock })
}

/// The cost of one small dispatch: `n` element-wise additions on an 8-value tensor, each its own
/// kernel (burn without fusion), timed on the wall and on the device. A training step is
/// thousands of dispatches, so this fixed cost is paid thousands of times per step.
pub async fn dispatch_cost(device: &Device, n: usize) -> Result<DispatchCost, String> {
    let x = Tensor::<1>::zeros([8], device);
    // Compile the kernel first.
    (x.clone() + 1.0).into_data_async().await.map_err(|e| format!("{e:?}"))?;
    let start = Instant::now();
    let (sum, duration) = device
        .profile(|| {
            let mut y = x;
            for _ in 0..n {
                y = y + 1.0;
            }
            y.sum()
        })
        .map_err(|e| format!("profiling failed: {e:?}"))?;
    let enqueued_s = start.elapsed().as_secs_f64() / n as f64;
    let sum: f32 = sum.into_scalar_async::<f32>().await.map_err(|e| format!("{e:?}"))?;
    let per = |s: f64| s / n as f64;
    let wall_s = per(start.elapsed().as_secs_f64());
    let device_clock = duration.timing_method() == TimingMethod::Device;
    let device_s = duration.resolve().await.map(|ticks| per(ticks.duration().as_secs_f64()));
    Ok(DispatchCost { sum, wall_s, device_s, device_clock, enqueued_s })
}
