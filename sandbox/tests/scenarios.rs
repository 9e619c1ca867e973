//! The documented scenarios (src/sandbox/README.md): each yields its documented decisions and labels.

use jumio_kyx_test_support::http as sandbox_common;

use jumio_kyx::generated::types::{CapabilityDecision, WorkflowExecutionDetails};
use sandbox_common::{Api, png, request_with_reference, sample};

fn verdict(decision: &CapabilityDecision) -> (String, String) {
    (
        decision.type_.to_string(),
        decision
            .details
            .as_ref()
            .and_then(|d| d.label.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default(),
    )
}

fn overall(details: &WorkflowExecutionDetails) -> (String, f64) {
    let decision = details.decision.as_ref().expect("decision");
    (
        decision.type_.to_string(),
        decision.risk.as_ref().and_then(|r| r.score).expect("score"),
    )
}

/// The verdict of every capability result, by capability name (usability once per credential).
fn verdicts(details: &WorkflowExecutionDetails) -> Vec<(&'static str, (String, String))> {
    let c = details.capabilities.as_ref().expect("capabilities");
    let mut all = Vec::new();
    all.extend(
        c.usability
            .iter()
            .map(|r| ("usability", verdict(&r.decision))),
    );
    all.extend(
        c.image_checks
            .iter()
            .map(|r| ("imageChecks", verdict(&r.decision))),
    );
    all.extend(
        c.extraction
            .iter()
            .map(|r| ("extraction", verdict(&r.decision))),
    );
    all.extend(
        c.data_checks
            .iter()
            .map(|r| ("dataChecks", verdict(&r.decision))),
    );
    all.extend(
        c.liveness
            .iter()
            .map(|r| ("liveness", verdict(&r.decision))),
    );
    all.extend(
        c.similarity
            .iter()
            .map(|r| ("similarity", verdict(&r.decision))),
    );
    all.extend(
        c.watchlist_screening
            .iter()
            .map(|r| ("watchlistScreening", verdict(&r.decision))),
    );
    all.extend(
        c.address_validation
            .iter()
            .map(|r| ("addressValidation", verdict(&r.decision))),
    );
    all.extend(
        c.proof_of_residency
            .iter()
            .map(|r| ("proofOfResidency", verdict(&r.decision))),
    );
    all.extend(
        c.driving_license_verification
            .iter()
            .map(|r| ("drivingLicenseVerification", verdict(&r.decision))),
    );
    all
}

fn of<'a>(all: &'a [(&'static str, (String, String))], name: &str) -> Vec<(&'a str, &'a str)> {
    all.iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, (t, l))| (t.as_str(), l.as_str()))
        .collect()
}

async fn run(
    api: &Api,
    key: u64,
    reference: &str,
    front: Vec<u8>,
    back: Vec<u8>,
    face: Vec<u8>,
) -> WorkflowExecutionDetails {
    let created = api.created(&request_with_reference(key, reference)).await;
    api.complete(&created, front, back, face).await
}

async fn run_samples(api: &Api, key: u64, reference: &str) -> WorkflowExecutionDetails {
    run(
        api,
        key,
        reference,
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await
}

#[tokio::test]
async fn selfie_identical_to_the_id_front_is_rejected_as_id_used_as_selfie() {
    let api = Api::start().await;
    let details = run(
        &api,
        10011,
        "order-1",
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("id-front.jpg"),
    )
    .await;
    let all = verdicts(&details);
    assert_eq!(of(&all, "liveness"), [("REJECTED", "ID_USED_AS_SELFIE")]);
    let (kind, score) = overall(&details);
    assert_eq!(kind, "REJECTED");
    assert!(
        (71.0..=100.0).contains(&score),
        "REJECTED scores 71-100, got {score}"
    );
    let liveness = &details
        .capabilities
        .as_ref()
        .expect("capabilities")
        .liveness[0];
    assert!(liveness.valid_face_map_for_authentication.is_none());
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn warning_marker_gives_a_warning_and_a_warning_score() {
    let api = Api::start().await;
    let details = run_samples(&api, 10011, "order-2 #warning").await;
    let all = verdicts(&details);
    assert_eq!(of(&all, "similarity"), [("WARNING", "NOT_POSSIBLE")]);
    let (kind, score) = overall(&details);
    assert_eq!(kind, "WARNING");
    assert!(
        (31.0..=70.0).contains(&score),
        "WARNING scores 31-70, got {score}"
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn reject_marker_rejects_image_checks_and_skips_what_depends_on_them() {
    let api = Api::start().await;
    let details = run_samples(&api, 10013, "order-3#reject").await;
    let all = verdicts(&details);
    assert_eq!(of(&all, "imageChecks"), [("REJECTED", "DIGITAL_COPY")]);
    for dependent in [
        "extraction",
        "dataChecks",
        "watchlistScreening",
        "addressValidation",
        "proofOfResidency",
        "drivingLicenseVerification",
    ] {
        assert_eq!(
            of(&all, dependent),
            [("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")],
            "{dependent}"
        );
    }
    assert_eq!(of(&all, "liveness"), [("PASSED", "OK")]);
    assert!(
        details
            .capabilities
            .as_ref()
            .expect("capabilities")
            .extraction[0]
            .data
            .is_none()
    );
    assert_eq!(overall(&details).0, "REJECTED");
    api.sandbox.shutdown().await;
}

/// Workflow, reference, marked capability, its expected (type, label), overall decision.
type MarkerCase = (
    u64,
    &'static str,
    &'static str,
    (&'static str, &'static str),
    &'static str,
);

#[tokio::test]
async fn per_capability_markers_with_and_without_labels() {
    let api = Api::start().await;
    let cases: [MarkerCase; 8] = [
        (
            10011,
            "a #reject:liveness:MULTIPLE_PEOPLE",
            "liveness",
            ("REJECTED", "MULTIPLE_PEOPLE"),
            "REJECTED",
        ),
        (
            10011,
            "a #warning:liveness",
            "liveness",
            ("WARNING", "AGE_DIFFERENCE"),
            "WARNING",
        ),
        (
            10011,
            "a #reject:dataChecks",
            "dataChecks",
            ("REJECTED", "MISMATCHING_DATAPOINTS"),
            "REJECTED",
        ),
        (
            10011,
            "a #REJECT:similarity",
            "similarity",
            ("REJECTED", "NO_MATCH"),
            "REJECTED",
        ),
        (
            10011,
            "a #warning:imageChecks",
            "imageChecks",
            ("WARNING", "REPEATED_FACE"),
            "WARNING",
        ),
        (
            10013,
            "a #warning:watchlistScreening",
            "watchlistScreening",
            ("WARNING", "ALERT"),
            "WARNING",
        ),
        (
            10013,
            "a #reject:proofOfResidency",
            "proofOfResidency",
            ("REJECTED", "DENY"),
            "REJECTED",
        ),
        (
            10013,
            "a #reject:drivingLicenseVerification #warning:addressValidation",
            "drivingLicenseVerification",
            ("REJECTED", "DENY"),
            "REJECTED",
        ),
    ];
    for (key, reference, capability, expected, decision) in cases {
        let details = run_samples(&api, key, reference).await;
        let all = verdicts(&details);
        assert_eq!(of(&all, capability), [expected], "{reference}");
        assert_eq!(overall(&details).0, decision, "{reference}");
        let others_passed = all
            .iter()
            .filter(|(name, _)| *name != capability && !reference.contains(name))
            .all(|(_, (kind, _))| kind == "PASSED");
        assert!(
            others_passed,
            "{reference}: only the marked capabilities deviate: {all:?}"
        );
    }
    // The screening warning reports hits; the step of a rejected capability is rejected.
    let details = run_samples(&api, 10013, "b #warning:watchlistScreening").await;
    let screening = &details
        .capabilities
        .as_ref()
        .expect("capabilities")
        .watchlist_screening[0];
    assert_eq!(
        screening.data.as_ref().and_then(|d| d.search_results),
        Some(2)
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn usability_rejects_small_and_blurred_images() {
    let api = Api::start().await;
    // Longest side 600 px: accepted by the upload (more than 300) but too small to be usable.
    let details = run(
        &api,
        10011,
        "c",
        png(600, 400, None),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    let all = verdicts(&details);
    assert_eq!(
        of(&all, "usability"),
        [("REJECTED", "BAD_QUALITY"), ("PASSED", "OK")]
    );
    assert_eq!(
        of(&all, "imageChecks"),
        [("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")]
    );
    assert_eq!(
        of(&all, "similarity"),
        [("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")]
    );
    assert_eq!(overall(&details).0, "REJECTED");

    // The committed blurred sample carries the blur marker in its JPEG comment.
    let details = run(
        &api,
        10011,
        "d",
        sample("id-front-blurred.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    assert_eq!(
        of(&verdicts(&details), "usability")[0],
        ("REJECTED", "BLURRED")
    );
    // A small or blurred selfie: liveness cannot run.
    let details = run(
        &api,
        10011,
        "e",
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        png(500, 600, Some("JUMIO-SANDBOX:BLURRED")),
    )
    .await;
    let all = verdicts(&details);
    assert_eq!(of(&all, "usability")[1], ("REJECTED", "BLURRED"));
    assert_eq!(
        of(&all, "liveness"),
        [("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")]
    );
    // A usability marker.
    let details = run_samples(&api, 10011, "f #reject:usability:GLARE").await;
    assert_eq!(
        of(&verdicts(&details), "usability")[0],
        ("REJECTED", "GLARE")
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn identical_front_and_back_mismatch() {
    let api = Api::start().await;
    let details = run(
        &api,
        10011,
        "g",
        sample("id-front.jpg"),
        sample("id-front.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    assert_eq!(
        of(&verdicts(&details), "imageChecks"),
        [("REJECTED", "MISMATCH_FRONT_BACK")]
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn extraction_follows_the_id_filter_and_licence_checks_need_a_us_licence() {
    let api = Api::start().await;
    let mut body = request_with_reference(10013, "h");
    body["workflowDefinition"]["credentials"][0]["type"]["values"] =
        serde_json::json!(["PASSPORT"]);
    body["workflowDefinition"]["credentials"][0]["country"]["values"] = serde_json::json!(["AUT"]);
    let created = api.created(&body).await;
    let details = api
        .complete(
            &created,
            sample("id-front.jpg"),
            sample("id-back.jpg"),
            sample("selfie.jpg"),
        )
        .await;
    let capabilities = details.capabilities.as_ref().expect("capabilities");
    let data = capabilities.extraction[0].data.as_ref().expect("data");
    assert_eq!(
        data.type_.as_ref().map(ToString::to_string).as_deref(),
        Some("PASSPORT")
    );
    assert_eq!(data.issuing_country.as_deref(), Some("AUT"));
    assert!(
        data.document_number
            .as_deref()
            .is_some_and(|n| n.starts_with('P'))
    );
    assert_eq!(
        of(&verdicts(&details), "drivingLicenseVerification"),
        [("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED")]
    );
    assert_eq!(overall(&details).0, "PASSED");
    // The same images give the same document number (derived from the front image).
    let again = run_samples(&api, 10013, "i").await;
    let first = run_samples(&api, 10013, "j").await;
    let number = |d: &WorkflowExecutionDetails| {
        d.capabilities
            .as_ref()
            .and_then(|c| c.extraction[0].data.as_ref())
            .and_then(|x| x.document_number.clone())
    };
    assert_eq!(number(&again), number(&first));
    api.sandbox.shutdown().await;
}
