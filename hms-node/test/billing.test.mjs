// Billing through the binding: the pure invoice pricing, and every billing use case of a hospital
// (price list, coverage, charges, invoices, credit notes, payments, refunds, gateway payments,
// statements, aging, reminders) with money as exact decimal strings.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { CLINIC, PRICE_LIST, berlin, billingClinic, eur, hms, rejectsWith, throwsWith } from './support.mjs'

const { PaymentGateway } = hms
const line = (itemCode, quantity, amount, more = {}) => ({ itemCode, quantity, unitPrice: eur(amount), tax: { category: 'S', percent: '19' }, ...more })

test('priceInvoice: exact decimal lines that add up to the totals, rounded half-up', () => {
  const b = hms.priceInvoice({ currency: 'EUR', lines: [line('a', '3', '0.10'), line('b', '1', '0.05'), line('c', '1', '0.05')] })
  assert.equal(b.currency, 'EUR')
  assert.equal(b.rounding, 'per_tax_category')
  assert.deepEqual(b.lines.map((l) => l.net.amount), ['0.30', '0.05', '0.05'])
  // One category at 19 %: 0.40 × 0.19 = 0.076 → 0.08, spread back over the lines.
  assert.equal(b.totals.tax.amount, '0.08')
  assert.equal(b.lines.reduce((s, l) => s + Math.round(Number(l.tax.amount) * 100), 0), 8)
  assert.deepEqual(b.taxes, [{ tax: { category: 'S', percent: '19' }, taxable: eur('0.40'), amount: eur('0.08') }])
  assert.equal(b.totals.gross.amount, '0.48')
  assert.equal(typeof b.totals.gross.amount, 'string', 'money is never a JS number')
  // Per line, each line's tax is rounded on its own: 0.057 + 0.0095 + 0.0095 → 0.06 + 0.01 + 0.01.
  const perLine = hms.priceInvoice({ currency: 'EUR', rounding: 'per_line', lines: [line('a', '3', '0.10'), line('b', '1', '0.05'), line('c', '1', '0.05')] })
  assert.equal(perLine.totals.tax.amount, '0.08')
  assert.deepEqual(perLine.lines.map((l) => l.tax.amount), ['0.06', '0.01', '0.01'])
})

test('priceInvoice: discounts and a coverage plan split every line between payer and patient', () => {
  const plan = { payer: 'Acme', currency: 'EUR', annualDeductible: eur('50.00'), coinsurancePercent: '20', notCovered: ['tv'] }
  const b = hms.priceInvoice({
    currency: 'EUR',
    lines: [
      line('lab', '1', '100.00', { tax: { category: 'E', percent: '0' }, discount: { kind: 'percent', percent: '10' } }),
      line('tv', '2', '5.00', { tax: { category: 'E', percent: '0' } }),
    ],
    invoiceDiscount: { kind: 'amount', amount: eur('10.00') },
    coverage: { plan },
  })
  const [lab, tv] = b.lines
  assert.equal(lab.lineDiscount.amount, '10.00')
  assert.equal(b.totals.invoiceDiscount.amount, '10.00')
  assert.equal(tv.share.basis, 'not_covered')
  assert.equal(tv.share.payer.amount, '0.00')
  assert.equal(lab.share.basis, 'deductible_coinsurance')
  for (const l of b.lines) assert.equal(Number(l.share.payer.amount) + Number(l.share.patient.amount), Number(l.gross.amount))
  assert.equal(Number(b.totals.payer.amount) + Number(b.totals.patient.amount), Number(b.totals.gross.amount))
  // With usage the deductible is already met: the whole line is coinsurance.
  const met = hms.priceInvoice({ currency: 'EUR', lines: [line('lab', '1', '100.00', { tax: { category: 'E', percent: '0' } })], coverage: { plan, usage: { deductibleUsed: eur('50.00'), outOfPocketUsed: eur('50.00') } } })
  assert.deepEqual([met.lines[0].share.deductible.amount, met.lines[0].share.coinsurance.amount, met.lines[0].share.payer.amount], ['0.00', '20.00', '80.00'])
})

test('priceInvoice: unreadable fields are listed by path; bad figures are the core errors', () => {
  const e = throwsWith(() => hms.priceInvoice({ currency: 'EUR', lines: [line('a', 'two', '1.00'), line('b', '1', '1.00', { discount: { kind: 'percent' } })] }), 'invalid_input', 'validation')
  assert.deepEqual(e.problems.map((p) => [p.field, p.code]), [['lines[0].quantity', 'invalid_format'], ['lines[1].discount.percent', 'required']])
  throwsWith(() => hms.priceInvoice({ currency: 'XYZ', lines: [] }), 'unknown_currency', 'unknown_currency')
  throwsWith(() => hms.priceInvoice({ currency: 'EUR', lines: [line('a', '1', '1.00', { unitPrice: eur('1.00'), discount: { kind: 'amount', amount: { amount: '1', currency: 'ABC' } } })] }), 'unknown_currency')
  throwsWith(() => hms.priceInvoice({ currency: 'EUR', lines: [line('a', '1', '1.00', { unitPrice: { amount: '1.00', currency: 'USD' } })] }), 'currency_mismatch')
})

test('the price list and coverage plans', async () => {
  const { h, clerk, desk } = await billingClinic()
  const list = await h.priceList(clerk)
  assert.deepEqual(list.map((i) => i.code), PRICE_LIST.map((i) => i.code).sort())
  const cbc = list.find((i) => i.code === 'lab.cbc')
  assert.deepEqual(cbc.versions[0], { effectiveFrom: '2026-01-01', price: { kind: 'fixed', amount: eur('25.00') }, tax: { category: 'E', percent: '0' }, taxInclusive: false })
  // A price change is a new version from today on; the version in force is history.
  const raised = await h.setPriceItem(clerk, { ...PRICE_LIST[1], versions: [...PRICE_LIST[1].versions, { effectiveFrom: '2026-04-01', price: { kind: 'fixed', amount: eur('27.50') }, tax: { category: 'E', percent: '0' } }] })
  assert.equal(raised.versions.length, 2)
  const rewritten = await rejectsWith(h.setPriceItem(clerk, { ...PRICE_LIST[1], versions: [{ ...PRICE_LIST[1].versions[0], price: { kind: 'fixed', amount: eur('1.00') } }] }), 'invalid_input', 'validation')
  assert.ok(rewritten.problems.length > 0)
  const bad = await rejectsWith(h.setPriceItem(clerk, { ...PRICE_LIST[1], versions: [{ effectiveFrom: '2026-13-01', price: { kind: 'doctor_fee' }, tax: { category: 'E', percent: 'x' } }] }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['versions[0].effectiveFrom', 'versions[0].price.percent', 'versions[0].tax.percent'])
  await rejectsWith(h.setPriceItem(desk, PRICE_LIST[1]), 'forbidden', 'forbidden')
  const plan = await h.setCoveragePlan(clerk, { payer: 'Acme Health', plan: 'Gold', currency: 'EUR', annualDeductible: eur('0.00'), coinsurancePercent: '10' })
  assert.deepEqual([plan.plan, plan.copays, plan.notCovered, plan.outOfPocketMax], ['Gold', {}, [], undefined])
})

test('a visit from charge to a paid, refunded and credited invoice', async () => {
  const { h, admin, clerk, desk, doctor, patients } = await billingClinic()
  const [insured, selfPay] = patients
  const visit = await h.bookAppointment(desk, { patient: selfPay.id, doctor: doctor.id, visitType: 'follow_up', start: berlin(2, 9, 0) })
  h.setNow(berlin(2, 9, 20))
  await h.changeStatus(desk, visit, 'arrived')
  await h.changeStatus(desk, visit, 'fulfilled')
  const consult = await h.chargeAppointment(clerk, visit)
  assert.deepEqual([consult.itemCode, consult.kind, consult.unitPrice, consult.visitType, consult.serviceDate], ['consultation.follow_up', 'consultation', eur('40.00'), 'follow_up', '2026-03-02'])
  assert.ok(consult.createdAt instanceof Date)
  assert.equal((await h.chargeAppointment(clerk, visit.id)).id, consult.id, 'a visit is charged once')
  const lab = await h.addCharge(clerk, { patient: selfPay.id, source: { kind: 'manual', reference: 'LAB-1' }, itemCode: 'lab.cbc', quantity: '1' })
  assert.deepEqual(lab.source, { kind: 'manual', reference: 'LAB-1' })
  const tv = await h.addCharge(clerk, { patient: selfPay.id, source: { kind: 'bed_day', admission: '00000000-0000-7000-8000-000000000001', date: '2026-03-02' }, itemCode: 'amenity.tv', quantity: '2' })
  assert.equal(tv.taxInclusive, true)

  const draft = await h.openInvoice(clerk, selfPay)
  assert.deepEqual([draft.status, draft.kind.kind, draft.number, draft.breakdown], ['draft', 'invoice', undefined, undefined])
  assert.deepEqual(draft.lines.map((l) => l.charge), [consult.id, lab.id, tv.id])
  const discounted = await h.setDiscount(clerk, draft, 1, { kind: 'percent', percent: '10' })
  assert.deepEqual(discounted.lines[1].discount, { kind: 'percent', percent: '10' })
  const wholeOff = await h.setDiscount(clerk, draft, null, { kind: 'amount', amount: eur('1.00') })
  assert.deepEqual(wholeOff.invoiceDiscount, { kind: 'amount', amount: eur('1.00') })
  const preview = await h.invoiceBreakdown(clerk, draft)
  // 40.00 + (25.00 − 2.50) + 8.00 (tax included) − 1.00 = 69.50
  assert.equal(preview.totals.gross.amount, '69.50')
  const issued = await h.issueInvoice(clerk, draft)
  assert.equal(issued.status, 'issued')
  assert.match(issued.number, /\d/)
  assert.deepEqual([issued.issueDate, issued.breakdown.totals.patient.amount], ['2026-03-02', '69.50'])
  assert.ok(issued.dueDate > issued.issueDate)
  assert.deepEqual(issued.history.map((c) => [c.from, c.to]), [[undefined, 'draft'], ['draft', 'issued']])
  assert.deepEqual((await h.invoiceBreakdown(clerk, issued)).totals, issued.breakdown.totals)
  assert.deepEqual((await h.invoice(clerk, issued.id)).number, issued.number)
  await rejectsWith(h.setDiscount(clerk, issued, null, null), 'immutable_invoice', 'immutable_invoice')
  await rejectsWith(h.issueInvoice(clerk, issued), 'invalid_transition', 'invoice_transition')

  const cash = await h.recordPayment(clerk, { patient: selfPay.id, amount: eur('30.00'), method: { kind: 'cash' } })
  assert.deepEqual(cash.allocations.map((a) => [a.invoice, a.amount, Number(a.refunded.amount)]), [[issued.id, eur('30.00'), 0]])
  const card = await h.recordPayment(clerk, { patient: selfPay.id, amount: eur('10.00'), method: { kind: 'card' }, externalReference: 'TRM-1', allocation: { kind: 'explicit', parts: [{ invoice: issued.id, amount: eur('10.00') }] } })
  assert.equal((await h.recordPayment(clerk, { patient: selfPay.id, amount: eur('10.00'), method: { kind: 'card' }, externalReference: 'TRM-1' })).id, card.id, 'a reference is recorded once')
  await rejectsWith(h.recordPayment(clerk, { patient: selfPay.id, amount: eur('11.00'), method: { kind: 'card' }, externalReference: 'TRM-1' }), 'idempotency_mismatch', 'reference_reused')
  const over = await rejectsWith(h.recordPayment(clerk, { patient: selfPay.id, amount: eur('29.51'), method: { kind: 'cash' } }), 'overpayment', 'overpayment')
  assert.deepEqual([over.amount, over.due], [eur('29.51'), eur('29.50')])
  const refunded = await h.refundPayment(clerk, cash, eur('5.00'), 'overcharged', 'RF-1')
  assert.deepEqual(refunded.refunds.map((r) => [r.amount, r.reason, r.externalReference, r.allocations]), [[eur('5.00'), 'overcharged', 'RF-1', [{ invoice: issued.id, amount: eur('5.00') }]]])
  const tooMuch = await rejectsWith(h.refundPayment(clerk, cash.id, eur('25.01'), 'again'), 'over_refund', 'over_refund')
  assert.deepEqual([tooMuch.paymentId, tooMuch.refundable], [cash.id, eur('25.00')])
  // Both at the same instant of the test clock: oldest first, then by id.
  assert.deepEqual((await h.patientPayments(clerk, selfPay)).map((p) => p.id).sort(), [cash.id, card.id].sort())

  const note = await h.issueCreditNote(clerk, issued, [{ line: 0, amount: eur('4.00') }], 'follow-up was short')
  assert.deepEqual([note.kind.kind, note.kind.original, note.kind.reason, note.lines[0].creditsLine], ['credit_note', issued.id, 'follow-up was short', 0])
  const overCredit = await rejectsWith(h.issueCreditNote(clerk, issued, [{ line: 0 }], 'all of it'), 'over_credit', 'over_credit')
  assert.equal(overCredit.invoiceId, issued.id)
  assert.deepEqual((await h.patientInvoices(clerk, selfPay)).map((i) => i.id).sort(), [issued.id, note.id].sort())

  const st = await h.statement(clerk, selfPay)
  assert.deepEqual(st.entries.map((e) => e.kind).sort(), ['credit_note', 'invoice', 'payment', 'payment', 'refund'])
  // 69.50 − 30 − 10 + 5 − 4 = 30.50
  assert.deepEqual([st.balance, st.asOf, st.aging.current, Number(st.payerPending.amount)], [eur('30.50'), '2026-03-02', eur('30.50'), 0])
  assert.ok(st.entries[0].at instanceof Date)
  const aging = await h.agingReport(clerk)
  assert.deepEqual([aging.openInvoices, aging.patient.current, Number(aging.patient.days31To60.amount), Number(aging.payer.over90.amount)], [1, eur('30.50'), 0, 0])
  await rejectsWith(h.agingReport(desk), 'forbidden')

  // A draft is cancelled, its charges go on the next one.
  await h.addCharge(clerk, { patient: insured.id, source: { kind: 'manual', reference: 'LAB-2' }, itemCode: 'lab.cbc', quantity: '4' })
  const other = await h.openInvoice(clerk, insured)
  const cancelled = await h.voidInvoice(clerk, other, 'cancelled', 'wrong patient')
  assert.deepEqual([cancelled.status, cancelled.history.at(-1).reason], ['cancelled', 'wrong patient'])
  const next = await h.openInvoice(clerk, insured)
  assert.equal(next.lines.length, 1)
  // The insured patient's invoice is split with Acme Health: the deductible first.
  const insuredInvoice = await h.issueInvoice(clerk, next)
  assert.deepEqual([insuredInvoice.coverage.payer, insuredInvoice.coverage.memberId, insuredInvoice.breakdown.lines[0].share.basis], ['Acme Health', 'ACM-778812', 'deductible_coinsurance'])
  const remittance = await h.recordPayment(clerk, { patient: insured.id, amount: insuredInvoice.breakdown.totals.payer, method: { kind: 'insurance_remittance' } })
  // 100.00: the 50.00 deductible, then 20 % of the rest from the patient; Acme Health pays 40.00.
  assert.deepEqual([remittance.method, remittance.amount], [{ kind: 'insurance_remittance' }, eur('40.00')])

  // The due-date reminders: three days before the due date, once.
  h.setNow(new Date(new Date(`${issued.dueDate}T08:00:00Z`).getTime() - 2 * 86_400_000))
  const reminded = await h.sendDueReminders()
  assert.ok(reminded.includes(issued.id))
  assert.deepEqual(await h.sendDueReminders(), [])
  assert.deepEqual((await h.invoice(admin, issued)).reminders, ['upcoming'])
})

test('charging rules: only fulfilled visits, prices in force, one source one charge', async () => {
  const { h, clerk, desk, doctor, patients } = await billingClinic()
  const booked = await h.bookAppointment(desk, { patient: patients[1].id, doctor: doctor.id, visitType: 'follow_up', start: berlin(2, 11, 0) })
  const e = await rejectsWith(h.chargeAppointment(clerk, booked), 'not_chargeable', 'not_chargeable')
  assert.deepEqual([e.appointmentId, e.status], [booked.id, 'booked'])
  const early = await rejectsWith(h.addCharge(clerk, { patient: patients[1].id, source: { kind: 'manual', reference: 'E' }, itemCode: 'lab.cbc', quantity: '1', serviceDate: '2025-01-01' }), 'no_price', 'no_price')
  assert.deepEqual([early.item, early.date], ['lab.cbc', '2025-01-01'])
  await h.addCharge(clerk, { patient: patients[1].id, source: { kind: 'manual', reference: 'X' }, itemCode: 'lab.cbc', quantity: '1' })
  await rejectsWith(h.addCharge(clerk, { patient: patients[1].id, source: { kind: 'manual', reference: 'X' }, itemCode: 'lab.cbc', quantity: '2' }), 'idempotency_mismatch', 'reference_reused')
  const bad = await rejectsWith(h.addCharge(clerk, { patient: 'P-1', source: { kind: 'appointment' }, itemCode: 'lab.cbc', quantity: 'one', unitPrice: eur('x') }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['patient', 'source.id', 'quantity', 'unitPrice.amount'])
  const empty = await h.openInvoice(clerk, patients[2])
  await rejectsWith(h.issueInvoice(clerk, empty), 'invalid_input')
  await rejectsWith(h.voidInvoice(clerk, empty, 'cancelled', '  '), 'invalid_input')
})

test('online payments through a gateway: intent, signed webhook, applied once', async () => {
  const { h, clerk, patients } = await billingClinic()
  const p = patients[1]
  await h.addCharge(clerk, { patient: p.id, source: { kind: 'manual', reference: 'L' }, itemCode: 'lab.cbc', quantity: '1' })
  await h.issueInvoice(clerk, await h.openInvoice(clerk, p))
  const gw = PaymentGateway.memory('whsec')
  assert.equal(gw.provider, 'memory')
  const intent = await h.createPaymentIntent(clerk, gw, p, eur('25.00'))
  assert.deepEqual([intent.provider, intent.patient, intent.amount], ['memory', p.id, eur('25.00')])
  assert.ok(intent.clientSecret.startsWith(intent.id))
  await rejectsWith(h.createPaymentIntent(clerk, gw, p, eur('25.01')), 'overpayment')
  const failed = await rejectsWith(h.createPaymentIntent(clerk, PaymentGateway.refusing('whsec'), p, eur('1.00')), 'gateway_failed', 'gateway_failed')
  assert.equal(failed.provider, 'memory')
  const { payload, signature } = gw.succeededWebhook(intent, 'ch_1')
  assert.equal(signature, gw.sign(payload))
  const paid = await h.applyGatewayWebhook(gw, payload, signature)
  assert.deepEqual([paid.method, paid.externalReference, paid.recordedBy, paid.amount], [{ kind: 'gateway', provider: 'memory' }, 'ch_1', undefined, eur('25.00')])
  assert.equal((await h.applyGatewayWebhook(gw, Buffer.from(payload), signature)).id, paid.id, 'a webhook delivered twice pays once')
  const other = 'event=payment.failed\n'
  assert.equal(await h.applyGatewayWebhook(gw, other, gw.sign(other)), null)
  const forged = await rejectsWith(h.applyGatewayWebhook(gw, payload, 'bad'), 'invalid_signature', 'invalid_signature')
  assert.equal(forged.provider, 'memory')
  const unreadable = 'event=payment.succeeded\n'
  await rejectsWith(h.applyGatewayWebhook(gw, unreadable, gw.sign(unreadable)), 'gateway_failed')
  assert.equal((await h.statement(clerk, p)).balance.amount, '0.00')
  assert.equal((await h.invoice(clerk, paid.allocations[0].invoice)).status, 'balanced')
})

test('a hospital bills with its own payment terms and rounding', async () => {
  const { h, clerk, patients } = await billingClinic(hms.Hospital.inMemory({ ...CLINIC, paymentTermsDays: 14, invoiceRounding: 'per_line' }))
  await h.addCharge(clerk, { patient: patients[1].id, source: { kind: 'manual', reference: 'TV' }, itemCode: 'amenity.tv', quantity: '3' })
  const inv = await h.issueInvoice(clerk, await h.openInvoice(clerk, patients[1]))
  assert.deepEqual([inv.rounding, inv.breakdown.rounding, inv.issueDate, inv.dueDate], ['per_line', 'per_line', '2026-03-02', '2026-03-16'])
})
