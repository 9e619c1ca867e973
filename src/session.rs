//! A workflow execution between account creation and finalization: upload its credentials, then
//! finalize it.

use std::collections::BTreeSet;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::client::JumioClient;
use crate::error::{Error, Result};
use crate::generated::types;
use crate::image::{ImageInfo, ImageSource};
use crate::region::Service;

/// A credential of the workflow execution that the API channel may upload.
#[derive(Clone)]
pub struct CredentialHandle {
    id: String,
    category: types::CredentialCategory,
    parts: BTreeSet<String>,
    token: SecretString,
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
    client: JumioClient,
    account_id: String,
    workflow_execution_id: String,
    web_href: Option<SecretString>,
    sdk_token: Option<SecretString>,
    credentials: Vec<CredentialHandle>,
    uploaded: BTreeSet<(String, String)>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("workflow_execution_id", &self.workflow_execution_id)
            .field("credentials", &self.credentials)
            .field("uploaded", &self.uploaded)
            .finish_non_exhaustive()
    }
}

/// The origin (`scheme://host:port`) of a URL.
fn origin(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    Some(url.origin().ascii_serialization())
}

impl Session {
    pub(crate) fn new(
        client: JumioClient,
        operation: &'static str,
        response: types::AccountResponse,
    ) -> Result<Self> {
        let expected = origin(client.service_url(Service::Api)).unwrap_or_default();
        let mut credentials = Vec::new();
        for credential in response.workflow_execution.credentials {
            let Some(api) = credential.api else { continue };
            let links = api.parts.values().chain(api.workflow_execution.iter());
            for link in links {
                let found = origin(link).unwrap_or_else(|| "an unparsable link".to_owned());
                if found != expected {
                    return Err(Error::UntrustedHost {
                        operation,
                        found,
                        expected,
                    });
                }
            }
            let Some(token) = api.token else { continue };
            credentials.push(CredentialHandle {
                id: credential.id,
                category: credential.category,
                parts: api.parts.keys().map(|k| k.to_ascii_uppercase()).collect(),
                token: SecretString::from(token),
            });
        }
        Ok(Session {
            client,
            account_id: response.account.id,
            workflow_execution_id: response.workflow_execution.id,
            web_href: response.web.and_then(|w| w.href).map(SecretString::from),
            sdk_token: response.sdk.and_then(|s| s.token).map(SecretString::from),
            credentials,
            uploaded: BTreeSet::new(),
        })
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        &self.workflow_execution_id
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
        let info = image.check(self.client.image_limits()).await?;
        self.upload_checked(category, classifier, image, &info)
            .await
    }

    /// [`upload`](Self::upload) of an image whose local check returned `info`.
    pub(crate) async fn upload_checked(
        &mut self,
        category: types::CredentialCategory,
        classifier: types::UploadClassifier,
        image: ImageSource,
        info: &ImageInfo,
    ) -> Result<()> {
        let credential = self
            .credentials
            .iter()
            .find(|c| c.category == category && c.parts.contains(classifier.to_string().as_str()))
            .ok_or_else(|| {
                Error::Sequence(format!(
                    "workflow execution {} has no {category} credential with a {classifier} part to upload",
                    self.workflow_execution_id
                ))
            })?
            .clone();
        self.client
            .upload_part(
                &self.account_id,
                &self.workflow_execution_id,
                &credential.id,
                classifier,
                &credential.token,
                image,
                info,
            )
            .await?;
        self.uploaded
            .insert((credential.id, classifier.to_string()));
        Ok(())
    }

    /// The parts that must be uploaded before finalizing and are not yet: the front of every ID
    /// and the face of every selfie the API channel acquires.
    pub fn missing_parts(&self) -> Vec<String> {
        let mut missing = Vec::new();
        for credential in &self.credentials {
            let required = match credential.category {
                types::CredentialCategory::Id => "FRONT",
                types::CredentialCategory::Selfie => "FACE",
                _ => continue,
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
                self.workflow_execution_id,
                missing.join(" and ")
            )));
        }
        let token = self
            .credentials
            .first()
            .map(|c| c.token.clone())
            .ok_or_else(|| {
                Error::Sequence("the workflow execution has no API-channel credential".into())
            })?;
        self.client
            .finalize(&self.account_id, &self.workflow_execution_id, &token)
            .await?;
        Ok(Finalized {
            account_id: self.account_id,
            workflow_execution_id: self.workflow_execution_id,
        })
    }
}

/// A finalized workflow execution, being processed.
#[derive(Clone, Debug)]
pub struct Finalized {
    account_id: String,
    workflow_execution_id: String,
}

impl Finalized {
    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        &self.workflow_execution_id
    }
}
