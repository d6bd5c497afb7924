// @ts-check
// Demo data for the page: what a receptionist's screen would have loaded from the server once — each
// doctor's availability template, exceptions and active bookings. Slots and checks are then computed
// in the browser by hms-wasm.

/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").DoctorCalendarInput} DoctorCalendarInput */

/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").Weekday} Weekday */

/**
 * The same working hours on several days of the week.
 * @param {Weekday[]} days
 * @param {[string, string][]} hours
 */
const week = (days, hours) => days.flatMap((weekday) => hours.map(([start, end]) => ({ weekday, start, end })));

/** @type {{ name: string, calendar: DoctorCalendarInput }[]} */
export const doctors = [
  {
    name: "Dr. Asha Rao — general practice, Berlin",
    calendar: {
      template: {
        doctor: "0190b4a0-0000-7000-8000-000000000001",
        location: "Outpatient clinic, room 4",
        zone: "Europe/Berlin",
        weeklyHours: week(["Mon", "Tue", "Wed", "Thu", "Fri"], [["09:00", "12:00"], ["13:00", "16:00"]]),
        effectiveFrom: "2026-01-01",
        slotMinutes: 15,
        visitTypes: [
          { code: "follow_up", name: "Follow-up (15 min)", minutes: 15 },
          { code: "new_patient", name: "New patient (30 min)", minutes: 30 },
        ],
        leadTimeMinutes: 60,
        horizonDays: 365,
      },
      exceptions: [
        { kind: "holiday", date: "2026-04-06", name: "Easter Monday" },
        {
          kind: "unavailable",
          interval: { start: "2026-03-03T10:00:00Z", end: "2026-03-03T11:00:00Z" },
          reason: "ward round",
        },
      ],
      bookings: [
        // 09:00–09:30, 10:15–10:30 and 14:00–15:00 Berlin time on Monday 2 March 2026.
        {
          id: "0190b4a0-0000-7000-8000-0000000000a1",
          interval: { start: "2026-03-02T08:00:00Z", end: "2026-03-02T08:30:00Z" },
        },
        {
          id: "0190b4a0-0000-7000-8000-0000000000a2",
          interval: { start: "2026-03-02T09:15:00Z", end: "2026-03-02T09:30:00Z" },
        },
        {
          id: "0190b4a0-0000-7000-8000-0000000000a3",
          interval: { start: "2026-03-02T13:00:00Z", end: "2026-03-02T14:00:00Z" },
        },
      ],
    },
  },
  {
    name: "Dr. Daniel Okafor — cardiology, New York",
    calendar: {
      template: {
        doctor: "0190b4a0-0000-7000-8000-000000000002",
        zone: "America/New_York",
        weeklyHours: [
          { weekday: "Mon", start: "08:00", end: "12:00" },
          { weekday: "Wed", start: "08:00", end: "12:00" },
          { weekday: "Sun", start: "01:00", end: "04:00" },
        ],
        effectiveFrom: "2026-01-01",
        slotMinutes: 30,
        visitTypes: [{ code: "consultation", name: "Consultation (30 min)", minutes: 30 }],
        horizonDays: 365,
      },
      bookings: [
        {
          id: "0190b4a0-0000-7000-8000-0000000000b1",
          interval: { start: "2026-03-02T14:00:00Z", end: "2026-03-02T15:00:00Z" },
        },
      ],
    },
  },
];

/**
 * Each doctor's fee per visit type (self-pay, tax-exempt), in the clinic's currency: decimal strings,
 * priced in the page by `priceInvoice` exactly as the invoice will be.
 * @type {{ currency: string, prices: Record<string, string> }[]}
 */
export const fees = [
  { currency: "EUR", prices: { follow_up: "45.00", new_patient: "89.50" } },
  { currency: "USD", prices: { consultation: "120.00" } },
];
