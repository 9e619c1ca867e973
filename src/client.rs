//! The ergonomic client: configuration, OAuth2, and every operation of the KYX flow.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::{Credentials, DEFAULT_REFRESH_MARGIN, TokenCache, TokenSettings};
use crate::callback::Callback;
use crate::error::{Error, Result};
use crate::generated::types;
use crate::guard::DEFAULT_MAX_DOWNLOAD;
use crate::ids::{ExecutionIds, check_id};
use crate::image::{ImageLimits, ImageSource};
use crate::pacing::{Pacing, RateLimits};
use crate::region::{Region, Service};
use crate::request_auth::RequestAuth;
use crate::result::VerificationResult;
use crate::retrieval::{Download, Downloaded, WaitOptions};
use crate::retry::{RetryCounts, RetryPolicy, RetryStats, Safety};
use crate::session::{Finalized, Session};
use crate::transport::{Subject, Token, Transport};
use crate::trust;
use crate::web::{self, ConfirmedLanding, Landing};
use crate::workflow::WorkflowRequest;

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
    rate_limits: Option<RateLimits>,
    download_limit: u64,
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
            .field("rate_limits", &self.rate_limits)
            .field("download_limit", &self.download_limit)
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
            rate_limits: None,
            download_limit: DEFAULT_MAX_DOWNLOAD,
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

    /// Connect timeout (default 10 s). Not applied to an [`http_client`](Self::http_client) of
    /// your own (set it on that client); the [`timeout`](Self::timeout) still bounds connecting.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total timeout of one request, from sending it to the end of its answer's body (default
    /// 60 s). Enforced by the client itself around every request of an
    /// [`http_client`](Self::http_client) of your own, whatever that client's settings.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Your own `reqwest::Client` (proxies, custom CAs). The client enforces its
    /// [`timeout`](Self::timeout) around each request regardless of that client's own, and
    /// refuses every redirect: a 3xx answer is [`Error::Redirected`], and so is an answer the
    /// `reqwest::Client` reached by following a redirect. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())` all the same: a client that follows a
    /// redirect has sent the request (with its token, on the same host) before the answer can
    /// be refused.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The rate limits of your Jumio tenant, which the client keeps to by pacing account
    /// creations and updates and retrieval calls (default [`RateLimits::default`], Jumio's
    /// documented defaults; [`RateLimits::none`] turns pacing off). Without this call, a
    /// service whose URL is on this machine (the sandbox) is not paced.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = Some(limits);
        self
    }

    /// The largest part download read, in bytes (default 32 MiB,
    /// [`DEFAULT_MAX_DOWNLOAD`](crate::guard::DEFAULT_MAX_DOWNLOAD)); a longer one is
    /// [`Error::ResponseTooLarge`].
    pub fn download_limit(mut self, bytes: u64) -> Self {
        self.download_limit = bytes;
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

        let mut urls: [String; Service::ALL.len()] = Default::default();
        for service in Service::ALL {
            let url = self
                .overrides
                .get(&service)
                .or(self.base_url.as_ref())
                .cloned()
                .unwrap_or_else(|| self.region.base_url(service));
            urls[service.index()] = trust::base_url(service, &url).map_err(Error::Config)?;
        }

        let rate_limits = match self.rate_limits {
            Some(limits) => limits,
            None => {
                let paced = |service: Service| {
                    !reqwest::Url::parse(&urls[service.index()])
                        .is_ok_and(|u| trust::is_loopback(&u))
                };
                let defaults = RateLimits::default();
                RateLimits {
                    initiations: defaults.initiations.filter(|_| paced(Service::Account)),
                    retrievals: defaults.retrievals.filter(|_| paced(Service::Retrieval)),
                }
            }
        };
        rate_limits.check().map_err(Error::Config)?;

        // The crate's own HTTP client enforces the timeout; one given to the builder may not.
        let request_timeout = self.http.is_some().then_some(self.timeout);
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
            TokenSettings {
                auth_url: urls[Service::Auth.index()].clone(),
                http: http.clone(),
                user_agent: user_agent.clone(),
                margin: self.refresh_margin,
                retry: self.retry,
                retry_stats: retry_stats.clone(),
                request_timeout,
            },
        );
        // Every base URL passed `trust::base_url`: absolute, with a host.
        let api_origin = trust::origin(&urls[Service::Api.index()]).unwrap_or_default();
        Ok(JumioClient {
            transport: Arc::new(Transport {
                http,
                urls,
                api_origin,
                user_agent,
                tokens,
                image_limits: self.image_limits,
                buffers: crate::image::upload_buffers(),
                retry: self.retry,
                retry_stats,
                request_timeout,
                pacing: Pacing::new(rate_limits),
                download_limit: self.download_limit,
            }),
        })
    }
}

/// The Jumio KYX client: cheap to clone, safe to share between tasks.
///
/// ```no_run
/// # async fn run() -> jumio_kyx::Result<()> {
/// use jumio_kyx::{IdType, ImageSource, JumioClient, WaitOptions, Workflow, WorkflowRequest};
///
/// let client = JumioClient::builder()
///     .from_env()?                       // JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET, JUMIO_REGION
///     .user_agent("YourCompany Onboarding/1.0")
///     .build()?;
/// let request = WorkflowRequest::new(Workflow::IdAndIdentity, "order-4711")
///     .id_types([IdType::Passport, IdType::DrivingLicense])
///     .countries(["USA"]);
/// let mut session = client.create_account(&request).await?;
/// session.upload_front(ImageSource::path("front.jpg")).await?;
/// session.upload_selfie(ImageSource::path("selfie.jpg")).await?;
/// let result = session.finalize().await?.wait(WaitOptions::default()).await?;
/// println!("{} (risk {:?})", result.decision_type(), result.risk_score());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JumioClient {
    transport: Arc<Transport>,
}

impl fmt::Debug for JumioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumioClient")
            .field("transport", &self.transport)
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
        self.transport.url(service)
    }

    /// The User-Agent sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.transport.user_agent
    }

    /// The local image limits.
    pub fn image_limits(&self) -> &ImageLimits {
        &self.transport.image_limits
    }

    /// The retries this client made, by cause.
    pub fn retry_counts(&self) -> RetryCounts {
        self.transport.retry_stats.snapshot()
    }

    /// How many OAuth2 token requests this client has sent.
    pub fn token_requests(&self) -> u64 {
        self.transport.tokens.requests()
    }

    /// Creates an account with a workflow execution and returns the session that uploads its
    /// credentials. The request is checked locally first.
    ///
    /// A documented workflow that runs on an existing account only (authentication, 10014) is
    /// refused locally: start it with [`update_account`](Self::update_account).
    pub async fn create_account(&self, request: &WorkflowRequest) -> Result<Session> {
        let body = request.build()?;
        if let Some(info) = request
            .workflow()
            .info()
            .filter(|info| info.existing_account)
        {
            return Err(Error::validation(
                "workflowDefinition.key",
                format!(
                    "workflow {} ({}) runs on an existing account; start it with an account update",
                    info.key, info.name
                ),
            ));
        }
        self.start_execution(None, body).await
    }

    /// Starts a new workflow execution on an existing account.
    pub async fn update_account(
        &self,
        account_id: &str,
        request: &WorkflowRequest,
    ) -> Result<Session> {
        check_id("accountId", "account id", account_id)?;
        self.start_execution(Some(account_id), request.build()?)
            .await
    }

    /// Creates an account (`account_id` none) or updates one, then turns the answer into a
    /// session, refusing (and deleting the new account) when its ids or links are not to be
    /// trusted.
    async fn start_execution(
        &self,
        account_id: Option<&str>,
        body: types::AccountRequest,
    ) -> Result<Session> {
        let (operation, subject) = match account_id {
            Some(id) => ("update_account", Subject::account(id)),
            None => ("create_account", Subject::default()),
        };
        let transport = &*self.transport;
        let response: types::AccountResponse = transport
            .call(
                operation,
                Service::Account,
                Safety::NotIdempotent,
                Token::Access,
                subject,
                |client| {
                    let body = body.clone();
                    async move {
                        let user_agent = transport.user_agent.as_str();
                        Ok(match account_id {
                            Some(id) => {
                                client
                                    .update_account()
                                    .account_id(id)
                                    .user_agent(user_agent)
                                    .body(body)
                                    .send()
                                    .await
                            }
                            None => {
                                client
                                    .create_account()
                                    .user_agent(user_agent)
                                    .body(body)
                                    .send()
                                    .await
                            }
                        })
                    }
                },
            )
            .await?;
        let created = response.account.id.clone();
        match Session::new(self.transport.clone(), operation, response) {
            Ok(session) => Ok(session),
            Err(error) => {
                // Only an account id of Jumio's form goes into the path of the deletion.
                if account_id.is_none() && trust::id("account id", &created).is_ok() {
                    tracing::warn!(
                        account_id = created,
                        "deleting the account whose answer was refused"
                    );
                    if let Err(cleanup) = self.transport.delete_account(&created).await {
                        tracing::warn!(account_id = created, error = %cleanup, "could not delete the account");
                    }
                }
                Err(error)
            }
        }
    }

    /// A session of an existing workflow execution, from its ids and its transaction token (for
    /// example one created by another process): it uploads with
    /// [`Session::upload_to`] and finalizes.
    pub fn resume(&self, ids: ExecutionIds, transaction_token: SecretString) -> Result<Session> {
        Session::resume(self.transport.clone(), ids, transaction_token)
    }

    /// The status of a workflow execution.
    pub async fn status(&self, ids: &ExecutionIds) -> Result<types::WorkflowStatusResponse> {
        self.transport.status(ids).await
    }

    /// The details and result of a workflow execution.
    pub async fn details(&self, ids: &ExecutionIds) -> Result<VerificationResult> {
        self.transport.details(ids).await
    }

    /// The steps of a KYX workflow execution.
    pub async fn steps(&self, ids: &ExecutionIds) -> Result<types::WorkflowSteps> {
        self.transport.steps(ids).await
    }

    /// Downloads the image of a credential part into memory, at most the client's
    /// [`download_limit`](JumioClientBuilder::download_limit).
    pub async fn download_part(
        &self,
        account_id: &str,
        credential_id: &str,
        classifier: &types::PartClassifier,
    ) -> Result<Download> {
        check_id("accountId", "account id", account_id)?;
        check_id("credentialId", "credential id", credential_id)?;
        self.transport
            .download_part(account_id, credential_id, classifier)
            .await
    }

    /// Streams the image of a credential part into `writer`, at most the client's
    /// [`download_limit`](JumioClientBuilder::download_limit), and returns its content type
    /// and length. On an error `writer` may hold the beginning of the image.
    pub async fn download_part_to<W>(
        &self,
        account_id: &str,
        credential_id: &str,
        classifier: &types::PartClassifier,
        writer: &mut W,
    ) -> Result<Downloaded>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        check_id("accountId", "account id", account_id)?;
        check_id("credentialId", "credential id", credential_id)?;
        self.transport
            .download_part_to(account_id, credential_id, classifier, writer)
            .await
    }

    /// The account with the status of each of its workflow executions (`account.href` of status
    /// responses and callbacks; the shape of the answer is not documented by Jumio, see the spec).
    pub async fn account(&self, account_id: &str) -> Result<types::AccountDetails> {
        check_id("accountId", "account id", account_id)?;
        self.transport.account(account_id).await
    }

    /// Deletes an account with all its data.
    pub async fn delete_account(&self, account_id: &str) -> Result<()> {
        check_id("accountId", "account id", account_id)?;
        self.transport.delete_account(account_id).await
    }

    /// Deletes one workflow execution with its data.
    pub async fn delete_workflow_execution(&self, ids: &ExecutionIds) -> Result<()> {
        self.transport.delete_execution(ids).await
    }

    /// The health of the platform (no authorisation needed).
    pub async fn health(&self) -> Result<types::HealthResponse> {
        let client = self.transport.generated(Service::Status, RequestAuth::None);
        let send = client.get_health().user_agent(self.user_agent()).send();
        let answer = match crate::guard::within(self.transport.request_cutoff(), send).await {
            Some(answer) => answer,
            None => Err(crate::guard::timed_out().await),
        };
        match answer {
            Ok(response) => Ok(response.into_inner()),
            Err(error) => Err(Error::from_generated("get_health", "access token", error).await),
        }
    }

    /// Polls the status until the workflow execution is `PROCESSED`, then returns its details.
    /// An expired execution is [`Error::Expired`]; a deadline passed is [`Error::WaitTimeout`].
    /// The deadline bounds the calls and their retries too: the wait ends by then, with the
    /// error of a call still failing at that point when no status was seen yet.
    /// [`Finalized::wait`] does the same for a session you finalized.
    pub async fn wait_for_result(
        &self,
        ids: &ExecutionIds,
        options: WaitOptions,
    ) -> Result<VerificationResult> {
        self.transport.wait(ids, options).await
    }

    /// The authoritative state behind a callback: its details when processed, else its status
    /// (callbacks carry no results and no signature, so they are only a prompt to ask).
    pub async fn fetch_callback_result(&self, callback: &Callback) -> Result<CallbackOutcome> {
        let ids = callback.ids();
        let status = self.transport.status(ids).await?;
        Ok(match status.workflow_execution.status {
            types::WorkflowStatus::Processed => {
                CallbackOutcome::Processed(Box::new(self.transport.details(ids).await?))
            }
            status => CallbackOutcome::Status(status),
        })
    }

    /// Asks Jumio about the workflow execution of a [`Landing`] on `web.successUrl` or
    /// `web.errorUrl`, whose parameters are in the user's hands: reads its status with the
    /// landing's ids (and its details once processed) with your credentials.
    ///
    /// [`Error::LandingMismatch`] when the ids do not belong together (Jumio knows no such
    /// execution of that account), when Jumio answers about another execution, or when the
    /// reference of the processed execution is not the landing's. Otherwise the confirmed
    /// status, which is what to act on: `ACQUIRED` or `PROCESSED` after a real successful
    /// journey, whatever `acquisitionStatus` the landing claims. Wait for the result with
    /// [`wait_for_result`](Self::wait_for_result) and the confirmed ids.
    pub async fn confirm_landing(&self, landing: &Landing) -> Result<ConfirmedLanding> {
        let ids = landing.ids();
        let status = match self.transport.status(ids).await {
            Ok(status) => status,
            Err(error) if error.status() == Some(reqwest::StatusCode::NOT_FOUND) => {
                return Err(Error::LandingMismatch {
                    reason: format!("Jumio knows no {ids} (404)"),
                });
            }
            Err(error) => return Err(error),
        };
        if let Some(reason) = web::mismatch(landing, &status, None) {
            return Err(Error::LandingMismatch { reason });
        }
        let state = status.workflow_execution.status.clone();
        let result = match state {
            types::WorkflowStatus::Processed => {
                let result = self.transport.details(ids).await?;
                if let Some(reason) = web::mismatch(landing, &status, Some(&result)) {
                    return Err(Error::LandingMismatch { reason });
                }
                Some(result)
            }
            _ => None,
        };
        Ok(ConfirmedLanding::new(ids.clone(), state, result))
    }

    /// The whole flow: checks the request and every image locally, creates the account, uploads
    /// the images, finalizes and waits for the result. If a step after account creation fails,
    /// the new account is deleted, so nothing is left half-done.
    pub async fn verify(
        &self,
        request: &WorkflowRequest,
        images: Images,
        wait: WaitOptions,
        mut progress: impl FnMut(VerifyStep),
    ) -> Result<VerificationResult> {
        let body = request.build()?;
        let mut parts = vec![(types::UploadClassifier::Front, images.front)];
        if let Some(back) = images.back {
            parts.push((types::UploadClassifier::Back, back));
        }
        parts.push((types::UploadClassifier::Face, images.selfie));
        let mut checked = Vec::with_capacity(parts.len());
        for (_, image) in &parts {
            checked.push(
                image
                    .check_for_upload(self.image_limits(), &self.transport.buffers)
                    .await?,
            );
        }
        progress(VerifyStep::Checked {
            total_bytes: checked.iter().map(|c| c.info.bytes).sum(),
        });

        let mut session = self.start_execution(None, body).await?;
        let ids = session.ids().clone();
        progress(VerifyStep::Created { ids: ids.clone() });
        let acquired = async {
            for ((classifier, image), checked) in parts.into_iter().zip(checked) {
                let category = if classifier == types::UploadClassifier::Face {
                    types::CredentialCategory::Selfie
                } else {
                    types::CredentialCategory::Id
                };
                session
                    .upload_checked(category, classifier, image, &checked)
                    .await?;
                progress(VerifyStep::Uploaded {
                    classifier,
                    bytes: checked.info.bytes,
                });
            }
            session.finalize().await
        }
        .await;
        let finalized: Finalized = match acquired {
            Ok(finalized) => finalized,
            Err(error) => {
                let account_id = ids.account_id();
                tracing::warn!(account_id, error = %error, "deleting the account of the failed verification");
                if let Err(cleanup) = self.transport.delete_account(account_id).await {
                    tracing::warn!(account_id, error = %cleanup, "could not delete the account");
                }
                return Err(error);
            }
        };
        progress(VerifyStep::Finalized);
        finalized.wait(wait).await
    }
}

/// What [`JumioClient::fetch_callback_result`] found.
#[derive(Debug)]
#[non_exhaustive]
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
        /// Their ids.
        ids: ExecutionIds,
    },
    /// One image was uploaded.
    Uploaded {
        /// `FRONT`, `BACK` or `FACE`.
        classifier: types::UploadClassifier,
        /// Its size.
        bytes: u64,
    },
    /// Finalized; processing runs.
    Finalized,
}
