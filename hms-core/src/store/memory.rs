//! The in-memory backend: for tests, notebooks, and as the reference every other backend is checked
//! against.
//!
//! Transactions are serializable: one writer at a time holds the lock for the whole use case, readers
//! share it. The state lives in persistent (structurally shared) maps, so taking a snapshot at the
//! start of a transaction costs a few reference-count bumps; a failed transaction puts the snapshot
//! back, which is how "nothing changed" is kept without an undo log.

use std::sync::RwLock;

use chrono::{DateTime, Utc};
use imbl::{HashMap, OrdMap, Vector};

use super::{PatientQuery, Reads, Sequence, StorageError, Store, Writes};
use crate::access::{AuditHash, AuditRecord, BreakGlassGrant, CareTeamLink, RelationshipFact};
use crate::error::{Error, Result};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{AccountId, CareTeamLinkId, EventId, PatientId, StaffId};
use crate::people::{
    demographic_key, DemographicKey, Mrn, Patient, PeopleError, Staff, StaffRole, UserAccount,
};

#[derive(Debug, Clone, Default)]
struct State {
    patients: OrdMap<PatientId, Patient>,
    patient_by_mrn: HashMap<Mrn, PatientId>,
    patient_by_national_id: HashMap<String, PatientId>,
    patient_by_key: HashMap<DemographicKey, PatientId>,
    staff: OrdMap<StaffId, Staff>,
    staff_by_license: HashMap<String, StaffId>,
    accounts: OrdMap<AccountId, UserAccount>,
    account_by_login: HashMap<String, AccountId>,
    events: Vector<EventRecord>,
    audit: Vector<AuditRecord>,
    audit_by_patient: HashMap<PatientId, Vector<u64>>,
    care_team: OrdMap<CareTeamLinkId, CareTeamLink>,
    care_team_by_pair: HashMap<(StaffId, PatientId), Vector<CareTeamLinkId>>,
    care_team_by_patient: HashMap<PatientId, Vector<CareTeamLinkId>>,
    break_glass: HashMap<(StaffId, PatientId), Vector<BreakGlassGrant>>,
    break_glass_ids: imbl::HashSet<crate::ids::BreakGlassId>,
    sequences: HashMap<Sequence, u64>,
}

/// A thread-safe store that keeps everything in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        let guard = self.state.read().map_err(|_| StorageError::Poisoned)?;
        f(&*guard)
    }

    fn write<R>(&self, mut f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        let mut guard = self.state.write().map_err(|_| StorageError::Poisoned)?;
        let snapshot = guard.clone();
        let result = f(&mut *guard);
        if result.is_err() {
            // INVARIANT: a failed use case leaves the store exactly as it found it.
            *guard = snapshot;
        }
        result
    }
}

fn index_conflict<K: std::hash::Hash + Eq + Clone>(
    index: &HashMap<K, PatientId>,
    key: Option<&K>,
    me: PatientId,
) -> Option<PatientId> {
    key.and_then(|k| index.get(k))
        .copied()
        .filter(|other| *other != me)
}

impl State {
    fn check_patient_unique(&self, p: &Patient) -> Result<()> {
        if let Some(existing) =
            index_conflict(&self.patient_by_national_id, p.details.national_id.as_ref(), p.id)
        {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: crate::people::DuplicateMatch::NationalId,
            }
            .into());
        }
        if let Some(existing) =
            index_conflict(&self.patient_by_key, demographic_key(&p.details).as_ref(), p.id)
        {
            return Err(PeopleError::DuplicatePatient {
                existing,
                matched_on: crate::people::DuplicateMatch::NameBirthDatePhone,
            }
            .into());
        }
        Ok(())
    }

    fn index_patient(&mut self, p: &Patient) {
        self.patient_by_mrn.insert(p.mrn.clone(), p.id);
        if let Some(n) = &p.details.national_id {
            self.patient_by_national_id.insert(n.clone(), p.id);
        }
        if let Some(k) = demographic_key(&p.details) {
            self.patient_by_key.insert(k, p.id);
        }
    }

    fn unindex_patient(&mut self, p: &Patient) {
        if let Some(n) = &p.details.national_id {
            self.patient_by_national_id.remove(n);
        }
        if let Some(k) = demographic_key(&p.details) {
            self.patient_by_key.remove(&k);
        }
    }
}

fn backend_error(message: String) -> Error {
    StorageError::Backend {
        backend: "memory",
        message,
    }
    .into()
}

impl Reads for State {
    fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        Ok(self.patients.get(&id).cloned())
    }

    fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<Patient>> {
        Ok(self
            .patient_by_mrn
            .get(mrn)
            .and_then(|id| self.patients.get(id))
            .cloned())
    }

    fn patient_by_national_id(&self, national_id: &str) -> Result<Option<PatientId>> {
        Ok(self.patient_by_national_id.get(national_id).copied())
    }

    fn patient_by_demographic_key(&self, key: &DemographicKey) -> Result<Option<PatientId>> {
        Ok(self.patient_by_key.get(key).copied())
    }

    fn search_patients(&self, query: &PatientQuery) -> Result<Vec<Patient>> {
        let mut found: Vec<Patient> = self
            .patients
            .values()
            .filter(|p| query.matches(p))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (
                a.details.name.family.to_lowercase(),
                a.details.name.given.to_lowercase(),
                a.id,
            )
                .cmp(&(
                    b.details.name.family.to_lowercase(),
                    b.details.name.given.to_lowercase(),
                    b.id,
                ))
        });
        found.truncate(query.effective_limit());
        Ok(found)
    }

    fn count_patients(&self) -> Result<u64> {
        Ok(self.patients.len() as u64)
    }

    fn staff(&self, id: StaffId) -> Result<Option<Staff>> {
        Ok(self.staff.get(&id).cloned())
    }

    fn staff_by_license(&self, license_number: &str) -> Result<Option<StaffId>> {
        Ok(self.staff_by_license.get(license_number).copied())
    }

    fn list_staff(&self, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        Ok(self
            .staff
            .values()
            .filter(|s| role.is_none_or(|r| s.details.role == r))
            .cloned()
            .collect())
    }

    fn account(&self, id: AccountId) -> Result<Option<UserAccount>> {
        Ok(self.accounts.get(&id).cloned())
    }

    fn account_by_login(&self, login: &str) -> Result<Option<UserAccount>> {
        Ok(self
            .account_by_login
            .get(login)
            .and_then(|id| self.accounts.get(id))
            .cloned())
    }

    fn count_accounts(&self) -> Result<u64> {
        Ok(self.accounts.len() as u64)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        // Sequence numbers are 1-based positions, so entry `after` is at index `after`.
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.events.len());
        Ok(self.events.iter().skip(start).take(limit).cloned().collect())
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(self.audit.len());
        Ok(self.audit.iter().skip(start).take(limit).cloned().collect())
    }

    fn last_audit(&self) -> Result<Option<AuditRecord>> {
        Ok(self.audit.last().cloned())
    }

    fn audit_of_patient(&self, patient: PatientId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        let Some(seqs) = self.audit_by_patient.get(&patient) else {
            return Ok(Vec::new());
        };
        Ok(seqs
            .iter()
            .filter(|s| **s > after)
            .take(limit)
            .filter_map(|s| usize::try_from(*s - 1).ok().and_then(|i| self.audit.get(i)))
            .cloned()
            .collect())
    }

    fn care_team_link(&self, id: CareTeamLinkId) -> Result<Option<CareTeamLink>> {
        Ok(self.care_team.get(&id).cloned())
    }

    fn care_team_of(&self, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        let mut out: Vec<CareTeamLink> = self
            .care_team_by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.care_team.get(id))
            .cloned()
            .collect();
        out.sort_by_key(|l| l.id);
        Ok(out)
    }

    fn relationship_facts(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RelationshipFact>> {
        Ok(self
            .care_team_by_pair
            .get(&(staff, patient))
            .into_iter()
            .flatten()
            .filter_map(|id| self.care_team.get(id))
            .map(CareTeamLink::fact)
            .filter(|f| f.is_active(now))
            .collect())
    }

    fn break_glass_grants(
        &self,
        staff: StaffId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Vec<BreakGlassGrant>> {
        Ok(self
            .break_glass
            .get(&(staff, patient))
            .into_iter()
            .flatten()
            .filter(|g| g.is_active(now))
            .cloned()
            .collect())
    }
}

impl Writes for State {
    fn next_sequence(&mut self, seq: Sequence) -> Result<u64> {
        let n = self.sequences.get(&seq).copied().unwrap_or(0) + 1;
        self.sequences.insert(seq, n);
        Ok(n)
    }

    fn insert_patient(&mut self, p: &Patient) -> Result<()> {
        if self.patients.contains_key(&p.id) || self.patient_by_mrn.contains_key(&p.mrn) {
            return Err(backend_error(format!(
                "patient `{}` or MRN `{}` already stored",
                p.id, p.mrn
            )));
        }
        self.check_patient_unique(p)?;
        self.index_patient(p);
        self.patients.insert(p.id, p.clone());
        Ok(())
    }

    fn update_patient(&mut self, p: &Patient) -> Result<()> {
        let old = self
            .patients
            .get(&p.id)
            .cloned()
            .ok_or_else(|| Error::not_found("patient", p.id))?;
        if old.mrn != p.mrn {
            return Err(backend_error(format!(
                "the MRN of patient `{}` cannot change",
                p.id
            )));
        }
        self.check_patient_unique(p)?;
        self.unindex_patient(&old);
        self.index_patient(p);
        self.patients.insert(p.id, p.clone());
        Ok(())
    }

    fn insert_staff(&mut self, s: &Staff) -> Result<()> {
        if self.staff.contains_key(&s.id) {
            return Err(backend_error(format!("staff member `{}` already stored", s.id)));
        }
        if let Some(l) = &s.details.license_number {
            if let Some(existing) = self.staff_by_license.get(l) {
                return Err(PeopleError::DuplicateLicense {
                    license_number: l.clone(),
                    existing: *existing,
                }
                .into());
            }
            self.staff_by_license.insert(l.clone(), s.id);
        }
        self.staff.insert(s.id, s.clone());
        Ok(())
    }

    fn insert_account(&mut self, a: &UserAccount) -> Result<()> {
        if self.accounts.contains_key(&a.id) {
            return Err(backend_error(format!("account `{}` already stored", a.id)));
        }
        if self.account_by_login.contains_key(&a.login) {
            return Err(PeopleError::DuplicateLogin {
                login: a.login.clone(),
            }
            .into());
        }
        self.account_by_login.insert(a.login.clone(), a.id);
        self.accounts.insert(a.id, a.clone());
        Ok(())
    }

    fn update_account(&mut self, a: &UserAccount) -> Result<()> {
        let old = self
            .accounts
            .get(&a.id)
            .ok_or_else(|| Error::not_found("account", a.id))?;
        if old.login != a.login {
            return Err(backend_error(format!(
                "the login of account `{}` cannot change",
                a.id
            )));
        }
        self.accounts.insert(a.id, a.clone());
        Ok(())
    }

    fn insert_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        if self.care_team.contains_key(&link.id) {
            return Err(backend_error(format!(
                "care-team link `{}` already stored",
                link.id
            )));
        }
        self.care_team_by_pair
            .entry((link.staff, link.patient))
            .or_default()
            .push_back(link.id);
        self.care_team_by_patient
            .entry(link.patient)
            .or_default()
            .push_back(link.id);
        self.care_team.insert(link.id, link.clone());
        Ok(())
    }

    fn update_care_team_link(&mut self, link: &CareTeamLink) -> Result<()> {
        let old = self
            .care_team
            .get(&link.id)
            .ok_or_else(|| Error::not_found("care-team link", link.id))?;
        if (old.staff, old.patient) != (link.staff, link.patient) {
            return Err(backend_error(format!(
                "the staff member and patient of care-team link `{}` cannot change",
                link.id
            )));
        }
        self.care_team.insert(link.id, link.clone());
        Ok(())
    }

    fn insert_break_glass(&mut self, grant: &BreakGlassGrant) -> Result<()> {
        if self.break_glass_ids.contains(&grant.id) {
            return Err(backend_error(format!(
                "emergency access grant `{}` already stored",
                grant.id
            )));
        }
        self.break_glass_ids.insert(grant.id);
        self.break_glass
            .entry((grant.staff, grant.patient))
            .or_default()
            .push_back(grant.clone());
        Ok(())
    }

    fn append_event(
        &mut self,
        id: EventId,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        event: &DomainEvent,
    ) -> Result<u64> {
        let seq = self.events.len() as u64 + 1;
        self.events.push_back(EventRecord {
            seq,
            id,
            at,
            actor,
            event: event.clone(),
        });
        Ok(seq)
    }

    fn append_audit(&mut self, record: &AuditRecord) -> Result<()> {
        let expected = self.audit.len() as u64 + 1;
        if record.seq != expected {
            return Err(backend_error(format!(
                "audit entry {} out of order (the next entry is {expected})",
                record.seq
            )));
        }
        let last_hash = self.audit.last().map_or(AuditHash::GENESIS, |a| a.hash);
        // INVARIANT: the stored log is a hash chain; an entry that does not extend it is refused.
        if record.prev_hash != last_hash {
            return Err(backend_error(format!(
                "audit entry {} does not link to the last entry's hash",
                record.seq
            )));
        }
        if !record.is_sealed() {
            return Err(backend_error(format!(
                "audit entry {} does not match its hash",
                record.seq
            )));
        }
        if let Some(p) = record.patient {
            self.audit_by_patient.entry(p).or_default().push_back(record.seq);
        }
        self.audit.push_back(record.clone());
        Ok(())
    }
}
