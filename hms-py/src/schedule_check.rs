//! `check_schedule`: which rows of a whole schedule collide (a doctor, a patient or a room in two
//! places at once), checked in one call, first come first served — the rule of
//! `hms_core::scheduling::schedule_check`.
//!
//! Built for large inputs: times come as columns of POSIX seconds (plain `int`s, read without any
//! calendar arithmetic in Python; aware datetimes are accepted too, at about a microsecond each),
//! calendar keys as `int`s or `str`s, numbered densely here so that the check itself hashes small
//! integers; the check runs without the GIL. A column of 64-bit integers held in an
//! `array.array('q')` or a NumPy `int64` array is read in one copy of its bytes rather than item by
//! item (reading a Python `int` costs tens of nanoseconds under the stable ABI).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::scheduling::schedule_check::{RowVerdict, ScheduleCheck};
use hms_core::time::Interval;
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyInt, PyList, PyString};

use crate::convert::{datetime_arg, obj, record, records};
use crate::errors::raise;

/// Hashes the small integers this module numbers calendars with (and `int` keys): one
/// multiplication by the golden ratio spreads consecutive numbers over the table, where the
/// standard library's keyed hash costs ten times more for no protection a caller's own numbering
/// needs.
#[derive(Debug, Clone, Copy, Default)]
struct Spread;

#[derive(Debug, Default)]
struct SpreadHasher(u64);

impl Hasher for SpreadHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

impl BuildHasher for Spread {
    type Hasher = SpreadHasher;

    fn build_hasher(&self) -> SpreadHasher {
        SpreadHasher::default()
    }
}

/// A calendar key column's keys, numbered from a counter shared by all columns (so doctor `5` and
/// patient `5` are two calendars).
#[derive(Default)]
struct Keys<'py> {
    ints: HashMap<i64, u32, Spread>,
    /// Strings by their Python hash (computed once and cached by Python), then compared.
    strs: HashMap<isize, Vec<(Bound<'py, PyString>, u32)>, Spread>,
}

/// Calls `f` with each item of a column argument (any iterable but a string) and its position;
/// a list is read in place.
fn each_item<'py>(
    column: &Bound<'py, PyAny>,
    field: &str,
    mut f: impl FnMut(usize, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if column.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a list or another sequence, not a string"
        )));
    }
    if let Ok(list) = column.cast::<PyList>() {
        for (i, item) in list.iter().enumerate() {
            f(i, &item)?;
        }
        return Ok(());
    }
    for (i, item) in column.try_iter()?.enumerate() {
        f(i, &item?)?;
    }
    Ok(())
}

/// The values of a column that is an `array.array` of 8-byte signed integers (typecode `q`) or a
/// one-dimensional NumPy `int64` array in the machine's byte order, read in one copy of its bytes
/// (`tobytes()`, since the stable ABI of Python 3.9 has no buffer protocol); `None` for any other
/// column, which is then read item by item.
fn int64_array(column: &Bound<'_, PyAny>) -> PyResult<Option<Vec<i64>>> {
    let class = column.get_type();
    let (module, name) = (class.module()?, class.name()?);
    let (module, name) = (module.to_cow()?, name.to_cow()?);
    let native = if cfg!(target_endian = "little") {
        "<i8"
    } else {
        ">i8"
    };
    let fits = match (module.as_ref(), name.as_ref()) {
        ("array", "array") => {
            column.getattr("typecode")?.extract::<String>()? == "q"
                && column.getattr("itemsize")?.extract::<usize>()? == 8
        }
        ("numpy", "ndarray") => {
            column.getattr("ndim")?.extract::<usize>()? == 1
                && column.getattr("dtype")?.getattr("str")?.extract::<String>()? == native
        }
        _ => false,
    };
    if !fits {
        return Ok(None);
    }
    let bytes = column.call_method0("tobytes")?;
    let bytes = bytes.cast::<PyBytes>()?.as_bytes();
    Ok(Some(
        bytes
            .chunks_exact(8)
            .map(|b| i64::from_ne_bytes(<[u8; 8]>::try_from(b).unwrap_or_default()))
            .collect(),
    ))
}

/// The instant `secs` seconds after 1970 began, or `None` out of range. `day` keeps the date of the
/// last day read: rows given in time order fall on the same day one after another, and turning a
/// day number into a date is the costly part.
fn from_seconds(secs: i64, day: &mut Option<(i64, NaiveDate)>) -> Option<DateTime<Utc>> {
    let (days, secs_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let date = match *day {
        Some((d, date)) if d == days => Some(date),
        _ => DateTime::from_timestamp(days.saturating_mul(86_400), 0).map(|t| t.date_naive()),
    };
    *day = date.map(|date| (days, date));
    let time = u32::try_from(secs_of_day)
        .ok()
        .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0));
    date.zip(time).map(|(d, t)| d.and_time(t).and_utc())
}

/// Calls `f` with each time of a column (POSIX seconds as `int`s, or aware datetimes) and its
/// position. Out-of-range seconds are recorded in `problems` (and given as `None`).
fn each_time(
    column: &Bound<'_, PyAny>,
    field: &str,
    problems: &mut ValidationError,
    mut f: impl FnMut(usize, Option<DateTime<Utc>>),
) -> PyResult<()> {
    let mut day: Option<(i64, NaiveDate)> = None;
    let mut seconds = |i: usize, secs: i64, problems: &mut ValidationError| {
        let t = from_seconds(secs, &mut day);
        if t.is_none() {
            problems.push(
                format!("{field}[{i}]"),
                FieldCode::OutOfRange,
                format!("`{secs}` seconds is outside the supported range of dates"),
            );
        }
        t
    };
    if let Some(values) = int64_array(column)? {
        for (i, secs) in values.into_iter().enumerate() {
            f(i, seconds(i, secs, problems));
        }
        return Ok(());
    }
    each_item(column, field, |i, item| {
        let t = if item.is_instance_of::<PyInt>() || !item.is_instance_of::<PyDateTime>() {
            let secs = item.extract::<i64>().map_err(|_| {
                let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                PyTypeError::new_err(format!(
                    "`{field}[{i}]` must be an int (POSIX seconds) or an aware datetime, not `{type_name}`"
                ))
            })?;
            seconds(i, secs, problems)
        } else {
            Some(datetime_arg(item, &format!("{field}[{i}]"))?)
        };
        f(i, t);
        Ok(())
    })
}

/// A calendar key column: for each row, the number of its calendar, or `None` (the row occupies
/// no calendar of this kind). New keys take numbers from `next` and are remembered in `keys`.
fn calendar_column<'py>(
    column: &Bound<'py, PyAny>,
    field: &str,
    index: u16,
    next: &mut Vec<(u16, Py<PyAny>)>,
) -> PyResult<Vec<Option<u32>>> {
    let mut keys = Keys::default();
    if let Some(values) = int64_array(column)? {
        let mut out = Vec::with_capacity(values.len());
        for k in values {
            let n = match keys.ints.get(&k) {
                Some(n) => *n,
                None => {
                    let n = u32::try_from(next.len())
                        .map_err(|_| PyTypeError::new_err("more than 4,294,967,295 calendars"))?;
                    next.push((index, k.into_pyobject(column.py())?.into_any().unbind()));
                    keys.ints.insert(k, n);
                    n
                }
            };
            out.push(Some(n));
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(column.len().unwrap_or(0));
    each_item(column, field, |i, item| {
        let mut new_number = || -> PyResult<u32> {
            let n = u32::try_from(next.len())
                .map_err(|_| PyTypeError::new_err("more than 4,294,967,295 calendars"))?;
            next.push((index, item.clone().unbind()));
            Ok(n)
        };
        let number = if item.is_none() {
            None
        } else if let Ok(s) = item.cast::<PyString>() {
            let bucket = keys.strs.entry(s.hash()?).or_default();
            let mut found = None;
            for (other, n) in bucket.iter() {
                if other.is(s) || PyAnyMethods::eq(other.as_any(), s)? {
                    found = Some(*n);
                    break;
                }
            }
            match found {
                Some(n) => Some(n),
                None => {
                    let n = new_number()?;
                    bucket.push((s.clone(), n));
                    Some(n)
                }
            }
        } else if let Ok(k) = item.extract::<i64>() {
            match keys.ints.get(&k) {
                Some(n) => Some(*n),
                None => {
                    let n = new_number()?;
                    keys.ints.insert(k, n);
                    Some(n)
                }
            }
        } else {
            let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "`{field}[{i}]` must be an int, a str or None, not `{type_name}`"
            )));
        };
        out.push(number);
        Ok(())
    })?;
    Ok(out)
}

/// Checks a whole schedule, first come first served: row `i` occupies the calendars named in
/// `calendars` (one keyword per kind of calendar: `doctor=[...]`, `patient=[...]`, `room=[...]`,
/// each a sequence of keys, `int` or `str`, `None` where a row needs no such calendar) from
/// `start[i]` to `end[i]` (POSIX seconds as `int`s, or aware datetimes). Any column may be a list
/// or another iterable; an `array.array('q')` or a NumPy `int64` array of seconds or int keys is
/// the fastest form (read in one copy). A row is
/// accepted when its time overlaps no earlier accepted row on any of its calendars; otherwise it is
/// rejected, lists the rows it collides with, and holds no time. Back-to-back rows do not collide.
/// Raises `ValidationError` listing every row whose end is not after its start, every column whose
/// length differs from `start`'s, and every time out of range; `TypeError` for values of other types.
#[pyfunction]
#[pyo3(signature = (start, end, **calendars))]
pub(crate) fn check_schedule(
    py: Python<'_>,
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    calendars: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyScheduleCheck> {
    let mut problems = ValidationError::default();
    let mut starts: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(start.len().unwrap_or(0));
    each_time(start, "start", &mut problems, |_, t| starts.push(t))?;
    let n = starts.len();
    // The intervals are made as the ends are read; an end without a start is counted only.
    let mut intervals = Vec::with_capacity(n);
    let mut ends = 0;
    let mut empty: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    each_time(end, "end", &mut problems, |i, e| {
        ends += 1;
        if let (Some(Some(s)), Some(e)) = (starts.get(i), e) {
            match Interval::new(*s, e) {
                Ok(interval) => intervals.push(interval),
                Err(_) => empty.push((i, *s, e)),
            }
        }
    })?;
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<Option<u32>>> = Vec::new();
    let mut keys: Vec<(u16, Py<PyAny>)> = Vec::new();
    for (name, column) in calendars.into_iter().flatten() {
        let name: String = name.extract()?;
        let index = u16::try_from(names.len())
            .map_err(|_| PyTypeError::new_err("more than 65,535 kinds of calendar"))?;
        columns.push(calendar_column(&column, &name, index, &mut keys)?);
        names.push(name);
    }
    let lengths = std::iter::once(("end", ends))
        .chain(names.iter().map(String::as_str).zip(columns.iter().map(Vec::len)));
    for (field, len) in lengths {
        if len != n {
            problems.push(
                field,
                FieldCode::Inconsistent,
                format!("`{field}` has {len} rows but `start` has {n}"),
            );
        }
    }
    for (i, s, e) in empty {
        problems.push(
            format!("end[{i}]"),
            FieldCode::InvalidPeriod,
            format!("the end `{e}` is not after the start `{s}`"),
        );
    }
    problems.into_result().map_err(raise)?;
    drop(starts);

    let (accepted, clashes) = py.detach(|| {
        let mut check = ScheduleCheck::with_hasher(Spread);
        let mut row: Vec<u32> = Vec::with_capacity(columns.len());
        let mut accepted = Vec::with_capacity(intervals.len());
        let mut clashes = Vec::new();
        for (i, interval) in intervals.iter().enumerate() {
            row.clear();
            row.extend(columns.iter().filter_map(|c| c.get(i).copied().flatten()));
            match check.offer(&row, *interval) {
                RowVerdict::Accepted => accepted.push(true),
                RowVerdict::Rejected(found) => {
                    accepted.push(false);
                    clashes.extend(found.into_iter().map(|c| Clashed {
                        row: i,
                        calendar: c.party,
                        with_row: c.row,
                    }));
                }
            }
        }
        (accepted, clashes)
    });
    Ok(PyScheduleCheck {
        accepted,
        clashes,
        names,
        keys,
    })
}

/// A clash as the check found it.
#[derive(Debug, Clone, Copy)]
struct Clashed {
    row: usize,
    /// The calendar's number (an index into `PyScheduleCheck::keys`).
    calendar: u32,
    with_row: usize,
}

/// What `check_schedule` found: for each row, whether it was accepted, and for each rejected row
/// the earlier accepted rows it collides with (`clashes`, a `RecordList` of `ScheduleClash`).
#[pyclass(name = "ScheduleCheck", module = "hms._hms", frozen)]
#[derive(Debug)]
pub(crate) struct PyScheduleCheck {
    /// For each row, whether it was accepted.
    accepted: Vec<bool>,
    /// Every clash, in row order.
    clashes: Vec<Clashed>,
    /// The keyword of each kind of calendar, in the order given.
    names: Vec<String>,
    /// Each calendar's kind (an index into `names`) and key, by calendar number.
    keys: Vec<(u16, Py<PyAny>)>,
}

impl PyScheduleCheck {
    fn records(&self, py: Python<'_>, clashes: &[Clashed]) -> Vec<Clash> {
        let mut out = Vec::with_capacity(clashes.len());
        for c in clashes {
            let Some((kind, key)) = self.keys.get(c.calendar as usize) else {
                continue;
            };
            out.push(Clash {
                row: c.row,
                party: self.names.get(usize::from(*kind)).cloned().unwrap_or_default(),
                key: key.clone_ref(py),
                with_row: c.with_row,
            });
        }
        out
    }
}

#[pymethods]
impl PyScheduleCheck {
    /// For each row, whether it was accepted (a `list` of `bool`s, ready for a DataFrame column).
    #[getter]
    fn accepted(&self) -> Vec<bool> {
        self.accepted.clone()
    }

    /// The rows that were rejected, in order.
    #[getter]
    fn rejected(&self) -> Vec<usize> {
        self.accepted
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(i, _)| i)
            .collect()
    }

    /// Every clash of every rejected row, row by row: on each of the row's calendars (in keyword
    /// order) the earlier accepted rows in the way, in start order.
    #[getter]
    fn clashes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        records(py, self.records(py, &self.clashes), PyScheduleClash)
    }

    /// The same clashes as `clashes`, column by column: a `dict` of four lists (`row`, `party`,
    /// `key`, `with_row`), which `pandas.DataFrame(...)` takes as it is. Much quicker than
    /// `clashes` for a schedule with many clashes: no record object per clash.
    fn clash_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let names: Vec<Bound<'py, PyString>> = self.names.iter().map(|n| PyString::new(py, n)).collect();
        let (mut rows, mut parties, mut keys, mut with_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for c in &self.clashes {
            let Some((kind, key)) = self.keys.get(c.calendar as usize) else {
                continue;
            };
            let Some(name) = names.get(usize::from(*kind)) else {
                continue;
            };
            rows.push(c.row);
            parties.push(name.clone());
            keys.push(key.bind(py).clone());
            with_rows.push(c.with_row);
        }
        let out = PyDict::new(py);
        out.set_item("row", rows)?;
        out.set_item("party", parties)?;
        out.set_item("key", keys)?;
        out.set_item("with_row", with_rows)?;
        Ok(out)
    }

    /// The clashes of one row (none if it was accepted).
    fn clashes_of<'py>(&self, py: Python<'py>, row: usize) -> PyResult<Bound<'py, PyAny>> {
        if row >= self.accepted.len() {
            return Err(PyIndexError::new_err(format!(
                "row {row} is out of range: the schedule has {} rows",
                self.accepted.len()
            )));
        }
        let from = self.clashes.partition_point(|c| c.row < row);
        let to = self.clashes.partition_point(|c| c.row <= row);
        let of_row = self.clashes.get(from..to).unwrap_or_default();
        records(py, self.records(py, of_row), PyScheduleClash)
    }

    fn __len__(&self) -> usize {
        self.accepted.len()
    }

    fn __repr__(&self) -> String {
        let accepted = self.accepted.iter().filter(|ok| **ok).count();
        format!(
            "<ScheduleCheck of {} rows: {accepted} accepted, {} rejected>",
            self.accepted.len(),
            self.accepted.len() - accepted
        )
    }
}

/// One clash.
#[derive(Debug)]
pub(crate) struct Clash {
    row: usize,
    party: String,
    key: Py<PyAny>,
    with_row: usize,
}

/// A rejected row (`row`) and an earlier accepted row in its way (`with_row`): on the calendar of
/// kind `party` (the keyword it was given under, e.g. `patient`) with key `key`.
#[pyclass(name = "ScheduleClash", module = "hms._hms", frozen)]
#[derive(Debug)]
pub(crate) struct PyScheduleClash(Clash);

record!(PyScheduleClash, "ScheduleClash", columns ["row", "party", "key", "with_row"], |c, py| {
    row => obj(py, c.row),
    party => obj(py, c.party.as_str()),
    key => Ok(c.key.bind(py).clone()),
    with_row => obj(py, c.with_row),
});
