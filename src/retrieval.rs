//! Retrieval: status, details, steps, part downloads, deletion, and waiting for a result. Shared
//! by [`JumioClient`](crate::JumioClient) and [`Finalized`](crate::Finalized).

use std::fmt;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::generated::types;
use crate::ids::ExecutionIds;
use crate::region::Service;
use crate::result::VerificationResult;
use crate::retry::Safety;
use crate::transport::{Subject, Token, Transport};

/// How [`JumioClient::wait_for_result`](crate::JumioClient::wait_for_result) and
/// [`Finalized::wait`](crate::Finalized::wait) poll.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Give up after this long (default 15 minutes).
    pub deadline: Duration,
    /// First pause between polls (default 1 s).
    pub initial_interval: Duration,
    /// Longest pause between polls (default 60 s); pauses grow by half each poll.
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            deadline: Duration::from_secs(15 * 60),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
        }
    }
}

impl WaitOptions {
    /// Polling that gives up after `deadline`, with the default pauses.
    pub fn deadline(deadline: Duration) -> Self {
        WaitOptions {
            deadline,
            ..WaitOptions::default()
        }
    }

    /// The same options with pauses from `initial` growing to at most `max`.
    pub fn intervals(self, initial: Duration, max: Duration) -> Self {
        WaitOptions {
            initial_interval: initial,
            max_interval: max,
            ..self
        }
    }
}

/// An image or binary downloaded from retrieval.
#[derive(Clone)]
#[non_exhaustive]
pub struct Download {
    /// The `Content-Type` Jumio sent (`image/jpeg`, `image/png`, `application/octet-stream`).
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A retrieval call about one workflow execution: the generated operation `$operation` with the
/// execution's ids, authorised by the access token and retried as a read.
/// One idempotent retrieval call of the generated client on an account, by its id.
macro_rules! account_call {
    ($self:ident, $account_id:ident, $operation:ident) => {
        $self
            .call(
                stringify!($operation),
                Service::Retrieval,
                Safety::Idempotent,
                Token::Access,
                Subject::account($account_id),
                |client| async move {
                    Ok(client
                        .$operation()
                        .account_id($account_id)
                        .user_agent($self.user_agent.as_str())
                        .send()
                        .await)
                },
            )
            .await
    };
}

macro_rules! execution_call {
    ($transport:expr, $ids:expr, $operation:ident) => {{
        let (transport, ids): (&Transport, &ExecutionIds) = ($transport, $ids);
        transport
            .call(
                stringify!($operation),
                Service::Retrieval,
                Safety::Idempotent,
                Token::Access,
                Subject::execution(ids),
                |client| async move {
                    Ok(client
                        .$operation()
                        .account_id(ids.account_id())
                        .workflow_execution_id(ids.workflow_execution_id())
                        .user_agent(transport.user_agent.as_str())
                        .send()
                        .await)
                },
            )
            .await
    }};
}

impl Transport {
    pub(crate) async fn status(&self, ids: &ExecutionIds) -> Result<types::WorkflowStatusResponse> {
        execution_call!(self, ids, get_workflow_execution_status)
    }

    pub(crate) async fn details(&self, ids: &ExecutionIds) -> Result<VerificationResult> {
        execution_call!(self, ids, get_workflow_execution).map(VerificationResult::from)
    }

    pub(crate) async fn steps(&self, ids: &ExecutionIds) -> Result<types::WorkflowSteps> {
        execution_call!(self, ids, get_workflow_execution_steps)
    }

    pub(crate) async fn delete_execution(&self, ids: &ExecutionIds) -> Result<()> {
        execution_call!(self, ids, delete_workflow_execution)
    }

    pub(crate) async fn delete_account(&self, account_id: &str) -> Result<()> {
        account_call!(self, account_id, delete_account)
    }

    pub(crate) async fn account(&self, account_id: &str) -> Result<types::AccountDetails> {
        account_call!(self, account_id, get_account)
    }

    pub(crate) async fn download_part(
        &self,
        account_id: &str,
        credential_id: &str,
        classifier: &types::PartClassifier,
    ) -> Result<Download> {
        const OPERATION: &str = "get_credential_part";
        let (content_type, body) = self
            .call(
                OPERATION,
                Service::Retrieval,
                Safety::Idempotent,
                Token::Access,
                Subject::account(account_id),
                |client| {
                    let classifier = classifier.clone();
                    async move {
                        let response = client
                            .get_credential_part()
                            .account_id(account_id)
                            .credential_id(credential_id)
                            .classifier(classifier)
                            .user_agent(self.user_agent.as_str())
                            .send()
                            .await;
                        // The content type travels with the byte stream it describes.
                        Ok(response.map(|response| {
                            let content_type = response
                                .headers()
                                .get(reqwest::header::CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let status = response.status();
                            let headers = response.headers().clone();
                            progenitor_client::ResponseValue::new(
                                (content_type, response.into_inner()),
                                status,
                                headers,
                            )
                        }))
                    }
                },
            )
            .await?;
        use futures_core::Stream as _;
        let mut body = std::pin::pin!(body.into_inner());
        let mut bytes = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            let chunk = chunk.map_err(|e| Error::from_reqwest(OPERATION, e))?;
            bytes.extend_from_slice(&chunk);
        }
        Ok(Download {
            content_type,
            bytes: bytes.into(),
        })
    }

    /// Polls the status until the workflow execution is `PROCESSED`, then returns its details.
    pub(crate) async fn wait(
        &self,
        ids: &ExecutionIds,
        options: WaitOptions,
    ) -> Result<VerificationResult> {
        let started = Instant::now();
        let mut interval = options.initial_interval;
        loop {
            let status = self.status(ids).await?.workflow_execution.status;
            match status {
                types::WorkflowStatus::Processed => return self.details(ids).await,
                types::WorkflowStatus::SessionExpired | types::WorkflowStatus::TokenExpired => {
                    return Err(Error::Expired {
                        workflow_execution_id: ids.workflow_execution_id().to_owned(),
                        status,
                    });
                }
                _ => {}
            }
            let waited = started.elapsed();
            if waited >= options.deadline {
                return Err(Error::WaitTimeout {
                    workflow_execution_id: ids.workflow_execution_id().to_owned(),
                    status,
                    waited,
                });
            }
            tokio::time::sleep(interval.min(options.deadline - waited)).await;
            interval = (interval + interval / 2).min(options.max_interval);
        }
    }
}
