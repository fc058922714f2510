//! The `bench` command line on wgpu's noop adapter (`--backend noop`, src/noop.rs): the whole
//! training step's host work with no GPU, so it runs on any machine, CI's included.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

/// `bench --backend noop --model resnet20v1` with `args`: whether it succeeded, its standard
/// output, and its standard error.
fn noop_bench(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["--backend", "noop", "--model", "resnet20v1"])
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// bench's table rows (not the header or its rule).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("| backend") && !l.starts_with("|---"))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}

#[test]
fn a_step_on_the_noop_adapter_is_timed_without_a_gpu() {
    let (ok, text, err) = noop_bench(&["--batch", "4", "--warmup", "1", "--steps", "2", "--profile"]);
    assert!(ok, "{text}\n{err}");
    let rows = rows(&text);
    assert_eq!(rows.len(), 1, "{text}");
    let row = &rows[0];
    assert!(row[0].starts_with("wgpu (noop: host only)"), "{text}");
    assert_eq!((row[1].as_str(), row[2].as_str(), row[3].as_str()), ("resnet20v1", "4", "fixed random"));
    let images: f64 = row[4].parse().unwrap_or_else(|_| panic!("images/s in {text}"));
    assert!(images > 0.0, "{text}");
    // No GPU clock and no peak: the step is timed on the host clock, the share left blank.
    assert!(row[6].ends_with("(host clock)"), "{text}");
    assert!(row[10].ends_with("(—)"), "{text}");
    // Our convolutions are what the noop device takes too (it is burn's wgpu backend).
    assert_eq!(row[11], "wgsl", "{text}");
    assert!(text.contains("wgpu (noop: host only)") && text.contains("one small dispatch"), "{text}");
    assert!(!text.lines().any(|l| l.contains(": matmul peak ")), "{text}");
    let dispatch = text.lines().find(|l| l.contains("one small dispatch")).expect("the dispatch line");
    assert!(dispatch.ends_with("µs (host clock)"), "{text}");
}

#[test]
fn the_noop_adapter_has_no_kernel_profile() {
    // Its kernels never run, so a profile of their times would be made up: none is printed.
    let (ok, text, err) = noop_bench(&["--batch", "2", "--warmup", "0", "--steps", "1", "--kernels"]);
    assert!(ok, "{text}\n{err}");
    assert_eq!(rows(&text).len(), 1, "{text}");
    assert!(!text.contains("Kernels of"), "{text}");
}
