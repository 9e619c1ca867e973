//! The retry policy: which failures are retried, how long to wait, and how often.
//!
//! | failure | idempotent calls (retrieval, upload, finalize, token) | account create/update |
//! |---|---|---|
//! | 429 Too Many Requests | retried, honouring `Retry-After` | retried: Jumio did not take it |
//! | 503 Service Unavailable | retried | retried: Jumio did not take it |
//! | 500, 502, 504 | retried | not retried: it may have taken effect |
//! | connection refused, DNS, TLS (nothing sent) | retried | retried |
//! | timeout, connection dropped after sending | retried | not retried: [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) |
//!
//! Waits grow exponentially from [`RetryPolicy::initial_backoff`] up to
//! [`RetryPolicy::max_backoff`], with jitter (each wait is between half and all of the exponential
//! value), and are at least the `Retry-After` the server sent. A call gives up after
//! [`RetryPolicy::max_retries`] retries or when the next wait would pass its
//! [`RetryPolicy::deadline`]. Uploading a part again is safe: it replaces the part.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

/// How the client retries failed calls. See the [module documentation](self) for what is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 4; 0 disables retrying).
    pub max_retries: u32,
    /// Wait before the first retry (default 200 ms).
    pub initial_backoff: Duration,
    /// Longest wait between two attempts (default 5 s).
    pub max_backoff: Duration,
    /// A longer `Retry-After` is not waited for: the call fails at once (default 30 s).
    pub max_retry_after: Duration,
    /// Time budget of one call with all its retries (default 2 minutes).
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// This policy with at most `max_retries` retries after the first attempt.
    pub fn with_max_retries(self, max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            ..self
        }
    }

    /// This policy with waits growing from `initial` to at most `max`.
    pub fn with_backoff(self, initial: Duration, max: Duration) -> Self {
        RetryPolicy {
            initial_backoff: initial,
            max_backoff: max,
            ..self
        }
    }

    /// This policy failing at once on a `Retry-After` longer than `max`.
    pub fn with_max_retry_after(self, max: Duration) -> Self {
        RetryPolicy {
            max_retry_after: max,
            ..self
        }
    }

    /// This policy with a time budget of `deadline` per call, retries included.
    pub fn with_deadline(self, deadline: Duration) -> Self {
        RetryPolicy { deadline, ..self }
    }

    /// The exponential wait before retry number `retry` (0-based), with jitter from `random`.
    fn backoff(&self, retry: u32, random: u64) -> Duration {
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        let half = exponential / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(if nanos == 0 { 0 } else { random % (nanos + 1) })
    }
}

/// Why a call was retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryCause {
    /// 429 Too Many Requests.
    RateLimited,
    /// 500, 502, 503 or 504.
    ServerError,
    /// The connection could not be opened; nothing was sent.
    Connect,
    /// The connection failed after the request was sent.
    Transport,
    /// No answer in time.
    Timeout,
}

impl std::fmt::Display for RetryCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RetryCause::RateLimited => "rate limited",
            RetryCause::ServerError => "server error",
            RetryCause::Connect => "connection failed",
            RetryCause::Transport => "connection lost",
            RetryCause::Timeout => "timeout",
        })
    }
}

/// Retries a client made, by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryCounts {
    /// After 429.
    pub rate_limited: u64,
    /// After 500, 502, 503, 504.
    pub server_error: u64,
    /// After a connection that could not be opened.
    pub connect: u64,
    /// After a connection lost after sending.
    pub transport: u64,
    /// After a timeout.
    pub timeout: u64,
}

impl RetryCounts {
    /// All retries.
    pub fn total(&self) -> u64 {
        self.rate_limited + self.server_error + self.connect + self.transport + self.timeout
    }
}

/// Counters of the retries of one client.
#[derive(Debug, Default)]
pub(crate) struct RetryStats {
    rate_limited: AtomicU64,
    server_error: AtomicU64,
    connect: AtomicU64,
    transport: AtomicU64,
    timeout: AtomicU64,
    random: AtomicU64,
}

impl RetryStats {
    fn record(&self, cause: RetryCause) {
        let counter = match cause {
            RetryCause::RateLimited => &self.rate_limited,
            RetryCause::ServerError => &self.server_error,
            RetryCause::Connect => &self.connect,
            RetryCause::Transport => &self.transport,
            RetryCause::Timeout => &self.timeout,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RetryCounts {
        RetryCounts {
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            server_error: self.server_error.load(Ordering::Relaxed),
            connect: self.connect.load(Ordering::Relaxed),
            transport: self.transport.load(Ordering::Relaxed),
            timeout: self.timeout.load(Ordering::Relaxed),
        }
    }

    /// A pseudo-random number for jitter (SplitMix64 over a shared counter seeded by the clock).
    fn random(&self) -> u64 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut z = self
            .random
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(seed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Whether repeating a call is safe when its first attempt may have taken effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads, and writes that replace (upload, finalize), and the token request.
    Idempotent,
    /// Account creation and update: each success creates a workflow execution.
    NotIdempotent,
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    Status(StatusCode, Option<Duration>),
    Connect,
    Transport,
    Timeout,
    /// Not retryable whatever the operation (a local error, an unreadable body).
    Final,
}

impl Failure {
    /// Classifies an error of a generated call without consuming it.
    pub(crate) fn of(error: &progenitor_client::Error<()>) -> Failure {
        use progenitor_client::Error as E;
        match error {
            E::UnexpectedResponse(response) => Failure::Status(
                response.status(),
                response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            ),
            E::CommunicationError(error) | E::ResponseBodyError(error) => {
                Failure::of_reqwest(error)
            }
            _ => Failure::Final,
        }
    }

    pub(crate) fn of_reqwest(error: &reqwest::Error) -> Failure {
        // A refused answer (too large, redirected) comes again on a retry.
        if crate::guard::Refusal::of(error).is_some() {
            Failure::Final
        } else if error.is_connect() {
            Failure::Connect
        } else if error.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Transport
        }
    }

    /// Whether the request may have taken effect although the client saw no answer.
    pub(crate) fn outcome_unknown(self) -> bool {
        matches!(self, Failure::Transport | Failure::Timeout)
    }

    fn cause(self, safety: Safety) -> Option<RetryCause> {
        let idempotent = safety == Safety::Idempotent;
        match self {
            Failure::Status(StatusCode::TOO_MANY_REQUESTS, _) => Some(RetryCause::RateLimited),
            Failure::Status(StatusCode::SERVICE_UNAVAILABLE, _) => Some(RetryCause::ServerError),
            Failure::Status(
                StatusCode::INTERNAL_SERVER_ERROR
                | StatusCode::BAD_GATEWAY
                | StatusCode::GATEWAY_TIMEOUT,
                _,
            ) if idempotent => Some(RetryCause::ServerError),
            Failure::Connect => Some(RetryCause::Connect),
            Failure::Transport if idempotent => Some(RetryCause::Transport),
            Failure::Timeout if idempotent => Some(RetryCause::Timeout),
            _ => None,
        }
    }
}

/// The retries of one call.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    stats: &'a RetryStats,
    operation: &'static str,
    safety: Safety,
    /// When the call must have ended: its start plus the policy's deadline, or the caller's
    /// earlier one.
    deadline: Instant,
    retries: u32,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(
        policy: &'a RetryPolicy,
        stats: &'a RetryStats,
        operation: &'static str,
        safety: Safety,
    ) -> Self {
        let now = Instant::now();
        Attempts {
            policy,
            stats,
            operation,
            safety,
            deadline: crate::pacing::later(now, policy.deadline),
            retries: 0,
        }
    }

    /// The same attempts ending by `deadline` when that is earlier than the policy's.
    pub(crate) fn until(mut self, deadline: Option<Instant>) -> Self {
        if let Some(deadline) = deadline {
            self.deadline = self.deadline.min(deadline);
        }
        self
    }

    /// When the call must have ended.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Retries made so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// After a failed attempt: waits and returns `true` when the call should be tried again,
    /// returns `false` at once when it should fail.
    pub(crate) async fn retry_after(&mut self, failure: Failure) -> bool {
        let Some(cause) = failure.cause(self.safety) else {
            return false;
        };
        if self.retries >= self.policy.max_retries {
            return false;
        }
        let retry_after = match failure {
            Failure::Status(_, after) => after,
            _ => None,
        };
        if retry_after.is_some_and(|after| after > self.policy.max_retry_after) {
            return false;
        }
        let wait = self
            .policy
            .backoff(self.retries, self.stats.random())
            .max(retry_after.unwrap_or_default());
        if Instant::now() + wait > self.deadline {
            return false;
        }
        self.retries += 1;
        self.stats.record(cause);
        tracing::info!(
            operation = self.operation,
            retry = self.retries,
            cause = %cause,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(wait).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_within_jitter_and_cap() {
        let policy = RetryPolicy::default();
        for retry in 0..8 {
            let exponential = (policy.initial_backoff * 2u32.pow(retry)).min(policy.max_backoff);
            for random in [0, 1, u64::MAX / 3, u64::MAX] {
                let wait = policy.backoff(retry, random);
                assert!(
                    wait >= exponential / 2 && wait <= exponential,
                    "{retry}: {wait:?}"
                );
            }
        }
        assert_eq!(policy.backoff(40, 0), policy.max_backoff / 2);
    }

    #[test]
    fn account_creation_is_retried_only_when_it_provably_did_not_take_effect() {
        let create = Safety::NotIdempotent;
        assert_eq!(
            Failure::Status(StatusCode::TOO_MANY_REQUESTS, None).cause(create),
            Some(RetryCause::RateLimited)
        );
        assert_eq!(
            Failure::Status(StatusCode::SERVICE_UNAVAILABLE, None).cause(create),
            Some(RetryCause::ServerError)
        );
        assert_eq!(Failure::Connect.cause(create), Some(RetryCause::Connect));
        for unknown in [
            Failure::Timeout,
            Failure::Transport,
            Failure::Status(StatusCode::INTERNAL_SERVER_ERROR, None),
            Failure::Status(StatusCode::BAD_GATEWAY, None),
        ] {
            assert_eq!(unknown.cause(create), None, "{unknown:?}");
        }
        let read = Safety::Idempotent;
        for retried in [
            Failure::Timeout,
            Failure::Transport,
            Failure::Connect,
            Failure::Status(StatusCode::BAD_GATEWAY, None),
            Failure::Status(StatusCode::GATEWAY_TIMEOUT, None),
        ] {
            assert!(retried.cause(read).is_some(), "{retried:?}");
        }
        for final_ in [
            Failure::Status(StatusCode::BAD_REQUEST, None),
            Failure::Status(StatusCode::NOT_FOUND, None),
            Failure::Status(StatusCode::UNAUTHORIZED, None),
            Failure::Final,
        ] {
            assert_eq!(final_.cause(read), None, "{final_:?}");
        }
    }

    #[tokio::test]
    async fn retries_stop_at_the_limit_and_honour_retry_after() {
        let policy = RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            ..RetryPolicy::default()
        };
        let stats = RetryStats::default();
        let mut attempts = Attempts::new(&policy, &stats, "test", Safety::Idempotent);
        assert!(attempts.retry_after(Failure::Timeout).await);
        assert!(
            attempts
                .retry_after(Failure::Status(StatusCode::TOO_MANY_REQUESTS, None))
                .await
        );
        assert!(!attempts.retry_after(Failure::Timeout).await);
        assert_eq!(
            attempts.retries(),
            2,
            "the refused third retry is not counted"
        );
        assert_eq!(stats.snapshot().total(), 2);
        assert_eq!(stats.snapshot().rate_limited, 1);

        let mut attempts = Attempts::new(&policy, &stats, "test", Safety::Idempotent);
        let too_long = Failure::Status(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3600)),
        );
        assert!(
            !attempts.retry_after(too_long).await,
            "an hour is not waited for"
        );
        let none = RetryPolicy::none();
        let mut attempts = Attempts::new(&none, &stats, "test", Safety::Idempotent);
        assert!(!attempts.retry_after(Failure::Timeout).await);
    }

    fn quick(max_retries: u32) -> RetryPolicy {
        RetryPolicy::default()
            .with_max_retries(max_retries)
            .with_backoff(Duration::from_millis(1), Duration::from_millis(2))
    }

    #[test]
    fn the_builders_set_what_they_name() {
        let policy = RetryPolicy::default()
            .with_max_retries(7)
            .with_backoff(Duration::from_millis(3), Duration::from_millis(9))
            .with_max_retry_after(Duration::from_secs(11))
            .with_deadline(Duration::from_secs(13));
        assert_eq!(
            policy,
            RetryPolicy {
                max_retries: 7,
                initial_backoff: Duration::from_millis(3),
                max_backoff: Duration::from_millis(9),
                max_retry_after: Duration::from_secs(11),
                deadline: Duration::from_secs(13),
            }
        );
        assert_eq!(RetryPolicy::none().max_retries, 0);
        assert_eq!(
            RetryPolicy::none().deadline,
            RetryPolicy::default().deadline
        );
    }

    #[test]
    fn the_longest_wait_is_the_whole_exponential_value() {
        let policy = RetryPolicy::default();
        let half = policy.initial_backoff / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap();
        assert_eq!(policy.backoff(0, nanos), policy.initial_backoff);
        assert_eq!(policy.backoff(0, nanos + 1), half);
        assert_eq!(policy.backoff(1, 0), policy.initial_backoff);
        // Past 31 doublings the exponent stops growing instead of overflowing.
        let wide = RetryPolicy::default().with_backoff(Duration::from_nanos(1), Duration::MAX);
        let top = Duration::from_nanos(1 << 31);
        assert_eq!(wide.backoff(31, 0), top / 2);
        assert_eq!(wide.backoff(40, 0), top / 2);
        assert_eq!(wide.backoff(u32::MAX, 0), top / 2);
        let zero = RetryPolicy::default().with_backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.backoff(3, u64::MAX), Duration::ZERO);
    }

    #[test]
    fn waits_vary_and_spread_over_the_jitter_range() {
        let policy = RetryPolicy::default();
        let stats = RetryStats::default();
        let exponential = policy.initial_backoff * 8;
        let waits: Vec<Duration> = (0..64).map(|_| policy.backoff(3, stats.random())).collect();
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 32, "{} distinct waits", distinct.len());
        let three_quarters = exponential * 3 / 4;
        assert!(waits.iter().any(|w| *w < three_quarters), "{waits:?}");
        assert!(waits.iter().any(|w| *w > three_quarters), "{waits:?}");
        assert!(
            waits
                .iter()
                .all(|w| *w >= exponential / 2 && *w <= exponential)
        );
    }

    #[test]
    fn retries_are_counted_by_cause() {
        let stats = RetryStats::default();
        for (cause, times) in [
            (RetryCause::RateLimited, 1),
            (RetryCause::ServerError, 2),
            (RetryCause::Connect, 3),
            (RetryCause::Transport, 4),
            (RetryCause::Timeout, 5),
        ] {
            for _ in 0..times {
                stats.record(cause);
            }
        }
        let counts = stats.snapshot();
        assert_eq!(
            counts,
            RetryCounts {
                rate_limited: 1,
                server_error: 2,
                connect: 3,
                transport: 4,
                timeout: 5,
            }
        );
        assert_eq!(counts.total(), 15);
    }

    #[test]
    fn only_an_answer_that_never_came_leaves_the_outcome_unknown() {
        assert!(Failure::Transport.outcome_unknown());
        assert!(Failure::Timeout.outcome_unknown());
        for known in [
            Failure::Connect,
            Failure::Final,
            Failure::Status(StatusCode::INTERNAL_SERVER_ERROR, None),
        ] {
            assert!(!known.outcome_unknown(), "{known:?}");
        }
    }

    fn answer(status: u16, retry_after: Option<&str>) -> progenitor_client::Error<()> {
        let mut response = http::Response::builder().status(status);
        if let Some(value) = retry_after {
            response = response.header("retry-after", value);
        }
        progenitor_client::Error::UnexpectedResponse(reqwest::Response::from(
            response.body(Vec::<u8>::new()).unwrap(),
        ))
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_ignored_when_not_a_number() {
        assert_eq!(
            Failure::of(&answer(429, Some(" 7 "))),
            Failure::Status(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(7)))
        );
        assert_eq!(
            Failure::of(&answer(503, Some("Wed, 21 Oct 2015 07:28:00 GMT"))),
            Failure::Status(StatusCode::SERVICE_UNAVAILABLE, None)
        );
        assert_eq!(
            Failure::of(&answer(500, None)),
            Failure::Status(StatusCode::INTERNAL_SERVER_ERROR, None)
        );
        assert_eq!(
            Failure::of(&progenitor_client::Error::InvalidRequest("bad".into())),
            Failure::Final
        );
    }

    #[tokio::test]
    async fn connection_failures_are_told_apart() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let http = reqwest::Client::new();
        let error = http.get(&refused).send().await.unwrap_err();
        assert_eq!(Failure::of_reqwest(&error), Failure::Connect);
        assert_eq!(
            Failure::of(&progenitor_client::Error::CommunicationError(error)),
            Failure::Connect
        );

        // Accepts and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_url = format!("http://{}", silent.local_addr().unwrap());
        // Accepts, reads the request and hangs up.
        let rude = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rude_url = format!("http://{}", rude.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                tokio::select! {
                    Ok((socket, _)) = silent.accept() => held.push(socket),
                    Ok((mut socket, _)) = rude.accept() => {
                        use tokio::io::AsyncReadExt as _;
                        let mut buffer = [0; 1024];
                        let _ = socket.read(&mut buffer).await;
                    }
                }
            }
        });
        let error = http
            .get(&silent_url)
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .unwrap_err();
        assert_eq!(Failure::of_reqwest(&error), Failure::Timeout);
        let error = http.get(&rude_url).send().await.unwrap_err();
        assert_eq!(Failure::of_reqwest(&error), Failure::Transport);
    }

    #[tokio::test]
    async fn a_retry_after_above_the_cap_fails_at_once_and_one_at_the_cap_is_waited_for() {
        let policy = quick(3).with_max_retry_after(Duration::from_millis(80));
        let stats = RetryStats::default();
        let mut attempts = Attempts::new(&policy, &stats, "test", Safety::Idempotent);
        let over = Failure::Status(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_millis(81)),
        );
        let started = Instant::now();
        assert!(!attempts.retry_after(over).await);
        assert!(started.elapsed() < Duration::from_millis(80));
        let at = Failure::Status(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_millis(80)),
        );
        let started = Instant::now();
        assert!(attempts.retry_after(at).await);
        assert!(
            started.elapsed() >= Duration::from_millis(80),
            "the Retry-After is waited for, not only the backoff"
        );
        assert_eq!(attempts.retries(), 1);
    }

    #[tokio::test]
    async fn a_wait_past_the_deadline_fails_at_once() {
        // The Retry-After is within the cap; only the deadline refuses it.
        let policy = quick(3)
            .with_max_retry_after(Duration::from_secs(3600))
            .with_deadline(Duration::from_millis(200));
        let stats = RetryStats::default();
        let mut attempts = Attempts::new(&policy, &stats, "test", Safety::Idempotent);
        let started = Instant::now();
        let long = Failure::Status(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(1)));
        assert!(!attempts.retry_after(long).await);
        assert!(started.elapsed() < Duration::from_millis(200));
        assert!(attempts.deadline() <= started + Duration::from_millis(200));
        // A backoff longer than the deadline, with no Retry-After at all.
        let slow = RetryPolicy::default()
            .with_backoff(Duration::from_secs(2), Duration::from_secs(2))
            .with_deadline(Duration::from_secs(1));
        let mut attempts = Attempts::new(&slow, &stats, "test", Safety::Idempotent);
        let started = Instant::now();
        assert!(!attempts.retry_after(Failure::Timeout).await);
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(stats.snapshot().total(), 0, "nothing was retried");
    }

    #[tokio::test]
    async fn the_callers_deadline_counts_when_it_is_earlier() {
        let policy = quick(3)
            .with_backoff(Duration::from_millis(200), Duration::from_millis(200))
            .with_deadline(Duration::from_secs(60));
        let stats = RetryStats::default();
        let soon = Instant::now() + Duration::from_millis(50);
        let mut attempts =
            Attempts::new(&policy, &stats, "test", Safety::Idempotent).until(Some(soon));
        assert_eq!(attempts.deadline(), soon);
        assert!(!attempts.retry_after(Failure::Timeout).await);

        let short = quick(3).with_deadline(Duration::from_millis(50));
        let started = Instant::now();
        let attempts = Attempts::new(&short, &stats, "test", Safety::Idempotent)
            .until(Some(started + Duration::from_secs(3600)));
        assert!(attempts.deadline() < started + Duration::from_secs(1));
        let unchanged = Attempts::new(&short, &stats, "test", Safety::Idempotent);
        let deadline = unchanged.deadline();
        assert_eq!(unchanged.until(None).deadline(), deadline);
    }

    #[tokio::test]
    async fn an_account_creation_is_not_retried_after_a_timeout() {
        let policy = quick(3);
        let stats = RetryStats::default();
        let mut attempts = Attempts::new(&policy, &stats, "test", Safety::NotIdempotent);
        assert_eq!(attempts.retries(), 0);
        assert!(!attempts.retry_after(Failure::Timeout).await);
        assert!(attempts.retry_after(Failure::Connect).await);
        assert_eq!(attempts.retries(), 1);
        assert_eq!(stats.snapshot().connect, 1);
    }
}
