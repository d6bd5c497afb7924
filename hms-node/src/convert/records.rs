//! The event log and the audit log.
//!
//! An event's `data` is the core's serde shape of the event with its keys camelCased: the set of
//! events grows with every domain (billing, pharmacy, …) and their consumers mostly forward them
//! (to a queue, a webhook), so this binding passes them through generically instead of declaring
//! a type per event. Its `type` is the dotted name (`appointment.booked`).

use chrono::{DateTime, Utc};
use hms_core::access::AuditRecord as CoreAuditRecord;
use hms_core::events::EventRecord as CoreEventRecord;
use napi_derive::napi;
use serde_json::{Map, Value};

/// A domain event as stored, oldest first.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Its position in the log (1, 2, 3, … in commit order); pass it to `eventsAfter` to resume.
    pub seq: i64,
    /// Its id.
    pub id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The account whose request caused it (absent for system jobs).
    pub actor: Option<String>,
    /// The dotted name, e.g. `patient.registered`.
    #[napi(js_name = "type")]
    pub kind: String,
    /// The event's fields (ids as strings, instants as ISO strings), keys in camelCase.
    #[napi(ts_type = "Record<string, unknown>")]
    pub data: Value,
}

/// An access decision, oldest first.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its position in the log.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The account that asked.
    pub account: String,
    /// What it asked to do, e.g. `read`.
    #[napi(ts_type = "Action")]
    pub action: String,
    /// What kind of record, e.g. `patient_profile`.
    #[napi(ts_type = "ResourceKind")]
    pub resource: String,
    /// The patient concerned, if any.
    pub patient: Option<String>,
    /// Whether the policy allowed it.
    pub allowed: bool,
    /// The policy rule that decided.
    pub rule: String,
    /// Why, in words.
    pub reason: String,
    /// Whether it was allowed only under emergency access (flagged for review).
    pub break_glass: bool,
    /// The hash of the entry before, 64 hex digits (all zeros for the first).
    pub prev_hash: String,
    /// The hash of this entry over every field above.
    pub hash: String,
}

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The keys of every object in `v`, camelCased, recursively.
pub fn camel_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (super::camel_path(&k), camel_keys(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

impl From<CoreEventRecord> for EventRecord {
    fn from(r: CoreEventRecord) -> Self {
        let mut data = match serde_json::to_value(&r.event) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        data.remove("type");
        EventRecord {
            seq: seq(r.seq),
            id: r.id.to_string(),
            at: r.at,
            actor: r.actor.map(|a| a.to_string()),
            kind: r.event.name().to_owned(),
            data: camel_keys(Value::Object(data)),
        }
    }
}

impl From<CoreAuditRecord> for AuditRecord {
    fn from(r: CoreAuditRecord) -> Self {
        AuditRecord {
            seq: seq(r.seq),
            at: r.at,
            account: r.account.to_string(),
            action: r.action.as_str().to_owned(),
            resource: r.resource.as_str().to_owned(),
            patient: r.patient.map(|p| p.to_string()),
            allowed: r.allowed,
            rule: r.rule,
            reason: r.reason,
            break_glass: r.break_glass,
            prev_hash: r.prev_hash.to_string(),
            hash: r.hash.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_data_keys_are_camel_cased_at_every_depth() {
        let v = camel_keys(json!({
            "appointment": "a",
            "interval": {"start": "s", "end": "e"},
            "matched_on": "national_id",
            "conflict_list": [{"party_kind": "doctor"}]
        }));
        assert_eq!(
            v,
            json!({
                "appointment": "a",
                "interval": {"start": "s", "end": "e"},
                "matchedOn": "national_id",
                "conflictList": [{"partyKind": "doctor"}]
            })
        );
    }
}
