//! Billing: tax rates, discounts, prices and the price list, coverage plans, charges, invoices and
//! their breakdowns, credit notes, payments, refunds, gateway intents, statements and aging.

use std::collections::{BTreeMap, BTreeSet};

use hms_core::billing::{
    Aging, Allocation, AppliedCoverage, Breakdown, Charge, ChargeSource, CoveragePlan, CoverageUsage,
    CreditRequest, Discount, GatewayEvent, IntentRequest, Invoice, InvoiceChange, InvoiceKind, InvoiceLine,
    InvoiceStatus, ItemKind, LineInput, Payment, PaymentIntent, PaymentMethod, Price, PriceItem,
    PriceVersion, PricedLine, Refund, Statement, StatementEntry, TaxRate, TaxSubtotal, Totals,
};
use hms_core::hospital::AgingReport;
use hms_core::ids::{AdmissionId, AppointmentId, DispenseId, InvoiceId, LabOrderId, PaymentId};
use hms_core::money::Money;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use rust_decimal::Decimal;

use crate::convert::money::{currency_arg, money_to_py, opt_money_arg, PyMoney};
use crate::convert::people::{class_arg, patient_id_arg};
use crate::convert::{
    collect_iter, date_arg, date_to_py, datetime_to_py, decimal_arg, decimal_to_py, id_to_py, obj,
    opt_date_arg, opt_id_to_py, opt_to_py, record, records, tuple_of, PyEnum,
};

fn opt_str<'py>(py: Python<'py>, s: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, s, obj)
}

fn opt_money<'py>(py: Python<'py>, m: Option<Money>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, m, money_to_py)
}

fn strings(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Vec<String>> {
    collect_iter(obj, field, |s| {
        if s.is_instance_of::<PyString>() {
            s.extract()
        } else {
            Err(PyTypeError::new_err(format!("`{field}` must hold strings")))
        }
    })
}

/// An invoice id given as an `Invoice` or its id string.
pub(crate) fn invoice_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<InvoiceId> {
    crate::convert::id_arg::<InvoiceId, PyInvoice>(obj, field, |i| i.0.id)
}

/// A payment id given as a `Payment` or its id string.
pub(crate) fn payment_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PaymentId> {
    crate::convert::id_arg::<PaymentId, PyPayment>(obj, field, |p| p.0.id)
}

// ---------------------------------------------------------------------------------------------
// Enums

/// The kind of a [`PaymentMethod`] without the gateway's provider (the Python enum `PaymentMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MethodKind {
    Cash,
    Card,
    InsuranceRemittance,
    Gateway,
}

impl MethodKind {
    fn of(m: &PaymentMethod) -> MethodKind {
        match m {
            PaymentMethod::Cash => MethodKind::Cash,
            PaymentMethod::Card => MethodKind::Card,
            PaymentMethod::InsuranceRemittance => MethodKind::InsuranceRemittance,
            PaymentMethod::Gateway { .. } => MethodKind::Gateway,
        }
    }
}

fn provider_of(m: &PaymentMethod) -> Option<&str> {
    match m {
        PaymentMethod::Gateway { provider } => Some(provider),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Small values

/// A tax category and its rate in percent: `TaxRate("S", 20)`; `TaxRate.exempt()` is `E` at 0 %.
#[pyclass(name = "TaxRate", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyTaxRate(pub(crate) TaxRate);

impl PyTaxRate {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<TaxRate> {
        Ok(class_arg::<PyTaxRate>(obj, field)?.get().0.clone())
    }

    fn opt_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<TaxRate> {
        match obj {
            Some(o) if !o.is_none() => Self::arg(o, field),
            _ => Ok(TaxRate::exempt()),
        }
    }
}

#[pymethods]
impl PyTaxRate {
    #[new]
    fn new(category: String, percent: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyTaxRate(TaxRate::new(
            category,
            decimal_arg(percent, "percent")?,
        )))
    }

    /// The exempt category (`E`, 0 %): most medical services.
    #[classmethod]
    fn exempt(_cls: &Bound<'_, PyType>) -> Self {
        PyTaxRate(TaxRate::exempt())
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }
}

record!(PyTaxRate, "TaxRate", |t, py| {
    category => obj(py, t.category.as_str()),
    percent => decimal_to_py(py, t.percent),
});

fn tax_to_py<'py>(py: Python<'py>, t: &TaxRate) -> PyResult<Bound<'py, PyAny>> {
    Ok(Bound::new(py, PyTaxRate(t.clone()))?.into_any())
}

/// A discount: `Discount(percent=10)` (of the amount, 0 to 100) or `Discount(amount=Money(...))`.
#[pyclass(name = "Discount", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PyDiscount(pub(crate) Discount);

impl PyDiscount {
    pub(crate) fn opt_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<Discount>> {
        match obj {
            Some(o) if !o.is_none() => Ok(Some(class_arg::<PyDiscount>(o, field)?.get().0)),
            _ => Ok(None),
        }
    }
}

#[pymethods]
impl PyDiscount {
    #[new]
    #[pyo3(signature = (*, percent = None, amount = None))]
    fn new(percent: Option<&Bound<'_, PyAny>>, amount: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        match (percent.filter(|p| !p.is_none()), amount.filter(|a| !a.is_none())) {
            (Some(p), None) => Ok(PyDiscount(Discount::Percent(decimal_arg(p, "percent")?))),
            (None, Some(a)) => Ok(PyDiscount(Discount::Amount(PyMoney::arg(a, "amount")?))),
            _ => Err(PyTypeError::new_err(
                "a `Discount` takes exactly one of `percent=` and `amount=`",
            )),
        }
    }
}

fn discount_to_py(py: Python<'_>, d: Option<Discount>) -> PyResult<Bound<'_, PyAny>> {
    opt_to_py(py, d, |py, d| Ok(Bound::new(py, PyDiscount(d))?.into_any()))
}

record!(PyDiscount, "Discount", |d, py| {
    percent => match d {
        Discount::Percent(p) => decimal_to_py(py, *p),
        Discount::Amount(_) => Ok(py.None().into_bound(py)),
    },
    amount => match d {
        Discount::Amount(m) => money_to_py(py, *m),
        Discount::Percent(_) => Ok(py.None().into_bound(py)),
    },
});

// ---------------------------------------------------------------------------------------------
// Pure pricing

/// One line to price with `hms.price_invoice`: `quantity` × `unit_price` at a tax rate, the price
/// with or without the tax (`tax_inclusive`), an optional line discount; `visit_type` picks a copay
/// and `preauthorized` says whether the insurer approved it beforehand.
#[pyclass(name = "LineInput", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyLineInput(pub(crate) LineInput);

#[pymethods]
impl PyLineInput {
    #[new]
    #[pyo3(signature = (
        item_code, quantity, unit_price, tax = None, *, tax_inclusive = false, discount = None,
        visit_type = None, preauthorized = false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        item_code: String,
        quantity: &Bound<'_, PyAny>,
        unit_price: &Bound<'_, PyAny>,
        tax: Option<&Bound<'_, PyAny>>,
        tax_inclusive: bool,
        discount: Option<&Bound<'_, PyAny>>,
        visit_type: Option<String>,
        preauthorized: bool,
    ) -> PyResult<Self> {
        Ok(PyLineInput(LineInput {
            item_code,
            quantity: decimal_arg(quantity, "quantity")?,
            unit_price: PyMoney::arg(unit_price, "unit_price")?,
            tax: PyTaxRate::opt_arg(tax, "tax")?,
            tax_inclusive,
            discount: PyDiscount::opt_arg(discount, "discount")?,
            visit_type,
            preauthorized,
        }))
    }
}

record!(PyLineInput, "LineInput", |l, py| {
    item_code => obj(py, l.item_code.as_str()),
    quantity => decimal_to_py(py, l.quantity),
    unit_price => money_to_py(py, l.unit_price),
    tax => tax_to_py(py, &l.tax),
    tax_inclusive => obj(py, l.tax_inclusive),
    discount => discount_to_py(py, l.discount),
    visit_type => opt_str(py, l.visit_type.as_deref()),
    preauthorized => obj(py, l.preauthorized),
});

/// An insurer's plan: the yearly deductible, copays by visit type or item code, the coinsurance
/// the patient pays after the deductible, the yearly out-of-pocket maximum, and the item codes it
/// does not cover or covers only with a pre-authorization.
#[pyclass(name = "CoveragePlan", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyCoveragePlan(pub(crate) CoveragePlan);

impl PyCoveragePlan {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CoveragePlan> {
        Ok(class_arg::<PyCoveragePlan>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyCoveragePlan {
    #[new]
    #[pyo3(signature = (
        payer, *, currency, annual_deductible, coinsurance_percent, plan = None, copays = None,
        out_of_pocket_max = None, not_covered = None, preauthorization_required = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        payer: String,
        currency: &str,
        annual_deductible: &Bound<'_, PyAny>,
        coinsurance_percent: &Bound<'_, PyAny>,
        plan: Option<String>,
        copays: Option<&Bound<'_, PyDict>>,
        out_of_pocket_max: Option<&Bound<'_, PyAny>>,
        not_covered: Option<&Bound<'_, PyAny>>,
        preauthorization_required: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut copay_map = BTreeMap::new();
        if let Some(c) = copays {
            for (k, v) in c.iter() {
                copay_map.insert(k.extract::<String>()?, PyMoney::arg(&v, "copays")?);
            }
        }
        Ok(PyCoveragePlan(CoveragePlan {
            payer,
            plan: plan.unwrap_or_default(),
            currency: currency_arg(currency)?,
            annual_deductible: PyMoney::arg(annual_deductible, "annual_deductible")?,
            copays: copay_map,
            coinsurance_percent: decimal_arg(coinsurance_percent, "coinsurance_percent")?,
            out_of_pocket_max: opt_money_arg(out_of_pocket_max, "out_of_pocket_max")?,
            not_covered: strings(not_covered, "not_covered")?
                .into_iter()
                .collect::<BTreeSet<_>>(),
            preauthorization_required: strings(preauthorization_required, "preauthorization_required")?
                .into_iter()
                .collect(),
        }))
    }
}

record!(PyCoveragePlan, "CoveragePlan", |p, py| {
    payer => obj(py, p.payer.as_str()),
    plan => obj(py, p.plan.as_str()),
    currency => obj(py, p.currency.code()),
    annual_deductible => money_to_py(py, p.annual_deductible),
    copays => {
        let d = PyDict::new(py);
        for (k, v) in &p.copays {
            d.set_item(k, money_to_py(py, *v)?)?;
        }
        Ok(d.into_any())
    },
    coinsurance_percent => decimal_to_py(py, p.coinsurance_percent),
    out_of_pocket_max => opt_money(py, p.out_of_pocket_max),
    not_covered => Ok(pyo3::types::PyFrozenSet::new(py, &p.not_covered)?.into_any()),
    preauthorization_required => Ok(pyo3::types::PyFrozenSet::new(py, &p.preauthorization_required)?.into_any()),
});

/// What a patient has used of a plan's yearly deductible and out-of-pocket maximum so far.
#[pyclass(name = "CoverageUsage", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PyCoverageUsage(pub(crate) CoverageUsage);

#[pymethods]
impl PyCoverageUsage {
    #[new]
    fn new(deductible_used: &Bound<'_, PyAny>, out_of_pocket_used: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyCoverageUsage(CoverageUsage {
            deductible_used: PyMoney::arg(deductible_used, "deductible_used")?,
            out_of_pocket_used: PyMoney::arg(out_of_pocket_used, "out_of_pocket_used")?,
        }))
    }
}

record!(PyCoverageUsage, "CoverageUsage", |u, py| {
    deductible_used => money_to_py(py, u.deductible_used),
    out_of_pocket_used => money_to_py(py, u.out_of_pocket_used),
});

impl PyCoverageUsage {
    pub(crate) fn opt_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<CoverageUsage>> {
        match obj {
            Some(o) if !o.is_none() => Ok(Some(class_arg::<PyCoverageUsage>(o, field)?.get().0)),
            _ => Ok(None),
        }
    }
}

/// One priced line of a breakdown: the extended amount (quantity × price), the line's and its share
/// of the invoice discount, net, tax and gross, and who pays what (insurer `payer`, `patient`, with
/// the patient's `copay`, `deductible`, `coinsurance` and `not_covered` parts and the `basis`).
#[pyclass(name = "PricedLine", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPricedLine(pub(crate) PricedLine);

record!(PyPricedLine, "PricedLine", columns [
    "extended", "line_discount", "invoice_discount", "net", "tax", "gross", "payer", "patient",
    "copay", "deductible", "coinsurance", "not_covered", "basis", "capped",
], |l, py| {
    extended => money_to_py(py, l.extended),
    line_discount => money_to_py(py, l.line_discount),
    invoice_discount => money_to_py(py, l.invoice_discount),
    net => money_to_py(py, l.net),
    tax => money_to_py(py, l.tax),
    gross => money_to_py(py, l.gross),
    payer => money_to_py(py, l.share.payer),
    patient => money_to_py(py, l.share.patient),
    copay => money_to_py(py, l.share.copay),
    deductible => money_to_py(py, l.share.deductible),
    coinsurance => money_to_py(py, l.share.coinsurance),
    not_covered => money_to_py(py, l.share.not_covered),
    basis => l.share.basis.to_py(py),
    capped => obj(py, l.share.capped),
});

/// The tax of one category and rate: the `taxable` amount and the tax `amount`.
#[pyclass(name = "TaxSubtotal", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyTaxSubtotal(pub(crate) TaxSubtotal);

record!(PyTaxSubtotal, "TaxSubtotal", columns ["category", "percent", "taxable", "amount"], |t, py| {
    category => obj(py, t.tax.category.as_str()),
    percent => decimal_to_py(py, t.tax.percent),
    taxable => money_to_py(py, t.taxable),
    amount => money_to_py(py, t.amount),
});

/// The totals of a breakdown; `gross` = `net` + `tax` = `payer` + `patient`.
#[pyclass(name = "Totals", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyTotals(pub(crate) Totals);

record!(PyTotals, "Totals", |t, py| {
    extended => money_to_py(py, t.extended),
    line_discounts => money_to_py(py, t.line_discounts),
    invoice_discount => money_to_py(py, t.invoice_discount),
    net => money_to_py(py, t.net),
    tax => money_to_py(py, t.tax),
    gross => money_to_py(py, t.gross),
    payer => money_to_py(py, t.payer),
    patient => money_to_py(py, t.patient),
});

/// What an invoice comes to: one `PricedLine` per line, the tax subtotals, and the totals. Every
/// figure is exact and the lines add up to the totals.
#[pyclass(name = "Breakdown", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyBreakdown(pub(crate) Breakdown);

record!(PyBreakdown, "Breakdown", |b, py| {
    currency => obj(py, b.currency.code()),
    rounding => b.rounding.to_py(py),
    lines => records(py, b.lines.iter().cloned(), PyPricedLine),
    taxes => records(py, b.taxes.iter().cloned(), PyTaxSubtotal),
    totals => Ok(Bound::new(py, PyTotals(b.totals.clone()))?.into_any()),
});

#[pymethods]
impl PyBreakdown {
    /// The priced lines and the totals as an HTML table.
    fn _repr_html_(&self) -> String {
        breakdown_html(&self.0, None)
    }
}

fn breakdown_to_py<'py>(py: Python<'py>, b: &Option<Breakdown>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, b.as_ref(), |py, b| {
        Ok(Bound::new(py, PyBreakdown(b.clone()))?.into_any())
    })
}

// ---------------------------------------------------------------------------------------------
// The price list

/// A price: a fixed `amount` (`Price(amount=Money(...))`), a percentage of the doctor's consultation
/// fee (`Price(doctor_fee_percent=100)`), or the price the source event carries
/// (`Price(from_source=True)`, e.g. a medicine's sale price).
#[pyclass(name = "Price", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPrice(pub(crate) Price);

#[pymethods]
impl PyPrice {
    #[new]
    #[pyo3(signature = (*, amount = None, doctor_fee_percent = None, from_source = false))]
    fn new(
        amount: Option<&Bound<'_, PyAny>>,
        doctor_fee_percent: Option<&Bound<'_, PyAny>>,
        from_source: bool,
    ) -> PyResult<Self> {
        match (
            amount.filter(|a| !a.is_none()),
            doctor_fee_percent.filter(|p| !p.is_none()),
            from_source,
        ) {
            (Some(a), None, false) => Ok(PyPrice(Price::Fixed {
                amount: PyMoney::arg(a, "amount")?,
            })),
            (None, Some(p), false) => Ok(PyPrice(Price::DoctorFee {
                percent: decimal_arg(p, "doctor_fee_percent")?,
            })),
            (None, None, true) => Ok(PyPrice(Price::FromSource)),
            _ => Err(PyTypeError::new_err(
                "a `Price` takes exactly one of `amount=`, `doctor_fee_percent=` and `from_source=True`",
            )),
        }
    }
}

record!(PyPrice, "Price", |p, py| {
    kind => obj(py, match p {
        Price::Fixed { .. } => "fixed",
        Price::DoctorFee { .. } => "doctor_fee",
        Price::FromSource => "from_source",
    }),
    amount => match p {
        Price::Fixed { amount } => money_to_py(py, *amount),
        _ => Ok(py.None().into_bound(py)),
    },
    doctor_fee_percent => match p {
        Price::DoctorFee { percent } => decimal_to_py(py, *percent),
        _ => Ok(py.None().into_bound(py)),
    },
});

/// One version of an item's price, in force from `effective_from` until the next version. `price`
/// is a `Price` or, for a fixed price, just the `Money`.
#[pyclass(name = "PriceVersion", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPriceVersion(pub(crate) PriceVersion);

#[pymethods]
impl PyPriceVersion {
    #[new]
    #[pyo3(signature = (effective_from, price, tax = None, *, tax_inclusive = false))]
    fn new(
        effective_from: &Bound<'_, PyAny>,
        price: &Bound<'_, PyAny>,
        tax: Option<&Bound<'_, PyAny>>,
        tax_inclusive: bool,
    ) -> PyResult<Self> {
        let price = if let Ok(p) = price.cast::<PyPrice>() {
            p.get().0.clone()
        } else if let Ok(m) = price.cast::<PyMoney>() {
            Price::Fixed { amount: m.get().0 }
        } else {
            return Err(PyTypeError::new_err(format!(
                "`price` must be a `Price` or a `Money`, not `{}`",
                price.get_type().name()?
            )));
        };
        Ok(PyPriceVersion(PriceVersion {
            effective_from: date_arg(effective_from, "effective_from")?,
            price,
            tax: PyTaxRate::opt_arg(tax, "tax")?,
            tax_inclusive,
        }))
    }
}

record!(PyPriceVersion, "PriceVersion", |v, py| {
    effective_from => date_to_py(py, v.effective_from),
    price => Ok(Bound::new(py, PyPrice(v.price.clone()))?.into_any()),
    tax => tax_to_py(py, &v.tax),
    tax_inclusive => obj(py, v.tax_inclusive),
});

/// An item of the price list: its `code` (e.g. `consult.cardiology`), name, kind and the versions
/// of its price over time.
#[pyclass(name = "PriceItem", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPriceItem(pub(crate) PriceItem);

impl PyPriceItem {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PriceItem> {
        Ok(class_arg::<PyPriceItem>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyPriceItem {
    #[new]
    fn new(
        code: String,
        name: String,
        kind: &Bound<'_, PyAny>,
        versions: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyPriceItem(PriceItem {
            code,
            name,
            kind: ItemKind::from_py(kind, "kind")?,
            versions: collect_iter(Some(versions), "versions", |v| {
                Ok(class_arg::<PyPriceVersion>(v, "versions")?.get().0.clone())
            })?,
        }))
    }
}

record!(PyPriceItem, "PriceItem", columns ["code", "name", "kind", "versions"], |i, py| {
    code => obj(py, i.code.as_str()),
    name => obj(py, i.name.as_str()),
    kind => i.kind.to_py(py),
    versions => tuple_of(py, &i.versions, |v| Ok(Bound::new(py, PyPriceVersion(v.clone()))?.into_any())),
});

// ---------------------------------------------------------------------------------------------
// Charges

/// The clinical event a charge comes from; each source is charged once. Build one with
/// `appointment`, `dispense`, `lab_order`, `bed_day` or `manual`; `key` is its unique key.
#[pyclass(name = "ChargeSource", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyChargeSource(pub(crate) ChargeSource);

fn uuid_id<T: std::str::FromStr<Err = hms_core::error::ValidationError>>(
    obj: &Bound<'_, PyAny>,
    field: &str,
) -> PyResult<T> {
    if let Ok(id) = obj.getattr("id") {
        if id.is_instance_of::<PyString>() {
            return id.extract::<String>()?.parse::<T>().map_err(crate::errors::raise);
        }
    }
    if obj.is_instance_of::<PyString>() {
        return obj
            .extract::<String>()?
            .parse::<T>()
            .map_err(crate::errors::raise);
    }
    Err(PyTypeError::new_err(format!(
        "`{field}` must be an id string or a record with an `id`, not `{}`",
        obj.get_type().name()?
    )))
}

#[pymethods]
impl PyChargeSource {
    /// A fulfilled appointment (an `Appointment` or its id).
    #[classmethod]
    fn appointment(_cls: &Bound<'_, PyType>, id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyChargeSource(ChargeSource::Appointment {
            id: uuid_id::<AppointmentId>(id, "id")?,
        }))
    }

    /// A dispense of medicine (a `Dispense` or its id).
    #[classmethod]
    fn dispense(_cls: &Bound<'_, PyType>, id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyChargeSource(ChargeSource::Dispense {
            id: uuid_id::<DispenseId>(id, "id")?,
        }))
    }

    /// A lab order (its id).
    #[classmethod]
    fn lab_order(_cls: &Bound<'_, PyType>, id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyChargeSource(ChargeSource::LabOrder {
            id: uuid_id::<LabOrderId>(id, "id")?,
        }))
    }

    /// One day of an inpatient stay (the admission's id and the date).
    #[classmethod]
    fn bed_day(
        _cls: &Bound<'_, PyType>,
        admission: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyChargeSource(ChargeSource::BedDay {
            admission: uuid_id::<AdmissionId>(admission, "admission")?,
            date: date_arg(date, "date")?,
        }))
    }

    /// A charge entered by hand under a reference the clerk chooses (unique).
    #[classmethod]
    fn manual(_cls: &Bound<'_, PyType>, reference: String) -> Self {
        PyChargeSource(ChargeSource::Manual { reference })
    }

    fn __str__(&self) -> String {
        self.0.key()
    }
}

fn source_kind(s: &ChargeSource) -> &'static str {
    match s {
        ChargeSource::Appointment { .. } => "appointment",
        ChargeSource::Dispense { .. } => "dispense",
        ChargeSource::LabOrder { .. } => "lab_order",
        ChargeSource::BedDay { .. } => "bed_day",
        ChargeSource::Manual { .. } => "manual",
    }
}

record!(PyChargeSource, "ChargeSource", |s, py| {
    kind => obj(py, source_kind(s)),
    key => obj(py, s.key()),
});

/// A request to charge a patient for one service: the source event, the price-list item, the
/// quantity, and optionally a price (for items priced at the source), the service date (today when
/// `None`), a pre-authorization number and a note.
#[pyclass(name = "ChargeRequest", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyChargeRequest(pub(crate) hms_core::billing::ChargeRequest);

impl PyChargeRequest {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<hms_core::billing::ChargeRequest> {
        Ok(class_arg::<PyChargeRequest>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyChargeRequest {
    #[new]
    #[pyo3(signature = (
        patient, source, item_code, quantity = None, *, unit_price = None, service_date = None,
        preauthorization = None, note = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        patient: &Bound<'_, PyAny>,
        source: &Bound<'_, PyAny>,
        item_code: String,
        quantity: Option<&Bound<'_, PyAny>>,
        unit_price: Option<&Bound<'_, PyAny>>,
        service_date: Option<&Bound<'_, PyAny>>,
        preauthorization: Option<String>,
        note: Option<String>,
    ) -> PyResult<Self> {
        Ok(PyChargeRequest(hms_core::billing::ChargeRequest {
            patient: patient_id_arg(patient, "patient")?,
            source: class_arg::<PyChargeSource>(source, "source")?.get().0.clone(),
            item_code,
            quantity: match quantity.filter(|q| !q.is_none()) {
                Some(q) => decimal_arg(q, "quantity")?,
                None => Decimal::ONE,
            },
            unit_price: opt_money_arg(unit_price, "unit_price")?,
            service_date: opt_date_arg(service_date, "service_date")?,
            preauthorization,
            note,
        }))
    }
}

record!(PyChargeRequest, "ChargeRequest", |r, py| {
    patient_id => id_to_py(py, r.patient),
    source => Ok(Bound::new(py, PyChargeSource(r.source.clone()))?.into_any()),
    item_code => obj(py, r.item_code.as_str()),
    quantity => decimal_to_py(py, r.quantity),
    unit_price => opt_money(py, r.unit_price),
    service_date => opt_to_py(py, r.service_date, date_to_py),
    preauthorization => opt_str(py, r.preauthorization.as_deref()),
    note => opt_str(py, r.note.as_deref()),
});

/// A service a patient used, priced from the price list on its service date; `invoice_id` is the
/// draft invoice it sits on.
#[pyclass(name = "Charge", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyCharge(pub(crate) Charge);

record!(PyCharge, "Charge", columns [
    "id", "patient_id", "source", "item_code", "kind", "description", "quantity", "unit_price",
    "tax_category", "tax_percent", "tax_inclusive", "service_date", "invoice_id", "created_at",
], |c, py| {
    id => id_to_py(py, c.id),
    patient_id => id_to_py(py, c.patient),
    source => obj(py, c.source.key()),
    item_code => obj(py, c.item_code.as_str()),
    kind => c.kind.to_py(py),
    description => obj(py, c.description.as_str()),
    quantity => decimal_to_py(py, c.quantity),
    unit_price => money_to_py(py, c.unit_price),
    tax => tax_to_py(py, &c.tax),
    tax_category => obj(py, c.tax.category.as_str()),
    tax_percent => decimal_to_py(py, c.tax.percent),
    tax_inclusive => obj(py, c.tax_inclusive),
    visit_type => opt_str(py, c.visit_type.as_deref()),
    preauthorization => opt_str(py, c.preauthorization.as_deref()),
    service_date => date_to_py(py, c.service_date),
    invoice_id => opt_id_to_py(py, c.invoice),
    created_by => id_to_py(py, c.created_by),
    created_at => datetime_to_py(py, c.created_at),
});

// ---------------------------------------------------------------------------------------------
// Invoices

/// One line of an invoice, copied from its charge (`credits_line`: the line of the original
/// invoice a credit-note line corrects).
#[pyclass(name = "InvoiceLine", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyInvoiceLine(pub(crate) InvoiceLine);

record!(PyInvoiceLine, "InvoiceLine", columns [
    "charge_id", "item_code", "description", "service_date", "quantity", "unit_price", "tax_category",
    "tax_percent", "tax_inclusive", "discount", "credits_line",
], |l, py| {
    charge_id => id_to_py(py, l.charge),
    source => obj(py, l.source.key()),
    item_code => obj(py, l.item_code.as_str()),
    description => obj(py, l.description.as_str()),
    service_date => date_to_py(py, l.service_date),
    quantity => decimal_to_py(py, l.quantity),
    unit_price => money_to_py(py, l.unit_price),
    tax => tax_to_py(py, &l.tax),
    tax_category => obj(py, l.tax.category.as_str()),
    tax_percent => decimal_to_py(py, l.tax.percent),
    tax_inclusive => obj(py, l.tax_inclusive),
    discount => discount_to_py(py, l.discount),
    visit_type => opt_str(py, l.visit_type.as_deref()),
    preauthorization => opt_str(py, l.preauthorization.as_deref()),
    credits_line => obj(py, l.credits_line),
});

/// One status change of an invoice: when, by whom, from which status (`None` when it was created)
/// to which, and why.
#[pyclass(name = "InvoiceChange", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyInvoiceChange(pub(crate) InvoiceChange);

record!(PyInvoiceChange, "InvoiceChange", columns ["at", "by", "old_status", "new_status", "reason"], |c, py| {
    at => datetime_to_py(py, c.at),
    by => opt_id_to_py(py, c.by),
    old_status => opt_to_py(py, c.from, |py, s| s.to_py(py)),
    new_status => c.to.to_py(py),
    reason => opt_str(py, c.reason.as_deref()),
});

/// The insurance an invoice was issued under: payer, plan, member id and plan year.
#[pyclass(name = "AppliedCoverage", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAppliedCoverage(pub(crate) AppliedCoverage);

record!(PyAppliedCoverage, "AppliedCoverage", |c, py| {
    payer => obj(py, c.payer.as_str()),
    plan => obj(py, c.plan.as_str()),
    member_id => obj(py, c.member_id.as_str()),
    year => obj(py, c.year),
});

/// An invoice or a credit note (`kind`), its lines, its figures once issued (`breakdown`), what was
/// paid and credited by the patient and the insurer, and its history. A draft changes; an issued
/// invoice never does. Renders as a table in Jupyter; `str(invoice)` is the plain-text rendering.
#[pyclass(name = "Invoice", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyInvoice(pub(crate) Invoice);

record!(PyInvoice, "Invoice", columns [
    "id", "number", "kind", "patient_id", "status", "issue_date", "due_date", "gross", "patient_due",
    "payer_due",
], |i, py| {
    id => id_to_py(py, i.id),
    kind => obj(py, match &i.kind {
        InvoiceKind::Invoice => "invoice",
        InvoiceKind::CreditNote { .. } => "credit_note",
    }),
    original_id => match &i.kind {
        InvoiceKind::CreditNote { original, .. } => id_to_py(py, original),
        InvoiceKind::Invoice => Ok(py.None().into_bound(py)),
    },
    credit_reason => match &i.kind {
        InvoiceKind::CreditNote { reason, .. } => obj(py, reason.as_str()),
        InvoiceKind::Invoice => Ok(py.None().into_bound(py)),
    },
    number => opt_str(py, i.number.as_deref()),
    patient_id => id_to_py(py, i.patient),
    currency => obj(py, i.currency.code()),
    status => i.status.to_py(py),
    lines => records(py, i.lines.iter().cloned(), PyInvoiceLine),
    invoice_discount => discount_to_py(py, i.invoice_discount),
    rounding => i.rounding.to_py(py),
    coverage => opt_to_py(py, i.coverage.clone(), |py, c| Ok(Bound::new(py, PyAppliedCoverage(c))?.into_any())),
    breakdown => breakdown_to_py(py, &i.breakdown),
    issued_at => opt_to_py(py, i.issued_at, datetime_to_py),
    issue_date => opt_to_py(py, i.issue_date, date_to_py),
    due_date => opt_to_py(py, i.due_date, date_to_py),
    gross => money_to_py(py, i.gross()),
    patient_due => money_to_py(py, i.patient_due()),
    payer_due => money_to_py(py, i.payer_due()),
    paid_patient => money_to_py(py, i.paid_patient),
    paid_payer => money_to_py(py, i.paid_payer),
    credited_patient => money_to_py(py, i.credited_patient),
    credited_payer => money_to_py(py, i.credited_payer),
    is_open => obj(py, i.is_open()),
    reminders => tuple_of(py, &i.reminders, |r| r.to_py(py)),
    history => records(py, i.history.iter().cloned(), PyInvoiceChange),
    created_by => id_to_py(py, i.created_by),
    created_at => datetime_to_py(py, i.created_at),
    version => obj(py, i.version),
});

impl PyInvoice {
    /// The invoice's own figures, or (for a draft) a preview without insurance.
    fn figures(&self) -> Option<Breakdown> {
        if let Some(b) = &self.0.breakdown {
            return Some(b.clone());
        }
        let lines = self.0.line_inputs();
        hms_core::billing::calculate(&hms_core::billing::InvoiceInput {
            currency: self.0.currency,
            rounding: self.0.rounding,
            lines: &lines,
            invoice_discount: self.0.invoice_discount,
            coverage: None,
        })
        .ok()
    }
}

#[pymethods]
impl PyInvoice {
    /// The invoice as plain text: every line with its arithmetic, the tax subtotals, the totals and
    /// who pays what (a draft shows a preview without insurance).
    fn __str__(&self) -> String {
        match self.figures() {
            Some(b) => hms_core::billing::render::render(&self.0, &b, None),
            None => format!("INVOICE (draft) with {} line(s)", self.0.lines.len()),
        }
    }

    /// The invoice as an HTML table (for Jupyter): its lines with their figures, the tax subtotals
    /// and the totals.
    fn _repr_html_(&self) -> String {
        let title = match &self.0.kind {
            InvoiceKind::Invoice => "Invoice",
            InvoiceKind::CreditNote { .. } => "Credit note",
        };
        let caption = format!(
            "{title} {} [{}]{}",
            self.0.number.as_deref().unwrap_or("(draft)"),
            self.0.status.code(),
            self.0.due_date.map(|d| format!(", due {d}")).unwrap_or_default()
        );
        match self.figures() {
            Some(b) => breakdown_html(&b, Some((&self.0, &caption))),
            None => format!(
                "<table class=\"hms\"><caption>{}</caption></table>",
                escape(&caption)
            ),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn amount(m: &Money) -> String {
    let mut a = m.amount;
    if a.scale() < m.currency.minor_units() {
        a.rescale(m.currency.minor_units());
    }
    a.to_string()
}

/// The HTML table of a breakdown, with the invoice's line descriptions when there is an invoice.
fn breakdown_html(b: &Breakdown, invoice: Option<(&Invoice, &str)>) -> String {
    let caption = invoice.map_or_else(
        || format!("Breakdown in {}", b.currency.code()),
        |(_, c)| c.to_owned(),
    );
    let mut html = format!(
        "<table class=\"hms\"><caption>{}</caption><thead><tr><th>#</th><th>item</th>\
         <th>quantity</th><th>unit price</th><th>net</th><th>tax</th><th>gross</th>\
         <th>insurer</th><th>patient</th></tr></thead><tbody>",
        escape(&caption)
    );
    for (n, l) in b.lines.iter().enumerate() {
        let (item, qty, price) = match invoice.and_then(|(i, _)| i.lines.get(n)) {
            Some(il) => (
                format!(
                    "{} <small>{}</small>",
                    escape(&il.description),
                    escape(&il.item_code)
                ),
                il.quantity.normalize().to_string(),
                amount(&il.unit_price),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{item}</td><td>{qty}</td><td>{price}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            n + 1,
            amount(&l.net),
            amount(&l.tax),
            amount(&l.gross),
            amount(&l.share.payer),
            amount(&l.share.patient)
        ));
    }
    html.push_str("</tbody><tfoot>");
    for t in &b.taxes {
        html.push_str(&format!(
            "<tr><th colspan=\"4\">tax {} on {}</th><td></td><td>{}</td><td colspan=\"3\"></td></tr>",
            escape(&t.tax.to_string()),
            amount(&t.taxable),
            amount(&t.amount)
        ));
    }
    let t = &b.totals;
    html.push_str(&format!(
        "<tr><th colspan=\"4\">total {}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\
         </tfoot></table>",
        b.currency.code(),
        amount(&t.net),
        amount(&t.tax),
        amount(&t.gross),
        amount(&t.payer),
        amount(&t.patient)
    ));
    html
}

/// A line of a credit note: the original invoice's `line` (0-based), in full or for `amount`.
#[pyclass(name = "CreditRequest", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyCreditRequest(pub(crate) CreditRequest);

#[pymethods]
impl PyCreditRequest {
    #[new]
    #[pyo3(signature = (line, amount = None))]
    fn new(line: usize, amount: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PyCreditRequest(CreditRequest {
            line,
            amount: opt_money_arg(amount, "amount")?,
        }))
    }
}

impl PyCreditRequest {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CreditRequest> {
        Ok(class_arg::<PyCreditRequest>(obj, field)?.get().0.clone())
    }
}

record!(PyCreditRequest, "CreditRequest", |r, py| {
    line => obj(py, r.line),
    amount => opt_money(py, r.amount),
});

// ---------------------------------------------------------------------------------------------
// Payments

/// A payment to record: who pays how much and how (`method`: a `PaymentMethod`, with `provider` for
/// `gateway`), an optional external reference (a card slip, a remittance number: recorded once), and
/// either the oldest-first rule or explicit `allocate_to=[(invoice, Money), …]`.
#[pyclass(name = "PaymentRequest", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPaymentRequest(pub(crate) hms_core::billing::PaymentRequest);

impl PyPaymentRequest {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<hms_core::billing::PaymentRequest> {
        Ok(class_arg::<PyPaymentRequest>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyPaymentRequest {
    #[new]
    #[pyo3(signature = (patient, amount, method = None, *, provider = None, external_reference = None, allocate_to = None))]
    fn new(
        patient: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        method: Option<&Bound<'_, PyAny>>,
        provider: Option<String>,
        external_reference: Option<String>,
        allocate_to: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let kind = match method.filter(|m| !m.is_none()) {
            Some(m) => MethodKind::from_py(m, "method")?,
            None => MethodKind::Cash,
        };
        let method = match (kind, provider) {
            (MethodKind::Cash, None) => PaymentMethod::Cash,
            (MethodKind::Card, None) => PaymentMethod::Card,
            (MethodKind::InsuranceRemittance, None) => PaymentMethod::InsuranceRemittance,
            (MethodKind::Gateway, Some(provider)) => PaymentMethod::Gateway { provider },
            (MethodKind::Gateway, None) => {
                return Err(PyValueError::new_err("a `gateway` payment names its `provider`"))
            }
            (_, Some(_)) => {
                return Err(PyValueError::new_err(
                    "only a `gateway` payment names a `provider`",
                ))
            }
        };
        let parts = collect_iter(allocate_to, "allocate_to", |pair| {
            let (invoice, money): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
            Ok((
                invoice_id_arg(&invoice, "allocate_to")?,
                PyMoney::arg(&money, "allocate_to")?,
            ))
        })?;
        let allocation = if allocate_to.is_some_and(|a| !a.is_none()) {
            hms_core::billing::AllocationRule::Explicit { parts }
        } else {
            hms_core::billing::AllocationRule::OldestFirst
        };
        Ok(PyPaymentRequest(hms_core::billing::PaymentRequest {
            external_reference,
            allocation,
            ..hms_core::billing::PaymentRequest::new(
                patient_id_arg(patient, "patient")?,
                PyMoney::arg(amount, "amount")?,
                method,
            )
        }))
    }
}

record!(PyPaymentRequest, "PaymentRequest", |r, py| {
    patient_id => id_to_py(py, r.patient),
    amount => money_to_py(py, r.amount),
    method => MethodKind::of(&r.method).to_py(py),
    provider => opt_str(py, provider_of(&r.method)),
    external_reference => opt_str(py, r.external_reference.as_deref()),
    allocate_to => match &r.allocation {
        hms_core::billing::AllocationRule::Explicit { parts } => tuple_of(py, parts, |(i, m)| {
            Ok(PyTuple::new(py, [id_to_py(py, i)?, money_to_py(py, *m)?])?.into_any())
        }),
        _ => Ok(py.None().into_bound(py)),
    },
});

/// The part of a payment applied to one invoice, and how much of it was refunded.
#[pyclass(name = "Allocation", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAllocation(pub(crate) Allocation);

record!(PyAllocation, "Allocation", columns ["invoice_id", "amount", "refunded"], |a, py| {
    invoice_id => id_to_py(py, a.invoice),
    amount => money_to_py(py, a.amount),
    refunded => money_to_py(py, a.refunded),
});

/// A refund of part of a payment, taken back from the invoices in `allocations`
/// (`(invoice_id, Money)` pairs).
#[pyclass(name = "Refund", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyRefund(pub(crate) Refund);

record!(PyRefund, "Refund", columns ["id", "amount", "reason", "external_reference", "at", "by"], |r, py| {
    id => id_to_py(py, r.id),
    amount => money_to_py(py, r.amount),
    reason => obj(py, r.reason.as_str()),
    external_reference => opt_str(py, r.external_reference.as_deref()),
    allocations => tuple_of(py, &r.allocations, |(i, m)| {
        Ok(PyTuple::new(py, [id_to_py(py, i)?, money_to_py(py, *m)?])?.into_any())
    }),
    at => datetime_to_py(py, r.at),
    by => opt_id_to_py(py, r.by),
});

/// A payment received, how it was applied to invoices (`allocations`) and its refunds.
#[pyclass(name = "Payment", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPayment(pub(crate) Payment);

record!(PyPayment, "Payment", columns [
    "id", "patient_id", "amount", "method", "provider", "external_reference", "received_at", "refunded",
], |p, py| {
    id => id_to_py(py, p.id),
    patient_id => id_to_py(py, p.patient),
    amount => money_to_py(py, p.amount),
    method => MethodKind::of(&p.method).to_py(py),
    provider => opt_str(py, provider_of(&p.method)),
    external_reference => opt_str(py, p.external_reference.as_deref()),
    received_at => datetime_to_py(py, p.received_at),
    recorded_by => opt_id_to_py(py, p.recorded_by),
    allocations => records(py, p.allocations.iter().cloned(), PyAllocation),
    refunds => records(py, p.refunds.iter().cloned(), PyRefund),
    refunded => money_to_py(py, p.refunded()),
    refundable => money_to_py(py, p.refundable()),
    version => obj(py, p.version),
});

/// An online payment the gateway is ready to take (`client_secret` goes to the payment page).
#[pyclass(name = "PaymentIntent", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPaymentIntent(pub(crate) PaymentIntent);

#[pymethods]
impl PyPaymentIntent {
    /// An intent as a gateway adapter written in Python returns it from `create_intent`.
    #[new]
    #[pyo3(signature = (*, id, provider, patient, amount, client_secret))]
    fn new(
        id: String,
        provider: String,
        patient: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        client_secret: String,
    ) -> PyResult<Self> {
        Ok(PyPaymentIntent(PaymentIntent {
            id,
            provider,
            patient: patient_id_arg(patient, "patient")?,
            amount: PyMoney::arg(amount, "amount")?,
            client_secret,
        }))
    }
}

record!(PyPaymentIntent, "PaymentIntent", |i, py| {
    id => obj(py, i.id.as_str()),
    provider => obj(py, i.provider.as_str()),
    patient_id => id_to_py(py, i.patient),
    amount => money_to_py(py, i.amount),
    client_secret => obj(py, i.client_secret.as_str()),
});

impl PyPaymentIntent {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PaymentIntent> {
        Ok(class_arg::<PyPaymentIntent>(obj, field)?.get().0.clone())
    }
}

/// What a gateway adapter is asked to start: a payment of `amount` by the patient, under the
/// hospital's own `reference` (the gateway's idempotency key).
#[pyclass(name = "IntentRequest", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyIntentRequest(pub(crate) IntentRequest);

record!(PyIntentRequest, "IntentRequest", |r, py| {
    patient_id => id_to_py(py, r.patient),
    amount => money_to_py(py, r.amount),
    reference => obj(py, r.reference.as_str()),
});

/// What a verified webhook says, as a gateway adapter written in Python returns it from
/// `verify_webhook`: `GatewayEvent.payment_succeeded(...)` or `GatewayEvent.other(name)` (which
/// records nothing).
#[pyclass(name = "GatewayEvent", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyGatewayEvent(pub(crate) GatewayEvent);

#[pymethods]
impl PyGatewayEvent {
    /// A payment succeeded: the gateway's unique `payment_reference`, the `intent` it completes, the
    /// patient who paid and how much.
    #[classmethod]
    fn payment_succeeded(
        _cls: &Bound<'_, PyType>,
        payment_reference: String,
        intent: String,
        patient: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(PyGatewayEvent(GatewayEvent::PaymentSucceeded {
            payment_reference,
            intent,
            patient: patient_id_arg(patient, "patient")?,
            amount: PyMoney::arg(amount, "amount")?,
        }))
    }

    /// Anything else (a failure, a dispute), by the gateway's event name.
    #[classmethod]
    fn other(_cls: &Bound<'_, PyType>, name: String) -> Self {
        PyGatewayEvent(GatewayEvent::Other { name })
    }
}

record!(PyGatewayEvent, "GatewayEvent", |e, py| {
    kind => obj(py, match e {
        GatewayEvent::PaymentSucceeded { .. } => "payment_succeeded",
        GatewayEvent::Other { .. } => "other",
    }),
    name => match e {
        GatewayEvent::Other { name } => obj(py, name.as_str()),
        GatewayEvent::PaymentSucceeded { .. } => obj(py, "payment_succeeded"),
    },
    payment_reference => match e {
        GatewayEvent::PaymentSucceeded { payment_reference, .. } => obj(py, payment_reference.as_str()),
        GatewayEvent::Other { .. } => Ok(py.None().into_bound(py)),
    },
    amount => match e {
        GatewayEvent::PaymentSucceeded { amount, .. } => money_to_py(py, *amount),
        GatewayEvent::Other { .. } => Ok(py.None().into_bound(py)),
    },
});

// ---------------------------------------------------------------------------------------------
// Dues

/// What is owed, by the age of the invoices: up to 30 days past the invoice date (`current`), 31–60,
/// 61–90 and over 90 days.
#[pyclass(name = "Aging", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAging(pub(crate) Aging);

record!(PyAging, "Aging", |a, py| {
    current => money_to_py(py, a.current),
    days_31_60 => money_to_py(py, a.days_31_60),
    days_61_90 => money_to_py(py, a.days_61_90),
    over_90 => money_to_py(py, a.over_90),
});

fn aging_to_py<'py>(py: Python<'py>, a: &Aging) -> PyResult<Bound<'py, PyAny>> {
    Ok(Bound::new(py, PyAging(*a))?.into_any())
}

/// One line of a statement: an invoice or credit note, a payment or a refund, with the running
/// balance after it.
#[pyclass(name = "StatementEntry", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStatementEntry(pub(crate) StatementEntry);

record!(PyStatementEntry, "StatementEntry", columns ["at", "kind", "reference", "charge", "credit", "balance"], |e, py| {
    at => datetime_to_py(py, e.at),
    kind => e.kind.to_py(py),
    reference => obj(py, e.reference.as_str()),
    charge => money_to_py(py, e.charge),
    credit => money_to_py(py, e.credit),
    balance => money_to_py(py, e.balance),
});

/// A patient's statement as of a date: every entry with its running balance, what they owe by age,
/// and what their insurer still has to pay.
#[pyclass(name = "Statement", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStatement(pub(crate) Statement);

record!(PyStatement, "Statement", |s, py| {
    patient_id => id_to_py(py, s.patient),
    currency => obj(py, s.currency.code()),
    as_of => date_to_py(py, s.as_of),
    entries => records(py, s.entries.iter().cloned(), PyStatementEntry),
    balance => money_to_py(py, s.balance),
    aging => aging_to_py(py, &s.aging),
    payer_pending => money_to_py(py, s.payer_pending),
});

/// What is owed to the hospital as of a date, by age: by patients and by insurers.
#[pyclass(name = "AgingReport", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAgingReport(pub(crate) AgingReport);

record!(PyAgingReport, "AgingReport", |r, py| {
    as_of => date_to_py(py, r.as_of),
    patient => aging_to_py(py, &r.patient),
    payer => aging_to_py(py, &r.payer),
    open_invoices => obj(py, r.open_invoices),
});

/// An invoice status from an `InvoiceStatus` or its value.
pub(crate) fn invoice_status_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<InvoiceStatus> {
    InvoiceStatus::from_py(obj, field)
}
