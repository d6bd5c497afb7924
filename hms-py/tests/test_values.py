"""Value objects, enums, money, intervals and the pure rule functions."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import hms
from conftest import TODAY, UTC, patient_details


# --- names, addresses, contacts ---------------------------------------------------------------


def test_person_name_is_a_frozen_value() -> None:
    a = hms.PersonName("Asha", "Rao")
    b = hms.PersonName(given="Asha", family="Rao", middle=None)
    assert a == b and hash(a) == hash(b)
    assert a != hms.PersonName("Asha", "Rao", middle="K")
    assert (a.given, a.middle, a.family) == ("Asha", None, "Rao")
    assert hms.PersonName("Asha", "Rao", "K").full == "Asha K Rao"
    assert str(a) == "Asha Rao"
    assert repr(a) == "PersonName(given='Asha', family='Rao', middle=None)"
    with pytest.raises(AttributeError):
        a.given = "Usha"  # type: ignore[misc]


def test_address_and_insurance() -> None:
    addr = hms.Address(line1="12 MG Road", city="Pune", country="IN", postal_code="411001")
    assert (addr.line1, addr.line2, addr.city, addr.region, addr.postal_code, addr.country) == (
        "12 MG Road", None, "Pune", None, "411001", "IN",
    )
    assert addr == hms.Address("12 MG Road", "Pune", "IN", postal_code="411001")
    assert "postal_code='411001'" in repr(addr)

    policy = hms.InsurancePolicy("Star Health", "SH-1", dt.date(2025, 1, 1), valid_until=dt.date(2025, 12, 31))
    assert policy.covers(dt.date(2025, 6, 1))
    assert policy.covers(dt.date(2025, 12, 31)), "both ends are inclusive"
    assert not policy.covers(dt.date(2026, 1, 1))
    assert policy.plan is None and policy.valid_from == dt.date(2025, 1, 1)
    open_ended = hms.InsurancePolicy("Star Health", "SH-1", dt.date(2025, 1, 1))
    assert open_ended.valid_until is None and open_ended.covers(dt.date(2099, 1, 1))


def test_emergency_contact_takes_the_enum_or_its_value() -> None:
    a = hms.EmergencyContact("Ravi Rao", hms.ContactRelationship.SPOUSE, "+91 98450 00000")
    b = hms.EmergencyContact(name="Ravi Rao", relationship="spouse", phone="+91 98450 00000")
    assert a == b
    assert a.relationship is hms.ContactRelationship.SPOUSE
    assert a.email is None


def test_an_unknown_enum_value_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hms.EmergencyContact("Ravi", "cousin", "+91 98450 00000")
    [problem] = caught.value.problems
    assert (problem.field, problem.code) == ("relationship", "invalid_format")
    assert "`cousin`" in problem.message and "`spouse`" in problem.message


def test_a_member_of_another_enum_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="StaffRole"):
        hms.StaffDetails(hms.PersonName("Meera", "Iyer"), hms.Role.DOCTOR)
    with pytest.raises(TypeError):
        patient_details(sex=1)


def test_patient_details_defaults_and_conversions() -> None:
    policy = hms.InsurancePolicy("Star Health", "SH-1", dt.date(2025, 1, 1))
    later = hms.InsurancePolicy("Care", "C-9", dt.date(2026, 1, 1))
    d = patient_details(insurance=[policy, later], address=hms.Address("1 Main St", "Pune", "IN"))
    assert d.birth_date == dt.date(1988, 4, 12)
    assert d.sex is hms.AdministrativeSex.FEMALE
    assert d.insurance == (policy, later)
    assert d.emergency_contacts == ()
    assert d.primary_policy(dt.date(2025, 6, 1)) == policy
    assert d.primary_policy(dt.date(2024, 6, 1)) is None
    assert d.address is not None and d.address.city == "Pune"
    assert d == patient_details(insurance=(policy, later), address=hms.Address("1 Main St", "Pune", "IN"))
    assert "PatientDetails(name=PersonName(given='Asha'" in repr(d)


def test_patient_details_refuse_wrong_types() -> None:
    with pytest.raises(TypeError, match="date, not a datetime"):
        patient_details(birth_date=dt.datetime(1988, 4, 12, tzinfo=UTC))
    with pytest.raises(TypeError, match="birth_date"):
        patient_details(birth_date="1988-04-12")
    with pytest.raises(TypeError, match="PersonName"):
        patient_details(name="Asha Rao")
    with pytest.raises(TypeError, match="not a string"):
        patient_details(insurance="Star Health")
    with pytest.raises(TypeError, match="InsurancePolicy"):
        patient_details(insurance=["Star Health"])
    with pytest.raises(TypeError):
        # Optional fields are keyword-only.
        hms.PatientDetails(hms.PersonName("A", "B"), dt.date(2000, 1, 1), "male", None, "+91 80 4123 4567")  # type: ignore[call-arg]


# --- enums ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (hms.AdministrativeSex, ["female", "male", "other", "unknown"]),
        (hms.ContactRelationship, ["spouse", "partner", "parent", "child", "sibling", "guardian", "relative", "friend", "other"]),
        (hms.StaffRole, ["doctor", "nurse", "receptionist", "pharmacist", "lab_technician", "billing_clerk", "admin"]),
        (hms.Role, ["admin", "doctor", "nurse", "receptionist", "pharmacist", "lab_technician", "billing_clerk", "patient"]),
        (hms.DuplicateMatch, ["national_id", "name_birth_date_phone"]),
        (hms.Action, ["read", "create", "update", "deactivate", "cancel", "dispense", "grant", "issue", "refund"]),
        (
            hms.ResourceKind,
            [
                "patient_profile", "medical_record", "prescription", "lab_order", "lab_result", "appointment",
                "schedule", "invoice", "payment", "stock", "staff", "user_account", "audit_log", "report",
                "care_team", "break_glass", "drug_catalog", "price_list",
            ],
        ),
        (
            hms.AppointmentStatus,
            [
                "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                "entered-in-error", "checked-in", "waitlist",
            ],
        ),
        (hms.Weekday, ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
        (hms.SeriesMode, ["all_or_none", "available"]),
        (hms.WaitlistStatus, ["waiting", "offered", "closed"]),
        (hms.ConflictMode, ["block", "warn"]),
        (hms.ChainProblemKind, ["edited", "broken_link", "out_of_sequence", "head_mismatch"]),
        (hms.InvoiceStatus, ["draft", "issued", "balanced", "cancelled", "entered-in-error"]),
        (hms.ItemKind, ["consultation", "lab_test", "procedure", "treatment", "bed_day", "medicine", "other"]),
        (hms.RoundingMode, ["per_line", "per_tax_category"]),
        (hms.ShareBasis, ["self_pay", "not_covered", "preauthorization_missing", "copay", "deductible_coinsurance"]),
        (hms.ReminderStage, ["upcoming", "due", "overdue"]),
        (hms.StatementEntryKind, ["invoice", "credit_note", "payment", "refund"]),
        (hms.PaymentMethod, ["cash", "card", "insurance_remittance", "gateway"]),
        (
            hms.DosageForm,
            [
                "tablet", "capsule", "syrup", "suspension", "injection", "infusion", "cream", "ointment", "drops",
                "inhaler", "patch", "suppository", "powder", "other",
            ],
        ),
        (hms.WriteOffReason, ["expired", "damaged", "recalled"]),
        (hms.ReservationStatus, ["active", "fulfilled", "released"]),
        (hms.AlertKind, ["low_stock", "expiring_soon", "expired"]),
    ],
)
def test_enums_are_str_valued_enum_classes(cls: type[enum.Enum], values: list[str]) -> None:
    assert issubclass(cls, enum.Enum) and issubclass(cls, str)
    assert [m.value for m in cls] == values
    assert cls.__module__ == "hms._hms" and cls.__doc__
    for member in cls:
        assert member == member.value
        assert str(member) == member.value and f"{member}" == member.value
        assert member.name == member.value.upper().replace("-", "_")
        assert cls(member.value) is member


def test_enum_values_are_matched_case_insensitively() -> None:
    assert patient_details(sex="FEMALE").sex is hms.AdministrativeSex.FEMALE


# --- money ----------------------------------------------------------------------------------


def test_money_is_exact_decimal() -> None:
    a = hms.Money("0.10", "USD")
    b = hms.Money(Decimal("0.20"), "usd")
    total = a + b
    assert total == hms.Money("0.30", "USD")
    assert isinstance(total.amount, Decimal) and total.amount == Decimal("0.30")
    assert total.currency == "USD" and total.minor_units == 2
    assert hms.Money(5, "JPY").amount == 5 and hms.Money(5, "JPY").minor_units == 0
    assert hms.Money("1E+2", "USD").amount == 100


@pytest.mark.parametrize("amount", [0.1, True, None, [1]])
def test_money_refuses_floats_and_other_types(amount: object) -> None:
    with pytest.raises(TypeError):
        hms.Money(amount, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["abc", "1,50", Decimal("NaN"), Decimal("Infinity"), "1" * 40])
def test_money_refuses_text_that_is_not_a_decimal(amount: object) -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hms.Money(amount, "USD")  # type: ignore[arg-type]
    assert [(p.field, p.code) for p in caught.value.problems] == [("amount", "invalid_format")]


def test_money_arithmetic_and_rounding() -> None:
    price = hms.Money("12.345", "USD")
    assert price.round() == hms.Money("12.35", "USD")
    assert price.to_minor() is None and price.round().to_minor() == 1235
    assert hms.Money.from_minor(1250, "USD") == hms.Money("12.50", "USD")
    assert hms.Money.zero("EUR").is_zero()
    assert (-price).is_negative() and not price.is_negative()
    assert hms.Money("10", "USD") - hms.Money("2.50", "USD") == hms.Money("7.50", "USD")
    assert hms.Money("1", "USD") == hms.Money("1.00", "USD")
    assert hash(hms.Money("1", "USD")) == hash(hms.Money("1.00", "USD"))
    assert str(hms.Money("12.5", "USD")) == "12.50 USD"
    assert repr(hms.Money("12.5", "USD")) == "Money(amount='12.5', currency='USD')"
    parts = hms.Money("100.00", "USD").allocate([1, 1, 1])
    assert sum(parts) == hms.Money("100.00", "USD"), "sum() needs no start value"
    with pytest.raises(TypeError):
        hms.Money("1", "USD") + 1  # type: ignore[operator]


def test_combining_currencies_is_an_error() -> None:
    with pytest.raises(hms.CurrencyMismatchError) as caught:
        hms.Money("1", "USD") + hms.Money("1", "EUR")
    e = caught.value
    assert (e.code, e.left, e.right) == ("currency_mismatch", "USD", "EUR")
    assert isinstance(e, hms.MoneyError) and isinstance(e, hms.HmsError)
    with pytest.raises(hms.CurrencyMismatchError):
        hms.Money("1", "USD") - hms.Money("1", "EUR")
    with pytest.raises(hms.CurrencyMismatchError):
        sum([hms.Money("1", "USD"), hms.Money("1", "EUR")])


def test_an_unknown_currency_is_an_error() -> None:
    with pytest.raises(hms.UnknownCurrencyError) as caught:
        hms.Money("1", "XYZ")
    assert (caught.value.code, caught.value.currency) == ("unknown_currency", "XYZ")
    assert isinstance(caught.value, ValueError)


def test_allocate_splits_exactly() -> None:
    parts = hms.allocate(hms.Money("100.00", "USD"), [Decimal(1), "1", 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert hms.allocate(hms.Money("10.00", "USD"), []) == []
    with pytest.raises(TypeError, match="never a float"):
        hms.allocate(hms.Money("10.00", "USD"), [0.5, 0.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Money"):
        hms.allocate(Decimal("10.00"), [1])  # type: ignore[arg-type]


# --- time -----------------------------------------------------------------------------------


def test_intervals_take_aware_datetimes_in_any_zone_and_give_utc() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    a = hms.Interval(dt.datetime(2026, 3, 2, 14, 30, tzinfo=kolkata), dt.datetime(2026, 3, 2, 15, 0, tzinfo=kolkata))
    assert a.start == dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert a.start.tzinfo == UTC
    assert a.duration == dt.timedelta(minutes=30)
    b = hms.Interval.starting_at(dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC), dt.timedelta(minutes=30))
    assert not a.overlaps(b) and not b.overlaps(a), "back-to-back visits do not overlap"
    c = hms.Interval(dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC), dt.datetime(2026, 3, 2, 9, 45, tzinfo=UTC))
    assert a.overlaps(c) and c.overlaps(b)
    assert a.intersection(c) == hms.Interval(c.start, a.end)
    assert a.intersection(b) is None
    assert hms.Interval(a.start, b.end).contains(c)
    assert a.contains_instant(a.start) and not a.contains_instant(a.end)
    assert a == hms.Interval(a.start, a.end) and hash(a) == hash(hms.Interval(a.start, a.end))
    assert repr(a).startswith("Interval(start=datetime.datetime(2026, 3, 2, 9, 0")


def test_an_empty_or_reversed_interval_is_an_error() -> None:
    t = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(hms.InvalidIntervalError) as caught:
        hms.Interval(t, t - dt.timedelta(hours=1))
    e = caught.value
    assert (e.code, e.start, e.end) == ("invalid_interval", t, t - dt.timedelta(hours=1))
    assert isinstance(e, hms.TimeError) and isinstance(e, ValueError)
    with pytest.raises(hms.InvalidIntervalError):
        hms.Interval.starting_at(t, dt.timedelta(0))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hms.Interval(dt.datetime(2026, 3, 2, 9, 0), dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    [problem] = caught.value.problems
    assert (problem.field, problem.code) == ("start", "invalid_format")
    assert "no time zone" in problem.message
    with pytest.raises(TypeError):
        hms.Interval(dt.date(2026, 3, 2), dt.date(2026, 3, 3))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Interval"):
        hms.Interval(dt.datetime(2026, 3, 2, 9, tzinfo=UTC), dt.datetime(2026, 3, 2, 10, tzinfo=UTC)).overlaps("x")  # type: ignore[arg-type]


# --- pure rule functions ------------------------------------------------------------------------


def test_normalize_phone() -> None:
    assert hms.normalize_phone("+91 (80) 4123-4567") == "+918041234567"
    assert hms.normalize_phone("call me") is None


def test_mrn_from_sequence() -> None:
    assert hms.mrn_from_sequence(1) == "000000018"
    with pytest.raises(OverflowError):
        hms.mrn_from_sequence(-1)


def test_validate_patient_normalizes_or_lists_every_problem() -> None:
    valid = hms.validate_patient(patient_details(name=hms.PersonName(" Asha ", "Rao")), TODAY)
    assert valid.name.given == "Asha" and valid.phone == "+918041234567"
    with pytest.raises(hms.ValidationError) as caught:
        hms.validate_patient(patient_details(birth_date=dt.date(2030, 1, 1), email="nope"), TODAY)
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("birth_date", "future_date"),
        ("email", "invalid_email"),
    ]


def test_validate_staff() -> None:
    with pytest.raises(hms.ValidationError) as caught:
        hms.validate_staff(hms.StaffDetails(hms.PersonName("Meera", "Iyer"), "doctor"))
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("license_number", "required"),
        ("doctor", "required"),
    ]
    ok = hms.validate_staff(
        hms.StaffDetails(
            hms.PersonName("Meera", "Iyer"),
            "doctor",
            license_number=" kmc-1 ",
            doctor=hms.DoctorProfile("Cardiology", hms.Money("800", "INR")),
        )
    )
    assert ok.license_number == "KMC-1"
    assert ok.doctor is not None and ok.doctor.specialization == "cardiology"
    assert ok.doctor.consultation_fee == hms.Money("800", "INR")


def test_code_lists() -> None:
    assert list(hms.ERROR_CODES) == sorted(set(hms.ERROR_CODES))
    assert {
        "currency_mismatch", "duplicate", "forbidden", "inactive", "invalid_input",
        "invalid_interval", "invalid_transition", "not_found", "storage", "unknown_currency",
    } <= set(hms.ERROR_CODES)
    assert "invalid_phone" in hms.FIELD_CODES and list(hms.FIELD_CODES) == sorted(hms.FIELD_CODES)
    assert hms.__version__.count(".") == 2
