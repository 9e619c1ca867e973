//! OAuth2 client credentials and the access-token cache.
//!
//! The cache refreshes the token before it expires (by the JWT `exp` claim when the token carries
//! one, else by `expires_in`), with a margin, and loads it once however many tasks ask at the same
//! moment: one token request (a task of its own, with its retries) serves every caller that
//! asks while it runs, with its token or its failure, and each caller waits for it no longer than
//! its own deadline.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use secrecy::SecretString;
use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::generated::{self, types};
use crate::guard;
use crate::request_auth::RequestAuth;
use crate::retry::{Attempts, Failure, RetryPolicy, RetryStats, Safety};

/// The API client id and secret from the Customer Portal (Settings › API credentials › OAuth2).
#[derive(Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: SecretString,
}

impl Credentials {
    /// Credentials from a client id and secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// The client id (not secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// Refresh this long before the token expires, or half the token's lifetime if that is shorter.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

const OPERATION: &str = "request_access_token";

struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

/// The access token as its prepared `Authorization` header, with the number of the refresh that
/// issued it (to forget exactly this one when Jumio rejects it).
#[derive(Clone)]
pub(crate) struct AccessToken {
    pub(crate) auth: RequestAuth,
    generation: u64,
}

/// The longest lifetime a token response is believed: Jumio's tokens live 60 minutes, and a
/// larger `expires_in` or `exp` (up to `i64::MAX` seconds) must not overflow the clock.
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What a token request ended with, for every caller that waited for it.
enum Outcome {
    Issued(AccessToken),
    Failed(SharedError),
}

/// The error of a token request, for several callers: the first receives it as it was, the
/// others a copy (an error of the HTTP client cannot be copied: they receive one that says the
/// same).
struct SharedError {
    original: Mutex<Option<Error>>,
    copy: Copied,
}

enum Copied {
    Exact(Error),
    Timeout,
    Transport(&'static str),
}

impl SharedError {
    fn new(error: Error) -> Self {
        let copy = match &error {
            Error::Timeout { .. } => Copied::Timeout,
            Error::Transport { source, .. } => {
                Copied::Transport(crate::error::transport_kind(source))
            }
            other => other
                .try_clone()
                .map_or(Copied::Transport("request failed"), Copied::Exact),
        };
        SharedError {
            original: Mutex::new(Some(error)),
            copy,
        }
    }

    async fn take(&self) -> Error {
        if let Some(original) = self
            .original
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return original;
        }
        match &self.copy {
            Copied::Exact(error) => error.try_clone().expect("only copyable errors are kept"),
            Copied::Timeout => Error::Timeout {
                operation: OPERATION,
                source: guard::timeout_error().await,
            },
            Copied::Transport(kind) => Error::Transport {
                operation: OPERATION,
                source: guard::reqwest_error(guard::SharedFailure(kind)).await,
            },
        }
    }
}

type Flight = watch::Receiver<Option<Arc<Outcome>>>;

/// Caches the OAuth2 access token of one set of credentials.
pub(crate) struct TokenCache {
    issuer: Arc<Issuer>,
}

/// What a token request needs, and the cache it fills; shared with the task that requests.
struct Issuer {
    credentials: Credentials,
    auth_url: String,
    http: reqwest::Client,
    user_agent: String,
    margin: Duration,
    /// The cached token, read without waiting by every call.
    current: RwLock<Option<CachedToken>>,
    /// The token request under way, which every caller that finds no valid token waits for.
    flight: Mutex<Option<Flight>>,
    requests: AtomicU64,
    generations: AtomicU64,
    retry: RetryPolicy,
    retry_stats: Arc<RetryStats>,
    /// The request timeout the client enforces itself, if it does.
    request_timeout: Option<Duration>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("client_id", &self.issuer.credentials.client_id)
            .field("auth_url", &self.issuer.auth_url)
            .field(
                "token_requests",
                &self.issuer.requests.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

/// How the token cache requests tokens.
pub(crate) struct TokenSettings {
    pub(crate) auth_url: String,
    pub(crate) http: reqwest::Client,
    pub(crate) user_agent: String,
    pub(crate) margin: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_stats: Arc<RetryStats>,
    pub(crate) request_timeout: Option<Duration>,
}

impl TokenCache {
    pub(crate) fn new(credentials: Credentials, settings: TokenSettings) -> Self {
        TokenCache {
            issuer: Arc::new(Issuer {
                credentials,
                auth_url: settings.auth_url,
                http: settings.http,
                user_agent: settings.user_agent,
                margin: settings.margin,
                current: RwLock::new(None),
                flight: Mutex::new(None),
                requests: AtomicU64::new(0),
                generations: AtomicU64::new(0),
                retry: settings.retry,
                retry_stats: settings.retry_stats,
                request_timeout: settings.request_timeout,
            }),
        }
    }

    /// How many token requests this cache has sent.
    pub(crate) fn requests(&self) -> u64 {
        self.issuer.requests.load(Ordering::Relaxed)
    }

    /// A valid access token: the cached one, or the result of the token request under way (one
    /// is started when none is), waited for until `deadline` at most.
    pub(crate) async fn token(&self, deadline: Instant) -> Result<AccessToken> {
        if let Some(token) = self.issuer.cached() {
            return Ok(token);
        }
        let mut flight = self.flight();
        // The borrow of the channel ends in this statement, before anything else is awaited.
        let waited = tokio::time::timeout_at(deadline.into(), flight.wait_for(Option::is_some))
            .await
            .map(|outcome| outcome.map(|outcome| outcome.clone()));
        let outcome = match waited {
            Ok(Ok(Some(outcome))) => outcome,
            Ok(_) => {
                return Err(Error::InvalidResponse {
                    operation: OPERATION,
                    reason: "the token request ended without an answer".to_owned(),
                });
            }
            Err(_) => {
                return Err(Error::Timeout {
                    operation: OPERATION,
                    source: guard::timeout_error().await,
                });
            }
        };
        match &*outcome {
            Outcome::Issued(token) => Ok(token.clone()),
            Outcome::Failed(error) => Err(error.take().await),
        }
    }

    /// The token request under way, started now if there is none (or the last one has ended
    /// and the cache holds no valid token).
    fn flight(&self) -> Flight {
        let mut flight = self.issuer.flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = flight.as_ref().filter(|f| f.borrow().is_none()) {
            return running.clone();
        }
        // The request that just ended may have issued a valid token.
        if let Some(token) = self.issuer.cached() {
            return watch::channel(Some(Arc::new(Outcome::Issued(token)))).1;
        }
        let (sender, receiver) = watch::channel(None);
        *flight = Some(receiver.clone());
        let issuer = self.issuer.clone();
        tokio::spawn(async move {
            let outcome = match issuer.request().await {
                Ok(fresh) => {
                    let token = fresh.token.clone();
                    *issuer.current.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
                    Outcome::Issued(token)
                }
                Err(error) => Outcome::Failed(SharedError::new(error)),
            };
            // Sent under the lock: a caller that finds this flight either waits for this
            // outcome or, once it is sent, starts the next request.
            let _flight = issuer.flight.lock().unwrap_or_else(|e| e.into_inner());
            sender.send_replace(Some(Arc::new(outcome)));
        });
        receiver
    }

    /// Forgets `rejected` (after a 401) so that the next call requests a new token; a token that
    /// was already replaced by another task is kept.
    pub(crate) fn invalidate(&self, rejected: &AccessToken) {
        let mut current = self
            .issuer
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if current
            .as_ref()
            .is_some_and(|c| c.token.generation == rejected.generation)
        {
            *current = None;
        }
    }
}

impl Issuer {
    /// The cached token, unless it is due for refresh.
    fn cached(&self) -> Option<AccessToken> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|cached| Instant::now() < cached.refresh_at)
            .map(|cached| cached.token.clone())
    }

    /// Requests a token; backs off on 429 (Jumio allows 10 token requests per second) and retries
    /// server and connection errors: the request has no effect besides issuing a token.
    async fn request(&self) -> Result<CachedToken> {
        let client = generated::Client::new_with_client(
            &self.auth_url,
            self.http.clone(),
            RequestAuth::Basic {
                client_id: self.credentials.client_id.clone(),
                client_secret: self.credentials.client_secret.clone(),
            },
        );
        let mut attempts = Attempts::new(
            &self.retry,
            &self.retry_stats,
            OPERATION,
            Safety::Idempotent,
        );
        let (issued, response) = loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let issued = Instant::now();
            let send = client
                .request_access_token()
                .user_agent(self.user_agent.clone())
                .body(types::TokenRequest {
                    grant_type: types::TokenRequestGrantType::ClientCredentials,
                })
                .send();
            let cutoff = crate::guard::request_cutoff(self.request_timeout);
            let result = match crate::guard::within(cutoff, send).await {
                Some(result) => result,
                None => Err(crate::guard::timed_out().await),
            };
            match result {
                Ok(response) => break (issued, response.into_inner()),
                Err(error) => {
                    if attempts.retry_after(Failure::of(&error)).await {
                        continue;
                    }
                    return Err(
                        Error::from_generated(OPERATION, "client credentials", error).await,
                    );
                }
            }
        };
        let lifetime = token_lifetime(&response.access_token, response.expires_in);
        if lifetime.is_zero() {
            return Err(Error::InvalidResponse {
                operation: OPERATION,
                reason: "the access token is already expired".to_owned(),
            });
        }
        let margin = self.margin.min(lifetime / 2);
        tracing::debug!(
            lifetime_s = lifetime.as_secs(),
            margin_s = margin.as_secs(),
            "access token issued"
        );
        let auth = RequestAuth::Bearer(SecretString::from(response.access_token))
            .prepare()
            .map_err(|reason| Error::InvalidResponse {
                operation: OPERATION,
                reason: reason.to_owned(),
            })?;
        Ok(CachedToken {
            token: AccessToken {
                auth,
                generation: self.generations.fetch_add(1, Ordering::Relaxed),
            },
            // `lifetime` is at most a day, so the sum cannot overflow the clock.
            refresh_at: issued + (lifetime - margin),
        })
    }
}

/// How long a token is valid from now: by its JWT `exp` claim when it has one (Jumio caches
/// tokens, so a fresh answer may be older than `expires_in` says), else by `expires_in`.
/// At most [`MAX_TOKEN_LIFETIME`].
fn token_lifetime(token: &str, expires_in: i64) -> Duration {
    let seconds = match jwt_expiry(token) {
        Some(exp) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            exp.saturating_sub(now)
        }
        None => u64::try_from(expires_in).unwrap_or(0),
    };
    Duration::from_secs(seconds).min(MAX_TOKEN_LIFETIME)
}

/// The `exp` claim of a JWT, read without verifying the signature (the token is only used to
/// decide when to refresh it; Jumio verifies it).
fn jwt_expiry(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: serde_json::Value) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.signature",
            engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            engine.encode(claims.to_string())
        )
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn lifetime_prefers_the_jwt_exp_claim() {
        let token = jwt(serde_json::json!({"exp": now() + 600, "iat": now() - 3000}));
        let lifetime = token_lifetime(&token, 3600);
        assert!(lifetime <= Duration::from_secs(600) && lifetime >= Duration::from_secs(598));
    }

    #[test]
    fn lifetime_falls_back_to_expires_in() {
        assert_eq!(
            token_lifetime("opaque-token", 3600),
            Duration::from_secs(3600)
        );
        assert_eq!(token_lifetime("a.b.c", 120), Duration::from_secs(120));
        assert_eq!(token_lifetime("opaque", -5), Duration::ZERO);
    }

    #[test]
    fn huge_lifetimes_are_clamped_to_a_day() {
        assert_eq!(token_lifetime("opaque", i64::MAX), MAX_TOKEN_LIFETIME);
        assert_eq!(MAX_TOKEN_LIFETIME, Duration::from_secs(86_400));
        let token = jwt(serde_json::json!({ "exp": u64::MAX }));
        assert_eq!(token_lifetime(&token, 3600), MAX_TOKEN_LIFETIME);
        let margin = DEFAULT_REFRESH_MARGIN.min(MAX_TOKEN_LIFETIME / 2);
        assert!(
            Instant::now()
                .checked_add(MAX_TOKEN_LIFETIME - margin)
                .is_some()
        );
    }

    #[test]
    fn an_expired_jwt_has_no_lifetime() {
        let token = jwt(serde_json::json!({"exp": now() - 10}));
        assert_eq!(token_lifetime(&token, 3600), Duration::ZERO);
    }

    #[test]
    fn credentials_debug_hides_the_secret() {
        let credentials = Credentials::new("client-id", "very-secret");
        let debug = format!("{credentials:?}");
        assert!(debug.contains("client-id") && !debug.contains("very-secret"));
        assert_eq!(credentials.client_id(), "client-id");
    }

    /// A token endpoint on 127.0.0.1 that issues `token-0`, `token-1`, ... living `expires_in`
    /// seconds (or answers `status` when it is not 200), and a cache of it with `margin`.
    async fn cache(expires_in: i64, status: u16, margin: Duration) -> TokenCache {
        use axum::routing::post;
        let issued = Arc::new(AtomicU64::new(0));
        let app = axum::Router::new().route(
            "/oauth2/token",
            post(move || {
                let n = issued.fetch_add(1, Ordering::SeqCst);
                async move {
                    let body = axum::Json(serde_json::json!({
                        "access_token": format!("token-{n}"),
                        "expires_in": expires_in,
                        "token_type": "Bearer",
                    }));
                    (axum::http::StatusCode::from_u16(status).unwrap(), body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        tokens_at(address, margin, Duration::from_secs(5))
    }

    /// A cache of the token endpoint at `address`, without retries.
    fn tokens_at(
        address: std::net::SocketAddr,
        margin: Duration,
        request_timeout: Duration,
    ) -> TokenCache {
        TokenCache::new(
            Credentials::new("client-id", "client-secret"),
            TokenSettings {
                auth_url: format!("http://{address}"),
                http: reqwest::Client::new(),
                user_agent: "test".to_owned(),
                margin,
                retry: RetryPolicy::none(),
                retry_stats: Arc::new(RetryStats::default()),
                request_timeout: Some(request_timeout),
            },
        )
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    fn failure(result: Result<AccessToken>) -> Error {
        match result {
            Ok(token) => panic!("a token: {}", bearer(&token)),
            Err(error) => error,
        }
    }

    fn bearer(token: &AccessToken) -> String {
        let header = token.auth.header().unwrap().unwrap();
        header.to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_token_is_requested_once_and_reused() {
        let tokens = cache(3600, 200, DEFAULT_REFRESH_MARGIN).await;
        assert_eq!(tokens.requests(), 0);
        let first = tokens.token(soon()).await.unwrap();
        assert_eq!(bearer(&first), "Bearer token-0");
        let again = tokens.token(soon()).await.unwrap();
        assert_eq!(bearer(&again), "Bearer token-0");
        assert_eq!(tokens.requests(), 1);
    }

    #[tokio::test]
    async fn invalidating_the_current_token_requests_a_new_one() {
        let tokens = cache(3600, 200, DEFAULT_REFRESH_MARGIN).await;
        let rejected = tokens.token(soon()).await.unwrap();
        tokens.invalidate(&rejected);
        let fresh = tokens.token(soon()).await.unwrap();
        assert_eq!(bearer(&fresh), "Bearer token-1");
        assert_eq!(tokens.requests(), 2);
        // A token rejected after it was already replaced does not discard its replacement.
        tokens.invalidate(&rejected);
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-1"
        );
        assert_eq!(tokens.requests(), 2);
    }

    #[tokio::test]
    async fn a_token_is_refreshed_its_margin_before_it_expires() {
        // Lives 3 s, refreshed 1 s before.
        let tokens = cache(3, 200, Duration::from_secs(1)).await;
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-0"
        );
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-0"
        );
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-1"
        );
    }

    #[tokio::test]
    async fn a_margin_past_half_the_lifetime_is_cut_to_half() {
        let tokens = cache(2, 200, Duration::from_secs(60)).await;
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-0"
        );
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-0"
        );
        tokio::time::sleep(Duration::from_millis(1300)).await;
        assert_eq!(
            bearer(&tokens.token(soon()).await.unwrap()),
            "Bearer token-1"
        );
    }

    #[tokio::test]
    async fn an_expired_token_or_a_refusal_is_an_error_for_every_caller() {
        let tokens = cache(0, 200, DEFAULT_REFRESH_MARGIN).await;
        let error = failure(tokens.token(soon()).await);
        assert!(error.to_string().contains("already expired"), "{error}");

        let refused = cache(3600, 401, DEFAULT_REFRESH_MARGIN).await;
        let (a, b) = tokio::join!(refused.token(soon()), refused.token(soon()));
        for error in [failure(a), failure(b)] {
            assert_eq!(
                error.status(),
                Some(reqwest::StatusCode::UNAUTHORIZED),
                "{error:?}"
            );
        }
        assert_eq!(refused.requests(), 1, "one request for both callers");
    }

    /// Callers that share a token request which could not connect all learn why, the first from
    /// the HTTP client's own error and the others from the copy that says the same.
    #[tokio::test]
    async fn a_shared_token_request_that_cannot_connect_says_so_to_every_caller() {
        // A port that was just free: nothing listens on it.
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let tokens = tokens_at(address, DEFAULT_REFRESH_MARGIN, Duration::from_secs(5));
        let (a, b, c) = tokio::join!(
            tokens.token(soon()),
            tokens.token(soon()),
            tokens.token(soon())
        );
        assert_eq!(tokens.requests(), 1, "one request for the three callers");
        let mut shared = 0;
        for error in [failure(a), failure(b), failure(c)] {
            assert_eq!(
                error.to_string(),
                "request_access_token: could not reach Jumio (connection failed)"
            );
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                if cause.to_string()
                    == "the token request made for concurrent calls failed: connection failed"
                {
                    shared += 1;
                }
                source = cause.source();
            }
        }
        assert_eq!(
            shared, 2,
            "the callers but the first receive the shared copy"
        );
    }

    #[tokio::test]
    async fn a_caller_waits_no_longer_than_its_deadline() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let tokens = tokens_at(address, DEFAULT_REFRESH_MARGIN, Duration::from_secs(30));
        let started = Instant::now();
        let error = failure(
            tokens
                .token(Instant::now() + Duration::from_millis(200))
                .await,
        );
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_jwt_without_a_numeric_exp_falls_back_to_expires_in() {
        for claims in [
            serde_json::json!({"iat": 1}),
            serde_json::json!({"exp": "soon"}),
        ] {
            assert_eq!(token_lifetime(&jwt(claims), 120), Duration::from_secs(120));
        }
        assert_eq!(jwt_expiry("a.!!!.c"), None);
        assert_eq!(jwt_expiry(&jwt(serde_json::json!({"exp": 42}))), Some(42));
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":7}"#);
        assert_eq!(jwt_expiry(&format!("h.{payload}==.s")), Some(7));
    }
}
