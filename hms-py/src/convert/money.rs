//! `Money`: an exact `decimal.Decimal` amount in an ISO 4217 currency.

use hms_core::money::{Currency, Money};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use rust_decimal::Decimal;

use crate::convert::{dataclass_repr, decimal_arg, decimal_to_py, obj, row_methods, Row};
use crate::errors::raise;

/// An amount of money: a `decimal.Decimal` in one currency, never a float.
///
/// Amounts keep the precision they were made with (a unit price may have more places than the
/// currency's minor unit); `round()` rounds half-up to the minor unit. Adding amounts in different
/// currencies raises `CurrencyMismatchError`.
#[pyclass(name = "Money", module = "hms._hms", frozen, eq, hash, mapping)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyMoney(pub(crate) Money);

/// A currency from its code.
pub(crate) fn currency_arg(code: &str) -> PyResult<Currency> {
    Currency::from_code(code).map_err(raise)
}

impl PyMoney {
    /// A `Money` argument (other types are a `TypeError`).
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Money> {
        obj.cast::<PyMoney>().map(|m| m.get().0).map_err(|_| {
            let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            PyTypeError::new_err(format!("`{field}` must be a `Money`, not `{type_name}`"))
        })
    }
}

#[pymethods]
impl PyMoney {
    #[new]
    fn new(amount: &Bound<'_, PyAny>, currency: &str) -> PyResult<Self> {
        Ok(PyMoney(Money::new(
            decimal_arg(amount, "amount")?,
            currency_arg(currency)?,
        )))
    }

    /// An amount given in minor units: `Money.from_minor(1250, "USD")` is 12.50 USD.
    #[classmethod]
    fn from_minor(_cls: &Bound<'_, PyType>, minor: i64, currency: &str) -> PyResult<Self> {
        Ok(PyMoney(Money::from_minor(minor, currency_arg(currency)?)))
    }

    /// Zero in `currency`.
    #[classmethod]
    fn zero(_cls: &Bound<'_, PyType>, currency: &str) -> PyResult<Self> {
        Ok(PyMoney(Money::zero(currency_arg(currency)?)))
    }

    /// The exact amount.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.0.amount)
    }

    /// The three-letter ISO 4217 code.
    #[getter]
    fn currency(&self) -> String {
        self.0.currency.code().to_owned()
    }

    /// Decimal places of the currency's minor unit (2 for cents, 0 for yen).
    #[getter]
    fn minor_units(&self) -> u32 {
        self.0.currency.minor_units()
    }

    /// Rounded half-up (a tie goes away from zero) to the minor unit: 0.125 USD is 0.13.
    fn round(&self) -> Self {
        PyMoney(self.0.round())
    }

    /// The amount in minor units, or `None` if it is not a whole number of them.
    fn to_minor(&self) -> Option<i64> {
        self.0.to_minor()
    }

    /// Splits the (rounded) amount in proportion to `weights` so that the parts add up exactly;
    /// see `hms.allocate`.
    fn allocate(&self, weights: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
        allocate(self.0, weights)
    }

    /// Whether the amount is zero.
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Whether the amount is below zero.
    fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<PyMoney>() {
            Ok(o) => {
                let sum = self.0.checked_add(o.get().0).map_err(raise)?;
                Ok(Bound::new(py, PyMoney(sum))?.into_any().unbind())
            }
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<PyMoney>() {
            Ok(o) => {
                let diff = self.0.checked_sub(o.get().0).map_err(raise)?;
                Ok(Bound::new(py, PyMoney(diff))?.into_any().unbind())
            }
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    /// `0 + money` is `money`, so `sum(parts)` works without a start value.
    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        if other.is_instance_of::<pyo3::types::PyInt>()
            && !other.is_instance_of::<pyo3::types::PyBool>()
            && other.extract::<i64>().is_ok_and(|n| n == 0)
        {
            return Ok(Bound::new(py, self.clone())?.into_any().unbind());
        }
        match other.cast::<PyMoney>() {
            Ok(o) => {
                let sum = o.get().0.checked_add(self.0).map_err(raise)?;
                Ok(Bound::new(py, PyMoney(sum))?.into_any().unbind())
            }
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = other.py();
        match other.cast::<PyMoney>() {
            Ok(o) => {
                let diff = o.get().0.checked_sub(self.0).map_err(raise)?;
                Ok(Bound::new(py, PyMoney(diff))?.into_any().unbind())
            }
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __neg__(&self) -> Self {
        PyMoney(self.0.negate())
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        dataclass_repr(
            "Money",
            &[
                ("amount", obj(py, self.0.amount.to_string())?),
                ("currency", obj(py, self.currency())?),
            ],
        )
    }
}

impl Row for PyMoney {
    const COLUMNS: &'static [&'static str] = &["amount", "currency"];

    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(Some(match name {
            "amount" => self.amount(py)?,
            "currency" => obj(py, self.currency())?,
            _ => return Ok(None),
        }))
    }
}

row_methods!(PyMoney);

/// The largest-remainder split behind `Money.allocate` and `hms.allocate`.
pub(crate) fn allocate(money: Money, weights: &Bound<'_, PyAny>) -> PyResult<Vec<PyMoney>> {
    let weights: Vec<Decimal> =
        crate::convert::collect_iter(Some(weights), "weights", |w| decimal_arg(w, "weights"))?;
    Ok(money
        .allocate(&weights)
        .map_err(raise)?
        .into_iter()
        .map(PyMoney)
        .collect())
}

/// A `Money` object.
pub(crate) fn money_to_py(py: Python<'_>, m: Money) -> PyResult<Bound<'_, PyAny>> {
    Ok(Bound::new(py, PyMoney(m))?.into_any())
}

/// An optional `Money`, or `None`.
pub(crate) fn opt_money_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<Money>> {
    match obj {
        Some(o) if !o.is_none() => PyMoney::arg(o, field).map(Some),
        _ => Ok(None),
    }
}
