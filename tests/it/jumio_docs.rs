//! Jumio's own published example bodies (verbatim copies in `tests/fixtures/jumio-docs/`) and the
//! seed's requests deserialise into the generated types; responses with values the spec does not
//! list still deserialise; the generated builders produce the seed's request.

use jumio_kyx_test_support as support;

use std::str::FromStr;

use jumio_kyx::generated::types::{self, builder};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{fixture, fixture_text};

/// Deserialises the fixture into `T` and checks it against the component schema `schema` too.
fn typed<T: DeserializeOwned>(name: &str, schema: &str) -> T {
    let value = fixture(name);
    support::assert_valid(schema, &value);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{name} does not deserialise: {e}"))
}

#[test]
fn published_valid_examples_deserialise_into_generated_types() {
    let token: types::TokenResponse = typed("token-response.json", "TokenResponse");
    assert_eq!(token.expires_in, 3600);

    for name in [
        "account-create-request-10011.json",
        "account-create-request-10013.json",
        "account-update-request-10013.json",
    ] {
        let request: types::AccountRequest = typed(name, "AccountRequest");
        assert!(matches!(
            request.workflow_definition.key.get(),
            10011 | 10013
        ));
    }

    for name in [
        "account-create-response-10011.json",
        "account-create-response-10013.json",
    ] {
        let response: types::AccountResponse = typed(name, "AccountResponse");
        let credentials = &response.workflow_execution.credentials;
        assert_eq!(credentials.len(), 3, "{name}");
        assert_eq!(credentials[0].id, "33333333-3333-3333-aaaaaaaaaaaa");
        assert_eq!(credentials[0].category, types::CredentialCategory::Id);
        assert_eq!(credentials[1].category, types::CredentialCategory::Selfie);
        assert_eq!(credentials[2].category, types::CredentialCategory::Facemap);
        assert!(credentials[2].api.is_none(), "FACEMAP has no API channel");
        let api = credentials[0].api.as_ref().expect("ID has the API channel");
        assert!(api.parts.contains_key("front") && api.parts.contains_key("back"));
    }

    let finalize: types::FinalizeResponse =
        typed("finalize-response-10011.json", "FinalizeResponse");
    assert_eq!(
        finalize.workflow_execution.id,
        "22222222-2222-2222-2222-aaaaaaaaaaaa"
    );

    let callback: types::CallbackPayload = typed("callback-example.json", "CallbackPayload");
    assert_eq!(
        callback.workflow_execution.status,
        types::WorkflowStatus::Processed
    );
    assert_eq!(
        callback.workflow_execution.definition_key.as_deref(),
        Some("3")
    );

    let status: types::WorkflowStatusResponse =
        typed("retrieval-status-example.json", "WorkflowStatusResponse");
    assert_eq!(
        status.workflow_execution.status,
        types::WorkflowStatus::Processed
    );

    let details: types::WorkflowExecutionDetails = typed(
        "retrieval-workflow-execution-10010.json",
        "WorkflowExecutionDetails",
    );
    let screening = &details
        .capabilities
        .expect("capabilities")
        .watchlist_screening[0];
    let data = screening.data.as_ref().expect("screening data");
    assert_eq!(
        data.search_status,
        Some(types::ScreeningSearchStatus::Success)
    );

    let prepared: types::PreparedData =
        typed("prepared-data-upload-request-10005.json", "PreparedData");
    assert_eq!(
        prepared.address.and_then(|a| a.country).as_deref(),
        Some("BRA")
    );

    let error: types::ErrorBody = typed("error-429-too-many-requests.json", "ErrorBody");
    assert_eq!(error.status, Some(429));
}

#[test]
fn examples_published_as_invalid_json_stay_invalid_and_are_corrected_in_the_spec() {
    // Jumio's published upload, steps and 10013 details examples are not valid JSON (missing
    // braces and commas, curly quotes). The spec carries corrected versions, covered by the
    // spec example tests; here we pin that the published ones really are broken.
    for name in [
        "upload-response-10011-front.txt",
        "retrieval-steps-10013.txt",
        "retrieval-workflow-execution-10013.txt",
    ] {
        assert!(
            serde_json::from_str::<Value>(&fixture_text(name)).is_err(),
            "{name} parses now"
        );
    }
}

/// The value of the example at `pointer` in the spec (a `$ref` to a component is followed).
fn spec_example(pointer: &str) -> Value {
    let example = support::spec()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no example at {pointer}"));
    support::resolve(example)["value"].clone()
}

#[test]
fn the_spec_carries_the_seed_bodies_verbatim() {
    let create = "/paths/~1api~1v1~1accounts/post";
    for (key, request, response) in [
        (
            "workflow10011",
            "account-create-request-10011.json",
            "account-create-response-10011.json",
        ),
        (
            "workflow10013",
            "account-update-request-10013.json",
            "account-create-response-10013.json",
        ),
    ] {
        let mut seed_request = fixture(request);
        if key == "workflow10013" {
            // The seed's 10013 creation request is the update request plus a token lifetime.
            seed_request["tokenLifetime"] = json!("5m");
        }
        assert_eq!(
            spec_example(&format!(
                "{create}/requestBody/content/application~1json/examples/{key}"
            )),
            seed_request,
            "{key} request"
        );
        assert_eq!(
            spec_example(&format!(
                "{create}/responses/200/content/application~1json/examples/{key}"
            )),
            fixture(response),
            "{key} response"
        );
    }
    let finalize =
        "/paths/~1api~1v1~1accounts~1{accountId}~1workflow-executions~1{workflowExecutionId}/put";
    assert_eq!(
        spec_example(&format!(
            "{finalize}/responses/200/content/application~1json/examples/finalized"
        )),
        fixture("finalize-response-10011.json")
    );
}

#[test]
fn values_the_spec_does_not_list_still_deserialise() {
    let mut details = fixture("retrieval-workflow-execution-10010.json");
    details["workflow"]["status"] = json!("UNDER_MANUAL_REVIEW");
    details["decision"]["type"] = json!("ESCALATED");
    details["decision"]["details"]["label"] = json!("NEEDS_SECOND_LOOK");
    details["decision"]["risk"]["score"] = json!(42.75);
    details["credentials"][0]["category"] = json!("BIOMETRIC_TEMPLATE");
    details["credentials"][0]["parts"][0]["classifier"] = json!("NFC_CHIP");
    details["capabilities"]["ageEstimation"] = json!([{
        "id": "9a11111-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        "decision": {"type": "PASSED", "details": {"label": "OK"}},
        "data": {"estimatedAge": 31}
    }]);
    details["capabilities"]["watchlistScreening"][0]["data"]["searchStatus"] = json!("QUEUED");
    details["someFutureField"] = json!({"nested": [1, 2, 3]});
    details["workflow"]["anotherNewField"] = json!(true);

    let parsed: types::WorkflowExecutionDetails =
        serde_json::from_value(details.clone()).expect("unknown values deserialise");
    assert_eq!(
        parsed.workflow.status,
        types::WorkflowStatus::Unknown("UNDER_MANUAL_REVIEW".into())
    );
    assert!(!parsed.workflow.status.is_known());
    let decision = parsed.decision.as_ref().expect("decision");
    assert_eq!(decision.type_.as_str(), "ESCALATED");
    assert_eq!(
        decision
            .details
            .as_ref()
            .and_then(|d| d.label.as_ref())
            .map(|l| l.as_str()),
        Some("NEEDS_SECOND_LOOK")
    );
    assert_eq!(
        parsed.credentials[0].parts[0].classifier.to_string(),
        "NFC_CHIP"
    );
    let capabilities = parsed.capabilities.as_ref().expect("capabilities");
    assert_eq!(
        capabilities.extra["ageEstimation"][0].decision.type_,
        types::DecisionType::Passed
    );
    assert_eq!(
        capabilities.watchlist_screening[0]
            .data
            .as_ref()
            .and_then(|d| d.search_status.clone()),
        Some(types::ScreeningSearchStatus::Unknown("QUEUED".into()))
    );

    // Unknown values serialise back unchanged.
    let back = serde_json::to_value(&parsed).expect("serialise");
    assert_eq!(back["workflow"]["status"], "UNDER_MANUAL_REVIEW");
    assert_eq!(
        back["capabilities"]["ageEstimation"][0]["data"]["estimatedAge"],
        31
    );

    // Jumio's malformed example ids are accepted everywhere.
    let mut status = fixture("retrieval-status-example.json");
    status["workflowExecution"]["id"] = json!("33333333-3333-3333-aaaaaaaaaaaa");
    status["workflowExecution"]["status"] = json!("ACQUIRED");
    let status: types::WorkflowStatusResponse =
        serde_json::from_value(status).expect("malformed ids deserialise");
    assert_eq!(
        status.workflow_execution.id,
        "33333333-3333-3333-aaaaaaaaaaaa"
    );
}

#[test]
fn a_10011_request_built_with_the_generated_builders_is_the_seed_request() {
    let request: types::AccountRequest = builder::AccountRequest::default()
        .customer_internal_reference("CUSTOMER_REFERENCE")
        .workflow_definition(
            builder::WorkflowDefinition::default()
                .key(10011_u64)
                .credentials(vec![
                    builder::CredentialFilter::default()
                        .category(types::CredentialFilterCategory::Id)
                        .type_(Some(
                            builder::DocumentTypeFilter::default()
                                .values(
                                    ["DRIVING_LICENSE", "ID_CARD", "PASSPORT"]
                                        .map(|v| v.parse().expect("document type"))
                                        .to_vec(),
                                )
                                .try_into()
                                .expect("type filter"),
                        ))
                        .country(Some(
                            builder::CountryFilter::default()
                                .values(vec![
                                    types::CountryCode::Usa,
                                    types::CountryCode::Can,
                                    types::CountryCode::Aut,
                                    types::CountryCode::Gbr,
                                ])
                                .try_into()
                                .expect("country filter"),
                        ))
                        .try_into()
                        .expect("credential filter"),
                ]),
        )
        .callback_url(Some("YOUR_CALLBACK_URL".parse().expect("callback url")))
        .user_reference(Some("YOUR_USER_REFERENCE".parse().expect("user reference")))
        .token_lifetime(Some("5m".parse().expect("token lifetime")))
        .web(Some(
            builder::WebSettings::default()
                .success_url(Some(
                    "https://www.yourcompany.com/success".parse().expect("url"),
                ))
                .error_url(Some(
                    "https://www.yourcompany.com/error".parse().expect("url"),
                ))
                .locale(Some(types::Locale::Es))
                .try_into()
                .expect("web settings"),
        ))
        .try_into()
        .expect("a complete request");

    assert_eq!(
        serde_json::to_value(&request).expect("serialise"),
        fixture("account-create-request-10011.json")
    );
}

/// Whether `value` parses into `T`.
fn parses<T: FromStr>(value: &str) -> bool {
    value.parse::<T>().is_ok()
}

#[test]
fn the_generated_types_enforce_the_documented_limits() {
    type Reference = types::AccountRequestCustomerInternalReference;
    type Lifetime = types::AccountRequestTokenLifetime;
    type Parses = fn(&str) -> bool;
    let longest: [(&str, Parses, usize); 3] = [
        ("customerInternalReference", parses::<Reference>, 100),
        (
            "callbackUrl",
            parses::<types::AccountRequestCallbackUrl>,
            255,
        ),
        (
            "reportingCriteria",
            parses::<types::AccountRequestReportingCriteria>,
            255,
        ),
    ];
    for (field, parses, max) in longest {
        assert!(parses(&"a".repeat(max)), "{field} of {max} characters");
        assert!(!parses(&"a".repeat(max + 1)), "{field} of {max} + 1");
    }
    assert!(!parses::<Reference>(""));
    for forbidden in ["<", ">", "\"", "/", ";", "`", "%", "{", "}", "|"] {
        assert!(
            !parses::<Reference>(&format!("ref{forbidden}1")),
            "{forbidden} is accepted"
        );
    }
    for ok in [
        "5m", "300s", "1h", "30m", "60d", "1440h", "86400m", "5184000s", "+10m", "05m",
    ] {
        assert!(parses::<Lifetime>(ok), "{ok}");
    }
    for bad in [
        "4m", "299s", "61d", "1441h", "86401m", "5184001s", "-5m", "5", "m", "5 m", "1w",
    ] {
        assert!(!parses::<Lifetime>(bad), "{bad}");
    }
    assert!(!parses::<types::CountryCode>("XYZ"));
    assert!(!parses::<types::CountryCode>("usa"));
    assert!(parses::<types::Locale>("pt-BR"));
    assert!(!parses::<types::Locale>("pt-PT"));

    // The same limits, as the spec states them, reject the same values.
    let mut request = fixture("account-create-request-10011.json");
    request["customerInternalReference"] = json!("order|42");
    request["tokenLifetime"] = json!("61d");
    request["workflowDefinition"]["credentials"][0]["country"]["values"] = json!(["XYZ"]);
    let errors = support::schema_errors(
        &json!({"$ref": "#/components/schemas/AccountRequest"}),
        &request,
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
}
