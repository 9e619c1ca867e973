//! `jumio-kyx verify`: the whole verification of one person, from images to result.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jumio_kyx::{ImageSource, WaitOptions};
use jumio_kyx::{Images, VerifyStep};
use jumio_kyx::{Workflow, WorkflowRequest};

use crate::connect::ConnectArgs;
use crate::steps::RequestArgs;
use crate::summary;

/// Options of `jumio-kyx verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Workflow: 10011 (ID, selfie, liveness), 10013 (10011 plus screening, proof of residency,
    /// address validation, US DL verification), or a tenant-specific key.
    #[arg(long, default_value = "10011")]
    workflow: Workflow,
    /// Image of the front of the ID (JPEG or PNG).
    #[arg(long)]
    front: PathBuf,
    /// Image of the back of the ID.
    #[arg(long)]
    back: Option<PathBuf>,
    /// Image of the selfie.
    #[arg(long)]
    selfie: PathBuf,
    /// Your reference for the transaction (customerInternalReference; no personal data).
    #[arg(long)]
    reference: Option<String>,
    #[command(flatten)]
    filters: RequestArgs,
    /// Print the whole result as JSON instead of the summary.
    #[arg(long)]
    json: bool,
    /// Give up waiting for the result after this many seconds.
    #[arg(long, default_value_t = 900)]
    wait: u64,
    /// Fail without credentials instead of running on the embedded sandbox (for scripts).
    #[arg(long, env = "JUMIO_NO_SANDBOX", value_parser = clap::builder::BoolishValueParser::new())]
    no_sandbox: bool,
    #[command(flatten)]
    connect: ConnectArgs,
}

/// A reference unique enough to find the transaction in the portal.
fn default_reference() -> String {
    format!(
        "jumio-kyx-cli-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    )
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let request = args.filters.apply(WorkflowRequest::new(
        args.workflow,
        args.reference.clone().unwrap_or_else(default_reference),
    ));
    // Everything that can be checked locally is checked before any connection is made.
    request.build()?;
    let limits = jumio_kyx::ImageLimits::default();
    let images = Images {
        front: ImageSource::path(&args.front),
        back: args.back.as_ref().map(ImageSource::path),
        selfie: ImageSource::path(&args.selfie),
    };
    for image in [
        Some(&images.front),
        images.back.as_ref(),
        Some(&images.selfie),
    ]
    .into_iter()
    .flatten()
    {
        image.check(&limits).await?;
    }

    let connection = args.connect.connect_or_sandbox(!args.no_sandbox).await?;
    let on_sandbox = connection.sandbox.is_some();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<28} [{bar:30}] {bytes}/{total_bytes}")
            .expect("template")
            .progress_chars("=> "),
    );
    let wait = WaitOptions::deadline(Duration::from_secs(args.wait));
    let result = connection
        .client
        .verify(&request, images, wait, |step| match step {
            VerifyStep::Checked { total_bytes } => {
                bar.set_length(total_bytes);
                bar.set_message("creating the account");
            }
            VerifyStep::Created { .. } => bar.set_message("uploading"),
            VerifyStep::Uploaded { classifier, bytes } => {
                bar.inc(bytes);
                bar.set_message(format!("uploaded {classifier}"));
            }
            VerifyStep::Finalized => {
                bar.finish_and_clear();
                bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
                bar.reset();
                bar.set_message("waiting for the result");
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            _ => {}
        })
        .await;
    bar.finish_and_clear();
    connection.close().await;
    summary::print_verification(&result?, args.json, on_sandbox)
}
