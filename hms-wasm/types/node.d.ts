/* tslint:disable */
/* eslint-disable */

/** A decimal number as a string, e.g. `"12.50"`; never a JavaScript number (floats lose cents). */
export type DecimalString = string;
/** How tax is rounded: each line on its own, or once per tax category (EN 16931 BR-CO-17). */
export type RoundingMode = "per_line" | "per_tax_category";
/** A percentage off (0 to 100) or an amount off (whole minor units, at most what it discounts). */
export type Discount = { kind: "percent"; value: DecimalString } | { kind: "amount"; value: DecimalString };
/** A tax category (e.g. `S` standard, `Z` zero-rated, `E` exempt) and its rate in percent. */
export interface TaxRate { category: string; percent: DecimalString; }
/** One line to price; `unitPrice` may have more places than the minor unit. */
export interface InvoiceLine {
    itemCode: string;
    /** Above zero; may be fractional (`"2.5"` hours). */
    quantity: DecimalString;
    unitPrice: DecimalString;
    tax: TaxRate;
    /** Whether `unitPrice` already includes the tax (default false). */
    taxInclusive?: boolean;
    discount?: Discount | null;
    /** For a consultation: its visit type (coverage copays are per visit type). */
    visitType?: string | null;
    /** Whether the payer pre-authorized this service (default false). */
    preauthorized?: boolean;
}
/** The terms of the patient's insurance plan; amounts in the invoice's currency. */
export interface CoveragePlan {
    payer: string;
    plan?: string;
    annualDeductible: DecimalString;
    /** Copay per visit, by visit type code. */
    copays?: Record<string, DecimalString>;
    /** The patient's percentage of a covered amount after the deductible. */
    coinsurancePercent: DecimalString;
    /** The most the patient pays in cost sharing in a year; null for no cap. */
    outOfPocketMax?: DecimalString | null;
    /** Item codes the plan never pays for. */
    notCovered?: string[];
    /** Item codes the plan pays for only with a pre-authorization. */
    preauthorizationRequired?: string[];
}
/** What the patient has used of the plan this year (nothing when left out). */
export interface CoverageUsage { deductibleUsed: DecimalString; outOfPocketUsed: DecimalString; }
/** Everything an invoice's figures depend on. */
export interface PriceInvoiceInput {
    /** ISO 4217, e.g. `USD`; every amount is in it. */
    currency: string;
    rounding: RoundingMode;
    lines: InvoiceLine[];
    invoiceDiscount?: Discount | null;
    /** The patient's coverage; left out or null for self-pay. */
    coverage?: { plan: CoveragePlan; usage?: CoverageUsage | null } | null;
}
/** Why a line was split between payer and patient the way it was. */
export type ShareBasis =
| "self_pay" | "not_covered" | "preauthorization_missing" | "copay" | "deductible_coinsurance";
/** The figures of one line: `net + tax = gross`, `payer + patient = gross`. */
export interface PricedLine {
    extended: DecimalString; lineDiscount: DecimalString; invoiceDiscount: DecimalString;
    net: DecimalString; tax: DecimalString; gross: DecimalString;
    payer: DecimalString; patient: DecimalString;
    /** The patient's share: `copay + deductible + coinsurance + notCovered`. */
    copay: DecimalString; deductible: DecimalString; coinsurance: DecimalString; notCovered: DecimalString;
    basis: ShareBasis;
    /** Whether the out-of-pocket maximum lowered the patient's share. */
    capped: boolean;
}
/** One tax category's subtotal. */
export interface TaxSubtotal { category: string; percent: DecimalString; taxable: DecimalString; amount: DecimalString; }
/** The invoice totals, each the sum of the lines' figures. */
export interface InvoiceTotals {
    extended: DecimalString; lineDiscounts: DecimalString; invoiceDiscount: DecimalString;
    net: DecimalString; tax: DecimalString; gross: DecimalString; payer: DecimalString; patient: DecimalString;
}
/** The priced invoice: a line per input line (same order), tax subtotals in order of first appearance. */
export interface InvoiceBreakdown {
    currency: string;
    rounding: RoundingMode;
    lines: PricedLine[];
    taxes: TaxSubtotal[];
    totals: InvoiceTotals;
}



/** A role an account can hold. */
export type Role =
| "admin" | "doctor" | "nurse" | "receptionist" | "pharmacist" | "lab_technician" | "billing_clerk"
| "patient";
/** What is being done. */
export type Action =
| "read" | "create" | "update" | "deactivate" | "cancel" | "dispense" | "grant" | "issue" | "refund";
/** What kind of thing an action is done to. */
export type ResourceKind =
| "patient_profile" | "medical_record" | "prescription" | "lab_order" | "lab_result" | "appointment"
| "schedule" | "invoice" | "payment" | "stock" | "staff" | "user_account" | "audit_log" | "report"
| "care_team" | "break_glass" | "price_list" | "drug_catalog";
/** A kind of care relationship between a member of staff and a patient. */
export type RelationshipKind = "care_team" | "appointment" | "encounter" | "admission" | "ward_assignment";
/** The access vocabulary of this build (`accessVocabulary()`), e.g. for pickers. */
export interface AccessVocabulary {
    roles: Role[];
    actions: Action[];
    resources: ResourceKind[];
    relationships: RelationshipKind[];
}
/** Who is asking: the signed-in account, its roles, and the person behind it. */
export interface AccessSubject {
    account: string;
    roles: Role[];
    /** The member of staff behind the account, if any. */
    staff?: string | null;
    /** The patient behind a patient-portal account, if any. */
    patient?: string | null;
}
/** A relationship of a member of staff with a patient over `[validFrom, validUntil)`. */
export interface RelationshipFact {
    kind: RelationshipKind;
    staff: string;
    patient: string;
    validFrom: Instant;
    /** None or left out: open-ended. */
    validUntil?: Instant | null;
}
/** Emergency access a clinician opened to one patient, over `[openedAt, expiresAt)`. */
export interface BreakGlassGrant {
    id: string;
    staff: string;
    patient: string;
    openedAt: Instant;
    expiresAt: Instant;
    /** The account that opened it; the subject's when left out. */
    account?: string | null;
    /** The clinician's reason; empty when left out. */
    reason?: string;
}
/** An appointment the page holds; it makes its doctor part of the patient's care over the policy's window. */
export interface AppointmentFact {
    doctor: string;
    patient: string;
    interval: Interval;
    /** When it was cancelled, if it was. */
    cancelledAt?: Instant | null;
}
/** What the page knows about the subject's relationships with the patient. */
export interface AccessFacts {
    relationships?: RelationshipFact[];
    breakGlass?: BreakGlassGrant[];
    appointments?: AppointmentFact[];
}
/** May `subject` do `action` to `resource` (of `patient`)? */
export interface AccessRequest {
    subject: AccessSubject;
    action: Action;
    resource: ResourceKind;
    /** The patient whose data it is, if any. */
    patient?: string | null;
    /** The roles the request gives an account (opening an account, changing roles). */
    grants?: Role[];
    facts?: AccessFacts;
    /** The current instant; milliseconds (`Date.now()`) accepted. */
    now: Instant;
}
/** Which actions may `subject` do to `resource` (of `patient`)? */
export type PermittedActionsQuery = Omit<AccessRequest, "action" | "grants">;
/** A forecast of the server's decision, for UI hints; the server decides again. */
export interface AccessDecision {
    allowed: boolean;
    /** The rule that decided (`"default-deny"` when none allowed it). */
    ruleId: string;
    /** Why, in words a person can read. */
    reason: string;
    /** Allowed only under emergency access. */
    breakGlass: boolean;
}
/** A condition of a policy rule. */
export type PolicyCondition =
| "always" | "own_record" | "not_own_record" | "break_glass" | "grants_unheld_role"
| { relationship: RelationshipKind[] };
/** A rule of a policy document. */
export interface PolicyRule {
    id: string;
    effect: "permit" | "forbid";
    roles: (Role | "*")[];
    actions: (Action | "*")[];
    resources: (ResourceKind | "*")[];
    when?: PolicyCondition;
    description?: string;
}
/**
 * A policy document, in the same shape (snake_case keys) as the hospital's policy file in JSON, so that
 * a server can hand its policy to the page unchanged.
 */
export interface PolicyDocument {
    settings?: {
        appointment_window?: { days_before: number; days_after: number; hours_after_cancellation: number };
        break_glass_max_minutes?: number;
    };
    rules?: PolicyRule[];
}
/** One problem of a policy document. */
export interface PolicyProblem { path: string; code: string; message: string; }



/** An RFC 3339 instant (`"2026-03-02T09:00:00Z"`) or, where marked, milliseconds since the Unix epoch (`Date.now()`). */
export type Instant = string | number;
/** A calendar date in the clinic's zone, `"2026-03-02"`. */
export type LocalDate = string;
/** A wall-clock time in the clinic's zone, `"09:00"` or `"09:00:00"`. */
export type WallTime = string;
export type Weekday = "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun";
/** A half-open span `[start, end)` of RFC 3339 instants. */
export interface Interval { start: string; end: string; }
export interface VisitType {
    code: string;
    name: string;
    minutes: number;
    /** Minutes kept free after the visit; 0 when left out. */
    bufferMinutes?: number;
    requiredResourceKinds?: string[];
}
export interface WeeklyHours { weekday: Weekday; start: WallTime; end: WallTime; }
/** When and how one doctor can be booked at one location (hms-core `AvailabilityTemplate`). */
export interface AvailabilityTemplate {
    doctor: string;
    location?: string | null;
    /** The clinic's IANA zone, e.g. `"Europe/Berlin"`; it must be one of `supportedZones()`. */
    zone: string;
    weeklyHours: WeeklyHours[];
    effectiveFrom: LocalDate;
    effectiveUntil?: LocalDate | null;
    slotMinutes: number;
    visitTypes: VisitType[];
    /** Bookings one slot takes; 1 when left out. */
    capacity?: number;
    /** 0 when left out. */
    leadTimeMinutes?: number;
    horizonDays: number;
}
export type AvailabilityException =
| { kind: "leave"; from: LocalDate; until: LocalDate }
| { kind: "unavailable"; interval: Interval; reason: string }
| { kind: "extra_session"; date: LocalDate; start: WallTime; end: WallTime }
| { kind: "holiday"; date: LocalDate; name: string };
/** An active booking: the time it holds (visit plus buffer). */
export interface Booking { id: string; interval: Interval; shared?: boolean; }
export interface DoctorCalendarInput {
    template: AvailabilityTemplate;
    exceptions?: AvailabilityException[];
    /** The doctor's active bookings. */
    bookings?: Booking[];
}
export interface SlotQuery {
    visitType: string;
    range: { from: LocalDate; until: LocalDate };
    /** The current instant; milliseconds (`Date.now()`) accepted. */
    now: Instant;
}
export interface BookingProposal {
    visitType: string;
    /** The visit's start; milliseconds accepted. */
    start: Instant;
    /** The current instant; milliseconds (`Date.now()`) accepted. */
    now: Instant;
    /** The patient and their active bookings, to find the patient's own conflicts. */
    patient?: { id: string; bookings?: Booking[] } | null;
    /** An appointment to leave out (the one being moved). */
    ignore?: string | null;
}
export type FreeSlotsInput = DoctorCalendarInput & SlotQuery;
export type ValidateBookingInput = DoctorCalendarInput & BookingProposal;
export interface Slot {
    interval: Interval;
    /** What the clinic's clocks show at the start, `"2026-03-02T09:00:00"`. */
    localStart: string;
    zone: string;
    remainingCapacity: number;
}
export interface Finding { code: string; severity: "error" | "warning"; message: string; }
export type Party = { kind: "doctor" | "patient" | "resource"; id: string };
export interface Conflict { party: Party; appointment: string; interval: Interval; }
/** The check of a proposed booking: every finding at once, and the bookings in the way. */
export interface BookingCheck { bookable: boolean; findings: Finding[]; conflicts: Conflict[]; }



/** Every code an `HmsError` can carry (`errorCodes()` lists the same at run time). */
export type HmsErrorCode =
| "amount_overflow" | "batch_unusable" | "beyond_horizon" | "currency_mismatch" | "duplicate"
| "exceeds_dispensed" | "exceeds_prescription" | "forbidden" | "gateway_failed"
| "idempotency_mismatch" | "immutable_invoice" | "in_past" | "inactive" | "insufficient_stock"
| "invalid_input" | "invalid_interval" | "invalid_policy" | "invalid_signature"
| "invalid_transition" | "lead_time" | "no_price" | "no_resource" | "nonexistent_local_time"
| "not_chargeable" | "not_found" | "outside_availability" | "over_credit" | "over_refund"
| "overpayment" | "prescription_required" | "refills_exhausted" | "reservation_expired"
| "slot_conflict" | "storage" | "time_out_of_range" | "unknown_currency" | "visit_type_not_offered";
/** One bad input field: its path (camelCase, e.g. `template.weeklyHours[1]`), what is wrong, a message. */
export interface FieldProblem { field: string; code: string; message: string; }
/** What every function of this module throws. */
export interface HmsError extends Error {
    name: "HmsError";
    code: HmsErrorCode;
    /** For `invalid_input`: every bad field. */
    fields?: FieldProblem[];
    /** For `invalid_policy`: every problem of the policy document. */
    problems?: PolicyProblem[];
}



/**
 * An access policy for **UI hints only** (which buttons to show or grey out). It is never the
 * security boundary: the server decides every request again with the facts in its own store and
 * audits it, and anything in a browser — roles, facts, policy, this module — can be changed by its
 * user.
 */
export class AccessPolicy {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * A UI hint, never the security boundary: may the subject do this? Throws an `HmsError`
     * (`invalid_input`) for malformed input.
     */
    decide(request: AccessRequest): AccessDecision;
    /**
     * A hospital's own policy document (the JSON form of its policy file, snake_case keys), or the
     * built-in hospital policy when left out. Throws an `HmsError`: `invalid_policy` (every problem
     * in `problems`), `invalid_input` for a value that is not a policy document at all.
     */
    constructor(policy?: PolicyDocument | null);
    /**
     * A UI hint, never the security boundary: the actions the subject may do to the resource (e.g.
     * to enable a screen's buttons). Throws an `HmsError` (`invalid_input`) for malformed input.
     */
    permittedActions(query: PermittedActionsQuery): Action[];
    /**
     * How many rules the policy has.
     */
    readonly ruleCount: number;
}

/**
 * One doctor's calendar, checked once, for many slot searches and booking checks (a receptionist's
 * screen keeps one per doctor on show).
 */
export class DoctorCalendar {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * For benchmarks: checks `iterations` proposals inside the module (the `i`-th starting
     * `(i mod 96) × 15` minutes after `proposal.start`) and returns how many findings they gave.
     */
    benchValidate(proposal: BookingProposal, iterations: number): number;
    /**
     * The free slots for a visit type over local dates. Throws an `HmsError`.
     */
    freeSlots(query: SlotQuery): Slot[];
    /**
     * Checks the template, exceptions and bookings. Throws an `HmsError` (`invalid_input`).
     */
    constructor(input: DoctorCalendarInput);
    /**
     * Everything that stands against a proposed booking, as findings. Throws an `HmsError` only for
     * malformed input.
     */
    validateBooking(proposal: BookingProposal): BookingCheck;
    /**
     * The doctor's id.
     */
    readonly doctor: string;
}

/**
 * The access vocabulary of this build: roles, actions, resource kinds and relationship kinds.
 */
export function accessVocabulary(): AccessVocabulary;

/**
 * **A UI hint, never the security boundary**: would the built-in hospital policy let this user do
 * this, given the facts the page holds? The server decides every request again from its own store;
 * anything in the browser can be changed by its user. See [`AccessPolicy`] for a hospital's own
 * policy.
 *
 * Throws an `HmsError` with `invalid_input` for malformed input.
 */
export function decideAccess(request: AccessRequest): AccessDecision;

/**
 * Every error code the library can return, sorted.
 */
export function errorCodes(): HmsErrorCode[];

/**
 * The free slots of one doctor for a visit type over local dates, in the clinic's zone.
 *
 * Throws an `HmsError`: `invalid_input` (every bad field), `visit_type_not_offered`.
 */
export function freeSlots(input: FreeSlotsInput): Slot[];

/**
 * Prices an invoice exactly as the server will: line amounts, line and invoice discounts, tax
 * (inclusive or exclusive, rounded per line or per tax category) and, with the patient's coverage,
 * each line's payer and patient shares. Every amount is a decimal string in the invoice's currency.
 *
 * Throws an `HmsError`: `unknown_currency`; `invalid_input` listing every bad field (a decimal given
 * as a number or not a decimal, a quantity not above zero, a negative price, a rate or discount
 * outside 0–100 %, an amount discount too large or not in whole minor units, bad plan terms).
 */
export function priceInvoice(input: PriceInvoiceInput): InvoiceBreakdown;

/**
 * The IANA time zones this build knows, sorted (a template's `zone` must be one of them).
 */
export function supportedZones(): string[];

/**
 * Everything that stands against a proposed booking (working hours, past, lead time, horizon,
 * conflicts with the doctor's or the patient's bookings), as findings.
 *
 * Throws an `HmsError` with `invalid_input` for malformed input; problems with the booking itself are
 * findings, not errors.
 */
export function validateBooking(input: ValidateBookingInput): BookingCheck;
