//! The policy as data: rules a hospital can read, change, load from TOML or JSON, and have validated.
//!
//! A rule says: **effect** (permit or forbid) for any subject holding one of **roles**, doing one of
//! **actions** to one of **resources**, **when** a condition holds. Conditions are the relationship
//! vocabulary of the engine:
//!
//! | `when` | holds when |
//! |---|---|
//! | `always` | always |
//! | `own_record` | the subject is the patient the request concerns |
//! | `not_own_record` | the request does not concern the subject's own patient record (or names no patient) |
//! | `{ relationship = ["care_team", "appointment"] }` | the subject's staff record has an active fact of one of these kinds with the patient |
//! | `break_glass` | the subject holds an open emergency-access grant for the patient |
//! | `grants_unheld_role` | the request gives an account a role the subject does not hold |
//!
//! In a document, `"*"` in `roles`, `actions` or `resources` means all of them. A document is checked
//! whole: every unknown name, duplicate id and out-of-range setting is reported at once, with its path.
//!
//! ```
//! use hms_core::access::{CompiledPolicy, Policy};
//! let text = r#"
//! [settings]
//! break_glass_max_minutes = 120
//!
//! [[rules]]
//! id = "desk-registers-patients"
//! effect = "permit"
//! roles = ["receptionist"]
//! actions = ["read", "create", "update"]
//! resources = ["patient_profile"]
//!
//! [[rules]]
//! id = "doctor-treats-related-patients"
//! effect = "permit"
//! roles = ["doctor"]
//! actions = ["read", "update"]
//! resources = ["medical_record"]
//! when = { relationship = ["care_team", "appointment"] }
//! "#;
//! let policy = CompiledPolicy::compile(Policy::from_toml(text)?)?;
//! assert_eq!(policy.rule_count(), 2);
//!
//! let bad = Policy::from_toml(&text.replace("\"doctor\"", "\"surgeon\"").replace("\"update\"]", "\"mend\"]"));
//! let message = bad.unwrap_err().to_string();
//! assert!(message.contains("unknown role `surgeon`") && message.contains("unknown action `mend`"));
//! # Ok::<(), hms_core::Error>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::relationship::{AppointmentWindow, KindSet, RelationshipKind};
use super::{AccessError, Action, ActionSet, ResourceKind, ResourceSet, Role, RoleSet};

/// Whether a rule permits or forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Allows the request (unless a forbid rule also matches).
    Permit,
    /// Denies the request, whatever permits it.
    Forbid,
}

impl Effect {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Forbid => "forbid",
        }
    }
}

/// When a rule applies, beyond its roles, actions and resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Condition {
    /// Always.
    Always,
    /// The subject is the patient the request concerns.
    OwnRecord,
    /// The request does not concern the subject's own patient record (or names no patient).
    NotOwnRecord,
    /// The subject's staff record has an active relationship of one of these kinds with the patient.
    Relationship(KindSet),
    /// The subject holds an open emergency-access grant for the patient.
    BreakGlass,
    /// The request gives an account a role the subject does not hold.
    GrantsUnheldRole,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Always => f.write_str("always"),
            Condition::OwnRecord => f.write_str("own_record"),
            Condition::NotOwnRecord => f.write_str("not_own_record"),
            Condition::Relationship(kinds) => write!(f, "relationship {kinds}"),
            Condition::BreakGlass => f.write_str("break_glass"),
            Condition::GrantsUnheldRole => f.write_str("grants_unheld_role"),
        }
    }
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// A stable id (lower-case letters, digits, `-`, `_`, `.`), quoted in every decision it makes.
    pub id: String,
    /// Permit or forbid.
    pub effect: Effect,
    /// The rule applies to subjects holding any of these roles.
    pub roles: RoleSet,
    /// … doing any of these actions …
    pub actions: ActionSet,
    /// … to any of these kinds of resource …
    pub resources: ResourceSet,
    /// … when this holds.
    pub when: Condition,
    /// What the rule is for, in words.
    pub description: String,
}

/// Settings of the access policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// How long an appointment makes its doctor part of the patient's care.
    pub appointment_window: AppointmentWindow,
    /// The longest emergency access a clinician may open at once, in minutes (1 to 1440).
    pub break_glass_max_minutes: u32,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            appointment_window: AppointmentWindow::default(),
            break_glass_max_minutes: 240,
        }
    }
}

/// A whole policy: settings and rules, in order (order only decides which rule is quoted when several
/// match).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The settings.
    pub settings: PolicySettings,
    /// The rules.
    pub rules: Vec<Rule>,
}

/// The most rules one policy may hold.
pub const MAX_RULES: usize = 100_000;

/// The id quoted when no rule allows a request.
pub const DEFAULT_DENY: &str = "default-deny";

/// What is wrong with one part of a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicyProblemCode {
    /// The text is not valid TOML or JSON of the policy's shape.
    Syntax,
    /// A role name that does not exist.
    UnknownRole,
    /// An action name that does not exist.
    UnknownAction,
    /// A resource-kind name that does not exist.
    UnknownResource,
    /// A relationship-kind name that does not exist.
    UnknownRelationship,
    /// A condition name that does not exist.
    UnknownCondition,
    /// An effect other than `permit` or `forbid`.
    UnknownEffect,
    /// A rule id that another rule already has.
    DuplicateRuleId,
    /// A rule id that is blank, too long, reserved or has other characters than `a-z 0-9 - _ .`.
    InvalidRuleId,
    /// A list that must name at least one value is empty.
    Empty,
    /// A number outside its allowed range, or too many rules.
    OutOfRange,
}

impl PolicyProblemCode {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyProblemCode::Syntax => "syntax",
            PolicyProblemCode::UnknownRole => "unknown_role",
            PolicyProblemCode::UnknownAction => "unknown_action",
            PolicyProblemCode::UnknownResource => "unknown_resource",
            PolicyProblemCode::UnknownRelationship => "unknown_relationship",
            PolicyProblemCode::UnknownCondition => "unknown_condition",
            PolicyProblemCode::UnknownEffect => "unknown_effect",
            PolicyProblemCode::DuplicateRuleId => "duplicate_rule_id",
            PolicyProblemCode::InvalidRuleId => "invalid_rule_id",
            PolicyProblemCode::Empty => "empty",
            PolicyProblemCode::OutOfRange => "out_of_range",
        }
    }
}

/// One problem of a policy document: where, what, and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyProblem {
    /// Where, e.g. `rules[3].roles[1]` or `settings.break_glass_max_minutes`.
    pub path: String,
    /// What is wrong.
    pub code: PolicyProblemCode,
    /// A plain-language message.
    pub message: String,
}

#[derive(Default)]
struct Problems(Vec<PolicyProblem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, code: PolicyProblemCode, message: impl Into<String>) {
        self.0.push(PolicyProblem {
            path: path.into(),
            code,
            message: message.into(),
        });
    }

    fn into_result(self) -> Result<(), AccessError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AccessError::InvalidPolicy { problems: self.0 })
        }
    }
}

/// A policy as written in TOML or JSON: names as text, checked by [`Policy::from_document`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// The settings (defaults when left out).
    #[serde(default)]
    pub settings: PolicySettings,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<RuleDocument>,
}

/// A rule as written in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDocument {
    /// The rule's id.
    pub id: String,
    /// `permit` or `forbid`.
    pub effect: String,
    /// Role names, or `"*"`.
    pub roles: Vec<String>,
    /// Action names, or `"*"`.
    pub actions: Vec<String>,
    /// Resource-kind names, or `"*"`.
    pub resources: Vec<String>,
    /// The condition (`always` when left out).
    #[serde(default)]
    pub when: ConditionDocument,
    /// What the rule is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A condition as written in a document: a name, or a table naming relationship kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConditionDocument {
    /// `always`, `own_record`, `not_own_record`, `break_glass` or `grants_unheld_role`.
    Name(String),
    /// `{ relationship = ["care_team", …] }`.
    Relationship {
        /// Relationship-kind names.
        relationship: Vec<String>,
    },
}

impl Default for ConditionDocument {
    fn default() -> Self {
        ConditionDocument::Name("always".into())
    }
}

fn parse_list<T: Copy, S: FromIterator<T>>(
    path: &str,
    names: &[String],
    what: &str,
    code: PolicyProblemCode,
    parse: impl Fn(&str) -> Option<T>,
    all: &[T],
    problems: &mut Problems,
) -> S {
    if names.is_empty() {
        problems.push(
            path,
            PolicyProblemCode::Empty,
            format!("the rule names no {what}"),
        );
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name == "*" {
            out.extend_from_slice(all);
        } else if let Some(v) = parse(name) {
            out.push(v);
        } else {
            problems.push(format!("{path}[{i}]"), code, format!("unknown {what} `{name}`"));
        }
    }
    out.into_iter().collect()
}

fn check_rule_id(path: &str, id: &str, problems: &mut Problems) {
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if id.is_empty() || id.len() > 100 || !ok_chars {
        problems.push(
            path,
            PolicyProblemCode::InvalidRuleId,
            format!("`{id}` is not a rule id (1 to 100 lower-case letters, digits, `-`, `_`, `.`)"),
        );
    } else if id == DEFAULT_DENY {
        problems.push(
            path,
            PolicyProblemCode::InvalidRuleId,
            format!("`{DEFAULT_DENY}` is reserved for requests no rule allows"),
        );
    }
}

fn check_settings(s: &PolicySettings, problems: &mut Problems) {
    let w = &s.appointment_window;
    for (name, value, max) in [
        ("days_before", w.days_before, 3650),
        ("days_after", w.days_after, 3650),
        ("hours_after_cancellation", w.hours_after_cancellation, 24 * 365),
    ] {
        if value > max {
            problems.push(
                format!("settings.appointment_window.{name}"),
                PolicyProblemCode::OutOfRange,
                format!("`{value}` is more than {max}"),
            );
        }
    }
    if !(1..=1440).contains(&s.break_glass_max_minutes) {
        problems.push(
            "settings.break_glass_max_minutes",
            PolicyProblemCode::OutOfRange,
            format!(
                "emergency access lasts from 1 to 1440 minutes, not `{}`",
                s.break_glass_max_minutes
            ),
        );
    }
}

impl Policy {
    /// Checks a typed policy: unique well-formed rule ids, non-empty role/action/resource sets and
    /// relationship lists, settings in range, at most [`MAX_RULES`] rules.
    ///
    /// # Errors
    /// [`AccessError::InvalidPolicy`] listing every problem.
    pub fn validate(&self) -> Result<(), AccessError> {
        let mut problems = Problems::default();
        self.check(&mut problems);
        problems.into_result()
    }

    fn check(&self, problems: &mut Problems) {
        check_settings(&self.settings, problems);
        if self.rules.len() > MAX_RULES {
            problems.push(
                "rules",
                PolicyProblemCode::OutOfRange,
                format!(
                    "a policy holds at most {MAX_RULES} rules, not {}",
                    self.rules.len()
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            check_rule_id(&format!("{at}.id"), &r.id, problems);
            if !seen.insert(r.id.as_str()) {
                problems.push(
                    format!("{at}.id"),
                    PolicyProblemCode::DuplicateRuleId,
                    format!("rule id `{}` is used twice", r.id),
                );
            }
            for (field, empty) in [
                ("roles", r.roles.is_empty()),
                ("actions", r.actions.is_empty()),
                ("resources", r.resources.is_empty()),
            ] {
                if empty {
                    problems.push(
                        format!("{at}.{field}"),
                        PolicyProblemCode::Empty,
                        format!("the rule names no {}", field.trim_end_matches('s')),
                    );
                }
            }
            if matches!(r.when, Condition::Relationship(k) if k.is_empty()) {
                problems.push(
                    format!("{at}.when.relationship"),
                    PolicyProblemCode::Empty,
                    "the condition names no relationship kind",
                );
            }
            if r.description.chars().count() > 500 {
                problems.push(
                    format!("{at}.description"),
                    PolicyProblemCode::OutOfRange,
                    "a description is at most 500 characters",
                );
            }
        }
    }

    /// Turns a document into a policy, checking everything at once.
    ///
    /// # Errors
    /// [`AccessError::InvalidPolicy`] listing every unknown name, duplicate id, empty list and bad
    /// setting, with its path.
    pub fn from_document(doc: &PolicyDocument) -> Result<Policy, AccessError> {
        let mut problems = Problems::default();
        let mut rules = Vec::with_capacity(doc.rules.len());
        for (i, r) in doc.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            let effect = match r.effect.as_str() {
                "permit" => Effect::Permit,
                "forbid" => Effect::Forbid,
                other => {
                    problems.push(
                        format!("{at}.effect"),
                        PolicyProblemCode::UnknownEffect,
                        format!("unknown effect `{other}` (`permit` or `forbid`)"),
                    );
                    Effect::Forbid
                }
            };
            let roles: RoleSet = parse_list(
                &format!("{at}.roles"),
                &r.roles,
                "role",
                PolicyProblemCode::UnknownRole,
                Role::from_name,
                &Role::ALL,
                &mut problems,
            );
            let actions: ActionSet = parse_list(
                &format!("{at}.actions"),
                &r.actions,
                "action",
                PolicyProblemCode::UnknownAction,
                Action::from_name,
                &Action::ALL,
                &mut problems,
            );
            let resources: ResourceSet = parse_list(
                &format!("{at}.resources"),
                &r.resources,
                "resource",
                PolicyProblemCode::UnknownResource,
                ResourceKind::from_name,
                &ResourceKind::ALL,
                &mut problems,
            );
            let when = match &r.when {
                ConditionDocument::Name(n) => match n.as_str() {
                    "always" => Condition::Always,
                    "own_record" => Condition::OwnRecord,
                    "not_own_record" => Condition::NotOwnRecord,
                    "break_glass" => Condition::BreakGlass,
                    "grants_unheld_role" => Condition::GrantsUnheldRole,
                    other => {
                        problems.push(
                            format!("{at}.when"),
                            PolicyProblemCode::UnknownCondition,
                            format!("unknown condition `{other}`"),
                        );
                        Condition::Always
                    }
                },
                ConditionDocument::Relationship { relationship } => Condition::Relationship(parse_list(
                    &format!("{at}.when.relationship"),
                    relationship,
                    "relationship",
                    PolicyProblemCode::UnknownRelationship,
                    RelationshipKind::from_name,
                    &RelationshipKind::ALL,
                    &mut problems,
                )),
            };
            rules.push(Rule {
                id: r.id.clone(),
                effect,
                roles,
                actions,
                resources,
                when,
                description: r.description.clone(),
            });
        }
        let policy = Policy {
            settings: doc.settings,
            rules,
        };
        // Typed checks too, but without repeating "names no role" for a list of unknown names only.
        let mut typed = Problems::default();
        policy.check(&mut typed);
        for p in typed.0 {
            let already = problems
                .0
                .iter()
                .any(|q| q.path.starts_with(&p.path) && p.code == PolicyProblemCode::Empty);
            if !already {
                problems.0.push(p);
            }
        }
        // Stable, by insertion: a document has a handful of problems, and the standard library's
        // stable sort for them was 9 KB of the browser module.
        let mut sorted: Vec<PolicyProblem> = Vec::with_capacity(problems.0.len());
        for p in problems.0 {
            let key = natural_path_key(&p.path);
            let at = sorted.partition_point(|q| natural_path_key(&q.path) <= key);
            sorted.insert(at, p);
        }
        Problems(sorted).into_result()?;
        Ok(policy)
    }

    /// The policy as a document (names as text), ready to be written as TOML or JSON.
    pub fn to_document(&self) -> PolicyDocument {
        let names = |it: &mut dyn Iterator<Item = &'static str>| it.map(str::to_owned).collect::<Vec<_>>();
        PolicyDocument {
            settings: self.settings,
            rules: self
                .rules
                .iter()
                .map(|r| RuleDocument {
                    id: r.id.clone(),
                    effect: r.effect.as_str().to_owned(),
                    roles: names(&mut r.roles.iter().map(|x| x.as_str())),
                    actions: names(&mut r.actions.iter().map(|x| x.as_str())),
                    resources: names(&mut r.resources.iter().map(|x| x.as_str())),
                    when: match r.when {
                        Condition::Always => ConditionDocument::Name("always".into()),
                        Condition::OwnRecord => ConditionDocument::Name("own_record".into()),
                        Condition::NotOwnRecord => ConditionDocument::Name("not_own_record".into()),
                        Condition::BreakGlass => ConditionDocument::Name("break_glass".into()),
                        Condition::GrantsUnheldRole => ConditionDocument::Name("grants_unheld_role".into()),
                        Condition::Relationship(k) => ConditionDocument::Relationship {
                            relationship: names(&mut k.iter().map(|x| x.as_str())),
                        },
                    },
                    description: r.description.clone(),
                })
                .collect(),
        }
    }

    /// Reads and checks a policy written in JSON.
    ///
    /// # Errors
    /// [`AccessError::InvalidPolicy`]: a `syntax` problem for text that is not a policy document,
    /// otherwise every problem [`Policy::from_document`] finds.
    pub fn from_json(text: &str) -> Result<Policy, AccessError> {
        let doc: PolicyDocument = serde_json::from_str(text).map_err(|e| syntax_error(e.to_string()))?;
        Policy::from_document(&doc)
    }

    /// Reads and checks a policy written in TOML.
    ///
    /// # Errors
    /// As [`Policy::from_json`].
    pub fn from_toml(text: &str) -> Result<Policy, AccessError> {
        let doc: PolicyDocument = toml::from_str(text).map_err(|e| syntax_error(e.message().to_owned()))?;
        Policy::from_document(&doc)
    }

    /// The policy as pretty JSON.
    ///
    /// # Errors
    /// None in practice; a serializer failure is reported as a `syntax` problem.
    pub fn to_json(&self) -> Result<String, AccessError> {
        serde_json::to_string_pretty(&self.to_document()).map_err(|e| syntax_error(e.to_string()))
    }

    /// The policy as TOML.
    ///
    /// # Errors
    /// None in practice; a serializer failure is reported as a `syntax` problem.
    pub fn to_toml(&self) -> Result<String, AccessError> {
        toml::to_string(&self.to_document()).map_err(|e| syntax_error(e.to_string()))
    }
}

fn syntax_error(message: String) -> AccessError {
    let first_line = message.lines().next().unwrap_or("").trim().to_owned();
    AccessError::InvalidPolicy {
        problems: vec![PolicyProblem {
            path: String::new(),
            code: PolicyProblemCode::Syntax,
            message: first_line,
        }],
    }
}

/// Sorts `rules[10]` after `rules[9]`.
fn natural_path_key(path: &str) -> Vec<(u64, String)> {
    path.split('[')
        .map(|part| {
            let (num, rest) = part.split_once(']').unwrap_or(("", part));
            (num.parse().unwrap_or(0), rest.to_owned())
        })
        .collect()
}

fn rule(
    id: &str,
    effect: Effect,
    roles: &[Role],
    actions: &[Action],
    resources: &[ResourceKind],
    when: Condition,
    description: &str,
) -> Rule {
    Rule {
        id: id.to_owned(),
        effect,
        roles: RoleSet::of(roles),
        actions: ActionSet::of(actions),
        resources: ResourceSet::of(resources),
        when,
        description: description.to_owned(),
    }
}

/// The hospital policy that ships built in. Export it with [`Policy::to_toml`] to start a hospital's
/// own.
///
/// In words:
/// - **forbid**: no one changes the audit log; a patient account reaches no other patient's data;
///   no one grants a role they do not hold;
/// - **doctors** keep their own schedule (working hours, leave) and record the outcome of their own
///   visits (seen, not seen);
/// - **admins** manage staff, accounts and roles, care teams and schedules, do registration work on
///   patient profiles, and read the audit log and reports — but not clinical records;
/// - **receptionists** register patients, book and cancel appointments, and add or end care-team links
///   (the front desk assigns the attending doctor);
/// - **all staff** read patient profiles (demographics they need for their work) and the staff
///   directory;
/// - **doctors** read, write and cancel medical records, prescriptions and lab orders/results of
///   patients with whom they have an active care-team link, appointment, encounter or admission; a
///   doctor on a patient's care team may add colleagues to it;
/// - **nurses** read the clinical records of patients on their care team (or ward, when wards land);
/// - **doctors and nurses** may open emergency access, and under it do what their relationship rule
///   would let them do;
/// - **pharmacists** read and dispense prescriptions (not medical records), manage stock (orders,
///   receipts, recalls, transfers, adjustments, write-offs, reservations), sell over the counter,
///   take returns and keep the drug catalog; **no one else dispenses** (no other rule permits it);
///   all staff read the drug catalog, and doctors and nurses read stock levels;
///   **lab technicians** work lab orders and results;
/// - **billing clerks** handle invoices (charge, discount, issue, void, credit), payments and refunds,
///   and keep the price list and coverage plans (not clinical notes); **admins** may stand in for
///   them; the **front desk** charges visits and takes payments but issues, voids and refunds
///   nothing; **nurses, pharmacists and the lab** charge the services they give without seeing bills;
///   all staff read the price list; doctors neither bill nor take payments;
/// - **patients** read and update their own profile, read their own records, invoices, payments and
///   access report, pay their own bills, and book and cancel their own appointments.
pub fn default_policy() -> Policy {
    use Action::*;
    use Effect::{Forbid, Permit};
    use ResourceKind as K;
    use Role::*;

    let clinical = [K::MedicalRecord, K::Prescription, K::LabOrder, K::LabResult];
    let patient_data: Vec<ResourceKind> = ResourceKind::ALL
        .iter()
        .copied()
        .filter(|k| k.is_patient_data() || *k == K::AuditLog)
        .collect();
    let all_actions = Action::ALL;
    let staff_roles = [
        Admin,
        Doctor,
        Nurse,
        Receptionist,
        Pharmacist,
        LabTechnician,
        BillingClerk,
    ];
    let treating = KindSet::of(&[
        RelationshipKind::CareTeam,
        RelationshipKind::Appointment,
        RelationshipKind::Encounter,
        RelationshipKind::Admission,
    ]);
    let nursing = KindSet::of(&[RelationshipKind::CareTeam, RelationshipKind::WardAssignment]);
    let team = KindSet::of(&[RelationshipKind::CareTeam]);

    Policy {
        settings: PolicySettings::default(),
        rules: vec![
            rule(
                "audit-log-is-append-only",
                Forbid,
                &Role::ALL,
                &[Create, Update, Deactivate, Cancel, Dispense, Grant, Issue, Refund],
                &[K::AuditLog],
                Condition::Always,
                "the audit log is written by the system alone and never changed",
            ),
            rule(
                "patients-reach-only-their-own-data",
                Forbid,
                &[Patient],
                &all_actions,
                &patient_data,
                Condition::NotOwnRecord,
                "a patient account never reaches another patient's data",
            ),
            rule(
                "no-grant-beyond-own-roles",
                Forbid,
                &Role::ALL,
                &[Create, Grant],
                &[K::UserAccount],
                Condition::GrantsUnheldRole,
                "no one may grant a role they do not hold",
            ),
            rule(
                "admin-manages-staff",
                Permit,
                &[Admin],
                &[Read, Create, Update, Deactivate],
                &[K::Staff],
                Condition::Always,
                "admins hire staff and keep their records",
            ),
            rule(
                "admin-manages-accounts",
                Permit,
                &[Admin],
                &[Read, Create, Update, Deactivate, Grant],
                &[K::UserAccount],
                Condition::Always,
                "only admins manage accounts and roles",
            ),
            rule(
                "admin-registers-patients",
                Permit,
                &[Admin],
                &[Read, Create, Update, Deactivate],
                &[K::PatientProfile],
                Condition::Always,
                "admins may do registration work on patient profiles",
            ),
            rule(
                "admin-reads-audit-log-and-reports",
                Permit,
                &[Admin],
                &[Read],
                &[K::AuditLog, K::Report],
                Condition::Always,
                "admins review the audit log and read reports",
            ),
            rule(
                "admin-manages-care-teams-and-schedules",
                Permit,
                &[Admin],
                &[Read, Create, Update, Deactivate],
                &[K::CareTeam, K::Schedule],
                Condition::Always,
                "admins keep care teams and schedules",
            ),
            rule(
                "doctor-keeps-own-schedule",
                Permit,
                &[Doctor],
                &[Update],
                &[K::Schedule],
                Condition::Always,
                "a doctor keeps their own working hours and leave (the facade checks the schedule is theirs)",
            ),
            rule(
                "doctor-records-own-visits",
                Permit,
                &[Doctor],
                &[Update],
                &[K::Appointment],
                Condition::Relationship(KindSet::of(&[RelationshipKind::Appointment])),
                "a doctor records how their own visits went (seen, not seen)",
            ),
            rule(
                "desk-registers-patients",
                Permit,
                &[Receptionist],
                &[Read, Create, Update, Deactivate],
                &[K::PatientProfile],
                Condition::Always,
                "the front desk registers patients and keeps their details",
            ),
            rule(
                "desk-books-appointments",
                Permit,
                &[Receptionist],
                &[Read, Create, Update, Cancel],
                &[K::Appointment],
                Condition::Always,
                "the front desk books and cancels appointments",
            ),
            rule(
                "desk-assigns-care-teams",
                Permit,
                &[Receptionist],
                &[Read, Create, Deactivate],
                &[K::CareTeam],
                Condition::Always,
                "the front desk assigns the attending doctor and nurses",
            ),
            rule(
                "staff-read-patient-profiles",
                Permit,
                &[Doctor, Nurse, Pharmacist, LabTechnician, BillingClerk],
                &[Read],
                &[K::PatientProfile],
                Condition::Always,
                "staff read the demographics their work needs; clinical data needs more",
            ),
            rule(
                "staff-read-directory-and-schedules",
                Permit,
                &staff_roles,
                &[Read],
                &[K::Staff, K::Schedule],
                Condition::Always,
                "staff see who works here and when",
            ),
            rule(
                "clinicians-read-appointments",
                Permit,
                &[Doctor, Nurse, BillingClerk],
                &[Read],
                &[K::Appointment],
                Condition::Always,
                "clinic lists and billing need the day's appointments",
            ),
            rule(
                "doctor-treats-related-patients",
                Permit,
                &[Doctor],
                &[Read, Create, Update, Cancel],
                &clinical,
                Condition::Relationship(treating),
                "a doctor works on the records of patients in their care",
            ),
            rule(
                "doctor-extends-own-care-team",
                Permit,
                &[Doctor],
                &[Read, Create],
                &[K::CareTeam],
                Condition::Relationship(team),
                "a doctor on a patient's care team may add colleagues to it",
            ),
            rule(
                "nurse-reads-care-team-patients",
                Permit,
                &[Nurse],
                &[Read],
                &[
                    K::MedicalRecord,
                    K::Prescription,
                    K::LabOrder,
                    K::LabResult,
                    K::CareTeam,
                ],
                Condition::Relationship(nursing),
                "a nurse reads the records of patients on their care team",
            ),
            rule(
                "clinicians-open-emergency-access",
                Permit,
                &[Doctor, Nurse],
                &[Create],
                &[K::BreakGlass],
                Condition::Always,
                "a clinician may break the glass, giving a reason",
            ),
            rule(
                "doctor-emergency-access",
                Permit,
                &[Doctor],
                &[Read, Create, Update],
                &clinical,
                Condition::BreakGlass,
                "under emergency access a doctor treats without a prior relationship",
            ),
            rule(
                "nurse-emergency-access",
                Permit,
                &[Nurse],
                &[Read],
                &clinical,
                Condition::BreakGlass,
                "under emergency access a nurse reads without a prior relationship",
            ),
            rule(
                "pharmacist-dispenses-prescriptions",
                Permit,
                &[Pharmacist],
                &[Read, Dispense],
                &[K::Prescription],
                Condition::Always,
                "a pharmacist sees prescriptions, not diagnoses",
            ),
            rule(
                "pharmacist-keeps-stock",
                Permit,
                &[Pharmacist],
                &[Read, Create, Update],
                &[K::Stock],
                Condition::Always,
                "pharmacists keep the stock",
            ),
            rule(
                "pharmacist-hands-out-stock",
                Permit,
                &[Pharmacist],
                &[Dispense],
                &[K::Stock],
                Condition::Always,
                "a pharmacist sells over the counter and takes dispensed medicine back",
            ),
            rule(
                "pharmacist-keeps-drug-catalog",
                Permit,
                &[Pharmacist],
                &[Read, Create, Update, Deactivate],
                &[K::DrugCatalog],
                Condition::Always,
                "pharmacists keep the drug catalog and its reorder levels",
            ),
            rule(
                "staff-read-drug-catalog",
                Permit,
                &staff_roles,
                &[Read],
                &[K::DrugCatalog],
                Condition::Always,
                "staff see which medicines the pharmacy carries",
            ),
            rule(
                "clinicians-read-stock",
                Permit,
                &[Doctor, Nurse],
                &[Read],
                &[K::Stock],
                Condition::Always,
                "doctors and nurses check what is in stock before they prescribe or order",
            ),
            rule(
                "lab-works-orders",
                Permit,
                &[LabTechnician],
                &[Read, Update],
                &[K::LabOrder],
                Condition::Always,
                "the lab works the orders it receives",
            ),
            rule(
                "lab-reports-results",
                Permit,
                &[LabTechnician],
                &[Read, Create, Update],
                &[K::LabResult],
                Condition::Always,
                "the lab enters and corrects results",
            ),
            rule(
                "billing-handles-invoices",
                Permit,
                &[BillingClerk],
                &[Read, Create, Update, Cancel, Issue],
                &[K::Invoice],
                Condition::Always,
                "billing charges, discounts, issues, voids and credits invoices, without clinical notes",
            ),
            rule(
                "billing-takes-payments",
                Permit,
                &[BillingClerk],
                &[Read, Create, Refund],
                &[K::Payment],
                Condition::Always,
                "billing records payments and refunds them",
            ),
            rule(
                "billing-keeps-price-list",
                Permit,
                &[BillingClerk],
                &[Read, Update],
                &[K::PriceList],
                Condition::Always,
                "billing keeps the prices and the insurance coverage plans",
            ),
            rule(
                "admin-runs-billing",
                Permit,
                &[Admin],
                &[Read, Create, Update, Cancel, Issue, Refund],
                &[K::Invoice, K::Payment, K::PriceList],
                Condition::Always,
                "admins can stand in for billing: invoices, payments, refunds and prices",
            ),
            rule(
                "desk-charges-visits-and-takes-payments",
                Permit,
                &[Receptionist],
                &[Read, Create],
                &[K::Invoice, K::Payment],
                Condition::Always,
                "the front desk charges visits and takes payments, but issues, voids and refunds nothing",
            ),
            rule(
                "service-staff-charge-their-services",
                Permit,
                &[Nurse, Pharmacist, LabTechnician],
                &[Create],
                &[K::Invoice],
                Condition::Always,
                "the ward, the pharmacy and the lab charge the services they give, and see no bills",
            ),
            rule(
                "staff-read-price-list",
                Permit,
                &staff_roles,
                &[Read],
                &[K::PriceList],
                Condition::Always,
                "staff look up prices",
            ),
            rule(
                "billing-reads-reports",
                Permit,
                &[BillingClerk],
                &[Read],
                &[K::Report],
                Condition::Always,
                "billing reads revenue and dues reports",
            ),
            rule(
                "patient-keeps-own-profile",
                Permit,
                &[Patient],
                &[Read, Update],
                &[K::PatientProfile],
                Condition::OwnRecord,
                "a patient reads and updates their own details",
            ),
            rule(
                "patient-reads-own-records",
                Permit,
                &[Patient],
                &[Read],
                &[
                    K::MedicalRecord,
                    K::Prescription,
                    K::LabResult,
                    K::Invoice,
                    K::Payment,
                    K::CareTeam,
                    K::AuditLog,
                ],
                Condition::OwnRecord,
                "a patient reads their own records, bills and who accessed them",
            ),
            rule(
                "patient-pays-own-bills",
                Permit,
                &[Patient],
                &[Create],
                &[K::Payment],
                Condition::OwnRecord,
                "a patient pays their own bills (at the portal, through the payment gateway)",
            ),
            rule(
                "patient-books-own-appointments",
                Permit,
                &[Patient],
                &[Read, Create, Cancel],
                &[K::Appointment],
                Condition::OwnRecord,
                "a patient books and cancels only their own appointments",
            ),
            rule(
                "patient-reads-directory-and-schedules",
                Permit,
                &[Patient],
                &[Read],
                &[K::Staff, K::Schedule],
                Condition::Always,
                "a patient sees doctors and free times to book",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_round_trips_through_toml_and_json() {
        let p = default_policy();
        p.validate().unwrap();
        let toml_text = p.to_toml().unwrap();
        assert_eq!(Policy::from_toml(&toml_text).unwrap(), p);
        let json_text = p.to_json().unwrap();
        assert_eq!(Policy::from_json(&json_text).unwrap(), p);
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let text = r#"{
            "settings": { "break_glass_max_minutes": 0 },
            "rules": [
                { "id": "a", "effect": "permit", "roles": ["surgeon", "doctor"], "actions": ["read"],
                  "resources": ["medical_record"], "when": { "relationship": ["friendship"] } },
                { "id": "a", "effect": "allow", "roles": [], "actions": ["mend"],
                  "resources": ["spleen"], "when": "sometimes" },
                { "id": "Bad Id", "effect": "forbid", "roles": ["*"], "actions": ["*"], "resources": ["*"] }
            ]
        }"#;
        let Err(AccessError::InvalidPolicy { problems }) = Policy::from_json(text) else {
            panic!("expected an invalid policy");
        };
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.code.code()))
            .collect();
        assert_eq!(
            got,
            [
                ("rules[0].roles[0]", "unknown_role"),
                ("rules[0].when.relationship[0]", "unknown_relationship"),
                ("rules[1].actions[0]", "unknown_action"),
                ("rules[1].effect", "unknown_effect"),
                ("rules[1].id", "duplicate_rule_id"),
                ("rules[1].resources[0]", "unknown_resource"),
                ("rules[1].roles", "empty"),
                ("rules[1].when", "unknown_condition"),
                ("rules[2].id", "invalid_rule_id"),
                ("settings.break_glass_max_minutes", "out_of_range"),
            ]
        );
        let message = AccessError::InvalidPolicy { problems }.to_string();
        assert!(
            message.contains("`rules[0].roles[0]`: unknown role `surgeon`"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn wildcards_expand_and_syntax_errors_are_one_problem() {
        let p = Policy::from_toml(
            "[[rules]]\nid = \"x\"\neffect = \"forbid\"\nroles = [\"*\"]\nactions = [\"*\"]\nresources = [\"*\"]\n",
        )
        .unwrap();
        let r = &p.rules[0];
        assert_eq!(
            (r.roles, r.actions, r.resources),
            (RoleSet::all(), ActionSet::all(), ResourceSet::all())
        );
        assert_eq!(r.when, Condition::Always);
        let Err(AccessError::InvalidPolicy { problems }) = Policy::from_toml("rules = 3") else {
            panic!("expected a syntax problem");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, PolicyProblemCode::Syntax);
    }
}
