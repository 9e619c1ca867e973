//! The API channel: credential part upload (multipart `file`, JPEG or PNG by content, Jumio's size
//! and resolution limits), prepared data, and finalization. Authorised by the transaction token of
//! the workflow execution only.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::auth::{require_some_transaction, require_transaction};
use super::errors::ApiError;
use super::scenarios::BLUR_MARKER;
use super::state::{
    Category, Classifier, Execution, Shared, Status, StatusChange, StoredPart, timestamp,
};
use jumio_kyx::generated::types::{
    AccountReference, CredentialReference, FinalizeResponse, PartReference, PreparedData,
    UploadLinks, UploadResponse, WorkflowExecutionReference,
};

/// Largest image Jumio accepts: 10 MB.
pub(crate) const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest width and height Jumio accepts.
const MAX_SIDE: usize = 8000;
/// The longest side must be more than this.
const MIN_LONGEST_SIDE: usize = 300;

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

type ExecutionPath = (String, String);
type PartPath = (String, String, String, String);

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// The execution addressed by a transaction-token call, checked in Jumio's order: a token of the
/// right kind (401), known ids (404), the token of this very execution (401), not expired (401).
fn authorised<'s>(
    shared: &Shared,
    store: &'s super::state::Store,
    headers: &HeaderMap,
    account: &str,
    execution: &str,
) -> Result<&'s Execution, ApiError> {
    let found = store.execution(account, execution).ok_or_else(|| {
        ApiError::not_found(format!(
            "workflow execution {execution} of account {account} does not exist"
        ))
    })?;
    require_transaction(shared, headers, &found.transaction_token, execution)?;
    if found.status == Status::TokenExpired {
        return Err(ApiError::unauthorized(
            "the transaction token has expired (the workflow execution is TOKEN_EXPIRED)",
        ));
    }
    Ok(found)
}

fn not_initiated(execution: &Execution) -> Option<ApiError> {
    (execution.status != Status::Initiated).then(|| {
        ApiError::bad_request(format!(
            "workflow execution {} is {} and was finalized already; create a new one with an \
             account update",
            execution.id,
            execution.status.name()
        ))
    })
}

/// `POST .../credentials/{credentialId}/parts/{classifier}`.
pub(crate) async fn upload_part(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<PartPath>, PathRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<UploadResponse>, ApiError> {
    require_some_transaction(&shared, &headers)?;
    let Path((account_id, execution_id, credential_id, classifier)) = path?;
    shared.advance_one(&account_id, &execution_id);
    let classifier = Classifier::parse(&classifier).ok_or_else(|| {
        ApiError::bad_field(
            "classifier",
            format!("`{classifier}` is not an upload classifier; use FRONT, BACK, FACE or FACEMAP"),
        )
    })?;
    {
        let store = shared.lock();
        let execution = authorised(&shared, &store, &headers, &account_id, &execution_id)?;
        let credential = execution.credential(&credential_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "credential {credential_id} is not part of workflow execution {execution_id}"
            ))
        })?;
        if let Some(error) = not_initiated(execution) {
            return Err(error);
        }
        fits(credential.category, credential.linked, classifier)?;
    }

    let mut multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(format!(
            "the body must be multipart/form-data with a field `file`: {}",
            rejection.body_text()
        ))
    })?;
    let file = read_file(&mut multipart).await?;
    let part = inspect(file)?;
    let part_id = part.id.clone();
    let size = part.bytes.len();

    let response = {
        let mut store = shared.lock();
        let execution = authorised(&shared, &store, &headers, &account_id, &execution_id)?;
        if let Some(error) = not_initiated(execution) {
            return Err(error);
        }
        let evicted = store
            .store_part(
                &account_id,
                &execution_id,
                &credential_id,
                classifier,
                part,
                shared.config.max_stored_bytes,
            )
            .map_err(|_| {
                ApiError::bad_field(
                    "file",
                    format!(
                        "the sandbox keeps at most {} of images and this upload does not fit",
                        megabytes(shared.config.max_stored_bytes)
                    ),
                )
            })?;
        shared
            .counters
            .accounts_evicted
            .fetch_add(evicted, Ordering::Relaxed);
        let execution = store
            .execution_mut(&account_id, &execution_id)
            .ok_or_else(|| {
                ApiError::not_found(format!("workflow execution {execution_id} does not exist"))
            })?;
        if execution.started_at.is_none() {
            execution.started_at = Some(timestamp());
        }
        upload_response(&shared, execution, &credential_id, Some(part_id))
    };
    shared
        .counters
        .parts_uploaded
        .fetch_add(1, Ordering::Relaxed);
    tracing::debug!(
        account = %account_id,
        workflow_execution = %execution_id,
        classifier = classifier.name(),
        bytes = size,
        "credential part stored"
    );
    Ok(Json(response))
}

/// The classifier must belong to the credential: FRONT or BACK of an ID, FACE of a SELFIE.
fn fits(category: Category, linked: bool, classifier: Classifier) -> Result<(), ApiError> {
    if linked {
        return Err(ApiError::bad_field(
            "credentialId",
            "this credential was linked from an earlier workflow execution and is acquired already",
        ));
    }
    let allowed = category.upload_classifiers();
    if allowed.contains(&classifier) {
        return Ok(());
    }
    let detail = if allowed.is_empty() {
        format!(
            "{} credentials cannot be uploaded through the API; they are captured by the SDK and Web clients",
            category.name()
        )
    } else {
        format!(
            "{} does not fit a {} credential; upload {}",
            classifier.name(),
            category.name(),
            allowed
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    Err(ApiError::bad_field("classifier", detail))
}

fn multipart_error(error: &MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::bad_field(
            "file",
            format!(
                "the request body is larger than {}; Jumio accepts images of at most {}",
                megabytes(super::UPLOAD_BODY_LIMIT),
                megabytes(MAX_FILE_BYTES)
            ),
        )
    } else {
        ApiError::bad_request(format!(
            "the multipart body cannot be read: {}",
            error.body_text()
        ))
    }
}

/// The bytes of the field `file`; other fields are ignored.
async fn read_file(multipart: &mut Multipart) -> Result<Bytes, ApiError> {
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        if field.name() == Some("file") {
            if file.is_some() {
                return Err(ApiError::bad_field(
                    "file",
                    "the body has more than one field `file`",
                ));
            }
            file = Some(field.bytes().await.map_err(|e| multipart_error(&e))?);
        }
    }
    file.ok_or_else(|| ApiError::bad_field("file", "the multipart body has no field `file`"))
}

/// Checks an image against Jumio's limits and makes it a stored part.
fn inspect(bytes: Bytes) -> Result<StoredPart, ApiError> {
    let bad = |detail: String| Err(ApiError::bad_field("file", detail));
    if bytes.is_empty() {
        return bad("file is empty".to_owned());
    }
    if bytes.len() > MAX_FILE_BYTES {
        return bad(format!(
            "file is {}; Jumio accepts at most {}",
            megabytes(bytes.len()),
            megabytes(MAX_FILE_BYTES)
        ));
    }
    let (kind, content_type) = if bytes.starts_with(JPEG_MAGIC) {
        ("JPEG", "image/jpeg")
    } else if bytes.starts_with(PNG_MAGIC) {
        ("PNG", "image/png")
    } else {
        return bad(
            "file is neither a JPEG nor a PNG image (the type is read from the content, not the \
             file name)"
                .to_owned(),
        );
    };
    let Ok(size) = imagesize::blob_size(&bytes) else {
        return bad(format!(
            "file starts like a {kind} but its dimensions cannot be read"
        ));
    };
    let (width, height) = (size.width, size.height);
    if width > MAX_SIDE || height > MAX_SIDE {
        return bad(format!(
            "file is {width}×{height} pixels; Jumio accepts at most {MAX_SIDE}×{MAX_SIDE}"
        ));
    }
    if width.max(height) <= MIN_LONGEST_SIDE {
        return bad(format!(
            "file is {width}×{height} pixels; its longest side must be more than {MIN_LONGEST_SIDE} pixels"
        ));
    }
    let marked_blurred = memchr::memmem::find(&bytes, BLUR_MARKER).is_some();
    Ok(StoredPart {
        id: uuid::Uuid::new_v4().to_string(),
        digest: Sha256::digest(&bytes).into(),
        content_type,
        width,
        height,
        marked_blurred,
        bytes,
    })
}

fn upload_response(
    shared: &Shared,
    execution: &Execution,
    credential_id: &str,
    part_id: Option<String>,
) -> UploadResponse {
    let links = shared.links();
    let parts = execution
        .credential(credential_id)
        .map(|credential| {
            credential
                .category
                .upload_classifiers()
                .iter()
                .map(|c| {
                    let href = links.upload(
                        &execution.account_id,
                        &execution.id,
                        credential_id,
                        c.name(),
                    );
                    (c.key().to_owned(), Value::String(href))
                })
                .collect()
        })
        .unwrap_or_default();
    UploadResponse {
        timestamp: Some(timestamp()),
        account: AccountReference {
            id: execution.account_id.clone(),
        },
        workflow_execution: WorkflowExecutionReference {
            id: execution.id.clone(),
        },
        credential: Some(CredentialReference {
            id: credential_id.to_owned(),
        }),
        part: part_id.map(|id| PartReference { id }),
        api: Some(UploadLinks {
            token: None,
            parts,
            workflow_execution: Some(links.execution(&execution.account_id, &execution.id)),
        }),
    }
}

/// `POST .../credentials/{credentialId}/parts/PREPARED_DATA`: only DATA credentials take prepared
/// data, and the sandbox's workflows have none; the request is checked all the same, so a client
/// sees the errors it would get.
pub(crate) async fn upload_prepared_data(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<(String, String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Json<UploadResponse>, ApiError> {
    require_some_transaction(&shared, &headers)?;
    let Path((account_id, execution_id, credential_id)) = path?;
    shared.advance_one(&account_id, &execution_id);
    let category = {
        let store = shared.lock();
        let execution = authorised(&shared, &store, &headers, &account_id, &execution_id)?;
        let credential = execution.credential(&credential_id).ok_or_else(|| {
            ApiError::not_found(format!(
                "credential {credential_id} is not part of workflow execution {execution_id}"
            ))
        })?;
        if let Some(error) = not_initiated(execution) {
            return Err(error);
        }
        credential.category
    };
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    serde_path_to_error::deserialize::<_, PreparedData>(&value).map_err(|error| {
        let field = error.path().to_string();
        ApiError::bad_field(&field, format!("{field}: {}", error.inner()))
    })?;
    Err(ApiError::bad_field(
        "credentialId",
        format!(
            "credential {credential_id} is a {} credential; prepared data is uploaded to DATA \
             credentials, which workflows 10011 and 10013 do not have",
            category.name()
        ),
    ))
}

/// `PUT .../workflow-executions/{workflowExecutionId}`: ends the acquisition and starts processing.
pub(crate) async fn finalize(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    path: Result<Path<ExecutionPath>, PathRejection>,
) -> Result<Json<FinalizeResponse>, ApiError> {
    require_some_transaction(&shared, &headers)?;
    let Path((account_id, execution_id)) = path?;
    shared.advance_one(&account_id, &execution_id);
    let change = {
        let mut store = shared.lock();
        let execution = authorised(&shared, &store, &headers, &account_id, &execution_id)?;
        if matches!(execution.status, Status::Acquired | Status::Processed) {
            // Finalizing again changes nothing and answers as the first time did, so that a
            // client may repeat a finalize whose answer it did not get.
            return Ok(Json(FinalizeResponse {
                timestamp: Some(timestamp()),
                account: AccountReference { id: account_id },
                workflow_execution: WorkflowExecutionReference { id: execution_id },
            }));
        }
        if let Some(error) = not_initiated(execution) {
            return Err(error);
        }
        let missing: Vec<String> = [
            (Category::Id, Classifier::Front),
            (Category::Selfie, Classifier::Face),
        ]
        .into_iter()
        .filter(|(category, classifier)| execution.part(*category, *classifier).is_none())
        .map(|(category, classifier)| format!("{} {}", category.name(), classifier.name()))
        .collect();
        if let Some(first) = missing.first() {
            return Err(ApiError::bad_field(
                first.clone(),
                format!(
                    "cannot finalize workflow execution {execution_id}: missing {}; upload {} first",
                    missing.join(" and "),
                    if missing.len() == 1 { "it" } else { "them" }
                ),
            ));
        }
        let delay = shared.config.processing_delay;
        let execution = store
            .execution_mut(&account_id, &execution_id)
            .ok_or_else(|| {
                ApiError::not_found(format!("workflow execution {execution_id} does not exist"))
            })?;
        execution.status = Status::Acquired;
        execution.process_at = Some(Instant::now() + delay);
        if execution.started_at.is_none() {
            execution.started_at = Some(timestamp());
        }
        StatusChange::of(execution)
    };
    shared.announce(vec![change]);
    // Processing ends on its own timer (one task per finalized execution, not a walk over every
    // stored one); reads apply it too, so a status never lags behind.
    let (timer, account, execution) = (shared.clone(), account_id.clone(), execution_id.clone());
    tokio::spawn(async move {
        tokio::time::sleep(timer.config.processing_delay).await;
        timer.advance_one(&account, &execution);
    });
    Ok(Json(FinalizeResponse {
        timestamp: Some(timestamp()),
        account: AccountReference { id: account_id },
        workflow_execution: WorkflowExecutionReference { id: execution_id },
    }))
}
