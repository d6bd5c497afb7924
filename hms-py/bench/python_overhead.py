"""What calling hms from Python costs.

1. Per-call overhead of a conflict check: `Calendar.is_free(interval)` called from Python, against
   the same check timed inside Rust (`Calendar._time_is_free`). The difference is the binding's
   cost per call (argument checks, the call itself, the result). Target: at most 1 µs.
2. Bulk booking of 100,000 appointments with `Hospital.book_many` (one call, one transaction,
   without the GIL), against a pure-Python loop doing the same conflict checks (working hours,
   past/horizon, the doctor's and the patient's calendars kept sorted and searched with bisect),
   and against a Python loop of 100,000 `book_appointment` calls. Target: bulk at least 20x
   faster than the pure-Python loop.

Not part of the test command. Build the extension optimised first, then run:

    (cd hms-py && maturin develop --release)
    python hms-py/bench/python_overhead.py            # HMS_BENCH_BOOKINGS=20000 for a quicker run
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import time
import timeit
from collections import defaultdict
from typing import Any, Callable

import hms

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 2, tzinfo=UTC)
FIRST_DAY = dt.date(2026, 3, 3)
DOCTORS = 100
VISIT = dt.timedelta(minutes=10)
OPEN, CLOSE = dt.time(8), dt.time(20)
SLOTS_PER_DAY = 72  # 08:00 to 20:00 in 10-minute visits


def best_of(runs: int, f: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    return min(times)


# --- 1. per-call overhead -------------------------------------------------------------------------


def per_call_overhead() -> dict[str, float]:
    cal = hms.Calendar()
    start = dt.datetime(2026, 3, 3, 8, tzinfo=UTC)
    for i in range(1000):  # a busy calendar: 1,000 half-hour bookings, back to back
        b = hms.Interval.starting_at(start + i * dt.timedelta(minutes=30), dt.timedelta(minutes=30))
        cal.add(f"019cad8f-ac00-7a00-8000-{i:012d}", b)
    query = hms.Interval.starting_at(start + dt.timedelta(minutes=30 * 500 + 10), dt.timedelta(minutes=15))

    number = 200_000
    python = min(timeit.repeat(lambda: cal.is_free(query), number=number, repeat=5)) / number
    rust = min(cal._time_is_free(query, 2_000_000) for _ in range(5))
    empty = min(timeit.repeat(lambda: None, number=number, repeat=5)) / number
    return {"python_call_s": python, "rust_check_s": rust, "lambda_s": empty, "overhead_s": python - rust}


# --- 2. bulk booking ------------------------------------------------------------------------------


def plan(n: int) -> list[tuple[int, int, dt.datetime]]:
    """(patient index, doctor index, start) of n bookings that do not collide."""
    out = []
    for i in range(n):
        d, s = i % DOCTORS, i // DOCTORS
        day, slot = divmod(s, SLOTS_PER_DAY)
        start = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), OPEN, tzinfo=UTC) + slot * VISIT
        out.append((d + DOCTORS * (s % 10), d, start))
    return out


def clinic(patients: int) -> tuple[hms.Hospital, hms.UserAccount, list[hms.Staff], list[hms.Patient]]:
    h = hms.Hospital.in_memory(now=NOW, seed=1)
    admin = h.bootstrap_admin("admin")
    desk_staff = h.hire_staff(admin, hms.StaffDetails(name=hms.PersonName("Desk", "One"), role="receptionist", department="desk"))
    desk = h.open_account(admin, hms.NewAccount("desk", ["receptionist"], staff_id=desk_staff))
    doctors = []
    for i in range(DOCTORS):
        doctor = h.hire_staff(
            admin,
            hms.StaffDetails(
                name=hms.PersonName("Doctor", f"No{i}"),
                role="doctor",
                department="OPD",
                license_number=f"LIC-{i:05d}",
                doctor=hms.DoctorProfile("General medicine", hms.Money("500", "USD")),
            ),
        )
        h.set_availability(
            admin,
            doctor,
            [
                hms.AvailabilityTemplate(
                    doctor,
                    zone="UTC",
                    weekly_hours=[hms.WeeklyHours(day, OPEN, CLOSE) for day in hms.Weekday],
                    effective_from=dt.date(2026, 1, 1),
                    slot_minutes=10,
                    visit_types=[hms.VisitType("consult", "Consultation", 10)],
                    horizon_days=60,
                )
            ],
        )
        doctors.append(doctor)
    people = h.register_many(
        desk,
        [
            hms.PatientDetails(
                name=hms.PersonName("Patient", f"No{i}"), birth_date=dt.date(1980, 1, 1), sex="unknown", phone=f"+1 555 {i:07d}"
            )
            for i in range(patients)
        ],
    )
    return h, desk, doctors, list(people)


def python_book_all(bookings: list[tuple[int, int, dt.datetime]]) -> list[dict[str, Any]]:
    """The same checks as the rules, in plain Python: working hours, not in the past, within the
    horizon, and no overlap on the doctor's or the patient's calendar (kept sorted; bisect)."""
    doctor_cal: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    patient_cal: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    last_day = NOW.date() + dt.timedelta(days=60)
    booked = []
    for patient, doctor, start in bookings:
        end = start + VISIT
        if start < NOW:
            raise ValueError("in the past")
        if start.date() > last_day:
            raise ValueError("beyond the horizon")
        if not (start.date() == end.date() and OPEN <= start.time() and end.time() <= CLOSE):
            raise ValueError("outside working hours")
        for cal in (doctor_cal[doctor], patient_cal[patient]):
            i = bisect.bisect_left(cal, (start, end))
            if (i < len(cal) and cal[i][0] < end) or (i > 0 and cal[i - 1][1] > start):
                raise ValueError("conflict")
        bisect.insort(doctor_cal[doctor], (start, end))
        bisect.insort(patient_cal[patient], (start, end))
        booked.append({"patient": patient, "doctor": doctor, "start": start, "end": end, "status": "booked"})
    return booked


def bulk(n: int) -> dict[str, float]:
    bookings = plan(n)
    patients = 10 * DOCTORS
    h, desk, doctors, people = clinic(patients)
    started = time.perf_counter()
    requests = [hms.BookingRequest(people[p], doctors[d], "consult", start) for p, d, start in bookings]
    build = time.perf_counter() - started

    started = time.perf_counter()
    booked = h.book_many(desk, requests)
    book_many = time.perf_counter() - started
    assert len(booked) == n

    python_loop = best_of(3, lambda: python_book_all(bookings))

    h2, desk2, _, _ = clinic(patients)
    sample = requests[: min(n, 20_000)]
    started = time.perf_counter()
    for r in sample:
        h2.book_appointment(desk2, r)
    per_call = (time.perf_counter() - started) / len(sample)
    return {
        "n": n,
        "build_requests_s": build,
        "book_many_s": book_many,
        "python_loop_s": python_loop,
        "one_call_each_s": per_call * n,
    }


def main() -> None:
    o = per_call_overhead()
    print("conflict check on a calendar of 1,000 bookings")
    print(f"  from Python, per call      {o['python_call_s'] * 1e9:8.0f} ns")
    print(f"  inside Rust, per check     {o['rust_check_s'] * 1e9:8.0f} ns")
    print(f"  binding overhead per call  {o['overhead_s'] * 1e9:8.0f} ns   (target <= 1000 ns)")
    print(f"  (an empty Python lambda    {o['lambda_s'] * 1e9:8.0f} ns)")

    n = int(os.environ.get("HMS_BENCH_BOOKINGS", "100000"))
    b = bulk(n)
    print(f"\nbooking {n:,} appointments ({DOCTORS} doctors, {10 * DOCTORS} patients)")
    print(f"  building the requests          {b['build_requests_s']:7.2f} s")
    print(f"  Hospital.book_many (one call)  {b['book_many_s']:7.2f} s   ({n / b['book_many_s']:,.0f} bookings/s)")
    print(f"  pure-Python loop, same checks  {b['python_loop_s']:7.2f} s   -> bulk is {b['python_loop_s'] / b['book_many_s']:.1f}x faster (target >= 20x)")
    print(f"  one book_appointment per row   {b['one_call_each_s']:7.2f} s   (timed on {min(n, 20_000):,}) -> bulk is {b['one_call_each_s'] / b['book_many_s']:.1f}x faster")


if __name__ == "__main__":
    main()
