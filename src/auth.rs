//! OAuth2 client credentials and the access-token cache.
//!
//! The cache refreshes the token before it expires (by the JWT `exp` claim when the token carries
//! one, else by `expires_in`), with a margin, and loads it once however many tasks ask at the same
//! moment: the first caller requests a token while the others wait for it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use secrecy::SecretString;
use std::sync::RwLock;

use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::generated::{self, types};
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

/// Caches the OAuth2 access token of one set of credentials.
pub(crate) struct TokenCache {
    credentials: Credentials,
    auth_url: String,
    http: reqwest::Client,
    user_agent: String,
    margin: Duration,
    /// The cached token, read without waiting by every call.
    current: RwLock<Option<CachedToken>>,
    /// Held by the one task that requests a new token; the others wait for it.
    refresh: Mutex<()>,
    requests: AtomicU64,
    generations: AtomicU64,
    retry: RetryPolicy,
    retry_stats: std::sync::Arc<RetryStats>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("client_id", &self.credentials.client_id)
            .field("auth_url", &self.auth_url)
            .field("token_requests", &self.requests.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(
        credentials: Credentials,
        auth_url: String,
        http: reqwest::Client,
        user_agent: String,
        margin: Duration,
        retry: RetryPolicy,
        retry_stats: std::sync::Arc<RetryStats>,
    ) -> Self {
        TokenCache {
            credentials,
            auth_url,
            http,
            user_agent,
            margin,
            current: RwLock::new(None),
            refresh: Mutex::new(()),
            requests: AtomicU64::new(0),
            generations: AtomicU64::new(0),
            retry,
            retry_stats,
        }
    }

    /// How many token requests this cache has sent.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A valid access token: the cached one, or a new one when it is due for refresh. Concurrent
    /// callers share one request: the first takes the refresh lock and asks, the others wait for
    /// the lock and then find the new token.
    pub(crate) async fn token(&self) -> Result<AccessToken> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let fresh = self.request().await?;
        let token = fresh.token.clone();
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
        Ok(token)
    }

    /// The cached token, unless it is due for refresh.
    fn cached(&self) -> Option<AccessToken> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|cached| Instant::now() < cached.refresh_at)
            .map(|cached| cached.token.clone())
    }

    /// Forgets `rejected` (after a 401) so that the next call requests a new token; a token that
    /// was already replaced by another task is kept.
    pub(crate) fn invalidate(&self, rejected: &AccessToken) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current
            .as_ref()
            .is_some_and(|c| c.token.generation == rejected.generation)
        {
            *current = None;
        }
    }

    /// Requests a token; backs off on 429 (Jumio allows 10 token requests per second) and retries
    /// server and connection errors: the request has no effect besides issuing a token.
    async fn request(&self) -> Result<CachedToken> {
        const OPERATION: &str = "request_access_token";
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
            let result = client
                .request_access_token()
                .user_agent(self.user_agent.clone())
                .body(types::TokenRequest {
                    grant_type: types::TokenRequestGrantType::ClientCredentials,
                })
                .send()
                .await;
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
    }
}
