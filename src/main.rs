//! The `zhicheng` command: parses the command line and hands over to the library.
#![forbid(unsafe_code)]

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = zhicheng::cli::Cli::parse();
    zhicheng::telemetry::init(zhicheng::settings::Settings::log_json_early());
    match zhicheng::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
