//! `jumio-kyx proxy`: the binary between a client and a server of the API, stopped with SIGTERM.
//! A whole flow against the sandbox gives no finding; a server that drifts from the spec gives one
//! finding per drift, classified, with its pointer and without a value; `--record` writes
//! fixtures without a value of the traffic; and bytes, status and headers pass unchanged.

use jumio_kyx_test_support as support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use jumio_kyx::{JumioClient, Workflow, WorkflowRequest};
use jumio_kyx_sandbox::SandboxConfig;
use serde_json::{Value, json};
use support::temp::TempDir;

/// A running `jumio-kyx proxy`.
struct Proxy {
    child: Child,
    url: String,
    stderr: JoinHandle<String>,
}

impl Proxy {
    /// Starts the proxy in front of `upstream`, listening on `listen`, reporting to `report`,
    /// with `more` arguments.
    fn start(upstream: &str, listen: &str, report: &Path, more: &[&str]) -> Proxy {
        let report = report.to_str().unwrap();
        let mut child = proxy_command()
            .args([
                "--upstream",
                upstream,
                "--listen",
                listen,
                "--report",
                report,
            ])
            .args(more)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start jumio-kyx proxy");
        let (sender, receiver) = std::sync::mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            for line in stderr.lines() {
                let line = line.expect("stderr is text");
                if let Some(url) = line.strip_prefix("jumio-kyx proxy: listening on ") {
                    let _ = sender.send(url.to_owned());
                }
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => Proxy { child, url, stderr },
            Err(_) => panic!("the proxy did not start: {}", stderr.join().unwrap()),
        }
    }

    /// Stops the proxy with SIGTERM; returns its whole standard error.
    fn stop(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let status = self.child.wait().expect("the proxy ends");
        let stderr = self.stderr.join().unwrap();
        assert!(status.success(), "the proxy failed: {stderr}");
        stderr
    }
}

/// `jumio-kyx proxy`, with no logging or proxy settings of the environment.
fn proxy_command() -> Command {
    let mut command = support::command_without_env(
        env!("CARGO_BIN_EXE_jumio-kyx"),
        &[
            "RUST_LOG",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
        ],
    );
    command.arg("proxy");
    command
}

#[test]
fn bad_settings_end_with_one_line_naming_the_problem() {
    let dir = TempDir::new("proxy-bad-settings");
    let used = dir.join("used");
    std::fs::create_dir(&used).unwrap();
    std::fs::write(used.join("000001-getHealth-200.json"), "{}").unwrap();
    let used = used.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&[], "no upstream for the auth service: give --upstream URL"),
        (
            &["--upstream", "http://jumio.example.com"],
            "--upstream \"http://jumio.example.com\" uses http; tokens are forwarded only over https",
        ),
        (
            &["--upstream", "not a url"],
            "--upstream \"not a url\" is not a URL",
        ),
        (
            &[
                "--region",
                "amer-1",
                "--upstream-api",
                "https://api.example.com/?x=1",
            ],
            "--upstream-api \"https://api.example.com/?x=1\" has a query or fragment",
        ),
        (
            &["--region", "eu", "--record", used],
            "is not empty; give a new or empty one",
        ),
    ];
    for (args, expected) in cases {
        let output = proxy_command().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} started");
        assert!(
            stderr.contains(expected),
            "{args:?}: {stderr:?} should contain {expected:?}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr:?}");
    }
}

/// Serves `router` on a free loopback port; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

fn free_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn report_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_flow_through_the_proxy_has_no_finding() {
    // The sandbox's links point at the proxy, as they must for the client to send the
    // transaction token there; the sandbox itself listens elsewhere.
    let proxy_address = free_address();
    let sandbox = jumio_kyx_sandbox::router(SandboxConfig {
        addr: proxy_address,
        processing_delay: Duration::from_millis(20),
        ..SandboxConfig::default()
    })
    .unwrap();
    let upstream = serve(sandbox.router()).await;
    let dir = TempDir::new("proxy-sandbox");
    let report = dir.join("report.jsonl");
    let proxy = Proxy::start(&upstream, &proxy_address.to_string(), &report, &[]);
    let client = JumioClient::builder()
        .base_url(&proxy.url)
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .user_agent(support::flow::USER_AGENT)
        .build()
        .unwrap();

    let request = WorkflowRequest::new(Workflow::IdAndIdentity, "proxy-flow-1")
        .user_reference("user-proxy-1")
        .countries(["USA"]);
    let result = client
        .verify(
            &request,
            support::flow::images(),
            support::flow::wait(),
            |_| {},
        )
        .await
        .expect("the flow completes through the proxy");
    let ids = support::flow::ids_of(&result);
    client.status(&ids).await.unwrap();
    client.details(&ids).await.unwrap();
    client.steps(&ids).await.unwrap();
    client.health().await.unwrap();
    let front = result
        .details()
        .credentials
        .iter()
        .find(|c| c.category.as_str() == "ID")
        .expect("an ID credential");
    let download = client
        .download_part(ids.account_id(), &front.id, &"FRONT".into())
        .await
        .unwrap();
    assert_eq!(download.bytes, support::sample_bytes("id-front.jpg"));

    let stderr = proxy.stop();
    let lines = std::fs::read_to_string(&report).unwrap();
    assert_eq!(lines, "", "findings on the sandbox:\n{lines}\n{stderr}");
    assert!(stderr.contains(" 0 findings"), "{stderr}");
    assert!(stderr.contains("unknown-field        0"), "{stderr}");
    // token, create, 3 uploads, finalize, polls, details ×2, status, steps, health, download
    let exchanges: u64 = stderr
        .split("jumio-kyx proxy: ")
        .nth(2)
        .and_then(|summary| summary.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary: {stderr}"));
    assert!(exchanges >= 12, "{exchanges} exchanges: {stderr}");
}

/// What a drifting server was sent, for the pass-through test.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(HeaderMap, Bytes)>>>);

/// Values of the drifting server's answers that must never leave the proxy but as traffic.
const PERSONAL: [&str; 9] = [
    "Jane-Sentinel",
    "Roe-Sentinel",
    "1984-02-29",
    "Quinn-Sentinel",
    "forty-one",
    "ON_HOLD_SENTINEL",
    "tok-SECRET-4711",
    "order-SENTINEL",
    "203.0.113.9",
];

const DETAILS: &str = r#"{ "workflow": {"id":"w1","status":"PROCESSED","definitionKey":"10011","customerInternalReference":"order-SENTINEL"},
  "account":{"id":"a1"},
  "capabilities": {"extraction": [ {"id":"x1","decision":{"type":"PASSED"},
    "data": {"firstName":"Jane-Sentinel","lastName":"Roe-Sentinel","dateOfBirth":"1984-02-29",
             "middleName":"Quinn-Sentinel","currentAge":"forty-one"} } ] } }"#;

const FRONT: &[u8] = b"\xff\xd8\xff\xe0 not quite a JPEG, but bytes all the same \x00\x01\x02\xff";

fn json(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// A server of the API that has drifted: an unknown field and a wrong type in the details, an
/// unknown status value, an undocumented status; and that keeps what it was sent.
fn drifting_server(seen: Seen) -> Router {
    Router::new()
        .route(
            "/oauth2/token",
            post(move || async move {
                json(r#"{"access_token":"tok-SECRET-4711","expires_in":3600,"token_type":"Bearer"}"#.into())
            }),
        )
        .route(
            "/api/v1/accounts",
            post(move || async move {
                json(
                    json!({
                        "timestamp": "2024-05-01T10:00:00.000Z",
                        "account": {"id": "a1"},
                        "sdk": {"token": "tok-SECRET-4711"},
                        "workflowExecution": {"id": "w1", "credentials": [{
                            "id": "c1", "category": "ID", "allowedChannels": ["API"],
                            "api": {"token": "tok-SECRET-4711", "parts": {"front": "https://example.com/front"}}
                        }]}
                    })
                    .to_string(),
                )
            }),
        )
        .route(
            "/api/v1/accounts/{account}/workflow-executions/{execution}",
            get(move || async move { json(DETAILS.to_owned()) }),
        )
        .route(
            "/api/v1/accounts/{account}/workflow-executions/{execution}/status",
            get(move || async move {
                json(r#"{"account":{"id":"a1"},"workflowExecution":{"id":"w1","status":"ON_HOLD_SENTINEL"}}"#.into())
            }),
        )
        .route(
            "/api/v1/accounts/{account}",
            delete(move || async move {
                (StatusCode::CONFLICT, json(r#"{"detail":"Jane-Sentinel Roe-Sentinel"}"#.into()))
            }),
        )
        .route(
            "/api/v1/accounts/{account}/credentials/{credential}/parts/{classifier}",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "image/jpeg"), (header::HeaderName::from_static("x-trace"), "t-1")],
                    FRONT,
                )
            }),
        )
        .route(
            "/api/v1/accounts/{account}/workflow-executions/{execution}/credentials/{credential}/parts/{classifier}",
            post(
                |State(seen): State<Seen>, headers: HeaderMap, body: Bytes| async move {
                    seen.0.lock().unwrap().push((headers, body));
                    json(r#"{"account":{"id":"a1"},"workflowExecution":{"id":"w1"}}"#.into())
                },
            ),
        )
        .with_state(seen)
}

/// The traffic of the drift tests: a token, an account creation with personal values, the
/// details, the status and a deletion.
async fn drifting_traffic(proxy: &str) {
    let http = reqwest::Client::new();
    let bearer = "Bearer tok-SECRET-4711";
    let token = http
        .post(format!("{proxy}/oauth2/token"))
        .basic_auth("client-SENTINEL", Some("secret-SENTINEL"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let create = json!({
        "customerInternalReference": "order-SENTINEL",
        "userReference": "Roe-Sentinel",
        "workflowDefinition": {"key": 10011, "credentials": [
            {"category": "ID", "country": {"values": ["USA"]}}
        ]},
        "userConsent": {"userIp": "203.0.113.9", "userLocation": {"country": "USA"},
            "consent": {"obtained": "yes", "obtainedAt": "2024-05-01T10:00:00.000Z"}}
    });
    let created = http
        .post(format!("{proxy}/api/v1/accounts"))
        .header(header::AUTHORIZATION, bearer)
        .json(&create)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    for path in ["", "/status"] {
        let answer = http
            .get(format!(
                "{proxy}/api/v1/accounts/a1/workflow-executions/w1{path}"
            ))
            .header(header::AUTHORIZATION, bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let deleted = http
        .delete(format!("{proxy}/api/v1/accounts/a1"))
        .header(header::AUTHORIZATION, bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 409);
}

fn assert_no_personal_value(what: &str, text: &str) {
    for value in PERSONAL
        .iter()
        .chain(&["client-SENTINEL", "secret-SENTINEL", "Bearer"])
    {
        assert!(!text.contains(value), "{what} holds {value:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_drift_is_reported_once_classified_and_without_its_value() {
    let upstream = serve(drifting_server(Seen::default())).await;
    let dir = TempDir::new("proxy-drift");
    let report = dir.join("report.jsonl");
    let proxy = Proxy::start(&upstream, "127.0.0.1:0", &report, &[]);
    drifting_traffic(&proxy.url).await;
    let stderr = proxy.stop();

    let text = std::fs::read_to_string(&report).unwrap();
    assert_no_personal_value("the report", &text);
    assert_no_personal_value("standard error", &stderr);
    let findings: Vec<Value> = report_lines(&report)
        .into_iter()
        .map(|mut finding| {
            assert!(finding["exchange"].as_u64().is_some(), "{finding}");
            finding.as_object_mut().unwrap().remove("exchange");
            finding
        })
        .collect();
    // Properties are checked in the order of their names.
    let details = "/capabilities/extraction/0/data";
    assert_eq!(
        findings,
        [
            json!({"operation": "getWorkflowExecution", "direction": "response", "status": 200,
                   "kind": "schema-violation", "pointer": format!("{details}/currentAge"),
                   "type": "string", "schema": "ExtractedData", "rule": "type", "expected": "integer"}),
            json!({"operation": "getWorkflowExecution", "direction": "response", "status": 200,
                   "kind": "unknown-field", "pointer": format!("{details}/middleName"),
                   "type": "string", "schema": "ExtractedData"}),
            json!({"operation": "getWorkflowExecutionStatus", "direction": "response", "status": 200,
                   "kind": "unknown-value", "pointer": "/workflowExecution/status",
                   "type": "string", "schema": "WorkflowStatus"}),
            json!({"operation": "deleteAccount", "direction": "response", "status": 409,
                   "kind": "undocumented-status", "pointer": "", "type": "object"}),
        ],
        "{text}"
    );
    for expected in [
        " 4 findings",
        "unknown-field        1",
        "unknown-value        1",
        "schema-violation     1",
        "undocumented-status  1",
        "getWorkflowExecution: unknown-field 1, schema-violation 1",
        "getWorkflowExecutionStatus: unknown-value 1",
        "deleteAccount: undocumented-status 1",
    ] {
        assert!(stderr.contains(expected), "{expected:?} missing:\n{stderr}");
    }
}

fn fixtures(dir: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_no_personal_value(&path.display().to_string(), &text);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_fixtures_keep_the_shape_and_no_value() {
    let upstream = serve(drifting_server(Seen::default())).await;
    let dir = TempDir::new("proxy-record");
    let record = dir.join("fixtures");
    let record_arg = record.to_str().unwrap();
    let report = dir.join("report.jsonl");
    let proxy = Proxy::start(&upstream, "127.0.0.1:0", &report, &["--record", record_arg]);
    drifting_traffic(&proxy.url).await;
    let stderr = proxy.stop();
    assert!(stderr.contains("fixtures recorded: 5"), "{stderr}");

    let fixtures = fixtures(&record);
    let names: Vec<&str> = fixtures.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "000001-requestAccessToken-200.json",
            "000002-createAccount-200.json",
            "000003-getWorkflowExecution-200.json",
            "000004-getWorkflowExecutionStatus-200.json",
            "000005-deleteAccount-409.json",
        ]
    );
    let token = &fixtures[0].1;
    assert_eq!(token["path"], "/oauth2/token");
    assert_eq!(token["request"], Value::Null, "a form body is not recorded");
    assert_eq!(
        token["response"],
        json!({"access_token": "string", "expires_in": 0, "token_type": "string"})
    );

    let create = &fixtures[1].1;
    assert_eq!(create["operation"], "createAccount");
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/api/v1/accounts");
    assert_eq!(create["status"], 200);
    assert_eq!(
        create["request"],
        json!({
            "customerInternalReference": "string",
            "userReference": "string",
            "workflowDefinition": {"key": 0, "credentials": [
                {"category": "ID", "country": {"values": ["USA"]}}
            ]},
            "userConsent": {"userIp": "string", "userLocation": {"country": "USA"},
                "consent": {"obtained": "yes", "obtainedAt": "2000-01-01T00:00:00.000Z"}}
        })
    );
    let credential = &create["response"]["workflowExecution"]["credentials"][0];
    assert_eq!(credential["category"], "ID");
    assert_eq!(credential["allowedChannels"], json!(["API"]));
    assert_eq!(credential["api"]["token"], "string");
    assert_eq!(credential["api"]["parts"], json!({"front": "string"}));

    let details = &fixtures[2].1["response"];
    assert_eq!(details["workflow"]["status"], "PROCESSED");
    assert_eq!(
        details["capabilities"]["extraction"][0]["data"],
        json!({"firstName": "string", "lastName": "string", "dateOfBirth": "string",
               "middleName": "string", "currentAge": "string"})
    );
    let status = &fixtures[3].1["response"];
    assert_eq!(
        status["workflowExecution"]["status"], "string",
        "an unlisted value is data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_status_and_headers_pass_unchanged() {
    let seen = Seen::default();
    let upstream = serve(drifting_server(seen.clone())).await;
    let dir = TempDir::new("proxy-bytes");
    let proxy = Proxy::start(&upstream, "127.0.0.1:0", &dir.join("report.jsonl"), &[]);
    let http = reqwest::Client::new();
    for path in [
        "/api/v1/accounts/a1/workflow-executions/w1",
        "/api/v1/accounts/a1/credentials/c1/parts/FRONT",
        "/api/v1/accounts/a1",
    ] {
        let fetch = |base: String| {
            let request = if path == "/api/v1/accounts/a1" {
                http.delete(format!("{base}{path}"))
            } else {
                http.get(format!("{base}{path}"))
            };
            async move { request.send().await.unwrap() }
        };
        let (direct, proxied) = (
            fetch(upstream.clone()).await,
            fetch(proxy.url.clone()).await,
        );
        assert_eq!(proxied.status(), direct.status(), "{path}");
        let mut direct_headers = direct.headers().clone();
        let mut proxied_headers = proxied.headers().clone();
        direct_headers.remove(header::DATE);
        proxied_headers.remove(header::DATE);
        assert_eq!(proxied_headers, direct_headers, "{path}");
        assert_eq!(
            proxied.bytes().await.unwrap(),
            direct.bytes().await.unwrap(),
            "{path}"
        );
    }

    // A multipart upload reaches the server byte for byte, with its headers.
    let image = support::sample_bytes("id-front.jpg");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(image.clone())
            .file_name("front.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let boundary = form.boundary().to_owned();
    let body = {
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"front.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&image);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        body
    };
    let upload = http
        .post(format!(
            "{}/api/v1/accounts/a1/workflow-executions/w1/credentials/c1/parts/FRONT",
            proxy.url
        ))
        .header(header::AUTHORIZATION, "Bearer tok-SECRET-4711")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::USER_AGENT, "Example Corp Onboarding/1.0")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 200);
    let stderr = proxy.stop();
    assert_no_personal_value("standard error", &stderr);

    let seen = seen.0.lock().unwrap();
    let (headers, received) = seen.last().expect("the upload arrived");
    assert_eq!(received, &body[..]);
    assert_eq!(headers[header::AUTHORIZATION], "Bearer tok-SECRET-4711");
    assert_eq!(
        headers[header::CONTENT_LENGTH],
        body.len().to_string().as_str()
    );
    assert_eq!(headers[header::USER_AGENT], "Example Corp Onboarding/1.0");
    assert!(headers.get(header::TRANSFER_ENCODING).is_none());
}
