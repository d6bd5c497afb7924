//! The pharmacy through the facade, end to end on the in-memory store: worked examples of every rule
//! (receipts, FEFO dispensing, fills and refills, over-the-counter sales, returns, reservations,
//! transfers, write-offs, alerts once per crossing, FIFO valuation, access) and a model-based property
//! test of the stock ledger.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hms_core::access::Role;
use hms_core::events::DomainEvent;
use hms_core::hospital::{
    CounterSale, CounterSaleLine, DispenseLineRequest, DispenseRequest, ReservationRequest, ReturnLine,
    ReturnRequest, StockOrderRequest, TransferRequest,
};
use hms_core::ids::{AccountId, BatchId, DrugId, PatientId, SeededIds, StaffId};
use hms_core::money::{Currency, Money};
use hms_core::people::{
    AdministrativeSex, DoctorProfile, NewAccount, PatientDetails, PersonName, PersonRef, StaffDetails,
    StaffRole,
};
use hms_core::pharmacy::{
    Alert, AlertKind, DosageForm, DrugDetails, GoodsReceipt, Location, MovementKind, NewPrescription,
    PharmacyError, PrescriptionLine, ReorderRule, ReservationStatus, WriteOffReason,
};
use hms_core::store::{MemoryStore, Store};
use hms_core::time::ManualClock;
use hms_core::{Error, Hospital, HospitalSettings};
use rust_decimal_macros::dec;

pub struct Pharmacy {
    pub h: Hospital<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub admin: AccountId,
    pub pharmacist: AccountId,
    pub doctor: AccountId,
    /// The doctor's staff record (on patient 0's care team).
    pub doctor_staff: StaffId,
    pub nurse: AccountId,
    pub patients: Vec<PatientId>,
    /// Paracetamol 500 mg tablets: no prescription needed; reorder at `main` at 50, order 100.
    pub paracetamol: DrugId,
    /// Amoxicillin 500 mg capsules: prescription only.
    pub amoxicillin: DrugId,
}

/// Monday 2 March 2026, 09:00 in Berlin.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
}

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

pub fn loc(s: &str) -> Location {
    Location::parse(s).unwrap()
}

pub fn eur(cents: i64) -> Money {
    Money::from_minor(cents, Currency::EUR)
}

fn staff(
    h: &Hospital<MemoryStore>,
    admin: AccountId,
    role: StaffRole,
    login: &str,
    access: Role,
) -> (AccountId, StaffId) {
    let s = h
        .hire_staff(
            admin,
            StaffDetails {
                name: PersonName::new("Sam", login),
                role,
                department: None,
                phone: None,
                email: None,
                license_number: Some(format!("LIC-{login}")),
                doctor: (role == StaffRole::Doctor).then(|| DoctorProfile {
                    specialization: "general medicine".into(),
                    consultation_fee: eur(5000),
                }),
            },
        )
        .unwrap();
    let account = h
        .open_account(
            admin,
            NewAccount {
                login: login.into(),
                person: Some(PersonRef::Staff(s.id)),
                roles: [access].into(),
            },
        )
        .unwrap()
        .id;
    (account, s.id)
}

pub fn drug(name: &str, atc: &str, prescription_only: bool) -> DrugDetails {
    DrugDetails {
        generic_name: name.into(),
        brand: None,
        strength: "500 mg".into(),
        form: DosageForm::Tablet,
        dispensing_unit: "tablet".into(),
        pack_size: 10,
        atc_code: atc.into(),
        controlled: false,
        prescription_only,
        reorder: BTreeMap::new(),
    }
}

pub fn pharmacy() -> Pharmacy {
    let clock = Arc::new(ManualClock::new(monday()));
    let h = Hospital::with_environment(
        MemoryStore::new(),
        HospitalSettings {
            zone: chrono_tz::Europe::Berlin,
            currency: Currency::EUR,
            ..HospitalSettings::default()
        },
        clock.clone(),
        Arc::new(SeededIds::new(6)),
    );
    let admin = h.bootstrap_admin("admin").unwrap().id;
    let (pharmacist, _) = staff(&h, admin, StaffRole::Pharmacist, "pharma", Role::Pharmacist);
    let (doctor, doctor_staff) = staff(&h, admin, StaffRole::Doctor, "doc", Role::Doctor);
    let (nurse, nurse_staff) = staff(&h, admin, StaffRole::Nurse, "nurse", Role::Nurse);
    let mut patients = Vec::new();
    for i in 0..3 {
        let mut p = PatientDetails::new(
            PersonName::new("Pat", format!("Ient{i}")),
            day(1, 1) - Duration::days(365 * 40),
            AdministrativeSex::Unknown,
        );
        p.phone = Some(format!("+49 30 5555 {i:04}"));
        patients.push(h.register_patient(admin, p).unwrap().id);
    }
    let mut para = drug("Paracetamol", "N02BE01", false);
    para.reorder.insert(
        loc("main"),
        ReorderRule {
            level: 50,
            quantity: 100,
        },
    );
    // The doctor and the nurse look after patient 0 (and only patient 0): the doctor may prescribe
    // for them, the nurse may read their prescriptions.
    h.add_care_team_member(admin, patients[0], doctor_staff, None)
        .unwrap();
    h.add_care_team_member(admin, patients[0], nurse_staff, None)
        .unwrap();
    let paracetamol = h.add_drug(pharmacist, para).unwrap().id;
    let amoxicillin = h
        .add_drug(pharmacist, drug("Amoxicillin", "J01CA04", true))
        .unwrap()
        .id;
    Pharmacy {
        h,
        clock,
        admin,
        pharmacist,
        doctor,
        doctor_staff,
        nurse,
        patients,
        paracetamol,
        amoxicillin,
    }
}

impl Pharmacy {
    /// Receives `quantity` units of `drug` as batch `number` at `main`, sold at `cents` a unit.
    pub fn receive(
        &self,
        drug: DrugId,
        number: &str,
        expiry: Option<NaiveDate>,
        quantity: u32,
        cents: i64,
    ) -> BatchId {
        self.h
            .receive_stock(
                self.pharmacist,
                &GoodsReceipt {
                    drug,
                    batch_number: number.into(),
                    supplier: "Acme Pharma".into(),
                    expiry,
                    quantity,
                    unit_cost: Money::new(dec!(0.05), Currency::EUR),
                    sale_price: eur(cents),
                    location: loc("main"),
                    order: None,
                },
            )
            .unwrap()
            .id
    }

    pub fn on_hand(&self, batch: BatchId, location: &str) -> u32 {
        self.h
            .store()
            .read(|r| r.stock_balances(None))
            .unwrap()
            .into_iter()
            .find(|s| s.batch == batch && s.location == loc(location))
            .map_or(0, |s| s.on_hand)
    }

    pub fn ledger_sum(&self, batch: BatchId, location: &str) -> i64 {
        self.h
            .store()
            .read(|r| r.movements_of_batch(batch))
            .unwrap()
            .iter()
            .filter(|e| e.movement.location == loc(location))
            .map(|e| e.movement.quantity)
            .sum()
    }

    pub fn sell(&self, drug: DrugId, quantity: u32) -> Result<hms_core::pharmacy::Dispense, Error> {
        self.h.sell_over_the_counter(
            self.pharmacist,
            &CounterSale {
                patient: None,
                location: loc("main"),
                lines: vec![CounterSaleLine {
                    drug,
                    quantity,
                    batch: None,
                }],
            },
        )
    }

    /// A prescription of amoxicillin for patient 0: `quantity` per fill, `refills`, a 7-day course.
    pub fn prescribe(
        &self,
        quantity: u32,
        refills: u32,
        duration_days: u32,
    ) -> hms_core::pharmacy::Prescription {
        self.h
            .write_prescription(
                self.doctor,
                &NewPrescription {
                    patient: self.patients[0],
                    lines: vec![PrescriptionLine {
                        drug: self.amoxicillin,
                        dose: "1 capsule".into(),
                        frequency: "three times a day".into(),
                        duration_days,
                        quantity,
                        refills,
                    }],
                    note: None,
                },
            )
            .unwrap()
    }

    pub fn dispense(
        &self,
        rx: hms_core::ids::PrescriptionId,
        quantity: u32,
        batch: Option<BatchId>,
    ) -> Result<hms_core::pharmacy::Dispense, Error> {
        self.h.dispense_prescription(
            self.pharmacist,
            &DispenseRequest {
                prescription: rx,
                location: loc("main"),
                lines: vec![DispenseLineRequest {
                    line: 0,
                    quantity,
                    batch,
                }],
                reservation: None,
            },
        )
    }

    pub fn events_since(&self, seq: u64) -> Vec<DomainEvent> {
        self.h
            .events_after(seq, 10_000)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect()
    }

    pub fn last_seq(&self) -> u64 {
        self.h
            .events_after(0, 100_000)
            .unwrap()
            .last()
            .map_or(0, |e| e.seq)
    }
}

fn picks(d: &hms_core::pharmacy::Dispense) -> Vec<(BatchId, u32)> {
    d.lines.iter().map(|l| (l.batch, l.quantity)).collect()
}

#[test]
fn a_goods_receipt_creates_a_batch_and_its_receipt_movement() {
    let p = pharmacy();
    let b = p.receive(p.paracetamol, " lot-7 ", Some(day(12, 31)), 120, 10);
    assert_eq!(p.on_hand(b, "main"), 120);
    let card = p.h.stock_card(p.pharmacist, b).unwrap();
    assert_eq!(card.len(), 1);
    assert_eq!(card[0].movement.kind, MovementKind::Receipt);
    assert_eq!(card[0].movement.quantity, 120);
    let batch = p.h.store().read(|r| r.batch(b)).unwrap().unwrap();
    assert_eq!(batch.batch_number, "LOT-7");
    // The same lot of the same drug again: refused, naming the batch that has it.
    let again = p.h.receive_stock(
        p.pharmacist,
        &GoodsReceipt {
            drug: p.paracetamol,
            batch_number: "LOT-7".into(),
            supplier: "Acme Pharma".into(),
            expiry: Some(day(12, 31)),
            quantity: 5,
            unit_cost: eur(5),
            sale_price: eur(10),
            location: loc("main"),
            order: None,
        },
    );
    match again.unwrap_err() {
        Error::Pharmacy(PharmacyError::DuplicateBatch { existing, .. }) => assert_eq!(existing, b),
        other => panic!("{other:?}"),
    }
    // Already expired stock is not received; a doctor does not receive stock.
    let mut r = GoodsReceipt {
        drug: p.paracetamol,
        batch_number: "OLD".into(),
        supplier: "Acme".into(),
        expiry: Some(day(3, 1)),
        quantity: 5,
        unit_cost: eur(5),
        sale_price: eur(10),
        location: loc("main"),
        order: None,
    };
    assert_eq!(
        p.h.receive_stock(p.pharmacist, &r).unwrap_err().code(),
        "invalid_input"
    );
    r.expiry = Some(day(9, 1));
    assert_eq!(p.h.receive_stock(p.doctor, &r).unwrap_err().code(), "forbidden");
}

#[test]
fn a_delivery_closes_the_order_it_answers() {
    let p = pharmacy();
    let order =
        p.h.order_stock(
            p.pharmacist,
            &StockOrderRequest {
                drug: p.paracetamol,
                location: loc("main"),
                quantity: 200,
            },
        )
        .unwrap();
    let open = |p: &Pharmacy| p.h.store().read(|r| r.open_stock_orders(None)).unwrap().len();
    assert_eq!(open(&p), 1);
    let receipt = GoodsReceipt {
        drug: p.paracetamol,
        batch_number: "D1".into(),
        supplier: "Acme".into(),
        expiry: None,
        quantity: 180,
        unit_cost: eur(4),
        sale_price: eur(10),
        location: loc("main"),
        order: Some(order.id),
    };
    let b = p.h.receive_stock(p.pharmacist, &receipt).unwrap();
    assert_eq!(b.order, Some(order.id));
    assert_eq!(open(&p), 0, "a short delivery still answers the order");
    // The order cannot be answered twice.
    let again = GoodsReceipt {
        batch_number: "D2".into(),
        ..receipt
    };
    assert_eq!(
        p.h.receive_stock(p.pharmacist, &again).unwrap_err().code(),
        "not_found"
    );
}

#[test]
fn dispensing_takes_the_first_expiring_batch_and_splits_when_needed() {
    let p = pharmacy();
    let late = p.receive(p.paracetamol, "LATE", Some(day(12, 31)), 100, 12);
    let early = p.receive(p.paracetamol, "EARLY", Some(day(6, 30)), 8, 10);
    let none = p.receive(p.paracetamol, "NOEXP", None, 50, 11);
    let before = p.last_seq();
    // 12 tablets: all 8 of the June batch (10 ct), then 4 of the December batch (12 ct).
    let d = p.sell(p.paracetamol, 12).unwrap();
    assert_eq!(picks(&d), [(early, 8), (late, 4)]);
    assert_eq!(d.lines[0].amount, eur(80));
    assert_eq!(d.lines[1].amount, eur(48));
    assert_eq!(d.total, eur(128));
    assert_eq!((p.on_hand(early, "main"), p.on_hand(late, "main")), (0, 96));
    // The batch without expiry goes last.
    let d = p.sell(p.paracetamol, 100).unwrap();
    assert_eq!(picks(&d), [(late, 96), (none, 4)]);
    // The first sale's event carries its priced lines for billing.
    let events = p.events_since(before);
    match &events[0] {
        DomainEvent::StockDispensed {
            dispense,
            patient,
            prescription,
            lines,
            amount,
        } => {
            assert_eq!((*patient, *prescription), (None, None));
            assert_eq!(lines.len(), 2);
            assert_eq!(*amount, eur(128));
            assert_ne!(*dispense, d.id);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_enough_stock_names_what_is_available_and_writes_nothing() {
    let p = pharmacy();
    let b = p.receive(p.paracetamol, "A", Some(day(12, 31)), 7, 10);
    p.receive(p.paracetamol, "B", Some(day(3, 1) + Duration::days(1)), 5, 10); // expires 2 March: usable today
    let seq = p.last_seq();
    match p.sell(p.paracetamol, 13).unwrap_err() {
        Error::Pharmacy(PharmacyError::InsufficientStock {
            requested,
            available,
            batch,
            ..
        }) => assert_eq!((requested, available, batch), (13, 12, None)),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.on_hand(b, "main"), 7);
    assert_eq!(p.last_seq(), seq, "no event for a refused sale");
    assert_eq!(p.h.store().read(|r| r.movements_of_batch(b)).unwrap().len(), 1);
}

#[test]
fn an_expired_recalled_or_short_dated_batch_is_never_dispensed() {
    let p = pharmacy();
    let rx = p.prescribe(21, 0, 7).id;
    let short = p.receive(p.amoxicillin, "SHORT", Some(day(3, 5)), 50, 30); // runs out mid-course
    let good = p.receive(p.amoxicillin, "GOOD", Some(day(3, 8)), 50, 30); // usable through 8 March
                                                                          // FEFO skips the short-dated batch for a 7-day course ending on 8 March.
    let d = p.dispense(rx, 7, None).unwrap();
    assert_eq!(picks(&d), [(good, 7)]);
    // Chosen by hand it is refused, saying why.
    match p.dispense(rx, 7, Some(short)).unwrap_err() {
        Error::Pharmacy(PharmacyError::BatchUnusable { batch, problem }) => {
            assert_eq!(batch, short);
            assert_eq!(
                problem,
                hms_core::pharmacy::BatchProblem::ExpiresTooSoon {
                    expiry: day(3, 5),
                    needed_through: day(3, 8)
                }
            );
        }
        other => panic!("{other:?}"),
    }
    // Recalled: refused by hand and skipped by FEFO (nothing usable is left for this course).
    p.h.recall_batch(p.pharmacist, good, "supplier recall 2026-17")
        .unwrap();
    assert_eq!(
        p.dispense(rx, 7, Some(good)).unwrap_err().code(),
        "batch_unusable"
    );
    assert_eq!(p.dispense(rx, 7, None).unwrap_err().code(), "insufficient_stock");
    assert_eq!(
        p.h.recall_batch(p.pharmacist, good, "again").unwrap_err().code(),
        "invalid_transition"
    );
    // Expired: on 6 March the short batch is past its date.
    p.clock.set(Utc.with_ymd_and_hms(2026, 3, 6, 8, 0, 0).unwrap());
    let rx2 = p.prescribe(1, 0, 1).id;
    match p.dispense(rx2, 1, Some(short)).unwrap_err() {
        Error::Pharmacy(PharmacyError::BatchUnusable { problem, .. }) => {
            assert_eq!(
                problem,
                hms_core::pharmacy::BatchProblem::Expired { expiry: day(3, 5) }
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_line_is_dispensed_in_parts_and_refilled_but_never_beyond_what_was_prescribed() {
    let p = pharmacy();
    p.receive(p.amoxicillin, "A", Some(day(12, 31)), 500, 30);
    // 20 capsules, one refill.
    let rx = p.prescribe(20, 1, 7).id;
    let first = p.dispense(rx, 5, None).unwrap();
    assert_eq!(
        (first.lines[0].fill, first.lines[0].prescription_line),
        (0, Some(0))
    );
    match p.dispense(rx, 16, None).unwrap_err() {
        Error::Pharmacy(PharmacyError::ExceedsPrescription { remaining, fill, .. }) => {
            assert_eq!((remaining, fill), (15, 0))
        }
        other => panic!("{other:?}"),
    }
    p.dispense(rx, 15, None).unwrap();
    let refill = p.dispense(rx, 20, None).unwrap();
    assert_eq!(
        refill.lines[0].fill, 1,
        "the first fill is complete: this is the refill"
    );
    assert_eq!(p.dispense(rx, 1, None).unwrap_err().code(), "refills_exhausted");
    // Three dispenses are recorded against the prescription.
    let done = p.h.prescription_dispenses(p.pharmacist, rx).unwrap();
    assert_eq!(done.len(), 3);
    // A prescription-only drug is never sold over the counter.
    match p.sell(p.amoxicillin, 1).unwrap_err() {
        Error::Pharmacy(PharmacyError::PrescriptionRequired { drug }) => assert_eq!(drug, p.amoxicillin),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_request_never_counts_the_same_units_twice() {
    let p = pharmacy();
    p.receive(p.paracetamol, "A", Some(day(12, 31)), 10, 10);
    let sale = CounterSale {
        patient: Some(p.patients[1]),
        location: loc("main"),
        lines: vec![
            CounterSaleLine {
                drug: p.paracetamol,
                quantity: 6,
                batch: None,
            },
            CounterSaleLine {
                drug: p.paracetamol,
                quantity: 6,
                batch: None,
            },
        ],
    };
    assert_eq!(
        p.h.sell_over_the_counter(p.pharmacist, &sale).unwrap_err().code(),
        "insufficient_stock"
    );
}

#[test]
fn returns_go_back_into_the_original_batch_and_can_be_dispensed_again() {
    let p = pharmacy();
    let a = p.receive(p.amoxicillin, "A", Some(day(6, 30)), 4, 30);
    let b = p.receive(p.amoxicillin, "B", Some(day(12, 31)), 100, 35);
    let rx = p.prescribe(10, 0, 7).id;
    let d = p.dispense(rx, 10, None).unwrap();
    assert_eq!(picks(&d), [(a, 4), (b, 6)]);
    let seq = p.last_seq();
    // 3 of the June batch come back.
    let back =
        p.h.return_dispensed(
            p.pharmacist,
            &ReturnRequest {
                dispense: d.id,
                lines: vec![ReturnLine { line: 0, quantity: 3 }],
                reason: "patient discharged".into(),
            },
        )
        .unwrap();
    assert_eq!(back.lines[0].returned, 3);
    assert_eq!(p.on_hand(a, "main"), 3, "into the original batch");
    match &p.events_since(seq)[0] {
        DomainEvent::StockReturned { amount, lines, .. } => {
            assert_eq!(*amount, eur(90));
            assert_eq!(lines[0].batch, a);
        }
        other => panic!("{other:?}"),
    }
    // More than is left to return: refused, naming what is left.
    let too_many = ReturnRequest {
        dispense: d.id,
        lines: vec![ReturnLine { line: 0, quantity: 2 }],
        reason: "again".into(),
    };
    match p.h.return_dispensed(p.pharmacist, &too_many).unwrap_err() {
        Error::Pharmacy(PharmacyError::ExceedsDispensed { remaining, .. }) => assert_eq!(remaining, 1),
        other => panic!("{other:?}"),
    }
    // The 3 returned units of the fill can be handed out again, and no more.
    assert_eq!(
        p.dispense(rx, 4, None).unwrap_err().code(),
        "exceeds_prescription"
    );
    let again = p.dispense(rx, 3, None).unwrap();
    assert_eq!(picks(&again), [(a, 3)]);
    assert_eq!(p.dispense(rx, 1, None).unwrap_err().code(), "refills_exhausted");
}

#[test]
fn reserved_stock_is_not_handed_to_anyone_else_until_it_is_used_or_lapses() {
    let p = pharmacy();
    let b = p.receive(p.amoxicillin, "A", Some(day(12, 31)), 10, 30);
    let rx = p.prescribe(10, 0, 7).id;
    p.h.add_care_team_member(p.admin, p.patients[1], p.doctor_staff, None)
        .unwrap();
    let rx_other =
        p.h.write_prescription(
            p.doctor,
            &NewPrescription {
                patient: p.patients[1],
                lines: vec![PrescriptionLine {
                    drug: p.amoxicillin,
                    dose: "1".into(),
                    frequency: "daily".into(),
                    duration_days: 5,
                    quantity: 5,
                    refills: 0,
                }],
                note: None,
            },
        )
        .unwrap()
        .id;
    let r =
        p.h.reserve_stock(
            p.pharmacist,
            &ReservationRequest {
                patient: p.patients[0],
                drug: p.amoxicillin,
                location: loc("main"),
                quantity: 8,
                prescription: Some(rx),
                minutes: Some(60),
            },
        )
        .unwrap();
    assert_eq!(
        r.lines,
        [hms_core::pharmacy::Pick {
            batch: b,
            quantity: 8
        }]
    );
    // Another patient can have only the 2 units not held.
    let other = |q| {
        p.h.dispense_prescription(
            p.pharmacist,
            &DispenseRequest {
                prescription: rx_other,
                location: loc("main"),
                lines: vec![DispenseLineRequest {
                    line: 0,
                    quantity: q,
                    batch: None,
                }],
                reservation: None,
            },
        )
    };
    match other(3).unwrap_err() {
        Error::Pharmacy(PharmacyError::InsufficientStock { available, .. }) => assert_eq!(available, 2),
        other => panic!("{other:?}"),
    }
    // Reserved stock cannot be moved away either.
    let move_it = TransferRequest {
        batch: b,
        from: loc("main"),
        to: loc("ward-3"),
        quantity: 3,
    };
    assert_eq!(
        p.h.transfer_stock(p.pharmacist, &move_it).unwrap_err().code(),
        "insufficient_stock"
    );
    // The patient it is held for gets it, and the reservation is used up.
    let with_reservation = DispenseRequest {
        prescription: rx,
        location: loc("main"),
        lines: vec![DispenseLineRequest {
            line: 0,
            quantity: 8,
            batch: None,
        }],
        reservation: Some(r.id),
    };
    let d =
        p.h.dispense_prescription(p.pharmacist, &with_reservation)
            .unwrap();
    assert_eq!(d.reservation, Some(r.id));
    let r = p.h.store().read(|s| s.reservation(r.id)).unwrap().unwrap();
    assert_eq!(r.status, ReservationStatus::Fulfilled);
    assert_eq!(
        p.h.dispense_prescription(p.pharmacist, &with_reservation)
            .unwrap_err()
            .code(),
        "invalid_transition"
    );
    other(2).unwrap();
    assert_eq!(p.on_hand(b, "main"), 0);
}

#[test]
fn a_reservation_lapses_and_can_be_released() {
    let p = pharmacy();
    p.receive(p.paracetamol, "A", Some(day(12, 31)), 5, 10);
    let hold = |minutes| {
        p.h.reserve_stock(
            p.pharmacist,
            &ReservationRequest {
                patient: p.patients[0],
                drug: p.paracetamol,
                location: loc("main"),
                quantity: 5,
                prescription: None,
                minutes,
            },
        )
    };
    let r = hold(Some(30)).unwrap();
    assert_eq!(r.expires_at, monday() + Duration::minutes(30));
    assert_eq!(p.sell(p.paracetamol, 1).unwrap_err().code(), "insufficient_stock");
    assert_eq!(hold(Some(30)).unwrap_err().code(), "insufficient_stock");
    // 30 minutes later the hold has lapsed: the stock is free again.
    p.clock.advance(Duration::minutes(30)).unwrap();
    let rx =
        p.h.write_prescription(
            p.doctor,
            &NewPrescription {
                patient: p.patients[0],
                lines: vec![PrescriptionLine {
                    drug: p.paracetamol,
                    dose: "1".into(),
                    frequency: "daily".into(),
                    duration_days: 1,
                    quantity: 1,
                    refills: 0,
                }],
                note: None,
            },
        )
        .unwrap();
    let late = DispenseRequest {
        prescription: rx.id,
        location: loc("main"),
        lines: vec![DispenseLineRequest {
            line: 0,
            quantity: 1,
            batch: None,
        }],
        reservation: Some(r.id),
    };
    match p.h.dispense_prescription(p.pharmacist, &late).unwrap_err() {
        Error::Pharmacy(PharmacyError::ReservationExpired { expired_at, .. }) => {
            assert_eq!(expired_at, r.expires_at)
        }
        other => panic!("{other:?}"),
    }
    p.sell(p.paracetamol, 1).unwrap();
    // A new hold; released at once; then the stock is free again.
    let r2 = hold(None).unwrap_err();
    assert_eq!(r2.code(), "insufficient_stock", "only 4 are left");
    let r3 =
        p.h.reserve_stock(
            p.pharmacist,
            &ReservationRequest {
                patient: p.patients[0],
                drug: p.paracetamol,
                location: loc("main"),
                quantity: 4,
                prescription: None,
                minutes: None,
            },
        )
        .unwrap();
    assert_eq!(
        r3.expires_at,
        p.h.now() + Duration::minutes(i64::from(p.h.settings().pharmacy.reservation_minutes))
    );
    p.h.release_reservation(p.pharmacist, r3.id).unwrap();
    assert_eq!(
        p.h.release_reservation(p.pharmacist, r3.id).unwrap_err().code(),
        "invalid_transition"
    );
    p.sell(p.paracetamol, 4).unwrap();
    assert_eq!(hold(Some(60 * 24 * 8)).unwrap_err().code(), "invalid_input");
}

#[test]
fn transfers_adjustments_and_write_offs_are_movements_that_sum_to_the_balance() {
    let p = pharmacy();
    let b = p.receive(p.paracetamol, "A", Some(day(3, 10)), 100, 10);
    let moved =
        p.h.transfer_stock(
            p.pharmacist,
            &TransferRequest {
                batch: b,
                from: loc("main"),
                to: loc("ward-3"),
                quantity: 30,
            },
        )
        .unwrap();
    assert_eq!(moved.len(), 2);
    assert_eq!((p.on_hand(b, "main"), p.on_hand(b, "ward-3")), (70, 30));
    let same_place = TransferRequest {
        batch: b,
        from: loc("main"),
        to: loc("main"),
        quantity: 1,
    };
    assert_eq!(
        p.h.transfer_stock(p.pharmacist, &same_place).unwrap_err().code(),
        "invalid_input"
    );
    // A stock count found 2 fewer on the ward.
    p.h.adjust_stock(p.pharmacist, b, &loc("ward-3"), -2, "count 2 March")
        .unwrap();
    assert_eq!(
        p.h.adjust_stock(p.pharmacist, b, &loc("ward-3"), -29, "count")
            .unwrap_err()
            .code(),
        "insufficient_stock"
    );
    assert_eq!(
        p.h.adjust_stock(p.pharmacist, b, &loc("ward-3"), 1, " ")
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    // Written off as damaged: 3; as expired: refused until it is expired.
    p.h.write_off_stock(p.pharmacist, b, &loc("main"), Some(3), WriteOffReason::Damaged)
        .unwrap();
    assert_eq!(
        p.h.write_off_stock(p.pharmacist, b, &loc("main"), None, WriteOffReason::Expired)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    p.clock.set(Utc.with_ymd_and_hms(2026, 3, 11, 8, 0, 0).unwrap());
    let gone =
        p.h.write_off_stock(p.pharmacist, b, &loc("main"), None, WriteOffReason::Expired)
            .unwrap();
    assert_eq!(gone.movement.quantity, -67, "everything left at main");
    for place in ["main", "ward-3"] {
        assert_eq!(i64::from(p.on_hand(b, place)), p.ledger_sum(b, place));
    }
    assert_eq!((p.on_hand(b, "main"), p.on_hand(b, "ward-3")), (0, 28));
    assert_eq!(
        p.h.write_off_stock(p.pharmacist, b, &loc("main"), None, WriteOffReason::Expired)
            .unwrap_err()
            .code(),
        "invalid_input",
        "nothing left to write off"
    );
    // The stock card tells the whole story in order.
    let kinds: Vec<_> =
        p.h.stock_card(p.pharmacist, b)
            .unwrap()
            .iter()
            .map(|e| e.movement.kind.name())
            .collect();
    assert_eq!(
        kinds,
        [
            "receipt",
            "transfer_out",
            "transfer_in",
            "adjustment",
            "write_off",
            "write_off"
        ]
    );
}

fn alert_events(p: &Pharmacy, since: u64) -> Vec<&'static str> {
    p.events_since(since)
        .iter()
        .map(DomainEvent::name)
        .filter(|n| n.starts_with("stock.low") || n.starts_with("stock.exp") || *n == "stock.alert_cleared")
        .collect()
}

#[test]
fn low_stock_is_published_once_per_crossing() {
    let p = pharmacy();
    // The catalog entry at `main` has a reorder level of 50 and no stock yet: it is low from the start.
    assert_eq!(alert_events(&p, 0), ["stock.low"]);
    let start = p.last_seq();
    p.receive(p.paracetamol, "A", None, 100, 10);
    assert_eq!(alert_events(&p, start), ["stock.alert_cleared"]);
    let seq = p.last_seq();
    p.sell(p.paracetamol, 49).unwrap(); // 51 left: above the level
    assert!(alert_events(&p, seq).is_empty());
    p.sell(p.paracetamol, 1).unwrap(); // 50: at the level, crossing
    let low = p.events_since(seq);
    assert!(low.iter().any(|e| matches!(
        e,
        DomainEvent::StockLow {
            usable: 50,
            suggested_quantity: 100,
            ..
        }
    )));
    let seq = p.last_seq();
    p.sell(p.paracetamol, 10).unwrap(); // still low: no second event
    assert!(alert_events(&p, seq).is_empty());
    // An order lifts the position (40 + 100 > 50): cleared.
    p.h.order_stock(
        p.pharmacist,
        &StockOrderRequest {
            drug: p.paracetamol,
            location: loc("main"),
            quantity: 100,
        },
    )
    .unwrap();
    assert_eq!(alert_events(&p, seq), ["stock.alert_cleared"]);
    // Reading alerts publishes nothing.
    let seq = p.last_seq();
    assert!(p.h.stock_alerts(p.pharmacist).unwrap().is_empty());
    assert_eq!(p.last_seq(), seq);
}

#[test]
fn expiry_alerts_come_from_the_nightly_sweep_once() {
    let p = pharmacy();
    let mut d = drug("Ibuprofen", "M01AE01", false);
    d.reorder.clear();
    let ibu = p.h.add_drug(p.pharmacist, d).unwrap().id;
    let b = p.receive(ibu, "A", Some(day(7, 31)), 10, 10);
    p.h.sweep_stock_alerts().unwrap();
    let seq = p.last_seq();
    assert!(
        p.h.sweep_stock_alerts().unwrap().raised.is_empty(),
        "nothing crossed"
    );
    // 90-day warning window: on 2 May, 31 July is within it.
    p.clock.set(Utc.with_ymd_and_hms(2026, 5, 2, 6, 0, 0).unwrap());
    let changes = p.h.sweep_stock_alerts().unwrap();
    assert_eq!(changes.raised.len(), 1);
    assert_eq!(alert_events(&p, seq), ["stock.expiring"]);
    let seq = p.last_seq();
    p.h.sweep_stock_alerts().unwrap();
    assert!(alert_events(&p, seq).is_empty(), "once per crossing");
    // 1 August: expired, still on hand.
    p.clock.set(Utc.with_ymd_and_hms(2026, 8, 1, 6, 0, 0).unwrap());
    p.h.sweep_stock_alerts().unwrap();
    let names = alert_events(&p, seq);
    assert!(
        names.contains(&"stock.expired") && names.contains(&"stock.alert_cleared"),
        "{names:?}"
    );
    let alerts = p.h.stock_alerts(p.pharmacist).unwrap();
    assert!(alerts
        .iter()
        .any(|a| matches!(a, Alert::Expired { batches, quantity: 10, .. } if batches == &[b])));
    // Written off: the expired alert clears at once (the write-off re-evaluates the drug).
    let seq = p.last_seq();
    p.h.write_off_stock(p.pharmacist, b, &loc("main"), None, WriteOffReason::Expired)
        .unwrap();
    assert_eq!(alert_events(&p, seq), ["stock.alert_cleared"]);
    let raised = p.h.store().read(|r| r.raised_alerts()).unwrap();
    assert!(!raised
        .iter()
        .any(|k| k.drug == ibu && k.kind == AlertKind::Expired));
}

#[test]
fn stock_is_valued_first_in_first_out() {
    let p = pharmacy();
    let receipt = |number: &str, cost, quantity| GoodsReceipt {
        drug: p.amoxicillin,
        batch_number: number.into(),
        supplier: "Acme".into(),
        expiry: Some(day(12, 31)),
        quantity,
        unit_cost: Money::new(cost, Currency::EUR),
        sale_price: eur(50),
        location: loc("main"),
        order: None,
    };
    p.h.receive_stock(p.pharmacist, &receipt("JAN", dec!(0.10), 100))
        .unwrap();
    p.clock.advance(Duration::days(1)).unwrap();
    p.h.receive_stock(p.pharmacist, &receipt("FEB", dec!(0.12), 50))
        .unwrap();
    let rx = p.prescribe(80, 0, 7).id;
    p.dispense(rx, 80, None).unwrap(); // 70 left
    let v = p.h.stock_valuation(p.pharmacist).unwrap();
    // 70 on hand = the 50 received last at 0.12 + 20 at 0.10.
    assert_eq!(v.lines.len(), 1);
    assert_eq!(v.lines[0].on_hand, 70);
    assert_eq!(v.total, eur(800));
}

#[test]
fn who_may_do_what() {
    let p = pharmacy();
    let rx = p.prescribe(10, 0, 5).id;
    // A pharmacist or nurse does not prescribe; an admin account is no doctor either.
    let req = NewPrescription {
        patient: p.patients[0],
        lines: vec![PrescriptionLine {
            drug: p.amoxicillin,
            dose: "1".into(),
            frequency: "daily".into(),
            duration_days: 5,
            quantity: 5,
            refills: 0,
        }],
        note: None,
    };
    assert_eq!(
        p.h.write_prescription(p.pharmacist, &req).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        p.h.write_prescription(p.admin, &req).unwrap_err().code(),
        "forbidden"
    );
    // A doctor or a nurse does not dispense; both read prescriptions.
    assert_eq!(
        p.h.dispense_prescription(
            p.doctor,
            &DispenseRequest {
                prescription: rx,
                location: loc("main"),
                lines: vec![DispenseLineRequest {
                    line: 0,
                    quantity: 1,
                    batch: None
                }],
                reservation: None,
            }
        )
        .unwrap_err()
        .code(),
        "forbidden"
    );
    assert_eq!(p.h.prescription(p.nurse, rx).unwrap().id, rx);
    assert_eq!(p.h.prescription(p.doctor, rx).unwrap().lines.len(), 1);
    // Only pharmacists change the catalog; everyone on staff reads it.
    assert_eq!(
        p.h.add_drug(p.admin, drug("Cetirizine", "R06AE07", false))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(p.h.drugs(p.nurse).unwrap().len(), 2);
    assert_eq!(p.h.drugs(p.admin).unwrap().len(), 2);
    // A doctor prescribes only for patients in their care; a nurse reads only their team's patients'.
    let mut elsewhere = req.clone();
    elsewhere.patient = p.patients[2];
    let e = p.h.write_prescription(p.doctor, &elsewhere).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("no care relationship"), "{e}");
    p.h.add_care_team_member(p.admin, p.patients[2], p.doctor_staff, None)
        .unwrap();
    let rx2 = p.h.write_prescription(p.doctor, &elsewhere).unwrap().id;
    assert_eq!(p.h.prescription(p.nurse, rx2).unwrap_err().code(), "forbidden");
    assert_eq!(p.h.prescription(p.pharmacist, rx2).unwrap().id, rx2);
    // Nobody but a pharmacist hands out stock: not the nurse, not an admin.
    p.receive(p.paracetamol, "P-1", Some(day(12, 31)), 20, 10);
    for who in [p.nurse, p.doctor, p.admin] {
        assert_eq!(
            p.h.sell_over_the_counter(
                who,
                &CounterSale {
                    patient: None,
                    location: loc("main"),
                    lines: vec![CounterSaleLine {
                        drug: p.paracetamol,
                        quantity: 1,
                        batch: None,
                    }],
                },
            )
            .unwrap_err()
            .code(),
            "forbidden"
        );
    }
    assert_eq!(p.sell(p.paracetamol, 1).unwrap().lines.len(), 1);
    // Doctors and nurses see stock levels; the front of house and patients do not.
    assert_eq!(p.h.stock_on_hand(p.doctor, p.paracetamol).unwrap().len(), 1);
    assert_eq!(p.h.stock_alerts(p.nurse).unwrap().len(), 1, "20 - 1 is below 50");
    assert_eq!(p.h.stock_valuation(p.admin).unwrap_err().code(), "forbidden");
    // A patient reads their own prescription, not another's.
    let portal =
        p.h.open_account(
            p.admin,
            NewAccount {
                login: "pat0".into(),
                person: Some(PersonRef::Patient(p.patients[0])),
                roles: [Role::Patient].into(),
            },
        )
        .unwrap()
        .id;
    assert_eq!(p.h.prescription(portal, rx).unwrap().patient, p.patients[0]);
    assert_eq!(p.h.prescription_dispenses(portal, rx).unwrap().len(), 0);
    assert_eq!(p.h.prescription(portal, rx2).unwrap_err().code(), "forbidden");
    assert_eq!(
        p.h.stock_on_hand(portal, p.paracetamol).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(p.h.drugs(portal).unwrap_err().code(), "forbidden");
    // Unknown drug on a prescription: not found; a prescription must be for an active patient.
    let mut bad = req.clone();
    bad.lines[0].drug = DrugId::from_uuid(uuid::Uuid::from_u128(404));
    assert_eq!(
        p.h.write_prescription(p.doctor, &bad).unwrap_err().code(),
        "not_found"
    );
    p.h.deactivate_patient(p.admin, p.patients[0], "moved away")
        .unwrap();
    assert_eq!(
        p.h.write_prescription(p.doctor, &req).unwrap_err().code(),
        "inactive"
    );
}

mod model {
    //! A model-based property test: random receipts, dispenses, returns, transfers, adjustments and
    //! write-offs against the facade and a naive model of the stock.
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    pub enum Op {
        Receive {
            expiry_days: Option<u8>,
            quantity: u8,
        },
        Sell {
            at_ward: bool,
            quantity: u8,
        },
        Return {
            pick: usize,
            quantity: u8,
        },
        Transfer {
            pick: usize,
            to_ward: bool,
            quantity: u8,
        },
        Adjust {
            pick: usize,
            at_ward: bool,
            delta: i8,
        },
        WriteOff {
            pick: usize,
            at_ward: bool,
            quantity: u8,
        },
        NextDay,
    }

    pub fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            2 => (prop::option::weighted(0.8, 0u8..40), 1u8..30)
                .prop_map(|(expiry_days, quantity)| Op::Receive { expiry_days, quantity }),
            4 => (any::<bool>(), 1u8..25).prop_map(|(at_ward, quantity)| Op::Sell { at_ward, quantity }),
            1 => (any::<usize>(), 1u8..10).prop_map(|(pick, quantity)| Op::Return { pick, quantity }),
            2 => (any::<usize>(), any::<bool>(), 1u8..20)
                .prop_map(|(pick, to_ward, quantity)| Op::Transfer { pick, to_ward, quantity }),
            1 => (any::<usize>(), any::<bool>(), -10i8..10)
                .prop_map(|(pick, at_ward, delta)| Op::Adjust { pick, at_ward, delta }),
            1 => (any::<usize>(), any::<bool>(), 1u8..15)
                .prop_map(|(pick, at_ward, quantity)| Op::WriteOff { pick, at_ward, quantity }),
            1 => Just(Op::NextDay),
        ]
    }

    fn place(ward: bool) -> &'static str {
        if ward {
            "ward-3"
        } else {
            "main"
        }
    }

    struct ModelBatch {
        id: BatchId,
        expiry: Option<NaiveDate>,
        received: DateTime<Utc>,
        stock: HashMap<&'static str, i64>,
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
        #[test]
        fn the_ledger_never_goes_negative_and_fefo_never_skips_an_earlier_batch(
            ops in proptest::collection::vec(op(), 1..45)
        ) {
            let p = pharmacy();
            let mut batches: Vec<ModelBatch> = Vec::new();
            let mut sales: Vec<(hms_core::ids::DispenseId, usize, i64, &'static str)> = Vec::new();
            let mut n = 0;
            for op in ops {
                let today = p.h.today();
                match op {
                    Op::Receive { expiry_days, quantity } => {
                        n += 1;
                        let expiry = expiry_days.map(|d| today + Duration::days(i64::from(d)));
                        let id = p.receive(p.paracetamol, &format!("L{n}"), expiry, u32::from(quantity), 10);
                        batches.push(ModelBatch {
                            id,
                            expiry,
                            received: p.h.now(),
                            stock: [("main", i64::from(quantity))].into(),
                        });
                    }
                    Op::Sell { at_ward, quantity } => {
                        let where_ = place(at_ward);
                        let usable: i64 = batches
                            .iter()
                            .filter(|b| b.expiry.is_none_or(|e| e >= today))
                            .map(|b| b.stock.get(where_).copied().unwrap_or(0))
                            .sum();
                        let got = p.h.sell_over_the_counter(p.pharmacist, &CounterSale {
                            patient: None,
                            location: loc(where_),
                            lines: vec![CounterSaleLine { drug: p.paracetamol, quantity: u32::from(quantity), batch: None }],
                        });
                        prop_assert_eq!(got.is_ok(), usable >= i64::from(quantity), "sell {} of {}: {:?}", quantity, usable, got);
                        match got {
                            Err(e) => prop_assert_eq!(e.code(), "insufficient_stock"),
                            Ok(d) => {
                                // FEFO: every usable batch earlier in (expiry, received, id) order than a
                                // batch taken from must have been emptied.
                                let key = |b: &ModelBatch| (b.expiry.unwrap_or(NaiveDate::MAX), b.received, b.id);
                                for line in &d.lines {
                                    let i = batches.iter().position(|b| b.id == line.batch).unwrap();
                                    let taken_key = key(&batches[i]);
                                    for other in batches.iter().filter(|b| b.expiry.is_none_or(|e| e >= today)) {
                                        if key(other) < taken_key {
                                            let taken: u32 = d.lines.iter().filter(|l| l.batch == other.id).map(|l| l.quantity).sum();
                                            prop_assert_eq!(i64::from(taken), other.stock.get(where_).copied().unwrap_or(0),
                                                "an earlier batch was left with stock");
                                        }
                                    }
                                }
                                for (k, line) in d.lines.iter().enumerate() {
                                    let i = batches.iter().position(|b| b.id == line.batch).unwrap();
                                    *batches[i].stock.entry(where_).or_default() -= i64::from(line.quantity);
                                    sales.push((d.id, k, i64::from(line.quantity), where_));
                                }
                            }
                        }
                    }
                    Op::Return { pick, quantity } if !sales.is_empty() => {
                        let s = pick % sales.len();
                        let (dispense, line, left, sold_at) = sales[s];
                        let got = p.h.return_dispensed(p.pharmacist, &ReturnRequest {
                            dispense,
                            lines: vec![ReturnLine { line, quantity: u32::from(quantity) }],
                            reason: "not needed".into(),
                        });
                        prop_assert_eq!(got.is_ok(), i64::from(quantity) <= left);
                        if let Ok(d) = got {
                            let batch = d.lines[line].batch;
                            let i = batches.iter().position(|b| b.id == batch).unwrap();
                            *batches[i].stock.entry(sold_at).or_default() += i64::from(quantity);
                            sales[s].2 -= i64::from(quantity);
                        } else {
                            prop_assert_eq!(got.unwrap_err().code(), "exceeds_dispensed");
                        }
                    }
                    Op::Transfer { pick, to_ward, quantity } if !batches.is_empty() => {
                        let i = pick % batches.len();
                        let (from, to) = (place(!to_ward), place(to_ward));
                        let have = batches[i].stock.get(from).copied().unwrap_or(0);
                        let got = p.h.transfer_stock(p.pharmacist, &TransferRequest {
                            batch: batches[i].id, from: loc(from), to: loc(to), quantity: u32::from(quantity),
                        });
                        prop_assert_eq!(got.is_ok(), have >= i64::from(quantity));
                        if got.is_ok() {
                            *batches[i].stock.entry(from).or_default() -= i64::from(quantity);
                            *batches[i].stock.entry(to).or_default() += i64::from(quantity);
                        }
                    }
                    Op::Adjust { pick, at_ward, delta } if !batches.is_empty() && delta != 0 => {
                        let i = pick % batches.len();
                        let where_ = place(at_ward);
                        let have = batches[i].stock.get(where_).copied().unwrap_or(0);
                        let got = p.h.adjust_stock(p.pharmacist, batches[i].id, &loc(where_), i64::from(delta), "count");
                        prop_assert_eq!(got.is_ok(), have + i64::from(delta) >= 0);
                        if got.is_ok() {
                            *batches[i].stock.entry(where_).or_default() += i64::from(delta);
                        } else {
                            prop_assert_eq!(got.unwrap_err().code(), "insufficient_stock");
                        }
                    }
                    Op::WriteOff { pick, at_ward, quantity } if !batches.is_empty() => {
                        let i = pick % batches.len();
                        let where_ = place(at_ward);
                        let have = batches[i].stock.get(where_).copied().unwrap_or(0);
                        let got = p.h.write_off_stock(p.pharmacist, batches[i].id, &loc(where_), Some(u32::from(quantity)), WriteOffReason::Damaged);
                        prop_assert_eq!(got.is_ok(), have >= i64::from(quantity));
                        if got.is_ok() {
                            *batches[i].stock.entry(where_).or_default() -= i64::from(quantity);
                        }
                    }
                    Op::NextDay => {
                        p.clock.advance(Duration::days(1)).unwrap();
                    }
                    _ => {}
                }
                // After every step: the store's balances equal the ledger sums and the model, and no
                // balance is negative.
                for b in &batches {
                    for where_ in ["main", "ward-3"] {
                        let model = b.stock.get(where_).copied().unwrap_or(0);
                        prop_assert!(model >= 0);
                        prop_assert_eq!(i64::from(p.on_hand(b.id, where_)), model);
                        prop_assert_eq!(p.ledger_sum(b.id, where_), model);
                    }
                }
            }
            // The whole ledger rebuilds to the same balances, never dipping below zero on the way.
            let entries: Vec<_> = batches
                .iter()
                .flat_map(|b| p.h.store().read(|r| r.movements_of_batch(b.id)).unwrap())
                .collect();
            let mut in_order = entries.clone();
            in_order.sort_by_key(|e| e.seq);
            let rebuilt = hms_core::pharmacy::ledger::rebuild_balances(in_order.iter().map(|e| &e.movement)).unwrap();
            for b in &batches {
                for where_ in ["main", "ward-3"] {
                    prop_assert_eq!(rebuilt.on_hand(b.id, &loc(where_)), p.on_hand(b.id, where_));
                }
            }
        }
    }
}

#[test]
fn the_dispense_event_and_the_catalog_travel_as_json() {
    let p = pharmacy();
    p.receive(p.paracetamol, "A", Some(day(12, 31)), 10, 125);
    let seq = p.last_seq();
    let d = p.sell(p.paracetamol, 3).unwrap();
    let record = p.h.events_after(seq, 1).unwrap().remove(0);
    let json = serde_json::to_value(&record.event).unwrap();
    assert_eq!(json["type"], "stock.dispensed");
    assert_eq!(json["dispense"], d.id.to_string());
    assert_eq!(
        json["amount"]["amount"], "3.75",
        "money travels as a decimal string"
    );
    assert_eq!(json["lines"][0]["quantity"], 3);
    assert_eq!(serde_json::from_value::<DomainEvent>(json).unwrap(), record.event);
    let drug =
        p.h.drugs(p.pharmacist)
            .unwrap()
            .into_iter()
            .find(|d| d.id == p.paracetamol)
            .unwrap();
    let json = serde_json::to_string(&drug).unwrap();
    assert!(
        json.contains(r#""reorder":{"main":{"level":50,"quantity":100}}"#),
        "{json}"
    );
    assert_eq!(
        serde_json::from_str::<hms_core::pharmacy::Drug>(&json).unwrap(),
        drug
    );
}
