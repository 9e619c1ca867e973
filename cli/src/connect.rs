//! How the commands reach Jumio: credentials, region and URLs from flags or the environment, or
//! the embedded sandbox when neither credentials nor a base URL are set.
//!
//! Secrets (the client secret, a transaction token) never come from the command line, where every
//! user of the machine can read them (`/proc/<pid>/cmdline`, `ps`): they come from the environment,
//! from a file, or from standard input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use jumio_kyx::{JumioClient, Region};
use jumio_kyx_sandbox::Sandbox;
use secrecy::{ExposeSecret, SecretString};

pub use jumio_kyx_sandbox::args::refused_secret_argument;

/// Reads a secret from `file` (`-`: standard input) when given, else from the environment
/// variable `variable`, as the sandbox reads its own (`jumio_kyx_sandbox::args::read_secret`).
/// `None` when neither is set.
pub fn read_secret(variable: &str, file: Option<&Path>) -> anyhow::Result<Option<SecretString>> {
    Ok(jumio_kyx_sandbox::args::read_secret(variable, file)?.map(SecretString::from))
}

/// Connection settings shared by the commands that call Jumio.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// API client id (Customer Portal › Settings › API credentials › OAuth2).
    #[arg(long, env = "JUMIO_CLIENT_ID")]
    client_id: Option<String>,
    /// File holding the API client secret (- for standard input); else JUMIO_CLIENT_SECRET.
    #[arg(long, value_name = "PATH")]
    client_secret_file: Option<PathBuf>,
    // Only there to refuse the flag with a hint; clap never sets it.
    #[allow(dead_code)]
    #[arg(
        long = "client-secret",
        hide = true,
        value_parser = refused_secret_argument("JUMIO_CLIENT_SECRET", "--client-secret-file")
    )]
    refused_client_secret: Option<String>,
    /// Data center: amer-1 (US), emea-1 (EU) or apac-1 (SG).
    #[arg(long, env = "JUMIO_REGION", default_value = "amer-1")]
    region: Region,
    /// One base URL for every service (a sandbox started with `jumio-kyx sandbox`, a proxy).
    #[arg(long, env = "JUMIO_BASE_URL")]
    base_url: Option<String>,
    /// User-Agent naming your business and application.
    #[arg(long, env = "JUMIO_USER_AGENT", default_value = "jumio-kyx-cli")]
    user_agent: String,
    /// Total timeout of one request, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// Connection settings of the commands that run on the embedded sandbox when no credentials are
/// set (`verify`, `web`).
#[derive(Debug, Args)]
pub struct SandboxOrConnectArgs {
    /// Fail without credentials instead of running on the embedded sandbox (for scripts).
    #[arg(long, env = "JUMIO_NO_SANDBOX", value_parser = clap::builder::BoolishValueParser::new())]
    no_sandbox: bool,
    #[command(flatten)]
    connect: ConnectArgs,
}

impl SandboxOrConnectArgs {
    /// Connects to Jumio, or, when neither credentials nor a base URL are set and the sandbox is
    /// not refused, starts the embedded sandbox.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        self.connect.connect_or_sandbox(!self.no_sandbox).await
    }
}

/// A client, and the embedded sandbox it talks to when one was started.
pub struct Connection {
    pub client: JumioClient,
    pub sandbox: Option<Sandbox>,
}

impl Connection {
    /// Stops the embedded sandbox, if any.
    pub async fn close(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

impl ConnectArgs {
    fn client_secret(&self) -> anyhow::Result<Option<SecretString>> {
        read_secret("JUMIO_CLIENT_SECRET", self.client_secret_file.as_deref())
    }

    fn builder(&self) -> jumio_kyx::JumioClientBuilder {
        let mut builder = JumioClient::builder()
            .region(self.region)
            .user_agent(&self.user_agent)
            .timeout(Duration::from_secs(self.timeout));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        builder
    }

    fn client_with(&self, secret: Option<SecretString>) -> anyhow::Result<JumioClient> {
        let (Some(id), Some(secret)) = (&self.client_id, secret) else {
            anyhow::bail!(
                "no Jumio credentials: set JUMIO_CLIENT_ID (or --client-id) and \
                 JUMIO_CLIENT_SECRET (or --client-secret-file); for a sandbox started with \
                 `jumio-kyx sandbox` use the id, secret and base URL it prints"
            );
        };
        Ok(self
            .builder()
            .credentials(id, secret.expose_secret())
            .build()?)
    }

    /// Connects to Jumio (or the configured base URL); never starts a sandbox.
    pub fn client(&self) -> anyhow::Result<JumioClient> {
        self.client_with(self.client_secret()?)
    }

    /// Connects to Jumio, or, when neither credentials nor a base URL are set and `sandbox_allowed`,
    /// starts the embedded sandbox.
    async fn connect_or_sandbox(&self, sandbox_allowed: bool) -> anyhow::Result<Connection> {
        let secret = self.client_secret()?;
        let unconfigured = self.client_id.is_none() && secret.is_none() && self.base_url.is_none();
        if !unconfigured || !sandbox_allowed {
            return Ok(Connection {
                client: self.client_with(secret)?,
                sandbox: None,
            });
        }
        let sandbox = Sandbox::start().await?;
        eprintln!(
            "No Jumio credentials set: running on the embedded sandbox at {}; its result is synthetic (set JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET to use Jumio, --no-sandbox or JUMIO_NO_SANDBOX=1 to refuse the sandbox).",
            sandbox.base_url()
        );
        let client = self
            .builder()
            .base_url(sandbox.base_url())
            .credentials(sandbox.client_id(), sandbox.client_secret())
            .build()?;
        Ok(Connection {
            client,
            sandbox: Some(sandbox),
        })
    }
}
