//! Fault injection of the sandbox over plain HTTP: each kind on every operation, what the client
//! observes, what the sandbox records and whether the faulted request took effect; reproducibility
//! by seed; the observed rate; and the CLI's fault flags.

use jumio_kyx_test_support::http as sandbox_common;

use std::time::{Duration, Instant};

use jumio_kyx_sandbox::{
    FAULT_HEADER, FaultConfig, FaultKind, FaultRecord, Sandbox, SandboxConfig,
};
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, StatusCode};
use sandbox_common::{DEADLINE, USER_AGENT, error, sample};
use serde_json::Value;

use crate::fixtures::{request_with_reference, update_request};

const ACCOUNT: &str = "11111111-1111-1111-1111-111111111111";
const EXECUTION: &str = "22222222-2222-2222-2222-222222222222";
const CREDENTIAL: &str = "33333333-3333-3333-3333-333333333333";

const STATUS_KINDS: [FaultKind; 5] = [
    FaultKind::RateLimited,
    FaultKind::RateLimitedRetryAfter,
    FaultKind::InternalError,
    FaultKind::BadGateway,
    FaultKind::Unavailable,
];

async fn start(faults: FaultConfig) -> Sandbox {
    SandboxConfig {
        processing_delay: Duration::from_millis(50),
        faults,
        ..SandboxConfig::default()
    }
    .start()
    .await
    .expect("sandbox starts")
}

fn client(timeout: Option<Duration>) -> reqwest::Client {
    let builder = reqwest::Client::builder().user_agent(USER_AGENT).no_proxy();
    match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    }
    .build()
    .expect("HTTP client")
}

fn only(kind: FaultKind, rate: f64, seed: u64) -> FaultConfig {
    FaultConfig {
        seed,
        ..FaultConfig::none().with_rate(kind, rate)
    }
}

fn token_request(http: &reqwest::Client, sandbox: &Sandbox) -> RequestBuilder {
    http.post(format!("{}/oauth2/token", sandbox.base_url()))
        .basic_auth(sandbox.client_id(), Some(sandbox.client_secret()))
        .form(&[("grant_type", "client_credentials")])
}

fn create_request(
    http: &reqwest::Client,
    sandbox: &Sandbox,
    token: &str,
    reference: &str,
) -> RequestBuilder {
    http.post(format!("{}/api/v1/accounts", sandbox.base_url()))
        .bearer_auth(token)
        .json(&request_with_reference(10011, reference))
}

/// One request of every operation of the API but the health check, with made-up ids and token.
fn every_operation(
    http: &reqwest::Client,
    sandbox: &Sandbox,
) -> Vec<(&'static str, RequestBuilder)> {
    let base = sandbox.base_url();
    let account = format!("{base}/api/v1/accounts/{ACCOUNT}");
    let execution = format!("{account}/workflow-executions/{EXECUTION}");
    let parts = format!("{execution}/credentials/{CREDENTIAL}/parts");
    let token = "not-a-token";
    let upload = Form::new().part(
        "file",
        Part::bytes(sample("selfie.jpg")).file_name("selfie.jpg"),
    );
    vec![
        ("requestAccessToken", token_request(http, sandbox)),
        (
            "createAccount",
            create_request(http, sandbox, token, "faulted"),
        ),
        (
            "updateAccount",
            http.put(&account)
                .bearer_auth(token)
                .json(&update_request()),
        ),
        ("deleteAccount", http.delete(&account).bearer_auth(token)),
        (
            "uploadCredentialPart",
            http.post(format!("{parts}/FACE"))
                .bearer_auth(token)
                .multipart(upload),
        ),
        (
            "uploadPreparedData",
            http.post(format!("{parts}/PREPARED_DATA"))
                .bearer_auth(token)
                .json(&serde_json::json!({})),
        ),
        (
            "finalizeWorkflowExecution",
            http.put(&execution).bearer_auth(token),
        ),
        (
            "getWorkflowExecution",
            http.get(&execution).bearer_auth(token),
        ),
        (
            "deleteWorkflowExecution",
            http.delete(&execution).bearer_auth(token),
        ),
        (
            "getWorkflowExecutionStatus",
            http.get(format!("{execution}/status")).bearer_auth(token),
        ),
        (
            "getWorkflowExecutionSteps",
            http.get(format!("{execution}/steps")).bearer_auth(token),
        ),
        (
            "getCredentialPart",
            http.get(format!("{account}/credentials/{CREDENTIAL}/parts/FRONT"))
                .bearer_auth(token),
        ),
    ]
}

async fn assert_healthy(http: &reqwest::Client, sandbox: &Sandbox) {
    let response = http
        .get(format!("{}/", sandbox.base_url()))
        .send()
        .await
        .expect("the health check answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(FAULT_HEADER).is_none());
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["status"], "UP");
}

fn fault_header(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(FAULT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An access token, asking again while the answer is a fault (a sequential, reproducible run).
async fn access_token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    for _ in 0..50 {
        if let Ok(response) = token_request(http, sandbox).send().await
            && response.status() == StatusCode::OK
        {
            let body: Value = response.json().await.expect("token JSON");
            return body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned();
        }
    }
    panic!("no access token in 50 attempts");
}

/// Every record agrees with the generator, and every request the generator faults has a record.
fn assert_predicted(sandbox: &Sandbox) {
    let config = &sandbox.config().faults;
    let records = sandbox.faults();
    let eligible = sandbox.eligible_requests();
    let mut seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    let predicted: Vec<u64> = (0..eligible)
        .filter(|&n| config.fault_at(n).is_some())
        .collect();
    assert_eq!(seqs, predicted);
    for record in &records {
        assert_eq!(config.fault_at(record.seq), Some(record.kind), "{record:?}");
    }
}

#[tokio::test]
async fn status_faults_answer_every_operation_with_an_error_body_and_change_nothing() {
    for kind in STATUS_KINDS {
        let sandbox = start(only(kind, 1.0, 3)).await;
        let http = client(None);
        let status = StatusCode::from_u16(kind.status().expect("a status kind")).expect("status");
        let requests = every_operation(&http, &sandbox);
        let operations: Vec<&str> = requests.iter().map(|(op, _)| *op).collect();
        for (operation, request) in requests {
            let response = request.send().await.expect("an answer");
            let header = fault_header(&response).expect("the fault is named");
            assert!(header.starts_with(kind.as_str()), "{header}");
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().expect("ASCII").to_owned());
            if kind == FaultKind::RateLimitedRetryAfter {
                assert_eq!(retry_after.as_deref(), Some("1"), "{operation}");
            } else {
                assert_eq!(retry_after, None, "{operation}");
            }
            let body = error(response, status).await;
            assert_eq!(
                body.title.as_deref(),
                status.canonical_reason(),
                "{operation}"
            );
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(body.detail.as_deref(), Some("Request limit exceeded"));
            }
            assert_healthy(&http, &sandbox).await;
        }
        // Faults come first: even a request the sandbox would refuse with 403 is faulted.
        let no_agent = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let response = no_agent
            .get(format!(
                "{}/api/v1/accounts/{ACCOUNT}/workflow-executions/{EXECUTION}/status",
                sandbox.base_url()
            ))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), status);

        let n = operations.len() as u64 + 1;
        let stats = sandbox.stats();
        assert_eq!(sandbox.eligible_requests(), n, "{kind}");
        assert_eq!(stats.faults.of(kind), n, "{kind}");
        assert_eq!(stats.faults.total(), n, "{kind}");
        assert_eq!(stats.faults.applied(), 0, "{kind}");
        assert_eq!(stats.token_requests, 0, "the token handler never ran");
        assert_eq!(stats.tokens_issued, 0);
        assert_eq!(stats.accounts_created, 0);
        assert_eq!(sandbox.account_count(), 0);
        let records = sandbox.faults();
        let recorded: Vec<&str> = records.iter().map(|r| r.operation).collect();
        assert_eq!(&recorded[..operations.len()], &operations[..]);
        for (seq, record) in records.iter().enumerate() {
            assert_eq!(record.seq, seq as u64);
            assert_eq!(record.kind, kind);
            assert!(
                !record.applied && record.handler_status.is_none(),
                "{record:?}"
            );
        }
        assert_eq!(records[0].method, "POST");
        assert_eq!(records[0].path, "/oauth2/token");
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_create_refused_by_a_status_fault_creates_nothing() {
    for kind in STATUS_KINDS {
        let sandbox = start(only(kind, 0.5, 21)).await;
        let http = client(None);
        let token = access_token(&http, &sandbox).await;
        let status = StatusCode::from_u16(kind.status().expect("a status kind")).expect("status");
        let mut created = Vec::new();
        let mut refused = 0;
        for i in 0..16 {
            let reference = format!("order-{i}");
            let response = create_request(&http, &sandbox, &token, &reference)
                .send()
                .await
                .expect("an answer");
            if response.status() == StatusCode::OK {
                created.push(reference);
            } else {
                error(response, status).await;
                refused += 1;
            }
        }
        assert!(
            !created.is_empty() && refused > 0,
            "{kind}: both outcomes occur"
        );
        assert_eq!(sandbox.account_count(), created.len(), "{kind}");
        assert_eq!(sandbox.account_references(), created, "{kind}");
        let creates: Vec<FaultRecord> = sandbox
            .faults()
            .into_iter()
            .filter(|r| r.operation == "createAccount")
            .collect();
        assert_eq!(creates.len(), refused);
        assert!(creates.iter().all(|r| !r.applied));
        assert_predicted(&sandbox);
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn a_slow_answer_outlives_the_client_timeout_but_the_request_applies() {
    let config = FaultConfig {
        slow_delay: Duration::from_secs(2),
        ..only(FaultKind::Slow, 1.0, 5)
    };
    let sandbox = start(config).await;
    let patient = client(Some(Duration::from_secs(60)));
    let impatient = client(Some(Duration::from_millis(250)));

    // A client that waits long enough gets the answer, marked.
    let response = token_request(&patient, &sandbox)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(fault_header(&response).is_some_and(|h| h.starts_with("slow")));
    let body: Value = response.json().await.expect("token JSON");
    let token = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    // One that does not, times out; the account exists all the same.
    let outcome = create_request(&impatient, &sandbox, &token, "slow-order")
        .send()
        .await;
    let error = outcome.expect_err("the client times out");
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.status().is_none());
    let record = wait_for_record(&sandbox, "createAccount").await;
    assert_eq!(record.kind, FaultKind::Slow);
    assert!(record.applied);
    assert_eq!(record.handler_status, Some(200));
    assert_eq!(sandbox.account_count(), 1);
    assert_eq!(sandbox.account_references(), ["slow-order"]);

    // The health check is never held.
    assert_healthy(&impatient, &sandbox).await;
    let stats = sandbox.stats();
    assert_eq!(stats.faults.slow, 2);
    assert_eq!(stats.faults.applied(), 2);
    assert_eq!(stats.accounts_created, 1);
    // Held answers end when the sandbox stops.
    sandbox.shutdown().await;
}

async fn wait_for_record(sandbox: &Sandbox, operation: &str) -> FaultRecord {
    let start = Instant::now();
    loop {
        if let Some(record) = sandbox
            .faults()
            .into_iter()
            .find(|r| r.operation == operation)
        {
            return record;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no fault recorded for {operation}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_on_every_operation() {
    let sandbox = start(only(FaultKind::Dropped, 1.0, 8)).await;
    let http = client(None);
    let requests = every_operation(&http, &sandbox);
    let n = requests.len() as u64;
    for (operation, request) in requests {
        let error = request
            .send()
            .await
            .expect_err("a dropped connection is no answer");
        assert!(error.status().is_none(), "{operation}: {error:?}");
        assert!(!error.is_timeout(), "{operation}: {error:?}");
        assert!(
            error.is_request() || error.is_connect(),
            "{operation}: {error:?}"
        );
        assert_healthy(&http, &sandbox).await;
    }
    let stats = sandbox.stats().faults;
    assert_eq!(stats.of(FaultKind::Dropped), n);
    assert_eq!(stats.dropped_before + stats.dropped_after, n);
    assert!(
        stats.dropped_before > 0 && stats.dropped_after > 0,
        "{stats:?}"
    );
    let records = sandbox.faults();
    assert_eq!(records.len() as u64, n);
    for record in &records {
        assert_eq!(record.kind, FaultKind::Dropped);
        assert_eq!(
            record.applied,
            record.handler_status.is_some(),
            "{record:?}"
        );
    }
    assert_eq!(sandbox.account_count(), 0, "no create had a valid token");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_dropped_create_is_recorded_as_applied_or_not_and_the_accounts_agree() {
    let sandbox = start(only(FaultKind::Dropped, 0.5, 13)).await;
    let http = client(None);
    let token = access_token(&http, &sandbox).await;
    let mut answered = Vec::new();
    let mut dropped = Vec::new();
    for i in 0..30 {
        let reference = format!("order-{i}");
        match create_request(&http, &sandbox, &token, &reference)
            .send()
            .await
        {
            Ok(response) => {
                assert_eq!(response.status(), StatusCode::OK);
                answered.push(reference);
            }
            Err(error) => {
                assert!(error.status().is_none(), "{error:?}");
                dropped.push(reference);
            }
        }
    }
    let mut creates: Vec<FaultRecord> = sandbox
        .faults()
        .into_iter()
        .filter(|r| r.operation == "createAccount")
        .collect();
    creates.sort_by_key(|r| r.seq);
    assert_eq!(creates.len(), dropped.len());
    let applied: Vec<&String> = dropped
        .iter()
        .zip(&creates)
        .filter(|(_, record)| record.applied)
        .map(|(reference, record)| {
            assert_eq!(record.handler_status, Some(200));
            reference
        })
        .collect();
    assert!(
        !applied.is_empty() && applied.len() < dropped.len(),
        "drops before and after the handler both occur: {creates:?}"
    );
    let mut expected: Vec<String> = answered
        .iter()
        .chain(applied.iter().copied())
        .cloned()
        .collect();
    expected.sort();
    let mut held = sandbox.account_references();
    held.sort();
    assert_eq!(held, expected);
    assert_eq!(sandbox.account_count(), expected.len());
    assert_predicted(&sandbox);
    sandbox.shutdown().await;
}

/// What a client observes of `n` sequential requests (token requests and status reads with a bad
/// token, alternately), plus the records.
async fn observe(
    config: FaultConfig,
    n: usize,
) -> (Vec<String>, Vec<(u64, FaultKind, bool)>, Sandbox) {
    let sandbox = start(config).await;
    let http = client(None);
    let status_url = format!(
        "{}/api/v1/accounts/{ACCOUNT}/workflow-executions/{EXECUTION}/status",
        sandbox.base_url()
    );
    let mut seen = Vec::with_capacity(n);
    for i in 0..n {
        let request = if i % 2 == 0 {
            token_request(&http, &sandbox)
        } else {
            http.get(&status_url).bearer_auth("not-a-token")
        };
        seen.push(match request.send().await {
            Ok(response) => format!(
                "{} {}",
                response.status().as_u16(),
                fault_header(&response).unwrap_or_default()
            ),
            Err(error) => {
                assert!(error.status().is_none(), "{error:?}");
                "transport error".to_owned()
            }
        });
        if i % 10 == 0 {
            assert_healthy(&http, &sandbox).await;
        }
    }
    let mut records: Vec<(u64, FaultKind, bool)> = sandbox
        .faults()
        .iter()
        .map(|r| (r.seq, r.kind, r.applied))
        .collect();
    records.sort_unstable_by_key(|r| r.0);
    (seen, records, sandbox)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_and_another_seed_others() {
    let config = |seed| FaultConfig {
        slow_delay: Duration::from_millis(30),
        ..FaultConfig::uniform(0.6, seed)
    };
    let (seen, records, sandbox) = observe(config(11), 80).await;
    assert_predicted(&sandbox);
    sandbox.shutdown().await;
    let (seen_again, records_again, sandbox) = observe(config(11), 80).await;
    sandbox.shutdown().await;
    assert_eq!(seen, seen_again);
    assert_eq!(records, records_again);
    let (seen_other, records_other, sandbox) = observe(config(12), 80).await;
    assert_predicted(&sandbox);
    sandbox.shutdown().await;
    assert_ne!(seen, seen_other);
    assert_ne!(records, records_other);
}

#[tokio::test]
async fn a_rate_of_one_fifth_faults_about_a_fifth_of_500_requests_with_every_kind() {
    let config = FaultConfig {
        slow_delay: Duration::from_millis(20),
        ..FaultConfig::uniform(0.2, 7)
    };
    let (seen, records, sandbox) = observe(config, 500).await;
    let stats = sandbox.stats().faults;
    assert_eq!(
        sandbox.eligible_requests(),
        500,
        "health checks are not numbered"
    );
    assert_eq!(stats.total(), records.len() as u64);
    // Every fault is visible to the client: named by the header, or a transport error.
    let visible = seen
        .iter()
        .filter(|s| *s == "transport error" || !s.ends_with(' '))
        .count();
    assert_eq!(visible, records.len(), "{seen:?}");
    let fraction = records.len() as f64 / 500.0;
    assert!((0.12..=0.28).contains(&fraction), "{fraction}");
    for kind in FaultKind::ALL {
        assert!(stats.of(kind) > 0, "{kind} never occurred: {stats:?}");
    }
    assert_predicted(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn checks_run_as_usual_on_requests_that_are_not_faulted() {
    let sandbox = start(only(FaultKind::Unavailable, 0.5, 4)).await;
    let with_agent = client(None);
    let without_agent = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let url = format!(
        "{}/api/v1/accounts/{ACCOUNT}/workflow-executions/{EXECUTION}/status",
        sandbox.base_url()
    );
    for seq in 0..40u64 {
        let (request, usual) = if seq % 2 == 0 {
            (without_agent.get(&url), StatusCode::FORBIDDEN)
        } else {
            (
                with_agent.get(&url).bearer_auth("not-a-token"),
                StatusCode::UNAUTHORIZED,
            )
        };
        let response = request.send().await.expect("an answer");
        let expected = match sandbox.config().faults.fault_at(seq) {
            Some(_) => StatusCode::SERVICE_UNAVAILABLE,
            None => usual,
        };
        error(response, expected).await;
    }
    assert_predicted(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn invalid_fault_rates_are_refused_at_start() {
    for faults in [
        FaultConfig::none().with_rate(FaultKind::Slow, 1.5),
        FaultConfig::none().with_rate(FaultKind::InternalError, -0.1),
        FaultConfig::uniform(0.7, 1).with_rate(FaultKind::Dropped, 0.9),
    ] {
        let error = SandboxConfig {
            faults,
            ..SandboxConfig::default()
        }
        .start()
        .await
        .expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    }
}

mod cli {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    use jumio_kyx_test_support::temp::TempDir;

    use super::*;

    fn sandbox_command() -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jumio-kyx-sandbox"));
        for var in [
            "JUMIO_SANDBOX_ADDR",
            "JUMIO_SANDBOX_CLIENT_ID",
            "JUMIO_SANDBOX_CLIENT_SECRET",
            "RUST_LOG",
        ] {
            command.env_remove(var);
        }
        command.args(["--addr", "127.0.0.1:0"]);
        command
    }

    fn refused(args: &[&str]) -> String {
        let output = sandbox_command()
            .args(args)
            .output()
            .expect("run jumio-kyx");
        assert!(!output.status.success(), "{args:?} is accepted");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    #[test]
    fn rates_outside_0_to_1_are_refused_naming_the_flag() {
        for flag in [
            "--fault-rate",
            "--fault-429",
            "--fault-429-retry-after",
            "--fault-500",
            "--fault-502",
            "--fault-503",
            "--fault-slow",
            "--fault-drop",
        ] {
            for value in ["1.5", "-0.2", "lots"] {
                let stderr = refused(&[flag, value]);
                assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
                assert!(stderr.contains("0..=1"), "{flag} {value}: {stderr}");
            }
        }
    }

    #[test]
    fn rates_summing_over_1_are_refused() {
        let stderr = refused(&["--fault-rate", "0.7", "--fault-503", "0.5"]);
        assert!(stderr.contains("sum to 1.100"), "{stderr}");
        assert!(stderr.contains("at most 1"), "{stderr}");
    }

    #[tokio::test]
    async fn the_flags_configure_the_faults() {
        let mut child = sandbox_command()
            .args([
                "--fault-rate",
                "0.7",
                "--fault-seed",
                "7",
                "--fault-503",
                "1",
            ])
            .args([
                "--fault-429",
                "0",
                "--fault-429-retry-after",
                "0",
                "--fault-500",
                "0",
            ])
            .args(["--fault-502", "0", "--fault-slow", "0", "--fault-drop", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start jumio-kyx sandbox");
        let stdout = child.stdout.take().expect("stdout");
        let lines: Vec<String> = tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .take_while(|line| !line.starts_with("Press Ctrl-C"))
                .collect()
        })
        .await
        .expect("read the banner");
        let base_url = lines
            .iter()
            .find_map(|l| l.strip_prefix("Jumio KYX sandbox listening on "))
            .expect("the base URL is printed")
            .to_owned();
        let faults = lines
            .iter()
            .find(|l| l.starts_with("Injected faults:"))
            .expect("the faults are printed");
        assert!(
            faults.contains("seed 7") && faults.contains("unavailable 1.000"),
            "{faults}"
        );
        let http = client(None);
        let response = http
            .post(format!("{base_url}/oauth2/token"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("an answer");
        let status = response.status();
        child.kill().expect("stop the sandbox");
        child.wait().expect("the sandbox stops");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn the_client_secret_is_refused_on_the_command_line() {
        let stderr = refused(&["--client-secret", "hunter2-on-the-cmdline"]);
        assert!(
            stderr.contains("JUMIO_SANDBOX_CLIENT_SECRET")
                && stderr.contains("--client-secret-file"),
            "{stderr}"
        );
        assert!(!stderr.contains("hunter2-on-the-cmdline"), "{stderr}");
        let empty = TempDir::new("empty-secret");
        let path = empty.path().join("secret");
        std::fs::write(&path, "\n").unwrap();
        let stderr = refused(&["--client-secret-file", path.to_str().unwrap()]);
        assert!(stderr.contains("holds no secret"), "{stderr}");
    }

    /// Starts the sandbox with `configure`, and returns the status of a token request with
    /// `secret`, then stops it.
    async fn token_status(configure: impl FnOnce(&mut Command), secret: &str) -> StatusCode {
        let mut command = sandbox_command();
        configure(&mut command);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start jumio-kyx-sandbox");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            stdin.write_all(b"from-stdin\n").unwrap();
        }
        let stdout = child.stdout.take().expect("stdout");
        let base_url = tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| {
                    l.strip_prefix("Jumio KYX sandbox listening on ")
                        .map(str::to_owned)
                })
        })
        .await
        .expect("read the banner")
        .expect("the base URL is printed");
        let status = client(None)
            .post(format!("{base_url}/oauth2/token"))
            .basic_auth("sandbox-client", Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("an answer")
            .status();
        child.kill().expect("stop the sandbox");
        child.wait().expect("the sandbox stops");
        status
    }

    #[tokio::test]
    async fn the_client_secret_comes_from_the_environment_a_file_or_standard_input() {
        let from_env = |c: &mut Command| {
            c.env("JUMIO_SANDBOX_CLIENT_SECRET", "from-env");
        };
        assert_eq!(token_status(from_env, "from-env").await, StatusCode::OK);
        assert_eq!(
            token_status(from_env, "sandbox-secret").await,
            StatusCode::UNAUTHORIZED
        );
        let dir = TempDir::new("secret-file");
        let path = dir.path().join("secret");
        std::fs::write(&path, "from-file\n").unwrap();
        let from_file = |c: &mut Command| {
            c.arg("--client-secret-file").arg(&path);
        };
        assert_eq!(token_status(from_file, "from-file").await, StatusCode::OK);
        let from_stdin = |c: &mut Command| {
            c.args(["--client-secret-file", "-"]);
        };
        assert_eq!(token_status(from_stdin, "from-stdin").await, StatusCode::OK);
        assert_eq!(token_status(|_| {}, "sandbox-secret").await, StatusCode::OK);
    }
}
