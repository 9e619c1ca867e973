//! Single steps of the flow, for support engineers: create, upload, finalize, status, details,
//! download, delete. They need credentials (or the base URL and demo credentials of a running
//! `jumio-kyx sandbox`); they never start an embedded sandbox, whose state would be lost.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jumio_kyx::generated::types;
use jumio_kyx::{ExecutionIds, ImageSource, JumioClient};
use jumio_kyx::{IdType, Workflow, WorkflowRequest};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::connect::{ConnectArgs, read_secret, refused_secret_argument};
use crate::summary;

/// The single-step commands.
#[derive(Debug, Subcommand)]
pub enum Step {
    /// Create an account with a workflow execution; prints its ids and credentials.
    Create(CreateArgs),
    /// Upload one image part with the transaction token.
    Upload(UploadArgs),
    /// Finalize a workflow execution with the transaction token.
    Finalize(FinalizeArgs),
    /// Print the status of a workflow execution.
    Status(ExecutionArgs),
    /// Print the details and result of a workflow execution.
    Details(DetailsArgs),
    /// Download the image of a credential part.
    Download(DownloadArgs),
    /// Delete an account, or one workflow execution of it.
    Delete(DeleteArgs),
}

/// The request fields `create` and `verify` share.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Your reference for the end user (userReference; no personal data).
    #[arg(long)]
    user_reference: Option<String>,
    /// Issuing country of the ID, ISO 3166-1 alpha-3 (repeat for several).
    #[arg(long = "country")]
    countries: Vec<String>,
    /// ID type: ID_CARD, DRIVING_LICENSE, PASSPORT or VISA (repeat for several).
    #[arg(long = "id-type")]
    id_types: Vec<IdType>,
}

impl RequestArgs {
    /// `request` with these fields set.
    pub fn apply(&self, mut request: WorkflowRequest) -> WorkflowRequest {
        if let Some(value) = &self.user_reference {
            request = request.user_reference(value);
        }
        if !self.countries.is_empty() {
            request = request.countries(self.countries.iter().cloned());
        }
        if !self.id_types.is_empty() {
            request = request.id_types(self.id_types.iter().copied());
        }
        request
    }
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Workflow key: 10011, 10013 or a tenant-specific one.
    #[arg(long, default_value = "10011")]
    workflow: Workflow,
    /// Your reference for the transaction (customerInternalReference).
    #[arg(long)]
    reference: String,
    #[command(flatten)]
    filters: RequestArgs,
    /// Callback URL (https).
    #[arg(long)]
    callback_url: Option<String>,
    /// Transaction token lifetime, e.g. 30m (5m to 60d).
    #[arg(long)]
    token_lifetime: Option<String>,
    /// Existing account: start a new workflow execution on it (account update).
    #[arg(long)]
    account: Option<String>,
    /// Also print the transaction token, SDK token and Web link (secrets).
    #[arg(long)]
    show_secrets: bool,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[arg(long)]
    account: String,
    #[arg(long)]
    workflow_execution: String,
    #[arg(long)]
    credential: String,
    /// FRONT, BACK or FACE.
    #[arg(long)]
    classifier: types::UploadClassifier,
    /// The image (JPEG or PNG).
    #[arg(long)]
    file: PathBuf,
    #[command(flatten)]
    token: TokenArgs,
    /// Also print the transaction token when Jumio repeats it (a secret).
    #[arg(long)]
    show_secrets: bool,
    #[command(flatten)]
    connect: ConnectArgs,
}

/// The transaction token printed by `create --show-secrets`, from the environment or a file.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// File holding the transaction token (- for standard input); else JUMIO_TRANSACTION_TOKEN.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    // Only there to refuse the flag with a hint; clap never sets it.
    #[allow(dead_code)]
    #[arg(
        long = "token",
        hide = true,
        value_parser = refused_secret_argument("JUMIO_TRANSACTION_TOKEN", "--token-file")
    )]
    refused_token: Option<String>,
}

impl TokenArgs {
    fn read(&self) -> anyhow::Result<SecretString> {
        read_secret("JUMIO_TRANSACTION_TOKEN", self.token_file.as_deref())?.ok_or_else(|| {
            anyhow::anyhow!(
                "no transaction token: set JUMIO_TRANSACTION_TOKEN or use --token-file PATH \
                 (- for standard input), with the token `create --show-secrets` printed"
            )
        })
    }
}

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    #[arg(long)]
    account: String,
    #[arg(long)]
    workflow_execution: String,
    #[command(flatten)]
    token: TokenArgs,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ExecutionArgs {
    #[arg(long)]
    account: String,
    #[arg(long)]
    workflow_execution: String,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DetailsArgs {
    #[command(flatten)]
    execution: ExecutionArgs,
    /// Print the whole result as JSON instead of the summary.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    #[arg(long)]
    account: String,
    #[arg(long)]
    credential: String,
    /// FRONT, BACK, FACE, …
    #[arg(long)]
    classifier: String,
    /// Where to write the image.
    #[arg(long, short)]
    output: PathBuf,
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[arg(long)]
    account: String,
    /// Delete only this workflow execution.
    #[arg(long)]
    workflow_execution: Option<String>,
    #[command(flatten)]
    connect: ConnectArgs,
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `value` without the transaction tokens Jumio may repeat (`api.token`, at any depth).
fn without_tokens(value: &impl serde::Serialize) -> anyhow::Result<serde_json::Value> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("token");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(value)?;
    strip(&mut value);
    Ok(value)
}

pub async fn run(step: Step) -> anyhow::Result<()> {
    match step {
        Step::Create(args) => create(args).await,
        Step::Upload(args) => {
            let client = args.connect.client()?;
            let ids = ExecutionIds::new(&args.account, &args.workflow_execution)?;
            let mut session = client.resume(ids, args.token.read()?)?;
            let response = session
                .upload_to(
                    &args.credential,
                    args.classifier,
                    ImageSource::path(&args.file),
                )
                .await?;
            if args.show_secrets {
                print_json(&response)
            } else {
                print_json(&without_tokens(&response)?)
            }
        }
        Step::Finalize(args) => {
            let client = args.connect.client()?;
            let ids = ExecutionIds::new(&args.account, &args.workflow_execution)?;
            let finalized = client.resume(ids, args.token.read()?)?.finalize().await?;
            print_json(&without_tokens(finalized.response())?)
        }
        Step::Status(args) => {
            let client = args.connect.client()?;
            let ids = ExecutionIds::new(&args.account, &args.workflow_execution)?;
            print_json(&client.status(&ids).await?)
        }
        Step::Details(args) => {
            let execution = args.execution;
            let client = execution.connect.client()?;
            let ids = ExecutionIds::new(&execution.account, &execution.workflow_execution)?;
            let result = client.details(&ids).await?;
            if args.json {
                print_json(result.details())
            } else {
                print!("{}", summary::render(&result));
                Ok(())
            }
        }
        Step::Download(args) => {
            let client = args.connect.client()?;
            let classifier = types::PartClassifier::from(args.classifier.as_str());
            let download = client
                .download_part(&args.account, &args.credential, &classifier)
                .await?;
            tokio::fs::write(&args.output, &download.bytes)
                .await
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output.display()))?;
            eprintln!(
                "wrote {} bytes ({}) to {}",
                download.bytes.len(),
                download.content_type.as_deref().unwrap_or("unknown type"),
                args.output.display()
            );
            Ok(())
        }
        Step::Delete(args) => {
            let client = args.connect.client()?;
            match &args.workflow_execution {
                Some(execution) => {
                    let ids = ExecutionIds::new(&args.account, execution)?;
                    client.delete_workflow_execution(&ids).await?
                }
                None => client.delete_account(&args.account).await?,
            }
            eprintln!("deleted");
            Ok(())
        }
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let mut request = args
        .filters
        .apply(WorkflowRequest::new(args.workflow, &args.reference));
    if let Some(value) = &args.callback_url {
        request = request.callback_url(value);
    }
    if let Some(value) = &args.token_lifetime {
        request = request.token_lifetime(value);
    }
    request.build()?;
    let client: JumioClient = args.connect.client()?;
    let session = match &args.account {
        Some(account) => client.update_account(account, &request).await?,
        None => client.create_account(&request).await?,
    };
    let credentials: Vec<_> = session
        .credentials()
        .iter()
        .map(|c| {
            let mut value = json!({
                "id": c.id(),
                "category": c.category().to_string(),
                "parts": c.parts().collect::<Vec<_>>(),
            });
            if args.show_secrets {
                value["transactionToken"] = c.transaction_token().expose_secret().into();
            }
            value
        })
        .collect();
    let mut output = json!({
        "accountId": session.account_id(),
        "workflowExecutionId": session.workflow_execution_id(),
        "credentials": credentials,
    });
    if args.show_secrets {
        output["sdkToken"] = session.sdk_token().into();
        output["webHref"] = session.web_href().into();
    }
    print_json(&output)
}
