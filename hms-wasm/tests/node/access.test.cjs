// @ts-check
// The access decision for UI hints, beyond the shared vectors: the declared vocabulary, a hospital's
// own policy, a broken policy's problems, instants as milliseconds, and input that is not a request.
// (A UI hint only: the server decides every request again; see the package README.)
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const hms = require("../../pkg-node/hms_wasm.js");

const id = (/** @type {number} */ n) => `0190b4a0-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
const patient = id(0x42);
/** @type {hms.AccessSubject} */
const doctor = { account: id(0xa1), roles: ["doctor"], staff: id(0x17) };
const visit = { doctor: id(0x17), patient, interval: { start: "2026-03-20T09:00:00Z", end: "2026-03-20T09:30:00Z" } };
/** @type {hms.AccessRequest} */
const readChart = {
  subject: doctor,
  action: "read",
  resource: "medical_record",
  patient,
  facts: { appointments: [visit] },
  now: "2026-03-05T12:00:00Z",
};

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

test("the vocabulary is the unions declared in the TypeScript declarations", () => {
  const dts = readFileSync(join(__dirname, "../../pkg-node/hms_wasm.d.ts"), "utf8");
  /** @param {string} name */
  const declared = (name) => {
    const union = new RegExp(`export type ${name} =([^;]*);`).exec(dts);
    assert.ok(union, `${name} is declared`);
    return [...union[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  };
  const v = hms.accessVocabulary();
  assert.deepEqual(declared("Role"), v.roles);
  assert.deepEqual(declared("Action"), v.actions);
  assert.deepEqual(declared("ResourceKind"), v.resources);
  assert.deepEqual(declared("RelationshipKind"), v.relationships);
  assert.ok(v.roles.includes("receptionist"));
});

test("a hospital's own policy decides with its own appointment window", () => {
  // The visit is 15 days ahead: the built-in window (7 days before) keeps the chart closed, a window
  // of 30 days before opens it.
  assert.equal(hms.decideAccess(readChart).allowed, false);
  const ownWindow = new hms.AccessPolicy({
    settings: { appointment_window: { days_before: 30, days_after: 30, hours_after_cancellation: 0 } },
    rules: [
      {
        id: "doctor-treats-related-patients",
        effect: "permit",
        roles: ["doctor"],
        actions: ["read"],
        resources: ["medical_record"],
        when: { relationship: ["appointment", "care_team"] },
      },
    ],
  });
  assert.equal(ownWindow.ruleCount, 1);
  const d = ownWindow.decide(readChart);
  assert.deepEqual(d, {
    allowed: true,
    ruleId: "doctor-treats-related-patients",
    reason: `doctor \`${id(0x17)}\` has an active appointment relationship with patient \`${patient}\``,
    breakGlass: false,
  });
  assert.deepEqual(ownWindow.permittedActions(readChart), ["read"]);
  ownWindow.free();
});

test("the built-in policy is used when none is given", () => {
  const builtIn = new hms.AccessPolicy();
  const alsoBuiltIn = new hms.AccessPolicy(null);
  assert.ok(builtIn.ruleCount > 20);
  assert.equal(alsoBuiltIn.ruleCount, builtIn.ruleCount);
  assert.deepEqual(builtIn.decide(readChart), hms.decideAccess(readChart));
  builtIn.free();
  alsoBuiltIn.free();
});

test("a broken policy is invalid_policy listing every problem", () => {
  const e = thrown(
    () =>
      new hms.AccessPolicy({
        rules: [
          // @ts-expect-error `surgeon` is not a Role: tsc fails without this line.
          { id: "a", effect: "permit", roles: ["surgeon"], actions: ["read"], resources: ["medical_record"] },
          { id: "a", effect: "permit", roles: ["doctor"], actions: [], resources: ["medical_record"] },
        ],
      }),
  );
  assert.equal(e.name, "HmsError");
  assert.equal(e.code, "invalid_policy");
  const codes = e.problems?.map((p) => [p.path, p.code]) ?? [];
  assert.ok(codes.some(([path, code]) => path === "rules[0].roles[0]" && code === "unknown_role"), JSON.stringify(codes));
  assert.ok(codes.some(([, code]) => code === "duplicate_rule_id"), JSON.stringify(codes));
  assert.ok(codes.some(([, code]) => code === "empty"), JSON.stringify(codes));
  assert.ok(e.problems?.every((p) => p.message.length > 0));
});

test("a value that is not a policy document is invalid input", () => {
  // Unknown keys are ignored at run time (as for every input of this module), so a wrong shape here
  // is a value where a list belongs.
  const e = thrown(() => new hms.AccessPolicy(/** @type {any} */ ({ rules: "all" })));
  assert.equal(e.code, "invalid_input");
  assert.equal(e.fields?.[0].field, "policy");
});

test("instants may be milliseconds; a far-future one is invalid input naming it", () => {
  // 6.25e15 ms is in the year 200,000: an instant chrono holds, but the window arithmetic of
  // appointments could overflow near such instants, so the binding refuses them by name.
  const ms = { ...readChart, now: Date.UTC(2026, 2, 5, 12), facts: { appointments: [{ ...visit, interval: { start: "2026-03-10T09:00:00Z", end: "2026-03-10T09:30:00Z" } }] } };
  assert.equal(hms.decideAccess(ms).allowed, true);
  const far = {
    ...ms,
    facts: { relationships: [{ kind: /** @type {const} */ ("care_team"), staff: id(0x17), patient, validFrom: 0, validUntil: 6.25e15 }] },
  };
  const e = thrown(() => hms.decideAccess(far));
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(e.fields?.map((f) => f.field), ["facts.relationships[0].validUntil"]);
});

test("a request without roles or with an unknown resource is invalid input", () => {
  const noRoles = /** @type {any} */ ({ ...readChart, subject: { account: doctor.account } });
  assert.equal(thrown(() => hms.decideAccess(noRoles)).code, "invalid_input");
  const unknown = /** @type {any} */ ({ ...readChart, resource: "x_ray" });
  assert.match(thrown(() => hms.decideAccess(unknown)).message, /x_ray/);
});
