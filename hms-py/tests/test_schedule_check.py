"""`hms.check_schedule`: a whole schedule's collisions in one call, first come first served, from
columns of POSIX seconds (or aware datetimes) and calendar keys (ints or strings)."""

from __future__ import annotations

import array
import bisect
import datetime as dt
import random
from collections import defaultdict
from typing import Optional, Union

import pytest

import hms

UTC = dt.timezone.utc
NINE = int(dt.datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp())
MIN = 60


def t(minutes_after_nine: int) -> int:
    return NINE + minutes_after_nine * MIN


def test_a_patient_cannot_be_with_two_doctors_and_a_rejected_row_blocks_nothing() -> None:
    # Row 0: doctor 1 sees patient "P-7" 09:00-09:30.
    # Row 1: doctor 2 wants the same patient 09:20-09:40: rejected, the patient is with row 0.
    # Row 2: doctor 2 sees "P-8" 09:20-09:40: row 1 was rejected and holds nothing, so accepted.
    # Row 3: doctor 1 sees "P-8" 09:30-10:00: back to back with row 0 on the doctor's calendar,
    #        but "P-8" is with row 2 until 09:40: rejected.
    # Row 4: doctor 1 sees "P-9" 09:40-10:00: row 3 was rejected, so doctor 1 is free.
    starts = [t(0), t(20), t(20), t(30), t(40)]
    ends = [t(30), t(40), t(40), t(60), t(60)]
    check = hms.check_schedule(starts, ends, doctor=[1, 2, 2, 1, 1], patient=["P-7", "P-7", "P-8", "P-8", "P-9"])
    assert len(check) == 5
    assert check.accepted == [True, False, True, False, True]
    assert check.rejected == [1, 3]
    assert [(c.row, c.party, c.key, c.with_row) for c in check.clashes] == [(1, "patient", "P-7", 0), (3, "patient", "P-8", 2)]
    assert check.clashes_of(0) == []
    assert [dict(c) for c in check.clashes_of(3)] == [{"row": 3, "party": "patient", "key": "P-8", "with_row": 2}]
    assert check.clash_columns() == {"row": [1, 3], "party": ["patient", "patient"], "key": ["P-7", "P-8"], "with_row": [0, 2]}
    assert repr(check) == "<ScheduleCheck of 5 rows: 3 accepted, 2 rejected>"
    with pytest.raises(IndexError):
        check.clashes_of(5)


def test_every_clash_is_listed_by_calendar_then_start_and_none_needs_no_calendar() -> None:
    # Rows 0-2: doctor 1 from 09:00 to 10:30 in three back-to-back half hours, the first two in
    # room "R1"; row 3: patient 5 with doctor 2 08:00-09:15 (in no room).
    # Row 4 wants doctor 1, patient 5 and room "R1" 09:10-10:10: it hits rows 0, 1, 2 on the
    # doctor's calendar, row 3 on the patient's, rows 0 and 1 on the room's.
    starts = [t(0), t(30), t(60), t(-60), t(10)]
    ends = [t(30), t(60), t(90), t(15), t(70)]
    check = hms.check_schedule(
        starts,
        ends,
        doctor=[1, 1, 1, 2, 1],
        patient=[10, 11, 12, 5, 5],
        room=["R1", "R1", None, None, "R1"],
    )
    assert check.accepted == [True, True, True, True, False]
    assert [(c.party, c.key, c.with_row) for c in check.clashes_of(4)] == [
        ("doctor", 1, 0),
        ("doctor", 1, 1),
        ("doctor", 1, 2),
        ("patient", 5, 3),
        ("room", "R1", 0),
        ("room", "R1", 1),
    ]
    # Doctor 5 and patient 5 are two calendars: the same key in two columns does not collide.
    check = hms.check_schedule([t(0), t(0)], [t(30), t(30)], doctor=[5, 6], patient=[7, 5])
    assert check.accepted == [True, True]


def test_clashes_become_a_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    check = hms.check_schedule([t(0), t(10)], [t(30), t(40)], doctor=["D1", "D1"])
    frame = check.clashes.to_pandas()
    assert list(frame.columns) == ["row", "party", "key", "with_row"]
    assert frame.to_dict("records") == [{"row": 1, "party": "doctor", "key": "D1", "with_row": 0}]
    assert isinstance(frame, pd.DataFrame)


def test_datetimes_tuples_arrays_and_iterators_are_accepted() -> None:
    kolkata = dt.timezone(dt.timedelta(hours=5, minutes=30))
    nine_utc = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    starts = [nine_utc, nine_utc.astimezone(kolkata) + dt.timedelta(minutes=15)]
    ends = (nine_utc + dt.timedelta(minutes=30), t(45))  # a datetime and seconds may be mixed
    check = hms.check_schedule(starts, ends, doctor=array.array("q", [3, 3]), patient=iter(["a", "b"]))
    assert check.accepted == [True, False]
    assert check.clashes[0].key == 3


def test_seconds_and_datetimes_name_the_same_instants() -> None:
    # Row 0 in seconds, rows 1 and 2 as datetimes: row 1 starts when row 0 ends (back to back),
    # row 2 a second earlier (a clash) — at midnight, before 1970, and far ahead.
    for s in [0, -1, -86_400 * 36_524 + 7, 86_340, 86_400, NINE, 253_402_200_000]:
        edge = dt.datetime.fromtimestamp(s + 60, UTC)
        check = hms.check_schedule([s, edge, edge - dt.timedelta(seconds=1)], [s + 60, s + 120, s + 120], doctor=[1, 1, 1])
        assert check.accepted == [True, True, False], s


def test_a_microsecond_of_overlap_is_a_clash() -> None:
    # Row 0 ends at 09:01 (seconds); row 1 starts one microsecond before (a datetime): a clash.
    # Row 2 starts exactly at 09:01: back to back with row 0.
    edge = dt.datetime.fromtimestamp(t(1), UTC)
    check = hms.check_schedule([t(0), edge - dt.timedelta(microseconds=1), edge], [t(1), t(2), t(2)], room=[4, 4, 4])
    assert check.accepted == [True, False, True]


def test_small_large_and_negative_int_keys_are_all_told_apart() -> None:
    # Small keys are looked up in a table, large and negative ones by hashing: each key is its own
    # calendar whichever way it is found, and `True` is the int 1.
    keys = [1, 10**15, -1, 2**62, 5000, 1, True, 10**15]
    n = len(keys)
    check = hms.check_schedule([t(0)] * n, [t(30)] * n, doctor=keys)
    assert check.accepted == [True, True, True, True, True, False, False, False]
    assert [(c.row, c.key, c.with_row) for c in check.clashes] == [(5, 1, 0), (6, 1, 0), (7, 10**15, 1)]
    arrays = hms.check_schedule(array.array("q", [t(0)] * n), array.array("q", [t(30)] * n), doctor=array.array("q", [int(k) for k in keys]))
    assert arrays.accepted == check.accepted


def test_int64_arrays_are_read_whole_and_agree_with_lists() -> None:
    rng = random.Random(3)
    n = 500
    starts = [t(rng.randrange(0, 3000)) for _ in range(n)]
    ends = [s + rng.randrange(1, 90) * MIN for s in starts]
    doctors = [rng.randrange(5) - 2 for _ in range(n)]  # negative keys too
    patients = [rng.randrange(40) for _ in range(n)]
    want = hms.check_schedule(starts, ends, doctor=doctors, patient=patients)
    assert 0 < len(want.rejected) < n
    # Typecode "q" is read whole; "l" (also 8 bytes here, but not asked for) item by item.
    for code in ("q", "l"):
        got = hms.check_schedule(
            array.array(code, starts), array.array(code, ends), doctor=array.array(code, doctors), patient=array.array(code, patients)
        )
        assert got.accepted == want.accepted
        assert got.clash_columns() == want.clash_columns()
    np = pytest.importorskip("numpy")
    # Native int64 is read whole; big-endian and 32-bit arrays item by item.
    got = hms.check_schedule(np.array(starts), np.array(ends, dtype=">i8"), doctor=np.array(doctors), patient=np.array(patients, dtype="int32"))
    assert got.accepted == want.accepted
    assert got.clash_columns() == want.clash_columns()
    with pytest.raises(hms.ValidationError) as e:
        hms.check_schedule(array.array("q", [t(0)]), array.array("q", [-(2**62)]))
    assert [(p.field, p.code) for p in e.value.problems] == [("end[0]", "out_of_range")]


def test_bad_rows_are_all_listed_in_one_validation_error() -> None:
    with pytest.raises(hms.ValidationError) as e:
        hms.check_schedule([t(0), t(30), t(60)], [t(30), t(30), t(50)], doctor=[1, 2], patient=[1, 2, 3])
    assert [(p.field, p.code) for p in e.value.problems] == [
        ("doctor", "inconsistent"),
        ("end[1]", "invalid_period"),
        ("end[2]", "invalid_period"),
    ]
    with pytest.raises(hms.ValidationError) as e:
        hms.check_schedule([t(0)], [10**15], doctor=[1])
    assert [(p.field, p.code) for p in e.value.problems] == [("end[0]", "out_of_range")]
    with pytest.raises(hms.ValidationError) as e:
        hms.check_schedule([dt.datetime(2026, 3, 2, 9)], [t(30)], doctor=[1])
    assert e.value.problems[0].field == "start[0]"


def test_values_of_other_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match=r"`start\[0\]` must be an int"):
        hms.check_schedule([float(t(0))], [t(30)], doctor=[1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"`doctor\[1\]` must be an int, a str or None"):
        hms.check_schedule([t(0), t(30)], [t(30), t(60)], doctor=[1, 2.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a string"):
        hms.check_schedule([t(0)], [t(30)], doctor="D1")
    with pytest.raises(TypeError):
        hms.check_schedule(5, [t(30)])  # type: ignore[arg-type]


Key = Union[int, str, None]


def python_check(starts: list[int], ends: list[int], columns: dict[str, list[Key]]) -> list[list[tuple[str, Key, int]]]:
    """The rule in plain Python, as the overhead bench runs it: per calendar a sorted list of the
    accepted rows' (start, end, row); rows that collide are listed, rejected rows hold nothing."""
    calendars: dict[tuple[str, Key], list[tuple[int, int, int]]] = defaultdict(list)
    out: list[list[tuple[str, Key, int]]] = []
    for i, (s, e) in enumerate(zip(starts, ends)):
        clashes: list[tuple[str, Key, int]] = []
        mine = [(name, col[i]) for name, col in columns.items() if col[i] is not None]
        for name, key in mine:
            cal = calendars[(name, key)]
            j = bisect.bisect_left(cal, (e,))
            hits = []
            while j > 0 and cal[j - 1][1] > s:
                j -= 1
                hits.append((name, key, cal[j][2]))
            clashes.extend(reversed(hits))
        if not clashes:
            for cal_key in mine:
                bisect.insort(calendars[cal_key], (s, e, i))
        out.append(clashes)
    return out


def test_agrees_with_the_rule_written_in_python_on_a_crowded_random_schedule() -> None:
    rng = random.Random(7)
    n = 3000
    starts = [t(rng.randrange(0, 2000)) for _ in range(n)]
    ends = [s + rng.randrange(1, 120) * MIN for s in starts]
    columns: dict[str, list[Key]] = {
        "doctor": [rng.randrange(8) for _ in range(n)],
        "patient": [f"P{rng.randrange(200)}" for _ in range(n)],
        "room": [rng.choice([None, "R1", "R2"]) for _ in range(n)],
    }
    check = hms.check_schedule(starts, ends, **columns)
    want = python_check(starts, ends, columns)
    assert check.accepted == [not w for w in want]
    got: list[list[tuple[str, Optional[Key], int]]] = [[] for _ in range(n)]
    for c in check.clashes:
        got[c.row].append((c.party, c.key, c.with_row))
    assert got == want
    assert 0 < len(check.rejected) < n
    columns_out = check.clash_columns()
    assert list(zip(*columns_out.values())) == [(c.row, c.party, c.key, c.with_row) for c in check.clashes]
