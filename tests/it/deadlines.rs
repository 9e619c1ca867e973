//! Failing token endpoints and slow servers: concurrent callers share one token request and its
//! failure, and waiting, for a token or for a result, ends by the caller's deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use jumio_kyx::{Error, RetryPolicy, WaitOptions};

use crate::mock::{builder, failed_status, ids, serve, silent, status_path, token_route, within};

/// A token endpoint that answers `status` after `delay`, counting its requests.
fn failing_tokens(status: StatusCode, delay: Duration, requests: Arc<AtomicU64>) -> Router {
    Router::new().route(
        "/oauth2/token",
        post(move || {
            requests.fetch_add(1, Ordering::Relaxed);
            async move {
                tokio::time::sleep(delay).await;
                status
            }
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_callers_share_one_failing_token_request_and_its_error() {
    for status in [StatusCode::SERVICE_UNAVAILABLE, StatusCode::UNAUTHORIZED] {
        let requests = Arc::new(AtomicU64::new(0));
        let url = serve(failing_tokens(
            status,
            Duration::from_millis(50),
            requests.clone(),
        ))
        .await;
        let client = builder(&url)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_retries(2)
                    .with_backoff(Duration::from_millis(10), Duration::from_millis(20)),
            )
            .build()
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move { client.status(&ids()).await }));
        }
        for task in tasks {
            let error = within(Duration::from_secs(10), task)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(error.status(), Some(status), "{error:?}");
        }
        let expected = if status == StatusCode::UNAUTHORIZED {
            1
        } else {
            3
        };
        assert_eq!(
            requests.load(Ordering::Relaxed),
            expected,
            "one token request (with its retries) for 20 callers answered {status}"
        );
        assert_eq!(client.token_requests(), expected);
    }
}

#[tokio::test]
async fn waiting_for_a_token_counts_against_the_deadline_of_the_call() {
    let requests = Arc::new(AtomicU64::new(0));
    let slow = failing_tokens(StatusCode::OK, Duration::from_secs(30), requests);
    let url = serve(slow).await;
    let deadline = Duration::from_millis(400);
    let client = builder(&url)
        .retry_policy(RetryPolicy::default().with_deadline(deadline))
        .build()
        .unwrap();
    let (error, elapsed) = failed_status(&client).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        elapsed < deadline + Duration::from_millis(300),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn wait_for_result_ends_by_its_deadline_when_the_server_is_slow_or_failing() {
    let hanging = silent().await;
    let failing = serve(token_route().route(
        &status_path(),
        get(|| async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            StatusCode::SERVICE_UNAVAILABLE
        }),
    ))
    .await;
    let tokens = serve(token_route()).await;
    let deadline = Duration::from_millis(800);
    for url in [hanging, failing] {
        // The default retry policy: 4 retries, up to 2 minutes per call.
        let client = builder(&url)
            .service_url(jumio_kyx::Service::Auth, &tokens)
            .retry_policy(RetryPolicy::default())
            .build()
            .unwrap();
        let started = Instant::now();
        let options = WaitOptions::deadline(deadline)
            .intervals(Duration::from_millis(10), Duration::from_millis(50));
        let error = within(
            Duration::from_secs(30),
            client.wait_for_result(&ids(), options),
        )
        .await
        .unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            elapsed < deadline + Duration::from_millis(300),
            "{url}: {elapsed:?}, {error}"
        );
        assert!(
            matches!(error, Error::Timeout { .. } | Error::Http { .. }),
            "{error:?}"
        );
    }
}
