//! Natively, on glibc: keep freed memory in the process instead of handing it back to the
//! system after every training step.
//!
//! A CPU training step allocates and frees the same few hundred activation and gradient buffers
//! every time, most of them a few MiB. glibc serves blocks above its (dynamic) mmap threshold
//! with fresh `mmap`s and trims the heap's top when it frees them, so each step pays page faults
//! and the kernel's zeroing of every page again: 22 % of a ResNet20 v1 step on this VM
//! (BENCHMARKS.md, "Where the CPU time goes"). With a fixed 32 MiB threshold (glibc's maximum),
//! no trimming and a padded heap, the buffers are reused: 13–48 % more images per second at the
//! same peak resident memory. The page is unaffected: WebAssembly's allocator never returns
//! memory.

/// Sets glibc's allocator to reuse freed memory (see the module). Call once, first thing in
/// `main`. Elsewhere (another libc, macOS, Windows, wasm) it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's `mallopt` parameters (malloc.h).
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_TOP_PAD: i32 = -2;
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: `mallopt` only changes allocator settings; it is safe to call at any time.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, i32::MAX);
            mallopt(M_TOP_PAD, 256 << 20);
        }
    }
}
