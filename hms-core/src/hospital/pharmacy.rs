//! Pharmacy use cases of the facade: the drug catalog, stock orders and goods receipts, recalls,
//! transfers, adjustments and write-offs, prescriptions, dispensing (against a prescription or over
//! the counter), returns, reservations, stock alerts and valuation.
//!
//! Every use case that moves stock appends movements to the ledger (the store refuses one that would
//! take a balance below zero, whatever was checked before), writes its events in the same transaction,
//! and re-evaluates the alerts of the drugs it touched, publishing only those that cross.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Effects, Hospital};
use crate::access::{AccessError, Action, ResourceKind};
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::events::DomainEvent;
use crate::ids::{
    AccountId, BatchId, DispenseId, DrugId, MovementId, PatientId, PrescriptionId, ReservationId,
    StockOrderId, TransferId,
};
use crate::money::Money;
use crate::people::{self, PeopleError, UserAccount};
use crate::pharmacy::alerts::{self, AlertChanges, DrugStock, StockLine};
use crate::pharmacy::batch::validate_receipt;
use crate::pharmacy::catalog::validate_drug;
use crate::pharmacy::dispense::{self, line_amount, line_progress};
use crate::pharmacy::fefo::{self, Candidate, Pick};
use crate::pharmacy::prescription::{plan_fill, validate_prescription};
use crate::pharmacy::reservation::{self, held_by_batch};
use crate::pharmacy::valuation::{self, Layer, StockValuation};
use crate::pharmacy::{
    needed_through, Alert, Batch, ChargeLine, Dispense, DispenseLine, Drug, DrugDetails, GoodsReceipt,
    LedgerEntry, Location, Movement, MovementKind, NewPrescription, PharmacyError, Prescription, Recall,
    Reservation, ReservationStatus, StockBalance, StockOrder, WriteOffReason,
};
use crate::store::{Reads, Store, Writes};

/// The longest a reservation may hold stock, in minutes (a week).
const MAX_RESERVATION_MINUTES: u32 = 7 * 24 * 60;

/// One prescription line to hand out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispenseLineRequest {
    /// The prescription line's position (from 0).
    pub line: usize,
    /// Units to hand out now (all or part of what is left in the current fill).
    pub quantity: u32,
    /// A batch chosen by hand (the box the pharmacist holds); otherwise first-expiry-first-out.
    #[serde(default)]
    pub batch: Option<BatchId>,
}

/// A request to dispense against a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispenseRequest {
    /// The prescription.
    pub prescription: PrescriptionId,
    /// Where the medicine is handed out from.
    pub location: Location,
    /// The lines to hand out.
    pub lines: Vec<DispenseLineRequest>,
    /// A reservation to use (its units are available to this dispense; it is fulfilled by it).
    #[serde(default)]
    pub reservation: Option<ReservationId>,
}

/// One drug sold over the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSaleLine {
    /// The drug (one that needs no prescription).
    pub drug: DrugId,
    /// Units.
    pub quantity: u32,
    /// A batch chosen by hand; otherwise first-expiry-first-out.
    #[serde(default)]
    pub batch: Option<BatchId>,
}

/// A sale without a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSale {
    /// The registered patient buying, if any (none for an anonymous customer).
    #[serde(default)]
    pub patient: Option<PatientId>,
    /// Where.
    pub location: Location,
    /// What.
    pub lines: Vec<CounterSaleLine>,
}

/// Units of one dispense line given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    /// The dispense line's position (from 0).
    pub line: usize,
    /// Units given back.
    pub quantity: u32,
}

/// Medicine given back to the pharmacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// The dispense that handed it out.
    pub dispense: DispenseId,
    /// What comes back.
    pub lines: Vec<ReturnLine>,
    /// Why (wrong drug, patient discharged, …).
    pub reason: String,
}

/// Stock moved from one location to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    /// The batch.
    pub batch: BatchId,
    /// From where.
    pub from: Location,
    /// To where.
    pub to: Location,
    /// Units.
    pub quantity: u32,
}

/// Stock to hold for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRequest {
    /// For whom.
    pub patient: PatientId,
    /// The drug.
    pub drug: DrugId,
    /// Where the stock is held.
    pub location: Location,
    /// Units.
    pub quantity: u32,
    /// The prescription it is for; the batches must then last the prescribed course.
    #[serde(default)]
    pub prescription: Option<PrescriptionId>,
    /// How long to hold it, in minutes (the hospital's default otherwise; at most a week).
    #[serde(default)]
    pub minutes: Option<u32>,
}

/// Stock to order from a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockOrderRequest {
    /// The drug.
    pub drug: DrugId,
    /// Where it is to go.
    pub location: Location,
    /// Units.
    pub quantity: u32,
}

/// One drug's worth of a dispense, decided before stock is taken.
struct Want {
    drug: DrugId,
    quantity: u32,
    batch: Option<BatchId>,
    needed_through: NaiveDate,
    rx_line: Option<usize>,
    fill: u32,
    field: String,
}

/// A drug's batches and what each has available at one location for one request.
struct DrugView {
    batches: HashMap<BatchId, Batch>,
    available: HashMap<BatchId, u32>,
}

impl DrugView {
    /// Loads `drug`'s batches and what they have available at `location`: on hand less what active
    /// reservations other than `own` hold.
    fn load(
        tx: &dyn Reads,
        drug: DrugId,
        location: &Location,
        now: DateTime<Utc>,
        own: Option<ReservationId>,
    ) -> Result<DrugView> {
        let batches: HashMap<BatchId, Batch> =
            tx.batches(Some(drug))?.into_iter().map(|b| (b.id, b)).collect();
        let held = held_by_batch(&tx.active_reservations(drug)?, location, now, own);
        let available = tx
            .stock_balances(Some(drug))?
            .into_iter()
            .filter(|s| &s.location == location)
            .map(|s| {
                let h = held.get(&s.batch).copied().unwrap_or(0);
                (s.batch, s.on_hand.saturating_sub(h))
            })
            .collect();
        Ok(DrugView { batches, available })
    }

    /// Plans one want and takes its units out of what is available to the rest of the request.
    fn take(&mut self, w: &Want, location: &Location, today: NaiveDate) -> Result<Vec<Pick>> {
        let picks = match w.batch {
            Some(id) => {
                let b = self.batches.get(&id).ok_or_else(|| {
                    ValidationError::single(
                        format!("{}.batch", w.field),
                        FieldCode::Inconsistent,
                        format!("batch `{id}` is not a batch of drug `{}`", w.drug),
                    )
                })?;
                if let Some(problem) = b.problem(today, w.needed_through) {
                    return Err(PharmacyError::BatchUnusable { batch: id, problem }.into());
                }
                let available = self.available.get(&id).copied().unwrap_or(0);
                if available < w.quantity {
                    return Err(PharmacyError::InsufficientStock {
                        drug: w.drug,
                        batch: Some(id),
                        location: location.clone(),
                        requested: w.quantity,
                        available,
                    }
                    .into());
                }
                vec![Pick {
                    batch: id,
                    quantity: w.quantity,
                }]
            }
            None => {
                let candidates: Vec<Candidate> = self
                    .batches
                    .values()
                    .map(|b| Candidate::of(b, self.available.get(&b.id).copied().unwrap_or(0)))
                    .collect();
                fefo::allocate(&candidates, w.quantity, today, w.needed_through).map_err(|s| {
                    PharmacyError::InsufficientStock {
                        drug: w.drug,
                        batch: None,
                        location: location.clone(),
                        requested: s.requested,
                        available: s.available,
                    }
                })?
            }
        };
        for p in &picks {
            if let Some(a) = self.available.get_mut(&p.batch) {
                *a = a.saturating_sub(p.quantity);
            }
        }
        Ok(picks)
    }
}

fn required(field: &str, value: &str) -> Result<String> {
    let v = people::fold_spaces(value);
    if v.is_empty() {
        return Err(
            ValidationError::single(field, FieldCode::Required, format!("the {field} is required")).into(),
        );
    }
    if v.chars().count() > 500 {
        return Err(ValidationError::single(
            field,
            FieldCode::TooLong,
            format!("the {field} is longer than 500 characters"),
        )
        .into());
    }
    Ok(v)
}

fn at_least_one(field: &str, quantity: u32) -> Result<()> {
    if quantity == 0 {
        return Err(ValidationError::single(field, FieldCode::OutOfRange, "at least one unit").into());
    }
    Ok(())
}

fn require_drug(tx: &dyn Reads, id: DrugId) -> Result<Drug> {
    tx.drug(id)?.ok_or_else(|| Error::not_found("drug", id))
}

fn require_batch(tx: &dyn Reads, id: BatchId) -> Result<Batch> {
    tx.batch(id)?.ok_or_else(|| Error::not_found("batch", id))
}

fn require_active_patient(tx: &dyn Reads, id: PatientId) -> Result<()> {
    let p = tx.patient(id)?.ok_or_else(|| Error::not_found("patient", id))?;
    if !p.is_active() {
        return Err(PeopleError::Inactive {
            entity: "patient",
            key: id.to_string(),
        }
        .into());
    }
    Ok(())
}

/// Units of `batch` on hand at `location`.
fn on_hand(tx: &dyn Reads, batch: &Batch, location: &Location) -> Result<u32> {
    Ok(tx
        .stock_balances(Some(batch.drug))?
        .into_iter()
        .find(|s| s.batch == batch.id && &s.location == location)
        .map_or(0, |s| s.on_hand))
}

/// What alerts need to know about one drug.
fn drug_stock(drug: &Drug, batches: &[Batch], balances: &[StockBalance], orders: &[StockOrder]) -> DrugStock {
    let by_id: HashMap<BatchId, &Batch> = batches.iter().map(|b| (b.id, b)).collect();
    let mut on_order: BTreeMap<Location, u32> = BTreeMap::new();
    for o in orders.iter().filter(|o| o.is_open()) {
        let q = on_order.entry(o.location.clone()).or_default();
        *q = q.saturating_add(o.quantity);
    }
    DrugStock {
        drug: drug.id,
        pack_size: drug.details.pack_size,
        reorder: drug.details.reorder.clone(),
        lines: balances
            .iter()
            .filter_map(|s| {
                let b = by_id.get(&s.batch)?;
                Some(StockLine {
                    batch: s.batch,
                    location: s.location.clone(),
                    expiry: b.expiry,
                    recalled: b.is_recalled(),
                    on_hand: s.on_hand,
                })
            })
            .collect(),
        on_order,
    }
}

/// Everything alerts need to know about every drug, in catalog order.
fn pharmacy_stock(tx: &dyn Reads) -> Result<Vec<DrugStock>> {
    let mut batches: HashMap<DrugId, Vec<Batch>> = HashMap::new();
    for b in tx.batches(None)? {
        batches.entry(b.drug).or_default().push(b);
    }
    let mut balances: HashMap<DrugId, Vec<StockBalance>> = HashMap::new();
    for s in tx.stock_balances(None)? {
        balances.entry(s.drug).or_default().push(s);
    }
    let mut orders: HashMap<DrugId, Vec<StockOrder>> = HashMap::new();
    for o in tx.open_stock_orders(None)? {
        orders.entry(o.drug).or_default().push(o);
    }
    Ok(tx
        .drugs()?
        .iter()
        .map(|d| {
            drug_stock(
                d,
                batches.get(&d.id).map_or(&[], Vec::as_slice),
                balances.get(&d.id).map_or(&[], Vec::as_slice),
                orders.get(&d.id).map_or(&[], Vec::as_slice),
            )
        })
        .collect())
}

fn alert_event(a: Alert) -> DomainEvent {
    match a {
        Alert::LowStock {
            drug,
            location,
            usable,
            on_order,
            reorder_level,
            suggested_quantity,
        } => DomainEvent::StockLow {
            drug,
            location,
            usable,
            on_order,
            reorder_level,
            suggested_quantity,
        },
        Alert::ExpiringSoon {
            drug,
            location,
            batches,
            quantity,
            earliest_expiry,
        } => DomainEvent::StockExpiring {
            drug,
            location,
            batches,
            quantity,
            earliest_expiry,
        },
        Alert::Expired {
            drug,
            location,
            batches,
            quantity,
        } => DomainEvent::StockExpired {
            drug,
            location,
            batches,
            quantity,
        },
    }
}

/// Remembers which alerts are raised and publishes the crossings.
fn apply_alert_changes(tx: &mut dyn Writes, fx: &mut Effects, changes: &AlertChanges) -> Result<()> {
    for a in &changes.raised {
        tx.set_alert_raised(&a.key(), true)?;
        fx.events.push(alert_event(a.clone()));
    }
    for k in &changes.cleared {
        tx.set_alert_raised(k, false)?;
        fx.events.push(DomainEvent::StockAlertCleared {
            drug: k.drug,
            location: k.location.clone(),
            kind: k.kind,
        });
    }
    Ok(())
}

fn forbidden(
    account: &UserAccount,
    action: Action,
    resource: ResourceKind,
    rule: &str,
    reason: &str,
) -> Error {
    AccessError::Forbidden {
        account: account.id,
        action,
        resource,
        rule: rule.into(),
        reason: reason.into(),
    }
    .into()
}

impl<S: Store> Hospital<S> {
    /// The hospital's calendar date at instant `at`.
    fn date_at(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.settings.zone).date_naive()
    }

    /// Re-evaluates every alert of `drugs` and publishes those that crossed.
    fn refresh_alerts(&self, tx: &mut dyn Writes, fx: &mut Effects, drugs: &BTreeSet<DrugId>) -> Result<()> {
        let today = self.date_at(fx.now);
        let mut current = Vec::new();
        for id in drugs {
            let Some(drug) = tx.drug(*id)? else {
                continue;
            };
            let stock = drug_stock(
                &drug,
                &tx.batches(Some(*id))?,
                &tx.stock_balances(Some(*id))?,
                &tx.open_stock_orders(Some(*id))?,
            );
            alerts::drug_alerts(
                &stock,
                today,
                self.settings.pharmacy.expiry_warning_days,
                &mut current,
            );
        }
        let raised: BTreeSet<_> = tx
            .raised_alerts()?
            .into_iter()
            .filter(|k| drugs.contains(&k.drug))
            .collect();
        let changes = alerts::crossings(&raised, &current, |k| drugs.contains(&k.drug));
        apply_alert_changes(tx, fx, &changes)
    }

    /// Appends one movement made by the current use case.
    fn record_movement(
        &self,
        tx: &mut dyn Writes,
        fx: &Effects,
        batch: &Batch,
        location: &Location,
        quantity: i64,
        kind: MovementKind,
    ) -> Result<LedgerEntry> {
        let movement = Movement {
            id: MovementId::from_uuid(self.new_uuid()),
            drug: batch.drug,
            batch: batch.id,
            location: location.clone(),
            quantity,
            kind,
            at: fx.now,
            actor: fx.actor,
        };
        let seq = tx.append_movement(&movement)?;
        Ok(LedgerEntry { seq, movement })
    }

    // --- catalog ---

    /// Adds a drug to the catalog.
    ///
    /// # Errors
    /// `forbidden` unless a pharmacist asks; `invalid_input` listing every bad field.
    pub fn add_drug(&self, actor: AccountId, details: DrugDetails) -> Result<Drug> {
        let id = DrugId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::DrugCatalog, None)?;
            let drug = Drug {
                id,
                details: validate_drug(&details)?,
                added_at: fx.now,
                version: 1,
            };
            tx.insert_drug(&drug)?;
            fx.events.push(DomainEvent::DrugAdded {
                drug: id,
                name: drug.display_name(),
            });
            self.refresh_alerts(tx, fx, &[id].into())?;
            Ok(drug)
        })
    }

    /// Replaces a catalog entry (names, flags, reorder rules); low-stock alerts follow the new rules.
    ///
    /// # Errors
    /// `forbidden` unless a pharmacist asks; `not_found`; `invalid_input` listing every bad field.
    pub fn update_drug(&self, actor: AccountId, id: DrugId, details: DrugDetails) -> Result<Drug> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::DrugCatalog, None)?;
            let current = require_drug(tx, id)?;
            let drug = Drug {
                details: validate_drug(&details)?,
                version: current.version + 1,
                ..current
            };
            tx.update_drug(&drug)?;
            fx.events.push(DomainEvent::DrugUpdated {
                drug: id,
                version: drug.version,
            });
            self.refresh_alerts(tx, fx, &[id].into())?;
            Ok(drug)
        })
    }

    /// The drug catalog, ordered by id.
    ///
    /// # Errors
    /// `forbidden` for patients.
    pub fn drugs(&self, actor: AccountId) -> Result<Vec<Drug>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::DrugCatalog, None)?;
            tx.drugs()
        })
    }

    // --- stock in and out of the books ---

    /// Orders stock from a supplier; it counts as on order (for low-stock alerts) until received.
    ///
    /// # Errors
    /// `forbidden` unless a pharmacist asks; `not_found` for an unknown drug;
    /// `invalid_input` for a quantity of zero.
    pub fn order_stock(&self, actor: AccountId, request: &StockOrderRequest) -> Result<StockOrder> {
        let id = StockOrderId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Stock, None)?;
            require_drug(tx, request.drug)?;
            at_least_one("quantity", request.quantity)?;
            let order = StockOrder {
                id,
                drug: request.drug,
                location: request.location.clone(),
                quantity: request.quantity,
                ordered_at: fx.now,
                received_at: None,
            };
            tx.insert_stock_order(&order)?;
            fx.events.push(DomainEvent::StockOrdered {
                order: id,
                drug: order.drug,
                location: order.location.clone(),
                quantity: order.quantity,
            });
            self.refresh_alerts(tx, fx, &[request.drug].into())?;
            Ok(order)
        })
    }

    /// Receives a delivery (a goods receipt): creates the batch and its receipt movement, and closes
    /// the order it answers.
    ///
    /// # Errors
    /// `forbidden`; `not_found` for an unknown drug or an order that is not open for this drug;
    /// `invalid_input` listing every bad field (already expired, wrong currency, …); `duplicate`
    /// when the drug already has a batch with this number.
    pub fn receive_stock(&self, actor: AccountId, receipt: &GoodsReceipt) -> Result<Batch> {
        let id = BatchId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Stock, None)?;
            require_drug(tx, receipt.drug)?;
            let r = validate_receipt(receipt, self.settings.currency, self.date_at(fx.now))?;
            if let Some(existing) = tx
                .batches(Some(r.drug))?
                .into_iter()
                .find(|b| b.batch_number == r.batch_number)
            {
                return Err(PharmacyError::DuplicateBatch {
                    drug: r.drug,
                    batch_number: r.batch_number.clone(),
                    existing: existing.id,
                }
                .into());
            }
            if let Some(order_id) = r.order {
                let order = tx
                    .open_stock_orders(Some(r.drug))?
                    .into_iter()
                    .find(|o| o.id == order_id)
                    .ok_or_else(|| Error::not_found("open stock order", order_id))?;
                tx.update_stock_order(&StockOrder {
                    received_at: Some(fx.now),
                    ..order
                })?;
            }
            let batch = Batch {
                id,
                drug: r.drug,
                batch_number: r.batch_number,
                supplier: r.supplier,
                expiry: r.expiry,
                received_at: fx.now,
                received_quantity: r.quantity,
                unit_cost: r.unit_cost,
                sale_price: r.sale_price,
                received_at_location: r.location.clone(),
                order: r.order,
                recall: None,
            };
            tx.insert_batch(&batch)?;
            self.record_movement(
                tx,
                fx,
                &batch,
                &r.location,
                i64::from(r.quantity),
                MovementKind::Receipt,
            )?;
            fx.events.push(DomainEvent::StockReceived {
                batch: id,
                drug: batch.drug,
                location: r.location,
                quantity: r.quantity,
            });
            self.refresh_alerts(tx, fx, &[batch.drug].into())?;
            Ok(batch)
        })
    }

    /// Recalls a batch: from now on none of it can be dispensed, reserved or sold, wherever it is.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input` for a blank reason; `invalid_transition` when the
    /// batch is already recalled.
    pub fn recall_batch(&self, actor: AccountId, batch: BatchId, reason: &str) -> Result<Batch> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::Stock, None)?;
            let b = require_batch(tx, batch)?;
            let reason = required("reason", reason)?;
            if b.is_recalled() {
                return Err(PharmacyError::AlreadyRecalled { batch }.into());
            }
            let recalled = Batch {
                recall: Some(Recall {
                    at: fx.now,
                    reason: reason.clone(),
                }),
                ..b
            };
            tx.update_batch(&recalled)?;
            fx.events.push(DomainEvent::BatchRecalled {
                batch,
                drug: recalled.drug,
                reason,
            });
            self.refresh_alerts(tx, fx, &[recalled.drug].into())?;
            Ok(recalled)
        })
    }

    /// Moves stock of a batch from one location to another (two movements, one transfer).
    /// Stock reserved at the source cannot be moved.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input` for the same location twice or a quantity of zero;
    /// `insufficient_stock` naming what can be moved.
    pub fn transfer_stock(&self, actor: AccountId, request: &TransferRequest) -> Result<Vec<LedgerEntry>> {
        let transfer = TransferId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::Stock, None)?;
            let b = require_batch(tx, request.batch)?;
            at_least_one("quantity", request.quantity)?;
            if request.from == request.to {
                return Err(ValidationError::single(
                    "to",
                    FieldCode::Inconsistent,
                    format!("the stock is already at `{}`", request.to),
                )
                .into());
            }
            let held = held_by_batch(&tx.active_reservations(b.drug)?, &request.from, fx.now, None);
            let available =
                on_hand(tx, &b, &request.from)?.saturating_sub(held.get(&b.id).copied().unwrap_or(0));
            if request.quantity > available {
                return Err(PharmacyError::InsufficientStock {
                    drug: b.drug,
                    batch: Some(b.id),
                    location: request.from.clone(),
                    requested: request.quantity,
                    available,
                }
                .into());
            }
            let q = i64::from(request.quantity);
            let out = self.record_movement(
                tx,
                fx,
                &b,
                &request.from,
                -q,
                MovementKind::TransferOut {
                    transfer,
                    to: request.to.clone(),
                },
            )?;
            let into = self.record_movement(
                tx,
                fx,
                &b,
                &request.to,
                q,
                MovementKind::TransferIn {
                    transfer,
                    from: request.from.clone(),
                },
            )?;
            fx.events.push(DomainEvent::StockTransferred {
                transfer,
                batch: b.id,
                from: request.from.clone(),
                to: request.to.clone(),
                quantity: request.quantity,
            });
            self.refresh_alerts(tx, fx, &[b.drug].into())?;
            Ok(vec![out, into])
        })
    }

    /// Corrects stock after a count: `quantity` units up (positive) or down (negative), with a reason.
    /// A count is the physical truth, so it may leave less than reservations hold.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input` for zero or a blank reason; `insufficient_stock`
    /// when it would take the balance below zero.
    pub fn adjust_stock(
        &self,
        actor: AccountId,
        batch: BatchId,
        location: &Location,
        quantity: i64,
        reason: &str,
    ) -> Result<LedgerEntry> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::Stock, None)?;
            let b = require_batch(tx, batch)?;
            let reason = required("reason", reason)?;
            let entry = self.record_movement(
                tx,
                fx,
                &b,
                location,
                quantity,
                MovementKind::Adjustment {
                    reason: reason.clone(),
                },
            )?;
            fx.events.push(DomainEvent::StockAdjusted {
                batch,
                location: location.clone(),
                quantity,
                reason,
            });
            self.refresh_alerts(tx, fx, &[b.drug].into())?;
            Ok(entry)
        })
    }

    /// Writes stock off: `quantity` units, or everything on hand at the location when `None`. Stock
    /// written off as expired must be expired, and as recalled must be recalled.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input` when there is nothing to write off or the reason
    /// does not fit the batch; `insufficient_stock` for more than is on hand.
    pub fn write_off_stock(
        &self,
        actor: AccountId,
        batch: BatchId,
        location: &Location,
        quantity: Option<u32>,
        reason: WriteOffReason,
    ) -> Result<LedgerEntry> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::Stock, None)?;
            let b = require_batch(tx, batch)?;
            let today = self.date_at(fx.now);
            let fits = match reason {
                WriteOffReason::Expired => b.is_expired_on(today),
                WriteOffReason::Recalled => b.is_recalled(),
                WriteOffReason::Damaged => true,
            };
            if !fits {
                return Err(ValidationError::single(
                    "reason",
                    FieldCode::Inconsistent,
                    format!("batch `{batch}` is not {}", reason.as_str()),
                )
                .into());
            }
            let q = match quantity {
                Some(q) => q,
                None => on_hand(tx, &b, location)?,
            };
            if q == 0 {
                return Err(ValidationError::single(
                    "quantity",
                    FieldCode::OutOfRange,
                    format!("there is nothing of batch `{batch}` to write off at `{location}`"),
                )
                .into());
            }
            let entry = self.record_movement(
                tx,
                fx,
                &b,
                location,
                -i64::from(q),
                MovementKind::WriteOff { reason },
            )?;
            fx.events.push(DomainEvent::StockWrittenOff {
                batch,
                location: location.clone(),
                quantity: q,
                reason,
            });
            self.refresh_alerts(tx, fx, &[b.drug].into())?;
            Ok(entry)
        })
    }

    /// What each batch of a drug has on hand, per location.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn stock_on_hand(&self, actor: AccountId, drug: DrugId) -> Result<Vec<StockBalance>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Stock, None)?;
            require_drug(tx, drug)?;
            tx.stock_balances(Some(drug))
        })
    }

    /// A batch's stock card: its ledger entries in order.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn stock_card(&self, actor: AccountId, batch: BatchId) -> Result<Vec<LedgerEntry>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Stock, None)?;
            require_batch(tx, batch)?;
            tx.movements_of_batch(batch)
        })
    }

    // --- prescriptions and dispensing ---

    /// A doctor writes a prescription for a patient; the prescriber is the doctor signed in.
    ///
    /// # Errors
    /// `forbidden` unless the account belongs to an active doctor in a care relationship with the
    /// patient (care team, appointment, …); `not_found` for an unknown patient or drug; `inactive` for
    /// a deactivated patient; `invalid_input` listing every bad field.
    pub fn write_prescription(&self, actor: AccountId, request: &NewPrescription) -> Result<Prescription> {
        let id = PrescriptionId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(
                tx,
                fx,
                Action::Create,
                ResourceKind::Prescription,
                Some(request.patient),
            )?;
            let doctor = account
                .staff_id()
                .map(|s| tx.staff(s))
                .transpose()?
                .flatten()
                .filter(|s| s.active && s.doctor().is_some())
                .ok_or_else(|| {
                    forbidden(
                        &account,
                        Action::Create,
                        ResourceKind::Prescription,
                        "prescriber-is-doctor",
                        "only an active doctor's own account can write a prescription",
                    )
                })?;
            require_active_patient(tx, request.patient)?;
            let valid = validate_prescription(request)?;
            for l in &valid.lines {
                require_drug(tx, l.drug)?;
            }
            let rx = Prescription {
                id,
                patient: valid.patient,
                prescriber: doctor.id,
                written_at: fx.now,
                lines: valid.lines,
                note: valid.note,
            };
            tx.insert_prescription(&rx)?;
            fx.events.push(DomainEvent::PrescriptionWritten {
                prescription: id,
                patient: rx.patient,
                prescriber: rx.prescriber,
            });
            Ok(rx)
        })
    }

    /// A prescription.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn prescription(&self, actor: AccountId, id: PrescriptionId) -> Result<Prescription> {
        self.run(Some(actor), |tx, fx| {
            let rx = tx
                .prescription(id)?
                .ok_or_else(|| Error::not_found("prescription", id))?;
            self.authorize(tx, fx, Action::Read, ResourceKind::Prescription, Some(rx.patient))?;
            Ok(rx)
        })
    }

    /// The dispenses of a prescription, oldest first.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn prescription_dispenses(&self, actor: AccountId, id: PrescriptionId) -> Result<Vec<Dispense>> {
        self.run(Some(actor), |tx, fx| {
            let rx = tx
                .prescription(id)?
                .ok_or_else(|| Error::not_found("prescription", id))?;
            self.authorize(tx, fx, Action::Read, ResourceKind::Prescription, Some(rx.patient))?;
            tx.dispenses_of_prescription(id)
        })
    }

    /// Hands out prescription lines, fully or partly: each line goes to its current fill (never
    /// beyond it, never beyond the refills), its units come first-expiry-first-out from batches that
    /// last the course (or from the batch chosen by hand), and each batch's units are priced at its
    /// sale price. Emits `stock.dispensed` with the priced lines for billing.
    ///
    /// # Errors
    /// `forbidden` unless a pharmacist asks; `not_found`; `inactive` for a deactivated
    /// patient; `invalid_input` for an unknown line, a line asked twice, a quantity of zero or a
    /// reservation for something else; `exceeds_prescription`; `refills_exhausted`;
    /// `insufficient_stock` naming what is available; `batch_unusable` for an expired, recalled or
    /// short-dated batch chosen by hand; `reservation_expired`; `invalid_transition` for a used or
    /// released reservation. Nothing is written on any error.
    pub fn dispense_prescription(&self, actor: AccountId, request: &DispenseRequest) -> Result<Dispense> {
        let id = DispenseId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let rx = tx
                .prescription(request.prescription)?
                .ok_or_else(|| Error::not_found("prescription", request.prescription))?;
            let account = self.authorize(
                tx,
                fx,
                Action::Dispense,
                ResourceKind::Prescription,
                Some(rx.patient),
            )?;
            require_active_patient(tx, rx.patient)?;
            if request.lines.is_empty() {
                return Err(
                    ValidationError::single("lines", FieldCode::Required, "name at least one line").into(),
                );
            }
            // A used, released or lapsed reservation is refused before anything else is planned.
            let reservation = match request.reservation {
                Some(rid) => {
                    let r = tx
                        .reservation(rid)?
                        .ok_or_else(|| Error::not_found("reservation", rid))?;
                    reservation::check_usable(&r, fx.now)?;
                    Some(r)
                }
                None => None,
            };
            let today = self.date_at(fx.now);
            let progress = line_progress(&rx, &tx.dispenses_of_prescription(rx.id)?);
            let mut wants = Vec::with_capacity(request.lines.len());
            for (i, l) in request.lines.iter().enumerate() {
                let field = format!("lines[{i}]");
                let (Some(line), Some(done)) = (rx.lines.get(l.line), progress.get(l.line)) else {
                    return Err(ValidationError::single(
                        format!("{field}.line"),
                        FieldCode::OutOfRange,
                        format!("prescription `{}` has no line {}", rx.id, l.line),
                    )
                    .into());
                };
                if request.lines.iter().take(i).any(|o| o.line == l.line) {
                    return Err(ValidationError::single(
                        format!("{field}.line"),
                        FieldCode::Inconsistent,
                        format!("line {} is asked for twice", l.line),
                    )
                    .into());
                }
                at_least_one(&format!("{field}.quantity"), l.quantity)?;
                let fill = plan_fill(rx.id, l.line, line, done, l.quantity)?;
                wants.push(Want {
                    drug: line.drug,
                    quantity: l.quantity,
                    batch: l.batch,
                    needed_through: needed_through(
                        today,
                        line.duration_days,
                        self.settings.pharmacy.min_shelf_life_days,
                    ),
                    rx_line: Some(l.line),
                    fill,
                    field,
                });
            }
            if let Some(r) = &reservation {
                if r.patient != rx.patient
                    || r.location != request.location
                    || !wants.iter().any(|w| w.drug == r.drug)
                {
                    return Err(ValidationError::single(
                        "reservation",
                        FieldCode::Inconsistent,
                        format!(
                            "reservation `{}` holds other stock (another patient, drug or location)",
                            r.id
                        ),
                    )
                    .into());
                }
            }
            self.hand_out(
                tx,
                fx,
                id,
                account.id,
                (Some(rx.id), Some(rx.patient)),
                &request.location,
                &wants,
                reservation.as_ref(),
            )
        })
    }

    /// Sells drugs that need no prescription, first-expiry-first-out.
    ///
    /// # Errors
    /// `forbidden` unless a pharmacist asks; `not_found`; `inactive` for a deactivated
    /// patient; `prescription_required` for a prescription-only drug; `invalid_input` for no lines or
    /// a quantity of zero; `insufficient_stock`; `batch_unusable` for a chosen batch that cannot be
    /// sold. Nothing is written on any error.
    pub fn sell_over_the_counter(&self, actor: AccountId, sale: &CounterSale) -> Result<Dispense> {
        let id = DispenseId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let account = self.authorize(tx, fx, Action::Dispense, ResourceKind::Stock, sale.patient)?;
            if let Some(p) = sale.patient {
                require_active_patient(tx, p)?;
            }
            if sale.lines.is_empty() {
                return Err(
                    ValidationError::single("lines", FieldCode::Required, "name at least one drug").into(),
                );
            }
            let today = self.date_at(fx.now);
            let mut wants = Vec::with_capacity(sale.lines.len());
            for (i, l) in sale.lines.iter().enumerate() {
                let drug = require_drug(tx, l.drug)?;
                if drug.details.prescription_only {
                    return Err(PharmacyError::PrescriptionRequired { drug: drug.id }.into());
                }
                at_least_one(&format!("lines[{i}].quantity"), l.quantity)?;
                wants.push(Want {
                    drug: l.drug,
                    quantity: l.quantity,
                    batch: l.batch,
                    needed_through: needed_through(today, 1, self.settings.pharmacy.min_shelf_life_days),
                    rx_line: None,
                    fill: 0,
                    field: format!("lines[{i}]"),
                });
            }
            self.hand_out(
                tx,
                fx,
                id,
                account.id,
                (None, sale.patient),
                &sale.location,
                &wants,
                None,
            )
        })
    }

    /// Takes stock out for a dispense: plans every want against one view per drug (so lines of one
    /// request never count the same units twice), appends the movements, records the priced
    /// dispense, fulfils the reservation and publishes `stock.dispensed`.
    #[allow(clippy::too_many_arguments)]
    fn hand_out(
        &self,
        tx: &mut dyn Writes,
        fx: &mut Effects,
        id: DispenseId,
        by: AccountId,
        (prescription, patient): (Option<PrescriptionId>, Option<PatientId>),
        location: &Location,
        wants: &[Want],
        reservation: Option<&Reservation>,
    ) -> Result<Dispense> {
        let today = self.date_at(fx.now);
        let mut views: HashMap<DrugId, DrugView> = HashMap::new();
        let mut planned: Vec<(&Want, Pick, Batch)> = Vec::new();
        for w in wants {
            let view = match views.entry(w.drug) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(DrugView::load(
                    tx,
                    w.drug,
                    location,
                    fx.now,
                    reservation.map(|r| r.id),
                )?),
            };
            for p in view.take(w, location, today)? {
                let batch = view
                    .batches
                    .get(&p.batch)
                    .cloned()
                    .ok_or_else(|| Error::not_found("batch", p.batch))?;
                planned.push((w, p, batch));
            }
        }
        let mut lines = Vec::with_capacity(planned.len());
        for (w, p, batch) in &planned {
            self.record_movement(
                tx,
                fx,
                batch,
                location,
                -i64::from(p.quantity),
                MovementKind::Dispense { dispense: id },
            )?;
            lines.push(DispenseLine {
                prescription_line: w.rx_line,
                fill: w.fill,
                drug: w.drug,
                batch: p.batch,
                quantity: p.quantity,
                returned: 0,
                unit_price: batch.sale_price,
                amount: line_amount(p.quantity, batch.sale_price),
            });
        }
        let total = Money::sum(self.settings.currency, lines.iter().map(|l| l.amount))?;
        let d = Dispense {
            id,
            prescription,
            patient,
            location: location.clone(),
            lines,
            total,
            dispensed_at: fx.now,
            dispensed_by: by,
            reservation: reservation.map(|r| r.id),
        };
        tx.insert_dispense(&d)?;
        if let Some(r) = reservation {
            tx.update_reservation(&reservation::close(r, ReservationStatus::Fulfilled)?)?;
        }
        fx.events.push(DomainEvent::StockDispensed {
            dispense: id,
            patient,
            prescription,
            lines: d.charges(),
            amount: d.total,
        });
        let drugs: BTreeSet<DrugId> = wants.iter().map(|w| w.drug).collect();
        self.refresh_alerts(tx, fx, &drugs)?;
        Ok(d)
    }

    /// Takes dispensed medicine back into the batches it came from (at the location it was handed
    /// out), credited at the price it was sold for; a returned prescription quantity can be
    /// dispensed again. Emits `stock.returned` with the priced lines.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input` for no lines, an unknown line, zero units or a blank
    /// reason; `exceeds_dispensed` naming what can still be returned.
    pub fn return_dispensed(&self, actor: AccountId, request: &ReturnRequest) -> Result<Dispense> {
        self.run(Some(actor), |tx, fx| {
            let d = tx
                .dispense(request.dispense)?
                .ok_or_else(|| Error::not_found("dispense", request.dispense))?;
            self.authorize(tx, fx, Action::Dispense, ResourceKind::Stock, d.patient)?;
            let reason = required("reason", &request.reason)?;
            if request.lines.is_empty() {
                return Err(
                    ValidationError::single("lines", FieldCode::Required, "name at least one line").into(),
                );
            }
            let mut updated = d.clone();
            let mut credits: Vec<ChargeLine> = Vec::new();
            for r in &request.lines {
                let line = dispense::check_return(&updated, r.line, r.quantity)?.clone();
                let batch = require_batch(tx, line.batch)?;
                self.record_movement(
                    tx,
                    fx,
                    &batch,
                    &d.location,
                    i64::from(r.quantity),
                    MovementKind::Return { dispense: d.id },
                )?;
                if let Some(l) = updated.lines.get_mut(r.line) {
                    l.returned += r.quantity;
                }
                credits.push(ChargeLine {
                    drug: line.drug,
                    batch: line.batch,
                    quantity: r.quantity,
                    unit_price: line.unit_price,
                    amount: line_amount(r.quantity, line.unit_price),
                });
            }
            tx.update_dispense(&updated)?;
            let amount = dispense::total(self.settings.currency, &credits)?;
            fx.events.push(DomainEvent::StockReturned {
                dispense: d.id,
                patient: d.patient,
                lines: credits,
                amount,
                reason,
            });
            let drugs: BTreeSet<DrugId> = d.lines.iter().map(|l| l.drug).collect();
            self.refresh_alerts(tx, fx, &drugs)?;
            Ok(updated)
        })
    }

    // --- reservations ---

    /// Holds stock for a patient (first-expiry-first-out, from batches that last the prescribed course
    /// when a prescription is named) so that no one else hands it out; the hold lapses after the given
    /// minutes.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `inactive`; `invalid_input` for zero units, a hold of more than a week
    /// or a prescription for another patient or without the drug; `insufficient_stock` naming what is
    /// available.
    pub fn reserve_stock(&self, actor: AccountId, request: &ReservationRequest) -> Result<Reservation> {
        let id = ReservationId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let account =
                self.authorize(tx, fx, Action::Create, ResourceKind::Stock, Some(request.patient))?;
            require_active_patient(tx, request.patient)?;
            require_drug(tx, request.drug)?;
            at_least_one("quantity", request.quantity)?;
            let minutes = request
                .minutes
                .unwrap_or(self.settings.pharmacy.reservation_minutes);
            if !(1..=MAX_RESERVATION_MINUTES).contains(&minutes) {
                return Err(ValidationError::single(
                    "minutes",
                    FieldCode::OutOfRange,
                    format!("a reservation holds stock for 1 to {MAX_RESERVATION_MINUTES} minutes"),
                )
                .into());
            }
            let course_days = match request.prescription {
                None => 1,
                Some(p) => {
                    let rx = tx
                        .prescription(p)?
                        .ok_or_else(|| Error::not_found("prescription", p))?;
                    rx.lines
                        .iter()
                        .find(|l| l.drug == request.drug)
                        .filter(|_| rx.patient == request.patient)
                        .ok_or_else(|| {
                            ValidationError::single(
                                "prescription",
                                FieldCode::Inconsistent,
                                format!("prescription `{p}` does not order this drug for this patient"),
                            )
                        })?
                        .duration_days
                }
            };
            let today = self.date_at(fx.now);
            let mut view = DrugView::load(tx, request.drug, &request.location, fx.now, None)?;
            let want = Want {
                drug: request.drug,
                quantity: request.quantity,
                batch: None,
                needed_through: needed_through(
                    today,
                    course_days,
                    self.settings.pharmacy.min_shelf_life_days,
                ),
                rx_line: None,
                fill: 0,
                field: String::new(),
            };
            let lines = view.take(&want, &request.location, today)?;
            let r = Reservation {
                id,
                patient: request.patient,
                prescription: request.prescription,
                drug: request.drug,
                location: request.location.clone(),
                lines,
                created_at: fx.now,
                expires_at: fx.now + Duration::minutes(i64::from(minutes)),
                status: ReservationStatus::Active,
                created_by: account.id,
            };
            tx.insert_reservation(&r)?;
            fx.events.push(DomainEvent::StockReserved {
                reservation: id,
                patient: r.patient,
                drug: r.drug,
                location: r.location.clone(),
                quantity: r.quantity(),
            });
            Ok(r)
        })
    }

    /// Gives up a reservation; its stock is free at once.
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_transition` when it was already used or released.
    pub fn release_reservation(&self, actor: AccountId, id: ReservationId) -> Result<Reservation> {
        self.run(Some(actor), |tx, fx| {
            let r = tx
                .reservation(id)?
                .ok_or_else(|| Error::not_found("reservation", id))?;
            self.authorize(tx, fx, Action::Update, ResourceKind::Stock, Some(r.patient))?;
            let released = reservation::close(&r, ReservationStatus::Released)?;
            tx.update_reservation(&released)?;
            fx.events
                .push(DomainEvent::ReservationReleased { reservation: id });
            Ok(released)
        })
    }

    // --- alerts and reports ---

    /// Every stock alert that holds today (reading publishes nothing).
    ///
    /// # Errors
    /// `forbidden`.
    pub fn stock_alerts(&self, actor: AccountId) -> Result<Vec<Alert>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Stock, None)?;
            let today = self.date_at(fx.now);
            Ok(alerts::all_alerts(
                &pharmacy_stock(tx)?,
                today,
                self.settings.pharmacy.expiry_warning_days,
            ))
        })
    }

    /// The alert sweep (a host's scheduled job, e.g. every night): re-evaluates every alert of the
    /// pharmacy for today and publishes those that crossed since the last evaluation — the ones that
    /// change with the date alone (a batch entering the warning window or expiring). Returns the
    /// changes.
    ///
    /// # Errors
    /// `storage`.
    pub fn sweep_stock_alerts(&self) -> Result<AlertChanges> {
        self.run(None, |tx, fx| {
            let today = self.date_at(fx.now);
            let current = alerts::all_alerts(
                &pharmacy_stock(tx)?,
                today,
                self.settings.pharmacy.expiry_warning_days,
            );
            let raised: BTreeSet<_> = tx.raised_alerts()?.into_iter().collect();
            let changes = alerts::crossings(&raised, &current, |_| true);
            apply_alert_changes(tx, fx, &changes)?;
            Ok(changes)
        })
    }

    /// What the stock on hand cost, first-in-first-out, per drug and in total.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn stock_valuation(&self, actor: AccountId) -> Result<StockValuation> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Stock, None)?;
            let mut layers: HashMap<DrugId, Vec<Layer>> = HashMap::new();
            for b in tx.batches(None)? {
                layers.entry(b.drug).or_default().push(Layer::of(&b));
            }
            let mut units: HashMap<DrugId, u64> = HashMap::new();
            for s in tx.stock_balances(None)? {
                *units.entry(s.drug).or_default() += u64::from(s.on_hand);
            }
            let rows: Vec<(DrugId, Vec<Layer>, u64)> = tx
                .drugs()?
                .into_iter()
                .map(|d| {
                    (
                        d.id,
                        layers.remove(&d.id).unwrap_or_default(),
                        units.get(&d.id).copied().unwrap_or(0),
                    )
                })
                .collect();
            Ok(valuation::value_stock(&rows, self.settings.currency)?)
        })
    }
}
