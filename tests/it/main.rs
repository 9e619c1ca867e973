//! The integration tests of the client, one binary with a module per area (faster to build and
//! link than a binary each): `cargo test -p jumio-kyx --test it [AREA]`, for example
//! `cargo test -p jumio-kyx --test it resilience -- --nocapture`.
//!
//! `tests/log_secrets.rs` stays a binary of its own (it needs every tracing event of the process),
//! and so does `tests/surface.rs` (`UPDATE_SURFACE=1 cargo test --test surface`).

mod callbacks;
mod client_flow;
mod deadlines;
mod hand_written_upload;
mod hostile;
mod image_checks;
mod jumio_docs;
mod mock;
mod module_graph;
mod pacing;
mod properties;
mod redaction;
mod resilience;
mod spec_examples;
mod token_cache;
mod web_landing;
mod workflows;
