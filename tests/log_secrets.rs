//! With tracing at TRACE, a whole flow and its error paths log no client secret, access token,
//! transaction token or personal data. Alone in its test binary: tracing caches per-callsite
//! interest process-wide, so a thread-local subscriber only sees every event without other tests.

use jumio_kyx_test_support as support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jumio_kyx::{ImageSource, JumioClient, RetryPolicy};
use jumio_kyx::{Workflow, WorkflowRequest};
use support::flow::{client, client_builder, faulty_sandbox, front_and_selfie, ids, sandbox, wait};

/// A server that issues a token (Jumio's published token response, with a value of its own), then
/// answers every call with a body that is not the API's JSON and holds personal data.
async fn garbage_server() -> String {
    use axum::routing::{any, post};
    let mut token = support::fixture("token-response.json");
    token["access_token"] = "opaque-access-token-value".into();
    let app = axum::Router::new()
        .route(
            "/oauth2/token",
            post(move || {
                let token = token.clone();
                async move { axum::Json(token) }
            }),
        )
        .route(
            "/api/v1/accounts",
            post(|| async {
                let detail = format!(
                    "customer C0815\n\u{1b}[2Kforged line {} BEYOND-THE-EXCERPT",
                    "x".repeat(300)
                );
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    axum::Json(serde_json::json!({"status": 400, "detail": detail})),
                )
            }),
        )
        .fallback(any(|| async {
            r#"{"account": {"id": 7}, "name": "PERSONAL-DATA"}"#
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_traced_flow_logs_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (debug_output, secret) = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let sandbox = sandbox().await;
            let client = client(&sandbox);
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, "traced");
            let mut session = client.create_account(&request).await.expect("create");
            let transaction_token = {
                use secrecy::ExposeSecret;
                session.credentials()[0]
                    .transaction_token()
                    .expose_secret()
                    .to_owned()
            };
            session
                .upload_front(ImageSource::path(support::sample("id-front.jpg")))
                .await
                .unwrap();
            session
                .upload_selfie(ImageSource::path(support::sample("selfie.jpg")))
                .await
                .unwrap();
            let debug = format!("{session:?} {client:?}");
            let finalized = session.finalize().await.unwrap();
            let result = finalized.wait(wait()).await.unwrap();
            let mut seen = vec![debug, format!("{result:?}")];

            // Bad credentials.
            let wrong = client_builder(&sandbox)
                .credentials("sandbox-client", "wrong-secret-value")
                .build()
                .unwrap();
            let error = wrong.status(&ids("a", "w")).await.unwrap_err();
            seen.push(format!("{error} {error:?}"));
            // 4xx: unknown ids, an update of an unknown account.
            let error = client.status(&ids("unknown", "unknown")).await.unwrap_err();
            seen.push(format!("{error} {error:?}"));
            let error = client
                .update_account(
                    "unknown",
                    &WorkflowRequest::new(Workflow::IdAndIdentity, "x"),
                )
                .await
                .unwrap_err();
            seen.push(format!("{error} {error:?}"));
            // 5xx, 429, dropped connections and timeouts, with and without retries.
            let faulty = faulty_sandbox(0.7, 3, Duration::from_millis(600)).await;
            let quick_retries = RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
                .with_max_retry_after(Duration::from_millis(1));
            for policy in [RetryPolicy::none(), quick_retries] {
                let client = client_builder(&faulty)
                    .timeout(Duration::from_millis(300))
                    .retry_policy(policy)
                    .build()
                    .unwrap();
                for i in 0..6 {
                    let request =
                        WorkflowRequest::new(Workflow::IdAndIdentity, format!("faulty-{i}"));
                    match client
                        .verify(&request, front_and_selfie(), wait(), |_| {})
                        .await
                    {
                        Ok(result) => seen.push(format!("{result:?}")),
                        Err(error) => seen.push(format!("{error} {error:?}")),
                    }
                }
            }
            // A malformed answer.
            let garbage = garbage_server().await;
            let client = JumioClient::builder()
                .base_url(&garbage)
                .credentials("id", "garbage-secret-value")
                .user_agent("x")
                .build()
                .unwrap();
            let error = client.status(&ids("a", "w")).await.unwrap_err();
            assert!(
                matches!(error, jumio_kyx::Error::InvalidResponse { .. }),
                "{error:?}"
            );
            seen.push(format!("{error} {error:?}"));
            // Jumio's problem detail: an excerpt, control characters escaped.
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, "detail");
            let error = client.create_account(&request).await.unwrap_err();
            assert!(
                error
                    .problem_detail()
                    .is_some_and(|d| d.ends_with("BEYOND-THE-EXCERPT"))
            );
            seen.push(format!("{error} {error:?}"));
            (
                seen.join("\n"),
                (sandbox.client_secret().to_owned(), transaction_token),
            )
        })
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("create_account") && logs.contains("upload"),
        "tracing captured the flow: {logs}"
    );
    let (client_secret, transaction_token) = secret;
    for text in [&logs, &debug_output] {
        assert!(!text.contains(&client_secret), "client secret leaked");
        assert!(!text.contains("wrong-secret-value"), "client secret leaked");
        assert!(
            !text.contains("garbage-secret-value"),
            "client secret leaked"
        );
        assert!(!text.contains("PERSONAL-DATA"), "a response body leaked");
        assert!(
            !text.contains("BEYOND-THE-EXCERPT"),
            "a problem detail leaked past its excerpt"
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains("\nforged"),
            "a control character of a problem detail reached the logs"
        );
        assert!(
            !text.contains("opaque-access-token-value"),
            "an access token leaked"
        );
        assert!(
            !text.contains(&transaction_token),
            "transaction token leaked"
        );
        assert!(!text.contains("Bearer "), "an authorization header leaked");
        assert!(!text.contains("eyJ"), "a JWT leaked");
        assert!(
            !text.contains("JANE") && !text.contains("DOE"),
            "extracted personal data leaked"
        );
    }
}
