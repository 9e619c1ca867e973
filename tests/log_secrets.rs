//! With tracing at TRACE, a whole flow and its error paths log no client secret, access token,
//! transaction token or personal data. Alone in its test binary: tracing caches per-callsite
//! interest process-wide, so a thread-local subscriber only sees every event without other tests.
#![cfg(feature = "sandbox")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jumio_kyx::sandbox::{Sandbox, SandboxConfig};
use jumio_kyx::workflow::{AccountRequest, Workflow};
use jumio_kyx::{ImageSource, JumioClient, WaitOptions};

async fn sandbox() -> Sandbox {
    SandboxConfig {
        processing_delay: Duration::from_millis(20),
        ..SandboxConfig::default()
    }
    .start()
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox) -> JumioClient {
    JumioClient::builder()
        .base_url(sandbox.base_url())
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .user_agent("Example Corp Onboarding/1.0")
        .build()
        .expect("client")
}

fn wait() -> WaitOptions {
    WaitOptions {
        deadline: Duration::from_secs(30),
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(200),
    }
}

/// A writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_traced_flow_logs_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (debug_output, secret) = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let sandbox = sandbox().await;
            let client = client(&sandbox);
            let request = AccountRequest::new(Workflow::IdAndIdentity, "traced");
            let mut session = client.create_account(&request).await.expect("create");
            let transaction_token = {
                use secrecy::ExposeSecret;
                session.credentials()[0]
                    .transaction_token()
                    .expose_secret()
                    .to_owned()
            };
            session
                .upload_front(ImageSource::path(support::sample("id-front.jpg")))
                .await
                .unwrap();
            session
                .upload_selfie(ImageSource::path(support::sample("selfie.jpg")))
                .await
                .unwrap();
            let debug = format!("{session:?} {client:?}");
            let finalized = session.finalize().await.unwrap();
            let result = client
                .wait_for_result(
                    finalized.account_id(),
                    finalized.workflow_execution_id(),
                    wait(),
                )
                .await
                .unwrap();
            let wrong = JumioClient::builder()
                .base_url(sandbox.base_url())
                .credentials("sandbox-client", "wrong-secret-value")
                .user_agent("x")
                .build()
                .unwrap();
            let error = wrong
                .health()
                .await
                .map(|_| ())
                .and(wrong.status("a", "w").await.map(|_| ()));
            (
                format!("{debug} {result:?} {error:?}"),
                (sandbox.client_secret().to_owned(), transaction_token),
            )
        })
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("create_account") && logs.contains("upload"),
        "tracing captured the flow: {logs}"
    );
    let (client_secret, transaction_token) = secret;
    for text in [&logs, &debug_output] {
        assert!(!text.contains(&client_secret), "client secret leaked");
        assert!(!text.contains("wrong-secret-value"), "client secret leaked");
        assert!(
            !text.contains(&transaction_token),
            "transaction token leaked"
        );
        assert!(!text.contains("Bearer "), "an authorization header leaked");
        assert!(!text.contains("eyJ"), "a JWT leaked");
        assert!(
            !text.contains("JANE") && !text.contains("DOE"),
            "extracted personal data leaked"
        );
    }
}
