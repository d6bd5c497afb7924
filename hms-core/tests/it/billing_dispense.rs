//! Charging a dispense through the facade (`Hospital::charge_dispense`), the same scenario on every
//! backend: the medicine a patient kept is charged once, from the dispense's own priced lines less
//! what was given back; an unknown dispense, an anonymous sale and a dispense given back in full are
//! typed errors that write nothing.
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::access::Role;
use hms_core::billing::{ChargeSource, ItemKind, Price, PriceItem, PriceVersion, TaxRate};
use hms_core::events::DomainEvent;
use hms_core::hospital::{CounterSale, CounterSaleLine, ReturnLine, ReturnRequest};
use hms_core::ids::{AccountId, DispenseId, DrugId, PatientId, SeededIds};
use hms_core::money::{Currency, Money};
use hms_core::people::{
    AdministrativeSex, NewAccount, PatientDetails, PersonName, PersonRef, StaffDetails, StaffRole,
};
use hms_core::pharmacy::{Dispense, GoodsReceipt, Location};
use hms_core::store::{MemoryStore, Store};
use hms_core::time::ManualClock;
use hms_core::{Error, Hospital, HospitalSettings};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

struct World<S: Store> {
    h: Hospital<S>,
    pharmacist: AccountId,
    portal: AccountId,
    patient: PatientId,
    paracetamol: DrugId,
    ibuprofen: DrugId,
}

fn eur(cents: i64) -> Money {
    Money::from_minor(cents, Currency::EUR)
}

fn loc() -> Location {
    Location::parse("main").unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// A hospital on `store` (Berlin, euros) whose pharmacy stocks paracetamol in two batches (5 tablets
/// at 0.20 expiring first, then 100 at 0.25) and ibuprofen (100 at 0.35); the price list prices
/// `medicine` from its source, tax-inclusive at 7 %.
fn world<S: Store>(store: S) -> World<S> {
    let h = Hospital::with_environment(
        store,
        HospitalSettings {
            zone: chrono_tz::Europe::Berlin,
            currency: Currency::EUR,
            ..HospitalSettings::default()
        },
        // Monday 2 March 2026, 23:30 in Berlin (22:30 UTC): the service date is Berlin's day.
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 3, 2, 22, 30, 0).unwrap(),
        )),
        Arc::new(SeededIds::new(11)),
    );
    let admin = h.bootstrap_admin("admin").unwrap().id;
    let staff = h
        .hire_staff(
            admin,
            StaffDetails {
                name: PersonName::new("Sam", "Pharma"),
                role: StaffRole::Pharmacist,
                department: None,
                phone: None,
                email: None,
                license_number: Some("LIC-pharma".into()),
                doctor: None,
            },
        )
        .unwrap();
    let pharmacist = h
        .open_account(
            admin,
            NewAccount {
                login: "pharma".into(),
                person: Some(PersonRef::Staff(staff.id)),
                roles: [Role::Pharmacist].into(),
            },
        )
        .unwrap()
        .id;
    let mut details = PatientDetails::new(
        PersonName::new("Asha", "Rao"),
        NaiveDate::from_ymd_opt(1988, 4, 12).unwrap(),
        AdministrativeSex::Female,
    );
    details.phone = Some("+49 30 5555 0101".into());
    let patient = h.register_patient(admin, details).unwrap().id;
    let portal = h
        .open_account(
            admin,
            NewAccount {
                login: "asha".into(),
                person: Some(PersonRef::Patient(patient)),
                roles: [Role::Patient].into(),
            },
        )
        .unwrap()
        .id;
    h.set_price_item(
        admin,
        &PriceItem::new(
            "medicine",
            "Medicines",
            ItemKind::Medicine,
            PriceVersion {
                effective_from: day(1, 1),
                price: Price::FromSource,
                tax: TaxRate::new("S", dec!(7)),
                tax_inclusive: true,
            },
        ),
    )
    .unwrap();
    let paracetamol = h
        .add_drug(pharmacist, super::pharmacy::drug("Paracetamol", "N02BE01", false))
        .unwrap()
        .id;
    let ibuprofen = h
        .add_drug(pharmacist, super::pharmacy::drug("Ibuprofen", "M01AE01", false))
        .unwrap()
        .id;
    for (drug, number, expiry, quantity, cents) in [
        (paracetamol, "P-1", day(6, 30), 5, 20),
        (paracetamol, "P-2", day(12, 31), 100, 25),
        (ibuprofen, "I-1", day(12, 31), 100, 35),
    ] {
        h.receive_stock(
            pharmacist,
            &GoodsReceipt {
                drug,
                batch_number: number.into(),
                supplier: "Acme Pharma".into(),
                expiry: Some(expiry),
                quantity,
                unit_cost: eur(5),
                sale_price: eur(cents),
                location: loc(),
                order: None,
            },
        )
        .unwrap();
    }
    World {
        h,
        pharmacist,
        portal,
        patient,
        paracetamol,
        ibuprofen,
    }
}

impl<S: Store> World<S> {
    fn sell(&self, patient: Option<PatientId>, lines: &[(DrugId, u32)]) -> Dispense {
        self.h
            .sell_over_the_counter(
                self.pharmacist,
                &CounterSale {
                    patient,
                    location: loc(),
                    lines: lines
                        .iter()
                        .map(|(drug, quantity)| CounterSaleLine {
                            drug: *drug,
                            quantity: *quantity,
                            batch: None,
                        })
                        .collect(),
                },
            )
            .unwrap()
    }

    fn give_back(&self, dispense: DispenseId, line: usize, quantity: u32) {
        self.h
            .return_dispensed(
                self.pharmacist,
                &ReturnRequest {
                    dispense,
                    lines: vec![ReturnLine { line, quantity }],
                    reason: "not needed".into(),
                },
            )
            .unwrap();
    }

    fn charges_added(&self) -> usize {
        self.h
            .events_after(0, 100_000)
            .unwrap()
            .iter()
            .filter(|r| matches!(r.event, DomainEvent::ChargeAdded { .. }))
            .count()
    }

    fn charged(&self, dispense: DispenseId) -> bool {
        self.h
            .store()
            .read(|r| r.charge_by_source(&ChargeSource::Dispense { id: dispense }))
            .unwrap()
            .is_some()
    }
}

fn field(e: &Error) -> &str {
    let Error::Validation(v) = e else {
        panic!("expected a validation error, got {e:?}")
    };
    &v.problems()[0].field
}

/// The whole scenario, run on each backend below.
fn charge_dispense_scenario<S: Store>(store: S) {
    let w = world(store);

    // 8 paracetamol (5 at 0.20 from the batch expiring first, 3 at 0.25 from the next) and 10
    // ibuprofen at 0.35; 2 ibuprofen given back before the charge. Charged: one unit of
    // 5 × 0.20 + 3 × 0.25 + 8 × 0.35 = 1.00 + 0.75 + 2.80 = 4.55, on the patient's draft.
    let d = w.sell(Some(w.patient), &[(w.paracetamol, 8), (w.ibuprofen, 10)]);
    assert_eq!(d.lines.len(), 3);
    w.give_back(d.id, 2, 2);
    let before = w.charges_added();
    let charge = w.h.charge_dispense(w.pharmacist, d.id).unwrap();
    assert_eq!(charge.source, ChargeSource::Dispense { id: d.id });
    assert_eq!(charge.patient, w.patient);
    assert_eq!(charge.item_code, "medicine");
    assert_eq!(charge.kind, ItemKind::Medicine);
    assert_eq!((charge.quantity, charge.unit_price), (Decimal::ONE, eur(455)));
    assert_eq!(charge.tax, TaxRate::new("S", dec!(7)));
    assert!(charge.tax_inclusive);
    assert_eq!(
        charge.description,
        "Medicines (paracetamol 500 mg tablet × 8, ibuprofen 500 mg tablet × 8)"
    );
    // Dispensed at 23:30 on 2 March in Berlin, 22:30 UTC: Berlin's day.
    assert_eq!(charge.service_date, day(3, 2));
    let draft = charge.invoice.unwrap();
    // The pharmacy charges but sees no bills.
    assert_eq!(w.h.invoice(w.pharmacist, draft).unwrap_err().code(), "forbidden");
    let lines = w.h.store().read(|r| r.invoice(draft)).unwrap().unwrap().lines;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].charge, charge.id);
    assert_eq!(w.charges_added(), before + 1);

    // Charging again returns the first charge and writes nothing, also after a later return.
    w.give_back(d.id, 0, 1);
    let again = w.h.charge_dispense(w.pharmacist, d.id).unwrap();
    assert_eq!(again, charge);
    assert_eq!(w.charges_added(), before + 1);

    // One line kept: its units at its price (12 ibuprofen, 4 given back: 8 × 0.35).
    let single = w.sell(Some(w.patient), &[(w.ibuprofen, 12)]);
    w.give_back(single.id, 0, 4);
    let c = w.h.charge_dispense(w.pharmacist, single.id).unwrap();
    assert_eq!((c.quantity, c.unit_price), (dec!(8), eur(35)));
    assert_eq!(c.invoice, Some(draft));

    // Everything given back: nothing to charge, nothing written.
    let returned = w.sell(Some(w.patient), &[(w.ibuprofen, 3)]);
    w.give_back(returned.id, 0, 3);
    let e = w.h.charge_dispense(w.pharmacist, returned.id).unwrap_err();
    assert_eq!((e.code(), field(&e)), ("invalid_input", "dispense"));
    assert!(!w.charged(returned.id));

    // An anonymous over-the-counter sale has no patient to charge.
    let anonymous = w.sell(None, &[(w.paracetamol, 2)]);
    let e = w.h.charge_dispense(w.pharmacist, anonymous.id).unwrap_err();
    assert_eq!((e.code(), field(&e)), ("invalid_input", "dispense"));
    assert!(!w.charged(anonymous.id));

    // An unknown dispense is not found; a patient cannot charge themself.
    let unknown = DispenseId::from_uuid(uuid::Uuid::from_u128(42));
    assert_eq!(
        w.h.charge_dispense(w.pharmacist, unknown).unwrap_err().code(),
        "not_found"
    );
    let kept = w.sell(Some(w.patient), &[(w.paracetamol, 1)]);
    assert_eq!(
        w.h.charge_dispense(w.portal, kept.id).unwrap_err().code(),
        "forbidden"
    );
    assert!(!w.charged(kept.id));
    assert_eq!(w.charges_added(), before + 2);
}

#[test]
fn charge_dispense_on_memory() {
    charge_dispense_scenario(MemoryStore::new());
}

#[cfg(feature = "sqlite")]
#[test]
fn charge_dispense_on_sqlite() {
    charge_dispense_scenario(hms_core::store::sqlite::SqliteStore::in_memory().unwrap());
}

#[cfg(feature = "postgres")]
#[test]
fn charge_dispense_on_postgres() {
    charge_dispense_scenario(super::conformance_postgres::scratch(
        hms_core::store::postgres::PostgresOptions::default(),
    ));
}
