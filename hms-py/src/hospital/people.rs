//! Registration use cases: accounts, staff and patients.

use hms_core::store::PatientQuery;
use pyo3::prelude::*;

use crate::convert::people::{
    account_id_arg, patient_id_arg, PyNewAccount, PyPatient, PyPatientDetails, PyStaff, PyStaffDetails,
    PyUserAccount,
};
use crate::convert::{collect_iter, record_list, PyEnum};
use crate::errors::raise;
use crate::hospital::{with_hospital, PyHospital};

#[pymethods]
impl PyHospital {
    /// Opens the first admin account of an empty hospital (`AlreadyBootstrappedError` afterwards).
    fn bootstrap_admin(&self, py: Python<'_>, login: &str) -> PyResult<PyUserAccount> {
        py.detach(|| with_hospital!(&self.backend, h => h.bootstrap_admin(login)))
            .map(PyUserAccount)
            .map_err(raise)
    }

    /// Adds a member of staff. `actor` is the acting `UserAccount` (or its id), here an admin.
    fn hire_staff(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        details: &Bound<'_, PyAny>,
    ) -> PyResult<PyStaff> {
        let actor = account_id_arg(actor, "actor")?;
        let details = PyStaffDetails::arg(details, "details")?;
        py.detach(|| with_hospital!(&self.backend, h => h.hire_staff(actor, details)))
            .map(PyStaff)
            .map_err(raise)
    }

    /// Opens a login account for a member of staff or a patient.
    fn open_account(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
    ) -> PyResult<PyUserAccount> {
        let actor = account_id_arg(actor, "actor")?;
        let request = PyNewAccount::arg(account, "account")?;
        py.detach(|| with_hospital!(&self.backend, h => h.open_account(actor, request)))
            .map(PyUserAccount)
            .map_err(raise)
    }

    /// Registers a patient and gives them a medical record number. Every field is checked and
    /// every problem reported at once (`ValidationError`); a second registration of the same person
    /// is a `DuplicatePatientError` naming the existing patient.
    fn register_patient(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        details: &Bound<'_, PyAny>,
    ) -> PyResult<PyPatient> {
        let actor = account_id_arg(actor, "actor")?;
        let details = PyPatientDetails::arg(details, "details")?;
        py.detach(|| with_hospital!(&self.backend, h => h.register_patient(actor, details)))
            .map(PyPatient)
            .map_err(raise)
    }

    /// Registers many patients in one call and one transaction: all of them, or (on the first
    /// error) none. Runs without the GIL, so loading 100,000 rows is one call, not 100,000.
    fn register_many<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patients: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let batch = collect_iter(Some(patients), "patients", |d| {
            PyPatientDetails::arg(d, "patients")
        })?;
        let registered = py
            .detach(|| with_hospital!(&self.backend, h => h.register_patients(actor, &batch)))
            .map_err(raise)?;
        let items = registered
            .into_iter()
            .map(|p| Ok(Bound::new(py, PyPatient(p))?.into_any()))
            .collect::<PyResult<Vec<_>>>()?;
        record_list::<PyPatient>(py, items)
    }

    /// Replaces a patient's details; id, MRN and registration time stay.
    fn update_patient(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        details: &Bound<'_, PyAny>,
    ) -> PyResult<PyPatient> {
        let actor = account_id_arg(actor, "actor")?;
        let id = patient_id_arg(patient, "patient")?;
        let details = PyPatientDetails::arg(details, "details")?;
        py.detach(|| with_hospital!(&self.backend, h => h.update_patient(actor, id, details)))
            .map(PyPatient)
            .map_err(raise)
    }

    /// Deactivates a patient (the record stays; nothing is deleted). `reason` is required.
    fn deactivate_patient(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        reason: &str,
    ) -> PyResult<PyPatient> {
        let actor = account_id_arg(actor, "actor")?;
        let id = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.deactivate_patient(actor, id, reason)))
            .map(PyPatient)
            .map_err(raise)
    }

    /// Reactivates a deactivated patient.
    fn reactivate_patient(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
    ) -> PyResult<PyPatient> {
        let actor = account_id_arg(actor, "actor")?;
        let id = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.reactivate_patient(actor, id)))
            .map(PyPatient)
            .map_err(raise)
    }

    /// Reads a patient's record (the read is audited).
    fn patient(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
    ) -> PyResult<PyPatient> {
        let actor = account_id_arg(actor, "actor")?;
        let id = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.patient(actor, id)))
            .map(PyPatient)
            .map_err(raise)
    }

    /// Patients whose name parts start with every word of `text` (`"ash ra"` finds Asha Rao), or
    /// whose MRN, national id or telephone number is `text`; all patients when `text` is empty.
    #[pyo3(signature = (actor, text = "", *, include_inactive = false, limit = 50))]
    fn search_patients<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        text: &str,
        include_inactive: bool,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let query = PatientQuery {
            text: text.to_owned(),
            include_inactive,
            limit,
        };
        let found = py
            .detach(|| with_hospital!(&self.backend, h => h.search_patients(actor, &query)))
            .map_err(raise)?;
        let items = found
            .into_iter()
            .map(|p| Ok(Bound::new(py, PyPatient(p))?.into_any()))
            .collect::<PyResult<Vec<_>>>()?;
        record_list::<PyPatient>(py, items)
    }

    /// Staff, optionally only those in one role.
    #[pyo3(signature = (actor, role = None))]
    fn list_staff<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        role: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let role = match role {
            Some(r) if !r.is_none() => Some(hms_core::people::StaffRole::from_py(r, "role")?),
            _ => None,
        };
        let staff = py
            .detach(|| with_hospital!(&self.backend, h => h.list_staff(actor, role)))
            .map_err(raise)?;
        let items = staff
            .into_iter()
            .map(|s| Ok(Bound::new(py, PyStaff(s))?.into_any()))
            .collect::<PyResult<Vec<_>>>()?;
        record_list::<PyStaff>(py, items)
    }
}
