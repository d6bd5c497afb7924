//! The backend conformance suite on SQLite, in memory and in a file, and what only SQLite has:
//! several connections (as several processes would) on one file, and reopening a file.
#![cfg(feature = "sqlite")]

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::ids::SeededIds;
use hms_core::money::Currency;
use hms_core::people::{AdministrativeSex, Mrn, PatientDetails, PersonName};
use hms_core::store::sqlite::SqliteStore;
use hms_core::store::Store;
use hms_core::time::ManualClock;
use hms_core::{Hospital, HospitalSettings};

use crate::scratch::{Scratch, TempDir};

/// A SQLite store in a new file of its own, deleted afterwards.
fn scratch_file() -> Scratch<SqliteStore> {
    let dir = TempDir::new("sqlite");
    let store = SqliteStore::open(dir.path().join("hms.db")).expect("a new database file");
    Scratch::new(store, move |_| drop(dir))
}

mod in_memory {
    hms_core::conformance_suite!(hms_core::store::sqlite::SqliteStore::in_memory().unwrap());
}

mod in_a_file {
    hms_core::conformance_suite!(super::scratch_file());
}

fn hospital<S: Store>(store: S, seed: u64) -> Hospital<S> {
    Hospital::with_environment(
        store,
        HospitalSettings {
            name: "Clinic".into(),
            zone: chrono_tz::Asia::Kolkata,
            currency: Currency::INR,
            ..HospitalSettings::default()
        },
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
        )),
        Arc::new(SeededIds::new(seed)),
    )
}

fn person(given: &str, phone: &str, national_id: Option<&str>) -> PatientDetails {
    PatientDetails {
        phone: Some(phone.into()),
        national_id: national_id.map(str::to_owned),
        ..PatientDetails::new(
            PersonName::new(given, "Rao"),
            NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

#[test]
fn reopening_a_file_continues_where_it_stopped() {
    let dir = TempDir::new("sqlite-reopen");
    let path = dir.path().join("clinic.db");
    let h = hospital(SqliteStore::open(&path).unwrap(), 1);
    let admin = h.bootstrap_admin("admin").unwrap();
    let asha = h
        .register_patient(admin.id, person("Asha", "+91 98450 12345", Some("111122223333")))
        .unwrap();
    let version = h.store().schema_version().unwrap();
    drop(h);

    let h = hospital(SqliteStore::open(&path).unwrap(), 2);
    assert_eq!(
        h.store().schema_version().unwrap(),
        version,
        "reopening migrates nothing"
    );
    assert_eq!(
        h.patient(admin.id, asha.id).unwrap(),
        asha,
        "the record reads back whole"
    );
    let err = h
        .register_patient(
            admin.id,
            person("Asha", "+91 90000 00000", Some("1111 2222 3333")),
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        "duplicate",
        "the unique national id survived the reopen"
    );
    let bina = h
        .register_patient(admin.id, person("Bina", "+91 98450 22222", None))
        .unwrap();
    assert_eq!(bina.mrn, Mrn::from_sequence(2), "the MRN sequence continues");
    let seqs: Vec<u64> = h.events_after(0, 100).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "the event log continues without a gap");
    h.store().integrity_check().unwrap();
}

#[test]
fn eight_connections_on_one_file_register_one_person_once() {
    // Each thread opens its own store on the same file, so nothing in this process serializes them:
    // only SQLite's file lock does, exactly as between processes.
    let dir = TempDir::new("sqlite-race");
    let path = dir.path().join("clinic.db");
    let admin = hospital(SqliteStore::open(&path).unwrap(), 1)
        .bootstrap_admin("admin")
        .unwrap();
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u64)
            .map(|i| {
                let path = &path;
                scope.spawn(move || {
                    let h = hospital(SqliteStore::open(path).unwrap(), 100 + i);
                    h.register_patient(
                        admin.id,
                        person("Asha", &format!("+91 98450 1234{i}"), Some("999988887777")),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "duplicate"));
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.read(|r| r.count_patients()).unwrap(), 1);
    assert_eq!(
        store.read(|r| r.audit_after(0, 100)).unwrap().len(),
        1,
        "only the winner's registration is audited"
    );
}

#[test]
fn audit_entries_out_of_order_are_refused() {
    crate::scratch::audit_entries_out_of_order_are_refused(SqliteStore::in_memory().unwrap());
}
