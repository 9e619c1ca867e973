#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod callback;
pub mod client;
pub mod error;
pub mod generated;
pub mod hooks;
pub mod image;
pub mod limits;
pub mod region;
pub mod result;
pub mod retry;
pub mod session;
pub mod upload;
pub mod workflow;

pub use client::{JumioClient, JumioClientBuilder, WaitOptions};
pub use error::{Error, Result};
pub use image::{ImageLimits, ImageSource};
pub use region::{Region, Service};
pub use result::VerificationResult;
pub use retry::{RetryCounts, RetryPolicy};
pub use session::{Finalized, Session};
pub use workflow::{AccountRequest, Workflow};
