//! The in-memory data of a sandbox: accounts, their workflow executions, credentials and parts,
//! the status transitions of an execution, and the bounds (eviction, byte accounting) that keep a
//! long-running sandbox small.
//!
//! Pure data: nothing here knows about HTTP, tokens, callbacks or scenarios. What an execution is
//! planned to yield (`S`, the scenario) is opaque to the store, and the result of processing comes
//! from the caller of [`Store::advance`]. The application state (`state.rs`) keeps the store behind
//! one `std::sync::Mutex`, never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use jumio_kyx::generated::types::{
    AccountLink, CallbackPayload, Capabilities, CredentialCategory, Decision, PartClassifier,
    WorkflowExecutionState, WorkflowStatus, WorkflowStep,
};

/// Most workflow executions kept per account; starting one more drops the oldest finished one.
const MAX_EXECUTIONS_PER_ACCOUNT: usize = 50;

/// Whether a workflow execution has ended: processed, or expired before it was finalized. A status
/// the sandbox does not know is taken as still running, so that eviction never picks it first.
pub(crate) fn is_finished(status: &WorkflowStatus) -> bool {
    matches!(
        status,
        WorkflowStatus::Processed | WorkflowStatus::TokenExpired | WorkflowStatus::SessionExpired
    )
}

/// A stored image (or face map) of a credential part.
#[derive(Clone)]
pub(crate) struct StoredPart {
    pub id: String,
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
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
    pub category: CredentialCategory,
    /// Linked from an earlier workflow execution of the account: acquired already, no upload.
    pub linked: bool,
    pub parts: BTreeMap<PartClassifier, StoredPart>,
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

/// The result of processing a workflow execution.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub decision: Decision,
    pub capabilities: Capabilities,
    pub steps: Vec<WorkflowStep>,
    /// The face map stored for the FACEMAP credential when liveness ran.
    pub facemap: Option<StoredPart>,
}

/// A workflow execution; `S` is what its scenario asks for, kept for processing.
#[derive(Debug)]
pub(crate) struct Execution<S> {
    pub id: String,
    pub account_id: String,
    pub definition_key: u64,
    pub status: WorkflowStatus,
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
    pub scenario: S,
    pub outcome: Option<Outcome>,
}

impl<S> Execution<S> {
    pub(crate) fn credential(&self, id: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.id == id)
    }

    pub(crate) fn credential_of(&self, category: &CredentialCategory) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.category == *category)
    }

    pub(crate) fn part(
        &self,
        category: &CredentialCategory,
        classifier: &PartClassifier,
    ) -> Option<&StoredPart> {
        self.credential_of(category)?.parts.get(classifier)
    }

    fn bytes(&self) -> usize {
        self.credentials.iter().map(Credential::bytes).sum()
    }

    /// The account of this execution, without its link (the store knows no base URL).
    pub(crate) fn account_link(&self) -> AccountLink {
        AccountLink {
            id: self.account_id.clone(),
            href: None,
        }
    }

    /// The state of this execution, as status retrieval and callbacks report it, without its
    /// link.
    pub(crate) fn state(&self) -> WorkflowExecutionState {
        WorkflowExecutionState {
            id: self.id.clone(),
            href: None,
            definition_key: Some(self.definition_key.to_string()),
            status: self.status.clone(),
        }
    }

    /// The status change this execution has just made, to announce.
    pub(crate) fn change(&self) -> StatusChange {
        StatusChange {
            callback_url: self.callback_url.clone(),
            payload: CallbackPayload {
                callback_sent_at: None,
                user_reference: self.user_reference.clone(),
                workflow_execution: self.state(),
                account: self.account_link(),
            },
        }
    }

    /// The transition due at `now`, if any: token expiry of an unfinished acquisition, or the end
    /// of processing with the outcome `evaluate` gives. Returns the change and the bytes added
    /// (the face map).
    fn advance(
        &mut self,
        now: Instant,
        evaluate: &mut impl FnMut(&Self) -> Outcome,
    ) -> Option<(StatusChange, usize)> {
        match self.status {
            WorkflowStatus::Initiated if now >= self.token_deadline => {
                self.status = WorkflowStatus::TokenExpired;
                Some((self.change(), 0))
            }
            WorkflowStatus::Acquired if self.process_at.is_some_and(|at| now >= at) => {
                let outcome = evaluate(self);
                let mut added = 0;
                if let Some(facemap) = outcome.facemap.clone()
                    && let Some(credential) = self
                        .credentials
                        .iter_mut()
                        .find(|c| c.category == CredentialCategory::Facemap)
                {
                    added = facemap.bytes.len();
                    credential.parts.insert(PartClassifier::Facemap, facemap);
                }
                self.outcome = Some(outcome);
                self.status = WorkflowStatus::Processed;
                self.completed_at = Some(timestamp());
                self.process_at = None;
                Some((self.change(), added))
            }
            _ => None,
        }
    }
}

/// A status change to announce by callback: where to, and the payload (without links).
#[derive(Clone, Debug)]
pub(crate) struct StatusChange {
    pub callback_url: Option<String>,
    pub payload: CallbackPayload,
}

#[derive(Debug)]
pub(crate) struct Account<S> {
    pub id: String,
    seq: u64,
    pub executions: Vec<Execution<S>>,
}

impl<S> Account<S> {
    fn bytes(&self) -> usize {
        self.executions.iter().map(Execution::bytes).sum()
    }

    /// Eviction rank, lowest first: accounts with nothing but expired (or no) executions, then
    /// accounts whose executions have all finished, then the rest; older before newer.
    fn eviction_rank(&self) -> (u8, u64) {
        let class = if self
            .executions
            .iter()
            .all(|e| e.status == WorkflowStatus::TokenExpired)
        {
            0
        } else if self.executions.iter().all(|e| is_finished(&e.status)) {
            1
        } else {
            2
        };
        (class, self.seq)
    }

    pub(crate) fn execution(&self, id: &str) -> Option<&Execution<S>> {
        self.executions.iter().find(|e| e.id == id)
    }

    /// A credential of any workflow execution of the account.
    pub(crate) fn credential(&self, credential: &str) -> Option<&Credential> {
        self.executions
            .iter()
            .find_map(|e| e.credential(credential))
    }

    /// A stored part of a credential of any workflow execution of the account.
    pub(crate) fn part(
        &self,
        credential: &str,
        classifier: &PartClassifier,
    ) -> Option<&StoredPart> {
        self.executions
            .iter()
            .filter_map(|e| e.credential(credential))
            .find_map(|c| c.parts.get(classifier))
    }
}

/// Every account, and the bytes of every stored part.
#[derive(Debug)]
pub(crate) struct Store<S> {
    accounts: HashMap<String, Account<S>>,
    stored_bytes: usize,
    next_seq: u64,
}

impl<S> Default for Store<S> {
    fn default() -> Self {
        Self {
            accounts: HashMap::new(),
            stored_bytes: 0,
            next_seq: 0,
        }
    }
}

impl<S> Store<S> {
    pub(crate) fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Bytes of every stored part.
    pub(crate) fn stored_bytes(&self) -> usize {
        self.stored_bytes
    }

    /// The `customerInternalReference` of every account (of its oldest workflow execution kept),
    /// oldest account first.
    pub(crate) fn account_references(&self) -> Vec<String> {
        let mut accounts: Vec<&Account<S>> = self.accounts.values().collect();
        accounts.sort_by_key(|a| a.seq);
        accounts
            .into_iter()
            .filter_map(|a| a.executions.first())
            .map(|e| e.customer_internal_reference.clone())
            .collect()
    }

    pub(crate) fn account(&self, id: &str) -> Option<&Account<S>> {
        self.accounts.get(id)
    }

    pub(crate) fn execution(&self, account: &str, execution: &str) -> Option<&Execution<S>> {
        self.accounts.get(account)?.execution(execution)
    }

    pub(crate) fn execution_mut(
        &mut self,
        account: &str,
        execution: &str,
    ) -> Option<&mut Execution<S>> {
        self.accounts
            .get_mut(account)?
            .executions
            .iter_mut()
            .find(|e| e.id == execution)
    }

    /// Adds a new account with its first workflow execution, evicting accounts first so that at
    /// most `max_accounts` remain. Returns how many were evicted.
    pub(crate) fn insert_account(&mut self, execution: Execution<S>, max_accounts: usize) -> u64 {
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
    pub(crate) fn insert_execution(&mut self, execution: Execution<S>) -> bool {
        let added = execution.bytes();
        let Some(account) = self.accounts.get_mut(&execution.account_id) else {
            return false;
        };
        if account.executions.len() >= MAX_EXECUTIONS_PER_ACCOUNT {
            let oldest = account
                .executions
                .iter()
                .position(|e| is_finished(&e.status))
                .unwrap_or(0);
            let removed = account.executions.remove(oldest);
            self.stored_bytes -= removed.bytes();
        }
        account.executions.push(execution);
        self.stored_bytes += added;
        true
    }

    /// Stores a part, replacing an earlier one of the same classifier. Evicts other accounts
    /// first when the byte bound would be exceeded. Returns how many were evicted, or
    /// [`StoreFull`] when even that leaves no room (or the credential is gone).
    pub(crate) fn store_part(
        &mut self,
        account: &str,
        execution: &str,
        credential: &str,
        classifier: PartClassifier,
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

    /// Applies every transition due at `now` (of one execution, or of all) and returns them;
    /// `evaluate` gives the outcome of an execution whose processing ends.
    pub(crate) fn advance(
        &mut self,
        now: Instant,
        only: Option<(&str, &str)>,
        mut evaluate: impl FnMut(&Execution<S>) -> Outcome,
    ) -> Vec<StatusChange> {
        let mut changes = Vec::new();
        let mut added = 0;
        let mut step = |execution: &mut Execution<S>| {
            if let Some((change, bytes)) = execution.advance(now, &mut evaluate) {
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
