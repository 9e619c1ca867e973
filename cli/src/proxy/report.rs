//! The report: one JSON line per finding, and the summary printed on exit.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use super::validate::Kind;

/// Which way a body went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
}

/// One line of the report. It names where the traffic and the spec disagree and the JSON type of
/// the value there, never a value.
#[derive(Debug, Serialize)]
pub struct Finding<'a> {
    /// The number of the exchange (request and response) in this run, from 1.
    pub exchange: u64,
    /// The `operationId`; `null` for a request no operation of the spec matches.
    pub operation: Option<&'a str>,
    pub direction: Direction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub kind: Kind,
    /// JSON pointer into the body; empty for the whole body.
    pub pointer: &'a str,
    /// The JSON type of the value; `null` when there is none (a missing property, no JSON body).
    #[serde(rename = "type")]
    pub json_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<&'a str>,
    /// For an unknown operation: its method and the shape of its path (ids replaced by `{}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
}

/// Where the findings go: a file, or standard output.
pub struct Report {
    out: Box<dyn Write + Send>,
    failed: bool,
}

impl Report {
    /// Creates (or truncates) `path`, or writes to standard output without one.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        let out: Box<dyn Write + Send> = match path {
            Some(path) => Box::new(BufWriter::new(File::create(path).map_err(|e| {
                anyhow::anyhow!("cannot write the report {}: {e}", path.display())
            })?)),
            None => Box::new(BufWriter::new(io::stdout())),
        };
        Ok(Self { out, failed: false })
    }

    pub fn write(&mut self, finding: &Finding<'_>) {
        let written = serde_json::to_writer(&mut self.out, finding)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        self.check(written);
    }

    /// Flushes what was written, so that the report can be followed while the proxy runs.
    pub fn flush(&mut self) {
        let flushed = self.out.flush();
        self.check(flushed);
    }

    /// Logs the first write error; the traffic goes on.
    fn check(&mut self, result: io::Result<()>) {
        if let Err(error) = result
            && !self.failed
        {
            self.failed = true;
            tracing::error!(%error, "cannot write the report; findings are only counted from now on");
        }
    }
}

/// What the proxy saw, printed on exit.
#[derive(Debug, Default)]
pub struct Summary {
    /// Requests the proxy received, answered or not.
    pub exchanges: u64,
    pub validated: u64,
    pub too_large: u64,
    pub incomplete: u64,
    pub dropped: u64,
    pub recorded: u64,
    by_kind: BTreeMap<Kind, u64>,
    by_operation: BTreeMap<String, BTreeMap<Kind, u64>>,
}

impl Summary {
    pub fn count(&mut self, finding: &Finding<'_>) {
        *self.by_kind.entry(finding.kind).or_default() += 1;
        let operation = finding.operation.unwrap_or("(no operation)");
        *self
            .by_operation
            .entry(operation.to_owned())
            .or_default()
            .entry(finding.kind)
            .or_default() += 1;
    }

    pub fn findings(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "jumio-kyx proxy: {} exchanges, {} JSON bodies validated, {} findings",
            self.exchanges,
            self.validated,
            self.findings()
        )?;
        for kind in Kind::ALL {
            writeln!(
                f,
                "  {:<20} {}",
                kind.as_str(),
                self.by_kind.get(&kind).copied().unwrap_or(0)
            )?;
        }
        for (operation, kinds) in &self.by_operation {
            let counts: Vec<String> = kinds
                .iter()
                .map(|(kind, count)| format!("{} {count}", kind.as_str()))
                .collect();
            writeln!(f, "  {operation}: {}", counts.join(", "))?;
        }
        if self.too_large + self.incomplete + self.dropped > 0 {
            writeln!(
                f,
                "  not validated: {} bodies over the size limit, {} cut off, {} past a full queue",
                self.too_large, self.incomplete, self.dropped
            )?;
        }
        if self.recorded > 0 {
            writeln!(f, "  fixtures recorded: {}", self.recorded)?;
        }
        Ok(())
    }
}
