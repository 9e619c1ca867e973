//! The sandbox in-process: [`jumio_kyx_sandbox::router`] called with `tower::ServiceExt::oneshot`,
//! no socket. Every JSON answer is validated against its schema in the spec and read into the
//! generated type, as `jumio_kyx_test_support::http` does over HTTP.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use base64::Engine as _;
use jumio_kyx::generated::types::{
    AccountResponse, ErrorBody, FinalizeResponse, TokenResponse, UploadResponse,
    WorkflowExecutionDetails, WorkflowStatusResponse,
};
use jumio_kyx_sandbox::{SandboxApp, SandboxConfig};
use jumio_kyx_test_support::assert_valid;
use jumio_kyx_test_support::http::{Created, DEADLINE, USER_AGENT, sample};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt as _;

/// Boundary of the multipart bodies the tests send; no test image contains it.
const BOUNDARY: &str = "jumio-kyx-sandbox-tests-7f3a9c2e";

/// An in-process sandbox and an access token of it.
pub struct App {
    pub sandbox: SandboxApp,
    pub token: String,
}

impl App {
    /// A sandbox with a 50 ms processing delay.
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig {
            processing_delay: Duration::from_millis(50),
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let mut app = Self::without_token(config);
        let token: TokenResponse = app
            .token_request()
            .send()
            .await
            .read(StatusCode::OK, "TokenResponse");
        app.token = token.access_token;
        app
    }

    /// A sandbox, without asking it for a token (`token` is empty).
    pub fn without_token(config: SandboxConfig) -> Self {
        Self {
            sandbox: jumio_kyx_sandbox::router(config).expect("valid settings"),
            token: String::new(),
        }
    }

    /// `path` on the sandbox's base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A request to `url` (a link of the sandbox, or a path), with the tests' `User-Agent`.
    pub fn call(&self, method: Method, url: &str) -> Call {
        let uri = if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_owned()
        };
        Call {
            router: self.sandbox.router(),
            method,
            uri,
            headers: HeaderMap::new(),
            body: Body::empty(),
        }
        .header(header::USER_AGENT, USER_AGENT)
    }

    /// The seed's token request with the sandbox's client credentials.
    pub fn token_request(&self) -> Call {
        self.call(Method::POST, "/oauth2/token")
            .basic(self.sandbox.client_id(), self.sandbox.client_secret())
            .form(&[("grant_type", "client_credentials")])
    }

    pub async fn create(&self, body: &Value) -> Answer {
        self.call(Method::POST, "/api/v1/accounts")
            .bearer(&self.token)
            .json(body)
            .send()
            .await
    }

    /// Creates an account and returns its links and tokens.
    pub async fn created(&self, body: &Value) -> Created {
        let response: AccountResponse = self
            .create(body)
            .await
            .read(StatusCode::OK, "AccountResponse");
        Created::from(response)
    }

    pub async fn upload(&self, url: &str, token: &str, bytes: &[u8], name: &str) -> Answer {
        self.call(Method::POST, url)
            .bearer(token)
            .file(bytes, name)
            .send()
            .await
    }

    /// Uploads and expects success.
    pub async fn uploaded(&self, url: &str, token: &str, bytes: &[u8]) -> UploadResponse {
        self.upload(url, token, bytes, "image.jpg")
            .await
            .read(StatusCode::OK, "UploadResponse")
    }

    pub async fn finalize(&self, created: &Created) -> Answer {
        self.call(Method::PUT, &created.finalize)
            .bearer(&created.token)
            .send()
            .await
    }

    /// GET with the access token.
    pub async fn get(&self, url: &str) -> Answer {
        self.call(Method::GET, url).bearer(&self.token).send().await
    }

    pub async fn status(&self, created: &Created) -> WorkflowStatusResponse {
        self.get(&format!("{}/status", created.execution_url))
            .await
            .read(StatusCode::OK, "WorkflowStatusResponse")
    }

    /// Polls the status until it is `wanted` (generous deadline, no timing assertion).
    pub async fn wait_for(&self, created: &Created, wanted: &str) -> WorkflowStatusResponse {
        let start = Instant::now();
        loop {
            let status = self.status(created).await;
            if status.workflow_execution.status.as_str() == wanted {
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "status is still {} after {DEADLINE:?}, wanted {wanted}",
                status.workflow_execution.status
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn details(&self, created: &Created) -> WorkflowExecutionDetails {
        self.get(&created.execution_url)
            .await
            .read(StatusCode::OK, "WorkflowExecutionDetails")
    }

    /// [`complete`](Self::complete) with the sample ID front and back and selfie.
    pub async fn complete_with_samples(&self, created: &Created) -> WorkflowExecutionDetails {
        let [front, back, face] = ["id-front.jpg", "id-back.jpg", "selfie.jpg"].map(sample);
        self.complete(created, &front, &back, &face).await
    }

    /// Uploads the three images, finalizes, waits for PROCESSED and returns the details.
    pub async fn complete(
        &self,
        created: &Created,
        front: &[u8],
        back: &[u8],
        face: &[u8],
    ) -> WorkflowExecutionDetails {
        self.uploaded(&created.front, &created.token, front).await;
        self.uploaded(&created.back, &created.token, back).await;
        self.uploaded(&created.face, &created.token, face).await;
        let _: FinalizeResponse = self
            .finalize(created)
            .await
            .read(StatusCode::OK, "FinalizeResponse");
        self.wait_for(created, "PROCESSED").await;
        self.details(created).await
    }
}

/// A field of a multipart body: its name, its file name (for a file) and its content.
pub type FormField<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A request being built.
pub struct Call {
    router: axum::Router,
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Body,
}

impl Call {
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        self.headers
            .insert(name, HeaderValue::from_str(value).expect("a header value"));
        self
    }

    /// Without any `User-Agent`.
    pub fn anonymous(mut self) -> Self {
        self.headers.remove(header::USER_AGENT);
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header(header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    pub fn basic(self, id: &str, secret: &str) -> Self {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        self.header(header::AUTHORIZATION, &format!("Basic {credentials}"))
    }

    /// `body` as is, with `content_type`.
    pub fn body(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self.header(header::CONTENT_TYPE, content_type)
    }

    pub fn json(self, body: &Value) -> Self {
        self.body("application/json", body.to_string())
    }

    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let encoded = serde_urlencoded::to_string(fields).expect("a form");
        self.body("application/x-www-form-urlencoded", encoded)
    }

    /// A multipart body with one field `file`, as the seed's uploads send.
    pub fn file(self, bytes: &[u8], name: &str) -> Self {
        self.multipart(&[("file", Some(name), bytes)])
    }

    /// A multipart body of `fields`.
    pub fn multipart(self, fields: &[FormField]) -> Self {
        let mut body = Vec::new();
        for (name, file_name, content) in fields {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let disposition = match file_name {
                Some(file) => format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                ),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body(&format!("multipart/form-data; boundary={BOUNDARY}"), body)
    }

    pub async fn send(self) -> Answer {
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.uri)
            .body(self.body)
            .expect("a request");
        *request.headers_mut() = self.headers;
        let response = self.router.oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the body is read");
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// An answer of the in-process sandbox.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// Asserts the status, validates the JSON body against `schema` of the spec and reads it into
    /// the generated type.
    pub fn read<T: DeserializeOwned>(&self, status: StatusCode, schema: &str) -> T {
        let text = String::from_utf8_lossy(&self.body);
        assert_eq!(self.status, status, "unexpected status; body: {text}");
        let content_type = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "content type {content_type:?} is not JSON; body: {text}"
        );
        let value: Value = serde_json::from_slice(&self.body).expect("the body is JSON");
        assert_valid(schema, &value);
        serde_json::from_value(value).unwrap_or_else(|e| panic!("body is no {schema}: {e}\n{text}"))
    }

    /// Asserts an error answer of `status` and returns its validated `ErrorBody`.
    pub fn error(&self, status: StatusCode) -> ErrorBody {
        let body: ErrorBody = self.read(status, "ErrorBody");
        assert_eq!(body.status, Some(i32::from(status.as_u16())));
        assert!(
            body.detail.as_deref().is_some_and(|d| !d.is_empty()),
            "an error names its problem"
        );
        body
    }
}
