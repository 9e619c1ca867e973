//! Time and bounds: token expiry (`TOKEN_EXPIRED`, with its callback), the bound on accounts, and
//! shutdown.

use jumio_kyx_test_support as support;
use jumio_kyx_test_support::http as sandbox_common;

use std::time::Duration;

use jumio_kyx_sandbox::SandboxConfig;
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
    // With only active accounts left, the oldest goes.
    api.created(&seed_request(10011, None)).await;
    assert_eq!(api.sandbox.account_count(), 3);
    error(
        api.get(&format!("{}/status", active.execution_url)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
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
