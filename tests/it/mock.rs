//! Hostile stand-ins for Jumio: small axum servers on 127.0.0.1 that answer one way (too much,
//! never, with a redirect, with a failing token endpoint), and the clients that talk to them.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use bytes::Bytes;
use jumio_kyx::{ExecutionIds, JumioClient, JumioClientBuilder, RetryPolicy};

pub const ACCOUNT: &str = "11111111-1111-1111-1111-aaaaaaaaaaaa";
pub const EXECUTION: &str = "22222222-2222-2222-2222-aaaaaaaaaaaa";
pub const CREDENTIAL: &str = "33333333-3333-3333-aaaaaaaaaaaa";

/// The ids the mocks answer for.
pub fn ids() -> ExecutionIds {
    ExecutionIds::new(ACCOUNT, EXECUTION).expect("ids")
}

/// The path of the status of [`ids`].
pub fn status_path() -> String {
    format!("/api/v1/accounts/{ACCOUNT}/workflow-executions/{EXECUTION}/status")
}

/// The path of the FRONT part download of [`CREDENTIAL`].
pub fn download_path() -> String {
    format!("/api/v1/accounts/{ACCOUNT}/credentials/{CREDENTIAL}/parts/FRONT")
}

/// Jumio's published token response.
pub fn token_route() -> Router {
    Router::new().route(
        "/oauth2/token",
        post(|| async { axum::Json(jumio_kyx_test_support::fixture("token-response.json")) }),
    )
}

/// Serves `app` on a free port of 127.0.0.1 and returns its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("mock serves") });
    format!("http://{addr}")
}

/// A server that accepts connections and never answers.
pub async fn silent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// A client of `base_url` without retries.
pub fn builder(base_url: &str) -> JumioClientBuilder {
    JumioClient::builder()
        .base_url(base_url)
        .credentials("mock-client", "mock-secret")
        .user_agent("Example Corp Onboarding/1.0")
        .retry_policy(RetryPolicy::none())
}

/// A body of `chunk`-sized pieces of zeros without end, counting what was sent into `sent`.
pub fn endless(sent: Arc<AtomicU64>) -> Body {
    Body::from_stream(Endless { sent })
}

struct Endless {
    sent: Arc<AtomicU64>,
}

impl futures_core::Stream for Endless {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        const CHUNK: usize = 64 << 10;
        static ZEROS: [u8; CHUNK] = [0; CHUNK];
        self.sent.fetch_add(CHUNK as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(Bytes::from_static(&ZEROS))))
    }
}

/// The error of a status call of `client` that must fail within 10 s, and how long it took.
pub async fn failed_status(client: &JumioClient) -> (jumio_kyx::Error, Duration) {
    let started = std::time::Instant::now();
    let error = within(Duration::from_secs(10), client.status(&ids()))
        .await
        .unwrap_err();
    (error, started.elapsed())
}

/// Runs `future`, failing the test when it takes longer than `limit`.
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("did not end within {limit:?}"))
}
