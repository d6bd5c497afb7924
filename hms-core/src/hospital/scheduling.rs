//! Scheduling use cases of the facade: availability, slot search, booking, rescheduling, cancelling,
//! status changes, the no-show sweep, recurring series and the waiting list.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Effects, Hospital};
use crate::access::{AccessError, Action, ResourceKind, Role};
use crate::error::{Error, Result};
use crate::events::DomainEvent;
use crate::ids::{AccountId, AppointmentId, PatientId, ResourceId, StaffId, WaitlistId};
use crate::people::{PeopleError, UserAccount};
use crate::scheduling::availability::{
    self, AvailabilityError, AvailabilityException, AvailabilityTemplate, DateRange, LocalAppointmentTime,
};
use crate::scheduling::booking::{self, Overlaps, RequestFingerprint, TimeRequest};
use crate::scheduling::calendar::Busy;
use crate::scheduling::recurrence::{self, SeriesRule};
use crate::scheduling::slots::{self, DoctorCalendar, DoctorSlot, Slot};
use crate::scheduling::waitlist::{self, WaitlistEntry, WaitlistStatus};
use crate::scheduling::{
    appointment, Appointment, AppointmentChange, AppointmentStatus, ChangeKind, Party, Resource, VisitType,
};
use crate::store::{Reads, Store, Writes};
use crate::time::Interval;

/// A request to book one visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    /// Who is seen.
    pub patient: PatientId,
    /// By whom.
    pub doctor: StaffId,
    /// The visit type's code (as offered in the doctor's template).
    pub visit_type: String,
    /// When the visit starts.
    pub start: DateTime<Utc>,
    /// Rooms or equipment asked for by name; otherwise the first free one of each needed kind.
    #[serde(default)]
    pub resources: Vec<ResourceId>,
    /// The client's idempotency key: the same key again returns the first booking.
    #[serde(default)]
    pub client_key: Option<String>,
    /// A reason to book despite conflicts (only where the hospital lets conflicts through as warnings).
    #[serde(default)]
    pub override_reason: Option<String>,
    /// The reason for the visit, in the patient's or the clerk's words.
    #[serde(default)]
    pub note: Option<String>,
}

impl BookingRequest {
    /// A request with no resources, key, override or note.
    pub fn new(
        patient: PatientId,
        doctor: StaffId,
        visit_type: impl Into<String>,
        start: DateTime<Utc>,
    ) -> Self {
        BookingRequest {
            patient,
            doctor,
            visit_type: visit_type.into(),
            start,
            resources: Vec::new(),
            client_key: None,
            override_reason: None,
            note: None,
        }
    }
}

/// How to book a recurring series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesMode {
    /// Book every occurrence, or none if any cannot be booked.
    AllOrNone,
    /// Book the occurrences that can be booked and report the rest.
    Available,
}

/// What happened to each occurrence of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesOutcome {
    /// The occurrences booked.
    pub booked: Vec<Appointment>,
    /// The occurrences that could not be booked, with why (local date and the error).
    pub refused: Vec<(NaiveDate, Error)>,
}

/// Where a doctor's day stands, for a day sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorDay {
    /// The doctor.
    pub doctor: StaffId,
    /// The local date.
    pub date: NaiveDate,
    /// Their appointments that day, any status, in start order.
    pub appointments: Vec<Appointment>,
}

/// The whole local day `date` in the hospital's zone, as an interval (DST days are 23 or 25 hours).
fn local_day(zone: chrono_tz::Tz, date: NaiveDate) -> Option<Interval> {
    let start = LocalAppointmentTime::new(date, chrono::NaiveTime::MIN, zone)
        .start()
        .ok()?;
    let next = date.succ_opt()?;
    let end = LocalAppointmentTime::new(next, chrono::NaiveTime::MIN, zone)
        .start()
        .ok()?;
    Interval::new(start, end).ok()
}

impl<S: Store> Hospital<S> {
    fn require_doctor(tx: &dyn Reads, doctor: StaffId) -> Result<crate::people::Staff> {
        let staff = tx
            .staff(doctor)?
            .ok_or_else(|| Error::not_found("doctor", doctor))?;
        if staff.doctor().is_none() {
            return Err(Error::not_found("doctor", doctor));
        }
        if !staff.active {
            return Err(PeopleError::Inactive {
                entity: "staff member",
                key: doctor.to_string(),
            }
            .into());
        }
        Ok(staff)
    }

    fn require_active_patient(tx: &dyn Reads, patient: PatientId) -> Result<crate::people::Patient> {
        let p = tx
            .patient(patient)?
            .ok_or_else(|| Error::not_found("patient", patient))?;
        if !p.is_active() {
            return Err(PeopleError::Inactive {
                entity: "patient",
                key: patient.to_string(),
            }
            .into());
        }
        Ok(p)
    }

    /// Adds a bookable room or piece of equipment.
    ///
    /// # Errors
    /// `forbidden` unless an admin asks; `invalid_input` for a blank kind or name.
    pub fn add_resource(
        &self,
        actor: AccountId,
        kind: &str,
        name: &str,
        location: Option<&str>,
    ) -> Result<Resource> {
        let id = ResourceId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Schedule, None)?;
            let mut e = crate::error::ValidationError::default();
            crate::people::required_text("kind", kind, 64, &mut e);
            crate::people::required_text("name", name, 200, &mut e);
            e.into_result()?;
            let r = Resource {
                id,
                kind: kind.trim().to_lowercase(),
                name: crate::people::fold_spaces(name),
                location: location.map(crate::people::fold_spaces).filter(|l| !l.is_empty()),
                active: true,
            };
            tx.insert_resource(&r)?;
            fx.events.push(DomainEvent::ResourceAdded {
                resource: id,
                kind: r.kind.clone(),
            });
            Ok(r)
        })
    }

    /// Replaces a doctor's availability templates.
    ///
    /// # Errors
    /// `forbidden` unless an admin or the doctor themself asks; `not_found` for an unknown doctor;
    /// `invalid_input` listing every bad field of every template (`templates[i].…`), or a template
    /// naming another doctor.
    pub fn set_availability(
        &self,
        actor: AccountId,
        doctor: StaffId,
        templates: Vec<AvailabilityTemplate>,
    ) -> Result<()> {
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Update, ResourceKind::Schedule, None)?;
            require_own_schedule(&account, doctor)?;
            Self::require_doctor(tx, doctor)?;
            let mut e = crate::error::ValidationError::default();
            for (i, t) in templates.iter().enumerate() {
                if let Err(v) = availability::validate_template(t) {
                    e.extend_prefixed(&format!("templates[{i}]"), v);
                }
                if t.doctor != doctor {
                    e.push(
                        format!("templates[{i}].doctor"),
                        crate::error::FieldCode::Inconsistent,
                        format!("the template is for doctor `{}`, not `{doctor}`", t.doctor),
                    );
                }
            }
            e.into_result()?;
            tx.set_availability_templates(doctor, &templates)?;
            fx.events.push(DomainEvent::AvailabilityChanged { doctor });
            Ok(())
        })
    }

    /// Adds leave, an unavailable block, an extra session or a doctor-specific holiday.
    ///
    /// # Errors
    /// `forbidden` unless an admin or the doctor themself asks; `invalid_input` for a bad exception.
    pub fn add_availability_exception(
        &self,
        actor: AccountId,
        doctor: StaffId,
        exception: AvailabilityException,
    ) -> Result<()> {
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Update, ResourceKind::Schedule, None)?;
            require_own_schedule(&account, doctor)?;
            Self::require_doctor(tx, doctor)?;
            availability::validate_exceptions(std::slice::from_ref(&exception))?;
            tx.add_availability_exception(doctor, &exception)?;
            fx.events.push(DomainEvent::AvailabilityChanged { doctor });
            Ok(())
        })
    }

    /// Sets the hospital-wide public holidays (each an [`AvailabilityException::Holiday`]).
    ///
    /// # Errors
    /// `forbidden` unless an admin asks; `invalid_input` for anything but holidays.
    pub fn set_holidays(&self, actor: AccountId, holidays: Vec<AvailabilityException>) -> Result<()> {
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Update, ResourceKind::Schedule, None)?;
            if !account.has_role(Role::Admin) {
                return Err(forbidden(
                    &account,
                    Action::Update,
                    "only admins set hospital holidays",
                ));
            }
            availability::validate_exceptions(&holidays)?;
            let mut e = crate::error::ValidationError::default();
            for (i, h) in holidays.iter().enumerate() {
                if !matches!(h, AvailabilityException::Holiday { .. }) {
                    e.push(
                        format!("holidays[{i}]"),
                        crate::error::FieldCode::Inconsistent,
                        "only holidays are hospital-wide",
                    );
                }
            }
            e.into_result()?;
            tx.set_holidays(&holidays)
        })
    }

    /// A calendar's bookings over `range`, copied out for a search that asks about many times.
    fn occupancy<'t>(tx: &'t dyn Reads, party: Party, range: &Interval) -> Result<Busy<'t>> {
        tx.busy(party, range)
    }

    /// The `also_free` hook of slot search: the patient (if given) and a resource of every needed kind
    /// are free for the held time.
    fn resource_and_patient_check<'t>(
        tx: &'t dyn Reads,
        visit: &VisitType,
        patient: Option<PatientId>,
        range: &Interval,
    ) -> Result<impl Fn(&Interval) -> bool + 't> {
        let patient_cal = match patient {
            Some(p) => Some(Self::occupancy(tx, Party::Patient(p), range)?),
            None => None,
        };
        let mut kinds: Vec<Vec<Busy<'t>>> = Vec::new();
        for kind in &visit.required_resource_kinds {
            let mut cals = Vec::new();
            for r in tx.resources(Some(kind))?.into_iter().filter(|r| r.active) {
                cals.push(Self::occupancy(tx, Party::Resource(r.id), range)?);
            }
            kinds.push(cals);
        }
        Ok(move |held: &Interval| {
            patient_cal.as_ref().is_none_or(|c| !c.any_overlap(held))
                && kinds.iter().all(|cals| cals.iter().any(|c| !c.any_overlap(held)))
        })
    }

    /// The free slots of one doctor for a visit type over local dates, optionally also free for a
    /// patient (so the patient is never offered a time they are busy).
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `not_offered` when no template of the doctor offers the visit type.
    pub fn free_slots(
        &self,
        actor: AccountId,
        doctor: StaffId,
        visit_type: &str,
        range: DateRange,
        patient: Option<PatientId>,
    ) -> Result<Vec<Slot>> {
        let now = self.now();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Schedule, None)?;
            Self::require_doctor(tx, doctor)?;
            let templates = tx.availability_templates(doctor)?;
            let exceptions = exceptions_for(tx, doctor)?;
            let span = self.span_of(range)?;
            let occupancy = Self::occupancy(tx, Party::Doctor(doctor), &span)?;
            let mut out = Vec::new();
            let mut offered = false;
            for t in &templates {
                let Some(visit) = t.visit_type(visit_type) else {
                    continue;
                };
                offered = true;
                let also_free = Self::resource_and_patient_check(tx, visit, patient, &span)?;
                out.extend(slots::free_slots(
                    t,
                    &exceptions,
                    &occupancy,
                    &also_free,
                    visit,
                    range,
                    now,
                ));
            }
            if !offered {
                return Err(AvailabilityError::VisitTypeNotOffered {
                    doctor,
                    visit_type: visit_type.to_owned(),
                }
                .into());
            }
            out.sort_by_key(|s| s.interval.start());
            out.dedup_by_key(|s| s.interval.start());
            Ok(out)
        })
    }

    /// Free slots across every active doctor of a specialization (or of every doctor when `None`),
    /// sorted by start, then doctor.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn search_slots(
        &self,
        actor: AccountId,
        specialization: Option<&str>,
        visit_type: &str,
        range: DateRange,
    ) -> Result<Vec<DoctorSlot>> {
        let now = self.now();
        let wanted = specialization.map(|s| crate::people::fold_spaces(s).to_lowercase());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Schedule, None)?;
            let span = self.span_of(range)?;
            let doctors: Vec<_> = tx
                .list_staff(Some(crate::people::StaffRole::Doctor))?
                .into_iter()
                .filter(|s| s.active)
                .filter(|s| match (&wanted, s.doctor()) {
                    (Some(w), Some(d)) => &d.specialization == w,
                    (None, _) => true,
                    (Some(_), None) => false,
                })
                .collect();
            let holidays = tx.holidays()?;
            let mut loaded = Vec::with_capacity(doctors.len());
            for d in &doctors {
                loaded.push((
                    tx.availability_templates(d.id)?,
                    tx.availability_exceptions(d.id)?,
                    Self::occupancy(tx, Party::Doctor(d.id), &span)?,
                ));
            }
            let mut calendars = Vec::new();
            let mut visit: Option<VisitType> = None;
            for (templates, exceptions, occupancy) in &loaded {
                for t in templates {
                    if let Some(v) = t.visit_type(visit_type) {
                        visit.get_or_insert_with(|| v.clone());
                        calendars.push(DoctorCalendar {
                            template: t,
                            exceptions,
                            occupancy,
                        });
                    }
                }
            }
            let Some(visit) = visit else { return Ok(Vec::new()) };
            let also_free = Self::resource_and_patient_check(tx, &visit, None, &span)?;
            Ok(slots::free_slots_for_many(
                &calendars, &holidays, &also_free, &visit, range, now,
            ))
        })
    }

    /// The UTC span covering the local dates of `range` in the hospital's zone, with a day's margin
    /// for clinics in other zones.
    fn span_of(&self, range: DateRange) -> Result<Interval> {
        let zone = self.settings.zone;
        let start = local_day(zone, range.from()).map(|d| d.start() - Duration::days(1));
        let end = local_day(zone, range.until()).map(|d| d.end() + Duration::days(1));
        match (start, end) {
            (Some(s), Some(e)) => Ok(Interval::new(s, e)?),
            _ => Err(crate::error::ValidationError::single(
                "range",
                crate::error::FieldCode::OutOfRange,
                "the date range cannot be placed on the time line",
            )
            .into()),
        }
    }

    /// Decides everything about putting a visit at `start` (for a new booking, or a move when
    /// `moving` is the appointment being moved): the template that accepts it, the visit interval, the
    /// resources, and the conflicts. Returns the appointment fields to write.
    /// `week` holds the doctor's templates and exceptions, loaded once per doctor by the caller.
    #[allow(clippy::too_many_arguments)]
    fn plan_visit(
        &self,
        tx: &dyn Reads,
        account: &UserAccount,
        week: &DoctorWeek,
        patient: PatientId,
        visit_type: &str,
        start: DateTime<Utc>,
        requested_resources: &[ResourceId],
        override_reason: Option<&str>,
        moving: Option<AppointmentId>,
        now: DateTime<Utc>,
    ) -> Result<PlannedVisit> {
        let (doctor, templates, exceptions) = (week.doctor, &week.templates, &week.exceptions);
        let mut first_error: Option<Error> = None;
        let mut accepted: Option<(&AvailabilityTemplate, &VisitType, Interval)> = None;
        for t in templates {
            let Some(visit) = t.visit_type(visit_type) else {
                continue;
            };
            let interval = Interval::starting_at(start, visit.length())?;
            match availability::check_bookable(t, exceptions, &interval, visit, now) {
                Ok(()) => {
                    accepted = Some((t, visit, interval));
                    break;
                }
                Err(e) => {
                    first_error.get_or_insert(e.into());
                }
            }
        }
        let Some((template, visit, interval)) = accepted else {
            return Err(first_error.unwrap_or_else(|| {
                AvailabilityError::VisitTypeNotOffered {
                    doctor,
                    visit_type: visit_type.to_owned(),
                }
                .into()
            }));
        };
        let held = Interval::starting_at(start, visit.held_length())?;
        let mut candidates = Vec::new();
        for kind in &visit.required_resource_kinds {
            for r in tx.resources(Some(kind))? {
                let busy = tx.calendar_overlaps(Party::Resource(r.id), &held)?;
                candidates.push((r, busy));
            }
        }
        let (resources, mut conflicts) = booking::choose_resources(
            &visit.required_resource_kinds,
            requested_resources,
            &candidates,
            moving,
        )?;
        let overlaps = Overlaps {
            doctor: tx.calendar_overlaps(Party::Doctor(doctor), &held)?,
            patient: tx.calendar_overlaps(Party::Patient(patient), &held)?,
            resources: Vec::new(),
        };
        let request = TimeRequest {
            doctor,
            patient,
            held,
            doctor_capacity: template.capacity,
            ignore: moving,
            resources: &resources,
        };
        let mut found = booking::find_conflicts(&request, &overlaps);
        found.append(&mut conflicts);
        let conflict_override =
            booking::resolve_conflicts(found, self.settings.conflict_mode, override_reason, account.id)?;
        let local = LocalAppointmentTime::of_instant(start, template.zone);
        Ok(PlannedVisit {
            interval,
            held,
            resources,
            local_start: local.date.and_time(local.time),
            zone: template.zone,
            shared: template.capacity > 1 || conflict_override.is_some(),
            conflict_override,
            visit_code: visit.code.clone(),
        })
    }

    /// Books a visit: inside the doctor's working hours, outside the lead time and within the horizon,
    /// with the doctor, the patient and every needed room or piece of equipment free (see
    /// [`crate::scheduling`] for the rules). A request that repeats an earlier client key returns the
    /// first booking.
    ///
    /// # Errors
    /// `forbidden` (a patient books only for themself); `not_found`; `inactive`; the availability
    /// codes (`outside_availability`, `in_past`, `lead_time`, `beyond_horizon`,
    /// `visit_type_not_offered`); `slot_conflict` with every conflicting appointment; `no_resource`;
    /// `idempotency_mismatch`.
    pub fn book_appointment(&self, actor: AccountId, request: &BookingRequest) -> Result<Appointment> {
        let id = AppointmentId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| self.book_in(tx, fx, id, request))
    }

    fn book_in(
        &self,
        tx: &mut dyn Writes,
        fx: &mut Effects,
        id: AppointmentId,
        request: &BookingRequest,
    ) -> Result<Appointment> {
        self.book_with(tx, fx, &mut BookingBatch::default(), id, request)
    }

    /// Books one request of a batch. What cannot change while the batch runs is decided once per
    /// batch and kept in `batch`: the access decision per patient (bookings only add relationships,
    /// so a decision that allowed one booking allows the next), that a patient is active and a
    /// doctor works here, and each doctor's templates and exceptions.
    fn book_with(
        &self,
        tx: &mut dyn Writes,
        fx: &mut Effects,
        batch: &mut BookingBatch,
        id: AppointmentId,
        request: &BookingRequest,
    ) -> Result<Appointment> {
        let account = match batch.allowed.get(&request.patient) {
            Some(account) => account.clone(),
            None => {
                let account = self.authorize(
                    tx,
                    fx,
                    Action::Create,
                    ResourceKind::Appointment,
                    Some(request.patient),
                )?;
                batch.allowed.insert(request.patient, account.clone());
                account
            }
        };
        if let Some(key) = &request.client_key {
            if let Some(existing) = tx.appointment_by_client_key(account.id, key)? {
                let fingerprint = RequestFingerprint {
                    patient: request.patient,
                    doctor: request.doctor,
                    start: request.start,
                    visit_type: request.visit_type.clone(),
                };
                return Ok(booking::replay(&existing, key, &fingerprint)?);
            }
        }
        if !batch.active_patients.contains(&request.patient) {
            Self::require_active_patient(tx, request.patient)?;
            batch.active_patients.insert(request.patient);
        }
        let week = match batch.doctors.entry(request.doctor) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                Self::require_doctor(tx, request.doctor)?;
                e.insert(DoctorWeek::load(tx, request.doctor)?)
            }
        };
        let plan = self.plan_visit(
            tx,
            &account,
            week,
            request.patient,
            &request.visit_type,
            request.start,
            &request.resources,
            request.override_reason.as_deref(),
            None,
            fx.now,
        )?;
        let appointment = Appointment {
            id,
            patient: request.patient,
            doctor: request.doctor,
            resources: plan.resources,
            visit_type: plan.visit_code,
            interval: plan.interval,
            held: plan.held,
            local_start: plan.local_start,
            zone: plan.zone,
            status: AppointmentStatus::Booked,
            shared: plan.shared,
            conflict_override: plan.conflict_override,
            client_key: request.client_key.clone(),
            note: request
                .note
                .as_deref()
                .map(crate::people::fold_spaces)
                .filter(|n| !n.is_empty()),
            booked_by: account.id,
            created_at: fx.now,
            history: vec![AppointmentChange {
                at: fx.now,
                by: Some(account.id),
                change: ChangeKind::Status {
                    from: None,
                    to: AppointmentStatus::Booked,
                },
                reason: None,
            }],
            version: 1,
        };
        tx.insert_appointment(&appointment)?;
        close_waitlist_offers(tx, &appointment)?;
        fx.events.push(DomainEvent::AppointmentBooked {
            appointment: id,
            patient: appointment.patient,
            doctor: appointment.doctor,
            interval: appointment.interval,
            overridden: appointment.conflict_override.is_some(),
        });
        Ok(appointment)
    }

    /// Books many visits in one transaction: all of them, or (at the first failure) none.
    ///
    /// Every request is checked like [`Hospital::book_appointment`], against the calendars as the
    /// earlier requests of the batch left them. The access decision is taken (and audited) once per
    /// patient of the batch, and each doctor's working hours are read once.
    ///
    /// # Errors
    /// The first request's error, as [`Hospital::book_appointment`].
    pub fn book_many(&self, actor: AccountId, requests: &[BookingRequest]) -> Result<Vec<Appointment>> {
        let ids: Vec<AppointmentId> = requests
            .iter()
            .map(|_| AppointmentId::from_uuid(self.new_uuid()))
            .collect();
        self.run(Some(actor), |tx, fx| {
            let mut batch = BookingBatch::default();
            requests
                .iter()
                .zip(&ids)
                .map(|(r, id)| self.book_with(tx, fx, &mut batch, *id, r))
                .collect()
        })
    }

    /// Moves an appointment to a new start, atomically: the new time is taken and the old one given
    /// back, or nothing changes. The freed time is offered to the waiting list.
    ///
    /// # Errors
    /// As [`Hospital::book_appointment`], and `invalid_transition` when the appointment no longer holds
    /// a time (cancelled, fulfilled, …).
    pub fn reschedule_appointment(
        &self,
        actor: AccountId,
        id: AppointmentId,
        new_start: DateTime<Utc>,
        override_reason: Option<&str>,
    ) -> Result<Appointment> {
        self.run(Some(actor), |tx, fx| {
            let current = tx
                .appointment(id)?
                .ok_or_else(|| Error::not_found("appointment", id))?;
            let account = self.authorize(
                tx,
                fx,
                Action::Update,
                ResourceKind::Appointment,
                Some(current.patient),
            )?;
            if !matches!(
                current.status,
                AppointmentStatus::Booked | AppointmentStatus::Pending
            ) {
                return Err(crate::scheduling::SchedulingError::InvalidTransition {
                    appointment: id,
                    from: current.status,
                    to: current.status,
                }
                .into());
            }
            Self::require_active_patient(tx, current.patient)?;
            let plan = self.plan_visit(
                tx,
                &account,
                &DoctorWeek::load(tx, current.doctor)?,
                current.patient,
                &current.visit_type,
                new_start,
                &current.resources,
                override_reason,
                Some(id),
                fx.now,
            )?;
            let mut moved = current.clone();
            moved.interval = plan.interval;
            moved.held = plan.held;
            moved.resources = plan.resources;
            moved.local_start = plan.local_start;
            moved.zone = plan.zone;
            moved.shared = plan.shared;
            moved.conflict_override = plan.conflict_override.or(current.conflict_override.clone());
            moved.version += 1;
            moved.history.push(AppointmentChange {
                at: fx.now,
                by: Some(account.id),
                change: ChangeKind::Rescheduled {
                    from: current.interval,
                    to: plan.interval,
                },
                reason: override_reason.map(str::to_owned),
            });
            tx.update_appointment(&moved)?;
            fx.events.push(DomainEvent::AppointmentRescheduled {
                appointment: id,
                from: current.interval,
                to: moved.interval,
            });
            offer_freed_time(tx, fx, current.doctor, current.interval)?;
            Ok(moved)
        })
    }

    /// Cancels an appointment; its time is free at once and is offered to the waiting list.
    ///
    /// # Errors
    /// `forbidden` (a patient cancels only their own); `not_found`; `invalid_transition` when it
    /// cannot be cancelled any more (fulfilled, already cancelled, …); `invalid_input` for a blank reason.
    pub fn cancel_appointment(
        &self,
        actor: AccountId,
        id: AppointmentId,
        reason: &str,
    ) -> Result<Appointment> {
        self.change_status(actor, id, AppointmentStatus::Cancelled, Some(reason))
    }

    /// Moves an appointment along its status machine: `arrived`, `checked-in`, `fulfilled`, `noshow`,
    /// `entered-in-error`, `cancelled`, … (see [`AppointmentStatus::can_become`]).
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_transition`; `invalid_input` when cancelling without a reason.
    pub fn change_status(
        &self,
        actor: AccountId,
        id: AppointmentId,
        to: AppointmentStatus,
        reason: Option<&str>,
    ) -> Result<Appointment> {
        self.run(Some(actor), |tx, fx| {
            let current = tx
                .appointment(id)?
                .ok_or_else(|| Error::not_found("appointment", id))?;
            let action = if to == AppointmentStatus::Cancelled {
                Action::Cancel
            } else {
                Action::Update
            };
            let account = self.authorize(tx, fx, action, ResourceKind::Appointment, Some(current.patient))?;
            let reason = reason.map(crate::people::fold_spaces).filter(|r| !r.is_empty());
            if matches!(
                to,
                AppointmentStatus::Cancelled | AppointmentStatus::EnteredInError
            ) && reason.is_none()
            {
                return Err(crate::error::ValidationError::single(
                    "reason",
                    crate::error::FieldCode::Required,
                    format!("a reason is needed to mark an appointment `{to}`"),
                )
                .into());
            }
            let next = appointment::transition(&current, to, fx.now, Some(account.id), reason)?;
            tx.update_appointment(&next)?;
            fx.events.push(DomainEvent::AppointmentStatusChanged {
                appointment: id,
                patient: current.patient,
                from: current.status,
                to,
            });
            if current.holds_time() && !next.holds_time() && current.interval.start() > fx.now {
                offer_freed_time(tx, fx, current.doctor, current.interval)?;
            }
            Ok(next)
        })
    }

    /// The no-show sweep (a host's scheduled job): every `booked` appointment whose visit ended more
    /// than `grace` ago becomes `noshow`. Returns the appointments it marked.
    ///
    /// # Errors
    /// `storage`.
    pub fn sweep_no_shows(&self, grace: Duration) -> Result<Vec<AppointmentId>> {
        self.run(None, |tx, fx| {
            let cutoff = fx.now - grace;
            let due = tx.appointments_ended_before(AppointmentStatus::Booked, cutoff, usize::MAX)?;
            let mut marked = Vec::with_capacity(due.len());
            for a in due {
                let next = appointment::transition(
                    &a,
                    AppointmentStatus::Noshow,
                    fx.now,
                    None,
                    Some(format!(
                        "not arrived {} minutes after the visit ended",
                        grace.num_minutes()
                    )),
                )?;
                tx.update_appointment(&next)?;
                fx.events.push(DomainEvent::AppointmentStatusChanged {
                    appointment: a.id,
                    patient: a.patient,
                    from: a.status,
                    to: AppointmentStatus::Noshow,
                });
                marked.push(a.id);
            }
            Ok(marked)
        })
    }

    /// Books a recurring series (dialysis three times a week, weekly physiotherapy): every occurrence
    /// is checked like a single booking; with [`SeriesMode::AllOrNone`] one refusal books nothing.
    ///
    /// # Errors
    /// `invalid_input` for a bad rule; with `AllOrNone`, the first occurrence's error; `forbidden`.
    pub fn book_series(
        &self,
        actor: AccountId,
        patient: PatientId,
        doctor: StaffId,
        visit_type: &str,
        rule: &SeriesRule,
        mode: SeriesMode,
    ) -> Result<SeriesOutcome> {
        let occurrences = recurrence::expand(rule, recurrence::MAX_OCCURRENCES as usize)?;
        let ids: Vec<AppointmentId> = occurrences
            .iter()
            .map(|_| AppointmentId::from_uuid(self.new_uuid()))
            .collect();
        self.run(Some(actor), |tx, fx| {
            let mut booked = Vec::new();
            let mut refused = Vec::new();
            for (occ, id) in occurrences.iter().zip(&ids) {
                let start = match &occ.interval {
                    Ok(i) => i.start(),
                    Err(e) => {
                        if mode == SeriesMode::AllOrNone {
                            return Err(e.clone().into());
                        }
                        refused.push((occ.date, e.clone().into()));
                        continue;
                    }
                };
                let request = BookingRequest::new(patient, doctor, visit_type, start);
                match self.book_in(tx, fx, *id, &request) {
                    Ok(a) => booked.push(a),
                    Err(e) if mode == SeriesMode::AllOrNone => return Err(e),
                    Err(e @ Error::Access(_)) => return Err(e),
                    Err(e) => refused.push((occ.date, e)),
                }
            }
            Ok(SeriesOutcome { booked, refused })
        })
    }

    /// Puts a patient on a doctor's waiting list for a visit type, for any time starting inside
    /// `window`.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `inactive`; `visit_type_not_offered`.
    pub fn join_waitlist(
        &self,
        actor: AccountId,
        patient: PatientId,
        doctor: StaffId,
        visit_type: &str,
        window: Interval,
    ) -> Result<WaitlistEntry> {
        let id = WaitlistId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Create, ResourceKind::Appointment, Some(patient))?;
            Self::require_active_patient(tx, patient)?;
            Self::require_doctor(tx, doctor)?;
            let visit = tx
                .availability_templates(doctor)?
                .iter()
                .find_map(|t| t.visit_type(visit_type).cloned())
                .ok_or_else(|| AvailabilityError::VisitTypeNotOffered {
                    doctor,
                    visit_type: visit_type.to_owned(),
                })?;
            let entry = WaitlistEntry {
                id,
                patient,
                doctor,
                visit_type: visit,
                window,
                status: WaitlistStatus::Waiting,
                offer: None,
                created_by: account.id,
                created_at: fx.now,
            };
            tx.insert_waitlist_entry(&entry)?;
            Ok(entry)
        })
    }

    /// A doctor's appointments on a local date (any status), for the day sheet.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn doctor_day(&self, actor: AccountId, doctor: StaffId, date: NaiveDate) -> Result<DoctorDay> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Schedule, None)?;
            Self::require_doctor(tx, doctor)?;
            let day = local_day(self.settings.zone, date).ok_or_else(|| {
                crate::error::ValidationError::single(
                    "date",
                    crate::error::FieldCode::OutOfRange,
                    "no such day",
                )
            })?;
            let appointments = tx.appointments_of(Party::Doctor(doctor), &day)?;
            Ok(DoctorDay {
                doctor,
                date,
                appointments,
            })
        })
    }

    /// One appointment.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn appointment(&self, actor: AccountId, id: AppointmentId) -> Result<Appointment> {
        self.run(Some(actor), |tx, fx| {
            let a = tx
                .appointment(id)?
                .ok_or_else(|| Error::not_found("appointment", id))?;
            self.authorize(tx, fx, Action::Read, ResourceKind::Appointment, Some(a.patient))?;
            Ok(a)
        })
    }

    /// A patient's appointments whose time overlaps `range` (any status).
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn patient_appointments(
        &self,
        actor: AccountId,
        patient: PatientId,
        range: Interval,
    ) -> Result<Vec<Appointment>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Appointment, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            tx.appointments_of(Party::Patient(patient), &range)
        })
    }
}

/// Everything decided about placing a visit.
struct PlannedVisit {
    interval: Interval,
    held: Interval,
    resources: Vec<ResourceId>,
    local_start: chrono::NaiveDateTime,
    zone: chrono_tz::Tz,
    shared: bool,
    conflict_override: Option<crate::scheduling::ConflictOverride>,
    visit_code: String,
}

/// Rule: a doctor manages their own schedule; an admin manages anyone's.
fn require_own_schedule(account: &UserAccount, doctor: StaffId) -> Result<()> {
    if account.has_role(Role::Admin) || account.staff_id() == Some(doctor) {
        Ok(())
    } else {
        Err(forbidden(
            account,
            Action::Update,
            "a doctor manages only their own schedule",
        ))
    }
}

fn forbidden(account: &UserAccount, action: Action, reason: &str) -> Error {
    AccessError::Forbidden {
        account: account.id,
        action,
        resource: ResourceKind::Schedule,
        rule: "own-schedule".into(),
        reason: reason.into(),
    }
    .into()
}

/// Offers a freed time to the first matching waiting patient (an event, not a booking).
fn offer_freed_time(tx: &mut dyn Writes, fx: &mut Effects, doctor: StaffId, freed: Interval) -> Result<()> {
    let entries = tx.waitlist_for_doctor(doctor)?;
    if let Some(entry) = waitlist::first_match(&entries, doctor, &freed) {
        let offered = waitlist::offer(entry, freed, fx.now);
        tx.update_waitlist_entry(&offered)?;
        fx.events.push(DomainEvent::WaitlistSlotOffered {
            entry: entry.id,
            patient: entry.patient,
            doctor,
            interval: freed,
        });
    }
    Ok(())
}

/// A patient who books with a doctor leaves that doctor's waiting list.
/// Exceptions of one doctor plus the hospital's holidays.
fn exceptions_for(tx: &dyn Reads, doctor: StaffId) -> Result<Vec<AvailabilityException>> {
    let mut all = tx.availability_exceptions(doctor)?;
    all.extend(tx.holidays()?);
    Ok(all)
}

/// A doctor's weekly templates and exceptions (the hospital's holidays included), read once.
struct DoctorWeek {
    doctor: StaffId,
    templates: Vec<AvailabilityTemplate>,
    exceptions: Vec<AvailabilityException>,
}

impl DoctorWeek {
    fn load(tx: &dyn Reads, doctor: StaffId) -> Result<Self> {
        Ok(DoctorWeek {
            doctor,
            templates: tx.availability_templates(doctor)?,
            exceptions: exceptions_for(tx, doctor)?,
        })
    }
}

/// What a batch of bookings has already settled (see [`Hospital::book_many`]).
#[derive(Default)]
struct BookingBatch {
    allowed: std::collections::HashMap<PatientId, UserAccount>,
    active_patients: std::collections::HashSet<PatientId>,
    doctors: std::collections::HashMap<StaffId, DoctorWeek>,
}

fn close_waitlist_offers(tx: &mut dyn Writes, a: &Appointment) -> Result<()> {
    for e in tx.waitlist_for_doctor(a.doctor)? {
        if e.patient == a.patient && e.visit_type.code == a.visit_type {
            tx.update_waitlist_entry(&WaitlistEntry {
                status: WaitlistStatus::Closed,
                ..e
            })?;
        }
    }
    Ok(())
}
