//! The callbacks Jumio POSTs to the `callbackUrl` when a workflow execution changes status.
//!
//! A callback says only that something happened: it carries the ids, the new status and when it
//! was sent, never the result, and it is not signed. Jumio documents one way to tell that it
//! comes from Jumio: the address it comes from (see [`CallbackAllowlist`]). A robust handler
//! therefore trusts nothing in the body beyond the ids:
//!
//! 1. **Check the source address** with [`CallbackAllowlist::check`] and answer `403` when it
//!    fails. Behind a load balancer or reverse proxy the peer address is the proxy's: pass the real
//!    client address, taken from the header your own proxy sets (and only that proxy, as anyone can
//!    send such a header to a server reachable directly).
//! 2. **Parse the body** with [`parse`] and answer `400` when it fails; a parse error is not an
//!    authentication error ([`CallbackError::is_parse_error`]).
//! 3. **Answer `200` quickly**: store the ids, then work in the background. Jumio asks for a
//!    `200 OK` once the callback is saved and does not document its retries or time-outs.
//! 4. **Deduplicate and ignore late arrivals**: the same callback may come more than once and in any
//!    order. Keep the latest [`Callback::sent_at`] per workflow execution and skip callbacks that
//!    are not newer.
//! 5. **Fetch the result** with the client's result retrieval, by [`Callback::account_id`] and
//!    [`Callback::workflow_execution_id`], with your own credentials. Build nothing from the
//!    `href` links of the body: they come in two shapes and are not authenticated.
//!
//! ```rust
//! use std::net::IpAddr;
//!
//! use jumio_kyx::callback::{self, CallbackAllowlist, CallbackError};
//!
//! fn handle(peer: IpAddr, body: &[u8]) -> Result<(), CallbackError> {
//!     CallbackAllowlist::jumio().check(peer)?;
//!     let callback = callback::parse(body)?;
//!     if callback.is_final() {
//!         // Queue the retrieval of the result of this workflow execution.
//!         println!(
//!             "{} of account {} is {}",
//!             callback.workflow_execution_id(),
//!             callback.account_id(),
//!             callback.status().as_str(),
//!         );
//!     }
//!     Ok(())
//! }
//!
//! let body = br#"{
//!     "callbackSentAt": "2021-01-21T14:55:01.917Z",
//!     "workflowExecution": {"id": "22222222-0000-0000-0000-000000000000", "status": "PROCESSED"},
//!     "account": {"id": "11111111-0000-0000-0000-000000000000"}
//! }"#;
//! handle("34.202.241.227".parse().unwrap(), body).unwrap();
//!
//! let untrusted = handle("203.0.113.7".parse().unwrap(), body).unwrap_err();
//! assert!(!untrusted.is_parse_error());
//! let garbage = handle("34.202.241.227".parse().unwrap(), b"<html>").unwrap_err();
//! assert!(garbage.is_parse_error());
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::generated::types::{self, CallbackPayload, WorkflowStatus};
use crate::ids::ExecutionIds;
use crate::region::Region;

/// A callback from Jumio, parsed and with both ids present.
///
/// Its `Debug` hides the `userReference`, which may hold personal data.
#[derive(Clone)]
pub struct Callback {
    payload: CallbackPayload,
    ids: ExecutionIds,
}

impl Callback {
    /// The ids of the account and the workflow execution, checked to be of Jumio's form.
    pub fn ids(&self) -> &ExecutionIds {
        &self.ids
    }

    /// The id of the account (`account.id`).
    pub fn account_id(&self) -> &str {
        self.ids.account_id()
    }

    /// The id of the workflow execution (`workflowExecution.id`).
    pub fn workflow_execution_id(&self) -> &str {
        self.ids.workflow_execution_id()
    }

    /// The new status of the workflow execution; values this version does not know are
    /// [`WorkflowStatus::Unknown`].
    pub fn status(&self) -> &types::WorkflowStatus {
        &self.payload.workflow_execution.status
    }

    /// The key of the workflow definition (`workflowExecution.definitionKey`), if sent.
    pub fn definition_key(&self) -> Option<&str> {
        self.payload.workflow_execution.definition_key.as_deref()
    }

    /// When Jumio sent the callback (`callbackSentAt`), if sent; use it to ignore late arrivals.
    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.payload.callback_sent_at
    }

    /// The `userReference` given when the account was created or updated, if any.
    pub fn user_reference(&self) -> Option<&str> {
        self.payload.user_reference.as_deref()
    }

    /// The whole body, as generated from the spec.
    pub fn payload(&self) -> &types::CallbackPayload {
        &self.payload
    }

    /// The whole body, as generated from the spec.
    pub fn into_payload(self) -> types::CallbackPayload {
        self.payload
    }

    /// Whether the status is final: `PROCESSED` (the result can be retrieved), `SESSION_EXPIRED`
    /// or `TOKEN_EXPIRED` (the user did not finish in time).
    pub fn is_final(&self) -> bool {
        matches!(
            self.status(),
            WorkflowStatus::Processed
                | WorkflowStatus::SessionExpired
                | WorkflowStatus::TokenExpired
        )
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("account_id", &self.account_id())
            .field("workflow_execution_id", &self.workflow_execution_id())
            .field("status", &self.status().as_str())
            .field("definition_key", &self.definition_key())
            .field("sent_at", &self.sent_at())
            .field(
                "user_reference",
                &self.user_reference().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl FromStr for Callback {
    type Err = CallbackError;

    /// Same as [`parse`].
    fn from_str(body: &str) -> Result<Self, Self::Err> {
        parse(body.as_bytes())
    }
}

/// Why a callback is refused. The messages never repeat the body, which may hold a
/// `userReference`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is empty or only JSON white space.
    #[error("callback body is empty")]
    Empty,
    /// The body is not JSON.
    #[error("callback body is not JSON: {reason} at line {line} column {column}")]
    NotJson {
        /// What is wrong, for example `expected value` or `EOF while parsing an object`.
        reason: String,
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error, from 1.
        column: usize,
    },
    /// The body is JSON, but not shaped like a callback.
    #[error("callback body is not a Jumio callback: {} is {found}; expected {expected}", describe_field(.field))]
    InvalidPayload {
        /// The path of the offending field, for example `workflowExecution.status`; empty for the
        /// whole body.
        field: String,
        /// What the field should be, for example `a string`.
        expected: &'static str,
        /// What it is, for example `a number` or `missing`.
        found: &'static str,
    },
    /// An id needed to retrieve the result is missing or empty.
    #[error(
        "callback body has no {field} (missing or empty); the result cannot be retrieved without it"
    )]
    MissingId {
        /// `account.id` or `workflowExecution.id`.
        field: &'static str,
    },
    /// An id is not of Jumio's form (letters, digits and `-`, at most 64): it is never used in
    /// a URL.
    #[error(
        "callback body has a {field} that is not an id of Jumio's form (1 to 64 ASCII letters, digits and '-')"
    )]
    InvalidId {
        /// `account.id` or `workflowExecution.id`.
        field: &'static str,
    },
    /// The request does not come from an address on the allowlist.
    #[error("callback refused: {ip} is not one of Jumio's callback addresses")]
    UntrustedSource {
        /// The address the request came from.
        ip: IpAddr,
    },
}

impl CallbackError {
    /// Whether the body could not be parsed (answer `400`), as opposed to a request from an
    /// untrusted source (answer `403`).
    pub fn is_parse_error(&self) -> bool {
        !matches!(self, CallbackError::UntrustedSource { .. })
    }
}

fn describe_field(field: &str) -> String {
    if field.is_empty() {
        "the body".to_owned()
    } else {
        format!("`{field}`")
    }
}

/// Parses the raw body of a callback. Malformed input is an error, never a panic; both ids must be
/// present and non-empty.
pub fn parse(body: &[u8]) -> Result<Callback, CallbackError> {
    if body
        .iter()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(CallbackError::Empty);
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| not_json(&error))?;
    validate(&value)?;
    // `validate` checked every field the type has; this only fails on a case it does not know,
    // and serde's message could quote the body, so it is not passed on.
    let payload: CallbackPayload =
        serde_json::from_value(value).map_err(|_| CallbackError::InvalidPayload {
            field: String::new(),
            expected: "a Jumio callback",
            found: "another object",
        })?;
    let ids =
        ExecutionIds::new(&payload.account.id, &payload.workflow_execution.id).map_err(|_| {
            CallbackError::InvalidId {
                field: "workflowExecution.id",
            }
        })?;
    Ok(Callback { payload, ids })
}

/// A syntax error of `serde_json`, whose messages name the problem but never quote the input.
fn not_json(error: &serde_json::Error) -> CallbackError {
    let text = error.to_string();
    let reason = match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    CallbackError::NotJson {
        reason,
        line: error.line(),
        column: error.column(),
    }
}

fn kind(value: Option<&Value>) -> &'static str {
    match value {
        None => "missing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
    }
}

fn invalid(field: &str, expected: &'static str, value: Option<&Value>) -> CallbackError {
    CallbackError::InvalidPayload {
        field: field.to_owned(),
        expected,
        found: kind(value),
    }
}

/// The object at `field` of `parent`; a missing one is a missing `id_field`.
fn object<'a>(
    parent: &'a Map<String, Value>,
    field: &str,
    id_field: &'static str,
) -> Result<&'a Map<String, Value>, CallbackError> {
    match parent.get(field) {
        Some(Value::Object(object)) => Ok(object),
        None | Some(Value::Null) => Err(CallbackError::MissingId { field: id_field }),
        other => Err(invalid(field, "an object", other)),
    }
}

/// A non-empty string id of Jumio's form.
fn id(parent: &Map<String, Value>, field: &'static str) -> Result<(), CallbackError> {
    let key = field.rsplit('.').next().unwrap_or(field);
    match parent.get(key) {
        Some(Value::String(id)) if crate::trust::id(field, id).is_ok() => Ok(()),
        Some(Value::String(id)) if !id.trim().is_empty() => Err(CallbackError::InvalidId { field }),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            Err(CallbackError::MissingId { field })
        }
        other => Err(invalid(field, "a string", other)),
    }
}

/// A string or nothing.
fn optional_string(
    parent: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<(), CallbackError> {
    match parent.get(key) {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        other => Err(invalid(field, "a string", other)),
    }
}

/// Checks the shape of a callback body field by field, so that errors name the field without
/// quoting its value.
fn validate(value: &Value) -> Result<(), CallbackError> {
    let Value::Object(body) = value else {
        return Err(invalid("", "a JSON object", Some(value)));
    };
    let execution = object(body, "workflowExecution", "workflowExecution.id")?;
    id(execution, "workflowExecution.id")?;
    let account = object(body, "account", "account.id")?;
    id(account, "account.id")?;
    match execution.get("status") {
        Some(Value::String(_)) => {}
        other => return Err(invalid("workflowExecution.status", "a string", other)),
    }
    optional_string(execution, "href", "workflowExecution.href")?;
    optional_string(
        execution,
        "definitionKey",
        "workflowExecution.definitionKey",
    )?;
    optional_string(account, "href", "account.href")?;
    optional_string(body, "userReference", "userReference")?;
    match body.get("callbackSentAt") {
        None | Some(Value::Null) => {}
        Some(Value::String(sent_at)) => {
            if DateTime::parse_from_rfc3339(sent_at).is_err() {
                return Err(CallbackError::InvalidPayload {
                    field: "callbackSentAt".to_owned(),
                    expected: "an RFC 3339 date-time such as 2021-01-21T14:55:01.917Z",
                    found: "another string",
                });
            }
        }
        other => {
            return Err(invalid(
                "callbackSentAt",
                "an RFC 3339 date-time string",
                other,
            ));
        }
    }
    Ok(())
}

/// The documented sources of Jumio's callbacks per region: addresses and host names.
/// Jumio changes this list from time to time; [`CallbackAllowlist::from_ips`] and
/// [`CallbackAllowlist::with_ip`] adjust it without a new release.
const JUMIO_SOURCES: [(Region, &str, [Ipv4Addr; 6]); 3] = [
    (
        Region::Amer1,
        "callback.amer-1.jumio.ai",
        [
            Ipv4Addr::new(34, 202, 241, 227),
            Ipv4Addr::new(34, 226, 103, 119),
            Ipv4Addr::new(34, 226, 254, 127),
            Ipv4Addr::new(52, 8, 136, 236),
            Ipv4Addr::new(54, 177, 61, 57),
            Ipv4Addr::new(54, 183, 15, 212),
        ],
    ),
    (
        Region::Emea1,
        "callback.emea-1.jumio.ai",
        [
            Ipv4Addr::new(34, 253, 41, 236),
            Ipv4Addr::new(35, 157, 27, 193),
            Ipv4Addr::new(52, 48, 0, 25),
            Ipv4Addr::new(52, 57, 194, 92),
            Ipv4Addr::new(52, 58, 113, 86),
            Ipv4Addr::new(52, 209, 180, 134),
        ],
    ),
    (
        Region::Apac1,
        "callback.apac-1.jumio.ai",
        [
            Ipv4Addr::new(3, 0, 109, 121),
            Ipv4Addr::new(52, 76, 184, 73),
            Ipv4Addr::new(52, 77, 102, 92),
            Ipv4Addr::new(13, 238, 100, 17),
            Ipv4Addr::new(13, 238, 203, 238),
            Ipv4Addr::new(52, 64, 132, 26),
        ],
    ),
];

/// The addresses callbacks may come from, with the host names Jumio documents for them.
///
/// IPv4 addresses also match their IPv4-mapped IPv6 form (`::ffff:34.202.241.227`), as a dual-stack
/// server reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackAllowlist {
    ips: Vec<IpAddr>,
    hostnames: Vec<String>,
}

/// The IPv4 address of an IPv4-mapped IPv6 address, any other address unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

impl CallbackAllowlist {
    /// The documented addresses of every region.
    pub fn jumio() -> Self {
        Region::ALL
            .into_iter()
            .fold(Self::empty(), |list, region| list.with_region(region))
    }

    /// The documented addresses of one region only.
    pub fn for_region(region: Region) -> Self {
        Self::empty().with_region(region)
    }

    /// Exactly these addresses, in place of the documented ones (no host names).
    pub fn from_ips(ips: impl IntoIterator<Item = IpAddr>) -> Self {
        ips.into_iter().fold(Self::empty(), Self::with_ip)
    }

    /// This list and `ip`.
    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        let ip = canonical(ip);
        if !self.ips.contains(&ip) {
            self.ips.push(ip);
        }
        self
    }

    /// Whether `ip` is on the list.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.ips.contains(&canonical(ip))
    }

    /// `Ok` when `ip` is on the list, [`CallbackError::UntrustedSource`] otherwise.
    pub fn check(&self, ip: IpAddr) -> Result<(), CallbackError> {
        if self.contains(ip) {
            Ok(())
        } else {
            Err(CallbackError::UntrustedSource { ip })
        }
    }

    /// The addresses on the list.
    pub fn ips(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.ips.iter().copied()
    }

    /// The host names Jumio documents for the addresses (for example `callback.amer-1.jumio.ai`),
    /// to resolve when the published addresses change; empty for a list [`from_ips`](Self::from_ips).
    pub fn hostnames(&self) -> &[String] {
        &self.hostnames
    }

    fn empty() -> Self {
        Self {
            ips: Vec::new(),
            hostnames: Vec::new(),
        }
    }

    fn with_region(mut self, region: Region) -> Self {
        for (source_region, hostname, ips) in &JUMIO_SOURCES {
            if *source_region == region {
                self.hostnames.push((*hostname).to_owned());
                self = ips
                    .iter()
                    .fold(self, |list, ip| list.with_ip(IpAddr::V4(*ip)));
            }
        }
        self
    }
}

impl Default for CallbackAllowlist {
    /// [`CallbackAllowlist::jumio`].
    fn default() -> Self {
        Self::jumio()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_its_sources() {
        for region in Region::ALL {
            let list = CallbackAllowlist::for_region(region);
            assert_eq!(list.ips().count(), 6, "{region}");
            assert_eq!(
                list.hostnames(),
                [format!("callback.{}.jumio.ai", region.as_str())]
            );
        }
        assert_eq!(CallbackAllowlist::jumio().ips().count(), 18);
    }

    #[test]
    fn invalid_payload_names_the_field() {
        let error = invalid(
            "workflowExecution.status",
            "a string",
            Some(&Value::from(3)),
        );
        assert_eq!(
            error.to_string(),
            "callback body is not a Jumio callback: `workflowExecution.status` is a number; expected a string"
        );
        let error = invalid("", "a JSON object", Some(&Value::Array(Vec::new())));
        assert_eq!(
            error.to_string(),
            "callback body is not a Jumio callback: the body is an array; expected a JSON object"
        );
    }

    const BODY: &str = r#"{
        "callbackSentAt": "2021-01-21T14:55:01.917Z",
        "userReference": "user-1",
        "workflowExecution": {"id": "22222222-0000-0000-0000-000000000000", "status": "PROCESSED"},
        "account": {"id": "11111111-0000-0000-0000-000000000000"}
    }"#;

    #[test]
    fn the_ids_and_the_payload_are_the_body_s() {
        let callback = parse(BODY.as_bytes()).unwrap();
        assert_eq!(
            callback.ids(),
            &ExecutionIds::new(
                "11111111-0000-0000-0000-000000000000",
                "22222222-0000-0000-0000-000000000000"
            )
            .unwrap()
        );
        assert_eq!(callback.payload().user_reference.as_deref(), Some("user-1"));
        let payload = callback.into_payload();
        assert_eq!(payload.account.id, "11111111-0000-0000-0000-000000000000");
        assert_eq!(payload.workflow_execution.status, WorkflowStatus::Processed);
    }

    #[test]
    fn an_address_is_listed_once_in_either_form() {
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        let list = CallbackAllowlist::from_ips([ip, mapped, ip]);
        assert_eq!(list.ips().collect::<Vec<_>>(), [ip]);
        assert!(list.contains(mapped));
        assert!(list.check(mapped).is_ok());
        let other: IpAddr = "2001:db8::7".parse().unwrap();
        assert!(!list.contains(other));
        assert!(matches!(
            list.check(other),
            Err(CallbackError::UntrustedSource { ip }) if ip == other
        ));
        assert!(list.hostnames().is_empty());
        assert_eq!(CallbackAllowlist::default(), CallbackAllowlist::jumio());
        assert_eq!(canonical(other), other);
    }
}
