//! A workflow execution between account creation and finalization: it uploads its credentials
//! and finalizes itself, then [`Finalized::wait`] waits for its result.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::{Error, Result};
use crate::generated::types;
use crate::ids::ExecutionIds;
use crate::image::{Checked, ImageSource};
use crate::prepared_data::PreparedData;
use crate::region::Service;
use crate::request_auth::RequestAuth;
use crate::result::VerificationResult;
use crate::retrieval::WaitOptions;
use crate::retry::Safety;
use crate::transport::{Subject, Token, Transport};
use crate::trust;
use crate::upload::ClientUploadExt as _;
use crate::workflows;

/// Largest document (JPEG, PNG or PDF) or face map Jumio takes in one upload: 15 MB.
const DOCUMENT_MAX_BYTES: u64 = 15 * 1024 * 1024;

/// What one upload sends: a checked image, or a document or face map read into memory.
enum PartSource<'a> {
    Image(ImageSource, &'a Checked),
    Bytes {
        name: String,
        content: bytes::Bytes,
        mime: &'static str,
    },
}

impl PartSource<'_> {
    async fn part(&self) -> Result<reqwest::multipart::Part> {
        match self {
            PartSource::Image(image, checked) => {
                Ok(image.clone().into_checked_part(checked).await?)
            }
            PartSource::Bytes {
                name,
                content,
                mime,
            } => Ok(reqwest::multipart::Part::stream_with_length(
                reqwest::Body::from(content.clone()),
                content.len() as u64,
            )
            .file_name(name.clone())
            .mime_str(mime)
            .expect("the media types of documents are valid")),
        }
    }
}

/// The content of `source`, refused when it is larger than `max` bytes.
async fn read_limited(source: &ImageSource, max: u64) -> Result<bytes::Bytes> {
    let content = match source {
        ImageSource::Bytes { bytes, .. } => bytes.clone(),
        ImageSource::File { path, name } => tokio::fs::read(path)
            .await
            .map_err(|e| Error::validation("file", format!("cannot read {name}: {e}")))?
            .into(),
    };
    if content.len() as u64 > max {
        return Err(Error::validation(
            "file",
            format!(
                "{} is {} bytes; Jumio accepts at most {max} bytes (15 MB)",
                source.name(),
                content.len()
            ),
        ));
    }
    Ok(content)
}

/// The media type of a document by its content: JPEG, PNG or PDF.
fn document_mime(name: &str, content: &[u8]) -> Result<&'static str> {
    if content.starts_with(b"%PDF-") {
        return Ok("application/pdf");
    }
    crate::image::ImageFormat::detect(content)
        .map(|format| format.mime())
        .ok_or_else(|| {
            Error::validation(
                "file",
                format!(
                    "{name} is neither JPEG, PNG nor PDF; Jumio accepts only these for documents"
                ),
            )
        })
}

/// A credential of the workflow execution that the API channel may upload.
#[derive(Clone)]
pub struct CredentialHandle {
    id: String,
    category: types::CredentialCategory,
    parts: BTreeSet<String>,
    token: SecretString,
    /// The token as its prepared `Authorization` header.
    auth: RequestAuth,
}

impl CredentialHandle {
    /// The credential id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its category (`ID`, `SELFIE`, …).
    pub fn category(&self) -> &types::CredentialCategory {
        &self.category
    }

    /// The transaction token that authorises uploads and finalization of this workflow
    /// execution (secret; it is sent only to the configured api host).
    pub fn transaction_token(&self) -> &SecretString {
        &self.token
    }

    /// The parts Jumio offered upload links for, as classifiers (`FRONT`, `BACK`, `FACE`).
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(String::as_str)
    }
}

impl fmt::Debug for CredentialHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialHandle")
            .field("id", &self.id)
            .field("category", &self.category)
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

/// The account and workflow execution created by account creation or update, with the handles
/// to upload its credentials. Finalizing checks locally that the required parts were uploaded.
pub struct Session {
    transport: Arc<Transport>,
    ids: ExecutionIds,
    web_href: Option<SecretString>,
    sdk_token: Option<SecretString>,
    credentials: Vec<CredentialHandle>,
    /// The transaction token of a session resumed from its ids, which knows no credentials.
    resumed_token: Option<RequestAuth>,
    uploaded: BTreeSet<(String, String)>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("ids", &self.ids)
            .field("credentials", &self.credentials)
            .field("uploaded", &self.uploaded)
            .finish_non_exhaustive()
    }
}

/// An id of an account response, checked before it is used in a URL.
fn response_id(operation: &'static str, what: &'static str, value: String) -> Result<String> {
    trust::id(what, &value).map_err(|invalid| Error::InvalidResponse {
        operation,
        reason: invalid.to_string(),
    })?;
    Ok(value)
}

impl Session {
    /// The session of an account response. Refuses (without using them) ids that are not of
    /// Jumio's form and links that point anywhere but the configured api host.
    pub(crate) fn new(
        transport: Arc<Transport>,
        operation: &'static str,
        response: types::AccountResponse,
    ) -> Result<Self> {
        let account_id = response_id(operation, "account id", response.account.id)?;
        let workflow_execution_id = response_id(
            operation,
            "workflow execution id",
            response.workflow_execution.id,
        )?;
        let ids = ExecutionIds::new(account_id, workflow_execution_id)?;
        let expected = transport.api_origin.as_str();
        let mut credentials = Vec::new();
        for credential in response.workflow_execution.credentials {
            let Some(api) = credential.api else { continue };
            for link in api.parts.values().chain(api.workflow_execution.iter()) {
                trust::link(link, expected).map_err(|found| Error::UntrustedHost {
                    operation,
                    found,
                    expected: expected.to_owned(),
                })?;
            }
            let Some(token) = api.token else { continue };
            let token = SecretString::from(token);
            let auth = RequestAuth::Bearer(token.clone())
                .prepare()
                .map_err(|reason| Error::InvalidResponse {
                    operation,
                    reason: reason.to_owned(),
                })?;
            credentials.push(CredentialHandle {
                id: response_id(operation, "credential id", credential.id)?,
                category: credential.category,
                parts: api.parts.keys().map(|k| k.to_ascii_uppercase()).collect(),
                token,
                auth,
            });
        }
        Ok(Session {
            transport,
            ids,
            web_href: response.web.and_then(|w| w.href).map(SecretString::from),
            sdk_token: response.sdk.and_then(|s| s.token).map(SecretString::from),
            credentials,
            resumed_token: None,
            uploaded: BTreeSet::new(),
        })
    }

    /// A session of an existing workflow execution from its ids and transaction token, for
    /// example one created by another process. It knows no credentials: upload with
    /// [`upload_to`](Self::upload_to), naming the credential.
    pub(crate) fn resume(
        transport: Arc<Transport>,
        ids: ExecutionIds,
        transaction_token: SecretString,
    ) -> Result<Self> {
        let auth = RequestAuth::Bearer(transaction_token)
            .prepare()
            .map_err(|reason| Error::validation("transaction token", reason))?;
        Ok(Session {
            transport,
            ids,
            web_href: None,
            sdk_token: None,
            credentials: Vec::new(),
            resumed_token: Some(auth),
            uploaded: BTreeSet::new(),
        })
    }

    /// The ids of the account and workflow execution.
    pub fn ids(&self) -> &ExecutionIds {
        &self.ids
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        self.ids.account_id()
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        self.ids.workflow_execution_id()
    }

    /// The hosted Web client link (holds an authorisation token: hand it only to the end user).
    pub fn web_href(&self) -> Option<&str> {
        self.web_href.as_ref().map(|s| s.expose_secret())
    }

    /// The mobile SDK token (secret: hand it only to your app).
    pub fn sdk_token(&self) -> Option<&str> {
        self.sdk_token.as_ref().map(|s| s.expose_secret())
    }

    /// The credentials the API channel may upload.
    pub fn credentials(&self) -> &[CredentialHandle] {
        &self.credentials
    }

    /// Uploads the front of the ID.
    pub async fn upload_front(&mut self, image: ImageSource) -> Result<()> {
        self.upload(
            types::CredentialCategory::Id,
            types::UploadClassifier::Front,
            image,
        )
        .await
    }

    /// Uploads the back of the ID.
    pub async fn upload_back(&mut self, image: ImageSource) -> Result<()> {
        self.upload(
            types::CredentialCategory::Id,
            types::UploadClassifier::Back,
            image,
        )
        .await
    }

    /// Uploads the selfie.
    pub async fn upload_selfie(&mut self, image: ImageSource) -> Result<()> {
        self.upload(
            types::CredentialCategory::Selfie,
            types::UploadClassifier::Face,
            image,
        )
        .await
    }

    /// Uploads `image` as part `classifier` of the credential of `category`: checked locally, then
    /// streamed. Uploading a part again replaces it.
    pub async fn upload(
        &mut self,
        category: types::CredentialCategory,
        classifier: types::UploadClassifier,
        image: ImageSource,
    ) -> Result<()> {
        let checked = image
            .check_for_upload(&self.transport.image_limits, &self.transport.buffers)
            .await?;
        self.upload_checked(category, classifier, image, &checked)
            .await
    }

    /// [`upload`](Self::upload) of an image that passed its local check.
    pub(crate) async fn upload_checked(
        &mut self,
        category: types::CredentialCategory,
        classifier: types::UploadClassifier,
        image: ImageSource,
        checked: &Checked,
    ) -> Result<()> {
        let (id, auth) = self.api_credential(category, &classifier.to_string())?;
        self.send_part::<IgnoredAny>(&id, classifier, &auth, image, checked)
            .await?;
        Ok(())
    }

    /// Uploads `image` as part `classifier` of the credential `credential_id`, checked locally
    /// first, and returns Jumio's answer. For a session from
    /// [`JumioClient::resume`](crate::JumioClient::resume), which knows no credentials.
    pub async fn upload_to(
        &mut self,
        credential_id: &str,
        classifier: types::UploadClassifier,
        image: ImageSource,
    ) -> Result<types::UploadResponse> {
        crate::ids::check_id("credentialId", "credential id", credential_id)?;
        let token = self.token()?;
        let checked = image
            .check_for_upload(&self.transport.image_limits, &self.transport.buffers)
            .await?;
        self.send_part(credential_id, classifier, &token, image, &checked)
            .await
    }

    /// Uploads a checked image; Jumio's answer is read as a `T` ([`IgnoredAny`] where it is
    /// discarded).
    async fn send_part<T: DeserializeOwned>(
        &mut self,
        credential_id: &str,
        classifier: types::UploadClassifier,
        token: &RequestAuth,
        image: ImageSource,
        checked: &Checked,
    ) -> Result<T> {
        self.send(
            credential_id,
            classifier,
            token,
            PartSource::Image(image, checked),
        )
        .await
    }

    async fn send<T: DeserializeOwned>(
        &mut self,
        credential_id: &str,
        classifier: types::UploadClassifier,
        token: &RequestAuth,
        source: PartSource<'_>,
    ) -> Result<T> {
        let transport = &*self.transport;
        let ids = &self.ids;
        let source = &source;
        let response = transport
            .call(
                "upload_credential_part",
                Service::Api,
                Safety::Idempotent,
                Token::Transaction(token),
                Subject::execution(ids),
                |client| async move {
                    // A part is consumed by its attempt; a retry sends the content anew.
                    let part = source.part().await?;
                    Ok(client
                        .upload_credential_part()
                        .account_id(ids.account_id())
                        .workflow_execution_id(ids.workflow_execution_id())
                        .credential_id(credential_id)
                        .classifier(classifier)
                        .user_agent(transport.user_agent.as_str())
                        .file(part)
                        .send_as()
                        .await)
                },
            )
            .await?;
        self.uploaded
            .insert((credential_id.to_owned(), classifier.to_string()));
        Ok(response)
    }

    /// The credential of `category` that the API channel uploads `part` to.
    fn api_credential(
        &self,
        category: types::CredentialCategory,
        part: &str,
    ) -> Result<(String, RequestAuth)> {
        self.credentials
            .iter()
            .find(|c| c.category == category && c.parts.contains(part))
            .map(|c| (c.id.clone(), c.auth.clone()))
            .ok_or_else(|| {
                Error::Sequence(format!(
                    "workflow execution {} has no {category} credential with a {part} part to upload",
                    self.ids.workflow_execution_id()
                ))
            })
    }

    /// Uploads the prepared data of the DATA credential (workflows 10005, 10006, 10008, 10010,
    /// 10163), checked locally first.
    pub async fn upload_prepared_data(
        &mut self,
        data: &PreparedData,
    ) -> Result<types::UploadResponse> {
        let body = data.build()?;
        let (credential_id, auth) =
            self.api_credential(types::CredentialCategory::Data, "PREPARED_DATA")?;
        let transport = &*self.transport;
        let (ids, id, body) = (&self.ids, credential_id.as_str(), &body);
        let response = transport
            .call(
                "upload_prepared_data",
                Service::Api,
                Safety::Idempotent,
                Token::Transaction(&auth),
                Subject::execution(ids),
                |client| async move {
                    Ok(client
                        .upload_prepared_data()
                        .account_id(ids.account_id())
                        .workflow_execution_id(ids.workflow_execution_id())
                        .credential_id(id)
                        .user_agent(transport.user_agent.as_str())
                        .body(body.clone())
                        .send()
                        .await)
                },
            )
            .await?;
        self.uploaded
            .insert((credential_id, "PREPARED_DATA".to_owned()));
        Ok(response)
    }

    /// Uploads the document of the DOCUMENT credential (workflow 10026): JPEG, PNG or PDF (by
    /// content), at most 15 MB.
    pub async fn upload_document(&mut self, document: ImageSource) -> Result<()> {
        let content = read_limited(&document, DOCUMENT_MAX_BYTES).await?;
        let mime = document_mime(document.name(), &content)?;
        let (id, auth) = self.api_credential(types::CredentialCategory::Document, "DOCUMENT")?;
        let source = PartSource::Bytes {
            name: document.name().to_owned(),
            content,
            mime,
        };
        self.send::<IgnoredAny>(&id, types::UploadClassifier::Document, &auth, source)
            .await?;
        Ok(())
    }

    /// Uploads a face map the tenant holds, where the workflow lets the API channel upload one
    /// (legacy workflow 16, authentication on premise): the binary as the FACEMAP part.
    pub async fn upload_facemap(&mut self, facemap: ImageSource) -> Result<()> {
        let content = read_limited(&facemap, DOCUMENT_MAX_BYTES).await?;
        let (id, auth) = self.api_credential(types::CredentialCategory::Facemap, "FACEMAP")?;
        let source = PartSource::Bytes {
            name: facemap.name().to_owned(),
            content,
            mime: "application/octet-stream",
        };
        self.send::<IgnoredAny>(&id, types::UploadClassifier::Facemap, &auth, source)
            .await?;
        Ok(())
    }

    /// The transaction token of the workflow execution, as its prepared header.
    fn token(&self) -> Result<RequestAuth> {
        self.resumed_token
            .clone()
            .or_else(|| self.credentials.first().map(|c| c.auth.clone()))
            .ok_or_else(|| {
                Error::Sequence(format!(
                    "{} has no API-channel credential to upload or finalize with",
                    self.ids
                ))
            })
    }

    /// The parts that must be uploaded before finalizing and are not yet: of every credential the
    /// API channel acquires, its first part ([`workflows::required_part`]): the front of an ID,
    /// the face of a selfie, the prepared data of a DATA credential, the document, the face map.
    pub fn missing_parts(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for credential in &self.credentials {
            let Some(required) = workflows::required_part(&credential.category) else {
                continue;
            };
            if credential.parts.contains(required)
                && !self
                    .uploaded
                    .contains(&(credential.id.clone(), required.to_owned()))
            {
                missing.push(format!("{} {required}", credential.category));
            }
        }
        missing
    }

    /// Finalizes the acquisition; processing starts. Refused locally while required parts are
    /// missing, so no request is wasted.
    pub async fn finalize(self) -> Result<Finalized> {
        let missing = self.missing_parts();
        if !missing.is_empty() {
            return Err(Error::Sequence(format!(
                "cannot finalize workflow execution {}: upload {} first",
                self.ids.workflow_execution_id(),
                missing.join(" and ")
            )));
        }
        let token = self.token()?;
        let (transport, ids) = (&*self.transport, &self.ids);
        let response = transport
            .call(
                "finalize_workflow_execution",
                Service::Api,
                Safety::Idempotent,
                Token::Transaction(&token),
                Subject::execution(ids),
                |client| async move {
                    Ok(client
                        .finalize_workflow_execution()
                        .account_id(ids.account_id())
                        .workflow_execution_id(ids.workflow_execution_id())
                        .user_agent(transport.user_agent.as_str())
                        .send()
                        .await)
                },
            )
            .await?;
        Ok(Finalized {
            transport: self.transport,
            ids: self.ids,
            response,
        })
    }
}

/// A finalized workflow execution, being processed.
#[derive(Clone)]
pub struct Finalized {
    transport: Arc<Transport>,
    ids: ExecutionIds,
    response: types::FinalizeResponse,
}

impl fmt::Debug for Finalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finalized")
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

impl Finalized {
    /// The ids of the account and workflow execution.
    pub fn ids(&self) -> &ExecutionIds {
        &self.ids
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        self.ids.account_id()
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        self.ids.workflow_execution_id()
    }

    /// Jumio's answer to the finalization.
    pub fn response(&self) -> &types::FinalizeResponse {
        &self.response
    }

    /// Polls the status until the workflow execution is `PROCESSED`, then returns its details.
    /// An expired execution is [`Error::Expired`]; a deadline passed is [`Error::WaitTimeout`].
    pub async fn wait(&self, options: WaitOptions) -> Result<VerificationResult> {
        self.transport.wait(&self.ids, options).await
    }
}
