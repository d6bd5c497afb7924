//! Worked examples of the billing rules outside invoice arithmetic: the status machine, price
//! versions, payment and refund allocation, reminders, aging and the gateway double.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal_macros::dec;

use super::catalog::{check_history_kept, consultation_codes, unit_price};
use super::invoice::{reminder_due, transition};
use super::payment::{allocate_payment, allocate_refund};
use super::*;
use crate::ids::{AccountId, InvoiceId, PatientId, PaymentId, RefundId};
use crate::money::Currency;

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap()
}

fn inv_id(n: u128) -> InvoiceId {
    InvoiceId::from_uuid(uuid::Uuid::from_u128(n))
}

#[test]
fn the_invoice_status_machine() {
    use InvoiceStatus::*;
    let all = [Draft, Issued, Balanced, Cancelled, EnteredInError];
    let legal: Vec<_> = all
        .iter()
        .flat_map(|f| all.iter().map(move |t| (*f, *t)))
        .filter(|(f, t)| f.can_become(*t))
        .collect();
    assert_eq!(
        legal,
        [
            (Draft, Issued),
            (Draft, Cancelled),
            (Draft, EnteredInError),
            (Issued, Balanced),
            (Issued, EnteredInError),
            (Balanced, Issued),
        ]
    );
    let by = AccountId::from_uuid(uuid::Uuid::from_u128(1));
    let p = PatientId::from_uuid(uuid::Uuid::from_u128(2));
    let draft = Invoice::draft(inv_id(1), p, Currency::USD, RoundingMode::PerLine, by, at(2));
    let issued = transition(&draft, Issued, at(3), Some(by), None).unwrap();
    assert_eq!(issued.history.len(), 2);
    assert_eq!(issued.version, 2);
    assert_eq!(
        transition(&issued, Cancelled, at(3), None, None)
            .unwrap_err()
            .code(),
        "invalid_transition"
    );
    // Once paid, an issued invoice is no longer void-able: it is credited instead.
    let mut paid = issued.clone();
    paid.paid_patient = usd(100);
    assert!(transition(&issued, EnteredInError, at(3), None, None).is_ok());
    assert!(transition(&paid, EnteredInError, at(3), None, None).is_err());
}

#[test]
fn the_price_in_force_is_the_latest_version_started() {
    let v = |m, d, cents| PriceVersion {
        effective_from: day(m, d),
        price: Price::Fixed { amount: usd(cents) },
        tax: TaxRate::exempt(),
        tax_inclusive: false,
    };
    let item = PriceItem {
        code: "lab.cbc".into(),
        name: "CBC".into(),
        kind: ItemKind::LabTest,
        versions: vec![v(1, 1, 2500), v(4, 1, 3000)],
    };
    // 31 March: the January price; 1 April: the April price; December 2025: none.
    assert_eq!(
        item.version_on(day(3, 31)).unwrap().price,
        Price::Fixed { amount: usd(2500) }
    );
    assert_eq!(
        item.version_on(day(4, 1)).unwrap().price,
        Price::Fixed { amount: usd(3000) }
    );
    let none = item
        .price_on(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
        .unwrap_err();
    assert_eq!(none.code(), "no_price");
    // On 2 March the January version is history; the April one may still change.
    let mut changed = item.clone();
    changed.versions[1] = v(4, 1, 3200);
    assert!(check_history_kept(&item, &changed, day(3, 2)).is_ok());
    changed.versions[0] = v(1, 1, 2600);
    assert!(check_history_kept(&item, &changed, day(3, 2)).is_err());
}

#[test]
fn consultation_prices_follow_the_doctors_fee() {
    assert_eq!(
        consultation_codes(" Follow_Up "),
        ["consultation.follow_up", "consultation"]
    );
    let half = PriceVersion {
        effective_from: day(1, 1),
        price: Price::DoctorFee { percent: dec!(50) },
        tax: TaxRate::exempt(),
        tax_inclusive: false,
    };
    // 50 % of a 75.00 fee is 37.50 (and not 37.5000).
    let p = unit_price(&half, None, Some(usd(7500)), Currency::USD).unwrap();
    assert_eq!(p.amount.to_string(), "37.50");
    assert_eq!(
        unit_price(&half, None, None, Currency::USD).unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn oldest_first_and_directed_allocation() {
    let open = [
        OpenItem {
            invoice: inv_id(3),
            issued_at: at(9),
            due: usd(4000),
        },
        OpenItem {
            invoice: inv_id(1),
            issued_at: at(1),
            due: usd(2500),
        },
        OpenItem {
            invoice: inv_id(2),
            issued_at: at(5),
            due: usd(1000),
        },
    ];
    // 50.00 oldest first: 25.00 (1 March) + 10.00 (5 March) + 15.00 (9 March).
    let parts = allocate_payment(usd(5000), &open, &AllocationRule::OldestFirst).unwrap();
    assert_eq!(
        parts,
        [
            (inv_id(1), usd(2500)),
            (inv_id(2), usd(1000)),
            (inv_id(3), usd(1500))
        ]
    );
    // 75.01 is a cent more than the 75.00 due.
    let e = allocate_payment(usd(7501), &open, &AllocationRule::OldestFirst).unwrap_err();
    assert_eq!(e.code(), "overpayment");
    assert_eq!(
        e.to_string(),
        "a payment of 75.01 USD is more than the 75.00 USD due"
    );
    // Directed: 10.00 to the newest; 10.01 to the 10.00 one is too much.
    let directed = |parts: Vec<(InvoiceId, Money)>| AllocationRule::Explicit { parts };
    let amount = usd(1000);
    assert_eq!(
        allocate_payment(amount, &open, &directed(vec![(inv_id(3), amount)])).unwrap(),
        [(inv_id(3), amount)]
    );
    assert_eq!(
        allocate_payment(usd(1001), &open, &directed(vec![(inv_id(2), usd(1001))]))
            .unwrap_err()
            .code(),
        "overpayment"
    );
    assert_eq!(
        allocate_payment(amount, &open, &directed(vec![(inv_id(9), amount)]))
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        allocate_payment(usd(0), &open, &AllocationRule::OldestFirst)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[test]
fn refunds_come_back_from_the_latest_invoice_first() {
    let p = Payment {
        id: PaymentId::from_uuid(uuid::Uuid::from_u128(1)),
        patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
        amount: usd(5000),
        method: PaymentMethod::Card,
        external_reference: None,
        received_at: at(2),
        recorded_by: None,
        allocations: vec![
            Allocation {
                invoice: inv_id(1),
                amount: usd(3000),
                refunded: usd(0),
            },
            Allocation {
                invoice: inv_id(2),
                amount: usd(2000),
                refunded: usd(500),
            },
        ],
        refunds: vec![Refund {
            id: RefundId::from_uuid(uuid::Uuid::from_u128(3)),
            amount: usd(500),
            reason: "x".into(),
            external_reference: None,
            allocations: vec![(inv_id(2), usd(500))],
            at: at(3),
            by: None,
        }],
        version: 2,
    };
    // 45.00 is left of the 50.00 payment. A 20.00 refund: 15.00 left on the second invoice, then
    // 5.00 from the first.
    assert_eq!(p.refundable(), usd(4500));
    assert_eq!(
        allocate_refund(&p, usd(2000)).unwrap(),
        [(inv_id(2), usd(1500)), (inv_id(1), usd(500))]
    );
    assert_eq!(allocate_refund(&p, usd(4501)).unwrap_err().code(), "over_refund");
}

#[test]
fn reminders_come_three_days_before_on_the_day_and_a_month_after() {
    let due = day(4, 1);
    assert_eq!(reminder_due(due, day(3, 28), &[]), None);
    assert_eq!(reminder_due(due, day(3, 29), &[]), Some(ReminderStage::Upcoming));
    assert_eq!(reminder_due(due, day(3, 30), &[ReminderStage::Upcoming]), None);
    assert_eq!(
        reminder_due(due, day(4, 1), &[ReminderStage::Upcoming]),
        Some(ReminderStage::Due)
    );
    assert_eq!(
        reminder_due(due, day(4, 30), &[ReminderStage::Upcoming, ReminderStage::Due]),
        None
    );
    // 1 May is 30 days after 1 April; a late job sends only the latest stage.
    assert_eq!(reminder_due(due, day(5, 1), &[]), Some(ReminderStage::Overdue));
}

#[test]
fn aging_buckets_by_invoice_age() {
    let mut a = Aging::zero(Currency::USD);
    let as_of = day(6, 30);
    // 30 days old → current; 31 → 31–60; 60 → 31–60; 61 → 61–90; 91 → over 90.
    for (age, cents) in [(30, 100), (31, 200), (60, 300), (61, 400), (91, 500)] {
        a.add(as_of - chrono::Duration::days(age), usd(cents), as_of);
    }
    assert_eq!(
        (a.current, a.days_31_60, a.days_61_90, a.over_90),
        (usd(100), usd(500), usd(400), usd(500))
    );
    assert_eq!(a.total(), usd(1500));
}

#[test]
fn charge_source_keys_are_stable() {
    let id = crate::ids::AdmissionId::from_uuid(uuid::Uuid::from_u128(1));
    let bed = ChargeSource::BedDay {
        admission: id,
        date: day(3, 2),
    };
    assert_eq!(bed.key(), format!("bed_day:{id}:2026-03-02"));
    assert_eq!(
        ChargeSource::Manual {
            reference: " X-1 ".into()
        }
        .key(),
        "manual:X-1"
    );
    let json = serde_json::to_string(&bed).unwrap();
    assert_eq!(serde_json::from_str::<ChargeSource>(&json).unwrap(), bed);
}

#[test]
fn the_memory_gateway_signs_and_verifies() {
    let gw = MemoryGateway::new("whsec");
    let intent = gw
        .create_intent(&IntentRequest {
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(2)),
            amount: usd(2500),
            reference: "r".into(),
        })
        .unwrap();
    let (payload, sig) = gw.succeeded_webhook(&intent, "ch_1");
    match gw.verify_webhook(&payload, &sig).unwrap() {
        GatewayEvent::PaymentSucceeded {
            payment_reference,
            amount,
            ..
        } => {
            assert_eq!((payment_reference.as_str(), amount), ("ch_1", usd(2500)));
        }
        other => panic!("unexpected {other:?}"),
    }
    // Another secret, or one changed byte, and the signature fails.
    assert_eq!(
        MemoryGateway::new("other")
            .verify_webhook(&payload, &sig)
            .unwrap_err()
            .code(),
        "invalid_signature"
    );
    let mut tampered = payload.clone();
    if let Some(b) = tampered.iter_mut().rev().find(|b| b.is_ascii_digit()) {
        *b = if *b == b'9' { b'8' } else { b'9' };
    }
    assert_eq!(
        gw.verify_webhook(&tampered, &sig).unwrap_err().code(),
        "invalid_signature"
    );
}

proptest! {
    #[test]
    fn allocations_add_up_to_the_payment_and_stay_within_each_due(
        dues in proptest::collection::vec(0_i64..100_000, 1..50),
        fraction in 1_u32..=100,
    ) {
        let open: Vec<OpenItem> = dues
            .iter()
            .enumerate()
            .map(|(i, c)| OpenItem { invoice: inv_id(i as u128), issued_at: at(1 + (i % 27) as u32), due: usd(*c) })
            .collect();
        let total: i64 = dues.iter().sum();
        let amount = total * i64::from(fraction) / 100;
        prop_assume!(amount > 0);
        let parts = allocate_payment(usd(amount), &open, &AllocationRule::OldestFirst).unwrap();
        let sum: rust_decimal::Decimal = parts.iter().map(|(_, m)| m.amount).sum();
        prop_assert_eq!(sum, usd(amount).amount);
        for (id, m) in &parts {
            let due = open.iter().find(|o| o.invoice == *id).unwrap().due;
            prop_assert!(m.amount <= due.amount && m.amount.is_sign_positive());
        }
        prop_assert!(allocate_payment(usd(total + 1), &open, &AllocationRule::OldestFirst).is_err());
    }
}
