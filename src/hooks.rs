//! How the generated client authorises and prepares its requests: `ClientHooks` for
//! [`generated::Client`](crate::generated::Client).

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderValue};

use crate::generated::Client;
use crate::guard;
pub use crate::request_auth::RequestAuth;

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
        let url = request.url().clone();
        let started = std::time::Instant::now();
        let result = self.client().execute(request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let path = url.path();
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
        let response = result?;
        // An HTTP client that follows redirects (one given to the builder) answers for another
        // URL: its answer is not the one asked for.
        if response.url() != &url {
            tracing::warn!(
                operation = info.operation_id,
                path,
                "the HTTP client followed a redirect; refusing the answer"
            );
            return Err(guard::reqwest_error(guard::Refusal::Redirected).await);
        }
        // The generated client reads a successful answer whole; a download is streamed and
        // bounded by the transport, an error body by the crate's error.
        if response.status().is_success() && info.operation_id != DOWNLOAD_OPERATION {
            return guard::bound(response, guard::BodyKind::Json, guard::MAX_JSON_BODY).await;
        }
        Ok(response)
    }
}

/// The one operation whose answer is not JSON but the bytes of an image.
pub(crate) const DOWNLOAD_OPERATION: &str = "get_credential_part";
