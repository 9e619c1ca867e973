//! The embedded Jumio sandbox.
