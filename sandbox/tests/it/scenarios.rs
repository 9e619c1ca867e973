//! The documented scenarios (src/README.md), in-process: each yields its documented decisions and
//! labels.

use jumio_kyx::generated::types::WorkflowExecutionDetails;
use jumio_kyx_test_support::http::{png, sample};
use serde_json::Value;

use crate::app::App;
use crate::fixtures::{jumio_example, request_with_reference};

/// Polling for the flows of these tests through the client: 5 ms at first, at most 20 ms.
fn fast_wait() -> jumio_kyx::WaitOptions {
    use std::time::Duration;
    jumio_kyx::WaitOptions::deadline(Duration::from_secs(20))
        .intervals(Duration::from_millis(5), Duration::from_millis(20))
}

/// Finalizes `session` and waits for its result.
async fn finish(session: jumio_kyx::Session) -> jumio_kyx::VerificationResult {
    session
        .finalize()
        .await
        .unwrap()
        .wait(fast_wait())
        .await
        .unwrap()
}

/// The decision and label of the first result of `capability`.
fn verdict_of(result: &jumio_kyx::VerificationResult, capability: &str) -> (String, String) {
    let outcome = &result.capability(capability)[0];
    (
        outcome.decision.to_string(),
        outcome
            .label
            .as_ref()
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

/// The verdict (type, label) of every capability result, by capability name (usability once per
/// credential), read from the details as a client in any language sees them.
fn verdicts(details: &WorkflowExecutionDetails) -> Vec<(String, (String, String))> {
    let capabilities = details.capabilities.as_ref().expect("capabilities");
    let json = serde_json::to_value(capabilities).expect("capabilities serialise");
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    json.as_object()
        .expect("an object")
        .iter()
        .flat_map(|(name, results)| {
            results.as_array().into_iter().flatten().map(move |result| {
                let decision = &result["decision"];
                let verdict = (text(&decision["type"]), text(&decision["details"]["label"]));
                (name.clone(), verdict)
            })
        })
        .collect()
}

fn of<'a>(all: &'a [(String, (String, String))], name: &str) -> Vec<(&'a str, &'a str)> {
    all.iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, (t, l))| (t.as_str(), l.as_str()))
        .collect()
}

async fn run_samples(app: &App, key: u64, reference: &str) -> WorkflowExecutionDetails {
    let created = app.created(&request_with_reference(key, reference)).await;
    app.complete_with_samples(&created).await
}

#[tokio::test]
async fn warning_marker_gives_a_warning_and_a_warning_score() {
    let app = App::start().await;
    let details = run_samples(&app, 10011, "order-2 #warning").await;
    let all = verdicts(&details);
    assert_eq!(of(&all, "similarity"), [("WARNING", "NOT_POSSIBLE")]);
    let similarity = &details
        .capabilities
        .as_ref()
        .expect("capabilities")
        .similarity[0];
    let outcome = similarity.data.as_ref().and_then(|d| d.similarity.as_ref());
    assert_eq!(
        outcome.map(|o| o.to_string()).as_deref(),
        Some("NOT_POSSIBLE")
    );
    let (kind, score) = overall(&details);
    assert_eq!(kind, "WARNING");
    assert!(
        (31.0..=70.0).contains(&score),
        "WARNING scores 31-70, got {score}"
    );
}

#[tokio::test]
async fn reject_marker_rejects_image_checks_and_skips_what_depends_on_them() {
    let app = App::start().await;
    let details = run_samples(&app, 10013, "order-3#reject").await;
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
    let app = App::start().await;
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
        let details = run_samples(&app, key, reference).await;
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
    let details = run_samples(&app, 10013, "b #warning:watchlistScreening").await;
    let screening = &details
        .capabilities
        .as_ref()
        .expect("capabilities")
        .watchlist_screening[0];
    assert_eq!(
        screening.data.as_ref().and_then(|d| d.search_results),
        Some(2)
    );
}

/// The expected verdicts of one capability: (type, label) of each of its results.
type Expected = (&'static str, &'static [(&'static str, &'static str)]);

/// A reference, the ID front, back and selfie, the verdicts expected and the overall decision.
type ImageCase<'a> = (&'a str, [&'a [u8]; 3], &'a [Expected], &'a str);

const PRECONDITION: (&str, &str) = ("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED");

#[tokio::test]
async fn the_images_select_their_outcomes() {
    let app = App::start().await;
    let [front, back, selfie] = ["id-front.jpg", "id-back.jpg", "selfie.jpg"].map(sample);
    let blurred_front = sample("id-front-blurred.jpg");
    // A longest side of 600 px passes the upload (more than 300) but is too small to be usable.
    let small_front = png(600, 400, None);
    let blurred_selfie = png(500, 600, Some("JUMIO-SANDBOX:BLURRED"));
    let cases: [ImageCase; 6] = [
        (
            "selfie is the ID front",
            [&front, &back, &front],
            &[("liveness", &[("REJECTED", "ID_USED_AS_SELFIE")])],
            "REJECTED",
        ),
        (
            "front is the back",
            [&front, &front, &selfie],
            &[("imageChecks", &[("REJECTED", "MISMATCH_FRONT_BACK")])],
            "REJECTED",
        ),
        (
            "small front",
            [&small_front, &back, &selfie],
            &[
                (
                    "usability",
                    &[("REJECTED", "BAD_QUALITY"), ("PASSED", "OK")],
                ),
                ("imageChecks", &[PRECONDITION]),
                ("similarity", &[PRECONDITION]),
            ],
            "REJECTED",
        ),
        (
            "blurred front",
            [&blurred_front, &back, &selfie],
            &[("usability", &[("REJECTED", "BLURRED"), ("PASSED", "OK")])],
            "REJECTED",
        ),
        (
            "blurred selfie",
            [&front, &back, &blurred_selfie],
            &[
                ("usability", &[("PASSED", "OK"), ("REJECTED", "BLURRED")]),
                ("liveness", &[PRECONDITION]),
                ("similarity", &[PRECONDITION]),
            ],
            "REJECTED",
        ),
        (
            "a usability marker #reject:usability:GLARE",
            [&front, &back, &selfie],
            &[("usability", &[("REJECTED", "GLARE"), ("PASSED", "OK")])],
            "REJECTED",
        ),
    ];
    for (reference, [front, back, face], expected, decision) in cases {
        let created = app.created(&request_with_reference(10011, reference)).await;
        let details = app.complete(&created, front, back, face).await;
        let all = verdicts(&details);
        for (capability, verdicts) in expected {
            assert_eq!(of(&all, capability), *verdicts, "{reference}: {capability}");
        }
        let (kind, score) = overall(&details);
        assert_eq!(kind, decision, "{reference}");
        let band = match decision {
            "PASSED" => 0.0..=30.0,
            "WARNING" => 31.0..=70.0,
            _ => 71.0..=100.0,
        };
        assert!(
            band.contains(&score),
            "{reference}: {decision} scored {score}"
        );
        let liveness = &details
            .capabilities
            .as_ref()
            .expect("capabilities")
            .liveness[0];
        let face_map = liveness.valid_face_map_for_authentication.is_some();
        let live = of(&all, "liveness")[0].0 == "PASSED";
        assert_eq!(
            face_map, live,
            "{reference}: a face map when liveness passed"
        );
    }
}

#[tokio::test]
async fn extraction_follows_the_id_filter_and_licence_checks_need_a_us_licence() {
    let app = App::start().await;
    let mut body = request_with_reference(10013, "h");
    body["workflowDefinition"]["credentials"][0]["type"]["values"] =
        serde_json::json!(["PASSPORT"]);
    body["workflowDefinition"]["credentials"][0]["country"]["values"] = serde_json::json!(["AUT"]);
    let created = app.created(&body).await;
    let details = app.complete_with_samples(&created).await;
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
    let again = run_samples(&app, 10013, "i").await;
    let first = run_samples(&app, 10013, "j").await;
    let number = |d: &WorkflowExecutionDetails| {
        d.capabilities
            .as_ref()
            .and_then(|c| c.extraction[0].data.as_ref())
            .and_then(|x| x.document_number.clone())
    };
    assert_eq!(number(&again), number(&first));
}

#[tokio::test]
async fn the_specimen_has_a_us_address_and_a_number_from_the_front_image() {
    use sha2::Digest as _;

    let app = App::start().await;
    // The default ID filter: a US driving licence, with a state.
    let created = app.created(&request_with_reference(10013, "us")).await;
    let details = app.complete_with_samples(&created).await;
    let capabilities = details.capabilities.as_ref().expect("capabilities");
    let data = capabilities.extraction[0].data.as_ref().expect("data");
    assert_eq!(data.state.as_deref(), Some("IL"));
    let parts = |parts: &Option<jumio_kyx::generated::types::DateParts>| {
        let parts = parts.as_ref().expect("date parts");
        [&parts.year, &parts.month, &parts.day].map(|p| p.clone().unwrap_or_default())
    };
    assert_eq!(data.date_of_birth.as_deref(), Some("1990-01-01"));
    // Born on 1 January: as old as the years since 1990.
    let year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
    assert_eq!(data.current_age, Some(year - 1990));
    assert_eq!(data.first_name.as_deref(), Some("JANE"));
    assert_eq!(data.last_name.as_deref(), Some("DOE"));
    assert_eq!(data.gender.as_deref(), Some("F"));
    assert_eq!(data.nationality.as_deref(), Some("USA"));
    assert_eq!(data.issuing_country.as_deref(), Some("USA"));
    // Liveness predicts the specimen's age, within its decade.
    let liveness = capabilities.liveness[0]
        .data
        .as_ref()
        .expect("liveness data");
    let age = year - 1990;
    assert_eq!(liveness.predicted_age, Some(age));
    let decade = age - age % 10;
    assert_eq!(
        liveness.age_confidence_range.as_deref(),
        Some(format!("{decade}-{}", decade + 9).as_str())
    );
    assert_eq!(parts(&data.date_of_birth_parts), ["1990", "01", "01"]);
    assert_eq!(data.issuing_date.as_deref(), Some("2024-03-01"));
    assert_eq!(parts(&data.issuing_date_parts), ["2024", "03", "01"]);
    assert_eq!(data.expiry_date.as_deref(), Some("2034-03-01"));
    assert_eq!(parts(&data.expiry_date_parts), ["2034", "03", "01"]);
    let address = data.address.as_ref().expect("address");
    assert_eq!(address.subdivision.as_deref(), Some("IL"));
    assert_eq!(address.line1.as_deref(), Some("123 MAIN STREET"));
    assert_eq!(address.city.as_deref(), Some("CHICAGO"));
    assert_eq!(address.postal_code.as_deref(), Some("60601"));
    assert_eq!(address.country.as_deref(), Some("USA"));
    assert_eq!(
        address.formatted_address.as_deref(),
        Some("123 MAIN STREET, CHICAGO, IL 60601, USA")
    );

    // The number: the first four bytes of the front image's SHA-256, big-endian, modulo 10^8
    // (a passport: P and 8 digits) or 10^7 (a driving licence: D and 7 digits).
    let digest = sha2::Sha256::digest(sample("id-front.jpg"));
    let serial = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    assert_eq!(
        data.document_number.as_deref(),
        Some(format!("D{:07}", serial % 10_000_000).as_str())
    );
    let mut body = request_with_reference(10013, "passport");
    body["workflowDefinition"]["credentials"][0]["type"]["values"] =
        serde_json::json!(["PASSPORT"]);
    body["workflowDefinition"]["credentials"][0]["country"]["values"] = serde_json::json!(["AUT"]);
    let details = app.complete_with_samples(&app.created(&body).await).await;
    let data = details
        .capabilities
        .as_ref()
        .expect("capabilities")
        .extraction[0]
        .data
        .clone()
        .expect("data");
    assert_eq!(
        data.document_number.as_deref(),
        Some(format!("P{:08}", serial % 100_000_000).as_str())
    );
    assert_eq!(data.state, None);
    let address = data.address.expect("address");
    assert_eq!(address.subdivision, None);
    assert_eq!(
        address.formatted_address.as_deref(),
        Some("1 SPECIMEN STREET, 1010 SAMPLETOWN, AUT")
    );

    // Each document type has its own type, subtype and number.
    for (document_type, subtype, number) in [
        (
            "PASSPORT",
            "E_PASSPORT",
            format!("P{:08}", serial % 100_000_000),
        ),
        ("VISA", "VISA", format!("V{:08}", serial % 100_000_000)),
        (
            "ID_CARD",
            "NATIONAL_ID",
            format!("ID{:07}", serial % 10_000_000),
        ),
        (
            "DRIVING_LICENSE",
            "REGULAR_DRIVING_LICENSE",
            format!("D{:07}", serial % 10_000_000),
        ),
    ] {
        let mut body = request_with_reference(10013, document_type);
        body["workflowDefinition"]["credentials"][0]["type"]["values"] =
            serde_json::json!([document_type]);
        let details = app.complete_with_samples(&app.created(&body).await).await;
        let capabilities = details.capabilities.as_ref().expect("capabilities");
        let data = capabilities.extraction[0].data.as_ref().expect("data");
        let text = |value: Option<String>| value.unwrap_or_default();
        assert_eq!(
            (
                text(data.type_.as_ref().map(ToString::to_string)),
                text(data.sub_type.as_ref().map(ToString::to_string)),
                text(data.document_number.clone()),
            ),
            (document_type.to_owned(), subtype.to_owned(), number),
        );
        // A driving licence has its category.
        let categories: &[&str] = if document_type == "DRIVING_LICENSE" {
            &["D"]
        } else {
            &[]
        };
        assert_eq!(data.dl_categories, categories, "{document_type}");
    }
}

/// The prepared data decides the checks that read it, as the Workflows section of the sandbox's
/// README documents: each case changes Jumio's own example body, uploads it through the client and
/// reads the one capability's decision and label.
#[tokio::test]
async fn prepared_data_decides_the_checks_that_read_it() {
    use jumio_kyx::{ImageSource, PreparedData, Workflow, WorkflowRequest};
    use jumio_kyx_test_support::flow;
    use serde_json::json;

    fn set(data: &mut Value, path: &[&str], value: Value) {
        let (last, parents) = path.split_last().expect("a path");
        let mut target = data;
        for key in parents {
            target = &mut target[*key];
        }
        match value {
            Value::Null => {
                target.as_object_mut().expect("an object").remove(*last);
            }
            value => target[*last] = value,
        }
    }
    let country = ["address", "country"];
    let usa = (&country[..], json!("USA"));
    let none = Value::Null;
    type Change<'a> = Vec<(&'a [&'a str], Value)>;
    let cases: Vec<(u64, &str, Change, &str, &str)> = vec![
        (10005, "braCpfValidation", vec![], "PASSED", "OK"),
        (
            10005,
            "braCpfValidation",
            vec![(&country, json!("BR"))],
            "PASSED",
            "OK",
        ),
        (
            10005,
            "braCpfValidation",
            vec![usa.clone()],
            "WARNING",
            "UNSUPPORTED_COUNTRY",
        ),
        (
            10005,
            "braCpfValidation",
            vec![(&["personalNumber"], none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (
            10005,
            "braCpfValidation",
            vec![(&["firstName"], none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (
            10005,
            "braCpfValidation",
            vec![(&["lastName"], none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (
            10005,
            "braCpfValidation",
            vec![(&country, none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone()],
            "PASSED",
            "OK",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![(&country, json!("US"))],
            "PASSED",
            "OK",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![],
            "NOT_EXECUTED",
            "UNSUPPORTED_COUNTRY",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["id", "type"], json!("PASSPORT"))],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["id", "idNumber"], none.clone())],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["id"], none.clone())],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["dateOfBirth"], none.clone())],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["firstName"], none.clone())],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (
            10008,
            "drivingLicenseVerification",
            vec![usa.clone(), (&["lastName"], none.clone())],
            "NOT_EXECUTED",
            "VALIDATION_FAILED",
        ),
        (10010, "watchlistScreening", vec![], "PASSED", "OK"),
        (
            10010,
            "watchlistScreening",
            vec![(&["lastName"], none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (
            10010,
            "watchlistScreening",
            vec![(&["firstName"], none.clone())],
            "NOT_EXECUTED",
            "NOT_ENOUGH_DATA",
        ),
        (10006, "biometricVerification", vec![], "PASSED", "LOW_RISK"),
        (
            10006,
            "biometricVerification",
            vec![(&["personalNumber"], none.clone())],
            "NOT_EXECUTED",
            "PRECONDITION_NOT_FULFILLED",
        ),
    ];
    let sandbox = flow::sandbox().await;
    let client = flow::client(&sandbox);
    for (n, (key, capability, changes, decision, label)) in cases.into_iter().enumerate() {
        let mut data = jumio_example("prepared-data-upload-request-10005.json");
        for (path, value) in changes {
            set(&mut data, path, value);
        }
        let case = format!("{key} {capability} {data}");
        let request = WorkflowRequest::new(Workflow::from_key(key), format!("data-{n}"))
            .user_reference("user-1");
        let mut session = client.create_account(&request).await.expect("create");
        let prepared = PreparedData::from_json(data.to_string().as_bytes()).expect(&case);
        session.upload_prepared_data(&prepared).await.expect(&case);
        if key == 10006 {
            session
                .upload_selfie(ImageSource::bytes("selfie.jpg", sample("selfie.jpg")))
                .await
                .expect(&case);
        }
        let result = finish(session).await;
        assert_eq!(
            verdict_of(&result, capability),
            (decision.to_owned(), label.to_owned()),
            "{case}"
        );
    }
    sandbox.shutdown().await;
}

/// A document of workflow 10026 is judged as an image when it is one (a small one is
/// `BAD_QUALITY`) and passes usability as a PDF, which has no pixels to judge; the usability
/// marker applies to it, as the workflow has no ID. Usability is the workflow's only capability,
/// so its verdict is the overall decision.
#[tokio::test]
async fn a_document_is_judged_as_an_image_only_when_it_is_one() {
    use jumio_kyx::{ImageSource, Workflow, WorkflowRequest};
    use jumio_kyx_test_support::flow;

    const PDF: &[u8] =
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let sandbox = flow::sandbox().await;
    let client = flow::client(&sandbox);
    for (name, marker, content, decision, label) in [
        ("statement.pdf", "", PDF.to_vec(), "PASSED", "OK"),
        ("statement.png", "", png(1600, 1200, None), "PASSED", "OK"),
        (
            "small.png",
            "",
            png(500, 400, None),
            "REJECTED",
            "BAD_QUALITY",
        ),
        (
            "glare.pdf",
            " #reject:usability:GLARE",
            PDF.to_vec(),
            "REJECTED",
            "GLARE",
        ),
    ] {
        let reference = format!("doc-{name}{marker}");
        let request =
            WorkflowRequest::new(Workflow::from_key(10026), reference).document("USA", "BS");
        let mut session = client.create_account(&request).await.expect("create");
        session
            .upload_document(ImageSource::bytes(name, content))
            .await
            .expect(name);
        let result = finish(session).await;
        assert_eq!(
            verdict_of(&result, "usability"),
            (decision.to_owned(), label.to_owned()),
            "{name}"
        );
        assert_eq!(result.decision_type().to_string(), decision, "{name}");
    }
    sandbox.shutdown().await;
}

/// Authentication compares the new selfie with a face the account holds: the face map stored by an
/// earlier liveness (10014), or the one uploaded with the request (16). Without one it is not
/// executed and the workflow is `REJECTED`, as Jumio documents.
#[tokio::test]
async fn authentication_needs_a_face_on_file_or_uploaded() {
    use jumio_kyx::{ImageSource, VerificationResult, Workflow, WorkflowRequest};
    use jumio_kyx_test_support::flow;

    let sandbox = flow::sandbox().await;
    let client = flow::client(&sandbox);
    let selfie = || ImageSource::bytes("selfie.jpg", sample("selfie.jpg"));
    let front = || ImageSource::bytes("front.jpg", sample("id-front.jpg"));
    let verdict = |result: &VerificationResult| {
        let (decision, label) = verdict_of(result, "authentication");
        (decision, label, result.decision_type().to_string())
    };
    let expected = |decision: &str, label: &str, overall: &str| {
        (decision.to_owned(), label.to_owned(), overall.to_owned())
    };

    // An account whose first execution ran liveness (10011), one whose first ran none (ID only).
    let mut accounts = Vec::new();
    for (workflow, with_selfie) in [
        (Workflow::IdAndIdentity, true),
        (Workflow::V3IdVerification, false),
    ] {
        let mut session = client
            .create_account(&WorkflowRequest::new(workflow, "first"))
            .await
            .expect("create");
        session.upload_front(front()).await.expect("front");
        if with_selfie {
            session.upload_selfie(selfie()).await.expect("selfie");
        }
        let finalized = session.finalize().await.expect("finalize");
        finalized.wait(fast_wait()).await.expect("result");
        accounts.push(finalized.account_id().to_owned());
    }
    for (account, expected) in [
        (&accounts[0], expected("PASSED", "OK", "PASSED")),
        (
            &accounts[1],
            expected("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED", "REJECTED"),
        ),
    ] {
        let mut session = client
            .update_account(
                account,
                &WorkflowRequest::new(Workflow::Authentication, "again"),
            )
            .await
            .expect("update");
        session.upload_selfie(selfie()).await.expect("selfie");
        let result = finish(session).await;
        assert_eq!(verdict(&result), expected, "10014 on {account}");
        // Authentication predicts no age; liveness does.
        let capabilities = result
            .details()
            .capabilities
            .as_ref()
            .expect("capabilities");
        let data = capabilities.authentication[0].data.as_ref();
        assert_eq!(data.and_then(|d| d.predicted_age), None);
    }
    // Without an ID or a document, the usability marker applies to the selfie.
    let mut session = client
        .update_account(
            &accounts[0],
            &WorkflowRequest::new(Workflow::Authentication, "again #reject:usability:BLURRED"),
        )
        .await
        .expect("update");
    session.upload_selfie(selfie()).await.expect("selfie");
    let result = finish(session).await;
    assert_eq!(
        verdict_of(&result, "usability"),
        ("REJECTED".to_owned(), "BLURRED".to_owned())
    );
    assert_eq!(
        verdict(&result),
        expected("NOT_EXECUTED", "PRECONDITION_NOT_FULFILLED", "REJECTED")
    );

    // 16: the face map comes with the request, on an account that holds none (the client refuses
    // to finalize without it).
    let mut session = client
        .update_account(
            &accounts[1],
            &WorkflowRequest::new(Workflow::from_key(16), "on premise"),
        )
        .await
        .expect("update");
    session.upload_selfie(selfie()).await.expect("selfie");
    session
        .upload_facemap(ImageSource::bytes("facemap.bin", b"a face map".to_vec()))
        .await
        .expect("face map");
    let result = finish(session).await;
    assert_eq!(verdict(&result), expected("PASSED", "OK", "PASSED"), "16");
    sandbox.shutdown().await;
}

/// The address checks of prepared data (the tenant workflow 20002 of `workflows.example.json`:
/// a DATA credential, `addressValidation` and `proofOfResidency`) run on a whole address only:
/// each of its line, city, postal code and country missing leaves them `NOT_EXECUTED` with
/// `NOT_ENOUGH_DATA`.
#[tokio::test]
async fn the_address_checks_of_prepared_data_need_the_whole_address() {
    use jumio_kyx::{PreparedData, Workflow, WorkflowRequest};
    use jumio_kyx_sandbox::{SandboxConfig, WorkflowDefinition};
    use jumio_kyx_test_support::flow;

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows.example.json");
    let sandbox = flow::start(SandboxConfig {
        workflows: WorkflowDefinition::load(path).expect("the example file"),
        processing_delay: std::time::Duration::from_millis(20),
        ..SandboxConfig::default()
    })
    .await;
    let client = flow::client(&sandbox);
    let whole = ("PASSED", "OK");
    let missing = ("NOT_EXECUTED", "NOT_ENOUGH_DATA");
    for (n, (removed, expected)) in [
        (None, whole),
        (Some("line1"), missing),
        (Some("city"), missing),
        (Some("postalCode"), missing),
        (Some("country"), missing),
        (Some(""), missing),
    ]
    .into_iter()
    .enumerate()
    {
        let mut data = jumio_example("prepared-data-upload-request-10005.json");
        match removed {
            Some("") => drop(data.as_object_mut().unwrap().remove("address")),
            Some(field) => drop(data["address"].as_object_mut().unwrap().remove(field)),
            None => {}
        }
        let case = format!("without {removed:?}");
        let request = WorkflowRequest::new(Workflow::from_key(20002), format!("address-{n}"));
        let mut session = client.create_account(&request).await.expect(&case);
        let prepared = PreparedData::from_json(data.to_string().as_bytes()).expect(&case);
        session.upload_prepared_data(&prepared).await.expect(&case);
        let result = finish(session).await;
        let expected = (expected.0.to_owned(), expected.1.to_owned());
        for capability in ["addressValidation", "proofOfResidency"] {
            assert_eq!(
                verdict_of(&result, capability),
                expected,
                "{case} {capability}"
            );
        }
    }
    sandbox.shutdown().await;
}
