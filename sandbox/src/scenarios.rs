//! Deterministic results: the scenario markers of `customerInternalReference`, the image rules, and
//! the capability results, decision, risk score and steps they lead to (see the scenario table in
//! the sandbox README).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{Datelike as _, NaiveDate};
use sha2::{Digest as _, Sha256};

use super::links::Links;
use super::state::Execution;
use super::store::{Outcome, StoredPart, timestamp};
use super::workflows::WorkflowDefinition;
use jumio_kyx::generated::types::{
    Capabilities, CapabilityCredential, CapabilityDecision, CapabilityResult, ClassificationData,
    ClassificationResult, CredentialCategory, DateParts, Decision, DecisionDetails, DecisionLabel,
    DecisionType, ExtractedAddress, ExtractedData, ExtractedDocumentSubType, ExtractedDocumentType,
    ExtractionResult, FaceSearchFindings, FaceSearchStatus, ImageChecksData, ImageChecksResult,
    LivenessData, LivenessResult, LivenessType, PartClassifier, PreparedData, Risk,
    ScreeningSearchStatus, SimilarityData, SimilarityOutcome, SimilarityResult,
    WatchlistScreeningData, WatchlistScreeningResult, WorkflowStep,
};
pub(crate) use jumio_kyx::workflows::Capability;

/// Text that marks an uploaded image as blurred (for example in a JPEG comment or PNG text chunk).
pub(crate) const BLUR_MARKER: &[u8] = b"JUMIO-SANDBOX:BLURRED";

/// Images whose longest side is at most this many pixels are too small to be usable.
pub(crate) const SMALL_IMAGE_MAX_SIDE: u32 = 600;

/// The token lifetime of a workflow execution marked `#expire`.
pub(crate) const EXPIRE_MARKER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(2);

/// The labels Jumio documents for a capability with a WARNING or REJECTED decision.
trait Labels {
    fn labels(self, outcome: Forced) -> &'static str;
}

impl Labels for Capability {
    /// The labels Jumio documents for this capability with a WARNING or REJECTED decision,
    /// separated by spaces; the first is the one a marker without a label selects.
    fn labels(self, outcome: Forced) -> &'static str {
        use Forced::{Rejected, Warning};
        match (self, outcome) {
            (Self::Usability, Warning) => {
                "UNSUPPORTED_COUNTRY UNSUPPORTED_DOCUMENT_TYPE LIVENESS_UNDETERMINED"
            }
            (Self::Usability, Rejected) => {
                "BAD_QUALITY BLURRED BAD_QUALITY_IMAGE PART_OF_DOCUMENT_MISSING \
                PART_OF_DOCUMENT_HIDDEN DAMAGED_DOCUMENT GLARE MISSING_MANDATORY_DATAPOINTS \
                BLACK_WHITE MISSING_PAGE MISSING_SIGNATURE NOT_A_DOCUMENT PHOTOCOPY"
            }
            (Self::ImageChecks, Warning) => "REPEATED_FACE DIFFERENT_PERSON",
            (Self::ImageChecks, Rejected) => {
                "DIGITAL_COPY FAILED WATERMARK MANIPULATED_DOCUMENT OTHER_REJECTION \
                GHOST_IMAGE_DIFFERENT PUNCHED SAMPLE FAKE CHIP_MISSING DIGITAL_MANIPULATION \
                MISMATCH_FRONT_BACK"
            }
            (Self::DataChecks, Rejected) => {
                "MISMATCHING_DATAPOINTS NFC_CERTIFICATE MRZ_CHECKSUM \
                MISMATCHING_DATA_REPEATED_FACE MISMATCH_FRONT_BACK SUPERIMPOSED_TEXT \
                MISMATCH_HRZ_MRZ_DATA"
            }
            (Self::Liveness, Warning) => "AGE_DIFFERENCE BAD_QUALITY",
            (Self::Liveness, Rejected) => {
                "LIVENESS_UNDETERMINED ID_USED_AS_SELFIE MULTIPLE_PEOPLE DIGITAL_COPY PHOTOCOPY \
                MANIPULATED NO_FACE_PRESENT FACE_NOT_FULLY_VISIBLE BLACK_WHITE"
            }
            (Self::Similarity, Warning) => "NOT_POSSIBLE",
            (Self::Similarity, Rejected) => "NO_MATCH",
            (Self::WatchlistScreening, Warning) => "ALERT",
            (
                Self::AddressValidation | Self::ProofOfResidency | Self::DrivingLicenseVerification,
                Warning,
            ) => "ALERT",
            (
                Self::AddressValidation | Self::ProofOfResidency | Self::DrivingLicenseVerification,
                Rejected,
            ) => "DENY",
            (Self::Authentication, Rejected) => "FAILED",
            (Self::BraCpfValidation, Warning) => "UNSUPPORTED_COUNTRY",
            (Self::BraCpfValidation, Rejected) => "DENY",
            (Self::BiometricVerification, Warning) => "MEDIUM_RISK",
            (Self::BiometricVerification, Rejected) => "HIGH_RISK",
            _ => "",
        }
    }
}

/// An outcome a marker forces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Forced {
    Warning,
    Rejected,
}

impl Forced {
    fn name(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Rejected => "reject",
        }
    }
}

/// What one workflow execution runs: its workflow, the scenario markers, and what the account
/// holds already.
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub workflow: Arc<WorkflowDefinition>,
    forced: BTreeMap<Capability, (Forced, &'static str)>,
    /// `#expire`: the transaction token lives only [`EXPIRE_MARKER_LIFETIME`].
    pub expire: bool,
    /// The account has a face map from an earlier workflow execution, for authentication.
    pub stored_face: bool,
}

/// Reads the markers of `reference` for `workflow`. A word after `#` that is not `warning`,
/// `reject` or `expire` is plain text; a marker that starts with one of them but is malformed is an
/// error, so that a typo does not silently run the default scenario.
pub(crate) fn parse(
    reference: &str,
    workflow: Arc<WorkflowDefinition>,
) -> Result<Scenario, String> {
    let key = workflow.key;
    let mut scenario = Scenario {
        workflow,
        forced: BTreeMap::new(),
        expire: false,
        stored_face: false,
    };
    for (index, _) in reference.match_indices('#') {
        let marker: String = reference[index + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut pieces = marker.split(':');
        let keyword = pieces.next().unwrap_or_default().to_ascii_lowercase();
        let outcome = match keyword.as_str() {
            "warning" => Forced::Warning,
            "reject" => Forced::Rejected,
            "expire" => {
                if marker.contains(':') {
                    return Err(format!(
                        "marker `#{marker}` takes no arguments; write `#expire`"
                    ));
                }
                scenario.expire = true;
                continue;
            }
            _ => continue,
        };
        let capability = match pieces.next() {
            None => default_marked(&scenario.workflow, outcome).ok_or_else(|| {
                format!(
                    "marker `#{marker}` names no capability, and workflow {key} has no default \
                     one; write `#{}:capability`",
                    outcome.name()
                )
            })?,
            Some(name) => Capability::from_name(name).ok_or_else(|| {
                format!(
                    "marker `#{marker}`: `{name}` is not a capability; use one of {}",
                    Capability::ALL.map(Capability::name).join(", ")
                )
            })?,
        };
        if !scenario.workflow.runs(capability) {
            let runs: Vec<&str> = scenario
                .workflow
                .capabilities
                .iter()
                .map(|c| c.name())
                .collect();
            let elsewhere: Vec<String> = jumio_kyx::workflows::WORKFLOWS
                .iter()
                .filter(|w| w.runs(capability))
                .map(|w| w.key.to_string())
                .collect();
            return Err(format!(
                "marker `#{marker}`: {} does not run in workflow {key}, which runs {}; \
                 documented workflows that run it: {}",
                capability.name(),
                runs.join(", "),
                elsewhere.join(", ")
            ));
        }
        let labels: Vec<&str> = capability.labels(outcome).split_whitespace().collect();
        if labels.is_empty() {
            return Err(format!(
                "marker `#{marker}`: Jumio documents no {} outcome for {}",
                outcome.name(),
                capability.name()
            ));
        }
        let label = match pieces.next() {
            None => labels[0],
            Some(wanted) => labels
                .iter()
                .copied()
                .find(|label| label.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| {
                    format!(
                        "marker `#{marker}`: `{wanted}` is not a documented {} label of {}; use one of {}",
                        outcome.name(),
                        capability.name(),
                        labels.join(", ")
                    )
                })?,
        };
        if pieces.next().is_some() {
            return Err(format!(
                "marker `#{marker}` has too many parts; write `#{}:capability:LABEL`",
                outcome.name()
            ));
        }
        scenario.forced.insert(capability, (outcome, label));
    }
    Ok(scenario)
}

/// The markers that force an outcome of `workflow`, as the Web journey's sandbox panel offers
/// them: `#reject` and `#warning` (where the workflow has a default capability for them), then
/// `#reject:capability` and `#warning:capability` with each documented label, capability by
/// capability. Every one of them is accepted by [`parse`] for this workflow.
pub(crate) fn markers(workflow: &WorkflowDefinition) -> Vec<String> {
    let kinds = [Forced::Rejected, Forced::Warning];
    let defaults = kinds
        .into_iter()
        .filter(|&outcome| default_marked(workflow, outcome).is_some())
        .map(|outcome| format!("#{}", outcome.name()));
    let labelled = workflow.capabilities.iter().flat_map(|&capability| {
        kinds.into_iter().flat_map(move |outcome| {
            capability
                .labels(outcome)
                .split_whitespace()
                .map(move |label| format!("#{}:{}:{label}", outcome.name(), capability.name()))
        })
    });
    defaults.chain(labelled).collect()
}

impl Scenario {
    /// This scenario with the outcome `marker` forces instead of the markers of the reference
    /// (`None`: every capability passes, as far as the images allow); what the account holds
    /// and the token's lifetime stay.
    pub(crate) fn with_outcome(&self, marker: Option<&str>) -> Result<Scenario, String> {
        let chosen = parse(marker.unwrap_or_default(), self.workflow.clone())?;
        Ok(Scenario {
            expire: self.expire,
            stored_face: self.stored_face,
            ..chosen
        })
    }
}

/// The capability a marker without one selects: similarity for `#warning`, imageChecks for
/// `#reject`, or else the first capability of the workflow with a documented outcome of that kind.
fn default_marked(workflow: &WorkflowDefinition, outcome: Forced) -> Option<Capability> {
    let preferred = match outcome {
        Forced::Warning => Capability::Similarity,
        Forced::Rejected => Capability::ImageChecks,
    };
    if workflow.runs(preferred) {
        return Some(preferred);
    }
    workflow
        .capabilities
        .iter()
        .copied()
        .find(|c| *c != Capability::Usability && !c.labels(outcome).is_empty())
}

/// A decision type, ordered by severity for aggregation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    NotExecuted,
    Passed,
    Warning,
    Rejected,
}

impl Kind {
    fn generated(self) -> DecisionType {
        match self {
            Self::NotExecuted => DecisionType::NotExecuted,
            Self::Passed => DecisionType::Passed,
            Self::Warning => DecisionType::Warning,
            Self::Rejected => DecisionType::Rejected,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::NotExecuted => "NOT_EXECUTED",
            Self::Passed => "PASSED",
            Self::Warning => "WARNING",
            Self::Rejected => "REJECTED",
        }
    }
}

/// The verdict of one capability.
#[derive(Clone, Copy, Debug)]
struct Verdict {
    kind: Kind,
    label: &'static str,
}

impl Verdict {
    const OK: Self = Self::new(Kind::Passed, "OK");
    const PRECONDITION: Self = Self::new(Kind::NotExecuted, "PRECONDITION_NOT_FULFILLED");

    const fn new(kind: Kind, label: &'static str) -> Self {
        Self { kind, label }
    }

    /// Passed or warning: the capabilities that depend on it run.
    fn usable(self) -> bool {
        matches!(self.kind, Kind::Passed | Kind::Warning)
    }

    fn executed(self) -> bool {
        self.kind != Kind::NotExecuted
    }

    fn decision(self) -> CapabilityDecision {
        CapabilityDecision {
            type_: self.kind.generated(),
            details: Some(DecisionDetails {
                label: Some(DecisionLabel::from(self.label)),
            }),
        }
    }
}

impl Scenario {
    /// The forced verdict of `capability`, or `otherwise`.
    fn or(&self, capability: Capability, otherwise: Verdict) -> Verdict {
        match self.forced.get(&capability) {
            Some((Forced::Warning, label)) => Verdict::new(Kind::Warning, label),
            Some((Forced::Rejected, label)) => Verdict::new(Kind::Rejected, label),
            None => otherwise,
        }
    }
}

/// A deterministic UUID-shaped id derived from `seed`.
fn derived_id(seed: &[&str]) -> String {
    let mut hash = Sha256::new();
    for piece in seed {
        hash.update(piece.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A risk score in the default band of `kind` (PASSED 0–30, WARNING 31–70, REJECTED 71–100,
/// NOT_EXECUTED -1), derived from `seed` with two decimals.
fn risk_score(kind: Kind, seed: &str) -> f64 {
    let digest = Sha256::digest(seed.as_bytes());
    let spread = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let (low, width) = match kind {
        Kind::NotExecuted => return -1.0,
        Kind::Passed => (0, 3000),
        Kind::Warning => (3100, 3900),
        Kind::Rejected => (7100, 2900),
    };
    f64::from(low + spread % (width + 1)) / 100.0
}

fn decision(kind: Kind, seed: &str) -> Decision {
    Decision {
        type_: kind.generated(),
        details: Some(DecisionDetails {
            label: Some(DecisionLabel::from(kind.label())),
        }),
        risk: Some(Risk {
            score: Some(risk_score(kind, seed)),
        }),
    }
}

/// The decision of a workflow execution that did not complete: NOT_EXECUTED with risk -1 and
/// `label` (`NOT_EXECUTED` while pending, `TOKEN_EXPIRED` after expiry).
pub(crate) fn not_executed(label: &str) -> Decision {
    Decision {
        type_: DecisionType::NotExecuted,
        details: Some(DecisionDetails {
            label: Some(DecisionLabel::from(label)),
        }),
        risk: Some(Risk { score: Some(-1.0) }),
    }
}

/// The worst of `kinds`: REJECTED over WARNING over PASSED; NOT_EXECUTED only if nothing ran.
fn aggregate(kinds: impl IntoIterator<Item = Kind>) -> Kind {
    kinds.into_iter().max().unwrap_or(Kind::NotExecuted)
}

/// Usability of a credential's images: blurred marker first, then size.
fn image_quality<'a>(parts: impl IntoIterator<Item = &'a StoredPart>) -> Option<Verdict> {
    let parts: Vec<&StoredPart> = parts.into_iter().collect();
    if parts.iter().any(|p| p.marked_blurred) {
        return Some(Verdict::new(Kind::Rejected, "BLURRED"));
    }
    if parts
        .iter()
        .any(|p| p.width.max(p.height) <= SMALL_IMAGE_MAX_SIDE)
    {
        return Some(Verdict::new(Kind::Rejected, "BAD_QUALITY"));
    }
    None
}

/// The prepared data of the DATA credential, as uploaded (checked when it was).
fn prepared_data(execution: &Execution) -> Option<PreparedData> {
    let part = execution.part(&CredentialCategory::Data, &PartClassifier::PreparedData)?;
    serde_json::from_slice(&part.bytes).ok()
}

fn filled(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// The country of the prepared address is `alpha3` (or its `alpha2`).
fn address_in(data: &PreparedData, alpha3: &str, alpha2: &str) -> bool {
    data.address
        .as_ref()
        .and_then(|a| a.country.as_deref())
        .is_some_and(|c| c == alpha3 || c == alpha2)
}

/// The verdict of a check of prepared data: `NOT_EXECUTED` with `missing_label` when a field it
/// needs is missing, else `rule` (a documented outcome the data decides), else the marker, else
/// passed with `passed`.
fn data_verdict(
    scenario: &Scenario,
    capability: Capability,
    data: Option<&PreparedData>,
    (needs, missing_label): (fn(&PreparedData) -> bool, &'static str),
    rule: fn(&PreparedData) -> Option<Verdict>,
    passed: Verdict,
) -> Verdict {
    match data {
        None => Verdict::PRECONDITION,
        Some(data) if !needs(data) => Verdict::new(Kind::NotExecuted, missing_label),
        Some(data) => rule(data).unwrap_or_else(|| scenario.or(capability, passed)),
    }
}

/// Processes a finalized workflow execution: each capability of its workflow, in Jumio's order of
/// dependencies (usability → imageChecks → extraction → dataChecks and the checks of the extracted
/// data; usability of the selfie → liveness, similarity, authentication), a capability whose
/// precondition failed `NOT_EXECUTED` with `PRECONDITION_NOT_FULFILLED`.
pub(crate) fn evaluate(execution: &Execution, links: &Links<'_>) -> Outcome {
    let scenario = &execution.scenario;
    let workflow = &*scenario.workflow;
    let runs = |capability| workflow.runs(capability);
    let front = execution.part(&CredentialCategory::Id, &PartClassifier::Front);
    let back = execution.part(&CredentialCategory::Id, &PartClassifier::Back);
    let face = execution.part(&CredentialCategory::Selfie, &PartClassifier::Face);
    let document = execution.part(
        &CredentialCategory::Document,
        &PartClassifier::from("DOCUMENT"),
    );
    let uploaded_facemap = execution.part(&CredentialCategory::Facemap, &PartClassifier::Facemap);
    let data = prepared_data(execution);
    let id_parts: Vec<&StoredPart> = front.into_iter().chain(back).collect();
    let (has_id, has_selfie, has_document) = (
        workflow.has(&CredentialCategory::Id),
        workflow.has(&CredentialCategory::Selfie),
        workflow.has(&CredentialCategory::Document),
    );

    // The usability marker applies to the ID, else the document, else the selfie.
    let marked = |present: bool, parts: Vec<&StoredPart>, first: bool| {
        present.then(|| {
            image_quality(parts).unwrap_or_else(|| {
                if first {
                    scenario.or(Capability::Usability, Verdict::OK)
                } else {
                    Verdict::OK
                }
            })
        })
    };
    let usability_id = marked(has_id, id_parts.clone(), true);
    let usability_document = marked(
        has_document,
        document.filter(|d| d.width > 0).into_iter().collect(),
        !has_id,
    );
    let usability_selfie = marked(
        has_selfie,
        face.into_iter().collect(),
        !has_id && !has_document,
    );
    let id_usable = usability_id.is_some_and(Verdict::usable);
    let selfie_usable = usability_selfie.is_some_and(Verdict::usable);
    // A capability whose precondition fails is not executed; else an image rule that applies
    // decides, else the marker, else it passes.
    let depending = |precondition: bool, rejected_by_rule: Option<&'static str>, capability| match (
        precondition,
        rejected_by_rule,
    ) {
        (false, _) => Verdict::PRECONDITION,
        (true, Some(label)) => Verdict::new(Kind::Rejected, label),
        (true, None) => scenario.or(capability, Verdict::OK),
    };
    let front_equals_back = matches!((front, back), (Some(f), Some(b)) if f.digest == b.digest);
    let image_checks = runs(Capability::ImageChecks).then(|| {
        depending(
            id_usable,
            front_equals_back.then_some("MISMATCH_FRONT_BACK"),
            Capability::ImageChecks,
        )
    });
    let extracted = id_usable && image_checks.is_none_or(Verdict::usable);
    let precondition = |met: bool| {
        if met {
            Verdict::OK
        } else {
            Verdict::PRECONDITION
        }
    };
    let extraction = runs(Capability::Extraction).then_some(precondition(extracted));
    let after_extraction = |capability| depending(extracted, None, capability);
    let data_checks =
        runs(Capability::DataChecks).then(|| after_extraction(Capability::DataChecks));
    let classification = runs(Capability::Classification).then_some(precondition(id_usable));
    let selfie_is_id = face.is_some_and(|f| id_parts.iter().any(|p| p.digest == f.digest));
    let liveness = runs(Capability::Liveness).then(|| {
        depending(
            selfie_usable,
            selfie_is_id.then_some("ID_USED_AS_SELFIE"),
            Capability::Liveness,
        )
    });
    let similarity = runs(Capability::Similarity).then(|| {
        if id_usable && selfie_usable {
            scenario.or(Capability::Similarity, Verdict::new(Kind::Passed, "MATCH"))
        } else {
            Verdict::PRECONDITION
        }
    });
    let reference_face = scenario.stored_face || uploaded_facemap.is_some();
    let authentication = runs(Capability::Authentication).then(|| {
        depending(
            selfie_usable && reference_face,
            None,
            Capability::Authentication,
        )
    });

    let data = data.as_ref();
    let names: (fn(&PreparedData) -> bool, &'static str) = (
        |d| filled(&d.first_name) && filled(&d.last_name),
        "NOT_ENOUGH_DATA",
    );
    let address: (fn(&PreparedData) -> bool, &'static str) = (
        |d| {
            d.address.as_ref().is_some_and(|a| {
                filled(&a.line1) && filled(&a.city) && filled(&a.postal_code) && filled(&a.country)
            })
        },
        "NOT_ENOUGH_DATA",
    );
    let no_rule: fn(&PreparedData) -> Option<Verdict> = |_| None;
    // The checks of the person's data run on the extracted ID where the workflow has one, else
    // on the prepared data.
    let person_check = |capability, needs, rule| {
        if has_id {
            after_extraction(capability)
        } else {
            data_verdict(scenario, capability, data, needs, rule, Verdict::OK)
        }
    };
    let watchlist = runs(Capability::WatchlistScreening)
        .then(|| person_check(Capability::WatchlistScreening, names, no_rule));
    let address_validation = runs(Capability::AddressValidation)
        .then(|| person_check(Capability::AddressValidation, address, no_rule));
    let residency = runs(Capability::ProofOfResidency)
        .then(|| person_check(Capability::ProofOfResidency, address, no_rule));
    let licence = runs(Capability::DrivingLicenseVerification).then(|| {
        if !has_id {
            return data_verdict(
                scenario,
                Capability::DrivingLicenseVerification,
                data,
                (
                    |d| {
                        filled(&d.first_name)
                            && filled(&d.last_name)
                            && d.date_of_birth.is_some()
                            && d.id.as_ref().is_some_and(|id| {
                                filled(&id.id_number)
                                    && id
                                        .type_
                                        .as_ref()
                                        .is_some_and(|t| t.to_string() == "DRIVING_LICENSE")
                            })
                    },
                    "VALIDATION_FAILED",
                ),
                |d| {
                    (!address_in(d, "USA", "US"))
                        .then_some(Verdict::new(Kind::NotExecuted, "UNSUPPORTED_COUNTRY"))
                },
                Verdict::OK,
            );
        }
        if !extracted {
            Verdict::PRECONDITION
        } else if scenario
            .forced
            .contains_key(&Capability::DrivingLicenseVerification)
        {
            scenario.or(Capability::DrivingLicenseVerification, Verdict::OK)
        } else if execution.document.document_type != "DRIVING_LICENSE" {
            Verdict::PRECONDITION
        } else if execution.document.country != "USA" {
            Verdict::new(Kind::NotExecuted, "UNSUPPORTED_COUNTRY")
        } else {
            Verdict::OK
        }
    });
    let cpf = runs(Capability::BraCpfValidation).then(|| {
        data_verdict(
            scenario,
            Capability::BraCpfValidation,
            data,
            (
                |d| {
                    filled(&d.personal_number)
                        && filled(&d.first_name)
                        && filled(&d.last_name)
                        && d.address.as_ref().is_some_and(|a| filled(&a.country))
                },
                "NOT_ENOUGH_DATA",
            ),
            |d| {
                (!address_in(d, "BRA", "BR"))
                    .then_some(Verdict::new(Kind::Warning, "UNSUPPORTED_COUNTRY"))
            },
            Verdict::OK,
        )
    });
    let biometric = runs(Capability::BiometricVerification).then(|| {
        if !selfie_usable || !data.is_some_and(|d| filled(&d.personal_number)) {
            Verdict::PRECONDITION
        } else {
            scenario.or(
                Capability::BiometricVerification,
                Verdict::new(Kind::Passed, "LOW_RISK"),
            )
        }
    });

    let id = |category: CredentialCategory| {
        execution
            .credential_of(&category)
            .map(|c| c.id.clone())
            .unwrap_or_default()
    };
    let cred = |category: CredentialCategory| CapabilityCredential {
        id: id(category.clone()),
        category: Some(category),
    };
    let on_id = || vec![cred(CredentialCategory::Id)];
    let on_selfie = || vec![cred(CredentialCategory::Selfie)];
    let on_data = || vec![cred(CredentialCategory::Data)];
    let on_person = || if has_id { on_id() } else { on_data() };
    let result_id =
        |name: &str, index: usize| derived_id(&[&execution.id, name, &index.to_string()]);
    let simple = |capability: Capability, verdict: Verdict, credentials| CapabilityResult {
        id: result_id(capability.name(), 0),
        credentials,
        decision: verdict.decision(),
        data: serde_json::Map::new(),
    };

    let usability: Vec<CapabilityResult> = [
        (usability_id, CredentialCategory::Id),
        (usability_selfie, CredentialCategory::Selfie),
        (usability_document, CredentialCategory::Document),
    ]
    .into_iter()
    .filter_map(|(verdict, category)| Some((verdict?, category)))
    .enumerate()
    .map(|(index, (verdict, category))| CapabilityResult {
        id: result_id("usability", index),
        credentials: vec![cred(category)],
        decision: verdict.decision(),
        data: serde_json::Map::new(),
    })
    .collect();
    let facemap_credential = execution.credential_of(&CredentialCategory::Facemap);
    let facemap_href = facemap_credential
        .map(|c| links.part(&execution.account_id, &c.id, PartClassifier::Facemap));
    let age = specimen_age();
    let face_result = |name: &str, verdict: Verdict| LivenessResult {
        id: result_id(name, 0),
        valid_face_map_for_authentication: verdict.usable().then(|| facemap_href.clone()).flatten(),
        credentials: on_selfie(),
        decision: verdict.decision(),
        data: verdict.executed().then(|| LivenessData {
            type_: Some(LivenessType::JumioStandard),
            predicted_age: (name == "liveness").then_some(age),
            age_confidence_range: (name == "liveness")
                .then(|| format!("{}-{}", age - age % 10, age - age % 10 + 9)),
        }),
    };
    let digest = front.map_or([0u8; 32], |f| f.digest);
    let search_id = u32::from_be_bytes([digest[4], digest[5], digest[6], digest[7]]);
    let capabilities = Capabilities {
        usability,
        image_checks: list(image_checks, |v| ImageChecksResult {
            id: result_id("imageChecks", 0),
            credentials: on_id(),
            decision: v.decision(),
            data: v.executed().then(|| ImageChecksData {
                face_search_findings: Some(FaceSearchFindings {
                    status: Some(FaceSearchStatus::Done),
                    findings: Vec::new(),
                }),
            }),
        }),
        extraction: list(extraction, |v| ExtractionResult {
            id: result_id("extraction", 0),
            credentials: on_id(),
            decision: v.decision(),
            data: v.usable().then(|| specimen(execution, front)),
        }),
        data_checks: list(data_checks, |v| simple(Capability::DataChecks, v, on_id())),
        liveness: list(liveness, |v| face_result("liveness", v)),
        similarity: list(similarity, |v| SimilarityResult {
            id: result_id("similarity", 0),
            credentials: [on_id(), on_selfie()].concat(),
            decision: v.decision(),
            data: v.executed().then_some(SimilarityData {
                similarity: Some(match v.kind {
                    Kind::Passed => SimilarityOutcome::Match,
                    Kind::Warning => SimilarityOutcome::NotPossible,
                    _ => SimilarityOutcome::NotMatch,
                }),
            }),
        }),
        authentication: list(authentication, |v| face_result("authentication", v)),
        watchlist_screening: list(watchlist, |v| WatchlistScreeningResult {
            id: result_id("watchlistScreening", 0),
            credentials: on_person(),
            decision: v.decision(),
            data: v.executed().then(|| WatchlistScreeningData {
                search_date: Some(timestamp()),
                search_id: Some(search_id.to_string()),
                search_reference: Some(format!("sandbox-{search_id:08x}")),
                search_result_url: None,
                search_results: Some(if v.kind == Kind::Warning { 2 } else { 0 }),
                search_status: Some(ScreeningSearchStatus::Success),
            }),
        }),
        address_validation: list(address_validation, |v| {
            simple(Capability::AddressValidation, v, on_person())
        }),
        proof_of_residency: list(residency, |v| {
            simple(Capability::ProofOfResidency, v, on_person())
        }),
        driving_license_verification: list(licence, |v| {
            simple(Capability::DrivingLicenseVerification, v, on_person())
        }),
        bra_cpf_validation: list(cpf, |v| simple(Capability::BraCpfValidation, v, on_data())),
        biometric_verification: list(biometric, |v| {
            simple(
                Capability::BiometricVerification,
                v,
                [on_selfie(), on_data()].concat(),
            )
        }),
        classification: list(classification, |v| ClassificationResult {
            id: result_id("classification", 0),
            credentials: on_id(),
            decision: v.decision(),
            data: v.executed().then(|| classified(execution)),
        }),
        extra: BTreeMap::new(),
    };

    // Every verdict with the ids of its results, by capability.
    let verdicts: Vec<(Capability, Verdict)> = [
        (Capability::Usability, usability_id),
        (Capability::Usability, usability_selfie),
        (Capability::Usability, usability_document),
        (Capability::ImageChecks, image_checks),
        (Capability::Extraction, extraction),
        (Capability::DataChecks, data_checks),
        (Capability::Liveness, liveness),
        (Capability::Similarity, similarity),
        (Capability::Authentication, authentication),
        (Capability::WatchlistScreening, watchlist),
        (Capability::AddressValidation, address_validation),
        (Capability::ProofOfResidency, residency),
        (Capability::DrivingLicenseVerification, licence),
        (Capability::BraCpfValidation, cpf),
        (Capability::BiometricVerification, biometric),
        (Capability::Classification, classification),
    ]
    .into_iter()
    .filter_map(|(capability, verdict)| Some((capability, verdict?)))
    .collect();
    let result_ids = |capability: Capability| -> Vec<String> {
        let count = verdicts.iter().filter(|(c, _)| *c == capability).count();
        (0..count)
            .map(|index| result_id(capability.name(), index))
            .collect()
    };
    let kind_of = |of: &[Capability]| {
        aggregate(
            verdicts
                .iter()
                .filter(|(c, v)| of.contains(c) && v.executed())
                .map(|(_, v)| v.kind),
        )
    };
    let steps = workflow
        .steps()
        .into_iter()
        .map(|(name, capabilities)| {
            let step_id = derived_id(&[&execution.id, "step", &name.to_string()]);
            WorkflowStep {
                decision: Some(decision(kind_of(&capabilities), &step_id)),
                id: step_id,
                name,
                capability_ids: capabilities.iter().flat_map(|c| result_ids(*c)).collect(),
            }
        })
        .collect();

    // The worst executed verdict; when nothing but usability could run, the workflow failed
    // (as in Jumio's 10008 example: REJECTED with its only capability NOT_EXECUTED).
    let mut overall = aggregate(
        verdicts
            .iter()
            .filter(|(_, v)| v.executed())
            .map(|(_, v)| v.kind),
    );
    let checks = verdicts.iter().filter(|(c, _)| *c != Capability::Usability);
    if checks.clone().count() > 0 && !checks.clone().any(|(_, v)| v.executed()) {
        overall = Kind::Rejected;
    }
    let face_map_made = liveness.or(authentication).is_some_and(Verdict::usable);
    let facemap = match (face_map_made, face, uploaded_facemap) {
        (true, Some(face), None) => {
            let mut bytes = b"JUMIO-SANDBOX-FACEMAP\n".to_vec();
            bytes.extend_from_slice(&Sha256::digest(face.digest));
            let digest: [u8; 32] = Sha256::digest(&bytes).into();
            Some(StoredPart {
                id: derived_id(&[&execution.id, "facemap"]),
                bytes: Bytes::from(bytes),
                content_type: "application/octet-stream",
                width: 0,
                height: 0,
                digest,
                marked_blurred: false,
            })
        }
        _ => None,
    };
    Outcome {
        decision: decision(overall, &execution.id),
        capabilities,
        steps,
        facemap,
    }
}

/// The result of a capability the workflow runs (none when it does not run).
fn list<T>(verdict: Option<Verdict>, build: impl FnOnce(Verdict) -> T) -> Vec<T> {
    verdict.map(build).into_iter().collect()
}

/// The classification of the ID the filter asks for.
fn classified(execution: &Execution) -> ClassificationData {
    let (type_, sub_type, _) = document_kind(&execution.document.document_type, 0);
    let country = execution.document.country.clone();
    ClassificationData {
        printed_document_name: Some(format!("SPECIMEN {}", execution.document.document_type)),
        state: (country == "USA").then(|| "IL".to_owned()),
        country: Some(country),
        type_: Some(type_),
        sub_type: Some(sub_type),
        first_issue_date: Some("2016-01-01".to_owned()),
        last_issue_date: None,
    }
}

const SPECIMEN_BIRTH: (i32, u32, u32) = (1990, 1, 1);

/// The extracted type, subtype and a document number (from `serial`) of a document type of the
/// ID filter.
fn document_kind(
    document_type: &str,
    serial: u32,
) -> (ExtractedDocumentType, ExtractedDocumentSubType, String) {
    match document_type {
        "PASSPORT" => (
            ExtractedDocumentType::Passport,
            ExtractedDocumentSubType::EPassport,
            format!("P{serial:08}"),
        ),
        "ID_CARD" => (
            ExtractedDocumentType::IdCard,
            ExtractedDocumentSubType::NationalId,
            format!("ID{:07}", serial % 10_000_000),
        ),
        "VISA" => (
            ExtractedDocumentType::Visa,
            ExtractedDocumentSubType::Visa,
            format!("V{serial:08}"),
        ),
        _ => (
            ExtractedDocumentType::DrivingLicense,
            ExtractedDocumentSubType::RegularDrivingLicense,
            format!("D{:07}", serial % 10_000_000),
        ),
    }
}

fn specimen_age() -> i32 {
    age_on(SPECIMEN_BIRTH, chrono::Utc::now().date_naive())
}

/// The age in whole years on `today` of a person born on `birth` (year, month, day).
fn age_on((year, month, day): (i32, u32, u32), today: NaiveDate) -> i32 {
    let birthday_passed = (today.month(), today.day()) >= (month, day);
    today.year() - year - i32::from(!birthday_passed)
}

fn date_parts(date: NaiveDate) -> DateParts {
    DateParts {
        year: Some(format!("{:04}", date.year())),
        month: Some(format!("{:02}", date.month())),
        day: Some(format!("{:02}", date.day())),
    }
}

/// The synthetic JANE DOE specimen, with the document type and country the ID filter asks for and
/// a document number derived from the front image.
fn specimen(execution: &Execution, front: Option<&StoredPart>) -> ExtractedData {
    let document_type = execution.document.document_type.as_str();
    let country = execution.document.country.clone();
    let digest = front.map_or([0u8; 32], |f| f.digest);
    let serial = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 100_000_000;
    let (type_, sub_type, number) = document_kind(document_type, serial);
    let usa = country == "USA";
    let (year, month, day) = SPECIMEN_BIRTH;
    let birth = NaiveDate::from_ymd_opt(year, month, day).expect("valid specimen date");
    let issued = NaiveDate::from_ymd_opt(2024, 3, 1).expect("valid specimen date");
    let expires = NaiveDate::from_ymd_opt(2034, 3, 1).expect("valid specimen date");
    let (line1, city, postal_code, subdivision) = if usa {
        ("123 MAIN STREET", "CHICAGO", "60601", Some("IL"))
    } else {
        ("1 SPECIMEN STREET", "SAMPLETOWN", "1010", None)
    };
    let formatted = match subdivision {
        Some(state) => format!("{line1}, {city}, {state} {postal_code}, {country}"),
        None => format!("{line1}, {postal_code} {city}, {country}"),
    };
    ExtractedData {
        type_: Some(type_),
        sub_type: Some(sub_type),
        issuing_country: Some(country.clone()),
        first_name: Some("JANE".to_owned()),
        last_name: Some("DOE".to_owned()),
        date_of_birth: Some(birth.to_string()),
        date_of_birth_parts: Some(date_parts(birth)),
        issuing_date: Some(issued.to_string()),
        issuing_date_parts: Some(date_parts(issued)),
        expiry_date: Some(expires.to_string()),
        expiry_date_parts: Some(date_parts(expires)),
        document_number: Some(number),
        state: subdivision.map(str::to_owned),
        gender: Some("F".to_owned()),
        nationality: Some(country.clone()),
        current_age: Some(specimen_age()),
        dl_categories: if document_type == "DRIVING_LICENSE" {
            vec!["D".to_owned()]
        } else {
            Vec::new()
        },
        address: Some(ExtractedAddress {
            line1: Some(line1.to_owned()),
            city: Some(city.to_owned()),
            postal_code: Some(postal_code.to_owned()),
            subdivision: subdivision.map(str::to_owned),
            country: Some(country),
            formatted_address: Some(formatted),
            ..ExtractedAddress::default()
        }),
        ..ExtractedData::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow(key: u64) -> Arc<WorkflowDefinition> {
        let info = jumio_kyx::workflows::lookup(key).expect("documented");
        Arc::new(WorkflowDefinition::from(info))
    }

    fn forced(reference: &str, key: u64) -> Vec<(Capability, Forced, &'static str)> {
        let scenario = parse(reference, workflow(key)).unwrap();
        scenario
            .forced
            .iter()
            .map(|(capability, (outcome, label))| (*capability, *outcome, *label))
            .collect()
    }

    fn refusal(reference: &str, key: u64) -> String {
        parse(reference, workflow(key)).unwrap_err()
    }

    #[test]
    fn markers_force_the_capability_and_label_they_name() {
        assert_eq!(forced("order-1", 10011), []);
        assert_eq!(forced("order #hashtag #1", 10011), [], "plain text");
        assert_eq!(
            forced("order #warning", 10011),
            [(Capability::Similarity, Forced::Warning, "NOT_POSSIBLE")]
        );
        assert_eq!(
            forced("order #REJECT", 10011),
            [(Capability::ImageChecks, Forced::Rejected, "DIGITAL_COPY")]
        );
        assert_eq!(
            forced(
                "a #reject:liveness:multiple_people #warning:usability",
                10011
            ),
            [
                (
                    Capability::Usability,
                    Forced::Warning,
                    "UNSUPPORTED_COUNTRY"
                ),
                (Capability::Liveness, Forced::Rejected, "MULTIPLE_PEOPLE"),
            ]
        );
        assert_eq!(
            forced("a #warning", 10010),
            [(Capability::WatchlistScreening, Forced::Warning, "ALERT")],
            "without similarity, the first capability with a warning"
        );
        let scenario = parse("a #expire", workflow(10011)).unwrap();
        assert!(scenario.expire && scenario.forced.is_empty());
        assert!(!parse("a", workflow(10011)).unwrap().expire);
    }

    /// The label each `#warning:capability` and `#reject:capability` selects: the first Jumio
    /// documents for it (the markers table of the sandbox's README); a pair Jumio documents no
    /// label for is refused.
    #[test]
    fn every_capability_marker_selects_its_first_documented_label() {
        use Forced::{Rejected, Warning};
        let cases: &[(u64, Capability, Forced, Option<&str>)] = &[
            (
                10011,
                Capability::Usability,
                Warning,
                Some("UNSUPPORTED_COUNTRY"),
            ),
            (10011, Capability::Usability, Rejected, Some("BAD_QUALITY")),
            (
                10011,
                Capability::ImageChecks,
                Warning,
                Some("REPEATED_FACE"),
            ),
            (
                10011,
                Capability::ImageChecks,
                Rejected,
                Some("DIGITAL_COPY"),
            ),
            (10011, Capability::DataChecks, Warning, None),
            (
                10011,
                Capability::DataChecks,
                Rejected,
                Some("MISMATCHING_DATAPOINTS"),
            ),
            (10011, Capability::Liveness, Warning, Some("AGE_DIFFERENCE")),
            (
                10011,
                Capability::Liveness,
                Rejected,
                Some("LIVENESS_UNDETERMINED"),
            ),
            (10011, Capability::Similarity, Warning, Some("NOT_POSSIBLE")),
            (10011, Capability::Similarity, Rejected, Some("NO_MATCH")),
            (
                10013,
                Capability::WatchlistScreening,
                Warning,
                Some("ALERT"),
            ),
            (10013, Capability::WatchlistScreening, Rejected, None),
            (10013, Capability::AddressValidation, Warning, Some("ALERT")),
            (10013, Capability::AddressValidation, Rejected, Some("DENY")),
            (10013, Capability::ProofOfResidency, Warning, Some("ALERT")),
            (10013, Capability::ProofOfResidency, Rejected, Some("DENY")),
            (
                10013,
                Capability::DrivingLicenseVerification,
                Warning,
                Some("ALERT"),
            ),
            (
                10013,
                Capability::DrivingLicenseVerification,
                Rejected,
                Some("DENY"),
            ),
            (10014, Capability::Authentication, Warning, None),
            (10014, Capability::Authentication, Rejected, Some("FAILED")),
            (
                10005,
                Capability::BraCpfValidation,
                Warning,
                Some("UNSUPPORTED_COUNTRY"),
            ),
            (10005, Capability::BraCpfValidation, Rejected, Some("DENY")),
            (
                10006,
                Capability::BiometricVerification,
                Warning,
                Some("MEDIUM_RISK"),
            ),
            (
                10006,
                Capability::BiometricVerification,
                Rejected,
                Some("HIGH_RISK"),
            ),
        ];
        for &(key, capability, outcome, label) in cases {
            let reference = format!("a #{}:{}", outcome.name(), capability.name());
            match label {
                Some(label) => assert_eq!(
                    forced(&reference, key),
                    [(capability, outcome, label)],
                    "{reference}"
                ),
                None => assert!(parse(&reference, workflow(key)).is_err(), "{reference}"),
            }
        }
    }

    #[test]
    fn another_outcome_keeps_what_the_account_holds_and_the_token_lifetime() {
        let mut scenario = parse("a #expire #reject", workflow(10014)).unwrap();
        scenario.stored_face = true;
        let chosen = scenario
            .with_outcome(Some("#reject:authentication"))
            .unwrap();
        assert!(chosen.stored_face && chosen.expire);
        assert_eq!(
            chosen.forced.keys().copied().collect::<Vec<_>>(),
            [Capability::Authentication]
        );
        let passing = scenario.with_outcome(None).unwrap();
        assert!(passing.forced.is_empty() && passing.stored_face && passing.expire);
    }

    #[test]
    fn malformed_markers_are_refused_with_what_to_write() {
        for (reference, key, expected) in [
            (
                "a #expire:now",
                10011,
                "marker `#expire:now` takes no arguments; write `#expire`",
            ),
            (
                "a #warning:nonsense",
                10011,
                "`nonsense` is not a capability; use one of usability,",
            ),
            (
                "a #reject:watchlistScreening",
                10011,
                "watchlistScreening does not run in workflow 10011, which runs usability",
            ),
            (
                "a #reject:watchlistScreening",
                10011,
                "documented workflows that run it: 10010",
            ),
            (
                "a #warning:extraction",
                10011,
                "Jumio documents no warning outcome for extraction",
            ),
            (
                "a #reject:similarity:FOO",
                10011,
                "`FOO` is not a documented reject label of similarity; use one of NO_MATCH",
            ),
            (
                "a #reject:similarity:NO_MATCH:x",
                10011,
                "has too many parts; write `#reject:capability:LABEL`",
            ),
            (
                "a #warning",
                10014,
                "names no capability, and workflow 10014 has no default one; write `#warning:capability`",
            ),
        ] {
            let error = refusal(reference, key);
            assert!(error.contains(expected), "{reference}: {error}");
        }
    }

    #[test]
    fn a_forced_outcome_replaces_the_verdict_and_an_unforced_one_keeps_it() {
        let scenario = parse("a #warning:liveness #reject:similarity", workflow(10011)).unwrap();
        let warned = scenario.or(Capability::Liveness, Verdict::OK);
        assert_eq!(
            (warned.kind, warned.label),
            (Kind::Warning, "AGE_DIFFERENCE")
        );
        let rejected = scenario.or(Capability::Similarity, Verdict::OK);
        assert_eq!(
            (rejected.kind, rejected.label),
            (Kind::Rejected, "NO_MATCH")
        );
        let kept = scenario.or(Capability::ImageChecks, Verdict::PRECONDITION);
        assert_eq!(
            (kept.kind, kept.label),
            (Kind::NotExecuted, "PRECONDITION_NOT_FULFILLED")
        );
    }

    #[test]
    fn verdicts_decide_what_runs_after_them() {
        assert!(Verdict::OK.usable() && Verdict::OK.executed());
        assert!(Verdict::new(Kind::Warning, "x").usable());
        assert!(!Verdict::new(Kind::Rejected, "x").usable());
        assert!(Verdict::new(Kind::Rejected, "x").executed());
        assert!(!Verdict::PRECONDITION.usable() && !Verdict::PRECONDITION.executed());
        let decision = Verdict::new(Kind::Rejected, "BLURRED").decision();
        assert_eq!(decision.type_, DecisionType::Rejected);
        assert_eq!(
            decision.details.unwrap().label.unwrap(),
            DecisionLabel::from("BLURRED")
        );
    }

    #[test]
    fn the_worst_outcome_decides_and_nothing_run_is_not_executed() {
        assert_eq!(aggregate([]), Kind::NotExecuted);
        assert_eq!(aggregate([Kind::NotExecuted, Kind::Passed]), Kind::Passed);
        assert_eq!(
            aggregate([Kind::Rejected, Kind::Warning, Kind::Passed]),
            Kind::Rejected
        );
        assert_eq!(aggregate([Kind::Passed, Kind::Warning]), Kind::Warning);
        for (kind, label, generated) in [
            (Kind::NotExecuted, "NOT_EXECUTED", DecisionType::NotExecuted),
            (Kind::Passed, "PASSED", DecisionType::Passed),
            (Kind::Warning, "WARNING", DecisionType::Warning),
            (Kind::Rejected, "REJECTED", DecisionType::Rejected),
        ] {
            assert_eq!(kind.label(), label);
            assert_eq!(kind.generated(), generated);
            let decision = decision(kind, "seed");
            assert_eq!(decision.type_, generated);
            assert_eq!(
                decision.details.unwrap().label.unwrap(),
                DecisionLabel::from(label)
            );
        }
        let pending = not_executed("TOKEN_EXPIRED");
        assert_eq!(pending.type_, DecisionType::NotExecuted);
        assert_eq!(pending.risk.unwrap().score, Some(-1.0));
    }

    #[test]
    fn risk_scores_stay_in_the_band_of_their_decision() {
        let seeds: Vec<String> = (0..200).map(|i| format!("execution-{i}")).collect();
        for (kind, low, high) in [
            (Kind::Passed, 0.0, 30.0),
            (Kind::Warning, 31.0, 70.0),
            (Kind::Rejected, 71.0, 100.0),
        ] {
            let scores: Vec<f64> = seeds.iter().map(|s| risk_score(kind, s)).collect();
            for score in &scores {
                assert!((low..=high).contains(score), "{kind:?}: {score}");
                assert_eq!((score * 100.0).round() / 100.0, *score, "two decimals");
            }
            let spread = scores.iter().cloned().fold(f64::MIN, f64::max)
                - scores.iter().cloned().fold(f64::MAX, f64::min);
            assert!(
                spread > (high - low) / 2.0,
                "{kind:?} spreads over its band"
            );
            assert_eq!(risk_score(kind, "same"), risk_score(kind, "same"));
        }
        assert_eq!(risk_score(Kind::NotExecuted, "any"), -1.0);
    }

    #[test]
    fn risk_scores_reach_both_ends_of_their_band() {
        // Each band holds about 3000 scores of two decimals; 50 000 seeds reach both of its ends
        // (a miss of one end has a chance of about e^-16).
        for (kind, low, high) in [
            (Kind::Passed, 0.0, 30.0),
            (Kind::Warning, 31.0, 70.0),
            (Kind::Rejected, 71.0, 100.0),
        ] {
            let (mut lowest, mut highest) = (f64::MAX, f64::MIN);
            for i in 0..50_000 {
                let score = risk_score(kind, &format!("execution-{i}"));
                (lowest, highest) = (lowest.min(score), highest.max(score));
                if (lowest, highest) == (low, high) {
                    break;
                }
            }
            assert_eq!((lowest, highest), (low, high), "{kind:?}");
        }
    }

    #[test]
    fn the_specimen_is_a_year_older_from_its_birthday_on() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let on = |y, m, d| age_on(SPECIMEN_BIRTH, date(y, m, d));
        assert_eq!(SPECIMEN_BIRTH, (1990, 1, 1));
        assert_eq!(on(2025, 12, 31), 35);
        assert_eq!(on(2026, 1, 1), 36);
        assert_eq!(on(2026, 12, 2), 36);
        assert_eq!(on(1990, 1, 1), 0);
        // A birthday later in the year: a year younger until it, by month and then by day.
        let mid_june = (1990, 6, 15);
        assert_eq!(age_on(mid_june, date(2026, 5, 20)), 35);
        assert_eq!(age_on(mid_june, date(2026, 6, 14)), 35);
        assert_eq!(age_on(mid_june, date(2026, 6, 15)), 36);
        assert_eq!(age_on(mid_june, date(2026, 7, 1)), 36);
    }

    #[test]
    fn derived_ids_are_uuid_shaped_and_stable() {
        let id = derived_id(&["account", "1"]);
        assert_eq!(id.len(), 36);
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            groups[2].starts_with('4') && groups[3].starts_with('a'),
            "{id}"
        );
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_eq!(id, derived_id(&["account", "1"]));
        assert_ne!(id, derived_id(&["account", "2"]));
        assert_ne!(id, derived_id(&["account1"]), "pieces are separated");
    }
}
