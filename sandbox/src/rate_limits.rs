//! Jumio's documented rate limits, per client id: token requests per second, requests that
//! initiate a workflow execution (account creation and update) per 5 seconds, and retrieval
//! requests per 5 seconds. A request over a limit is answered `429` with Jumio's body
//! (`{"title":"Too Many Requests","status":429,"detail":"Request limit exceeded"}`) and no
//! `Retry-After`, which Jumio does not document, before it is handled.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::errors::ApiError;
use super::routes;
use super::state::AppState;

/// Jumio's rate limits (its "Rate limits" page; they apply per tenant, which the sandbox takes as
/// per OAuth2 client id). A limit of 0 leaves its requests unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimits {
    /// `POST /oauth2/token` requests per second. Jumio: 10.
    pub token_requests_per_second: u32,
    /// Account creations and updates (requests that initiate a workflow execution) per 5
    /// seconds. Jumio's default for tenants created after March 2024: 5 (earlier tenants: 15).
    pub initiations_per_5_seconds: u32,
    /// Retrieval requests (status, details, steps, part download) per 5 seconds. Jumio's default
    /// for tenants created after March 2024: 75 (earlier tenants: 225).
    pub retrievals_per_5_seconds: u32,
}

impl RateLimits {
    /// The defaults of a tenant created now: 10 token requests per second, 5 initiations and
    /// 75 retrievals per 5 seconds.
    pub const fn jumio() -> Self {
        RateLimits {
            token_requests_per_second: 10,
            initiations_per_5_seconds: 5,
            retrievals_per_5_seconds: 75,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::jumio()
    }
}

/// The kinds of request Jumio limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Limited {
    Token,
    Initiation,
    Retrieval,
}

impl Limited {
    fn of(operation: &str) -> Option<Self> {
        match operation {
            "requestAccessToken" => Some(Self::Token),
            "createAccount" | "updateAccount" => Some(Self::Initiation),
            "getWorkflowExecutionStatus"
            | "getWorkflowExecution"
            | "getWorkflowExecutionSteps"
            | "getCredentialPart" => Some(Self::Retrieval),
            _ => None,
        }
    }

    /// The most requests allowed per window, and the window.
    fn limit(self, limits: &RateLimits) -> (u32, Duration) {
        match self {
            Self::Token => (limits.token_requests_per_second, Duration::from_secs(1)),
            Self::Initiation => (limits.initiations_per_5_seconds, Duration::from_secs(5)),
            Self::Retrieval => (limits.retrievals_per_5_seconds, Duration::from_secs(5)),
        }
    }
}

/// The client a request is counted for: the sandbox's client id, or, for a token request naming
/// another id, every other client together (so that made-up ids cannot grow the windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Client {
    Configured,
    Other,
}

/// When the requests of the current windows arrived, per kind and client (a sliding window).
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<(Limited, Client), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Counts a request at `now`; false when it is over the limit (and is then not counted).
    fn admit(&self, kind: Limited, client: Client, limits: &RateLimits, now: Instant) -> bool {
        let (most, window) = kind.limit(limits);
        if most == 0 {
            return true;
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let arrivals = windows.entry((kind, client)).or_default();
        while arrivals
            .front()
            .is_some_and(|&at| now.duration_since(at) >= window)
        {
            arrivals.pop_front();
        }
        if arrivals.len() >= most as usize {
            return false;
        }
        arrivals.push_back(now);
        true
    }
}

/// The client id of HTTP Basic credentials, if they can be read.
fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    Some(decoded.split_once(':')?.0.to_owned())
}

/// Refuses a request over its rate limit with `429`, when the sandbox enforces limits.
pub(crate) async fn enforce(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limits) = app.config.rate_limits else {
        return next.run(request).await;
    };
    let kind = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|path| routes::operation(request.method(), path.as_str()))
        .and_then(Limited::of);
    let Some(kind) = kind else {
        return next.run(request).await;
    };
    // Access tokens are issued to the sandbox's client id only, so every other call is its.
    let client = match kind {
        Limited::Token
            if basic_client_id(request.headers()).as_deref()
                != Some(app.config.client_id.as_str()) =>
        {
            Client::Other
        }
        _ => Client::Configured,
    };
    if app
        .rate_limiter
        .admit(kind, client, &limits, Instant::now())
    {
        next.run(request).await
    } else {
        crate::counters::add(&app.counters.rate_limited, 1);
        tracing::debug!(?kind, "request over the rate limit");
        ApiError::too_many_requests(None).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_admits_its_limit_and_slides() {
        let limiter = RateLimiter::default();
        let limits = RateLimits::jumio();
        let start = Instant::now();
        let admit = |kind, at: u64| {
            limiter.admit(
                kind,
                Client::Configured,
                &limits,
                start + Duration::from_millis(at),
            )
        };
        for i in 0..5 {
            assert!(admit(Limited::Initiation, i * 100), "initiation {i}");
        }
        assert!(!admit(Limited::Initiation, 4_999));
        assert!(
            admit(Limited::Initiation, 5_000),
            "the first one left the window"
        );
        assert!(!admit(Limited::Initiation, 5_050));
        for i in 0..10 {
            assert!(admit(Limited::Token, i), "token {i}");
        }
        assert!(!admit(Limited::Token, 999));
        assert!(admit(Limited::Token, 1_000));
        let other = limiter.admit(Limited::Token, Client::Other, &limits, start);
        assert!(other, "other clients have a window of their own");
        let unlimited = RateLimits {
            retrievals_per_5_seconds: 0,
            ..limits
        };
        assert!((0..1000).all(|_| limiter.admit(
            Limited::Retrieval,
            Client::Configured,
            &unlimited,
            start
        )));
    }
}
