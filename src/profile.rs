//! Kernel profiles of training steps on wgpu: which kernels take the device's time.
//!
//! cubecl times every kernel it launches when its profiling logger is on
//! (`CUBECL_DEBUG_OPTION=profile`, with `CUBECL_DEBUG_LOG=<file>`), and writes one line per
//! execution: `| 1.234ms | MatmulEntry_0a1b2c3d`. `bench --kernels` points that log at a file,
//! cuts out the lines of its timed steps, and [`KernelProfile::parse`] adds them up by kernel.
//!
//! Profiling waits for each kernel before the next, so the kernels' times add up to more than an
//! unprofiled step: read the shares and the dispatch counts, not the sum, as the step's cost.
//!
//! In the browser there is no log file: a [`Recording`] watches every launch instead (cubecl's
//! launch observer) and times each on the device's clock with WebGPU timestamp queries, read back
//! without blocking once the recorded steps are done (`?kernels=1` in the page, `www/kernel-profile.mjs`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use burn::cubecl::config::{TypeNameFormatLevel, type_name_format};
use burn::cubecl::logging::{LaunchObservation, LaunchObserver, ProfileDuration, TimingRequest};

/// One kernel's executions in the profiled steps.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRow {
    /// The kernel's name without cubecl's hash suffix (`MatmulEntry`, `SliceAssignKernel`).
    pub name: String,
    /// Device time of all its executions, in seconds.
    pub seconds: f64,
    /// How many times it ran.
    pub dispatches: usize,
}

/// Kernels by device time, the largest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KernelProfile {
    pub rows: Vec<KernelRow>,
}

impl KernelProfile {
    /// The profile of `(name, seconds)` executions.
    fn of(executions: impl IntoIterator<Item = (String, f64)>) -> Self {
        let mut by_name: HashMap<String, (f64, usize)> = HashMap::new();
        for (name, seconds) in executions {
            let entry = by_name.entry(name).or_default();
            entry.0 += seconds;
            entry.1 += 1;
        }
        let mut rows: Vec<KernelRow> = by_name
            .into_iter()
            .map(|(name, (seconds, dispatches))| KernelRow { name, seconds, dispatches })
            .collect();
        rows.sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then_with(|| a.name.cmp(&b.name)));
        Self { rows }
    }

    /// The profile of the execution lines in `log` (other lines, such as compilation logs, are
    /// skipped).
    pub fn parse(log: &str) -> Self {
        Self::of(log.lines().filter_map(execution).map(|(seconds, name)| (name.to_string(), seconds)))
    }

    /// Device time of every kernel, in seconds.
    pub fn seconds(&self) -> f64 {
        self.rows.iter().fold(0.0, |sum, r| sum + r.seconds)
    }

    /// Kernel launches.
    pub fn dispatches(&self) -> usize {
        self.rows.iter().map(|r| r.dispatches).sum()
    }

    /// A markdown table of the `top` kernels for `steps` profiled steps: share of the device
    /// time, time and dispatches per step.
    pub fn table(&self, steps: usize, top: usize) -> String {
        let steps = steps.max(1) as f64;
        let total = self.seconds().max(f64::MIN_POSITIVE);
        let mut out = String::new();
        let _ = writeln!(out, "| kernel | share of device time | ms per step | dispatches per step |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for row in self.rows.iter().take(top) {
            let _ = writeln!(
                out,
                "| {} | {:.1} % | {:.1} | {:.0} |",
                row.name,
                100.0 * row.seconds / total,
                1e3 * row.seconds / steps,
                row.dispatches as f64 / steps
            );
        }
        let rest: Vec<&KernelRow> = self.rows.iter().skip(top).collect();
        if !rest.is_empty() {
            let seconds = rest.iter().fold(0.0, |sum, r| sum + r.seconds);
            let dispatches: usize = rest.iter().map(|r| r.dispatches).sum();
            let _ = writeln!(
                out,
                "| {} others | {:.1} % | {:.1} | {:.0} |",
                rest.len(),
                100.0 * seconds / total,
                1e3 * seconds / steps,
                dispatches as f64 / steps
            );
        }
        let _ = writeln!(
            out,
            "| **all** | 100 % | {:.1} | {:.0} |",
            1e3 * self.seconds() / steps,
            self.dispatches() as f64 / steps
        );
        out
    }
}

/// The kernels launched while it lives (by anyone: cubecl's launch observer is process-wide), each
/// timed on the device's clock and kept unread, so that nothing waits for a kernel; each still
/// runs in a compute pass of its own between two timestamp writes (in Chromium on SwiftShader a
/// recorded step ran about a tenth slower: read the shares and dispatch counts).
pub struct Recording {
    launches: Arc<Launches>,
    observation: LaunchObservation,
}

#[derive(Default)]
struct Launches(Mutex<Vec<(&'static str, ProfileDuration)>>);

impl LaunchObserver for Launches {
    fn launched(&self, _kernel: &'static str) {}

    fn timing(&self) -> TimingRequest {
        TimingRequest::Deferred
    }

    fn profiled(&self, kernel: &'static str, profile: ProfileDuration) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push((kernel, profile));
    }
}

impl Recording {
    /// Starts recording. Needs an adapter with timestamp queries (cubecl-wgpu asks WebGPU for
    /// every feature the adapter has; Chromium offers them).
    pub fn start() -> Self {
        let launches = Arc::new(Launches::default());
        let observation = LaunchObservation::new(launches.clone());
        Self { launches, observation }
    }

    /// Stops recording and reads the timings back (awaiting the device, never blocking): the
    /// profile, and how many launches came back without a measurement.
    pub async fn finish(self) -> (KernelProfile, usize) {
        let Self { launches, observation } = self;
        drop(observation);
        let kept = std::mem::take(&mut *launches.0.lock().unwrap_or_else(PoisonError::into_inner));
        let mut executions = Vec::with_capacity(kept.len());
        let mut unmeasured = 0;
        for (kernel, profile) in kept {
            match profile.resolve().await {
                // The logger's short name: `MatmulEntry`, `ConvForward`.
                Some(ticks) => executions
                    .push((type_name_format(kernel, TypeNameFormatLevel::Short), ticks.duration().as_secs_f64())),
                None => unmeasured += 1,
            }
        }
        (KernelProfile::of(executions), unmeasured)
    }
}

/// `| 12.5ms | Name_0a1b2c3d` → (0.0125, "Name").
fn execution(line: &str) -> Option<(f64, &str)> {
    let rest = line.strip_prefix('|')?;
    let (time, name) = rest.split_once('|')?;
    let seconds = duration(time.trim())?;
    let name = name.split_whitespace().next()?;
    // cubecl appends an 8-digit hex hash of the kernel's settings.
    let name = match name.rsplit_once('_') {
        Some((base, hash)) if hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => base,
        _ => name,
    };
    Some((seconds, name))
}

/// Rust's `Debug` of a `Duration`: `1.5s`, `12.5ms`, `80.2µs`, `900ns`.
fn duration(text: &str) -> Option<f64> {
    for (unit, scale) in [("ns", 1e-9), ("µs", 1e-6), ("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] {
        if let Some(number) = text.strip_suffix(unit) {
            return number.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(|v| v * scale);
        }
    }
    None
}
