//! Property tests: the crate's local validators accept exactly what the spec's constraints accept,
//! and no parser panics on arbitrary bytes (callbacks, responses, image headers).

use jumio_kyx_test_support as support;

use jumio_kyx::limits::{FORBIDDEN_REFERENCE_CHARACTERS, parse_token_lifetime};
use jumio_kyx::{Workflow, WorkflowRequest};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Whether the spec's schema for `AccountRequest` accepts `request`.
fn spec_accepts(request: &Value) -> bool {
    support::schema_errors(
        &json!({"$ref": "#/components/schemas/AccountRequest"}),
        request,
    )
    .is_empty()
}

fn request_with(field: &str, value: &str) -> Value {
    let mut request = json!({
        "customerInternalReference": "ref",
        "workflowDefinition": {"key": 10011}
    });
    request[field] = value.into();
    request
}

/// What the client refuses in references beyond the spec's `pattern`, which cannot say it (the
/// spec's descriptions do): only whitespace, control and format characters, and compatibility forms
/// of the forbidden characters (the ASCII ones are the pattern's).
fn beyond_the_pattern(value: &str, forbidden: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let disguised = value
        .chars()
        .any(|c| !forbidden.contains(c) && c.to_string().nfkc().any(|n| forbidden.contains(n)));
    (!value.is_empty() && value.chars().all(char::is_whitespace))
        || value.chars().any(jumio_kyx::limits::is_control_or_format)
        || disguised
}

/// Strings near the interesting boundaries: forbidden characters, lengths around the limits,
/// non-ASCII text.
fn reference_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.#:-]{0,120}",
        "[a-z<>\"/;`%{}|]{0,12}",
        "[\\PC]{0,110}",
        "[ \\t\\x{3000}a\\x00\\x1b\\x{202e}\\x{200b}\\x{ff05}\\x{ff0f}\\x{ff1c}\\x{2105}]{0,6}",
        (95usize..106).prop_map(|n| "x".repeat(n)),
        (250usize..260).prop_map(|n| "y".repeat(n)),
    ]
}

fn lifetime_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?[0-9]{1,8}[smhdw]?",
        (
            0u64..6_000_000,
            prop::sample::select(vec!['s', 'm', 'h', 'd'])
        )
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        "[0-9a-z +]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn customer_internal_reference_matches_the_spec(value in reference_like()) {
        let local = WorkflowRequest::new(Workflow::IdAndIdentity, value.clone()).build().is_ok();
        let expected = spec_accepts(&request_with("customerInternalReference", &value))
            && !beyond_the_pattern(&value, FORBIDDEN_REFERENCE_CHARACTERS);
        prop_assert_eq!(local, expected, "{:?}", value);
    }

    #[test]
    fn user_reference_and_reporting_criteria_match_the_spec(value in reference_like()) {
        let base = WorkflowRequest::new(Workflow::IdAndIdentity, "ref");
        let beyond = beyond_the_pattern(&value, "");
        let local = base.clone().user_reference(value.clone()).build().is_ok();
        prop_assert_eq!(local, spec_accepts(&request_with("userReference", &value)) && !beyond, "{:?}", value);
        let local = base.reporting_criteria(value.clone()).build().is_ok();
        prop_assert_eq!(local, spec_accepts(&request_with("reportingCriteria", &value)) && !beyond, "{:?}", value);
    }

    #[test]
    fn token_lifetime_matches_the_spec(value in lifetime_like()) {
        let local = parse_token_lifetime(&value).is_ok();
        prop_assert_eq!(local, spec_accepts(&request_with("tokenLifetime", &value)), "{:?}", value);
        let built = WorkflowRequest::new(Workflow::IdAndIdentity, "ref").token_lifetime(value.clone()).build().is_ok();
        prop_assert_eq!(built, local);
    }

    #[test]
    fn country_codes_match_the_spec(code in "[A-Za-z]{2,4}") {
        let local = WorkflowRequest::new(Workflow::IdAndIdentity, "ref").countries([code.clone()]).build().is_ok();
        let request = json!({
            "customerInternalReference": "ref",
            "workflowDefinition": {"key": 10011, "credentials": [{"category": "ID", "country": {"values": [code]}}]}
        });
        prop_assert_eq!(local, spec_accepts(&request));
    }

    #[test]
    fn callbacks_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = jumio_kyx::callback::parse(&body);
    }

    #[test]
    fn responses_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        use jumio_kyx::generated::types;
        let _ = serde_json::from_slice::<types::WorkflowExecutionDetails>(&body);
        let _ = serde_json::from_slice::<types::AccountResponse>(&body);
        let _ = serde_json::from_slice::<types::WorkflowStatusResponse>(&body);
        let _ = serde_json::from_slice::<types::TokenResponse>(&body);
    }

    #[test]
    fn json_shaped_responses_never_panic(value in json_value()) {
        use jumio_kyx::generated::types;
        let _ = serde_json::from_value::<types::WorkflowExecutionDetails>(json!({"workflow": value.clone(), "account": value.clone(), "capabilities": value.clone()}));
        let _ = serde_json::from_value::<types::AccountResponse>(json!({"account": {"id": "a"}, "workflowExecution": {"id": "w", "credentials": value}}));
    }

    #[test]
    fn image_headers_never_panic(header in prop::collection::vec(any::<u8>(), 0..256)) {
        let source = jumio_kyx::ImageSource::bytes("fuzz.bin", header);
        let limits = jumio_kyx::ImageLimits::default();
        let _ = tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(source.check(&limits));
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[A-Z_]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
