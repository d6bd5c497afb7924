//! The PostgreSQL backend (feature `postgres`): for hospitals that outgrow one machine, with many
//! application instances against one database server.
//!
//! - **Transactions are SERIALIZABLE**, so every check-then-write of a use case (a duplicate check and
//!   the insert it guards, the next audit sequence number, …) is correct against any concurrent
//!   transaction, whoever wrote it. A transaction that fails to serialize (SQLSTATE `40001`), is
//!   chosen as a deadlock victim (`40P01`), or hits a unique constraint that a concurrent transaction
//!   filled (`23505`) is rolled back and run again — which is why [`Store::write`] takes `FnMut` — up
//!   to [`PostgresOptions::max_attempts`] times; then it fails with
//!   [`StorageError::RetriesExhausted`]. On the re-run the use case's own checks see the committed
//!   row, so the caller gets the same typed error as the pure rule (`duplicate`, …), never a raw SQL
//!   error.
//! - **Writers queue instead of failing** ([`PostgresOptions::serialize_writers`], on by default):
//!   every use case appends to the gapless audit log and event outbox, so write transactions conflict
//!   with each other anyway; each one first takes an exclusive lock on an empty `write_lock` table.
//!   `LOCK TABLE` takes no snapshot, so the serializable snapshot starts after the lock is held and
//!   queued writers never fail to serialize against each other. Reads never wait for it. The
//!   serializable level stays as the safety net for anything else that writes to the database; the
//!   conformance suite runs with the queue switched off too, to show that the retries alone are
//!   correct.
//! - **Reads** run in a `REPEATABLE READ READ ONLY` transaction: one consistent snapshot, no locks.
//! - **A small connection pool** (a mutex-guarded list of idle clients and a condition variable, at
//!   most [`PostgresOptions::pool_size`] connections, opened on demand): the store is `Send + Sync`,
//!   and a client is not. It is hand-written rather than `r2d2` + `r2d2_postgres` because it is about
//!   fifty lines, keeps a per-connection cache of prepared statements next to each client, and spares
//!   three crates whose versions must track the `postgres` crate's.
//! - **The database refuses double booking itself**: exclusion constraints (`btree_gist`, installed
//!   once in `public`) keep time-holding, exclusive appointments of one doctor, patient or resource
//!   from overlapping, whoever writes. A refused new booking costs no aborted transaction (it is
//!   written with `ON CONFLICT DO NOTHING`), so the typed `slot_conflict` names the bookings in the
//!   way; a refused update (SQLSTATE `23P01`) is run again like a unique violation.
//! - **The schema holds the invariants too** (UNIQUE, FOREIGN KEY, CHECK, gapless append-only logs),
//!   versioned by `schema_version` and migrated on connect under an advisory lock, all pending
//!   migrations in one transaction: a failing one leaves the database as it was, and a database from a
//!   newer library is refused with [`StorageError::SchemaTooNew`].
//! - **One schema per hospital (or per test)**: [`PostgresStore::connect_with_schema`] creates the
//!   schema if needed and points every connection's `search_path` at it.
//!
//! Connections are made without TLS (a server on the same host or a private network).
//!
//! # Example
//! ```no_run
//! # use hms_core::{Hospital, HospitalSettings, store::postgres::PostgresStore};
//! let store = PostgresStore::connect("postgresql://hms@db.internal/hms")?;
//! let hospital = Hospital::new(store, HospitalSettings::default());
//! # Ok::<(), hms_core::Error>(())
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::{Json, ToSql};
use postgres::{Client, GenericClient, IsolationLevel, NoTls, Row, Statement, Transaction};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::sql::{
    check_not_newer, enum_name, invoice_figures, limit_i64, pending, storage, to_i64, to_u64, InvoiceColumns,
    Migration, PatientColumns, PaymentColumns, SearchPlan,
};
use super::{PatientQuery, Reads, Sequence, StorageError, Store, Writes};
use crate::access::{AuditHash, AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use crate::billing::{
    BillingError, Charge, ChargeSource, CoveragePlan, Invoice, InvoiceStatus, Payment, PriceItem,
};
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{
    AccountId, AppointmentId, BatchId, CareTeamLinkId, ChargeId, DispenseId, DrugId, EventId, InvoiceId,
    PatientId, PaymentId, PrescriptionId, ReservationId, ResourceId, StaffId, WaitlistId,
};
use crate::people::{
    DemographicKey, DuplicateMatch, Mrn, Patient, PeopleError, Staff, StaffRole, UserAccount,
};
use crate::pharmacy::{
    ledger, AlertKey, AlertKind, Batch, Dispense, Drug, LedgerEntry, Location, Movement, PharmacyError,
    Prescription, Reservation, StockBalance, StockOrder,
};
use crate::scheduling::availability::{AvailabilityException, AvailabilityTemplate};
use crate::scheduling::calendar::Entry;
use crate::scheduling::waitlist::WaitlistEntry;
use crate::scheduling::{Appointment, AppointmentStatus, Party, Resource, SchedulingError};
use crate::time::Interval;

mod calendar;

const BACKEND: &str = "postgres";

/// The schema, one file per version (the list of steps is shared: [`super::sql::migrations`]).
pub(crate) const MIGRATIONS: &[Migration] = super::sql::migrations!("postgres");

/// The first key of the advisory lock that serializes migrations (the second is the schema's hash).
const MIGRATION_LOCK: i32 = 0x686d_7301;

type Params<'a> = [&'a (dyn ToSql + Sync)];

/// How a [`PostgresStore`] connects and runs transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresOptions {
    /// The schema holding the hospital's tables (created if missing); `None` uses the server's
    /// `search_path` as it is.
    pub schema: Option<String>,
    /// At most this many connections (default 8).
    pub pool_size: usize,
    /// A write transaction is run at most this many times when it fails to serialize (default 10).
    pub max_attempts: u32,
    /// Whether write transactions queue on one table lock before they start (default on; see the
    /// module documentation).
    pub serialize_writers: bool,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: None,
            pool_size: 8,
            max_attempts: 10,
            serialize_writers: true,
        }
    }
}

impl PostgresOptions {
    /// These options with the tables in `schema`.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// These options with at most `n` connections (at least 1).
    pub fn with_pool_size(mut self, n: usize) -> Self {
        self.pool_size = n.max(1);
        self
    }

    /// These options with at most `n` attempts per write transaction (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// These options with writers queueing on the write lock (`true`) or relying on serializable
    /// retries alone (`false`).
    pub fn with_serialized_writers(mut self, on: bool) -> Self {
        self.serialize_writers = on;
        self
    }
}

/// A store in a PostgreSQL database.
pub struct PostgresStore {
    pool: Pool,
    options: PostgresOptions,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn pg(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => storage(BACKEND, format!("{}: {}", db.code().code(), db.message())),
        None => storage(BACKEND, e),
    }
}

/// Rule: a schema name is lower-case letters, digits and underscores, starting with a letter or an
/// underscore, at most 63 characters — so it needs no quoting anywhere and cannot inject SQL.
fn check_schema_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ValidationError::single(
            "schema",
            FieldCode::InvalidFormat,
            format!("`{name}` is not a schema name (lower-case letters, digits and `_`, at most 63)"),
        )
        .into())
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgresql://user@host:port/database`) and brings the schema up to date.
    ///
    /// # Errors
    /// `storage` when the server cannot be reached or a migration fails (the database is then left as
    /// it was); [`StorageError::SchemaTooNew`] when a newer version of the library wrote it.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PostgresOptions::default())
    }

    /// Connects with the hospital's tables in `schema`, created if missing (one schema per hospital,
    /// or per test).
    ///
    /// # Errors
    /// As [`PostgresStore::connect`]; `invalid_input` for a schema name that is not lower-case
    /// letters, digits and `_`.
    pub fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        Self::connect_with(url, PostgresOptions::default().with_schema(schema))
    }

    /// Connects with explicit options.
    ///
    /// # Errors
    /// As [`PostgresStore::connect_with_schema`].
    pub fn connect_with(url: &str, options: PostgresOptions) -> Result<Self> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| storage(BACKEND, format!("`{url}` is not a connection address: {e}")))?;
        if let Some(schema) = &options.schema {
            check_schema_name(schema)?;
            let mut admin = config.connect(NoTls).map_err(pg)?;
            admin
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .map_err(pg)?;
            config.options(&format!("-c search_path={schema}"));
        }
        let store = PostgresStore {
            pool: Pool::new(config, options.pool_size.max(1)),
            options,
        };
        let mut pooled = store.pool.get()?;
        migrate(&mut pooled.conn()?.client, MIGRATIONS)?;
        drop(pooled);
        Ok(store)
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }

    /// The schema version of the database (the newest migration applied).
    ///
    /// # Errors
    /// `storage` when the database cannot be read.
    pub fn schema_version(&self) -> Result<u32> {
        let mut pooled = self.pool.get()?;
        current_version(&mut pooled.conn()?.client)
    }

    /// Drops the store's schema with everything in it (for tests and for closing a tenant).
    ///
    /// # Errors
    /// `invalid_input` when the store was not opened with a schema; `storage` when the server fails.
    pub fn drop_schema(&self) -> Result<()> {
        let Some(schema) = &self.options.schema else {
            return Err(ValidationError::single(
                "schema",
                FieldCode::Required,
                "the store was opened without a schema of its own",
            )
            .into());
        };
        let mut pooled = self.pool.get()?;
        pooled
            .conn()?
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .map_err(pg)?;
        drop(pooled);
        self.pool.close_idle();
        Ok(())
    }

    fn attempt_write<R>(
        &self,
        conn: &mut PooledConn,
        f: &mut impl FnMut(&mut dyn Writes) -> Result<R>,
    ) -> Attempt<R> {
        let PooledConn { client, statements } = conn;
        let tx = match client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
        {
            Ok(tx) => tx,
            Err(e) => return Attempt::classify(e),
        };
        let mut tx = Tx::new(tx, statements);
        if self.options.serialize_writers {
            // INVARIANT: the lock is taken before the first query, so the snapshot begins after it.
            if let Err(e) = tx.batch("LOCK TABLE write_lock IN EXCLUSIVE MODE") {
                return tx.abandon(e);
            }
        }
        let result = f(&mut tx);
        let (tx, failure) = tx.into_parts();
        match (result, failure) {
            (_, Some(Failure::Retry(e))) => {
                drop(tx);
                Attempt::Retry(e)
            }
            (Ok(_), Some(Failure::Fatal(e))) => {
                // The use case went on after a failed statement; PostgreSQL has aborted the
                // transaction, and committing it would silently roll back.
                drop(tx);
                Attempt::Done(Err(e))
            }
            (Ok(value), None) => match tx.commit() {
                Ok(()) => Attempt::Done(Ok(value)),
                Err(e) => Attempt::classify(e),
            },
            (Err(e), _) => {
                drop(tx);
                Attempt::Done(Err(e))
            }
        }
    }
}

/// The outcome of one run of a write transaction.
enum Attempt<R> {
    Done(Result<R>),
    /// Failed to serialize; the error says how.
    Retry(RetryCause),
}

impl<R> Attempt<R> {
    fn classify(e: postgres::Error) -> Self {
        match classify(&e) {
            Some(cause) => Attempt::Retry(cause(pg(e))),
            None => Attempt::Done(Err(pg(e))),
        }
    }
}

/// Why a transaction is run again.
enum RetryCause {
    /// A serialization failure or deadlock.
    Conflict,
    /// A unique constraint filled by a concurrent transaction; the re-run's checks will name the
    /// existing row. Should it persist, this is the error to report.
    Unique(Error),
}

/// The retry cause of a failed statement, if it is one a re-run can cure.
fn classify(e: &postgres::Error) -> Option<fn(Error) -> RetryCause> {
    let code = e.code()?;
    if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
        Some(|_| RetryCause::Conflict)
    } else if *code == SqlState::UNIQUE_VIOLATION {
        Some(RetryCause::Unique)
    } else if *code == SqlState::EXCLUSION_VIOLATION {
        // A concurrent transaction took the time after this one looked; the re-run's look-up names
        // the booking in the way. Should it persist, the caller still gets the typed conflict.
        Some(|_| {
            RetryCause::Unique(
                SchedulingError::SlotConflict {
                    conflicts: Vec::new(),
                }
                .into(),
            )
        })
    } else {
        None
    }
}

/// A statement that failed inside a transaction.
enum Failure {
    /// A re-run can cure it.
    Retry(RetryCause),
    /// It cannot.
    Fatal(Error),
}

impl Store for PostgresStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        let mut pooled = self.pool.get()?;
        let PooledConn { client, statements } = pooled.conn()?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(pg)?;
        let tx = Tx::new(tx, statements);
        let result = f(&tx);
        let (tx, _) = tx.into_parts();
        tx.commit().map_err(pg)?;
        result
    }

    fn write<R>(&self, mut f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut pooled = self.pool.get()?;
            match self.attempt_write(pooled.conn()?, &mut f) {
                Attempt::Done(result) => return result,
                Attempt::Retry(cause) if attempts >= self.options.max_attempts => {
                    return Err(match cause {
                        RetryCause::Conflict => StorageError::RetriesExhausted {
                            backend: BACKEND,
                            attempts,
                        }
                        .into(),
                        RetryCause::Unique(e) => e,
                    });
                }
                Attempt::Retry(_) => {
                    drop(pooled);
                    // A short, growing pause lets the transaction that won finish.
                    std::thread::sleep(Duration::from_millis(u64::from(attempts.min(20)) * 2));
                }
            }
        }
    }
}

fn current_version(client: &mut impl GenericClient) -> Result<u32> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .and_then(|r| r.try_get(0))
        .map_err(pg)?;
    if !exists {
        return Ok(0);
    }
    let v: i32 = client
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .and_then(|r| r.try_get(0))
        .map_err(pg)?;
    u32::try_from(v).map_err(|_| storage(BACKEND, format!("schema version `{v}` is negative")))
}

/// Applies the pending `migrations` in one transaction and returns the resulting version.
pub(crate) fn migrate(client: &mut Client, migrations: &[Migration]) -> Result<u32> {
    let mut tx = client.transaction().map_err(pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))",
        &[&MIGRATION_LOCK],
    )
    .map_err(pg)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY CHECK (version >= 1),
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .map_err(pg)?;
    let mut version = current_version(&mut tx)?;
    check_not_newer(version, migrations)?;
    for m in pending(version, migrations) {
        tx.batch_execute(m.sql).map_err(|e| {
            storage(
                BACKEND,
                format!("migration {} `{}` failed: {}", m.version, m.name, pg(e)),
            )
        })?;
        let v = i32::try_from(m.version)
            .map_err(|_| storage(BACKEND, format!("migration {} is out of range", m.version)))?;
        tx.execute(
            "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
            &[&v as &(dyn ToSql + Sync), &m.name],
        )
        .map_err(pg)?;
        version = m.version;
    }
    tx.commit().map_err(pg)?;
    Ok(version)
}

// ---------------------------------------------------------------------------------------------
// The pool

/// One connection and the statements prepared on it.
struct PooledConn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

struct PoolState {
    idle: Vec<PooledConn>,
    open: usize,
}

struct Pool {
    config: postgres::Config,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

/// A connection taken from the pool, given back when dropped (or forgotten if it broke).
struct Pooled<'a> {
    conn: Option<PooledConn>,
    pool: &'a Pool,
}

impl Pool {
    fn new(config: postgres::Config, max: usize) -> Self {
        Pool {
            config,
            max,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // INVARIANT: the state is two plain fields updated in single statements; a panic elsewhere
        // cannot leave it half-changed, so poisoning is ignored.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self) -> Result<Pooled<'_>> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                if conn.client.is_closed() {
                    state.open = state.open.saturating_sub(1);
                    continue;
                }
                return Ok(Pooled {
                    conn: Some(conn),
                    pool: self,
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Pooled {
                        conn: Some(PooledConn {
                            client,
                            statements: HashMap::new(),
                        }),
                        pool: self,
                    }),
                    Err(e) => {
                        let mut state = self.lock();
                        state.open = state.open.saturating_sub(1);
                        self.freed.notify_one();
                        Err(pg(e))
                    }
                };
            }
            state = self.freed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn close_idle(&self) {
        let mut state = self.lock();
        let closed = state.idle.len();
        state.idle.clear();
        state.open = state.open.saturating_sub(closed);
        self.freed.notify_all();
    }
}

impl Pooled<'_> {
    /// The connection (present until the guard is dropped).
    fn conn(&mut self) -> Result<&mut PooledConn> {
        self.conn
            .as_mut()
            .ok_or_else(|| storage(BACKEND, "the connection was already given back"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self.pool.lock();
            if conn.client.is_closed() {
                state.open = state.open.saturating_sub(1);
            } else {
                state.idle.push(conn);
            }
            self.pool.freed.notify_one();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One transaction

struct Tx<'a> {
    tx: RefCell<Transaction<'a>>,
    statements: RefCell<&'a mut HashMap<&'static str, Statement>>,
    failure: RefCell<Option<Failure>>,
}

impl<'a> Tx<'a> {
    fn new(tx: Transaction<'a>, statements: &'a mut HashMap<&'static str, Statement>) -> Self {
        Tx {
            tx: RefCell::new(tx),
            statements: RefCell::new(statements),
            failure: RefCell::new(None),
        }
    }

    fn into_parts(self) -> (Transaction<'a>, Option<Failure>) {
        (self.tx.into_inner(), self.failure.into_inner())
    }

    /// Gives up this run after `e` failed outside the use case (rolls back).
    fn abandon<R>(self, e: postgres::Error) -> Attempt<R> {
        drop(self.into_parts());
        Attempt::classify(e)
    }

    /// Records a failed statement (the first one decides whether the transaction is run again) and
    /// returns it as a storage error.
    fn fail(&self, e: postgres::Error) -> Error {
        let retry = classify(&e);
        let err = pg(e);
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(match retry {
                Some(cause) => Failure::Retry(cause(err.clone())),
                None => Failure::Fatal(err.clone()),
            });
        }
        err
    }

    fn batch(&self, sql: &str) -> std::result::Result<(), postgres::Error> {
        self.tx.borrow_mut().batch_execute(sql)
    }

    fn statement(&self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.borrow_mut().prepare(sql).map_err(|e| self.fail(e))?;
        self.statements.borrow_mut().insert(sql, s.clone());
        Ok(s)
    }

    fn rows(&self, sql: &'static str, params: &Params<'_>) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        self.tx.borrow_mut().query(&s, params).map_err(|e| self.fail(e))
    }

    fn row(&self, sql: &'static str, params: &Params<'_>) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        self.tx
            .borrow_mut()
            .query_opt(&s, params)
            .map_err(|e| self.fail(e))
    }

    fn execute(&self, sql: &'static str, params: &Params<'_>) -> Result<u64> {
        let s = self.statement(sql)?;
        self.tx.borrow_mut().execute(&s, params).map_err(|e| self.fail(e))
    }

    fn record<T: DeserializeOwned>(&self, sql: &'static str, params: &Params<'_>) -> Result<Option<T>> {
        self.row(sql, params)?.map(|r| decode(&r)).transpose()
    }

    fn records<T: DeserializeOwned>(&self, sql: &'static str, params: &Params<'_>) -> Result<Vec<T>> {
        self.rows(sql, params)?.iter().map(decode).collect()
    }

    fn id(&self, sql: &'static str, params: &Params<'_>) -> Result<Option<Uuid>> {
        self.row(sql, params)?
            .map(|r| r.try_get(0).map_err(pg))
            .transpose()
    }

    fn number(&self, sql: &'static str, params: &Params<'_>) -> Result<i64> {
        match self.row(sql, params)? {
            Some(r) => r.try_get(0).map_err(pg),
            None => Err(storage(BACKEND, "a query that returns one number returned none")),
        }
    }

    fn exists(&self, sql: &'static str, params: &Params<'_>) -> Result<bool> {
        Ok(self.row(sql, params)?.is_some())
    }

    /// In one round trip: the stored MRN of `p`'s id, whether another patient holds `p`'s MRN, and
    /// who else holds its national id and its demographic key.
    fn patient_slots(&self, p: &Patient, c: &PatientColumns) -> Result<PatientSlots> {
        let row = self.row(
            "SELECT (SELECT mrn FROM patients WHERE id = $1),
                    EXISTS (SELECT 1 FROM patients WHERE mrn = $2 AND id <> $1),
                    (SELECT id FROM patients WHERE national_id = $3 AND id <> $1),
                    (SELECT id FROM patients WHERE demographic_key = $4 AND id <> $1)",
            &[p.id.as_uuid(), &c.mrn, &c.national_id, &c.demographic_key],
        )?;
        let row = row.ok_or_else(|| storage(BACKEND, "a query that returns one row returned none"))?;
        Ok(PatientSlots {
            current_mrn: row.try_get(0).map_err(pg)?,
            mrn_taken: row.try_get(1).map_err(pg)?,
            national_id_holder: row.try_get(2).map_err(pg)?,
            key_holder: row.try_get(3).map_err(pg)?,
        })
    }
}

/// Who holds the unique values of a patient record about to be written.
struct PatientSlots {
    current_mrn: Option<String>,
    mrn_taken: bool,
    national_id_holder: Option<Uuid>,
    key_holder: Option<Uuid>,
}

impl PatientSlots {
    /// Rule (as the memory store): another patient holding the national id, or failing that the
    /// demographic key, makes the record a duplicate of them.
    fn check_unique(&self) -> Result<()> {
        let duplicate = match (self.national_id_holder, self.key_holder) {
            (Some(existing), _) => Some((existing, DuplicateMatch::NationalId)),
            (None, Some(existing)) => Some((existing, DuplicateMatch::NameBirthDatePhone)),
            (None, None) => None,
        };
        match duplicate {
            Some((existing, matched_on)) => Err(PeopleError::DuplicatePatient {
                existing: PatientId::from_uuid(existing),
                matched_on,
            }
            .into()),
            None => Ok(()),
        }
    }
}

fn decode<T: DeserializeOwned>(row: &Row) -> Result<T> {
    row.try_get::<_, Json<T>>(0)
        .map(|j| j.0)
        .map_err(|e| storage(BACKEND, format!("a stored record is unreadable: {e}")))
}

impl Reads for Tx<'_> {
    fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        self.record("SELECT record FROM patients WHERE id = $1", &[id.as_uuid()])
    }

    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>> {
        self.record("SELECT record FROM patients WHERE mrn = $1", &[&mrn.as_str()])
    }

    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>> {
        Ok(self
            .id("SELECT id FROM patients WHERE national_id = $1", &[&national_id])?
            .map(PatientId::from_uuid))
    }

    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>> {
        Ok(self
            .id(
                "SELECT id FROM patients WHERE demographic_key = $1",
                &[&key.as_str()],
            )?
            .map(PatientId::from_uuid))
    }

    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>> {
        let plan = SearchPlan::of(query);
        let condition = plan.condition(|n| format!("${n}"), |h, n| format!("strpos({h}, {n}) > 0"));
        let texts = plan.params();
        let mut params: Vec<&(dyn ToSql + Sync)> = texts.iter().map(|t| t as &(dyn ToSql + Sync)).collect();
        params.push(&plan.limit);
        let sql = format!(
            "SELECT record FROM patients WHERE {condition} \
             ORDER BY family_key, given_key, id LIMIT ${}",
            params.len()
        );
        // The text varies with the number of words, so it is prepared for this query only.
        self.tx
            .borrow_mut()
            .query(sql.as_str(), &params)
            .map_err(|e| self.fail(e))?
            .iter()
            .map(decode)
            .collect()
    }

    fn count_patients(&self) -> Result<u64> {
        to_u64(BACKEND, self.number("SELECT count(*) FROM patients", &[])?)
    }

    fn staff(&self, id: StaffId) -> Result<Option<Staff>> {
        self.record("SELECT record FROM staff WHERE id = $1", &[id.as_uuid()])
    }

    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>> {
        Ok(self
            .id(
                "SELECT id FROM staff WHERE license_number = $1",
                &[&license_number],
            )?
            .map(StaffId::from_uuid))
    }

    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        match role {
            Some(r) => self.records(
                "SELECT record FROM staff WHERE role = $1 ORDER BY id",
                &[&enum_name(BACKEND, &r)?],
            ),
            None => self.records("SELECT record FROM staff ORDER BY id", &[]),
        }
    }

    fn account(&self, id: AccountId) -> Result<Option<UserAccount>> {
        self.record("SELECT record FROM accounts WHERE id = $1", &[id.as_uuid()])
    }

    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>> {
        self.record("SELECT record FROM accounts WHERE login = $1", &[&login])
    }

    fn count_accounts(&self) -> Result<u64> {
        to_u64(BACKEND, self.number("SELECT count(*) FROM accounts", &[])?)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.records(
            "SELECT record FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&to_i64(after), &limit_i64(limit)],
        )
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.records(
            "SELECT record FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&to_i64(after), &limit_i64(limit)],
        )
    }

    fn last_audit(&self) -> Result<Option<AuditRecord>> {
        self.record("SELECT record FROM audit_log ORDER BY seq DESC LIMIT 1", &[])
    }

    fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        self.record("SELECT record FROM appointments WHERE id = $1", &[id.as_uuid()])
    }

    fn appointment_by_client_key(&self, account: AccountId, key: &str) -> Result<Option<Appointment>> {
        self.record(
            "SELECT record FROM appointments WHERE booked_by = $1 AND client_key = $2",
            &[account.as_uuid(), &key],
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
            "SELECT record FROM appointments WHERE status = $1 AND visit_ends_at < $2
             ORDER BY visit_ends_at, id LIMIT $3",
            &[&status.code(), &before, &limit_i64(limit)],
        )
    }

    fn availability_templates(&self, doctor: StaffId) -> Result<Vec<AvailabilityTemplate>> {
        Ok(self
            .record(
                "SELECT templates FROM availability_templates WHERE doctor_id = $1",
                &[doctor.as_uuid()],
            )?
            .unwrap_or_default())
    }

    fn availability_exceptions(&self, doctor: StaffId) -> Result<Vec<AvailabilityException>> {
        self.records(
            "SELECT record FROM availability_exceptions WHERE doctor_id = $1 ORDER BY seq",
            &[doctor.as_uuid()],
        )
    }

    fn holidays(&self) -> Result<Vec<AvailabilityException>> {
        self.records("SELECT record FROM holidays ORDER BY position", &[])
    }

    fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        self.record("SELECT record FROM resources WHERE id = $1", &[id.as_uuid()])
    }

    fn resources(&self, kind: Option<&str>) -> Result<Vec<Resource>> {
        match kind {
            Some(k) => self.records("SELECT record FROM resources WHERE kind = $1 ORDER BY id", &[&k]),
            None => self.records("SELECT record FROM resources ORDER BY id", &[]),
        }
    }

    fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        self.record("SELECT record FROM waitlist WHERE id = $1", &[id.as_uuid()])
    }

    fn waitlist_for_doctor(&self, doctor: StaffId) -> Result<Vec<WaitlistEntry>> {
        self.records(
            "SELECT record FROM waitlist WHERE doctor_id = $1 AND status <> 'closed'
             ORDER BY created_at, id",
            &[doctor.as_uuid()],
        )
    }

    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.records(
            "SELECT record FROM audit_log WHERE patient = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[patient.as_uuid(), &to_i64(after), &limit_i64(limit)],
        )
    }

    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>> {
        self.record(
            "SELECT record FROM care_team_links WHERE id = $1",
            &[id.as_uuid()],
        )
    }

    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        self.records(
            "SELECT record FROM care_team_links WHERE patient_id = $1 ORDER BY id",
            &[patient.as_uuid()],
        )
    }

    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>> {
        let links: Vec<CareTeamLink> = self.records(
            "SELECT record FROM care_team_links WHERE staff_id = $1 AND patient_id = $2 ORDER BY id",
            &[staff.as_uuid(), patient.as_uuid()],
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
            "SELECT record FROM break_glass_grants WHERE staff_id = $1 AND patient_id = $2
             ORDER BY opened_at, id",
            &[staff.as_uuid(), patient.as_uuid()],
        )?;
        Ok(grants.into_iter().filter(|g| g.is_active(now)).collect())
    }

    // --- billing ---

    fn price_item(&self, code: &str) -> Result<Option<PriceItem>> {
        self.record("SELECT record FROM price_items WHERE code = $1", &[&code])
    }

    fn price_items(&self) -> Result<Vec<PriceItem>> {
        self.records("SELECT record FROM price_items ORDER BY code", &[])
    }

    fn coverage_plan(&self, payer: &str, plan: &str) -> Result<Option<CoveragePlan>> {
        self.record(
            "SELECT record FROM coverage_plans WHERE payer = $1 AND plan = $2",
            &[&payer, &plan],
        )
    }

    fn charge(&self, id: ChargeId) -> Result<Option<Charge>> {
        self.record("SELECT record FROM charges WHERE id = $1", &[id.as_uuid()])
    }

    fn charge_by_source(&self, source: &ChargeSource) -> Result<Option<Charge>> {
        self.record(
            "SELECT record FROM charges WHERE source_key = $1",
            &[&source.key()],
        )
    }

    fn charges_of_patient(&self, patient: PatientId) -> Result<Vec<Charge>> {
        self.records(
            "SELECT record FROM charges WHERE patient_id = $1 ORDER BY created_at, id",
            &[patient.as_uuid()],
        )
    }

    fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        self.record("SELECT record FROM invoices WHERE id = $1", &[id.as_uuid()])
    }

    fn invoices_of_patient(&self, patient: PatientId) -> Result<Vec<Invoice>> {
        self.records(
            "SELECT record FROM invoices WHERE patient_id = $1 ORDER BY created_at, id",
            &[patient.as_uuid()],
        )
    }

    fn invoices_with_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>> {
        self.records(
            "SELECT record FROM invoices WHERE status = $1 ORDER BY created_at, id",
            &[&status.code()],
        )
    }

    fn payment(&self, id: PaymentId) -> Result<Option<Payment>> {
        self.record("SELECT record FROM payments WHERE id = $1", &[id.as_uuid()])
    }

    fn payment_by_reference(&self, reference: &str) -> Result<Option<Payment>> {
        self.record(
            "SELECT record FROM payments WHERE external_reference = $1",
            &[&reference],
        )
    }

    fn payments_of_patient(&self, patient: PatientId) -> Result<Vec<Payment>> {
        self.records(
            "SELECT record FROM payments WHERE patient_id = $1 ORDER BY received_at, id",
            &[patient.as_uuid()],
        )
    }
    // --- pharmacy ---

    fn drug(&self, id: DrugId) -> Result<Option<Drug>> {
        self.record("SELECT record FROM drugs WHERE id = $1", &[id.as_uuid()])
    }

    fn drugs(&self) -> Result<Vec<Drug>> {
        self.records("SELECT record FROM drugs ORDER BY id", &[])
    }

    fn batch(&self, id: BatchId) -> Result<Option<Batch>> {
        self.record("SELECT record FROM batches WHERE id = $1", &[id.as_uuid()])
    }

    fn batches(&self, drug: Option<DrugId>) -> Result<Vec<Batch>> {
        let drug = drug.map(|d| *d.as_uuid());
        self.records(
            "SELECT record FROM batches WHERE $1::uuid IS NULL OR drug_id = $1 ORDER BY id",
            &[&drug],
        )
    }

    fn stock_balances(&self, drug: Option<DrugId>) -> Result<Vec<StockBalance>> {
        let drug = drug.map(|d| *d.as_uuid());
        let rows = self.rows(
            "SELECT batch_id, drug_id, location, on_hand FROM stock_balances
             WHERE $1::uuid IS NULL OR drug_id = $1 ORDER BY batch_id, location",
            &[&drug],
        )?;
        rows.iter()
            .map(|r| {
                let on_hand: i64 = r.try_get(3).map_err(pg)?;
                Ok(StockBalance {
                    batch: BatchId::from_uuid(r.try_get(0).map_err(pg)?),
                    drug: DrugId::from_uuid(r.try_get(1).map_err(pg)?),
                    location: stored_location(r.try_get(2).map_err(pg)?)?,
                    on_hand: u32::try_from(on_hand)
                        .map_err(|_| storage(BACKEND, format!("stored balance {on_hand} is out of range")))?,
                })
            })
            .collect()
    }

    fn movements_of_batch(&self, batch: BatchId) -> Result<Vec<LedgerEntry>> {
        self.records(
            "SELECT record FROM stock_ledger WHERE batch_id = $1 ORDER BY seq",
            &[batch.as_uuid()],
        )
    }

    fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        self.record("SELECT record FROM prescriptions WHERE id = $1", &[id.as_uuid()])
    }

    fn dispense(&self, id: DispenseId) -> Result<Option<Dispense>> {
        self.record("SELECT record FROM dispenses WHERE id = $1", &[id.as_uuid()])
    }

    fn dispenses_of_prescription(&self, prescription: PrescriptionId) -> Result<Vec<Dispense>> {
        let mut out: Vec<Dispense> = self.records(
            "SELECT record FROM dispenses WHERE prescription_id = $1",
            &[prescription.as_uuid()],
        )?;
        out.sort_by_key(|d| (d.dispensed_at, d.id));
        Ok(out)
    }

    fn reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        self.record("SELECT record FROM reservations WHERE id = $1", &[id.as_uuid()])
    }

    fn active_reservations(&self, drug: DrugId) -> Result<Vec<Reservation>> {
        self.records(
            "SELECT record FROM reservations WHERE drug_id = $1 AND status = 'active' ORDER BY id",
            &[drug.as_uuid()],
        )
    }

    fn open_stock_orders(&self, drug: Option<DrugId>) -> Result<Vec<StockOrder>> {
        let drug = drug.map(|d| *d.as_uuid());
        self.records(
            "SELECT record FROM stock_orders WHERE open AND ($1::uuid IS NULL OR drug_id = $1) ORDER BY id",
            &[&drug],
        )
    }

    fn raised_alerts(&self) -> Result<Vec<AlertKey>> {
        let rows = self.rows("SELECT drug_id, location, kind FROM raised_alerts", &[])?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(AlertKey {
                    drug: DrugId::from_uuid(r.try_get(0).map_err(pg)?),
                    location: stored_location(r.try_get(1).map_err(pg)?)?,
                    kind: stored_alert_kind(r.try_get(2).map_err(pg)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }
}

impl Writes for Tx<'_> {
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64> {
        let n = self.number(
            "INSERT INTO counters (name, value) VALUES ($1, 1)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
             RETURNING value",
            &[&seq.name()],
        )?;
        to_u64(BACKEND, n)
    }

    fn insert_patient(&mut self, p: &Patient) -> Result<()> {
        let c = PatientColumns::of(p);
        let slots = self.patient_slots(p, &c)?;
        if slots.current_mrn.is_some() || slots.mrn_taken {
            return Err(storage(
                BACKEND,
                format!("patient `{}` or MRN `{}` already stored", p.id, p.mrn),
            ));
        }
        slots.check_unique()?;
        let version = i32::try_from(c.version)
            .map_err(|_| storage(BACKEND, format!("version {} is out of range", c.version)))?;
        self.execute(
            "INSERT INTO patients (id, mrn, national_id, demographic_key, phone, family_key,
                 given_key, name_words, active, version, registered_at, updated_at, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                p.id.as_uuid(),
                &c.mrn,
                &c.national_id,
                &c.demographic_key,
                &c.phone,
                &c.family_key,
                &c.given_key,
                &c.name_words,
                &c.active,
                &version,
                &p.registered_at,
                &p.updated_at,
                &Json(p),
            ],
        )?;
        Ok(())
    }

    fn update_patient(&mut self, p: &Patient) -> Result<()> {
        let c = PatientColumns::of(p);
        let slots = self.patient_slots(p, &c)?;
        let mrn = slots
            .current_mrn
            .as_deref()
            .ok_or_else(|| Error::not_found("patient", p.id))?;
        if mrn != p.mrn.as_str() {
            return Err(storage(
                BACKEND,
                format!("the MRN of patient `{}` cannot change", p.id),
            ));
        }
        slots.check_unique()?;
        let version = i32::try_from(c.version)
            .map_err(|_| storage(BACKEND, format!("version {} is out of range", c.version)))?;
        self.execute(
            "UPDATE patients SET national_id = $2, demographic_key = $3, phone = $4,
                 family_key = $5, given_key = $6, name_words = $7, active = $8, version = $9,
                 registered_at = $10, updated_at = $11, record = $12
             WHERE id = $1",
            &[
                p.id.as_uuid(),
                &c.national_id,
                &c.demographic_key,
                &c.phone,
                &c.family_key,
                &c.given_key,
                &c.name_words,
                &c.active,
                &version,
                &p.registered_at,
                &p.updated_at,
                &Json(p),
            ],
        )?;
        Ok(())
    }

    fn insert_staff(&mut self, s: &Staff) -> Result<()> {
        if self.exists("SELECT 1 FROM staff WHERE id = $1", &[s.id.as_uuid()])? {
            return Err(storage(
                BACKEND,
                format!("staff member `{}` already stored", s.id),
            ));
        }
        if let Some(l) = &s.details.license_number {
            if let Some(existing) = self.id("SELECT id FROM staff WHERE license_number = $1", &[l])? {
                return Err(PeopleError::DuplicateLicense {
                    license_number: l.clone(),
                    existing: StaffId::from_uuid(existing),
                }
                .into());
            }
        }
        self.execute(
            "INSERT INTO staff (id, role, license_number, active, record) VALUES ($1, $2, $3, $4, $5)",
            &[
                s.id.as_uuid(),
                &enum_name(BACKEND, &s.details.role)?,
                &s.details.license_number,
                &s.active,
                &Json(s),
            ],
        )?;
        Ok(())
    }

    fn insert_account(&mut self, a: &UserAccount) -> Result<()> {
        if self.exists("SELECT 1 FROM accounts WHERE id = $1", &[a.id.as_uuid()])? {
            return Err(storage(BACKEND, format!("account `{}` already stored", a.id)));
        }
        if self.exists("SELECT 1 FROM accounts WHERE login = $1", &[&a.login])? {
            return Err(PeopleError::DuplicateLogin {
                login: a.login.clone(),
            }
            .into());
        }
        let staff_id = a.staff_id().map(|s| *s.as_uuid());
        let patient_id = a.patient_id().map(|p| *p.as_uuid());
        self.execute(
            "INSERT INTO accounts (id, login, staff_id, patient_id, active, record)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                a.id.as_uuid(),
                &a.login,
                &staff_id,
                &patient_id,
                &a.active,
                &Json(a),
            ],
        )?;
        Ok(())
    }

    fn update_account(&mut self, a: &UserAccount) -> Result<()> {
        let login: Option<String> = self
            .row("SELECT login FROM accounts WHERE id = $1", &[a.id.as_uuid()])?
            .map(|r| r.try_get(0).map_err(pg))
            .transpose()?;
        let login = login.ok_or_else(|| Error::not_found("account", a.id))?;
        if login != a.login {
            return Err(storage(
                BACKEND,
                format!("the login of account `{}` cannot change", a.id),
            ));
        }
        let staff_id = a.staff_id().map(|s| *s.as_uuid());
        let patient_id = a.patient_id().map(|p| *p.as_uuid());
        self.execute(
            "UPDATE accounts SET staff_id = $2, patient_id = $3, active = $4, record = $5 WHERE id = $1",
            &[a.id.as_uuid(), &staff_id, &patient_id, &a.active, &Json(a)],
        )?;
        Ok(())
    }

    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        let written = self.execute(
            "INSERT INTO care_team_links (id, staff_id, patient_id, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[
                link.id.as_uuid(),
                link.staff.as_uuid(),
                link.patient.as_uuid(),
                &Json(link),
            ],
        )?;
        if written == 0 {
            return Err(storage(
                BACKEND,
                format!("care-team link `{}` already stored", link.id),
            ));
        }
        Ok(())
    }

    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        let old: CareTeamLink = self
            .record(
                "SELECT record FROM care_team_links WHERE id = $1",
                &[link.id.as_uuid()],
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
            "UPDATE care_team_links SET record = $2 WHERE id = $1",
            &[link.id.as_uuid(), &Json(link)],
        )?;
        Ok(())
    }

    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()> {
        let written = self.execute(
            "INSERT INTO break_glass_grants (id, staff_id, patient_id, opened_at, record)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            &[
                grant.id.as_uuid(),
                grant.staff.as_uuid(),
                grant.patient.as_uuid(),
                &grant.opened_at,
                &Json(grant),
            ],
        )?;
        if written == 0 {
            return Err(storage(
                BACKEND,
                format!("emergency access grant `{}` already stored", grant.id),
            ));
        }
        Ok(())
    }

    fn insert_appointment(&mut self, a: &Appointment) -> Result<()> {
        self.insert_appointment_rows(a)
    }

    fn update_appointment(&mut self, a: &Appointment) -> Result<()> {
        self.update_appointment_rows(a)
    }

    fn set_availability_templates(
        &mut self,
        doctor: StaffId,
        templates: &[AvailabilityTemplate],
    ) -> Result<()> {
        self.execute(
            "INSERT INTO availability_templates (doctor_id, templates) VALUES ($1, $2)
             ON CONFLICT (doctor_id) DO UPDATE SET templates = excluded.templates",
            &[doctor.as_uuid(), &Json(templates)],
        )?;
        Ok(())
    }

    fn add_availability_exception(
        &mut self,
        doctor: StaffId,
        exception: &AvailabilityException,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO availability_exceptions (doctor_id, record) VALUES ($1, $2)",
            &[doctor.as_uuid(), &Json(exception)],
        )?;
        Ok(())
    }

    fn set_holidays(&mut self, holidays: &[AvailabilityException]) -> Result<()> {
        self.execute("DELETE FROM holidays", &[])?;
        for (position, h) in holidays.iter().enumerate() {
            let position = i32::try_from(position).map_err(|_| storage(BACKEND, "too many holidays"))?;
            self.execute(
                "INSERT INTO holidays (position, record) VALUES ($1, $2)",
                &[&position, &Json(h)],
            )?;
        }
        Ok(())
    }

    fn insert_resource(&mut self, r: &Resource) -> Result<()> {
        let written = self.execute(
            "INSERT INTO resources (id, kind, active, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[r.id.as_uuid(), &r.kind, &r.active, &Json(r)],
        )?;
        if written == 0 {
            return Err(storage(BACKEND, format!("resource `{}` already stored", r.id)));
        }
        Ok(())
    }

    fn insert_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        let written = self.execute(
            "INSERT INTO waitlist (id, patient_id, doctor_id, status, created_at, record)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            &[
                e.id.as_uuid(),
                e.patient.as_uuid(),
                e.doctor.as_uuid(),
                &enum_name(BACKEND, &e.status)?,
                &e.created_at,
                &Json(e),
            ],
        )?;
        if written == 0 {
            return Err(storage(
                BACKEND,
                format!("waiting-list entry `{}` already stored", e.id),
            ));
        }
        Ok(())
    }

    fn update_waitlist_entry(&mut self, e: &WaitlistEntry) -> Result<()> {
        let written = self.execute(
            "UPDATE waitlist SET patient_id = $2, doctor_id = $3, status = $4, created_at = $5,
                 record = $6
             WHERE id = $1",
            &[
                e.id.as_uuid(),
                e.patient.as_uuid(),
                e.doctor.as_uuid(),
                &enum_name(BACKEND, &e.status)?,
                &e.created_at,
                &Json(e),
            ],
        )?;
        if written == 0 {
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
        // The number is taken and written into the record by the insert itself (one round trip).
        let record = EventRecord {
            seq: 0,
            id,
            at,
            actor,
            event: event.clone(),
        };
        let actor = actor.map(|a| *a.as_uuid());
        let seq = self.number(
            "INSERT INTO events (seq, id, at, actor, name, record)
             SELECT n.seq, $1::uuid, $2::timestamptz, $3::uuid, $4::text,
                    jsonb_set($5::jsonb, '{seq}', to_jsonb(n.seq))
             FROM (SELECT coalesce(max(seq), 0) + 1 AS seq FROM events) AS n
             RETURNING seq",
            &[id.as_uuid(), &at, &actor, &event.name(), &Json(&record)],
        )?;
        to_u64(BACKEND, seq)
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<()> {
        if !record.is_sealed() {
            return Err(storage(
                BACKEND,
                format!("audit entry {} does not match its hash", record.seq),
            ));
        }
        // INVARIANT: the stored log is a hash chain; an entry that does not extend it is refused.
        let last_hash = self
            .record::<AuditRecord>("SELECT record FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?
            .map_or(AuditHash::GENESIS, |l| l.hash);
        if record.prev_hash != last_hash {
            return Err(storage(
                BACKEND,
                format!(
                    "audit entry {} does not link to the last entry's hash",
                    record.seq
                ),
            ));
        }
        let patient = record.patient.map(|p| *p.as_uuid());
        let written = self.execute(
            "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
             SELECT $1::bigint, $2::timestamptz, $3::uuid, $4::text, $5::text, $6::uuid, $7::boolean,
                    $8::text, $9::jsonb
             WHERE $1::bigint = (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)",
            &[
                &to_i64(record.seq),
                &record.at,
                record.account.as_uuid(),
                &enum_name(BACKEND, &record.action)?,
                &enum_name(BACKEND, &record.resource)?,
                &patient,
                &record.allowed,
                &record.rule,
                &Json(record),
            ],
        )?;
        if written == 0 {
            let expected = self.number("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", &[])?;
            return Err(storage(
                BACKEND,
                format!(
                    "audit entry {} out of order (the next entry is {expected})",
                    record.seq
                ),
            ));
        }
        Ok(())
    }

    // --- billing ---

    fn put_price_item(&mut self, item: &PriceItem) -> Result<()> {
        self.execute(
            "INSERT INTO price_items (code, record) VALUES ($1, $2)
             ON CONFLICT (code) DO UPDATE SET record = excluded.record",
            &[&item.code, &Json(item)],
        )?;
        Ok(())
    }

    fn put_coverage_plan(&mut self, plan: &CoveragePlan) -> Result<()> {
        self.execute(
            "INSERT INTO coverage_plans (payer, plan, record) VALUES ($1, $2, $3)
             ON CONFLICT (payer, plan) DO UPDATE SET record = excluded.record",
            &[&plan.payer, &plan.plan, &Json(plan)],
        )?;
        Ok(())
    }

    fn insert_charge(&mut self, c: &Charge) -> Result<()> {
        if self.exists("SELECT 1 FROM charges WHERE id = $1", &[c.id.as_uuid()])? {
            return Err(storage(BACKEND, format!("charge `{}` already stored", c.id)));
        }
        let key = c.source.key();
        if self.exists("SELECT 1 FROM charges WHERE source_key = $1", &[&key])? {
            return Err(BillingError::Duplicate { reference: key }.into());
        }
        let invoice = c.invoice.map(|i| *i.as_uuid());
        self.execute(
            "INSERT INTO charges (id, patient_id, source_key, invoice_id, created_at, record)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                c.id.as_uuid(),
                c.patient.as_uuid(),
                &key,
                &invoice,
                &c.created_at,
                &Json(c),
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
        let invoice = c.invoice.map(|i| *i.as_uuid());
        self.execute(
            "UPDATE charges SET invoice_id = $2, record = $3 WHERE id = $1",
            &[c.id.as_uuid(), &invoice, &Json(c)],
        )?;
        Ok(())
    }

    fn insert_invoice(&mut self, i: &Invoice) -> Result<()> {
        if self.exists("SELECT 1 FROM invoices WHERE id = $1", &[i.id.as_uuid()])? {
            return Err(storage(BACKEND, format!("invoice `{}` already stored", i.id)));
        }
        if let Some(n) = &i.number {
            if self.exists("SELECT 1 FROM invoices WHERE number = $1", &[n])? {
                return Err(BillingError::Duplicate { reference: n.clone() }.into());
            }
        }
        let c = InvoiceColumns::of(BACKEND, i)?;
        let original = c.original.map(|o| *o.as_uuid());
        let version = pg_version(c.version)?;
        self.execute(
            "INSERT INTO invoices (id, patient_id, kind, original_id, number, status, currency,
                 patient_share, payer_share, paid_patient, paid_payer, credited_patient, credited_payer,
                 figures, version, created_at, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            &[
                i.id.as_uuid(),
                i.patient.as_uuid(),
                &c.kind,
                &original,
                &c.number,
                &c.status,
                &c.currency,
                &c.patient_share,
                &c.payer_share,
                &c.paid_patient,
                &c.paid_payer,
                &c.credited_patient,
                &c.credited_payer,
                &c.figures,
                &version,
                &i.created_at,
                &Json(i),
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
                "SELECT 1 FROM invoices WHERE number = $1 AND id <> $2",
                &[n, i.id.as_uuid()],
            )? {
                return Err(BillingError::Duplicate { reference: n.clone() }.into());
            }
        }
        let original = c.original.map(|o| *o.as_uuid());
        let version = pg_version(c.version)?;
        self.execute(
            "UPDATE invoices SET kind = $2, original_id = $3, number = $4, status = $5, currency = $6,
                 patient_share = $7, payer_share = $8, paid_patient = $9, paid_payer = $10,
                 credited_patient = $11, credited_payer = $12, figures = $13, version = $14,
                 record = $15
             WHERE id = $1",
            &[
                i.id.as_uuid(),
                &c.kind,
                &original,
                &c.number,
                &c.status,
                &c.currency,
                &c.patient_share,
                &c.payer_share,
                &c.paid_patient,
                &c.paid_payer,
                &c.credited_patient,
                &c.credited_payer,
                &c.figures,
                &version,
                &Json(i),
            ],
        )?;
        Ok(())
    }
    // --- pharmacy ---

    fn insert_drug(&mut self, d: &Drug) -> Result<()> {
        let written = self.execute(
            "INSERT INTO drugs (id, record) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            &[d.id.as_uuid(), &Json(d)],
        )?;
        if written == 0 {
            return Err(storage(BACKEND, format!("drug `{}` already stored", d.id)));
        }
        Ok(())
    }

    fn update_drug(&mut self, d: &Drug) -> Result<()> {
        let n = self.execute(
            "UPDATE drugs SET record = $2 WHERE id = $1",
            &[d.id.as_uuid(), &Json(d)],
        )?;
        if n == 0 {
            return Err(Error::not_found("drug", d.id));
        }
        Ok(())
    }

    fn insert_batch(&mut self, b: &Batch) -> Result<()> {
        if self.exists("SELECT 1 FROM batches WHERE id = $1", &[b.id.as_uuid()])? {
            return Err(storage(BACKEND, format!("batch `{}` already stored", b.id)));
        }
        if !self.exists("SELECT 1 FROM drugs WHERE id = $1", &[b.drug.as_uuid()])? {
            return Err(Error::not_found("drug", b.drug));
        }
        if let Some(existing) = self.id(
            "SELECT id FROM batches WHERE drug_id = $1 AND batch_number = $2",
            &[b.drug.as_uuid(), &b.batch_number],
        )? {
            return Err(PharmacyError::DuplicateBatch {
                drug: b.drug,
                batch_number: b.batch_number.clone(),
                existing: BatchId::from_uuid(existing),
            }
            .into());
        }
        self.execute(
            "INSERT INTO batches (id, drug_id, batch_number, record) VALUES ($1, $2, $3, $4)",
            &[b.id.as_uuid(), b.drug.as_uuid(), &b.batch_number, &Json(b)],
        )?;
        Ok(())
    }

    fn update_batch(&mut self, b: &Batch) -> Result<()> {
        let old: Batch = self
            .record("SELECT record FROM batches WHERE id = $1", &[b.id.as_uuid()])?
            .ok_or_else(|| Error::not_found("batch", b.id))?;
        if old.drug != b.drug || old.batch_number != b.batch_number {
            return Err(storage(
                BACKEND,
                format!("the drug and batch number of batch `{}` cannot change", b.id),
            ));
        }
        self.execute(
            "UPDATE batches SET record = $2 WHERE id = $1",
            &[b.id.as_uuid(), &Json(b)],
        )?;
        Ok(())
    }

    fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        if self.exists("SELECT 1 FROM payments WHERE id = $1", &[p.id.as_uuid()])? {
            return Err(storage(BACKEND, format!("payment `{}` already stored", p.id)));
        }
        if let Some(r) = &p.external_reference {
            if self.exists("SELECT 1 FROM payments WHERE external_reference = $1", &[r])? {
                return Err(BillingError::Duplicate { reference: r.clone() }.into());
            }
        }
        let c = PaymentColumns::of(BACKEND, p)?;
        let version = pg_version(c.version)?;
        self.execute(
            "INSERT INTO payments (id, patient_id, external_reference, currency, amount, refunded,
                 allocated, received_at, version, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                p.id.as_uuid(),
                p.patient.as_uuid(),
                &p.external_reference,
                &c.currency,
                &c.amount,
                &c.refunded,
                &c.allocated,
                &p.received_at,
                &version,
                &Json(p),
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
        let version = pg_version(c.version)?;
        self.execute(
            "UPDATE payments SET refunded = $2, allocated = $3, version = $4, record = $5 WHERE id = $1",
            &[p.id.as_uuid(), &c.refunded, &c.allocated, &version, &Json(p)],
        )?;
        Ok(())
    }
    fn append_movement(&mut self, m: &Movement) -> Result<u64> {
        let drug = self
            .id("SELECT drug_id FROM batches WHERE id = $1", &[m.batch.as_uuid()])?
            .map(DrugId::from_uuid)
            .ok_or_else(|| Error::not_found("batch", m.batch))?;
        if drug != m.drug {
            return Err(storage(
                BACKEND,
                format!(
                    "movement `{}` names drug `{}`, but batch `{}` is of drug `{drug}`",
                    m.id, m.drug, m.batch
                ),
            ));
        }
        if self.exists("SELECT 1 FROM stock_ledger WHERE id = $1", &[m.id.as_uuid()])? {
            return Err(storage(
                BACKEND,
                format!("stock movement `{}` already stored", m.id),
            ));
        }
        let on_hand = self.number(
            "SELECT coalesce((SELECT on_hand FROM stock_balances WHERE batch_id = $1 AND location = $2), 0)",
            &[m.batch.as_uuid(), &m.location.as_str()],
        )?;
        let on_hand = u32::try_from(on_hand)
            .map_err(|_| storage(BACKEND, format!("stored balance {on_hand} is out of range")))?;
        // The rule first, for its typed error; the balance's CHECK (on_hand >= 0) holds it anyway,
        // and a concurrent dispense of the same units fails to serialize and is run again.
        ledger::apply(on_hand, m)?;
        let entry = LedgerEntry {
            seq: 0,
            movement: m.clone(),
        };
        // INVARIANT: the insert's trigger moves the (batch, location) balance in the same statement.
        let seq = self.number(
            "INSERT INTO stock_ledger (seq, id, drug_id, batch_id, location, quantity, record)
             SELECT n.seq, $1::uuid, $2::uuid, $3::uuid, $4::text, $5::bigint,
                    jsonb_set($6::jsonb, '{seq}', to_jsonb(n.seq))
             FROM (SELECT coalesce(max(seq), 0) + 1 AS seq FROM stock_ledger) AS n
             RETURNING seq",
            &[
                m.id.as_uuid(),
                m.drug.as_uuid(),
                m.batch.as_uuid(),
                &m.location.as_str(),
                &m.quantity,
                &Json(&entry),
            ],
        )?;
        to_u64(BACKEND, seq)
    }

    fn insert_prescription(&mut self, p: &Prescription) -> Result<()> {
        let written = self.execute(
            "INSERT INTO prescriptions (id, patient_id, record) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
            &[p.id.as_uuid(), p.patient.as_uuid(), &Json(p)],
        )?;
        if written == 0 {
            return Err(storage(
                BACKEND,
                format!("prescription `{}` already stored", p.id),
            ));
        }
        Ok(())
    }

    fn insert_dispense(&mut self, d: &Dispense) -> Result<()> {
        let prescription = d.prescription.map(|p| *p.as_uuid());
        let written = self.execute(
            "INSERT INTO dispenses (id, prescription_id, record) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
            &[d.id.as_uuid(), &prescription, &Json(d)],
        )?;
        if written == 0 {
            return Err(storage(BACKEND, format!("dispense `{}` already stored", d.id)));
        }
        Ok(())
    }

    fn update_dispense(&mut self, d: &Dispense) -> Result<()> {
        let old: Dispense = self
            .record("SELECT record FROM dispenses WHERE id = $1", &[d.id.as_uuid()])?
            .ok_or_else(|| Error::not_found("dispense", d.id))?;
        if old.prescription != d.prescription {
            return Err(storage(
                BACKEND,
                format!("the prescription of dispense `{}` cannot change", d.id),
            ));
        }
        self.execute(
            "UPDATE dispenses SET record = $2 WHERE id = $1",
            &[d.id.as_uuid(), &Json(d)],
        )?;
        Ok(())
    }

    fn insert_reservation(&mut self, r: &Reservation) -> Result<()> {
        let written = self.execute(
            "INSERT INTO reservations (id, drug_id, status, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[
                r.id.as_uuid(),
                r.drug.as_uuid(),
                &enum_name(BACKEND, &r.status)?,
                &Json(r),
            ],
        )?;
        if written == 0 {
            return Err(storage(BACKEND, format!("reservation `{}` already stored", r.id)));
        }
        Ok(())
    }

    fn update_reservation(&mut self, r: &Reservation) -> Result<()> {
        let n = self.execute(
            "UPDATE reservations SET drug_id = $2, status = $3, record = $4 WHERE id = $1",
            &[
                r.id.as_uuid(),
                r.drug.as_uuid(),
                &enum_name(BACKEND, &r.status)?,
                &Json(r),
            ],
        )?;
        if n == 0 {
            return Err(Error::not_found("reservation", r.id));
        }
        Ok(())
    }

    fn insert_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        let written = self.execute(
            "INSERT INTO stock_orders (id, drug_id, open, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &[o.id.as_uuid(), o.drug.as_uuid(), &o.is_open(), &Json(o)],
        )?;
        if written == 0 {
            return Err(storage(BACKEND, format!("stock order `{}` already stored", o.id)));
        }
        Ok(())
    }

    fn update_stock_order(&mut self, o: &StockOrder) -> Result<()> {
        let n = self.execute(
            "UPDATE stock_orders SET drug_id = $2, open = $3, record = $4 WHERE id = $1",
            &[o.id.as_uuid(), o.drug.as_uuid(), &o.is_open(), &Json(o)],
        )?;
        if n == 0 {
            return Err(Error::not_found("stock order", o.id));
        }
        Ok(())
    }

    fn set_alert_raised(&mut self, key: &AlertKey, raised: bool) -> Result<()> {
        let args: [&(dyn ToSql + Sync); 3] = [key.drug.as_uuid(), &key.location.as_str(), &key.kind.as_str()];
        if raised {
            self.execute(
                "INSERT INTO raised_alerts (drug_id, location, kind) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &args,
            )?;
        } else {
            self.execute(
                "DELETE FROM raised_alerts WHERE drug_id = $1 AND location = $2 AND kind = $3",
                &args,
            )?;
        }
        Ok(())
    }
}

/// A record version as the `INTEGER` column holds it.
fn pg_version(v: i64) -> Result<i32> {
    i32::try_from(v).map_err(|_| storage(BACKEND, format!("version {v} is out of range")))
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

    /// The test server (see `tests/it/conformance_postgres.rs`); these tests fail without one.
    fn url() -> String {
        match std::env::var("HMS_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => url,
            _ => panic!("HMS_TEST_POSTGRES_URL is not set (./scripts/test-all starts a server)"),
        }
    }

    /// A store in a new schema, and a plain client on that schema.
    fn scratch(label: &str) -> (PostgresStore, Client) {
        let schema = format!("hms_unit_{label}_{}", std::process::id());
        let store = PostgresStore::connect_with_schema(&url(), &schema).unwrap();
        let mut config: postgres::Config = url().parse().unwrap();
        config.options(&format!("-c search_path={schema}"));
        (store, config.connect(NoTls).unwrap())
    }

    fn table_exists(client: &mut Client, name: &str) -> bool {
        client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
            .unwrap()
            .get(0)
    }

    #[test]
    fn a_failed_migration_leaves_the_database_as_it_was() {
        // Worked example: at the latest version n, versions n + 1 (fine) and n + 2 (broken) are
        // pending; applying them fails at n + 2 and leaves the database at version n without version
        // n + 1's table.
        let n = latest(MIGRATIONS);
        let (store, mut client) = scratch("failed_migration");
        assert_eq!(store.schema_version().unwrap(), n);
        let mut steps = MIGRATIONS.to_vec();
        steps.push(Migration {
            version: n + 1,
            name: "fine",
            sql: "CREATE TABLE wards (id UUID PRIMARY KEY);",
        });
        steps.push(Migration {
            version: n + 2,
            name: "broken",
            sql: "CREATE TABLE beds (id UUID PRIMARY KEY); INSERT INTO no_such_table VALUES (1);",
        });
        let err = migrate(&mut client, &steps).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("migration {} `broken` failed", n + 2)),
            "{err}"
        );
        assert_eq!(current_version(&mut client).unwrap(), n);
        assert!(!table_exists(&mut client, "wards"));
        assert!(!table_exists(&mut client, "beds"));
        let without_broken = steps.get(..steps.len() - 1).unwrap();
        assert_eq!(migrate(&mut client, without_broken).unwrap(), n + 1);
        assert!(table_exists(&mut client, "wards"));
        store.drop_schema().unwrap();
    }

    #[test]
    fn a_database_from_a_newer_library_is_refused_and_left_alone() {
        let (store, mut client) = scratch("newer");
        client
            .execute(
                "INSERT INTO schema_version (version, name) VALUES (9, 'future')",
                &[],
            )
            .unwrap();
        let schema = store.options().schema.clone().unwrap();
        let err = PostgresStore::connect_with_schema(&url(), &schema).unwrap_err();
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
        assert_eq!(current_version(&mut client).unwrap(), 9, "nothing was downgraded");
        store.drop_schema().unwrap();
    }

    #[test]
    fn the_schema_itself_refuses_what_the_rules_refuse() {
        let (store, mut client) = scratch("invariants");
        let mut refused = |sql: &str| {
            let e = client.batch_execute(sql).unwrap_err();
            e.as_db_error().unwrap().message().to_owned()
        };
        assert!(refused(
            "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
             VALUES (2, now(), gen_random_uuid(), 'read', 'patient_profile', NULL, true, 'r',
                     '{\"seq\": 2}')"
        )
        .contains("without gaps"));
        assert!(refused("INSERT INTO counters (name, value) VALUES ('mrn', 0)").contains("check"));
        assert!(refused(
            "INSERT INTO accounts (id, login, staff_id, patient_id, active, record)
             VALUES ('00000000-0000-0000-0000-000000000002', 'x', gen_random_uuid(), NULL, true,
                     '{\"id\": \"00000000-0000-0000-0000-000000000002\", \"login\": \"x\"}')"
        )
        .contains("foreign key"));
        client
            .batch_execute(
                "INSERT INTO audit_log (seq, at, account, action, resource, patient, allowed, rule, record)
                 VALUES (1, now(), gen_random_uuid(), 'read', 'patient_profile', NULL, true, 'r',
                         '{\"seq\": 1}')",
            )
            .unwrap();
        let mut refused = |sql: &str| {
            let e = client.batch_execute(sql).unwrap_err();
            e.as_db_error().unwrap().message().to_owned()
        };
        assert!(refused("DELETE FROM audit_log").contains("append-only"));
        assert!(refused("UPDATE audit_log SET allowed = false").contains("append-only"));
        store.drop_schema().unwrap();
    }

    #[test]
    fn the_exclusion_constraints_refuse_double_booking_from_any_writer() {
        use crate::hospital::BookingRequest;
        use crate::store::conformance::{clinic, tuesday};

        let (store, mut client) = scratch("exclusion");
        let schema = store.options().schema.clone().unwrap();
        let c = clinic(store, 2).unwrap();
        let a =
            c.h.book_appointment(
                c.desk,
                &BookingRequest::new(c.patients[0], c.doctor, "procedure", tuesday(9, 0)),
            )
            .unwrap();
        assert_eq!(a.resources, [c.room]);
        // The hospital's connections see only its schema; btree_gist lives in `public`.
        let path: String = client.query_one("SHOW search_path", &[]).unwrap().get(0);
        assert_eq!(path, schema);
        let ext: String = client
            .query_one(
                "SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'btree_gist'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(ext, "public");
        // A copy of the booking for another patient, written by hand, bypassing the library.
        let copy = |shared: bool| {
            format!(
                "INSERT INTO appointments (id, patient_id, doctor_id, starts_at, ends_at, visit_starts_at,
                     visit_ends_at, status, holds_time, shared, booked_by, client_key, record)
                 SELECT n.id, '{}', doctor_id, starts_at + interval '5 minutes', ends_at,
                        visit_starts_at, visit_ends_at, status, holds_time, {shared}, booked_by, NULL,
                        jsonb_set(record, '{{id}}', to_jsonb(n.id::text))
                 FROM appointments, (SELECT gen_random_uuid() AS id) AS n
                 RETURNING id",
                c.patients[1]
            )
        };
        let refused = |client: &mut Client, sql: &str| {
            let e = client.query(sql, &[]).unwrap_err();
            let db = e.as_db_error().unwrap();
            assert_eq!(db.code(), &SqlState::EXCLUSION_VIOLATION, "{db:?}");
            db.constraint().unwrap().to_owned()
        };
        assert_eq!(refused(&mut client, &copy(false)), "doctor_not_double_booked");
        // Shared bookings may overlap; but not on a room that an exclusive booking holds.
        let id: Uuid = client.query_one(&copy(true), &[]).unwrap().get(0);
        let room = format!(
            "INSERT INTO appointment_resources
                 (appointment_id, resource_id, starts_at, ends_at, holds_time, shared)
             SELECT '{id}', resource_id, starts_at, ends_at, true, false FROM appointment_resources"
        );
        assert_eq!(refused(&mut client, &room), "resource_not_double_booked");
        // Moving the shared copy onto the first patient's calendar as an exclusive booking.
        let onto_patient = format!(
            "UPDATE appointments SET shared = false, patient_id = '{}', doctor_id = doctor_id
             WHERE id = '{id}'",
            c.patients[0]
        );
        assert_eq!(refused(&mut client, &onto_patient), "doctor_not_double_booked");
        c.h.store().drop_schema().unwrap();
        let still: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gist')",
                &[],
            )
            .unwrap()
            .get(0);
        assert!(still, "dropping a hospital's schema leaves the shared extension");
    }

    #[test]
    fn schema_names_cannot_carry_sql() {
        // Worked examples: `hms_test_42` is fine; a quote, a space, upper case, a leading digit or an
        // over-long name are refused before anything reaches the server.
        assert!(check_schema_name("hms_test_42").is_ok());
        assert!(check_schema_name("_private").is_ok());
        for bad in [
            "",
            "a\"; DROP SCHEMA public; --",
            "two words",
            "Upper",
            "1st",
            &"x".repeat(64),
        ] {
            assert_eq!(
                check_schema_name(bad).unwrap_err().code(),
                "invalid_input",
                "{bad}"
            );
        }
    }
}
