//! How the generated client authorises and prepares its requests: `ClientHooks` for
//! [`generated::Client`](crate::generated::Client).

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderValue};

use crate::generated::Client;
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
