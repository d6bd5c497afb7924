//! `hms._hms`: the Python extension module of hms. Registration only — conversions are in
//! `convert`, the error mapping in `errors`, the `Hospital` class in `hospital`, pure rules in
//! `functions`. The Python package `hms` (in `python/hms/`) re-exports everything from here.

mod calendar;
mod convert;
mod errors;
mod functions;
mod hospital;

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
    m.add_class::<calendar::PyCalendar>()?;
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
        ],
    )?;

    m.add_function(wrap_pyfunction!(functions::allocate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::normalize_phone, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_patient, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_staff, m)?)?;
    m.add_function(wrap_pyfunction!(functions::mrn_from_sequence, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_sample_errors, m)?)?;
    Ok(())
}
