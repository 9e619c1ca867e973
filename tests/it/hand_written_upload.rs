//! The hand-written multipart upload and the generated operations go through the same hooks and
//! fail the same way: checked against a local HTTP server that records what it receives.

use jumio_kyx_test_support as support;

use std::sync::{Arc, Mutex};

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use jumio_kyx::generated::{Client, Error, ResponseValue, types};
use jumio_kyx::hooks::RequestAuth;
use jumio_kyx::upload::ClientUploadExt;
use reqwest::multipart::Part;
use serde_json::{Value, json};
use support::flow::USER_AGENT;

/// The ids of Jumio's published 10011 examples.
const ACCOUNT: &str = "11111111-1111-1111-1111-aaaaaaaaaaaa";
const EXECUTION: &str = "22222222-2222-2222-2222-aaaaaaaaaaaa";
const CREDENTIAL: &str = "33333333-3333-3333-aaaaaaaaaaaa";

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
    let mut body = answer(&path);
    body["api"] = json!({"parts": {"front": "https://api.amer-1.jumio.ai/x/parts/FRONT"}});
    (StatusCode::OK, Json(body))
}

/// Jumio's published finalization answer (an upload answers the same and its parts' links) for
/// the account and workflow execution of `path`.
fn answer(path: &[String]) -> Value {
    let mut body = support::fixture("finalize-response-10011.json");
    body["account"]["id"] = json!(path[0]);
    body["workflowExecution"]["id"] = json!(path[1]);
    body
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
    Json(answer(&path))
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

/// An upload through the hand-written operation with every parameter set; `ids` are those of the
/// account, the workflow execution and the credential.
async fn upload_part(
    base: &str,
    [account, execution, credential]: [&str; 3],
    classifier: types::UploadClassifier,
    file: Part,
) -> Result<ResponseValue<types::UploadResponse>, Error> {
    client(base)
        .upload_credential_part()
        .account_id(account)
        .workflow_execution_id(execution)
        .credential_id(credential)
        .classifier(classifier)
        .user_agent(USER_AGENT)
        .file(file)
        .send()
        .await
}

#[tokio::test]
async fn upload_sends_the_file_field_with_the_hooks_of_the_generated_client() {
    let (base, log) = server().await;
    let image = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    let file = Part::bytes(image.clone())
        .file_name("front.jpg")
        .mime_str("image/jpeg")
        .expect("mime");
    let ids = [ACCOUNT, EXECUTION, CREDENTIAL];
    let response = upload_part(&base, ids, types::UploadClassifier::Front, file)
        .await
        .expect("upload succeeds");
    assert_eq!(response.status(), 200);
    assert_eq!(response.account.id, ACCOUNT);

    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.path, [ACCOUNT, EXECUTION, CREDENTIAL, "FRONT"]);
    assert_eq!(
        header(&seen, "authorization"),
        Some("Bearer transaction-token")
    );
    assert_eq!(header(&seen, "user-agent"), Some(USER_AGENT));
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
    let ids = ["unknown", "w", "c"];
    let error = upload_part(
        &base,
        ids,
        types::UploadClassifier::Face,
        Part::bytes(vec![1, 2, 3]),
    )
    .await
    .expect_err("404");
    match error {
        Error::UnexpectedResponse(response) => assert_eq!(response.status(), 404),
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }

    // A missing parameter fails locally, before any request.
    let before = log.lock().unwrap().len();
    let ids = ["a", "w", ""];
    let error = upload_part(
        &base,
        ids,
        types::UploadClassifier::Back,
        Part::bytes(vec![1]),
    )
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
        .account_id(ACCOUNT)
        .workflow_execution_id(EXECUTION)
        .user_agent(USER_AGENT)
        .send()
        .await
        .expect("finalize");
    assert_eq!(response.workflow_execution.id, EXECUTION);
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
