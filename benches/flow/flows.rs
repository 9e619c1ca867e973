//! Part 1: complete 10011 flows with the crate's client (step by step with `Session`, and with
//! `JumioClient::verify`) against the same requests hand-written ([`crate::baseline`]), in
//! interleaved rounds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use jumio_kyx::generated::types::{DecisionType, WorkflowStatus};
use jumio_kyx::{ImageSource, Images, JumioClient, Session, WaitOptions};
use jumio_kyx::{Workflow, WorkflowRequest};

use crate::baseline::Baseline;
use crate::options::Options;
use crate::process::{SandboxProcess, own_usage};
use crate::summary::{Summary, median};
use crate::{BoxError, FLOW_IMAGE_BYTES, Result, client, synthetic_jpeg};

/// A way of running the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
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
    pub const DEFAULT: [Variant; 3] = [Variant::Baseline, Variant::Session, Variant::Verify];
    /// Every variant, for `--variants`.
    pub const ALL: [Variant; 5] = [
        Variant::Baseline,
        Variant::Session,
        Variant::Verify,
        Variant::BaselineMemory,
        Variant::SessionMemory,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline",
            Variant::Session => "session",
            Variant::Verify => "verify",
            Variant::BaselineMemory => "baseline-mem",
            Variant::SessionMemory => "session-mem",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Baseline => "baseline (hand-written reqwest)",
            Variant::Session => "client (JumioClient + Session)",
            Variant::Verify => "client (JumioClient::verify)",
            Variant::BaselineMemory => "baseline, images in memory",
            Variant::SessionMemory => "client + Session, ImageSource::bytes",
        }
    }
}

/// The three images of a flow: ~100 KB JPEGs on disk, and their content in memory for the
/// in-memory variants.
pub struct FlowImages {
    /// The front, back and selfie.
    paths: [PathBuf; 3],
    memory: [Bytes; 3],
}

impl FlowImages {
    /// Writes the images into `dir`.
    pub fn write(dir: &Path) -> Result<Arc<Self>> {
        let mut paths = Vec::new();
        let mut memory = Vec::new();
        for (seed, name) in (1..).zip(["front.jpg", "back.jpg", "selfie.jpg"]) {
            let content = Bytes::from(synthetic_jpeg(1600, 1200, FLOW_IMAGE_BYTES, seed));
            let path = dir.join(name);
            std::fs::write(&path, &content)?;
            paths.push(path);
            memory.push(content);
        }
        Ok(Arc::new(FlowImages {
            paths: paths.try_into().expect("three images"),
            memory: memory.try_into().expect("three images"),
        }))
    }

    /// The file of the front, back or selfie (0, 1, 2).
    pub fn path(&self, which: usize) -> &Path {
        &self.paths[which]
    }

    /// The content of the front, back or selfie (0, 1, 2).
    pub fn bytes(&self, which: usize) -> Bytes {
        self.memory[which].clone()
    }

    /// The front, back or selfie (0, 1, 2), from its file or from memory.
    pub fn source(&self, which: usize, memory: bool) -> ImageSource {
        if memory {
            ImageSource::bytes(file_name(self.path(which)), self.bytes(which))
        } else {
            ImageSource::path(self.path(which))
        }
    }
}

/// What the rounds of part 1 measured, for part 4.
pub struct Part1 {
    pub sandbox_cpu_s: f64,
    pub flows: usize,
}

/// What one round of flows of one variant measured.
#[derive(Default, Clone)]
pub struct RoundFigures {
    pub flows_per_s: f64,
    pub own_cpu_ms_per_flow: f64,
    pub sandbox_cpu_ms_per_flow: f64,
    /// The kernel's part of `own_cpu_ms_per_flow`.
    pub own_system_ms_per_flow: f64,
    /// Minor page faults and context switches of this process per flow.
    pub own_faults_per_flow: f64,
    pub own_switches_per_flow: f64,
}

/// Part 1: complete flows of each variant in interleaved rounds, against the baseline.
pub async fn part1_flows(
    options: &Options,
    sandbox: &SandboxProcess,
    images: &Arc<FlowImages>,
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

    // One flow of each kind first, checked: everything PASSED.
    let variants = options.variants.clone();
    for &variant in &variants {
        let decision = drivers.flow(variant, images, 0).await?;
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
            images,
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
                images,
                options.flows,
                options.concurrency,
                sandbox,
            )
            .await?;
            sandbox_cpu_s += round_figures.sandbox_cpu_ms_per_flow * options.flows as f64 / 1000.0;
            total_flows += options.flows;
            println!(
                "{:<7} {:<32} {:>10.1} {:>17.4} ms {:>19.3} ms",
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
            own_system_ms_per_flow: median(rounds.iter().map(|r| r.own_system_ms_per_flow)),
            own_faults_per_flow: median(rounds.iter().map(|r| r.own_faults_per_flow)),
            own_switches_per_flow: median(rounds.iter().map(|r| r.own_switches_per_flow)),
        })
        .collect();
    println!("\nmedian of {} rounds:", options.rounds);
    for (variant, m) in variants.iter().zip(&medians) {
        println!(
            "  {:<32} {:>8.1} flows/s   this process {:.3} ms CPU ({:.3} ms in the \
             kernel), {:.1} page faults, {:.1} context switches per flow   sandbox {:.3} ms CPU/flow",
            variant.name(),
            m.flows_per_s,
            m.own_cpu_ms_per_flow,
            m.own_system_ms_per_flow,
            m.own_faults_per_flow,
            m.own_switches_per_flow,
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
        // The same for the CPU time of this process per flow.
        let cpu_ratio = median(
            figures[index]
                .iter()
                .zip(&figures[0])
                .map(|(client, base)| client.own_cpu_ms_per_flow / base.own_cpu_ms_per_flow),
        );
        let extra_cpu = m.own_cpu_ms_per_flow - baseline.own_cpu_ms_per_flow;
        println!(
            "  {} / baseline: flows/s ratio {ratio:.3} (median of the per-round ratios); \
             client-side CPU {:+.3} ms per flow, ratio {cpu_ratio:.3} (median of the per-round \
             ratios)",
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
                "{:.3} ms vs {:.3} ms baseline ({extra_cpu:+.3} ms, ratio {cpu_ratio:.3})",
                m.own_cpu_ms_per_flow, baseline.own_cpu_ms_per_flow
            ),
            "ratio <= 1.10",
            (!options.quick).then_some(cpu_ratio <= 1.10),
        );
    }
    Ok(Part1 {
        sandbox_cpu_s,
        flows: total_flows,
    })
}

/// `--profile`: `options.flows` flows of `variant` alone, after one checked flow.
pub async fn profile(
    options: &Options,
    variant: Variant,
    sandbox: &SandboxProcess,
    images: &Arc<FlowImages>,
) -> Result<()> {
    let drivers = Drivers::new(&sandbox.base_url).await?;
    let decision = drivers.flow(variant, images, 0).await?;
    if decision != "PASSED" {
        return Err(format!("{}: the first flow ended {decision}", variant.name()).into());
    }
    let figures = run_flows(
        &drivers,
        variant,
        images,
        options.flows,
        options.concurrency,
        sandbox,
    )
    .await?;
    println!(
        "profile: {} flows of {} at concurrency {}: {:.1} flows/s, this process {:.3} ms CPU \
         ({:.3} ms of it in the kernel), {:.1} page faults and {:.1} context switches per flow",
        options.flows,
        variant.name(),
        options.concurrency,
        figures.flows_per_s,
        figures.own_cpu_ms_per_flow,
        figures.own_system_ms_per_flow,
        figures.own_faults_per_flow,
        figures.own_switches_per_flow
    );
    Ok(())
}

/// The clients under test, built once.
pub struct Drivers {
    client: JumioClient,
    baseline: Baseline,
}

impl Drivers {
    pub async fn new(base_url: &str) -> Result<Arc<Self>> {
        let client = client(base_url)?;
        let baseline = Baseline::new(base_url, client.user_agent()).await?;
        Ok(Arc::new(Drivers { client, baseline }))
    }

    /// One complete flow; returns the overall decision.
    pub async fn flow(&self, variant: Variant, images: &FlowImages, n: usize) -> Result<String> {
        match variant {
            Variant::Baseline => self.baseline.flow(images, n, false).await,
            Variant::BaselineMemory => self.baseline.flow(images, n, true).await,
            Variant::Session => client_flow(&self.client, images, n, false).await,
            Variant::SessionMemory => client_flow(&self.client, images, n, true).await,
            Variant::Verify => {
                let request = WorkflowRequest::new(Workflow::IdAndIdentity, format!("bench-{n}"));
                let images = Images {
                    front: images.source(0, false),
                    back: Some(images.source(1, false)),
                    selfie: images.source(2, false),
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

/// Polling for the flows: 1 ms at first, at most 10 ms.
fn fast_wait() -> WaitOptions {
    WaitOptions::deadline(Duration::from_secs(30))
        .intervals(Duration::from_millis(1), Duration::from_millis(10))
}

/// The flow with the crate's client, step by step.
async fn client_flow(
    client: &JumioClient,
    images: &FlowImages,
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
pub async fn run_flows(
    drivers: &Arc<Drivers>,
    variant: Variant,
    images: &Arc<FlowImages>,
    flows: usize,
    concurrency: usize,
    sandbox: &SandboxProcess,
) -> Result<RoundFigures> {
    let next = Arc::new(AtomicUsize::new(0));
    let own_before = own_usage()?;
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
    let own = own_usage()? - own_before;
    let sandbox_cpu = sandbox.cpu_seconds()? - sandbox_before;
    Ok(RoundFigures {
        flows_per_s: flows as f64 / elapsed,
        own_cpu_ms_per_flow: own.cpu_s * 1000.0 / flows as f64,
        own_system_ms_per_flow: own.system_s * 1000.0 / flows as f64,
        own_faults_per_flow: own.minor_faults / flows as f64,
        own_switches_per_flow: own.switches / flows as f64,
        sandbox_cpu_ms_per_flow: sandbox_cpu * 1000.0 / flows as f64,
    })
}

/// The last component of `path`.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
