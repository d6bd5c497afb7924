// @ts-check
// The shared vectors through the Node package (the generated JavaScript glue, as an application
// calls it), with keys and error field paths in camelCase: each scheduling case through the one-shot
// function and through a DoctorCalendar, each access case through decideAccess and an AccessPolicy.
// hms-core's runners check the same files against the Rust rules
// (hms-core/tests/it/vectors_scheduling.rs, vectors_access.rs), so the two agree.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const hms = require("../../pkg-node/hms_wasm.js");

const DIR = join(__dirname, "../../../hms-core/tests/vectors");
/** The ops this binding exposes; cases of other ops are skipped. */
const SUPPORTED = ["free_slots", "booking_findings", "decide", "permitted_actions"];

/** @param {string} s */
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * The value with every object key in camelCase (values untouched).
 * @param {unknown} v
 * @returns {any}
 */
function camelKeys(v) {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelKeys(x)]));
  }
  return v;
}

const CALENDAR_KEYS = ["template", "exceptions", "bookings"];

/** @typedef {{ ok: true, value: unknown } | { ok: false, error: any }} Outcome */

/**
 * Runs one case's input through the one-shot export and through a DoctorCalendar.
 * @param {string} op
 * @param {any} input camelCase
 * @returns {Outcome[]}
 */
function run(op, input) {
  /** @type {any} */
  const calendar = Object.fromEntries(Object.entries(input).filter(([k]) => CALENDAR_KEYS.includes(k)));
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !CALENDAR_KEYS.includes(k)));
  /**
   * @param {() => unknown} f
   * @returns {Outcome}
   */
  const attempt = (f) => {
    try {
      return { ok: true, value: f() };
    } catch (error) {
      return { ok: false, error };
    }
  };
  if (op === "decide" || op === "permitted_actions") {
    const policy = new hms.AccessPolicy();
    try {
      return op === "decide"
        ? [attempt(() => hms.decideAccess(input)), attempt(() => policy.decide(input))]
        : [attempt(() => policy.permittedActions(input))];
    } finally {
      policy.free();
    }
  }
  const oneShot = attempt(() => (op === "free_slots" ? hms.freeSlots(input) : hms.validateBooking(input)));
  const viaClass = attempt(() => {
    const c = new hms.DoctorCalendar(calendar);
    try {
      return op === "free_slots" ? c.freeSlots(/** @type {any} */ (rest)) : c.validateBooking(/** @type {any} */ (rest));
    } finally {
      c.free();
    }
  });
  return [oneShot, viaClass];
}

for (const file of ["slots.json", "booking_findings.json", "access.json"]) {
  const vectors = JSON.parse(readFileSync(join(DIR, file), "utf8"));
  const cases = vectors.cases.filter((/** @type {any} */ c) => SUPPORTED.includes(c.op));
  test(`${file} has cases for this binding`, () => assert.ok(cases.length > 0));
  for (const c of cases) {
    test(`${file}: ${c.name}`, () => {
      for (const outcome of run(c.op, camelKeys(c.input))) {
        if ("ok" in c.expect) {
          assert.ok(outcome.ok, `unexpected error ${!outcome.ok && outcome.error.code}: ${!outcome.ok && outcome.error.message}`);
          assert.deepEqual(outcome.value, camelKeys(c.expect.ok));
        } else {
          assert.ok(!outcome.ok, "expected an error");
          /** @type {hms.HmsError} */
          const e = outcome.error;
          assert.ok(e instanceof Error);
          assert.equal(e.name, "HmsError");
          assert.equal(e.code, c.expect.error.code, e.message);
          if (c.expect.error.fields) {
            assert.deepEqual(
              e.fields?.map((f) => ({ field: f.field, code: f.code })),
              c.expect.error.fields.map((/** @type {{field: string, code: string}} */ f) => ({ field: camel(f.field), code: f.code })),
            );
          }
        }
      }
    });
  }
}

test("a wrong expectation is caught", () => {
  const vectors = JSON.parse(readFileSync(join(DIR, "slots.json"), "utf8"));
  const first = vectors.cases[0];
  const input = camelKeys(first.input);
  assert.deepEqual(hms.freeSlots(input), camelKeys(first.expect.ok));
  assert.notDeepEqual(hms.freeSlots({ ...input, now: "2026-03-02T03:40:00Z" }), camelKeys(first.expect.ok));
});
