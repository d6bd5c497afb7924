// The database stores: a hospital on a SQLite file (`Hospital.open`) and on PostgreSQL
// (`Hospital.connect`) runs the same use cases as in memory, keeps its data across reopening,
// and lets exactly one of many simultaneous bookings of the same time through.
//
// PostgreSQL: the server is the one at HMS_TEST_POSTGRES_URL (`scripts/test-all` starts a
// throw-away server and exports it). Without the variable the PostgreSQL tests are skipped; with
// it, a server that cannot be reached fails them.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'

import { CLINIC, berlin, billingClinic, eur, hms, pharmacyClinic, populate, rejectsWith } from './support.mjs'

const { Hospital, Policy } = hms
const dir = mkdtempSync(join(tmpdir(), 'hms-node-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const PG_URL = process.env.HMS_TEST_POSTGRES_URL?.trim() || undefined
const pgSkip = PG_URL ? false : 'HMS_TEST_POSTGRES_URL is not set (scripts/test-all starts a server and sets it)'
let schemas = 0
const freshSchema = () => `hms_node_${process.pid}_${Date.now()}_${schemas++}`

/** Books, meets a double booking, and checks the audit chain, on any store. */
async function exercise(h, backend) {
  assert.equal(h.backend, backend)
  const c = await populate(h)
  const { desk, doctor, patients } = c
  const book = (p, start) => h.bookAppointment(desk, { patient: p.id, doctor: doctor.id, visitType: 'follow_up', start })
  const first = await book(patients[0], berlin(3, 9))
  const clash = await rejectsWith(book(patients[1], berlin(3, 9)), 'slot_conflict', 'slot_conflict')
  assert.deepEqual(clash.conflicts.map((x) => x.appointmentId), [first.id])
  await rejectsWith(h.registerPatient(desk, { name: { given: 'Asha', family: 'Rao' }, birthDate: '1988-04-12', sex: 'female', nationalId: '1234 5678 9012' }), 'duplicate', 'duplicate_patient')
  const link = await h.addCareTeamMember(desk, patients[2], doctor)
  assert.deepEqual((await h.careTeam(c.admin, patients[2])).map((l) => l.id), [link.id])
  const chain = await h.verifyAuditChain()
  assert.equal(chain.intact, true)
  assert.ok(chain.entries > 5)
  return { ...c, first }
}

/** Eight desks book the same time at once: the store lets exactly one through. */
async function race(h, { desk, doctor, patients }) {
  const attempts = Array.from({ length: 8 }, (_, i) =>
    h.bookAppointment(desk, { patient: patients[i % 3].id, doctor: doctor.id, visitType: 'follow_up', start: berlin(4, 10) }),
  )
  const results = await Promise.allSettled(attempts)
  const won = results.filter((r) => r.status === 'fulfilled')
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.reason?.code ?? 'booked')))
  for (const r of results.filter((r) => r.status === 'rejected')) assert.equal(r.reason.code, 'slot_conflict', r.reason.message)
}

test('SQLite: a hospital on a file runs the use cases and keeps its data when reopened', async () => {
  const file = join(dir, 'clinic.db')
  const opening = Hospital.open(file, CLINIC)
  assert.ok(opening instanceof Promise, 'opening a file is I/O, so it is a Promise')
  const h = await opening
  const c = await exercise(h, 'sqlite')
  const { admin, desk, patients, first } = c
  await race(h, c)

  const again = await Hospital.open(file, { ...CLINIC, seed: 8 })
  assert.equal(again.backend, 'sqlite')
  await rejectsWith(again.bootstrapAdmin('admin2'), 'forbidden', 'already_bootstrapped')
  assert.deepEqual(await again.appointment(desk, first.id), await h.appointment(desk, first.id))
  assert.equal((await again.searchPatients(desk, { text: 'asha' }))[0].id, patients[0].id)
  assert.deepEqual((await again.auditLog(admin)).map((e) => e.hash).slice(0, 3), (await h.auditLog(admin)).map((e) => e.hash).slice(0, 3))
  assert.equal((await again.verifyAuditChain()).intact, true)
})

test('SQLite: a file that is not a database, a bad option, or no schema to drop', async () => {
  const junk = join(dir, 'junk.db')
  writeFileSync(junk, 'this is not a database, it only has a database name'.repeat(100))
  await rejectsWith(Hospital.open(junk), 'storage', 'backend')
  const bad = await rejectsWith(Hospital.open(join(dir, 'other.db'), { zone: 'Mars/Olympus' }), 'invalid_input', 'validation')
  assert.deepEqual(bad.problems.map((p) => p.field), ['zone'])
  const h = await Hospital.open(join(dir, 'policy.db'), CLINIC, Policy.fromJson(JSON.stringify({ ...JSON.parse(Policy.hospitalDefault().toJson()), settings: { break_glass_max_minutes: 15 } })))
  assert.equal(h.policy.breakGlassMaxMinutes, 15)
  await rejectsWith(h.dropSchema(), 'invalid_input', 'validation')
  await rejectsWith(Hospital.inMemory().dropSchema(), 'invalid_input', 'validation')
})

test('PostgreSQL: a server that cannot be reached is a storage error, a bad schema name invalid input', async () => {
  await rejectsWith(Hospital.connect('postgresql://postgres@127.0.0.1:1/postgres', CLINIC), 'storage', 'backend')
  await rejectsWith(Hospital.connect('not a url'), 'storage', 'backend')
  if (PG_URL) await rejectsWith(Hospital.connect(PG_URL, CLINIC, undefined, 'Bad-Name'), 'invalid_input')
})

test('PostgreSQL: a hospital in its own schema runs the use cases, keeps its data, and refuses double booking under a race', { skip: pgSkip }, async () => {
  const schema = freshSchema()
  // A server that is down fails here, loudly: the variable says there is one.
  const h = await Hospital.connect(PG_URL, CLINIC, undefined, schema)
  try {
    const c = await exercise(h, 'postgres')
    const { desk, first } = c
    await race(h, c)
    const again = await Hospital.connect(PG_URL, { ...CLINIC, seed: 8 }, undefined, schema)
    assert.deepEqual(await again.appointment(desk, first.id), await h.appointment(desk, first.id))
    assert.equal((await again.verifyAuditChain()).intact, true)
  } finally {
    await h.dropSchema()
  }
  // The schema is gone: a new connection starts from an empty hospital.
  const fresh = await Hospital.connect(PG_URL, CLINIC, undefined, schema)
  await fresh.bootstrapAdmin('admin')
  await fresh.dropSchema()
})

/** A lab charge invoiced, issued, paid in part and refunded; the statement and the aging agree. */
async function billingFlow(h) {
  const { clerk, patients } = await billingClinic(h)
  const p = patients[1]
  await h.addCharge(clerk, { patient: p.id, source: { kind: 'manual', reference: 'LAB-1' }, itemCode: 'lab.cbc', quantity: '2' })
  const inv = await h.issueInvoice(clerk, await h.openInvoice(clerk, p))
  assert.deepEqual([inv.status, inv.breakdown.totals.gross], ['issued', eur('50.00')])
  const cash = await h.recordPayment(clerk, { patient: p.id, amount: eur('30.00'), method: { kind: 'cash' } })
  await rejectsWith(h.recordPayment(clerk, { patient: p.id, amount: eur('20.01'), method: { kind: 'cash' } }), 'overpayment')
  await h.refundPayment(clerk, cash, eur('10.00'), 'overcharged')
  await h.issueCreditNote(clerk, inv, [{ line: 0, amount: eur('5.00') }], 'goodwill')
  const st = await h.statement(clerk, p)
  assert.equal(st.balance.amount, '25.00')
  assert.equal((await h.agingReport(clerk)).patient.current.amount, '25.00')
  assert.deepEqual(await h.invoice(clerk, inv.id), (await h.patientInvoices(clerk, p))[0])
}

/** Stock received, dispensed first-expiry-first-out against a prescription, sold, returned. */
async function pharmacyFlow(h) {
  const { pharmacist, paracetamol, amoxicillin, receive, prescribe, dispense } = await pharmacyClinic(h)
  const june = await receive(amoxicillin, 'JUNE', '2026-06-30', 3)
  const dec = await receive(amoxicillin, 'DEC', '2026-12-31', 10)
  const rx = await prescribe(5)
  const d = await dispense(rx, 5)
  assert.deepEqual(d.lines.map((l) => [l.batch, l.quantity]), [[june.id, 3], [dec.id, 2]])
  await rejectsWith(dispense(rx, 1), 'refills_exhausted')
  await h.returnDispensed(pharmacist, { dispense: d.id, lines: [{ line: 1, quantity: 1 }], reason: 'unused' })
  await receive(paracetamol, 'P1', '2026-12-31', 20)
  await h.sellOverTheCounter(pharmacist, { location: 'main', lines: [{ drug: paracetamol.id, quantity: 5 }] })
  assert.deepEqual((await h.stockOnHand(pharmacist, amoxicillin)).map((b) => b.onHand).sort(), [0, 9])
  assert.equal((await h.stockValuation(pharmacist)).total.amount, '2.40')
  assert.deepEqual((await h.stockCard(pharmacist, dec)).map((e) => e.movement.kind.kind), ['receipt', 'dispense', 'return'])
}

test('SQLite: billing and pharmacy on a file', async () => {
  await billingFlow(await Hospital.open(join(dir, 'billing.db'), CLINIC))
  await pharmacyFlow(await Hospital.open(join(dir, 'pharmacy.db'), CLINIC))
})

test('PostgreSQL: billing and pharmacy in a schema of their own', { skip: pgSkip }, async () => {
  for (const flow of [billingFlow, pharmacyFlow]) {
    const h = await Hospital.connect(PG_URL, CLINIC, undefined, freshSchema())
    try {
      await flow(h)
    } finally {
      await h.dropSchema()
    }
  }
})
