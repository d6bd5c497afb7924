//! The shared `calendar_conflicts` vectors (`tests/vectors/calendar_conflicts.json`), run against
//! the calendar index here and through the Node binding's `Calendar` in `hms-node/test/`, so the
//! conflict check answers the same in both.
use std::path::Path;

use chrono::{DateTime, Utc};
use hms_core::ids::AppointmentId;
use hms_core::scheduling::calendar::CalendarIndex;
use hms_core::time::Interval;
use hms_core::Error;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    op: String,
    input: Input,
    expect: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    bookings: Vec<Booking>,
    #[serde(default)]
    removed: Vec<String>,
    query: Span,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Booking {
    id: String,
    start: String,
    end: String,
    #[serde(default)]
    shared: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Span {
    start: String,
    end: String,
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("`{s}` is not an RFC 3339 instant: {e}"))
        .with_timezone(&Utc)
}

fn interval(start: &str, end: &str) -> Result<Interval, Error> {
    Ok(Interval::new(instant(start), instant(end))?)
}

fn id(s: &str) -> AppointmentId {
    s.parse()
        .unwrap_or_else(|e| panic!("`{s}` is not an appointment id: {e}"))
}

/// The ids of the bookings that overlap the query, in start order.
fn conflicts(input: &Input) -> Result<Vec<String>, Error> {
    let mut calendar = CalendarIndex::new();
    for b in &input.bookings {
        calendar.insert(id(&b.id), interval(&b.start, &b.end)?, b.shared);
    }
    for r in &input.removed {
        let b = input
            .bookings
            .iter()
            .find(|b| &b.id == r)
            .unwrap_or_else(|| panic!("removed booking `{r}` is not among the bookings"));
        assert!(calendar.remove(id(r), interval(&b.start, &b.end)?));
    }
    let query = interval(&input.query.start, &input.query.end)?;
    Ok(calendar.overlapping(&query).map(|e| e.id.to_string()).collect())
}

#[test]
fn calendar_conflicts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/calendar_conflicts.json");
    let raw = std::fs::read_to_string(&path).unwrap();
    let file: VectorFile = serde_json::from_str(&raw).unwrap();
    assert!(!file.cases.is_empty());
    let mut failures = Vec::new();
    for case in &file.cases {
        assert_eq!(case.op, "calendar_conflicts", "{}", case.name);
        let got = match conflicts(&case.input) {
            Ok(ids) => serde_json::json!({ "ok": ids }),
            Err(e) => serde_json::json!({ "error": { "code": e.code() } }),
        };
        if got != case.expect {
            failures.push(format!("{}: expected {}, got {got}", case.name, case.expect));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
