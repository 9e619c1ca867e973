#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod generated;
pub mod hooks;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod upload;
