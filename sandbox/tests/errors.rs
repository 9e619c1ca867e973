//! Every error of the sandbox: its documented status, a precise `ErrorBody`, and no change of state.

use jumio_kyx_test_support::http as sandbox_common;

use reqwest::StatusCode;
use sandbox_common::{Api, error, png, sample, seed_request};
use serde_json::json;

#[tokio::test]
async fn token_endpoint_rejects_wrong_credentials_and_grants() {
    let api = Api::start().await;
    let url = api.url("/oauth2/token");
    let wrong_secret = api
        .http
        .post(&url)
        .basic_auth(api.sandbox.client_id(), Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    error(wrong_secret, StatusCode::UNAUTHORIZED).await;
    let no_basic = api
        .http
        .post(&url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    error(no_basic, StatusCode::UNAUTHORIZED).await;
    let wrong_grant = api
        .http
        .post(&url)
        .basic_auth(api.sandbox.client_id(), Some(api.sandbox.client_secret()))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("request");
    let body = error(wrong_grant, StatusCode::UNAUTHORIZED).await;
    assert!(
        body.detail
            .unwrap_or_default()
            .contains("client_credentials")
    );
    let no_grant = api
        .http
        .post(&url)
        .basic_auth(api.sandbox.client_id(), Some(api.sandbox.client_secret()))
        .form(&[("scope", "x")])
        .send()
        .await
        .expect("request");
    assert_eq!(
        error(no_grant, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("grant_type")
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn every_call_needs_a_user_agent() {
    let api = Api::start().await;
    let bare = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    for (method, path) in [
        (reqwest::Method::GET, "/"),
        (reqwest::Method::POST, "/oauth2/token"),
        (reqwest::Method::POST, "/api/v1/accounts"),
        (
            reqwest::Method::GET,
            "/api/v1/accounts/a/workflow-executions/w/status",
        ),
    ] {
        let response = bare
            .request(method, api.url(path))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("request");
        let body = error(response, StatusCode::FORBIDDEN).await;
        assert!(body.detail.unwrap_or_default().contains("User-Agent"));
    }
    let empty = bare
        .get(api.url("/"))
        .header("User-Agent", "  ")
        .send()
        .await
        .expect("request");
    error(empty, StatusCode::FORBIDDEN).await;
    assert_eq!(
        api.sandbox.token_requests(),
        1,
        "a refused token request never reaches the endpoint"
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn tokens_are_checked_and_never_interchangeable() {
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, None)).await;

    // No token, a forged token, and the transaction token on account and retrieval calls.
    let none = api
        .http
        .post(api.url("/api/v1/accounts"))
        .json(&seed_request(10011, None))
        .send()
        .await
        .expect("request");
    error(none, StatusCode::UNAUTHORIZED).await;
    let forged = api
        .http
        .get(format!("{}/status", created.execution_url))
        .bearer_auth("eyJ.eyJ.sig")
        .send()
        .await
        .expect("request");
    error(forged, StatusCode::UNAUTHORIZED).await;
    let transaction_on_retrieval = api
        .http
        .get(format!("{}/status", created.execution_url))
        .bearer_auth(&created.token)
        .send()
        .await
        .expect("request");
    error(transaction_on_retrieval, StatusCode::UNAUTHORIZED).await;
    let sdk_token = created
        .response
        .sdk
        .clone()
        .and_then(|s| s.token)
        .expect("sdk token");
    let sdk_on_create = api
        .http
        .post(api.url("/api/v1/accounts"))
        .bearer_auth(&sdk_token)
        .json(&seed_request(10011, None))
        .send()
        .await
        .expect("request");
    error(sdk_on_create, StatusCode::UNAUTHORIZED).await;
    assert_eq!(api.sandbox.account_count(), 1);

    // The access token on upload and finalize, and another execution's transaction token.
    let access_upload = api
        .upload(
            &created.front,
            &api.token,
            sample("id-front.jpg"),
            "front.jpg",
        )
        .await;
    error(access_upload, StatusCode::UNAUTHORIZED).await;
    let access_finalize = api
        .http
        .put(&created.finalize)
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("request");
    error(access_finalize, StatusCode::UNAUTHORIZED).await;
    let other = api.created(&seed_request(10011, None)).await;
    let foreign = api
        .upload(
            &created.front,
            &other.token,
            sample("id-front.jpg"),
            "front.jpg",
        )
        .await;
    error(foreign, StatusCode::UNAUTHORIZED).await;
    let foreign_finalize = api
        .http
        .put(&created.finalize)
        .bearer_auth(&other.token)
        .send()
        .await
        .expect("request");
    error(foreign_finalize, StatusCode::UNAUTHORIZED).await;
    let details = api.details(&created).await;
    assert!(
        details.credentials.is_empty(),
        "nothing was stored by rejected calls"
    );

    // An access token past its lifetime.
    let short = Api::start_with(jumio_kyx_sandbox::SandboxConfig {
        access_token_ttl: std::time::Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let token = short.token.clone();
    let start = std::time::Instant::now();
    loop {
        let response = short
            .http
            .get(short.url("/api/v1/accounts/a/workflow-executions/w/status"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        if response.status() == StatusCode::UNAUTHORIZED {
            assert!(
                error(response, StatusCode::UNAUTHORIZED)
                    .await
                    .detail
                    .unwrap_or_default()
                    .contains("expired")
            );
            break;
        }
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "valid until it expires"
        );
        assert!(
            start.elapsed() < sandbox_common::DEADLINE,
            "the token never expired"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    short.sandbox.shutdown().await;
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn invalid_account_requests_name_the_field_and_create_nothing() {
    let api = Api::start().await;
    let with = |pointer: &str, value: serde_json::Value| {
        let mut body = seed_request(10011, None);
        *body.pointer_mut(pointer).expect("pointer exists") = value;
        body
    };
    let mut missing_reference = seed_request(10011, None);
    missing_reference
        .as_object_mut()
        .expect("object")
        .remove("customerInternalReference");
    let cases = [
        (missing_reference, "customerInternalReference", "required"),
        (
            with("/customerInternalReference", json!("a/b")),
            "customerInternalReference",
            "<>\"/;`%{}|",
        ),
        (
            with("/customerInternalReference", json!("x".repeat(101))),
            "customerInternalReference",
            "101 characters",
        ),
        (
            with("/customerInternalReference", json!("")),
            "customerInternalReference",
            "empty",
        ),
        (
            with("/tokenLifetime", json!("4m")),
            "tokenLifetime",
            "at least 5m",
        ),
        (
            with("/tokenLifetime", json!("61d")),
            "tokenLifetime",
            "at most 60d",
        ),
        (
            with("/tokenLifetime", json!("30 minutes")),
            "tokenLifetime",
            "s, m, h or d",
        ),
        (
            with("/workflowDefinition/key", json!(10014)),
            "workflowDefinition.key",
            "10011",
        ),
        (
            with("/workflowDefinition/key", json!("10011")),
            "workflowDefinition.key",
            "invalid type",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/country/values/1",
                json!("XYZ"),
            ),
            "workflowDefinition.credentials[0].country.values[1]",
            "ISO 3166-1",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/type/values/0",
                json!("SELFIE_CARD"),
            ),
            "workflowDefinition.credentials[0].type.values[0]",
            "ID_CARD",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/category",
                json!("DOCUMENT"),
            ),
            "workflowDefinition.credentials[0].category",
            "DOCUMENT",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/category",
                json!("PASSPORT"),
            ),
            "workflowDefinition.credentials[0].category",
            "PASSPORT",
        ),
        (with("/web/locale", json!("xx")), "web.locale", "xx"),
        (
            with("/web/successUrl", json!("http://example.com/ok")),
            "web.successUrl",
            "https",
        ),
        (
            with("/userReference", json!("u".repeat(101))),
            "userReference",
            "at most 100",
        ),
        (
            with(
                "/customerInternalReference",
                json!("order-1 #reject:similarity:FAKE"),
            ),
            "customerInternalReference",
            "NO_MATCH",
        ),
        (
            with(
                "/customerInternalReference",
                json!("order-1 #warning:watchlistScreening"),
            ),
            "customerInternalReference",
            "10013",
        ),
    ];
    for (body, field, needle) in cases {
        let found = error(api.create(&body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(found.field.as_deref(), Some(field), "{found:?}");
        let detail = found.detail.unwrap_or_default();
        assert!(
            detail.contains(needle),
            "detail {detail:?} should mention {needle:?}"
        );
    }
    for (url, needle) in [
        ("YOUR_CALLBACK_URL", "absolute URL"),
        ("http://kyc.example.com/callback", "https"),
        ("https://203.0.113.7/callback", "IP"),
        ("https://kyc.example.com:8443/callback", "port"),
        ("https://kyc.example.com/callback#x", "fragment"),
        ("ftp://kyc.example.com/callback", "https"),
    ] {
        let found = error(
            api.create(&seed_request(10011, Some(url))).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(found.field.as_deref(), Some("callbackUrl"));
        assert!(found.detail.unwrap_or_default().contains(needle), "{url}");
    }
    let consent = |value: serde_json::Value| {
        let mut body = seed_request(10011, None);
        body["userConsent"] = value;
        body
    };
    for (value, field) in [
        (
            json!({ "userIp": "not-an-ip", "userLocation": { "country": "AUT" } }),
            "userConsent.userIp",
        ),
        (
            json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA" } }),
            "userConsent.consent",
        ),
        (
            json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA" }, "consent": { "obtained": "yes" } }),
            "userConsent.consent.obtainedAt",
        ),
    ] {
        let found = error(api.create(&consent(value)).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(found.field.as_deref(), Some(field));
    }
    let not_json = api
        .http
        .post(api.url("/api/v1/accounts"))
        .bearer_auth(&api.token)
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .expect("request");
    error(not_json, StatusCode::BAD_REQUEST).await;
    let wrong_type = api
        .http
        .post(api.url("/api/v1/accounts"))
        .bearer_auth(&api.token)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(
        error(wrong_type, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("Content-Type")
    );
    assert_eq!(
        api.sandbox.account_count(),
        0,
        "no rejected request created an account"
    );

    // A loopback http callback is the sandbox's allowance; update of an unknown account is 404.
    assert_eq!(
        api.create(&seed_request(10011, Some("http://127.0.0.1:9/cb")))
            .await
            .status(),
        StatusCode::OK
    );
    let unknown = api
        .http
        .put(api.url("/api/v1/accounts/00000000-0000-0000-0000-000000000000"))
        .bearer_auth(&api.token)
        .json(&seed_request(10011, None))
        .send()
        .await
        .expect("request");
    error(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(api.sandbox.account_count(), 1);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn rejected_uploads_name_the_problem_and_keep_the_stored_part() {
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, None)).await;
    api.uploaded(&created.front, &created.token, sample("id-front.jpg"))
        .await;

    let mut too_big = png(1000, 800, None);
    too_big.resize(11 * 1024 * 1024, 0);
    let mut way_too_big = png(1000, 800, None);
    way_too_big.resize(13 * 1024 * 1024, 0);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"GIF89a not an image we take".to_vec(),
            "neither a JPEG nor a PNG",
        ),
        (Vec::new(), "empty"),
        (too_big, "11.0 MB; Jumio accepts at most 10.0 MB"),
        (way_too_big, "at most 10.0 MB"),
        (png(8001, 600, None), "at most 8000×8000"),
        (png(300, 200, None), "more than 300 pixels"),
        (
            vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0],
            "cannot be read",
        ),
    ];
    for (bytes, needle) in cases {
        let found = error(
            api.upload(&created.front, &created.token, bytes, "front.jpg")
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(found.field.as_deref(), Some("file"));
        let detail = found.detail.unwrap_or_default();
        assert!(
            detail.contains(needle),
            "detail {detail:?} should mention {needle:?}"
        );
    }
    // The classifier must fit the credential.
    let face_on_id = created.front.replace("/parts/FRONT", "/parts/FACE");
    let found = error(
        api.upload(&face_on_id, &created.token, sample("selfie.jpg"), "a.jpg")
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(found.field.as_deref(), Some("classifier"));
    let back_on_selfie = created.face.replace("/parts/FACE", "/parts/BACK");
    error(
        api.upload(
            &back_on_selfie,
            &created.token,
            sample("id-back.jpg"),
            "a.jpg",
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let unknown_classifier = created.front.replace("/parts/FRONT", "/parts/SIDE");
    error(
        api.upload(
            &unknown_classifier,
            &created.token,
            sample("id-front.jpg"),
            "a.jpg",
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // No field `file`.
    let form = reqwest::multipart::Form::new().text("image", "x");
    let no_file = api
        .http
        .post(&created.front)
        .bearer_auth(&created.token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(
        error(no_file, StatusCode::BAD_REQUEST)
            .await
            .field
            .as_deref(),
        Some("file")
    );
    // Unknown ids.
    let unknown_credential = created.front.replace(
        &created.id_credential,
        "00000000-0000-0000-0000-000000000000",
    );
    error(
        api.upload(
            &unknown_credential,
            &created.token,
            sample("id-front.jpg"),
            "a.jpg",
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let unknown_execution = created
        .front
        .replace(&created.execution, "00000000-0000-0000-0000-000000000000");
    error(
        api.upload(
            &unknown_execution,
            &created.token,
            sample("id-front.jpg"),
            "a.jpg",
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The stored front is still the first upload.
    let part_url = api.url(&format!(
        "/api/v1/accounts/{}/credentials/{}/parts/FRONT",
        created.account, created.id_credential
    ));
    let stored = api.get(&part_url).await.bytes().await.expect("bytes");
    assert_eq!(stored.to_vec(), sample("id-front.jpg"));
    assert_eq!(api.sandbox.stats().parts_uploaded, 1);

    // A valid re-upload replaces it (PNG, detected by content whatever the name).
    let replacement = png(1200, 800, None);
    let response = api
        .upload(
            &created.front,
            &created.token,
            replacement.clone(),
            "front.jpg",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = api.get(&part_url).await;
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), replacement);
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn finalize_needs_the_front_and_the_face_and_takes_effect_once() {
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, None)).await;
    let found = error(api.finalize(&created).await, StatusCode::BAD_REQUEST).await;
    let detail = found.detail.unwrap_or_default();
    assert!(
        detail.contains("ID FRONT") && detail.contains("SELFIE FACE"),
        "{detail}"
    );
    api.uploaded(&created.front, &created.token, sample("id-front.jpg"))
        .await;
    let found = error(api.finalize(&created).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(found.field.as_deref(), Some("SELFIE FACE"));
    assert!(!found.detail.unwrap_or_default().contains("ID FRONT"));
    assert_eq!(
        api.status(&created)
            .await
            .workflow_execution
            .status
            .to_string(),
        "INITIATED"
    );

    api.uploaded(&created.face, &created.token, sample("selfie.jpg"))
        .await;
    api.finalized(&created).await;
    let callbacks_before = api.sandbox.stats();
    // Finalizing again (a client repeating a finalize whose answer it lost) answers as the first
    // time and changes nothing.
    let again = api.finalize(&created).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        api.sandbox.stats(),
        callbacks_before,
        "no second status change"
    );
    let late = api
        .upload(
            &created.back,
            &created.token,
            sample("id-back.jpg"),
            "back.jpg",
        )
        .await;
    error(late, StatusCode::BAD_REQUEST).await;
    api.wait_for(&created, "PROCESSED").await;
    let details = api.details(&created).await;
    assert!(
        details
            .credentials
            .iter()
            .all(|c| c.parts.iter().all(|p| p.classifier.to_string() != "BACK"))
    );
    api.sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_deletion_removes_the_data() {
    let api = Api::start().await;
    let created = api.created(&seed_request(10011, None)).await;
    api.complete(
        &created,
        sample("id-front.jpg"),
        sample("id-back.jpg"),
        sample("selfie.jpg"),
    )
    .await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    let account = &created.account;
    for path in [
        format!("/api/v1/accounts/{account}/workflow-executions/{unknown}"),
        format!("/api/v1/accounts/{account}/workflow-executions/{unknown}/status"),
        format!("/api/v1/accounts/{account}/workflow-executions/{unknown}/steps"),
        format!(
            "/api/v1/accounts/{unknown}/workflow-executions/{}",
            created.execution
        ),
        format!("/api/v1/accounts/{account}/credentials/{unknown}/parts/FRONT"),
        format!(
            "/api/v1/accounts/{account}/credentials/{}/parts/FRONT_WITH_FLASH",
            created.id_credential
        ),
        "/api/v1/nothing-here".to_owned(),
    ] {
        error(api.get(&api.url(&path)).await, StatusCode::NOT_FOUND).await;
    }

    // Delete the workflow execution: its retrieval is gone, the account stays.
    let delete = api
        .http
        .delete(&created.execution_url)
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(delete.status(), StatusCode::OK);
    error(
        api.get(&format!("{}/status", created.execution_url)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    error(api.get(&created.execution_url).await, StatusCode::NOT_FOUND).await;
    let again = api
        .http
        .delete(&created.execution_url)
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("delete");
    error(again, StatusCode::NOT_FOUND).await;
    assert_eq!(api.sandbox.account_count(), 1);

    // Delete an account: everything of it is gone.
    let other = api.created(&seed_request(10011, None)).await;
    api.uploaded(&other.front, &other.token, sample("id-front.jpg"))
        .await;
    let without_token = api
        .http
        .delete(api.url(&format!("/api/v1/accounts/{}", other.account)))
        .send()
        .await
        .expect("delete");
    error(without_token, StatusCode::UNAUTHORIZED).await;
    let delete = api
        .http
        .delete(api.url(&format!("/api/v1/accounts/{}", other.account)))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(delete.status(), StatusCode::OK);
    error(
        api.get(&format!("{}/status", other.execution_url)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let part = api.url(&format!(
        "/api/v1/accounts/{}/credentials/{}/parts/FRONT",
        other.account, other.id_credential
    ));
    error(api.get(&part).await, StatusCode::NOT_FOUND).await;
    error(
        api.upload(&other.back, &other.token, sample("id-back.jpg"), "back.jpg")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(api.sandbox.account_count(), 1);
    api.sandbox.shutdown().await;
}
