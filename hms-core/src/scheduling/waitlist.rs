//! The waiting list: patients who want an earlier time with a doctor.
//!
//! Rule: when a booked time is given back (cancelled, moved), the first matching waiting patient is
//! *offered* it — an event the host turns into a message — and is not booked silently: the patient
//! accepts by booking the offered time like any other. "First" means the earliest entry still waiting
//! (ties broken by id), and "matching" means the same doctor, and a freed time that starts inside the
//! window the patient asked for and is long enough for the visit they wait for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::VisitType;
use crate::ids::{AccountId, PatientId, StaffId, WaitlistId};
use crate::time::Interval;

/// Where a waiting-list entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    /// Waiting for a time to free up.
    Waiting,
    /// A freed time was offered; waiting for the patient to take it.
    Offered,
    /// Done: the patient booked, or withdrew.
    Closed,
}

/// A time offered to a waiting patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotOffer {
    /// The freed visit time.
    pub interval: Interval,
    /// When it was offered.
    pub offered_at: DateTime<Utc>,
}

/// A patient waiting for an earlier time with a doctor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    /// The entry's id.
    pub id: WaitlistId,
    /// Who waits.
    pub patient: PatientId,
    /// For which doctor.
    pub doctor: StaffId,
    /// For what kind of visit.
    pub visit_type: VisitType,
    /// Any time starting inside this window will do.
    pub window: Interval,
    /// Where it stands.
    pub status: WaitlistStatus,
    /// The offer made, if any.
    pub offer: Option<SlotOffer>,
    /// Who put the patient on the list.
    pub created_by: AccountId,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl WaitlistEntry {
    /// Rule: whether a freed time of `doctor` suits this entry (see the module documentation).
    pub fn accepts(&self, doctor: StaffId, freed: &Interval) -> bool {
        self.status == WaitlistStatus::Waiting
            && self.doctor == doctor
            && self.window.contains_instant(freed.start())
            && freed.duration() >= self.visit_type.length()
    }
}

/// Rule: the entry to offer a freed time to — the earliest-created waiting entry that accepts it.
pub fn first_match<'a>(
    entries: impl IntoIterator<Item = &'a WaitlistEntry>,
    doctor: StaffId,
    freed: &Interval,
) -> Option<&'a WaitlistEntry> {
    entries
        .into_iter()
        .filter(|e| e.accepts(doctor, freed))
        .min_by_key(|e| (e.created_at, e.id))
}

/// The entry after an offer of `freed` at `now`.
pub fn offer(entry: &WaitlistEntry, freed: Interval, now: DateTime<Utc>) -> WaitlistEntry {
    WaitlistEntry {
        status: WaitlistStatus::Offered,
        offer: Some(SlotOffer {
            interval: freed,
            offered_at: now,
        }),
        ..entry.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn entry(n: u128, doctor: u128, created_h: u32, window: (u32, u32), minutes: u32) -> WaitlistEntry {
        WaitlistEntry {
            id: WaitlistId::from_uuid(uuid::Uuid::from_u128(n)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(n + 1000)),
            doctor: StaffId::from_uuid(uuid::Uuid::from_u128(doctor)),
            visit_type: VisitType::new("follow_up", "Follow-up", minutes),
            window: Interval::new(at(window.0), at(window.1)).unwrap(),
            status: WaitlistStatus::Waiting,
            offer: None,
            created_by: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
            created_at: at(created_h) - Duration::days(3),
        }
    }

    #[test]
    fn the_earliest_waiting_patient_gets_the_offer() {
        let doctor = StaffId::from_uuid(uuid::Uuid::from_u128(7));
        let freed = Interval::new(at(10), at(10) + Duration::minutes(30)).unwrap();
        let list = vec![
            entry(1, 7, 9, (8, 18), 15),  // created later
            entry(2, 7, 8, (8, 18), 15),  // created first: wins
            entry(3, 8, 7, (8, 18), 15),  // another doctor
            entry(4, 7, 6, (12, 18), 15), // window starts after the freed time
            entry(5, 7, 5, (8, 18), 45),  // needs 45 minutes, only 30 freed
        ];
        assert_eq!(first_match(&list, doctor, &freed).map(|e| e.id), Some(list[1].id));
    }

    #[test]
    fn an_offered_entry_is_not_offered_again() {
        let doctor = StaffId::from_uuid(uuid::Uuid::from_u128(7));
        let freed = Interval::new(at(10), at(11)).unwrap();
        let e = entry(1, 7, 9, (8, 18), 15);
        let offered = offer(&e, freed, at(9));
        assert_eq!(offered.status, WaitlistStatus::Offered);
        assert!(first_match([&offered], doctor, &freed).is_none());
    }
}
