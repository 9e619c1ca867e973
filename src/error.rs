//! The crate's one error type.
//!
//! Display and Debug never include a secret (client secret, access token, transaction token) or
//! personal data from a response body: HTTP errors keep the status and an excerpt of Jumio's
//! problem `title` and `detail` (control characters escaped, at most
//! [`Problem::EXCERPT_CHARS`] characters each), never the raw body; the whole texts are behind
//! [`Problem::detail`] and [`Problem::title`].

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::generated::types;
use crate::guard::{BodyKind, Refusal};
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
        problem: Option<Box<Problem>>,
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
    /// An answer's body is longer than the client reads: it was not read (past the limit).
    /// Account creation or update whose answer is refused may have taken effect.
    #[error("{operation}: Jumio's {kind} is over the limit of {limit} bytes; it was not read")]
    ResponseTooLarge {
        /// The operation.
        operation: &'static str,
        /// A JSON answer, an error body or a download.
        kind: BodyKind,
        /// The limit in bytes.
        limit: u64,
        /// The HTTP status of an error answer whose body was refused.
        status: Option<StatusCode>,
    },
    /// Writing a download to its destination failed.
    #[error("{operation}: writing the download failed")]
    Write {
        /// The operation.
        operation: &'static str,
        /// The error of the writer.
        #[source]
        source: std::io::Error,
    },
    /// Jumio answered with a redirect, or the HTTP client followed one. The client follows none:
    /// the token of a request must not go to another path.
    #[error("{operation}: Jumio answered with a redirect{}; the client follows none", redirect_status(.status))]
    Redirected {
        /// The operation.
        operation: &'static str,
        /// The 3xx status, when the HTTP client did not follow it.
        status: Option<StatusCode>,
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
    /// A landing on `web.successUrl` or `web.errorUrl` does not match what Jumio says about its
    /// workflow execution: Jumio knows no such execution of that account, or the reference
    /// differs. The landing was tampered with or damaged; show nothing that depends on it.
    #[error("the landing does not match Jumio's record: {reason}")]
    LandingMismatch {
        /// What differs.
        reason: String,
    },
}

fn problem_text(problem: &Option<Box<Problem>>) -> String {
    let Some(problem) = problem else {
        return String::new();
    };
    let mut text = String::new();
    for part in [&problem.title, &problem.detail].into_iter().flatten() {
        text.push_str(if text.is_empty() { ": " } else { ", " });
        excerpt(part, &mut text);
    }
    text
}

fn redirect_status(status: &Option<StatusCode>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

/// Appends at most [`Problem::EXCERPT_CHARS`] characters of `text` to `out`, control characters
/// escaped (`\n`, `\u{1b}`), and `…` when it was cut.
fn excerpt(text: &str, out: &mut String) {
    let mut chars = text.chars();
    for c in chars.by_ref().take(Problem::EXCERPT_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
}

/// Jumio's error body (`{"title", "status", "detail"}`). Its texts come from the server and may
/// hold personal data: Display and Debug show excerpts only ([`Problem::EXCERPT_CHARS`]
/// characters, control characters escaped); [`title`](Self::title) and
/// [`detail`](Self::detail) give them whole.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    title: Option<String>,
    status: Option<i32>,
    detail: Option<String>,
}

impl Problem {
    /// The most characters of `title` and `detail` that Display and Debug show.
    pub const EXCERPT_CHARS: usize = 200;

    /// Jumio's `title`, whole.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Jumio's `status`, as it sent it.
    pub fn status(&self) -> Option<i32> {
        self.status
    }

    /// Jumio's `detail`, whole (not shown by Display or Debug past its excerpt).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl From<types::ErrorBody> for Problem {
    fn from(body: types::ErrorBody) -> Self {
        Problem {
            title: body.title,
            status: body.status,
            detail: body.detail,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(problem_text(&Some(Box::new(self.clone()))).trim_start_matches(": "))
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |text: &Option<String>| {
            text.as_deref().map(|text| {
                let mut shown = String::new();
                excerpt(text, &mut shown);
                shown
            })
        };
        f.debug_struct("Problem")
            .field("title", &shown(&self.title))
            .field("status", &self.status)
            .field("detail", &shown(&self.detail))
            .finish()
    }
}

pub(crate) fn transport_kind(error: &reqwest::Error) -> &'static str {
    if let Some(shared) = crate::guard::SharedFailure::of(error) {
        shared.0
    } else if error.is_connect() {
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
            Error::ResponseTooLarge { status, .. } | Error::Redirected { status, .. } => {
                status.filter(|status| !status.is_success())
            }
            _ => None,
        }
    }

    /// Jumio's error body of an [`Error::Http`], when it sent one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Http { problem, .. } => problem.as_deref(),
            _ => None,
        }
    }

    /// The whole `detail` text of Jumio's error body (Display shows an excerpt only).
    pub fn problem_detail(&self) -> Option<&str> {
        self.problem().and_then(Problem::detail)
    }

    /// A copy of this error, unless it holds an error of the HTTP client (which cannot be
    /// copied).
    pub(crate) fn try_clone(&self) -> Option<Error> {
        Some(match self {
            Error::Unauthorized {
                operation,
                credential,
                status,
            } => Error::Unauthorized {
                operation,
                credential,
                status: *status,
            },
            Error::Http {
                operation,
                status,
                problem,
                retry_after,
            } => Error::Http {
                operation,
                status: *status,
                problem: problem.clone(),
                retry_after: *retry_after,
            },
            Error::InvalidResponse { operation, reason } => Error::InvalidResponse {
                operation,
                reason: reason.clone(),
            },
            Error::ResponseTooLarge {
                operation,
                kind,
                limit,
                status,
            } => Error::ResponseTooLarge {
                operation,
                kind: *kind,
                limit: *limit,
                status: *status,
            },
            Error::Redirected { operation, status } => Error::Redirected {
                operation,
                status: *status,
            },
            Error::Config(reason) => Error::Config(reason.clone()),
            Error::LandingMismatch { reason } => Error::LandingMismatch {
                reason: reason.clone(),
            },
            _ => return None,
        })
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
        if let Some(refusal) = Refusal::of(&source) {
            return Self::refused(operation, refusal, None);
        }
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
        if status.is_redirection() {
            return Error::Redirected {
                operation,
                status: Some(status),
            };
        }
        let body =
            crate::guard::read_bounded(response, BodyKind::Error, crate::guard::MAX_ERROR_BODY)
                .await;
        // The status says what went wrong; an error body cut short adds nothing.
        let problem = match body {
            Ok(body) => body
                .and_then(|body| serde_json::from_slice::<types::ErrorBody>(&body).ok())
                .map(|body| Box::new(Problem::from(body))),
            Err(refusal) => return Self::refused(operation, refusal, Some(status)),
        };
        Error::Http {
            operation,
            status,
            problem,
            retry_after,
        }
    }
}

impl Error {
    /// The error of an answer the client refused.
    pub(crate) fn refused(
        operation: &'static str,
        refusal: Refusal,
        status: Option<StatusCode>,
    ) -> Self {
        match refusal {
            Refusal::TooLarge { kind, limit } => Error::ResponseTooLarge {
                operation,
                kind,
                limit,
                status,
            },
            Refusal::Redirected => Error::Redirected {
                operation,
                status: None,
            },
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
