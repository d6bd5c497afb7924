-- Version 3: billing (the price list, insurers' coverage plans, charges, invoices and credit notes,
-- payments with their refunds).
--
-- Amounts the schema checks are kept as whole minor units (cents, paise) in BIGINT columns next to
-- the JSON record, so that the database itself holds the money rules:
-- - a source event (a visit, a dispense, a lab order, a bed-day) is charged once: `source_key` UNIQUE;
-- - invoice numbers are unique, and so are payments' external references (a gateway webhook delivered
--   twice records one payment); many payments may have none;
-- - no share, payment or refund is negative, and a payment is more than nothing;
-- - what is paid and credited on an invoice never exceeds its share, the patient's and the payer's
--   apiece (paid ≤ due: an overpayment cannot be stored);
-- - refunds never exceed the payment, nor do its allocations;
-- - an issued invoice's figures are write-once (a trigger compares them with the stored ones).
-- Like the access tables, billing rows name patients by id without foreign keys; the facade checks
-- them.

CREATE TABLE price_items (
    code   TEXT COLLATE "C" PRIMARY KEY CHECK (code <> ''),
    record JSONB NOT NULL,
    CHECK (record ->> 'code' = code)
);

CREATE TABLE coverage_plans (
    payer  TEXT COLLATE "C" NOT NULL CHECK (payer <> ''),
    plan   TEXT COLLATE "C" NOT NULL,
    record JSONB NOT NULL,
    PRIMARY KEY (payer, plan),
    CHECK (record ->> 'payer' = payer AND record ->> 'plan' = plan)
);

CREATE TABLE charges (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL,
    source_key TEXT COLLATE "C" NOT NULL UNIQUE CHECK (source_key <> ''),
    invoice_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND (record ->> 'patient')::uuid = patient_id)
);
CREATE INDEX charges_of_patient ON charges (patient_id, created_at, id);
CREATE TRIGGER charges_keep_their_source BEFORE UPDATE OF source_key, patient_id ON charges
    FOR EACH ROW WHEN (NEW.source_key <> OLD.source_key OR NEW.patient_id <> OLD.patient_id)
    EXECUTE FUNCTION hms_refuse('the source and patient of a charge never change');
CREATE TRIGGER charges_are_kept BEFORE DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('charges are never deleted');

CREATE TABLE invoices (
    id               UUID PRIMARY KEY,
    patient_id       UUID NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    original_id      UUID REFERENCES invoices (id),
    number           TEXT COLLATE "C" UNIQUE CHECK (number <> ''),
    status           TEXT NOT NULL
                         CHECK (status IN ('draft', 'issued', 'balanced', 'cancelled', 'entered-in-error')),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    patient_share    BIGINT NOT NULL CHECK (patient_share >= 0),
    payer_share      BIGINT NOT NULL CHECK (payer_share >= 0),
    paid_patient     BIGINT NOT NULL CHECK (paid_patient >= 0),
    paid_payer       BIGINT NOT NULL CHECK (paid_payer >= 0),
    credited_patient BIGINT NOT NULL CHECK (credited_patient >= 0),
    credited_payer   BIGINT NOT NULL CHECK (credited_payer >= 0),
    figures          TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    created_at       TIMESTAMPTZ NOT NULL,
    record           JSONB NOT NULL,
    -- paid ≤ due, for each party
    CHECK (paid_patient + credited_patient <= patient_share),
    CHECK (paid_payer + credited_payer <= payer_share),
    -- a credit note names the invoice it corrects, and nothing else does
    CHECK ((kind = 'credit_note') = (original_id IS NOT NULL)),
    -- an issued or balanced invoice has a number
    CHECK (status NOT IN ('issued', 'balanced') OR number IS NOT NULL),
    CHECK ((record ->> 'id')::uuid = id AND record ->> 'status' = status
           AND (record ->> 'patient')::uuid = patient_id)
);
CREATE INDEX invoices_of_patient ON invoices (patient_id, created_at, id);
CREATE INDEX invoices_by_status ON invoices (status, created_at, id);
CREATE TRIGGER invoices_issued_figures_are_final BEFORE UPDATE ON invoices
    FOR EACH ROW WHEN (OLD.status <> 'draft' AND NEW.figures IS DISTINCT FROM OLD.figures)
    EXECUTE FUNCTION hms_refuse('the figures of an issued invoice never change');
CREATE TRIGGER invoices_keep_their_patient BEFORE UPDATE OF patient_id, kind, original_id ON invoices
    FOR EACH ROW WHEN (NEW.patient_id <> OLD.patient_id OR NEW.kind <> OLD.kind
                       OR NEW.original_id IS DISTINCT FROM OLD.original_id)
    EXECUTE FUNCTION hms_refuse('the patient and kind of an invoice never change');
CREATE TRIGGER invoices_are_kept BEFORE DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('invoices are cancelled or credited, never deleted');

CREATE TABLE payments (
    id                 UUID PRIMARY KEY,
    patient_id         UUID NOT NULL,
    external_reference TEXT COLLATE "C" UNIQUE CHECK (external_reference <> ''),
    currency           TEXT NOT NULL CHECK (length(currency) = 3),
    amount             BIGINT NOT NULL CHECK (amount > 0),
    refunded           BIGINT NOT NULL CHECK (refunded >= 0 AND refunded <= amount),
    allocated          BIGINT NOT NULL CHECK (allocated >= 0 AND allocated <= amount),
    received_at        TIMESTAMPTZ NOT NULL,
    version            INTEGER NOT NULL CHECK (version >= 1),
    record             JSONB NOT NULL,
    CHECK ((record ->> 'id')::uuid = id AND (record ->> 'patient')::uuid = patient_id)
);
CREATE INDEX payments_of_patient ON payments (patient_id, received_at, id);
CREATE TRIGGER payments_keep_their_amount
    BEFORE UPDATE OF amount, currency, external_reference, patient_id ON payments
    FOR EACH ROW WHEN (NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency
                       OR NEW.external_reference IS DISTINCT FROM OLD.external_reference
                       OR NEW.patient_id <> OLD.patient_id)
    EXECUTE FUNCTION hms_refuse('the amount, patient and reference of a payment never change');
CREATE TRIGGER payments_are_kept BEFORE DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION hms_refuse('payments are refunded, never deleted');
