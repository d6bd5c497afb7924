//! Access control: care-team links, break-glass grants, the access report of a patient and the
//! audit chain's verification.

use hms_core::access::{AccessReportEntry, AuditVerification, BreakGlassGrant, CareTeamLink, ChainProblem};
use hms_core::ids::CareTeamLinkId;
use pyo3::prelude::*;

use crate::convert::{
    datetime_to_py, id_to_py, lenient_enum_to_py, obj, opt_id_to_py, opt_to_py, record, records, PyEnum,
};

/// A care-team link id given as a `CareTeamLink` or its id string.
pub(crate) fn link_id_arg(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CareTeamLinkId> {
    crate::convert::id_arg::<CareTeamLinkId, PyCareTeamLink>(obj, field, |l| l.0.id)
}

/// A member of staff on a patient's care team, from `valid_from` until `valid_until` (exclusive;
/// `None` until someone ends it).
#[pyclass(name = "CareTeamLink", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyCareTeamLink(pub(crate) CareTeamLink);

record!(PyCareTeamLink, "CareTeamLink", columns [
    "id", "staff_id", "patient_id", "role", "valid_from", "valid_until", "added_by", "ended_by",
], |l, py| {
    id => id_to_py(py, l.id),
    staff_id => id_to_py(py, l.staff),
    patient_id => id_to_py(py, l.patient),
    role => l.role.to_py(py),
    valid_from => datetime_to_py(py, l.valid_from),
    valid_until => opt_to_py(py, l.valid_until, datetime_to_py),
    added_by => id_to_py(py, l.added_by),
    ended_by => opt_id_to_py(py, l.ended_by),
});

/// Time-limited emergency access of a clinician to one patient's records, opened with a reason.
#[pyclass(name = "BreakGlassGrant", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyBreakGlassGrant(pub(crate) BreakGlassGrant);

record!(PyBreakGlassGrant, "BreakGlassGrant", columns [
    "id", "account_id", "staff_id", "patient_id", "reason", "opened_at", "expires_at",
], |g, py| {
    id => id_to_py(py, g.id),
    account_id => id_to_py(py, g.account),
    staff_id => id_to_py(py, g.staff),
    patient_id => id_to_py(py, g.patient),
    reason => obj(py, g.reason.as_str()),
    opened_at => datetime_to_py(py, g.opened_at),
    expires_at => datetime_to_py(py, g.expires_at),
});

/// One access to a patient's data: who (`account_id`, `login`), when, what, and whether it was
/// under break-glass.
#[pyclass(name = "AccessReportEntry", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAccessReportEntry(pub(crate) AccessReportEntry);

record!(PyAccessReportEntry, "AccessReportEntry", columns [
    "at", "account_id", "login", "action", "resource", "break_glass", "rule",
], |e, py| {
    at => datetime_to_py(py, e.at),
    account_id => id_to_py(py, e.account),
    login => opt_to_py(py, e.login.as_deref(), obj),
    action => lenient_enum_to_py::<hms_core::access::Action>(py, e.action.as_str()),
    resource => lenient_enum_to_py::<hms_core::access::ResourceKind>(py, e.resource.as_str()),
    break_glass => obj(py, e.break_glass),
    rule => obj(py, e.rule.as_str()),
});

/// Where and how the audit chain is broken.
#[pyclass(name = "ChainProblem", module = "hms._hms", frozen, eq, mapping)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyChainProblem(pub(crate) ChainProblem);

record!(PyChainProblem, "ChainProblem", columns ["seq", "kind", "message"], |p, py| {
    seq => obj(py, p.seq),
    kind => p.kind.to_py(py),
    message => obj(py, p.to_string()),
});

/// The result of checking the audit chain: how many `entries`, the `head` hash (hex; keep it aside
/// to detect cut-offs later), and every problem found. `intact` when there is none.
#[pyclass(name = "AuditVerification", module = "hms._hms", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyAuditVerification(pub(crate) AuditVerification);

record!(PyAuditVerification, "AuditVerification", |v, py| {
    entries => obj(py, v.entries),
    head => obj(py, v.head.to_string()),
    intact => obj(py, v.is_intact()),
    problems => records(py, v.problems.iter().copied(), PyChainProblem),
});

#[pymethods]
impl PyAuditVerification {
    fn __bool__(&self) -> bool {
        self.0.is_intact()
    }
}
