//! Relationship facts: who looks after which patient, and since and until when.
//!
//! A fact says "member of staff S has a relationship of kind K with patient P from `valid_from` until
//! `valid_until`" (half-open, like every interval here; no end means open-ended). Facts come from the
//! store: care-team links are stored as they are; appointments turn into facts through
//! [`appointment_fact`] and the policy's [`AppointmentWindow`]; encounters, admissions and ward
//! assignments will be facts of their own kinds when those parts land. The policy names kinds, never
//! tables, so adding a kind is adding a variant and a producer of facts.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{enum_set, vocabulary};
use crate::error::{FieldCode, ValidationError};
use crate::ids::{AccountId, BreakGlassId, CareTeamLinkId, PatientId, StaffId};
use crate::people::StaffRole;
use crate::time::Interval;

/// A kind of care relationship between a member of staff and a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u8)]
pub enum RelationshipKind {
    /// An explicit care-team link (stored; added and ended by a use case).
    CareTeam,
    /// An appointment that is not cancelled, within the policy's window around it.
    Appointment,
    /// An open encounter (produced when the records part lands).
    Encounter,
    /// A ward admission under the member of staff (produced when the wards part lands).
    Admission,
    /// A nurse assigned to the ward the patient lies on (produced when the wards part lands).
    WardAssignment,
}

vocabulary!(RelationshipKind {
    CareTeam => "care_team",
    Appointment => "appointment",
    Encounter => "encounter",
    Admission => "admission",
    WardAssignment => "ward_assignment",
});

enum_set!(
    /// A set of relationship kinds.
    KindSet,
    RelationshipKind,
    u8
);

/// One relationship fact between a member of staff and a patient, valid over `[valid_from,
/// valid_until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RelationshipFact {
    /// What kind of relationship.
    pub kind: RelationshipKind,
    /// The member of staff.
    pub staff: StaffId,
    /// The patient.
    pub patient: PatientId,
    /// From when it holds.
    pub valid_from: DateTime<Utc>,
    /// Until when it holds (exclusive); none for open-ended.
    pub valid_until: Option<DateTime<Utc>>,
}

impl RelationshipFact {
    /// Rule: a fact holds from its start (inclusive) to its end (exclusive).
    #[inline]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now && self.valid_until.is_none_or(|until| now < until)
    }
}

/// An explicit link putting a member of staff on a patient's care team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareTeamLink {
    /// The link's id.
    pub id: CareTeamLinkId,
    /// The member of staff.
    pub staff: StaffId,
    /// The patient.
    pub patient: PatientId,
    /// The member of staff's job (taken from their record when the link was made).
    pub role: StaffRole,
    /// From when the link holds.
    pub valid_from: DateTime<Utc>,
    /// Until when it holds (exclusive); none until someone ends it.
    pub valid_until: Option<DateTime<Utc>>,
    /// Who added the link.
    pub added_by: AccountId,
    /// Who ended it, once ended.
    pub ended_by: Option<AccountId>,
}

impl CareTeamLink {
    /// The relationship fact this link stands for.
    pub fn fact(&self) -> RelationshipFact {
        RelationshipFact {
            kind: RelationshipKind::CareTeam,
            staff: self.staff,
            patient: self.patient,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }

    /// Rule: whether the link holds at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.fact().is_active(now)
    }

    /// Rule: whether the link still counts at or after `now`, so that a second link for the same member
    /// of staff and patient would be a duplicate (it holds now, or starts later and is not ended).
    pub fn is_current_or_future(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_none_or(|until| now < until)
    }
}

/// Emergency access to one patient's records, opened by a clinician with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassGrant {
    /// The grant's id.
    pub id: BreakGlassId,
    /// The account that opened it.
    pub account: AccountId,
    /// The member of staff behind the account.
    pub staff: StaffId,
    /// The patient.
    pub patient: PatientId,
    /// Why, in the clinician's words.
    pub reason: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it lapses by itself (exclusive).
    pub expires_at: DateTime<Utc>,
}

impl BreakGlassGrant {
    /// Rule: a grant holds from the moment it is opened until it expires; it cannot be extended, only
    /// opened again (with a new reason).
    #[inline]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.opened_at <= now && now < self.expires_at
    }
}

/// How long an appointment makes a doctor part of a patient's care: from `days_before` the visit to
/// `days_after` it; when the appointment is cancelled, the relationship ends
/// `hours_after_cancellation` after the cancellation (or earlier, if the window closes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentWindow {
    /// Days before the visit from which the doctor may prepare (read the chart).
    pub days_before: u32,
    /// Days after the visit during which the doctor may follow up (results, letters).
    pub days_after: u32,
    /// Hours after a cancellation during which the relationship still holds.
    pub hours_after_cancellation: u32,
}

impl Default for AppointmentWindow {
    /// A week before the visit to 30 days after it; a cancellation ends the relationship at once.
    fn default() -> Self {
        AppointmentWindow {
            days_before: 7,
            days_after: 30,
            hours_after_cancellation: 0,
        }
    }
}

impl fmt::Display for AppointmentWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} days before to {} days after the visit, {} hours after a cancellation",
            self.days_before, self.days_after, self.hours_after_cancellation
        )
    }
}

/// Rule: the care relationship an appointment gives its doctor with its patient. It holds from
/// `days_before` the visit starts until `days_after` it ends; if the appointment was cancelled, it ends
/// `hours_after_cancellation` after the cancellation instead (whichever comes first). `None` when the
/// relationship never held (cancelled long before the window opened).
///
/// Worked example, window 7 days before / 30 after / 24 hours after cancellation, visit on 10 March
/// 09:00–09:30: the doctor may read the chart from 3 March 09:00 to 9 April 09:30; if the visit is
/// cancelled on 5 March 12:00, only until 6 March 12:00; if it was cancelled on 1 March, never.
pub fn appointment_fact(
    doctor: StaffId,
    patient: PatientId,
    visit: &Interval,
    cancelled_at: Option<DateTime<Utc>>,
    window: &AppointmentWindow,
) -> Option<RelationshipFact> {
    let from = visit.start() - Duration::days(i64::from(window.days_before));
    let mut until = visit.end() + Duration::days(i64::from(window.days_after));
    if let Some(c) = cancelled_at {
        until = until.min(c + Duration::hours(i64::from(window.hours_after_cancellation)));
    }
    (from < until).then_some(RelationshipFact {
        kind: RelationshipKind::Appointment,
        staff: doctor,
        patient,
        valid_from: from,
        valid_until: Some(until),
    })
}

/// Rule: whether an appointment makes its doctor part of the patient's care at `now` (see
/// [`appointment_fact`]).
pub fn appointment_relationship_active(
    visit: &Interval,
    cancelled_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: &AppointmentWindow,
) -> bool {
    // The ids do not change the window; any pair will do.
    let nobody = StaffId::from_uuid(uuid::Uuid::nil());
    let no_patient = PatientId::from_uuid(uuid::Uuid::nil());
    appointment_fact(nobody, no_patient, visit, cancelled_at, window).is_some_and(|f| f.is_active(now))
}

/// Rule: clinical staff (doctors, nurses, pharmacists, lab technicians) join care teams; desk, billing
/// and admin staff do not. A link ends after it starts.
///
/// # Errors
/// A [`ValidationError`] listing every problem (`staff`, `valid_until`).
pub fn validate_care_team_link(
    role: StaffRole,
    valid_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ValidationError> {
    let mut e = ValidationError::default();
    if !role.is_licensed() {
        e.push(
            "staff",
            FieldCode::Inconsistent,
            "only clinical staff (doctors, nurses, pharmacists, lab technicians) join a care team",
        );
    }
    if let Some(until) = valid_until {
        if until <= now {
            e.push(
                "valid_until",
                FieldCode::InvalidPeriod,
                format!(
                    "a care-team link must end after it starts, and `{}` is not later",
                    until.to_rfc3339()
                ),
            );
        }
    }
    e.into_result()
}

/// Rule: a member of staff holds at most one current link to a patient; returns the one that holds at
/// or after `now`, if any.
pub fn current_link(links: &[CareTeamLink], staff: StaffId, now: DateTime<Utc>) -> Option<CareTeamLinkId> {
    links
        .iter()
        .find(|l| l.staff == staff && l.is_current_or_future(now))
        .map(|l| l.id)
}

/// The longest reason a clinician may give for emergency access, in characters.
pub const MAX_BREAK_GLASS_REASON: usize = 500;

/// Rule: emergency access needs a reason in words (not blank, at most 500 characters) and lasts from 1
/// minute up to the policy's maximum. Returns the reason with its spaces folded.
///
/// # Errors
/// A [`ValidationError`] listing every problem (`reason`, `minutes`).
pub fn validate_break_glass(reason: &str, minutes: u32, max_minutes: u32) -> Result<String, ValidationError> {
    let mut e = ValidationError::default();
    let reason = crate::people::fold_spaces(reason);
    crate::people::required_text("reason", &reason, MAX_BREAK_GLASS_REASON, &mut e);
    if minutes == 0 || minutes > max_minutes {
        e.push(
            "minutes",
            FieldCode::OutOfRange,
            format!("emergency access lasts from 1 to {max_minutes} minutes, not `{minutes}`"),
        );
    }
    e.into_result()?;
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    fn visit() -> Interval {
        // 10 March 09:00–09:30.
        Interval::new(at(10, 9), at(10, 9) + Duration::minutes(30)).unwrap()
    }

    const WINDOW: AppointmentWindow = AppointmentWindow {
        days_before: 7,
        days_after: 30,
        hours_after_cancellation: 24,
    };

    #[test]
    fn an_appointment_opens_the_chart_a_week_before_and_a_month_after() {
        // From 3 March 09:00 (inclusive) to 9 April 09:30 (exclusive).
        assert!(!appointment_relationship_active(
            &visit(),
            None,
            at(3, 8),
            &WINDOW
        ));
        assert!(appointment_relationship_active(&visit(), None, at(3, 9), &WINDOW));
        let last = Utc.with_ymd_and_hms(2026, 4, 9, 9, 29, 59).unwrap();
        assert!(appointment_relationship_active(&visit(), None, last, &WINDOW));
        let end = Utc.with_ymd_and_hms(2026, 4, 9, 9, 30, 0).unwrap();
        assert!(!appointment_relationship_active(&visit(), None, end, &WINDOW));
    }

    #[test]
    fn a_cancelled_appointment_ends_the_relationship_after_the_window() {
        // Cancelled on 5 March 12:00, 24 hours of grace: until 6 March 12:00.
        let cancelled = Some(at(5, 12));
        assert!(appointment_relationship_active(
            &visit(),
            cancelled,
            at(6, 11),
            &WINDOW
        ));
        assert!(!appointment_relationship_active(
            &visit(),
            cancelled,
            at(6, 12),
            &WINDOW
        ));
        assert!(!appointment_relationship_active(
            &visit(),
            cancelled,
            at(10, 9),
            &WINDOW
        ));
        // Cancelled on 1 March, before the window opened: the relationship never held.
        let f = appointment_fact(
            StaffId::from_uuid(uuid::Uuid::from_u128(1)),
            PatientId::from_uuid(uuid::Uuid::from_u128(2)),
            &visit(),
            Some(at(1, 12)),
            &WINDOW,
        );
        assert_eq!(f, None);
        // With no grace, a cancellation ends it at once.
        let strict = AppointmentWindow {
            hours_after_cancellation: 0,
            ..WINDOW
        };
        assert!(!appointment_relationship_active(
            &visit(),
            cancelled,
            at(5, 12),
            &strict
        ));
        assert!(appointment_relationship_active(
            &visit(),
            cancelled,
            at(5, 11),
            &strict
        ));
    }

    #[test]
    fn facts_and_grants_are_half_open() {
        let f = RelationshipFact {
            kind: RelationshipKind::CareTeam,
            staff: StaffId::from_uuid(uuid::Uuid::from_u128(1)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
            valid_from: at(2, 8),
            valid_until: Some(at(2, 10)),
        };
        assert!(!f.is_active(at(2, 7)) && f.is_active(at(2, 8)) && !f.is_active(at(2, 10)));
        let open = RelationshipFact {
            valid_until: None,
            ..f
        };
        assert!(open.is_active(at(28, 0)));
    }

    #[test]
    fn only_clinical_staff_join_care_teams_and_links_end_after_they_start() {
        assert!(validate_care_team_link(StaffRole::Nurse, None, at(2, 8)).is_ok());
        assert!(validate_care_team_link(StaffRole::Doctor, Some(at(3, 8)), at(2, 8)).is_ok());
        let e = validate_care_team_link(StaffRole::BillingClerk, Some(at(2, 8)), at(2, 8)).unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            fields,
            [
                ("staff", FieldCode::Inconsistent),
                ("valid_until", FieldCode::InvalidPeriod)
            ]
        );
    }

    #[test]
    fn one_current_link_per_member_of_staff() {
        let link = |id: u128, staff: u128, until: Option<DateTime<Utc>>| CareTeamLink {
            id: CareTeamLinkId::from_uuid(uuid::Uuid::from_u128(id)),
            staff: StaffId::from_uuid(uuid::Uuid::from_u128(staff)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(9)),
            role: StaffRole::Nurse,
            valid_from: at(1, 8),
            valid_until: until,
            added_by: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
            ended_by: None,
        };
        let nurse = StaffId::from_uuid(uuid::Uuid::from_u128(5));
        let links = [link(1, 5, Some(at(2, 8))), link(2, 6, None)];
        assert_eq!(
            current_link(&links, nurse, at(3, 8)),
            None,
            "an ended link does not count"
        );
        assert_eq!(current_link(&links, nurse, at(1, 9)), Some(links[0].id));
    }

    #[test]
    fn break_glass_needs_a_reason_and_a_sane_duration() {
        assert_eq!(
            validate_break_glass("  unconscious   in ED ", 60, 240).unwrap(),
            "unconscious in ED"
        );
        let e = validate_break_glass("   ", 0, 240).unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            fields,
            [
                ("reason", FieldCode::Required),
                ("minutes", FieldCode::OutOfRange)
            ]
        );
        assert!(validate_break_glass("trauma call", 241, 240).is_err());
    }
}
