//! How the commands reach Jumio: credentials, region and URLs from flags or the environment, or
//! the embedded sandbox when neither credentials nor a base URL are set.

use std::time::Duration;

use clap::Args;
use jumio_kyx::{JumioClient, Region};
use jumio_kyx_sandbox::Sandbox;

/// Connection settings shared by the commands that call Jumio.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// API client id (Customer Portal › Settings › API credentials › OAuth2).
    #[arg(long, env = "JUMIO_CLIENT_ID")]
    client_id: Option<String>,
    /// API client secret.
    #[arg(long, env = "JUMIO_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
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
    /// Whether neither credentials nor a base URL are set.
    fn unconfigured(&self) -> bool {
        self.client_id.is_none() && self.client_secret.is_none() && self.base_url.is_none()
    }

    fn builder(&self) -> jumio_kyx::JumioClientBuilder {
        let mut builder = JumioClient::builder()
            .region(self.region)
            .user_agent(&self.user_agent)
            .timeout(Duration::from_secs(self.timeout));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url);
        }
        if let (Some(id), Some(secret)) = (&self.client_id, &self.client_secret) {
            builder = builder.credentials(id, secret);
        }
        builder
    }

    /// Connects to Jumio (or the configured base URL); never starts a sandbox.
    pub fn client(&self) -> anyhow::Result<JumioClient> {
        if self.client_id.is_none() || self.client_secret.is_none() {
            anyhow::bail!(
                "no Jumio credentials: set JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET (or --client-id \
                 and --client-secret); for a sandbox started with `jumio-kyx sandbox` use the id, \
                 secret and base URL it prints"
            );
        }
        Ok(self.builder().build()?)
    }

    /// Connects to Jumio, or starts the embedded sandbox when nothing is configured.
    pub async fn connect_or_sandbox(&self) -> anyhow::Result<Connection> {
        if !self.unconfigured() {
            return Ok(Connection {
                client: self.client()?,
                sandbox: None,
            });
        }
        let sandbox = Sandbox::start().await?;
        eprintln!(
            "No Jumio credentials set: running on the embedded sandbox at {} (set JUMIO_CLIENT_ID and JUMIO_CLIENT_SECRET to use Jumio).",
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
