//! The crate's one error type.
//!
//! Display and Debug never include a secret (client secret, access token, transaction token) or
//! personal data from a response body: HTTP errors keep the status and Jumio's problem `title`,
//! `detail` and `field`, never the raw body.

use std::time::Duration;

use reqwest::StatusCode;

use crate::generated::types;
use crate::image::ImageError;

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request value is outside Jumio's documented limits; found locally, before any request.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The request field, as the API names it (`customerInternalReference`).
        field: String,
        /// What is wrong and the limit.
        reason: String,
    },
    /// An image fails the local checks (format, size, dimensions); found before any request.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The client is misconfigured (missing credentials, empty User-Agent, bad URL).
    #[error("configuration: {0}")]
    Config(String),
    /// Jumio refused the client credentials or a token.
    #[error("{operation}: Jumio refused the {credential} ({status})")]
    Unauthorized {
        /// The operation.
        operation: &'static str,
        /// `client credentials`, `access token` or `transaction token`.
        credential: &'static str,
        /// 401 or 403.
        status: StatusCode,
    },
    /// Jumio answered with an error status.
    #[error("{operation}: Jumio answered {status}{}", problem_text(.problem))]
    Http {
        /// The operation.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// Jumio's error body, when it sent one (`title`, `status`, `detail`).
        problem: Option<Box<types::ErrorBody>>,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// The request did not complete: connection refused, reset, DNS, TLS.
    #[error("{operation}: could not reach Jumio ({})", transport_kind(.source))]
    Transport {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The request timed out; for account creation the outcome is unknown.
    #[error("{operation}: no answer within the timeout")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Account creation or update lost its connection after the request was sent (timeout, or
    /// the connection dropped): it may or may not have taken effect, so it was not retried.
    #[error(
        "{operation}: the connection failed after the request was sent, so it may have taken \
         effect; check (for example for an account with the same customerInternalReference) \
         before trying again"
    )]
    OutcomeUnknown {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Jumio's answer could not be read (not the documented JSON).
    #[error("{operation}: unexpected response from Jumio: {reason}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What was wrong, without the body.
        reason: String,
    },
    /// A link Jumio returned points at a host other than the configured one; no token was sent.
    #[error(
        "{operation}: Jumio returned a link to {found}, not the configured {expected}; \
         refusing to send the transaction token there"
    )]
    UntrustedHost {
        /// The operation.
        operation: &'static str,
        /// Origin of the returned link.
        found: String,
        /// The configured origin.
        expected: String,
    },
    /// A step was called too early, e.g. finalizing before the required parts were uploaded.
    #[error("{0}")]
    Sequence(String),
    /// The workflow execution expired before it was processed.
    #[error(
        "workflow execution {workflow_execution_id} ended with status {status} without a result"
    )]
    Expired {
        /// The workflow execution.
        workflow_execution_id: String,
        /// `TOKEN_EXPIRED`, `SESSION_EXPIRED` or another final status.
        status: types::WorkflowStatus,
    },
    /// The result was not ready before the deadline.
    #[error(
        "workflow execution {workflow_execution_id} was still {status} after {waited:?}; \
         poll again later"
    )]
    WaitTimeout {
        /// The workflow execution.
        workflow_execution_id: String,
        /// The last status seen.
        status: types::WorkflowStatus,
        /// How long was waited.
        waited: Duration,
    },
}

fn problem_text(problem: &Option<Box<types::ErrorBody>>) -> String {
    let Some(problem) = problem else {
        return String::new();
    };
    let mut text = String::new();
    for part in [&problem.title, &problem.detail].into_iter().flatten() {
        let part: String = part.chars().take(300).collect();
        text.push_str(if text.is_empty() { ": " } else { ", " });
        text.push_str(&part);
    }
    text
}

fn transport_kind(error: &reqwest::Error) -> &'static str {
    if error.is_connect() {
        "connection failed"
    } else if error.is_body() {
        "the request body failed"
    } else if error.is_decode() {
        "the response body failed"
    } else {
        "request failed"
    }
}

impl Error {
    /// A local validation error.
    pub(crate) fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The HTTP status, when Jumio answered with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http { status, .. } | Error::Unauthorized { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the error was found locally, before any request was sent.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Error::Validation { .. } | Error::Image(_) | Error::Config(_) | Error::Sequence(_)
        )
    }

    /// Like [`Error::from_generated`], for a call that must not be repeated blindly: a timeout or
    /// a connection lost after sending becomes [`Error::OutcomeUnknown`].
    pub(crate) async fn from_generated_once(
        operation: &'static str,
        credential: &'static str,
        error: progenitor_client::Error<()>,
    ) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::CommunicationError(source) | E::ResponseBodyError(source)
                if crate::retry::Failure::of_reqwest(&source).outcome_unknown() =>
            {
                Error::OutcomeUnknown { operation, source }
            }
            other => Self::from_generated(operation, credential, other).await,
        }
    }

    /// Converts an error of a generated call, reading Jumio's error body when there is one.
    pub(crate) async fn from_generated(
        operation: &'static str,
        credential: &'static str,
        error: progenitor_client::Error<()>,
    ) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::UnexpectedResponse(response) => {
                Self::from_response(operation, credential, response).await
            }
            E::CommunicationError(source) | E::ResponseBodyError(source) => {
                Self::from_reqwest(operation, source)
            }
            E::InvalidRequest(reason) => Error::Config(format!("{operation}: {reason}")),
            E::InvalidResponsePayload(_, error) => Error::InvalidResponse {
                operation,
                reason: format!(
                    "the body does not match the API: {}",
                    serde_error_kind(&error)
                ),
            },
            E::ErrorResponse(response) => Error::Http {
                operation,
                status: response.status(),
                problem: None,
                retry_after: None,
            },
            other => Error::InvalidResponse {
                operation,
                reason: match other.status() {
                    Some(status) => format!("status {status}"),
                    None => "unexpected answer".to_owned(),
                },
            },
        }
    }

    pub(crate) fn from_reqwest(operation: &'static str, source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation, source }
        } else {
            Error::Transport { operation, source }
        }
    }

    pub(crate) async fn from_response(
        operation: &'static str,
        credential: &'static str,
        response: reqwest::Response,
    ) -> Self {
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Error::Unauthorized {
                operation,
                credential,
                status,
            };
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let problem = response
            .bytes()
            .await
            .ok()
            .and_then(|body| serde_json::from_slice::<types::ErrorBody>(&body).ok())
            .map(Box::new);
        Error::Http {
            operation,
            status,
            problem,
            retry_after,
        }
    }
}

/// The kind of a JSON error without the excerpt of the body that serde's Display may include.
fn serde_error_kind(error: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        error.classify(),
        error.line(),
        error.column()
    )
}

impl From<crate::limits::Violation> for Error {
    fn from(violation: crate::limits::Violation) -> Self {
        Error::Validation {
            field: violation.field,
            reason: violation.reason,
        }
    }
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
