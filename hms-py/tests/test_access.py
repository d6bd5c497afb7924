"""Access control from Python: roles, care teams, break-glass, denials, the audit log, the access
report of a patient and the audit chain's verification."""

from __future__ import annotations

import datetime as dt

import pytest

import hms
from conftest import NOW, TUESDAY, Clinic, at, receptionist_details


def nurse(c: Clinic) -> tuple[hms.Staff, hms.UserAccount]:
    staff = c.hospital.hire_staff(
        c.admin,
        hms.StaffDetails(name=hms.PersonName("Joy", "Thomas"), role="nurse", department="ward 3", license_number="KNC-77"),
    )
    return staff, c.hospital.open_account(c.admin, hms.NewAccount("nurse.joy", ["nurse"], staff_id=staff))


def test_set_account_roles(clinic: Clinic) -> None:
    h = clinic.hospital
    updated = h.set_account_roles(clinic.admin, clinic.desk, ["receptionist", hms.Role.ADMIN])
    assert updated.roles == frozenset({hms.Role.RECEPTIONIST, hms.Role.ADMIN})
    with pytest.raises(hms.ForbiddenError) as grant:
        h.set_account_roles(clinic.admin, clinic.desk, ["receptionist", "doctor"])
    assert (grant.value.action, grant.value.rule) == (hms.Action.GRANT, "no-grant-beyond-own-roles")
    with pytest.raises(hms.ForbiddenError):
        h.set_account_roles(clinic.doctor_account, clinic.desk, ["receptionist"])
    with pytest.raises(hms.NotFoundError):
        h.set_account_roles(clinic.admin, "019cad8f-ac00-7000-8000-0000000000ab", ["admin"])


def test_a_denied_read_is_refused_and_audited(clinic: Clinic) -> None:
    h = clinic.hospital
    _, joy = nurse(clinic)
    with pytest.raises(hms.ForbiddenError) as caught:
        h.care_team(joy, clinic.asha)
    e = caught.value
    assert (e.code, e.account_id, e.action, e.resource) == ("forbidden", joy.id, hms.Action.READ, hms.ResourceKind.CARE_TEAM)
    assert e.rule and e.reason
    denied = [r for r in h.audit_after() if not r.allowed]
    assert [(r.account_id, r.patient_id, r.rule) for r in denied] == [(joy.id, clinic.asha.id, e.rule)]


def test_care_team_links(clinic: Clinic) -> None:
    h = clinic.hospital
    joy_staff, joy = nurse(clinic)
    until = NOW + dt.timedelta(days=7)
    link = h.add_care_team_member(clinic.desk, clinic.asha, joy_staff, valid_until=until)
    assert (link.staff_id, link.patient_id, link.role, link.valid_from, link.valid_until, link.added_by, link.ended_by) == (
        joy_staff.id, clinic.asha.id, hms.StaffRole.NURSE, NOW, until, clinic.desk.id, None)
    # On the team, the nurse may read it.
    assert [l.id for l in h.care_team(joy, clinic.asha)] == [link.id]
    assert list(h.care_team(clinic.desk, clinic.asha).to_pandas().columns)[:3] == ["id", "staff_id", "patient_id"]

    with pytest.raises(hms.DuplicateCareTeamMemberError) as dup:
        h.add_care_team_member(clinic.desk, clinic.asha, joy_staff)
    assert (dup.value.code, dup.value.existing_id, dup.value.staff_id, dup.value.patient_id) == (
        "duplicate", link.id, joy_staff.id, clinic.asha.id)
    assert isinstance(dup.value, hms.DuplicateError)

    h.advance(dt.timedelta(hours=1))
    ended = h.end_care_team_member(clinic.desk, link)
    assert (ended.valid_until, ended.ended_by) == (NOW + dt.timedelta(hours=1), clinic.desk.id)
    with pytest.raises(hms.CareTeamLinkEndedError) as again:
        h.end_care_team_member(clinic.desk, link.id)
    assert (again.value.code, again.value.link_id) == ("invalid_transition", link.id)
    assert isinstance(again.value, hms.InvalidTransitionError)
    with pytest.raises(hms.ForbiddenError):
        h.care_team(joy, clinic.asha)


def test_break_the_glass(clinic: Clinic) -> None:
    h = clinic.hospital
    grant = h.open_break_glass(clinic.doctor_account, clinic.ravi, reason="unconscious in A&E", minutes=60)
    assert (grant.account_id, grant.staff_id, grant.patient_id, grant.reason) == (
        clinic.doctor_account.id, clinic.doctor.id, clinic.ravi.id, "unconscious in A&E")
    assert (grant.opened_at, grant.expires_at) == (NOW, NOW + dt.timedelta(hours=1))
    flagged = [r for r in h.audit_after() if r.patient_id == clinic.ravi.id and r.resource == hms.ResourceKind.BREAK_GLASS]
    assert flagged and "unconscious in A&E" in flagged[-1]["reason"]
    with pytest.raises(hms.ValidationError):
        h.open_break_glass(clinic.doctor_account, clinic.ravi, reason="", minutes=60)
    with pytest.raises(hms.ForbiddenError):
        h.open_break_glass(clinic.desk, clinic.ravi, reason="curious", minutes=10)


def test_audit_log_access_report_and_chain(clinic: Clinic) -> None:
    h = clinic.hospital
    h.patient(clinic.desk, clinic.asha)
    log = h.audit_log(clinic.admin)
    assert [r.seq for r in log] == list(range(1, len(log) + 1))
    assert h.audit_log(clinic.admin, after=1, limit=1)[0].seq == 2
    with pytest.raises(hms.ForbiddenError) as caught:
        h.audit_log(clinic.desk)
    assert caught.value.resource == hms.ResourceKind.AUDIT_LOG

    report = h.patient_access_report(clinic.admin, clinic.asha)
    assert {(e.login, e.action) for e in report} >= {("desk", hms.Action.CREATE), ("desk", hms.Action.READ)}
    assert list(report.to_pandas().columns) == ["at", "account_id", "login", "action", "resource", "break_glass", "rule"]
    assert all(e.at == NOW and e.break_glass is False for e in report)

    check = h.verify_audit_chain()
    assert check.intact and bool(check) and check.problems == []
    assert check.entries == len(h.audit_after(limit=100_000))
    assert len(check.head) == 64 and int(check.head, 16) >= 0
    assert "AuditVerification(entries=" in repr(check)


def test_a_policy_of_ones_own(clinic: Clinic) -> None:
    policy = """
[[rules]]
id = "desk-registers"
effect = "permit"
roles = ["receptionist", "admin"]
actions = ["create", "read"]
resources = ["patient_profile", "staff", "user_account"]
"""
    h = hms.Hospital.in_memory(now=NOW, seed=5, policy=policy)
    admin = h.bootstrap_admin("admin")
    p = h.register_patient(admin, hms.PatientDetails(name=hms.PersonName("A", "B"), birth_date=dt.date(1990, 1, 1), sex="female"))
    assert h.audit_after()[0].rule == "desk-registers"
    with pytest.raises(hms.ForbiddenError):
        h.deactivate_patient(admin, p, "no rule allows it")

    with pytest.raises(hms.InvalidPolicyError) as caught:
        hms.Hospital.in_memory(policy=policy.replace('"receptionist"', '"surgeon"').replace('"read"]', '"mend"]'))
    e = caught.value
    assert e.code == "invalid_policy" and isinstance(e, ValueError)
    assert {p["code"] for p in e.problems} == {"unknown_role", "unknown_action"}
    assert all(set(p) == {"path", "code", "message"} for p in e.problems)
    json_policy = '{"rules": [{"id": "x", "effect": "permit", "roles": ["admin"], "actions": ["read"], "resources": ["staff"]}]}'
    assert hms.Hospital.in_memory(policy=json_policy).name == "General Hospital"


def test_a_patient_reaches_only_their_own_appointments(clinic: Clinic) -> None:
    h = clinic.hospital
    a = h.book_appointment(clinic.desk, hms.BookingRequest(clinic.asha, clinic.doctor, "consult", at(TUESDAY, 10)))
    b = h.book_appointment(clinic.desk, hms.BookingRequest(clinic.ravi, clinic.doctor, "consult", at(TUESDAY, 11)))
    asha = h.open_account(clinic.admin, hms.NewAccount("asha", ["patient"], patient_id=clinic.asha))
    assert h.appointment(asha, a).id == a.id
    with pytest.raises(hms.ForbiddenError) as caught:
        h.appointment(asha, b)
    assert caught.value.rule == "patients-reach-only-their-own-data"
    # Another receptionist, whose account is a different person, reads it at the desk.
    other = h.hire_staff(clinic.admin, receptionist_details(name=hms.PersonName("Ana", "Das")))
    ana = h.open_account(clinic.admin, hms.NewAccount("ana", ["receptionist"], staff_id=other))
    assert h.patient_appointments(ana, clinic.ravi, hms.Interval(at(TUESDAY, 0), at(TUESDAY, 23))) == [b]
