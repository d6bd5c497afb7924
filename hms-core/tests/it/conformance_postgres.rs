//! The backend conformance suite on a real PostgreSQL server, twice: with writers queueing on the
//! write lock (the default) and with serializable retries alone; then the retry machinery itself.
//!
//! The server's address comes from `HMS_TEST_POSTGRES_URL` (`./scripts/test-all` starts a throw-away
//! server and sets it). Without it these tests fail: a build with the `postgres` feature means the
//! PostgreSQL backend is meant to be tested. Every case works in a schema of its own, dropped after.
#![cfg(feature = "postgres")]

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::error::{Error, StorageError};
use hms_core::ids::PatientId;
use hms_core::people::{
    register, AdministrativeSex, DuplicateMatch, Mrn, PatientDetails, PeopleError, PersonName,
};
use hms_core::store::postgres::{PostgresOptions, PostgresStore};
use hms_core::store::{Sequence, Store};

use crate::scratch::Scratch;

const URL_VAR: &str = "HMS_TEST_POSTGRES_URL";

pub fn url() -> String {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{URL_VAR} is not set: the `postgres` feature's tests need a PostgreSQL server \
             (./scripts/test-all starts one, or point {URL_VAR} at yours)"
        ),
    }
}

/// A schema name no other test (or test run) uses.
fn fresh_schema() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!("hms_test_{}_{nanos}_{n}", std::process::id())
}

/// A store in a new schema of its own, dropped afterwards.
pub fn scratch(options: PostgresOptions) -> Scratch<PostgresStore> {
    let store = PostgresStore::connect_with(&url(), options.with_schema(fresh_schema()))
        .expect("a PostgreSQL server at HMS_TEST_POSTGRES_URL");
    Scratch::new(store, |s| {
        if let Err(e) = s.drop_schema() {
            eprintln!("could not drop a test schema: {e}");
        }
    })
}

mod queued_writers {
    hms_core::conformance_suite!(super::scratch(
        hms_core::store::postgres::PostgresOptions::default()
    ));
}

mod serializable_retries_only {
    hms_core::conformance_suite!(super::scratch(
        hms_core::store::postgres::PostgresOptions::default()
            .with_serialized_writers(false)
            .with_max_attempts(30)
    ));
}

/// A second store on `store`'s schema that does not queue on the write lock, so it can commit in the
/// middle of `store`'s transaction — as a program that bypasses the library would.
fn intruder(schema: &str) -> PostgresStore {
    PostgresStore::connect_with(
        &url(),
        PostgresOptions::default()
            .with_schema(schema)
            .with_serialized_writers(false),
    )
    .unwrap()
}

fn person(given: &str, national_id: &str) -> PatientDetails {
    PatientDetails {
        phone: Some("+919845012345".into()),
        national_id: Some(national_id.into()),
        ..PatientDetails::new(
            PersonName::new(given, "Rao"),
            NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

#[test]
fn a_serialization_failure_is_retried_and_the_retry_sees_the_winner() {
    let store = scratch(PostgresOptions::default());
    let schema = store_schema(&store);
    let other = intruder(&schema);
    assert_eq!(store.write(|tx| tx.next_sequence(Sequence::Mrn)).unwrap(), 1);
    let attempts = AtomicU32::new(0);
    let n = store
        .write(|tx| {
            let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            tx.count_patients()?; // the snapshot starts here
            if attempt == 1 {
                // Someone else takes the next number and commits first.
                assert_eq!(other.write(|o| o.next_sequence(Sequence::Mrn))?, 2);
            }
            tx.next_sequence(Sequence::Mrn)
        })
        .unwrap();
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        2,
        "one failure, one successful re-run"
    );
    assert_eq!(
        n, 3,
        "the re-run counted on from the number the other transaction took"
    );
}

#[test]
fn retries_are_bounded_and_leave_nothing_behind() {
    let store = scratch(PostgresOptions::default().with_max_attempts(3));
    let schema = store_schema(&store);
    let other = intruder(&schema);
    store.write(|tx| tx.next_sequence(Sequence::Mrn)).unwrap();
    let attempts = AtomicU32::new(0);
    let err = store
        .write(|tx| {
            attempts.fetch_add(1, Ordering::SeqCst);
            tx.count_patients()?;
            other.write(|o| o.next_sequence(Sequence::Mrn))?;
            tx.next_sequence(Sequence::Mrn)
        })
        .unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert_eq!(err.code(), "storage");
    assert!(
        matches!(
            err,
            Error::Storage(StorageError::RetriesExhausted {
                backend: "postgres",
                attempts: 3
            })
        ),
        "{err:?}"
    );
    // 1 before, 3 by the other store, none by the abandoned transaction.
    assert_eq!(store.write(|tx| tx.next_sequence(Sequence::Mrn)).unwrap(), 5);
}

#[test]
fn a_unique_key_taken_concurrently_becomes_the_typed_duplicate() {
    let store = scratch(PostgresOptions::default());
    let schema = store_schema(&store);
    let other = intruder(&schema);
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let first = register(
        PatientId::from_uuid(uuid::Uuid::from_u128(1)),
        Mrn::from_sequence(1),
        person("Asha", "999988887777"),
        now,
    );
    let second = register(
        PatientId::from_uuid(uuid::Uuid::from_u128(2)),
        Mrn::from_sequence(2),
        person("Ashwini", "999988887777"),
        now,
    );
    let attempts = AtomicU32::new(0);
    let err = store
        .write(|tx| {
            let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            // The rule's look-up finds no one...
            let found = tx.patient_by_national_id("999988887777")?;
            if attempt == 1 {
                assert_eq!(found, None);
                // ...then another instance registers the same person and commits...
                other.write(|o| o.insert_patient(&first))?;
            }
            // ...and this insert can no longer succeed.
            tx.insert_patient(&second)
        })
        .unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    assert_eq!(
        err,
        Error::People(PeopleError::DuplicatePatient {
            existing: first.id,
            matched_on: DuplicateMatch::NationalId,
        }),
        "the caller sees the rule's typed error, not a SQL error"
    );
    assert_eq!(store.read(|r| r.count_patients()).unwrap(), 1);
}

#[test]
fn a_bad_schema_name_is_invalid_input() {
    let err = PostgresStore::connect_with_schema(&url(), "x\"; DROP TABLE y; --").unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
fn an_unreachable_server_is_a_storage_error() {
    // Port 1 on loopback: nothing listens there.
    let err = PostgresStore::connect("postgresql://nobody@127.0.0.1:1/none").unwrap_err();
    assert_eq!(err.code(), "storage");
}

fn store_schema(store: &Scratch<PostgresStore>) -> String {
    store
        .inner()
        .options()
        .schema
        .clone()
        .expect("scratch stores have a schema")
}

#[test]
fn audit_entries_out_of_order_are_refused() {
    crate::scratch::audit_entries_out_of_order_are_refused(scratch(PostgresOptions::default()));
}
