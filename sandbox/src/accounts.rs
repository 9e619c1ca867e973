//! Account creation and update: validation of the `AccountRequest` (the generated type enforces the
//! spec's constraints; Jumio's limits are those of `jumio_kyx::limits`, which the client checks
//! too; the sandbox's own rules come on top), and a new workflow execution with the credentials of
//! the workflow.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::auth::{Access, TokenKind, require_access};
use super::counters;
use super::errors::ApiError;
use super::scenarios::{self, EXPIRE_MARKER_LIFETIME};
use super::state::{AppState, Execution};
use super::store::{Credential, DocumentChoice, WebSession, timestamp};
use super::upload::part_links;
use super::workflows::WorkflowDefinition;
use jumio_kyx::generated::types::{
    AccountReference, AccountRequest, AccountResponse, ConsentObtained, CountryCode,
    CreatedWorkflowExecution, CredentialApi, CredentialCategory, CredentialFilterCategory,
    CredentialPreset, SdkToken, WebLink, WorkflowCredential, WorkflowStatus,
};
use jumio_kyx::limits::{self, UrlUse, Violation};

const ID_TYPES: [&str; 4] = ["ID_CARD", "DRIVING_LICENSE", "PASSPORT", "VISA"];
const FACEMAP_TYPES: [&str; 3] = ["IPROOV_STANDARD", "IPROOV_PREMIUM", "JUMIO_STANDARD"];

/// Checks a text field of the request against Jumio's limit of it, by the rule of
/// `jumio_kyx::limits` (the one the client applies before sending). Fields without one pass.
fn check_limit(field: &str, value: &str) -> Result<(), Violation> {
    match field {
        "customerInternalReference" => limits::check_customer_internal_reference(value),
        "userReference" => {
            limits::check_reference_text(field, value, limits::USER_REFERENCE_MAX_CHARS)
        }
        "reportingCriteria" => {
            limits::check_reference_text(field, value, limits::REPORTING_CRITERIA_MAX_CHARS)
        }
        "callbackUrl" => limits::check_url(field, value, UrlUse::Callback).map(drop),
        "web.successUrl" | "web.errorUrl" => {
            limits::check_url(field, value, UrlUse::Redirect).map(drop)
        }
        "tokenLifetime" => limits::parse_token_lifetime(value).map(drop),
        "userConsent.userLocation.state" => {
            limits::check_length(field, value, limits::CONSENT_STATE_MAX_CHARS)
        }
        _ => Ok(()),
    }
}

/// The text fields of a request that [`check_limit`] knows, with their values.
fn limited_fields(request: &AccountRequest) -> Vec<(&'static str, &str)> {
    let web = request.web.as_ref();
    let state = request
        .user_consent
        .as_ref()
        .and_then(|consent| consent.user_location.state.as_ref());
    [
        (
            "customerInternalReference",
            Some(request.customer_internal_reference.as_str()),
        ),
        (
            "userReference",
            request.user_reference.as_ref().map(|v| v.as_str()),
        ),
        (
            "reportingCriteria",
            request.reporting_criteria.as_ref().map(|v| v.as_str()),
        ),
        (
            "callbackUrl",
            request.callback_url.as_ref().map(|v| v.as_str()),
        ),
        (
            "web.successUrl",
            web.and_then(|w| w.success_url.as_ref()).map(|v| v.as_str()),
        ),
        (
            "web.errorUrl",
            web.and_then(|w| w.error_url.as_ref()).map(|v| v.as_str()),
        ),
        (
            "tokenLifetime",
            request.token_lifetime.as_ref().map(|v| v.as_str()),
        ),
        ("userConsent.userLocation.state", state.map(|v| v.as_str())),
    ]
    .into_iter()
    .filter_map(|(field, value)| Some((field, value?)))
    .collect()
}

/// `POST /api/v1/accounts`.
pub(crate) async fn create(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AccountResponse>, ApiError> {
    require_access(&app, &headers)?;
    let request = parse(&headers, &body)?;
    let plan = validate(&app, &request, None)?;
    let account_id = uuid::Uuid::new_v4().to_string();
    let (execution, response) = start_execution(&app, &account_id, &request, plan);
    let evicted = app
        .lock()
        .insert_account(execution, app.config.bounds(), Instant::now())
        .map_err(|_| store_full(&app))?;
    counters::add(&app.counters.accounts_evicted, evicted);
    counters::add(&app.counters.accounts_created, 1);
    counters::add(&app.counters.workflow_executions_started, 1);
    Ok(Json(response))
}

/// `PUT /api/v1/accounts/{accountId}`: a new workflow execution on an existing account.
pub(crate) async fn update(
    State(app): State<Arc<AppState>>,
    Access {
        path: account_id, ..
    }: Access<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AccountResponse>, ApiError> {
    let (linkable, stored_face): (Vec<Credential>, bool) = {
        let store = app.lock();
        let account = store
            .account(&account_id)
            .ok_or_else(|| unknown(&account_id))?;
        let linkable: Vec<Credential> = account
            .executions
            .iter()
            .flat_map(|e| e.credentials.iter())
            .filter(|c| !c.parts.is_empty())
            .cloned()
            .collect();
        let stored_face = linkable
            .iter()
            .any(|c| c.category == CredentialCategory::Facemap);
        (linkable, stored_face)
    };
    let request = parse(&headers, &body)?;
    let mut plan = validate(&app, &request, Some(&linkable))?;
    plan.scenario.stored_face = stored_face;
    let (execution, response) = start_execution(&app, &account_id, &request, plan);
    let evicted = app
        .lock()
        .insert_execution(execution, app.config.bounds(), Instant::now())
        .map_err(|_| store_full(&app))?
        .ok_or_else(|| unknown(&account_id))?;
    counters::add(&app.counters.accounts_evicted, evicted);
    counters::add(&app.counters.workflow_executions_started, 1);
    Ok(Json(response))
}

/// `429`: no room for another workflow execution, since every one that could go is in progress.
fn store_full(app: &AppState) -> ApiError {
    let bounds = app.config.bounds();
    ApiError::too_many_requests(Some(&format!(
        "the sandbox holds at most {} accounts, {} workflow executions in all and 50 per \
         account, and none can be evicted while its workflow execution is in progress; retry \
         when one finishes or its token expires",
        bounds.max_accounts, bounds.max_executions
    )))
}

fn unknown(account: &str) -> ApiError {
    ApiError::not_found(format!("account {account} does not exist"))
}

/// Reads the body into the generated `AccountRequest`; a violation names the field by its path.
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<AccountRequest, ApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let mime = content_type.to_str().unwrap_or_default();
        let mime = mime.split(';').next().unwrap_or_default().trim();
        if !(mime == "application/json" || mime.ends_with("+json")) {
            return Err(ApiError::bad_field(
                "Content-Type",
                format!("the body must be JSON (Content-Type: application/json), not `{mime}`"),
            ));
        }
    }
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    normalize_key(&mut value)?;
    serde_path_to_error::deserialize::<_, AccountRequest>(&value).map_err(|error| {
        let segments: Vec<String> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Seq { index } => Some(format!("[{index}]")),
                _ => None,
            })
            .collect();
        let message = error.inner().to_string();
        describe(&value, segments, &message)
    })
}

/// Jumio's own sample sends the workflow key as a string (`"key": "10163"`): a string of digits is
/// taken as that number.
fn normalize_key(body: &mut Value) -> Result<(), ApiError> {
    let Some(key) = body.pointer_mut("/workflowDefinition/key") else {
        return Ok(());
    };
    if let Value::String(text) = key {
        let number: u64 = text.trim().parse().map_err(|_| {
            ApiError::bad_field(
                "workflowDefinition.key",
                format!(
                    "workflowDefinition.key `{text}` is not a workflow key (a positive number)"
                ),
            )
        })?;
        *key = Value::from(number);
    }
    Ok(())
}

/// Turns a deserialisation error at `segments` into a precise 400.
fn describe(body: &Value, mut segments: Vec<String>, message: &str) -> ApiError {
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        segments.push(missing.to_owned());
        let field = join(&segments);
        return ApiError::bad_field(&field, format!("{field} is required"));
    }
    let field = join(&segments);
    let value = segments
        .iter()
        .try_fold(body, |value, segment| match segment.strip_prefix('[') {
            Some(index) => value.get(index.trim_end_matches(']').parse::<usize>().ok()?),
            None => value.get(segment),
        });
    let text = value.and_then(Value::as_str);
    if let Some(text) = text
        && let Err(violation) = check_limit(&field, text)
    {
        return violation.into();
    }
    let last = segments.last().map(String::as_str).unwrap_or_default();
    let detail = if message.starts_with("doesn't match pattern") {
        format!(
            "{field} `{}` is not an upper-case code (letters, digits and _)",
            text.unwrap_or_default()
        )
    } else if let Some(limit) = message
        .strip_prefix("longer than ")
        .and_then(|rest| rest.strip_suffix(" characters"))
    {
        let length = text.map_or(0, |t| t.chars().count());
        format!("{field} is {length} characters long; at most {limit} are allowed")
    } else if let Some(limit) = message
        .strip_prefix("shorter than ")
        .and_then(|rest| rest.strip_suffix(" characters"))
    {
        if limit == "1" {
            format!("{field} must not be empty")
        } else {
            format!("{field} must be at least {limit} characters long")
        }
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        let wanted = rest.split('`').next().unwrap_or_default();
        if last == "country" || segments.iter().any(|s| s == "country") {
            format!("{field}: `{wanted}` is not an ISO 3166-1 alpha-3 country code")
        } else {
            let expected = rest
                .split_once("expected one of ")
                .or_else(|| rest.split_once("expected "))
                .map_or("", |(_, list)| list);
            format!("{field}: `{wanted}` is not allowed; expected one of {expected}")
        }
    } else {
        format!("{field}: {message}")
    };
    ApiError::bad_field(field, detail)
}

fn join(segments: &[String]) -> String {
    let mut field = String::new();
    for segment in segments {
        if !field.is_empty() && !segment.starts_with('[') {
            field.push('.');
        }
        field.push_str(segment);
    }
    field
}

/// What a valid request asks for, beyond the request itself.
struct Plan {
    workflow: Arc<WorkflowDefinition>,
    token_lifetime: Duration,
    scenario: scenarios::Scenario,
    document: DocumentChoice,
    linked: Vec<Credential>,
    /// The country and type presets of the filters, by category, echoed in the response.
    presets: BTreeMap<String, (Option<CredentialPreset>, Option<CredentialPreset>)>,
}

/// The country and type presets of a credential filter, as the account response echoes them.
fn preset(
    filter: &jumio_kyx::generated::types::CredentialFilter,
) -> (Option<CredentialPreset>, Option<CredentialPreset>) {
    let country = filter.country.as_ref().map(|c| CredentialPreset {
        predefined_type: c.predefined_type.map(|p| p.to_string()),
        values: c.values.iter().map(ToString::to_string).collect(),
    });
    let type_ = filter.type_.as_ref().map(|t| CredentialPreset {
        predefined_type: t.predefined_type.map(|p| p.to_string()),
        values: t.values.iter().map(|v| v.as_str().to_owned()).collect(),
    });
    (country, type_)
}

/// The rules the schema cannot express. `linkable` holds the acquired credentials of the account
/// on update (none on creation).
fn validate(
    app: &AppState,
    request: &AccountRequest,
    linkable: Option<&[Credential]>,
) -> Result<Plan, ApiError> {
    let definition = &request.workflow_definition;
    let key = definition.key.get();
    let workflow = app
        .workflows
        .resolve(key)
        .map_err(|refused| ApiError::bad_field("workflowDefinition.key", refused.0))?;
    if workflow.existing_account && linkable.is_none() {
        return Err(ApiError::bad_field(
            "workflowDefinition.key",
            format!(
                "workflow {key} ({}) runs on an existing account; start it with an account update \
                 (PUT /api/v1/accounts/{{accountId}})",
                workflow.name
            ),
        ));
    }
    if workflow.user_reference_required && request.user_reference.is_none() {
        return Err(ApiError::bad_field(
            "userReference",
            format!("workflow {key} ({}) needs a userReference", workflow.name),
        ));
    }

    let mut document = DocumentChoice {
        document_type: "DRIVING_LICENSE".to_owned(),
        country: "USA".to_owned(),
    };
    let mut seen = Vec::new();
    let mut linked = Vec::new();
    let mut presets = BTreeMap::new();
    let acquired: Vec<String> = workflow
        .credentials
        .iter()
        .map(|c| c.category.to_string())
        .collect();
    for (index, filter) in definition.credentials.iter().enumerate() {
        let at = |rest: &str| format!("workflowDefinition.credentials[{index}].{rest}");
        let category = match filter.category {
            CredentialFilterCategory::Id => CredentialCategory::Id,
            CredentialFilterCategory::Selfie => CredentialCategory::Selfie,
            CredentialFilterCategory::Facemap => CredentialCategory::Facemap,
            CredentialFilterCategory::Document => CredentialCategory::Document,
        };
        if !workflow.has(&category) {
            return Err(ApiError::bad_field(
                at("category"),
                format!(
                    "workflow {key} acquires {} credentials, not {category}",
                    acquired.join(", ")
                ),
            ));
        }
        if seen.contains(&category) {
            return Err(ApiError::bad_field(
                at("category"),
                format!("{category} is listed twice"),
            ));
        }
        seen.push(category.clone());
        if category == CredentialCategory::Document && filter.id.is_none() {
            let single = |count: Option<usize>| count == Some(1);
            if !single(filter.type_.as_ref().map(|t| t.values.len()))
                || !single(filter.country.as_ref().map(|c| c.values.len()))
            {
                return Err(ApiError::bad_field(
                    at("type.values"),
                    "a DOCUMENT credential needs country and type with exactly one value each",
                ));
            }
        }
        if let Some(types) = &filter.type_ {
            let allowed: &[&str] = match category {
                CredentialCategory::Id => &ID_TYPES,
                CredentialCategory::Facemap => &FACEMAP_TYPES,
                _ => &[],
            };
            if types.values.is_empty() {
                return Err(ApiError::bad_field(
                    at("type.values"),
                    "type.values must list at least one type",
                ));
            }
            for (i, value) in types.values.iter().enumerate() {
                if category == CredentialCategory::Document {
                    break;
                }
                if !allowed.contains(&value.as_str()) {
                    let detail = if allowed.is_empty() {
                        format!("{category} credentials take no type filter")
                    } else {
                        format!(
                            "`{}` is not a type of {category} credentials; use {}",
                            value.as_str(),
                            allowed.join(", ")
                        )
                    };
                    return Err(ApiError::bad_field(
                        at(&format!("type.values[{i}]")),
                        detail,
                    ));
                }
            }
            if category == CredentialCategory::Id {
                document.document_type = types.values[0].to_string();
            }
        }
        if let Some(countries) = &filter.country {
            let Some(first) = countries.values.first() else {
                return Err(ApiError::bad_field(
                    at("country.values"),
                    "country.values must list at least one country",
                ));
            };
            if category == CredentialCategory::Id {
                document.country = first.to_string();
            }
        }
        presets.insert(category.to_string(), preset(filter));
        if let Some(id) = &filter.id {
            let existing = linkable
                .unwrap_or_default()
                .iter()
                .find(|c| c.id == id.as_str())
                .ok_or_else(|| {
                    ApiError::bad_field(
                        at("id"),
                        format!(
                            "credential {} is not an acquired credential of this account; only \
                             account update links existing credentials",
                            id.as_str()
                        ),
                    )
                })?;
            if existing.category != category {
                return Err(ApiError::bad_field(
                    at("id"),
                    format!(
                        "credential {} is a {} credential, not {category}",
                        existing.id, existing.category
                    ),
                ));
            }
            linked.push(existing.clone());
        }
    }
    for credential in &workflow.credentials {
        let category = &credential.category;
        if *category == CredentialCategory::Document && !seen.contains(category) {
            return Err(ApiError::bad_field(
                "workflowDefinition.credentials",
                format!(
                    "workflow {key} needs a DOCUMENT credential filter with its country and type \
                     (exactly one value each)"
                ),
            ));
        }
        if credential.existing && !linked.iter().any(|c| c.category == *category) {
            return Err(ApiError::bad_field(
                "workflowDefinition.credentials",
                format!(
                    "workflow {key} ({}) reuses an existing {category} credential of the account; \
                     link it by its id",
                    workflow.name
                ),
            ));
        }
    }

    for (field, value) in limited_fields(request) {
        check_limit(field, value)?;
    }
    if let Some(consent) = &request.user_consent {
        if consent.user_ip.parse::<IpAddr>().is_err() {
            return Err(ApiError::bad_field(
                "userConsent.userIp",
                format!(
                    "userConsent.userIp `{}` is not an IPv4 or IPv6 address",
                    consent.user_ip.as_str()
                ),
            ));
        }
        match &consent.consent {
            None if consent.user_location.country == CountryCode::Usa => {
                return Err(ApiError::bad_field(
                    "userConsent.consent",
                    "userConsent.consent is required when userConsent.userLocation.country is USA",
                ));
            }
            Some(details) if details.obtained == ConsentObtained::Yes => {
                let Some(at) = details.obtained_at else {
                    return Err(ApiError::bad_field(
                        "userConsent.consent.obtainedAt",
                        "userConsent.consent.obtainedAt is required when consent.obtained is yes",
                    ));
                };
                let age = chrono::Utc::now() - at;
                if age > chrono::Duration::days(limits::CONSENT_MAX_AGE_DAYS) {
                    return Err(ApiError::bad_field(
                        "userConsent.consent.obtainedAt",
                        format!(
                            "consent obtained at {at} is older than {} days (3 years), the \
                             longest Jumio accepts",
                            limits::CONSENT_MAX_AGE_DAYS
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    let scenario = scenarios::parse(&request.customer_internal_reference, workflow.clone())
        .map_err(|detail| ApiError::bad_field("customerInternalReference", detail))?;
    let token_lifetime = match &request.token_lifetime {
        _ if scenario.expire => EXPIRE_MARKER_LIFETIME,
        Some(lifetime) => limits::parse_token_lifetime(lifetime)?,
        None => limits::TOKEN_LIFETIME_DEFAULT,
    };
    Ok(Plan {
        workflow,
        presets,
        token_lifetime,
        scenario,
        document,
        linked,
    })
}

/// Builds the new workflow execution and the answer to the request.
fn start_execution(
    app: &AppState,
    account_id: &str,
    request: &AccountRequest,
    plan: Plan,
) -> (Execution, AccountResponse) {
    let links = app.links();
    let execution_id = uuid::Uuid::new_v4().to_string();
    let ids = Some((account_id, execution_id.as_str()));
    let issuer = &app.base_url;
    let signer = &app.signer;
    let lifetime = plan.token_lifetime;
    let transaction_token =
        signer.issue(issuer, TokenKind::Transaction, &execution_id, lifetime, ids);
    let sdk_token = signer.issue(issuer, TokenKind::Sdk, &execution_id, lifetime, ids);
    let web_token = signer.issue(issuer, TokenKind::Sdk, &execution_id, lifetime, ids);

    let mut credentials = Vec::new();
    let mut answered = Vec::new();
    for defined in &plan.workflow.credentials {
        let category = defined.category.clone();
        let (country, type_) = plan
            .presets
            .get(&category.to_string())
            .cloned()
            .unwrap_or_default();
        if let Some(existing) = plan.linked.iter().find(|c| c.category == category) {
            answered.push(WorkflowCredential {
                id: existing.id.clone(),
                category,
                label: None,
                allowed_channels: Vec::new(),
                api: None,
                country,
                type_,
            });
            credentials.push(Credential {
                linked: true,
                ..existing.clone()
            });
            continue;
        }
        let credential = Credential {
            id: uuid::Uuid::new_v4().to_string(),
            category,
            linked: false,
            parts: BTreeMap::new(),
        };
        let parts = if defined.api() {
            part_links(&links, account_id, &execution_id, &credential)
        } else {
            Vec::new()
        };
        let api = (!parts.is_empty()).then(|| CredentialApi {
            token: Some(transaction_token.clone()),
            parts: parts.into_iter().collect(),
            workflow_execution: Some(links.execution(account_id, &execution_id)),
        });
        answered.push(WorkflowCredential {
            id: credential.id.clone(),
            category: credential.category.clone(),
            label: (credential.category == CredentialCategory::Data).then(|| "DATA".to_owned()),
            allowed_channels: defined.channels.clone(),
            api,
            country,
            type_,
        });
        credentials.push(credential);
    }

    let now = timestamp();
    let web = request.web.as_ref();
    let locale = web
        .and_then(|w| w.locale.as_ref())
        .map_or_else(|| "en".to_owned(), ToString::to_string);
    let (id_country, id_type) = plan
        .presets
        .get(&CredentialCategory::Id.to_string())
        .cloned()
        .unwrap_or_default();
    let web_session = WebSession {
        token: web_token.clone(),
        success_url: web
            .and_then(|w| w.success_url.as_ref())
            .map(|u| u.as_str().to_owned()),
        error_url: web
            .and_then(|w| w.error_url.as_ref())
            .map(|u| u.as_str().to_owned()),
        id_country,
        id_type,
        ..WebSession::default()
    };
    let response = AccountResponse {
        timestamp: Some(now),
        account: AccountReference {
            id: account_id.to_owned(),
        },
        web: Some(WebLink {
            href: Some(links.web(&web_token, &locale)),
            success_url: web_session.success_url.clone(),
            error_url: web_session.error_url.clone(),
        }),
        sdk: Some(SdkToken {
            token: Some(sdk_token),
        }),
        workflow_execution: CreatedWorkflowExecution {
            id: execution_id.clone(),
            credentials: answered,
        },
    };
    let execution = Execution {
        id: execution_id,
        account_id: account_id.to_owned(),
        definition_key: plan.workflow.key,
        status: WorkflowStatus::Initiated,
        customer_internal_reference: request.customer_internal_reference.to_string(),
        user_reference: request
            .user_reference
            .as_ref()
            .map(|r| r.as_str().to_owned()),
        consent: request
            .user_consent
            .as_ref()
            .and_then(|c| c.consent.clone()),
        callback_url: request.callback_url.as_ref().map(|u| u.as_str().to_owned()),
        transaction_token,
        created_at: now,
        started_at: None,
        completed_at: None,
        token_deadline: Instant::now() + lifetime,
        process_at: None,
        web: web_session,
        credentials,
        document: plan.document,
        scenario: plan.scenario,
        outcome: None,
    };
    (execution, response)
}
