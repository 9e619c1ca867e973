//! The Web journey over plain HTTP, without a browser: the pages and forms at `web.href`, the
//! states and callbacks they lead to, the way back to the account's URLs, and the journey's
//! security (token, CSRF, cross-site submissions, headers, escaping).

use std::time::{Duration, Instant};

use jumio_kyx::generated::types::{AccountResponse, WorkflowExecutionDetails};
use jumio_kyx_sandbox::{SandboxConfig, WorkflowDefinition};
use jumio_kyx_test_support::http::{Api, DEADLINE, Receiver, read_ok, seed_request};
use jumio_kyx_test_support::web::{Action, Driver, End, Form, Journey, Page, Response};
use jumio_kyx_test_support::{images, sample_bytes};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An account created for the journey: its ids and `web.href`.
struct Opened {
    account: String,
    execution: String,
    href: String,
}

impl Opened {
    async fn create(api: &Api, body: &Value) -> Self {
        let response: AccountResponse = read_ok(api.create(body).await, "AccountResponse").await;
        Self::of(response)
    }

    fn of(response: AccountResponse) -> Self {
        let href = response
            .web
            .and_then(|web| web.href)
            .expect("the answer has web.href");
        Self {
            account: response.account.id,
            execution: response.workflow_execution.id,
            href,
        }
    }

    fn execution_url(&self, api: &Api) -> String {
        api.url(&format!(
            "/api/v1/accounts/{}/workflow-executions/{}",
            self.account, self.execution
        ))
    }

    async fn status(&self, api: &Api) -> String {
        let status: Value = read_ok(
            api.get(&format!("{}/status", self.execution_url(api)))
                .await,
            "WorkflowStatusResponse",
        )
        .await;
        status["workflowExecution"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn wait_for(&self, api: &Api, wanted: &str) {
        let start = Instant::now();
        loop {
            let status = self.status(api).await;
            if status == wanted {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "status is {status} after {DEADLINE:?}, wanted {wanted}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn details(&self, api: &Api) -> WorkflowExecutionDetails {
        read_ok(
            api.get(&self.execution_url(api)).await,
            "WorkflowExecutionDetails",
        )
        .await
    }
}

/// The seed's 10011 request (ID filter with several types and countries, redirect URLs, locale
/// `es`) with `reference`, `callback` and the web settings replaced by `web`.
fn request(key: u64, reference: &str, callback: Option<&str>, web: Option<Value>) -> Value {
    let mut body = seed_request(key, callback);
    body["customerInternalReference"] = json!(reference);
    match web {
        Some(web) => body["web"] = web,
        None => {
            body.as_object_mut().expect("object").remove("web");
        }
    }
    body
}

fn redirect_web() -> Value {
    json!({
        "successUrl": "https://shop.example.com/kyc/done?step=2",
        "errorUrl": "https://shop.example.com/kyc/failed",
        "locale": "en",
    })
}

fn pairs(end: &End) -> Vec<(String, String)> {
    end.redirect_parameters()
}

/// The parameters Jumio appends to the account's URL for the journey of `opened`, with
/// `errorCode` on error, in order.
fn parameters(opened: &Opened, reference: &str, error_code: Option<&str>) -> Vec<(String, String)> {
    let status = if error_code.is_some() {
        "ERROR"
    } else {
        "SUCCESS"
    };
    [
        ("accountId", opened.account.as_str()),
        ("workflowExecutionId", opened.execution.as_str()),
        ("acquisitionStatus", status),
        ("customerInternalReference", reference),
    ]
    .into_iter()
    .chain(error_code.map(|code| ("errorCode", code)))
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

#[tokio::test]
async fn the_10011_journey_is_processed_with_its_callback_and_redirect() {
    let (api, receiver, opened) = with_callbacks(Duration::from_secs(900), "order-4711").await;
    let base = api.sandbox.base_url();
    assert!(
        opened
            .href
            .starts_with(&format!("{base}/web/client?baseUrl=")),
        "{}",
        opened.href
    );

    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");

    assert_eq!(end.acquisition_status, "SUCCESS");
    assert_eq!(end.error_code, None);
    assert_eq!(
        end.steps(),
        [
            "consent",
            "document-type",
            "id-front",
            "id-back",
            "selfie",
            "finish",
            "end"
        ]
    );
    let redirect = end.redirect.clone().expect("a redirect to the success URL");
    assert!(
        redirect.starts_with("https://shop.example.com/kyc/done?"),
        "{redirect}"
    );
    // The URL's own parameter first, then Jumio's.
    let mut expected = vec![("step".to_owned(), "2".to_owned())];
    expected.extend(parameters(&opened, "order-4711", None));
    assert_eq!(pairs(&end), expected);
    opened.wait_for(&api, "PROCESSED").await;
    let callbacks = receiver.wait_for(&opened.execution, "PROCESSED").await;
    let ours: Vec<&Value> = callbacks
        .iter()
        .filter(|c| c["workflowExecution"]["id"] == opened.execution.as_str())
        .collect();
    let statuses: Vec<&str> = ours
        .iter()
        .filter_map(|c| c["workflowExecution"]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ACQUIRED", "PROCESSED"], "{ours:#?}");
    assert!(
        ours.iter()
            .all(|c| c["account"]["id"] == opened.account.as_str())
    );

    let details = opened.details(&api).await;
    let decision = serde_json::to_value(&details.decision).expect("JSON");
    assert_eq!(decision["type"], "PASSED", "{decision}");
    let consent = serde_json::to_value(&details.consent).expect("JSON");
    assert_eq!(consent["obtained"], "yes", "{consent}");
    let credentials = serde_json::to_value(&details.credentials).expect("JSON");
    for credential in credentials.as_array().expect("credentials") {
        assert_eq!(
            credential["consent"]["collectedBy"], "JUMIO",
            "{credential}"
        );
    }
    let categories: Vec<&str> = credentials
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(|c| c["category"].as_str())
        .collect();
    assert!(categories.contains(&"ID") && categories.contains(&"SELFIE"));
}

/// A sandbox with a short processing delay and a quick sweep, for expiry.
async fn quick(session_timeout: Duration) -> Api {
    Api::start_with(SandboxConfig {
        processing_delay: Duration::from_millis(30),
        sweep_interval: Duration::from_millis(25),
        session_timeout,
        ..SandboxConfig::default()
    })
    .await
}

/// A quick sandbox (`session_timeout`), a callback receiver, and a 10011 account of `reference`
/// with the redirect URLs, its callbacks going to the receiver.
async fn with_callbacks(session_timeout: Duration, reference: &str) -> (Api, Receiver, Opened) {
    let api = quick(session_timeout).await;
    let receiver = Receiver::start().await;
    let body = request(10011, reference, Some(&receiver.url), Some(redirect_web()));
    let opened = Opened::create(&api, &body).await;
    (api, receiver, opened)
}

/// `href` with its `authorizationToken` replaced by `token`.
fn with_token(href: &str, token: &str) -> String {
    let mut url = url::Url::parse(href).expect("href is a URL");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, value)| {
            let value = if name == "authorizationToken" {
                token.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.into()
}

fn token_of(href: &str) -> String {
    url::Url::parse(href)
        .expect("href is a URL")
        .query_pairs()
        .find(|(name, _)| name == "authorizationToken")
        .map(|(_, value)| value.into_owned())
        .expect("a token")
}

#[tokio::test]
async fn a_link_whose_token_is_not_the_sandboxs_ends_with_9200_without_redirect() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "r-1", None, Some(redirect_web()))).await;
    let token = token_of(&opened.href);
    let (head, _signature) = token.rsplit_once('.').expect("a JWT");
    for forged in [
        format!("{head}.AAAA"),
        "not-a-token".to_owned(),
        String::new(),
    ] {
        let end = Journey::with_samples()
            .run(&with_token(&opened.href, &forged))
            .await
            .expect("journey");
        assert_eq!(end.acquisition_status, "ERROR", "{forged}");
        assert_eq!(end.error_code, Some(9200));
        // Nothing says which account the link was for: no redirect, the page tells.
        assert_eq!(end.redirect, None);
        assert!(end.text.contains("9200"), "{}", end.text);
    }
}

#[tokio::test]
async fn another_token_of_the_execution_ends_with_9200_on_the_error_url() {
    let api = Api::start().await;
    let response: AccountResponse = read_ok(
        api.create(&request(10011, "r-2", None, Some(redirect_web())))
            .await,
        "AccountResponse",
    )
    .await;
    let sdk_token = response
        .sdk
        .clone()
        .and_then(|sdk| sdk.token)
        .expect("an SDK token");
    let opened = Opened::of(response);
    let end = Journey::with_samples()
        .run(&with_token(&opened.href, &sdk_token))
        .await
        .expect("journey");
    assert_eq!(end.error_code, Some(9200));
    assert_eq!(pairs(&end), parameters(&opened, "r-2", Some("9200")));
    assert!(
        end.redirect
            .as_deref()
            .is_some_and(|r| r.starts_with("https://shop.example.com/kyc/failed?"))
    );
    assert_eq!(opened.status(&api).await, "INITIATED");
}

#[tokio::test]
async fn an_expired_token_ends_with_9200_and_token_expired() {
    let (api, receiver, opened) = with_callbacks(Duration::from_secs(900), "short #expire").await;
    receiver.wait_for(&opened.execution, "TOKEN_EXPIRED").await;
    assert_eq!(opened.status(&api).await, "TOKEN_EXPIRED");
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.error_code, Some(9200));
    assert_eq!(end.steps(), ["end"]);
    assert!(pairs(&end).contains(&("errorCode".to_owned(), "9200".to_owned())));
}

#[tokio::test]
async fn a_journey_left_alone_expires_its_session_with_9210() {
    let (api, receiver, opened) = with_callbacks(Duration::from_millis(300), "idle").await;
    // Opening the link starts no session: only the first form sent does.
    let first = FirstForm::of(&api, &opened).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(opened.status(&api).await, "INITIATED");
    assert_eq!(first.form.step.as_deref(), Some("consent"));
    assert_eq!(first.send(None).await.status, StatusCode::OK);
    receiver
        .wait_for(&opened.execution, "SESSION_EXPIRED")
        .await;
    assert_eq!(opened.status(&api).await, "SESSION_EXPIRED");
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.error_code, Some(9210));
    assert_eq!(
        pairs(&end).last(),
        Some(&("errorCode".to_owned(), "9210".to_owned()))
    );
    let details = opened.details(&api).await;
    let decision = serde_json::to_value(&details.decision).expect("JSON");
    assert_eq!(
        decision["details"]["label"], "SESSION_EXPIRED",
        "{decision}"
    );
}

#[tokio::test]
async fn the_session_timeout_is_reset_by_every_accepted_action() {
    let api = quick(Duration::from_millis(600)).await;
    let opened = Opened::create(&api, &request(10011, "slow", None, None)).await;
    let driver = Driver::new().expect("driver");
    let mut page = Page::parse(&driver.get(&opened.href).await.expect("GET")).expect("page");
    let files = [
        ("FRONT", sample_bytes("id-front.jpg")),
        ("BACK", sample_bytes("id-back.jpg")),
        ("FACE", sample_bytes("selfie.jpg")),
    ];
    // Each step is sent 400 ms after the last: more than the timeout in all, less each time.
    while page.step.as_deref() != Some("finish") {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let form = page.form.clone().expect("a form");
        let uploads = form
            .files
            .iter()
            .map(|name| {
                let (_, bytes) = files.iter().find(|(n, _)| n == name).expect("a file");
                (name.clone(), bytes.clone(), "image.jpg".to_owned())
            })
            .collect();
        let answer = driver
            .post_form(&api.url(&form.action), form.fields.clone(), uploads, None)
            .await
            .expect("POST");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        page = Page::parse(&answer).expect("page");
    }
    assert_eq!(opened.status(&api).await, "INITIATED");
}

#[tokio::test]
async fn the_pages_are_secured_and_framable_by_loopback_pages() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "headers", None, None)).await;
    let driver = Driver::new().expect("driver");
    let first = driver.get(&opened.href).await.expect("GET");
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    let end_page = driver.get(&end.url).await.expect("end page");
    for answer in [&first, &end_page] {
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(header("content-type"), "text/html; charset=utf-8");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("cache-control"), "no-store");
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert!(header("x-frame-options").is_empty());
        let policy = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "img-src 'self' blob:",
            "form-action 'self'",
            "frame-ancestors 'self' http://127.0.0.1:* http://localhost:* http://[::1]:*",
        ] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let page = Page::parse(answer).expect("page");
        assert!(!page.inline_script, "no inline script");
        assert_eq!(page.scripts, ["/web/client/assets/journey.js"]);
    }
    let script = driver
        .get(&api.url("/web/client/assets/journey.js"))
        .await
        .expect("script");
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/javascript"))
    );
    // Posted to the origin the page names, never to any origin ("*").
    assert!(
        script
            .body
            .contains("postMessage(JSON.stringify(event), origin)")
    );
    assert!(!script.body.contains('*'));
}

#[tokio::test]
async fn the_older_link_form_is_an_alias() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "alias", None, None)).await;
    let legacy = opened.href.replacen("/web/client?", "/web/v4/app?", 1);
    let end = Journey::with_samples().run(&legacy).await.expect("journey");
    assert_eq!(end.acquisition_status, "SUCCESS");
    // Without URLs on the account, the end page says the outcome itself.
    assert_eq!(end.redirect, None);
    assert!(end.text.contains("Thank you"), "{}", end.text);
    opened.wait_for(&api, "PROCESSED").await;
}

/// What the API channel answers for `bytes` uploaded as the ID front: its `400` detail.
async fn api_refusal(api: &Api, bytes: Vec<u8>) -> String {
    let created = api.created(&seed_request(10011, None)).await;
    let answer = api
        .upload(&created.front, &created.token, bytes, "front.jpg")
        .await;
    let error = jumio_kyx_test_support::http::error(answer, StatusCode::BAD_REQUEST).await;
    error.detail.expect("a detail")
}

#[tokio::test]
async fn a_refused_image_shows_the_apis_message_and_the_next_one_is_accepted() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "retry", None, None)).await;
    let not_an_image = b"GIF89a not a JPEG".to_vec();
    let too_small = images::png(200, 100);
    let end = Journey::new()
        .file("FRONT", not_an_image.clone())
        .file("FRONT", too_small.clone())
        .file("FRONT", sample_bytes("id-front.jpg"))
        .file("BACK", sample_bytes("id-back.jpg"))
        .file("FACE", sample_bytes("selfie.jpg"))
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.acquisition_status, "SUCCESS");
    let refused: Vec<(StatusCode, Option<String>)> = end
        .visited
        .iter()
        .filter(|v| v.alert.is_some())
        .map(|v| (v.status, v.step.clone()))
        .collect();
    assert_eq!(
        refused,
        [
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("id-front".to_owned())
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("id-front".to_owned())
            ),
        ]
    );
    let messages = end.refusals();
    for (message, bytes) in messages.iter().zip([not_an_image, too_small]) {
        let api_detail = api_refusal(&api, bytes).await;
        assert!(message.contains(&api_detail), "{message} / {api_detail}");
    }
    opened.wait_for(&api, "PROCESSED").await;
}

#[tokio::test]
async fn the_third_refused_submission_ends_the_journey_with_9835() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "bad", None, Some(redirect_web()))).await;
    let end = Journey::new()
        .file("FRONT", sample_bytes("id-front.jpg"))
        .file("BACK", b"not an image".to_vec())
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.acquisition_status, "ERROR");
    assert_eq!(end.error_code, Some(9835));
    assert_eq!(
        end.refusals().len(),
        2,
        "two refusals are shown, the third ends it"
    );
    assert_eq!(
        pairs(&end).last(),
        Some(&("errorCode".to_owned(), "9835".to_owned()))
    );
    // The journey is over: the link shows its end again.
    let again = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(again.error_code, Some(9835));
    assert_eq!(opened.status(&api).await, "INITIATED");
}

/// The request of workflow `key` for the journey: the seed's, without the ID filter when the
/// workflow has no ID credential.
fn workflow_request(key: u64, callback: Option<&str>) -> Value {
    let mut body = request(key, &format!("web-{key}"), callback, Some(redirect_web()));
    let has_id = jumio_kyx::workflows::lookup(key).is_some_and(|w| {
        w.credential(&jumio_kyx::generated::types::CredentialCategory::Id)
            .is_some()
    });
    if !has_id {
        body["workflowDefinition"]
            .as_object_mut()
            .expect("object")
            .remove("credentials");
    }
    body
}

#[tokio::test]
async fn every_workflow_the_web_channel_acquires_is_processed() {
    use jumio_kyx::generated::types::Channel;
    let api = quick(Duration::from_secs(900)).await;
    let receiver = Receiver::start().await;
    let web_workflows: Vec<&jumio_kyx::workflows::WorkflowInfo> = jumio_kyx::workflows::WORKFLOWS
        .iter()
        .filter(|w| {
            w.credentials
                .iter()
                .all(|c| c.existing || c.channels.contains(&Channel::Web))
        })
        .collect();
    let keys: Vec<u64> = web_workflows.iter().map(|w| w.key).collect();
    assert!(keys.contains(&10011) && keys.contains(&10014), "{keys:?}");
    for workflow in web_workflows {
        let key = workflow.key;
        let opened = if workflow.existing_account {
            // On an account that went through 10011 first.
            let first = Opened::create(&api, &workflow_request(10011, None)).await;
            let end = Journey::with_samples()
                .run(&first.href)
                .await
                .expect("journey");
            assert_eq!(end.acquisition_status, "SUCCESS");
            first.wait_for(&api, "PROCESSED").await;
            let response: AccountResponse = read_ok(
                api.update(&first.account, &workflow_request(key, Some(&receiver.url)))
                    .await,
                "AccountResponse",
            )
            .await;
            Opened::of(response)
        } else {
            Opened::create(&api, &workflow_request(key, Some(&receiver.url))).await
        };
        let end = Journey::with_samples()
            .run(&opened.href)
            .await
            .unwrap_or_else(|e| panic!("workflow {key}: {e}"));
        assert_eq!(
            end.acquisition_status, "SUCCESS",
            "workflow {key}: {}",
            end.text
        );
        let steps = end.steps();
        let has = |category: &str| {
            workflow
                .credentials
                .iter()
                .any(|c| c.category.to_string() == category && !c.existing)
        };
        assert_eq!(
            steps.contains(&"id-front".to_owned()),
            has("ID"),
            "{key}: {steps:?}"
        );
        assert_eq!(
            steps.contains(&"selfie".to_owned()),
            has("SELFIE"),
            "{key}: {steps:?}"
        );
        assert_eq!(
            steps.contains(&"consent".to_owned()),
            has("SELFIE"),
            "{key}: {steps:?}"
        );
        assert_eq!(steps.last().map(String::as_str), Some("end"));
        receiver.wait_for(&opened.execution, "PROCESSED").await;
        assert_eq!(opened.status(&api).await, "PROCESSED", "workflow {key}");
    }
}

#[tokio::test]
async fn a_workflow_with_credentials_the_web_channel_cannot_acquire_ends_with_9100() {
    let api = Api::start().await;
    // 10163's DATA credential is uploaded through the API only.
    let opened = Opened::create(&api, &workflow_request(10163, None)).await;
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.error_code, Some(9100));
    assert_eq!(opened.status(&api).await, "INITIATED");
}

#[tokio::test]
async fn a_tenant_workflow_acquires_a_document_through_the_web_channel() {
    let definitions = WorkflowDefinition::parse(
        r#"{"workflows":[{"key":90001,"name":"Document by Web","capabilities":["usability"],
            "credentials":[{"category":"DOCUMENT","channels":["WEB"]}]}]}"#,
    )
    .expect("valid definitions");
    let api = Api::start_with(SandboxConfig {
        processing_delay: Duration::from_millis(30),
        workflows: definitions,
        ..SandboxConfig::default()
    })
    .await;
    let body = json!({
        "customerInternalReference": "statement-1",
        "workflowDefinition": {
            "key": 90001,
            "credentials": [{
                "category": "DOCUMENT",
                "type": {"values": ["BANK_STATEMENT"]},
                "country": {"values": ["USA"]},
            }],
        },
    });
    let opened = Opened::create(&api, &body).await;
    let driver = Driver::new().expect("driver");
    let first = Page::parse(&driver.get(&opened.href).await.expect("GET")).expect("page");
    let form = first.form.expect("a form");
    assert_eq!(form.step.as_deref(), Some("document-upload"));
    assert_eq!(form.files, ["DOCUMENT"]);
    assert_eq!(
        form.accepts["DOCUMENT"],
        "image/jpeg,image/png,application/pdf"
    );
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let end = Journey::new()
        .file("DOCUMENT", pdf)
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.acquisition_status, "SUCCESS");
    assert_eq!(end.steps(), ["document-upload", "finish", "end"]);
    opened.wait_for(&api, "PROCESSED").await;
    let details = opened.details(&api).await;
    let credentials = serde_json::to_value(&details.credentials).expect("JSON");
    assert_eq!(
        credentials[0]["parts"][0]["classifier"], "DOCUMENT",
        "{credentials}"
    );
}

#[tokio::test]
async fn recorded_consent_and_fixed_document_skip_their_steps() {
    let api = Api::start().await;
    let mut body = request(10011, "fixed", None, None);
    body["workflowDefinition"]["credentials"] = json!([{
        "category": "ID",
        "type": {"predefinedType": "DEFINED", "values": ["PASSPORT"]},
        "country": {"predefinedType": "DEFINED", "values": ["FRA"]},
    }]);
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    body["userConsent"] = json!({
        "userIp": "203.0.113.7",
        "userLocation": {"country": "USA", "state": "IL"},
        "consent": {"obtained": "yes", "obtainedAt": yesterday.to_rfc3339()},
    });
    let opened = Opened::create(&api, &body).await;
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    // A passport has no back.
    assert_eq!(end.steps(), ["id-front", "selfie", "finish", "end"]);
    opened.wait_for(&api, "PROCESSED").await;
    let details = opened.details(&api).await;
    let credentials = serde_json::to_value(&details.credentials).expect("JSON");
    assert_eq!(credentials[0]["consent"]["collectedBy"], "CUSTOMER");
}

#[tokio::test]
async fn the_document_type_step_offers_the_filters_and_refuses_others() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "types", None, None)).await;
    let consent = FirstForm::of(&api, &opened).await;
    let answer = consent.send(None).await;
    let page = Page::parse(&answer).expect("page");
    let form = page.form.expect("a form");
    assert_eq!(form.step.as_deref(), Some("document-type"));
    // The seed's filter: its values, its first preselected.
    assert_eq!(form.options["country"], ["USA", "CAN", "AUT", "GBR"]);
    assert_eq!(
        form.options["type"],
        ["PASSPORT", "ID_CARD", "DRIVING_LICENSE"]
    );
    assert_eq!(form.field("country"), Some("USA"));
    assert_eq!(form.field("type"), Some("DRIVING_LICENSE"));
    let mut fields = form.fields.clone();
    for (name, value) in &mut fields {
        if name == "country" {
            *value = "DEU".to_owned();
        }
    }
    let refused = consent
        .driver
        .post_form(&api.url(&form.action), fields, Vec::new(), None)
        .await
        .expect("POST");
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = Page::parse(&refused).expect("page");
    assert!(refused.alert_is_error);
    assert!(
        refused
            .alert
            .as_deref()
            .is_some_and(|a| a.contains("country `DEU` is not one of the countries offered")),
        "{:?}",
        refused.alert
    );
    let end = Journey::with_samples()
        .country("CAN")
        .document_type("PASSPORT")
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(
        end.steps(),
        ["document-type", "id-front", "selfie", "finish", "end"]
    );
}

/// The first form of a journey, the absolute URL it is sent to, and a driver to send it with.
struct FirstForm {
    driver: Driver,
    form: Form,
    action: String,
}

impl FirstForm {
    async fn of(api: &Api, opened: &Opened) -> Self {
        let (driver, page) = first_page(&opened.href).await;
        let form = page.form.expect("a form");
        let action = api.url(&form.action);
        Self {
            driver,
            form,
            action,
        }
    }

    /// Sends the form as it is, from the page of `cross_origin` (`None`: the journey's own).
    async fn send(&self, cross_origin: Option<&str>) -> Response {
        self.send_fields(self.form.fields.clone(), cross_origin)
            .await
    }

    /// Sends `fields` instead of the form's.
    async fn send_fields(
        &self,
        fields: Vec<(String, String)>,
        cross_origin: Option<&str>,
    ) -> Response {
        self.driver
            .post_form(&self.action, fields, Vec::new(), cross_origin)
            .await
            .expect("POST")
    }
}

/// The first page of a journey and a driver to go on with.
async fn first_page(href: &str) -> (Driver, Page) {
    let driver = Driver::new().expect("driver");
    let page = Page::parse(&driver.get(href).await.expect("GET")).expect("page");
    (driver, page)
}

#[tokio::test]
async fn cross_site_submissions_are_refused() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "csrf", None, None)).await;
    let first = FirstForm::of(&api, &opened).await;
    let refused = first.send(Some("http://evil.example")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // With an `Origin` only, as older browsers send it.
    let with_origin = |origin: &'static str| {
        let multipart = first.form.fields.iter().fold(
            reqwest::multipart::Form::new(),
            |multipart, (name, value)| multipart.text(name.clone(), value.clone()),
        );
        reqwest::Client::new()
            .post(&first.action)
            .header("User-Agent", "Tests/1.0")
            .header("Origin", origin)
            .multipart(multipart)
            .send()
    };
    let origin_only = with_origin("http://localhost:1").await.expect("POST");
    assert_eq!(origin_only.status(), StatusCode::FORBIDDEN);
    // `Origin: null` (sent under the pages' no-referrer policy) with the CSRF token passes.
    let null_origin = with_origin("null").await.expect("POST");
    assert_eq!(null_origin.status(), StatusCode::OK);
    let next = null_origin.text().await.expect("body");
    let next = Page::parse_html(&first.action, StatusCode::OK, &next);
    assert_eq!(next.step.as_deref(), Some("document-type"));
    // The driver acting as another site's page is refused too, and says why.
    let error = Journey::with_samples()
        .from_origin("http://evil.example")
        .run(&opened.href)
        .await
        .expect_err("refused");
    let error = error.to_string();
    assert!(error.starts_with("/web/client answered 403"), "{error}");
    assert!(error.contains("verification link again"), "{error}");
    assert!(!error.contains(&token_of(&opened.href)), "{error}");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_not_counted() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "csrf", None, None)).await;
    let first = FirstForm::of(&api, &opened).await;
    let form = &first.form;
    let csrf = form.field("csrf").expect("a csrf field").to_owned();
    assert!(csrf.len() >= 32, "{csrf}");
    let without: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|(name, _)| name != "csrf")
        .cloned()
        .collect();
    let wrong: Vec<(String, String)> = form
        .fields
        .iter()
        .map(|(name, value)| {
            let value = if name == "csrf" {
                "x".repeat(43)
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect();
    for fields in [without.clone(), wrong, without] {
        let answer = first.send_fields(fields, None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        let page = Page::parse(&answer).expect("page");
        assert!(page.form.is_none());
    }
    // Three refusals of CSRF did not end the journey.
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.acquisition_status, "SUCCESS");
}

#[tokio::test]
async fn echoed_values_are_escaped() {
    let api = Api::start().await;
    let reference = "O'Brien & Co (x=1) ' onmouseover='alert(1)";
    let opened = Opened::create(&api, &request(10011, reference, None, Some(redirect_web()))).await;
    let hostile = opened.href.replacen(
        "locale=en",
        "locale=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&baseUrl=javascript%3Aalert(1)",
        1,
    );
    let driver = Driver::new().expect("driver");
    let first = driver.get(&hostile).await.expect("GET");
    assert!(!first.body.contains("<script>alert"), "{}", first.body);
    assert!(!first.body.contains("javascript:"), "{}", first.body);
    assert!(first.body.contains("O&#39;Brien &amp; Co") || first.body.contains("O'Brien &amp; Co"));
    let page = Page::parse(&first).expect("page");
    assert_eq!(page.lang, "en");
    assert_eq!(page.main_data["customer-internal-reference"], reference);
    assert_eq!(page.main_data["event"], "loaded");
    let end = Journey::with_samples()
        .run(&hostile)
        .await
        .expect("journey");
    let end_page = driver.get(&end.url).await.expect("end page");
    assert!(end_page.body.contains("&amp;"), "{}", end_page.body);
    assert!(!end_page.body.contains(reference));
    assert!(pairs(&end).contains(&("customerInternalReference".to_owned(), reference.to_owned())));
    // The end page's address is sealed: a changed one is refused, not shown.
    let forged = end.url.replacen("e=", "e=x", 1);
    let answer = driver.get(&forged).await.expect("GET");
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_pages_speak_the_links_locale_with_jumios_fallback() {
    let api = Api::start().await;
    let cases = [
        ("de", "de", "Ihre Einwilligung", "Vielen Dank"),
        ("fr-CA", "fr", "Votre consentement", "Merci"),
        ("es_MX", "es", "Su consentimiento", "Gracias"),
        ("pt-BR", "en", "Your consent", "Thank you"),
        ("xx", "en", "Your consent", "Thank you"),
    ];
    for (locale, lang, consent, thanks) in cases {
        let opened = Opened::create(&api, &request(10011, "lang", None, None)).await;
        let href = opened
            .href
            .replacen("locale=en", &format!("locale={locale}"), 1);
        assert_ne!(href, opened.href);
        let (_, page) = first_page(&href).await;
        assert_eq!(page.lang, lang, "{locale}");
        assert!(page.text.contains(consent), "{locale}: {}", page.text);
        let end = Journey::with_samples().run(&href).await.expect("journey");
        assert_eq!(end.lang, lang, "{locale}");
        assert!(end.text.contains(thanks), "{locale}: {}", end.text);
    }
    // The account's `web.locale` is the link's.
    let opened = Opened::create(&api, &seed_request(10011, None)).await;
    let (_, page) = first_page(&opened.href).await;
    assert_eq!(page.lang, "es");
}

#[tokio::test]
async fn the_panel_picks_the_outcome_and_overrides_the_references_markers() {
    let api = quick(Duration::from_secs(900)).await;
    let cases = [
        ("plain", "#reject", "REJECTED"),
        ("plain", "#warning", "WARNING"),
        ("marked #reject", "pass", "PASSED"),
        ("plain", "#reject:usability:BLURRED", "REJECTED"),
    ];
    for (reference, outcome, decision) in cases {
        let opened = Opened::create(&api, &request(10011, reference, None, None)).await;
        let end = Journey::with_samples()
            .outcome(outcome)
            .run(&opened.href)
            .await
            .expect("journey");
        assert_eq!(end.acquisition_status, "SUCCESS");
        opened.wait_for(&api, "PROCESSED").await;
        let details = opened.details(&api).await;
        let found = serde_json::to_value(&details.decision).expect("JSON");
        assert_eq!(found["type"], decision, "{outcome}: {found}");
    }
    // The panel offers `pass` first, then the markers of the workflow.
    let opened = Opened::create(&api, &request(10011, "panel", None, None)).await;
    let end = Journey::with_samples()
        .outcome("#reject:nothing")
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(
        end.error_code,
        Some(9835),
        "an outcome not offered is refused"
    );
    let refusal = end.refusals().first().cloned().unwrap_or_default();
    assert!(refusal.contains("not one the panel offers"), "{refusal}");
}

#[tokio::test]
async fn the_panel_offers_pass_first_and_three_actions() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "panel", None, None)).await;
    let driver = Driver::new().expect("driver");
    let mut response = driver.get(&opened.href).await.expect("GET");
    let files = [
        ("FRONT", sample_bytes("id-front.jpg")),
        ("BACK", sample_bytes("id-back.jpg")),
        ("FACE", sample_bytes("selfie.jpg")),
    ];
    let page = loop {
        let page = Page::parse(&response).expect("page");
        assert_eq!(page.form_count, 1);
        let form = page.form.clone().expect("a form");
        assert_eq!(form.method, "post");
        assert_eq!(form.enctype, "multipart/form-data");
        assert_eq!(form.action, "/web/client");
        for hidden in ["authorizationToken", "csrf", "step"] {
            assert!(form.field(hidden).is_some(), "{hidden}");
        }
        if form.step.as_deref() == Some("finish") {
            break page;
        }
        let uploads = form
            .files
            .iter()
            .map(|name| {
                assert_eq!(form.accepts[name], "image/jpeg,image/png");
                let (_, bytes) = files.iter().find(|(n, _)| n == name).expect("a file");
                (name.clone(), bytes.clone(), "image.jpg".to_owned())
            })
            .collect();
        response = driver
            .post_form(&api.url(&form.action), form.fields.clone(), uploads, None)
            .await
            .expect("POST");
    };
    let form = page.form.expect("a form");
    let outcomes = &form.options["outcome"];
    assert_eq!(outcomes[0], "pass");
    assert_eq!(form.field("outcome"), Some("pass"));
    for marker in [
        "#reject",
        "#warning",
        "#reject:imageChecks:DIGITAL_COPY",
        "#reject:usability:BLURRED",
    ] {
        assert!(
            outcomes.iter().any(|o| o == marker),
            "{marker} in {outcomes:?}"
        );
    }
    assert_eq!(form.actions, ["finish", "abandon", "expire"]);
}

#[tokio::test]
async fn abandoning_ends_with_an_error_and_the_session_expires_later() {
    let (api, receiver, opened) = with_callbacks(Duration::from_secs(1), "leave").await;
    let end = Journey::with_samples()
        .action(Action::Abandon)
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.acquisition_status, "ERROR");
    assert_eq!(end.error_code, Some(9100));
    assert_eq!(pairs(&end), parameters(&opened, "leave", Some("9100")));
    // Until its session runs out, the execution is still acquiring, as at Jumio.
    assert_eq!(opened.status(&api).await, "INITIATED");
    let again = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(again.error_code, Some(9100));
    receiver
        .wait_for(&opened.execution, "SESSION_EXPIRED")
        .await;
}

#[tokio::test]
async fn letting_the_session_expire_ends_with_9210_at_once() {
    let (api, receiver, opened) = with_callbacks(Duration::from_secs(900), "expire").await;
    let end = Journey::with_samples()
        .action(Action::Expire)
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(end.error_code, Some(9210));
    assert_eq!(opened.status(&api).await, "SESSION_EXPIRED");
    receiver
        .wait_for(&opened.execution, "SESSION_EXPIRED")
        .await;
}

#[tokio::test]
async fn the_iframe_events_name_the_embedding_origin() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "framed", None, None)).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let framed = http
        .get(&opened.href)
        .header("User-Agent", "Tests/1.0")
        .header("Referer", "http://localhost:5173/checkout/kyc")
        .send()
        .await
        .expect("GET");
    let body = framed.text().await.expect("body");
    let page = Page::parse_html(&opened.href, StatusCode::OK, &body);
    assert_eq!(page.main_data["event"], "loaded");
    assert_eq!(page.main_data["parent-origin"], "http://localhost:5173");
    assert_eq!(page.main_data["account-id"], opened.account);
    assert_eq!(page.main_data["workflow-execution-id"], opened.execution);
    assert_eq!(
        page.main_data["authorization-token"],
        token_of(&opened.href)
    );
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    let end_page = Driver::new()
        .expect("driver")
        .get(&end.url)
        .await
        .expect("end page");
    let page = Page::parse(&end_page).expect("page");
    assert_eq!(page.main_data["step"], "end");
    assert_eq!(page.main_data["event"], "success");
    assert_eq!(page.main_data["acquisition-status"], "SUCCESS");
    assert_eq!(page.main_data["parent-origin"], "http://localhost:5173");
    assert!(!page.main_data.contains_key("error-code"));
}

#[tokio::test]
async fn a_started_journey_whose_token_runs_out_first_is_token_expired() {
    let (api, receiver, opened) = with_callbacks(Duration::from_secs(900), "brief #expire").await;
    let first = FirstForm::of(&api, &opened).await;
    let next = first.send(None).await;
    assert_eq!(next.status, StatusCode::OK);
    receiver.wait_for(&opened.execution, "TOKEN_EXPIRED").await;
    let form = Page::parse(&next).expect("page").form.expect("a form");
    let late = first.send_fields(form.fields, None).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    let end = Page::parse(
        &first
            .driver
            .get(late.location.as_deref().expect("a location"))
            .await
            .expect("GET"),
    )
    .expect("page");
    assert_eq!(end.error_code, Some(9200));
    assert_eq!(opened.status(&api).await, "TOKEN_EXPIRED");
}

/// A log sink for [`the_journey_logs_no_token_or_personal_data`].
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_journey_logs_no_token_or_personal_data() {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "jumio_kyx_sandbox=trace",
        ))
        .with_writer(move || sink.clone())
        .finish();
    let reference = "Jane Doe order 4711";
    let (token, csrf) = tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let api = Api::start().await;
            let opened = Opened::create(&api, &request(10011, reference, None, None)).await;
            let first = FirstForm::of(&api, &opened).await;
            let csrf = first.form.field("csrf").expect("csrf").to_owned();
            let cross = first.send(Some("http://x.example")).await;
            assert_eq!(cross.status, StatusCode::FORBIDDEN);
            let end = Journey::with_samples()
                .file("FRONT", b"no image".to_vec())
                .run(&opened.href)
                .await
                .expect("journey");
            assert_eq!(end.acquisition_status, "SUCCESS");
            opened.wait_for(&api, "PROCESSED").await;
            (token_of(&opened.href), csrf)
        })
    });
    let logs = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("UTF-8");
    assert!(logs.contains("Web journey"), "the journey logs: {logs}");
    for secret in [token.as_str(), csrf.as_str(), reference] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
}

#[tokio::test]
async fn oversized_forms_are_refused_naming_the_limit() {
    let api = Api::start().await;
    let opened = Opened::create(&api, &request(10011, "bounds", None, None)).await;
    let first = FirstForm::of(&api, &opened).await;
    let mut many = first.form.fields.clone();
    many.extend((0..8).map(|i| (format!("extra{i}"), "x".to_owned())));
    let mut long = first.form.fields.clone();
    long.push(("country".to_owned(), "x".repeat(9000)));
    for (fields, limit) in [
        (many, "the form has more than 8 fields"),
        (long, "the field `country` is longer than 8192 bytes"),
    ] {
        let answer = first.send_fields(fields, None).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = Page::parse(&answer).expect("page");
        let alert = page.alert.unwrap_or_default();
        assert!(alert.contains(limit), "{alert}");
    }
    let end = Journey::with_samples()
        .run(&opened.href)
        .await
        .expect("journey");
    assert_eq!(
        end.acquisition_status, "SUCCESS",
        "a third refusal was still to come"
    );
}
