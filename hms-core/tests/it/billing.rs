//! Billing through the facade, end to end on the in-memory store: charges from visits and dispenses,
//! price history, coverage, issuing, credit notes, payments, refunds, the gateway, statements, aging
//! and reminders; snapshots of three realistic invoices; and a model-based property test of payments
//! and refunds.
use std::str::FromStr;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hms_core::access::Role;
use hms_core::billing::render::render;
use hms_core::billing::{
    AllocationRule, ChargeRequest, ChargeSource, CoveragePlan, CreditRequest, Discount, Invoice,
    InvoiceStatus, ItemKind, MemoryGateway, PaymentMethod, PaymentRequest, Price, PriceItem, PriceVersion,
    TaxRate,
};
use hms_core::events::DomainEvent;
use hms_core::hospital::BookingRequest;
use hms_core::ids::{AccountId, AdmissionId, DispenseId, LabOrderId, PatientId};
use hms_core::money::{Currency, Money};
use hms_core::people::{InsurancePolicy, NewAccount, PersonName, PersonRef, StaffDetails, StaffRole};
use hms_core::scheduling::{AppointmentStatus, ConflictMode};
use hms_core::store::{MemoryStore, Store};
use hms_core::{Error, Hospital};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::scheduling::{berlin, clinic_with, Clinic};

pub fn eur(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn version(price: Price, tax: TaxRate, inclusive: bool) -> PriceVersion {
    PriceVersion {
        effective_from: day(1, 1),
        price,
        tax,
        tax_inclusive: inclusive,
    }
}

fn fixed(amount: &str) -> Price {
    Price::Fixed { amount: eur(amount) }
}

/// The price list of the clinic, in force from 1 January 2026.
pub fn price_list() -> Vec<PriceItem> {
    let e = TaxRate::exempt;
    let s19 = || TaxRate::new("S", dec!(19));
    let s7 = || TaxRate::new("S", dec!(7));
    vec![
        PriceItem::new(
            "consultation.new_patient",
            "Consultation, new patient",
            ItemKind::Consultation,
            version(Price::DoctorFee { percent: dec!(100) }, e(), false),
        ),
        PriceItem::new(
            "consultation.follow_up",
            "Consultation, follow-up",
            ItemKind::Consultation,
            version(Price::DoctorFee { percent: dec!(50) }, e(), false),
        ),
        PriceItem::new(
            "lab.cbc",
            "Complete blood count",
            ItemKind::LabTest,
            version(fixed("25.00"), e(), false),
        ),
        PriceItem::new(
            "lab.lipid",
            "Lipid panel",
            ItemKind::LabTest,
            version(fixed("40.00"), e(), false),
        ),
        PriceItem::new(
            "bed.general",
            "General ward bed-day",
            ItemKind::BedDay,
            version(fixed("180.00"), e(), false),
        ),
        PriceItem::new(
            "nursing.iv",
            "IV infusion",
            ItemKind::Procedure,
            version(fixed("35.50"), e(), false),
        ),
        PriceItem::new(
            "med",
            "Medicine",
            ItemKind::Medicine,
            version(Price::FromSource, s19(), true),
        ),
        PriceItem::new(
            "amenity.tv",
            "TV rental, per day",
            ItemKind::Other,
            version(fixed("4.20"), s19(), false),
        ),
        PriceItem::new(
            "amenity.meal",
            "Companion meal",
            ItemKind::Other,
            version(fixed("12.90"), s7(), false),
        ),
    ]
}

/// Acme Health's Silver plan: deductible 50.00 a year, copay 20.00 for a new-patient visit,
/// coinsurance 20 %, out-of-pocket maximum 1,500.00; amenities not covered; bed-days need a
/// pre-authorization.
pub fn silver() -> CoveragePlan {
    let mut p = CoveragePlan::full("Acme Health", "Silver", Currency::EUR);
    p.annual_deductible = eur("50.00");
    p.copays.insert("new_patient".into(), eur("20.00"));
    p.coinsurance_percent = dec!(20);
    p.out_of_pocket_max = Some(eur("1500.00"));
    p.not_covered
        .extend(["amenity.tv".to_owned(), "amenity.meal".to_owned()]);
    p.preauthorization_required.insert("bed.general".into());
    p
}

pub struct Desk {
    pub c: Clinic,
    pub clerk: AccountId,
    pub pharmacist: AccountId,
    /// Insured with Acme Health / Silver.
    pub insured: PatientId,
    /// No insurance.
    pub self_pay: PatientId,
    /// Insured too (the inpatient).
    pub inpatient: PatientId,
    /// The insured patient's own portal account.
    pub portal: AccountId,
}

fn staff_account(c: &Clinic, login: &str, role: StaffRole, account_role: Role) -> AccountId {
    let s =
        c.h.hire_staff(
            c.admin,
            StaffDetails {
                name: PersonName::new("Sam", login),
                role,
                department: None,
                phone: None,
                email: None,
                license_number: role.is_licensed().then(|| format!("LIC-{login}")),
                doctor: None,
            },
        )
        .unwrap();
    c.h.open_account(
        c.admin,
        NewAccount {
            login: login.into(),
            person: Some(PersonRef::Staff(s.id)),
            roles: [account_role].into(),
        },
    )
    .unwrap()
    .id
}

fn insure(c: &Clinic, patient: PatientId, member: &str) {
    let mut details = c.h.patient(c.admin, patient).unwrap().details;
    details.insurance.push(InsurancePolicy {
        payer: "Acme Health".into(),
        member_id: member.into(),
        plan: Some("Silver".into()),
        valid_from: day(1, 1),
        valid_until: None,
    });
    c.h.update_patient(c.admin, patient, details).unwrap();
}

pub fn desk() -> Desk {
    let c = clinic_with(ConflictMode::Block, 1, 3);
    let clerk = staff_account(&c, "clerk", StaffRole::BillingClerk, Role::BillingClerk);
    let pharmacist = staff_account(&c, "pharma", StaffRole::Pharmacist, Role::Pharmacist);
    for item in price_list() {
        c.h.set_price_item(clerk, &item).unwrap();
    }
    c.h.set_coverage_plan(clerk, &silver()).unwrap();
    let (insured, self_pay, inpatient) = (c.patients[0], c.patients[1], c.patients[2]);
    insure(&c, insured, "ACM-778812");
    insure(&c, inpatient, "ACM-104233");
    let portal =
        c.h.open_account(
            c.admin,
            NewAccount {
                login: "asha.portal".into(),
                person: Some(PersonRef::Patient(insured)),
                roles: [Role::Patient].into(),
            },
        )
        .unwrap()
        .id;
    Desk {
        c,
        clerk,
        pharmacist,
        insured,
        self_pay,
        inpatient,
        portal,
    }
}

impl Desk {
    fn h(&self) -> &Hospital<MemoryStore> {
        &self.c.h
    }

    /// Books and completes a visit at `hh:mm` on 2 March, then charges it.
    fn visit(&self, patient: PatientId, visit_type: &str, h: u32, m: u32) -> hms_core::billing::Charge {
        let a = self
            .h()
            .book_appointment(
                self.c.desk,
                &BookingRequest::new(patient, self.c.doctors[0], visit_type, berlin(h, m)),
            )
            .unwrap();
        self.h()
            .change_status(self.c.desk, a.id, AppointmentStatus::Fulfilled, None)
            .unwrap();
        self.h().charge_appointment(self.clerk, a.id).unwrap()
    }

    fn dispense(&self, patient: PatientId, n: u128, what: &str, qty: Decimal, price: &str) {
        let mut r = ChargeRequest::new(
            patient,
            ChargeSource::Dispense {
                id: DispenseId::from_uuid(uuid::Uuid::from_u128(n)),
            },
            "med",
            qty,
        );
        r.unit_price = Some(eur(price));
        r.note = Some(what.into());
        self.h().add_charge(self.pharmacist, &r).unwrap();
    }

    fn charge(&self, patient: PatientId, source: ChargeSource, item: &str, qty: Decimal) {
        self.h()
            .add_charge(self.clerk, &ChargeRequest::new(patient, source, item, qty))
            .unwrap();
    }

    fn lab(&self, patient: PatientId, n: u128, item: &str) {
        self.charge(
            patient,
            ChargeSource::LabOrder {
                id: LabOrderId::from_uuid(uuid::Uuid::from_u128(n)),
            },
            item,
            Decimal::ONE,
        );
    }

    fn manual(&self, patient: PatientId, reference: &str, item: &str, qty: Decimal) {
        self.charge(
            patient,
            ChargeSource::Manual {
                reference: reference.into(),
            },
            item,
            qty,
        );
    }

    /// Opens the patient's draft and issues it.
    fn issue(&self, patient: PatientId) -> Invoice {
        let draft = self.h().open_invoice(self.clerk, patient).unwrap();
        self.h().issue_invoice(self.clerk, draft.id).unwrap()
    }

    fn events(&self) -> Vec<DomainEvent> {
        self.h()
            .events_after(0, 100_000)
            .unwrap()
            .into_iter()
            .map(|r| r.event)
            .collect()
    }

    fn pay(&self, patient: PatientId, amount: &str) -> hms_core::Result<hms_core::billing::Payment> {
        self.h().record_payment(
            self.clerk,
            &PaymentRequest::new(patient, eur(amount), PaymentMethod::Cash),
        )
    }
}

fn code<T: std::fmt::Debug>(r: hms_core::Result<T>) -> &'static str {
    r.unwrap_err().code()
}

/// The outpatient visit of the insured patient: a new-patient consultation, two lab tests and a
/// dispense.
fn outpatient(d: &Desk) -> Invoice {
    d.visit(d.insured, "new_patient", 9, 0);
    d.lab(d.insured, 1, "lab.cbc");
    d.lab(d.insured, 2, "lab.lipid");
    d.dispense(d.insured, 1, "Amoxicillin 500 mg", dec!(2), "7.49");
    d.issue(d.insured)
}

/// A three-day stay of the inpatient: bed-days (pre-authorized), IV infusions with a 10 % discount,
/// lab tests, medicines, TV rental and companion meals, and a 5 % goodwill discount on the invoice.
fn inpatient(d: &Desk) -> Invoice {
    let stay = AdmissionId::from_uuid(uuid::Uuid::from_u128(77));
    for date in [day(3, 2), day(3, 3), day(3, 4)] {
        let mut r = ChargeRequest::new(
            d.inpatient,
            ChargeSource::BedDay {
                admission: stay,
                date,
            },
            "bed.general",
            Decimal::ONE,
        );
        r.service_date = Some(date);
        r.preauthorization = Some("PA-55120".into());
        d.h().add_charge(d.clerk, &r).unwrap();
    }
    d.manual(d.inpatient, "IV-2026-0301", "nursing.iv", dec!(2));
    d.lab(d.inpatient, 11, "lab.cbc");
    d.lab(d.inpatient, 12, "lab.lipid");
    d.dispense(d.inpatient, 11, "Ceftriaxone 1 g", dec!(6), "11.35");
    d.dispense(d.inpatient, 12, "Paracetamol 500 mg", dec!(20), "0.12");
    d.manual(d.inpatient, "TV-77", "amenity.tv", dec!(3));
    d.manual(d.inpatient, "MEAL-77", "amenity.meal", dec!(3));
    let draft = d.h().open_invoice(d.clerk, d.inpatient).unwrap();
    d.h()
        .set_discount(d.clerk, draft.id, Some(3), Some(Discount::Percent(dec!(10))))
        .unwrap();
    d.h()
        .set_discount(d.clerk, draft.id, None, Some(Discount::Percent(dec!(5))))
        .unwrap();
    d.h().issue_invoice(d.clerk, draft.id).unwrap()
}

#[test]
fn snapshot_outpatient_visit_with_insurance() {
    // Copay 20.00 on the 60.00 visit; the two lab tests meet the 50.00 deductible (25.00 + 25.00)
    // and 20 % of the other 15.00 (3.00); the medicine, 2 × 7.49 = 14.98 including 19 % tax
    // (14.98 × 19/119 = 2.3918 → 2.39), is 20 % coinsurance: 2.996 → 3.00.
    // Patient: 20.00 + 25.00 + (25.00 + 3.00) + 3.00 = 76.00; payer: 139.98 − 76.00 = 63.98.
    let d = desk();
    let inv = outpatient(&d);
    let b = inv.breakdown.as_ref().unwrap();
    assert_eq!(b.totals.gross, eur("139.98"));
    assert_eq!(b.totals.patient, eur("76.00"));
    insta::assert_snapshot!("outpatient_visit_with_insurance", render(&inv, b, None));
}

#[test]
fn snapshot_inpatient_stay_with_pharmacy_and_lab() {
    let d = desk();
    let inv = inpatient(&d);
    let b = inv.breakdown.as_ref().unwrap();
    assert_eq!(
        b.totals.payer.amount + b.totals.patient.amount,
        b.totals.gross.amount
    );
    assert_eq!(b.taxes.len(), 3, "exempt, 19 % and 7 %");
    insta::assert_snapshot!("inpatient_stay_with_pharmacy_and_lab", render(&inv, b, None));
}

#[test]
fn snapshot_credit_note() {
    // The TV did not work (credit the whole line) and two vials of ceftriaxone came back unopened
    // (credit 20.00 of that line).
    let d = desk();
    let inv = inpatient(&d);
    let note = d
        .h()
        .issue_credit_note(
            d.clerk,
            inv.id,
            &[
                CreditRequest {
                    line: 8,
                    amount: None,
                },
                CreditRequest {
                    line: 6,
                    amount: Some(eur("20.00")),
                },
            ],
            "TV out of order; two vials returned unopened",
        )
        .unwrap();
    let b = note.breakdown.as_ref().unwrap();
    let original = d.h().invoice(d.clerk, inv.id).unwrap();
    assert_eq!(
        original.credited_patient.amount + original.credited_payer.amount,
        b.totals.gross.amount
    );
    insta::assert_snapshot!("credit_note", render(&note, b, inv.number.as_deref()));
}

#[test]
fn a_fulfilled_visit_is_charged_once_from_the_doctors_fee_by_visit_type() {
    let d = desk();
    // The doctor's fee is 60.00: a new-patient visit is 100 % of it, a follow-up 50 %.
    let first = d.visit(d.self_pay, "new_patient", 9, 0);
    let second = d.visit(d.self_pay, "follow_up", 10, 0);
    assert_eq!(first.unit_price, eur("60.00"));
    assert_eq!(second.unit_price, eur("30.00"));
    assert_eq!(first.visit_type.as_deref(), Some("new_patient"));
    // Charging the same visit again returns the first charge and records nothing.
    let ChargeSource::Appointment { id } = first.source.clone() else {
        panic!()
    };
    let before = d.events().len();
    let again = d.h().charge_appointment(d.clerk, id).unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(d.events().len(), before);
    // A visit that did not take place is not charged.
    let booked = d
        .h()
        .book_appointment(
            d.c.desk,
            &BookingRequest::new(d.self_pay, d.c.doctors[0], "follow_up", berlin(11, 0)),
        )
        .unwrap();
    assert_eq!(
        code(d.h().charge_appointment(d.clerk, booked.id)),
        "not_chargeable"
    );
    // Every line of the draft points back at its charge and source.
    let draft = d.h().open_invoice(d.clerk, d.self_pay).unwrap();
    let refs: Vec<_> = draft.lines.iter().map(|l| (l.charge, l.source.clone())).collect();
    assert_eq!(refs, [(first.id, first.source), (second.id, second.source)]);
}

#[test]
fn the_same_source_charged_differently_is_refused() {
    let d = desk();
    d.lab(d.self_pay, 5, "lab.cbc");
    let src = ChargeSource::LabOrder {
        id: LabOrderId::from_uuid(uuid::Uuid::from_u128(5)),
    };
    let r = d.h().add_charge(
        d.clerk,
        &ChargeRequest::new(d.self_pay, src, "lab.lipid", Decimal::ONE),
    );
    assert_eq!(code(r), "idempotency_mismatch");
    // A medicine needs the pharmacy's price; a fixed-price item refuses one.
    let mut med = ChargeRequest::new(
        d.self_pay,
        ChargeSource::Manual {
            reference: "m".into(),
        },
        "med",
        Decimal::ONE,
    );
    assert_eq!(code(d.h().add_charge(d.clerk, &med)), "invalid_input");
    med.item_code = "lab.cbc".into();
    med.unit_price = Some(eur("1.00"));
    assert_eq!(code(d.h().add_charge(d.clerk, &med)), "invalid_input");
}

#[test]
fn a_price_change_never_rewrites_an_issued_invoice() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let issued = d.issue(d.self_pay);
    assert_eq!(issued.lines[0].unit_price, eur("25.00"));
    // The price in force since 1 January is history: it cannot be changed...
    let mut item = price_list().into_iter().find(|i| i.code == "lab.cbc").unwrap();
    item.versions[0].price = fixed("30.00");
    assert_eq!(code(d.h().set_price_item(d.clerk, &item)), "invalid_input");
    // ...but a new price from 1 April can be added.
    let mut item = price_list().into_iter().find(|i| i.code == "lab.cbc").unwrap();
    item.versions.push(PriceVersion {
        effective_from: day(4, 1),
        ..version(fixed("30.00"), TaxRate::exempt(), false)
    });
    d.h().set_price_item(d.clerk, &item).unwrap();
    // A test done in March is still 25.00; one done in April is 30.00.
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 4, 2, 8, 0, 0).unwrap());
    let mut march = ChargeRequest::new(
        d.self_pay,
        ChargeSource::Manual {
            reference: "late-entry".into(),
        },
        "lab.cbc",
        Decimal::ONE,
    );
    march.service_date = Some(day(3, 20));
    d.h().add_charge(d.clerk, &march).unwrap();
    d.lab(d.self_pay, 2, "lab.cbc");
    let draft = d.h().open_invoice(d.clerk, d.self_pay).unwrap();
    let prices: Vec<_> = draft.lines.iter().map(|l| l.unit_price).collect();
    assert_eq!(prices, [eur("25.00"), eur("30.00")]);
    // The issued invoice reads back unchanged.
    assert_eq!(d.h().invoice(d.clerk, issued.id).unwrap(), issued);
    // No price before the item existed.
    let mut early = ChargeRequest::new(
        d.self_pay,
        ChargeSource::Manual {
            reference: "old".into(),
        },
        "lab.cbc",
        Decimal::ONE,
    );
    early.service_date = Some(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    assert_eq!(code(d.h().add_charge(d.clerk, &early)), "no_price");
}

#[test]
fn an_issued_invoice_is_immutable_even_in_the_store() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let inv = d.issue(d.self_pay);
    assert_eq!(inv.status, InvoiceStatus::Issued);
    assert_eq!(inv.number.as_deref(), Some("INV-000001"));
    assert_eq!(inv.due_date, Some(day(4, 1)), "30 days after 2 March");
    let r = d
        .h()
        .set_discount(d.clerk, inv.id, None, Some(Discount::Percent(dec!(10))));
    assert_eq!(code(r), "immutable_invoice");
    assert_eq!(code(d.h().issue_invoice(d.clerk, inv.id)), "invalid_transition");
    // The backend's own guard: rewriting the lines of an issued invoice is refused there too.
    let mut forged = inv.clone();
    forged.lines[0].unit_price = eur("1.00");
    let r = d.h().store().write(|tx| tx.update_invoice(&forged));
    assert_eq!(code(r), "immutable_invoice");
    // Charges made after issue go on a new draft.
    d.lab(d.self_pay, 2, "lab.lipid");
    let next = d.h().open_invoice(d.clerk, d.self_pay).unwrap();
    assert_ne!(next.id, inv.id);
    assert_eq!(next.lines.len(), 1);
}

#[test]
fn voiding_a_draft_puts_its_charges_on_the_next_one() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let draft = d.h().open_invoice(d.clerk, d.self_pay).unwrap();
    assert_eq!(
        code(
            d.h()
                .void_invoice(d.clerk, draft.id, InvoiceStatus::Cancelled, " ")
        ),
        "invalid_input"
    );
    let cancelled = d
        .h()
        .void_invoice(
            d.clerk,
            draft.id,
            InvoiceStatus::Cancelled,
            "wrong patient picked",
        )
        .unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    let next = d.h().open_invoice(d.clerk, d.self_pay).unwrap();
    assert_ne!(next.id, draft.id);
    assert_eq!(next.lines[0].charge, draft.lines[0].charge);
    // An issued invoice with a payment on it cannot be voided: it is credited instead.
    let inv = d.h().issue_invoice(d.clerk, next.id).unwrap();
    d.pay(d.self_pay, "5.00").unwrap();
    let r = d
        .h()
        .void_invoice(d.clerk, inv.id, InvoiceStatus::EnteredInError, "typo");
    assert_eq!(code(r), "invalid_transition");
}

#[test]
fn payments_go_oldest_first_and_balance_the_invoices() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let first = d.issue(d.self_pay); // 25.00
    d.c.clock.advance(Duration::hours(1)).unwrap();
    d.lab(d.self_pay, 2, "lab.lipid");
    let second = d.issue(d.self_pay); // 40.00
                                      // 30.00 oldest first: 25.00 balances the first invoice, 5.00 goes to the second.
    let p = d.pay(d.self_pay, "30.00").unwrap();
    let parts: Vec<_> = p.allocations.iter().map(|a| (a.invoice, a.amount)).collect();
    assert_eq!(parts, [(first.id, eur("25.00")), (second.id, eur("5.00"))]);
    assert_eq!(
        d.h().invoice(d.clerk, first.id).unwrap().status,
        InvoiceStatus::Balanced
    );
    let second_now = d.h().invoice(d.clerk, second.id).unwrap();
    assert_eq!(second_now.patient_due(), eur("35.00"));
    assert!(d
        .events()
        .iter()
        .any(|e| matches!(e, DomainEvent::InvoiceBalanced { invoice, .. } if *invoice == first.id)));
    // 35.01 is more than is due: refused, nothing stored.
    let payments = d.h().patient_payments(d.clerk, d.self_pay).unwrap();
    let events = d.events().len();
    assert_eq!(code(d.pay(d.self_pay, "35.01")), "overpayment");
    assert_eq!(d.h().patient_payments(d.clerk, d.self_pay).unwrap(), payments);
    assert_eq!(d.events().len(), events);
    assert_eq!(d.h().invoice(d.clerk, second.id).unwrap(), second_now);
    // As directed: an explicit split must add up and stay within each invoice.
    let mut r = PaymentRequest::new(d.self_pay, eur("10.00"), PaymentMethod::Card);
    r.allocation = AllocationRule::Explicit {
        parts: vec![(second.id, eur("9.00"))],
    };
    assert_eq!(code(d.h().record_payment(d.clerk, &r)), "invalid_input");
    r.allocation = AllocationRule::Explicit {
        parts: vec![(second.id, eur("10.00"))],
    };
    d.h().record_payment(d.clerk, &r).unwrap();
    assert_eq!(
        d.h().invoice(d.clerk, second.id).unwrap().patient_due(),
        eur("25.00")
    );
}

#[test]
fn an_insurance_remittance_pays_the_payers_share_only() {
    let d = desk();
    let inv = outpatient(&d); // total 139.98: payer 63.98, patient 76.00
    let b = inv.breakdown.clone().unwrap();
    assert_eq!(b.totals.payer, eur("63.98"));
    let mut r = PaymentRequest::new(d.insured, eur("63.99"), PaymentMethod::InsuranceRemittance);
    r.external_reference = Some("ERA-2026-0042".into());
    assert_eq!(code(d.h().record_payment(d.clerk, &r)), "overpayment");
    r.amount = eur("63.98");
    d.h().record_payment(d.clerk, &r).unwrap();
    let now = d.h().invoice(d.clerk, inv.id).unwrap();
    assert_eq!(now.payer_due(), eur("0.00"));
    assert_eq!(now.patient_due(), eur("76.00"));
    assert_eq!(now.status, InvoiceStatus::Issued);
    d.pay(d.insured, "76.00").unwrap();
    assert_eq!(
        d.h().invoice(d.clerk, inv.id).unwrap().status,
        InvoiceStatus::Balanced
    );
}

#[test]
fn refunds_reopen_balances_and_credits_need_an_open_balance() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let inv = d.issue(d.self_pay);
    let p = d.pay(d.self_pay, "25.00").unwrap();
    assert_eq!(
        d.h().invoice(d.clerk, inv.id).unwrap().status,
        InvoiceStatus::Balanced
    );
    // Crediting a paid invoice would take its balance below zero: refund first.
    let full = [CreditRequest {
        line: 0,
        amount: None,
    }];
    assert_eq!(
        code(d.h().issue_credit_note(d.clerk, inv.id, &full, "test not done")),
        "over_credit"
    );
    assert_eq!(
        code(
            d.h()
                .refund_payment(d.clerk, p.id, eur("25.01"), "test not done", None)
        ),
        "over_refund"
    );
    let refunded = d
        .h()
        .refund_payment(d.clerk, p.id, eur("25.00"), "test not done", Some("RF-1"))
        .unwrap();
    assert_eq!(refunded.refundable(), eur("0.00"));
    assert_eq!(
        d.h().invoice(d.clerk, inv.id).unwrap().status,
        InvoiceStatus::Issued
    );
    let note = d
        .h()
        .issue_credit_note(d.clerk, inv.id, &full, "test not done")
        .unwrap();
    assert_eq!(note.number.as_deref(), Some("CN-000001"));
    let after = d.h().invoice(d.clerk, inv.id).unwrap();
    assert_eq!(after.status, InvoiceStatus::Balanced);
    assert_eq!(after.patient_due(), eur("0.00"));
    // The line is fully credited now.
    assert_eq!(
        code(d.h().issue_credit_note(d.clerk, inv.id, &full, "again")),
        "over_credit"
    );
}

#[test]
fn deductible_use_carries_across_invoices_and_credit_notes_give_it_back() {
    let d = desk();
    d.lab(d.insured, 1, "lab.lipid"); // 40.00: all deductible
    let first = d.issue(d.insured);
    assert_eq!(
        first.breakdown.as_ref().unwrap().lines[0].share.deductible,
        eur("40.00")
    );
    d.lab(d.insured, 2, "lab.lipid"); // 10.00 deductible left, then 20 % of 30.00 = 6.00
    let second = d.issue(d.insured);
    let s = &second.breakdown.as_ref().unwrap().lines[0].share;
    assert_eq!(
        (s.deductible, s.coinsurance, s.payer),
        (eur("10.00"), eur("6.00"), eur("24.00"))
    );
    // Crediting the first invoice gives its 40.00 of deductible back to the year.
    d.h()
        .issue_credit_note(
            d.clerk,
            first.id,
            &[CreditRequest {
                line: 0,
                amount: None,
            }],
            "billed in error",
        )
        .unwrap();
    d.lab(d.insured, 3, "lab.lipid");
    let third = d.issue(d.insured);
    assert_eq!(
        third.breakdown.as_ref().unwrap().lines[0].share.deductible,
        eur("40.00")
    );
}

#[test]
fn a_gateway_webhook_delivered_twice_records_one_payment() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let inv = d.issue(d.self_pay);
    let gw = MemoryGateway::new("whsec_test");
    assert_eq!(
        code(
            d.h()
                .create_payment_intent(d.clerk, &gw, d.self_pay, eur("25.01"))
        ),
        "overpayment"
    );
    let down = MemoryGateway::refusing("whsec_test");
    assert_eq!(
        code(
            d.h()
                .create_payment_intent(d.clerk, &down, d.self_pay, eur("25.00"))
        ),
        "gateway_failed"
    );
    let intent = d
        .h()
        .create_payment_intent(d.clerk, &gw, d.self_pay, eur("25.00"))
        .unwrap();
    let (payload, sig) = gw.succeeded_webhook(&intent, "ch_3PzX");
    assert_eq!(
        code(d.h().apply_gateway_webhook(&gw, &payload, "0000")),
        "invalid_signature"
    );
    let first = d.h().apply_gateway_webhook(&gw, &payload, &sig).unwrap().unwrap();
    assert_eq!(
        first.method,
        PaymentMethod::Gateway {
            provider: "memory".into()
        }
    );
    let events = d.events();
    let invoice_now = d.h().invoice(d.clerk, inv.id).unwrap();
    let second = d.h().apply_gateway_webhook(&gw, &payload, &sig).unwrap().unwrap();
    assert_eq!(second, first);
    assert_eq!(d.events(), events, "the second delivery writes nothing");
    assert_eq!(d.h().invoice(d.clerk, inv.id).unwrap(), invoice_now);
    assert_eq!(invoice_now.status, InvoiceStatus::Balanced);
}

#[test]
fn a_statement_shows_the_running_balance_and_aging() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.lipid");
    let march = d.issue(d.self_pay); // 40.00 on 2 March
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 4, 20, 8, 0, 0).unwrap());
    d.lab(d.self_pay, 2, "lab.cbc");
    d.issue(d.self_pay); // 25.00 on 20 April
    d.pay(d.self_pay, "10.00").unwrap(); // to the March invoice
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 5, 10, 8, 0, 0).unwrap());
    let s = d.h().statement(d.clerk, d.self_pay).unwrap();
    let running: Vec<_> = s.entries.iter().map(|e| e.balance).collect();
    assert_eq!(running, [eur("40.00"), eur("65.00"), eur("55.00")]);
    assert_eq!(s.balance, eur("55.00"));
    // On 10 May the March invoice is 69 days old (61–90), the April one 20 days (0–30).
    assert_eq!(s.aging.days_61_90, eur("30.00"));
    assert_eq!(s.aging.current, eur("25.00"));
    assert_eq!(s.aging.total(), s.balance);
    let report = d.h().aging_report(d.clerk).unwrap();
    assert_eq!(report.patient.total(), eur("55.00"));
    assert_eq!(report.open_invoices, 2);
    assert_eq!(march.issue_date, Some(day(3, 2)));
}

#[test]
fn due_reminders_are_sent_once_per_stage() {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let inv = d.issue(d.self_pay); // due 1 April
    assert!(d.h().send_due_reminders().unwrap().is_empty());
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0).unwrap());
    assert_eq!(d.h().send_due_reminders().unwrap(), [inv.id]);
    assert!(d.h().send_due_reminders().unwrap().is_empty(), "once per stage");
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 5, 15, 8, 0, 0).unwrap());
    assert_eq!(d.h().send_due_reminders().unwrap(), [inv.id]);
    let stages: Vec<_> = d
        .events()
        .into_iter()
        .filter_map(|e| match e {
            DomainEvent::InvoiceDueReminder { stage, .. } => Some(stage),
            _ => None,
        })
        .collect();
    use hms_core::billing::ReminderStage::*;
    assert_eq!(stages, [Upcoming, Overdue]);
    // Paid invoices get no reminders.
    d.pay(d.self_pay, "25.00").unwrap();
    d.c.clock.set(Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap());
    assert!(d.h().send_due_reminders().unwrap().is_empty());
}

#[test]
fn who_may_do_what() {
    let d = desk();
    let inv = outpatient(&d);
    // The patient reads their own invoice and statement, not someone else's, and cannot issue.
    d.h().invoice(d.portal, inv.id).unwrap();
    d.h().statement(d.portal, d.insured).unwrap();
    assert_eq!(code(d.h().statement(d.portal, d.self_pay)), "forbidden");
    assert_eq!(code(d.h().aging_report(d.portal)), "forbidden");
    // The desk takes payments but does not refund or issue.
    let p = d
        .h()
        .record_payment(
            d.c.desk,
            &PaymentRequest::new(d.insured, eur("10.00"), PaymentMethod::Card),
        )
        .unwrap();
    assert_eq!(
        code(d.h().refund_payment(d.c.desk, p.id, eur("1.00"), "x", None)),
        "forbidden"
    );
    d.lab(d.insured, 9, "lab.cbc");
    let draft = d.h().open_invoice(d.c.desk, d.insured).unwrap();
    assert_eq!(code(d.h().issue_invoice(d.c.desk, draft.id)), "forbidden");
    // The pharmacist charges dispenses but does not change prices, nor read bills.
    assert_eq!(
        code(d.h().set_price_item(d.pharmacist, &price_list()[0])),
        "forbidden"
    );
    assert_eq!(code(d.h().invoice(d.pharmacist, inv.id)), "forbidden");
    // The desk does not read the dues report; the clerk does.
    assert_eq!(code(d.h().aging_report(d.c.desk)), "forbidden");
    d.h().aging_report(d.clerk).unwrap();
    // A doctor takes no payments.
    let doctor = d
        .h()
        .open_account(
            d.c.admin,
            NewAccount {
                login: "dr.pay".into(),
                person: Some(PersonRef::Staff(d.c.doctors[0])),
                roles: [Role::Doctor].into(),
            },
        )
        .unwrap()
        .id;
    assert_eq!(
        code(d.h().record_payment(
            doctor,
            &PaymentRequest::new(d.insured, eur("5.00"), PaymentMethod::Cash),
        )),
        "forbidden"
    );
    // Every one of those refusals is in the audit log with the rule that decided.
    let entries = d.h().audit_log(d.c.admin, 0, 10_000).unwrap();
    assert!(entries
        .iter()
        .any(|e| !e.allowed && e.account == doctor && e.rule == "default-deny"));
}

/// One scenario per billing error code (used by the error-code coverage test).
pub fn billing_scenarios() -> Vec<Error> {
    let d = desk();
    d.lab(d.self_pay, 1, "lab.cbc");
    let inv = d.issue(d.self_pay);
    let booked = d
        .h()
        .book_appointment(
            d.c.desk,
            &BookingRequest::new(d.self_pay, d.c.doctors[0], "follow_up", berlin(11, 0)),
        )
        .unwrap();
    let mut early = ChargeRequest::new(
        d.self_pay,
        ChargeSource::Manual {
            reference: "e".into(),
        },
        "lab.cbc",
        Decimal::ONE,
    );
    early.service_date = Some(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    let gw = MemoryGateway::new("s");
    let p = d.pay(d.self_pay, "5.00").unwrap();
    vec![
        d.h().set_discount(d.clerk, inv.id, None, None).unwrap_err(),
        d.h().charge_appointment(d.clerk, booked.id).unwrap_err(),
        d.h().add_charge(d.clerk, &early).unwrap_err(),
        d.pay(d.self_pay, "20.01").unwrap_err(),
        d.h()
            .refund_payment(d.clerk, p.id, eur("5.01"), "r", None)
            .unwrap_err(),
        d.h()
            .issue_credit_note(
                d.clerk,
                inv.id,
                &[CreditRequest {
                    line: 0,
                    amount: None,
                }],
                "r",
            )
            .unwrap_err(),
        d.h()
            .apply_gateway_webhook(&gw, b"event=payment.succeeded", "bad")
            .unwrap_err(),
        d.h()
            .create_payment_intent(d.clerk, &MemoryGateway::refusing("s"), d.self_pay, eur("1.00"))
            .unwrap_err(),
    ]
}

// ---- the property test: any sequence of payments, refunds and webhooks ----

#[derive(Debug, Clone)]
enum Op {
    Pay { cents: i64, to: Option<usize> },
    Refund { payment: usize, cents: i64 },
    Webhook { cents: i64, reference: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1_i64..6_000, proptest::option::of(0_usize..4)).prop_map(|(cents, to)| Op::Pay { cents, to }),
        (0_usize..8, 1_i64..6_000).prop_map(|(payment, cents)| Op::Refund { payment, cents }),
        (1_i64..6_000, 0_u8..3).prop_map(|(cents, reference)| Op::Webhook { cents, reference }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn balances_never_go_below_zero_and_webhooks_pay_once(
        invoices in proptest::collection::vec(1_i64..5_000, 1..4),
        ops in proptest::collection::vec(op(), 1..16),
    ) {
        let d = desk();
        let h = d.h();
        let mut ids = Vec::new();
        for (i, cents) in invoices.iter().enumerate() {
            let mut item = PriceItem::new(format!("svc.{i}"), "Service", ItemKind::Other, version(fixed("0.01"), TaxRate::exempt(), false));
            item.code = format!("svc.{i}");
            h.set_price_item(d.clerk, &item).unwrap();
            d.manual(d.self_pay, &format!("svc-{i}"), &format!("svc.{i}"), Decimal::from(*cents));
            ids.push(d.issue(d.self_pay).id);
            d.c.clock.advance(Duration::minutes(1)).unwrap();
        }
        let total: Decimal = invoices.iter().map(|c| Decimal::new(*c, 2)).sum();
        let gw = MemoryGateway::new("k");
        let mut paid = Decimal::ZERO; // the model: net money received
        for o in ops {
            let before_inv = h.patient_invoices(d.clerk, d.self_pay).unwrap();
            let before_pay = h.patient_payments(d.clerk, d.self_pay).unwrap();
            let before_events = h.events_after(0, 1_000_000).unwrap().len();
            let result: hms_core::Result<Decimal> = match &o {
                Op::Pay { cents, to } => {
                    let mut r = PaymentRequest::new(d.self_pay, Money::from_minor(*cents, Currency::EUR), PaymentMethod::Cash);
                    if let Some(i) = to {
                        r.allocation = AllocationRule::Explicit { parts: vec![(ids[i % ids.len()], r.amount)] };
                    }
                    h.record_payment(d.clerk, &r).map(|p| p.amount.amount)
                }
                Op::Refund { payment, cents } => match before_pay.get(*payment) {
                    Some(p) => h
                        .refund_payment(d.clerk, p.id, Money::from_minor(*cents, Currency::EUR), "refund", None)
                        .map(|_| -Decimal::new(*cents, 2)),
                    None => continue,
                },
                Op::Webhook { cents, reference } => {
                    let intent = hms_core::billing::PaymentIntent {
                        id: "pi".into(),
                        provider: "memory".into(),
                        patient: d.self_pay,
                        amount: Money::from_minor(*cents, Currency::EUR),
                        client_secret: String::new(),
                    };
                    let (payload, sig) = gw.succeeded_webhook(&intent, &format!("ch_{reference}"));
                    let known = before_pay.iter().any(|p| p.external_reference.as_deref() == Some(&format!("ch_{reference}")));
                    let r = h.apply_gateway_webhook(&gw, &payload, &sig);
                    if known {
                        // The same reference again changes nothing (or is refused as a mismatch).
                        prop_assert_eq!(h.events_after(0, 1_000_000).unwrap().len(), before_events);
                        r.map(|_| Decimal::ZERO)
                    } else {
                        r.map(|p| p.map_or(Decimal::ZERO, |p| p.amount.amount))
                    }
                }
            };
            let after_inv = h.patient_invoices(d.clerk, d.self_pay).unwrap();
            let after_pay = h.patient_payments(d.clerk, d.self_pay).unwrap();
            match result {
                Ok(delta) => paid += delta,
                Err(e) => {
                    prop_assert!(
                        ["overpayment", "over_refund", "invalid_input", "idempotency_mismatch"].contains(&e.code()),
                        "unexpected {:?}", e
                    );
                    prop_assert_eq!(&after_inv, &before_inv, "a refused operation changes nothing");
                    prop_assert_eq!(&after_pay, &before_pay);
                }
            }
            let due: Decimal = after_inv.iter().map(|i| i.patient_due().amount).sum();
            for i in &after_inv {
                prop_assert!(!i.patient_due().is_negative(), "balance below zero on {:?}", i.number);
                prop_assert!(!i.paid_patient.is_negative());
                prop_assert_eq!(i.status == InvoiceStatus::Balanced, i.patient_due().is_zero());
            }
            for p in &after_pay {
                let allocated: Decimal = p.allocations.iter().map(|a| a.amount.amount).sum();
                prop_assert_eq!(allocated, p.amount.amount, "allocations add up to the payment");
                prop_assert!(!p.refundable().is_negative());
            }
            prop_assert_eq!(due, total - paid, "due = invoiced − paid + refunded");
        }
    }
}
