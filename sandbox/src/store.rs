//! The in-memory data of a sandbox: accounts, their workflow executions, credentials and parts,
//! the status transitions of an execution, and the bounds (eviction, byte accounting) that keep a
//! long-running sandbox small.
//!
//! Pure data: nothing here knows about HTTP, tokens, callbacks or scenarios. What an execution is
//! planned to yield (`S`, the scenario) is opaque to the store, and the result of processing comes
//! from the caller of [`Store::advance`]. The application state (`state.rs`) keeps the store behind
//! one `std::sync::Mutex`, never held across an `.await`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use jumio_kyx::generated::types::{
    AccountLink, CallbackPayload, Capabilities, ConsentDetails, CredentialCategory,
    CredentialPreset, Decision, PartClassifier, WorkflowExecutionState, WorkflowStatus,
    WorkflowStep,
};

/// Most workflow executions kept per account; starting one more drops the oldest finished one.
const MAX_EXECUTIONS_PER_ACCOUNT: usize = 50;

/// What the store may hold at most.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub max_accounts: usize,
    pub max_executions: usize,
    pub max_bytes: usize,
}

/// The bounds leave no room, and nothing can be evicted: every other account has a workflow
/// execution in progress (or the credential is gone).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StoreFull;

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

/// The document the ID credential filter asks for, used for the extracted data.
#[derive(Clone, Debug)]
pub(crate) struct DocumentChoice {
    pub document_type: String,
    pub country: String,
}

/// How a Web journey ended, as its end page and redirect tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WebEnd {
    /// Every credential was acquired and the workflow execution finalized.
    Success,
    /// The journey ended with this error code (for example `9835`).
    Error(u16),
    /// The user abandoned the journey (an error; its code is the Web journey's choice).
    Abandoned,
}

/// The Web journey (the WEB channel) of a workflow execution: the link's token, what the account
/// set for it, and how far the journey got. Plain data; the rules are in `web/`.
#[derive(Clone, Default)]
pub(crate) struct WebSession {
    /// The `authorizationToken` of `web.href`.
    pub token: String,
    /// `web.successUrl` of the account request.
    pub success_url: Option<String>,
    /// `web.errorUrl` of the account request.
    pub error_url: Option<String>,
    /// The country filter of the ID credential.
    pub id_country: Option<CredentialPreset>,
    /// The type filter of the ID credential.
    pub id_type: Option<CredentialPreset>,
    /// The journey's token against cross-site submissions, drawn when its first page is served.
    pub csrf: Option<String>,
    /// The locale of the journey's pages, as resolved when its first page was served.
    pub locale: Option<&'static str>,
    /// Origin of the page that embeds the journey, for its iFrame events.
    pub parent_origin: Option<String>,
    /// The session runs out at this instant: set by the first accepted action and pushed back by
    /// every further one (`SESSION_EXPIRED` when it passes before the token's lifetime).
    pub session_deadline: Option<Instant>,
    /// Submissions refused so far (a bad file, a missing field); the third ends the journey.
    pub refusals: u8,
    /// The user gave consent in the journey.
    pub consent_given: bool,
    /// The user chose the country and type of the ID (or they were fixed).
    pub document_chosen: bool,
    /// How the journey ended, once it did.
    pub ended: Option<WebEnd>,
}

impl fmt::Debug for WebSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSession")
            .field("locale", &self.locale)
            .field("session_deadline", &self.session_deadline)
            .field("refusals", &self.refusals)
            .field("consent_given", &self.consent_given)
            .field("document_chosen", &self.document_chosen)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl WebSession {
    /// Whether the session ran out at `now` before the token did.
    fn expired(&self, now: Instant, token_deadline: Instant) -> bool {
        self.session_deadline
            .is_some_and(|deadline| now >= deadline && deadline < token_deadline)
    }
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
    /// The consent of the account request (`userConsent.consent`), reported with the details.
    pub consent: Option<ConsentDetails>,
    pub callback_url: Option<String>,
    pub transaction_token: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub token_deadline: Instant,
    pub process_at: Option<Instant>,
    /// The Web journey of this execution.
    pub web: WebSession,
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

    /// Whether the execution is still in progress: acquiring with a transaction token that is
    /// still valid, or being processed (or in a status the sandbox does not know). Such an
    /// execution is never evicted.
    pub(crate) fn in_progress(&self, now: Instant) -> bool {
        match self.status {
            WorkflowStatus::Initiated => {
                now < self.token_deadline && !self.web.expired(now, self.token_deadline)
            }
            ref status => !is_finished(status),
        }
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

    /// Whether processing ends at `now`: it may store a face map.
    fn processing_due(&self, now: Instant) -> bool {
        self.status == WorkflowStatus::Acquired && self.process_at.is_some_and(|at| now >= at)
    }

    /// The transition due at `now`, if any: session expiry of a started Web journey, token expiry
    /// of an unfinished acquisition (whichever deadline came first), or the end of processing
    /// with the outcome `evaluate` gives (which may store a face map, replacing an earlier one).
    fn advance(
        &mut self,
        now: Instant,
        evaluate: &mut impl FnMut(&Self) -> Outcome,
    ) -> Option<StatusChange> {
        match self.status {
            WorkflowStatus::Initiated if self.web.expired(now, self.token_deadline) => {
                self.status = WorkflowStatus::SessionExpired;
                Some(self.change())
            }
            WorkflowStatus::Initiated if now >= self.token_deadline => {
                self.status = WorkflowStatus::TokenExpired;
                Some(self.change())
            }
            _ if self.processing_due(now) => {
                let outcome = evaluate(self);
                if let Some(facemap) = outcome.facemap.clone()
                    && let Some(credential) = self
                        .credentials
                        .iter_mut()
                        .find(|c| c.category == CredentialCategory::Facemap)
                {
                    credential.parts.insert(PartClassifier::Facemap, facemap);
                }
                self.outcome = Some(outcome);
                self.status = WorkflowStatus::Processed;
                self.completed_at = Some(timestamp());
                self.process_at = None;
                Some(self.change())
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
    /// Bytes of the account's parts, each counted once: a credential linked into a later
    /// workflow execution shares the parts of the credential it was linked from.
    fn bytes(&self) -> usize {
        let mut seen = HashSet::new();
        self.executions
            .iter()
            .flat_map(|e| &e.credentials)
            .flat_map(|c| c.parts.values())
            .filter(|part| seen.insert(part.id.as_str()))
            .map(|part| part.bytes.len())
            .sum()
    }

    /// Eviction rank, lowest first, of an account without an execution in progress: accounts
    /// with nothing but expired (or no) executions, then the others; older before newer. `None`
    /// while an execution is in progress: the account is not evicted.
    fn eviction_rank(&self, now: Instant) -> Option<(u8, u64)> {
        if self.executions.iter().any(|e| e.in_progress(now)) {
            return None;
        }
        let all_expired = self
            .executions
            .iter()
            .all(|e| e.status != WorkflowStatus::Processed);
        Some((u8::from(!all_expired), self.seq))
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

/// Every account, the bytes of every stored part and the number of workflow executions.
#[derive(Debug)]
pub(crate) struct Store<S> {
    accounts: HashMap<String, Account<S>>,
    stored_bytes: usize,
    executions: usize,
    next_seq: u64,
}

impl<S> Default for Store<S> {
    fn default() -> Self {
        Self {
            accounts: HashMap::new(),
            stored_bytes: 0,
            executions: 0,
            next_seq: 0,
        }
    }
}

impl<S> Store<S> {
    pub(crate) fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Workflow executions of every account.
    pub(crate) fn execution_count(&self) -> usize {
        self.executions
    }

    /// Runs `change` on an account and keeps the byte and execution counts in step with it.
    fn change_account<T>(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Account<S>) -> T,
    ) -> Option<T> {
        let account = self.accounts.get_mut(id)?;
        let (bytes, executions) = (account.bytes(), account.executions.len());
        let result = change(account);
        self.stored_bytes = self.stored_bytes - bytes + account.bytes();
        self.executions = self.executions - executions + account.executions.len();
        Some(result)
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

    /// Evicts accounts other than `keep` while `over` says the store is over its bounds. Returns
    /// how many were evicted, or [`StoreFull`] when nothing more can be evicted.
    fn make_room(
        &mut self,
        keep: Option<&str>,
        now: Instant,
        over: impl Fn(&Self) -> bool,
    ) -> Result<u64, StoreFull> {
        let mut evicted = 0;
        while over(self) {
            if !self.evict_one(keep, now) {
                return Err(StoreFull);
            }
            evicted += 1;
        }
        Ok(evicted)
    }

    /// Adds a new account with its first workflow execution, evicting accounts without an
    /// execution in progress first so that the bounds hold. Returns how many were evicted, or
    /// [`StoreFull`] when no account can go.
    pub(crate) fn insert_account(
        &mut self,
        execution: Execution<S>,
        bounds: Bounds,
        now: Instant,
    ) -> Result<u64, StoreFull> {
        let evicted = self.make_room(None, now, |store| {
            store.accounts.len() >= bounds.max_accounts || store.executions >= bounds.max_executions
        })?;
        self.next_seq += 1;
        let account = Account {
            id: execution.account_id.clone(),
            seq: self.next_seq,
            executions: vec![execution],
        };
        self.stored_bytes += account.bytes();
        self.executions += 1;
        self.accounts.insert(account.id.clone(), account);
        Ok(evicted)
    }

    /// Adds a workflow execution to an existing account, dropping its oldest finished one when
    /// it has [`MAX_EXECUTIONS_PER_ACCOUNT`], and evicting other accounts when the store holds
    /// `max_executions`. Returns how many accounts were evicted; `Ok(None)` if the account is
    /// gone, [`StoreFull`] when there is no room.
    pub(crate) fn insert_execution(
        &mut self,
        execution: Execution<S>,
        bounds: Bounds,
        now: Instant,
    ) -> Result<Option<u64>, StoreFull> {
        let id = execution.account_id.clone();
        let Some(account) = self.accounts.get(&id) else {
            return Ok(None);
        };
        let drop_one = account.executions.len() >= MAX_EXECUTIONS_PER_ACCOUNT;
        let finished = account.executions.iter().position(|e| !e.in_progress(now));
        let evicted = match (drop_one, finished) {
            (true, None) => return Err(StoreFull),
            (true, Some(_)) => 0,
            (false, _) => self.make_room(Some(&id), now, |store| {
                store.executions >= bounds.max_executions
            })?,
        };
        self.change_account(&id, |account| {
            if let (true, Some(oldest)) = (drop_one, finished) {
                account.executions.remove(oldest);
            }
            account.executions.push(execution);
        });
        Ok(Some(evicted))
    }

    /// Stores a part, replacing an earlier one of the same classifier. Evicts other accounts
    /// without an execution in progress when the byte bound would be exceeded. Returns how many
    /// were evicted, or [`StoreFull`] when even that leaves no room (the part is then not
    /// stored) or the credential is gone.
    pub(crate) fn store_part(
        &mut self,
        ids: (&str, &str, &str),
        classifier: PartClassifier,
        part: StoredPart,
        max_bytes: usize,
        now: Instant,
    ) -> Result<u64, StoreFull> {
        let (account, execution, credential) = ids;
        let replaced = self
            .change_account(account, |stored| {
                let slot = stored
                    .executions
                    .iter_mut()
                    .find(|e| e.id == execution)?
                    .credentials
                    .iter_mut()
                    .find(|c| c.id == credential)?;
                Some(slot.parts.insert(classifier.clone(), part))
            })
            .flatten()
            .ok_or(StoreFull)?;
        match self.make_room(Some(account), now, |store| store.stored_bytes > max_bytes) {
            Ok(evicted) => Ok(evicted),
            Err(full) => {
                self.change_account(account, |stored| {
                    let slot = stored
                        .executions
                        .iter_mut()
                        .find(|e| e.id == execution)
                        .and_then(|e| e.credentials.iter_mut().find(|c| c.id == credential));
                    if let Some(slot) = slot {
                        match replaced {
                            Some(earlier) => slot.parts.insert(classifier, earlier),
                            None => slot.parts.remove(&classifier),
                        };
                    }
                });
                Err(full)
            }
        }
    }

    pub(crate) fn remove_account(&mut self, id: &str) -> bool {
        match self.accounts.remove(id) {
            Some(account) => {
                self.stored_bytes -= account.bytes();
                self.executions -= account.executions.len();
                true
            }
            None => false,
        }
    }

    pub(crate) fn remove_execution(&mut self, account: &str, execution: &str) -> bool {
        self.change_account(account, |account| {
            let index = account.executions.iter().position(|e| e.id == execution);
            index
                .map(|index| account.executions.remove(index))
                .is_some()
        })
        .unwrap_or(false)
    }

    /// Evicts the lowest-ranked account other than `keep` that has no execution in progress.
    /// False when there is none.
    fn evict_one(&mut self, keep: Option<&str>, now: Instant) -> bool {
        let victim = self
            .accounts
            .values()
            .filter(|a| Some(a.id.as_str()) != keep)
            .filter_map(|a| Some((a.eviction_rank(now)?, a)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, a)| a.id.clone());
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
        // Bytes of the accounts whose processing ends, before and after: a face map is stored.
        let (mut before, mut after) = (0, 0);
        let mut step = |account: &mut Account<S>, execution: Option<&str>| {
            let due = account.executions.iter().any(|e| e.processing_due(now));
            if due {
                before += account.bytes();
            }
            for e in &mut account.executions {
                if execution.is_none_or(|id| e.id == id)
                    && let Some(change) = e.advance(now, &mut evaluate)
                {
                    changes.push(change);
                }
            }
            if due {
                after += account.bytes();
            }
        };
        match only {
            Some((account, execution)) => {
                if let Some(account) = self.accounts.get_mut(account) {
                    step(account, Some(execution));
                }
            }
            None => self
                .accounts
                .values_mut()
                .for_each(|account| step(account, None)),
        }
        self.stored_bytes = self.stored_bytes - before + after;
        changes
    }
}

/// Now, in the millisecond precision Jumio's timestamps have.
pub(crate) fn timestamp() -> DateTime<Utc> {
    use chrono::SubsecRound as _;
    Utc::now().trunc_subsecs(3)
}
