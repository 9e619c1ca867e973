//! `jumio-kyx sandbox`: serves the embedded sandbox until Ctrl-C (or SIGTERM).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use jumio_kyx::sandbox::SandboxConfig;

/// Options of `jumio-kyx sandbox`.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "JUMIO_SANDBOX_ADDR", default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// OAuth2 client id the token endpoint accepts.
    #[arg(
        long,
        env = "JUMIO_SANDBOX_CLIENT_ID",
        default_value = "sandbox-client"
    )]
    client_id: String,
    /// OAuth2 client secret the token endpoint accepts.
    #[arg(
        long,
        env = "JUMIO_SANDBOX_CLIENT_SECRET",
        default_value = "sandbox-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// Lifetime of the access tokens, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    access_token_ttl_secs: u64,
    /// Time from finalization to the result, in milliseconds.
    #[arg(long, default_value_t = 200)]
    processing_delay_ms: u64,
    /// Most accounts kept in memory; the oldest finished ones are evicted first.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_accounts: u64,
    /// Also POST callbacks to hosts other than this machine (by default only loopback receivers
    /// get them).
    #[arg(long)]
    deliver_remote_callbacks: bool,
}

pub(crate) async fn run(args: SandboxArgs) -> io::Result<()> {
    let config = SandboxConfig {
        addr: args.addr,
        client_id: args.client_id,
        client_secret: args.client_secret,
        access_token_ttl: Duration::from_secs(args.access_token_ttl_secs),
        processing_delay: Duration::from_millis(args.processing_delay_ms),
        max_accounts: usize::try_from(args.max_accounts).unwrap_or(usize::MAX),
        deliver_remote_callbacks: args.deliver_remote_callbacks,
        ..SandboxConfig::default()
    };
    let sandbox = config.start().await.map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot listen on {}: {error}", args.addr),
        )
    })?;
    println!("Jumio KYX sandbox listening on {}", sandbox.base_url());
    println!("  client id:     {}", sandbox.client_id());
    println!("  client secret: {}", sandbox.client_secret());
    println!("Every service (auth, account, api, retrieval, status) is served on that base URL.");
    println!("Press Ctrl-C to stop.");
    stop_signal().await?;
    println!("Stopping the sandbox.");
    sandbox.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (as sent by container runtimes and CI).
async fn stop_signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
