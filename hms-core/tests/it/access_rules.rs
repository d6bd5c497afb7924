//! Every rule of the built-in hospital policy, pinned by an allowed and a denied case, through the
//! pure decision function.
use chrono::{DateTime, Duration, TimeZone, Utc};
use hms_core::access::{
    appointment_fact, decide, default_policy, Action, AppointmentWindow, BreakGlassGrant, CompiledPolicy,
    Condition, Decision, Effect, Facts, Reason, RelationshipFact, RelationshipKind, Request, ResourceKind,
    Role, RoleSet, Rule, Subject,
};
use hms_core::access::{ActionSet, ResourceSet};
use hms_core::ids::{AccountId, BreakGlassId, PatientId, StaffId};
use hms_core::time::Interval;

fn uuid(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

const P_A: u128 = 0xA;
const P_B: u128 = 0xB;
const D_17: u128 = 17;
const N_5: u128 = 5;

fn pid(n: u128) -> PatientId {
    PatientId::from_uuid(uuid(n))
}

fn sid(n: u128) -> StaffId {
    StaffId::from_uuid(uuid(n))
}

fn staff(role: Role, n: u128) -> Subject {
    Subject {
        account: AccountId::from_uuid(uuid(1000 + n)),
        roles: RoleSet::of(&[role]),
        staff: Some(sid(n)),
        patient: None,
    }
}

fn patient_account(p: u128) -> Subject {
    Subject {
        account: AccountId::from_uuid(uuid(2000 + p)),
        roles: RoleSet::of(&[Role::Patient]),
        staff: None,
        patient: Some(pid(p)),
    }
}

fn admin() -> Subject {
    Subject {
        account: AccountId::from_uuid(uuid(1)),
        roles: RoleSet::of(&[Role::Admin]),
        staff: None,
        patient: None,
    }
}

fn fact(kind: RelationshipKind, s: u128, p: u128, from_h: i64, until_h: Option<i64>) -> RelationshipFact {
    RelationshipFact {
        kind,
        staff: sid(s),
        patient: pid(p),
        valid_from: now() + Duration::hours(from_h),
        valid_until: until_h.map(|h| now() + Duration::hours(h)),
    }
}

fn care_team(s: u128, p: u128) -> Facts {
    Facts {
        relationships: vec![fact(RelationshipKind::CareTeam, s, p, -24, None)],
        break_glass: vec![],
    }
}

fn grant(s: u128, p: u128, opened_min: i64, minutes: i64) -> BreakGlassGrant {
    BreakGlassGrant {
        id: BreakGlassId::from_uuid(uuid(77)),
        account: AccountId::from_uuid(uuid(1000 + s)),
        staff: sid(s),
        patient: pid(p),
        reason: "unconscious in the emergency department".into(),
        opened_at: now() + Duration::minutes(opened_min),
        expires_at: now() + Duration::minutes(opened_min + minutes),
    }
}

fn ask(
    subject: Subject,
    action: Action,
    kind: ResourceKind,
    patient: Option<u128>,
    facts: &Facts,
) -> Decision {
    let policy = CompiledPolicy::hospital_default();
    decide(
        &policy,
        &Request::new(subject, action, kind, patient.map(pid)),
        facts,
        now(),
    )
}

fn none() -> Facts {
    Facts::default()
}

#[track_caller]
fn allowed(d: &Decision, rule: &str) {
    assert!(d.allowed, "expected {rule} to allow, got {d:?} ({})", d.reason);
    assert_eq!(&*d.rule_id, rule, "{}", d.reason);
}

#[track_caller]
fn denied(d: &Decision, rule: &str) {
    assert!(
        !d.allowed,
        "expected a denial by {rule}, got {d:?} ({})",
        d.reason
    );
    assert_eq!(&*d.rule_id, rule, "{}", d.reason);
    assert!(!d.break_glass);
}

#[test]
fn patient_a_cannot_read_or_edit_patient_b() {
    use Action::*;
    use ResourceKind::*;
    let a = patient_account(P_A);
    allowed(
        &ask(a, Read, PatientProfile, Some(P_A), &none()),
        "patient-keeps-own-profile",
    );
    allowed(
        &ask(a, Update, PatientProfile, Some(P_A), &none()),
        "patient-keeps-own-profile",
    );
    allowed(
        &ask(a, Read, MedicalRecord, Some(P_A), &none()),
        "patient-reads-own-records",
    );
    for (action, kind) in [
        (Read, PatientProfile),
        (Update, PatientProfile),
        (Read, MedicalRecord),
        (Read, Prescription),
        (Read, Invoice),
        (Read, AuditLog),
    ] {
        let d = ask(a, action, kind, Some(P_B), &none());
        denied(&d, "patients-reach-only-their-own-data");
        assert_eq!(
            d.reason.to_string(),
            format!(
                "patient account `{}` may only reach its own data, not that of patient `{}`",
                a.account,
                pid(P_B)
            )
        );
    }
    // A search names no patient: a patient account cannot search the register.
    denied(
        &ask(a, Read, PatientProfile, None, &none()),
        "patients-reach-only-their-own-data",
    );
    // Even a care-team fact about patient B cannot help a patient account.
    denied(
        &ask(a, Read, MedicalRecord, Some(P_B), &care_team(D_17, P_B)),
        "patients-reach-only-their-own-data",
    );
    // A patient does not write their own medical record.
    denied(&ask(a, Update, MedicalRecord, Some(P_A), &none()), "default-deny");
}

#[test]
fn patients_book_and_cancel_only_their_own_appointments() {
    let a = patient_account(P_A);
    for action in [Action::Create, Action::Cancel, Action::Read] {
        allowed(
            &ask(a, action, ResourceKind::Appointment, Some(P_A), &none()),
            "patient-books-own-appointments",
        );
        denied(
            &ask(a, action, ResourceKind::Appointment, Some(P_B), &none()),
            "patients-reach-only-their-own-data",
        );
    }
    // …and see doctors and their schedules, to book.
    allowed(
        &ask(a, Action::Read, ResourceKind::Schedule, None, &none()),
        "patient-reads-directory-and-schedules",
    );
}

#[test]
fn a_doctor_cannot_read_a_non_assigned_patient() {
    let d = staff(Role::Doctor, D_17);
    let decision = ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_B), &none());
    denied(&decision, "default-deny");
    assert_eq!(
        decision.reason.to_string(),
        format!(
            "doctor `{}` has no care relationship with patient `{}`",
            sid(D_17),
            pid(P_B)
        )
    );
    // A care-team link with another patient, or another doctor's link with this one, does not help.
    denied(
        &ask(
            d,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_B),
            &care_team(D_17, P_A),
        ),
        "default-deny",
    );
    denied(
        &ask(
            d,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_B),
            &care_team(99, P_B),
        ),
        "default-deny",
    );
}

#[test]
fn a_doctor_reads_and_writes_records_of_patients_in_their_care() {
    let d = staff(Role::Doctor, D_17);
    for action in [Action::Read, Action::Create, Action::Update, Action::Cancel] {
        for kind in [
            ResourceKind::MedicalRecord,
            ResourceKind::Prescription,
            ResourceKind::LabOrder,
            ResourceKind::LabResult,
        ] {
            let decision = ask(d, action, kind, Some(P_A), &care_team(D_17, P_A));
            allowed(&decision, "doctor-treats-related-patients");
            assert!(!decision.break_glass);
        }
    }
    let decision = ask(
        d,
        Action::Read,
        ResourceKind::MedicalRecord,
        Some(P_A),
        &care_team(D_17, P_A),
    );
    assert_eq!(
        decision.reason,
        Reason::Relationship {
            role: Role::Doctor,
            staff: sid(D_17),
            patient: pid(P_A),
            kind: RelationshipKind::CareTeam
        }
    );
    // A doctor does not dispense.
    denied(
        &ask(
            d,
            Action::Dispense,
            ResourceKind::Prescription,
            Some(P_A),
            &care_team(D_17, P_A),
        ),
        "default-deny",
    );
}

#[test]
fn relationships_hold_only_inside_their_validity() {
    let d = staff(Role::Doctor, D_17);
    let read = |facts: &Facts| ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_A), facts);
    let ended = Facts {
        relationships: vec![fact(RelationshipKind::CareTeam, D_17, P_A, -48, Some(-1))],
        break_glass: vec![],
    };
    denied(&read(&ended), "default-deny");
    let future = Facts {
        relationships: vec![fact(RelationshipKind::CareTeam, D_17, P_A, 1, None)],
        break_glass: vec![],
    };
    denied(&read(&future), "default-deny");
    let ends_later = Facts {
        relationships: vec![fact(RelationshipKind::Admission, D_17, P_A, -1, Some(1))],
        break_glass: vec![],
    };
    allowed(&read(&ends_later), "doctor-treats-related-patients");
}

#[test]
fn an_appointment_makes_a_relationship_and_a_cancelled_one_ends_it_after_the_window() {
    let d = staff(Role::Doctor, D_17);
    let window = AppointmentWindow {
        days_before: 7,
        days_after: 30,
        hours_after_cancellation: 24,
    };
    // The visit is in two days: the doctor may prepare.
    let visit = Interval::starting_at(now() + Duration::days(2), Duration::minutes(30)).unwrap();
    let read = |cancelled: Option<DateTime<Utc>>| {
        let facts = Facts {
            relationships: appointment_fact(sid(D_17), pid(P_A), &visit, cancelled, &window)
                .into_iter()
                .collect(),
            break_glass: vec![],
        };
        ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_A), &facts)
    };
    allowed(&read(None), "doctor-treats-related-patients");
    // Cancelled 3 hours ago: still inside the 24-hour window.
    allowed(
        &read(Some(now() - Duration::hours(3))),
        "doctor-treats-related-patients",
    );
    // Cancelled 25 hours ago: the relationship has ended.
    denied(&read(Some(now() - Duration::hours(25))), "default-deny");
}

#[test]
fn a_nurse_reads_records_of_patients_on_their_care_team_only() {
    let n = staff(Role::Nurse, N_5);
    allowed(
        &ask(
            n,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_A),
            &care_team(N_5, P_A),
        ),
        "nurse-reads-care-team-patients",
    );
    denied(
        &ask(
            n,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_B),
            &care_team(N_5, P_A),
        ),
        "default-deny",
    );
    // Reading is all: a nurse does not write the medical record under this policy.
    denied(
        &ask(
            n,
            Action::Update,
            ResourceKind::MedicalRecord,
            Some(P_A),
            &care_team(N_5, P_A),
        ),
        "default-deny",
    );
    // An appointment is a doctor's relationship, not a nurse's.
    let appt = Facts {
        relationships: vec![fact(RelationshipKind::Appointment, N_5, P_A, -1, Some(1))],
        break_glass: vec![],
    };
    denied(
        &ask(n, Action::Read, ResourceKind::MedicalRecord, Some(P_A), &appt),
        "default-deny",
    );
}

#[test]
fn a_pharmacist_sees_prescriptions_not_diagnoses() {
    let ph = staff(Role::Pharmacist, 30);
    allowed(
        &ask(ph, Action::Read, ResourceKind::Prescription, Some(P_A), &none()),
        "pharmacist-dispenses-prescriptions",
    );
    allowed(
        &ask(
            ph,
            Action::Dispense,
            ResourceKind::Prescription,
            Some(P_A),
            &none(),
        ),
        "pharmacist-dispenses-prescriptions",
    );
    let d = ask(
        ph,
        Action::Read,
        ResourceKind::MedicalRecord,
        Some(P_A),
        &care_team(30, P_A),
    );
    denied(&d, "default-deny");
    assert_eq!(
        d.reason.to_string(),
        "no rule lets `pharmacist` read medical records"
    );
    allowed(
        &ask(ph, Action::Update, ResourceKind::Stock, None, &none()),
        "pharmacist-keeps-stock",
    );
    denied(
        &ask(ph, Action::Update, ResourceKind::Prescription, Some(P_A), &none()),
        "default-deny",
    );
}

#[test]
fn billing_sees_invoices_not_clinical_notes() {
    let b = staff(Role::BillingClerk, 40);
    // A clerk charges, discounts, issues, voids and credits invoices of any patient …
    for action in [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Cancel,
        Action::Issue,
    ] {
        allowed(
            &ask(b, action, ResourceKind::Invoice, Some(P_A), &none()),
            "billing-handles-invoices",
        );
    }
    // … records and refunds payments …
    for action in [Action::Read, Action::Create, Action::Refund] {
        allowed(
            &ask(b, action, ResourceKind::Payment, Some(P_A), &none()),
            "billing-takes-payments",
        );
    }
    // … keeps the price list and coverage plans, and reads the dues (aging) report.
    for action in [Action::Read, Action::Update] {
        allowed(
            &ask(b, action, ResourceKind::PriceList, None, &none()),
            "billing-keeps-price-list",
        );
    }
    allowed(
        &ask(b, Action::Read, ResourceKind::Report, None, &none()),
        "billing-reads-reports",
    );
    // A payment is never "issued", an invoice never "refunded": those pairs match no rule.
    denied(
        &ask(b, Action::Refund, ResourceKind::Invoice, Some(P_A), &none()),
        "default-deny",
    );
    denied(
        &ask(b, Action::Issue, ResourceKind::Payment, Some(P_A), &none()),
        "default-deny",
    );
    for kind in [
        ResourceKind::MedicalRecord,
        ResourceKind::Prescription,
        ResourceKind::LabResult,
    ] {
        denied(&ask(b, Action::Read, kind, Some(P_A), &none()), "default-deny");
    }
}

#[test]
fn admins_stand_in_for_billing() {
    let a = admin();
    for action in [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Cancel,
        Action::Issue,
    ] {
        allowed(
            &ask(a, action, ResourceKind::Invoice, Some(P_A), &none()),
            "admin-runs-billing",
        );
    }
    allowed(
        &ask(a, Action::Refund, ResourceKind::Payment, Some(P_A), &none()),
        "admin-runs-billing",
    );
    allowed(
        &ask(a, Action::Update, ResourceKind::PriceList, None, &none()),
        "admin-runs-billing",
    );
    // Still not the clinical notes behind the bill.
    denied(
        &ask(a, Action::Read, ResourceKind::MedicalRecord, Some(P_A), &none()),
        "default-deny",
    );
}

#[test]
fn the_desk_charges_and_takes_payments_but_issues_voids_and_refunds_nothing() {
    let r = staff(Role::Receptionist, 60);
    for kind in [ResourceKind::Invoice, ResourceKind::Payment] {
        for action in [Action::Read, Action::Create] {
            allowed(
                &ask(r, action, kind, Some(P_A), &none()),
                "desk-charges-visits-and-takes-payments",
            );
        }
    }
    for (action, kind) in [
        (Action::Issue, ResourceKind::Invoice),
        (Action::Cancel, ResourceKind::Invoice),
        (Action::Update, ResourceKind::Invoice),
        (Action::Refund, ResourceKind::Payment),
    ] {
        denied(&ask(r, action, kind, Some(P_A), &none()), "default-deny");
    }
    // The desk reads prices but neither changes them nor reads the dues report.
    allowed(
        &ask(r, Action::Read, ResourceKind::PriceList, None, &none()),
        "staff-read-price-list",
    );
    denied(
        &ask(r, Action::Update, ResourceKind::PriceList, None, &none()),
        "default-deny",
    );
    denied(
        &ask(r, Action::Read, ResourceKind::Report, None, &none()),
        "default-deny",
    );
}

#[test]
fn service_staff_charge_their_services_but_see_no_bills() {
    for (role, n) in [
        (Role::Nurse, N_5),
        (Role::Pharmacist, 30),
        (Role::LabTechnician, 50),
    ] {
        let s = staff(role, n);
        allowed(
            &ask(s, Action::Create, ResourceKind::Invoice, Some(P_A), &none()),
            "service-staff-charge-their-services",
        );
        allowed(
            &ask(s, Action::Read, ResourceKind::PriceList, None, &none()),
            "staff-read-price-list",
        );
        for (action, kind) in [
            (Action::Read, ResourceKind::Invoice),
            (Action::Issue, ResourceKind::Invoice),
            (Action::Create, ResourceKind::Payment),
            (Action::Read, ResourceKind::Payment),
        ] {
            denied(&ask(s, action, kind, Some(P_A), &none()), "default-deny");
        }
    }
}

#[test]
fn doctors_neither_bill_nor_take_payments() {
    let d = staff(Role::Doctor, D_17);
    // Even for a patient in their care.
    let facts = care_team(D_17, P_A);
    for (action, kind) in [
        (Action::Create, ResourceKind::Payment),
        (Action::Refund, ResourceKind::Payment),
        (Action::Read, ResourceKind::Payment),
        (Action::Create, ResourceKind::Invoice),
        (Action::Read, ResourceKind::Invoice),
        (Action::Issue, ResourceKind::Invoice),
    ] {
        denied(&ask(d, action, kind, Some(P_A), &facts), "default-deny");
    }
    // They look prices up like any member of staff.
    allowed(
        &ask(d, Action::Read, ResourceKind::PriceList, None, &none()),
        "staff-read-price-list",
    );
}

#[test]
fn patients_read_and_pay_only_their_own_bills() {
    let pa = patient_account(P_A);
    for kind in [ResourceKind::Invoice, ResourceKind::Payment] {
        allowed(
            &ask(pa, Action::Read, kind, Some(P_A), &none()),
            "patient-reads-own-records",
        );
        denied(
            &ask(pa, Action::Read, kind, Some(P_B), &none()),
            "patients-reach-only-their-own-data",
        );
    }
    allowed(
        &ask(pa, Action::Create, ResourceKind::Payment, Some(P_A), &none()),
        "patient-pays-own-bills",
    );
    denied(
        &ask(pa, Action::Create, ResourceKind::Payment, Some(P_B), &none()),
        "patients-reach-only-their-own-data",
    );
    // A patient neither refunds their own payment, issues or voids their own invoice, nor sees the
    // price list or the dues report.
    for (action, kind, patient) in [
        (Action::Refund, ResourceKind::Payment, Some(P_A)),
        (Action::Issue, ResourceKind::Invoice, Some(P_A)),
        (Action::Cancel, ResourceKind::Invoice, Some(P_A)),
        (Action::Create, ResourceKind::Invoice, Some(P_A)),
        (Action::Read, ResourceKind::PriceList, None),
        (Action::Read, ResourceKind::Report, None),
    ] {
        denied(&ask(pa, action, kind, patient, &none()), "default-deny");
    }
}

#[test]
fn the_lab_works_orders_and_results_but_not_records() {
    let l = staff(Role::LabTechnician, 50);
    allowed(
        &ask(l, Action::Update, ResourceKind::LabOrder, Some(P_A), &none()),
        "lab-works-orders",
    );
    allowed(
        &ask(l, Action::Create, ResourceKind::LabResult, Some(P_A), &none()),
        "lab-reports-results",
    );
    denied(
        &ask(l, Action::Create, ResourceKind::LabOrder, Some(P_A), &none()),
        "default-deny",
    );
    denied(
        &ask(l, Action::Read, ResourceKind::MedicalRecord, Some(P_A), &none()),
        "default-deny",
    );
}

#[test]
fn staff_read_profiles_without_a_relationship_and_the_desk_registers() {
    for role in [
        Role::Doctor,
        Role::Nurse,
        Role::Pharmacist,
        Role::LabTechnician,
        Role::BillingClerk,
    ] {
        let s = staff(role, 60);
        allowed(
            &ask(s, Action::Read, ResourceKind::PatientProfile, Some(P_A), &none()),
            "staff-read-patient-profiles",
        );
        denied(
            &ask(
                s,
                Action::Update,
                ResourceKind::PatientProfile,
                Some(P_A),
                &none(),
            ),
            "default-deny",
        );
    }
    let desk = staff(Role::Receptionist, 70);
    for action in [Action::Create, Action::Update, Action::Deactivate] {
        allowed(
            &ask(desk, action, ResourceKind::PatientProfile, Some(P_A), &none()),
            "desk-registers-patients",
        );
    }
    allowed(
        &ask(
            desk,
            Action::Cancel,
            ResourceKind::Appointment,
            Some(P_A),
            &none(),
        ),
        "desk-books-appointments",
    );
    allowed(
        &ask(desk, Action::Create, ResourceKind::CareTeam, Some(P_A), &none()),
        "desk-assigns-care-teams",
    );
    // The desk sees no clinical data.
    denied(
        &ask(
            desk,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_A),
            &none(),
        ),
        "default-deny",
    );
}

#[test]
fn only_admins_manage_staff_accounts_and_roles() {
    allowed(
        &ask(admin(), Action::Create, ResourceKind::Staff, None, &none()),
        "admin-manages-staff",
    );
    allowed(
        &ask(admin(), Action::Create, ResourceKind::UserAccount, None, &none()),
        "admin-manages-accounts",
    );
    allowed(
        &ask(admin(), Action::Grant, ResourceKind::UserAccount, None, &none()),
        "admin-manages-accounts",
    );
    for role in [Role::Doctor, Role::Receptionist, Role::Nurse] {
        let s = staff(role, 80);
        denied(
            &ask(s, Action::Create, ResourceKind::Staff, None, &none()),
            "default-deny",
        );
        denied(
            &ask(s, Action::Grant, ResourceKind::UserAccount, None, &none()),
            "default-deny",
        );
    }
    // Admins read the audit log and reports, but no clinical record.
    allowed(
        &ask(admin(), Action::Read, ResourceKind::AuditLog, None, &none()),
        "admin-reads-audit-log-and-reports",
    );
    denied(
        &ask(
            admin(),
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_A),
            &none(),
        ),
        "default-deny",
    );
    denied(
        &ask(
            staff(Role::Doctor, 1),
            Action::Read,
            ResourceKind::AuditLog,
            None,
            &none(),
        ),
        "default-deny",
    );
}

#[test]
fn no_one_may_grant_a_role_they_do_not_hold() {
    let policy = CompiledPolicy::hospital_default();
    let grant = |roles: &[Role]| {
        decide(
            &policy,
            &Request::new(admin(), Action::Grant, ResourceKind::UserAccount, None)
                .granting(RoleSet::of(roles)),
            &none(),
            now(),
        )
    };
    allowed(&grant(&[Role::Admin]), "admin-manages-accounts");
    allowed(&grant(&[]), "admin-manages-accounts");
    let d = grant(&[Role::Admin, Role::Pharmacist]);
    denied(&d, "no-grant-beyond-own-roles");
    assert_eq!(
        d.reason.to_string(),
        format!(
            "account `{}` may not grant the `pharmacist` role, which it does not hold",
            admin().account
        )
    );
}

#[test]
fn break_glass_opens_flagged_access_that_expires_by_itself() {
    let d = staff(Role::Doctor, D_17);
    // A clinician may open emergency access; a receptionist may not.
    allowed(
        &ask(d, Action::Create, ResourceKind::BreakGlass, Some(P_B), &none()),
        "clinicians-open-emergency-access",
    );
    denied(
        &ask(
            staff(Role::Receptionist, 70),
            Action::Create,
            ResourceKind::BreakGlass,
            Some(P_B),
            &none(),
        ),
        "default-deny",
    );
    // Opened 10 minutes ago for 60 minutes: allowed and flagged.
    let open = Facts {
        relationships: vec![],
        break_glass: vec![grant(D_17, P_B, -10, 60)],
    };
    let decision = ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_B), &open);
    allowed(&decision, "doctor-emergency-access");
    assert!(decision.break_glass, "every access under break-glass is flagged");
    assert!(decision
        .reason
        .to_string()
        .contains("acts under emergency access"));
    // Opened 61 minutes ago for 60 minutes: lapsed.
    let lapsed = Facts {
        relationships: vec![],
        break_glass: vec![grant(D_17, P_B, -61, 60)],
    };
    denied(
        &ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_B), &lapsed),
        "default-deny",
    );
    // A grant for another patient does not help.
    let other = Facts {
        relationships: vec![],
        break_glass: vec![grant(D_17, P_A, -10, 60)],
    };
    denied(
        &ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_B), &other),
        "default-deny",
    );
    // With a care relationship too, the access is an ordinary one, not flagged.
    let both = Facts {
        relationships: care_team(D_17, P_B).relationships,
        break_glass: vec![grant(D_17, P_B, -10, 60)],
    };
    let decision = ask(d, Action::Read, ResourceKind::MedicalRecord, Some(P_B), &both);
    allowed(&decision, "doctor-treats-related-patients");
    assert!(!decision.break_glass);
    // A nurse under emergency access reads but does not write.
    let n = staff(Role::Nurse, N_5);
    let nurse_open = Facts {
        relationships: vec![],
        break_glass: vec![grant(N_5, P_B, -1, 30)],
    };
    allowed(
        &ask(n, Action::Read, ResourceKind::LabResult, Some(P_B), &nurse_open),
        "nurse-emergency-access",
    );
    denied(
        &ask(
            n,
            Action::Update,
            ResourceKind::MedicalRecord,
            Some(P_B),
            &nurse_open,
        ),
        "default-deny",
    );
}

#[test]
fn a_forbid_rule_beats_any_permit() {
    let mut policy = default_policy();
    policy.rules.push(Rule {
        id: "careless-admin-edits-audit".into(),
        effect: Effect::Permit,
        roles: RoleSet::of(&[Role::Admin]),
        actions: ActionSet::all(),
        resources: ResourceSet::all(),
        when: Condition::Always,
        description: "a permit too wide".into(),
    });
    let policy = CompiledPolicy::compile(policy).unwrap();
    let edit = decide(
        &policy,
        &Request::new(admin(), Action::Update, ResourceKind::AuditLog, None),
        &none(),
        now(),
    );
    denied(&edit, "audit-log-is-append-only");
    assert_eq!(edit.reason.to_string(), "`admin` may never update the audit log");
    // The wide permit does work where no forbid rule applies.
    let read = decide(
        &policy,
        &Request::new(admin(), Action::Read, ResourceKind::MedicalRecord, Some(pid(P_A))),
        &none(),
        now(),
    );
    allowed(&read, "careless-admin-edits-audit");
}

#[test]
fn several_roles_add_up_and_a_forbid_of_any_role_wins() {
    // A doctor who is also an admin: admin rules and doctor rules both apply.
    let both = Subject {
        roles: RoleSet::of(&[Role::Admin, Role::Doctor]),
        ..staff(Role::Doctor, D_17)
    };
    allowed(
        &ask(both, Action::Create, ResourceKind::Staff, None, &none()),
        "admin-manages-staff",
    );
    allowed(
        &ask(
            both,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_A),
            &care_team(D_17, P_A),
        ),
        "doctor-treats-related-patients",
    );
    denied(
        &ask(
            both,
            Action::Read,
            ResourceKind::MedicalRecord,
            Some(P_B),
            &none(),
        ),
        "default-deny",
    );
    // No role at all: nothing.
    let nobody = Subject {
        roles: RoleSet::EMPTY,
        ..admin()
    };
    let d = ask(nobody, Action::Read, ResourceKind::Staff, None, &none());
    denied(&d, "default-deny");
    assert!(d.reason.to_string().ends_with("holds no role"));
}

#[test]
fn doctors_on_the_team_extend_it_and_nurses_see_it() {
    let d = staff(Role::Doctor, D_17);
    allowed(
        &ask(
            d,
            Action::Create,
            ResourceKind::CareTeam,
            Some(P_A),
            &care_team(D_17, P_A),
        ),
        "doctor-extends-own-care-team",
    );
    denied(
        &ask(d, Action::Create, ResourceKind::CareTeam, Some(P_A), &none()),
        "default-deny",
    );
    // An appointment alone does not let a doctor change the care team.
    let appt = Facts {
        relationships: vec![fact(RelationshipKind::Appointment, D_17, P_A, -1, Some(1))],
        break_glass: vec![],
    };
    denied(
        &ask(d, Action::Create, ResourceKind::CareTeam, Some(P_A), &appt),
        "default-deny",
    );
}

#[test]
fn directory_schedules_appointments_and_reports() {
    let n = staff(Role::Nurse, N_5);
    allowed(
        &ask(n, Action::Read, ResourceKind::Staff, None, &none()),
        "staff-read-directory-and-schedules",
    );
    denied(
        &ask(n, Action::Update, ResourceKind::Schedule, None, &none()),
        "default-deny",
    );
    let d = staff(Role::Doctor, D_17);
    allowed(
        &ask(d, Action::Read, ResourceKind::Appointment, Some(P_A), &none()),
        "clinicians-read-appointments",
    );
    denied(
        &ask(d, Action::Cancel, ResourceKind::Appointment, Some(P_A), &none()),
        "default-deny",
    );
    allowed(
        &ask(
            admin(),
            Action::Create,
            ResourceKind::PatientProfile,
            Some(P_A),
            &none(),
        ),
        "admin-registers-patients",
    );
    allowed(
        &ask(
            admin(),
            Action::Create,
            ResourceKind::CareTeam,
            Some(P_A),
            &none(),
        ),
        "admin-manages-care-teams-and-schedules",
    );
    denied(
        &ask(
            admin(),
            Action::Create,
            ResourceKind::Appointment,
            Some(P_A),
            &none(),
        ),
        "default-deny",
    );
    let b = staff(Role::BillingClerk, 40);
    allowed(
        &ask(b, Action::Read, ResourceKind::Report, None, &none()),
        "billing-reads-reports",
    );
    denied(
        &ask(b, Action::Read, ResourceKind::AuditLog, None, &none()),
        "default-deny",
    );
}

#[test]
fn doctors_keep_their_own_schedule_and_record_their_own_visits() {
    let d = staff(Role::Doctor, D_17);
    allowed(
        &ask(d, Action::Update, ResourceKind::Schedule, None, &none()),
        "doctor-keeps-own-schedule",
    );
    denied(
        &ask(d, Action::Create, ResourceKind::Schedule, None, &none()),
        "default-deny",
    );
    let visit = Facts {
        relationships: vec![fact(RelationshipKind::Appointment, D_17, P_A, -1, Some(1))],
        break_glass: vec![],
    };
    allowed(
        &ask(d, Action::Update, ResourceKind::Appointment, Some(P_A), &visit),
        "doctor-records-own-visits",
    );
    // A care-team link is not a visit of theirs to close.
    denied(
        &ask(
            d,
            Action::Update,
            ResourceKind::Appointment,
            Some(P_A),
            &care_team(D_17, P_A),
        ),
        "default-deny",
    );
}

// --- pharmacy ---

#[test]
fn pharmacists_keep_stock_and_the_catalog_and_hand_out_medicine() {
    use Action::*;
    use ResourceKind::*;
    let ph = staff(Role::Pharmacist, 30);
    // Orders and goods receipts create stock; recalls, transfers, counts and write-offs update it.
    for action in [Read, Create, Update] {
        allowed(&ask(ph, action, Stock, None, &none()), "pharmacist-keeps-stock");
    }
    // An over-the-counter sale or a return hands stock out (or takes it back), for a named patient too.
    allowed(
        &ask(ph, Dispense, Stock, None, &none()),
        "pharmacist-hands-out-stock",
    );
    allowed(
        &ask(ph, Dispense, Stock, Some(P_A), &none()),
        "pharmacist-hands-out-stock",
    );
    // The catalog and its reorder levels are the pharmacy's.
    for action in [Read, Create, Update, Deactivate] {
        allowed(
            &ask(ph, action, DrugCatalog, None, &none()),
            "pharmacist-keeps-drug-catalog",
        );
    }
    // A prescription is dispensed, never rewritten or cancelled, by the pharmacy.
    allowed(
        &ask(ph, Dispense, Prescription, Some(P_B), &none()),
        "pharmacist-dispenses-prescriptions",
    );
    denied(&ask(ph, Create, Prescription, Some(P_A), &none()), "default-deny");
    denied(&ask(ph, Cancel, Prescription, Some(P_A), &none()), "default-deny");
    let d = ask(ph, Cancel, Stock, None, &none());
    denied(&d, "default-deny");
    assert_eq!(d.reason.to_string(), "no rule lets `pharmacist` cancel stock");
}

#[test]
fn no_one_but_a_pharmacist_dispenses() {
    use Action::*;
    use ResourceKind::*;
    // Worked example: the doctor on patient A's care team, with an emergency grant open as well, still
    // may not hand out A's medicine, nor sell anything over the counter.
    let mut facts = care_team(D_17, P_A);
    facts.break_glass.push(grant(D_17, P_A, -5, 60));
    let doc = staff(Role::Doctor, D_17);
    let d = ask(doc, Dispense, Prescription, Some(P_A), &facts);
    denied(&d, "default-deny");
    assert_eq!(
        d.reason.to_string(),
        "no rule lets `doctor` dispense prescriptions"
    );
    denied(&ask(doc, Dispense, Stock, None, &none()), "default-deny");
    // Every other role, with or without a relationship.
    for role in Role::ALL {
        if role == Role::Pharmacist || role == Role::Patient {
            continue;
        }
        let who = staff(role, N_5);
        for kind in [Prescription, Stock] {
            denied(
                &ask(who, Dispense, kind, Some(P_A), &care_team(N_5, P_A)),
                "default-deny",
            );
        }
    }
    // A patient dispenses nothing, not even their own prescription.
    let a = patient_account(P_A);
    denied(
        &ask(a, Dispense, Prescription, Some(P_A), &none()),
        "default-deny",
    );
    denied(
        &ask(a, Dispense, Prescription, Some(P_B), &none()),
        "patients-reach-only-their-own-data",
    );
    denied(&ask(a, Dispense, Stock, None, &none()), "default-deny");
    // And the policy says so by construction: the only rules that permit `dispense` are pharmacists'.
    for rule in default_policy().rules {
        if rule.effect == Effect::Permit && rule.actions.contains(Dispense) {
            assert_eq!(
                rule.roles,
                RoleSet::of(&[Role::Pharmacist]),
                "rule `{}` lets someone else dispense",
                rule.id
            );
        }
    }
}

#[test]
fn doctors_prescribe_for_patients_in_their_care() {
    use Action::*;
    use ResourceKind::*;
    let doc = staff(Role::Doctor, D_17);
    allowed(
        &ask(doc, Create, Prescription, Some(P_A), &care_team(D_17, P_A)),
        "doctor-treats-related-patients",
    );
    allowed(
        &ask(doc, Cancel, Prescription, Some(P_A), &care_team(D_17, P_A)),
        "doctor-treats-related-patients",
    );
    let d = ask(doc, Create, Prescription, Some(P_B), &care_team(D_17, P_A));
    denied(&d, "default-deny");
    assert!(
        d.reason.to_string().contains("has no care relationship"),
        "{}",
        d.reason
    );
    // A nurse on the team reads the prescription but does not write one; a pharmacist does not either.
    let nurse = staff(Role::Nurse, N_5);
    allowed(
        &ask(nurse, Read, Prescription, Some(P_A), &care_team(N_5, P_A)),
        "nurse-reads-care-team-patients",
    );
    denied(
        &ask(nurse, Create, Prescription, Some(P_A), &care_team(N_5, P_A)),
        "default-deny",
    );
}

#[test]
fn patients_see_their_own_prescriptions_and_not_the_pharmacy() {
    use Action::*;
    use ResourceKind::*;
    let a = patient_account(P_A);
    allowed(
        &ask(a, Read, Prescription, Some(P_A), &none()),
        "patient-reads-own-records",
    );
    let d = ask(a, Read, Prescription, Some(P_B), &none());
    denied(&d, "patients-reach-only-their-own-data");
    denied(&ask(a, Create, Prescription, Some(P_A), &none()), "default-deny");
    denied(&ask(a, Read, Stock, None, &none()), "default-deny");
    denied(&ask(a, Read, DrugCatalog, None, &none()), "default-deny");
}

#[test]
fn staff_read_the_catalog_and_clinicians_read_stock() {
    use Action::*;
    use ResourceKind::*;
    for role in [Role::Admin, Role::Receptionist, Role::BillingClerk, Role::Doctor] {
        allowed(
            &ask(staff(role, N_5), Read, DrugCatalog, None, &none()),
            "staff-read-drug-catalog",
        );
    }
    denied(&ask(admin(), Create, DrugCatalog, None, &none()), "default-deny");
    denied(
        &ask(staff(Role::Doctor, D_17), Update, DrugCatalog, None, &none()),
        "default-deny",
    );
    for role in [Role::Doctor, Role::Nurse] {
        allowed(
            &ask(staff(role, N_5), Read, Stock, None, &none()),
            "clinicians-read-stock",
        );
        denied(
            &ask(staff(role, N_5), Update, Stock, None, &none()),
            "default-deny",
        );
    }
    for role in [
        Role::Admin,
        Role::Receptionist,
        Role::BillingClerk,
        Role::LabTechnician,
    ] {
        denied(&ask(staff(role, N_5), Read, Stock, None, &none()), "default-deny");
    }
}

#[test]
fn every_default_rule_is_pinned_by_this_file() {
    // A rule added to the default policy needs its allowed and denied cases here too.
    let source = include_str!("access_rules.rs");
    for rule in default_policy().rules {
        assert!(
            source.contains(&format!("\"{}\"", rule.id)),
            "rule `{}` has no test here",
            rule.id
        );
    }
}
