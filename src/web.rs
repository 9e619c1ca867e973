//! The end of a Web journey: the landing of the end user's browser on `web.successUrl` or
//! `web.errorUrl`, with the query parameters Jumio appends to it.
//!
//! When the journey of `web.href` ends, Jumio's Web client sends the browser to the success URL
//! (the images were accepted) or the error URL of the account request, with `accountId`,
//! `workflowExecutionId`, `acquisitionStatus` (`SUCCESS` or `ERROR`), `customerInternalReference`
//! and, on an error, `errorCode` appended to the URL's own parameters. [`Landing`] reads them:
//! from the whole URL ([`Landing::from_url`]) or from the query string your web framework hands
//! you ([`Landing::from_query`]).
//!
//! # The landing is the user's, not Jumio's
//!
//! **Anyone can type a success URL with any parameters into a browser.** A landing proves
//! nothing: use it to choose what to show the user ("thank you, we are checking your
//! documents" or "something went wrong: ..."), never to decide anything. What Jumio says is in
//! the callback and in retrieval. [`JumioClient::confirm_landing`](crate::JumioClient::confirm_landing)
//! asks Jumio about the landing's workflow execution with your credentials: it checks that the
//! account and execution ids belong together and returns the execution's real status, and its
//! result when it is processed.
//!
//! ```
//! use jumio_kyx::{AcquisitionStatus, Landing, Retry, WebErrorCode};
//!
//! let landing = Landing::from_url(
//!     "https://shop.example.com/kyc/done?step=3&accountId=11111111-0000-0000-0000-000000000000\
//!      &workflowExecutionId=22222222-0000-0000-0000-000000000000\
//!      &acquisitionStatus=ERROR&customerInternalReference=order-4711&errorCode=9820",
//! )?;
//! assert_eq!(landing.acquisition_status(), &AcquisitionStatus::Error);
//! let code = landing.error_code().unwrap();
//! assert_eq!(code, WebErrorCode::NoCameraUploadDisabled);
//! assert_eq!(code.retry(), Retry::OtherDevice);
//! println!("Sorry: {}", code.meaning());
//!
//! // The parameters are the user's: a forged or damaged landing is refused with the parameter
//! // named, and its value is not repeated.
//! let forged = Landing::from_query("accountId=../admin&workflowExecutionId=x")
//!     .unwrap_err();
//! assert_eq!(forged.parameter(), Some("accountId"));
//! # Ok::<(), jumio_kyx::LandingError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::generated::types;
use crate::ids::ExecutionIds;
use crate::limits;
use crate::result::VerificationResult;
use crate::trust;

/// Longest query string a landing is read from, in bytes. Jumio's own parameters take a few
/// hundred (two ids, a reference of at most 100 characters, percent-encoded); the success URL's
/// own parameters fit in the rest.
pub const MAX_LANDING_QUERY_BYTES: usize = 8192;

/// The parameters Jumio appends, as it names them.
const ACCOUNT_ID: &str = "accountId";
const WORKFLOW_EXECUTION_ID: &str = "workflowExecutionId";
const ACQUISITION_STATUS: &str = "acquisitionStatus";
const CUSTOMER_INTERNAL_REFERENCE: &str = "customerInternalReference";
const ERROR_CODE: &str = "errorCode";
const PUBLIC_ERROR_CODE: &str = "publicErrorCode";
const PARAMETERS: [&str; 6] = [
    ACCOUNT_ID,
    WORKFLOW_EXECUTION_ID,
    ACQUISITION_STATUS,
    CUSTOMER_INTERNAL_REFERENCE,
    ERROR_CODE,
    PUBLIC_ERROR_CODE,
];

/// Longest `acquisitionStatus` kept as an unknown status, in characters.
const MAX_STATUS_CHARS: usize = 32;

/// Where the end user's browser landed after a Web journey, read from the query parameters Jumio
/// appends to `web.successUrl` and `web.errorUrl`.
///
/// **For display only.** The parameters are in the user's hands: a landing says what to show
/// the user, not what happened. Act on the callback and on retrieval, or on
/// [`JumioClient::confirm_landing`](crate::JumioClient::confirm_landing), which asks Jumio.
///
/// Every value is checked: the ids are of Jumio's form ([`ExecutionIds`]), the reference follows
/// the rules of the account request ([`limits::check_customer_internal_reference`]), the
/// status is `SUCCESS`, `ERROR` or a word of capitals kept as [`AcquisitionStatus::Unknown`],
/// and an `errorCode` comes only with a status other than `SUCCESS`. Parameters of the URL's
/// own are ignored; one of Jumio's given twice is refused, as it is ambiguous.
///
/// Its `Debug` hides the `customerInternalReference`.
#[derive(Clone, PartialEq, Eq)]
pub struct Landing {
    ids: ExecutionIds,
    acquisition_status: AcquisitionStatus,
    customer_internal_reference: String,
    error_code: Option<WebErrorCode>,
    public_error_code: Option<String>,
}

impl Landing {
    /// Reads the landing from the whole URL the browser landed on (absolute, as
    /// `window.location.href` or your framework's full request URL gives it). The fragment is
    /// ignored.
    pub fn from_url(url: &str) -> Result<Landing, LandingError> {
        let parsed = reqwest::Url::parse(url).map_err(|error| LandingError::NotAUrl {
            reason: error.to_string(),
        })?;
        Landing::from_query(parsed.query().unwrap_or_default())
    }

    /// Reads the landing from the query string of the URL the browser landed on
    /// (`accountId=...&workflowExecutionId=...`, with or without the leading `?`), as
    /// `application/x-www-form-urlencoded` (`+` is a space).
    pub fn from_query(query: &str) -> Result<Landing, LandingError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        if query.len() > MAX_LANDING_QUERY_BYTES {
            return Err(LandingError::TooLong {
                length: query.len(),
                max: MAX_LANDING_QUERY_BYTES,
            });
        }
        let mut found: [Vec<&str>; PARAMETERS.len()] = Default::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // A name that does not decode is none of Jumio's: the URL's own, ignored.
            let Ok(name) = decode(name) else { continue };
            if let Some(index) = PARAMETERS.iter().position(|known| *known == name) {
                found[index].push(value);
            }
        }
        let [account, execution, status, reference, code, public_code] = found;
        let one = |parameter: &'static str, values: Vec<&str>| -> Result<Option<String>, _> {
            match values.as_slice() {
                [] => Ok(None),
                [value] => decode(value)
                    .map(Some)
                    .map_err(|reason| LandingError::Invalid {
                        parameter,
                        reason: reason.to_owned(),
                    }),
                many => Err(LandingError::Repeated {
                    parameter,
                    count: many.len(),
                }),
            }
        };
        let required = |parameter: &'static str, values: Vec<&str>| {
            one(parameter, values)?.ok_or(LandingError::Missing { parameter })
        };
        let account_id = required(ACCOUNT_ID, account)?;
        check_id(ACCOUNT_ID, "account id", &account_id)?;
        let workflow_execution_id = required(WORKFLOW_EXECUTION_ID, execution)?;
        check_id(
            WORKFLOW_EXECUTION_ID,
            "workflow execution id",
            &workflow_execution_id,
        )?;
        let ids = ExecutionIds::new(account_id, workflow_execution_id)
            .expect("both ids were checked to be of Jumio's form");
        let acquisition_status: AcquisitionStatus =
            required(ACQUISITION_STATUS, status)?.parse()?;
        let customer_internal_reference = required(CUSTOMER_INTERNAL_REFERENCE, reference)?;
        limits::check_customer_internal_reference(&customer_internal_reference).map_err(
            |violation| LandingError::Invalid {
                parameter: CUSTOMER_INTERNAL_REFERENCE,
                reason: violation.reason,
            },
        )?;
        let error_code = one(ERROR_CODE, code)?
            .map(|code| {
                code.parse::<WebErrorCode>()
                    .map_err(|reason| LandingError::Invalid {
                        parameter: ERROR_CODE,
                        reason,
                    })
            })
            .transpose()?;
        let public_error_code = one(PUBLIC_ERROR_CODE, public_code)?;
        if let Some(code) = &public_error_code {
            check_public_error_code(code)?;
        }
        if acquisition_status == AcquisitionStatus::Success {
            let stray = [
                (ERROR_CODE, error_code.is_some()),
                (PUBLIC_ERROR_CODE, public_error_code.is_some()),
            ];
            if let Some((parameter, _)) = stray.into_iter().find(|(_, present)| *present) {
                return Err(LandingError::Invalid {
                    parameter,
                    reason: "comes with acquisitionStatus SUCCESS; Jumio sends an error code \
                             only with ERROR"
                        .to_owned(),
                });
            }
        }
        Ok(Landing {
            ids,
            acquisition_status,
            customer_internal_reference,
            error_code,
            public_error_code,
        })
    }

    /// The ids of the account and the workflow execution (`accountId`, `workflowExecutionId`),
    /// of Jumio's form. Whether they belong together only Jumio can say:
    /// [`JumioClient::confirm_landing`](crate::JumioClient::confirm_landing).
    pub fn ids(&self) -> &ExecutionIds {
        &self.ids
    }

    /// The account id (`accountId`).
    pub fn account_id(&self) -> &str {
        self.ids.account_id()
    }

    /// The workflow execution id (`workflowExecutionId`).
    pub fn workflow_execution_id(&self) -> &str {
        self.ids.workflow_execution_id()
    }

    /// `acquisitionStatus`: whether the journey ended with its images accepted.
    pub fn acquisition_status(&self) -> &AcquisitionStatus {
        &self.acquisition_status
    }

    /// Whether `acquisitionStatus` is `SUCCESS`. For display: the images are accepted for
    /// processing, not yet processed, and the user could have typed it.
    pub fn is_success(&self) -> bool {
        self.acquisition_status == AcquisitionStatus::Success
    }

    /// `customerInternalReference`: the reference of the account request, as the landing carries
    /// it (compare it with yours before showing anything that depends on it).
    pub fn customer_internal_reference(&self) -> &str {
        &self.customer_internal_reference
    }

    /// `errorCode`, the numeric error code of an `ERROR` landing, when Jumio sent one.
    pub fn error_code(&self) -> Option<WebErrorCode> {
        self.error_code
    }

    /// `publicErrorCode`, the alphanumeric code (`J000000`: a letter and six digits) that some
    /// versions of Jumio's Web client append on an error instead of or beside `errorCode`.
    pub fn public_error_code(&self) -> Option<&str> {
        self.public_error_code.as_deref()
    }
}

impl fmt::Debug for Landing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Landing")
            .field("account_id", &self.account_id())
            .field("workflow_execution_id", &self.workflow_execution_id())
            .field("acquisition_status", &self.acquisition_status.as_str())
            .field("customer_internal_reference", &"<redacted>")
            .field("error_code", &self.error_code.map(WebErrorCode::code))
            .field("public_error_code", &self.public_error_code)
            .finish()
    }
}

/// Percent-decodes a query component as a form does (`+` is a space), refusing what is not
/// UTF-8.
fn decode(component: &str) -> Result<String, &'static str> {
    let spaced = component.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| "is not UTF-8 once percent-decoded")
}

fn check_id(parameter: &'static str, what: &'static str, value: &str) -> Result<(), LandingError> {
    trust::id(what, value).map_err(|invalid| LandingError::Invalid {
        parameter,
        reason: format!(
            "is not an id of Jumio's form (1 to {} ASCII letters, digits and '-'; this one has {} \
             characters)",
            trust::MAX_ID_CHARS,
            invalid.length
        ),
    })
}

fn check_public_error_code(code: &str) -> Result<(), LandingError> {
    let bytes = code.as_bytes();
    let valid = bytes.len() == 7
        && bytes[0].is_ascii_uppercase()
        && bytes[1..].iter().all(u8::is_ascii_digit);
    if valid {
        Ok(())
    } else {
        Err(LandingError::Invalid {
            parameter: PUBLIC_ERROR_CODE,
            reason: format!(
                "is not a code of Jumio's form (a capital letter and six digits, e.g. J000000; \
                 this one has {} characters)",
                code.chars().count()
            ),
        })
    }
}

/// `acquisitionStatus` of a landing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcquisitionStatus {
    /// `SUCCESS`: the images were accepted for processing (the browser went to the success URL).
    Success,
    /// `ERROR`: the journey ended without them (the browser went to the error URL).
    Error,
    /// A status this version does not know, a word of capital letters, digits and `_`.
    Unknown(UnknownStatus),
}

/// A status [`AcquisitionStatus`] does not name; opaque, so that a match on it cannot silently
/// stop firing when a later version names the status.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownStatus(String);

impl UnknownStatus {
    /// The status as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AcquisitionStatus {
    /// The status as Jumio spells it.
    pub fn as_str(&self) -> &str {
        match self {
            AcquisitionStatus::Success => "SUCCESS",
            AcquisitionStatus::Error => "ERROR",
            AcquisitionStatus::Unknown(status) => status.as_str(),
        }
    }
}

impl fmt::Display for AcquisitionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AcquisitionStatus {
    type Err = LandingError;

    /// `SUCCESS`, `ERROR`, or another word of 1 to 32 capital letters, digits and `_`; anything
    /// else is refused (it is not repeated in the error).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "SUCCESS" => Ok(AcquisitionStatus::Success),
            "ERROR" => Ok(AcquisitionStatus::Error),
            other
                if !other.is_empty()
                    && other.len() <= MAX_STATUS_CHARS
                    && other
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
            {
                Ok(AcquisitionStatus::Unknown(UnknownStatus(other.to_owned())))
            }
            other => Err(LandingError::Invalid {
                parameter: ACQUISITION_STATUS,
                reason: format!(
                    "is not a status (SUCCESS, ERROR, or a word of at most {MAX_STATUS_CHARS} \
                     capital letters, digits and '_'; this one has {} characters)",
                    other.chars().count()
                ),
            }),
        }
    }
}

/// The numeric error code of an `ERROR` landing (`errorCode`) and of the Web client's `error`
/// event in an iFrame (`payload.metainfo.code`), with the meaning Jumio documents for it.
///
/// | code | variant | [`retry`](Self::retry) |
/// |---|---|---|
/// | 9100 | [`ServerError`](Self::ServerError) | [`Retry::Yes`] |
/// | 9200 | [`TokenInvalid`](Self::TokenInvalid) | [`Retry::NewExecution`] |
/// | 9210 | [`SessionExpired`](Self::SessionExpired) | [`Retry::NewExecution`] |
/// | 9300 | [`UploadFailed`](Self::UploadFailed) | [`Retry::Yes`] |
/// | 9400 | [`VerificationStepFailed`](Self::VerificationStepFailed) | [`Retry::Yes`] |
/// | 9800 | [`Offline`](Self::Offline) | [`Retry::Yes`] |
/// | 9801 | [`ClientError`](Self::ClientError) | [`Retry::Yes`] |
/// | 9810 | [`CommunicationError`](Self::CommunicationError) | [`Retry::Yes`] |
/// | 9820 | [`NoCameraUploadDisabled`](Self::NoCameraUploadDisabled) | [`Retry::OtherDevice`] |
/// | 9821 | [`FaceCaptureFailed`](Self::FaceCaptureFailed) | [`Retry::AttemptsUsedUp`] |
/// | 9822 | [`CameraUnsupported`](Self::CameraUnsupported) | [`Retry::OtherDevice`] |
/// | 9835 | [`NoUsableImages`](Self::NoUsableImages) | [`Retry::AttemptsUsedUp`] |
/// | 9836 | [`AuthenticationFailed`](Self::AuthenticationFailed) | [`Retry::NotDocumented`] |
/// | other | [`Unknown`](Self::Unknown) | [`Retry::NotDocumented`] |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebErrorCode {
    /// 9100: an error on Jumio's side.
    ServerError,
    /// 9200: the authorization token of the link is missing, malformed or past its lifetime.
    TokenInvalid,
    /// 9210: the session timed out once the journey was under way (no action for 15 minutes).
    SessionExpired,
    /// 9300: an image could not be sent to Jumio.
    UploadFailed,
    /// 9400: the verification (usability) step failed.
    VerificationStepFailed,
    /// 9800: the user's device has no network.
    Offline,
    /// 9801: an unforeseen error inside the Web client in the browser.
    ClientError,
    /// 9810: communication with Jumio's servers failed.
    CommunicationError,
    /// 9820: image upload is disabled and no camera is available.
    NoCameraUploadDisabled,
    /// 9821: the biometric face capture (liveness) failed, after its attempts.
    FaceCaptureFailed,
    /// 9822: the browser cannot use the camera.
    CameraUnsupported,
    /// 9835: three submissions were all unusable.
    NoUsableImages,
    /// 9836: an authentication failed; Jumio does not say of what.
    AuthenticationFailed,
    /// A code this version does not know.
    Unknown(UnknownErrorCode),
}

/// An error code [`WebErrorCode`] does not name; opaque, so that a match on it cannot silently
/// stop firing when a later version names the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UnknownErrorCode(u32);

impl UnknownErrorCode {
    /// The code as sent.
    pub fn code(self) -> u32 {
        self.0
    }
}

/// Whether the user can try again after an error, as far as Jumio's documentation of the code
/// tells ([`WebErrorCode::retry`]).
///
/// An ended journey does not come back: every new attempt runs in a new workflow execution
/// (account update, then its new `web.href`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Retry {
    /// A passing problem (server, network, upload, browser client): the user can try again now.
    Yes,
    /// The link or the session ran out of time: the user can try again with a new link.
    NewExecution,
    /// This device or browser cannot do it (no camera, camera unusable): the user can try again
    /// on another one.
    OtherDevice,
    /// The journey's attempts were used up on images or a face capture that did not pass:
    /// whether to offer another workflow execution is your decision.
    AttemptsUsedUp,
    /// Jumio's documentation does not say (9836, and codes this version does not know).
    NotDocumented,
}

impl WebErrorCode {
    /// Every code Jumio documents, in order.
    pub const DOCUMENTED: [WebErrorCode; 13] = [
        WebErrorCode::ServerError,
        WebErrorCode::TokenInvalid,
        WebErrorCode::SessionExpired,
        WebErrorCode::UploadFailed,
        WebErrorCode::VerificationStepFailed,
        WebErrorCode::Offline,
        WebErrorCode::ClientError,
        WebErrorCode::CommunicationError,
        WebErrorCode::NoCameraUploadDisabled,
        WebErrorCode::FaceCaptureFailed,
        WebErrorCode::CameraUnsupported,
        WebErrorCode::NoUsableImages,
        WebErrorCode::AuthenticationFailed,
    ];

    /// The code for a number: a documented one, or [`WebErrorCode::Unknown`].
    pub fn from_code(code: u32) -> WebErrorCode {
        WebErrorCode::DOCUMENTED
            .into_iter()
            .find(|known| known.code() == code)
            .unwrap_or(WebErrorCode::Unknown(UnknownErrorCode(code)))
    }

    /// The number, as Jumio sends it.
    pub fn code(self) -> u32 {
        match self {
            WebErrorCode::ServerError => 9100,
            WebErrorCode::TokenInvalid => 9200,
            WebErrorCode::SessionExpired => 9210,
            WebErrorCode::UploadFailed => 9300,
            WebErrorCode::VerificationStepFailed => 9400,
            WebErrorCode::Offline => 9800,
            WebErrorCode::ClientError => 9801,
            WebErrorCode::CommunicationError => 9810,
            WebErrorCode::NoCameraUploadDisabled => 9820,
            WebErrorCode::FaceCaptureFailed => 9821,
            WebErrorCode::CameraUnsupported => 9822,
            WebErrorCode::NoUsableImages => 9835,
            WebErrorCode::AuthenticationFailed => 9836,
            WebErrorCode::Unknown(code) => code.code(),
        }
    }

    /// What the code means, in Jumio's documentation (paraphrased), as one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            WebErrorCode::ServerError => "An error occurred on Jumio's side.",
            WebErrorCode::TokenInvalid => {
                "The link's authorization token is missing, malformed or expired."
            }
            WebErrorCode::SessionExpired => "The session timed out after the journey had started.",
            WebErrorCode::UploadFailed => "An image could not be sent to Jumio.",
            WebErrorCode::VerificationStepFailed => "The verification (usability) step failed.",
            WebErrorCode::Offline => "The device has no network connection.",
            WebErrorCode::ClientError => "An unexpected error occurred in the browser.",
            WebErrorCode::CommunicationError => "Communication with Jumio's servers failed.",
            WebErrorCode::NoCameraUploadDisabled => {
                "No camera is available and image upload is disabled."
            }
            WebErrorCode::FaceCaptureFailed => "The biometric face capture failed.",
            WebErrorCode::CameraUnsupported => "The browser cannot use the camera.",
            WebErrorCode::NoUsableImages => "Three submissions were all unusable.",
            WebErrorCode::AuthenticationFailed => "An authentication failed.",
            WebErrorCode::Unknown(_) => "An error code Jumio does not document.",
        }
    }

    /// Whether and how the user can try again (see the table of [`WebErrorCode`]).
    pub fn retry(self) -> Retry {
        match self {
            WebErrorCode::ServerError
            | WebErrorCode::UploadFailed
            | WebErrorCode::VerificationStepFailed
            | WebErrorCode::Offline
            | WebErrorCode::ClientError
            | WebErrorCode::CommunicationError => Retry::Yes,
            WebErrorCode::TokenInvalid | WebErrorCode::SessionExpired => Retry::NewExecution,
            WebErrorCode::NoCameraUploadDisabled | WebErrorCode::CameraUnsupported => {
                Retry::OtherDevice
            }
            WebErrorCode::FaceCaptureFailed | WebErrorCode::NoUsableImages => Retry::AttemptsUsedUp,
            WebErrorCode::AuthenticationFailed | WebErrorCode::Unknown(_) => Retry::NotDocumented,
        }
    }

    /// Whether the same user on the same device can try again ([`Retry::Yes`] or
    /// [`Retry::NewExecution`]), in a new workflow execution.
    pub fn user_can_retry(self) -> bool {
        matches!(self.retry(), Retry::Yes | Retry::NewExecution)
    }
}

impl fmt::Display for WebErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl FromStr for WebErrorCode {
    type Err = String;

    /// A number of 1 to 9 digits; the error says what is wrong without repeating the value.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        const MAX_DIGITS: usize = 9;
        if value.is_empty()
            || value.len() > MAX_DIGITS
            || !value.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "is not a number of 1 to {MAX_DIGITS} digits (this one has {} characters)",
                value.chars().count()
            ));
        }
        Ok(WebErrorCode::from_code(
            value.parse().expect("at most nine digits fit a u32"),
        ))
    }
}

/// Why a landing is refused. The messages name the parameter and the rule, never the value,
/// which is in the user's hands (and may be personal or hostile).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LandingError {
    /// [`Landing::from_url`] was given something that is not an absolute URL.
    #[error("the landing is not an absolute URL ({reason})")]
    NotAUrl {
        /// What the URL parser found wrong.
        reason: String,
    },
    /// The query is longer than [`MAX_LANDING_QUERY_BYTES`].
    #[error("the landing's query is {length} bytes long; at most {max} are read")]
    TooLong {
        /// Its length in bytes.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A parameter Jumio always sends is missing.
    #[error("the landing has no {parameter} parameter; Jumio always sends it")]
    Missing {
        /// The parameter, as Jumio names it.
        parameter: &'static str,
    },
    /// A parameter of Jumio's is there more than once: which one counts would be a guess.
    #[error(
        "the landing has {count} {parameter} parameters; Jumio sends one, so the landing is \
         ambiguous"
    )]
    Repeated {
        /// The parameter, as Jumio names it.
        parameter: &'static str,
        /// How often it is there.
        count: usize,
    },
    /// A parameter's value breaks a rule.
    #[error("the landing's {parameter} {reason}")]
    Invalid {
        /// The parameter, as Jumio names it.
        parameter: &'static str,
        /// The rule it breaks.
        reason: String,
    },
}

impl LandingError {
    /// The parameter the error is about, when it is about one.
    pub fn parameter(&self) -> Option<&'static str> {
        match self {
            LandingError::Missing { parameter }
            | LandingError::Repeated { parameter, .. }
            | LandingError::Invalid { parameter, .. } => Some(parameter),
            LandingError::NotAUrl { .. } | LandingError::TooLong { .. } => None,
        }
    }
}

/// What Jumio says about the workflow execution of a landing:
/// [`JumioClient::confirm_landing`](crate::JumioClient::confirm_landing).
#[derive(Debug)]
pub struct ConfirmedLanding {
    ids: ExecutionIds,
    status: types::WorkflowStatus,
    result: Option<Box<VerificationResult>>,
}

impl ConfirmedLanding {
    pub(crate) fn new(
        ids: ExecutionIds,
        status: types::WorkflowStatus,
        result: Option<VerificationResult>,
    ) -> Self {
        ConfirmedLanding {
            ids,
            status,
            result: result.map(Box::new),
        }
    }

    /// The ids, as Jumio confirmed them to belong together.
    pub fn ids(&self) -> &ExecutionIds {
        &self.ids
    }

    /// The status of the workflow execution, from retrieval: `ACQUIRED` after a successful
    /// journey until processing ends, then `PROCESSED`.
    pub fn status(&self) -> &types::WorkflowStatus {
        &self.status
    }

    /// Whether Jumio has the user's data: `ACQUIRED` or `PROCESSED` (what a `SUCCESS` landing
    /// claims).
    pub fn is_acquired(&self) -> bool {
        matches!(
            self.status,
            types::WorkflowStatus::Acquired | types::WorkflowStatus::Processed
        )
    }

    /// The result, when the execution is processed.
    pub fn result(&self) -> Option<&VerificationResult> {
        self.result.as_deref()
    }

    /// The result, when the execution is processed.
    pub fn into_result(self) -> Option<VerificationResult> {
        self.result.map(|result| *result)
    }
}

/// Checks what retrieval answered about a landing's execution against the landing: the same ids,
/// and, once the details are known, the same reference. The reason names what differs.
pub(crate) fn mismatch(
    landing: &Landing,
    status: &types::WorkflowStatusResponse,
    result: Option<&VerificationResult>,
) -> Option<String> {
    if status.account.id != landing.account_id()
        || status.workflow_execution.id != landing.workflow_execution_id()
    {
        return Some(format!(
            "Jumio answered about another workflow execution than {}",
            landing.ids()
        ));
    }
    let details = result?.details();
    if details.account.id != landing.account_id()
        || details.workflow.id != landing.workflow_execution_id()
    {
        return Some(format!(
            "Jumio's details are of another workflow execution than {}",
            landing.ids()
        ));
    }
    let reference = details.workflow.customer_internal_reference.as_deref()?;
    (reference != landing.customer_internal_reference()).then(|| {
        format!(
            "the customerInternalReference of the landing is not the one of {}",
            landing.ids()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "11111111-0000-0000-0000-000000000000";
    const EXECUTION: &str = "22222222-0000-0000-0000-000000000000";

    fn query(status: &str, extra: &str) -> String {
        format!(
            "accountId={ACCOUNT}&workflowExecutionId={EXECUTION}&acquisitionStatus={status}\
             &customerInternalReference=order-4711{extra}"
        )
    }

    #[test]
    fn every_documented_code_has_its_number_meaning_and_retry() {
        let numbers: Vec<u32> = WebErrorCode::DOCUMENTED.iter().map(|c| c.code()).collect();
        assert_eq!(
            numbers,
            [
                9100, 9200, 9210, 9300, 9400, 9800, 9801, 9810, 9820, 9821, 9822, 9835, 9836
            ]
        );
        for code in WebErrorCode::DOCUMENTED {
            assert_eq!(WebErrorCode::from_code(code.code()), code);
            assert_eq!(code.to_string().parse::<WebErrorCode>(), Ok(code));
            assert!(code.meaning().ends_with('.'), "{code}");
            assert_ne!(code.meaning(), WebErrorCode::from_code(1).meaning());
        }
        let unknown = WebErrorCode::from_code(9301);
        assert!(matches!(unknown, WebErrorCode::Unknown(u) if u.code() == 9301));
        assert_eq!(unknown.retry(), Retry::NotDocumented);
        assert!(!unknown.user_can_retry());
        assert!(WebErrorCode::Offline.user_can_retry());
        assert!(WebErrorCode::SessionExpired.user_can_retry());
        assert!(!WebErrorCode::NoUsableImages.user_can_retry());
        assert!(!WebErrorCode::CameraUnsupported.user_can_retry());
    }

    #[test]
    fn error_codes_are_short_numbers() {
        for bad in ["", "92OO", "-9200", "+9200", "9200 ", "1234567890", "٩٢٠٠"] {
            assert!(bad.parse::<WebErrorCode>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "000009200".parse::<WebErrorCode>(),
            Ok(WebErrorCode::TokenInvalid)
        );
    }

    #[test]
    fn statuses_are_words_of_capitals() {
        assert_eq!("SUCCESS".parse(), Ok(AcquisitionStatus::Success));
        assert_eq!("ERROR".parse(), Ok(AcquisitionStatus::Error));
        let pending: AcquisitionStatus = "PENDING_REVIEW".parse().unwrap();
        assert_eq!(pending.as_str(), "PENDING_REVIEW");
        for bad in ["", "success", "<b>", "SUCCESS\n", &"A".repeat(33)] {
            let error = bad.parse::<AcquisitionStatus>().unwrap_err();
            assert_eq!(error.parameter(), Some("acquisitionStatus"), "{bad:?}");
        }
    }

    #[test]
    fn a_success_landing_has_no_error_code() {
        let landing = Landing::from_query(&query("SUCCESS", "")).unwrap();
        assert!(landing.is_success());
        assert_eq!(landing.error_code(), None);
        for extra in ["&errorCode=9100", "&publicErrorCode=J000000"] {
            let error = Landing::from_query(&query("SUCCESS", extra)).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("comes with acquisitionStatus SUCCESS"),
                "{error}"
            );
        }
    }

    #[test]
    fn form_decoding_turns_plus_into_space_and_refuses_broken_utf8() {
        let landing =
            Landing::from_query(&query("ERROR", "").replace("order-4711", "order+4711%20a"))
                .unwrap();
        assert_eq!(landing.customer_internal_reference(), "order 4711 a");
        let error =
            Landing::from_query(&query("ERROR", "").replace("order-4711", "%FF%FE")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the landing's customerInternalReference is not UTF-8 once percent-decoded"
        );
    }

    #[test]
    fn mismatches_name_what_differs() {
        let landing = Landing::from_query(&query("SUCCESS", "")).unwrap();
        let status = |account: &str, execution: &str| types::WorkflowStatusResponse {
            account: types::AccountLink {
                id: account.to_owned(),
                href: None,
            },
            workflow_execution: types::WorkflowExecutionState {
                id: execution.to_owned(),
                href: None,
                definition_key: None,
                status: types::WorkflowStatus::Acquired,
            },
        };
        assert_eq!(mismatch(&landing, &status(ACCOUNT, EXECUTION), None), None);
        let other = mismatch(&landing, &status(ACCOUNT, ACCOUNT), None).unwrap();
        assert!(other.contains("another workflow execution"), "{other}");
    }
}
