// @ts-check
// Slot validations per second inside the WebAssembly module (the loop in Rust: `benchValidate`) and
// per call from JavaScript (`validateBooking` with the JS-object conversions), against the native
// figure that `hms-wasm/bench/run` passes in; prints a table and the bundle size.
//
//   node hms-wasm/bench/bench.cjs [nativePerSecond]
"use strict";
const { readFileSync, statSync } = require("node:fs");
const { gzipSync } = require("node:zlib");
const { join } = require("node:path");
const hms = require("../pkg-node/hms_wasm.js");

const fixture = JSON.parse(readFileSync(join(__dirname, "fixture.json"), "utf8"));
const calendar = new hms.DoctorCalendar(fixture.calendar);
/** @type {hms.BookingProposal} */
const proposal = fixture.proposal;
const QUARTER = 15 * 60 * 1000;
const start0 = Date.parse(String(proposal.start));

/**
 * Runs `batch(n)` with n doubling until one batch takes at least a second; returns checks per second.
 * @param {(n: number) => number} batch returns a count that depends on every check
 */
function measure(batch) {
  batch(1000); // warm-up (JIT, caches)
  for (let n = 1000; ; n *= 2) {
    const t0 = process.hrtime.bigint();
    const sink = batch(n);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (sink <= 0) throw new Error("the checks found nothing: the fixture is wrong");
    if (seconds >= 1 || n >= 1 << 26) return { n, seconds, perSecond: n / seconds, sink };
  }
}

const inside = measure((n) => calendar.benchValidate(proposal, n));
const perCall = measure((n) => {
  let findings = 0;
  for (let i = 0; i < n; i++) {
    const start = start0 + (i % 96) * QUARTER;
    findings += calendar.validateBooking({ visitType: proposal.visitType, start, now: proposal.now }).findings.length;
  }
  return findings;
});
if (inside.sink !== perCall.sink && inside.n === perCall.n) {
  throw new Error(`the two loops disagree: ${inside.sink} vs ${perCall.sink} findings`);
}

const native = Number(process.argv[2] ?? Number.NaN);
const wasmFile = join(__dirname, "../pkg-web/hms_wasm_bg.wasm");
const raw = statSync(wasmFile).size;
const gz = gzipSync(readFileSync(wasmFile), { level: 9 }).length;
const fmt = (/** @type {number} */ x) => Math.round(x).toLocaleString("en-US");
const rows = [
  ["native (Rust, release)", native],
  ["wasm, loop inside the module", inside.perSecond],
  ["wasm, one call per check from JS", perCall.perSecond],
];
console.log("slot validations per second (booking check of a 30-minute visit, 240 bookings):");
for (const [name, v] of rows) {
  const ratio = Number.isFinite(native) && typeof v === "number" ? `  (native/this ${(native / v).toFixed(2)}x)` : "";
  console.log(`  ${String(name).padEnd(34)} ${Number.isFinite(v) ? fmt(Number(v)).padStart(12) : "n/a".padStart(12)}${ratio}`);
}
console.log(`bundle: hms_wasm_bg.wasm ${fmt(raw)} bytes raw (${(raw / 1024).toFixed(1)} KB), ${fmt(gz)} bytes gzip (${(gz / 1024).toFixed(1)} KB)`);
if (Number.isFinite(native)) {
  const ratio = native / inside.perSecond;
  console.log(`target: wasm within 3x of native — ${ratio <= 3 ? "met" : "NOT met"} (${ratio.toFixed(2)}x)`);
}
calendar.free();
