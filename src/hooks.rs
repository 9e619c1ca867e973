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
    /// `Authorization: Basic <id:secret>`: the API client credentials, for the token endpoint.
    Basic {
        /// The API client id.
        client_id: String,
        /// The API client secret.
        client_secret: SecretString,
    },
}

impl fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::Basic { client_id, .. } => f
                .debug_struct("Basic")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
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

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Method, path (ids only), status and duration; never headers or bodies.
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let started = std::time::Instant::now();
        let result = self.client().execute(request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(response) => tracing::debug!(
                operation = info.operation_id,
                %method,
                path,
                status = response.status().as_u16(),
                elapsed_ms,
                "jumio request"
            ),
            Err(error) => tracing::debug!(
                operation = info.operation_id,
                %method,
                path,
                elapsed_ms,
                timeout = error.is_timeout(),
                connect = error.is_connect(),
                "jumio request failed"
            ),
        }
        result
    }
}
