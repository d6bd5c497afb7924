//! Scheduling benchmarks (issue #3): conflict checks against one calendar of 100,000 and 1,000,000
//! bookings with the linear-scan ratio in the same run, and book + cancel at 100,000.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion};
use hms_benches::{benchmarking, per_call};
use hms_core::ids::AppointmentId;
use hms_core::scheduling::calendar::CalendarIndex;
use hms_core::time::Interval;
use hms_examples::Rng;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 3, 30, 0).unwrap()
}

/// A calendar of `n` 15-minute visits on a 20-minute grid (so there are gaps to find), and the list
/// a linear scan would walk.
fn calendar(n: usize) -> (CalendarIndex, Vec<(AppointmentId, Interval)>) {
    let mut c = CalendarIndex::new();
    let mut list = Vec::with_capacity(n);
    for i in 0..n {
        let s = base() + Duration::minutes(i as i64 * 20);
        let iv = Interval::new(s, s + Duration::minutes(15)).unwrap();
        let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1));
        c.insert(id, iv, false);
        list.push((id, iv));
    }
    (c, list)
}

/// Random 15-minute requests across the calendar's span: about a quarter land in a gap.
fn queries(n: usize, count: usize) -> Vec<Interval> {
    let mut rng = Rng::new(7);
    (0..count)
        .map(|_| {
            let s = base() + Duration::minutes(rng.below(n as u64 * 20) as i64);
            Interval::new(s, s + Duration::minutes(15)).unwrap()
        })
        .collect()
}

fn linear_any_overlap(list: &[(AppointmentId, Interval)], q: &Interval) -> bool {
    list.iter().any(|(_, iv)| iv.overlaps(q))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("conflict_check");
    for n in [100_000usize, 1_000_000] {
        let (cal, _) = calendar(n);
        let qs = queries(n, 4096);
        g.bench_with_input(BenchmarkId::new("index", n), &n, |b, _| {
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) & 4095;
                black_box(cal.any_overlap(&qs[k]))
            })
        });
    }
    let (_, list) = calendar(100_000);
    let qs = queries(100_000, 4096);
    g.sample_size(10);
    g.bench_function("linear_scan/100000", |b| {
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) & 4095;
            black_box(linear_any_overlap(&list, &qs[k]))
        })
    });
    g.finish();

    let (mut cal, _) = calendar(100_000);
    let qs = queries(100_000, 4096);
    c.bench_function("book_and_cancel/100000", |b| {
        let mut k = 0u128;
        b.iter(|| {
            k += 1;
            let q = qs[(k & 4095) as usize];
            let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(10_000_000 + k));
            if !cal.any_overlap(&q) {
                cal.insert(id, q, false);
                cal.remove(id, q);
            }
        })
    });
}

fn line(label: &str, s: &hms_benches::Stats) {
    println!(
        "  {label:<44} wall {:>7.0} / {:>7.0}   cpu {:>7.0} / {:>7.0}",
        s.median_ns, s.p99_ns, s.cpu_median_ns, s.cpu_p99_ns
    );
}

fn summary() {
    println!(
        "\nscheduling summary (ns per call, median / p99 over batches; wall clock and thread on-CPU time)"
    );
    for n in [100_000usize, 1_000_000] {
        let (cal, list) = calendar(n);
        let qs = queries(n, 4096);
        let idx = per_call(201, 1000, |k| {
            black_box(cal.any_overlap(&qs[k & 4095]));
        });
        line(&format!("conflict check, index, {n} bookings"), &idx);
        if n == 100_000 {
            let lin = per_call(31, 20, |k| {
                black_box(linear_any_overlap(&list, &qs[k & 4095]));
            });
            line(&format!("conflict check, linear scan, {n} bookings"), &lin);
            println!(
                "  index is {:.0}x faster than a linear scan (wall), {:.0}x (cpu)",
                lin.median_ns / idx.median_ns,
                lin.cpu_median_ns / idx.cpu_median_ns
            );
        }
    }
    let (mut cal, _) = calendar(100_000);
    let qs = queries(100_000, 4096);
    let bc = per_call(201, 1000, |k| {
        let q = qs[k & 4095];
        let id = AppointmentId::from_uuid(uuid::Uuid::from_u128(10_000_000 + k as u128));
        if !cal.any_overlap(&q) {
            cal.insert(id, q, false);
            cal.remove(id, q);
        }
    });
    line("check + book + cancel, 100000 bookings", &bc);
}

/// A clinic on the in-memory store for the facade benches: 50 doctors working weekdays 00:00–23:00
/// in quarter hours, 2,000 patients, a front-desk account that books.
fn facade_clinic() -> (
    hms_core::Hospital<hms_core::store::MemoryStore>,
    hms_core::ids::AccountId,
    Vec<hms_core::ids::StaffId>,
    Vec<hms_core::ids::PatientId>,
) {
    use hms_core::ids::SeededIds;
    use hms_core::money::{Currency, Money};
    use hms_core::people::*;
    use hms_core::scheduling::availability::{AvailabilityTemplate, WeeklyHours};
    use hms_core::scheduling::VisitType;
    use hms_core::store::MemoryStore;
    use hms_core::time::ManualClock;
    use hms_core::{Hospital, HospitalSettings};
    use std::sync::Arc;

    let now = base() - Duration::days(1);
    let h = Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings::default(),
        Arc::new(ManualClock::new(now)),
        Arc::new(SeededIds::new(1)),
    );
    let admin = h.bootstrap_admin("admin").unwrap().id;
    // The front desk books (the access policy keeps booking away from the administrator account).
    let desk_staff = h
        .hire_staff(
            admin,
            StaffDetails {
                name: PersonName::new("Dana", "Desk"),
                role: StaffRole::Receptionist,
                department: None,
                phone: None,
                email: None,
                license_number: None,
                doctor: None,
            },
        )
        .unwrap();
    let desk = h
        .open_account(
            admin,
            NewAccount {
                login: "desk".into(),
                person: Some(PersonRef::Staff(desk_staff.id)),
                roles: [hms_core::access::Role::Receptionist].into(),
            },
        )
        .unwrap()
        .id;
    let t = |hh| chrono::NaiveTime::from_hms_opt(hh, 0, 0).unwrap();
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
    ];
    let mut doctors = Vec::new();
    for i in 0..50 {
        let d = h
            .hire_staff(
                admin,
                StaffDetails {
                    name: PersonName::new("Doc", format!("D{i}")),
                    role: StaffRole::Doctor,
                    department: None,
                    phone: None,
                    email: None,
                    license_number: Some(format!("L{i}")),
                    doctor: Some(DoctorProfile {
                        specialization: "gp".into(),
                        consultation_fee: Money::from_minor(100, Currency::USD),
                    }),
                },
            )
            .unwrap();
        let template = AvailabilityTemplate {
            doctor: d.id,
            location: None,
            zone: chrono_tz::UTC,
            weekly_hours: days.iter().map(|wd| WeeklyHours::new(*wd, t(0), t(23))).collect(),
            effective_from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            effective_until: None,
            slot_minutes: 15,
            visit_types: vec![VisitType::new("follow_up", "Follow-up", 15)],
            capacity: 1,
            lead_time_minutes: 0,
            horizon_days: 3650,
        };
        h.set_availability(admin, d.id, vec![template]).unwrap();
        doctors.push(d.id);
    }
    let forms: Vec<PatientDetails> = (0..2000)
        .map(|i| {
            let mut p = PatientDetails::new(
                PersonName::new("P", format!("N{i}")),
                chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
                AdministrativeSex::Unknown,
            );
            p.phone = Some(format!("+1 212 555 {i:04}"));
            p
        })
        .collect();
    let patients: Vec<_> = h
        .register_patients(admin, &forms)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    (h, desk, doctors, patients)
}

/// 20,000 booking requests for [`facade_clinic`]: 50 doctors × 400 quarter hours on weekdays;
/// patients rotate, so no two collide.
fn facade_requests(
    doctors: &[hms_core::ids::StaffId],
    patients: &[hms_core::ids::PatientId],
) -> Vec<hms_core::hospital::BookingRequest> {
    (0..20_000usize)
        .map(|k| {
            let doctor = doctors[k % doctors.len()];
            let q = (k / doctors.len()) as i64; // quarter-hour index per doctor
            let day = q / 92; // 23 hours × 4
            let start = base() - Duration::minutes(210)
                + Duration::days(day + (day / 5) * 2)
                + Duration::minutes(15 * (q % 92));
            let patient = patients[k % patients.len()];
            hms_core::hospital::BookingRequest::new(patient, doctor, "follow_up", start)
        })
        .collect()
}

/// Bookings per second through the whole facade on the in-memory store: authorize, load the
/// doctor's template, check working hours, conflicts on doctor and patient, write, record the event.
/// Once one call per booking, once as one `book_many` call (one transaction).
fn facade_bookings_per_second() {
    let (h, desk, doctors, patients) = facade_clinic();
    let requests = facade_requests(&doctors, &patients);
    let n = requests.len();
    let (booked, secs, cpu) = hms_benches::wall_and_cpu(|| {
        let mut booked = 0;
        for request in &requests {
            match h.book_appointment(desk, request) {
                Ok(_) => booked += 1,
                Err(e) if booked == 0 => panic!("the facade refused the first booking: {e}"),
                Err(_) => {}
            }
        }
        booked
    });
    println!(
        "  facade bookings on the in-memory store: {booked} of {n} in {secs:.2} s wall ({:.0}/s), {cpu:.2} s cpu ({:.0}/s)",
        booked as f64 / secs,
        booked as f64 / cpu
    );
    let (h, desk, doctors, patients) = facade_clinic();
    let requests = facade_requests(&doctors, &patients);
    let (booked, secs, cpu) = hms_benches::wall_and_cpu(|| {
        h.book_many(desk, &requests)
            .expect("the bulk booking goes through")
            .len()
    });
    println!(
        "  book_many on the in-memory store: {booked} of {n} in {secs:.3} s wall ({:.0}/s), {cpu:.3} s cpu ({:.0}/s)",
        booked as f64 / secs,
        booked as f64 / cpu
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if benchmarking() {
        summary();
        facade_bookings_per_second();
    }
}
