"""Shared fixtures: a hospital whose clock stands still and whose ids are reproducible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import hms

UTC = dt.timezone.utc
# 08:00 UTC is 13:30 in Kolkata, so the hospital's today is the same date as UTC's.
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def hospital() -> hms.Hospital:
    return hms.Hospital.in_memory(
        name="Test Clinic", zone="Asia/Kolkata", currency="INR", now=NOW, seed=42
    )


@pytest.fixture
def admin(hospital: hms.Hospital) -> hms.UserAccount:
    return hospital.bootstrap_admin("admin")


def patient_details(**changes: Any) -> hms.PatientDetails:
    """Asha Rao's registration form, with `changes` applied."""
    fields: dict[str, Any] = {
        "name": hms.PersonName("Asha", "Rao"),
        "birth_date": dt.date(1988, 4, 12),
        "sex": hms.AdministrativeSex.FEMALE,
        "phone": "+91 80 4123 4567",
    }
    fields.update(changes)
    return hms.PatientDetails(**fields)


def doctor_details(**changes: Any) -> hms.StaffDetails:
    """Dr Meera Iyer's hiring form, with `changes` applied."""
    fields: dict[str, Any] = {
        "name": hms.PersonName("Meera", "Iyer"),
        "role": hms.StaffRole.DOCTOR,
        "department": "Cardiology",
        "license_number": "kmc-12345",
        "doctor": hms.DoctorProfile("Cardiology", hms.Money("800.00", "INR")),
    }
    fields.update(changes)
    return hms.StaffDetails(**fields)


def receptionist_details(**changes: Any) -> hms.StaffDetails:
    fields: dict[str, Any] = {
        "name": hms.PersonName("Ravi", "Kumar"),
        "role": "receptionist",
        "department": "front desk",
    }
    fields.update(changes)
    return hms.StaffDetails(**fields)


# --- scheduling -------------------------------------------------------------------------------
# The clinic's clock shows Monday 2 March 2026, 13:30 in Kolkata (NOW). Dr Iyer works 09:00-18:00
# on Mondays and 09:00-13:00 Tuesday to Friday, on a 15-minute grid; visits can be booked from an
# hour ahead (lead time) up to 30 days ahead (horizon).
KOLKATA = ZoneInfo("Asia/Kolkata")
TUESDAY = dt.date(2026, 3, 3)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in Kolkata, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=KOLKATA)


def template(doctor: Any, **changes: Any) -> hms.AvailabilityTemplate:
    fields: dict[str, Any] = {
        "zone": KOLKATA,
        "weekly_hours": [hms.WeeklyHours("monday", dt.time(9), dt.time(18))]
        + [hms.WeeklyHours(d, dt.time(9), dt.time(13)) for d in ("tuesday", "wednesday", "thursday", "friday")],
        "effective_from": dt.date(2026, 1, 1),
        "slot_minutes": 15,
        "visit_types": [
            hms.VisitType("consult", "Consultation", 30),
            hms.VisitType("procedure", "Procedure", 30, buffer_minutes=15, required_resource_kinds=["procedure_room"]),
        ],
        "horizon_days": 30,
        "lead_time_minutes": 60,
        "location": "OPD room 4",
    }
    fields.update(changes)
    return hms.AvailabilityTemplate(doctor, **fields)


@dataclass
class Clinic:
    hospital: hms.Hospital
    admin: hms.UserAccount
    doctor: hms.Staff
    doctor_account: hms.UserAccount
    desk: hms.UserAccount
    asha: hms.Patient
    ravi: hms.Patient


def make_clinic(hospital: hms.Hospital) -> Clinic:
    admin = hospital.bootstrap_admin("admin")
    doctor = hospital.hire_staff(admin, doctor_details())
    doctor_account = hospital.open_account(admin, hms.NewAccount("dr.iyer", ["doctor"], staff_id=doctor))
    desk_staff = hospital.hire_staff(admin, receptionist_details())
    desk = hospital.open_account(admin, hms.NewAccount("desk", ["receptionist"], staff_id=desk_staff))
    hospital.set_availability(admin, doctor, [template(doctor)])
    asha = hospital.register_patient(desk, patient_details())
    ravi = hospital.register_patient(
        desk, patient_details(name=hms.PersonName("Ravi", "Shankar"), phone="+91 80 5555 0101")
    )
    return Clinic(hospital, admin, doctor, doctor_account, desk, asha, ravi)


@pytest.fixture
def clinic(hospital: hms.Hospital) -> Clinic:
    return make_clinic(hospital)
