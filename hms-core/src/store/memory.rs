//! The in-memory backend: for tests, notebooks, and as the reference every other backend is checked
//! against.
//!
//! Transactions are serializable: one writer at a time holds the lock for the whole use case, readers
//! share it. The records live in persistent (structurally shared) maps, so taking a snapshot at the
//! start of a transaction costs a few reference-count bumps; a failed transaction puts the snapshot
//! back. The calendar indexes are ordinary B-trees (faster to query); a transaction journals its
//! calendar changes and a failed one undoes them in reverse.

use std::collections::HashMap as StdHashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use imbl::{HashMap, HashSet, OrdMap, OrdSet, Vector};

use super::{PatientQuery, Reads, Sequence, StorageError, Store, Writes};
use crate::access::{AuditHash, AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use crate::billing::{
    BillingError, Charge, ChargeSource, CoveragePlan, Invoice, InvoiceStatus, Payment, PriceItem,
};
use crate::error::{Error, Result};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{
    AccountId, AppointmentId, BatchId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId, InvoiceId,
    MovementId, PatientId, PaymentId, PrescriptionId, ReservationId, ResourceId, StaffId, StockOrderId,
    WaitlistId,
};
use crate::people::{
    demographic_key, DemographicKey, Mrn, Patient, PeopleError, Staff, StaffRole, UserAccount,
};
use crate::pharmacy::{
    ledger, AlertKey, Batch, Dispense, Drug, LedgerEntry, Location, Movement, PharmacyError, Prescription,
    Reservation, ReservationStatus, StockBalance, StockOrder,
};
use crate::scheduling::availability::{AvailabilityException, AvailabilityTemplate};
use crate::scheduling::calendar::{Busy, BusyTimes, CalendarIndex, Entry};
use crate::scheduling::waitlist::{WaitlistEntry, WaitlistStatus};
use crate::scheduling::{Appointment, AppointmentStatus, Conflict, Party, Resource, SchedulingError};
use crate::time::Interval;

#[derive(Debug, Clone, Default)]
struct State {
    patients: OrdMap<PatientId, Patient>,
    patient_by_mrn: HashMap<Mrn, PatientId>,
    patient_by_national_id: HashMap<String, PatientId>,
    patient_by_key: HashMap<DemographicKey, PatientId>,
    staff: OrdMap<StaffId, Staff>,
    staff_by_license: HashMap<String, StaffId>,
    accounts: OrdMap<AccountId, UserAccount>,
    account_by_login: HashMap<String, AccountId>,
    appointments: OrdMap<AppointmentId, Appointment>,
    appointment_by_key: HashMap<(AccountId, String), AppointmentId>,
    /// Every appointment of each party, whatever its status, by held start: a party's appointments
    /// in a range are a walk over that party's own entries, not a scan of every appointment.
    appointments_by_party: HashMap<Party, OrdSet<(DateTime<Utc>, AppointmentId)>>,
    /// The longest held interval stored per party: how far before a range such a walk must begin.
    longest_by_party: HashMap<Party, chrono::Duration>,
    resources: OrdMap<ResourceId, Resource>,
    templates: HashMap<StaffId, Vec<AvailabilityTemplate>>,
    exceptions: HashMap<StaffId, Vec<AvailabilityException>>,
    holidays: Vec<AvailabilityException>,
    waitlist: OrdMap<WaitlistId, WaitlistEntry>,
    events: Vector<EventRecord>,
    audit: Vector<AuditRecord>,
    audit_by_patient: HashMap<PatientId, Vector<u64>>,
    care_team: OrdMap<CareTeamLinkId, CareTeamLink>,
    care_team_by_pair: HashMap<(StaffId, PatientId), Vector<CareTeamLinkId>>,
    care_team_by_patient: HashMap<PatientId, Vector<CareTeamLinkId>>,
    break_glass: HashMap<(StaffId, PatientId), Vector<BreakGlassGrant>>,
    break_glass_ids: imbl::HashSet<crate::ids::BreakGlassId>,
    sequences: HashMap<Sequence, u64>,
    // --- billing ---
    price_items: OrdMap<String, PriceItem>,
    coverage_plans: OrdMap<(String, String), CoveragePlan>,
    charges: OrdMap<ChargeId, Charge>,
    charge_by_source: HashMap<String, ChargeId>,
    charges_by_patient: HashMap<PatientId, Vector<ChargeId>>,
    invoices: OrdMap<InvoiceId, Invoice>,
    invoice_by_number: HashMap<String, InvoiceId>,
    invoices_by_patient: HashMap<PatientId, Vector<InvoiceId>>,
    payments: OrdMap<PaymentId, Payment>,
    payment_by_reference: HashMap<String, PaymentId>,
    payments_by_patient: HashMap<PatientId, Vector<PaymentId>>,
    // --- pharmacy ---
    drugs: OrdMap<DrugId, Drug>,
    batches: OrdMap<BatchId, Batch>,
    batch_by_number: HashMap<(DrugId, String), BatchId>,
    batches_by_drug: HashMap<DrugId, OrdSet<BatchId>>,
    /// On hand per batch and location: the running sum of the ledger, never below zero.
    balances: HashMap<BatchId, OrdMap<Location, u32>>,
    ledger: Vector<LedgerEntry>,
    ledger_by_batch: HashMap<BatchId, Vector<usize>>,
    movement_ids: HashSet<MovementId>,
    prescriptions: OrdMap<PrescriptionId, Prescription>,
    dispenses: OrdMap<DispenseId, Dispense>,
    dispenses_by_prescription: HashMap<PrescriptionId, Vector<DispenseId>>,
    reservations: OrdMap<ReservationId, Reservation>,
    stock_orders: OrdMap<StockOrderId, StockOrder>,
    raised_alerts: OrdSet<AlertKey>,
}

/// Appends `id` to `patient`'s list in a per-patient index.
fn index_push<K: Clone>(index: &mut HashMap<PatientId, Vector<K>>, patient: PatientId, id: K) {
    let mut list = index.get(&patient).cloned().unwrap_or_default();
    list.push_back(id);
    index.insert(patient, list);
}

/// Rule of the store (a `CHECK` in SQL): nothing paid or credited is negative, and what is paid and
/// credited never exceeds the patient's share nor the payer's.
fn check_paid_within_due(i: &Invoice) -> Result<()> {
    let below_zero = |m: crate::money::Money| m.amount.is_sign_negative() && !m.is_zero();
    let amounts = [
        i.paid_patient,
        i.paid_payer,
        i.credited_patient,
        i.credited_payer,
        i.patient_due(),
        i.payer_due(),
    ];
    if amounts.into_iter().any(below_zero) {
        return Err(backend_error(format!(
            "invoice `{}` would have more paid and credited than is due, or a negative amount",
            i.id
        )));
    }
    Ok(())
}

/// Rule of the store (a `CHECK` in SQL): a payment is more than nothing, and neither its refunds nor
/// its allocations exceed it.
fn check_payment_amounts(p: &Payment) -> Result<()> {
    let allocated: rust_decimal::Decimal = p.allocations.iter().map(|a| a.amount.amount).sum();
    let amount = p.amount.amount;
    if amount <= rust_decimal::Decimal::ZERO || p.refunded().amount > amount || allocated > amount {
        return Err(backend_error(format!(
            "payment `{}` would be nothing, or refund or allocate more than it is",
            p.id
        )));
    }
    Ok(())
}

/// Rule of the store: a non-draft invoice's figures never change.
fn same_figures(a: &Invoice, b: &Invoice) -> bool {
    a.kind == b.kind
        && a.patient == b.patient
        && a.currency == b.currency
        && a.number == b.number
        && a.lines == b.lines
        && a.invoice_discount == b.invoice_discount
        && a.coverage == b.coverage
        && a.breakdown == b.breakdown
        && a.issue_date == b.issue_date
        && a.due_date == b.due_date
}

/// A calendar change made by the current transaction, undone if it fails.
#[derive(Debug, Clone, Copy)]
enum CalendarOp {
    Inserted(Party, AppointmentId, Interval),
    Removed(Party, AppointmentId, Interval, bool),
}

#[derive(Debug, Default)]
struct Inner {
    s: State,
    calendars: StdHashMap<Party, CalendarIndex>,
    journal: Vec<CalendarOp>,
}

impl Inner {
    fn undo_journal(&mut self) {
        while let Some(op) = self.journal.pop() {
            match op {
                CalendarOp::Inserted(party, id, interval) => {
                    if let Some(c) = self.calendars.get_mut(&party) {
                        c.remove(id, interval);
                    }
                }
                CalendarOp::Removed(party, id, interval, shared) => {
                    self.calendars
                        .entry(party)
                        .or_default()
                        .insert(id, interval, shared);
                }
            }
        }
    }

    fn calendar_add(&mut self, a: &Appointment) {
        for party in parties(a) {
            if self
                .calendars
                .entry(party)
                .or_default()
                .insert(a.id, a.held, a.shared)
            {
                self.journal.push(CalendarOp::Inserted(party, a.id, a.held));
            }
        }
    }

    fn calendar_remove(&mut self, a: &Appointment) {
        for party in parties(a) {
            if let Some(c) = self.calendars.get_mut(&party) {
                if c.remove(a.id, a.held) {
                    self.journal
                        .push(CalendarOp::Removed(party, a.id, a.held, a.shared));
                }
            }
        }
    }

    /// The backend's own double-booking guard: an exclusive, time-holding booking may not overlap
    /// another exclusive one on any of its calendars.
    fn check_no_double_booking(&self, a: &Appointment) -> Result<()> {
        if !a.holds_time() || a.shared {
            return Ok(());
        }
        let mut conflicts = Vec::new();
        for party in parties(a) {
            if let Some(c) = self.calendars.get(&party) {
                conflicts.extend(
                    c.overlapping(&a.held)
                        .filter(|e| e.id != a.id && !e.shared)
                        .map(|e| Conflict {
                            party,
                            appointment: e.id,
                            interval: e.interval,
                        }),
                );
            }
        }
        if conflicts.is_empty() {
            Ok(())
        } else {
            Err(SchedulingError::SlotConflict { conflicts }.into())
        }
    }
}

/// The calendars an appointment sits on.
fn parties(a: &Appointment) -> impl Iterator<Item = Party> + '_ {
    [Party::Doctor(a.doctor), Party::Patient(a.patient)]
        .into_iter()
        .chain(a.resources.iter().map(|r| Party::Resource(*r)))
}

/// A thread-safe store that keeps everything in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        let guard = self.inner.read().map_err(|_| StorageError::Poisoned)?;
        f(&*guard)
    }

    fn write<R>(&self, mut f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        let mut guard = self.inner.write().map_err(|_| StorageError::Poisoned)?;
        guard.journal.clear();
        let snapshot = guard.s.clone();
        let result = f(&mut *guard);
        if result.is_err() {
            // INVARIANT: a failed use case leaves the store exactly as it found it.
            guard.s = snapshot;
            guard.undo_journal();
        }
        guard.journal.clear();
        result
    }
}

fn index_conflict<K: std::hash::Hash + Eq + Clone>(
    index: &HashMap<K, PatientId>,
    key: Option<&K>,
    me: PatientId,
) -> Option<PatientId> {
    key.and_then(|k| index.get(k))
        .copied()
        .filter(|other| *other != me)
}

impl State {
    /// Files `a` under each of its parties (doctor, patient, resources).
    fn index_by_party(&mut self, a: &Appointment) {
        let length = a.held.end() - a.held.start();
        for party in parties(a) {
            self.appointments_by_party
                .entry(party)
                .or_default()
                .insert((a.held.start(), a.id));
            let longest = self.longest_by_party.entry(party).or_default();
            *longest = (*longest).max(length);
        }
    }

    /// Removes `a`'s entries filed by [`State::index_by_party`].
    fn unindex_by_party(&mut self, a: &Appointment) {
        for party in parties(a) {
            if let Some(entries) = self.appointments_by_party.get_mut(&party) {
                entries.remove(&(a.held.start(), a.id));
            }
        }
    }

    fn check_patient_unique(&self, p: &Patient) -> Result<()> {
        if let Some(existing) =
            index_conflict(&self.patient_by_national_id, p.details.national_id.as_ref(), p.id)
        {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: crate::people::DuplicateMatch::NationalId,
            }
            .into());
        }
        if let Some(existing) =
            index_conflict(&self.patient_by_key, demographic_key(&p.details).as_ref(), p.id)
        {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: crate::people::DuplicateMatch::NameBirthDatePhone,
            }
            .into());
        }
        Ok(())
    }

    fn index_patient(&mut self, p: &Patient) {
        self.patient_by_mrn.insert(p.mrn.clone(), p.id);
        if let Some(n) = &p.details.national_id {
            self.patient_by_national_id.insert(n.clone(), p.id);
        }
        if let Some(k) = demographic_key(&p.details) {
            self.patient_by_key.insert(k, p.id);
        }
    }

    fn unindex_patient(&mut self, p: &Patient) {
        if let Some(n) = &p.details.national_id {
            self.patient_by_national_id.remove(n);
        }
        if let Some(k) = demographic_key(&p.details) {
            self.patient_by_key.remove(&k);
        }
    }
}

fn backend_error(message: String) -> Error {
    StorageError::Backend {
        backend: "memory",
        message,
    }
    .into()
}

impl Reads for Inner {
    fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        Ok(self.s.patients.get(&id).cloned())
    }

    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>> {
        Ok(self
            .s
            .patient_by_mrn
            .get(mrn)
            .and_then(|id| self.s.patients.get(id))
            .cloned())
    }

    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>> {
        Ok(self.s.patient_by_national_id.get(national_id).copied())
    }

    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>> {
        Ok(self.s.patient_by_key.get(key).copied())
    }

    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>> {
        let mut found: Vec<Patient> = self
            .s
            .patients
            .values()
            .filter(|p| query.matches(p))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (
                a.details.name.family.to_lowercase(),
                a.details.name.given.to_lowercase(),
                a.id,
            )
                .cmp(&(
                    b.details.name.family.to_lowercase(),
                    b.details.name.given.to_lowercase(),
                    b.id,
                ))
        });
        found.truncate(query.effective_limit());
        Ok(found)
    }

    fn count_patients(&self) -> Result<u64> {
        Ok(self.s.patients.len() as u64)
    }

    fn staff(&self, id: StaffId) -> Result<Option<Staff>> {
        Ok(self.s.staff.get(&id).cloned())
    }

    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>> {
        Ok(self.s.staff_by_license.get(license_number).copied())
    }

    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        Ok(self
            .s
            .staff
            .values()
            .filter(|s| role.is_none_or(|r| s.details.role == r))
            .cloned()
            .collect())
    }

    fn account(&self, id: AccountId) -> Result<Option<UserAccount>> {
        Ok(self.s.accounts.get(&id).cloned())
    }

    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>> {
        Ok(self
            .s
            .account_by_login
            .get(login)
            .and_then(|id| self.s.accounts.get(id))
            .cloned())
    }

    fn count_accounts(&self) -> Result<u64> {
        Ok(self.s.accounts.len() as u64)
    }

    fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        Ok(self.s.appointments.get(&id).cloned())
    }

    fn appointment_by_client_key(&self, account: AccountId, key: &str) -> Result<Option<Appointment>> {
        Ok(self
            .s
            .appointment_by_key
            .get(&(account, key.to_owned()))
            .and_then(|id| self.s.appointments.get(id))
            .cloned())
    }

    fn calendar_overlaps(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>> {
        Ok(self
            .calendars
            .get(&party)
            .map(|c| c.overlapping(interval).collect())
            .unwrap_or_default())
    }

    fn busy(&self, party: Party, _interval: &Interval) -> Result<Busy<'_>> {
        Ok(match self.calendars.get(&party) {
            Some(c) => Busy::Index(c),
            None => Busy::Copied(BusyTimes::default()),
        })
    }

    fn appointments_of(&self, party: Party, range: &Interval) -> Result<Vec<Appointment>> {
        let Some(entries) = self.s.appointments_by_party.get(&party) else {
            return Ok(Vec::new());
        };
        let longest = self.s.longest_by_party.get(&party).copied().unwrap_or_default();
        let from = range
            .start()
            .checked_sub_signed(longest)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let first_id = AppointmentId::from_uuid(uuid::Uuid::nil());
        let mut out: Vec<Appointment> = entries
            .range((from, first_id)..(range.end(), first_id))
            .filter_map(|(_, id)| self.s.appointments.get(id))
            .filter(|a| a.held.overlaps(range))
            .cloned()
            .collect();
        out.sort_by_key(|a| (a.interval.start(), a.id));
        Ok(out)
    }

    fn appointments_ended_before(
        &self,
        status: AppointmentStatus,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        let mut out: Vec<Appointment> = self
            .s
            .appointments
            .values()
            .filter(|a| a.status == status && a.interval.end() < before)
            .cloned()
            .collect();
        out.sort_by_key(|a| (a.interval.end(), a.id));
        out.truncate(limit);
        Ok(out)
    }

    fn availability_templates(&self, doctor: StaffId) -> Result<Vec<AvailabilityTemplate>> {
        Ok(self.s.templates.get(&doctor).cloned().unwrap_or_default())
    }

    fn availability_exceptions(&self, doctor: StaffId) -> Result<Vec<AvailabilityException>> {
        Ok(self.s.exceptions.get(&doctor).cloned().unwrap_or_default())
    }

    fn holidays(&self) -> Result<Vec<AvailabilityException>> {
        Ok(self.s.holidays.clone())
    }

    fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        Ok(self.s.resources.get(&id).cloned())
    }

    fn resources(&self, kind: Option<&str>) -> Result<Vec<Resource>> {
        Ok(self
            .s
            .resources
            .values()
            .filter(|r| kind.is_none_or(|k| r.kind == k))
            .cloned()
            .collect())
    }

    fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        Ok(self.s.waitlist.get(&id).cloned())
    }

    fn waitlist_for_doctor(&self, doctor: StaffId) -> Result<Vec<WaitlistEntry>> {
        let mut out: Vec<WaitlistEntry> = self
            .s
            .waitlist
            .values()
            .filter(|e| e.doctor == doctor && e.status != WaitlistStatus::Closed)
            .cloned()
            .collect();
        out.sort_by_key(|e| (e.created_at, e.id));
        Ok(out)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        // Sequence numbers are 1-based positions, so entry `after` is at index `after`.
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.s.events.len());
        Ok(self.s.events.iter().skip(start).take(limit).cloned().collect())
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.s.audit.len());
        Ok(self.s.audit.iter().skip(start).take(limit).cloned().collect())
    }

    fn last_audit(&self) -> Result<Option<AuditRecord>> {
        Ok(self.s.audit.last().cloned())
    }

    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        let Some(seqs) = self.s.audit_by_patient.get(&patient) else {
            return Ok(Vec::new());
        };
        Ok(seqs
            .iter()
            .filter(|s| **s > after)
            .take(limit)
            .filter_map(|s| usize::try_from(*s - 1).ok().and_then(|i| self.s.audit.get(i)))
            .cloned()
            .collect())
    }

    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>> {
        Ok(self.s.care_team.get(&id).cloned())
    }

    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        let mut out: Vec<CareTeamLink> = self
            .s
            .care_team_by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.s.care_team.get(id))
            .cloned()
            .collect();
        out.sort_by_key(|l| l.id);
        Ok(out)
    }

    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>> {
        Ok(self
            .s
            .care_team_by_pair
            .get(&(staff, patient))
            .into_iter()
            .flatten()
            .filter_map(|id| self.s.care_team.get(id))
            .map(CareTeamLink::fact)
            .filter(|f| f.is_active(now))
            .collect())
    }

    fn break_glass_grants(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreakGlassGrant>> {
        Ok(self
            .s
            .break_glass
            .get(&(staff, patient))
            .into_iter()
            .flatten()
            .filter(|g| g.is_active(now))
            .cloned()
            .collect())
    }

    // --- billing ---

    fn price_item(&self, code: &str) -> Result<Option<PriceItem>> {
        Ok(self.s.price_items.get(code).cloned())
    }

    fn price_items(&self) -> Result<Vec<PriceItem>> {
        Ok(self.s.price_items.values().cloned().collect())
    }

    fn coverage_plan(&self, payer: &str, plan: &str) -> Result<Option<CoveragePlan>> {
        Ok(self
            .s
            .coverage_plans
            .get(&(payer.to_owned(), plan.to_owned()))
            .cloned())
    }

    fn charge(&self, id: ChargeId) -> Result<Option<Charge>> {
        Ok(self.s.charges.get(&id).cloned())
    }

    fn charge_by_source(&self, source: &ChargeSource) -> Result<Option<Charge>> {
        Ok(self
            .s
            .charge_by_source
            .get(&source.key())
            .and_then(|id| self.s.charges.get(id))
            .cloned())
    }

    fn charges_of_patient(&self, patient: PatientId) -> Result<Vec<Charge>> {
        let mut out: Vec<Charge> = self
            .s
            .charges_by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.s.charges.get(id).cloned())
            .collect();
        out.sort_by_key(|c| (c.created_at, c.id));
        Ok(out)
    }

    fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        Ok(self.s.invoices.get(&id).cloned())
    }

    fn invoices_of_patient(&self, patient: PatientId) -> Result<Vec<Invoice>> {
        let mut out: Vec<Invoice> = self
            .s
            .invoices_by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.s.invoices.get(id).cloned())
            .collect();
        out.sort_by_key(|i| (i.created_at, i.id));
        Ok(out)
    }

    fn invoices_with_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>> {
        let mut out: Vec<Invoice> = self
            .s
            .invoices
            .values()
            .filter(|i| i.status == status)
            .cloned()
            .collect();
        out.sort_by_key(|i| (i.created_at, i.id));
        Ok(out)
    }

    fn payment(&self, id: PaymentId) -> Result<Option<Payment>> {
        Ok(self.s.payments.get(&id).cloned())
    }

    fn payment_by_reference(&self, reference: &str) -> Result<Option<Payment>> {
        Ok(self
            .s
            .payment_by_reference
            .get(reference)
            .and_then(|id| self.s.payments.get(id))
            .cloned())
    }

    fn payments_of_patient(&self, patient: PatientId) -> Result<Vec<Payment>> {
        let mut out: Vec<Payment> = self
            .s
            .payments_by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.s.payments.get(id).cloned())
            .collect();
        out.sort_by_key(|p| (p.received_at, p.id));
        Ok(out)
    }
    // --- pharmacy ---

    fn drug(&self, id: DrugId) -> Result<Option<Drug>> {
        Ok(self.s.drugs.get(&id).cloned())
    }

    fn drugs(&self) -> Result<Vec<Drug>> {
        Ok(self.s.drugs.values().cloned().collect())
    }

    fn batch(&self, id: BatchId) -> Result<Option<Batch>> {
        Ok(self.s.batches.get(&id).cloned())
    }

    fn batches(&self, drug: Option<DrugId>) -> Result<Vec<Batch>> {
        Ok(match drug {
            None => self.s.batches.values().cloned().collect(),
            Some(d) => self
                .s
                .batches_by_drug
                .get(&d)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| self.s.batches.get(id))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn stock_balances(&self, drug: Option<DrugId>) -> Result<Vec<StockBalance>> {
        let rows = |b: &Batch| -> Vec<StockBalance> {
            self.s
                .balances
                .get(&b.id)
                .map(|per_location| {
                    per_location
                        .iter()
                        .map(|(location, on_hand)| StockBalance {
                            batch: b.id,
                            drug: b.drug,
                            location: location.clone(),
                            on_hand: *on_hand,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(self.batches(drug)?.iter().flat_map(rows).collect())
    }

    fn movements_of_batch(&self, batch: BatchId) -> Result<Vec<LedgerEntry>> {
        Ok(self
            .s
            .ledger_by_batch
            .get(&batch)
            .map(|idx| {
                idx.iter()
                    .filter_map(|i| self.s.ledger.get(*i))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        Ok(self.s.prescriptions.get(&id).cloned())
    }

    fn dispense(&self, id: DispenseId) -> Result<Option<Dispense>> {
        Ok(self.s.dispenses.get(&id).cloned())
    }

    fn dispenses_of_prescription(&self, prescription: PrescriptionId) -> Result<Vec<Dispense>> {
        let mut out: Vec<Dispense> = self
            .s
            .dispenses_by_prescription
            .get(&prescription)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.s.dispenses.get(id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|d| (d.dispensed_at, d.id));
        Ok(out)
    }

    fn reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        Ok(self.s.reservations.get(&id).cloned())
    }

    fn active_reservations(&self, drug: DrugId) -> Result<Vec<Reservation>> {
        Ok(self
            .s
            .reservations
            .values()
            .filter(|r| r.drug == drug && r.status == ReservationStatus::Active)
            .cloned()
            .collect())
    }

    fn open_stock_orders(&self, drug: Option<DrugId>) -> Result<Vec<StockOrder>> {
        Ok(self
            .s
            .stock_orders
            .values()
            .filter(|o| o.is_open() && drug.is_none_or(|d| o.drug == d))
            .cloned()
            .collect())
    }

    fn raised_alerts(&self) -> Result<Vec<AlertKey>> {
        Ok(self.s.raised_alerts.iter().cloned().collect())
    }
}

impl Writes for Inner {
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64> {
        let n = self.s.sequences.get(&seq).copied().unwrap_or(0) + 1;
        self.s.sequences.insert(seq, n);
        Ok(n)
    }

    fn insert_patient(&mut self, p: &Patient) -> Result<()> {
        if self.s.patients.contains_key(&p.id) || self.s.patient_by_mrn.contains_key(&p.mrn) {
            return Err(backend_error(format!(
                "patient `{}` or MRN `{}` already stored",
                p.id, p.mrn
            )));
        }
        self.s.check_patient_unique(p)?;
        self.s.index_patient(p);
        self.s.patients.insert(p.id, p.clone());
        Ok(())
    }

    fn update_patient(&mut self, p: &Patient) -> Result<()> {
        let old = self
            .s
            .patients
            .get(&p.id)
            .cloned()
            .ok_or_else(|| Error::not_found("patient", p.id))?;
        if old.mrn != p.mrn {
            return Err(backend_error(format!(
                "the MRN of patient `{}` cannot change",
                p.id
            )));
        }
        self.s.check_patient_unique(p)?;
        self.s.unindex_patient(&old);
        self.s.index_patient(p);
        self.s.patients.insert(p.id, p.clone());
        Ok(())
    }

    fn insert_staff(&mut self, s: &Staff) -> Result<()> {
        if self.s.staff.contains_key(&s.id) {
            return Err(backend_error(format!("staff member `{}` already stored", s.id)));
        }
        if let Some(l) = &s.details.license_number {
            if let Some(existing) = self.s.staff_by_license.get(l) {
                return Err(PeopleError::DuplicateLicense {
                    license_number: l.clone(),
                    existing: *existing,
                }
                .into());
            }
            self.s.staff_by_license.insert(l.clone(), s.id);
        }
        self.s.staff.insert(s.id, s.clone());
        Ok(())
    }

    fn insert_account(&mut self, a: &UserAccount) -> Result<()> {
        if self.s.accounts.contains_key(&a.id) {
            return Err(backend_error(format!("account `{}` already stored", a.id)));
        }
        if self.s.account_by_login.contains_key(&a.login) {
            return Err(PeopleError::DuplicateLogin {
                login: a.login.clone(),
            }
            .into());
        }
        self.s.account_by_login.insert(a.login.clone(), a.id);
        self.s.accounts.insert(a.id, a.clone());
        Ok(())
    }

    fn insert_appointment(&mut self, a: &Appointment) -> Result<()> {
        if self.s.appointments.contains_key(&a.id) {
            return Err(backend_error(format!("appointment `{}` already stored", a.id)));
        }
        if let Some(key) = &a.client_key {
            if self
                .s
                .appointment_by_key
                .contains_key(&(a.booked_by, key.clone()))
            {
                return Err(backend_error(format!("request key `{key}` already used")));
            }
        }
        self.check_no_double_booking(a)?;
        if a.holds_time() {
            self.calendar_add(a);
        }
        if let Some(key) = &a.client_key {
            self.s.appointment_by_key.insert((a.booked_by, key.clone()), a.id);
        }
        self.s.index_by_party(a);
        self.s.appointments.insert(a.id, a.clone());
        Ok(())
    }

    fn update_appointment(&mut self, a: &Appointment) -> Result<()> {
        let old = self
            .s
            .appointments
            .get(&a.id)
            .cloned()
            .ok_or_else(|| Error::not_found("appointment", a.id))?;
        if old.holds_time() {
            self.calendar_remove(&old);
        }
        self.check_no_double_booking(a)?;
        if a.holds_time() {
            self.calendar_add(a);
        }
        self.s.unindex_by_party(&old);
        self.s.index_by_party(a);
        self.s.appointments.insert(a.id, a.clone());
        Ok(())
    }

    fn set_availability_templates(
        &mut self,
        doctor: StaffId,
        templates: &[AvailabilityTemplate],
    ) -> Result<()> {
        self.s.templates.insert(doctor, templates.to_vec());
        Ok(())
    }

    fn add_availability_exception(
        &mut self,
        doctor: StaffId,
        exception: &AvailabilityException,
    ) -> Result<()> {
        let mut list = self.s.exceptions.get(&doctor).cloned().unwrap_or_default();
        list.push(exception.clone());
        self.s.exceptions.insert(doctor, list);
        Ok(())
    }

    fn set_holidays(&mut self, holidays: &[AvailabilityException]) -> Result<()> {
        self.s.holidays = holidays.to_vec();
        Ok(())
    }

    fn insert_resource(&mut self, r: &Resource) -> Result<()> {
        if self.s.resources.contains_key(&r.id) {
            return Err(backend_error(format!("resource `{}` already stored", r.id)));
        }
        self.s.resources.insert(r.id, r.clone());
        Ok(())
    }

    fn insert_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        if self.s.waitlist.contains_key(&e.id) {
            return Err(backend_error(format!(
                "waiting-list entry `{}` already stored",
                e.id
            )));
        }
        self.s.waitlist.insert(e.id, e.clone());
        Ok(())
    }

    fn update_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        if !self.s.waitlist.contains_key(&e.id) {
            return Err(Error::not_found("waiting-list entry", e.id));
        }
        self.s.waitlist.insert(e.id, e.clone());
        Ok(())
    }

    fn update_account(&mut self, a: &UserAccount) -> Result<()> {
        let old = self
            .s
            .accounts
            .get(&a.id)
            .ok_or_else(|| Error::not_found("account", a.id))?;
        if old.login != a.login {
            return Err(backend_error(format!(
                "the login of account `{}` cannot change",
                a.id
            )));
        }
        self.s.accounts.insert(a.id, a.clone());
        Ok(())
    }

    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        if self.s.care_team.contains_key(&link.id) {
            return Err(backend_error(format!(
                "care-team link `{}` already stored",
                link.id
            )));
        }
        self.s
            .care_team_by_pair
            .entry((link.staff, link.patient))
            .or_default()
            .push_back(link.id);
        self.s
            .care_team_by_patient
            .entry(link.patient)
            .or_default()
            .push_back(link.id);
        self.s.care_team.insert(link.id, link.clone());
        Ok(())
    }

    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        let old = self
            .s
            .care_team
            .get(&link.id)
            .ok_or_else(|| Error::not_found("care-team link", link.id))?;
        if (old.staff, old.patient) != (link.staff, link.patient) {
            return Err(backend_error(format!(
                "the staff member and patient of care-team link `{}` cannot change",
                link.id
            )));
        }
        self.s.care_team.insert(link.id, link.clone());
        Ok(())
    }

    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()> {
        if self.s.break_glass_ids.contains(&grant.id) {
            return Err(backend_error(format!(
                "emergency access grant `{}` already stored",
                grant.id
            )));
        }
        self.s.break_glass_ids.insert(grant.id);
        self.s
            .break_glass
            .entry((grant.staff, grant.patient))
            .or_default()
            .push_back(grant.clone());
        Ok(())
    }

    fn append_event(
        &mut self,
        id: EventId,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        event: &DomainEvent,
    ) -> Result<u64> {
        let seq = self.s.events.len() as u64 + 1;
        self.s.events.push_back(EventRecord {
            seq,
            id,
            at,
            actor,
            event: event.clone(),
        });
        Ok(seq)
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<()> {
        let expected = self.s.audit.len() as u64 + 1;
        if record.seq != expected {
            return Err(backend_error(format!(
                "audit entry {} out of order (the next entry is {expected})",
                record.seq
            )));
        }
        let last_hash = self.s.audit.last().map_or(AuditHash::GENESIS, |a| a.hash);
        // INVARIANT: the stored log is a hash chain; an entry that does not extend it is refused.
        if record.prev_hash != last_hash {
            return Err(backend_error(format!(
                "audit entry {} does not link to the last entry's hash",
                record.seq
            )));
        }
        if !record.is_sealed() {
            return Err(backend_error(format!(
                "audit entry {} does not match its hash",
                record.seq
            )));
        }
        if let Some(p) = record.patient {
            self.s
                .audit_by_patient
                .entry(p)
                .or_default()
                .push_back(record.seq);
        }
        self.s.audit.push_back(record.clone());
        Ok(())
    }

    // --- billing ---

    fn put_price_item(&mut self, item: &PriceItem) -> Result<()> {
        self.s.price_items.insert(item.code.clone(), item.clone());
        Ok(())
    }

    fn put_coverage_plan(&mut self, plan: &CoveragePlan) -> Result<()> {
        self.s
            .coverage_plans
            .insert((plan.payer.clone(), plan.plan.clone()), plan.clone());
        Ok(())
    }

    fn insert_charge(&mut self, c: &Charge) -> Result<()> {
        if self.s.charges.contains_key(&c.id) {
            return Err(backend_error(format!("charge `{}` already stored", c.id)));
        }
        let key = c.source.key();
        if self.s.charge_by_source.contains_key(&key) {
            return Err(BillingError::Duplicate { reference: key }.into());
        }
        self.s.charge_by_source.insert(key, c.id);
        index_push(&mut self.s.charges_by_patient, c.patient, c.id);
        self.s.charges.insert(c.id, c.clone());
        Ok(())
    }

    fn update_charge(&mut self, c: &Charge) -> Result<()> {
        let old = self
            .s
            .charges
            .get(&c.id)
            .ok_or_else(|| Error::not_found("charge", c.id))?;
        if old.source != c.source || old.patient != c.patient {
            return Err(backend_error(format!(
                "the source and patient of charge `{}` cannot change",
                c.id
            )));
        }
        self.s.charges.insert(c.id, c.clone());
        Ok(())
    }

    fn insert_invoice(&mut self, i: &Invoice) -> Result<()> {
        if self.s.invoices.contains_key(&i.id) {
            return Err(backend_error(format!("invoice `{}` already stored", i.id)));
        }
        check_paid_within_due(i)?;
        if let Some(n) = &i.number {
            if self.s.invoice_by_number.contains_key(n) {
                return Err(BillingError::Duplicate { reference: n.clone() }.into());
            }
            self.s.invoice_by_number.insert(n.clone(), i.id);
        }
        index_push(&mut self.s.invoices_by_patient, i.patient, i.id);
        self.s.invoices.insert(i.id, i.clone());
        Ok(())
    }

    fn update_invoice(&mut self, i: &Invoice) -> Result<()> {
        let old = self
            .s
            .invoices
            .get(&i.id)
            .ok_or_else(|| Error::not_found("invoice", i.id))?;
        if old.status != InvoiceStatus::Draft && !same_figures(old, i) {
            return Err(BillingError::ImmutableInvoice {
                invoice: i.id,
                status: old.status,
            }
            .into());
        }
        if old.patient != i.patient {
            return Err(backend_error(format!(
                "the patient of invoice `{}` cannot change",
                i.id
            )));
        }
        check_paid_within_due(i)?;
        if let Some(n) = &i.number {
            match self.s.invoice_by_number.get(n) {
                Some(other) if *other != i.id => {
                    return Err(BillingError::Duplicate { reference: n.clone() }.into())
                }
                Some(_) => {}
                None => {
                    self.s.invoice_by_number.insert(n.clone(), i.id);
                }
            }
        }
        self.s.invoices.insert(i.id, i.clone());
        Ok(())
    }

    fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        if self.s.payments.contains_key(&p.id) {
            return Err(backend_error(format!("payment `{}` already stored", p.id)));
        }
        check_payment_amounts(p)?;
        if let Some(r) = &p.external_reference {
            if self.s.payment_by_reference.contains_key(r) {
                return Err(BillingError::Duplicate { reference: r.clone() }.into());
            }
            self.s.payment_by_reference.insert(r.clone(), p.id);
        }
        index_push(&mut self.s.payments_by_patient, p.patient, p.id);
        self.s.payments.insert(p.id, p.clone());
        Ok(())
    }

    fn update_payment(&mut self, p: &Payment) -> Result<()> {
        let old = self
            .s
            .payments
            .get(&p.id)
            .ok_or_else(|| Error::not_found("payment", p.id))?;
        if old.amount != p.amount
            || old.external_reference != p.external_reference
            || old.patient != p.patient
        {
            return Err(backend_error(format!(
                "the amount, patient and reference of payment `{}` cannot change",
                p.id
            )));
        }
        check_payment_amounts(p)?;
        self.s.payments.insert(p.id, p.clone());
        Ok(())
    }
    // --- pharmacy ---

    fn insert_drug(&mut self, d: &Drug) -> Result<()> {
        if self.s.drugs.contains_key(&d.id) {
            return Err(backend_error(format!("drug `{}` already stored", d.id)));
        }
        self.s.drugs.insert(d.id, d.clone());
        Ok(())
    }

    fn update_drug(&mut self, d: &Drug) -> Result<()> {
        if !self.s.drugs.contains_key(&d.id) {
            return Err(Error::not_found("drug", d.id));
        }
        self.s.drugs.insert(d.id, d.clone());
        Ok(())
    }

    fn insert_batch(&mut self, b: &Batch) -> Result<()> {
        if self.s.batches.contains_key(&b.id) {
            return Err(backend_error(format!("batch `{}` already stored", b.id)));
        }
        if !self.s.drugs.contains_key(&b.drug) {
            return Err(Error::not_found("drug", b.drug));
        }
        let key = (b.drug, b.batch_number.clone());
        if let Some(existing) = self.s.batch_by_number.get(&key) {
            return Err(PharmacyError::DuplicateBatch {
                drug: b.drug,
                batch_number: b.batch_number.clone(),
                existing: *existing,
            }
            .into());
        }
        self.s.batch_by_number.insert(key, b.id);
        self.s.batches_by_drug.entry(b.drug).or_default().insert(b.id);
        self.s.batches.insert(b.id, b.clone());
        Ok(())
    }

    fn update_batch(&mut self, b: &Batch) -> Result<()> {
        let old = self
            .s
            .batches
            .get(&b.id)
            .ok_or_else(|| Error::not_found("batch", b.id))?;
        if old.drug != b.drug || old.batch_number != b.batch_number {
            return Err(backend_error(format!(
                "the drug and batch number of batch `{}` cannot change",
                b.id
            )));
        }
        self.s.batches.insert(b.id, b.clone());
        Ok(())
    }

    fn append_movement(&mut self, m: &Movement) -> Result<u64> {
        let batch = self
            .s
            .batches
            .get(&m.batch)
            .ok_or_else(|| Error::not_found("batch", m.batch))?;
        if batch.drug != m.drug {
            return Err(backend_error(format!(
                "movement `{}` names drug `{}`, but batch `{}` is of drug `{}`",
                m.id, m.drug, m.batch, batch.drug
            )));
        }
        if self.s.movement_ids.contains(&m.id) {
            return Err(backend_error(format!("stock movement `{}` already stored", m.id)));
        }
        let per_location = self.s.balances.entry(m.batch).or_default();
        let on_hand = per_location.get(&m.location).copied().unwrap_or(0);
        // INVARIANT: the balance never goes below zero, whatever the caller checked before.
        let next = ledger::apply(on_hand, m)?;
        per_location.insert(m.location.clone(), next);
        let seq = self.s.ledger.len() as u64 + 1;
        self.s
            .ledger_by_batch
            .entry(m.batch)
            .or_default()
            .push_back(self.s.ledger.len());
        self.s.ledger.push_back(LedgerEntry {
            seq,
            movement: m.clone(),
        });
        self.s.movement_ids.insert(m.id);
        Ok(seq)
    }

    fn insert_prescription(&mut self, p: &Prescription) -> Result<()> {
        if self.s.prescriptions.contains_key(&p.id) {
            return Err(backend_error(format!("prescription `{}` already stored", p.id)));
        }
        self.s.prescriptions.insert(p.id, p.clone());
        Ok(())
    }

    fn insert_dispense(&mut self, d: &Dispense) -> Result<()> {
        if self.s.dispenses.contains_key(&d.id) {
            return Err(backend_error(format!("dispense `{}` already stored", d.id)));
        }
        if let Some(p) = d.prescription {
            self.s
                .dispenses_by_prescription
                .entry(p)
                .or_default()
                .push_back(d.id);
        }
        self.s.dispenses.insert(d.id, d.clone());
        Ok(())
    }

    fn update_dispense(&mut self, d: &Dispense) -> Result<()> {
        let old = self
            .s
            .dispenses
            .get(&d.id)
            .ok_or_else(|| Error::not_found("dispense", d.id))?;
        if old.prescription != d.prescription {
            return Err(backend_error(format!(
                "the prescription of dispense `{}` cannot change",
                d.id
            )));
        }
        self.s.dispenses.insert(d.id, d.clone());
        Ok(())
    }

    fn insert_reservation(&mut self, r: &Reservation) -> Result<()> {
        if self.s.reservations.contains_key(&r.id) {
            return Err(backend_error(format!("reservation `{}` already stored", r.id)));
        }
        self.s.reservations.insert(r.id, r.clone());
        Ok(())
    }

    fn update_reservation(&mut self, r: &Reservation) -> Result<()> {
        if !self.s.reservations.contains_key(&r.id) {
            return Err(Error::not_found("reservation", r.id));
        }
        self.s.reservations.insert(r.id, r.clone());
        Ok(())
    }

    fn insert_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        if self.s.stock_orders.contains_key(&o.id) {
            return Err(backend_error(format!("stock order `{}` already stored", o.id)));
        }
        self.s.stock_orders.insert(o.id, o.clone());
        Ok(())
    }

    fn update_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        if !self.s.stock_orders.contains_key(&o.id) {
            return Err(Error::not_found("stock order", o.id));
        }
        self.s.stock_orders.insert(o.id, o.clone());
        Ok(())
    }

    fn set_alert_raised(&mut self, key: &AlertKey, raised: bool) -> Result<()> {
        if raised {
            self.s.raised_alerts.insert(key.clone());
        } else {
            self.s.raised_alerts.remove(key);
        }
        Ok(())
    }
}
