//! Pharmacy use cases: the drug catalog, stock orders and goods receipts, recalls, transfers,
//! adjustments and write-offs, the stock on hand and a batch's stock card, prescriptions,
//! dispensing (first-expiry-first-out) and returns, over-the-counter sales, reservations, alerts
//! and valuation.

use hms_core::hospital::{
    CounterSale, DispenseRequest, ReservationRequest, ReturnRequest, StockOrderRequest, TransferRequest,
};
use hms_core::pharmacy::{NewPrescription, WriteOffReason};
use pyo3::prelude::*;

use crate::convert::people::{account_id_arg, patient_id_arg};
use crate::convert::pharmacy::{
    batch_id_arg, collect_items, dispense_id_arg, drug_id_arg, location_arg, opt_location_arg,
    prescription_id_arg, reservation_id_arg, PyAlert, PyAlertChanges, PyBatch, PyDispense, PyDispenseItem,
    PyDrug, PyDrugDetails, PyGoodsReceipt, PyLedgerEntry, PyPrescription, PyPrescriptionLine, PyReservation,
    PyReturnItem, PySaleItem, PyStockBalance, PyStockOrder, PyStockValuation,
};
use crate::convert::{records, PyEnum};
use crate::errors::raise;
use crate::hospital::{with_hospital, PyHospital};

fn opt<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    f: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => f(o).map(Some),
        None => Ok(None),
    }
}

#[pymethods]
impl PyHospital {
    /// Adds a drug to the catalog (pharmacists, admins).
    fn add_drug(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        details: &Bound<'_, PyAny>,
    ) -> PyResult<PyDrug> {
        let actor = account_id_arg(actor, "actor")?;
        let details = PyDrugDetails::arg(details, "details")?;
        py.detach(|| with_hospital!(&self.backend, h => h.add_drug(actor, details)))
            .map(PyDrug)
            .map_err(raise)
    }

    /// Replaces a drug's details.
    fn update_drug(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        drug: &Bound<'_, PyAny>,
        details: &Bound<'_, PyAny>,
    ) -> PyResult<PyDrug> {
        let actor = account_id_arg(actor, "actor")?;
        let drug = drug_id_arg(drug, "drug")?;
        let details = PyDrugDetails::arg(details, "details")?;
        py.detach(|| with_hospital!(&self.backend, h => h.update_drug(actor, drug, details)))
            .map(PyDrug)
            .map_err(raise)
    }

    /// The drug catalog.
    fn drugs<'py>(&self, py: Python<'py>, actor: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let drugs = py
            .detach(|| with_hospital!(&self.backend, h => h.drugs(actor)))
            .map_err(raise)?;
        records(py, drugs, PyDrug)
    }

    /// Orders stock of a drug for a location (it counts as on order until received).
    #[pyo3(signature = (actor, drug, quantity, *, location = None))]
    fn order_stock(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        drug: &Bound<'_, PyAny>,
        quantity: u32,
        location: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyStockOrder> {
        let actor = account_id_arg(actor, "actor")?;
        let request = StockOrderRequest {
            drug: drug_id_arg(drug, "drug")?,
            location: opt_location_arg(location, "location")?,
            quantity,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.order_stock(actor, &request)))
            .map(PyStockOrder)
            .map_err(raise)
    }

    /// Receives a batch (a `GoodsReceipt`) into stock.
    fn receive_stock(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        receipt: &Bound<'_, PyAny>,
    ) -> PyResult<PyBatch> {
        let actor = account_id_arg(actor, "actor")?;
        let receipt = PyGoodsReceipt::arg(receipt, "receipt")?;
        py.detach(|| with_hospital!(&self.backend, h => h.receive_stock(actor, &receipt)))
            .map(PyBatch)
            .map_err(raise)
    }

    /// Recalls a batch: it is never dispensed again.
    fn recall_batch(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        batch: &Bound<'_, PyAny>,
        reason: &str,
    ) -> PyResult<PyBatch> {
        let actor = account_id_arg(actor, "actor")?;
        let batch = batch_id_arg(batch, "batch")?;
        py.detach(|| with_hospital!(&self.backend, h => h.recall_batch(actor, batch, reason)))
            .map(PyBatch)
            .map_err(raise)
    }

    /// Moves units of a batch from one location to another; returns the two ledger entries.
    #[pyo3(signature = (actor, batch, quantity, *, from_location, to_location))]
    fn transfer_stock<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        batch: &Bound<'py, PyAny>,
        quantity: u32,
        from_location: &Bound<'py, PyAny>,
        to_location: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let request = TransferRequest {
            batch: batch_id_arg(batch, "batch")?,
            from: location_arg(from_location, "from_location")?,
            to: location_arg(to_location, "to_location")?,
            quantity,
        };
        let entries = py
            .detach(|| with_hospital!(&self.backend, h => h.transfer_stock(actor, &request)))
            .map_err(raise)?;
        records(py, entries, PyLedgerEntry)
    }

    /// Corrects the stock of a batch at a location by `quantity` (negative to take units away),
    /// after a count, with a reason.
    #[pyo3(signature = (actor, batch, quantity, reason, *, location = None))]
    fn adjust_stock(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        batch: &Bound<'_, PyAny>,
        quantity: i64,
        reason: &str,
        location: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyLedgerEntry> {
        let actor = account_id_arg(actor, "actor")?;
        let batch = batch_id_arg(batch, "batch")?;
        let location = opt_location_arg(location, "location")?;
        py.detach(
            || with_hospital!(&self.backend, h => h.adjust_stock(actor, batch, &location, quantity, reason)),
        )
        .map(PyLedgerEntry)
        .map_err(raise)
    }

    /// Writes off units of a batch at a location (all of them when `quantity` is `None`) as expired,
    /// damaged or recalled (`WriteOffReason`).
    #[pyo3(signature = (actor, batch, reason, *, location = None, quantity = None))]
    fn write_off_stock(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        batch: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
        location: Option<&Bound<'_, PyAny>>,
        quantity: Option<u32>,
    ) -> PyResult<PyLedgerEntry> {
        let actor = account_id_arg(actor, "actor")?;
        let batch = batch_id_arg(batch, "batch")?;
        let reason = WriteOffReason::from_py(reason, "reason")?;
        let location = opt_location_arg(location, "location")?;
        py.detach(
            || with_hospital!(&self.backend, h => h.write_off_stock(actor, batch, &location, quantity, reason)),
        )
        .map(PyLedgerEntry)
        .map_err(raise)
    }

    /// The units of a drug on hand, per batch and location.
    fn stock_on_hand<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        drug: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let drug = drug_id_arg(drug, "drug")?;
        let balances = py
            .detach(|| with_hospital!(&self.backend, h => h.stock_on_hand(actor, drug)))
            .map_err(raise)?;
        records(py, balances, PyStockBalance)
    }

    /// Every ledger entry of a batch, oldest first (its stock card).
    fn stock_card<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let batch = batch_id_arg(batch, "batch")?;
        let entries = py
            .detach(|| with_hospital!(&self.backend, h => h.stock_card(actor, batch)))
            .map_err(raise)?;
        records(py, entries, PyLedgerEntry)
    }

    /// Writes a prescription (doctors): `lines` are `PrescriptionLine`s.
    #[pyo3(signature = (actor, patient, lines, *, note = None))]
    fn write_prescription(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        note: Option<String>,
    ) -> PyResult<PyPrescription> {
        let actor = account_id_arg(actor, "actor")?;
        let request = NewPrescription {
            patient: patient_id_arg(patient, "patient")?,
            lines: collect_items(lines, "lines", PyPrescriptionLine::arg)?,
            note,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.write_prescription(actor, &request)))
            .map(PyPrescription)
            .map_err(raise)
    }

    /// One prescription.
    fn prescription(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        prescription: &Bound<'_, PyAny>,
    ) -> PyResult<PyPrescription> {
        let actor = account_id_arg(actor, "actor")?;
        let id = prescription_id_arg(prescription, "prescription")?;
        py.detach(|| with_hospital!(&self.backend, h => h.prescription(actor, id)))
            .map(PyPrescription)
            .map_err(raise)
    }

    /// The dispenses of a prescription, oldest first.
    fn prescription_dispenses<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        prescription: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let id = prescription_id_arg(prescription, "prescription")?;
        let dispenses = py
            .detach(|| with_hospital!(&self.backend, h => h.prescription_dispenses(actor, id)))
            .map_err(raise)?;
        records(py, dispenses, PyDispense)
    }

    /// Dispenses a prescription (pharmacists): each `DispenseItem` hands out units of one line,
    /// first-expiry-first-out unless it names a batch; `reservation` uses stock held for the patient.
    #[pyo3(signature = (actor, prescription, items, *, location = None, reservation = None))]
    fn dispense_prescription(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        prescription: &Bound<'_, PyAny>,
        items: &Bound<'_, PyAny>,
        location: Option<&Bound<'_, PyAny>>,
        reservation: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDispense> {
        let actor = account_id_arg(actor, "actor")?;
        let request = DispenseRequest {
            prescription: prescription_id_arg(prescription, "prescription")?,
            location: opt_location_arg(location, "location")?,
            lines: collect_items(items, "items", PyDispenseItem::arg)?,
            reservation: opt(reservation, |r| reservation_id_arg(r, "reservation"))?,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.dispense_prescription(actor, &request)))
            .map(PyDispense)
            .map_err(raise)
    }

    /// Sells medicine over the counter (`SaleItem`s); a prescription-only drug is refused.
    #[pyo3(signature = (actor, items, *, location = None, patient = None))]
    fn sell_over_the_counter(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        items: &Bound<'_, PyAny>,
        location: Option<&Bound<'_, PyAny>>,
        patient: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDispense> {
        let actor = account_id_arg(actor, "actor")?;
        let sale = CounterSale {
            patient: opt(patient, |p| patient_id_arg(p, "patient"))?,
            location: opt_location_arg(location, "location")?,
            lines: collect_items(items, "items", PySaleItem::arg)?,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.sell_over_the_counter(actor, &sale)))
            .map(PyDispense)
            .map_err(raise)
    }

    /// Takes back units of a dispense (`ReturnItem`s) into stock, with a reason.
    #[pyo3(signature = (actor, dispense, items, reason))]
    fn return_dispensed(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        dispense: &Bound<'_, PyAny>,
        items: &Bound<'_, PyAny>,
        reason: String,
    ) -> PyResult<PyDispense> {
        let actor = account_id_arg(actor, "actor")?;
        let request = ReturnRequest {
            dispense: dispense_id_arg(dispense, "dispense")?,
            lines: collect_items(items, "items", PyReturnItem::arg)?,
            reason,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.return_dispensed(actor, &request)))
            .map(PyDispense)
            .map_err(raise)
    }

    /// Holds `quantity` units of a drug for a patient (first-expiry-first-out) for `minutes` (the
    /// hospital's default when `None`).
    #[pyo3(signature = (actor, patient, drug, quantity, *, location = None, prescription = None, minutes = None))]
    #[allow(clippy::too_many_arguments)]
    fn reserve_stock(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        drug: &Bound<'_, PyAny>,
        quantity: u32,
        location: Option<&Bound<'_, PyAny>>,
        prescription: Option<&Bound<'_, PyAny>>,
        minutes: Option<u32>,
    ) -> PyResult<PyReservation> {
        let actor = account_id_arg(actor, "actor")?;
        let request = ReservationRequest {
            patient: patient_id_arg(patient, "patient")?,
            drug: drug_id_arg(drug, "drug")?,
            location: opt_location_arg(location, "location")?,
            quantity,
            prescription: opt(prescription, |p| prescription_id_arg(p, "prescription"))?,
            minutes,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.reserve_stock(actor, &request)))
            .map(PyReservation)
            .map_err(raise)
    }

    /// Gives up a reservation; its stock is free at once.
    fn release_reservation(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        reservation: &Bound<'_, PyAny>,
    ) -> PyResult<PyReservation> {
        let actor = account_id_arg(actor, "actor")?;
        let id = reservation_id_arg(reservation, "reservation")?;
        py.detach(|| with_hospital!(&self.backend, h => h.release_reservation(actor, id)))
            .map(PyReservation)
            .map_err(raise)
    }

    /// Every stock alert that holds today.
    fn stock_alerts<'py>(&self, py: Python<'py>, actor: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let alerts = py
            .detach(|| with_hospital!(&self.backend, h => h.stock_alerts(actor)))
            .map_err(raise)?;
        records(py, alerts, PyAlert)
    }

    /// The alert sweep (a host's daily job): publishes the alerts that were raised or cleared since
    /// the last evaluation and returns them.
    fn sweep_stock_alerts(&self, py: Python<'_>) -> PyResult<PyAlertChanges> {
        py.detach(|| with_hospital!(&self.backend, h => h.sweep_stock_alerts()))
            .map(PyAlertChanges)
            .map_err(raise)
    }

    /// What the stock on hand cost, first-in-first-out, per drug and in total.
    fn stock_valuation(&self, py: Python<'_>, actor: &Bound<'_, PyAny>) -> PyResult<PyStockValuation> {
        let actor = account_id_arg(actor, "actor")?;
        py.detach(|| with_hospital!(&self.backend, h => h.stock_valuation(actor)))
            .map(PyStockValuation)
            .map_err(raise)
    }
}
