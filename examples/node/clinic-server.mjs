// A booking service for one clinic over plain `node:http`, on hms-node.
//
//   node examples/node/clinic-server.mjs      # data in ./clinic.db (CLINIC_DB=...), then:
//   curl localhost:3000/doctors
//   curl 'localhost:3000/slots?doctor=<id>&date=2026-03-03&visitType=follow_up'
//   curl -X POST localhost:3000/patients -d '{"name":{"given":"Asha","family":"Rao"},"birthDate":"1988-04-12","sex":"female"}'
//   curl -X POST localhost:3000/appointments -d '{"patient":"<id>","doctor":"<id>","visitType":"follow_up","start":"2026-03-03T09:00:00+01:00"}'
//
// The second booking of the same time answers 409 with the error code `slot_conflict` and the
// appointments in the way. Every hms error maps to an HTTP status by its stable `code`; the body is
// `{ code, kind, message, ...details }`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

// In an application this is `require('hms-node')`.
const require = createRequire(import.meta.url)
const { Hospital, isHmsError } = require('../../hms-node')

/** The HTTP status of each hms error code. */
export const STATUS = {
  invalid_input: 422,
  invalid_interval: 422,
  invalid_policy: 500, // the server's own policy document is broken
  unknown_currency: 422,
  currency_mismatch: 422,
  amount_overflow: 422,
  time_out_of_range: 422,
  nonexistent_local_time: 422,
  outside_availability: 422,
  in_past: 422,
  lead_time: 422,
  beyond_horizon: 422,
  visit_type_not_offered: 422,
  no_resource: 422,
  not_found: 404,
  forbidden: 403,
  slot_conflict: 409,
  duplicate: 409,
  idempotency_mismatch: 409,
  invalid_transition: 409,
  inactive: 409,
  storage: 503,
  // Billing and pharmacy (the binding exposes them; this example serves only the front desk).
  batch_unusable: 409,
  exceeds_dispensed: 409,
  exceeds_prescription: 409,
  insufficient_stock: 409,
  prescription_required: 409,
  refills_exhausted: 409,
  reservation_expired: 409,
  gateway_failed: 502, // the payment provider failed, not this server
  immutable_invoice: 409,
  invalid_signature: 400, // a webhook that does not verify
  no_price: 422,
  not_chargeable: 409,
  over_credit: 409,
  over_refund: 409,
  overpayment: 409,
}

/**
 * Opens the clinic's SQLite database at `path` and sets it up: an admin, a front-desk account that
 * the service books as, and Dr Mira Sen (cardiology), who sees patients Monday to Friday
 * 09:00–12:00 in Berlin. `now` fixes the clock (tests); without it the clinic runs on the system
 * clock. The ids the service acts with are kept next to the database (`<path>.json`), so a restart
 * reopens the same clinic instead of setting it up again.
 */
export async function createClinic({ path = 'clinic.db', now } = {}) {
  const hospital = await Hospital.open(path, { name: 'Kardiologie Mitte', zone: 'Europe/Berlin', currency: 'EUR', now })
  const saved = `${path}.json`
  if (existsSync(saved)) {
    const { desk, doctor } = JSON.parse(readFileSync(saved, 'utf8'))
    return { hospital, desk, doctor }
  }
  const admin = await hospital.bootstrapAdmin('admin')
  const clerk = await hospital.hireStaff(admin, { name: { given: 'Jonas', family: 'Weber' }, role: 'receptionist' })
  const desk = await hospital.openAccount(admin, { login: 'desk', person: { kind: 'staff', id: clerk.id }, roles: ['receptionist'] })
  const doctor = await hospital.hireStaff(admin, {
    name: { given: 'Mira', family: 'Sen' },
    role: 'doctor',
    licenseNumber: 'MD-1001',
    doctor: { specialization: 'cardiology', consultationFee: { amount: '80.00', currency: 'EUR' } },
  })
  await hospital.setAvailability(admin, doctor, [
    {
      doctor: doctor.id,
      zone: 'Europe/Berlin',
      weeklyHours: ['mon', 'tue', 'wed', 'thu', 'fri'].map((weekday) => ({ weekday, start: '09:00', end: '12:00' })),
      effectiveFrom: '2026-01-01',
      slotMinutes: 15,
      visitTypes: [
        { code: 'follow_up', name: 'Follow-up', minutes: 15 },
        { code: 'new_patient', name: 'New patient', minutes: 30, bufferMinutes: 5 },
      ],
      leadTimeMinutes: 60,
      horizonDays: 60,
    },
  ])
  writeFileSync(saved, JSON.stringify({ desk: { id: desk.id }, doctor: { id: doctor.id } }))
  return { hospital, desk: { id: desk.id }, doctor: { id: doctor.id } }
}

class BadRequest extends Error {}

async function body(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')
    if (value && typeof value === 'object' && !Array.isArray(value)) return value
  } catch {
    // fall through
  }
  throw new BadRequest('the body must be a JSON object')
}

function send(res, status, value) {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** The JSON answer for an error: an hms error by its code, anything else as a bad request. */
function failure(res, error) {
  if (isHmsError(error)) {
    // The error's own properties are its code, kind and typed details (all JSON already).
    send(res, STATUS[error.code] ?? 500, { ...error, message: error.message })
  } else if (error instanceof BadRequest || error?.code === 'InvalidArg' || error?.code === 'ObjectExpected' || error?.code === 'StringExpected') {
    // A body of the wrong shape (a missing field, a number for a string) stops in napi-rs.
    send(res, 400, { code: 'bad_request', message: error.message })
  } else {
    send(res, 500, { code: 'internal', message: 'internal error' })
    console.error(error)
  }
}

/** The service: JSON over HTTP for the clinic made by `createClinic`. */
export function createClinicServer({ hospital, desk, doctor }) {
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://clinic.invalid')
      const route = `${req.method} ${url.pathname}`
      if (route === 'GET /doctors') {
        const staff = await hospital.listStaff(desk, 'doctor')
        return send(res, 200, staff.map((s) => ({ id: s.id, name: `${s.details.name.given} ${s.details.name.family}`, specialization: s.details.doctor?.specialization })))
      }
      if (route === 'GET /slots') {
        const date = url.searchParams.get('date') ?? hospital.today()
        const slots = await hospital.freeSlots(desk, {
          doctor: url.searchParams.get('doctor') ?? doctor.id,
          visitType: url.searchParams.get('visitType') ?? 'follow_up',
          range: { from: date, until: url.searchParams.get('until') ?? date },
        })
        return send(res, 200, slots.map((s) => ({ start: s.interval.start, end: s.interval.end, localStart: s.localStart })))
      }
      if (route === 'POST /patients') {
        return send(res, 201, await hospital.registerPatient(desk, await body(req)))
      }
      if (route === 'POST /appointments') {
        const { patient, doctor: who = doctor.id, visitType = 'follow_up', start, clientKey, note } = await body(req)
        // `Idempotency-Key` makes a retried POST return the first booking instead of a conflict.
        const key = clientKey ?? req.headers['idempotency-key']
        const appointment = await hospital.bookAppointment(desk, { patient, doctor: who, visitType, start, clientKey: key, note })
        return send(res, 201, appointment)
      }
      const cancel = req.method === 'DELETE' && url.pathname.match(/^\/appointments\/([0-9a-f-]+)$/)
      if (cancel) {
        const reason = url.searchParams.get('reason') ?? 'cancelled by the patient'
        return send(res, 200, await hospital.cancelAppointment(desk, cancel[1], reason))
      }
      send(res, 404, { code: 'no_route', message: `no route ${route}` })
    } catch (error) {
      failure(res, error)
    }
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const clinic = await createClinic({ path: process.env.CLINIC_DB ?? 'clinic.db' })
  const port = Number(process.env.PORT ?? 3000)
  createClinicServer(clinic).listen(port, () => {
    console.log(`clinic booking on http://localhost:${port} (doctor ${clinic.doctor.id})`)
  })
}
