"""Lists are tables: records are read-only mappings, `RecordList` has `to_pandas()` and HTML."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
import pytest

import hms
from conftest import NOW, doctor_details, patient_details

PATIENT_COLUMNS = [
    "id", "mrn", "given_name", "middle_name", "family_name", "birth_date", "sex", "phone", "email",
    "national_id", "city", "country", "active", "registered_at", "updated_at", "version",
]


def test_a_record_is_a_read_only_mapping_of_its_columns(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    p = hospital.register_patient(admin, patient_details(address=hms.Address("1 Main St", "Pune", "in")))
    assert isinstance(p, Mapping)
    assert list(p) == PATIENT_COLUMNS == list(p.keys())
    assert len(p) == 16 and "mrn" in p and "nope" not in p and 3 not in p  # type: ignore[comparison-overlap]
    row = dict(p)
    assert row == p._asdict()
    assert row["mrn"] == p.mrn and row["given_name"] == "Asha" and row["city"] == "Pune" and row["country"] == "IN"
    assert row["sex"] is hms.AdministrativeSex.FEMALE and row["birth_date"] == dt.date(1988, 4, 12)
    assert row["registered_at"] == NOW
    assert list(p.values()) == list(row.values()) and list(p.items()) == list(row.items())
    assert p.get("mrn") == p.mrn and p.get("nope") is None and p.get("nope", 0) == 0
    with pytest.raises(KeyError):
        p["nope"]
    with pytest.raises(KeyError):
        p[0]  # type: ignore[index]


def test_pandas_reads_a_record_list_directly(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    hospital.register_many(
        admin,
        [patient_details(name=hms.PersonName(f"P{i}", "Test"), phone=f"+91 80 {i:08d}") for i in range(3)],
    )
    found = hospital.search_patients(admin)
    assert isinstance(found, list) and isinstance(found, hms.RecordList)
    df = pd.DataFrame(found)
    assert list(df.columns) == PATIENT_COLUMNS and len(df) == 3
    pd.testing.assert_frame_equal(df, found.to_pandas())
    assert str(df["registered_at"].dt.tz) == "UTC"
    assert set(df["sex"]) == {"female"}


def test_money_stays_decimal_in_a_frame(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    hospital.hire_staff(admin, doctor_details(doctor=hms.DoctorProfile("cardiology", hms.Money("800.10", "INR"))))
    df = hospital.list_staff(admin).to_pandas()
    fee = df.loc[0, "consultation_fee"]
    assert isinstance(fee, Decimal) and fee == Decimal("800.10")
    assert df.loc[0, "currency"] == "INR"
    parts = pd.DataFrame(hms.allocate(hms.Money("10.00", "USD"), [1, 2]))
    assert list(parts.columns) == ["amount", "currency"]
    assert list(parts["amount"]) == [Decimal("3.33"), Decimal("6.67")]


def test_an_empty_list_keeps_its_columns(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    empty = hospital.search_patients(admin, "nobody")
    assert empty == [] and empty.columns == tuple(PATIENT_COLUMNS)
    assert list(empty.to_pandas().columns) == PATIENT_COLUMNS
    assert empty.rows() == []


def test_other_record_lists(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    hospital.register_patient(admin, patient_details())
    assert list(hospital.events_after().to_pandas().columns) == ["seq", "id", "at", "actor_id", "type", "data"]
    audit = hospital.audit_after().to_pandas()
    assert list(audit.columns) == ["seq", "at", "account_id", "action", "resource", "patient_id", "allowed", "rule", "reason", "break_glass"]
    account = dict(admin)
    assert account["roles"] == ("admin",) and account["login"] == "admin"
    with pytest.raises(hms.ValidationError) as caught:
        hospital.register_patient(admin, patient_details(phone="12", email="x"))
    problems = pd.DataFrame(caught.value.problems)
    assert list(problems.columns) == ["field", "code", "message"]
    assert list(problems["field"]) == ["phone", "email"]


def test_rows_and_html(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    hospital.register_patient(admin, patient_details(name=hms.PersonName("<script>", "Rao")))
    found = hospital.search_patients(admin)
    assert found.rows() == [dict(found[0])]
    html = found._repr_html_()
    assert html.startswith('<table class="hms"><caption>1 record</caption>')
    assert "<th>mrn</th>" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert repr(found).startswith("RecordList([Patient(")


def test_html_shows_the_first_fifty_rows(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    batch = [patient_details(name=hms.PersonName(f"P{i}", "Test"), phone=f"+91 80 {i:08d}") for i in range(60)]
    html = hospital.register_many(admin, batch)._repr_html_()
    assert "<caption>60 records (first 50 shown)</caption>" in html
    assert html.count("<tr>") == 51


def test_to_pandas_without_pandas_says_how_to_install_it(
    hospital: hms.Hospital, admin: hms.UserAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = hospital.search_patients(admin)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"hms\[pandas\]"):
        found.to_pandas()


@pytest.mark.parametrize(
    "cls",
    [
        hms.PricedLine, hms.TaxSubtotal, hms.PriceItem, hms.Charge, hms.InvoiceLine, hms.InvoiceChange, hms.Invoice,
        hms.Allocation, hms.Refund, hms.Payment, hms.StatementEntry, hms.Drug, hms.Batch, hms.StockBalance,
        hms.LedgerEntry, hms.StockOrder, hms.Prescription, hms.DispenseLine, hms.Dispense, hms.Pick,
        hms.Reservation, hms.Alert, hms.DrugValuation,
    ],
)
def test_billing_and_pharmacy_records_are_rows(cls: type) -> None:
    assert issubclass(cls, Mapping)
