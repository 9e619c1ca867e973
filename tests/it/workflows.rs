//! Every workflow of the table, end to end through the client against the sandbox: account
//! creation (or update, for those that run on an existing account), every part its credentials
//! need, finalization, and a result with exactly that workflow's capabilities and steps.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use jumio_kyx_test_support as support;

use jumio_kyx::generated::types::{self, CredentialCategory, CredentialFilterCategory};
use jumio_kyx::workflows::{Generation, WORKFLOWS, WorkflowInfo};
use jumio_kyx::{
    Error, IdType, ImageSource, JumioClient, PreparedAddress, PreparedData, Session,
    VerificationResult, Workflow, WorkflowRequest,
};
use support::flow::{client, images, sandbox, wait};

/// A minimal PDF: a document of workflow 10026.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Prepared data with every field a workflow may need, in Brazil for the Brazilian checks and in
/// the USA for the others.
fn prepared_data(info: &WorkflowInfo) -> PreparedData {
    let brazil = info.capabilities.iter().any(|c| {
        matches!(
            c,
            jumio_kyx::Capability::BraCpfValidation | jumio_kyx::Capability::BiometricVerification
        )
    });
    let (country, city) = if brazil {
        ("BRA", "SAO PAULO")
    } else {
        ("USA", "CHICAGO")
    };
    PreparedData::new()
        .first_name("JANE")
        .last_name("DOE")
        .date_of_birth(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap())
        .email("jane.doe@example.com")
        .phone_number("+13125550100")
        .personal_number("12345678909")
        .address(
            PreparedAddress::new()
                .line1("123 MAIN STREET")
                .postal_code("60601")
                .city(city)
                .subdivision("IL")
                .country(country),
        )
        .id_document(IdType::DrivingLicense, "D1234567", None, None)
}

/// Uploads every part the credentials of `session` need.
async fn acquire(session: &mut Session, info: &WorkflowInfo) {
    let categories: Vec<CredentialCategory> = session
        .credentials()
        .iter()
        .map(|c| c.category().clone())
        .collect();
    for category in categories {
        let key = info.key;
        match category {
            CredentialCategory::Id => {
                session
                    .upload_front(ImageSource::path(support::sample("id-front.jpg")))
                    .await
                    .unwrap_or_else(|e| panic!("{key} front: {e}"));
                session
                    .upload_back(ImageSource::path(support::sample("id-back.jpg")))
                    .await
                    .unwrap_or_else(|e| panic!("{key} back: {e}"));
            }
            CredentialCategory::Selfie => session
                .upload_selfie(ImageSource::path(support::sample("selfie.jpg")))
                .await
                .unwrap_or_else(|e| panic!("{key} selfie: {e}")),
            CredentialCategory::Data => {
                session
                    .upload_prepared_data(&prepared_data(info))
                    .await
                    .unwrap_or_else(|e| panic!("{key} prepared data: {e}"));
            }
            CredentialCategory::Document => session
                .upload_document(ImageSource::bytes("statement.pdf", PDF))
                .await
                .unwrap_or_else(|e| panic!("{key} document: {e}")),
            CredentialCategory::Facemap => session
                .upload_facemap(ImageSource::bytes("facemap.bin", b"a face map".to_vec()))
                .await
                .unwrap_or_else(|e| panic!("{key} face map: {e}")),
            other => panic!("{key}: unexpected credential {other}"),
        }
    }
}

/// A processed 10011 account: the face map and ID that authentication and workflow 5 reuse.
async fn existing_account(client: &JumioClient) -> VerificationResult {
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "existing-account");
    client
        .verify(&request, images(), wait(), |_| {})
        .await
        .expect("the 10011 account")
}

fn request_for(info: &WorkflowInfo, existing: Option<&VerificationResult>) -> WorkflowRequest {
    let mut request =
        WorkflowRequest::new(Workflow::from_key(info.key), format!("wf-{}", info.key));
    if info.user_reference_required {
        request = request.user_reference("user-1");
    }
    if info.credential(&CredentialCategory::Document).is_some() {
        request = request.document("USA", "BS");
    }
    for credential in info.credentials.iter().filter(|c| c.existing) {
        let earlier = existing.expect("an existing account");
        let id = earlier
            .details()
            .credentials
            .iter()
            .find(|c| c.category == credential.category)
            .expect("the credential on file")
            .id
            .clone();
        let category: CredentialFilterCategory = credential
            .category
            .to_string()
            .parse()
            .expect("a filter category");
        request = request.link_credential(category, id);
    }
    request
}

#[tokio::test]
async fn every_documented_workflow_runs_end_to_end() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    for info in WORKFLOWS {
        let key = info.key;
        let existing = if info.existing_account {
            Some(existing_account(&client).await)
        } else {
            None
        };
        let request = request_for(info, existing.as_ref());
        let mut session = match &existing {
            Some(earlier) => client.update_account(earlier.account_id(), &request).await,
            None => client.create_account(&request).await,
        }
        .unwrap_or_else(|e| panic!("{key} create: {e}"));
        acquire(&mut session, info).await;
        assert!(session.missing_parts().is_empty(), "{key}");
        let finalized = session
            .finalize()
            .await
            .unwrap_or_else(|e| panic!("{key} finalize: {e}"));
        let result = finalized
            .wait(wait())
            .await
            .unwrap_or_else(|e| panic!("{key} result: {e}"));

        let expected: BTreeSet<&str> = info.capabilities.iter().map(|c| c.name()).collect();
        let found: BTreeSet<String> = result
            .capabilities()
            .into_iter()
            .map(|c| c.capability)
            .collect();
        let found: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        assert_eq!(found, expected, "capabilities of {key}");
        for outcome in result.capabilities() {
            assert_eq!(
                outcome.decision,
                types::DecisionType::Passed,
                "{key} {}: {:?}",
                outcome.capability,
                outcome.label
            );
        }
        assert_eq!(result.decision_type(), types::DecisionType::Passed, "{key}");
        assert_eq!(
            result.details().workflow.definition_key.as_deref(),
            Some(key.to_string().as_str())
        );

        let steps = client.steps(finalized.ids()).await;
        match info.generation {
            Generation::Kyx => {
                let names: Vec<String> = steps
                    .unwrap_or_else(|e| panic!("{key} steps: {e}"))
                    .steps
                    .iter()
                    .map(|s| s.name.to_string())
                    .collect();
                let expected: Vec<String> =
                    info.steps().iter().map(|(n, _)| n.to_string()).collect();
                assert_eq!(names, expected, "steps of {key}");
            }
            _ => assert_eq!(
                steps.unwrap_err().status().map(|s| s.as_u16()),
                Some(404),
                "{key} is not a KYX workflow"
            ),
        }
    }
}

#[tokio::test]
async fn a_workflow_refuses_locally_what_it_lacks() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let cases = [
        (
            WorkflowRequest::new(Workflow::WatchlistScreening, "r"),
            "needs a userReference",
        ),
        (
            WorkflowRequest::new(Workflow::Document, "r"),
            "country and type of its DOCUMENT credential",
        ),
        (
            WorkflowRequest::new(Workflow::Authentication, "r"),
            "runs on an existing account",
        ),
        (
            WorkflowRequest::new(Workflow::V3SimilarityToExistingId, "r"),
            "link it by its id",
        ),
    ];
    for (request, needle) in cases {
        let error = client.create_account(&request).await.unwrap_err();
        assert!(matches!(error, Error::Validation { .. }), "{error}");
        assert!(error.to_string().contains(needle), "{error}");
    }
    assert_eq!(sandbox.account_count(), 0);
}

#[tokio::test]
async fn authentication_without_a_stored_face_fails_as_jumio_documents() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    // An account whose only workflow execution stores no face map (ID verification only).
    let mut first = client
        .create_account(&WorkflowRequest::new(Workflow::V3IdVerification, "no-face"))
        .await
        .expect("create");
    acquire(&mut first, Workflow::V3IdVerification.info().unwrap()).await;
    let account = first.account_id().to_owned();
    first
        .finalize()
        .await
        .expect("finalize")
        .wait(wait())
        .await
        .expect("result");

    let mut session = client
        .update_account(
            &account,
            &WorkflowRequest::new(Workflow::Authentication, "authenticate"),
        )
        .await
        .expect("update");
    acquire(&mut session, Workflow::Authentication.info().unwrap()).await;
    let result = session
        .finalize()
        .await
        .expect("finalize")
        .wait(wait())
        .await
        .expect("result");
    let authentication = &result.capability("authentication")[0];
    assert_eq!(authentication.decision, types::DecisionType::NotExecuted);
    assert_eq!(
        authentication
            .label
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("PRECONDITION_NOT_FULFILLED")
    );
    assert_eq!(result.decision_type(), types::DecisionType::Rejected);
}

#[test]
fn the_readmes_list_the_table() {
    let table = jumio_kyx::workflows::markdown_table();
    for path in ["README.md", "sandbox/src/README.md"] {
        let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .expect("readme");
        let block = text
            .split_once("a test keeps it equal -->\n")
            .and_then(|(_, rest)| rest.split_once("<!-- /workflows -->"))
            .map(|(block, _)| block)
            .unwrap_or_else(|| panic!("{path} has no workflow table"));
        assert_eq!(
            block, table,
            "{path}: paste the output of `jumio-kyx workflows` between the markers"
        );
    }
}

#[tokio::test]
async fn markers_select_the_outcomes_of_the_new_capabilities() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let cases = [
        (
            10005,
            "#reject:braCpfValidation",
            "braCpfValidation",
            "REJECTED",
            "DENY",
        ),
        (
            10006,
            "#warning:biometricVerification",
            "biometricVerification",
            "WARNING",
            "MEDIUM_RISK",
        ),
        (
            10008,
            "#reject",
            "drivingLicenseVerification",
            "REJECTED",
            "DENY",
        ),
    ];
    for (key, marker, capability, decision, label) in cases {
        let info = jumio_kyx::workflows::lookup(key).unwrap();
        let request = WorkflowRequest::new(Workflow::from_key(key), format!("m {marker}"));
        let mut session = client.create_account(&request).await.expect("create");
        acquire(&mut session, info).await;
        let result = session
            .finalize()
            .await
            .unwrap()
            .wait(wait())
            .await
            .unwrap();
        let outcome = &result.capability(capability)[0];
        assert_eq!(outcome.decision.to_string(), decision, "{key} {marker}");
        assert_eq!(
            outcome.label.as_ref().unwrap().to_string(),
            label,
            "{key} {marker}"
        );
    }
    let error = client
        .create_account(&WorkflowRequest::new(
            Workflow::CpfValidation,
            "m #warning:liveness",
        ))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("does not run in workflow 10005"),
        "{error}"
    );
}
