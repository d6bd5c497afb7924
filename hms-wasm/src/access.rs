//! Access decisions in the browser, **for UI hints only**: whether to show, enable or grey out a
//! button ("Open chart", "Cancel appointment", "Break the glass") before the user clicks it.
//!
//! This is never the security boundary. Code and data in a browser are in the user's hands: they can
//! change the roles, the facts, the policy or this module itself. The server decides every request
//! again with hms-core's facade (`Hospital`), from the facts in its own store, and writes the audit
//! log; what is decided here is only a forecast of that answer, as good as the facts the page holds.
//!
//! Nothing here decides a rule: the request is converted and handed to hms-core's pure `decide`, with
//! appointments turned into relationship facts by hms-core's `appointment_fact` and the policy's own
//! appointment window.

use chrono::{DateTime, Utc};
use hms_core::access::policy::PolicyDocument;
use hms_core::access::{
    appointment_fact, decide, Action, BreakGlassGrant, CompiledPolicy, Decision, Facts, Policy,
    RelationshipFact, RelationshipKind, Request, ResourceKind, Role, RoleSet, Subject,
};
use hms_core::error::ValidationError;
use hms_core::ids::{AccountId, BreakGlassId, PatientId, StaffId};
use hms_core::time::Interval;
use hms_core::Error;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::wasm_bindgen;

use crate::convert::{check_instant, Instant};

/// Declarations for TypeScript, checked against the core by the tests below.
#[cfg_attr(not(test), allow(dead_code))] // read by the section below on wasm32 and by the tests
const TS_ACCESS_TEXT: &str = r#"
/** A role an account can hold. */
export type Role =
  | "admin" | "doctor" | "nurse" | "receptionist" | "pharmacist" | "lab_technician" | "billing_clerk"
  | "patient";
/** What is being done. */
export type Action =
  | "read" | "create" | "update" | "deactivate" | "cancel" | "dispense" | "grant" | "issue" | "refund";
/** What kind of thing an action is done to. */
export type ResourceKind =
  | "patient_profile" | "medical_record" | "prescription" | "lab_order" | "lab_result" | "appointment"
  | "schedule" | "invoice" | "payment" | "stock" | "staff" | "user_account" | "audit_log" | "report"
  | "care_team" | "break_glass" | "price_list" | "drug_catalog";
/** A kind of care relationship between a member of staff and a patient. */
export type RelationshipKind = "care_team" | "appointment" | "encounter" | "admission" | "ward_assignment";
/** The access vocabulary of this build (`accessVocabulary()`), e.g. for pickers. */
export interface AccessVocabulary {
  roles: Role[];
  actions: Action[];
  resources: ResourceKind[];
  relationships: RelationshipKind[];
}
/** Who is asking: the signed-in account, its roles, and the person behind it. */
export interface AccessSubject {
  account: string;
  roles: Role[];
  /** The member of staff behind the account, if any. */
  staff?: string | null;
  /** The patient behind a patient-portal account, if any. */
  patient?: string | null;
}
/** A relationship of a member of staff with a patient over `[validFrom, validUntil)`. */
export interface RelationshipFact {
  kind: RelationshipKind;
  staff: string;
  patient: string;
  validFrom: Instant;
  /** None or left out: open-ended. */
  validUntil?: Instant | null;
}
/** Emergency access a clinician opened to one patient, over `[openedAt, expiresAt)`. */
export interface BreakGlassGrant {
  id: string;
  staff: string;
  patient: string;
  openedAt: Instant;
  expiresAt: Instant;
  /** The account that opened it; the subject's when left out. */
  account?: string | null;
  /** The clinician's reason; empty when left out. */
  reason?: string;
}
/** An appointment the page holds; it makes its doctor part of the patient's care over the policy's window. */
export interface AppointmentFact {
  doctor: string;
  patient: string;
  interval: Interval;
  /** When it was cancelled, if it was. */
  cancelledAt?: Instant | null;
}
/** What the page knows about the subject's relationships with the patient. */
export interface AccessFacts {
  relationships?: RelationshipFact[];
  breakGlass?: BreakGlassGrant[];
  appointments?: AppointmentFact[];
}
/** May `subject` do `action` to `resource` (of `patient`)? */
export interface AccessRequest {
  subject: AccessSubject;
  action: Action;
  resource: ResourceKind;
  /** The patient whose data it is, if any. */
  patient?: string | null;
  /** The roles the request gives an account (opening an account, changing roles). */
  grants?: Role[];
  facts?: AccessFacts;
  /** The current instant; milliseconds (`Date.now()`) accepted. */
  now: Instant;
}
/** Which actions may `subject` do to `resource` (of `patient`)? */
export type PermittedActionsQuery = Omit<AccessRequest, "action" | "grants">;
/** A forecast of the server's decision, for UI hints; the server decides again. */
export interface AccessDecision {
  allowed: boolean;
  /** The rule that decided (`"default-deny"` when none allowed it). */
  ruleId: string;
  /** Why, in words a person can read. */
  reason: string;
  /** Allowed only under emergency access. */
  breakGlass: boolean;
}
/** A condition of a policy rule. */
export type PolicyCondition =
  | "always" | "own_record" | "not_own_record" | "break_glass" | "grants_unheld_role"
  | { relationship: RelationshipKind[] };
/** A rule of a policy document. */
export interface PolicyRule {
  id: string;
  effect: "permit" | "forbid";
  roles: (Role | "*")[];
  actions: (Action | "*")[];
  resources: (ResourceKind | "*")[];
  when?: PolicyCondition;
  description?: string;
}
/**
 * A policy document, in the same shape (snake_case keys) as the hospital's policy file in JSON, so that
 * a server can hand its policy to the page unchanged.
 */
export interface PolicyDocument {
  settings?: {
    appointment_window?: { days_before: number; days_after: number; hours_after_cancellation: number };
    break_glass_max_minutes?: number;
  };
  rules?: PolicyRule[];
}
/** One problem of a policy document. */
export interface PolicyProblem { path: string; code: string; message: string; }
"#;
#[wasm_bindgen(typescript_custom_section)]
const TS_ACCESS: &str = TS_ACCESS_TEXT;

/// The signed-in account as the page knows it.
#[derive(Debug, Clone, Deserialize)]
pub struct SubjectDto {
    account: AccountId,
    roles: Vec<Role>,
    #[serde(default)]
    staff: Option<StaffId>,
    #[serde(default)]
    patient: Option<PatientId>,
}

/// A relationship fact with camelCase keys.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipDto {
    kind: RelationshipKind,
    staff: StaffId,
    patient: PatientId,
    valid_from: Instant,
    #[serde(default)]
    valid_until: Option<Instant>,
}

/// A break-glass grant with camelCase keys; `account` and `reason` may be left out.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BreakGlassDto {
    id: BreakGlassId,
    staff: StaffId,
    patient: PatientId,
    opened_at: Instant,
    expires_at: Instant,
    #[serde(default)]
    account: Option<AccountId>,
    #[serde(default)]
    reason: String,
}

/// An appointment that makes its doctor part of the patient's care.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentDto {
    doctor: StaffId,
    patient: PatientId,
    #[serde(deserialize_with = "crate::convert::interval")]
    interval: Interval,
    #[serde(default)]
    cancelled_at: Option<Instant>,
}

/// What the page knows about relationships.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactsDto {
    #[serde(default)]
    relationships: Vec<RelationshipDto>,
    #[serde(default)]
    break_glass: Vec<BreakGlassDto>,
    #[serde(default)]
    appointments: Vec<AppointmentDto>,
}

/// May the subject do this?
#[derive(Debug, Clone, Deserialize)]
pub struct AccessRequestDto {
    subject: SubjectDto,
    action: Action,
    resource: ResourceKind,
    #[serde(default)]
    patient: Option<PatientId>,
    #[serde(default)]
    grants: Vec<Role>,
    #[serde(default)]
    facts: FactsDto,
    now: Instant,
}

/// Which actions may the subject do?
#[derive(Debug, Clone, Deserialize)]
pub struct PermittedActionsQuery {
    subject: SubjectDto,
    resource: ResourceKind,
    #[serde(default)]
    patient: Option<PatientId>,
    #[serde(default)]
    facts: FactsDto,
    now: Instant,
}

/// hms-core's `Decision` with camelCase keys and the reason as its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDto {
    /// Whether the request would be allowed.
    pub allowed: bool,
    /// The rule that decided.
    pub rule_id: String,
    /// Why, for a person.
    pub reason: String,
    /// Whether only emergency access allows it.
    pub break_glass: bool,
}

impl From<Decision> for DecisionDto {
    fn from(d: Decision) -> Self {
        DecisionDto {
            allowed: d.allowed,
            rule_id: d.rule_id.to_string(),
            reason: d.reason.to_string(),
            break_glass: d.break_glass,
        }
    }
}

/// The vocabulary of roles, actions, resource kinds and relationship kinds, in declaration order.
#[derive(Debug, Clone, Serialize)]
pub struct Vocabulary {
    roles: Vec<&'static str>,
    actions: Vec<&'static str>,
    resources: Vec<&'static str>,
    relationships: Vec<&'static str>,
}

/// The access vocabulary this build knows.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        actions: Action::ALL.iter().map(|a| a.as_str()).collect(),
        resources: ResourceKind::ALL.iter().map(|k| k.as_str()).collect(),
        relationships: RelationshipKind::ALL.iter().map(|k| k.as_str()).collect(),
    }
}

fn check_optional(field: &str, t: Option<Instant>, e: &mut ValidationError) {
    if let Some(t) = t {
        check_instant(field, t.0, e);
    }
}

/// A compiled access policy answering UI-hint questions (see the module docs: never the security
/// boundary).
#[derive(Debug)]
pub struct Access {
    policy: CompiledPolicy,
}

impl Access {
    /// The built-in hospital policy.
    pub fn hospital_default() -> Self {
        Access {
            policy: CompiledPolicy::hospital_default(),
        }
    }

    /// A hospital's own policy document.
    ///
    /// # Errors
    /// `invalid_policy` listing every problem of the document.
    pub fn from_document(doc: &PolicyDocument) -> Result<Self, Error> {
        Ok(Access {
            policy: CompiledPolicy::compile(Policy::from_document(doc)?)?,
        })
    }

    /// How many rules the policy has.
    pub fn rule_count(&self) -> usize {
        self.policy.rule_count()
    }

    /// The subject and the facts in hms-core's types, appointments turned into relationship facts
    /// with the policy's appointment window.
    ///
    /// # Errors
    /// `invalid_input` for instants outside the years 0 to 9999 (every one named).
    fn core(&self, subject: &SubjectDto, facts: &FactsDto, now: Instant) -> Result<(Subject, Facts), Error> {
        let mut e = ValidationError::default();
        check_instant("now", now.0, &mut e);
        for (i, r) in facts.relationships.iter().enumerate() {
            check_instant(
                &format!("facts.relationships[{i}].validFrom"),
                r.valid_from.0,
                &mut e,
            );
            check_optional(
                &format!("facts.relationships[{i}].validUntil"),
                r.valid_until,
                &mut e,
            );
        }
        for (i, g) in facts.break_glass.iter().enumerate() {
            check_instant(&format!("facts.breakGlass[{i}].openedAt"), g.opened_at.0, &mut e);
            check_instant(
                &format!("facts.breakGlass[{i}].expiresAt"),
                g.expires_at.0,
                &mut e,
            );
        }
        for (i, a) in facts.appointments.iter().enumerate() {
            let f = format!("facts.appointments[{i}]");
            check_instant(&format!("{f}.interval.start"), a.interval.start(), &mut e);
            check_instant(&format!("{f}.interval.end"), a.interval.end(), &mut e);
            check_optional(&format!("{f}.cancelledAt"), a.cancelled_at, &mut e);
        }
        e.into_result()?;
        let subject = Subject {
            account: subject.account,
            roles: subject.roles.iter().copied().collect::<RoleSet>(),
            staff: subject.staff,
            patient: subject.patient,
        };
        let window = self.policy.settings().appointment_window;
        let until = |t: Option<Instant>| t.map(|t| t.0);
        let mut relationships: Vec<RelationshipFact> = facts
            .relationships
            .iter()
            .map(|r| RelationshipFact {
                kind: r.kind,
                staff: r.staff,
                patient: r.patient,
                valid_from: r.valid_from.0,
                valid_until: until(r.valid_until),
            })
            .collect();
        // INVARIANT: every instant is within the years 0 to 9999 (checked above), so the window's
        // arithmetic in `appointment_fact` (at most 2^32 days or hours) stays inside chrono's range.
        relationships.extend(facts.appointments.iter().filter_map(|a| {
            appointment_fact(a.doctor, a.patient, &a.interval, until(a.cancelled_at), &window)
        }));
        let break_glass = facts
            .break_glass
            .iter()
            .map(|g| BreakGlassGrant {
                id: g.id,
                account: g.account.unwrap_or(subject.account),
                staff: g.staff,
                patient: g.patient,
                reason: g.reason.clone(),
                opened_at: g.opened_at.0,
                expires_at: g.expires_at.0,
            })
            .collect();
        Ok((
            subject,
            Facts {
                relationships,
                break_glass,
            },
        ))
    }

    /// hms-core's decision on the request, with the facts the page holds.
    ///
    /// # Errors
    /// `invalid_input` for instants outside the years 0 to 9999.
    pub fn decide(&self, r: &AccessRequestDto) -> Result<DecisionDto, Error> {
        let (subject, facts) = self.core(&r.subject, &r.facts, r.now)?;
        let request = Request::new(subject, r.action, r.resource, r.patient)
            .granting(r.grants.iter().copied().collect());
        Ok(decide(&self.policy, &request, &facts, r.now.0).into())
    }

    /// The actions hms-core's decision would allow the subject to do to the resource, in declaration
    /// order (no role is granted by any of them).
    ///
    /// # Errors
    /// As [`Access::decide`].
    pub fn permitted_actions(&self, q: &PermittedActionsQuery) -> Result<Vec<Action>, Error> {
        let (subject, facts) = self.core(&q.subject, &q.facts, q.now)?;
        let now: DateTime<Utc> = q.now.0;
        Ok(Action::ALL
            .iter()
            .copied()
            .filter(|&action| {
                let request = Request::new(subject, action, q.resource, q.patient);
                decide(&self.policy, &request, &facts, now).allowed
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared_union;
    use chrono::Duration;

    /// A host test (plain `cargo test`): a word added to the core's access vocabulary without being
    /// declared in the TypeScript unions here fails before any wasm build.
    #[test]
    fn the_declared_unions_are_the_core_vocabulary() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        let kinds: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
        let rels: Vec<&str> = RelationshipKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(declared_union(TS_ACCESS_TEXT, "Role"), names(&roles));
        assert_eq!(declared_union(TS_ACCESS_TEXT, "Action"), names(&actions));
        assert_eq!(declared_union(TS_ACCESS_TEXT, "ResourceKind"), names(&kinds));
        assert_eq!(declared_union(TS_ACCESS_TEXT, "RelationshipKind"), names(&rels));
    }

    fn at(s: &str) -> Instant {
        Instant(s.parse().unwrap())
    }

    fn id<T: std::str::FromStr>(n: u32) -> T
    where
        T::Err: std::fmt::Debug,
    {
        format!("0190b4a0-0000-7000-8000-{n:012x}").parse().unwrap()
    }

    fn doctor() -> SubjectDto {
        SubjectDto {
            account: id(1),
            roles: vec![Role::Doctor],
            staff: Some(id(17)),
            patient: None,
        }
    }

    fn read_chart(facts: FactsDto) -> AccessRequestDto {
        AccessRequestDto {
            subject: doctor(),
            action: Action::Read,
            resource: ResourceKind::MedicalRecord,
            patient: Some(id(42)),
            grants: Vec::new(),
            facts,
            now: at("2026-03-05T12:00:00Z"),
        }
    }

    fn visit(start: &str, cancelled_at: Option<&str>) -> AppointmentDto {
        let start: DateTime<Utc> = start.parse().unwrap();
        AppointmentDto {
            doctor: id(17),
            patient: id(42),
            interval: Interval::new(start, start + Duration::minutes(30)).unwrap(),
            cancelled_at: cancelled_at.map(at),
        }
    }

    #[test]
    fn an_appointment_within_the_policys_window_lets_the_doctor_read_the_chart() {
        // The default window opens 7 days before the visit: a visit on 10 March opens the chart on
        // 3 March, so on 5 March it is open; a visit on 20 March opens it only on 13 March.
        let access = Access::hospital_default();
        let near = FactsDto {
            appointments: vec![visit("2026-03-10T09:00:00Z", None)],
            ..FactsDto::default()
        };
        let d = access.decide(&read_chart(near)).unwrap();
        assert!(d.allowed, "{d:?}");
        assert_eq!(d.rule_id, "doctor-treats-related-patients");
        let far = FactsDto {
            appointments: vec![visit("2026-03-20T09:00:00Z", None)],
            ..FactsDto::default()
        };
        let d = access.decide(&read_chart(far)).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.rule_id, "default-deny");
    }

    #[test]
    fn a_policy_with_a_longer_window_is_used_for_appointments() {
        // The same visit on 20 March, with a window of 30 days before the visit: the chart is open.
        let mut doc = hms_core::access::default_policy().to_document();
        doc.settings.appointment_window.days_before = 30;
        let access = Access::from_document(&doc).unwrap();
        assert_eq!(access.rule_count(), Access::hospital_default().rule_count());
        let facts = FactsDto {
            appointments: vec![visit("2026-03-20T09:00:00Z", None)],
            ..FactsDto::default()
        };
        assert!(access.decide(&read_chart(facts)).unwrap().allowed);
    }

    #[test]
    fn a_far_instant_is_invalid_input_naming_it() {
        // Year 200,000: the window arithmetic would overflow chrono's range.
        let far = Instant(DateTime::from_timestamp(6_250_000_000_000, 0).unwrap());
        let mut a = visit("2026-03-10T09:00:00Z", None);
        a.cancelled_at = Some(far);
        let facts = FactsDto {
            appointments: vec![a],
            ..FactsDto::default()
        };
        let e = Access::hospital_default().decide(&read_chart(facts)).unwrap_err();
        let Error::Validation(v) = &e else {
            panic!("expected invalid input, got {e:?}")
        };
        let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["facts.appointments[0].cancelledAt"]);
    }

    #[test]
    fn permitted_actions_are_those_decide_allows() {
        // A receptionist may book and cancel appointments (and read them as staff), not dispense.
        let access = Access::hospital_default();
        let q = PermittedActionsQuery {
            subject: SubjectDto {
                account: id(2),
                roles: vec![Role::Receptionist],
                staff: Some(id(18)),
                patient: None,
            },
            resource: ResourceKind::Appointment,
            patient: Some(id(42)),
            facts: FactsDto::default(),
            now: at("2026-03-05T12:00:00Z"),
        };
        let permitted = access.permitted_actions(&q).unwrap();
        for action in Action::ALL {
            let d = access
                .decide(&AccessRequestDto {
                    subject: q.subject.clone(),
                    action,
                    resource: q.resource,
                    patient: q.patient,
                    grants: Vec::new(),
                    facts: FactsDto::default(),
                    now: q.now,
                })
                .unwrap();
            assert_eq!(permitted.contains(&action), d.allowed, "{action}");
        }
        assert!(permitted.contains(&Action::Create));
        assert!(!permitted.contains(&Action::Dispense));
    }
}
