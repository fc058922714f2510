//! Helpers shared by the native benchmark binaries.

/// A memory figure of this process from `/proc/self/status`, in MiB: `key` is `VmRSS` (now) or
/// `VmHWM` (the high-water mark). 0 where unavailable (not Linux).
pub fn proc_status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.strip_prefix(key).is_some_and(|rest| rest.starts_with(':')))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
