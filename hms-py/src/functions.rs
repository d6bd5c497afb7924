//! Pure rules exposed as functions: no hospital, no store, no clock — plain data in, a decision out.

use hms_core::people::{self, Mrn};
use pyo3::prelude::*;

use crate::convert::date_arg;
use crate::convert::money::{self, PyMoney};
use crate::convert::people::{PyPatientDetails, PyStaffDetails};
use crate::errors::raise;

/// Splits `money` (rounded to its minor unit first) into parts proportional to `weights` so that
/// the parts add up to the whole exactly: every part is rounded down, then the minor units left
/// over go one each to the parts with the largest remainders (ties to the earlier part).
/// `hms.allocate(Money("100.00", "USD"), [1, 1, 1])` is 33.34 + 33.33 + 33.33.
#[pyfunction]
pub(crate) fn allocate(money: &Bound<'_, PyAny>, weights: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
    money::allocate(PyMoney::arg(money, "money")?, weights)
}

/// A telephone number as `+` (if given) and digits, or `None` if it is not one (7 to 15 digits;
/// spaces, dashes, dots and parentheses allowed as separators).
#[pyfunction]
pub(crate) fn normalize_phone(raw: &str) -> Option<String> {
    people::normalize_phone(raw)
}

/// Checks every field of a registration as of `today` and returns the details normalized; raises
/// `ValidationError` listing every problem.
#[pyfunction]
pub(crate) fn validate_patient(
    details: &Bound<'_, PyAny>,
    today: &Bound<'_, PyAny>,
) -> PyResult<PyPatientDetails> {
    let details = PyPatientDetails::arg(details, "details")?;
    people::validate_patient(&details, date_arg(today, "today")?)
        .map(PyPatientDetails)
        .map_err(raise)
}

/// Checks a hiring form and returns it normalized; raises `ValidationError` listing every problem.
#[pyfunction]
pub(crate) fn validate_staff(details: &Bound<'_, PyAny>) -> PyResult<PyStaffDetails> {
    let details = PyStaffDetails::arg(details, "details")?;
    people::validate_staff(&details)
        .map(PyStaffDetails)
        .map_err(raise)
}

/// The medical record number for sequence number `sequence`: 8 digits and a Luhn check digit.
#[pyfunction]
pub(crate) fn mrn_from_sequence(sequence: u64) -> String {
    Mrn::from_sequence(sequence).to_string()
}
