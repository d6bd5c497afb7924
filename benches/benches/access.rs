//! Access decisions on a realistic hospital: median and p99 per decision, single thread, with the
//! relationship facts in memory; the same with 100 rules that never match; and the cedar-policy engine
//! on the same requests with the equivalent policy, so the ratio is measured in one run.
//!
//! Run: `cargo bench -p hms-benches --bench access`.
//!
//! Each decision is timed alone with `Instant` around it (so the figures include about 20–40 ns of
//! clock reading); what is timed for hms is the fact lookup in the in-memory index plus `decide`; for
//! cedar, `is_authorized` on a request built beforehand (its entities hold the same facts).

use std::collections::HashMap;
use std::error::Error;
use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, RestrictedExpression};
use criterion::Criterion;
use hms_benches::{padded, rules_that_never_match, Kind, Shape, World};
use hms_core::access::{
    decide, default_policy, CompiledPolicy, Condition, Effect, Facts, Policy, RelationshipKind, Request,
    ResourceKind, ResourceSet, Role, RoleSet,
};

type Res<T> = Result<T, Box<dyn Error>>;

struct Stats {
    median: u64,
    p90: u64,
    p99: u64,
    mean: f64,
}

fn stats(mut ns: Vec<u64>) -> Stats {
    ns.sort_unstable();
    let at = |q: usize| {
        ns.get((ns.len() * q / 100).min(ns.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let mean = ns.iter().sum::<u64>() as f64 / ns.len().max(1) as f64;
    Stats {
        median: at(50),
        p90: at(90),
        p99: at(99),
        mean,
    }
}

fn time_each(n: usize, mut f: impl FnMut(usize) -> bool) -> Stats {
    let mut ns = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let allowed = f(i);
        let elapsed = t.elapsed();
        black_box(allowed);
        ns.push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }
    stats(ns)
}

static NO_FACTS: std::sync::LazyLock<Facts> = std::sync::LazyLock::new(Facts::default);

fn hms_decide(world: &World, policy: &CompiledPolicy, request: &Request) -> bool {
    let facts = world.facts_for(request).unwrap_or(&NO_FACTS);
    decide(policy, request, facts, world.now).allowed
}

fn print(label: &str, s: &Stats) {
    println!(
        "{label:<44} median {:>7} ns   p90 {:>7} ns   p99 {:>7} ns   mean {:>9.1} ns",
        s.median, s.p90, s.p99, s.mean
    );
}

// ---------------------------------------------------------------------------------------------
// The equivalent cedar policy and entities.

fn type_name(kind: ResourceKind) -> String {
    kind.as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn relation_attr(kind: RelationshipKind) -> &'static str {
    match kind {
        RelationshipKind::CareTeam => "careTeam",
        RelationshipKind::Appointment => "appointment",
        RelationshipKind::Encounter => "encounter",
        RelationshipKind::Admission => "admission",
        RelationshipKind::WardAssignment => "wardAssignment",
        _ => "other",
    }
}

const OWN: &str = "(principal has patient && resource has patient && principal.patient == resource.patient)";

/// The hms rules as cedar policies with the same meaning. Roles and kinds go into cedar's scope
/// (`principal in Role::"doctor"`, `resource is MedicalRecord`), where cedar checks them first, so a
/// rule with several roles or kinds becomes one cedar policy per (role, kind).
fn cedar_policy_text(policy: &Policy) -> String {
    let mut out = String::new();
    for rule in &policy.rules {
        let effect = if rule.effect == Effect::Permit {
            "permit"
        } else {
            "forbid"
        };
        let actions: Vec<String> = rule
            .actions
            .iter()
            .map(|a| format!("Action::\"{}\"", a.as_str()))
            .collect();
        let principals: Vec<String> = if rule.roles == RoleSet::all() {
            vec!["principal".to_owned()]
        } else {
            rule.roles
                .iter()
                .map(|r| format!("principal in Role::\"{}\"", r.as_str()))
                .collect()
        };
        let resources: Vec<String> = if rule.resources == ResourceSet::all() {
            vec!["resource".to_owned()]
        } else {
            rule.resources
                .iter()
                .map(|k| format!("resource is {}", type_name(k)))
                .collect()
        };
        let when = match rule.when {
            Condition::Always => "true".to_owned(),
            Condition::OwnRecord => OWN.to_owned(),
            Condition::NotOwnRecord => format!("!{OWN}"),
            Condition::Relationship(kinds) => {
                let parts: Vec<String> = kinds
                    .iter()
                    .map(|k| format!("resource.patient.{}.contains(principal)", relation_attr(k)))
                    .collect();
                format!("(resource has patient && ({}))", parts.join(" || "))
            }
            Condition::BreakGlass => {
                "(resource has patient && resource.patient.breakGlass.contains(principal))".to_owned()
            }
            Condition::GrantsUnheldRole => "context.grantsUnheld".to_owned(),
            _ => "false".to_owned(),
        };
        for (i, principal) in principals.iter().enumerate() {
            for (j, resource) in resources.iter().enumerate() {
                out.push_str(&format!(
                    "@id(\"{}.{i}.{j}\")\n{effect}({principal}, action in [{}], {resource}) when {{ {when} }};\n",
                    rule.id,
                    actions.join(", ")
                ));
            }
        }
    }
    out
}

fn entity_ref(kind: &str, id: impl std::fmt::Display) -> serde_json::Value {
    serde_json::json!({ "__entity": { "type": kind, "id": id.to_string() } })
}

const RESOURCE_KINDS: [ResourceKind; 7] = [
    ResourceKind::PatientProfile,
    ResourceKind::MedicalRecord,
    ResourceKind::Prescription,
    ResourceKind::LabResult,
    ResourceKind::Invoice,
    ResourceKind::Appointment,
    ResourceKind::LabOrder,
];

fn cedar_entities(world: &World) -> Res<Entities> {
    let mut list = Vec::new();
    for role in Role::ALL {
        list.push(
            serde_json::json!({ "uid": { "type": "Role", "id": role.as_str() }, "attrs": {}, "parents": [] }),
        );
    }
    for p in world.doctors.iter().chain(&world.nurses).chain(&world.others) {
        list.push(serde_json::json!({
            "uid": { "type": "User", "id": p.subject.account.to_string() },
            "attrs": {},
            "parents": [{ "type": "Role", "id": p.role.as_str() }],
        }));
    }
    for (i, p) in world.patients.iter().enumerate() {
        let pid = world.patient_ids.get(i).ok_or("patient")?;
        list.push(serde_json::json!({
            "uid": { "type": "User", "id": p.subject.account.to_string() },
            "attrs": { "patient": entity_ref("Patient", pid) },
            "parents": [{ "type": "Role", "id": "patient" }],
        }));
    }
    // The same facts as the hms index: care teams and open grants, on the patient entity.
    let mut care: HashMap<usize, Vec<serde_json::Value>> = HashMap::new();
    for (i, (ds, ns)) in world.teams.iter().enumerate() {
        let members = care.entry(i).or_default();
        for d in ds {
            members.push(entity_ref(
                "User",
                world.doctors.get(*d).ok_or("doctor")?.subject.account,
            ));
        }
        for n in ns {
            members.push(entity_ref(
                "User",
                world.nurses.get(*n).ok_or("nurse")?.subject.account,
            ));
        }
    }
    let mut glass: HashMap<usize, Vec<serde_json::Value>> = HashMap::new();
    for (d, p) in &world.grants {
        glass.entry(*p).or_default().push(entity_ref(
            "User",
            world.doctors.get(*d).ok_or("doctor")?.subject.account,
        ));
    }
    for (i, pid) in world.patient_ids.iter().enumerate() {
        list.push(serde_json::json!({
            "uid": { "type": "Patient", "id": pid.to_string() },
            "attrs": {
                "careTeam": care.remove(&i).unwrap_or_default(),
                "breakGlass": glass.remove(&i).unwrap_or_default(),
                "appointment": [], "encounter": [], "admission": [], "wardAssignment": [], "other": [],
            },
            "parents": [],
        }));
        for kind in RESOURCE_KINDS {
            list.push(serde_json::json!({
                "uid": { "type": type_name(kind), "id": pid.to_string() },
                "attrs": { "patient": entity_ref("Patient", pid) },
                "parents": [],
            }));
        }
    }
    Ok(Entities::from_json_value(serde_json::Value::Array(list), None)?)
}

fn cedar_request(r: &Request) -> Res<cedar_policy::Request> {
    let principal = EntityUid::from_str(&format!("User::\"{}\"", r.subject.account))?;
    let action = EntityUid::from_str(&format!("Action::\"{}\"", r.action.as_str()))?;
    let patient = r.patient.ok_or("the mix always names a patient")?;
    let resource = EntityUid::from_str(&format!("{}::\"{}\"", type_name(r.resource), patient))?;
    let unheld = !r.grants.is_subset(r.subject.roles);
    let context = Context::from_pairs([("grantsUnheld".to_owned(), RestrictedExpression::new_bool(unheld))])?;
    Ok(cedar_policy::Request::new(
        principal, action, resource, context, None,
    )?)
}

// ---------------------------------------------------------------------------------------------

fn main() -> Res<()> {
    // `HMS_BENCH_PATIENTS` shrinks or grows the hospital (to see how each engine scales with it).
    let patients = std::env::var("HMS_BENCH_PATIENTS")
        .ok()
        .and_then(|v| v.parse().ok());
    let shape = Shape {
        patients: patients.unwrap_or(Shape::default().patients),
        ..Shape::default()
    };
    let started = Instant::now();
    let world = World::build(shape);
    let requests: Vec<Request> = world.requests.iter().map(|(r, _)| *r).collect();
    let mut mix: HashMap<Kind, usize> = HashMap::new();
    for (_, k) in &world.requests {
        *mix.entry(*k).or_default() += 1;
    }
    println!(
        "hospital: 8 roles, {} doctors, {} nurses, {} other staff, {} patients (care team 2 doctors + 2 nurses), \
         {} open break-glass grants; built in {:.1?}",
        world.doctors.len(),
        world.nurses.len(),
        world.others.len(),
        world.patient_ids.len(),
        world.grants.len(),
        started.elapsed()
    );
    let mut kinds: Vec<_> = mix.into_iter().collect();
    kinds.sort_by_key(|(k, _)| format!("{k:?}"));
    println!("request mix ({} requests): {kinds:?}", requests.len());

    let base = CompiledPolicy::compile(default_policy())?;
    let extra = rules_that_never_match(100, 11);
    let padded_policy = padded(default_policy(), extra);
    let big = CompiledPolicy::compile(padded_policy.clone())?;
    println!(
        "policies: default {} rules, padded {} rules",
        base.rule_count(),
        big.rule_count()
    );

    // The padding must not change a single decision, and every kind of request must come out as its
    // kind says.
    let mut allowed = 0usize;
    let mut flagged = 0usize;
    for (r, kind) in &world.requests {
        let facts = world.facts_for(r).unwrap_or(&NO_FACTS);
        let a = decide(&base, r, facts, world.now);
        let b = decide(&big, r, facts, world.now);
        // The reason of a denial may name the padding's relationship rules; the outcome may not change.
        if (a.allowed, &a.rule_id, a.break_glass) != (b.allowed, &b.rule_id, b.break_glass) {
            return Err(format!("the padded policy decided {r:?} differently: {a:?} vs {b:?}").into());
        }
        let expected = match kind {
            Kind::Own | Kind::Assigned | Kind::BreakGlass => Some(true),
            Kind::OtherPatient | Kind::Unassigned => Some(false),
            Kind::OtherStaff => None,
        };
        if expected.is_some_and(|e| e != a.allowed) || (*kind == Kind::BreakGlass) != a.break_glass {
            return Err(format!("{kind:?} request decided {a:?}: {}", a.reason).into());
        }
        allowed += usize::from(a.allowed);
        flagged += usize::from(a.break_glass);
    }
    println!(
        "decisions: {allowed} allowed, {} denied, {flagged} under break-glass",
        requests.len() - allowed
    );

    // Warm up, then time every decision.
    let n = requests.len();
    let warm = time_each(n, |i| {
        requests.get(i).is_some_and(|r| hms_decide(&world, &base, r))
    });
    black_box(warm.mean);
    let hms = time_each(n, |i| {
        requests.get(i).is_some_and(|r| hms_decide(&world, &base, r))
    });
    let hms_big = time_each(n, |i| {
        requests.get(i).is_some_and(|r| hms_decide(&world, &big, r))
    });
    let hms_again = time_each(n, |i| {
        requests.get(i).is_some_and(|r| hms_decide(&world, &base, r))
    });

    // cedar-policy, same requests, equivalent policy and facts.
    let cedar_started = Instant::now();
    let entities = cedar_entities(&world)?;
    let cedar_base = PolicySet::from_str(&cedar_policy_text(&default_policy()))?;
    let cedar_big = PolicySet::from_str(&cedar_policy_text(&padded_policy))?;
    let cedar_n = 50_000.min(n);
    let cedar_requests: Vec<cedar_policy::Request> = requests
        .iter()
        .take(cedar_n)
        .map(cedar_request)
        .collect::<Res<_>>()?;
    println!(
        "cedar: entities and requests built in {:.1?}",
        cedar_started.elapsed()
    );
    let authorizer = Authorizer::new();
    let mut disagreements = 0usize;
    for (r, c) in requests.iter().zip(&cedar_requests) {
        let cedar_allows =
            authorizer.is_authorized(c, &cedar_base, &entities).decision() == cedar_policy::Decision::Allow;
        if cedar_allows != hms_decide(&world, &base, r) {
            disagreements += 1;
        }
    }
    if disagreements > 0 {
        return Err(format!("cedar and hms disagree on {disagreements} of {cedar_n} requests").into());
    }
    println!("cedar agrees with hms on all {cedar_n} requests");
    let cedar_allow = |set: &PolicySet, i: usize| {
        cedar_requests.get(i).is_some_and(|c| {
            authorizer.is_authorized(c, set, &entities).decision() == cedar_policy::Decision::Allow
        })
    };
    black_box(time_each(cedar_n / 5, |i| cedar_allow(&cedar_base, i)).mean);
    let cedar = time_each(cedar_n, |i| cedar_allow(&cedar_base, i));
    let cedar_padded = time_each(cedar_n, |i| cedar_allow(&cedar_big, i));

    println!();
    print(
        &format!("hms, default policy ({} rules)", base.rule_count()),
        &hms,
    );
    print("hms, default policy again", &hms_again);
    print(
        &format!("hms, + 100 rules that never match ({})", big.rule_count()),
        &hms_big,
    );
    print(
        &format!(
            "cedar-policy, equivalent ({} cedar policies)",
            cedar_base.num_of_policies()
        ),
        &cedar,
    );
    print(
        &format!(
            "cedar-policy, + 100 rules ({} cedar policies)",
            cedar_big.num_of_policies()
        ),
        &cedar_padded,
    );
    let base_median = hms.median.min(hms_again.median).max(1);
    let slower = (hms_big.median as f64 / base_median as f64 - 1.0) * 100.0;
    println!();
    println!(
        "hms target median <= 250 ns: {}; p99 <= 2000 ns: {}; +100 rules {:+.1}% median (target < 10%): {}",
        if hms.median <= 250 { "met" } else { "MISSED" },
        if hms.p99 <= 2000 { "met" } else { "MISSED" },
        slower,
        if slower < 10.0 { "met" } else { "MISSED" },
    );
    println!(
        "cedar / hms: {:.0}x at the median, {:.0}x at p99",
        cedar.median as f64 / hms.median.max(1) as f64,
        cedar.p99 as f64 / hms.p99.max(1) as f64
    );

    // The same decision loop under criterion, for its usual statistics.
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let batch: Vec<Request> = requests.iter().take(1000).copied().collect();
    c.bench_function("hms decide, 1000 requests of the mix", |b| {
        b.iter(|| batch.iter().filter(|r| hms_decide(&world, &base, r)).count())
    });
    c.final_summary();
    Ok(())
}
