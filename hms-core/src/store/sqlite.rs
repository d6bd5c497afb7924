//! The SQLite backend (feature `sqlite`): the embedded default for a single clinic, a notebook or a
//! test — one file, no server.
//!
//! - **One file, WAL mode.** Readers never block the writer nor each other; `synchronous = FULL`, so a
//!   committed use case survives a power cut, not only a crash of the program.
//! - **The schema holds the invariants too**: UNIQUE national id, demographic key, MRN, licence and
//!   login; foreign keys (on for every connection); CHECKs on flags, versions and sequence numbers;
//!   triggers that keep the event and audit logs gapless and append-only and patients undeletable,
//!   and triggers that refuse double booking: a time-holding, exclusive appointment overlapping
//!   another of the same doctor, patient or resource is refused by the file itself, and the caller
//!   gets the typed `slot_conflict` naming the bookings in the way.
//! - **Versioned migrations on open** (`schema_version` table, SQL files under `migrations/sqlite/`),
//!   all pending ones in one transaction: a migration that fails leaves the file as it was, and a file
//!   written by a newer library is refused with [`super::StorageError::SchemaTooNew`], never
//!   downgraded.
//! - **One use case, one `BEGIN IMMEDIATE` transaction.** The write lock is taken before the first
//!   read, so a duplicate check and the insert it guards can never interleave with another writer —
//!   in this process (a mutex around the one writer connection) or in another process on the same
//!   file (SQLite's file lock; a waiting writer waits up to 30 s). Transactions therefore never fail
//!   to serialize and are never re-run.
//!
//! # Example
//! ```
//! # use hms_core::{Hospital, HospitalSettings, store::sqlite::SqliteStore};
//! # let dir = std::env::temp_dir().join(format!("hms-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("clinic.db");
//! let hospital = Hospital::new(SqliteStore::open(&path)?, HospitalSettings::default());
//! let admin = hospital.bootstrap_admin("admin")?;
//! drop(hospital);
//! // Reopening the file continues where it stopped.
//! let hospital = Hospital::new(SqliteStore::open(&path)?, HospitalSettings::default());
//! assert!(hospital.bootstrap_admin("admin").is_err(), "the admin is already there");
//! # drop(hospital);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), hms_core::Error>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::sql::{
    check_not_newer, enum_name, instant_text, invoice_figures, limit_i64, pending, storage, to_i64, to_json,
    to_u64, InvoiceColumns, Migration, PatientColumns, PaymentColumns, SearchPlan,
};
use super::{PatientQuery, Reads, Sequence, Store, Writes};
use crate::access::{AuditHash, AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use crate::billing::{
    BillingError, Charge, ChargeSource, CoveragePlan, Invoice, InvoiceStatus, Payment, PriceItem,
};
use crate::error::{Error, Result};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{
    AccountId, AppointmentId, BatchId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId, InvoiceId,
    PatientId, PaymentId, PrescriptionId, ReservationId, ResourceId, StaffId, WaitlistId,
};
use crate::people::{
    demographic_key, DemographicKey, DuplicateMatch, Mrn, Patient, PeopleError, Staff, StaffRole, UserAccount,
};
use crate::pharmacy::{
    ledger, AlertKey, AlertKind, Batch, Dispense, Drug, LedgerEntry, Location, Movement, PharmacyError,
    Prescription, Reservation, StockBalance, StockOrder,
};
use crate::scheduling::availability::{AvailabilityException, AvailabilityTemplate};
use crate::scheduling::calendar::Entry;
use crate::scheduling::waitlist::WaitlistEntry;
use crate::scheduling::{Appointment, AppointmentStatus, Party, Resource};
use crate::time::Interval;

mod calendar;

const BACKEND: &str = "sqlite";

/// The schema, one file per version (the list of steps is shared: [`super::sql::migrations`]).
pub(crate) const MIGRATIONS: &[Migration] = super::sql::migrations!("sqlite");

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Read connections kept open between reads.
const IDLE_READERS: usize = 4;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// A store in one SQLite database file (or in memory, for tests).
///
/// Thread-safe: writes go through one connection, one use case at a time; reads of a file database
/// use a small pool of their own connections and see the last committed state.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// The file, or `None` for an in-memory database (whose only connection is the writer's).
    path: Option<PathBuf>,
    readers: Mutex<Vec<Connection>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn db(e: rusqlite::Error) -> Error {
    storage(BACKEND, e)
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| storage(BACKEND, format!("a stored record is unreadable: {e}")))
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| storage(BACKEND, format!("stored id `{text}` is unreadable: {e}")))
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path` and brings its schema up to date.
    ///
    /// # Errors
    /// `storage` when the file cannot be opened or is not a database, when a migration fails (the
    /// file is then left as it was), or [`super::StorageError::SchemaTooNew`] when a newer version of the
    /// library wrote it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).map_err(db)?;
        configure(&conn)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(storage(
                BACKEND,
                format!(
                    "`{}` cannot use write-ahead logging (journal mode `{mode}`)",
                    path.display()
                ),
            ));
        }
        migrate(&mut conn, MIGRATIONS)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            path: Some(path),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// A fresh database in memory, gone when the store is dropped (for tests and notebooks).
    ///
    /// # Errors
    /// `storage` if SQLite cannot allocate it.
    pub fn in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory().map_err(db)?;
        configure(&conn)?;
        migrate(&mut conn, MIGRATIONS)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            path: None,
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file, if the store is not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the database (the newest migration applied).
    ///
    /// # Errors
    /// `storage` when the database cannot be read.
    pub fn schema_version(&self) -> Result<u32> {
        let conn = self.writer()?;
        current_version(&conn)
    }

    /// Checks the file's structure and its foreign keys (for example after a crash or a copy).
    ///
    /// # Errors
    /// `storage` naming the first problem found.
    pub fn integrity_check(&self) -> Result<()> {
        let conn = self.writer()?;
        let verdict: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db)?;
        if verdict != "ok" {
            return Err(storage(BACKEND, format!("integrity check failed: {verdict}")));
        }
        let broken: Option<String> = conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        match broken {
            Some(table) => Err(storage(
                BACKEND,
                format!("a row of `{table}` points at a missing row"),
            )),
            None => Ok(()),
        }
    }

    /// The writer connection, with no transaction left open.
    fn writer(&self) -> Result<MutexGuard<'_, Connection>> {
        // INVARIANT: a thread that panicked inside a transaction dropped its `rusqlite::Transaction`,
        // which rolled back; the database is consistent, so the lock's poison flag is ignored rather
        // than making the store unusable. A transaction still open here is rolled back for certain.
        let conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK").map_err(db)?;
        }
        Ok(conn)
    }

    fn take_reader(&self) -> Result<Option<Connection>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        if let Some(conn) = idle {
            return Ok(Some(conn));
        }
        let conn = Connection::open(path).map_err(db)?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", true).map_err(db)?;
        Ok(Some(conn))
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_READERS && conn.is_autocommit() {
            idle.push(conn);
        }
    }
}

/// Settings every connection needs.
fn configure(conn: &Connection) -> Result<()> {
    // Every statement of the backend stays prepared (rusqlite keeps 16 by default; we have ~30).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    conn.pragma_update(None, "foreign_keys", true).map_err(db)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(db)?;
    Ok(())
}

fn current_version(conn: &Connection) -> Result<u32> {
    conn.query_row("SELECT coalesce(max(version), 0) FROM schema_version", [], |r| {
        r.get(0)
    })
    .map_err(db)
}

/// Applies the pending `migrations` in one transaction and returns the resulting version.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<u32> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY CHECK (version >= 1),
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT",
    )
    .map_err(db)?;
    let mut version = current_version(&tx)?;
    check_not_newer(version, migrations)?;
    for m in pending(version, migrations) {
        tx.execute_batch(m.sql).map_err(|e| {
            storage(
                BACKEND,
                format!("migration {} `{}` failed: {e}", m.version, m.name),
            )
        })?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            params![m.version, m.name],
        )
        .map_err(db)?;
        version = m.version;
    }
    tx.commit().map_err(db)?;
    Ok(version)
}

impl Store for SqliteStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        match self.take_reader()? {
            Some(mut conn) => {
                let result = read_in(&mut conn, f);
                self.give_back(conn);
                result
            }
            None => {
                let mut conn = self.writer()?;
                read_in(&mut conn, f)
            }
        }
    }

    fn write<R>(&self, mut f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        let mut conn = self.writer()?;
        // INVARIANT: the write lock is taken before the first read of the use case.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        match f(&mut Tx { conn: &tx }) {
            Ok(value) => {
                tx.commit().map_err(db)?;
                Ok(value)
            }
            Err(e) => {
                // If even the rollback fails, dropping the connection's transaction on the next
                // use rolls it back (see `writer`); the use case's own error is the one to report.
                let _ = tx.rollback();
                Err(e)
            }
        }
    }
}

fn read_in<R>(conn: &mut Connection, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(db)?;
    let result = f(&Tx { conn: &tx });
    // A read transaction has nothing to commit; ending it releases its snapshot.
    tx.rollback().map_err(db)?;
    result
}

/// One transaction on one connection.
struct Tx<'a> {
    conn: &'a Connection,
}

impl Tx<'_> {
    fn record<T: DeserializeOwned>(&self, sql: &str, params: impl rusqlite::Params) -> Result<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        let text: Option<String> = stmt.query_row(params, |r| r.get(0)).optional().map_err(db)?;
        text.as_deref().map(from_json).transpose()
    }

    fn records<T: DeserializeOwned>(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        let rows = stmt.query_map(params, |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|row| row.map_err(db).and_then(|text| from_json(&text)))
            .collect()
    }

    fn id(&self, sql: &str, params: impl rusqlite::Params) -> Result<Option<Uuid>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        let text: Option<String> = stmt.query_row(params, |r| r.get(0)).optional().map_err(db)?;
        text.as_deref().map(parse_uuid).transpose()
    }

    fn number(&self, sql: &str, params: impl rusqlite::Params) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        stmt.query_row(params, |r| r.get(0)).map_err(db)
    }

    fn exists(&self, sql: &str, params: impl rusqlite::Params) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        stmt.exists(params).map_err(db)
    }

    fn execute(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        stmt.execute(params).map_err(db)
    }

    /// Rule (as the memory store): another patient holding the national id, or failing that the
    /// demographic key, makes `p` a duplicate of them.
    fn check_patient_unique(&self, p: &Patient) -> Result<()> {
        let me = p.id.to_string();
        if let Some(nid) = &p.details.national_id {
            if let Some(existing) = self.id(
                "SELECT id FROM patients WHERE national_id = ?1 AND id <> ?2",
                params![nid, me],
            )? {
                return Err(PeopleError::DuplicatePatient {
                    existing: PatientId::from_uuid(existing),
                    matched_on: DuplicateMatch::NationalId,
                }
                .into());
            }
        }
        if let Some(key) = demographic_key(&p.details) {
            if let Some(existing) = self.id(
                "SELECT id FROM patients WHERE demographic_key = ?1 AND id <> ?2",
                params![key.as_str(), me],
            )? {
                return Err(PeopleError::DuplicatePatient {
                    existing: PatientId::from_uuid(existing),
                    matched_on: DuplicateMatch::NameBirthDatePhone,
                }
                .into());
            }
        }
        Ok(())
    }

    /// The typed error for a failed patient write: the duplicate it hit if that is what the database
    /// refused, else the database's own message.
    fn patient_write_error(&self, e: rusqlite::Error, p: &Patient) -> Error {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
            if let Err(dup) = self.check_patient_unique(p) {
                return dup;
            }
        }
        db(e)
    }
}

impl Reads for Tx<'_> {
    fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        self.record("SELECT record FROM patients WHERE id = ?1", [id.to_string()])
    }

    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>> {
        self.record("SELECT record FROM patients WHERE mrn = ?1", [mrn.as_str()])
    }

    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>> {
        Ok(self
            .id("SELECT id FROM patients WHERE national_id = ?1", [national_id])?
            .map(PatientId::from_uuid))
    }

    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>> {
        Ok(self
            .id(
                "SELECT id FROM patients WHERE demographic_key = ?1",
                [key.as_str()],
            )?
            .map(PatientId::from_uuid))
    }

    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>> {
        let plan = SearchPlan::of(query);
        let condition = plan.condition(|n| format!("?{n}"), |h, n| format!("instr({h}, {n}) > 0"));
        let mut values: Vec<Value> = plan
            .params()
            .into_iter()
            .map(|p| p.map_or(Value::Null, |s| Value::Text(s.to_owned())))
            .collect();
        values.push(Value::Integer(plan.limit));
        let sql = format!(
            "SELECT record FROM patients WHERE {condition} \
             ORDER BY family_key, given_key, id LIMIT ?{}",
            values.len()
        );
        self.records(&sql, rusqlite::params_from_iter(values))
    }

    fn count_patients(&self) -> Result<u64> {
        to_u64(BACKEND, self.number("SELECT count(*) FROM patients", [])?)
    }

    fn staff(&self, id: StaffId) -> Result<Option<Staff>> {
        self.record("SELECT record FROM staff WHERE id = ?1", [id.to_string()])
    }

    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>> {
        Ok(self
            .id("SELECT id FROM staff WHERE license_number = ?1", [license_number])?
            .map(StaffId::from_uuid))
    }

    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        match role {
            Some(r) => self.records(
                "SELECT record FROM staff WHERE role = ?1 ORDER BY id",
                [enum_name(BACKEND, &r)?],
            ),
            None => self.records("SELECT record FROM staff ORDER BY id", []),
        }
    }

    fn account(&self, id: AccountId) -> Result<Option<UserAccount>> {
        self.record("SELECT record FROM accounts WHERE id = ?1", [id.to_string()])
    }

    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>> {
        self.record("SELECT record FROM accounts WHERE login = ?1", [login])
    }

    fn count_accounts(&self) -> Result<u64> {
        to_u64(BACKEND, self.number("SELECT count(*) FROM accounts", [])?)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.records(
            "SELECT record FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![to_i64(after), limit_i64(limit)],
        )
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.records(
            "SELECT record FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![to_i64(after), limit_i64(limit)],
        )
    }

    fn last_audit(&self) -> Result<Option<AuditRecord>> {
        self.record("SELECT record FROM audit_log ORDER BY seq DESC LIMIT 1", [])
    }

    fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        self.record("SELECT record FROM appointments WHERE id = ?1", [id.to_string()])
    }

    fn appointment_by_client_key(&self, account: AccountId, key: &str) -> Result<Option<Appointment>> {
        self.record(
            "SELECT record FROM appointments WHERE booked_by = ?1 AND client_key = ?2",
            params![account.to_string(), key],
        )
    }

    fn calendar_overlaps(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>> {
        self.calendar(party, interval)
    }

    fn appointments_of(&self, party: Party, range: &Interval) -> Result<Vec<Appointment>> {
        self.appointments_on(party, range)
    }

    fn appointments_ended_before(
        &self,
        status: AppointmentStatus,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Appointment>> {
        self.records(
            "SELECT record FROM appointments WHERE status = ?1 AND visit_ends_at < ?2
             ORDER BY visit_ends_at, id LIMIT ?3",
            params![status.code(), calendar::instant(before), limit_i64(limit)],
        )
    }

    fn availability_templates(&self, doctor: StaffId) -> Result<Vec<AvailabilityTemplate>> {
        Ok(self
            .record(
                "SELECT templates FROM availability_templates WHERE doctor_id = ?1",
                [doctor.to_string()],
            )?
            .unwrap_or_default())
    }

    fn availability_exceptions(&self, doctor: StaffId) -> Result<Vec<AvailabilityException>> {
        self.records(
            "SELECT record FROM availability_exceptions WHERE doctor_id = ?1 ORDER BY seq",
            [doctor.to_string()],
        )
    }

    fn holidays(&self) -> Result<Vec<AvailabilityException>> {
        self.records("SELECT record FROM holidays ORDER BY position", [])
    }

    fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        self.record("SELECT record FROM resources WHERE id = ?1", [id.to_string()])
    }

    fn resources(&self, kind: Option<&str>) -> Result<Vec<Resource>> {
        match kind {
            Some(k) => self.records("SELECT record FROM resources WHERE kind = ?1 ORDER BY id", [k]),
            None => self.records("SELECT record FROM resources ORDER BY id", []),
        }
    }

    fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        self.record("SELECT record FROM waitlist WHERE id = ?1", [id.to_string()])
    }

    fn waitlist_for_doctor(&self, doctor: StaffId) -> Result<Vec<WaitlistEntry>> {
        self.records(
            "SELECT record FROM waitlist WHERE doctor_id = ?1 AND status <> 'closed'
             ORDER BY created_at, id",
            [doctor.to_string()],
        )
    }

    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.records(
            "SELECT record FROM audit_log WHERE patient = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![patient.to_string(), to_i64(after), limit_i64(limit)],
        )
    }

    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>> {
        self.record(
            "SELECT record FROM care_team_links WHERE id = ?1",
            [id.to_string()],
        )
    }

    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        self.records(
            "SELECT record FROM care_team_links WHERE patient_id = ?1 ORDER BY id",
            [patient.to_string()],
        )
    }

    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>> {
        let links: Vec<CareTeamLink> = self.records(
            "SELECT record FROM care_team_links WHERE staff_id = ?1 AND patient_id = ?2 ORDER BY id",
            params![staff.to_string(), patient.to_string()],
        )?;
        Ok(links
            .iter()
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
        let grants: Vec<BreakGlassGrant> = self.records(
            "SELECT record FROM break_glass_grants WHERE staff_id = ?1 AND patient_id = ?2
             ORDER BY opened_at, id",
            params![staff.to_string(), patient.to_string()],
        )?;
        Ok(grants.into_iter().filter(|g| g.is_active(now)).collect())
    }

    // --- billing ---

    fn price_item(&self, code: &str) -> Result<Option<PriceItem>> {
        self.record("SELECT record FROM price_items WHERE code = ?1", [code])
    }

    fn price_items(&self) -> Result<Vec<PriceItem>> {
        self.records("SELECT record FROM price_items ORDER BY code", [])
    }

    fn coverage_plan(&self, payer: &str, plan: &str) -> Result<Option<CoveragePlan>> {
        self.record(
            "SELECT record FROM coverage_plans WHERE payer = ?1 AND plan = ?2",
            params![payer, plan],
        )
    }

    fn charge(&self, id: ChargeId) -> Result<Option<Charge>> {
        self.record("SELECT record FROM charges WHERE id = ?1", [id.to_string()])
    }

    fn charge_by_source(&self, source: &ChargeSource) -> Result<Option<Charge>> {
        self.record("SELECT record FROM charges WHERE source_key = ?1", [source.key()])
    }

    fn charges_of_patient(&self, patient: PatientId) -> Result<Vec<Charge>> {
        self.records(
            "SELECT record FROM charges WHERE patient_id = ?1 ORDER BY created_at, id",
            [patient.to_string()],
        )
    }

    fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        self.record("SELECT record FROM invoices WHERE id = ?1", [id.to_string()])
    }

    fn invoices_of_patient(&self, patient: PatientId) -> Result<Vec<Invoice>> {
        self.records(
            "SELECT record FROM invoices WHERE patient_id = ?1 ORDER BY created_at, id",
            [patient.to_string()],
        )
    }

    fn invoices_with_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>> {
        self.records(
            "SELECT record FROM invoices WHERE status = ?1 ORDER BY created_at, id",
            [status.code()],
        )
    }

    fn payment(&self, id: PaymentId) -> Result<Option<Payment>> {
        self.record("SELECT record FROM payments WHERE id = ?1", [id.to_string()])
    }

    fn payment_by_reference(&self, reference: &str) -> Result<Option<Payment>> {
        self.record(
            "SELECT record FROM payments WHERE external_reference = ?1",
            [reference],
        )
    }

    fn payments_of_patient(&self, patient: PatientId) -> Result<Vec<Payment>> {
        self.records(
            "SELECT record FROM payments WHERE patient_id = ?1 ORDER BY received_at, id",
            [patient.to_string()],
        )
    }
    // --- pharmacy ---

    fn drug(&self, id: DrugId) -> Result<Option<Drug>> {
        self.record("SELECT record FROM drugs WHERE id = ?1", [id.to_string()])
    }

    fn drugs(&self) -> Result<Vec<Drug>> {
        let mut out: Vec<Drug> = self.records("SELECT record FROM drugs", [])?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    fn batch(&self, id: BatchId) -> Result<Option<Batch>> {
        self.record("SELECT record FROM batches WHERE id = ?1", [id.to_string()])
    }

    fn batches(&self, drug: Option<DrugId>) -> Result<Vec<Batch>> {
        let mut out: Vec<Batch> = match drug {
            Some(d) => self.records("SELECT record FROM batches WHERE drug_id = ?1", [d.to_string()])?,
            None => self.records("SELECT record FROM batches", [])?,
        };
        out.sort_by_key(|b| b.id);
        Ok(out)
    }

    fn stock_balances(&self, drug: Option<DrugId>) -> Result<Vec<StockBalance>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT batch_id, drug_id, location, on_hand FROM stock_balances
                 WHERE ?1 IS NULL OR drug_id = ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([drug.map(|d| d.to_string())], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (batch, drug, location, on_hand) = row.map_err(db)?;
            out.push(StockBalance {
                batch: BatchId::from_uuid(parse_uuid(&batch)?),
                drug: DrugId::from_uuid(parse_uuid(&drug)?),
                location: stored_location(&location)?,
                on_hand: u32::try_from(on_hand)
                    .map_err(|_| storage(BACKEND, format!("stored balance {on_hand} is out of range")))?,
            });
        }
        out.sort_by(|a, b| (a.batch, &a.location).cmp(&(b.batch, &b.location)));
        Ok(out)
    }

    fn movements_of_batch(&self, batch: BatchId) -> Result<Vec<LedgerEntry>> {
        self.records(
            "SELECT record FROM stock_ledger WHERE batch_id = ?1 ORDER BY seq",
            [batch.to_string()],
        )
    }

    fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        self.record("SELECT record FROM prescriptions WHERE id = ?1", [id.to_string()])
    }

    fn dispense(&self, id: DispenseId) -> Result<Option<Dispense>> {
        self.record("SELECT record FROM dispenses WHERE id = ?1", [id.to_string()])
    }

    fn dispenses_of_prescription(&self, prescription: PrescriptionId) -> Result<Vec<Dispense>> {
        let mut out: Vec<Dispense> = self.records(
            "SELECT record FROM dispenses WHERE prescription_id = ?1",
            [prescription.to_string()],
        )?;
        out.sort_by_key(|d| (d.dispensed_at, d.id));
        Ok(out)
    }

    fn reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        self.record("SELECT record FROM reservations WHERE id = ?1", [id.to_string()])
    }

    fn active_reservations(&self, drug: DrugId) -> Result<Vec<Reservation>> {
        let mut out: Vec<Reservation> = self.records(
            "SELECT record FROM reservations WHERE drug_id = ?1 AND status = 'active'",
            [drug.to_string()],
        )?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    fn open_stock_orders(&self, drug: Option<DrugId>) -> Result<Vec<StockOrder>> {
        let mut out: Vec<StockOrder> = self.records(
            "SELECT record FROM stock_orders WHERE open = 1 AND (?1 IS NULL OR drug_id = ?1)",
            [drug.map(|d| d.to_string())],
        )?;
        out.sort_by_key(|o| o.id);
        Ok(out)
    }

    fn raised_alerts(&self) -> Result<Vec<AlertKey>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT drug_id, location, kind FROM raised_alerts")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (drug, location, kind) = row.map_err(db)?;
            out.push(AlertKey {
                drug: DrugId::from_uuid(parse_uuid(&drug)?),
                location: stored_location(&location)?,
                kind: stored_alert_kind(&kind)?,
            });
        }
        out.sort();
        Ok(out)
    }
}

impl Writes for Tx<'_> {
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64> {
        let n = self.number(
            "INSERT INTO counters (name, value) VALUES (?1, 1)
             ON CONFLICT (name) DO UPDATE SET value = value + 1
             RETURNING value",
            [seq.name()],
        )?;
        to_u64(BACKEND, n)
    }

    fn insert_patient(&mut self, p: &Patient) -> Result<()> {
        if self.exists(
            "SELECT 1 FROM patients WHERE id = ?1 OR mrn = ?2",
            params![p.id.to_string(), p.mrn.as_str()],
        )? {
            return Err(storage(
                BACKEND,
                format!("patient `{}` or MRN `{}` already stored", p.id, p.mrn),
            ));
        }
        self.check_patient_unique(p)?;
        let c = PatientColumns::of(p);
        let record = to_json(BACKEND, p)?;
        self.conn
            .prepare_cached(
                "INSERT INTO patients (id, mrn, national_id, demographic_key, phone, family_key,
                     given_key, name_words, active, version, registered_at, updated_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    p.id.to_string(),
                    c.mrn,
                    c.national_id,
                    c.demographic_key,
                    c.phone,
                    c.family_key,
                    c.given_key,
                    c.name_words,
                    c.active,
                    c.version,
                    instant_text(p.registered_at),
                    instant_text(p.updated_at),
                    record,
                ])
            })
            .map_err(|e| self.patient_write_error(e, p))?;
        Ok(())
    }

    fn update_patient(&mut self, p: &Patient) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT mrn FROM patients WHERE id = ?1")
            .map_err(db)?;
        let mrn: Option<String> = stmt
            .query_row([p.id.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        drop(stmt);
        let mrn = mrn.ok_or_else(|| Error::not_found("patient", p.id))?;
        if mrn != p.mrn.as_str() {
            return Err(storage(
                BACKEND,
                format!("the MRN of patient `{}` cannot change", p.id),
            ));
        }
        self.check_patient_unique(p)?;
        let c = PatientColumns::of(p);
        let record = to_json(BACKEND, p)?;
        self.conn
            .prepare_cached(
                "UPDATE patients SET national_id = ?2, demographic_key = ?3, phone = ?4,
                     family_key = ?5, given_key = ?6, name_words = ?7, active = ?8, version = ?9,
                     registered_at = ?10, updated_at = ?11, record = ?12
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    p.id.to_string(),
                    c.national_id,
                    c.demographic_key,
                    c.phone,
                    c.family_key,
                    c.given_key,
                    c.name_words,
                    c.active,
                    c.version,
                    instant_text(p.registered_at),
                    instant_text(p.updated_at),
                    record,
                ])
            })
            .map_err(|e| self.patient_write_error(e, p))?;
        Ok(())
    }

    fn insert_staff(&mut self, s: &Staff) -> Result<()> {
        if self.exists("SELECT 1 FROM staff WHERE id = ?1", [s.id.to_string()])? {
            return Err(storage(
                BACKEND,
                format!("staff member `{}` already stored", s.id),
            ));
        }
        if let Some(l) = &s.details.license_number {
            if let Some(existing) = self.id("SELECT id FROM staff WHERE license_number = ?1", [l])? {
                return Err(PeopleError::DuplicateLicense {
                    license_number: l.clone(),
                    existing: StaffId::from_uuid(existing),
                }
                .into());
            }
        }
        self.execute(
            "INSERT INTO staff (id, role, license_number, active, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                s.id.to_string(),
                enum_name(BACKEND, &s.details.role)?,
                s.details.license_number,
                s.active,
                to_json(BACKEND, s)?,
            ],
        )?;
        Ok(())
    }

    fn insert_account(&mut self, a: &UserAccount) -> Result<()> {
        if self.exists("SELECT 1 FROM accounts WHERE id = ?1", [a.id.to_string()])? {
            return Err(storage(BACKEND, format!("account `{}` already stored", a.id)));
        }
        if self.exists("SELECT 1 FROM accounts WHERE login = ?1", [&a.login])? {
            return Err(PeopleError::DuplicateLogin {
                login: a.login.clone(),
            }
            .into());
        }
        self.execute(
            "INSERT INTO accounts (id, login, staff_id, patient_id, active, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                a.id.to_string(),
                a.login,
                a.staff_id().map(|s| s.to_string()),
                a.patient_id().map(|p| p.to_string()),
                a.active,
                to_json(BACKEND, a)?,
            ],
        )?;
        Ok(())
    }

    fn update_account(&mut self, a: &UserAccount) -> Result<()> {
        let login: Option<String> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT login FROM accounts WHERE id = ?1")
                .map_err(db)?;
            stmt.query_row([a.id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?
        };
        let login = login.ok_or_else(|| Error::not_found("account", a.id))?;
        if login != a.login {
            return Err(storage(
                BACKEND,
                format!("the login of account `{}` cannot change", a.id),
            ));
        }
        self.execute(
            "UPDATE accounts SET staff_id = ?2, patient_id = ?3, active = ?4, record = ?5 WHERE id = ?1",
            params![
                a.id.to_string(),
                a.staff_id().map(|s| s.to_string()),
                a.patient_id().map(|p| p.to_string()),
                a.active,
                to_json(BACKEND, a)?,
            ],
        )?;
        Ok(())
    }

    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        if self.exists(
            "SELECT 1 FROM care_team_links WHERE id = ?1",
            [link.id.to_string()],
        )? {
            return Err(storage(
                BACKEND,
                format!("care-team link `{}` already stored", link.id),
            ));
        }
        self.execute(
            "INSERT INTO care_team_links (id, staff_id, patient_id, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                link.id.to_string(),
                link.staff.to_string(),
                link.patient.to_string(),
                to_json(BACKEND, link)?,
            ],
        )?;
        Ok(())
    }

    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        let old: CareTeamLink = self
            .record(
                "SELECT record FROM care_team_links WHERE id = ?1",
                [link.id.to_string()],
            )?
            .ok_or_else(|| Error::not_found("care-team link", link.id))?;
        if (old.staff, old.patient) != (link.staff, link.patient) {
            return Err(storage(
                BACKEND,
                format!(
                    "the staff member and patient of care-team link `{}` cannot change",
                    link.id
                ),
            ));
        }
        self.execute(
            "UPDATE care_team_links SET record = ?2 WHERE id = ?1",
            params![link.id.to_string(), to_json(BACKEND, link)?],
        )?;
        Ok(())
    }

    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()> {
        if self.exists(
            "SELECT 1 FROM break_glass_grants WHERE id = ?1",
            [grant.id.to_string()],
        )? {
            return Err(storage(
                BACKEND,
                format!("emergency access grant `{}` already stored", grant.id),
            ));
        }
        self.execute(
            "INSERT INTO break_glass_grants (id, staff_id, patient_id, opened_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                grant.id.to_string(),
                grant.staff.to_string(),
                grant.patient.to_string(),
                calendar::instant(grant.opened_at),
                to_json(BACKEND, grant)?,
            ],
        )?;
        Ok(())
    }

    fn insert_appointment(&mut self, a: &Appointment) -> Result<()> {
        if self.exists("SELECT 1 FROM appointments WHERE id = ?1", [a.id.to_string()])? {
            return Err(storage(BACKEND, format!("appointment `{}` already stored", a.id)));
        }
        if let Some(key) = &a.client_key {
            if self.exists(
                "SELECT 1 FROM appointments WHERE booked_by = ?1 AND client_key = ?2",
                params![a.booked_by.to_string(), key],
            )? {
                return Err(storage(BACKEND, format!("request key `{key}` already used")));
            }
        }
        self.write_appointment(a, true)
    }

    fn update_appointment(&mut self, a: &Appointment) -> Result<()> {
        if !self.exists("SELECT 1 FROM appointments WHERE id = ?1", [a.id.to_string()])? {
            return Err(Error::not_found("appointment", a.id));
        }
        self.write_appointment(a, false)
    }

    fn set_availability_templates(
        &mut self,
        doctor: StaffId,
        templates: &[AvailabilityTemplate],
    ) -> Result<()> {
        self.execute(
            "INSERT INTO availability_templates (doctor_id, templates) VALUES (?1, ?2)
             ON CONFLICT (doctor_id) DO UPDATE SET templates = excluded.templates",
            params![doctor.to_string(), to_json(BACKEND, &templates)?],
        )?;
        Ok(())
    }

    fn add_availability_exception(
        &mut self,
        doctor: StaffId,
        exception: &AvailabilityException,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO availability_exceptions (doctor_id, record) VALUES (?1, ?2)",
            params![doctor.to_string(), to_json(BACKEND, exception)?],
        )?;
        Ok(())
    }

    fn set_holidays(&mut self, holidays: &[AvailabilityException]) -> Result<()> {
        self.execute("DELETE FROM holidays", [])?;
        for (position, h) in holidays.iter().enumerate() {
            self.execute(
                "INSERT INTO holidays (position, record) VALUES (?1, ?2)",
                params![limit_i64(position), to_json(BACKEND, h)?],
            )?;
        }
        Ok(())
    }

    fn insert_resource(&mut self, r: &Resource) -> Result<()> {
        if self.exists("SELECT 1 FROM resources WHERE id = ?1", [r.id.to_string()])? {
            return Err(storage(BACKEND, format!("resource `{}` already stored", r.id)));
        }
        self.execute(
            "INSERT INTO resources (id, kind, active, record) VALUES (?1, ?2, ?3, ?4)",
            params![r.id.to_string(), r.kind, r.active, to_json(BACKEND, r)?],
        )?;
        Ok(())
    }

    fn insert_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        if self.exists("SELECT 1 FROM waitlist WHERE id = ?1", [e.id.to_string()])? {
            return Err(storage(
                BACKEND,
                format!("waiting-list entry `{}` already stored", e.id),
            ));
        }
        self.execute(
            "INSERT INTO waitlist (id, patient_id, doctor_id, status, created_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                e.id.to_string(),
                e.patient.to_string(),
                e.doctor.to_string(),
                enum_name(BACKEND, &e.status)?,
                calendar::instant(e.created_at),
                to_json(BACKEND, e)?,
            ],
        )?;
        Ok(())
    }

    fn update_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        let n = self.execute(
            "UPDATE waitlist SET patient_id = ?2, doctor_id = ?3, status = ?4, created_at = ?5,
                 record = ?6
             WHERE id = ?1",
            params![
                e.id.to_string(),
                e.patient.to_string(),
                e.doctor.to_string(),
                enum_name(BACKEND, &e.status)?,
                calendar::instant(e.created_at),
                to_json(BACKEND, e)?,
            ],
        )?;
        if n == 0 {
            return Err(Error::not_found("waiting-list entry", e.id));
        }
        Ok(())
    }

    fn append_event(
        &mut self,
        id: EventId,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        event: &DomainEvent,
    ) -> Result<u64> {
        let seq = to_u64(
            BACKEND,
            self.number("SELECT coalesce(max(seq), 0) + 1 FROM events", [])?,
        )?;
        let record = EventRecord {
            seq,
            id,
            at,
            actor,
            event: event.clone(),
        };
        self.execute(
            "INSERT INTO events (seq, id, at, actor, name, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                to_i64(seq),
                id.to_string(),
                instant_text(at),
                actor.map(|a| a.to_string()),
                event.name(),
                to_json(BACKEND, &record)?,
            ],
        )?;
        Ok(seq)
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<()> {
        let last = self.last_audit()?;
        let expected = last.as_ref().map_or(1, |l| l.seq + 1);
        if record.seq != expected {
            return Err(storage(
                BACKEND,
                format!(
                    "audit entry {} out of order (the next entry is {expected})",
                    record.seq
                ),
            ));
        }
        // INVARIANT: the stored log is a hash chain; an entry that does not extend it is refused.
        if record.prev_hash != last.map_or(AuditHash::GENESIS, |l| l.hash) {
            return Err(storage(
                BACKEND,
                format!(
                    "audit entry {} does not link to the last entry's hash",
                    record.seq
                ),
            ));
        }
        if !record.is_sealed() {
            return Err(storage(
                BACKEND,
                format!("audit entry {} does not match its hash", record.seq),
            ));
        }
        self.execute(
            "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                to_i64(record.seq),
                instant_text(record.at),
                record.account.to_string(),
                enum_name(BACKEND, &record.action)?,
                enum_name(BACKEND, &record.resource)?,
                record.patient.map(|p| p.to_string()),
                record.allowed,
                record.rule,
                to_json(BACKEND, record)?,
            ],
        )?;
        Ok(())
    }

    // --- billing ---

    fn put_price_item(&mut self, item: &PriceItem) -> Result<()> {
        self.execute(
            "INSERT INTO price_items (code, record) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET record = excluded.record",
            params![item.code, to_json(BACKEND, item)?],
        )?;
        Ok(())
    }
    // --- pharmacy ---

    fn insert_drug(&mut self, d: &Drug) -> Result<()> {
        if self.exists("SELECT 1 FROM drugs WHERE id = ?1", [d.id.to_string()])? {
            return Err(storage(BACKEND, format!("drug `{}` already stored", d.id)));
        }
        self.execute(
            "INSERT INTO drugs (id, record) VALUES (?1, ?2)",
            params![d.id.to_string(), to_json(BACKEND, d)?],
        )?;
        Ok(())
    }

    fn put_coverage_plan(&mut self, plan: &CoveragePlan) -> Result<()> {
        self.execute(
            "INSERT INTO coverage_plans (payer, plan, record) VALUES (?1, ?2, ?3)
             ON CONFLICT (payer, plan) DO UPDATE SET record = excluded.record",
            params![plan.payer, plan.plan, to_json(BACKEND, plan)?],
        )?;
        Ok(())
    }

    fn insert_charge(&mut self, c: &Charge) -> Result<()> {
        if self.exists("SELECT 1 FROM charges WHERE id = ?1", [c.id.to_string()])? {
            return Err(storage(BACKEND, format!("charge `{}` already stored", c.id)));
        }
        let key = c.source.key();
        if self.exists("SELECT 1 FROM charges WHERE source_key = ?1", [&key])? {
            return Err(BillingError::Duplicate { reference: key }.into());
        }
        self.execute(
            "INSERT INTO charges (id, patient_id, source_key, invoice_id, created_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                c.id.to_string(),
                c.patient.to_string(),
                key,
                c.invoice.map(|i| i.to_string()),
                instant_text(c.created_at),
                to_json(BACKEND, c)?,
            ],
        )?;
        Ok(())
    }

    fn update_charge(&mut self, c: &Charge) -> Result<()> {
        let old: Charge = self
            .charge(c.id)?
            .ok_or_else(|| Error::not_found("charge", c.id))?;
        if old.source != c.source || old.patient != c.patient {
            return Err(storage(
                BACKEND,
                format!("the source and patient of charge `{}` cannot change", c.id),
            ));
        }
        self.execute(
            "UPDATE charges SET invoice_id = ?2, record = ?3 WHERE id = ?1",
            params![
                c.id.to_string(),
                c.invoice.map(|i| i.to_string()),
                to_json(BACKEND, c)?,
            ],
        )?;
        Ok(())
    }

    fn insert_invoice(&mut self, i: &Invoice) -> Result<()> {
        if self.exists("SELECT 1 FROM invoices WHERE id = ?1", [i.id.to_string()])? {
            return Err(storage(BACKEND, format!("invoice `{}` already stored", i.id)));
        }
        if let Some(n) = &i.number {
            if self.exists("SELECT 1 FROM invoices WHERE number = ?1", [n])? {
                return Err(BillingError::Duplicate { reference: n.clone() }.into());
            }
        }
        let c = InvoiceColumns::of(BACKEND, i)?;
        self.execute(
            "INSERT INTO invoices (id, patient_id, kind, original_id, number, status, currency,
                 patient_share, payer_share, paid_patient, paid_payer, credited_patient, credited_payer,
                 figures, version, created_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                i.id.to_string(),
                i.patient.to_string(),
                c.kind,
                c.original.map(|o| o.to_string()),
                c.number,
                c.status,
                c.currency,
                c.patient_share,
                c.payer_share,
                c.paid_patient,
                c.paid_payer,
                c.credited_patient,
                c.credited_payer,
                c.figures,
                c.version,
                instant_text(i.created_at),
                to_json(BACKEND, i)?,
            ],
        )?;
        Ok(())
    }

    fn update_invoice(&mut self, i: &Invoice) -> Result<()> {
        let old: Invoice = self
            .invoice(i.id)?
            .ok_or_else(|| Error::not_found("invoice", i.id))?;
        let c = InvoiceColumns::of(BACKEND, i)?;
        if old.status != InvoiceStatus::Draft && invoice_figures(BACKEND, &old)? != c.figures {
            return Err(BillingError::ImmutableInvoice {
                invoice: i.id,
                status: old.status,
            }
            .into());
        }
        if old.patient != i.patient {
            return Err(storage(
                BACKEND,
                format!("the patient of invoice `{}` cannot change", i.id),
            ));
        }
        if let Some(n) = &i.number {
            if self.exists(
                "SELECT 1 FROM invoices WHERE number = ?1 AND id <> ?2",
                params![n, i.id.to_string()],
            )? {
                return Err(BillingError::Duplicate { reference: n.clone() }.into());
            }
        }
        self.execute(
            "UPDATE invoices SET kind = ?2, original_id = ?3, number = ?4, status = ?5, currency = ?6,
                 patient_share = ?7, payer_share = ?8, paid_patient = ?9, paid_payer = ?10,
                 credited_patient = ?11, credited_payer = ?12, figures = ?13, version = ?14,
                 record = ?15
             WHERE id = ?1",
            params![
                i.id.to_string(),
                c.kind,
                c.original.map(|o| o.to_string()),
                c.number,
                c.status,
                c.currency,
                c.patient_share,
                c.payer_share,
                c.paid_patient,
                c.paid_payer,
                c.credited_patient,
                c.credited_payer,
                c.figures,
                c.version,
                to_json(BACKEND, i)?,
            ],
        )?;
        Ok(())
    }
    fn update_drug(&mut self, d: &Drug) -> Result<()> {
        let n = self.execute(
            "UPDATE drugs SET record = ?2 WHERE id = ?1",
            params![d.id.to_string(), to_json(BACKEND, d)?],
        )?;
        if n == 0 {
            return Err(Error::not_found("drug", d.id));
        }
        Ok(())
    }

    fn insert_batch(&mut self, b: &Batch) -> Result<()> {
        if self.exists("SELECT 1 FROM batches WHERE id = ?1", [b.id.to_string()])? {
            return Err(storage(BACKEND, format!("batch `{}` already stored", b.id)));
        }
        if !self.exists("SELECT 1 FROM drugs WHERE id = ?1", [b.drug.to_string()])? {
            return Err(Error::not_found("drug", b.drug));
        }
        if let Some(existing) = self.id(
            "SELECT id FROM batches WHERE drug_id = ?1 AND batch_number = ?2",
            params![b.drug.to_string(), b.batch_number],
        )? {
            return Err(PharmacyError::DuplicateBatch {
                drug: b.drug,
                batch_number: b.batch_number.clone(),
                existing: BatchId::from_uuid(existing),
            }
            .into());
        }
        self.execute(
            "INSERT INTO batches (id, drug_id, batch_number, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                b.id.to_string(),
                b.drug.to_string(),
                b.batch_number,
                to_json(BACKEND, b)?
            ],
        )?;
        Ok(())
    }

    fn update_batch(&mut self, b: &Batch) -> Result<()> {
        let old: Batch = self
            .record("SELECT record FROM batches WHERE id = ?1", [b.id.to_string()])?
            .ok_or_else(|| Error::not_found("batch", b.id))?;
        if old.drug != b.drug || old.batch_number != b.batch_number {
            return Err(storage(
                BACKEND,
                format!("the drug and batch number of batch `{}` cannot change", b.id),
            ));
        }
        self.execute(
            "UPDATE batches SET record = ?2 WHERE id = ?1",
            params![b.id.to_string(), to_json(BACKEND, b)?],
        )?;
        Ok(())
    }

    fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        if self.exists("SELECT 1 FROM payments WHERE id = ?1", [p.id.to_string()])? {
            return Err(storage(BACKEND, format!("payment `{}` already stored", p.id)));
        }
        if let Some(r) = &p.external_reference {
            if self.exists("SELECT 1 FROM payments WHERE external_reference = ?1", [r])? {
                return Err(BillingError::Duplicate { reference: r.clone() }.into());
            }
        }
        let c = PaymentColumns::of(BACKEND, p)?;
        self.execute(
            "INSERT INTO payments (id, patient_id, external_reference, currency, amount, refunded,
                 allocated, received_at, version, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                p.id.to_string(),
                p.patient.to_string(),
                p.external_reference,
                c.currency,
                c.amount,
                c.refunded,
                c.allocated,
                instant_text(p.received_at),
                c.version,
                to_json(BACKEND, p)?,
            ],
        )?;
        Ok(())
    }

    fn update_payment(&mut self, p: &Payment) -> Result<()> {
        let old: Payment = self
            .payment(p.id)?
            .ok_or_else(|| Error::not_found("payment", p.id))?;
        if old.amount != p.amount
            || old.external_reference != p.external_reference
            || old.patient != p.patient
        {
            return Err(storage(
                BACKEND,
                format!(
                    "the amount, patient and reference of payment `{}` cannot change",
                    p.id
                ),
            ));
        }
        let c = PaymentColumns::of(BACKEND, p)?;
        self.execute(
            "UPDATE payments SET refunded = ?2, allocated = ?3, version = ?4, record = ?5 WHERE id = ?1",
            params![
                p.id.to_string(),
                c.refunded,
                c.allocated,
                c.version,
                to_json(BACKEND, p)?,
            ],
        )?;
        Ok(())
    }
    fn append_movement(&mut self, m: &Movement) -> Result<u64> {
        let drug = self
            .id("SELECT drug_id FROM batches WHERE id = ?1", [m.batch.to_string()])?
            .ok_or_else(|| Error::not_found("batch", m.batch))?;
        if DrugId::from_uuid(drug) != m.drug {
            return Err(storage(
                BACKEND,
                format!(
                    "movement `{}` names drug `{}`, but batch `{}` is of drug `{}`",
                    m.id,
                    m.drug,
                    m.batch,
                    DrugId::from_uuid(drug)
                ),
            ));
        }
        if self.exists("SELECT 1 FROM stock_ledger WHERE id = ?1", [m.id.to_string()])? {
            return Err(storage(
                BACKEND,
                format!("stock movement `{}` already stored", m.id),
            ));
        }
        let on_hand = self.number(
            "SELECT coalesce((SELECT on_hand FROM stock_balances WHERE batch_id = ?1 AND location = ?2), 0)",
            params![m.batch.to_string(), m.location.as_str()],
        )?;
        let on_hand = u32::try_from(on_hand)
            .map_err(|_| storage(BACKEND, format!("stored balance {on_hand} is out of range")))?;
        // The rule first, for its typed error; the balance's CHECK (on_hand >= 0) holds it anyway.
        ledger::apply(on_hand, m)?;
        let seq = self.number("SELECT coalesce(max(seq), 0) + 1 FROM stock_ledger", [])?;
        let entry = LedgerEntry {
            seq: to_u64(BACKEND, seq)?,
            movement: m.clone(),
        };
        // INVARIANT: the insert's trigger moves the (batch, location) balance in the same statement.
        self.execute(
            "INSERT INTO stock_ledger (seq, id, drug_id, batch_id, location, quantity, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                seq,
                m.id.to_string(),
                m.drug.to_string(),
                m.batch.to_string(),
                m.location.as_str(),
                m.quantity,
                to_json(BACKEND, &entry)?,
            ],
        )?;
        Ok(entry.seq)
    }

    fn insert_prescription(&mut self, p: &Prescription) -> Result<()> {
        if self.exists("SELECT 1 FROM prescriptions WHERE id = ?1", [p.id.to_string()])? {
            return Err(storage(
                BACKEND,
                format!("prescription `{}` already stored", p.id),
            ));
        }
        self.execute(
            "INSERT INTO prescriptions (id, patient_id, record) VALUES (?1, ?2, ?3)",
            params![p.id.to_string(), p.patient.to_string(), to_json(BACKEND, p)?],
        )?;
        Ok(())
    }

    fn insert_dispense(&mut self, d: &Dispense) -> Result<()> {
        if self.exists("SELECT 1 FROM dispenses WHERE id = ?1", [d.id.to_string()])? {
            return Err(storage(BACKEND, format!("dispense `{}` already stored", d.id)));
        }
        self.execute(
            "INSERT INTO dispenses (id, prescription_id, record) VALUES (?1, ?2, ?3)",
            params![
                d.id.to_string(),
                d.prescription.map(|p| p.to_string()),
                to_json(BACKEND, d)?
            ],
        )?;
        Ok(())
    }

    fn update_dispense(&mut self, d: &Dispense) -> Result<()> {
        let old: Dispense = self
            .record("SELECT record FROM dispenses WHERE id = ?1", [d.id.to_string()])?
            .ok_or_else(|| Error::not_found("dispense", d.id))?;
        if old.prescription != d.prescription {
            return Err(storage(
                BACKEND,
                format!("the prescription of dispense `{}` cannot change", d.id),
            ));
        }
        self.execute(
            "UPDATE dispenses SET record = ?2 WHERE id = ?1",
            params![d.id.to_string(), to_json(BACKEND, d)?],
        )?;
        Ok(())
    }

    fn insert_reservation(&mut self, r: &Reservation) -> Result<()> {
        if self.exists("SELECT 1 FROM reservations WHERE id = ?1", [r.id.to_string()])? {
            return Err(storage(BACKEND, format!("reservation `{}` already stored", r.id)));
        }
        self.execute(
            "INSERT INTO reservations (id, drug_id, status, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                r.id.to_string(),
                r.drug.to_string(),
                enum_name(BACKEND, &r.status)?,
                to_json(BACKEND, r)?
            ],
        )?;
        Ok(())
    }

    fn update_reservation(&mut self, r: &Reservation) -> Result<()> {
        let n = self.execute(
            "UPDATE reservations SET drug_id = ?2, status = ?3, record = ?4 WHERE id = ?1",
            params![
                r.id.to_string(),
                r.drug.to_string(),
                enum_name(BACKEND, &r.status)?,
                to_json(BACKEND, r)?
            ],
        )?;
        if n == 0 {
            return Err(Error::not_found("reservation", r.id));
        }
        Ok(())
    }

    fn insert_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        if self.exists("SELECT 1 FROM stock_orders WHERE id = ?1", [o.id.to_string()])? {
            return Err(storage(BACKEND, format!("stock order `{}` already stored", o.id)));
        }
        self.execute(
            "INSERT INTO stock_orders (id, drug_id, open, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                o.id.to_string(),
                o.drug.to_string(),
                o.is_open(),
                to_json(BACKEND, o)?
            ],
        )?;
        Ok(())
    }

    fn update_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        let n = self.execute(
            "UPDATE stock_orders SET drug_id = ?2, open = ?3, record = ?4 WHERE id = ?1",
            params![
                o.id.to_string(),
                o.drug.to_string(),
                o.is_open(),
                to_json(BACKEND, o)?
            ],
        )?;
        if n == 0 {
            return Err(Error::not_found("stock order", o.id));
        }
        Ok(())
    }

    fn set_alert_raised(&mut self, key: &AlertKey, raised: bool) -> Result<()> {
        let args = params![key.drug.to_string(), key.location.as_str(), key.kind.as_str()];
        if raised {
            self.execute(
                "INSERT INTO raised_alerts (drug_id, location, kind) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                args,
            )?;
        } else {
            self.execute(
                "DELETE FROM raised_alerts WHERE drug_id = ?1 AND location = ?2 AND kind = ?3",
                args,
            )?;
        }
        Ok(())
    }
}

/// A location code read back from the database.
fn stored_location(code: &str) -> Result<Location> {
    Location::parse(code).map_err(|_| storage(BACKEND, format!("stored location `{code}` is unreadable")))
}

/// An alert kind read back from the database.
fn stored_alert_kind(name: &str) -> Result<AlertKind> {
    [AlertKind::LowStock, AlertKind::ExpiringSoon, AlertKind::Expired]
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(|| storage(BACKEND, format!("stored alert kind `{name}` is unknown")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::latest;
    use crate::store::StorageError;

    /// A database path in a fresh directory that is removed when the guard is dropped.
    struct TempDb(PathBuf);

    impl TempDb {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("hms-sqlite-unit-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDb(dir.join("test.db"))
        }
    }

    impl AsRef<Path> for TempDb {
        fn as_ref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_failed_migration_leaves_the_database_as_it_was() {
        // Worked example: the file is at the latest version n; versions n + 1 (fine) and n + 2
        // (broken) are pending. Applying them fails at n + 2, and afterwards the file is still at
        // version n without the table that version n + 1 created: pending migrations land together
        // or not at all.
        let n = latest(MIGRATIONS);
        let path = TempDb::new("failed-migration");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), n);
        drop(store);
        let mut conn = Connection::open(&path).unwrap();
        let before = tables(&conn);
        let mut steps = MIGRATIONS.to_vec();
        steps.push(Migration {
            version: n + 1,
            name: "fine",
            sql: "CREATE TABLE wards (id TEXT PRIMARY KEY) STRICT;",
        });
        steps.push(Migration {
            version: n + 2,
            name: "broken",
            sql: "CREATE TABLE beds (id TEXT PRIMARY KEY) STRICT; INSERT INTO no_such_table VALUES (1);",
        });
        let err = migrate(&mut conn, &steps).unwrap_err();
        assert_eq!(err.code(), "storage");
        assert!(
            err.to_string()
                .contains(&format!("migration {} `broken` failed", n + 2)),
            "{err}"
        );
        assert_eq!(current_version(&conn).unwrap(), n);
        assert_eq!(
            tables(&conn),
            before,
            "no table of version n + 1 or n + 2 remains"
        );
        // The file still opens and works at version n.
        drop(conn);
        assert_eq!(SqliteStore::open(&path).unwrap().schema_version().unwrap(), n);
        // And the same steps without the broken one apply.
        let mut conn = Connection::open(&path).unwrap();
        let without_broken = steps.get(..steps.len() - 1).unwrap();
        assert_eq!(migrate(&mut conn, without_broken).unwrap(), n + 1);
        assert!(tables(&conn).contains(&"wards".to_owned()));
    }

    #[test]
    fn a_database_from_a_newer_library_is_refused_and_left_alone() {
        let path = TempDb::new("newer");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (9, 'future', 'later')",
            [],
        )
        .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Storage(StorageError::SchemaTooNew {
                    found: 9,
                    supported
                }) if supported == latest(MIGRATIONS)
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the database schema is version 9 but this library knows versions up to {}; upgrade the library",
                latest(MIGRATIONS)
            )
        );
        let conn = Connection::open(&path).unwrap();
        assert_eq!(current_version(&conn).unwrap(), 9, "nothing was downgraded");
    }

    #[test]
    fn the_triggers_refuse_double_booking_from_any_writer() {
        use crate::hospital::BookingRequest;
        use crate::store::conformance::{clinic, tuesday};

        let c = clinic(SqliteStore::in_memory().unwrap(), 2).unwrap();
        let a =
            c.h.book_appointment(
                c.desk,
                &BookingRequest::new(c.patients[0], c.doctor, "procedure", tuesday(9, 0)),
            )
            .unwrap();
        assert_eq!(a.resources, [c.room]);
        let conn = c.h.store().writer().unwrap();
        // A copy of the booking for another patient, written by hand, bypassing the library.
        let copy = |id: &str, shared: bool| {
            format!(
                "INSERT INTO appointments (id, patient_id, doctor_id, starts_at, ends_at, visit_starts_at,
                     visit_ends_at, status, holds_time, shared, booked_by, client_key, record)
                 SELECT '{id}', '{}', doctor_id, starts_at, ends_at, visit_starts_at, visit_ends_at,
                        status, holds_time, {}, booked_by, NULL, json_set(record, '$.id', '{id}')
                 FROM appointments",
                c.patients[1],
                i32::from(shared)
            )
        };
        let refused = |sql: &str| conn.execute_batch(sql).unwrap_err().to_string();
        let other = "00000000-0000-0000-0000-00000000a001";
        assert!(refused(&copy(other, false)).contains("double booking"));
        // Shared bookings may overlap; but not on a room that an exclusive booking holds.
        conn.execute_batch(&copy(other, true)).unwrap();
        assert!(refused(&format!(
            "INSERT INTO appointment_resources
                 (appointment_id, resource_id, starts_at, ends_at, holds_time, shared)
             SELECT '{other}', resource_id, starts_at, ends_at, 1, 0 FROM appointment_resources"
        ))
        .contains("double booking"));
        assert!(refused(&format!(
            "UPDATE appointments SET shared = 0 WHERE id = '{other}'"
        ))
        .contains("double booking"));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_storage_error() {
        let path = TempDb::new("not-a-db");
        std::fs::write(&path, b"these are not the pages you are looking for, not at all").unwrap();
        assert_eq!(SqliteStore::open(&path).unwrap_err().code(), "storage");
    }

    #[test]
    fn the_schema_itself_refuses_what_the_rules_refuse() {
        let store = SqliteStore::in_memory().unwrap();
        let conn = store.writer().unwrap();
        let refused = |sql: &str| {
            let e = conn.execute_batch(sql).unwrap_err();
            e.to_string()
        };
        conn.execute_batch(
            "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
             VALUES (1, 't', '00000000-0000-0000-0000-000000000001', 'read', 'patient_profile', NULL, 1,
                     'r', '{\"seq\": 1}')",
        )
        .unwrap();
        assert!(refused(
            "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
             VALUES (3, 't', '00000000-0000-0000-0000-000000000001', 'read', 'patient_profile', NULL, 1,
                     'r', '{\"seq\": 3}')"
        )
        .contains("without gaps"));
        assert!(refused("DELETE FROM audit_log").contains("append-only"));
        assert!(refused("UPDATE audit_log SET allowed = 0").contains("append-only"));
        assert!(refused("INSERT INTO counters (name, value) VALUES ('mrn', 0)").contains("CHECK"));
        assert!(refused(
            "INSERT INTO accounts (id, login, staff_id, patient_id, active, record)
             VALUES ('00000000-0000-0000-0000-000000000002', 'x', '00000000-0000-0000-0000-000000000003',
                     NULL, 1, '{\"id\": \"00000000-0000-0000-0000-000000000002\", \"login\": \"x\"}')"
        )
        .contains("FOREIGN KEY"));
        assert!(refused("INSERT INTO staff (id, role, license_number, active, record) VALUES ('x', 'doctor', NULL, 1, '{}')")
            .contains("CHECK"));
    }

    #[test]
    fn the_schema_keeps_every_stock_balance_at_or_above_zero() {
        // Worked example, written past the library: a batch receives 5 units at `main`; a movement of
        // -6 is refused by the balance's CHECK and leaves both the ledger and the balance as they were;
        // -5 takes it to exactly 0. The ledger can be neither rewritten nor numbered with a gap.
        let store = SqliteStore::in_memory().unwrap();
        let conn = store.writer().unwrap();
        let (drug, batch) = (
            "00000000-0000-0000-0000-0000000000d1",
            "00000000-0000-0000-0000-0000000000b1",
        );
        conn.execute_batch(&format!(
            "INSERT INTO drugs (id, record) VALUES ('{drug}', json_object('id', '{drug}'));
             INSERT INTO batches (id, drug_id, batch_number, record) VALUES ('{batch}', '{drug}', 'L1',
                 json_object('id', '{batch}', 'drug', '{drug}', 'batch_number', 'L1'));"
        ))
        .unwrap();
        let movement = |seq: i64, n: u8, quantity: i64| {
            let id = format!("00000000-0000-0000-0000-0000000000{n:02x}");
            conn.execute_batch(&format!(
                "INSERT INTO stock_ledger (seq, id, drug_id, batch_id, location, quantity, record)
                 VALUES ({seq}, '{id}', '{drug}', '{batch}', 'main', {quantity},
                     json_object('seq', {seq}, 'movement', json_object('id', '{id}', 'batch', '{batch}',
                         'location', 'main', 'quantity', {quantity})))"
            ))
            .map_err(|e| e.to_string())
        };
        let on_hand = || -> i64 {
            conn.query_row(
                "SELECT on_hand FROM stock_balances WHERE batch_id = ?1",
                [batch],
                |r| r.get(0),
            )
            .unwrap()
        };
        movement(1, 1, 5).unwrap();
        assert_eq!(on_hand(), 5);
        let refused = movement(2, 2, -6).unwrap_err();
        assert!(
            refused.contains("CHECK constraint failed: on_hand >= 0"),
            "{refused}"
        );
        assert_eq!(on_hand(), 5, "the refused movement moved nothing");
        movement(2, 3, -5).unwrap();
        assert_eq!(on_hand(), 0);
        assert!(movement(4, 4, 1).unwrap_err().contains("without gaps"));
        assert!(conn
            .execute_batch("UPDATE stock_ledger SET quantity = 50 WHERE seq = 1")
            .unwrap_err()
            .to_string()
            .contains("append-only"));
    }
}
