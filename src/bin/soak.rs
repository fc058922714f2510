//! Soak test: a long run of the real training loop (evaluation and a full checkpoint every
//! epoch) that prints the process's resident memory as it goes, to show that nothing grows after
//! warm-up. On lavapipe the "GPU" memory is host memory too, so the same figure covers both.
//!
//! ```text
//! cargo run --release --bin soak -- --backend flex --epochs 100   # 100 × 100 = 10,000 steps
//! ```

mod common;

use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::*;
use clap::{Parser, ValueEnum};
use common::out;
use resnet_webgpu::checkpoint::Checkpoint;
use resnet_webgpu::data::Cifar10;
use resnet_webgpu::model::{ModelKind, Version};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::trainer::{Control, Current, Event, Observer, train};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Backend {
    Flex,
    Wgpu,
}

/// Train a small ResNet for many steps and report memory after every few epochs.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
    /// The official `cifar-10-binary.tar.gz` (or the small test archive).
    #[arg(long, default_value = "data/cifar-10-binary.tar.gz")]
    data: std::path::PathBuf,
    /// Epochs of `--train-images / --batch` steps each.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    #[arg(long, default_value_t = 800)]
    train_images: usize,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Print a row every N epochs.
    #[arg(long, default_value_t = 10)]
    every: usize,
}

/// Current resident memory of this process (MiB), from `/proc/self/status`.
fn rss_mib() -> f64 {
    common::proc_status_mib("VmRSS")
}

struct Soak {
    every: usize,
    steps_per_epoch: usize,
    started: Instant,
    checkpoint_bytes: usize,
    rows: Vec<(usize, f64)>,
    /// Why the soak stopped early (a checkpoint that could not be serialised).
    error: Option<String>,
}

impl Observer for Soak {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started { steps_per_epoch, .. } => self.steps_per_epoch = *steps_per_epoch,
            Event::Epoch(m) if (m.epoch + 1) % self.every == 0 || m.epoch == 0 => {
                let rss = rss_mib();
                self.rows.push((m.epoch + 1, rss));
                out!(
                    "| {:>5} | {:>6} | {:>8.1} | {:>6.3} | {:>7.1} | {:>8.1} |",
                    m.epoch + 1,
                    (m.epoch + 1) * self.steps_per_epoch,
                    rss,
                    m.train_loss,
                    m.images_per_sec,
                    self.started.elapsed().as_secs_f64()
                );
            }
            _ => {}
        }
    }
    async fn control(&mut self, _: Current<'_>) -> Control {
        if self.error.is_some() { Control::Stop } else { Control::Continue }
    }
    fn wants_checkpoints(&self) -> bool {
        true
    }
    async fn checkpoint(&mut self, checkpoint: &Checkpoint, _best: bool) {
        // Serialised like the page and the CLI do, then dropped.
        match checkpoint.to_bytes() {
            Ok(bytes) => self.checkpoint_bytes = bytes.len(),
            Err(e) => {
                self.error.get_or_insert(format!("could not serialise the checkpoint: {e}"));
            }
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let data = Cifar10::from_path(&args.data).map_err(|e| format!("{}: {e}", args.data.display()))?;
    let device = match args.backend {
        Backend::Flex => Device::flex(),
        Backend::Wgpu => Device::wgpu_options().init().map_err(|e| format!("no wgpu device: {e:?}"))?,
    };
    let config = TrainConfig {
        model: ModelKind { version: Version::V1, depth: 8 },
        batch_size: args.batch,
        epochs: args.epochs,
        limit_train: Some(args.train_images),
        limit_test: Some(200),
        metrics_every: 25,
        ..TrainConfig::default()
    };
    out!("ResNet8 v1, batch {}, {:?}, {} epochs", args.batch, args.backend, args.epochs);
    out!("| epoch |  steps | RSS MiB  |  loss  |  img/s  | elapsed s |");
    out!("|------:|-------:|---------:|-------:|--------:|----------:|");
    let mut soak = Soak { every: args.every.max(1), steps_per_epoch: 0, started: Instant::now(), checkpoint_bytes: 0, rows: Vec::new(), error: None };
    pollster::block_on(train(&data, &config, &device, &mut soak)).map_err(|e| e.to_string())?;
    if let Some(error) = soak.error {
        return Err(error);
    }
    out!("checkpoint size: {} bytes", soak.checkpoint_bytes);
    if let (Some(first), Some(last)) = (soak.rows.get(1).or(soak.rows.first()), soak.rows.last()) {
        out!("RSS after warm-up (epoch {}): {:.1} MiB; at the end (epoch {}): {:.1} MiB; change {:+.1} MiB", first.0, first.1, last.0, last.1, last.1 - first.1);
    }
    Ok(())
}

fn main() -> ExitCode {
    resnet_webgpu::alloc::keep_freed_memory();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
