//! The ergonomic client against the embedded sandbox: whole flows, the token cache, host checks,
//! and local refusal of bad input with nothing created.

use jumio_kyx_test_support as support;

use jumio_kyx::generated::types;
use jumio_kyx::{Error, ImageSource, JumioClient, Service};
use jumio_kyx::{IdType, Workflow, WorkflowRequest};
use jumio_kyx::{Images, VerifyStep};
use support::flow::{client, images, sandbox, wait};

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
    for capability in [
        "usability",
        "imageChecks",
        "extraction",
        "dataChecks",
        "liveness",
        "similarity",
    ] {
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
    assert_eq!(
        download.bytes,
        std::fs::read(support::sample("id-front.jpg")).unwrap()
    );
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
    for capability in [
        "watchlistScreening",
        "addressValidation",
        "proofOfResidency",
        "drivingLicenseVerification",
    ] {
        assert_eq!(result.capability(capability).len(), 1, "{capability}");
    }
    let steps = client.steps(&ids_of(&result)).await.expect("steps");
    let names: Vec<String> = steps.steps.iter().map(|s| s.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "ID_IV",
            "SCREENING",
            "ADDRESS_VERIFICATION",
            "DL_VERIFICATION"
        ]
    );
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
                front: ImageSource::path(support::sample("id-front.jpg")),
                back: None,
                selfie: ImageSource::path(support::sample("id-front.jpg")),
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
    let client = JumioClient::builder()
        .base_url(sandbox.base_url())
        .service_url(Service::Api, format!("http://localhost:{port}"))
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .user_agent("Example Corp Onboarding/1.0")
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
    let dir = support::temp_dir("bad-input");
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let pdf = write(
        "scan.jpg",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".repeat(100),
    );
    let huge = write("huge.png", support::png(2000, 1500, 10 * 1024 * 1024 + 1));
    let wide = write("wide.png", support::png(8001, 600, 4096));
    let small = write("small.png", support::png(200, 200, 4096));
    let missing = dir.join("missing.jpg");

    let good = WorkflowRequest::new(Workflow::IdAndIdentity, "bad-input");
    let front_cases = [
        (pdf, "scan.jpg is not a JPEG or PNG image"),
        (huge, "Jumio accepts at most 10"),
        (wide, "8000"),
        (small, "more than 300"),
        (missing, "missing.jpg"),
    ];
    for (front, expected) in front_cases {
        let images = Images {
            front: ImageSource::path(&front),
            back: None,
            selfie: ImageSource::path(support::sample("selfie.jpg")),
        };
        let error = client
            .verify(&good, images, wait(), |_| {})
            .await
            .expect_err("refused");
        assert!(error.is_local(), "{error:?}");
        assert!(
            error.to_string().contains(expected),
            "{error} should contain {expected:?}"
        );
    }
    let request_cases = [
        (
            good.clone().countries(["XYZ"]),
            "unknown country code \"XYZ\"",
        ),
        (
            WorkflowRequest::new(Workflow::IdAndIdentity, "r".repeat(101)),
            "at most 100",
        ),
        (
            WorkflowRequest::new(Workflow::IdAndIdentity, "order;42"),
            "forbids any of",
        ),
        (good.clone().token_lifetime("61d"), "5 minutes to 60 days"),
    ];
    for (request, expected) in request_cases {
        let error = client
            .verify(&request, images(), wait(), |_| {})
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
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn wrong_credentials_and_unreachable_hosts_are_clear_errors() {
    let sandbox = sandbox().await;
    let wrong = JumioClient::builder()
        .base_url(sandbox.base_url())
        .credentials(sandbox.client_id(), "not-the-secret")
        .user_agent("Example Corp Onboarding/1.0")
        .build()
        .unwrap();
    let error = wrong
        .verify(
            &WorkflowRequest::new(Workflow::IdAndIdentity, "wrong"),
            images(),
            wait(),
            |_| {},
        )
        .await
        .expect_err("401");
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert!(error.to_string().contains("client credentials"), "{error}");
    assert!(!format!("{error} {error:?}").contains("not-the-secret"));
    assert_eq!(sandbox.account_count(), 0);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let unreachable = JumioClient::builder()
        .base_url(format!("http://{closed}"))
        .credentials("id", "secret")
        .user_agent("Example Corp Onboarding/1.0")
        .build()
        .unwrap();
    let error = unreachable
        .verify(
            &WorkflowRequest::new(Workflow::IdAndIdentity, "unreachable"),
            images(),
            wait(),
            |_| {},
        )
        .await
        .expect_err("unreachable");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        error.to_string().contains("could not reach Jumio"),
        "{error}"
    );

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

/// The ids of a result, as the client takes them.
fn ids_of(result: &jumio_kyx::VerificationResult) -> jumio_kyx::ExecutionIds {
    jumio_kyx::ExecutionIds::new(result.account_id(), result.workflow_execution_id()).expect("ids")
}
