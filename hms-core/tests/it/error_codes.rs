//! Every error code in `all_error_codes()` is produced by at least one real scenario here, and every
//! scenario's code is in the list (the pydantic-core `test_all_errors_covered` idea).
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use hms_core::ids::{PatientId, SeededIds};
use hms_core::money::{Currency, Money};
use hms_core::people::{AdministrativeSex, PatientDetails, PersonName};
use hms_core::scheduling::availability::{
    check_bookable, AvailabilityTemplate, LocalAppointmentTime, WeeklyHours,
};
use hms_core::scheduling::VisitType;
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
        // 10^20 split 10^10 : 1 needs a product beyond what an amount can hold.
        Money::new(rust_decimal::Decimal::from(10_u128.pow(20)), Currency::USD)
            .allocate(&[
                rust_decimal::Decimal::from(10_u64.pow(10)),
                rust_decimal::Decimal::ONE,
            ])
            .unwrap_err()
            .into(),
        // A test clock pushed past the last representable date.
        ManualClock::new(now).advance(Duration::MAX).unwrap_err().into(),
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
    out.extend(availability_scenarios());
    out.extend(scheduling_scenarios());
    out.extend(super::billing::billing_scenarios());
    out.extend(pharmacy_scenarios());
    out
}

/// Not enough stock, an unusable batch, a prescription-only drug over the counter, a fill or a
/// prescription used up, a return of more than was handed out, a lapsed reservation.
fn pharmacy_scenarios() -> Vec<Error> {
    use super::pharmacy::{day, loc, pharmacy};
    use hms_core::hospital::{DispenseRequest, ReservationRequest, ReturnLine, ReturnRequest};
    let p = pharmacy();
    let short = p.receive(p.amoxicillin, "SHORT", Some(day(3, 3)), 10, 30);
    p.receive(p.amoxicillin, "LONG", Some(day(12, 31)), 10, 30);
    let rx = p.prescribe(5, 0, 7).id;
    let d = p.dispense(rx, 4, None).unwrap();
    let r =
        p.h.reserve_stock(
            p.pharmacist,
            &ReservationRequest {
                patient: p.patients[0],
                drug: p.amoxicillin,
                location: loc("main"),
                quantity: 1,
                prescription: None,
                minutes: Some(1),
            },
        )
        .unwrap();
    let mut out = vec![
        p.dispense(rx, 2, None).unwrap_err(), // exceeds_prescription: 1 left in the fill
        p.dispense(rx, 1, Some(short)).unwrap_err(), // batch_unusable: expires before the course ends
        p.sell(p.amoxicillin, 1).unwrap_err(), // prescription_required
        p.sell(p.paracetamol, 1).unwrap_err(), // insufficient_stock: none received
        p.h.return_dispensed(
            p.pharmacist,
            &ReturnRequest {
                dispense: d.id,
                lines: vec![ReturnLine { line: 0, quantity: 5 }],
                reason: "unused".into(),
            },
        )
        .unwrap_err(), // exceeds_dispensed
    ];
    p.dispense(rx, 1, None).unwrap();
    out.push(p.dispense(rx, 1, None).unwrap_err()); // refills_exhausted
    p.clock.advance(chrono::Duration::minutes(1)).unwrap();
    let rx2 = p.prescribe(1, 0, 1).id;
    out.push(
        p.h.dispense_prescription(
            p.pharmacist,
            &DispenseRequest {
                reservation: Some(r.id),
                ..DispenseRequest {
                    prescription: rx2,
                    location: loc("main"),
                    lines: vec![hms_core::hospital::DispenseLineRequest {
                        line: 0,
                        quantity: 1,
                        batch: None,
                    }],
                    reservation: None,
                }
            },
        )
        .unwrap_err(), // reservation_expired
    );
    out
}

/// Booking conflicts, a missing room, a reused request key.
fn scheduling_scenarios() -> Vec<Error> {
    use super::scheduling::{berlin, clinic_with};
    use hms_core::hospital::BookingRequest;
    use hms_core::scheduling::ConflictMode;
    let c = clinic_with(ConflictMode::Block, 1, 2);
    let (d, p) = (c.doctors[0], &c.patients);
    let mut keyed = BookingRequest::new(p[0], d, "follow_up", berlin(9, 0));
    keyed.client_key = Some("k".into());
    c.h.book_appointment(c.desk, &keyed).unwrap();
    keyed.start = berlin(10, 0);
    vec![
        c.h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", berlin(9, 0)))
            .unwrap_err(),
        c.h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "procedure", berlin(9, 30)))
            .unwrap_err(),
        c.h.book_appointment(c.desk, &keyed).unwrap_err(),
    ]
}

/// A Berlin clinic open Mondays 09:00–12:00 with a one-hour lead time and a 7-day horizon; now is
/// Monday 2 March 2026 08:00 local.
fn availability_scenarios() -> Vec<Error> {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let visit = VisitType::new("follow_up", "Follow-up", 15);
    let template = AvailabilityTemplate {
        doctor: "00000000-0000-0000-0000-000000000001".parse().unwrap(),
        location: None,
        zone: chrono_tz::Europe::Berlin,
        weekly_hours: vec![WeeklyHours::new(Weekday::Mon, t(9, 0), t(12, 0))],
        effective_from: d(1, 1),
        effective_until: None,
        slot_minutes: 15,
        visit_types: vec![visit.clone()],
        capacity: 1,
        lead_time_minutes: 60,
        horizon_days: 7,
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap();
    let at = |day, h, m| {
        let start = Utc.with_ymd_and_hms(2026, 3, day, h, m, 0).unwrap();
        Interval::new(start, start + Duration::minutes(15)).unwrap()
    };
    let check = |interval: Interval, visit: &VisitType| -> Error {
        check_bookable(&template, &[], &interval, visit, now)
            .unwrap_err()
            .into()
    };
    vec![
        check(at(2, 6, 0), &visit),  // 07:00 local: in the past
        check(at(2, 7, 30), &visit), // 08:30 local: inside the lead time
        check(at(16, 8, 0), &visit), // two weeks ahead: beyond the horizon
        check(at(2, 11, 0), &visit), // 12:00 local: after working hours
        check(at(2, 9, 0), &VisitType::new("massage", "Massage", 15)),
        LocalAppointmentTime::new(d(3, 29), t(2, 30), chrono_tz::Europe::Berlin)
            .start()
            .unwrap_err()
            .into(),
    ]
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
