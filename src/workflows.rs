//! Jumio's documented workflows in one table: each key with its credentials, their channels, and
//! the capabilities it runs. The client checks requests and uploads against it, the sandbox runs
//! it, and the CLI lists it (`jumio-kyx workflows`).
//!
//! The table holds the KYX keys of Jumio's workflow descriptions and the legacy v3 keys that run on
//! the same API. Where Jumio leaves something out (a name, the capabilities of a key), the entry
//! says so in [`WorkflowInfo::note`].

use crate::generated::types::{Channel, CredentialCategory, StepName};

/// A capability: one check Jumio runs on the credentials of a workflow execution, named as in the
/// results (`capabilities.<name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// `usability`: whether each image credential is usable.
    Usability,
    /// `imageChecks`: whether the ID images are authentic.
    ImageChecks,
    /// `extraction`: the data read from the ID.
    Extraction,
    /// `dataChecks`: whether the extracted data is consistent.
    DataChecks,
    /// `liveness`: whether the selfie shows a live person.
    Liveness,
    /// `similarity`: whether the selfie matches the ID photo.
    Similarity,
    /// `authentication`: whether a new selfie matches the face stored for the account.
    Authentication,
    /// `watchlistScreening`: sanctions and watch lists.
    WatchlistScreening,
    /// `addressValidation`: whether the address exists.
    AddressValidation,
    /// `proofOfResidency`: whether the person lives at the address.
    ProofOfResidency,
    /// `drivingLicenseVerification`: a US driving licence checked with the issuing authority.
    DrivingLicenseVerification,
    /// `braCpfValidation`: prepared data checked against the Brazilian CPF register.
    BraCpfValidation,
    /// `biometricVerification`: a selfie checked against the Brazilian Serpro register.
    BiometricVerification,
    /// `classification`: country, type and subtype of the ID.
    Classification,
}

impl Capability {
    /// Every capability, in the order results list them.
    pub const ALL: [Capability; 14] = [
        Capability::Usability,
        Capability::ImageChecks,
        Capability::Extraction,
        Capability::DataChecks,
        Capability::Liveness,
        Capability::Similarity,
        Capability::Authentication,
        Capability::WatchlistScreening,
        Capability::AddressValidation,
        Capability::ProofOfResidency,
        Capability::DrivingLicenseVerification,
        Capability::BraCpfValidation,
        Capability::BiometricVerification,
        Capability::Classification,
    ];

    /// The name in results, `usability`, `imageChecks`, ….
    pub fn name(self) -> &'static str {
        match self {
            Capability::Usability => "usability",
            Capability::ImageChecks => "imageChecks",
            Capability::Extraction => "extraction",
            Capability::DataChecks => "dataChecks",
            Capability::Liveness => "liveness",
            Capability::Similarity => "similarity",
            Capability::Authentication => "authentication",
            Capability::WatchlistScreening => "watchlistScreening",
            Capability::AddressValidation => "addressValidation",
            Capability::ProofOfResidency => "proofOfResidency",
            Capability::DrivingLicenseVerification => "drivingLicenseVerification",
            Capability::BraCpfValidation => "braCpfValidation",
            Capability::BiometricVerification => "biometricVerification",
            Capability::Classification => "classification",
        }
    }

    /// The capability of a name, compared without regard to case.
    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Whether the capability can run on a workflow with credentials of `categories`: each needs
    /// the credentials it checks (liveness a selfie, similarity an ID and a selfie, screening an ID
    /// or prepared data, ...).
    pub fn runs_on(self, categories: &[CredentialCategory]) -> bool {
        let has = |category: CredentialCategory| categories.contains(&category);
        let (id, selfie, data) = (
            has(CredentialCategory::Id),
            has(CredentialCategory::Selfie),
            has(CredentialCategory::Data),
        );
        match self {
            Capability::Usability => id || selfie || has(CredentialCategory::Document),
            Capability::ImageChecks
            | Capability::Extraction
            | Capability::DataChecks
            | Capability::Classification => id,
            Capability::Liveness | Capability::Authentication => selfie,
            Capability::Similarity => id && selfie,
            Capability::WatchlistScreening
            | Capability::AddressValidation
            | Capability::ProofOfResidency
            | Capability::DrivingLicenseVerification => id || data,
            Capability::BraCpfValidation => data,
            Capability::BiometricVerification => selfie && data,
        }
    }

    /// The KYX step that reports the capability, if any: `ID_IV` for the checks of the ID and
    /// selfie, `SCREENING`, `ADDRESS_VERIFICATION`, `DL_VERIFICATION`, `BRA_CPF_VALIDATION`.
    pub fn step(self) -> Option<StepName> {
        match self {
            Capability::Usability
            | Capability::ImageChecks
            | Capability::Extraction
            | Capability::DataChecks
            | Capability::Liveness
            | Capability::Similarity => Some(StepName::IdIv),
            Capability::WatchlistScreening => Some(StepName::Screening),
            Capability::AddressValidation | Capability::ProofOfResidency => {
                Some(StepName::AddressVerification)
            }
            Capability::DrivingLicenseVerification => Some(StepName::DlVerification),
            Capability::BraCpfValidation => Some(StepName::BraCpfValidation),
            Capability::Authentication
            | Capability::BiometricVerification
            | Capability::Classification => None,
        }
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The parts of a credential of `category` that the API channel uploads, as classifiers: `FRONT`
/// and `BACK` of an ID, `FACE` of a selfie, `PREPARED_DATA` of a DATA credential, `DOCUMENT` of a
/// document, `FACEMAP` of a face map (where the workflow lets the API upload one). The first is
/// the one finalization needs.
pub fn api_parts(category: &CredentialCategory) -> &'static [&'static str] {
    match category {
        CredentialCategory::Id => &["FRONT", "BACK"],
        CredentialCategory::Selfie => &["FACE"],
        CredentialCategory::Data => &["PREPARED_DATA"],
        CredentialCategory::Document => &["DOCUMENT"],
        CredentialCategory::Facemap => &["FACEMAP"],
        CredentialCategory::Unknown(_) => &[],
    }
}

/// The part of a credential of `category` that must be uploaded before finalization.
pub fn required_part(category: &CredentialCategory) -> Option<&'static str> {
    api_parts(category).first().copied()
}

/// A credential a workflow acquires.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CredentialInfo {
    /// Its category.
    pub category: CredentialCategory,
    /// The channels that may acquire it.
    pub channels: &'static [Channel],
    /// It must be an existing credential of the account, linked by its id in the account update
    /// (workflow 5 compares a new selfie with an ID already on file).
    pub existing: bool,
}

impl CredentialInfo {
    /// Whether the API channel uploads it.
    pub fn api(&self) -> bool {
        self.channels.contains(&Channel::Api)
    }
}

/// Where a workflow key is documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Generation {
    /// A KYX workflow: its results have steps.
    Kyx,
    /// A legacy v3 workflow on the same API: no steps (`404`).
    V3,
}

/// A workflow: its key, name, credentials and capabilities.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// The workflow definition key.
    pub key: u64,
    /// Its name, as Jumio documents it.
    pub name: &'static str,
    /// KYX or legacy v3.
    pub generation: Generation,
    /// The credentials it acquires.
    pub credentials: &'static [CredentialInfo],
    /// The capabilities it runs, in the order results list them.
    pub capabilities: &'static [Capability],
    /// It runs on an existing account only (account update), like authentication.
    pub existing_account: bool,
    /// It needs a `userReference` (screening).
    pub user_reference_required: bool,
    /// What Jumio does not document about it and the table infers, or empty.
    pub note: &'static str,
}

impl WorkflowInfo {
    /// The credential of `category`, if the workflow acquires one.
    pub fn credential(&self, category: &CredentialCategory) -> Option<&CredentialInfo> {
        self.credentials.iter().find(|c| c.category == *category)
    }

    /// The categories of its credentials.
    pub fn categories(&self) -> Vec<CredentialCategory> {
        self.credentials
            .iter()
            .map(|c| c.category.clone())
            .collect()
    }

    /// The channels any of its credentials may be acquired by, in the order API, SDK, WEB.
    pub fn channels(&self) -> Vec<Channel> {
        [Channel::Api, Channel::Sdk, Channel::Web]
            .into_iter()
            .filter(|channel| {
                self.credentials
                    .iter()
                    .any(|c| c.channels.contains(channel))
            })
            .collect()
    }

    /// Whether it runs `capability`.
    pub fn runs(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The steps of its results with their capabilities: none for a v3 workflow; for a KYX one,
    /// each capability in its [step](Capability::step), `ID_IV` only where there is an ID.
    pub fn steps(&self) -> Vec<(StepName, Vec<Capability>)> {
        steps(
            self.generation,
            &self.categories(),
            self.capabilities.iter().copied(),
        )
    }
}

/// The steps of a workflow of `generation` with credentials of `categories` that runs
/// `capabilities` (see [`WorkflowInfo::steps`]).
pub fn steps(
    generation: Generation,
    categories: &[CredentialCategory],
    capabilities: impl IntoIterator<Item = Capability>,
) -> Vec<(StepName, Vec<Capability>)> {
    let mut steps: Vec<(StepName, Vec<Capability>)> = Vec::new();
    if generation != Generation::Kyx {
        return steps;
    }
    let has_id = categories.contains(&CredentialCategory::Id);
    for capability in capabilities {
        let Some(step) = capability.step() else {
            continue;
        };
        if step == StepName::IdIv && !has_id {
            continue;
        }
        match steps.iter_mut().find(|(name, _)| *name == step) {
            Some((_, list)) => list.push(capability),
            None => steps.push((step, vec![capability])),
        }
    }
    steps
}

const ALL_CHANNELS: &[Channel] = &[Channel::Api, Channel::Sdk, Channel::Web];
const API: &[Channel] = &[Channel::Api];
const SDK_WEB: &[Channel] = &[Channel::Sdk, Channel::Web];
const API_SDK: &[Channel] = &[Channel::Api, Channel::Sdk];

const fn credential(category: CredentialCategory, channels: &'static [Channel]) -> CredentialInfo {
    CredentialInfo {
        category,
        channels,
        existing: false,
    }
}

const ID: CredentialInfo = credential(CredentialCategory::Id, ALL_CHANNELS);
const SELFIE: CredentialInfo = credential(CredentialCategory::Selfie, ALL_CHANNELS);
const FACEMAP: CredentialInfo = credential(CredentialCategory::Facemap, SDK_WEB);
const DATA: CredentialInfo = credential(CredentialCategory::Data, API);
const ID_API: CredentialInfo = credential(CredentialCategory::Id, API);
const SELFIE_API: CredentialInfo = credential(CredentialCategory::Selfie, API);
// The credential slices are items of their own: a slice built in an argument cannot hold values
// with destructors in a static.
const ID_IV_CREDENTIALS: &[CredentialInfo] = &[ID, SELFIE, FACEMAP];
const ID_IV_DATA_CREDENTIALS: &[CredentialInfo] = &[ID, SELFIE, FACEMAP, DATA];
const AUTHENTICATION_CREDENTIALS: &[CredentialInfo] = &[SELFIE, FACEMAP];
const DATA_CREDENTIALS: &[CredentialInfo] = &[DATA];
const SERPRO_CREDENTIALS: &[CredentialInfo] = &[SELFIE_API, DATA];
const DOCUMENT_CREDENTIALS: &[CredentialInfo] = &[credential(CredentialCategory::Document, API)];
const ID_CREDENTIALS: &[CredentialInfo] = &[ID];
const EXISTING_ID_CREDENTIALS: &[CredentialInfo] = &[
    CredentialInfo {
        category: CredentialCategory::Id,
        channels: API,
        existing: true,
    },
    SELFIE_API,
];
const LIVENESS_CREDENTIALS: &[CredentialInfo] = &[
    credential(CredentialCategory::Selfie, API_SDK),
    credential(CredentialCategory::Facemap, &[Channel::Sdk]),
];
const ON_PREMISE_CREDENTIALS: &[CredentialInfo] = &[
    SELFIE,
    credential(CredentialCategory::Facemap, ALL_CHANNELS),
];
const TWO_IMAGES_CREDENTIALS: &[CredentialInfo] = &[ID_API, SELFIE_API];

const ID_IV: &[Capability] = &[
    Capability::Usability,
    Capability::ImageChecks,
    Capability::Extraction,
    Capability::DataChecks,
    Capability::Liveness,
    Capability::Similarity,
];
const AUTHENTICATION: &[Capability] = &[Capability::Usability, Capability::Authentication];

const fn kyx(
    key: u64,
    name: &'static str,
    credentials: &'static [CredentialInfo],
    capabilities: &'static [Capability],
) -> WorkflowInfo {
    WorkflowInfo {
        key,
        name,
        generation: Generation::Kyx,
        credentials,
        capabilities,
        existing_account: false,
        user_reference_required: false,
        note: "",
    }
}

const fn v3(
    key: u64,
    name: &'static str,
    credentials: &'static [CredentialInfo],
    capabilities: &'static [Capability],
) -> WorkflowInfo {
    WorkflowInfo {
        generation: Generation::V3,
        ..kyx(key, name, credentials, capabilities)
    }
}

const fn noted(info: WorkflowInfo, note: &'static str) -> WorkflowInfo {
    WorkflowInfo { note, ..info }
}

const fn on_existing_account(info: WorkflowInfo) -> WorkflowInfo {
    WorkflowInfo {
        existing_account: true,
        ..info
    }
}

const fn with_user_reference(info: WorkflowInfo) -> WorkflowInfo {
    WorkflowInfo {
        user_reference_required: true,
        ..info
    }
}

const SELFIE_NOTE: &str = "Jumio documents the SDK and WEB channels for the selfie; the API channel \
                           lets a server run it too";

/// Every workflow Jumio documents, KYX keys first, then the legacy v3 keys.
pub static WORKFLOWS: &[WorkflowInfo] = &[
    kyx(
        10005,
        "Standalone CPF Validation",
        DATA_CREDENTIALS,
        &[Capability::BraCpfValidation],
    ),
    kyx(
        10006,
        "Standalone Serpro Biometric",
        SERPRO_CREDENTIALS,
        &[Capability::Usability, Capability::BiometricVerification],
    ),
    kyx(
        10008,
        "Standalone DL Verification (AAMVA-USA)",
        DATA_CREDENTIALS,
        &[Capability::DrivingLicenseVerification],
    ),
    with_user_reference(kyx(
        10010,
        "Standalone Watchlist Screening",
        DATA_CREDENTIALS,
        &[Capability::WatchlistScreening],
    )),
    kyx(
        10011,
        "Standalone ID and Identity Verification",
        ID_IV_CREDENTIALS,
        ID_IV,
    ),
    kyx(
        10013,
        "ID and Identity Verification + Screening + Proof Of Residency + Address Validation + \
         US DL Verification",
        ID_IV_CREDENTIALS,
        &[
            Capability::Usability,
            Capability::ImageChecks,
            Capability::Extraction,
            Capability::DataChecks,
            Capability::Liveness,
            Capability::Similarity,
            Capability::WatchlistScreening,
            Capability::AddressValidation,
            Capability::ProofOfResidency,
            Capability::DrivingLicenseVerification,
        ],
    ),
    noted(
        on_existing_account(kyx(
            10014,
            "Standalone Authentication",
            AUTHENTICATION_CREDENTIALS,
            AUTHENTICATION,
        )),
        SELFIE_NOTE,
    ),
    noted(
        kyx(
            10026,
            "Standalone Document Verification",
            DOCUMENT_CREDENTIALS,
            &[Capability::Usability],
        ),
        "name and capabilities not documented; usability is inferred",
    ),
    noted(
        kyx(
            10163,
            "ID & Identity Verification",
            ID_IV_DATA_CREDENTIALS,
            ID_IV,
        ),
        "capabilities not documented (the row is cut off); those of 10011 are inferred",
    ),
    noted(
        kyx(
            10164,
            "ID + Selfie + Supporting Data",
            ID_IV_DATA_CREDENTIALS,
            ID_IV,
        ),
        "name, credentials and capabilities not documented by Jumio; inferred from descriptions \
         outside Jumio's documentation",
    ),
    noted(
        v3(
            1,
            "ID Capture and Storage",
            ID_CREDENTIALS,
            &[Capability::Usability, Capability::Extraction],
        ),
        "capabilities inferred",
    ),
    noted(
        v3(
            2,
            "ID Verification",
            ID_CREDENTIALS,
            &[
                Capability::Usability,
                Capability::ImageChecks,
                Capability::Extraction,
                Capability::DataChecks,
            ],
        ),
        "capabilities inferred",
    ),
    v3(3, "ID and Identity Verification", ID_IV_CREDENTIALS, ID_IV),
    noted(
        on_existing_account(v3(
            5,
            "Similarity to Existing ID",
            EXISTING_ID_CREDENTIALS,
            &[Capability::Usability, Capability::Similarity],
        )),
        "capabilities inferred",
    ),
    noted(
        v3(
            6,
            "Standalone Liveness",
            LIVENESS_CREDENTIALS,
            &[Capability::Usability, Capability::Liveness],
        ),
        "capabilities inferred",
    ),
    noted(
        on_existing_account(v3(
            9,
            "Authentication",
            AUTHENTICATION_CREDENTIALS,
            AUTHENTICATION,
        )),
        SELFIE_NOTE,
    ),
    noted(
        on_existing_account(v3(
            16,
            "Authentication on Premise",
            ON_PREMISE_CREDENTIALS,
            AUTHENTICATION,
        )),
        "the face map is the customer's, uploaded through the API; the new selfie is compared \
         with it",
    ),
    noted(
        v3(
            20,
            "Similarity of Two Images",
            TWO_IMAGES_CREDENTIALS,
            &[Capability::Usability, Capability::Similarity],
        ),
        "credentials documented as selfie and ID combinations; an ID and a selfie are inferred",
    ),
    with_user_reference(v3(
        32,
        "ID Verification, Identity Verification, Screening",
        ID_IV_CREDENTIALS,
        &[
            Capability::Usability,
            Capability::ImageChecks,
            Capability::Extraction,
            Capability::DataChecks,
            Capability::Liveness,
            Capability::Similarity,
            Capability::WatchlistScreening,
        ],
    )),
];

/// The documented workflow of `key`, if there is one.
pub fn lookup(key: u64) -> Option<&'static WorkflowInfo> {
    WORKFLOWS.iter().find(|info| info.key == key)
}

/// The table as Markdown: key, name, credentials (with their channels), capabilities, notes. The
/// READMEs hold this text (a test keeps them equal).
pub fn markdown_table() -> String {
    let mut text = String::from(
        "| key | name | credentials (channels) | capabilities | notes |\n|---|---|---|---|---|\n",
    );
    for info in WORKFLOWS {
        let credentials: Vec<String> = info
            .credentials
            .iter()
            .map(|c| {
                let channels: Vec<String> = c.channels.iter().map(ToString::to_string).collect();
                let existing = if c.existing { ", existing" } else { "" };
                format!("{} ({}{existing})", c.category, channels.join(", "))
            })
            .collect();
        let capabilities: Vec<&str> = info.capabilities.iter().map(|c| c.name()).collect();
        let mut notes = Vec::new();
        if info.generation == Generation::V3 {
            notes.push("legacy v3, no steps".to_owned());
        }
        if info.existing_account {
            notes.push("account update only".to_owned());
        }
        if info.user_reference_required {
            notes.push("needs `userReference`".to_owned());
        }
        if !info.note.is_empty() {
            notes.push(info.note.to_owned());
        }
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            info.key,
            info.name,
            credentials.join(", "),
            capabilities.join(", "),
            notes.join("; ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_of_the_table_runs_on_the_credentials_of_its_workflow() {
        for info in WORKFLOWS {
            for capability in info.capabilities {
                assert!(
                    capability.runs_on(&info.categories()),
                    "{} in {}",
                    capability,
                    info.key
                );
            }
        }
    }

    #[test]
    fn keys_are_unique_and_names_round_trip() {
        let mut keys: Vec<u64> = WORKFLOWS.iter().map(|w| w.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), WORKFLOWS.len());
        for capability in Capability::ALL {
            assert_eq!(Capability::from_name(capability.name()), Some(capability));
        }
    }

    #[test]
    fn steps_follow_the_capabilities() {
        let steps = lookup(10013).unwrap().steps();
        let names: Vec<String> = steps.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            names,
            [
                "ID_IV",
                "SCREENING",
                "ADDRESS_VERIFICATION",
                "DL_VERIFICATION"
            ]
        );
        assert!(lookup(3).unwrap().steps().is_empty(), "v3 has no steps");
        assert!(lookup(10014).unwrap().steps().is_empty());
    }
}
