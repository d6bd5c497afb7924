//! The Python `Hospital`: the facade's use cases over one storage backend.
//!
//! Each domain adds its use cases in its own file under `hospital/` (a `#[pymethods] impl
//! PyHospital` block; the `multiple-pymethods` feature of pyo3 collects them). Every use case
//! converts its arguments while holding the GIL, runs with the GIL released ([`Python::detach`]) —
//! so other Python threads run while the store works, and a thread waiting for the store's lock
//! never blocks the interpreter — and converts the result back.

pub(crate) mod access;
pub(crate) mod billing;
pub(crate) mod people;
pub(crate) mod pharmacy;
pub(crate) mod scheduling;

use std::sync::Arc;

use chrono::Duration;
use hms_core::access::{CompiledPolicy, Policy};
use hms_core::ids::{IdSource, RandomIds, SeededIds};
use hms_core::pharmacy::PharmacySettings;
use hms_core::scheduling::ConflictMode;
use hms_core::store::postgres::PostgresStore;
use hms_core::store::sqlite::SqliteStore;
use hms_core::store::{MemoryStore, Store};
use hms_core::time::{Clock, ManualClock, SystemClock};
use hms_core::{Hospital, HospitalSettings};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::convert::money::currency_arg;
use crate::convert::records::{PyAuditRecord, PyEvent};
use crate::convert::PyEnum;
use crate::convert::{
    date_to_py, datetime_arg, datetime_to_py, opt_datetime_arg, record_list, zone_arg, zone_to_py,
};
use crate::errors::raise;

/// An access policy from its TOML or JSON text (JSON when it starts with `{`), checked and compiled
/// (`InvalidPolicyError` listing every problem otherwise).
fn policy_arg(text: &str) -> PyResult<CompiledPolicy> {
    let policy = if text.trim_start().starts_with('{') {
        Policy::from_json(text)
    } else {
        Policy::from_toml(text)
    }
    .map_err(raise)?;
    CompiledPolicy::compile(policy).map_err(raise)
}

/// The store under a hospital (boxed: the in-memory store is large, the others are handles). Each arm is a `Hospital` over one backend; [`with_hospital!`] runs
/// the same code against whichever arm is present, so a new backend is one arm here, one line in
/// that macro and one constructor.
pub(crate) enum Backend {
    /// Everything in memory: tests, notebooks, simulations. Gone when the object is.
    Memory(Box<Hospital<MemoryStore>>),
    /// One SQLite file: a clinic's own database, or a notebook's that outlives the kernel.
    Sqlite(Box<Hospital<SqliteStore>>),
    /// A PostgreSQL server shared by many processes.
    Postgres(Box<Hospital<PostgresStore>>),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Memory(_) => "memory",
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Runs `$body` with `$h` bound to the `Hospital` inside a [`Backend`], whatever its store.
macro_rules! with_hospital {
    ($backend:expr, $h:ident => $body:expr) => {
        match $backend {
            $crate::hospital::Backend::Memory($h) => $body,
            $crate::hospital::Backend::Sqlite($h) => $body,
            $crate::hospital::Backend::Postgres($h) => $body,
        }
    };
}
pub(crate) use with_hospital;

/// A hospital: every use case of hms over one store.
#[pyclass(name = "Hospital", module = "hms._hms", frozen)]
pub(crate) struct PyHospital {
    pub(crate) backend: Backend,
    /// Set when the hospital was opened with a fixed `now`: its clock moves only when told.
    clock: Option<Arc<ManualClock>>,
}

impl PyHospital {
    fn settings(&self) -> &HospitalSettings {
        with_hospital!(&self.backend, h => h.settings())
    }
}

#[pymethods]
impl PyHospital {
    /// A hospital whose data lives in memory (for notebooks, tests and simulations).
    ///
    /// `zone` is the IANA time zone of the clinics' wall clocks (a `ZoneInfo` or its name; UTC when
    /// `None`), `currency` the ISO 4217 code it bills in. With `now` (an aware datetime) the hospital's
    /// clock stands still at that instant until `set_now`/`advance` move it; with `seed` its ids are
    /// reproducible. Both are for tests and simulations. `conflict_mode` says whether a booking
    /// collision refuses the booking (`"block"`, the default) or lets an override reason through
    /// (`"warn"`); `policy` replaces the built-in access policy with one written in TOML or JSON.
    #[staticmethod]
    #[pyo3(signature = (
        *, name = "General Hospital", zone = None, currency = "USD", now = None, seed = None,
        conflict_mode = None, policy = None, invoice_rounding = None, payment_terms_days = 30,
        pharmacy = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn in_memory(
        name: &str,
        zone: Option<&Bound<'_, PyAny>>,
        currency: &str,
        now: Option<&Bound<'_, PyAny>>,
        seed: Option<u64>,
        conflict_mode: Option<&Bound<'_, PyAny>>,
        policy: Option<&str>,
        invoice_rounding: Option<&Bound<'_, PyAny>>,
        payment_terms_days: u32,
        pharmacy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut setup = Setup::parse(name, zone, currency, now, seed, conflict_mode, policy)?;
        setup.billing_and_pharmacy(invoice_rounding, payment_terms_days, pharmacy)?;
        Ok(setup.build(MemoryStore::new(), |h| Backend::Memory(Box::new(h))))
    }

    /// A hospital whose data lives in the SQLite file at `path` (created, and its schema brought up
    /// to date, when needed). The other arguments are those of `in_memory`.
    #[staticmethod]
    #[pyo3(signature = (
        path, *, name = "General Hospital", zone = None, currency = "USD", now = None, seed = None,
        conflict_mode = None, policy = None, invoice_rounding = None, payment_terms_days = 30,
        pharmacy = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        path: std::path::PathBuf,
        name: &str,
        zone: Option<&Bound<'_, PyAny>>,
        currency: &str,
        now: Option<&Bound<'_, PyAny>>,
        seed: Option<u64>,
        conflict_mode: Option<&Bound<'_, PyAny>>,
        policy: Option<&str>,
        invoice_rounding: Option<&Bound<'_, PyAny>>,
        payment_terms_days: u32,
        pharmacy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut setup = Setup::parse(name, zone, currency, now, seed, conflict_mode, policy)?;
        setup.billing_and_pharmacy(invoice_rounding, payment_terms_days, pharmacy)?;
        let store = py.detach(|| SqliteStore::open(&path)).map_err(raise)?;
        Ok(setup.build(store, |h| Backend::Sqlite(Box::new(h))))
    }

    /// A hospital whose data lives on the PostgreSQL server at `url`
    /// (`postgresql://user@host:port/database`), in `schema` when given (created if missing; one
    /// schema per hospital). The other arguments are those of `in_memory`. A server that cannot be
    /// reached is a `StorageError`.
    #[staticmethod]
    #[pyo3(signature = (
        url, *, schema = None, name = "General Hospital", zone = None, currency = "USD", now = None,
        seed = None, conflict_mode = None, policy = None, invoice_rounding = None, payment_terms_days = 30,
        pharmacy = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        py: Python<'_>,
        url: &str,
        schema: Option<&str>,
        name: &str,
        zone: Option<&Bound<'_, PyAny>>,
        currency: &str,
        now: Option<&Bound<'_, PyAny>>,
        seed: Option<u64>,
        conflict_mode: Option<&Bound<'_, PyAny>>,
        policy: Option<&str>,
        invoice_rounding: Option<&Bound<'_, PyAny>>,
        payment_terms_days: u32,
        pharmacy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut setup = Setup::parse(name, zone, currency, now, seed, conflict_mode, policy)?;
        setup.billing_and_pharmacy(invoice_rounding, payment_terms_days, pharmacy)?;
        let store = py
            .detach(|| match schema {
                Some(schema) => PostgresStore::connect_with_schema(url, schema),
                None => PostgresStore::connect(url),
            })
            .map_err(raise)?;
        Ok(setup.build(store, |h| Backend::Postgres(Box::new(h))))
    }

    /// The hospital's name.
    #[getter]
    fn name(&self) -> String {
        self.settings().name.clone()
    }

    /// The time zone of the clinics' wall clocks.
    #[getter]
    fn zone<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        zone_to_py(py, self.settings().zone)
    }

    /// The ISO 4217 code of the currency it bills in.
    #[getter]
    fn currency(&self) -> String {
        self.settings().currency.code().to_owned()
    }

    /// How invoice tax is rounded.
    #[getter]
    fn invoice_rounding<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.settings().invoice_rounding.to_py(py)
    }

    /// Days from the invoice date to the due date of the patient's share.
    #[getter]
    fn payment_terms_days(&self) -> u32 {
        self.settings().payment_terms_days
    }

    /// How the pharmacy runs.
    #[getter]
    fn pharmacy(&self) -> PyPharmacySettings {
        PyPharmacySettings(self.settings().pharmacy)
    }

    /// Which store holds the data (`"memory"`, `"sqlite"` or `"postgres"`).
    #[getter]
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// The current instant on the hospital's clock (UTC).
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, with_hospital!(&self.backend, h => h.now()))
    }

    /// Today's date on the hospital's wall clocks.
    fn today<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        date_to_py(py, with_hospital!(&self.backend, h => h.today()))
    }

    /// Moves a hospital opened with `now=` to another instant.
    fn set_now(&self, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = datetime_arg(now, "now")?;
        self.manual_clock()?.set(t);
        Ok(())
    }

    /// Moves the clock of a hospital opened with `now=` forward by a `timedelta`.
    fn advance(&self, by: Duration) -> PyResult<()> {
        self.manual_clock()?.advance(by).map_err(raise)?;
        Ok(())
    }

    /// Up to `limit` events after sequence number `after`, oldest first: the outbox a consumer
    /// drains, remembering the last `seq` it handled.
    #[pyo3(signature = (after = 0, limit = 1000))]
    fn events_after<'py>(&self, py: Python<'py>, after: u64, limit: usize) -> PyResult<Bound<'py, PyAny>> {
        let events = py
            .detach(|| with_hospital!(&self.backend, h => h.events_after(after, limit)))
            .map_err(raise)?;
        let items = events
            .into_iter()
            .map(|e| Ok(Bound::new(py, PyEvent(e))?.into_any()))
            .collect::<PyResult<Vec<_>>>()?;
        record_list::<PyEvent>(py, items)
    }

    /// Up to `limit` audit records after sequence number `after`, oldest first.
    #[pyo3(signature = (after = 0, limit = 1000))]
    fn audit_after<'py>(&self, py: Python<'py>, after: u64, limit: usize) -> PyResult<Bound<'py, PyAny>> {
        let records = py
            .detach(|| with_hospital!(&self.backend, h => h.audit_after(after, limit)))
            .map_err(raise)?;
        let items = records
            .into_iter()
            .map(|r| Ok(Bound::new(py, PyAuditRecord(r))?.into_any()))
            .collect::<PyResult<Vec<_>>>()?;
        record_list::<PyAuditRecord>(py, items)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Hospital {:?} ({}, {}, {})>",
            self.settings().name,
            self.backend.name(),
            self.settings().zone.name(),
            self.settings().currency.code()
        )
    }
}

/// How a hospital's pharmacy runs: days a dispensed medicine must stay usable after the course
/// ends (`min_shelf_life_days`), the window in which a batch counts as expiring soon
/// (`expiry_warning_days`), and how long a reservation holds stock when it does not say
/// (`reservation_minutes`).
#[pyclass(name = "PharmacySettings", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PyPharmacySettings(pub(crate) PharmacySettings);

#[pymethods]
impl PyPharmacySettings {
    #[new]
    #[pyo3(signature = (*, min_shelf_life_days = 0, expiry_warning_days = 90, reservation_minutes = 240))]
    fn new(min_shelf_life_days: u32, expiry_warning_days: u32, reservation_minutes: u32) -> Self {
        PyPharmacySettings(PharmacySettings {
            min_shelf_life_days,
            expiry_warning_days,
            reservation_minutes,
        })
    }
}

crate::convert::record!(PyPharmacySettings, "PharmacySettings", |p, py| {
    min_shelf_life_days => crate::convert::obj(py, p.min_shelf_life_days),
    expiry_warning_days => crate::convert::obj(py, p.expiry_warning_days),
    reservation_minutes => crate::convert::obj(py, p.reservation_minutes),
});

/// What every constructor of a hospital takes besides its store, checked.
struct Setup {
    settings: HospitalSettings,
    manual: Option<Arc<ManualClock>>,
    seed: Option<u64>,
    policy: Option<CompiledPolicy>,
}

impl Setup {
    /// How invoices are rounded and when they fall due, and how the pharmacy runs.
    fn billing_and_pharmacy(
        &mut self,
        invoice_rounding: Option<&Bound<'_, PyAny>>,
        payment_terms_days: u32,
        pharmacy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        if let Some(r) = invoice_rounding.filter(|r| !r.is_none()) {
            self.settings.invoice_rounding = hms_core::billing::RoundingMode::from_py(r, "invoice_rounding")?;
        }
        self.settings.payment_terms_days = payment_terms_days;
        if let Some(p) = pharmacy.filter(|p| !p.is_none()) {
            self.settings.pharmacy = crate::convert::people::class_arg::<PyPharmacySettings>(p, "pharmacy")?
                .get()
                .0;
        }
        Ok(())
    }

    fn parse(
        name: &str,
        zone: Option<&Bound<'_, PyAny>>,
        currency: &str,
        now: Option<&Bound<'_, PyAny>>,
        seed: Option<u64>,
        conflict_mode: Option<&Bound<'_, PyAny>>,
        policy: Option<&str>,
    ) -> PyResult<Self> {
        let zone = match zone {
            Some(z) if !z.is_none() => zone_arg(z)?,
            _ => chrono_tz::UTC,
        };
        let conflict_mode = match conflict_mode.filter(|m| !m.is_none()) {
            Some(m) => ConflictMode::from_py(m, "conflict_mode")?,
            None => ConflictMode::Block,
        };
        Ok(Setup {
            settings: HospitalSettings {
                name: name.to_owned(),
                zone,
                currency: currency_arg(currency)?,
                conflict_mode,
                // Invoice rounding, payment terms and the pharmacy: `billing_and_pharmacy`.
                ..HospitalSettings::default()
            },
            manual: opt_datetime_arg(now, "now")?.map(|t| Arc::new(ManualClock::new(t))),
            seed,
            policy: policy.map(policy_arg).transpose()?,
        })
    }

    fn build<S: Store>(self, store: S, backend: impl FnOnce(Hospital<S>) -> Backend) -> PyHospital {
        let clock: Arc<dyn Clock> = match &self.manual {
            Some(m) => m.clone(),
            None => Arc::new(SystemClock),
        };
        let ids: Arc<dyn IdSource> = match self.seed {
            Some(s) => Arc::new(SeededIds::new(s)),
            None => Arc::new(RandomIds),
        };
        let mut hospital = Hospital::with_environment(store, self.settings, clock, ids);
        if let Some(p) = self.policy {
            hospital = hospital.with_policy(p);
        }
        PyHospital {
            backend: backend(hospital),
            clock: self.manual,
        }
    }
}

impl PyHospital {
    fn manual_clock(&self) -> PyResult<&ManualClock> {
        self.clock.as_deref().ok_or_else(|| {
            PyRuntimeError::new_err(
                "this hospital reads the system clock; open it with `now=` to set its clock",
            )
        })
    }
}
