//! Access-control use cases: roles, care teams, break-glass, the audit log and its verification.

use std::collections::BTreeSet;

use hms_core::access::Role;
use pyo3::prelude::*;

use crate::convert::access::{
    link_id_arg, PyAccessReportEntry, PyAuditVerification, PyBreakGlassGrant, PyCareTeamLink,
};
use crate::convert::people::{account_id_arg, patient_id_arg, staff_id_arg, PyUserAccount};
use crate::convert::records::PyAuditRecord;
use crate::convert::{collect_iter, opt_datetime_arg, records, PyEnum};
use crate::errors::raise;
use crate::hospital::{with_hospital, PyHospital};

#[pymethods]
impl PyHospital {
    /// Sets the roles of an account (admins; no one grants a role they do not hold).
    fn set_account_roles(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        account: &Bound<'_, PyAny>,
        roles: &Bound<'_, PyAny>,
    ) -> PyResult<PyUserAccount> {
        let actor = account_id_arg(actor, "actor")?;
        let account = account_id_arg(account, "account")?;
        let roles: BTreeSet<Role> = collect_iter(Some(roles), "roles", |r| Role::from_py(r, "roles"))?
            .into_iter()
            .collect();
        py.detach(|| with_hospital!(&self.backend, h => h.set_account_roles(actor, account, roles)))
            .map(PyUserAccount)
            .map_err(raise)
    }

    /// Opens time-limited emergency access to a patient's records ("break the glass"): a clinician
    /// gives a reason; the access lapses after `minutes` and every use of it is flagged in the audit log.
    #[pyo3(signature = (actor, patient, *, reason, minutes))]
    fn open_break_glass(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        reason: &str,
        minutes: u32,
    ) -> PyResult<PyBreakGlassGrant> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.open_break_glass(actor, patient, reason, minutes)))
            .map(PyBreakGlassGrant)
            .map_err(raise)
    }

    /// Puts a member of staff on a patient's care team, until `valid_until` (an aware datetime) or
    /// until someone ends the link.
    #[pyo3(signature = (actor, patient, staff, *, valid_until = None))]
    fn add_care_team_member(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        staff: &Bound<'_, PyAny>,
        valid_until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyCareTeamLink> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let staff = staff_id_arg(staff, "staff")?;
        let until = opt_datetime_arg(valid_until, "valid_until")?;
        py.detach(|| with_hospital!(&self.backend, h => h.add_care_team_member(actor, patient, staff, until)))
            .map(PyCareTeamLink)
            .map_err(raise)
    }

    /// Ends a care-team link now.
    fn end_care_team_member(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        link: &Bound<'_, PyAny>,
    ) -> PyResult<PyCareTeamLink> {
        let actor = account_id_arg(actor, "actor")?;
        let link = link_id_arg(link, "link")?;
        py.detach(|| with_hospital!(&self.backend, h => h.end_care_team_member(actor, link)))
            .map(PyCareTeamLink)
            .map_err(raise)
    }

    /// Every care-team link of a patient, current and ended.
    fn care_team<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patient: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let links = py
            .detach(|| with_hospital!(&self.backend, h => h.care_team(actor, patient)))
            .map_err(raise)?;
        records(py, links, PyCareTeamLink)
    }

    /// Up to `limit` audit records after `after`, for an account allowed to read the audit log.
    #[pyo3(signature = (actor, after = 0, limit = 1000))]
    fn audit_log<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        after: u64,
        limit: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let found = py
            .detach(|| with_hospital!(&self.backend, h => h.audit_log(actor, after, limit)))
            .map_err(raise)?;
        records(py, found, PyAuditRecord)
    }

    /// Who accessed a patient's data, when and how (allowed accesses only).
    fn patient_access_report<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patient: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let found = py
            .detach(|| with_hospital!(&self.backend, h => h.patient_access_report(actor, patient)))
            .map_err(raise)?;
        records(py, found, PyAccessReportEntry)
    }

    /// Re-computes the audit log's hash chain and reports every break.
    fn verify_audit_chain(&self, py: Python<'_>) -> PyResult<PyAuditVerification> {
        py.detach(|| with_hospital!(&self.backend, h => h.verify_audit_chain()))
            .map(PyAuditVerification)
            .map_err(raise)
    }
}
