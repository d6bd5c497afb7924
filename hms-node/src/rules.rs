//! The pure rules, callable without a hospital or a database: registration checks, money, time,
//! the appointment status machine, availability (working hours, bookability, free slots), invoice
//! pricing and first-expiry-first-out stock allocation.
//! They are synchronous, except `freeSlotsAsync` for searches long enough to be worth a thread.
//!
//! Every function is `catch_unwind`: the core does not panic on purpose, but a panic that escaped
//! (an arithmetic overflow on absurd input) must become a JavaScript exception, not abort the
//! process that hosts the addon.

use chrono::{DateTime, Utc};
use hms_core::billing;
use hms_core::error::FieldCode;
use hms_core::money::Money as CoreMoney;
use hms_core::people::{self, Mrn};
use hms_core::pharmacy::fefo;
use hms_core::scheduling::availability::{self as av, LocalAppointmentTime};
use hms_core::scheduling::{schedule_check, slots, VisitType};
use hms_core::time::Interval as CoreInterval;
use napi::bindgen_prelude::AsyncTask;
use napi::Env;
use napi_derive::napi;

use crate::convert::billing::{self as bc, Breakdown, InvoiceInput};
use crate::convert::people::{patient_details, staff_details, PatientDetails, StaffDetails};
use crate::convert::pharmacy::{self as pc, Candidate, FefoPlan, Shortfall};
use crate::convert::scheduling::{
    date_range, exceptions, template, AppointmentStatus, AvailabilityException, AvailabilityTemplate,
    DateRange, RowVerdict, ScheduleRow, Slot,
};
use crate::convert::{bridge, bridge_all, same_enum};
use crate::convert::{
    interval, Decimal, Finding, Instant, Interval, IntervalInput, IsoDate, LocalTime, Money, Reader,
};
use crate::errors::OrThrow;
use crate::tasks::Job;

/// Checks every field of a registration as of `today` (`YYYY-MM-DD`) and returns the details
/// normalized (trimmed names, telephone numbers as `+` and digits, upper-case national id).
///
/// Throws `invalid_input` listing every invalid field (`problems`).
#[napi(catch_unwind)]
pub fn validate_patient(env: Env, details: PatientDetails, today: IsoDate) -> napi::Result<PatientDetails> {
    let mut r = Reader::new();
    let details = patient_details(&mut r, "", details);
    let today = r.date("today", &today);
    let (details, today) = r.take(details.zip(today)).or_throw(&env)?;
    Ok(people::validate_patient(&details, today).or_throw(&env)?.into())
}

/// Checks a member of staff's details (a licensed role needs a licence number, a doctor a profile)
/// and returns them normalized. Throws `invalid_input` listing every invalid field.
#[napi(catch_unwind)]
pub fn validate_staff(env: Env, details: StaffDetails) -> napi::Result<StaffDetails> {
    let mut r = Reader::new();
    let details = staff_details(&mut r, "", details);
    let details = r.take(details).or_throw(&env)?;
    Ok(people::validate_staff(&details).or_throw(&env)?.into())
}

/// A telephone number as `+` and digits (7 to 15 digits; spaces, dashes, dots and parentheses
/// dropped), or `null` when it is not one.
#[napi(catch_unwind)]
pub fn normalize_phone(raw: String) -> Option<String> {
    people::normalize_phone(&raw)
}

/// The medical record number of sequence number `sequence` (1, 2, 3, …): 8 digits and a Luhn check
/// digit, e.g. `000000018` for 1.
#[napi(catch_unwind)]
pub fn mrn_from_sequence(env: Env, sequence: i64) -> napi::Result<String> {
    let mut r = Reader::new();
    let n = r.non_negative("sequence", sequence);
    let n = r.take(n).or_throw(&env)?;
    Ok(Mrn::from_sequence(n).to_string())
}

fn read_money(field: &str, m: &Money) -> hms_core::Result<CoreMoney> {
    let mut r = Reader::new();
    let read = r.money(field, m);
    r.take(read)
}

/// Checks an amount of money: a decimal string in an ISO 4217 currency (the code is upper-cased).
/// Throws `unknown_currency` for a code that is not a currency, `invalid_input` for text that is
/// not a decimal number.
#[napi(catch_unwind)]
pub fn money(env: Env, amount: Decimal, currency: String) -> napi::Result<Money> {
    let currency = hms_core::money::Currency::from_code(&currency).or_throw(&env)?;
    let mut r = Reader::new();
    let a = r.decimal("amount", &amount);
    let a = r.take(a).or_throw(&env)?;
    Ok(CoreMoney::new(a, currency).into())
}

/// `amount` minor units (cents for USD, none for JPY) of `currency`: `moneyFromMinor(1250, "USD")`
/// is 12.50 USD.
#[napi(catch_unwind)]
pub fn money_from_minor(env: Env, minor: i64, currency: String) -> napi::Result<Money> {
    let currency = hms_core::money::Currency::from_code(&currency).or_throw(&env)?;
    Ok(CoreMoney::from_minor(minor, currency).into())
}

/// The amount in minor units, or `null` when it is not a whole number of them.
#[napi(catch_unwind)]
pub fn money_to_minor(env: Env, money: Money) -> napi::Result<Option<i64>> {
    Ok(read_money("money", &money).or_throw(&env)?.to_minor())
}

/// `a + b`. Throws `currency_mismatch` when the currencies differ.
#[napi(catch_unwind)]
pub fn add_money(env: Env, a: Money, b: Money) -> napi::Result<Money> {
    let (a, b) = (
        read_money("a", &a).or_throw(&env)?,
        read_money("b", &b).or_throw(&env)?,
    );
    Ok(a.checked_add(b).or_throw(&env)?.into())
}

/// `a - b`. Throws `currency_mismatch` when the currencies differ.
#[napi(catch_unwind)]
pub fn subtract_money(env: Env, a: Money, b: Money) -> napi::Result<Money> {
    let (a, b) = (
        read_money("a", &a).or_throw(&env)?,
        read_money("b", &b).or_throw(&env)?,
    );
    Ok(a.checked_sub(b).or_throw(&env)?.into())
}

/// Rounds half-up (a tie goes away from zero) to the currency's minor unit: 0.125 USD is 0.13,
/// -0.125 USD is -0.13, 2.5 JPY is 3.
#[napi(catch_unwind)]
pub fn round_money(env: Env, money: Money) -> napi::Result<Money> {
    Ok(read_money("money", &money).or_throw(&env)?.round().into())
}

/// Splits `money` (rounded first) into parts proportional to `weights` (decimal strings) that add
/// up to it exactly: the largest-remainder method, ties to the earlier part. 100.00 three ways is
/// 33.34 + 33.33 + 33.33.
#[napi(catch_unwind)]
pub fn allocate(env: Env, money: Money, weights: Vec<Decimal>) -> napi::Result<Vec<Money>> {
    let mut r = Reader::new();
    let m = r.money("money", &money);
    let w: Vec<Option<rust_decimal::Decimal>> = weights
        .iter()
        .enumerate()
        .map(|(i, x)| r.decimal(&format!("weights[{i}]"), x))
        .collect();
    let w: Option<Vec<_>> = w.into_iter().collect();
    let (m, w) = r.take(m.zip(w)).or_throw(&env)?;
    Ok(m.allocate(&w)
        .or_throw(&env)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Whether two half-open intervals share an instant (back-to-back ones do not). Throws
/// `invalid_interval` when either ends before or when it starts.
#[napi(catch_unwind)]
pub fn intervals_overlap(env: Env, a: IntervalInput, b: IntervalInput) -> napi::Result<bool> {
    let mut r = Reader::new();
    let a = r.ends("a", &a);
    let b = r.ends("b", &b);
    let (a, b) = r.take(a.zip(b)).or_throw(&env)?;
    let (a, b) = (interval(a).or_throw(&env)?, interval(b).or_throw(&env)?);
    Ok(a.overlaps(&b))
}

/// Checks a whole schedule (a migration from an old system, a planned term of sessions) before
/// anything is booked, first come first served: row by row in the order given, a row is accepted
/// when its time overlaps no earlier accepted row on any of its calendars; otherwise it is
/// rejected with every earlier accepted row in its way, and holds no time (it blocks no later row).
/// Back-to-back rows do not collide. Returns one verdict per row.
///
/// Throws `invalid_input` listing every row whose start or end cannot be read or whose end is not
/// after its start (`rows[3].end`).
#[napi(catch_unwind)]
pub fn check_schedule(env: Env, rows: Vec<ScheduleRow>) -> napi::Result<Vec<RowVerdict>> {
    let mut r = Reader::new();
    let mut intervals = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let start = r.instant(&format!("rows[{i}].start"), &row.start);
        let end = r.instant(&format!("rows[{i}].end"), &row.end);
        if let (Some(start), Some(end)) = (start, end) {
            match CoreInterval::new(start, end) {
                Ok(interval) => intervals.push(interval),
                Err(e) => r.problem(&format!("rows[{i}].end"), FieldCode::InvalidPeriod, e.to_string()),
            }
        }
    }
    r.finish().or_throw(&env)?;
    let calendars = rows.iter().map(|row| row.calendars.as_slice());
    Ok(schedule_check::check_schedule(calendars.zip(intervals))
        .into_iter()
        .map(RowVerdict::from)
        .collect())
}

/// The appointment status machine: whether an appointment may move from `from` to `to` (booked →
/// arrived → checked-in → fulfilled, cancellation before the visit, anything → entered-in-error).
#[napi(catch_unwind)]
pub fn can_change_status(from: AppointmentStatus, to: AppointmentStatus) -> bool {
    hms_core::scheduling::AppointmentStatus::from(from).can_become(to.into())
}

/// Whether an appointment in this status holds its time on the calendars (pending, booked,
/// arrived, checked-in and fulfilled do).
#[napi(catch_unwind)]
pub fn holds_time(status: AppointmentStatus) -> bool {
    hms_core::scheduling::AppointmentStatus::from(status).holds_time()
}

/// The instant at which the clocks of `zone` show `date` `time` (the first of the two when the
/// clocks go back, the second with `fold`). Throws `nonexistent_local_time` for a time the clocks
/// skip (spring forward): it is an error, never a guess.
#[napi(catch_unwind)]
pub fn local_time_to_instant(
    env: Env,
    date: IsoDate,
    time: LocalTime,
    zone: String,
    fold: Option<bool>,
) -> napi::Result<DateTime<Utc>> {
    let mut r = Reader::new();
    let d = r.date("date", &date);
    let t = r.time("time", &time);
    let z = r.zone("zone", &zone);
    let ((d, t), z) = r.take(d.zip(t).zip(z)).or_throw(&env)?;
    let mut at = LocalAppointmentTime::new(d, t, z);
    at.fold = fold.unwrap_or(false);
    at.start().or_throw(&env)
}

/// A template and its exceptions, read and checked.
fn read_calendar(
    r: &mut Reader,
    t: AvailabilityTemplate,
    x: Vec<AvailabilityException>,
) -> hms_core::Result<(Option<av::AvailabilityTemplate>, Vec<av::AvailabilityException>)> {
    let t = template(r, "template.", t);
    let x = exceptions(r, "exceptions", x)?;
    Ok((t, x))
}

/// The visit type `code` as `template` defines it, or a stand-in with that code (which the rules
/// then report as not offered).
fn visit_of(template: &av::AvailabilityTemplate, code: &str, minutes: u32) -> VisitType {
    template
        .visit_type(code)
        .cloned()
        .unwrap_or_else(|| VisitType::new(code, code, minutes.max(1)))
}

/// The UTC intervals during which the doctor of `template` works on the local dates of `range`,
/// after `exceptions` (leave, holidays, unavailable blocks, extra sessions), sorted and joined.
#[napi(catch_unwind)]
pub fn working_intervals(
    env: Env,
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    range: DateRange,
) -> napi::Result<Vec<Interval>> {
    let mut r = Reader::new();
    let (t, x) = read_calendar(&mut r, template, exceptions).or_throw(&env)?;
    let range = date_range(&mut r, "range", &range).or_throw(&env)?;
    let (t, range) = r.take(t.zip(range)).or_throw(&env)?;
    Ok(av::working_intervals(&t, &x, range)
        .into_iter()
        .map(Into::into)
        .collect())
}

struct Bookability {
    template: av::AvailabilityTemplate,
    exceptions: Vec<av::AvailabilityException>,
    interval: CoreInterval,
    visit: VisitType,
    now: DateTime<Utc>,
}

fn read_bookability(
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    visit: IntervalInput,
    visit_type: &str,
    now: &Instant,
) -> hms_core::Result<Bookability> {
    let mut r = Reader::new();
    let (t, x) = read_calendar(&mut r, template, exceptions)?;
    let ends = r.ends("interval", &visit);
    let now = r.instant("now", now);
    let ((t, ends), now) = r.take(t.zip(ends).zip(now))?;
    let iv = interval(ends)?;
    let minutes = u32::try_from(iv.duration().num_minutes()).unwrap_or(u32::MAX);
    Ok(Bookability {
        visit: visit_of(&t, visit_type, minutes),
        template: t,
        exceptions: x,
        interval: iv,
        now,
    })
}

/// Everything that stands against booking a `visitType` visit for `interval` with the doctor of
/// `template`, as findings for a screen: errors (`outside_availability`, `in_past`, `lead_time`,
/// `beyond_horizon`, `visit_type_not_offered`) and the warning `off_grid` for a bookable visit that
/// does not start on the slot grid. An empty list means bookable, on the grid.
#[napi(catch_unwind)]
pub fn booking_findings(
    env: Env,
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    interval: IntervalInput,
    visit_type: String,
    now: Instant,
) -> napi::Result<Vec<Finding>> {
    let b = read_bookability(template, exceptions, interval, &visit_type, &now).or_throw(&env)?;
    Ok(
        av::booking_findings(&b.template, &b.exceptions, &b.interval, &b.visit, b.now)
            .into_iter()
            .map(Into::into)
            .collect(),
    )
}

/// Like `bookingFindings`, but throws the first error (`outside_availability`, `in_past`,
/// `lead_time`, `beyond_horizon`, `visit_type_not_offered`) and returns nothing when bookable.
#[napi(catch_unwind)]
pub fn check_bookable(
    env: Env,
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    interval: IntervalInput,
    visit_type: String,
    now: Instant,
) -> napi::Result<()> {
    let b = read_bookability(template, exceptions, interval, &visit_type, &now).or_throw(&env)?;
    av::check_bookable(&b.template, &b.exceptions, &b.interval, &b.visit, b.now).or_throw(&env)
}

/// The inputs of a slot search, read and checked; the search runs later (on this thread or the
/// pool).
struct SlotSearch {
    template: av::AvailabilityTemplate,
    exceptions: Vec<av::AvailabilityException>,
    bookings: Vec<CoreInterval>,
    visit_type: String,
    range: av::DateRange,
    now: DateTime<Utc>,
}

impl SlotSearch {
    fn read(
        template: AvailabilityTemplate,
        exceptions: Vec<AvailabilityException>,
        bookings: Vec<IntervalInput>,
        visit_type: String,
        range: DateRange,
        now: Instant,
    ) -> hms_core::Result<SlotSearch> {
        let mut r = Reader::new();
        let (t, x) = read_calendar(&mut r, template, exceptions)?;
        let ends: Vec<Option<_>> = bookings
            .iter()
            .enumerate()
            .map(|(i, b)| r.ends(&format!("bookings[{i}]"), b))
            .collect();
        let range = date_range(&mut r, "range", &range)?;
        let now = r.instant("now", &now);
        let ends: Option<Vec<_>> = ends.into_iter().collect();
        let (((t, ends), range), now) = r.take(t.zip(ends).zip(range).zip(now))?;
        Ok(SlotSearch {
            template: t,
            exceptions: x,
            bookings: ends.into_iter().map(interval).collect::<hms_core::Result<_>>()?,
            visit_type,
            range,
            now,
        })
    }

    fn run(&self) -> Vec<Slot> {
        let Some(visit) = self.template.visit_type(&self.visit_type) else {
            return Vec::new();
        };
        slots::free_slots(
            &self.template,
            &self.exceptions,
            &self.bookings,
            &|_| true,
            visit,
            self.range,
            self.now,
        )
        .into_iter()
        .map(Into::into)
        .collect()
    }
}

/// The free slots of the doctor of `template` for a `visitType` visit on the local dates of
/// `range`, given their `bookings` (the times they hold, visit plus buffer) and `now`: on the slot
/// grid, inside working hours after `exceptions`, outside the lead time and the horizon, and free
/// of bookings (up to the template's capacity). A visit type the template does not offer has no
/// slots. For long ranges or many bookings use `freeSlotsAsync`.
#[napi(catch_unwind)]
pub fn free_slots(
    env: Env,
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: Vec<IntervalInput>,
    visit_type: String,
    range: DateRange,
    now: Instant,
) -> napi::Result<Vec<Slot>> {
    let search = SlotSearch::read(template, exceptions, bookings, visit_type, range, now).or_throw(&env)?;
    Ok(search.run())
}

/// `freeSlots` on the thread pool: the arguments are read now, the search runs without blocking the
/// event loop, and errors arrive as a rejection.
#[napi(catch_unwind, ts_return_type = "Promise<Array<Slot>>")]
pub fn free_slots_async(
    template: AvailabilityTemplate,
    exceptions: Vec<AvailabilityException>,
    bookings: Vec<IntervalInput>,
    visit_type: String,
    range: DateRange,
    now: Instant,
) -> AsyncTask<Job<Vec<Slot>>> {
    let search = SlotSearch::read(template, exceptions, bookings, visit_type, range, now);
    Job::spawn(move || Ok(search?.run()))
}

/// Prices an invoice: every line's extended amount, discounts, tax and gross, the tax by category
/// and the totals, in exact decimal arithmetic rounded half-up to the currency's minor unit (the
/// lines always add up to the totals), with each line split between the insurer and the patient
/// when a plan is given. The same function issues invoices in a `Hospital`.
///
/// Throws `invalid_input` listing every bad field (a line in another currency, a discount that
/// does not fit, …), `unknown_currency`, `amount_overflow`.
#[napi(catch_unwind)]
pub fn price_invoice(env: Env, input: InvoiceInput) -> napi::Result<Breakdown> {
    let mut r = Reader::new();
    let currency = r.money_currency(&input.currency);
    let lines: Vec<_> = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| bc::line_input(&mut r, &format!("lines[{i}]."), l))
        .collect();
    let lines: Option<Vec<_>> = lines.into_iter().collect();
    let discount = bc::opt_discount(&mut r, "invoiceDiscount.", input.invoice_discount.as_ref());
    let coverage = match &input.coverage {
        None => Some(None),
        Some(c) => {
            let plan = bc::coverage_plan(&mut r, "coverage.plan.", &c.plan);
            let usage = match &c.usage {
                None => Some(None),
                Some(u) => bc::coverage_usage(&mut r, "coverage.usage.", u).map(Some),
            };
            plan.zip(usage).map(Some)
        }
    };
    let rounding = match input.rounding {
        None => Some(billing::RoundingMode::default()),
        Some(m) => same_enum(&mut r, "rounding", &m),
    };
    let (((currency, lines), (discount, coverage)), rounding) = r
        .take(currency.zip(lines).zip(discount.zip(coverage)).zip(rounding))
        .or_throw(&env)?;
    let coverage = coverage.map(|(plan, usage)| {
        let usage = usage.unwrap_or(billing::CoverageUsage {
            deductible_used: CoreMoney::zero(plan.currency),
            out_of_pocket_used: CoreMoney::zero(plan.currency),
        });
        (plan, usage)
    });
    let breakdown = billing::calculate(&billing::InvoiceInput {
        currency,
        rounding,
        lines: &lines,
        invoice_discount: discount,
        coverage: coverage.as_ref().map(|(p, u)| (p, *u)),
    })
    .or_throw(&env)?;
    bridge(&breakdown).or_throw(&env)
}

/// Plans which batches to take `quantity` units from, first-expiry-first-out: batches that are
/// expired on `today`, recalled, or expire before `neededThrough` (the last day of the course) are
/// never used; among the rest the earliest expiry goes first (then the earliest received), and a
/// batch without an expiry date last. Returns the picks, or (with no picks) the `shortfall` when
/// the usable batches hold fewer units than asked for.
///
/// Throws `invalid_input` for an unreadable candidate or date.
#[napi(catch_unwind)]
pub fn fefo_allocate(
    env: Env,
    candidates: Vec<Candidate>,
    quantity: u32,
    today: IsoDate,
    needed_through: IsoDate,
) -> napi::Result<FefoPlan> {
    let mut r = Reader::new();
    let cs = pc::candidates(&mut r, &candidates);
    let today = r.date("today", &today);
    let through = r.date("neededThrough", &needed_through);
    let ((cs, today), through) = r.take(cs.zip(today).zip(through)).or_throw(&env)?;
    Ok(match fefo::allocate(&cs, quantity, today, through) {
        Ok(picks) => FefoPlan {
            picks: bridge_all(&picks).or_throw(&env)?,
            shortfall: None,
        },
        Err(s) => FefoPlan {
            picks: Vec::new(),
            shortfall: Some(Shortfall {
                requested: s.requested,
                available: s.available,
            }),
        },
    })
}
