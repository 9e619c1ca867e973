//! Reproducible fault injection: a middleware in front of every operation of the API (the health
//! check excepted) that answers some requests with `429`, `500`, `502` or `503`, holds some
//! responses longer than a client waits, or drops the connection, as chosen by a seeded generator
//! from the request's sequence number. A faulted request either took effect whole or not at all;
//! every fault is recorded with which of the two happened.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;

use super::counters::{self, atomic_counters};
use super::errors::ApiError;
use super::routes;
use super::state::AppState;

/// Most fault records kept; older ones are discarded first (the counters of
/// [`FaultStats`] stay exact).
pub const MAX_FAULT_RECORDS: usize = 100_000;

/// Header naming the injected fault on the answers that have one (diagnostics only; a client
/// should not need it): for example `x-sandbox-fault: rate_limited; seq=12`.
pub const FAULT_HEADER: &str = "x-sandbox-fault";

/// The field of `$object` named after `$kind` (`rate_limited` for [`FaultKind::RateLimited`], ...),
/// behind `$reference` (nothing, `&` or `&mut`); `$dropped` for [`FaultKind::Dropped`], whose
/// fields differ between the structs. The one mapping of kinds to the fields of [`FaultConfig`],
/// [`FaultStats`] and the counters.
macro_rules! field_of_kind {
    ($kind:expr, [$($reference:tt)*] $object:ident, $dropped:expr) => {
        match $kind {
            FaultKind::RateLimited => $($reference)* $object.rate_limited,
            FaultKind::RateLimitedRetryAfter => $($reference)* $object.rate_limited_retry_after,
            FaultKind::InternalError => $($reference)* $object.internal_error,
            FaultKind::BadGateway => $($reference)* $object.bad_gateway,
            FaultKind::Unavailable => $($reference)* $object.unavailable,
            FaultKind::Slow => $($reference)* $object.slow,
            FaultKind::Dropped => $dropped,
        }
    };
}

/// Reproducible fault injection. Rates are probabilities per request in `0.0..=1.0`, summed at
/// most `1.0`. The default injects nothing.
///
/// The `n`-th eligible request (every operation of the API but the health check `GET /`,
/// numbered from 0 in order of arrival) gets its fault decided from [`seed`](Self::seed) and `n`
/// only, so a sequential run of requests meets the same faults every time; concurrent requests
/// are numbered in whatever order they arrive, so their interleaving differs from run to run.
///
/// ```
/// use std::time::Duration;
/// use jumio_kyx_sandbox::{FaultConfig, FaultKind, SandboxConfig};
///
/// // 20% of the requests faulted, spread evenly over the seven kinds.
/// let faults = FaultConfig::uniform(0.2, 7);
/// assert!((faults.total_rate() - 0.2).abs() < 1e-9);
///
/// // Only slow responses, held for 2 s, on every request.
/// let slow = FaultConfig {
///     slow: 1.0,
///     slow_delay: Duration::from_secs(2),
///     ..FaultConfig::none()
/// };
/// assert_eq!(slow.fault_at(0), Some(FaultKind::Slow));
/// let config = SandboxConfig { faults: slow, ..SandboxConfig::default() };
/// # let _ = config;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    /// Seed of the generator that picks the faults.
    pub seed: u64,
    /// `429 Too Many Requests` without `Retry-After`. Not applied.
    pub rate_limited: f64,
    /// `429 Too Many Requests` with `Retry-After: 1`. Not applied.
    pub rate_limited_retry_after: f64,
    /// `500 Internal Server Error`. Not applied.
    pub internal_error: f64,
    /// `502 Bad Gateway`. Not applied.
    pub bad_gateway: f64,
    /// `503 Service Unavailable`. Not applied.
    pub unavailable: f64,
    /// The request is handled (applied), then its response is held for
    /// [`slow_delay`](Self::slow_delay): a client with a shorter timeout gives up without knowing
    /// the outcome.
    pub slow: f64,
    /// How long a slow response is held. Default 5 s.
    pub slow_delay: Duration,
    /// The connection is closed without an answer: the client sees a transport error, never an
    /// HTTP status. The generator also decides whether this happens before the request is
    /// handled (not applied) or after (applied, the answer lost).
    pub dropped: f64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            rate_limited: 0.0,
            rate_limited_retry_after: 0.0,
            internal_error: 0.0,
            bad_gateway: 0.0,
            unavailable: 0.0,
            slow: 0.0,
            slow_delay: Duration::from_secs(5),
            dropped: 0.0,
        }
    }
}

/// Tolerance of the sum of the rates (rounding of, say, seven shares of 1.0).
const SUM_TOLERANCE: f64 = 1e-9;

impl FaultConfig {
    /// No faults (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// `rate` spread evenly over all seven kinds, with `seed`.
    pub fn uniform(rate: f64, seed: u64) -> Self {
        let share = rate / FaultKind::ALL.len() as f64;
        let mut config = Self {
            seed,
            ..Self::default()
        };
        for kind in FaultKind::ALL {
            *config.rate_mut(kind) = share;
        }
        config
    }

    /// Sum of the rates of every kind: the probability that a request is faulted.
    pub fn total_rate(&self) -> f64 {
        FaultKind::ALL.iter().map(|&kind| self.rate(kind)).sum()
    }

    /// The rate of one kind.
    pub fn rate(&self, kind: FaultKind) -> f64 {
        field_of_kind!(kind, [] self, self.dropped)
    }

    /// This configuration with the rate of `kind` set to `rate`.
    pub fn with_rate(mut self, kind: FaultKind, rate: f64) -> Self {
        *self.rate_mut(kind) = rate;
        self
    }

    fn rate_mut(&mut self, kind: FaultKind) -> &mut f64 {
        field_of_kind!(kind, [&mut] self, &mut self.dropped)
    }

    /// Whether any fault can happen.
    pub fn is_enabled(&self) -> bool {
        self.total_rate() > 0.0
    }

    /// Checks that every rate lies in `0.0..=1.0` and that they sum to at most `1.0`.
    /// [`SandboxConfig::start`](super::SandboxConfig::start) refuses a configuration that fails.
    pub fn validate(&self) -> Result<(), InvalidFaultConfig> {
        for kind in FaultKind::ALL {
            let rate = self.rate(kind);
            if !(0.0..=1.0).contains(&rate) {
                return Err(InvalidFaultConfig(format!(
                    "the rate of {kind} faults is {rate}; a rate is a probability in 0.0..=1.0"
                )));
            }
        }
        let total = self.total_rate();
        if total > 1.0 + SUM_TOLERANCE {
            return Err(InvalidFaultConfig(format!(
                "the fault rates sum to {total}; their sum is the probability that a request is \
                 faulted and must be at most 1.0"
            )));
        }
        Ok(())
    }

    /// The fault the request with sequence number `seq` gets, if any (`seq` counts the eligible
    /// requests from 0 in order of arrival).
    pub fn fault_at(&self, seq: u64) -> Option<FaultKind> {
        self.decide(seq).map(|decision| decision.kind)
    }

    fn decide(&self, seq: u64) -> Option<Decision> {
        let mut rng = SplitMix64::for_request(self.seed, seq);
        let draw = rng.next_unit();
        let after = rng.next_u64() & 1 == 1;
        let mut threshold = 0.0;
        for kind in FaultKind::ALL {
            let rate = self.rate(kind);
            threshold += rate;
            if rate > 0.0 && draw < threshold {
                return Some(Decision { kind, after });
            }
        }
        None
    }
}

/// A [`FaultConfig`] with a rate outside `0.0..=1.0` or rates summing over `1.0`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidFaultConfig(String);

/// A kind of injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// `429 Too Many Requests` without `Retry-After`.
    RateLimited,
    /// `429 Too Many Requests` with `Retry-After: 1`.
    RateLimitedRetryAfter,
    /// `500 Internal Server Error`.
    InternalError,
    /// `502 Bad Gateway`.
    BadGateway,
    /// `503 Service Unavailable`.
    Unavailable,
    /// The response is held for [`FaultConfig::slow_delay`].
    Slow,
    /// The connection is closed without an answer.
    Dropped,
}

impl FaultKind {
    /// Every kind, in the order the generator checks them.
    pub const ALL: [FaultKind; 7] = [
        Self::RateLimited,
        Self::RateLimitedRetryAfter,
        Self::InternalError,
        Self::BadGateway,
        Self::Unavailable,
        Self::Slow,
        Self::Dropped,
    ];

    /// Name in snake case, as in [`FaultConfig`]'s fields and the `x-sandbox-fault` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::RateLimitedRetryAfter => "rate_limited_retry_after",
            Self::InternalError => "internal_error",
            Self::BadGateway => "bad_gateway",
            Self::Unavailable => "unavailable",
            Self::Slow => "slow",
            Self::Dropped => "dropped",
        }
    }

    /// The status the client receives, for the kinds that answer with one.
    pub fn status(self) -> Option<u16> {
        match self {
            Self::RateLimited | Self::RateLimitedRetryAfter => Some(429),
            Self::InternalError => Some(500),
            Self::BadGateway => Some(502),
            Self::Unavailable => Some(503),
            Self::Slow | Self::Dropped => None,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One injected fault, as recorded.
#[derive(Clone, Debug)]
pub struct FaultRecord {
    /// Sequence number of the request (eligible requests, from 0, in order of arrival).
    pub seq: u64,
    /// What was injected.
    pub kind: FaultKind,
    /// The spec's `operationId`, for example `createAccount`.
    pub operation: &'static str,
    /// The request method, for example `POST`.
    pub method: String,
    /// The request path (without the query).
    pub path: String,
    /// Whether the request took effect (whole): the handler ran to completion, and whatever it
    /// did (including refusing the request with a `4xx`) happened. When false, the request
    /// changed nothing.
    pub applied: bool,
    /// The status the handler answered with, when the request was applied (the client never
    /// sees it for a dropped connection, and maybe not for a slow one).
    pub handler_status: Option<u16>,
}

/// Counters of injected faults, by kind (exact, unlike the bounded records). They change only when
/// a fault is injected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultStats {
    /// `429` without `Retry-After`.
    pub rate_limited: u64,
    /// `429` with `Retry-After: 1`.
    pub rate_limited_retry_after: u64,
    /// `500`.
    pub internal_error: u64,
    /// `502`.
    pub bad_gateway: u64,
    /// `503`.
    pub unavailable: u64,
    /// Slow responses (applied).
    pub slow: u64,
    /// Connections dropped before the request was handled (not applied).
    pub dropped_before: u64,
    /// Connections dropped after the request was handled (applied, the answer lost).
    pub dropped_after: u64,
}

impl FaultStats {
    /// Faults of one kind (`Dropped`: before and after together).
    pub fn of(&self, kind: FaultKind) -> u64 {
        field_of_kind!(kind, [] self, self.dropped_before + self.dropped_after)
    }

    /// Every fault injected.
    pub fn total(&self) -> u64 {
        FaultKind::ALL.iter().map(|&kind| self.of(kind)).sum()
    }

    /// Faulted requests that took effect (slow ones and those dropped after handling).
    pub fn applied(&self) -> u64 {
        self.slow + self.dropped_after
    }
}

/// What the generator chose for one request.
#[derive(Clone, Copy, Debug)]
struct Decision {
    kind: FaultKind,
    /// For a drop: after the handler (applied) rather than before.
    after: bool,
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and good enough to pick faults.
struct SplitMix64(u64);

impl SplitMix64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    /// The generator of request `seq`: its state depends on `seed` and `seq` only.
    fn for_request(seed: u64, seq: u64) -> Self {
        let mut mixer = SplitMix64(seed);
        let base = mixer.next_u64();
        Self(base ^ SplitMix64(seq).next_u64())
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(Self::GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The fault injector of one sandbox: counters, records and the signal that ends held responses.
pub(crate) struct Faults {
    config: FaultConfig,
    next_seq: AtomicU64,
    counts: Counts,
    records: Mutex<VecDeque<FaultRecord>>,
    stop: CancellationToken,
}

atomic_counters! {
    /// Faults injected, by kind; [`FaultStats`] is its snapshot.
    struct Counts => FaultStats {
        rate_limited,
        rate_limited_retry_after,
        internal_error,
        bad_gateway,
        unavailable,
        slow,
        dropped_before,
        dropped_after,
    }
}

impl Faults {
    pub(crate) fn new(config: FaultConfig) -> Self {
        Self {
            config,
            next_seq: AtomicU64::new(0),
            counts: Counts::default(),
            records: Mutex::new(VecDeque::new()),
            stop: CancellationToken::new(),
        }
    }

    /// Ends every held (slow) response at once: the sandbox is stopping.
    pub(crate) fn stop(&self) {
        self.stop.cancel();
    }

    /// Requests numbered so far (the next sequence number).
    pub(crate) fn eligible_requests(&self) -> u64 {
        self.next_seq.load(Ordering::Relaxed)
    }

    pub(crate) fn records(&self) -> Vec<FaultRecord> {
        self.lock_records().iter().cloned().collect()
    }

    pub(crate) fn stats(&self) -> FaultStats {
        self.counts.snapshot()
    }

    fn lock_records(&self) -> std::sync::MutexGuard<'_, VecDeque<FaultRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts and records one fault (the lock is held for the push only).
    fn record(&self, record: FaultRecord) {
        let counts = &self.counts;
        let counter = field_of_kind!(
            record.kind,
            [&] counts,
            if record.applied {
                &counts.dropped_after
            } else {
                &counts.dropped_before
            }
        );
        counters::add(counter, 1);
        tracing::debug!(
            seq = record.seq,
            kind = %record.kind,
            operation = record.operation,
            applied = record.applied,
            "injected fault"
        );
        let mut records = self.lock_records();
        if records.len() >= MAX_FAULT_RECORDS {
            records.pop_front();
        }
        records.push_back(record);
    }
}

/// The middleware: numbers every eligible request and injects the fault the generator picks.
pub(crate) async fn inject(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|path| routes::operation(request.method(), path.as_str()));
    let Some(operation) = operation.filter(|&operation| operation != NEVER_FAULTED) else {
        return next.run(request).await;
    };
    let faults = &app.faults;
    let seq = faults.next_seq.fetch_add(1, Ordering::Relaxed);
    let Some(decision) = faults.config.decide(seq) else {
        return next.run(request).await;
    };
    let kind = decision.kind;
    let record = FaultRecord {
        seq,
        kind,
        operation,
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        applied: false,
        handler_status: None,
    };
    match kind {
        FaultKind::Slow => {
            // Handled first, recorded, then held: a client that gives up meanwhile does not
            // change the outcome or the record.
            let (response, status) = run_whole(next, request).await;
            faults.record(FaultRecord {
                applied: status.is_some(),
                handler_status: status,
                ..record
            });
            let Some(mut response) = response else {
                return dropped();
            };
            mark(&mut response, kind, seq);
            tokio::select! {
                () = tokio::time::sleep(faults.config.slow_delay) => {}
                () = faults.stop.cancelled() => {}
            }
            response
        }
        FaultKind::Dropped if decision.after => {
            let (_, status) = run_whole(next, request).await;
            faults.record(FaultRecord {
                applied: status.is_some(),
                handler_status: status,
                ..record
            });
            dropped()
        }
        FaultKind::Dropped => {
            faults.record(record);
            dropped()
        }
        _ => {
            faults.record(record);
            let mut response = refusal(kind);
            mark(&mut response, kind, seq);
            response
        }
    }
}

/// Runs the rest of the stack to completion in a task of its own, so that a client that gives up
/// (and closes its connection) cannot cut a handler short: the request is applied whole. `None`
/// if the handler panicked.
async fn run_whole(next: Next, request: Request) -> (Option<Response>, Option<u16>) {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => {
            let status = response.status().as_u16();
            (Some(response), Some(status))
        }
        Err(error) => {
            tracing::error!(%error, "sandbox handler failed");
            (None, None)
        }
    }
}

/// The answer of a fault that refuses the request before it is handled, with the spec's
/// `ErrorBody`.
fn refusal(kind: FaultKind) -> Response {
    let (status, detail) = match kind {
        FaultKind::RateLimited | FaultKind::RateLimitedRetryAfter => {
            (StatusCode::TOO_MANY_REQUESTS, "Request limit exceeded")
        }
        FaultKind::InternalError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "injected fault: internal error; the request was not processed",
        ),
        FaultKind::BadGateway => (
            StatusCode::BAD_GATEWAY,
            "injected fault: bad gateway; the request was not processed",
        ),
        FaultKind::Unavailable | FaultKind::Slow | FaultKind::Dropped => (
            StatusCode::SERVICE_UNAVAILABLE,
            "injected fault: service unavailable; the request was not processed",
        ),
    };
    let mut response = ApiError::new(status, detail).into_response();
    if kind == FaultKind::RateLimitedRetryAfter {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

fn mark(response: &mut Response, kind: FaultKind, seq: u64) {
    if let Ok(value) = HeaderValue::from_str(&format!("{kind}; seq={seq}")) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(FAULT_HEADER), value);
    }
}

/// A response whose body fails before its first byte: hyper then closes the connection without
/// writing anything, not even the status line, so the client sees the connection closed before a
/// response (reqwest: an error with `is_request()`, caused by hyper's "connection closed before
/// message completed"), never a status.
fn dropped() -> Response {
    Response::new(Body::from_stream(FailingBody))
}

struct FailingBody;

impl futures_core::Stream for FailingBody {
    type Item = Result<bytes::Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected fault: connection dropped",
        ))))
    }
}

/// `operationId` of the health check, which stays reliable.
const NEVER_FAULTED: &str = "getHealth";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_reproducible_and_roughly_uniform() {
        let config = FaultConfig::uniform(0.7, 42);
        let first: Vec<_> = (0..1000).map(|n| config.fault_at(n)).collect();
        let again: Vec<_> = (0..1000).map(|n| config.fault_at(n)).collect();
        assert_eq!(first, again);
        let other = FaultConfig::uniform(0.7, 43);
        assert_ne!(
            first,
            (0..1000).map(|n| other.fault_at(n)).collect::<Vec<_>>()
        );
        let faulted = first.iter().flatten().count();
        assert!((600..800).contains(&faulted), "{faulted} of 1000");
        for kind in FaultKind::ALL {
            let count = first.iter().flatten().filter(|&&k| k == kind).count();
            assert!((60..150).contains(&count), "{kind}: {count}");
        }
        let afters = (0..1000)
            .filter_map(|n| config.decide(n))
            .filter(|d| d.after)
            .count();
        assert!((250..450).contains(&afters), "{afters}");
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(FaultConfig::none().validate().is_ok());
        assert!(FaultConfig::uniform(1.0, 1).validate().is_ok());
        let error = FaultConfig::none()
            .with_rate(FaultKind::BadGateway, 1.5)
            .validate()
            .unwrap_err();
        assert!(error.to_string().contains("bad_gateway"), "{error}");
        let error = FaultConfig::none()
            .with_rate(FaultKind::Slow, f64::NAN)
            .validate()
            .unwrap_err();
        assert!(error.to_string().contains("slow"), "{error}");
        let error = FaultConfig::uniform(0.5, 1)
            .with_rate(FaultKind::Dropped, 0.9)
            .validate()
            .unwrap_err();
        assert!(error.to_string().contains("sum"), "{error}");
    }

    #[test]
    fn full_rates_always_fault() {
        for kind in FaultKind::ALL {
            let config = FaultConfig::none().with_rate(kind, 1.0);
            assert!((0..200).all(|n| config.fault_at(n) == Some(kind)), "{kind}");
        }
        assert!((0..200).all(|n| FaultConfig::none().fault_at(n).is_none()));
    }
}
