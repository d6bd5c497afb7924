// The clinic booking example (examples/node/clinic-server.mjs), over real HTTP.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

import { createClinic, createClinicServer, STATUS } from '../../examples/node/clinic-server.mjs'
import { hms } from './support.mjs'

let server
let base
let clinic
const dir = mkdtempSync(join(tmpdir(), 'hms-clinic-'))

before(async () => {
  clinic = await createClinic({ path: join(dir, 'clinic.db'), now: '2026-03-02T07:00:00Z' })
  server = createClinicServer(clinic)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

const post = (path, body, headers = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

test('every error code has an HTTP status', () => {
  assert.deepEqual(Object.keys(STATUS).sort(), hms.errorCodes())
})

test('book a slot, and a double booking is 409 with the error code', async () => {
  const doctors = await (await fetch(`${base}/doctors`)).json()
  assert.deepEqual(doctors, [{ id: clinic.doctor.id, name: 'Mira Sen', specialization: 'cardiology' }])

  const slots = await (await fetch(`${base}/slots?date=2026-03-03`)).json()
  assert.equal(slots.length, 12)
  assert.deepEqual(slots[0], { start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T08:15:00.000Z', localStart: '2026-03-03T09:00:00' })

  const asha = await post('/patients', { name: { given: 'Asha', family: 'Rao' }, birthDate: '1988-04-12', sex: 'female' })
  assert.equal(asha.status, 201)
  const ravi = await post('/patients', { name: { given: 'Ravi', family: 'Iyer' }, birthDate: '1975-11-02', sex: 'male' })
  const [a, r] = [await asha.json(), await ravi.json()]

  const booked = await post('/appointments', { patient: a.id, start: '2026-03-03T09:00:00+01:00' })
  assert.equal(booked.status, 201)
  const appointment = await booked.json()
  assert.equal(appointment.status, 'booked')
  assert.equal(appointment.interval.start, '2026-03-03T08:00:00.000Z')

  const twice = await post('/appointments', { patient: r.id, start: '2026-03-03T08:00:00Z' })
  assert.equal(twice.status, 409)
  const body = await twice.json()
  assert.equal(body.code, 'slot_conflict')
  assert.equal(body.kind, 'slot_conflict')
  assert.match(body.message, /already booked/)
  assert.deepEqual(body.conflicts, [
    {
      party: { kind: 'doctor', id: clinic.doctor.id },
      appointmentId: appointment.id,
      interval: { start: '2026-03-03T08:00:00.000Z', end: '2026-03-03T08:15:00.000Z' },
    },
  ])

  const after = await (await fetch(`${base}/slots?date=2026-03-03`)).json()
  assert.equal(after.length, 11, 'the booked slot is gone')

  const cancelled = await fetch(`${base}/appointments/${appointment.id}?reason=feeling%20better`, { method: 'DELETE' })
  assert.equal(cancelled.status, 200)
  assert.equal((await cancelled.json()).status, 'cancelled')
  assert.equal((await post('/appointments', { patient: r.id, start: '2026-03-03T08:00:00Z' })).status, 201, 'the freed time can be booked')
})

test('a retried POST with the same Idempotency-Key returns the first booking', async () => {
  const p = await (await post('/patients', { name: { given: 'Lena', family: 'Vogel' }, birthDate: '2001-06-30', sex: 'female' })).json()
  const first = await post('/appointments', { patient: p.id, start: '2026-03-04T10:00:00+01:00' }, { 'idempotency-key': 'form-17' })
  const retry = await post('/appointments', { patient: p.id, start: '2026-03-04T10:00:00+01:00' }, { 'idempotency-key': 'form-17' })
  assert.deepEqual([first.status, retry.status], [201, 201])
  assert.equal((await first.json()).id, (await retry.json()).id)
})

test('bad requests: invalid fields are 422 with problems, a malformed body is 400', async () => {
  const invalid = await post('/patients', { name: { given: '', family: 'Rao' }, birthDate: '2099-01-01', sex: 'female' })
  assert.equal(invalid.status, 422)
  const body = await invalid.json()
  assert.equal(body.code, 'invalid_input')
  assert.deepEqual(body.problems.map((p) => p.field), ['name.given', 'birthDate'])
  const tom = await (await post('/patients', { name: { given: 'Tom', family: 'Berg' }, birthDate: '1990-01-01', sex: 'male' })).json()
  const early = await post('/appointments', { patient: tom.id, start: '2026-03-02T08:30:00+01:00' })
  assert.equal(early.status, 422)
  assert.equal((await early.json()).code, 'lead_time')
  const unknown = await post('/appointments', { patient: '00000000-0000-7000-8000-000000000001', start: '2026-03-04T11:00:00+01:00' })
  assert.equal(unknown.status, 404)
  const shape = await post('/patients', { name: 'Asha Rao' })
  assert.equal(shape.status, 400)
  const notJson = await fetch(`${base}/patients`, { method: 'POST', body: 'name=Asha' })
  assert.equal(notJson.status, 400)
  assert.equal((await fetch(`${base}/nowhere`)).status, 404)
})

test('the clinic lives in SQLite: a restart reopens it with its bookings', async () => {
  assert.equal(clinic.hospital.backend, 'sqlite')
  const p = await (await post('/patients', { name: { given: 'Omar', family: 'Haddad' }, birthDate: '1969-09-09', sex: 'male' })).json()
  const booked = await (await post('/appointments', { patient: p.id, start: '2026-03-05T11:00:00+01:00' })).json()
  const restarted = await createClinic({ path: join(dir, 'clinic.db'), now: '2026-03-02T07:00:00Z' })
  assert.deepEqual([restarted.desk.id, restarted.doctor.id], [clinic.desk.id, clinic.doctor.id])
  const again = await restarted.hospital.appointment(restarted.desk, booked.id)
  assert.deepEqual([again.patient, again.status], [p.id, 'booked'])
})
