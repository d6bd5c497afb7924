//! The hospital-day simulation behind `cargo run --release --example hospital_day`.
//!
//! It drives a [`Hospital`] through a realistic day with deterministic, seeded choices, and returns the
//! figures of the day. The simulation lives in this library (not in the example's `main`) so that the
//! test suite runs a small day on every change.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::access::Role;
use hms_core::billing::{
    ChargeRequest, ChargeSource, CoveragePlan, Invoice, ItemKind, PaymentMethod, PaymentRequest, Price,
    PriceItem, PriceVersion, TaxRate,
};
use hms_core::hospital::{
    BookingRequest, CounterSale, CounterSaleLine, DispenseLineRequest, DispenseRequest,
};
use hms_core::ids::{AccountId, DrugId, PatientId, SeededIds};
use hms_core::money::{Currency, Money};
use hms_core::people::{
    AdministrativeSex, ContactRelationship, DoctorProfile, EmergencyContact, InsurancePolicy, NewAccount,
    PatientDetails, PersonName, PersonRef, StaffDetails, StaffRole,
};
use hms_core::pharmacy::{
    Alert, DosageForm, Drug, DrugDetails, GoodsReceipt, Location, NewPrescription, PharmacyError,
    PrescriptionLine, ReorderRule,
};
use hms_core::scheduling::availability::{AvailabilityTemplate, DateRange, WeeklyHours};
use hms_core::scheduling::{Appointment, AppointmentStatus, VisitType};
use hms_core::store::Store;
use hms_core::time::{Clock, ManualClock};
use hms_core::{Error, Hospital, HospitalSettings, Result};
use rust_decimal::Decimal;

/// A small deterministic random generator (SplitMix64), so a seed reproduces a day exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = usize::try_from(self.below(items.len() as u64)).ok()?;
        items.get(i)
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const GIVEN_F: &[&str] = &[
    "Asha", "Priya", "Meera", "Ananya", "Kavya", "Divya", "Lakshmi", "Fatima", "Sara", "Maria", "Emma",
    "Olivia", "Aisha", "Nisha", "Pooja", "Sunita", "Grace", "Chen", "Yuki", "Amara",
];
const GIVEN_M: &[&str] = &[
    "Rahul", "Arjun", "Vikram", "Ravi", "Karthik", "Imran", "Joseph", "David", "Rohan", "Sanjay", "Liam",
    "Noah", "Omar", "Wei", "Kenji", "Tunde", "Mateo", "Aditya", "Farhan", "Suresh",
];
const FAMILY: &[&str] = &[
    "Rao",
    "Sharma",
    "Iyer",
    "Nair",
    "Patel",
    "Reddy",
    "Khan",
    "Das",
    "Menon",
    "Gupta",
    "Singh",
    "Joshi",
    "Fernandes",
    "Thomas",
    "Mukherjee",
    "Kapoor",
    "Banerjee",
    "Pillai",
    "Chowdhury",
    "Verma",
    "Okafor",
    "Smith",
    "Garcia",
    "Tanaka",
    "Wang",
    "Hassan",
    "Mehta",
    "Kulkarni",
    "Shetty",
    "Bose",
];
const DEPARTMENTS: &[(&str, i64)] = &[
    ("general medicine", 50_000),
    ("cardiology", 120_000),
    ("orthopaedics", 100_000),
    ("paediatrics", 70_000),
    ("dermatology", 80_000),
    ("obstetrics", 90_000),
    ("ent", 60_000),
    ("neurology", 150_000),
];
const PAYERS: &[&str] = &["Star Health", "HDFC Ergo", "ICICI Lombard", "Niva Bupa", "CGHS"];

/// A doctor's week: Monday to Saturday 09:00–13:00 and 14:00–17:00 in Kolkata, quarter-hour slots,
/// bookable from 15 minutes ahead up to 60 days out.
pub fn clinic_template(doctor: hms_core::ids::StaffId, from: NaiveDate) -> AvailabilityTemplate {
    use chrono::{NaiveTime, Weekday};
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let mut weekly_hours = Vec::new();
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
    ] {
        weekly_hours.push(WeeklyHours::new(day, t(9), t(13)));
        weekly_hours.push(WeeklyHours::new(day, t(14), t(17)));
    }
    let mut procedure = VisitType::new("procedure", "Minor procedure", 45);
    procedure.buffer_minutes = 15;
    procedure.required_resource_kinds = vec!["procedure_room".into()];
    AvailabilityTemplate {
        doctor,
        location: Some("outpatient block".into()),
        zone: chrono_tz::Asia::Kolkata,
        weekly_hours,
        effective_from: from - chrono::Duration::days(365),
        effective_until: None,
        slot_minutes: 15,
        visit_types: vec![
            VisitType::new("new_patient", "New patient", 30),
            VisitType::new("follow_up", "Follow-up", 15),
            procedure,
        ],
        capacity: 1,
        lead_time_minutes: 15,
        horizon_days: 60,
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Walk-in and pre-registered patients of the day.
    pub patients: usize,
    /// Doctors on the roster.
    pub doctors: usize,
    /// Nurses on the roster.
    pub nurses: usize,
    /// The day simulated (in the hospital's zone).
    pub date: NaiveDate,
}

impl Default for DayConfig {
    /// A 200-bed hospital's outpatient side: about 60 doctors, 150 nurses, 600 registrations a day.
    fn default() -> Self {
        DayConfig {
            seed: 2026,
            patients: 600,
            doctors: 60,
            nurses: 150,
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        }
    }
}

/// The figures of a simulated day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DaySummary {
    /// The day simulated: the configured day for a new hospital, the day after its last recorded day
    /// for one that already has a history.
    pub date: NaiveDate,
    /// Staff on the roster, by role.
    pub staff_by_role: Vec<(StaffRole, usize)>,
    /// Patients registered today.
    pub patients_registered: usize,
    /// Registrations refused as duplicates of an existing patient.
    pub duplicates_refused: usize,
    /// Registrations refused for invalid input.
    pub invalid_refused: usize,
    /// Requests the access policy denied.
    pub access_denied: usize,
    /// Visits booked today (for today and the next days).
    pub visits_booked: usize,
    /// Booking attempts refused because the time was taken.
    pub conflicts_refused: usize,
    /// Repeated booking requests answered with the first booking.
    pub idempotent_replays: usize,
    /// Visits moved to another time.
    pub rescheduled: usize,
    /// Visits cancelled.
    pub cancelled: usize,
    /// Patients seen (visits fulfilled).
    pub patients_seen: usize,
    /// Visits marked no-show by the evening sweep.
    pub no_shows: usize,
    /// Fulfilled visits per doctor today: fewest, mean, most.
    pub doctor_load: (usize, f64, usize),
    /// Invoices issued this evening (one per patient seen).
    pub invoices_issued: usize,
    /// Issued invoices with an insurer's share.
    pub insured_invoices: usize,
    /// Revenue billed today, in rupees (the hospital bills in INR): Σ invoice totals.
    pub billed: Decimal,
    /// Of that, the insurers' shares.
    pub billed_to_payers: Decimal,
    /// Money received today: Σ payments (patients and insurers).
    pub collected: Decimal,
    /// Payments recorded (a repeated card terminal message counted once).
    pub payments: usize,
    /// Payments that settled only part of what the patient owed.
    pub partial_payments: usize,
    /// Repeated payment messages answered with the payment already recorded.
    pub payment_replays: usize,
    /// What patients still owe at the end of the day.
    pub patient_dues: Decimal,
    /// What insurers still owe at the end of the day.
    pub payer_dues: Decimal,
    /// Prescriptions doctors wrote at the end of a visit.
    pub prescriptions_written: usize,
    /// Prescriptions the pharmacy handed out (fully or in part), first-expiry-first-out.
    pub prescriptions_dispensed: usize,
    /// Over-the-counter sales.
    pub counter_sales: usize,
    /// Units handed out (prescriptions and counter sales).
    pub units_dispensed: u64,
    /// Requests that met too little stock: the pharmacy handed out what it had, or nothing.
    pub dispenses_short: usize,
    /// Stock alerts standing at the end of the day: low stock, expiring soon, expired on hand.
    pub stock_alerts: (usize, usize, usize),
    /// Units the low-stock alerts suggest reordering.
    pub reorder_suggested: u64,
    /// What the stock on hand cost (first in, first out), at the end of the day.
    pub stock_value: Option<Money>,
    /// Patients in the store at the end of the day (all days so far).
    pub patients_total: u64,
    /// Domain events written today.
    pub events: usize,
    /// Audit entries written today.
    pub audit_entries: usize,
    /// Wall-clock time the simulation took.
    pub elapsed: StdDuration,
}

impl fmt::Display for DaySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "end of day {}", self.date)?;
        for (role, n) in &self.staff_by_role {
            writeln!(f, "  staff {:<16} {n:>6}", format!("{role:?}").to_lowercase())?;
        }
        writeln!(f, "  patients registered    {:>6}", self.patients_registered)?;
        writeln!(f, "  duplicates refused     {:>6}", self.duplicates_refused)?;
        writeln!(f, "  invalid forms refused  {:>6}", self.invalid_refused)?;
        writeln!(f, "  access denied          {:>6}", self.access_denied)?;
        writeln!(f, "  visits booked          {:>6}", self.visits_booked)?;
        writeln!(f, "  conflicts refused      {:>6}", self.conflicts_refused)?;
        writeln!(f, "  repeated requests      {:>6}", self.idempotent_replays)?;
        writeln!(f, "  rescheduled            {:>6}", self.rescheduled)?;
        writeln!(f, "  cancelled              {:>6}", self.cancelled)?;
        writeln!(f, "  patients seen          {:>6}", self.patients_seen)?;
        writeln!(f, "  no-shows               {:>6}", self.no_shows)?;
        let (lo, mean, hi) = self.doctor_load;
        writeln!(
            f,
            "  doctor load            {lo} / {mean:.1} / {hi} visits (fewest / mean / most)"
        )?;
        writeln!(f, "  invoices issued        {:>6}", self.invoices_issued)?;
        writeln!(f, "    with insurance       {:>6}", self.insured_invoices)?;
        writeln!(
            f,
            "  revenue billed         {:>16}",
            format!("{:.2} INR", self.billed)
        )?;
        writeln!(
            f,
            "    to insurers          {:>16}",
            format!("{:.2} INR", self.billed_to_payers)
        )?;
        writeln!(
            f,
            "  revenue collected      {:>16}",
            format!("{:.2} INR", self.collected)
        )?;
        writeln!(
            f,
            "  payments               {:>6} ({} partial, {} repeated messages)",
            self.payments, self.partial_payments, self.payment_replays
        )?;
        writeln!(
            f,
            "  dues: patients         {:>16}",
            format!("{:.2} INR", self.patient_dues)
        )?;
        writeln!(
            f,
            "  dues: insurers         {:>16}",
            format!("{:.2} INR", self.payer_dues)
        )?;
        writeln!(
            f,
            "  prescriptions          {:>6} written, {} dispensed",
            self.prescriptions_written, self.prescriptions_dispensed
        )?;
        writeln!(f, "  counter sales          {:>6}", self.counter_sales)?;
        writeln!(f, "  units dispensed        {:>6}", self.units_dispensed)?;
        writeln!(f, "  short of stock         {:>6}", self.dispenses_short)?;
        let (low, expiring, expired) = self.stock_alerts;
        writeln!(
            f,
            "  stock alerts           {low} low (reorder {} units) / {expiring} expiring / {expired} expired",
            self.reorder_suggested
        )?;
        if let Some(v) = &self.stock_value {
            writeln!(f, "  stock value (FIFO)     {v}")?;
        }
        writeln!(f, "  patients on file       {:>6}", self.patients_total)?;
        writeln!(f, "  events written         {:>6}", self.events)?;
        writeln!(f, "  audit entries          {:>6}", self.audit_entries)?;
        write!(
            f,
            "  took                   {:>6.2} s",
            self.elapsed.as_secs_f64()
        )
    }
}

fn person(rng: &mut Rng) -> (PersonName, AdministrativeSex) {
    let female = rng.chance(52);
    let given = if female {
        rng.pick(GIVEN_F)
    } else {
        rng.pick(GIVEN_M)
    };
    let family = rng.pick(FAMILY);
    let sex = if female {
        AdministrativeSex::Female
    } else {
        AdministrativeSex::Male
    };
    (
        PersonName::new(given.copied().unwrap_or("Alex"), family.copied().unwrap_or("Doe")),
        sex,
    )
}

fn phone(rng: &mut Rng) -> String {
    format!("+91 9{:04} {:05}", rng.below(10_000), rng.below(100_000))
}

/// A plausible registration form; about one in fifty has a typing mistake.
pub fn patient_form(rng: &mut Rng, today: NaiveDate) -> PatientDetails {
    let (name, sex) = person(rng);
    let age_days = i64::try_from(rng.below(90 * 365)).unwrap_or(0);
    let birth_date = today - chrono::Duration::days(age_days);
    let mut d = PatientDetails::new(name, birth_date, sex);
    d.phone = Some(phone(rng));
    if rng.chance(70) {
        d.national_id = Some(format!(
            "{:04} {:04} {:04}",
            rng.below(10_000),
            rng.below(10_000),
            rng.below(10_000)
        ));
    }
    if rng.chance(45) {
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(today);
        d.insurance.push(InsurancePolicy {
            payer: rng.pick(PAYERS).copied().unwrap_or("CGHS").to_owned(),
            member_id: format!("M-{:08}", rng.below(100_000_000)),
            plan: None,
            valid_from: from,
            valid_until: Some(from + chrono::Duration::days(364)),
        });
    }
    if rng.chance(80) {
        let (contact, _) = person(rng);
        d.emergency_contacts.push(EmergencyContact {
            name: contact.full(),
            relationship: *rng
                .pick(&[
                    ContactRelationship::Spouse,
                    ContactRelationship::Parent,
                    ContactRelationship::Child,
                ])
                .unwrap_or(&ContactRelationship::Other),
            phone: phone(rng),
            email: None,
        });
    }
    if rng.chance(2) {
        d.phone = Some("98-45".into()); // too short: the form is sent back
    }
    d
}

/// Runs the day on `store`, calling `progress` with a line now and then.
///
/// # Errors
/// Any error that is not an expected, counted refusal (a storage failure, say).
pub fn run_day<S: Store>(store: S, config: &DayConfig, progress: &mut dyn FnMut(&str)) -> Result<DaySummary> {
    let started = Instant::now();
    let zone = chrono_tz::Asia::Kolkata;

    // A hospital with a history continues it: the next day after its last recorded one, with ids
    // and choices seeded by the seed *and* the history, so that a second run on the same database
    // neither reuses the first run's ids nor replays its patients.
    let (events_before, last_event) = store.read(|r| {
        let events = r.events_after(0, usize::MAX)?;
        Ok((events.len(), events.last().map(|e| e.at)))
    })?;
    let audit_before = store.read(|r| r.audit_after(0, usize::MAX))?.len();
    let date = match last_event {
        Some(at) => config
            .date
            .max(at.with_timezone(&zone).date_naive() + chrono::Duration::days(1)),
        None => config.date,
    };
    let seed = match events_before {
        0 => config.seed,
        n => config.seed ^ Rng::new(n as u64).next_u64(),
    };
    if events_before > 0 {
        progress(&format!("continuing a history of {events_before} events"));
    }

    let at_local = |h: u32, m: u32| {
        zone.from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    let clock = Arc::new(ManualClock::new(at_local(7, 0)));
    let hospital = Hospital::with_environment(
        store,
        HospitalSettings {
            name: "St. Example General (200 beds)".into(),
            zone,
            currency: Currency::INR,
            ..HospitalSettings::default()
        },
        clock.clone(),
        Arc::new(SeededIds::new(seed)),
    );
    let mut rng = Rng::new(seed);
    let mut summary = DaySummary {
        date,
        ..DaySummary::default()
    };

    // Continue an existing hospital's history, or open a new one.
    let existing_admin = hospital.store().read(|r| r.account_by_login("admin"))?;
    let admin = match existing_admin {
        Some(a) => a.id,
        None => hospital.bootstrap_admin("admin")?.id,
    };
    let desks = hire_roster(&hospital, admin, config, &mut rng, &mut summary, progress)?;
    let doctors = hospital.list_staff(admin, Some(StaffRole::Doctor))?;
    let doctor_accounts = doctor_accounts(&hospital)?;

    let pharmacists = logins(&hospital, "pharm", 4)?;
    let pharmacist = |i: usize| {
        pharmacists
            .get(i % pharmacists.len().max(1))
            .copied()
            .unwrap_or(admin)
    };
    // The pharmacy draws from its own generator, so the desks' and clinics' day stays what it was.
    let mut pharmacy_rng = Rng::new(seed ^ 0x5048_4152_4d41);
    let formulary = stock_pharmacy(&hospital, pharmacist(0), &mut pharmacy_rng, progress)?;

    progress("07:00 front desks open: registering and booking");
    let today = hospital.today();
    let mut registered = Vec::new();
    let mut booked: Vec<Appointment> = Vec::new();
    for i in 0..config.patients {
        clock.advance(chrono::Duration::seconds(9))?;
        let desk = desks.get(i % desks.len().max(1)).copied().unwrap_or(admin);
        let form = if !registered.is_empty() && rng.chance(3) {
            // A returning patient registers again at another desk: must be caught as a duplicate.
            let idx = usize::try_from(rng.below(registered.len() as u64)).unwrap_or(0);
            registered
                .get(idx)
                .cloned()
                .unwrap_or_else(|| patient_form(&mut rng, today))
        } else {
            patient_form(&mut rng, today)
        };
        let patient = match hospital.register_patient(desk, form.clone()) {
            Ok(p) => {
                summary.patients_registered += 1;
                registered.push(form);
                p
            }
            Err(e) if e.code() == "duplicate" => {
                summary.duplicates_refused += 1;
                continue;
            }
            Err(e) if e.code() == "invalid_input" => {
                summary.invalid_refused += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(a) = book_visit(
            &hospital,
            desk,
            patient.id,
            &doctors,
            today,
            &mut rng,
            &mut summary,
        )? {
            booked.push(a);
        }
        // Now and then the desk tries a time that is already taken (a phone booking crossed with a
        // walk-in): the conflict is refused.
        if rng.chance(4) {
            if let Some(taken) = pick(&mut rng, &booked).filter(|a| a.patient != patient.id) {
                let request = BookingRequest::new(
                    patient.id,
                    taken.doctor,
                    taken.visit_type.clone(),
                    taken.interval.start(),
                );
                match hospital.book_appointment(desk, &request) {
                    Err(e) if e.code() == "slot_conflict" => summary.conflicts_refused += 1,
                    Err(e) if is_expected_refusal(&e) => {}
                    Err(e) => return Err(e),
                    Ok(a) => booked.push(a),
                }
            }
        }
        // Some bookings change: a move to a later free time, or a cancellation.
        if rng.chance(6) {
            if let Some(a) = pick(&mut rng, &booked).cloned() {
                let later = a.interval.start() + chrono::Duration::minutes(15 * (1 + rng.below(8) as i64));
                match hospital.reschedule_appointment(desk, a.id, later, None) {
                    Ok(moved) => {
                        summary.rescheduled += 1;
                        replace(&mut booked, moved);
                    }
                    Err(e) if e.code() == "slot_conflict" => summary.conflicts_refused += 1,
                    // The desk's list is stale: the visit was moved or cancelled already.
                    Err(e) if e.code() == "invalid_transition" => {}
                    Err(e) if is_expected_refusal(&e) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if rng.chance(4) {
            if let Some(a) = pick(&mut rng, &booked).cloned() {
                match hospital.cancel_appointment(desk, a.id, "patient called to cancel") {
                    Ok(c) => {
                        summary.cancelled += 1;
                        replace(&mut booked, c);
                    }
                    Err(e) if e.code() == "invalid_transition" => {}
                    Err(e) => return Err(e),
                }
            }
        }
        // Now and then someone buys a pack of something for a headache or hay fever at the counter.
        if pharmacy_rng.chance(10) {
            sell_over_the_counter(
                &hospital,
                pharmacist(i),
                &formulary,
                &mut pharmacy_rng,
                &mut summary,
            )?;
        }
        if (i + 1) % 100 == 0 {
            progress(&format!(
                "  {} forms processed, {} visits booked",
                i + 1,
                booked.len()
            ));
        }
    }

    // A curious desk clerk tries to hire themself a colleague: the policy refuses.
    if let Some(desk) = desks.first() {
        let (name, _) = person(&mut rng);
        let attempt = hospital.hire_staff(
            *desk,
            StaffDetails {
                name,
                role: StaffRole::Admin,
                department: None,
                phone: None,
                email: None,
                license_number: None,
                doctor: None,
            },
        );
        if matches!(&attempt, Err(e) if e.code() == "forbidden") {
            summary.access_denied += 1;
        }
    }

    progress("09:00 clinics open: patients arrive, are seen, or do not come");
    let billing = BillingStaff::sign_in(&hospital)?;
    if let Some(b) = &billing {
        b.open_price_list(&hospital)?;
    }
    let mut seen: Vec<PatientId> = Vec::new();
    let mut visits: Vec<Appointment> = booked
        .iter()
        .filter(|a| a.status == AppointmentStatus::Booked && a.interval.start() < at_local(23, 59))
        .cloned()
        .collect();
    visits.sort_by_key(|a| a.interval.start());
    for a in &visits {
        if clock.now() < a.interval.start() {
            clock.set(a.interval.start());
        }
        if rng.chance(9) {
            continue; // does not come: the evening sweep marks it
        }
        // The front desk records the arrival and check-in; the doctor records the visit.
        let desk = desks.first().copied().unwrap_or(admin);
        let doctor = doctor_accounts
            .iter()
            .find(|(staff, _)| *staff == a.doctor)
            .map_or(admin, |(_, account)| *account);
        hospital.change_status(desk, a.id, AppointmentStatus::Arrived, None)?;
        hospital.change_status(desk, a.id, AppointmentStatus::CheckedIn, None)?;
        hospital.change_status(doctor, a.id, AppointmentStatus::Fulfilled, None)?;
        summary.patients_seen += 1;
        if let Some(b) = &billing {
            charge_visit(&hospital, b, desk, a, &mut rng)?;
        }
        if !seen.contains(&a.patient) {
            seen.push(a.patient);
        }
        // Many visits end with a prescription, which the patient takes to the pharmacy.
        if doctor != admin && pharmacy_rng.chance(45) {
            let pharmacist = pharmacist(summary.patients_seen);
            prescribe_and_dispense(
                &hospital,
                doctor,
                pharmacist,
                a.patient,
                &formulary,
                &mut pharmacy_rng,
                &mut summary,
            )?;
        }
    }
    clock.set(at_local(19, 0));
    summary.no_shows = hospital.sweep_no_shows(chrono::Duration::minutes(30))?.len();
    progress("19:00 no-show sweep done; billing the day");
    if let Some(b) = &billing {
        bill_the_day(
            &hospital,
            b,
            &desks,
            &doctor_accounts,
            &seen,
            &mut rng,
            &mut summary,
        )?;
    }
    // The nightly stock sweep publishes the alerts that change with the date alone; the pharmacy's
    // end-of-day list is every alert standing now.
    hospital.sweep_stock_alerts()?;
    for alert in hospital.stock_alerts(pharmacist(0))? {
        match alert {
            Alert::LowStock {
                suggested_quantity, ..
            } => {
                summary.stock_alerts.0 += 1;
                summary.reorder_suggested += u64::from(suggested_quantity);
            }
            Alert::ExpiringSoon { .. } => summary.stock_alerts.1 += 1,
            Alert::Expired { .. } => summary.stock_alerts.2 += 1,
        }
    }
    summary.stock_value = Some(hospital.stock_valuation(pharmacist(0))?.total);
    progress("20:00 invoices issued, payments taken; counting the day");

    let mut loads: Vec<usize> = Vec::with_capacity(doctors.len());
    for d in &doctors {
        let day = hospital.doctor_day(admin, d.id, today)?;
        loads.push(
            day.appointments
                .iter()
                .filter(|a| a.status == AppointmentStatus::Fulfilled)
                .count(),
        );
    }
    loads.sort_unstable();
    summary.doctor_load = (
        loads.first().copied().unwrap_or(0),
        loads.iter().sum::<usize>() as f64 / loads.len().max(1) as f64,
        loads.last().copied().unwrap_or(0),
    );
    summary.visits_booked = booked.len();
    summary.patients_total = hospital.store().read(|r| r.count_patients())?;
    summary.events = hospital
        .events_after(0, usize::MAX)?
        .len()
        .saturating_sub(events_before);
    summary.audit_entries = hospital
        .audit_after(0, usize::MAX)?
        .len()
        .saturating_sub(audit_before);
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Errors the desk meets in normal work and takes in its stride (the time went past, the day is full).
fn is_expected_refusal(e: &hms_core::Error) -> bool {
    matches!(
        e.code(),
        "outside_availability" | "lead_time" | "in_past" | "beyond_horizon" | "no_resource"
    )
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> Option<&'a T> {
    rng.pick(items)
}

fn replace(list: &mut [Appointment], a: Appointment) {
    if let Some(slot) = list.iter_mut().find(|x| x.id == a.id) {
        *slot = a;
    }
}

/// The desk books a patient with a doctor of a random department: the earliest of a few free slots
/// today, or in the next days when today is full.
fn book_visit<S: Store>(
    hospital: &Hospital<S>,
    desk: AccountId,
    patient: hms_core::ids::PatientId,
    doctors: &[hms_core::people::Staff],
    today: NaiveDate,
    rng: &mut Rng,
    summary: &mut DaySummary,
) -> Result<Option<Appointment>> {
    let Some((department, _)) = rng.pick(DEPARTMENTS).copied() else {
        return Ok(None);
    };
    if !doctors
        .iter()
        .any(|d| d.doctor().is_some_and(|p| p.specialization == department))
    {
        return Ok(None);
    }
    let visit = if rng.chance(5) && matches!(department, "orthopaedics" | "dermatology") {
        "procedure"
    } else if rng.chance(35) {
        "new_patient"
    } else {
        "follow_up"
    };
    for days in [0, 1, 3] {
        let from = today + chrono::Duration::days(days);
        let range = DateRange::new(from, from + chrono::Duration::days(2))?;
        let slots = hospital.search_slots(desk, Some(department), visit, range)?;
        if slots.is_empty() {
            continue;
        }
        let window = slots.len().min(6) as u64;
        let Some(choice) = slots.get(usize::try_from(rng.below(window)).unwrap_or(0)) else {
            continue;
        };
        let mut request = BookingRequest::new(patient, choice.doctor, visit, choice.slot.interval.start());
        request.client_key = Some(format!("desk-{}-{}", desk, patient));
        match hospital.book_appointment(desk, &request) {
            Ok(a) => {
                // The desk's tablet retries the same request on a flaky network: same key, same booking.
                if rng.chance(5) {
                    let again = hospital.book_appointment(desk, &request)?;
                    if again.id == a.id {
                        summary.idempotent_replays += 1;
                    }
                }
                return Ok(Some(a));
            }
            Err(e) if e.code() == "slot_conflict" => summary.conflicts_refused += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// The formulary the simulated pharmacy carries: generic name, strength, ATC code, form, whether a
/// prescription is needed, price per unit in paise, reorder level at the main pharmacy.
const FORMULARY: &[(&str, &str, &str, DosageForm, bool, i64, u32)] = &[
    (
        "paracetamol",
        "500 mg",
        "N02BE01",
        DosageForm::Tablet,
        false,
        200,
        300,
    ),
    (
        "ibuprofen",
        "400 mg",
        "M01AE01",
        DosageForm::Tablet,
        false,
        350,
        200,
    ),
    (
        "cetirizine",
        "10 mg",
        "R06AE07",
        DosageForm::Tablet,
        false,
        400,
        120,
    ),
    (
        "amoxicillin",
        "500 mg",
        "J01CA04",
        DosageForm::Capsule,
        true,
        900,
        250,
    ),
    (
        "azithromycin",
        "500 mg",
        "J01FA10",
        DosageForm::Tablet,
        true,
        2500,
        150,
    ),
    (
        "metformin",
        "500 mg",
        "A10BA02",
        DosageForm::Tablet,
        true,
        150,
        300,
    ),
    (
        "amlodipine",
        "5 mg",
        "C08CA01",
        DosageForm::Tablet,
        true,
        250,
        200,
    ),
    (
        "omeprazole",
        "20 mg",
        "A02BC01",
        DosageForm::Capsule,
        true,
        500,
        150,
    ),
];

/// The main pharmacy's location code.
fn main_pharmacy() -> Result<Location> {
    Location::parse("main").map_err(Error::from)
}

/// The accounts `{prefix}1` … `{prefix}{n}` that exist.
fn logins<S: Store>(hospital: &Hospital<S>, prefix: &str, n: usize) -> Result<Vec<AccountId>> {
    let mut out = Vec::new();
    for i in 1..=n {
        if let Some(a) = hospital
            .store()
            .read(|r| r.account_by_login(&format!("{prefix}{i}")))?
        {
            out.push(a.id);
        }
    }
    Ok(out)
}

/// The doctors' own accounts (`dr1`, `dr2`, …) as (staff member, account) pairs.
fn doctor_accounts<S: Store>(hospital: &Hospital<S>) -> Result<Vec<(hms_core::ids::StaffId, AccountId)>> {
    let mut out = Vec::new();
    for n in 1.. {
        match hospital.store().read(|r| r.account_by_login(&format!("dr{n}")))? {
            Some(account) => {
                if let Some(staff) = account.staff_id() {
                    out.push((staff, account.id));
                }
            }
            None => break,
        }
    }
    Ok(out)
}

/// Opens the pharmacy on a new hospital: the formulary, with reorder levels at the main pharmacy, and
/// three deliveries of each drug — one expiring within weeks, one in months, one next year — of a
/// random size, so that some drugs run low during the day and some stock is close to expiry. On an
/// existing hospital the catalog is kept as it is.
fn stock_pharmacy<S: Store>(
    hospital: &Hospital<S>,
    pharmacist: AccountId,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Drug>> {
    let existing = hospital.drugs(pharmacist)?;
    if !existing.is_empty() {
        return Ok(existing);
    }
    progress("06:30 the pharmacy opens: formulary and deliveries");
    let main = main_pharmacy()?;
    let today = hospital.today();
    let mut drugs = Vec::new();
    for (n, (name, strength, atc, form, prescription_only, price, level)) in FORMULARY.iter().enumerate() {
        let unit = if *form == DosageForm::Capsule {
            "capsule"
        } else {
            "tablet"
        };
        let mut reorder = std::collections::BTreeMap::new();
        reorder.insert(
            main.clone(),
            ReorderRule {
                level: *level,
                quantity: level * 2,
            },
        );
        let drug = hospital.add_drug(
            pharmacist,
            DrugDetails {
                generic_name: (*name).into(),
                brand: None,
                strength: (*strength).into(),
                form: *form,
                dispensing_unit: unit.into(),
                pack_size: 10,
                atc_code: (*atc).into(),
                controlled: false,
                prescription_only: *prescription_only,
                reorder,
            },
        )?;
        let level = u64::from(*level);
        for (k, days, quantity) in [
            (
                1_u32,
                20 + rng.below(40),
                level / 2 + 10 * rng.below(level / 20 + 1),
            ),
            (2, 120 + rng.below(120), level * (1 + rng.below(3))),
            (3, 400, level * rng.below(3)),
        ] {
            let quantity = u32::try_from(quantity).unwrap_or(100);
            if quantity == 0 {
                continue;
            }
            hospital.receive_stock(
                pharmacist,
                &GoodsReceipt {
                    drug: drug.id,
                    batch_number: format!("L{:02}-{k}", n + 1),
                    supplier: "Medisupply".into(),
                    expiry: Some(today + chrono::Duration::days(i64::try_from(days).unwrap_or(400))),
                    quantity,
                    unit_cost: Money::from_minor(price / 2, Currency::INR),
                    sale_price: Money::from_minor(*price, Currency::INR),
                    location: main.clone(),
                    order: None,
                },
            )?;
        }
        drugs.push(drug);
    }
    Ok(drugs)
}

/// The units a pharmacy refusal says are available, when it is for want of stock.
fn available_if_short(e: &Error) -> Option<(DrugId, u32)> {
    match e {
        Error::Pharmacy(PharmacyError::InsufficientStock { drug, available, .. }) => {
            Some((*drug, *available))
        }
        _ => None,
    }
}

/// A doctor prescribes one or two medicines for a short course; a pharmacist hands them out
/// first-expiry-first-out. When a drug is short, the pharmacist hands out what there is of it (the
/// rest of the fill stays open for later) and the request counts as short.
fn prescribe_and_dispense<S: Store>(
    hospital: &Hospital<S>,
    doctor: AccountId,
    pharmacist: AccountId,
    patient: PatientId,
    formulary: &[Drug],
    rng: &mut Rng,
    summary: &mut DaySummary,
) -> Result<()> {
    let prescribable: Vec<&Drug> = formulary.iter().filter(|d| d.details.prescription_only).collect();
    let mut lines: Vec<PrescriptionLine> = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let Some(drug) = rng.pick(&prescribable).copied() else {
            continue;
        };
        if lines.iter().any(|l| l.drug == drug.id) {
            continue;
        }
        let days = u32::try_from(3 + rng.below(8)).unwrap_or(5);
        let per_day = u32::try_from(1 + rng.below(3)).unwrap_or(1);
        lines.push(PrescriptionLine {
            drug: drug.id,
            dose: format!("1 {}", drug.details.dispensing_unit),
            frequency: format!("{per_day} times a day"),
            duration_days: days,
            quantity: days * per_day,
            refills: u32::from(rng.chance(20)),
        });
    }
    if lines.is_empty() {
        return Ok(());
    }
    let rx = hospital.write_prescription(
        doctor,
        &NewPrescription {
            patient,
            lines,
            note: None,
        },
    )?;
    summary.prescriptions_written += 1;
    let mut request = DispenseRequest {
        prescription: rx.id,
        location: main_pharmacy()?,
        lines: rx
            .lines
            .iter()
            .enumerate()
            .map(|(line, l)| DispenseLineRequest {
                line,
                quantity: l.quantity,
                batch: None,
            })
            .collect(),
        reservation: None,
    };
    let mut short = false;
    // Each refusal for want of stock names one drug and what is left of it: ask for that much.
    for _ in 0..=rx.lines.len() {
        match hospital.dispense_prescription(pharmacist, &request) {
            Ok(d) => {
                summary.prescriptions_dispensed += 1;
                summary.units_dispensed += d.lines.iter().map(|l| u64::from(l.quantity)).sum::<u64>();
                break;
            }
            Err(e) => {
                let Some((drug, available)) = available_if_short(&e) else {
                    return Err(e);
                };
                short = true;
                let lines = &rx.lines;
                request.lines.retain_mut(|l| {
                    if lines.get(l.line).is_some_and(|p| p.drug == drug) {
                        l.quantity = l.quantity.min(available);
                    }
                    l.quantity > 0
                });
                if request.lines.is_empty() {
                    break;
                }
            }
        }
    }
    if short {
        summary.dispenses_short += 1;
    }
    Ok(())
}

/// A customer buys a pack of a medicine that needs no prescription.
fn sell_over_the_counter<S: Store>(
    hospital: &Hospital<S>,
    pharmacist: AccountId,
    formulary: &[Drug],
    rng: &mut Rng,
    summary: &mut DaySummary,
) -> Result<()> {
    let counter: Vec<&Drug> = formulary
        .iter()
        .filter(|d| !d.details.prescription_only)
        .collect();
    let Some(drug) = rng.pick(&counter).copied() else {
        return Ok(());
    };
    let sale = CounterSale {
        patient: None,
        location: main_pharmacy()?,
        lines: vec![CounterSaleLine {
            drug: drug.id,
            quantity: drug.details.pack_size,
            batch: None,
        }],
    };
    match hospital.sell_over_the_counter(pharmacist, &sale) {
        Ok(d) => {
            summary.counter_sales += 1;
            summary.units_dispensed += d.lines.iter().map(|l| u64::from(l.quantity)).sum::<u64>();
        }
        Err(e) if available_if_short(&e).is_some() => summary.dispenses_short += 1,
        Err(e) => return Err(e),
    }
    Ok(())
}

fn hire_roster<S: Store>(
    hospital: &Hospital<S>,
    admin: AccountId,
    config: &DayConfig,
    rng: &mut Rng,
    summary: &mut DaySummary,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<AccountId>> {
    let roster = hospital.list_staff(admin, None)?;
    if !roster.is_empty() {
        progress("continuing with the existing roster");
    } else {
        progress("hiring the roster");
        for n in 1..=4 {
            hospital.add_resource(
                admin,
                "procedure_room",
                &format!("Procedure room {n}"),
                Some("outpatient block"),
            )?;
        }
        let plan: Vec<(StaffRole, usize)> = vec![
            (StaffRole::Doctor, config.doctors),
            (StaffRole::Nurse, config.nurses),
            (StaffRole::Receptionist, 6),
            (StaffRole::Pharmacist, 4),
            (StaffRole::LabTechnician, 6),
            (StaffRole::BillingClerk, 4),
        ];
        for (role, count) in plan {
            for i in 0..count {
                let (name, _) = person(rng);
                let (department, doctor) = if role == StaffRole::Doctor {
                    let (dep, fee) = DEPARTMENTS
                        .get(i % DEPARTMENTS.len())
                        .copied()
                        .unwrap_or(("general medicine", 50_000));
                    (
                        Some(dep.to_owned()),
                        Some(DoctorProfile {
                            specialization: dep.to_owned(),
                            consultation_fee: Money::from_minor(fee, Currency::INR),
                        }),
                    )
                } else {
                    (None, None)
                };
                let license_number = role
                    .is_licensed()
                    .then(|| format!("{:?}-{:05}", role, i + 1).to_uppercase());
                let staff = hospital.hire_staff(
                    admin,
                    StaffDetails {
                        name,
                        role,
                        department,
                        phone: None,
                        email: None,
                        license_number,
                        doctor,
                    },
                )?;
                if role == StaffRole::Doctor {
                    hospital.set_availability(
                        admin,
                        staff.id,
                        vec![clinic_template(staff.id, config.date)],
                    )?;
                }
                // Each doctor signs in to record the visits they see; the desk, billing, the pharmacy
                // and the lab sign in to do their work.
                let account = match role {
                    StaffRole::Doctor => Some(("dr", Role::Doctor)),
                    StaffRole::Receptionist => Some(("desk", Role::Receptionist)),
                    StaffRole::BillingClerk => Some(("billing", Role::BillingClerk)),
                    StaffRole::Pharmacist => Some(("pharm", Role::Pharmacist)),
                    StaffRole::LabTechnician => Some(("lab", Role::LabTechnician)),
                    _ => None,
                };
                if let Some((login, account_role)) = account {
                    hospital.open_account(
                        admin,
                        NewAccount {
                            login: format!("{login}{}", i + 1),
                            person: Some(PersonRef::Staff(staff.id)),
                            roles: [account_role].into(),
                        },
                    )?;
                }
            }
        }
    }
    let staff = hospital.list_staff(admin, None)?;
    let mut by_role: Vec<(StaffRole, usize)> = Vec::new();
    for s in &staff {
        match by_role.iter_mut().find(|(r, _)| *r == s.details.role) {
            Some((_, n)) => *n += 1,
            None => by_role.push((s.details.role, 1)),
        }
    }
    by_role.sort();
    summary.staff_by_role = by_role;
    let mut desks = Vec::new();
    for i in 1..=6 {
        if let Some(a) = hospital
            .store()
            .read(|r| r.account_by_login(&format!("desk{i}")))?
        {
            desks.push(a.id);
        }
    }
    Ok(desks)
}

/// The accounts that charge and bill: a billing clerk, the pharmacy and the lab.
struct BillingStaff {
    clerk: AccountId,
    pharmacy: AccountId,
    lab: AccountId,
}

fn positive(m: Money) -> bool {
    m.amount > Decimal::ZERO
}

fn rupees(amount: i64) -> Money {
    Money::from_minor(amount * 100, Currency::INR)
}

fn price_version(price: Price, tax: TaxRate, tax_inclusive: bool) -> PriceVersion {
    PriceVersion {
        effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        price,
        tax,
        tax_inclusive,
    }
}

/// The hospital's price list: consultations priced from the doctor's fee by visit type (health care is
/// exempt from GST), lab tests, a minor-procedure tray, medicines at their printed price (MRP, GST 12 %
/// included) and the new-patient file fee (GST 18 % on top, which no insurer pays).
fn price_list() -> Vec<PriceItem> {
    let fee = |percent: i64| Price::DoctorFee {
        percent: Decimal::from(percent),
    };
    let fixed = |amount: i64| Price::Fixed {
        amount: rupees(amount),
    };
    let exempt = TaxRate::exempt;
    vec![
        PriceItem::new(
            "consultation.new_patient",
            "Consultation, new patient",
            ItemKind::Consultation,
            price_version(fee(100), exempt(), false),
        ),
        PriceItem::new(
            "consultation.follow_up",
            "Consultation, follow-up",
            ItemKind::Consultation,
            price_version(fee(60), exempt(), false),
        ),
        PriceItem::new(
            "consultation.procedure",
            "Consultation with a procedure",
            ItemKind::Consultation,
            price_version(fee(100), exempt(), false),
        ),
        PriceItem::new(
            "procedure.tray",
            "Minor-procedure tray",
            ItemKind::Procedure,
            price_version(fixed(1_250), exempt(), false),
        ),
        PriceItem::new(
            "lab.cbc",
            "Complete blood count",
            ItemKind::LabTest,
            price_version(fixed(350), exempt(), false),
        ),
        PriceItem::new(
            "lab.lipid",
            "Lipid profile",
            ItemKind::LabTest,
            price_version(fixed(600), exempt(), false),
        ),
        PriceItem::new(
            "med",
            "Medicines",
            ItemKind::Medicine,
            price_version(Price::FromSource, TaxRate::new("GST12", Decimal::from(12)), true),
        ),
        PriceItem::new(
            "admin.file",
            "New-patient file",
            ItemKind::Other,
            price_version(fixed(100), TaxRate::new("GST18", Decimal::from(18)), false),
        ),
    ]
}

/// The insurers' terms. Policies in the simulation name no plan, so each payer has one plan with an
/// empty name: a yearly deductible, a copay per visit type, coinsurance, an out-of-pocket cap, and the
/// file fee never covered.
fn coverage_plans() -> Vec<CoveragePlan> {
    PAYERS
        .iter()
        .enumerate()
        .map(|(i, payer)| {
            let mut plan = CoveragePlan::full(*payer, "", Currency::INR);
            let i = i as i64;
            if *payer != "CGHS" {
                plan.annual_deductible = rupees(500 * (i % 3));
                plan.coinsurance_percent = Decimal::from(10 + 5 * (i % 3));
                plan.copays.insert("new_patient".into(), rupees(200));
                plan.copays.insert("follow_up".into(), rupees(100));
                plan.out_of_pocket_max = Some(rupees(25_000));
            }
            plan.not_covered.insert("admin.file".into());
            plan
        })
        .collect()
}

impl BillingStaff {
    /// The first clerk's, pharmacist's and lab technician's accounts (`None` for a roster hired
    /// without them).
    fn sign_in<S: Store>(hospital: &Hospital<S>) -> Result<Option<Self>> {
        let login = |name: &str| -> Result<Option<AccountId>> {
            Ok(hospital.store().read(|r| r.account_by_login(name))?.map(|a| a.id))
        };
        Ok(match (login("billing1")?, login("pharm1")?, login("lab1")?) {
            (Some(clerk), Some(pharmacy), Some(lab)) => Some(BillingStaff { clerk, pharmacy, lab }),
            _ => None,
        })
    }

    /// The clerk puts up the price list and the insurers' terms on the hospital's first day.
    fn open_price_list<S: Store>(&self, hospital: &Hospital<S>) -> Result<()> {
        if !hospital.price_list(self.clerk)?.is_empty() {
            return Ok(());
        }
        for item in price_list() {
            hospital.set_price_item(self.clerk, &item)?;
        }
        for plan in coverage_plans() {
            hospital.set_coverage_plan(self.clerk, &plan)?;
        }
        Ok(())
    }
}

/// Charges what a visit used, as it happens: the desk charges the consultation (and a new patient's
/// file), the lab its tests (one visit in five), the pharmacy the medicines it hands out (one in three).
fn charge_visit<S: Store>(
    hospital: &Hospital<S>,
    billing: &BillingStaff,
    desk: AccountId,
    visit: &Appointment,
    rng: &mut Rng,
) -> Result<()> {
    hospital.charge_appointment(desk, visit.id)?;
    let reference = |what: &str| ChargeSource::Manual {
        reference: format!("{what}-{}", visit.id),
    };
    if visit.visit_type == "new_patient" {
        hospital.add_charge(
            desk,
            &ChargeRequest::new(visit.patient, reference("file"), "admin.file", Decimal::ONE),
        )?;
    }
    if visit.visit_type == "procedure" {
        hospital.add_charge(
            desk,
            &ChargeRequest::new(visit.patient, reference("tray"), "procedure.tray", Decimal::ONE),
        )?;
    }
    if rng.chance(20) {
        let test = if rng.chance(50) { "lab.cbc" } else { "lab.lipid" };
        hospital.add_charge(
            billing.lab,
            &ChargeRequest::new(visit.patient, reference("lab"), test, Decimal::ONE),
        )?;
    }
    if rng.chance(33) {
        // A strip of tablets at its printed price (₹35.50 to ₹285.50), one to three strips.
        let mut request = ChargeRequest::new(
            visit.patient,
            reference("rx"),
            "med",
            Decimal::from(1 + rng.below(3)),
        );
        request.unit_price = Some(Money::from_minor(
            3_550 + 1_000 * i64::try_from(rng.below(26)).unwrap_or(0),
            Currency::INR,
        ));
        request.note = Some("tablets, one strip".into());
        hospital.add_charge(billing.pharmacy, &request)?;
    }
    Ok(())
}

/// The evening's billing: the clerk issues one invoice per patient seen (their coverage applied), the
/// patients pay at the desk — in full, in part, or later — by cash or card (the card terminal now and
/// then sends the same message twice), some insurers remit their share the same day, and a doctor who
/// offers to take a patient's cash is refused by the policy. The end-of-day dues come from the aging
/// report.
fn bill_the_day<S: Store>(
    hospital: &Hospital<S>,
    billing: &BillingStaff,
    desks: &[AccountId],
    doctor_accounts: &[(hms_core::ids::StaffId, AccountId)],
    seen: &[PatientId],
    rng: &mut Rng,
    summary: &mut DaySummary,
) -> Result<()> {
    let zero = Money::zero(Currency::INR);
    let (mut billed, mut to_payers, mut collected) = (zero, zero, zero);
    let mut issued: Vec<Invoice> = Vec::with_capacity(seen.len());
    for patient in seen {
        let draft = hospital.open_invoice(billing.clerk, *patient)?;
        if draft.lines.is_empty() {
            continue;
        }
        let inv = hospital.issue_invoice(billing.clerk, draft.id)?;
        billed = billed.checked_add(inv.gross())?;
        if inv.coverage.is_some() && positive(inv.payer_due()) {
            summary.insured_invoices += 1;
            to_payers = to_payers.checked_add(inv.payer_due())?;
        }
        issued.push(inv);
    }
    summary.invoices_issued = issued.len();

    let mut recorded = std::collections::HashSet::new();
    for (n, inv) in issued.iter().enumerate() {
        let desk = desks
            .get(n % desks.len().max(1))
            .copied()
            .unwrap_or(billing.clerk);
        let owed = inv.patient_due();
        if positive(owed) {
            let roll = rng.below(100);
            let amount = if roll < 55 {
                Some(owed)
            } else if roll < 85 {
                // Part now, in whole rupees, the rest later.
                let half = (owed.amount / Decimal::from(2)).floor();
                (half > Decimal::ZERO).then(|| Money::new(half, Currency::INR))
            } else {
                None
            };
            if let Some(amount) = amount {
                let card = rng.chance(60);
                let mut request = PaymentRequest::new(
                    inv.patient,
                    amount,
                    if card {
                        PaymentMethod::Card
                    } else {
                        PaymentMethod::Cash
                    },
                );
                if card {
                    request.external_reference =
                        Some(format!("POS-{}", inv.number.clone().unwrap_or_default()));
                }
                let p = hospital.record_payment(desk, &request)?;
                if card && rng.chance(10) {
                    let again = hospital.record_payment(desk, &request)?;
                    if again.id == p.id {
                        summary.payment_replays += 1;
                    }
                }
                if recorded.insert(p.id) {
                    summary.payments += 1;
                    collected = collected.checked_add(p.amount)?;
                    if p.amount.amount < owed.amount {
                        summary.partial_payments += 1;
                    }
                }
            }
        }
        let payer_owes = inv.payer_due();
        if positive(payer_owes) && rng.chance(40) {
            let mut request =
                PaymentRequest::new(inv.patient, payer_owes, PaymentMethod::InsuranceRemittance);
            request.external_reference = Some(format!("REMIT-{}", inv.number.clone().unwrap_or_default()));
            let p = hospital.record_payment(billing.clerk, &request)?;
            if recorded.insert(p.id) {
                summary.payments += 1;
                collected = collected.checked_add(p.amount)?;
            }
        }
    }

    // A doctor offers to take a patient's cash: doctors take no payments.
    if let (Some(inv), Some(doctor)) = (
        issued.first(),
        doctor_accounts.first().map(|(_, account)| account),
    ) {
        let attempt = hospital.record_payment(
            *doctor,
            &PaymentRequest::new(inv.patient, rupees(1), PaymentMethod::Cash),
        );
        if matches!(&attempt, Err(e) if e.code() == "forbidden") {
            summary.access_denied += 1;
        }
    }

    let aging = hospital.aging_report(billing.clerk)?;
    let total = |a: &hms_core::billing::Aging| -> Result<Money> {
        Ok(a.current
            .checked_add(a.days_31_60)?
            .checked_add(a.days_61_90)?
            .checked_add(a.over_90)?)
    };
    summary.patient_dues = total(&aging.patient)?.amount;
    summary.payer_dues = total(&aging.payer)?.amount;
    summary.billed = billed.amount;
    summary.billed_to_payers = to_payers.amount;
    summary.collected = collected.amount;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hms_core::store::MemoryStore;

    #[test]
    fn a_small_day_adds_up() {
        let config = DayConfig {
            patients: 120,
            doctors: 8,
            nurses: 10,
            ..DayConfig::default()
        };
        let s = run_day(MemoryStore::new(), &config, &mut |_| {}).unwrap();
        assert_eq!(
            s.patients_registered + s.duplicates_refused + s.invalid_refused,
            120
        );
        assert!(s.duplicates_refused > 0, "returning patients are caught: {s:?}");
        assert_eq!(s.patients_total, s.patients_registered as u64);
        // the desk hiring staff, and a doctor taking cash
        assert_eq!(s.access_denied, 2);
        let doctors = s
            .staff_by_role
            .iter()
            .find(|(r, _)| *r == StaffRole::Doctor)
            .map(|x| x.1);
        assert_eq!(doctors, Some(8));
        assert!(s.visits_booked > 0 && s.patients_seen > 0, "{s:?}");
        assert!(
            s.conflicts_refused > 0,
            "the deliberate double bookings are refused: {s:?}"
        );
        assert!(
            s.patients_seen + s.no_shows + s.cancelled <= s.visits_booked,
            "{s:?}"
        );
        // Billing: one invoice per patient seen; what was billed is collected or still due, to the paisa.
        assert!(
            s.invoices_issued > 0 && s.invoices_issued <= s.patients_seen,
            "{s:?}"
        );
        assert!(s.insured_invoices > 0 && s.partial_payments > 0, "{s:?}");
        let dues = s.patient_dues + s.payer_dues;
        assert_eq!(s.billed, s.collected + dues, "{s:?}");
        assert!(s.collected > Decimal::ZERO && dues > Decimal::ZERO, "{s:?}");
        assert!(s.billed_to_payers < s.billed, "{s:?}");
        // The pharmacy: prescriptions at the end of visits, handed out first-expiry-first-out.
        assert!(s.prescriptions_written > 0, "{s:?}");
        assert!(
            s.prescriptions_dispensed + s.dispenses_short >= s.prescriptions_written,
            "every prescription is handed out, or meets a shortage: {s:?}"
        );
        assert!(s.units_dispensed > 0 && s.counter_sales > 0, "{s:?}");
        // Every drug has a delivery expiring within weeks: it warns of expiry unless FEFO has used
        // that delivery up already.
        assert!((1..=FORMULARY.len()).contains(&s.stock_alerts.1), "{s:?}");
        assert_eq!(
            s.stock_alerts.2, 0,
            "nothing has expired yet on the first day: {s:?}"
        );
        assert!(s.stock_value.is_some());
        // Every registration, booking and recorded visit step (arrival, check-in, fulfilment) reaches
        // patient data and is audited, and so is the denied hiring attempt (hence more than their sum).
        assert!(
            s.audit_entries > s.patients_registered + s.visits_booked + 3 * s.patients_seen,
            "{s:?}"
        );
    }

    #[test]
    fn a_second_run_on_the_same_sqlite_file_continues_the_history() {
        let dir = std::env::temp_dir().join(format!("hms-examples-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hospital_day.db");
        let config = DayConfig {
            patients: 60,
            doctors: 4,
            nurses: 4,
            ..DayConfig::default()
        };
        let open = || hms_core::store::sqlite::SqliteStore::open(&path).unwrap();
        let first = run_day(open(), &config, &mut |_| {}).unwrap();
        let second = run_day(open(), &config, &mut |_| {}).unwrap();
        assert_eq!(first.date, config.date);
        assert_eq!(
            second.date,
            config.date.succ_opt().unwrap(),
            "the next day follows"
        );
        assert_eq!(
            second.staff_by_role, first.staff_by_role,
            "the roster is kept, not hired again"
        );
        assert!(
            second.patients_registered > 40,
            "new people come on the second day, not the first day's again: {second:?}"
        );
        assert_eq!(
            second.patients_total,
            (first.patients_registered + second.patients_registered) as u64
        );
        assert!(
            second.audit_entries
                > second.patients_registered + second.visits_booked + 3 * second.patients_seen,
            "only the second day's entries are counted: {second:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_same_seed_gives_the_same_day() {
        let config = DayConfig {
            patients: 50,
            doctors: 4,
            nurses: 4,
            ..DayConfig::default()
        };
        let a = run_day(MemoryStore::new(), &config, &mut |_| {}).unwrap();
        let b = run_day(MemoryStore::new(), &config, &mut |_| {}).unwrap();
        assert_eq!(
            (a.patients_registered, a.duplicates_refused, a.invalid_refused),
            (b.patients_registered, b.duplicates_refused, b.invalid_refused)
        );
        assert_eq!(
            (
                a.prescriptions_dispensed,
                a.units_dispensed,
                a.stock_alerts,
                &a.stock_value
            ),
            (
                b.prescriptions_dispensed,
                b.units_dispensed,
                b.stock_alerts,
                &b.stock_value
            )
        );
    }
}

/// The top-level README's code blocks, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
