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


# --- billing and pharmacy ---------------------------------------------------------------------
# The clinic bills in rupees: a consultation at the doctor's fee (800.00), a blood count at 250.00
# (exempt), a bandage at 118.00 with 18 % tax included, and medicine at the price the dispense
# carries. Acme Health's Silver plan: 500.00 deductible, 200.00 copay on a `consult` visit, 20 %
# coinsurance. The pharmacy stocks paracetamol (over the counter, reorder at 50) and amoxicillin
# (prescription only).


def inr(amount: str) -> hms.Money:
    return hms.Money(amount, "INR")


def price_list() -> list[hms.PriceItem]:
    since = dt.date(2026, 1, 1)
    return [
        hms.PriceItem("consultation", "Consultation", "consultation", [hms.PriceVersion(since, hms.Price(doctor_fee_percent=100))]),
        hms.PriceItem("lab.cbc", "Complete blood count", hms.ItemKind.LAB_TEST, [hms.PriceVersion(since, inr("250.00"))]),
        hms.PriceItem(
            "otc.bandage", "Bandage", "other",
            [hms.PriceVersion(since, inr("118.00"), hms.TaxRate("S", 18), tax_inclusive=True)],
        ),
        hms.PriceItem("med", "Medicine", "medicine", [hms.PriceVersion(since, hms.Price(from_source=True))]),
    ]


def silver() -> hms.CoveragePlan:
    return hms.CoveragePlan(
        "Acme Health", plan="Silver", currency="INR", annual_deductible=inr("500.00"),
        coinsurance_percent=20, copays={"consult": inr("200.00")},
    )


@dataclass
class Desk:
    clinic: Clinic
    clerk: hms.UserAccount
    pharmacist: hms.UserAccount
    paracetamol: hms.Drug
    amoxicillin: hms.Drug

    @property
    def hospital(self) -> hms.Hospital:
        return self.clinic.hospital


def make_desk(hospital: hms.Hospital) -> Desk:
    c = make_clinic(hospital)
    clerk_staff = hospital.hire_staff(c.admin, receptionist_details(name=hms.PersonName("Bina", "Clerk"), role="billing_clerk"))
    clerk = hospital.open_account(c.admin, hms.NewAccount("clerk", ["billing_clerk"], staff_id=clerk_staff))
    pharma_staff = hospital.hire_staff(
        c.admin, receptionist_details(name=hms.PersonName("Priya", "Pharma"), role="pharmacist", license_number="PH-1")
    )
    pharmacist = hospital.open_account(c.admin, hms.NewAccount("pharma", ["pharmacist"], staff_id=pharma_staff))
    for item in price_list():
        hospital.set_price_item(clerk, item)
    hospital.set_coverage_plan(clerk, silver())
    hospital.add_care_team_member(c.admin, c.asha, c.doctor)
    paracetamol = hospital.add_drug(pharmacist, hms.DrugDetails(
        "Paracetamol", "500 mg", "tablet", "tablet", pack_size=10, atc_code="N02BE01",
        reorder={"main": hms.ReorderRule(50, 100)},
    ))
    amoxicillin = hospital.add_drug(pharmacist, hms.DrugDetails(
        "Amoxicillin", "500 mg", hms.DosageForm.CAPSULE, "capsule", pack_size=21, atc_code="J01CA04",
        prescription_only=True,
    ))
    return Desk(c, clerk, pharmacist, paracetamol, amoxicillin)


@pytest.fixture
def desk(hospital: hms.Hospital) -> Desk:
    return make_desk(hospital)
