// The pure rules: registration checks, money, time, the status machine and availability. All of
// them are synchronous and throw `HmsError`s.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { asha, berlin, hms, NOW, template, throwsWith } from './support.mjs'

const DOCTOR = '00000000-0000-7000-8000-0000000000d1'

test('validatePatient normalizes valid details', () => {
  const out = hms.validatePatient(
    { ...asha, name: { given: '  Asha ', middle: ' ', family: 'Rao   Iyer' }, email: ' asha@example.org ' },
    '2026-03-02',
  )
  assert.deepEqual(out.name, { given: 'Asha', family: 'Rao Iyer' })
  assert.equal(out.phone, '+49301234567')
  assert.equal(out.nationalId, '123456789012')
  assert.equal(out.email, 'asha@example.org')
  assert.deepEqual(out.insurance, [])
  assert.deepEqual(out.emergencyContacts, [])
})

test('validatePatient lists every invalid field with camelCase paths', () => {
  const e = throwsWith(
    () =>
      hms.validatePatient(
        {
          name: { given: ' ', family: 'Rao' },
          birthDate: '2030-01-01',
          sex: 'female',
          phone: '12',
          emergencyContacts: [{ name: 'Ravi', relationship: 'spouse', phone: 'call me' }],
          insurance: [{ payer: 'AOK', memberId: 'A1', validFrom: '2026-01-01', validUntil: '2025-01-01' }],
        },
        '2026-03-02',
      ),
    'invalid_input',
    'validation',
  )
  assert.deepEqual(
    e.problems.map((p) => [p.field, p.code]),
    [
      ['name.given', 'required'],
      ['birthDate', 'future_date'],
      ['phone', 'invalid_phone'],
      ['insurance[0].validUntil', 'invalid_period'],
      ['emergencyContacts[0].phone', 'invalid_phone'],
    ],
  )
  assert.ok(e.problems.every((p) => hms.fieldCodes().includes(p.code) && p.message.length > 0))
})

test('dates that cannot be read are invalid input, each named by its path', () => {
  const e = throwsWith(
    () => hms.validatePatient({ ...asha, birthDate: '1988-02-30', insurance: [{ payer: 'AOK', memberId: 'A1', validFrom: 'soon' }] }, '2 March 2026'),
    'invalid_input',
  )
  assert.deepEqual(
    e.problems.map((p) => [p.field, p.code]),
    [
      ['birthDate', 'invalid_format'],
      ['insurance[0].validFrom', 'invalid_format'],
      ['today', 'invalid_format'],
    ],
  )
})

test('validateStaff requires a licence and a doctor profile for doctors', () => {
  const ok = hms.validateStaff({
    name: { given: 'Mira', family: 'Sen' },
    role: 'doctor',
    licenseNumber: ' md-1 ',
    doctor: { specialization: ' Cardiology ', consultationFee: { amount: '80.00', currency: 'eur' } },
  })
  assert.equal(ok.licenseNumber, 'MD-1')
  assert.deepEqual(ok.doctor, { specialization: 'cardiology', consultationFee: { amount: '80.00', currency: 'EUR' } })
  const e = throwsWith(() => hms.validateStaff({ name: { given: 'Mira', family: 'Sen' }, role: 'doctor' }), 'invalid_input')
  assert.deepEqual(
    e.problems.map((p) => [p.field, p.code]),
    [
      ['licenseNumber', 'required'],
      ['doctor', 'required'],
    ],
  )
})

test('normalizePhone keeps a plus and the digits, or returns null', () => {
  assert.equal(hms.normalizePhone('+91 (80) 4123-4567'), '+918041234567')
  assert.equal(hms.normalizePhone('555 010'), null)
})

test('mrnFromSequence appends a Luhn check digit and refuses negative numbers', () => {
  assert.equal(hms.mrnFromSequence(1), '000000018')
  assert.equal(hms.mrnFromSequence(12345678), '123456782')
  const e = throwsWith(() => hms.mrnFromSequence(-1), 'invalid_input')
  assert.deepEqual(e.problems.map((p) => [p.field, p.code]), [['sequence', 'out_of_range']])
})

test('money is exact decimal text in an ISO 4217 currency', () => {
  assert.deepEqual(hms.money('0.10', 'usd'), { amount: '0.10', currency: 'USD' })
  assert.deepEqual(hms.addMoney(hms.money('0.10', 'USD'), hms.money('0.20', 'USD')), { amount: '0.30', currency: 'USD' })
  assert.deepEqual(hms.subtractMoney({ amount: '1', currency: 'EUR' }, { amount: '0.01', currency: 'EUR' }), {
    amount: '0.99',
    currency: 'EUR',
  })
  assert.deepEqual(hms.roundMoney({ amount: '0.125', currency: 'USD' }), { amount: '0.13', currency: 'USD' })
  assert.deepEqual(hms.roundMoney({ amount: '-0.125', currency: 'USD' }), { amount: '-0.13', currency: 'USD' })
  assert.deepEqual(hms.moneyFromMinor(1250, 'USD'), { amount: '12.50', currency: 'USD' })
  assert.equal(hms.moneyToMinor({ amount: '12.50', currency: 'USD' }), 1250)
  assert.equal(hms.moneyToMinor({ amount: '12.505', currency: 'USD' }), null)
  const mismatch = throwsWith(
    () => hms.addMoney({ amount: '1', currency: 'USD' }, { amount: '1', currency: 'EUR' }),
    'currency_mismatch',
    'currency_mismatch',
  )
  assert.deepEqual([mismatch.left, mismatch.right], ['USD', 'EUR'])
  assert.equal(throwsWith(() => hms.money('1.00', 'XYZ'), 'unknown_currency').currency, 'XYZ')
  const bad = throwsWith(() => hms.money('1,000.00', 'USD'), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['amount'])
})

test('allocate splits into parts that add up exactly', () => {
  const parts = hms.allocate({ amount: '100.00', currency: 'USD' }, ['1', '1', '1'])
  assert.deepEqual(parts.map((p) => p.amount), ['33.34', '33.33', '33.33'])
  assert.deepEqual(hms.allocate({ amount: '0.05', currency: 'USD' }, ['70', '30']).map((p) => p.amount), ['0.04', '0.01'])
  const e = throwsWith(() => hms.allocate({ amount: '1', currency: 'USD' }, ['1', 'half']), 'invalid_input')
  assert.deepEqual(e.problems.map((p) => p.field), ['weights[1]'])
})

test('intervals are half-open and never empty', () => {
  const iv = (a, b) => ({ start: `2026-03-02T${a}:00Z`, end: `2026-03-02T${b}:00Z` })
  assert.equal(hms.intervalsOverlap(iv('09:00', '09:30'), iv('09:29', '10:00')), true)
  assert.equal(hms.intervalsOverlap(iv('09:00', '09:30'), iv('09:30', '10:00')), false)
  // 10:30 in Berlin is 09:30 UTC: back to back with 09:30–10:00 UTC.
  const berlinHalfHour = { start: new Date('2026-03-02T09:00:00Z'), end: '2026-03-02T10:30:00+01:00' }
  assert.equal(hms.intervalsOverlap(berlinHalfHour, iv('09:30', '10:00')), false)
  assert.equal(hms.intervalsOverlap(berlinHalfHour, iv('09:29', '10:00')), true)
  const e = throwsWith(() => hms.intervalsOverlap(iv('09:00', '09:00'), iv('09:00', '10:00')), 'invalid_interval', 'empty_interval')
  assert.deepEqual([e.start, e.end], ['2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00.000Z'])
  const bad = throwsWith(() => hms.intervalsOverlap({ start: new Date('nonsense'), end: 42 }, iv('09:00', '10:00')), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['a.start', 'a.end'])
})

test('the appointment status machine', () => {
  assert.equal(hms.canChangeStatus('booked', 'arrived'), true)
  assert.equal(hms.canChangeStatus('arrived', 'checked-in'), true)
  assert.equal(hms.canChangeStatus('fulfilled', 'booked'), false)
  assert.equal(hms.canChangeStatus('noshow', 'entered-in-error'), true)
  assert.equal(hms.holdsTime('pending'), true)
  assert.equal(hms.holdsTime('cancelled'), false)
})

test('localTimeToInstant never guesses across a clock change', () => {
  assert.deepEqual(hms.localTimeToInstant('2026-11-01', '01:30', 'America/New_York'), new Date('2026-11-01T05:30:00Z'))
  assert.deepEqual(hms.localTimeToInstant('2026-11-01', '01:30', 'America/New_York', true), new Date('2026-11-01T06:30:00Z'))
  const e = throwsWith(() => hms.localTimeToInstant('2026-03-29', '02:30', 'Europe/Berlin'), 'nonexistent_local_time')
  assert.deepEqual([e.date, e.time, e.zone], ['2026-03-29', '02:30', 'Europe/Berlin'])
  const bad = throwsWith(() => hms.localTimeToInstant('2026-03-29', '2.30', 'Europe/Bärlin'), 'invalid_input')
  assert.deepEqual(bad.problems.map((p) => p.field), ['time', 'zone'])
})

test('workingIntervals applies leave, holidays, blocks and extra sessions', () => {
  const t = template(DOCTOR)
  const week = { from: '2026-03-02', until: '2026-03-08' }
  assert.equal(hms.workingIntervals(t, [], week).length, 5)
  const out = hms.workingIntervals(
    t,
    [
      { kind: 'leave', from: '2026-03-03', until: '2026-03-04' },
      { kind: 'holiday', date: '2026-03-05', name: 'Clinic day' },
      { kind: 'unavailable', interval: { start: berlin(2, 10), end: berlin(2, 11) }, reason: 'ward round' },
      { kind: 'extra_session', date: '2026-03-07', start: '10:00', end: '11:00' },
    ],
    week,
  )
  assert.deepEqual(
    out.map((i) => [i.start.toISOString(), i.end.toISOString()]),
    [
      ['2026-03-02T08:00:00.000Z', '2026-03-02T09:00:00.000Z'],
      ['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z'],
      ['2026-03-06T08:00:00.000Z', '2026-03-06T11:00:00.000Z'],
      ['2026-03-07T09:00:00.000Z', '2026-03-07T10:00:00.000Z'],
    ],
  )
  const e = throwsWith(() => hms.workingIntervals(t, [], { from: '2026-03-08', until: '2026-03-02' }), 'invalid_input')
  assert.deepEqual(e.problems.map((p) => [p.field, p.code]), [['until', 'invalid_period']])
})

test('bookingFindings lists what stands against a booking; checkBookable throws the first', () => {
  // Now is 08:00; with a two-hour lead time the earliest start today is 10:00.
  const t = template(DOCTOR, { leadTimeMinutes: 120 })
  const visit = (day, h, m, minutes = 15) => ({ start: berlin(day, h, m), end: new Date(berlin(day, h, m).getTime() + minutes * 60000) })
  assert.deepEqual(hms.bookingFindings(t, [], visit(2, 10, 0), 'follow_up', NOW), [])
  hms.checkBookable(t, [], visit(2, 10, 0), 'follow_up', NOW)
  const [offGrid] = hms.bookingFindings(t, [], visit(2, 10, 5), 'follow_up', NOW)
  assert.deepEqual([offGrid.code, offGrid.severity], ['off_grid', 'warning'])
  // Friday 10 April 09:00 in Berlin (CEST): after the last bookable day, 1 April.
  const april = { start: '2026-04-10T07:00:00Z', end: '2026-04-10T07:15:00Z' }
  // Friday 27 February 10:00 in Berlin: working hours, but last week.
  const lastWeek = { start: '2026-02-27T09:00:00Z', end: '2026-02-27T09:15:00Z' }
  const cases = [
    [lastWeek, 'follow_up', 'in_past', 'in_past'],
    [visit(2, 9, 15), 'follow_up', 'lead_time', 'inside_lead_time'],
    [visit(2, 12, 0), 'follow_up', 'outside_availability', 'outside_availability'],
    [april, 'follow_up', 'beyond_horizon', 'beyond_horizon'],
    [visit(2, 10, 0), 'massage', 'visit_type_not_offered', 'visit_type_not_offered'],
  ]
  for (const [iv, code, errorCode, kind] of cases) {
    const findings = hms.bookingFindings(t, [], iv, code, NOW)
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity]),
      [[errorCode, 'error']],
    )
    throwsWith(() => hms.checkBookable(t, [], iv, code, NOW), errorCode, kind)
  }
  const late = throwsWith(() => hms.checkBookable(t, [], visit(2, 9, 15), 'follow_up', NOW), 'lead_time')
  assert.deepEqual([late.start, late.earliest, late.leadTimeMinutes], ['2026-03-02T08:15:00.000Z', '2026-03-02T09:00:00.000Z', 120])
  const far = throwsWith(() => hms.checkBookable(t, [], april, 'follow_up', NOW), 'beyond_horizon')
  assert.deepEqual([far.date, far.lastDate, far.horizonDays], ['2026-04-10', '2026-04-01', 30])
})

test('freeSlots searches a template, skipping bookings, in the clinic zone', async () => {
  const t = template(DOCTOR)
  const tuesday = { from: '2026-03-03', until: '2026-03-03' }
  const bookings = [{ start: berlin(3, 9, 15), end: berlin(3, 9, 30) }]
  const slots = hms.freeSlots(t, [], bookings, 'follow_up', tuesday, NOW)
  assert.equal(slots.length, 11, '12 quarter hours from 09:00 to 12:00, one booked')
  assert.deepEqual(slots.slice(0, 2).map((s) => s.localStart), ['2026-03-03T09:00:00', '2026-03-03T09:30:00'])
  assert.deepEqual(slots[0].interval, { start: berlin(3, 9, 0), end: berlin(3, 9, 15) })
  assert.equal(slots[0].zone, 'Europe/Berlin')
  assert.equal(slots[0].remainingCapacity, 1)
  assert.deepEqual(hms.freeSlots(t, [], [], 'massage', tuesday, NOW), [], 'a visit type not offered has no slots')
  const viaPool = hms.freeSlotsAsync(t, [], bookings, 'follow_up', tuesday, NOW)
  assert.ok(viaPool instanceof Promise)
  assert.deepEqual(await viaPool, slots)
  const e = throwsWith(() => hms.freeSlots({ ...t, zone: 'Europe/Bärlin' }, [], [{ start: 'x', end: berlin(3, 9) }], 'follow_up', tuesday, NOW), 'invalid_input')
  assert.deepEqual(e.problems.map((p) => p.field), ['template.zone', 'bookings[0].start'])
  await assert.rejects(hms.freeSlotsAsync(t, [], [], 'follow_up', { from: 'x', until: '2026-03-03' }, NOW), (err) => {
    assert.equal(err.code, 'invalid_input')
    return true
  })
})
