//! The hand-written multipart upload and the generated operations go through the same hooks and
//! fail the same way: checked against a local HTTP server that records what it receives.

use std::sync::{Arc, Mutex};

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use jumio_kyx::generated::{Client, Error, types};
use jumio_kyx::hooks::RequestAuth;
use jumio_kyx::upload::ClientUploadExt;
use reqwest::multipart::Part;
use serde_json::{Value, json};

/// A received multipart field: name, file name, content type, bytes.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

#[derive(Default, Debug, Clone)]
struct Seen {
    path: Vec<String>,
    headers: Vec<(String, String)>,
    file: Option<Field>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect()
}

async fn upload(
    State(log): State<Log>,
    Path(path): Path<Vec<String>>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> (StatusCode, Json<Value>) {
    let mut seen = Seen {
        path: path.clone(),
        headers: header_list(&headers),
        file: None,
    };
    while let Some(field) = multipart.next_field().await.expect("multipart") {
        seen.file = Some(Field {
            name: field.name().unwrap_or_default().to_owned(),
            file_name: field.file_name().map(str::to_owned),
            content_type: field.content_type().map(str::to_owned),
            bytes: field.bytes().await.expect("field bytes").to_vec(),
        });
    }
    log.lock().unwrap().push(seen);
    if path[0] == "unknown" {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"title": "Not Found", "status": 404})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({
            "timestamp": "2021-05-24T08:20:31.344Z",
            "account": {"id": path[0]},
            "workflowExecution": {"id": path[1]},
            "api": {"parts": {"front": "https://api.amer-1.jumio.ai/x/parts/FRONT"}}
        })),
    )
}

async fn finalize(
    State(log): State<Log>,
    Path(path): Path<Vec<String>>,
    headers: HeaderMap,
) -> Json<Value> {
    log.lock().unwrap().push(Seen {
        path: path.clone(),
        headers: header_list(&headers),
        file: None,
    });
    Json(json!({"account": {"id": path[0]}, "workflowExecution": {"id": path[1]}}))
}

async fn server() -> (String, Log) {
    let log = Log::default();
    let app = Router::new()
        .route(
            "/api/v1/accounts/{a}/workflow-executions/{w}/credentials/{c}/parts/{classifier}",
            post(upload),
        )
        .route(
            "/api/v1/accounts/{a}/workflow-executions/{w}",
            put(finalize),
        )
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}"), log)
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn client(base: &str) -> Client {
    Client::new_with_client(
        base,
        reqwest::Client::new(),
        RequestAuth::Bearer("transaction-token".into()),
    )
}

#[tokio::test]
async fn upload_sends_the_file_field_with_the_hooks_of_the_generated_client() {
    let (base, log) = server().await;
    let image = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    let response = client(&base)
        .upload_credential_part()
        .account_id("11111111-1111-1111-1111-aaaaaaaaaaaa")
        .workflow_execution_id("22222222-2222-2222-2222-aaaaaaaaaaaa")
        .credential_id("33333333-3333-3333-aaaaaaaaaaaa")
        .classifier(types::UploadClassifier::Front)
        .user_agent("Example Corp Onboarding/1.0")
        .file(
            Part::bytes(image.clone())
                .file_name("front.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        )
        .send()
        .await
        .expect("upload succeeds");
    assert_eq!(response.status(), 200);
    assert_eq!(response.account.id, "11111111-1111-1111-1111-aaaaaaaaaaaa");

    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(
        seen.path,
        [
            "11111111-1111-1111-1111-aaaaaaaaaaaa",
            "22222222-2222-2222-2222-aaaaaaaaaaaa",
            "33333333-3333-3333-aaaaaaaaaaaa",
            "FRONT"
        ]
    );
    assert_eq!(
        header(&seen, "authorization"),
        Some("Bearer transaction-token")
    );
    assert_eq!(
        header(&seen, "user-agent"),
        Some("Example Corp Onboarding/1.0")
    );
    assert_eq!(header(&seen, "accept"), Some("application/json"));
    assert_eq!(header(&seen, "api-version"), None);
    assert!(
        header(&seen, "content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_eq!(
        seen.file,
        Some(Field {
            name: "file".to_owned(),
            file_name: Some("front.jpg".to_owned()),
            content_type: Some("image/jpeg".to_owned()),
            bytes: image,
        })
    );
}

#[tokio::test]
async fn upload_errors_look_like_generated_errors() {
    let (base, log) = server().await;
    let error = client(&base)
        .upload_credential_part()
        .account_id("unknown")
        .workflow_execution_id("w")
        .credential_id("c")
        .classifier(types::UploadClassifier::Face)
        .user_agent("Example Corp Onboarding/1.0")
        .file(Part::bytes(vec![1, 2, 3]))
        .send()
        .await
        .expect_err("404");
    match error {
        Error::UnexpectedResponse(response) => assert_eq!(response.status(), 404),
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }

    // A missing parameter fails locally, before any request.
    let before = log.lock().unwrap().len();
    let error = client(&base)
        .upload_credential_part()
        .account_id("a")
        .workflow_execution_id("w")
        .credential_id("")
        .classifier(types::UploadClassifier::Back)
        .user_agent("Example Corp Onboarding/1.0")
        .file(Part::bytes(vec![1]))
        .send()
        .await
        .expect_err("empty credential id");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m == "credential_id must not be empty"),
        "{error:?}"
    );
    let error = client(&base)
        .upload_credential_part()
        .account_id("a")
        .send()
        .await
        .expect_err("incomplete");
    assert!(matches!(&error, Error::InvalidRequest(m) if m.contains("was not initialized")));
    assert_eq!(log.lock().unwrap().len(), before, "no request was sent");
}

#[tokio::test]
async fn generated_finalize_sends_content_length_zero_and_the_transaction_token() {
    let (base, log) = server().await;
    let response = client(&base)
        .finalize_workflow_execution()
        .account_id("11111111-1111-1111-1111-aaaaaaaaaaaa")
        .workflow_execution_id("22222222-2222-2222-2222-aaaaaaaaaaaa")
        .user_agent("Example Corp Onboarding/1.0")
        .send()
        .await
        .expect("finalize");
    assert_eq!(
        response.workflow_execution.id,
        "22222222-2222-2222-2222-aaaaaaaaaaaa"
    );
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(header(&seen, "content-length"), Some("0"));
    assert_eq!(
        header(&seen, "authorization"),
        Some("Bearer transaction-token")
    );
    assert_eq!(header(&seen, "api-version"), None);
}

#[test]
fn request_auth_debug_hides_the_token() {
    let auth = RequestAuth::Bearer("super-secret-token".into());
    assert_eq!(format!("{auth:?}"), "Bearer([redacted])");
}
