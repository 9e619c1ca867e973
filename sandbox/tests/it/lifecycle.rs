//! Time and bounds: token expiry (`TOKEN_EXPIRED`, with its callback), the bound on accounts, and
//! shutdown.

use jumio_kyx_test_support as support;
use jumio_kyx_test_support::http as sandbox_common;

use std::time::Duration;

use jumio_kyx::generated::types::ErrorBody;
use jumio_kyx_sandbox::{RateLimits, SandboxConfig};
use reqwest::StatusCode;
use sandbox_common::{Api, Receiver, error, sample};

use crate::fixtures::{request_with_reference, seed_request};

#[tokio::test]
async fn an_acquisition_not_finalized_in_time_expires() {
    let receiver = Receiver::start().await;
    let api = Api::start().await;
    let mut body = request_with_reference(10013, "late-user #expire");
    body["callbackUrl"] = serde_json::json!(receiver.url);
    let created = api.created(&body).await;
    let status = api.wait_for(&created, "TOKEN_EXPIRED").await;
    assert_eq!(
        status.workflow_execution.definition_key.as_deref(),
        Some("10013")
    );
    let callbacks = receiver.wait_for(&created.execution, "TOKEN_EXPIRED").await;
    support::assert_valid("CallbackPayload", &callbacks[0]);

    let details = api.details(&created).await;
    let decision = details.decision.expect("decision");
    assert_eq!(decision.type_.to_string(), "NOT_EXECUTED");
    assert_eq!(
        decision
            .details
            .and_then(|d| d.label)
            .map(|l| l.to_string())
            .as_deref(),
        Some("TOKEN_EXPIRED")
    );
    assert_eq!(decision.risk.and_then(|r| r.score), Some(-1.0));
    assert!(details.capabilities.is_none());

    // The transaction token is dead: no more uploads or finalization.
    error(
        api.upload(
            &created.front,
            &created.token,
            sample("id-front.jpg"),
            "f.jpg",
        )
        .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error(api.finalize(&created).await, StatusCode::UNAUTHORIZED).await;
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_pending_execution_reports_not_executed() {
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, None)).await;
    let details = api.details(&created).await;
    assert_eq!(details.workflow.status.to_string(), "INITIATED");
    let decision = details.decision.expect("decision");
    assert_eq!(decision.type_.to_string(), "NOT_EXECUTED");
    assert_eq!(decision.risk.and_then(|r| r.score), Some(-1.0));
    assert!(details.started_at.is_none() && details.completed_at.is_none());
    let steps: jumio_kyx::generated::types::WorkflowSteps = sandbox_common::read(
        api.get(&format!("{}/steps", created.execution_url)).await,
        StatusCode::OK,
        "WorkflowSteps",
    )
    .await;
    assert!(steps.steps.is_empty());
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_number_of_accounts_is_bounded_and_finished_ones_go_first() {
    let api = Api::start_with(SandboxConfig {
        max_accounts: 3,
        processing_delay: Duration::from_millis(10),
        ..SandboxConfig::default()
    })
    .await;
    let active = api.created(&seed_request(10011, None)).await;
    let processed = api.created(&seed_request(10011, None)).await;
    api.complete(
        &processed,
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    let newest = api.created(&seed_request(10011, None)).await;
    assert_eq!(api.sandbox.account_count(), 3);

    // A fourth account evicts the processed one, although the active one is older.
    let fourth = api.created(&seed_request(10011, None)).await;
    assert_eq!(api.sandbox.account_count(), 3);
    assert_eq!(api.sandbox.stats().accounts_evicted, 1);
    error(
        api.get(&format!("{}/status", processed.execution_url))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for kept in [&active, &newest, &fourth] {
        assert_eq!(
            api.status(kept).await.workflow_execution.status.to_string(),
            "INITIATED"
        );
    }
    // With only accounts in progress left, none goes: creation is refused as Jumio refuses
    // requests over a limit.
    let refused = error(
        api.create(&seed_request(10011, None)).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(refused.title.as_deref(), Some("Too Many Requests"));
    assert!(
        refused
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("Request limit exceeded")),
        "{refused:?}"
    );
    assert_eq!(api.sandbox.account_count(), 3);
    for kept in [&active, &newest, &fourth] {
        assert_eq!(
            api.status(kept).await.workflow_execution.status.to_string(),
            "INITIATED"
        );
    }
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_execution_whose_token_expired_can_be_evicted() {
    let api = Api::start_with(SandboxConfig {
        max_accounts: 1,
        ..SandboxConfig::default()
    })
    .await;
    let expired = api
        .created(&request_with_reference(10011, "late #expire"))
        .await;
    api.wait_for(&expired, "TOKEN_EXPIRED").await;
    api.created(&seed_request(10011, None)).await;
    assert_eq!(api.sandbox.stats().accounts_evicted, 1);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn the_number_of_workflow_executions_is_bounded_too() {
    let api = Api::start_with(SandboxConfig {
        max_executions: 2,
        ..SandboxConfig::default()
    })
    .await;
    let first = api.created(&seed_request(10011, None)).await;
    let update = crate::fixtures::update_request();
    let updated = api.update(&first.account, &update).await;
    assert_eq!(updated.status(), StatusCode::OK);
    assert_eq!(api.sandbox.stats().workflow_executions, 2);
    for refused in [
        api.create(&seed_request(10011, None)).await,
        api.update(&first.account, &update).await,
    ] {
        error(refused, StatusCode::TOO_MANY_REQUESTS).await;
    }
    assert_eq!(api.sandbox.stats().workflow_executions, 2);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn stored_bytes_count_linked_credentials_and_face_maps_once() {
    let api = Api::start_with(SandboxConfig {
        processing_delay: Duration::from_millis(10),
        ..SandboxConfig::default()
    })
    .await;
    let first = api.created(&seed_request(10011, None)).await;
    let details = api
        .complete(
            &first,
            sample("id-front.jpg"),
            sample("id-back.jpg"),
            sample("selfie.jpg"),
        )
        .await;
    let facemap = details
        .credentials
        .iter()
        .find(|c| c.category.to_string() == "FACEMAP")
        .expect("a FACEMAP credential")
        .id
        .clone();
    let acquired = api.sandbox.stats().stored_bytes;
    assert!(acquired > 0);
    // The update links the ID and the face map of the first execution: the linked parts are
    // the same bytes. Processing it stores a new face map in place of the linked one.
    let mut body = crate::fixtures::update_request();
    body["workflowDefinition"]["credentials"] = serde_json::json!([
        { "category": "ID", "id": first.id_credential },
        { "category": "FACEMAP", "id": facemap },
    ]);
    let response = api.update(&first.account, &body).await;
    let updated: jumio_kyx::generated::types::AccountResponse =
        sandbox_common::read_ok(response, "AccountResponse").await;
    assert_eq!(
        api.sandbox.stats().stored_bytes,
        acquired,
        "linked parts are counted once"
    );
    let selfie = updated
        .workflow_execution
        .credentials
        .iter()
        .find_map(|c| c.api.clone().filter(|api| api.parts.contains_key("face")))
        .expect("a selfie to upload");
    let token = selfie.token.clone().expect("token");
    api.uploaded(&selfie.parts["face"], &token, sample("selfie.jpg"))
        .await;
    let finalized = api
        .http
        .put(selfie.workflow_execution.clone().expect("finalize link"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("finalize");
    assert_eq!(finalized.status(), StatusCode::OK);
    let second = jumio_kyx_test_support::http::Created {
        execution: updated.workflow_execution.id.clone(),
        execution_url: selfie.workflow_execution.clone().expect("execution link"),
        ..first.clone()
    };
    api.wait_for(&second, "PROCESSED").await;
    assert!(
        api.sandbox.stats().stored_bytes > acquired,
        "a new selfie and face map"
    );
    let deleted = api
        .http
        .delete(api.url(&format!("/api/v1/accounts/{}", first.account)))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("delete");
    assert!(deleted.status().is_success());
    assert_eq!(api.sandbox.stats().stored_bytes, 0);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn jumios_rate_limits_answer_429_per_client() {
    let mut limits = RateLimits::jumio();
    limits.retrievals_per_5_seconds = 20;
    let api = Api::start_with(SandboxConfig {
        rate_limits: Some(limits),
        ..SandboxConfig::default()
    })
    .await;
    let jumio_429 = |body: ErrorBody| {
        assert_eq!(body.title.as_deref(), Some("Too Many Requests"));
        assert_eq!(body.detail.as_deref(), Some("Request limit exceeded"));
    };
    // 5 initiations per 5 seconds.
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(api.created(&seed_request(10011, None)).await);
    }
    jumio_429(
        error(
            api.create(&seed_request(10011, None)).await,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await,
    );
    assert_eq!(api.sandbox.account_count(), 5);
    // 20 retrievals per 5 seconds here.
    for _ in 0..20 {
        api.status(&created[0]).await;
    }
    jumio_429(
        error(
            api.get(&format!("{}/status", created[0].execution_url))
                .await,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await,
    );
    // 10 token requests per second (the first one was the helper's): the 11th within a second
    // is refused, and does not reach the token endpoint.
    let token_request = |id: &str| {
        api.http
            .post(api.url("/oauth2/token"))
            .basic_auth(id, Some(api.sandbox.client_secret()))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            token_request(api.sandbox.client_id())
                .await
                .expect("token")
                .status(),
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Another client id is counted apart (and refused for its credentials).
    assert_eq!(
        token_request("someone-else").await.expect("token").status(),
        StatusCode::UNAUTHORIZED
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_serving_and_dropping_stops_too() {
    let api = Api::start().await;
    let url = api.url("/");
    let http = api.http.clone();
    assert_eq!(
        http.get(&url).send().await.expect("health").status(),
        StatusCode::OK
    );
    api.sandbox.shutdown().await;
    assert!(
        http.get(&url).send().await.is_err(),
        "nothing listens after shutdown"
    );

    let dropped = Api::start().await;
    let url = dropped.url("/");
    let http = dropped.http.clone();
    drop(dropped);
    let start = std::time::Instant::now();
    while http.get(&url).send().await.is_ok() {
        assert!(
            start.elapsed() < sandbox_common::DEADLINE,
            "still serving after drop"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
