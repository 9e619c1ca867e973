//! The operations of the API, in one table: method, path and `operationId` as in
//! `openapi/jumio-kyx.yaml`, and the handler. The table builds the axum router and names the
//! operation of a request for the fault layer.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::state::AppState;
use super::{accounts, auth, errors, faults, rate_limits, retrieval, upload, web};

/// One operation of the API.
pub(crate) struct Route {
    pub method: Method,
    /// The path as in the spec, which is axum's syntax too (`/api/v1/accounts/{accountId}`).
    pub path: &'static str,
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// The handler, routed for `method`.
    handler: fn(MethodFilter) -> MethodRouter<Arc<AppState>>,
}

/// Every operation of the API.
pub(crate) const ROUTES: [Route; 14] = [
    Route {
        method: Method::GET,
        path: "/",
        operation: "getHealth",
        handler: |method| on(method, retrieval::health),
    },
    Route {
        method: Method::POST,
        path: "/oauth2/token",
        operation: "requestAccessToken",
        handler: |method| on(method, auth::token),
    },
    Route {
        method: Method::POST,
        path: "/api/v1/accounts",
        operation: "createAccount",
        handler: |method| on(method, accounts::create),
    },
    Route {
        method: Method::PUT,
        path: "/api/v1/accounts/{accountId}",
        operation: "updateAccount",
        handler: |method| on(method, accounts::update),
    },
    Route {
        method: Method::GET,
        path: "/api/v1/accounts/{accountId}",
        operation: "getAccount",
        handler: |method| on(method, retrieval::account),
    },
    Route {
        method: Method::DELETE,
        path: "/api/v1/accounts/{accountId}",
        operation: "deleteAccount",
        handler: |method| on(method, retrieval::delete_account),
    },
    Route {
        method: Method::POST,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}",
        operation: "uploadCredentialPart",
        handler: |method| {
            on(method, upload::upload_part).layer(DefaultBodyLimit::max(upload::BODY_LIMIT))
        },
    },
    Route {
        method: Method::POST,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/PREPARED_DATA",
        operation: "uploadPreparedData",
        handler: |method| on(method, upload::upload_prepared_data),
    },
    Route {
        method: Method::PUT,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}",
        operation: "finalizeWorkflowExecution",
        handler: |method| on(method, upload::finalize),
    },
    Route {
        method: Method::GET,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}",
        operation: "getWorkflowExecution",
        handler: |method| on(method, retrieval::details),
    },
    Route {
        method: Method::DELETE,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}",
        operation: "deleteWorkflowExecution",
        handler: |method| on(method, retrieval::delete_execution),
    },
    Route {
        method: Method::GET,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/status",
        operation: "getWorkflowExecutionStatus",
        handler: |method| on(method, retrieval::status),
    },
    Route {
        method: Method::GET,
        path: "/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/steps",
        operation: "getWorkflowExecutionSteps",
        handler: |method| on(method, retrieval::steps),
    },
    Route {
        method: Method::GET,
        path: "/api/v1/accounts/{accountId}/credentials/{credentialId}/parts/{classifier}",
        operation: "getCredentialPart",
        handler: |method| on(method, retrieval::part),
    },
];

/// The `operationId` of a request routed to `path` (a path of the table) with `method`, or `None`
/// for a method the API does not have there.
pub(crate) fn operation(method: &Method, path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .find(|route| route.method == *method && route.path == path)
        .map(|route| route.operation)
}

/// The router of every operation of the table and of the Web journey's pages, with the checks
/// every request passes: faults first, then the `User-Agent`, then the rate limits (the journey's
/// pages are no operation of the API: never faulted, never rate-limited).
pub(crate) fn router(app: Arc<AppState>) -> Router {
    let routed = ROUTES.iter().fold(Router::new(), |router, route| {
        let method = MethodFilter::try_from(route.method.clone())
            .expect("the table uses standard methods only");
        router.route(route.path, (route.handler)(method))
    });
    routed
        .merge(web::routes())
        .fallback(errors::no_route)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            rate_limits::enforce,
        ))
        .layer(axum::middleware::from_fn(auth::require_user_agent))
        // Outermost: a faulted request is refused before any other check.
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            faults::inject,
        ))
        .with_state(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table holds exactly the operations of the spec, with their methods and paths.
    #[test]
    fn the_table_is_the_specs() {
        let spec: serde_json::Value =
            serde_norway::from_str(include_str!("../../openapi/jumio-kyx.yaml")).expect("YAML");
        let mut in_spec: Vec<(String, String, String)> = Vec::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                if let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) {
                    in_spec.push((method.to_ascii_uppercase(), path.clone(), id.to_owned()));
                }
            }
        }
        let mut in_table: Vec<(String, String, String)> = ROUTES
            .iter()
            .map(|r| {
                (
                    r.method.to_string(),
                    r.path.to_owned(),
                    r.operation.to_owned(),
                )
            })
            .collect();
        in_spec.sort();
        in_table.sort();
        assert_eq!(in_table, in_spec);
    }

    #[test]
    fn operations_are_found_by_method_and_path() {
        let account = "/api/v1/accounts/{accountId}";
        assert_eq!(operation(&Method::PUT, account), Some("updateAccount"));
        assert_eq!(operation(&Method::DELETE, account), Some("deleteAccount"));
        assert_eq!(operation(&Method::GET, account), Some("getAccount"));
        assert_eq!(operation(&Method::PATCH, account), None);
        assert_eq!(operation(&Method::GET, "/oauth2/token"), None);
        assert_eq!(operation(&Method::GET, "/nothing"), None);
    }
}
