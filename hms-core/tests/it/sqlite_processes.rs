//! SQLite across processes: a use case whose process is killed midway leaves all of itself or none of
//! itself in the file, and processes racing to register the same person leave one patient.
//!
//! The parent tests re-run this test binary as child processes (the ignored test `child_process`,
//! told what to do by environment variables). A child that is to be killed pauses inside the use case
//! — between two statements of its transaction — and says so on its standard output; the parent then
//! kills it with SIGKILL, reopens the file and checks it.
#![cfg(all(feature = "sqlite", unix))]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hms_core::access::{AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use hms_core::billing::{Charge, ChargeSource, CoveragePlan, Invoice, InvoiceStatus, Payment, PriceItem};
use hms_core::events::{DomainEvent, EventRecord};
use hms_core::ids::{
    AccountId, AppointmentId, BatchId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId, InvoiceId,
    PatientId, PaymentId, PrescriptionId, ReservationId, ResourceId, SeededIds, StaffId, WaitlistId,
};
use hms_core::money::Currency;
use hms_core::people::{
    AdministrativeSex, DemographicKey, Mrn, Patient, PatientDetails, PersonName, Staff, StaffRole,
    UserAccount,
};
use hms_core::pharmacy::{
    AlertKey, Batch, Dispense, Drug, LedgerEntry, Movement, Prescription, Reservation, StockBalance,
    StockOrder,
};
use hms_core::scheduling::availability::{AvailabilityException, AvailabilityTemplate};
use hms_core::scheduling::calendar::Entry;
use hms_core::scheduling::waitlist::WaitlistEntry;
use hms_core::scheduling::{Appointment, AppointmentStatus, Party, Resource};
use hms_core::store::sqlite::SqliteStore;
use hms_core::store::{PatientQuery, Reads, Sequence, Store, Writes};
use hms_core::time::{Interval, ManualClock};
use hms_core::{Hospital, HospitalSettings, Result};

use crate::scratch::TempDir;

const MODE: &str = "HMS_CHILD_MODE";
const DB: &str = "HMS_CHILD_DB";
const BATCH: &str = "HMS_CHILD_BATCH";
const PAUSE_AT: &str = "HMS_CHILD_PAUSE_AT";
const START_AT_MS: &str = "HMS_CHILD_START_AT_MS";
const INDEX: &str = "HMS_CHILD_INDEX";
const PAUSED: &str = "HMS-CHILD-PAUSED";
const OUTCOME: &str = "HMS-CHILD-OUTCOME";

fn hospital<S: Store>(store: S, seed: u64) -> Hospital<S> {
    Hospital::with_environment(
        store,
        HospitalSettings {
            name: "Clinic".into(),
            zone: chrono_tz::Asia::Kolkata,
            currency: Currency::INR,
            ..HospitalSettings::default()
        },
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
        )),
        Arc::new(SeededIds::new(seed)),
    )
}

/// The `i`-th of many distinct people.
fn form(i: usize) -> PatientDetails {
    PatientDetails {
        phone: Some(format!("+91 98{i:08}")),
        national_id: Some(format!("{:012}", 500_000 + i)),
        ..PatientDetails::new(
            PersonName::new("Pat", format!("Number{i}")),
            NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

// ---------------------------------------------------------------------------------------------
// The child

#[test]
#[ignore = "a child process of the tests in this module, which run it with what it needs"]
fn child_process() {
    let path = PathBuf::from(var(DB));
    match var(MODE).as_str() {
        "pause" => child_pauses_inside_a_use_case(&path),
        "race" => child_races(&path),
        other => panic!("unknown child mode `{other}`"),
    }
}

/// Registers a batch of patients in one use case and pauses before its `HMS_CHILD_PAUSE_AT`-th write
/// (or after the commit, when it is 0) until it is killed.
fn child_pauses_inside_a_use_case(path: &Path) {
    let batch: usize = var(BATCH).parse().unwrap();
    let pause_at: usize = var(PAUSE_AT).parse().unwrap();
    let h = hospital(Tripwire::new(SqliteStore::open(path).unwrap(), pause_at), 7);
    let admin = h.store().read(|r| r.account_by_login("admin")).unwrap().unwrap();
    let forms: Vec<_> = (0..batch).map(form).collect();
    h.register_patients(admin.id, &forms).unwrap();
    assert_eq!(
        pause_at, 0,
        "the tripwire was set past the last write of the use case"
    );
    pause();
}

/// Waits for the agreed instant, then registers the person every racer registers.
fn child_races(path: &Path) {
    let index: u64 = var(INDEX).parse().unwrap();
    let start_at: u128 = var(START_AT_MS).parse().unwrap();
    let h = hospital(SqliteStore::open(path).unwrap(), 1000 + index);
    let admin = h.store().read(|r| r.account_by_login("admin")).unwrap().unwrap();
    let mut person = form(1);
    person.phone = Some(format!("+91 90000 0000{index}"));
    let wait = start_at.saturating_sub(now_ms());
    std::thread::sleep(Duration::from_millis(u64::try_from(wait).unwrap()));
    let outcome = match h.register_patient(admin.id, person) {
        Ok(_) => "ok",
        Err(e) if e.code() == "duplicate" => "duplicate",
        Err(e) => panic!("racer {index} failed: {e}"),
    };
    say(&format!("{OUTCOME} {outcome}"));
}

/// Tells the parent something, at once (standard output is buffered when it is a pipe).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn pause() -> ! {
    say(PAUSED);
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

/// A store whose write transactions pause the process before their `n`-th write (counted over the
/// store's life; 0 never pauses).
struct Tripwire<S> {
    inner: S,
    left: AtomicUsize,
}

impl<S> Tripwire<S> {
    fn new(inner: S, n: usize) -> Self {
        Tripwire {
            inner,
            left: AtomicUsize::new(n),
        }
    }
}

impl<S: Store> Store for Tripwire<S> {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        self.inner.read(f)
    }

    fn write<R>(&self, mut f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        self.inner.write(|tx| {
            f(&mut Counting {
                inner: tx,
                left: &self.left,
            })
        })
    }
}

struct Counting<'a> {
    inner: &'a mut dyn Writes,
    left: &'a AtomicUsize,
}

impl Counting<'_> {
    fn step(&self) {
        let left = self.left.load(Ordering::SeqCst);
        if left == 1 {
            pause();
        }
        if left > 1 {
            self.left.store(left - 1, Ordering::SeqCst);
        }
    }
}

impl Reads for Counting<'_> {
    fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        self.inner.patient(id)
    }
    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>> {
        self.inner.patient_by_mrn(mrn)
    }
    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>> {
        self.inner.patient_by_national_id(national_id)
    }
    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>> {
        self.inner.patient_by_demographic_key(key)
    }
    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>> {
        self.inner.search_patients(query)
    }
    fn count_patients(&self) -> Result<u64> {
        self.inner.count_patients()
    }
    fn staff(&self, id: StaffId) -> Result<Option<Staff>> {
        self.inner.staff(id)
    }
    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>> {
        self.inner.staff_by_license(license_number)
    }
    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        self.inner.list_staff(role)
    }
    fn account(&self, id: AccountId) -> Result<Option<UserAccount>> {
        self.inner.account(id)
    }
    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>> {
        self.inner.account_by_login(login)
    }
    fn count_accounts(&self) -> Result<u64> {
        self.inner.count_accounts()
    }
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.inner.events_after(after, limit)
    }
    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.inner.audit_after(after, limit)
    }
    fn last_audit(&self) -> Result<Option<AuditRecord>> {
        self.inner.last_audit()
    }
    fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        self.inner.appointment(id)
    }
    fn appointment_by_client_key(&self, account: AccountId, key: &str) -> Result<Option<Appointment>> {
        self.inner.appointment_by_client_key(account, key)
    }
    fn calendar_overlaps(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>> {
        self.inner.calendar_overlaps(party, interval)
    }
    fn appointments_of(&self, party: Party, range: &Interval) -> Result<Vec<Appointment>> {
        self.inner.appointments_of(party, range)
    }
    fn appointments_ended_before(
        &self,
        status: AppointmentStatus,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        self.inner.appointments_ended_before(status, before, limit)
    }
    fn availability_templates(&self, doctor: StaffId) -> Result<Vec<AvailabilityTemplate>> {
        self.inner.availability_templates(doctor)
    }
    fn availability_exceptions(&self, doctor: StaffId) -> Result<Vec<AvailabilityException>> {
        self.inner.availability_exceptions(doctor)
    }
    fn holidays(&self) -> Result<Vec<AvailabilityException>> {
        self.inner.holidays()
    }
    fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        self.inner.resource(id)
    }
    fn resources(&self, kind: Option<&str>) -> Result<Vec<Resource>> {
        self.inner.resources(kind)
    }
    fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        self.inner.waitlist_entry(id)
    }
    fn waitlist_for_doctor(&self, doctor: StaffId) -> Result<Vec<WaitlistEntry>> {
        self.inner.waitlist_for_doctor(doctor)
    }
    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.inner.audit_of_patient(patient, after, limit)
    }
    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>> {
        self.inner.care_team_link(id)
    }
    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        self.inner.care_team_of(patient)
    }
    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>> {
        self.inner.relationship_facts(staff, patient, now)
    }
    fn break_glass_grants(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreakGlassGrant>> {
        self.inner.break_glass_grants(staff, patient, now)
    }

    // --- billing ---
    fn price_item(&self, code: &str) -> Result<Option<PriceItem>> {
        self.inner.price_item(code)
    }
    fn price_items(&self) -> Result<Vec<PriceItem>> {
        self.inner.price_items()
    }
    fn coverage_plan(&self, payer: &str, plan: &str) -> Result<Option<CoveragePlan>> {
        self.inner.coverage_plan(payer, plan)
    }
    fn charge(&self, id: ChargeId) -> Result<Option<Charge>> {
        self.inner.charge(id)
    }
    fn charge_by_source(&self, source: &ChargeSource) -> Result<Option<Charge>> {
        self.inner.charge_by_source(source)
    }
    fn charges_of_patient(&self, patient: PatientId) -> Result<Vec<Charge>> {
        self.inner.charges_of_patient(patient)
    }
    fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        self.inner.invoice(id)
    }
    fn invoices_of_patient(&self, patient: PatientId) -> Result<Vec<Invoice>> {
        self.inner.invoices_of_patient(patient)
    }
    fn invoices_with_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>> {
        self.inner.invoices_with_status(status)
    }
    fn payment(&self, id: PaymentId) -> Result<Option<Payment>> {
        self.inner.payment(id)
    }
    fn payment_by_reference(&self, reference: &str) -> Result<Option<Payment>> {
        self.inner.payment_by_reference(reference)
    }
    fn payments_of_patient(&self, patient: PatientId) -> Result<Vec<Payment>> {
        self.inner.payments_of_patient(patient)
    }
    // --- pharmacy ---
    fn drug(&self, id: DrugId) -> Result<Option<Drug>> {
        self.inner.drug(id)
    }
    fn drugs(&self) -> Result<Vec<Drug>> {
        self.inner.drugs()
    }
    fn batch(&self, id: BatchId) -> Result<Option<Batch>> {
        self.inner.batch(id)
    }
    fn batches(&self, drug: Option<DrugId>) -> Result<Vec<Batch>> {
        self.inner.batches(drug)
    }
    fn stock_balances(&self, drug: Option<DrugId>) -> Result<Vec<StockBalance>> {
        self.inner.stock_balances(drug)
    }
    fn movements_of_batch(&self, batch: BatchId) -> Result<Vec<LedgerEntry>> {
        self.inner.movements_of_batch(batch)
    }
    fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        self.inner.prescription(id)
    }
    fn dispense(&self, id: DispenseId) -> Result<Option<Dispense>> {
        self.inner.dispense(id)
    }
    fn dispenses_of_prescription(&self, prescription: PrescriptionId) -> Result<Vec<Dispense>> {
        self.inner.dispenses_of_prescription(prescription)
    }
    fn reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        self.inner.reservation(id)
    }
    fn active_reservations(&self, drug: DrugId) -> Result<Vec<Reservation>> {
        self.inner.active_reservations(drug)
    }
    fn open_stock_orders(&self, drug: Option<DrugId>) -> Result<Vec<StockOrder>> {
        self.inner.open_stock_orders(drug)
    }
    fn raised_alerts(&self) -> Result<Vec<AlertKey>> {
        self.inner.raised_alerts()
    }
}

impl Writes for Counting<'_> {
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64> {
        self.step();
        self.inner.next_sequence(seq)
    }
    fn insert_patient(&mut self, patient: &Patient) -> Result<()> {
        self.step();
        self.inner.insert_patient(patient)
    }
    fn update_patient(&mut self, patient: &Patient) -> Result<()> {
        self.step();
        self.inner.update_patient(patient)
    }
    fn insert_staff(&mut self, staff: &Staff) -> Result<()> {
        self.step();
        self.inner.insert_staff(staff)
    }
    fn insert_account(&mut self, account: &UserAccount) -> Result<()> {
        self.step();
        self.inner.insert_account(account)
    }
    fn update_account(&mut self, account: &UserAccount) -> Result<()> {
        self.step();
        self.inner.update_account(account)
    }
    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        self.step();
        self.inner.insert_care_team_link(link)
    }
    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        self.step();
        self.inner.update_care_team_link(link)
    }
    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()> {
        self.step();
        self.inner.insert_break_glass(grant)
    }
    fn insert_appointment(&mut self, a: &Appointment) -> Result<()> {
        self.step();
        self.inner.insert_appointment(a)
    }
    fn update_appointment(&mut self, a: &Appointment) -> Result<()> {
        self.step();
        self.inner.update_appointment(a)
    }
    fn set_availability_templates(
        &mut self,
        doctor: StaffId,
        templates: &[AvailabilityTemplate],
    ) -> Result<()> {
        self.step();
        self.inner.set_availability_templates(doctor, templates)
    }
    fn add_availability_exception(
        &mut self,
        doctor: StaffId,
        exception: &AvailabilityException,
    ) -> Result<()> {
        self.step();
        self.inner.add_availability_exception(doctor, exception)
    }
    fn set_holidays(&mut self, holidays: &[AvailabilityException]) -> Result<()> {
        self.step();
        self.inner.set_holidays(holidays)
    }
    fn insert_resource(&mut self, r: &Resource) -> Result<()> {
        self.step();
        self.inner.insert_resource(r)
    }
    fn insert_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        self.step();
        self.inner.insert_waitlist_entry(e)
    }
    fn update_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        self.step();
        self.inner.update_waitlist_entry(e)
    }
    fn append_event(
        &mut self,
        id: EventId,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        event: &DomainEvent,
    ) -> Result<u64> {
        self.step();
        self.inner.append_event(id, at, actor, event)
    }
    fn append_audit(&mut self, record: &AuditRecord) -> Result<()> {
        self.step();
        self.inner.append_audit(record)
    }

    // --- billing ---
    fn put_price_item(&mut self, item: &PriceItem) -> Result<()> {
        self.step();
        self.inner.put_price_item(item)
    }
    fn put_coverage_plan(&mut self, plan: &CoveragePlan) -> Result<()> {
        self.step();
        self.inner.put_coverage_plan(plan)
    }
    fn insert_charge(&mut self, charge: &Charge) -> Result<()> {
        self.step();
        self.inner.insert_charge(charge)
    }
    fn update_charge(&mut self, charge: &Charge) -> Result<()> {
        self.step();
        self.inner.update_charge(charge)
    }
    fn insert_invoice(&mut self, invoice: &Invoice) -> Result<()> {
        self.step();
        self.inner.insert_invoice(invoice)
    }
    fn update_invoice(&mut self, invoice: &Invoice) -> Result<()> {
        self.step();
        self.inner.update_invoice(invoice)
    }
    fn insert_payment(&mut self, payment: &Payment) -> Result<()> {
        self.step();
        self.inner.insert_payment(payment)
    }
    fn update_payment(&mut self, payment: &Payment) -> Result<()> {
        self.step();
        self.inner.update_payment(payment)
    }
    // --- pharmacy ---
    fn insert_drug(&mut self, drug: &Drug) -> Result<()> {
        self.step();
        self.inner.insert_drug(drug)
    }
    fn update_drug(&mut self, drug: &Drug) -> Result<()> {
        self.step();
        self.inner.update_drug(drug)
    }
    fn insert_batch(&mut self, batch: &Batch) -> Result<()> {
        self.step();
        self.inner.insert_batch(batch)
    }
    fn update_batch(&mut self, batch: &Batch) -> Result<()> {
        self.step();
        self.inner.update_batch(batch)
    }
    fn append_movement(&mut self, movement: &Movement) -> Result<u64> {
        self.step();
        self.inner.append_movement(movement)
    }
    fn insert_prescription(&mut self, prescription: &Prescription) -> Result<()> {
        self.step();
        self.inner.insert_prescription(prescription)
    }
    fn insert_dispense(&mut self, dispense: &Dispense) -> Result<()> {
        self.step();
        self.inner.insert_dispense(dispense)
    }
    fn update_dispense(&mut self, dispense: &Dispense) -> Result<()> {
        self.step();
        self.inner.update_dispense(dispense)
    }
    fn insert_reservation(&mut self, reservation: &Reservation) -> Result<()> {
        self.step();
        self.inner.insert_reservation(reservation)
    }
    fn update_reservation(&mut self, reservation: &Reservation) -> Result<()> {
        self.step();
        self.inner.update_reservation(reservation)
    }
    fn insert_stock_order(&mut self, order: &StockOrder) -> Result<()> {
        self.step();
        self.inner.insert_stock_order(order)
    }
    fn update_stock_order(&mut self, order: &StockOrder) -> Result<()> {
        self.step();
        self.inner.update_stock_order(order)
    }
    fn set_alert_raised(&mut self, key: &AlertKey, raised: bool) -> Result<()> {
        self.step();
        self.inner.set_alert_raised(key, raised)
    }
}

// ---------------------------------------------------------------------------------------------
// The parents

fn child(envs: &[(&str, String)]) -> Command {
    let name = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, rest)| rest);
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        &format!("{name}::child_process"),
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ]);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// Waits until `child` says it paused, then kills it with SIGKILL.
fn kill_when_paused(mut child: Child) {
    let stdout = child.stdout.take().unwrap();
    let paused = BufReader::new(stdout)
        .lines()
        .map_while(std::result::Result::ok)
        // The test harness may have written `test … ` on the same line before the child's words.
        .any(|line| line.ends_with(PAUSED));
    if !paused {
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        panic!("the child ended ({status}) without pausing:\n{err}");
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status}");
}

/// A new file with an admin and one patient; the child then registers `batch` more in one use case
/// and is killed before its `pause_at`-th write (after its commit for 0). Returns the directory.
fn kill_midway(batch: usize, pause_at: usize) -> (TempDir, PathBuf) {
    let dir = TempDir::new("sqlite-kill");
    let path = dir.path().join("clinic.db");
    let h = hospital(SqliteStore::open(&path).unwrap(), 1);
    let admin = h.bootstrap_admin("admin").unwrap();
    h.register_patient(admin.id, form(1_000_000)).unwrap();
    drop(h);
    let child = child(&[
        (MODE, "pause".into()),
        (DB, path.display().to_string()),
        (BATCH, batch.to_string()),
        (PAUSE_AT, pause_at.to_string()),
    ])
    .spawn()
    .unwrap();
    kill_when_paused(child);
    (dir, path)
}

/// Reopens the file and checks that it holds the first patient and either all `batch` patients of
/// the killed use case, with their events, audit entries and MRNs, or none of them.
fn assert_all_or_nothing(path: &Path, batch: usize, committed: bool) {
    let store = SqliteStore::open(path).unwrap();
    store.integrity_check().unwrap();
    let n = if committed { batch } else { 0 };
    let (patients, events, audit) = store
        .read(|r| {
            Ok((
                r.count_patients()?,
                r.events_after(0, usize::MAX)?.len(),
                r.audit_after(0, usize::MAX)?.len(),
            ))
        })
        .unwrap();
    assert_eq!(patients, 1 + n as u64, "patients");
    assert_eq!(
        events,
        2 + n,
        "events: the admin's account, the first patient, the batch"
    );
    assert_eq!(audit, 1 + n, "audit entries");
    let h = hospital(store, 3);
    let admin = h.store().read(|r| r.account_by_login("admin")).unwrap().unwrap();
    let next = h.register_patient(admin.id, form(2_000_000)).unwrap();
    assert_eq!(
        next.mrn,
        Mrn::from_sequence(2 + n as u64),
        "the MRN counter went with the use case"
    );
}

#[test]
fn a_use_case_killed_between_statements_leaves_all_or_nothing() {
    const N: usize = 25;
    // `register_patients` of N people writes, in order: N × (next MRN, insert patient), then N
    // events, then N audit entries — 4N writes — then commits.
    for pause_at in [1, 2, 2 * N, 2 * N + 1, 3 * N + 1, 4 * N] {
        let (_dir, path) = kill_midway(N, pause_at);
        assert_all_or_nothing(&path, N, false);
    }
    let (_dir, path) = kill_midway(N, 0);
    assert_all_or_nothing(&path, N, true);
}

#[test]
fn a_large_use_case_killed_after_spilling_to_the_log_leaves_nothing() {
    // 3000 registrations outgrow SQLite's page cache, so uncommitted pages are already in the
    // write-ahead log when the process dies; recovery must ignore them.
    const N: usize = 3000;
    let (_dir, path) = kill_midway(N, 4 * N);
    let wal = std::fs::metadata(path.with_extension("db-wal")).unwrap().len();
    assert!(wal > 2 << 20, "uncommitted pages reached the log ({wal} bytes)");
    assert_all_or_nothing(&path, N, false);
}

#[test]
fn processes_racing_to_register_one_person_leave_one_patient() {
    const RACERS: usize = 4;
    let dir = TempDir::new("sqlite-race");
    let path = dir.path().join("clinic.db");
    hospital(SqliteStore::open(&path).unwrap(), 1)
        .bootstrap_admin("admin")
        .unwrap();
    let start_at = now_ms() + 1500;
    let children: Vec<Child> = (0..RACERS)
        .map(|i| {
            child(&[
                (MODE, "race".into()),
                (DB, path.display().to_string()),
                (INDEX, i.to_string()),
                (START_AT_MS, start_at.to_string()),
            ])
            .spawn()
            .unwrap()
        })
        .collect();
    let mut outcomes: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "a racer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
                .lines()
                .find_map(|l| l.split_once(OUTCOME).map(|(_, outcome)| outcome))
                .unwrap_or_else(|| panic!("no outcome in {stdout}"))
                .trim()
                .to_owned()
        })
        .collect();
    outcomes.sort();
    assert_eq!(outcomes, ["duplicate", "duplicate", "duplicate", "ok"]);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.read(|r| r.count_patients()).unwrap(), 1);
}
