//! The application state every handler and background task of one sandbox shares: the settings,
//! the token signer, the counters, the fault injector, the callback queue and the store, and the
//! wiring between them (status changes become callbacks; processing runs the scenario).
//!
//! Data flows one way: handlers → this state → the store (`store.rs`), which knows none of this.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::SandboxConfig;
use super::SandboxStats;
use super::auth::Signer;
use super::callback::{self, CallbackJob};
use super::counters::{self, atomic_counters};
use super::faults::Faults;
use super::links::Links;
use super::rate_limits::RateLimiter;
use super::scenarios::{self, Scenario};
use super::store::{self, StatusChange};
use super::workflows::Workflows;

/// The store of this sandbox: its executions keep their parsed scenario.
pub(crate) type Store = store::Store<Scenario>;
/// A workflow execution of this sandbox.
pub(crate) type Execution = store::Execution<Scenario>;

atomic_counters! {
    /// What the handlers and tasks counted; [`SandboxStats`] is its snapshot.
    pub(crate) struct Counters => SandboxStats {
        token_requests,
        tokens_issued,
        accounts_created,
        workflow_executions_started,
        parts_uploaded,
        accounts_evicted,
        callbacks_delivered,
        callbacks_failed,
        rate_limited,
    }
}

/// State shared by every handler and background task of one sandbox.
pub(crate) struct AppState {
    pub config: SandboxConfig,
    pub base_url: String,
    pub signer: Signer,
    pub counters: Counters,
    /// Fault injection: its counters and records.
    pub faults: Faults,
    /// The requests of the current rate-limit windows.
    pub rate_limiter: RateLimiter,
    /// The workflows it runs.
    pub workflows: Workflows,
    store: Mutex<Store>,
    callbacks: callback::Sender,
}

impl AppState {
    pub(crate) fn new(
        config: SandboxConfig,
        base_url: String,
        callbacks: callback::Sender,
    ) -> Self {
        Self {
            faults: Faults::new(config.faults.clone()),
            workflows: Workflows::new(&config.workflows, config.strict_workflows),
            config,
            base_url,
            signer: Signer::random(),
            counters: Counters::default(),
            rate_limiter: RateLimiter::default(),
            store: Mutex::new(Store::default()),
            callbacks,
        }
    }

    /// The store. A panic in another handler does not make the data unusable, so a poisoned lock
    /// is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn links(&self) -> Links<'_> {
        Links::new(&self.base_url)
    }

    pub(crate) fn stats(&self) -> SandboxStats {
        let (accounts, workflow_executions, stored_bytes) = {
            let store = self.lock();
            (
                store.account_count(),
                store.execution_count(),
                store.stored_bytes(),
            )
        };
        SandboxStats {
            accounts,
            workflow_executions,
            stored_bytes,
            faults: self.faults.stats(),
            ..self.counters.snapshot()
        }
    }

    /// Queues the callbacks of status changes (those with a callback URL).
    pub(crate) fn announce(&self, changes: Vec<StatusChange>) {
        let links = self.links();
        for StatusChange {
            callback_url,
            mut payload,
        } in changes
        {
            let Some(url) = callback_url else {
                continue;
            };
            links.fill(&mut payload.account, &mut payload.workflow_execution);
            if self
                .callbacks
                .try_send(CallbackJob { url, payload })
                .is_err()
            {
                counters::add(&self.counters.callbacks_failed, 1);
                tracing::warn!("callback queue is full; a callback was dropped");
            }
        }
    }

    /// Applies the due transitions of one workflow execution (lazily, on access) and announces them.
    pub(crate) fn advance_one(&self, account: &str, execution: &str) {
        self.advance(Some((account, execution)));
    }

    /// Applies the due transitions of every workflow execution and announces them.
    pub(crate) fn advance_all(&self) {
        self.advance(None);
    }

    fn advance(&self, only: Option<(&str, &str)>) {
        let links = self.links();
        let changes = self.lock().advance(Instant::now(), only, |execution| {
            scenarios::evaluate(execution, &links)
        });
        self.announce(changes);
    }
}
