//! The baseline of part 1: the flow's HTTP requests written by hand with one shared
//! `reqwest::Client` configured like the crate's (no redirects, the same timeouts and
//! User-Agent), the access token fetched once.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, HeaderValue};
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, Response};
use serde::Deserialize;

use crate::flows::{FlowImages, file_name};
use crate::{CLIENT_ID, CLIENT_SECRET, Result};

/// The hand-written client.
pub struct Baseline {
    http: reqwest::Client,
    base: String,
    bearer: HeaderValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    account: Id,
    workflow_execution: CreatedExecution,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct CreatedExecution {
    id: String,
    credentials: Vec<CreatedCredential>,
}

#[derive(Deserialize)]
struct CreatedCredential {
    id: String,
    category: String,
    api: Option<CreatedApi>,
}

#[derive(Deserialize)]
struct CreatedApi {
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    workflow_execution: StatusExecution,
}

#[derive(Deserialize)]
struct StatusExecution {
    status: String,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
}

/// An `Authorization` header for `token`, marked sensitive.
pub fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sends `request` authorised by `token`, asking for JSON; a status other than 2xx is an error.
pub async fn send(request: RequestBuilder, token: &HeaderValue) -> Result<Response> {
    Ok(request
        .header(AUTHORIZATION, token.clone())
        .header(ACCEPT, "application/json")
        .send()
        .await?
        .error_for_status()?)
}

impl Baseline {
    /// A `reqwest::Client` configured like the crate's.
    pub fn http(user_agent: &str) -> Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()?)
    }

    /// A client of the sandbox at `base`, with its access token.
    pub async fn new(base: &str, user_agent: &str) -> Result<Self> {
        let http = Self::http(user_agent)?;
        let token: TokenBody = http
            .post(format!("{base}/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header(ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Baseline {
            http,
            base: base.to_owned(),
            bearer: bearer(&token.access_token)?,
        })
    }

    /// One complete flow, the images read from their files (or sent from memory); returns the
    /// overall decision.
    pub async fn flow(&self, images: &FlowImages, n: usize, memory: bool) -> Result<String> {
        let base = &self.base;
        let body = serde_json::json!({
            "customerInternalReference": format!("bench-{n}"),
            "workflowDefinition": { "key": 10011 },
        });
        let create = self
            .http
            .post(format!("{base}/api/v1/accounts"))
            .json(&body);
        let created: Created = send(create, &self.bearer).await?.json().await?;
        let (account, execution) = (&created.account.id, &created.workflow_execution.id);
        let execution_url =
            format!("{base}/api/v1/accounts/{account}/workflow-executions/{execution}");
        let mut transaction = None;
        for credential in &created.workflow_execution.credentials {
            let Some(api) = &credential.api else { continue };
            let token = bearer(&api.token)?;
            let parts: &[(&str, usize)] = match credential.category.as_str() {
                "ID" => &[("FRONT", 0), ("BACK", 1)],
                "SELFIE" => &[("FACE", 2)],
                _ => &[],
            };
            for &(classifier, which) in parts {
                let path = images.path(which);
                let part = if memory {
                    let bytes = images.bytes(which);
                    let len = bytes.len() as u64;
                    Part::stream_with_length(reqwest::Body::from(bytes), len)
                } else {
                    Part::bytes(tokio::fs::read(path).await?)
                };
                let part = part.file_name(file_name(path)).mime_str("image/jpeg")?;
                let upload = self
                    .http
                    .post(format!(
                        "{execution_url}/credentials/{}/parts/{classifier}",
                        credential.id
                    ))
                    .multipart(Form::new().part("file", part));
                send(upload, &token).await?.bytes().await?;
            }
            transaction.get_or_insert(token);
        }
        let transaction = transaction.ok_or("no API credential")?;
        let finalize = self.http.put(&execution_url).header(CONTENT_LENGTH, "0");
        send(finalize, &transaction).await?.bytes().await?;
        loop {
            let status = self.http.get(format!("{execution_url}/status"));
            let status: StatusBody = send(status, &self.bearer).await?.json().await?;
            if status.workflow_execution.status == "PROCESSED" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let details = self.http.get(&execution_url);
        let details: serde_json::Value = send(details, &self.bearer).await?.json().await?;
        Ok(details["decision"]["type"]
            .as_str()
            .unwrap_or("no decision")
            .to_owned())
    }
}
