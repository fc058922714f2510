//! Training-step benchmark: images/s of the shared [`Learner`] step for each backend, model and
//! batch size, printed as a Markdown table for `BENCHMARKS.md`.
//!
//! ```text
//! cargo run --release --bin bench -- --backend flex --backend wgpu --batch 32 --batch 128
//! ```

mod common;

use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::*;
use burn::tensor::Distribution;
use clap::{Parser, ValueEnum};
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::peak::Matmul;
use resnet_webgpu::summary::Summary;
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::Learner;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Backend {
    Flex,
    Wgpu,
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
}

fn measure(device: &Device, model: ModelKind, batch: usize, args: &Args) -> Result<Row, String> {
    let train_device = device.clone().autodiff();
    let config = TrainConfig { model, batch_size: batch, ..TrainConfig::default() };
    let mut learner = Learner::new(&config, &train_device).map_err(|e| e.to_string())?;
    let images = Tensor::<4>::random([batch, 3, 32, 32], Distribution::Normal(0.0, 1.0), &train_device);
    let labels = Tensor::<1, Int>::random([batch], Distribution::Uniform(0.0, 10.0), &train_device);
    let mut step = || -> Result<f64, String> {
        let start = Instant::now();
        let (loss, _) = learner.step(images.clone(), labels.clone(), 1e-3);
        // Waiting for the loss waits for the whole step.
        let loss: f32 = pollster::block_on(loss.into_scalar_async::<f32>()).map_err(|e| format!("{e:?}"))?;
        if !loss.is_finite() {
            return Err(format!("non-finite loss {loss}"));
        }
        Ok(start.elapsed().as_secs_f64())
    };
    let first_step_s = step()?;
    for _ in 0..args.warmup {
        step()?;
    }
    let mut times = (0..args.steps.max(1)).map(|_| step()).collect::<Result<Vec<_>, _>>()?;
    times.sort_by(f64::total_cmp);
    Ok(Row { first_step_s, median_step_s: times[times.len() / 2] })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut failed = false;
    let mut lines = Vec::new();
    let mut peaks = Vec::new();
    for &backend in &args.backend {
        let (device, name) = match backend {
            Backend::Flex => (Device::flex(), "flex (CPU)".to_string()),
            Backend::Wgpu => {
                let (device, setup) = match pollster::block_on(Device::wgpu_options().init_with_setup_async()) {
                    Ok(pair) => pair,
                    Err(e) => {
                        failed = true;
                        lines.push(format!("| wgpu | | | failed: no device ({e:?}) | | | | |"));
                        continue;
                    }
                };
                let name = format!("wgpu ({})", setup.adapter.get_info().name);
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
        };
        for &model in &args.model {
            for &batch in &args.batch {
                let flop_per_image = ResNetConfig::from(model)
                    .try_init(&Device::flex())
                    .map(|m| Summary::of(&m).training_flops_per_image() as f64)
                    .unwrap_or(0.0);
                match measure(&device, model, batch, &args) {
                    Ok(row) => {
                        let images_per_sec = batch as f64 / row.median_step_s;
                        let gflops = images_per_sec * flop_per_image / 1e9;
                        let share = peaks
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map_or("—".to_string(), |(_, p)| format!("{:.1} %", 100.0 * gflops / p.gflops));
                        lines.push(format!(
                            "| {name} | {model} | {batch} | {images_per_sec:.1} | {:.3} | {:.2} | {:.0} | {gflops:.2} ({share}) |",
                            row.median_step_s,
                            row.first_step_s,
                            rss_mib()
                        ))
                    }
                    Err(e) => {
                        failed = true;
                        lines.push(format!("| {name} | {model} | {batch} | failed: {e} | | | | |"));
                    }
                }
            }
        }
    }
    for (name, peak) in &peaks {
        println!(
            "{name}: matmul peak {:.2} GFLOP/s ({} × {n}×{n}×{n} in {:.3} s, shaders/matmul.wgsl)",
            peak.gflops,
            peak.reps,
            peak.seconds,
            n = peak.n
        );
    }
    println!(
        "| backend | model | batch | images/s | step (s, median of {}) | first step (s) | peak RSS (MiB) | GFLOP/s (of matmul peak) |",
        args.steps
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for line in lines {
        println!("{line}");
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
