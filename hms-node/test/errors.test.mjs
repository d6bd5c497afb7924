// Errors: every code of the core arrives through the binding as an `HmsError` with its code, kind
// and typed details, and the TypeScript `HmsErrorCode` union is exactly the core's code list.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import { asha, berlin, billingClinic, clinic, codesSeen, eur, hms, pharmacyClinic, rejectsWith, throwsWith } from './support.mjs'

const NOBODY = '00000000-0000-7000-8000-000000000404'

test('the HmsErrorCode union of index.d.ts is the core code list', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const union = dts.match(/export type HmsErrorCode = ([^\n]+)/)
  assert.ok(union, 'index.d.ts declares HmsErrorCode')
  const codes = [...union[1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1])
  assert.deepEqual(codes, hms.errorCodes())
  assert.deepEqual([...hms.errorCodes()].sort(), hms.errorCodes(), 'sorted')
  const kinds = [...dts.matchAll(/HmsErrorBase<'([a-z_]+)'/g)].map((m) => m[1])
  assert.deepEqual(new Set(kinds), new Set(hms.errorCodes()), 'the HmsError union has a member for every code')
})

test('the FieldCode union of index.d.ts is the core field code list', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const union = dts.match(/export type FieldCode = ([^\n]+)/)
  assert.deepEqual(new Set([...union[1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1])), new Set(hms.fieldCodes()))
})

test('isHmsError tells our errors from everything else', () => {
  assert.equal(hms.isHmsError(new Error('x')), false)
  assert.equal(hms.isHmsError(Object.assign(new Error('x'), { name: 'HmsError', code: 'nonsense' })), false)
  assert.equal(hms.isHmsError(Object.assign(new Error('x'), { name: 'HmsError', code: 'slot_conflict' })), true)
  for (const v of [null, undefined, 'slot_conflict', 42, {}]) assert.equal(hms.isHmsError(v), false)
})

test('errors are real Errors with a stack, and their details survive JSON', () => {
  const e = throwsWith(() => hms.intervalsOverlap({ start: '2026-03-02T10:00:00Z', end: '2026-03-02T09:00:00Z' }, { start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z' }), 'invalid_interval')
  assert.ok(e.stack.startsWith('Error') || e.stack.startsWith('HmsError'))
  assert.equal(String(e), `HmsError: ${e.message}`)
  assert.deepEqual(JSON.parse(JSON.stringify(e)), { name: 'HmsError', code: 'invalid_interval', kind: 'empty_interval', start: '2026-03-02T10:00:00.000Z', end: '2026-03-02T09:00:00.000Z' })
})

test('arguments of the wrong JavaScript type are napi type errors, not HmsErrors', () => {
  // TypeScript rejects these at compile time; at run time napi-rs stops them before the rules.
  assert.throws(() => hms.validatePatient({ ...asha, sex: 'f' }, '2026-03-02'), (e) => e.code === 'InvalidArg' && !hms.isHmsError(e))
  assert.throws(() => hms.normalizePhone(42), (e) => !hms.isHmsError(e))
})

test('every error code is produced through the binding', async () => {
  const { h, admin, desk, doctor, patients } = await clinic()
  const [p0, p1] = patients
  const book = (p, start, more = {}) => h.bookAppointment(desk, { patient: p.id, doctor: doctor.id, visitType: 'follow_up', start, ...more })
  const scenarios = {
    amount_overflow: () => {
      const e = throwsWith(() => hms.allocate(hms.money('100000000000000000000', 'USD'), ['10000000000', '1']), 'amount_overflow', 'amount_overflow')
      assert.deepEqual([e.amount, e.currency], ['100000000000000000000', 'USD'])
      return e
    },
    time_out_of_range: () => {
      const e = throwsWith(() => h.advance(10_000 * 366 * 24 * 60), 'time_out_of_range', 'time_out_of_range')
      assert.equal(e.from, new Date(h.now()).toISOString())
      return e
    },
    beyond_horizon: () => rejectsWith(book(p0, new Date('2026-04-10T07:00:00Z')), 'beyond_horizon', 'beyond_horizon'),
    currency_mismatch: () => throwsWith(() => hms.addMoney(hms.money('1', 'USD'), hms.money('1', 'EUR')), 'currency_mismatch'),
    duplicate: () => rejectsWith(h.registerPatient(desk, asha), 'duplicate', 'duplicate_patient'),
    forbidden: () => rejectsWith(h.hireStaff(desk, { name: { given: 'A', family: 'B' }, role: 'admin' }), 'forbidden', 'forbidden'),
    idempotency_mismatch: async () => {
      await book(p0, berlin(4, 9), { clientKey: 'k' })
      return rejectsWith(book(p0, berlin(4, 10), { clientKey: 'k' }), 'idempotency_mismatch')
    },
    in_past: () => rejectsWith(book(p0, berlin(2, 7)), 'in_past', 'in_past'),
    inactive: async () => {
      await h.deactivatePatient(desk, p1, 'moved away')
      return rejectsWith(book(p1, berlin(4, 11)), 'inactive', 'inactive')
    },
    invalid_input: () => rejectsWith(h.registerPatient(desk, { ...asha, phone: '12', nationalId: undefined }), 'invalid_input', 'validation'),
    invalid_interval: () => rejectsWith(h.patientAppointments(desk, p0, { start: berlin(3, 0), end: berlin(2, 0) }), 'invalid_interval'),
    invalid_policy: () => throwsWith(() => hms.Policy.fromJson('{"rules": [{"id": "x", "effect": "permit", "roles": ["wizard"], "actions": ["read"], "resources": ["staff"]}]}'), 'invalid_policy', 'invalid_policy'),
    invalid_transition: () => rejectsWith(h.reactivatePatient(admin, p0), 'invalid_transition', 'already_active'),
    lead_time: () => rejectsWith(book(p0, berlin(2, 8, 45)), 'lead_time', 'inside_lead_time'),
    no_resource: () => rejectsWith(book(p0, berlin(4, 10), { visitType: 'procedure' }), 'no_resource'),
    nonexistent_local_time: () => throwsWith(() => hms.localTimeToInstant('2026-03-29', '02:30', 'Europe/Berlin'), 'nonexistent_local_time'),
    not_found: () => rejectsWith(h.patient(desk, NOBODY), 'not_found'),
    outside_availability: async () => {
      const e = await rejectsWith(book(p0, berlin(2, 12, 0)), 'outside_availability')
      assert.deepEqual([e.doctorId, e.interval], [doctor.id, { start: '2026-03-02T11:00:00.000Z', end: '2026-03-02T11:15:00.000Z' }])
      return e
    },
    slot_conflict: async () => {
      await book(p0, berlin(4, 11, 30))
      return rejectsWith(book(patients[2], berlin(4, 11, 30)), 'slot_conflict')
    },
    unknown_currency: () => throwsWith(() => hms.roundMoney({ amount: '1', currency: 'ABC' }), 'unknown_currency'),
    visit_type_not_offered: () => rejectsWith(book(p0, berlin(4, 9), { visitType: 'acupuncture' }), 'visit_type_not_offered'),
  }
  // `storage`: a database that cannot be opened.
  scenarios.storage = () => rejectsWith(hms.Hospital.open('/nonexistent-dir/sub/hms.db'), 'storage', 'backend')
  for (const [code, run] of Object.entries(scenarios)) {
    const e = await run()
    assert.equal(e.code, code)
    assert.ok(e.kind !== 'unknown', `${code} has a known kind`)
  }
  const untested = hms.errorCodes().filter((c) => !codesSeen.has(c))
  assert.deepEqual(untested, ['batch_unusable', 'exceeds_dispensed', 'exceeds_prescription', 'gateway_failed', 'immutable_invoice', 'insufficient_stock', 'invalid_signature', 'no_price', 'not_chargeable', 'over_credit', 'over_refund', 'overpayment', 'prescription_required', 'refills_exhausted', 'reservation_expired'], 'billing and pharmacy are the next two tests')
})

test('every billing error code is produced through the binding', async () => {
  const { h, clerk, desk, doctor, patients } = await billingClinic()
  const p = patients[1]
  await h.addCharge(clerk, { patient: p.id, source: { kind: 'manual', reference: 'L' }, itemCode: 'lab.cbc', quantity: '1' })
  const inv = await h.issueInvoice(clerk, await h.openInvoice(clerk, p))
  const booked = await h.bookAppointment(desk, { patient: p.id, doctor: doctor.id, visitType: 'follow_up', start: berlin(2, 11) })
  const paid = await h.recordPayment(clerk, { patient: p.id, amount: eur('5.00'), method: { kind: 'cash' } })
  const gw = hms.PaymentGateway.memory('s')
  const scenarios = {
    immutable_invoice: () => rejectsWith(h.setDiscount(clerk, inv, null, null), 'immutable_invoice', 'immutable_invoice'),
    not_chargeable: () => rejectsWith(h.chargeAppointment(clerk, booked), 'not_chargeable', 'not_chargeable'),
    no_price: () => rejectsWith(h.addCharge(clerk, { patient: p.id, source: { kind: 'manual', reference: 'E' }, itemCode: 'lab.cbc', quantity: '1', serviceDate: '2025-01-01' }), 'no_price', 'no_price'),
    overpayment: () => rejectsWith(h.recordPayment(clerk, { patient: p.id, amount: eur('20.01'), method: { kind: 'cash' } }), 'overpayment', 'overpayment'),
    over_refund: () => rejectsWith(h.refundPayment(clerk, paid, eur('5.01'), 'r'), 'over_refund', 'over_refund'),
    over_credit: () => rejectsWith(h.issueCreditNote(clerk, inv, [{ line: 0 }], 'r'), 'over_credit', 'over_credit'),
    invalid_signature: () => rejectsWith(h.applyGatewayWebhook(gw, 'event=payment.succeeded', 'bad'), 'invalid_signature', 'invalid_signature'),
    gateway_failed: () => rejectsWith(h.createPaymentIntent(clerk, hms.PaymentGateway.refusing('s'), p, eur('1.00')), 'gateway_failed', 'gateway_failed'),
  }
  for (const [code, run] of Object.entries(scenarios)) {
    const e = await run()
    assert.equal(e.code, code)
    assert.deepEqual(JSON.parse(JSON.stringify({ ...e, message: e.message })).code, code, 'the details are plain JSON')
  }
})

test('every pharmacy error code is produced through the binding', async () => {
  const { h, pharmacist, patients, paracetamol, amoxicillin, receive, prescribe, dispense } = await pharmacyClinic()
  const short = await receive(amoxicillin, 'SHORT', '2026-03-03', 10)
  await receive(amoxicillin, 'LONG', '2026-12-31', 10)
  const rx = await prescribe(5)
  const d = await dispense(rx, 4)
  const r = await h.reserveStock(pharmacist, { patient: patients[0].id, drug: amoxicillin.id, location: 'main', quantity: 1, minutes: 1 })
  const scenarios = {
    exceeds_prescription: () => rejectsWith(dispense(rx, 2), 'exceeds_prescription', 'exceeds_prescription'),
    batch_unusable: () => rejectsWith(dispense(rx, 1, short), 'batch_unusable', 'batch_unusable'),
    prescription_required: () => rejectsWith(h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: amoxicillin.id, quantity: 1 }] }), 'prescription_required', 'prescription_required'),
    insufficient_stock: () => rejectsWith(h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: paracetamol.id, quantity: 1 }] }), 'insufficient_stock', 'insufficient_stock'),
    exceeds_dispensed: () => rejectsWith(h.returnDispensed(pharmacist, { dispense: d.id, lines: [{ line: 0, quantity: 5 }], reason: 'unused' }), 'exceeds_dispensed', 'exceeds_dispensed'),
    refills_exhausted: async () => {
      await dispense(rx, 1)
      return rejectsWith(dispense(rx, 1), 'refills_exhausted', 'refills_exhausted')
    },
    reservation_expired: async () => {
      h.advance(2)
      const rx2 = await prescribe(1)
      return rejectsWith(dispense(rx2, 1, undefined, { reservation: r.id }), 'reservation_expired', 'reservation_expired')
    },
  }
  for (const [code, run] of Object.entries(scenarios)) {
    const e = await run()
    assert.equal(e.code, code)
  }
  assert.deepEqual(hms.errorCodes().filter((c) => !codesSeen.has(c)), [], 'every code of the core was raised through the binding')
})
