//! Storage benchmarks (issue #7): bookings per second through the whole facade on each backend, from
//! one thread and from two, and on PostgreSQL the ratio of the backend's own booking transaction to a
//! bare `INSERT` into the same table under the same exclusion constraints.
//!
//! PostgreSQL runs when `HMS_BENCH_POSTGRES_URL` (or `HMS_TEST_POSTGRES_URL`) names a server; the
//! bench works in a schema of its own and drops it at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use criterion::Criterion;
use hms_benches::{benchmarking, percentiles};
use hms_core::access::Role;
use hms_core::hospital::BookingRequest;
use hms_core::ids::{AccountId, AppointmentId, PatientId, SeededIds, StaffId};
use hms_core::money::{Currency, Money};
use hms_core::people::*;
use hms_core::scheduling::appointment::Appointment;
use hms_core::scheduling::availability::{AvailabilityTemplate, WeeklyHours};
use hms_core::scheduling::{Party, VisitType};
use hms_core::store::postgres::PostgresStore;
use hms_core::store::sqlite::SqliteStore;
use hms_core::store::{MemoryStore, Store};
use hms_core::time::{Interval, ManualClock};
use hms_core::{Hospital, HospitalSettings};

const DOCTORS: usize = 40;
const PATIENTS: usize = 2 * DOCTORS;
/// Quarter hours a doctor works on a weekday (06:00–22:00).
const SLOTS_PER_DAY: usize = 64;

/// Monday 2030-01-07, the first bookable day; the clock stands a week earlier.
fn first_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 6, 0, 0).unwrap()
}

/// A hospital ready to book: doctors working weekdays 06:00–22:00 in quarter hours, patients, and a
/// front-desk account (the policy lets the desk book for anyone).
struct World<S: Store> {
    hospital: Hospital<S>,
    desk: AccountId,
    doctors: Vec<StaffId>,
    patients: Vec<PatientId>,
    /// The next booking number: each number is its own doctor-time, so no booking conflicts.
    next: AtomicUsize,
}

impl<S: Store> World<S> {
    fn new(store: S) -> Self {
        let hospital = Hospital::with_environment(
            store,
            HospitalSettings::default(),
            Arc::new(ManualClock::new(first_day() - Duration::days(7))),
            Arc::new(SeededIds::new(7)),
        );
        let admin = hospital.bootstrap_admin("admin").unwrap().id;
        let clerk = hospital
            .hire_staff(admin, staff("Desk", StaffRole::Receptionist, None))
            .unwrap()
            .id;
        let desk = hospital
            .open_account(
                admin,
                NewAccount {
                    login: "desk".into(),
                    person: Some(PersonRef::Staff(clerk)),
                    roles: [Role::Receptionist].into(),
                },
            )
            .unwrap()
            .id;
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        let doctors: Vec<StaffId> = (0..DOCTORS)
            .map(|i| {
                let profile = DoctorProfile {
                    specialization: "general practice".into(),
                    consultation_fee: Money::from_minor(5_000, Currency::USD),
                };
                let d = hospital
                    .hire_staff(admin, staff(&format!("Doc{i}"), StaffRole::Doctor, Some(profile)))
                    .unwrap()
                    .id;
                let template = AvailabilityTemplate {
                    doctor: d,
                    location: None,
                    zone: chrono_tz::UTC,
                    weekly_hours: weekdays
                        .iter()
                        .map(|wd| WeeklyHours::new(*wd, t(6), t(22)))
                        .collect(),
                    effective_from: NaiveDate::from_ymd_opt(2029, 1, 1).unwrap(),
                    effective_until: None,
                    slot_minutes: 15,
                    visit_types: vec![VisitType::new("follow_up", "Follow-up", 15)],
                    capacity: 1,
                    lead_time_minutes: 0,
                    horizon_days: 3650,
                };
                hospital.set_availability(admin, d, vec![template]).unwrap();
                d
            })
            .collect();
        let forms: Vec<PatientDetails> = (0..PATIENTS)
            .map(|i| {
                let mut p = PatientDetails::new(
                    PersonName::new("Pat", format!("Number{i}")),
                    NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
                    AdministrativeSex::Unknown,
                );
                p.phone = Some(format!("+1 212 555 {i:04}"));
                p
            })
            .collect();
        let patients = hospital
            .register_patients(desk, &forms)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        World {
            hospital,
            desk,
            doctors,
            patients,
            next: AtomicUsize::new(0),
        }
    }

    /// Booking number `k`: doctor `k mod D` at that doctor's `k / D`-th quarter hour of the working
    /// week; patient `k mod P`, so the doctors booked at one time all see different patients.
    fn request(&self, k: usize) -> BookingRequest {
        let doctor = self.doctors[k % DOCTORS];
        let patient = self.patients[k % PATIENTS];
        BookingRequest::new(patient, doctor, "follow_up", slot_start(k / DOCTORS))
    }

    /// Books the next `n` numbers from `threads` threads at once; the time it took.
    fn book(&self, n: usize, threads: usize) -> StdDuration {
        let first = self.next.fetch_add(n, Ordering::SeqCst);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..threads {
                scope.spawn(move || {
                    for k in (first + t..first + n).step_by(threads) {
                        self.hospital
                            .book_appointment(self.desk, &self.request(k))
                            .unwrap();
                    }
                });
            }
        });
        started.elapsed()
    }
}

/// The start of a doctor's `q`-th quarter hour, counting weekdays 06:00–22:00 from [`first_day`].
fn slot_start(q: usize) -> DateTime<Utc> {
    let day = (q / SLOTS_PER_DAY) as i64;
    let week = day / 5;
    first_day() + Duration::days(week * 7 + day % 5) + Duration::minutes(15 * (q % SLOTS_PER_DAY) as i64)
}

fn staff(family: &str, role: StaffRole, doctor: Option<DoctorProfile>) -> StaffDetails {
    StaffDetails {
        name: PersonName::new("Sam", family),
        license_number: doctor.as_ref().map(|_| format!("LIC-{family}")),
        role,
        department: None,
        phone: None,
        email: None,
        doctor,
    }
}

fn temp_sqlite(name: &str) -> (SqliteStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("hms-bench-{name}-{}.db", std::process::id()));
    remove_sqlite(&path);
    (SqliteStore::open(&path).unwrap(), path)
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn postgres_url() -> Option<String> {
    std::env::var("HMS_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("HMS_TEST_POSTGRES_URL"))
        .ok()
}

fn postgres(url: &str, schema: &str) -> PostgresStore {
    let store = PostgresStore::connect_with_schema(url, schema).unwrap();
    store.drop_schema().unwrap();
    PostgresStore::connect_with_schema(url, schema).unwrap()
}

/// Criterion's view: the time of one booking (one transaction with its audit entry and event).
fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("facade_booking");
    g.sample_size(10).measurement_time(StdDuration::from_secs(4));
    let memory = World::new(MemoryStore::new());
    g.bench_function("memory", |b| {
        b.iter_custom(|iters| memory.book(iters as usize, 1))
    });
    let (sqlite, path) = temp_sqlite("criterion");
    let sqlite = World::new(sqlite);
    g.bench_function("sqlite", |b| {
        b.iter_custom(|iters| sqlite.book(iters as usize, 1))
    });
    drop(sqlite);
    remove_sqlite(&path);
    if let Some(url) = postgres_url() {
        let world = World::new(postgres(&url, "hms_bench_criterion"));
        g.bench_function("postgres", |b| {
            b.iter_custom(|iters| world.book(iters as usize, 1))
        });
        world.hospital.store().drop_schema().unwrap();
    }
    g.finish();
}

/// Bookings per second on one backend, from one thread and from two (fresh worlds, `n` each).
fn throughput<S: Store>(name: &str, n: usize, make: impl Fn(&str) -> S) {
    for threads in [1, 2] {
        let world = World::new(make(&format!("{name}_{threads}")));
        world.book(n / 10, threads); // warm up: caches, prepared statements, pool connections
        let took = world.book(n, threads);
        println!(
            "  {name:<9} {threads} thread{}: {n:>6} bookings in {:>6.2} s = {:>7.0} bookings/s",
            if threads == 1 { " " } else { "s" },
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
    }
}

/// Our PostgreSQL booking against a bare `INSERT` into the same table, under the same constraints.
///
/// "Ours" is the backend's booking transaction as the facade uses it: `BEGIN`, the doctor's and the
/// patient's calendar queries, the appointment insert (exclusion constraints checked by the
/// database), `COMMIT`. "Bare" is one auto-committed `INSERT` of the same row, the least any
/// PostgreSQL application could do. Both run on one connection, alternating in rounds so that a
/// shared machine's noise falls on both alike.
fn postgres_overhead(url: &str) {
    use postgres::{Client, NoTls};

    let schema = "hms_bench_overhead";
    let world = World::new(postgres(url, schema));
    // One booking through the facade gives a real appointment to copy from.
    let template: Appointment = world
        .hospital
        .book_appointment(world.desk, &world.request(0))
        .unwrap();
    world.next.store(1, Ordering::SeqCst);
    let store = world.hospital.store();
    let mut client = Client::connect(&format!("{url} options='-c search_path={schema}'"), NoTls)
        .or_else(|_| Client::connect(url, NoTls))
        .unwrap();
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .unwrap();
    let insert = client
        .prepare(
            "INSERT INTO appointments (id, patient_id, doctor_id, starts_at, ends_at, visit_starts_at,
                 visit_ends_at, status, holds_time, shared, booked_by, client_key, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .unwrap();
    let mut id_counter = 1u128 << 100;
    let mut appointment = |k: usize| {
        let request = world.request(k);
        let mut a = template.clone();
        id_counter += 1;
        a.id = AppointmentId::from_uuid(uuid::Uuid::from_u128(id_counter));
        a.patient = request.patient;
        a.doctor = request.doctor;
        a.interval = Interval::new(request.start, request.start + Duration::minutes(15)).unwrap();
        a.held = a.interval;
        a.local_start = request.start.naive_utc();
        a
    };
    let rounds = 30;
    let per_round = 40;
    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let batch: Vec<Appointment> = (0..per_round)
            .map(|_| appointment(world.next.fetch_add(1, Ordering::SeqCst)))
            .collect();
        let started = Instant::now();
        for a in &batch {
            store
                .write(|w| {
                    let doctor = w.calendar_overlaps(Party::Doctor(a.doctor), &a.held)?;
                    let patient = w.calendar_overlaps(Party::Patient(a.patient), &a.held)?;
                    assert!(doctor.is_empty() && patient.is_empty());
                    w.insert_appointment(a)
                })
                .unwrap();
        }
        ours.push(started.elapsed().as_nanos() as f64 / per_round as f64);
        let batch: Vec<Appointment> = (0..per_round)
            .map(|_| appointment(world.next.fetch_add(1, Ordering::SeqCst)))
            .collect();
        let started = Instant::now();
        for a in &batch {
            client
                .execute(
                    &insert,
                    &[
                        a.id.as_uuid(),
                        a.patient.as_uuid(),
                        a.doctor.as_uuid(),
                        &a.held.start(),
                        &a.held.end(),
                        &a.interval.start(),
                        &a.interval.end(),
                        &a.status.code(),
                        &a.holds_time(),
                        &a.shared,
                        a.booked_by.as_uuid(),
                        &a.client_key,
                        &serde_json::to_value(a).unwrap(),
                    ],
                )
                .unwrap();
        }
        bare.push(started.elapsed().as_nanos() as f64 / per_round as f64);
    }
    let ours = percentiles(&mut ours);
    let bare = percentiles(&mut bare);
    println!(
        "  postgres booking transaction: median {:>7.0} µs; bare INSERT: median {:>7.0} µs; \
         ratio bare/ours = {:.2} (target ≥ 0.8)",
        ours.median_ns / 1e3,
        bare.median_ns / 1e3,
        bare.median_ns / ours.median_ns
    );
    store.drop_schema().unwrap();
}

fn summary() {
    println!("\nstorage: bookings per second through the facade (authorize, check, write, audit, event)");
    throughput("memory", 20_000, |_| MemoryStore::new());
    let paths = std::sync::Mutex::new(Vec::new());
    throughput("sqlite", 3_000, |name| {
        let (store, path) = temp_sqlite(name);
        paths.lock().unwrap().push(path);
        store
    });
    for path in paths.lock().unwrap().iter() {
        remove_sqlite(path);
    }
    match postgres_url() {
        Some(url) => {
            throughput("postgres", 2_000, |name| {
                postgres(&url, &format!("hms_bench_{name}"))
            });
            for threads in [1, 2] {
                postgres(&url, &format!("hms_bench_postgres_{threads}"))
                    .drop_schema()
                    .unwrap();
            }
            postgres_overhead(&url);
        }
        None => println!("  postgres: set HMS_BENCH_POSTGRES_URL to a server to measure it"),
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if benchmarking() {
        summary();
    }
}
