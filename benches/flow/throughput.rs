//! Part 4: the sandbox's own throughput, with the lightest client (the baseline).

use std::sync::Arc;

use crate::Result;
use crate::flows::{Drivers, FlowImages, Part1, Variant, run_flows};
use crate::options::Options;
use crate::process::SandboxProcess;
use crate::summary::{Summary, median};

/// Part 4: flows per second that the sandbox serves at higher concurrency, and flows per second of
/// its CPU time.
pub async fn part4_sandbox(
    options: &Options,
    sandbox: &SandboxProcess,
    images: &Arc<FlowImages>,
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
    let rounds = options.rounds.min(3);
    let mut figures = Vec::new();
    for _ in 0..rounds {
        figures.push(
            run_flows(
                &drivers,
                Variant::Baseline,
                images,
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
