//! The policy engine: a policy compiled into an index, and the pure decision function.
//!
//! [`CompiledPolicy::compile`] files every rule under each (role, action, resource kind) it covers. In
//! each of those buckets it keeps, for every condition a rule can have, only the *first* rule (in
//! policy order) with that condition — one slot per condition, one per relationship kind. A decision
//! then looks at one bucket per role the subject holds and checks at most a dozen slots, whether the
//! policy has 10 rules or 100,000: the cost depends on the vocabulary, not on the number of rules.
//!
//! [`decide`] is pure: the same policy, request, facts and `now` always give the same decision. It
//! reads no clock and no store; the facade loads the facts and passes `now` in.
//!
//! The semantics, which the property tests check against a plain scan of the rules:
//! 1. a rule matches when the subject holds one of its roles, the action and resource kind are among
//!    its own, and its condition holds;
//! 2. if any forbid rule matches, the request is denied, quoting the first such rule;
//! 3. otherwise, if a permit rule whose condition is not `break_glass` matches, it is allowed, quoting
//!    the first such rule;
//! 4. otherwise, if a `break_glass` permit matches, it is allowed under emergency access (flagged),
//!    quoting the first such rule;
//! 5. otherwise it is denied by `default-deny`, with a reason naming what was missing.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::policy::{Condition, Effect, Policy, PolicySettings, Rule, DEFAULT_DENY};
use super::relationship::{BreakGlassGrant, KindSet, RelationshipFact, RelationshipKind};
use super::{AccessError, Action, ResourceKind, Role, RoleSet};
use crate::ids::{AccountId, BreakGlassId, PatientId, StaffId};
use crate::people::UserAccount;

/// Who is asking: an account, its roles, and the person behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject {
    /// The account.
    pub account: AccountId,
    /// The roles it holds.
    pub roles: RoleSet,
    /// The member of staff behind it, if any.
    pub staff: Option<StaffId>,
    /// The patient behind it (a patient-portal account), if any.
    pub patient: Option<PatientId>,
}

impl Subject {
    /// The subject of a signed-in account.
    pub fn of(account: &UserAccount) -> Subject {
        Subject {
            account: account.id,
            roles: RoleSet::from(&account.roles),
            staff: account.staff_id(),
            patient: account.patient_id(),
        }
    }
}

/// What is asked: a subject doing an action to a kind of resource, about a patient if the resource is
/// patient data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Request {
    /// Who asks.
    pub subject: Subject,
    /// What they want to do.
    pub action: Action,
    /// To what kind of thing.
    pub resource: ResourceKind,
    /// The patient whose data it is, if any.
    pub patient: Option<PatientId>,
    /// The roles the request gives an account (account opening and role changes), if any.
    pub grants: RoleSet,
}

impl Request {
    /// A request that grants no role.
    pub fn new(subject: Subject, action: Action, resource: ResourceKind, patient: Option<PatientId>) -> Self {
        Request {
            subject,
            action,
            resource,
            patient,
            grants: RoleSet::EMPTY,
        }
    }

    /// The same request, giving an account `roles`.
    pub fn granting(self, roles: RoleSet) -> Self {
        Request {
            grants: roles,
            ..self
        }
    }
}

/// What the store knows about the subject's relationship to the patient.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Relationship facts (facts of other pairs and facts not active now are ignored).
    pub relationships: Vec<RelationshipFact>,
    /// Emergency-access grants (other pairs' and lapsed grants are ignored).
    pub break_glass: Vec<BreakGlassGrant>,
}

/// Why a decision went the way it did, as data; its `Display` is the sentence a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// A rule lets the role do this without condition.
    RoleAllows {
        /// The role the rule matched.
        role: Role,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
    },
    /// The account belongs to the patient concerned.
    OwnRecord {
        /// The account.
        account: AccountId,
        /// The patient.
        patient: PatientId,
    },
    /// The member of staff has an active relationship with the patient.
    Relationship {
        /// The role the rule matched.
        role: Role,
        /// The member of staff.
        staff: StaffId,
        /// The patient.
        patient: PatientId,
        /// The kind of relationship.
        kind: RelationshipKind,
    },
    /// The member of staff acts under emergency access.
    BreakGlass {
        /// The role the rule matched.
        role: Role,
        /// The member of staff.
        staff: StaffId,
        /// The patient.
        patient: PatientId,
        /// The grant.
        grant: BreakGlassId,
        /// When it lapses.
        expires_at: DateTime<Utc>,
    },
    /// A permit rule with another condition matched.
    AllowedWhen {
        /// The role the rule matched.
        role: Role,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
        /// The rule's condition.
        condition: Condition,
    },
    /// A forbid rule without condition matched.
    Forbidden {
        /// The role the rule matched.
        role: Role,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
    },
    /// A patient account reached for data that is not its own.
    ForbiddenNotOwn {
        /// The account.
        account: AccountId,
        /// The patient the request concerns, if it names one.
        patient: Option<PatientId>,
    },
    /// The request grants a role the subject does not hold.
    ForbiddenGrant {
        /// The account.
        account: AccountId,
        /// The first role granted but not held.
        role: Role,
    },
    /// A forbid rule with another condition matched.
    ForbiddenWhen {
        /// The role the rule matched.
        role: Role,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
        /// The rule's condition.
        condition: Condition,
    },
    /// No rule covers these roles, this action and this resource kind.
    NoRule {
        /// The account.
        account: AccountId,
        /// Its roles.
        roles: RoleSet,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
    },
    /// A rule would allow it with a relationship, and there is none.
    NoRelationship {
        /// The role of that rule.
        role: Role,
        /// The account.
        account: AccountId,
        /// The member of staff, if the account has one.
        staff: Option<StaffId>,
        /// The patient, if the request names one.
        patient: Option<PatientId>,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
    },
    /// A rule would allow it for the account's own patient record, and this is not it.
    NotOwnRecord {
        /// The account.
        account: AccountId,
        /// The patient, if the request names one.
        patient: Option<PatientId>,
        /// The action.
        action: Action,
        /// The resource kind.
        resource: ResourceKind,
    },
    /// A rule would allow it under emergency access, and none is open.
    NoBreakGlass {
        /// The role of that rule.
        role: Role,
        /// The account.
        account: AccountId,
        /// The member of staff, if the account has one.
        staff: Option<StaffId>,
        /// The patient, if the request names one.
        patient: Option<PatientId>,
    },
}

impl RelationshipKind {
    fn words(&self) -> &'static str {
        match self {
            RelationshipKind::CareTeam => "care-team",
            RelationshipKind::Appointment => "appointment",
            RelationshipKind::Encounter => "encounter",
            RelationshipKind::Admission => "admission",
            RelationshipKind::WardAssignment => "ward-assignment",
        }
    }
}

fn resource_words(r: ResourceKind) -> &'static str {
    match r {
        ResourceKind::PatientProfile => "patient profiles",
        ResourceKind::MedicalRecord => "medical records",
        ResourceKind::Prescription => "prescriptions",
        ResourceKind::LabOrder => "lab orders",
        ResourceKind::LabResult => "lab results",
        ResourceKind::Appointment => "appointments",
        ResourceKind::Schedule => "schedules",
        ResourceKind::Invoice => "invoices",
        ResourceKind::Payment => "payments",
        ResourceKind::Stock => "stock",
        ResourceKind::Staff => "staff records",
        ResourceKind::UserAccount => "accounts",
        ResourceKind::AuditLog => "the audit log",
        ResourceKind::Report => "reports",
        ResourceKind::CareTeam => "care teams",
        ResourceKind::BreakGlass => "emergency access",
        ResourceKind::PriceList => "the price list",
        ResourceKind::DrugCatalog => "the drug catalog",
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::RoleAllows { role, action, resource } => {
                write!(f, "`{role}` may {action} {}", resource_words(resource))
            }
            Reason::OwnRecord { account, patient } => {
                write!(f, "account `{account}` belongs to patient `{patient}`")
            }
            Reason::Relationship {
                role,
                staff,
                patient,
                kind,
            } => write!(
                f,
                "{role} `{staff}` has an active {} relationship with patient `{patient}`",
                kind.words()
            ),
            Reason::BreakGlass {
                role,
                staff,
                patient,
                grant,
                expires_at,
            } => write!(
                f,
                "{role} `{staff}` acts under emergency access `{grant}` to patient `{patient}` until {}",
                crate::time::date_hh_mm(expires_at.naive_utc()) + " UTC"
            ),
            Reason::AllowedWhen {
                role,
                action,
                resource,
                condition,
            } => write!(
                f,
                "`{role}` may {action} {} when {condition}",
                resource_words(resource)
            ),
            Reason::Forbidden { role, action, resource } => {
                write!(f, "`{role}` may never {action} {}", resource_words(resource))
            }
            Reason::ForbiddenNotOwn { account, patient } => match patient {
                Some(p) => write!(
                    f,
                    "patient account `{account}` may only reach its own data, not that of patient `{p}`"
                ),
                None => write!(
                    f,
                    "patient account `{account}` may only reach its own data, and this request names no patient"
                ),
            },
            Reason::ForbiddenGrant { account, role } => write!(
                f,
                "account `{account}` may not grant the `{role}` role, which it does not hold"
            ),
            Reason::ForbiddenWhen {
                role,
                action,
                resource,
                condition,
            } => write!(
                f,
                "`{role}` may not {action} {} when {condition}",
                resource_words(resource)
            ),
            Reason::NoRule {
                account,
                roles,
                action,
                resource,
            } => {
                if roles.is_empty() {
                    write!(f, "account `{account}` holds no role")
                } else {
                    write!(f, "no rule lets {roles} {action} {}", resource_words(resource))
                }
            }
            Reason::NoRelationship {
                role,
                account,
                staff,
                patient,
                action,
                resource,
            } => match (staff, patient) {
                (Some(s), Some(p)) => write!(f, "{role} `{s}` has no care relationship with patient `{p}`"),
                (None, Some(p)) => write!(
                    f,
                    "account `{account}` is not linked to a member of staff, so it has no care relationship \
                     with patient `{p}`"
                ),
                (_, None) => write!(
                    f,
                    "`{role}` may {action} {} only of a named patient in their care",
                    resource_words(resource)
                ),
            },
            Reason::NotOwnRecord {
                account,
                patient,
                action,
                resource,
            } => match patient {
                Some(p) => write!(
                    f,
                    "account `{account}` may {action} only its own {}, not those of patient `{p}`",
                    resource_words(resource)
                ),
                None => write!(
                    f,
                    "account `{account}` may {action} only its own {}",
                    resource_words(resource)
                ),
            },
            Reason::NoBreakGlass {
                role,
                account,
                staff,
                patient,
            } => match (staff, patient) {
                (Some(s), Some(p)) => {
                    write!(f, "{role} `{s}` has no open emergency access to patient `{p}`")
                }
                _ => write!(f, "account `{account}` has no open emergency access to this patient"),
            },
        }
    }
}

/// The outcome of [`decide`]: allowed or not, the rule that decided, why, and whether emergency access
/// was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// The id of the rule that decided (`default-deny` when no rule allowed it).
    pub rule_id: Arc<str>,
    /// Why, as data; `reason.to_string()` is the sentence for a person.
    pub reason: Reason,
    /// Whether it was allowed only under emergency access (such accesses are flagged for review).
    pub break_glass: bool,
}

const NONE: u32 = u32::MAX;
const ALWAYS: usize = 0;
const OWN: usize = 1;
const NOT_OWN: usize = 2;
const BREAK_GLASS: usize = 3;
const GRANTS: usize = 4;
const REL: usize = 5;
const SLOTS: usize = REL + RelationshipKind::ALL.len();

/// For one effect in one bucket: the first rule (by position) for each condition slot.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Summary {
    first: [u32; SLOTS],
}

impl Summary {
    const EMPTY: Summary = Summary { first: [NONE; SLOTS] };

    fn add(&mut self, idx: u32, when: Condition) {
        let mut put = |slot: usize| {
            if let Some(s) = self.first.get_mut(slot) {
                if idx < *s {
                    *s = idx;
                }
            }
        };
        match when {
            Condition::Always => put(ALWAYS),
            Condition::OwnRecord => put(OWN),
            Condition::NotOwnRecord => put(NOT_OWN),
            Condition::BreakGlass => put(BREAK_GLASS),
            Condition::GrantsUnheldRole => put(GRANTS),
            Condition::Relationship(kinds) => {
                for k in kinds.iter() {
                    put(REL + k.index() as usize);
                }
            }
        }
    }

    #[inline]
    fn slot(&self, slot: usize) -> u32 {
        self.first.get(slot).copied().unwrap_or(NONE)
    }

    /// The first rule whose condition holds, and its slot. `break_glass` says whether to look only at
    /// the emergency-access slot (`true`) or at every other slot (`false`).
    #[inline]
    fn first_match(&self, active: &Active<'_>, break_glass: bool) -> (u32, usize) {
        if break_glass {
            return if active.grant.is_some() {
                (self.slot(BREAK_GLASS), BREAK_GLASS)
            } else {
                (NONE, BREAK_GLASS)
            };
        }
        let mut best = (self.slot(ALWAYS), ALWAYS);
        let mut consider = |slot: usize| {
            let idx = self.slot(slot);
            if idx < best.0 {
                best = (idx, slot);
            }
        };
        consider(if active.own { OWN } else { NOT_OWN });
        if active.grants_unheld {
            consider(GRANTS);
        }
        for k in active.kinds.iter() {
            consider(REL + k.index() as usize);
        }
        best
    }

    fn has_relationship_rule(&self) -> bool {
        self.first.iter().skip(REL).any(|s| *s != NONE)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Bucket {
    forbid: Summary,
    permit: Summary,
}

impl Bucket {
    const EMPTY: Bucket = Bucket {
        forbid: Summary::EMPTY,
        permit: Summary::EMPTY,
    };
}

/// What holds for one request, worked out once from the request and the facts.
struct Active<'f> {
    own: bool,
    grants_unheld: bool,
    kinds: KindSet,
    grant: Option<&'f BreakGlassGrant>,
}

/// A checked policy, indexed by (role, action, resource kind) for decisions whose cost does not grow
/// with the number of rules.
pub struct CompiledPolicy {
    policy: Policy,
    ids: Vec<Arc<str>>,
    default_deny: Arc<str>,
    buckets: Vec<Bucket>,
}

impl fmt::Debug for CompiledPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledPolicy")
            .field("rules", &self.ids.len())
            .field("settings", &self.policy.settings)
            .finish_non_exhaustive()
    }
}

#[inline]
fn bucket_index(role: Role, action: Action, resource: ResourceKind) -> usize {
    (role.index() as usize * Action::ALL.len() + action.index() as usize) * ResourceKind::ALL.len()
        + resource.index() as usize
}

impl CompiledPolicy {
    /// Checks `policy` and builds its index.
    ///
    /// # Errors
    /// [`AccessError::InvalidPolicy`] listing every problem (see [`Policy::validate`]).
    ///
    /// # Example
    /// ```
    /// use hms_core::access::{default_policy, CompiledPolicy};
    /// let policy = CompiledPolicy::compile(default_policy())?;
    /// assert!(policy.rule("doctor-treats-related-patients").is_some());
    /// # Ok::<(), hms_core::access::AccessError>(())
    /// ```
    pub fn compile(policy: Policy) -> Result<CompiledPolicy, AccessError> {
        policy.validate()?;
        Ok(Self::build(policy))
    }

    /// The built-in hospital policy ([`super::default_policy`]), compiled.
    pub fn hospital_default() -> CompiledPolicy {
        // INVARIANT: the default policy is valid (pinned by a test), so it needs no check here.
        Self::build(super::default_policy())
    }

    fn build(policy: Policy) -> CompiledPolicy {
        let mut buckets = vec![Bucket::EMPTY; Role::ALL.len() * Action::ALL.len() * ResourceKind::ALL.len()];
        let mut ids = Vec::with_capacity(policy.rules.len());
        for (i, rule) in policy.rules.iter().enumerate() {
            let idx = u32::try_from(i).unwrap_or(NONE - 1);
            ids.push(Arc::from(rule.id.as_str()));
            for role in rule.roles.iter() {
                for action in rule.actions.iter() {
                    for resource in rule.resources.iter() {
                        if let Some(b) = buckets.get_mut(bucket_index(role, action, resource)) {
                            match rule.effect {
                                Effect::Forbid => b.forbid.add(idx, rule.when),
                                Effect::Permit => b.permit.add(idx, rule.when),
                            }
                        }
                    }
                }
            }
        }
        CompiledPolicy {
            policy,
            ids,
            default_deny: Arc::from(DEFAULT_DENY),
            buckets,
        }
    }

    /// The policy this was compiled from.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The policy's settings.
    pub fn settings(&self) -> &PolicySettings {
        &self.policy.settings
    }

    /// How many rules the policy has.
    pub fn rule_count(&self) -> usize {
        self.ids.len()
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.policy.rules.iter().find(|r| r.id == id)
    }

    #[inline]
    fn bucket(&self, role: Role, action: Action, resource: ResourceKind) -> &Bucket {
        self.buckets
            .get(bucket_index(role, action, resource))
            .unwrap_or(&Bucket::EMPTY)
    }

    fn id(&self, idx: u32) -> Arc<str> {
        self.ids
            .get(idx as usize)
            .cloned()
            .unwrap_or_else(|| self.default_deny.clone())
    }

    fn rule_at(&self, idx: u32) -> Option<&Rule> {
        self.policy.rules.get(idx as usize)
    }
}

impl Default for CompiledPolicy {
    fn default() -> Self {
        Self::hospital_default()
    }
}

/// Decides a request: allowed or denied, by which rule, and why (see the module docs for the exact
/// semantics). Pure: no clock, no store, no randomness.
///
/// # Example
/// ```
/// use hms_core::access::{decide, Action, CompiledPolicy, Facts, Request, ResourceKind, Role, RoleSet, Subject};
/// use hms_core::ids::{AccountId, PatientId, StaffId};
/// # let id = |n| uuid::Uuid::from_u128(n);
/// let policy = CompiledPolicy::hospital_default();
/// let doctor = Subject {
///     account: AccountId::from_uuid(id(1)),
///     roles: RoleSet::of(&[Role::Doctor]),
///     staff: Some(StaffId::from_uuid(id(17))),
///     patient: None,
/// };
/// let request = Request::new(doctor, Action::Read, ResourceKind::MedicalRecord, Some(PatientId::from_uuid(id(42))));
/// let d = decide(&policy, &request, &Facts::default(), chrono::Utc::now());
/// assert!(!d.allowed);
/// assert_eq!(&*d.rule_id, "default-deny");
/// assert!(d.reason.to_string().starts_with("doctor `00000000-0000-0000-0000-000000000011` has no care relationship"));
/// ```
pub fn decide(policy: &CompiledPolicy, request: &Request, facts: &Facts, now: DateTime<Utc>) -> Decision {
    let s = &request.subject;
    let own = s.patient.is_some() && s.patient == request.patient;
    let mut active = Active {
        own,
        grants_unheld: !request.grants.is_subset(s.roles),
        kinds: KindSet::EMPTY,
        grant: None,
    };
    if let (Some(staff), Some(patient)) = (s.staff, request.patient) {
        for f in &facts.relationships {
            if f.staff == staff && f.patient == patient && f.is_active(now) {
                active.kinds.insert(f.kind);
            }
        }
        for g in &facts.break_glass {
            if g.staff == staff
                && g.patient == patient
                && g.is_active(now)
                && active.grant.is_none_or(|best| g.expires_at > best.expires_at)
            {
                active.grant = Some(g);
            }
        }
    }

    // 1. A forbid rule beats any permit.
    let mut forbid = (NONE, ALWAYS, Role::Admin);
    for role in s.roles.iter() {
        let (idx, slot) = policy
            .bucket(role, request.action, request.resource)
            .forbid
            .first_match(&active, false);
        let (bg_idx, _) = policy
            .bucket(role, request.action, request.resource)
            .forbid
            .first_match(&active, true);
        let (idx, slot) = if bg_idx < idx {
            (bg_idx, BREAK_GLASS)
        } else {
            (idx, slot)
        };
        if idx < forbid.0 {
            forbid = (idx, slot, role);
        }
    }
    if forbid.0 != NONE {
        let (idx, slot, role) = forbid;
        let reason = match slot {
            ALWAYS => Reason::Forbidden {
                role,
                action: request.action,
                resource: request.resource,
            },
            NOT_OWN => Reason::ForbiddenNotOwn {
                account: s.account,
                patient: request.patient,
            },
            GRANTS => Reason::ForbiddenGrant {
                account: s.account,
                role: request
                    .grants
                    .difference(s.roles)
                    .iter()
                    .next()
                    .unwrap_or(Role::Admin),
            },
            _ => Reason::ForbiddenWhen {
                role,
                action: request.action,
                resource: request.resource,
                condition: policy.rule_at(idx).map_or(Condition::Always, |r| r.when),
            },
        };
        return Decision {
            allowed: false,
            rule_id: policy.id(idx),
            reason,
            break_glass: false,
        };
    }

    // 2. A permit that needs no emergency access; 3. then one that does.
    for break_glass in [false, true] {
        let mut permit = (NONE, ALWAYS, Role::Admin);
        for role in s.roles.iter() {
            let (idx, slot) = policy
                .bucket(role, request.action, request.resource)
                .permit
                .first_match(&active, break_glass);
            if idx < permit.0 {
                permit = (idx, slot, role);
            }
        }
        if permit.0 == NONE {
            continue;
        }
        let (idx, slot, role) = permit;
        let reason = match (slot, s.staff, request.patient, active.grant) {
            (ALWAYS, ..) => Reason::RoleAllows {
                role,
                action: request.action,
                resource: request.resource,
            },
            (OWN, _, Some(patient), _) => Reason::OwnRecord {
                account: s.account,
                patient,
            },
            (BREAK_GLASS, Some(staff), Some(patient), Some(g)) => Reason::BreakGlass {
                role,
                staff,
                patient,
                grant: g.id,
                expires_at: g.expires_at,
            },
            (slot, Some(staff), Some(patient), _) if slot >= REL => Reason::Relationship {
                role,
                staff,
                patient,
                kind: RelationshipKind::ALL
                    .get(slot - REL)
                    .copied()
                    .unwrap_or(RelationshipKind::CareTeam),
            },
            _ => Reason::AllowedWhen {
                role,
                action: request.action,
                resource: request.resource,
                condition: policy.rule_at(idx).map_or(Condition::Always, |r| r.when),
            },
        };
        return Decision {
            allowed: true,
            rule_id: policy.id(idx),
            reason,
            break_glass,
        };
    }

    // 4. Deny unless allowed: say what was missing.
    Decision {
        allowed: false,
        rule_id: policy.default_deny.clone(),
        reason: explain_denial(policy, request),
        break_glass: false,
    }
}

fn explain_denial(policy: &CompiledPolicy, request: &Request) -> Reason {
    let s = &request.subject;
    let (mut relationship, mut own, mut glass) = (None, false, None);
    for role in s.roles.iter() {
        let p = &policy.bucket(role, request.action, request.resource).permit;
        if relationship.is_none() && p.has_relationship_rule() {
            relationship = Some(role);
        }
        own |= p.slot(OWN) != NONE;
        if glass.is_none() && p.slot(BREAK_GLASS) != NONE {
            glass = Some(role);
        }
    }
    if let Some(role) = relationship {
        Reason::NoRelationship {
            role,
            account: s.account,
            staff: s.staff,
            patient: request.patient,
            action: request.action,
            resource: request.resource,
        }
    } else if own {
        Reason::NotOwnRecord {
            account: s.account,
            patient: request.patient,
            action: request.action,
            resource: request.resource,
        }
    } else if let Some(role) = glass {
        Reason::NoBreakGlass {
            role,
            account: s.account,
            staff: s.staff,
            patient: request.patient,
        }
    } else {
        Reason::NoRule {
            account: s.account,
            roles: s.roles,
            action: request.action,
            resource: request.resource,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_covers_every_role_action_and_kind() {
        let last = bucket_index(
            Role::ALL[Role::ALL.len() - 1],
            Action::ALL[Action::ALL.len() - 1],
            ResourceKind::ALL[ResourceKind::ALL.len() - 1],
        );
        assert_eq!(last + 1, CompiledPolicy::hospital_default().buckets.len());
    }

    #[test]
    fn only_the_first_rule_per_condition_is_kept() {
        let mut s = Summary::EMPTY;
        s.add(7, Condition::Always);
        s.add(3, Condition::Always);
        s.add(
            5,
            Condition::Relationship(KindSet::of(&[
                RelationshipKind::CareTeam,
                RelationshipKind::Admission,
            ])),
        );
        s.add(
            9,
            Condition::Relationship(KindSet::of(&[RelationshipKind::CareTeam])),
        );
        assert_eq!(s.slot(ALWAYS), 3);
        assert_eq!(s.slot(REL + RelationshipKind::CareTeam.index() as usize), 5);
        assert_eq!(s.slot(REL + RelationshipKind::Admission.index() as usize), 5);
        assert_eq!(s.slot(REL + RelationshipKind::Appointment.index() as usize), NONE);
    }
}
