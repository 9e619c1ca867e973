//! The one way the client talks to Jumio: the HTTP client, the service URLs, the token cache, the
//! retry policy, and [`Transport::call`], through which every operation goes.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tracing::Instrument as _;

use crate::auth::TokenCache;
use crate::buffers::BufferPool;
use crate::error::{Error, Result};
use crate::generated;
use crate::guard::{request_cutoff, timed_out, within};
use crate::ids::ExecutionIds;
use crate::image::ImageLimits;
use crate::pacing::Pacing;
use crate::region::Service;
use crate::request_auth::RequestAuth;
use crate::retry::{Attempts, Failure, RetryPolicy, RetryStats, Safety};

/// What every call of a client shares. Cheap to share behind an `Arc`.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    /// Base URLs, indexed by [`Service::index`].
    pub(crate) urls: [String; Service::ALL.len()],
    /// The origin of the api service's URL: where links returned by Jumio must point.
    pub(crate) api_origin: String,
    pub(crate) user_agent: String,
    pub(crate) tokens: TokenCache,
    pub(crate) image_limits: ImageLimits,
    /// The buffers small images are read into for their upload.
    pub(crate) buffers: Arc<BufferPool>,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_stats: Arc<RetryStats>,
    /// The per-request timeout the client enforces itself: set when the HTTP client was given
    /// (the crate's own enforces it already).
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) pacing: Pacing,
    /// The largest part download, in bytes.
    pub(crate) download_limit: u64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("urls", &self.urls)
            .field("user_agent", &self.user_agent)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

/// Which token authorises a call.
#[derive(Clone, Copy)]
pub(crate) enum Token<'a> {
    /// The OAuth2 access token of the cache, renewed once when Jumio rejects it.
    Access,
    /// The transaction token of a workflow execution (uploads, finalization), as its prepared
    /// `Authorization` header.
    Transaction(&'a RequestAuth),
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
pub(crate) struct Subject<'a> {
    account_id: Option<&'a str>,
    workflow_execution_id: Option<&'a str>,
}

impl<'a> Subject<'a> {
    pub(crate) fn account(account_id: &'a str) -> Self {
        Subject {
            account_id: Some(account_id),
            workflow_execution_id: None,
        }
    }

    pub(crate) fn execution(ids: &'a ExecutionIds) -> Self {
        Subject {
            account_id: Some(ids.account_id()),
            workflow_execution_id: Some(ids.workflow_execution_id()),
        }
    }
}

/// One attempt of a call: `Err` for a local failure that ends the call (an image that changed
/// on disk), else the result of the generated call.
pub(crate) type Attempt<T> =
    Result<std::result::Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<()>>>;

impl Transport {
    /// One attempt: paced when its service is (waiting until `until` at most), then sent and
    /// answered within the request timeout the client enforces and before `until`.
    async fn attempt<T>(
        &self,
        service: Service,
        until: Option<Instant>,
        attempt: impl Future<Output = Attempt<T>>,
    ) -> Attempt<T> {
        if let Some(window) = self.pacing.window(service)
            && within(until, window.pace()).await.is_none()
        {
            return Ok(Err(timed_out().await));
        }
        let cutoff = self.request_cutoff();
        let cutoff = match (cutoff, until) {
            (Some(cutoff), Some(until)) => Some(cutoff.min(until)),
            (cutoff, until) => cutoff.or(until),
        };
        match within(cutoff, attempt).await {
            Some(result) => result,
            None => Ok(Err(timed_out().await)),
        }
    }

    /// When a request sent now must have been answered, if the client enforces the timeout.
    pub(crate) fn request_cutoff(&self) -> Option<Instant> {
        request_cutoff(self.request_timeout)
    }

    /// The base URL of a service.
    pub(crate) fn url(&self, service: Service) -> &str {
        &self.urls[service.index()]
    }

    /// A generated client for `service` carrying `auth`; one connection pool for all of them.
    pub(crate) fn generated(&self, service: Service, auth: RequestAuth) -> generated::Client {
        generated::Client::new_with_client(self.url(service), self.http.clone(), auth)
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
        subject: Subject<'_>,
        call: F,
    ) -> Result<T>
    where
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        self.call_until(operation, service, safety, token, subject, None, call)
            .await
    }

    /// [`call`](Self::call) ending by `until` at the latest, waits and retries included: an
    /// attempt still running then fails as a timeout.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn call_until<T, F, Fut>(
        &self,
        operation: &'static str,
        service: Service,
        safety: Safety,
        token: Token<'_>,
        subject: Subject<'_>,
        until: Option<Instant>,
        call: F,
    ) -> Result<T>
    where
        F: Fn(generated::Client) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let span = tracing::info_span!(
            "jumio",
            operation,
            account_id = subject.account_id,
            workflow_execution_id = subject.workflow_execution_id,
            status = tracing::field::Empty,
            retries = tracing::field::Empty
        );
        // Boxed, so that the futures of the operations built on calls stay small.
        Box::pin(async {
            let started = Instant::now();
            let mut attempts =
                Attempts::new(&self.retry, &self.retry_stats, operation, safety).until(until);
            let mut renewed = false;
            loop {
                let access = match token {
                    Token::Access => Some(self.tokens.token(attempts.deadline()).await?),
                    Token::Transaction(_) => None,
                };
                let auth = match (&access, token) {
                    (Some(access), _) => access.auth.clone(),
                    (None, Token::Transaction(auth)) => auth.clone(),
                    (None, Token::Access) => unreachable!("an access token was just taken"),
                };
                let client = self.generated(service, auth);
                // Boxed: the attempt (the generated request and reqwest's future) is the largest
                // part of the call, and every wrapper it passes through would copy it otherwise.
                let error = match self.attempt(service, until, Box::pin(call(client))).await? {
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
                if let Some(access) = &access
                    && matches!(failure, Failure::Status(StatusCode::UNAUTHORIZED, _))
                    && !renewed
                {
                    tracing::info!("access token rejected; requesting a new one");
                    self.tokens.invalidate(access);
                    renewed = true;
                    continue;
                }
                if attempts.retry_after(failure).await {
                    continue;
                }
                let credential = token.name();
                let error = match safety {
                    Safety::Idempotent => Error::from_generated(operation, credential, error).await,
                    Safety::NotIdempotent => {
                        Error::from_generated_once(operation, credential, error).await
                    }
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
        .instrument(span))
        .await
    }
}
