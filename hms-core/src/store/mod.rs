//! Storage: the traits every backend implements, and the in-memory backend.
//!
//! The store never decides a rule; it loads and commits. A use case runs inside one
//! [`Store::write`] transaction: it reads what it needs, the pure rules decide, and its state changes,
//! domain events and audit entries are written together — all of them land, or none do.
//!
//! Backends still enforce the invariants a database can hold (unique national id, unique login, …), so
//! that two concurrent requests that both passed the rule cannot both commit: the loser gets the same
//! typed error the rule would have given.
//!
//! Backends: [`MemoryStore`] (always), `sqlite::SqliteStore` (feature `sqlite`) and
//! `postgres::PostgresStore` (feature `postgres`). The SQL backends share their migration runner and
//! row shapes in a private `sql` module; their schemas are versioned SQL files under `migrations/`.

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

use chrono::{DateTime, Utc};

use crate::access::{AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use crate::billing::{Charge, ChargeSource, CoveragePlan, Invoice, InvoiceStatus, Payment, PriceItem};
use crate::error::Result;
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{
    AccountId, AppointmentId, BatchId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId, InvoiceId,
    PatientId, PaymentId, PrescriptionId, ReservationId, ResourceId, StaffId, WaitlistId,
};
use crate::people::{DemographicKey, Mrn, Patient, Staff, StaffRole, UserAccount};
use crate::pharmacy::{
    AlertKey, Batch, Dispense, Drug, LedgerEntry, Movement, Prescription, Reservation, StockBalance,
    StockOrder,
};
use crate::scheduling::availability::{AvailabilityException, AvailabilityTemplate};
use crate::scheduling::calendar::{Busy, BusyTimes, Entry};
use crate::scheduling::waitlist::WaitlistEntry;
use crate::scheduling::{Appointment, AppointmentStatus, Party, Resource};
use crate::time::Interval;

pub use memory::MemoryStore;

/// The storage layer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The backend reported an error.
    #[error("the {backend} store failed: {message}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// What it said.
        message: String,
    },
    /// A thread panicked while holding the store; the store refuses further use.
    #[error("the store is unusable after an earlier failure")]
    Poisoned,
    /// The database was written by a newer version of the library; it is left untouched rather than
    /// downgraded.
    #[error("the database schema is version {found} but this library knows versions up to {supported}; upgrade the library")]
    SchemaTooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this library can use.
        supported: u32,
    },
    /// A transaction kept failing to serialize against concurrent ones and was given up; nothing of it
    /// remains. Trying again later may succeed.
    #[error(
        "the {backend} store gave up after {attempts} attempts that conflicted with concurrent transactions"
    )]
    RetriesExhausted {
        /// Which backend.
        backend: &'static str,
        /// How many times the transaction was run.
        attempts: u32,
    },
}

impl StorageError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            StorageError::Backend { .. }
            | StorageError::Poisoned
            | StorageError::SchemaTooNew { .. }
            | StorageError::RetriesExhausted { .. } => "storage",
        }
    }
}

/// Named counters that a backend keeps inside its transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Sequence {
    /// Medical record numbers.
    Mrn,
    /// Invoice numbers (given at issue, so issued invoices are numbered without gaps).
    Invoice,
    /// Credit note numbers.
    CreditNote,
}

impl Sequence {
    /// The counter's name in a database.
    pub fn name(&self) -> &'static str {
        match self {
            Sequence::Mrn => "mrn",
            Sequence::Invoice => "invoice",
            Sequence::CreditNote => "credit_note",
        }
    }
}

/// A search over patients.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatientQuery {
    /// Text to look for in the name (case-insensitive, every word must match a name part's start),
    /// or an exact MRN, national id or telephone number.
    pub text: String,
    /// Whether deactivated patients are included.
    pub include_inactive: bool,
    /// At most this many results (0 means 50).
    pub limit: usize,
}

impl PatientQuery {
    /// The effective limit.
    pub fn effective_limit(&self) -> usize {
        if self.limit == 0 {
            50
        } else {
            self.limit
        }
    }

    /// Rule: whether `p` matches the query. Every word of the text must be the start of one of the
    /// name parts (so `ash ra` finds Asha Rao), or the whole text equals the MRN, national id or phone.
    pub fn matches(&self, p: &Patient) -> bool {
        if !self.include_inactive && !p.is_active() {
            return false;
        }
        let text = self.text.trim();
        if text.is_empty() {
            return true;
        }
        if p.mrn.as_str() == text
            || p.details.national_id.as_deref() == Some(crate::people::normalize_national_id(text).as_str())
            || (p.details.phone.is_some()
                && p.details.phone.as_deref() == crate::people::normalize_phone(text).as_deref())
        {
            return true;
        }
        let n = &p.details.name;
        let parts: Vec<String> = [Some(&n.given), n.middle.as_ref(), Some(&n.family)]
            .into_iter()
            .flatten()
            .flat_map(|s| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>())
            .collect();
        text.split_whitespace()
            .map(str::to_lowercase)
            .all(|w| parts.iter().any(|part| part.starts_with(&w)))
    }
}

/// What a transaction can read.
pub trait Reads {
    /// A patient by id.
    fn patient(&self, id: PatientId) -> Result<Option<Patient>>;
    /// A patient by medical record number.
    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>>;
    /// The patient holding a (normalized) national id.
    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>>;
    /// The patient with a demographic key (name + date of birth + phone).
    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>>;
    /// Patients matching a query, ordered by family name, given name, then id.
    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>>;
    /// How many patients are registered (active or not).
    fn count_patients(&self) -> Result<u64>;

    /// A member of staff by id.
    fn staff(&self, id: StaffId) -> Result<Option<Staff>>;
    /// The member of staff holding a (normalized) licence number.
    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>>;
    /// Staff, optionally only those in one role, ordered by id.
    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>>;

    /// An account by id.
    fn account(&self, id: AccountId) -> Result<Option<UserAccount>>;
    /// An account by (normalized) login.
    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>>;
    /// How many accounts exist.
    fn count_accounts(&self) -> Result<u64>;

    /// An appointment by id.
    fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>>;
    /// The appointment booked by `account` under idempotency key `key`.
    fn appointment_by_client_key(&self, account: AccountId, key: &str) -> Result<Option<Appointment>>;
    /// The time-holding bookings on a party's calendar that overlap `interval`, in start order.
    fn calendar_overlaps(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>>;
    /// A party's calendar for a search over `interval`: at least the bookings
    /// [`Reads::calendar_overlaps`] returns. A store that keeps calendar indexes in memory lends its
    /// own; the default copies the overlapping bookings out as busy times.
    fn busy(&self, party: Party, interval: &Interval) -> Result<Busy<'_>> {
        Ok(Busy::Copied(BusyTimes::new(
            self.calendar_overlaps(party, interval)?
                .into_iter()
                .map(|e| e.interval),
        )))
    }
    /// A party's appointments of any status whose held time overlaps `range`, in start order.
    fn appointments_of(&self, party: Party, range: &Interval) -> Result<Vec<Appointment>>;
    /// Up to `limit` appointments in `status` whose visit ended before `before`, earliest first.
    fn appointments_ended_before(
        &self,
        status: AppointmentStatus,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>>;
    /// A doctor's availability templates.
    fn availability_templates(&self, doctor: StaffId) -> Result<Vec<AvailabilityTemplate>>;
    /// A doctor's own availability exceptions (leave, blocks, extra sessions), in the order added.
    fn availability_exceptions(&self, doctor: StaffId) -> Result<Vec<AvailabilityException>>;
    /// The hospital-wide public holidays.
    fn holidays(&self) -> Result<Vec<AvailabilityException>>;
    /// A resource by id.
    fn resource(&self, id: ResourceId) -> Result<Option<Resource>>;
    /// Resources, optionally of one kind, ordered by id.
    fn resources(&self, kind: Option<&str>) -> Result<Vec<Resource>>;
    /// A waiting-list entry by id.
    fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>>;
    /// The open (waiting or offered) waiting-list entries for a doctor, oldest first.
    fn waitlist_for_doctor(&self, doctor: StaffId) -> Result<Vec<WaitlistEntry>>;

    /// Up to `limit` events with a sequence number above `after`, in order.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>>;
    /// Up to `limit` audit entries with a sequence number above `after`, in order.
    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>>;
    /// The newest audit entry.
    fn last_audit(&self) -> Result<Option<AuditRecord>>;
    /// Up to `limit` audit entries about `patient` with a sequence number above `after`, in order.
    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>>;

    /// A care-team link by id.
    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>>;
    /// The care-team links of a patient (ended ones too), ordered by id.
    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>>;
    /// The stored relationship facts between a member of staff and a patient that hold at `now`
    /// (today: their care-team links). Facts the facade derives (appointments) are not stored.
    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>>;
    /// The emergency-access grants of a member of staff for a patient that are open at `now`.
    fn break_glass_grants(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreakGlassGrant>>;

    // --- billing ---

    /// A price-list item by (lower-case) code.
    fn price_item(&self, code: &str) -> Result<Option<PriceItem>>;
    /// Every price-list item, ordered by code.
    fn price_items(&self) -> Result<Vec<PriceItem>>;
    /// The coverage plan of a payer and plan name (exact strings).
    fn coverage_plan(&self, payer: &str, plan: &str) -> Result<Option<CoveragePlan>>;
    /// A charge by id.
    fn charge(&self, id: ChargeId) -> Result<Option<Charge>>;
    /// The charge made for a source event (at most one: see [`Writes::insert_charge`]).
    fn charge_by_source(&self, source: &ChargeSource) -> Result<Option<Charge>>;
    /// A patient's charges, oldest first (by creation time, then id).
    fn charges_of_patient(&self, patient: PatientId) -> Result<Vec<Charge>>;
    /// An invoice or credit note by id.
    fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>>;
    /// A patient's invoices and credit notes of every status, oldest first (by creation time, then id).
    fn invoices_of_patient(&self, patient: PatientId) -> Result<Vec<Invoice>>;
    /// Every invoice and credit note in `status`, oldest first (by creation time, then id).
    fn invoices_with_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>>;
    /// A payment by id.
    fn payment(&self, id: PaymentId) -> Result<Option<Payment>>;
    /// The payment recorded under an external reference (at most one: see [`Writes::insert_payment`]).
    fn payment_by_reference(&self, reference: &str) -> Result<Option<Payment>>;
    /// A patient's payments, oldest first (by time received, then id).
    fn payments_of_patient(&self, patient: PatientId) -> Result<Vec<Payment>>;
    // --- pharmacy ---

    /// A drug by id.
    fn drug(&self, id: DrugId) -> Result<Option<Drug>>;
    /// Every drug in the catalog, ordered by id.
    fn drugs(&self) -> Result<Vec<Drug>>;
    /// A batch by id.
    fn batch(&self, id: BatchId) -> Result<Option<Batch>>;
    /// The batches of one drug (or of every drug), ordered by id.
    fn batches(&self, drug: Option<DrugId>) -> Result<Vec<Batch>>;
    /// What batches of one drug (or of every drug) have on hand: one row per (batch, location) that
    /// has had a movement, ordered by batch then location, `on_hand` being the sum of its movements.
    fn stock_balances(&self, drug: Option<DrugId>) -> Result<Vec<StockBalance>>;
    /// The ledger entries of one batch, in ledger order.
    fn movements_of_batch(&self, batch: BatchId) -> Result<Vec<LedgerEntry>>;
    /// A prescription by id.
    fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>>;
    /// A dispense by id.
    fn dispense(&self, id: DispenseId) -> Result<Option<Dispense>>;
    /// The dispenses that answer a prescription, ordered by time dispensed, then id.
    fn dispenses_of_prescription(&self, prescription: PrescriptionId) -> Result<Vec<Dispense>>;
    /// A reservation by id.
    fn reservation(&self, id: ReservationId) -> Result<Option<Reservation>>;
    /// The reservations of a drug whose status is `active` (expired or not: the rule decides),
    /// ordered by id.
    fn active_reservations(&self, drug: DrugId) -> Result<Vec<Reservation>>;
    /// The stock orders of one drug (or of every drug) that no delivery has answered yet, ordered by id.
    fn open_stock_orders(&self, drug: Option<DrugId>) -> Result<Vec<StockOrder>>;
    /// The stock alerts currently raised, in key order.
    fn raised_alerts(&self) -> Result<Vec<AlertKey>>;
}

/// What a write transaction can do, besides reading its own writes.
pub trait Writes: Reads {
    /// The next value of a counter (1 for the first call). Rolled back with the transaction.
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64>;

    /// Stores a new patient.
    ///
    /// # Errors
    /// `duplicate` when the national id or demographic key is taken; `storage` when the id or MRN is.
    fn insert_patient(&mut self, patient: &Patient) -> Result<()>;
    /// Replaces a stored patient (same id), keeping the indexes in step.
    ///
    /// # Errors
    /// `not_found` when there is no such patient; `duplicate` as for inserts.
    fn update_patient(&mut self, patient: &Patient) -> Result<()>;

    /// Stores a new member of staff.
    ///
    /// # Errors
    /// `duplicate` when the licence number is taken.
    fn insert_staff(&mut self, staff: &Staff) -> Result<()>;

    /// Stores a new account.
    ///
    /// # Errors
    /// `duplicate` when the login is taken.
    fn insert_account(&mut self, account: &UserAccount) -> Result<()>;
    /// Replaces a stored account (same id, same login): roles and the active flag change.
    ///
    /// # Errors
    /// `not_found` when there is no such account; `storage` when the login differs.
    fn update_account(&mut self, account: &UserAccount) -> Result<()>;

    /// Stores a new care-team link.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()>;
    /// Replaces a stored care-team link (same id, staff and patient), e.g. to end it.
    ///
    /// # Errors
    /// `not_found` when there is no such link; `storage` when staff or patient differ.
    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()>;
    /// Stores a new emergency-access grant (grants are never changed or removed).
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()>;

    /// Stores a new appointment and puts it on the calendars of its doctor, patient and resources.
    ///
    /// # Errors
    /// `slot_conflict` when it holds time and is not shared, and another such booking of the same
    /// doctor, patient or resource overlaps it (the backend's own guard against double booking);
    /// `storage` when the id or the (booker, client key) pair is taken.
    fn insert_appointment(&mut self, appointment: &Appointment) -> Result<()>;
    /// Replaces a stored appointment (same id), moving its calendar entries with its time and status.
    ///
    /// # Errors
    /// `not_found`; `slot_conflict` as for inserts.
    fn update_appointment(&mut self, appointment: &Appointment) -> Result<()>;
    /// Replaces a doctor's availability templates.
    fn set_availability_templates(
        &mut self,
        doctor: StaffId,
        templates: &[AvailabilityTemplate],
    ) -> Result<()>;
    /// Adds an availability exception for a doctor.
    fn add_availability_exception(
        &mut self,
        doctor: StaffId,
        exception: &AvailabilityException,
    ) -> Result<()>;
    /// Replaces the hospital-wide public holidays.
    fn set_holidays(&mut self, holidays: &[AvailabilityException]) -> Result<()>;
    /// Stores a new resource.
    fn insert_resource(&mut self, resource: &Resource) -> Result<()>;
    /// Stores a new waiting-list entry.
    fn insert_waitlist_entry(&mut self, entry: &WaitlistEntry) -> Result<()>;
    /// Replaces a stored waiting-list entry.
    ///
    /// # Errors
    /// `not_found` when there is no such entry.
    fn update_waitlist_entry(&mut self, entry: &WaitlistEntry) -> Result<()>;

    /// Appends an event to the outbox and returns its sequence number.
    fn append_event(
        &mut self,
        id: EventId,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        event: &DomainEvent,
    ) -> Result<u64>;
    /// Appends an audit entry. Its `seq` must be one more than the last entry's, its `prev_hash` the
    /// last entry's `hash` (all zeros for the first entry), and its `hash` must match its fields: the
    /// backend keeps the chain too, so a buggy or hostile caller cannot fork it.
    ///
    /// # Errors
    /// `storage` when the sequence number is not the next one, the link or the hash is wrong.
    fn append_audit(&mut self, record: &AuditRecord) -> Result<()>;

    // --- billing ---

    /// Stores a price-list item, replacing the one with the same code.
    fn put_price_item(&mut self, item: &PriceItem) -> Result<()>;
    /// Stores a coverage plan, replacing the one with the same payer and plan name.
    fn put_coverage_plan(&mut self, plan: &CoveragePlan) -> Result<()>;
    /// Stores a new charge.
    ///
    /// # Errors
    /// `duplicate` when a charge for the same source exists: the source key
    /// ([`ChargeSource::key`]) is unique (a `UNIQUE` column in SQL); `storage` when the id is taken.
    fn insert_charge(&mut self, charge: &Charge) -> Result<()>;
    /// Replaces a stored charge (same id and source).
    ///
    /// # Errors
    /// `not_found`; `storage` when the source would change.
    fn update_charge(&mut self, charge: &Charge) -> Result<()>;
    /// Stores a new invoice or credit note.
    ///
    /// # Errors
    /// `duplicate` when its number is taken (numbers are unique when set); `storage` when the id is,
    /// or when more is paid and credited than a share.
    fn insert_invoice(&mut self, invoice: &Invoice) -> Result<()>;
    /// Replaces a stored invoice (same id).
    ///
    /// # Errors
    /// `not_found`; `duplicate` for a taken number; `immutable_invoice` when the stored invoice is
    /// no longer a draft and its lines, discount, breakdown, coverage or number would change (an
    /// issued invoice's figures never change: a database keeps them in write-once columns or checks
    /// them in a trigger); `storage` when more would be paid and credited than a share (the
    /// patient's or the payer's) or an amount would be negative (a `CHECK` in SQL).
    fn update_invoice(&mut self, invoice: &Invoice) -> Result<()>;
    /// Stores a new payment.
    ///
    /// # Errors
    /// `duplicate` when a payment with the same external reference exists (the reference is unique
    /// when set); `storage` when the id is taken, the amount is not above zero, or refunds or
    /// allocations exceed it.
    fn insert_payment(&mut self, payment: &Payment) -> Result<()>;
    /// Replaces a stored payment (same id; refunds are added to it).
    ///
    /// # Errors
    /// `not_found`; `storage` when the amount or the external reference would change, or refunds or
    /// allocations would exceed the amount.
    fn update_payment(&mut self, payment: &Payment) -> Result<()>;
    // --- pharmacy ---

    /// Stores a new drug.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_drug(&mut self, drug: &Drug) -> Result<()>;
    /// Replaces a stored drug (same id).
    ///
    /// # Errors
    /// `not_found` when there is no such drug.
    fn update_drug(&mut self, drug: &Drug) -> Result<()>;
    /// Stores a new batch. Its stock arrives by a receipt movement, not with the batch.
    ///
    /// # Errors
    /// `duplicate` when the drug already has a batch with this batch number (UNIQUE (drug,
    /// batch_number)); `not_found` when the drug is unknown (FOREIGN KEY); `storage` when the id is
    /// taken.
    fn insert_batch(&mut self, batch: &Batch) -> Result<()>;
    /// Replaces a stored batch (same id, drug and batch number; used for recalls).
    ///
    /// # Errors
    /// `not_found` when there is no such batch; `storage` when the drug or batch number changed.
    fn update_batch(&mut self, batch: &Batch) -> Result<()>;
    /// Appends a movement to the ledger, updates the (batch, location) balance, and returns the
    /// entry's sequence number (1, 2, 3, … in commit order).
    ///
    /// The backend keeps the ledger's invariant itself (a CHECK (on_hand >= 0) on the balance row
    /// updated in the same transaction, or an equivalent guard), so that no interleaving of
    /// transactions can take a balance below zero.
    ///
    /// # Errors
    /// `insufficient_stock` (naming what is on hand) when it would take the balance below zero;
    /// `invalid_input` when its direction does not fit its kind; `not_found` when the batch is
    /// unknown; `storage` when the id is taken or the drug is not the batch's drug.
    fn append_movement(&mut self, movement: &Movement) -> Result<u64>;
    /// Stores a new prescription.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_prescription(&mut self, prescription: &Prescription) -> Result<()>;
    /// Stores a new dispense.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_dispense(&mut self, dispense: &Dispense) -> Result<()>;
    /// Replaces a stored dispense (same id and prescription; used to record returns).
    ///
    /// # Errors
    /// `not_found` when there is no such dispense.
    fn update_dispense(&mut self, dispense: &Dispense) -> Result<()>;
    /// Stores a new reservation.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_reservation(&mut self, reservation: &Reservation) -> Result<()>;
    /// Replaces a stored reservation (same id).
    ///
    /// # Errors
    /// `not_found` when there is no such reservation.
    fn update_reservation(&mut self, reservation: &Reservation) -> Result<()>;
    /// Stores a new stock order.
    ///
    /// # Errors
    /// `storage` when the id is taken.
    fn insert_stock_order(&mut self, order: &StockOrder) -> Result<()>;
    /// Replaces a stored stock order (same id).
    ///
    /// # Errors
    /// `not_found` when there is no such order.
    fn update_stock_order(&mut self, order: &StockOrder) -> Result<()>;
    /// Records whether an alert is raised (`true`) or not (`false`); setting the state it already
    /// has is not an error.
    fn set_alert_raised(&mut self, key: &AlertKey, raised: bool) -> Result<()>;
}

/// A storage backend.
pub trait Store: Send + Sync {
    /// Runs `f` against a consistent view of the data.
    ///
    /// # Errors
    /// Whatever `f` returns, or a storage error.
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R>;

    /// Runs `f` in one transaction: if it returns `Ok`, everything it wrote is committed together;
    /// if it returns `Err`, nothing it wrote remains. A backend may run `f` again after a
    /// serialization failure, so `f` must not have effects outside the transaction.
    ///
    /// # Errors
    /// Whatever `f` returns, or a storage error.
    fn write<R>(&self, f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R>;
}
