//! The absolute links the sandbox hands out, all on its own base URL (every service on one address).

use std::fmt::Display;

use jumio_kyx::generated::types::{AccountLink, WorkflowExecutionState};

/// Builds links on one base URL (no trailing slash).
#[derive(Clone, Debug)]
pub(crate) struct Links<'a> {
    base: &'a str,
}

impl<'a> Links<'a> {
    pub(crate) fn new(base: &'a str) -> Self {
        Self { base }
    }

    /// Retrieval link of an account (and the path of its update and deletion).
    pub(crate) fn account(&self, account: &str) -> String {
        format!("{}/api/v1/accounts/{account}", self.base)
    }

    /// Link of a workflow execution: details (GET), finalization (PUT) and deletion (DELETE).
    pub(crate) fn execution(&self, account: &str, execution: &str) -> String {
        format!(
            "{}/api/v1/accounts/{account}/workflow-executions/{execution}",
            self.base
        )
    }

    /// Sets the links of an account and a workflow execution of it.
    pub(crate) fn fill(&self, account: &mut AccountLink, execution: &mut WorkflowExecutionState) {
        execution.href = Some(self.execution(&account.id, &execution.id));
        account.href = Some(self.account(&account.id));
    }

    pub(crate) fn steps(&self, account: &str, execution: &str) -> String {
        format!("{}/steps", self.execution(account, execution))
    }

    /// Upload link of a credential part, ending with the classifier (`FRONT`, `BACK`, `FACE`).
    pub(crate) fn upload(
        &self,
        account: &str,
        execution: &str,
        credential: &str,
        classifier: impl Display,
    ) -> String {
        format!(
            "{}/credentials/{credential}/parts/{classifier}",
            self.execution(account, execution)
        )
    }

    /// Retrieval link of a stored part.
    pub(crate) fn part(&self, account: &str, credential: &str, classifier: impl Display) -> String {
        format!(
            "{}/api/v1/accounts/{account}/credentials/{credential}/parts/{classifier}",
            self.base
        )
    }

    /// Start link of the Web journey (`web.href`), in the form Jumio documents today:
    /// `/web/client?baseUrl=...&authorizationToken=...&locale=...` on the sandbox's own base URL.
    pub(crate) fn web(&self, token: &str, locale: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("baseUrl", self.base)
            .append_pair("authorizationToken", token)
            .append_pair("locale", locale)
            .finish();
        format!("{}/web/client?{query}", self.base)
    }
}
