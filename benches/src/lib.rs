//! A realistic hospital for access-decision benchmarks: 8 roles, 50 doctors, 100 nurses, a few desk,
//! pharmacy, lab and billing staff, 10,000 patients with portal accounts, each patient's care team
//! 2 doctors + 2 nurses, some open break-glass grants, and a seeded mix of requests (own records,
//! assigned patients, unassigned patients, break-glass, other staff).
//!
//! Relationship facts are held in memory, keyed by (member of staff, patient), as a store's index
//! would hold them.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hms_core::access::{
    Action, ActionSet, BreakGlassGrant, Condition, Effect, Facts, KindSet, Policy, RelationshipFact,
    RelationshipKind, Request, ResourceKind, ResourceSet, Role, RoleSet, Rule, Subject,
};
use hms_core::ids::{AccountId, BreakGlassId, PatientId, StaffId};

/// The shape of the benchmark hospital.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Doctors.
    pub doctors: usize,
    /// Nurses.
    pub nurses: usize,
    /// Patients (each with a portal account).
    pub patients: usize,
    /// Open break-glass grants.
    pub grants: usize,
    /// Requests in the mix.
    pub requests: usize,
    /// Seed of the request mix.
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            doctors: 50,
            nurses: 100,
            patients: 10_000,
            grants: 200,
            requests: 200_000,
            seed: 7,
        }
    }
}

/// What a request in the mix stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A patient reaching their own data.
    Own,
    /// A patient reaching someone else's data.
    OtherPatient,
    /// A clinician on the patient's care team.
    Assigned,
    /// A clinician without a relationship.
    Unassigned,
    /// A doctor with an open break-glass grant.
    BreakGlass,
    /// Desk, pharmacy, lab and billing work.
    OtherStaff,
}

/// One person with an account.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    /// The subject the engine sees.
    pub subject: Subject,
    /// The role (one per account here).
    pub role: Role,
}

/// The benchmark hospital.
#[derive(Debug)]
pub struct World {
    /// The instant every decision is made at.
    pub now: DateTime<Utc>,
    /// Doctors.
    pub doctors: Vec<Person>,
    /// Nurses.
    pub nurses: Vec<Person>,
    /// Other staff: receptionists, pharmacists, lab technicians, billing clerks, an admin.
    pub others: Vec<Person>,
    /// Patients' portal accounts (index = patient number).
    pub patients: Vec<Person>,
    /// Patient ids.
    pub patient_ids: Vec<PatientId>,
    /// Care team of each patient: (doctor indexes, nurse indexes).
    pub teams: Vec<([usize; 2], [usize; 2])>,
    /// Open grants: (doctor index, patient index).
    pub grants: Vec<(usize, usize)>,
    /// Relationship facts and grants by (member of staff, patient).
    pub facts: HashMap<(StaffId, PatientId), Facts>,
    /// The request mix, with what each request stands for.
    pub requests: Vec<(Request, Kind)>,
}

/// The simulation's seeded generator, so the mix is the same on every run, drawing `usize` indices.
#[derive(Debug, Clone)]
pub struct Rng(hms_examples::Rng);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(hms_examples::Rng::new(seed))
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.0.below(n as u64)).unwrap_or(0)
        }
    }
}

fn uuid(kind: u128, n: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128((kind << 64) | n as u128)
}

fn staff_person(role: Role, kind: u128, n: usize) -> Person {
    Person {
        subject: Subject {
            account: AccountId::from_uuid(uuid(kind, n)),
            roles: RoleSet::of(&[role]),
            staff: Some(StaffId::from_uuid(uuid(kind, n))),
            patient: None,
        },
        role,
    }
}

fn pick<T: Copy>(items: &[T], rng: &mut Rng) -> Option<T> {
    items.get(rng.below(items.len())).copied()
}

impl World {
    /// Builds the hospital and its request mix.
    pub fn build(shape: Shape) -> World {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
            .single()
            .unwrap_or_default();
        let mut rng = Rng::new(shape.seed);
        let doctors: Vec<Person> = (0..shape.doctors)
            .map(|i| staff_person(Role::Doctor, 1, i))
            .collect();
        let nurses: Vec<Person> = (0..shape.nurses)
            .map(|i| staff_person(Role::Nurse, 2, i))
            .collect();
        let mut others = Vec::new();
        for (kind, role, count) in [
            (3, Role::Receptionist, 10),
            (4, Role::Pharmacist, 8),
            (5, Role::LabTechnician, 8),
            (6, Role::BillingClerk, 6),
            (7, Role::Admin, 2),
        ] {
            others.extend((0..count).map(|i| staff_person(role, kind, i)));
        }
        let patient_ids: Vec<PatientId> = (0..shape.patients)
            .map(|i| PatientId::from_uuid(uuid(8, i)))
            .collect();
        let patients: Vec<Person> = patient_ids
            .iter()
            .enumerate()
            .map(|(i, p)| Person {
                subject: Subject {
                    account: AccountId::from_uuid(uuid(9, i)),
                    roles: RoleSet::of(&[Role::Patient]),
                    staff: None,
                    patient: Some(*p),
                },
                role: Role::Patient,
            })
            .collect();

        let mut facts: HashMap<(StaffId, PatientId), Facts> = HashMap::new();
        let mut teams = Vec::with_capacity(shape.patients);
        for (i, p) in patient_ids.iter().enumerate() {
            let d1 = rng.below(shape.doctors);
            let d2 = (d1 + 1 + rng.below(shape.doctors.saturating_sub(1))) % shape.doctors.max(1);
            let n1 = rng.below(shape.nurses);
            let n2 = (n1 + 1 + rng.below(shape.nurses.saturating_sub(1))) % shape.nurses.max(1);
            teams.push(([d1, d2], [n1, n2]));
            let members = [doctors.get(d1), doctors.get(d2), nurses.get(n1), nurses.get(n2)];
            for staff in members.into_iter().flatten().filter_map(|m| m.subject.staff) {
                facts
                    .entry((staff, *p))
                    .or_default()
                    .relationships
                    .push(RelationshipFact {
                        kind: RelationshipKind::CareTeam,
                        staff,
                        patient: *p,
                        valid_from: now - Duration::days(3 + (i % 30) as i64),
                        valid_until: None,
                    });
            }
        }
        let mut grants = Vec::new();
        while grants.len() < shape.grants && shape.doctors > 0 {
            let d = rng.below(shape.doctors);
            let p = rng.below(shape.patients);
            let (Some(doc), Some(pid)) = (doctors.get(d), patient_ids.get(p)) else {
                break;
            };
            let Some(staff) = doc.subject.staff else { break };
            if facts.contains_key(&(staff, *pid)) {
                continue;
            }
            facts
                .entry((staff, *pid))
                .or_default()
                .break_glass
                .push(BreakGlassGrant {
                    id: BreakGlassId::from_uuid(uuid(10, grants.len())),
                    account: doc.subject.account,
                    staff,
                    patient: *pid,
                    reason: "unconscious on arrival".into(),
                    opened_at: now - Duration::minutes(20),
                    expires_at: now + Duration::minutes(40),
                });
            grants.push((d, p));
        }

        let mut world = World {
            now,
            doctors,
            nurses,
            others,
            patients,
            patient_ids,
            teams,
            grants,
            facts,
            requests: Vec::new(),
        };
        world.requests = (0..shape.requests)
            .filter_map(|_| world.request(&mut rng))
            .collect();
        world
    }

    fn request(&self, rng: &mut Rng) -> Option<(Request, Kind)> {
        use ResourceKind as K;
        let roll = rng.below(100);
        let p = rng.below(self.patient_ids.len());
        let patient = *self.patient_ids.get(p)?;
        let (team_d, team_n) = *self.teams.get(p)?;
        let clinical = [K::MedicalRecord, K::Prescription, K::LabResult];
        Some(match roll {
            // A patient reads their own profile, record or invoice, or updates their profile.
            0..=24 => {
                let me = self.patients.get(p)?;
                let (action, kind) = pick(
                    &[
                        (Action::Read, K::PatientProfile),
                        (Action::Read, K::MedicalRecord),
                        (Action::Read, K::Invoice),
                        (Action::Update, K::PatientProfile),
                        (Action::Create, K::Appointment),
                    ],
                    rng,
                )?;
                (Request::new(me.subject, action, kind, Some(patient)), Kind::Own)
            }
            // …or tries someone else's.
            25..=29 => {
                let me = self.patients.get(rng.below(self.patients.len()))?;
                let kind = if me.subject.patient == Some(patient) {
                    Kind::Own
                } else {
                    Kind::OtherPatient
                };
                (
                    Request::new(me.subject, Action::Read, K::MedicalRecord, Some(patient)),
                    kind,
                )
            }
            // A doctor or nurse on the care team.
            30..=64 => {
                let who = if rng.below(2) == 0 {
                    self.doctors.get(*team_d.get(rng.below(2))?)?
                } else {
                    self.nurses.get(*team_n.get(rng.below(2))?)?
                };
                let action = if who.role == Role::Doctor && rng.below(4) == 0 {
                    Action::Update
                } else {
                    Action::Read
                };
                let kind = pick(&clinical, rng)?;
                (
                    Request::new(who.subject, action, kind, Some(patient)),
                    Kind::Assigned,
                )
            }
            // A doctor or nurse with no relationship.
            65..=84 => {
                let who = if rng.below(2) == 0 {
                    self.doctors.get(rng.below(self.doctors.len()))?
                } else {
                    self.nurses.get(rng.below(self.nurses.len()))?
                };
                let staff = who.subject.staff?;
                let kind = match self.facts.get(&(staff, patient)) {
                    Some(f) if !f.relationships.is_empty() => Kind::Assigned,
                    Some(f) if !f.break_glass.is_empty() => Kind::BreakGlass,
                    _ => Kind::Unassigned,
                };
                (
                    Request::new(who.subject, Action::Read, K::MedicalRecord, Some(patient)),
                    kind,
                )
            }
            // A doctor under break-glass.
            85..=89 => {
                let (d, gp) = pick(&self.grants, rng)?;
                let who = self.doctors.get(d)?;
                let patient = *self.patient_ids.get(gp)?;
                (
                    Request::new(who.subject, Action::Read, pick(&clinical, rng)?, Some(patient)),
                    Kind::BreakGlass,
                )
            }
            // Desk, pharmacy, lab and billing work, allowed or not.
            _ => {
                let who = pick(&self.others, rng)?;
                let (action, kind) = match who.role {
                    Role::Receptionist => pick(
                        &[
                            (Action::Update, K::PatientProfile),
                            (Action::Read, K::MedicalRecord),
                        ],
                        rng,
                    )?,
                    Role::Pharmacist => pick(
                        &[
                            (Action::Dispense, K::Prescription),
                            (Action::Read, K::MedicalRecord),
                        ],
                        rng,
                    )?,
                    Role::LabTechnician => pick(
                        &[(Action::Create, K::LabResult), (Action::Read, K::Prescription)],
                        rng,
                    )?,
                    Role::BillingClerk => pick(
                        &[(Action::Create, K::Invoice), (Action::Read, K::MedicalRecord)],
                        rng,
                    )?,
                    _ => pick(
                        &[
                            (Action::Read, K::PatientProfile),
                            (Action::Read, K::MedicalRecord),
                        ],
                        rng,
                    )?,
                };
                (
                    Request::new(who.subject, action, kind, Some(patient)),
                    Kind::OtherStaff,
                )
            }
        })
    }

    /// The facts for a request, as a store index would hand them over.
    pub fn facts_for(&self, request: &Request) -> Option<&Facts> {
        let staff = request.subject.staff?;
        let patient = request.patient?;
        self.facts.get(&(staff, patient))
    }
}

/// `n` rules that never match the benchmark's requests, a third of them filed under the very buckets
/// the requests use (so the index, not luck, keeps them out of the way): permits that need
/// relationships the hospital has no facts of (encounters, admissions, ward assignments) and forbids
/// that need a role grant; the rest spread over roles, actions and kinds no request uses.
pub fn rules_that_never_match(n: usize, seed: u64) -> Vec<Rule> {
    use ResourceKind as K;
    let mut rng = Rng::new(seed);
    let hot_roles = [
        Role::Doctor,
        Role::Nurse,
        Role::Patient,
        Role::Pharmacist,
        Role::BillingClerk,
    ];
    let hot_kinds = [
        K::MedicalRecord,
        K::Prescription,
        K::LabResult,
        K::PatientProfile,
        K::Invoice,
    ];
    let cold_kinds = [K::Stock, K::Schedule, K::Report, K::Staff, K::CareTeam];
    let cold_actions = [Action::Deactivate, Action::Cancel];
    let unseen = KindSet::of(&[
        RelationshipKind::Encounter,
        RelationshipKind::Admission,
        RelationshipKind::WardAssignment,
    ]);
    (0..n)
        .map(|i| {
            let (effect, roles, actions, resources, when) = match i % 3 {
                0 => (
                    Effect::Permit,
                    RoleSet::of(&[pick(&hot_roles, &mut rng).unwrap_or(Role::Doctor)]),
                    ActionSet::of(&[Action::Read, Action::Update]),
                    ResourceSet::of(&[pick(&hot_kinds, &mut rng).unwrap_or(K::MedicalRecord)]),
                    Condition::Relationship(unseen),
                ),
                1 => (
                    Effect::Forbid,
                    RoleSet::of(&[pick(&hot_roles, &mut rng).unwrap_or(Role::Nurse)]),
                    ActionSet::of(&[Action::Read]),
                    ResourceSet::of(&[pick(&hot_kinds, &mut rng).unwrap_or(K::Prescription)]),
                    Condition::GrantsUnheldRole,
                ),
                _ => (
                    if rng.below(2) == 0 {
                        Effect::Permit
                    } else {
                        Effect::Forbid
                    },
                    RoleSet::of(&[pick(&Role::ALL, &mut rng).unwrap_or(Role::Admin)]),
                    ActionSet::of(&[pick(&cold_actions, &mut rng).unwrap_or(Action::Cancel)]),
                    ResourceSet::of(&[pick(&cold_kinds, &mut rng).unwrap_or(K::Stock)]),
                    Condition::Always,
                ),
            };
            Rule {
                id: format!("never-matches-{i}"),
                effect,
                roles,
                actions,
                resources,
                when,
                description: "added by the benchmark; matches no request of the mix".into(),
            }
        })
        .collect()
}

/// The policy with `extra` rules appended.
pub fn padded(mut policy: Policy, extra: Vec<Rule>) -> Policy {
    policy.rules.extend(extra);
    policy
}

/// Median and 99th percentile of a measurement, in nanoseconds per call, by the wall clock and by the
/// benchmark thread's on-CPU time.
///
/// On a machine shared with other work the wall clock also counts the time the thread waited for a
/// processor; the CPU figures count only the time it ran, so they stay comparable between a quiet and
/// a loaded machine (caches shared with other processes still cost something).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// The median, wall clock.
    pub median_ns: f64,
    /// The 99th percentile, wall clock.
    pub p99_ns: f64,
    /// The median, on-CPU time of the thread (`NaN` where the platform has no thread CPU clock).
    pub cpu_median_ns: f64,
    /// The 99th percentile, on-CPU time of the thread.
    pub cpu_p99_ns: f64,
}

/// The benchmark thread's on-CPU time so far, in nanoseconds, where the platform offers it.
pub fn thread_cpu_ns() -> Option<u128> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        let secs = u128::try_from(t.tv_sec).ok()?;
        let nanos = u128::try_from(t.tv_nsec).ok()?;
        Some(secs * 1_000_000_000 + nanos)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Wall-clock and on-CPU time of one run of `f`, in seconds.
pub fn wall_and_cpu<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let cpu = thread_cpu_ns();
    let t = Instant::now();
    let out = f();
    let wall = t.elapsed().as_secs_f64();
    let cpu = match (cpu, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e9,
        _ => f64::NAN,
    };
    (out, wall, cpu)
}

/// Times `rounds` batches of `batch` calls of `f` and returns per-call median and p99 over batches,
/// by the wall clock and by the thread's on-CPU time.
///
/// A batch amortizes the clock's own cost (tens of nanoseconds) over many calls; `batch = 1` gives
/// true per-call percentiles for calls that take a microsecond or more.
pub fn per_call(rounds: usize, batch: usize, mut f: impl FnMut(usize)) -> Stats {
    let mut wall = Vec::with_capacity(rounds);
    let mut cpu = Vec::with_capacity(rounds);
    let mut k = 0usize;
    let per = batch.max(1) as f64;
    for _ in 0..rounds {
        let c = thread_cpu_ns();
        let t = Instant::now();
        for _ in 0..batch {
            f(k);
            k = k.wrapping_add(1);
        }
        wall.push(t.elapsed().as_nanos() as f64 / per);
        if let (Some(a), Some(b)) = (c, thread_cpu_ns()) {
            cpu.push(b.saturating_sub(a) as f64 / per);
        }
    }
    let w = percentiles(&mut wall);
    let c = percentiles(&mut cpu);
    Stats {
        median_ns: w.median_ns,
        p99_ns: w.p99_ns,
        cpu_median_ns: c.median_ns,
        cpu_p99_ns: c.p99_ns,
    }
}

/// Median and 99th percentile of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// The median.
    pub median_ns: f64,
    /// The 99th percentile.
    pub p99_ns: f64,
}

/// Median and p99 of samples (sorted in place); `NaN` for no samples.
pub fn percentiles(samples: &mut [f64]) -> Percentiles {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if samples.is_empty() {
            return f64::NAN;
        }
        let i = ((samples.len() - 1) as f64 * q).round() as usize;
        samples.get(i).copied().unwrap_or(f64::NAN)
    };
    Percentiles {
        median_ns: at(0.5),
        p99_ns: at(0.99),
    }
}

/// Whether the benchmark binary runs as a real benchmark (`cargo bench`) rather than as a smoke test
/// (`cargo test --benches`), where the summaries are skipped.
pub fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}
