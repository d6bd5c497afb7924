// The pharmacy through the binding: the pure first-expiry-first-out allocation, and every pharmacy
// use case of a hospital (catalog, goods receipt, recalls, transfers, adjustments, write-offs,
// prescriptions, dispensing, over-the-counter sales, returns, reservations, alerts, valuation).
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { CLINIC, eur, hms, pharmacyClinic, rejectsWith, throwsWith } from './support.mjs'

const id = (n) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const received = '2026-01-10T09:00:00Z'
const candidate = (n, expiry, available, more = {}) => ({ batch: id(n), expiry, receivedAt: received, available, ...more })

test('fefoAllocate: earliest usable expiry first, never a batch that would not last the course', () => {
  // 12 tablets for a course that ends on 10 March: batch 1 expires on 5 March and is skipped;
  // batch 2 (June) is emptied first, the rest comes from batch 3 (September).
  const plan = hms.fefoAllocate([candidate(3, '2026-09-30', 50), candidate(1, '2026-03-05', 40), candidate(2, '2026-06-30', 5)], 12, '2026-03-02', '2026-03-10')
  assert.deepEqual(plan, { picks: [{ batch: id(2), quantity: 5 }, { batch: id(3), quantity: 7 }], })
  // Recalled batches are skipped; a batch without expiry goes last.
  const later = hms.fefoAllocate([candidate(4, undefined, 10), candidate(5, '2026-12-31', 3, { recalled: true }), candidate(6, '2026-12-31', 2, { receivedAt: new Date(received) })], 4, '2026-03-02', '2026-03-02')
  assert.deepEqual(later.picks, [{ batch: id(6), quantity: 2 }, { batch: id(4), quantity: 2 }])
  assert.deepEqual(hms.fefoAllocate([], 0, '2026-03-02', '2026-03-02'), { picks: [], })
  const short = hms.fefoAllocate([candidate(1, '2026-03-05', 40), candidate(2, '2026-06-30', 5)], 12, '2026-03-02', '2026-03-10')
  assert.deepEqual(short, { picks: [], shortfall: { requested: 12, available: 5 } })
  const e = throwsWith(() => hms.fefoAllocate([candidate('x', '2026-02-30', 1, { receivedAt: 'soon' })], 1, 'today', '2026-03-02'), 'invalid_input', 'validation')
  assert.deepEqual(e.problems.map((p) => p.field), ['candidates[0].batch', 'candidates[0].expiry', 'candidates[0].receivedAt', 'today'])
})

test('the catalog: drugs with reorder rules by location', async () => {
  const { h, pharmacist, desk, paracetamol, amoxicillin } = await pharmacyClinic()
  assert.deepEqual(paracetamol.details.reorder, { main: { level: 50, quantity: 100 } })
  assert.deepEqual([amoxicillin.details.prescriptionOnly, amoxicillin.details.form, amoxicillin.version], [true, 'capsule', 1])
  assert.ok(paracetamol.addedAt instanceof Date)
  const updated = await h.updateDrug(pharmacist, paracetamol, { ...paracetamol.details, brand: 'Panadol', reorder: { ' Ward-3 ': { level: 5, quantity: 20 } } })
  assert.deepEqual([updated.details.brand, updated.details.reorder, updated.version], ['Panadol', { 'ward-3': { level: 5, quantity: 20 } }, 2])
  assert.deepEqual((await h.drugs(pharmacist)).map((d) => d.details.genericName).sort(), ['amoxicillin', 'paracetamol'])
  const bad = await rejectsWith(h.addDrug(pharmacist, { ...paracetamol.details, reorder: { 'ward 3': { level: 1, quantity: 1 } } }), 'invalid_input', 'validation')
  assert.deepEqual(bad.problems.map((p) => p.field), ['reorder.ward 3'])
  await rejectsWith(h.addDrug(desk, paracetamol.details), 'forbidden')
  await rejectsWith(h.updateDrug(pharmacist, id(404), paracetamol.details), 'not_found')
})

test('stock: orders, receipts, transfers, adjustments, write-offs, recalls and the ledger', async () => {
  const { h, pharmacist, paracetamol, receive } = await pharmacyClinic()
  const order = await h.orderStock(pharmacist, { drug: paracetamol.id, location: 'main', quantity: 100 })
  assert.deepEqual([order.quantity, order.location, order.receivedAt], [100, 'main', undefined])
  const a = await h.receiveStock(pharmacist, { drug: paracetamol.id, batchNumber: 'PA-1', supplier: 'Phoenix', expiry: '2026-12-31', quantity: 100, unitCost: eur('0.10'), salePrice: eur('0.30'), location: 'main', order: order.id })
  assert.deepEqual([a.batchNumber, a.expiry, a.receivedQuantity, a.unitCost, a.receivedAtLocation, a.order, a.recall], ['PA-1', '2026-12-31', 100, eur('0.10'), 'main', order.id, undefined])
  const dup = await rejectsWith(receive(paracetamol, 'PA-1', '2026-12-31', 1), 'duplicate', 'duplicate_batch')
  assert.deepEqual([dup.batchNumber, dup.existingId], ['PA-1', a.id])
  const moved = await h.transferStock(pharmacist, { batch: a.id, from: 'main', to: 'ward-3', quantity: 30 })
  assert.deepEqual(moved.map((e) => [e.movement.kind.kind, e.movement.location, e.movement.quantity]), [['transfer_out', 'main', -30], ['transfer_in', 'ward-3', 30]])
  assert.deepEqual([moved[0].movement.kind.to, moved[1].movement.kind.from], ['ward-3', 'main'])
  const short = await rejectsWith(h.transferStock(pharmacist, { batch: a.id, from: 'ward-3', to: 'main', quantity: 31 }), 'insufficient_stock', 'insufficient_stock')
  assert.deepEqual([short.batchId, short.location, short.requested, short.available], [a.id, 'ward-3', 31, 30])
  const counted = await h.adjustStock(pharmacist, a, 'ward-3', -2, 'count')
  assert.deepEqual([counted.movement.kind, counted.movement.quantity], [{ kind: 'adjustment', reason: 'count' }, -2])
  await rejectsWith(h.adjustStock(pharmacist, a, 'ward-3', 0, 'count'), 'invalid_input')
  const huge = await rejectsWith(h.adjustStock(pharmacist, a, 'ward-3', 5_000_000_000, 'count'), 'invalid_input')
  assert.deepEqual(huge.problems.map((p) => [p.field, p.code]), [['quantity', 'out_of_range']])
  const broken = await h.writeOffStock(pharmacist, a, 'ward-3', 3, 'damaged')
  assert.deepEqual([broken.movement.kind.kind, broken.movement.kind.reason, broken.movement.quantity], ['write_off', 'damaged', -3])
  await rejectsWith(h.writeOffStock(pharmacist, a, 'ward-3', undefined, 'expired'), 'invalid_input')
  const onHand = await h.stockOnHand(pharmacist, paracetamol)
  assert.deepEqual(onHand.map((b) => [b.location, b.onHand]).sort(), [['main', 70], ['ward-3', 25]])
  const card = await h.stockCard(pharmacist, a)
  assert.deepEqual(card.map((e) => e.movement.kind.kind), ['receipt', 'transfer_out', 'transfer_in', 'adjustment', 'write_off'])
  assert.ok(card.every((e, i) => i === 0 || e.seq > card[i - 1].seq))
  const recalled = await h.recallBatch(pharmacist, a, 'contaminated')
  assert.equal(recalled.recall.reason, 'contaminated')
  await rejectsWith(h.recallBatch(pharmacist, a, 'again'), 'invalid_transition', 'already_recalled')
  const gone = await h.writeOffStock(pharmacist, a, 'ward-3', null, 'recalled')
  assert.equal(gone.movement.quantity, -25)
  const value = await h.stockValuation(pharmacist)
  assert.deepEqual(value.lines.map((l) => [l.drug, l.onHand, l.value]), [[paracetamol.id, 70, eur('7.00')]])
  assert.deepEqual(value.total, eur('7.00'))
  const bad = await rejectsWith(h.transferStock(pharmacist, { batch: 'b', from: 'main', to: 'ward 3', quantity: 1 }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['batch', 'to'])
})

test('prescriptions: dispensed first-expiry-first-out, within the fill, then returned', async () => {
  const { h, pharmacist, sen, patients, amoxicillin, receive, prescribe, dispense } = await pharmacyClinic()
  const soon = await receive(amoxicillin, 'SOON', '2026-03-03', 10)
  const june = await receive(amoxicillin, 'JUNE', '2026-06-30', 3)
  const dec = await receive(amoxicillin, 'DEC', '2026-12-31', 10)
  const rx = await prescribe(5, 1)
  assert.deepEqual([rx.prescriber.length, rx.lines[0].refills, rx.lines[0].durationDays], [36, 1, 7])
  assert.deepEqual((await h.prescription(sen, rx)).id, rx.id)
  const first = await h.dispensePrescription(pharmacist, { prescription: rx.id, location: 'main', lines: [{ line: 0, quantity: 4 }] })
  // SOON expires before the 7-day course ends; JUNE is emptied before DEC.
  assert.deepEqual(first.lines.map((l) => [l.batch, l.quantity, l.fill, l.prescriptionLine]), [[june.id, 3, 0, 0], [dec.id, 1, 0, 0]])
  assert.deepEqual([first.total, first.patient, first.prescription], [eur('1.20'), patients[0].id, rx.id])
  const over = await rejectsWith(dispense(rx, 2), 'exceeds_prescription', 'exceeds_prescription')
  assert.deepEqual([over.prescriptionId, over.line, over.fill, over.requested, over.remaining], [rx.id, 0, 0, 2, 1])
  const unusable = await rejectsWith(dispense(rx, 1, soon), 'batch_unusable', 'batch_unusable')
  assert.deepEqual([unusable.batchId, unusable.problem], [soon.id, { kind: 'expires_too_soon', expiry: '2026-03-03', neededThrough: '2026-03-08' }])
  const back = await h.returnDispensed(pharmacist, { dispense: first.id, lines: [{ line: 0, quantity: 1 }], reason: 'unused' })
  assert.equal(back.lines[0].returned, 1)
  const tooMany = await rejectsWith(h.returnDispensed(pharmacist, { dispense: first.id, lines: [{ line: 1, quantity: 2 }], reason: 'unused' }), 'exceeds_dispensed', 'exceeds_dispensed')
  assert.deepEqual([tooMany.line, tooMany.requested, tooMany.remaining], [1, 2, 1])
  await dispense(rx, 2) // the fill is complete (the returned unit could be dispensed again)
  await dispense(rx, 5) // the refill
  const used = await rejectsWith(dispense(rx, 1), 'refills_exhausted', 'refills_exhausted')
  assert.deepEqual([used.line, used.fills], [0, 2])
  assert.equal((await h.prescriptionDispenses(pharmacist, rx)).length, 3)
  // Only the patient's care team reads their prescriptions; a doctor off it cannot prescribe.
  await rejectsWith(prescribe(1, 0, 7, patients[1]), 'forbidden')
  await rejectsWith(h.prescription(pharmacist, id(404)), 'not_found')
  const bad = await rejectsWith(h.writePrescription(sen, { patient: patients[0].id, lines: [{ drug: 'x', dose: '1', frequency: 'daily', durationDays: 1, quantity: 1 }] }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['lines[0].drug'])
})

test('over the counter: no prescription-only drugs, and only what is in stock', async () => {
  const { h, pharmacist, patients, paracetamol, amoxicillin, receive } = await pharmacyClinic()
  const req = await rejectsWith(h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: amoxicillin.id, quantity: 1 }] }), 'prescription_required', 'prescription_required')
  assert.equal(req.drugId, amoxicillin.id)
  const none = await rejectsWith(h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: paracetamol.id, quantity: 1 }] }), 'insufficient_stock', 'insufficient_stock')
  assert.deepEqual([none.drugId, none.batchId, none.requested, none.available], [paracetamol.id, undefined, 1, 0])
  await receive(paracetamol, 'P1', '2026-12-31', 20, '0.25')
  const sale = await h.sellOverTheCounter(pharmacist, { patient: patients[1].id, location: 'main', lines: [{ drug: paracetamol.id, quantity: 8 }] })
  assert.deepEqual([sale.patient, sale.prescription, sale.total, sale.lines[0].prescriptionLine], [patients[1].id, undefined, eur('2.00'), undefined])
  const anonymous = await h.sellOverTheCounter(pharmacist, { location: 'MAIN', lines: [{ drug: paracetamol.id, quantity: 1 }] })
  assert.deepEqual([anonymous.patient, anonymous.location], [undefined, 'main'])
})

test('chargeDispense: what the patient kept, from the dispense itself, charged once', async () => {
  const { h, admin, pharmacist, patients, paracetamol, receive } = await pharmacyClinic()
  await h.setPriceItem(admin, { code: 'medicine', name: 'Medicines', kind: 'medicine', versions: [{ effectiveFrom: '2026-01-01', price: { kind: 'from_source' }, tax: { category: 'E', percent: '0' } }] })
  await receive(paracetamol, 'P1', '2026-12-31', 20, '0.25')
  const sale = await h.sellOverTheCounter(pharmacist, { patient: patients[1].id, location: 'main', lines: [{ drug: paracetamol.id, quantity: 10 }] })
  await h.returnDispensed(pharmacist, { dispense: sale.id, lines: [{ line: 0, quantity: 2 }], reason: 'unused' })
  // 10 handed out, 2 given back: 8 tablets at 0.25.
  const charge = await h.chargeDispense(pharmacist, sale)
  assert.deepEqual([charge.itemCode, charge.kind, charge.quantity, charge.unitPrice, charge.source], ['medicine', 'medicine', '8', eur('0.25'), { kind: 'dispense', id: sale.id }])
  assert.equal((await h.chargeDispense(pharmacist, sale.id)).id, charge.id, 'a dispense is charged once')
  await rejectsWith(h.chargeDispense(pharmacist, id(404)), 'not_found')
  const anonymous = await h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: paracetamol.id, quantity: 1 }] })
  const e = await rejectsWith(h.chargeDispense(pharmacist, anonymous), 'invalid_input', 'validation')
  assert.deepEqual(e.problems.map((p) => p.field), ['dispense'])
})

test('reservations hold stock for a patient until used, released or lapsed', async () => {
  const { h, pharmacist, patients, amoxicillin, receive, prescribe, dispense } = await pharmacyClinic()
  const batch = await receive(amoxicillin, 'A1', '2026-12-31', 3)
  const held = await h.reserveStock(pharmacist, { patient: patients[0].id, drug: amoxicillin.id, location: 'main', quantity: 2, minutes: 30 })
  assert.deepEqual([held.status, held.lines, held.expiresAt.getTime() - held.createdAt.getTime()], ['active', [{ batch: batch.id, quantity: 2 }], 30 * 60_000])
  await rejectsWith(h.reserveStock(pharmacist, { patient: patients[1].id, drug: amoxicillin.id, location: 'main', quantity: 2 }), 'insufficient_stock')
  const released = await h.releaseReservation(pharmacist, held)
  assert.equal(released.status, 'released')
  const closed = await rejectsWith(h.releaseReservation(pharmacist, held.id), 'invalid_transition', 'reservation_closed')
  assert.deepEqual([closed.reservationId, closed.status], [held.id, 'released'])
  const rx = await prescribe(1)
  const r = await h.reserveStock(pharmacist, { patient: patients[0].id, drug: amoxicillin.id, location: 'main', quantity: 1, prescription: rx.id, minutes: 1 })
  h.advance(2)
  const lapsed = await rejectsWith(dispense(rx, 1, undefined, { reservation: r.id }), 'reservation_expired', 'reservation_expired')
  assert.deepEqual([lapsed.reservationId, lapsed.expiredAt], [r.id, r.expiresAt.toISOString()])
  const r2 = await h.reserveStock(pharmacist, { patient: patients[0].id, drug: amoxicillin.id, location: 'main', quantity: 1, prescription: rx.id })
  const used = await dispense(rx, 1, undefined, { reservation: r2.id })
  assert.equal(used.reservation, r2.id)
})

test('alerts and the alert sweep', async () => {
  const { h, pharmacist, paracetamol, amoxicillin, receive } = await pharmacyClinic()
  await receive(paracetamol, 'P1', '2026-04-30', 20)
  await receive(amoxicillin, 'A1', '2026-03-20', 5)
  const alerts = await h.stockAlerts(pharmacist)
  const low = alerts.find((a) => a.kind === 'low_stock')
  assert.deepEqual([low.drug, low.location, low.usable, low.reorderLevel, low.suggestedQuantity, low.onOrder], [paracetamol.id, 'main', 20, 50, 100, 0])
  const soon = alerts.filter((a) => a.kind === 'expiring_soon')
  assert.ok(soon.some((a) => a.drug === amoxicillin.id && a.earliestExpiry === '2026-03-20' && a.quantity === 5))
  // Time passes: amoxicillin expires on the shelf.
  h.setNow('2026-03-21T08:00:00Z')
  const changes = await h.sweepStockAlerts()
  assert.deepEqual(changes.raised.filter((a) => a.kind === 'expired').map((a) => [a.drug, a.batches.length, a.quantity]), [[amoxicillin.id, 1, 5]])
  assert.ok(changes.cleared.some((k) => k.kind === 'expiring_soon' && k.drug === amoxicillin.id))
  assert.deepEqual(await h.sweepStockAlerts(), { raised: [], cleared: [] })
})

test('a hospital runs its pharmacy with its own warning window, shelf life and hold time', async () => {
  const { h, pharmacist, patients, amoxicillin, receive, prescribe } = await pharmacyClinic(hms.Hospital.inMemory({ ...CLINIC, expiryWarningDays: 10, minShelfLifeDays: 30, reservationMinutes: 15 }))
  const april = await receive(amoxicillin, 'APR', '2026-04-01', 5)
  assert.deepEqual((await h.stockAlerts(pharmacist)).filter((a) => a.kind === 'expiring_soon'), [], 'April is beyond a 10-day window')
  const held = await h.reserveStock(pharmacist, { patient: patients[0].id, drug: amoxicillin.id, location: 'main', quantity: 1 })
  assert.equal(held.expiresAt.getTime() - held.createdAt.getTime(), 15 * 60_000)
  await h.releaseReservation(pharmacist, held)
  // A 7-day course must stay usable 30 more days: April 1 is too soon.
  const rx = await prescribe(1)
  const e = await rejectsWith(h.dispensePrescription(pharmacist, { prescription: rx.id, location: 'main', lines: [{ line: 0, quantity: 1, batch: april.id }] }), 'batch_unusable')
  assert.equal(e.problem.kind, 'expires_too_soon')
})
