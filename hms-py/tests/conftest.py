"""Shared fixtures: a hospital whose clock stands still and whose ids are reproducible."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
