-- Version 4: the pharmacy (drug catalog, batches, the stock ledger and its balances, prescriptions,
-- dispenses, reservations, stock orders, raised alerts). Version 3 is billing's.
--
-- Stock is never a mutable number: the ledger is append-only and numbered without gaps, and each
-- ledger row moves its (batch, location) balance in the same statement (trigger below). The balance
-- has a CHECK (on_hand >= 0), so no writer — this library or any other — can take a batch below zero:
-- the insert of the movement that would is refused with the balance untouched.

CREATE TABLE drugs (
    id     TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    record TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id)
) STRICT;

CREATE TABLE batches (
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    drug_id      TEXT NOT NULL REFERENCES drugs (id),
    batch_number TEXT NOT NULL CHECK (batch_number <> ''),
    record       TEXT NOT NULL CHECK (json_valid(record)),
    UNIQUE (drug_id, batch_number),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.drug') = drug_id
           AND json_extract(record, '$.batch_number') = batch_number)
) STRICT;
CREATE INDEX batches_of_drug ON batches (drug_id, id);
-- A batch keeps its drug and its number (a recall changes the record, not these).
CREATE TRIGGER batches_keep_drug_and_number BEFORE UPDATE OF drug_id, batch_number ON batches
WHEN NEW.drug_id <> OLD.drug_id OR NEW.batch_number <> OLD.batch_number
BEGIN
    SELECT RAISE(ABORT, 'the drug and batch number of a batch never change');
END;
CREATE TRIGGER batches_are_never_deleted BEFORE DELETE ON batches
BEGIN
    SELECT RAISE(ABORT, 'batches are never deleted');
END;

-- What each batch has on hand at each location: the sum of its ledger rows there.
CREATE TABLE stock_balances (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    location TEXT NOT NULL CHECK (location <> ''),
    drug_id  TEXT NOT NULL CHECK (length(drug_id) = 36),
    on_hand  INTEGER NOT NULL CHECK (on_hand >= 0),
    PRIMARY KEY (batch_id, location)
) STRICT;
CREATE INDEX stock_balances_of_drug ON stock_balances (drug_id, batch_id, location);

CREATE TABLE stock_ledger (
    seq      INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
    id       TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
    drug_id  TEXT NOT NULL CHECK (length(drug_id) = 36),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    location TEXT NOT NULL CHECK (location <> ''),
    quantity INTEGER NOT NULL CHECK (quantity <> 0),
    record   TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.seq') = seq AND json_extract(record, '$.movement.id') = id
           AND json_extract(record, '$.movement.batch') = batch_id
           AND json_extract(record, '$.movement.location') = location
           AND json_extract(record, '$.movement.quantity') = quantity)
) STRICT;
CREATE INDEX stock_ledger_of_batch ON stock_ledger (batch_id, seq);
CREATE TRIGGER stock_ledger_has_no_gaps BEFORE INSERT ON stock_ledger
WHEN NEW.seq <> (SELECT coalesce(max(seq), 0) + 1 FROM stock_ledger)
BEGIN
    SELECT RAISE(ABORT, 'the stock ledger is numbered without gaps');
END;
CREATE TRIGGER stock_ledger_names_the_batch_drug BEFORE INSERT ON stock_ledger
WHEN NEW.drug_id IS NOT (SELECT drug_id FROM batches WHERE id = NEW.batch_id)
BEGIN
    SELECT RAISE(ABORT, 'a stock movement names its batch''s drug');
END;
-- INVARIANT: a movement and the balance it moves are written together; the balance's CHECK refuses
-- the movement that would take it below zero.
-- (Two steps, because SQLite checks a CHECK on the row an upsert proposes, before the conflict.)
CREATE TRIGGER stock_ledger_moves_the_balance AFTER INSERT ON stock_ledger
BEGIN
    INSERT INTO stock_balances (batch_id, location, drug_id, on_hand)
    VALUES (NEW.batch_id, NEW.location, NEW.drug_id, 0)
    ON CONFLICT (batch_id, location) DO NOTHING;
    UPDATE stock_balances SET on_hand = on_hand + NEW.quantity
    WHERE batch_id = NEW.batch_id AND location = NEW.location;
END;
CREATE TRIGGER stock_ledger_is_append_only_u BEFORE UPDATE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'the stock ledger is append-only');
END;
CREATE TRIGGER stock_ledger_is_append_only_d BEFORE DELETE ON stock_ledger
BEGIN
    SELECT RAISE(ABORT, 'the stock ledger is append-only');
END;

CREATE TABLE prescriptions (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id TEXT NOT NULL CHECK (length(patient_id) = 36),
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.patient') = patient_id)
) STRICT;

CREATE TABLE dispenses (
    id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    prescription_id TEXT CHECK (length(prescription_id) = 36),
    record          TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id
           AND json_extract(record, '$.prescription') IS prescription_id)
) STRICT;
CREATE INDEX dispenses_of_prescription ON dispenses (prescription_id) WHERE prescription_id IS NOT NULL;

CREATE TABLE reservations (
    id      TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    drug_id TEXT NOT NULL CHECK (length(drug_id) = 36),
    status  TEXT NOT NULL CHECK (status IN ('active', 'fulfilled', 'released')),
    record  TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.status') = status)
) STRICT;
CREATE INDEX reservations_active ON reservations (drug_id, id) WHERE status = 'active';

CREATE TABLE stock_orders (
    id        TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    drug_id   TEXT NOT NULL CHECK (length(drug_id) = 36),
    open      INTEGER NOT NULL CHECK (open IN (0, 1)),
    record    TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id
           AND open = (json_extract(record, '$.received_at') IS NULL))
) STRICT;
CREATE INDEX stock_orders_open ON stock_orders (drug_id, id) WHERE open = 1;

-- The alerts published and not yet cleared (an alert is published once per crossing).
CREATE TABLE raised_alerts (
    drug_id  TEXT NOT NULL CHECK (length(drug_id) = 36),
    location TEXT NOT NULL CHECK (location <> ''),
    kind     TEXT NOT NULL CHECK (kind IN ('low_stock', 'expiring_soon', 'expired')),
    PRIMARY KEY (drug_id, location, kind)
) STRICT, WITHOUT ROWID;
