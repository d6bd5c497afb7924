//! Stock alerts: pure functions over stock and a date.
//!
//! Rules, per drug and store location:
//! - **low stock** when usable stock (not expired, not recalled) plus stock on order is at or below
//!   the location's reorder level; the suggested order is the reorder quantity, raised if needed so
//!   that the position ends above the level, and rounded up to whole packs;
//! - **expiring soon** when usable stock on hand expires within the warning window (today included,
//!   `today + warning_days` included);
//! - **expired** when stock past its expiry date is still on hand (it must be written off).
//!
//! An alert is published once when it is raised, not on every read: the store keeps which alerts are
//! raised, and [`crossings`] compares that with what holds now. An alert that stops holding is cleared
//! and can be raised again by a later crossing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalog::ReorderRule;
use super::Location;
use crate::ids::{BatchId, DrugId};

/// The kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Usable stock plus stock on order is at or below the reorder level.
    LowStock,
    /// Usable stock expires within the warning window.
    ExpiringSoon,
    /// Expired stock is still on hand.
    Expired,
}

impl AlertKind {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertKind::LowStock => "low_stock",
            AlertKind::ExpiringSoon => "expiring_soon",
            AlertKind::Expired => "expired",
        }
    }
}

/// What an alert is about: one kind of alert for one drug at one location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlertKey {
    /// The drug.
    pub drug: DrugId,
    /// The location.
    pub location: Location,
    /// The kind.
    pub kind: AlertKind,
}

/// An alert that holds now.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// Time to reorder.
    LowStock {
        /// The drug.
        drug: DrugId,
        /// The location.
        location: Location,
        /// Usable units on hand.
        usable: u32,
        /// Units on order.
        on_order: u32,
        /// The reorder level.
        reorder_level: u32,
        /// Units to order.
        suggested_quantity: u32,
    },
    /// Usable stock expires soon.
    ExpiringSoon {
        /// The drug.
        drug: DrugId,
        /// The location.
        location: Location,
        /// The batches, earliest expiry first.
        batches: Vec<BatchId>,
        /// Units on hand in them.
        quantity: u32,
        /// The earliest expiry date among them.
        earliest_expiry: NaiveDate,
    },
    /// Expired stock is on hand.
    Expired {
        /// The drug.
        drug: DrugId,
        /// The location.
        location: Location,
        /// The batches, earliest expiry first.
        batches: Vec<BatchId>,
        /// Units on hand in them.
        quantity: u32,
    },
}

impl Alert {
    /// What the alert is about.
    pub fn key(&self) -> AlertKey {
        let (drug, location, kind) = match self {
            Alert::LowStock { drug, location, .. } => (drug, location, AlertKind::LowStock),
            Alert::ExpiringSoon { drug, location, .. } => (drug, location, AlertKind::ExpiringSoon),
            Alert::Expired { drug, location, .. } => (drug, location, AlertKind::Expired),
        };
        AlertKey {
            drug: *drug,
            location: location.clone(),
            kind,
        }
    }
}

/// Stock of one batch at one location, as alerts see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StockLine {
    /// The batch.
    pub batch: BatchId,
    /// Where.
    pub location: Location,
    /// Its expiry date.
    pub expiry: Option<NaiveDate>,
    /// Whether it was recalled.
    pub recalled: bool,
    /// Units on hand.
    pub on_hand: u32,
}

/// Everything alerts need to know about one drug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugStock {
    /// The drug.
    pub drug: DrugId,
    /// Units in a pack as supplied.
    pub pack_size: u32,
    /// Reorder rules per location.
    pub reorder: BTreeMap<Location, ReorderRule>,
    /// Stock per batch and location.
    pub lines: Vec<StockLine>,
    /// Units on order per location.
    pub on_order: BTreeMap<Location, u32>,
}

/// Rule: how much to reorder when the position (usable + on order) is at or below the level: the
/// reorder quantity, or more if that would not lift the position above the level, rounded up to whole
/// packs.
///
/// Worked examples (packs of 20): level 100, quantity 200, position 30 → 200 (30 + 200 = 230 > 100);
/// level 500, quantity 200, position 100 → 401 needed → 420 (21 packs).
///
/// ```
/// # use hms_core::pharmacy::{ReorderRule, alerts::suggested_reorder};
/// assert_eq!(suggested_reorder(ReorderRule { level: 100, quantity: 200 }, 30, 20), 200);
/// assert_eq!(suggested_reorder(ReorderRule { level: 500, quantity: 200 }, 100, 20), 420);
/// ```
pub fn suggested_reorder(rule: ReorderRule, position: u64, pack_size: u32) -> u32 {
    let needed = (u64::from(rule.level) + 1).saturating_sub(position);
    let want = needed.max(u64::from(rule.quantity));
    let pack = u64::from(pack_size.max(1));
    let packs = want.div_ceil(pack);
    u32::try_from(packs * pack).unwrap_or(u32::MAX)
}

/// What one drug has at one location, gathered from its stock lines.
struct AtLocation<'a> {
    location: &'a Location,
    usable: u64,
    expiring: Vec<(NaiveDate, BatchId, u32)>,
    expired: Vec<(NaiveDate, BatchId, u32)>,
}

/// Buffers reused from one drug to the next, so that a sweep over thousands of drugs allocates only
/// for the alerts it returns.
#[derive(Default)]
struct Scratch<'a> {
    places: Vec<AtLocation<'a>>,
    used: usize,
}

impl<'a> Scratch<'a> {
    fn reset(&mut self) {
        self.used = 0;
    }

    /// The entry for `location`, taking a fresh (cleared) one the first time it is seen.
    fn slot(&mut self, location: &'a Location) -> Option<&mut AtLocation<'a>> {
        if let Some(i) = self
            .places
            .iter()
            .take(self.used)
            .position(|p| p.location == location)
        {
            return self.places.get_mut(i);
        }
        let i = self.used;
        self.used += 1;
        match self.places.get_mut(i) {
            Some(p) => {
                p.location = location;
                p.usable = 0;
                p.expiring.clear();
                p.expired.clear();
            }
            None => self.places.push(AtLocation {
                location,
                usable: 0,
                expiring: Vec::new(),
                expired: Vec::new(),
            }),
        }
        self.places.get_mut(i)
    }

    fn in_use(&mut self) -> &mut [AtLocation<'a>] {
        let used = self.used;
        self.places.get_mut(..used).unwrap_or_default()
    }
}

fn sum_u32(items: &[(NaiveDate, BatchId, u32)]) -> u32 {
    u32::try_from(items.iter().map(|(_, _, q)| u64::from(*q)).sum::<u64>()).unwrap_or(u32::MAX)
}

/// Appends the alerts that hold for one drug on `today` to `out`, by location, low stock first.
pub fn drug_alerts(stock: &DrugStock, today: NaiveDate, warning_days: u32, out: &mut Vec<Alert>) {
    drug_alerts_with(&mut Scratch::default(), stock, today, warning_days, out);
}

fn drug_alerts_with<'a>(
    scratch: &mut Scratch<'a>,
    stock: &'a DrugStock,
    today: NaiveDate,
    warning_days: u32,
    out: &mut Vec<Alert>,
) {
    let drug = stock.drug;
    let warn_until = today
        .checked_add_days(chrono::Days::new(u64::from(warning_days)))
        .unwrap_or(NaiveDate::MAX);
    scratch.reset();
    for line in stock.lines.iter().filter(|l| l.on_hand > 0) {
        let Some(p) = scratch.slot(&line.location) else {
            continue;
        };
        match line.expiry {
            Some(e) if e < today => p.expired.push((e, line.batch, line.on_hand)),
            _ if line.recalled => {}
            Some(e) => {
                p.usable += u64::from(line.on_hand);
                if e <= warn_until {
                    p.expiring.push((e, line.batch, line.on_hand));
                }
            }
            None => p.usable += u64::from(line.on_hand),
        }
    }
    for location in stock.reorder.keys() {
        scratch.slot(location);
    }
    let places = scratch.in_use();
    places.sort_unstable_by(|a, b| a.location.cmp(b.location));
    for p in places.iter_mut() {
        let location = p.location;
        if let Some(rule) = stock.reorder.get(location) {
            let on_order = stock.on_order.get(location).copied().unwrap_or(0);
            let position = p.usable + u64::from(on_order);
            if position <= u64::from(rule.level) {
                out.push(Alert::LowStock {
                    drug,
                    location: location.clone(),
                    usable: u32::try_from(p.usable).unwrap_or(u32::MAX),
                    on_order,
                    reorder_level: rule.level,
                    suggested_quantity: suggested_reorder(*rule, position, stock.pack_size),
                });
            }
        }
        if !p.expiring.is_empty() {
            p.expiring.sort_unstable();
            out.push(Alert::ExpiringSoon {
                drug,
                location: location.clone(),
                quantity: sum_u32(&p.expiring),
                earliest_expiry: p.expiring.first().map_or(today, |(e, _, _)| *e),
                batches: p.expiring.iter().map(|(_, b, _)| *b).collect(),
            });
        }
        if !p.expired.is_empty() {
            p.expired.sort_unstable();
            out.push(Alert::Expired {
                drug,
                location: location.clone(),
                quantity: sum_u32(&p.expired),
                batches: p.expired.iter().map(|(_, b, _)| *b).collect(),
            });
        }
    }
}

/// Every alert that holds for a pharmacy on `today`, drug by drug in the order given.
pub fn all_alerts(stocks: &[DrugStock], today: NaiveDate, warning_days: u32) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    for s in stocks {
        drug_alerts_with(&mut scratch, s, today, warning_days, &mut out);
    }
    out
}

/// Alerts to publish and alerts to clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertChanges {
    /// Alerts that hold now but were not raised before: publish them and remember them.
    pub raised: Vec<Alert>,
    /// Alerts raised before that no longer hold: forget them (and say so).
    pub cleared: Vec<AlertKey>,
}

/// Rule: an alert is published once per crossing. Compares the alerts raised before (`raised`) with
/// those that hold now (`current`), looking only at keys `in_scope` (e.g. one drug at one location
/// after a stock movement, or everything in a daily sweep).
pub fn crossings(
    raised: &BTreeSet<AlertKey>,
    current: &[Alert],
    in_scope: impl Fn(&AlertKey) -> bool,
) -> AlertChanges {
    let now: BTreeSet<AlertKey> = current.iter().map(Alert::key).collect();
    AlertChanges {
        raised: current
            .iter()
            .filter(|a| {
                let k = a.key();
                in_scope(&k) && !raised.contains(&k)
            })
            .cloned()
            .collect(),
        cleared: raised
            .iter()
            .filter(|k| in_scope(k) && !now.contains(k))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn loc(s: &str) -> Location {
        Location::parse(s).unwrap()
    }

    fn b(n: u128) -> BatchId {
        BatchId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn drug() -> DrugId {
        DrugId::from_uuid(uuid::Uuid::from_u128(1))
    }

    fn line(n: u128, location: &str, expiry: Option<NaiveDate>, on_hand: u32) -> StockLine {
        StockLine {
            batch: b(n),
            location: loc(location),
            expiry,
            recalled: false,
            on_hand,
        }
    }

    fn stock(lines: Vec<StockLine>) -> DrugStock {
        DrugStock {
            drug: drug(),
            pack_size: 10,
            reorder: [(
                loc("main"),
                ReorderRule {
                    level: 50,
                    quantity: 100,
                },
            )]
            .into(),
            lines,
            on_order: BTreeMap::new(),
        }
    }

    fn alerts(s: &DrugStock) -> Vec<Alert> {
        all_alerts(std::slice::from_ref(s), d(3, 2), 30)
    }

    #[test]
    fn low_stock_counts_usable_stock_and_stock_on_order() {
        // 40 usable + 5 expired + 20 recalled at main, level 50: low, order 100.
        let mut recalled = line(3, "main", Some(d(9, 1)), 20);
        recalled.recalled = true;
        let mut s = stock(vec![
            line(1, "main", Some(d(9, 1)), 40),
            line(2, "main", Some(d(2, 1)), 5),
            recalled,
        ]);
        let low = alerts(&s)
            .into_iter()
            .find(|a| a.key().kind == AlertKind::LowStock)
            .unwrap();
        assert_eq!(
            low,
            Alert::LowStock {
                drug: drug(),
                location: loc("main"),
                usable: 40,
                on_order: 0,
                reorder_level: 50,
                suggested_quantity: 100
            }
        );
        // 10 on order lifts the position to exactly the level: still low (at or below).
        s.on_order.insert(loc("main"), 10);
        assert!(alerts(&s).iter().any(|a| a.key().kind == AlertKind::LowStock));
        // 11 on order: 51 > 50, not low.
        s.on_order.insert(loc("main"), 11);
        assert!(!alerts(&s).iter().any(|a| a.key().kind == AlertKind::LowStock));
    }

    #[test]
    fn a_location_with_a_rule_and_no_stock_at_all_is_low() {
        let a = alerts(&stock(vec![]));
        assert_eq!(a.len(), 1);
        assert!(matches!(
            a[0],
            Alert::LowStock {
                usable: 0,
                suggested_quantity: 100,
                ..
            }
        ));
    }

    #[test]
    fn expiring_and_expired_stock_is_reported_per_location() {
        let s = stock(vec![
            line(1, "main", Some(d(3, 20)), 60), // expires within 30 days
            line(2, "main", Some(d(4, 1)), 10),  // 1 April = 2 March + 30 days: included
            line(3, "main", Some(d(4, 2)), 10),  // one day later: not
            line(4, "ward-3", Some(d(3, 1)), 7), // expired yesterday, still on hand
            line(5, "ward-3", Some(d(2, 1)), 0), // expired but none left: nothing to say
        ]);
        let a = alerts(&s);
        assert_eq!(
            a,
            [
                Alert::ExpiringSoon {
                    drug: drug(),
                    location: loc("main"),
                    batches: vec![b(1), b(2)],
                    quantity: 70,
                    earliest_expiry: d(3, 20)
                },
                Alert::Expired {
                    drug: drug(),
                    location: loc("ward-3"),
                    batches: vec![b(4)],
                    quantity: 7
                },
            ]
        );
    }

    #[test]
    fn an_alert_is_published_once_per_crossing() {
        let low = |usable| Alert::LowStock {
            drug: drug(),
            location: loc("main"),
            usable,
            on_order: 0,
            reorder_level: 50,
            suggested_quantity: 100,
        };
        let mut raised = BTreeSet::new();
        // Crossing down: raised once.
        let c = crossings(&raised, &[low(40)], |_| true);
        assert_eq!(c.raised, [low(40)]);
        raised.extend(c.raised.iter().map(Alert::key));
        // Still low (and lower): nothing new.
        assert_eq!(crossings(&raised, &[low(30)], |_| true), AlertChanges::default());
        // Restocked: cleared.
        let c = crossings(&raised, &[], |_| true);
        assert_eq!(c.cleared, [low(0).key()]);
        // Out of scope: neither raised nor cleared.
        assert_eq!(
            crossings(&raised, &[], |k| k.location != loc("main")),
            AlertChanges::default()
        );
    }
}
