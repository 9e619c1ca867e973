//! The `jumio-kyx` binary: the README's main job on the embedded sandbox, the single steps, and a
//! one-line error with a non-zero exit and no account for every kind of bad input.

use jumio_kyx_test_support as support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use jumio_kyx_sandbox::Sandbox;
use serde_json::Value;
use support::expected::{CAPABILITIES_10011, CAPABILITIES_10013_EXTRA};
use support::images::Png;
use support::temp::TempDir;

/// The binary, run from the workspace root with none of its configuration in the environment.
fn jumio_kyx() -> Command {
    let mut command = support::command_without_env(
        env!("CARGO_BIN_EXE_jumio-kyx"),
        &[
            "JUMIO_CLIENT_ID",
            "JUMIO_CLIENT_SECRET",
            "JUMIO_BASE_URL",
            "JUMIO_REGION",
            "JUMIO_USER_AGENT",
            "JUMIO_TRANSACTION_TOKEN",
            "RUST_LOG",
        ],
    );
    command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run jumio-kyx")
}

const SAMPLES: [&str; 6] = [
    "--front",
    "samples/id-front.jpg",
    "--back",
    "samples/id-back.jpg",
    "--selfie",
    "samples/selfie.jpg",
];

#[test]
fn verify_runs_on_the_embedded_sandbox_without_credentials() {
    let output = run(jumio_kyx().arg("verify").args(SAMPLES));
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("running on the embedded sandbox"),
        "{stderr}"
    );
    assert!(stdout.contains("of workflow 10011: PROCESSED"), "{stdout}");
    assert!(stdout.contains("Decision: PASSED"), "{stdout}");
    for capability in CAPABILITIES_10011 {
        assert!(
            stdout.contains(capability),
            "{capability} missing:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("Name") && stdout.contains("Document"),
        "{stdout}"
    );
}

#[test]
fn verify_10013_prints_json() {
    let output = run(jumio_kyx()
        .args([
            "verify",
            "--workflow",
            "10013",
            "--json",
            "--country",
            "USA",
            "--id-type",
            "DRIVING_LICENSE",
        ])
        .args(SAMPLES));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON result");
    support::assert_valid("WorkflowExecutionDetails", &result);
    assert_eq!(result["workflow"]["definitionKey"], "10013");
    assert_eq!(result["workflow"]["status"], "PROCESSED");
    for capability in CAPABILITIES_10013_EXTRA {
        assert!(
            result["capabilities"][capability].is_array(),
            "{capability}"
        );
    }
}

fn sandbox(runtime: &tokio::runtime::Runtime) -> Sandbox {
    runtime.block_on(support::flow::sandbox())
}

fn against(sandbox: &Sandbox) -> Command {
    let mut command = jumio_kyx();
    command
        .env("JUMIO_BASE_URL", sandbox.base_url())
        .env("JUMIO_CLIENT_ID", sandbox.client_id())
        .env("JUMIO_CLIENT_SECRET", sandbox.client_secret());
    command
}

#[test]
fn bad_input_ends_with_one_line_and_no_account() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime);
    let dir = TempDir::new("cli-bad-input");
    let write = |name: &str, bytes: &[u8]| dir.file(name, bytes).to_string_lossy().into_owned();
    let png = |width, height, total| Png::new(width, height).padded_to(total).build();
    let pdf = write("scan.jpg", &b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".repeat(50));
    let huge = write("huge.png", &png(2000, 1500, 10 * 1024 * 1024 + 1));
    let wide = write("wide.png", &png(9000, 600, 4096));
    let small = write("small.png", &png(200, 200, 4096));
    let missing = dir.join("missing.jpg").to_string_lossy().into_owned();
    let long_reference = "r".repeat(101);
    let closed_url = support::closed_url();

    let front = "samples/id-front.jpg";
    // The front, further arguments, and what the one line of the error says.
    let cases: [(&str, &[&str], &str); 10] = [
        (&missing, &[], "missing.jpg cannot be read"),
        (
            &pdf,
            &[],
            "scan.jpg is not a JPEG or PNG image (it is a PDF",
        ),
        (&huge, &[], "Jumio accepts at most 10 MB"),
        (&wide, &[], "at most 8000×8000"),
        (&small, &[], "more than 300 px"),
        (front, &["--country", "XYZ"], "unknown country code \"XYZ\""),
        (
            front,
            &["--reference", &long_reference],
            "customerInternalReference: is 101 characters long; Jumio accepts at most 100",
        ),
        (
            front,
            &["--reference", "order|42"],
            "customerInternalReference: contains '|'",
        ),
        (front, &["--base-url", &closed_url], "could not reach Jumio"),
        (
            front,
            &["--client-secret", "not-the-secret-7f3a"],
            "Jumio refused the client credentials",
        ),
    ];
    for (front, extra, expected) in cases {
        let mut args = vec!["--front", front, "--selfie", "samples/selfie.jpg"];
        args.extend_from_slice(extra);
        let output = run(against(&sandbox).arg("verify").args(&args));
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains(expected),
            "{args:?}: {stderr:?} should contain {expected:?}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{args:?}: not one line: {stderr:?}"
        );
        assert!(
            !stderr.contains("not-the-secret-7f3a"),
            "the secret was printed: {stderr}"
        );
    }
    assert_eq!(sandbox.account_count(), 0);
    runtime.block_on(sandbox.shutdown());
}

fn json(output: Output) -> Value {
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

#[test]
fn single_steps_complete_a_verification() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime);
    let created = json(run(against(&sandbox).args([
        "create",
        "--reference",
        "support-case-1",
        "--show-secrets",
    ])));
    let account = created["accountId"].as_str().unwrap().to_owned();
    let execution = created["workflowExecutionId"].as_str().unwrap().to_owned();
    let credentials = created["credentials"].as_array().unwrap();
    let credential = |category: &str| {
        credentials
            .iter()
            .find(|c| c["category"] == category)
            .unwrap_or_else(|| panic!("no {category} credential"))
    };
    let (id, selfie) = (credential("ID"), credential("SELFIE"));
    let token = id["transactionToken"].as_str().unwrap().to_owned();
    for (credential, classifier, file) in [
        (id, "FRONT", "samples/id-front.jpg"),
        (id, "BACK", "samples/id-back.jpg"),
        (selfie, "FACE", "samples/selfie.jpg"),
    ] {
        let uploaded = json(run(against(&sandbox)
            .args([
                "upload",
                "--account",
                &account,
                "--workflow-execution",
                &execution,
            ])
            .args([
                "--credential",
                credential["id"].as_str().unwrap(),
                "--classifier",
                classifier,
                "--file",
                file,
            ])
            .env("JUMIO_TRANSACTION_TOKEN", &token)));
        assert_eq!(uploaded["workflowExecution"]["id"], execution.as_str());
    }
    json(run(against(&sandbox)
        .args([
            "finalize",
            "--account",
            &account,
            "--workflow-execution",
            &execution,
        ])
        .env("JUMIO_TRANSACTION_TOKEN", &token)));

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = json(run(against(&sandbox).args([
            "status",
            "--account",
            &account,
            "--workflow-execution",
            &execution,
        ])));
        if status["workflowExecution"]["status"] == "PROCESSED" {
            break;
        }
        assert!(Instant::now() < deadline, "not processed: {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let details = run(against(&sandbox).args([
        "details",
        "--account",
        &account,
        "--workflow-execution",
        &execution,
    ]));
    assert!(
        text(&details.stdout).contains("Decision: PASSED"),
        "{}",
        text(&details.stdout)
    );

    let dir = TempDir::new("cli-download");
    let output = dir.join("front.jpg");
    let download = run(against(&sandbox)
        .args([
            "download",
            "--account",
            &account,
            "--credential",
            id["id"].as_str().unwrap(),
        ])
        .args(["--classifier", "FRONT", "--output"])
        .arg(&output));
    assert!(download.status.success(), "{}", text(&download.stderr));
    assert_eq!(
        std::fs::read(&output).unwrap(),
        support::sample_bytes("id-front.jpg")
    );

    let deleted = run(against(&sandbox).args(["delete", "--account", &account]));
    assert!(deleted.status.success(), "{}", text(&deleted.stderr));
    let gone = run(against(&sandbox).args([
        "status",
        "--account",
        &account,
        "--workflow-execution",
        &execution,
    ]));
    assert!(!gone.status.success());
    assert!(text(&gone.stderr).contains("404"), "{}", text(&gone.stderr));
    runtime.block_on(sandbox.shutdown());
}

#[test]
fn workflows_lists_every_documented_key() {
    let output = run(jumio_kyx().arg("workflows"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for info in jumio_kyx::workflows::WORKFLOWS {
        assert!(
            stdout.contains(&format!("| {} |", info.key)),
            "{}",
            info.key
        );
    }
    assert!(stdout.contains("braCpfValidation"), "{stdout}");
}

#[test]
fn verify_takes_what_the_workflow_needs_and_names_what_is_missing() {
    let dir = TempDir::new("cli-workflows");
    let data = dir.path().join("data.json");
    std::fs::write(
        &data,
        r#"{"firstName":"JANE","lastName":"DOE","personalNumber":"12345678909","address":{"country":"BRA"}}"#,
    )
    .unwrap();
    let output = run(jumio_kyx()
        .args(["verify", "--workflow", "10005", "--json", "--prepared-data"])
        .arg(&data));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON result");
    assert_eq!(
        result["capabilities"]["braCpfValidation"][0]["decision"]["type"],
        "PASSED"
    );

    let cases: [(&[&str], &str); 3] = [
        (
            &["verify", "--workflow", "10005"],
            "workflow 10005 (Standalone CPF Validation) needs --prepared-data",
        ),
        (&["verify", "--workflow", "10026"], "needs --document"),
        (
            &[
                "verify",
                "--workflow",
                "10014",
                "--selfie",
                "samples/selfie.jpg",
            ],
            "needs --account",
        ),
    ];
    for (args, needle) in cases {
        let output = run(jumio_kyx().args(args));
        assert!(!output.status.success());
        let stderr = text(&output.stderr);
        assert!(stderr.contains(needle), "{stderr}");
    }
}
