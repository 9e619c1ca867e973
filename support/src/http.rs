//! Helpers of the sandbox tests: plain HTTP (reqwest) against a sandbox started in-process, with
//! every JSON body validated against its schema in the spec and read into the generated type.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jumio_kyx::generated::types::{
    AccountResponse, ErrorBody, FinalizeResponse, UploadResponse, WorkflowExecutionDetails,
    WorkflowStatusResponse,
};
use jumio_kyx_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::assert_valid;

pub const USER_AGENT: &str = "JumioKyxTests sandbox-tests/1.0";
/// Generous deadline for anything asynchronous (processing, callbacks, expiry).
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A sandbox, a plain HTTP client and an access token.
pub struct Api {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig {
            processing_delay: Duration::from_millis(50),
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = config.start().await.expect("sandbox starts");
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .no_proxy()
            .build()
            .expect("HTTP client");
        let mut api = Self {
            sandbox,
            http,
            token: String::new(),
        };
        api.token = api.access_token().await;
        api
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A fresh access token (the seed's token request).
    pub async fn access_token(&self) -> String {
        let response = self
            .http
            .post(self.url("/oauth2/token"))
            .basic_auth(self.sandbox.client_id(), Some(self.sandbox.client_secret()))
            .header("Accept", "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        let token: jumio_kyx::generated::types::TokenResponse =
            read_ok(response, "TokenResponse").await;
        assert_eq!(token.token_type, "Bearer");
        token.access_token
    }

    pub async fn create(&self, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/accounts"))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("account request")
    }

    /// `PUT /api/v1/accounts/{account}`: a new workflow execution on the account.
    pub async fn update(&self, account: &str, body: &Value) -> reqwest::Response {
        self.http
            .put(self.url(&format!("/api/v1/accounts/{account}")))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("account update")
    }

    /// Creates an account and returns its links and tokens.
    pub async fn created(&self, body: &Value) -> Created {
        let response: AccountResponse = read_ok(self.create(body).await, "AccountResponse").await;
        Created::from(response)
    }

    pub async fn upload(
        &self,
        url: &str,
        token: &str,
        bytes: Vec<u8>,
        name: &str,
    ) -> reqwest::Response {
        let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
        self.http
            .post(url)
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload request")
    }

    /// Uploads and expects success.
    pub async fn uploaded(&self, url: &str, token: &str, bytes: Vec<u8>) -> UploadResponse {
        read_ok(
            self.upload(url, token, bytes, "image.jpg").await,
            "UploadResponse",
        )
        .await
    }

    pub async fn finalize(&self, created: &Created) -> reqwest::Response {
        self.http
            .put(&created.finalize)
            .bearer_auth(&created.token)
            .send()
            .await
            .expect("finalize request")
    }

    pub async fn finalized(&self, created: &Created) -> FinalizeResponse {
        read_ok(self.finalize(created).await, "FinalizeResponse").await
    }

    /// GET with the access token.
    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET request")
    }

    pub async fn status(&self, created: &Created) -> WorkflowStatusResponse {
        read_ok(
            self.get(&format!("{}/status", created.execution_url)).await,
            "WorkflowStatusResponse",
        )
        .await
    }

    /// Polls the status until it is `wanted` (generous deadline, no timing assertion).
    pub async fn wait_for(&self, created: &Created, wanted: &str) -> WorkflowStatusResponse {
        let start = Instant::now();
        loop {
            let status = self.status(created).await;
            if status.workflow_execution.status.to_string() == wanted {
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "status is still {} after {DEADLINE:?}, wanted {wanted}",
                status.workflow_execution.status
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn details(&self, created: &Created) -> WorkflowExecutionDetails {
        read_ok(
            self.get(&created.execution_url).await,
            "WorkflowExecutionDetails",
        )
        .await
    }

    /// Uploads the three sample images, finalizes and waits for PROCESSED.
    pub async fn complete(
        &self,
        created: &Created,
        front: Vec<u8>,
        back: Vec<u8>,
        face: Vec<u8>,
    ) -> WorkflowExecutionDetails {
        self.uploaded(&created.front, &created.token, front).await;
        self.uploaded(&created.back, &created.token, back).await;
        self.uploaded(&created.face, &created.token, face).await;
        self.finalized(created).await;
        self.wait_for(created, "PROCESSED").await;
        self.details(created).await
    }
}

/// What account creation returned, as the links and token a client uses.
#[derive(Clone, Debug)]
pub struct Created {
    pub account: String,
    pub execution: String,
    pub token: String,
    pub id_credential: String,
    pub selfie_credential: String,
    pub front: String,
    pub back: String,
    pub face: String,
    pub finalize: String,
    pub execution_url: String,
    pub response: AccountResponse,
}

impl From<AccountResponse> for Created {
    fn from(response: AccountResponse) -> Self {
        let credentials = &response.workflow_execution.credentials;
        let id = credentials
            .iter()
            .find(|c| c.category.to_string() == "ID")
            .expect("an ID credential");
        let selfie = credentials
            .iter()
            .find(|c| c.category.to_string() == "SELFIE")
            .expect("a SELFIE credential");
        let id_api = id.api.as_ref().expect("ID credential has api");
        let selfie_api = selfie.api.as_ref().expect("SELFIE credential has api");
        let finalize = id_api.workflow_execution.clone().expect("finalize link");
        Self {
            account: response.account.id.clone(),
            execution: response.workflow_execution.id.clone(),
            token: id_api.token.clone().expect("transaction token"),
            id_credential: id.id.clone(),
            selfie_credential: selfie.id.clone(),
            front: id_api.parts["front"].clone(),
            back: id_api.parts["back"].clone(),
            face: selfie_api.parts["face"].clone(),
            execution_url: finalize.clone(),
            finalize,
            response,
        }
    }
}

/// Reads a JSON body: asserts the status, validates the body against `schema` of the spec and
/// reads it into the generated type.
pub async fn read<T: DeserializeOwned>(
    response: reqwest::Response,
    status: StatusCode,
    schema: &str,
) -> T {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("response body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?} is not JSON; body: {text}"
    );
    let value: Value = serde_json::from_str(&text).expect("the body is JSON");
    assert_valid(schema, &value);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("body is no {schema}: {e}\n{text}"))
}

/// Reads a JSON body of a 200 answer, as [`read`] does.
pub async fn read_ok<T: DeserializeOwned>(response: reqwest::Response, schema: &str) -> T {
    read(response, StatusCode::OK, schema).await
}

/// Reads an error answer: asserts the status and returns the validated `ErrorBody`.
pub async fn error(response: reqwest::Response, status: StatusCode) -> ErrorBody {
    let body: ErrorBody = read(response, status, "ErrorBody").await;
    assert_eq!(body.status, Some(i32::from(status.as_u16())));
    assert!(
        body.detail.as_deref().is_some_and(|d| !d.is_empty()),
        "an error names its problem"
    );
    body
}

/// The content of a committed sample image.
pub fn sample(name: &str) -> Vec<u8> {
    crate::sample_bytes(name)
}

/// The seed's account creation body (Jumio's published 10011 request) for `key`, with the callback
/// placeholder replaced by `callback` (or removed).
pub fn seed_request(key: u64, callback: Option<&str>) -> Value {
    let mut body = crate::fixture("account-create-request-10011.json");
    body["workflowDefinition"]["key"] = json!(key);
    match callback {
        Some(url) => body["callbackUrl"] = json!(url),
        None => {
            body.as_object_mut().expect("object").remove("callbackUrl");
        }
    }
    body
}

/// A body for `key` whose reference carries `reference` (scenario markers).
pub fn request_with_reference(key: u64, reference: &str) -> Value {
    let mut body = seed_request(key, None);
    body["customerInternalReference"] = json!(reference);
    body
}

/// A PNG of `width`×`height` pixels as far as its header goes (the sandbox reads headers only),
/// with an optional text chunk.
pub fn png(width: u32, height: u32, text: Option<&str>) -> Vec<u8> {
    let png = crate::images::Png::new(width, height);
    match text {
        Some(text) => png.text(text),
        None => png,
    }
    .build()
}

/// A local callback receiver: an axum server on 127.0.0.1:0 that records every POSTed body.
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    pub async fn start() -> Self {
        use axum::routing::post;
        let received: Arc<Mutex<Vec<Value>>> = Arc::default();
        let store = received.clone();
        let app = axum::Router::new().route(
            "/jumio/callback",
            post(move |axum::Json(body): axum::Json<Value>| {
                let store = store.clone();
                async move {
                    store.lock().expect("lock").push(body);
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/jumio/callback",
            listener.local_addr().expect("addr")
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("receiver runs");
        });
        Self {
            url,
            received,
            stop: Some(stop),
        }
    }

    /// Waits until a callback with `status` for `execution` arrived; returns every callback so far.
    pub async fn wait_for(&self, execution: &str, status: &str) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let received = self.received.lock().expect("lock").clone();
            if received.iter().any(|c| {
                c["workflowExecution"]["id"] == execution
                    && c["workflowExecution"]["status"] == status
            }) {
                return received;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no {status} callback for {execution} after {DEADLINE:?}; received {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
