//! The client against servers that answer too much, never, or elsewhere: every body is read to
//! its limit at most, every request ends within the timeout whatever the HTTP client, no
//! redirect is followed, and Jumio's problem text reaches Display only as a bounded, escaped
//! excerpt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jumio_kyx::guard::{DEFAULT_MAX_DOWNLOAD, MAX_ERROR_BODY, MAX_JSON_BODY};
use jumio_kyx::types::PartClassifier;
use jumio_kyx::{BodyKind, Error, Workflow, WorkflowRequest};

use crate::mock::{
    self, builder, download_path, endless, ids, serve, silent, status_path, token_route, within,
};

const GIB: u64 = 1 << 30;

/// An answer of `status` whose body never ends, announced as 1 GiB or sent chunked.
fn flood(status: StatusCode, announce: bool, sent: Arc<AtomicU64>) -> Response {
    let mut response = (status, endless(sent)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    if announce {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, GIB.into());
    }
    response
}

/// A mock whose status answers and part downloads are `status` floods.
async fn flooding(status: StatusCode, announce: bool) -> (String, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let (a, b) = (sent.clone(), sent.clone());
    let app = token_route()
        .route(
            &status_path(),
            get(move || {
                let sent = a.clone();
                async move { flood(status, announce, sent) }
            }),
        )
        .route(
            &download_path(),
            get(move || {
                let sent = b.clone();
                async move { flood(status, announce, sent) }
            }),
        );
    (serve(app).await, sent)
}

fn assert_too_large(error: &Error, want: BodyKind, want_limit: u64) {
    match error {
        Error::ResponseTooLarge { kind, limit, .. } => {
            assert_eq!((*kind, *limit), (want, want_limit), "{error}");
            assert!(
                error.to_string().contains(&want_limit.to_string()),
                "{error}"
            );
        }
        other => panic!("not ResponseTooLarge: {other:?}"),
    }
}

#[tokio::test]
async fn json_answers_are_bounded_with_and_without_content_length() {
    for announce in [true, false] {
        let (url, sent) = flooding(StatusCode::OK, announce).await;
        let client = builder(&url).build().unwrap();
        let error = within(Duration::from_secs(20), client.status(&ids()))
            .await
            .unwrap_err();
        assert_too_large(&error, BodyKind::Json, MAX_JSON_BODY);
        assert!(
            error
                .to_string()
                .contains("JSON answer is over the limit of 4194304 bytes"),
            "{error}"
        );
        // What the mock managed to send before the client stopped reading: the limit and the
        // buffers of the connection, never the gigabyte.
        let sent = sent.load(Ordering::Relaxed);
        assert!(sent < 4 * MAX_JSON_BODY + (16 << 20), "{sent} bytes sent");
    }
}

#[tokio::test]
async fn error_bodies_are_bounded_and_keep_the_status() {
    for announce in [true, false] {
        let (url, _) = flooding(StatusCode::NOT_FOUND, announce).await;
        let client = builder(&url).build().unwrap();
        let error = within(Duration::from_secs(20), client.status(&ids()))
            .await
            .unwrap_err();
        assert_too_large(&error, BodyKind::Error, MAX_ERROR_BODY);
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }
}

#[tokio::test]
async fn downloads_are_bounded_and_stream_into_a_writer() {
    for announce in [true, false] {
        let (url, _) = flooding(StatusCode::OK, announce).await;
        let client = builder(&url).build().unwrap();
        let mut sink = tokio::io::sink();
        let error = within(
            Duration::from_secs(30),
            client.download_part_to(
                ids().account_id(),
                mock::CREDENTIAL,
                &PartClassifier::Front,
                &mut sink,
            ),
        )
        .await
        .unwrap_err();
        assert_too_large(&error, BodyKind::Download, DEFAULT_MAX_DOWNLOAD);
        let client = builder(&url).download_limit(1 << 20).build().unwrap();
        let error = within(
            Duration::from_secs(20),
            client.download_part(ids().account_id(), mock::CREDENTIAL, &PartClassifier::Front),
        )
        .await
        .unwrap_err();
        assert_too_large(&error, BodyKind::Download, 1 << 20);
    }

    // An image within the limit arrives whole, by either way.
    let image = jumio_kyx_test_support::sample("id-front.jpg");
    let image = std::fs::read(image).unwrap();
    let served = image.clone();
    let app = token_route().route(
        &download_path(),
        get(move || {
            let served = served.clone();
            async move { ([(header::CONTENT_TYPE, "image/jpeg")], served) }
        }),
    );
    let url = serve(app).await;
    let client = builder(&url).build().unwrap();
    let mut written = Vec::new();
    let downloaded = client
        .download_part_to(
            ids().account_id(),
            mock::CREDENTIAL,
            &PartClassifier::Front,
            &mut written,
        )
        .await
        .unwrap();
    assert_eq!(downloaded.bytes, image.len() as u64);
    assert_eq!(downloaded.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(written, image);
    let download = client
        .download_part(ids().account_id(), mock::CREDENTIAL, &PartClassifier::Front)
        .await
        .unwrap();
    assert_eq!(download.bytes, image);
}

#[tokio::test]
async fn a_custom_http_client_without_timeout_still_times_out() {
    let hanging = silent().await;
    let tokens = serve(token_route()).await;
    let custom = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = builder(&hanging)
        .service_url(jumio_kyx::Service::Auth, &tokens)
        .http_client(custom)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let (error, elapsed) = mock::failed_status(&client).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");

    // A create that got no answer may have taken effect.
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "hanging");
    let error = within(Duration::from_secs(10), client.create_account(&request))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::OutcomeUnknown { .. }), "{error:?}");

    // The token request too.
    let client = builder(&hanging)
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let (error, _) = mock::failed_status(&client).await;
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "request_access_token",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn redirects_are_refused_by_any_http_client() {
    let elsewhere = Arc::new(AtomicU64::new(0));
    let hits = elsewhere.clone();
    let app = token_route()
        .route(
            &status_path(),
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/elsewhere")]) }),
        )
        .route(
            "/elsewhere",
            get(move || {
                hits.fetch_add(1, Ordering::Relaxed);
                async {
                    axum::Json(jumio_kyx_test_support::fixture(
                        "retrieval-status-example.json",
                    ))
                }
            }),
        );
    let url = serve(app).await;

    let own = builder(&url).build().unwrap();
    let error = own.status(&ids()).await.unwrap_err();
    assert!(
        matches!(error, Error::Redirected { status: Some(s), .. } if s == reqwest::StatusCode::FOUND),
        "{error:?}"
    );
    assert_eq!(
        elsewhere.load(Ordering::Relaxed),
        0,
        "the crate's client follows none"
    );

    // A client that follows redirects reaches /elsewhere; its answer is refused.
    let following = builder(&url)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let error = following.status(&ids()).await.unwrap_err();
    assert!(
        matches!(error, Error::Redirected { status: None, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("redirect"), "{error}");
}

#[tokio::test]
async fn problem_details_are_escaped_and_bounded_in_display_and_whole_behind_the_accessor() {
    let detail = format!(
        "line one\nINFO forged log line\u{1b}[31m red {} END-OF-DETAIL",
        "x".repeat(400)
    );
    let body = serde_json::json!({"title": "Bad Request", "status": 400, "detail": detail});
    let app = token_route().route(
        "/api/v1/accounts",
        post(move || {
            let body = body.clone();
            async move { (StatusCode::BAD_REQUEST, axum::Json(body)) }
        }),
    );
    let url = serve(app).await;
    let client = builder(&url).build().unwrap();
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "problem");
    let error = client.create_account(&request).await.unwrap_err();

    let display = error.to_string();
    let debug = format!("{error:?}");
    for shown in [&display, &debug] {
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        assert!(
            !shown.contains("END-OF-DETAIL"),
            "cut at 200 characters: {shown}"
        );
    }
    assert!(
        display.contains(r"line one\nINFO forged log line\u{1b}[31m red xxx"),
        "{display}"
    );
    assert!(display.len() < 400, "{} characters", display.len());
    assert_eq!(error.problem_detail(), Some(detail.as_str()));
    assert_eq!(error.problem().and_then(|p| p.title()), Some("Bad Request"));
}
