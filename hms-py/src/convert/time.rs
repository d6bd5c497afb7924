//! `Interval`: a half-open span `[start, end)` of aware datetimes.

use chrono::Duration;
use hms_core::time::Interval;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::{dataclass_repr, datetime_arg, datetime_to_py};
use crate::errors::raise;

/// A half-open span of time `[start, end)`: it contains its start but not its end, so a visit that
/// ends at 09:30 and one that starts at 09:30 do not overlap. Never empty: `end` must be after
/// `start` (`InvalidIntervalError` otherwise). Takes aware datetimes in any zone and gives them
/// back in UTC.
#[pyclass(name = "Interval", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PyInterval(pub(crate) Interval);

impl PyInterval {
    /// An `Interval` argument (other types are a `TypeError`).
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Interval> {
        obj.cast::<PyInterval>().map(|i| i.get().0).map_err(|_| {
            let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            PyTypeError::new_err(format!("`{field}` must be an `Interval`, not `{type_name}`"))
        })
    }
}

#[pymethods]
impl PyInterval {
    #[new]
    fn new(start: &Bound<'_, PyAny>, end: &Bound<'_, PyAny>) -> PyResult<Self> {
        let start = datetime_arg(start, "start")?;
        let end = datetime_arg(end, "end")?;
        Interval::new(start, end).map(PyInterval).map_err(raise)
    }

    /// The interval that starts at `start` and lasts `length` (a `timedelta`).
    #[classmethod]
    fn starting_at(_cls: &Bound<'_, PyType>, start: &Bound<'_, PyAny>, length: Duration) -> PyResult<Self> {
        let start = datetime_arg(start, "start")?;
        Interval::starting_at(start, length)
            .map(PyInterval)
            .map_err(raise)
    }

    /// The first instant inside the interval (UTC).
    #[getter]
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.start())
    }

    /// The first instant after the interval (UTC).
    #[getter]
    fn end<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_to_py(py, self.0.end())
    }

    /// How long the interval lasts.
    #[getter]
    fn duration(&self) -> Duration {
        self.0.duration()
    }

    /// Whether the two intervals share an instant. Back-to-back intervals do not.
    fn overlaps(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.overlaps(&PyInterval::arg(other, "other")?))
    }

    /// Whether `other` lies wholly inside this interval.
    fn contains(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.contains(&PyInterval::arg(other, "other")?))
    }

    /// Whether the instant lies inside (the start counts, the end does not).
    fn contains_instant(&self, instant: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.contains_instant(datetime_arg(instant, "instant")?))
    }

    /// The part both intervals share, or `None`.
    fn intersection(&self, other: &Bound<'_, PyAny>) -> PyResult<Option<PyInterval>> {
        Ok(self
            .0
            .intersection(&PyInterval::arg(other, "other")?)
            .map(PyInterval))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr("Interval", &[("start", self.start(py)?), ("end", self.end(py)?)])
    }
}
