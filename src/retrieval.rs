//! Retrieval: status, details, steps, part downloads, deletion, and waiting for a result. Shared
//! by [`JumioClient`](crate::JumioClient) and [`Finalized`](crate::Finalized).

use std::fmt;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;

use crate::error::{Error, Result};
use crate::generated::types;
use crate::guard::{self, BodyKind};
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

/// What [`JumioClient::download_part_to`](crate::JumioClient::download_part_to) wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// The `Content-Type` Jumio sent.
    pub content_type: Option<String>,
    /// The bytes written.
    pub bytes: u64,
}

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

/// A retrieval call about one workflow execution: the generated operation `$operation` with the
/// execution's ids, authorised by the access token and retried as a read, ending by `$until`
/// (an `Option<Instant>`) when given.
macro_rules! execution_call {
    ($transport:expr, $ids:expr, $operation:ident) => {
        execution_call!($transport, $ids, $operation, None)
    };
    ($transport:expr, $ids:expr, $operation:ident, $until:expr) => {{
        let (transport, ids): (&Transport, &ExecutionIds) = ($transport, $ids);
        transport
            .call_until(
                stringify!($operation),
                Service::Retrieval,
                Safety::Idempotent,
                Token::Access,
                Subject::execution(ids),
                $until,
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
        let mut bytes = Vec::new();
        let downloaded = self
            .download_part_to(account_id, credential_id, classifier, &mut bytes)
            .await?;
        Ok(Download {
            content_type: downloaded.content_type,
            bytes: bytes.into(),
        })
    }

    /// Streams a part into `writer`, at most the download limit, within the request timeout
    /// the client enforces.
    pub(crate) async fn download_part_to<W>(
        &self,
        account_id: &str,
        credential_id: &str,
        classifier: &types::PartClassifier,
        writer: &mut W,
    ) -> Result<Downloaded>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        const OPERATION: &str = crate::hooks::DOWNLOAD_OPERATION;
        let limit = self.download_limit;
        let too_large = || Error::ResponseTooLarge {
            operation: OPERATION,
            kind: BodyKind::Download,
            limit,
            status: None,
        };
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
                        // The content type and length travel with the byte stream they describe.
                        Ok(response.map(|response| {
                            let headers = response.headers();
                            let content_type = headers
                                .get(reqwest::header::CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let length = headers
                                .get(reqwest::header::CONTENT_LENGTH)
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.trim().parse::<u64>().ok());
                            let status = response.status();
                            let headers = headers.clone();
                            progenitor_client::ResponseValue::new(
                                ((content_type, length), response.into_inner()),
                                status,
                                headers,
                            )
                        }))
                    }
                },
            )
            .await?;
        let (content_type, length) = content_type;
        if length.is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let copy = async {
            use futures_core::Stream as _;
            let mut body = std::pin::pin!(body.into_inner());
            let mut written = 0u64;
            while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
                let chunk = chunk.map_err(|e| Error::from_reqwest(OPERATION, e))?;
                written += chunk.len() as u64;
                if written > limit {
                    return Err(too_large());
                }
                writer
                    .write_all(&chunk)
                    .await
                    .map_err(|source| Error::Write {
                        operation: OPERATION,
                        source,
                    })?;
            }
            writer.flush().await.map_err(|source| Error::Write {
                operation: OPERATION,
                source,
            })?;
            Ok(written)
        };
        let written = match crate::guard::within(self.request_cutoff(), copy).await {
            Some(written) => written?,
            None => return Err(Error::from_reqwest(OPERATION, guard::timeout_error().await)),
        };
        Ok(Downloaded {
            content_type,
            bytes: written,
        })
    }

    /// Polls the status until the workflow execution is `PROCESSED`, then returns its details.
    /// Every call ends by the deadline: a call still failing then ends the wait with its error,
    /// or with [`Error::WaitTimeout`] when a status was seen before.
    pub(crate) async fn wait(
        &self,
        ids: &ExecutionIds,
        options: WaitOptions,
    ) -> Result<VerificationResult> {
        let started = Instant::now();
        let until = crate::pacing::later(started, options.deadline);
        let mut interval = options.initial_interval;
        let mut last = None;
        let timed_out = |error: Error, last: Option<types::WorkflowStatus>| match last {
            Some(status) if Instant::now() >= until => Error::WaitTimeout {
                workflow_execution_id: ids.workflow_execution_id().to_owned(),
                status,
                waited: started.elapsed(),
            },
            _ => error,
        };
        loop {
            let status =
                match execution_call!(self, ids, get_workflow_execution_status, Some(until)) {
                    Ok(status) => status.workflow_execution.status,
                    Err(error) => return Err(timed_out(error, last)),
                };
            match status {
                types::WorkflowStatus::Processed => {
                    return execution_call!(self, ids, get_workflow_execution, Some(until))
                        .map(VerificationResult::from)
                        .map_err(|error| timed_out(error, Some(status)));
                }
                types::WorkflowStatus::SessionExpired | types::WorkflowStatus::TokenExpired => {
                    return Err(Error::Expired {
                        workflow_execution_id: ids.workflow_execution_id().to_owned(),
                        status,
                    });
                }
                _ => {}
            }
            last = Some(status.clone());
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
