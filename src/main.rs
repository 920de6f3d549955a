//! The `zhicheng` command: parses the command line and hands over to the library.
#![forbid(unsafe_code)]

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = zhicheng::cli::Cli::parse();
    let json = std::env::var("ZHICHENG_LOG_FORMAT").is_ok_and(|v| v == "json")
        || std::env::var("ZHICHENG_ENV").is_ok_and(|v| v == "prod" || v == "production");
    zhicheng::telemetry::init(json);
    match zhicheng::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
