//! The `zhicheng` command: parses the command line and hands over to the library.
#![forbid(unsafe_code)]

use clap::Parser;

/// Rust's allocations go to mimalloc, with the setting `infra::memory` gives it.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Before any thread: it may run the program again with the allocators' settings.
    zhicheng::infra::memory::tune_allocator();
    let cli = zhicheng::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        zhicheng::telemetry::init(zhicheng::settings::Settings::log_json_early());
        match zhicheng::cli::run(cli).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
