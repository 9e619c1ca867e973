//! The workflows the sandbox runs: every key of `jumio_kyx::workflows` (the client's table), the
//! tenant's own from a definitions file, and, for any other key, ID and identity verification
//! like 10011 (logged once per key), unless strict.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use jumio_kyx::generated::types::{Channel, CredentialCategory, StepName};
use jumio_kyx::workflows::{self as table, Capability, Generation, WorkflowInfo};
use serde::Deserialize;

/// A credential of a [`WorkflowDefinition`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DefinedCredential {
    /// `ID`, `SELFIE`, `DATA`, `DOCUMENT` or `FACEMAP`.
    pub category: CredentialCategory,
    /// The channels that may acquire it (`API`, `SDK`, `WEB`); the API channel gets upload links.
    pub channels: Vec<Channel>,
    /// It must be an existing credential of the account, linked by its id.
    pub existing: bool,
}

impl DefinedCredential {
    pub(crate) fn api(&self) -> bool {
        self.channels.contains(&Channel::Api)
    }
}

/// A workflow the sandbox runs: its key, credentials and capabilities. The documented ones come
/// from `jumio_kyx::workflows`; a tenant's are read from a definitions file
/// ([`WorkflowDefinition::load`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WorkflowDefinition {
    /// The workflow definition key.
    pub key: u64,
    /// Its name.
    pub name: String,
    /// The credentials it acquires.
    pub credentials: Vec<DefinedCredential>,
    /// The capabilities it runs.
    pub capabilities: Vec<Capability>,
    /// It runs on an existing account only (account update).
    pub existing_account: bool,
    /// It needs a `userReference`.
    pub user_reference_required: bool,
    /// KYX (results with steps) or legacy v3 (steps `404`).
    pub generation: Generation,
}

impl From<&WorkflowInfo> for WorkflowDefinition {
    fn from(info: &WorkflowInfo) -> Self {
        WorkflowDefinition {
            key: info.key,
            name: info.name.to_owned(),
            credentials: info
                .credentials
                .iter()
                .map(|c| DefinedCredential {
                    category: c.category.clone(),
                    channels: c.channels.to_vec(),
                    existing: c.existing,
                })
                .collect(),
            capabilities: info.capabilities.to_vec(),
            existing_account: info.existing_account,
            user_reference_required: info.user_reference_required,
            generation: info.generation,
        }
    }
}

/// A definitions file, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    workflows: Vec<RawDefinition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawDefinition {
    key: u64,
    name: String,
    credentials: Vec<RawCredential>,
    capabilities: Vec<String>,
    #[serde(default)]
    existing_account: bool,
    #[serde(default)]
    user_reference_required: bool,
    #[serde(default = "yes")]
    steps: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredential {
    category: String,
    channels: Vec<String>,
    #[serde(default)]
    existing: bool,
}

const CATEGORIES: [&str; 5] = ["ID", "SELFIE", "DATA", "DOCUMENT", "FACEMAP"];
const CHANNELS: [&str; 3] = ["API", "SDK", "WEB"];

impl WorkflowDefinition {
    /// Reads the definitions file at `path` (see [`parse`](Self::parse)); an error names the file
    /// and what is wrong.
    pub fn load(path: impl AsRef<Path>) -> std::io::Result<Vec<WorkflowDefinition>> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| {
            std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
        })?;
        Self::parse(&text).map_err(|message| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: {message}", path.display()),
            )
        })
    }

    /// Reads definitions from JSON: `{"workflows": [{"key", "name", "credentials": [{"category",
    /// "channels", "existing"?}], "capabilities": [...], "existingAccount"?,
    /// "userReferenceRequired"?, "steps"?}]}`. Categories are `ID`, `SELFIE`, `DATA`, `DOCUMENT`,
    /// `FACEMAP`; channels `API`, `SDK`, `WEB`; capabilities by their names in results, each
    /// needing the credentials it checks (see `jumio_kyx::Capability::runs_on`).
    pub fn parse(json: &str) -> Result<Vec<WorkflowDefinition>, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut keys = BTreeSet::new();
        let mut definitions = Vec::new();
        for (index, raw) in file.workflows.into_iter().enumerate() {
            let at = format!("workflows[{index}] (key {})", raw.key);
            if raw.key == 0 {
                return Err(format!("{at}: the key must be a positive number"));
            }
            if !keys.insert(raw.key) {
                return Err(format!("{at}: key {} is defined twice", raw.key));
            }
            let mut credentials: Vec<DefinedCredential> = Vec::new();
            for credential in raw.credentials {
                if !CATEGORIES.contains(&credential.category.as_str()) {
                    return Err(format!(
                        "{at}: `{}` is not a credential category; use one of {}",
                        credential.category,
                        CATEGORIES.join(", ")
                    ));
                }
                let category = CredentialCategory::from(credential.category.as_str());
                if credentials.iter().any(|c| c.category == category) {
                    return Err(format!("{at}: {category} is listed twice"));
                }
                if credential.channels.is_empty() {
                    return Err(format!("{at}: {category} needs at least one channel"));
                }
                let mut channels = Vec::new();
                for channel in &credential.channels {
                    if !CHANNELS.contains(&channel.as_str()) {
                        return Err(format!(
                            "{at}: `{channel}` is not a channel; use one of {}",
                            CHANNELS.join(", ")
                        ));
                    }
                    channels.push(Channel::from(channel.as_str()));
                }
                credentials.push(DefinedCredential {
                    category,
                    channels,
                    existing: credential.existing,
                });
            }
            let categories: Vec<CredentialCategory> =
                credentials.iter().map(|c| c.category.clone()).collect();
            let mut capabilities = Vec::new();
            for name in &raw.capabilities {
                let capability = Capability::from_name(name).ok_or_else(|| {
                    format!(
                        "{at}: `{name}` is not a capability; use one of {}",
                        Capability::ALL.map(Capability::name).join(", ")
                    )
                })?;
                if !capability.runs_on(&categories) {
                    return Err(format!(
                        "{at}: {capability} cannot run on the credentials {}",
                        categories
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                capabilities.push(capability);
            }
            if capabilities.is_empty() {
                return Err(format!("{at}: a workflow needs at least one capability"));
            }
            definitions.push(WorkflowDefinition {
                key: raw.key,
                name: raw.name,
                credentials,
                capabilities,
                existing_account: raw.existing_account,
                user_reference_required: raw.user_reference_required,
                generation: if raw.steps {
                    Generation::Kyx
                } else {
                    Generation::V3
                },
            });
        }
        Ok(definitions)
    }

    pub(crate) fn credential(&self, category: &CredentialCategory) -> Option<&DefinedCredential> {
        self.credentials.iter().find(|c| c.category == *category)
    }

    pub(crate) fn has(&self, category: &CredentialCategory) -> bool {
        self.credential(category).is_some()
    }

    pub(crate) fn runs(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The steps of its results, with their capabilities.
    pub(crate) fn steps(&self) -> Vec<(StepName, Vec<Capability>)> {
        let categories: Vec<CredentialCategory> = self
            .credentials
            .iter()
            .map(|c| c.category.clone())
            .collect();
        table::steps(
            self.generation,
            &categories,
            self.capabilities.iter().copied(),
        )
    }
}

/// The workflows of one sandbox: the tenant's definitions over the documented table.
pub(crate) struct Workflows {
    defined: Vec<Arc<WorkflowDefinition>>,
    documented: Vec<Arc<WorkflowDefinition>>,
    strict: bool,
    /// Undocumented keys already logged.
    logged: Mutex<BTreeSet<u64>>,
}

/// Why a key does not run.
pub(crate) struct Refused(pub String);

impl Workflows {
    pub(crate) fn new(defined: &[WorkflowDefinition], strict: bool) -> Self {
        Workflows {
            defined: defined.iter().cloned().map(Arc::new).collect(),
            documented: table::WORKFLOWS
                .iter()
                .map(|info| Arc::new(WorkflowDefinition::from(info)))
                .collect(),
            strict,
            logged: Mutex::new(BTreeSet::new()),
        }
    }

    /// The workflow of `key`: defined, documented, or (not strict) 10011's under this key.
    pub(crate) fn resolve(&self, key: u64) -> Result<Arc<WorkflowDefinition>, Refused> {
        let known = self
            .defined
            .iter()
            .chain(&self.documented)
            .find(|d| d.key == key);
        if let Some(found) = known {
            return Ok(found.clone());
        }
        if self.strict {
            return Err(Refused(format!(
                "workflow definition key {key} is neither documented by Jumio nor defined for \
                 this sandbox (it runs with --strict-workflows); define it in a workflows file"
            )));
        }
        let first = self.logged.lock().expect("never poisoned").insert(key);
        if first {
            tracing::info!(
                key,
                "workflow key is neither documented nor defined; it runs as ID and identity \
                 verification (like 10011)"
            );
        }
        let like = table::lookup(10011).expect("10011 is documented");
        Ok(Arc::new(WorkflowDefinition {
            key,
            name: format!("undocumented workflow {key}, run like 10011"),
            ..WorkflowDefinition::from(like)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_valid() {
        let example = include_str!("../workflows.example.json");
        let definitions = WorkflowDefinition::parse(example).expect("valid");
        assert!(!definitions.is_empty());
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                r#"{"workflows":[{"key":0,"name":"x","credentials":[],"capabilities":[]}]}"#,
                "positive",
            ),
            (
                r#"{"workflows":[{"key":7,"name":"x","credentials":[{"category":"PHOTO","channels":["API"]}],"capabilities":["usability"]}]}"#,
                "`PHOTO` is not a credential category",
            ),
            (
                r#"{"workflows":[{"key":7,"name":"x","credentials":[{"category":"ID","channels":["FAX"]}],"capabilities":["usability"]}]}"#,
                "`FAX` is not a channel",
            ),
            (
                r#"{"workflows":[{"key":7,"name":"x","credentials":[{"category":"ID","channels":["API"]}],"capabilities":["liveness"]}]}"#,
                "liveness cannot run on the credentials ID",
            ),
            (
                r#"{"workflows":[{"key":7,"name":"x","credentials":[{"category":"ID","channels":["API"]}],"capabilities":["magic"]}]}"#,
                "`magic` is not a capability",
            ),
        ];
        for (json, needle) in cases {
            let error = WorkflowDefinition::parse(json).unwrap_err();
            assert!(error.contains(needle), "{needle}: {error}");
        }
    }
}
