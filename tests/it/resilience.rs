//! The client under faults: 200 complete 10011 flows at concurrency 20 against the sandbox with
//! 20% of requests faulted (429 with and without Retry-After, 500, 502, 503, slow answers past the
//! client's timeout, dropped connections). Every flow ends in a result or an honest error, account
//! creation is never duplicated, and the counts are printed (`cargo test -p jumio-kyx --test it
//! resilience -- --nocapture`).

use jumio_kyx_test_support as support;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jumio_kyx::VerifyStep;
use jumio_kyx::{Error, RetryPolicy, WaitOptions};
use jumio_kyx::{Workflow, WorkflowRequest};
use jumio_kyx_sandbox::SandboxConfig;
use support::flow::{client, client_builder, faulty_sandbox, images, start};

const FLOWS: usize = 200;
const CONCURRENCY: usize = 20;

/// The kind of an error, for counting.
fn kind(error: &Error) -> String {
    match error {
        Error::Http { status, .. } => format!("http {}", status.as_u16()),
        Error::OutcomeUnknown { operation, .. } => format!("outcome unknown ({operation})"),
        Error::Timeout { operation, .. } => format!("timeout ({operation})"),
        Error::Transport { operation, .. } => format!("transport ({operation})"),
        other => format!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_flows_under_twenty_percent_faults() {
    let sandbox = faulty_sandbox(0.2, 7, Duration::from_millis(1500)).await;
    let client = client_builder(&sandbox)
        .timeout(Duration::from_millis(750))
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(8)
                .with_backoff(Duration::from_millis(20), Duration::from_millis(400))
                .with_max_retry_after(Duration::from_secs(2))
                .with_deadline(Duration::from_secs(30)),
        )
        .build()
        .expect("client");
    let wait = WaitOptions::deadline(Duration::from_secs(60))
        .intervals(Duration::from_millis(10), Duration::from_millis(100));

    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let created = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..FLOWS {
        let (client, semaphore, created) = (client.clone(), semaphore.clone(), created.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire_owned().await.expect("semaphore");
            let reference = format!("resilience-{i}");
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, &reference);
            let outcome = tokio::time::timeout(
                Duration::from_secs(120),
                client.verify(&request, images(), wait, |step| {
                    if let VerifyStep::Created { .. } = step {
                        created.lock().unwrap().push(reference.clone());
                    }
                }),
            )
            .await
            .expect("every flow ends");
            (reference, outcome)
        }));
    }

    let mut completed = 0;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut succeeded = HashSet::new();
    for task in tasks {
        let (reference, outcome) = task.await.expect("task");
        match outcome {
            Ok(result) => {
                assert_eq!(result.status().as_str(), "PROCESSED");
                completed += 1;
                succeeded.insert(reference);
            }
            Err(error) => {
                // An honest error: no local misuse, no unreadable answer.
                assert!(
                    matches!(
                        error,
                        Error::Http { .. }
                            | Error::OutcomeUnknown { .. }
                            | Error::Timeout { .. }
                            | Error::Transport { .. }
                            | Error::Unauthorized { .. }
                    ),
                    "{reference}: dishonest error {error:?}"
                );
                *errors.entry(kind(&error)).or_default() += 1;
            }
        }
    }
    let elapsed = started.elapsed();

    let faults = sandbox.faults();
    let applied_creates = faults
        .iter()
        .filter(|f| f.operation == "createAccount" && f.applied)
        .count();
    let creates_seen = created.lock().unwrap().len();
    let stats = sandbox.stats();
    let retries = client.retry_counts();
    let mut fault_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for fault in &faults {
        *fault_kinds.entry(format!("{:?}", fault.kind)).or_default() += 1;
    }
    println!("{FLOWS} flows at concurrency {CONCURRENCY}, 20% faults, in {elapsed:.1?}");
    println!("  completed: {completed}");
    println!("  errors by kind: {errors:?}");
    println!(
        "  retries by cause: {retries:?} (total {})",
        retries.total()
    );
    println!("  faults injected: {} {fault_kinds:?}", faults.len());
    println!(
        "  accounts created: {} (creates answered {creates_seen}, faulted creates that took effect {applied_creates})",
        stats.accounts_created
    );

    // Every kind of fault happened, and the client retried them.
    assert!(fault_kinds.len() >= 7, "{fault_kinds:?}");
    assert!(retries.total() > 0);
    // Most flows get through 20% faults thanks to the retries.
    assert!(
        completed >= FLOWS * 3 / 4,
        "only {completed} of {FLOWS} completed"
    );
    // One account per create that took effect: answered ones, and faulted ones whose answer was
    // lost (reported as OutcomeUnknown, never retried).
    assert_eq!(
        stats.accounts_created as usize,
        creates_seen + applied_creates
    );
    let unknown = errors
        .iter()
        .filter(|(k, _)| k.starts_with("outcome unknown (create_account)"))
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        unknown >= applied_creates,
        "{unknown} unknown outcomes, {applied_creates} applied"
    );
    // No duplicate account, and every successful flow's account is there.
    let references = sandbox.account_references();
    let distinct: HashSet<&String> = references.iter().collect();
    assert_eq!(distinct.len(), references.len(), "duplicate accounts");
    for reference in &succeeded {
        assert!(distinct.contains(reference), "{reference} has no account");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_callers_across_an_expiry_make_one_token_request() {
    let sandbox = start(SandboxConfig {
        access_token_ttl: Duration::from_secs(8),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let session = client
        .create_account(&WorkflowRequest::new(Workflow::IdAndIdentity, "expiry"))
        .await
        .expect("create");
    assert_eq!(sandbox.token_requests(), 1);
    // Past the refresh point (half the 8 s lifetime): 200 callers at once. The new token is
    // refreshed 4 s after it was issued, which leaves a loaded machine time enough to start
    // every caller before that.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let client = client.clone();
        let ids = session.ids().clone();
        tasks.push(tokio::spawn(async move { client.status(&ids).await }));
    }
    for task in tasks {
        task.await.expect("task").expect("status");
    }
    assert_eq!(sandbox.token_requests(), 2, "one refresh for 200 callers");
    println!(
        "200 concurrent callers across an expiry: {} token requests in all",
        sandbox.token_requests()
    );
}
