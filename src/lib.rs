#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
pub mod callback;
mod client;
mod error;
pub mod generated;
pub mod hooks;
mod ids;
pub mod image;
pub mod limits;
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
mod workflow;
pub mod workflows;

pub use auth::{Credentials, DEFAULT_REFRESH_MARGIN};
pub use callback::{Callback, CallbackAllowlist, CallbackError};
pub use client::{
    CallbackOutcome, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Images, JumioClient,
    JumioClientBuilder, VerifyStep,
};
pub use error::{Error, Result};
pub use generated::types;
pub use ids::ExecutionIds;
pub use image::{ImageError, ImageFormat, ImageInfo, ImageLimits, ImageSource};
pub use prepared_data::{PreparedAddress, PreparedData};
pub use region::{Region, Service, UnknownRegion};
pub use result::{CapabilityOutcome, VerificationResult};
pub use retrieval::{Download, WaitOptions};
pub use retry::{RetryCause, RetryCounts, RetryPolicy};
pub use session::{CredentialHandle, Finalized, Session};
pub use workflow::{IdType, UserConsent, WebSettings, Workflow, WorkflowRequest};
pub use workflows::{Capability, WorkflowInfo};
