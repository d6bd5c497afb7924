-- Version 1: patients, staff, login accounts, the event outbox, the audit log and the counters.
--
-- Every entity is kept as the columns that are queried or constrained plus the whole record as JSON
-- (`record`), which is what reads return. The schema holds every invariant it can by itself, so that
-- a bug or a second program writing to the file cannot break them either.

-- Named counters (medical record numbers, ...), incremented inside the transaction that uses them so
-- that a rolled-back transaction does not consume a number.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
    value INTEGER NOT NULL CHECK (value >= 1)
) STRICT;

CREATE TABLE patients (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- 8+ digits and a check digit.
    mrn             TEXT NOT NULL UNIQUE CHECK (length(mrn) >= 9 AND mrn NOT GLOB '*[^0-9]*'),
    -- A person is registered once: by national id, or failing that by name + birth date + phone.
    national_id     TEXT UNIQUE CHECK (national_id <> ''),
    demographic_key TEXT UNIQUE CHECK (demographic_key <> ''),
    phone           TEXT,
    family_key      TEXT NOT NULL,
    given_key       TEXT NOT NULL,
    name_words      TEXT NOT NULL,
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    version         INTEGER NOT NULL CHECK (version >= 1),
    registered_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL CHECK (updated_at >= registered_at),
    record          TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id
           AND json_extract(record, '$.mrn') = mrn
           AND json_extract(record, '$.version') = version
           AND active = (json_type(record, '$.deactivation') = 'null'))
) STRICT;
CREATE INDEX patients_by_name ON patients (family_key, given_key, id);
CREATE INDEX patients_by_phone ON patients (phone) WHERE phone IS NOT NULL;

-- Patients are deactivated, never deleted: their records are referenced for years.
CREATE TRIGGER patients_are_never_deleted BEFORE DELETE ON patients
BEGIN
    SELECT RAISE(ABORT, 'patients are deactivated, never deleted');
END;
-- The MRN and the registration time of a patient never change.
CREATE TRIGGER patients_keep_their_mrn BEFORE UPDATE OF mrn, registered_at ON patients
WHEN NEW.mrn <> OLD.mrn OR NEW.registered_at <> OLD.registered_at
BEGIN
    SELECT RAISE(ABORT, 'the MRN and registration time of a patient never change');
END;

CREATE TABLE staff (
    id             TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    role           TEXT NOT NULL CHECK (role <> ''),
    license_number TEXT UNIQUE CHECK (license_number <> ''),
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    record         TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.details.role') = role)
) STRICT;
CREATE INDEX staff_by_role ON staff (role, id);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    login      TEXT NOT NULL UNIQUE CHECK (login <> '' AND login = lower(login)),
    staff_id   TEXT REFERENCES staff (id),
    patient_id TEXT REFERENCES patients (id),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (staff_id IS NULL OR patient_id IS NULL),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.login') = login)
) STRICT;
CREATE INDEX accounts_by_staff ON accounts (staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX accounts_by_patient ON accounts (patient_id) WHERE patient_id IS NOT NULL;

-- The outbox: numbered 1, 2, 3, ... in commit order, append-only.
CREATE TABLE events (
    seq    INTEGER PRIMARY KEY CHECK (seq >= 1),
    id     TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
    at     TEXT NOT NULL,
    actor  TEXT REFERENCES accounts (id),
    name   TEXT NOT NULL CHECK (name <> ''),
    record TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.seq') = seq AND json_extract(record, '$.event.type') = name)
) STRICT;
CREATE TRIGGER events_have_no_gaps BEFORE INSERT ON events
WHEN NEW.seq <> (SELECT coalesce(max(seq), 0) + 1 FROM events)
BEGIN
    SELECT RAISE(ABORT, 'events are numbered without gaps');
END;
CREATE TRIGGER events_are_append_only_u BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_append_only_d BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- The audit log: every access decision about patient data, numbered without gaps, append-only.
-- No foreign keys: a denied request is recorded even when the account or patient it names does not
-- exist.
CREATE TABLE audit_log (
    seq      INTEGER PRIMARY KEY CHECK (seq >= 1),
    at       TEXT NOT NULL,
    account  TEXT NOT NULL CHECK (length(account) = 36),
    action   TEXT NOT NULL CHECK (action <> ''),
    resource TEXT NOT NULL CHECK (resource <> ''),
    patient  TEXT CHECK (length(patient) = 36),
    allowed  INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    rule     TEXT NOT NULL,
    record   TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.seq') = seq)
) STRICT;
CREATE INDEX audit_by_patient ON audit_log (patient, seq) WHERE patient IS NOT NULL;
CREATE INDEX audit_by_account ON audit_log (account, seq);
CREATE TRIGGER audit_has_no_gaps BEFORE INSERT ON audit_log
WHEN NEW.seq <> (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are numbered without gaps');
END;
CREATE TRIGGER audit_is_append_only_u BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_is_append_only_d BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
