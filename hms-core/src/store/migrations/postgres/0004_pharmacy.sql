-- Version 4: the pharmacy (drug catalog, batches, the stock ledger and its balances, prescriptions,
-- dispenses, reservations, stock orders, raised alerts). Version 3 is billing's.
--
-- Stock is never a mutable number: the ledger is append-only and numbered without gaps, and each
-- ledger row moves its (batch, location) balance in the same statement (trigger below). The balance
-- has a CHECK (on_hand >= 0), so no writer — this library or any other — can take a batch below zero:
-- the insert of the movement that would is refused with the balance untouched.

CREATE TABLE drugs (
    id     UUID PRIMARY KEY,
    record JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id)
);

CREATE TABLE batches (
    id           UUID PRIMARY KEY,
    drug_id      UUID NOT NULL REFERENCES drugs (id),
    batch_number TEXT NOT NULL CHECK (batch_number <> ''),
    record       JSONB NOT NULL,
    UNIQUE (drug_id, batch_number),
    CHECK ((record ->> 'id')::uuid = id AND (record ->> 'drug')::uuid = drug_id
           AND record ->> 'batch_number' = batch_number)
);
CREATE TRIGGER batches_keep_drug_and_number BEFORE UPDATE OF drug_id, batch_number ON batches
    FOR EACH ROW WHEN (NEW.drug_id <> OLD.drug_id OR NEW.batch_number <> OLD.batch_number)
    EXECUTE FUNCTION hms_refuse('the drug and batch number of a batch never change');
CREATE TRIGGER batches_are_never_deleted BEFORE DELETE ON batches
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('batches are never deleted');

-- What each batch has on hand at each location: the sum of its ledger rows there.
CREATE TABLE stock_balances (
    batch_id UUID NOT NULL REFERENCES batches (id),
    location TEXT COLLATE "C" NOT NULL CHECK (location <> ''),
    drug_id  UUID NOT NULL,
    on_hand  BIGINT NOT NULL CHECK (on_hand >= 0),
    PRIMARY KEY (batch_id, location)
);
CREATE INDEX stock_balances_of_drug ON stock_balances (drug_id, batch_id, location);

CREATE TABLE stock_ledger (
    seq      BIGINT PRIMARY KEY CHECK (seq >= 1),
    id       UUID NOT NULL UNIQUE,
    drug_id  UUID NOT NULL,
    batch_id UUID NOT NULL REFERENCES batches (id),
    location TEXT COLLATE "C" NOT NULL CHECK (location <> ''),
    quantity BIGINT NOT NULL CHECK (quantity <> 0),
    record   JSONB NOT NULL,
    CHECK ((record ->> 'seq')::bigint = seq AND (record -> 'movement' ->> 'id')::uuid = id
           AND (record -> 'movement' ->> 'batch')::uuid = batch_id
           AND record -> 'movement' ->> 'location' = location
           AND (record -> 'movement' ->> 'quantity')::bigint = quantity)
);
CREATE INDEX stock_ledger_of_batch ON stock_ledger (batch_id, seq);
CREATE TRIGGER stock_ledger_has_no_gaps BEFORE INSERT ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION hms_no_gaps();
CREATE TRIGGER stock_ledger_is_append_only BEFORE UPDATE OR DELETE ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('the stock ledger is append-only');

-- INVARIANT: a movement and the balance it moves are written together; the balance's CHECK refuses
-- the movement that would take it below zero. (Two steps: a CHECK is checked on the row an upsert
-- proposes.) The tables are named with the trigger's schema, as each hospital has a schema of its own.
CREATE FUNCTION hms_move_stock_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    drug UUID;
BEGIN
    EXECUTE format('SELECT drug_id FROM %I.batches WHERE id = $1', TG_TABLE_SCHEMA)
        INTO drug USING NEW.batch_id;
    IF drug IS DISTINCT FROM NEW.drug_id THEN
        RAISE EXCEPTION 'a stock movement names its batch''s drug'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    EXECUTE format('INSERT INTO %I.stock_balances (batch_id, location, drug_id, on_hand)
                    VALUES ($1, $2, $3, 0) ON CONFLICT (batch_id, location) DO NOTHING', TG_TABLE_SCHEMA)
        USING NEW.batch_id, NEW.location, NEW.drug_id;
    EXECUTE format('UPDATE %I.stock_balances SET on_hand = on_hand + $3
                    WHERE batch_id = $1 AND location = $2', TG_TABLE_SCHEMA)
        USING NEW.batch_id, NEW.location, NEW.quantity;
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_ledger_moves_the_balance AFTER INSERT ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION hms_move_stock_balance();

CREATE TABLE prescriptions (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL,
    record     JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND (record ->> 'patient')::uuid = patient_id)
);

CREATE TABLE dispenses (
    id              UUID PRIMARY KEY,
    prescription_id UUID,
    record          JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id
           AND (record ->> 'prescription')::uuid IS NOT DISTINCT FROM prescription_id)
);
CREATE INDEX dispenses_of_prescription ON dispenses (prescription_id) WHERE prescription_id IS NOT NULL;

CREATE TABLE reservations (
    id      UUID PRIMARY KEY,
    drug_id UUID NOT NULL,
    status  TEXT NOT NULL CHECK (status IN ('active', 'fulfilled', 'released')),
    record  JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'status' = status)
);
CREATE INDEX reservations_active ON reservations (drug_id, id) WHERE status = 'active';

CREATE TABLE stock_orders (
    id      UUID PRIMARY KEY,
    drug_id UUID NOT NULL,
    open    BOOLEAN NOT NULL,
    record  JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND open = (record -> 'received_at' IS NULL
                                                   OR record -> 'received_at' = 'null'::jsonb))
);
CREATE INDEX stock_orders_open ON stock_orders (drug_id, id) WHERE open;

-- The alerts published and not yet cleared (an alert is published once per crossing).
CREATE TABLE raised_alerts (
    drug_id  UUID NOT NULL,
    location TEXT COLLATE "C" NOT NULL CHECK (location <> ''),
    kind     TEXT NOT NULL CHECK (kind IN ('low_stock', 'expiring_soon', 'expired')),
    PRIMARY KEY (drug_id, location, kind)
);
