//! The result of a processed workflow execution, with accessors that tolerate values this crate
//! does not know.

use std::fmt;

use crate::generated::types;

/// The details of a workflow execution: decision, risk score, capability results, extracted data.
///
/// Debug prints ids and decisions only: the extracted data is personal data.
#[derive(Clone)]
pub struct VerificationResult {
    details: types::WorkflowExecutionDetails,
}

/// One capability result: its name, decision type and label.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CapabilityOutcome {
    /// The capability (`usability`, `liveness`, …), as Jumio names it.
    pub capability: String,
    /// The decision type.
    pub decision: types::DecisionType,
    /// The label, the reason behind the decision.
    pub label: Option<types::DecisionLabel>,
    /// Categories of the credentials it ran on.
    pub credentials: Vec<String>,
}

impl From<types::WorkflowExecutionDetails> for VerificationResult {
    fn from(details: types::WorkflowExecutionDetails) -> Self {
        VerificationResult { details }
    }
}

fn outcome(
    capability: &str,
    decision: &types::CapabilityDecision,
    credentials: &[types::CapabilityCredential],
) -> CapabilityOutcome {
    CapabilityOutcome {
        capability: capability.to_owned(),
        decision: decision.type_.clone(),
        label: decision.details.as_ref().and_then(|d| d.label.clone()),
        credentials: credentials
            .iter()
            .filter_map(|c| c.category.as_ref().map(ToString::to_string))
            .collect(),
    }
}

impl VerificationResult {
    /// The generated details, whole.
    pub fn details(&self) -> &types::WorkflowExecutionDetails {
        &self.details
    }

    /// The workflow execution id.
    pub fn workflow_execution_id(&self) -> &str {
        &self.details.workflow.id
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.details.account.id
    }

    /// The workflow status.
    pub fn status(&self) -> &types::WorkflowStatus {
        &self.details.workflow.status
    }

    /// The overall decision type. A result without an overall `decision` (legacy v3 workflows
    /// send none) reports the one its capabilities give: the worst of them (REJECTED over WARNING
    /// over PASSED), `NOT_EXECUTED` when none ran.
    pub fn decision_type(&self) -> types::DecisionType {
        match &self.details.decision {
            Some(decision) => decision.type_.clone(),
            None => derived_decision(self.capabilities().iter().map(|c| &c.decision)),
        }
    }

    /// Whether [`decision_type`](Self::decision_type) was derived from the capabilities, as Jumio
    /// sent no overall decision.
    pub fn decision_is_derived(&self) -> bool {
        self.details.decision.is_none()
    }

    /// The overall decision label.
    pub fn decision_label(&self) -> Option<&types::DecisionLabel> {
        self.details
            .decision
            .as_ref()?
            .details
            .as_ref()?
            .label
            .as_ref()
    }

    /// The risk score, -1 (not executed) to 100 (highest risk).
    pub fn risk_score(&self) -> Option<f64> {
        self.details.decision.as_ref()?.risk.as_ref()?.score
    }

    /// Every capability result, known capabilities first, then those this crate does not know.
    pub fn capabilities(&self) -> Vec<CapabilityOutcome> {
        let Some(c) = &self.details.capabilities else {
            return Vec::new();
        };
        let mut all = Vec::new();
        macro_rules! push {
            ($name:literal, $list:expr) => {
                for r in &$list {
                    all.push(outcome($name, &r.decision, &r.credentials));
                }
            };
        }
        push!("usability", c.usability);
        push!("imageChecks", c.image_checks);
        push!("extraction", c.extraction);
        push!("dataChecks", c.data_checks);
        push!("liveness", c.liveness);
        push!("similarity", c.similarity);
        push!("authentication", c.authentication);
        push!("watchlistScreening", c.watchlist_screening);
        push!("addressValidation", c.address_validation);
        push!("proofOfResidency", c.proof_of_residency);
        push!("drivingLicenseVerification", c.driving_license_verification);
        push!("braCpfValidation", c.bra_cpf_validation);
        push!("biometricVerification", c.biometric_verification);
        push!("classification", c.classification);
        for (name, results) in &c.extra {
            for r in results {
                all.push(outcome(name, &r.decision, &r.credentials));
            }
        }
        all
    }

    /// The results of one capability, by Jumio's name.
    pub fn capability(&self, name: &str) -> Vec<CapabilityOutcome> {
        self.capabilities()
            .into_iter()
            .filter(|c| c.capability == name)
            .collect()
    }

    /// What the classification found about the ID (country, type, subtype), when it ran.
    pub fn classification(&self) -> Option<&types::ClassificationData> {
        self.details
            .capabilities
            .as_ref()?
            .classification
            .iter()
            .find_map(|c| c.data.as_ref())
    }

    /// The data extracted from the ID (personal data).
    pub fn extracted(&self) -> Option<&types::ExtractedData> {
        self.details
            .capabilities
            .as_ref()?
            .extraction
            .iter()
            .find_map(|e| e.data.as_ref())
    }
}

/// The worst of `decisions` (REJECTED over WARNING over PASSED); `NOT_EXECUTED` when none was
/// executed. A type this crate does not know counts as WARNING: it needs a look.
fn derived_decision<'a>(
    decisions: impl IntoIterator<Item = &'a types::DecisionType>,
) -> types::DecisionType {
    use types::DecisionType as T;
    let rank = |decision: &T| match decision {
        T::NotExecuted => 0,
        T::Passed => 1,
        T::Warning | T::Unknown(_) => 2,
        T::Rejected => 3,
    };
    match decisions.into_iter().map(rank).max().unwrap_or(0) {
        3 => T::Rejected,
        2 => T::Warning,
        1 => T::Passed,
        _ => T::NotExecuted,
    }
}

impl fmt::Debug for VerificationResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationResult")
            .field("account_id", &self.account_id())
            .field("workflow_execution_id", &self.workflow_execution_id())
            .field("status", self.status())
            .field("decision", &self.decision_type())
            .field("label", &self.decision_label())
            .field("risk_score", &self.risk_score())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_without_a_decision_derives_it_from_its_capabilities() {
        let details = |capabilities: serde_json::Value| -> VerificationResult {
            serde_json::from_value::<types::WorkflowExecutionDetails>(serde_json::json!({
                "workflow": {"id": "w", "status": "PROCESSED", "definitionKey": "3"},
                "account": {"id": "a"},
                "capabilities": capabilities,
            }))
            .unwrap()
            .into()
        };
        let passed = serde_json::json!({"id": "c", "decision": {"type": "PASSED"}});
        let warning = serde_json::json!({"id": "d", "decision": {"type": "WARNING"}});
        let result = details(serde_json::json!({"usability": [passed], "liveness": [warning]}));
        assert_eq!(result.decision_type(), types::DecisionType::Warning);
        assert!(result.decision_is_derived());
        let unknown =
            serde_json::json!({"futureCheck": [{"id": "e", "decision": {"type": "REJECTED"}}]});
        let result = details(unknown);
        assert_eq!(result.decision_type(), types::DecisionType::Rejected);
        assert_eq!(
            result.capability("futureCheck").len(),
            1,
            "unknown capabilities are listed"
        );
        assert_eq!(
            details(serde_json::json!({})).decision_type(),
            types::DecisionType::NotExecuted
        );
    }
}
