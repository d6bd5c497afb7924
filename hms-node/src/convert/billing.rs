//! Billing shapes: the price list, coverage plans, charges, invoices and their priced breakdown,
//! payments, refunds, statements and aging.
//!
//! Results are the core's serde shapes with camelCase keys, brought over by [`bridge`](super::bridge)
//! (each result type derives `Deserialize` under the core's field names and tags); requests are read
//! field by field with a [`Reader`], so that every unreadable field is reported with its path.
//! Tagged unions keep their explicit `kind` (`{ kind: 'manual', reference: 'AMB-1' }`), with the
//! fields of every variant optional.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hms_core::billing as core;
use hms_core::error::FieldCode as CoreFieldCode;
use hms_core::ids::{AppointmentId, DispenseId, InvoiceId, LabOrderId, PatientId};
use hms_core::money::Money as CoreMoney;
use napi_derive::napi;
use serde::{Deserialize, Serialize};

use super::{same_enum, Decimal, IsoDate, Money, Reader};

/// What kind of service a price-list item is.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A doctor's consultation.
    Consultation,
    /// A laboratory test.
    LabTest,
    /// A procedure.
    Procedure,
    /// A treatment or therapy session.
    Treatment,
    /// A day in a room or bed.
    BedDay,
    /// A medicine.
    Medicine,
    /// Anything else (an ambulance ride, a certificate, …).
    Other,
}

/// How an invoice's tax is rounded to the minor unit.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Each line's tax is rounded on its own.
    PerLine,
    /// A category's tax is rounded once and spread back over its lines (EN 16931 BR-CO-17).
    PerTaxCategory,
}

/// FHIR R4 invoice statuses.
#[napi(string_enum = "kebab-case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvoiceStatus {
    /// Being prepared; charges may still be added.
    Draft,
    /// Sent to the patient; its figures are final.
    Issued,
    /// Nothing is due any more.
    Balanced,
    /// Called off before it was issued.
    Cancelled,
    /// Made by mistake; as if it never existed.
    EnteredInError,
}

/// A due-date reminder stage.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStage {
    /// The due date is at most three days away.
    Upcoming,
    /// The due date has come.
    Due,
    /// The due date passed thirty days ago or more.
    Overdue,
}

/// Why a line was split between payer and patient the way it was.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBasis {
    /// No coverage: the patient pays.
    SelfPay,
    /// The plan does not cover the item.
    NotCovered,
    /// The item needs a pre-authorization the charge does not have.
    PreauthorizationMissing,
    /// A visit with a copay.
    Copay,
    /// Deductible first, then coinsurance.
    DeductibleCoinsurance,
}

/// What a statement line is.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementEntryKind {
    /// An invoice (the patient's share).
    Invoice,
    /// A credit note (the patient's part).
    CreditNote,
    /// A payment by the patient.
    Payment,
    /// A refund to the patient.
    Refund,
}

/// How an item's unit price is found.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceKind {
    /// A fixed unit price (`amount`).
    Fixed,
    /// A percentage of the doctor's consultation fee (`percent`; 100 for the full fee).
    DoctorFee,
    /// Given by the source with each charge (the pharmacy's sale price of a medicine).
    FromSource,
}

/// The kind of clinical event a charge is for.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeSourceKind {
    /// A fulfilled appointment (`id`).
    Appointment,
    /// Medicines handed out by the pharmacy (`id`).
    Dispense,
    /// A completed laboratory order (`id`).
    LabOrder,
    /// One day of an inpatient stay (`admission`, `date`).
    BedDay,
    /// A charge entered by hand under a unique `reference`.
    Manual,
}

/// An invoice, or a credit note against one.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKindCode {
    /// An invoice.
    Invoice,
    /// A credit note (`original`, `reason`).
    CreditNote,
}

/// How a payment was made.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodKind {
    /// Cash at the desk.
    Cash,
    /// A card at the desk.
    Card,
    /// A remittance from the insurer (it pays the payer's shares).
    InsuranceRemittance,
    /// An online payment through a gateway (`provider`).
    Gateway,
}

/// A percentage or a fixed amount off.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// This `percent` of the amount (0 to 100).
    Percent,
    /// This `amount` (at most the amount discounted).
    Amount,
}

/// How a payment is applied to invoices.
#[napi(string_enum = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationKind {
    /// To the oldest open invoices first (the default).
    OldestFirst,
    /// Exactly these `parts`; they must add up to the payment.
    Explicit,
}

/// A tax category and its rate, e.g. `{ category: 'S', percent: '20' }`; `E` (exempt) for most
/// medical services.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    /// The UNCL 5305 category code, e.g. `S`, `Z`, `E`.
    pub category: String,
    /// The rate in percent, e.g. `"20"`.
    pub percent: Decimal,
}

/// How a price-list item's unit price is found.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Which way.
    pub kind: PriceKind,
    /// The unit price (`fixed`).
    pub amount: Option<Money>,
    /// The percentage of the doctor's fee (`doctor_fee`).
    pub percent: Option<Decimal>,
}

/// A price in force from a date.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceVersion {
    /// The first day it applies, `YYYY-MM-DD`.
    pub effective_from: IsoDate,
    /// The price.
    pub price: Price,
    /// The tax on it.
    pub tax: TaxRate,
    /// Whether the price includes the tax (false when left out).
    pub tax_inclusive: Option<bool>,
}

/// An item of the price list, with its price history.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceItem {
    /// The item code, e.g. `consultation.follow_up`, `cbc`, `ambulance`.
    pub code: String,
    /// What the patient sees on the invoice.
    pub name: String,
    /// What kind of service it is.
    pub kind: ItemKind,
    /// The prices, each from its date.
    pub versions: Vec<PriceVersion>,
}

/// An insurance plan's terms: deductible, copays by visit type, coinsurance, out-of-pocket cap.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveragePlan {
    /// The insurer, as written on patients' policies.
    pub payer: String,
    /// The plan's name (empty when left out).
    pub plan: Option<String>,
    /// The currency of its amounts.
    pub currency: String,
    /// What the patient pays each year before coinsurance starts.
    pub annual_deductible: Money,
    /// A fixed copay per visit type (instead of deductible and coinsurance).
    pub copays: Option<BTreeMap<String, Money>>,
    /// The patient's percentage after the deductible.
    pub coinsurance_percent: Decimal,
    /// The most a patient pays in a year (no cap when left out).
    pub out_of_pocket_max: Option<Money>,
    /// Item codes the plan does not cover.
    pub not_covered: Option<Vec<String>>,
    /// Item codes covered only with a pre-authorization.
    pub preauthorization_required: Option<Vec<String>>,
}

/// What a patient has used of a plan this year.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageUsage {
    /// Deductible paid so far this year.
    pub deductible_used: Money,
    /// Cost sharing paid so far this year.
    pub out_of_pocket_used: Money,
}

/// The clinical event a charge is for (a source is charged once).
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeSource {
    /// What kind of event.
    pub kind: ChargeSourceKind,
    /// The appointment, dispense or lab order.
    pub id: Option<String>,
    /// The admission (`bed_day`).
    pub admission: Option<String>,
    /// The day (`bed_day`), `YYYY-MM-DD`.
    pub date: Option<IsoDate>,
    /// The clerk's reference (`manual`).
    pub reference: Option<String>,
}

/// A discount: `{ kind: 'percent', percent: '10' }` or `{ kind: 'amount', amount: { … } }`.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "core::Discount")]
pub struct Discount {
    /// Which kind.
    pub kind: DiscountKind,
    /// The percentage (`percent`).
    pub percent: Option<Decimal>,
    /// The amount (`amount`).
    pub amount: Option<Money>,
}

impl From<core::Discount> for Discount {
    fn from(d: core::Discount) -> Self {
        match d {
            core::Discount::Percent(p) => Discount {
                kind: DiscountKind::Percent,
                percent: Some(p.to_string()),
                amount: None,
            },
            core::Discount::Amount(m) => Discount {
                kind: DiscountKind::Amount,
                percent: None,
                amount: Some(m.into()),
            },
        }
    }
}

/// A request to charge a patient for a service.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// The patient.
    pub patient: String,
    /// The event charged (charged once: the same source again returns the first charge).
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// How many, e.g. `"1"`.
    pub quantity: Decimal,
    /// The unit price, for an item priced `from_source`.
    pub unit_price: Option<Money>,
    /// The service date (today when left out), `YYYY-MM-DD`.
    pub service_date: Option<IsoDate>,
    /// The insurer's pre-authorization number.
    pub preauthorization: Option<String>,
    /// A note for the invoice line.
    pub note: Option<String>,
}

/// A charge: one service used, priced from the price list in force on the service date.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Charge {
    /// The charge's id.
    pub id: String,
    /// The patient.
    pub patient: String,
    /// The event charged.
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// What kind of service.
    pub kind: ItemKind,
    /// The line's text.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Money,
    /// The tax.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax.
    pub tax_inclusive: bool,
    /// The visit type (consultations), for copays.
    pub visit_type: Option<String>,
    /// The pre-authorization number.
    pub preauthorization: Option<String>,
    /// The service date.
    pub service_date: IsoDate,
    /// The invoice it is on, once it is on one.
    pub invoice: Option<String>,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One line of a priced invoice.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PricedLine {
    /// Quantity times unit price (net of tax when the price includes it).
    pub extended: Money,
    /// The line's own discount.
    pub line_discount: Money,
    /// Its part of the invoice discount.
    pub invoice_discount: Money,
    /// What is taxed.
    pub net: Money,
    /// Its tax.
    pub tax: Money,
    /// Net plus tax.
    pub gross: Money,
    /// How the gross splits between the payer and the patient.
    pub share: Share,
}

/// How one line's gross splits between payer and patient (`payer + patient = gross`).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Share {
    /// The insurer's part.
    pub payer: Money,
    /// The patient's part (`copay + deductible + coinsurance + notCovered`).
    pub patient: Money,
    /// The copay.
    pub copay: Money,
    /// The deductible.
    pub deductible: Money,
    /// The coinsurance.
    pub coinsurance: Money,
    /// What the plan does not cover.
    pub not_covered: Money,
    /// Why it split this way.
    pub basis: ShareBasis,
    /// Whether the out-of-pocket maximum capped the patient's part.
    pub capped: bool,
}

/// The tax of one category.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaxSubtotal {
    /// The category and rate.
    pub tax: TaxRate,
    /// The taxable amount.
    pub taxable: Money,
    /// The tax.
    pub amount: Money,
}

/// An invoice's totals (the lines add up to them exactly).
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Totals {
    /// Sum of the lines' extended amounts.
    pub extended: Money,
    /// Sum of the line discounts.
    pub line_discounts: Money,
    /// The invoice discount.
    pub invoice_discount: Money,
    /// What is taxed.
    pub net: Money,
    /// The tax.
    pub tax: Money,
    /// What the invoice comes to.
    pub gross: Money,
    /// The insurers' share.
    pub payer: Money,
    /// The patient's share.
    pub patient: Money,
}

/// An invoice's figures: every line, the tax by category and the totals.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Breakdown {
    /// The currency.
    pub currency: String,
    /// How tax was rounded.
    pub rounding: RoundingMode,
    /// The lines, in order.
    pub lines: Vec<PricedLine>,
    /// The tax by category.
    pub taxes: Vec<TaxSubtotal>,
    /// The totals.
    pub totals: Totals,
}

/// One line to price with `priceInvoice`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    /// The item code.
    pub item_code: String,
    /// How many.
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Money,
    /// The tax.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax (false when left out).
    pub tax_inclusive: Option<bool>,
    /// The line's discount.
    pub discount: Option<Discount>,
    /// The visit type (consultations), for copays.
    pub visit_type: Option<String>,
    /// Whether the insurer pre-authorized it (false when left out).
    pub preauthorized: Option<bool>,
}

/// The plan an invoice is priced under, with what the patient used of it this year.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageInput {
    /// The plan.
    pub plan: CoveragePlan,
    /// What was used this year (nothing when left out).
    pub usage: Option<CoverageUsage>,
}

/// Everything `priceInvoice` needs.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceInput {
    /// The invoice's currency.
    pub currency: String,
    /// How tax is rounded (`per_tax_category` when left out).
    pub rounding: Option<RoundingMode>,
    /// The lines.
    pub lines: Vec<LineInput>,
    /// A discount on the whole invoice.
    pub invoice_discount: Option<Discount>,
    /// The insurance plan, if any.
    pub coverage: Option<CoverageInput>,
}

/// The kind of an invoice: `{ kind: 'invoice' }` or `{ kind: 'credit_note', original, reason }`.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InvoiceKind {
    /// Which.
    pub kind: InvoiceKindCode,
    /// The invoice a credit note corrects.
    pub original: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// One line of an invoice: a charge, with the figures it was priced with.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InvoiceLine {
    /// The charge.
    pub charge: String,
    /// Its source event.
    pub source: ChargeSource,
    /// The item code.
    pub item_code: String,
    /// The text.
    pub description: String,
    /// The service date.
    pub service_date: IsoDate,
    /// How many.
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Money,
    /// The tax.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax.
    pub tax_inclusive: bool,
    /// The line's discount.
    pub discount: Option<Discount>,
    /// The visit type.
    pub visit_type: Option<String>,
    /// The pre-authorization number.
    pub preauthorization: Option<String>,
    /// On a credit note: the original invoice's line it credits.
    pub credits_line: Option<u32>,
}

/// The insurance an invoice was issued under.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppliedCoverage {
    /// The insurer.
    pub payer: String,
    /// The plan.
    pub plan: String,
    /// The patient's member id.
    pub member_id: String,
    /// The plan year.
    pub year: i32,
}

/// One status change of an invoice.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InvoiceChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (none for a job of the host).
    pub by: Option<String>,
    /// From (none when created).
    pub from: Option<InvoiceStatus>,
    /// To.
    pub to: InvoiceStatus,
    /// Why.
    pub reason: Option<String>,
}

/// An invoice or a credit note.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invoice {
    /// Its id.
    pub id: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// Its number, from issue on (`INV-2026-000001`, `CN-…`).
    pub number: Option<String>,
    /// The patient.
    pub patient: String,
    /// The currency.
    pub currency: String,
    /// Its status.
    pub status: InvoiceStatus,
    /// The lines.
    pub lines: Vec<InvoiceLine>,
    /// A discount on the whole invoice.
    pub invoice_discount: Option<Discount>,
    /// How tax is rounded.
    pub rounding: RoundingMode,
    /// The insurance it was issued under.
    pub coverage: Option<AppliedCoverage>,
    /// The frozen figures, from issue on.
    pub breakdown: Option<Breakdown>,
    /// When it was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// The invoice date.
    pub issue_date: Option<IsoDate>,
    /// The due date of the patient's share.
    pub due_date: Option<IsoDate>,
    /// Paid on the patient's share.
    pub paid_patient: Money,
    /// Paid on the payer's share.
    pub paid_payer: Money,
    /// Credited on the patient's share.
    pub credited_patient: Money,
    /// Credited on the payer's share.
    pub credited_payer: Money,
    /// The reminders sent.
    pub reminders: Vec<ReminderStage>,
    /// Every status change.
    pub history: Vec<InvoiceChange>,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Its version (for optimistic concurrency).
    pub version: u32,
}

/// How a payment was made: `{ kind: 'cash' }`, `{ kind: 'gateway', provider: 'stripe' }`, …
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// Which way.
    pub kind: PaymentMethodKind,
    /// The gateway (`gateway`).
    pub provider: Option<String>,
}

/// An amount applied to one invoice.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationPart {
    /// The invoice.
    pub invoice: String,
    /// How much.
    pub amount: Money,
}

impl From<(String, Money)> for AllocationPart {
    fn from((invoice, amount): (String, Money)) -> Self {
        AllocationPart { invoice, amount }
    }
}

/// How to apply a payment: `{ kind: 'oldest_first' }` or `{ kind: 'explicit', parts }`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationRule {
    /// Which way.
    pub kind: AllocationKind,
    /// The amounts per invoice (`explicit`).
    pub parts: Option<Vec<AllocationPart>>,
}

/// A payment to record.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The patient.
    pub patient: String,
    /// How much.
    pub amount: Money,
    /// How it was paid.
    pub method: PaymentMethod,
    /// The bank's, card terminal's or gateway's reference (a second request with it returns the
    /// first payment).
    pub external_reference: Option<String>,
    /// How to apply it (oldest first when left out).
    pub allocation: Option<AllocationRule>,
}

/// A payment's amount applied to one invoice.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Allocation {
    /// The invoice.
    pub invoice: String,
    /// How much was applied.
    pub amount: Money,
    /// How much of it was refunded since.
    pub refunded: Money,
}

/// Money given back from a payment.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    /// Its id.
    pub id: String,
    /// How much.
    pub amount: Money,
    /// Why.
    pub reason: String,
    /// The bank's or gateway's reference.
    pub external_reference: Option<String>,
    /// Taken back from these invoices.
    #[serde(deserialize_with = "parts")]
    pub allocations: Vec<AllocationPart>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Option<String>,
}

fn parts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AllocationPart>, D::Error> {
    let pairs = Vec::<(String, Money)>::deserialize(d)?;
    Ok(pairs.into_iter().map(Into::into).collect())
}

/// A payment and where it went.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payment {
    /// Its id.
    pub id: String,
    /// The patient.
    pub patient: String,
    /// How much.
    pub amount: Money,
    /// How.
    pub method: PaymentMethod,
    /// The external reference.
    pub external_reference: Option<String>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Who recorded it (none for a gateway webhook).
    pub recorded_by: Option<String>,
    /// The invoices it was applied to.
    pub allocations: Vec<Allocation>,
    /// Its refunds.
    pub refunds: Vec<Refund>,
    /// Its version.
    pub version: u32,
}

/// One crediting of an invoice line: all of it (no `amount`) or part.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditRequest {
    /// The line's position (from 0).
    pub line: u32,
    /// How much of the line's gross to credit (the whole line when left out).
    pub amount: Option<Money>,
}

/// An online payment started at a gateway.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// The gateway's id.
    pub id: String,
    /// The gateway.
    pub provider: String,
    /// The patient.
    pub patient: String,
    /// How much.
    pub amount: Money,
    /// What the browser needs to complete it.
    pub client_secret: String,
}

/// What is owed, by the age of the invoices.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Aging {
    /// Not yet due, or at most 30 days past due.
    pub current: Money,
    /// 31 to 60 days past due.
    #[napi(js_name = "days31To60")]
    pub days_31_60: Money,
    /// 61 to 90 days past due.
    #[napi(js_name = "days61To90")]
    pub days_61_90: Money,
    /// More than 90 days past due.
    #[napi(js_name = "over90")]
    pub over_90: Money,
}

/// One line of a statement of account.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatementEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub kind: StatementEntryKind,
    /// The invoice number or payment reference.
    pub reference: String,
    /// What it adds to the balance.
    pub charge: Money,
    /// What it takes off.
    pub credit: Money,
    /// The balance after it.
    pub balance: Money,
}

/// A patient's statement of account.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Statement {
    /// The patient.
    pub patient: String,
    /// The currency.
    pub currency: String,
    /// The date.
    pub as_of: IsoDate,
    /// The lines, oldest first.
    pub entries: Vec<StatementEntry>,
    /// What the patient owes.
    pub balance: Money,
    /// Its aging.
    pub aging: Aging,
    /// What insurers still owe on the patient's invoices.
    pub payer_pending: Money,
}

/// What patients and insurers owe the hospital, by age.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AgingReport {
    /// The report date.
    pub as_of: IsoDate,
    /// What patients owe.
    pub patient: Aging,
    /// What insurers owe.
    pub payer: Aging,
    /// How many invoices are open.
    pub open_invoices: u32,
}

// -------------------------------------------------------------------------------------------
// Reading requests

fn required<T>(r: &mut Reader, field: &str, value: Option<T>, what: &str) -> Option<T> {
    if value.is_none() {
        r.problem(field, CoreFieldCode::Required, format!("{what} is required here"));
    }
    value
}

/// A tax rate.
pub fn tax_rate(r: &mut Reader, path: &str, t: &TaxRate) -> Option<core::TaxRate> {
    let p = r.decimal(&format!("{path}percent"), &t.percent)?;
    Some(core::TaxRate::new(t.category.clone(), p))
}

/// A discount.
pub fn discount(r: &mut Reader, path: &str, d: &Discount) -> Option<core::Discount> {
    match d.kind {
        DiscountKind::Percent => {
            let f = format!("{path}percent");
            let p = required(r, &f, d.percent.as_deref(), "`percent`")?;
            r.decimal(&f, p).map(core::Discount::Percent)
        }
        DiscountKind::Amount => {
            let f = format!("{path}amount");
            let a = required(r, &f, d.amount.as_ref(), "`amount`")?;
            r.money(&f, a).map(core::Discount::Amount)
        }
    }
}

/// An optional discount.
pub fn opt_discount(r: &mut Reader, path: &str, d: Option<&Discount>) -> Option<Option<core::Discount>> {
    match d {
        None => Some(None),
        Some(d) => discount(r, path, d).map(Some),
    }
}

fn opt_money(r: &mut Reader, field: &str, m: Option<&Money>) -> Option<Option<CoreMoney>> {
    match m {
        None => Some(None),
        Some(m) => r.money(field, m).map(Some),
    }
}

fn price(r: &mut Reader, path: &str, p: &Price) -> Option<core::Price> {
    match p.kind {
        PriceKind::Fixed => {
            let f = format!("{path}amount");
            let a = required(r, &f, p.amount.as_ref(), "`amount`")?;
            r.money(&f, a).map(|amount| core::Price::Fixed { amount })
        }
        PriceKind::DoctorFee => {
            let f = format!("{path}percent");
            let v = required(r, &f, p.percent.as_deref(), "`percent`")?;
            r.decimal(&f, v).map(|percent| core::Price::DoctorFee { percent })
        }
        PriceKind::FromSource => Some(core::Price::FromSource),
    }
}

/// A price-list item.
pub fn price_item(r: &mut Reader, path: &str, item: &PriceItem) -> Option<core::PriceItem> {
    let versions: Vec<Option<core::PriceVersion>> = item
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let p = format!("{path}versions[{i}].");
            let from = r.date(&format!("{p}effectiveFrom"), &v.effective_from);
            let pr = price(r, &format!("{p}price."), &v.price);
            let tax = tax_rate(r, &format!("{p}tax."), &v.tax);
            Some(core::PriceVersion {
                effective_from: from?,
                price: pr?,
                tax: tax?,
                tax_inclusive: v.tax_inclusive.unwrap_or(false),
            })
        })
        .collect();
    let kind = same_enum(r, &format!("{path}kind"), &item.kind);
    Some(core::PriceItem {
        code: item.code.clone(),
        name: item.name.clone(),
        kind: kind?,
        versions: versions.into_iter().collect::<Option<Vec<_>>>()?,
    })
}

/// A coverage plan.
pub fn coverage_plan(r: &mut Reader, path: &str, p: &CoveragePlan) -> Option<core::CoveragePlan> {
    let currency = r.money_currency(&p.currency);
    let deductible = r.money(&format!("{path}annualDeductible"), &p.annual_deductible);
    let mut copays = BTreeMap::new();
    let mut copays_ok = true;
    for (visit, m) in p.copays.iter().flatten() {
        match r.money(&format!("{path}copays.{visit}"), m) {
            Some(m) => {
                copays.insert(visit.clone(), m);
            }
            None => copays_ok = false,
        }
    }
    let coinsurance = r.decimal(&format!("{path}coinsurancePercent"), &p.coinsurance_percent);
    let oop = opt_money(r, &format!("{path}outOfPocketMax"), p.out_of_pocket_max.as_ref());
    if !copays_ok {
        return None;
    }
    Some(core::CoveragePlan {
        payer: p.payer.clone(),
        plan: p.plan.clone().unwrap_or_default(),
        currency: currency?,
        annual_deductible: deductible?,
        copays,
        coinsurance_percent: coinsurance?,
        out_of_pocket_max: oop?,
        not_covered: p.not_covered.iter().flatten().cloned().collect(),
        preauthorization_required: p.preauthorization_required.iter().flatten().cloned().collect(),
    })
}

/// What was used of a plan.
pub fn coverage_usage(r: &mut Reader, path: &str, u: &CoverageUsage) -> Option<core::CoverageUsage> {
    let d = r.money(&format!("{path}deductibleUsed"), &u.deductible_used);
    let o = r.money(&format!("{path}outOfPocketUsed"), &u.out_of_pocket_used);
    Some(core::CoverageUsage {
        deductible_used: d?,
        out_of_pocket_used: o?,
    })
}

/// A charge's source.
pub fn charge_source(r: &mut Reader, path: &str, s: &ChargeSource) -> Option<core::ChargeSource> {
    let id_field = format!("{path}id");
    match s.kind {
        ChargeSourceKind::Appointment => {
            let v = required(r, &id_field, s.id.as_deref(), "`id`")?;
            r.id::<AppointmentId>(&id_field, v)
                .map(|id| core::ChargeSource::Appointment { id })
        }
        ChargeSourceKind::Dispense => {
            let v = required(r, &id_field, s.id.as_deref(), "`id`")?;
            r.id::<DispenseId>(&id_field, v)
                .map(|id| core::ChargeSource::Dispense { id })
        }
        ChargeSourceKind::LabOrder => {
            let v = required(r, &id_field, s.id.as_deref(), "`id`")?;
            r.id::<LabOrderId>(&id_field, v)
                .map(|id| core::ChargeSource::LabOrder { id })
        }
        ChargeSourceKind::BedDay => {
            let af = format!("{path}admission");
            let df = format!("{path}date");
            let a = required(r, &af, s.admission.as_deref(), "`admission`");
            let d = required(r, &df, s.date.as_deref(), "`date`");
            let a = a.and_then(|a| r.id(&af, a));
            let d = d.and_then(|d| r.date(&df, d));
            Some(core::ChargeSource::BedDay {
                admission: a?,
                date: d?,
            })
        }
        ChargeSourceKind::Manual => {
            let f = format!("{path}reference");
            let v = required(r, &f, s.reference.as_deref(), "`reference`")?;
            Some(core::ChargeSource::Manual {
                reference: v.to_owned(),
            })
        }
    }
}

/// A charge request.
pub fn charge_request(r: &mut Reader, q: &ChargeRequest) -> Option<core::ChargeRequest> {
    let patient = r.id::<PatientId>("patient", &q.patient);
    let source = charge_source(r, "source.", &q.source);
    let quantity = r.decimal("quantity", &q.quantity);
    let unit_price = opt_money(r, "unitPrice", q.unit_price.as_ref());
    let date = r.opt_date("serviceDate", q.service_date.as_deref());
    Some(core::ChargeRequest {
        unit_price: unit_price?,
        service_date: date?,
        preauthorization: q.preauthorization.clone(),
        note: q.note.clone(),
        ..core::ChargeRequest::new(patient?, source?, q.item_code.clone(), quantity?)
    })
}

/// A payment method.
pub fn payment_method(r: &mut Reader, path: &str, m: &PaymentMethod) -> Option<core::PaymentMethod> {
    Some(match m.kind {
        PaymentMethodKind::Cash => core::PaymentMethod::Cash,
        PaymentMethodKind::Card => core::PaymentMethod::Card,
        PaymentMethodKind::InsuranceRemittance => core::PaymentMethod::InsuranceRemittance,
        PaymentMethodKind::Gateway => {
            let f = format!("{path}provider");
            let p = required(r, &f, m.provider.as_deref(), "`provider`")?;
            core::PaymentMethod::Gateway {
                provider: p.to_owned(),
            }
        }
    })
}

/// A payment request.
pub fn payment_request(r: &mut Reader, q: &PaymentRequest) -> Option<core::PaymentRequest> {
    let patient = r.id::<PatientId>("patient", &q.patient);
    let amount = r.money("amount", &q.amount);
    let method = payment_method(r, "method.", &q.method);
    let allocation = match &q.allocation {
        None => Some(core::AllocationRule::OldestFirst),
        Some(a) => match a.kind {
            AllocationKind::OldestFirst => Some(core::AllocationRule::OldestFirst),
            AllocationKind::Explicit => {
                let parts: Vec<Option<(InvoiceId, CoreMoney)>> = a
                    .parts
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, p)| {
                        let inv = r.id(&format!("allocation.parts[{i}].invoice"), &p.invoice);
                        let m = r.money(&format!("allocation.parts[{i}].amount"), &p.amount);
                        inv.zip(m)
                    })
                    .collect();
                parts
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(|parts| core::AllocationRule::Explicit { parts })
            }
        },
    };
    Some(core::PaymentRequest {
        external_reference: q.external_reference.clone(),
        allocation: allocation?,
        ..core::PaymentRequest::new(patient?, amount?, method?)
    })
}

/// The credit-note lines.
pub fn credit_requests(r: &mut Reader, lines: &[CreditRequest]) -> Option<Vec<core::CreditRequest>> {
    let read: Vec<Option<core::CreditRequest>> = lines
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let amount = opt_money(r, &format!("lines[{i}].amount"), c.amount.as_ref())?;
            Some(core::CreditRequest {
                line: usize::try_from(c.line).unwrap_or(usize::MAX),
                amount,
            })
        })
        .collect();
    read.into_iter().collect()
}

/// The lines of `priceInvoice`.
pub fn line_input(r: &mut Reader, path: &str, l: &LineInput) -> Option<core::LineInput> {
    let q = r.decimal(&format!("{path}quantity"), &l.quantity);
    let up = r.money(&format!("{path}unitPrice"), &l.unit_price);
    let tax = tax_rate(r, &format!("{path}tax."), &l.tax);
    let d = opt_discount(r, &format!("{path}discount."), l.discount.as_ref());
    Some(core::LineInput {
        item_code: l.item_code.clone(),
        quantity: q?,
        unit_price: up?,
        tax: tax?,
        tax_inclusive: l.tax_inclusive.unwrap_or(false),
        discount: d?,
        visit_type: l.visit_type.clone(),
        preauthorized: l.preauthorized.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::bridge;
    use rust_decimal::Decimal as D;

    #[test]
    fn a_discount_comes_over_as_a_kind_and_its_value() {
        let d: Discount = bridge(&core::Discount::Percent(D::new(125, 1))).unwrap();
        assert_eq!(
            (d.kind, d.percent.as_deref()),
            (DiscountKind::Percent, Some("12.5"))
        );
        let mut r = Reader::new();
        let back = discount(&mut r, "discount.", &d);
        assert_eq!(back, Some(core::Discount::Percent(D::new(125, 1))));
    }

    #[test]
    fn a_request_names_every_unreadable_field_by_its_path() {
        let mut r = Reader::new();
        let q = ChargeRequest {
            patient: "P-1".into(),
            source: ChargeSource {
                kind: ChargeSourceKind::BedDay,
                id: None,
                admission: None,
                date: Some("2026-02-30".into()),
                reference: None,
            },
            item_code: "bed".into(),
            quantity: "one".into(),
            unit_price: None,
            service_date: None,
            preauthorization: None,
            note: None,
        };
        assert!(charge_request(&mut r, &q).is_none());
        let hms_core::Error::Validation(v) = r.finish().unwrap_err() else {
            panic!("a validation error")
        };
        let fields: Vec<_> = v.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["patient", "source.admission", "source.date", "quantity"]);
    }
}
