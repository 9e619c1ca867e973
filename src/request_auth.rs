//! The authorisation the generated client carries: no header, a bearer token, or the client
//! credentials, each made into a header marked sensitive.

use std::fmt;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// The authorisation a generated [`Client`](crate::generated::Client) attaches to every request it sends.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum RequestAuth {
    /// No `Authorization` header (token request with its own Basic header, health check).
    #[default]
    None,
    /// `Authorization: Bearer <token>`: an OAuth2 access token or a transaction token.
    Bearer(SecretString),
    /// `Authorization: Basic <id:secret>`: the API client credentials, for the token endpoint.
    Basic {
        /// The API client id.
        client_id: String,
        /// The API client secret.
        client_secret: SecretString,
    },
    /// One of the above made into its header once ([`RequestAuth::prepare`]), so that the
    /// clients made from it do not build it on every request.
    Prepared(PreparedAuth),
}

/// An `Authorization` header value, marked sensitive; its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct PreparedAuth(HeaderValue);

impl fmt::Debug for PreparedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::Prepared(_) => f.write_str("Prepared([redacted])"),
            Self::Basic { client_id, .. } => f
                .debug_struct("Basic")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
        }
    }
}

impl RequestAuth {
    /// The same authorisation with its header built now, once; `Err` says why it cannot be a
    /// header.
    pub fn prepare(&self) -> Result<RequestAuth, &'static str> {
        Ok(match self.header()? {
            Some(header) => RequestAuth::Prepared(PreparedAuth(header)),
            None => RequestAuth::None,
        })
    }

    /// The `Authorization` header value, marked sensitive so that it is never logged.
    pub(crate) fn header(&self) -> Result<Option<HeaderValue>, &'static str> {
        match self {
            Self::None => Ok(None),
            Self::Prepared(PreparedAuth(header)) => Ok(Some(header.clone())),
            Self::Bearer(token) => {
                let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
                    .map_err(|_| "the bearer token is not a valid header value")?;
                value.set_sensitive(true);
                Ok(Some(value))
            }
            Self::Basic {
                client_id,
                client_secret,
            } => {
                use base64::Engine as _;
                let pair = format!("{client_id}:{}", client_secret.expose_secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
                    .map_err(|_| "the client credentials are not a valid header value")?;
                value.set_sensitive(true);
                Ok(Some(value))
            }
        }
    }
}
