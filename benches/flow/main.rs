//! The performance benchmark of issue "Performance, measured side by side": this crate's client
//! against a minimal hand-written reqwest client, streaming uploads against whole-file buffering,
//! the local image check against decoding, and the sandbox's own throughput.
//!
//! ```text
//! cargo bench -p jumio-kyx --bench flow [-- --flows N --concurrency C --rounds R --quick]
//! ```
//!
//! The sandbox runs as a separate process (this executable, re-run with a hidden flag:
//! [`process`]), so the figures of this process are the client's alone. The memory of each upload
//! phase is measured in a fresh child process too.
//!
//! Parts, a module each:
//! 1. [`flows`]: `N` complete 10011 flows (token cached, create, three uploads of ~100 KB JPEGs,
//!    finalize, status, details) at concurrency `C`: `JumioClient` + `Session`,
//!    `JumioClient::verify`, and the same HTTP requests hand-written with one shared
//!    `reqwest::Client` ([`baseline`]), in interleaved rounds; the median of the rounds is
//!    reported, with the CPU time per flow of this process and of the sandbox.
//! 2. [`memory`]: 16 × 10 MB uploads at once from disk: streamed by `Session::upload_front`
//!    (`ImageSource::path`) against `tokio::fs::read` + `Part::bytes`; peak resident memory growth.
//! 3. [`checks`]: the local image check of an 8000×8000 PNG and a 10 MB JPEG (`ImageSource::bytes`
//!    of the first 64 KiB in memory, and `ImageSource::path` from the file) against decoding them.
//! 4. [`throughput`]: the sandbox's throughput: flows/s with the lightest client at higher
//!    concurrency, and flows per second of sandbox CPU time.
//!
//! `--profile VARIANT` runs only `--flows` flows of one variant (after one checked flow) and
//! prints their CPU time, so that a profiler of the whole process sees that variant alone.
//!
//! [`options`] reads the command line; [`summary`] prints the closing table. `--quick` shrinks
//! every part (for CI); without `--bench` on the command line (as when `cargo test --benches` runs
//! it) the quick configuration is used too. No figure is asserted: the closing table says which
//! targets were met.

mod baseline;
mod checks;
mod flows;
mod memory;
mod options;
mod process;
mod summary;
mod throughput;

use std::error::Error as StdError;
use std::time::Instant;

use jumio_kyx::JumioClient;
use jumio_kyx_test_support::images::Jpeg;
use jumio_kyx_test_support::temp::TempDir;

use crate::flows::FlowImages;
use crate::memory::MEMORY_CHILD_FLAG;
use crate::options::Options;
use crate::process::{SANDBOX_CHILD_FLAG, SandboxProcess, cpu_model, memory_total};
use crate::summary::Summary;

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

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(MEMORY_CHILD_FLAG) {
        return memory::memory_child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some(SANDBOX_CHILD_FLAG) {
        return process::sandbox_child();
    }
    let options = Options::parse(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<()> {
    let started = Instant::now();
    let temp = TempDir::new("bench");
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
    let mut summary = Summary::default();

    let flow_images = FlowImages::write(temp.path())?;
    if let Some(variant) = options.profile {
        return flows::profile(&options, variant, &sandbox, &flow_images).await;
    }
    let part1 = flows::part1_flows(&options, &sandbox, &flow_images, &mut summary).await?;
    memory::part2_memory(&options, &sandbox, temp.path(), &mut summary).await?;
    checks::part3_checks(&options, temp.path(), &mut summary).await?;
    throughput::part4_sandbox(&options, &sandbox, &flow_images, &part1, &mut summary).await?;

    summary.print();
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

/// The crate's client for the sandbox at `base_url`.
fn client(base_url: &str) -> Result<JumioClient> {
    Ok(JumioClient::builder()
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url)
        .user_agent(USER_AGENT)
        .build()?)
}

/// A file of exactly `total` bytes with a valid JPEG header (`width`×`height`, baseline, three
/// components) followed by noise as scan data: what the header checks of the client and the
/// sandbox read, without the cost of encoding. Distinct per `seed`.
fn synthetic_jpeg(width: u16, height: u16, total: usize, seed: u64) -> Vec<u8> {
    Jpeg::new(width, height)
        .comment(&format!("jumio-kyx benchmark image {seed}"))
        .noise(seed)
        .total_len(total)
        .build()
}
