//! The logs: domain events (the outbox) and audit records.

use hms_core::access::{Action, AuditRecord, ResourceKind};
use hms_core::events::EventRecord;
use pyo3::prelude::*;

use crate::convert::{dataclass_repr, datetime_to_py, json_to_py, lenient_enum_to_py, obj, row_methods, Row};

/// One entry of the event log: what happened (`type`, e.g. `patient.registered`, and its `data`),
/// when, and whose request caused it. Also a read-only mapping of its table columns.
#[pyclass(name = "Event", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyEvent(pub(crate) EventRecord);

impl PyEvent {
    /// The event's fields besides its type, as plain JSON values (ids as strings).
    fn data_json(&self) -> serde_json::Value {
        match serde_json::to_value(&self.0.event) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.remove("type");
                serde_json::Value::Object(map)
            }
            _ => serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

#[pymethods]
impl PyEvent {
    /// Position in the event log (1, 2, 3, … in commit order).
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }

    /// The event's id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// When it happened.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.at)
    }

    /// The account whose request caused it.
    #[getter]
    fn actor_id(&self) -> Option<String> {
        self.0.actor.map(|a| a.to_string())
    }

    /// The event's dotted name, e.g. `patient.registered`.
    #[getter]
    fn r#type(&self) -> &'static str {
        self.0.event.name()
    }

    /// The event's fields, e.g. `{"patient": "…", "mrn": "000000018"}`.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.data_json())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Event",
            &[
                ("seq", obj(py, self.seq())?),
                ("id", obj(py, self.id())?),
                ("at", self.at(py)?),
                ("actor_id", obj(py, self.actor_id())?),
                ("type", obj(py, self.r#type())?),
                ("data", self.data(py)?),
            ],
        )
    }
}

impl Row for PyEvent {
    const COLUMNS: &'static [&'static str] = &["seq", "id", "at", "actor_id", "type", "data"];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(Some(match name {
            "seq" => obj(py, self.seq())?,
            "id" => obj(py, self.id())?,
            "at" => self.at(py)?,
            "actor_id" => obj(py, self.actor_id())?,
            "type" => obj(py, self.r#type())?,
            "data" => self.data(py)?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyEvent);

/// One entry of the audit log: a decision about a request, allowed or denied. Also a read-only
/// mapping of its table columns.
#[pyclass(name = "AuditRecord", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAuditRecord(pub(crate) AuditRecord);

#[pymethods]
impl PyAuditRecord {
    /// Position in the audit log.
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }

    /// When the decision was made.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.at)
    }

    /// Who asked.
    #[getter]
    fn account_id(&self) -> String {
        self.0.account.to_string()
    }

    /// What they asked to do.
    #[getter]
    fn action<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        lenient_enum_to_py::<Action>(py, self.0.action.as_str())
    }

    /// To what kind of thing.
    #[getter]
    fn resource<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        lenient_enum_to_py::<ResourceKind>(py, self.0.resource.as_str())
    }

    /// The patient whose data was concerned.
    #[getter]
    fn patient_id(&self) -> Option<String> {
        self.0.patient.map(|p| p.to_string())
    }

    /// Whether it was allowed.
    #[getter]
    fn allowed(&self) -> bool {
        self.0.allowed
    }

    /// The rule that decided.
    #[getter]
    fn rule(&self) -> &str {
        &self.0.rule
    }

    /// Why, in words a person can read (with the reason given for emergency access).
    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    /// Whether the access was under break-glass emergency access.
    #[getter]
    fn break_glass(&self) -> bool {
        self.0.break_glass
    }

    /// This entry's hash in the chain (hex).
    #[getter]
    fn hash(&self) -> String {
        self.0.hash.to_string()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "AuditRecord",
            &[
                ("seq", obj(py, self.seq())?),
                ("at", self.at(py)?),
                ("account_id", obj(py, self.account_id())?),
                ("action", self.action(py)?),
                ("resource", self.resource(py)?),
                ("patient_id", obj(py, self.patient_id())?),
                ("allowed", obj(py, self.allowed())?),
                ("rule", obj(py, self.rule())?),
                ("reason", obj(py, self.reason())?),
                ("break_glass", obj(py, self.break_glass())?),
            ],
        )
    }
}

impl Row for PyAuditRecord {
    const COLUMNS: &'static [&'static str] = &[
        "seq",
        "at",
        "account_id",
        "action",
        "resource",
        "patient_id",
        "allowed",
        "rule",
        "reason",
        "break_glass",
    ];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(Some(match name {
            "seq" => obj(py, self.seq())?,
            "at" => self.at(py)?,
            "account_id" => obj(py, self.account_id())?,
            "action" => self.action(py)?,
            "resource" => self.resource(py)?,
            "patient_id" => obj(py, self.patient_id())?,
            "allowed" => obj(py, self.allowed())?,
            "rule" => obj(py, self.rule())?,
            "reason" => obj(py, self.reason())?,
            "break_glass" => obj(py, self.break_glass())?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyAuditRecord);
