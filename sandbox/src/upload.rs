//! The API channel: credential part upload (multipart `file`, checked by `image.rs`), prepared data,
//! and finalization. Authorised by the transaction token of the workflow execution only.

use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::auth::{Authorised, TransactionScope, require_transaction};
use super::counters;
use super::errors::ApiError;
use super::image::{self, megabytes};
use super::links::Links;
use super::scenarios::BLUR_MARKER;
use super::state::{AppState, Execution, Store};
use super::store::{Credential, StatusChange, StoredPart, timestamp};
use jumio_kyx::generated::types::{
    AccountReference, CredentialCategory, CredentialReference, FinalizeResponse, PartClassifier,
    PartReference, PreparedData, UploadClassifier, UploadLinks, UploadResponse,
    WorkflowExecutionReference, WorkflowStatus,
};
use jumio_kyx::limits::image::MAX_BYTES;
use jumio_kyx::workflows;

/// Largest document (JPEG, PNG or PDF) or face map Jumio takes in one upload.
pub(crate) const DOCUMENT_MAX_BYTES: u64 = 15 * 1024 * 1024;

/// Largest request body of an upload: a bit over Jumio's largest document, so that a larger file
/// gets a precise `400` naming its size instead of a cut-off stream.
pub(crate) const BODY_LIMIT: usize = DOCUMENT_MAX_BYTES as usize + 2 * 1024 * 1024;

/// The upload links of a credential the API channel acquires, keyed as in `api.parts` (`front`,
/// `back`, `face`, `prepared_data`, `document`, `facemap`): the parts of
/// `jumio_kyx::workflows::api_parts`.
pub(crate) fn part_links(
    links: &Links<'_>,
    account: &str,
    execution: &str,
    credential: &Credential,
) -> Vec<(String, String)> {
    workflows::api_parts(&credential.category)
        .iter()
        .map(|classifier| {
            (
                classifier.to_ascii_lowercase(),
                links.upload(account, execution, &credential.id, classifier),
            )
        })
        .collect()
}

/// The ids in the path of an API-channel call.
#[derive(Deserialize)]
pub(crate) struct ChannelIds {
    #[serde(rename = "accountId")]
    account: String,
    #[serde(rename = "workflowExecutionId")]
    execution: String,
    #[serde(rename = "credentialId", default)]
    credential: Option<String>,
    #[serde(default)]
    classifier: Option<String>,
}

/// An API-channel call (upload, prepared data, finalization): a transaction token, and the ids of
/// its path.
pub(crate) type ChannelCall = Authorised<TransactionScope, ChannelIds>;

impl ChannelCall {
    fn credential_id(&self) -> &str {
        self.path.credential.as_deref().unwrap_or_default()
    }

    /// The store, locked, with the due transitions of the execution applied first.
    fn open<'a>(&self, app: &'a AppState) -> MutexGuard<'a, Store> {
        app.advance_one(&self.path.account, &self.path.execution);
        app.lock()
    }

    /// The execution the call addresses: known ids (`404`), the transaction token of this very
    /// execution (`401`), not expired (`401`).
    fn execution<'s>(&self, app: &AppState, store: &'s Store) -> Result<&'s Execution, ApiError> {
        let ChannelIds {
            account, execution, ..
        } = &self.path;
        let found = store.execution(account, execution).ok_or_else(|| {
            ApiError::not_found(format!(
                "workflow execution {execution} of account {account} does not exist"
            ))
        })?;
        require_transaction(app, &self.headers, &found.transaction_token, execution)?;
        if found.status == WorkflowStatus::TokenExpired {
            return Err(ApiError::unauthorized(
                "the transaction token has expired (the workflow execution is TOKEN_EXPIRED)",
            ));
        }
        Ok(found)
    }

    /// The credential the call uploads to, in an execution that takes uploads: the execution as
    /// [`execution`](Self::execution), a credential of it (`404`), not finalized yet (`400`).
    fn credential<'s>(&self, app: &AppState, store: &'s Store) -> Result<&'s Credential, ApiError> {
        let execution = self.execution(app, store)?;
        let credential = execution.credential(self.credential_id()).ok_or_else(|| {
            ApiError::not_found(format!(
                "credential {} is not part of workflow execution {}",
                self.credential_id(),
                execution.id
            ))
        })?;
        ensure_initiated(execution)?;
        Ok(credential)
    }
}

fn ensure_initiated(execution: &Execution) -> Result<(), ApiError> {
    if execution.status == WorkflowStatus::Initiated {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "workflow execution {} is {} and was finalized already; create a new one with an account \
         update",
        execution.id, execution.status
    )))
}

/// `POST .../credentials/{credentialId}/parts/{classifier}`.
pub(crate) async fn upload_part(
    State(app): State<Arc<AppState>>,
    call: ChannelCall,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<UploadResponse>, ApiError> {
    let name = call.path.classifier.as_deref().unwrap_or_default();
    let classifier: UploadClassifier = name.parse().map_err(|_| {
        ApiError::bad_field(
            "classifier",
            format!("`{name}` is not an upload classifier; use FRONT, BACK, FACE or FACEMAP"),
        )
    })?;
    {
        let store = call.open(&app);
        let credential = call.credential(&app, &store)?;
        let execution = call.execution(&app, &store)?;
        fits(execution, credential, classifier)?;
    }

    let mut multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(format!(
            "the body must be multipart/form-data with a field `file`: {}",
            rejection.body_text()
        ))
    })?;
    let file = read_file(&mut multipart).await?;
    let part = check_part(classifier, file)?;
    let part_id = part.id.clone();
    store_part(
        &app,
        &call,
        PartClassifier::from(classifier.to_string()),
        part,
        Some(part_id),
    )
    .map(Json)
}

/// Checks the bytes of a part `classifier` as Jumio does: a document is a JPEG, PNG or PDF, a face
/// map any binary of at most 15 MB, every other part a JPEG or PNG image within Jumio's limits.
/// Both channels (this API, the Web journey) check their files here; the error is the `400` of
/// the part `file`.
pub(crate) fn check_part(
    classifier: UploadClassifier,
    bytes: Bytes,
) -> Result<StoredPart, ApiError> {
    match classifier {
        UploadClassifier::Document => document_part(bytes),
        UploadClassifier::Facemap => binary_part(bytes),
        _ => stored_part(bytes),
    }
}

/// Keeps a checked part as part `classifier` of credential `ids.2`, evicting finished accounts
/// when the store is full, and counts it. The execution has started acquiring once it holds a
/// part. Both channels store their parts here.
pub(crate) fn keep_part(
    app: &AppState,
    store: &mut Store,
    ids: (&str, &str, &str),
    classifier: PartClassifier,
    part: StoredPart,
) -> Result<(), ApiError> {
    let (account, execution, _) = ids;
    let size = part.bytes.len();
    let evicted = store
        .store_part(
            ids,
            classifier.clone(),
            part,
            app.config.bounds().max_bytes,
            Instant::now(),
        )
        .map_err(|_| {
            ApiError::bad_field(
                "file",
                format!(
                    "the sandbox keeps at most {} of images and this upload does not fit",
                    megabytes(app.config.max_stored_bytes as u64)
                ),
            )
        })?;
    counters::add(&app.counters.accounts_evicted, evicted);
    counters::add(&app.counters.parts_uploaded, 1);
    let stored = store.execution_mut(account, execution).ok_or_else(|| {
        ApiError::not_found(format!("workflow execution {execution} does not exist"))
    })?;
    stored.started_at.get_or_insert_with(timestamp);
    tracing::debug!(
        %account,
        workflow_execution = %execution,
        %classifier,
        bytes = size,
        "credential part stored"
    );
    Ok(())
}

/// Stores `part` as part `classifier` of the call's credential, evicting finished accounts when
/// the store is full, and returns the upload answer (with `part_id` as the part's id when given).
fn store_part(
    app: &AppState,
    call: &ChannelCall,
    classifier: PartClassifier,
    part: StoredPart,
    part_id: Option<String>,
) -> Result<UploadResponse, ApiError> {
    let ChannelIds {
        account, execution, ..
    } = &call.path;
    let mut store = call.open(app);
    call.credential(app, &store)?;
    keep_part(
        app,
        &mut store,
        (account, execution, call.credential_id()),
        classifier,
        part,
    )?;
    let stored = store.execution(account, execution).ok_or_else(|| {
        ApiError::not_found(format!("workflow execution {execution} does not exist"))
    })?;
    Ok(upload_response(app, stored, call.credential_id(), part_id))
}

/// The classifier must belong to the credential (FRONT or BACK of an ID, FACE of a SELFIE,
/// DOCUMENT of a document, FACEMAP of a face map), and the workflow must let the API channel
/// acquire it.
fn fits(
    execution: &Execution,
    credential: &Credential,
    classifier: UploadClassifier,
) -> Result<(), ApiError> {
    if credential.linked {
        return Err(ApiError::bad_field(
            "credentialId",
            "this credential was linked from an earlier workflow execution and is acquired already",
        ));
    }
    let category = &credential.category;
    let api = execution
        .scenario
        .workflow
        .credential(category)
        .is_some_and(|c| c.api());
    let allowed: Vec<&str> = workflows::api_parts(category)
        .iter()
        .copied()
        .filter(|part| *part != "PREPARED_DATA")
        .collect();
    let name = classifier.to_string();
    if api && allowed.contains(&name.as_str()) {
        return Ok(());
    }
    let detail = if !api || allowed.is_empty() {
        format!(
            "{category} credentials of workflow {} cannot be uploaded through the API; they are \
             captured by the SDK and Web clients",
            execution.definition_key
        )
    } else {
        format!(
            "{classifier} does not fit a {category} credential; upload {}",
            allowed.join(" or ")
        )
    };
    Err(ApiError::bad_field("classifier", detail))
}

pub(crate) fn multipart_error(error: &MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::bad_field(
            "file",
            format!(
                "the request body is larger than {}; Jumio accepts images of at most {}",
                megabytes(BODY_LIMIT as u64),
                megabytes(MAX_BYTES)
            ),
        )
    } else {
        ApiError::bad_request(format!(
            "the multipart body cannot be read: {}",
            error.body_text()
        ))
    }
}

/// Most fields a multipart upload may have. The upload takes one, `file`; a few more are
/// tolerated (and ignored), but not the thousands that would only cost parsing time.
pub(crate) const MAX_MULTIPART_FIELDS: usize = 8;

/// The bytes of the field `file`; other fields are ignored, up to [`MAX_MULTIPART_FIELDS`] in all.
async fn read_file(multipart: &mut Multipart) -> Result<Bytes, ApiError> {
    let mut file = None;
    let mut fields = 0_usize;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        fields += 1;
        if fields > MAX_MULTIPART_FIELDS {
            return Err(ApiError::bad_field(
                "file",
                format!(
                    "the multipart body has more than {MAX_MULTIPART_FIELDS} fields; \
                     send one field `file`"
                ),
            ));
        }
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

/// An image Jumio accepts, as a stored part.
fn stored_part(bytes: Bytes) -> Result<StoredPart, ApiError> {
    let image = image::check(&bytes).map_err(|detail| ApiError::bad_field("file", detail))?;
    Ok(StoredPart {
        id: uuid::Uuid::new_v4().to_string(),
        digest: Sha256::digest(&bytes).into(),
        content_type: image.content_type,
        width: image.width,
        height: image.height,
        marked_blurred: memchr::memmem::find(&bytes, BLUR_MARKER).is_some(),
        bytes,
    })
}

/// A document Jumio accepts: a JPEG or PNG image as the ID images are checked, or a PDF; at most
/// 15 MB.
fn document_part(bytes: Bytes) -> Result<StoredPart, ApiError> {
    if !bytes.starts_with(b"%PDF-") {
        return stored_part(bytes);
    }
    let mut part = binary_part(bytes)?;
    part.content_type = "application/pdf";
    Ok(part)
}

/// A binary part (a PDF, a face map) of at most 15 MB.
fn binary_part(bytes: Bytes) -> Result<StoredPart, ApiError> {
    if bytes.len() as u64 > DOCUMENT_MAX_BYTES {
        return Err(ApiError::bad_field(
            "file",
            format!(
                "file is {}; Jumio accepts at most {}",
                megabytes(bytes.len() as u64),
                megabytes(DOCUMENT_MAX_BYTES)
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_field("file", "file is empty"));
    }
    Ok(StoredPart {
        id: uuid::Uuid::new_v4().to_string(),
        digest: Sha256::digest(&bytes).into(),
        content_type: "application/octet-stream",
        width: 0,
        height: 0,
        marked_blurred: false,
        bytes,
    })
}

fn upload_response(
    app: &AppState,
    execution: &Execution,
    credential_id: &str,
    part_id: Option<String>,
) -> UploadResponse {
    let links = app.links();
    let parts = execution
        .credential(credential_id)
        .map(|credential| {
            part_links(&links, &execution.account_id, &execution.id, credential)
                .into_iter()
                .map(|(key, href)| (key, Value::String(href)))
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
        // Jumio repeats the transaction token in the answer to an upload.
        api: Some(UploadLinks {
            token: Some(execution.transaction_token.clone()),
            parts,
            workflow_execution: Some(links.execution(&execution.account_id, &execution.id)),
        }),
    }
}

/// `POST .../credentials/{credentialId}/parts/PREPARED_DATA`: the prepared data of a DATA
/// credential, checked by Jumio's documented formats (`jumio_kyx::prepared_data::check`) and
/// stored as its `PREPARED_DATA` part.
pub(crate) async fn upload_prepared_data(
    State(app): State<Arc<AppState>>,
    call: ChannelCall,
    body: Bytes,
) -> Result<Json<UploadResponse>, ApiError> {
    let category = call.credential(&app, &call.open(&app))?.category.clone();
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let data = serde_path_to_error::deserialize::<_, PreparedData>(&value).map_err(|error| {
        let field = error.path().to_string();
        ApiError::bad_field(&field, format!("{field}: {}", error.inner()))
    })?;
    if category != CredentialCategory::Data {
        return Err(ApiError::bad_field(
            "credentialId",
            format!(
                "credential {} is a {category} credential; prepared data is uploaded to DATA \
                 credentials",
                call.credential_id()
            ),
        ));
    }
    jumio_kyx::prepared_data::check(&data)?;
    let bytes = Bytes::from(serde_json::to_vec(&data).expect("prepared data serialises"));
    let part = StoredPart {
        id: uuid::Uuid::new_v4().to_string(),
        digest: Sha256::digest(&bytes).into(),
        content_type: "application/json",
        width: 0,
        height: 0,
        marked_blurred: false,
        bytes,
    };
    store_part(&app, &call, PartClassifier::PreparedData, part, None).map(Json)
}

/// `PUT .../workflow-executions/{workflowExecutionId}`: ends the acquisition and starts processing.
pub(crate) async fn finalize(
    State(app): State<Arc<AppState>>,
    call: ChannelCall,
) -> Result<Json<FinalizeResponse>, ApiError> {
    let ChannelIds {
        account, execution, ..
    } = &call.path;
    let answer = Json(FinalizeResponse {
        timestamp: Some(timestamp()),
        account: AccountReference {
            id: account.clone(),
        },
        workflow_execution: WorkflowExecutionReference {
            id: execution.clone(),
        },
    });
    let change = {
        let mut store = call.open(&app);
        let found = call.execution(&app, &store)?;
        if matches!(
            found.status,
            WorkflowStatus::Acquired | WorkflowStatus::Processed
        ) {
            // Finalizing again changes nothing and answers as the first time did, so that a
            // client may repeat a finalize whose answer it did not get.
            return Ok(answer);
        }
        ensure_initiated(found)?;
        // Every credential the API channel acquires needs its first part; linked ones have theirs.
        let missing: Vec<String> = found
            .credentials
            .iter()
            .filter(|c| {
                !c.linked
                    && found
                        .scenario
                        .workflow
                        .credential(&c.category)
                        .is_some_and(|d| d.api())
            })
            .filter_map(|c| {
                let required = workflows::required_part(&c.category)?;
                let classifier = PartClassifier::from(required);
                (!c.parts.contains_key(&classifier)).then(|| format!("{} {required}", c.category))
            })
            .collect();
        if let Some(first) = missing.first() {
            return Err(ApiError::bad_field(
                first.clone(),
                format!(
                    "cannot finalize workflow execution {execution}: missing {}; upload {} first",
                    missing.join(" and "),
                    if missing.len() == 1 { "it" } else { "them" }
                ),
            ));
        }
        let finalized = store.execution_mut(account, execution).ok_or_else(|| {
            ApiError::not_found(format!("workflow execution {execution} does not exist"))
        })?;
        start_processing(&app, finalized)
    };
    app.announce(vec![change]);
    end_processing_in_time(&app, account, execution);
    Ok(answer)
}

/// Ends the acquisition of `execution` (`ACQUIRED`) and schedules its result (`PROCESSED` after
/// the processing delay): finalization through the API, and the Web journey, which finalizes by
/// itself. Returns the change to announce.
pub(crate) fn start_processing(app: &AppState, execution: &mut Execution) -> StatusChange {
    execution.status = WorkflowStatus::Acquired;
    execution.process_at = Some(Instant::now() + app.config.processing_delay);
    execution.started_at.get_or_insert_with(timestamp);
    execution.change()
}

/// Ends the processing of an execution [`start_processing`] started when it is due. Processing
/// ends on its own timer (one task per finalized execution, not a walk over every stored one);
/// reads apply it too, so a status never lags behind.
pub(crate) fn end_processing_in_time(app: &Arc<AppState>, account: &str, execution: &str) {
    let (timer, account, execution) = (app.clone(), account.to_owned(), execution.to_owned());
    tokio::spawn(async move {
        tokio::time::sleep(timer.config.processing_delay).await;
        timer.advance_one(&account, &execution);
    });
}
