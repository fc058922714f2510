//! Training-step benchmark: images/s of the shared [`Learner`] step for each backend, model and
//! batch size, printed as a Markdown table for `BENCHMARKS.md`.
//!
//! ```text
//! cargo run --release --bin bench -- --backend flex --backend wgpu --batch 32 --batch 128
//! cargo run --release --bin bench -- --data data/cifar-10-binary.tar.gz --input host --input device
//! ```
//!
//! Without `--data` every step trains on one fixed random batch (the model's cost alone). With
//! it, every step makes a fresh augmented batch of real images, as training does: `host`
//! assembles it on the CPU and uploads it, `device` makes it on the GPU with
//! `shaders/augment.wgsl` (wgpu only), `auto` is what training picks.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;
use clap::{Parser, ValueEnum};
use common::out;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use resnet_webgpu::augment::Transform;
use resnet_webgpu::conv::ConvRoute;
use resnet_webgpu::data::{Cifar10, SIDE, Split};
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::pipeline::{Batches, DeviceImages};
use resnet_webgpu::peak::Matmul;
use resnet_webgpu::profile::KernelProfile;
use resnet_webgpu::summary::Summary;
use resnet_webgpu::timing::{dispatch_cost, timed_step};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::Learner;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Backend {
    Flex,
    Wgpu,
    /// burn's wgpu backend on wgpu's noop adapter (`resnet_webgpu::noop`): every step's host work
    /// and no GPU work, so a row's step time is the host's share of a step on any GPU driven
    /// from this CPU. Its losses are not results and it has no peak, device clock or kernel
    /// profile.
    Noop,
}

/// Where a step's batch comes from (with `--data`).
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Input {
    /// What training picks: the device on wgpu, the host on the CPU backend.
    Auto,
    /// Assembled on the CPU and uploaded.
    Host,
    /// Made on the GPU by `shaders/augment.wgsl` (wgpu only).
    Device,
}

/// How Adam updates the weights.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum AdamRoute {
    /// Our kernel where there is one (wgpu: shaders/adam.wgsl), as training does.
    Kernel,
    /// burn's tensor operations, a dozen per parameter (what the CPU backend runs).
    Ops,
}

impl AdamRoute {
    fn name(self) -> &'static str {
        match self {
            AdamRoute::Kernel => "kernel",
            AdamRoute::Ops => "ops",
        }
    }
}

/// Measure training steps per second.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, value_enum, default_values = ["flex", "wgpu"])]
    backend: Vec<Backend>,
    #[arg(long, default_values = ["resnet20v1", "resnet29v2"])]
    model: Vec<ModelKind>,
    #[arg(long, default_values_t = [32, 128])]
    batch: Vec<usize>,
    /// Untimed steps after the first one.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Timed steps (the median is reported).
    #[arg(long, default_value_t = 5)]
    steps: usize,
    /// A CIFAR-10 archive: train on fresh augmented batches of its images instead of one fixed
    /// random batch.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where batches are made (with `--data`; several give one row each).
    #[arg(long, value_enum, default_values = ["auto"])]
    input: Vec<Input>,
    /// Also time each step on the device's clock (burn's profiling window, timestamp queries
    /// where the adapter has them): the rest of the wall time is spent outside the kernels.
    #[arg(long)]
    profile: bool,
    /// How the convolutions run: `auto` (the measured choice, `ConvRoute::for_device`), `wgsl`
    /// (our implicit-GEMM kernels on wgpu, shaders/conv.wgsl), `cpu` (our im2col + gemm kernel on
    /// the CPU backend), `gemm` (im2col + matmul from tensor operations, src/conv.rs) or
    /// `backend` (the backend's conv2d); several give one row each.
    #[arg(long, default_values = ["auto"])]
    conv: Vec<ConvRoute>,
    /// How Adam updates the weights: `kernel` (ours where there is one: wgpu) or `ops` (tensor
    /// operations); several give one row each.
    #[arg(long, value_enum, default_values = ["kernel"])]
    adam: Vec<AdamRoute>,
    /// Also print a kernel profile of each row's timed steps (wgpu only): the top kernels by
    /// device time, their share and dispatches per step, from cubecl's profiling logger
    /// (`CUBECL_DEBUG_OPTION=profile`, logged to a temporary file).
    #[arg(long)]
    kernels: bool,
    /// With `--kernels`: how many kernels the profile names before it sums the rest as "others".
    #[arg(long, default_value_t = 10)]
    kernel_rows: usize,
    /// Train with burn's gradient checkpointing (memory-bound operations recomputed in the
    /// backward pass instead of kept), as training does.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    checkpointing: bool,
    /// Keep freed memory in the process (glibc's allocator tuned as `train` and `soak` tune
    /// it, `resnet_webgpu::alloc`); `false` measures glibc's defaults.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    keep_freed_memory: bool,
    /// Side of the matrices of the wgpu peak measurement (a multiple of 64).
    #[arg(long, default_value_t = 1024)]
    peak_n: usize,
}

/// Peak resident memory of this process, from `/proc/self/status` (MiB; 0 where unavailable).
fn rss_mib() -> f64 {
    common::proc_status_mib("VmHWM")
}

struct Row {
    first_step_s: f64,
    median_step_s: f64,
    /// What the device's allocator holds after the timed steps (wgpu only).
    device_mib: Option<f64>,
    /// With `--profile`: the median step on the device's clock, and whether that clock is the
    /// device's own (timestamp queries).
    device_step_s: Option<(f64, bool)>,
    /// With `--kernels`: the kernels of the timed steps.
    kernels: Option<KernelProfile>,
}

/// Where `--kernels` has cubecl log its kernel timings.
fn kernel_log() -> PathBuf {
    std::env::temp_dir().join(format!("resnet-webgpu-bench-kernels-{}.log", std::process::id()))
}

/// The log's length once cubecl's logger (a task of its own) has written what ran so far.
fn kernel_log_len(path: &std::path::Path) -> u64 {
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn measure(
    device: &Device,
    backend: Backend,
    model: ModelKind,
    batch: usize,
    data: Option<(&Split, &[f32])>,
    input: Input,
    route: ConvRoute,
    adam: AdamRoute,
    args: &Args,
) -> Result<Row, String> {
    let started = Instant::now();
    let train_device = if args.checkpointing {
        device.clone().autodiff().gradient_checkpointing()
    } else {
        device.clone().autodiff()
    };
    let config = TrainConfig { model, batch_size: batch, ..TrainConfig::default() };
    let mut learner = Learner::new(&config, &train_device).map_err(|e| e.to_string())?.with_conv_route(route)
        .with_adam_kernel(adam == AdamRoute::Kernel);
    let fixed = (
        Tensor::<4>::random([batch, 3, SIDE, SIDE], Distribution::Normal(0.0, 1.0), &train_device),
        Tensor::<1, Int>::random([batch], Distribution::Uniform(0.0, 10.0), &train_device),
    );
    // The set goes to the device before the first step, as in training (part of its time).
    let mut batches = match (data, input) {
        (None, _) => None,
        (Some((split, mean)), Input::Auto) => Some(Batches::new(split, mean, &train_device).map_err(|e| e.to_string())?),
        (Some((split, mean)), Input::Host) => Some(Batches::host(split, mean)),
        (Some((split, mean)), Input::Device) => Some(Batches::Device(
            DeviceImages::new(split, mean, &train_device).map_err(|e| e.to_string())?,
        )),
    };
    let n = data.map_or(0, |(split, _)| split.len());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut next = 0usize;
    let mut step = |since: Instant| -> Result<(f64, Option<(f64, bool)>), String> {
        let (images, labels) = match batches.as_mut() {
            None => fixed.clone(),
            Some(batches) => {
                let indices: Vec<usize> = (next..next + batch).map(|i| i % n).collect();
                next = (next + batch) % n;
                let transforms: Vec<Transform> =
                    indices.iter().map(|_| Transform::sample(&mut rng, 4, true)).collect();
                batches.batch(&indices, &transforms, &train_device)
            }
        };
        let (loss, on_device) = if args.profile {
            let timing = pollster::block_on(timed_step(&mut learner, images, labels, 1e-3, &train_device))?;
            (timing.loss, timing.device_s.map(|s| (s, timing.device_clock)))
        } else {
            let (loss, _) = learner.step(images, labels, 1e-3);
            // Waiting for the loss waits for the whole step.
            (pollster::block_on(loss.into_scalar_async::<f32>()).map_err(|e| format!("{e:?}"))?, None)
        };
        // The noop device computes nothing, so its loss is whatever its buffers hold.
        if !loss.is_finite() && backend != Backend::Noop {
            return Err(format!("non-finite loss {loss}"));
        }
        Ok((since.elapsed().as_secs_f64(), on_device))
    };
    let first_step_s = step(started)?.0;
    for _ in 0..args.warmup {
        step(Instant::now())?;
    }
    let on_wgpu = matches!(device.clone().without_autodiff().as_dispatch(), burn::backend::DispatchDevice::Cube(_));
    let log = (args.kernels && on_wgpu && backend != Backend::Noop).then(kernel_log);
    let log_start = log.as_deref().map(kernel_log_len);
    let steps = (0..args.steps.max(1)).map(|_| step(Instant::now())).collect::<Result<Vec<_>, _>>()?;
    let kernels = match (log.as_deref(), log_start) {
        (Some(path), Some(start)) => {
            let end = kernel_log_len(path);
            let bytes = std::fs::read(path).map_err(|e| format!("kernel log {}: {e}", path.display()))?;
            let segment = bytes.get(start as usize..end as usize).unwrap_or_default();
            Some(KernelProfile::parse(&String::from_utf8_lossy(segment)))
        }
        _ => None,
    };
    let mut times: Vec<f64> = steps.iter().map(|s| s.0).collect();
    times.sort_by(f64::total_cmp);
    let mut on_device: Vec<(f64, bool)> = steps.iter().filter_map(|s| s.1).collect();
    on_device.sort_by(|a, b| a.0.total_cmp(&b.0));
    let device_step_s = on_device.get(on_device.len() / 2).copied();
    let device_mib = device.memory_pool_usage().map(|usage| usage.bytes_reserved as f64 / (1 << 20) as f64);
    Ok(Row { first_step_s, median_step_s: times[times.len() / 2], device_mib, device_step_s, kernels })
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.keep_freed_memory {
        resnet_webgpu::alloc::keep_freed_memory();
    }
    if args.kernels {
        // SAFETY: nothing else runs yet (no thread has started, cubecl reads its settings on
        // first use).
        unsafe {
            std::env::set_var("CUBECL_DEBUG_LOG", kernel_log());
            std::env::set_var("CUBECL_DEBUG_OPTION", "profile");
        }
    }
    let mut profiles = Vec::new();
    let data = match &args.data {
        None => None,
        Some(path) => match std::fs::read(path).map_err(|e| e.to_string()).and_then(|bytes| {
            Cifar10::from_bytes(&bytes).map_err(|e| e.to_string())
        }) {
            Ok(data) => Some(data),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
    };
    let mean = data.as_ref().map(|d| d.pixel_mean()).unwrap_or_default();
    let split = data.as_ref().map(|d| (&d.train, &mean[..]));
    let inputs: &[Input] = if split.is_some() { &args.input } else { &[Input::Auto] };
    let mut failed = false;
    let mut lines = Vec::new();
    let mut peaks = Vec::new();
    let mut dispatch_costs = Vec::new();
    for &backend in &args.backend {
        let (device, name) = match backend {
            Backend::Flex => (Device::flex(), "flex (CPU)".to_string()),
            Backend::Wgpu => {
                let (device, setup) = match pollster::block_on(Device::wgpu_options().init_with_setup_async()) {
                    Ok(pair) => pair,
                    Err(e) => {
                        failed = true;
                        lines.push(format!("| wgpu | | | | failed: no device ({e:?}) | | | | | | | | |"));
                        continue;
                    }
                };
                // Whether burn-fusion runs the wgpu backend (the `fusion` feature) is part of the name.
                let fusion = if cfg!(feature = "fusion") { ", fusion" } else { "" };
                let name = format!("wgpu ({}{fusion})", setup.adapter.get_info().name);
                // The adapter's peak, on the very device and queue burn trains on.
                let kernel = Matmul::new(&setup.device);
                match pollster::block_on(kernel.peak(&setup.device, &setup.queue, args.peak_n, 10)) {
                    Ok(peak) => peaks.push((name.clone(), peak)),
                    Err(e) => {
                        failed = true;
                        eprintln!("peak measurement failed: {e}");
                    }
                }
                (device, name)
            }
            Backend::Noop => match resnet_webgpu::noop::device() {
                Ok(device) => {
                    let fusion = if cfg!(feature = "fusion") { ", fusion" } else { "" };
                    (device, format!("{}{fusion}", resnet_webgpu::noop::NAME))
                }
                Err(e) => {
                    failed = true;
                    lines.push(format!("| {} | | | | failed: {e} | | | | | | | | |", resnet_webgpu::noop::NAME));
                    continue;
                }
            },
        };
        for &model in &args.model {
            for &batch in &args.batch {
                let flop_per_image = ResNetConfig::from(model)
                    .try_init(&Device::flex())
                    .map(|m| Summary::of(&m).training_flops_per_image() as f64)
                    .unwrap_or(0.0);
                let (convs, adams) = (&args.conv, &args.adam);
                let rows = inputs.iter().flat_map(|i| convs.iter().flat_map(move |r| adams.iter().map(move |a| (*i, *r, *a))));
                for (input, route, adam) in rows {
                    let conv = route.resolve(&device).name();
                    let source = match (split, input, backend) {
                        (None, ..) => "fixed random",
                        (Some(_), Input::Host, _) | (Some(_), Input::Auto, Backend::Flex) => "host",
                        (Some(_), Input::Device, Backend::Flex) => continue,
                        (Some(_), _, Backend::Wgpu | Backend::Noop) => "device",
                    };
                    match measure(&device, backend, model, batch, split, input, route, adam, &args) {
                        Ok(row) => {
                            let images_per_sec = batch as f64 / row.median_step_s;
                            if let Some(kernels) = &row.kernels {
                                profiles.push(format!(
                                    "Kernels of {name}, {model}, batch {batch}, conv {conv}, Adam by {}, {} timed steps:\n\n{}",
                                    adam.name(),
                                    args.steps.max(1),
                                    kernels.table(args.steps.max(1), args.kernel_rows)
                                ));
                            }
                            let gflops = images_per_sec * flop_per_image / 1e9;
                            let share = peaks
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map_or("—".to_string(), |(_, p)| format!("{:.1} %", 100.0 * gflops / p.gflops));
                            let on_device = match row.device_step_s {
                                Some((s, true)) => format!("{s:.3} ({:.0} %)", 100.0 * s / row.median_step_s),
                                Some((s, false)) => format!("{s:.3} (host clock)"),
                                None => "—".to_string(),
                            };
                            lines.push(format!(
                                "| {name} | {model} | {batch} | {source} | {images_per_sec:.1} | {:.3} | {on_device} | {:.2} | {:.0} | {} | {gflops:.2} ({share}) | {conv} | {} |",
                                row.median_step_s,
                                row.first_step_s,
                                rss_mib(),
                                row.device_mib.map_or("—".to_string(), |m| format!("{m:.0}")),
                                adam.name(),
                            ))
                        }
                        Err(e) => {
                            failed = true;
                            lines.push(format!("| {name} | {model} | {batch} | {source} | failed: {e} | | | | | | | {conv} | {} |", adam.name()));
                        }
                    }
                }
            }
        }
        // After the training rows, as a device that has been working.
        if args.profile && backend != Backend::Flex {
            match pollster::block_on(dispatch_cost(&device, 2000)) {
                Ok(cost) => dispatch_costs.push(format!(
                    "{name}: one small dispatch (x + 1 on 8 values, 2000 in a row): wall {:.1} µs, device {}",
                    1e6 * cost.wall_s,
                    match cost.device_s {
                        Some(s) if cost.device_clock => format!("{:.1} µs", 1e6 * s),
                        Some(s) => format!("{:.1} µs (host clock)", 1e6 * s),
                        None => "—".to_string(),
                    }
                )),
                Err(e) => eprintln!("dispatch cost: {e}"),
            }
        }
    }
    for line in &dispatch_costs {
        out!("{line}");
    }
    for (name, peak) in &peaks {
        out!(
            "{name}: matmul peak {:.2} GFLOP/s ({} × {n}×{n}×{n} in {:.3} s, shaders/matmul.wgsl)",
            peak.gflops,
            peak.reps,
            peak.seconds,
            n = peak.n
        );
    }
    out!(
        "| backend | model | batch | batches | images/s | step (s, median of {}) | on the device's clock (s, share) | first step (s) | peak RSS (MiB) | device memory (MiB) | GFLOP/s (of matmul peak) | conv | Adam |",
        args.steps
    );
    out!("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for line in lines {
        out!("{line}");
    }
    for profile in &profiles {
        out!("\n{profile}");
    }
    if args.kernels {
        let _ = std::fs::remove_file(kernel_log());
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
