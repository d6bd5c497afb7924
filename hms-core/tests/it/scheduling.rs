//! Scheduling through the facade, end to end on the in-memory store: worked examples of every booking
//! rule, the race for one slot, and a model-based property test.
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use hms_core::access::Role;
use hms_core::hospital::{BookingRequest, SeriesMode};
use hms_core::ids::{AccountId, PatientId, SeededIds, StaffId};
use hms_core::money::{Currency, Money};
use hms_core::people::{
    AdministrativeSex, DoctorProfile, NewAccount, PatientDetails, PersonName, PersonRef, StaffDetails,
    StaffRole,
};
use hms_core::scheduling::availability::{
    AvailabilityException, AvailabilityTemplate, DateRange, WeeklyHours,
};
use hms_core::scheduling::recurrence::{Repeat, SeriesEnd, SeriesRule};
use hms_core::scheduling::{AppointmentStatus, ConflictMode, Party, SchedulingError, VisitType};
use hms_core::store::MemoryStore;
use hms_core::time::{Interval, ManualClock};
use hms_core::{Error, Hospital, HospitalSettings};

pub struct Clinic {
    pub h: Hospital<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub admin: AccountId,
    pub desk: AccountId,
    pub doctors: Vec<StaffId>,
    pub patients: Vec<PatientId>,
}

/// Monday 2 March 2026, 07:00 in Berlin.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap()
}

pub fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub fn visits() -> Vec<VisitType> {
    let mut procedure = VisitType::new("procedure", "Procedure", 60);
    procedure.required_resource_kinds = vec!["procedure_room".into()];
    procedure.buffer_minutes = 15;
    vec![
        VisitType::new("new_patient", "New patient", 30),
        VisitType::new("follow_up", "Follow-up", 15),
        procedure,
    ]
}

pub fn template(doctor: StaffId, zone: chrono_tz::Tz, capacity: u32) -> AvailabilityTemplate {
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let mut weekly_hours = Vec::new();
    for d in weekdays {
        weekly_hours.push(WeeklyHours::new(d, t(9, 0), t(12, 0)));
        weekly_hours.push(WeeklyHours::new(d, t(13, 0), t(17, 0)));
    }
    AvailabilityTemplate {
        doctor,
        location: Some("outpatients".into()),
        zone,
        weekly_hours,
        effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        effective_until: None,
        slot_minutes: 15,
        visit_types: visits(),
        capacity,
        lead_time_minutes: 30,
        horizon_days: 90,
    }
}

pub fn clinic_with(mode: ConflictMode, doctors: usize, patients: usize) -> Clinic {
    let clock = Arc::new(ManualClock::new(monday_morning()));
    let h = Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings {
            zone: chrono_tz::Europe::Berlin,
            currency: Currency::EUR,
            conflict_mode: mode,
            ..HospitalSettings::default()
        },
        clock.clone(),
        Arc::new(SeededIds::new(11)),
    );
    let admin = h.bootstrap_admin("admin").unwrap().id;
    let desk_staff = h
        .hire_staff(
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
        )
        .unwrap();
    let desk = h
        .open_account(
            admin,
            NewAccount {
                login: "desk".into(),
                person: Some(PersonRef::Staff(desk_staff.id)),
                roles: [Role::Receptionist].into(),
            },
        )
        .unwrap()
        .id;
    let mut ds = Vec::new();
    for i in 0..doctors {
        let d = h
            .hire_staff(
                admin,
                StaffDetails {
                    name: PersonName::new("Doc", format!("Tor{i}")),
                    role: StaffRole::Doctor,
                    department: Some("general medicine".into()),
                    phone: None,
                    email: None,
                    license_number: Some(format!("LIC-{i}")),
                    doctor: Some(DoctorProfile {
                        specialization: "general medicine".into(),
                        consultation_fee: Money::from_minor(6000, Currency::EUR),
                    }),
                },
            )
            .unwrap();
        h.set_availability(admin, d.id, vec![template(d.id, chrono_tz::Europe::Berlin, 1)])
            .unwrap();
        ds.push(d.id);
    }
    let mut ps = Vec::new();
    for i in 0..patients {
        let mut p = PatientDetails::new(
            PersonName::new("Pat", format!("Ient{i}")),
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
            AdministrativeSex::Unknown,
        );
        p.phone = Some(format!("+49 30 1234 {i:04}"));
        ps.push(h.register_patient(desk, p).unwrap().id);
    }
    Clinic {
        h,
        clock,
        admin,
        desk,
        doctors: ds,
        patients: ps,
    }
}

/// 2 March 2026 at `hh:mm` Berlin time (UTC+1).
pub fn berlin(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h - 1, m, 0).unwrap()
}

fn code(e: Error) -> &'static str {
    e.code()
}

fn conflicts(e: &Error) -> Vec<Party> {
    match e {
        Error::Scheduling(SchedulingError::SlotConflict { conflicts }) => {
            conflicts.iter().map(|c| c.party).collect()
        }
        other => panic!("expected a slot conflict, got {other:?}"),
    }
}

#[test]
fn a_doctor_cannot_be_double_booked_but_back_to_back_is_fine() {
    let c = clinic_with(ConflictMode::Block, 1, 3);
    let (d, p) = (c.doctors[0], &c.patients);
    let first =
        c.h.book_appointment(c.desk, &BookingRequest::new(p[0], d, "new_patient", berlin(9, 0)))
            .unwrap();
    assert_eq!(first.status, AppointmentStatus::Booked);
    let err =
        c.h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", berlin(9, 15)))
            .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Doctor(d)]);
    // 09:30 starts exactly when the first visit ends: half-open intervals do not collide.
    c.h.book_appointment(c.desk, &BookingRequest::new(p[1], d, "follow_up", berlin(9, 30)))
        .unwrap();
}

#[test]
fn a_patient_cannot_be_in_two_places_at_once() {
    let c = clinic_with(ConflictMode::Block, 2, 1);
    let p = c.patients[0];
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(p, c.doctors[0], "new_patient", berlin(10, 0)),
    )
    .unwrap();
    let err =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(p, c.doctors[1], "follow_up", berlin(10, 15)),
        )
        .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Patient(p)]);
}

#[test]
fn a_procedure_needs_a_free_room() {
    let c = clinic_with(ConflictMode::Block, 2, 2);
    assert_eq!(
        code(
            c.h.book_appointment(
                c.desk,
                &BookingRequest::new(c.patients[0], c.doctors[0], "procedure", berlin(9, 0))
            )
            .unwrap_err()
        ),
        "no_resource",
        "no procedure room exists yet"
    );
    let room =
        c.h.add_resource(
            c.admin,
            "procedure_room",
            "Procedure room 1",
            Some("ground floor"),
        )
        .unwrap();
    let a =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[0], c.doctors[0], "procedure", berlin(9, 0)),
        )
        .unwrap();
    assert_eq!(a.resources, [room.id]);
    assert_eq!(
        a.held.duration(),
        Duration::minutes(75),
        "60 minutes plus a 15-minute buffer"
    );
    // Another doctor, another patient, the same room time: the room is the conflict.
    let err =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[1], c.doctors[1], "procedure", berlin(9, 30)),
        )
        .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Resource(room.id)]);
    // During the room's buffer after the first procedure the room is still held.
    let err =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[1], c.doctors[1], "procedure", berlin(10, 0)),
        )
        .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Resource(room.id)]);
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[1], c.doctors[1], "procedure", berlin(10, 15)),
    )
    .unwrap();
}

#[test]
fn rescheduling_onto_a_taken_slot_changes_nothing() {
    let c = clinic_with(ConflictMode::Block, 1, 2);
    let d = c.doctors[0];
    let a =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[0], d, "follow_up", berlin(9, 0)),
        )
        .unwrap();
    let b =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[1], d, "follow_up", berlin(9, 30)),
        )
        .unwrap();
    let events_before = c.h.events_after(0, usize::MAX).unwrap().len();
    let err =
        c.h.reschedule_appointment(c.desk, a.id, berlin(9, 30), None)
            .unwrap_err();
    assert_eq!(code(err), "slot_conflict");
    assert_eq!(
        c.h.appointment(c.desk, a.id).unwrap(),
        a,
        "the appointment kept its time"
    );
    assert_eq!(c.h.appointment(c.desk, b.id).unwrap(), b);
    assert_eq!(c.h.events_after(0, usize::MAX).unwrap().len(), events_before);
    // Moving to a free time frees the old one at once.
    let moved =
        c.h.reschedule_appointment(c.desk, a.id, berlin(11, 0), None)
            .unwrap();
    assert_eq!(moved.interval.start(), berlin(11, 0));
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[1], d, "follow_up", berlin(9, 0)),
    )
    .unwrap();
}

#[test]
fn cancel_then_rebook_the_same_slot() {
    let c = clinic_with(ConflictMode::Block, 1, 2);
    let d = c.doctors[0];
    let a =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[0], d, "new_patient", berlin(14, 0)),
        )
        .unwrap();
    assert_eq!(
        code(c.h.cancel_appointment(c.desk, a.id, " ").unwrap_err()),
        "invalid_input",
        "a reason is required"
    );
    let cancelled = c.h.cancel_appointment(c.desk, a.id, "patient unwell").unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[1], d, "new_patient", berlin(14, 0)),
    )
    .unwrap();
    assert_eq!(
        code(c.h.cancel_appointment(c.desk, a.id, "again").unwrap_err()),
        "invalid_transition"
    );
}

#[test]
fn a_group_slot_of_capacity_two_takes_two_patients() {
    let c = clinic_with(ConflictMode::Block, 1, 3);
    let d = c.doctors[0];
    c.h.set_availability(c.admin, d, vec![template(d, chrono_tz::Europe::Berlin, 2)])
        .unwrap();
    let r = |i: usize| BookingRequest::new(c.patients[i], d, "follow_up", berlin(15, 0));
    assert!(c.h.book_appointment(c.desk, &r(0)).unwrap().shared);
    c.h.book_appointment(c.desk, &r(1)).unwrap();
    let err = c.h.book_appointment(c.desk, &r(2)).unwrap_err();
    assert_eq!(
        conflicts(&err),
        [Party::Doctor(d), Party::Doctor(d)],
        "the slot is full"
    );
}

#[test]
fn warn_mode_books_over_a_conflict_only_with_an_override_reason() {
    let c = clinic_with(ConflictMode::Warn, 1, 2);
    let d = c.doctors[0];
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[0], d, "follow_up", berlin(9, 0)),
    )
    .unwrap();
    let mut r = BookingRequest::new(c.patients[1], d, "follow_up", berlin(9, 0));
    assert_eq!(
        code(c.h.book_appointment(c.desk, &r).unwrap_err()),
        "slot_conflict"
    );
    r.override_reason = Some("urgent: chest pain, squeezed in".into());
    let a = c.h.book_appointment(c.desk, &r).unwrap();
    let o = a.conflict_override.expect("the override is recorded");
    assert_eq!((o.by, o.conflicts.len()), (c.desk, 1));
    assert!(a.shared);
}

#[test]
fn working_hours_lead_time_and_horizon() {
    let c = clinic_with(ConflictMode::Block, 1, 1);
    let (d, p) = (c.doctors[0], c.patients[0]);
    let book = |start| {
        c.h.book_appointment(c.desk, &BookingRequest::new(p, d, "follow_up", start))
    };
    assert_eq!(
        code(book(berlin(12, 15)).unwrap_err()),
        "outside_availability",
        "lunch break"
    );
    assert_eq!(
        code(book(berlin(11, 50)).unwrap_err()),
        "outside_availability",
        "runs into the break"
    );
    c.clock.set(berlin(8, 50));
    assert_eq!(
        code(book(berlin(9, 0)).unwrap_err()),
        "lead_time",
        "30 minutes lead time"
    );
    assert_eq!(code(book(berlin(8, 0)).unwrap_err()), "in_past");
    assert_eq!(
        code(book(berlin(9, 0) + Duration::days(91)).unwrap_err()),
        "beyond_horizon"
    );
    assert_eq!(
        code(
            c.h.book_appointment(c.desk, &BookingRequest::new(p, d, "surgery", berlin(10, 0)))
                .unwrap_err()
        ),
        "visit_type_not_offered"
    );
    c.h.add_availability_exception(
        c.admin,
        d,
        AvailabilityException::Leave {
            from: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            until: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        },
    )
    .unwrap();
    assert_eq!(
        code(book(berlin(10, 0) + Duration::days(1)).unwrap_err()),
        "outside_availability",
        "on leave"
    );
    book(berlin(10, 0)).unwrap();
}

#[test]
fn the_same_client_key_returns_the_first_booking() {
    let c = clinic_with(ConflictMode::Block, 1, 1);
    let mut r = BookingRequest::new(c.patients[0], c.doctors[0], "follow_up", berlin(10, 0));
    r.client_key = Some("web-7f3a".into());
    let first = c.h.book_appointment(c.desk, &r).unwrap();
    let again = c.h.book_appointment(c.desk, &r).unwrap();
    assert_eq!(first, again);
    let events = c.h.events_after(0, usize::MAX).unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event.name() == "appointment.booked")
            .count(),
        1
    );
    r.start = berlin(11, 0);
    assert_eq!(
        code(c.h.book_appointment(c.desk, &r).unwrap_err()),
        "idempotency_mismatch"
    );
}

#[test]
fn a_cancellation_offers_the_time_to_the_first_waiting_patient() {
    let c = clinic_with(ConflictMode::Block, 1, 3);
    let d = c.doctors[0];
    let a =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[0], d, "follow_up", berlin(9, 0)),
        )
        .unwrap();
    let week = Interval::new(berlin(7, 0), berlin(7, 0) + Duration::days(7)).unwrap();
    let first =
        c.h.join_waitlist(c.desk, c.patients[1], d, "follow_up", week)
            .unwrap();
    c.clock.advance(Duration::minutes(1)).unwrap();
    c.h.join_waitlist(c.desk, c.patients[2], d, "follow_up", week)
        .unwrap();
    c.h.cancel_appointment(c.desk, a.id, "clash with work").unwrap();
    let offers: Vec<_> =
        c.h.events_after(0, usize::MAX)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event {
                hms_core::events::DomainEvent::WaitlistSlotOffered { entry, patient, .. } => {
                    Some((entry, patient))
                }
                _ => None,
            })
            .collect();
    assert_eq!(
        offers,
        [(first.id, c.patients[1])],
        "offered to the first in line, not booked"
    );
    assert!(c
        .h
        .doctor_day(c.desk, d, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap())
        .unwrap()
        .appointments
        .iter()
        .all(|a| a.status == AppointmentStatus::Cancelled));
    // The patient accepts by booking the offered time.
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[1], d, "follow_up", berlin(9, 0)),
    )
    .unwrap();
}

#[test]
fn the_no_show_sweep_marks_only_past_booked_visits() {
    let c = clinic_with(ConflictMode::Block, 1, 3);
    let d = c.doctors[0];
    let gone =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[0], d, "follow_up", berlin(9, 0)),
        )
        .unwrap();
    let seen =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[1], d, "follow_up", berlin(9, 15)),
        )
        .unwrap();
    let later =
        c.h.book_appointment(
            c.desk,
            &BookingRequest::new(c.patients[2], d, "follow_up", berlin(16, 0)),
        )
        .unwrap();
    c.clock.set(berlin(9, 16));
    c.h.change_status(c.desk, seen.id, AppointmentStatus::Arrived, None)
        .unwrap();
    c.clock.set(berlin(10, 0));
    assert!(
        c.h.sweep_no_shows(Duration::minutes(60)).unwrap().is_empty(),
        "inside the grace period"
    );
    c.clock.set(berlin(11, 0));
    assert_eq!(c.h.sweep_no_shows(Duration::minutes(60)).unwrap(), [gone.id]);
    assert_eq!(
        c.h.appointment(c.desk, later.id).unwrap().status,
        AppointmentStatus::Booked
    );
    assert_eq!(
        c.h.appointment(c.desk, seen.id).unwrap().status,
        AppointmentStatus::Arrived
    );
    assert_eq!(
        code(
            c.h.change_status(c.desk, gone.id, AppointmentStatus::Arrived, None)
                .unwrap_err()
        ),
        "invalid_transition"
    );
}

#[test]
fn a_series_books_all_or_none_as_asked() {
    let c = clinic_with(ConflictMode::Block, 1, 2);
    let d = c.doctors[0];
    // Dialysis-style: Monday, Wednesday, Friday at 10:00 for two weeks.
    let rule = SeriesRule {
        start_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        time: t(10, 0),
        zone: chrono_tz::Europe::Berlin,
        minutes: 30,
        repeat: Repeat::Weekly {
            weekdays: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
            every_weeks: 1,
        },
        end: SeriesEnd::Count(6),
        excluded_dates: vec![],
    };
    // Someone else already has Wednesday 4 March at 10:00.
    c.h.book_appointment(
        c.desk,
        &BookingRequest::new(c.patients[1], d, "new_patient", berlin(10, 0) + Duration::days(2)),
    )
    .unwrap();
    let err =
        c.h.book_series(
            c.desk,
            c.patients[0],
            d,
            "new_patient",
            &rule,
            SeriesMode::AllOrNone,
        )
        .unwrap_err();
    assert_eq!(code(err), "slot_conflict");
    let day = |n| NaiveDate::from_ymd_opt(2026, 3, n).unwrap();
    let range = Interval::new(berlin(1, 0), berlin(1, 0) + Duration::days(30)).unwrap();
    assert!(
        c.h.patient_appointments(c.desk, c.patients[0], range)
            .unwrap()
            .is_empty(),
        "all or none: none"
    );
    let outcome =
        c.h.book_series(
            c.desk,
            c.patients[0],
            d,
            "new_patient",
            &rule,
            SeriesMode::Available,
        )
        .unwrap();
    assert_eq!(outcome.booked.len(), 5);
    assert_eq!(
        outcome
            .refused
            .iter()
            .map(|(d, e)| (*d, e.code()))
            .collect::<Vec<_>>(),
        [(day(4), "slot_conflict")]
    );
}

#[test]
fn free_slots_skip_bookings_breaks_and_the_patients_other_visits() {
    let c = clinic_with(ConflictMode::Block, 2, 1);
    let (d0, d1, p) = (c.doctors[0], c.doctors[1], c.patients[0]);
    c.h.book_appointment(c.desk, &BookingRequest::new(p, d1, "follow_up", berlin(9, 30)))
        .unwrap();
    let monday = DateRange::single(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    let all = c.h.free_slots(c.desk, d0, "follow_up", monday, None).unwrap();
    assert_eq!(all.len(), 28, "12 in the morning, 16 in the afternoon");
    let for_patient = c.h.free_slots(c.desk, d0, "follow_up", monday, Some(p)).unwrap();
    assert_eq!(
        for_patient.len(),
        27,
        "not while the patient sees the other doctor"
    );
    assert!(for_patient.iter().all(|s| s.interval.start() != berlin(9, 30)));
    let many =
        c.h.search_slots(c.desk, Some("General Medicine"), "follow_up", monday)
            .unwrap();
    assert_eq!(many.len(), 28 + 27);
    assert!(many
        .windows(2)
        .all(|w| w[0].slot.interval.start() <= w[1].slot.interval.start()));
}

#[test]
fn patients_book_only_for_themselves_and_doctors_manage_only_their_schedule() {
    let c = clinic_with(ConflictMode::Block, 2, 2);
    let portal =
        c.h.open_account(
            c.admin,
            NewAccount {
                login: "pat0".into(),
                person: Some(PersonRef::Patient(c.patients[0])),
                roles: [Role::Patient].into(),
            },
        )
        .unwrap()
        .id;
    c.h.book_appointment(
        portal,
        &BookingRequest::new(c.patients[0], c.doctors[0], "follow_up", berlin(9, 0)),
    )
    .unwrap();
    let err =
        c.h.book_appointment(
            portal,
            &BookingRequest::new(c.patients[1], c.doctors[0], "follow_up", berlin(10, 0)),
        )
        .unwrap_err();
    assert_eq!(code(err), "forbidden");
    let doc =
        c.h.open_account(
            c.admin,
            NewAccount {
                login: "doc0".into(),
                person: Some(PersonRef::Staff(c.doctors[0])),
                roles: [Role::Doctor].into(),
            },
        )
        .unwrap()
        .id;
    c.h.set_availability(
        doc,
        c.doctors[0],
        vec![template(c.doctors[0], chrono_tz::Europe::Berlin, 1)],
    )
    .unwrap();
    let err =
        c.h.set_availability(
            doc,
            c.doctors[1],
            vec![template(c.doctors[1], chrono_tz::Europe::Berlin, 1)],
        )
        .unwrap_err();
    assert_eq!(code(err), "forbidden");
}

#[test]
fn sixteen_threads_racing_for_one_slot_book_it_once() {
    let c = clinic_with(ConflictMode::Block, 1, 16);
    let d = c.doctors[0];
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = c
            .patients
            .iter()
            .map(|p| {
                let (h, desk, p) = (&c.h, c.desk, *p);
                s.spawn(move || {
                    h.book_appointment(desk, &BookingRequest::new(p, d, "follow_up", berlin(11, 0)))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.code() == "slot_conflict"));
}

#[test]
fn clinics_open_across_the_night_of_a_clock_change() {
    // A clinic open 01:00–04:00 on both switch days, in Berlin and New York.
    for (zone, spring, fall) in [
        (chrono_tz::Europe::Berlin, (2026, 3, 29), (2026, 10, 25)),
        (chrono_tz::America::New_York, (2026, 3, 8), (2026, 11, 1)),
    ] {
        let c = clinic_with(ConflictMode::Block, 1, 2);
        let d = c.doctors[0];
        let mut tpl = template(d, zone, 1);
        tpl.weekly_hours = vec![WeeklyHours::new(Weekday::Sun, t(1, 0), t(4, 0))];
        tpl.horizon_days = 365;
        c.h.set_availability(c.admin, d, vec![tpl]).unwrap();
        let day = |(y, m, dd)| DateRange::single(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        let spring_slots = c.h.free_slots(c.desk, d, "follow_up", day(spring), None).unwrap();
        assert_eq!(spring_slots.len(), 8, "{zone}: the skipped hour has no slots");
        let fall_slots = c.h.free_slots(c.desk, d, "follow_up", day(fall), None).unwrap();
        assert_eq!(
            fall_slots.len(),
            16,
            "{zone}: the repeated hour is offered once per real instant"
        );
        // The repeated hour: four wall-clock times appear twice, at different instants. Book both of one.
        let repeated = fall_slots
            .iter()
            .find(|s| {
                fall_slots
                    .iter()
                    .filter(|o| o.local_start == s.local_start)
                    .count()
                    == 2
            })
            .map(|s| s.local_start)
            .expect("a wall-clock time that happens twice");
        let twice: Vec<_> = fall_slots.iter().filter(|s| s.local_start == repeated).collect();
        assert_ne!(twice[0].interval.start(), twice[1].interval.start());
        for (i, s) in twice.iter().enumerate() {
            let a =
                c.h.book_appointment(
                    c.desk,
                    &BookingRequest::new(c.patients[i], d, "follow_up", s.interval.start()),
                )
                .unwrap();
            assert_eq!(a.local_start, repeated);
        }
    }
}

mod model {
    //! Random sequences of book / cancel / reschedule / status changes against the facade and against a
    //! naive list of appointments must agree on every answer, and no two time-holding appointments of a
    //! doctor or a patient may ever overlap.
    use super::*;
    use hms_core::ids::AppointmentId;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Book {
            patient: usize,
            doctor: usize,
            slot: u32,
            long: bool,
        },
        Cancel {
            pick: usize,
        },
        Reschedule {
            pick: usize,
            slot: u32,
        },
        Status {
            pick: usize,
            to: u8,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..4usize, 0..2usize, 0..11u32, any::<bool>()).prop_map(|(patient, doctor, slot, long)| Op::Book { patient, doctor, slot, long }),
            1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
            2 => (any::<usize>(), 0..11u32).prop_map(|(pick, slot)| Op::Reschedule { pick, slot }),
            1 => (any::<usize>(), 0..3u8).prop_map(|(pick, to)| Op::Status { pick, to }),
        ]
    }

    /// What the model knows of an appointment.
    #[derive(Debug, Clone)]
    struct M {
        id: AppointmentId,
        patient: usize,
        doctor: usize,
        start: DateTime<Utc>,
        minutes: i64,
        status: AppointmentStatus,
    }

    impl M {
        fn holds(&self) -> bool {
            matches!(
                self.status,
                AppointmentStatus::Booked | AppointmentStatus::Arrived | AppointmentStatus::Fulfilled
            )
        }
        fn overlaps(&self, start: DateTime<Utc>, minutes: i64) -> bool {
            self.start < start + Duration::minutes(minutes)
                && start < self.start + Duration::minutes(self.minutes)
        }
    }

    /// The naive rule: free when no time-holding appointment of the same doctor or patient overlaps.
    fn free(
        model: &[M],
        me: Option<AppointmentId>,
        patient: usize,
        doctor: usize,
        start: DateTime<Utc>,
        minutes: i64,
    ) -> bool {
        !model.iter().any(|m| {
            Some(m.id) != me
                && m.holds()
                && (m.doctor == doctor || m.patient == patient)
                && m.overlaps(start, minutes)
        })
    }

    /// The naive status table, written out by hand.
    fn allowed(from: AppointmentStatus, to: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        matches!(
            (from, to),
            (Booked, Arrived)
                | (Booked, Fulfilled)
                | (Booked, Cancelled)
                | (Booked, Noshow)
                | (Arrived, Fulfilled)
                | (Arrived, Cancelled)
        )
    }

    fn slot_start(slot: u32) -> DateTime<Utc> {
        berlin(9, 0) + Duration::minutes(15 * i64::from(slot))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
        #[test]
        fn facade_agrees_with_a_naive_list(ops in proptest::collection::vec(op(), 1..40)) {
            let c = clinic_with(ConflictMode::Block, 2, 4);
            let mut model: Vec<M> = Vec::new();
            for op in ops {
                match op {
                    Op::Book { patient, doctor, slot, long } => {
                        let (code, minutes) = if long { ("new_patient", 30) } else { ("follow_up", 15) };
                        let start = slot_start(slot);
                        let expect = free(&model, None, patient, doctor, start, minutes);
                        let got = c.h.book_appointment(c.desk, &BookingRequest::new(c.patients[patient], c.doctors[doctor], code, start));
                        prop_assert_eq!(got.is_ok(), expect, "book {:?}", got);
                        match got {
                            Ok(a) => model.push(M { id: a.id, patient, doctor, start, minutes, status: AppointmentStatus::Booked }),
                            Err(e) => prop_assert_eq!(e.code(), "slot_conflict"),
                        }
                    }
                    Op::Cancel { pick } if !model.is_empty() => {
                        let i = pick % model.len();
                        let expect = allowed(model[i].status, AppointmentStatus::Cancelled);
                        let got = c.h.cancel_appointment(c.desk, model[i].id, "changed plans");
                        prop_assert_eq!(got.is_ok(), expect);
                        if expect { model[i].status = AppointmentStatus::Cancelled } else { prop_assert_eq!(got.unwrap_err().code(), "invalid_transition") }
                    }
                    Op::Reschedule { pick, slot } if !model.is_empty() => {
                        let i = pick % model.len();
                        let m = model[i].clone();
                        let start = slot_start(slot);
                        let expect = m.status == AppointmentStatus::Booked && free(&model, Some(m.id), m.patient, m.doctor, start, m.minutes);
                        let got = c.h.reschedule_appointment(c.desk, m.id, start, None);
                        prop_assert_eq!(got.is_ok(), expect, "reschedule {:?}", got);
                        if expect { model[i].start = start }
                    }
                    Op::Status { pick, to } if !model.is_empty() => {
                        let i = pick % model.len();
                        let to = [AppointmentStatus::Arrived, AppointmentStatus::Fulfilled, AppointmentStatus::Noshow][to as usize];
                        let expect = allowed(model[i].status, to);
                        let got = c.h.change_status(c.desk, model[i].id, to, None);
                        prop_assert_eq!(got.is_ok(), expect);
                        if expect { model[i].status = to }
                    }
                    _ => {}
                }
            }
            // The facade's view equals the model, and nothing overlaps.
            let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
            let mut stored = Vec::new();
            for d in &c.doctors {
                stored.extend(c.h.doctor_day(c.admin, *d, day).unwrap().appointments);
            }
            prop_assert_eq!(stored.len(), model.len());
            for m in &model {
                let a = stored.iter().find(|a| a.id == m.id).unwrap();
                prop_assert_eq!((a.status, a.interval.start()), (m.status, m.start));
            }
            let holding: Vec<_> = stored.iter().filter(|a| a.holds_time()).collect();
            for (i, a) in holding.iter().enumerate() {
                for b in &holding[i + 1..] {
                    if a.doctor == b.doctor || a.patient == b.patient {
                        prop_assert!(!a.held.overlaps(&b.held), "{:?} overlaps {:?}", a.id, b.id);
                    }
                }
            }
        }
    }
}

/// The appointments booked for `patient` that still hold a time, as the desk sees them.
fn active_of(c: &Clinic, patient: PatientId) -> usize {
    let march = Interval::new(monday_morning(), monday_morning() + Duration::days(30)).unwrap();
    c.h.patient_appointments(c.desk, patient, march)
        .unwrap()
        .iter()
        .filter(|a| a.status == AppointmentStatus::Booked)
        .count()
}

#[test]
fn book_many_checks_each_request_against_the_ones_before_it_and_books_all_or_none() {
    let c = clinic_with(ConflictMode::Block, 2, 2);
    let (d, p) = (&c.doctors, &c.patients);
    let booked =
        c.h.book_many(
            c.desk,
            &[
                BookingRequest::new(p[0], d[0], "follow_up", berlin(9, 0)),
                BookingRequest::new(p[1], d[0], "follow_up", berlin(9, 15)),
                BookingRequest::new(p[0], d[1], "follow_up", berlin(9, 15)),
            ],
        )
        .unwrap();
    assert_eq!(booked.len(), 3);
    assert_eq!(active_of(&c, p[0]), 2);
    // The second request collides with the first of the same batch (Doctor 0 at 10:00–10:30 is
    // taken by it): a slot conflict, and the first is not booked either.
    let err =
        c.h.book_many(
            c.desk,
            &[
                BookingRequest::new(p[0], d[0], "new_patient", berlin(10, 0)),
                BookingRequest::new(p[1], d[0], "follow_up", berlin(10, 15)),
            ],
        )
        .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Doctor(d[0])]);
    assert_eq!(active_of(&c, p[0]), 2);
    // A patient of the batch in two places at once is found the same way.
    let err =
        c.h.book_many(
            c.desk,
            &[
                BookingRequest::new(p[1], d[0], "follow_up", berlin(11, 0)),
                BookingRequest::new(p[1], d[1], "follow_up", berlin(11, 0)),
            ],
        )
        .unwrap_err();
    assert_eq!(conflicts(&err), [Party::Patient(p[1])]);
    assert_eq!(active_of(&c, p[1]), 1);
    // An unknown doctor late in a batch refuses the whole batch.
    let err =
        c.h.book_many(
            c.desk,
            &[
                BookingRequest::new(p[1], d[1], "follow_up", berlin(14, 0)),
                BookingRequest::new(
                    p[1],
                    StaffId::from_uuid(uuid::Uuid::from_u128(7)),
                    "follow_up",
                    berlin(15, 0),
                ),
            ],
        )
        .unwrap_err();
    assert_eq!(code(err), "not_found");
    assert_eq!(active_of(&c, p[1]), 1);
}

#[test]
fn book_many_decides_and_audits_access_once_per_patient() {
    let c = clinic_with(ConflictMode::Block, 2, 2);
    let (d, p) = (&c.doctors, &c.patients);
    let last_seq = |c: &Clinic| {
        c.h.audit_log(c.admin, 0, usize::MAX)
            .unwrap()
            .last()
            .map_or(0, |r| r.seq)
    };
    let before = last_seq(&c);
    c.h.book_many(
        c.desk,
        &[
            BookingRequest::new(p[0], d[0], "follow_up", berlin(9, 0)),
            BookingRequest::new(p[1], d[0], "follow_up", berlin(9, 15)),
            BookingRequest::new(p[0], d[1], "follow_up", berlin(9, 30)),
            BookingRequest::new(p[1], d[1], "follow_up", berlin(9, 45)),
        ],
    )
    .unwrap();
    let entries = c.h.audit_log(c.admin, before, usize::MAX).unwrap();
    // The admin's own earlier audit-log read is entry `before`; what follows is the batch: one
    // allowed decision per patient, in the order the patients first appear.
    let batch: Vec<_> = entries
        .iter()
        .filter(|r| r.account == c.desk)
        .map(|r| (r.patient, r.allowed))
        .collect();
    assert_eq!(batch, [(Some(p[0]), true), (Some(p[1]), true)]);

    // A patient's own account may not book for another patient: the whole batch is refused, and
    // the refusal is in the audit log.
    let portal =
        c.h.open_account(
            c.admin,
            NewAccount {
                login: "pat0".into(),
                person: Some(PersonRef::Patient(p[0])),
                roles: [Role::Patient].into(),
            },
        )
        .unwrap()
        .id;
    let before = last_seq(&c);
    let err =
        c.h.book_many(
            portal,
            &[
                BookingRequest::new(p[0], d[0], "follow_up", berlin(11, 0)),
                BookingRequest::new(p[1], d[0], "follow_up", berlin(11, 15)),
            ],
        )
        .unwrap_err();
    assert_eq!(code(err), "forbidden");
    assert_eq!(active_of(&c, p[0]), 2);
    let denied: Vec<_> =
        c.h.audit_log(c.admin, before, usize::MAX)
            .unwrap()
            .into_iter()
            .filter(|r| r.account == portal)
            .map(|r| (r.patient, r.allowed))
            .collect();
    assert_eq!(denied, [(Some(p[1]), false)]);
}
