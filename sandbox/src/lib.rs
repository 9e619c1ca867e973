#![doc = include_str!("README.md")]

mod accounts;
pub mod args;
mod auth;
mod callback;
mod counters;
mod errors;
mod faults;
mod image;
mod lifecycle;
mod links;
mod rate_limits;
mod retrieval;
mod routes;
mod scenarios;
mod server;
mod state;
mod store;
mod upload;
mod web;
mod workflows;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::state::AppState;

pub use self::faults::{
    FAULT_HEADER, FaultConfig, FaultKind, FaultRecord, FaultStats, InvalidFaultConfig,
    MAX_FAULT_RECORDS,
};
pub use self::rate_limits::RateLimits;
pub use self::workflows::{DefinedCredential, WorkflowDefinition};

/// Settings of a [`Sandbox`]. Every field has a default ([`SandboxConfig::default`]); override the
/// ones you need with struct update syntax:
///
/// ```
/// use std::time::Duration;
/// use jumio_kyx_sandbox::SandboxConfig;
///
/// let config = SandboxConfig {
///     processing_delay: Duration::from_millis(20),
///     ..SandboxConfig::default()
/// };
/// assert_eq!(config.addr.to_string(), "127.0.0.1:0");
/// ```
#[derive(Clone)]
pub struct SandboxConfig {
    /// Address to listen on. Default `127.0.0.1:0`: a free port on the loopback interface.
    pub addr: SocketAddr,
    /// OAuth2 client id accepted by `POST /oauth2/token`. Default `sandbox-client`.
    pub client_id: String,
    /// OAuth2 client secret accepted by `POST /oauth2/token`. Default `sandbox-secret`.
    pub client_secret: String,
    /// Lifetime of the access tokens the sandbox issues (`expires_in`, JWT `exp`). Default 3600 s,
    /// as Jumio.
    pub access_token_ttl: Duration,
    /// Time between finalization (`ACQUIRED`) and the result (`PROCESSED`). Default 200 ms.
    pub processing_delay: Duration,
    /// Most accounts kept in memory. Creating one more evicts an account without a workflow
    /// execution in progress first (expired ones, then finished ones, oldest first); when every
    /// account has one in progress, creation is refused with `429`. Default 10 000.
    pub max_accounts: usize,
    /// Most workflow executions kept in memory over all accounts, bounded like `max_accounts`
    /// (an account keeps at most 50 besides). Default 100 000.
    pub max_executions: usize,
    /// Most image bytes kept in memory over all accounts, evicted in the same order. Default 512 MiB.
    pub max_stored_bytes: usize,
    /// Jumio's rate limits, enforced per client id with Jumio's `429`, or `None` for no limits.
    /// Default `None`, so that tests and benchmarks can run flat out; the `jumio-kyx sandbox`
    /// command enforces [`RateLimits::jumio`] unless `--no-rate-limits` is given.
    pub rate_limits: Option<RateLimits>,
    /// How often expired workflow executions are swept when nothing else is due. Default 1 s.
    pub sweep_interval: Duration,
    /// Whether callbacks are also POSTed to hosts other than this machine. Default `false`: a
    /// sandbox used in tests and CI sends nothing off the machine; callbacks to remote hosts are
    /// logged and counted as not delivered.
    pub deliver_remote_callbacks: bool,
    /// Longest time a client may take to send a request's headers before its connection is
    /// closed. Default 10 s.
    pub header_read_timeout: Duration,
    /// Longest time a client may take to send a request's body; a slower upload is refused.
    /// Default 60 s.
    pub body_read_timeout: Duration,
    /// Most connections served at once. Further clients wait in the listen backlog until one
    /// closes (they are not refused). Default 256.
    pub max_connections: usize,
    /// Reproducible fault injection (429, 5xx, slow answers, dropped connections). Default
    /// [`FaultConfig::none`]. See *Faults* in the module documentation.
    pub faults: FaultConfig,
    /// The tenant's own workflows ([`WorkflowDefinition::load`] reads a definitions file); a key
    /// defined here replaces a documented one. Default none.
    pub workflows: Vec<WorkflowDefinition>,
    /// Refuse (`400`) a workflow key that is neither documented nor defined, instead of running
    /// it as ID and identity verification like 10011. Default `false`.
    pub strict_workflows: bool,
    /// How long a started Web journey may go without an action before its workflow execution
    /// is `SESSION_EXPIRED` (Jumio's session timeout). Default 15 minutes, as Jumio.
    pub session_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
            access_token_ttl: Duration::from_secs(3600),
            processing_delay: Duration::from_millis(200),
            max_accounts: 10_000,
            max_executions: 100_000,
            max_stored_bytes: 512 * 1024 * 1024,
            rate_limits: None,
            sweep_interval: Duration::from_secs(1),
            deliver_remote_callbacks: false,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(60),
            max_connections: 256,
            faults: FaultConfig::none(),
            workflows: Vec::new(),
            strict_workflows: false,
            session_timeout: Duration::from_secs(15 * 60),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("addr", &self.addr)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("processing_delay", &self.processing_delay)
            .field("max_accounts", &self.max_accounts)
            .field("max_executions", &self.max_executions)
            .field("max_stored_bytes", &self.max_stored_bytes)
            .field("rate_limits", &self.rate_limits)
            .field("sweep_interval", &self.sweep_interval)
            .field("deliver_remote_callbacks", &self.deliver_remote_callbacks)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("faults", &self.faults)
            .field("workflows", &self.workflows)
            .field("strict_workflows", &self.strict_workflows)
            .field("session_timeout", &self.session_timeout)
            .finish()
    }
}

impl SandboxConfig {
    /// Binds [`addr`](Self::addr) and starts serving in the background.
    pub async fn start(self) -> io::Result<Sandbox> {
        Sandbox::start_with(self).await
    }

    /// The bounds of the store.
    fn bounds(&self) -> store::Bounds {
        store::Bounds {
            max_accounts: self.max_accounts,
            max_executions: self.max_executions,
            max_bytes: self.max_stored_bytes,
        }
    }

    /// Refuses settings the sandbox cannot run with.
    fn validate(&self) -> io::Result<()> {
        if self.max_accounts == 0 || self.max_executions == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_accounts and max_executions must be at least 1",
            ));
        }
        if self.max_connections == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_connections must be at least 1",
            ));
        }
        if self.session_timeout.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "session_timeout must be above zero",
            ));
        }
        if self.header_read_timeout.is_zero() || self.body_read_timeout.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "header_read_timeout and body_read_timeout must be above zero",
            ));
        }
        self.faults
            .validate()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))
    }
}

/// Counters of a running [`Sandbox`], for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxStats {
    /// Requests that reached `POST /oauth2/token`, successful or not.
    pub token_requests: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Accounts created (`POST /api/v1/accounts`).
    pub accounts_created: u64,
    /// Workflow executions started by account creation or update.
    pub workflow_executions_started: u64,
    /// Credential parts stored (uploads, re-uploads included).
    pub parts_uploaded: u64,
    /// Accounts evicted to stay within the bounds.
    pub accounts_evicted: u64,
    /// Callbacks delivered with a 2xx answer.
    pub callbacks_delivered: u64,
    /// Callbacks that could not be delivered after every attempt (or were dropped).
    pub callbacks_failed: u64,
    /// Requests answered `429` because they were over a rate limit
    /// ([`SandboxConfig::rate_limits`]).
    pub rate_limited: u64,
    /// Accounts currently stored.
    pub accounts: usize,
    /// Workflow executions currently stored, over all accounts.
    pub workflow_executions: usize,
    /// Image bytes currently stored.
    pub stored_bytes: usize,
    /// Injected faults, by kind.
    pub faults: FaultStats,
}

/// The sandbox as an axum app, served by no socket: [`router`] builds it, and a [`Sandbox`] serves
/// one on its address.
///
/// [`router()`](Self::router) is the app to call, for example with `tower::ServiceExt::oneshot`;
/// the other methods tell what happened. Its links (`api.parts`, `web.href`, ...) are on
/// [`base_url`](Self::base_url). Dropping it stops its background tasks (expiry sweep, callback
/// delivery, held slow answers); routers cloned from it keep answering, and apply due
/// transitions when they read an execution.
pub struct SandboxApp {
    app: Arc<AppState>,
    router: Router,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// Builds the sandbox's app with `config`, without binding a socket: tests that need none call
/// [`SandboxApp::router`] with `tower::ServiceExt::oneshot`. Links point at `http://{config.addr}`.
///
/// Starts the background tasks (the expiry sweep and callback delivery) on the current Tokio
/// runtime, so it must be called within one, like `tokio::spawn`. Refuses settings that
/// [`SandboxConfig::start`] refuses, with `InvalidInput`.
///
/// ```
/// use jumio_kyx_sandbox::SandboxConfig;
///
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = jumio_kyx_sandbox::router(SandboxConfig::default())?;
/// assert_eq!(sandbox.base_url(), "http://127.0.0.1:0");
/// let app: axum::Router = sandbox.router();
/// # drop(app);
/// # Ok(())
/// # }
/// ```
pub fn router(config: SandboxConfig) -> io::Result<SandboxApp> {
    config.validate()?;
    let base_url = format!("http://{}", config.addr);
    Ok(SandboxApp::new(config, base_url))
}

impl fmt::Debug for SandboxApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxApp")
            .field("base_url", &self.app.base_url)
            .field("client_id", &self.app.config.client_id)
            .finish_non_exhaustive()
    }
}

impl SandboxApp {
    /// The app of valid settings, its links on `base_url`.
    fn new(config: SandboxConfig, base_url: String) -> Self {
        let cancel = CancellationToken::new();
        let (callbacks, callback_rx) = callback::queue();
        let app = Arc::new(AppState::new(config, base_url, callbacks));
        let tasks = vec![
            tokio::spawn(lifecycle::run(app.clone(), cancel.clone())),
            tokio::spawn(callback::run(app.clone(), callback_rx, cancel.clone())),
        ];
        Self {
            router: routes::router(app.clone()),
            app,
            cancel,
            tasks,
        }
    }

    /// The app: every operation of the API (cheap to clone, as every axum router).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Base URL of every link the sandbox hands out, for example `http://127.0.0.1:40123` (no
    /// trailing slash).
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The OAuth2 client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.app.config.client_id
    }

    /// The OAuth2 client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.app.config.client_secret
    }

    /// The settings the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.app.config
    }

    /// Requests that reached `POST /oauth2/token`, successful or not.
    pub fn token_requests(&self) -> u64 {
        self.app.counters.token_requests.load(Ordering::Relaxed)
    }

    /// Accounts currently stored.
    pub fn account_count(&self) -> usize {
        self.app.lock().account_count()
    }

    /// All counters at once.
    pub fn stats(&self) -> SandboxStats {
        self.app.stats()
    }

    /// Every fault injected so far, in the order their outcome was settled (a slow or
    /// dropped-after fault once its request was handled); [`FaultRecord::seq`] gives the order of
    /// arrival. At most [`MAX_FAULT_RECORDS`] are kept, the oldest discarded first;
    /// [`stats().faults`](SandboxStats::faults) counts them all.
    pub fn faults(&self) -> Vec<FaultRecord> {
        self.app.faults.records()
    }

    /// Requests eligible for faults so far (every operation of the API but the health check,
    /// faulted or not): the sequence number the next one gets. See [`FaultConfig`].
    pub fn eligible_requests(&self) -> u64 {
        self.app.faults.eligible_requests()
    }

    /// The `customerInternalReference` of every account currently held, oldest account first
    /// (the reference given at creation), for example to detect duplicates.
    pub fn account_references(&self) -> Vec<String> {
        self.app.lock().account_references()
    }

    /// Signals the background tasks, and the held slow answers, to stop.
    fn stop(&self) {
        self.cancel.cancel();
        self.app.faults.stop();
    }

    /// Stops the background tasks and waits for them.
    async fn join(&mut self) {
        self.stop();
        for task in self.tasks.drain(..) {
            if let Err(error) = task.await {
                tracing::error!(%error, "sandbox task failed");
            }
        }
    }
}

impl Drop for SandboxApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A running sandbox: the whole Jumio KYX API on one loopback address, served from the
/// [`SandboxApp`] that [`router`] builds. It derefs to that app, whose methods tell what happened.
///
/// Stop it with [`shutdown`](Self::shutdown); dropping it stops it too (without waiting).
pub struct Sandbox {
    app: SandboxApp,
    local_addr: SocketAddr,
    server: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}

impl Deref for Sandbox {
    type Target = SandboxApp;

    fn deref(&self) -> &SandboxApp {
        &self.app
    }
}

impl Sandbox {
    /// Starts a sandbox with the [default settings](SandboxConfig::default) on a free loopback port.
    pub async fn start() -> io::Result<Sandbox> {
        Self::start_with(SandboxConfig::default()).await
    }

    async fn start_with(config: SandboxConfig) -> io::Result<Sandbox> {
        config.validate()?;
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let local_addr = listener.local_addr()?;
        let app = SandboxApp::new(config, format!("http://{local_addr}"));
        let limits = server::Limits {
            header_read_timeout: app.config().header_read_timeout,
            body_read_timeout: app.config().body_read_timeout,
            max_connections: app.config().max_connections,
        };
        let server = tokio::spawn(server::serve(
            listener,
            app.router(),
            limits,
            app.cancel.clone(),
        ));
        tracing::info!(base_url = %app.base_url(), "Jumio KYX sandbox started");
        Ok(Sandbox {
            app,
            local_addr,
            server: Some(server),
        })
    }

    /// The address the sandbox listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections, lets running requests finish, stops the background tasks
    /// (processing, expiry sweep, callback delivery) and waits for them.
    pub async fn shutdown(mut self) {
        self.app.stop();
        if let Some(server) = self.server.take()
            && let Err(error) = server.await
        {
            tracing::error!(%error, "sandbox server failed");
        }
        self.app.join().await;
        tracing::info!(base_url = %self.base_url(), "Jumio KYX sandbox stopped");
    }
}

/// Runs a sandbox with `config` until `shutdown` completes, then stops it gracefully. The base URL
/// is logged (`tracing`, level INFO) once the sandbox listens.
pub async fn serve<F>(config: SandboxConfig, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let sandbox = config.start().await?;
    shutdown.await;
    sandbox.shutdown().await;
    Ok(())
}
