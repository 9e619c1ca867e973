//! The `jumio-kyx` binary: the README's main job on the embedded sandbox, the single steps, and a
//! one-line error with a non-zero exit and no account for every kind of bad input.

use jumio_kyx_test_support as support;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jumio_kyx_sandbox::Sandbox;
use serde_json::Value;
use support::expected::{CAPABILITIES_10011, CAPABILITIES_10013_EXTRA};
use support::images::Png;
use support::temp::TempDir;

/// The binary, run from the workspace root with none of its configuration in the environment.
fn jumio_kyx() -> Command {
    support::cli_command(env!("CARGO_BIN_EXE_jumio-kyx"), &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run jumio-kyx")
}

/// Runs `command` with `input` on its standard input.
fn run_with_stdin(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jumio-kyx");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("jumio-kyx ends")
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
fn verify_on_the_sandbox_says_its_result_is_synthetic() {
    let summary = run(jumio_kyx().arg("verify").args(SAMPLES));
    assert!(summary.status.success(), "{}", text(&summary.stderr));
    let stdout = text(&summary.stdout);
    assert!(
        stdout
            .lines()
            .next()
            .is_some_and(|line| line.starts_with("SANDBOX: a synthetic result")),
        "{stdout}"
    );
    let json = run(jumio_kyx().args(["verify", "--json"]).args(SAMPLES));
    assert!(json.status.success(), "{}", text(&json.stderr));
    let result: Value = serde_json::from_slice(&json.stdout).expect("JSON result");
    assert_eq!(result["sandbox"], true);

    for refusing in [
        jumio_kyx().args(["verify", "--no-sandbox"]),
        jumio_kyx().arg("verify").env("JUMIO_NO_SANDBOX", "1"),
    ] {
        let output = run(refusing.args(SAMPLES));
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{}", text(&output.stdout));
        assert!(stderr.contains("no Jumio credentials"), "{stderr}");
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    }

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime);
    let configured = run(against(&sandbox)
        .args(["verify", "--json", "--no-sandbox"])
        .args(SAMPLES));
    assert!(configured.status.success(), "{}", text(&configured.stderr));
    let result: Value = serde_json::from_slice(&configured.stdout).expect("JSON result");
    assert_eq!(result["sandbox"], false);
    runtime.block_on(sandbox.shutdown());
}

#[test]
fn secrets_are_refused_on_the_command_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime);
    let secret = "cmdline-secret-91c2";
    let ids = [
        "--account",
        "11111111-1111-1111-1111-111111111111",
        "--workflow-execution",
        "22222222-2222-2222-2222-222222222222",
    ];
    let cases: [(Vec<&str>, &str); 3] = [
        (
            [&["verify", "--client-secret", secret][..], &SAMPLES].concat(),
            "JUMIO_CLIENT_SECRET, or use --client-secret-file",
        ),
        (
            [&["finalize", "--token", secret][..], &ids].concat(),
            "JUMIO_TRANSACTION_TOKEN, or use --token-file",
        ),
        (
            [
                &["upload", "--token", secret][..],
                &ids,
                &["--credential", "c", "--classifier", "FRONT"],
                &["--file", "samples/id-front.jpg"],
            ]
            .concat(),
            "JUMIO_TRANSACTION_TOKEN, or use --token-file",
        ),
    ];
    for (args, hint) in cases {
        let output = run(against(&sandbox).args(&args));
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains("unexpected argument"), "{args:?}: {stderr}");
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
        assert!(
            !stderr.contains(secret),
            "{args:?} printed the secret: {stderr}"
        );
    }
    assert_eq!(sandbox.account_count(), 0);

    // From a file or standard input instead, the secret works; a wrong one is refused.
    let dir = TempDir::new("cli-secret-file");
    let file = dir.file(
        "secret",
        format!("{}\n", sandbox.client_secret()).as_bytes(),
    );
    let wrong = dir.file("wrong", b"not-the-secret\n");
    let mut from_file = against(&sandbox);
    from_file
        .env_remove("JUMIO_CLIENT_SECRET")
        .args([
            "create",
            "--reference",
            "secret-file",
            "--client-secret-file",
        ])
        .arg(&file);
    json(run(&mut from_file));
    let mut from_stdin = against(&sandbox);
    from_stdin.env_remove("JUMIO_CLIENT_SECRET").args([
        "create",
        "--reference",
        "secret-stdin",
        "--client-secret-file",
        "-",
    ]);
    json(run_with_stdin(&mut from_stdin, sandbox.client_secret()));
    let refused = run(against(&sandbox)
        .args([
            "create",
            "--reference",
            "secret-wrong",
            "--client-secret-file",
        ])
        .arg(&wrong));
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("Jumio refused the client credentials"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(sandbox.account_count(), 2);
    runtime.block_on(sandbox.shutdown());
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
    let wrong_secret = write("wrong-secret", b"not-the-secret-7f3a\n");

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
            &["--client-secret-file", &wrong_secret],
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
        let mut upload = against(&sandbox);
        upload
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
            ]);
        // The BACK goes with the token on standard input, and asks to see it.
        let output = if classifier == "BACK" {
            run_with_stdin(
                upload.args(["--token-file", "-", "--show-secrets"]),
                &format!("{token}\n"),
            )
        } else {
            run(upload.env("JUMIO_TRANSACTION_TOKEN", &token))
        };
        let printed = text(&output.stdout);
        let uploaded = json(output);
        assert_eq!(uploaded["workflowExecution"]["id"], execution.as_str());
        if classifier == "BACK" {
            assert_eq!(uploaded["api"]["token"], token.as_str(), "{printed}");
        } else {
            assert!(
                !printed.contains(&token),
                "the token was printed: {printed}"
            );
            assert!(
                uploaded["api"]["workflowExecution"].is_string(),
                "{printed}"
            );
        }
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
