//! `Calendar`: one calendar's bookings in the core's interval index, for conflict checks without a
//! database (a booking screen that holds a doctor's week, a planning tool, a test). Every method is
//! synchronous: a check is a logarithmic search in memory, far cheaper than a trip through the
//! thread pool.

use hms_core::ids::AppointmentId;
use hms_core::scheduling::calendar::CalendarIndex;
use hms_core::scheduling::Occupancy;
use hms_core::time::Interval;
use napi::Env;
use napi_derive::napi;

use crate::convert::scheduling::CalendarEntry;
use crate::convert::{interval, Instant, Reader};
use crate::errors::OrThrow;

/// The half-open interval `[start, end)` of two arguments.
fn span(start: &Instant, end: &Instant) -> hms_core::Result<Interval> {
    // The common case, both readable, without building a reader.
    if let (Instant::Valid(s), Instant::Valid(e)) = (start, end) {
        return Ok(Interval::new(*s, *e)?);
    }
    let mut r = Reader::new();
    let s = r.instant("start", start);
    let e = r.instant("end", end);
    interval(r.take(s.zip(e))?)
}

fn appointment_id(id: &str) -> hms_core::Result<AppointmentId> {
    let mut r = Reader::new();
    let read = r.id("id", id);
    r.take(read)
}

/// The bookings of one calendar (a doctor, a patient, a room), indexed by time.
///
/// Intervals are half-open: a booking that ends at 09:30 and one that starts at 09:30 do not
/// overlap. Ids are appointment ids (UUID strings).
#[napi]
#[derive(Debug, Default)]
pub struct Calendar {
    index: CalendarIndex,
}

#[napi]
impl Calendar {
    /// An empty calendar.
    #[napi(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bookings it holds.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.index.len()).unwrap_or(u32::MAX)
    }

    /// Adds a booking; `false` (and no change) if this booking is already there. `shared` marks a
    /// booking that may share its time (a group slot, an override).
    ///
    /// Throws `invalid_input` for an id that is not a UUID, `invalid_interval` when `end` is not
    /// after `start`.
    #[napi]
    pub fn insert(
        &mut self,
        env: Env,
        id: String,
        start: Instant,
        end: Instant,
        shared: Option<bool>,
    ) -> napi::Result<bool> {
        let id = appointment_id(&id).or_throw(&env)?;
        let iv = span(&start, &end).or_throw(&env)?;
        Ok(self.index.insert(id, iv, shared.unwrap_or(false)))
    }

    /// Removes a booking (given with the interval it was added with); whether it was there.
    #[napi]
    pub fn remove(&mut self, env: Env, id: String, start: Instant, end: Instant) -> napi::Result<bool> {
        let id = appointment_id(&id).or_throw(&env)?;
        let iv = span(&start, &end).or_throw(&env)?;
        Ok(self.index.remove(id, iv))
    }

    /// The conflict check: whether any booking overlaps `[start, end)`.
    #[napi(catch_unwind)]
    pub fn any_overlap(&self, env: Env, start: Instant, end: Instant) -> napi::Result<bool> {
        let iv = span(&start, &end).or_throw(&env)?;
        Ok(self.index.any_overlap(&iv))
    }

    /// Every booking that overlaps `[start, end)`, in start order.
    #[napi(catch_unwind)]
    pub fn overlapping(&self, env: Env, start: Instant, end: Instant) -> napi::Result<Vec<CalendarEntry>> {
        let iv = span(&start, &end).or_throw(&env)?;
        Ok(self.index.overlapping(&iv).map(Into::into).collect())
    }

    /// How many bookings overlap `[start, end)` (for slots that take several bookings).
    #[napi(catch_unwind)]
    pub fn count_overlapping(&self, env: Env, start: Instant, end: Instant) -> napi::Result<u32> {
        let iv = span(&start, &end).or_throw(&env)?;
        Ok(self.index.count_overlapping(&iv))
    }

    /// Every booking, in start order.
    #[napi]
    pub fn entries(&self) -> Vec<CalendarEntry> {
        self.index.entries().map(Into::into).collect()
    }
}

/// The Rust side of `bench/overhead.mjs`: the per-call time of the same conflict check, looped
/// inside Rust, on a calendar built like the benchmark's.
#[cfg(feature = "bench")]
pub mod bench {
    use std::hint::black_box;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use hms_core::ids::AppointmentId;
    use hms_core::scheduling::calendar::CalendarIndex;
    use hms_core::time::Interval;
    use napi_derive::napi;

    /// What the Rust loop measured.
    #[napi(object)]
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct RustBench {
        /// Nanoseconds per `any_overlap` call, over all rounds.
        pub mean_ns_per_call: f64,
        /// Nanoseconds per call in the fastest batch (the least disturbed by other processes).
        pub best_ns_per_call: f64,
        /// How many queries found an overlap, in one round (to check both sides did the same work).
        pub hits: u32,
    }

    /// `bookings` 15-minute visits every 20 minutes from 2026-01-05T03:30Z (ids 1, 2, 3, … as
    /// UUIDs), then `rounds` passes over 15-minute queries starting at `query_starts_ms`, timed in
    /// batches of `batch` queries.
    #[napi]
    pub fn bench_rust_any_overlap(
        bookings: u32,
        query_starts_ms: Vec<f64>,
        rounds: u32,
        batch: u32,
    ) -> RustBench {
        let base = Utc
            .with_ymd_and_hms(2026, 1, 5, 3, 30, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH);
        let mut c = CalendarIndex::new();
        for i in 0..bookings {
            let s = base + Duration::minutes(i64::from(i) * 20);
            if let Ok(iv) = Interval::new(s, s + Duration::minutes(15)) {
                c.insert(
                    AppointmentId::from_uuid(uuid::Uuid::from_u128(u128::from(i) + 1)),
                    iv,
                    false,
                );
            }
        }
        let queries: Vec<Interval> = query_starts_ms
            .iter()
            .filter_map(|ms| DateTime::from_timestamp_millis(*ms as i64))
            .filter_map(|s| Interval::new(s, s + Duration::minutes(15)).ok())
            .collect();
        let hits = queries.iter().filter(|q| c.any_overlap(q)).count();
        let batch = usize::try_from(batch.max(1)).unwrap_or(1);
        let (mut total, mut calls) = (0.0, 0.0);
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            for chunk in queries.chunks(batch) {
                let started = std::time::Instant::now();
                for q in chunk {
                    black_box(c.any_overlap(black_box(q)));
                }
                let ns = started.elapsed().as_nanos() as f64;
                total += ns;
                calls += chunk.len() as f64;
                best = best.min(ns / chunk.len() as f64);
            }
        }
        RustBench {
            mean_ns_per_call: total / calls.max(1.0),
            best_ns_per_call: best,
            hits: u32::try_from(hits).unwrap_or(u32::MAX),
        }
    }
}
