//! The tests of the sandbox, in one binary. Most run in-process ([`app`]: the router called with
//! `tower::ServiceExt::oneshot`); those that need a socket (the seed's sequences with callbacks,
//! expiry, shutdown, dropped connections, the command line) start a `Sandbox` and use plain HTTP.

mod agreement;
mod app;
mod connections;
mod errors;
mod faults;
mod fixtures;
mod flow;
mod lifecycle;
mod scenarios;
mod web;
mod workflows;
