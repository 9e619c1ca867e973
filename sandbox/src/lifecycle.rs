//! The background sweep that moves workflow executions on in time: acquisitions not finalized
//! within their token lifetime expire (`INITIATED` → `TOKEN_EXPIRED`), and processing that is due
//! ends (`ACQUIRED` → `PROCESSED`; finalization also starts a timer of its own for that). Handlers
//! apply the same transitions when they read an execution, so a status never lags behind its
//! deadline; the sweep makes the callbacks of executions nobody reads go out, within one
//! `sweep_interval`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::state::AppState;

/// Applies due transitions every `sweep_interval` until `cancel`.
pub(crate) async fn run(app: Arc<AppState>, cancel: CancellationToken) {
    loop {
        app.advance_all();
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(app.config.sweep_interval) => {}
        }
    }
}
