//! The ergonomic client against the embedded sandbox: whole flows, the token cache, host checks,
//! and local refusal of bad input with nothing created.

use jumio_kyx_test_support as support;

use jumio_kyx::generated::types;
use jumio_kyx::{Error, ImageSource, JumioClient, Service};
use jumio_kyx::{IdType, Workflow, WorkflowRequest};
use jumio_kyx::{Images, VerifyStep};
use support::expected::{CAPABILITIES_10011, CAPABILITIES_10013_EXTRA, STEPS_10013};
use support::flow::{client, client_builder, front_and_selfie, ids_of, images, sandbox, wait};
use support::images::Png;
use support::temp::TempDir;

#[tokio::test]
async fn a_10011_verification_in_a_few_lines() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "order-10011")
        .user_reference("user-1")
        .id_types([IdType::DrivingLicense, IdType::IdCard])
        .countries(["USA"]);

    let mut session = client.create_account(&request).await.expect("create");
    assert!(session.web_href().is_some() && session.sdk_token().is_some());
    session
        .upload_front(ImageSource::path(support::sample("id-front.jpg")))
        .await
        .expect("front");
    session
        .upload_back(ImageSource::path(support::sample("id-back.jpg")))
        .await
        .expect("back");
    session
        .upload_selfie(ImageSource::path(support::sample("selfie.jpg")))
        .await
        .expect("selfie");
    let finalized = session.finalize().await.expect("finalize");
    let result = finalized.wait(wait()).await.expect("result");

    assert_eq!(result.status(), &types::WorkflowStatus::Processed);
    assert_eq!(result.decision_type(), types::DecisionType::Passed);
    let names: Vec<String> = result
        .capabilities()
        .into_iter()
        .map(|c| c.capability)
        .collect();
    for capability in CAPABILITIES_10011 {
        assert!(
            names.iter().any(|n| n == capability),
            "{capability} missing from {names:?}"
        );
    }
    assert!(
        result
            .extracted()
            .and_then(|d| d.last_name.as_deref())
            .is_some()
    );

    // Retrieval of the stored image, then deletion.
    let front = result
        .details()
        .credentials
        .iter()
        .find(|c| c.category == types::CredentialCategory::Id)
        .expect("ID credential");
    let download = client
        .download_part(
            result.account_id(),
            &front.id,
            &types::PartClassifier::Front,
        )
        .await
        .expect("download");
    assert_eq!(download.bytes, support::sample_bytes("id-front.jpg"));
    assert_eq!(download.content_type.as_deref(), Some("image/jpeg"));
    client
        .delete_account(result.account_id())
        .await
        .expect("delete");
    let gone = client.status(&ids_of(&result)).await.unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404), "{gone}");
    assert_eq!(client.token_requests(), 1);
}

#[tokio::test]
async fn a_10013_verification_with_progress_and_steps() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request = WorkflowRequest::new(Workflow::IdAndIdentityScreening, "order-10013")
        .user_reference("user-2");
    let mut steps = Vec::new();
    let result = client
        .verify(&request, images(), wait(), |step| steps.push(step))
        .await
        .expect("verification");
    assert!(matches!(steps[0], VerifyStep::Checked { total_bytes } if total_bytes > 0));
    assert!(matches!(steps[1], VerifyStep::Created { .. }));
    assert_eq!(
        steps
            .iter()
            .filter(|s| matches!(s, VerifyStep::Uploaded { .. }))
            .count(),
        3
    );
    assert_eq!(steps.last(), Some(&VerifyStep::Finalized));
    for capability in CAPABILITIES_10013_EXTRA {
        assert_eq!(result.capability(capability).len(), 1, "{capability}");
    }
    let steps = client.steps(&ids_of(&result)).await.expect("steps");
    let names: Vec<String> = steps.steps.iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, STEPS_10013);
}

#[tokio::test]
async fn a_selfie_identical_to_the_id_front_is_rejected() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "order-selfie");
    let result = client
        .verify(
            &request,
            Images {
                selfie: ImageSource::path(support::sample("id-front.jpg")),
                ..front_and_selfie()
            },
            wait(),
            |_| {},
        )
        .await
        .expect("verification completes");
    assert_eq!(result.decision_type(), types::DecisionType::Rejected);
    let liveness = result.capability("liveness");
    assert_eq!(liveness[0].decision, types::DecisionType::Rejected);
    assert_eq!(
        liveness[0].label.as_ref().map(|l| l.as_str()),
        Some("ID_USED_AS_SELFIE")
    );
}

#[tokio::test]
async fn fifty_concurrent_flows_share_one_token_request() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("concurrent-{i}"));
            client.verify(&request, images(), wait(), |_| {}).await
        }));
    }
    for task in tasks {
        let result = task.await.expect("task").expect("flow");
        assert_eq!(result.status(), &types::WorkflowStatus::Processed);
    }
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(client.token_requests(), 1);
}

#[tokio::test]
async fn links_to_a_foreign_host_get_no_token_and_the_account_is_removed() {
    let sandbox = sandbox().await;
    // The sandbox answers with links on 127.0.0.1; the client trusts only "localhost" for uploads.
    let port = sandbox.local_addr().port();
    let client = client_builder(&sandbox)
        .service_url(Service::Api, format!("http://localhost:{port}"))
        .build()
        .expect("client");
    let error = client
        .create_account(&WorkflowRequest::new(Workflow::IdAndIdentity, "foreign"))
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::UntrustedHost { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("refusing to send the transaction token"),
        "{error}"
    );
    assert_eq!(
        sandbox.account_count(),
        0,
        "the refused account was deleted"
    );
}

#[tokio::test]
async fn bad_input_is_refused_locally_and_creates_nothing() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let dir = TempDir::new("bad-input");
    let pdf = dir.file(
        "scan.jpg",
        &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".repeat(100),
    );
    let png = |width, height, total| Png::new(width, height).padded_to(total).build();
    let huge = dir.file("huge.png", &png(2000, 1500, 10 * 1024 * 1024 + 1));
    let wide = dir.file("wide.png", &png(8001, 600, 4096));
    let small = dir.file("small.png", &png(200, 200, 4096));
    let missing = dir.join("missing.jpg");

    let good = WorkflowRequest::new(Workflow::IdAndIdentity, "bad-input");
    let with_front = |front: &std::path::Path| Images {
        front: ImageSource::path(front),
        ..front_and_selfie()
    };
    let cases = [
        (
            good.clone(),
            with_front(&pdf),
            "scan.jpg is not a JPEG or PNG image",
        ),
        (good.clone(), with_front(&huge), "Jumio accepts at most 10"),
        (good.clone(), with_front(&wide), "8000"),
        (good.clone(), with_front(&small), "more than 300"),
        (good.clone(), with_front(&missing), "missing.jpg"),
        (
            good.clone().countries(["XYZ"]),
            images(),
            "unknown country code \"XYZ\"",
        ),
        (
            WorkflowRequest::new(Workflow::IdAndIdentity, "r".repeat(101)),
            images(),
            "at most 100",
        ),
        (
            WorkflowRequest::new(Workflow::IdAndIdentity, "order;42"),
            images(),
            "forbids any of",
        ),
        (
            good.clone().token_lifetime("61d"),
            images(),
            "5 minutes to 60 days",
        ),
    ];
    for (request, images, expected) in cases {
        let error = client
            .verify(&request, images, wait(), |_| {})
            .await
            .expect_err("refused");
        assert!(error.is_local(), "{error:?}");
        assert!(
            error.to_string().contains(expected),
            "{error} should contain {expected:?}"
        );
    }
    assert_eq!(sandbox.account_count(), 0);
    assert_eq!(sandbox.token_requests(), 0, "nothing reached the sandbox");
}

#[tokio::test]
async fn wrong_credentials_and_unreachable_hosts_are_clear_errors() {
    let sandbox = sandbox().await;
    let wrong = client_builder(&sandbox)
        .credentials(sandbox.client_id(), "not-the-secret")
        .build()
        .unwrap();
    let unreachable = JumioClient::builder()
        .base_url(support::closed_url())
        .credentials("id", "secret")
        .user_agent("Example Corp Onboarding/1.0")
        .build()
        .unwrap();
    type IsKind = fn(&Error) -> bool;
    let cases: [(JumioClient, &str, IsKind, &str); 2] = [
        (
            wrong,
            "wrong",
            |e| matches!(e, Error::Unauthorized { .. }),
            "client credentials",
        ),
        (
            unreachable,
            "unreachable",
            |e| matches!(e, Error::Transport { .. }),
            "could not reach Jumio",
        ),
    ];
    for (client, reference, is_expected_kind, message) in cases {
        let request = WorkflowRequest::new(Workflow::IdAndIdentity, reference);
        let error = client
            .verify(&request, images(), wait(), |_| {})
            .await
            .expect_err(reference);
        assert!(is_expected_kind(&error), "{error:?}");
        assert!(error.to_string().contains(message), "{error}");
        assert!(!format!("{error} {error:?}").contains("not-the-secret"));
    }
    assert_eq!(sandbox.account_count(), 0);

    let empty_agent = JumioClient::builder()
        .credentials("id", "secret")
        .user_agent("  ")
        .build();
    assert!(matches!(empty_agent, Err(Error::Config(m)) if m.contains("User-Agent")));
    let plain_http = JumioClient::builder()
        .credentials("id", "secret")
        .user_agent("x")
        .base_url("http://jumio.example.com")
        .build();
    assert!(matches!(plain_http, Err(Error::Config(m)) if m.contains("https")));
}

#[tokio::test]
async fn consent_given_at_creation_is_reported_with_the_result() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let obtained_at = "2026-11-30T10:00:00Z".parse().unwrap();
    let consent = jumio_kyx::UserConsent::obtained(
        "203.0.113.7".parse().unwrap(),
        types::CountryCode::Usa,
        obtained_at,
    );
    let request =
        WorkflowRequest::new(Workflow::IdAndIdentity, "order-consent").user_consent(consent);
    let result = client
        .verify(&request, images(), wait(), |_| {})
        .await
        .expect("verify");
    let consent = result
        .details()
        .consent
        .as_ref()
        .expect("transaction consent");
    assert_eq!(consent.obtained, types::ConsentObtained::Yes);
    assert_eq!(consent.obtained_at, Some(obtained_at));
    for credential in &result.details().credentials {
        let consent = credential.consent.as_ref().expect("credential consent");
        assert_eq!(consent.decision_accepted, Some(true));
        assert_eq!(consent.collected_by.as_deref(), Some("CUSTOMER"));
    }

    // Without userConsent, neither level reports one.
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "order-no-consent");
    let result = client
        .verify(&request, images(), wait(), |_| {})
        .await
        .expect("verify");
    assert!(result.details().consent.is_none());
    assert!(
        result
            .details()
            .credentials
            .iter()
            .all(|c| c.consent.is_none())
    );
}
