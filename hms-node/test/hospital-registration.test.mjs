// `Hospital`: set-up, accounts, staff and patient registration, the event and audit logs.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { asha, clinic, hms, NOW, rejectsWith, throwsWith } from './support.mjs'

const PATIENT_404 = '00000000-0000-7000-8000-000000000404'

test('a hospital in memory, with its settings and a manual clock', () => {
  const h = hms.Hospital.inMemory({ name: 'Sunrise Clinic', zone: 'Asia/Kolkata', currency: 'inr', conflictMode: 'warn', now: NOW })
  assert.deepEqual([h.backend, h.name, h.zone, h.currency, h.conflictMode], ['memory', 'Sunrise Clinic', 'Asia/Kolkata', 'INR', 'warn'])
  assert.deepEqual(h.now(), new Date(NOW))
  assert.equal(h.today(), '2026-03-02')
  h.setNow('2026-03-02T20:00:00Z')
  assert.equal(h.today(), '2026-03-03', '20:00 UTC is past midnight in India')
  h.advance(90)
  assert.deepEqual(h.now(), new Date('2026-03-02T21:30:00Z'))
  const defaults = hms.Hospital.inMemory()
  assert.deepEqual([defaults.name, defaults.zone, defaults.currency, defaults.conflictMode], ['General Hospital', 'UTC', 'USD', 'block'])
  assert.ok(Math.abs(defaults.now().getTime() - Date.now()) < 60_000, 'the system clock')
})

test('bad settings, and a clock that cannot be set, are typed errors', async () => {
  const e = throwsWith(() => hms.Hospital.inMemory({ zone: 'Mars/Olympus', currency: 'XYZ', now: 'soon', seed: -1 }), 'invalid_input')
  assert.deepEqual(e.problems.map((p) => p.field), ['zone', 'currency', 'now', 'seed'])
  assert.throws(() => hms.Hospital.inMemory({ now: 'soon' }), (x) => x.code === 'invalid_input' && x.problems[0].field === 'now')
  const h = hms.Hospital.inMemory()
  assert.throws(() => h.setNow(NOW), (x) => x.code === 'invalid_input' && x.problems[0].field === 'now')
  assert.throws(() => h.advance(5), (x) => x.code === 'invalid_input')
})

test('bootstrapAdmin opens the first account once', async () => {
  const h = hms.Hospital.inMemory({ now: NOW, seed: 1 })
  const admin = await h.bootstrapAdmin(' Admin ')
  assert.equal(admin.login, 'admin')
  assert.deepEqual(admin.roles, ['admin'])
  assert.deepEqual(admin.createdAt, new Date(NOW))
  await rejectsWith(h.bootstrapAdmin('second'), 'forbidden', 'already_bootstrapped')
  await rejectsWith(hms.Hospital.inMemory().bootstrapAdmin('x'), 'invalid_input', 'validation')
})

test('seeded hospitals give the same ids', async () => {
  const ids = async () => {
    const h = hms.Hospital.inMemory({ now: NOW, seed: 99 })
    const admin = await h.bootstrapAdmin('admin')
    return [admin.id, (await h.registerPatient(admin, asha)).id]
  }
  assert.deepEqual(await ids(), await ids())
})

test('hireStaff, openAccount and listStaff', async () => {
  const { h, admin, doctor, clerk, desk } = await clinic()
  assert.equal(doctor.details.role, 'doctor')
  assert.equal(doctor.details.licenseNumber, 'MD-1001')
  assert.deepEqual(doctor.details.doctor, { specialization: 'cardiology', consultationFee: { amount: '80.00', currency: 'EUR' } })
  assert.deepEqual(desk.person, { kind: 'staff', id: clerk.id })
  const all = await h.listStaff(desk)
  assert.deepEqual(new Set(all.map((s) => s.id)), new Set([doctor.id, clerk.id]))
  assert.deepEqual((await h.listStaff(desk.id, 'doctor')).map((s) => s.id), [doctor.id])
  const dup = await rejectsWith(
    h.hireStaff(admin, { name: { given: 'Other', family: 'Doc' }, role: 'nurse', licenseNumber: 'MD-1001' }),
    'duplicate',
    'duplicate_license',
  )
  assert.deepEqual([dup.existingId, dup.licenseNumber], [doctor.id, 'MD-1001'])
  await rejectsWith(h.hireStaff(desk, { name: { given: 'A', family: 'B' }, role: 'nurse', licenseNumber: 'RN-1' }), 'forbidden', 'forbidden')
  const login = await rejectsWith(h.openAccount(admin, { login: 'DESK', person: { kind: 'staff', id: clerk.id }, roles: ['receptionist'] }), 'duplicate', 'duplicate_login')
  assert.equal(login.login, 'desk')
  // Giving the `patient` role to an account whose patient does not exist is a grant the admin
  // does not hold (no one is entitled to it), so the policy refuses it before the lookup.
  await rejectsWith(h.openAccount(admin, { login: 'ghost', person: { kind: 'patient', id: PATIENT_404 }, roles: ['patient'] }), 'forbidden', 'forbidden')
  const nobody = await rejectsWith(h.openAccount(admin, { login: 'ghost', person: { kind: 'patient', id: PATIENT_404 }, roles: [] }), 'not_found')
  assert.deepEqual([nobody.entity, nobody.key], ['patient', PATIENT_404])
  // A nurse's role for the receptionist is a grant the admin does not hold; roles that do not fit
  // the person (a patient account holds no other role) are invalid input.
  await rejectsWith(h.openAccount(admin, { login: 'nurse', person: { kind: 'staff', id: clerk.id }, roles: ['nurse'] }), 'forbidden', 'forbidden')
  const [patient] = await h.registerPatients(desk, [{ name: { given: 'Ines', family: 'Kral' }, birthDate: '1990-01-01', sex: 'female' }])
  const misfit = await rejectsWith(h.openAccount(admin, { login: 'ines', person: { kind: 'patient', id: patient.id }, roles: ['patient', 'admin'] }), 'invalid_input')
  assert.ok(misfit.problems.length > 0)
})

test('registerPatient gives an MRN and refuses the same person twice', async () => {
  const { h, desk, patients } = await clinic()
  const [first] = patients
  assert.equal(first.mrn, '000000018')
  assert.equal(first.details.phone, '+49301234567')
  assert.equal(first.details.nationalId, '123456789012')
  assert.equal(first.active, true)
  const dup = await rejectsWith(h.registerPatient(desk, asha), 'duplicate', 'duplicate_patient')
  assert.deepEqual([dup.existingId, dup.matchedOn], [first.id, 'national_id'])
  const bad = await rejectsWith(h.registerPatient(desk, { ...asha, birthDate: '2099-01-01', nationalId: undefined }), 'invalid_input', 'validation')
  assert.deepEqual(bad.problems.map((p) => p.field), ['birthDate'], 'paths are relative to the details')
  const unreadable = await rejectsWith(h.registerPatient('desk', { ...asha, birthDate: '12/04/1988' }), 'invalid_input')
  assert.deepEqual(unreadable.problems.map((p) => p.field), ['actor', 'birthDate'])
  const batch = await rejectsWith(h.registerPatients(desk, [{ ...asha, nationalId: 'X1234567' }, { ...asha, birthDate: 'x' }]), 'invalid_input')
  assert.deepEqual(batch.problems.map((p) => p.field), ['patients[1].birthDate'])
  assert.equal((await h.searchPatients(desk)).length, 3, 'a refused batch registers nobody')
})

test('update, deactivate, reactivate, read and search patients', async () => {
  const { h, desk, admin, patients } = await clinic()
  const [p] = patients
  const updated = await h.updatePatient(desk, p, { ...asha, email: 'asha@example.org' })
  assert.deepEqual([updated.id, updated.mrn, updated.version, updated.details.email], [p.id, p.mrn, 2, 'asha@example.org'])
  await rejectsWith(h.reactivatePatient(desk, p.id), 'invalid_transition', 'already_active')
  await rejectsWith(h.deactivatePatient(desk, p.id, '  '), 'invalid_input')
  const gone = await h.deactivatePatient(desk, p.id, 'registered twice')
  assert.equal(gone.active, false)
  assert.equal(gone.deactivation.reason, 'registered twice')
  assert.deepEqual(gone.deactivation.at, new Date(NOW))
  const inactive = await rejectsWith(h.updatePatient(desk, p.id, asha), 'inactive', 'inactive')
  assert.deepEqual([inactive.entity, inactive.key], ['patient', p.id])
  assert.deepEqual((await h.searchPatients(desk, { text: 'asha' })).map((x) => x.id), [])
  assert.deepEqual((await h.searchPatients(desk, { text: 'asha', includeInactive: true })).map((x) => x.id), [p.id])
  assert.deepEqual((await h.searchPatients(desk, { text: 'ravi iy' })).map((x) => x.details.name.given), ['Ravi'])
  assert.equal((await h.searchPatients(desk, { limit: 1 })).length, 1)
  const back = await h.reactivatePatient(admin, p)
  assert.equal(back.active, true)
  assert.deepEqual(await h.patient(desk, p.id), back)
  await rejectsWith(h.patient(desk, PATIENT_404), 'not_found', 'not_found')
})

test('the event log and the audit log', async () => {
  const { h, desk, patients } = await clinic()
  const events = await h.eventsAfter()
  assert.deepEqual(
    events.map((e) => e.type),
    ['account.opened', 'staff.hired', 'staff.hired', 'account.opened', 'availability.changed', 'patient.registered', 'patient.registered', 'patient.registered'],
  )
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8])
  const registered = events[5]
  assert.deepEqual(registered.data, { patient: patients[0].id, mrn: '000000018' })
  assert.equal(registered.actor, desk.id)
  assert.deepEqual(registered.at, new Date(NOW))
  assert.deepEqual((await h.eventsAfter(6, 1)).map((e) => e.seq), [7])
  await rejectsWith(h.eventsAfter(-1), 'invalid_input')
  await h.patient(desk, patients[0].id)
  const audit = await h.auditAfter()
  const last = audit.at(-1)
  assert.deepEqual([last.account, last.action, last.resource, last.patient, last.allowed], [desk.id, 'read', 'patient_profile', patients[0].id, true])
  assert.deepEqual((await h.auditAfter(last.seq)).length, 0)
})
