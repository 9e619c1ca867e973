//! The credential part upload (`uploadCredentialPart`), written by hand because progenitor cannot
//! generate `multipart/form-data` operations.
//!
//! It is built like the generated operations (a request builder with `send()`), goes through the
//! same [`ClientHooks`] (authorisation, tracing) with the generated client's base URL and HTTP
//! client, and returns the same [`ResponseValue`] and [`Error`] types, so it looks and fails like
//! them.

use progenitor_client::{
    ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue, encode_path,
};
use reqwest::multipart::{Form, Part};

use crate::generated::{Client, types};

/// Adds the hand-written multipart operations to the generated [`Client`].
pub trait ClientUploadExt {
    /// Uploads an image of a credential part (`POST /api/v1/accounts/{accountId}/workflow-executions/
    /// {workflowExecutionId}/credentials/{credentialId}/parts/{classifier}`, multipart field `file`).
    ///
    /// Authorised by the transaction token of the workflow execution: use a client whose
    /// [`RequestAuth`](crate::hooks::RequestAuth) carries it.
    fn upload_credential_part(&self) -> UploadCredentialPart<'_>;
}

impl ClientUploadExt for Client {
    fn upload_credential_part(&self) -> UploadCredentialPart<'_> {
        UploadCredentialPart::new(self)
    }
}

/// Builder for [`ClientUploadExt::upload_credential_part`].
#[derive(Debug)]
pub struct UploadCredentialPart<'a> {
    client: &'a Client,
    account_id: Result<String, String>,
    workflow_execution_id: Result<String, String>,
    credential_id: Result<String, String>,
    classifier: Result<types::UploadClassifier, String>,
    user_agent: Result<String, String>,
    file: Result<Part, String>,
}

fn non_empty(name: &str, value: impl Into<String>) -> Result<String, String> {
    let value = value.into();
    if value.is_empty() {
        Err(format!("{name} must not be empty"))
    } else {
        Ok(value)
    }
}

impl<'a> UploadCredentialPart<'a> {
    /// A builder with every parameter still to be set.
    pub fn new(client: &'a Client) -> Self {
        fn missing<T>(name: &str) -> Result<T, String> {
            Err(format!("{name} was not initialized"))
        }
        Self {
            client,
            account_id: missing("account_id"),
            workflow_execution_id: missing("workflow_execution_id"),
            credential_id: missing("credential_id"),
            classifier: missing("classifier"),
            user_agent: missing("user_agent"),
            file: missing("file"),
        }
    }

    /// Id of the account (`account.id`).
    pub fn account_id(mut self, value: impl Into<String>) -> Self {
        self.account_id = non_empty("account_id", value);
        self
    }

    /// Id of the workflow execution (`workflowExecution.id`).
    pub fn workflow_execution_id(mut self, value: impl Into<String>) -> Self {
        self.workflow_execution_id = non_empty("workflow_execution_id", value);
        self
    }

    /// Id of the credential (`workflowExecution.credentials[].id`).
    pub fn credential_id(mut self, value: impl Into<String>) -> Self {
        self.credential_id = non_empty("credential_id", value);
        self
    }

    /// The part: `FRONT`/`BACK` of an ID, `FACE` of a selfie.
    pub fn classifier(mut self, value: types::UploadClassifier) -> Self {
        self.classifier = Ok(value);
        self
    }

    /// The `User-Agent` that names the integrator.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = non_empty("user_agent", value);
        self
    }

    /// The image, as the multipart part sent in the field `file` (give it a file name and a
    /// content type; stream it from disk with [`Part::stream_with_length`]).
    pub fn file(mut self, part: Part) -> Self {
        self.file = Ok(part);
        self
    }

    /// Sends the request: `200` deserialises into [`types::UploadResponse`]; any other status is
    /// [`Error::UnexpectedResponse`], as for the generated operations.
    pub async fn send(self) -> Result<ResponseValue<types::UploadResponse>, Error<()>> {
        self.send_as().await
    }

    /// [`send`](Self::send), the answer read as a `T`: [`serde::de::IgnoredAny`] where the caller
    /// discards it (the answer is then only checked to be JSON, not built).
    pub(crate) async fn send_as<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<ResponseValue<T>, Error<()>> {
        let Self {
            client,
            account_id,
            workflow_execution_id,
            credential_id,
            classifier,
            user_agent,
            file,
        } = self;
        let account_id = account_id.map_err(Error::InvalidRequest)?;
        let workflow_execution_id = workflow_execution_id.map_err(Error::InvalidRequest)?;
        let credential_id = credential_id.map_err(Error::InvalidRequest)?;
        let classifier = classifier.map_err(Error::InvalidRequest)?;
        let user_agent = user_agent.map_err(Error::InvalidRequest)?;
        let file = file.map_err(Error::InvalidRequest)?;

        let url = format!(
            "{}/api/v1/accounts/{}/workflow-executions/{}/credentials/{}/parts/{}",
            client.baseurl(),
            encode_path(&account_id),
            encode_path(&workflow_execution_id),
            encode_path(&credential_id),
            encode_path(&classifier.to_string()),
        );
        let mut request = client
            .client()
            .post(url)
            .header(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            )
            .header(reqwest::header::USER_AGENT, user_agent)
            .multipart(Form::new().part("file", file))
            .build()?;
        let info = OperationInfo {
            operation_id: "upload_credential_part",
        };
        client.pre(&mut request, &info).await?;
        let result = client.exec(request, &info).await;
        client.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200 => ResponseValue::from_response(response).await,
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
