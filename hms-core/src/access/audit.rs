//! The audit log: one entry per access decision about patient data (allowed or denied), hash chained.
//!
//! Each entry holds the SHA-256 hash of the entry before it (`prev_hash`; all zeros for the first) and
//! its own hash over every field, `prev_hash` included. Editing an entry changes its hash; removing,
//! inserting or reordering entries breaks a `prev_hash` link or the sequence numbers. [`verify_chain`]
//! walks the log and names the first entry where the chain is broken and how.
//!
//! What a chain cannot show by itself: that the newest entries were cut off, or that someone rewrote
//! the whole log from some point on and recomputed every hash. For that, keep the head hash
//! ([`AuditVerification::head`]) somewhere the database's writers cannot reach (a signed daily
//! report, a write-once store) and pass it to [`ChainVerifier::finish_against`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Action, ResourceKind};
use crate::ids::{AccountId, PatientId};

/// A SHA-256 hash of an audit entry; shown and serialized as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AuditHash(pub [u8; 32]);

impl AuditHash {
    /// The `prev_hash` of the first entry.
    pub const GENESIS: AuditHash = AuditHash([0; 32]);
}

impl fmt::Display for AuditHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for AuditHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditHash({self})")
    }
}

impl std::str::FromStr for AuditHash {
    type Err = crate::error::ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            crate::error::ValidationError::single(
                "hash",
                crate::error::FieldCode::InvalidFormat,
                format!("`{s}` is not a hash (64 hex digits)"),
            )
        };
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks(2)) {
            let text = std::str::from_utf8(pair).map_err(|_| bad())?;
            *o = u8::from_str_radix(text, 16).map_err(|_| bad())?;
        }
        Ok(AuditHash(out))
    }
}

impl Serialize for AuditHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AuditHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One entry of the audit log: a decision about a request, allowed or denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the audit log (1, 2, 3, …).
    pub seq: u64,
    /// When the decision was made.
    pub at: DateTime<Utc>,
    /// Who asked.
    pub account: AccountId,
    /// What they asked to do.
    pub action: Action,
    /// To what kind of thing.
    pub resource: ResourceKind,
    /// The patient whose data was concerned, if any.
    pub patient: Option<PatientId>,
    /// Whether it was allowed.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: String,
    /// Why, in words.
    pub reason: String,
    /// Whether it was allowed only under emergency access (flagged for review).
    pub break_glass: bool,
    /// The hash of the entry before (all zeros for the first entry).
    pub prev_hash: AuditHash,
    /// The hash of this entry, over every field above.
    pub hash: AuditHash,
}

fn put_str(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

impl AuditRecord {
    /// Rule: the hash of an entry is SHA-256 over a fixed binary encoding of every field but `hash`
    /// (strings length-prefixed, so no two different entries encode the same), `prev_hash` last.
    pub fn compute_hash(&self) -> AuditHash {
        let mut h = Sha256::new();
        h.update(b"hms-audit-v1\0");
        h.update(self.seq.to_be_bytes());
        h.update(self.at.timestamp().to_be_bytes());
        h.update(self.at.timestamp_subsec_nanos().to_be_bytes());
        h.update(self.account.as_uuid().as_bytes());
        put_str(&mut h, self.action.as_str());
        put_str(&mut h, self.resource.as_str());
        match self.patient {
            Some(p) => {
                h.update([1u8]);
                h.update(p.as_uuid().as_bytes());
            }
            None => h.update([0u8]),
        }
        h.update([u8::from(self.allowed), u8::from(self.break_glass)]);
        put_str(&mut h, &self.rule);
        put_str(&mut h, &self.reason);
        h.update(self.prev_hash.0);
        AuditHash(h.finalize().into())
    }

    /// This entry with `hash` set from its other fields.
    pub fn sealed(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    /// Whether `hash` matches the other fields.
    pub fn is_sealed(&self) -> bool {
        self.hash == self.compute_hash()
    }
}

/// How the chain is broken at an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainProblemKind {
    /// The entry's fields do not match its hash: it was edited.
    Edited,
    /// The entry does not point at the hash of the entry before it: an entry before it was removed,
    /// inserted, reordered or rewritten.
    BrokenLink,
    /// The entry's sequence number is not the next one: entries were removed or reordered.
    OutOfSequence,
    /// The newest entry is not the one whose hash was kept aside: entries were cut off or rewritten.
    HeadMismatch,
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainProblem {
    /// The sequence number of the entry where the break shows (for a head mismatch, the last entry's).
    pub seq: u64,
    /// What is wrong.
    pub kind: ChainProblemKind,
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ChainProblemKind::Edited => "does not match its hash (edited)",
            ChainProblemKind::BrokenLink => {
                "does not link to the entry before it (removed, inserted or reordered)"
            }
            ChainProblemKind::OutOfSequence => "is out of sequence (removed or reordered)",
            ChainProblemKind::HeadMismatch => "is not the newest entry that was recorded (entries cut off)",
        };
        write!(f, "audit entry {} {what}", self.seq)
    }
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// How many entries were checked.
    pub entries: u64,
    /// The hash of the newest entry (keep it aside to detect cut-offs later).
    pub head: AuditHash,
    /// Every break found, oldest first.
    pub problems: Vec<ChainProblem>,
}

impl AuditVerification {
    /// Whether the chain is whole.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks an audit log entry by entry, so that a long log can be streamed in pages.
#[derive(Debug, Clone, Default)]
pub struct ChainVerifier {
    entries: u64,
    last_seq: u64,
    prev: AuditHash,
    problems: Vec<ChainProblem>,
}

impl ChainVerifier {
    /// A verifier at the start of the log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rule: entry n has sequence number n, links to the hash of entry n-1 (zeros for the first) and
    /// matches its own hash.
    pub fn push(&mut self, entry: &AuditRecord) {
        self.entries += 1;
        if entry.seq != self.last_seq + 1 {
            self.problems.push(ChainProblem {
                seq: entry.seq,
                kind: ChainProblemKind::OutOfSequence,
            });
        }
        if entry.prev_hash != self.prev {
            self.problems.push(ChainProblem {
                seq: entry.seq,
                kind: ChainProblemKind::BrokenLink,
            });
        }
        if !entry.is_sealed() {
            self.problems.push(ChainProblem {
                seq: entry.seq,
                kind: ChainProblemKind::Edited,
            });
        }
        self.last_seq = entry.seq;
        self.prev = entry.hash;
    }

    /// The verdict.
    pub fn finish(self) -> AuditVerification {
        AuditVerification {
            entries: self.entries,
            head: self.prev,
            problems: self.problems,
        }
    }

    /// The verdict, also checking that the newest entry is the one whose hash was kept aside.
    pub fn finish_against(self, kept_head: AuditHash) -> AuditVerification {
        let last = self.last_seq;
        let mut v = self.finish();
        if v.head != kept_head {
            v.problems.push(ChainProblem {
                seq: last,
                kind: ChainProblemKind::HeadMismatch,
            });
        }
        v
    }
}

/// Checks a whole audit log (see [`ChainVerifier::push`]).
///
/// # Example
/// ```
/// use hms_core::access::audit::{verify_chain, AuditHash, AuditRecord};
/// use hms_core::access::{Action, ResourceKind};
/// # use chrono::TimeZone;
/// let entry = |seq, prev| AuditRecord {
///     seq,
///     at: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
///     account: hms_core::ids::AccountId::from_uuid(uuid::Uuid::from_u128(1)),
///     action: Action::Read,
///     resource: ResourceKind::PatientProfile,
///     patient: None,
///     allowed: true,
///     rule: "admin-registers-patients".into(),
///     reason: "`admin` may read patient profiles".into(),
///     break_glass: false,
///     prev_hash: prev,
///     hash: AuditHash::GENESIS,
/// }
/// .sealed();
/// let first = entry(1, AuditHash::GENESIS);
/// let second = entry(2, first.hash);
/// assert!(verify_chain(&[first.clone(), second.clone()]).is_intact());
/// assert!(!verify_chain(&[second, first]).is_intact());
/// ```
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a AuditRecord>) -> AuditVerification {
    let mut v = ChainVerifier::new();
    for e in entries {
        v.push(e);
    }
    v.finish()
}

/// Rule: which decisions go into the audit log — every decision about patient data (allowed or
/// denied), every decision about security itself (accounts and roles, the audit log, care teams,
/// emergency access), and every denial.
pub fn is_audited(request: &super::Request, decision: &super::Decision) -> bool {
    !decision.allowed
        || request.patient.is_some()
        || request.resource.is_patient_data()
        || request.resource.is_security()
}

/// One line of a patient's access report: someone reached their data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReportEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Which account.
    pub account: AccountId,
    /// Its login, when the account still exists.
    pub login: Option<String>,
    /// What it did.
    pub action: Action,
    /// To what.
    pub resource: ResourceKind,
    /// Whether it was under emergency access.
    pub break_glass: bool,
    /// The rule that allowed it.
    pub rule: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(seq: u64, prev: AuditHash) -> AuditRecord {
        AuditRecord {
            seq,
            at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            account: AccountId::from_uuid(uuid::Uuid::from_u128(1)),
            action: Action::Read,
            resource: ResourceKind::MedicalRecord,
            patient: Some(PatientId::from_uuid(uuid::Uuid::from_u128(2))),
            allowed: true,
            rule: "r".into(),
            reason: "because".into(),
            break_glass: false,
            prev_hash: prev,
            hash: AuditHash::GENESIS,
        }
        .sealed()
    }

    fn chain(n: u64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(AuditHash::GENESIS, |e| e.hash);
            out.push(entry(seq, prev));
        }
        out
    }

    #[test]
    fn hashes_print_and_parse_as_hex() {
        let h = chain(1)[0].hash;
        let text = h.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<AuditHash>().unwrap(), h);
        assert_eq!(serde_json::to_value(h).unwrap(), text);
        assert!("zz".parse::<AuditHash>().is_err());
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let base = chain(1).remove(0);
        let edits: [fn(&mut AuditRecord); 11] = [
            |e| e.seq = 9,
            |e| e.at += chrono::Duration::nanoseconds(1),
            |e| e.account = AccountId::from_uuid(uuid::Uuid::from_u128(9)),
            |e| e.action = Action::Update,
            |e| e.resource = ResourceKind::Prescription,
            |e| e.patient = None,
            |e| e.allowed = false,
            |e| e.rule.push('x'),
            |e| e.reason.push('x'),
            |e| e.break_glass = true,
            |e| e.prev_hash = AuditHash([1; 32]),
        ];
        for edit in edits {
            let mut e = base.clone();
            edit(&mut e);
            assert_ne!(e.compute_hash(), base.hash);
        }
        // Length prefixes: moving a character from the rule to the reason changes the hash.
        let mut a = base.clone();
        a.rule = "ab".into();
        a.reason = "c".into();
        let mut b = base.clone();
        b.rule = "a".into();
        b.reason = "bc".into();
        assert_ne!(a.compute_hash(), b.compute_hash());
    }

    #[test]
    fn an_intact_chain_verifies_and_reports_its_head() {
        let c = chain(5);
        let v = verify_chain(&c);
        assert!(v.is_intact());
        assert_eq!((v.entries, v.head), (5, c[4].hash));
        assert!(verify_chain(&[]).is_intact());
    }

    #[test]
    fn an_edited_entry_is_detected_even_with_its_hash_recomputed() {
        let mut c = chain(5);
        c[2].reason = "nothing to see".into();
        let v = verify_chain(&c);
        assert_eq!(
            v.problems[0],
            ChainProblem {
                seq: 3,
                kind: ChainProblemKind::Edited
            }
        );
        // The forger recomputes the hash: the next entry's link breaks.
        c[2] = c[2].clone().sealed();
        let v = verify_chain(&c);
        assert_eq!(
            v.problems,
            [ChainProblem {
                seq: 4,
                kind: ChainProblemKind::BrokenLink
            }]
        );
    }

    #[test]
    fn removed_and_reordered_entries_are_detected() {
        let mut c = chain(5);
        c.remove(1);
        let kinds: Vec<_> = verify_chain(&c)
            .problems
            .iter()
            .map(|p| (p.seq, p.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                (3, ChainProblemKind::OutOfSequence),
                (3, ChainProblemKind::BrokenLink)
            ]
        );
        let mut c = chain(5);
        c.swap(1, 2);
        let v = verify_chain(&c);
        assert!(!v.is_intact());
        assert_eq!(v.problems[0].seq, 3);
    }

    #[test]
    fn a_cut_off_tail_shows_only_against_a_kept_head() {
        let c = chain(5);
        let kept = c[4].hash;
        let cut = &c[..4];
        assert!(verify_chain(cut).is_intact(), "a shorter chain is still a chain");
        let mut v = ChainVerifier::new();
        cut.iter().for_each(|e| v.push(e));
        let v = v.finish_against(kept);
        assert_eq!(
            v.problems,
            [ChainProblem {
                seq: 4,
                kind: ChainProblemKind::HeadMismatch
            }]
        );
    }
}
