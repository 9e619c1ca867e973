//! `jumio-kyx web` on the embedded sandbox: the link it prints, its receivers of the landing (real,
//! forged and hostile ones), `--open` with the system's opener, and its wait.

use jumio_kyx_test_support as support;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::temp::TempDir;
use support::web::Action;

/// The binary, run from the workspace root with none of its configuration in the environment.
fn jumio_kyx() -> Command {
    support::cli_command(env!("CARGO_BIN_EXE_jumio-kyx"), &["BROWSER"])
}

/// `jumio-kyx web --json`.
fn web_json() -> Command {
    let mut command = jumio_kyx();
    command.args(["web", "--json"]);
    command
}

/// A running `jumio-kyx web --json` and the line it printed when the journey was ready.
struct Journey {
    child: Child,
    stdout: BufReader<ChildStdout>,
    ready: Value,
}

impl Journey {
    fn start(command: &mut Command) -> Journey {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run jumio-kyx web");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the first line");
        let ready = serde_json::from_str(&line).unwrap_or_else(|e| {
            let mut stderr = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("not JSON ({e}): {line:?}\nstderr: {stderr}")
        });
        Journey {
            child,
            stdout,
            ready,
        }
    }

    fn field(&self, name: &str) -> &str {
        self.ready[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {}", self.ready))
    }

    /// Waits for the command to end: its exit success, the rest of its output and its errors.
    fn end(mut self) -> (bool, String, String) {
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("read stdout");
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read stderr");
        let status = self.child.wait().expect("jumio-kyx ends");
        (status.success(), rest, stderr)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// GETs `url` as a browser landing there would; the status and the body.
fn land(runtime: &tokio::runtime::Runtime, url: &str) -> (u16, String) {
    runtime.block_on(async {
        let response = reqwest::get(url).await.expect("the receiver answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    })
}

#[test]
fn the_link_and_the_receivers_are_printed_first() {
    let journey = Journey::start(web_json().args(["--reference", "web-cli-ready", "--wait", "1"]));
    let href = journey.field("webHref").to_owned();
    let url = reqwest::Url::parse(&href).unwrap();
    assert_eq!(url.path(), "/web/client", "{href}");
    assert!(
        url.query_pairs()
            .any(|(name, value)| name == "authorizationToken" && !value.is_empty()),
        "{href}"
    );
    assert_eq!(journey.field("customerInternalReference"), "web-cli-ready");
    assert_eq!(journey.ready["sandbox"], true);
    for (field, path) in [
        ("successUrl", "/success"),
        ("errorUrl", "/error"),
        ("callbackUrl", "/callback"),
    ] {
        let receiver = reqwest::Url::parse(journey.field(field)).unwrap();
        assert_eq!(receiver.host_str(), Some("127.0.0.1"), "{field}");
        assert_eq!(receiver.path(), path, "{field}");
    }
    let ids = (
        journey.field("accountId").to_owned(),
        journey.field("workflowExecutionId").to_owned(),
    );
    let started = Instant::now();
    let (success, rest, stderr) = journey.end();
    assert!(!success, "nothing happened, so no result: {rest}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(rest.is_empty(), "no result line: {rest}");
    assert!(
        stderr.contains("no result within 1 s") && stderr.contains(&ids.1),
        "{stderr}"
    );
    let token = url
        .query_pairs()
        .find(|(name, _)| name == "authorizationToken")
        .unwrap()
        .1
        .into_owned();
    assert!(
        !stderr.contains(&token),
        "the token reached stderr: {stderr}"
    );
}

#[test]
fn an_error_landing_is_confirmed_with_jumio_and_ends_the_command() {
    let runtime = runtime();
    let journey =
        Journey::start(web_json().args(["--reference", "web-cli-error", "--wait", "120"]));
    let (account, execution) = (
        journey.field("accountId"),
        journey.field("workflowExecutionId"),
    );
    let error_url = journey.field("errorUrl").to_owned();
    let landing = |account: &str, execution: &str, extra: &str| {
        format!(
            "{error_url}?accountId={account}&workflowExecutionId={execution}\
             &acquisitionStatus=ERROR&customerInternalReference=web-cli-error{extra}"
        )
    };

    // A hostile landing: refused with the parameter named, nothing of it repeated.
    let (status, body) = land(
        &runtime,
        &landing("..%2F..%2Fadmin", execution, "&errorCode=9820"),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("accountId"), "{body}");
    assert!(!body.contains("admin"), "{body}");
    // A forged landing of another execution: answered, and ignored by the command.
    let (status, body) = land(
        &runtime,
        &landing(
            account,
            "00000000-0000-0000-0000-000000000000",
            "&errorCode=9100",
        ),
    );
    assert_eq!(status, 200, "{body}");
    // The landing the Web client sends after an error.
    let (status, body) = land(&runtime, &landing(account, execution, "&errorCode=9820"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("The journey ended: ERROR"), "{body}");
    assert!(!body.contains("web-cli-error"), "{body}");

    let (account, execution) = (account.to_owned(), execution.to_owned());
    let (success, rest, stderr) = journey.end();
    assert!(!success, "an ERROR journey fails the command: {rest}");
    let result: Value = serde_json::from_str(rest.trim()).expect("one line of JSON");
    assert_eq!(result["account"]["id"], account.as_str());
    assert_eq!(result["workflow"]["id"], execution.as_str());
    assert_eq!(result["workflow"]["status"], "INITIATED", "{result}");
    assert_eq!(result["sandbox"], true);
    assert_eq!(result["landing"]["acquisitionStatus"], "ERROR");
    assert_eq!(result["landing"]["errorCode"], 9820);
    assert_eq!(result["landing"]["userCanRetry"], false);
    assert!(
        stderr.contains("Refused a landing on /error: the landing's accountId"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Ignored a landing on /error of another workflow execution"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ERROR 9820: No camera is available and image upload is disabled."),
        "{stderr}"
    );
    assert!(stderr.contains("Jumio says INITIATED"), "{stderr}");
}

#[test]
fn open_hands_the_link_to_the_opener_and_no_log_shows_it() {
    let dir = TempDir::new("web-open");
    let record = dir.join("opened.txt");
    let opener = dir.file(
        "opener.sh",
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", record.display()).as_bytes(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let journey = Journey::start(
        web_json()
            .args(["--open", "--wait", "2"])
            .env("BROWSER", &opener)
            .env("RUST_LOG", "trace"),
    );
    let href = journey.field("webHref").to_owned();
    let (success, _, stderr) = journey.end();
    assert!(!success);
    let deadline = Instant::now() + Duration::from_secs(10);
    let opened = loop {
        match std::fs::read_to_string(&record) {
            Ok(opened) if !opened.is_empty() => break opened,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("the opener was not run: {other:?}\nstderr: {stderr}"),
        }
    };
    assert_eq!(opened, href);
    let token = reqwest::Url::parse(&href)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "authorizationToken")
        .unwrap()
        .1
        .into_owned();
    assert!(
        stderr.lines().count() > 3,
        "RUST_LOG=trace logs something: {stderr}"
    );
    assert!(!stderr.contains(&token), "the token was logged: {stderr}");
}

#[test]
fn the_receivers_listen_on_this_machine_only() {
    let output = jumio_kyx()
        .args(["web", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run jumio-kyx");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--listen 0.0.0.0:0 is not an address of this machine"),
        "{stderr}"
    );
    let output = jumio_kyx()
        .args(["web", "--reference", "bad;ref"])
        .output()
        .expect("run jumio-kyx");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("customerInternalReference"), "{stderr}");
    assert!(
        !stderr.contains("embedded sandbox"),
        "refused before connecting: {stderr}"
    );
}

/// Walks the journey of `href` with the sample images as a browser would, to its end page, and
/// follows the end page's redirect to the receiver after `pause`; the end page and the
/// receiver's answer.
fn walk(
    runtime: &tokio::runtime::Runtime,
    href: &str,
    action: Action,
    pause: Duration,
) -> (support::web::End, u16, String) {
    let end = runtime
        .block_on(
            support::web::Journey::with_samples()
                .action(action)
                .run(href),
        )
        .expect("the journey runs to its end page");
    std::thread::sleep(pause);
    let redirect = end
        .redirect
        .clone()
        .expect("the end page sends the browser on");
    let (status, body) = land(runtime, &redirect);
    (end, status, body)
}

#[test]
fn the_whole_journey_ends_processed_with_its_ids() {
    let runtime = runtime();
    let journey =
        Journey::start(web_json().args(["--reference", "web-cli-journey", "--wait", "120"]));
    let (account, execution) = (
        journey.field("accountId").to_owned(),
        journey.field("workflowExecutionId").to_owned(),
    );
    // The browser lands after the result is there (the sandbox processes in 200 ms): the
    // command keeps its receivers up for the landing and reports it with the result.
    let (end, status, body) = walk(
        &runtime,
        journey.field("webHref"),
        Action::Finish,
        Duration::from_secs(2),
    );
    assert_eq!(end.acquisition_status, "SUCCESS", "{:?}", end.steps());
    let redirect = end.redirect.as_deref().unwrap();
    assert!(
        redirect.starts_with(&format!("{}?", journey.field("successUrl"))),
        "{redirect}"
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("The journey ended: SUCCESS"), "{body}");

    let (success, rest, stderr) = journey.end();
    assert!(success, "stdout: {rest}\nstderr: {stderr}");
    let result: Value = serde_json::from_str(rest.trim()).expect("one line of JSON");
    assert_eq!(result["workflow"]["status"], "PROCESSED", "{result}");
    assert_eq!(result["workflow"]["id"], execution.as_str());
    assert_eq!(result["account"]["id"], account.as_str());
    assert_eq!(
        result["workflow"]["customerInternalReference"],
        "web-cli-journey"
    );
    assert_eq!(result["sandbox"], true);
    assert_eq!(result["landing"]["acquisitionStatus"], "SUCCESS");
    assert_eq!(result["landing"]["errorCode"], Value::Null);
    assert!(result["decision"]["type"].is_string(), "{result}");
    assert!(
        stderr.contains("The browser landed on /success with SUCCESS"),
        "{stderr}"
    );
}

#[test]
fn the_summary_of_a_journey_says_it_is_synthetic() {
    let runtime = runtime();
    let mut child = jumio_kyx()
        .args(["web", "--reference", "web-cli-summary", "--wait", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jumio-kyx web");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let href = loop {
        let mut line = String::new();
        assert_ne!(stdout.read_line(&mut line).expect("read"), 0, "no link");
        if let Some(href) = line.trim().strip_prefix("http://") {
            break format!("http://{href}");
        }
    };
    let (end, status, _) = walk(&runtime, &href, Action::Finish, Duration::ZERO);
    assert_eq!((end.acquisition_status.as_str(), status), ("SUCCESS", 200));
    let mut summary = String::new();
    stdout.read_to_string(&mut summary).expect("read stdout");
    let output = child.wait_with_output().expect("jumio-kyx ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{summary}\n{stderr}");
    assert!(
        summary
            .trim_start()
            .starts_with("SANDBOX: a synthetic result"),
        "{summary}"
    );
    assert!(summary.contains("Landing: SUCCESS"), "{summary}");
    assert!(
        summary.contains("of workflow 10011: PROCESSED"),
        "{summary}"
    );
    assert!(summary.contains("Decision: "), "{summary}");
}

#[test]
fn an_abandoned_journey_lands_on_the_error_receiver_and_fails_the_command() {
    let runtime = runtime();
    let journey =
        Journey::start(web_json().args(["--reference", "web-cli-abandon", "--wait", "120"]));
    let execution = journey.field("workflowExecutionId").to_owned();
    let (end, status, body) = walk(
        &runtime,
        journey.field("webHref"),
        Action::Abandon,
        Duration::ZERO,
    );
    assert_eq!(end.acquisition_status, "ERROR");
    assert!(
        end.redirect
            .as_deref()
            .unwrap()
            .starts_with(journey.field("errorUrl")),
        "{:?}",
        end.redirect
    );
    assert_eq!(status, 200, "{body}");
    let (success, rest, stderr) = journey.end();
    assert!(!success, "{rest}");
    let result: Value = serde_json::from_str(rest.trim()).expect("one line of JSON");
    assert_eq!(result["workflow"]["id"], execution.as_str());
    assert_eq!(result["workflow"]["status"], "INITIATED", "{result}");
    assert_eq!(result["landing"]["acquisitionStatus"], "ERROR");
    assert_eq!(
        result["landing"]["errorCode"],
        u32::from(end.error_code.unwrap())
    );
    assert!(
        stderr.contains(&format!("ended with ERROR {}", end.error_code.unwrap())),
        "{stderr}"
    );
}

/// With success and error URLs of its own (as against Jumio), the browser goes there and the
/// command finds the result through the callback and the status alone.
#[test]
fn with_urls_of_your_own_the_result_comes_without_a_landing() {
    let runtime = runtime();
    let journey = Journey::start(web_json().args([
        "--success-url",
        "https://shop.example.com/kyc/done?step=3",
        "--error-url",
        "https://shop.example.com/kyc/failed",
        "--wait",
        "120",
    ]));
    assert_eq!(
        journey.field("successUrl"),
        "https://shop.example.com/kyc/done?step=3"
    );
    assert!(
        journey
            .field("callbackUrl")
            .starts_with("http://127.0.0.1:")
    );
    let execution = journey.field("workflowExecutionId").to_owned();
    let end = runtime
        .block_on(support::web::Journey::with_samples().run(journey.field("webHref")))
        .expect("the journey runs to its end page");
    let redirect = end.redirect.as_deref().expect("a redirect");
    assert!(
        redirect.starts_with("https://shop.example.com/kyc/done?step=3&"),
        "{redirect}"
    );
    let landing = jumio_kyx::Landing::from_url(redirect).expect("the redirect is a landing");
    assert_eq!(landing.workflow_execution_id(), execution);
    assert!(landing.is_success());

    let (success, rest, stderr) = journey.end();
    assert!(success, "{rest}\n{stderr}");
    let result: Value = serde_json::from_str(rest.trim()).expect("one line of JSON");
    assert_eq!(result["workflow"]["id"], execution.as_str());
    assert_eq!(result["workflow"]["status"], "PROCESSED");
    assert_eq!(result["landing"], Value::Null);
}
