//! Retrieval (status, details, steps, part download), deletion and the health check. Authorised by
//! the OAuth2 access token (the health check needs none).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::auth::Access;
use super::errors::ApiError;
use super::scenarios::not_executed;
use super::state::{AppState, Execution};
use jumio_kyx::generated::types::{
    AccountDetails, AccountLink, AccountReference, CredentialConsent, CredentialPart,
    HealthResponse, PartClassifier, RetrievedCredential, ServiceHealth, StepsLink,
    WorkflowExecutionDetails, WorkflowStatus, WorkflowStatusResponse, WorkflowSteps,
    WorkflowSummary,
};
use jumio_kyx::workflows::Generation;

type ExecutionPath = (String, String);

fn unknown_execution(account: &str, execution: &str) -> ApiError {
    ApiError::not_found(format!(
        "workflow execution {execution} of account {account} does not exist"
    ))
}

/// Reads one execution after applying its due transitions.
fn read_execution<T>(
    app: &AppState,
    (account, execution): ExecutionPath,
    read: impl FnOnce(&AppState, &Execution) -> T,
) -> Result<T, ApiError> {
    app.advance_one(&account, &execution);
    let store = app.lock();
    let found = store
        .execution(&account, &execution)
        .ok_or_else(|| unknown_execution(&account, &execution))?;
    Ok(read(app, found))
}

/// `GET /`: the health check.
pub(crate) async fn health() -> Json<HealthResponse> {
    let details: BTreeMap<String, ServiceHealth> = [
        "api",
        "callback",
        "mobile",
        "processing",
        "retrieval",
        "web",
    ]
    .into_iter()
    .map(|name| (name.to_owned(), ServiceHealth::Up))
    .collect();
    Json(HealthResponse {
        status: ServiceHealth::Up,
        details,
    })
}

/// `GET .../workflow-executions/{workflowExecutionId}/status`.
pub(crate) async fn status(
    State(app): State<Arc<AppState>>,
    Access { path: ids, .. }: Access<ExecutionPath>,
) -> Result<Json<WorkflowStatusResponse>, ApiError> {
    read_execution(&app, ids, |app, execution| {
        let (mut account, mut workflow_execution) = (execution.account_link(), execution.state());
        app.links().fill(&mut account, &mut workflow_execution);
        WorkflowStatusResponse {
            account,
            workflow_execution,
        }
    })
    .map(Json)
}

/// `GET .../workflow-executions/{workflowExecutionId}`: details with the result.
pub(crate) async fn details(
    State(app): State<Arc<AppState>>,
    Access { path: ids, .. }: Access<ExecutionPath>,
) -> Result<Json<WorkflowExecutionDetails>, ApiError> {
    read_execution(&app, ids, details_of).map(Json)
}

fn details_of(app: &AppState, execution: &Execution) -> WorkflowExecutionDetails {
    let links = app.links();
    let account = &execution.account_id;
    let credentials = execution
        .credentials
        .iter()
        .filter(|c| !c.parts.is_empty())
        .map(|credential| RetrievedCredential {
            id: credential.id.clone(),
            category: credential.category.clone(),
            client_ip: None,
            consent: execution.consent.as_ref().map(|_| CredentialConsent {
                decision_accepted: Some(true),
                collected_by: Some(
                    if execution.web.consent_given {
                        "JUMIO"
                    } else {
                        "CUSTOMER"
                    }
                    .to_owned(),
                ),
            }),
            parts: credential
                .parts
                .keys()
                .map(|classifier| CredentialPart {
                    classifier: classifier.clone(),
                    href: Some(links.part(account, &credential.id, classifier)),
                    capture_type: None,
                })
                .collect(),
        })
        .collect();
    let (decision, capabilities) = match (&execution.outcome, &execution.status) {
        (Some(outcome), _) => (outcome.decision.clone(), Some(outcome.capabilities.clone())),
        (None, WorkflowStatus::TokenExpired) => (not_executed("TOKEN_EXPIRED"), None),
        (None, WorkflowStatus::SessionExpired) => (not_executed("SESSION_EXPIRED"), None),
        (None, _) => (not_executed("NOT_EXECUTED"), None),
    };
    WorkflowExecutionDetails {
        workflow: WorkflowSummary {
            id: execution.id.clone(),
            status: execution.status.clone(),
            definition_key: Some(execution.definition_key.to_string()),
            user_reference: execution.user_reference.clone(),
            customer_internal_reference: Some(execution.customer_internal_reference.clone()),
        },
        account: AccountReference {
            id: account.clone(),
        },
        created_at: Some(execution.created_at),
        started_at: execution.started_at,
        completed_at: execution.completed_at,
        wiped_out_at: None,
        decision: Some(decision),
        steps: (execution.scenario.workflow.generation == Generation::Kyx).then(|| StepsLink {
            href: Some(links.steps(account, &execution.id)),
        }),
        credentials,
        capabilities,
        consent: execution.consent.clone(),
    }
}

/// `GET .../workflow-executions/{workflowExecutionId}/steps`: the KYX steps (empty until processed).
pub(crate) async fn steps(
    State(app): State<Arc<AppState>>,
    Access { path: ids, .. }: Access<ExecutionPath>,
) -> Result<Json<WorkflowSteps>, ApiError> {
    read_execution(&app, ids, |_, execution| {
        let workflow = &execution.scenario.workflow;
        if workflow.generation != Generation::Kyx {
            return Err(ApiError::not_found(format!(
                "workflow execution {} runs workflow {}, which is not a KYX workflow and has no steps",
                execution.id, workflow.key
            )));
        }
        Ok(WorkflowSteps {
            steps: execution
                .outcome
                .as_ref()
                .map(|outcome| outcome.steps.clone())
                .unwrap_or_default(),
        })
    })?
    .map(Json)
}

/// `GET /api/v1/accounts/{accountId}/credentials/{credentialId}/parts/{classifier}`: the stored
/// bytes with their content type.
pub(crate) async fn part(
    State(app): State<Arc<AppState>>,
    Access {
        path: (account_id, credential_id, classifier),
        ..
    }: Access<(String, String, String)>,
) -> Result<Response, ApiError> {
    let store = app.lock();
    let account = store
        .account(&account_id)
        .ok_or_else(|| ApiError::not_found(format!("account {account_id} does not exist")))?;
    account.credential(&credential_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "credential {credential_id} of account {account_id} does not exist"
        ))
    })?;
    let stored = account
        .part(&credential_id, &PartClassifier::from(classifier.as_str()))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "credential {credential_id} has no part {classifier}"
            ))
        })?;
    let bytes = stored.bytes.clone();
    let content_type = HeaderValue::from_static(stored.content_type);
    drop(store);
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

/// `GET /api/v1/accounts/{accountId}`: the account and the status of its workflow executions, the
/// answer of the `account.href` it hands out.
pub(crate) async fn account(
    State(app): State<Arc<AppState>>,
    Access { path: account, .. }: Access<String>,
) -> Result<Json<AccountDetails>, ApiError> {
    let ids: Vec<String> = {
        let store = app.lock();
        let found = store
            .account(&account)
            .ok_or_else(|| ApiError::not_found(format!("account {account} does not exist")))?;
        found.executions.iter().map(|e| e.id.clone()).collect()
    };
    for execution in &ids {
        app.advance_one(&account, execution);
    }
    let store = app.lock();
    let found = store
        .account(&account)
        .ok_or_else(|| ApiError::not_found(format!("account {account} does not exist")))?;
    let links = app.links();
    let workflow_executions = found
        .executions
        .iter()
        .map(|execution| {
            let (mut link, mut state) = (execution.account_link(), execution.state());
            links.fill(&mut link, &mut state);
            state
        })
        .collect();
    Ok(Json(AccountDetails {
        account: AccountLink {
            href: Some(links.account(&account)),
            id: account.clone(),
        },
        created_at: found.executions.first().map(|e| e.created_at),
        workflow_executions,
    }))
}

/// `DELETE /api/v1/accounts/{accountId}`.
pub(crate) async fn delete_account(
    State(app): State<Arc<AppState>>,
    Access { path: account, .. }: Access<String>,
) -> Result<(), ApiError> {
    if app.lock().remove_account(&account) {
        tracing::debug!(%account, "account deleted");
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "account {account} does not exist"
        )))
    }
}

/// `DELETE .../workflow-executions/{workflowExecutionId}`.
pub(crate) async fn delete_execution(
    State(app): State<Arc<AppState>>,
    Access {
        path: (account, execution),
        ..
    }: Access<ExecutionPath>,
) -> Result<(), ApiError> {
    if app.lock().remove_execution(&account, &execution) {
        tracing::debug!(%account, workflow_execution = %execution, "workflow execution deleted");
        Ok(())
    } else {
        Err(unknown_execution(&account, &execution))
    }
}
