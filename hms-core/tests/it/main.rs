//! Integration tests of hms-core: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod billing;
mod conformance_memory;
mod error_codes;
mod registration;
mod scheduling;
mod scheduling_dst;
