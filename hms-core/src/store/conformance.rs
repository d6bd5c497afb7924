//! The backend conformance suite: one set of cases that every [`Store`] must pass.
//!
//! A backend runs the whole suite with one line:
//!
//! ```ignore
//! hms_core::conformance_suite!(MemoryStore::new());
//! ```
//!
//! The expression is evaluated afresh for each case, so every case starts with an empty store.
//! Cases return `Result` and use `assert!`; a failing case names the rule it checks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};

use super::{PatientQuery, Sequence, Store};
use crate::access::{Action, AuditHash, AuditRecord, BreakGlassGrant, CareTeamLink, ResourceKind};
use crate::error::{Error, Result};
use crate::events::DomainEvent;
use crate::hospital::{Hospital, HospitalSettings};
use crate::ids::{AccountId, BreakGlassId, CareTeamLinkId, PatientId, SeededIds, StaffId};
use crate::money::{Currency, Money};
use crate::people::{
    AdministrativeSex, DoctorProfile, NewAccount, PatientDetails, PersonName, PersonRef, StaffDetails,
    StaffRole,
};
use crate::time::ManualClock;

/// Expands to one `#[test]` per conformance case, each on a fresh store made by `$make`.
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@cases $make;
            registers_and_reads_back_a_patient,
            mrns_are_sequential_and_unique,
            duplicate_national_id_is_refused_and_nothing_is_written,
            duplicate_demographics_are_refused,
            failed_transaction_leaves_no_trace,
            update_moves_the_unique_indexes,
            deactivated_patients_stay_readable,
            search_finds_by_name_mrn_and_phone,
            staff_licences_and_logins_are_unique,
            events_and_audit_commit_with_the_state,
            denied_requests_are_audited_and_change_nothing,
            concurrent_registrations_of_one_person_leave_one_patient,
            audit_entries_form_a_chain_the_store_keeps,
            audit_of_patient_lists_that_patients_entries_in_order,
            care_team_links_are_relationship_facts_while_they_hold,
            break_glass_grants_are_open_until_they_expire,
            account_updates_keep_the_login,
            access_facts_roll_back_with_a_failed_transaction,
            booking_rescheduling_and_cancelling_round_trip,
            a_partys_appointments_in_a_range_include_those_reaching_into_it,
            the_store_itself_refuses_double_booking,
            a_failed_transaction_rolls_back_an_appointment,
            sixteen_threads_racing_for_one_slot_book_it_once,
            // --- billing ---
            a_source_is_charged_once,
            payment_references_are_unique,
            issued_invoice_figures_are_write_once,
            billing_records_list_by_patient_in_order,
            billing_use_cases_commit_with_their_events,
            paid_and_credited_never_exceed_what_is_due,
            refunds_and_allocations_never_exceed_the_payment,
            billing_writes_roll_back_with_a_failed_transaction,
            pharmacy_records_read_back,
            the_store_refuses_a_movement_that_would_go_below_zero,
            balances_are_the_sums_of_the_ledger,
            eight_pharmacists_race_for_the_last_ten_units,
            eight_writers_race_for_the_last_ten_units_in_the_store_itself,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::store::conformance::$case($make).expect(stringify!($case));
            }
        )*
    };
}

fn hospital<S: Store>(store: S) -> Hospital<S> {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    Hospital::with_environment(
        store,
        HospitalSettings {
            name: "Conformance General".into(),
            zone: chrono_tz::Asia::Kolkata,
            currency: Currency::INR,
            ..HospitalSettings::default()
        },
        Arc::new(ManualClock::new(now)),
        Arc::new(SeededIds::new(42)),
    )
}

fn person(given: &str, family: &str, phone: &str, national_id: Option<&str>) -> PatientDetails {
    PatientDetails {
        phone: Some(phone.into()),
        national_id: national_id.map(str::to_owned),
        ..PatientDetails::new(
            PersonName::new(given, family),
            NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

fn doctor(license: &str) -> StaffDetails {
    StaffDetails {
        name: PersonName::new("Meera", "Iyer"),
        role: StaffRole::Doctor,
        department: Some("cardiology".into()),
        phone: None,
        email: None,
        license_number: Some(license.into()),
        doctor: Some(DoctorProfile {
            specialization: "cardiology".into(),
            consultation_fee: Money::from_minor(80_000, Currency::INR),
        }),
    }
}

fn patient_count<S: Store>(h: &Hospital<S>) -> u64 {
    h.store().read(|r| r.count_patients()).unwrap()
}

pub fn registers_and_reads_back_a_patient<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let p = h.register_patient(
        admin.id,
        person("Asha", "Rao", "+91 98450 12345", Some("1234-5678-9012")),
    )?;
    let back = h.patient(admin.id, p.id)?;
    assert_eq!(back, p, "a patient reads back exactly as registered");
    assert_eq!(back.details.national_id.as_deref(), Some("123456789012"));
    let by_mrn = h.store().read(|r| r.patient_by_mrn(&p.mrn))?;
    assert_eq!(by_mrn.map(|x| x.id), Some(p.id));
    Ok(())
}

pub fn mrns_are_sequential_and_unique<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let mut mrns = Vec::new();
    for i in 0..20 {
        let p = h.register_patient(
            admin.id,
            person("Pat", &format!("Number{i}"), &format!("+9198450{i:05}"), None),
        )?;
        mrns.push(p.mrn);
    }
    let expected: Vec<_> = (1..=20).map(crate::people::Mrn::from_sequence).collect();
    assert_eq!(mrns, expected, "MRNs follow the sequence");
    Ok(())
}

pub fn duplicate_national_id_is_refused_and_nothing_is_written<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let first = h.register_patient(
        admin.id,
        person("Asha", "Rao", "+91 98450 12345", Some("123456789012")),
    )?;
    let events_before = h.events_after(0, 1000)?.len();
    let err = h
        .register_patient(
            admin.id,
            person("Ashwini", "Rao", "+91 90000 00000", Some("1234 5678 9012")),
        )
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    match err {
        Error::People(crate::people::PeopleError::DuplicatePatient { existing, .. }) => {
            assert_eq!(existing, first.id, "the error names the existing patient")
        }
        other => panic!("expected a duplicate-patient error, got {other:?}"),
    }
    assert_eq!(patient_count(&h), 1);
    assert_eq!(
        h.events_after(0, 1000)?.len(),
        events_before,
        "no event for a refused registration"
    );
    // The store itself refuses a duplicate that slipped past the rule.
    let again = h.store().write(|tx| {
        let mut p = tx.patient(first.id)?.unwrap();
        p.id = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(77));
        p.mrn = crate::people::Mrn::from_sequence(999);
        tx.insert_patient(&p)
    });
    assert_eq!(
        again.unwrap_err().code(),
        "duplicate",
        "the backend enforces unique national ids"
    );
    Ok(())
}

pub fn duplicate_demographics_are_refused<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    let err = h
        .register_patient(admin.id, person("ASHA", "rao", "+91-98450-12345", None))
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    // A different phone number is a different person as far as registration can tell.
    h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 99999", None))?;
    assert_eq!(patient_count(&h), 2);
    Ok(())
}

pub fn failed_transaction_leaves_no_trace<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let events_before = h.events_after(0, 1000)?.len();
    let r: Result<()> = h.store().write(|tx| {
        let n = tx.next_sequence(Sequence::Mrn)?;
        let p = crate::people::register(
            crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(5)),
            crate::people::Mrn::from_sequence(n),
            person("Ghost", "Writer", "+1 212 555 0100", None),
            Utc::now(),
        );
        tx.insert_patient(&p)?;
        tx.append_event(
            crate::ids::EventId::from_uuid(uuid::Uuid::from_u128(6)),
            Utc::now(),
            None,
            &DomainEvent::PatientRegistered {
                patient: p.id,
                mrn: p.mrn.clone(),
            },
        )?;
        Err(Error::not_found("patient", "abort on purpose"))
    });
    assert_eq!(r.unwrap_err().code(), "not_found");
    assert_eq!(patient_count(&h), 0, "the insert was rolled back");
    assert_eq!(
        h.events_after(0, 1000)?.len(),
        events_before,
        "the event was rolled back"
    );
    let p = h.register_patient(admin.id, person("Real", "Person", "+1 212 555 0101", None))?;
    assert_eq!(
        p.mrn,
        crate::people::Mrn::from_sequence(1),
        "the sequence was rolled back too"
    );
    // A validation failure inside the facade writes nothing either.
    let mut bad = person("", "Nobody", "12", None);
    bad.birth_date = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let err = h.register_patient(admin.id, bad).unwrap_err();
    match &err {
        Error::Validation(v) => assert_eq!(v.problems().len(), 3, "every bad field is listed: {v}"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(patient_count(&h), 1);
    Ok(())
}

pub fn update_moves_the_unique_indexes<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let a = h.register_patient(
        admin.id,
        person("Asha", "Rao", "+91 98450 12345", Some("AAAA1111")),
    )?;
    let mut d = a.details.clone();
    d.national_id = Some("BBBB2222".into());
    let a2 = h.update_patient(admin.id, a.id, d)?;
    assert_eq!(
        (a2.id, &a2.mrn, a2.version),
        (a.id, &a.mrn, 2),
        "identity survives an update"
    );
    // The old national id is free again; the new one is taken.
    h.register_patient(
        admin.id,
        person("Bina", "Shah", "+91 98450 22222", Some("AAAA1111")),
    )?;
    let err = h
        .register_patient(
            admin.id,
            person("Chitra", "Das", "+91 98450 33333", Some("BBBB2222")),
        )
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    assert_eq!(
        h.store().read(|r| r.patient_by_national_id("BBBB2222"))?,
        Some(a.id)
    );
    Ok(())
}

pub fn deactivated_patients_stay_readable<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let p = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    let off = h.deactivate_patient(admin.id, p.id, "registered in error")?;
    assert!(!off.is_active());
    assert_eq!(
        h.patient(admin.id, p.id)?.deactivation.unwrap().reason,
        "registered in error"
    );
    assert_eq!(
        h.update_patient(admin.id, p.id, p.details.clone())
            .unwrap_err()
            .code(),
        "inactive"
    );
    let q = PatientQuery {
        text: "asha".into(),
        ..Default::default()
    };
    assert!(
        h.search_patients(admin.id, &q)?.is_empty(),
        "inactive patients are hidden by default"
    );
    let q = PatientQuery {
        include_inactive: true,
        ..q
    };
    assert_eq!(h.search_patients(admin.id, &q)?.len(), 1);
    h.reactivate_patient(admin.id, p.id)?;
    assert!(h.patient(admin.id, p.id)?.is_active());
    Ok(())
}

pub fn search_finds_by_name_mrn_and_phone<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let asha = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    h.register_patient(admin.id, person("Ashok", "Kumar", "+91 98450 22222", None))?;
    h.register_patient(admin.id, person("Bina", "Rao", "+91 98450 33333", None))?;
    let find = |text: &str| -> Result<Vec<String>> {
        let q = PatientQuery {
            text: text.into(),
            ..Default::default()
        };
        Ok(h.search_patients(admin.id, &q)?
            .into_iter()
            .map(|p| p.details.name.full())
            .collect())
    };
    assert_eq!(
        find("ash")?,
        ["Ashok Kumar", "Asha Rao"],
        "ordered by family name"
    );
    assert_eq!(find("ash ra")?, ["Asha Rao"]);
    assert_eq!(find("rao")?, ["Asha Rao", "Bina Rao"]);
    assert_eq!(find(asha.mrn.as_str())?, ["Asha Rao"]);
    assert_eq!(find("+91-98450-12345")?, ["Asha Rao"]);
    Ok(())
}

pub fn staff_licences_and_logins_are_unique<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let d = h.hire_staff(admin.id, doctor("KMC-1"))?;
    assert_eq!(
        h.hire_staff(admin.id, doctor("kmc-1")).unwrap_err().code(),
        "duplicate"
    );
    let acct = h.open_account(
        admin.id,
        NewAccount {
            login: "Dr.Iyer".into(),
            person: Some(PersonRef::Staff(d.id)),
            roles: [crate::access::Role::Doctor].into(),
        },
    )?;
    assert_eq!(acct.login, "dr.iyer");
    let again = h.open_account(
        admin.id,
        NewAccount {
            login: "DR.IYER".into(),
            person: Some(PersonRef::Staff(d.id)),
            roles: [crate::access::Role::Doctor].into(),
        },
    );
    assert_eq!(again.unwrap_err().code(), "duplicate");
    assert_eq!(
        h.store().read(|r| r.account_by_login("dr.iyer"))?.map(|a| a.id),
        Some(acct.id)
    );
    assert_eq!(h.bootstrap_admin("second-admin").unwrap_err().code(), "forbidden");
    assert_eq!(h.list_staff(admin.id, Some(StaffRole::Doctor))?.len(), 1);
    Ok(())
}

pub fn events_and_audit_commit_with_the_state<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let p = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    h.patient(admin.id, p.id)?;
    let events = h.events_after(0, 100)?;
    let names: Vec<_> = events.iter().map(|e| e.event.name()).collect();
    assert_eq!(names, ["account.opened", "patient.registered"]);
    assert!(
        events.windows(2).all(|w| w[0].seq + 1 == w[1].seq),
        "event sequence has no gaps"
    );
    assert_eq!(
        h.events_after(1, 100)?.len(),
        1,
        "consumers resume after the last seen sequence"
    );
    let audit = h.audit_after(0, 100)?;
    assert_eq!(audit.len(), 2, "registration and read are both audited");
    assert!(audit
        .iter()
        .all(|a| a.allowed && a.patient == Some(p.id) && a.account == admin.id));
    Ok(())
}

pub fn denied_requests_are_audited_and_change_nothing<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let asha = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    let bina = h.register_patient(admin.id, person("Bina", "Shah", "+91 98450 22222", None))?;
    let portal = h.open_account(
        admin.id,
        NewAccount {
            login: "asha".into(),
            person: Some(PersonRef::Patient(asha.id)),
            roles: [crate::access::Role::Patient].into(),
        },
    )?;
    assert_eq!(
        h.patient(portal.id, asha.id)?.id,
        asha.id,
        "a patient reads their own record"
    );
    let before = h.audit_after(0, 1000)?.len();
    let err = h.patient(portal.id, bina.id).unwrap_err();
    assert_eq!(err.code(), "forbidden");
    let mut d = bina.details.clone();
    d.email = Some("x@y.example".into());
    assert_eq!(
        h.update_patient(portal.id, bina.id, d).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        h.patient(admin.id, bina.id)?.version,
        1,
        "the denied update changed nothing"
    );
    let audit = h.audit_after(before as u64, 1000)?;
    let denied: Vec<_> = audit.iter().filter(|a| !a.allowed).collect();
    assert_eq!(denied.len(), 2, "both denials are in the audit log");
    assert!(denied
        .iter()
        .all(|a| a.patient == Some(bina.id) && a.account == portal.id));
    let unknown = AccountId::from_uuid(uuid::Uuid::from_u128(404));
    assert_eq!(h.patient(unknown, asha.id).unwrap_err().code(), "forbidden");
    Ok(())
}

pub fn concurrent_registrations_of_one_person_leave_one_patient<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let results: Vec<Result<crate::people::Patient>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let h = &h;
                scope.spawn(move || {
                    h.register_patient(
                        admin.id,
                        person(
                            "Asha",
                            &format!("Rao{i}"),
                            &format!("+91 98450 1234{i}"),
                            Some("999988887777"),
                        ),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|t| t.join().expect("no thread panics"))
            .collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "exactly one of 8 racing registrations wins");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "duplicate"));
    assert_eq!(patient_count(&h), 1);
    Ok(())
}

fn uid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn at(h: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + chrono::Duration::hours(h)
}

fn link(id: u128, staff: u128, patient: u128, from: i64, until: Option<i64>) -> CareTeamLink {
    CareTeamLink {
        id: CareTeamLinkId::from_uuid(uid(id)),
        staff: StaffId::from_uuid(uid(staff)),
        patient: PatientId::from_uuid(uid(patient)),
        role: StaffRole::Nurse,
        valid_from: at(from),
        valid_until: until.map(at),
        added_by: AccountId::from_uuid(uid(1)),
        ended_by: None,
    }
}

fn grant(id: u128, staff: u128, patient: u128, from: i64, until: i64) -> BreakGlassGrant {
    BreakGlassGrant {
        id: BreakGlassId::from_uuid(uid(id)),
        account: AccountId::from_uuid(uid(1)),
        staff: StaffId::from_uuid(uid(staff)),
        patient: PatientId::from_uuid(uid(patient)),
        reason: "collapsed in the corridor".into(),
        opened_at: at(from),
        expires_at: at(until),
    }
}

fn audit_entry(seq: u64, prev: AuditHash, patient: Option<u128>) -> AuditRecord {
    AuditRecord {
        seq,
        at: at(0),
        account: AccountId::from_uuid(uid(1)),
        action: Action::Read,
        resource: ResourceKind::PatientProfile,
        patient: patient.map(|p| PatientId::from_uuid(uid(p))),
        allowed: true,
        rule: "test".into(),
        reason: "conformance".into(),
        break_glass: false,
        prev_hash: prev,
        hash: AuditHash::GENESIS,
    }
    .sealed()
}

pub fn audit_entries_form_a_chain_the_store_keeps<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let p = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    h.patient(admin.id, p.id)?;
    let v = h.verify_audit_chain()?;
    assert!(v.is_intact(), "the facade writes a whole chain: {:?}", v.problems);
    assert_eq!(v.entries, 2);
    let last = h.store().read(|r| r.last_audit())?.unwrap();
    assert_eq!(v.head, last.hash);
    let next = audit_entry(last.seq + 1, last.hash, None);
    let refused = |record: AuditRecord, why: &str| {
        let err = h.store().write(|tx| tx.append_audit(&record)).unwrap_err();
        assert_eq!(err.code(), "storage", "{why}");
    };
    refused(
        audit_entry(last.seq + 2, last.hash, None),
        "a sequence gap is refused",
    );
    refused(
        audit_entry(last.seq + 1, AuditHash([9; 32]), None),
        "a wrong link is refused",
    );
    refused(
        audit_entry(1, AuditHash::GENESIS, None),
        "a second first entry is refused",
    );
    let mut edited = next.clone();
    edited.reason = "edited after sealing".into();
    refused(edited, "an entry that does not match its hash is refused");
    h.store().write(|tx| tx.append_audit(&next))?;
    assert!(h.verify_audit_chain()?.is_intact());
    Ok(())
}

pub fn audit_of_patient_lists_that_patients_entries_in_order<S: Store>(store: S) -> Result<()> {
    let mut prev = AuditHash::GENESIS;
    let mut entries = Vec::new();
    for (seq, patient) in [
        (1, Some(10)),
        (2, Some(11)),
        (3, None),
        (4, Some(10)),
        (5, Some(10)),
    ] {
        let e = audit_entry(seq, prev, patient);
        prev = e.hash;
        entries.push(e);
    }
    store.write(|tx| {
        for e in &entries {
            tx.append_audit(e)?;
        }
        Ok(())
    })?;
    let p10 = PatientId::from_uuid(uid(10));
    let seqs = |after, limit| -> Result<Vec<u64>> {
        Ok(store
            .read(|r| r.audit_of_patient(p10, after, limit))?
            .iter()
            .map(|e| e.seq)
            .collect())
    };
    assert_eq!(seqs(0, 100)?, [1, 4, 5]);
    assert_eq!(seqs(1, 100)?, [4, 5], "`after` is a sequence number");
    assert_eq!(seqs(0, 2)?, [1, 4]);
    assert!(store
        .read(|r| r.audit_of_patient(PatientId::from_uuid(uid(99)), 0, 10))?
        .is_empty());
    Ok(())
}

pub fn care_team_links_are_relationship_facts_while_they_hold<S: Store>(store: S) -> Result<()> {
    let active = link(1, 5, 10, 0, None);
    let ended = link(2, 5, 10, 0, Some(2));
    let other_patient = link(3, 5, 11, 0, None);
    let other_staff = link(4, 6, 10, 0, None);
    store.write(|tx| {
        for l in [&active, &ended, &other_patient, &other_staff] {
            tx.insert_care_team_link(l)?;
        }
        Ok(())
    })?;
    let (s5, p10) = (StaffId::from_uuid(uid(5)), PatientId::from_uuid(uid(10)));
    let facts = |h| store.read(|r| r.relationship_facts(s5, p10, at(h)));
    assert_eq!(facts(1)?.len(), 2, "both links of the pair hold at 01:00");
    assert_eq!(facts(3)?, [active.fact()], "the ended link is gone at 03:00");
    assert!(facts(-1)?.is_empty(), "no link holds before it starts");
    // Ending the active link.
    let mut now_ended = active.clone();
    now_ended.valid_until = Some(at(4));
    now_ended.ended_by = Some(AccountId::from_uuid(uid(1)));
    store.write(|tx| tx.update_care_team_link(&now_ended))?;
    assert!(facts(5)?.is_empty());
    assert_eq!(
        store.read(|r| r.care_team_link(active.id))?,
        Some(now_ended.clone())
    );
    let team: Vec<_> = store
        .read(|r| r.care_team_of(p10))?
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(
        team,
        [active.id, ended.id, other_staff.id],
        "a patient's links, ordered by id"
    );
    // A link's pair cannot change, an id is stored once, an unknown link is not found.
    let mut moved = now_ended.clone();
    moved.patient = PatientId::from_uuid(uid(11));
    assert_eq!(
        store
            .write(|tx| tx.update_care_team_link(&moved))
            .unwrap_err()
            .code(),
        "storage"
    );
    assert_eq!(
        store
            .write(|tx| tx.insert_care_team_link(&ended))
            .unwrap_err()
            .code(),
        "storage"
    );
    let unknown = link(99, 5, 10, 0, None);
    assert_eq!(
        store
            .write(|tx| tx.update_care_team_link(&unknown))
            .unwrap_err()
            .code(),
        "not_found"
    );
    Ok(())
}

pub fn break_glass_grants_are_open_until_they_expire<S: Store>(store: S) -> Result<()> {
    let g = grant(1, 5, 10, 1, 2);
    store.write(|tx| {
        tx.insert_break_glass(&g)?;
        tx.insert_break_glass(&grant(2, 5, 11, 0, 9))?;
        tx.insert_break_glass(&grant(3, 6, 10, 0, 9))
    })?;
    let (s5, p10) = (StaffId::from_uuid(uid(5)), PatientId::from_uuid(uid(10)));
    let open = |h| store.read(|r| r.break_glass_grants(s5, p10, at(h)));
    assert!(open(0)?.is_empty(), "not open before it is opened");
    assert_eq!(
        open(1)?.first().map(|x| x.id),
        Some(g.id),
        "open from the moment it is opened, for that pair only"
    );
    assert_eq!(open(1)?.len(), 1);
    assert!(open(2)?.is_empty(), "lapsed when it expires");
    assert_eq!(
        store.write(|tx| tx.insert_break_glass(&g)).unwrap_err().code(),
        "storage"
    );
    Ok(())
}

pub fn account_updates_keep_the_login<S: Store>(store: S) -> Result<()> {
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let mut changed = admin.clone();
    changed.active = false;
    h.store().write(|tx| tx.update_account(&changed))?;
    assert_eq!(h.store().read(|r| r.account(admin.id))?, Some(changed.clone()));
    assert_eq!(
        h.store().read(|r| r.account_by_login("admin"))?.map(|a| a.active),
        Some(false),
        "the login index sees the update"
    );
    let mut renamed = changed.clone();
    renamed.login = "root".into();
    assert_eq!(
        h.store()
            .write(|tx| tx.update_account(&renamed))
            .unwrap_err()
            .code(),
        "storage"
    );
    let mut ghost = changed;
    ghost.id = AccountId::from_uuid(uid(404));
    assert_eq!(
        h.store()
            .write(|tx| tx.update_account(&ghost))
            .unwrap_err()
            .code(),
        "not_found"
    );
    Ok(())
}

pub fn access_facts_roll_back_with_a_failed_transaction<S: Store>(store: S) -> Result<()> {
    let r: Result<()> = store.write(|tx| {
        tx.insert_care_team_link(&link(1, 5, 10, 0, None))?;
        tx.insert_break_glass(&grant(2, 5, 10, 0, 9))?;
        tx.append_audit(&audit_entry(1, AuditHash::GENESIS, Some(10)))?;
        Err(Error::not_found("patient", "abort on purpose"))
    });
    assert_eq!(r.unwrap_err().code(), "not_found");
    let (s5, p10) = (StaffId::from_uuid(uid(5)), PatientId::from_uuid(uid(10)));
    assert!(store.read(|r| r.relationship_facts(s5, p10, at(1)))?.is_empty());
    assert!(store.read(|r| r.break_glass_grants(s5, p10, at(1)))?.is_empty());
    assert!(store.read(|r| r.care_team_of(p10))?.is_empty());
    assert!(store.read(|r| r.audit_of_patient(p10, 0, 10))?.is_empty());
    assert_eq!(store.read(|r| r.last_audit())?, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scheduling

/// A clinic: an admin, a desk account, one doctor working weekdays 09:00–12:00 and 13:00–17:00
/// (Kolkata), a procedure room, and `patients` patients.
pub(crate) struct Clinic<S: Store> {
    pub h: Hospital<S>,
    pub admin: AccountId,
    pub desk: AccountId,
    pub doctor: StaffId,
    pub room: crate::ids::ResourceId,
    pub patients: Vec<PatientId>,
}

pub(crate) fn clinic<S: Store>(store: S, patients: usize) -> Result<Clinic<S>> {
    use crate::access::Role;
    use crate::scheduling::availability::{AvailabilityTemplate, WeeklyHours};
    use crate::scheduling::VisitType;
    use chrono::{NaiveTime, Weekday};

    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?.id;
    let clerk = h.hire_staff(
        admin,
        StaffDetails {
            name: PersonName::new("Dana", "Desk"),
            role: StaffRole::Receptionist,
            department: None,
            phone: None,
            email: None,
            license_number: None,
            doctor: None,
        },
    )?;
    let desk = h
        .open_account(
            admin,
            NewAccount {
                login: "desk".into(),
                person: Some(PersonRef::Staff(clerk.id)),
                roles: [Role::Receptionist].into(),
            },
        )?
        .id;
    let doctor = h.hire_staff(admin, doctor("KA-1001"))?.id;
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let mut weekly_hours = Vec::new();
    for d in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        weekly_hours.push(WeeklyHours::new(d, t(9, 0), t(12, 0)));
        weekly_hours.push(WeeklyHours::new(d, t(13, 0), t(17, 0)));
    }
    let mut procedure = VisitType::new("procedure", "Procedure", 60);
    procedure.required_resource_kinds = vec!["procedure_room".into()];
    h.set_availability(
        admin,
        doctor,
        vec![AvailabilityTemplate {
            doctor,
            location: Some("outpatients".into()),
            zone: chrono_tz::Asia::Kolkata,
            weekly_hours,
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            effective_until: None,
            slot_minutes: 15,
            visit_types: vec![
                VisitType::new("new_patient", "New patient", 30),
                VisitType::new("follow_up", "Follow-up", 15),
                procedure,
            ],
            capacity: 1,
            lead_time_minutes: 30,
            horizon_days: 90,
        }],
    )?;
    let room = h.add_resource(admin, "procedure_room", "Room 1", None)?.id;
    let mut ps = Vec::new();
    for i in 0..patients {
        ps.push(
            h.register_patient(
                desk,
                person("Pat", &format!("Ient{i}"), &format!("+91 98450 2{i:04}"), None),
            )?
            .id,
        );
    }
    Ok(Clinic {
        h,
        admin,
        desk,
        doctor,
        room,
        patients: ps,
    })
}

/// Tuesday 3 March 2026 at `hh:mm` in Kolkata (UTC+5:30).
pub(crate) fn tuesday(h: u32, m: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Kolkata
        .with_ymd_and_hms(2026, 3, 3, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn conflict_parties(e: &Error) -> Vec<crate::scheduling::Party> {
    match e {
        Error::Scheduling(crate::scheduling::SchedulingError::SlotConflict { conflicts }) => {
            conflicts.iter().map(|c| c.party).collect()
        }
        other => panic!("expected a slot conflict, got {other:?}"),
    }
}

fn day_of(h: u32) -> crate::time::Interval {
    crate::time::Interval::new(tuesday(h, 0), tuesday(h + 1, 0)).unwrap()
}

pub fn booking_rescheduling_and_cancelling_round_trip<S: Store>(store: S) -> Result<()> {
    use crate::hospital::BookingRequest;
    use crate::scheduling::{AppointmentStatus, Party};

    let c = clinic(store, 3)?;
    let (h, d, p) = (&c.h, c.doctor, &c.patients);
    let mut request = BookingRequest::new(p[0], d, "new_patient", tuesday(9, 0));
    request.client_key = Some("req-1".into());
    let first = h.book_appointment(c.desk, &request)?;
    assert_eq!(first.status, AppointmentStatus::Booked);
    assert_eq!(h.appointment(c.desk, first.id)?, first, "it reads back whole");
    let replay = h.book_appointment(c.desk, &request)?;
    assert_eq!(
        replay.id, first.id,
        "the same request key returns the first booking"
    );
    let calendar = |party, hour| h.store().read(|r| r.calendar_overlaps(party, &day_of(hour)));
    let on_doctor = calendar(Party::Doctor(d), 9)?;
    assert_eq!(on_doctor.len(), 1);
    assert_eq!(
        (on_doctor[0].id, on_doctor[0].interval, on_doctor[0].shared),
        (first.id, first.held, false)
    );
    assert_eq!(calendar(Party::Patient(p[0]), 9)?.len(), 1);
    // The doctor is busy 09:00–09:30: 09:15 collides, 09:30 (back to back) does not.
    let err = h
        .book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", tuesday(9, 15)))
        .unwrap_err();
    assert_eq!(conflict_parties(&err), [Party::Doctor(d)]);
    h.book_appointment(c.desk, &BookingRequest::new(p[2], d, "follow_up", tuesday(9, 30)))?;
    // Moving the first visit to 10:00 frees 09:00 at once.
    let moved = h.reschedule_appointment(c.desk, first.id, tuesday(10, 0), None)?;
    assert_eq!(moved.interval.start(), tuesday(10, 0));
    assert_eq!(h.appointment(c.desk, first.id)?, moved);
    assert!(calendar(Party::Patient(p[0]), 9)?.is_empty());
    assert_eq!(calendar(Party::Doctor(d), 10)?.len(), 1);
    h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", tuesday(9, 0)))?;
    // A procedure takes the room too; a second one at the same time finds no room.
    let procedure = h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "procedure", tuesday(14, 0)))?;
    assert_eq!(procedure.resources, [c.room]);
    assert_eq!(calendar(Party::Resource(c.room), 14)?.len(), 1);
    // Cancelling gives the time back but keeps the record.
    let cancelled = h.cancel_appointment(c.desk, first.id, "patient called")?;
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    assert!(calendar(Party::Doctor(d), 10)?.is_empty());
    let all = h.store().read(|r| {
        r.appointments_of(
            Party::Patient(p[0]),
            &crate::time::Interval::new(tuesday(0, 0), tuesday(23, 0)).unwrap(),
        )
    })?;
    assert_eq!(all.len(), 1, "cancelled appointments stay on record");
    assert_eq!(all[0].status, AppointmentStatus::Cancelled);
    let on_room = h
        .store()
        .read(|r| r.appointments_of(Party::Resource(c.room), &day_of(14)))?;
    assert_eq!(on_room.iter().map(|a| a.id).collect::<Vec<_>>(), [procedure.id]);
    assert_eq!(
        h.store()
            .read(|r| r.appointment_by_client_key(c.desk, "req-1"))?
            .map(|a| a.id),
        Some(first.id)
    );
    let _ = c.admin;
    Ok(())
}

/// A party's appointments in a range are those whose held time overlaps it (half-open): a long
/// visit that began before the range is in it, one that ends where the range begins is not, and a
/// rescheduled visit is found at its new time only.
pub fn a_partys_appointments_in_a_range_include_those_reaching_into_it<S: Store>(store: S) -> Result<()> {
    use crate::hospital::BookingRequest;
    use crate::scheduling::Party;

    let c = clinic(store, 3)?;
    let (h, d, p) = (&c.h, c.doctor, &c.patients);
    let range = |from: (u32, u32), to: (u32, u32)| {
        crate::time::Interval::new(tuesday(from.0, from.1), tuesday(to.0, to.1)).unwrap()
    };
    let of = |party, from, to| -> Result<Vec<crate::ids::AppointmentId>> {
        Ok(h.store()
            .read(|r| r.appointments_of(party, &range(from, to)))?
            .into_iter()
            .map(|a| a.id)
            .collect())
    };
    let procedure = h.book_appointment(c.desk, &BookingRequest::new(p[0], d, "procedure", tuesday(14, 0)))?;
    let short = h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", tuesday(9, 0)))?;
    let held = procedure.held;
    assert!(held.end() - held.start() >= chrono::Duration::minutes(60));
    // A range inside the long visit finds it through every party it holds.
    let mid = (14, 30);
    let mid_end = (14, 45);
    assert_eq!(of(Party::Doctor(d), mid, mid_end)?, [procedure.id]);
    assert_eq!(of(Party::Patient(p[0]), mid, mid_end)?, [procedure.id]);
    assert_eq!(of(Party::Resource(c.room), mid, mid_end)?, [procedure.id]);
    assert!(
        of(Party::Patient(p[1]), mid, mid_end)?.is_empty(),
        "not another patient's"
    );
    // Back to back is outside: a range ending where the short visit starts, or starting at its end.
    assert!(of(Party::Doctor(d), (8, 0), (9, 0))?.is_empty());
    let from_end =
        crate::time::Interval::new(short.held.end(), short.held.end() + chrono::Duration::hours(1))?;
    assert!(h
        .store()
        .read(|r| r.appointments_of(Party::Patient(p[1]), &from_end))?
        .is_empty());
    assert_eq!(
        of(Party::Doctor(d), (0, 0), (23, 0))?,
        [short.id, procedure.id],
        "in time order"
    );
    // Moved to 11:00, the short visit is found there and no longer at 09:00.
    let moved = h.reschedule_appointment(c.desk, short.id, tuesday(11, 0), None)?;
    assert!(of(Party::Patient(p[1]), (9, 0), (9, 30))?.is_empty());
    assert_eq!(of(Party::Patient(p[1]), (11, 0), (11, 15))?, [moved.id]);
    Ok(())
}

/// A copy of `a` as another booking: new id, patient `patient`, no request key.
fn another(
    a: &crate::scheduling::Appointment,
    id: u128,
    patient: PatientId,
) -> crate::scheduling::Appointment {
    let mut b = a.clone();
    b.id = crate::ids::AppointmentId::from_uuid(uid(id));
    b.patient = patient;
    b.client_key = None;
    b
}

pub fn the_store_itself_refuses_double_booking<S: Store>(store: S) -> Result<()> {
    use crate::hospital::BookingRequest;
    use crate::scheduling::{AppointmentStatus, Conflict, Party, SchedulingError};

    let c = clinic(store, 4)?;
    let (h, d, p) = (&c.h, c.doctor, &c.patients);
    let a = h.book_appointment(c.desk, &BookingRequest::new(p[0], d, "procedure", tuesday(9, 0)))?;
    // The same doctor and room at the same time, written straight to the store (no rule looked).
    let mut b = another(&a, 901, p[1]);
    b.resources = Vec::new();
    let err = h.store().write(|tx| tx.insert_appointment(&b)).unwrap_err();
    assert_eq!(
        err,
        Error::Scheduling(SchedulingError::SlotConflict {
            conflicts: vec![Conflict {
                party: Party::Doctor(d),
                appointment: a.id,
                interval: a.held,
            }]
        }),
        "the backend names the booking in the way"
    );
    assert_eq!(
        h.store().read(|r| r.appointment(b.id))?,
        None,
        "nothing was written"
    );
    // A booking right after the first (back to back: no overlap), and one that overlaps the first's
    // start: the doctor's and the room's calendars both refuse it.
    let mut room_only = another(&a, 902, p[2]);
    room_only.held =
        crate::time::Interval::new(a.held.end(), a.held.end() + chrono::Duration::hours(1)).unwrap();
    room_only.interval = room_only.held;
    let mut overlapping_room = another(&a, 903, p[3]);
    overlapping_room.held =
        crate::time::Interval::new(a.held.start(), a.held.start() + chrono::Duration::minutes(5)).unwrap();
    overlapping_room.interval = overlapping_room.held;
    let err = h
        .store()
        .write(|tx| tx.insert_appointment(&overlapping_room))
        .unwrap_err();
    let parties = conflict_parties(&err);
    assert!(parties.contains(&Party::Resource(c.room)), "{parties:?}");
    assert!(parties.contains(&Party::Doctor(d)), "{parties:?}");
    // Shared bookings and bookings that hold no time may overlap.
    let mut shared = b.clone();
    shared.shared = true;
    let mut proposed = another(&a, 904, p[3]);
    proposed.status = AppointmentStatus::Proposed;
    h.store().write(|tx| {
        tx.insert_appointment(&shared)?;
        tx.insert_appointment(&proposed)
    })?;
    // Back to back is no overlap; moving it onto the taken time is refused and changes nothing.
    h.store().write(|tx| tx.insert_appointment(&room_only))?;
    let mut onto = room_only.clone();
    onto.held = a.held;
    onto.interval = a.interval;
    let err = h.store().write(|tx| tx.update_appointment(&onto)).unwrap_err();
    assert!(conflict_parties(&err).contains(&Party::Doctor(d)));
    assert_eq!(
        h.store().read(|r| r.appointment(room_only.id))?,
        Some(room_only.clone())
    );
    // Once the first is cancelled, the move goes through.
    let mut cancelled = a.clone();
    cancelled.status = AppointmentStatus::Cancelled;
    let mut unshared = shared.clone();
    unshared.status = AppointmentStatus::Cancelled;
    h.store().write(|tx| {
        tx.update_appointment(&cancelled)?;
        tx.update_appointment(&unshared)?;
        tx.update_appointment(&onto)
    })?;
    let entries = h
        .store()
        .read(|r| r.calendar_overlaps(Party::Doctor(d), &a.held))?;
    assert_eq!(entries.iter().map(|e| e.id).collect::<Vec<_>>(), [onto.id]);
    assert_eq!(
        h.store()
            .write(|tx| tx.update_appointment(&another(&a, 999, p[0])))
            .unwrap_err()
            .code(),
        "not_found"
    );
    Ok(())
}

pub fn a_failed_transaction_rolls_back_an_appointment<S: Store>(store: S) -> Result<()> {
    use crate::hospital::BookingRequest;
    use crate::scheduling::Party;

    let c = clinic(store, 2)?;
    let (h, d, p) = (&c.h, c.doctor, &c.patients);
    let a = h.book_appointment(c.desk, &BookingRequest::new(p[0], d, "follow_up", tuesday(9, 0)))?;
    let mut later = another(&a, 911, p[1]);
    later.held = crate::time::Interval::new(tuesday(11, 0), tuesday(11, 15)).unwrap();
    later.interval = later.held;
    let mut moved = a.clone();
    moved.held = crate::time::Interval::new(tuesday(10, 0), tuesday(10, 15)).unwrap();
    moved.interval = moved.held;
    let r: Result<()> = h.store().write(|tx| {
        tx.insert_appointment(&later)?;
        tx.update_appointment(&moved)?;
        Err(Error::not_found("patient", "abort on purpose"))
    });
    assert_eq!(r.unwrap_err().code(), "not_found");
    assert_eq!(h.store().read(|r| r.appointment(later.id))?, None);
    assert_eq!(h.store().read(|r| r.appointment(a.id))?, Some(a.clone()));
    let on_doctor: Vec<_> = h
        .store()
        .read(|r| {
            r.calendar_overlaps(
                Party::Doctor(d),
                &crate::time::Interval::new(tuesday(8, 0), tuesday(12, 0)).unwrap(),
            )
        })?
        .into_iter()
        .map(|e| (e.id, e.interval))
        .collect();
    assert_eq!(on_doctor, [(a.id, a.held)], "the calendar is as before");
    h.store().write(|tx| tx.insert_appointment(&later))?;
    Ok(())
}

pub fn sixteen_threads_racing_for_one_slot_book_it_once<S: Store>(store: S) -> Result<()> {
    use crate::hospital::BookingRequest;
    use crate::scheduling::Party;

    let c = clinic(store, 32)?;
    let (h, d) = (&c.h, c.doctor);
    // Through the facade: sixteen desks book sixteen patients into one slot.
    let results: Vec<Result<crate::scheduling::Appointment>> = std::thread::scope(|s| {
        let handles: Vec<_> = c.patients[..16]
            .iter()
            .map(|p| {
                let (desk, p) = (c.desk, *p);
                s.spawn(move || {
                    h.book_appointment(desk, &BookingRequest::new(p, d, "follow_up", tuesday(11, 0)))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|t| t.join().expect("no thread panics"))
            .collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "slot_conflict"));
    let winner = results.into_iter().find_map(|r| r.ok()).unwrap();
    // Straight to the store: sixteen writers insert overlapping bookings of one doctor at 15:00.
    let template = another(&winner, 0, c.patients[16]);
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16u128)
            .map(|i| {
                let mut a = another(&template, 700 + i, c.patients[16 + i as usize]);
                a.held = crate::time::Interval::new(
                    tuesday(15, 0) + chrono::Duration::minutes(i as i64),
                    tuesday(15, 20),
                )
                .unwrap();
                a.interval = a.held;
                s.spawn(move || h.store().write(|tx| tx.insert_appointment(&a)))
            })
            .collect();
        handles
            .into_iter()
            .map(|t| t.join().expect("no thread panics"))
            .collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == "slot_conflict"),
        "{results:?}"
    );
    let day = crate::time::Interval::new(tuesday(0, 0), tuesday(23, 0)).unwrap();
    assert_eq!(
        h.store()
            .read(|r| r.calendar_overlaps(Party::Doctor(d), &day))?
            .len(),
        2,
        "one booking per slot on the doctor's calendar"
    );
    Ok(())
}

// --- billing ---

fn billing_charge(
    id: u128,
    patient: crate::ids::PatientId,
    source: crate::billing::ChargeSource,
    at: chrono::DateTime<Utc>,
) -> crate::billing::Charge {
    crate::billing::Charge {
        id: crate::ids::ChargeId::from_uuid(uuid::Uuid::from_u128(id)),
        patient,
        source,
        item_code: "lab.cbc".into(),
        kind: crate::billing::ItemKind::LabTest,
        description: "Complete blood count".into(),
        quantity: rust_decimal::Decimal::ONE,
        unit_price: Money::from_minor(25_000, Currency::INR),
        tax: crate::billing::TaxRate::exempt(),
        tax_inclusive: false,
        visit_type: None,
        preauthorization: None,
        service_date: at.date_naive(),
        invoice: None,
        created_by: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
        created_at: at,
    }
}

fn billing_payment(
    id: u128,
    patient: crate::ids::PatientId,
    reference: Option<&str>,
    at: chrono::DateTime<Utc>,
) -> crate::billing::Payment {
    crate::billing::Payment {
        id: crate::ids::PaymentId::from_uuid(uuid::Uuid::from_u128(id)),
        patient,
        amount: Money::from_minor(10_000, Currency::INR),
        method: crate::billing::PaymentMethod::Cash,
        external_reference: reference.map(str::to_owned),
        received_at: at,
        recorded_by: None,
        allocations: Vec::new(),
        refunds: Vec::new(),
        version: 1,
    }
}

fn lab_order(n: u128) -> crate::billing::ChargeSource {
    crate::billing::ChargeSource::LabOrder {
        id: crate::ids::LabOrderId::from_uuid(uuid::Uuid::from_u128(n)),
    }
}

pub fn a_source_is_charged_once<S: Store>(store: S) -> Result<()> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    store.write(|tx| tx.insert_charge(&billing_charge(1, p, lab_order(1), at)))?;
    let err = store
        .write(|tx| tx.insert_charge(&billing_charge(2, p, lab_order(1), at)))
        .unwrap_err();
    assert_eq!(
        err.code(),
        "duplicate",
        "a second charge for the same source is refused"
    );
    let found = store.read(|r| r.charge_by_source(&lab_order(1)))?;
    assert_eq!(found.map(|c| c.id.as_uuid().as_u128()), Some(1));
    // A failed transaction leaves no charge and frees nothing it did not take.
    let _ = store.write(|tx| -> Result<()> {
        tx.insert_charge(&billing_charge(3, p, lab_order(3), at))?;
        Err(Error::not_found("patient", p))
    });
    assert!(store.read(|r| r.charge_by_source(&lab_order(3)))?.is_none());
    store.write(|tx| tx.insert_charge(&billing_charge(3, p, lab_order(3), at)))?;
    // The source of a charge cannot change; its invoice link can.
    let mut moved = billing_charge(1, p, lab_order(9), at);
    assert!(store.write(|tx| tx.update_charge(&moved)).is_err());
    moved.source = lab_order(1);
    moved.invoice = Some(crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(5)));
    store.write(|tx| tx.update_charge(&moved))?;
    assert_eq!(store.read(|r| r.charge(moved.id))?, Some(moved));
    Ok(())
}

pub fn payment_references_are_unique<S: Store>(store: S) -> Result<()> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    store.write(|tx| tx.insert_payment(&billing_payment(1, p, Some("ch_1"), at)))?;
    let err = store
        .write(|tx| tx.insert_payment(&billing_payment(2, p, Some("ch_1"), at)))
        .unwrap_err();
    assert_eq!(
        err.code(),
        "duplicate",
        "an external reference records one payment"
    );
    // Payments without a reference do not collide.
    store.write(|tx| tx.insert_payment(&billing_payment(3, p, None, at)))?;
    store.write(|tx| tx.insert_payment(&billing_payment(4, p, None, at)))?;
    let found = store.read(|r| r.payment_by_reference("ch_1"))?;
    assert_eq!(found.map(|x| x.id.as_uuid().as_u128()), Some(1));
    // The amount of a payment never changes; refunds are added to it.
    let mut changed = billing_payment(1, p, Some("ch_1"), at);
    changed.amount = Money::from_minor(1, Currency::INR);
    assert!(store.write(|tx| tx.update_payment(&changed)).is_err());
    Ok(())
}

/// `draft` issued under `number`: priced (no coverage, so the patient's share is the total).
fn issue(draft: &crate::billing::Invoice, number: &str) -> Result<crate::billing::Invoice> {
    let mut issued = draft.clone();
    issued.breakdown = Some(crate::billing::calculate(&crate::billing::InvoiceInput {
        currency: draft.currency,
        rounding: draft.rounding,
        lines: &draft.line_inputs(),
        invoice_discount: draft.invoice_discount,
        coverage: None,
    })?);
    issued.status = crate::billing::InvoiceStatus::Issued;
    issued.number = Some(number.into());
    Ok(issued)
}

pub fn issued_invoice_figures_are_write_once<S: Store>(store: S) -> Result<()> {
    use crate::billing::{InvoiceLine, InvoiceStatus};
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let by = AccountId::from_uuid(uuid::Uuid::from_u128(1));
    let id = crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(10));
    let mut draft = crate::billing::Invoice::draft(id, p, Currency::INR, Default::default(), by, at);
    draft
        .lines
        .push(InvoiceLine::from_charge(&billing_charge(1, p, lab_order(1), at)));
    store.write(|tx| tx.insert_invoice(&draft))?;
    // A draft changes freely.
    draft.invoice_discount = Some(crate::billing::Discount::Percent(rust_decimal::Decimal::TEN));
    store.write(|tx| tx.update_invoice(&draft))?;
    let issued = issue(&draft, "INV-000001")?;
    store.write(|tx| tx.update_invoice(&issued))?;
    // Its figures are now write-once…
    let mut forged = issued.clone();
    forged.lines[0].unit_price = Money::from_minor(1, Currency::INR);
    let err = store.write(|tx| tx.update_invoice(&forged)).unwrap_err();
    assert_eq!(err.code(), "immutable_invoice");
    // …while its balance and status move.
    let mut paid = issued.clone();
    paid.paid_patient = Money::from_minor(100, Currency::INR);
    paid.status = InvoiceStatus::Balanced;
    store.write(|tx| tx.update_invoice(&paid))?;
    assert_eq!(store.read(|r| r.invoice(id))?, Some(paid));
    // Numbers are unique.
    let mut other = crate::billing::Invoice::draft(
        crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(11)),
        p,
        Currency::INR,
        Default::default(),
        by,
        at,
    );
    other.number = Some("INV-000001".into());
    let err = store.write(|tx| tx.insert_invoice(&other)).unwrap_err();
    assert_eq!(err.code(), "duplicate");
    Ok(())
}

pub fn billing_records_list_by_patient_in_order<S: Store>(store: S) -> Result<()> {
    use crate::billing::{InvoiceStatus, ItemKind, Price, PriceItem, PriceVersion, TaxRate};
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let q = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(8));
    let by = AccountId::from_uuid(uuid::Uuid::from_u128(1));
    store.write(|tx| {
        // Inserted out of time order; lists come back oldest first.
        tx.insert_charge(&billing_charge(
            2,
            p,
            lab_order(2),
            t0 + chrono::Duration::hours(2),
        ))?;
        tx.insert_charge(&billing_charge(1, p, lab_order(1), t0))?;
        tx.insert_charge(&billing_charge(3, q, lab_order(3), t0))?;
        tx.insert_payment(&billing_payment(2, p, None, t0 + chrono::Duration::hours(1)))?;
        tx.insert_payment(&billing_payment(1, p, None, t0))?;
        for (n, h, who) in [(11u128, 2, p), (10, 1, p), (12, 0, q)] {
            let mut inv = crate::billing::Invoice::draft(
                crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(n)),
                who,
                Currency::INR,
                Default::default(),
                by,
                t0 + chrono::Duration::hours(h),
            );
            if n == 11 {
                inv.status = InvoiceStatus::Issued;
                inv.number = Some("INV-000011".into());
            }
            tx.insert_invoice(&inv)?;
        }
        let version = |amount| PriceVersion {
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            price: Price::Fixed {
                amount: Money::from_minor(amount, Currency::INR),
            },
            tax: TaxRate::exempt(),
            tax_inclusive: false,
        };
        tx.put_price_item(&PriceItem::new("lab.cbc", "CBC", ItemKind::LabTest, version(100)))?;
        tx.put_price_item(&PriceItem::new("bed", "Bed", ItemKind::BedDay, version(200)))?;
        tx.put_price_item(&PriceItem::new("lab.cbc", "CBC", ItemKind::LabTest, version(150)))?;
        tx.put_coverage_plan(&crate::billing::CoveragePlan::full("Acme", "Gold", Currency::INR))?;
        Ok(())
    })?;
    let n = |u: &uuid::Uuid| u.as_u128();
    let charges = store.read(|r| r.charges_of_patient(p))?;
    assert_eq!(
        charges.iter().map(|c| n(c.id.as_uuid())).collect::<Vec<_>>(),
        [1, 2]
    );
    let payments = store.read(|r| r.payments_of_patient(p))?;
    assert_eq!(
        payments.iter().map(|x| n(x.id.as_uuid())).collect::<Vec<_>>(),
        [1, 2]
    );
    let invoices = store.read(|r| r.invoices_of_patient(p))?;
    assert_eq!(
        invoices.iter().map(|i| n(i.id.as_uuid())).collect::<Vec<_>>(),
        [10, 11]
    );
    let drafts = store.read(|r| r.invoices_with_status(InvoiceStatus::Draft))?;
    assert_eq!(
        drafts.iter().map(|i| n(i.id.as_uuid())).collect::<Vec<_>>(),
        [12, 10]
    );
    let items = store.read(|r| r.price_items())?;
    assert_eq!(
        items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
        ["bed", "lab.cbc"]
    );
    let cbc = store.read(|r| r.price_item("lab.cbc"))?.unwrap();
    assert!(
        matches!(cbc.versions[0].price, Price::Fixed { amount } if amount == Money::from_minor(150, Currency::INR)),
        "a put replaces the item"
    );
    assert!(store.read(|r| r.coverage_plan("Acme", "Gold"))?.is_some());
    assert!(store.read(|r| r.coverage_plan("Acme", "Silver"))?.is_none());
    Ok(())
}

pub fn billing_use_cases_commit_with_their_events<S: Store>(store: S) -> Result<()> {
    use crate::billing::{
        ChargeRequest, ChargeSource, ItemKind, PaymentMethod, PaymentRequest, Price, PriceItem, PriceVersion,
        TaxRate,
    };
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?;
    let p = h.register_patient(admin.id, person("Asha", "Rao", "+91 98450 12345", None))?;
    h.set_price_item(
        admin.id,
        &PriceItem::new(
            "lab.cbc",
            "Complete blood count",
            ItemKind::LabTest,
            PriceVersion {
                effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                price: Price::Fixed {
                    amount: Money::from_minor(45_000, Currency::INR),
                },
                tax: TaxRate::new("S", rust_decimal::Decimal::from(18)),
                tax_inclusive: false,
            },
        ),
    )?;
    let source = ChargeSource::Manual {
        reference: "LAB-1".into(),
    };
    h.add_charge(
        admin.id,
        &ChargeRequest::new(p.id, source, "lab.cbc", rust_decimal::Decimal::ONE),
    )?;
    let draft = h.open_invoice(admin.id, p.id)?;
    let inv = h.issue_invoice(admin.id, draft.id)?;
    assert_eq!(
        inv.gross(),
        Money::from_minor(53_100, Currency::INR),
        "450.00 + 18 % = 531.00"
    );
    let before = h.events_after(0, 1000)?.len();
    let err = h
        .record_payment(
            admin.id,
            &PaymentRequest::new(
                p.id,
                Money::from_minor(53_101, Currency::INR),
                PaymentMethod::Cash,
            ),
        )
        .unwrap_err();
    assert_eq!(err.code(), "overpayment");
    assert_eq!(
        h.events_after(0, 1000)?.len(),
        before,
        "a refused payment leaves no event"
    );
    let mut pay = PaymentRequest::new(
        p.id,
        Money::from_minor(53_100, Currency::INR),
        PaymentMethod::Card,
    );
    pay.external_reference = Some("SLIP-9".into());
    let paid = h.record_payment(admin.id, &pay)?;
    assert_eq!(
        h.record_payment(admin.id, &pay)?,
        paid,
        "the same slip twice is one payment"
    );
    let names: Vec<_> = h.events_after(0, 1000)?.iter().map(|e| e.event.name()).collect();
    for expected in [
        "charge.added",
        "invoice.issued",
        "invoice.balanced",
        "payment.recorded",
    ] {
        assert_eq!(
            names.iter().filter(|n| **n == expected).count(),
            1,
            "{expected} once in {names:?}"
        );
    }
    assert_eq!(
        h.store().read(|r| r.invoice(inv.id))?.map(|i| i.status),
        Some(crate::billing::InvoiceStatus::Balanced)
    );
    Ok(())
}

/// An issued invoice of 250.00 (one line, no coverage) for patient 7, stored.
fn stored_issued_invoice<S: Store>(store: &S, id: u128, number: &str) -> Result<crate::billing::Invoice> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let by = AccountId::from_uuid(uuid::Uuid::from_u128(1));
    let mut draft = crate::billing::Invoice::draft(
        crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(id)),
        p,
        Currency::INR,
        Default::default(),
        by,
        at,
    );
    draft
        .lines
        .push(crate::billing::InvoiceLine::from_charge(&billing_charge(
            id,
            p,
            lab_order(id),
            at,
        )));
    let issued = issue(&draft, number)?;
    store.write(|tx| tx.insert_invoice(&issued))?;
    Ok(issued)
}

pub fn paid_and_credited_never_exceed_what_is_due<S: Store>(store: S) -> Result<()> {
    let inr = |minor| Money::from_minor(minor, Currency::INR);
    let inv = stored_issued_invoice(&store, 20, "INV-000020")?;
    assert_eq!(inv.patient_due(), inr(25_000), "250.00 due from the patient");
    // Paying exactly what is due is stored …
    let mut paid = inv.clone();
    paid.paid_patient = inr(20_000);
    paid.credited_patient = inr(5_000);
    paid.status = crate::billing::InvoiceStatus::Balanced;
    store.write(|tx| tx.update_invoice(&paid))?;
    // … one paisa more is refused by the store itself, whoever asks: 200.01 + 50.00 > 250.00,
    for (patient_paid, credited, payer_paid) in [
        (20_001, 5_000, 0),
        (25_001, 0, 0),
        // the payer's share is 0.00: nothing can be paid on it,
        (20_000, 5_000, 1),
        // and nothing paid is negative.
        (-1, 0, 0),
    ] {
        let mut over = paid.clone();
        over.paid_patient = inr(patient_paid);
        over.credited_patient = inr(credited);
        over.paid_payer = inr(payer_paid);
        assert!(
            store.write(|tx| tx.update_invoice(&over)).is_err(),
            "paid {patient_paid} + credited {credited} (payer {payer_paid}) on 250.00 is refused"
        );
    }
    assert_eq!(store.read(|r| r.invoice(inv.id))?, Some(paid));
    // A new invoice cannot arrive overpaid either.
    let mut other = inv.clone();
    other.id = crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(21));
    other.number = Some("INV-000021".into());
    other.paid_patient = inr(25_001);
    assert!(store.write(|tx| tx.insert_invoice(&other)).is_err());
    assert_eq!(store.read(|r| r.invoice(other.id))?, None);
    Ok(())
}

pub fn refunds_and_allocations_never_exceed_the_payment<S: Store>(store: S) -> Result<()> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let inr = |minor| Money::from_minor(minor, Currency::INR);
    let invoice = crate::ids::InvoiceId::from_uuid(uuid::Uuid::from_u128(30));
    // A payment of nothing is no payment.
    let mut nothing = billing_payment(1, p, None, at);
    nothing.amount = inr(0);
    assert!(store.write(|tx| tx.insert_payment(&nothing)).is_err());
    // 100.00 allocated as 100.00 is stored; 100.01 is not.
    let mut pay = billing_payment(2, p, Some("pay_2"), at);
    pay.allocations.push(crate::billing::Allocation {
        invoice,
        amount: inr(10_000),
        refunded: inr(0),
    });
    store.write(|tx| tx.insert_payment(&pay))?;
    let mut over = pay.clone();
    over.allocations[0].amount = inr(10_001);
    assert!(store.write(|tx| tx.update_payment(&over)).is_err());
    // Refunds up to the payment are stored (60.00 + 40.00); one paisa more is not.
    let refund = |n: u128, minor| crate::billing::Refund {
        id: crate::ids::RefundId::from_uuid(uuid::Uuid::from_u128(n)),
        amount: inr(minor),
        reason: "returned".into(),
        external_reference: None,
        allocations: vec![(invoice, inr(minor))],
        at,
        by: None,
    };
    let mut refunded = pay.clone();
    refunded.refunds = vec![refund(1, 6_000), refund(2, 4_000)];
    refunded.version = 2;
    store.write(|tx| tx.update_payment(&refunded))?;
    let mut too_much = refunded.clone();
    too_much.refunds.push(refund(3, 1));
    assert!(store.write(|tx| tx.update_payment(&too_much)).is_err());
    assert_eq!(store.read(|r| r.payment(pay.id))?, Some(refunded));
    assert_eq!(store.read(|r| r.payment(nothing.id))?, None);
    Ok(())
}

pub fn billing_writes_roll_back_with_a_failed_transaction<S: Store>(store: S) -> Result<()> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let p = crate::ids::PatientId::from_uuid(uuid::Uuid::from_u128(7));
    let inv = stored_issued_invoice(&store, 40, "INV-000040")?;
    let r = store.write(|tx| -> Result<()> {
        tx.insert_charge(&billing_charge(41, p, lab_order(41), at))?;
        tx.insert_payment(&billing_payment(42, p, Some("pay_42"), at))?;
        let mut paid = inv.clone();
        paid.paid_patient = Money::from_minor(10_000, Currency::INR);
        tx.update_invoice(&paid)?;
        Err(Error::not_found("patient", "abort on purpose"))
    });
    assert_eq!(r.unwrap_err().code(), "not_found");
    assert!(store.read(|r| r.charge_by_source(&lab_order(41)))?.is_none());
    assert!(store.read(|r| r.payment_by_reference("pay_42"))?.is_none());
    assert_eq!(store.read(|r| r.invoice(inv.id))?, Some(inv));
    // The reference and the source are free again.
    store.write(|tx| tx.insert_payment(&billing_payment(42, p, Some("pay_42"), at)))?;
    store.write(|tx| tx.insert_charge(&billing_charge(41, p, lab_order(41), at)))?;
    Ok(())
}
// --- pharmacy ---

struct Shop<S> {
    h: Hospital<S>,
    admin: AccountId,
    pharmacist: AccountId,
    doctor: AccountId,
    patient: crate::ids::PatientId,
    drug: crate::ids::DrugId,
    batch: crate::ids::BatchId,
}

fn main_store() -> crate::pharmacy::Location {
    crate::pharmacy::Location::parse("main").unwrap()
}

/// A hospital with a pharmacist, a doctor, a patient, and 10 tablets of an over-the-counter drug in
/// one batch at `main`.
fn shop<S: Store>(store: S) -> Result<Shop<S>> {
    use crate::access::Role;
    use crate::pharmacy::{DosageForm, DrugDetails, GoodsReceipt};
    let h = hospital(store);
    let admin = h.bootstrap_admin("admin")?.id;
    let account = |h: &Hospital<S>,
                   details: StaffDetails,
                   login: &str,
                   role: Role|
     -> Result<(AccountId, crate::ids::StaffId)> {
        let s = h.hire_staff(admin, details)?;
        let a = h.open_account(
            admin,
            NewAccount {
                login: login.into(),
                person: Some(PersonRef::Staff(s.id)),
                roles: [role].into(),
            },
        )?;
        Ok((a.id, s.id))
    };
    let (pharmacist, _) = account(
        &h,
        StaffDetails {
            role: StaffRole::Pharmacist,
            doctor: None,
            department: Some("pharmacy".into()),
            ..doctor("PH-1")
        },
        "pharmacist",
        Role::Pharmacist,
    )?;
    let (doctor, doctor_staff) = account(&h, doctor("KMC-1"), "doctor", Role::Doctor)?;
    let patient = h
        .register_patient(admin, person("Asha", "Rao", "+91 98450 12345", None))?
        .id;
    // The doctor looks after the patient, so may prescribe for them.
    h.add_care_team_member(admin, patient, doctor_staff, None)?;
    let drug = h
        .add_drug(
            pharmacist,
            DrugDetails {
                generic_name: "paracetamol".into(),
                brand: None,
                strength: "500 mg".into(),
                form: DosageForm::Tablet,
                dispensing_unit: "tablet".into(),
                pack_size: 10,
                atc_code: "N02BE01".into(),
                controlled: false,
                prescription_only: false,
                reorder: Default::default(),
            },
        )?
        .id;
    let batch = h
        .receive_stock(
            pharmacist,
            &GoodsReceipt {
                drug,
                batch_number: "LOT-1".into(),
                supplier: "Acme".into(),
                expiry: NaiveDate::from_ymd_opt(2027, 1, 31),
                quantity: 10,
                unit_cost: Money::from_minor(150, Currency::INR),
                sale_price: Money::from_minor(300, Currency::INR),
                location: main_store(),
                order: None,
            },
        )?
        .id;
    Ok(Shop {
        h,
        admin,
        pharmacist,
        doctor,
        patient,
        drug,
        batch,
    })
}

fn sell_one<S: Store>(s: &Shop<S>) -> Result<crate::pharmacy::Dispense> {
    s.h.sell_over_the_counter(
        s.pharmacist,
        &crate::hospital::CounterSale {
            patient: None,
            location: main_store(),
            lines: vec![crate::hospital::CounterSaleLine {
                drug: s.drug,
                quantity: 1,
                batch: None,
            }],
        },
    )
}

fn ledger_sum<S: Store>(s: &Shop<S>) -> Result<i64> {
    Ok(s.h
        .store()
        .read(|r| r.movements_of_batch(s.batch))?
        .iter()
        .map(|e| e.movement.quantity)
        .sum())
}

fn on_hand<S: Store>(s: &Shop<S>) -> Result<u32> {
    Ok(s.h
        .store()
        .read(|r| r.stock_balances(Some(s.drug)))?
        .iter()
        .filter(|b| b.batch == s.batch && b.location == main_store())
        .map(|b| b.on_hand)
        .sum())
}

pub fn pharmacy_records_read_back<S: Store>(store: S) -> Result<()> {
    use crate::pharmacy::{AlertKey, AlertKind, NewPrescription, PrescriptionLine, ReservationStatus};
    let s = shop(store)?;
    let drug = s.h.store().read(|r| r.drug(s.drug))?.unwrap();
    assert_eq!(drug.details.atc_code, "N02BE01");
    assert_eq!(s.h.store().read(|r| r.drugs())?.len(), 1);
    let batch = s.h.store().read(|r| r.batch(s.batch))?.unwrap();
    assert_eq!(
        s.h.store().read(|r| r.batches(Some(s.drug)))?,
        vec![batch.clone()],
        "a batch reads back exactly as received"
    );
    let rx = s.h.write_prescription(
        s.doctor,
        &NewPrescription {
            patient: s.patient,
            lines: vec![PrescriptionLine {
                drug: s.drug,
                dose: "1 tablet".into(),
                frequency: "twice a day".into(),
                duration_days: 2,
                quantity: 4,
                refills: 1,
            }],
            note: Some("after food".into()),
        },
    )?;
    assert_eq!(s.h.store().read(|r| r.prescription(rx.id))?, Some(rx.clone()));
    let request = |q| crate::hospital::DispenseRequest {
        prescription: rx.id,
        location: main_store(),
        lines: vec![crate::hospital::DispenseLineRequest {
            line: 0,
            quantity: q,
            batch: None,
        }],
        reservation: None,
    };
    let d1 = s.h.dispense_prescription(s.pharmacist, &request(3))?;
    let d2 = s.h.dispense_prescription(s.pharmacist, &request(1))?;
    assert_eq!(s.h.store().read(|r| r.dispense(d1.id))?, Some(d1.clone()));
    let listed = s.h.store().read(|r| r.dispenses_of_prescription(rx.id))?;
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].dispensed_at, w[0].id) < (w[1].dispensed_at, w[1].id)),
        "dispenses of a prescription, oldest first, then by id"
    );
    let mut ids: Vec<_> = listed.iter().map(|d| d.id).collect();
    ids.sort();
    let mut expected = vec![d1.id, d2.id];
    expected.sort();
    assert_eq!(ids, expected);
    let r = s.h.reserve_stock(
        s.pharmacist,
        &crate::hospital::ReservationRequest {
            patient: s.patient,
            drug: s.drug,
            location: main_store(),
            quantity: 2,
            prescription: None,
            minutes: None,
        },
    )?;
    assert_eq!(s.h.store().read(|r2| r2.reservation(r.id))?, Some(r.clone()));
    assert_eq!(s.h.store().read(|r2| r2.active_reservations(s.drug))?.len(), 1);
    let released = s.h.release_reservation(s.pharmacist, r.id)?;
    assert_eq!(released.status, ReservationStatus::Released);
    assert!(
        s.h.store().read(|r2| r2.active_reservations(s.drug))?.is_empty(),
        "only active reservations are listed"
    );
    let order = s.h.order_stock(
        s.pharmacist,
        &crate::hospital::StockOrderRequest {
            drug: s.drug,
            location: main_store(),
            quantity: 50,
        },
    )?;
    assert_eq!(s.h.store().read(|r2| r2.open_stock_orders(None))?, vec![order]);
    let key = AlertKey {
        drug: s.drug,
        location: main_store(),
        kind: AlertKind::Expired,
    };
    s.h.store().write(|tx| {
        tx.set_alert_raised(&key, true)?;
        tx.set_alert_raised(&key, true)
    })?;
    assert_eq!(s.h.store().read(|r2| r2.raised_alerts())?, vec![key.clone()]);
    s.h.store().write(|tx| tx.set_alert_raised(&key, false))?;
    assert!(s.h.store().read(|r2| r2.raised_alerts())?.is_empty());
    let _ = s.admin;
    Ok(())
}

pub fn the_store_refuses_a_movement_that_would_go_below_zero<S: Store>(store: S) -> Result<()> {
    use crate::ids::{BatchId, DispenseId, MovementId};
    use crate::pharmacy::{Movement, MovementKind};
    let s = shop(store)?;
    let movement = |n: u128, quantity: i64| Movement {
        id: MovementId::from_uuid(uuid::Uuid::from_u128(n)),
        drug: s.drug,
        batch: s.batch,
        location: main_store(),
        quantity,
        kind: MovementKind::Dispense {
            dispense: DispenseId::from_uuid(uuid::Uuid::from_u128(9)),
        },
        at: Utc::now(),
        actor: None,
    };
    // The rule is bypassed: the backend itself refuses 11 out of 10, naming the 10.
    let err =
        s.h.store()
            .write(|tx| tx.append_movement(&movement(1, -11)))
            .unwrap_err();
    match &err {
        Error::Pharmacy(crate::pharmacy::PharmacyError::InsufficientStock {
            available, requested, ..
        }) => assert_eq!((*available, *requested), (10, 11)),
        other => panic!("expected insufficient stock, got {other:?}"),
    }
    assert_eq!(on_hand(&s)?, 10, "nothing was written");
    // 10 out of 10 is fine, and a balance of 0 stays 0.
    s.h.store().write(|tx| tx.append_movement(&movement(2, -10)))?;
    assert_eq!(
        s.h.store()
            .write(|tx| tx.append_movement(&movement(3, -1)))
            .unwrap_err()
            .code(),
        "insufficient_stock"
    );
    // A movement against the direction of its kind, of an unknown batch, with the wrong drug, or
    // with an id already used.
    assert_eq!(
        s.h.store()
            .write(|tx| tx.append_movement(&movement(4, 5)))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let mut unknown = movement(5, -1);
    unknown.batch = BatchId::from_uuid(uuid::Uuid::from_u128(404));
    assert_eq!(
        s.h.store()
            .write(|tx| tx.append_movement(&unknown))
            .unwrap_err()
            .code(),
        "not_found"
    );
    let mut wrong_drug = movement(6, 1);
    wrong_drug.kind = MovementKind::Receipt;
    wrong_drug.drug = crate::ids::DrugId::from_uuid(uuid::Uuid::from_u128(404));
    assert_eq!(
        s.h.store()
            .write(|tx| tx.append_movement(&wrong_drug))
            .unwrap_err()
            .code(),
        "storage"
    );
    let mut again = movement(2, 1);
    again.kind = MovementKind::Receipt;
    assert_eq!(
        s.h.store()
            .write(|tx| tx.append_movement(&again))
            .unwrap_err()
            .code(),
        "storage"
    );
    assert_eq!(ledger_sum(&s)?, 0);
    // The backend also keeps batch numbers unique per drug.
    let mut dup = s.h.store().read(|r| r.batch(s.batch))?.unwrap();
    dup.id = BatchId::from_uuid(uuid::Uuid::from_u128(77));
    assert_eq!(
        s.h.store().write(|tx| tx.insert_batch(&dup)).unwrap_err().code(),
        "duplicate"
    );
    Ok(())
}

pub fn balances_are_the_sums_of_the_ledger<S: Store>(store: S) -> Result<()> {
    use crate::pharmacy::WriteOffReason;
    let s = shop(store)?;
    let ward = crate::pharmacy::Location::parse("ward-3").unwrap();
    sell_one(&s)?;
    s.h.transfer_stock(
        s.pharmacist,
        &crate::hospital::TransferRequest {
            batch: s.batch,
            from: main_store(),
            to: ward.clone(),
            quantity: 4,
        },
    )?;
    s.h.adjust_stock(s.pharmacist, s.batch, &ward, -1, "count")?;
    s.h.write_off_stock(
        s.pharmacist,
        s.batch,
        &main_store(),
        Some(2),
        WriteOffReason::Damaged,
    )?;
    let d = sell_one(&s)?;
    s.h.return_dispensed(
        s.pharmacist,
        &crate::hospital::ReturnRequest {
            dispense: d.id,
            lines: vec![crate::hospital::ReturnLine { line: 0, quantity: 1 }],
            reason: "unopened".into(),
        },
    )?;
    // A refused sale leaves no movement behind.
    let before = s.h.store().read(|r| r.movements_of_batch(s.batch))?.len();
    let big = s.h.sell_over_the_counter(
        s.pharmacist,
        &crate::hospital::CounterSale {
            patient: None,
            location: main_store(),
            lines: vec![crate::hospital::CounterSaleLine {
                drug: s.drug,
                quantity: 100,
                batch: None,
            }],
        },
    );
    assert_eq!(big.unwrap_err().code(), "insufficient_stock");
    let entries = s.h.store().read(|r| r.movements_of_batch(s.batch))?;
    assert_eq!(entries.len(), before);
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq), "ledger order");
    let balances = s.h.store().read(|r| r.stock_balances(None))?;
    let places: Vec<_> = balances
        .iter()
        .map(|b| (b.location.to_string(), b.on_hand))
        .collect();
    // main: 10 - 1 - 4 - 2 - 1 + 1 = 3; ward: 4 - 1 = 3.
    assert_eq!(places, [("main".to_owned(), 3), ("ward-3".to_owned(), 3)]);
    for b in &balances {
        let sum: i64 = entries
            .iter()
            .filter(|e| e.movement.location == b.location)
            .map(|e| e.movement.quantity)
            .sum();
        assert_eq!(
            sum,
            i64::from(b.on_hand),
            "on hand is the ledger sum at {}",
            b.location
        );
    }
    Ok(())
}

pub fn eight_pharmacists_race_for_the_last_ten_units<S: Store>(store: S) -> Result<()> {
    let s = shop(store)?;
    // 8 threads, 3 one-unit sales each: 24 attempts at 10 units.
    let results: Vec<Result<crate::pharmacy::Dispense>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let s = &s;
                scope.spawn(move || (0..3).map(|_| sell_one(s)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|t| t.join().expect("no thread panics"))
            .collect()
    });
    assert_eq!(results.len(), 24);
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        10,
        "exactly the 10 units on hand are sold"
    );
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "insufficient_stock"));
    assert_eq!(ledger_sum(&s)?, 0, "the ledger sums to zero");
    assert_eq!(on_hand(&s)?, 0);
    let dispensed =
        s.h.events_after(0, 10_000)?
            .iter()
            .filter(|e| e.event.name() == "stock.dispensed")
            .count();
    assert_eq!(dispensed, 10, "one event per sale that went through");
    Ok(())
}

pub fn eight_writers_race_for_the_last_ten_units_in_the_store_itself<S: Store>(store: S) -> Result<()> {
    use crate::ids::{DispenseId, MovementId};
    use crate::pharmacy::{Movement, MovementKind};
    let s = shop(store)?;
    // No rule runs here: each writer appends a one-unit dispense movement blindly, and only the
    // backend's own guard stands between the ledger and a negative balance.
    let results: Vec<Result<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u128)
            .map(|t| {
                let s = &s;
                scope.spawn(move || {
                    (0..3u128)
                        .map(|i| {
                            let m = Movement {
                                id: MovementId::from_uuid(uuid::Uuid::from_u128(1000 + t * 10 + i)),
                                drug: s.drug,
                                batch: s.batch,
                                location: main_store(),
                                quantity: -1,
                                kind: MovementKind::Dispense {
                                    dispense: DispenseId::from_uuid(uuid::Uuid::from_u128(t * 10 + i)),
                                },
                                at: Utc::now(),
                                actor: None,
                            };
                            s.h.store().write(|tx| tx.append_movement(&m))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|t| t.join().expect("no thread panics"))
            .collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "insufficient_stock"));
    assert_eq!(ledger_sum(&s)?, 0);
    Ok(())
}
