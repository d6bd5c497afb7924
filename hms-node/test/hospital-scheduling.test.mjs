// `Hospital`: availability, slots, booking, rescheduling, status changes, series and the waiting
// list, in a Berlin clinic on Monday 2 March 2026 at 08:00 (see support.mjs).
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { berlin, clinic, hms, rejectsWith, template } from './support.mjs'

const book = (h, actor, patient, doctor, start, more = {}) =>
  h.bookAppointment(actor, { patient: patient.id, doctor: doctor.id, visitType: 'follow_up', start, ...more })

test('use cases return promises and reject, never throw, on unreadable arguments', async () => {
  const { h, desk } = await clinic()
  let pending
  assert.doesNotThrow(() => {
    pending = h.bookAppointment(desk, { patient: 'p', doctor: 'd', visitType: 'follow_up', start: 'tomorrow' })
  })
  const e = await rejectsWith(pending, 'invalid_input', 'validation')
  assert.deepEqual(e.problems.map((p) => p.field), ['patient', 'doctor', 'start'])
})

test('booking a free slot, and a double booking is a slot_conflict naming the appointment', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const [asha, ravi] = patients
  const a = await book(h, desk, asha, doctor, berlin(2, 10, 0), { note: '  chest   pain ' })
  assert.equal(a.status, 'booked')
  assert.deepEqual(a.interval, { start: berlin(2, 10, 0), end: berlin(2, 10, 15) })
  assert.deepEqual(a.held, a.interval)
  assert.equal(a.localStart, '2026-03-02T10:00:00')
  assert.equal(a.zone, 'Europe/Berlin')
  assert.equal(a.note, 'chest pain')
  assert.equal(a.bookedBy, desk.id)
  assert.deepEqual(a.history.map((c) => c.change), [{ kind: 'status', to: 'booked' }])
  const clash = await rejectsWith(book(h, desk, ravi, doctor, berlin(2, 10, 0)), 'slot_conflict', 'slot_conflict')
  assert.deepEqual(clash.conflicts, [
    {
      party: { kind: 'doctor', id: doctor.id },
      appointmentId: a.id,
      interval: { start: '2026-03-02T09:00:00.000Z', end: '2026-03-02T09:15:00.000Z' },
    },
  ])
  assert.match(clash.message, /already booked/)
  await book(h, desk, ravi, doctor, berlin(2, 10, 15))
  assert.deepEqual((await h.doctorDay(desk, doctor, '2026-03-02')).appointments.map((x) => x.localStart), [
    '2026-03-02T10:00:00',
    '2026-03-02T10:15:00',
  ])
})

test('the availability rules refuse bookings with their own codes', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const p = patients[0]
  const cases = [
    [berlin(2, 7, 0), 'in_past'],
    [berlin(2, 8, 30), 'lead_time'],
    [berlin(2, 13, 0), 'outside_availability'],
    [new Date('2026-04-10T07:00:00Z'), 'beyond_horizon'],
  ]
  for (const [start, code] of cases) await rejectsWith(book(h, desk, p, doctor, start), code)
  await rejectsWith(book(h, desk, p, doctor, berlin(2, 10), { visitType: 'massage' }), 'visit_type_not_offered')
  const room = await rejectsWith(book(h, desk, p, doctor, berlin(2, 10), { visitType: 'procedure' }), 'no_resource', 'no_resource_of_kind')
  assert.equal(room.resourceKind, 'procedure_room')
  await rejectsWith(book(h, desk, { id: '00000000-0000-7000-8000-000000000404' }, doctor, berlin(2, 10)), 'not_found')
})

test('a client key makes booking idempotent', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const first = await book(h, desk, patients[0], doctor, berlin(3, 9, 0), { clientKey: 'req-1' })
  const again = await book(h, desk, patients[0], doctor, berlin(3, 9, 0), { clientKey: 'req-1' })
  assert.deepEqual(again, first)
  const other = await rejectsWith(book(h, desk, patients[0], doctor, berlin(3, 9, 30), { clientKey: 'req-1' }), 'idempotency_mismatch')
  assert.deepEqual([other.key, other.existingId], ['req-1', first.id])
})

test('resources: a procedure takes a free room', async () => {
  const { h, admin, desk, doctor, patients } = await clinic()
  const room = await h.addResource(admin, { kind: 'Procedure_Room', name: ' Room   2 ', location: 'east wing' })
  assert.deepEqual([room.kind, room.name, room.location, room.active], ['procedure_room', 'Room 2', 'east wing', true])
  const a = await book(h, desk, patients[0], doctor, berlin(2, 10), { visitType: 'procedure' })
  assert.deepEqual(a.resources, [room.id])
  await rejectsWith(h.addResource(desk, { kind: 'mri', name: 'MRI 1' }), 'forbidden')
})

test('freeSlots and searchSlots', async () => {
  const { h, desk, doctor, patients } = await clinic()
  await book(h, desk, patients[0], doctor, berlin(3, 9, 0))
  const tuesday = { from: '2026-03-03', until: '2026-03-03' }
  const slots = await h.freeSlots(desk, { doctor: doctor.id, visitType: 'follow_up', range: tuesday })
  assert.equal(slots.length, 11)
  assert.equal(slots[0].localStart, '2026-03-03T09:15:00')
  const forAsha = await h.freeSlots(desk, { doctor: doctor.id, visitType: 'follow_up', range: tuesday, patient: patients[0].id })
  assert.equal(forAsha.length, 11)
  await rejectsWith(h.freeSlots(desk, { doctor: doctor.id, visitType: 'massage', range: tuesday }), 'visit_type_not_offered')
  const bad = await rejectsWith(h.freeSlots(desk, { doctor: doctor.id, visitType: 'follow_up', range: { from: '2026-03-03', until: '2026-03-01' } }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => [p.field, p.code]), [['until', 'invalid_period']])
  const found = await h.searchSlots(desk, { specialization: 'cardiology', visitType: 'new_patient', range: tuesday })
  assert.ok(found.length > 0 && found.every((s) => s.doctor === doctor.id))
  assert.deepEqual(await h.searchSlots(desk, { specialization: 'dermatology', visitType: 'new_patient', range: tuesday }), [])
})

test('availability templates, exceptions and holidays', async () => {
  const { h, admin, desk, doctor, patients } = await clinic()
  const bad = await rejectsWith(
    h.setAvailability(admin, doctor, [template(doctor.id, { slotMinutes: 0, capacity: 0 }), template('not-an-id')]),
    'invalid_input',
  )
  assert.deepEqual(bad.problems.map((p) => p.field), ['templates[1].doctor'], 'unreadable ids are reported before the rules run')
  const rules = await rejectsWith(h.setAvailability(admin, doctor, [template(doctor.id, { slotMinutes: 0, capacity: 0 })]), 'invalid_input')
  assert.deepEqual(rules.problems.map((p) => p.field), ['templates[0].slotMinutes', 'templates[0].capacity'])
  await h.addAvailabilityException(admin, doctor, { kind: 'leave', from: '2026-03-03', until: '2026-03-03' })
  await rejectsWith(book(h, desk, patients[0], doctor, berlin(3, 10)), 'outside_availability')
  await h.addAvailabilityException(admin.id, doctor.id, {
    kind: 'unavailable',
    interval: { start: berlin(4, 9), end: berlin(4, 10) },
    reason: 'ward round',
  })
  await rejectsWith(book(h, desk, patients[0], doctor, berlin(4, 9, 30)), 'outside_availability')
  await rejectsWith(
    h.addAvailabilityException(admin, doctor, { kind: 'unavailable', interval: { start: berlin(4, 9), end: berlin(4, 9) }, reason: 'x' }),
    'invalid_interval',
  )
  await h.setHolidays(admin, [{ kind: 'holiday', date: '2026-03-05', name: 'Clinic day' }])
  await rejectsWith(book(h, desk, patients[0], doctor, berlin(5, 10)), 'outside_availability')
  await rejectsWith(h.setHolidays(admin, [{ kind: 'leave', from: '2026-03-05', until: '2026-03-05' }]), 'invalid_input')
  await rejectsWith(h.setHolidays(desk, []), 'forbidden')
  await h.addAvailabilityException(admin, doctor, { kind: 'extra_session', date: '2026-03-07', start: '10:00', end: '11:00' })
  const saturday = await book(h, desk, patients[0], doctor, new Date('2026-03-07T09:00:00Z'))
  assert.equal(saturday.localStart, '2026-03-07T10:00:00')
})

test('reschedule, cancel, status changes and the no-show sweep', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const a = await book(h, desk, patients[0], doctor, berlin(2, 10, 0))
  const moved = await h.rescheduleAppointment(desk, a, berlin(2, 11, 0))
  assert.deepEqual(moved.interval.start, berlin(2, 11, 0))
  assert.deepEqual(moved.history.at(-1).change, {
    kind: 'rescheduled',
    from: { start: berlin(2, 10, 0), end: berlin(2, 10, 15) },
    to: { start: berlin(2, 11, 0), end: berlin(2, 11, 15) },
  })
  const b = await book(h, desk, patients[1], doctor, berlin(2, 10, 0))
  await rejectsWith(h.rescheduleAppointment(desk, b.id, berlin(2, 11, 0)), 'slot_conflict')
  const badStart = await rejectsWith(h.rescheduleAppointment(desk, b.id, 'later'), 'invalid_input')
  assert.deepEqual(badStart.problems.map((p) => p.field), ['newStart'])
  await rejectsWith(h.cancelAppointment(desk, b, ' '), 'invalid_input')
  const cancelled = await h.cancelAppointment(desk, b, 'patient called')
  assert.equal(cancelled.status, 'cancelled')
  assert.deepEqual(cancelled.history.at(-1).change, { kind: 'status', from: 'booked', to: 'cancelled' })
  assert.equal(cancelled.history.at(-1).reason, 'patient called')
  const twice = await rejectsWith(h.cancelAppointment(desk, b, 'again'), 'invalid_transition', 'invalid_transition')
  assert.deepEqual([twice.appointmentId, twice.from, twice.to], [b.id, 'cancelled', 'cancelled'])
  await rejectsWith(h.rescheduleAppointment(desk, b, berlin(2, 11, 30)), 'invalid_transition')
  const arrived = await h.changeStatus(desk, moved, 'arrived')
  assert.equal(arrived.status, 'arrived')
  assert.equal((await h.changeStatus(desk, moved.id, 'fulfilled')).status, 'fulfilled')
  await rejectsWith(h.changeStatus(desk, moved.id, 'booked'), 'invalid_transition')
  const late = await book(h, desk, patients[2], doctor, berlin(2, 11, 30))
  h.setNow(berlin(2, 13, 0))
  assert.deepEqual(await h.sweepNoShows(30), [late.id])
  assert.equal((await h.appointment(desk, late)).status, 'noshow')
  assert.deepEqual(await h.sweepNoShows(30), [])
})

test('bookMany is all or none', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const req = (p, start) => ({ patient: p.id, doctor: doctor.id, visitType: 'follow_up', start })
  const both = await h.bookMany(desk, [req(patients[0], berlin(3, 9)), req(patients[1], berlin(3, 9, 15))])
  assert.equal(both.length, 2)
  await rejectsWith(h.bookMany(desk, [req(patients[2], berlin(3, 10)), req(patients[2], berlin(3, 10))]), 'slot_conflict')
  assert.equal((await h.patientAppointments(desk, patients[2], { start: berlin(3, 0), end: berlin(4, 0) })).length, 0)
  const unreadable = await rejectsWith(h.bookMany(desk, [req(patients[2], berlin(3, 10)), req(patients[2], 'noon')]), 'invalid_input')
  assert.deepEqual(unreadable.problems.map((p) => p.field), ['requests[1].start'])
})

test('a recurring series: all or none, or what is available', async () => {
  const { h, desk, doctor, patients } = await clinic()
  await book(h, desk, patients[1], doctor, berlin(11, 9, 0))
  const rule = {
    startDate: '2026-03-04',
    time: '09:00',
    zone: 'Europe/Berlin',
    minutes: 15,
    repeat: { kind: 'weekly', weekdays: ['mon', 'wed'], everyWeeks: 1 },
    end: { count: 3 },
  }
  const series = { patient: patients[0].id, doctor: doctor.id, visitType: 'follow_up', rule }
  await rejectsWith(h.bookSeries(desk, series), 'slot_conflict')
  const outcome = await h.bookSeries(desk, { ...series, mode: 'available' })
  assert.deepEqual(outcome.booked.map((a) => a.localStart), ['2026-03-04T09:00:00', '2026-03-09T09:00:00'])
  assert.deepEqual(outcome.refused.map((r) => [r.date, r.code]), [['2026-03-11', 'slot_conflict']])
  const bad = await rejectsWith(h.bookSeries(desk, { ...series, rule: { ...rule, end: { count: 2, until: '2026-04-01' } } }), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => [p.field, p.code]), [['rule.end', 'inconsistent']])
  const daily = await h.bookSeries(desk, {
    ...series,
    patient: patients[2].id,
    rule: { ...rule, startDate: '2026-03-16', repeat: { kind: 'daily', everyDays: 2 }, end: { until: '2026-03-20' }, excludedDates: ['2026-03-18'] },
  })
  assert.deepEqual(daily.booked.map((a) => a.localStart.slice(0, 10)), ['2026-03-16', '2026-03-20'])
})

test('the waiting list is offered a freed time', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const taken = await book(h, desk, patients[0], doctor, berlin(3, 9, 0))
  const entry = await h.joinWaitlist(desk, {
    patient: patients[1].id,
    doctor: doctor.id,
    visitType: 'follow_up',
    window: { start: berlin(3, 0), end: berlin(4, 0) },
  })
  assert.deepEqual([entry.status, entry.visitType.code, entry.visitType.minutes], ['waiting', 'follow_up', 15])
  assert.deepEqual(entry.window, { start: berlin(3, 0), end: berlin(4, 0) })
  await h.cancelAppointment(desk, taken, 'patient is travelling')
  const offered = (await h.eventsAfter()).filter((e) => e.type === 'waitlist.slot_offered')
  assert.equal(offered.length, 1)
  assert.equal(offered[0].data.patient, patients[1].id)
  assert.equal(offered[0].data.interval.start, '2026-03-03T08:00:00Z')
  await rejectsWith(
    h.joinWaitlist(desk, { patient: patients[1].id, doctor: doctor.id, visitType: 'follow_up', window: { start: berlin(4, 0), end: berlin(3, 0) } }),
    'invalid_interval',
  )
})

test('reading appointments back', async () => {
  const { h, desk, doctor, patients } = await clinic()
  const a = await book(h, desk, patients[0], doctor, berlin(2, 10))
  assert.deepEqual(await h.appointment(desk, a.id), a)
  const day = await h.doctorDay(desk, doctor.id, '2026-03-02')
  assert.deepEqual([day.doctor, day.date, day.appointments.map((x) => x.id)], [doctor.id, '2026-03-02', [a.id]])
  assert.deepEqual((await h.patientAppointments(desk, patients[0].id, { start: berlin(2, 0), end: berlin(3, 0) })).map((x) => x.id), [a.id])
  await rejectsWith(h.appointment(desk, '00000000-0000-7000-8000-000000000404'), 'not_found')
  await rejectsWith(h.doctorDay(desk, doctor, '2026-02-30'), 'invalid_input')
})

test('in warn mode a conflict goes through only with a recorded override reason', async () => {
  const { h, desk, doctor, patients } = await clinic({ conflictMode: 'warn' })
  const first = await book(h, desk, patients[0], doctor, berlin(2, 10))
  await rejectsWith(book(h, desk, patients[1], doctor, berlin(2, 10)), 'slot_conflict')
  const second = await book(h, desk, patients[1], doctor, berlin(2, 10), { overrideReason: 'emergency' })
  assert.equal(second.shared, true)
  assert.deepEqual(
    [second.conflictOverride.by, second.conflictOverride.reason, second.conflictOverride.conflicts.map((c) => c.appointment)],
    [desk.id, 'emergency', [first.id]],
  )
  assert.deepEqual(second.conflictOverride.conflicts[0].interval, first.interval)
})

test('bookings run off the JavaScript thread: many at once all settle', async () => {
  const { h, desk, doctor, patients } = await clinic()
  // Twelve quarter hours, each asked for by three patients at once: exactly one wins each.
  const attempts = []
  for (let q = 0; q < 12; q++) {
    for (const p of patients) attempts.push(book(h, desk, p, doctor, berlin(5, 9, q * 15)))
  }
  const results = await Promise.allSettled(attempts)
  const won = results.filter((r) => r.status === 'fulfilled')
  const lost = results.filter((r) => r.status === 'rejected')
  assert.equal(won.length, 12)
  assert.ok(lost.every((r) => r.reason.code === 'slot_conflict'))
})
