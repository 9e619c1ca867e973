//! Error answers of the sandbox: a status and the spec's `ErrorBody` (`title`, `status`, `detail`,
//! `field`) as `application/json`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use jumio_kyx::generated::types::ErrorBody;
use jumio_kyx::limits::Violation;

/// An error answer. `detail` names the problem and, where there is one, the limit.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    detail: String,
    field: Option<String>,
    /// The `WWW-Authenticate` challenge of a 401.
    challenge: &'static str,
    /// The RFC 6749 error code of a token endpoint error (`unsupported_grant_type`).
    oauth: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            field: None,
            challenge: "Bearer realm=\"jumio-kyx-sandbox\"",
            oauth: None,
        }
    }

    /// An error of the token endpoint, with its RFC 6749 error code (`invalid_request`,
    /// `invalid_client`, `unsupported_grant_type`) in the body's `error`.
    pub(crate) fn oauth(mut self, code: &'static str) -> Self {
        self.oauth = Some(code);
        self
    }

    /// `400 Bad Request` about one request field or part.
    pub(crate) fn bad_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail).with_field(field)
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub(crate) fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// `429 Too Many Requests`, Jumio's body: `detail` starts with Jumio's "Request limit
    /// exceeded" and may say more.
    pub(crate) fn too_many_requests(more: Option<&str>) -> Self {
        let detail = match more {
            Some(more) => format!("Request limit exceeded: {more}"),
            None => "Request limit exceeded".to_owned(),
        };
        Self::new(StatusCode::TOO_MANY_REQUESTS, detail)
    }

    /// A 401 of the token endpoint, which authenticates with HTTP Basic.
    pub(crate) fn with_basic_challenge(mut self) -> Self {
        self.challenge = "Basic realm=\"jumio-kyx-sandbox\"";
        self
    }

    /// What the answer says is wrong.
    pub(crate) fn detail(&self) -> &str {
        &self.detail
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// A request value outside Jumio's limits: `400` naming the field, for example `callbackUrl uses
/// http; Jumio requires https ...`.
impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        let detail = format!("{} {}", violation.field, violation.reason);
        Self::bad_field(violation.field, detail)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(format!("invalid path: {}", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            title: Some(self.status.canonical_reason().unwrap_or("Error").to_owned()),
            status: Some(i32::from(self.status.as_u16())),
            detail: Some(self.detail),
            field: self.field,
            error: self.oauth.map(str::to_owned),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(self.challenge),
            );
        }
        response
    }
}

/// Answer for a path the API does not have.
pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found("no such resource in the Jumio KYX API")
}

/// Answer for a method a path of the API does not have: `405` with the spec's `ErrorBody` (axum's
/// own has no body), and the `Allow` header axum sets.
pub(crate) async fn method_not_allowed(
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not an operation of {}", uri.path()),
    )
}
