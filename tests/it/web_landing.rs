//! The landing of a Web journey on `successUrl` / `errorUrl`: Jumio's documented example landings,
//! hostile ones (injection, huge, unicode, repeated parameters), and its confirmation against the
//! sandbox.

use jumio_kyx_test_support as support;

use jumio_kyx::generated::types::WorkflowStatus;
use jumio_kyx::{
    AcquisitionStatus, Error, Landing, LandingError, Retry, WebErrorCode, WebSettings, Workflow,
    WorkflowRequest,
};
use support::Rng;
use support::flow::{client, images, sandbox, wait};

const ACCOUNT: &str = "11111111-2222-4333-8444-555555555555";
const EXECUTION: &str = "66666666-7777-4888-9999-000000000000";

/// The five parameters Jumio documents for KYX, as its Web client appends them to the success
/// URL (`URLSearchParams.append`: spaces as `+`, the rest percent-encoded).
fn documented(status: &str, reference: &str, error_code: Option<u32>) -> String {
    let mut url = format!(
        "https://www.yourcompany.com/success/?accountId={ACCOUNT}&workflowExecutionId={EXECUTION}\
         &acquisitionStatus={status}&customerInternalReference={reference}"
    );
    if let Some(code) = error_code {
        url.push_str(&format!("&errorCode={code}"));
    }
    url
}

#[test]
fn the_documented_success_landing() {
    let landing = Landing::from_url(&documented("SUCCESS", "YOUR_REF", None)).unwrap();
    assert_eq!(landing.account_id(), ACCOUNT);
    assert_eq!(landing.workflow_execution_id(), EXECUTION);
    assert_eq!(landing.acquisition_status(), &AcquisitionStatus::Success);
    assert!(landing.is_success());
    assert_eq!(landing.customer_internal_reference(), "YOUR_REF");
    assert_eq!(landing.error_code(), None);
    let query = documented("SUCCESS", "YOUR_REF", None)
        .split_once('?')
        .unwrap()
        .1
        .to_owned();
    assert_eq!(Landing::from_query(&query).unwrap(), landing);
    assert_eq!(Landing::from_query(&format!("?{query}")).unwrap(), landing);
}

#[test]
fn every_documented_error_code_lands_with_its_meaning() {
    for code in [
        9100, 9200, 9210, 9300, 9400, 9800, 9801, 9810, 9820, 9821, 9822, 9835, 9836,
    ] {
        let url = documented("ERROR", "YOUR_REF", Some(code)).replace("/success/", "/error/");
        let landing = Landing::from_url(&url).unwrap();
        assert_eq!(landing.acquisition_status(), &AcquisitionStatus::Error);
        let parsed = landing.error_code().unwrap();
        assert_eq!(parsed.code(), code);
        assert!(
            WebErrorCode::DOCUMENTED.contains(&parsed),
            "{code} is named"
        );
        assert!(!parsed.meaning().is_empty());
    }
    let meaning = |code: u32| WebErrorCode::from_code(code).meaning();
    assert!(meaning(9200).contains("token"));
    assert!(meaning(9210).contains("timed out"));
    assert!(meaning(9835).contains("Three submissions"));
    assert!(meaning(9820).contains("camera"));
    assert_eq!(WebErrorCode::from_code(9210).retry(), Retry::NewExecution);
    assert_eq!(WebErrorCode::from_code(9835).retry(), Retry::AttemptsUsedUp);
    assert_eq!(WebErrorCode::from_code(9800).retry(), Retry::Yes);
    assert_eq!(WebErrorCode::from_code(9836).retry(), Retry::NotDocumented);
}

#[test]
fn an_undocumented_code_and_status_are_kept_not_refused() {
    let landing = Landing::from_url(
        &documented("ERROR", "r", Some(9301)).replace("ERROR", "CANCELLED_BY_USER"),
    )
    .unwrap();
    assert_eq!(landing.acquisition_status().as_str(), "CANCELLED_BY_USER");
    assert!(matches!(
        landing.acquisition_status(),
        AcquisitionStatus::Unknown(_)
    ));
    let code = landing.error_code().unwrap();
    assert!(matches!(code, WebErrorCode::Unknown(unknown) if unknown.code() == 9301));
    assert_eq!(code.retry(), Retry::NotDocumented);
    assert!(!code.user_can_retry());
}

#[test]
fn the_url_of_your_own_keeps_its_parameters_and_fragment() {
    let landing = Landing::from_url(
        "https://shop.example.com/kyc?step=done&lang=de&accountId=11111111-2222-4333-8444-555555555555\
         &workflowExecutionId=66666666-7777-4888-9999-000000000000&acquisitionStatus=SUCCESS\
         &customerInternalReference=order-4711&transactionStatus=SUCCESS#top",
    )
    .unwrap();
    assert_eq!(landing.customer_internal_reference(), "order-4711");
}

/// What `@jumio/websdk` 0.4.0 appends: the legacy aliases beside the KYX names, and an
/// alphanumeric `publicErrorCode` instead of the numeric code.
#[test]
fn the_web_sdk_form_with_aliases_and_a_public_error_code() {
    let landing = Landing::from_url(&format!(
        "https://shop.example.com/error?accountId={ACCOUNT}&workflowExecutionId={EXECUTION}\
         &transactionReference={EXECUTION}&acquisitionStatus=ERROR&transactionStatus=ERROR\
         &customerInternalReference=order-4711&publicErrorCode=J000000"
    ))
    .unwrap();
    assert_eq!(landing.error_code(), None);
    assert_eq!(landing.public_error_code(), Some("J000000"));
    for bad in ["J00000", "j000000", "J0000000", "JA00000", "<J000000>"] {
        let error = Landing::from_url(&format!(
            "https://x.example/e?accountId={ACCOUNT}&workflowExecutionId={EXECUTION}\
             &acquisitionStatus=ERROR&customerInternalReference=r&publicErrorCode={bad}"
        ))
        .unwrap_err();
        assert_eq!(error.parameter(), Some("publicErrorCode"), "{bad}");
    }
}

/// The legacy Netverify sample names no account: it is not a KYX landing.
#[test]
fn the_legacy_netverify_sample_is_not_a_kyx_landing() {
    let error = Landing::from_url(
        "https://www.yourcompany.com/success/?transactionStatus=SUCCESS\
         &customerInternalReference=YOUR_REF&transactionReference=xxxxxxxx-xxxx",
    )
    .unwrap_err();
    assert_eq!(
        error,
        LandingError::Missing {
            parameter: "accountId"
        }
    );
    assert_eq!(
        error.to_string(),
        "the landing has no accountId parameter; Jumio always sends it"
    );
}

#[test]
fn every_missing_parameter_is_named() {
    let full = documented("SUCCESS", "r", None);
    for parameter in [
        "accountId",
        "workflowExecutionId",
        "acquisitionStatus",
        "customerInternalReference",
    ] {
        let start = full.find(&format!("{parameter}=")).unwrap();
        let end = full[start..].find('&').map_or(full.len(), |i| start + i);
        let without = format!("{}{}", &full[..start], &full[end..]);
        let error = Landing::from_url(&without).unwrap_err();
        assert_eq!(error, LandingError::Missing { parameter }, "{without}");
    }
    assert_eq!(
        Landing::from_query("").unwrap_err().parameter(),
        Some("accountId")
    );
    assert_eq!(
        Landing::from_url("https://shop.example.com/done")
            .unwrap_err()
            .parameter(),
        Some("accountId")
    );
}

#[test]
fn a_repeated_parameter_is_ambiguous_however_it_is_spelled() {
    let base = documented("SUCCESS", "r", None);
    for (extra, parameter, count) in [
        (
            "&accountId=99999999-0000-0000-0000-000000000000",
            "accountId",
            2,
        ),
        ("&acquisitionStatus=ERROR", "acquisitionStatus", 2),
        ("&acquisitionStatus=SUCCESS", "acquisitionStatus", 2),
        (
            "&customerInternalReference=r&customerInternalReference=s",
            "customerInternalReference",
            3,
        ),
        ("&workflowExecution%49d=x", "workflowExecutionId", 2),
        ("&accountId", "accountId", 2),
    ] {
        let error = Landing::from_url(&format!("{base}{extra}")).unwrap_err();
        assert_eq!(
            error,
            LandingError::Repeated { parameter, count },
            "{extra}"
        );
        assert!(error.to_string().contains("ambiguous"));
    }
    let error = Landing::from_url(&format!(
        "{}&errorCode=9100&errorCode=9200",
        documented("ERROR", "r", None)
    ))
    .unwrap_err();
    assert_eq!(error.parameter(), Some("errorCode"));
}

#[test]
fn an_error_code_on_a_success_landing_is_refused() {
    let error = Landing::from_url(&documented("SUCCESS", "r", Some(9100))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the landing's errorCode comes with acquisitionStatus SUCCESS; Jumio sends an error code \
         only with ERROR"
    );
}

/// Ids and values that would reach a URL path, a query, HTML or a log line are refused, with the
/// parameter named and the value not repeated.
#[test]
fn injected_values_are_refused_without_repeating_them() {
    let encode = |value: &str| {
        value
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    };
    let cases: [(&str, &str, &str); 10] = [
        ("accountId", "../../admin", "not an id of Jumio's form"),
        ("accountId", "a/b?x=1", "not an id of Jumio's form"),
        (
            "workflowExecutionId",
            "x' OR '1'='1",
            "not an id of Jumio's form",
        ),
        ("workflowExecutionId", "a\r\nSet-Cookie: x", "not an id"),
        (
            "customerInternalReference",
            "<script>alert(1)</script>",
            "forbids",
        ),
        ("customerInternalReference", "a\u{0}b", "U+0000"),
        ("customerInternalReference", "order\u{202E}1174", "U+202E"),
        (
            "customerInternalReference",
            "\u{FF1C}b\u{FF1E}",
            "a form of '<'",
        ),
        ("acquisitionStatus", "SUCCESS<img src=x>", "not a status"),
        ("errorCode", "9100;DROP TABLE", "not a number"),
    ];
    for (parameter, value, reason) in cases {
        let url = documented("ERROR", "r", None);
        let start = url
            .find(&format!("{parameter}="))
            .map(|i| i + parameter.len() + 1);
        let url = match start {
            Some(start) => {
                let end = url[start..].find('&').map_or(url.len(), |i| start + i);
                format!("{}{}{}", &url[..start], encode(value), &url[end..])
            }
            None => format!("{url}&{parameter}={}", encode(value)),
        };
        let error = Landing::from_url(&url).unwrap_err();
        assert_eq!(error.parameter(), Some(parameter), "{value:?}");
        let message = error.to_string();
        assert!(message.contains(reason), "{value:?}: {message}");
        if value.len() > 3 {
            assert!(!message.contains(value), "{message} repeats {value:?}");
        }
    }
}

#[test]
fn unicode_references_within_the_rules_are_kept() {
    for reference in ["注文-4711", "ordér 42", "Ümlaut_ß", "🙂-1"] {
        let encoded: String = reference
            .bytes()
            .map(|b| {
                if b == b' ' {
                    "+".to_owned()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let landing = Landing::from_url(&documented("SUCCESS", &encoded, None)).unwrap();
        assert_eq!(landing.customer_internal_reference(), reference);
    }
    let long = "é".repeat(101);
    let error = Landing::from_query(&format!(
        "accountId={ACCOUNT}&workflowExecutionId={EXECUTION}&acquisitionStatus=SUCCESS\
         &customerInternalReference={long}"
    ))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the landing's customerInternalReference is 101 characters long; Jumio accepts at most 100"
    );
}

#[test]
fn huge_landings_are_refused_before_they_are_read() {
    let huge = format!(
        "{}&padding={}",
        documented("SUCCESS", "r", None),
        "a".repeat(jumio_kyx::web::MAX_LANDING_QUERY_BYTES)
    );
    let error = Landing::from_url(&huge).unwrap_err();
    assert!(
        matches!(error, LandingError::TooLong { max: 8192, .. }),
        "{error}"
    );
    assert_eq!(error.parameter(), None);
    let long_id = format!(
        "accountId={}&workflowExecutionId={EXECUTION}&acquisitionStatus=SUCCESS\
         &customerInternalReference=r",
        "a".repeat(65)
    );
    assert_eq!(
        Landing::from_query(&long_id).unwrap_err().to_string(),
        "the landing's accountId is not an id of Jumio's form (1 to 64 ASCII letters, digits and \
         '-'; this one has 65 characters)"
    );
    assert!(Landing::from_url("not a url").is_err());
}

#[test]
fn random_queries_never_panic() {
    let mut rng = Rng::new(0x1a2d_1a2d);
    let alphabet: Vec<char> = "aA0=&%+?#-_ \u{e9}\u{202e}\u{0}<>;/accountIdworkflowExecutionId"
        .chars()
        .collect();
    for _ in 0..2000 {
        let length = rng.below(200);
        let query: String = (0..length)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let _ = Landing::from_query(&query);
        let _ = Landing::from_url(&format!("https://x.example/?{query}"));
    }
}

#[test]
fn debug_hides_the_reference() {
    let landing = Landing::from_url(&documented("SUCCESS", "jane.doe-4711", None)).unwrap();
    let debug = format!("{landing:?}");
    assert!(!debug.contains("jane.doe"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains(EXECUTION), "{debug}");
}

fn landing_of(account: &str, execution: &str, status: &str, reference: &str) -> Landing {
    Landing::from_query(&format!(
        "accountId={account}&workflowExecutionId={execution}&acquisitionStatus={status}\
         &customerInternalReference={reference}"
    ))
    .unwrap()
}

#[tokio::test]
async fn a_landing_is_confirmed_by_jumio_not_believed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "web-confirm").web(
        WebSettings::default()
            .success_url("https://shop.example.com/done")
            .error_url("https://shop.example.com/failed"),
    );
    let session = client.create_account(&request).await.unwrap();
    let (account, execution) = (session.account_id(), session.workflow_execution_id());

    // A SUCCESS typed by the user before the journey: Jumio says INITIATED.
    let typed = landing_of(account, execution, "SUCCESS", "web-confirm");
    let confirmed = client.confirm_landing(&typed).await.unwrap();
    assert_eq!(confirmed.status(), &WorkflowStatus::Initiated);
    assert!(!confirmed.is_acquired());
    assert!(confirmed.result().is_none());
    assert_eq!(confirmed.ids(), typed.ids());

    // Ids of Jumio's form that do not belong together.
    let other = client
        .create_account(&WorkflowRequest::new(Workflow::IdAndIdentity, "web-other"))
        .await
        .unwrap();
    for (account, execution) in [
        (other.account_id(), execution),
        (account, other.workflow_execution_id()),
        (account, "00000000-0000-0000-0000-000000000000"),
    ] {
        let forged = landing_of(account, execution, "SUCCESS", "web-confirm");
        let error = client.confirm_landing(&forged).await.unwrap_err();
        assert!(
            matches!(&error, Error::LandingMismatch { reason } if reason.contains("404")),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .starts_with("the landing does not match Jumio's record"),
            "{error}"
        );
    }

    // A processed execution: the result comes with the confirmation, and the reference counts.
    let result = client
        .verify(
            &WorkflowRequest::new(Workflow::IdAndIdentity, "web-processed"),
            images(),
            wait(),
            |_| {},
        )
        .await
        .unwrap();
    let real = landing_of(
        result.account_id(),
        result.workflow_execution_id(),
        "SUCCESS",
        "web-processed",
    );
    let confirmed = client.confirm_landing(&real).await.unwrap();
    assert_eq!(confirmed.status(), &WorkflowStatus::Processed);
    assert!(confirmed.is_acquired());
    assert_eq!(
        confirmed.result().unwrap().workflow_execution_id(),
        result.workflow_execution_id()
    );
    let relabelled = landing_of(
        result.account_id(),
        result.workflow_execution_id(),
        "SUCCESS",
        "someone-else",
    );
    let error = client.confirm_landing(&relabelled).await.unwrap_err();
    assert!(
        matches!(&error, Error::LandingMismatch { reason } if reason.contains("customerInternalReference")),
        "{error}"
    );
    assert!(!error.to_string().contains("someone-else"), "{error}");
    sandbox.shutdown().await;
}
