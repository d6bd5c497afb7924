//! Registration use cases through the facade, end to end on the in-memory store.
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::ids::SeededIds;
use hms_core::people::{
    AdministrativeSex, ContactRelationship, EmergencyContact, InsurancePolicy, PatientDetails, PersonName,
};
use hms_core::store::{MemoryStore, Store};
use hms_core::time::ManualClock;
use hms_core::{Error, Hospital, HospitalSettings};

fn hospital() -> Hospital<MemoryStore> {
    // 23:30 UTC on 21 Nov is already 22 Nov in Kolkata: "today" is the hospital's date, not UTC's.
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 23, 30, 0).unwrap();
    Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings {
            zone: chrono_tz::Asia::Kolkata,
            ..HospitalSettings::default()
        },
        Arc::new(ManualClock::new(now)),
        Arc::new(SeededIds::new(1)),
    )
}

fn full_details() -> PatientDetails {
    PatientDetails {
        phone: Some("+91 98450 12345".into()),
        email: Some("asha.rao@example.org".into()),
        national_id: Some("1234 5678 9012".into()),
        insurance: vec![InsurancePolicy {
            payer: "Star Health".into(),
            member_id: "SH-778812".into(),
            plan: Some("Family Floater".into()),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_until: Some(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
        }],
        emergency_contacts: vec![EmergencyContact {
            name: "Ravi Rao".into(),
            relationship: ContactRelationship::Spouse,
            phone: "+91 98450 54321".into(),
            email: None,
        }],
        ..PatientDetails::new(
            PersonName::new("Asha", "Rao"),
            NaiveDate::from_ymd_opt(1988, 4, 12).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

#[test]
fn born_today_in_the_hospitals_zone_is_not_the_future() {
    let h = hospital();
    let admin = h.bootstrap_admin("admin").unwrap();
    assert_eq!(h.today(), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    let mut baby = full_details();
    baby.national_id = None;
    baby.birth_date = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    h.register_patient(admin.id, baby.clone()).unwrap();
    baby.birth_date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    baby.phone = Some("+91 98450 00001".into());
    let err = h.register_patient(admin.id, baby).unwrap_err();
    let Error::Validation(v) = err else {
        panic!("expected a validation error")
    };
    assert_eq!(v.problems()[0].code.code(), "future_date");
}

#[test]
fn a_full_registration_keeps_insurance_and_contacts() {
    let h = hospital();
    let admin = h.bootstrap_admin("admin").unwrap();
    let p = h.register_patient(admin.id, full_details()).unwrap();
    assert_eq!(p.details.insurance.len(), 1);
    assert_eq!(p.details.emergency_contacts[0].phone, "+919845054321");
    assert_eq!(
        p.details.primary_policy(h.today()).map(|i| i.member_id.as_str()),
        Some("SH-778812")
    );
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["mrn"], p.mrn.as_str());
    assert_eq!(
        serde_json::from_value::<hms_core::people::Patient>(json).unwrap(),
        p
    );
}

#[test]
fn batch_registration_is_all_or_nothing() {
    let h = hospital();
    let admin = h.bootstrap_admin("admin").unwrap();
    let mut a = full_details();
    a.national_id = Some("AAAA0001".into());
    let mut b = full_details();
    b.national_id = Some("AAAA0001".into()); // same person twice in one batch
    b.phone = Some("+91 98450 99999".into());
    let err = h.register_patients(admin.id, &[a.clone(), b]).unwrap_err();
    assert_eq!(err.code(), "duplicate");
    assert_eq!(h.store().read(|r| r.count_patients()).unwrap(), 0);
    let mut c = full_details();
    c.national_id = Some("AAAA0002".into());
    c.phone = Some("+91 98450 77777".into());
    let done = h.register_patients(admin.id, &[a, c]).unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(h.store().read(|r| r.count_patients()).unwrap(), 2);
}

#[test]
fn a_receptionist_registers_but_cannot_hire() {
    use hms_core::access::Role;
    use hms_core::people::{NewAccount, PersonRef, StaffDetails, StaffRole};
    let h = hospital();
    let admin = h.bootstrap_admin("admin").unwrap();
    let desk = h
        .hire_staff(
            admin.id,
            StaffDetails {
                name: PersonName::new("Divya", "Nair"),
                role: StaffRole::Receptionist,
                department: Some("front desk".into()),
                phone: None,
                email: None,
                license_number: None,
                doctor: None,
            },
        )
        .unwrap();
    let acct = h
        .open_account(
            admin.id,
            NewAccount {
                login: "divya".into(),
                person: Some(PersonRef::Staff(desk.id)),
                roles: [Role::Receptionist].into(),
            },
        )
        .unwrap();
    h.register_patient(acct.id, full_details()).unwrap();
    let err = h
        .hire_staff(
            acct.id,
            StaffDetails {
                name: PersonName::new("Eve", "Intruder"),
                role: StaffRole::Admin,
                department: None,
                phone: None,
                email: None,
                license_number: None,
                doctor: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(h.list_staff(admin.id, None).unwrap().len(), 1);
}
