//! A sandbox that processes at once, a client for it, the sample images and quick polling: the
//! common set-up of the client tests.

use std::time::Duration;

use jumio_kyx::{
    ExecutionIds, ImageSource, Images, JumioClient, JumioClientBuilder, VerificationResult,
    WaitOptions,
};
use jumio_kyx_sandbox::{FaultConfig, Sandbox, SandboxConfig};

use crate::sample;

/// The User-Agent of the tests' clients.
pub const USER_AGENT: &str = "Example Corp Onboarding/1.0";

/// A sandbox with a 20 ms processing delay.
pub async fn sandbox() -> Sandbox {
    start(SandboxConfig {
        processing_delay: Duration::from_millis(20),
        ..SandboxConfig::default()
    })
    .await
}

/// A sandbox with a 20 ms processing delay that faults `rate` of the requests (every kind of
/// fault alike, chosen by `seed`) and answers the slow ones after `slow_delay`.
pub async fn faulty_sandbox(rate: f64, seed: u64, slow_delay: Duration) -> Sandbox {
    start(SandboxConfig {
        processing_delay: Duration::from_millis(20),
        faults: FaultConfig {
            slow_delay,
            ..FaultConfig::uniform(rate, seed)
        },
        ..SandboxConfig::default()
    })
    .await
}

/// A sandbox started with `config`.
pub async fn start(config: SandboxConfig) -> Sandbox {
    config.start().await.expect("sandbox starts")
}

/// A client builder for `sandbox`: its URL, its demo credentials and [`USER_AGENT`]; each may be
/// set again.
pub fn client_builder(sandbox: &Sandbox) -> JumioClientBuilder {
    JumioClient::builder()
        .base_url(sandbox.base_url())
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .user_agent(USER_AGENT)
}

/// A client of `sandbox` with its demo credentials.
pub fn client(sandbox: &Sandbox) -> JumioClient {
    client_builder(sandbox).build().expect("client")
}

/// The sample ID front and back and selfie.
pub fn images() -> Images {
    Images {
        back: Some(ImageSource::path(sample("id-back.jpg"))),
        ..front_and_selfie()
    }
}

/// The sample ID front and selfie, without a back.
pub fn front_and_selfie() -> Images {
    Images {
        front: ImageSource::path(sample("id-front.jpg")),
        back: None,
        selfie: ImageSource::path(sample("selfie.jpg")),
    }
}

/// Polling for tests: short pauses, a generous deadline.
pub fn wait() -> WaitOptions {
    WaitOptions::deadline(Duration::from_secs(30))
        .intervals(Duration::from_millis(10), Duration::from_millis(200))
}

/// The ids of an execution, as the client takes them.
pub fn ids(account: &str, workflow_execution: &str) -> ExecutionIds {
    ExecutionIds::new(account, workflow_execution).expect("ids")
}

/// The ids of the execution of `result`.
pub fn ids_of(result: &VerificationResult) -> ExecutionIds {
    ids(result.account_id(), result.workflow_execution_id())
}
