//! `jumio-kyx-sandbox`: the offline Jumio KYX sandbox as a program of its own, with the flags of
//! `jumio-kyx sandbox`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Serves the whole Jumio KYX API offline until Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "jumio-kyx-sandbox", version, about)]
struct Cli {
    #[command(flatten)]
    sandbox: jumio_kyx_sandbox::args::SandboxArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match jumio_kyx_sandbox::args::run(cli.sandbox).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jumio-kyx-sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}
