//! The compiled engine against a naive reference evaluator written plainly here (the way Cedar is
//! checked against its formal model): for random policies, subjects, requests, relationship facts and
//! instants, both must reach the same decision, quote the same rule and flag the same break-glass.
use chrono::{DateTime, Duration, TimeZone, Utc};
use hms_core::access::{
    decide, default_policy, Action, ActionSet, BreakGlassGrant, CompiledPolicy, Condition, Effect, Facts,
    KindSet, Policy, RelationshipFact, RelationshipKind, Request, ResourceKind, ResourceSet, Role, RoleSet,
    Rule, Subject,
};
use hms_core::ids::{AccountId, BreakGlassId, PatientId, StaffId};
use proptest::prelude::*;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
}

fn staff_id(n: u8) -> StaffId {
    StaffId::from_uuid(uuid::Uuid::from_u128(100 + u128::from(n)))
}

fn patient_id(n: u8) -> PatientId {
    PatientId::from_uuid(uuid::Uuid::from_u128(200 + u128::from(n)))
}

/// The reference: scan every rule in order, exactly as the semantics are written in words.
fn condition_holds(when: &Condition, req: &Request, facts: &Facts, now: DateTime<Utc>) -> bool {
    let own = match (req.subject.patient, req.patient) {
        (Some(mine), Some(asked)) => mine == asked,
        _ => false,
    };
    match when {
        Condition::Always => true,
        Condition::OwnRecord => own,
        Condition::NotOwnRecord => !own,
        Condition::Relationship(kinds) => match (req.subject.staff, req.patient) {
            (Some(s), Some(p)) => facts.relationships.iter().any(|f| {
                f.staff == s
                    && f.patient == p
                    && kinds.contains(f.kind)
                    && f.valid_from <= now
                    && match f.valid_until {
                        Some(u) => now < u,
                        None => true,
                    }
            }),
            _ => false,
        },
        Condition::BreakGlass => match (req.subject.staff, req.patient) {
            (Some(s), Some(p)) => facts
                .break_glass
                .iter()
                .any(|g| g.staff == s && g.patient == p && g.opened_at <= now && now < g.expires_at),
            _ => false,
        },
        Condition::GrantsUnheldRole => req.grants.iter().any(|r| !req.subject.roles.contains(r)),
        other => panic!("the reference does not know condition {other:?}"),
    }
}

fn reference(policy: &Policy, req: &Request, facts: &Facts, now: DateTime<Utc>) -> (bool, String, bool) {
    let applies = |r: &Rule| {
        r.roles.iter().any(|role| req.subject.roles.contains(role))
            && r.actions.contains(req.action)
            && r.resources.contains(req.resource)
            && condition_holds(&r.when, req, facts, now)
    };
    if let Some(r) = policy
        .rules
        .iter()
        .find(|r| r.effect == Effect::Forbid && applies(r))
    {
        return (false, r.id.clone(), false);
    }
    if let Some(r) = policy
        .rules
        .iter()
        .find(|r| r.effect == Effect::Permit && r.when != Condition::BreakGlass && applies(r))
    {
        return (true, r.id.clone(), false);
    }
    if let Some(r) = policy
        .rules
        .iter()
        .find(|r| r.effect == Effect::Permit && r.when == Condition::BreakGlass && applies(r))
    {
        return (true, r.id.clone(), true);
    }
    (false, "default-deny".into(), false)
}

fn role_set() -> impl Strategy<Value = RoleSet> {
    any::<u8>().prop_map(|bits| {
        Role::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, r)| *r)
            .collect()
    })
}

fn kind_set() -> impl Strategy<Value = KindSet> {
    (1u8..32).prop_map(|bits| {
        RelationshipKind::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, k)| *k)
            .collect()
    })
}

fn condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        3 => Just(Condition::Always),
        2 => Just(Condition::OwnRecord),
        1 => Just(Condition::NotOwnRecord),
        3 => kind_set().prop_map(Condition::Relationship),
        2 => Just(Condition::BreakGlass),
        1 => Just(Condition::GrantsUnheldRole),
    ]
}

// Mostly a few actions and kinds, so that random rules and requests meet often.
fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => proptest::sample::select(vec![Action::Read, Action::Update]),
        1 => proptest::sample::select(Action::ALL.to_vec()),
    ]
}

fn resource() -> impl Strategy<Value = ResourceKind> {
    prop_oneof![
        4 => proptest::sample::select(vec![ResourceKind::MedicalRecord, ResourceKind::PatientProfile]),
        1 => proptest::sample::select(ResourceKind::ALL.to_vec()),
    ]
}

fn rule(i: usize) -> impl Strategy<Value = Rule> {
    (
        prop_oneof![3 => Just(Effect::Permit), 1 => Just(Effect::Forbid)],
        role_set().prop_filter("a rule names a role", |r| !r.is_empty()),
        proptest::collection::vec(action(), 1..3),
        proptest::collection::vec(resource(), 1..4),
        condition(),
    )
        .prop_map(move |(effect, roles, actions, resources, when)| Rule {
            id: format!("rule-{i}"),
            effect,
            roles,
            actions: ActionSet::of(&actions),
            resources: ResourceSet::of(&resources),
            when,
            description: String::new(),
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (0usize..40).prop_flat_map(|n| {
        (0..n).map(rule).collect::<Vec<_>>().prop_map(|rules| Policy {
            rules,
            ..Policy::default()
        })
    })
}

fn request() -> impl Strategy<Value = Request> {
    (
        role_set(),
        prop_oneof![1 => Just(None), 4 => (0u8..2).prop_map(Some)],
        proptest::option::of(0u8..2),
        action(),
        resource(),
        prop_oneof![1 => Just(None), 6 => (0u8..2).prop_map(Some)],
        prop_oneof![3 => Just(RoleSet::EMPTY), 1 => role_set()],
    )
        .prop_map(|(roles, staff, own, action, resource, patient, grants)| Request {
            subject: Subject {
                account: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
                roles,
                staff: staff.map(staff_id),
                patient: own.map(patient_id),
            },
            action,
            resource,
            patient: patient.map(patient_id),
            grants,
        })
}

fn facts() -> impl Strategy<Value = Facts> {
    let fact = (
        proptest::sample::select(RelationshipKind::ALL.to_vec()),
        0u8..2,
        0u8..2,
        0i64..12,
        proptest::option::of(1i64..12),
    )
        .prop_map(|(kind, s, p, from, len)| RelationshipFact {
            kind,
            staff: staff_id(s),
            patient: patient_id(p),
            valid_from: base() + Duration::hours(from),
            valid_until: len.map(|l| base() + Duration::hours(from + l)),
        });
    let grant =
        (0u8..3, 0u8..3, 0i64..48 * 60, 1i64..240).prop_map(|(s, p, opened, minutes)| BreakGlassGrant {
            id: BreakGlassId::from_uuid(uuid::Uuid::from_u128(9)),
            account: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
            staff: staff_id(s),
            patient: patient_id(p),
            reason: "emergency".into(),
            opened_at: base() + Duration::minutes(opened),
            expires_at: base() + Duration::minutes(opened + minutes),
        });
    (
        proptest::collection::vec(fact, 0..5),
        proptest::collection::vec(grant, 0..4),
    )
        .prop_map(|(relationships, break_glass)| Facts {
            relationships,
            break_glass,
        })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..13 * 60).prop_map(|m| base() + Duration::minutes(m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_compiled_engine_agrees_with_the_reference(
        policy in policy(),
        requests in proptest::collection::vec(request(), 1..8),
        facts in facts(),
        now in instant(),
    ) {
        let compiled = CompiledPolicy::compile(policy.clone()).unwrap();
        for req in &requests {
            let d = decide(&compiled, req, &facts, now);
            let expected = reference(&policy, req, &facts, now);
            prop_assert_eq!((d.allowed, d.rule_id.to_string(), d.break_glass), expected, "{}", d.reason);
        }
    }

    #[test]
    fn the_default_policy_agrees_with_the_reference(
        requests in proptest::collection::vec(request(), 1..16),
        facts in facts(),
        now in instant(),
    ) {
        let policy = default_policy();
        let compiled = CompiledPolicy::hospital_default();
        for req in &requests {
            let d = decide(&compiled, req, &facts, now);
            prop_assert_eq!((d.allowed, d.rule_id.to_string(), d.break_glass), reference(&policy, req, &facts, now));
            // Every reason reads as one lower-case line.
            let text = d.reason.to_string();
            prop_assert!(!text.contains('\n') && !text.ends_with('.'));
        }
    }

    #[test]
    fn rules_that_never_match_change_no_decision(
        requests in proptest::collection::vec(request(), 1..16),
        facts in facts(),
        now in instant(),
        extra in 1usize..200,
    ) {
        // Rules for a role the requests' subjects never hold cannot change a decision.
        let base_policy = default_policy();
        let mut padded = base_policy.clone();
        for i in 0..extra {
            padded.rules.push(Rule {
                id: format!("never-{i}"),
                effect: if i % 3 == 0 { Effect::Forbid } else { Effect::Permit },
                roles: RoleSet::of(&[Role::Patient]),
                actions: ActionSet::all(),
                resources: ResourceSet::all(),
                when: Condition::Always,
                description: String::new(),
            });
        }
        let a = CompiledPolicy::compile(base_policy).unwrap();
        let b = CompiledPolicy::compile(padded).unwrap();
        for req in &requests {
            let mut req = *req;
            req.subject.roles = req.subject.roles.difference(RoleSet::of(&[Role::Patient]));
            prop_assert_eq!(decide(&a, &req, &facts, now), decide(&b, &req, &facts, now));
        }
    }
}
