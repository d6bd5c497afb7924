"""What calling hms from Python costs.

1. Per-call overhead of a conflict check: `Calendar.is_free(interval)` called from Python, against
   the same check timed inside Rust (`Calendar._time_is_free`). The difference is the binding's
   cost per call (argument checks, the call itself, the result). Target: at most 1 µs.
2. Bulk: (a) checking a schedule of 100,000 rows for collisions with one `hms.check_schedule`
   call, against a pure-Python loop doing exactly the same checks on the same input. Both take
   the same columns (start and end as POSIX seconds, doctor and patient keys as ints), apply the
   same rule (first come, first served: a row is accepted when it overlaps no earlier accepted row
   on its doctor's or its patient's calendar; a rejected row holds nothing), keep each calendar
   sorted (Python: a list searched with `bisect`), and produce the same result: for each row
   whether it was accepted, and for each rejected row every earlier row in its way and on which
   calendar. Neither side checks working hours or the booking horizon. A tenth of the rows repeat
   the time and the patient of the row before of the same doctor, so both sides reject 10,000
   rows, each with two clashes (the doctor's and the patient's calendar). Target:
   bulk at least 20x faster than the pure-Python loop. Run twice: with the columns as lists of
   ints, and as `array.array('q')` (which `check_schedule` reads in one copy, where a list's ints
   are read one by one at tens of nanoseconds each under the stable ABI; the Python loop indexes
   either kind alike). The Rust side with datetime columns is timed too (converting a datetime
   costs about a microsecond under the stable ABI).
   (b) Booking 100,000 appointments with `Hospital.book_many` (one call, one transaction, without
   the GIL: access check, working hours, past/horizon, conflicts, ids, status history, audit,
   storage), against a Python loop of 100,000 `book_appointment` calls.

Not part of the test command. Build the extension optimised first, then run:

    (cd hms-py && maturin develop --release)
    python hms-py/bench/python_overhead.py            # HMS_BENCH_BOOKINGS=20000 for a quicker run
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import os
import time
import timeit
from collections import defaultdict
from typing import Any, Callable, Sequence

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


def schedule(n: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Columns of n 10-minute rows: start and end (POSIX seconds), doctor and patient (ints). Row i
    goes to doctor i % 100 and one of ten patients of that doctor, in the doctor's next slot of a
    08:00-20:00 day; every tenth slot of a doctor repeats the time of the one before (a clash)."""
    first = int(dt.datetime.combine(FIRST_DAY, OPEN, tzinfo=UTC).timestamp())
    starts, ends, doctors, patients = [], [], [], []
    for i in range(n):
        d, s = i % DOCTORS, i // DOCTORS
        if s % 10 == 9:
            s -= 1
        day, slot = divmod(s, SLOTS_PER_DAY)
        start = first + day * 86_400 + slot * 600
        starts.append(start)
        ends.append(start + 600)
        doctors.append(d)
        patients.append(d + DOCTORS * (s % 10))
    return starts, ends, doctors, patients


def python_check_schedule(
    starts: Sequence[int], ends: Sequence[int], doctor: Sequence[int], patient: Sequence[int]
) -> tuple[list[bool], list[tuple[int, str, int, int]]]:
    """`hms.check_schedule(starts, ends, doctor=doctor, patient=patient)` in plain Python: per
    calendar a list of the accepted rows' (start, end, row) kept sorted; the rows in the way of a
    new one are those starting before it ends (`bisect`), walked back while they end after it
    starts (accepted rows on one calendar never overlap, so their ends rise with their starts)."""
    doctors: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    patients: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    accepted: list[bool] = []
    clashes: list[tuple[int, str, int, int]] = []
    for i in range(len(starts)):
        s, e, d, p = starts[i], ends[i], doctor[i], patient[i]
        found: list[tuple[int, str, int, int]] = []
        for party, key, cal in (("doctor", d, doctors[d]), ("patient", p, patients[p])):
            j = bisect.bisect_left(cal, (e,))
            first = len(found)
            while j > 0 and cal[j - 1][1] > s:
                j -= 1
                found.append((i, party, key, cal[j][2]))
            found[first:] = found[first:][::-1]
        if found:
            clashes.extend(found)
            accepted.append(False)
        else:
            bisect.insort(doctors[d], (s, e, i))
            bisect.insort(patients[p], (s, e, i))
            accepted.append(True)
    return accepted, clashes


def rust_check_schedule(
    starts: Sequence[Any], ends: Sequence[Any], doctor: Sequence[int], patient: Sequence[int]
) -> tuple[list[bool], dict[str, list[Any]]]:
    """The same with one `hms.check_schedule` call, its answer read into Python lists: `accepted`,
    and the clashes as four columns (the same facts as the loop's tuples, in the form each side
    builds fastest; `agree` compares them)."""
    check = hms.check_schedule(starts, ends, doctor=doctor, patient=patient)
    return check.accepted, check.clash_columns()


def agree(python: tuple[list[bool], list[tuple[int, str, int, int]]], rust: tuple[list[bool], dict[str, list[Any]]]) -> bool:
    columns = rust[1]
    return python[0] == rust[0] and python[1] == list(zip(columns["row"], columns["party"], columns["key"], columns["with_row"]))


def bulk_check(n: int) -> dict[str, float]:
    starts, ends, doctors, patients = schedule(n)
    python = python_check_schedule(starts, ends, doctors, patients)
    rust = rust_check_schedule(starts, ends, doctors, patients)
    assert agree(python, rust), "the two checks disagree"
    t_python = best_of(3, lambda: python_check_schedule(starts, ends, doctors, patients))
    t_rust = best_of(5, lambda: rust_check_schedule(starts, ends, doctors, patients))
    t_call = best_of(5, lambda: hms.check_schedule(starts, ends, doctor=doctors, patient=patients))
    start_dts = [dt.datetime.fromtimestamp(s, UTC) for s in starts]
    end_dts = [dt.datetime.fromtimestamp(e, UTC) for e in ends]
    t_datetimes = best_of(3, lambda: rust_check_schedule(start_dts, end_dts, doctors, patients))
    arrays = [array.array("q", column) for column in (starts, ends, doctors, patients)]
    assert agree(python_check_schedule(*arrays), rust_check_schedule(*arrays)), "the two checks disagree"
    t_python_arrays = best_of(3, lambda: python_check_schedule(*arrays))
    t_rust_arrays = best_of(5, lambda: rust_check_schedule(*arrays))
    return {
        "n": n,
        "rejected": python[0].count(False),
        "python_loop_s": t_python,
        "check_schedule_s": t_rust,
        "call_only_s": t_call,
        "datetimes_s": t_datetimes,
        "python_loop_arrays_s": t_python_arrays,
        "check_schedule_arrays_s": t_rust_arrays,
    }


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
    c = bulk_check(n)
    print(f"\nchecking a schedule of {n:,} rows for clashes ({DOCTORS} doctors, {10 * DOCTORS} patients, {c['rejected']:,} rows rejected)")
    print(f"  pure-Python loop (bisect)            {c['python_loop_s']:7.3f} s")
    print(
        f"  hms.check_schedule + reading result  {c['check_schedule_s']:7.3f} s"
        f"   -> {c['python_loop_s'] / c['check_schedule_s']:.1f}x faster (target >= 20x)"
    )
    print(f"    of which the call itself           {c['call_only_s']:7.3f} s   ({c['call_only_s'] * 1e9 / n:.0f} ns a row)")
    print(f"  hms.check_schedule, datetime columns {c['datetimes_s']:7.3f} s")
    print("  the same columns as array('q'), on both sides:")
    print(f"  pure-Python loop (bisect)            {c['python_loop_arrays_s']:7.3f} s")
    print(
        f"  hms.check_schedule + reading result  {c['check_schedule_arrays_s']:7.3f} s"
        f"   -> {c['python_loop_arrays_s'] / c['check_schedule_arrays_s']:.1f}x faster (target >= 20x)"
    )

    b = bulk(n)
    print(f"\nbooking {n:,} appointments ({DOCTORS} doctors, {10 * DOCTORS} patients)")
    print(f"  building the requests          {b['build_requests_s']:7.2f} s")
    print(f"  Hospital.book_many (one call)  {b['book_many_s']:7.2f} s   ({n / b['book_many_s']:,.0f} bookings/s)")
    print(f"  one book_appointment per row   {b['one_call_each_s']:7.2f} s   (timed on {min(n, 20_000):,}) -> bulk is {b['one_call_each_s'] / b['book_many_s']:.1f}x faster")

if __name__ == "__main__":
    main()
