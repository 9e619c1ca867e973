//! Delivery of the callbacks: the documented `CallbackPayload`, POSTed as JSON to the `callbackUrl`
//! of the workflow execution on each status change, in order, by one background task.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::counters;
use super::state::AppState;
use super::store::timestamp;
use jumio_kyx::generated::types::CallbackPayload;

/// Callbacks waiting for delivery at most; more are dropped (and counted as failed).
const QUEUE_CAPACITY: usize = 1024;
/// Delay before each retry of a failed delivery.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(2)];
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) type Sender = mpsc::Sender<CallbackJob>;
pub(crate) type Receiver = mpsc::Receiver<CallbackJob>;

/// One callback to deliver.
#[derive(Debug)]
pub(crate) struct CallbackJob {
    pub url: String,
    pub payload: CallbackPayload,
}

pub(crate) fn queue() -> (Sender, Receiver) {
    mpsc::channel(QUEUE_CAPACITY)
}

/// Delivers queued callbacks until `cancel`.
pub(crate) async fn run(app: Arc<AppState>, mut jobs: Receiver, cancel: CancellationToken) {
    let client = match reqwest::Client::builder()
        .user_agent(concat!("jumio-kyx-sandbox/", env!("CARGO_PKG_VERSION")))
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the HTTP client; callbacks are disabled");
            return;
        }
    };
    loop {
        let job = tokio::select! {
            () = cancel.cancelled() => return,
            job = jobs.recv() => match job {
                Some(job) => job,
                None => return,
            },
        };
        let delivered = if app.config.deliver_remote_callbacks || is_local(&job.url) {
            tokio::select! {
                () = cancel.cancelled() => return,
                delivered = deliver(&client, job) => delivered,
            }
        } else {
            tracing::info!(
                execution = %job.payload.workflow_execution.id,
                "callback to a remote host not sent (deliver_remote_callbacks is off)"
            );
            false
        };
        let counter = if delivered {
            &app.counters.callbacks_delivered
        } else {
            &app.counters.callbacks_failed
        };
        counters::add(counter, 1);
    }
}

/// Whether the callback URL points at this machine.
fn is_local(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|url| jumio_kyx::limits::is_loopback(&url))
}

/// POSTs one callback, retrying on failure; true when the receiver answered 2xx.
async fn deliver(client: &reqwest::Client, mut job: CallbackJob) -> bool {
    let execution = job.payload.workflow_execution.id.clone();
    let status = job.payload.workflow_execution.status.to_string();
    let mut delays = RETRY_DELAYS.iter();
    loop {
        job.payload.callback_sent_at = Some(timestamp());
        let error = match client.post(&job.url).json(&job.payload).send().await {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(%execution, %status, "callback delivered");
                return true;
            }
            Ok(response) => format!("the receiver answered {}", response.status()),
            Err(error) => error.without_url().to_string(),
        };
        match delays.next() {
            Some(delay) => {
                tracing::debug!(%execution, %status, %error, "callback failed; retrying");
                tokio::time::sleep(*delay).await;
            }
            None => {
                tracing::warn!(%execution, %status, %error, "callback could not be delivered");
                return false;
            }
        }
    }
}
