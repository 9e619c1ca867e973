//! `jumio-kyx proxy`: a pass-through HTTP proxy in front of Jumio (or any server of the API) that
//! checks every request and response against the spec and reports where they disagree, without a
//! value of the traffic in the report. See *Finding drift in real traffic* in the README.

mod analyze;
mod forward;
mod record;
mod report;
mod spec;
mod tee;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Args;
use jumio_kyx::{Region, Service};
use tokio::net::TcpListener;

use self::analyze::Analyzer;
use self::forward::{Forwarder, Upstreams};
use self::record::Recorder;
use self::report::Report;
use self::spec::Spec;

/// How long exchanges still running at Ctrl-C or SIGTERM may take to finish.
const GRACE: Duration = Duration::from_secs(5);

/// Time to connect to an upstream.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Base URL of every service, e.g. a sandbox; each --upstream-<service> overrides it. Also
    /// where requests go that match no operation of the spec.
    #[arg(long)]
    upstream: Option<String>,
    /// Forward each service to Jumio's host of this data center (amer-1, emea-1, apac-1) unless
    /// --upstream or --upstream-<service> says otherwise.
    #[arg(long)]
    region: Option<Region>,
    /// Upstream of the OAuth2 token service.
    #[arg(long, value_name = "URL")]
    upstream_auth: Option<String>,
    /// Upstream of the account service (create, update).
    #[arg(long, value_name = "URL")]
    upstream_account: Option<String>,
    /// Upstream of the api service (uploads, finalization).
    #[arg(long, value_name = "URL")]
    upstream_api: Option<String>,
    /// Upstream of the retrieval service (status, details, images, deletion).
    #[arg(long, value_name = "URL")]
    upstream_retrieval: Option<String>,
    /// Upstream of the status service (health).
    #[arg(long, value_name = "URL")]
    upstream_status: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8788")]
    listen: SocketAddr,
    /// File to write the findings to, one JSON line each (default: standard output).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Directory to write each exchange to as a JSON fixture, every value replaced by a
    /// placeholder.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Longest JSON body validated, in bytes; a longer one is passed on unchecked.
    #[arg(long, default_value_t = 2 * 1024 * 1024, value_name = "BYTES")]
    max_json_bytes: usize,
}

impl ProxyArgs {
    fn service_flag(&self, service: Service) -> Option<&String> {
        match service {
            Service::Auth => self.upstream_auth.as_ref(),
            Service::Account => self.upstream_account.as_ref(),
            Service::Api => self.upstream_api.as_ref(),
            Service::Retrieval => self.upstream_retrieval.as_ref(),
            Service::Status => self.upstream_status.as_ref(),
            _ => None,
        }
    }

    /// The upstream of every service an operation of the spec uses, each checked.
    fn upstreams(&self, spec: &Spec) -> anyhow::Result<Upstreams> {
        let fallback = self
            .upstream
            .as_deref()
            .map(|url| base_url("--upstream", url))
            .transpose()?;
        let mut services = HashMap::new();
        let used = Service::ALL
            .into_iter()
            .filter(|service| spec.operations().iter().any(|op| op.service == *service));
        for service in used {
            let url = match (self.service_flag(service), &fallback, self.region) {
                (Some(url), _, _) => base_url(&format!("--upstream-{service}"), url)?,
                (None, Some(url), _) => url.clone(),
                (None, None, Some(region)) => region.base_url(service),
                (None, None, None) => anyhow::bail!(
                    "no upstream for the {service} service: give --upstream URL (every service), \
                     --upstream-{service} URL, or --region"
                ),
            };
            services.insert(service, url);
        }
        Ok(Upstreams { fallback, services })
    }
}

/// Checks an upstream URL: absolute, `https` unless it is this machine, no query or fragment.
/// Returns it without a trailing slash.
fn base_url(flag: &str, url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("{flag} {url:?} is not a URL: {e}"))?;
    let Some(host) = parsed.host_str() else {
        anyhow::bail!("{flag} {url:?} has no host");
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => anyhow::bail!(
            "{flag} {url:?} uses {scheme}; tokens are forwarded only over https (or plain http to \
             this machine)"
        ),
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        anyhow::bail!("{flag} {url:?} has a query or fragment; give the base URL only");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

pub async fn run(args: ProxyArgs) -> anyhow::Result<()> {
    let spec = Arc::new(Spec::load(jumio_kyx::SPEC_YAML)?);
    let upstreams = args.upstreams(&spec)?;
    let report = Report::open(args.report.as_deref())?;
    let recorder = args.record.clone().map(Recorder::create).transpose()?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .build()?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr()?;
    let mut stop = StopSignal::new()?;

    eprintln!("jumio-kyx proxy: listening on http://{address}");
    let mut services: Vec<_> = upstreams.services.iter().collect();
    services.sort_by_key(|(service, _)| service.as_str());
    for (service, url) in services {
        eprintln!("  {:<9} → {url}", service.as_str());
    }
    match &args.report {
        Some(path) => eprintln!("  findings → {}", path.display()),
        None => eprintln!("  findings → standard output"),
    }
    if let Some(dir) = &args.record {
        eprintln!("  fixtures → {}", dir.display());
    }

    let (analyzer, events, receiver) = Analyzer::new(spec.clone(), report, recorder);
    let analyzer = tokio::spawn(analyzer.run(receiver));
    let forwarder = Arc::new(Forwarder {
        spec,
        upstreams,
        http,
        events: events.clone(),
        max_json_bytes: args.max_json_bytes,
        exchanges: AtomicU64::new(0),
    });

    let router = axum::Router::new()
        .fallback(forward::forward)
        .with_state(forwarder.clone());
    let (stop_server, server) = crate::serve::spawn(listener, router);
    stop.wait().await;
    let _ = stop_server.send(());
    match tokio::time::timeout(GRACE, server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(error))) => tracing::error!(%error, "the proxy's server failed"),
        Ok(Err(error)) => tracing::error!(%error, "the proxy's server failed"),
        Err(_) => tracing::warn!("exchanges still open after {GRACE:?} were cut off"),
    }
    events.shutdown().await;
    let mut summary = analyzer.await?;
    summary.exchanges = forwarder.exchanges.load(Ordering::Relaxed);
    eprint!("{summary}");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix: registered before the proxy says it listens, so that a signal
/// right after that line ends it in order.
struct StopSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn new() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
