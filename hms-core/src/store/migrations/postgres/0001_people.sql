-- Version 1: patients, staff, login accounts, the event outbox, the audit log and the counters.
--
-- Every entity is kept as the columns that are queried or constrained plus the whole record as JSONB
-- (`record`), which is what reads return. The schema holds every invariant it can by itself, so that
-- a bug, another application instance or a hand-written statement cannot break them either.
-- Sort keys use the "C" collation so that the database orders text exactly as the library does.

-- Write transactions of the library take this table's lock before their first query, which queues
-- writers instead of letting them fail and retry (see the backend's documentation). It holds no rows.
CREATE TABLE write_lock (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton)
);

-- Refuses a change with the message given as the trigger's argument.
CREATE FUNCTION hms_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$$;

-- Refuses an insert whose `seq` is not one more than the table's last.
CREATE FUNCTION hms_no_gaps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    expected BIGINT;
BEGIN
    EXECUTE format('SELECT coalesce(max(seq), 0) + 1 FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO expected;
    IF NEW.seq <> expected THEN
        RAISE EXCEPTION '% is numbered without gaps: the next entry is %', TG_TABLE_NAME, expected
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

-- Named counters (medical record numbers, ...), incremented inside the transaction that uses them so
-- that a rolled-back transaction does not consume a number.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY CHECK (name <> ''),
    value BIGINT NOT NULL CHECK (value >= 1)
);

CREATE TABLE patients (
    id              UUID PRIMARY KEY,
    -- 8+ digits and a check digit.
    mrn             TEXT NOT NULL UNIQUE CHECK (mrn ~ '^[0-9]{9,}$'),
    -- A person is registered once: by national id, or failing that by name + birth date + phone.
    national_id     TEXT UNIQUE CHECK (national_id <> ''),
    demographic_key TEXT UNIQUE CHECK (demographic_key <> ''),
    phone           TEXT,
    family_key      TEXT COLLATE "C" NOT NULL,
    given_key       TEXT COLLATE "C" NOT NULL,
    name_words      TEXT COLLATE "C" NOT NULL,
    active          BOOLEAN NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    registered_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL CHECK (updated_at >= registered_at),
    record          JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id
           AND record ->> 'mrn' = mrn
           AND (record ->> 'version')::integer = version
           AND active = (jsonb_typeof(record -> 'deactivation') = 'null'))
);
CREATE INDEX patients_by_name ON patients (family_key, given_key, id);
CREATE INDEX patients_by_phone ON patients (phone) WHERE phone IS NOT NULL;
-- Patients are deactivated, never deleted: their records are referenced for years.
CREATE TRIGGER patients_are_never_deleted BEFORE DELETE ON patients
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('patients are deactivated, never deleted');
-- The MRN and the registration time of a patient never change.
CREATE TRIGGER patients_keep_their_mrn BEFORE UPDATE OF mrn, registered_at ON patients
    FOR EACH ROW WHEN (NEW.mrn <> OLD.mrn OR NEW.registered_at <> OLD.registered_at)
    EXECUTE FUNCTION hms_refuse('the MRN and registration time of a patient never change');

CREATE TABLE staff (
    id             UUID PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role <> ''),
    license_number TEXT UNIQUE CHECK (license_number <> ''),
    active         BOOLEAN NOT NULL,
    record         JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND record -> 'details' ->> 'role' = role)
);
CREATE INDEX staff_by_role ON staff (role, id);

CREATE TABLE accounts (
    id         UUID PRIMARY KEY,
    login      TEXT NOT NULL UNIQUE CHECK (login <> '' AND login = lower(login)),
    staff_id   UUID REFERENCES staff (id),
    patient_id UUID REFERENCES patients (id),
    active     BOOLEAN NOT NULL,
    record     JSONB NOT NULL,
    CHECK (staff_id IS NULL OR patient_id IS NULL),
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'login' = login)
);
CREATE INDEX accounts_by_staff ON accounts (staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX accounts_by_patient ON accounts (patient_id) WHERE patient_id IS NOT NULL;

-- The outbox: numbered 1, 2, 3, ... in commit order, append-only.
CREATE TABLE events (
    seq    BIGINT PRIMARY KEY CHECK (seq >= 1),
    id     UUID NOT NULL UNIQUE,
    at     TIMESTAMPTZ NOT NULL,
    actor  UUID REFERENCES accounts (id),
    name   TEXT NOT NULL CHECK (name <> ''),
    record JSONB NOT NULL,
    CHECK ((record ->> 'seq')::bigint = seq AND record -> 'event' ->> 'type' = name)
);
CREATE TRIGGER events_have_no_gaps BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION hms_no_gaps();
CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('events are append-only');

-- The audit log: every access decision about patient data, numbered without gaps, append-only.
-- No foreign keys: a denied request is recorded even when the account or patient it names does not
-- exist.
CREATE TABLE audit_log (
    seq      BIGINT PRIMARY KEY CHECK (seq >= 1),
    at       TIMESTAMPTZ NOT NULL,
    account  UUID NOT NULL,
    action   TEXT NOT NULL CHECK (action <> ''),
    resource TEXT NOT NULL CHECK (resource <> ''),
    patient  UUID,
    allowed  BOOLEAN NOT NULL,
    rule     TEXT NOT NULL,
    record   JSONB NOT NULL,
    CHECK ((record ->> 'seq')::bigint = seq)
);
CREATE INDEX audit_by_patient ON audit_log (patient, seq) WHERE patient IS NOT NULL;
CREATE INDEX audit_by_account ON audit_log (account, seq);
CREATE TRIGGER audit_has_no_gaps BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION hms_no_gaps();
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('the audit log is append-only');
