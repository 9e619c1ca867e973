//! Tokens of the sandbox: the OAuth2 token endpoint, the JWTs it signs (access, transaction and SDK
//! tokens, HS256 over a key drawn at start), their checks, and the `User-Agent` rule.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::counters;
use super::errors::ApiError;
use super::state::AppState;
use jumio_kyx::generated::types::{TokenRequest, TokenResponse};

type HmacSha256 = Hmac<Sha256>;

/// What a token authorises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenKind {
    /// OAuth2 access token: account, retrieval and deletion calls.
    Access,
    /// Transaction token (`api.token`): uploads and finalization of one workflow execution.
    Transaction,
    /// SDK token (`sdk.token`) and Web link token: accepted by no API call.
    Sdk,
}

impl TokenKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Access => "an OAuth2 access token",
            Self::Transaction => "a transaction token (api.token)",
            Self::Sdk => "an SDK token",
        }
    }
}

/// Claims of every token the sandbox signs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub iss: String,
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub kind: TokenKind,
    /// Account of a transaction or SDK token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Workflow execution of a transaction or SDK token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_execution: Option<String>,
}

/// Signs and verifies HS256 JWTs with a key that lives as long as the sandbox.
pub(crate) struct Signer {
    key: [u8; 32],
}

impl Signer {
    pub(crate) fn random() -> Self {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length")
    }

    /// A token of `kind` for `subject`, valid for `lifetime` from now.
    pub(crate) fn issue(
        &self,
        issuer: &str,
        kind: TokenKind,
        subject: &str,
        lifetime: Duration,
        execution: Option<(&str, &str)>,
    ) -> String {
        let iat = unix_now();
        let claims = Claims {
            iss: issuer.to_owned(),
            sub: subject.to_owned(),
            iat,
            exp: iat.saturating_add(lifetime.as_secs().max(1)),
            jti: uuid::Uuid::new_v4().to_string(),
            kind,
            account: execution.map(|(account, _)| account.to_owned()),
            workflow_execution: execution.map(|(_, execution)| execution.to_owned()),
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialise to JSON"));
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of `token` if this sandbox signed it and it has not expired.
    pub(crate) fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let claims = self.verify_signature(token)?;
        if claims.is_expired() {
            return Err("the bearer token has expired");
        }
        Ok(claims)
    }

    /// The claims of `token` if this sandbox signed it, expired or not (the Web journey still
    /// tells the account's error URL about an expired link).
    pub(crate) fn verify_signature(&self, token: &str) -> Result<Claims, &'static str> {
        let mut pieces = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (pieces.next(), pieces.next(), pieces.next(), pieces.next())
        else {
            return Err("the bearer token is not a JWT");
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "the bearer token's signature is not base64url")?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| "the bearer token was not issued by this sandbox")?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or("the bearer token's claims cannot be read")?;
        Ok(claims)
    }

    /// `data` with its MAC appended (`data.mac`, base64url), so that it comes back unchanged.
    pub(crate) fn seal(&self, data: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"sealed:");
        mac.update(data.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{data}.{signature}")
    }

    /// The data of a value [`seal`](Self::seal) made, or `None` if it was changed.
    pub(crate) fn open<'a>(&self, sealed: &'a str) -> Option<&'a str> {
        let (data, signature) = sealed.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac();
        mac.update(b"sealed:");
        mac.update(data.as_bytes());
        mac.verify_slice(&signature).ok()?;
        Some(data)
    }
}

impl Claims {
    /// Whether the token's lifetime has passed.
    pub(crate) fn is_expired(&self) -> bool {
        self.exp <= unix_now()
    }
}

/// A random value of 32 bytes, base64url: CSRF tokens and the like.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Every call needs a non-empty `User-Agent`, as Jumio documents: `403 Forbidden` otherwise.
pub(crate) async fn require_user_agent(request: Request, next: Next) -> Response {
    let present = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| !value.trim().is_empty());
    if present {
        next.run(request).await
    } else {
        ApiError::forbidden(
            "the User-Agent header is missing or empty; Jumio requires one that names your \
             business and application, for example `YourCompany YourApp/v1.0`",
        )
        .into_response()
    }
}

/// The bearer token of a request: `Authorization: Bearer <token>` (a bare token is accepted too, as
/// in one of Jumio's upload examples).
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("the Authorization header is missing"))?
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not ASCII"))?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        Some(_) => {
            return Err(ApiError::unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ));
        }
        None => value,
    };
    if token.is_empty() {
        return Err(ApiError::unauthorized("the bearer token is empty"));
    }
    Ok(token)
}

fn verify_kind(app: &AppState, headers: &HeaderMap, wanted: TokenKind) -> Result<Claims, ApiError> {
    let claims = app
        .signer
        .verify(bearer(headers)?)
        .map_err(ApiError::unauthorized)?;
    if claims.kind != wanted {
        return Err(ApiError::unauthorized(format!(
            "this call needs {}, not {}",
            wanted.describe(),
            claims.kind.describe()
        )));
    }
    Ok(claims)
}

/// Checks the OAuth2 access token of an account, retrieval or deletion call.
pub(crate) fn require_access(app: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    verify_kind(app, headers, TokenKind::Access).map(drop)
}

/// What a bearer token authorises, as a type: the scope of an [`Authorised`] call.
pub(crate) trait Scope {
    const KIND: TokenKind;
}

/// Calls of the OAuth2 access token: account update, retrieval, deletion.
pub(crate) enum AccessScope {}

impl Scope for AccessScope {
    const KIND: TokenKind = TokenKind::Access;
}

/// Calls of a transaction token: uploads and finalization. That the token belongs to the very
/// execution is checked with the execution ([`require_transaction`]), so that an unknown id is
/// `404` whatever the token.
pub(crate) enum TransactionScope {}

impl Scope for TransactionScope {
    const KIND: TokenKind = TokenKind::Transaction;
}

/// A call whose bearer token is of scope `S`, checked first (`401` otherwise, so that a token of
/// another kind cannot probe the paths), and then its path `T`.
pub(crate) struct Authorised<S, T> {
    pub path: T,
    pub headers: HeaderMap,
    scope: PhantomData<S>,
}

impl<S, T> FromRequestParts<Arc<AppState>> for Authorised<S, T>
where
    S: Scope,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        verify_kind(app, &parts.headers, S::KIND)?;
        let Path(path) = Path::<T>::from_request_parts(parts, app).await?;
        Ok(Self {
            path,
            headers: parts.headers.clone(),
            scope: PhantomData,
        })
    }
}

/// A call of the OAuth2 access token with its path.
pub(crate) type Access<T> = Authorised<AccessScope, T>;

/// Checks the transaction token of an upload or finalization; it must belong to `execution`. The
/// caller checks that the execution exists first, so an unknown id is `404` whatever the token.
pub(crate) fn require_transaction(
    app: &AppState,
    headers: &HeaderMap,
    expected_token: &str,
    execution: &str,
) -> Result<(), ApiError> {
    let claims = verify_kind(app, headers, TokenKind::Transaction)?;
    let presented = bearer(headers)?;
    if claims.workflow_execution.as_deref() != Some(execution)
        || !constant_time_eq(presented.as_bytes(), expected_token.as_bytes())
    {
        return Err(ApiError::unauthorized(format!(
            "the transaction token does not belong to workflow execution {execution}"
        )));
    }
    Ok(())
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /oauth2/token`: HTTP Basic client credentials and `grant_type=client_credentials`.
pub(crate) async fn token(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    counters::add(&app.counters.token_requests, 1);
    check_client(&app, &headers)
        .map_err(|error| error.with_basic_challenge().oauth("invalid_client"))?;

    let form_content = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|mime| mime.trim() == "application/x-www-form-urlencoded")
        });
    if !form_content {
        return Err(ApiError::bad_field(
            "Content-Type",
            "the token request must be a form (Content-Type: application/x-www-form-urlencoded)",
        ));
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::bad_request(format!("the form body cannot be read: {e}")))?;
    let Some((_, grant)) = fields.iter().find(|(name, _)| name == "grant_type") else {
        return Err(ApiError::bad_field(
            "grant_type",
            "grant_type is required; the sandbox supports `client_credentials`",
        )
        .oauth("invalid_request"));
    };
    let _grant: TokenRequest = serde_json::from_value(serde_json::json!({ "grant_type": grant }))
        .map_err(|_| {
        ApiError::bad_field(
            "grant_type",
            format!("grant_type `{grant}` is not supported; use `client_credentials`"),
        )
        .oauth("unsupported_grant_type")
    })?;

    let ttl = app.config.access_token_ttl;
    let access_token = app.signer.issue(
        &app.base_url,
        TokenKind::Access,
        &app.config.client_id,
        ttl,
        None,
    );
    counters::add(&app.counters.tokens_issued, 1);
    let body = TokenResponse {
        access_token,
        expires_in: i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX),
        token_type: "Bearer".to_owned(),
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn check_client(app: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "the token request needs HTTP Basic authentication with the client id and secret",
            )
        })?;
    let encoded = match value.trim().split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => rest.trim(),
        _ => {
            return Err(ApiError::unauthorized(
                "the token request needs HTTP Basic authentication (Authorization: Basic ...)",
            ));
        }
    };
    let decoded = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ApiError::unauthorized("the Basic credentials are not valid base64"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| ApiError::unauthorized("the Basic credentials must be `id:secret`"))?;
    let id_ok = constant_time_eq(id.as_bytes(), app.config.client_id.as_bytes());
    let secret_ok = constant_time_eq(secret.as_bytes(), app.config.client_secret.as_bytes());
    if id_ok && secret_ok {
        Ok(())
    } else {
        Err(ApiError::unauthorized("wrong client id or secret"))
    }
}
