// @ts-check
// A receptionist's booking screen: pick a doctor, a day and a kind of visit; the free slots are
// computed here, in the browser, by hms-core's rules compiled to WebAssembly, and clicking a time
// checks it at once (working hours, lead time, conflicts with existing bookings) with no server round
// trip. The server still checks the booking when it is made: this is for a fast screen, not for trust.
import init, { DoctorCalendar, priceInvoice } from "../../hms-wasm/pkg-web/hms_wasm.js";
import { doctors, fees } from "./clinic.js";

/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").Slot} Slot */
/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").Booking} Booking */
/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").BookingCheck} BookingCheck */
/** @typedef {import("../../hms-wasm/pkg-web/hms_wasm.js").HmsError} HmsError */

const params = new URLSearchParams(location.search);
// The current instant: the real clock, unless the address fixes it (`?now=…`, as the browser test does).
const fixedNow = params.get("now");
const now = () => fixedNow ?? Date.now();

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`#${id} is missing`);
  return e;
}

const doctorSelect = byId("doctor", HTMLSelectElement);
const dateInput = byId("date", HTMLInputElement);
const visitSelect = byId("visit", HTMLSelectElement);
const slotList = byId("slots", HTMLOListElement);
const noSlots = byId("no-slots", HTMLParagraphElement);
const result = byId("result", HTMLDivElement);
const bookButton = byId("book", HTMLButtonElement);
const errorBox = byId("error", HTMLParagraphElement);
const dayTitle = byId("day-title", HTMLHeadingElement);
const feeLine = byId("fee", HTMLParagraphElement);

await init();

/** Each doctor's bookings (the page adds the times it holds) and two calendars: with and without them. */
const state = doctors.map((d) => ({
  bookings: /** @type {Booking[]} */ ([...(d.calendar.bookings ?? [])]),
  calendar: new DoctorCalendar(d.calendar),
  // Without bookings: every time the doctor works, so that taken times can be shown (and clicked) too.
  grid: new DoctorCalendar({ ...d.calendar, bookings: [] }),
}));
let held = 0;
/** @type {{ start: string, end: string } | null} */
let selected = null;

/** @param {string} zone */
const clock = (zone) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" });

function current() {
  const i = Number(doctorSelect.value);
  const doctor = doctors[i];
  const s = state[i];
  if (!doctor || !s) throw new Error(`no doctor ${doctorSelect.value}`);
  return { doctor, s, zone: doctor.calendar.template.zone };
}

/** @param {unknown} e */
function showError(e) {
  const err = /** @type {HmsError} */ (e);
  errorBox.textContent = `${err.code ?? "error"}: ${err.message}`;
  errorBox.hidden = false;
}

function fillVisits() {
  const { doctor } = current();
  visitSelect.replaceChildren(
    ...doctor.calendar.template.visitTypes.map((v) => new Option(v.name, v.code)),
  );
}

/** The chosen visit's fee, priced in the page by the server's own rules (amounts as decimal strings). */
function renderFee() {
  const fee = fees[Number(doctorSelect.value)];
  const code = visitSelect.value;
  const unitPrice = fee?.prices[code];
  if (!fee || !unitPrice) {
    feeLine.textContent = "";
    return;
  }
  const quote = priceInvoice({
    currency: fee.currency,
    rounding: "per_tax_category",
    lines: [{ itemCode: `visit.${code}`, quantity: "1", unitPrice, tax: { category: "E", percent: "0" }, visitType: code }],
  });
  feeLine.textContent = `Visit fee: ${quote.totals.gross} ${quote.currency} (self-pay, tax-exempt)`;
}

function renderSlots() {
  errorBox.hidden = true;
  renderFee();
  const { s, zone } = current();
  const date = dateInput.value;
  dayTitle.textContent = `Slots on ${date} (${zone})`;
  const query = { visitType: visitSelect.value, range: { from: date, until: date }, now: now() };
  try {
    const all = s.grid.freeSlots(query);
    const free = new Set(s.calendar.freeSlots(query).map((slot) => slot.interval.start));
    slotList.replaceChildren(
      ...all.map((slot) => {
        const li = document.createElement("li");
        const isFree = free.has(slot.interval.start);
        li.className = isFree ? "free" : "taken";
        if (selected?.start === slot.interval.start) li.classList.add("selected");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = slot.localStart.slice(11, 16);
        b.title = isFree ? "free" : "taken";
        b.dataset.start = slot.interval.start;
        b.addEventListener("click", () => check(slot));
        li.append(b);
        return li;
      }),
    );
    noSlots.hidden = all.length > 0;
  } catch (e) {
    showError(e);
  }
}

/** @param {Slot} slot */
function check(slot) {
  const { s, zone } = current();
  selected = slot.interval;
  for (const li of slotList.children) {
    li.classList.toggle("selected", li.querySelector("button")?.dataset.start === slot.interval.start);
  }
  /** @type {BookingCheck} */
  let c;
  try {
    c = s.calendar.validateBooking({ visitType: visitSelect.value, start: slot.interval.start, now: now() });
  } catch (e) {
    showError(e);
    return;
  }
  const fmt = clock(zone);
  const time = slot.localStart.slice(11, 16);
  const head = document.createElement("p");
  head.className = "headline";
  head.textContent = c.bookable ? `${time} can be booked.` : `${time} cannot be booked.`;
  const lines = c.findings.map((f) => {
    const p = document.createElement("p");
    p.className = `finding ${f.severity}`;
    p.dataset.code = f.code;
    const code = document.createElement("code");
    code.textContent = f.code;
    p.append(code, " ", f.message);
    return p;
  });
  const overlaps = c.conflicts.map((k) => {
    const p = document.createElement("p");
    p.className = "conflict";
    const from = fmt.format(new Date(k.interval.start));
    const to = fmt.format(new Date(k.interval.end));
    p.textContent = `Overlaps the ${k.party.kind}'s booking from ${from} to ${to} (${zone} time).`;
    return p;
  });
  result.replaceChildren(head, ...overlaps, ...lines);
  result.className = c.bookable ? "ok" : "blocked";
  bookButton.hidden = !c.bookable;
}

bookButton.addEventListener("click", () => {
  const { doctor, s } = current();
  if (!selected) return;
  held += 1;
  s.bookings.push({
    id: `0190b4a0-0000-7000-9000-${held.toString(16).padStart(12, "0")}`, // a local id for a held time
    interval: selected,
  });
  s.calendar.free();
  s.calendar = new DoctorCalendar({ ...doctor.calendar, bookings: s.bookings });
  result.replaceChildren(Object.assign(document.createElement("p"), { className: "hint", textContent: "Held. Pick a time." }));
  result.className = "";
  bookButton.hidden = true;
  renderSlots();
});

doctors.forEach((d, i) => doctorSelect.add(new Option(d.name, String(i))));
doctorSelect.addEventListener("change", () => {
  fillVisits();
  renderSlots();
});
dateInput.addEventListener("change", renderSlots);
visitSelect.addEventListener("change", renderSlots);

const today = new Intl.DateTimeFormat("en-CA", { timeZone: current().zone }).format(new Date(now()));
dateInput.value = params.get("date") ?? today;
fillVisits();
renderSlots();
document.body.dataset.ready = "true";
