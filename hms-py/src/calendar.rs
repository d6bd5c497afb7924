//! `Calendar`: the conflict check of one calendar (a doctor's, a patient's, a room's) as a Python
//! object, for notebooks that plan bookings before making them and for measuring the binding's
//! per-call cost.

use hms_core::scheduling::calendar::CalendarIndex;
use pyo3::prelude::*;

use crate::convert::scheduling::appointment_id_arg;
use crate::convert::time::PyInterval;

/// One calendar's bookings and the conflict check the booking rules use: `conflicts(interval)`
/// lists the bookings a new one would collide with (intervals are half-open, so back-to-back
/// bookings do not), `is_free(interval)` says whether there is none. Shared bookings (group slots,
/// recorded overrides) are listed like the others.
#[pyclass(name = "Calendar", module = "hms._hms")]
#[derive(Debug, Default)]
pub(crate) struct PyCalendar(CalendarIndex);

#[pymethods]
impl PyCalendar {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Adds a booking (an `Appointment` or its id, and the time it holds). `False` if it is there.
    #[pyo3(signature = (appointment, interval, *, shared = false))]
    fn add(
        &mut self,
        appointment: &Bound<'_, PyAny>,
        interval: &Bound<'_, PyAny>,
        shared: bool,
    ) -> PyResult<bool> {
        let id = appointment_id_arg(appointment, "appointment")?;
        Ok(self.0.insert(id, PyInterval::arg(interval, "interval")?, shared))
    }

    /// Removes a booking. Whether it was there.
    fn remove(&mut self, appointment: &Bound<'_, PyAny>, interval: &Bound<'_, PyAny>) -> PyResult<bool> {
        let id = appointment_id_arg(appointment, "appointment")?;
        Ok(self.0.remove(id, PyInterval::arg(interval, "interval")?))
    }

    /// Whether no booking overlaps `interval`.
    fn is_free(&self, interval: PyRef<'_, PyInterval>) -> bool {
        !self.0.any_overlap(&interval.0)
    }

    /// The ids of the bookings that overlap `interval`, in start order.
    fn conflicts(&self, interval: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let interval = PyInterval::arg(interval, "interval")?;
        let mut found: Vec<_> = self.0.overlapping(&interval).collect();
        found.sort_by_key(|e| (e.interval.start(), e.id));
        Ok(found.into_iter().map(|e| e.id.to_string()).collect())
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn __repr__(&self) -> String {
        format!("<Calendar of {} bookings>", self.0.len())
    }

    /// For the overhead benchmark: the same check as `is_free`, `repeats` times inside Rust, and
    /// the seconds one check took on average (what `is_free` costs without the call from Python).
    fn _time_is_free(&self, interval: PyRef<'_, PyInterval>, repeats: u32) -> f64 {
        let query = interval.0;
        let started = std::time::Instant::now();
        let mut free = 0u32;
        for _ in 0..repeats {
            free += u32::from(!self.0.any_overlap(std::hint::black_box(&query)));
        }
        std::hint::black_box(free);
        started.elapsed().as_secs_f64() / f64::from(repeats.max(1))
    }
}
