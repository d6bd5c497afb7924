//! Pure rules exposed as functions: no hospital, no store, no clock — plain data in, a decision out.

use hms_core::people::{self, Mrn};
use pyo3::prelude::*;

use crate::convert::billing::{PyBreakdown, PyCoveragePlan, PyCoverageUsage, PyDiscount, PyLineInput};
use crate::convert::money::{self, PyMoney};
use crate::convert::people::class_arg;
use crate::convert::people::{PyPatientDetails, PyStaffDetails};
use crate::convert::pharmacy::{PyCandidate, PyPick};
use crate::convert::{collect_iter, date_arg, records, PyEnum};
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

/// Prices an invoice: `lines` (`LineInput`s) in `currency`, tax rounded per `rounding` (per tax
/// category by default), an optional invoice-wide `invoice_discount`, and an insurer's `coverage`
/// plan with the patient's `usage` of it so far (none used when `None`). Returns the `Breakdown`:
/// exact decimal figures, rounded half-up to the minor unit, whose lines add up to the totals.
/// Raises `ValidationError` listing every bad line, `CurrencyMismatchError` for an amount in
/// another currency.
#[pyfunction]
#[pyo3(signature = (lines, *, currency, rounding = None, invoice_discount = None, coverage = None, usage = None))]
pub(crate) fn price_invoice(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    currency: &str,
    rounding: Option<&Bound<'_, PyAny>>,
    invoice_discount: Option<&Bound<'_, PyAny>>,
    coverage: Option<&Bound<'_, PyAny>>,
    usage: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyBreakdown> {
    use hms_core::billing::{calculate, CoverageUsage, InvoiceInput, RoundingMode};

    let currency = money::currency_arg(currency)?;
    let lines = collect_iter(Some(lines), "lines", |l| {
        Ok(class_arg::<PyLineInput>(l, "lines")?.get().0.clone())
    })?;
    let rounding = match rounding.filter(|r| !r.is_none()) {
        Some(r) => RoundingMode::from_py(r, "rounding")?,
        None => RoundingMode::default(),
    };
    let invoice_discount = PyDiscount::opt_arg(invoice_discount, "invoice_discount")?;
    let plan = match coverage.filter(|c| !c.is_none()) {
        Some(c) => Some(PyCoveragePlan::arg(c, "coverage")?),
        None => None,
    };
    let usage = PyCoverageUsage::opt_arg(usage, "usage")?.unwrap_or_else(|| CoverageUsage::none(currency));
    py.detach(|| {
        calculate(&InvoiceInput {
            currency,
            rounding,
            lines: &lines,
            invoice_discount,
            coverage: plan.as_ref().map(|p| (p, usage)),
        })
    })
    .map(PyBreakdown)
    .map_err(raise)
}

/// First-expiry-first-out: which batches `quantity` units come from. Batches that are recalled,
/// expired on `today` or expire before `needed_through` (the last day the medicine must still be
/// usable; `today` when `None`) are skipped; the rest are emptied earliest expiry first (a batch
/// without expiry last; ties to the earlier receipt, then the lower batch id). Raises
/// `FefoShortfallError` (an `InsufficientStockError`) when the eligible batches hold too little.
#[pyfunction]
#[pyo3(signature = (candidates, quantity, *, today, needed_through = None))]
pub(crate) fn fefo_allocate<'py>(
    py: Python<'py>,
    candidates: &Bound<'py, PyAny>,
    quantity: u32,
    today: &Bound<'py, PyAny>,
    needed_through: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let candidates = collect_iter(Some(candidates), "candidates", |c| {
        PyCandidate::arg(c, "candidates")
    })?;
    let today = date_arg(today, "today")?;
    let needed = crate::convert::opt_date_arg(needed_through, "needed_through")?.unwrap_or(today);
    match hms_core::pharmacy::fefo::allocate(&candidates, quantity, today, needed) {
        Ok(picks) => records(py, picks, PyPick),
        Err(short) => Err(crate::errors::fefo_shortfall(short.requested, short.available)),
    }
}

/// The last day a medicine dispensed on `today` must still be usable: the last day of a course of
/// `course_days` days plus `min_shelf_life_days`.
#[pyfunction]
#[pyo3(signature = (today, course_days, min_shelf_life_days = 0))]
pub(crate) fn needed_through<'py>(
    py: Python<'py>,
    today: &Bound<'py, PyAny>,
    course_days: u32,
    min_shelf_life_days: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let today = date_arg(today, "today")?;
    crate::convert::date_to_py(
        py,
        hms_core::pharmacy::needed_through(today, course_days, min_shelf_life_days),
    )
}
