// The shared JSON test vectors of hms-core (`hms-core/tests/vectors/*.json`): every case of every
// file whose op this binding exposes runs through the binding, so Node answers exactly as Rust,
// Python and WASM do. The vectors speak the core's snake_case JSON; `camel` and `snake` translate.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { hms } from './support.mjs'

const DIR = fileURLToPath(new URL('../../hms-core/tests/vectors/', import.meta.url))

const camelKey = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const snakeKey = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const mapKeys = (v, f) =>
  Array.isArray(v)
    ? v.map((x) => mapKeys(x, f))
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), mapKeys(x, f)]))
      : v
const camel = (v) => mapKeys(v, camelKey)
const snake = (v) => mapKeys(v, snakeKey)
/** A field path of the core (`emergency_contacts[0].phone`) as the binding reports it. */
const camelPath = (p) => p.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

/** JSON without its nulls: the binding leaves an absent optional field out, the core writes null. */
const dropNulls = (v) =>
  Array.isArray(v)
    ? v.map(dropNulls)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]))
      : v

/** Decimal strings compare as numbers of the same value (`"5"` equals `"5.00"`), never as floats. */
const sameDecimal = (a, b) => {
  const norm = (s) => {
    const [i, f = ''] = s.replace(/^(-?)0+(?=\d)/, '$1').split('.')
    const frac = f.replace(/0+$/, '')
    return frac ? `${i}.${frac}` : i === '-0' ? '0' : i
  }
  return norm(a) === norm(b)
}

/** The vectors write a FEFO shortfall as the error the dispensing use cases report for it
 * (`insufficient_stock`); `fefoAllocate` returns it as `shortfall`, and the runner reads it so. */
class Shortfall extends Error {
  constructor({ requested, available }) {
    super(`only ${available} of ${requested} units are usable`)
    this.code = 'insufficient_stock'
  }
}

/** A vector's discount (`{kind, value}`, amounts in the invoice currency) as the binding's. */
const discount = (d, money) => d && (d.kind === 'percent' ? { kind: 'percent', percent: d.value } : { kind: d.kind, amount: money(d.value) })

/** The `price_invoice` op: the vector's flat shapes in, the breakdown's amounts out. */
function priceInvoice({ currency, rounding, lines, invoice_discount, coverage }) {
  const money = (amount) => ({ amount, currency })
  const plan = coverage?.plan
  const b = hms.priceInvoice({
    currency,
    rounding,
    lines: lines.map((l) => ({
      itemCode: l.item_code,
      quantity: l.quantity,
      unitPrice: money(l.unit_price),
      tax: l.tax,
      taxInclusive: l.tax_inclusive,
      discount: discount(l.discount, money),
      visitType: l.visit_type ?? undefined,
      preauthorized: l.preauthorized,
    })),
    invoiceDiscount: discount(invoice_discount, money),
    coverage: coverage && {
      plan: {
        payer: plan.payer,
        plan: plan.plan,
        currency,
        annualDeductible: money(plan.annual_deductible),
        copays: Object.fromEntries(Object.entries(plan.copays ?? {}).map(([k, v]) => [k, money(v)])),
        coinsurancePercent: plan.coinsurance_percent,
        outOfPocketMax: plan.out_of_pocket_max == null ? undefined : money(plan.out_of_pocket_max),
        notCovered: plan.not_covered,
        preauthorizationRequired: plan.preauthorization_required,
      },
      usage: coverage.usage && { deductibleUsed: money(coverage.usage.deductible_used), outOfPocketUsed: money(coverage.usage.out_of_pocket_used) },
    },
  })
  const amounts = (o) => Object.fromEntries(Object.entries(o).map(([k, m]) => [snakeKey(k), m.amount]))
  return {
    lines: b.lines.map(({ share: { basis, capped, ...share }, ...line }) => ({ ...amounts(line), ...amounts(share), basis, capped })),
    taxes: b.taxes.map((t) => ({ category: t.tax.category, percent: t.tax.percent, taxable: t.taxable.amount, amount: t.amount.amount })),
    totals: amounts(b.totals),
  }
}

/** Values equal as the vectors compare them: decimal strings as numbers, everything else exactly. */
function sameValue(want, got, path = '') {
  const decimal = /^-?\d+(\.\d+)?$/
  if (typeof want === 'string' && decimal.test(want)) {
    assert.ok(typeof got === 'string' && sameDecimal(want, got), `${path}: expected ${want}, got ${JSON.stringify(got)}`)
  } else if (want && typeof want === 'object') {
    assert.ok(got && typeof got === 'object', `${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), path)
    for (const k of Object.keys(want)) sameValue(want[k], got[k], `${path}.${k}`)
  } else {
    assert.equal(got, want, path)
  }
  return true
}

/** Every op this binding runs, and how; a vector with any other op fails. */
const OPS = {
  validate_patient: ({ today, details }) => snake(hms.validatePatient(camel(details), today)),
  money_allocate: ({ amount, currency, weights }) => hms.allocate({ amount, currency }, weights).map((m) => m.amount),
  money_round: ({ amount, currency }) => hms.roundMoney({ amount, currency }).amount,
  interval_overlap: ({ a, b }) => hms.intervalsOverlap(a, b),
  normalize_phone: ({ raw }) => hms.normalizePhone(raw),
  mrn_from_sequence: ({ sequence }) => hms.mrnFromSequence(sequence),
  calendar_conflicts: ({ bookings, removed = [], query }) => {
    const c = new hms.Calendar()
    for (const b of bookings) c.insert(b.id, b.start, b.end, b.shared)
    for (const r of removed) {
      const b = bookings.find((x) => x.id === r)
      assert.ok(b, `removed booking ${r} is among the bookings`)
      assert.equal(c.remove(b.id, b.start, b.end), true)
    }
    return c.overlapping(query.start, query.end).map((e) => e.id)
  },
  price_invoice: priceInvoice,
  check_schedule: ({ rows }) => hms.checkSchedule(rows),
  fefo_allocate: ({ today, needed_through, quantity, batches }) => {
    const candidates = batches.map((b) => ({ batch: b.batch, expiry: b.expiry ?? undefined, receivedAt: b.received_at, recalled: b.recalled, available: b.available }))
    const plan = hms.fefoAllocate(candidates, quantity, today, needed_through)
    if (plan.shortfall) throw new Shortfall(plan.shortfall)
    return plan.picks
  },
}
// The same op under the name the issue used for it.
OPS.phone_normalize = OPS.normalize_phone

function same(op, want, got) {
  switch (op) {
    case 'money_round':
      return typeof got === 'string' && sameDecimal(want, got)
    case 'money_allocate':
      return got.length === want.length && want.every((w, i) => sameDecimal(w, got[i]))
    case 'validate_patient':
      return assert.deepEqual(dropNulls(got), dropNulls(want)) ?? true
    case 'price_invoice':
      return sameValue(want, got)
    default:
      return assert.deepEqual(got, want) ?? true
  }
}

// Files of the browser module's rules that this binding does not run, and why. Named one by one, so
// a new file is run here or named here, never skipped by accident.
const NOT_RUN = new Map([
  ['access.json', 'access decisions as UI hints: run by the core and hms-wasm (Node goes through Hospital)'],
  ['booking_findings.json', "a booking check's findings in the browser: run by the core and hms-wasm"],
  ['slots.json', 'free slots from plain JSON in the browser: run by the core and hms-wasm'],
])

const all = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
const files = all.filter((f) => !NOT_RUN.has(f))

test('every file named as not run by this binding is still in the vectors folder', () => {
  for (const f of NOT_RUN.keys()) assert.ok(all.includes(f), `${f} is gone: drop it from NOT_RUN`)
})

test('the vectors folder has files, and this binding runs the calendar, schedule check, pricing and FEFO vectors', () => {
  for (const f of ['calendar_conflicts.json', 'schedule_check.json', 'invoice_pricing.json', 'fefo_allocation.json']) assert.ok(files.includes(f), files.join(', '))
})

for (const file of files) {
  const { description, cases } = JSON.parse(readFileSync(join(DIR, file), 'utf8'))
  test(`${file}: ${description}`, async (t) => {
    assert.ok(Array.isArray(cases) && cases.length > 0, 'a vector file has cases')
    for (const c of cases) {
      const run = OPS[c.op]
      await t.test(c.name, () => {
        assert.ok(run, `op \`${c.op}\` is not run by the Node binding`)
        let got
        let error
        try {
          got = run(c.input)
        } catch (e) {
          error = e
        }
        if ('ok' in c.expect) {
          assert.equal(error, undefined, `expected ${JSON.stringify(c.expect.ok)}, got error ${error?.code}: ${error?.message}`)
          assert.ok(same(c.op, c.expect.ok, got), `expected ${JSON.stringify(c.expect.ok)}, got ${JSON.stringify(got)}`)
        } else {
          assert.ok(error, `expected error ${c.expect.error.code}, got ${JSON.stringify(got)}`)
          assert.ok(hms.isHmsError(error) || error instanceof Shortfall, `${error}`)
          assert.equal(error.code, c.expect.error.code, error.message)
          if (c.expect.error.fields) {
            assert.deepEqual(
              error.problems.map((p) => ({ field: p.field, code: p.code })),
              c.expect.error.fields.map((f) => ({ field: camelPath(f.field), code: f.code })),
            )
          }
        }
      })
    }
  })
}
