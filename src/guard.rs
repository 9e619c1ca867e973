//! What the client refuses of an answer, whatever the HTTP client: a body over its limit, a
//! redirect, an answer later than the timeout.
//!
//! The generated client reads JSON bodies itself and only hands its hooks a `reqwest::Response`
//! or a `reqwest::Error`, so a refusal travels as a `reqwest::Error` whose source is a
//! [`Refusal`]; [`Refusal::of`] finds it again, and the crate's errors and retry policy read it
//! from there.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::CONTENT_LENGTH;

/// The largest JSON answer read (4 MiB; the details of a 10013 result are about 10 KB).
pub const MAX_JSON_BODY: u64 = 4 << 20;
/// The largest error body read (64 KiB); a longer one is not read.
pub const MAX_ERROR_BODY: u64 = 64 << 10;
/// The default largest part download (32 MiB; Jumio stores images of at most 15 MB);
/// [`JumioClientBuilder::download_limit`](crate::JumioClientBuilder::download_limit) sets another.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 32 << 20;

/// Which kind of response body went over its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// A JSON answer of a successful call ([`MAX_JSON_BODY`]).
    Json,
    /// The body of an error answer ([`MAX_ERROR_BODY`]).
    Error,
    /// A part download (the client's download limit).
    Download,
}

impl fmt::Display for BodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyKind::Json => "JSON answer",
            BodyKind::Error => "error body",
            BodyKind::Download => "download",
        })
    }
}

/// Why the client refused an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The body is (or announced itself as) longer than `limit` bytes.
    TooLarge { kind: BodyKind, limit: u64 },
    /// The HTTP client followed a redirect.
    Redirected,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooLarge { kind, limit } => write!(f, "the {kind} is over {limit} bytes"),
            Refusal::Redirected => f.write_str("the HTTP client followed a redirect"),
        }
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// The refusal somewhere in the sources of `error`.
    pub(crate) fn of(error: &reqwest::Error) -> Option<Refusal> {
        find(error)
    }
}

/// The failure of a token request made for several calls, as each of them but the first
/// receives it: what [`crate::Error::Transport`] says of the original (`connection failed`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SharedFailure(pub(crate) &'static str);

impl fmt::Display for SharedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the token request made for concurrent calls failed: {}",
            self.0
        )
    }
}

impl std::error::Error for SharedFailure {}

impl SharedFailure {
    /// The shared failure somewhere in the sources of `error`.
    pub(crate) fn of(error: &reqwest::Error) -> Option<SharedFailure> {
        find(error)
    }
}

/// The first source of `error` that is a `T`.
fn find<T: std::error::Error + Copy + 'static>(error: &reqwest::Error) -> Option<T> {
    let mut source = std::error::Error::source(error);
    while let Some(error) = source {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(*found);
        }
        source = error.source();
    }
    None
}

/// A `reqwest::Error` with `source` as its cause: reqwest has no constructor, so it is the
/// error of reading a body that fails at once.
pub(crate) async fn reqwest_error(
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> reqwest::Error {
    let body = reqwest::Body::wrap_stream(Failing(Some(source.into())));
    match reqwest::Response::from(http::Response::new(body))
        .bytes()
        .await
    {
        Err(error) => error,
        Ok(_) => unreachable!("a failing body yields no bytes"),
    }
}

/// The `reqwest::Error` of an answer that did not come within the timeout: `is_timeout()` holds.
pub(crate) async fn timeout_error() -> reqwest::Error {
    reqwest_error(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "no answer within the timeout",
    ))
    .await
}

/// The error of an attempt that did not end in time, as the HTTP client's own timeout reports it.
pub(crate) async fn timed_out() -> progenitor_client::Error<()> {
    progenitor_client::Error::CommunicationError(timeout_error().await)
}

/// When a request sent now must have been answered under `timeout`.
pub(crate) fn request_cutoff(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|timeout| crate::pacing::later(Instant::now(), timeout))
}

/// The output of `future`, or `None` when `cutoff` passes first.
pub(crate) async fn within<O>(
    cutoff: Option<Instant>,
    future: impl Future<Output = O>,
) -> Option<O> {
    match cutoff {
        None => Some(future.await),
        Some(cutoff) => tokio::time::timeout_at(cutoff.into(), future).await.ok(),
    }
}

/// A stream whose first item is an error.
struct Failing(Option<Box<dyn std::error::Error + Send + Sync>>);

impl Stream for Failing {
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

/// The `Content-Length` of a response, when it sent a valid one.
pub(crate) fn content_length(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `response` with its body bounded to `limit` bytes: refused at once when its `Content-Length`
/// is larger (hyper reads no more than a `Content-Length` it accepted), read through a counter
/// that fails past the limit when it has none (chunked, or delimited by the connection's end).
pub(crate) async fn bound(
    response: reqwest::Response,
    kind: BodyKind,
    limit: u64,
) -> reqwest::Result<reqwest::Response> {
    let refusal = Refusal::TooLarge { kind, limit };
    match content_length(&response) {
        Some(length) if length > limit => Err(reqwest_error(refusal).await),
        Some(_) => Ok(response),
        None => {
            use reqwest::ResponseBuilderExt as _;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version())
                .url(response.url().clone());
            if let Some(headers) = builder.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = Bounded {
                inner: Box::pin(response.bytes_stream()),
                left: limit,
                refusal,
            };
            let response = builder
                .body(reqwest::Body::wrap_stream(body))
                .expect("status, version and headers come from a response");
            Ok(reqwest::Response::from(response))
        }
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// A body that fails with `refusal` once more than its limit has come.
struct Bounded {
    inner: ByteStream,
    left: u64,
    refusal: Refusal,
}

impl Stream for Bounded {
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        Poll::Ready(match polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => None,
            Poll::Ready(Some(Err(error))) => Some(Err(error.into())),
            Poll::Ready(Some(Ok(chunk))) => match self.left.checked_sub(chunk.len() as u64) {
                Some(left) => {
                    self.left = left;
                    Some(Ok(chunk))
                }
                None => Some(Err(self.refusal.into())),
            },
        })
    }
}

/// Reads the whole body of `response`, failing with [`Refusal::TooLarge`] past `limit` bytes
/// without reading further; `None` when the body broke off.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    kind: BodyKind,
    limit: u64,
) -> Result<Option<Bytes>, Refusal> {
    let too_large = Refusal::TooLarge { kind, limit };
    if content_length(&response).is_some_and(|length| length > limit) {
        return Err(too_large);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if (body.len() + chunk.len()) as u64 > limit => return Err(too_large),
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(Some(body.into())),
            Err(_) => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refusals_and_timeouts_survive_the_trip_through_reqwest() {
        let refusal = Refusal::TooLarge {
            kind: BodyKind::Json,
            limit: 7,
        };
        assert_eq!(Refusal::of(&reqwest_error(refusal).await), Some(refusal));
        let timeout = timeout_error().await;
        assert!(timeout.is_timeout() && !timeout.is_connect());
        assert_eq!(Refusal::of(&timeout), None);
    }

    #[tokio::test]
    async fn a_body_without_length_fails_past_its_limit() {
        let response = chunked(&["12345", "12345", "12345"]);
        assert_eq!(content_length(&response), None);
        let bounded = bound(response, BodyKind::Json, 12).await.unwrap();
        let error = bounded.bytes().await.unwrap_err();
        assert_eq!(
            Refusal::of(&error),
            Some(Refusal::TooLarge {
                kind: BodyKind::Json,
                limit: 12
            })
        );
    }

    /// A response announcing `length` bytes whose body never comes.
    fn announcing(length: &str) -> reqwest::Response {
        let body = reqwest::Body::wrap_stream(Never);
        let response = http::Response::builder()
            .header(CONTENT_LENGTH, length)
            .body(body)
            .unwrap();
        reqwest::Response::from(response)
    }

    /// Polls `future` once: an answer the guard gives from the headers alone is ready at once.
    fn at_once<F: Future>(future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(std::task::Waker::noop()))
        {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn a_length_announced_over_the_limit_is_refused_before_any_byte() {
        let refusal = Refusal::TooLarge {
            kind: BodyKind::Error,
            limit: 12,
        };
        for length in ["13", " 13 ", "4194305"] {
            assert_eq!(
                content_length(&announcing(length)),
                length.trim().parse().ok()
            );
            let bounded = at_once(bound(announcing(length), BodyKind::Error, 12));
            let error = bounded.expect("refused from the headers").unwrap_err();
            assert_eq!(Refusal::of(&error), Some(refusal), "{length}");
            // The cause, as a log of the error's sources shows it, names the kind and the limit.
            let causes: Vec<String> =
                std::iter::successors(std::error::Error::source(&error), |e| e.source())
                    .map(ToString::to_string)
                    .collect();
            assert!(
                causes
                    .iter()
                    .any(|c| c == "the error body is over 12 bytes"),
                "{causes:?}"
            );
            let read = at_once(read_bounded(announcing(length), BodyKind::Error, 12));
            assert_eq!(read.expect("refused from the headers"), Err(refusal));
        }
        // A length that is not a number is no length: the body is read and counted.
        assert_eq!(content_length(&announcing("12 bytes")), None);
    }

    #[tokio::test]
    async fn a_body_of_exactly_its_limit_is_read_whole() {
        let exact = || {
            let response = http::Response::builder()
                .header(CONTENT_LENGTH, "12")
                .body(reqwest::Body::from("123456789012"))
                .unwrap();
            reqwest::Response::from(response)
        };
        let bounded = bound(exact(), BodyKind::Json, 12).await.unwrap();
        assert_eq!(bounded.bytes().await.unwrap(), "123456789012");
        let read = read_bounded(exact(), BodyKind::Json, 12).await.unwrap();
        assert_eq!(read.unwrap(), "123456789012");
        // Without a length, twelve bytes in chunks of five pass too, and thirteen do not.
        let read = read_bounded(chunked(&["12345", "67890", "12"]), BodyKind::Json, 12).await;
        assert_eq!(read.unwrap().unwrap(), "123456789012");
        let read = read_bounded(chunked(&["12345", "67890", "123"]), BodyKind::Json, 12).await;
        assert_eq!(
            read,
            Err(Refusal::TooLarge {
                kind: BodyKind::Json,
                limit: 12
            })
        );
    }

    /// A response without a length whose body comes in `chunks`.
    fn chunked(chunks: &[&'static str]) -> reqwest::Response {
        let chunks = chunks
            .iter()
            .rev()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect();
        let body = reqwest::Body::wrap_stream(Chunks(chunks));
        reqwest::Response::from(http::Response::new(body))
    }

    struct Never;

    impl Stream for Never {
        type Item = reqwest::Result<Bytes>;
        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Pending
        }
    }

    struct Chunks(Vec<reqwest::Result<Bytes>>);

    impl Stream for Chunks {
        type Item = reqwest::Result<Bytes>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop())
        }
    }
}
