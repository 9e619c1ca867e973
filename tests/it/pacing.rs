//! Client-side pacing against a mock that enforces Jumio's kind of limit (at most L account
//! creations in any window of W, else 429): 20 concurrent creations on one client all succeed
//! with no 429, in about the time the limit allows; without pacing the same burst meets 429s.
//! The figures are printed (`cargo test -p jumio-kyx --test it pacing -- --nocapture`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use jumio_kyx::{Rate, RateLimits, RetryPolicy, Workflow, WorkflowRequest};

use crate::mock::{builder, serve, token_route};

const CALLS: usize = 20;
const LIMIT: u32 = 5;
const WINDOW: Duration = Duration::from_millis(400);

/// Account creations the mock took and refused.
#[derive(Default)]
struct Enforcer {
    taken: Mutex<VecDeque<Instant>>,
    violations: AtomicU64,
}

impl Enforcer {
    /// Takes a creation arriving now unless LIMIT were taken in the last WINDOW.
    fn admit(&self) -> bool {
        let now = Instant::now();
        let mut taken = self.taken.lock().unwrap();
        while taken
            .front()
            .is_some_and(|&t| now.duration_since(t) >= WINDOW)
        {
            taken.pop_front();
        }
        if taken.len() >= LIMIT as usize {
            self.violations.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        taken.push_back(now);
        true
    }
}

/// A mock that creates accounts within the limit and answers 429 (with `Retry-After: 1`) past it.
async fn enforcing() -> (String, Arc<Enforcer>) {
    let enforcer = Arc::new(Enforcer::default());
    let mut created = jumio_kyx_test_support::fixture("account-create-response-10011.json");
    for credential in created["workflowExecution"]["credentials"]
        .as_array_mut()
        .unwrap()
    {
        credential.as_object_mut().unwrap().remove("api");
    }
    let state = enforcer.clone();
    let app = token_route().route(
        "/api/v1/accounts",
        post(move || {
            let (state, created) = (state.clone(), created.clone());
            async move {
                if state.admit() {
                    axum::Json(created).into_response()
                } else {
                    let body = jumio_kyx_test_support::fixture("error-429-too-many-requests.json");
                    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
                }
            }
        }),
    );
    (serve(app).await, enforcer)
}

/// Runs CALLS concurrent creations with `limits`; returns the elapsed time, the failures and the
/// 429s the mock answered.
async fn burst(limits: RateLimits) -> (Duration, usize, u64) {
    let (url, enforcer) = enforcing().await;
    let client = builder(&url)
        .rate_limits(limits)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(10)
                .with_backoff(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    // The token first, so that only the creations are timed.
    let _ = client.status(&crate::mock::ids()).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..CALLS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("paced-{i}"));
            client.create_account(&request).await
        }));
    }
    let mut failed = 0;
    for task in tasks {
        if task.await.unwrap().is_err() {
            failed += 1;
        }
    }
    (
        started.elapsed(),
        failed,
        enforcer.violations.load(Ordering::Relaxed),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_creations_keep_to_the_rate_limit_without_a_429() {
    let rate = Rate::new(LIMIT, WINDOW);
    let (elapsed, failed, violations) =
        burst(RateLimits::none().with_initiations(Some(rate))).await;
    let allowed = rate.per_second();
    // The first window's calls start at once; the rate is that of the calls after them.
    let achieved = (CALLS - LIMIT as usize) as f64 / elapsed.as_secs_f64();
    println!(
        "{CALLS} concurrent account creations, limit {LIMIT} per {WINDOW:?} ({allowed:.1}/s): \
         all done in {elapsed:.2?}, {achieved:.1}/s after the first window, {violations} × 429, \
         {failed} failed"
    );
    assert_eq!(failed, 0);
    assert_eq!(violations, 0, "the mock saw the limit exceeded");
    // The first LIMIT at once, each next LIMIT a window (+100 ms of margin) later.
    let windows = (CALLS as u32).div_ceil(LIMIT) - 1;
    assert!(elapsed >= WINDOW * windows, "{elapsed:?}");
    let margin = Duration::from_millis(100);
    assert!(
        elapsed < (WINDOW + margin) * windows + Duration::from_millis(500),
        "{elapsed:?}"
    );

    let (elapsed, failed, violations) = burst(RateLimits::none()).await;
    println!(
        "the same without pacing: {elapsed:.2?}, {violations} × 429 (retried), {failed} failed"
    );
    assert!(violations > 0, "the mock enforces its limit");
}

/// Concurrent `verify` calls against the sandbox enforcing Jumio's default limits (5 initiations
/// and 75 retrievals per 5 s, 10 token requests per second) on a client paced to the same
/// defaults: every call completes, the sandbox answers no 429, and the initiations run at about
/// the allowed rate. The figure is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verify_calls_meet_the_sandboxs_rate_limits_without_a_429() {
    use jumio_kyx_sandbox::{RateLimits as SandboxLimits, SandboxConfig};
    use jumio_kyx_test_support::flow;

    const VERIFIES: usize = 10;
    let sandbox = flow::start(SandboxConfig {
        rate_limits: Some(SandboxLimits::jumio()),
        ..SandboxConfig::default()
    })
    .await;
    let client = flow::client_builder(&sandbox)
        .rate_limits(RateLimits::default())
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..VERIFIES {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("limited-{i}"));
            client
                .verify(&request, flow::images(), flow::wait(), |_| {})
                .await
        }));
    }
    let mut decisions = Vec::new();
    for task in tasks {
        let result = task.await.unwrap().expect("verify within the rate limits");
        decisions.push(result.decision_type().to_string());
    }
    let elapsed = started.elapsed();
    let stats = sandbox.stats();
    let initiations = Rate::new(5, Duration::from_secs(5));
    // The first window's five start at once; the rate is that of the calls after them.
    let achieved = (VERIFIES - 5) as f64 / elapsed.as_secs_f64();
    println!(
        "{VERIFIES} concurrent verify calls, sandbox enforcing 5 initiations and 75 retrievals per \
         5 s: all {} in {elapsed:.2?}; initiations after the first window at {achieved:.2}/s \
         (allowed {:.2}/s); {} × 429 from the sandbox, {} token request(s)",
        if decisions.iter().all(|d| d == "PASSED") {
            "PASSED"
        } else {
            "completed"
        },
        initiations.per_second(),
        stats.rate_limited,
        stats.token_requests,
    );
    assert!(decisions.iter().all(|d| d == "PASSED"), "{decisions:?}");
    assert_eq!(
        stats.rate_limited, 0,
        "the sandbox refused a request over a limit"
    );
    assert_eq!(stats.accounts_created, VERIFIES as u64);
    // Ten initiations at five per window: the second five wait one window, not much more.
    assert!(elapsed >= Duration::from_secs(5), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(9), "{elapsed:?}");
}

/// The same burst with the client not paced: the sandbox refuses initiations over its limit, so
/// the test above measures the pacing, not a lenient sandbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpaced_creations_meet_the_sandboxs_429() {
    use jumio_kyx_sandbox::{RateLimits as SandboxLimits, SandboxConfig};
    use jumio_kyx_test_support::flow;

    let sandbox = flow::start(SandboxConfig {
        rate_limits: Some(SandboxLimits::jumio()),
        ..SandboxConfig::default()
    })
    .await;
    let client = flow::client_builder(&sandbox)
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut refused = 0;
    for i in 0..8 {
        let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("unpaced-{i}"));
        if let Err(error) = client.create_account(&request).await {
            assert_eq!(error.status(), Some(reqwest::StatusCode::TOO_MANY_REQUESTS));
            refused += 1;
        }
    }
    assert_eq!(refused, 3, "5 of 8 fit in the window");
    assert_eq!(sandbox.stats().rate_limited, 3);
}
