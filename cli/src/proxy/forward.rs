//! Forwarding: each request goes to the upstream of its operation's service and its response
//! comes back as it was sent (status, headers, bytes), streamed both ways. JSON bodies are copied
//! on the way, up to a limit, for the analyzer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName};
use axum::http::{Response, StatusCode};
use http_body::Body as _;
use jumio_kyx::Service;

use super::analyze::{Event, Events};
use super::spec::{Spec, is_json_media_type};
use super::tee::Tee;

/// The base URL of each service's upstream, without a trailing slash.
#[derive(Debug)]
pub struct Upstreams {
    /// For a path no operation matches.
    pub fallback: Option<String>,
    pub services: HashMap<Service, String>,
}

/// Everything the forwarding shares.
pub struct Forwarder {
    pub spec: Arc<Spec>,
    pub upstreams: Upstreams,
    pub http: reqwest::Client,
    pub events: Events,
    /// Longest JSON body copied for validation.
    pub max_json_bytes: usize,
    pub exchanges: AtomicU64,
}

/// Headers of one connection, not of the message (RFC 9110, 7.6.1): not forwarded.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The handler of every request.
pub async fn forward(State(proxy): State<Arc<Forwarder>>, request: Request) -> Response<Body> {
    let exchange = proxy.exchanges.fetch_add(1, Ordering::Relaxed) + 1;
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let operation = proxy.spec.find(&parts.method, path);
    let base = match operation {
        Some(index) => proxy
            .upstreams
            .services
            .get(&proxy.spec.operation(index).service),
        None => {
            proxy.events.send(Event::UnknownOperation {
                exchange,
                method: parts.method.to_string(),
                path: proxy.spec.path_shape(path),
            });
            proxy.upstreams.fallback.as_ref()
        }
    };
    let Some(base) = base else {
        return refusal(
            "jumio-kyx proxy: no operation of the spec has this method and path, and no --upstream \
             was given for such requests\n",
        );
    };
    let target = format!(
        "{base}{}",
        parts.uri.path_and_query().map_or(path, |p| p.as_str())
    );

    let mut headers = parts.headers;
    let json_request = is_json(&headers);
    strip_hop_by_hop(&mut headers);
    // reqwest sets the Host of the upstream.
    headers.remove(header::HOST);
    let mut upstream = proxy.http.request(parts.method, target).headers(headers);
    if !body.is_end_stream() {
        let body = match operation {
            Some(operation) if json_request => {
                let events = proxy.events.clone();
                Tee::new(body, proxy.max_json_bytes, move |body| {
                    events.send(Event::Request {
                        exchange,
                        operation,
                        body,
                    })
                })
            }
            _ => Tee::pass(body),
        };
        upstream = upstream.body(reqwest::Body::wrap(body));
    }

    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(error) => {
            proxy.events.send(Event::Unanswered { exchange });
            let operation = operation.map(|index| proxy.spec.operation(index).id.as_str());
            tracing::warn!(?operation, error = %error.without_url(), "the upstream did not answer");
            return refusal("jumio-kyx proxy: the upstream did not answer\n");
        }
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    strip_hop_by_hop(&mut headers);
    let body = Response::<reqwest::Body>::from(answer).into_body();
    let body = match operation {
        Some(operation) if is_json(&headers) => {
            let events = proxy.events.clone();
            Body::new(Tee::new(body, proxy.max_json_bytes, move |body| {
                events.send(Event::Response {
                    exchange,
                    operation,
                    status: status.as_u16(),
                    body: Some(body),
                })
            }))
        }
        Some(operation) => {
            proxy.events.send(Event::Response {
                exchange,
                operation,
                status: status.as_u16(),
                body: None,
            });
            Body::new(body)
        }
        None => Body::new(body),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(is_json_media_type)
}

/// Removes the hop-by-hop headers, and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The proxy's own answer when it cannot forward: 502, a line of text.
fn refusal(text: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
