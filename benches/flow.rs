//! The performance benchmark of issue "Performance, measured side by side": this crate's client
//! against a minimal hand-written reqwest client, streaming uploads against whole-file buffering,
//! the local image check against decoding, and the sandbox's own throughput.
//!
//! ```text
//! cargo bench --features cli --bench flow [-- --flows N --concurrency C --rounds R --quick]
//! ```
//!
//! The sandbox runs as a separate process (`jumio-kyx sandbox`, built by cargo with this bench), so
//! the figures of this process are the client's alone. The memory of each upload phase is measured
//! in a fresh child process (this executable, re-run with a hidden flag).
//!
//! Parts:
//! 1. `N` complete 10011 flows (token cached, create, three uploads of ~100 KB JPEGs, finalize,
//!    status, details) at concurrency `C`: `JumioClient` + `Session`, `JumioClient::verify`, and
//!    the same HTTP requests hand-written with one shared `reqwest::Client`, in interleaved rounds;
//!    the median of the rounds is reported, with the CPU time per flow of this process and of the
//!    sandbox.
//! 2. 16 × 10 MB uploads at once from disk: streamed by `Session::upload_front`
//!    (`ImageSource::path`) against `tokio::fs::read` + `Part::bytes`; peak resident memory growth.
//! 3. The local image check (`check_header`, `ImageSource::check`) of an 8000×8000 PNG and a 10 MB
//!    JPEG against decoding them.
//! 4. The sandbox's throughput: flows/s with the lightest client at higher concurrency, and flows
//!    per second of sandbox CPU time.
//!
//! `--quick` shrinks every part (for CI); without `--bench` on the command line (as when
//! `cargo test --benches` runs it) the quick configuration is used too. No figure is asserted:
//! the closing table says which targets were met.

use std::error::Error as StdError;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jumio_kyx::Images;
use jumio_kyx::generated::types::{DecisionType, WorkflowStatus};
use jumio_kyx::image::{ImageLimits, check_header};
use jumio_kyx::{ImageSource, JumioClient, Session, WaitOptions};
use jumio_kyx::{Workflow, WorkflowRequest};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, HeaderValue};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

type BoxError = Box<dyn StdError + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

const CLIENT_ID: &str = "sandbox-client";
const CLIENT_SECRET: &str = "sandbox-secret";
const USER_AGENT: &str = "Bench Flow/1.0";
const MIB: u64 = 1024 * 1024;
/// The size of the large upload images: 10 MB less 4 KiB, so that they pass the 10 MB limit.
const LARGE_IMAGE_BYTES: usize = (10 * MIB - 4096) as usize;
/// The size of the flow images.
const FLOW_IMAGE_BYTES: usize = 100 * 1024;

// ---------------------------------------------------------------------------------------------
// Options

#[derive(Clone, Debug)]
struct Options {
    flows: usize,
    concurrency: usize,
    rounds: usize,
    uploads: usize,
    sandbox_concurrency: usize,
    variants: Vec<Variant>,
    quick: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
        let mut options = if quick {
            Options {
                flows: 20,
                concurrency: 2,
                rounds: 2,
                uploads: 2,
                sandbox_concurrency: 8,
                variants: Variant::DEFAULT.to_vec(),
                quick,
            }
        } else {
            Options {
                flows: 400,
                concurrency: 8,
                rounds: 5,
                uploads: 16,
                sandbox_concurrency: 32,
                variants: Variant::DEFAULT.to_vec(),
                quick,
            }
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> Result<usize> {
                let text = args.next().ok_or(format!("{name} needs a value"))?;
                let value: usize = text.parse().map_err(|_| format!("{name} {text:?}"))?;
                if value == 0 {
                    return Err(format!("{name} must be at least 1").into());
                }
                Ok(value)
            };
            match arg.as_str() {
                "--flows" => options.flows = value("--flows")?,
                "--concurrency" => options.concurrency = value("--concurrency")?,
                "--rounds" => options.rounds = value("--rounds")?,
                "--uploads" => options.uploads = value("--uploads")?,
                "--sandbox-concurrency" => {
                    options.sandbox_concurrency = value("--sandbox-concurrency")?
                }
                "--variants" => {
                    let list = args.next().ok_or("--variants needs a value")?;
                    options.variants = list
                        .split(',')
                        .map(|name| {
                            Variant::ALL
                                .into_iter()
                                .find(|v| v.key() == name)
                                .ok_or(format!("unknown variant {name:?}"))
                        })
                        .collect::<Result<_, _>>()?;
                    // The baseline always runs, first: the ratios are against it.
                    options.variants.retain(|v| *v != Variant::Baseline);
                    options.variants.insert(0, Variant::Baseline);
                }
                "--quick" | "--bench" => {}
                "--help" | "-h" => {
                    println!(
                        "cargo bench --features cli --bench flow -- [--flows N] [--concurrency C] \
                         [--rounds R] [--uploads U] [--sandbox-concurrency S] \
                         [--variants baseline,session,verify] [--quick]"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)").into()),
            }
        }
        Ok(options)
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(MEMORY_CHILD_FLAG) {
        return memory_child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some(SANDBOX_CHILD_FLAG) {
        return sandbox_child();
    }
    let options = Options::parse(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

// ---------------------------------------------------------------------------------------------
// The run

struct Summary {
    rows: Vec<(String, String, String, String)>,
}

impl Summary {
    fn add(&mut self, figure: &str, value: String, target: &str, met: Option<bool>) {
        let met = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "n/a",
        };
        self.rows
            .push((figure.into(), value, target.into(), met.into()));
    }
}

async fn run(options: Options) -> Result<()> {
    let started = Instant::now();
    let temp = TempDir::new()?;
    println!(
        "# jumio-kyx flow benchmark{}",
        if options.quick { " (--quick)" } else { "" }
    );
    println!(
        "machine: {} cores, {}, {} memory",
        std::thread::available_parallelism().map_or(0, usize::from),
        cpu_model(),
        memory_total()
    );
    println!(
        "options: --flows {} --concurrency {} --rounds {} --uploads {} --sandbox-concurrency {}",
        options.flows,
        options.concurrency,
        options.rounds,
        options.uploads,
        options.sandbox_concurrency
    );
    let sandbox = SandboxProcess::spawn()?;
    println!(
        "sandbox: {} (pid {}, separate process, processing delay 0 ms)",
        sandbox.base_url, sandbox.pid
    );
    let mut summary = Summary { rows: Vec::new() };

    let flow_images = FlowImages::write(temp.path())?;
    let part1 = part1_flows(&options, &sandbox, &flow_images, &mut summary).await?;
    part2_memory(&options, &sandbox, temp.path(), &mut summary).await?;
    part3_checks(&options, temp.path(), &mut summary).await?;
    part4_sandbox(&options, &sandbox, &flow_images, &part1, &mut summary).await?;

    println!("\n## Summary\n");
    let widths = summary.rows.iter().fold((6, 5, 6, 4), |w, r| {
        (
            w.0.max(r.0.chars().count()),
            w.1.max(r.1.chars().count()),
            w.2.max(r.2.chars().count()),
            w.3.max(r.3.chars().count()),
        )
    });
    let line = |a: &str, b: &str, c: &str, d: &str| {
        println!(
            "| {a}{} | {b}{} | {c}{} | {d}{} |",
            " ".repeat(widths.0 - a.chars().count()),
            " ".repeat(widths.1 - b.chars().count()),
            " ".repeat(widths.2 - c.chars().count()),
            " ".repeat(widths.3 - d.chars().count()),
        )
    };
    line("figure", "value", "target", "met?");
    line(
        &"-".repeat(widths.0),
        &"-".repeat(widths.1),
        &"-".repeat(widths.2),
        &"-".repeat(widths.3),
    );
    for (a, b, c, d) in &summary.rows {
        line(a, b, c, d);
    }
    drop(sandbox);
    println!(
        "\nbenchmark took {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if options.quick {
            " (--quick: sizes are reduced, the targets apply to the full run)"
        } else {
            ""
        }
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Part 1: complete flows, client against baseline

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Baseline,
    Session,
    Verify,
    /// The baseline with the images read into memory once (no file I/O in the flow).
    BaselineMemory,
    /// The client with `ImageSource::bytes` of the same in-memory images.
    SessionMemory,
}

impl Variant {
    /// The variants run by default.
    const DEFAULT: [Variant; 3] = [Variant::Baseline, Variant::Session, Variant::Verify];
    /// Every variant, for `--variants`.
    const ALL: [Variant; 5] = [
        Variant::Baseline,
        Variant::Session,
        Variant::Verify,
        Variant::BaselineMemory,
        Variant::SessionMemory,
    ];

    fn key(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline",
            Variant::Session => "session",
            Variant::Verify => "verify",
            Variant::BaselineMemory => "baseline-mem",
            Variant::SessionMemory => "session-mem",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline (hand-written reqwest)",
            Variant::Session => "client (JumioClient + Session)",
            Variant::Verify => "client (JumioClient::verify)",
            Variant::BaselineMemory => "baseline, images in memory",
            Variant::SessionMemory => "client + Session, ImageSource::bytes",
        }
    }
}

struct FlowImages {
    front: PathBuf,
    back: PathBuf,
    selfie: PathBuf,
}

impl FlowImages {
    fn write(dir: &Path) -> Result<Self> {
        let write = |name: &str, seed: u64| -> Result<PathBuf> {
            let path = dir.join(name);
            std::fs::write(&path, synthetic_jpeg(1600, 1200, FLOW_IMAGE_BYTES, seed))?;
            Ok(path)
        };
        Ok(FlowImages {
            front: write("front.jpg", 1)?,
            back: write("back.jpg", 2)?,
            selfie: write("selfie.jpg", 3)?,
        })
    }
}

/// What the rounds of part 1 measured, for part 4.
struct Part1 {
    sandbox_cpu_s: f64,
    flows: usize,
}

#[derive(Default, Clone)]
struct RoundFigures {
    flows_per_s: f64,
    own_cpu_ms_per_flow: f64,
    sandbox_cpu_ms_per_flow: f64,
}

async fn part1_flows(
    options: &Options,
    sandbox: &SandboxProcess,
    images: &FlowImages,
    summary: &mut Summary,
) -> Result<Part1> {
    println!(
        "\n## 1. Complete 10011 flows: {} flows at concurrency {}, {} interleaved rounds",
        options.flows, options.concurrency, options.rounds
    );
    println!(
        "(token cached; create, upload FRONT/BACK/FACE of ~{} KB JPEGs from disk, finalize, status, \
         details: 7 requests per flow)",
        FLOW_IMAGE_BYTES / 1024
    );
    let drivers = Drivers::new(&sandbox.base_url).await?;
    let images = FlowImagesShared::new(images)?;

    // One flow of each kind first, checked: everything PASSED.
    let variants = options.variants.clone();
    for &variant in &variants {
        let decision = drivers.flow(variant, &images, 0).await?;
        if decision != "PASSED" {
            return Err(format!("{}: the first flow ended {decision}", variant.name()).into());
        }
    }
    println!("check: one flow of each kind completed with decision PASSED");
    // Warm-up.
    for &variant in &variants {
        run_flows(
            &drivers,
            variant,
            &images,
            options.flows.min(50),
            options.concurrency,
            sandbox,
        )
        .await?;
    }

    let mut figures: Vec<Vec<RoundFigures>> = vec![Vec::new(); variants.len()];
    let mut sandbox_cpu_s = 0.0;
    let mut total_flows = 0;
    println!();
    println!(
        "{:<7} {:<32} {:>10} {:>20} {:>22}",
        "round", "variant", "flows/s", "this process CPU/flow", "sandbox CPU/flow"
    );
    for round in 0..options.rounds {
        // Alternate the order so that neither variant always runs first.
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let variant = variants[index];
            let round_figures = run_flows(
                &drivers,
                variant,
                &images,
                options.flows,
                options.concurrency,
                sandbox,
            )
            .await?;
            sandbox_cpu_s += round_figures.sandbox_cpu_ms_per_flow * options.flows as f64 / 1000.0;
            total_flows += options.flows;
            println!(
                "{:<7} {:<32} {:>10.1} {:>17.3} ms {:>19.3} ms",
                round + 1,
                variant.name(),
                round_figures.flows_per_s,
                round_figures.own_cpu_ms_per_flow,
                round_figures.sandbox_cpu_ms_per_flow
            );
            figures[index].push(round_figures);
        }
    }
    let medians: Vec<RoundFigures> = figures
        .iter()
        .map(|rounds| RoundFigures {
            flows_per_s: median(rounds.iter().map(|r| r.flows_per_s)),
            own_cpu_ms_per_flow: median(rounds.iter().map(|r| r.own_cpu_ms_per_flow)),
            sandbox_cpu_ms_per_flow: median(rounds.iter().map(|r| r.sandbox_cpu_ms_per_flow)),
        })
        .collect();
    println!("\nmedian of {} rounds:", options.rounds);
    for (variant, m) in variants.iter().zip(&medians) {
        println!(
            "  {:<32} {:>8.1} flows/s   this process {:.3} ms CPU/flow   sandbox {:.3} ms CPU/flow",
            variant.name(),
            m.flows_per_s,
            m.own_cpu_ms_per_flow,
            m.sandbox_cpu_ms_per_flow
        );
    }
    let baseline = &medians[0];
    for (index, (variant, m)) in variants.iter().zip(&medians).enumerate().skip(1) {
        // The ratio of each round to the baseline of the same round (they ran back to back), then
        // the median: robust against load that comes and goes on the machine.
        let ratio = median(
            figures[index]
                .iter()
                .zip(&figures[0])
                .map(|(client, base)| client.flows_per_s / base.flows_per_s),
        );
        let cpu_ratio = baseline.own_cpu_ms_per_flow / m.own_cpu_ms_per_flow;
        let extra_cpu = m.own_cpu_ms_per_flow - baseline.own_cpu_ms_per_flow;
        println!(
            "  {} / baseline: flows/s ratio {ratio:.3} (median of the per-round ratios); \
             client-side CPU {:+.3} ms per flow",
            variant.name(),
            extra_cpu
        );
        summary.add(
            &format!("flows/s, {} / baseline", variant.name()),
            format!(
                "{ratio:.3} ({:.0} / {:.0} flows/s)",
                m.flows_per_s, baseline.flows_per_s
            ),
            ">= 0.95",
            (!options.quick).then_some(ratio >= 0.95),
        );
        summary.add(
            &format!("CPU of this process per flow, {}", variant.name()),
            format!(
                "{:.3} ms vs {:.3} ms baseline ({extra_cpu:+.3} ms, ratio {cpu_ratio:.2})",
                m.own_cpu_ms_per_flow, baseline.own_cpu_ms_per_flow
            ),
            "(explains the ratio)",
            None,
        );
    }
    Ok(Part1 {
        sandbox_cpu_s,
        flows: total_flows,
    })
}

struct FlowImagesShared {
    front: PathBuf,
    back: PathBuf,
    selfie: PathBuf,
    /// The three files' content, for the in-memory variants.
    memory: [bytes::Bytes; 3],
}

impl FlowImagesShared {
    fn new(images: &FlowImages) -> Result<Arc<Self>> {
        let read = |path: &Path| std::fs::read(path).map(bytes::Bytes::from);
        Ok(Arc::new(FlowImagesShared {
            front: images.front.clone(),
            back: images.back.clone(),
            selfie: images.selfie.clone(),
            memory: [
                read(&images.front)?,
                read(&images.back)?,
                read(&images.selfie)?,
            ],
        }))
    }

    /// The front, back or selfie (0, 1, 2), from its file or from memory.
    fn source(&self, which: usize, memory: bool) -> ImageSource {
        let path = [&self.front, &self.back, &self.selfie][which];
        if memory {
            ImageSource::bytes(file_name(path), self.memory[which].clone())
        } else {
            ImageSource::path(path)
        }
    }
}

/// The clients under test, built once.
struct Drivers {
    client: JumioClient,
    baseline: Baseline,
}

impl Drivers {
    async fn new(base_url: &str) -> Result<Arc<Self>> {
        let client = JumioClient::builder()
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .base_url(base_url)
            .user_agent(USER_AGENT)
            .build()?;
        let baseline = Baseline::new(base_url, client.user_agent()).await?;
        Ok(Arc::new(Drivers { client, baseline }))
    }

    /// One complete flow; returns the overall decision.
    async fn flow(&self, variant: Variant, images: &FlowImagesShared, n: usize) -> Result<String> {
        match variant {
            Variant::Baseline => self.baseline.flow(images, n, false).await,
            Variant::BaselineMemory => self.baseline.flow(images, n, true).await,
            Variant::Session => client_flow(&self.client, images, n, false).await,
            Variant::SessionMemory => client_flow(&self.client, images, n, true).await,
            Variant::Verify => {
                let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("bench-{n}"));
                let images = Images {
                    front: ImageSource::path(&images.front),
                    back: Some(ImageSource::path(&images.back)),
                    selfie: ImageSource::path(&images.selfie),
                };
                let result = self
                    .client
                    .verify(&request, images, fast_wait(), |_| {})
                    .await?;
                Ok(result.decision_type().to_string())
            }
        }
    }
}

fn fast_wait() -> WaitOptions {
    WaitOptions::deadline(Duration::from_secs(30))
        .intervals(Duration::from_millis(1), Duration::from_millis(10))
}

/// The flow with the crate's client, step by step.
async fn client_flow(
    client: &JumioClient,
    images: &FlowImagesShared,
    n: usize,
    memory: bool,
) -> Result<String> {
    let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("bench-{n}"));
    let mut session: Session = client.create_account(&request).await?;
    session.upload_front(images.source(0, memory)).await?;
    session.upload_back(images.source(1, memory)).await?;
    session.upload_selfie(images.source(2, memory)).await?;
    let finalized = session.finalize().await?;
    let ids = finalized.ids();
    loop {
        let status = client.status(ids).await?;
        if status.workflow_execution.status == WorkflowStatus::Processed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let result = client.details(ids).await?;
    Ok(match result.decision_type() {
        DecisionType::Passed => "PASSED".to_owned(),
        other => other.to_string(),
    })
}

/// Runs `flows` flows of `variant` on `concurrency` tasks.
async fn run_flows(
    drivers: &Arc<Drivers>,
    variant: Variant,
    images: &Arc<FlowImagesShared>,
    flows: usize,
    concurrency: usize,
    sandbox: &SandboxProcess,
) -> Result<RoundFigures> {
    let next = Arc::new(AtomicUsize::new(0));
    let own_before = process_cpu_seconds("self")?;
    let sandbox_before = sandbox.cpu_seconds()?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (drivers, images, next) = (drivers.clone(), images.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= flows {
                    return Ok::<(), BoxError>(());
                }
                drivers.flow(variant, &images, n).await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let own = process_cpu_seconds("self")? - own_before;
    let sandbox_cpu = sandbox.cpu_seconds()? - sandbox_before;
    Ok(RoundFigures {
        flows_per_s: flows as f64 / elapsed,
        own_cpu_ms_per_flow: own * 1000.0 / flows as f64,
        sandbox_cpu_ms_per_flow: sandbox_cpu * 1000.0 / flows as f64,
    })
}

/// The same requests written by hand: one shared `reqwest::Client` configured like the crate's
/// (no redirects, the same timeouts and User-Agent), the access token fetched once.
struct Baseline {
    http: reqwest::Client,
    base: String,
    bearer: HeaderValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    account: Id,
    workflow_execution: CreatedExecution,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct CreatedExecution {
    id: String,
    credentials: Vec<CreatedCredential>,
}

#[derive(Deserialize)]
struct CreatedCredential {
    id: String,
    category: String,
    api: Option<CreatedApi>,
}

#[derive(Deserialize)]
struct CreatedApi {
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    workflow_execution: StatusExecution,
}

#[derive(Deserialize)]
struct StatusExecution {
    status: String,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
}

fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))?;
    value.set_sensitive(true);
    Ok(value)
}

impl Baseline {
    fn http(user_agent: &str) -> Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()?)
    }

    async fn new(base: &str, user_agent: &str) -> Result<Self> {
        let http = Self::http(user_agent)?;
        let token: TokenBody = http
            .post(format!("{base}/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header(ACCEPT, "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Baseline {
            http,
            base: base.to_owned(),
            bearer: bearer(&token.access_token)?,
        })
    }

    async fn flow(&self, images: &FlowImagesShared, n: usize, memory: bool) -> Result<String> {
        let base = &self.base;
        let created: Created = self
            .http
            .post(format!("{base}/api/v1/accounts"))
            .header(AUTHORIZATION, self.bearer.clone())
            .header(ACCEPT, "application/json")
            .json(&serde_json::json!({
                "customerInternalReference": format!("bench-{n}"),
                "workflowDefinition": { "key": 10011 },
            }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let (account, execution) = (&created.account.id, &created.workflow_execution.id);
        let execution_url =
            format!("{base}/api/v1/accounts/{account}/workflow-executions/{execution}");
        let mut transaction = None;
        for credential in &created.workflow_execution.credentials {
            let Some(api) = &credential.api else { continue };
            let token = bearer(&api.token)?;
            let parts: &[(&str, &Path, usize)] = match credential.category.as_str() {
                "ID" => &[("FRONT", &images.front, 0), ("BACK", &images.back, 1)],
                "SELFIE" => &[("FACE", &images.selfie, 2)],
                _ => &[],
            };
            for &(classifier, path, which) in parts {
                let part = if memory {
                    let bytes = images.memory[which].clone();
                    let len = bytes.len() as u64;
                    Part::stream_with_length(reqwest::Body::from(bytes), len)
                } else {
                    Part::bytes(tokio::fs::read(path).await?)
                };
                let part = part.file_name(file_name(path)).mime_str("image/jpeg")?;
                self.http
                    .post(format!(
                        "{execution_url}/credentials/{}/parts/{classifier}",
                        credential.id
                    ))
                    .header(AUTHORIZATION, token.clone())
                    .header(ACCEPT, "application/json")
                    .multipart(Form::new().part("file", part))
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
            }
            transaction.get_or_insert(token);
        }
        let transaction = transaction.ok_or("no API credential")?;
        self.http
            .put(&execution_url)
            .header(AUTHORIZATION, transaction)
            .header(ACCEPT, "application/json")
            .header(CONTENT_LENGTH, "0")
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        loop {
            let status: StatusBody = self
                .http
                .get(format!("{execution_url}/status"))
                .header(AUTHORIZATION, self.bearer.clone())
                .header(ACCEPT, "application/json")
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            if status.workflow_execution.status == "PROCESSED" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let details: serde_json::Value = self
            .http
            .get(&execution_url)
            .header(AUTHORIZATION, self.bearer.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(details["decision"]["type"]
            .as_str()
            .unwrap_or("no decision")
            .to_owned())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Part 2: memory of concurrent 10 MB uploads, each phase in a child process

const MEMORY_CHILD_FLAG: &str = "--memory-child";

async fn part2_memory(
    options: &Options,
    sandbox: &SandboxProcess,
    dir: &Path,
    summary: &mut Summary,
) -> Result<()> {
    let count = options.uploads;
    println!(
        "\n## 2. {count} uploads of {:.1} MB images from disk at once, peak resident memory growth",
        LARGE_IMAGE_BYTES as f64 / MIB as f64
    );
    let mut paths = Vec::new();
    for i in 0..count {
        let path = dir.join(format!("large-{i}.jpg"));
        std::fs::write(
            &path,
            synthetic_jpeg(4000, 3000, LARGE_IMAGE_BYTES, 100 + i as u64),
        )?;
        paths.push(path);
    }
    println!(
        "(each phase runs in a fresh child process: VmHWM after the uploads minus VmRSS before \
         them, the accounts created and the connections open beforehand)"
    );
    let mut growth = Vec::new();
    for mode in ["streaming", "naive"] {
        let output = Command::new(std::env::current_exe()?)
            .args([MEMORY_CHILD_FLAG, mode, &sandbox.base_url])
            .args(paths.iter().map(|p| p.as_os_str()))
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            return Err(format!("the {mode} child failed: {}", output.status).into());
        }
        let text = String::from_utf8(output.stdout)?;
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("MEMORY "))
            .ok_or("the memory child printed no result")?;
        let numbers: Vec<f64> = line
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        let (start_kb, hwm_kb, seconds) = (numbers[0], numbers[1], numbers[2]);
        let grown = (hwm_kb - start_kb) / 1024.0;
        let label = match mode {
            "streaming" => "client, ImageSource::path (streamed)",
            _ => "naive, tokio::fs::read + Part::bytes",
        };
        println!(
            "  {label:<40} VmRSS before {:>7.1} MB, VmHWM after {:>7.1} MB: growth {:>6.1} MB \
             ({:.2} s, {:.0} MB/s)",
            start_kb / 1024.0,
            hwm_kb / 1024.0,
            grown,
            seconds,
            (count * LARGE_IMAGE_BYTES) as f64 / MIB as f64 / seconds
        );
        growth.push(grown);
    }
    let full = count == 16;
    summary.add(
        &format!("peak memory growth, {count} x 10 MB uploads, streamed"),
        format!("{:.1} MB", growth[0]),
        "< 48 MB (16 uploads)",
        full.then_some(growth[0] < 48.0),
    );
    summary.add(
        &format!("peak memory growth, {count} x 10 MB uploads, whole file in memory"),
        format!("{:.1} MB", growth[1]),
        ">= 160 MB (16 uploads; for comparison)",
        full.then_some(growth[1] >= 160.0),
    );
    for path in paths {
        std::fs::remove_file(path)?;
    }
    Ok(())
}

/// VmRSS and VmHWM of this process, in KiB.
fn memory_kb() -> Result<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or(format!("no {name} in /proc/self/status"))?;
        Ok(line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The child of part 2: `--memory-child streaming|naive BASE_URL PATH...`.
fn memory_child(args: &[String]) -> Result<()> {
    let [mode, base_url, paths @ ..] = args else {
        return Err("usage: --memory-child streaming|naive BASE_URL PATH...".into());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = JumioClient::builder()
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .base_url(base_url.as_str())
            .user_agent(USER_AGENT)
            .build()?;
        let http = Baseline::http(client.user_agent())?;
        // The accounts first, and every connection opened, so that only the uploads are measured.
        let mut sessions = Vec::new();
        for (i, _) in paths.iter().enumerate() {
            let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("memory-{i}"));
            sessions.push(client.create_account(&request).await?);
        }
        let warm = sessions.iter().map(|_| {
            http.get(format!("{base_url}/"))
                .header(ACCEPT, "application/json")
                .send()
        });
        for response in warm.collect::<Vec<_>>() {
            response.await?.error_for_status()?;
        }
        // Reset the peak to the current resident size (Linux 4.0+); the start is read after it.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let (rss_start, _) = memory_kb()?;
        let started = Instant::now();
        // Every upload is under way at once: each task starts sending when all are ready (for the
        // naive upload, when all files are read).
        let ready = Arc::new(tokio::sync::Barrier::new(sessions.len()));
        let mut tasks = Vec::new();
        for (mut session, path) in sessions.into_iter().zip(paths.iter().cloned()) {
            let http = http.clone();
            let base_url = base_url.clone();
            let ready = ready.clone();
            let naive = mode == "naive";
            tasks.push(tokio::spawn(async move {
                if naive {
                    naive_upload(&http, &base_url, &session, Path::new(&path), &ready).await
                } else {
                    ready.wait().await;
                    session
                        .upload_front(ImageSource::path(path))
                        .await
                        .map_err(BoxError::from)
                }
            }));
        }
        for task in tasks {
            task.await??;
        }
        let seconds = started.elapsed().as_secs_f64();
        let (_, hwm_end) = memory_kb()?;
        println!("MEMORY {rss_start} {hwm_end} {seconds}");
        std::io::stdout().flush()?;
        Ok(())
    })
}

/// The whole file read into memory and sent as `Part::bytes`.
async fn naive_upload(
    http: &reqwest::Client,
    base_url: &str,
    session: &Session,
    path: &Path,
    ready: &tokio::sync::Barrier,
) -> Result<()> {
    let credential = session
        .credentials()
        .iter()
        .find(|c| c.parts().any(|p| p == "FRONT"))
        .ok_or("no ID credential")?;
    let bytes = tokio::fs::read(path).await?;
    let part = Part::bytes(bytes)
        .file_name(file_name(path))
        .mime_str("image/jpeg")?;
    ready.wait().await;
    use secrecy::ExposeSecret as _;
    http.post(format!(
        "{base_url}/api/v1/accounts/{}/workflow-executions/{}/credentials/{}/parts/FRONT",
        session.account_id(),
        session.workflow_execution_id(),
        credential.id()
    ))
    .header(
        AUTHORIZATION,
        bearer(credential.transaction_token().expose_secret())?,
    )
    .header(ACCEPT, "application/json")
    .multipart(Form::new().part("file", part))
    .send()
    .await?
    .error_for_status()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Part 3: the local image check against decoding

async fn part3_checks(options: &Options, dir: &Path, summary: &mut Summary) -> Result<()> {
    let (png_side, jpeg_target) = if options.quick {
        (2000, MIB as usize)
    } else {
        (8000, (10 * MIB - 256 * 1024) as usize)
    };
    println!("\n## 3. Local image check (header only) against a full decode, per image");
    let generating = Instant::now();
    let png_path = dir.join("large.png");
    write_png(&png_path, png_side)?;
    let jpeg_path = dir.join("large-real.jpg");
    let (jpeg_w, jpeg_h) = write_noisy_jpeg(&jpeg_path, jpeg_target)?;
    println!(
        "(images generated in {:.1} s: {png_side}×{png_side} PNG of {:.1} MB, {jpeg_w}×{jpeg_h} \
         JPEG of {:.1} MB)",
        generating.elapsed().as_secs_f64(),
        std::fs::metadata(&png_path)?.len() as f64 / MIB as f64,
        std::fs::metadata(&jpeg_path)?.len() as f64 / MIB as f64,
    );
    println!(
        "{:<30} {:>22} {:>24} {:>14}",
        "image", "check_header (64 KiB)", "ImageSource::check (file)", "full decode"
    );
    let limits = ImageLimits::default();
    let iterations = if options.quick { 100 } else { 1000 };
    let decodes = if options.quick { 1 } else { 3 };
    for (label, path, is_png) in [
        (format!("PNG {png_side}×{png_side}"), &png_path, true),
        (format!("JPEG {jpeg_w}×{jpeg_h}"), &jpeg_path, false),
    ] {
        let bytes = std::fs::read(path)?;
        let header = &bytes[..bytes.len().min(64 * 1024)];
        let name = file_name(path);
        // check_header on the first 64 KiB, as ImageSource::check reads them.
        let started = Instant::now();
        for _ in 0..iterations {
            let info = check_header(
                &name,
                std::hint::black_box(header),
                bytes.len() as u64,
                &limits,
            )?;
            std::hint::black_box(info);
        }
        let header_time = started.elapsed() / iterations;
        // ImageSource::check: open, size, read the header, check.
        let source = ImageSource::path(path);
        let mut file_times = Vec::new();
        for _ in 0..iterations {
            let started = Instant::now();
            std::hint::black_box(source.check(&limits).await?);
            file_times.push(started.elapsed().as_secs_f64());
        }
        let file_time = median(file_times.into_iter());
        let mut decode_times = Vec::new();
        for _ in 0..decodes {
            let started = Instant::now();
            let pixels = if is_png {
                decode_png(&bytes)?
            } else {
                decode_jpeg(&bytes)?
            };
            decode_times.push(started.elapsed().as_secs_f64());
            std::hint::black_box(pixels);
        }
        let decode_time = median(decode_times.into_iter());
        println!(
            "{label:<30} {:>19.2} µs {:>21.1} µs {:>11.1} ms",
            header_time.as_secs_f64() * 1e6,
            file_time * 1e6,
            decode_time * 1e3
        );
        let worst = file_time.max(header_time.as_secs_f64());
        summary.add(
            &format!("local image check, {label}"),
            format!(
                "{:.0} µs (file), {:.2} µs (header); decode {:.0} ms",
                file_time * 1e6,
                header_time.as_secs_f64() * 1e6,
                decode_time * 1e3
            ),
            "< 1 ms",
            Some(worst < 1e-3),
        );
    }
    std::fs::remove_file(png_path)?;
    std::fs::remove_file(jpeg_path)?;
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<usize> {
    let decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits { bytes: usize::MAX },
    );
    let mut reader = decoder.read_info()?;
    let mut buffer = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
    let info = reader.next_frame(&mut buffer)?;
    Ok(info.buffer_size())
}

fn decode_jpeg(bytes: &[u8]) -> Result<usize> {
    let mut decoder =
        zune_jpeg::JpegDecoder::new(zune_jpeg::zune_core::bytestream::ZCursor::new(bytes));
    Ok(decoder.decode().map_err(|e| format!("{e:?}"))?.len())
}

/// A real `side`×`side` RGB PNG with a blocky pattern (compressed with the fast deflate; an
/// 8000×8000 one stays under 10 MB, so that it passes the size check).
fn write_png(path: &Path, side: u32) -> Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    let mut row = vec![0u8; side as usize * 3];
    for y in 0..side {
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            let x = x as u32;
            pixel[0] = (x / 16) as u8 ^ (y / 16) as u8;
            pixel[1] = ((x + y) / 32) as u8;
            pixel[2] = (y / 32) as u8;
        }
        stream.write_all(&row)?;
    }
    stream.finish()?;
    Ok(())
}

/// A real JPEG of noisy pixels, close below `target` bytes; returns its dimensions.
fn write_noisy_jpeg(path: &Path, target: usize) -> Result<(u16, u16)> {
    // Noise at quality 90 costs about 3.3 bytes per pixel; adjust after each try.
    let mut pixels = target as f64 / 3.3;
    for _ in 0..4 {
        let width = ((pixels * 4.0 / 3.0).sqrt() as u16).clamp(400, 8000);
        let height = ((width as f64) * 3.0 / 4.0) as u16;
        let mut random = Random(11);
        let mut data = vec![0u8; width as usize * height as usize * 3];
        for (i, value) in data.iter_mut().enumerate() {
            let x = (i / 3) % width as usize;
            *value = ((x / 8) as u8).wrapping_add((random.next() % 96) as u8);
        }
        let mut encoded = Vec::new();
        jpeg_encoder::Encoder::new(&mut encoded, 90).encode(
            &data,
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )?;
        let fits = encoded.len() <= target && encoded.len() as f64 >= target as f64 * 0.9;
        if fits || encoded.len() <= target && pixels >= 8000.0 * 6000.0 {
            std::fs::write(path, &encoded)?;
            return Ok((width, height));
        }
        pixels *= target as f64 * 0.96 / encoded.len() as f64;
    }
    Err("could not make a JPEG of the wanted size".into())
}

// ---------------------------------------------------------------------------------------------
// Part 4: the sandbox's own throughput

async fn part4_sandbox(
    options: &Options,
    sandbox: &SandboxProcess,
    images: &FlowImages,
    part1: &Part1,
    summary: &mut Summary,
) -> Result<()> {
    let concurrency = options.sandbox_concurrency;
    println!(
        "\n## 4. The sandbox's throughput (separate process, loopback; its CPU time from \
         /proc/{}/stat)",
        sandbox.pid
    );
    let drivers = Drivers::new(&sandbox.base_url).await?;
    let images = FlowImagesShared::new(images)?;
    let rounds = options.rounds.min(3);
    let mut figures = Vec::new();
    for _ in 0..rounds {
        figures.push(
            run_flows(
                &drivers,
                Variant::Baseline,
                &images,
                options.flows,
                concurrency,
                sandbox,
            )
            .await?,
        );
    }
    let served = median(figures.iter().map(|f| f.flows_per_s));
    let sandbox_ms = median(figures.iter().map(|f| f.sandbox_cpu_ms_per_flow));
    let client_ms = median(figures.iter().map(|f| f.own_cpu_ms_per_flow));
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let per_cpu_second = part1.flows as f64 / part1.sandbox_cpu_s;
    println!(
        "  served with the baseline client at concurrency {concurrency} (client and sandbox share \
         the {cores} cores): {served:.1} flows/s (median of {rounds})"
    );
    println!(
        "  CPU per flow at that load: sandbox {sandbox_ms:.3} ms, load generator {client_ms:.3} ms"
    );
    println!(
        "  over all {} flows of part 1: the sandbox used {:.2} s CPU: {:.3} ms per flow, \
         {per_cpu_second:.0} flows per sandbox CPU-second (at most {:.0} flows/s on {cores} cores \
         with no client beside it)",
        part1.flows,
        part1.sandbox_cpu_s,
        part1.sandbox_cpu_s * 1000.0 / part1.flows as f64,
        per_cpu_second * cores
    );
    summary.add(
        "sandbox throughput, complete flows/s on loopback",
        format!(
            "{served:.0} served; {per_cpu_second:.0} per sandbox CPU-s ({:.3} ms/flow)",
            1000.0 / per_cpu_second
        ),
        ">= 1000 flows/s",
        (!options.quick).then_some(served >= 1000.0),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The sandbox process

struct SandboxProcess {
    child: Child,
    pid: u32,
    base_url: String,
}

impl SandboxProcess {
    fn spawn() -> Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SANDBOX_CHILD_FLAG)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let pid = child.id();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut process = SandboxProcess {
            child,
            pid,
            base_url: String::new(),
        };
        let first = lines
            .next()
            .ok_or("the sandbox exited before it listened")??;
        process.base_url = first
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://"))
            .ok_or_else(|| format!("unexpected first line from the sandbox: {first}"))?
            .to_owned();
        // Drain the rest of its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(process)
    }

    fn cpu_seconds(&self) -> Result<f64> {
        process_cpu_seconds(&self.pid.to_string())
    }
}

/// The first argument that makes this program the sandbox process of the benchmark.
const SANDBOX_CHILD_FLAG: &str = "--sandbox-child";

/// Runs in the child process: a sandbox that processes at once, until the parent kills it. Its
/// first line of output is its base URL.
fn sandbox_child() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sandbox = jumio_kyx_sandbox::SandboxConfig {
            processing_delay: Duration::ZERO,
            ..jumio_kyx_sandbox::SandboxConfig::default()
        }
        .start()
        .await?;
        println!("sandbox listening on {}", sandbox.base_url());
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time of a process (`self` or a pid), from `/proc/<pid>/stat`.
fn process_cpu_seconds(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').ok_or("bad /proc stat")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here (state is field 3).
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // USER_HZ is 100 on Linux for every architecture in use.
    Ok(ticks / 100.0)
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let path = std::env::temp_dir().join(format!("jumio-kyx-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// xorshift64*: fast, deterministic filler.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        let mut x = self.0 | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A file of exactly `total` bytes with a valid JPEG header (`width`×`height`, baseline, three
/// components) followed by filler as entropy-coded data: what the header checks of the client and
/// the sandbox read, without the cost of encoding. Distinct per `seed`.
fn synthetic_jpeg(width: u16, height: u16, total: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&[0xFF, 0xD8]); // SOI
    out.extend_from_slice(&[0xFF, 0xE0, 0, 16]); // APP0 JFIF
    out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let comment = format!("jumio-kyx benchmark image {seed}");
    out.extend_from_slice(&[0xFF, 0xFE]); // COM
    out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&[0xFF, 0xC0, 0, 17, 8]); // SOF0, 8 bits
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]); // SOS
    let mut random = Random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef);
    while out.len() < total - 2 {
        let word = random.next().to_le_bytes();
        let room = total - 2 - out.len();
        out.extend(
            word.iter()
                .take(room)
                .map(|&b| if b == 0xFF { 0xFE } else { b }),
        );
    }
    out.extend_from_slice(&[0xFF, 0xD9]); // EOI
    out
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn memory_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
