"""The exception tree: every class, its code and attributes, and a real scenario for each."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from zoneinfo import ZoneInfo

import pytest

import hms
import hms._hms as native
from conftest import NOW, TUESDAY, at, doctor_details, inr, make_clinic, make_desk, patient_details, receptionist_details

# Every exception class, with its direct bases and the code every instance carries (`None` for a
# class that only groups others).
TREE: dict[type[hms.HmsError], tuple[tuple[type[BaseException], ...], str | None]] = {
    hms.HmsError: ((Exception,), None),
    hms.ValidationError: ((hms.HmsError, ValueError), "invalid_input"),
    hms.NotFoundError: ((hms.HmsError, LookupError), "not_found"),
    hms.MoneyError: ((hms.HmsError,), None),
    hms.CurrencyMismatchError: ((hms.MoneyError,), "currency_mismatch"),
    hms.UnknownCurrencyError: ((hms.MoneyError, ValueError), "unknown_currency"),
    hms.TimeError: ((hms.HmsError,), None),
    hms.InvalidIntervalError: ((hms.TimeError, ValueError), "invalid_interval"),
    hms.UnknownZoneError: ((hms.TimeError, ValueError), "invalid_input"),
    hms.DuplicateError: ((hms.HmsError,), "duplicate"),
    hms.DuplicatePatientError: ((hms.DuplicateError,), "duplicate"),
    hms.DuplicateLicenseError: ((hms.DuplicateError,), "duplicate"),
    hms.DuplicateLoginError: ((hms.DuplicateError,), "duplicate"),
    hms.InactiveError: ((hms.HmsError,), "inactive"),
    hms.InvalidTransitionError: ((hms.HmsError,), "invalid_transition"),
    hms.AlreadyActiveError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.ForbiddenError: ((hms.HmsError,), "forbidden"),
    hms.UnknownAccountError: ((hms.ForbiddenError,), "forbidden"),
    hms.NotSignedInError: ((hms.ForbiddenError,), "forbidden"),
    hms.AlreadyBootstrappedError: ((hms.ForbiddenError,), "forbidden"),
    hms.StorageError: ((hms.HmsError,), "storage"),
    hms.StorePoisonedError: ((hms.StorageError,), "storage"),
    hms.SchemaTooNewError: ((hms.StorageError,), "storage"),
    hms.AmountOverflowError: ((hms.MoneyError, ArithmeticError), "amount_overflow"),
    hms.TimeOutOfRangeError: ((hms.TimeError, ValueError), "time_out_of_range"),
    hms.RetriesExhaustedError: ((hms.StorageError,), "storage"),
    hms.SlotConflictError: ((hms.HmsError,), "slot_conflict"),
    hms.AppointmentTransitionError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.NoResourceError: ((hms.HmsError,), "no_resource"),
    hms.IdempotencyMismatchError: ((hms.HmsError,), "idempotency_mismatch"),
    hms.AvailabilityError: ((hms.HmsError,), None),
    hms.OutsideAvailabilityError: ((hms.AvailabilityError,), "outside_availability"),
    hms.InPastError: ((hms.AvailabilityError,), "in_past"),
    hms.LeadTimeError: ((hms.AvailabilityError,), "lead_time"),
    hms.BeyondHorizonError: ((hms.AvailabilityError,), "beyond_horizon"),
    hms.VisitTypeNotOfferedError: ((hms.AvailabilityError,), "visit_type_not_offered"),
    hms.NonexistentLocalTimeError: ((hms.AvailabilityError, ValueError), "nonexistent_local_time"),
    hms.InvalidPolicyError: ((hms.HmsError, ValueError), "invalid_policy"),
    hms.DuplicateCareTeamMemberError: ((hms.DuplicateError,), "duplicate"),
    hms.CareTeamLinkEndedError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.BillingError: ((hms.HmsError,), None),
    hms.InvoiceTransitionError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.ImmutableInvoiceError: ((hms.BillingError,), "immutable_invoice"),
    hms.NotChargeableError: ((hms.BillingError,), "not_chargeable"),
    hms.NoPriceError: ((hms.BillingError, LookupError), "no_price"),
    hms.ReferenceReusedError: ((hms.IdempotencyMismatchError,), "idempotency_mismatch"),
    hms.DuplicateReferenceError: ((hms.DuplicateError,), "duplicate"),
    hms.OverpaymentError: ((hms.BillingError,), "overpayment"),
    hms.OverRefundError: ((hms.BillingError,), "over_refund"),
    hms.OverCreditError: ((hms.BillingError,), "over_credit"),
    hms.InvalidSignatureError: ((hms.BillingError,), "invalid_signature"),
    hms.GatewayFailedError: ((hms.BillingError,), "gateway_failed"),
    hms.PharmacyError: ((hms.HmsError,), None),
    hms.InsufficientStockError: ((hms.PharmacyError,), "insufficient_stock"),
    hms.FefoShortfallError: ((hms.InsufficientStockError,), "insufficient_stock"),
    hms.BatchUnusableError: ((hms.PharmacyError,), "batch_unusable"),
    hms.PrescriptionRequiredError: ((hms.PharmacyError,), "prescription_required"),
    hms.ExceedsPrescriptionError: ((hms.PharmacyError,), "exceeds_prescription"),
    hms.RefillsExhaustedError: ((hms.PharmacyError,), "refills_exhausted"),
    hms.ExceedsDispensedError: ((hms.PharmacyError,), "exceeds_dispensed"),
    hms.ReservationExpiredError: ((hms.PharmacyError,), "reservation_expired"),
    hms.ReservationClosedError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.AlreadyRecalledError: ((hms.InvalidTransitionError,), "invalid_transition"),
    hms.DuplicateBatchError: ((hms.DuplicateError,), "duplicate"),
}

P = "019cad8f-ac00-71aa-becb-86beda3f68d6"
S = "019cad8f-ac00-7a00-8000-000000000002"
A = "019cad8f-ac00-7a00-8000-000000000003"
APPT = "019cad8f-ac00-7a00-8000-000000000004"
APPT2 = "019cad8f-ac00-7a00-8000-000000000005"
LINK = "019cad8f-ac00-7a00-8000-000000000006"
INV = "019cad8f-ac00-7a00-8000-000000000007"
PAY = "019cad8f-ac00-7a00-8000-000000000008"
DRUG = "019cad8f-ac00-7a00-8000-000000000009"
BATCH = "019cad8f-ac00-7a00-8000-00000000000a"
BATCH2 = "019cad8f-ac00-7a00-8000-00000000000b"
RX = "019cad8f-ac00-7a00-8000-00000000000c"
DISP = "019cad8f-ac00-7a00-8000-00000000000d"
RES = "019cad8f-ac00-7a00-8000-00000000000e"
UTC = dt.timezone.utc


def h(hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, tzinfo=UTC)


# What each core variant becomes: class and typed attributes (besides `code` and `message`).
SAMPLES: dict[str, tuple[type[hms.HmsError], dict[str, object]]] = {
    "Validation": (hms.ValidationError, {}),
    "NotFound": (hms.NotFoundError, {"entity": "patient", "key": P}),
    "Money::CurrencyMismatch": (hms.CurrencyMismatchError, {"left": "USD", "right": "EUR"}),
    "Money::UnknownCurrency": (hms.UnknownCurrencyError, {"currency": "XYZ"}),
    "Time::EmptyInterval": (
        hms.InvalidIntervalError,
        {"start": dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc), "end": dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)},
    ),
    "Time::UnknownZone": (hms.UnknownZoneError, {"zone": "Mars/Olympus"}),
    "People::DuplicatePatient": (
        hms.DuplicatePatientError,
        {"existing_id": P, "matched_on": hms.DuplicateMatch.NATIONAL_ID},
    ),
    "People::DuplicateLicense": (hms.DuplicateLicenseError, {"existing_id": S, "license_number": "KMC-12345"}),
    "People::DuplicateLogin": (hms.DuplicateLoginError, {"existing_id": None, "login": "asha"}),
    "People::Inactive": (hms.InactiveError, {"entity": "patient", "key": P}),
    "People::AlreadyActive": (hms.AlreadyActiveError, {"entity": "patient", "key": P}),
    "Access::Forbidden": (
        hms.ForbiddenError,
        {
            "account_id": A,
            "action": hms.Action.CREATE,
            "resource": hms.ResourceKind.STAFF,
            "rule": "default-deny",
            "reason": "no rule allows roles `receptionist` to create staff",
        },
    ),
    "Access::UnknownAccount": (
        hms.UnknownAccountError,
        {"account_id": A, "action": None, "resource": None, "rule": None, "reason": None},
    ),
    "Access::NotSignedIn": (
        hms.NotSignedInError,
        {"account_id": None, "action": None, "resource": None, "rule": None, "reason": None},
    ),
    "Access::AlreadyBootstrapped": (
        hms.AlreadyBootstrappedError,
        {"account_id": None, "action": None, "resource": None, "rule": None, "reason": None},
    ),
    "Storage::Backend": (hms.StorageError, {"backend": "sqlite", "detail": "disk I/O error"}),
    "Storage::Poisoned": (hms.StorePoisonedError, {"backend": None, "detail": None}),
    "Storage::SchemaTooNew": (hms.SchemaTooNewError, {"found": 9, "supported": 2}),
    "Money::Overflow": (hms.AmountOverflowError, {"amount": hms.Money("79228162514264337593543950335", "USD")}),
    "Time::OutOfRange": (hms.TimeOutOfRangeError, {"start": h(9), "by": dt.timedelta(days=365)}),
    "Storage::RetriesExhausted": (hms.RetriesExhaustedError, {"backend": "postgres", "attempts": 5}),
    "Scheduling::SlotConflict": (
        hms.SlotConflictError,
        {"appointment_ids": [APPT, APPT2], "intervals": [hms.Interval(h(9), h(10)), hms.Interval(h(10), h(11))]},
    ),
    "Scheduling::InvalidTransition": (
        hms.AppointmentTransitionError,
        {"appointment_id": APPT, "from_status": hms.AppointmentStatus.CANCELLED, "to_status": hms.AppointmentStatus.BOOKED},
    ),
    "Scheduling::NoResourceOfKind": (hms.NoResourceError, {"kind": "mri"}),
    "Scheduling::IdempotencyMismatch": (hms.IdempotencyMismatchError, {"key": "req-1", "existing_id": APPT}),
    "Availability::OutsideAvailability": (hms.OutsideAvailabilityError, {"doctor_id": S, "interval": hms.Interval(h(9), h(10))}),
    "Availability::InPast": (hms.InPastError, {"start": h(9), "now": h(10)}),
    "Availability::InsideLeadTime": (hms.LeadTimeError, {"start": h(10), "earliest": h(11), "lead_time_minutes": 60}),
    "Availability::BeyondHorizon": (
        hms.BeyondHorizonError,
        {"date": dt.date(2026, 4, 30), "last_date": dt.date(2026, 4, 1), "horizon_days": 30},
    ),
    "Availability::VisitTypeNotOffered": (hms.VisitTypeNotOfferedError, {"doctor_id": S, "visit_type": "surgery"}),
    "Availability::NonexistentLocalTime": (
        hms.NonexistentLocalTimeError,
        {"date": dt.date(2026, 3, 8), "time": dt.time(2, 30), "zone": ZoneInfo("America/New_York")},
    ),
    "Availability::Time": (hms.InvalidIntervalError, {"start": h(10), "end": h(9)}),
    "Access::InvalidPolicy": (
        hms.InvalidPolicyError,
        {"problems": [{"path": "rules[0].roles[0]", "code": "unknown_role", "message": "unknown role `surgeon`"}]},
    ),
    "Access::DuplicateCareTeamMember": (
        hms.DuplicateCareTeamMemberError,
        {"existing_id": LINK, "staff_id": S, "patient_id": P},
    ),
    "Access::CareTeamLinkEnded": (hms.CareTeamLinkEndedError, {"link_id": LINK}),
    "Billing::InvalidTransition": (
        hms.InvoiceTransitionError,
        {"invoice_id": INV, "from_status": hms.InvoiceStatus.CANCELLED, "to_status": hms.InvoiceStatus.ISSUED},
    ),
    "Billing::ImmutableInvoice": (hms.ImmutableInvoiceError, {"invoice_id": INV, "status": hms.InvoiceStatus.ISSUED}),
    "Billing::NotChargeable": (hms.NotChargeableError, {"appointment_id": APPT, "status": hms.AppointmentStatus.BOOKED}),
    "Billing::NoPrice": (hms.NoPriceError, {"item_code": "consultation.cardiology", "date": dt.date(2026, 3, 2)}),
    "Billing::IdempotencyMismatch": (hms.ReferenceReusedError, {"key": "manual:r-1", "existing_id": None, "what": "charge"}),
    "Billing::Duplicate": (hms.DuplicateReferenceError, {"existing_id": None, "reference": "slip-1"}),
    "Billing::Overpayment": (hms.OverpaymentError, {"amount": hms.Money("15.00", "USD"), "due": hms.Money("10.00", "USD")}),
    "Billing::OverRefund": (
        hms.OverRefundError,
        {"payment_id": PAY, "amount": hms.Money("9.00", "USD"), "refundable": hms.Money("5.00", "USD")},
    ),
    "Billing::OverCredit": (
        hms.OverCreditError,
        {"invoice_id": INV, "amount": hms.Money("9.00", "USD"), "open": hms.Money("1.00", "USD")},
    ),
    "Billing::InvalidSignature": (hms.InvalidSignatureError, {"provider": "memory"}),
    "Billing::GatewayFailed": (hms.GatewayFailedError, {"provider": "memory", "detail": "the gateway is unavailable"}),
    "Pharmacy::InsufficientStock": (
        hms.InsufficientStockError,
        {"drug_id": DRUG, "batch_id": BATCH, "location": "main", "requested": 5, "available": 1},
    ),
    "Pharmacy::BatchUnusable": (
        hms.BatchUnusableError,
        {"batch_id": BATCH, "problem": "expires_too_soon", "expiry": dt.date(2026, 3, 5), "needed_through": dt.date(2026, 3, 8)},
    ),
    "Pharmacy::PrescriptionRequired": (hms.PrescriptionRequiredError, {"drug_id": DRUG}),
    "Pharmacy::ExceedsPrescription": (
        hms.ExceedsPrescriptionError,
        {"prescription_id": RX, "line": 0, "fill": 1, "requested": 20, "remaining": 10},
    ),
    "Pharmacy::RefillsExhausted": (hms.RefillsExhaustedError, {"prescription_id": RX, "line": 0, "fills": 2}),
    "Pharmacy::ExceedsDispensed": (
        hms.ExceedsDispensedError,
        {"dispense_id": DISP, "line": 0, "requested": 4, "remaining": 3},
    ),
    "Pharmacy::ReservationExpired": (hms.ReservationExpiredError, {"reservation_id": RES, "expired_at": h(9)}),
    "Pharmacy::ReservationClosed": (
        hms.ReservationClosedError,
        {"reservation_id": RES, "status": hms.ReservationStatus.RELEASED},
    ),
    "Pharmacy::AlreadyRecalled": (hms.AlreadyRecalledError, {"batch_id": BATCH}),
    "Pharmacy::DuplicateBatch": (
        hms.DuplicateBatchError,
        {"existing_id": BATCH2, "drug_id": DRUG, "batch_number": "LOT-1"},
    ),
}


def exception_classes() -> list[type[hms.HmsError]]:
    return [v for v in vars(native).values() if isinstance(v, type) and issubclass(v, hms.HmsError)]


def test_the_tree_is_as_documented() -> None:
    assert set(exception_classes()) == set(TREE)
    for cls, (bases, code) in TREE.items():
        assert cls.__bases__ == bases, cls
        assert cls.__module__ == "hms._hms" and cls.__doc__, cls
        assert getattr(cls, "code", None) == code, cls
        assert getattr(hms, cls.__name__) is cls, "re-exported from hms"


def test_every_core_variant_maps_to_its_class_and_attributes() -> None:
    samples = dict(native._sample_errors())
    assert set(samples) == set(SAMPLES)
    for name, error in samples.items():
        cls, attrs = SAMPLES[name]
        assert type(error) is cls, name
        assert error.code == (TREE[cls][1] or error.code), name
        assert str(error) == error.message, name
        for attr, value in attrs.items():
            assert getattr(error, attr) == value, f"{name}.{attr}"
    [problem] = samples["Validation"].problems  # type: ignore[attr-defined]
    conflicts = samples["Scheduling::SlotConflict"].conflicts  # type: ignore[attr-defined]
    assert [(c.party_kind, c.party_id, c.appointment_id) for c in conflicts] == [("doctor", S, APPT), ("patient", P, APPT2)]
    assert "and 1 more conflict" in samples["Scheduling::SlotConflict"].message
    assert (problem.field, problem.code) == ("phone", "invalid_phone")


# Codes of core domains that have no Python classes yet: their errors arrive as the class of their
# code if there is one, else as `HmsError`, with `.code` and `.message` but no typed attributes.
# Mapping a domain (a file of conversions plus its rows in errors.rs) removes its codes from here;
# every domain is mapped now.
PENDING: set[str] = set()


def test_every_error_code_is_carried_by_some_class_or_pending() -> None:
    produced = {e.code for _, e in native._sample_errors()}
    assert produced.isdisjoint(PENDING)
    assert produced | PENDING == set(hms.ERROR_CODES)


def test_messages_follow_the_style_guide() -> None:
    for name, e in native._sample_errors():
        m = e.message
        assert m and not m[0].isupper(), name
        assert not m.endswith("."), name
        assert "\n" not in m, name


def scenarios() -> list[tuple[str, Callable[[], object]]]:
    """A real call through the Python API for each error class that one can provoke."""
    h = hms.Hospital.in_memory(now=NOW, seed=3)
    admin = h.bootstrap_admin("admin")
    asha = h.register_patient(admin, patient_details())
    h.hire_staff(admin, doctor_details())
    desk_staff = h.hire_staff(admin, receptionist_details())
    desk = h.open_account(admin, hms.NewAccount("desk", ["receptionist"], staff_id=desk_staff))
    gone = h.register_patient(admin, patient_details(name=hms.PersonName("Gone", "Away"), phone=None))
    h.deactivate_patient(admin, gone, "moved away")
    t = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
    return [
        ("ValidationError", lambda: h.register_patient(admin, patient_details(phone="12"))),
        ("NotFoundError", lambda: h.patient(admin, "019cad8f-ac00-7000-8000-000000000000")),
        ("CurrencyMismatchError", lambda: hms.Money("1", "USD") + hms.Money("1", "EUR")),
        ("UnknownCurrencyError", lambda: hms.Money("1", "XYZ")),
        ("InvalidIntervalError", lambda: hms.Interval(t, t)),
        ("UnknownZoneError", lambda: hms.Hospital.in_memory(zone="Mars/Olympus")),
        ("DuplicatePatientError", lambda: h.register_patient(admin, patient_details())),
        ("DuplicateLicenseError", lambda: h.hire_staff(admin, doctor_details(name=hms.PersonName("X", "Y")))),
        ("DuplicateLoginError", lambda: h.open_account(admin, hms.NewAccount("desk", ["admin"]))),
        ("InactiveError", lambda: h.update_patient(admin, gone, patient_details(name=hms.PersonName("Gone", "Away")))),
        ("AlreadyActiveError", lambda: h.reactivate_patient(admin, asha)),
        ("ForbiddenError", lambda: h.hire_staff(desk, doctor_details(license_number="OTHER-1"))),
        ("UnknownAccountError", lambda: h.patient("019cad8f-ac00-7000-8000-000000000001", asha)),
        ("AlreadyBootstrappedError", lambda: h.bootstrap_admin("root")),
        ("AmountOverflowError", lambda: hms.allocate(hms.Money("79228162514264337593543950335", "USD"), ["79228162514264337593543950335", 1])),
        ("TimeOutOfRangeError", lambda: h.advance(dt.timedelta(days=999_999_999))),
    ]


def scheduling_and_access_scenarios() -> list[tuple[str, Callable[[], object]]]:
    """As `scenarios`, for scheduling and access: a clinic with one booked visit and one ended link."""
    h = hms.Hospital.in_memory(zone="Asia/Kolkata", now=NOW, seed=4)
    c = make_clinic(h)
    booked = h.book_appointment(c.desk, hms.BookingRequest(c.asha, c.doctor, "consult", at(TUESDAY, 10), client_key="k1"))
    cancelled = h.cancel_appointment(c.desk, h.book_appointment(c.desk, hms.BookingRequest(c.ravi, c.doctor, "consult", at(TUESDAY, 12))), "called")
    nurse = h.hire_staff(c.admin, receptionist_details(name=hms.PersonName("Joy", "T"), role="nurse", license_number="N-9"))
    h.add_care_team_member(c.desk, c.asha, nurse)
    ended = h.end_care_team_member(c.desk, h.add_care_team_member(c.desk, c.ravi, nurse))
    ny = ZoneInfo("America/New_York")
    gap = hms.SeriesRule(start_date=dt.date(2026, 3, 8), time=dt.time(2, 30), zone=ny, minutes=30, every_days=1, count=1)

    def req(patient: hms.Patient, start: dt.datetime, visit: str = "consult", key: str | None = None) -> Callable[[], object]:
        return lambda: h.book_appointment(c.desk, hms.BookingRequest(patient, c.doctor, visit, start, client_key=key))

    return [
        ("SlotConflictError", req(c.ravi, at(TUESDAY, 10))),
        ("AppointmentTransitionError", lambda: h.change_status(c.desk, cancelled, "booked")),
        ("NoResourceError", req(c.ravi, at(TUESDAY, 11), "procedure")),
        ("IdempotencyMismatchError", req(c.asha, at(TUESDAY, 11), key="k1")),
        ("OutsideAvailabilityError", req(c.ravi, at(TUESDAY, 15))),
        ("InPastError", req(c.ravi, at(NOW.date(), 10))),
        ("LeadTimeError", req(c.ravi, at(NOW.date(), 14))),
        ("BeyondHorizonError", req(c.ravi, at(NOW.date() + dt.timedelta(days=60), 10))),
        ("VisitTypeNotOfferedError", req(c.ravi, at(TUESDAY, 11), "surgery")),
        ("NonexistentLocalTimeError", lambda: h.book_series(c.desk, c.ravi, c.doctor, "consult", gap)),
        ("InvalidPolicyError", lambda: hms.Hospital.in_memory(policy="rules = 3")),
        ("DuplicateCareTeamMemberError", lambda: h.add_care_team_member(c.desk, c.asha, nurse)),
        ("CareTeamLinkEndedError", lambda: h.end_care_team_member(c.desk, ended)),
    ] + [("NotFoundError", lambda: h.appointment(c.desk, booked.id.replace(booked.id[-4:], "ffff")))]


def billing_and_pharmacy_scenarios() -> list[tuple[str, Callable[[], object]]]:
    """As `scenarios`, for billing and the pharmacy, on `conftest.make_desk`'s clinic."""
    p = make_desk(hms.Hospital.in_memory(zone="Asia/Kolkata", currency="INR", now=NOW, seed=5))
    h, c = p.hospital, p.clinic
    visit = h.book_appointment(c.desk, hms.BookingRequest(c.ravi, c.doctor, "consult", at(NOW.date(), 16)))
    h.add_charge(p.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("m-1"), "lab.cbc"))
    inv = h.issue_invoice(p.clerk, h.open_invoice(p.clerk, c.ravi))
    pay = h.record_payment(p.clerk, hms.PaymentRequest(c.ravi, inr("50.00")))
    h.add_charge(p.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("m-2"), "lab.cbc"))
    voided = h.void_invoice(p.clerk, h.open_invoice(p.clerk, c.ravi), "wrong patient")
    gw = hms.MemoryGateway("s")

    def receipt(number: str, expiry: dt.date, drug: hms.Drug = p.amoxicillin) -> hms.GoodsReceipt:
        return hms.GoodsReceipt(drug, number, supplier="S", quantity=10, unit_cost=inr("1"), sale_price=inr("2"), expiry=expiry)

    short = h.receive_stock(p.pharmacist, receipt("SHORT", dt.date(2026, 3, 3)))
    long = h.receive_stock(p.pharmacist, receipt("LONG", dt.date(2026, 12, 31)))
    rx = h.write_prescription(c.doctor_account, c.asha, [
        hms.PrescriptionLine(p.amoxicillin, dose="1", frequency="daily", duration_days=7, quantity=5)
    ])
    disp = h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 4)])
    released = h.release_reservation(p.pharmacist, h.reserve_stock(p.pharmacist, c.asha, p.amoxicillin, 1))
    lapsing = h.reserve_stock(p.pharmacist, c.asha, p.amoxicillin, 1, minutes=1)
    recalled = h.recall_batch(p.pharmacist, long, "recall")

    def lapsed() -> object:
        h.advance(dt.timedelta(minutes=1))
        rx2 = h.write_prescription(c.doctor_account, c.asha, [
            hms.PrescriptionLine(p.amoxicillin, dose="1", frequency="daily", duration_days=1, quantity=1)
        ])
        return h.dispense_prescription(p.pharmacist, rx2, [hms.DispenseItem(0, 1)], reservation=lapsing)

    def used_up() -> object:
        h.receive_stock(p.pharmacist, receipt("MORE", dt.date(2026, 11, 30)))
        h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 1)])
        return h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 1)])

    return [
        ("InvoiceTransitionError", lambda: h.void_invoice(p.clerk, voided, "again")),
        ("ImmutableInvoiceError", lambda: h.set_discount(p.clerk, inv, None)),
        ("NotChargeableError", lambda: h.charge_appointment(p.clerk, visit)),
        ("NoPriceError", lambda: h.add_charge(p.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("e"), "lab.cbc", service_date=dt.date(2025, 1, 1)))),
        ("ReferenceReusedError", lambda: h.add_charge(p.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("m-1"), "otc.bandage"))),
        ("OverpaymentError", lambda: h.record_payment(p.clerk, hms.PaymentRequest(c.ravi, inr("500.00")))),
        ("OverRefundError", lambda: h.refund_payment(p.clerk, pay, inr("50.01"), "r")),
        ("OverCreditError", lambda: h.issue_credit_note(p.clerk, inv, [hms.CreditRequest(0)], "r")),
        ("InvalidSignatureError", lambda: h.apply_gateway_webhook(gw, b"event=payment.succeeded", "bad")),
        ("GatewayFailedError", lambda: h.create_payment_intent(p.clerk, hms.MemoryGateway("s", refusing=True), c.ravi, inr("1.00"))),
        ("InsufficientStockError", lambda: h.sell_over_the_counter(p.pharmacist, [hms.SaleItem(p.paracetamol, 1)])),
        ("BatchUnusableError", lambda: h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 1, batch=short)])),
        ("PrescriptionRequiredError", lambda: h.sell_over_the_counter(p.pharmacist, [hms.SaleItem(p.amoxicillin, 1)])),
        ("ExceedsPrescriptionError", lambda: h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 2)])),
        ("ExceedsDispensedError", lambda: h.return_dispensed(p.pharmacist, disp, [hms.ReturnItem(0, 5)], "unused")),
        ("RefillsExhaustedError", used_up),
        ("ReservationClosedError", lambda: h.release_reservation(p.pharmacist, released)),
        ("AlreadyRecalledError", lambda: h.recall_batch(p.pharmacist, recalled, "again")),
        ("DuplicateBatchError", lambda: h.receive_stock(p.pharmacist, receipt("LONG", dt.date(2026, 12, 31)))),
        ("ReservationExpiredError", lapsed),
    ]


# Classes no call through the in-memory store can provoke; `_sample_errors` pins their mapping.
# (`SchemaTooNewError` and `StorageError` are provoked on a real SQLite file in test_storage.py.)
# (`DuplicateReferenceError` is the store's own guard against two requests racing with one reference.)
UNREACHABLE = {
    "NotSignedInError", "StorageError", "StorePoisonedError", "SchemaTooNewError", "RetriesExhaustedError",
    "DuplicateReferenceError",
}


def test_each_error_class_is_raised_by_a_real_scenario() -> None:
    seen = set()
    for expected, call in scenarios() + scheduling_and_access_scenarios() + billing_and_pharmacy_scenarios():
        with pytest.raises(hms.HmsError) as caught:
            call()
        assert type(caught.value).__name__ == expected
        seen.add(expected)
    # The classes core variants map to (bases like `MoneyError` only group them).
    concrete = {cls.__name__ for cls, _ in SAMPLES.values()}
    assert not seen & UNREACHABLE
    assert seen | UNREACHABLE == concrete
