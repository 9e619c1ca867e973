//! How the generated client authorises and prepares its requests: `ClientHooks` for
//! [`generated::Client`](crate::generated::Client).

use std::fmt;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::generated::Client;

/// The authorisation a generated [`Client`] attaches to every request it sends.
#[derive(Clone, Default)]
pub enum RequestAuth {
    /// No `Authorization` header (token request with its own Basic header, health check).
    #[default]
    None,
    /// `Authorization: Bearer <token>`: an OAuth2 access token or a transaction token.
    Bearer(SecretString),
}

impl fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
        }
    }
}

impl RequestAuth {
    /// The `Authorization` header value, marked sensitive so that it is never logged.
    fn header(&self) -> Result<Option<HeaderValue>, &'static str> {
        match self {
            Self::None => Ok(None),
            Self::Bearer(token) => {
                let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
                    .map_err(|_| "the bearer token is not a valid header value")?;
                value.set_sensitive(true);
                Ok(Some(value))
            }
        }
    }
}

impl ClientHooks<RequestAuth> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let auth = self
            .inner()
            .header()
            .map_err(|message| Error::InvalidRequest(message.into()))?;
        let headers = request.headers_mut();
        // progenitor adds the spec's `info.version`; it is not a header Jumio defines.
        headers.remove("api-version");
        if let Some(value) = auth {
            headers.insert(AUTHORIZATION, value);
        }
        // Jumio lists Content-Length on body-less PUTs (finalize); reqwest omits it without a body.
        if request.body().is_none() && request.method() != reqwest::Method::GET {
            request
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        Ok(())
    }
}
