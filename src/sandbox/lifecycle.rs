//! The background task that moves workflow executions on in time: processing ends after the
//! configured delay (`ACQUIRED` → `PROCESSED`) and acquisitions not finalized within their token
//! lifetime expire (`INITIATED` → `TOKEN_EXPIRED`). Handlers apply the same transitions lazily when
//! they read an execution, so a status never lags behind its deadline.

use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::state::Shared;

/// Applies due transitions until `cancel`, sleeping until the next deadline, a wake-up or the sweep
/// interval, whichever comes first.
pub(crate) async fn run(shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        let now = Instant::now();
        let (changes, next) = {
            let mut store = shared.lock();
            let changes = store.advance(now, &shared.links(), None);
            (changes, store.next_deadline())
        };
        shared.announce(changes);
        let sweep = now + shared.config.sweep_interval;
        let until = next.map_or(sweep, |deadline| deadline.min(sweep));
        tokio::select! {
            () = cancel.cancelled() => return,
            () = shared.wake.notified() => {}
            () = tokio::time::sleep_until(until.into()) => {}
        }
    }
}
