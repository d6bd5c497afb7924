//! Appointments on PostgreSQL: their rows, the resource junction, calendar queries, and the typed
//! conflict when the exclusion constraints refuse a double booking.
//!
//! A new appointment is written with `ON CONFLICT DO NOTHING`, which covers the exclusion constraints
//! too: a refused row costs no aborted transaction, so the conflicting bookings can be looked up and
//! named at once — and a free slot costs one statement, no check beforehand. An update cannot use
//! that clause, so it looks for conflicts first; should a concurrent transaction slip in between, the
//! constraint refuses the update (SQLSTATE 23P01) and the transaction is run again, when the look-up
//! sees the winner.

use postgres::types::Json;
use uuid::Uuid;

use super::{pg, Tx, BACKEND};
use crate::error::{Error, Result};
use crate::ids::AppointmentId;
use crate::scheduling::calendar::Entry;
use crate::scheduling::{Appointment, Conflict, Party, SchedulingError};
use crate::store::sql::storage;
use crate::time::Interval;

const DOCTOR_CALENDAR: &str = "SELECT id, record -> 'held', shared FROM appointments
     WHERE doctor_id = $1 AND holds_time AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at, id";
const PATIENT_CALENDAR: &str = "SELECT id, record -> 'held', shared FROM appointments
     WHERE patient_id = $1 AND holds_time AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at, id";
const RESOURCE_CALENDAR: &str = "SELECT a.id, a.record -> 'held', r.shared
     FROM appointment_resources r JOIN appointments a ON a.id = r.appointment_id
     WHERE r.resource_id = $1 AND r.holds_time AND r.starts_at < $3 AND r.ends_at > $2
     ORDER BY r.starts_at, r.appointment_id";

const DOCTOR_APPOINTMENTS: &str = "SELECT record FROM appointments
     WHERE doctor_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY visit_starts_at, id";
const PATIENT_APPOINTMENTS: &str = "SELECT record FROM appointments
     WHERE patient_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY visit_starts_at, id";
const RESOURCE_APPOINTMENTS: &str = "SELECT a.record
     FROM appointment_resources r JOIN appointments a ON a.id = r.appointment_id
     WHERE r.resource_id = $1 AND r.starts_at < $3 AND r.ends_at > $2
     ORDER BY a.visit_starts_at, a.id";

fn party_id(party: Party) -> Uuid {
    match party {
        Party::Doctor(id) => *id.as_uuid(),
        Party::Patient(id) => *id.as_uuid(),
        Party::Resource(id) => *id.as_uuid(),
    }
}

fn parties(a: &Appointment) -> impl Iterator<Item = Party> + '_ {
    [Party::Doctor(a.doctor), Party::Patient(a.patient)]
        .into_iter()
        .chain(a.resources.iter().map(|r| Party::Resource(*r)))
}

impl Tx<'_> {
    pub(super) fn calendar(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>> {
        let sql = match party {
            Party::Doctor(_) => DOCTOR_CALENDAR,
            Party::Patient(_) => PATIENT_CALENDAR,
            Party::Resource(_) => RESOURCE_CALENDAR,
        };
        let rows = self.rows(sql, &[&party_id(party), &interval.start(), &interval.end()])?;
        rows.iter()
            .map(|r| {
                let id: Uuid = r.try_get(0).map_err(pg)?;
                let held: Json<Interval> = r.try_get(1).map_err(pg)?;
                Ok(Entry {
                    id: AppointmentId::from_uuid(id),
                    interval: held.0,
                    shared: r.try_get(2).map_err(pg)?,
                })
            })
            .collect()
    }

    pub(super) fn appointments_on(&self, party: Party, range: &Interval) -> Result<Vec<Appointment>> {
        let sql = match party {
            Party::Doctor(_) => DOCTOR_APPOINTMENTS,
            Party::Patient(_) => PATIENT_APPOINTMENTS,
            Party::Resource(_) => RESOURCE_APPOINTMENTS,
        };
        self.records(sql, &[&party_id(party), &range.start(), &range.end()])
    }

    /// The exclusive, time-holding bookings in the way of `a` (as the memory store reports them).
    fn conflicts_of(&self, a: &Appointment) -> Result<Vec<Conflict>> {
        let mut conflicts = Vec::new();
        for party in parties(a) {
            conflicts.extend(
                self.calendar(party, &a.held)?
                    .into_iter()
                    .filter(|e| e.id != a.id && !e.shared)
                    .map(|e| Conflict {
                        party,
                        appointment: e.id,
                        interval: e.interval,
                    }),
            );
        }
        Ok(conflicts)
    }

    fn slot_conflict(&self, a: &Appointment) -> Result<Error> {
        Ok(SchedulingError::SlotConflict {
            conflicts: self.conflicts_of(a)?,
        }
        .into())
    }

    pub(super) fn insert_appointment_rows(&self, a: &Appointment) -> Result<()> {
        let written = self.execute(
            "INSERT INTO appointments (id, patient_id, doctor_id, starts_at, ends_at, visit_starts_at,
                 visit_ends_at, status, holds_time, shared, booked_by, client_key, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT DO NOTHING",
            &[
                a.id.as_uuid(),
                a.patient.as_uuid(),
                a.doctor.as_uuid(),
                &a.held.start(),
                &a.held.end(),
                &a.interval.start(),
                &a.interval.end(),
                &a.status.code(),
                &a.holds_time(),
                &a.shared,
                a.booked_by.as_uuid(),
                &a.client_key,
                &Json(a),
            ],
        )?;
        if written == 0 {
            // Refused by the primary key, the request-key index or an exclusion constraint.
            if self.exists("SELECT 1 FROM appointments WHERE id = $1", &[a.id.as_uuid()])? {
                return Err(storage(BACKEND, format!("appointment `{}` already stored", a.id)));
            }
            if let Some(key) = &a.client_key {
                if self.exists(
                    "SELECT 1 FROM appointments WHERE booked_by = $1 AND client_key = $2",
                    &[a.booked_by.as_uuid(), key],
                )? {
                    return Err(storage(BACKEND, format!("request key `{key}` already used")));
                }
            }
            return Err(self.slot_conflict(a)?);
        }
        if !self.insert_resource_rows(a)? {
            // A resource is taken: nothing of this appointment may remain.
            self.execute(
                "DELETE FROM appointment_resources WHERE appointment_id = $1",
                &[a.id.as_uuid()],
            )?;
            self.execute("DELETE FROM appointments WHERE id = $1", &[a.id.as_uuid()])?;
            return Err(self.slot_conflict(a)?);
        }
        Ok(())
    }

    pub(super) fn update_appointment_rows(&self, a: &Appointment) -> Result<()> {
        if a.holds_time() && !a.shared {
            let conflicts = self.conflicts_of(a)?;
            if !conflicts.is_empty() {
                if !self.exists("SELECT 1 FROM appointments WHERE id = $1", &[a.id.as_uuid()])? {
                    return Err(Error::not_found("appointment", a.id));
                }
                return Err(SchedulingError::SlotConflict { conflicts }.into());
            }
        }
        let written = self.execute(
            "UPDATE appointments SET patient_id = $2, doctor_id = $3, starts_at = $4, ends_at = $5,
                 visit_starts_at = $6, visit_ends_at = $7, status = $8, holds_time = $9, shared = $10,
                 booked_by = $11, client_key = $12, record = $13
             WHERE id = $1",
            &[
                a.id.as_uuid(),
                a.patient.as_uuid(),
                a.doctor.as_uuid(),
                &a.held.start(),
                &a.held.end(),
                &a.interval.start(),
                &a.interval.end(),
                &a.status.code(),
                &a.holds_time(),
                &a.shared,
                a.booked_by.as_uuid(),
                &a.client_key,
                &Json(a),
            ],
        )?;
        if written == 0 {
            return Err(Error::not_found("appointment", a.id));
        }
        self.execute(
            "DELETE FROM appointment_resources WHERE appointment_id = $1",
            &[a.id.as_uuid()],
        )?;
        if !self.insert_resource_rows(a)? {
            return Err(self.slot_conflict(a)?);
        }
        Ok(())
    }

    /// Puts `a` on its resources' calendars; `false` when an exclusion constraint refused one.
    fn insert_resource_rows(&self, a: &Appointment) -> Result<bool> {
        if a.resources.is_empty() {
            return Ok(true);
        }
        let ids: Vec<Uuid> = a.resources.iter().map(|r| *r.as_uuid()).collect();
        let written = self.execute(
            "INSERT INTO appointment_resources
                 (appointment_id, resource_id, starts_at, ends_at, holds_time, shared)
             SELECT $1, r, $3, $4, $5, $6 FROM unnest($2::uuid[]) AS r
             ON CONFLICT DO NOTHING",
            &[
                a.id.as_uuid(),
                &ids,
                &a.held.start(),
                &a.held.end(),
                &a.holds_time(),
                &a.shared,
            ],
        )?;
        Ok(usize::try_from(written).ok() == Some(ids.len()))
    }
}
