//! Which workflows the sandbox runs: a key as a number or a string, an undocumented key like 10011
//! (refused when strict), the tenant's own definitions, and the errors of the token endpoint and of
//! methods the API does not have.

use axum::http::{Method, StatusCode, header};
use jumio_kyx_sandbox::{SandboxConfig, WorkflowDefinition};
use serde_json::{Value, json};

use crate::app::App;
use crate::fixtures::seed_request;

fn categories(created: &jumio_kyx::generated::types::AccountResponse) -> Vec<String> {
    created
        .workflow_execution
        .credentials
        .iter()
        .map(|c| c.category.to_string())
        .collect()
}

#[tokio::test]
async fn a_key_arrives_as_a_number_or_a_string() {
    let app = App::start().await;
    let mut body = seed_request(10013, None);
    body["workflowDefinition"]["key"] = json!("10013");
    let created = app.created(&body).await;
    let details = app.complete_with_samples(&created).await;
    assert_eq!(details.workflow.definition_key.as_deref(), Some("10013"));
    body["workflowDefinition"]["key"] = json!("ten");
    let found = app.create(&body).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(found.field.as_deref(), Some("workflowDefinition.key"));
}

#[tokio::test]
async fn an_undocumented_key_runs_like_10011_unless_strict() {
    let app = App::start().await;
    let mut body = seed_request(10011, None);
    body["workflowDefinition"]["key"] = json!(777);
    let created = app.created(&body).await;
    assert_eq!(categories(&created.response), ["ID", "SELFIE", "FACEMAP"]);
    let details = app.complete_with_samples(&created).await;
    assert_eq!(details.workflow.definition_key.as_deref(), Some("777"));
    assert!(details.capabilities.is_some_and(|c| c.liveness.len() == 1));

    let strict = App::start_with(SandboxConfig {
        strict_workflows: true,
        ..SandboxConfig::default()
    })
    .await;
    let found = strict.create(&body).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(found.field.as_deref(), Some("workflowDefinition.key"));
    assert!(found.detail.unwrap_or_default().contains("777"));
    assert_eq!(strict.sandbox.account_count(), 0);
    // Documented keys run all the same.
    strict.created(&seed_request(10011, None)).await;
}

#[tokio::test]
async fn a_defined_workflow_runs_its_own_credentials_and_capabilities() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows.example.json");
    let app = App::start_with(SandboxConfig {
        workflows: WorkflowDefinition::load(path).expect("the example file"),
        strict_workflows: true,
        ..SandboxConfig::default()
    })
    .await;
    let mut body = seed_request(10011, None);
    body["workflowDefinition"]["key"] = json!(20001);
    body.as_object_mut().unwrap().remove("userReference");
    let found = app.create(&body).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(found.field.as_deref(), Some("userReference"));
    body["userReference"] = json!("user-1");
    body["customerInternalReference"] = json!("tenant #warning:watchlistScreening");
    let created = app.created(&body).await;
    assert_eq!(categories(&created.response), ["ID", "SELFIE"]);
    let details = app.complete_with_samples(&created).await;
    let capabilities = serde_json::to_value(details.capabilities.expect("capabilities")).unwrap();
    let names: Vec<&str> = capabilities
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut expected = vec![
        "usability",
        "imageChecks",
        "extraction",
        "classification",
        "liveness",
        "watchlistScreening",
    ];
    expected.sort_unstable();
    let mut names = names;
    names.sort_unstable();
    assert_eq!(names, expected);
    assert_eq!(capabilities["classification"][0]["data"]["country"], "USA");
    // A US ID names its state.
    assert_eq!(capabilities["classification"][0]["data"]["state"], "IL");
    assert_eq!(
        capabilities["watchlistScreening"][0]["decision"]["type"],
        "WARNING"
    );
    assert_eq!(
        details.decision.expect("decision").type_.to_string(),
        "WARNING"
    );
}

#[tokio::test]
async fn token_errors_carry_the_oauth_code_and_every_error_is_json() {
    let app = App::start().await;
    let answer = app
        .call(Method::POST, "/oauth2/token")
        .basic(app.sandbox.client_id(), app.sandbox.client_secret())
        .form(&[("grant_type", "password")])
        .send()
        .await;
    answer.error(StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    for (method, path) in [
        (Method::PATCH, "/api/v1/accounts/a"),
        (Method::GET, "/oauth2/token"),
        (Method::DELETE, "/"),
    ] {
        let answer = app
            .call(method.clone(), path)
            .bearer(&app.token)
            .send()
            .await;
        let found = answer.error(StatusCode::METHOD_NOT_ALLOWED);
        assert!(found.detail.unwrap_or_default().contains(method.as_str()));
        assert!(
            answer.headers.contains_key(header::ALLOW),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn every_link_the_sandbox_hands_out_answers() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    let details = app.complete_with_samples(&created).await;
    let status = app.status(&created).await;
    let account = status.account.href.expect("account link");
    let answer = app.get(&account).await;
    let found: jumio_kyx::generated::types::AccountDetails =
        answer.read(StatusCode::OK, "AccountDetails");
    assert_eq!(found.account.id, created.account);
    assert_eq!(found.workflow_executions.len(), 1);
    assert_eq!(found.workflow_executions[0].status.to_string(), "PROCESSED");
    let mut links = vec![
        status.workflow_execution.href.expect("execution link"),
        details.steps.and_then(|s| s.href).expect("steps link"),
    ];
    links.extend(found.workflow_executions[0].href.clone());
    for credential in &details.credentials {
        links.extend(credential.parts.iter().filter_map(|p| p.href.clone()));
    }
    for link in links {
        assert_eq!(app.get(&link).await.status, StatusCode::OK, "{link}");
    }
    app.call(Method::DELETE, &account)
        .bearer(&app.token)
        .send()
        .await;
    app.get(&account).await.error(StatusCode::NOT_FOUND);
}
