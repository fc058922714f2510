//! Helpers shared by the native binaries.
#![allow(dead_code)] // each binary uses some of them

use std::fmt;
use std::io::{ErrorKind, Write};

/// Writes one line to standard output. When the reader has gone (`train --summary | head -3`),
/// the program ends quietly with status 0, as `head` asked for no more; another write error
/// ends it with a message and status 1. (`println!` panics on both.)
pub fn write_line(args: fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.write_all(b"\n")).and_then(|()| stdout.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: could not write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` for a reader that may close the pipe early: see [`write_line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::common::write_line(format_args!($($arg)*))
    };
}
pub(crate) use out;

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
