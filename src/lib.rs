#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod buffers;
pub mod callback;
mod client;
mod error;
pub mod generated;
pub mod guard;
pub mod hooks;
mod ids;
pub mod image;
pub mod limits;
mod pacing;
pub mod prepared_data;
mod region;
mod request_auth;
mod result;
mod retrieval;
mod retry;
mod session;
mod transport;
mod trust;
pub mod upload;
pub mod web;
mod workflow;
pub mod workflows;

pub use auth::{Credentials, DEFAULT_REFRESH_MARGIN};
pub use callback::{Callback, CallbackAllowlist, CallbackError};
pub use client::{
    CallbackOutcome, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Images, JumioClient,
    JumioClientBuilder, VerifyStep,
};
pub use error::{Error, Problem, Result};
pub use generated::types;
pub use guard::BodyKind;
pub use ids::ExecutionIds;
pub use image::{ImageError, ImageFormat, ImageInfo, ImageLimits, ImageSource};
pub use pacing::{Rate, RateLimits};
pub use prepared_data::{PreparedAddress, PreparedData};
pub use region::{Region, Service, UnknownRegion};
pub use result::{CapabilityOutcome, VerificationResult};
pub use retrieval::{Download, Downloaded, WaitOptions};
pub use retry::{RetryCause, RetryCounts, RetryPolicy};
pub use session::{CredentialHandle, Finalized, Session};
pub use web::{
    AcquisitionStatus, ConfirmedLanding, Landing, LandingError, Retry, UnknownErrorCode,
    UnknownStatus, WebErrorCode,
};
pub use workflow::{IdType, UserConsent, WebSettings, Workflow, WorkflowRequest};

/// The contract this crate is generated from, `openapi/jumio-kyx.yaml`, as YAML text: for tools
/// that check traffic or documents against the same version of the spec.
pub const SPEC_YAML: &str = include_str!("../openapi/jumio-kyx.yaml");
pub use workflows::{Capability, WorkflowInfo};
