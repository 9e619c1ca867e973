//! Workflow definitions and the account request, validated locally against Jumio's documented
//! limits before any request.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::generated::types::{self, builder};
use crate::limits::{self, UrlUse};
use crate::workflows::{self, WorkflowInfo};

/// A workflow definition key: every key Jumio documents by name (see [`crate::workflows`] for
/// their credentials and capabilities), any other as [`Workflow::Custom`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Workflow {
    /// 10011, standalone ID and identity verification: an ID (front, back optional), a selfie and
    /// liveness. Capabilities: usability, image checks, extraction, data checks, liveness,
    /// similarity.
    IdAndIdentity,
    /// 10013, ID and identity verification plus screening, proof of residency, address validation
    /// and US driving-licence verification. Same credentials as 10011.
    IdAndIdentityScreening,
    /// 10005, standalone CPF validation of prepared data (Brazil).
    CpfValidation,
    /// 10006, standalone Serpro biometric check of a selfie and a CPF (Brazil).
    SerproBiometric,
    /// 10008, standalone US driving-licence verification of prepared data (AAMVA).
    DrivingLicenseVerification,
    /// 10010, standalone watchlist screening of prepared data; needs a `userReference`.
    WatchlistScreening,
    /// 10014, standalone authentication: a new selfie against the face stored for an existing
    /// account (account update only).
    Authentication,
    /// 10026, standalone document verification (a DOCUMENT credential).
    Document,
    /// 10163, ID and identity verification with supporting data.
    IdAndIdentitySupportingData,
    /// 10164, ID and selfie with supporting data.
    IdSelfieSupportingData,
    /// 1 (legacy v3), ID capture and storage.
    V3IdCapture,
    /// 2 (legacy v3), ID verification.
    V3IdVerification,
    /// 3 (legacy v3), ID and identity verification.
    V3IdAndIdentity,
    /// 5 (legacy v3), a new selfie against an ID already on file (account update only).
    V3SimilarityToExistingId,
    /// 6 (legacy v3), standalone liveness.
    V3Liveness,
    /// 9 (legacy v3), authentication (account update only).
    V3Authentication,
    /// 16 (legacy v3), authentication against a face map uploaded by the customer (account
    /// update only).
    V3AuthenticationOnPremise,
    /// 20 (legacy v3), similarity of two images.
    V3SimilarityOfTwoImages,
    /// 32 (legacy v3), ID and identity verification with screening; needs a `userReference`.
    V3IdIdentityScreening,
    /// Any other key, for example one of the tenant's own workflows.
    Custom(u64),
}

/// The named workflows and their keys.
const NAMED: [(Workflow, u64); 19] = [
    (Workflow::IdAndIdentity, 10011),
    (Workflow::IdAndIdentityScreening, 10013),
    (Workflow::CpfValidation, 10005),
    (Workflow::SerproBiometric, 10006),
    (Workflow::DrivingLicenseVerification, 10008),
    (Workflow::WatchlistScreening, 10010),
    (Workflow::Authentication, 10014),
    (Workflow::Document, 10026),
    (Workflow::IdAndIdentitySupportingData, 10163),
    (Workflow::IdSelfieSupportingData, 10164),
    (Workflow::V3IdCapture, 1),
    (Workflow::V3IdVerification, 2),
    (Workflow::V3IdAndIdentity, 3),
    (Workflow::V3SimilarityToExistingId, 5),
    (Workflow::V3Liveness, 6),
    (Workflow::V3Authentication, 9),
    (Workflow::V3AuthenticationOnPremise, 16),
    (Workflow::V3SimilarityOfTwoImages, 20),
    (Workflow::V3IdIdentityScreening, 32),
];

impl Workflow {
    /// A workflow by key: documented keys by name, any other key as [`Workflow::Custom`].
    pub fn from_key(key: u64) -> Self {
        NAMED
            .iter()
            .find(|(_, named)| *named == key)
            .map_or(Workflow::Custom(key), |(workflow, _)| *workflow)
    }

    /// A tenant-specific workflow key.
    pub fn custom(key: u64) -> Self {
        Self::from_key(key)
    }

    /// The workflow definition key.
    pub fn key(self) -> u64 {
        match self {
            Workflow::Custom(key) => key,
            named => NAMED
                .iter()
                .find(|(workflow, _)| *workflow == named)
                .map_or(0, |(_, key)| *key),
        }
    }

    /// What Jumio documents about the workflow (credentials, channels, capabilities), or `None`
    /// for a key it does not document.
    pub fn info(self) -> Option<&'static WorkflowInfo> {
        workflows::lookup(self.key())
    }

    /// Every workflow Jumio documents.
    pub fn documented() -> impl Iterator<Item = Workflow> {
        workflows::WORKFLOWS
            .iter()
            .map(|info| Workflow::from_key(info.key))
    }

    /// A short description: the documented name, or `tenant-specific workflow`.
    pub fn description(self) -> &'static str {
        self.info()
            .map_or("tenant-specific workflow", |info| info.name)
    }
}

impl std::str::FromStr for Workflow {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<u64>()
            .ok()
            .filter(|key| *key > 0)
            .map(Workflow::from_key)
            .ok_or_else(|| {
                Error::validation(
                    "workflowDefinition.key",
                    format!(
                        "{s:?} is not a workflow key; expected a positive number such as 10011"
                    ),
                )
            })
    }
}

/// An identity document type an ID credential may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdType {
    /// `ID_CARD`
    IdCard,
    /// `DRIVING_LICENSE`
    DrivingLicense,
    /// `PASSPORT`
    Passport,
    /// `VISA`
    Visa,
}

impl IdType {
    /// As Jumio spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdType::IdCard => "ID_CARD",
            IdType::DrivingLicense => "DRIVING_LICENSE",
            IdType::Passport => "PASSPORT",
            IdType::Visa => "VISA",
        }
    }
}

impl std::str::FromStr for IdType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "ID_CARD" => Ok(IdType::IdCard),
            "DRIVING_LICENSE" | "DRIVING_LICENCE" => Ok(IdType::DrivingLicense),
            "PASSPORT" => Ok(IdType::Passport),
            "VISA" => Ok(IdType::Visa),
            _ => Err(Error::validation(
                "workflowDefinition.credentials[].type.values",
                format!(
                    "unknown ID type {s:?}; expected ID_CARD, DRIVING_LICENSE, PASSPORT or VISA"
                ),
            )),
        }
    }
}

/// Whether the end user may change a preset country or document type.
pub use types::PredefinedType;

/// Parses an ISO 3166-1 alpha-3 country code (`USA`).
pub fn country(code: &str) -> Result<types::CountryCode> {
    code.trim().parse().map_err(|_| {
        Error::validation(
            "country",
            format!(
                "unknown country code {code:?}; expected an ISO 3166-1 alpha-3 code such as USA"
            ),
        )
    })
}

/// End-user consent to biometric processing (`userConsent`).
///
/// Debug leaves out the IP address (personal data).
#[derive(Clone)]
#[non_exhaustive]
pub struct UserConsent {
    /// The end user's IP address.
    pub user_ip: IpAddr,
    /// The end user's country.
    pub country: types::CountryCode,
    /// For USA, CAN, AUS the subdivision code (`IL`); at most 100 characters.
    pub state: Option<String>,
    /// Whether consent was obtained.
    pub obtained: types::ConsentObtained,
    /// When consent was obtained; required when it was.
    pub obtained_at: Option<DateTime<Utc>>,
}

/// Settings of the hosted Web client.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct WebSettings {
    /// Redirect after success, at most 255 characters.
    pub success_url: Option<String>,
    /// Redirect after failure, at most 255 characters.
    pub error_url: Option<String>,
    /// Language, e.g. `en`, `de`, `pt-BR`.
    pub locale: Option<String>,
}

impl fmt::Debug for UserConsent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserConsent")
            .field("user_ip", &format_args!("[redacted]"))
            .field("country", &self.country)
            .field("state", &self.state)
            .field("obtained", &self.obtained)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

impl UserConsent {
    /// Consent the end user at `user_ip` in `country` gave at `obtained_at`.
    pub fn obtained(
        user_ip: IpAddr,
        country: types::CountryCode,
        obtained_at: DateTime<Utc>,
    ) -> Self {
        UserConsent {
            user_ip,
            country,
            state: None,
            obtained: types::ConsentObtained::Yes,
            obtained_at: Some(obtained_at),
        }
    }

    /// Consent the end user at `user_ip` in `country` refused (`no`) or that does not apply
    /// (`na`).
    pub fn not_obtained(
        user_ip: IpAddr,
        country: types::CountryCode,
        obtained: types::ConsentObtained,
    ) -> Self {
        UserConsent {
            user_ip,
            country,
            state: None,
            obtained,
            obtained_at: None,
        }
    }

    /// The subdivision of the end user's country (`IL` for USA, CAN, AUS).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }
}

impl WebSettings {
    /// Where the browser goes after a completed journey.
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.success_url = Some(url.into());
        self
    }

    /// Where the browser goes after a failed journey.
    pub fn error_url(mut self, url: impl Into<String>) -> Self {
        self.error_url = Some(url.into());
        self
    }

    /// The language of the journey (`en`, `de`, `pt-BR`).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
}

/// Builds the body of account creation or update, checking every field against Jumio's
/// documented limits.
///
/// ```
/// use jumio_kyx::{IdType, Workflow, WorkflowRequest};
///
/// let request = WorkflowRequest::new(Workflow::IdAndIdentity, "order-4711")
///     .user_reference("user-0815")
///     .id_types([IdType::Passport, IdType::DrivingLicense])
///     .countries(["USA", "CAN"])
///     .token_lifetime("30m")
///     .build()
///     .expect("valid request");
/// assert_eq!(request.workflow_definition.key.get(), 10011);
///
/// let error = WorkflowRequest::new(Workflow::IdAndIdentity, "order|4711").build().unwrap_err();
/// assert!(error.to_string().contains("customerInternalReference"));
/// ```
///
/// Debug leaves out the references, which may carry personal data.
#[derive(Clone)]
pub struct WorkflowRequest {
    workflow: Workflow,
    customer_internal_reference: String,
    user_reference: Option<String>,
    reporting_criteria: Option<String>,
    callback_url: Option<String>,
    token_lifetime: Option<String>,
    id_types: Vec<IdType>,
    countries: Vec<String>,
    predefined: Option<PredefinedType>,
    web: Option<WebSettings>,
    user_consent: Option<UserConsent>,
    document: Option<(String, String)>,
    linked: Vec<(types::CredentialFilterCategory, String)>,
}

impl fmt::Debug for WorkflowRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = format_args!("[redacted]");
        f.debug_struct("WorkflowRequest")
            .field("workflow", &self.workflow)
            .field("customer_internal_reference", &redacted)
            .field(
                "user_reference",
                &self.user_reference.as_ref().map(|_| redacted),
            )
            .field("reporting_criteria", &self.reporting_criteria)
            .field("callback_url", &self.callback_url)
            .field("token_lifetime", &self.token_lifetime)
            .field("id_types", &self.id_types)
            .field("countries", &self.countries)
            .field("predefined", &self.predefined)
            .field("web", &self.web)
            .field("user_consent", &self.user_consent)
            .finish()
    }
}

impl WorkflowRequest {
    /// A request for `workflow` with your reference for the transaction (1 to 100 characters,
    /// none of `<>"/;` `` ` `` `%{}|`, no personal data).
    pub fn new(workflow: Workflow, customer_internal_reference: impl Into<String>) -> Self {
        WorkflowRequest {
            workflow,
            customer_internal_reference: customer_internal_reference.into(),
            user_reference: None,
            reporting_criteria: None,
            callback_url: None,
            token_lifetime: None,
            id_types: Vec::new(),
            countries: Vec::new(),
            predefined: None,
            web: None,
            user_consent: None,
            document: None,
            linked: Vec::new(),
        }
    }

    /// The workflow.
    pub fn workflow(&self) -> Workflow {
        self.workflow
    }

    /// Your reference for the end user (1 to 100 characters, no personal data).
    pub fn user_reference(mut self, value: impl Into<String>) -> Self {
        self.user_reference = Some(value.into());
        self
    }

    /// Free text for searching in the portal (1 to 255 characters).
    pub fn reporting_criteria(mut self, value: impl Into<String>) -> Self {
        self.reporting_criteria = Some(value.into());
        self
    }

    /// Where Jumio POSTs status changes: an https URL of at most 255 characters.
    pub fn callback_url(mut self, value: impl Into<String>) -> Self {
        self.callback_url = Some(value.into());
        self
    }

    /// Lifetime of the transaction token: `30m`, `600s`, `1h`, `1d`; 5 minutes to 60 days.
    pub fn token_lifetime(mut self, value: impl Into<String>) -> Self {
        self.token_lifetime = Some(value.into());
        self
    }

    /// The ID document types accepted.
    pub fn id_types(mut self, types: impl IntoIterator<Item = IdType>) -> Self {
        self.id_types = types.into_iter().collect();
        self
    }

    /// The issuing countries accepted, as ISO 3166-1 alpha-3 codes.
    pub fn countries<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.countries = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the end user may change the preset countries and types (default `DEFINED`).
    pub fn predefined(mut self, predefined: PredefinedType) -> Self {
        self.predefined = Some(predefined);
        self
    }

    /// Settings of the hosted Web client.
    pub fn web(mut self, web: WebSettings) -> Self {
        self.web = Some(web);
        self
    }

    /// End-user consent to biometric processing.
    pub fn user_consent(mut self, consent: UserConsent) -> Self {
        self.user_consent = Some(consent);
        self
    }

    /// The document a DOCUMENT credential accepts: its issuing country (ISO 3166-1 alpha-3) and
    /// its type code (`BS`, bank statement). Jumio requires exactly one of each.
    pub fn document(
        mut self,
        country: impl Into<String>,
        document_type: impl Into<String>,
    ) -> Self {
        self.document = Some((country.into(), document_type.into()));
        self
    }

    /// Links an existing credential of the account (by its id) instead of acquiring a new one of
    /// that category: on account update, Jumio reuses its parts.
    pub fn link_credential(
        mut self,
        category: types::CredentialFilterCategory,
        credential_id: impl Into<String>,
    ) -> Self {
        self.linked.push((category, credential_id.into()));
        self
    }

    /// What the documented workflow needs of the request: a `userReference` where it screens, a
    /// DOCUMENT filter where it verifies a document, a linked credential where it reuses one.
    fn check_workflow(&self) -> Result<()> {
        let Some(info) = self.workflow.info() else {
            return Ok(());
        };
        let key = info.key;
        if info.user_reference_required && self.user_reference.is_none() {
            return Err(Error::validation(
                "userReference",
                format!("workflow {key} ({}) needs a userReference", info.name),
            ));
        }
        if info
            .credential(&types::CredentialCategory::Document)
            .is_some()
            && self.document.is_none()
        {
            return Err(Error::validation(
                "workflowDefinition.credentials",
                format!(
                    "workflow {key} ({}) needs the country and type of its DOCUMENT credential",
                    info.name
                ),
            ));
        }
        for credential in info.credentials.iter().filter(|c| c.existing) {
            let linked = self
                .linked
                .iter()
                .any(|(category, _)| category.to_string() == credential.category.to_string());
            if !linked {
                return Err(Error::validation(
                    "workflowDefinition.credentials",
                    format!(
                        "workflow {key} ({}) reuses an existing {} credential; link it by its id",
                        info.name, credential.category
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks every field and builds the generated request body.
    pub fn build(&self) -> Result<types::AccountRequest> {
        let reference = &self.customer_internal_reference;
        limits::check_customer_internal_reference(reference)?;
        if let Some(value) = &self.user_reference {
            limits::check_reference_text("userReference", value, limits::USER_REFERENCE_MAX_CHARS)?;
        }
        if let Some(value) = &self.reporting_criteria {
            limits::check_reference_text(
                "reportingCriteria",
                value,
                limits::REPORTING_CRITERIA_MAX_CHARS,
            )?;
        }
        if let Some(value) = &self.callback_url {
            limits::check_url("callbackUrl", value, UrlUse::Callback)?;
        }
        if let Some(value) = &self.token_lifetime {
            limits::parse_token_lifetime(value)?;
        }
        if self.workflow.key() == 0 {
            return Err(Error::validation(
                "workflowDefinition.key",
                "must be a positive workflow key",
            ));
        }

        let key = std::num::NonZeroU64::new(self.workflow.key()).ok_or_else(|| {
            Error::validation("workflowDefinition.key", "must be a positive workflow key")
        })?;

        self.check_workflow()?;
        let mut filters = Vec::new();
        if !self.id_types.is_empty() || !self.countries.is_empty() {
            filters.push(self.id_filter()?);
        }
        if let Some((country, document_type)) = &self.document {
            filters.push(document_filter(country, document_type)?);
        }
        for (category, id) in &self.linked {
            crate::ids::check_id("workflowDefinition.credentials[].id", "credential id", id)?;
            filters.push(
                builder::CredentialFilter::default()
                    .category(*category)
                    .id(Some(contract("workflowDefinition.credentials[].id")(
                        id.as_str(),
                    )?))
                    .try_into()
                    .map_err(|e: types::error::ConversionError| {
                        Error::validation("workflowDefinition.credentials", e.to_string())
                    })?,
            );
        }
        let mut definition = builder::WorkflowDefinition::default().key(key);
        if !filters.is_empty() {
            definition = definition.credentials(filters);
        }
        let mut body = builder::AccountRequest::default()
            .customer_internal_reference(reference.as_str())
            .workflow_definition(definition)
            .user_reference(
                self.user_reference
                    .as_deref()
                    .map(contract("userReference"))
                    .transpose()?,
            )
            .reporting_criteria(
                self.reporting_criteria
                    .as_deref()
                    .map(contract("reportingCriteria"))
                    .transpose()?,
            )
            .callback_url(
                self.callback_url
                    .as_deref()
                    .map(contract("callbackUrl"))
                    .transpose()?,
            )
            .token_lifetime(
                self.token_lifetime
                    .as_deref()
                    .map(contract("tokenLifetime"))
                    .transpose()?,
            );
        if let Some(web) = &self.web {
            body = body.web(Some(web_settings(web)?));
        }
        if let Some(consent) = &self.user_consent {
            body = body.user_consent(Some(user_consent(consent)?));
        }
        // The generated types enforce the spec's constraints once more; a disagreement between the
        // checks above and the spec is a bug, reported as such rather than sent.
        body.try_into().map_err(|e: types::error::ConversionError| {
            Error::validation("request", format!("does not satisfy the API contract: {e}"))
        })
    }

    /// The credential filter of the ID: its types and countries.
    fn id_filter(&self) -> Result<types::CredentialFilter> {
        let mut filter =
            builder::CredentialFilter::default().category(types::CredentialFilterCategory::Id);
        if !self.id_types.is_empty() {
            let values = self
                .id_types
                .iter()
                .map(|t| contract("workflowDefinition.credentials[].type.values")(t.as_str()))
                .collect::<Result<Vec<types::DocumentTypeFilterValuesItem>>>()?;
            filter = filter.type_(Some(types::DocumentTypeFilter {
                predefined_type: self.predefined,
                values,
            }));
        }
        if !self.countries.is_empty() {
            let values = self
                .countries
                .iter()
                .map(|code| country(code))
                .collect::<Result<Vec<_>>>()?;
            filter = filter.country(Some(types::CountryFilter {
                predefined_type: self.predefined,
                values,
            }));
        }
        filter
            .try_into()
            .map_err(|e: types::error::ConversionError| {
                Error::validation("workflowDefinition.credentials", e.to_string())
            })
    }
}

/// The filter of a DOCUMENT credential: exactly one country and one type.
fn document_filter(country_code: &str, document_type: &str) -> Result<types::CredentialFilter> {
    let field = "workflowDefinition.credentials[].type.values";
    let value = contract(field)(document_type.trim())?;
    builder::CredentialFilter::default()
        .category(types::CredentialFilterCategory::Document)
        .type_(Some(types::DocumentTypeFilter {
            predefined_type: Some(PredefinedType::Defined),
            values: vec![value],
        }))
        .country(Some(types::CountryFilter {
            predefined_type: Some(PredefinedType::Defined),
            values: vec![country(country_code)?],
        }))
        .try_into()
        .map_err(|e: types::error::ConversionError| {
            Error::validation("workflowDefinition.credentials", e.to_string())
        })
}

/// Converts a checked value into its generated type, which checks the spec's constraints once
/// more (see [`WorkflowRequest::build`]).
fn contract<'a, T>(field: &'static str) -> impl Fn(&'a str) -> Result<T>
where
    T: TryFrom<&'a str>,
    T::Error: std::fmt::Display,
{
    move |value| {
        T::try_from(value).map_err(|e| {
            Error::validation(field, format!("does not satisfy the API contract: {e}"))
        })
    }
}

fn web_settings(web: &WebSettings) -> Result<types::WebSettings> {
    let success_url = match &web.success_url {
        Some(url) => {
            limits::check_url("web.successUrl", url, UrlUse::Redirect)?;
            Some(contract("web.successUrl")(url.as_str())?)
        }
        None => None,
    };
    let error_url = match &web.error_url {
        Some(url) => {
            limits::check_url("web.errorUrl", url, UrlUse::Redirect)?;
            Some(contract("web.errorUrl")(url.as_str())?)
        }
        None => None,
    };
    let locale = match &web.locale {
        Some(locale) => Some(locale.parse::<types::Locale>().map_err(|_| {
            Error::validation(
                "web.locale",
                format!(
                    "unknown locale {locale:?}; expected one of Jumio's locales such as en, de, pt-BR"
                ),
            )
        })?),
        None => None,
    };
    Ok(types::WebSettings {
        success_url,
        error_url,
        locale,
    })
}

fn user_consent(consent: &UserConsent) -> Result<types::UserConsent> {
    let state = match &consent.state {
        Some(state) => {
            limits::check_length(
                "userConsent.userLocation.state",
                state,
                limits::CONSENT_STATE_MAX_CHARS,
            )?;
            Some(contract("userConsent.userLocation.state")(state.as_str())?)
        }
        None => None,
    };
    if consent.obtained == types::ConsentObtained::Yes && consent.obtained_at.is_none() {
        return Err(Error::validation(
            "userConsent.consent.obtainedAt",
            "is required when consent was obtained",
        ));
    }
    let user_ip = consent.user_ip.to_string();
    Ok(types::UserConsent {
        user_ip: contract("userConsent.userIp")(user_ip.as_str())?,
        user_location: types::UserLocation {
            country: consent.country,
            state,
        },
        consent: Some(types::ConsentDetails {
            obtained: consent.obtained,
            obtained_at: consent.obtained_at,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_field_by_field() {
        let base = || WorkflowRequest::new(Workflow::IdAndIdentity, "ref-1");
        assert!(base().build().is_ok());
        let too_long = base().user_reference("u".repeat(101)).build().unwrap_err();
        assert_eq!(
            too_long.to_string(),
            "invalid userReference: is 101 characters long; Jumio accepts at most 100"
        );
        let bad_country = base().countries(["XYZ"]).build().unwrap_err();
        assert!(
            bad_country
                .to_string()
                .contains("unknown country code \"XYZ\"")
        );
        let http = base()
            .callback_url("http://example.com/cb")
            .build()
            .unwrap_err();
        assert!(http.to_string().contains("https"));
        assert!(base().callback_url("http://127.0.0.1:9/cb").build().is_ok());
        let locale = base()
            .web(WebSettings {
                locale: Some("xx".into()),
                ..Default::default()
            })
            .build()
            .unwrap_err();
        assert!(locale.to_string().contains("web.locale"));
        for current in ["en-US", "sr-Latn", "sr-Cyrl", "uk", "fr-CA", "sw", "pt-BR"] {
            base()
                .web(WebSettings::default().locale(current))
                .build()
                .unwrap_or_else(|e| panic!("{current}: {e}"));
        }
    }

    #[test]
    fn the_seed_request_is_built_from_typed_values() {
        let request = WorkflowRequest::new(Workflow::IdAndIdentity, "CUSTOMER_REFERENCE")
            .id_types([IdType::DrivingLicense, IdType::IdCard, IdType::Passport])
            .countries(["USA", "CAN", "AUT", "GBR"])
            .callback_url("https://kyc.example.com/jumio")
            .user_reference("YOUR_USER_REFERENCE")
            .token_lifetime("5m")
            .web(WebSettings {
                success_url: Some("https://www.yourcompany.com/success".into()),
                error_url: Some("https://www.yourcompany.com/error".into()),
                locale: Some("es".into()),
            })
            .build()
            .unwrap();
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json["workflowDefinition"]["credentials"][0]["type"]["values"][2],
            "PASSPORT"
        );
        assert_eq!(
            json["workflowDefinition"]["credentials"][0]["country"]["values"][3],
            "GBR"
        );
        assert_eq!(json["web"]["locale"], "es");
    }

    fn json(request: WorkflowRequest) -> serde_json::Value {
        serde_json::to_value(request.build().unwrap()).unwrap()
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::Validation { field, .. } => field,
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn keys_name_the_documented_workflows_and_keep_any_other() {
        for (workflow, key) in NAMED {
            assert_eq!(workflow.key(), key, "{workflow:?}");
            assert_eq!(Workflow::from_key(key), workflow);
            assert_eq!(Workflow::custom(key), workflow);
            assert_eq!(workflow.info().map(|info| info.key), Some(key));
            assert_eq!(workflow.description(), workflow.info().unwrap().name);
        }
        assert_eq!(Workflow::from_key(10011), Workflow::IdAndIdentity);
        assert_eq!(Workflow::from_key(32), Workflow::V3IdIdentityScreening);
        assert_eq!(Workflow::from_key(77_777), Workflow::Custom(77_777));
        assert_eq!(Workflow::Custom(77_777).key(), 77_777);
        assert_eq!(Workflow::Custom(77_777).info().map(|i| i.key), None);
        assert_eq!(
            Workflow::Custom(77_777).description(),
            "tenant-specific workflow"
        );
        let documented: Vec<Workflow> = Workflow::documented().collect();
        assert_eq!(documented.len(), workflows::WORKFLOWS.len());
        assert!(documented.contains(&Workflow::IdAndIdentity));
        assert!(!documented.iter().any(|w| matches!(w, Workflow::Custom(_))));
    }

    #[test]
    fn workflow_keys_parse_as_positive_numbers() {
        assert_eq!(
            " 10011 ".parse::<Workflow>().unwrap(),
            Workflow::IdAndIdentity
        );
        assert_eq!("1".parse::<Workflow>().unwrap(), Workflow::V3IdCapture);
        assert_eq!(
            "424242".parse::<Workflow>().unwrap(),
            Workflow::Custom(424_242)
        );
        for bad in ["0", "-1", "abc", "", "10011x"] {
            let error = bad.parse::<Workflow>().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "invalid workflowDefinition.key: {bad:?} is not a workflow key; expected a \
                     positive number such as 10011"
                )
            );
        }
        let error = WorkflowRequest::new(Workflow::Custom(0), "ref-1")
            .build()
            .unwrap_err();
        assert_eq!(field_of(error), "workflowDefinition.key");
    }

    #[test]
    fn id_types_are_spelled_as_jumio_does_and_parsed_leniently() {
        for (id_type, text) in [
            (IdType::IdCard, "ID_CARD"),
            (IdType::DrivingLicense, "DRIVING_LICENSE"),
            (IdType::Passport, "PASSPORT"),
            (IdType::Visa, "VISA"),
        ] {
            assert_eq!(id_type.as_str(), text);
            assert_eq!(text.parse::<IdType>().unwrap(), id_type);
        }
        assert_eq!(" id-card ".parse::<IdType>().unwrap(), IdType::IdCard);
        assert_eq!(
            "driving_licence".parse::<IdType>().unwrap(),
            IdType::DrivingLicense
        );
        assert_eq!("passport".parse::<IdType>().unwrap(), IdType::Passport);
        let error = "residence permit".parse::<IdType>().unwrap_err();
        assert!(error.to_string().contains("unknown ID type"), "{error}");
        assert_eq!(
            field_of(error),
            "workflowDefinition.credentials[].type.values"
        );
        assert_eq!(country(" CAN ").unwrap(), types::CountryCode::Can);
        assert_eq!(field_of(country("Canada").unwrap_err()), "country");
    }

    #[test]
    fn the_id_filter_is_of_category_id_with_what_was_given() {
        let base = || WorkflowRequest::new(Workflow::IdAndIdentity, "ref-1");
        let body = json(base());
        assert!(body["workflowDefinition"].get("credentials").is_none());

        let body = json(base().id_types([IdType::Passport]));
        let filter = &body["workflowDefinition"]["credentials"][0];
        assert_eq!(filter["category"], "ID");
        assert_eq!(filter["type"]["values"], serde_json::json!(["PASSPORT"]));
        assert!(filter.get("country").is_none());

        let body = json(
            base()
                .countries(["AUT"])
                .predefined(PredefinedType::Recommended),
        );
        let filter = &body["workflowDefinition"]["credentials"][0];
        assert_eq!(filter["category"], "ID");
        assert_eq!(filter["country"]["values"], serde_json::json!(["AUT"]));
        assert_eq!(filter["country"]["predefinedType"], "RECOMMENDED");
        assert!(filter.get("type").is_none());

        let body = json(
            base()
                .id_types([IdType::Visa])
                .countries(["USA"])
                .predefined(PredefinedType::Defined),
        );
        let filter = &body["workflowDefinition"]["credentials"][0];
        assert_eq!(filter["type"]["predefinedType"], "DEFINED");
        assert_eq!(filter["country"]["predefinedType"], "DEFINED");
        assert_eq!(body["workflowDefinition"]["key"], 10011);
        assert_eq!(base().workflow(), Workflow::IdAndIdentity);
    }

    #[test]
    fn a_document_credential_gets_exactly_its_country_and_type() {
        let document = || WorkflowRequest::new(Workflow::Document, "ref-1");
        let error = document().build().unwrap_err();
        assert_eq!(field_of(error), "workflowDefinition.credentials");
        let body = json(document().document("USA", " BS "));
        let filter = &body["workflowDefinition"]["credentials"][0];
        assert_eq!(filter["category"], "DOCUMENT");
        assert_eq!(filter["type"]["values"], serde_json::json!(["BS"]));
        assert_eq!(filter["type"]["predefinedType"], "DEFINED");
        assert_eq!(filter["country"]["values"], serde_json::json!(["USA"]));
        assert_eq!(filter["country"]["predefinedType"], "DEFINED");
        let error = document().document("Atlantis", "BS").build().unwrap_err();
        assert_eq!(field_of(error), "country");
    }

    #[test]
    fn workflows_get_what_they_need_of_the_request() {
        let screening = || WorkflowRequest::new(Workflow::WatchlistScreening, "ref-1");
        let error = screening().build().unwrap_err();
        assert_eq!(field_of(error), "userReference");
        assert!(screening().user_reference("user-1").build().is_ok());

        let existing = || WorkflowRequest::new(Workflow::V3SimilarityToExistingId, "ref-1");
        let error = existing().build().unwrap_err();
        assert!(error.to_string().contains("link it by its id"), "{error}");
        let body = json(existing().link_credential(
            types::CredentialFilterCategory::Id,
            "33333333-3333-3333-aaaaaaaaaaaa",
        ));
        let filter = &body["workflowDefinition"]["credentials"][0];
        assert_eq!(filter["category"], "ID");
        assert_eq!(filter["id"], "33333333-3333-3333-aaaaaaaaaaaa");
        let wrong = existing().link_credential(
            types::CredentialFilterCategory::Selfie,
            "33333333-3333-3333-aaaaaaaaaaaa",
        );
        assert!(wrong.build().is_err(), "a SELFIE link is not the ID");
        let hostile = existing()
            .link_credential(types::CredentialFilterCategory::Id, "../x")
            .build()
            .unwrap_err();
        assert_eq!(field_of(hostile), "workflowDefinition.credentials[].id");
    }

    #[test]
    fn every_optional_text_is_checked_and_sent() {
        let base = || WorkflowRequest::new(Workflow::IdAndIdentity, "ref-1");
        let error = base()
            .reporting_criteria("r".repeat(256))
            .build()
            .unwrap_err();
        assert_eq!(field_of(error), "reportingCriteria");
        let error = base().token_lifetime("1w").build().unwrap_err();
        assert_eq!(field_of(error), "tokenLifetime");
        let error = base().user_reference(" ").build().unwrap_err();
        assert_eq!(field_of(error), "userReference");
        let body = json(
            base()
                .reporting_criteria("campaign-7")
                .token_lifetime("1h")
                .callback_url("https://kyc.example.com/cb")
                .user_reference("user-1"),
        );
        assert_eq!(body["reportingCriteria"], "campaign-7");
        assert_eq!(body["tokenLifetime"], "1h");
        assert_eq!(body["callbackUrl"], "https://kyc.example.com/cb");
        assert_eq!(body["userReference"], "user-1");
        assert_eq!(body["customerInternalReference"], "ref-1");
    }

    #[test]
    fn web_settings_check_each_url_and_are_sent() {
        let base = || WorkflowRequest::new(Workflow::IdAndIdentity, "ref-1");
        let error = base()
            .web(WebSettings::default().success_url("ftp://shop.example.com/ok"))
            .build()
            .unwrap_err();
        assert_eq!(field_of(error), "web.successUrl");
        let error = base()
            .web(WebSettings::default().error_url("not a url"))
            .build()
            .unwrap_err();
        assert_eq!(field_of(error), "web.errorUrl");
        let body = json(
            base().web(
                WebSettings::default()
                    .success_url("https://shop.example.com/ok")
                    .error_url("https://shop.example.com/error")
                    .locale("de"),
            ),
        );
        assert_eq!(body["web"]["successUrl"], "https://shop.example.com/ok");
        assert_eq!(body["web"]["errorUrl"], "https://shop.example.com/error");
        assert_eq!(body["web"]["locale"], "de");
    }

    #[test]
    fn user_consent_is_sent_and_needs_its_time_when_obtained() {
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let at: DateTime<Utc> = "2025-01-21T14:55:01Z".parse().unwrap();
        let base = || WorkflowRequest::new(Workflow::IdAndIdentity, "ref-1");
        let body = json(
            base().user_consent(UserConsent::obtained(ip, types::CountryCode::Usa, at).state("IL")),
        );
        let consent = &body["userConsent"];
        assert_eq!(consent["userIp"], "203.0.113.7");
        assert_eq!(consent["userLocation"]["country"], "USA");
        assert_eq!(consent["userLocation"]["state"], "IL");
        assert_eq!(consent["consent"]["obtained"], "yes");
        assert_eq!(
            consent["consent"]["obtainedAt"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap(),
            at
        );

        let refused = json(base().user_consent(UserConsent::not_obtained(
            ip,
            types::CountryCode::Deu,
            types::ConsentObtained::No,
        )));
        assert_eq!(refused["userConsent"]["consent"]["obtained"], "no");
        assert!(
            refused["userConsent"]["userLocation"]
                .get("state")
                .is_none()
        );

        let mut undated = UserConsent::obtained(ip, types::CountryCode::Usa, at);
        undated.obtained_at = None;
        let error = base().user_consent(undated).build().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid userConsent.consent.obtainedAt: is required when consent was obtained"
        );
        let long_state =
            UserConsent::obtained(ip, types::CountryCode::Usa, at).state("s".repeat(101));
        let error = base().user_consent(long_state).build().unwrap_err();
        assert_eq!(field_of(error), "userConsent.userLocation.state");
    }
}
