//! The one task that checks what the forwarding saw, off the path of the traffic: bodies against
//! the spec, findings into the report, fixtures into the record directory.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::mpsc;

use super::record::Recorder;
use super::report::{Direction, Finding, Report, Summary};
use super::spec::{Operation, Spec, json_schema};
use super::tee::Captured;
use super::validate::{self, Issue, Kind, json_type};

/// Most events waiting for the analyzer; past that they are dropped (and counted), never waited
/// for.
pub const QUEUE: usize = 1024;

/// Most request bodies kept for the fixture of a response still to come.
const PENDING: usize = 256;

/// What the forwarding reports to the analyzer.
#[derive(Debug)]
pub enum Event {
    /// The JSON request body of an exchange, when it has ended.
    Request {
        exchange: u64,
        operation: usize,
        body: Captured,
    },
    /// The response of an exchange: its status, and its body when it is JSON.
    Response {
        exchange: u64,
        operation: usize,
        status: u16,
        body: Option<Captured>,
    },
    /// A request no operation of the spec matches.
    UnknownOperation {
        exchange: u64,
        method: String,
        path: String,
    },
    /// The upstream did not answer.
    Unanswered { exchange: u64 },
    /// Every exchange has ended: write the rest and stop.
    Shutdown,
}

/// The sending half, shared by the forwarding: never blocks a request.
#[derive(Clone, Debug)]
pub struct Events {
    sender: mpsc::Sender<Event>,
    dropped: Arc<AtomicU64>,
}

impl Events {
    pub fn send(&self, event: Event) {
        if self.sender.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until the analyzer took `Event::Shutdown`.
    pub async fn shutdown(&self) {
        let _ = self.sender.send(Event::Shutdown).await;
    }
}

pub struct Analyzer {
    spec: Arc<Spec>,
    report: Report,
    recorder: Option<Recorder>,
    summary: Summary,
    /// The placeholder copies of request bodies, by exchange, until their response.
    pending: BTreeMap<u64, Value>,
    dropped: Arc<AtomicU64>,
}

impl Analyzer {
    /// The analyzer and the [`Events`] that feed it.
    pub fn new(
        spec: Arc<Spec>,
        report: Report,
        recorder: Option<Recorder>,
    ) -> (Self, Events, mpsc::Receiver<Event>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let events = Events {
            sender,
            dropped: dropped.clone(),
        };
        let analyzer = Self {
            spec,
            report,
            recorder,
            summary: Summary::default(),
            pending: BTreeMap::new(),
            dropped,
        };
        (analyzer, events, receiver)
    }

    /// Handles events until `Event::Shutdown`; returns the summary.
    pub async fn run(mut self, mut events: mpsc::Receiver<Event>) -> Summary {
        while let Some(event) = events.recv().await {
            match event {
                Event::Request {
                    exchange,
                    operation,
                    body,
                } => self.request(exchange, operation, body),
                Event::Response {
                    exchange,
                    operation,
                    status,
                    body,
                } => self.response(exchange, operation, status, body),
                Event::UnknownOperation {
                    exchange,
                    method,
                    path,
                } => {
                    self.emit(&Finding {
                        method: Some(&method),
                        path: Some(&path),
                        ..finding(
                            exchange,
                            None,
                            Direction::Request,
                            None,
                            Kind::UnknownOperation,
                        )
                    });
                }
                Event::Unanswered { exchange } => {
                    self.pending.remove(&exchange);
                }
                Event::Shutdown => break,
            }
            self.report.flush();
        }
        self.report.flush();
        self.summary.dropped = self.dropped.load(Ordering::Relaxed);
        self.summary
    }

    fn request(&mut self, exchange: u64, operation: usize, body: Captured) {
        let spec = Arc::clone(&self.spec);
        let operation = spec.operation(operation);
        let Some(value) = self.parse(exchange, operation, Direction::Request, None, body) else {
            return;
        };
        let checked = validate::check(&spec, spec.request_schema(operation), &value);
        self.issues(
            exchange,
            operation,
            Direction::Request,
            None,
            &checked.issues,
        );
        if self.recorder.is_some() {
            self.pending.insert(exchange, checked.placeholders);
            while self.pending.len() > PENDING {
                self.pending.pop_first();
            }
        }
    }

    fn response(&mut self, exchange: u64, operation: usize, status: u16, body: Option<Captured>) {
        let spec = Arc::clone(&self.spec);
        let operation = spec.operation(operation);
        let direction = Direction::Response;
        let value =
            body.and_then(|body| self.parse(exchange, operation, direction, Some(status), body));
        let placeholders = match spec.response(operation, status) {
            Some(response) => value.map(|value| {
                let checked = validate::check(&spec, json_schema(&response.content), &value);
                self.issues(
                    exchange,
                    operation,
                    direction,
                    Some(status),
                    &checked.issues,
                );
                checked.placeholders
            }),
            None => {
                self.emit(&Finding {
                    json_type: value.as_ref().map(json_type),
                    ..finding(
                        exchange,
                        Some(&operation.id),
                        direction,
                        Some(status),
                        Kind::UndocumentedStatus,
                    )
                });
                value.as_ref().map(validate::placeholder)
            }
        };
        let request = self.pending.remove(&exchange);
        if let Some(recorder) = &self.recorder {
            match recorder.write(exchange, operation, status, request, placeholders) {
                Ok(()) => self.summary.recorded += 1,
                Err(error) => {
                    tracing::error!(%error, operation = %operation.id, "cannot write a fixture")
                }
            }
        }
    }

    /// The JSON of a captured body; `None` (and why, counted or as a finding) when there is none.
    fn parse(
        &mut self,
        exchange: u64,
        operation: &Operation,
        direction: Direction,
        status: Option<u16>,
        body: Captured,
    ) -> Option<Value> {
        match body {
            Captured::Complete(bytes) if bytes.is_empty() => None,
            Captured::Complete(bytes) => match serde_json::from_slice(&bytes) {
                Ok(value) => {
                    self.summary.validated += 1;
                    Some(value)
                }
                Err(_) => {
                    self.emit(&Finding {
                        rule: Some("json"),
                        expected: Some("a JSON document"),
                        ..finding(
                            exchange,
                            Some(&operation.id),
                            direction,
                            status,
                            Kind::SchemaViolation,
                        )
                    });
                    None
                }
            },
            Captured::TooLarge => {
                self.summary.too_large += 1;
                tracing::info!(
                    operation = %operation.id,
                    ?direction,
                    "JSON body over the size limit: passed on, not validated"
                );
                None
            }
            Captured::Incomplete => {
                self.summary.incomplete += 1;
                tracing::debug!(operation = %operation.id, ?direction, "body cut off: not validated");
                None
            }
        }
    }

    fn issues(
        &mut self,
        exchange: u64,
        operation: &Operation,
        direction: Direction,
        status: Option<u16>,
        issues: &[Issue],
    ) {
        for issue in issues {
            self.emit(&Finding {
                pointer: &issue.pointer,
                json_type: issue.json_type,
                schema: issue.schema.as_deref(),
                rule: issue.rule,
                expected: issue.expected.as_deref(),
                ..finding(exchange, Some(&operation.id), direction, status, issue.kind)
            });
        }
    }

    fn emit(&mut self, finding: &Finding<'_>) {
        self.report.write(finding);
        self.summary.count(finding);
    }
}

/// A finding about a whole body, to be completed with struct update syntax.
fn finding<'a>(
    exchange: u64,
    operation: Option<&'a str>,
    direction: Direction,
    status: Option<u16>,
    kind: Kind,
) -> Finding<'a> {
    Finding {
        exchange,
        operation,
        direction,
        status,
        kind,
        pointer: "",
        json_type: None,
        schema: None,
        rule: None,
        expected: None,
        method: None,
        path: None,
    }
}
