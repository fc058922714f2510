//! Native command line: train a ResNet (or a plain network) on the CIFAR-10 binary archive with
//! the shared async trainer, a progress bar, a JSON-lines metrics file and the best checkpoint.
//!
//! ```text
//! cargo run --release --bin train -- --model resnet20v1 --epochs 1 --data cifar-10-binary.tar.gz
//! cargo run --release --bin train -- --model resnet29v2 --summary
//! cargo run --release --bin train -- --resume runs/last.safetensors --epochs 3
//! ```

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use burn::prelude::*;
use clap::{Parser, ValueEnum};
use common::out;
use indicatif::{ProgressBar, ProgressStyle};
use resnet_webgpu::checkpoint::{Checkpoint, to_safetensors};
use resnet_webgpu::data::Cifar10;
use resnet_webgpu::model::{ModelKind, ResNet, ResNetConfig};
use resnet_webgpu::recipe::TrainConfig;
use resnet_webgpu::summary::Summary;
use resnet_webgpu::trainer::{Control, Current, Event, Observer, Start, train_from};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Backend {
    /// burn's pure-Rust CPU backend.
    Flex,
    /// wgpu: Vulkan, Metal or DX12 (lavapipe on a machine without a GPU).
    Wgpu,
}

/// Train the Keras reference ResNets on CIFAR-10.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Network: resnet<depth>v<version>, e.g. resnet20v1, resnet56v1, resnet29v2, or a plain
    /// network (v1 without shortcuts): plain<depth>, e.g. plain20, plain56.
    #[arg(long, default_value = "resnet20v1")]
    model: ModelKind,
    /// Print the layer table and parameter counts, then exit.
    #[arg(long)]
    summary: bool,
    /// The official `cifar-10-binary.tar.gz`.
    #[arg(long, default_value = "data/cifar-10-binary.tar.gz")]
    data: PathBuf,
    #[arg(long, value_enum, default_value = "wgpu")]
    backend: Backend,
    /// Passes over the training set (the seed: 200; when resuming, the saved run's unless given).
    #[arg(long)]
    epochs: Option<usize>,
    /// Images per step (the seed: 32).
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Adam's initial learning rate (the seed: 1e-3).
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Train on the first N training images only.
    #[arg(long)]
    limit_train: Option<usize>,
    /// Evaluate on the first N test images only.
    #[arg(long)]
    limit_test: Option<usize>,
    /// Turn off the random shift and flip.
    #[arg(long)]
    no_augment: bool,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Read metrics back from the device every N steps.
    #[arg(long, default_value_t = 10)]
    metrics_every: usize,
    /// How the convolutions run: `auto` (the measured choice for the device), `gemm` (im2col +
    /// matmul, src/conv.rs) or `backend` (the backend's own conv2d).
    #[arg(long, default_value = "auto")]
    conv: resnet_webgpu::conv::ConvRoute,
    /// Where to write one JSON object per event.
    #[arg(long, default_value = "runs/metrics.jsonl")]
    metrics: PathBuf,
    /// Where to write the best checkpoint (safetensors, loadable by PyTorch).
    #[arg(long, default_value = "runs/best.safetensors")]
    checkpoint: PathBuf,
    /// Where to write the run's state after every epoch (weights, Adam's moments, schedule,
    /// history), replaced atomically; `--resume` continues from it.
    #[arg(long, default_value = "runs/last.safetensors")]
    state: PathBuf,
    /// Continue the run saved in this file (written by `--state`); the other training settings
    /// are the saved run's, except `--epochs`.
    #[arg(long)]
    resume: Option<PathBuf>,
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that an interruption
/// leaves either the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = PathBuf::from(temporary);
    let mut file = File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

struct Cli {
    bar: ProgressBar,
    metrics: BufWriter<File>,
    checkpoint: PathBuf,
    state: PathBuf,
    error: Option<String>,
}

impl Observer for Cli {
    fn event(&mut self, event: &Event) {
        let written = serde_json::to_string(event)
            .map_err(std::io::Error::other)
            .and_then(|line| writeln!(self.metrics, "{line}"))
            .and_then(|()| self.metrics.flush());
        if let Err(e) = written {
            self.error.get_or_insert(format!("could not write metrics: {e}"));
        }
        match event {
            Event::Started { model, trainable_params, train_images, steps_per_epoch, epochs, .. } => {
                self.bar.println(format!(
                    "{model}: {trainable_params} trainable parameters, {train_images} training images, \
                     {steps_per_epoch} steps × {epochs} epochs"
                ));
                self.bar.set_length((steps_per_epoch * epochs) as u64);
            }
            Event::Batch { epoch, step, steps_per_epoch, loss, accuracy, lr, images_per_sec } => {
                self.bar.set_position((epoch * steps_per_epoch + step) as u64);
                self.bar.set_message(format!(
                    "epoch {} loss {loss:.4} acc {accuracy:.3} lr {lr:.1e} {images_per_sec:.1} img/s",
                    epoch + 1
                ));
            }
            Event::Epoch(m) => self.bar.println(format!(
                "epoch {:>3}: loss {:.4} acc {:.4} · val_loss {:.4} val_acc {:.4} · lr {:.1e} · {:.1} s, {:.1} img/s",
                m.epoch + 1, m.train_loss, m.train_accuracy, m.val_loss, m.val_accuracy, m.lr,
                m.seconds, m.images_per_sec
            )),
            Event::LrReduced { next_lr, .. } => {
                self.bar.println(format!("plateau: learning rate reduced to {next_lr:.2e}"))
            }
            // In the JSON lines only (one line per metrics window).
            Event::Gradients { .. } | Event::Filters { .. } => {}
            Event::Checkpoint { epoch, best_val_accuracy, .. } => self.bar.println(format!(
                "epoch {}: val_acc improved to {best_val_accuracy:.4}, saved {}",
                epoch + 1,
                self.checkpoint.display()
            )),
            Event::Finished { test_loss, test_accuracy, .. } => {
                self.bar.finish_and_clear();
                out!("Test loss: {test_loss:.4}");
                out!("Test accuracy: {test_accuracy:.4}");
            }
        }
    }

    async fn control(&mut self, _: Current<'_>) -> Control {
        if self.error.is_some() { Control::Stop } else { Control::Continue }
    }

    async fn best_model(&mut self, _epoch: usize, model: &ResNet) {
        let result = to_safetensors(model)
            .map_err(|e| e.to_string())
            .and_then(|bytes| write_atomically(&self.checkpoint, &bytes).map_err(|e| e.to_string()));
        if let Err(e) = result {
            self.error.get_or_insert(format!("could not save {}: {e}", self.checkpoint.display()));
        }
    }

    fn wants_checkpoints(&self) -> bool {
        true
    }

    async fn checkpoint(&mut self, checkpoint: &Checkpoint, _best: bool) {
        let result = checkpoint
            .to_bytes()
            .map_err(|e| e.to_string())
            .and_then(|bytes| write_atomically(&self.state, &bytes).map_err(|e| e.to_string()));
        if let Err(e) = result {
            self.error.get_or_insert(format!("could not save {}: {e}", self.state.display()));
        }
    }
}

fn device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Flex => Ok(Device::flex()),
        Backend::Wgpu => Device::wgpu_options().init().map_err(|e| {
            format!(
                "no GPU device through wgpu ({e:?}). Install a Vulkan driver (on Debian without a \
                 GPU: `apt install mesa-vulkan-drivers`) or train on the CPU with `--backend flex`"
            )
        }),
    }
}

fn run(args: Args) -> Result<(), String> {
    if args.summary {
        let model = ResNetConfig::from(args.model).try_init(&Device::flex()).map_err(|e| e.to_string())?;
        out!("{}", Summary::of(&model));
        return Ok(());
    }
    let data = Cifar10::from_path(&args.data).map_err(|e| format!("{}: {e}", args.data.display()))?;
    let start = match &args.resume {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("could not read {}: {e}", path.display()))?;
            let mut checkpoint =
                Checkpoint::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(epochs) = args.epochs {
                checkpoint.run.config.epochs = epochs;
            }
            out!(
                "resuming {} after epoch {} of {}",
                checkpoint.run.config.model, checkpoint.run.epochs_done, checkpoint.run.config.epochs
            );
            Start::Resume(Box::new(checkpoint))
        }
        None => Start::Fresh(TrainConfig {
            model: args.model,
            batch_size: args.batch_size,
            epochs: args.epochs.unwrap_or(200),
            learning_rate: args.lr,
            augment: !args.no_augment,
            seed: args.seed,
            limit_train: args.limit_train,
            limit_test: args.limit_test,
            metrics_every: args.metrics_every,
            conv: args.conv,
            ..TrainConfig::default()
        }),
    };
    for path in [&args.metrics, &args.checkpoint, &args.state] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        }
    }
    // A resumed run adds to its metrics file.
    let metrics = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(args.resume.is_some())
        .truncate(args.resume.is_none())
        .open(&args.metrics)
        .map_err(|e| format!("could not create {}: {e}", args.metrics.display()))?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {elapsed_precise} (eta {eta}) {msg}")
            .map_err(|e| e.to_string())?,
    );
    let mut cli = Cli {
        bar,
        metrics: BufWriter::new(metrics),
        checkpoint: args.checkpoint,
        state: args.state,
        error: None,
    };
    let device = device(args.backend)?;
    pollster::block_on(train_from(&data, start, &device, &mut cli)).map_err(|e| e.to_string())?;
    out!("metrics: {}", args.metrics.display());
    match cli.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
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
