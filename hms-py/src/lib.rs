//! `hms._hms`: the Python extension module of hms. Registration only — conversions are in
//! `convert`, the error mapping in `errors`, the `Hospital` class in `hospital`, pure rules in
//! `functions`. The Python package `hms` (in `python/hms/`) re-exports everything from here.

mod calendar;
mod convert;
mod errors;
mod functions;
mod hospital;
mod schedule_check;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

#[pymodule]
fn _hms(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ERROR_CODES", PyTuple::new(py, hms_core::all_error_codes())?)?;
    m.add(
        "FIELD_CODES",
        PyTuple::new(py, hms_core::error::all_field_codes())?,
    )?;

    errors::add_exceptions(m)?;
    convert::add_enums(m)?;

    m.add_class::<errors::PyFieldProblem>()?;
    m.add_class::<convert::money::PyMoney>()?;
    m.add_class::<convert::time::PyInterval>()?;
    m.add_class::<convert::people::PyPersonName>()?;
    m.add_class::<convert::people::PyAddress>()?;
    m.add_class::<convert::people::PyInsurancePolicy>()?;
    m.add_class::<convert::people::PyEmergencyContact>()?;
    m.add_class::<convert::people::PyPatientDetails>()?;
    m.add_class::<convert::people::PyDeactivation>()?;
    m.add_class::<convert::people::PyPatient>()?;
    m.add_class::<convert::people::PyDoctorProfile>()?;
    m.add_class::<convert::people::PyStaffDetails>()?;
    m.add_class::<convert::people::PyStaff>()?;
    m.add_class::<convert::people::PyNewAccount>()?;
    m.add_class::<convert::people::PyUserAccount>()?;
    m.add_class::<convert::records::PyEvent>()?;
    m.add_class::<convert::records::PyAuditRecord>()?;
    m.add_class::<convert::scheduling::PyVisitType>()?;
    m.add_class::<convert::scheduling::PyWeeklyHours>()?;
    m.add_class::<convert::scheduling::PyAvailabilityTemplate>()?;
    m.add_class::<convert::scheduling::PyAvailabilityException>()?;
    m.add_class::<convert::scheduling::PyBookingRequest>()?;
    m.add_class::<convert::scheduling::PySeriesRule>()?;
    m.add_class::<convert::scheduling::PyResource>()?;
    m.add_class::<convert::scheduling::PyAppointment>()?;
    m.add_class::<convert::scheduling::PySlot>()?;
    m.add_class::<convert::scheduling::PyDoctorSlot>()?;
    m.add_class::<convert::scheduling::PyConflict>()?;
    m.add_class::<convert::scheduling::PyDoctorDay>()?;
    m.add_class::<convert::scheduling::PySeriesOutcome>()?;
    m.add_class::<convert::scheduling::PyWaitlistEntry>()?;
    m.add_class::<convert::access::PyCareTeamLink>()?;
    m.add_class::<convert::access::PyBreakGlassGrant>()?;
    m.add_class::<convert::access::PyAccessReportEntry>()?;
    m.add_class::<convert::access::PyChainProblem>()?;
    m.add_class::<convert::access::PyAuditVerification>()?;
    m.add_class::<convert::billing::PyTaxRate>()?;
    m.add_class::<convert::billing::PyDiscount>()?;
    m.add_class::<convert::billing::PyLineInput>()?;
    m.add_class::<convert::billing::PyCoveragePlan>()?;
    m.add_class::<convert::billing::PyCoverageUsage>()?;
    m.add_class::<convert::billing::PyPricedLine>()?;
    m.add_class::<convert::billing::PyTaxSubtotal>()?;
    m.add_class::<convert::billing::PyTotals>()?;
    m.add_class::<convert::billing::PyBreakdown>()?;
    m.add_class::<convert::billing::PyPrice>()?;
    m.add_class::<convert::billing::PyPriceVersion>()?;
    m.add_class::<convert::billing::PyPriceItem>()?;
    m.add_class::<convert::billing::PyChargeSource>()?;
    m.add_class::<convert::billing::PyChargeRequest>()?;
    m.add_class::<convert::billing::PyCharge>()?;
    m.add_class::<convert::billing::PyInvoiceLine>()?;
    m.add_class::<convert::billing::PyInvoiceChange>()?;
    m.add_class::<convert::billing::PyAppliedCoverage>()?;
    m.add_class::<convert::billing::PyInvoice>()?;
    m.add_class::<convert::billing::PyCreditRequest>()?;
    m.add_class::<convert::billing::PyPaymentRequest>()?;
    m.add_class::<convert::billing::PyAllocation>()?;
    m.add_class::<convert::billing::PyRefund>()?;
    m.add_class::<convert::billing::PyPayment>()?;
    m.add_class::<convert::billing::PyPaymentIntent>()?;
    m.add_class::<convert::billing::PyAging>()?;
    m.add_class::<convert::billing::PyStatementEntry>()?;
    m.add_class::<convert::billing::PyStatement>()?;
    m.add_class::<convert::billing::PyAgingReport>()?;
    m.add_class::<convert::pharmacy::PyReorderRule>()?;
    m.add_class::<convert::pharmacy::PyDrugDetails>()?;
    m.add_class::<convert::pharmacy::PyDrug>()?;
    m.add_class::<convert::pharmacy::PyGoodsReceipt>()?;
    m.add_class::<convert::pharmacy::PyBatch>()?;
    m.add_class::<convert::pharmacy::PyStockBalance>()?;
    m.add_class::<convert::pharmacy::PyLedgerEntry>()?;
    m.add_class::<convert::pharmacy::PyStockOrder>()?;
    m.add_class::<convert::pharmacy::PyPrescriptionLine>()?;
    m.add_class::<convert::pharmacy::PyPrescription>()?;
    m.add_class::<convert::pharmacy::PyDispenseItem>()?;
    m.add_class::<convert::pharmacy::PySaleItem>()?;
    m.add_class::<convert::pharmacy::PyReturnItem>()?;
    m.add_class::<convert::pharmacy::PyDispenseLine>()?;
    m.add_class::<convert::pharmacy::PyDispense>()?;
    m.add_class::<convert::pharmacy::PyCandidate>()?;
    m.add_class::<convert::pharmacy::PyPick>()?;
    m.add_class::<convert::pharmacy::PyReservation>()?;
    m.add_class::<convert::pharmacy::PyAlert>()?;
    m.add_class::<convert::pharmacy::PyAlertChanges>()?;
    m.add_class::<convert::pharmacy::PyDrugValuation>()?;
    m.add_class::<convert::pharmacy::PyStockValuation>()?;
    m.add_class::<convert::billing::PyIntentRequest>()?;
    m.add_class::<convert::billing::PyGatewayEvent>()?;
    m.add_class::<hospital::billing::PyMemoryGateway>()?;
    m.add_class::<calendar::PyCalendar>()?;
    m.add_class::<schedule_check::PyScheduleCheck>()?;
    m.add_class::<schedule_check::PyScheduleClash>()?;
    m.add_class::<hospital::PyPharmacySettings>()?;
    m.add_class::<hospital::PyHospital>()?;

    convert::register_rows(
        m,
        &[
            py.get_type::<errors::PyFieldProblem>(),
            py.get_type::<convert::money::PyMoney>(),
            py.get_type::<convert::people::PyPatient>(),
            py.get_type::<convert::people::PyStaff>(),
            py.get_type::<convert::people::PyUserAccount>(),
            py.get_type::<convert::records::PyEvent>(),
            py.get_type::<convert::records::PyAuditRecord>(),
            py.get_type::<convert::scheduling::PyResource>(),
            py.get_type::<convert::scheduling::PyAppointment>(),
            py.get_type::<convert::scheduling::PySlot>(),
            py.get_type::<convert::scheduling::PyDoctorSlot>(),
            py.get_type::<convert::scheduling::PyConflict>(),
            py.get_type::<convert::scheduling::PyWaitlistEntry>(),
            py.get_type::<convert::access::PyCareTeamLink>(),
            py.get_type::<convert::access::PyBreakGlassGrant>(),
            py.get_type::<convert::access::PyAccessReportEntry>(),
            py.get_type::<convert::access::PyChainProblem>(),
            py.get_type::<convert::billing::PyPricedLine>(),
            py.get_type::<convert::billing::PyTaxSubtotal>(),
            py.get_type::<convert::billing::PyPriceItem>(),
            py.get_type::<convert::billing::PyCharge>(),
            py.get_type::<convert::billing::PyInvoiceLine>(),
            py.get_type::<convert::billing::PyInvoiceChange>(),
            py.get_type::<convert::billing::PyInvoice>(),
            py.get_type::<convert::billing::PyAllocation>(),
            py.get_type::<convert::billing::PyRefund>(),
            py.get_type::<convert::billing::PyPayment>(),
            py.get_type::<convert::billing::PyStatementEntry>(),
            py.get_type::<convert::pharmacy::PyDrug>(),
            py.get_type::<convert::pharmacy::PyBatch>(),
            py.get_type::<convert::pharmacy::PyStockBalance>(),
            py.get_type::<convert::pharmacy::PyLedgerEntry>(),
            py.get_type::<convert::pharmacy::PyStockOrder>(),
            py.get_type::<convert::pharmacy::PyPrescription>(),
            py.get_type::<convert::pharmacy::PyDispenseLine>(),
            py.get_type::<convert::pharmacy::PyDispense>(),
            py.get_type::<convert::pharmacy::PyPick>(),
            py.get_type::<convert::pharmacy::PyReservation>(),
            py.get_type::<convert::pharmacy::PyAlert>(),
            py.get_type::<convert::pharmacy::PyDrugValuation>(),
            py.get_type::<schedule_check::PyScheduleClash>(),
        ],
    )?;

    m.add_function(wrap_pyfunction!(functions::allocate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::normalize_phone, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_patient, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_staff, m)?)?;
    m.add_function(wrap_pyfunction!(functions::mrn_from_sequence, m)?)?;
    m.add_function(wrap_pyfunction!(functions::price_invoice, m)?)?;
    m.add_function(wrap_pyfunction!(functions::fefo_allocate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::needed_through, m)?)?;
    m.add_function(wrap_pyfunction!(schedule_check::check_schedule, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_sample_errors, m)?)?;
    Ok(())
}
