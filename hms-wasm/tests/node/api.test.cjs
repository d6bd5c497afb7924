// @ts-check
// The JavaScript API beyond the vectors: error shape and codes, the declared error-code union,
// instants as milliseconds, typos in keys, and a calendar used many times.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const hms = require("../../pkg-node/hms_wasm.js");

/** @type {hms.AvailabilityTemplate} */
const template = {
  doctor: "0190b4a0-0000-7000-8000-000000000001",
  zone: "Europe/Berlin",
  weeklyHours: [{ weekday: "Mon", start: "09:00", end: "10:00" }],
  effectiveFrom: "2026-01-01",
  slotMinutes: 30,
  visitTypes: [{ code: "new_patient", name: "New patient", minutes: 30 }],
  horizonDays: 60,
};
const monday = { from: "2026-03-02", until: "2026-03-02" };

/**
 * The HmsError thrown by `f`.
 * @param {() => unknown} f
 * @returns {hms.HmsError}
 */
function thrown(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error);
    return /** @type {hms.HmsError} */ (e);
  }
  assert.fail("expected an HmsError");
}

test("errorCodes() is the union declared in the TypeScript declarations", () => {
  const dts = readFileSync(join(__dirname, "../../pkg-node/hms_wasm.d.ts"), "utf8");
  const union = /export type HmsErrorCode =([^;]*);/.exec(dts);
  assert.ok(union, "HmsErrorCode is declared");
  const declared = [...union[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(declared, hms.errorCodes());
  assert.ok(hms.errorCodes().includes("slot_conflict"));
});

test("the zones this build knows include every zone of the vectors and the example", () => {
  const zones = hms.supportedZones();
  for (const z of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"]) {
    assert.ok(zones.includes(z), z);
  }
});

test("a zone the build does not know is invalid input naming the zone", () => {
  const e = thrown(() => hms.freeSlots({ template: { ...template, zone: "Mars/Olympus" }, visitType: "new_patient", range: monday, now: 0 }));
  assert.equal(e.name, "HmsError");
  assert.equal(e.code, "invalid_input");
  assert.match(e.message, /`Mars\/Olympus` is not an IANA time zone/);
});

test("a misspelt key is ignored at run time, and TypeScript refuses it", () => {
  const plain = hms.freeSlots({ template, visitType: "new_patient", range: monday, now: "2026-03-02T07:00:00Z" });
  const typo = hms.freeSlots({
    template: {
      ...template,
      // @ts-expect-error `leadTime` is not a template key (`leadTimeMinutes` is): tsc fails without this line.
      leadTime: 600,
    },
    visitType: "new_patient",
    range: monday,
    now: "2026-03-02T07:00:00Z",
  });
  assert.deepEqual(typo, plain);
  assert.equal(plain.length, 2);
});

test("every bad field of a template is listed with a camelCase path", () => {
  const bad = {
    ...template,
    weeklyHours: [...template.weeklyHours, { weekday: /** @type {const} */ ("Tue"), start: "12:00", end: "11:00" }],
    visitTypes: [{ code: "x", name: "X", minutes: 30, bufferMinutes: 5000 }],
  };
  const e = thrown(() => new hms.DoctorCalendar({ template: bad }));
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(
    e.fields?.map((f) => [f.field, f.code]),
    [
      ["template.weeklyHours[1]", "invalid_period"],
      ["template.visitTypes[0].bufferMinutes", "out_of_range"],
    ],
  );
  assert.ok(e.fields?.every((f) => f.message.length > 0 && !f.message.endsWith(".")));
});

test("now and start may be milliseconds (Date.now()) or RFC 3339 text, with the same answer", () => {
  const cal = new hms.DoctorCalendar({ template });
  const ms = Date.UTC(2026, 2, 1);
  const a = cal.freeSlots({ visitType: "new_patient", range: monday, now: ms });
  const b = cal.freeSlots({ visitType: "new_patient", range: monday, now: "2026-03-01T00:00:00Z" });
  assert.deepEqual(a, b);
  assert.deepEqual(a.map((s) => s.localStart), ["2026-03-02T09:00:00", "2026-03-02T09:30:00"]);
  const start = Date.parse(a[0].interval.start);
  assert.deepEqual(
    cal.validateBooking({ visitType: "new_patient", start, now: ms }),
    cal.validateBooking({ visitType: "new_patient", start: a[0].interval.start, now: "2026-03-01T00:00:00Z" }),
  );
  cal.free();
});

test("fractions of a millisecond and non-numbers are invalid input, not a crash", () => {
  const cal = new hms.DoctorCalendar({ template });
  for (const now of [0.5, Number.NaN, Infinity, "yesterday"]) {
    const e = thrown(() => cal.freeSlots({ visitType: "new_patient", range: monday, now }));
    assert.equal(e.code, "invalid_input", String(now));
  }
  cal.free();
});

test("a conflict is a finding with the booking's message, and the module keeps working after errors", () => {
  const booked = { id: "0190b4a0-0000-7000-8000-0000000000a1", interval: { start: "2026-03-02T08:00:00Z", end: "2026-03-02T08:30:00Z" } };
  const cal = new hms.DoctorCalendar({ template, bookings: [booked] });
  assert.equal(cal.doctor, template.doctor);
  thrown(() => cal.validateBooking(/** @type {any} */ ({ visitType: "new_patient" })));
  const check = cal.validateBooking({ visitType: "new_patient", start: "2026-03-02T08:15:00Z", now: "2026-03-01T00:00:00Z" });
  assert.equal(check.bookable, false);
  assert.deepEqual(check.findings.map((f) => [f.code, f.severity]), [
    ["slot_conflict", "error"],
    ["off_grid", "warning"],
  ]);
  assert.equal(check.conflicts[0].appointment, booked.id);
  assert.equal(check.conflicts[0].party.kind, "doctor");
  assert.equal(cal.benchValidate({ visitType: "new_patient", start: "2026-03-02T08:00:00Z", now: "2026-03-01T00:00:00Z" }, 10) > 0, true);
  cal.free();
});

test("an exception missing a field its kind needs is invalid input naming each field", () => {
  const e = thrown(
    () =>
      new hms.DoctorCalendar({
        template,
        exceptions: [
          { kind: "holiday", date: "2026-03-02", name: "Carnival" },
          /** @type {any} */ ({ kind: "leave", from: "2026-03-09" }),
          /** @type {any} */ ({ kind: "extra_session", date: "2026-03-07" }),
        ],
      }),
  );
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(
    e.fields?.map((f) => [f.field, f.code]),
    [
      ["exceptions[1].until", "required"],
      ["exceptions[2].start", "required"],
      ["exceptions[2].end", "required"],
    ],
  );
  const unknownKind = thrown(() => new hms.DoctorCalendar({ template, exceptions: [/** @type {any} */ ({ kind: "strike" })] }));
  assert.equal(unknownKind.code, "invalid_input");
  assert.match(unknownKind.message, /strike/);
  // A complete holiday on the Monday leaves no slots that day.
  const cal = new hms.DoctorCalendar({ template, exceptions: [{ kind: "holiday", date: "2026-03-02", name: "Carnival" }] });
  assert.deepEqual(cal.freeSlots({ visitType: "new_patient", range: monday, now: 0 }), []);
  cal.free();
});
