//! Every error code in `all_error_codes()` is produced by at least one real scenario here, and every
//! scenario's code is in the list (the pydantic-core `test_all_errors_covered` idea).
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::ids::{PatientId, SeededIds};
use hms_core::money::{Currency, Money};
use hms_core::people::{AdministrativeSex, PatientDetails, PersonName};
use hms_core::store::{MemoryStore, Store};
use hms_core::time::{Interval, ManualClock};
use hms_core::{all_error_codes, Error, Hospital, HospitalSettings};

fn details(phone: &str) -> PatientDetails {
    PatientDetails {
        phone: Some(phone.into()),
        ..PatientDetails::new(
            PersonName::new("Asha", "Rao"),
            NaiveDate::from_ymd_opt(1988, 4, 12).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

fn scenarios() -> Vec<Error> {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let h = Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings::default(),
        Arc::new(ManualClock::new(now)),
        Arc::new(SeededIds::new(9)),
    );
    let admin = h.bootstrap_admin("admin").unwrap();
    let p = h.register_patient(admin.id, details("+1 212 555 0100")).unwrap();
    let mut out = vec![
        Money::from_minor(1, Currency::USD)
            .checked_add(Money::from_minor(1, Currency::EUR))
            .unwrap_err()
            .into(),
        h.register_patient(admin.id, details("+1 212 555 0100"))
            .unwrap_err(),
        h.bootstrap_admin("again").unwrap_err(),
        h.register_patient(admin.id, details("12")).unwrap_err(),
        Interval::new(now, now).unwrap_err().into(),
        h.patient(admin.id, PatientId::from_uuid(uuid::Uuid::from_u128(3)))
            .unwrap_err(),
        Currency::from_code("XYZ").unwrap_err().into(),
        h.reactivate_patient(admin.id, p.id).unwrap_err(),
        // A hospital's own policy naming a role that does not exist.
        hms_core::access::Policy::from_json(
            r#"{"rules": [{"id": "x", "effect": "permit", "roles": ["surgeon"], "actions": ["read"],
                "resources": ["medical_record"]}]}"#,
        )
        .unwrap_err()
        .into(),
    ];
    h.deactivate_patient(admin.id, p.id, "duplicate chart").unwrap();
    out.push(
        h.update_patient(admin.id, p.id, details("+1 212 555 0100"))
            .unwrap_err(),
    );
    // A panic while a transaction holds the store poisons it: later calls get a storage error.
    let store = Arc::new(MemoryStore::new());
    let s2 = Arc::clone(&store);
    let _ = std::thread::spawn(move || s2.write(|_| -> hms_core::Result<()> { panic!("simulated crash") }))
        .join();
    out.push(store.read(|_| Ok(())).unwrap_err());
    out
}

#[test]
fn every_error_code_is_produced_by_a_scenario() {
    let produced: BTreeSet<&str> = scenarios().iter().map(Error::code).collect();
    let listed: BTreeSet<&str> = all_error_codes().iter().copied().collect();
    assert_eq!(produced, listed);
}

#[test]
fn error_messages_follow_the_style_guide() {
    for e in scenarios() {
        let m = e.to_string();
        assert!(!m.ends_with('.'), "no final period: {m}");
        assert!(!m.contains('\n'), "one line: {m}");
        assert!(
            m.chars().next().is_some_and(|c| !c.is_uppercase()),
            "starts lower-case: {m}"
        );
    }
}
