//! The command line of the sandbox (`jumio-kyx sandbox`, `jumio-kyx-sandbox`): its flags, and
//! serving until Ctrl-C (or SIGTERM).

use std::io::{self, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{FaultConfig, FaultKind, RateLimits, SandboxConfig, WorkflowDefinition};
use clap::Args;
use clap::builder::UnknownArgumentValueParser;

/// The flags of `jumio-kyx sandbox` and `jumio-kyx-sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
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
    /// File holding the OAuth2 client secret the token endpoint accepts (- for standard input);
    /// else JUMIO_SANDBOX_CLIENT_SECRET, else `sandbox-secret`.
    #[arg(long, value_name = "PATH")]
    client_secret_file: Option<PathBuf>,
    // Only there to refuse the flag with a hint: a secret on the command line can be read by
    // every user of the machine (`/proc/<pid>/cmdline`). clap never sets it.
    #[allow(dead_code)]
    #[arg(
        long = "client-secret",
        hide = true,
        value_parser = refused_secret_argument("JUMIO_SANDBOX_CLIENT_SECRET", "--client-secret-file")
    )]
    refused_client_secret: Option<String>,
    /// Lifetime of the access tokens, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    access_token_ttl_secs: u64,
    /// Time from finalization to the result, in milliseconds.
    #[arg(long, default_value_t = 200)]
    processing_delay_ms: u64,
    /// Most accounts kept in memory; the oldest finished ones are evicted first, none with a
    /// workflow execution in progress (creation is refused with 429 then).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_accounts: u64,
    /// Most workflow executions kept in memory over all accounts, bounded like the accounts.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_executions: u64,
    /// Most image bytes kept in memory, in MiB.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    max_stored_mib: u64,
    #[command(flatten)]
    rate_limits: RateLimitArgs,
    /// Also POST callbacks to hosts other than this machine (by default only loopback receivers
    /// get them).
    #[arg(long)]
    deliver_remote_callbacks: bool,
    /// Longest time a client may take to send a request's headers, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: u64,
    /// Longest time a client may take to send a request's body, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    body_read_timeout_secs: u64,
    /// Most connections served at once; further clients wait until one closes.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// A JSON file defining the tenant's own workflows (see `sandbox/workflows.example.json`).
    #[arg(long, value_name = "FILE")]
    workflows: Option<std::path::PathBuf>,
    /// Refuse a workflow key that is neither documented nor defined, instead of running it like
    /// 10011.
    #[arg(long)]
    strict_workflows: bool,
    /// How long a started Web journey may go without an action before it expires
    /// (SESSION_EXPIRED), for example 15m, 90s or 1h30m.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_session_timeout)]
    session_timeout: Duration,
    #[command(flatten)]
    faults: FaultArgs,
}

/// A session timeout: a duration such as `15m` or `90s`, above zero.
fn parse_session_timeout(value: &str) -> Result<Duration, String> {
    let timeout = humantime::parse_duration(value.trim()).map_err(|error| {
        format!("`{value}` is not a duration ({error}); write for example 15m, 90s or 1h30m")
    })?;
    if timeout.is_zero() {
        return Err("the session timeout must be above zero".to_owned());
    }
    Ok(timeout)
}

/// Rate-limit flags: Jumio's limits per client id, answered with Jumio's `429`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Rate limits")]
pub struct RateLimitArgs {
    /// Serve without rate limits (for load tests).
    #[arg(long)]
    no_rate_limits: bool,
    /// Token requests per second (0: unlimited).
    #[arg(long, default_value_t = RateLimits::jumio().token_requests_per_second)]
    rate_limit_tokens: u32,
    /// Account creations and updates per 5 seconds (0: unlimited).
    #[arg(long, default_value_t = RateLimits::jumio().initiations_per_5_seconds)]
    rate_limit_initiations: u32,
    /// Retrieval requests per 5 seconds (0: unlimited).
    #[arg(long, default_value_t = RateLimits::jumio().retrievals_per_5_seconds)]
    rate_limit_retrievals: u32,
}

impl RateLimitArgs {
    fn config(&self) -> Option<RateLimits> {
        (!self.no_rate_limits).then_some(RateLimits {
            token_requests_per_second: self.rate_limit_tokens,
            initiations_per_5_seconds: self.rate_limit_initiations,
            retrievals_per_5_seconds: self.rate_limit_retrievals,
        })
    }
}

/// Declares [`FaultArgs`]: its fields in order, each either a rate flag (`rate name = "flag" =>
/// kind`, the same clap settings for all; `kind` is the fault kind whose share it replaces, or
/// `spread` for the rate spread over every kind) or a plain field with its own attributes.
macro_rules! fault_args {
    // Every field read: the struct, and the per-kind flags with their kinds.
    (@fields [$($fields:tt)*] @kinds [$(($kind:path, $flag_field:ident))*]) => {
        /// Fault injection flags of `jumio-kyx sandbox`: rates are probabilities per request in
        /// 0..=1, summed at most 1.
        #[derive(Debug, Default, Args)]
        #[command(next_help_heading = "Fault injection")]
        pub struct FaultArgs {
            $($fields)*
        }

        impl FaultArgs {
            /// The per-kind flags: each kind with the rate its flag gives, if given.
            fn overrides(&self) -> Vec<(FaultKind, Option<f64>)> {
                vec![$(($kind, self.$flag_field)),*]
            }
        }
    };
    // The spread rate.
    (@fields [$($fields:tt)*] @kinds [$($kinds:tt)*]
        $(#[doc = $doc:literal])* rate $field:ident = $flag:literal => spread; $($rest:tt)*) => {
        fault_args!(@fields [$($fields)* $(#[doc = $doc])* #[arg(
            long = $flag,
            value_name = "RATE",
            value_parser = parse_rate,
            allow_negative_numbers = true
        )] $field: Option<f64>,] @kinds [$($kinds)*] $($rest)*);
    };
    // A per-kind rate.
    (@fields [$($fields:tt)*] @kinds [$($kinds:tt)*]
        $(#[doc = $doc:literal])* rate $field:ident = $flag:literal => $kind:path; $($rest:tt)*) => {
        fault_args!(@fields [$($fields)* $(#[doc = $doc])* #[arg(
            long = $flag,
            value_name = "RATE",
            value_parser = parse_rate,
            allow_negative_numbers = true
        )] $field: Option<f64>,] @kinds [$($kinds)* ($kind, $field)] $($rest)*);
    };
    // Any other field, as written.
    (@fields [$($fields:tt)*] @kinds [$($kinds:tt)*]
        $(#[$meta:meta])* $field:ident: $type:ty; $($rest:tt)*) => {
        fault_args!(@fields [$($fields)* $(#[$meta])* $field: $type,] @kinds [$($kinds)*] $($rest)*);
    };
    ($($body:tt)*) => {
        fault_args!(@fields [] @kinds [] $($body)*);
    };
}

fault_args! {
    /// Probability that a request is faulted, spread evenly over the seven kinds (429, 429 with
    /// Retry-After, 500, 502, 503, slow, dropped); a per-kind flag overrides that kind's share.
    rate fault_rate = "fault-rate" => spread;
    /// Seed of the fault generator: the same seed gives the same faults to the same sequence of
    /// requests.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    fault_seed: u64;
    /// Rate of 429 Too Many Requests without Retry-After.
    rate fault_429 = "fault-429" => FaultKind::RateLimited;
    /// Rate of 429 Too Many Requests with `Retry-After: 1`.
    rate fault_429_retry_after = "fault-429-retry-after" => FaultKind::RateLimitedRetryAfter;
    /// Rate of 500 Internal Server Error (the request is not processed).
    rate fault_500 = "fault-500" => FaultKind::InternalError;
    /// Rate of 502 Bad Gateway (the request is not processed).
    rate fault_502 = "fault-502" => FaultKind::BadGateway;
    /// Rate of 503 Service Unavailable (the request is not processed).
    rate fault_503 = "fault-503" => FaultKind::Unavailable;
    /// Rate of slow answers: the request is processed, the answer held for --fault-slow-ms.
    rate fault_slow = "fault-slow" => FaultKind::Slow;
    /// How long a slow answer is held, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    fault_slow_ms: u64;
    /// Rate of dropped connections (before or after the request is processed; no answer).
    rate fault_drop = "fault-drop" => FaultKind::Dropped;
}

/// A fault rate: a probability in 0..=1.
fn parse_rate(value: &str) -> Result<f64, String> {
    let rate: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number; a rate is a probability in 0..=1"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!(
            "{value} is outside 0..=1; a rate is a probability per request"
        ))
    }
}

impl FaultArgs {
    /// The fault configuration the flags ask for, or why they cannot be.
    pub fn config(&self) -> Result<FaultConfig, String> {
        let mut config = FaultConfig::uniform(self.fault_rate.unwrap_or(0.0), self.fault_seed);
        config.slow_delay = Duration::from_millis(self.fault_slow_ms);
        for (kind, rate) in self.overrides() {
            if let Some(rate) = rate {
                config = config.with_rate(kind, rate);
            }
        }
        let total = config.total_rate();
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "the fault rates sum to {total:.3} (--fault-rate is spread over seven kinds, and \
                 --fault-429, --fault-429-retry-after, --fault-500, --fault-502, --fault-503, \
                 --fault-slow and --fault-drop replace their kind's share); the sum is the \
                 probability that a request is faulted and must be at most 1"
            ));
        }
        config.validate().map_err(|error| error.to_string())?;
        Ok(config)
    }
}

/// One line describing the faults, for the start-up banner.
fn describe(config: &FaultConfig) -> String {
    let kinds: Vec<String> = FaultKind::ALL
        .iter()
        .filter(|&&kind| config.rate(kind) > 0.0)
        .map(|&kind| format!("{kind} {:.3}", config.rate(kind)))
        .collect();
    format!(
        "{:.3} of the requests (seed {}): {}; slow answers held {} ms",
        config.total_rate(),
        config.seed,
        kinds.join(", "),
        config.slow_delay.as_millis()
    )
}

/// The warning to give when the sandbox would serve off the loopback interface with a default
/// credential (`sandbox-client` / `sandbox-secret`, printed by every start-up): anyone who can
/// reach `addr` could then get tokens and create accounts. `None` when `addr` is loopback or both
/// credentials were changed.
pub fn exposure_warning(config: &SandboxConfig) -> Option<String> {
    let defaults = SandboxConfig::default();
    let default_id = config.client_id == defaults.client_id;
    let default_secret = config.client_secret == defaults.client_secret;
    if config.addr.ip().is_loopback() || !(default_id || default_secret) {
        return None;
    }
    let which = match (default_id, default_secret) {
        (true, true) => "the default client id and secret",
        (true, false) => "the default client id",
        _ => "the default client secret",
    };
    Some(format!(
        "the sandbox listens on {}, which is not a loopback address, with {which}: anyone who \
         can reach it can get tokens; set --client-id and JUMIO_SANDBOX_CLIENT_SECRET (or \
         --client-secret-file), or listen on 127.0.0.1",
        config.addr
    ))
}

/// What a flag that would take a secret (`--client-secret`, `--token`) answers: it does not
/// exist, and why; the hint names the environment variable and the file flag to use instead.
pub fn refused_secret_argument(variable: &str, file_flag: &str) -> UnknownArgumentValueParser {
    UnknownArgumentValueParser::suggest(format!(
        "secrets are not taken from the command line, where other users of this machine can read \
         them: set {variable}, or use {file_flag} PATH (- for standard input)"
    ))
}

/// Reads a secret from `file` (`-`: standard input) when given, else from the environment
/// variable `variable` (an empty value counts as unset). Trailing line breaks of a file are
/// dropped; an empty file is refused. `None` when neither is set. Errors name the source, never
/// the secret.
pub fn read_secret(variable: &str, file: Option<&Path>) -> io::Result<Option<String>> {
    let Some(file) = file else {
        return Ok(std::env::var(variable)
            .ok()
            .filter(|value| !value.is_empty()));
    };
    let stdin = file == Path::new("-");
    let source = if stdin {
        "standard input".to_owned()
    } else {
        file.display().to_string()
    };
    let mut text = String::new();
    if stdin {
        io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text))
    }
    .map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read the secret from {source}: {e}"),
        )
    })?;
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{source} holds no secret (it is empty)"),
        ));
    }
    Ok(Some(secret.to_owned()))
}

/// The client secret the sandbox accepts: from `file` when given, else from
/// `JUMIO_SANDBOX_CLIENT_SECRET`, else the default `sandbox-secret` (see [`read_secret`]).
fn client_secret(file: Option<&Path>) -> io::Result<String> {
    Ok(read_secret("JUMIO_SANDBOX_CLIENT_SECRET", file)?
        .unwrap_or_else(|| SandboxConfig::default().client_secret))
}

/// Serves a sandbox configured by `args` until Ctrl-C or SIGTERM, printing its base URL and
/// credentials first.
pub async fn run(args: SandboxArgs) -> io::Result<()> {
    let faults = args
        .faults
        .config()
        .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
    let config = SandboxConfig {
        addr: args.addr,
        client_id: args.client_id,
        client_secret: client_secret(args.client_secret_file.as_deref())?,
        access_token_ttl: Duration::from_secs(args.access_token_ttl_secs),
        processing_delay: Duration::from_millis(args.processing_delay_ms),
        max_accounts: usize::try_from(args.max_accounts).unwrap_or(usize::MAX),
        max_executions: usize::try_from(args.max_executions).unwrap_or(usize::MAX),
        max_stored_bytes: usize::try_from(args.max_stored_mib.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
        rate_limits: args.rate_limits.config(),
        deliver_remote_callbacks: args.deliver_remote_callbacks,
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
        body_read_timeout: Duration::from_secs(args.body_read_timeout_secs),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        faults,
        workflows: match &args.workflows {
            Some(path) => WorkflowDefinition::load(path)?,
            None => Vec::new(),
        },
        strict_workflows: args.strict_workflows,
        session_timeout: args.session_timeout,
        ..SandboxConfig::default()
    };
    if let Some(warning) = exposure_warning(&config) {
        tracing::warn!("{warning}");
        eprintln!("WARNING: {warning}");
    }
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
    match sandbox.config().rate_limits {
        Some(limits) => println!(
            "Rate limits per client id: {} token requests per second, {} account creations or \
             updates and {} retrievals per 5 seconds (--no-rate-limits to serve without).",
            limits.token_requests_per_second,
            limits.initiations_per_5_seconds,
            limits.retrievals_per_5_seconds
        ),
        None => println!("No rate limits."),
    }
    if sandbox.config().faults.is_enabled() {
        println!("Injected faults: {}", describe(&sandbox.config().faults));
    }
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        faults: FaultArgs,
    }

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        sandbox: SandboxArgs,
    }

    fn session_timeout(args: &[&str]) -> Result<Duration, String> {
        Command::try_parse_from(std::iter::once("sandbox").chain(args.iter().copied()))
            .map(|command| command.sandbox.session_timeout)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn the_session_timeout_is_a_duration_above_zero() {
        assert_eq!(session_timeout(&[]), Ok(Duration::from_secs(15 * 60)));
        assert_eq!(
            session_timeout(&["--session-timeout", "90s"]),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(
            session_timeout(&["--session-timeout", "1h30m"]),
            Ok(Duration::from_secs(5400))
        );
        let zero = session_timeout(&["--session-timeout", "0s"]).unwrap_err();
        assert!(zero.contains("above zero"), "{zero}");
        let word = session_timeout(&["--session-timeout", "soon"]).unwrap_err();
        assert!(word.contains("`soon` is not a duration"), "{word}");
    }

    fn config(args: &[&str]) -> Result<FaultConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("sandbox").chain(args.iter().copied()))
            .map_err(|error| error.to_string())?;
        cli.faults.config()
    }

    #[test]
    fn no_flags_no_faults() {
        assert_eq!(config(&[]).unwrap(), FaultConfig::none());
    }

    #[test]
    fn the_rate_is_spread_and_per_kind_flags_override_their_share() {
        let faults = config(&["--fault-rate", "0.7", "--fault-seed", "7"]).unwrap();
        assert_eq!(faults.seed, 7);
        for kind in FaultKind::ALL {
            assert!((faults.rate(kind) - 0.1).abs() < 1e-12, "{kind}");
        }
        let faults = config(&[
            "--fault-rate",
            "0.7",
            "--fault-500",
            "0",
            "--fault-drop",
            "0.25",
            "--fault-slow-ms",
            "1500",
        ])
        .unwrap();
        assert_eq!(faults.internal_error, 0.0);
        assert_eq!(faults.dropped, 0.25);
        assert!((faults.rate_limited - 0.1).abs() < 1e-12);
        assert_eq!(faults.slow_delay, Duration::from_millis(1500));
        let faults = config(&["--fault-429-retry-after", "1"]).unwrap();
        assert_eq!(
            faults,
            FaultConfig::none().with_rate(FaultKind::RateLimitedRetryAfter, 1.0)
        );
    }

    #[test]
    fn rates_outside_0_to_1_or_summing_over_1_are_refused() {
        for bad in [
            &["--fault-rate", "1.5"][..],
            &["--fault-503", "-0.1"],
            &["--fault-slow", "NaN"],
            &["--fault-drop", "many"],
        ] {
            let error = config(bad).unwrap_err();
            assert!(error.contains("0..=1"), "{bad:?}: {error}");
        }
        let error = config(&["--fault-rate", "0.7", "--fault-429", "0.95"]).unwrap_err();
        assert!(error.contains("sum to 1.550"), "{error}");
        assert!(error.contains("at most 1"), "{error}");
        assert!(config(&["--fault-rate", "1"]).is_ok());
    }
}
