// Access control through the binding: the Policy class and its synchronous decision, a hospital
// under a policy of its own, account roles, care teams, emergency access, the audit log, a
// patient's access report and the audit chain.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { NOW, clinic, hms, rejectsWith, throwsWith } from './support.mjs'

const { Policy } = hms
const NOBODY = '00000000-0000-7000-8000-000000000404'
const at = (minutes) => new Date(Date.parse(NOW) + minutes * 60_000)

/** A clinic with accounts for Dr Sen, a nurse and the first patient. */
async function staffedClinic(policy) {
  const c = await clinic({}, policy)
  const { h, admin, doctor, patients } = c
  const nurse = await h.hireStaff(admin, { name: { given: 'Ana', family: 'Lima' }, role: 'nurse', licenseNumber: 'RN-7' })
  const dr = await h.openAccount(admin, { login: 'dr.sen', person: { kind: 'staff', id: doctor.id }, roles: ['doctor'] })
  const rn = await h.openAccount(admin, { login: 'rn.lima', person: { kind: 'staff', id: nurse.id }, roles: ['nurse'] })
  const asha = await h.openAccount(admin, { login: 'asha', person: { kind: 'patient', id: patients[0].id }, roles: ['patient'] })
  return { ...c, nurse, dr, rn, asha }
}

test('Policy: the built-in policy, its settings, and JSON and TOML round trips', () => {
  const p = Policy.hospitalDefault()
  assert.ok(p.ruleCount > 10)
  assert.equal(p.ruleIds().length, p.ruleCount)
  assert.ok(p.ruleIds().includes('doctor-treats-related-patients'))
  assert.equal(p.breakGlassMaxMinutes, 240)
  assert.deepEqual(p.appointmentWindow, { daysBefore: 7, daysAfter: 30, hoursAfterCancellation: 0 })
  const fromJson = Policy.fromJson(p.toJson())
  assert.deepEqual(fromJson.ruleIds(), p.ruleIds())
  assert.equal(fromJson.toJson(), p.toJson())
  const fromToml = Policy.fromToml(p.toToml())
  assert.deepEqual(fromToml.ruleIds(), p.ruleIds())
  assert.equal(fromToml.toToml(), p.toToml())
  const small = Policy.fromToml(`
[settings]
break_glass_max_minutes = 30

[[rules]]
id = "desk-reads-staff"
effect = "permit"
roles = ["receptionist"]
actions = ["read"]
resources = ["staff"]
`)
  assert.deepEqual([small.ruleCount, small.breakGlassMaxMinutes, small.ruleIds()], [1, 30, ['desk-reads-staff']])
})

test('invalid_policy lists every problem of a policy document by path and code', () => {
  const e = throwsWith(
    () =>
      Policy.fromJson(
        JSON.stringify({
          settings: { break_glass_max_minutes: 0 },
          rules: [
            { id: 'a', effect: 'maybe', roles: ['wizard'], actions: ['read'], resources: ['staff'] },
            { id: 'a', effect: 'permit', roles: ['admin'], actions: ['fly'], resources: ['moon'], when: 'sometimes' },
          ],
        }),
      ),
    'invalid_policy',
    'invalid_policy',
  )
  const codes = e.problems.map((p) => `${p.path} ${p.code}`)
  for (const expected of ['rules[0].effect unknown_effect', 'rules[0].roles[0] unknown_role', 'rules[1].id duplicate_rule_id', 'rules[1].actions[0] unknown_action', 'rules[1].resources[0] unknown_resource', 'rules[1].when unknown_condition']) {
    assert.ok(codes.includes(expected), `${expected} in ${codes}`)
  }
  assert.ok(e.problems.some((p) => p.path.startsWith('settings') && p.code === 'out_of_range'), codes.join('; '))
  assert.ok(e.problems.every((p) => p.message.length > 0))
  const syntax = throwsWith(() => Policy.fromToml('rules = ['), 'invalid_policy', 'invalid_policy')
  assert.deepEqual(syntax.problems.map((p) => p.code), ['syntax'])
  assert.deepEqual(throwsWith(() => Policy.fromJson('not json'), 'invalid_policy').problems.map((p) => p.code), ['syntax'])
})

test('Policy.decide: deny unless a rule allows, relationships in force, break-glass, forbid beats permit', () => {
  const p = Policy.hospitalDefault()
  const staff = '019cad58-bd80-71aa-becb-86beda3f68d6'
  const patient = '019cad58-bd80-70ce-895d-dfd60ce761e3'
  const doctor = { id: '019cad58-bd80-7cf8-896b-abb0e20da456', roles: ['doctor'], person: { kind: 'staff', id: staff } }
  const read = { subject: doctor, action: 'read', resource: 'medical_record', patient }
  const denied = p.decide(read, NOW)
  assert.deepEqual(denied, { allowed: false, rule: 'default-deny', reason: denied.reason, breakGlass: false })
  assert.match(denied.reason, /no care relationship/)

  const team = { kind: 'care_team', staff, patient, validFrom: at(-60) }
  const allowed = p.decide(read, NOW, { relationships: [team] })
  assert.deepEqual([allowed.allowed, allowed.rule, allowed.breakGlass], [true, 'doctor-treats-related-patients', false])
  // A relationship holds over [validFrom, validUntil): not after it ended, not before it starts.
  assert.equal(p.decide(read, new Date(NOW), { relationships: [{ ...team, validUntil: NOW }] }).allowed, false)
  assert.equal(p.decide(read, at(-61), { relationships: [team] }).allowed, false)
  // Someone else's relationship is no relationship of this doctor's.
  assert.equal(p.decide(read, NOW, { relationships: [{ ...team, staff: NOBODY }] }).allowed, false)

  const glass = { staff, patient, openedAt: at(-5), expiresAt: at(25) }
  const emergency = p.decide(read, NOW, { breakGlass: [glass] })
  assert.deepEqual([emergency.allowed, emergency.rule, emergency.breakGlass], [true, 'doctor-emergency-access', true])
  assert.equal(p.decide(read, at(25), { breakGlass: [glass] }).allowed, false, 'lapsed')

  // A patient account reaches its own records and never another patient's (a forbid rule).
  const own = { id: NOBODY, roles: ['patient'], person: { kind: 'patient', id: patient } }
  assert.equal(p.decide({ subject: own, action: 'read', resource: 'medical_record', patient }, NOW).allowed, true)
  const other = p.decide({ subject: own, action: 'read', resource: 'medical_record', patient: NOBODY }, NOW)
  assert.deepEqual([other.allowed, other.rule], [false, 'patients-reach-only-their-own-data'])

  // Granting a role one does not hold is forbidden even to an admin.
  const admin = { id: NOBODY, roles: ['admin'] }
  assert.equal(p.decide({ subject: admin, action: 'grant', resource: 'user_account' }, NOW).allowed, true)
  const beyond = p.decide({ subject: admin, action: 'grant', resource: 'user_account', grants: ['doctor'] }, NOW)
  assert.deepEqual([beyond.allowed, beyond.rule], [false, 'no-grant-beyond-own-roles'])

  const bad = throwsWith(() => p.decide({ ...read, subject: { ...doctor, id: 'D-17' }, patient: 'P-1' }, 'yesterday', { relationships: [{ ...team, validFrom: 'soon' }] }), 'invalid_input', 'validation')
  assert.deepEqual(bad.problems.map((x) => x.field).sort(), ['now', 'patient', 'relationships[0].validFrom', 'subject.id'])
})

test('a hospital decides with the policy it is given', async () => {
  const plain = await clinic()
  assert.equal(plain.h.policy.breakGlassMaxMinutes, 240)
  const doc = JSON.parse(Policy.hospitalDefault().toJson())
  doc.settings.break_glass_max_minutes = 30
  const { h, rn, patients } = await staffedClinic(Policy.fromJson(JSON.stringify(doc)))
  assert.equal(h.policy.breakGlassMaxMinutes, 30)
  assert.deepEqual(h.policy.ruleIds(), plain.h.policy.ruleIds())
  const e = await rejectsWith(h.openBreakGlass(rn, patients[2], 'found unconscious', 31), 'invalid_input', 'validation')
  assert.deepEqual(e.problems.map((p) => p.field), ['minutes'])
  assert.equal((await h.openBreakGlass(rn, patients[2], 'found unconscious', 30)).expiresAt.getTime(), at(30).getTime())
})

test('setAccountRoles: only admins, and no one grants a role they do not hold', async () => {
  const { h, admin, desk, dr } = await staffedClinic()
  const promoted = await h.setAccountRoles(admin, desk, ['receptionist', 'admin'])
  assert.deepEqual(promoted.roles, ['admin', 'receptionist'])
  const beyond = await rejectsWith(h.setAccountRoles(admin, desk.id, ['receptionist', 'doctor']), 'forbidden', 'forbidden')
  assert.deepEqual([beyond.action, beyond.resource, beyond.rule], ['grant', 'user_account', 'no-grant-beyond-own-roles'])
  await rejectsWith(h.setAccountRoles(dr, desk, ['receptionist']), 'forbidden', 'forbidden')
  await rejectsWith(h.setAccountRoles(admin, dr, []), 'invalid_input', 'validation')
  // The doctor's own record entitles the account to `doctor`: setting it is no grant.
  assert.deepEqual((await h.setAccountRoles(admin, dr, ['doctor'])).roles, ['doctor'])
  await rejectsWith(h.setAccountRoles(admin, 'A-1', ['doctor']), 'invalid_input', 'validation')
  const events = (await h.eventsAfter(0)).filter((e) => e.type === 'account.roles_changed')
  assert.deepEqual(events.map((e) => e.data.roles), [['admin', 'receptionist'], ['doctor']])
})

test('care teams: add, list, refuse a second link, end, refuse to end twice', async () => {
  const { h, admin, desk, clerk, nurse, dr, rn, patients } = await staffedClinic()
  const [, ravi] = patients
  // Without a relationship the doctor may not even look at the patient's care team.
  await rejectsWith(h.careTeam(dr, ravi), 'forbidden', 'forbidden')
  const link = await h.addCareTeamMember(desk, ravi, dr.person.id)
  assert.deepEqual(
    [link.staff, link.patient, link.role, link.validFrom.getTime(), link.addedBy, link.validUntil ?? null, link.endedBy ?? null],
    [dr.person.id, ravi.id, 'doctor', Date.parse(NOW), desk.id, null, null],
  )
  // On the team, the doctor reads it and may add a colleague.
  const withNurse = await h.addCareTeamMember(dr, ravi.id, nurse, at(60 * 24))
  assert.equal(withNurse.validUntil.getTime(), at(60 * 24).getTime())
  assert.deepEqual((await h.careTeam(dr, ravi)).map((l) => l.id), [link.id, withNurse.id])
  await rejectsWith(h.addCareTeamMember(rn, ravi, nurse), 'forbidden', 'forbidden')
  const dup = await rejectsWith(h.addCareTeamMember(desk, ravi, nurse.id), 'duplicate', 'duplicate_care_team_member')
  assert.deepEqual([dup.staffId, dup.patientId, dup.existingId], [nurse.id, ravi.id, withNurse.id])
  await rejectsWith(h.addCareTeamMember(desk, ravi, clerk), 'invalid_input', 'validation')
  await rejectsWith(h.addCareTeamMember(desk, ravi, dr.person.id, at(-1)), 'invalid_input')
  await rejectsWith(h.addCareTeamMember(desk, NOBODY, nurse), 'not_found', 'not_found')
  await rejectsWith(h.addCareTeamMember(desk, ravi, nurse, 'tomorrow'), 'invalid_input', 'validation')

  h.advance(30)
  const ended = await h.endCareTeamMember(desk, link)
  assert.deepEqual([ended.validUntil.getTime(), ended.endedBy], [at(30).getTime(), desk.id])
  const again = await rejectsWith(h.endCareTeamMember(desk, link.id), 'invalid_transition', 'care_team_link_ended')
  assert.equal(again.linkId, link.id)
  await rejectsWith(h.endCareTeamMember(admin, NOBODY), 'not_found')
  // The link ended, so the doctor's care relationship did too.
  await rejectsWith(h.careTeam(dr, ravi), 'forbidden', 'forbidden')
  assert.deepEqual((await h.careTeam(admin, ravi)).map((l) => [l.id, l.endedBy ?? null]), [[link.id, desk.id], [withNurse.id, null]])
  const types = (await h.eventsAfter(0)).map((e) => e.type)
  assert.deepEqual(types.filter((t) => t.startsWith('care_team.')), ['care_team.member_added', 'care_team.member_added', 'care_team.member_ended'])
})

test('break-glass: clinicians open it with a reason, it lapses, and every use is flagged', async () => {
  const { h, admin, desk, dr, patients } = await staffedClinic()
  const lena = patients[2]
  await rejectsWith(h.careTeam(dr, lena), 'forbidden')
  const grant = await h.openBreakGlass(dr, lena, '  collapsed in the waiting room ', 20)
  assert.deepEqual(
    [grant.account, grant.staff, grant.patient, grant.reason, grant.openedAt.getTime(), grant.expiresAt.getTime()],
    [dr.id, dr.person.id, lena.id, 'collapsed in the waiting room', Date.parse(NOW), at(20).getTime()],
  )
  const opened = (await h.eventsAfter(0)).find((e) => e.type === 'access.break_glass_opened')
  assert.deepEqual([opened.data.grant, opened.data.reason, opened.actor], [grant.id, 'collapsed in the waiting room', dr.id])
  for (const [who, reason, minutes, code] of [
    [desk, 'x', 10, 'forbidden'],
    [admin, 'x', 10, 'forbidden'],
    [dr, '   ', 10, 'invalid_input'],
    [dr, 'x', 0, 'invalid_input'],
    [dr, 'x', 241, 'invalid_input'],
  ]) {
    await rejectsWith(h.openBreakGlass(who, lena, reason, minutes), code)
  }
  await rejectsWith(h.openBreakGlass(dr, NOBODY, 'x', 10), 'not_found')
  const log = await h.auditLog(admin)
  const entry = log.find((e) => e.resource === 'break_glass' && e.allowed)
  assert.match(entry.reason, /reason given: `collapsed in the waiting room`/)
})

test('the audit log: admins review it, patients see who read their data, the chain holds', async () => {
  const { h, admin, desk, dr, asha, patients } = await staffedClinic()
  await h.patient(desk, patients[0])
  await rejectsWith(h.patient(asha, patients[1]), 'forbidden', 'forbidden')
  const log = await h.auditLog(admin)
  assert.deepEqual(log.map((e) => e.seq), log.map((_, i) => i + 1))
  assert.equal(log[0].prevHash, '0'.repeat(64))
  log.forEach((e, i) => {
    assert.match(e.hash, /^[0-9a-f]{64}$/)
    if (i > 0) assert.equal(e.prevHash, log[i - 1].hash)
    assert.ok(e.at instanceof Date && typeof e.reason === 'string' && typeof e.breakGlass === 'boolean')
  })
  const denial = log.find((e) => !e.allowed)
  assert.deepEqual([denial.account, denial.action, denial.resource, denial.patient, denial.rule], [asha.id, 'read', 'patient_profile', patients[1].id, 'patients-reach-only-their-own-data'])
  assert.deepEqual((await h.auditLog(admin, 2, 3)).map((e) => e.seq), [3, 4, 5])
  await rejectsWith(h.auditLog(desk), 'forbidden', 'forbidden')
  await rejectsWith(h.auditLog(admin, -1), 'invalid_input', 'validation')

  const report = await h.patientAccessReport(asha, patients[0])
  assert.ok(report.some((e) => e.login === 'desk' && e.action === 'read' && e.resource === 'patient_profile'))
  assert.ok(report.every((e) => e.at instanceof Date && typeof e.rule === 'string' && e.breakGlass === false))
  assert.deepEqual((await h.patientAccessReport(admin, patients[0])).slice(0, report.length), report)
  await rejectsWith(h.patientAccessReport(asha, patients[1]), 'forbidden')
  await rejectsWith(h.patientAccessReport(dr, patients[0]), 'forbidden')
  await rejectsWith(h.patientAccessReport(admin, NOBODY), 'not_found')

  const verified = await h.verifyAuditChain()
  const all = await h.auditAfter(0, 100000)
  assert.deepEqual(verified, { intact: true, entries: all.length, head: all.at(-1).hash, problems: [] })
})
