//! The backend conformance suite on the in-memory store.
use hms_core::store::MemoryStore;

hms_core::conformance_suite!(MemoryStore::new());
