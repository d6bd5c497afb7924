// @ts-check
// Invoice pricing beyond the shared vectors: decimals as strings only, the error fields in camelCase,
// coverage terms checked with their paths, amounts with the currency's places, and billing's
// vocabulary (its error codes, actions and resource kind).
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const hms = require("../../pkg-node/hms_wasm.js");

/** @type {hms.InvoiceLine} */
const consultation = {
  itemCode: "consult.gp",
  quantity: "1",
  unitPrice: "80.00",
  tax: { category: "E", percent: "0" },
  visitType: "new_patient",
};
/** @type {hms.InvoiceLine} */
const bandage = { itemCode: "otc.bandage", quantity: "2", unitPrice: "4.995", tax: { category: "S", percent: "20" }, taxInclusive: true };

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

test("a self-pay invoice adds up, with every amount in the currency's places", () => {
  // 2 × 4.995 = 9.99 tax-inclusive at 20 %: tax 9.99 × 20/120 = 1.665 → 1.67, net 8.32.
  const b = hms.priceInvoice({ currency: "GBP", rounding: "per_tax_category", lines: [consultation, bandage] });
  assert.equal(b.currency, "GBP");
  assert.deepEqual(
    b.lines.map((l) => [l.net, l.tax, l.gross, l.payer, l.patient, l.basis]),
    [
      ["80.00", "0.00", "80.00", "0.00", "80.00", "self_pay"],
      ["8.32", "1.67", "9.99", "0.00", "9.99", "self_pay"],
    ],
  );
  assert.deepEqual(b.taxes.map((t) => [t.category, t.percent, t.taxable, t.amount]), [
    ["E", "0", "80.00", "0.00"],
    ["S", "20", "8.32", "1.67"],
  ]);
  assert.equal(b.totals.gross, "89.99");
  assert.equal(b.totals.patient, "89.99");
});

test("a copay and an invoice discount: the payer's and the patient's shares", () => {
  const b = hms.priceInvoice({
    currency: "USD",
    rounding: "per_line",
    lines: [consultation],
    invoiceDiscount: { kind: "percent", value: "10" },
    coverage: {
      plan: { payer: "Acme Health", annualDeductible: "500.00", copays: { new_patient: "25.00" }, coinsurancePercent: "20" },
    },
  });
  // 80.00 − 10 % = 72.00; the patient pays the 25.00 copay, the payer the other 47.00.
  assert.deepEqual(
    [b.totals.invoiceDiscount, b.totals.gross, b.lines[0].copay, b.totals.patient, b.totals.payer, b.lines[0].basis],
    ["8.00", "72.00", "25.00", "25.00", "47.00", "copay"],
  );
});

test("a JavaScript number where a decimal belongs is invalid input at its field, like bad text", () => {
  const e = thrown(() =>
    hms.priceInvoice({
      currency: "USD",
      rounding: "per_line",
      // @ts-expect-error amounts are decimal strings: tsc fails without this line.
      lines: [{ ...consultation, unitPrice: 0.1 }, { ...consultation, quantity: "two" }],
    }),
  );
  assert.equal(e.name, "HmsError");
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(
    e.fields?.map((f) => [f.field, f.code]),
    [
      ["lines[0].unitPrice", "invalid_format"],
      ["lines[1].quantity", "invalid_format"],
    ],
  );
  assert.match(e.fields?.[1].message ?? "", /`two` is not a decimal number/);
});

test("bad coverage terms are listed under coverage, a visit type in a path kept as written", () => {
  const e = thrown(() =>
    hms.priceInvoice({
      currency: "USD",
      rounding: "per_line",
      lines: [consultation],
      coverage: {
        plan: { payer: "", annualDeductible: "-1", copays: { new_patient: "2.555" }, coinsurancePercent: "20" },
        usage: { deductibleUsed: "0", outOfPocketUsed: "0" },
      },
    }),
  );
  assert.equal(e.code, "invalid_input");
  assert.deepEqual(e.fields?.map((f) => f.field), [
    "coverage.plan.payer",
    "coverage.plan.annualDeductible",
    'coverage.plan.copays["new_patient"]',
  ]);
});

test("an input that is not an invoice, and an unknown currency", () => {
  // @ts-expect-error not an invoice
  const shape = thrown(() => hms.priceInvoice({ currency: "USD" }));
  assert.equal(shape.code, "invalid_input");
  assert.deepEqual(shape.fields?.map((f) => f.field), ["input"]);
  const currency = thrown(() => hms.priceInvoice({ currency: "ABC", rounding: "per_line", lines: [consultation] }));
  assert.equal(currency.code, "unknown_currency");
});

test("billing's vocabulary is known: its error codes, actions and resource kind", () => {
  const codes = hms.errorCodes();
  for (const c of ["gateway_failed", "immutable_invoice", "invalid_signature", "no_price", "not_chargeable", "over_credit", "over_refund", "overpayment"]) {
    assert.ok(codes.includes(/** @type {hms.HmsErrorCode} */ (c)), c);
  }
  const v = hms.accessVocabulary();
  assert.ok(v.actions.includes("issue") && v.actions.includes("refund"));
  assert.ok(v.resources.includes("price_list"));
});
