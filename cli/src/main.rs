//! `jumio-kyx`: the command-line tool of the Jumio KYX client.

mod connect;
mod proxy;
mod serve;
mod steps;
mod summary;
mod verify;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Command-line tool for Jumio's KYX identity-verification API.
#[derive(Debug, Parser)]
#[command(name = "jumio-kyx", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify a person: create, upload the ID and selfie, finalize, wait, print the result. Runs on
    /// the embedded sandbox when no Jumio credentials are set.
    Verify(Box<verify::VerifyArgs>),
    /// Walk a Web journey: create an account with local receivers for its landing and callback,
    /// print (or --open) the link, wait, print the result. Runs on the embedded sandbox when no
    /// Jumio credentials are set.
    Web(Box<web::WebArgs>),
    /// List the documented workflow keys with their credentials and capabilities.
    Workflows,
    /// Serve the whole KYX API offline (the embedded sandbox) until Ctrl-C.
    Sandbox(jumio_kyx_sandbox::args::SandboxArgs),
    /// Forward traffic to Jumio unchanged and report, until Ctrl-C, where it disagrees with the
    /// spec (no value of the traffic in the report).
    Proxy(Box<proxy::ProxyArgs>),
    #[command(flatten)]
    Step(steps::Step),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The sandbox logs what it serves; the other commands print their own output and only
    // warnings, unless RUST_LOG asks for more.
    let default_level = match cli.command {
        Command::Sandbox(_) | Command::Proxy(_) => "info",
        _ => "warn",
    };
    // The browser opener logs the command it runs, which holds the Web journey's link and its
    // token: its records are never shown, whatever RUST_LOG says.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_level))
        .add_directive("webbrowser=off".parse().expect("a valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Verify(args) => verify::run(*args).await,
        Command::Web(args) => web::run(*args).await,
        Command::Workflows => {
            verify::list_workflows();
            Ok(())
        }
        Command::Sandbox(args) => jumio_kyx_sandbox::args::run(args)
            .await
            .map_err(anyhow::Error::from),
        Command::Proxy(args) => proxy::run(*args).await,
        Command::Step(step) => steps::run(step).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("jumio-kyx: {error:#}");
            ExitCode::FAILURE
        }
    }
}
