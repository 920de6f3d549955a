//! The C allocator's setting for a long-running server, applied by running the program
//! again with it before anything else happens.
//!
//! glibc's malloc serves a block above its mmap threshold (128 KiB at start) with a mapping
//! of its own, returned to the system when freed; but every such free raises the threshold,
//! up to 32 MiB, and the large buffers of a peak (response bodies, PDF pages, query rows)
//! then come from the arenas, where the small allocations between them keep their pages
//! resident for good. Fixed at 128 KiB, the threshold stays put: on 20,000 applications the
//! server held 145 MB after the pages of `bench/rss.sh`-style load instead of 244, at the
//! same request rates (`docs/PERFORMANCE.md`, run 6).
//!
//! glibc reads the setting only from `GLIBC_TUNABLES` when the process starts, and the
//! platform forbids `unsafe` code (so no `mallopt`): [`tune_allocator`] therefore replaces
//! the process with itself once, with the variable set. An operator's own `GLIBC_TUNABLES`
//! is kept as it is.

/// The tunables the server runs with.
pub const TUNABLES: &str = "glibc.malloc.mmap_threshold=131072";

/// Runs this program again, in the same process, with [`TUNABLES`] when `GLIBC_TUNABLES`
/// is unset; returns only if it is set already (the second run, or the operator's own) or
/// the program cannot be run again, in which case it carries on with glibc's defaults.
/// Call it first in `main`, before any thread starts. Does nothing off glibc.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        let err = again.args(args).env("GLIBC_TUNABLES", TUNABLES).exec();
        eprintln!("warning: running with glibc's default allocator settings ({err})");
    }
}
