// @ts-check
// The shared vectors through the Node package (the generated JavaScript glue, as an application
// calls it), with keys and error field paths in camelCase: each scheduling case through the one-shot
// function and through a DoctorCalendar, each access case through decideAccess and an AccessPolicy,
// each pricing case through priceInvoice. hms-core's runners check the same files against the Rust
// rules (hms-core/tests/it/vectors*.rs), so the two agree. A case of an op this runner does not know
// fails, and so does a file of the directory that is neither run nor named in NOT_RUN.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");
const hms = require("../../pkg-node/hms_wasm.js");

const DIR = join(__dirname, "../../../hms-core/tests/vectors");
/** The files run here. */
const RUN = ["slots.json", "booking_findings.json", "access.json", "invoice_pricing.json"];
/** The files this binding does not run: their rules are not exported (tests/vectors.rs says why). */
const NOT_RUN = [
  "calendar_conflicts.json",
  "fefo_allocation.json",
  "interval_overlap.json",
  "money_allocation.json",
  "money_rounding.json",
  "mrn.json",
  "patient_validation.json",
  "phone_normalization.json",
  "schedule_check.json",
];

/** @param {string} s */
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * The value with every object key in camelCase (values untouched), except the keys of a `copays`
 * map, which are visit type codes (data, not field names).
 * @param {unknown} v
 * @returns {any}
 */
function camelKeys(v) {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), k === "copays" ? x : camelKeys(x)]));
  }
  return v;
}

/**
 * The value with every decimal string in one form (`"5.00"` and `"5"` both `"5"`), so that amounts
 * compare as numbers, as the vectors' README asks.
 * @param {unknown} v
 * @returns {any}
 */
function decimalsAsNumbers(v) {
  if (Array.isArray(v)) return v.map(decimalsAsNumbers);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decimalsAsNumbers(x)]));
  }
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) {
    const [whole, fraction = ""] = v.replace(/^(-?)0+(?=\d)/, "$1").split(".");
    const trimmed = fraction.replace(/0+$/, "");
    const text = trimmed ? `${whole}.${trimmed}` : whole;
    return text === "-0" ? "0" : text;
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
  if (op === "price_invoice") {
    return [
      attempt(() => {
        const { currency, rounding, ...figures } = hms.priceInvoice(input);
        assert.equal(currency, input.currency);
        assert.equal(rounding, input.rounding);
        return figures;
      }),
    ];
  }
  if (op !== "free_slots" && op !== "booking_findings" && op !== "decide" && op !== "permitted_actions") {
    assert.fail(`op \`${op}\` is not known to this runner`);
  }
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

test("every vector file is run here or named as not run", () => {
  const onDisk = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
  assert.deepEqual(onDisk, [...RUN, ...NOT_RUN].sort());
});

for (const file of RUN) {
  const vectors = JSON.parse(readFileSync(join(DIR, file), "utf8"));
  /** @type {any[]} */
  const cases = vectors.cases;
  test(`${file} has cases`, () => assert.ok(cases.length > 0));
  for (const c of cases) {
    test(`${file}: ${c.name}`, () => {
      for (const outcome of run(c.op, camelKeys(c.input))) {
        if ("ok" in c.expect) {
          assert.ok(outcome.ok, `unexpected error ${!outcome.ok && outcome.error.code}: ${!outcome.ok && outcome.error.message}`);
          assert.deepEqual(decimalsAsNumbers(outcome.value), decimalsAsNumbers(camelKeys(c.expect.ok)));
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

test("a wrong price is caught, and decimal strings compare as numbers", () => {
  assert.deepEqual(decimalsAsNumbers({ a: "5.00", b: ["0.10", "-0.00", "007"] }), { a: "5", b: ["0.1", "0", "7"] });
  assert.notDeepEqual(decimalsAsNumbers("10.00"), decimalsAsNumbers("10.01"));
  const vectors = JSON.parse(readFileSync(join(DIR, "invoice_pricing.json"), "utf8"));
  const first = vectors.cases[0];
  const input = camelKeys(first.input);
  const { lines, taxes, totals } = hms.priceInvoice(input);
  const want = decimalsAsNumbers(camelKeys(first.expect.ok));
  assert.deepEqual(decimalsAsNumbers({ lines, taxes, totals }), want);
  const dearer = hms.priceInvoice({ ...input, lines: [{ ...input.lines[0], unitPrice: "25.00" }] });
  assert.notDeepEqual(decimalsAsNumbers({ lines: dearer.lines, taxes: dearer.taxes, totals: dearer.totals }), want);
});
