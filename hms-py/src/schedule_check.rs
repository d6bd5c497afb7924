//! `check_schedule`: which rows of a whole schedule collide (a doctor, a patient or a room in two
//! places at once), checked in one call, first come first served — the rule of
//! `hms_core::scheduling::schedule_check`.
//!
//! Built for large inputs: times come as columns of POSIX seconds (plain `int`s, read without any
//! calendar arithmetic in Python; aware datetimes are accepted too, at about a microsecond each),
//! calendar keys as `int`s or `str`s, numbered densely here so that the check itself hashes small
//! integers; the check runs without the GIL.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use chrono::{DateTime, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::scheduling::schedule_check::{RowVerdict, ScheduleCheck};
use hms_core::time::Interval;
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict, PyInt, PyList, PyString};

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

/// The items of a column argument (any iterable but a string).
fn items<'py>(column: &Bound<'py, PyAny>, field: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if column.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a list or another sequence, not a string"
        )));
    }
    if let Ok(list) = column.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    column.try_iter()?.collect()
}

/// A time column: POSIX seconds (`int`) or aware datetimes. Out-of-range seconds are recorded in
/// `problems` (and read as `None`).
fn times(
    column: &Bound<'_, PyAny>,
    field: &str,
    problems: &mut ValidationError,
) -> PyResult<Vec<Option<DateTime<Utc>>>> {
    let items = items(column, field)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let t = if item.is_instance_of::<PyInt>() || !item.is_instance_of::<PyDateTime>() {
            let secs = item.extract::<i64>().map_err(|_| {
                let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                PyTypeError::new_err(format!(
                    "`{field}[{i}]` must be an int (POSIX seconds) or an aware datetime, not `{type_name}`"
                ))
            })?;
            let t = DateTime::from_timestamp(secs, 0);
            if t.is_none() {
                problems.push(
                    format!("{field}[{i}]"),
                    FieldCode::OutOfRange,
                    format!("`{secs}` seconds is outside the supported range of dates"),
                );
            }
            t
        } else {
            Some(datetime_arg(item, &format!("{field}[{i}]"))?)
        };
        out.push(t);
    }
    Ok(out)
}

/// A calendar key column: for each row, the number of its calendar, or `None` (the row occupies
/// no calendar of this kind). New keys take numbers from `next` and are remembered in `keys`.
fn calendar_column<'py>(
    column: &Bound<'py, PyAny>,
    field: &str,
    index: u16,
    next: &mut Vec<(u16, Py<PyAny>)>,
) -> PyResult<Vec<Option<u32>>> {
    let items = items(column, field)?;
    let mut keys = Keys::default();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
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
    }
    Ok(out)
}

/// Checks a whole schedule, first come first served: row `i` occupies the calendars named in
/// `calendars` (one keyword per kind of calendar: `doctor=[...]`, `patient=[...]`, `room=[...]`,
/// each a sequence of keys, `int` or `str`, `None` where a row needs no such calendar) from
/// `start[i]` to `end[i]` (POSIX seconds as `int`s, the fast form, or aware datetimes). A row is
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
    let starts = times(start, "start", &mut problems)?;
    let ends = times(end, "end", &mut problems)?;
    let n = starts.len();
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
    let lengths = std::iter::once(("end", ends.len()))
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
    let mut intervals = Vec::with_capacity(n);
    for (i, (s, e)) in starts.iter().zip(&ends).enumerate() {
        if let (Some(s), Some(e)) = (s, e) {
            match Interval::new(*s, *e) {
                Ok(interval) => intervals.push(interval),
                Err(_) => problems.push(
                    format!("end[{i}]"),
                    FieldCode::InvalidPeriod,
                    format!("the end `{e}` is not after the start `{s}`"),
                ),
            }
        }
    }
    problems.into_result().map_err(raise)?;

    let verdicts = py.detach(|| {
        let mut check = ScheduleCheck::with_hasher(Spread);
        let mut row: Vec<u32> = Vec::with_capacity(columns.len());
        intervals
            .iter()
            .enumerate()
            .map(|(i, interval)| {
                row.clear();
                row.extend(columns.iter().filter_map(|c| c.get(i).copied().flatten()));
                check.offer(&row, *interval)
            })
            .collect::<Vec<_>>()
    });
    Ok(PyScheduleCheck {
        verdicts,
        names,
        keys,
    })
}

/// What `check_schedule` found: for each row, whether it was accepted, and for each rejected row
/// the earlier accepted rows it collides with (`clashes`, a `RecordList` of `ScheduleClash`).
#[pyclass(name = "ScheduleCheck", module = "hms._hms", frozen)]
#[derive(Debug)]
pub(crate) struct PyScheduleCheck {
    verdicts: Vec<RowVerdict<u32>>,
    /// The keyword of each kind of calendar, in the order given.
    names: Vec<String>,
    /// Each calendar's kind (an index into `names`) and key, by calendar number.
    keys: Vec<(u16, Py<PyAny>)>,
}

impl PyScheduleCheck {
    fn clash_records(&self, py: Python<'_>, rows: impl Iterator<Item = usize>) -> Vec<Clash> {
        let mut out = Vec::new();
        for row in rows {
            let Some(RowVerdict::Rejected(clashes)) = self.verdicts.get(row) else {
                continue;
            };
            for c in clashes {
                let Some((kind, key)) = self.keys.get(c.party as usize) else {
                    continue;
                };
                out.push(Clash {
                    row,
                    party: self.names.get(usize::from(*kind)).cloned().unwrap_or_default(),
                    key: key.clone_ref(py),
                    with_row: c.row,
                });
            }
        }
        out
    }
}

#[pymethods]
impl PyScheduleCheck {
    /// For each row, whether it was accepted (a `list` of `bool`s, ready for a DataFrame column).
    #[getter]
    fn accepted(&self) -> Vec<bool> {
        self.verdicts.iter().map(RowVerdict::is_accepted).collect()
    }

    /// The rows that were rejected, in order.
    #[getter]
    fn rejected(&self) -> Vec<usize> {
        self.verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_accepted())
            .map(|(i, _)| i)
            .collect()
    }

    /// Every clash of every rejected row, row by row: on each of the row's calendars (in keyword
    /// order) the earlier accepted rows in the way, in start order.
    #[getter]
    fn clashes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        records(
            py,
            self.clash_records(py, 0..self.verdicts.len()),
            PyScheduleClash,
        )
    }

    /// The clashes of one row (none if it was accepted).
    fn clashes_of<'py>(&self, py: Python<'py>, row: usize) -> PyResult<Bound<'py, PyAny>> {
        if row >= self.verdicts.len() {
            return Err(PyIndexError::new_err(format!(
                "row {row} is out of range: the schedule has {} rows",
                self.verdicts.len()
            )));
        }
        records(py, self.clash_records(py, std::iter::once(row)), PyScheduleClash)
    }

    fn __len__(&self) -> usize {
        self.verdicts.len()
    }

    fn __repr__(&self) -> String {
        let rejected = self.verdicts.iter().filter(|v| !v.is_accepted()).count();
        format!(
            "<ScheduleCheck of {} rows: {} accepted, {rejected} rejected>",
            self.verdicts.len(),
            self.verdicts.len() - rejected
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
