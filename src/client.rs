//! The ergonomic client: configuration, OAuth2, and every operation of the KYX flow.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::SecretString;
use tracing::Instrument as _;

use crate::auth::{Credentials, DEFAULT_REFRESH_MARGIN, TokenCache};
use crate::error::{Error, Result};
use crate::generated::{self, types};
use crate::hooks::RequestAuth;
use crate::image::{ImageLimits, ImageSource};
use crate::region::{Region, Service};
use crate::result::VerificationResult;
use crate::retry::{Attempts, Failure, RetryCounts, RetryPolicy, RetryStats, Safety};
use crate::session::Session;
use crate::upload::ClientUploadExt as _;
use crate::workflow::AccountRequest;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default total timeout of one request (uploads of 10 MB included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a [`JumioClient`].
#[derive(Clone)]
pub struct JumioClientBuilder {
    credentials: Option<Credentials>,
    region: Region,
    user_agent: Option<String>,
    base_url: Option<String>,
    overrides: HashMap<Service, String>,
    connect_timeout: Duration,
    timeout: Duration,
    http: Option<reqwest::Client>,
    image_limits: ImageLimits,
    refresh_margin: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for JumioClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumioClientBuilder")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("user_agent", &self.user_agent)
            .field("base_url", &self.base_url)
            .field("overrides", &self.overrides)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for JumioClientBuilder {
    fn default() -> Self {
        JumioClientBuilder {
            credentials: None,
            region: Region::default(),
            user_agent: None,
            base_url: None,
            overrides: HashMap::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http: None,
            image_limits: ImageLimits::default(),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            retry: RetryPolicy::default(),
        }
    }
}

impl JumioClientBuilder {
    /// Reads `JUMIO_CLIENT_ID`, `JUMIO_CLIENT_SECRET`, `JUMIO_REGION`, `JUMIO_BASE_URL` and
    /// `JUMIO_USER_AGENT` where they are set; values set on the builder afterwards win.
    pub fn from_env(mut self) -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let (Some(id), Some(secret)) = (var("JUMIO_CLIENT_ID"), var("JUMIO_CLIENT_SECRET")) {
            self.credentials = Some(Credentials::new(id, secret));
        }
        if let Some(region) = var("JUMIO_REGION") {
            self.region = region
                .parse()
                .map_err(|e: crate::region::UnknownRegion| Error::Config(e.to_string()))?;
        }
        if let Some(url) = var("JUMIO_BASE_URL") {
            self.base_url = Some(url);
        }
        if let Some(agent) = var("JUMIO_USER_AGENT") {
            self.user_agent = Some(agent);
        }
        Ok(self)
    }

    /// The API client id and secret.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::new(client_id, client_secret));
        self
    }

    /// The data center (default `amer-1`).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Names your business and application, e.g. `YourCompany YourApp/v1.0` (required; Jumio
    /// answers requests without one with 403). The crate appends `jumio-kyx/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// One base URL for every service (the sandbox, a mock, a proxy).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The base URL of one service, overriding the region and [`base_url`](Self::base_url).
    pub fn service_url(mut self, service: Service, url: impl Into<String>) -> Self {
        self.overrides.insert(service, url.into());
        self
    }

    /// Connect timeout (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total timeout of one request (default 60 s). Ignored with
    /// [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Your own `reqwest::Client` (proxies, custom CAs). Configure it not to follow redirects:
    /// the crate's own client never does, so that no token goes to a host it was not meant for.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Local image limits (default: Jumio's 10 MB, 8000×8000, longest side over 300 px).
    pub fn image_limits(mut self, limits: ImageLimits) -> Self {
        self.image_limits = limits;
        self
    }

    /// Refresh the access token this long before it expires (default 5 minutes, at most half its
    /// lifetime).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How failed calls are retried (default [`RetryPolicy::default`]; [`RetryPolicy::none`] opts
    /// out).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<JumioClient> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(
                "no Jumio credentials: set JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET or call credentials()"
                    .into(),
            )
        })?;
        if credentials.client_id().trim().is_empty() {
            return Err(Error::Config("the client id is empty".into()));
        }
        let integrator = self.user_agent.unwrap_or_default();
        let integrator = integrator.trim();
        if integrator.is_empty() {
            return Err(Error::Config(
                "the User-Agent is empty: Jumio requires one that names your business, e.g. \
                 \"YourCompany YourApp/v1.0\""
                    .into(),
            ));
        }
        let user_agent = format!(
            "{integrator} {}/{}",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        );
        if reqwest::header::HeaderValue::from_str(&user_agent).is_err() {
            return Err(Error::Config(
                "the User-Agent holds characters a header cannot carry".into(),
            ));
        }

        let mut urls = HashMap::new();
        for service in Service::ALL {
            let url = self
                .overrides
                .get(&service)
                .or(self.base_url.as_ref())
                .cloned()
                .unwrap_or_else(|| self.region.base_url(service));
            urls.insert(service, check_base_url(service, &url)?);
        }

        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent.clone())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let retry_stats = Arc::new(RetryStats::default());
        let tokens = TokenCache::new(
            credentials,
            urls[&Service::Auth].clone(),
            http.clone(),
            user_agent.clone(),
            self.refresh_margin,
            self.retry,
            retry_stats.clone(),
        );
        Ok(JumioClient {
            inner: Arc::new(Inner {
                http,
                urls,
                user_agent,
                tokens,
                image_limits: self.image_limits,
                retry: self.retry,
                retry_stats,
            }),
        })
    }
}

/// Whether `url` points at this machine (plain http is allowed there only).
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_base_url(service: Service, url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("the {service} URL {url:?} is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        scheme => {
            return Err(Error::Config(format!(
                "the {service} URL {url:?} uses {scheme}; tokens are only sent over https (or \
                 plain http to this machine)"
            )));
        }
    }
    Ok(url.trim_end_matches('/').to_owned())
}

struct Inner {
    http: reqwest::Client,
    urls: HashMap<Service, String>,
    user_agent: String,
    tokens: TokenCache,
    image_limits: ImageLimits,
    retry: RetryPolicy,
    retry_stats: Arc<RetryStats>,
}

/// The Jumio KYX client: cheap to clone, safe to share between tasks.
///
/// ```no_run
/// # async fn run() -> jumio_kyx::Result<()> {
/// use jumio_kyx::{ImageSource, JumioClient, workflow::{AccountRequest, IdType, Workflow}};
///
/// let client = JumioClient::builder()
///     .from_env()?                       // JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET, JUMIO_REGION
///     .user_agent("YourCompany Onboarding/1.0")
///     .build()?;
/// let request = AccountRequest::new(Workflow::IdAndIdentity, "order-4711")
///     .id_types([IdType::Passport, IdType::DrivingLicense])
///     .countries(["USA"]);
/// let mut session = client.create_account(&request).await?;
/// session.upload_front(ImageSource::path("front.jpg")).await?;
/// session.upload_selfie(ImageSource::path("selfie.jpg")).await?;
/// let finalized = session.finalize().await?;
/// let result = client.wait_for_result(finalized.account_id(), finalized.workflow_execution_id(), Default::default()).await?;
/// println!("{} (risk {:?})", result.decision_type(), result.risk_score());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JumioClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for JumioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumioClient")
            .field("urls", &self.inner.urls)
            .field("user_agent", &self.inner.user_agent)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// How [`JumioClient::wait_for_result`] polls.
#[derive(Clone, Copy, Debug)]
pub struct WaitOptions {
    /// Give up after this long (default 15 minutes).
    pub deadline: Duration,
    /// First pause between polls (default 1 s).
    pub initial_interval: Duration,
    /// Longest pause between polls (default 60 s); pauses grow by half each poll.
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            deadline: Duration::from_secs(15 * 60),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
        }
    }
}

/// An image or binary downloaded from retrieval.
#[derive(Clone)]
pub struct Download {
    /// The `Content-Type` Jumio sent (`image/jpeg`, `image/png`, `application/octet-stream`).
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl JumioClient {
    /// A builder; see [`JumioClientBuilder`].
    pub fn builder() -> JumioClientBuilder {
        JumioClientBuilder::default()
    }

    /// The base URL of a service.
    pub fn service_url(&self, service: Service) -> &str {
        &self.inner.urls[&service]
    }

    /// The User-Agent sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The local image limits.
    pub fn image_limits(&self) -> &ImageLimits {
        &self.inner.image_limits
    }

    /// The retries this client made, by cause.
    pub fn retry_counts(&self) -> RetryCounts {
        self.inner.retry_stats.snapshot()
    }

    /// How many OAuth2 token requests this client has sent.
    pub fn token_requests(&self) -> u64 {
        self.inner.tokens.requests()
    }

    /// A generated client for `service` carrying `auth`; one connection pool for all of them.
    pub(crate) fn generated(&self, service: Service, auth: RequestAuth) -> generated::Client {
        generated::Client::new_with_client(self.service_url(service), self.inner.http.clone(), auth)
    }

    /// Runs one call of the API: authorised by `token`, retried as the policy says for its
    /// `safety`, with a new access token once if Jumio rejects the cached one, inside a tracing
    /// span with the operation, the ids, the status, the retries and the duration.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        service: Service,
        safety: Safety,
        token: Token<'_>,
        ids: Ids<'_>,
        call: F,
    ) -> Result<T>
    where
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let span = tracing::info_span!(
            "jumio",
            operation,
            account_id = ids.account_id,
            workflow_execution_id = ids.workflow_execution_id,
            status = tracing::field::Empty,
            retries = tracing::field::Empty
        );
        async {
            let started = Instant::now();
            let mut attempts = Attempts::new(&self.inner.retry, &self.inner.retry_stats, operation, safety);
            let mut renewed = false;
            loop {
                let bearer = match token {
                    Token::Access => self.inner.tokens.token().await?,
                    Token::Transaction(token) => token.clone(),
                };
                let client = self.generated(service, RequestAuth::Bearer(bearer.clone()));
                let error = match call(client).await? {
                    Ok(response) => {
                        let span = tracing::Span::current();
                        span.record("status", response.status().as_u16());
                        span.record("retries", attempts.retries());
                        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "done");
                        return Ok(response.into_inner());
                    }
                    Err(error) => error,
                };
                let failure = Failure::of(&error);
                if matches!(token, Token::Access)
                    && matches!(failure, Failure::Status(StatusCode::UNAUTHORIZED, _))
                    && !renewed
                {
                    tracing::info!("access token rejected; requesting a new one");
                    self.inner.tokens.invalidate(&bearer);
                    renewed = true;
                    continue;
                }
                if attempts.retry_after(failure).await {
                    continue;
                }
                let credential = token.name();
                let error = match safety {
                    Safety::Idempotent => Error::from_generated(operation, credential, error).await,
                    Safety::NotIdempotent => Error::from_generated_once(operation, credential, error).await,
                };
                let span = tracing::Span::current();
                if let Some(status) = error.status() {
                    span.record("status", status.as_u16());
                }
                span.record("retries", attempts.retries());
                tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, error = %error, "failed");
                return Err(error);
            }
        }
        .instrument(span)
        .await
    }

    /// Creates an account with a workflow execution and returns the session that uploads its
    /// credentials. The request is checked locally first.
    pub async fn create_account(&self, request: &AccountRequest) -> Result<Session> {
        let body = request.build()?;
        let response = self
            .call(
                "create_account",
                Service::Account,
                Safety::NotIdempotent,
                Token::Access,
                Ids::default(),
                |client| {
                    let body = body.clone();
                    async move {
                        Ok(client
                            .create_account()
                            .user_agent(self.user_agent())
                            .body(body)
                            .send()
                            .await)
                    }
                },
            )
            .await?;
        self.session("create_account", response).await
    }

    /// Starts a new workflow execution on an existing account.
    pub async fn update_account(
        &self,
        account_id: &str,
        request: &AccountRequest,
    ) -> Result<Session> {
        let body = request.build()?;
        let response = self
            .call(
                "update_account",
                Service::Account,
                Safety::NotIdempotent,
                Token::Access,
                Ids::account(account_id),
                |client| {
                    let body = body.clone();
                    async move {
                        Ok(client
                            .update_account()
                            .account_id(account_id)
                            .user_agent(self.user_agent())
                            .body(body)
                            .send()
                            .await)
                    }
                },
            )
            .await?;
        self.session("update_account", response).await
    }

    /// Turns an account response into a session, refusing (and deleting the new account) when its
    /// links point at a host other than the configured api host.
    async fn session(
        &self,
        operation: &'static str,
        response: types::AccountResponse,
    ) -> Result<Session> {
        let account_id = response.account.id.clone();
        match Session::new(self.clone(), operation, response) {
            Ok(session) => Ok(session),
            Err(error) => {
                tracing::warn!(account_id, "deleting the account whose links were refused");
                if let Err(cleanup) = self.delete_account(&account_id).await {
                    tracing::warn!(account_id, error = %cleanup, "could not delete the account");
                }
                Err(error)
            }
        }
    }

    /// The status of a workflow execution.
    pub async fn status(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
    ) -> Result<types::WorkflowStatusResponse> {
        self.call(
            "get_workflow_execution_status",
            Service::Retrieval,
            Safety::Idempotent,
            Token::Access,
            Ids::execution(account_id, workflow_execution_id),
            |client| async move {
                Ok(client
                    .get_workflow_execution_status()
                    .account_id(account_id)
                    .workflow_execution_id(workflow_execution_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
    }

    /// The details and result of a workflow execution.
    pub async fn details(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
    ) -> Result<VerificationResult> {
        self.call(
            "get_workflow_execution",
            Service::Retrieval,
            Safety::Idempotent,
            Token::Access,
            Ids::execution(account_id, workflow_execution_id),
            |client| async move {
                Ok(client
                    .get_workflow_execution()
                    .account_id(account_id)
                    .workflow_execution_id(workflow_execution_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
        .map(VerificationResult::from)
    }

    /// The steps of a KYX workflow execution.
    pub async fn steps(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
    ) -> Result<types::WorkflowSteps> {
        self.call(
            "get_workflow_execution_steps",
            Service::Retrieval,
            Safety::Idempotent,
            Token::Access,
            Ids::execution(account_id, workflow_execution_id),
            |client| async move {
                Ok(client
                    .get_workflow_execution_steps()
                    .account_id(account_id)
                    .workflow_execution_id(workflow_execution_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
    }

    /// Downloads the image of a credential part.
    pub async fn download_part(
        &self,
        account_id: &str,
        credential_id: &str,
        classifier: &types::PartClassifier,
    ) -> Result<Download> {
        const OPERATION: &str = "get_credential_part";
        let stream = self
            .call(
                OPERATION,
                Service::Retrieval,
                Safety::Idempotent,
                Token::Access,
                Ids::account(account_id),
                |client| {
                    let classifier = classifier.clone();
                    async move {
                        let response = client
                            .get_credential_part()
                            .account_id(account_id)
                            .credential_id(credential_id)
                            .classifier(classifier)
                            .user_agent(self.user_agent())
                            .send()
                            .await;
                        // The content type travels with the byte stream it describes.
                        Ok(response.map(|response| {
                            let content_type = response
                                .headers()
                                .get(reqwest::header::CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let status = response.status();
                            let headers = response.headers().clone();
                            progenitor_client::ResponseValue::new(
                                (content_type, response.into_inner()),
                                status,
                                headers,
                            )
                        }))
                    }
                },
            )
            .await?;
        let (content_type, body) = stream;
        use futures_core::Stream as _;
        let mut body = std::pin::pin!(body.into_inner());
        let mut bytes = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            let chunk = chunk.map_err(|e| Error::from_reqwest(OPERATION, e))?;
            bytes.extend_from_slice(&chunk);
        }
        Ok(Download {
            content_type,
            bytes: bytes.into(),
        })
    }

    /// Deletes an account with all its data.
    pub async fn delete_account(&self, account_id: &str) -> Result<()> {
        self.call(
            "delete_account",
            Service::Retrieval,
            Safety::Idempotent,
            Token::Access,
            Ids::account(account_id),
            |client| async move {
                Ok(client
                    .delete_account()
                    .account_id(account_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
    }

    /// Deletes one workflow execution with its data.
    pub async fn delete_workflow_execution(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
    ) -> Result<()> {
        self.call(
            "delete_workflow_execution",
            Service::Retrieval,
            Safety::Idempotent,
            Token::Access,
            Ids::execution(account_id, workflow_execution_id),
            |client| async move {
                Ok(client
                    .delete_workflow_execution()
                    .account_id(account_id)
                    .workflow_execution_id(workflow_execution_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
    }

    /// The health of the platform (no authorisation needed).
    pub async fn health(&self) -> Result<types::HealthResponse> {
        let client = self.generated(Service::Status, RequestAuth::None);
        match client
            .get_health()
            .user_agent(self.user_agent())
            .send()
            .await
        {
            Ok(response) => Ok(response.into_inner()),
            Err(error) => Err(Error::from_generated("get_health", "access token", error).await),
        }
    }

    /// Polls the status until the workflow execution is `PROCESSED`, then returns its details.
    /// An expired execution is [`Error::Expired`]; a deadline passed is [`Error::WaitTimeout`].
    pub async fn wait_for_result(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
        options: WaitOptions,
    ) -> Result<VerificationResult> {
        let started = Instant::now();
        let mut interval = options.initial_interval;
        loop {
            let status = self
                .status(account_id, workflow_execution_id)
                .await?
                .workflow_execution
                .status;
            match status {
                types::WorkflowStatus::Processed => {
                    return self.details(account_id, workflow_execution_id).await;
                }
                types::WorkflowStatus::SessionExpired | types::WorkflowStatus::TokenExpired => {
                    return Err(Error::Expired {
                        workflow_execution_id: workflow_execution_id.to_owned(),
                        status,
                    });
                }
                _ => {}
            }
            let waited = started.elapsed();
            if waited >= options.deadline {
                return Err(Error::WaitTimeout {
                    workflow_execution_id: workflow_execution_id.to_owned(),
                    status,
                    waited,
                });
            }
            tokio::time::sleep(interval.min(options.deadline - waited)).await;
            interval = (interval + interval / 2).min(options.max_interval);
        }
    }

    /// The authoritative state behind a callback: its details when processed, else its status
    /// (callbacks carry no results and no signature, so they are only a prompt to ask).
    pub async fn fetch_callback_result(
        &self,
        callback: &crate::callback::Callback,
    ) -> Result<CallbackOutcome> {
        let status = self
            .status(callback.account_id(), callback.workflow_execution_id())
            .await?;
        Ok(match status.workflow_execution.status {
            types::WorkflowStatus::Processed => CallbackOutcome::Processed(Box::new(
                self.details(callback.account_id(), callback.workflow_execution_id())
                    .await?,
            )),
            status => CallbackOutcome::Status(status),
        })
    }

    /// Uploads one image part with the transaction token of its workflow execution; `info` is
    /// the result of the image's local check. [`Session`] does this for you.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_part(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
        credential_id: &str,
        classifier: types::UploadClassifier,
        transaction_token: &SecretString,
        image: ImageSource,
        info: &crate::image::ImageInfo,
    ) -> Result<types::UploadResponse> {
        self.call(
            "upload_credential_part",
            Service::Api,
            Safety::Idempotent,
            Token::Transaction(transaction_token),
            Ids::execution(account_id, workflow_execution_id),
            |client| {
                let image = image.clone();
                async move {
                    // A streamed part is consumed by its attempt; a retry streams the image anew.
                    let part = image.into_part(info).await?;
                    Ok(client
                        .upload_credential_part()
                        .account_id(account_id)
                        .workflow_execution_id(workflow_execution_id)
                        .credential_id(credential_id)
                        .classifier(classifier)
                        .user_agent(self.user_agent())
                        .file(part)
                        .send()
                        .await)
                }
            },
        )
        .await
    }

    /// Finalizes a workflow execution with its transaction token. [`Session::finalize`] does this
    /// for you, after checking that the required parts were uploaded.
    pub async fn finalize(
        &self,
        account_id: &str,
        workflow_execution_id: &str,
        transaction_token: &SecretString,
    ) -> Result<types::FinalizeResponse> {
        self.call(
            "finalize_workflow_execution",
            Service::Api,
            Safety::Idempotent,
            Token::Transaction(transaction_token),
            Ids::execution(account_id, workflow_execution_id),
            |client| async move {
                Ok(client
                    .finalize_workflow_execution()
                    .account_id(account_id)
                    .workflow_execution_id(workflow_execution_id)
                    .user_agent(self.user_agent())
                    .send()
                    .await)
            },
        )
        .await
    }
}

/// Which token authorises a call.
#[derive(Clone, Copy)]
pub(crate) enum Token<'a> {
    /// The OAuth2 access token of the cache, renewed once when Jumio rejects it.
    Access,
    /// The transaction token of a workflow execution (uploads, finalization).
    Transaction(&'a SecretString),
}

impl Token<'_> {
    fn name(self) -> &'static str {
        match self {
            Token::Access => "access token",
            Token::Transaction(_) => "transaction token",
        }
    }
}

/// The ids a call is about, for its tracing span.
#[derive(Clone, Copy, Default)]
pub(crate) struct Ids<'a> {
    account_id: Option<&'a str>,
    workflow_execution_id: Option<&'a str>,
}

impl<'a> Ids<'a> {
    fn account(account_id: &'a str) -> Self {
        Ids {
            account_id: Some(account_id),
            workflow_execution_id: None,
        }
    }

    fn execution(account_id: &'a str, workflow_execution_id: &'a str) -> Self {
        Ids {
            account_id: Some(account_id),
            workflow_execution_id: Some(workflow_execution_id),
        }
    }
}

/// One attempt of a call: `Err` for a local failure that ends the call (an image that changed
/// on disk), else the result of the generated call.
pub(crate) type Attempt<T> =
    Result<std::result::Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<()>>>;

/// What [`JumioClient::fetch_callback_result`] found.
#[derive(Debug)]
pub enum CallbackOutcome {
    /// The workflow execution is processed: its result.
    Processed(Box<VerificationResult>),
    /// Not processed (yet, or expired): its current status.
    Status(types::WorkflowStatus),
}

/// The images of a verification: the ID front, optionally its back, and the selfie.
#[derive(Debug)]
pub struct Images {
    /// Front of the ID document.
    pub front: ImageSource,
    /// Back of the ID document, when it has one.
    pub back: Option<ImageSource>,
    /// The selfie.
    pub selfie: ImageSource,
}

/// Progress of [`JumioClient::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyStep {
    /// Every image passed the local checks; `total_bytes` will be uploaded.
    Checked {
        /// Bytes of all images together.
        total_bytes: u64,
    },
    /// The account and workflow execution exist.
    Created {
        /// The account id.
        account_id: String,
        /// The workflow execution id.
        workflow_execution_id: String,
    },
    /// One image was uploaded.
    Uploaded {
        /// `FRONT`, `BACK` or `FACE`.
        classifier: String,
        /// Its size.
        bytes: u64,
    },
    /// Finalized; processing runs.
    Finalized,
}

impl JumioClient {
    /// The whole flow: checks the request and every image locally, creates the account, uploads
    /// the images, finalizes and waits for the result. If a step after account creation fails,
    /// the new account is deleted, so nothing is left half-done.
    pub async fn verify(
        &self,
        request: &AccountRequest,
        images: Images,
        wait: WaitOptions,
        mut progress: impl FnMut(VerifyStep),
    ) -> Result<VerificationResult> {
        request.build()?;
        let limits = *self.image_limits();
        let mut parts = vec![(types::UploadClassifier::Front, images.front)];
        if let Some(back) = images.back {
            parts.push((types::UploadClassifier::Back, back));
        }
        parts.push((types::UploadClassifier::Face, images.selfie));
        let mut infos = Vec::with_capacity(parts.len());
        for (_, image) in &parts {
            infos.push(image.check(&limits).await?);
        }
        progress(VerifyStep::Checked {
            total_bytes: infos.iter().map(|info| info.bytes).sum(),
        });

        let mut session = self.create_account(request).await?;
        let account_id = session.account_id().to_owned();
        let workflow_execution_id = session.workflow_execution_id().to_owned();
        progress(VerifyStep::Created {
            account_id: account_id.clone(),
            workflow_execution_id: workflow_execution_id.clone(),
        });
        let acquired = async {
            for ((classifier, image), info) in parts.into_iter().zip(infos) {
                let category = if classifier == types::UploadClassifier::Face {
                    types::CredentialCategory::Selfie
                } else {
                    types::CredentialCategory::Id
                };
                session
                    .upload_checked(category, classifier, image, &info)
                    .await?;
                progress(VerifyStep::Uploaded {
                    classifier: classifier.to_string(),
                    bytes: info.bytes,
                });
            }
            session.finalize().await
        }
        .await;
        if let Err(error) = acquired {
            tracing::warn!(account_id, error = %error, "deleting the account of the failed verification");
            if let Err(cleanup) = self.delete_account(&account_id).await {
                tracing::warn!(account_id, error = %cleanup, "could not delete the account");
            }
            return Err(error);
        }
        progress(VerifyStep::Finalized);
        self.wait_for_result(&account_id, &workflow_execution_id, wait)
            .await
    }
}
