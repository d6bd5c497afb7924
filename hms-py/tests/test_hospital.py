"""Every use case of `hms.Hospital`, with its success and its errors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import hms
from conftest import NOW, TODAY, doctor_details, patient_details, receptionist_details

UNKNOWN_ID = "019cad8f-ac00-7000-8000-000000000000"


# --- the hospital itself ------------------------------------------------------------------------


def test_in_memory_hospital_settings(hospital: hms.Hospital) -> None:
    assert hospital.name == "Test Clinic"
    assert hospital.zone == ZoneInfo("Asia/Kolkata")
    assert hospital.currency == "INR"
    assert hospital.backend == "memory"
    assert hospital.now() == NOW
    assert hospital.today() == TODAY
    assert repr(hospital) == "<Hospital \"Test Clinic\" (memory, Asia/Kolkata, INR)>"


def test_defaults_use_the_system_clock_in_utc() -> None:
    h = hms.Hospital.in_memory()
    assert (h.name, h.zone, h.currency) == ("General Hospital", ZoneInfo("UTC"), "USD")
    before = dt.datetime.now(dt.timezone.utc)
    assert abs(h.now() - before) < dt.timedelta(minutes=1)
    with pytest.raises(RuntimeError, match="system clock"):
        h.set_now(NOW)
    with pytest.raises(RuntimeError, match="system clock"):
        h.advance(dt.timedelta(hours=1))


def test_zone_takes_a_zoneinfo_and_refuses_unknown_names() -> None:
    assert hms.Hospital.in_memory(zone=ZoneInfo("Europe/Berlin")).zone == ZoneInfo("Europe/Berlin")
    with pytest.raises(hms.UnknownZoneError) as caught:
        hms.Hospital.in_memory(zone="Mars/Olympus")
    assert (caught.value.code, caught.value.zone) == ("invalid_input", "Mars/Olympus")
    with pytest.raises(TypeError):
        hms.Hospital.in_memory(zone=5)  # type: ignore[arg-type]
    with pytest.raises(hms.UnknownCurrencyError):
        hms.Hospital.in_memory(currency="XYZ")


def test_a_manual_clock_moves_only_when_told(hospital: hms.Hospital) -> None:
    hospital.advance(dt.timedelta(hours=12))  # 20:00 UTC is 01:30 the next day in Kolkata
    assert hospital.now() == NOW + dt.timedelta(hours=12)
    assert hospital.today() == TODAY + dt.timedelta(days=1)
    hospital.set_now(dt.datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata")))
    assert hospital.now() == dt.datetime(2026, 1, 1, 3, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(hms.ValidationError):
        hospital.set_now(dt.datetime(2026, 1, 1, 9, 0))


def test_the_same_seed_gives_the_same_ids() -> None:
    a = hms.Hospital.in_memory(now=NOW, seed=7).bootstrap_admin("admin")
    b = hms.Hospital.in_memory(now=NOW, seed=7).bootstrap_admin("admin")
    assert a.id == b.id


# --- accounts ---------------------------------------------------------------------------------


def test_bootstrap_admin_happens_once(hospital: hms.Hospital) -> None:
    admin = hospital.bootstrap_admin(" Admin ")
    assert admin.login == "admin"
    assert admin.roles == frozenset({hms.Role.ADMIN}) and admin.has_role("admin")
    assert admin.active and admin.created_at == NOW
    assert admin.staff_id is None and admin.patient_id is None
    with pytest.raises(hms.AlreadyBootstrappedError) as caught:
        hospital.bootstrap_admin("again")
    assert isinstance(caught.value, hms.ForbiddenError) and caught.value.code == "forbidden"


def test_bootstrap_admin_checks_the_login(hospital: hms.Hospital) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hospital.bootstrap_admin("a b")
    assert [(p.field, p.code) for p in caught.value.problems] == [("login", "invalid_format")]


def test_open_accounts_for_staff_and_patients(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    doctor = hospital.hire_staff(admin, doctor_details())
    account = hospital.open_account(admin, hms.NewAccount("Dr.Iyer", [hms.Role.DOCTOR], staff_id=doctor))
    assert account.login == "dr.iyer" and account.staff_id == doctor.id
    assert account.roles == frozenset({hms.Role.DOCTOR})

    patient = hospital.register_patient(admin, patient_details())
    portal = hospital.open_account(admin, hms.NewAccount("asha", ["patient"], patient_id=patient.id))
    assert portal.patient_id == patient.id and portal.staff_id is None

    request = hms.NewAccount("dr.iyer", {"doctor"}, staff_id=doctor.id)
    assert request.staff_id == doctor.id and request.patient_id is None
    assert request.roles == frozenset({hms.Role.DOCTOR})
    assert "NewAccount(login='dr.iyer'" in repr(request)
    with pytest.raises(hms.DuplicateLoginError) as dup:
        hospital.open_account(admin, request)
    assert (dup.value.code, dup.value.login, dup.value.existing_id) == ("duplicate", "dr.iyer", None)


def test_open_account_errors(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    with pytest.raises(hms.NotFoundError) as missing:
        hospital.open_account(admin, hms.NewAccount("ghost", ["admin"], staff_id=UNKNOWN_ID))
    assert (missing.value.entity, missing.value.key) == ("staff member", UNKNOWN_ID)
    assert isinstance(missing.value, LookupError)

    nurse = hospital.hire_staff(admin, doctor_details(role="nurse", doctor=None, license_number="N-1"))
    # No one grants a role they do not hold: an admin cannot make a nurse a doctor.
    with pytest.raises(hms.ForbiddenError) as grant:
        hospital.open_account(admin, hms.NewAccount("nurse.joy", ["doctor"], staff_id=nurse))
    assert (grant.value.action, grant.value.resource) == (hms.Action.CREATE, hms.ResourceKind.USER_ACCOUNT)
    assert "`doctor`" in (grant.value.reason or "")

    # A patient's account holds the patient role alone.
    patient = hospital.register_patient(admin, patient_details())
    with pytest.raises(hms.ValidationError) as wrong_role:
        hospital.open_account(admin, hms.NewAccount("asha", ["patient", "admin"], patient_id=patient))
    assert [(p.field, p.code) for p in wrong_role.value.problems] == [("roles", "inconsistent")]

    with pytest.raises(hms.ValidationError) as both:
        hms.NewAccount("x", ["admin"], staff_id=nurse, patient_id=UNKNOWN_ID)
    assert [(p.field, p.code) for p in both.value.problems] == [("person", "inconsistent")]


# --- staff ------------------------------------------------------------------------------------


def test_hire_a_doctor_and_list_staff(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    doctor = hospital.hire_staff(admin, doctor_details())
    assert doctor.details.license_number == "KMC-12345"
    assert doctor.details.role is hms.StaffRole.DOCTOR
    assert doctor.details.doctor is not None
    assert doctor.details.doctor.specialization == "cardiology"
    assert doctor.details.doctor.consultation_fee == hms.Money("800.00", "INR")
    assert doctor.active and doctor.hired_at == NOW and doctor.version == 1
    desk = hospital.hire_staff(admin.id, receptionist_details())

    everyone = hospital.list_staff(admin)
    assert isinstance(everyone, hms.RecordList) and {s.id for s in everyone} == {doctor.id, desk.id}
    assert [s.id for s in hospital.list_staff(admin, role=hms.StaffRole.DOCTOR)] == [doctor.id]
    assert [s.id for s in hospital.list_staff(admin, "receptionist")] == [desk.id]
    assert hospital.list_staff(admin, "nurse") == []
    assert doctor["specialization"] == "cardiology" and doctor["consultation_fee"] == 800
    assert desk["specialization"] is None and desk["consultation_fee"] is None


def test_hiring_lists_every_problem(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hospital.hire_staff(admin, doctor_details(license_number=None, doctor=None, email="x@"))
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("email", "invalid_email"),
        ("license_number", "required"),
        ("doctor", "required"),
    ]
    assert hospital.list_staff(admin) == [], "nothing was stored"


def test_a_licence_number_belongs_to_one_person(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    first = hospital.hire_staff(admin, doctor_details())
    with pytest.raises(hms.DuplicateLicenseError) as caught:
        hospital.hire_staff(admin, doctor_details(name=hms.PersonName("Other", "Doctor"), license_number="KMC-12345 "))
    e = caught.value
    assert (e.code, e.existing_id, e.license_number) == ("duplicate", first.id, "KMC-12345")
    assert isinstance(e, hms.DuplicateError)


# --- patients ---------------------------------------------------------------------------------


def test_register_a_patient(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details(national_id="1234 5678 9012"))
    assert p.mrn == "000000018"
    assert p.details.phone == "+918041234567" and p.details.national_id == "123456789012"
    assert p.active and p.deactivation is None and p.version == 1
    assert p.registered_at == NOW == p.updated_at
    assert p.age_on(TODAY) == 37
    assert hospital.register_patient(admin, patient_details(name=hms.PersonName("Usha", "Rao"))).mrn == "000000026"


def test_registration_reports_every_invalid_field(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    bad = patient_details(
        name=hms.PersonName(" ", "Rao"),
        birth_date=dt.date(2030, 1, 1),
        phone="12",
        emergency_contacts=[hms.EmergencyContact("Ravi", "spouse", "call me")],
    )
    with pytest.raises(hms.ValidationError) as caught:
        hospital.register_patient(admin, bad)
    e = caught.value
    assert e.code == "invalid_input" and isinstance(e, ValueError)
    assert [(p.field, p.code) for p in e.problems] == [
        ("name.given", "required"),
        ("birth_date", "future_date"),
        ("phone", "invalid_phone"),
        ("emergency_contacts[0].phone", "invalid_phone"),
    ]
    assert str(e) == e.message and e.message.startswith("4 fields are invalid: ")
    assert hospital.search_patients(admin) == [], "nothing was stored"


def test_the_same_person_is_registered_once(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    asha = hospital.register_patient(admin, patient_details(national_id="A1234567"))
    with pytest.raises(hms.DuplicatePatientError) as by_phone:
        hospital.register_patient(admin, patient_details(phone="+91-80-4123-4567"))
    assert by_phone.value.existing_id == asha.id
    assert by_phone.value.matched_on is hms.DuplicateMatch.NAME_BIRTH_DATE_PHONE
    with pytest.raises(hms.DuplicatePatientError) as by_id:
        hospital.register_patient(
            admin, patient_details(name=hms.PersonName("A", "R"), phone=None, national_id="a1234567")
        )
    assert by_id.value.matched_on is hms.DuplicateMatch.NATIONAL_ID
    assert f"`{asha.id}`" in by_id.value.message
    assert len(hospital.search_patients(admin)) == 1


def test_register_many_is_one_call_and_all_or_nothing(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    batch = [
        patient_details(name=hms.PersonName(f"Patient{i}", "Test"), phone=f"+91 80 {i:08d}")
        for i in range(500)
    ]
    registered = hospital.register_many(admin, batch)
    assert isinstance(registered, hms.RecordList) and len(registered) == 500
    assert [p.mrn for p in registered[:2]] == ["000000018", "000000026"]
    assert len({p.id for p in registered}) == 500
    assert registered.to_pandas().shape == (500, 16)

    # One bad row: nothing of the batch is stored.
    bad_batch = [patient_details(name=hms.PersonName("New", "One"), phone="+91 80 99999999"), patient_details(phone="12")]
    with pytest.raises(hms.ValidationError):
        hospital.register_many(admin, bad_batch)
    # A duplicate inside the batch: nothing stored either.
    twins = [patient_details(name=hms.PersonName("Twin", "X")), patient_details(name=hms.PersonName("Twin", "X"))]
    with pytest.raises(hms.DuplicatePatientError):
        hospital.register_many(admin, iter(twins))
    assert len(hospital.search_patients(admin, limit=1000)) == 500
    assert hospital.register_many(admin, []) == []


def test_update_keeps_id_and_mrn(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details())
    hospital.advance(dt.timedelta(minutes=5))
    updated = hospital.update_patient(admin, p, patient_details(email="asha@clinic.example"))
    assert (updated.id, updated.mrn, updated.registered_at) == (p.id, p.mrn, p.registered_at)
    assert updated.version == 2 and updated.updated_at == NOW + dt.timedelta(minutes=5)
    assert updated.details.email == "asha@clinic.example"
    with pytest.raises(hms.ValidationError):
        hospital.update_patient(admin, p.id, patient_details(email="nope"))


def test_deactivate_and_reactivate(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details())
    with pytest.raises(hms.ValidationError) as blank:
        hospital.deactivate_patient(admin, p, " ")
    assert [(x.field, x.code) for x in blank.value.problems] == [("reason", "required")]

    gone = hospital.deactivate_patient(admin, p, "registered in error")
    assert not gone.active and gone.deactivation is not None
    assert gone.deactivation.reason == "registered in error" and gone.deactivation.at == NOW
    assert "Deactivation(at=" in repr(gone.deactivation)
    with pytest.raises(hms.InactiveError) as twice:
        hospital.deactivate_patient(admin, p, "again")
    assert (twice.value.code, twice.value.entity, twice.value.key) == ("inactive", "patient", p.id)
    with pytest.raises(hms.InactiveError):
        hospital.update_patient(admin, p, patient_details())
    assert hospital.search_patients(admin) == []
    assert [x.id for x in hospital.search_patients(admin, include_inactive=True)] == [p.id]

    back = hospital.reactivate_patient(admin, p)
    assert back.active and back.version == 3
    with pytest.raises(hms.AlreadyActiveError) as active:
        hospital.reactivate_patient(admin, p)
    assert isinstance(active.value, hms.InvalidTransitionError)
    assert (active.value.code, active.value.entity, active.value.key) == ("invalid_transition", "patient", p.id)


def test_read_a_patient(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details())
    assert hospital.patient(admin, p) == p
    assert hospital.patient(admin.id, p.id) == p
    with pytest.raises(hms.NotFoundError) as missing:
        hospital.patient(admin, UNKNOWN_ID)
    assert (missing.value.code, missing.value.entity, missing.value.key) == ("not_found", "patient", UNKNOWN_ID)
    with pytest.raises(hms.ValidationError) as malformed:
        hospital.patient(admin, "P-42")
    assert malformed.value.problems[0].code == "invalid_format"
    with pytest.raises(TypeError, match="Patient"):
        hospital.patient(admin, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="UserAccount"):
        hospital.patient(None, p)  # type: ignore[arg-type]


def test_search_patients(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    asha = hospital.register_patient(admin, patient_details(national_id="A1234567"))
    hospital.register_patient(admin, patient_details(name=hms.PersonName("Ravi", "Kumar"), phone="+91 80 1111 2222"))
    hospital.register_patient(admin, patient_details(name=hms.PersonName("Asha", "Bhat"), phone="+91 80 3333 4444"))
    assert [p.details.name.full for p in hospital.search_patients(admin, "ash")] == ["Asha Bhat", "Asha Rao"]
    assert [p.id for p in hospital.search_patients(admin, "ash ra")] == [asha.id]
    assert [p.id for p in hospital.search_patients(admin, asha.mrn)] == [asha.id]
    assert [p.id for p in hospital.search_patients(admin, "a1234567")] == [asha.id]
    assert [p.id for p in hospital.search_patients(admin, "+91 (80) 4123-4567")] == [asha.id]
    assert len(hospital.search_patients(admin)) == 3
    assert len(hospital.search_patients(admin, limit=2)) == 2
    assert hospital.search_patients(admin, "zzz") == []


# --- access -----------------------------------------------------------------------------------


def test_the_policy_denies_and_audits(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    desk_staff = hospital.hire_staff(admin, receptionist_details())
    desk = hospital.open_account(admin, hms.NewAccount("ravi", ["receptionist"], staff_id=desk_staff))
    p = hospital.register_patient(desk, patient_details())

    with pytest.raises(hms.ForbiddenError) as caught:
        hospital.hire_staff(desk, doctor_details())
    e = caught.value
    assert type(e) is hms.ForbiddenError and e.code == "forbidden"
    assert (e.account_id, e.action, e.resource) == (desk.id, hms.Action.CREATE, hms.ResourceKind.STAFF)
    assert e.rule == "default-deny" and "`receptionist`" in (e.reason or "")

    denial = hospital.audit_after()[-1]
    assert (denial.account_id, denial.action, denial.resource, denial.allowed) == (
        desk.id, hms.Action.CREATE, hms.ResourceKind.STAFF, False,
    )
    assert [r.patient_id for r in hospital.audit_after() if r.allowed and r.resource == "patient_profile"] == [p.id]

    other = hospital.register_patient(admin, patient_details(name=hms.PersonName("Ravi", "Kumar"), phone=None))
    portal = hospital.open_account(admin, hms.NewAccount("asha", ["patient"], patient_id=p))
    assert hospital.patient(portal, p) == p
    with pytest.raises(hms.ForbiddenError) as nosy:
        hospital.patient(portal, other)
    assert nosy.value.action is hms.Action.READ and nosy.value.resource is hms.ResourceKind.PATIENT_PROFILE


def test_an_unknown_account_may_do_nothing(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    with pytest.raises(hms.UnknownAccountError) as caught:
        hospital.register_patient(UNKNOWN_ID, patient_details())
    e = caught.value
    assert isinstance(e, hms.ForbiddenError)
    assert (e.code, e.account_id, e.action, e.resource) == ("forbidden", UNKNOWN_ID, None, None)


# --- logs -------------------------------------------------------------------------------------


def test_events_are_an_ordered_outbox(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details())
    hospital.deactivate_patient(admin, p, "moved away")
    events = hospital.events_after()
    assert [e.type for e in events] == ["account.opened", "patient.registered", "patient.deactivated"]
    assert [e.seq for e in events] == [1, 2, 3]
    registered = events[1]
    assert registered.data == {"patient": p.id, "mrn": p.mrn}
    assert registered.actor_id == admin.id and registered.at == NOW
    assert events[2].data == {"patient": p.id, "reason": "moved away"}
    assert [e.seq for e in hospital.events_after(after=1, limit=1)] == [2]
    assert hospital.events_after(after=3) == []
    assert "Event(seq=1" in repr(events[0])


def test_audit_records(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details())
    hospital.patient(admin, p)
    records = hospital.audit_after()
    assert [(r.seq, r.action, r.resource, r.allowed, r.rule) for r in records] == [
        (1, hms.Action.CREATE, hms.ResourceKind.PATIENT_PROFILE, True, "admin-registers-patients"),
        (2, hms.Action.READ, hms.ResourceKind.PATIENT_PROFILE, True, "admin-registers-patients"),
    ]
    assert records[0].patient_id == p.id and records[0].account_id == admin.id and records[0].at == NOW
    assert "AuditRecord(seq=1" in repr(records[0])
