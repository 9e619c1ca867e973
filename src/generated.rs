//! The client generated from `openapi/jumio-kyx.yaml` by `build.rs` (progenitor, builder style).
//!
//! One [`Client`] serves one base URL. Jumio runs each service on its own host, so a program uses one
//! generated client per service, sharing one `reqwest::Client`. Every operation of the spec is here
//! except the `multipart/form-data` image upload, which progenitor cannot generate; the crate writes
//! that one by hand in [`crate::upload`].
//!
//! Response enumerations that Jumio extends over time (for example [`types::WorkflowStatus`]) are
//! open: unknown values deserialise into their `Unknown(String)` variant.
#![allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    irrefutable_let_patterns,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/jumio_kyx.rs"));
