//! Account creation and update: validation of the `AccountRequest` (the generated type enforces the
//! spec's constraints; the rules the schema cannot express are checked here), and a new workflow
//! execution with the credentials of the workflow.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::auth::{TokenKind, require_access};
use super::errors::ApiError;
use super::scenarios::{self, EXPIRE_MARKER_LIFETIME, KNOWN_WORKFLOWS, Scenario};
use super::state::{
    Category, Credential, DocumentChoice, Execution, Shared, Status, StoredPart, timestamp,
};
use jumio_kyx::generated::types::{
    AccountReference, AccountRequest, AccountResponse, Channel, ConsentObtained, CountryCode,
    CreatedWorkflowExecution, CredentialApi, CredentialFilterCategory, SdkToken, WebLink,
    WorkflowCredential,
};

/// The token lifetime when the request sets none, as Jumio's default.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);
const ID_TYPES: [&str; 4] = ["ID_CARD", "DRIVING_LICENSE", "PASSPORT", "VISA"];
const FACEMAP_TYPES: [&str; 3] = ["IPROOV_STANDARD", "IPROOV_PREMIUM", "JUMIO_STANDARD"];
const FORBIDDEN_REFERENCE_CHARACTERS: &str = "<>\"/;`%{}|";
/// Consent is valid for at most three years.
const CONSENT_VALIDITY_DAYS: i64 = 3 * 365;

/// `POST /api/v1/accounts`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AccountResponse>, ApiError> {
    require_access(&shared, &headers)?;
    let request = parse(&headers, &body)?;
    let plan = validate(&request, None)?;
    let account_id = uuid::Uuid::new_v4().to_string();
    let (execution, response) = start_execution(&shared, &account_id, &request, plan);
    let evicted = shared
        .lock()
        .insert_account(execution, shared.config.max_accounts);
    let counters = &shared.counters;
    counters
        .accounts_evicted
        .fetch_add(evicted, Ordering::Relaxed);
    counters.accounts_created.fetch_add(1, Ordering::Relaxed);
    counters
        .workflow_executions_started
        .fetch_add(1, Ordering::Relaxed);
    Ok(Json(response))
}

/// `PUT /api/v1/accounts/{accountId}`: a new workflow execution on an existing account.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AccountResponse>, ApiError> {
    require_access(&shared, &headers)?;
    let Path(account_id) = path?;
    let linkable: Vec<Credential> = {
        let store = shared.lock();
        let account = store
            .account(&account_id)
            .ok_or_else(|| unknown(&account_id))?;
        account
            .executions
            .iter()
            .flat_map(|e| e.credentials.iter())
            .filter(|c| !c.parts.is_empty())
            .cloned()
            .collect()
    };
    let request = parse(&headers, &body)?;
    let plan = validate(&request, Some(&linkable))?;
    let (execution, response) = start_execution(&shared, &account_id, &request, plan);
    if !shared.lock().insert_execution(execution) {
        return Err(unknown(&account_id));
    }
    shared
        .counters
        .workflow_executions_started
        .fetch_add(1, Ordering::Relaxed);
    Ok(Json(response))
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
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
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
    let last = segments.last().map(String::as_str).unwrap_or_default();
    let detail = if message.starts_with("doesn't match pattern") {
        match last {
            "customerInternalReference" => {
                format!("{field} must not contain any of {FORBIDDEN_REFERENCE_CHARACTERS}")
            }
            "tokenLifetime" => format!(
                "{field} `{}` is not a lifetime Jumio accepts: a number followed by s, m, h or d \
                 (for example 600s, 30m, 1d), at least 5m and at most 60d",
                text.unwrap_or_default()
            ),
            _ => format!(
                "{field} `{}` is not an upper-case code (letters, digits and _)",
                text.unwrap_or_default()
            ),
        }
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
    key: u64,
    token_lifetime: Duration,
    scenario: Scenario,
    document: DocumentChoice,
    linked: Vec<Credential>,
}

/// The rules the schema cannot express. `linkable` holds the acquired credentials of the account
/// on update (none on creation).
fn validate(request: &AccountRequest, linkable: Option<&[Credential]>) -> Result<Plan, ApiError> {
    let definition = &request.workflow_definition;
    let key = definition.key.get();
    if !KNOWN_WORKFLOWS.contains(&key) {
        return Err(ApiError::bad_field(
            "workflowDefinition.key",
            format!(
                "workflow definition key {key} is not known to the sandbox; it runs 10011 (ID and \
                 identity verification) and 10013 (10011 with screening, address and US driving \
                 licence verification)"
            ),
        ));
    }

    let mut document = DocumentChoice {
        document_type: "DRIVING_LICENSE".to_owned(),
        country: "USA".to_owned(),
    };
    let mut seen = Vec::new();
    let mut linked = Vec::new();
    for (index, filter) in definition.credentials.iter().enumerate() {
        let at = |rest: &str| format!("workflowDefinition.credentials[{index}].{rest}");
        let category = match filter.category {
            CredentialFilterCategory::Id => Category::Id,
            CredentialFilterCategory::Selfie => Category::Selfie,
            CredentialFilterCategory::Facemap => Category::Facemap,
            CredentialFilterCategory::Document => {
                return Err(ApiError::bad_field(
                    at("category"),
                    format!(
                        "workflow {key} acquires ID, SELFIE and FACEMAP credentials, not DOCUMENT"
                    ),
                ));
            }
        };
        if seen.contains(&category) {
            return Err(ApiError::bad_field(
                at("category"),
                format!("{} is listed twice", category.name()),
            ));
        }
        seen.push(category);
        if let Some(types) = &filter.type_ {
            let allowed: &[&str] = match category {
                Category::Id => &ID_TYPES,
                Category::Facemap => &FACEMAP_TYPES,
                Category::Selfie => &[],
            };
            if types.values.is_empty() {
                return Err(ApiError::bad_field(
                    at("type.values"),
                    "type.values must list at least one type",
                ));
            }
            for (i, value) in types.values.iter().enumerate() {
                if !allowed.contains(&value.as_str()) {
                    let detail = if allowed.is_empty() {
                        format!("{} credentials take no type filter", category.name())
                    } else {
                        format!(
                            "`{}` is not a type of {} credentials; use {}",
                            value.as_str(),
                            category.name(),
                            allowed.join(", ")
                        )
                    };
                    return Err(ApiError::bad_field(
                        at(&format!("type.values[{i}]")),
                        detail,
                    ));
                }
            }
            if category == Category::Id {
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
            if category == Category::Id {
                document.country = first.to_string();
            }
        }
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
                        "credential {} is a {} credential, not {}",
                        existing.id,
                        existing.category.name(),
                        category.name()
                    ),
                ));
            }
            linked.push(existing.clone());
        }
    }

    if let Some(url) = &request.callback_url {
        check_url("callbackUrl", url, true)?;
    }
    if let Some(web) = &request.web {
        if let Some(url) = &web.success_url {
            check_url("web.successUrl", url, false)?;
        }
        if let Some(url) = &web.error_url {
            check_url("web.errorUrl", url, false)?;
        }
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
                if age > chrono::Duration::days(CONSENT_VALIDITY_DAYS) {
                    return Err(ApiError::bad_field(
                        "userConsent.consent.obtainedAt",
                        format!(
                            "consent obtained at {at} is older than 3 years, the longest Jumio accepts"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    let scenario = scenarios::parse(&request.customer_internal_reference, key)
        .map_err(|detail| ApiError::bad_field("customerInternalReference", detail))?;
    let token_lifetime = if scenario.expire {
        EXPIRE_MARKER_LIFETIME
    } else {
        request
            .token_lifetime
            .as_ref()
            .map_or(DEFAULT_TOKEN_LIFETIME, |lifetime| parse_lifetime(lifetime))
    };
    Ok(Plan {
        key,
        token_lifetime,
        scenario,
        document,
        linked,
    })
}

/// Reads a lifetime the schema pattern has accepted (`+0030m`, `600s`, `1d`).
fn parse_lifetime(text: &str) -> Duration {
    let text = text.trim_start_matches('+');
    let (number, unit) = text.split_at(text.len() - 1);
    let amount: u64 = number.parse().unwrap_or(0);
    let seconds = match unit {
        "s" => amount,
        "m" => amount * 60,
        "h" => amount * 3600,
        _ => amount * 86_400,
    };
    Duration::from_secs(seconds)
}

/// An absolute HTTPS URL; plain HTTP only to a loopback host (the sandbox's allowance for local
/// receivers). Callback URLs follow Jumio's further rules: no IP address, port or fragment, except
/// on loopback.
fn check_url(field: &str, text: &str, callback: bool) -> Result<(), ApiError> {
    let bad = |detail: String| Err(ApiError::bad_field(field, detail));
    let Ok(url) = reqwest::Url::parse(text) else {
        return bad(format!("{field} `{text}` is not an absolute URL"));
    };
    let Some(host) = url.host_str() else {
        return bad(format!("{field} `{text}` has no host"));
    };
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    let loopback = ip.map_or(host.eq_ignore_ascii_case("localhost"), |ip| {
        ip.is_loopback()
    });
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return bad(format!(
                "{field} must use https; the sandbox accepts plain http only for loopback hosts \
                 (127.0.0.1, ::1, localhost)"
            ));
        }
        scheme => return bad(format!("{field} must be an https URL, not {scheme}")),
    }
    if callback && !loopback {
        if ip.is_some() {
            return bad(format!(
                "{field} must name a domain; Jumio does not call IP addresses"
            ));
        }
        if url.port().is_some() {
            return bad(format!(
                "{field} must not name a port; Jumio calls port 443 only"
            ));
        }
    }
    if callback && url.fragment().is_some() {
        return bad(format!("{field} must not have a fragment (#...)"));
    }
    Ok(())
}

/// Builds the new workflow execution and the answer to the request.
fn start_execution(
    shared: &Shared,
    account_id: &str,
    request: &AccountRequest,
    plan: Plan,
) -> (Execution, AccountResponse) {
    let links = shared.links();
    let execution_id = uuid::Uuid::new_v4().to_string();
    let ids = Some((account_id, execution_id.as_str()));
    let issuer = &shared.base_url;
    let signer = &shared.signer;
    let lifetime = plan.token_lifetime;
    let transaction_token =
        signer.issue(issuer, TokenKind::Transaction, &execution_id, lifetime, ids);
    let sdk_token = signer.issue(issuer, TokenKind::Sdk, &execution_id, lifetime, ids);
    let web_token = signer.issue(issuer, TokenKind::Sdk, &execution_id, lifetime, ids);

    let mut credentials = Vec::new();
    let mut answered = Vec::new();
    for category in [Category::Id, Category::Selfie, Category::Facemap] {
        if let Some(existing) = plan.linked.iter().find(|c| c.category == category) {
            answered.push(WorkflowCredential {
                id: existing.id.clone(),
                category: category.generated(),
                label: None,
                allowed_channels: Vec::new(),
                api: None,
            });
            credentials.push(Credential {
                linked: true,
                ..existing.clone()
            });
            continue;
        }
        let credential_id = uuid::Uuid::new_v4().to_string();
        let classifiers = category.upload_classifiers();
        let api = (!classifiers.is_empty()).then(|| CredentialApi {
            token: Some(transaction_token.clone()),
            parts: classifiers
                .iter()
                .map(|c| {
                    let href = links.upload(account_id, &execution_id, &credential_id, c.name());
                    (c.key().to_owned(), href)
                })
                .collect(),
            workflow_execution: Some(links.execution(account_id, &execution_id)),
        });
        let allowed_channels = if api.is_some() {
            vec![Channel::Web, Channel::Api, Channel::Sdk]
        } else {
            vec![Channel::Web, Channel::Sdk]
        };
        answered.push(WorkflowCredential {
            id: credential_id.clone(),
            category: category.generated(),
            label: None,
            allowed_channels,
            api,
        });
        credentials.push(Credential {
            id: credential_id,
            category,
            linked: false,
            parts: BTreeMap::<_, StoredPart>::new(),
        });
    }

    let now = timestamp();
    let web = request.web.as_ref();
    let locale = web
        .and_then(|w| w.locale.as_ref())
        .map_or_else(|| "en".to_owned(), ToString::to_string);
    let response = AccountResponse {
        timestamp: Some(now),
        account: AccountReference {
            id: account_id.to_owned(),
        },
        web: Some(WebLink {
            href: Some(links.web(&web_token, &locale)),
            success_url: web
                .and_then(|w| w.success_url.as_ref())
                .map(|u| u.as_str().to_owned()),
            error_url: web
                .and_then(|w| w.error_url.as_ref())
                .map(|u| u.as_str().to_owned()),
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
        definition_key: plan.key,
        status: Status::Initiated,
        customer_internal_reference: request.customer_internal_reference.to_string(),
        user_reference: request
            .user_reference
            .as_ref()
            .map(|r| r.as_str().to_owned()),
        callback_url: request.callback_url.as_ref().map(|u| u.as_str().to_owned()),
        transaction_token,
        created_at: now,
        started_at: None,
        completed_at: None,
        token_deadline: Instant::now() + lifetime,
        process_at: None,
        credentials,
        document: plan.document,
        scenario: plan.scenario,
        outcome: None,
    };
    (execution, response)
}
