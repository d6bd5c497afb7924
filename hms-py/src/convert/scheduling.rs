//! Scheduling: visit types, availability, booking requests, appointments, slots, conflicts, a
//! doctor's day, recurring series and the waiting list.

use chrono::Weekday;
use hms_core::hospital::{BookingRequest, DoctorDay, SeriesOutcome};
use hms_core::ids::{AppointmentId, ResourceId, StaffId};
use hms_core::scheduling::availability::{AvailabilityException, AvailabilityTemplate, WeeklyHours};
use hms_core::scheduling::recurrence::{Repeat, SeriesEnd, SeriesRule};
use hms_core::scheduling::slots::{DoctorSlot, Slot};
use hms_core::scheduling::waitlist::WaitlistEntry;
use hms_core::scheduling::{
    Appointment, AppointmentChange, ChangeKind, Conflict, Party, Resource, VisitType,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::convert::people::{class_arg, patient_id_arg, staff_id_arg};
use crate::convert::time::PyInterval;
use crate::convert::{
    collect_iter, date_arg, date_to_py, datetime_arg, datetime_to_py, id_to_py, obj, opt_date_arg,
    opt_id_to_py, opt_to_py, record, records, time_arg, tuple_of, zone_arg, zone_to_py, PyEnum,
};

fn opt_str<'py>(py: Python<'py>, s: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, s, obj)
}

fn interval_to_py(py: Python<'_>, i: hms_core::time::Interval) -> PyResult<Bound<'_, PyAny>> {
    Ok(Bound::new(py, PyInterval(i))?.into_any())
}

/// A resource id given as a `Resource` or its id string.
pub(crate) fn resource_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ResourceId> {
    crate::convert::id_arg::<ResourceId, PyResource>(obj, field, |r| r.0.id)
}

/// An appointment id given as an `Appointment` or its id string.
pub(crate) fn appointment_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<AppointmentId> {
    crate::convert::id_arg::<AppointmentId, PyAppointment>(obj, field, |a| a.0.id)
}

fn strings(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Vec<String>> {
    collect_iter(obj, field, |s| {
        if s.is_instance_of::<PyString>() {
            s.extract()
        } else {
            Err(PyTypeError::new_err(format!("`{field}` must hold strings")))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// A kind of visit and how long it takes: `VisitType("follow_up", "Follow-up", 15,
/// buffer_minutes=5, required_resource_kinds=["procedure_room"])`.
#[pyclass(name = "VisitType", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyVisitType(pub(crate) VisitType);

#[pymethods]
impl PyVisitType {
    #[new]
    #[pyo3(signature = (code, name, minutes, *, buffer_minutes = 0, required_resource_kinds = None))]
    fn new(
        code: String,
        name: String,
        minutes: u32,
        buffer_minutes: u32,
        required_resource_kinds: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyVisitType(VisitType {
            code,
            name,
            minutes,
            buffer_minutes,
            required_resource_kinds: strings(required_resource_kinds, "required_resource_kinds")?,
        }))
    }
}

record!(PyVisitType, "VisitType", |v, py| {
    code => obj(py, v.code.as_str()),
    name => obj(py, v.name.as_str()),
    minutes => obj(py, v.minutes),
    buffer_minutes => obj(py, v.buffer_minutes),
    required_resource_kinds => tuple_of(py, &v.required_resource_kinds, |k| obj(py, k.as_str())),
});

/// Working hours on one day of the week, as wall-clock times `[start, end)`.
#[pyclass(name = "WeeklyHours", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyWeeklyHours(pub(crate) WeeklyHours);

#[pymethods]
impl PyWeeklyHours {
    #[new]
    fn new(weekday: &Bound<'_, PyAny>, start: &Bound<'_, PyAny>, end: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyWeeklyHours(WeeklyHours::new(
            Weekday::from_py(weekday, "weekday")?,
            time_arg(start, "start")?,
            time_arg(end, "end")?,
        )))
    }
}

record!(PyWeeklyHours, "WeeklyHours", |w, py| {
    weekday => w.weekday.to_py(py),
    start => obj(py, w.start),
    end => obj(py, w.end),
});

/// When and how one doctor can be booked at one location. Checked when set (every bad field listed).
#[pyclass(name = "AvailabilityTemplate", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAvailabilityTemplate(pub(crate) AvailabilityTemplate);

#[pymethods]
impl PyAvailabilityTemplate {
    #[new]
    #[pyo3(signature = (
        doctor, *, zone, weekly_hours, effective_from, slot_minutes, visit_types, horizon_days,
        effective_until = None, capacity = 1, lead_time_minutes = 0, location = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        doctor: &Bound<'_, PyAny>,
        zone: &Bound<'_, PyAny>,
        weekly_hours: &Bound<'_, PyAny>,
        effective_from: &Bound<'_, PyAny>,
        slot_minutes: u32,
        visit_types: &Bound<'_, PyAny>,
        horizon_days: u32,
        effective_until: Option<&Bound<'_, PyAny>>,
        capacity: u32,
        lead_time_minutes: u32,
        location: Option<String>,
    ) -> PyResult<Self> {
        Ok(PyAvailabilityTemplate(AvailabilityTemplate {
            doctor: staff_id_arg(doctor, "doctor")?,
            location,
            zone: zone_arg(zone)?,
            weekly_hours: collect_iter(Some(weekly_hours), "weekly_hours", |w| {
                Ok(class_arg::<PyWeeklyHours>(w, "weekly_hours")?.get().0)
            })?,
            effective_from: date_arg(effective_from, "effective_from")?,
            effective_until: opt_date_arg(effective_until, "effective_until")?,
            slot_minutes,
            visit_types: collect_iter(Some(visit_types), "visit_types", |v| {
                Ok(class_arg::<PyVisitType>(v, "visit_types")?.get().0.clone())
            })?,
            capacity,
            lead_time_minutes,
            horizon_days,
        }))
    }
}

record!(PyAvailabilityTemplate, "AvailabilityTemplate", |t, py| {
    doctor_id => id_to_py(py, t.doctor),
    zone => zone_to_py(py, t.zone),
    weekly_hours => tuple_of(py, &t.weekly_hours, |w| Ok(Bound::new(py, PyWeeklyHours(*w))?.into_any())),
    effective_from => date_to_py(py, t.effective_from),
    effective_until => opt_to_py(py, t.effective_until, date_to_py),
    slot_minutes => obj(py, t.slot_minutes),
    visit_types => tuple_of(py, &t.visit_types, |v| Ok(Bound::new(py, PyVisitType(v.clone()))?.into_any())),
    capacity => obj(py, t.capacity),
    lead_time_minutes => obj(py, t.lead_time_minutes),
    horizon_days => obj(py, t.horizon_days),
    location => opt_str(py, t.location.as_deref()),
});

/// A change to a doctor's weekly hours, or a hospital holiday. Build one with `leave`,
/// `unavailable`, `extra_session` or `holiday`; `kind` says which, `details` holds its fields.
#[pyclass(name = "AvailabilityException", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAvailabilityException(pub(crate) AvailabilityException);

#[pymethods]
impl PyAvailabilityException {
    /// The doctor is away on these local days, both included.
    #[classmethod]
    fn leave(
        _cls: &Bound<'_, PyType>,
        from_date: &Bound<'_, PyAny>,
        until: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyAvailabilityException(AvailabilityException::Leave {
            from: date_arg(from_date, "from_date")?,
            until: date_arg(until, "until")?,
        }))
    }

    /// The doctor cannot see patients during this exact span.
    #[classmethod]
    fn unavailable(_cls: &Bound<'_, PyType>, interval: &Bound<'_, PyAny>, reason: String) -> PyResult<Self> {
        Ok(PyAvailabilityException(AvailabilityException::Unavailable {
            interval: PyInterval::arg(interval, "interval")?,
            reason,
        }))
    }

    /// The doctor works these extra wall-clock hours on one day, even on a holiday.
    #[classmethod]
    fn extra_session(
        _cls: &Bound<'_, PyType>,
        date: &Bound<'_, PyAny>,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyAvailabilityException(AvailabilityException::ExtraSession {
            date: date_arg(date, "date")?,
            start: time_arg(start, "start")?,
            end: time_arg(end, "end")?,
        }))
    }

    /// A public holiday: the weekly hours of this day do not apply.
    #[classmethod]
    fn holiday(_cls: &Bound<'_, PyType>, date: &Bound<'_, PyAny>, name: String) -> PyResult<Self> {
        Ok(PyAvailabilityException(AvailabilityException::Holiday {
            date: date_arg(date, "date")?,
            name,
        }))
    }
}

record!(PyAvailabilityException, "AvailabilityException", |x, py| {
    kind => obj(py, match x {
        AvailabilityException::Leave { .. } => "leave",
        AvailabilityException::Unavailable { .. } => "unavailable",
        AvailabilityException::ExtraSession { .. } => "extra_session",
        AvailabilityException::Holiday { .. } => "holiday",
        // WILDCARD(non_exhaustive): a kind this binding does not know yet.
        _ => "unknown",
    }),
    details => {
        let d = PyDict::new(py);
        match x {
            AvailabilityException::Leave { from, until } => {
                d.set_item("from_date", date_to_py(py, *from)?)?;
                d.set_item("until", date_to_py(py, *until)?)?;
            }
            AvailabilityException::Unavailable { interval, reason } => {
                d.set_item("interval", interval_to_py(py, *interval)?)?;
                d.set_item("reason", reason.as_str())?;
            }
            AvailabilityException::ExtraSession { date, start, end } => {
                d.set_item("date", date_to_py(py, *date)?)?;
                d.set_item("start", obj(py, *start)?)?;
                d.set_item("end", obj(py, *end)?)?;
            }
            AvailabilityException::Holiday { date, name } => {
                d.set_item("date", date_to_py(py, *date)?)?;
                d.set_item("name", name.as_str())?;
            }
            // WILDCARD(non_exhaustive): nothing known to show.
            _ => {}
        }
        Ok(d.into_any())
    },
});

/// A request to book one visit.
#[pyclass(name = "BookingRequest", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyBookingRequest(pub(crate) BookingRequest);

impl PyBookingRequest {
    /// A `BookingRequest` argument.
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<BookingRequest> {
        Ok(class_arg::<PyBookingRequest>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyBookingRequest {
    #[new]
    #[pyo3(signature = (
        patient, doctor, visit_type, start, *, resources = None, client_key = None,
        override_reason = None, note = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        patient: &Bound<'_, PyAny>,
        doctor: &Bound<'_, PyAny>,
        visit_type: String,
        start: &Bound<'_, PyAny>,
        resources: Option<&Bound<'_, PyAny>>,
        client_key: Option<String>,
        override_reason: Option<String>,
        note: Option<String>,
    ) -> PyResult<Self> {
        Ok(PyBookingRequest(BookingRequest {
            patient: patient_id_arg(patient, "patient")?,
            doctor: staff_id_arg(doctor, "doctor")?,
            visit_type,
            start: datetime_arg(start, "start")?,
            resources: collect_iter(resources, "resources", |r| resource_id_arg(r, "resources"))?,
            client_key,
            override_reason,
            note,
        }))
    }
}

record!(PyBookingRequest, "BookingRequest", |r, py| {
    patient_id => id_to_py(py, r.patient),
    doctor_id => id_to_py(py, r.doctor),
    visit_type => obj(py, r.visit_type.as_str()),
    start => datetime_to_py(py, r.start),
    resource_ids => tuple_of(py, &r.resources, |id| id_to_py(py, id)),
    client_key => opt_str(py, r.client_key.as_deref()),
    override_reason => opt_str(py, r.override_reason.as_deref()),
    note => opt_str(py, r.note.as_deref()),
});

/// A rule for a series of visits at the same wall-clock time: weekly on `weekdays` (every
/// `every_weeks` weeks) or every `every_days` days; ending after `count` visits or on `until`.
#[pyclass(name = "SeriesRule", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PySeriesRule(pub(crate) SeriesRule);

impl PySeriesRule {
    /// A `SeriesRule` argument.
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<SeriesRule> {
        Ok(class_arg::<PySeriesRule>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PySeriesRule {
    #[new]
    #[pyo3(signature = (
        *, start_date, time, zone, minutes, weekdays = None, every_weeks = 1, every_days = None,
        count = None, until = None, excluded_dates = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        start_date: &Bound<'_, PyAny>,
        time: &Bound<'_, PyAny>,
        zone: &Bound<'_, PyAny>,
        minutes: u32,
        weekdays: Option<&Bound<'_, PyAny>>,
        every_weeks: u32,
        every_days: Option<u32>,
        count: Option<u32>,
        until: Option<&Bound<'_, PyAny>>,
        excluded_dates: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let weekdays = weekdays.filter(|w| !w.is_none());
        let repeat = match (weekdays, every_days) {
            (Some(w), None) => Repeat::Weekly {
                weekdays: collect_iter(Some(w), "weekdays", |d| Weekday::from_py(d, "weekdays"))?,
                every_weeks,
            },
            (None, Some(every_days)) => Repeat::Daily { every_days },
            _ => {
                return Err(crate::convert::invalid(
                    "repeat",
                    hms_core::error::FieldCode::Inconsistent,
                    "give either `weekdays` or `every_days`".to_owned(),
                ))
            }
        };
        let until = opt_date_arg(until, "until")?;
        let end = match (count, until) {
            (Some(n), None) => SeriesEnd::Count(n),
            (None, Some(d)) => SeriesEnd::Until(d),
            _ => {
                return Err(crate::convert::invalid(
                    "end",
                    hms_core::error::FieldCode::Inconsistent,
                    "give either `count` or `until`".to_owned(),
                ))
            }
        };
        Ok(PySeriesRule(SeriesRule {
            start_date: date_arg(start_date, "start_date")?,
            time: time_arg(time, "time")?,
            zone: zone_arg(zone)?,
            minutes,
            repeat,
            end,
            excluded_dates: collect_iter(excluded_dates, "excluded_dates", |d| {
                date_arg(d, "excluded_dates")
            })?,
        }))
    }
}

record!(PySeriesRule, "SeriesRule", |r, py| {
    start_date => date_to_py(py, r.start_date),
    time => obj(py, r.time),
    zone => zone_to_py(py, r.zone),
    minutes => obj(py, r.minutes),
    weekdays => match &r.repeat {
        Repeat::Weekly { weekdays, .. } => tuple_of(py, weekdays, |d| d.to_py(py)),
        Repeat::Daily { .. } => Ok(py.None().into_bound(py)),
    },
    every_weeks => match &r.repeat {
        Repeat::Weekly { every_weeks, .. } => obj(py, *every_weeks),
        Repeat::Daily { .. } => Ok(py.None().into_bound(py)),
    },
    every_days => match &r.repeat {
        Repeat::Daily { every_days } => obj(py, *every_days),
        Repeat::Weekly { .. } => Ok(py.None().into_bound(py)),
    },
    count => match r.end {
        SeriesEnd::Count(n) => obj(py, n),
        SeriesEnd::Until(_) => Ok(py.None().into_bound(py)),
    },
    until => match r.end {
        SeriesEnd::Until(d) => date_to_py(py, d),
        SeriesEnd::Count(_) => Ok(py.None().into_bound(py)),
    },
    excluded_dates => tuple_of(py, &r.excluded_dates, |d| date_to_py(py, *d)),
});

// ---------------------------------------------------------------------------------------------
// Records

/// A bookable room or piece of equipment.
#[pyclass(name = "Resource", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyResource(pub(crate) Resource);

record!(PyResource, "Resource", columns ["id", "kind", "name", "location", "active"], |r, py| {
    id => id_to_py(py, r.id),
    kind => obj(py, r.kind.as_str()),
    name => obj(py, r.name.as_str()),
    location => opt_str(py, r.location.as_deref()),
    active => obj(py, r.active),
});

fn change_to_py<'py>(py: Python<'py>, c: &AppointmentChange) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("at", datetime_to_py(py, c.at)?)?;
    d.set_item("by", opt_id_to_py(py, c.by)?)?;
    match &c.change {
        ChangeKind::Status { from, to } => {
            d.set_item("change", "status")?;
            d.set_item("from", opt_to_py(py, *from, |py, s| s.to_py(py))?)?;
            d.set_item("to", to.to_py(py)?)?;
        }
        ChangeKind::Rescheduled { from, to } => {
            d.set_item("change", "rescheduled")?;
            d.set_item("from", interval_to_py(py, *from)?)?;
            d.set_item("to", interval_to_py(py, *to)?)?;
        }
    }
    d.set_item("reason", opt_str(py, c.reason.as_deref())?)?;
    Ok(d.into_any())
}

/// A booked visit. `start`/`end` are the visit (UTC), `held_until` includes the buffer,
/// `local_start` is the clinic's wall clock in `zone`. Also a read-only mapping of its table columns.
#[pyclass(name = "Appointment", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAppointment(pub(crate) Appointment);

record!(PyAppointment, "Appointment", columns [
    "id", "patient_id", "doctor_id", "visit_type", "start", "end", "local_start", "status", "note",
    "booked_by", "created_at", "version",
], |a, py| {
    id => id_to_py(py, a.id),
    patient_id => id_to_py(py, a.patient),
    doctor_id => id_to_py(py, a.doctor),
    visit_type => obj(py, a.visit_type.as_str()),
    start => datetime_to_py(py, a.interval.start()),
    end => datetime_to_py(py, a.interval.end()),
    interval => interval_to_py(py, a.interval),
    held_until => datetime_to_py(py, a.held.end()),
    local_start => obj(py, a.local_start),
    zone => zone_to_py(py, a.zone),
    status => a.status.to_py(py),
    resource_ids => tuple_of(py, &a.resources, |id| id_to_py(py, id)),
    shared => obj(py, a.shared),
    override_reason => opt_str(py, a.conflict_override.as_ref().map(|o| o.reason.as_str())),
    overridden_conflicts => match &a.conflict_override {
        Some(o) => conflicts_to_py(py, &o.conflicts),
        None => Ok(PyList::empty(py).into_any()),
    },
    client_key => opt_str(py, a.client_key.as_deref()),
    note => opt_str(py, a.note.as_deref()),
    booked_by => id_to_py(py, a.booked_by),
    created_at => datetime_to_py(py, a.created_at),
    history => tuple_of(py, &a.history, |c| change_to_py(py, c)),
    version => obj(py, a.version),
});

/// A free time of one doctor: `start`/`end` in UTC, `local_start` on the clinic's wall clock, and
/// how many more bookings it takes.
#[pyclass(name = "Slot", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PySlot(pub(crate) Slot);

record!(PySlot, "Slot", columns ["start", "end", "local_start", "remaining_capacity"], |s, py| {
    start => datetime_to_py(py, s.interval.start()),
    end => datetime_to_py(py, s.interval.end()),
    interval => interval_to_py(py, s.interval),
    local_start => obj(py, s.local_start),
    zone => zone_to_py(py, s.zone),
    remaining_capacity => obj(py, s.remaining_capacity),
});

/// A free time of one of several doctors (from `search_slots`).
#[pyclass(name = "DoctorSlot", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDoctorSlot(pub(crate) DoctorSlot);

record!(PyDoctorSlot, "DoctorSlot", columns ["doctor_id", "start", "end", "local_start", "remaining_capacity"], |s, py| {
    doctor_id => id_to_py(py, s.doctor),
    start => datetime_to_py(py, s.slot.interval.start()),
    end => datetime_to_py(py, s.slot.interval.end()),
    interval => interval_to_py(py, s.slot.interval),
    local_start => obj(py, s.slot.local_start),
    zone => zone_to_py(py, s.slot.zone),
    remaining_capacity => obj(py, s.slot.remaining_capacity),
});

fn party_parts(p: &Party) -> (&'static str, String) {
    match p {
        Party::Doctor(id) => ("doctor", id.to_string()),
        Party::Patient(id) => ("patient", id.to_string()),
        Party::Resource(id) => ("resource", id.to_string()),
    }
}

/// A booking in the way: whose calendar collides (`party_kind`: `doctor`, `patient` or
/// `resource`; `party_id`), which appointment, and the time it holds.
#[pyclass(name = "Conflict", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyConflict(pub(crate) Conflict);

record!(PyConflict, "Conflict", columns ["party_kind", "party_id", "appointment_id", "start", "end"], |c, py| {
    party_kind => obj(py, party_parts(&c.party).0),
    party_id => obj(py, party_parts(&c.party).1),
    appointment_id => id_to_py(py, c.appointment),
    start => datetime_to_py(py, c.interval.start()),
    end => datetime_to_py(py, c.interval.end()),
    interval => interval_to_py(py, c.interval),
});

/// A list of `Conflict`s (a `RecordList`).
pub(crate) fn conflicts_to_py<'py>(py: Python<'py>, conflicts: &[Conflict]) -> PyResult<Bound<'py, PyAny>> {
    records(py, conflicts.iter().cloned(), PyConflict)
}

/// One doctor's appointments on one local date, for a day sheet. Renders as a table in Jupyter.
#[pyclass(name = "DoctorDay", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDoctorDay(pub(crate) DoctorDay);

record!(PyDoctorDay, "DoctorDay", |d, py| {
    doctor_id => id_to_py(py, d.doctor),
    date => date_to_py(py, d.date),
    appointments => records(py, d.appointments.iter().cloned(), PyAppointment),
});

#[pymethods]
impl PyDoctorDay {
    fn __len__(&self) -> usize {
        self.0.appointments.len()
    }

    /// The day as an HTML table: local time, length, visit type, patient, status, note.
    fn _repr_html_(&self) -> String {
        let mut html = format!(
            "<table><caption>Doctor <code>{}</code>, {} ({} appointment{})</caption>\
             <thead><tr><th>time</th><th>minutes</th><th>visit</th><th>patient</th>\
             <th>status</th><th>note</th></tr></thead><tbody>",
            escape(&self.0.doctor.to_string()),
            self.0.date,
            self.0.appointments.len(),
            if self.0.appointments.len() == 1 { "" } else { "s" }
        );
        for a in &self.0.appointments {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                a.local_start.format("%H:%M"),
                a.interval.duration().num_minutes(),
                escape(&a.visit_type),
                escape(&a.patient.to_string()),
                a.status.code(),
                escape(a.note.as_deref().unwrap_or("")),
            ));
        }
        html.push_str("</tbody></table>");
        html
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What happened to a series: the appointments `booked`, and the `refused` occurrences as
/// `(date, error)` pairs (the error is the `HmsError` that booking that date would have raised).
#[pyclass(name = "SeriesOutcome", module = "hms._hms", frozen)]
#[derive(Debug)]
pub(crate) struct PySeriesOutcome {
    pub(crate) booked: Py<PyAny>,
    pub(crate) refused: Py<PyAny>,
}

impl PySeriesOutcome {
    pub(crate) fn new(py: Python<'_>, outcome: SeriesOutcome) -> PyResult<Self> {
        let refused = PyList::empty(py);
        for (date, e) in outcome.refused {
            let error = crate::errors::raise(e).into_value(py);
            refused.append((date_to_py(py, date)?, error))?;
        }
        Ok(PySeriesOutcome {
            booked: records(py, outcome.booked, PyAppointment)?.unbind(),
            refused: refused.into_any().unbind(),
        })
    }
}

#[pymethods]
impl PySeriesOutcome {
    /// The appointments booked.
    #[getter]
    fn booked<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.booked.bind(py).clone()
    }

    /// The dates that could not be booked, each with its error.
    #[getter]
    fn refused<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.refused.bind(py).clone()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SeriesOutcome(booked={}, refused={})",
            self.booked.bind(py).len()?,
            self.refused.bind(py).repr()?.to_cow()?
        ))
    }
}

/// A patient waiting for a time with a doctor.
#[pyclass(name = "WaitlistEntry", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyWaitlistEntry(pub(crate) WaitlistEntry);

record!(PyWaitlistEntry, "WaitlistEntry", columns [
    "id", "patient_id", "doctor_id", "visit_type", "status", "created_at",
], |e, py| {
    id => id_to_py(py, e.id),
    patient_id => id_to_py(py, e.patient),
    doctor_id => id_to_py(py, e.doctor),
    visit_type => obj(py, e.visit_type.code.as_str()),
    window => interval_to_py(py, e.window),
    status => e.status.to_py(py),
    offered => opt_to_py(py, e.offer.as_ref().map(|o| o.interval), interval_to_py),
    created_by => id_to_py(py, e.created_by),
    created_at => datetime_to_py(py, e.created_at),
});

/// The staff id of a doctor given as a `Staff` or its id string (re-exported for the facade).
pub(crate) fn doctor_arg(obj: &Bound<'_, PyAny>) -> PyResult<StaffId> {
    staff_id_arg(obj, "doctor")
}
