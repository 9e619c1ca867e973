//! Parsing of Jumio's callbacks (documented example, malformed and random bodies) and the allowlist
//! of their source addresses.

use jumio_kyx_test_support as support;

use support::Rng;

use std::net::IpAddr;

use chrono::{TimeZone, Utc};
use jumio_kyx::Region;
use jumio_kyx::callback::{self, Callback, CallbackAllowlist, CallbackError};
use jumio_kyx::generated::types::WorkflowStatus;

/// Jumio's published callback example.
fn docs_example() -> Vec<u8> {
    support::fixture_text("callback-example.json").into_bytes()
}

const SECRET: &str = "jane.doe-SECRET-REF-4711";

/// A 10013 `TOKEN_EXPIRED` callback with the short `href` and a `userReference`.
fn token_expired() -> String {
    format!(
        r#"{{
            "callbackSentAt": "2023-03-02T10:11:12.345Z",
            "userReference": "{SECRET}",
            "workflowExecution": {{
                "id": "b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10",
                "href": "https://retrieval.amer-1.jumio.ai/api/v1/workflow-executions/b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10",
                "definitionKey": "10013",
                "status": "TOKEN_EXPIRED"
            }},
            "account": {{
                "id": "0f9e2c3d-1111-4c44-8e88-123456789abc",
                "href": "https://retrieval.amer-1.jumio.ai/api/v1/accounts/0f9e2c3d-1111-4c44-8e88-123456789abc"
            }}
        }}"#
    )
}

/// The body of a callback with the given parts, as JSON text inserted verbatim.
fn body(execution: &str, account: &str, extra: &str) -> String {
    format!(r#"{{"workflowExecution": {execution}, "account": {account}{extra}}}"#)
}

const EXECUTION: &str = r#"{"id": "22222222-0000-0000-0000-000000000000", "status": "PROCESSED"}"#;
const ACCOUNT: &str = r#"{"id": "11111111-0000-0000-0000-000000000000"}"#;

#[test]
fn jumio_docs_example_parses() {
    let callback = callback::parse(&docs_example()).unwrap();
    assert_eq!(
        callback.account_id(),
        "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    );
    assert_eq!(
        callback.workflow_execution_id(),
        "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    );
    assert_eq!(callback.status(), &WorkflowStatus::Processed);
    assert_eq!(callback.definition_key(), Some("3"));
    assert_eq!(
        callback.sent_at(),
        Some(
            Utc.with_ymd_and_hms(2021, 1, 21, 14, 55, 1).unwrap()
                + chrono::Duration::milliseconds(917)
        )
    );
    assert_eq!(callback.user_reference(), None);
    assert!(callback.is_final());
    assert_eq!(
        callback.payload().account.href.as_deref(),
        Some(
            "https://retrieval.apac-1.jumio.ai/api/v1/accounts/11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        )
    );
}

#[test]
fn token_expired_callback_parses() {
    let callback: Callback = token_expired().parse().unwrap();
    assert_eq!(callback.status(), &WorkflowStatus::TokenExpired);
    assert!(callback.is_final());
    assert_eq!(callback.definition_key(), Some("10013"));
    assert_eq!(callback.user_reference(), Some(SECRET));
    assert_eq!(
        callback.account_id(),
        "0f9e2c3d-1111-4c44-8e88-123456789abc"
    );
    assert_eq!(
        callback.workflow_execution_id(),
        "b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10"
    );
    assert_eq!(
        callback.payload().workflow_execution.href.as_deref(),
        Some(
            "https://retrieval.amer-1.jumio.ai/api/v1/workflow-executions/b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10"
        )
    );
    let debug = format!("{callback:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(
        debug.contains("b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10"),
        "{debug}"
    );
}

#[test]
fn statuses_other_than_the_final_three_are_not_final() {
    for (status, expected) in [
        ("SESSION_EXPIRED", WorkflowStatus::SessionExpired),
        ("INITIATED", WorkflowStatus::Initiated),
        ("ACQUIRED", WorkflowStatus::Acquired),
        (
            "ACQUISITION_STARTED",
            WorkflowStatus::Unknown("ACQUISITION_STARTED".to_owned()),
        ),
    ] {
        let execution = format!(r#"{{"id": "e", "status": "{status}"}}"#);
        let callback = callback::parse(body(&execution, ACCOUNT, "").as_bytes()).unwrap();
        assert_eq!(callback.status(), &expected);
        assert_eq!(callback.is_final(), status == "SESSION_EXPIRED", "{status}");
        assert_eq!(callback.sent_at(), None);
        assert_eq!(callback.definition_key(), None);
    }
}

#[test]
fn optional_fields_may_be_null() {
    let callback = callback::parse(
        body(
            r#"{"id": "e", "status": "PROCESSED", "href": null, "definitionKey": null}"#,
            r#"{"id": "a", "href": null}"#,
            r#", "userReference": null, "callbackSentAt": null, "somethingNew": [1, 2]"#,
        )
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(callback.user_reference(), None);
    assert_eq!(callback.sent_at(), None);
}

#[test]
fn empty_bodies_are_empty() {
    for empty in ["", " ", "\r\n\t "] {
        let error = callback::parse(empty.as_bytes()).unwrap_err();
        assert!(
            matches!(error, CallbackError::Empty),
            "{empty:?}: {error:?}"
        );
        assert_eq!(error.to_string(), "callback body is empty");
        assert!(error.is_parse_error());
    }
}

#[test]
fn garbage_and_truncated_bodies_are_not_json() {
    let error = callback::parse(b"<html><body>502 Bad Gateway</body></html>").unwrap_err();
    assert!(
        matches!(
            &error,
            CallbackError::NotJson {
                line: 1,
                column: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "callback body is not JSON: expected value at line 1 column 1"
    );

    let example = docs_example();
    let error = callback::parse(&example[..example.len() / 2]).unwrap_err();
    match &error {
        CallbackError::NotJson { reason, .. } => assert!(reason.contains("EOF"), "{reason}"),
        other => panic!("expected NotJson, got {other:?}"),
    }

    let error = callback::parse(&[0xff, 0xfe, 0x00, 0x7b]).unwrap_err();
    assert!(matches!(error, CallbackError::NotJson { .. }), "{error:?}");
    let error = callback::parse(format!("{} trailing", token_expired()).as_bytes()).unwrap_err();
    assert!(matches!(error, CallbackError::NotJson { .. }), "{error:?}");
}

#[test]
fn json_of_the_wrong_shape_is_an_invalid_payload() {
    let cases = [
        ("[]".to_owned(), "", "an array"),
        ("\"PROCESSED\"".to_owned(), "", "a string"),
        ("null".to_owned(), "", "null"),
        (
            body(r#""PROCESSED""#, ACCOUNT, ""),
            "workflowExecution",
            "a string",
        ),
        (body(EXECUTION, "[]", ""), "account", "an array"),
        (
            body(r#"{"id": 42, "status": "PROCESSED"}"#, ACCOUNT, ""),
            "workflowExecution.id",
            "a number",
        ),
        (
            body(EXECUTION, r#"{"id": {"value": "a"}}"#, ""),
            "account.id",
            "an object",
        ),
        (
            body(r#"{"id": "e"}"#, ACCOUNT, ""),
            "workflowExecution.status",
            "missing",
        ),
        (
            body(r#"{"id": "e", "status": 3}"#, ACCOUNT, ""),
            "workflowExecution.status",
            "a number",
        ),
        (
            body(
                r#"{"id": "e", "status": "PROCESSED", "definitionKey": 10013}"#,
                ACCOUNT,
                "",
            ),
            "workflowExecution.definitionKey",
            "a number",
        ),
        (
            body(EXECUTION, ACCOUNT, r#", "userReference": true"#),
            "userReference",
            "a boolean",
        ),
        (
            body(EXECUTION, ACCOUNT, r#", "callbackSentAt": "yesterday""#),
            "callbackSentAt",
            "another string",
        ),
        (
            body(EXECUTION, ACCOUNT, r#", "callbackSentAt": 1611240901917"#),
            "callbackSentAt",
            "a number",
        ),
    ];
    for (text, expected_field, expected_found) in cases {
        let error = callback::parse(text.as_bytes()).unwrap_err();
        match &error {
            CallbackError::InvalidPayload { field, found, .. } => {
                assert_eq!(field, expected_field, "{text}");
                assert_eq!(*found, expected_found, "{text}");
            }
            other => panic!("{text}: expected InvalidPayload, got {other:?}"),
        }
        assert!(error.is_parse_error());
    }
    let error = callback::parse(b"[1, 2]").unwrap_err();
    assert_eq!(
        error.to_string(),
        "callback body is not a Jumio callback: the body is an array; expected a JSON object"
    );
}

#[test]
fn missing_or_empty_ids_are_missing_ids() {
    let cases = [
        ("{}".to_owned(), "workflowExecution.id"),
        (
            r#"{"account": {"id": "a"}}"#.to_owned(),
            "workflowExecution.id",
        ),
        (
            r#"{"workflowExecution": null, "account": {"id": "a"}}"#.to_owned(),
            "workflowExecution.id",
        ),
        (
            body(r#"{"status": "PROCESSED"}"#, ACCOUNT, ""),
            "workflowExecution.id",
        ),
        (
            body(r#"{"id": "", "status": "PROCESSED"}"#, ACCOUNT, ""),
            "workflowExecution.id",
        ),
        (
            body(r#"{"id": null, "status": "PROCESSED"}"#, ACCOUNT, ""),
            "workflowExecution.id",
        ),
        (
            format!(r#"{{"workflowExecution": {EXECUTION}}}"#),
            "account.id",
        ),
        (body(EXECUTION, "{}", ""), "account.id"),
        (body(EXECUTION, r#"{"id": ""}"#, ""), "account.id"),
        (body(EXECUTION, r#"{"id": "   "}"#, ""), "account.id"),
    ];
    for (text, expected) in cases {
        let error = callback::parse(text.as_bytes()).unwrap_err();
        assert!(
            matches!(error, CallbackError::MissingId { field } if field == expected),
            "{text}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "callback body has no {expected} (missing or empty); the result cannot be retrieved without it"
            )
        );
    }
}

#[test]
fn errors_do_not_repeat_the_user_reference() {
    let valid = token_expired();
    let cut_inside_reference = &valid[..valid.find(SECRET).unwrap() + 8];
    let bodies = [
        valid.replace("\"TOKEN_EXPIRED\"", "5"),
        valid.replace("\"10013\"", &format!("[\"{SECRET}\"]")),
        valid.replace("2023-03-02T10:11:12.345Z", SECRET),
        valid.replace(
            "\"0f9e2c3d-1111-4c44-8e88-123456789abc\",",
            &format!("{{\"x\": \"{SECRET}\"}},"),
        ),
        valid.replace("\"b6c0c6e5-0a6d-4a4e-9a55-6f1d3c1b2a10\",", "\"\","),
        valid.replace(
            &format!("\"{SECRET}\""),
            &format!("{{\"ref\": \"{SECRET}\"}}"),
        ),
        cut_inside_reference.to_owned(),
        format!("{valid}, \"{SECRET}\""),
        format!("[\"{SECRET}\"]"),
        format!("\"{SECRET}\""),
    ];
    for text in &bodies {
        let error = callback::parse(text.as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(!message.contains(SECRET), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
        assert!(!format!("{error:?}").contains("SECRET"), "{error:?}");
    }
}

/// An id that would walk out of the retrieval path is refused before anything uses it, and the
/// error does not repeat it.
#[test]
fn ids_outside_jumios_alphabet_are_refused() {
    for (account, execution, field) in [
        (
            "11111111-0000-0000-0000-000000000000",
            r"..\\..\\..\\internal\\admin",
            "workflowExecution.id",
        ),
        (
            "../../stolen-by-path",
            "22222222-0000-0000-0000-000000000000",
            "account.id",
        ),
        (
            "11111111-0000-0000-0000-000000000000",
            "a?b=c",
            "workflowExecution.id",
        ),
    ] {
        let body = format!(
            r#"{{"workflowExecution":{{"id":"{execution}","status":"PROCESSED"}},"account":{{"id":"{account}"}}}}"#
        );
        let error = callback::parse(body.as_bytes()).unwrap_err();
        assert!(
            matches!(error, CallbackError::InvalidId { field: f } if f == field),
            "{error:?}"
        );
        assert!(error.is_parse_error());
        assert!(!error.to_string().contains("internal") && !error.to_string().contains("stolen"));
    }
}

#[test]
fn random_and_mutated_bodies_never_panic() {
    let mut rng = Rng::new(0x0ca1_1bac_4b0d_1e55);
    let alphabet = b"{}[]\":,. 0123456789abcdefnulltrueIDidstatus\\\n\xff\x00";
    let mut outcomes = [0usize; 5];
    let mut record = |result: Result<Callback, CallbackError>| {
        let slot = match result {
            Ok(callback) => {
                assert!(!callback.account_id().trim().is_empty());
                assert!(!callback.workflow_execution_id().trim().is_empty());
                0
            }
            Err(CallbackError::Empty) => 1,
            Err(CallbackError::NotJson { .. }) => 2,
            Err(
                CallbackError::InvalidPayload { .. }
                | CallbackError::MissingId { .. }
                | CallbackError::InvalidId { .. },
            ) => 3,
            Err(other) => panic!("parse never gives a source error: {other:?}"),
        };
        outcomes[slot] += 1;
    };

    for _ in 0..3000 {
        let len = rng.below(120);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(2) == 0 {
                    alphabet[rng.below(alphabet.len())]
                } else {
                    rng.byte()
                }
            })
            .collect();
        record(callback::parse(&bytes));
    }

    let seeds = [docs_example(), token_expired().into_bytes()];
    for round in 0..3000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(3) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = alphabet[rng.below(alphabet.len())],
                1 => bytes[at] = rng.byte(),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        record(callback::parse(&bytes));
    }
    assert!(
        outcomes[0] > 0,
        "some mutations keep a valid callback: {outcomes:?}"
    );
    assert!(outcomes[2] > 0 && outcomes[3] > 0, "{outcomes:?}");
}

const US: [&str; 6] = [
    "34.202.241.227",
    "34.226.103.119",
    "34.226.254.127",
    "52.8.136.236",
    "54.177.61.57",
    "54.183.15.212",
];
const EU: [&str; 6] = [
    "34.253.41.236",
    "35.157.27.193",
    "52.48.0.25",
    "52.57.194.92",
    "52.58.113.86",
    "52.209.180.134",
];
const SGP: [&str; 6] = [
    "3.0.109.121",
    "52.76.184.73",
    "52.77.102.92",
    "13.238.100.17",
    "13.238.203.238",
    "52.64.132.26",
];

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn documented() -> [(Region, [&'static str; 6]); 3] {
    [
        (Region::Amer1, US),
        (Region::Emea1, EU),
        (Region::Apac1, SGP),
    ]
}

#[test]
fn allowlist_accepts_each_documented_address_for_its_region_only() {
    let all = CallbackAllowlist::jumio();
    assert_eq!(all.ips().count(), 18);
    for (region, ips) in documented() {
        let list = CallbackAllowlist::for_region(region);
        assert_eq!(list.ips().count(), 6);
        for text in ips {
            assert!(all.contains(ip(text)), "{text}");
            assert!(all.check(ip(text)).is_ok(), "{text}");
            assert!(list.contains(ip(text)), "{region}: {text}");
        }
        for (other, other_ips) in documented() {
            if other != region {
                for text in other_ips {
                    assert!(!list.contains(ip(text)), "{region} must not allow {text}");
                }
            }
        }
    }
}

#[test]
fn allowlist_names_the_documented_hostnames() {
    assert_eq!(
        CallbackAllowlist::jumio().hostnames(),
        [
            "callback.amer-1.jumio.ai",
            "callback.emea-1.jumio.ai",
            "callback.apac-1.jumio.ai"
        ]
    );
    assert_eq!(
        CallbackAllowlist::for_region(Region::Emea1).hostnames(),
        ["callback.emea-1.jumio.ai"]
    );
    assert_eq!(CallbackAllowlist::default(), CallbackAllowlist::jumio());
}

#[test]
fn allowlist_rejects_other_addresses_with_a_source_error() {
    let list = CallbackAllowlist::jumio();
    for text in [
        "127.0.0.1",
        "34.202.241.228",
        "10.0.0.1",
        "::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        // IPv4-compatible (deprecated) addresses are not IPv4-mapped ones.
        "::34.202.241.227",
    ] {
        let error = list.check(ip(text)).unwrap_err();
        assert!(
            matches!(error, CallbackError::UntrustedSource { ip: got } if got == ip(text)),
            "{text}: {error:?}"
        );
        assert!(!error.is_parse_error());
        assert_eq!(
            error.to_string(),
            format!(
                "callback refused: {} is not one of Jumio's callback addresses",
                ip(text)
            )
        );
    }
}

#[test]
fn allowlist_matches_ipv4_mapped_ipv6_addresses() {
    let list = CallbackAllowlist::for_region(Region::Amer1);
    assert!(list.contains(ip("::ffff:34.202.241.227")));
    assert!(list.check(ip("::ffff:54.183.15.212")).is_ok());
    assert!(!list.contains(ip("::ffff:52.48.0.25")));

    let mapped_entry = CallbackAllowlist::from_ips([ip("::ffff:192.0.2.10")]);
    assert!(mapped_entry.contains(ip("192.0.2.10")));
    assert!(mapped_entry.contains(ip("::ffff:192.0.2.10")));
}

#[test]
fn from_ips_replaces_the_documented_addresses() {
    let list = CallbackAllowlist::from_ips([ip("192.0.2.10"), ip("2001:db8::7"), ip("192.0.2.10")]);
    assert_eq!(
        list.ips().collect::<Vec<_>>(),
        [ip("192.0.2.10"), ip("2001:db8::7")]
    );
    assert!(list.contains(ip("2001:db8::7")));
    assert!(!list.contains(ip(US[0])));
    assert!(list.hostnames().is_empty());

    let extended = CallbackAllowlist::for_region(Region::Apac1).with_ip(ip("198.51.100.1"));
    assert!(extended.contains(ip("198.51.100.1")));
    assert!(extended.contains(ip(SGP[0])));
    assert_eq!(extended.ips().count(), 7);
}
