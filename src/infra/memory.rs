//! The allocators' settings for a long-running server, applied by running the program
//! again with them before anything else happens.
//!
//! Rust's own allocations go to mimalloc (`main`'s global allocator): with glibc's malloc
//! and free at about 15 % of the server's CPU on the signed-in pages (`perf`), mimalloc
//! (as set here) answered 6–17 % more of them a second, and the mixed deadline workload
//! 5–8 % more (`docs/PERFORMANCE.md`, run 8). Left to itself it commits its arenas eagerly, which held
//! the idle server at 51 MB instead of 35; `MIMALLOC_ARENA_EAGER_COMMIT=0` commits as pages
//! are used (38 MB idle, the speed the same).
//!
//! The C libraries (SQLite's page caches, the PDF fonts' C side) still use glibc's malloc. It
//! serves a block above its mmap threshold (128 KiB at start) with a mapping of its own,
//! returned to the system when freed; but every such free raises the threshold, up to
//! 32 MiB, and the large buffers of a peak then come from the arenas, where the small
//! allocations between them keep their pages resident for good. Fixed at 128 KiB, the
//! threshold stays put: on 20,000 applications the server held 145 MB after the pages of
//! `bench/rss.sh`-style load instead of 244, at the same request rates (run 6).
//!
//! Both read their settings only from the environment when the process starts, and the
//! platform forbids `unsafe` code (so no `mallopt`, no `mi_option_set`): [`tune_allocator`]
//! therefore replaces the process with itself once, with the variables set. A variable
//! the operator set is kept as it is.

/// The settings the server runs with: (variable, value).
pub const TUNABLES: [(&str, &str); 2] = [
    ("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072"),
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
];

/// Runs this program again, in the same process, with whichever of [`TUNABLES`] is unset;
/// returns if every one is set already (the second run, or the operator's own) or the
/// program cannot be run again, in which case it carries on with the allocators' defaults.
/// Call it first in `main`, before any thread starts. Does nothing off Linux with glibc.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        let unset: Vec<_> = TUNABLES
            .iter()
            .filter(|(name, _)| std::env::var_os(name).is_none())
            .collect();
        if unset.is_empty() {
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
        let err = again.args(args).envs(unset.iter().copied().copied()).exec();
        eprintln!("warning: running with the allocators' default settings ({err})");
    }
}
