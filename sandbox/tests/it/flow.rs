//! The seed's sequences against the sandbox over plain HTTP: token, account creation, uploads of
//! FRONT, BACK and FACE, finalization, status until PROCESSED, details (and steps), with the
//! callbacks arriving at a local receiver. Every JSON body is validated against the spec.

use jumio_kyx_test_support as support;
use jumio_kyx_test_support::http as sandbox_common;

use jumio_kyx::generated::types::{HealthResponse, WorkflowSteps};
use jumio_kyx_sandbox::Sandbox;
use reqwest::StatusCode;
use sandbox_common::{Api, Receiver, USER_AGENT, read, sample};
use serde_json::Value;

use crate::fixtures::{seed_request, update_request};

#[tokio::test]
async fn workflow_10011_follows_the_seed_sequence() {
    let receiver = Receiver::start().await;
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, Some(&receiver.url))).await;

    let base = api.sandbox.base_url();
    let response = &created.response;
    assert!(response.timestamp.is_some());
    let web = response.web.as_ref().expect("web link");
    assert!(
        web.href
            .as_deref()
            .is_some_and(|h| h.starts_with(base) && h.contains("locale=es"))
    );
    assert_eq!(
        web.success_url.as_deref(),
        Some("https://www.yourcompany.com/success")
    );
    assert!(
        response
            .sdk
            .as_ref()
            .and_then(|s| s.token.as_ref())
            .is_some()
    );
    let categories: Vec<String> = response
        .workflow_execution
        .credentials
        .iter()
        .map(|c| c.category.to_string())
        .collect();
    assert_eq!(categories, ["ID", "SELFIE", "FACEMAP"]);
    let facemap = &response.workflow_execution.credentials[2];
    assert!(
        facemap.api.is_none(),
        "FACEMAP is acquired by SDK and Web only"
    );
    for link in [
        &created.front,
        &created.back,
        &created.face,
        &created.finalize,
    ] {
        assert!(link.starts_with(base), "{link} points at the sandbox");
    }
    assert!(created.front.ends_with("/parts/FRONT"));
    assert!(created.back.ends_with("/parts/BACK"));
    assert!(created.face.ends_with("/parts/FACE"));

    let front = api
        .uploaded(&created.front, &created.token, sample("id-front.jpg"))
        .await;
    assert_eq!(front.account.id, created.account);
    assert_eq!(front.workflow_execution.id, created.execution);
    let links = front.api.expect("links");
    assert_eq!(links.parts["front"], Value::String(created.front.clone()));
    assert_eq!(
        links.workflow_execution.as_deref(),
        Some(created.finalize.as_str())
    );
    api.uploaded(&created.back, &created.token, sample("id-back.jpg"))
        .await;
    api.uploaded(&created.face, &created.token, sample("selfie.jpg"))
        .await;
    assert_eq!(
        api.status(&created)
            .await
            .workflow_execution
            .status
            .to_string(),
        "INITIATED"
    );

    let finalized = api.finalized(&created).await;
    assert_eq!(finalized.workflow_execution.id, created.execution);
    let status = api.wait_for(&created, "PROCESSED").await;
    assert_eq!(
        status.workflow_execution.definition_key.as_deref(),
        Some("10011")
    );
    assert_eq!(status.account.id, created.account);

    let details = api.details(&created).await;
    assert_eq!(details.workflow.status.to_string(), "PROCESSED");
    assert_eq!(
        details.workflow.customer_internal_reference.as_deref(),
        Some("CUSTOMER_REFERENCE")
    );
    assert_eq!(
        details.workflow.user_reference.as_deref(),
        Some("YOUR_USER_REFERENCE")
    );
    assert!(
        details.created_at.is_some()
            && details.started_at.is_some()
            && details.completed_at.is_some()
    );
    let decision = details.decision.expect("decision");
    assert_eq!(decision.type_.to_string(), "PASSED");
    let score = decision.risk.and_then(|r| r.score).expect("risk score");
    assert!(
        (0.0..=30.0).contains(&score),
        "PASSED scores 0-30, got {score}"
    );
    let capabilities = details.capabilities.expect("capabilities");
    assert_eq!(capabilities.usability.len(), 2);
    assert!(
        capabilities
            .usability
            .iter()
            .all(|u| u.decision.type_.to_string() == "PASSED")
    );
    assert_eq!(
        capabilities.image_checks[0].decision.type_.to_string(),
        "PASSED"
    );
    assert_eq!(
        capabilities.data_checks[0].decision.type_.to_string(),
        "PASSED"
    );
    assert_eq!(
        capabilities.liveness[0].decision.type_.to_string(),
        "PASSED"
    );
    assert_eq!(
        capabilities.similarity[0]
            .decision
            .details
            .as_ref()
            .and_then(|d| d.label.as_ref())
            .map(ToString::to_string)
            .as_deref(),
        Some("MATCH")
    );
    let similarity = capabilities.similarity[0].data.as_ref();
    assert_eq!(
        similarity
            .and_then(|d| d.similarity.as_ref())
            .map(ToString::to_string)
            .as_deref(),
        Some("MATCH")
    );
    let extracted = capabilities.extraction[0]
        .data
        .as_ref()
        .expect("extracted data");
    assert_eq!(extracted.first_name.as_deref(), Some("JANE"));
    assert_eq!(extracted.last_name.as_deref(), Some("DOE"));
    assert_eq!(extracted.issuing_country.as_deref(), Some("USA"));
    assert_eq!(
        extracted.type_.as_ref().map(ToString::to_string).as_deref(),
        Some("DRIVING_LICENSE")
    );
    assert!(
        capabilities.watchlist_screening.is_empty(),
        "10011 runs no screening"
    );

    // Every part downloads as uploaded, with its content type; the face map is binary.
    for credential in &details.credentials {
        for part in &credential.parts {
            let href = part.href.as_deref().expect("part link");
            assert!(href.starts_with(base));
            let response = api.get(href).await;
            assert_eq!(response.status(), StatusCode::OK);
            let content_type = response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .to_owned();
            let bytes = response.bytes().await.expect("bytes");
            match part.classifier.to_string().as_str() {
                "FRONT" => assert_eq!(
                    (content_type.as_str(), bytes.to_vec()),
                    ("image/jpeg", sample("id-front.jpg"))
                ),
                "BACK" => assert_eq!(bytes.to_vec(), sample("id-back.jpg")),
                "FACE" => assert_eq!(bytes.to_vec(), sample("selfie.jpg")),
                "FACEMAP" => assert_eq!(content_type, "application/octet-stream"),
                other => panic!("unexpected part {other}"),
            }
        }
    }

    // 10011 is a KYX workflow: one ID_IV step holding every capability result.
    let steps: WorkflowSteps = read(
        api.get(&format!("{}/steps", created.execution_url)).await,
        StatusCode::OK,
        "WorkflowSteps",
    )
    .await;
    assert_eq!(steps.steps.len(), 1);
    assert_eq!(steps.steps[0].name.to_string(), "ID_IV");
    assert_eq!(steps.steps[0].capability_ids.len(), 7);

    // Callbacks: ACQUIRED on finalization, PROCESSED at the end, each a valid CallbackPayload.
    let callbacks = receiver.wait_for(&created.execution, "PROCESSED").await;
    let statuses: Vec<&str> = callbacks
        .iter()
        .map(|c| {
            c["workflowExecution"]["status"]
                .as_str()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(statuses, ["ACQUIRED", "PROCESSED"]);
    for callback in &callbacks {
        support::assert_valid("CallbackPayload", callback);
        assert_eq!(callback["userReference"], "YOUR_USER_REFERENCE");
        assert_eq!(callback["workflowExecution"]["definitionKey"], "10011");
        assert_eq!(callback["account"]["id"], created.account.as_str());
    }
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn workflow_10013_adds_screening_address_and_licence_checks_and_steps() {
    let receiver = Receiver::start().await;
    let api = Api::start().await;
    let created = api.created(&seed_request(10013, Some(&receiver.url))).await;
    let details = api
        .complete(
            &created,
            sample("id-front.jpg"),
            sample("id-back.jpg"),
            sample("selfie.jpg"),
        )
        .await;
    assert_eq!(details.workflow.definition_key.as_deref(), Some("10013"));
    assert_eq!(
        details.decision.expect("decision").type_.to_string(),
        "PASSED"
    );
    let capabilities = details.capabilities.expect("capabilities");
    for (name, decision) in [
        (
            "watchlistScreening",
            &capabilities.watchlist_screening[0].decision,
        ),
        (
            "addressValidation",
            &capabilities.address_validation[0].decision,
        ),
        (
            "proofOfResidency",
            &capabilities.proof_of_residency[0].decision,
        ),
        (
            "drivingLicenseVerification",
            &capabilities.driving_license_verification[0].decision,
        ),
    ] {
        assert_eq!(decision.type_.to_string(), "PASSED", "{name}");
    }
    let screening = capabilities.watchlist_screening[0]
        .data
        .as_ref()
        .expect("screening data");
    assert_eq!(screening.search_results, Some(0));

    let steps: WorkflowSteps = read(
        api.get(&format!("{}/steps", created.execution_url)).await,
        StatusCode::OK,
        "WorkflowSteps",
    )
    .await;
    let names: Vec<String> = steps.steps.iter().map(|s| s.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "ID_IV",
            "SCREENING",
            "ADDRESS_VERIFICATION",
            "DL_VERIFICATION"
        ]
    );
    let all_ids: Vec<&String> = steps.steps.iter().flat_map(|s| &s.capability_ids).collect();
    assert_eq!(
        all_ids.len(),
        11,
        "every capability result belongs to one step"
    );
    assert!(steps.steps.iter().all(|s| {
        s.decision
            .as_ref()
            .is_some_and(|d| d.type_.to_string() == "PASSED")
    }));

    receiver.wait_for(&created.execution, "PROCESSED").await;
    api.sandbox.shutdown().await;
}

/// A step's decision is that of its own capabilities: a screening that warns makes the
/// `SCREENING` step `WARNING`, and the other steps of workflow 10013 stay `PASSED`.
#[tokio::test]
async fn each_step_decides_by_its_own_capabilities() {
    let api = Api::start().await;
    let mut body = seed_request(10013, None);
    body["customerInternalReference"] = serde_json::json!("steps #warning:watchlistScreening");
    let created = api.created(&body).await;
    api.complete(
        &created,
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    let steps: WorkflowSteps = read(
        api.get(&format!("{}/steps", created.execution_url)).await,
        StatusCode::OK,
        "WorkflowSteps",
    )
    .await;
    let decisions: Vec<(String, String)> = steps
        .steps
        .iter()
        .map(|s| {
            let decision = s.decision.as_ref().expect("a decision");
            (s.name.to_string(), decision.type_.to_string())
        })
        .collect();
    let expected = [
        ("ID_IV", "PASSED"),
        ("SCREENING", "WARNING"),
        ("ADDRESS_VERIFICATION", "PASSED"),
        ("DL_VERIFICATION", "PASSED"),
    ]
    .map(|(name, decision)| (name.to_owned(), decision.to_owned()));
    assert_eq!(decisions, expected);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn account_update_starts_a_new_execution_that_can_link_acquired_credentials() {
    let api = Api::start().await;
    let first = api.created(&seed_request(10011, None)).await;
    api.complete(
        &first,
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;

    let mut body = update_request();
    body["workflowDefinition"]["credentials"] = serde_json::json!([
        { "category": "ID", "id": first.id_credential }
    ]);
    let response = api.update(&first.account, &body).await;
    let updated: jumio_kyx::generated::types::AccountResponse =
        read(response, StatusCode::OK, "AccountResponse").await;
    assert_eq!(updated.account.id, first.account);
    assert_ne!(updated.workflow_execution.id, first.execution);
    let linked = &updated.workflow_execution.credentials[0];
    assert_eq!(linked.id, first.id_credential);
    assert!(linked.allowed_channels.is_empty() && linked.api.is_none());
    assert_eq!(api.sandbox.account_count(), 1);

    // Only the selfie is needed now: the linked ID already has its front.
    let selfie = updated.workflow_execution.credentials[1]
        .api
        .clone()
        .expect("selfie api");
    let token = selfie.token.clone().expect("token");
    api.uploaded(&selfie.parts["face"], &token, sample("selfie.jpg"))
        .await;
    let finalize = selfie.workflow_execution.clone().expect("finalize link");
    let response = api
        .http
        .put(&finalize)
        .bearer_auth(&token)
        .send()
        .await
        .expect("finalize");
    assert_eq!(response.status(), StatusCode::OK);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn health_and_token_counting() {
    let sandbox = Sandbox::start().await.expect("start");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let health: HealthResponse = read(
        http.get(format!("{}/", sandbox.base_url()))
            .header("User-Agent", USER_AGENT)
            .send()
            .await
            .expect("health"),
        StatusCode::OK,
        "HealthResponse",
    )
    .await;
    assert_eq!(health.status.to_string(), "UP");
    assert_eq!(health.details.len(), 6);

    assert_eq!(sandbox.token_requests(), 0);
    let token = |secret: &'static str| {
        http.post(format!("{}/oauth2/token", sandbox.base_url()))
            .header("User-Agent", USER_AGENT)
            .basic_auth(sandbox.client_id(), Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    let ok: jumio_kyx::generated::types::TokenResponse = read(
        token("sandbox-secret").await.expect("token"),
        StatusCode::OK,
        "TokenResponse",
    )
    .await;
    assert_eq!(ok.expires_in, 3600);
    // The access token is a JWT whose claims carry iat, exp and jti.
    let payload = ok.access_token.split('.').nth(1).expect("JWT payload");
    use base64::Engine as _;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("claims");
    let (iat, exp) = (
        claims["iat"].as_u64().expect("iat"),
        claims["exp"].as_u64().expect("exp"),
    );
    assert_eq!(exp - iat, 3600);
    assert!(claims["jti"].is_string());
    assert_eq!(
        token("wrong").await.expect("token").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(sandbox.stats().tokens_issued, 1);
    assert!(format!("{:?}", sandbox.config()).contains("[redacted]"));
    assert!(!format!("{:?}", sandbox.config()).contains("sandbox-secret"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn in_process_the_background_tasks_run_too() {
    // No socket for the sandbox: its router called in-process, its callbacks delivered by its own
    // background task to a receiver on this machine.
    let receiver = Receiver::start().await;
    let app = crate::app::App::start().await;
    let created = app.created(&seed_request(10011, Some(&receiver.url))).await;
    app.complete_with_samples(&created).await;
    let callbacks = receiver.wait_for(&created.execution, "PROCESSED").await;
    let statuses: Vec<&str> = callbacks
        .iter()
        .filter_map(|c| c["workflowExecution"]["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ACQUIRED", "PROCESSED"]);
    for callback in &callbacks {
        support::assert_valid("CallbackPayload", callback);
        let href = callback["workflowExecution"]["href"]
            .as_str()
            .unwrap_or_default();
        assert!(href.starts_with(app.sandbox.base_url()), "{href}");
    }
    // The receiver records a callback before it answers, and the sandbox counts it after.
    let start = std::time::Instant::now();
    while app.sandbox.stats().callbacks_delivered < 2 {
        assert!(
            start.elapsed() < sandbox_common::DEADLINE,
            "callbacks not counted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(app.sandbox.stats().callbacks_failed, 0);
}
