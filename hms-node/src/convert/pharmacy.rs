//! Pharmacy shapes: the drug catalog, batches, the stock ledger, prescriptions, dispenses,
//! reservations, stock orders, alerts and valuation.
//!
//! As in [`billing`](super::billing): results come over by [`bridge`](super::bridge) (the core's
//! serde shapes, camelCased by napi), requests are read with a [`Reader`]. Location codes are
//! strings (`main`, `ward-3`), read (trimmed, lower-cased) by the core's own parser.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hms_core::error::FieldCode as CoreFieldCode;
use hms_core::hospital as fac;
use hms_core::ids::{BatchId, DispenseId, DrugId, PatientId, PrescriptionId, ReservationId};
use hms_core::pharmacy::{self as core, Location};
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use super::{same_enum, Instant, IsoDate, Money, Reader};

/// The form a medicine comes in.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DosageForm {
    /// Tablets.
    Tablet,
    /// Capsules.
    Capsule,
    /// A syrup.
    Syrup,
    /// A suspension.
    Suspension,
    /// An injection.
    Injection,
    /// An infusion.
    Infusion,
    /// A cream.
    Cream,
    /// An ointment.
    Ointment,
    /// Drops.
    Drops,
    /// An inhaler.
    Inhaler,
    /// A patch.
    Patch,
    /// A suppository.
    Suppository,
    /// A powder.
    Powder,
    /// Anything else.
    Other,
}

/// Why stock is written off.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOffReason {
    /// The batch has expired.
    Expired,
    /// Broken, spoiled, contaminated.
    Damaged,
    /// The batch was recalled.
    Recalled,
}

/// What a stock movement was.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKindCode {
    /// Goods received.
    Receipt,
    /// Handed out (`dispense`).
    Dispense,
    /// Given back (`dispense`).
    Return,
    /// Moved away (`transfer`, `to`).
    TransferOut,
    /// Moved in (`transfer`, `from`).
    TransferIn,
    /// A count correction (`reason`).
    Adjustment,
    /// Written off (`reason`: a `WriteOffReason`).
    WriteOff,
}

/// Where a reservation stands.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Holding stock (until it expires).
    Active,
    /// Used by a dispense.
    Fulfilled,
    /// Given up.
    Released,
}

/// What a stock alert is about.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Usable stock at or below the reorder level.
    LowStock,
    /// Stock that expires within the warning window.
    ExpiringSoon,
    /// Expired stock still on the shelf.
    Expired,
}

/// When to reorder a drug at a location, and how much.
#[napi(object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorderRule {
    /// Reorder when usable stock is at or below this many units.
    pub level: u32,
    /// How many units to order.
    pub quantity: u32,
}

/// A drug's catalog details.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugDetails {
    /// The generic name, e.g. `amoxicillin`.
    pub generic_name: String,
    /// The brand name.
    pub brand: Option<String>,
    /// The strength, e.g. `500 mg`.
    pub strength: String,
    /// The form.
    pub form: DosageForm,
    /// The unit stock is counted in, e.g. `tablet`.
    pub dispensing_unit: String,
    /// Units in a pack.
    pub pack_size: u32,
    /// The WHO ATC code, e.g. `J01CA04`.
    pub atc_code: String,
    /// A controlled substance (false when left out).
    pub controlled: Option<bool>,
    /// Needs a prescription (false when left out).
    pub prescription_only: Option<bool>,
    /// Reorder rules by location code.
    pub reorder: Option<BTreeMap<String, ReorderRule>>,
}

/// A drug of the catalog.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Drug {
    /// Its id.
    pub id: String,
    /// Its details.
    pub details: DrugDetails,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// Its version.
    pub version: u32,
}

/// Goods received from a supplier: one batch of one drug.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsReceipt {
    /// The drug.
    pub drug: String,
    /// The manufacturer's batch (lot) number.
    pub batch_number: String,
    /// The supplier.
    pub supplier: String,
    /// The expiry date (none for goods that do not expire), `YYYY-MM-DD`.
    pub expiry: Option<IsoDate>,
    /// Units received.
    pub quantity: u32,
    /// What one unit cost.
    pub unit_cost: Money,
    /// What one unit sells for.
    pub sale_price: Money,
    /// Where it goes.
    pub location: String,
    /// The stock order it fills.
    pub order: Option<String>,
}

/// A batch's recall.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recall {
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A batch (lot) of a drug.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Batch {
    /// Its id.
    pub id: String,
    /// The drug.
    pub drug: String,
    /// The batch number.
    pub batch_number: String,
    /// The supplier.
    pub supplier: String,
    /// The expiry date.
    pub expiry: Option<IsoDate>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Units received.
    pub received_quantity: u32,
    /// What one unit cost.
    pub unit_cost: Money,
    /// What one unit sells for.
    pub sale_price: Money,
    /// Where it was received.
    pub received_at_location: String,
    /// The stock order it filled.
    pub order: Option<String>,
    /// Its recall, if recalled.
    pub recall: Option<Recall>,
}

/// What a movement was, with the fields of its kind.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MovementKind {
    /// Which kind.
    pub kind: MovementKindCode,
    /// The dispense (`dispense`, `return`).
    pub dispense: Option<String>,
    /// The transfer (`transfer_out`, `transfer_in`).
    pub transfer: Option<String>,
    /// Where it went (`transfer_out`).
    pub to: Option<String>,
    /// Where it came from (`transfer_in`).
    pub from: Option<String>,
    /// Why (`adjustment`: free text; `write_off`: a `WriteOffReason`).
    pub reason: Option<String>,
}

/// One stock movement: units in (positive) or out (negative) of a batch at a location.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Movement {
    /// Its id.
    pub id: String,
    /// The drug.
    pub drug: String,
    /// The batch.
    pub batch: String,
    /// Where.
    pub location: String,
    /// Units in (positive) or out (negative).
    pub quantity: i64,
    /// What it was.
    pub kind: MovementKind,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Option<String>,
}

/// A movement with its place in the ledger.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LedgerEntry {
    /// Its sequence number.
    pub seq: i64,
    /// The movement.
    pub movement: Movement,
}

/// What a batch has on hand at a location.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockBalance {
    /// The batch.
    pub batch: String,
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// Units on hand.
    pub on_hand: u32,
}

/// One line of a prescription.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionLine {
    /// The drug.
    pub drug: String,
    /// The dose, e.g. `1 tablet`.
    pub dose: String,
    /// How often, e.g. `3 times a day`.
    pub frequency: String,
    /// How many days the course lasts.
    pub duration_days: u32,
    /// Units per fill.
    pub quantity: u32,
    /// Refills after the first fill (0 when left out).
    pub refills: Option<u32>,
}

/// A prescription to write.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrescription {
    /// The patient.
    pub patient: String,
    /// The lines.
    pub lines: Vec<PrescriptionLine>,
    /// A note.
    pub note: Option<String>,
}

/// A prescription.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Prescription {
    /// Its id.
    pub id: String,
    /// The patient.
    pub patient: String,
    /// The prescribing doctor.
    pub prescriber: String,
    /// When it was written.
    pub written_at: DateTime<Utc>,
    /// The lines.
    pub lines: Vec<PrescriptionLine>,
    /// A note.
    pub note: Option<String>,
}

/// Units of one batch.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// The batch.
    pub batch: String,
    /// Units.
    pub quantity: u32,
}

/// One line of a dispense.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DispenseLine {
    /// The prescription line (none over the counter).
    pub prescription_line: Option<u32>,
    /// The fill (0 the first, 1 the first refill, …).
    pub fill: u32,
    /// The drug.
    pub drug: String,
    /// The batch.
    pub batch: String,
    /// Units handed out.
    pub quantity: u32,
    /// Units given back since.
    pub returned: u32,
    /// The unit price.
    pub unit_price: Money,
    /// What the line comes to.
    pub amount: Money,
}

/// Medicine handed out, against a prescription or over the counter.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Dispense {
    /// Its id.
    pub id: String,
    /// The prescription.
    pub prescription: Option<String>,
    /// The patient (none for an anonymous customer).
    pub patient: Option<String>,
    /// Where.
    pub location: String,
    /// The lines.
    pub lines: Vec<DispenseLine>,
    /// What it comes to.
    pub total: Money,
    /// When.
    pub dispensed_at: DateTime<Utc>,
    /// Who.
    pub dispensed_by: String,
    /// The reservation it used.
    pub reservation: Option<String>,
}

/// One prescription line to hand out.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispenseLineRequest {
    /// The prescription line's position (from 0).
    pub line: u32,
    /// Units to hand out now.
    pub quantity: u32,
    /// A batch chosen by hand; first-expiry-first-out otherwise.
    pub batch: Option<String>,
}

/// A dispense against a prescription.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispenseRequest {
    /// The prescription.
    pub prescription: String,
    /// Where it is handed out from.
    pub location: String,
    /// The lines.
    pub lines: Vec<DispenseLineRequest>,
    /// A reservation to use.
    pub reservation: Option<String>,
}

/// One drug sold over the counter.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterSaleLine {
    /// The drug (one that needs no prescription).
    pub drug: String,
    /// Units.
    pub quantity: u32,
    /// A batch chosen by hand.
    pub batch: Option<String>,
}

/// A sale without a prescription.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterSale {
    /// The registered patient buying, if any.
    pub patient: Option<String>,
    /// Where.
    pub location: String,
    /// What.
    pub lines: Vec<CounterSaleLine>,
}

/// Units of one dispense line given back.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    /// The dispense line's position (from 0).
    pub line: u32,
    /// Units given back.
    pub quantity: u32,
}

/// Medicine given back to the pharmacy.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    /// The dispense.
    pub dispense: String,
    /// What comes back.
    pub lines: Vec<ReturnLine>,
    /// Why.
    pub reason: String,
}

/// Stock moved from one location to another.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    /// The batch.
    pub batch: String,
    /// From where.
    pub from: String,
    /// To where.
    pub to: String,
    /// Units.
    pub quantity: u32,
}

/// Stock to hold for a patient.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRequest {
    /// For whom.
    pub patient: String,
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// Units.
    pub quantity: u32,
    /// The prescription it is for.
    pub prescription: Option<String>,
    /// How long to hold it (the hospital's default when left out; at most a week).
    pub minutes: Option<u32>,
}

/// Stock held for a patient.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reservation {
    /// Its id.
    pub id: String,
    /// For whom.
    pub patient: String,
    /// The prescription.
    pub prescription: Option<String>,
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// The batches held.
    pub lines: Vec<Pick>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
    /// Where it stands.
    pub status: ReservationStatus,
    /// Who made it.
    pub created_by: String,
}

/// Stock to order from a supplier.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockOrderRequest {
    /// The drug.
    pub drug: String,
    /// Where it is to go.
    pub location: String,
    /// Units.
    pub quantity: u32,
}

/// A stock order.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockOrder {
    /// Its id.
    pub id: String,
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// Units.
    pub quantity: u32,
    /// When.
    pub ordered_at: DateTime<Utc>,
    /// When its goods arrived.
    pub received_at: Option<DateTime<Utc>>,
}

/// A stock alert, with the fields of its kind.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Alert {
    /// Which kind.
    pub kind: AlertKind,
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// Usable units (`low_stock`).
    pub usable: Option<u32>,
    /// Units on order (`low_stock`).
    pub on_order: Option<u32>,
    /// The reorder level (`low_stock`).
    pub reorder_level: Option<u32>,
    /// Units to order (`low_stock`).
    pub suggested_quantity: Option<u32>,
    /// The batches (`expiring_soon`, `expired`).
    pub batches: Option<Vec<String>>,
    /// Their units (`expiring_soon`, `expired`).
    pub quantity: Option<u32>,
    /// The first expiry (`expiring_soon`).
    pub earliest_expiry: Option<IsoDate>,
}

/// What an alert is about, without its figures.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AlertKey {
    /// The drug.
    pub drug: String,
    /// Where.
    pub location: String,
    /// Which kind.
    pub kind: AlertKind,
}

/// What the alert sweep published and cleared.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChanges {
    /// Alerts newly raised.
    pub raised: Vec<Alert>,
    /// Alerts that no longer hold.
    pub cleared: Vec<AlertKey>,
}

/// The value of one drug's stock.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DrugValuation {
    /// The drug.
    pub drug: String,
    /// Units on hand.
    pub on_hand: i64,
    /// What they cost (first in, first out).
    pub value: Money,
}

/// The value of the stock on hand.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockValuation {
    /// By drug.
    pub lines: Vec<DrugValuation>,
    /// The total.
    pub total: Money,
}

/// A batch FEFO may take units from.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The batch.
    pub batch: String,
    /// Its expiry date (none: it does not expire).
    pub expiry: Option<IsoDate>,
    /// When it was received (the tie-break).
    pub received_at: Instant,
    /// Whether it is recalled (false when left out).
    pub recalled: Option<bool>,
    /// Units available.
    pub available: u32,
}

/// Fewer units are available than were asked for.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// Units asked for.
    pub requested: u32,
    /// Units the eligible batches hold.
    pub available: u32,
}

/// A FEFO plan: the picks, or (with no picks) the shortfall.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FefoPlan {
    /// Units to take from each batch, in order; empty when short.
    pub picks: Vec<Pick>,
    /// Why nothing was planned.
    pub shortfall: Option<Shortfall>,
}

/// The alert sweep's result.
///
/// # Errors
/// As [`bridge`](super::bridge).
pub fn alert_changes(c: &core::alerts::AlertChanges) -> hms_core::Result<AlertChanges> {
    Ok(AlertChanges {
        raised: super::bridge_all(&c.raised)?,
        cleared: super::bridge_all(&c.cleared)?,
    })
}

// -------------------------------------------------------------------------------------------
// Reading requests

/// A location code.
pub fn location(r: &mut Reader, field: &str, code: &str) -> Option<Location> {
    r.id::<Location>(field, code)
}

fn opt_id<T: std::str::FromStr<Err = hms_core::error::ValidationError>>(
    r: &mut Reader,
    field: &str,
    v: Option<&str>,
) -> Option<Option<T>> {
    match v {
        None => Some(None),
        Some(v) => r.id(field, v).map(Some),
    }
}

fn index(i: u32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// A drug's details.
pub fn drug_details(r: &mut Reader, d: &DrugDetails) -> Option<core::DrugDetails> {
    let form = same_enum(r, "form", &d.form);
    let mut reorder = BTreeMap::new();
    let mut ok = true;
    for (code, rule) in d.reorder.iter().flatten() {
        match location(r, &format!("reorder.{code}"), code) {
            Some(l) => {
                reorder.insert(
                    l,
                    core::ReorderRule {
                        level: rule.level,
                        quantity: rule.quantity,
                    },
                );
            }
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    Some(core::DrugDetails {
        generic_name: d.generic_name.clone(),
        brand: d.brand.clone(),
        strength: d.strength.clone(),
        form: form?,
        dispensing_unit: d.dispensing_unit.clone(),
        pack_size: d.pack_size,
        atc_code: d.atc_code.clone(),
        controlled: d.controlled.unwrap_or(false),
        prescription_only: d.prescription_only.unwrap_or(false),
        reorder,
    })
}

/// A goods receipt.
pub fn goods_receipt(r: &mut Reader, g: &GoodsReceipt) -> Option<core::GoodsReceipt> {
    let drug = r.id::<DrugId>("drug", &g.drug);
    let expiry = r.opt_date("expiry", g.expiry.as_deref());
    let cost = r.money("unitCost", &g.unit_cost);
    let sale = r.money("salePrice", &g.sale_price);
    let loc = location(r, "location", &g.location);
    let order = opt_id(r, "order", g.order.as_deref());
    Some(core::GoodsReceipt {
        drug: drug?,
        batch_number: g.batch_number.clone(),
        supplier: g.supplier.clone(),
        expiry: expiry?,
        quantity: g.quantity,
        unit_cost: cost?,
        sale_price: sale?,
        location: loc?,
        order: order?,
    })
}

/// A new prescription.
pub fn new_prescription(r: &mut Reader, p: &NewPrescription) -> Option<core::NewPrescription> {
    let patient = r.id::<PatientId>("patient", &p.patient);
    let lines: Vec<Option<core::PrescriptionLine>> = p
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let drug = r.id::<DrugId>(&format!("lines[{i}].drug"), &l.drug)?;
            Some(core::PrescriptionLine {
                drug,
                dose: l.dose.clone(),
                frequency: l.frequency.clone(),
                duration_days: l.duration_days,
                quantity: l.quantity,
                refills: l.refills.unwrap_or(0),
            })
        })
        .collect();
    Some(core::NewPrescription {
        patient: patient?,
        lines: lines.into_iter().collect::<Option<Vec<_>>>()?,
        note: p.note.clone(),
    })
}

/// A dispense request.
pub fn dispense_request(r: &mut Reader, q: &DispenseRequest) -> Option<fac::DispenseRequest> {
    let rx = r.id::<PrescriptionId>("prescription", &q.prescription);
    let loc = location(r, "location", &q.location);
    let lines: Vec<Option<fac::DispenseLineRequest>> = q
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let batch = opt_id::<BatchId>(r, &format!("lines[{i}].batch"), l.batch.as_deref())?;
            Some(fac::DispenseLineRequest {
                line: index(l.line),
                quantity: l.quantity,
                batch,
            })
        })
        .collect();
    let reservation = opt_id::<ReservationId>(r, "reservation", q.reservation.as_deref());
    Some(fac::DispenseRequest {
        prescription: rx?,
        location: loc?,
        lines: lines.into_iter().collect::<Option<Vec<_>>>()?,
        reservation: reservation?,
    })
}

/// An over-the-counter sale.
pub fn counter_sale(r: &mut Reader, s: &CounterSale) -> Option<fac::CounterSale> {
    let patient = opt_id::<PatientId>(r, "patient", s.patient.as_deref());
    let loc = location(r, "location", &s.location);
    let lines: Vec<Option<fac::CounterSaleLine>> = s
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let drug = r.id::<DrugId>(&format!("lines[{i}].drug"), &l.drug);
            let batch = opt_id::<BatchId>(r, &format!("lines[{i}].batch"), l.batch.as_deref());
            Some(fac::CounterSaleLine {
                drug: drug?,
                quantity: l.quantity,
                batch: batch?,
            })
        })
        .collect();
    Some(fac::CounterSale {
        patient: patient?,
        location: loc?,
        lines: lines.into_iter().collect::<Option<Vec<_>>>()?,
    })
}

/// A return.
pub fn return_request(r: &mut Reader, q: &ReturnRequest) -> Option<fac::ReturnRequest> {
    let d = r.id::<DispenseId>("dispense", &q.dispense)?;
    Some(fac::ReturnRequest {
        dispense: d,
        lines: q
            .lines
            .iter()
            .map(|l| fac::ReturnLine {
                line: index(l.line),
                quantity: l.quantity,
            })
            .collect(),
        reason: q.reason.clone(),
    })
}

/// A transfer.
pub fn transfer_request(r: &mut Reader, q: &TransferRequest) -> Option<fac::TransferRequest> {
    let batch = r.id::<BatchId>("batch", &q.batch);
    let from = location(r, "from", &q.from);
    let to = location(r, "to", &q.to);
    Some(fac::TransferRequest {
        batch: batch?,
        from: from?,
        to: to?,
        quantity: q.quantity,
    })
}

/// A reservation request.
pub fn reservation_request(r: &mut Reader, q: &ReservationRequest) -> Option<fac::ReservationRequest> {
    let patient = r.id::<PatientId>("patient", &q.patient);
    let drug = r.id::<DrugId>("drug", &q.drug);
    let loc = location(r, "location", &q.location);
    let rx = opt_id::<PrescriptionId>(r, "prescription", q.prescription.as_deref());
    Some(fac::ReservationRequest {
        patient: patient?,
        drug: drug?,
        location: loc?,
        quantity: q.quantity,
        prescription: rx?,
        minutes: q.minutes,
    })
}

/// A stock order request.
pub fn stock_order_request(r: &mut Reader, q: &StockOrderRequest) -> Option<fac::StockOrderRequest> {
    let drug = r.id::<DrugId>("drug", &q.drug);
    let loc = location(r, "location", &q.location);
    Some(fac::StockOrderRequest {
        drug: drug?,
        location: loc?,
        quantity: q.quantity,
    })
}

/// FEFO candidates (`candidates[i]`).
pub fn candidates(r: &mut Reader, cs: &[Candidate]) -> Option<Vec<core::Candidate>> {
    let read: Vec<Option<core::Candidate>> = cs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let batch = r.id::<BatchId>(&format!("candidates[{i}].batch"), &c.batch);
            let expiry = r.opt_date(&format!("candidates[{i}].expiry"), c.expiry.as_deref());
            let received = r.instant(&format!("candidates[{i}].receivedAt"), &c.received_at);
            Some(core::Candidate {
                batch: batch?,
                expiry: expiry?,
                received_at: received?,
                recalled: c.recalled.unwrap_or(false),
                available: c.available,
            })
        })
        .collect();
    read.into_iter().collect()
}

/// A write-off reason.
pub fn write_off_reason(r: &mut Reader, reason: WriteOffReason) -> Option<core::WriteOffReason> {
    same_enum(r, "reason", &reason)
}

/// An adjustment's signed number of units: at most what a batch can hold either way (the core
/// refuses zero and a balance below zero itself).
pub fn signed_units(r: &mut Reader, field: &str, quantity: i64) -> Option<i64> {
    if quantity.unsigned_abs() > u64::from(u32::MAX) {
        r.problem(
            field,
            CoreFieldCode::OutOfRange,
            format!("`{quantity}` units is more than a batch can hold"),
        );
        return None;
    }
    Some(quantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::bridge;

    #[test]
    fn a_movement_keeps_its_kind_and_the_fields_of_that_kind() {
        let id = uuid::Uuid::from_u128(5);
        let kind = core::MovementKind::TransferOut {
            transfer: hms_core::ids::TransferId::from_uuid(id),
            to: Location::parse("ward-3").unwrap(),
        };
        let k: MovementKind = bridge(&kind).unwrap();
        assert_eq!(k.kind, MovementKindCode::TransferOut);
        assert_eq!(k.to.as_deref(), Some("ward-3"));
        assert_eq!(k.transfer, Some(id.to_string()));
    }

    #[test]
    fn every_dosage_form_and_write_off_reason_is_the_cores() {
        for f in [DosageForm::Tablet, DosageForm::Suppository, DosageForm::Other] {
            let mut r = Reader::new();
            let c: Option<core::DosageForm> = same_enum(&mut r, "form", &f);
            assert!(c.is_some());
            let back: DosageForm = bridge(&c.unwrap()).unwrap();
            assert_eq!(back, f);
        }
        let mut r = Reader::new();
        assert_eq!(
            write_off_reason(&mut r, WriteOffReason::Damaged),
            Some(core::WriteOffReason::Damaged)
        );
    }

    #[test]
    fn a_bad_location_is_a_problem_on_its_field() {
        let mut r = Reader::new();
        assert!(location(&mut r, "lines[0].to", "ward 3").is_none());
        let hms_core::Error::Validation(v) = r.finish().unwrap_err() else {
            panic!("a validation error")
        };
        assert_eq!(v.problems()[0].field, "lines[0].to");
    }
}
