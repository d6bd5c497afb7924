//! Scheduling use cases: resources, availability, slot search, booking, rescheduling, statuses,
//! recurring series, the waiting list and a doctor's day.

use chrono::Duration;
use hms_core::scheduling::availability::DateRange;
use hms_core::scheduling::AppointmentStatus;
use pyo3::prelude::*;

use crate::convert::people::{account_id_arg, class_arg, patient_id_arg};
use crate::convert::scheduling::{
    appointment_id_arg, doctor_arg, PyAppointment, PyAvailabilityException, PyAvailabilityTemplate,
    PyBookingRequest, PyDoctorDay, PyDoctorSlot, PyResource, PySeriesOutcome, PySeriesRule, PySlot,
    PyWaitlistEntry,
};
use crate::convert::time::PyInterval;
use crate::convert::{collect_iter, date_arg, datetime_arg, records, PyEnum};
use crate::errors::raise;
use crate::hospital::{with_hospital, PyHospital};

fn date_range(from_date: &Bound<'_, PyAny>, until: &Bound<'_, PyAny>) -> PyResult<DateRange> {
    DateRange::new(date_arg(from_date, "from_date")?, date_arg(until, "until")?).map_err(raise)
}

#[pymethods]
impl PyHospital {
    /// Adds a bookable room or piece of equipment (admins).
    #[pyo3(signature = (actor, *, kind, name, location = None))]
    fn add_resource(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        kind: &str,
        name: &str,
        location: Option<&str>,
    ) -> PyResult<PyResource> {
        let actor = account_id_arg(actor, "actor")?;
        py.detach(|| with_hospital!(&self.backend, h => h.add_resource(actor, kind, name, location)))
            .map(PyResource)
            .map_err(raise)
    }

    /// Replaces a doctor's availability templates (the doctor themself, or an admin).
    fn set_availability(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        templates: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let actor = account_id_arg(actor, "actor")?;
        let doctor = doctor_arg(doctor)?;
        let templates = collect_iter(Some(templates), "templates", |t| {
            Ok(class_arg::<PyAvailabilityTemplate>(t, "templates")?
                .get()
                .0
                .clone())
        })?;
        py.detach(|| with_hospital!(&self.backend, h => h.set_availability(actor, doctor, templates)))
            .map_err(raise)
    }

    /// Adds leave, a blocked span or an extra session to a doctor's schedule.
    fn add_availability_exception(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        exception: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let actor = account_id_arg(actor, "actor")?;
        let doctor = doctor_arg(doctor)?;
        let exception = class_arg::<PyAvailabilityException>(exception, "exception")?
            .get()
            .0
            .clone();
        py.detach(
            || with_hospital!(&self.backend, h => h.add_availability_exception(actor, doctor, exception)),
        )
        .map_err(raise)
    }

    /// Replaces the hospital-wide holidays (admins).
    fn set_holidays(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        holidays: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let actor = account_id_arg(actor, "actor")?;
        let holidays = collect_iter(Some(holidays), "holidays", |x| {
            Ok(class_arg::<PyAvailabilityException>(x, "holidays")?
                .get()
                .0
                .clone())
        })?;
        py.detach(|| with_hospital!(&self.backend, h => h.set_holidays(actor, holidays)))
            .map_err(raise)
    }

    /// The free slots of one doctor for a visit type over local dates `from_date`..`until` (both
    /// included); with `patient`, only times the patient is free too.
    #[pyo3(signature = (actor, doctor, visit_type, *, from_date, until, patient = None))]
    #[allow(clippy::too_many_arguments)]
    fn free_slots<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        doctor: &Bound<'py, PyAny>,
        visit_type: &str,
        from_date: &Bound<'py, PyAny>,
        until: &Bound<'py, PyAny>,
        patient: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let doctor = doctor_arg(doctor)?;
        let range = date_range(from_date, until)?;
        let patient = match patient.filter(|p| !p.is_none()) {
            Some(p) => Some(patient_id_arg(p, "patient")?),
            None => None,
        };
        let slots = py
            .detach(|| {
                with_hospital!(&self.backend, h => h.free_slots(actor, doctor, visit_type, range, patient))
            })
            .map_err(raise)?;
        records(py, slots, PySlot)
    }

    /// Free slots of every doctor (of a `specialization`, if given) offering the visit type, in start
    /// order. Runs without the GIL.
    #[pyo3(signature = (actor, visit_type, *, from_date, until, specialization = None))]
    fn search_slots<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        visit_type: &str,
        from_date: &Bound<'py, PyAny>,
        until: &Bound<'py, PyAny>,
        specialization: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let range = date_range(from_date, until)?;
        let slots = py
            .detach(|| {
                with_hospital!(&self.backend, h => h.search_slots(actor, specialization, visit_type, range))
            })
            .map_err(raise)?;
        records(py, slots, PyDoctorSlot)
    }

    /// Books one visit. A collision is a `SlotConflictError` listing every booking in the way.
    fn book_appointment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<PyAppointment> {
        let actor = account_id_arg(actor, "actor")?;
        let request = PyBookingRequest::arg(request, "request")?;
        py.detach(|| with_hospital!(&self.backend, h => h.book_appointment(actor, &request)))
            .map(PyAppointment)
            .map_err(raise)
    }

    /// Books many visits in one transaction: all of them, or none when one fails (its error is
    /// raised). Runs without the GIL.
    fn book_many<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        requests: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let requests = collect_iter(Some(requests), "requests", |r| {
            PyBookingRequest::arg(r, "requests")
        })?;
        let booked = py
            .detach(|| with_hospital!(&self.backend, h => h.book_many(actor, &requests)))
            .map_err(raise)?;
        records(py, booked, PyAppointment)
    }

    /// Moves an appointment to a new start (same length). `override_reason` lets a conflict through
    /// where the hospital allows that.
    #[pyo3(signature = (actor, appointment, new_start, *, override_reason = None))]
    fn reschedule_appointment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        appointment: &Bound<'_, PyAny>,
        new_start: &Bound<'_, PyAny>,
        override_reason: Option<&str>,
    ) -> PyResult<PyAppointment> {
        let actor = account_id_arg(actor, "actor")?;
        let id = appointment_id_arg(appointment, "appointment")?;
        let start = datetime_arg(new_start, "new_start")?;
        py.detach(|| {
            with_hospital!(&self.backend, h => h.reschedule_appointment(actor, id, start, override_reason))
        })
        .map(PyAppointment)
        .map_err(raise)
    }

    /// Cancels an appointment, with a reason; its time is offered to the waiting list.
    fn cancel_appointment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        appointment: &Bound<'_, PyAny>,
        reason: &str,
    ) -> PyResult<PyAppointment> {
        let actor = account_id_arg(actor, "actor")?;
        let id = appointment_id_arg(appointment, "appointment")?;
        py.detach(|| with_hospital!(&self.backend, h => h.cancel_appointment(actor, id, reason)))
            .map(PyAppointment)
            .map_err(raise)
    }

    /// Moves an appointment to another status (`AppointmentStatus` or its FHIR code), as the status
    /// machine allows.
    #[pyo3(signature = (actor, appointment, to, *, reason = None))]
    fn change_status(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        appointment: &Bound<'_, PyAny>,
        to: &Bound<'_, PyAny>,
        reason: Option<&str>,
    ) -> PyResult<PyAppointment> {
        let actor = account_id_arg(actor, "actor")?;
        let id = appointment_id_arg(appointment, "appointment")?;
        let to = AppointmentStatus::from_py(to, "to")?;
        py.detach(|| with_hospital!(&self.backend, h => h.change_status(actor, id, to, reason)))
            .map(PyAppointment)
            .map_err(raise)
    }

    /// Marks as no-show every booked appointment that ended more than `grace` ago; returns their ids.
    fn sweep_no_shows(&self, py: Python<'_>, grace: Duration) -> PyResult<Vec<String>> {
        py.detach(|| with_hospital!(&self.backend, h => h.sweep_no_shows(grace)))
            .map(|ids| ids.into_iter().map(|id| id.to_string()).collect())
            .map_err(raise)
    }

    /// Books a recurring series (`SeriesRule`): with `mode="all_or_none"` every occurrence or none,
    /// with `"available"` those that can be booked, the others listed in `refused`.
    #[pyo3(signature = (actor, patient, doctor, visit_type, rule, *, mode = None))]
    #[allow(clippy::too_many_arguments)]
    fn book_series(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        visit_type: &str,
        rule: &Bound<'_, PyAny>,
        mode: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySeriesOutcome> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let doctor = doctor_arg(doctor)?;
        let rule = PySeriesRule::arg(rule, "rule")?;
        let mode = match mode.filter(|m| !m.is_none()) {
            Some(m) => hms_core::hospital::SeriesMode::from_py(m, "mode")?,
            None => hms_core::hospital::SeriesMode::AllOrNone,
        };
        let outcome = py
            .detach(|| {
                with_hospital!(&self.backend, h => h.book_series(actor, patient, doctor, visit_type, &rule, mode))
            })
            .map_err(raise)?;
        PySeriesOutcome::new(py, outcome)
    }

    /// Puts a patient on a doctor's waiting list for any time starting inside `window` (an `Interval`).
    fn join_waitlist(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        visit_type: &str,
        window: &Bound<'_, PyAny>,
    ) -> PyResult<PyWaitlistEntry> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let doctor = doctor_arg(doctor)?;
        let window = PyInterval::arg(window, "window")?;
        py.detach(|| {
            with_hospital!(&self.backend, h => h.join_waitlist(actor, patient, doctor, visit_type, window))
        })
        .map(PyWaitlistEntry)
        .map_err(raise)
    }

    /// One doctor's appointments on a local date (a `DoctorDay`, shown as a table in Jupyter).
    fn doctor_day(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
    ) -> PyResult<PyDoctorDay> {
        let actor = account_id_arg(actor, "actor")?;
        let doctor = doctor_arg(doctor)?;
        let date = date_arg(date, "date")?;
        py.detach(|| with_hospital!(&self.backend, h => h.doctor_day(actor, doctor, date)))
            .map(PyDoctorDay)
            .map_err(raise)
    }

    /// One appointment by id.
    fn appointment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        appointment: &Bound<'_, PyAny>,
    ) -> PyResult<PyAppointment> {
        let actor = account_id_arg(actor, "actor")?;
        let id = appointment_id_arg(appointment, "appointment")?;
        py.detach(|| with_hospital!(&self.backend, h => h.appointment(actor, id)))
            .map(PyAppointment)
            .map_err(raise)
    }

    /// A patient's appointments that overlap `interval`, any status.
    fn patient_appointments<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patient: &Bound<'py, PyAny>,
        interval: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let range = PyInterval::arg(interval, "interval")?;
        let found = py
            .detach(|| with_hospital!(&self.backend, h => h.patient_appointments(actor, patient, range)))
            .map_err(raise)?;
        records(py, found, PyAppointment)
    }
}
