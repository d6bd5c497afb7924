//! The facade: one method per use case, each run as authorize → load → decide → commit.
//!
//! `Hospital<S>` is the only place where the policy, the pure rules and the store meet. Every use case
//! runs inside one [`Store::write`] transaction that commits its state changes, its domain events and
//! the audit entry of its access decision together. A request the policy denies changes nothing but the
//! audit log, which records the denial.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::access::{AccessError, Action, AuditRecord, ResourceKind, Role};
use crate::billing::RoundingMode;
use crate::error::{Error, Result};
use crate::events::{DomainEvent, EventRecord};
use crate::ids::{AccountId, EventId, IdSource, PatientId, StaffId};
use crate::money::Currency;
use crate::people::{
    self, NewAccount, Patient, PatientDetails, PersonRef, Staff, StaffDetails, StaffRole, UserAccount,
};
use crate::scheduling::ConflictMode;
use crate::store::{PatientQuery, Reads, Sequence, Store, Writes};
use crate::time::Clock;

mod billing;
mod scheduling;

pub use billing::{AgingReport, ChargeRequest, CreditRequest, PaymentRequest};
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
        }
    }
}

/// A hospital: the use cases over a store.
#[derive(Debug)]
pub struct Hospital<S> {
    store: S,
    settings: HospitalSettings,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

/// What a use case has done so far inside its transaction: events to publish and access decisions to
/// audit, written at commit.
struct Effects {
    actor: Option<AccountId>,
    now: DateTime<Utc>,
    events: Vec<DomainEvent>,
    decisions: Vec<Decision>,
}

#[derive(Clone)]
struct Decision {
    account: AccountId,
    action: Action,
    resource: ResourceKind,
    patient: Option<PatientId>,
    allowed: bool,
    rule: &'static str,
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
            clock,
            ids,
        }
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
        let mut denied: Option<Decision> = None;
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

    /// Loads the acting account and decides whether it may do `action` on `resource`.
    ///
    /// TODO(#4): this is a fixed role table standing in for the policy engine of the access-control
    /// issue (relationship rules, break-glass, policy as data). It already denies by default.
    fn authorize(
        &self,
        tx: &dyn Reads,
        fx: &mut Effects,
        action: Action,
        resource: ResourceKind,
        patient: Option<PatientId>,
    ) -> Result<UserAccount> {
        let account_id = fx.actor.ok_or(AccessError::NotSignedIn)?;
        let account = tx
            .account(account_id)?
            .filter(|a| a.active)
            .ok_or(AccessError::UnknownAccount { account: account_id })?;
        let (allowed, rule) = placeholder_policy(&account, action, resource, patient);
        if resource == ResourceKind::PatientProfile {
            fx.decisions.push(Decision {
                account: account_id,
                action,
                resource,
                patient,
                allowed,
                rule,
            });
        }
        if allowed {
            Ok(account)
        } else {
            if resource != ResourceKind::PatientProfile {
                fx.decisions.push(Decision {
                    account: account_id,
                    action,
                    resource,
                    patient,
                    allowed,
                    rule,
                });
            }
            Err(AccessError::Forbidden {
                account: account_id,
                action,
                resource,
                rule: rule.to_owned(),
                reason: format!(
                    "no rule allows roles {} to {} {}",
                    account
                        .roles
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    action.as_str(),
                    resource.as_str()
                ),
            }
            .into())
        }
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
            self.authorize(tx, fx, Action::Create, ResourceKind::UserAccount, None)?;
            let staff_role = match request.person {
                Some(PersonRef::Staff(s)) => Some(
                    tx.staff(s)?
                        .ok_or_else(|| Error::not_found("staff member", s))?
                        .details
                        .role,
                ),
                Some(PersonRef::Patient(p)) => {
                    tx.patient(p)?.ok_or_else(|| Error::not_found("patient", p))?;
                    None
                }
                None => None,
            };
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

    /// Searches patients by name, MRN, national id or telephone number.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn search_patients(&self, actor: AccountId, query: &PatientQuery) -> Result<Vec<Patient>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::PatientProfile, None)?;
            tx.search_patients(query)
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

    /// Events after sequence number `after`, oldest first (for outbox consumers run by the host).
    ///
    /// # Errors
    /// `storage`.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.store.read(|r| r.events_after(after, limit))
    }

    /// Audit entries after sequence number `after`, oldest first.
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

fn append_audit(tx: &mut dyn Writes, now: DateTime<Utc>, d: &Decision) -> Result<()> {
    let seq = tx.last_audit()?.map_or(1, |a| a.seq + 1);
    tx.append_audit(&AuditRecord {
        seq,
        at: now,
        account: d.account,
        action: d.action,
        resource: d.resource,
        patient: d.patient,
        allowed: d.allowed,
        rule: d.rule.to_owned(),
    })
}

/// TODO(#4): the stand-in role table (see [`Hospital::authorize`]). Deny unless a line allows.
fn placeholder_policy(
    account: &UserAccount,
    action: Action,
    resource: ResourceKind,
    patient: Option<PatientId>,
) -> (bool, &'static str) {
    let has = |r| account.has_role(r);
    if has(Role::Admin) {
        return (true, "admin-all");
    }
    match resource {
        ResourceKind::PatientProfile => {
            if has(Role::Receptionist) {
                return (true, "receptionist-registration");
            }
            if action == Action::Read
                && [
                    Role::Doctor,
                    Role::Nurse,
                    Role::BillingClerk,
                    Role::Pharmacist,
                    Role::LabTechnician,
                ]
                .iter()
                .any(|r| has(*r))
            {
                return (true, "staff-read-profile");
            }
            if has(Role::Patient)
                && matches!(action, Action::Read | Action::Update)
                && patient.is_some()
                && account.patient_id() == patient
            {
                return (true, "patient-own-profile");
            }
        }
        ResourceKind::Staff => {
            if action == Action::Read && !has(Role::Patient) {
                return (true, "staff-read-staff");
            }
        }
        ResourceKind::UserAccount => {}
        ResourceKind::Appointment => {
            if has(Role::Receptionist) || has(Role::Doctor) || has(Role::Nurse) {
                return (true, "staff-appointments");
            }
            if has(Role::Patient) && patient.is_some() && account.patient_id() == patient {
                return (true, "patient-own-appointments");
            }
        }
        ResourceKind::Invoice => {
            if has(Role::BillingClerk) {
                return (true, "billing-clerk-invoices");
            }
            // Staff who provide a service charge for it (the pharmacy its dispenses, the desk a visit).
            if matches!(action, Action::Create | Action::Read)
                && [
                    Role::Receptionist,
                    Role::Pharmacist,
                    Role::LabTechnician,
                    Role::Nurse,
                ]
                .iter()
                .any(|r| has(*r))
            {
                return (true, "staff-charges");
            }
            if has(Role::Patient)
                && action == Action::Read
                && patient.is_some()
                && account.patient_id() == patient
            {
                return (true, "patient-own-invoices");
            }
        }
        ResourceKind::Payment => {
            if has(Role::BillingClerk) {
                return (true, "billing-clerk-payments");
            }
            if has(Role::Receptionist) && matches!(action, Action::Create | Action::Read) {
                return (true, "receptionist-takes-payments");
            }
            if has(Role::Patient)
                && matches!(action, Action::Create | Action::Read)
                && patient.is_some()
                && account.patient_id() == patient
            {
                return (true, "patient-pays-own");
            }
        }
        ResourceKind::PriceList => {
            if action == Action::Read && !has(Role::Patient) {
                return (true, "staff-read-prices");
            }
            if has(Role::BillingClerk) && action == Action::Update {
                return (true, "billing-clerk-prices");
            }
        }
        ResourceKind::Schedule => {
            if action == Action::Read && !has(Role::Patient) {
                return (true, "staff-read-schedule");
            }
            if action == Action::Read && has(Role::Patient) {
                return (true, "patient-slot-search");
            }
            if has(Role::Doctor) && action == Action::Update {
                return (true, "doctor-own-schedule");
            }
        }
    }
    (false, "default-deny")
}
