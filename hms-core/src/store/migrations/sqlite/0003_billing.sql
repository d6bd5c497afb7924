-- Version 3: billing (the price list, insurers' coverage plans, charges, invoices and credit notes,
-- payments with their refunds).
--
-- Amounts the schema checks are kept as whole minor units (cents, paise) in INTEGER columns next to
-- the JSON record, so that the file itself holds the money rules:
-- - a source event (a visit, a dispense, a lab order, a bed-day) is charged once: `source_key` UNIQUE;
-- - invoice numbers are unique, and so are payments' external references (a gateway webhook delivered
--   twice records one payment); many payments may have none;
-- - no share, payment or refund is negative, and a payment is more than nothing;
-- - what is paid and credited on an invoice never exceeds its share, the patient's and the payer's
--   apiece (paid ≤ due: an overpayment cannot be stored);
-- - refunds never exceed the payment, nor do its allocations;
-- - an issued invoice's figures are write-once (a trigger compares them with the stored ones).

CREATE TABLE price_items (
    code   TEXT PRIMARY KEY NOT NULL CHECK (code <> ''),
    record TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.code') = code)
) STRICT;

CREATE TABLE coverage_plans (
    payer  TEXT NOT NULL CHECK (payer <> ''),
    plan   TEXT NOT NULL,
    record TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (payer, plan),
    CHECK (json_extract(record, '$.payer') = payer AND json_extract(record, '$.plan') = plan)
) STRICT;

CREATE TABLE charges (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id TEXT NOT NULL CHECK (length(patient_id) = 36),
    source_key TEXT NOT NULL UNIQUE CHECK (source_key <> ''),
    invoice_id TEXT CHECK (length(invoice_id) = 36),
    created_at TEXT NOT NULL,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.patient') = patient_id)
) STRICT;
CREATE INDEX charges_of_patient ON charges (patient_id, created_at, id);
CREATE TRIGGER charges_keep_their_source BEFORE UPDATE OF source_key, patient_id ON charges
WHEN NEW.source_key <> OLD.source_key OR NEW.patient_id <> OLD.patient_id
BEGIN
    SELECT RAISE(ABORT, 'the source and patient of a charge never change');
END;
CREATE TRIGGER charges_are_kept BEFORE DELETE ON charges
BEGIN
    SELECT RAISE(ABORT, 'charges are never deleted');
END;

CREATE TABLE invoices (
    id               TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id       TEXT NOT NULL CHECK (length(patient_id) = 36),
    kind             TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    original_id      TEXT REFERENCES invoices (id),
    number           TEXT UNIQUE CHECK (number <> ''),
    status           TEXT NOT NULL
                         CHECK (status IN ('draft', 'issued', 'balanced', 'cancelled', 'entered-in-error')),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    patient_share    INTEGER NOT NULL CHECK (patient_share >= 0),
    payer_share      INTEGER NOT NULL CHECK (payer_share >= 0),
    paid_patient     INTEGER NOT NULL CHECK (paid_patient >= 0),
    paid_payer       INTEGER NOT NULL CHECK (paid_payer >= 0),
    credited_patient INTEGER NOT NULL CHECK (credited_patient >= 0),
    credited_payer   INTEGER NOT NULL CHECK (credited_payer >= 0),
    figures          TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    created_at       TEXT NOT NULL,
    record           TEXT NOT NULL CHECK (json_valid(record)),
    -- paid ≤ due, for each party
    CHECK (paid_patient + credited_patient <= patient_share),
    CHECK (paid_payer + credited_payer <= payer_share),
    -- a credit note names the invoice it corrects, and nothing else does
    CHECK ((kind = 'credit_note') = (original_id IS NOT NULL)),
    -- an issued or balanced invoice has a number
    CHECK (status NOT IN ('issued', 'balanced') OR number IS NOT NULL),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.status') = status
           AND json_extract(record, '$.patient') = patient_id)
) STRICT;
CREATE INDEX invoices_of_patient ON invoices (patient_id, created_at, id);
CREATE INDEX invoices_by_status ON invoices (status, created_at, id);
CREATE TRIGGER invoices_issued_figures_are_final BEFORE UPDATE ON invoices
WHEN OLD.status <> 'draft' AND NEW.figures IS NOT OLD.figures
BEGIN
    SELECT RAISE(ABORT, 'the figures of an issued invoice never change');
END;
CREATE TRIGGER invoices_keep_their_patient BEFORE UPDATE OF patient_id, kind, original_id ON invoices
WHEN NEW.patient_id <> OLD.patient_id OR NEW.kind <> OLD.kind OR NEW.original_id IS NOT OLD.original_id
BEGIN
    SELECT RAISE(ABORT, 'the patient and kind of an invoice never change');
END;
CREATE TRIGGER invoices_are_kept BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoices are cancelled or credited, never deleted');
END;

CREATE TABLE payments (
    id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    patient_id         TEXT NOT NULL CHECK (length(patient_id) = 36),
    external_reference TEXT UNIQUE CHECK (external_reference <> ''),
    currency           TEXT NOT NULL CHECK (length(currency) = 3),
    amount             INTEGER NOT NULL CHECK (amount > 0),
    refunded           INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= amount),
    allocated          INTEGER NOT NULL CHECK (allocated >= 0 AND allocated <= amount),
    received_at        TEXT NOT NULL,
    version            INTEGER NOT NULL CHECK (version >= 1),
    record             TEXT NOT NULL CHECK (json_valid(record)),
    CHECK (json_extract(record, '$.id') = id AND json_extract(record, '$.patient') = patient_id)
) STRICT;
CREATE INDEX payments_of_patient ON payments (patient_id, received_at, id);
CREATE TRIGGER payments_keep_their_amount BEFORE UPDATE OF amount, currency, external_reference, patient_id
    ON payments
WHEN NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency
     OR NEW.external_reference IS NOT OLD.external_reference OR NEW.patient_id <> OLD.patient_id
BEGIN
    SELECT RAISE(ABORT, 'the amount, patient and reference of a payment never change');
END;
CREATE TRIGGER payments_are_kept BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are refunded, never deleted');
END;
