//! Pharmacy: drugs, goods receipts and batches, prescriptions, dispenses, the stock ledger,
//! reservations, stock orders, alerts, valuation and the pure FEFO allocation.

use std::collections::BTreeMap;

use hms_core::hospital::{CounterSaleLine, DispenseLineRequest, ReturnLine};
use hms_core::ids::{BatchId, DispenseId, DrugId, PrescriptionId, ReservationId, StockOrderId};
use hms_core::pharmacy::alerts::AlertChanges;
use hms_core::pharmacy::valuation::{DrugValuation, StockValuation};
use hms_core::pharmacy::{
    Alert, Batch, Candidate, Dispense, DispenseLine, Drug, DrugDetails, GoodsReceipt, LedgerEntry, Location,
    MovementKind, Pick, Prescription, PrescriptionLine, ReorderRule, Reservation, StockBalance, StockOrder,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::money::{money_to_py, PyMoney};
use crate::convert::people::class_arg;
use crate::convert::{
    collect_iter, date_to_py, datetime_arg, datetime_to_py, id_to_py, obj, opt_date_arg, opt_id_to_py,
    opt_to_py, record, records, tuple_of, PyEnum,
};
use crate::errors::raise;

fn opt_str<'py>(py: Python<'py>, s: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    opt_to_py(py, s, obj)
}

/// A stock location from its code (`main`, `ward-3`).
pub(crate) fn location_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Location> {
    if !obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "`{field}` must be a location code string, not `{}`",
            obj.get_type().name()?
        )));
    }
    Location::parse(&obj.extract::<String>()?).map_err(raise)
}

/// A drug id given as a `Drug` or its id string.
pub(crate) fn drug_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<DrugId> {
    crate::convert::id_arg::<DrugId, PyDrug>(obj, field, |d| d.0.id)
}

/// A batch id given as a `Batch` or its id string.
pub(crate) fn batch_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<BatchId> {
    crate::convert::id_arg::<BatchId, PyBatch>(obj, field, |b| b.0.id)
}

/// An optional batch id.
pub(crate) fn opt_batch_id_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<BatchId>> {
    match obj {
        Some(o) if !o.is_none() => batch_id_arg(o, field).map(Some),
        _ => Ok(None),
    }
}

/// A prescription id given as a `Prescription` or its id string.
pub(crate) fn prescription_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PrescriptionId> {
    crate::convert::id_arg::<PrescriptionId, PyPrescription>(obj, field, |p| p.0.id)
}

/// A dispense id given as a `Dispense` or its id string.
pub(crate) fn dispense_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<DispenseId> {
    crate::convert::id_arg::<DispenseId, PyDispense>(obj, field, |d| d.0.id)
}

/// A reservation id given as a `Reservation` or its id string.
pub(crate) fn reservation_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ReservationId> {
    crate::convert::id_arg::<ReservationId, PyReservation>(obj, field, |r| r.0.id)
}

/// A stock order id given as a `StockOrder` or its id string.
pub(crate) fn order_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<StockOrderId> {
    crate::convert::id_arg::<StockOrderId, PyStockOrder>(obj, field, |o| o.0.id)
}

fn location_to_py<'py>(py: Python<'py>, l: &Location) -> PyResult<Bound<'py, PyAny>> {
    obj(py, l.as_str())
}

// ---------------------------------------------------------------------------------------------
// The drug catalog

/// When to reorder a drug at a location: when usable stock falls to `level`, order `quantity`.
#[pyclass(name = "ReorderRule", module = "hms._hms", frozen, eq, hash)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PyReorderRule(pub(crate) ReorderRule);

#[pymethods]
impl PyReorderRule {
    #[new]
    fn new(level: u32, quantity: u32) -> Self {
        PyReorderRule(ReorderRule { level, quantity })
    }
}

record!(PyReorderRule, "ReorderRule", |r, py| {
    level => obj(py, r.level),
    quantity => obj(py, r.quantity),
});

/// A medicine of the catalog: generic name, strength, dosage form, the unit it is dispensed in
/// (`tablet`, `ml`), pack size, WHO ATC code; whether it is controlled or prescription-only, and
/// reorder rules by location (`{"main": ReorderRule(100, 500)}`).
#[pyclass(name = "DrugDetails", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDrugDetails(pub(crate) DrugDetails);

impl PyDrugDetails {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<DrugDetails> {
        Ok(class_arg::<PyDrugDetails>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyDrugDetails {
    #[new]
    #[pyo3(signature = (
        generic_name, strength, form, dispensing_unit, *, pack_size = 1, atc_code, brand = None,
        controlled = false, prescription_only = false, reorder = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        generic_name: String,
        strength: String,
        form: &Bound<'_, PyAny>,
        dispensing_unit: String,
        pack_size: u32,
        atc_code: String,
        brand: Option<String>,
        controlled: bool,
        prescription_only: bool,
        reorder: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut rules = BTreeMap::new();
        if let Some(r) = reorder {
            for (k, v) in r.iter() {
                rules.insert(
                    location_arg(&k, "reorder")?,
                    class_arg::<PyReorderRule>(&v, "reorder")?.get().0,
                );
            }
        }
        Ok(PyDrugDetails(DrugDetails {
            generic_name,
            brand,
            strength,
            form: hms_core::pharmacy::DosageForm::from_py(form, "form")?,
            dispensing_unit,
            pack_size,
            atc_code,
            controlled,
            prescription_only,
            reorder: rules,
        }))
    }
}

record!(PyDrugDetails, "DrugDetails", |d, py| {
    generic_name => obj(py, d.generic_name.as_str()),
    strength => obj(py, d.strength.as_str()),
    form => d.form.to_py(py),
    dispensing_unit => obj(py, d.dispensing_unit.as_str()),
    pack_size => obj(py, d.pack_size),
    atc_code => obj(py, d.atc_code.as_str()),
    brand => opt_str(py, d.brand.as_deref()),
    controlled => obj(py, d.controlled),
    prescription_only => obj(py, d.prescription_only),
    reorder => {
        let dict = PyDict::new(py);
        for (l, r) in &d.reorder {
            dict.set_item(l.as_str(), Bound::new(py, PyReorderRule(*r))?)?;
        }
        Ok(dict.into_any())
    },
});

/// A drug of the catalog: its id, its `details`, and the main fields as columns.
#[pyclass(name = "Drug", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDrug(pub(crate) Drug);

record!(PyDrug, "Drug", columns [
    "id", "name", "generic_name", "strength", "form", "atc_code", "prescription_only", "controlled",
], |d, py| {
    id => id_to_py(py, d.id),
    name => obj(py, d.display_name()),
    generic_name => obj(py, d.details.generic_name.as_str()),
    strength => obj(py, d.details.strength.as_str()),
    form => d.details.form.to_py(py),
    atc_code => obj(py, d.details.atc_code.as_str()),
    prescription_only => obj(py, d.details.prescription_only),
    controlled => obj(py, d.details.controlled),
    details => Ok(Bound::new(py, PyDrugDetails(d.details.clone()))?.into_any()),
    added_at => datetime_to_py(py, d.added_at),
    version => obj(py, d.version),
});

// ---------------------------------------------------------------------------------------------
// Stock

/// Stock arriving: a batch (lot) of a drug from a supplier, with its expiry, quantity in dispensing
/// units, what a unit cost and what it sells for, where it is put, and the stock order it fills.
#[pyclass(name = "GoodsReceipt", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyGoodsReceipt(pub(crate) GoodsReceipt);

impl PyGoodsReceipt {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<GoodsReceipt> {
        Ok(class_arg::<PyGoodsReceipt>(obj, field)?.get().0.clone())
    }
}

#[pymethods]
impl PyGoodsReceipt {
    #[new]
    #[pyo3(signature = (
        drug, batch_number, *, supplier, quantity, unit_cost, sale_price, location = None, expiry = None,
        order = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        drug: &Bound<'_, PyAny>,
        batch_number: String,
        supplier: String,
        quantity: u32,
        unit_cost: &Bound<'_, PyAny>,
        sale_price: &Bound<'_, PyAny>,
        location: Option<&Bound<'_, PyAny>>,
        expiry: Option<&Bound<'_, PyAny>>,
        order: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyGoodsReceipt(GoodsReceipt {
            drug: drug_id_arg(drug, "drug")?,
            batch_number,
            supplier,
            expiry: opt_date_arg(expiry, "expiry")?,
            quantity,
            unit_cost: PyMoney::arg(unit_cost, "unit_cost")?,
            sale_price: PyMoney::arg(sale_price, "sale_price")?,
            location: opt_location_arg(location, "location")?,
            order: match order.filter(|o| !o.is_none()) {
                Some(o) => Some(order_id_arg(o, "order")?),
                None => None,
            },
        }))
    }
}

/// A location argument, `main` when not given.
pub(crate) fn opt_location_arg(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Location> {
    match obj {
        Some(o) if !o.is_none() => location_arg(o, field),
        _ => Location::parse("main").map_err(raise),
    }
}

record!(PyGoodsReceipt, "GoodsReceipt", |r, py| {
    drug_id => id_to_py(py, r.drug),
    batch_number => obj(py, r.batch_number.as_str()),
    supplier => obj(py, r.supplier.as_str()),
    quantity => obj(py, r.quantity),
    unit_cost => money_to_py(py, r.unit_cost),
    sale_price => money_to_py(py, r.sale_price),
    location => location_to_py(py, &r.location),
    expiry => opt_to_py(py, r.expiry, date_to_py),
    order_id => opt_id_to_py(py, r.order),
});

/// A batch (lot) of a drug as received; `recalled` once it is recalled.
#[pyclass(name = "Batch", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyBatch(pub(crate) Batch);

record!(PyBatch, "Batch", columns [
    "id", "drug_id", "batch_number", "supplier", "expiry", "received_quantity", "unit_cost", "sale_price",
    "location", "recalled",
], |b, py| {
    id => id_to_py(py, b.id),
    drug_id => id_to_py(py, b.drug),
    batch_number => obj(py, b.batch_number.as_str()),
    supplier => obj(py, b.supplier.as_str()),
    expiry => opt_to_py(py, b.expiry, date_to_py),
    received_at => datetime_to_py(py, b.received_at),
    received_quantity => obj(py, b.received_quantity),
    unit_cost => money_to_py(py, b.unit_cost),
    sale_price => money_to_py(py, b.sale_price),
    location => location_to_py(py, &b.received_at_location),
    order_id => opt_id_to_py(py, b.order),
    recalled => obj(py, b.recall.is_some()),
    recalled_at => opt_to_py(py, b.recall.as_ref().map(|r| r.at), datetime_to_py),
    recall_reason => opt_str(py, b.recall.as_ref().map(|r| r.reason.as_str())),
});

/// Units of one batch at one location.
#[pyclass(name = "StockBalance", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStockBalance(pub(crate) StockBalance);

record!(PyStockBalance, "StockBalance", columns ["batch_id", "drug_id", "location", "on_hand"], |b, py| {
    batch_id => id_to_py(py, b.batch),
    drug_id => id_to_py(py, b.drug),
    location => location_to_py(py, &b.location),
    on_hand => obj(py, b.on_hand),
});

fn movement_details<'py>(py: Python<'py>, k: &MovementKind) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    match k {
        MovementKind::Receipt => {}
        MovementKind::Dispense { dispense } | MovementKind::Return { dispense } => {
            d.set_item("dispense_id", dispense.to_string())?;
        }
        MovementKind::TransferOut { transfer, to } => {
            d.set_item("transfer_id", transfer.to_string())?;
            d.set_item("to", to.as_str())?;
        }
        MovementKind::TransferIn { transfer, from } => {
            d.set_item("transfer_id", transfer.to_string())?;
            d.set_item("from", from.as_str())?;
        }
        MovementKind::Adjustment { reason } => d.set_item("reason", reason.as_str())?,
        MovementKind::WriteOff { reason } => d.set_item("reason", reason.to_py(py)?)?,
        // WILDCARD(non_exhaustive): a movement this binding does not know yet.
        _ => {}
    }
    Ok(d.into_any())
}

/// One entry of the stock ledger: a movement of `quantity` units (negative when stock leaves) of a
/// batch at a location; `kind` says what moved it and `details` holds its references.
#[pyclass(name = "LedgerEntry", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyLedgerEntry(pub(crate) LedgerEntry);

record!(PyLedgerEntry, "LedgerEntry", columns [
    "seq", "at", "kind", "drug_id", "batch_id", "location", "quantity", "details",
], |e, py| {
    seq => obj(py, e.seq),
    id => id_to_py(py, e.movement.id),
    at => datetime_to_py(py, e.movement.at),
    kind => obj(py, e.movement.kind.name()),
    drug_id => id_to_py(py, e.movement.drug),
    batch_id => id_to_py(py, e.movement.batch),
    location => location_to_py(py, &e.movement.location),
    quantity => obj(py, e.movement.quantity),
    details => movement_details(py, &e.movement.kind),
    actor_id => opt_id_to_py(py, e.movement.actor),
});

/// A standing order for stock, open until a goods receipt names it.
#[pyclass(name = "StockOrder", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStockOrder(pub(crate) StockOrder);

record!(PyStockOrder, "StockOrder", columns ["id", "drug_id", "location", "quantity", "ordered_at", "received_at"], |o, py| {
    id => id_to_py(py, o.id),
    drug_id => id_to_py(py, o.drug),
    location => location_to_py(py, &o.location),
    quantity => obj(py, o.quantity),
    ordered_at => datetime_to_py(py, o.ordered_at),
    received_at => opt_to_py(py, o.received_at, datetime_to_py),
});

// ---------------------------------------------------------------------------------------------
// Prescriptions and dispenses

/// One medicine of a prescription: the drug, dose and frequency in words, the course length in
/// days, the quantity per fill (in dispensing units) and how many refills.
#[pyclass(name = "PrescriptionLine", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPrescriptionLine(pub(crate) PrescriptionLine);

#[pymethods]
impl PyPrescriptionLine {
    #[new]
    #[pyo3(signature = (drug, *, dose, frequency, duration_days, quantity, refills = 0))]
    fn new(
        drug: &Bound<'_, PyAny>,
        dose: String,
        frequency: String,
        duration_days: u32,
        quantity: u32,
        refills: u32,
    ) -> PyResult<Self> {
        Ok(PyPrescriptionLine(PrescriptionLine {
            drug: drug_id_arg(drug, "drug")?,
            dose,
            frequency,
            duration_days,
            quantity,
            refills,
        }))
    }
}

impl PyPrescriptionLine {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<PrescriptionLine> {
        Ok(class_arg::<PyPrescriptionLine>(obj, field)?.get().0.clone())
    }
}

record!(PyPrescriptionLine, "PrescriptionLine", |l, py| {
    drug_id => id_to_py(py, l.drug),
    dose => obj(py, l.dose.as_str()),
    frequency => obj(py, l.frequency.as_str()),
    duration_days => obj(py, l.duration_days),
    quantity => obj(py, l.quantity),
    refills => obj(py, l.refills),
});

/// A prescription written by a doctor for a patient.
#[pyclass(name = "Prescription", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPrescription(pub(crate) Prescription);

record!(PyPrescription, "Prescription", columns ["id", "patient_id", "prescriber_id", "written_at", "note"], |p, py| {
    id => id_to_py(py, p.id),
    patient_id => id_to_py(py, p.patient),
    prescriber_id => id_to_py(py, p.prescriber),
    written_at => datetime_to_py(py, p.written_at),
    lines => tuple_of(py, &p.lines, |l| Ok(Bound::new(py, PyPrescriptionLine(l.clone()))?.into_any())),
    note => opt_str(py, p.note.as_deref()),
});

/// What to hand out of one prescription line: `quantity` units of `line` (0-based), from `batch`
/// if given (else first-expiry-first-out).
#[pyclass(name = "DispenseItem", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDispenseItem(pub(crate) DispenseLineRequest);

#[pymethods]
impl PyDispenseItem {
    #[new]
    #[pyo3(signature = (line, quantity, *, batch = None))]
    fn new(line: usize, quantity: u32, batch: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PyDispenseItem(DispenseLineRequest {
            line,
            quantity,
            batch: opt_batch_id_arg(batch, "batch")?,
        }))
    }
}

impl PyDispenseItem {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<DispenseLineRequest> {
        Ok(class_arg::<PyDispenseItem>(obj, field)?.get().0.clone())
    }
}

record!(PyDispenseItem, "DispenseItem", |i, py| {
    line => obj(py, i.line),
    quantity => obj(py, i.quantity),
    batch_id => opt_id_to_py(py, i.batch),
});

/// A line of an over-the-counter sale: `quantity` units of `drug`, from `batch` if given.
#[pyclass(name = "SaleItem", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PySaleItem(pub(crate) CounterSaleLine);

#[pymethods]
impl PySaleItem {
    #[new]
    #[pyo3(signature = (drug, quantity, *, batch = None))]
    fn new(drug: &Bound<'_, PyAny>, quantity: u32, batch: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PySaleItem(CounterSaleLine {
            drug: drug_id_arg(drug, "drug")?,
            quantity,
            batch: opt_batch_id_arg(batch, "batch")?,
        }))
    }
}

impl PySaleItem {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CounterSaleLine> {
        Ok(class_arg::<PySaleItem>(obj, field)?.get().0.clone())
    }
}

record!(PySaleItem, "SaleItem", |i, py| {
    drug_id => id_to_py(py, i.drug),
    quantity => obj(py, i.quantity),
    batch_id => opt_id_to_py(py, i.batch),
});

/// Units given back of one line of a dispense (0-based).
#[pyclass(name = "ReturnItem", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyReturnItem(pub(crate) ReturnLine);

#[pymethods]
impl PyReturnItem {
    #[new]
    fn new(line: usize, quantity: u32) -> Self {
        PyReturnItem(ReturnLine { line, quantity })
    }
}

impl PyReturnItem {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ReturnLine> {
        Ok(class_arg::<PyReturnItem>(obj, field)?.get().0)
    }
}

record!(PyReturnItem, "ReturnItem", |i, py| {
    line => obj(py, i.line),
    quantity => obj(py, i.quantity),
});

/// One batch handed out by a dispense: which prescription line and fill, how many units, how many
/// came back, and the price.
#[pyclass(name = "DispenseLine", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDispenseLine(pub(crate) DispenseLine);

record!(PyDispenseLine, "DispenseLine", columns [
    "prescription_line", "fill", "drug_id", "batch_id", "quantity", "returned", "unit_price", "amount",
], |l, py| {
    prescription_line => obj(py, l.prescription_line),
    fill => obj(py, l.fill),
    drug_id => id_to_py(py, l.drug),
    batch_id => id_to_py(py, l.batch),
    quantity => obj(py, l.quantity),
    returned => obj(py, l.returned),
    unit_price => money_to_py(py, l.unit_price),
    amount => money_to_py(py, l.amount),
});

/// Medicine handed out, against a prescription or over the counter.
#[pyclass(name = "Dispense", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDispense(pub(crate) Dispense);

record!(PyDispense, "Dispense", columns [
    "id", "prescription_id", "patient_id", "location", "total", "dispensed_at",
], |d, py| {
    id => id_to_py(py, d.id),
    prescription_id => opt_id_to_py(py, d.prescription),
    patient_id => opt_id_to_py(py, d.patient),
    location => location_to_py(py, &d.location),
    lines => records(py, d.lines.iter().cloned(), PyDispenseLine),
    total => money_to_py(py, d.total),
    dispensed_at => datetime_to_py(py, d.dispensed_at),
    dispensed_by => id_to_py(py, d.dispensed_by),
    reservation_id => opt_id_to_py(py, d.reservation),
});

// ---------------------------------------------------------------------------------------------
// FEFO, reservations

/// A batch the FEFO rule may pick from: its expiry (`None`: does not expire), when it was received
/// (ties go to the earlier receipt), whether it is recalled, and the units available.
#[pyclass(name = "Candidate", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyCandidate(pub(crate) Candidate);

#[pymethods]
impl PyCandidate {
    #[new]
    #[pyo3(signature = (batch, *, available, received_at, expiry = None, recalled = false))]
    fn new(
        batch: &Bound<'_, PyAny>,
        available: u32,
        received_at: &Bound<'_, PyAny>,
        expiry: Option<&Bound<'_, PyAny>>,
        recalled: bool,
    ) -> PyResult<Self> {
        Ok(PyCandidate(Candidate {
            batch: batch_id_arg(batch, "batch")?,
            expiry: opt_date_arg(expiry, "expiry")?,
            received_at: datetime_arg(received_at, "received_at")?,
            recalled,
            available,
        }))
    }
}

impl PyCandidate {
    pub(crate) fn arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Candidate> {
        Ok(class_arg::<PyCandidate>(obj, field)?.get().0)
    }
}

record!(PyCandidate, "Candidate", |c, py| {
    batch_id => id_to_py(py, c.batch),
    available => obj(py, c.available),
    received_at => datetime_to_py(py, c.received_at),
    expiry => opt_to_py(py, c.expiry, date_to_py),
    recalled => obj(py, c.recalled),
});

/// Units taken from one batch.
#[pyclass(name = "Pick", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyPick(pub(crate) Pick);

record!(PyPick, "Pick", columns ["batch_id", "quantity"], |p, py| {
    batch_id => id_to_py(py, p.batch),
    quantity => obj(py, p.quantity),
});

/// Stock held for a patient (batches in `picks`) until it is dispensed, released or `expires_at`.
#[pyclass(name = "Reservation", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyReservation(pub(crate) Reservation);

record!(PyReservation, "Reservation", columns [
    "id", "patient_id", "drug_id", "location", "quantity", "status", "created_at", "expires_at",
], |r, py| {
    id => id_to_py(py, r.id),
    patient_id => id_to_py(py, r.patient),
    prescription_id => opt_id_to_py(py, r.prescription),
    drug_id => id_to_py(py, r.drug),
    location => location_to_py(py, &r.location),
    picks => records(py, r.lines.iter().copied(), PyPick),
    quantity => obj(py, r.quantity()),
    status => r.status.to_py(py),
    created_at => datetime_to_py(py, r.created_at),
    expires_at => datetime_to_py(py, r.expires_at),
    created_by => id_to_py(py, r.created_by),
});

// ---------------------------------------------------------------------------------------------
// Alerts and valuation

/// A stock alert of a drug at a location: `low_stock` (with `usable`, `on_order`, `reorder_level`
/// and `suggested_quantity`), `expiring_soon` (with `batch_ids`, `quantity`, `earliest_expiry`) or
/// `expired` (with `batch_ids`, `quantity`). Fields of other kinds are `None`.
#[pyclass(name = "Alert", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAlert(pub(crate) Alert);

fn none(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    Ok(py.None().into_bound(py))
}

record!(PyAlert, "Alert", columns [
    "kind", "drug_id", "location", "quantity", "usable", "on_order", "reorder_level",
    "suggested_quantity", "earliest_expiry", "batch_ids",
], |a, py| {
    kind => a.key().kind.to_py(py),
    drug_id => id_to_py(py, a.key().drug),
    location => location_to_py(py, &a.key().location),
    quantity => match a {
        Alert::ExpiringSoon { quantity, .. } | Alert::Expired { quantity, .. } => obj(py, *quantity),
        Alert::LowStock { usable, .. } => obj(py, *usable),
    },
    usable => match a {
        Alert::LowStock { usable, .. } => obj(py, *usable),
        _ => none(py),
    },
    on_order => match a {
        Alert::LowStock { on_order, .. } => obj(py, *on_order),
        _ => none(py),
    },
    reorder_level => match a {
        Alert::LowStock { reorder_level, .. } => obj(py, *reorder_level),
        _ => none(py),
    },
    suggested_quantity => match a {
        Alert::LowStock { suggested_quantity, .. } => obj(py, *suggested_quantity),
        _ => none(py),
    },
    earliest_expiry => match a {
        Alert::ExpiringSoon { earliest_expiry, .. } => date_to_py(py, *earliest_expiry),
        _ => none(py),
    },
    batch_ids => match a {
        Alert::ExpiringSoon { batches, .. } | Alert::Expired { batches, .. } => {
            tuple_of(py, batches, |b| id_to_py(py, b))
        }
        Alert::LowStock { .. } => tuple_of(py, Vec::<BatchId>::new(), |b| id_to_py(py, b)),
    },
});

/// What an alert sweep changed: the alerts `raised` and the ones `cleared` (as `(drug_id, location,
/// kind)` tuples).
#[pyclass(name = "AlertChanges", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAlertChanges(pub(crate) AlertChanges);

record!(PyAlertChanges, "AlertChanges", |c, py| {
    raised => records(py, c.raised.iter().cloned(), PyAlert),
    cleared => {
        let list = pyo3::types::PyList::empty(py);
        for k in &c.cleared {
            list.append((k.drug.to_string(), k.location.as_str(), k.kind.to_py(py)?))?;
        }
        Ok(list.into_any())
    },
});

/// What the stock of one drug cost, first-in-first-out.
#[pyclass(name = "DrugValuation", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyDrugValuation(pub(crate) DrugValuation);

record!(PyDrugValuation, "DrugValuation", columns ["drug_id", "on_hand", "value"], |v, py| {
    drug_id => id_to_py(py, v.drug),
    on_hand => obj(py, v.on_hand),
    value => money_to_py(py, v.value),
});

/// The value of the stock on hand, per drug (`lines`) and in `total`.
#[pyclass(name = "StockValuation", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStockValuation(pub(crate) StockValuation);

record!(PyStockValuation, "StockValuation", |v, py| {
    lines => records(py, v.lines.iter().cloned(), PyDrugValuation),
    total => money_to_py(py, v.total),
});

/// Prescription lines, dispense items, sale items or return items from an iterable.
pub(crate) fn collect_items<T>(
    obj: &Bound<'_, PyAny>,
    field: &str,
    f: impl Fn(&Bound<'_, PyAny>, &str) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    collect_iter(Some(obj), field, |i| f(i, field))
}
