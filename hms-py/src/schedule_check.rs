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

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use chrono::{DateTime, Utc};
use hms_core::error::{FieldCode, ValidationError};
use hms_core::scheduling::schedule_check::NumberedCheck;
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::type_object::PyTypeInfo;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyInt, PyList, PyString, PyTuple};

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

/// Microseconds since 1970 began: the times the check compares (Python's datetimes count
/// microseconds, so nothing is lost).
type Micros = i64;

/// A time that could not be read (the row's problem is recorded; the check does not run).
const UNREAD: Micros = Micros::MIN;

/// The row has no calendar of this kind.
const NO_CALENDAR: u32 = u32::MAX;

/// Calls `f` with each item of a column argument (any iterable but a string) and its position,
/// with as few calls into Python as the stable ABI allows: a list is copied into a tuple at once
/// (one call, in C), and a tuple's items are borrowed rather than reference-counted one by one.
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
    if let Ok(tuple) = column.cast::<PyTuple>() {
        for (i, item) in tuple.iter_borrowed().enumerate() {
            f(i, &item)?;
        }
        return Ok(());
    }
    for (i, item) in column.try_iter()?.enumerate() {
        f(i, &item?)?;
    }
    Ok(())
}

/// The bytes of a column that is an `array.array` of 8-byte signed integers (typecode `q`) or a
/// one-dimensional NumPy `int64` array in the machine's byte order, in one copy (`tobytes()`,
/// since the stable ABI of Python 3.9 has no buffer protocol); `None` for any other column, which
/// is then read item by item.
fn int64_bytes<'py>(column: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyBytes>>> {
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
    Ok(Some(column.call_method0("tobytes")?.cast_into::<PyBytes>()?))
}

/// The 64-bit integers in `bytes`, in the machine's byte order.
fn int64s(bytes: &[u8]) -> impl Iterator<Item = i64> + '_ {
    bytes
        .chunks_exact(8)
        .map(|b| i64::from_ne_bytes(<[u8; 8]>::try_from(b).unwrap_or_default()))
}

/// Whether `item` is exactly an `int` (not a subclass such as `bool`): a comparison of its type
/// pointer, where asking Python costs a call under the stable ABI.
fn is_exact_int(item: &Bound<'_, PyAny>) -> bool {
    std::ptr::eq(item.get_type_ptr(), PyInt::type_object_raw(item.py()))
}

/// Reads a column of times (POSIX seconds as `int`s, or aware datetimes) into `out`, in
/// microseconds. Seconds outside the supported range of dates are recorded in `problems` (and read
/// as [`UNREAD`]).
fn read_times(
    column: &Bound<'_, PyAny>,
    field: &str,
    problems: &mut ValidationError,
    out: &mut Vec<Micros>,
) -> PyResult<()> {
    let range = DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp();
    let micros = |i: usize, secs: i64, problems: &mut ValidationError| match secs.checked_mul(1_000_000) {
        Some(t) if range.contains(&secs) => t,
        _ => {
            problems.push(
                format!("{field}[{i}]"),
                FieldCode::OutOfRange,
                format!("`{secs}` seconds is outside the supported range of dates"),
            );
            UNREAD
        }
    };
    if let Some(bytes) = int64_bytes(column)? {
        for (i, secs) in int64s(bytes.as_bytes()).enumerate() {
            out.push(micros(i, secs, problems));
        }
        return Ok(());
    }
    each_item(column, field, |i, item| {
        let t =
            if is_exact_int(item) || item.is_instance_of::<PyInt>() || !item.is_instance_of::<PyDateTime>() {
                let secs = item.extract::<i64>().map_err(|_| {
                    let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                    PyTypeError::new_err(format!(
                    "`{field}[{i}]` must be an int (POSIX seconds) or an aware datetime, not `{type_name}`"
                ))
                })?;
                micros(i, secs, problems)
            } else {
                datetime_arg(item, &format!("{field}[{i}]"))?.timestamp_micros()
            };
        out.push(t);
        Ok(())
    })
}

/// A calendar key column's keys, numbered from a counter shared by all columns (so doctor `5` and
/// patient `5` are two calendars).
struct Keys<'py> {
    /// The numbers of small non-negative `int` keys (the usual ids of a notebook's table), by key;
    /// [`NO_CALENDAR`] where a key has not been seen.
    small: Vec<u32>,
    /// The keys `small` takes are those below this.
    small_limit: usize,
    /// Other `int` keys.
    ints: HashMap<i64, u32, Spread>,
    /// Strings by their Python hash (computed once and cached by Python), then compared.
    strs: HashMap<isize, Vec<(Bound<'py, PyString>, u32)>, Spread>,
}

impl<'py> Keys<'py> {
    /// The keys of a column of `rows` rows: `small` takes keys up to four a row (and a thousand
    /// more), so its size stays in proportion to the column.
    fn new(rows: usize) -> Self {
        Keys {
            small: Vec::new(),
            small_limit: rows.saturating_mul(4).saturating_add(1024),
            ints: HashMap::default(),
            strs: HashMap::default(),
        }
    }

    /// The number of `int` key `k`, numbering it with `new` if it is new.
    fn int(&mut self, k: i64, new: impl FnOnce() -> PyResult<u32>) -> PyResult<u32> {
        match usize::try_from(k) {
            Ok(at) if at < self.small_limit => {
                if let Some(&n) = self.small.get(at).filter(|n| **n != NO_CALENDAR) {
                    return Ok(n);
                }
                let n = new()?;
                if at >= self.small.len() {
                    self.small.resize(at.saturating_add(1), NO_CALENDAR);
                }
                if let Some(slot) = self.small.get_mut(at) {
                    *slot = n;
                }
                Ok(n)
            }
            _ => match self.ints.entry(k) {
                Entry::Occupied(known) => Ok(*known.get()),
                Entry::Vacant(slot) => Ok(*slot.insert(new()?)),
            },
        }
    }

    /// The number of `str` key `s`, numbering it with `new` if it is new.
    fn str(&mut self, s: &Bound<'py, PyString>, new: impl FnOnce() -> PyResult<u32>) -> PyResult<u32> {
        let bucket = self.strs.entry(s.hash()?).or_default();
        for (other, n) in bucket.iter() {
            if other.is(s) || PyAnyMethods::eq(other.as_any(), s)? {
                return Ok(*n);
            }
        }
        let n = new()?;
        bucket.push((s.clone(), n));
        Ok(n)
    }
}

/// The next calendar number, given to the key `key` of kind `kind` (remembered in `numbered`).
fn number(numbered: &mut Vec<(u16, Py<PyAny>)>, kind: u16, key: Py<PyAny>) -> PyResult<u32> {
    let n = u32::try_from(numbered.len())
        .ok()
        .filter(|n| *n != NO_CALENDAR)
        .ok_or_else(|| PyTypeError::new_err("more than 4,294,967,294 calendars"))?;
    numbered.push((kind, key));
    Ok(n)
}

/// A calendar key column of `rows` rows: for each row, the number of its calendar, or
/// [`NO_CALENDAR`] (the row occupies no calendar of this kind). New keys take numbers in `numbered`.
fn calendar_column(
    column: &Bound<'_, PyAny>,
    field: &str,
    kind: u16,
    rows: usize,
    numbered: &mut Vec<(u16, Py<PyAny>)>,
) -> PyResult<Vec<u32>> {
    let py = column.py();
    let mut keys = Keys::new(rows);
    let mut out = Vec::with_capacity(rows);
    if let Some(bytes) = int64_bytes(column)? {
        for k in int64s(bytes.as_bytes()) {
            let new = || number(numbered, kind, k.into_pyobject(py)?.into_any().unbind());
            out.push(keys.int(k, new)?);
        }
        return Ok(out);
    }
    each_item(column, field, |i, item| {
        let new = || number(numbered, kind, item.clone().unbind());
        let n = if is_exact_int(item) {
            keys.int(item.extract::<i64>()?, new)?
        } else if item.is_none() {
            NO_CALENDAR
        } else if let Ok(s) = item.cast::<PyString>() {
            keys.str(s, new)?
        } else if let Ok(k) = item.extract::<i64>() {
            keys.int(k, new)?
        } else {
            let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "`{field}[{i}]` must be an int, a str or None, not `{type_name}`"
            )));
        };
        out.push(n);
        Ok(())
    })?;
    Ok(out)
}

/// The instant `t` microseconds after 1970 began, written for a message.
fn instant(t: Micros) -> String {
    DateTime::<Utc>::from_timestamp_micros(t).map_or_else(|| format!("{t} µs"), |t| t.to_string())
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
    let mut starts: Vec<Micros> = Vec::with_capacity(start.len().unwrap_or(0));
    read_times(start, "start", &mut problems, &mut starts)?;
    let n = starts.len();
    let mut ends: Vec<Micros> = Vec::with_capacity(n);
    read_times(end, "end", &mut problems, &mut ends)?;
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<u32>> = Vec::new();
    let mut numbered: Vec<(u16, Py<PyAny>)> = Vec::new();
    for (name, column) in calendars.into_iter().flatten() {
        let name: String = name.extract()?;
        let kind = u16::try_from(names.len())
            .map_err(|_| PyTypeError::new_err("more than 65,535 kinds of calendar"))?;
        columns.push(calendar_column(&column, &name, kind, n, &mut numbered)?);
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
    for (i, (s, e)) in starts.iter().zip(&ends).enumerate() {
        if *s != UNREAD && *e != UNREAD && e <= s {
            problems.push(
                format!("end[{i}]"),
                FieldCode::InvalidPeriod,
                format!(
                    "the end `{}` is not after the start `{}`",
                    instant(*e),
                    instant(*s)
                ),
            );
        }
    }
    problems.into_result().map_err(raise)?;

    let (accepted, clashes) = py.detach(|| {
        let mut check = NumberedCheck::with_capacity(n, numbered.len());
        let mut row: Vec<usize> = Vec::with_capacity(columns.len());
        let mut accepted = Vec::with_capacity(n);
        let mut clashes = Vec::new();
        for (i, (s, e)) in starts.iter().zip(&ends).enumerate() {
            row.clear();
            for column in &columns {
                match column.get(i) {
                    Some(&k) if k != NO_CALENDAR => row.push(k as usize),
                    _ => {}
                }
            }
            accepted.push(check.offer(&row, *s, *e, |at, with_row| {
                clashes.push(Clashed {
                    row: i,
                    calendar: row.get(at).map_or(NO_CALENDAR, |k| *k as u32),
                    with_row,
                })
            }));
        }
        (accepted, clashes)
    });
    Ok(PyScheduleCheck {
        accepted,
        clashes,
        names,
        keys: numbered,
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
