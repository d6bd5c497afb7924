//! The calendar index: one calendar's bookings (a doctor's, a patient's, a room's), with overlap
//! queries in O(log n + k).
//!
//! Bookings are kept sorted by `(start, id)`. Every booking that overlaps a query interval `[s, e)`
//! starts before `e` and ends after `s`; since no booking is longer than the longest one ever
//! inserted (`max_len`), it also starts at or after `s - max_len`. So an overlap query walks back
//! from the last booking that starts before `e` and stops at the first start earlier than
//! `s - max_len` — a handful of entries for a clinic's 15–60 minute visits — instead of scanning the
//! whole calendar. When the longest booking is removed, `max_len` stays as an upper bound (still
//! correct, at worst a wider scan) until [`CalendarIndex::shrink_bound`] recomputes it.
//!
//! The sorted list is cut into chunks of at most `CHUNK` (128) bookings, each chunk's starts in an array
//! of their own, and the chunks' first keys in one small array: a lookup bisects that array (about
//! 60 kilobytes per hundred thousand bookings, so it mostly stays in the processor's cache) and then one
//! chunk's starts, touching a handful of cache lines, where a B-tree's lower levels miss the cache
//! at every step. (A persistent map, `imbl::OrdMap`, measured about two times slower than the
//! standard library's B-tree.) Booking and cancelling move at most a chunk's entries. The
//! in-memory store undoes a failed transaction's calendar changes from a journal instead of a
//! snapshot.

use chrono::{DateTime, Duration, Utc};

use super::Occupancy;
use crate::ids::AppointmentId;
use crate::time::Interval;

/// The most bookings a chunk holds; a fuller chunk is split in two.
const CHUNK: usize = 128;

/// What the index remembers of one booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The booking.
    pub id: AppointmentId,
    /// The time it holds.
    pub interval: Interval,
    /// Whether it may share its time with others (a group slot or a recorded override).
    pub shared: bool,
}

type Key = (Stamp, AppointmentId);

/// A run of bookings in key order, stored column by column so a bisection over starts reads only
/// starts. Starts and ends are [`Stamp`]s: compared in two integer steps, and read as whole seconds
/// by a slot search without any calendar arithmetic.
#[derive(Debug, Clone, Default)]
struct Chunk {
    // INVARIANT: the four columns have the same length, at least 1 while the chunk is in the index,
    // and rows are sorted by `(starts[i], ids[i])` with no repeats.
    starts: Vec<Stamp>,
    ids: Vec<AppointmentId>,
    ends: Vec<Stamp>,
    shared: Vec<bool>,
}

impl Chunk {
    fn key(&self, i: usize) -> Option<Key> {
        Some((*self.starts.get(i)?, *self.ids.get(i)?))
    }

    fn entry(&self, i: usize) -> Option<Entry> {
        let interval = Interval::new(instant(*self.starts.get(i)?)?, instant(*self.ends.get(i)?)?).ok()?;
        Some(Entry {
            id: *self.ids.get(i)?,
            interval,
            shared: *self.shared.get(i)?,
        })
    }

    /// Where `key` is (`Ok`) or would go (`Err`).
    fn find(&self, key: &Key) -> Result<usize, usize> {
        // Bisect on starts alone, then step over the (rare) bookings with the same start.
        let mut i = self.starts.partition_point(|s| *s < key.0);
        while let Some(k) = self.key(i) {
            match k.cmp(key) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Equal => return Ok(i),
                std::cmp::Ordering::Greater => break,
            }
        }
        Err(i)
    }

    fn insert(&mut self, at: usize, key: Key, end: Stamp, shared: bool) {
        self.starts.insert(at, key.0);
        self.ids.insert(at, key.1);
        self.ends.insert(at, end);
        self.shared.insert(at, shared);
    }

    fn remove(&mut self, at: usize) {
        self.starts.remove(at);
        self.ids.remove(at);
        self.ends.remove(at);
        self.shared.remove(at);
    }

    fn split_off(&mut self, at: usize) -> Chunk {
        Chunk {
            starts: self.starts.split_off(at),
            ids: self.ids.split_off(at),
            ends: self.ends.split_off(at),
            shared: self.shared.split_off(at),
        }
    }

    fn len(&self) -> usize {
        self.starts.len()
    }
}

/// One calendar's active bookings.
#[derive(Debug, Clone, Default)]
pub struct CalendarIndex {
    // INVARIANT: `firsts[i]` is the key of `chunks[i]`'s first booking and `first_starts[i]` its
    // start; chunks are non-empty and in key order; `len` is the sum of their lengths.
    firsts: Vec<Key>,
    /// The starts alone, which is all an overlap query bisects, as [`Stamp`]s: compared in two
    /// integer steps, and subtracted without calendar arithmetic to place a query inside a chunk.
    first_starts: Vec<Stamp>,
    chunks: Vec<Chunk>,
    len: usize,
    max_len: Duration,
}

impl CalendarIndex {
    /// An empty calendar.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bookings the calendar holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the calendar is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunk that holds `key` if any chunk does (the last whose first key is not after it;
    /// the first chunk for keys before every booking).
    fn chunk_of(&self, key: &Key) -> usize {
        self.firsts.partition_point(|f| f <= key).saturating_sub(1)
    }

    /// Adds a booking. Returns `false` (and changes nothing) if that booking is already there.
    pub fn insert(&mut self, id: AppointmentId, interval: Interval, shared: bool) -> bool {
        let key = (stamp(interval.start()), id);
        let end = stamp(interval.end());
        let c = self.chunk_of(&key);
        let Some(chunk) = self.chunks.get_mut(c) else {
            // No chunk yet: the first booking.
            self.chunks.push(Chunk::default());
            self.firsts.push(key);
            self.first_starts.push(key.0);
            if let Some(chunk) = self.chunks.last_mut() {
                chunk.insert(0, key, end, shared);
            }
            self.len = 1;
            self.max_len = self.max_len.max(interval.duration());
            return true;
        };
        let Err(at) = chunk.find(&key) else {
            return false;
        };
        chunk.insert(at, key, end, shared);
        let tail = (chunk.len() > CHUNK).then(|| chunk.split_off(CHUNK / 2));
        if at == 0 {
            self.set_first(c, key);
        }
        if let Some(tail) = tail {
            if let Some(first) = tail.key(0) {
                self.firsts.insert(c + 1, first);
                self.first_starts.insert(c + 1, first.0);
                self.chunks.insert(c + 1, tail);
            }
        }
        self.len += 1;
        self.max_len = self.max_len.max(interval.duration());
        true
    }

    /// Removes a booking. Returns whether it was there.
    pub fn remove(&mut self, id: AppointmentId, interval: Interval) -> bool {
        let key = (stamp(interval.start()), id);
        let c = self.chunk_of(&key);
        let Some(chunk) = self.chunks.get_mut(c) else {
            return false;
        };
        let Ok(at) = chunk.find(&key) else {
            return false;
        };
        chunk.remove(at);
        match chunk.key(0) {
            None => {
                self.chunks.remove(c);
                self.firsts.remove(c);
                self.first_starts.remove(c);
            }
            Some(first) if at == 0 => self.set_first(c, first),
            Some(_) => {}
        }
        self.len -= 1;
        true
    }

    fn set_first(&mut self, c: usize, key: Key) {
        if let Some(f) = self.firsts.get_mut(c) {
            *f = key;
        }
        if let Some(f) = self.first_starts.get_mut(c) {
            *f = key.0;
        }
    }

    /// Recomputes the longest-booking bound after removals (O(n)).
    pub fn shrink_bound(&mut self) {
        self.max_len = self
            .chunks
            .iter()
            .flat_map(|c| c.starts.iter().zip(&c.ends).map(|(s, e)| length(*s, *e)))
            .max()
            .unwrap_or_else(Duration::zero);
    }

    /// Every booking that overlaps `interval`, in start order.
    pub fn overlapping(&self, interval: &Interval) -> impl Iterator<Item = Entry> + '_ {
        let mut found: Vec<Entry> = self.overlapping_rev(interval).collect();
        found.reverse();
        found.into_iter()
    }

    /// The bookings that overlap `interval`, latest start first: a walk back from the last booking
    /// that starts before the interval ends, stopping once a start is too early for any booking
    /// (no longer than `max_len`) to reach the interval. One bisection of the chunks' first keys and
    /// one of a chunk's starts, then a step per candidate.
    fn overlapping_rev(&self, interval: &Interval) -> Back<'_> {
        let (s, e) = (interval.start(), interval.end());
        let floor = earlier(stamp(s), self.max_len);
        // The last chunk with a booking that starts before `e`, and the number of such bookings in it.
        let es = stamp(e);
        let c = self.first_starts.partition_point(|f| *f < es);
        let (chunk, pos) = match c.checked_sub(1) {
            Some(c) => (c, self.starts_before(c, es)),
            None => (0, 0),
        };
        Back {
            index: self,
            chunk,
            pos,
            floor,
            after: stamp(s),
        }
    }

    /// How many bookings of chunk `c` start before `e`.
    ///
    /// A clinic's bookings are spread fairly evenly over time, so the answer is first guessed from
    /// where `e` falls between the chunk's first start and the next chunk's (interpolation), then
    /// confirmed by stepping over the few bookings in between. On a calendar too large for the
    /// processor's cache this reads one or two cache lines of starts where a bisection reads four
    /// or five, each a trip to memory. Uneven chunks fall back to a bisection after a few steps, so
    /// the worst case stays logarithmic.
    fn starts_before(&self, c: usize, e: Stamp) -> usize {
        const STEPS: usize = 4;
        let Some(chunk) = self.chunks.get(c) else {
            return 0;
        };
        let starts = &chunk.starts;
        let n = starts.len();
        let (Some(lo), Some(last)) = (self.first_starts.get(c), starts.last()) else {
            return 0;
        };
        if e > *last {
            return n;
        }
        // INVARIANT: starts[0] < e ≤ last here (the chunk was picked for its first start being
        // before `e`), so the answer is in 1..n. The next chunk's first start bounds this one's.
        let hi = self.first_starts.get(c + 1).map_or(last.0, |h| h.0);
        let span = hi.saturating_sub(lo.0);
        let into = e.0.saturating_sub(lo.0);
        // 64-bit arithmetic (a 128-bit division is a library call); a product too large for it,
        // met only with chunks spanning millennia, starts from the middle.
        let guess = into
            .checked_mul(i64::try_from(n).unwrap_or(i64::MAX))
            .and_then(|x| x.checked_div(span))
            .map_or(n / 2, |g| usize::try_from(g).unwrap_or(n))
            .clamp(1, n - 1);
        // The answer is the first `i` with starts[i] ≥ e; step towards it from the guess.
        let before = |i: usize| starts.get(i).is_some_and(|t| *t < e);
        let mut i = guess;
        if before(i) {
            for _ in 0..STEPS {
                i += 1;
                if !before(i) {
                    return i;
                }
            }
            i + starts.get(i..).map_or(0, |rest| rest.partition_point(|t| *t < e))
        } else {
            for _ in 0..STEPS {
                match i.checked_sub(1) {
                    Some(j) if !before(j) => i = j,
                    _ => return i,
                }
            }
            starts.get(..i).map_or(0, |head| head.partition_point(|t| *t < e))
        }
    }

    /// Whether any booking overlaps `interval`.
    ///
    /// The walk reads only starts and ends, never a booking's id or flag: on a large calendar every
    /// column touched is another cache miss.
    pub fn any_overlap(&self, interval: &Interval) -> bool {
        self.overlapping_rev(interval).advance().is_some()
    }

    /// Every booking, in start order.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| (0..c.len()).filter_map(move |i| c.entry(i)))
    }
}

/// An instant as whole seconds since 1970 and the nanoseconds past them: ordered exactly like the
/// instant, for every instant.
type Stamp = (i64, u32);

fn stamp(t: DateTime<Utc>) -> Stamp {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

/// The stamp `by` before `t`, in integer steps (no calendar arithmetic). Far before the first
/// representable instant it stays below every stamp an instant can have, which is all a look-back
/// needs.
fn earlier(t: Stamp, by: Duration) -> Stamp {
    let (secs, nanos) = (by.num_seconds(), by.subsec_nanos());
    // INVARIANT: `by` is a booking length, never negative, so `nanos` is in 0..1e9.
    let nanos = u32::try_from(nanos).unwrap_or(0);
    if t.1 >= nanos {
        (t.0.saturating_sub(secs), t.1 - nanos)
    } else {
        (
            t.0.saturating_sub(secs).saturating_sub(1),
            t.1 + 1_000_000_000 - nanos,
        )
    }
}

/// The instant of a stamp (every stamp in the index was made from one, so this never fails there).
fn instant(s: Stamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(s.0, s.1)
}

/// How long a booking from `start` to `end` lasts.
fn length(start: Stamp, end: Stamp) -> Duration {
    match (instant(start), instant(end)) {
        (Some(s), Some(e)) => e - s,
        _ => Duration::zero(),
    }
}

/// The walk back of an overlap query (see [`CalendarIndex::overlapping_rev`]).
struct Back<'a> {
    index: &'a CalendarIndex,
    /// The chunk being walked, and how many of its bookings are still ahead of the walk.
    chunk: usize,
    pos: usize,
    floor: Stamp,
    /// Bookings must end after this instant.
    after: Stamp,
}

impl<'a> Back<'a> {
    /// Steps to the next booking that overlaps the query: its chunk and its row there.
    fn advance(&mut self) -> Option<(&'a Chunk, usize)> {
        loop {
            let chunk = self.index.chunks.get(self.chunk)?;
            let Some(i) = self.pos.checked_sub(1) else {
                // This chunk is done: on to the end of the one before.
                self.chunk = self.chunk.checked_sub(1)?;
                self.pos = self.index.chunks.get(self.chunk)?.len();
                continue;
            };
            self.pos = i;
            let start = *chunk.starts.get(i)?;
            if start < self.floor {
                // INVARIANT: nothing earlier can reach the query; end the walk for good.
                self.chunk = usize::MAX;
                return None;
            }
            if chunk.ends.get(i).is_some_and(|end| *end > self.after) {
                return Some((chunk, i));
            }
        }
    }
}

impl Iterator for Back<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let (chunk, i) = self.advance()?;
        chunk.entry(i)
    }
}

impl Occupancy for CalendarIndex {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        u32::try_from(self.overlapping_rev(interval).count()).unwrap_or(u32::MAX)
    }

    /// One walk forward over the bookings that may reach `window`, chunk by chunk: from the first
    /// that starts late enough to reach it (no booking is longer than `max_len`) until one starts
    /// after it ends. Starts and ends come straight from their columns (no booking's id or flag is
    /// read), already in whole seconds: a start's nanoseconds are dropped, an end's round it up.
    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        let floor = earlier(stamp(window.start()), self.max_len);
        let (after, before) = (stamp(window.start()), stamp(window.end()));
        let first = self
            .first_starts
            .partition_point(|f| *f < floor)
            .saturating_sub(1);
        for (n, chunk) in self.chunks.get(first..).unwrap_or_default().iter().enumerate() {
            // Whole seconds are enough to find where to begin: rows in `floor`'s own second
            // cannot reach the window and fail the end check below. Only the first chunk is
            // bisected: every later one starts at or after `floor`.
            let from = if n == 0 {
                chunk.starts.partition_point(|t| t.0 < floor.0)
            } else {
                0
            };
            let (Some(starts), Some(ends)) = (chunk.starts.get(from..), chunk.ends.get(from..)) else {
                continue;
            };
            for (s, e) in starts.iter().zip(ends) {
                if *s >= before {
                    return true;
                }
                if *e > after {
                    out.push((s.0, e.0 + i64::from(e.1 > 0)));
                }
            }
        }
        true
    }
}

/// One calendar's bookings over a stretch of time (a month a slot search looks at), copied out of
/// the store into two sorted columns.
///
/// A search asks about many times in a row: working stretch after working stretch, slot after slot.
/// Building this costs one sort of what the store returned (already in order, so a linear pass);
/// after that each question is two bisections of one array, with no chunks to hop between. Like the
/// calendar index, it finds the bookings overlapping a time by starting the walk no earlier than the
/// longest booking's length before it.
#[derive(Debug, Clone, Default)]
pub struct BusyTimes {
    // INVARIANT: both columns have the same length, rows sorted by start; no booking is longer than
    // `max_len`.
    starts: Vec<Stamp>,
    ends: Vec<Stamp>,
    max_len: Duration,
}

impl BusyTimes {
    /// The busy times of `bookings` (any order; overlapping ones are kept, as a group slot's are).
    pub fn new(bookings: impl IntoIterator<Item = Interval>) -> Self {
        let mut rows: Vec<(Stamp, Stamp)> = Vec::new();
        let mut max_len = Duration::zero();
        for b in bookings {
            max_len = max_len.max(b.duration());
            rows.push((stamp(b.start()), stamp(b.end())));
        }
        // Stable and adaptive: a store's rows come in start order, and then this is one pass.
        rows.sort();
        let (starts, ends) = rows.into_iter().unzip();
        BusyTimes {
            starts,
            ends,
            max_len,
        }
    }

    /// How many bookings it holds.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The rows of the bookings that overlap `interval`, in start order.
    fn overlapping(&self, interval: &Interval) -> impl Iterator<Item = usize> + '_ {
        let (s, e) = (interval.start(), interval.end());
        let floor = earlier(stamp(s), self.max_len);
        let (after, before) = (stamp(s), stamp(e));
        // Rows from the first that can reach `s` (no booking is longer than `max_len`) up to the last
        // that starts before `e`. The bisections compare whole seconds only (one integer comparison
        // a step): the rows in `floor`'s own second cannot reach `s` anyway and are dropped by the
        // end check, and those in `e`'s second are settled exactly by a few steps forward.
        let lo = self.starts.partition_point(|t| t.0 < floor.0);
        let rest = self.starts.get(lo..).unwrap_or_default();
        let mid = rest.partition_point(|t| t.0 < before.0);
        let hi = lo
            + mid
            + rest
                .get(mid..)
                .map_or(0, |r| r.iter().take_while(|t| **t < before).count());
        (lo..hi).filter(move |&i| self.ends.get(i).is_some_and(|end| *end > after))
    }

    /// Whether any booking overlaps `interval`.
    pub fn any_overlap(&self, interval: &Interval) -> bool {
        self.overlapping(interval).next().is_some()
    }
}

impl Occupancy for BusyTimes {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        u32::try_from(self.overlapping(interval).count()).unwrap_or(u32::MAX)
    }

    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        for i in self.overlapping(window) {
            if let (Some(s), Some(e)) = (self.starts.get(i), self.ends.get(i)) {
                out.push((s.0, e.0 + i64::from(e.1 > 0)));
            }
        }
        true
    }
}

/// A calendar as a search reads it: a store's own index, borrowed, or the busy times copied out of
/// a store that keeps none in memory.
#[derive(Debug, Clone)]
pub enum Busy<'a> {
    /// The store's calendar index itself.
    Index(&'a CalendarIndex),
    /// Busy times loaded for the searched span.
    Copied(BusyTimes),
}

impl Busy<'_> {
    /// Whether any booking overlaps `interval`.
    pub fn any_overlap(&self, interval: &Interval) -> bool {
        match self {
            Busy::Index(c) => c.any_overlap(interval),
            Busy::Copied(b) => b.any_overlap(interval),
        }
    }
}

impl Occupancy for Busy<'_> {
    fn count_overlapping(&self, interval: &Interval) -> u32 {
        match self {
            Busy::Index(c) => c.count_overlapping(interval),
            Busy::Copied(b) => b.count_overlapping(interval),
        }
    }

    fn busy_within(&self, window: &Interval, out: &mut Vec<(i64, i64)>) -> bool {
        match self {
            Busy::Index(c) => c.busy_within(window, out),
            Busy::Copied(b) => b.busy_within(window, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::test_minutes::{at, iv};
    use proptest::prelude::*;

    fn id(n: u128) -> AppointmentId {
        AppointmentId::from_uuid(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn a_stamp_steps_back_exactly_like_the_instant() {
        let t = at(0) + Duration::nanoseconds(250_000_000);
        for by in [
            Duration::zero(),
            Duration::minutes(45),
            Duration::nanoseconds(250_000_000),
            Duration::nanoseconds(250_000_001),
            Duration::seconds(90) + Duration::nanoseconds(999_999_999),
        ] {
            assert_eq!(earlier(stamp(t), by), stamp(t - by), "{by}");
        }
        // Far past the first instant: still below every instant's stamp.
        let first = stamp(DateTime::<Utc>::MIN_UTC);
        assert!(earlier(first, Duration::days(1)) < first);
    }

    #[test]
    fn finds_overlaps_and_ignores_back_to_back() {
        let mut c = CalendarIndex::new();
        c.insert(id(1), iv(540, 570), false); // 09:00-09:30
        c.insert(id(2), iv(570, 600), false); // 09:30-10:00
        assert_eq!(
            c.overlapping(&iv(560, 580)).map(|e| e.id).collect::<Vec<_>>(),
            [id(1), id(2)]
        );
        assert!(
            !c.any_overlap(&iv(600, 615)),
            "back-to-back with the last booking"
        );
        assert!(
            !c.any_overlap(&iv(525, 540)),
            "back-to-back with the first booking"
        );
        assert_eq!(c.count_overlapping(&iv(0, 1440)), 2);
    }

    #[test]
    fn a_long_booking_is_found_from_far_inside() {
        let mut c = CalendarIndex::new();
        c.insert(id(1), iv(480, 720), false); // a 4-hour procedure
        c.insert(id(2), iv(730, 745), false);
        assert_eq!(
            c.overlapping(&iv(700, 705)).map(|e| e.id).collect::<Vec<_>>(),
            [id(1)]
        );
    }

    #[test]
    fn removal_frees_the_time_at_once() {
        let mut c = CalendarIndex::new();
        c.insert(id(1), iv(540, 570), false);
        assert!(
            !c.insert(id(1), iv(540, 570), false),
            "inserting twice is refused"
        );
        assert!(c.remove(id(1), iv(540, 570)));
        assert!(!c.any_overlap(&iv(540, 570)));
        assert!(!c.remove(id(1), iv(540, 570)));
        c.shrink_bound();
        assert!(c.is_empty());
    }

    #[test]
    fn busy_within_lists_the_overlapping_bookings_in_start_order_as_whole_seconds() {
        let mut c = CalendarIndex::new();
        c.insert(id(1), iv(480, 720), false); // 08:00-12:00, a long procedure
        c.insert(id(2), iv(540, 570), false); // 09:00-09:30
        c.insert(id(3), iv(600, 615), true); // 10:00-10:15, a group slot
        c.insert(id(4), iv(720, 735), false); // 12:00-12:15, back-to-back with the window
                                              // 09:00:00.5 to 09:20:00.5 is widened to 09:00:00-09:20:01.
        let half = Duration::milliseconds(500);
        c.insert(
            id(5),
            Interval::new(at(540) + half, at(560) + half).unwrap(),
            false,
        );
        let mut out = vec![(0, 0)];
        assert!(c.busy_within(&iv(550, 720), &mut out));
        let secs = |m: i64| at(m).timestamp();
        assert_eq!(
            out,
            [
                (0, 0), // what was there is kept
                (secs(480), secs(720)),
                (secs(540), secs(570)),
                (secs(540), secs(560) + 1),
                (secs(600), secs(615)),
            ]
        );
        // The list agrees with the per-time count for every whole minute of the window.
        for m in 550..720 {
            let q = iv(m, m + 1);
            let listed = out
                .iter()
                .skip(1)
                .filter(|(s, e)| *s < q.end().timestamp() && *e > q.start().timestamp())
                .count();
            assert_eq!(listed as u32, c.count_overlapping(&q), "at minute {m}");
        }
    }

    #[test]
    fn busy_within_of_a_plain_list_sorts_what_it_finds() {
        let list = vec![iv(600, 615), iv(480, 500), iv(900, 930)];
        let mut out = Vec::new();
        assert!(list.busy_within(&iv(0, 700), &mut out));
        assert_eq!(
            out,
            [
                (at(480).timestamp(), at(500).timestamp()),
                (at(600).timestamp(), at(615).timestamp())
            ]
        );
    }

    #[test]
    fn thousands_of_bookings_across_many_chunks_agree_with_a_list() {
        // Enough bookings to split chunks many times, many sharing a start (a group clinic), then
        // half removed in a scattered order so chunks shrink and some vanish.
        let mut c = CalendarIndex::new();
        let mut naive: Vec<(AppointmentId, Interval)> = Vec::new();
        for n in 0..3000_u128 {
            let start = ((n * 7919) % 1500) as i64; // scattered, with repeats
            let interval = iv(start, start + 1 + (n % 45) as i64);
            assert!(c.insert(id(n), interval, n % 3 == 0));
            naive.push((id(n), interval));
        }
        assert!(!c.insert(id(5), naive[5].1, false), "a booking is held once");
        for n in (0..3000_usize).filter(|n| n % 2 == 0 || n % 7 == 0) {
            let (rid, riv) = naive[n];
            assert!(c.remove(rid, riv));
            assert!(!c.remove(rid, riv));
        }
        naive.retain(|(rid, _)| {
            let n = rid.as_uuid().as_u128() as usize;
            !(n % 2 == 0 || n % 7 == 0)
        });
        naive.sort_by_key(|(rid, interval)| (interval.start(), *rid));
        assert_eq!(c.len(), naive.len());
        let all: Vec<_> = c.entries().map(|e| (e.id, e.interval)).collect();
        assert_eq!(all, naive);
        for q in (0..1600).step_by(13).map(|s| iv(s, s + 10)) {
            let want: Vec<_> = naive
                .iter()
                .filter(|(_, i)| i.overlaps(&q))
                .map(|(id, _)| *id)
                .collect();
            let got: Vec<_> = c.overlapping(&q).map(|e| e.id).collect();
            assert_eq!(got, want, "query {q:?}");
            assert_eq!(c.count_overlapping(&q) as usize, want.len());
        }
        c.shrink_bound();
        assert_eq!(c.max_len, Duration::minutes(45));
    }

    proptest! {
        /// The one-walk listing holds exactly the bookings an overlap query finds, in start order.
        #[test]
        fn busy_within_agrees_with_overlapping(
            ops in proptest::collection::vec((0_i64..2000, 1_i64..240), 1..100),
            (s, len) in (0_i64..2200, 1_i64..600),
        ) {
            let mut c = CalendarIndex::new();
            for (i, (start, l)) in ops.iter().enumerate() {
                c.insert(id(i as u128), iv(*start, start + l), false);
            }
            let q = iv(s, s + len);
            let mut out = Vec::new();
            prop_assert!(c.busy_within(&q, &mut out));
            let want: Vec<(i64, i64)> = c
                .overlapping(&q)
                .map(|e| (e.interval.start().timestamp(), e.interval.end().timestamp()))
                .collect();
            prop_assert_eq!(out, want);
        }

        /// Bookings bunched within a few seconds, at nanosecond precision, in chunks whose starts are
        /// anything but evenly spread: the interpolated position is still exact.
        #[test]
        fn agrees_with_a_linear_scan_at_any_precision(
            ops in proptest::collection::vec((0_i64..3, 0_i64..1_000_000_000, 1_i64..2_000_000_000), 1..400),
            queries in proptest::collection::vec((0_i64..4_000_000_000, 1_i64..1_000_000_000), 1..50),
        ) {
            let t0 = at(0);
            let ns = |n: i64| t0 + Duration::nanoseconds(n);
            let mut c = CalendarIndex::new();
            let mut naive: Vec<(AppointmentId, Interval)> = Vec::new();
            for (i, (sec, nano, len)) in ops.iter().enumerate() {
                let start = sec * 1_000_000_000 + nano;
                let interval = Interval::new(ns(start), ns(start + len)).unwrap();
                c.insert(id(i as u128), interval, false);
                naive.push((id(i as u128), interval));
            }
            for (s, len) in queries {
                let q = Interval::new(ns(s), ns(s + len)).unwrap();
                let mut got: Vec<_> = c.overlapping(&q).map(|e| e.id).collect();
                let mut want: Vec<_> = naive.iter().filter(|(_, i)| i.overlaps(&q)).map(|(id, _)| *id).collect();
                got.sort();
                want.sort();
                prop_assert_eq!(c.any_overlap(&q), !want.is_empty());
                prop_assert_eq!(got, want);
            }
        }

        /// Busy times copied out of a calendar answer like a linear scan of the same bookings, at
        /// nanosecond precision and with bookings that overlap each other (a group slot): how many
        /// overlap, whether any does, and the whole-second listing of a search.
        #[test]
        fn busy_times_agree_with_a_linear_scan(
            ops in proptest::collection::vec((0_i64..3000, 0_i64..3, 1_i64..4000), 0..300),
            queries in proptest::collection::vec((0_i64..3200, 1_i64..900), 1..50),
        ) {
            let t0 = at(0);
            // Starts in seconds, some a third of a second past; lengths in seconds.
            let t = |secs: i64, thirds: i64| t0 + Duration::seconds(secs) + Duration::nanoseconds(thirds * 333_333_333);
            let bookings: Vec<Interval> = ops
                .iter()
                .map(|(s, third, len)| Interval::new(t(*s, *third), t(s + len, *third)).unwrap())
                .collect();
            // Given in reverse order: the copy sorts what it is given.
            let busy = BusyTimes::new(bookings.iter().rev().copied());
            prop_assert_eq!(busy.len(), bookings.len());
            for (s, len) in queries {
                let q = Interval::new(t(s, 1), t(s + len, 0)).unwrap();
                let mut want: Vec<Interval> = bookings.iter().filter(|b| b.overlaps(&q)).copied().collect();
                want.sort_by_key(|b| (b.start(), b.end()));
                prop_assert_eq!(busy.count_overlapping(&q) as usize, want.len());
                prop_assert_eq!(busy.any_overlap(&q), !want.is_empty());
                let mut out = Vec::new();
                prop_assert!(busy.busy_within(&q, &mut out));
                let listed: Vec<(i64, i64)> = want.iter().map(crate::scheduling::whole_seconds).collect();
                prop_assert_eq!(out, listed);
            }
        }

        /// The index answers every overlap query exactly like a linear scan of the same bookings.
        #[test]
        fn agrees_with_a_linear_scan(
            ops in proptest::collection::vec((0_i64..2000, 1_i64..240, any::<bool>()), 1..200),
            queries in proptest::collection::vec((0_i64..2200, 1_i64..120), 1..50),
        ) {
            let mut c = CalendarIndex::new();
            let mut naive: Vec<(AppointmentId, Interval)> = Vec::new();
            for (i, (start, len, remove_one)) in ops.iter().enumerate() {
                let interval = iv(*start, start + len);
                c.insert(id(i as u128), interval, false);
                naive.push((id(i as u128), interval));
                if *remove_one && naive.len() > 1 {
                    let (rid, riv) = naive.remove(0);
                    prop_assert!(c.remove(rid, riv));
                }
            }
            prop_assert_eq!(c.len(), naive.len());
            for (s, len) in queries {
                let q = iv(s, s + len);
                let mut got: Vec<_> = c.overlapping(&q).map(|e| e.id).collect();
                let mut want: Vec<_> = naive.iter().filter(|(_, i)| i.overlaps(&q)).map(|(id, _)| *id).collect();
                got.sort();
                want.sort();
                prop_assert_eq!(got, want);
            }
        }
    }
}
