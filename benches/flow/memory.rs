//! Part 2: the peak resident memory of concurrent 10 MB uploads from disk, streamed by the client
//! (`ImageSource::path`) against each file read whole (`tokio::fs::read` + `Part::bytes`). Each
//! phase runs in a fresh child process: this executable, re-run with [`MEMORY_CHILD_FLAG`].

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use jumio_kyx::{ImageSource, Session, Workflow, WorkflowRequest};
use reqwest::header::ACCEPT;
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret as _;

use crate::baseline::{Baseline, bearer, send};
use crate::flows::file_name;
use crate::options::Options;
use crate::process::{SandboxProcess, memory_kb};
use crate::summary::Summary;
use crate::{BoxError, LARGE_IMAGE_BYTES, MIB, Result, client, synthetic_jpeg};

/// The first argument that makes this program the child process of part 2.
pub const MEMORY_CHILD_FLAG: &str = "--memory-child";

/// Part 2: the peak memory of concurrent 10 MB uploads from disk, streamed and read whole.
pub async fn part2_memory(
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

/// The child of part 2: `--memory-child streaming|naive BASE_URL PATH...`.
pub fn memory_child(args: &[String]) -> Result<()> {
    let [mode, base_url, paths @ ..] = args else {
        return Err("usage: --memory-child streaming|naive BASE_URL PATH...".into());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = client(base_url)?;
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
    let upload = http
        .post(format!(
            "{base_url}/api/v1/accounts/{}/workflow-executions/{}/credentials/{}/parts/FRONT",
            session.account_id(),
            session.workflow_execution_id(),
            credential.id()
        ))
        .multipart(Form::new().part("file", part));
    send(
        upload,
        &bearer(credential.transaction_token().expose_secret())?,
    )
    .await?;
    Ok(())
}
