//! Charges: one billable service used by a patient, made from one source event.
//!
//! Rules:
//! - a source event (an appointment, a dispense, a lab order, a bed-day, a manual reference) is
//!   charged at most once: the same source again returns the first charge (idempotent), and a
//!   different charge for the same source is refused (`idempotency_mismatch`); backends keep a unique
//!   key on [`ChargeSource::key`];
//! - a charge sits on at most one invoice at a time, and every invoice line names its charge.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalog::ItemKind;
use super::TaxRate;
use crate::ids::{
    AccountId, AdmissionId, AppointmentId, ChargeId, DispenseId, InvoiceId, LabOrderId, PatientId,
};
use crate::money::Money;

/// The clinical event a charge is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChargeSource {
    /// A fulfilled appointment (the consultation).
    Appointment {
        /// The appointment.
        id: AppointmentId,
    },
    /// Medicines handed out by the pharmacy.
    Dispense {
        /// The dispense.
        id: DispenseId,
    },
    /// A completed laboratory order.
    LabOrder {
        /// The order.
        id: LabOrderId,
    },
    /// One day of an inpatient stay.
    BedDay {
        /// The admission.
        admission: AdmissionId,
        /// The day.
        date: NaiveDate,
    },
    /// A charge entered by hand, under a reference the clerk chooses (unique).
    Manual {
        /// The reference.
        reference: String,
    },
}

impl ChargeSource {
    /// The unique key of the source, e.g. `appointment:0190…`, `bed_day:0190…:2026-03-02`.
    pub fn key(&self) -> String {
        match self {
            ChargeSource::Appointment { id } => format!("appointment:{id}"),
            ChargeSource::Dispense { id } => format!("dispense:{id}"),
            ChargeSource::LabOrder { id } => format!("lab_order:{id}"),
            ChargeSource::BedDay { admission, date } => format!("bed_day:{admission}:{date}"),
            ChargeSource::Manual { reference } => format!("manual:{}", reference.trim()),
        }
    }
}

impl fmt::Display for ChargeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// A request to charge a patient for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// Who used the service.
    pub patient: PatientId,
    /// What it was.
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// How many.
    pub quantity: Decimal,
    /// The source's own unit price, only for items priced by their source (medicines).
    #[serde(default)]
    pub unit_price: Option<Money>,
    /// The day of service; today when not given.
    #[serde(default)]
    pub service_date: Option<NaiveDate>,
    /// The payer's pre-authorization number, if one was given.
    #[serde(default)]
    pub preauthorization: Option<String>,
    /// Extra words for the invoice line (a medicine's strength, a bed's ward).
    #[serde(default)]
    pub note: Option<String>,
}

impl ChargeRequest {
    /// A charge of `quantity` of `item_code` for `source`, priced by the price list, served today.
    pub fn new(
        patient: PatientId,
        source: ChargeSource,
        item_code: impl Into<String>,
        quantity: Decimal,
    ) -> Self {
        ChargeRequest {
            patient,
            source,
            item_code: item_code.into(),
            quantity,
            unit_price: None,
            service_date: None,
            preauthorization: None,
            note: None,
        }
    }
}

/// A billable service used by a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The charge.
    pub id: ChargeId,
    /// Who used the service.
    pub patient: PatientId,
    /// The event charged (unique).
    pub source: ChargeSource,
    /// The price-list item.
    pub item_code: String,
    /// The kind of item.
    pub kind: ItemKind,
    /// The invoice line text.
    pub description: String,
    /// How many.
    pub quantity: Decimal,
    /// The unit price in force on the service date (copied, never looked up again).
    pub unit_price: Money,
    /// The tax category and rate in force on the service date.
    pub tax: TaxRate,
    /// Whether the unit price includes the tax.
    pub tax_inclusive: bool,
    /// The visit type, for a consultation.
    pub visit_type: Option<String>,
    /// The payer's pre-authorization number.
    pub preauthorization: Option<String>,
    /// The day of service.
    pub service_date: NaiveDate,
    /// The invoice the charge is on, if any.
    pub invoice: Option<InvoiceId>,
    /// Who made the charge.
    pub created_by: AccountId,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Charge {
    /// Rule: a repeated request for the same source is the same charge when it names the same patient,
    /// item and quantity (and the same source price, if any).
    pub fn same_request(&self, r: &ChargeRequest) -> bool {
        self.patient == r.patient
            && self.item_code == super::catalog::normalize_code(&r.item_code)
            && self.quantity == r.quantity
            && r.unit_price.is_none_or(|p| p == self.unit_price)
    }
}
