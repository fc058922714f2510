//! The `train` command line, end to end on the shared archive.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use burn::prelude::*;
use resnet_webgpu::checkpoint::load_safetensors;
use resnet_webgpu::model::{ModelKind, ResNetConfig};

fn train() -> Command {
    Command::new(env!("CARGO_BIN_EXE_train"))
}

#[test]
fn summary_prints_the_keras_counts() {
    // plain20: scripts/keras_plain.py, as in tests/model.rs.
    let models = [("resnet20v1", 273_066, 274_442), ("resnet29v2", 843_786, 849_002), ("plain20", 270_410, 271_786)];
    for (model, trainable, total) in models {
        let out = train().args(["--summary", "--model", model]).output().expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.lines().any(|l| l == format!("trainable parameters: {trainable}")), "{text}");
        assert!(text.lines().any(|l| l == format!("total parameters: {total}")), "{text}");
        assert!(text.contains("Conv2D(3×3, stride 2)") || model == "resnet29v2");
        assert_eq!(text.contains("Add"), model != "plain20", "{text}");
    }
}

#[test]
fn trains_an_epoch_and_writes_metrics_and_checkpoint() {
    let dir = std::env::temp_dir().join(format!("resnet-webgpu-cli-{}", std::process::id()));
    let metrics = dir.join("metrics.jsonl");
    let checkpoint = dir.join("best.safetensors");
    let out = train()
        .args(["--backend", "flex", "--model", "resnet20v1", "--epochs", "1", "--limit-train", "96"])
        .args(["--limit-test", "40", "--batch-size", "32"])
        .arg("--data")
        .arg(common::archive_path())
        .arg("--metrics")
        .arg(&metrics)
        .arg("--checkpoint")
        .arg(&checkpoint)
        .arg("--state")
        .arg(dir.join("last.safetensors"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Test accuracy:"));
    assert!(!dir.join("last.safetensors.partial").exists(), "the state is written through a rename");

    // Continue the saved run for a second epoch; the metrics file grows.
    let out = train()
        .args(["--backend", "flex", "--epochs", "2", "--data"])
        .arg(common::archive_path())
        .arg("--metrics")
        .arg(&metrics)
        .arg("--checkpoint")
        .arg(&checkpoint)
        .arg("--state")
        .arg(dir.join("last.safetensors"))
        .arg("--resume")
        .arg(dir.join("last.safetensors"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resuming resnet20v1 after epoch 1 of 2"));
    let resumed = resnet_webgpu::checkpoint::Checkpoint::from_bytes(
        &std::fs::read(dir.join("last.safetensors")).expect("state written"),
    )
    .expect("a run checkpoint");
    assert_eq!(resumed.run.epochs_done, 2);
    assert_eq!(resumed.run.history.len(), 2);
    // A weights file cannot be continued: a message, no panic.
    let out = train().args(["--backend", "flex", "--data"]).arg(common::archive_path()).arg("--resume").arg(&checkpoint).output().expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without a training state") && !err.contains("panicked"), "{err}");

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&metrics)
        .expect("metrics written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let types: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
    assert_eq!(types.first(), Some(&"started"));
    assert_eq!(types.last(), Some(&"finished"));
    assert!(types.contains(&"batch") && types.contains(&"epoch") && types.contains(&"checkpoint"));

    let mut model = ResNetConfig::from(ModelKind::RESNET20_V1).init(&Device::flex()).valid();
    load_safetensors(&mut model, std::fs::read(&checkpoint).expect("checkpoint written")).expect("loads");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_inputs_are_messages_not_panics() {
    let out = train().args(["--backend", "flex", "--data", "/nonexistent/cifar.tar.gz", "--epochs", "1"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not read") && !err.contains("panicked"), "{err}");

    // An archive that is not one: the reader's message, exit code 1.
    let bad = std::env::temp_dir().join(format!("resnet-webgpu-bad-{}.tar.gz", std::process::id()));
    std::fs::write(&bad, b"<html>404</html>").expect("temp file");
    let out = train().args(["--backend", "flex", "--epochs", "1", "--data"]).arg(&bad).output().expect("runs");
    std::fs::remove_file(&bad).ok();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a gzip file") && !err.contains("panicked"), "{err}");

    for model in ["resnet21v1", "plain21"] {
        let out = train().args(["--summary", "--model", model]).output().expect("runs");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("6n + 2") && !err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `train --summary | head -1`: the largest table (ResNet164 v2, 47 kB), of which the reader
    // takes one line and then closes the pipe. (The rest may all be in the pipe's buffer by then:
    // the second case below fails the first write for certain.)
    let mut child = train()
        .args(["--summary", "--model", "resnet164v2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    assert!(!first.trim().is_empty());
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    assert!(out.status.success(), "{:?}: {err}", out.status);

    // A reader gone before the first line: the very first write fails, just as quietly.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = train().args(["--summary", "--model", "resnet20v1"]).stdout(writer).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    assert!(out.status.success(), "{:?}: {err}", out.status);
}
