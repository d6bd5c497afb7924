//! Domain events: facts about what happened, named in the past tense (`patient.registered`).
//!
//! A use case writes its events in the same transaction as the state they describe (the outbox
//! pattern); consumers — reminders, analytics, a host relay to a message broker — read them in order
//! with [`crate::store::Reads::events_after`] and remember the last sequence number they handled.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use crate::access::Role;
use crate::billing::{InvoiceStatus, ReminderStage};
use crate::ids::{
    AccountId, AppointmentId, BatchId, BreakGlassId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId,
    InvoiceId, PatientId, PaymentId, PrescriptionId, RefundId, ReservationId, ResourceId, StaffId,
    StockOrderId, TransferId, WaitlistId,
};
use crate::money::Money;
use crate::people::{Mrn, StaffRole};
use crate::pharmacy::{AlertKind, ChargeLine, Location, WriteOffReason};
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
    /// A drug was added to the catalog.
    #[serde(rename = "drug.added")]
    DrugAdded {
        /// The drug.
        drug: DrugId,
        /// Its name for people.
        name: String,
    },
    /// A catalog entry changed.
    #[serde(rename = "drug.updated")]
    DrugUpdated {
        /// The drug.
        drug: DrugId,
        /// The entry's new version.
        version: u32,
    },
    /// Stock was ordered from a supplier.
    #[serde(rename = "stock.ordered")]
    StockOrdered {
        /// The order.
        order: StockOrderId,
        /// The drug.
        drug: DrugId,
        /// Where it is to go.
        location: Location,
        /// Units ordered.
        quantity: u32,
    },
    /// A delivery was received into a new batch.
    #[serde(rename = "stock.received")]
    StockReceived {
        /// The batch.
        batch: BatchId,
        /// The drug.
        drug: DrugId,
        /// Where it was put away.
        location: Location,
        /// Units received.
        quantity: u32,
    },
    /// A batch was recalled; none of it can be dispensed any more.
    #[serde(rename = "batch.recalled")]
    BatchRecalled {
        /// The batch.
        batch: BatchId,
        /// The drug.
        drug: DrugId,
        /// Why.
        reason: String,
    },
    /// Stock moved between locations.
    #[serde(rename = "stock.transferred")]
    StockTransferred {
        /// The transfer.
        transfer: TransferId,
        /// The batch.
        batch: BatchId,
        /// From where.
        from: Location,
        /// To where.
        to: Location,
        /// Units moved.
        quantity: u32,
    },
    /// Stock was corrected after a count.
    #[serde(rename = "stock.adjusted")]
    StockAdjusted {
        /// The batch.
        batch: BatchId,
        /// Where.
        location: Location,
        /// Units added (positive) or removed (negative).
        quantity: i64,
        /// Why.
        reason: String,
    },
    /// Stock was written off.
    #[serde(rename = "stock.written_off")]
    StockWrittenOff {
        /// The batch.
        batch: BatchId,
        /// Where.
        location: Location,
        /// Units removed.
        quantity: u32,
        /// Why.
        reason: WriteOffReason,
    },
    /// A doctor wrote a prescription.
    #[serde(rename = "prescription.written")]
    PrescriptionWritten {
        /// The prescription.
        prescription: PrescriptionId,
        /// For whom.
        patient: PatientId,
        /// The doctor.
        prescriber: StaffId,
    },
    /// Medicine was handed out: the priced lines billing charges for.
    #[serde(rename = "stock.dispensed")]
    StockDispensed {
        /// The dispense (billing's charge source).
        dispense: DispenseId,
        /// Who received it (none for an anonymous over-the-counter sale).
        patient: Option<PatientId>,
        /// The prescription it answers (none over the counter).
        prescription: Option<PrescriptionId>,
        /// What was handed out, priced batch by batch.
        lines: Vec<ChargeLine>,
        /// The sum of the lines.
        amount: Money,
    },
    /// Dispensed medicine was given back into its batches: the priced lines billing credits.
    #[serde(rename = "stock.returned")]
    StockReturned {
        /// The dispense it was handed out by.
        dispense: DispenseId,
        /// Who gave it back.
        patient: Option<PatientId>,
        /// What came back, priced as it was sold.
        lines: Vec<ChargeLine>,
        /// The sum of the lines.
        amount: Money,
        /// Why it came back.
        reason: String,
    },
    /// Stock was reserved for a patient.
    #[serde(rename = "stock.reserved")]
    StockReserved {
        /// The reservation.
        reservation: ReservationId,
        /// For whom.
        patient: PatientId,
        /// The drug.
        drug: DrugId,
        /// Where.
        location: Location,
        /// Units held.
        quantity: u32,
    },
    /// A reservation was given up before it was used.
    #[serde(rename = "stock.reservation_released")]
    ReservationReleased {
        /// The reservation.
        reservation: ReservationId,
    },
    /// Usable stock plus stock on order fell to the reorder level or below.
    #[serde(rename = "stock.low")]
    StockLow {
        /// The drug.
        drug: DrugId,
        /// Where.
        location: Location,
        /// Usable units on hand.
        usable: u32,
        /// Units on order.
        on_order: u32,
        /// The reorder level.
        reorder_level: u32,
        /// Units to order.
        suggested_quantity: u32,
    },
    /// Usable stock will expire within the warning window.
    #[serde(rename = "stock.expiring")]
    StockExpiring {
        /// The drug.
        drug: DrugId,
        /// Where.
        location: Location,
        /// The batches, earliest expiry first.
        batches: Vec<BatchId>,
        /// Units in them.
        quantity: u32,
        /// The earliest expiry date.
        earliest_expiry: NaiveDate,
    },
    /// Expired stock is on hand.
    #[serde(rename = "stock.expired")]
    StockExpired {
        /// The drug.
        drug: DrugId,
        /// Where.
        location: Location,
        /// The batches.
        batches: Vec<BatchId>,
        /// Units in them.
        quantity: u32,
    },
    /// A raised stock alert no longer holds.
    #[serde(rename = "stock.alert_cleared")]
    StockAlertCleared {
        /// The drug.
        drug: DrugId,
        /// Where.
        location: Location,
        /// Which alert.
        kind: AlertKind,
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
            DomainEvent::DrugAdded { .. } => "drug.added",
            DomainEvent::DrugUpdated { .. } => "drug.updated",
            DomainEvent::StockOrdered { .. } => "stock.ordered",
            DomainEvent::StockReceived { .. } => "stock.received",
            DomainEvent::BatchRecalled { .. } => "batch.recalled",
            DomainEvent::StockTransferred { .. } => "stock.transferred",
            DomainEvent::StockAdjusted { .. } => "stock.adjusted",
            DomainEvent::StockWrittenOff { .. } => "stock.written_off",
            DomainEvent::PrescriptionWritten { .. } => "prescription.written",
            DomainEvent::StockDispensed { .. } => "stock.dispensed",
            DomainEvent::StockReturned { .. } => "stock.returned",
            DomainEvent::StockReserved { .. } => "stock.reserved",
            DomainEvent::ReservationReleased { .. } => "stock.reservation_released",
            DomainEvent::StockLow { .. } => "stock.low",
            DomainEvent::StockExpiring { .. } => "stock.expiring",
            DomainEvent::StockExpired { .. } => "stock.expired",
            DomainEvent::StockAlertCleared { .. } => "stock.alert_cleared",
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
