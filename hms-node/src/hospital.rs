//! `Hospital`: the core's use cases over a store. Every use case returns a `Promise` (it runs on
//! the thread pool, see `tasks.rs`); its arguments are read on the calling thread, and any error,
//! an unreadable argument included, arrives as a rejection with an `HmsError`, never as a throw.
//!
//! Field paths in `invalid_input` problems are relative to the use case's payload (the patient
//! details, the booking request, …), as the core's own validation reports them, so a form can map
//! them onto its fields; lists add their index (`patients[2].birthDate`) and the other arguments
//! use their names (`actor`, `patient`, `newStart`).
//!
//! The store is one arm of [`Backend`]. Only the in-memory store exists today; a database backend
//! is one more arm, one more `on_backend!` line, and a factory next to [`Hospital::in_memory`]
//! (see the README for what the SQLite store needs).

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc};
use hms_core::ids::{AccountId, CareTeamLinkId, IdSource, PatientId, RandomIds, SeededIds, StaffId};
use hms_core::store::postgres::{PostgresOptions, PostgresStore};
use hms_core::store::sqlite::SqliteStore;
use hms_core::store::MemoryStore;
use hms_core::time::{Clock, ManualClock, SystemClock};
use hms_core::{Hospital as CoreHospital, HospitalSettings};
use napi::bindgen_prelude::AsyncTask;
use napi::Env;
use napi_derive::napi;

use crate::access::Policy;
use crate::convert::access::{AccessReportEntry, AuditVerification, BreakGlassGrant, CareTeamLink};
use crate::convert::billing::RoundingMode;
use crate::convert::people::{
    self, new_account, patient_details, staff_details, NewAccount, Patient, PatientDetails, PatientQuery,
    Role, Staff, StaffDetails, StaffRole, UserAccount,
};
use crate::convert::records::{AuditRecord, EventRecord};
use crate::convert::scheduling::{
    appointment_id, booking_request, date_range, exception, exceptions, series_rule, template, Appointment,
    AppointmentStatus, AvailabilityException, AvailabilityTemplate, BookingRequest, ConflictMode, DoctorDay,
    DoctorSlot, FreeSlotsQuery, NewResource, Resource, SeriesOutcome, SeriesRequest, Slot, SlotSearch,
    WaitlistEntry, WaitlistRequest,
};
use crate::convert::{id_text, interval, IdRef, Instant, IntervalInput, IsoDate, Reader};
use crate::errors::OrThrow;
use crate::tasks::Job;

/// The store behind a hospital.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per hospital, held in an `Arc`: the size is paid once, a box would add an indirection to every call"
)]
enum Backend {
    /// Everything in memory (tests, demos, simulations).
    Memory(CoreHospital<MemoryStore>),
    /// A SQLite database file.
    Sqlite(CoreHospital<SqliteStore>),
    /// A PostgreSQL database.
    Postgres(CoreHospital<PostgresStore>),
}

/// Runs `$body` with `$h` bound to the core hospital, whatever its store.
macro_rules! on_backend {
    ($backend:expr, |$h:ident| $body:expr) => {
        match &*$backend {
            Backend::Memory($h) => $body,
            Backend::Sqlite($h) => $body,
            Backend::Postgres($h) => $body,
        }
    };
}

// The billing and pharmacy use cases, in `impl Hospital` blocks of their own (after the macro, so
// that they can use it).
mod billing;
mod pharmacy;

pub use billing::{GatewayWebhook, PaymentGateway};

/// How to set up a hospital. Every field is optional.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HospitalOptions {
    /// The hospital's name (`General Hospital`).
    pub name: Option<String>,
    /// The IANA zone its wall clocks show (`UTC`); "today" is a date in this zone.
    pub zone: Option<String>,
    /// The ISO 4217 currency it bills in (`USD`).
    pub currency: Option<String>,
    /// Whether a booking conflict is refused (`block`, the default) or may be overridden (`warn`).
    pub conflict_mode: Option<ConflictMode>,
    /// Start a manual clock at this instant (for tests and simulations; move it with `setNow` and
    /// `advance`). Without it the hospital reads the system clock.
    pub now: Option<Instant>,
    /// Make ids reproducible from this seed (for tests and simulations). Without it ids are random.
    pub seed: Option<i64>,
    /// How invoice tax is rounded (`per_tax_category`, the default, or `per_line`).
    pub invoice_rounding: Option<RoundingMode>,
    /// Days from the invoice date to the due date of the patient's share (30).
    pub payment_terms_days: Option<u32>,
    /// Days a dispensed medicine must stay usable after the last day of its course (0).
    pub min_shelf_life_days: Option<u32>,
    /// A batch expiring within this many days counts as expiring soon (90).
    pub expiry_warning_days: Option<u32>,
    /// How long a reservation holds stock when the request does not say, in minutes (240).
    pub reservation_minutes: Option<u32>,
}

/// A hospital: registration, scheduling, access, billing and pharmacy use cases over a store.
#[napi]
#[derive(Debug)]
pub struct Hospital {
    backend: Arc<Backend>,
    clock: Option<Arc<ManualClock>>,
    settings: HospitalSettings,
    policy: Policy,
}

/// Runs `work` on the inputs once they were read (or passes on why they could not be).
fn then<I: Send + 'static, T>(
    inputs: hms_core::Result<I>,
    work: impl FnOnce(I) -> hms_core::Result<T> + Send + 'static,
) -> impl FnOnce() -> hms_core::Result<T> + Send + 'static {
    move || work(inputs?)
}

/// What the factories read from their options: the settings, the clock, the id source and the
/// policy of a hospital to be.
struct Setup {
    settings: HospitalSettings,
    manual: Option<Arc<ManualClock>>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    policy: Policy,
}

impl Setup {
    /// Reads the options; an unreadable one is the `invalid_input` error listing them.
    fn read(options: Option<HospitalOptions>, policy: Option<&Policy>) -> hms_core::Result<Setup> {
        let o = options.unwrap_or_default();
        let defaults = HospitalSettings::default();
        let mut r = Reader::new();
        let zone = o
            .zone
            .as_deref()
            .map_or(Some(defaults.zone), |z| r.zone("zone", z));
        let currency = o
            .currency
            .as_deref()
            .map_or(Some(defaults.currency), |c| r.currency("currency", c));
        let now = o.now.as_ref().map(|t| r.instant("now", t));
        let seed = o.seed.map(|s| r.non_negative("seed", s));
        let (zone, currency) = r.take(zone.zip(currency))?;
        let settings = HospitalSettings {
            name: o.name.clone().unwrap_or_else(|| defaults.name.clone()),
            zone,
            currency,
            conflict_mode: o.conflict_mode.map_or(defaults.conflict_mode, Into::into),
            pharmacy: hms_core::pharmacy::PharmacySettings {
                min_shelf_life_days: o
                    .min_shelf_life_days
                    .unwrap_or(defaults.pharmacy.min_shelf_life_days),
                expiry_warning_days: o
                    .expiry_warning_days
                    .unwrap_or(defaults.pharmacy.expiry_warning_days),
                reservation_minutes: o
                    .reservation_minutes
                    .unwrap_or(defaults.pharmacy.reservation_minutes),
            },
            invoice_rounding: o.invoice_rounding.map_or(defaults.invoice_rounding, |m| match m {
                RoundingMode::PerLine => hms_core::billing::RoundingMode::PerLine,
                RoundingMode::PerTaxCategory => hms_core::billing::RoundingMode::PerTaxCategory,
            }),
            payment_terms_days: o.payment_terms_days.unwrap_or(defaults.payment_terms_days),
        };
        let manual = now.flatten().map(|t| Arc::new(ManualClock::new(t)));
        let clock: Arc<dyn Clock> = match &manual {
            Some(m) => m.clone(),
            None => Arc::new(SystemClock),
        };
        let ids: Arc<dyn IdSource> = match seed.flatten() {
            Some(s) => Arc::new(SeededIds::new(s)),
            None => Arc::new(RandomIds),
        };
        let policy = match policy {
            Some(p) => p.clone(),
            None => Policy::default_policy()?,
        };
        Ok(Setup {
            settings,
            manual,
            clock,
            ids,
            policy,
        })
    }

    /// The hospital over the backend that `make` builds from the settings, clock and ids.
    fn open(
        self,
        make: impl FnOnce(HospitalSettings, Arc<dyn Clock>, Arc<dyn IdSource>) -> Backend,
    ) -> hms_core::Result<Hospital> {
        let backend = make(self.settings.clone(), self.clock, self.ids);
        Ok(Hospital {
            backend: Arc::new(backend.with_policy(&self.policy)?),
            clock: self.manual,
            settings: self.settings,
            policy: self.policy,
        })
    }
}

impl Backend {
    /// The same backend's hospital under `policy`.
    fn with_policy(self, policy: &Policy) -> hms_core::Result<Backend> {
        let compiled = policy.compiled()?;
        Ok(match self {
            Backend::Memory(h) => Backend::Memory(h.with_policy(compiled)),
            Backend::Sqlite(h) => Backend::Sqlite(h.with_policy(compiled)),
            Backend::Postgres(h) => Backend::Postgres(h.with_policy(compiled)),
        })
    }
}

impl Hospital {
    fn manual_clock(&self) -> hms_core::Result<&ManualClock> {
        self.clock.as_deref().ok_or_else(|| {
            hms_core::error::ValidationError::single(
                "now",
                hms_core::error::FieldCode::Inconsistent,
                "this hospital reads the system clock; give `now` to `Hospital.inMemory` for a \
                 clock that can be set",
            )
            .into()
        })
    }
}

#[napi]
impl Hospital {
    /// A hospital whose store lives in memory (gone when the process ends): for tests, demos and
    /// simulations, under `policy` (the built-in hospital policy when left out). Throws
    /// `invalid_input` for an unknown zone or currency or an unreadable `now`.
    #[napi(factory)]
    pub fn in_memory(
        env: Env,
        options: Option<HospitalOptions>,
        policy: Option<&Policy>,
    ) -> napi::Result<Hospital> {
        let setup = Setup::read(options, policy).or_throw(&env)?;
        setup
            .open(|s, c, i| Backend::Memory(CoreHospital::with_environment(MemoryStore::new(), s, c, i)))
            .or_throw(&env)
    }

    /// The access policy the hospital decides with.
    #[napi(getter)]
    pub fn policy(&self) -> Policy {
        self.policy.clone()
    }

    /// A hospital whose data lives in the SQLite database file at `path` (created when missing, its
    /// schema brought up to date), the store for an application on one machine. Opening is I/O, so
    /// it resolves on the thread pool; it rejects with `storage` when the file cannot be opened or
    /// is not a database of this library, and with `invalid_input` for unreadable options.
    #[napi(ts_return_type = "Promise<Hospital>")]
    pub fn open(
        path: String,
        options: Option<HospitalOptions>,
        policy: Option<&Policy>,
    ) -> AsyncTask<Job<Hospital>> {
        let setup = Setup::read(options, policy);
        Job::spawn(move || {
            let setup = setup?;
            let store = SqliteStore::open(&path)?;
            setup.open(|s, c, i| Backend::Sqlite(CoreHospital::with_environment(store, s, c, i)))
        })
    }

    /// A hospital whose data lives in PostgreSQL at `url` (`postgresql://user@host:port/db`); with
    /// `schema`, its tables are in that schema (created when missing: one schema per hospital, or
    /// per test). Resolves once connected and migrated; rejects with `storage` when the server
    /// cannot be reached, `invalid_input` for a schema name that is not lower-case letters, digits
    /// and `_`.
    #[napi(ts_return_type = "Promise<Hospital>")]
    pub fn connect(
        url: String,
        options: Option<HospitalOptions>,
        policy: Option<&Policy>,
        schema: Option<String>,
    ) -> AsyncTask<Job<Hospital>> {
        let setup = Setup::read(options, policy);
        Job::spawn(move || {
            let setup = setup?;
            let mut pg = PostgresOptions::default();
            if let Some(schema) = schema {
                pg = pg.with_schema(schema);
            }
            let store = PostgresStore::connect_with(&url, pg)?;
            setup.open(|s, c, i| Backend::Postgres(CoreHospital::with_environment(store, s, c, i)))
        })
    }

    /// Drops the PostgreSQL schema the hospital was connected with, and everything in it (for tests
    /// and for closing a tenant). Rejects with `invalid_input` for a hospital on another store or
    /// connected without a schema of its own.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn drop_schema(&self) -> AsyncTask<Job<()>> {
        let b = self.backend.clone();
        Job::spawn(move || match &*b {
            Backend::Postgres(h) => h.store().drop_schema(),
            Backend::Memory(_) | Backend::Sqlite(_) => Err(hms_core::error::ValidationError::single(
                "schema",
                hms_core::error::FieldCode::Inconsistent,
                "only a hospital on PostgreSQL has a schema to drop",
            )
            .into()),
        })
    }

    /// Which store holds the data.
    #[napi(getter, ts_return_type = "'memory' | 'sqlite' | 'postgres'")]
    pub fn backend(&self) -> &'static str {
        match &*self.backend {
            Backend::Memory(_) => "memory",
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The hospital's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.settings.name.clone()
    }

    /// The IANA zone of its wall clocks.
    #[napi(getter)]
    pub fn zone(&self) -> String {
        self.settings.zone.name().to_owned()
    }

    /// The currency it bills in.
    #[napi(getter)]
    pub fn currency(&self) -> String {
        self.settings.currency.code().to_owned()
    }

    /// Whether booking conflicts are refused or may be overridden.
    #[napi(getter)]
    pub fn conflict_mode(&self) -> ConflictMode {
        self.settings.conflict_mode.into()
    }

    /// The current instant, from the hospital's clock.
    #[napi]
    pub fn now(&self) -> DateTime<Utc> {
        on_backend!(self.backend, |h| h.now())
    }

    /// Today's date on the hospital's wall clocks, `YYYY-MM-DD`.
    #[napi]
    pub fn today(&self) -> IsoDate {
        on_backend!(self.backend, |h| h.today()).to_string()
    }

    /// Sets the manual clock. Throws `invalid_input` on a hospital that reads the system clock.
    #[napi]
    pub fn set_now(&self, env: Env, now: Instant) -> napi::Result<()> {
        let clock = self.manual_clock().or_throw(&env)?;
        let mut r = Reader::new();
        let t = r.instant("now", &now);
        clock.set(r.take(t).or_throw(&env)?);
        Ok(())
    }

    /// Moves the manual clock forward by `minutes` (back when negative). Throws `invalid_input` on
    /// a hospital that reads the system clock, or when the clock would leave the years 1 to 9999.
    #[napi]
    pub fn advance(&self, env: Env, minutes: i64) -> napi::Result<()> {
        let clock = self.manual_clock().or_throw(&env)?;
        let Some(by) = Duration::try_minutes(minutes) else {
            return Err(hms_core::error::ValidationError::single(
                "minutes",
                hms_core::error::FieldCode::OutOfRange,
                format!("`{minutes}` minutes is not a duration the clock can move by"),
            ))
            .or_throw(&env);
        };
        let from = clock.now();
        // The clock stays inside the years a `Date` and an ISO string can name (1 to 9999).
        match from
            .checked_add_signed(by)
            .filter(|t| (1..=9999).contains(&t.year()))
        {
            Some(t) => {
                clock.set(t);
                Ok(())
            }
            None => Err(hms_core::time::TimeError::OutOfRange { from, by }).or_throw(&env),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Registration

    /// Opens the first admin account of an empty hospital (no actor needed). Rejects with
    /// `forbidden` once the hospital has an account, `invalid_input` for a bad login.
    #[napi(ts_return_type = "Promise<UserAccount>")]
    pub fn bootstrap_admin(&self, login: String) -> AsyncTask<Job<UserAccount>> {
        let b = self.backend.clone();
        Job::spawn(move || on_backend!(b, |h| h.bootstrap_admin(&login)).map(Into::into))
    }

    /// Adds a member of staff (admins). Rejects with `forbidden`, `invalid_input` listing every bad
    /// field, or `duplicate` when the licence number belongs to someone else.
    #[napi(ts_return_type = "Promise<Staff>")]
    pub fn hire_staff(&self, actor: IdRef, details: StaffDetails) -> AsyncTask<Job<Staff>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = staff_details(&mut r, "", details);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(d)), move |(a, d)| {
            on_backend!(b, |h| h.hire_staff(a, d)).map(Into::into)
        }))
    }

    /// Opens a login account for a member of staff or a patient (admins). Rejects with `forbidden`,
    /// `not_found`, `invalid_input` when the roles do not fit the person, `duplicate` for a taken
    /// login.
    #[napi(ts_return_type = "Promise<UserAccount>")]
    pub fn open_account(&self, actor: IdRef, account: NewAccount) -> AsyncTask<Job<UserAccount>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let n = new_account(&mut r, account);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(n)), move |(a, n)| {
            on_backend!(b, |h| h.open_account(a, n)).map(Into::into)
        }))
    }

    /// Registers a patient and gives them a medical record number. Rejects with `forbidden`,
    /// `invalid_input` listing every bad field, or `duplicate` (with `existingId`) for a second
    /// registration of the same person.
    #[napi(ts_return_type = "Promise<Patient>")]
    pub fn register_patient(&self, actor: IdRef, details: PatientDetails) -> AsyncTask<Job<Patient>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = patient_details(&mut r, "", details);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(d)), move |(a, d)| {
            on_backend!(b, |h| h.register_patient(a, d)).map(Into::into)
        }))
    }

    /// Registers many patients in one transaction: all of them, or (at the first error) none.
    #[napi(ts_return_type = "Promise<Array<Patient>>")]
    pub fn register_patients(
        &self,
        actor: IdRef,
        patients: Vec<PatientDetails>,
    ) -> AsyncTask<Job<Vec<Patient>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let batch: Vec<_> = patients
            .into_iter()
            .enumerate()
            .map(|(i, d)| patient_details(&mut r, &format!("patients[{i}]."), d))
            .collect();
        let batch: Option<Vec<_>> = batch.into_iter().collect();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(batch)), move |(a, batch)| {
            on_backend!(b, |h| h.register_patients(a, &batch))
                .map(|ps| ps.into_iter().map(Into::into).collect())
        }))
    }

    /// Replaces a patient's details; id, MRN and registration time stay. Rejects with `not_found`,
    /// `forbidden`, `invalid_input`, `duplicate`, or `inactive` for a deactivated patient.
    #[napi(ts_return_type = "Promise<Patient>")]
    pub fn update_patient(
        &self,
        actor: IdRef,
        patient: IdRef,
        details: PatientDetails,
    ) -> AsyncTask<Job<Patient>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let d = patient_details(&mut r, "", details);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p).zip(d)), move |((a, p), d)| {
            on_backend!(b, |h| h.update_patient(a, p, d)).map(Into::into)
        }))
    }

    /// Deactivates a patient (nothing is deleted). Rejects with `not_found`, `forbidden`,
    /// `invalid_input` for a blank reason, `inactive` if already deactivated.
    #[napi(ts_return_type = "Promise<Patient>")]
    pub fn deactivate_patient(
        &self,
        actor: IdRef,
        patient: IdRef,
        reason: String,
    ) -> AsyncTask<Job<Patient>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.deactivate_patient(a, p, &reason)).map(Into::into)
        }))
    }

    /// Reactivates a deactivated patient. Rejects with `not_found`, `forbidden`, or
    /// `invalid_transition` if the patient is active.
    #[napi(ts_return_type = "Promise<Patient>")]
    pub fn reactivate_patient(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Patient>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.reactivate_patient(a, p)).map(Into::into)
        }))
    }

    /// Reads a patient's record (the read is audited). Rejects with `forbidden` or `not_found`.
    #[napi(ts_return_type = "Promise<Patient>")]
    pub fn patient(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Patient>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.patient(a, p)).map(Into::into)
        }))
    }

    /// Searches patients by name (word prefixes), MRN, national id or telephone number.
    #[napi(ts_return_type = "Promise<Array<Patient>>")]
    pub fn search_patients(&self, actor: IdRef, query: Option<PatientQuery>) -> AsyncTask<Job<Vec<Patient>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q: hms_core::store::PatientQuery = query.unwrap_or_default().into();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.search_patients(a, &q)).map(|ps| ps.into_iter().map(Into::into).collect())
        }))
    }

    /// Lists staff, optionally of one role.
    #[napi(ts_return_type = "Promise<Array<Staff>>")]
    pub fn list_staff(&self, actor: IdRef, role: Option<StaffRole>) -> AsyncTask<Job<Vec<Staff>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let role = role.map(Into::into);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.list_staff(a, role)).map(|s| s.into_iter().map(Into::into).collect())
        }))
    }

    /// Domain events after sequence number `after` (0: from the start), oldest first, at most
    /// `limit` (1000) of them: for a host that relays them (the outbox).
    #[napi(ts_return_type = "Promise<Array<EventRecord>>")]
    pub fn events_after(&self, after: Option<i64>, limit: Option<u32>) -> AsyncTask<Job<Vec<EventRecord>>> {
        let mut r = Reader::new();
        let after = r.non_negative("after", after.unwrap_or(0));
        let limit = usize::try_from(limit.unwrap_or(1000)).unwrap_or(usize::MAX);
        let b = self.backend.clone();
        Job::spawn(then(r.take(after), move |after| {
            on_backend!(b, |h| h.events_after(after, limit))
                .map(|es| es.into_iter().map(Into::into).collect())
        }))
    }

    /// Audit entries (access decisions about patient data, and denials) after sequence number
    /// `after`, oldest first.
    #[napi(ts_return_type = "Promise<Array<AuditRecord>>")]
    pub fn audit_after(&self, after: Option<i64>, limit: Option<u32>) -> AsyncTask<Job<Vec<AuditRecord>>> {
        let mut r = Reader::new();
        let after = r.non_negative("after", after.unwrap_or(0));
        let limit = usize::try_from(limit.unwrap_or(1000)).unwrap_or(usize::MAX);
        let b = self.backend.clone();
        Job::spawn(then(r.take(after), move |after| {
            on_backend!(b, |h| h.audit_after(after, limit)).map(|es| es.into_iter().map(Into::into).collect())
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Scheduling

    /// Adds a bookable room or piece of equipment (admins).
    #[napi(ts_return_type = "Promise<Resource>")]
    pub fn add_resource(&self, actor: IdRef, resource: NewResource) -> AsyncTask<Job<Resource>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.add_resource(
                a,
                &resource.kind,
                &resource.name,
                resource.location.as_deref()
            ))
            .map(Into::into)
        }))
    }

    /// Replaces a doctor's availability templates (admins, or the doctor themself). Rejects with
    /// `invalid_input` listing every bad field of every template (`templates[i].…`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_availability(
        &self,
        actor: IdRef,
        doctor: IdRef,
        templates: Vec<AvailabilityTemplate>,
    ) -> AsyncTask<Job<()>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = r.id::<StaffId>("doctor", id_text(&doctor));
        let ts: Vec<_> = templates
            .into_iter()
            .enumerate()
            .map(|(i, t)| template(&mut r, &format!("templates[{i}]."), t))
            .collect();
        let ts: Option<Vec<_>> = ts.into_iter().collect();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(d).zip(ts)), move |((a, d), ts)| {
            on_backend!(b, |h| h.set_availability(a, d, ts))
        }))
    }

    /// Adds leave, an unavailable block, an extra session or a doctor's own holiday.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn add_availability_exception(
        &self,
        actor: IdRef,
        doctor: IdRef,
        exception: AvailabilityException,
    ) -> AsyncTask<Job<()>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = r.id::<StaffId>("doctor", id_text(&doctor));
        let x = self::exception(&mut r, "exception", exception);
        let inputs = x.and_then(|x| r.take(a.zip(d).zip(x)));
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |((a, d), x)| {
            on_backend!(b, |h| h.add_availability_exception(a, d, x))
        }))
    }

    /// Sets the hospital-wide public holidays (admins; `holiday` exceptions only).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_holidays(&self, actor: IdRef, holidays: Vec<AvailabilityException>) -> AsyncTask<Job<()>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let x = exceptions(&mut r, "holidays", holidays);
        let inputs = x.and_then(|x| r.take(a.map(|a| (a, x))));
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |(a, x)| {
            on_backend!(b, |h| h.set_holidays(a, x))
        }))
    }

    /// The free slots of one doctor for a visit type over local dates, optionally also free for a
    /// patient. Rejects with `visit_type_not_offered` when no template of the doctor offers it.
    #[napi(ts_return_type = "Promise<Array<Slot>>")]
    pub fn free_slots(&self, actor: IdRef, query: FreeSlotsQuery) -> AsyncTask<Job<Vec<Slot>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = r.id::<StaffId>("doctor", &query.doctor);
        let p = match &query.patient {
            Some(p) => r.id::<PatientId>("patient", p).map(Some),
            None => Some(None),
        };
        let range = date_range(&mut r, "range", &query.range);
        let inputs = range.and_then(|range| r.take(a.zip(d).zip(p).zip(range)));
        let visit = query.visit_type;
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |(((a, d), p), range)| {
            on_backend!(b, |h| h.free_slots(a, d, &visit, range, p))
                .map(|s| s.into_iter().map(Into::into).collect())
        }))
    }

    /// Free slots across every active doctor (of a specialization), sorted by start, then doctor.
    #[napi(ts_return_type = "Promise<Array<DoctorSlot>>")]
    pub fn search_slots(&self, actor: IdRef, search: SlotSearch) -> AsyncTask<Job<Vec<DoctorSlot>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let range = date_range(&mut r, "range", &search.range);
        let inputs = range.and_then(|range| r.take(a.zip(range)));
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |(a, range)| {
            on_backend!(b, |h| h.search_slots(
                a,
                search.specialization.as_deref(),
                &search.visit_type,
                range
            ))
            .map(|s| s.into_iter().map(Into::into).collect())
        }))
    }

    /// Books a visit: inside the doctor's working hours, outside the lead time and within the
    /// horizon, with the doctor, the patient and every needed room free. A repeated `clientKey`
    /// returns the first booking. Rejects with `slot_conflict` (listing every `conflicts` entry),
    /// the availability codes, `not_found`, `inactive`, `no_resource`, `idempotency_mismatch`,
    /// `forbidden`.
    #[napi(ts_return_type = "Promise<Appointment>")]
    pub fn book_appointment(&self, actor: IdRef, request: BookingRequest) -> AsyncTask<Job<Appointment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = booking_request(&mut r, "", request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.book_appointment(a, &q)).map(Into::into)
        }))
    }

    /// Books many visits in one transaction: all of them, or (at the first failure) none.
    #[napi(ts_return_type = "Promise<Array<Appointment>>")]
    pub fn book_many(&self, actor: IdRef, requests: Vec<BookingRequest>) -> AsyncTask<Job<Vec<Appointment>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let qs: Vec<_> = requests
            .into_iter()
            .enumerate()
            .map(|(i, q)| booking_request(&mut r, &format!("requests[{i}]."), q))
            .collect();
        let qs: Option<Vec<_>> = qs.into_iter().collect();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(qs)), move |(a, qs)| {
            on_backend!(b, |h| h.book_many(a, &qs)).map(|v| v.into_iter().map(Into::into).collect())
        }))
    }

    /// Moves an appointment to a new start, atomically (the new time is taken and the old one given
    /// back, or nothing changes). Rejects as `bookAppointment`, and with `invalid_transition` when
    /// it no longer holds a time.
    #[napi(ts_return_type = "Promise<Appointment>")]
    pub fn reschedule_appointment(
        &self,
        actor: IdRef,
        appointment: IdRef,
        new_start: Instant,
        override_reason: Option<String>,
    ) -> AsyncTask<Job<Appointment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = appointment_id(&mut r, "appointment", &appointment);
        let start = r.instant("newStart", &new_start);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id).zip(start)), move |((a, id), start)| {
            on_backend!(b, |h| h.reschedule_appointment(
                a,
                id,
                start,
                override_reason.as_deref()
            ))
            .map(Into::into)
        }))
    }

    /// Cancels an appointment (a reason is required); its time is free at once and offered to the
    /// waiting list. Rejects with `invalid_transition` when it cannot be cancelled any more.
    #[napi(ts_return_type = "Promise<Appointment>")]
    pub fn cancel_appointment(
        &self,
        actor: IdRef,
        appointment: IdRef,
        reason: String,
    ) -> AsyncTask<Job<Appointment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = appointment_id(&mut r, "appointment", &appointment);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.cancel_appointment(a, id, &reason)).map(Into::into)
        }))
    }

    /// Moves an appointment along its status machine (`arrived`, `checked-in`, `fulfilled`,
    /// `noshow`, `entered-in-error`, …). Rejects with `invalid_transition` for an illegal move.
    #[napi(ts_return_type = "Promise<Appointment>")]
    pub fn change_status(
        &self,
        actor: IdRef,
        appointment: IdRef,
        to: AppointmentStatus,
        reason: Option<String>,
    ) -> AsyncTask<Job<Appointment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = appointment_id(&mut r, "appointment", &appointment);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.change_status(a, id, to.into(), reason.as_deref())).map(Into::into)
        }))
    }

    /// The no-show sweep (a scheduled job of the host): every `booked` appointment whose visit ended
    /// more than `graceMinutes` ago becomes `noshow`. Resolves to the ids it marked.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn sweep_no_shows(&self, grace_minutes: u32) -> AsyncTask<Job<Vec<String>>> {
        let b = self.backend.clone();
        Job::spawn(move || {
            on_backend!(b, |h| h
                .sweep_no_shows(Duration::minutes(i64::from(grace_minutes))))
            .map(|ids| ids.iter().map(ToString::to_string).collect())
        })
    }

    /// Books a recurring series: with mode `all_or_none` (the default) one refusal books nothing;
    /// with `available` the refusals are reported in `refused`.
    #[napi(ts_return_type = "Promise<SeriesOutcome>")]
    pub fn book_series(&self, actor: IdRef, request: SeriesRequest) -> AsyncTask<Job<SeriesOutcome>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", &request.patient);
        let d = r.id::<StaffId>("doctor", &request.doctor);
        let rule = series_rule(&mut r, "rule", request.rule);
        let mode = request
            .mode
            .map_or(hms_core::hospital::SeriesMode::AllOrNone, Into::into);
        let visit = request.visit_type;
        let b = self.backend.clone();
        Job::spawn(then(
            r.take(a.zip(p).zip(d).zip(rule)),
            move |(((a, p), d), rule)| {
                on_backend!(b, |h| h.book_series(a, p, d, &visit, &rule, mode)).map(Into::into)
            },
        ))
    }

    /// Puts a patient on a doctor's waiting list for any time starting inside `window`.
    #[napi(ts_return_type = "Promise<WaitlistEntry>")]
    pub fn join_waitlist(&self, actor: IdRef, request: WaitlistRequest) -> AsyncTask<Job<WaitlistEntry>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", &request.patient);
        let d = r.id::<StaffId>("doctor", &request.doctor);
        let w = r.ends("window", &request.window);
        let inputs = r
            .take(a.zip(p).zip(d).zip(w))
            .and_then(|(apd, w)| Ok((apd, interval(w)?)));
        let visit = request.visit_type;
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |(((a, p), d), w)| {
            on_backend!(b, |h| h.join_waitlist(a, p, d, &visit, w)).map(Into::into)
        }))
    }

    /// A doctor's appointments on a local date (any status), for the day sheet.
    #[napi(ts_return_type = "Promise<DoctorDay>")]
    pub fn doctor_day(&self, actor: IdRef, doctor: IdRef, date: IsoDate) -> AsyncTask<Job<DoctorDay>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = r.id::<StaffId>("doctor", id_text(&doctor));
        let day = r.date("date", &date);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(d).zip(day)), move |((a, d), day)| {
            on_backend!(b, |h| h.doctor_day(a, d, day)).map(Into::into)
        }))
    }

    /// One appointment.
    #[napi(ts_return_type = "Promise<Appointment>")]
    pub fn appointment(&self, actor: IdRef, appointment: IdRef) -> AsyncTask<Job<Appointment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = appointment_id(&mut r, "appointment", &appointment);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.appointment(a, id)).map(Into::into)
        }))
    }

    /// A patient's appointments whose time overlaps `range` (any status).
    #[napi(ts_return_type = "Promise<Array<Appointment>>")]
    pub fn patient_appointments(
        &self,
        actor: IdRef,
        patient: IdRef,
        range: IntervalInput,
    ) -> AsyncTask<Job<Vec<Appointment>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let w = r.ends("range", &range);
        let inputs = r.take(a.zip(p).zip(w)).and_then(|(ap, w)| Ok((ap, interval(w)?)));
        let b = self.backend.clone();
        Job::spawn(then(inputs, move |((a, p), w)| {
            on_backend!(b, |h| h.patient_appointments(a, p, w))
                .map(|v| v.into_iter().map(Into::into).collect())
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Access: roles, care teams, emergency access, the audit log

    /// Sets an account's roles (admins; no one grants a role they do not hold, except the one the
    /// account's own person is entitled to). Rejects with `forbidden`, `not_found`, or
    /// `invalid_input` when the roles do not fit the person.
    #[napi(ts_return_type = "Promise<UserAccount>")]
    pub fn set_account_roles(
        &self,
        actor: IdRef,
        account: IdRef,
        roles: Vec<Role>,
    ) -> AsyncTask<Job<UserAccount>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let t = r.id::<AccountId>("account", id_text(&account));
        let roles: std::collections::BTreeSet<_> = roles.into_iter().map(Into::into).collect();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(t)), move |(a, t)| {
            on_backend!(b, |h| h.set_account_roles(a, t, roles)).map(Into::into)
        }))
    }

    /// Opens emergency ("break the glass") access to a patient's records for `minutes`, with a
    /// reason; it lapses by itself and every access under it is flagged in the audit log. Rejects
    /// with `forbidden` (only clinicians may), `invalid_input` (blank reason, a duration outside 1
    /// to the policy's maximum, an account without a staff record), `not_found`.
    #[napi(ts_return_type = "Promise<BreakGlassGrant>")]
    pub fn open_break_glass(
        &self,
        actor: IdRef,
        patient: IdRef,
        reason: String,
        minutes: u32,
    ) -> AsyncTask<Job<BreakGlassGrant>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.open_break_glass(a, p, &reason, minutes)).map(Into::into)
        }))
    }

    /// Puts a clinician on a patient's care team from now, until `validUntil` (open-ended when left
    /// out) or until the link is ended. Rejects with `forbidden`, `not_found`, `inactive`,
    /// `invalid_input` (non-clinical staff, an end not after now), or `duplicate`
    /// (`duplicate_care_team_member`, with the existing link's id).
    #[napi(ts_return_type = "Promise<CareTeamLink>")]
    pub fn add_care_team_member(
        &self,
        actor: IdRef,
        patient: IdRef,
        staff: IdRef,
        valid_until: Option<Instant>,
    ) -> AsyncTask<Job<CareTeamLink>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let s = r.id::<StaffId>("staff", id_text(&staff));
        let until = match &valid_until {
            None => Some(None),
            Some(t) => r.instant("validUntil", t).map(Some),
        };
        let b = self.backend.clone();
        Job::spawn(then(
            r.take(a.zip(p).zip(s).zip(until)),
            move |(((a, p), s), until)| {
                on_backend!(b, |h| h.add_care_team_member(a, p, s, until)).map(Into::into)
            },
        ))
    }

    /// Ends a care-team link now. Rejects with `forbidden`, `not_found`, or `invalid_transition`
    /// (`care_team_link_ended`) when it has ended already.
    #[napi(ts_return_type = "Promise<CareTeamLink>")]
    pub fn end_care_team_member(&self, actor: IdRef, link: IdRef) -> AsyncTask<Job<CareTeamLink>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let l = r.id::<CareTeamLinkId>("link", id_text(&link));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(l)), move |(a, l)| {
            on_backend!(b, |h| h.end_care_team_member(a, l)).map(Into::into)
        }))
    }

    /// A patient's care team: every link, current and ended, oldest first.
    #[napi(ts_return_type = "Promise<Array<CareTeamLink>>")]
    pub fn care_team(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Vec<CareTeamLink>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.care_team(a, p)).map(|v| v.into_iter().map(Into::into).collect())
        }))
    }

    /// The audit log after sequence number `after` (0: from the start), at most `limit` (1000)
    /// entries, for an admin's review (the review is audited too). Rejects with `forbidden`.
    #[napi(ts_return_type = "Promise<Array<AuditRecord>>")]
    pub fn audit_log(
        &self,
        actor: IdRef,
        after: Option<i64>,
        limit: Option<u32>,
    ) -> AsyncTask<Job<Vec<AuditRecord>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let after = r.non_negative("after", after.unwrap_or(0));
        let limit = usize::try_from(limit.unwrap_or(1000)).unwrap_or(usize::MAX);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(after)), move |(a, after)| {
            on_backend!(b, |h| h.audit_log(a, after, limit)).map(|v| v.into_iter().map(Into::into).collect())
        }))
    }

    /// Who accessed a patient's data, and when (the patient themself or an admin may ask).
    /// Rejects with `forbidden` or `not_found`.
    #[napi(ts_return_type = "Promise<Array<AccessReportEntry>>")]
    pub fn patient_access_report(
        &self,
        actor: IdRef,
        patient: IdRef,
    ) -> AsyncTask<Job<Vec<AccessReportEntry>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.patient_access_report(a, p)).map(|v| v.into_iter().map(Into::into).collect())
        }))
    }

    /// Checks the whole audit log's hash chain (it scans every entry, on the thread pool) and names
    /// every entry where it is broken.
    #[napi(ts_return_type = "Promise<AuditVerification>")]
    pub fn verify_audit_chain(&self) -> AsyncTask<Job<AuditVerification>> {
        let b = self.backend.clone();
        Job::spawn(move || on_backend!(b, |h| h.verify_audit_chain()).map(Into::into))
    }
}
