//! The ids that address a workflow execution.

use std::fmt;

use crate::error::{Error, Result};
use crate::trust;

/// The ids of one workflow execution: its account and the execution itself. Both are checked
/// to be ids of Jumio's form (letters, digits and `-`, at most 64) when the value is made, so
/// that nothing else ever reaches a URL path.
///
/// ```
/// use jumio_kyx::ExecutionIds;
///
/// let ids = ExecutionIds::new(
///     "11111111-0000-0000-0000-000000000000",
///     "22222222-0000-0000-0000-000000000000",
/// )?;
/// assert_eq!(ids.account_id(), "11111111-0000-0000-0000-000000000000");
/// assert!(ExecutionIds::new("../admin", "x").is_err());
/// # Ok::<(), jumio_kyx::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ExecutionIds {
    account_id: String,
    workflow_execution_id: String,
}

impl ExecutionIds {
    /// The ids of workflow execution `workflow_execution_id` of account `account_id`; refused
    /// ([`Error::Validation`]) unless both are ids of Jumio's form.
    pub fn new(
        account_id: impl Into<String>,
        workflow_execution_id: impl Into<String>,
    ) -> Result<Self> {
        let account_id = account_id.into();
        let workflow_execution_id = workflow_execution_id.into();
        check_id("accountId", "account id", &account_id)?;
        check_id(
            "workflowExecutionId",
            "workflow execution id",
            &workflow_execution_id,
        )?;
        Ok(ExecutionIds {
            account_id,
            workflow_execution_id,
        })
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        &self.workflow_execution_id
    }
}

impl fmt::Debug for ExecutionIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutionIds")
            .field("account_id", &self.account_id)
            .field("workflow_execution_id", &self.workflow_execution_id)
            .finish()
    }
}

impl fmt::Display for ExecutionIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "workflow execution {} of account {}",
            self.workflow_execution_id, self.account_id
        )
    }
}

/// Checks an id a caller gives (`field` as the API names it), as a validation error.
pub(crate) fn check_id(field: &'static str, what: &'static str, value: &str) -> Result<()> {
    trust::id(what, value).map_err(|invalid| Error::validation(field, invalid.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "11111111-0000-0000-0000-000000000000";
    const EXECUTION: &str = "22222222-0000-0000-0000-000000000000";

    #[test]
    fn both_ids_are_kept_and_shown() {
        let ids = ExecutionIds::new(ACCOUNT, EXECUTION).unwrap();
        assert_eq!(ids.account_id(), ACCOUNT);
        assert_eq!(ids.workflow_execution_id(), EXECUTION);
        assert_eq!(
            ids.to_string(),
            format!("workflow execution {EXECUTION} of account {ACCOUNT}")
        );
        assert_eq!(
            format!("{ids:?}"),
            format!(
                "ExecutionIds {{ account_id: \"{ACCOUNT}\", workflow_execution_id: \"{EXECUTION}\" }}"
            )
        );
    }

    #[test]
    fn each_id_is_checked_and_named_as_the_api_names_it() {
        let error = ExecutionIds::new("../admin", EXECUTION).unwrap_err();
        assert!(error.to_string().contains("accountId"), "{error}");
        assert!(error.to_string().contains("account id"), "{error}");
        let error = ExecutionIds::new(ACCOUNT, "a/b").unwrap_err();
        assert!(error.to_string().contains("workflowExecutionId"), "{error}");
        assert!(!error.to_string().contains("a/b"), "{error}");
        assert!(ExecutionIds::new(ACCOUNT, "").is_err());
        assert!(check_id("credentialId", "credential id", "ok-1").is_ok());
    }
}
