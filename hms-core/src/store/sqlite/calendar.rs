//! Appointments on SQLite: their rows, the resource junction, calendar queries and the typed conflict
//! when the schema's double-booking triggers refuse a write.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::params;

use super::{db, from_json, parse_uuid, Tx, BACKEND};
use crate::error::Result;
use crate::ids::AppointmentId;
use crate::scheduling::calendar::Entry;
use crate::scheduling::{Appointment, Conflict, Party, SchedulingError};
use crate::store::sql::to_json;
use crate::time::Interval;

/// The message of the schema's double-booking triggers.
const DOUBLE_BOOKING: &str = "hms double booking";

/// An instant as fixed-width UTC text with nanoseconds, so that the calendar columns compare exactly
/// like the instants of the record.
pub(super) fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The bookings on `party`'s calendar: time-holding (or, with `any_status`, every) appointment whose
/// held time overlaps `interval`, as (id, held, shared) in start order.
const DOCTOR_CALENDAR: &str = "SELECT id, json_extract(record, '$.held'), shared FROM appointments
     WHERE doctor_id = ?1 AND holds_time AND starts_at < ?3 AND ends_at > ?2 ORDER BY starts_at, id";
const PATIENT_CALENDAR: &str = "SELECT id, json_extract(record, '$.held'), shared FROM appointments
     WHERE patient_id = ?1 AND holds_time AND starts_at < ?3 AND ends_at > ?2 ORDER BY starts_at, id";
const RESOURCE_CALENDAR: &str = "SELECT a.id, json_extract(a.record, '$.held'), r.shared
     FROM appointment_resources r JOIN appointments a ON a.id = r.appointment_id
     WHERE r.resource_id = ?1 AND r.holds_time AND r.starts_at < ?3 AND r.ends_at > ?2
     ORDER BY r.starts_at, r.appointment_id";

const DOCTOR_APPOINTMENTS: &str = "SELECT record FROM appointments
     WHERE doctor_id = ?1 AND starts_at < ?3 AND ends_at > ?2 ORDER BY visit_starts_at, id";
const PATIENT_APPOINTMENTS: &str = "SELECT record FROM appointments
     WHERE patient_id = ?1 AND starts_at < ?3 AND ends_at > ?2 ORDER BY visit_starts_at, id";
const RESOURCE_APPOINTMENTS: &str = "SELECT a.record
     FROM appointment_resources r JOIN appointments a ON a.id = r.appointment_id
     WHERE r.resource_id = ?1 AND r.starts_at < ?3 AND r.ends_at > ?2
     ORDER BY a.visit_starts_at, a.id";

fn party_id(party: Party) -> String {
    match party {
        Party::Doctor(id) => id.to_string(),
        Party::Patient(id) => id.to_string(),
        Party::Resource(id) => id.to_string(),
    }
}

impl Tx<'_> {
    pub(super) fn calendar(&self, party: Party, interval: &Interval) -> Result<Vec<Entry>> {
        let sql = match party {
            Party::Doctor(_) => DOCTOR_CALENDAR,
            Party::Patient(_) => PATIENT_CALENDAR,
            Party::Resource(_) => RESOURCE_CALENDAR,
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        let rows = stmt
            .query_map(
                params![
                    party_id(party),
                    instant(interval.start()),
                    instant(interval.end())
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                },
            )
            .map_err(db)?;
        rows.map(|row| {
            let (id, held, shared) = row.map_err(db)?;
            Ok(Entry {
                id: AppointmentId::from_uuid(parse_uuid(&id)?),
                interval: from_json(&held)?,
                shared,
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
        self.records(
            sql,
            params![party_id(party), instant(range.start()), instant(range.end())],
        )
    }

    /// The exclusive, time-holding bookings in the way of `a` (as the memory store reports them).
    fn conflicts_of(&self, a: &Appointment) -> Result<Vec<Conflict>> {
        let parties = [Party::Doctor(a.doctor), Party::Patient(a.patient)]
            .into_iter()
            .chain(a.resources.iter().map(|r| Party::Resource(*r)));
        let mut conflicts = Vec::new();
        for party in parties {
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

    /// Writes `a`'s row (a new one, or over the stored one) and its resource rows, inside a savepoint:
    /// when the schema refuses a double booking, nothing of `a` is written and the caller gets the
    /// typed conflict naming the bookings in the way.
    pub(super) fn write_appointment(&self, a: &Appointment, insert: bool) -> Result<()> {
        self.conn.execute_batch("SAVEPOINT appointment").map_err(db)?;
        let result = self.write_appointment_rows(a, insert);
        match result {
            Ok(()) => {
                self.conn.execute_batch("RELEASE appointment").map_err(db)?;
                Ok(())
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO appointment; RELEASE appointment")
                    .map_err(db)?;
                if e.to_string().contains(DOUBLE_BOOKING) {
                    Err(SchedulingError::SlotConflict {
                        conflicts: self.conflicts_of(a)?,
                    }
                    .into())
                } else {
                    Err(e)
                }
            }
        }
    }

    fn write_appointment_rows(&self, a: &Appointment, insert: bool) -> Result<()> {
        let sql = if insert {
            "INSERT INTO appointments (id, patient_id, doctor_id, starts_at, ends_at, visit_starts_at,
                 visit_ends_at, status, holds_time, shared, booked_by, client_key, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        } else {
            "UPDATE appointments SET patient_id = ?2, doctor_id = ?3, starts_at = ?4, ends_at = ?5,
                 visit_starts_at = ?6, visit_ends_at = ?7, status = ?8, holds_time = ?9, shared = ?10,
                 booked_by = ?11, client_key = ?12, record = ?13
             WHERE id = ?1"
        };
        let id = a.id.to_string();
        let (starts, ends) = (instant(a.held.start()), instant(a.held.end()));
        self.execute(
            sql,
            params![
                id,
                a.patient.to_string(),
                a.doctor.to_string(),
                starts,
                ends,
                instant(a.interval.start()),
                instant(a.interval.end()),
                a.status.code(),
                a.holds_time(),
                a.shared,
                a.booked_by.to_string(),
                a.client_key,
                to_json(BACKEND, a)?,
            ],
        )?;
        if !insert {
            self.execute(
                "DELETE FROM appointment_resources WHERE appointment_id = ?1",
                [&id],
            )?;
        }
        for r in &a.resources {
            self.execute(
                "INSERT INTO appointment_resources
                     (appointment_id, resource_id, starts_at, ends_at, holds_time, shared)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, r.to_string(), starts, ends, a.holds_time(), a.shared],
            )?;
        }
        Ok(())
    }
}
