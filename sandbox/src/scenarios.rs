//! Deterministic results: the scenario markers of `customerInternalReference`, the image rules, and
//! the capability results, decision, risk score and steps they lead to (see the scenario table in
//! the sandbox README).

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::{Datelike as _, NaiveDate};
use sha2::{Digest as _, Sha256};

use super::links::Links;
use super::state::Execution;
use super::store::{Outcome, StoredPart, timestamp};
use jumio_kyx::generated::types::{
    Capabilities, CapabilityCredential, CapabilityDecision, CapabilityResult, CredentialCategory,
    DateParts, Decision, DecisionDetails, DecisionLabel, DecisionType, ExtractedAddress,
    ExtractedData, ExtractedDocumentSubType, ExtractedDocumentType, ExtractionResult,
    FaceSearchFindings, FaceSearchStatus, ImageChecksData, ImageChecksResult, LivenessData,
    LivenessResult, LivenessType, PartClassifier, Risk, ScreeningSearchStatus, SimilarityData,
    SimilarityOutcome, SimilarityResult, StepName, WatchlistScreeningData,
    WatchlistScreeningResult, WorkflowStep,
};

/// Workflow definition keys the sandbox runs.
pub(crate) const KNOWN_WORKFLOWS: [u64; 2] = [10011, 10013];

/// Text that marks an uploaded image as blurred (for example in a JPEG comment or PNG text chunk).
pub(crate) const BLUR_MARKER: &[u8] = b"JUMIO-SANDBOX:BLURRED";

/// Images whose longest side is at most this many pixels are too small to be usable.
pub(crate) const SMALL_IMAGE_MAX_SIDE: u32 = 600;

/// The token lifetime of a workflow execution marked `#expire`.
pub(crate) const EXPIRE_MARKER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Capability {
    Usability,
    ImageChecks,
    Extraction,
    DataChecks,
    Liveness,
    Similarity,
    WatchlistScreening,
    AddressValidation,
    ProofOfResidency,
    DrivingLicenseVerification,
}

const CAPABILITIES: [Capability; 10] = [
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
];

impl Capability {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Usability => "usability",
            Self::ImageChecks => "imageChecks",
            Self::Extraction => "extraction",
            Self::DataChecks => "dataChecks",
            Self::Liveness => "liveness",
            Self::Similarity => "similarity",
            Self::WatchlistScreening => "watchlistScreening",
            Self::AddressValidation => "addressValidation",
            Self::ProofOfResidency => "proofOfResidency",
            Self::DrivingLicenseVerification => "drivingLicenseVerification",
        }
    }

    fn runs_in(self, key: u64) -> bool {
        match self {
            Self::WatchlistScreening
            | Self::AddressValidation
            | Self::ProofOfResidency
            | Self::DrivingLicenseVerification => key == 10013,
            _ => KNOWN_WORKFLOWS.contains(&key),
        }
    }

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
            (Self::Extraction, _)
            | (Self::DataChecks, Warning)
            | (Self::WatchlistScreening, Rejected) => "",
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

/// The scenario markers of one workflow execution.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scenario {
    forced: BTreeMap<Capability, (Forced, &'static str)>,
    /// `#expire`: the transaction token lives only [`EXPIRE_MARKER_LIFETIME`].
    pub expire: bool,
}

/// Reads the markers of `reference` for workflow `key`. A word after `#` that is not `warning`,
/// `reject` or `expire` is plain text; a marker that starts with one of them but is malformed is an
/// error, so that a typo does not silently run the default scenario.
pub(crate) fn parse(reference: &str, key: u64) -> Result<Scenario, String> {
    let mut scenario = Scenario::default();
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
            None => match outcome {
                Forced::Warning => Capability::Similarity,
                Forced::Rejected => Capability::ImageChecks,
            },
            Some(name) => CAPABILITIES
                .into_iter()
                .find(|c| c.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "marker `#{marker}`: `{name}` is not a capability; use one of {}",
                        CAPABILITIES.map(Capability::name).join(", ")
                    )
                })?,
        };
        if !capability.runs_in(key) {
            return Err(format!(
                "marker `#{marker}`: {} runs in workflow 10013 only, not in {key}",
                capability.name()
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

/// Processes a finalized workflow execution.
pub(crate) fn evaluate(execution: &Execution, links: &Links<'_>) -> Outcome {
    let scenario = &execution.scenario;
    let key = execution.definition_key;
    let front = execution.part(&CredentialCategory::Id, &PartClassifier::Front);
    let back = execution.part(&CredentialCategory::Id, &PartClassifier::Back);
    let face = execution.part(&CredentialCategory::Selfie, &PartClassifier::Face);
    let id_parts: Vec<&StoredPart> = front.into_iter().chain(back).collect();

    let usability_id = image_quality(id_parts.iter().copied())
        .unwrap_or_else(|| scenario.or(Capability::Usability, Verdict::OK));
    let usability_selfie = image_quality(face).unwrap_or(Verdict::OK);
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
    let image_checks = depending(
        usability_id.usable(),
        front_equals_back.then_some("MISMATCH_FRONT_BACK"),
        Capability::ImageChecks,
    );
    let extraction = if image_checks.usable() {
        Verdict::OK
    } else {
        Verdict::PRECONDITION
    };
    let extracted = extraction.usable();
    let after_extraction = |capability| depending(extracted, None, capability);
    let data_checks = after_extraction(Capability::DataChecks);
    let selfie_is_id = face.is_some_and(|f| id_parts.iter().any(|p| p.digest == f.digest));
    let liveness = depending(
        usability_selfie.usable(),
        selfie_is_id.then_some("ID_USED_AS_SELFIE"),
        Capability::Liveness,
    );
    let similarity = if usability_id.usable() && usability_selfie.usable() {
        scenario.or(Capability::Similarity, Verdict::new(Kind::Passed, "MATCH"))
    } else {
        Verdict::PRECONDITION
    };

    let id =
        |category: CredentialCategory| execution.credential_of(&category).map(|c| c.id.as_str());
    let id_credential = id(CredentialCategory::Id).unwrap_or_default();
    let selfie_credential = id(CredentialCategory::Selfie).unwrap_or_default();
    let facemap_credential = id(CredentialCategory::Facemap);
    let cred = |credential: &str, category: CredentialCategory| CapabilityCredential {
        id: credential.to_owned(),
        category: Some(category),
    };
    let on_id = || vec![cred(id_credential, CredentialCategory::Id)];
    let on_selfie = || vec![cred(selfie_credential, CredentialCategory::Selfie)];
    let result_id =
        |name: &str, index: usize| derived_id(&[&execution.id, name, &index.to_string()]);
    let simple =
        |name: &str, verdict: Verdict, credentials: Vec<CapabilityCredential>| CapabilityResult {
            id: result_id(name, 0),
            credentials,
            decision: verdict.decision(),
            data: serde_json::Map::new(),
        };

    let mut verdicts = vec![
        usability_id,
        usability_selfie,
        image_checks,
        extraction,
        data_checks,
        liveness,
        similarity,
    ];
    let usability = vec![
        CapabilityResult {
            id: result_id("usability", 0),
            ..simple("usability", usability_id, on_id())
        },
        CapabilityResult {
            id: result_id("usability", 1),
            ..simple("usability", usability_selfie, on_selfie())
        },
    ];
    let image_checks_result = ImageChecksResult {
        id: result_id("imageChecks", 0),
        credentials: on_id(),
        decision: image_checks.decision(),
        data: image_checks.executed().then(|| ImageChecksData {
            face_search_findings: Some(FaceSearchFindings {
                status: Some(FaceSearchStatus::Done),
                findings: Vec::new(),
            }),
        }),
    };
    let extraction_result = ExtractionResult {
        id: result_id("extraction", 0),
        credentials: on_id(),
        decision: extraction.decision(),
        data: extracted.then(|| specimen(execution, front)),
    };
    let data_checks_result = simple("dataChecks", data_checks, on_id());
    let facemap_href =
        facemap_credential.map(|c| links.part(&execution.account_id, c, PartClassifier::Facemap));
    let age = specimen_age();
    let liveness_result = LivenessResult {
        id: result_id("liveness", 0),
        valid_face_map_for_authentication: if liveness.usable() {
            facemap_href.clone()
        } else {
            None
        },
        credentials: on_selfie(),
        decision: liveness.decision(),
        data: liveness.executed().then(|| LivenessData {
            type_: Some(LivenessType::JumioStandard),
            predicted_age: Some(age),
            age_confidence_range: Some(format!("{}-{}", age - age % 10, age - age % 10 + 9)),
        }),
    };
    let similarity_result = SimilarityResult {
        id: result_id("similarity", 0),
        credentials: [on_id(), on_selfie()].concat(),
        decision: similarity.decision(),
        data: similarity.executed().then_some(SimilarityData {
            similarity: Some(match similarity.kind {
                Kind::Passed => SimilarityOutcome::Match,
                Kind::Warning => SimilarityOutcome::NotPossible,
                _ => SimilarityOutcome::NotMatch,
            }),
        }),
    };

    let mut capabilities = Capabilities {
        usability,
        image_checks: vec![image_checks_result],
        extraction: vec![extraction_result],
        data_checks: vec![data_checks_result],
        liveness: vec![liveness_result],
        similarity: vec![similarity_result],
        authentication: Vec::new(),
        watchlist_screening: Vec::new(),
        address_validation: Vec::new(),
        proof_of_residency: Vec::new(),
        driving_license_verification: Vec::new(),
        extra: BTreeMap::new(),
    };
    let id_iv_ids: Vec<String> = [
        &capabilities.usability[0].id,
        &capabilities.usability[1].id,
        &capabilities.image_checks[0].id,
        &capabilities.extraction[0].id,
        &capabilities.data_checks[0].id,
        &capabilities.liveness[0].id,
        &capabilities.similarity[0].id,
    ]
    .map(String::clone)
    .to_vec();
    let id_iv_kind = aggregate(verdicts.iter().filter(|v| v.executed()).map(|v| v.kind));
    let step = |name: StepName, ids: Vec<String>, kind: Kind| {
        let step_id = derived_id(&[&execution.id, "step", &name.to_string()]);
        WorkflowStep {
            decision: Some(decision(kind, &step_id)),
            id: step_id,
            name,
            capability_ids: ids,
        }
    };
    let mut steps = vec![step(StepName::IdIv, id_iv_ids, id_iv_kind)];

    if key == 10013 {
        let watchlist = after_extraction(Capability::WatchlistScreening);
        let address = after_extraction(Capability::AddressValidation);
        let residency = after_extraction(Capability::ProofOfResidency);
        let licence = if !extracted {
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
        };
        let digest = front.map_or([0u8; 32], |f| f.digest);
        let search_id = u32::from_be_bytes([digest[4], digest[5], digest[6], digest[7]]);
        capabilities.watchlist_screening = vec![WatchlistScreeningResult {
            id: result_id("watchlistScreening", 0),
            credentials: on_id(),
            decision: watchlist.decision(),
            data: watchlist.executed().then(|| WatchlistScreeningData {
                search_date: Some(timestamp()),
                search_id: Some(search_id.to_string()),
                search_reference: Some(format!("sandbox-{search_id:08x}")),
                search_result_url: None,
                search_results: Some(if watchlist.kind == Kind::Warning {
                    2
                } else {
                    0
                }),
                search_status: Some(ScreeningSearchStatus::Success),
            }),
        }];
        capabilities.address_validation = vec![simple("addressValidation", address, on_id())];
        capabilities.proof_of_residency = vec![simple("proofOfResidency", residency, on_id())];
        capabilities.driving_license_verification =
            vec![simple("drivingLicenseVerification", licence, on_id())];
        let screening_kind = aggregate([watchlist].iter().filter(|v| v.executed()).map(|v| v.kind));
        let address_kind = aggregate(
            [address, residency]
                .iter()
                .filter(|v| v.executed())
                .map(|v| v.kind),
        );
        let licence_kind = aggregate([licence].iter().filter(|v| v.executed()).map(|v| v.kind));
        steps.push(step(
            StepName::Screening,
            vec![capabilities.watchlist_screening[0].id.clone()],
            screening_kind,
        ));
        steps.push(step(
            StepName::AddressVerification,
            vec![
                capabilities.address_validation[0].id.clone(),
                capabilities.proof_of_residency[0].id.clone(),
            ],
            address_kind,
        ));
        steps.push(step(
            StepName::DlVerification,
            vec![capabilities.driving_license_verification[0].id.clone()],
            licence_kind,
        ));
        verdicts.extend([watchlist, address, residency, licence]);
    }

    let overall = aggregate(verdicts.iter().filter(|v| v.executed()).map(|v| v.kind));
    let facemap = match (liveness.usable(), face) {
        (true, Some(face)) => {
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

const SPECIMEN_BIRTH: (i32, u32, u32) = (1990, 1, 1);

fn specimen_age() -> i32 {
    let today = chrono::Utc::now().date_naive();
    let (year, month, day) = SPECIMEN_BIRTH;
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
    let (type_, sub_type, number) = match document_type {
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
    };
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
