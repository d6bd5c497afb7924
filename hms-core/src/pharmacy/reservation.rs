//! Reservations (stock held for a patient) and stock orders (stock on its way from a supplier).
//!
//! Rules: a reservation holds named units of named batches at one location for one patient, so no one
//! else can hand them out; it holds them while it is active and until its expiry time (half-open: at
//! the expiry instant it no longer holds anything). It ends once: used by a dispense (`fulfilled`) or
//! given up (`released`). An open stock order counts as on order until a delivery answers it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fefo::Pick;
use super::{Location, PharmacyError};
use crate::ids::{AccountId, BatchId, DrugId, PatientId, PrescriptionId, ReservationId, StockOrderId};

/// Where a reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Holding stock (until it expires).
    Active,
    /// Used by a dispense.
    Fulfilled,
    /// Given up.
    Released,
}

impl ReservationStatus {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Fulfilled => "fulfilled",
            ReservationStatus::Released => "released",
        }
    }
}

/// Stock held for a patient, e.g. for an inpatient's medication order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reservation {
    /// Its id.
    pub id: ReservationId,
    /// For whom.
    pub patient: PatientId,
    /// The prescription it is for, if any.
    pub prescription: Option<PrescriptionId>,
    /// The drug.
    pub drug: DrugId,
    /// Where the stock is held.
    pub location: Location,
    /// The units held, batch by batch (chosen first-expiry-first-out).
    pub lines: Vec<Pick>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops holding stock.
    pub expires_at: DateTime<Utc>,
    /// Where it stands.
    pub status: ReservationStatus,
    /// Who made it.
    pub created_by: AccountId,
}

impl Reservation {
    /// Rule: whether it holds stock at `now`: active and before its expiry time.
    pub fn holds_stock(&self, now: DateTime<Utc>) -> bool {
        self.status == ReservationStatus::Active && now < self.expires_at
    }

    /// Units held in total.
    pub fn quantity(&self) -> u32 {
        self.lines.iter().map(|p| p.quantity).sum()
    }
}

/// Units of each batch at `location` that reservations other than `except` hold at `now`.
pub fn held_by_batch(
    reservations: &[Reservation],
    location: &Location,
    now: DateTime<Utc>,
    except: Option<ReservationId>,
) -> HashMap<BatchId, u32> {
    let mut held: HashMap<BatchId, u32> = HashMap::new();
    for r in reservations
        .iter()
        .filter(|r| &r.location == location && r.holds_stock(now) && Some(r.id) != except)
    {
        for p in &r.lines {
            *held.entry(p.batch).or_default() += p.quantity;
        }
    }
    held
}

/// Rule: a reservation can be used by a dispense at `now` only while it holds stock.
///
/// # Errors
/// `invalid_transition` when it was already used or released; `reservation_expired` when it lapsed.
pub fn check_usable(r: &Reservation, now: DateTime<Utc>) -> Result<(), PharmacyError> {
    if r.status != ReservationStatus::Active {
        return Err(PharmacyError::ReservationClosed {
            reservation: r.id,
            status: r.status,
        });
    }
    if now >= r.expires_at {
        return Err(PharmacyError::ReservationExpired {
            reservation: r.id,
            expired_at: r.expires_at,
        });
    }
    Ok(())
}

/// Rule: ends a reservation (`fulfilled` or `released`); only an active one can end, and only once.
/// An expired reservation can still be released (it tidies the list; it held nothing any more).
///
/// # Errors
/// `invalid_transition` when it already ended or `to` is `active`.
pub fn close(r: &Reservation, to: ReservationStatus) -> Result<Reservation, PharmacyError> {
    if r.status != ReservationStatus::Active || to == ReservationStatus::Active {
        return Err(PharmacyError::ReservationClosed {
            reservation: r.id,
            status: r.status,
        });
    }
    Ok(Reservation {
        status: to,
        ..r.clone()
    })
}

/// An order of stock from a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockOrder {
    /// Its id.
    pub id: StockOrderId,
    /// The drug.
    pub drug: DrugId,
    /// Where the stock is to go.
    pub location: Location,
    /// Units ordered.
    pub quantity: u32,
    /// When it was placed.
    pub ordered_at: DateTime<Utc>,
    /// When a delivery answered it (then it no longer counts as on order).
    pub received_at: Option<DateTime<Utc>>,
}

impl StockOrder {
    /// Whether it still counts as on order.
    pub fn is_open(&self) -> bool {
        self.received_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    fn r(n: u128, location: &str, batch: u128, quantity: u32, minutes: i64) -> Reservation {
        Reservation {
            id: ReservationId::from_uuid(uuid::Uuid::from_u128(n)),
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            prescription: None,
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(2)),
            location: Location::parse(location).unwrap(),
            lines: vec![Pick {
                batch: BatchId::from_uuid(uuid::Uuid::from_u128(batch)),
                quantity,
            }],
            created_at: now() - Duration::hours(1),
            expires_at: now() + Duration::minutes(minutes),
            status: ReservationStatus::Active,
            created_by: AccountId::from_uuid(uuid::Uuid::from_u128(3)),
        }
    }

    #[test]
    fn a_reservation_holds_stock_until_it_expires() {
        let res = r(1, "main", 10, 4, 30);
        assert!(res.holds_stock(now()));
        assert!(res.holds_stock(now() + Duration::minutes(29)));
        assert!(
            !res.holds_stock(now() + Duration::minutes(30)),
            "half-open: not at the expiry instant"
        );
        assert_eq!(
            check_usable(&res, now() + Duration::minutes(30)),
            Err(PharmacyError::ReservationExpired {
                reservation: res.id,
                expired_at: res.expires_at
            })
        );
    }

    #[test]
    fn held_stock_is_summed_per_batch_at_one_location() {
        let b = |n| BatchId::from_uuid(uuid::Uuid::from_u128(n));
        let rs = [
            r(1, "main", 10, 4, 30),
            r(2, "main", 10, 3, 30),
            r(3, "main", 11, 5, -1), // expired a minute ago
            r(4, "ward-3", 10, 7, 30),
        ];
        let main = Location::parse("main").unwrap();
        let held = held_by_batch(&rs, &main, now(), None);
        assert_eq!(held.get(&b(10)), Some(&7));
        assert_eq!(held.get(&b(11)), None);
        let held = held_by_batch(&rs, &main, now(), Some(rs[0].id));
        assert_eq!(held.get(&b(10)), Some(&3), "a reservation does not block itself");
    }

    #[test]
    fn a_reservation_ends_once() {
        let res = r(1, "main", 10, 4, 30);
        let done = close(&res, ReservationStatus::Fulfilled).unwrap();
        assert_eq!(done.status, ReservationStatus::Fulfilled);
        assert_eq!(
            close(&done, ReservationStatus::Released).unwrap_err().code(),
            "invalid_transition"
        );
        assert_eq!(
            check_usable(&done, now()).unwrap_err().code(),
            "invalid_transition"
        );
        assert!(close(&res, ReservationStatus::Active).is_err());
    }
}
