#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod access;
pub mod billing;
pub mod error;
pub mod events;
pub mod finding;
pub mod hospital;
pub mod ids;
pub mod money;
pub mod people;
pub mod pharmacy;
pub mod scheduling;
pub mod store;
pub mod time;

pub use error::{all_error_codes, Error, Result};
pub use hospital::{Hospital, HospitalSettings};
