//! Domain events: facts about what happened, named in the past tense (`patient.registered`).
//!
//! A use case writes its events in the same transaction as the state they describe (the outbox
//! pattern); consumers — reminders, analytics, a host relay to a message broker — read them in order
//! with [`crate::store::Reads::events_after`] and remember the last sequence number they handled.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::billing::{InvoiceStatus, ReminderStage};
use crate::ids::{
    AccountId, AppointmentId, BreakGlassId, CareTeamLinkId, ChargeId, EventId, InvoiceId, PatientId,
    PaymentId, RefundId, ResourceId, StaffId, WaitlistId,
};
use crate::money::Money;
use crate::people::{Mrn, StaffRole};
use crate::scheduling::AppointmentStatus;
use crate::time::Interval;

/// Something that happened in the hospital.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum DomainEvent {
    /// A patient was registered.
    #[serde(rename = "patient.registered")]
    PatientRegistered {
        /// The new patient.
        patient: PatientId,
        /// Their medical record number.
        mrn: Mrn,
    },
    /// A patient's details changed.
    #[serde(rename = "patient.updated")]
    PatientUpdated {
        /// The patient.
        patient: PatientId,
        /// The record's new version.
        version: u32,
    },
    /// A patient was deactivated.
    #[serde(rename = "patient.deactivated")]
    PatientDeactivated {
        /// The patient.
        patient: PatientId,
        /// Why.
        reason: String,
    },
    /// A deactivated patient was reactivated.
    #[serde(rename = "patient.reactivated")]
    PatientReactivated {
        /// The patient.
        patient: PatientId,
    },
    /// A member of staff was added.
    #[serde(rename = "staff.hired")]
    StaffHired {
        /// The staff member.
        staff: StaffId,
        /// Their role.
        role: StaffRole,
    },
    /// A login account was opened.
    #[serde(rename = "account.opened")]
    AccountOpened {
        /// The account.
        account: AccountId,
        /// Its login.
        login: String,
    },
    /// An appointment was booked.
    #[serde(rename = "appointment.booked")]
    AppointmentBooked {
        /// The appointment.
        appointment: AppointmentId,
        /// The patient.
        patient: PatientId,
        /// The doctor.
        doctor: StaffId,
        /// The visit time.
        interval: Interval,
        /// Whether a conflict was let through with an override.
        overridden: bool,
    },
    /// An appointment moved to another time.
    #[serde(rename = "appointment.rescheduled")]
    AppointmentRescheduled {
        /// The appointment.
        appointment: AppointmentId,
        /// The old visit time.
        from: Interval,
        /// The new visit time.
        to: Interval,
    },
    /// An appointment's status changed (cancelled, arrived, fulfilled, no-show, …).
    #[serde(rename = "appointment.status_changed")]
    AppointmentStatusChanged {
        /// The appointment.
        appointment: AppointmentId,
        /// The patient.
        patient: PatientId,
        /// The status before.
        from: AppointmentStatus,
        /// The status after.
        to: AppointmentStatus,
    },
    /// A freed time was offered to a patient on the waiting list.
    #[serde(rename = "waitlist.slot_offered")]
    WaitlistSlotOffered {
        /// The waiting-list entry.
        entry: WaitlistId,
        /// The patient offered the time.
        patient: PatientId,
        /// The doctor.
        doctor: StaffId,
        /// The freed visit time.
        interval: Interval,
    },
    /// A room or piece of equipment was added.
    #[serde(rename = "resource.added")]
    ResourceAdded {
        /// The resource.
        resource: ResourceId,
        /// Its kind.
        kind: String,
    },
    /// A doctor's availability (templates or exceptions) changed.
    #[serde(rename = "availability.changed")]
    AvailabilityChanged {
        /// The doctor.
        doctor: StaffId,
    },
    /// A service was charged to a patient.
    #[serde(rename = "charge.added")]
    ChargeAdded {
        /// The charge.
        charge: ChargeId,
        /// The patient.
        patient: PatientId,
        /// The source event's key.
        source: String,
    },
    /// An invoice was issued.
    #[serde(rename = "invoice.issued")]
    InvoiceIssued {
        /// The invoice.
        invoice: InvoiceId,
        /// The patient.
        patient: PatientId,
        /// Its number.
        number: String,
        /// The total.
        total: Money,
        /// The patient's share.
        patient_share: Money,
        /// When the patient's share is due.
        due_date: chrono::NaiveDate,
    },
    /// Nothing is due on an invoice any more.
    #[serde(rename = "invoice.balanced")]
    InvoiceBalanced {
        /// The invoice.
        invoice: InvoiceId,
        /// The patient.
        patient: PatientId,
    },
    /// An invoice was cancelled, marked entered-in-error, or reopened by a refund.
    #[serde(rename = "invoice.status_changed")]
    InvoiceStatusChanged {
        /// The invoice.
        invoice: InvoiceId,
        /// The patient.
        patient: PatientId,
        /// The status before.
        from: InvoiceStatus,
        /// The status after.
        to: InvoiceStatus,
    },
    /// A reminder that an invoice is (nearly) due.
    #[serde(rename = "invoice.due_reminder")]
    InvoiceDueReminder {
        /// The invoice.
        invoice: InvoiceId,
        /// The patient.
        patient: PatientId,
        /// Which reminder.
        stage: ReminderStage,
        /// The due date.
        due_date: chrono::NaiveDate,
        /// What the patient still owes on it.
        amount_due: Money,
    },
    /// A credit note was issued against an invoice.
    #[serde(rename = "credit_note.issued")]
    CreditNoteIssued {
        /// The credit note.
        credit_note: InvoiceId,
        /// The invoice corrected.
        invoice: InvoiceId,
        /// The patient.
        patient: PatientId,
        /// The amount credited.
        total: Money,
    },
    /// A payment was recorded.
    #[serde(rename = "payment.recorded")]
    PaymentRecorded {
        /// The payment.
        payment: PaymentId,
        /// The patient.
        patient: PatientId,
        /// How much.
        amount: Money,
        /// The invoices it paid, with how much each.
        allocations: Vec<(InvoiceId, Money)>,
    },
    /// Part of a payment was refunded.
    #[serde(rename = "payment.refunded")]
    PaymentRefunded {
        /// The payment.
        payment: PaymentId,
        /// The refund.
        refund: RefundId,
        /// The patient.
        patient: PatientId,
        /// How much.
        amount: Money,
    },
    /// An account's roles were changed.
    #[serde(rename = "account.roles_changed")]
    AccountRolesChanged {
        /// The account.
        account: AccountId,
        /// The roles it holds now.
        roles: std::collections::BTreeSet<Role>,
    },
    /// A member of staff joined a patient's care team.
    #[serde(rename = "care_team.member_added")]
    CareTeamMemberAdded {
        /// The link.
        link: CareTeamLinkId,
        /// The member of staff.
        staff: StaffId,
        /// The patient.
        patient: PatientId,
    },
    /// A member of staff left a patient's care team.
    #[serde(rename = "care_team.member_ended")]
    CareTeamMemberEnded {
        /// The link.
        link: CareTeamLinkId,
        /// The member of staff.
        staff: StaffId,
        /// The patient.
        patient: PatientId,
    },
    /// A clinician broke the glass: emergency access to a patient's records (never silent; a privacy
    /// officer's relay listens for this).
    #[serde(rename = "access.break_glass_opened")]
    BreakGlassOpened {
        /// The grant.
        grant: BreakGlassId,
        /// Who opened it.
        account: AccountId,
        /// The patient.
        patient: PatientId,
        /// The reason given.
        reason: String,
        /// When it lapses.
        expires_at: DateTime<Utc>,
    },
}

impl DomainEvent {
    /// The event's dotted name, e.g. `patient.registered`.
    pub fn name(&self) -> &'static str {
        match self {
            DomainEvent::PatientRegistered { .. } => "patient.registered",
            DomainEvent::PatientUpdated { .. } => "patient.updated",
            DomainEvent::PatientDeactivated { .. } => "patient.deactivated",
            DomainEvent::PatientReactivated { .. } => "patient.reactivated",
            DomainEvent::StaffHired { .. } => "staff.hired",
            DomainEvent::AccountOpened { .. } => "account.opened",
            DomainEvent::AppointmentBooked { .. } => "appointment.booked",
            DomainEvent::AppointmentRescheduled { .. } => "appointment.rescheduled",
            DomainEvent::AppointmentStatusChanged { .. } => "appointment.status_changed",
            DomainEvent::WaitlistSlotOffered { .. } => "waitlist.slot_offered",
            DomainEvent::ResourceAdded { .. } => "resource.added",
            DomainEvent::AvailabilityChanged { .. } => "availability.changed",
            DomainEvent::ChargeAdded { .. } => "charge.added",
            DomainEvent::InvoiceIssued { .. } => "invoice.issued",
            DomainEvent::InvoiceBalanced { .. } => "invoice.balanced",
            DomainEvent::InvoiceStatusChanged { .. } => "invoice.status_changed",
            DomainEvent::InvoiceDueReminder { .. } => "invoice.due_reminder",
            DomainEvent::CreditNoteIssued { .. } => "credit_note.issued",
            DomainEvent::PaymentRecorded { .. } => "payment.recorded",
            DomainEvent::PaymentRefunded { .. } => "payment.refunded",
            DomainEvent::AccountRolesChanged { .. } => "account.roles_changed",
            DomainEvent::CareTeamMemberAdded { .. } => "care_team.member_added",
            DomainEvent::CareTeamMemberEnded { .. } => "care_team.member_ended",
            DomainEvent::BreakGlassOpened { .. } => "access.break_glass_opened",
        }
    }
}

/// An event as stored: its place in the log, when it happened and who caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Position in the event log (1, 2, 3, … in commit order).
    pub seq: u64,
    /// The event's id.
    pub id: EventId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The account whose request caused it (none for system jobs).
    pub actor: Option<AccountId>,
    /// What happened.
    pub event: DomainEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_with_their_dotted_name_as_type() {
        let e = DomainEvent::PatientReactivated {
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], e.name());
        assert_eq!(serde_json::from_value::<DomainEvent>(json).unwrap(), e);
    }
}
