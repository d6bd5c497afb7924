"""Use cases release the GIL while the store works, and are safe to call from many threads."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

import hms
from conftest import patient_details


@pytest.fixture
def fine_switching() -> Iterator[None]:
    # Let threads take turns every 0.1 ms, so that a thread holding the GIL is the only reason
    # another could not run.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def test_a_long_call_lets_other_python_threads_run(
    hospital: hms.Hospital, admin: hms.UserAccount, fine_switching: None
) -> None:
    batch = [patient_details(name=hms.PersonName(f"P{i}", "Test"), phone=f"+91 80 {i:08d}") for i in range(5000)]
    window: list[float] = []

    def load() -> None:
        window.append(time.perf_counter())
        registered = hospital.register_many(admin, batch)  # one call: no Python runs in this thread inside it
        window.append(time.perf_counter())
        assert len(registered) == 5000

    ticks: list[float] = []
    worker = threading.Thread(target=load)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    start, end = window
    # The middle 60% of the call is spent inside Rust. Had the call kept the GIL all along, this
    # thread could not have run a single Python instruction then.
    lo, hi = start + 0.2 * (end - start), end - 0.2 * (end - start)
    inside = [t for t in ticks if lo < t < hi]
    assert inside, "the main thread never ran while the worker was inside the call"


def test_concurrent_registrations_get_distinct_mrns(hospital: hms.Hospital, admin: hms.UserAccount) -> None:
    results: list[hms.Patient] = []
    lock = threading.Lock()

    def register(start: int) -> None:
        for i in range(start, start + 50):
            p = hospital.register_patient(
                admin, patient_details(name=hms.PersonName(f"P{i}", "Test"), phone=f"+91 80 {i:08d}")
            )
            with lock:
                results.append(p)

    threads = [threading.Thread(target=register, args=(n * 50,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200
    assert len({p.mrn for p in results}) == 200
    assert sorted(p.mrn for p in results) == [hms.mrn_from_sequence(n) for n in range(1, 201)]
