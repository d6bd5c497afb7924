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
from conftest import NOW, TUESDAY, at, make_clinic, patient_details

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
