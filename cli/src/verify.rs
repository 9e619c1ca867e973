//! `jumio-kyx verify`: the whole verification of one person, from images to result.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use jumio_kyx::generated::types::CredentialCategory;
use jumio_kyx::{ImageSource, WaitOptions};
use jumio_kyx::{Images, VerifyStep};
use jumio_kyx::{PreparedData, Workflow, WorkflowInfo, WorkflowRequest};

use crate::connect::SandboxOrConnectArgs;
use crate::steps::RequestArgs;
use crate::summary;

/// Options of `jumio-kyx verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Workflow: 10011 (ID, selfie, liveness), 10013 (10011 plus screening, proof of residency,
    /// address validation, US DL verification), or a tenant-specific key.
    #[arg(long, default_value = "10011")]
    workflow: Workflow,
    /// Image of the front of the ID (JPEG or PNG), for workflows with an ID.
    #[arg(long)]
    front: Option<PathBuf>,
    /// Image of the back of the ID.
    #[arg(long)]
    back: Option<PathBuf>,
    /// Image of the selfie, for workflows with a selfie.
    #[arg(long)]
    selfie: Option<PathBuf>,
    /// Prepared data (JSON, the prepared-data body), for workflows with a DATA credential.
    #[arg(long, value_name = "FILE")]
    prepared_data: Option<PathBuf>,
    /// The document (JPEG, PNG or PDF), for workflows with a DOCUMENT credential.
    #[arg(long, value_name = "FILE")]
    document: Option<PathBuf>,
    /// Issuing country and type code of the document, e.g. `USA:BS`.
    #[arg(long, value_name = "COUNTRY:TYPE", default_value = "USA:BS")]
    document_kind: String,
    /// An existing account to run the workflow on (account update), for authentication.
    #[arg(long)]
    account: Option<String>,
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
    #[command(flatten)]
    connect: SandboxOrConnectArgs,
}

/// A reference unique enough to find the transaction in the portal.
fn default_reference() -> String {
    format!(
        "jumio-kyx-cli-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    )
}

/// The inputs `workflow` needs that `args` lacks, by flag.
fn missing_inputs(args: &VerifyArgs, workflow: &WorkflowInfo) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for credential in workflow
        .credentials
        .iter()
        .filter(|c| c.api() && !c.existing)
    {
        let (given, flag) = match credential.category {
            CredentialCategory::Id => (args.front.is_some(), "--front"),
            CredentialCategory::Selfie => (args.selfie.is_some(), "--selfie"),
            CredentialCategory::Data => (args.prepared_data.is_some(), "--prepared-data"),
            CredentialCategory::Document => (args.document.is_some(), "--document"),
            _ => continue,
        };
        if !given {
            missing.push(flag);
        }
    }
    if workflow.existing_account && args.account.is_none() {
        missing.push("--account");
    }
    missing
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let mut request = args.filters.apply(WorkflowRequest::new(
        args.workflow,
        args.reference.clone().unwrap_or_else(default_reference),
    ));
    // A workflow the table does not know takes an ID and a selfie, like 10011.
    let like_10011 = jumio_kyx::workflows::lookup(10011).expect("10011 is documented");
    let info = args.workflow.info().unwrap_or(like_10011);
    let missing = missing_inputs(&args, info);
    if !missing.is_empty() {
        anyhow::bail!(
            "workflow {} ({}) needs {}",
            args.workflow.key(),
            info.name,
            missing.join(" and ")
        );
    }
    if info.credential(&CredentialCategory::Document).is_some() {
        let (country, document_type) = args
            .document_kind
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--document-kind must be COUNTRY:TYPE, e.g. USA:BS"))?;
        request = request.document(country, document_type);
    }
    let prepared = match &args.prepared_data {
        Some(path) => {
            let data = PreparedData::from_json(&std::fs::read(path)?)?;
            data.build()?;
            Some(data)
        }
        None => None,
    };
    // Everything that can be checked locally is checked before any connection is made.
    request.build()?;
    let simple = info.credentials.iter().all(|c| {
        matches!(
            c.category,
            CredentialCategory::Id | CredentialCategory::Selfie | CredentialCategory::Facemap
        )
    }) && info.credential(&CredentialCategory::Id).is_some()
        && info.credential(&CredentialCategory::Selfie).is_some()
        && args.account.is_none();
    if !simple {
        return run_steps(&args, &request, prepared).await;
    }
    let (Some(front), Some(selfie)) = (&args.front, &args.selfie) else {
        unreachable!("checked by missing_inputs");
    };
    let limits = jumio_kyx::ImageLimits::default();
    let images = Images {
        front: ImageSource::path(front),
        back: args.back.as_ref().map(ImageSource::path),
        selfie: ImageSource::path(selfie),
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

    let connection = args.connect.connect().await?;
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

/// The flow step by step, for workflows beyond ID and selfie: create (or update), upload what
/// each credential needs, finalize, wait, print.
async fn run_steps(
    args: &VerifyArgs,
    request: &WorkflowRequest,
    prepared: Option<PreparedData>,
) -> anyhow::Result<()> {
    let connection = args.connect.connect().await?;
    let on_sandbox = connection.sandbox.is_some();
    let client = &connection.client;
    let acquired = async {
        let mut session = match &args.account {
            Some(account) => client.update_account(account, request).await?,
            None => client.create_account(request).await?,
        };
        let categories: Vec<CredentialCategory> = session
            .credentials()
            .iter()
            .map(|c| c.category().clone())
            .collect();
        for category in categories {
            match category {
                CredentialCategory::Id => {
                    if let Some(front) = &args.front {
                        session.upload_front(ImageSource::path(front)).await?;
                    }
                    if let Some(back) = &args.back {
                        session.upload_back(ImageSource::path(back)).await?;
                    }
                }
                CredentialCategory::Selfie => {
                    if let Some(selfie) = &args.selfie {
                        session.upload_selfie(ImageSource::path(selfie)).await?;
                    }
                }
                CredentialCategory::Data => {
                    if let Some(data) = &prepared {
                        session.upload_prepared_data(data).await?;
                    }
                }
                CredentialCategory::Document => {
                    if let Some(document) = &args.document {
                        session.upload_document(ImageSource::path(document)).await?;
                    }
                }
                _ => {}
            }
        }
        let finalized = session.finalize().await?;
        finalized
            .wait(WaitOptions::deadline(Duration::from_secs(args.wait)))
            .await
    }
    .await;
    connection.close().await;
    summary::print_verification(&acquired?, args.json, on_sandbox)
}

/// `jumio-kyx workflows`: the documented keys with their credentials and capabilities.
pub fn list_workflows() {
    print!("{}", jumio_kyx::workflows::markdown_table());
}
