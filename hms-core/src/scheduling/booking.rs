//! Booking rules: conflict detection, conflict overrides, choosing rooms and equipment, idempotency.
//!
//! The facade loads the calendar entries that overlap the requested time (from the store's index)
//! and these pure functions decide.

use chrono::{DateTime, Utc};

use super::calendar::Entry;
use super::{Appointment, Conflict, ConflictMode, ConflictOverride, Party, Resource, SchedulingError};
use crate::ids::{AccountId, AppointmentId, PatientId, ResourceId, StaffId};
use crate::time::Interval;

/// The calendar entries that overlap a requested time, per party, as loaded from the store.
#[derive(Debug, Clone, Default)]
pub struct Overlaps {
    /// The doctor's overlapping bookings.
    pub doctor: Vec<Entry>,
    /// The patient's overlapping bookings.
    pub patient: Vec<Entry>,
    /// Each chosen resource's overlapping bookings.
    pub resources: Vec<(ResourceId, Vec<Entry>)>,
}

/// What is being checked.
#[derive(Debug, Clone, Copy)]
pub struct TimeRequest<'a> {
    /// The doctor.
    pub doctor: StaffId,
    /// The patient.
    pub patient: PatientId,
    /// The time to hold (visit plus buffer).
    pub held: Interval,
    /// How many bookings the doctor's slot takes (1 unless the doctor allows group slots).
    pub doctor_capacity: u32,
    /// An appointment to leave out (the one being rescheduled).
    pub ignore: Option<AppointmentId>,
    /// Resources requested.
    pub resources: &'a [ResourceId],
}

/// Rule: the conflicts of a requested time.
///
/// - the patient is in one place at a time: any overlapping booking of theirs, with any doctor, is a
///   conflict;
/// - a doctor's slot takes `doctor_capacity` bookings (1 by default): when that many already overlap,
///   every one of them is a conflict;
/// - a room or piece of equipment takes one booking at a time;
/// - the appointment being moved never conflicts with itself.
pub fn find_conflicts(req: &TimeRequest<'_>, overlaps: &Overlaps) -> Vec<Conflict> {
    let keep = |e: &&Entry| Some(e.id) != req.ignore && e.interval.overlaps(&req.held);
    let mut out = Vec::new();
    let doctor: Vec<&Entry> = overlaps.doctor.iter().filter(keep).collect();
    let capacity = usize::try_from(req.doctor_capacity.max(1)).unwrap_or(1);
    let any_exclusive = doctor.iter().any(|e| !e.shared);
    if doctor.len() >= capacity || (capacity > 1 && any_exclusive) {
        out.extend(doctor.iter().map(|e| Conflict {
            party: Party::Doctor(req.doctor),
            appointment: e.id,
            interval: e.interval,
        }));
    }
    out.extend(overlaps.patient.iter().filter(keep).map(|e| Conflict {
        party: Party::Patient(req.patient),
        appointment: e.id,
        interval: e.interval,
    }));
    for (rid, entries) in &overlaps.resources {
        out.extend(entries.iter().filter(keep).map(|e| Conflict {
            party: Party::Resource(*rid),
            appointment: e.id,
            interval: e.interval,
        }));
    }
    out
}

/// Rule: what happens to a booking with conflicts. No conflicts: it goes ahead. In [`ConflictMode::Block`]
/// any conflict refuses it. In [`ConflictMode::Warn`] it goes ahead only with an override reason, which
/// is recorded with the accepted conflicts.
///
/// # Errors
/// [`SchedulingError::SlotConflict`] listing every conflict, when the booking may not go ahead.
pub fn resolve_conflicts(
    conflicts: Vec<Conflict>,
    mode: ConflictMode,
    override_reason: Option<&str>,
    by: AccountId,
) -> Result<Option<ConflictOverride>, SchedulingError> {
    if conflicts.is_empty() {
        return Ok(None);
    }
    match (mode, override_reason.map(str::trim).filter(|r| !r.is_empty())) {
        (ConflictMode::Warn, Some(reason)) => Ok(Some(ConflictOverride {
            by,
            reason: reason.to_owned(),
            conflicts,
        })),
        _ => Err(SchedulingError::SlotConflict { conflicts }),
    }
}

/// Rule: choosing rooms and equipment. For every kind the visit needs, a resource the caller named
/// (of that kind) is used as named; otherwise the first active resource of that kind (by id) that is
/// free for the whole held time. Returns the chosen resources, or the conflicts of every candidate
/// when none of a kind is free.
///
/// `candidates` lists the active resources of each needed kind with their overlapping bookings.
///
/// # Errors
/// [`SchedulingError::NoResourceOfKind`] when a needed kind has no active resource at all.
pub fn choose_resources(
    needed_kinds: &[String],
    requested: &[ResourceId],
    candidates: &[(Resource, Vec<Entry>)],
    ignore: Option<AppointmentId>,
) -> Result<(Vec<ResourceId>, Vec<Conflict>), SchedulingError> {
    let mut chosen = Vec::new();
    let mut conflicts = Vec::new();
    for kind in needed_kinds {
        let mut of_kind: Vec<&(Resource, Vec<Entry>)> = candidates
            .iter()
            .filter(|(r, _)| &r.kind == kind && r.active)
            .collect();
        of_kind.sort_by_key(|(r, _)| r.id);
        if of_kind.is_empty() {
            return Err(SchedulingError::NoResourceOfKind { kind: kind.clone() });
        }
        let busy = |entries: &Vec<Entry>| {
            entries
                .iter()
                .filter(|e| Some(e.id) != ignore)
                .cloned()
                .collect::<Vec<_>>()
        };
        if let Some((r, entries)) = of_kind.iter().find(|(r, _)| requested.contains(&r.id)) {
            chosen.push(r.id);
            conflicts.extend(busy(entries).into_iter().map(|e| Conflict {
                party: Party::Resource(r.id),
                appointment: e.id,
                interval: e.interval,
            }));
        } else if let Some((r, _)) = of_kind.iter().find(|(_, entries)| busy(entries).is_empty()) {
            chosen.push(r.id);
        } else {
            for (r, entries) in &of_kind {
                conflicts.extend(busy(entries).into_iter().map(|e| Conflict {
                    party: Party::Resource(r.id),
                    appointment: e.id,
                    interval: e.interval,
                }));
            }
        }
    }
    Ok((chosen, conflicts))
}

/// What identifies a booking request for idempotency: the same key with the same patient, doctor,
/// start and visit type is the same request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFingerprint {
    /// The patient.
    pub patient: PatientId,
    /// The doctor.
    pub doctor: StaffId,
    /// The requested start.
    pub start: DateTime<Utc>,
    /// The visit type code.
    pub visit_type: String,
}

/// Rule: a request whose client key was used before returns the first result when it asks for the
/// same thing, and is refused when it asks for something else under the same key.
///
/// # Errors
/// [`SchedulingError::IdempotencyMismatch`] when the key belongs to a different request.
pub fn replay(
    existing: &Appointment,
    key: &str,
    request: &RequestFingerprint,
) -> Result<Appointment, SchedulingError> {
    let first = RequestFingerprint {
        patient: existing.patient,
        doctor: existing.doctor,
        start: existing
            .history
            .iter()
            .find_map(|c| match &c.change {
                super::ChangeKind::Rescheduled { from, .. } => Some(from.start()),
                super::ChangeKind::Status { .. } => None,
            })
            .unwrap_or(existing.interval.start()),
        visit_type: existing.visit_type.clone(),
    };
    if &first == request {
        Ok(existing.clone())
    } else {
        Err(SchedulingError::IdempotencyMismatch {
            key: key.to_owned(),
            existing: existing.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }
    fn iv(h1: u32, m1: u32, h2: u32, m2: u32) -> Interval {
        Interval::new(at(h1, m1), at(h2, m2)).unwrap()
    }
    fn aid(n: u128) -> AppointmentId {
        AppointmentId::from_uuid(uuid::Uuid::from_u128(n))
    }
    fn entry(n: u128, i: Interval) -> Entry {
        Entry {
            id: aid(n),
            interval: i,
            shared: false,
        }
    }
    fn doctor() -> StaffId {
        StaffId::from_uuid(uuid::Uuid::from_u128(100))
    }
    fn patient() -> PatientId {
        PatientId::from_uuid(uuid::Uuid::from_u128(200))
    }
    fn req(held: Interval, capacity: u32) -> TimeRequest<'static> {
        TimeRequest {
            doctor: doctor(),
            patient: patient(),
            held,
            doctor_capacity: capacity,
            ignore: None,
            resources: &[],
        }
    }

    #[test]
    fn a_patient_cannot_see_two_doctors_at_once() {
        // The patient already sees another doctor 09:00–09:30; 09:15 with this doctor collides.
        let o = Overlaps {
            patient: vec![entry(1, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        let c = find_conflicts(&req(iv(9, 15, 9, 45), 1), &o);
        assert_eq!(
            c,
            [Conflict {
                party: Party::Patient(patient()),
                appointment: aid(1),
                interval: iv(9, 0, 9, 30)
            }]
        );
    }

    #[test]
    fn back_to_back_is_no_conflict() {
        let o = Overlaps {
            doctor: vec![entry(1, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        assert!(find_conflicts(&req(iv(9, 30, 10, 0), 1), &o).is_empty());
    }

    #[test]
    fn capacity_two_takes_a_second_booking_but_not_a_third() {
        let shared = |n, i| Entry {
            id: aid(n),
            interval: i,
            shared: true,
        };
        let one = Overlaps {
            doctor: vec![shared(1, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        assert!(find_conflicts(&req(iv(9, 0, 9, 30), 2), &one).is_empty());
        let two = Overlaps {
            doctor: vec![shared(1, iv(9, 0, 9, 30)), shared(2, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        assert_eq!(find_conflicts(&req(iv(9, 0, 9, 30), 2), &two).len(), 2);
        // An exclusive (capacity-1) booking in the way blocks a group slot too.
        let exclusive = Overlaps {
            doctor: vec![entry(3, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        assert_eq!(find_conflicts(&req(iv(9, 0, 9, 30), 2), &exclusive).len(), 1);
    }

    #[test]
    fn a_rescheduled_appointment_does_not_collide_with_itself() {
        let o = Overlaps {
            doctor: vec![entry(1, iv(9, 0, 9, 30))],
            patient: vec![entry(1, iv(9, 0, 9, 30))],
            ..Default::default()
        };
        let mut r = req(iv(9, 15, 9, 45), 1);
        r.ignore = Some(aid(1));
        assert!(find_conflicts(&r, &o).is_empty());
    }

    #[test]
    fn warn_mode_needs_a_reason_and_records_it() {
        let c = vec![Conflict {
            party: Party::Doctor(doctor()),
            appointment: aid(1),
            interval: iv(9, 0, 9, 30),
        }];
        let by = AccountId::from_uuid(uuid::Uuid::from_u128(7));
        assert_eq!(
            resolve_conflicts(c.clone(), ConflictMode::Block, Some("urgent"), by)
                .unwrap_err()
                .code(),
            "slot_conflict"
        );
        assert_eq!(
            resolve_conflicts(c.clone(), ConflictMode::Warn, Some("  "), by)
                .unwrap_err()
                .code(),
            "slot_conflict"
        );
        let o = resolve_conflicts(c.clone(), ConflictMode::Warn, Some("urgent add-on"), by)
            .unwrap()
            .unwrap();
        assert_eq!((o.reason.as_str(), o.conflicts), ("urgent add-on", c));
        assert_eq!(resolve_conflicts(vec![], ConflictMode::Block, None, by), Ok(None));
    }

    #[test]
    fn the_conflict_message_names_the_party_and_time() {
        let e = SchedulingError::SlotConflict {
            conflicts: vec![Conflict {
                party: Party::Doctor(doctor()),
                appointment: aid(1),
                interval: iv(9, 0, 9, 30),
            }],
        };
        assert_eq!(
            e.to_string(),
            format!(
                "doctor `{}` is already booked from 2026-03-02 09:00 to 09:30 UTC (appointment `{}`)",
                doctor(),
                aid(1)
            )
        );
    }

    fn room(n: u128, kind: &str) -> Resource {
        Resource {
            id: ResourceId::from_uuid(uuid::Uuid::from_u128(n)),
            kind: kind.into(),
            name: format!("room {n}"),
            location: None,
            active: true,
        }
    }

    #[test]
    fn the_first_free_room_of_a_kind_is_chosen() {
        let busy = vec![entry(1, iv(9, 0, 10, 0))];
        let cands = vec![
            (room(2, "procedure_room"), busy.clone()),
            (room(1, "procedure_room"), busy),
            (room(3, "procedure_room"), vec![]),
        ];
        let (chosen, conflicts) = choose_resources(&["procedure_room".into()], &[], &cands, None).unwrap();
        assert_eq!(chosen, [room(3, "").id]);
        assert!(conflicts.is_empty());
    }

    #[test]
    fn a_named_busy_room_is_a_room_conflict() {
        let cands = vec![
            (room(1, "mri"), vec![entry(9, iv(9, 0, 10, 0))]),
            (room(2, "mri"), vec![]),
        ];
        let (chosen, conflicts) = choose_resources(&["mri".into()], &[room(1, "").id], &cands, None).unwrap();
        assert_eq!(chosen, [room(1, "").id]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].party, Party::Resource(room(1, "").id));
    }

    #[test]
    fn all_rooms_busy_lists_every_conflict_and_no_room_at_all_is_an_error() {
        let cands = vec![
            (room(1, "mri"), vec![entry(9, iv(9, 0, 10, 0))]),
            (room(2, "mri"), vec![entry(8, iv(9, 0, 10, 0))]),
        ];
        let (chosen, conflicts) = choose_resources(&["mri".into()], &[], &cands, None).unwrap();
        assert!(chosen.is_empty());
        assert_eq!(conflicts.len(), 2);
        let err = choose_resources(&["hyperbaric_chamber".into()], &[], &cands, None).unwrap_err();
        assert_eq!(err.code(), "no_resource");
    }

    #[test]
    fn replaying_a_key_returns_the_first_booking_unless_the_request_differs() {
        let a = Appointment {
            id: aid(1),
            patient: patient(),
            doctor: doctor(),
            resources: vec![],
            visit_type: "follow_up".into(),
            interval: iv(9, 0, 9, 15),
            held: iv(9, 0, 9, 15),
            local_start: at(9, 0).naive_utc(),
            zone: chrono_tz::UTC,
            status: super::super::AppointmentStatus::Booked,
            shared: false,
            conflict_override: None,
            client_key: Some("k1".into()),
            note: None,
            booked_by: AccountId::from_uuid(uuid::Uuid::from_u128(7)),
            created_at: at(8, 0),
            history: vec![],
            version: 1,
        };
        let same = RequestFingerprint {
            patient: patient(),
            doctor: doctor(),
            start: at(9, 0),
            visit_type: "follow_up".into(),
        };
        assert_eq!(replay(&a, "k1", &same).unwrap(), a);
        let other = RequestFingerprint {
            start: at(9, 0) + Duration::minutes(15),
            ..same
        };
        assert_eq!(
            replay(&a, "k1", &other).unwrap_err().code(),
            "idempotency_mismatch"
        );
    }
}
