//! Integration tests of hms-core: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod access_facade;
mod access_model;
mod access_rules;
mod billing;
mod billing_dispense;
mod conformance_memory;
mod conformance_postgres;
mod conformance_sqlite;
mod error_codes;
mod limits;
mod pharmacy;
mod registration;
mod scheduling;
mod scheduling_dst;
mod scratch;
mod search_backends;
mod sqlite_processes;
mod vectors;
mod vectors_access;
mod vectors_calendar;
mod vectors_scheduling;
