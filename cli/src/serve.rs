//! Serving a router of the CLI's own (the proxy, the Web receivers) until told to stop.

use std::io;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Serves `router` on `listener` in a task of its own. Sending on (or dropping) the returned
/// sender stops accepting connections and lets the open ones finish; the task ends then.
pub fn spawn(
    listener: TcpListener,
    router: Router,
) -> (oneshot::Sender<()>, JoinHandle<io::Result<()>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    (stop, server)
}
