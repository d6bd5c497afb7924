-- Version 2: scheduling (appointments and the calendars of doctors, patients and resources,
-- availability, holidays, resources, the waiting list) and access (care teams, emergency grants).
--
-- The database itself refuses double booking: a time-holding, exclusive appointment may not overlap
-- another one of the same doctor, the same patient or the same resource (triggers below; SQLite has
-- no exclusion constraints). Intervals are half-open, `[starts_at, ends_at)`, stored as fixed-width
-- UTC text that sorts like the instant.

CREATE TABLE resources (
    id     TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    kind   TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    record TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.kind') = kind)
) STRICT;
CREATE INDEX resources_by_kind ON resources (kind, id);

CREATE TABLE appointments (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id      TEXT NOT NULL REFERENCES patients (id),
    doctor_id       TEXT NOT NULL REFERENCES staff (id),
    -- The held interval (the visit and its buffer): what the calendars block.
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL CHECK (ends_at > starts_at),
    visit_starts_at TEXT NOT NULL,
    visit_ends_at   TEXT NOT NULL CHECK (visit_ends_at > visit_starts_at),
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'pending', 'booked', 'arrived',
                        'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist')),
    holds_time      INTEGER NOT NULL
                        CHECK (holds_time = (status IN ('pending', 'booked', 'arrived', 'checked-in', 'fulfilled'))),
    shared          INTEGER NOT NULL CHECK (shared IN (0, 1)),
    booked_by       TEXT NOT NULL REFERENCES accounts (id),
    client_key      TEXT CHECK (client_key <> ''),
    record          TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.status') = status)
) STRICT;
CREATE UNIQUE INDEX appointments_by_client_key ON appointments (booked_by, client_key)
    WHERE client_key IS NOT NULL;
CREATE INDEX appointments_of_doctor ON appointments (doctor_id, starts_at);
CREATE INDEX appointments_of_patient ON appointments (patient_id, starts_at);
CREATE INDEX appointments_by_status ON appointments (status, visit_ends_at);

-- The resources an appointment uses, with its held time copied so that a resource's calendar is one
-- indexed range scan. Kept in step with `appointments` by the backend.
CREATE TABLE appointment_resources (
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    resource_id    TEXT NOT NULL REFERENCES resources (id),
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL CHECK (ends_at > starts_at),
    holds_time     INTEGER NOT NULL CHECK (holds_time IN (0, 1)),
    shared         INTEGER NOT NULL CHECK (shared IN (0, 1)),
    PRIMARY KEY (appointment_id, resource_id)
) STRICT;
CREATE INDEX appointment_resources_by_resource ON appointment_resources (resource_id, starts_at);

-- No double booking of a doctor or a patient.
CREATE TRIGGER appointments_no_double_booking_i BEFORE INSERT ON appointments
WHEN NEW.holds_time AND NOT NEW.shared AND (
    EXISTS (SELECT 1 FROM appointments a
            WHERE a.doctor_id = NEW.doctor_id AND a.id <> NEW.id AND a.holds_time AND NOT a.shared
              AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at)
    OR EXISTS (SELECT 1 FROM appointments a
               WHERE a.patient_id = NEW.patient_id AND a.id <> NEW.id AND a.holds_time AND NOT a.shared
                 AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at))
BEGIN
    SELECT RAISE(ABORT, 'hms double booking: the time is not free');
END;
CREATE TRIGGER appointments_no_double_booking_u BEFORE UPDATE ON appointments
WHEN NEW.holds_time AND NOT NEW.shared AND (
    EXISTS (SELECT 1 FROM appointments a
            WHERE a.doctor_id = NEW.doctor_id AND a.id <> NEW.id AND a.holds_time AND NOT a.shared
              AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at)
    OR EXISTS (SELECT 1 FROM appointments a
               WHERE a.patient_id = NEW.patient_id AND a.id <> NEW.id AND a.holds_time AND NOT a.shared
                 AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at))
BEGIN
    SELECT RAISE(ABORT, 'hms double booking: the time is not free');
END;
-- No double booking of a resource.
CREATE TRIGGER appointment_resources_no_double_booking_i BEFORE INSERT ON appointment_resources
WHEN NEW.holds_time AND NOT NEW.shared AND EXISTS (
    SELECT 1 FROM appointment_resources r
    WHERE r.resource_id = NEW.resource_id AND r.appointment_id <> NEW.appointment_id
      AND r.holds_time AND NOT r.shared AND r.starts_at < NEW.ends_at AND r.ends_at > NEW.starts_at)
BEGIN
    SELECT RAISE(ABORT, 'hms double booking: the time is not free');
END;
CREATE TRIGGER appointment_resources_no_double_booking_u BEFORE UPDATE ON appointment_resources
WHEN NEW.holds_time AND NOT NEW.shared AND EXISTS (
    SELECT 1 FROM appointment_resources r
    WHERE r.resource_id = NEW.resource_id AND r.appointment_id <> NEW.appointment_id
      AND r.holds_time AND NOT r.shared AND r.starts_at < NEW.ends_at AND r.ends_at > NEW.starts_at)
BEGIN
    SELECT RAISE(ABORT, 'hms double booking: the time is not free');
END;

-- A doctor's weekly templates, as one JSON list per doctor (replaced as a whole).
CREATE TABLE availability_templates (
    doctor_id TEXT PRIMARY KEY NOT NULL REFERENCES staff (id),
    templates TEXT NOT NULL CHECK (json_valid(templates) AND json_type(templates) = 'array')
) STRICT;

-- A doctor's exceptions, in the order added.
CREATE TABLE availability_exceptions (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    doctor_id TEXT NOT NULL REFERENCES staff (id),
    record    TEXT NOT NULL CHECK (json_valid(record))
) STRICT;
CREATE INDEX availability_exceptions_by_doctor ON availability_exceptions (doctor_id, seq);

-- The hospital-wide public holidays, in order (replaced as a whole).
CREATE TABLE holidays (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    record   TEXT NOT NULL CHECK (json_valid(record))
) STRICT;

CREATE TABLE waitlist (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    doctor_id  TEXT NOT NULL REFERENCES staff (id),
    status     TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'closed')),
    created_at TEXT NOT NULL,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.status') = status)
) STRICT;
CREATE INDEX waitlist_open_by_doctor ON waitlist (doctor_id, created_at, id) WHERE status <> 'closed';

-- Care-team links: the relationship facts the access policy reads. No foreign keys: like the audit
-- log, they name staff and patients by id and are checked by the facade.
CREATE TABLE care_team_links (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    staff_id   TEXT NOT NULL CHECK (length(staff_id) = 36),
    patient_id TEXT NOT NULL CHECK (length(patient_id) = 36),
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id
           AND json_extract(record, '$.staff') = staff_id
           AND json_extract(record, '$.patient') = patient_id)
) STRICT;
CREATE INDEX care_team_by_pair ON care_team_links (staff_id, patient_id, id);
CREATE INDEX care_team_by_patient ON care_team_links (patient_id, id);
-- A link's staff member and patient never change.
CREATE TRIGGER care_team_links_keep_their_pair BEFORE UPDATE OF staff_id, patient_id ON care_team_links
WHEN NEW.staff_id <> OLD.staff_id OR NEW.patient_id <> OLD.patient_id
BEGIN
    SELECT RAISE(ABORT, 'the staff member and patient of a care-team link never change');
END;

-- Emergency ("break-glass") grants: append-only.
CREATE TABLE break_glass_grants (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    staff_id   TEXT NOT NULL CHECK (length(staff_id) = 36),
    patient_id TEXT NOT NULL CHECK (length(patient_id) = 36),
    opened_at  TEXT NOT NULL,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id)
) STRICT;
CREATE INDEX break_glass_by_pair ON break_glass_grants (staff_id, patient_id, opened_at);
CREATE TRIGGER break_glass_is_append_only_u BEFORE UPDATE ON break_glass_grants
BEGIN
    SELECT RAISE(ABORT, 'emergency access grants are append-only');
END;
CREATE TRIGGER break_glass_is_append_only_d BEFORE DELETE ON break_glass_grants
BEGIN
    SELECT RAISE(ABORT, 'emergency access grants are append-only');
END;
