// `Calendar`: the conflict check without a database.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { hms, throwsWith } from './support.mjs'

const id = (n) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const at = (hh, mm) => new Date(Date.UTC(2026, 2, 2, hh, mm))

test('back-to-back bookings do not conflict; overlapping ones do', () => {
  const c = new hms.Calendar()
  assert.equal(c.insert(id(1), at(9, 0), at(9, 30)), true)
  assert.equal(c.insert(id(2), '2026-03-02T09:30:00Z', '2026-03-02T10:00:00Z'), true)
  assert.equal(c.insert(id(1), at(9, 0), at(9, 30)), false, 'the same booking twice is refused')
  assert.equal(c.size, 2)
  assert.equal(c.anyOverlap(at(10, 0), at(10, 15)), false)
  assert.equal(c.anyOverlap(at(8, 45), at(9, 0)), false)
  assert.equal(c.anyOverlap(at(9, 29), at(9, 31)), true)
  assert.equal(c.countOverlapping(at(9, 29), at(9, 31)), 2)
  assert.deepEqual(
    c.overlapping(at(9, 15), at(9, 45)),
    [
      { id: id(1), interval: { start: at(9, 0), end: at(9, 30) }, shared: false },
      { id: id(2), interval: { start: at(9, 30), end: at(10, 0) }, shared: false },
    ],
  )
})

test('a long booking is found from far inside, and removal frees the time at once', () => {
  const c = new hms.Calendar()
  c.insert(id(1), at(8, 0), at(12, 0), true)
  c.insert(id(2), at(12, 10), at(12, 25))
  assert.deepEqual(c.overlapping(at(11, 0), at(11, 5)).map((e) => [e.id, e.shared]), [[id(1), true]])
  assert.equal(c.remove(id(1), at(8, 0), at(12, 0)), true)
  assert.equal(c.remove(id(1), at(8, 0), at(12, 0)), false)
  assert.equal(c.anyOverlap(at(11, 0), at(11, 5)), false)
  assert.deepEqual(c.entries().map((e) => e.id), [id(2)])
})

test('bad ids and intervals are typed errors that change nothing', () => {
  const c = new hms.Calendar()
  const badId = throwsWith(() => c.insert('A-17', at(9, 0), at(9, 30)), 'invalid_input')
  assert.deepEqual(badId.problems.map((p) => [p.field, p.code]), [['id', 'invalid_format']])
  throwsWith(() => c.insert(id(1), at(9, 30), at(9, 0)), 'invalid_interval', 'empty_interval')
  throwsWith(() => c.anyOverlap(at(9, 0), at(9, 0)), 'invalid_interval')
  const unreadable = throwsWith(() => c.overlapping(new Date(NaN), 'half past nine'), 'invalid_input')
  assert.deepEqual(unreadable.problems.map((p) => p.field), ['start', 'end'])
  assert.equal(c.size, 0)
})

test('the index agrees with a linear scan on random bookings', () => {
  let seed = 42
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  const c = new hms.Calendar()
  const list = []
  for (let i = 1; i <= 300; i++) {
    const s = rand(3000)
    const booking = { id: id(i), start: at(0, s), end: at(0, s + 1 + rand(120)) }
    c.insert(booking.id, booking.start, booking.end)
    list.push(booking)
    if (rand(4) === 0) {
      const [gone] = list.splice(rand(list.length), 1)
      assert.equal(c.remove(gone.id, gone.start, gone.end), true)
    }
  }
  for (let q = 0; q < 200; q++) {
    const s = rand(3200)
    const [qs, qe] = [at(0, s), at(0, s + 1 + rand(90))]
    const want = list.filter((b) => b.start < qe && qs < b.end)
    const got = c.overlapping(qs, qe)
    assert.deepEqual(new Set(got.map((e) => e.id)), new Set(want.map((b) => b.id)))
    assert.equal(c.anyOverlap(qs, qe), want.length > 0)
  }
})

test('checkSchedule: first come first served, a rejected row blocks nothing, back to back is fine', () => {
  // Row 0: doctor D1 sees patient P7 09:00-09:30.
  // Row 1: doctor D2 wants P7 at 09:20: rejected, P7 is with row 0.
  // Row 2: D2 sees P8 at 09:20-09:40: row 1 holds nothing, so D2 is free.
  // Row 3: D1 sees P8 09:30-10:00: back to back with row 0, but P8 is with row 2: rejected.
  // Row 4: D1 sees P9 09:40-10:00 in room R1: row 3 was rejected, so D1 is free.
  const row = (calendars, [h1, m1], [h2, m2]) => ({ calendars, start: at(h1, m1), end: at(h2, m2) })
  const verdicts = hms.checkSchedule([
    row(['doctor:D1', 'patient:P7'], [9, 0], [9, 30]),
    row(['doctor:D2', 'patient:P7'], [9, 20], [9, 40]),
    row(['doctor:D2', 'patient:P8'], [9, 20], [9, 40]),
    row(['doctor:D1', 'patient:P8'], [9, 30], [10, 0]),
    { calendars: ['doctor:D1', 'patient:P9', 'room:R1'], start: '2026-03-02T09:40:00Z', end: '2026-03-02T10:00:00Z' },
  ])
  assert.deepEqual(
    verdicts.map((v) => v.accepted),
    [true, false, true, false, true],
  )
  assert.deepEqual(verdicts[1].clashes, [{ calendar: 'patient:P7', row: 0 }])
  assert.deepEqual(verdicts[3].clashes, [{ calendar: 'patient:P8', row: 2 }])
  assert.deepEqual(verdicts[0].clashes, [])
})

test('checkSchedule lists every unreadable or empty row', () => {
  const e = throwsWith(
    () =>
      hms.checkSchedule([
        { calendars: ['a'], start: at(9, 0), end: at(9, 30) },
        { calendars: ['a'], start: at(9, 30), end: at(9, 30) },
        { calendars: ['a'], start: 'half past nine', end: at(10, 0) },
      ]),
    'invalid_input',
  )
  assert.deepEqual(
    e.problems.map((p) => [p.field, p.code]),
    [
      ['rows[1].end', 'invalid_period'],
      ['rows[2].start', 'invalid_format'],
    ],
  )
})
