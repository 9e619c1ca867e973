//! Receives Jumio callbacks in an axum handler: checks the source address, parses the body,
//! answers 200 at once, and fetches the authoritative result in the background.
//!
//! ```sh
//! JUMIO_CLIENT_ID=… JUMIO_CLIENT_SECRET=… cargo run --example callback_server -p jumio-kyx
//! ```

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::post;
use jumio_kyx::CallbackOutcome;
use jumio_kyx::JumioClient;
use jumio_kyx::callback::{self, CallbackAllowlist};

#[derive(Clone)]
struct App {
    client: JumioClient,
    allowlist: CallbackAllowlist,
}

async fn jumio_callback(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> StatusCode {
    // Behind a proxy, use the client address the proxy reports instead of the peer address.
    if app.allowlist.check(peer.ip()).is_err() {
        return StatusCode::FORBIDDEN;
    }
    let callback = match callback::parse(&body) {
        Ok(callback) => callback,
        Err(_) => return StatusCode::BAD_REQUEST,
    };
    // Callbacks carry no result and no signature: ask Jumio, with our own token, off the request.
    tokio::spawn(async move {
        match app.client.fetch_callback_result(&callback).await {
            Ok(CallbackOutcome::Processed(result)) => {
                tracing::info!(
                    workflow_execution_id = result.workflow_execution_id(),
                    decision = %result.decision_type(),
                    "verification finished"
                );
            }
            Ok(CallbackOutcome::Status(status)) => tracing::info!(%status, "not processed yet"),
            Ok(_) => tracing::info!("an outcome this version does not know"),
            Err(error) => tracing::warn!(%error, "could not fetch the result"),
        }
    });
    StatusCode::OK
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = JumioClient::builder()
        .from_env()?
        .user_agent("YourCompany Onboarding/1.0")
        .build()?;
    let app = Router::new()
        .route("/jumio/callback", post(jumio_callback))
        .with_state(App {
            client,
            allowlist: CallbackAllowlist::jumio(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
