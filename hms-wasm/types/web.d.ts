/* tslint:disable */
/* eslint-disable */

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
| "beyond_horizon" | "currency_mismatch" | "duplicate" | "forbidden" | "idempotency_mismatch"
| "in_past" | "inactive" | "invalid_input" | "invalid_interval" | "invalid_policy" | "invalid_transition"
| "lead_time" | "no_resource" | "nonexistent_local_time" | "not_found" | "outside_availability" | "slot_conflict"
| "storage" | "unknown_currency" | "visit_type_not_offered";
/** One bad input field: its path (camelCase, e.g. `template.weeklyHours[1]`), what is wrong, a message. */
export interface FieldProblem { field: string; code: string; message: string; }
/** What every function of this module throws. */
export interface HmsError extends Error {
    name: "HmsError";
    code: HmsErrorCode;
    /** For `invalid_input`: every bad field. */
    fields?: FieldProblem[];
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

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_doctorcalendar_free: (a: number, b: number) => void;
    readonly doctorcalendar_benchValidate: (a: number, b: any, c: number) => [number, number, number];
    readonly doctorcalendar_doctor: (a: number) => [number, number];
    readonly doctorcalendar_freeSlots: (a: number, b: any) => [number, number, number];
    readonly doctorcalendar_new: (a: any) => [number, number, number];
    readonly doctorcalendar_validateBooking: (a: number, b: any) => [number, number, number];
    readonly errorCodes: () => [number, number];
    readonly freeSlots: (a: any) => [number, number, number];
    readonly supportedZones: () => [number, number];
    readonly validateBooking: (a: any) => [number, number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
