//! The facade: one method per use case, each run as authorize → load → decide → commit.
//!
//! `Hospital<S>` is the only place where the policy, the pure rules and the store meet. Every use case
//! runs inside one [`Store::write`] transaction that commits its state changes, its domain events and
//! the audit entry of its access decision together. A request the policy denies changes nothing but the
//! audit log, which records the denial.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use std::collections::BTreeSet;

use crate::access::audit::{is_audited, AccessReportEntry, AuditHash, AuditVerification, ChainVerifier};
use crate::access::relationship::{current_link, validate_break_glass, validate_care_team_link};
use crate::access::{
    decide, granted_roles, AccessError, Action, AuditRecord, BreakGlassGrant, CareTeamLink, CompiledPolicy,
    Decision, Facts, Request, ResourceKind, Role, RoleSet, Subject,
};
use crate::billing::RoundingMode;
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{AccountId, BreakGlassId, CareTeamLinkId, EventId, IdSource, PatientId, StaffId};
use crate::money::Currency;
use crate::people::{
    self, NewAccount, Patient, PatientDetails, PersonRef, Staff, StaffDetails, StaffRole, UserAccount,
};
use crate::scheduling::ConflictMode;
use crate::store::{PatientQuery, Reads, Sequence, Store, Writes};
use crate::time::Clock;

mod billing;
mod pharmacy;
mod scheduling;

pub use billing::{AgingReport, ChargeRequest, CreditRequest, PaymentRequest};

pub use pharmacy::{
    CounterSale, CounterSaleLine, DispenseLineRequest, DispenseRequest, ReservationRequest, ReturnLine,
    ReturnRequest, StockOrderRequest, TransferRequest,
};
pub use scheduling::{BookingRequest, DoctorDay, SeriesMode, SeriesOutcome};

/// Settings of one hospital.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalSettings {
    /// The hospital's name.
    pub name: String,
    /// The IANA time zone its clinics' wall clocks show.
    pub zone: Tz,
    /// The currency it bills in.
    pub currency: Currency,
    /// Whether a booking conflict refuses the booking (the default) or is a warning that an explicit
    /// override reason lets through.
    pub conflict_mode: ConflictMode,
    /// How invoice tax is rounded: per tax category (EN 16931 BR-CO-17, the default) or per line.
    pub invoice_rounding: RoundingMode,
    /// Days from the invoice date to the due date of the patient's share (30 by default).
    pub payment_terms_days: u32,
    /// How the pharmacy runs (minimum shelf life, expiry warning window, reservation hold time).
    pub pharmacy: crate::pharmacy::PharmacySettings,
}

impl Default for HospitalSettings {
    fn default() -> Self {
        HospitalSettings {
            name: "General Hospital".into(),
            zone: chrono_tz::UTC,
            currency: Currency::USD,
            conflict_mode: ConflictMode::Block,
            invoice_rounding: RoundingMode::PerTaxCategory,
            payment_terms_days: 30,
            pharmacy: crate::pharmacy::PharmacySettings::default(),
        }
    }
}

/// A hospital: the use cases over a store, under an access policy.
#[derive(Debug)]
pub struct Hospital<S> {
    store: S,
    settings: HospitalSettings,
    policy: Arc<CompiledPolicy>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

/// What a use case has done so far inside its transaction: events to publish and access decisions to
/// audit, written at commit.
struct Effects {
    actor: Option<AccountId>,
    now: DateTime<Utc>,
    events: Vec<DomainEvent>,
    decisions: Vec<AuditDraft>,
}

/// An access decision waiting to be written to the audit log at commit.
#[derive(Clone)]
struct AuditDraft {
    account: AccountId,
    action: Action,
    resource: ResourceKind,
    patient: Option<PatientId>,
    allowed: bool,
    rule: Arc<str>,
    reason: String,
    break_glass: bool,
}

impl AuditDraft {
    fn of(request: &Request, decision: &Decision) -> Self {
        AuditDraft {
            account: request.subject.account,
            action: request.action,
            resource: request.resource,
            patient: request.patient,
            allowed: decision.allowed,
            rule: decision.rule_id.clone(),
            reason: decision.reason.to_string(),
            break_glass: decision.break_glass,
        }
    }
}

impl<S: Store> Hospital<S> {
    /// A hospital over `store` with the system clock and random ids.
    #[cfg(feature = "system")]
    pub fn new(store: S, settings: HospitalSettings) -> Self {
        Self::with_environment(
            store,
            settings,
            Arc::new(crate::time::SystemClock),
            Arc::new(crate::ids::RandomIds),
        )
    }

    /// A hospital with an explicit clock and id source (simulations, tests, reproducible imports).
    pub fn with_environment(
        store: S,
        settings: HospitalSettings,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self {
        Hospital {
            store,
            settings,
            policy: Arc::new(CompiledPolicy::hospital_default()),
            clock,
            ids,
        }
    }

    /// The same hospital under another access policy (the built-in one is
    /// [`crate::access::default_policy`]).
    ///
    /// # Example
    /// ```
    /// # use hms_core::{Hospital, HospitalSettings, store::MemoryStore};
    /// use hms_core::access::{default_policy, CompiledPolicy};
    /// let mut policy = default_policy();
    /// policy.settings.break_glass_max_minutes = 60;
    /// let hospital = Hospital::new(MemoryStore::new(), HospitalSettings::default())
    ///     .with_policy(CompiledPolicy::compile(policy)?);
    /// assert_eq!(hospital.policy().settings().break_glass_max_minutes, 60);
    /// # Ok::<(), hms_core::Error>(())
    /// ```
    pub fn with_policy(mut self, policy: CompiledPolicy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// The access policy in force.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The hospital's settings.
    pub fn settings(&self) -> &HospitalSettings {
        &self.settings
    }

    /// The current instant, from the hospital's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date on the hospital's wall clocks.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.settings.zone).date_naive()
    }

    fn new_uuid(&self) -> uuid::Uuid {
        self.ids.next_uuid(self.now())
    }

    /// Runs one use case: `f` authorizes, loads, decides and records effects; this commits the effects
    /// with the state. A denial is rolled back like any error, then its audit entry is written alone.
    fn run<R>(
        &self,
        actor: Option<AccountId>,
        mut f: impl FnMut(&mut dyn Writes, &mut Effects) -> Result<R>,
    ) -> Result<R> {
        let now = self.now();
        let event_ids: Vec<EventId> = (0..4).map(|_| EventId::from_uuid(self.new_uuid())).collect();
        let mut denied: Option<AuditDraft> = None;
        let result = self.store.write(|tx| {
            let mut fx = Effects {
                actor,
                now,
                events: Vec::new(),
                decisions: Vec::new(),
            };
            denied = None;
            match f(tx, &mut fx) {
                Ok(r) => {
                    self.commit(tx, &fx, &event_ids)?;
                    Ok(r)
                }
                Err(e) => {
                    if matches!(e, Error::Access(AccessError::Forbidden { .. })) {
                        denied = fx.decisions.iter().rev().find(|d| !d.allowed).cloned();
                    }
                    Err(e)
                }
            }
        });
        if let (Err(_), Some(d)) = (&result, denied) {
            self.store.write(|tx| append_audit(tx, now, &d))?;
        }
        result
    }

    fn commit(&self, tx: &mut dyn Writes, fx: &Effects, ids: &[EventId]) -> Result<()> {
        for (i, event) in fx.events.iter().enumerate() {
            let id = match ids.get(i) {
                Some(id) => *id,
                None => EventId::from_uuid(self.new_uuid()),
            };
            tx.append_event(id, fx.now, fx.actor, event)?;
        }
        for d in &fx.decisions {
            append_audit(tx, fx.now, d)?;
        }
        Ok(())
    }

    /// Loads the acting account and asks the policy whether it may do `action` on `resource` (about
    /// `patient`, when it is patient data). The decision is queued for the audit log when
    /// [`is_audited`] says so; a denial is returned as `forbidden` with the rule and the reason.
    fn authorize(
        &self,
        tx: &dyn Reads,
        fx: &mut Effects,
        action: Action,
        resource: ResourceKind,
        patient: Option<PatientId>,
    ) -> Result<UserAccount> {
        self.authorize_grant(tx, fx, action, resource, patient, RoleSet::EMPTY)
    }

    /// As [`Hospital::authorize`], for a request that gives an account `grants`.
    fn authorize_grant(
        &self,
        tx: &dyn Reads,
        fx: &mut Effects,
        action: Action,
        resource: ResourceKind,
        patient: Option<PatientId>,
        grants: RoleSet,
    ) -> Result<UserAccount> {
        let account_id = fx.actor.ok_or(AccessError::NotSignedIn)?;
        let account = tx
            .account(account_id)?
            .filter(|a| a.active)
            .ok_or(AccessError::UnknownAccount { account: account_id })?;
        let subject = Subject::of(&account);
        let request = Request::new(subject, action, resource, patient).granting(grants);
        let facts = self.load_facts(tx, &subject, patient, fx.now)?;
        let decision = decide(&self.policy, &request, &facts, fx.now);
        if is_audited(&request, &decision) {
            fx.decisions.push(AuditDraft::of(&request, &decision));
        }
        if decision.allowed {
            Ok(account)
        } else {
            Err(AccessError::Forbidden {
                account: account_id,
                action,
                resource,
                rule: decision.rule_id.to_string(),
                reason: decision.reason.to_string(),
            }
            .into())
        }
    }

    /// The relationship facts between the subject's staff record and the patient, as of `now`.
    fn load_facts(
        &self,
        tx: &dyn Reads,
        subject: &Subject,
        patient: Option<PatientId>,
        now: DateTime<Utc>,
    ) -> Result<Facts> {
        let (Some(staff), Some(patient)) = (subject.staff, patient) else {
            return Ok(Facts::default());
        };
        let mut relationships = tx.relationship_facts(staff, patient, now)?;
        let doctor = subject.roles.contains(crate::access::Role::Doctor);
        relationships.extend(self.appointment_facts(tx, staff, patient, doctor, now)?);
        Ok(Facts {
            relationships,
            break_glass: tx.break_glass_grants(staff, patient, now)?,
        })
    }

    /// Rule: a doctor's appointments with a patient make them part of the patient's care over the
    /// policy's appointment window (see [`crate::access::appointment_fact`]); an appointment entered in
    /// error never does, and a cancelled one stops counting at its cancellation (plus the window's grace).
    fn appointment_facts(
        &self,
        tx: &dyn Reads,
        staff: StaffId,
        patient: PatientId,
        doctor: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::access::RelationshipFact>> {
        let window = self.policy.settings().appointment_window;
        let reach_back = chrono::Duration::days(i64::from(window.days_after) + 1);
        let reach_ahead = chrono::Duration::days(i64::from(window.days_before) + 1);
        let range = crate::time::Interval::new(now - reach_back, now + reach_ahead)?;
        let mut facts = Vec::new();
        // The same appointments can be read from either side; read the side that is likely short.
        // A member of staff without the doctor role has no appointments of their own (an index
        // lookup that finds nothing), where the patient's grow with every visit booked: a desk
        // bulk-booking one patient's series read them all once per booking. A doctor's window holds
        // weeks of their work, so for a doctor the patient's side is the shorter.
        let side = if doctor {
            crate::scheduling::Party::Patient(patient)
        } else {
            crate::scheduling::Party::Doctor(staff)
        };
        for a in tx.appointments_of(side, &range)? {
            if a.doctor != staff
                || a.patient != patient
                || a.status == crate::scheduling::AppointmentStatus::EnteredInError
            {
                continue;
            }
            let cancelled_at = (a.status == crate::scheduling::AppointmentStatus::Cancelled)
                .then(|| {
                    a.history.iter().rev().find_map(|c| match c.change {
                        crate::scheduling::ChangeKind::Status {
                            to: crate::scheduling::AppointmentStatus::Cancelled,
                            ..
                        } => Some(c.at),
                        _ => None,
                    })
                })
                .flatten();
            facts.extend(crate::access::appointment_fact(
                staff,
                patient,
                &a.interval,
                cancelled_at,
                &window,
            ));
        }
        Ok(facts)
    }

    /// Opens the first admin account of an empty hospital.
    ///
    /// # Errors
    /// `forbidden` when the hospital already has an account; `invalid_input` for a bad login.
    pub fn bootstrap_admin(&self, login: &str) -> Result<UserAccount> {
        let id = AccountId::from_uuid(self.new_uuid());
        let request = NewAccount {
            login: login.to_owned(),
            person: None,
            roles: [Role::Admin].into(),
        };
        self.run(None, |tx, fx| {
            if tx.count_accounts()? > 0 {
                return Err(AccessError::AlreadyBootstrapped.into());
            }
            let valid = people::validate_account(&request, None)?;
            let account = UserAccount {
                id,
                login: valid.login,
                person: None,
                roles: valid.roles,
                active: true,
                created_at: fx.now,
            };
            tx.insert_account(&account)?;
            fx.actor = Some(id);
            fx.events.push(DomainEvent::AccountOpened {
                account: id,
                login: account.login.clone(),
            });
            Ok(account)
        })
    }

    /// Adds a member of staff.
    ///
    /// # Errors
    /// `forbidden` unless the actor may create staff (admins); `invalid_input` listing every bad field;
    /// `duplicate` when the licence number belongs to someone else.
    pub fn hire_staff(&self, actor: AccountId, details: StaffDetails) -> Result<Staff> {
        let id = StaffId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Staff, None)?;
            let details = people::validate_staff(&details)?;
            if let Some(l) = &details.license_number {
                if let Some(existing) = tx.staff_by_license(l)? {
                    return Err(people::PeopleError::DuplicateLicense {
                        license_number: l.clone(),
                        existing,
                    }
                    .into());
                }
            }
            let staff = Staff {
                id,
                details,
                active: true,
                hired_at: fx.now,
                version: 1,
            };
            tx.insert_staff(&staff)?;
            fx.events.push(DomainEvent::StaffHired {
                staff: id,
                role: staff.details.role,
            });
            Ok(staff)
        })
    }

    /// Opens a login account for a member of staff or a patient.
    ///
    /// # Errors
    /// `forbidden` unless the actor may create accounts (admins); `not_found` for an unknown person;
    /// `invalid_input` when the roles do not fit the person; `duplicate` for a taken login.
    pub fn open_account(&self, actor: AccountId, request: NewAccount) -> Result<UserAccount> {
        let id = AccountId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let person = load_person(tx, request.person)?;
            let grants = granted_roles(RoleSet::from(&request.roles), RoleSet::EMPTY, person.entitled());
            self.authorize_grant(tx, fx, Action::Create, ResourceKind::UserAccount, None, grants)?;
            let staff_role = person.found()?;
            let valid = people::validate_account(&request, staff_role)?;
            if tx.account_by_login(&valid.login)?.is_some() {
                return Err(people::PeopleError::DuplicateLogin { login: valid.login }.into());
            }
            let account = UserAccount {
                id,
                login: valid.login,
                person: valid.person,
                roles: valid.roles,
                active: true,
                created_at: fx.now,
            };
            tx.insert_account(&account)?;
            fx.events.push(DomainEvent::AccountOpened {
                account: id,
                login: account.login.clone(),
            });
            Ok(account)
        })
    }

    /// Sets the roles of an account. Only admins manage roles, and no one may grant a role they do not
    /// hold: the roles an account gets from its person's own record (a doctor's `doctor`) are not a
    /// grant, every other role added is.
    ///
    /// # Errors
    /// `forbidden` (not an admin, or granting a role the actor does not hold); `not_found` for an
    /// unknown account; `invalid_input` when the roles do not fit the person.
    pub fn set_account_roles(
        &self,
        actor: AccountId,
        account: AccountId,
        roles: BTreeSet<Role>,
    ) -> Result<UserAccount> {
        self.run(Some(actor), |tx, fx| {
            let target = tx.account(account)?;
            let person = load_person(tx, target.as_ref().and_then(|t| t.person))?;
            let held = target
                .as_ref()
                .map_or(RoleSet::EMPTY, |t| RoleSet::from(&t.roles));
            let grants = granted_roles(RoleSet::from(&roles), held, person.entitled());
            self.authorize_grant(tx, fx, Action::Grant, ResourceKind::UserAccount, None, grants)?;
            let target = target.ok_or_else(|| Error::not_found("account", account))?;
            let request = NewAccount {
                login: target.login.clone(),
                person: target.person,
                roles: roles.clone(),
            };
            let valid = people::validate_account(&request, person.found()?)?;
            let updated = UserAccount {
                roles: valid.roles,
                ..target
            };
            tx.update_account(&updated)?;
            fx.events.push(DomainEvent::AccountRolesChanged {
                account,
                roles: updated.roles.clone(),
            });
            Ok(updated)
        })
    }

    /// Registers a patient and gives them a medical record number.
    ///
    /// # Errors
    /// `forbidden` unless the actor may register patients; `invalid_input` listing every bad field;
    /// `duplicate` (with the existing patient's id) for a second registration of the same person.
    ///
    /// # Example
    /// ```
    /// # use hms_core::{Hospital, HospitalSettings, store::MemoryStore};
    /// # use hms_core::people::{PatientDetails, PersonName, AdministrativeSex};
    /// # use chrono::NaiveDate;
    /// let hospital = Hospital::new(MemoryStore::new(), HospitalSettings::default());
    /// let admin = hospital.bootstrap_admin("admin")?;
    /// let born = NaiveDate::from_ymd_opt(1988, 4, 12).unwrap();
    /// let details = PatientDetails::new(PersonName::new("Asha", "Rao"), born, AdministrativeSex::Female);
    /// let patient = hospital.register_patient(admin.id, details)?;
    /// assert_eq!(patient.mrn.as_str(), "000000018");
    /// # Ok::<(), hms_core::Error>(())
    /// ```
    pub fn register_patient(&self, actor: AccountId, details: PatientDetails) -> Result<Patient> {
        let id = PatientId::from_uuid(self.new_uuid());
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::PatientProfile, Some(id))?;
            let details = people::validate_patient(&details, today)?;
            check_duplicate(tx, &details, None)?;
            let mrn = people::Mrn::from_sequence(tx.next_sequence(Sequence::Mrn)?);
            let patient = people::register(id, mrn, details, fx.now);
            tx.insert_patient(&patient)?;
            fx.events.push(DomainEvent::PatientRegistered {
                patient: id,
                mrn: patient.mrn.clone(),
            });
            Ok(patient)
        })
    }

    /// Registers many patients in one transaction: all of them, or (on the first error) none.
    ///
    /// # Errors
    /// As [`Hospital::register_patient`], for the first patient that fails.
    pub fn register_patients(&self, actor: AccountId, batch: &[PatientDetails]) -> Result<Vec<Patient>> {
        let ids: Vec<PatientId> = batch
            .iter()
            .map(|_| PatientId::from_uuid(self.new_uuid()))
            .collect();
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            let mut out = Vec::with_capacity(batch.len());
            for (details, id) in batch.iter().zip(&ids) {
                self.authorize(tx, fx, Action::Create, ResourceKind::PatientProfile, Some(*id))?;
                let details = people::validate_patient(details, today)?;
                check_duplicate(tx, &details, None)?;
                let mrn = people::Mrn::from_sequence(tx.next_sequence(Sequence::Mrn)?);
                let patient = people::register(*id, mrn, details, fx.now);
                tx.insert_patient(&patient)?;
                fx.events.push(DomainEvent::PatientRegistered {
                    patient: *id,
                    mrn: patient.mrn.clone(),
                });
                out.push(patient);
            }
            Ok(out)
        })
    }

    /// Replaces a patient's details; id, MRN and registration time stay.
    ///
    /// # Errors
    /// `not_found`, `forbidden`, `invalid_input`, `duplicate`, or `inactive` for a deactivated patient.
    pub fn update_patient(
        &self,
        actor: AccountId,
        id: PatientId,
        details: PatientDetails,
    ) -> Result<Patient> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::PatientProfile, Some(id))?;
            let current = tx.patient(id)?.ok_or_else(|| Error::not_found("patient", id))?;
            let details = people::validate_patient(&details, today)?;
            check_duplicate(tx, &details, Some(id))?;
            let updated = people::apply_update(&current, details, fx.now)?;
            tx.update_patient(&updated)?;
            fx.events.push(DomainEvent::PatientUpdated {
                patient: id,
                version: updated.version,
            });
            Ok(updated)
        })
    }

    /// Deactivates a patient (the record stays; nothing is deleted).
    ///
    /// # Errors
    /// `not_found`, `forbidden`, `invalid_input` for a blank reason, `inactive` if already deactivated.
    pub fn deactivate_patient(&self, actor: AccountId, id: PatientId, reason: &str) -> Result<Patient> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Deactivate, ResourceKind::PatientProfile, Some(id))?;
            let current = tx.patient(id)?.ok_or_else(|| Error::not_found("patient", id))?;
            let updated = people::deactivate(&current, reason, fx.now)?;
            tx.update_patient(&updated)?;
            let reason = updated
                .deactivation
                .as_ref()
                .map(|d| d.reason.clone())
                .unwrap_or_default();
            fx.events
                .push(DomainEvent::PatientDeactivated { patient: id, reason });
            Ok(updated)
        })
    }

    /// Reactivates a deactivated patient.
    ///
    /// # Errors
    /// `not_found`, `forbidden`, `invalid_transition` if the patient is active.
    pub fn reactivate_patient(&self, actor: AccountId, id: PatientId) -> Result<Patient> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::PatientProfile, Some(id))?;
            let current = tx.patient(id)?.ok_or_else(|| Error::not_found("patient", id))?;
            let updated = people::reactivate(&current, fx.now)?;
            tx.update_patient(&updated)?;
            fx.events.push(DomainEvent::PatientReactivated { patient: id });
            Ok(updated)
        })
    }

    /// Reads a patient's registration record (the read is audited).
    ///
    /// # Errors
    /// `forbidden`, `not_found`.
    pub fn patient(&self, actor: AccountId, id: PatientId) -> Result<Patient> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::PatientProfile, Some(id))?;
            tx.patient(id)?.ok_or_else(|| Error::not_found("patient", id))
        })
    }

    /// Searches patients by name, MRN, national id or telephone number. Every patient found is
    /// audited as read by the actor.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn search_patients(&self, actor: AccountId, query: &PatientQuery) -> Result<Vec<Patient>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::PatientProfile, None)?;
            let found = tx.search_patients(query)?;
            // A search shows every patient it finds: each of them gets an entry (same rule, same
            // reason) so that it shows in their access report. An empty search keeps one entry.
            if let Some(search) = fx.decisions.pop() {
                if found.is_empty() {
                    fx.decisions.push(search);
                } else {
                    fx.decisions.extend(found.iter().map(|p| AuditDraft {
                        patient: Some(p.id),
                        ..search.clone()
                    }));
                }
            }
            Ok(found)
        })
    }

    /// Lists staff, optionally only one role.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn list_staff(&self, actor: AccountId, role: Option<StaffRole>) -> Result<Vec<Staff>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Staff, None)?;
            tx.list_staff(role)
        })
    }

    /// Opens emergency ("break the glass") access to a patient's records for `minutes`, with a reason.
    /// It lapses by itself; opening it raises an `access.break_glass_opened` event and an audit entry
    /// that quotes the reason, and every access under it is flagged in the audit log.
    ///
    /// # Errors
    /// `forbidden` unless the policy lets the actor break the glass (doctors and nurses);
    /// `invalid_input` for a blank reason, a duration outside 1 to the policy's maximum, or an actor
    /// without a staff record; `not_found` for an unknown patient.
    pub fn open_break_glass(
        &self,
        actor: AccountId,
        patient: PatientId,
        reason: &str,
        minutes: u32,
    ) -> Result<BreakGlassGrant> {
        let id = BreakGlassId::from_uuid(self.new_uuid());
        let max = self.policy.settings().break_glass_max_minutes;
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Create, ResourceKind::BreakGlass, Some(patient))?;
            let reason = validate_break_glass(reason, minutes, max)?;
            let staff = account.staff_id().ok_or_else(|| {
                ValidationError::single(
                    "actor",
                    FieldCode::Inconsistent,
                    "emergency access needs an account linked to a member of staff",
                )
            })?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            let grant = BreakGlassGrant {
                id,
                account: account.id,
                staff,
                patient,
                reason,
                opened_at: fx.now,
                expires_at: fx.now + chrono::Duration::minutes(i64::from(minutes)),
            };
            tx.insert_break_glass(&grant)?;
            if let Some(entry) = fx.decisions.last_mut() {
                entry.reason = format!("{}; reason given: `{}`", entry.reason, grant.reason);
            }
            fx.events.push(DomainEvent::BreakGlassOpened {
                grant: id,
                account: account.id,
                patient,
                reason: grant.reason.clone(),
                expires_at: grant.expires_at,
            });
            Ok(grant)
        })
    }

    /// Puts a member of clinical staff on a patient's care team from now, until `valid_until` or until
    /// the link is ended.
    ///
    /// # Errors
    /// `forbidden` unless the policy allows it (admins, the front desk, a doctor already on the team);
    /// `not_found` for an unknown patient or member of staff; `inactive` for a deactivated one;
    /// `invalid_input` for non-clinical staff or an end not after now; `duplicate` when they are on
    /// the team already.
    pub fn add_care_team_member(
        &self,
        actor: AccountId,
        patient: PatientId,
        staff: StaffId,
        valid_until: Option<DateTime<Utc>>,
    ) -> Result<CareTeamLink> {
        let id = CareTeamLinkId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::CareTeam, Some(patient))?;
            let p = tx
                .patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            if !p.is_active() {
                return Err(people::PeopleError::Inactive {
                    entity: "patient",
                    key: patient.to_string(),
                }
                .into());
            }
            let member = tx
                .staff(staff)?
                .ok_or_else(|| Error::not_found("staff member", staff))?;
            if !member.active {
                return Err(people::PeopleError::Inactive {
                    entity: "staff member",
                    key: staff.to_string(),
                }
                .into());
            }
            validate_care_team_link(member.details.role, valid_until, fx.now)?;
            if let Some(existing) = current_link(&tx.care_team_of(patient)?, staff, fx.now) {
                return Err(AccessError::DuplicateCareTeamMember {
                    staff,
                    patient,
                    existing,
                }
                .into());
            }
            let link = CareTeamLink {
                id,
                staff,
                patient,
                role: member.details.role,
                valid_from: fx.now,
                valid_until,
                added_by: actor,
                ended_by: None,
            };
            tx.insert_care_team_link(&link)?;
            fx.events.push(DomainEvent::CareTeamMemberAdded {
                link: id,
                staff,
                patient,
            });
            Ok(link)
        })
    }

    /// Ends a care-team link now: the member of staff's care relationship through it ends at once.
    ///
    /// # Errors
    /// `forbidden` unless the policy allows it (admins, the front desk); `not_found` for an unknown
    /// link; `invalid_transition` when it has already ended.
    pub fn end_care_team_member(&self, actor: AccountId, link: CareTeamLinkId) -> Result<CareTeamLink> {
        self.run(Some(actor), |tx, fx| {
            let current = tx.care_team_link(link)?;
            let patient = current.as_ref().map(|l| l.patient);
            self.authorize(tx, fx, Action::Deactivate, ResourceKind::CareTeam, patient)?;
            let current = current.ok_or_else(|| Error::not_found("care-team link", link))?;
            if !current.is_current_or_future(fx.now) {
                return Err(AccessError::CareTeamLinkEnded { link }.into());
            }
            let ended = CareTeamLink {
                valid_until: Some(fx.now.max(current.valid_from)),
                ended_by: Some(actor),
                ..current
            };
            tx.update_care_team_link(&ended)?;
            fx.events.push(DomainEvent::CareTeamMemberEnded {
                link,
                staff: ended.staff,
                patient: ended.patient,
            });
            Ok(ended)
        })
    }

    /// A patient's care team: every link, current and ended, oldest first.
    ///
    /// # Errors
    /// `forbidden` unless the policy allows it; `not_found` for an unknown patient.
    pub fn care_team(&self, actor: AccountId, patient: PatientId) -> Result<Vec<CareTeamLink>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::CareTeam, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            tx.care_team_of(patient)
        })
    }

    /// The audit log after sequence number `after`, for an admin's review (the review is audited too).
    ///
    /// # Errors
    /// `forbidden` unless the actor may read the audit log (admins).
    pub fn audit_log(&self, actor: AccountId, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::AuditLog, None)?;
            tx.audit_after(after, limit)
        })
    }

    /// Who accessed a patient's data, and when: every allowed access in the audit log about them,
    /// oldest first (the right of access under HIPAA and the GDPR). Emergency accesses are marked.
    ///
    /// # Errors
    /// `forbidden` unless the actor is the patient themself or an admin; `not_found` for an unknown
    /// patient.
    pub fn patient_access_report(
        &self,
        actor: AccountId,
        patient: PatientId,
    ) -> Result<Vec<AccessReportEntry>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::AuditLog, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            let mut logins = std::collections::HashMap::new();
            let mut out = Vec::new();
            for e in tx.audit_of_patient(patient, 0, usize::MAX)? {
                if !e.allowed {
                    continue;
                }
                let login = match logins.get(&e.account) {
                    Some(l) => Clone::clone(l),
                    None => {
                        let l = tx.account(e.account)?.map(|a| a.login);
                        logins.insert(e.account, l.clone());
                        l
                    }
                };
                out.push(AccessReportEntry {
                    at: e.at,
                    account: e.account,
                    login,
                    action: e.action,
                    resource: e.resource,
                    break_glass: e.break_glass,
                    rule: e.rule,
                });
            }
            Ok(out)
        })
    }

    /// Checks the whole audit log's hash chain and names every entry where it is broken (edited,
    /// removed, inserted or reordered entries). Keep the returned `head` aside: checking later against
    /// it ([`ChainVerifier::finish_against`]) also shows entries cut off the end.
    ///
    /// # Errors
    /// `storage`.
    pub fn verify_audit_chain(&self) -> Result<AuditVerification> {
        const PAGE: usize = 1000;
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let page = self.store.read(|r| r.audit_after(after, PAGE))?;
            for e in &page {
                verifier.push(e);
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = last.seq,
                _ => break,
            }
        }
        Ok(verifier.finish())
    }

    /// Events after sequence number `after`, oldest first (for outbox consumers run by the host).
    ///
    /// # Errors
    /// `storage`.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.store.read(|r| r.events_after(after, limit))
    }

    /// Audit entries after sequence number `after`, oldest first: for the host's own relays (an
    /// archive, a SIEM), not for people — they use [`Hospital::audit_log`], which checks the policy.
    ///
    /// # Errors
    /// `storage`.
    pub fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.store.read(|r| r.audit_after(after, limit))
    }
}

fn check_duplicate(tx: &dyn Reads, details: &PatientDetails, except: Option<PatientId>) -> Result<()> {
    let by_nid = match &details.national_id {
        Some(n) => tx.patient_by_national_id(n)?,
        None => None,
    };
    let by_key = match people::demographic_key(details) {
        Some(k) => tx.patient_by_demographic_key(&k)?,
        None => None,
    };
    people::duplicate_of(details, except, |_| by_nid, |_| by_key)?;
    Ok(())
}

/// What the facade knows about the person an account is (to be) linked to.
enum PersonInfo {
    None,
    Staff(StaffRole),
    Patient,
    Missing(&'static str, String),
}

impl PersonInfo {
    /// The role the person's own record gives them.
    fn entitled(&self) -> Option<Role> {
        match self {
            PersonInfo::Staff(r) => Some(Role::of_staff(*r)),
            PersonInfo::Patient => Some(Role::Patient),
            PersonInfo::None | PersonInfo::Missing(..) => None,
        }
    }

    /// The staff role for account validation, or `not_found` for a person that does not exist.
    fn found(&self) -> Result<Option<StaffRole>> {
        match self {
            PersonInfo::Staff(r) => Ok(Some(*r)),
            PersonInfo::Patient | PersonInfo::None => Ok(None),
            PersonInfo::Missing(entity, key) => Err(Error::NotFound {
                entity,
                key: key.clone(),
            }),
        }
    }
}

fn load_person(tx: &dyn Reads, person: Option<PersonRef>) -> Result<PersonInfo> {
    Ok(match person {
        None => PersonInfo::None,
        Some(PersonRef::Staff(s)) => match tx.staff(s)? {
            Some(staff) => PersonInfo::Staff(staff.details.role),
            None => PersonInfo::Missing("staff member", s.to_string()),
        },
        Some(PersonRef::Patient(p)) => match tx.patient(p)? {
            Some(_) => PersonInfo::Patient,
            None => PersonInfo::Missing("patient", p.to_string()),
        },
    })
}

fn append_audit(tx: &mut dyn Writes, now: DateTime<Utc>, d: &AuditDraft) -> Result<()> {
    let last = tx.last_audit()?;
    let record = AuditRecord {
        seq: last.as_ref().map_or(1, |a| a.seq + 1),
        at: now,
        account: d.account,
        action: d.action,
        resource: d.resource,
        patient: d.patient,
        allowed: d.allowed,
        rule: d.rule.to_string(),
        reason: d.reason.clone(),
        break_glass: d.break_glass,
        prev_hash: last.map_or(AuditHash::GENESIS, |a| a.hash),
        hash: AuditHash::GENESIS,
    }
    .sealed();
    tx.append_audit(&record)
}
