// A TypeScript program written against hms-node's published types (index.d.ts), type-checked by
// `tsc --noEmit -p test-types` (never run). It pins what the declarations promise: string-literal
// unions for statuses and codes, Dates and ISO strings for instants, decimal strings for money,
// Promises for every use case, and an HmsError union that narrows by `code`.
import {
  Calendar,
  Hospital,
  PaymentGateway,
  Policy,
  allocate,
  errorCodes,
  fefoAllocate,
  priceInvoice,
  freeSlotsAsync,
  isHmsError,
  roundMoney,
  type Appointment,
  type AppointmentStatus,
  type AvailabilityException,
  type Action,
  type AuditVerification,
  type Decision,
  type ResourceKind,
  type HmsError,
  type HmsErrorCode,
  type Money,
  type Slot,
  type Breakdown,
  type Dispense,
  type FefoPlan,
  type Invoice,
  type InvoiceStatus,
  type Payment,
  type ReservationStatus,
  type ShareBasis,
  type StockValuation,
} from '..'

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(): T => true as T

// Codes and statuses are string-literal unions, not strings or enums.
assertType<Equals<AppointmentStatus, 'proposed' | 'pending' | 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow' | 'entered-in-error' | 'checked-in' | 'waitlist'>>()
assertType<Equals<HmsError['code'], HmsErrorCode>>()
assertType<Equals<Money['amount'], string>>()
assertType<Equals<Appointment['interval']['start'], Date>>()
const codes: HmsErrorCode[] = errorCodes()

/** The HTTP status of an error code; `never` in the default arm makes a new code a type error. */
function httpStatus(code: HmsErrorCode): number {
  switch (code) {
    case 'invalid_input':
    case 'invalid_interval':
    case 'unknown_currency':
    case 'currency_mismatch':
    case 'amount_overflow':
    case 'time_out_of_range':
    case 'nonexistent_local_time':
    case 'outside_availability':
    case 'in_past':
    case 'lead_time':
    case 'beyond_horizon':
    case 'visit_type_not_offered':
    case 'no_resource':
    case 'no_price':
      return 422
    case 'invalid_signature':
      return 400
    case 'not_found':
      return 404
    case 'forbidden':
      return 403
    case 'slot_conflict':
    case 'duplicate':
    case 'idempotency_mismatch':
    case 'invalid_transition':
    case 'batch_unusable':
    case 'exceeds_dispensed':
    case 'exceeds_prescription':
    case 'insufficient_stock':
    case 'prescription_required':
    case 'refills_exhausted':
    case 'reservation_expired':
    case 'immutable_invoice':
    case 'not_chargeable':
    case 'over_credit':
    case 'over_refund':
    case 'overpayment':
    case 'inactive':
      return 409
    case 'storage':
      return 503
    case 'gateway_failed':
      return 502
    case 'invalid_policy':
      return 500
    default: {
      const unhandled: never = code
      return unhandled
    }
  }
}

async function bookTwice(): Promise<string[]> {
  const h = Hospital.inMemory({ zone: 'Europe/Berlin', currency: 'EUR', now: new Date('2026-03-02T07:00:00Z'), seed: 1 })
  const admin = await h.bootstrapAdmin('admin')
  const doctor = await h.hireStaff(admin, {
    name: { given: 'Mira', family: 'Sen' },
    role: 'doctor',
    licenseNumber: 'MD-1',
    doctor: { specialization: 'cardiology', consultationFee: { amount: '80.00', currency: 'EUR' } },
  })
  const holiday: AvailabilityException = { kind: 'holiday', date: '2026-04-03', name: 'Good Friday' }
  await h.setHolidays(admin.id, [holiday])
  const patient = await h.registerPatient(admin, { name: { given: 'Asha', family: 'Rao' }, birthDate: '1988-04-12', sex: 'female' })
  const first: Appointment = await h.bookAppointment(admin, {
    patient: patient.id,
    doctor: doctor.id,
    visitType: 'follow_up',
    start: '2026-03-03T09:00:00+01:00',
  })
  const status: AppointmentStatus = first.status
  const messages: string[] = [status]
  try {
    await h.bookAppointment(admin, { patient: patient.id, doctor: doctor.id, visitType: 'follow_up', start: first.interval.start })
  } catch (e: unknown) {
    if (isHmsError(e)) {
      messages.push(`${httpStatus(e.code)} ${e.message}`)
      if (e.code === 'slot_conflict') {
        // Narrowed: the conflicts are typed, with ISO strings.
        for (const c of e.conflicts) messages.push(`${c.party.kind} ${c.appointmentId} ${c.interval.start.toUpperCase()}`)
      } else if (e.code === 'invalid_input' && e.kind === 'validation') {
        messages.push(...e.problems.map((p) => `${p.field}: ${p.code}`))
      } else if (e.kind === 'duplicate_patient') {
        messages.push(e.existingId, e.matchedOn)
      }
    }
  }
  const day = await h.doctorDay(admin, doctor, h.today())
  messages.push(...day.appointments.map((a) => a.localStart))
  return messages
}

function money(): string[] {
  const parts: Money[] = allocate({ amount: '100.00', currency: 'USD' }, ['1', '1', '1'])
  // @ts-expect-error money is never a JS number
  roundMoney({ amount: 12.5, currency: 'USD' })
  return parts.map((p) => p.amount)
}

async function calendar(): Promise<boolean> {
  const c = new Calendar()
  c.insert('00000000-0000-7000-8000-000000000001', new Date('2026-03-02T09:00:00Z'), '2026-03-02T09:30:00Z')
  // @ts-expect-error instants are Dates or ISO strings, not epoch numbers
  c.anyOverlap(1772442000000, 1772443800000)
  const slots: Slot[] = await freeSlotsAsync(
    {
      doctor: '00000000-0000-7000-8000-0000000000d1',
      zone: 'Europe/Berlin',
      weeklyHours: [{ weekday: 'mon', start: '09:00', end: '12:00' }],
      effectiveFrom: '2026-01-01',
      slotMinutes: 15,
      visitTypes: [{ code: 'follow_up', name: 'Follow-up', minutes: 15 }],
      horizonDays: 30,
    },
    [],
    c.entries().map((e) => e.interval),
    'follow_up',
    { from: '2026-03-02', until: '2026-03-06' },
    new Date(),
  )
  // @ts-expect-error not a status
  const bad: AppointmentStatus = 'done'
  return slots.length > 0 && bad !== 'booked' && c.anyOverlap(slots[0]!.interval.start, slots[0]!.interval.end)
}

async function access(): Promise<boolean> {
  const policy = Policy.fromToml('[[rules]]\nid = "desk-reads-staff"\neffect = "permit"\nroles = ["receptionist"]\nactions = ["read"]\nresources = ["staff"]\n')
  const h = Hospital.inMemory({ seed: 1 }, policy)
  const admin = await h.bootstrapAdmin('admin')
  const decision: Decision = h.policy.decide({ subject: admin, action: 'read', resource: 'staff' }, new Date())
  // @ts-expect-error not an action
  policy.decide({ subject: admin, action: 'delete', resource: 'staff' }, new Date())
  const [entry] = await h.auditLog(admin, 0, 10)
  const action: Action | undefined = entry?.action
  const resource: ResourceKind | undefined = entry?.resource
  const verified: AuditVerification = await h.verifyAuditChain()
  try {
    Policy.fromJson('{}')
  } catch (e) {
    if (isHmsError(e) && e.code === 'invalid_policy') return e.problems.every((p) => p.path.length > 0)
  }
  return decision.allowed && verified.intact && action !== 'grant' && resource !== 'stock'
}

function pricing(): string {
  const b: Breakdown = priceInvoice({
    currency: 'EUR',
    lines: [{ itemCode: 'lab', quantity: '1', unitPrice: { amount: '25.00', currency: 'EUR' }, tax: { category: 'E', percent: '0' } }],
    invoiceDiscount: { kind: 'percent', percent: '10' },
  })
  // @ts-expect-error money is a decimal string, never a number
  priceInvoice({ currency: 'EUR', lines: [{ itemCode: 'x', quantity: 1, unitPrice: { amount: '1', currency: 'EUR' }, tax: { category: 'E', percent: '0' } }] })
  const basis: ShareBasis = b.lines[0]!.share.basis
  assertType<Equals<Breakdown['totals']['gross']['amount'], string>>()
  const plan: FefoPlan = fefoAllocate([{ batch: 'b', expiry: '2026-06-30', receivedAt: new Date(), available: 5 }], 3, '2026-03-02', '2026-03-09')
  const short: number | undefined = plan.shortfall?.available
  return `${b.totals.gross.amount} ${basis} ${plan.picks.length} ${short}`
}

async function billingAndPharmacy(): Promise<number> {
  const h = Hospital.inMemory({ currency: 'EUR', invoiceRounding: 'per_line', paymentTermsDays: 14, reservationMinutes: 60 })
  const admin = await h.bootstrapAdmin('admin')
  await h.setPriceItem(admin, { code: 'lab', name: 'Lab', kind: 'lab_test', versions: [{ effectiveFrom: '2026-01-01', price: { kind: 'fixed', amount: { amount: '25.00', currency: 'EUR' } }, tax: { category: 'E', percent: '0' } }] })
  const invoice: Invoice = await h.openInvoice(admin, '00000000-0000-7000-8000-0000000000a1')
  const status: InvoiceStatus = invoice.status
  // @ts-expect-error statuses are FHIR codes with dashes
  const wrong: InvoiceStatus = 'entered_in_error'
  const gw = PaymentGateway.memory('whsec')
  const paid: Payment | null = await h.applyGatewayWebhook(gw, 'event=x', gw.sign('event=x'))
  const drug = await h.addDrug(admin, { genericName: 'Paracetamol', strength: '500 mg', form: 'tablet', dispensingUnit: 'tablet', packSize: 20, atcCode: 'N02BE01' })
  const sale: Dispense = await h.sellOverTheCounter(admin, { location: 'main', lines: [{ drug: drug.id, quantity: 1 }] })
  const value: StockValuation = await h.stockValuation(admin)
  const held: ReservationStatus = (await h.reserveStock(admin, { patient: 'p', drug: drug.id, location: 'main', quantity: 1 })).status
  try {
    await h.writeOffStock(admin, sale.lines[0]!.batch, 'main', undefined, 'expired')
  } catch (e) {
    if (isHmsError(e) && e.code === 'insufficient_stock') return e.requested - e.available
    if (isHmsError(e) && e.code === 'overpayment') return Number(e.due.amount)
    if (isHmsError(e) && e.code === 'batch_unusable') return e.problem.kind === 'expires_too_soon' ? 1 : 0
  }
  return Number(value.total.amount) + (paid ? 1 : 0) + (status === wrong ? 1 : 0) + (held === 'active' ? 1 : 0)
}

export const checks = [bookTwice, money, calendar, codes, access, pricing, billingAndPharmacy]
