//! Access control through the facade: care teams, break-glass, role grants, the audit log and the
//! patient's access report, end to end on the in-memory store.
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use hms_core::access::{
    default_policy, verify_chain, AccessError, ChainProblemKind, CompiledPolicy, Condition, Effect, KindSet,
    RelationshipKind, ResourceKind, Role, Rule,
};
use hms_core::access::{ActionSet, ResourceSet, RoleSet};
use hms_core::ids::{AccountId, SeededIds};
use hms_core::people::{
    AdministrativeSex, DoctorProfile, NewAccount, PatientDetails, PersonName, PersonRef, StaffDetails,
    StaffRole,
};
use hms_core::store::{MemoryStore, PatientQuery, Store};
use hms_core::time::ManualClock;
use hms_core::{Error, Hospital, HospitalSettings};

struct Ward {
    h: Hospital<MemoryStore>,
    clock: Arc<ManualClock>,
    admin: AccountId,
    desk: AccountId,
    doctor: AccountId,
    doctor_staff: hms_core::ids::StaffId,
    nurse: AccountId,
    nurse_staff: hms_core::ids::StaffId,
    asha: hms_core::ids::PatientId,
    asha_portal: AccountId,
    bina: hms_core::ids::PatientId,
}

fn staff_details(given: &str, role: StaffRole, licence: Option<&str>) -> StaffDetails {
    StaffDetails {
        name: PersonName::new(given, "Staff"),
        role,
        department: None,
        phone: None,
        email: None,
        license_number: licence.map(str::to_owned),
        doctor: (role == StaffRole::Doctor).then(|| DoctorProfile {
            specialization: "general practice".into(),
            consultation_fee: hms_core::money::Money::from_minor(50_000, hms_core::money::Currency::INR),
        }),
    }
}

fn patient(given: &str, phone: &str) -> PatientDetails {
    PatientDetails {
        phone: Some(phone.into()),
        ..PatientDetails::new(
            PersonName::new(given, "Rao"),
            chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            AdministrativeSex::Female,
        )
    }
}

/// A hospital whose policy makes nurses need a care relationship (or break-glass) even for patient
/// profiles, so that the facade's relationship facts can be watched through a use case that exists.
fn nurse_needs_relationship_policy() -> CompiledPolicy {
    let mut p = default_policy();
    for r in &mut p.rules {
        if r.id == "staff-read-patient-profiles" {
            r.roles = r.roles.difference(RoleSet::of(&[Role::Nurse]));
        }
    }
    let rule = |id: &str, when| Rule {
        id: id.into(),
        effect: Effect::Permit,
        roles: RoleSet::of(&[Role::Nurse]),
        actions: ActionSet::of(&[hms_core::access::Action::Read]),
        resources: ResourceSet::of(&[ResourceKind::PatientProfile]),
        when,
        description: String::new(),
    };
    p.rules.push(rule(
        "nurse-reads-team-profiles",
        Condition::Relationship(KindSet::of(&[RelationshipKind::CareTeam])),
    ));
    p.rules
        .push(rule("nurse-emergency-profiles", Condition::BreakGlass));
    CompiledPolicy::compile(p).unwrap()
}

fn ward(policy: CompiledPolicy) -> Ward {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
    ));
    let h = Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings::default(),
        clock.clone(),
        Arc::new(SeededIds::new(5)),
    )
    .with_policy(policy);
    let admin = h.bootstrap_admin("admin").unwrap().id;
    let account = |login: &str, person, role| {
        h.open_account(
            admin,
            NewAccount {
                login: login.into(),
                person: Some(person),
                roles: [role].into(),
            },
        )
        .unwrap()
        .id
    };
    let desk_staff = h
        .hire_staff(admin, staff_details("Divya", StaffRole::Receptionist, None))
        .unwrap()
        .id;
    let doctor_staff = h
        .hire_staff(admin, staff_details("Meera", StaffRole::Doctor, Some("KMC-1")))
        .unwrap()
        .id;
    let nurse_staff = h
        .hire_staff(admin, staff_details("Leela", StaffRole::Nurse, Some("KNC-1")))
        .unwrap()
        .id;
    let desk = account("divya", PersonRef::Staff(desk_staff), Role::Receptionist);
    let doctor = account("meera", PersonRef::Staff(doctor_staff), Role::Doctor);
    let nurse = account("leela", PersonRef::Staff(nurse_staff), Role::Nurse);
    let asha = h
        .register_patient(desk, patient("Asha", "+91 98450 11111"))
        .unwrap()
        .id;
    let bina = h
        .register_patient(desk, patient("Bina", "+91 98450 22222"))
        .unwrap()
        .id;
    let asha_portal = account("asha", PersonRef::Patient(asha), Role::Patient);
    Ward {
        h,
        clock,
        admin,
        desk,
        doctor,
        doctor_staff,
        nurse,
        nurse_staff,
        asha,
        asha_portal,
        bina,
    }
}

fn forbidden_rule(e: Error) -> (String, String) {
    match e {
        Error::Access(AccessError::Forbidden { rule, reason, .. }) => (rule, reason),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn a_care_team_link_opens_access_and_ending_it_closes_it() {
    let w = ward(nurse_needs_relationship_policy());
    let (rule, reason) = forbidden_rule(w.h.patient(w.nurse, w.asha).unwrap_err());
    assert_eq!(rule, "default-deny");
    assert_eq!(
        reason,
        format!(
            "nurse `{}` has no care relationship with patient `{}`",
            w.nurse_staff, w.asha
        )
    );
    let link =
        w.h.add_care_team_member(w.desk, w.asha, w.nurse_staff, None)
            .unwrap();
    assert_eq!(w.h.patient(w.nurse, w.asha).unwrap().id, w.asha);
    assert_eq!(
        w.h.add_care_team_member(w.admin, w.asha, w.nurse_staff, None)
            .unwrap_err()
            .code(),
        "duplicate"
    );
    // The link is for Asha only.
    assert_eq!(w.h.patient(w.nurse, w.bina).unwrap_err().code(), "forbidden");
    w.clock.advance(Duration::hours(1)).unwrap();
    let ended = w.h.end_care_team_member(w.desk, link.id).unwrap();
    assert_eq!(ended.valid_until, Some(w.h.now()));
    assert_eq!(ended.ended_by, Some(w.desk));
    assert_eq!(w.h.patient(w.nurse, w.asha).unwrap_err().code(), "forbidden");
    assert_eq!(
        w.h.end_care_team_member(w.desk, link.id).unwrap_err().code(),
        "invalid_transition"
    );
    let team = w.h.care_team(w.admin, w.asha).unwrap();
    assert_eq!(team, [ended]);
    let names: Vec<_> =
        w.h.events_after(0, 100)
            .unwrap()
            .iter()
            .map(|e| e.event.name())
            .collect();
    assert!(names.contains(&"care_team.member_added") && names.contains(&"care_team.member_ended"));
}

#[test]
fn care_team_rules_who_adds_and_who_joins() {
    let w = ward(CompiledPolicy::hospital_default());
    // A doctor not on the team may not add to it; once on it, they may add a nurse.
    let (rule, _) = forbidden_rule(
        w.h.add_care_team_member(w.doctor, w.asha, w.nurse_staff, None)
            .unwrap_err(),
    );
    assert_eq!(rule, "default-deny");
    w.h.add_care_team_member(w.desk, w.asha, w.doctor_staff, None)
        .unwrap();
    w.h.add_care_team_member(w.doctor, w.asha, w.nurse_staff, None)
        .unwrap();
    // The desk itself does not join a care team, and a link ends after it starts.
    let desk_staff =
        w.h.store()
            .read(|r| r.account(w.desk))
            .unwrap()
            .unwrap()
            .staff_id()
            .unwrap();
    assert_eq!(
        w.h.add_care_team_member(w.admin, w.bina, desk_staff, None)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        w.h.add_care_team_member(w.admin, w.bina, w.nurse_staff, Some(w.h.now()))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    // The patient reads their own care team; a nurse on the team reads it too.
    assert_eq!(w.h.care_team(w.asha_portal, w.asha).unwrap().len(), 2);
    assert_eq!(w.h.care_team(w.nurse, w.asha).unwrap().len(), 2);
    assert_eq!(
        w.h.care_team(w.asha_portal, w.bina).unwrap_err().code(),
        "forbidden"
    );
}

#[test]
fn break_glass_is_audited_flagged_and_expires() {
    let w = ward(nurse_needs_relationship_policy());
    assert_eq!(w.h.patient(w.nurse, w.bina).unwrap_err().code(), "forbidden");
    // Bad requests change nothing.
    assert_eq!(
        w.h.open_break_glass(w.nurse, w.bina, "   ", 30)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        w.h.open_break_glass(w.nurse, w.bina, "collapsed", 241)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        w.h.open_break_glass(w.desk, w.bina, "curious", 30)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let grant =
        w.h.open_break_glass(w.nurse, w.bina, "collapsed  in the corridor", 30)
            .unwrap();
    assert_eq!(grant.reason, "collapsed in the corridor");
    assert_eq!(grant.expires_at, w.h.now() + Duration::minutes(30));
    let opening = w.h.audit_after(0, 1000).unwrap().pop().unwrap();
    assert_eq!(opening.resource, ResourceKind::BreakGlass);
    assert!(
        opening
            .reason
            .ends_with("reason given: `collapsed in the corridor`"),
        "{}",
        opening.reason
    );
    let event = w.h.events_after(0, 100).unwrap().pop().unwrap();
    assert_eq!(event.event.name(), "access.break_glass_opened");

    w.clock.advance(Duration::minutes(29)).unwrap();
    w.h.patient(w.nurse, w.bina).unwrap();
    let access = w.h.audit_after(0, 1000).unwrap().pop().unwrap();
    assert!(
        access.allowed && access.break_glass,
        "the access is flagged for review"
    );
    assert_eq!(access.rule, "nurse-emergency-profiles");

    w.clock.advance(Duration::minutes(1)).unwrap();
    let (rule, _) = forbidden_rule(w.h.patient(w.nurse, w.bina).unwrap_err());
    assert_eq!(rule, "default-deny", "break-glass lapses by itself");
}

#[test]
fn the_patient_sees_who_accessed_their_record() {
    let w = ward(nurse_needs_relationship_policy());
    w.h.open_break_glass(w.nurse, w.asha, "cardiac arrest", 15)
        .unwrap();
    w.h.patient(w.nurse, w.asha).unwrap();
    w.h.patient(w.doctor, w.asha).unwrap();
    w.h.patient(w.doctor, w.bina).unwrap();
    assert!(w.h.patient(w.asha_portal, w.bina).is_err());
    let report = w.h.patient_access_report(w.asha_portal, w.asha).unwrap();
    let who: Vec<_> = report
        .iter()
        .map(|e| {
            (
                e.login.as_deref().unwrap_or("?"),
                e.resource.as_str(),
                e.break_glass,
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("divya", "patient_profile", false),
            ("leela", "break_glass", false),
            ("leela", "patient_profile", true),
            ("meera", "patient_profile", false),
        ],
        "registration, the emergency access and the reads; nothing about Bina"
    );
    // An admin may ask for it; another patient may not, and nor may a doctor.
    assert_eq!(w.h.patient_access_report(w.admin, w.asha).unwrap().len(), 5);
    assert_eq!(
        w.h.patient_access_report(w.asha_portal, w.bina)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        w.h.patient_access_report(w.doctor, w.asha).unwrap_err().code(),
        "forbidden"
    );
}

#[test]
fn no_one_grants_a_role_they_do_not_hold() {
    let w = ward(CompiledPolicy::hospital_default());
    // The doctor's own role comes from their hiring record: an admin may take it away and give it back.
    let roles = |set: &[Role]| set.iter().copied().collect::<std::collections::BTreeSet<_>>();
    w.h.set_account_roles(w.admin, w.doctor, roles(&[Role::Doctor, Role::Admin]))
        .unwrap();
    w.h.set_account_roles(w.admin, w.doctor, roles(&[Role::Admin]))
        .unwrap();
    let back =
        w.h.set_account_roles(w.admin, w.doctor, roles(&[Role::Doctor]))
            .unwrap();
    assert_eq!(back.roles, roles(&[Role::Doctor]));
    // Pharmacist is neither the doctor's own role nor one the admin holds.
    let (rule, reason) = forbidden_rule(
        w.h.set_account_roles(w.admin, w.doctor, roles(&[Role::Doctor, Role::Pharmacist]))
            .unwrap_err(),
    );
    assert_eq!(rule, "no-grant-beyond-own-roles");
    assert!(reason.contains("may not grant the `pharmacist` role"), "{reason}");
    // Only admins manage roles.
    let (rule, _) = forbidden_rule(
        w.h.set_account_roles(w.doctor, w.nurse, roles(&[Role::Nurse]))
            .unwrap_err(),
    );
    assert_eq!(rule, "default-deny");
    assert_eq!(
        w.h.set_account_roles(
            w.admin,
            AccountId::from_uuid(uuid::Uuid::from_u128(9)),
            roles(&[Role::Admin])
        )
        .unwrap_err()
        .code(),
        "not_found"
    );
    // Roles must still fit the person: a patient account holds no other role.
    assert_eq!(
        w.h.set_account_roles(w.admin, w.asha_portal, roles(&[Role::Patient, Role::Admin]))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let names: Vec<_> =
        w.h.events_after(0, 100)
            .unwrap()
            .iter()
            .map(|e| e.event.name())
            .collect();
    assert_eq!(names.iter().filter(|n| **n == "account.roles_changed").count(), 3);
}

#[test]
fn a_hospital_that_lets_doctors_manage_accounts_still_stops_escalation() {
    let mut p = default_policy();
    p.rules.push(Rule {
        id: "head-doctor-manages-accounts".into(),
        effect: Effect::Permit,
        roles: RoleSet::of(&[Role::Doctor]),
        actions: ActionSet::of(&[hms_core::access::Action::Grant]),
        resources: ResourceSet::of(&[ResourceKind::UserAccount]),
        when: Condition::Always,
        description: String::new(),
    });
    let w = ward(CompiledPolicy::compile(p).unwrap());
    let roles = |set: &[Role]| set.iter().copied().collect::<std::collections::BTreeSet<_>>();
    // The doctor may re-grant the nurse her own role, but not make her an admin.
    w.h.set_account_roles(w.doctor, w.nurse, roles(&[Role::Nurse]))
        .unwrap();
    let (rule, _) = forbidden_rule(
        w.h.set_account_roles(w.doctor, w.nurse, roles(&[Role::Nurse, Role::Admin]))
            .unwrap_err(),
    );
    assert_eq!(rule, "no-grant-beyond-own-roles");
}

#[test]
fn searches_audit_every_patient_they_show() {
    let w = ward(CompiledPolicy::hospital_default());
    let before = w.h.audit_after(0, 1000).unwrap().len();
    let q = PatientQuery {
        text: "rao".into(),
        ..Default::default()
    };
    assert_eq!(w.h.search_patients(w.doctor, &q).unwrap().len(), 2);
    let entries = w.h.audit_after(before as u64, 1000).unwrap();
    let patients: Vec<_> = entries.iter().map(|e| e.patient).collect();
    assert_eq!(patients.len(), 2);
    assert!(patients.contains(&Some(w.asha)) && patients.contains(&Some(w.bina)));
    assert!(entries
        .iter()
        .all(|e| e.allowed && e.rule == "staff-read-patient-profiles"));
    // A search that finds no one still leaves one entry; a patient account may not search at all.
    let nobody = PatientQuery {
        text: "zzz".into(),
        ..Default::default()
    };
    assert!(w.h.search_patients(w.doctor, &nobody).unwrap().is_empty());
    assert_eq!(w.h.audit_after(0, 1000).unwrap().last().unwrap().patient, None);
    assert_eq!(
        w.h.search_patients(w.asha_portal, &q).unwrap_err().code(),
        "forbidden"
    );
}

#[test]
fn the_audit_log_is_for_admins_and_its_chain_holds() {
    let w = ward(nurse_needs_relationship_policy());
    assert!(w.h.patient(w.nurse, w.asha).is_err());
    w.h.patient(w.doctor, w.asha).unwrap();
    assert_eq!(w.h.audit_log(w.doctor, 0, 10).unwrap_err().code(), "forbidden");
    let log = w.h.audit_log(w.admin, 0, 1000).unwrap();
    assert!(log.iter().any(|e| !e.allowed && e.account == w.nurse));
    let v = w.h.verify_audit_chain().unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    // The admin's review is itself in the log.
    assert_eq!(v.entries as usize, log.len() + 1);
    assert_eq!(v.head, w.h.audit_after(0, 1000).unwrap().last().unwrap().hash);
}

#[test]
fn a_forged_or_reordered_audit_entry_is_detected() {
    let w = ward(nurse_needs_relationship_policy());
    w.h.patient(w.doctor, w.asha).unwrap();
    assert!(w.h.patient(w.nurse, w.bina).is_err());
    w.h.patient(w.doctor, w.bina).unwrap();
    let log = w.h.audit_after(0, 1000).unwrap();
    assert!(verify_chain(&log).is_intact());
    // Someone flips a denial into an allowed access.
    let mut forged = log.clone();
    let i = forged.iter().position(|e| !e.allowed).unwrap();
    forged[i].allowed = true;
    let v = verify_chain(&forged);
    assert_eq!(
        (v.problems[0].seq, v.problems[0].kind),
        (forged[i].seq, ChainProblemKind::Edited)
    );
    // …and recomputes its hash: the next entry no longer links to it.
    forged[i] = forged[i].clone().sealed();
    let v = verify_chain(&forged);
    assert_eq!(
        (v.problems[0].seq, v.problems[0].kind),
        (forged[i + 1].seq, ChainProblemKind::BrokenLink)
    );
    // Two entries swapped.
    let mut swapped = log.clone();
    swapped.swap(1, 2);
    assert!(!verify_chain(&swapped).is_intact());
    // One entry removed.
    let mut removed = log.clone();
    removed.remove(1);
    assert_eq!(
        verify_chain(&removed).problems[0].kind,
        ChainProblemKind::OutOfSequence
    );
    // The store itself refuses to append a forged entry.
    let last = log.last().unwrap().clone();
    let err =
        w.h.store()
            .write(|tx| {
                tx.append_audit(
                    &hms_core::access::AuditRecord {
                        seq: last.seq + 1,
                        prev_hash: hms_core::access::AuditHash([7; 32]),
                        ..last.clone()
                    }
                    .sealed(),
                )
            })
            .unwrap_err();
    assert_eq!(err.code(), "storage");
}
