//! The Web journey over plain HTTP, without a browser: the pages and forms at `web.href`, the
//! states and callbacks they lead to, the way back to the account's URLs, and the journey's
//! security (token, CSRF, cross-site submissions, headers, escaping).

use std::time::{Duration, Instant};

use jumio_kyx::generated::types::{AccountResponse, WorkflowExecutionDetails};
use jumio_kyx_sandbox::SandboxConfig;
use jumio_kyx_test_support::http::{Api, DEADLINE, Receiver, read_ok, seed_request};
use jumio_kyx_test_support::web::{Driver, End, Journey, Page};
use jumio_kyx_test_support::sample_bytes;
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

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_10011_journey_is_processed_with_its_callback_and_redirect() {
    let api = Api::start().await;
    let receiver = Receiver::start().await;
    let body = request(
        10011,
        "order-4711",
        Some(&receiver.url),
        Some(redirect_web()),
    );
    let opened = Opened::create(&api, &body).await;
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
    assert_eq!(
        pairs(&end),
        owned(&[
            ("step", "2"),
            ("accountId", &opened.account),
            ("workflowExecutionId", &opened.execution),
            ("acquisitionStatus", "SUCCESS"),
            ("customerInternalReference", "order-4711"),
        ])
    );
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
    assert_eq!(
        pairs(&end),
        owned(&[
            ("accountId", &opened.account),
            ("workflowExecutionId", &opened.execution),
            ("acquisitionStatus", "ERROR"),
            ("customerInternalReference", "r-2"),
            ("errorCode", "9200"),
        ])
    );
    assert!(
        end.redirect
            .as_deref()
            .is_some_and(|r| r.starts_with("https://shop.example.com/kyc/failed?"))
    );
    assert_eq!(opened.status(&api).await, "INITIATED");
}

#[tokio::test]
async fn an_expired_token_ends_with_9200_and_token_expired() {
    let api = quick(Duration::from_secs(900)).await;
    let receiver = Receiver::start().await;
    let body = request(
        10011,
        "short #expire",
        Some(&receiver.url),
        Some(redirect_web()),
    );
    let opened = Opened::create(&api, &body).await;
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
    let api = quick(Duration::from_millis(300)).await;
    let receiver = Receiver::start().await;
    let body = request(10011, "idle", Some(&receiver.url), Some(redirect_web()));
    let opened = Opened::create(&api, &body).await;
    // Opening the link starts no session: only the first form sent does.
    let driver = Driver::new().expect("driver");
    let first = Page::parse(&driver.get(&opened.href).await.expect("GET")).expect("page");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(opened.status(&api).await, "INITIATED");
    let form = first.form.expect("a form");
    assert_eq!(form.step.as_deref(), Some("consent"));
    let action = api.url(&form.action);
    let next = driver
        .post_form(&action, form.fields.clone(), Vec::new(), None)
        .await
        .expect("POST");
    assert_eq!(next.status, StatusCode::OK);
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
