// Shared fixtures of the Node suite: the addon, a Berlin clinic, and helpers for errors.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** The addon, loaded the way users load it (the package's `main`). */
export const hms = require('..')

/** Monday 2 March 2026, 08:00 in Berlin (CET, UTC+1). */
export const NOW = '2026-03-02T07:00:00Z'

/** An instant on a March 2026 day before the clocks change, given as Berlin wall-clock time. */
export const berlin = (day, hour, minute = 0) => new Date(Date.UTC(2026, 2, day, hour - 1, minute))

/** Dr Sen's template: Monday to Friday 09:00–12:00 in Berlin, 15-minute grid, one-hour lead time,
 * 30-day horizon; follow-ups (15 min), new patients (30 min + 5 min buffer) and procedures
 * (30 min, need a procedure room). */
export function template(doctor, changes = {}) {
  return {
    doctor,
    zone: 'Europe/Berlin',
    location: 'outpatient clinic, room 4',
    weeklyHours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((weekday) => ({ weekday, start: '09:00', end: '12:00' })),
    effectiveFrom: '2026-01-01',
    slotMinutes: 15,
    visitTypes: [
      { code: 'follow_up', name: 'Follow-up', minutes: 15 },
      { code: 'new_patient', name: 'New patient', minutes: 30, bufferMinutes: 5 },
      { code: 'procedure', name: 'Procedure', minutes: 30, requiredResourceKinds: ['procedure_room'] },
    ],
    leadTimeMinutes: 60,
    horizonDays: 30,
    ...changes,
  }
}

export const asha = {
  name: { given: 'Asha', family: 'Rao' },
  birthDate: '1988-04-12',
  sex: 'female',
  phone: '+49 30 1234567',
  nationalId: '1234 5678 9012',
}

/** The options of the test clinics: Berlin, euros, the clock at `NOW`, reproducible ids. */
export const CLINIC = { name: 'Charité Ambulanz', zone: 'Europe/Berlin', currency: 'EUR', now: NOW, seed: 7 }

/** A clinic with an admin, a front desk account, Dr Sen (available) and three patients. */
export async function clinic(options = {}, policy = undefined) {
  return populate(hms.Hospital.inMemory({ ...CLINIC, ...options }, policy))
}

/** Sets up the clinic of `clinic()` in hospital `h`, whatever its store. */
export async function populate(h) {
  const admin = await h.bootstrapAdmin('admin')
  const doctor = await h.hireStaff(admin, {
    name: { given: 'Mira', family: 'Sen' },
    role: 'doctor',
    licenseNumber: 'md-1001',
    doctor: { specialization: 'Cardiology', consultationFee: { amount: '80.00', currency: 'EUR' } },
  })
  const clerk = await h.hireStaff(admin, { name: { given: 'Jonas', family: 'Weber' }, role: 'receptionist' })
  const desk = await h.openAccount(admin, { login: 'desk', person: { kind: 'staff', id: clerk.id }, roles: ['receptionist'] })
  await h.setAvailability(admin, doctor, [template(doctor.id)])
  const patients = await h.registerPatients(desk, [
    asha,
    { name: { given: 'Ravi', family: 'Iyer' }, birthDate: '1975-11-02', sex: 'male' },
    { name: { given: 'Lena', family: 'Vogel' }, birthDate: '2001-06-30', sex: 'female' },
  ])
  return { h, admin, doctor, clerk, desk, patients }
}

/** Asserts that `promise` rejects with an `HmsError` of `code` (and `kind`), and returns it. */
export async function rejectsWith(promise, code, kind) {
  assert.ok(promise instanceof Promise, 'a use case returns a Promise')
  let error
  await assert.rejects(promise, (e) => {
    error = e
    return true
  })
  assertHmsError(error, code, kind)
  return error
}

/** Asserts that `fn()` throws an `HmsError` of `code` (and `kind`), and returns it. */
export function throwsWith(fn, code, kind) {
  let error
  assert.throws(fn, (e) => {
    error = e
    return true
  })
  assertHmsError(error, code, kind)
  return error
}

export function assertHmsError(error, code, kind) {
  assert.ok(error instanceof Error, `an Error, got ${error}`)
  assert.ok(hms.isHmsError(error), `an HmsError, got ${error?.name}: ${error?.message}`)
  assert.equal(error.name, 'HmsError')
  assert.equal(error.code, code, error.message)
  if (kind !== undefined) assert.equal(error.kind, kind, error.message)
  assert.ok(error.message.length > 0 && !error.message.endsWith('.') && !error.message.includes('\n'))
  codesSeen.add(error.code)
}

/** Every code raised through the binding in this process (see errors.test.mjs). */
export const codesSeen = new Set()

/** Euros. */
export const eur = (amount) => ({ amount, currency: 'EUR' })

const exempt = { category: 'E', percent: '0' }

/** The clinic's price list: consultations at a share of the doctor's fee, a blood count, and a
 * television (standard rate, not covered by insurance). */
export const PRICE_LIST = [
  { code: 'consultation.follow_up', name: 'Consultation, follow-up', kind: 'consultation', versions: [{ effectiveFrom: '2026-01-01', price: { kind: 'doctor_fee', percent: '50' }, tax: exempt }] },
  { code: 'lab.cbc', name: 'Complete blood count', kind: 'lab_test', versions: [{ effectiveFrom: '2026-01-01', price: { kind: 'fixed', amount: eur('25.00') }, tax: exempt }] },
  { code: 'amenity.tv', name: 'Television', kind: 'other', versions: [{ effectiveFrom: '2026-01-01', price: { kind: 'fixed', amount: eur('4.00') }, tax: { category: 'S', percent: '19' }, taxInclusive: true }] },
]

/** Acme Health's Silver plan: 50 € deductible, 20 % coinsurance, 1500 € out-of-pocket cap. */
export const SILVER = {
  payer: 'Acme Health', plan: 'Silver', currency: 'EUR', annualDeductible: eur('50.00'), copays: { new_patient: eur('20.00') },
  coinsurancePercent: '20', outOfPocketMax: eur('1500.00'), notCovered: ['amenity.tv'],
}

/** The clinic of `clinic()` with a billing clerk, the price list and the Silver plan, patient 0
 * insured with it; on any store when `h` is given. */
export async function billingClinic(h = undefined) {
  const c = h ? await populate(h) : await clinic()
  const { admin, patients } = c
  const clerkStaff = await c.h.hireStaff(admin, { name: { given: 'Karl', family: 'Brandt' }, role: 'billing_clerk' })
  const clerk = await c.h.openAccount(admin, { login: 'clerk', person: { kind: 'staff', id: clerkStaff.id }, roles: ['billing_clerk'] })
  for (const item of PRICE_LIST) await c.h.setPriceItem(clerk, item)
  await c.h.setCoveragePlan(clerk, SILVER)
  const { details } = await c.h.patient(admin, patients[0])
  await c.h.updatePatient(admin, patients[0], { ...details, insurance: [{ payer: 'Acme Health', memberId: 'ACM-778812', plan: 'Silver', validFrom: '2026-01-01' }] })
  return { ...c, clerk }
}

/** The clinic of `clinic()` with a pharmacist, Dr Sen's account (on patient 0's care team), and
 * two drugs: paracetamol (over the counter, reorder at 50) and amoxicillin (prescription only). */
export async function pharmacyClinic(h = undefined) {
  const c = h ? await populate(h) : await clinic()
  const { admin, doctor, patients } = c
  const ph = await c.h.hireStaff(admin, { name: { given: 'Pia', family: 'Roth' }, role: 'pharmacist', licenseNumber: 'ph-2001' })
  const pharmacist = await c.h.openAccount(admin, { login: 'pharma', person: { kind: 'staff', id: ph.id }, roles: ['pharmacist'] })
  const sen = await c.h.openAccount(admin, { login: 'sen', person: { kind: 'staff', id: doctor.id }, roles: ['doctor'] })
  await c.h.addCareTeamMember(admin, patients[0], doctor)
  const drug = (genericName, atcCode, more) => ({ genericName, strength: '500 mg', form: 'tablet', dispensingUnit: 'tablet', packSize: 20, atcCode, ...more })
  const paracetamol = await c.h.addDrug(pharmacist, drug('Paracetamol', 'N02BE01', { reorder: { main: { level: 50, quantity: 100 } } }))
  const amoxicillin = await c.h.addDrug(pharmacist, drug('Amoxicillin', 'J01CA04', { form: 'capsule', dispensingUnit: 'capsule', prescriptionOnly: true }))
  const receive = (d, batchNumber, expiry, quantity, price = '0.30') =>
    c.h.receiveStock(pharmacist, { drug: d.id, batchNumber, supplier: 'Phoenix', expiry, quantity, unitCost: eur('0.10'), salePrice: eur(price), location: 'main' })
  const prescribe = (quantity, refills = 0, durationDays = 7, patient = patients[0]) =>
    c.h.writePrescription(sen, { patient: patient.id, lines: [{ drug: amoxicillin.id, dose: '1 capsule', frequency: '3 times a day', durationDays, quantity, refills }] })
  const dispense = (rx, quantity, batch = undefined, more = {}) =>
    c.h.dispensePrescription(pharmacist, { prescription: rx.id, location: 'main', lines: [{ line: 0, quantity, batch: batch?.id }], ...more })
  return { ...c, pharmacist, sen, paracetamol, amoxicillin, receive, prescribe, dispense }
}
