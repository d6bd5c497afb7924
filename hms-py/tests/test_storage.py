"""The stores under a hospital: SQLite files (`Hospital.open`) and PostgreSQL (`Hospital.connect`).

The PostgreSQL tests use the server whose address is in `HMS_TEST_POSTGRES_URL`; the test command
(scripts/test-all) starts one and sets it. Without that variable they are skipped (a developer's
plain `pytest`); with it, a server that cannot be reached fails them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid
from pathlib import Path

import pytest

import hms
from conftest import NOW, TODAY, TUESDAY, at, inr, make_clinic, make_desk, patient_details

POSTGRES_URL = os.environ.get("HMS_TEST_POSTGRES_URL")


def exercise(h: hms.Hospital) -> None:
    """Registration, scheduling and access on any store, checked through a second look."""
    c = make_clinic(h)
    a = h.book_appointment(c.desk, hms.BookingRequest(c.asha, c.doctor, "consult", at(TUESDAY, 10)))
    with pytest.raises(hms.SlotConflictError) as caught:
        h.book_appointment(c.desk, hms.BookingRequest(c.ravi, c.doctor, "consult", at(TUESDAY, 10, 15)))
    assert caught.value.appointment_ids == [a.id]
    assert [x.id for x in h.doctor_day(c.desk, c.doctor, TUESDAY).appointments] == [a.id]
    booked = h.book_many(c.desk, [hms.BookingRequest(c.ravi, c.doctor, "consult", at(TUESDAY, 11 + i)) for i in range(2)])
    assert len(booked) == 2
    # 15 starts from 09:00 to 12:30; each of the three 30-minute visits takes away three of them.
    assert len(h.free_slots(c.desk, c.doctor, "consult", from_date=TUESDAY, until=TUESDAY)) == 15 - 3 * 3
    assert h.search_patients(c.desk, "Rao")[0].id == c.asha.id
    assert h.verify_audit_chain().intact


def test_sqlite_file_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    h = hms.Hospital.open(path, zone="Asia/Kolkata", now=NOW, seed=11)
    assert h.backend == "sqlite" and "sqlite" in repr(h)
    exercise(h)
    patients = [p.id for p in h.search_patients(h.audit_after()[0].account_id, "")]
    del h

    again = hms.Hospital.open(str(path), zone="Asia/Kolkata", now=NOW)
    admin = again.audit_after()[0].account_id
    assert [p.id for p in again.search_patients(admin, "")] == patients
    with pytest.raises(hms.AlreadyBootstrappedError):
        again.bootstrap_admin("root")


def test_sqlite_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    hms.Hospital.open(path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 'later')")
    with pytest.raises(hms.SchemaTooNewError) as caught:
        hms.Hospital.open(path)
    assert (caught.value.code, caught.value.found) == ("storage", 99)
    assert caught.value.supported < 99


def test_sqlite_reports_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    with pytest.raises(hms.StorageError) as caught:
        hms.Hospital.open(path)
    assert type(caught.value) is hms.StorageError
    assert (caught.value.code, caught.value.backend) == ("storage", "sqlite")


def test_a_bad_postgres_address_is_a_storage_error() -> None:
    with pytest.raises(hms.StorageError) as caught:
        hms.Hospital.connect("postgresql://nobody@127.0.0.1:1/none")
    assert caught.value.backend == "postgres"
    with pytest.raises(hms.StorageError):
        hms.Hospital.connect("not a url at all")


@pytest.mark.skipif(POSTGRES_URL is None, reason="HMS_TEST_POSTGRES_URL is not set (scripts/test-all sets it)")
def test_postgres_schema_per_hospital() -> None:
    assert POSTGRES_URL is not None
    schema = f"hms_py_{uuid.uuid4().hex[:12]}"
    # No try/skip here: with the variable set, an unreachable server fails this test.
    h = hms.Hospital.connect(POSTGRES_URL, schema=schema, zone="Asia/Kolkata", now=NOW, seed=12)
    assert h.backend == "postgres"
    exercise(h)
    again = hms.Hospital.connect(POSTGRES_URL, schema=schema, zone="Asia/Kolkata", now=NOW)
    assert len(again.audit_after(limit=10_000)) == len(h.audit_after(limit=10_000))
    with pytest.raises(hms.ValidationError):
        hms.Hospital.connect(POSTGRES_URL, schema="Not-A-Schema")
    # Another schema holds a hospital of its own.
    other = hms.Hospital.connect(POSTGRES_URL, schema=schema + "_b", now=NOW)
    admin = other.bootstrap_admin("admin")
    assert [p.mrn for p in [other.register_patient(admin, patient_details())]] == ["000000018"]
    with pytest.raises(hms.AlreadyBootstrappedError):
        again.bootstrap_admin("admin")


def bill_and_dispense(h: hms.Hospital) -> tuple[str, str, str, str]:
    """A visit billed and paid, and a prescription dispensed and billed, on any store; returns the
    ids of the invoice, the dispense, the clerk and the pharmacist for a second look."""
    p = make_desk(h)
    c = p.clinic
    visit = h.book_appointment(c.desk, hms.BookingRequest(c.asha, c.doctor, "consult", at(TODAY, 15)))
    h.charge_appointment(p.clerk, h.change_status(c.desk, visit, "fulfilled"))
    h.receive_stock(p.pharmacist, hms.GoodsReceipt(
        p.amoxicillin, "A-1", supplier="S", quantity=30, unit_cost=inr("1.00"), sale_price=inr("3.00"),
        expiry=TODAY + dt.timedelta(days=200),
    ))
    rx = h.write_prescription(c.doctor_account, c.asha, [
        hms.PrescriptionLine(p.amoxicillin, dose="500 mg", frequency="tid", duration_days=7, quantity=21)
    ])
    disp = h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 21)])
    h.add_charge(p.pharmacist, hms.ChargeRequest(c.asha, hms.ChargeSource.dispense(disp), "med", 21, unit_price=inr("3.00")))
    inv = h.issue_invoice(p.clerk, h.open_invoice(p.clerk, c.asha))
    assert inv.gross == inr("863.00") and len(inv.lines) == 2
    paid = h.record_payment(p.clerk, hms.PaymentRequest(c.asha, inv.gross, "card"))
    assert h.invoice(p.clerk, inv).status is hms.InvoiceStatus.BALANCED
    assert paid.allocations[0].invoice_id == inv.id
    with pytest.raises(hms.OverpaymentError):
        h.record_payment(p.clerk, hms.PaymentRequest(c.asha, inr("1.00")))
    assert [b.on_hand for b in h.stock_on_hand(p.pharmacist, p.amoxicillin)] == [9]
    with pytest.raises(hms.RefillsExhaustedError):
        h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 1)])
    return inv.id, disp.id, p.clerk.id, p.pharmacist.id


def look_again(h: hms.Hospital, invoice: str, dispense: str, clerk: str, pharmacist: str) -> None:
    """What `bill_and_dispense` wrote, read back through another hospital object."""
    inv = h.invoice(clerk, invoice)
    assert inv.status is hms.InvoiceStatus.BALANCED and inv.breakdown is not None
    assert inv.breakdown.totals.gross == hms.Money("863.00", "INR")
    amoxicillin = next(d for d in h.drugs(pharmacist) if d.generic_name == "amoxicillin")
    [balance] = h.stock_on_hand(pharmacist, amoxicillin)
    card = h.stock_card(pharmacist, balance.batch_id)
    assert [(e.kind, e.quantity) for e in card] == [("receipt", 30), ("dispense", -21)]
    assert card[1].details == {"dispense_id": dispense}


def test_billing_and_pharmacy_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "billing.db"
    ids = bill_and_dispense(hms.Hospital.open(path, zone="Asia/Kolkata", currency="INR", now=NOW, seed=13))
    look_again(hms.Hospital.open(path, zone="Asia/Kolkata", currency="INR", now=NOW), *ids)


@pytest.mark.skipif(POSTGRES_URL is None, reason="HMS_TEST_POSTGRES_URL is not set (scripts/test-all sets it)")
def test_billing_and_pharmacy_on_postgres() -> None:
    assert POSTGRES_URL is not None
    schema = f"hms_py_{uuid.uuid4().hex[:12]}"
    h = hms.Hospital.connect(POSTGRES_URL, schema=schema, zone="Asia/Kolkata", currency="INR", now=NOW, seed=14)
    ids = bill_and_dispense(h)
    look_again(hms.Hospital.connect(POSTGRES_URL, schema=schema, zone="Asia/Kolkata", currency="INR", now=NOW), *ids)
