//! Access control: the vocabulary of requests (actions, resource kinds, relationship kinds), the
//! request and facts a policy decides on, its decision, care-team links, emergency-access grants,
//! a patient's access report and the audit chain's verification.
//!
//! Results name actions and resource kinds as text typed with the unions (`Action`,
//! `ResourceKind`), straight from the core's names, so that a kind the core gains later still
//! arrives as its name; inputs are the unions themselves.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use hms_core::access::{self as core, RoleSet};
use hms_core::ids::{AccountId, BreakGlassId, PatientId, StaffId};
use napi_derive::napi;

use super::people::{PersonKind, PersonRef, Role, StaffRole};
use super::{Instant, Reader};

/// What a request does.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Look at.
    Read,
    /// Create (register, book, order, prescribe, open).
    Create,
    /// Change.
    Update,
    /// Deactivate or end (never delete).
    Deactivate,
    /// Cancel (an appointment, an order, an invoice).
    Cancel,
    /// Hand out medicine against a prescription.
    Dispense,
    /// Give an account roles.
    Grant,
    /// Issue (an invoice: its figures are final from then on).
    Issue,
    /// Give money back (a refund of a payment).
    Refund,
}

impl From<Action> for core::Action {
    fn from(a: Action) -> Self {
        match a {
            Action::Read => core::Action::Read,
            Action::Create => core::Action::Create,
            Action::Update => core::Action::Update,
            Action::Deactivate => core::Action::Deactivate,
            Action::Cancel => core::Action::Cancel,
            Action::Dispense => core::Action::Dispense,
            Action::Grant => core::Action::Grant,
            Action::Issue => core::Action::Issue,
            Action::Refund => core::Action::Refund,
        }
    }
}

/// What kind of thing a request is about.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A patient's registration record.
    PatientProfile,
    /// Clinical notes, encounters, diagnoses.
    MedicalRecord,
    /// A prescription.
    Prescription,
    /// A laboratory order.
    LabOrder,
    /// A laboratory result.
    LabResult,
    /// An appointment.
    Appointment,
    /// A doctor's or room's working schedule.
    Schedule,
    /// An invoice.
    Invoice,
    /// A payment or refund.
    Payment,
    /// Pharmacy stock.
    Stock,
    /// A member of staff's record.
    Staff,
    /// A login account and its roles.
    UserAccount,
    /// The audit log.
    AuditLog,
    /// A management report.
    Report,
    /// A patient's care team.
    CareTeam,
    /// Emergency ("break the glass") access.
    BreakGlass,
    /// The pharmacy's drug catalog.
    DrugCatalog,
    /// The price list and insurers' coverage plans.
    PriceList,
}

impl From<ResourceKind> for core::ResourceKind {
    fn from(r: ResourceKind) -> Self {
        use core::ResourceKind as C;
        match r {
            ResourceKind::PatientProfile => C::PatientProfile,
            ResourceKind::MedicalRecord => C::MedicalRecord,
            ResourceKind::Prescription => C::Prescription,
            ResourceKind::LabOrder => C::LabOrder,
            ResourceKind::LabResult => C::LabResult,
            ResourceKind::Appointment => C::Appointment,
            ResourceKind::Schedule => C::Schedule,
            ResourceKind::Invoice => C::Invoice,
            ResourceKind::Payment => C::Payment,
            ResourceKind::Stock => C::Stock,
            ResourceKind::Staff => C::Staff,
            ResourceKind::UserAccount => C::UserAccount,
            ResourceKind::AuditLog => C::AuditLog,
            ResourceKind::Report => C::Report,
            ResourceKind::CareTeam => C::CareTeam,
            ResourceKind::BreakGlass => C::BreakGlass,
            ResourceKind::DrugCatalog => C::DrugCatalog,
            ResourceKind::PriceList => C::PriceList,
        }
    }
}

/// A kind of care relationship between a member of staff and a patient.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipKind {
    /// An explicit care-team link.
    CareTeam,
    /// An appointment within the policy's window around it.
    Appointment,
    /// An open encounter.
    Encounter,
    /// A ward admission under the member of staff.
    Admission,
    /// A nurse assigned to the patient's ward.
    WardAssignment,
}

impl From<RelationshipKind> for core::RelationshipKind {
    fn from(k: RelationshipKind) -> Self {
        use core::RelationshipKind as C;
        match k {
            RelationshipKind::CareTeam => C::CareTeam,
            RelationshipKind::Appointment => C::Appointment,
            RelationshipKind::Encounter => C::Encounter,
            RelationshipKind::Admission => C::Admission,
            RelationshipKind::WardAssignment => C::WardAssignment,
        }
    }
}

/// How the audit chain is broken at an entry.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainProblemKind {
    /// The entry's fields do not match its hash: it was edited.
    Edited,
    /// The entry does not link to the hash of the entry before it.
    BrokenLink,
    /// The entry's sequence number is not the next one.
    OutOfSequence,
    /// The newest entry is not the one whose hash was kept aside.
    HeadMismatch,
    /// A kind this binding does not know yet (a newer core).
    Unknown,
}

impl From<core::ChainProblemKind> for ChainProblemKind {
    fn from(k: core::ChainProblemKind) -> Self {
        use core::ChainProblemKind as C;
        #[allow(
            unreachable_patterns,
            reason = "WILDCARD(non_exhaustive) if the core marks it so"
        )]
        match k {
            C::Edited => ChainProblemKind::Edited,
            C::BrokenLink => ChainProblemKind::BrokenLink,
            C::OutOfSequence => ChainProblemKind::OutOfSequence,
            C::HeadMismatch => ChainProblemKind::HeadMismatch,
            _ => ChainProblemKind::Unknown,
        }
    }
}

/// Who asks: an account as `openAccount` or `bootstrapAdmin` returned it (only `id`, `roles` and
/// `person` are read).
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessSubject {
    /// The account id.
    pub id: String,
    /// The roles it holds.
    pub roles: Vec<Role>,
    /// The member of staff or patient behind it.
    pub person: Option<PersonRef>,
}

/// A request for a policy to decide: a subject doing an action to a kind of resource, about a
/// patient when the resource is patient data.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// Who asks.
    pub subject: AccessSubject,
    /// What they want to do.
    pub action: Action,
    /// To what kind of thing.
    pub resource: ResourceKind,
    /// The patient whose data it is, if any.
    pub patient: Option<String>,
    /// The roles the request gives an account (for `grant` and account creation).
    pub grants: Option<Vec<Role>>,
}

/// One relationship between a member of staff and a patient, valid over `[validFrom, validUntil)`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipFactInput {
    /// What kind of relationship.
    pub kind: RelationshipKind,
    /// The member of staff.
    pub staff: String,
    /// The patient.
    pub patient: String,
    /// From when it holds.
    pub valid_from: Instant,
    /// Until when (exclusive); open-ended when left out.
    pub valid_until: Option<Instant>,
}

/// An emergency-access grant as a fact: the member of staff may reach the patient's records until
/// it expires.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassFact {
    /// The member of staff.
    pub staff: String,
    /// The patient.
    pub patient: String,
    /// When it was opened.
    pub opened_at: Instant,
    /// When it lapses.
    pub expires_at: Instant,
}

/// What the policy knows about the subject's relationships with the patient.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessFacts {
    /// Care relationships.
    pub relationships: Option<Vec<RelationshipFactInput>>,
    /// Emergency-access grants.
    pub break_glass: Option<Vec<BreakGlassFact>>,
}

/// A policy's decision: allowed or not, the rule that decided, why (a sentence for a person), and
/// whether it was allowed only under emergency access.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// The id of the rule that decided (`default-deny` when no rule allowed it).
    pub rule: String,
    /// Why, in words.
    pub reason: String,
    /// Whether it was allowed only under emergency access (flagged for review).
    pub break_glass: bool,
}

impl From<core::Decision> for Decision {
    fn from(d: core::Decision) -> Self {
        Decision {
            allowed: d.allowed,
            rule: d.rule_id.to_string(),
            reason: d.reason.to_string(),
            break_glass: d.break_glass,
        }
    }
}

fn role_set(roles: &[Role]) -> RoleSet {
    roles.iter().map(|r| core::Role::from(*r)).collect()
}

/// Reads a request for [`core::decide`].
pub fn request(r: &mut Reader, q: &AccessRequest) -> Option<core::Request> {
    let account = r.id::<AccountId>("subject.id", &q.subject.id);
    let (staff, patient_of) = match &q.subject.person {
        None => (Some(None), Some(None)),
        Some(PersonRef {
            kind: PersonKind::Staff,
            id,
        }) => (r.id::<StaffId>("subject.person.id", id).map(Some), Some(None)),
        Some(PersonRef {
            kind: PersonKind::Patient,
            id,
        }) => (Some(None), r.id::<PatientId>("subject.person.id", id).map(Some)),
    };
    let patient = match &q.patient {
        None => Some(None),
        Some(p) => r.id::<PatientId>("patient", p).map(Some),
    };
    let subject = core::Subject {
        account: account?,
        roles: role_set(&q.subject.roles),
        staff: staff?,
        patient: patient_of?,
    };
    Some(
        core::Request::new(subject, q.action.into(), q.resource.into(), patient?)
            .granting(role_set(q.grants.as_deref().unwrap_or_default())),
    )
}

/// Reads the facts for [`core::decide`]; emergency grants are the subject's (`account`).
pub fn facts(r: &mut Reader, f: &AccessFacts, account: Option<AccountId>) -> Option<core::Facts> {
    let mut ok = true;
    let mut relationships = Vec::new();
    for (i, rel) in f.relationships.iter().flatten().enumerate() {
        let path = |field: &str| format!("relationships[{i}].{field}");
        let staff = r.id::<StaffId>(&path("staff"), &rel.staff);
        let patient = r.id::<PatientId>(&path("patient"), &rel.patient);
        let from = r.instant(&path("validFrom"), &rel.valid_from);
        let until = match &rel.valid_until {
            None => Some(None),
            Some(u) => r.instant(&path("validUntil"), u).map(Some),
        };
        match (staff, patient, from, until) {
            (Some(staff), Some(patient), Some(valid_from), Some(valid_until)) => {
                relationships.push(core::RelationshipFact {
                    kind: rel.kind.into(),
                    staff,
                    patient,
                    valid_from,
                    valid_until,
                })
            }
            _ => ok = false,
        }
    }
    let mut break_glass = Vec::new();
    for (i, g) in f.break_glass.iter().flatten().enumerate() {
        let path = |field: &str| format!("breakGlass[{i}].{field}");
        let staff = r.id::<StaffId>(&path("staff"), &g.staff);
        let patient = r.id::<PatientId>(&path("patient"), &g.patient);
        let opened = r.instant(&path("openedAt"), &g.opened_at);
        let expires = r.instant(&path("expiresAt"), &g.expires_at);
        match (staff, patient, opened, expires, account) {
            (Some(staff), Some(patient), Some(opened_at), Some(expires_at), Some(account)) => break_glass
                .push(core::BreakGlassGrant {
                    id: BreakGlassId::from_uuid(uuid::Uuid::nil()),
                    account,
                    staff,
                    patient,
                    reason: String::new(),
                    opened_at,
                    expires_at,
                }),
            _ => ok = false,
        }
    }
    ok.then_some(core::Facts {
        relationships,
        break_glass,
    })
}

/// A member of staff on a patient's care team, over `[validFrom, validUntil)`.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareTeamLink {
    /// The link's id (pass it to `endCareTeamMember`).
    pub id: String,
    /// The member of staff.
    pub staff: String,
    /// The patient.
    pub patient: String,
    /// The member of staff's job when the link was made.
    pub role: StaffRole,
    /// From when the link holds.
    pub valid_from: DateTime<Utc>,
    /// Until when it holds (exclusive); absent until someone ends it.
    pub valid_until: Option<DateTime<Utc>>,
    /// The account that added it.
    pub added_by: String,
    /// The account that ended it, once ended.
    pub ended_by: Option<String>,
}

impl From<core::CareTeamLink> for CareTeamLink {
    fn from(l: core::CareTeamLink) -> Self {
        CareTeamLink {
            id: l.id.to_string(),
            staff: l.staff.to_string(),
            patient: l.patient.to_string(),
            role: l.role.into(),
            valid_from: l.valid_from,
            valid_until: l.valid_until,
            added_by: l.added_by.to_string(),
            ended_by: l.ended_by.map(|a| a.to_string()),
        }
    }
}

/// Emergency ("break the glass") access to a patient's records; it lapses by itself.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassGrant {
    /// The grant's id.
    pub id: String,
    /// The account that opened it.
    pub account: String,
    /// The member of staff behind that account.
    pub staff: String,
    /// The patient.
    pub patient: String,
    /// The reason given.
    pub reason: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
}

impl From<core::BreakGlassGrant> for BreakGlassGrant {
    fn from(g: core::BreakGlassGrant) -> Self {
        BreakGlassGrant {
            id: g.id.to_string(),
            account: g.account.to_string(),
            staff: g.staff.to_string(),
            patient: g.patient.to_string(),
            reason: g.reason,
            opened_at: g.opened_at,
            expires_at: g.expires_at,
        }
    }
}

/// One access to a patient's data, for their access report.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReportEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Which account.
    pub account: String,
    /// Its login, when the account still exists.
    pub login: Option<String>,
    /// What it did.
    #[napi(ts_type = "Action")]
    pub action: String,
    /// To what.
    #[napi(ts_type = "ResourceKind")]
    pub resource: String,
    /// Whether it was under emergency access.
    pub break_glass: bool,
    /// The rule that allowed it.
    pub rule: String,
}

impl From<core::AccessReportEntry> for AccessReportEntry {
    fn from(e: core::AccessReportEntry) -> Self {
        AccessReportEntry {
            at: e.at,
            account: e.account.to_string(),
            login: e.login,
            action: e.action.as_str().to_owned(),
            resource: e.resource.as_str().to_owned(),
            break_glass: e.break_glass,
            rule: e.rule,
        }
    }
}

/// Where and how the audit chain is broken.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    /// The sequence number of the entry where the break shows.
    pub seq: i64,
    /// What is wrong.
    pub kind: ChainProblemKind,
}

/// The result of checking the audit log's hash chain.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Whether the chain is whole.
    pub intact: bool,
    /// How many entries were checked.
    pub entries: i64,
    /// The hash of the newest entry, 64 hex digits (keep it aside to detect cut-offs later).
    pub head: String,
    /// Every break found, oldest first.
    pub problems: Vec<ChainProblem>,
}

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<core::AuditVerification> for AuditVerification {
    fn from(v: core::AuditVerification) -> Self {
        AuditVerification {
            intact: v.is_intact(),
            entries: seq(v.entries),
            head: v.head.to_string(),
            problems: v
                .problems
                .into_iter()
                .map(|p| ChainProblem {
                    seq: seq(p.seq),
                    kind: p.kind.into(),
                })
                .collect(),
        }
    }
}

/// One problem of a policy document (in an `invalid_policy` error).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    /// Where, e.g. `rules[3].roles[1]` or `settings.break_glass_max_minutes`.
    pub path: String,
    /// What is wrong.
    #[napi(ts_type = "PolicyProblemCode")]
    pub code: String,
    /// A message for a person.
    pub message: String,
}

impl From<&core::PolicyProblem> for PolicyProblem {
    fn from(p: &core::PolicyProblem) -> Self {
        PolicyProblem {
            path: p.path.clone(),
            code: p.code.code().to_owned(),
            message: p.message.clone(),
        }
    }
}

/// The window around an appointment in which it makes its doctor part of the patient's care.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentWindow {
    /// Days before the appointment.
    pub days_before: u32,
    /// Days after it.
    pub days_after: u32,
    /// Hours after a cancellation.
    pub hours_after_cancellation: u32,
}

impl From<core::AppointmentWindow> for AppointmentWindow {
    fn from(w: core::AppointmentWindow) -> Self {
        AppointmentWindow {
            days_before: w.days_before,
            days_after: w.days_after,
            hours_after_cancellation: w.hours_after_cancellation,
        }
    }
}

/// An optional typed id.
pub fn opt_id<T: FromStr<Err = hms_core::error::ValidationError>>(
    r: &mut Reader,
    field: &str,
    value: Option<&str>,
) -> Option<Option<T>> {
    match value {
        None => Some(None),
        Some(v) => r.id(field, v).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unions_name_every_core_value_the_same() {
        let actions = [
            Action::Read,
            Action::Create,
            Action::Update,
            Action::Deactivate,
            Action::Cancel,
            Action::Dispense,
            Action::Grant,
            Action::Issue,
            Action::Refund,
        ];
        assert_eq!(
            actions.map(core::Action::from).to_vec(),
            core::Action::ALL.to_vec()
        );
        let kinds = [
            RelationshipKind::CareTeam,
            RelationshipKind::Appointment,
            RelationshipKind::Encounter,
            RelationshipKind::Admission,
            RelationshipKind::WardAssignment,
        ];
        assert_eq!(
            kinds.map(core::RelationshipKind::from).to_vec(),
            core::RelationshipKind::ALL.to_vec()
        );
        // Every resource kind, billing's price list and the pharmacy's drug catalog included.
        let resources = [
            ResourceKind::PatientProfile,
            ResourceKind::MedicalRecord,
            ResourceKind::Prescription,
            ResourceKind::LabOrder,
            ResourceKind::LabResult,
            ResourceKind::Appointment,
            ResourceKind::Schedule,
            ResourceKind::Invoice,
            ResourceKind::Payment,
            ResourceKind::Stock,
            ResourceKind::Staff,
            ResourceKind::UserAccount,
            ResourceKind::AuditLog,
            ResourceKind::Report,
            ResourceKind::CareTeam,
            ResourceKind::BreakGlass,
            ResourceKind::PriceList,
            ResourceKind::DrugCatalog,
        ];
        assert_eq!(
            resources.map(core::ResourceKind::from).to_vec(),
            core::ResourceKind::ALL.to_vec()
        );
    }
}
