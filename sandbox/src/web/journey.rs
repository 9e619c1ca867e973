//! The rules of the Web journey, apart from HTTP: which steps a workflow execution needs, in which
//! order, what the document-type step offers, and whether a link still opens its journey.

use jumio_kyx::generated::types::{
    Channel, ConsentObtained, CredentialCategory, PartClassifier, UploadClassifier, WorkflowStatus,
};

use super::super::auth::{Claims, TokenKind, constant_time_eq};
use super::super::state::{AppState, Execution, Store};
use super::super::store::WebEnd;
use super::{ERROR_SERVER, ERROR_SESSION, ERROR_TOKEN};

/// A step of the journey, in the order the journey takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Consent,
    DocumentType,
    IdFront,
    IdBack,
    Selfie,
    DocumentUpload,
    Finish,
}

impl Step {
    /// The name in `data-step` and the form's `step` field.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::DocumentType => "document-type",
            Self::IdFront => "id-front",
            Self::IdBack => "id-back",
            Self::Selfie => "selfie",
            Self::DocumentUpload => "document-upload",
            Self::Finish => "finish",
        }
    }

    /// The upload of an image step: its classifier (the name of its file input) and credential.
    pub(crate) fn upload(self) -> Option<(UploadClassifier, CredentialCategory)> {
        match self {
            Self::IdFront => Some((UploadClassifier::Front, CredentialCategory::Id)),
            Self::IdBack => Some((UploadClassifier::Back, CredentialCategory::Id)),
            Self::Selfie => Some((UploadClassifier::Face, CredentialCategory::Selfie)),
            Self::DocumentUpload => {
                Some((UploadClassifier::Document, CredentialCategory::Document))
            }
            _ => None,
        }
    }
}

/// Document types of the ID step, in the order the journey offers them.
pub(crate) const DOCUMENT_TYPES: [&str; 4] = ["PASSPORT", "ID_CARD", "DRIVING_LICENSE", "VISA"];

/// Whether a document of `type_` has a back to capture.
pub(crate) fn has_back(type_: &str) -> bool {
    matches!(type_, "ID_CARD" | "DRIVING_LICENSE")
}

/// Every ISO 3166-1 alpha-3 code of the spec's `CountryCode`, in alphabetical order: the
/// three-letter codes the generated type accepts.
pub(crate) fn countries() -> &'static [String] {
    use jumio_kyx::generated::types::CountryCode;
    static ALL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let letters = b'A'..=b'Z';
        letters
            .clone()
            .flat_map(|a| {
                letters
                    .clone()
                    .flat_map(move |b| (b'A'..=b'Z').map(move |c| [a, b, c]))
            })
            .map(|code| String::from_utf8_lossy(&code).into_owned())
            .filter(|code| code.parse::<CountryCode>().is_ok())
            .collect()
    })
}

/// Whether the journey acquires the credential of `category`: the workflow lets the WEB channel
/// acquire it and it was not linked from an earlier execution. A face map is captured with the
/// selfie (the sandbox makes it when liveness runs), so it has no step of its own.
fn acquires(execution: &Execution, category: &CredentialCategory) -> bool {
    let web = execution
        .scenario
        .workflow
        .credential(category)
        .is_some_and(|c| c.channels.contains(&Channel::Web));
    web && execution
        .credential_of(category)
        .is_some_and(|credential| !credential.linked)
}

/// Whether the journey asks for consent: the workflow processes biometric data (it has a SELFIE
/// or FACEMAP credential the journey acquires) and the account request did not record consent
/// obtained (`userConsent.consent.obtained` = `yes`), and the user has not given it yet.
pub(crate) fn needs_consent(execution: &Execution) -> bool {
    let biometric = acquires(execution, &CredentialCategory::Selfie)
        || acquires(execution, &CredentialCategory::Facemap);
    let recorded = execution
        .consent
        .as_ref()
        .is_some_and(|consent| consent.obtained == ConsentObtained::Yes);
    biometric && !recorded && !execution.web.consent_given
}

/// What the document-type step offers: the countries and types within the ID credential's
/// filters (a `RECOMMENDED` filter preselects its first value but restricts nothing), and
/// whether both are fixed to one value, so that the step is skipped.
pub(crate) struct DocumentChoices {
    pub countries: Vec<String>,
    pub types: Vec<&'static str>,
    pub fixed: bool,
}

pub(crate) fn document_choices(execution: &Execution) -> DocumentChoices {
    let restricts = |preset: &Option<jumio_kyx::generated::types::CredentialPreset>| {
        preset
            .as_ref()
            .filter(|p| p.predefined_type.as_deref() != Some("RECOMMENDED"))
            .map(|p| p.values.clone())
            .filter(|values| !values.is_empty())
    };
    let countries = restricts(&execution.web.id_country)
        .map(|values| {
            values
                .into_iter()
                .filter(|v| countries().contains(v))
                .collect()
        })
        .unwrap_or_else(|| countries().to_vec());
    let types: Vec<&'static str> = match restricts(&execution.web.id_type) {
        Some(values) => DOCUMENT_TYPES
            .into_iter()
            .filter(|t| values.iter().any(|v| v == t))
            .collect(),
        None => DOCUMENT_TYPES.to_vec(),
    };
    let fixed = countries.len() == 1 && types.len() == 1;
    DocumentChoices {
        countries,
        types,
        fixed,
    }
}

/// The step the journey is at: the first one still to do.
pub(crate) fn current_step(execution: &Execution) -> Step {
    let missing = |category: &CredentialCategory, classifier: PartClassifier| {
        acquires(execution, category)
            && execution
                .credential_of(category)
                .is_some_and(|c| !c.parts.contains_key(&classifier))
    };
    let id = acquires(execution, &CredentialCategory::Id);
    if needs_consent(execution) {
        Step::Consent
    } else if id && !execution.web.document_chosen && !document_choices(execution).fixed {
        Step::DocumentType
    } else if missing(&CredentialCategory::Id, PartClassifier::Front) {
        Step::IdFront
    } else if has_back(&execution.document.document_type)
        && missing(&CredentialCategory::Id, PartClassifier::Back)
    {
        Step::IdBack
    } else if missing(&CredentialCategory::Selfie, PartClassifier::Face) {
        Step::Selfie
    } else if missing(
        &CredentialCategory::Document,
        PartClassifier::from("DOCUMENT"),
    ) {
        Step::DocumentUpload
    } else {
        Step::Finish
    }
}

/// The credentials of the workflow that the WEB channel cannot acquire and that are not acquired
/// yet (for example the prepared data of 10163, uploaded through the API): the journey cannot
/// finish without them.
pub(crate) fn acquired_elsewhere_missing(execution: &Execution) -> Vec<String> {
    execution
        .credentials
        .iter()
        .filter(|c| !c.linked && c.category != CredentialCategory::Facemap)
        .filter(|c| !acquires(execution, &c.category))
        .filter_map(|c| {
            let required = jumio_kyx::workflows::required_part(&c.category)?;
            (!c.parts.contains_key(&PartClassifier::from(required)))
                .then(|| format!("{} {required}", c.category))
        })
        .collect()
}

/// Why a request does not reach its journey: the end it is shown, and the execution it belongs
/// to when the link says so trustworthily (its signature is the sandbox's).
#[derive(Clone, Debug)]
pub(crate) struct Ending {
    pub end: WebEnd,
    pub ids: Option<(String, String)>,
}

impl Ending {
    fn error(code: u16, ids: Option<(String, String)>) -> Self {
        Self {
            end: WebEnd::Error(code),
            ids,
        }
    }
}

/// Longest `authorizationToken` read; the sandbox's tokens are far shorter.
pub(crate) const MAX_TOKEN_CHARS: usize = 4096;

/// The account and workflow execution of a link's token that the sandbox signed and that has
/// not expired. An expired one ends with `9200` on its execution (its claims are the sandbox's,
/// so its account's error URL may be told); anything else ends with `9200` and no execution.
pub(crate) fn ids_of(app: &AppState, token: &str) -> Result<(String, String), Ending> {
    let invalid = || Ending::error(ERROR_TOKEN, None);
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Err(invalid());
    }
    let claims: Claims = app.signer.verify_signature(token).map_err(|_| invalid())?;
    let expired = claims.is_expired();
    match (claims.kind, claims.account, claims.workflow_execution) {
        (TokenKind::Sdk, Some(account), Some(execution)) if expired => {
            Err(Ending::error(ERROR_TOKEN, Some((account, execution))))
        }
        (TokenKind::Sdk, Some(account), Some(execution)) => Ok((account, execution)),
        _ => Err(invalid()),
    }
}

/// Whether a link's token opens its journey: it is this execution's Web token (`9200`
/// otherwise), the execution is still acquiring (`9200` when its token expired or it was
/// finalized, `9210` when the session expired) and its journey has not ended (the end it had
/// otherwise). Due transitions must have been applied.
pub(crate) fn check(store: &Store, ids: &(String, String), token: &str) -> Result<(), Ending> {
    let with_ids = |code| Ending::error(code, Some(ids.clone()));
    let Some(execution) = store.execution(&ids.0, &ids.1) else {
        return Err(Ending::error(ERROR_TOKEN, None));
    };
    if !constant_time_eq(token.as_bytes(), execution.web.token.as_bytes()) {
        return Err(with_ids(ERROR_TOKEN));
    }
    if let Some(end) = execution.web.ended {
        return Err(Ending {
            end,
            ids: Some(ids.clone()),
        });
    }
    match execution.status {
        WorkflowStatus::Initiated if std::time::Instant::now() < execution.token_deadline => Ok(()),
        WorkflowStatus::SessionExpired => Err(with_ids(ERROR_SESSION)),
        WorkflowStatus::Initiated
        | WorkflowStatus::TokenExpired
        | WorkflowStatus::Acquired
        | WorkflowStatus::Processed => Err(with_ids(ERROR_TOKEN)),
        _ => Err(with_ids(ERROR_SERVER)),
    }
}
