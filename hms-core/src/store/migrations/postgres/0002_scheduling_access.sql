-- Version 2: scheduling (appointments and the calendars of doctors, patients and resources,
-- availability, holidays, resources, the waiting list) and access (care teams, emergency grants).
--
-- The database itself refuses double booking: exclusion constraints keep a time-holding, exclusive
-- appointment from overlapping another one of the same doctor, patient or resource (SQLSTATE 23P01,
-- which the backend turns into the typed slot conflict). Intervals are half-open, `[starts_at, ends_at)`.
--
-- `btree_gist` gives GiST the `=` on UUIDs that the constraints need. An extension lives in one
-- schema per database while each hospital has a schema of its own, so it is installed once in
-- `public` (never in a hospital's schema, which `drop_schema` removes with everything that depends on
-- it) and its operator class is named with its schema, so the hospital's `search_path` need not
-- include `public`. The advisory lock keeps two hospitals migrating at once from both creating it.
SELECT pg_advisory_xact_lock(1752003330);
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

CREATE TABLE resources (
    id     UUID PRIMARY KEY,
    kind   TEXT COLLATE "C" NOT NULL,
    active BOOLEAN NOT NULL,
    record JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'kind' = kind)
);
CREATE INDEX resources_by_kind ON resources (kind, id);

CREATE TABLE appointments (
    id              UUID PRIMARY KEY,
    patient_id      UUID NOT NULL REFERENCES patients (id),
    doctor_id       UUID NOT NULL REFERENCES staff (id),
    -- The held interval (the visit and its buffer): what the calendars block.
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
    visit_starts_at TIMESTAMPTZ NOT NULL,
    visit_ends_at   TIMESTAMPTZ NOT NULL CHECK (visit_ends_at > visit_starts_at),
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'pending', 'booked', 'arrived',
                        'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist')),
    holds_time      BOOLEAN NOT NULL
                        CHECK (holds_time = (status IN ('pending', 'booked', 'arrived', 'checked-in', 'fulfilled'))),
    shared          BOOLEAN NOT NULL,
    booked_by       UUID NOT NULL REFERENCES accounts (id),
    client_key      TEXT CHECK (client_key <> ''),
    record          JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'status' = status),
    CONSTRAINT doctor_not_double_booked EXCLUDE USING gist (
        doctor_id public.gist_uuid_ops WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (holds_time AND NOT shared),
    CONSTRAINT patient_not_double_booked EXCLUDE USING gist (
        patient_id public.gist_uuid_ops WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (holds_time AND NOT shared)
);
CREATE UNIQUE INDEX appointments_by_client_key ON appointments (booked_by, client_key)
    WHERE client_key IS NOT NULL;
CREATE INDEX appointments_of_doctor ON appointments (doctor_id, starts_at);
CREATE INDEX appointments_of_patient ON appointments (patient_id, starts_at);
CREATE INDEX appointments_by_status ON appointments (status, visit_ends_at);

-- The resources an appointment uses, with its held time copied so that a resource's calendar is one
-- indexed range scan and its own exclusion constraint. Kept in step with `appointments` by the backend.
CREATE TABLE appointment_resources (
    appointment_id UUID NOT NULL REFERENCES appointments (id),
    resource_id    UUID NOT NULL REFERENCES resources (id),
    starts_at      TIMESTAMPTZ NOT NULL,
    ends_at        TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
    holds_time     BOOLEAN NOT NULL,
    shared         BOOLEAN NOT NULL,
    PRIMARY KEY (appointment_id, resource_id),
    CONSTRAINT resource_not_double_booked EXCLUDE USING gist (
        resource_id public.gist_uuid_ops WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (holds_time AND NOT shared)
);
CREATE INDEX appointment_resources_by_resource ON appointment_resources (resource_id, starts_at);

-- A doctor's weekly templates, as one JSON list per doctor (replaced as a whole).
CREATE TABLE availability_templates (
    doctor_id UUID PRIMARY KEY REFERENCES staff (id),
    templates JSONB NOT NULL CHECK (jsonb_typeof(templates) = 'array')
);

-- A doctor's exceptions, in the order added.
CREATE TABLE availability_exceptions (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doctor_id UUID NOT NULL REFERENCES staff (id),
    record    JSONB NOT NULL
);
CREATE INDEX availability_exceptions_by_doctor ON availability_exceptions (doctor_id, seq);

-- The hospital-wide public holidays, in order (replaced as a whole).
CREATE TABLE holidays (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    record   JSONB NOT NULL
);

CREATE TABLE waitlist (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL REFERENCES patients (id),
    doctor_id  UUID NOT NULL REFERENCES staff (id),
    status     TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'closed')),
    created_at TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'status' = status)
);
CREATE INDEX waitlist_open_by_doctor ON waitlist (doctor_id, created_at, id) WHERE status <> 'closed';

-- Care-team links: the relationship facts the access policy reads. No foreign keys: like the audit
-- log, they name staff and patients by id and are checked by the facade.
CREATE TABLE care_team_links (
    id         UUID PRIMARY KEY,
    staff_id   UUID NOT NULL,
    patient_id UUID NOT NULL,
    record     JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id
           AND (record ->> 'staff')::uuid = staff_id
           AND (record ->> 'patient')::uuid = patient_id)
);
CREATE INDEX care_team_by_pair ON care_team_links (staff_id, patient_id, id);
CREATE INDEX care_team_by_patient ON care_team_links (patient_id, id);
-- A link's staff member and patient never change.
CREATE TRIGGER care_team_links_keep_their_pair BEFORE UPDATE OF staff_id, patient_id ON care_team_links
    FOR EACH ROW WHEN (NEW.staff_id <> OLD.staff_id OR NEW.patient_id <> OLD.patient_id)
    EXECUTE FUNCTION hms_refuse('the staff member and patient of a care-team link never change');

-- Emergency ("break-glass") grants: append-only.
CREATE TABLE break_glass_grants (
    id         UUID PRIMARY KEY,
    staff_id   UUID NOT NULL,
    patient_id UUID NOT NULL,
    opened_at  TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id)
);
CREATE INDEX break_glass_by_pair ON break_glass_grants (staff_id, patient_id, opened_at);
CREATE TRIGGER break_glass_is_append_only BEFORE UPDATE OR DELETE ON break_glass_grants
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('emergency access grants are append-only');
