//! The access-token cache seen from the API: a token Jumio rejects is replaced, a token is
//! refreshed before it expires (by its lifetime less the margin), and a cached one is reused.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jumio_kyx::{Error, JumioClient};

use crate::mock::{ACCOUNT, EXECUTION, builder, ids, serve, status_path, within};

/// A token endpoint that issues `token-0`, `token-1`, ... living `expires_in` seconds, and a
/// status endpoint that answers 401 to the tokens in `rejected` and the status to any other.
fn tokens_and_status(expires_in: u64, rejected: &'static [&'static str]) -> Router {
    let issued = Arc::new(AtomicU64::new(0));
    Router::new()
        .route(
            "/oauth2/token",
            post(move || {
                let n = issued.fetch_add(1, Ordering::SeqCst);
                async move {
                    axum::Json(serde_json::json!({
                        "access_token": format!("token-{n}"),
                        "expires_in": expires_in,
                        "token_type": "Bearer",
                    }))
                }
            }),
        )
        .route(
            &status_path(),
            get(move |headers: HeaderMap| async move { status_answer(&headers, rejected) }),
        )
}

fn status_answer(headers: &HeaderMap, rejected: &[&str]) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    if bearer.is_empty() || rejected.contains(&bearer.as_str()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(serde_json::json!({
        "account": {"id": ACCOUNT},
        "workflowExecution": {"id": EXECUTION, "status": "PROCESSED", "definitionKey": bearer},
    }))
    .into_response()
}

/// The token the status call went out with (the mock echoes it as the definition key).
async fn token_used(client: &JumioClient) -> String {
    let status = within(Duration::from_secs(10), client.status(&ids()))
        .await
        .expect("status");
    status
        .workflow_execution
        .definition_key
        .expect("the mock echoes the token")
}

#[tokio::test]
async fn a_rejected_token_is_replaced_by_a_new_one() {
    let url = serve(tokens_and_status(3600, &["token-0"])).await;
    let client = builder(&url).build().unwrap();
    assert_eq!(token_used(&client).await, "token-1");
    assert_eq!(client.token_requests(), 2, "one token rejected, one new");
    // The new token is cached.
    assert_eq!(token_used(&client).await, "token-1");
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test]
async fn a_second_rejection_is_reported_not_retried_forever() {
    let url = serve(tokens_and_status(3600, &["token-0", "token-1", "token-2"])).await;
    let client = builder(&url).build().unwrap();
    let error = within(Duration::from_secs(10), client.status(&ids()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(client.token_requests(), 2, "one renewal per call");
}

#[tokio::test]
async fn a_token_is_reused_until_its_lifetime_less_the_margin() {
    // Lives 4 s, refreshed 1 s before it expires.
    let url = serve(tokens_and_status(4, &[])).await;
    let client = builder(&url)
        .token_refresh_margin(Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(token_used(&client).await, "token-0");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        token_used(&client).await,
        "token-0",
        "still valid after 1.5 s"
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // 3.5 s: past 4 s - 1 s, before the expiry itself.
    assert_eq!(
        token_used(&client).await,
        "token-1",
        "refreshed before expiry"
    );
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test]
async fn a_margin_longer_than_the_lifetime_refreshes_at_half_of_it() {
    // Lives 2 s with a margin of a minute: refreshed after 1 s.
    let url = serve(tokens_and_status(2, &[])).await;
    let client = builder(&url)
        .token_refresh_margin(Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(token_used(&client).await, "token-0");
    assert_eq!(token_used(&client).await, "token-0", "cached at once");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(token_used(&client).await, "token-1");
    assert_eq!(client.token_requests(), 2);
}

#[tokio::test]
async fn an_already_expired_token_is_an_invalid_response() {
    let url = serve(tokens_and_status(0, &[])).await;
    let client = builder(&url).build().unwrap();
    let error = within(Duration::from_secs(10), client.status(&ids()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("already expired"), "{error:?}");
}
