//! The in-memory store of accounts, workflow executions, credentials and parts, with the status
//! transitions of a workflow execution and the bounds that keep a long-running sandbox small.
//!
//! The store sits behind one `std::sync::Mutex`; no handler holds it across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::auth::Signer;
use super::callback::{self, CallbackJob};
use super::faults::Faults;
use super::links::Links;
use super::scenarios::{self, Outcome, Scenario};
use super::{SandboxConfig, SandboxStats};
use jumio_kyx::generated::types::{
    AccountLink, CallbackPayload, CredentialCategory, WorkflowExecutionState, WorkflowStatus,
};

/// Most workflow executions kept per account; starting one more drops the oldest finished one.
const MAX_EXECUTIONS_PER_ACCOUNT: usize = 50;

/// State shared by every handler and background task of one sandbox.
pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub base_url: String,
    pub signer: Signer,
    pub counters: Counters,
    /// Fault injection: its counters and records.
    pub faults: Faults,
    store: Mutex<Store>,
    callbacks: callback::Sender,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub token_requests: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub accounts_created: AtomicU64,
    pub workflow_executions_started: AtomicU64,
    pub parts_uploaded: AtomicU64,
    pub accounts_evicted: AtomicU64,
    pub callbacks_delivered: AtomicU64,
    pub callbacks_failed: AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        config: SandboxConfig,
        base_url: String,
        callbacks: callback::Sender,
    ) -> Self {
        Self {
            faults: Faults::new(config.faults.clone()),
            config,
            base_url,
            signer: Signer::random(),
            counters: Counters::default(),
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
        let (accounts, stored_bytes) = {
            let store = self.lock();
            (store.account_count(), store.stored_bytes)
        };
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let c = &self.counters;
        SandboxStats {
            token_requests: load(&c.token_requests),
            tokens_issued: load(&c.tokens_issued),
            accounts_created: load(&c.accounts_created),
            workflow_executions_started: load(&c.workflow_executions_started),
            parts_uploaded: load(&c.parts_uploaded),
            accounts_evicted: load(&c.accounts_evicted),
            callbacks_delivered: load(&c.callbacks_delivered),
            callbacks_failed: load(&c.callbacks_failed),
            accounts,
            stored_bytes,
            faults: self.faults.stats(),
        }
    }

    /// Queues the callbacks of status changes (those with a callback URL).
    pub(crate) fn announce(&self, changes: Vec<StatusChange>) {
        let links = self.links();
        for change in changes {
            let Some(url) = change.callback_url else {
                continue;
            };
            let payload = CallbackPayload {
                callback_sent_at: None,
                user_reference: change.user_reference,
                workflow_execution: WorkflowExecutionState {
                    id: change.execution_id.clone(),
                    href: Some(links.execution(&change.account_id, &change.execution_id)),
                    definition_key: Some(change.definition_key.to_string()),
                    status: change.status.generated(),
                },
                account: AccountLink {
                    href: Some(links.account(&change.account_id)),
                    id: change.account_id,
                },
            };
            if self
                .callbacks
                .try_send(CallbackJob { url, payload })
                .is_err()
            {
                self.counters
                    .callbacks_failed
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!("callback queue is full; a callback was dropped");
            }
        }
    }

    /// Applies the due transitions of one workflow execution (lazily, on access) and announces them.
    pub(crate) fn advance_one(&self, account: &str, execution: &str) {
        let changes = {
            let mut store = self.lock();
            store.advance(Instant::now(), &self.links(), Some((account, execution)))
        };
        self.announce(changes);
    }
}

/// Status of a workflow execution in the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Initiated,
    Acquired,
    Processed,
    TokenExpired,
}

impl Status {
    pub(crate) fn generated(self) -> WorkflowStatus {
        match self {
            Self::Initiated => WorkflowStatus::Initiated,
            Self::Acquired => WorkflowStatus::Acquired,
            Self::Processed => WorkflowStatus::Processed,
            Self::TokenExpired => WorkflowStatus::TokenExpired,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Initiated => "INITIATED",
            Self::Acquired => "ACQUIRED",
            Self::Processed => "PROCESSED",
            Self::TokenExpired => "TOKEN_EXPIRED",
        }
    }

    fn finished(self) -> bool {
        matches!(self, Self::Processed | Self::TokenExpired)
    }
}

/// Credential categories the sandbox's workflows acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    Id,
    Selfie,
    Facemap,
}

impl Category {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Id => "ID",
            Self::Selfie => "SELFIE",
            Self::Facemap => "FACEMAP",
        }
    }

    pub(crate) fn generated(self) -> CredentialCategory {
        match self {
            Self::Id => CredentialCategory::Id,
            Self::Selfie => CredentialCategory::Selfie,
            Self::Facemap => CredentialCategory::Facemap,
        }
    }

    /// The classifiers that can be uploaded to a credential of this category over the API.
    pub(crate) fn upload_classifiers(self) -> &'static [Classifier] {
        match self {
            Self::Id => &[Classifier::Front, Classifier::Back],
            Self::Selfie => &[Classifier::Face],
            Self::Facemap => &[],
        }
    }
}

/// Part classifiers the sandbox stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Classifier {
    Front,
    Back,
    Face,
    Facemap,
}

impl Classifier {
    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "FRONT" => Some(Self::Front),
            "BACK" => Some(Self::Back),
            "FACE" => Some(Self::Face),
            "FACEMAP" => Some(Self::Facemap),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Front => "FRONT",
            Self::Back => "BACK",
            Self::Face => "FACE",
            Self::Facemap => "FACEMAP",
        }
    }

    /// The key of the part in `api.parts`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Back => "back",
            Self::Face => "face",
            Self::Facemap => "facemap",
        }
    }
}

/// A stored image (or face map) of a credential part.
#[derive(Clone)]
pub(crate) struct StoredPart {
    pub id: String,
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub width: usize,
    pub height: usize,
    pub digest: [u8; 32],
    /// The image carries the sandbox's blur marker (see the scenario table).
    pub marked_blurred: bool,
}

impl fmt::Debug for StoredPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredPart")
            .field("id", &self.id)
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Credential {
    pub id: String,
    pub category: Category,
    /// Linked from an earlier workflow execution of the account: acquired already, no upload.
    pub linked: bool,
    pub parts: BTreeMap<Classifier, StoredPart>,
}

impl Credential {
    fn bytes(&self) -> usize {
        self.parts.values().map(|part| part.bytes.len()).sum()
    }
}

/// The document the ID credential filter asks for, used for the extracted data.
#[derive(Clone, Debug)]
pub(crate) struct DocumentChoice {
    pub document_type: String,
    pub country: String,
}

#[derive(Debug)]
pub(crate) struct Execution {
    pub id: String,
    pub account_id: String,
    pub definition_key: u64,
    pub status: Status,
    pub customer_internal_reference: String,
    pub user_reference: Option<String>,
    pub callback_url: Option<String>,
    pub transaction_token: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub token_deadline: Instant,
    pub process_at: Option<Instant>,
    pub credentials: Vec<Credential>,
    pub document: DocumentChoice,
    pub scenario: Scenario,
    pub outcome: Option<Outcome>,
}

impl Execution {
    pub(crate) fn credential(&self, id: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.id == id)
    }

    pub(crate) fn credential_of(&self, category: Category) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.category == category)
    }

    pub(crate) fn part(&self, category: Category, classifier: Classifier) -> Option<&StoredPart> {
        self.credential_of(category)?.parts.get(&classifier)
    }

    fn bytes(&self) -> usize {
        self.credentials.iter().map(Credential::bytes).sum()
    }

    fn change(&self) -> StatusChange {
        StatusChange {
            account_id: self.account_id.clone(),
            execution_id: self.id.clone(),
            definition_key: self.definition_key,
            status: self.status,
            callback_url: self.callback_url.clone(),
            user_reference: self.user_reference.clone(),
        }
    }

    /// The transition due at `now`, if any: token expiry of an unfinished acquisition, or the end
    /// of processing. Returns the change and the bytes added (the face map).
    fn advance(&mut self, now: Instant, links: &Links<'_>) -> Option<(StatusChange, usize)> {
        match self.status {
            Status::Initiated if now >= self.token_deadline => {
                self.status = Status::TokenExpired;
                Some((self.change(), 0))
            }
            Status::Acquired if self.process_at.is_some_and(|at| now >= at) => {
                let outcome = scenarios::evaluate(self, links);
                let mut added = 0;
                if let Some(facemap) = outcome.facemap.clone() {
                    added = facemap.bytes.len();
                    if let Some(credential) = self
                        .credentials
                        .iter_mut()
                        .find(|c| c.category == Category::Facemap)
                    {
                        credential.parts.insert(Classifier::Facemap, facemap);
                    }
                }
                self.outcome = Some(outcome);
                self.status = Status::Processed;
                self.completed_at = Some(timestamp());
                self.process_at = None;
                Some((self.change(), added))
            }
            _ => None,
        }
    }
}

/// A status change to announce by callback.
#[derive(Clone, Debug)]
pub(crate) struct StatusChange {
    pub account_id: String,
    pub execution_id: String,
    pub definition_key: u64,
    pub status: Status,
    pub callback_url: Option<String>,
    pub user_reference: Option<String>,
}

impl StatusChange {
    pub(crate) fn of(execution: &Execution) -> Self {
        execution.change()
    }
}

#[derive(Debug)]
pub(crate) struct Account {
    pub id: String,
    seq: u64,
    pub executions: Vec<Execution>,
}

impl Account {
    fn bytes(&self) -> usize {
        self.executions.iter().map(Execution::bytes).sum()
    }

    /// Eviction rank, lowest first: accounts with nothing but expired (or no) executions, then
    /// accounts whose executions have all finished, then the rest; older before newer.
    fn eviction_rank(&self) -> (u8, u64) {
        let class = if self
            .executions
            .iter()
            .all(|e| e.status == Status::TokenExpired)
        {
            0
        } else if self.executions.iter().all(|e| e.status.finished()) {
            1
        } else {
            2
        };
        (class, self.seq)
    }

    pub(crate) fn execution(&self, id: &str) -> Option<&Execution> {
        self.executions.iter().find(|e| e.id == id)
    }

    pub(crate) fn execution_mut(&mut self, id: &str) -> Option<&mut Execution> {
        self.executions.iter_mut().find(|e| e.id == id)
    }

    /// A stored part of a credential of any workflow execution of the account.
    pub(crate) fn part(&self, credential: &str, classifier: Classifier) -> Option<&StoredPart> {
        self.executions
            .iter()
            .filter_map(|e| e.credential(credential))
            .find_map(|c| c.parts.get(&classifier))
    }

    /// A credential of any workflow execution of the account.
    pub(crate) fn credential(&self, credential: &str) -> Option<&Credential> {
        self.executions
            .iter()
            .find_map(|e| e.credential(credential))
    }
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    accounts: HashMap<String, Account>,
    stored_bytes: usize,
    next_seq: u64,
}

impl Store {
    pub(crate) fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The `customerInternalReference` of every account (of its oldest workflow execution kept),
    /// oldest account first.
    pub(crate) fn account_references(&self) -> Vec<String> {
        let mut accounts: Vec<&Account> = self.accounts.values().collect();
        accounts.sort_by_key(|a| a.seq);
        accounts
            .into_iter()
            .filter_map(|a| a.executions.first())
            .map(|e| e.customer_internal_reference.clone())
            .collect()
    }

    pub(crate) fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    pub(crate) fn execution(&self, account: &str, execution: &str) -> Option<&Execution> {
        self.accounts.get(account)?.execution(execution)
    }

    pub(crate) fn execution_mut(
        &mut self,
        account: &str,
        execution: &str,
    ) -> Option<&mut Execution> {
        self.accounts.get_mut(account)?.execution_mut(execution)
    }

    /// Adds a new account with its first workflow execution, evicting accounts first so that at
    /// most `max_accounts` remain. Returns how many were evicted.
    pub(crate) fn insert_account(&mut self, execution: Execution, max_accounts: usize) -> u64 {
        let mut evicted = 0;
        while self.accounts.len() >= max_accounts && self.evict_one(None) {
            evicted += 1;
        }
        self.next_seq += 1;
        self.stored_bytes += execution.bytes();
        let id = execution.account_id.clone();
        self.accounts.insert(
            id.clone(),
            Account {
                id,
                seq: self.next_seq,
                executions: vec![execution],
            },
        );
        evicted
    }

    /// Adds a workflow execution to an existing account. False if the account is gone.
    pub(crate) fn insert_execution(&mut self, execution: Execution) -> bool {
        let added = execution.bytes();
        let Some(account) = self.accounts.get_mut(&execution.account_id) else {
            return false;
        };
        if account.executions.len() >= MAX_EXECUTIONS_PER_ACCOUNT {
            let oldest = account
                .executions
                .iter()
                .position(|e| e.status.finished())
                .unwrap_or(0);
            let removed = account.executions.remove(oldest);
            self.stored_bytes -= removed.bytes();
        }
        account.executions.push(execution);
        self.stored_bytes += added;
        true
    }

    /// Stores a part, replacing an earlier one of the same classifier. Evicts other accounts
    /// first when the byte bound would be exceeded; false when even that leaves no room.
    pub(crate) fn store_part(
        &mut self,
        account: &str,
        execution: &str,
        credential: &str,
        classifier: Classifier,
        part: StoredPart,
        max_bytes: usize,
    ) -> Result<u64, StoreFull> {
        let replaced = self
            .execution(account, execution)
            .and_then(|e| e.credential(credential))
            .and_then(|c| c.parts.get(&classifier))
            .map_or(0, |p| p.bytes.len());
        let mut evicted = 0;
        while self.stored_bytes - replaced + part.bytes.len() > max_bytes {
            if !self.evict_one(Some(account)) {
                return Err(StoreFull);
            }
            evicted += 1;
        }
        let added = part.bytes.len();
        let slot = self
            .execution_mut(account, execution)
            .and_then(|e| e.credentials.iter_mut().find(|c| c.id == credential))
            .ok_or(StoreFull)?;
        slot.parts.insert(classifier, part);
        self.stored_bytes = self.stored_bytes - replaced + added;
        Ok(evicted)
    }

    pub(crate) fn remove_account(&mut self, id: &str) -> bool {
        match self.accounts.remove(id) {
            Some(account) => {
                self.stored_bytes -= account.bytes();
                true
            }
            None => false,
        }
    }

    pub(crate) fn remove_execution(&mut self, account: &str, execution: &str) -> bool {
        let Some(account) = self.accounts.get_mut(account) else {
            return false;
        };
        let Some(index) = account.executions.iter().position(|e| e.id == execution) else {
            return false;
        };
        let removed = account.executions.remove(index);
        self.stored_bytes -= removed.bytes();
        true
    }

    /// Evicts the lowest-ranked account other than `keep`. False when there is none.
    fn evict_one(&mut self, keep: Option<&str>) -> bool {
        let victim = self
            .accounts
            .values()
            .filter(|a| Some(a.id.as_str()) != keep)
            .min_by_key(|a| a.eviction_rank())
            .map(|a| a.id.clone());
        match victim {
            Some(id) => {
                tracing::debug!(account = %id, "evicting account to stay within the bounds");
                self.remove_account(&id)
            }
            None => false,
        }
    }

    /// Applies every transition due at `now` (of one execution, or of all) and returns them.
    pub(crate) fn advance(
        &mut self,
        now: Instant,
        links: &Links<'_>,
        only: Option<(&str, &str)>,
    ) -> Vec<StatusChange> {
        let mut changes = Vec::new();
        let mut added = 0;
        let mut step = |execution: &mut Execution| {
            if let Some((change, bytes)) = execution.advance(now, links) {
                changes.push(change);
                added += bytes;
            }
        };
        match only {
            Some((account, execution)) => {
                if let Some(execution) = self.execution_mut(account, execution) {
                    step(execution);
                }
            }
            None => self
                .accounts
                .values_mut()
                .flat_map(|a| a.executions.iter_mut())
                .for_each(step),
        }
        self.stored_bytes += added;
        changes
    }
}

/// The byte bound leaves no room for a part, even with every other account evicted.
#[derive(Debug)]
pub(crate) struct StoreFull;

/// Now, in the millisecond precision Jumio's timestamps have.
pub(crate) fn timestamp() -> DateTime<Utc> {
    use chrono::SubsecRound as _;
    Utc::now().trunc_subsecs(3)
}
