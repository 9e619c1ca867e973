//! `--record DIR`: each exchange as a JSON fixture, with placeholders for every value.
//!
//! The rule: every scalar value is replaced, except a value the spec lists for its position
//! (`enum`, `x-extensible-enum`), which is shape, not data. A string becomes `"string"`, or a
//! placeholder of its `format` (`2000-01-01T00:00:00.000Z` for `date-time`, `2000-01-01` for
//! `date`, and likewise for `uuid`, `uri`, `email`); a number becomes 0 and a boolean `false` (a
//! flag can be personal too). `null`, arrays, objects and property names are kept. Headers are not
//! recorded, nor any body that is not JSON (form bodies with credentials, images).

use std::fs;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::spec::Operation;

/// Writes fixtures into one directory.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
}

#[derive(Serialize)]
struct Fixture<'a> {
    operation: &'a str,
    method: &'a str,
    path: &'a str,
    status: u16,
    request: Option<Value>,
    response: Option<Value>,
}

impl Recorder {
    /// Creates `dir` if needed. A directory holding files already is refused, so that no fixture
    /// of an earlier run is overwritten.
    pub fn create(dir: PathBuf) -> anyhow::Result<Self> {
        fs::create_dir_all(&dir).map_err(|e| {
            anyhow::anyhow!("cannot create the record directory {}: {e}", dir.display())
        })?;
        let mut entries = fs::read_dir(&dir).map_err(|e| {
            anyhow::anyhow!("cannot read the record directory {}: {e}", dir.display())
        })?;
        if entries.next().is_some() {
            anyhow::bail!(
                "the record directory {} is not empty; give a new or empty one",
                dir.display()
            );
        }
        Ok(Self { dir })
    }

    /// Writes `{exchange}-{operationId}-{status}.json`; the bodies are placeholder copies already.
    pub fn write(
        &self,
        exchange: u64,
        operation: &Operation,
        status: u16,
        request: Option<Value>,
        response: Option<Value>,
    ) -> std::io::Result<()> {
        let fixture = Fixture {
            operation: &operation.id,
            method: operation.method.as_str(),
            path: &operation.template,
            status,
            request,
            response,
        };
        let path = self
            .dir
            .join(format!("{exchange:06}-{}-{status}.json", operation.id));
        let mut text = serde_json::to_vec_pretty(&fixture)?;
        text.push(b'\n');
        fs::write(path, text)
    }
}
