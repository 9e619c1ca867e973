#![doc = include_str!("README.md")]

mod accounts;
pub mod args;
mod auth;
mod callback;
mod errors;
mod faults;
mod lifecycle;
mod links;
mod retrieval;
mod scenarios;
mod state;
mod upload;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::state::Shared;

pub use self::faults::{
    FAULT_HEADER, FaultConfig, FaultKind, FaultRecord, FaultStats, InvalidFaultConfig,
    MAX_FAULT_RECORDS,
};

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
    /// Most accounts kept in memory. Creating one more evicts an account first: expired ones,
    /// then finished (processed) ones, then the oldest. Default 10 000.
    pub max_accounts: usize,
    /// Most image bytes kept in memory over all accounts, evicted in the same order. Default 512 MiB.
    pub max_stored_bytes: usize,
    /// How often expired workflow executions are swept when nothing else is due. Default 1 s.
    pub sweep_interval: Duration,
    /// Whether callbacks are also POSTed to hosts other than this machine. Default `false`: a
    /// sandbox used in tests and CI sends nothing off the machine; callbacks to remote hosts are
    /// logged and counted as not delivered.
    pub deliver_remote_callbacks: bool,
    /// Reproducible fault injection (429, 5xx, slow answers, dropped connections). Default
    /// [`FaultConfig::none`]. See *Faults* in the module documentation.
    pub faults: FaultConfig,
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
            max_stored_bytes: 512 * 1024 * 1024,
            sweep_interval: Duration::from_secs(1),
            deliver_remote_callbacks: false,
            faults: FaultConfig::none(),
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
            .field("max_stored_bytes", &self.max_stored_bytes)
            .field("sweep_interval", &self.sweep_interval)
            .field("deliver_remote_callbacks", &self.deliver_remote_callbacks)
            .field("faults", &self.faults)
            .finish()
    }
}

impl SandboxConfig {
    /// Binds [`addr`](Self::addr) and starts serving in the background.
    pub async fn start(self) -> io::Result<Sandbox> {
        Sandbox::start_with(self).await
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
    /// Accounts currently stored.
    pub accounts: usize,
    /// Image bytes currently stored.
    pub stored_bytes: usize,
    /// Injected faults, by kind.
    pub faults: FaultStats,
}

/// A running sandbox: the whole Jumio KYX API on one loopback address.
///
/// Stop it with [`shutdown`](Self::shutdown); dropping it stops it too (without waiting).
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    local_addr: SocketAddr,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("client_id", &self.shared.config.client_id)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the [default settings](SandboxConfig::default) on a free loopback port.
    pub async fn start() -> io::Result<Sandbox> {
        Self::start_with(SandboxConfig::default()).await
    }

    async fn start_with(config: SandboxConfig) -> io::Result<Sandbox> {
        if config.max_accounts == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_accounts must be at least 1",
            ));
        }
        config
            .faults
            .validate()
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let local_addr = listener.local_addr()?;
        let base_url = format!("http://{local_addr}");
        let cancel = CancellationToken::new();
        let (callbacks, callback_rx) = callback::queue();
        let shared = Arc::new(Shared::new(config, base_url.clone(), callbacks));

        let app = router(shared.clone());
        let server_cancel = cancel.clone();
        let server = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(server_cancel.cancelled_owned())
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        let sweeper = tokio::spawn(lifecycle::run(shared.clone(), cancel.clone()));
        let dispatcher = tokio::spawn(callback::run(shared.clone(), callback_rx, cancel.clone()));
        tracing::info!(%base_url, "Jumio KYX sandbox started");
        Ok(Sandbox {
            shared,
            base_url,
            local_addr,
            cancel,
            tasks: vec![server, sweeper, dispatcher],
        })
    }

    /// Base URL of every service, for example `http://127.0.0.1:40123` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The OAuth2 client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The OAuth2 client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.shared.config.client_secret
    }

    /// The settings the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Requests that reached `POST /oauth2/token`, successful or not.
    pub fn token_requests(&self) -> u64 {
        self.shared.counters.token_requests.load(Ordering::Relaxed)
    }

    /// Accounts currently stored.
    pub fn account_count(&self) -> usize {
        self.shared.lock().account_count()
    }

    /// All counters at once.
    pub fn stats(&self) -> SandboxStats {
        self.shared.stats()
    }

    /// Every fault injected so far, in the order their outcome was settled (a slow or
    /// dropped-after fault once its request was handled); [`FaultRecord::seq`] gives the order of
    /// arrival. At most [`MAX_FAULT_RECORDS`] are kept, the oldest discarded first;
    /// [`stats().faults`](SandboxStats::faults) counts them all.
    pub fn faults(&self) -> Vec<FaultRecord> {
        self.shared.faults.records()
    }

    /// Requests eligible for faults so far (every operation of the API but the health check,
    /// faulted or not): the sequence number the next one gets. See [`FaultConfig`].
    pub fn eligible_requests(&self) -> u64 {
        self.shared.faults.eligible_requests()
    }

    /// The `customerInternalReference` of every account currently held, oldest account first
    /// (the reference given at creation), for example to detect duplicates.
    pub fn account_references(&self) -> Vec<String> {
        self.shared.lock().account_references()
    }

    /// Stops accepting connections, lets running requests finish, stops the background tasks
    /// (processing, expiry sweep, callback delivery) and waits for them.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        self.shared.faults.stop();
        for task in self.tasks.drain(..) {
            if let Err(error) = task.await {
                tracing::error!(%error, "sandbox task failed");
            }
        }
        tracing::info!(base_url = %self.base_url, "Jumio KYX sandbox stopped");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.shared.faults.stop();
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

/// Largest request body of an upload: a bit over the 10 MB file limit, so that a larger file gets
/// a precise `400` naming its size instead of a cut-off stream.
const UPLOAD_BODY_LIMIT: usize = upload::MAX_FILE_BYTES + 2 * 1024 * 1024;

fn router(shared: Arc<Shared>) -> Router {
    const EXECUTION: &str =
        "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}";
    let part_upload = format!("{EXECUTION}/credentials/{{credentialId}}/parts/{{classifier}}");
    let prepared_data = format!("{EXECUTION}/credentials/{{credentialId}}/parts/PREPARED_DATA");
    Router::new()
        .route("/", get(retrieval::health))
        .route("/oauth2/token", post(auth::token))
        .route("/api/v1/accounts", post(accounts::create))
        .route(
            "/api/v1/accounts/{accountId}",
            put(accounts::update).delete(retrieval::delete_account),
        )
        .route(
            &part_upload,
            post(upload::upload_part).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(&prepared_data, post(upload::upload_prepared_data))
        .route(
            EXECUTION,
            put(upload::finalize)
                .get(retrieval::details)
                .delete(retrieval::delete_execution),
        )
        .route(&format!("{EXECUTION}/status"), get(retrieval::status))
        .route(&format!("{EXECUTION}/steps"), get(retrieval::steps))
        .route(
            "/api/v1/accounts/{accountId}/credentials/{credentialId}/parts/{classifier}",
            get(retrieval::part),
        )
        .fallback(errors::no_route)
        .layer(axum::middleware::from_fn(auth::require_user_agent))
        // Outermost: a faulted request is refused before any other check.
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .with_state(shared)
}
