//! Every error of the sandbox, in-process: its documented status, a precise `ErrorBody`, and no
//! change of state. Each kind of rejection is a table.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header};
use jumio_kyx_sandbox::{FaultConfig, FaultKind, SandboxConfig};
use jumio_kyx_test_support::http::{DEADLINE, png, sample};
use serde_json::{Value, json};

use crate::app::{App, FormField};
use crate::fixtures::{jpeg, jpeg_with_two_frames, jumio_example, seed_request};

const UNKNOWN: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn token_endpoint_rejects_wrong_credentials_and_grants() {
    let app = App::start().await;
    let (id, secret) = (app.sandbox.client_id(), app.sandbox.client_secret());
    let form = "application/x-www-form-urlencoded";
    let grant = "grant_type=client_credentials";
    // What is wrong, the client credentials, the body, the answer: status, field, a word of it.
    type TokenCase<'a> = (
        &'a str,
        Option<(&'a str, &'a str)>,
        (&'a str, &'a str),
        StatusCode,
        Option<&'a str>,
        &'a str,
    );
    let cases: [TokenCase; 6] = [
        (
            "wrong secret",
            Some((id, "not-the-secret")),
            (form, grant),
            StatusCode::UNAUTHORIZED,
            None,
            "wrong client id or secret",
        ),
        (
            "wrong id",
            Some(("someone-else", secret)),
            (form, grant),
            StatusCode::UNAUTHORIZED,
            None,
            "wrong client id or secret",
        ),
        (
            "no credentials",
            None,
            (form, grant),
            StatusCode::UNAUTHORIZED,
            None,
            "HTTP Basic",
        ),
        (
            "another grant",
            Some((id, secret)),
            (form, "grant_type=password"),
            StatusCode::BAD_REQUEST,
            Some("grant_type"),
            "client_credentials",
        ),
        (
            "no grant",
            Some((id, secret)),
            (form, "scope=x"),
            StatusCode::BAD_REQUEST,
            Some("grant_type"),
            "grant_type is required",
        ),
        (
            "not a form",
            Some((id, secret)),
            ("application/json", r#"{"grant_type":"client_credentials"}"#),
            StatusCode::BAD_REQUEST,
            Some("Content-Type"),
            "form",
        ),
    ];
    for (what, credentials, (content_type, body), status, field, needle) in cases {
        let mut call = app
            .call(Method::POST, "/oauth2/token")
            .body(content_type, body.to_owned());
        if let Some((id, secret)) = credentials {
            call = call.basic(id, secret);
        }
        let answer = call.send().await;
        let found = answer.error(status);
        assert_eq!(found.field.as_deref(), field, "{what}");
        let detail = found.detail.unwrap_or_default();
        assert!(detail.contains(needle), "{what}: {detail}");
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(
                answer.headers[header::WWW_AUTHENTICATE],
                "Basic realm=\"jumio-kyx-sandbox\"",
                "{what}"
            );
        }
    }
    let stats = app.sandbox.stats();
    assert_eq!(stats.token_requests, 1 + cases.len() as u64);
    assert_eq!(stats.tokens_issued, 1, "only the token of App::start");
}

#[tokio::test]
async fn every_call_needs_a_user_agent() {
    let app = App::start().await;
    // The call, and the User-Agent it sends (none at all, or blank).
    let cases = [
        (Method::GET, "/", None),
        (Method::POST, "/oauth2/token", None),
        (Method::POST, "/api/v1/accounts", None),
        (
            Method::GET,
            "/api/v1/accounts/a/workflow-executions/w/status",
            None,
        ),
        (Method::GET, "/no/such/path", None),
        (Method::GET, "/", Some("  ")),
        (Method::POST, "/oauth2/token", Some("")),
    ];
    for (method, path, user_agent) in cases {
        let call = app.call(method.clone(), path).anonymous();
        let call = match user_agent {
            Some(value) => call.header(header::USER_AGENT, value),
            None => call,
        };
        let found = call
            .bearer(&app.token)
            .send()
            .await
            .error(StatusCode::FORBIDDEN);
        let detail = found.detail.unwrap_or_default();
        assert!(detail.contains("User-Agent"), "{method} {path}: {detail}");
    }
    assert_eq!(
        app.sandbox.token_requests(),
        1,
        "a refused token request never reaches the endpoint"
    );
}

/// What a request of [`tokens_are_checked_and_never_interchangeable`] carries.
enum Payload {
    Nothing,
    Account,
    Image,
}

#[tokio::test]
async fn tokens_are_checked_and_never_interchangeable() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    let other = app.created(&seed_request(10011, None)).await;
    let sdk_token = created
        .response
        .sdk
        .clone()
        .and_then(|s| s.token)
        .expect("an SDK token");
    let status = format!("{}/status", created.execution_url);
    // What is presented where: the call, its token, what it carries; each is 401.
    let cases = [
        (
            "no token on create",
            Method::POST,
            "/api/v1/accounts",
            None,
            Payload::Account,
        ),
        (
            "a forged token on status",
            Method::GET,
            status.as_str(),
            Some("eyJ.eyJ.sig"),
            Payload::Nothing,
        ),
        (
            "a transaction token on status",
            Method::GET,
            status.as_str(),
            Some(created.token.as_str()),
            Payload::Nothing,
        ),
        (
            "an SDK token on create",
            Method::POST,
            "/api/v1/accounts",
            Some(sdk_token.as_str()),
            Payload::Account,
        ),
        (
            "an access token on upload",
            Method::POST,
            created.front.as_str(),
            Some(app.token.as_str()),
            Payload::Image,
        ),
        (
            "an access token on finalize",
            Method::PUT,
            created.finalize.as_str(),
            Some(app.token.as_str()),
            Payload::Nothing,
        ),
        (
            "another execution's token on upload",
            Method::POST,
            created.front.as_str(),
            Some(other.token.as_str()),
            Payload::Image,
        ),
        (
            "another execution's token on finalize",
            Method::PUT,
            created.finalize.as_str(),
            Some(other.token.as_str()),
            Payload::Nothing,
        ),
        (
            "no token on delete",
            Method::DELETE,
            created.execution_url.as_str(),
            None,
            Payload::Nothing,
        ),
    ];
    for (what, method, url, token, payload) in cases {
        let call = app.call(method, url);
        let call = match token {
            Some(token) => call.bearer(token),
            None => call,
        };
        let call = match payload {
            Payload::Nothing => call,
            Payload::Account => call.json(&seed_request(10011, None)),
            Payload::Image => call.file(&sample("id-front.jpg"), "front.jpg"),
        };
        let answer = call.send().await;
        answer.error(StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.headers[header::WWW_AUTHENTICATE],
            "Bearer realm=\"jumio-kyx-sandbox\"",
            "{what}"
        );
    }
    assert_eq!(app.sandbox.account_count(), 2);
    assert!(
        app.details(&created).await.credentials.is_empty(),
        "nothing was stored by rejected calls"
    );
    assert_eq!(
        app.status(&created)
            .await
            .workflow_execution
            .status
            .as_str(),
        "INITIATED"
    );
}

#[tokio::test]
async fn an_access_token_stops_working_when_it_expires() {
    let app = App::start_with(SandboxConfig {
        access_token_ttl: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let start = Instant::now();
    loop {
        let answer = app
            .get("/api/v1/accounts/a/workflow-executions/w/status")
            .await;
        if answer.status == StatusCode::UNAUTHORIZED {
            let detail = answer.error(StatusCode::UNAUTHORIZED).detail;
            assert!(detail.unwrap_or_default().contains("expired"));
            break;
        }
        answer.error(StatusCode::NOT_FOUND);
        assert!(start.elapsed() < DEADLINE, "the token never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Jumio's 10011 example with the value at `pointer` set (or, with `None`, removed).
fn with(pointer: &str, value: Option<Value>) -> Value {
    let mut body = seed_request(10011, None);
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    let parent = body.pointer_mut(parent).expect("the parent exists");
    match (value, parent) {
        (Some(value), Value::Array(items)) => {
            items[key.parse::<usize>().expect("an index")] = value;
        }
        (Some(value), Value::Object(members)) => {
            members.insert(key.to_owned(), value);
        }
        (None, Value::Object(members)) => {
            members.remove(key);
        }
        (_, other) => panic!("{pointer}: cannot edit {other}"),
    }
    body
}

#[tokio::test]
async fn invalid_account_requests_name_the_field_and_create_nothing() {
    let app = App::start().await;
    let consent = |value: Value| {
        let mut body = seed_request(10011, None);
        body["userConsent"] = value;
        body
    };
    // The body, the field the answer names, and a word of its detail.
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with("/customerInternalReference", None),
            "customerInternalReference",
            "required",
        ),
        (
            with("/customerInternalReference", Some(json!("a/b"))),
            "customerInternalReference",
            "<>\"/;`%{}|",
        ),
        (
            with("/customerInternalReference", Some(json!("x".repeat(101)))),
            "customerInternalReference",
            "101 characters",
        ),
        (
            with("/customerInternalReference", Some(json!(""))),
            "customerInternalReference",
            "empty",
        ),
        (
            with(
                "/customerInternalReference",
                Some(json!("order-1 #reject:similarity:FAKE")),
            ),
            "customerInternalReference",
            "NO_MATCH",
        ),
        (
            with(
                "/customerInternalReference",
                Some(json!("order-1 #warning:watchlistScreening")),
            ),
            "customerInternalReference",
            "10013",
        ),
        (
            with("/tokenLifetime", Some(json!("4m"))),
            "tokenLifetime",
            "5 minutes to 60 days",
        ),
        (
            with("/tokenLifetime", Some(json!("61d"))),
            "tokenLifetime",
            "5 minutes to 60 days",
        ),
        (
            with("/tokenLifetime", Some(json!("30 minutes"))),
            "tokenLifetime",
            "s, m, h or d",
        ),
        (
            with("/workflowDefinition/key", Some(json!(10014))),
            "workflowDefinition.key",
            "existing account",
        ),
        (
            with("/workflowDefinition/key", Some(json!("ten"))),
            "workflowDefinition.key",
            "not a workflow key",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/country/values/1",
                Some(json!("XYZ")),
            ),
            "workflowDefinition.credentials[0].country.values[1]",
            "ISO 3166-1",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/type/values/0",
                Some(json!("SELFIE_CARD")),
            ),
            "workflowDefinition.credentials[0].type.values[0]",
            "ID_CARD",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/type/values/0",
                Some(json!("passport")),
            ),
            "workflowDefinition.credentials[0].type.values[0]",
            "upper-case code",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/category",
                Some(json!("DOCUMENT")),
            ),
            "workflowDefinition.credentials[0].category",
            "DOCUMENT",
        ),
        (
            with(
                "/workflowDefinition/credentials/0/category",
                Some(json!("PASSPORT")),
            ),
            "workflowDefinition.credentials[0].category",
            "PASSPORT",
        ),
        (
            with(
                "/workflowDefinition/credentials",
                Some(json!([{ "category": "ID" }, { "category": "ID" }])),
            ),
            "workflowDefinition.credentials[1].category",
            "listed twice",
        ),
        (
            with("/workflowDefinition/credentials/0/id", Some(json!(UNKNOWN))),
            "workflowDefinition.credentials[0].id",
            "not an acquired credential",
        ),
        (with("/web/locale", Some(json!("xx"))), "web.locale", "xx"),
        (
            with("/web/successUrl", Some(json!("http://example.com/ok"))),
            "web.successUrl",
            "https",
        ),
        (
            with(
                "/web/errorUrl",
                Some(json!(format!("https://example.com/{}", "e".repeat(240)))),
            ),
            "web.errorUrl",
            "at most 255",
        ),
        (
            with("/userReference", Some(json!("u".repeat(101)))),
            "userReference",
            "at most 100",
        ),
        (
            with("/reportingCriteria", Some(json!("r".repeat(256)))),
            "reportingCriteria",
            "at most 255",
        ),
        // The seed's placeholder is not a URL, and Jumio's rules for callbacks.
        (
            seed_request(10011, Some("YOUR_CALLBACK_URL")),
            "callbackUrl",
            "absolute URL",
        ),
        (
            seed_request(10011, Some("http://kyc.example.com/callback")),
            "callbackUrl",
            "https",
        ),
        (
            seed_request(10011, Some("https://203.0.113.7/callback")),
            "callbackUrl",
            "IP address",
        ),
        (
            seed_request(10011, Some("https://kyc.example.com:8443/callback")),
            "callbackUrl",
            "port",
        ),
        (
            seed_request(10011, Some("https://kyc.example.com/callback#x")),
            "callbackUrl",
            "fragment",
        ),
        (
            seed_request(10011, Some("ftp://kyc.example.com/callback")),
            "callbackUrl",
            "https",
        ),
        (
            consent(json!({ "userIp": "not-an-ip", "userLocation": { "country": "AUT" } })),
            "userConsent.userIp",
            "not an IPv4 or IPv6 address",
        ),
        (
            consent(json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA" } })),
            "userConsent.consent",
            "required when userConsent.userLocation.country is USA",
        ),
        (
            consent(
                json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA" }, "consent": { "obtained": "yes" } }),
            ),
            "userConsent.consent.obtainedAt",
            "required when consent.obtained is yes",
        ),
        (
            consent(
                json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA" }, "consent": { "obtained": "yes", "obtainedAt": "2020-01-01T00:00:00Z" } }),
            ),
            "userConsent.consent.obtainedAt",
            "older than 1095 days",
        ),
        (
            consent(
                json!({ "userIp": "203.0.113.7", "userLocation": { "country": "USA", "state": "" } }),
            ),
            "userConsent.userLocation.state",
            "empty",
        ),
    ];
    for (body, field, needle) in &cases {
        let found = app.create(body).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(found.field.as_deref(), Some(*field), "{found:?}");
        let detail = found.detail.unwrap_or_default();
        assert!(
            detail.contains(needle),
            "{field}: detail {detail:?} should mention {needle:?}"
        );
    }
    // Bodies that are not an account request at all: the content type, the body, the field.
    let not_requests = [
        ("application/json", "{", None),
        ("application/json", "[1, 2]", None),
        ("text/plain", "{}", Some("Content-Type")),
    ];
    for (content_type, body, field) in not_requests {
        let found = app
            .call(Method::POST, "/api/v1/accounts")
            .bearer(&app.token)
            .body(content_type, body)
            .send()
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(found.field.as_deref(), field, "{content_type} {body}");
    }
    assert_eq!(
        app.sandbox.account_count(),
        0,
        "no rejected request created an account"
    );

    // A loopback http callback is the sandbox's allowance; update of an unknown account is 404.
    let local = app
        .create(&seed_request(10011, Some("http://127.0.0.1:9/cb")))
        .await;
    assert_eq!(local.status, StatusCode::OK);
    app.call(Method::PUT, &format!("/api/v1/accounts/{UNKNOWN}"))
        .bearer(&app.token)
        .json(&seed_request(10011, None))
        .send()
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(app.sandbox.account_count(), 1);
}

#[tokio::test]
async fn rejected_uploads_name_the_problem_and_keep_the_stored_part() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    app.uploaded(&created.front, &created.token, &sample("id-front.jpg"))
        .await;

    let sized = |mut bytes: Vec<u8>, len: usize| {
        bytes.resize(len, 0);
        bytes
    };
    let mut not_ihdr = png(1000, 800, None);
    not_ihdr[12..16].copy_from_slice(b"tEXt");
    // The file, and a word of the answer's detail.
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"GIF89a not an image we take".to_vec(),
            "neither a JPEG nor a PNG",
        ),
        (b"%PDF-1.7\n".to_vec(), "neither a JPEG nor a PNG"),
        (Vec::new(), "empty"),
        (
            sized(png(1000, 800, None), 11 * 1024 * 1024),
            "11.0 MB; Jumio accepts at most 10.0 MB",
        ),
        (
            sized(png(1000, 800, None), 10 * 1024 * 1024 + 1),
            "10485761 bytes",
        ),
        (png(8001, 600, None), "at most 8000×8000"),
        (jpeg(600, 8001), "at most 8000×8000"),
        (png(300, 200, None), "more than 300 pixels"),
        (jpeg(300, 300), "more than 300 pixels"),
        (png(0, 1000, None), "0×1000"),
        (jpeg(1000, 0), "1000×0"),
        (
            jpeg_with_two_frames(1000, 800),
            "more than one frame header",
        ),
        (not_ihdr, "cannot be read"),
        (b"\x89PNG\r\n\x1a\n\0\0".to_vec(), "cannot be read"),
        (jpeg(1000, 800)[..24].to_vec(), "cannot be read"),
    ];
    for (bytes, needle) in cases {
        let found = app
            .upload(&created.front, &created.token, &bytes, "front.jpg")
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(found.field.as_deref(), Some("file"));
        let detail = found.detail.unwrap_or_default();
        assert!(
            detail.contains(needle),
            "detail {detail:?} should mention {needle:?}"
        );
    }

    // Where it is uploaded: the link, the image, the answer and the field it names.
    let face_on_id = created.front.replace("/parts/FRONT", "/parts/FACE");
    let back_on_selfie = created.face.replace("/parts/FACE", "/parts/BACK");
    let unknown_classifier = created.front.replace("/parts/FRONT", "/parts/SIDE");
    let unknown_credential = created.front.replace(&created.id_credential, UNKNOWN);
    let unknown_execution = created.front.replace(&created.execution, UNKNOWN);
    let unknown_account = created.front.replace(&created.account, UNKNOWN);
    let places = [
        (
            &face_on_id,
            "selfie.jpg",
            StatusCode::BAD_REQUEST,
            Some("classifier"),
        ),
        (
            &back_on_selfie,
            "id-back.jpg",
            StatusCode::BAD_REQUEST,
            Some("classifier"),
        ),
        (
            &unknown_classifier,
            "id-front.jpg",
            StatusCode::BAD_REQUEST,
            Some("classifier"),
        ),
        (
            &unknown_credential,
            "id-front.jpg",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            &unknown_execution,
            "id-front.jpg",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            &unknown_account,
            "id-front.jpg",
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (url, image, status, field) in places {
        let found = app
            .upload(url, &created.token, &sample(image), image)
            .await
            .error(status);
        assert_eq!(found.field.as_deref(), field, "{url}");
    }
    // Multipart bodies without exactly one `file`: the fields, a word of the answer.
    let image = sample("id-front.jpg");
    let mut too_many: Vec<FormField> = vec![("note", None, &b"x"[..]); 8];
    too_many.push(("file", Some("a.jpg"), &image));
    let bodies: [(&[FormField], &str); 4] = [
        (&too_many, "more than 8 fields"),
        (&[("image", None, b"x")], "no field `file`"),
        (&[], "no field `file`"),
        (
            &[
                ("file", Some("a.jpg"), &image),
                ("file", Some("b.jpg"), &image),
            ],
            "more than one field `file`",
        ),
    ];
    for (fields, needle) in bodies {
        let found = app
            .call(Method::POST, &created.front)
            .bearer(&created.token)
            .multipart(fields)
            .send()
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(found.field.as_deref(), Some("file"));
        assert!(
            found.detail.unwrap_or_default().contains(needle),
            "{needle}"
        );
    }
    let not_multipart = app
        .call(Method::POST, &created.front)
        .bearer(&created.token)
        .json(&json!({ "file": "id-front.jpg" }))
        .send()
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(
        not_multipart
            .detail
            .unwrap_or_default()
            .contains("multipart/form-data")
    );

    // The stored front is still the first upload.
    let part_url = format!(
        "/api/v1/accounts/{}/credentials/{}/parts/FRONT",
        created.account, created.id_credential
    );
    assert_eq!(app.get(&part_url).await.body, sample("id-front.jpg"));
    assert_eq!(app.sandbox.stats().parts_uploaded, 1);

    // A valid re-upload replaces it (PNG, detected by content whatever the name).
    let replacement = png(1200, 800, None);
    let answer = app
        .upload(&created.front, &created.token, &replacement, "front.jpg")
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let stored = app.get(&part_url).await;
    assert_eq!(stored.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(stored.body, replacement);
}

#[tokio::test]
async fn prepared_data_is_checked_then_refused_for_want_of_a_data_credential() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    let url = created
        .front
        .replace("/parts/FRONT", "/parts/PREPARED_DATA");
    // The body (Jumio's example, or broken), the field the answer names, a word of its detail.
    let example = jumio_example("prepared-data-upload-request-10005.json");
    let cases = [
        (example.to_string(), "credentialId", "DATA credentials"),
        ("{".to_owned(), "", "not valid JSON"),
        (
            json!({ "firstName": 7 }).to_string(),
            "firstName",
            "firstName",
        ),
    ];
    for (body, field, needle) in cases {
        let found = app
            .call(Method::POST, &url)
            .bearer(&created.token)
            .body("application/json", body)
            .send()
            .await
            .error(StatusCode::BAD_REQUEST);
        assert_eq!(found.field.unwrap_or_default(), field);
        let detail = found.detail.unwrap_or_default();
        assert!(detail.contains(needle), "{detail}");
    }
}

#[tokio::test]
async fn finalize_needs_the_front_and_the_face_and_takes_effect_once() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    let detail = app
        .finalize(&created)
        .await
        .error(StatusCode::BAD_REQUEST)
        .detail
        .unwrap_or_default();
    assert!(
        detail.contains("ID FRONT") && detail.contains("SELFIE FACE"),
        "{detail}"
    );
    app.uploaded(&created.front, &created.token, &sample("id-front.jpg"))
        .await;
    let found = app.finalize(&created).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(found.field.as_deref(), Some("SELFIE FACE"));
    assert!(!found.detail.unwrap_or_default().contains("ID FRONT"));
    assert_eq!(
        app.status(&created)
            .await
            .workflow_execution
            .status
            .as_str(),
        "INITIATED"
    );

    app.uploaded(&created.face, &created.token, &sample("selfie.jpg"))
        .await;
    assert_eq!(app.finalize(&created).await.status, StatusCode::OK);
    let before = app.sandbox.stats();
    // Finalizing again (a client repeating a finalize whose answer it lost) answers as the first
    // time and changes nothing.
    assert_eq!(app.finalize(&created).await.status, StatusCode::OK);
    assert_eq!(app.sandbox.stats(), before, "no second status change");
    let late = app
        .upload(
            &created.back,
            &created.token,
            &sample("id-back.jpg"),
            "back.jpg",
        )
        .await
        .error(StatusCode::BAD_REQUEST);
    assert!(
        late.detail
            .unwrap_or_default()
            .contains("finalized already")
    );
    app.wait_for(&created, "PROCESSED").await;
    let details = app.details(&created).await;
    assert!(
        details
            .credentials
            .iter()
            .all(|c| c.parts.iter().all(|p| p.classifier.as_str() != "BACK"))
    );
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_deletion_removes_the_data() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    app.complete_with_samples(&created).await;
    let account = &created.account;
    let not_found = [
        format!("/api/v1/accounts/{account}/workflow-executions/{UNKNOWN}"),
        format!("/api/v1/accounts/{account}/workflow-executions/{UNKNOWN}/status"),
        format!("/api/v1/accounts/{account}/workflow-executions/{UNKNOWN}/steps"),
        format!(
            "/api/v1/accounts/{UNKNOWN}/workflow-executions/{}",
            created.execution
        ),
        format!("/api/v1/accounts/{account}/credentials/{UNKNOWN}/parts/FRONT"),
        format!(
            "/api/v1/accounts/{UNKNOWN}/credentials/{}/parts/FRONT",
            created.id_credential
        ),
        format!(
            "/api/v1/accounts/{account}/credentials/{}/parts/FRONT_WITH_FLASH",
            created.id_credential
        ),
        format!(
            "/api/v1/accounts/{account}/credentials/{}/parts/SOMETHING",
            created.id_credential
        ),
        "/api/v1/nothing-here".to_owned(),
        "/api/v1/accounts/".to_owned(),
    ];
    for path in &not_found {
        app.get(path).await.error(StatusCode::NOT_FOUND);
    }

    // Delete the workflow execution: its retrieval is gone, the account stays.
    let delete = |url: &str| app.call(Method::DELETE, url).bearer(&app.token);
    assert_eq!(
        delete(&created.execution_url).send().await.status,
        StatusCode::OK
    );
    for url in [
        format!("{}/status", created.execution_url),
        created.execution_url.clone(),
    ] {
        app.get(&url).await.error(StatusCode::NOT_FOUND);
    }
    delete(&created.execution_url)
        .send()
        .await
        .error(StatusCode::NOT_FOUND);
    assert_eq!(app.sandbox.account_count(), 1);

    // Delete an account: everything of it is gone.
    let other = app.created(&seed_request(10011, None)).await;
    app.uploaded(&other.front, &other.token, &sample("id-front.jpg"))
        .await;
    let account_url = format!("/api/v1/accounts/{}", other.account);
    assert_eq!(delete(&account_url).send().await.status, StatusCode::OK);
    delete(&account_url)
        .send()
        .await
        .error(StatusCode::NOT_FOUND);
    app.get(&format!("{}/status", other.execution_url))
        .await
        .error(StatusCode::NOT_FOUND);
    app.get(&format!(
        "/api/v1/accounts/{}/credentials/{}/parts/FRONT",
        other.account, other.id_credential
    ))
    .await
    .error(StatusCode::NOT_FOUND);
    app.upload(
        &other.back,
        &other.token,
        &sample("id-back.jpg"),
        "back.jpg",
    )
    .await
    .error(StatusCode::NOT_FOUND);
    assert_eq!(app.sandbox.account_count(), 1);
    assert_eq!(
        app.sandbox.stats().stored_bytes,
        0,
        "the bytes of deleted data are given back"
    );
}

#[tokio::test]
async fn faults_name_the_operation_of_the_route_and_spare_the_rest() {
    let app = App::without_token(SandboxConfig {
        faults: FaultConfig::none().with_rate(FaultKind::InternalError, 1.0),
        ..SandboxConfig::default()
    });
    // The request (made-up ids, no valid token), and the operation it is, if any.
    let execution = "/api/v1/accounts/a/workflow-executions/w";
    let parts = format!("{execution}/credentials/c/parts");
    let cases = [
        (
            Method::POST,
            "/oauth2/token".to_owned(),
            Some("requestAccessToken"),
        ),
        (
            Method::POST,
            "/api/v1/accounts".to_owned(),
            Some("createAccount"),
        ),
        (
            Method::PUT,
            "/api/v1/accounts/a".to_owned(),
            Some("updateAccount"),
        ),
        (
            Method::DELETE,
            "/api/v1/accounts/a".to_owned(),
            Some("deleteAccount"),
        ),
        (
            Method::PUT,
            execution.to_owned(),
            Some("finalizeWorkflowExecution"),
        ),
        (
            Method::GET,
            execution.to_owned(),
            Some("getWorkflowExecution"),
        ),
        (
            Method::DELETE,
            execution.to_owned(),
            Some("deleteWorkflowExecution"),
        ),
        (
            Method::GET,
            format!("{execution}/status"),
            Some("getWorkflowExecutionStatus"),
        ),
        (
            Method::GET,
            format!("{execution}/steps"),
            Some("getWorkflowExecutionSteps"),
        ),
        (
            Method::POST,
            format!("{parts}/FRONT"),
            Some("uploadCredentialPart"),
        ),
        (
            Method::POST,
            format!("{parts}/PREPARED_DATA"),
            Some("uploadPreparedData"),
        ),
        (
            Method::GET,
            "/api/v1/accounts/a/credentials/c/parts/FRONT".to_owned(),
            Some("getCredentialPart"),
        ),
        (Method::GET, "/".to_owned(), None),
        (Method::GET, "/oauth2/token".to_owned(), None),
        (Method::POST, "/api/v1/accounts/".to_owned(), None),
        (Method::PATCH, "/api/v1/accounts/a".to_owned(), None),
        (Method::GET, "/nothing".to_owned(), None),
    ];
    for (method, path, operation) in &cases {
        let before = app.sandbox.faults().len();
        let answer = app
            .call(method.clone(), path)
            .bearer("not-a-token")
            .send()
            .await;
        let records = app.sandbox.faults();
        match operation {
            Some(operation) => {
                answer.error(StatusCode::INTERNAL_SERVER_ERROR);
                let record = records.last().expect("a record");
                assert_eq!(record.operation, *operation, "{method} {path}");
                assert_eq!(
                    (record.method.as_str(), record.path.as_str()),
                    (method.as_str(), path.as_str())
                );
            }
            None => {
                assert_ne!(
                    answer.status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {path}"
                );
                assert_eq!(records.len(), before, "{method} {path} is not faulted");
            }
        }
    }
    assert_eq!(app.sandbox.eligible_requests(), 12);
}
