//! Billing use cases of the facade: the price list and coverage plans, charges from clinical events,
//! draft invoices, issuing, cancelling and crediting invoices, payments (at the desk and through a
//! gateway), refunds, statements, aging and due-date reminders.
//!
//! A patient's year-to-date deductible and out-of-pocket usage is **derived** from their issued
//! invoices and credit notes (see [`invoice::coverage_usage`]) rather than kept in a separate
//! accumulator: the figures it is derived from are frozen at issue, so the sum cannot drift from the
//! invoices, a credit note gives back exactly what its invoice used, and backends need no extra table.
//! It costs one read of the patient's invoices per issue, a few dozen rows a year.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Effects, Hospital};
use crate::access::{Action, ResourceKind};
use crate::billing::catalog::{self, ItemKind, PriceItem};
use crate::billing::charge::dispense_charge;
use crate::billing::coverage::{self, CoveragePlan, CoverageUsage};
use crate::billing::dues::{self, Aging, Statement};
use crate::billing::gateway::{GatewayEvent, IntentRequest, PaymentGateway, PaymentIntent};
use crate::billing::invoice::{
    self, AppliedCoverage, CreditNoteHeader, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus,
};
use crate::billing::payment::{self, Allocation, OpenItem, Payment, Refund, Responsibility};
use crate::billing::{calculate, BillingError, Breakdown, Charge, ChargeSource, Discount, InvoiceInput};
use crate::error::{Error, FieldCode, Result, ValidationError};
use crate::events::DomainEvent;
use crate::ids::{AccountId, AppointmentId, ChargeId, DispenseId, InvoiceId, PatientId, PaymentId, RefundId};
use crate::money::Money;
use crate::people::Patient;
use crate::scheduling::AppointmentStatus;
use crate::store::{Reads, Sequence, Store, Writes};

pub use crate::billing::charge::ChargeRequest;
pub use crate::billing::invoice::CreditRequest;
pub use crate::billing::payment::PaymentRequest;

/// What is owed to the hospital, by the age of the invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgingReport {
    /// The report date.
    pub as_of: NaiveDate,
    /// What patients owe.
    pub patient: Aging,
    /// What insurers owe.
    pub payer: Aging,
    /// How many invoices are open.
    pub open_invoices: usize,
}

/// A charge being made, with what the use case adds to the request.
struct NewCharge<'a> {
    request: &'a ChargeRequest,
    doctor_fee: Option<Money>,
    visit_type: Option<String>,
    extra: Option<String>,
}

fn required_reason(reason: &str) -> Result<String> {
    let r = crate::people::fold_spaces(reason);
    if r.is_empty() {
        return Err(ValidationError::single("reason", FieldCode::Required, "a reason is required").into());
    }
    Ok(r)
}

fn require_invoice(tx: &dyn Reads, id: InvoiceId) -> Result<Invoice> {
    tx.invoice(id)?.ok_or_else(|| Error::not_found("invoice", id))
}

fn require_draft(inv: &Invoice) -> Result<()> {
    if inv.status == InvoiceStatus::Draft {
        Ok(())
    } else {
        Err(BillingError::ImmutableInvoice {
            invoice: inv.id,
            status: inv.status,
        }
        .into())
    }
}

/// Moves an issued or balanced invoice to the status its balance calls for, with its event.
fn settle(inv: &mut Invoice, fx: &mut Effects, by: Option<AccountId>) -> Result<()> {
    let target = inv.settled_status();
    if inv.status.counts() && target != inv.status {
        let from = inv.status;
        *inv = invoice::transition(inv, target, fx.now, by, None)?;
        fx.events.push(if target == InvoiceStatus::Balanced {
            DomainEvent::InvoiceBalanced {
                invoice: inv.id,
                patient: inv.patient,
            }
        } else {
            DomainEvent::InvoiceStatusChanged {
                invoice: inv.id,
                patient: inv.patient,
                from,
                to: target,
            }
        });
    }
    Ok(())
}

impl<S: Store> Hospital<S> {
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.settings.zone).date_naive()
    }

    /// Adds or replaces an item of the price list. Versions already in force are history and must be
    /// kept as they are; a price change is a new version from today or later.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `invalid_input` listing every bad field, or
    /// a changed version already in force.
    pub fn set_price_item(&self, actor: AccountId, item: &PriceItem) -> Result<PriceItem> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::PriceList, None)?;
            let item = catalog::validate_item(item, self.settings.currency)?;
            if let Some(old) = tx.price_item(&item.code)? {
                catalog::check_history_kept(&old, &item, today)?;
            }
            tx.put_price_item(&item)?;
            Ok(item.clone())
        })
    }

    /// The price list, ordered by code.
    ///
    /// # Errors
    /// `forbidden` for patients.
    pub fn price_list(&self, actor: AccountId) -> Result<Vec<PriceItem>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::PriceList, None)?;
            tx.price_items()
        })
    }

    /// Adds or replaces the terms of an insurance plan (keyed by payer and plan name, as written on
    /// patients' policies).
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `invalid_input` listing every bad field.
    pub fn set_coverage_plan(&self, actor: AccountId, plan: &CoveragePlan) -> Result<CoveragePlan> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Update, ResourceKind::PriceList, None)?;
            coverage::validate_plan(plan, self.settings.currency)?;
            let plan = CoveragePlan {
                payer: crate::people::fold_spaces(&plan.payer),
                plan: crate::people::fold_spaces(&plan.plan),
                ..plan.clone()
            };
            tx.put_coverage_plan(&plan)?;
            Ok(plan)
        })
    }

    /// Charges a fulfilled appointment: the consultation, priced from the doctor's fee by visit type
    /// (price-list item `consultation.<visit type>`, else `consultation`). Charging the same
    /// appointment again returns the first charge.
    ///
    /// # Errors
    /// `forbidden`; `not_found` for the appointment or a missing consultation price; `not_chargeable`
    /// unless the appointment is fulfilled; `no_price` when no price is in force on the visit date.
    pub fn charge_appointment(&self, actor: AccountId, appointment: AppointmentId) -> Result<Charge> {
        let ids = (
            ChargeId::from_uuid(self.new_uuid()),
            InvoiceId::from_uuid(self.new_uuid()),
        );
        self.run(Some(actor), |tx, fx| {
            let a = tx
                .appointment(appointment)?
                .ok_or_else(|| Error::not_found("appointment", appointment))?;
            self.authorize(tx, fx, Action::Create, ResourceKind::Invoice, Some(a.patient))?;
            let source = ChargeSource::Appointment { id: appointment };
            if let Some(existing) = tx.charge_by_source(&source)? {
                return Ok(existing);
            }
            if a.status != AppointmentStatus::Fulfilled {
                return Err(BillingError::NotChargeable {
                    appointment,
                    status: a.status,
                }
                .into());
            }
            let doctor = tx
                .staff(a.doctor)?
                .ok_or_else(|| Error::not_found("doctor", a.doctor))?;
            let codes = catalog::consultation_codes(&a.visit_type);
            let mut code = None;
            for c in &codes {
                if tx.price_item(c)?.is_some() {
                    code = Some(c.clone());
                    break;
                }
            }
            let [first, _] = &codes;
            let code = code.ok_or_else(|| Error::not_found("price-list item", first))?;
            let mut request = ChargeRequest::new(a.patient, source, code, Decimal::ONE);
            request.service_date = Some(a.local_start.date());
            let name = &doctor.details.name;
            let charge = NewCharge {
                request: &request,
                doctor_fee: doctor.doctor().map(|d| d.consultation_fee),
                visit_type: Some(a.visit_type.clone()),
                extra: Some(format!("Dr {} {}", name.given, name.family)),
            };
            self.charge_in(tx, fx, actor, &charge, ids)
        })
    }

    /// Charges a dispense: the medicine the patient kept (units handed out less units given back so
    /// far, at the batches' sale prices; [`crate::billing::charge::dispense_charge`]), under the
    /// price-list item [`catalog::DISPENSE_ITEM`] (priced from its source, taxed as that item says),
    /// served on the day of the dispense, on the patient's draft invoice. Charging the same dispense
    /// again returns the first charge and changes nothing, also after a later return: a return once
    /// the dispense is charged is corrected on the invoice (a credit note once it is issued).
    ///
    /// # Errors
    /// `forbidden`; `not_found` for the dispense or a missing `medicine` price-list item;
    /// `invalid_input` for an anonymous over-the-counter sale (no patient to charge) or a dispense
    /// whose every unit was given back; `no_price` when no price is in force on the dispense date.
    pub fn charge_dispense(&self, actor: AccountId, dispense: DispenseId) -> Result<Charge> {
        let ids = (
            ChargeId::from_uuid(self.new_uuid()),
            InvoiceId::from_uuid(self.new_uuid()),
        );
        self.run(Some(actor), |tx, fx| {
            let d = tx
                .dispense(dispense)?
                .ok_or_else(|| Error::not_found("dispense", dispense))?;
            self.authorize(tx, fx, Action::Create, ResourceKind::Invoice, d.patient)?;
            let source = ChargeSource::Dispense { id: dispense };
            if let Some(existing) = tx.charge_by_source(&source)? {
                return Ok(existing);
            }
            let Some(patient) = d.patient else {
                return Err(ValidationError::single(
                    "dispense",
                    FieldCode::Required,
                    format!("dispense `{dispense}` was an anonymous sale: there is no patient to charge"),
                )
                .into());
            };
            let kept = dispense_charge(&d)?;
            let mut names = Vec::with_capacity(kept.kept.len());
            for (drug, units) in &kept.kept {
                let name = match tx.drug(*drug)? {
                    Some(x) => x.display_name(),
                    None => drug.to_string(),
                };
                names.push(format!("{name} × {units}"));
            }
            let mut request = ChargeRequest::new(patient, source, catalog::DISPENSE_ITEM, kept.quantity);
            request.unit_price = Some(kept.unit_price);
            request.service_date = Some(self.local_date(d.dispensed_at));
            let charge = NewCharge {
                request: &request,
                doctor_fee: None,
                visit_type: None,
                extra: Some(names.join(", ")),
            };
            self.charge_in(tx, fx, actor, &charge, ids)
        })
    }

    /// Charges a patient for a service (a dispense, a lab order, a bed-day, a manual charge) and puts
    /// it on their draft invoice. The same source again returns the first charge.
    ///
    /// # Errors
    /// `forbidden`; `not_found` for the patient or the item; `invalid_input` for a quantity not above
    /// zero or a unit price given where the price list prices the item (or missing where it does
    /// not); `no_price`; `currency_mismatch`; `idempotency_mismatch` when the source was charged
    /// differently before.
    ///
    /// # Example
    /// ```
    /// # use hms_core::{Hospital, HospitalSettings, store::MemoryStore};
    /// # use hms_core::billing::{ChargeRequest, ChargeSource, ItemKind, Price, PriceItem, PriceVersion, TaxRate};
    /// # use hms_core::people::{PatientDetails, PersonName, AdministrativeSex};
    /// # use hms_core::money::{Currency, Money};
    /// # use chrono::NaiveDate;
    /// # use rust_decimal::Decimal;
    /// let hospital = Hospital::new(MemoryStore::new(), HospitalSettings::default());
    /// let admin = hospital.bootstrap_admin("admin")?.id;
    /// let born = NaiveDate::from_ymd_opt(1988, 4, 12).unwrap();
    /// let patient = hospital.register_patient(admin, PatientDetails::new(PersonName::new("Asha", "Rao"), born, AdministrativeSex::Female))?;
    /// hospital.set_price_item(admin, &PriceItem::new("ambulance", "Ambulance transfer", ItemKind::Other, PriceVersion {
    ///     effective_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
    ///     price: Price::Fixed { amount: Money::from_minor(12_000, Currency::USD) },
    ///     tax: TaxRate::exempt(),
    ///     tax_inclusive: false,
    /// }))?;
    /// let source = ChargeSource::Manual { reference: "AMB-1".into() };
    /// let charge = hospital.add_charge(admin, &ChargeRequest::new(patient.id, source.clone(), "ambulance", Decimal::ONE))?;
    /// let again = hospital.add_charge(admin, &ChargeRequest::new(patient.id, source, "ambulance", Decimal::ONE))?;
    /// assert_eq!(charge.id, again.id); // charged once
    /// # Ok::<(), hms_core::Error>(())
    /// ```
    pub fn add_charge(&self, actor: AccountId, request: &ChargeRequest) -> Result<Charge> {
        let ids = (
            ChargeId::from_uuid(self.new_uuid()),
            InvoiceId::from_uuid(self.new_uuid()),
        );
        self.run(Some(actor), |tx, fx| {
            self.authorize(
                tx,
                fx,
                Action::Create,
                ResourceKind::Invoice,
                Some(request.patient),
            )?;
            let charge = NewCharge {
                request,
                doctor_fee: None,
                visit_type: None,
                extra: request
                    .note
                    .as_deref()
                    .map(crate::people::fold_spaces)
                    .filter(|n| !n.is_empty()),
            };
            self.charge_in(tx, fx, actor, &charge, ids)
        })
    }

    fn charge_in(
        &self,
        tx: &mut dyn Writes,
        fx: &mut Effects,
        actor: AccountId,
        new: &NewCharge<'_>,
        (charge_id, draft_id): (ChargeId, InvoiceId),
    ) -> Result<Charge> {
        let r = new.request;
        if let Some(existing) = tx.charge_by_source(&r.source)? {
            return if existing.same_request(r) {
                Ok(existing)
            } else {
                Err(BillingError::IdempotencyMismatch {
                    reference: r.source.key(),
                    what: "charge",
                }
                .into())
            };
        }
        tx.patient(r.patient)?
            .ok_or_else(|| Error::not_found("patient", r.patient))?;
        if r.quantity <= Decimal::ZERO {
            return Err(ValidationError::single(
                "quantity",
                FieldCode::OutOfRange,
                format!("a quantity of `{}` is not above zero", r.quantity),
            )
            .into());
        }
        if let ChargeSource::Manual { reference } = &r.source {
            if reference.trim().is_empty() {
                return Err(ValidationError::single(
                    "source.reference",
                    FieldCode::Required,
                    "a manual charge needs a reference",
                )
                .into());
            }
        }
        let code = catalog::normalize_code(&r.item_code);
        let item = tx
            .price_item(&code)?
            .ok_or_else(|| Error::not_found("price-list item", &r.item_code))?;
        let date = r.service_date.unwrap_or_else(|| self.local_date(fx.now));
        let version = item.price_on(date)?;
        let unit_price = catalog::unit_price(version, r.unit_price, new.doctor_fee, self.settings.currency)?;
        let description = match &new.extra {
            Some(extra) => format!("{} ({extra})", item.name),
            None => item.name.clone(),
        };
        let mut charge = Charge {
            id: charge_id,
            patient: r.patient,
            source: r.source.clone(),
            item_code: code,
            kind: item.kind,
            description,
            quantity: r.quantity,
            unit_price,
            tax: version.tax.clone(),
            tax_inclusive: version.tax_inclusive,
            visit_type: new
                .visit_type
                .clone()
                .filter(|_| item.kind == ItemKind::Consultation),
            preauthorization: r
                .preauthorization
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            service_date: date,
            invoice: None,
            created_by: actor,
            created_at: fx.now,
        };
        tx.insert_charge(&charge)?;
        fx.events.push(DomainEvent::ChargeAdded {
            charge: charge.id,
            patient: charge.patient,
            source: charge.source.key(),
        });
        let draft = self.draft_in(tx, actor, r.patient, draft_id, fx.now)?;
        charge.invoice = Some(draft.id);
        Ok(charge)
    }

    /// The patient's draft invoice (made if there is none) with every charge not yet on an invoice.
    fn draft_in(
        &self,
        tx: &mut dyn Writes,
        actor: AccountId,
        patient: PatientId,
        new_id: InvoiceId,
        now: DateTime<Utc>,
    ) -> Result<Invoice> {
        let existing = tx
            .invoices_of_patient(patient)?
            .into_iter()
            .find(|i| i.status == InvoiceStatus::Draft && !i.is_credit_note());
        let is_new = existing.is_none();
        let mut draft = existing.unwrap_or_else(|| {
            Invoice::draft(
                new_id,
                patient,
                self.settings.currency,
                self.settings.invoice_rounding,
                actor,
                now,
            )
        });
        let mut added = false;
        for mut c in tx.charges_of_patient(patient)? {
            if c.invoice.is_none() {
                draft.lines.push(InvoiceLine::from_charge(&c));
                c.invoice = Some(draft.id);
                tx.update_charge(&c)?;
                added = true;
            }
        }
        if is_new {
            tx.insert_invoice(&draft)?;
        } else if added {
            draft.version += 1;
            tx.update_invoice(&draft)?;
        }
        Ok(draft)
    }

    /// The patient's draft invoice, made if there is none, holding every charge not yet invoiced.
    ///
    /// # Errors
    /// `forbidden`; `not_found` for an unknown patient.
    pub fn open_invoice(&self, actor: AccountId, patient: PatientId) -> Result<Invoice> {
        let id = InvoiceId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Invoice, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            self.draft_in(tx, actor, patient, id, fx.now)
        })
    }

    /// Sets (or with `None` removes) a discount on a draft's line (`Some(index)`) or on the whole
    /// draft (`None`).
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `not_found`; `immutable_invoice` once the
    /// invoice is issued; `invalid_input` for an unknown line or a discount that does not fit.
    pub fn set_discount(
        &self,
        actor: AccountId,
        invoice: InvoiceId,
        line: Option<usize>,
        discount: Option<Discount>,
    ) -> Result<Invoice> {
        self.run(Some(actor), |tx, fx| {
            let mut inv = require_invoice(tx, invoice)?;
            self.authorize(tx, fx, Action::Update, ResourceKind::Invoice, Some(inv.patient))?;
            require_draft(&inv)?;
            match line {
                None => inv.invoice_discount = discount,
                Some(i) => {
                    let l = inv.lines.get_mut(i).ok_or_else(|| {
                        ValidationError::single(
                            "line",
                            FieldCode::OutOfRange,
                            format!("the invoice has no line {i}"),
                        )
                    })?;
                    l.discount = discount;
                }
            }
            let lines = inv.line_inputs();
            calculate(&InvoiceInput {
                currency: inv.currency,
                rounding: inv.rounding,
                lines: &lines,
                invoice_discount: inv.invoice_discount,
                coverage: None,
            })?;
            inv.version += 1;
            tx.update_invoice(&inv)?;
            Ok(inv)
        })
    }

    /// The patient's active coverage on `date`: the first insurance policy in force whose payer and
    /// plan have terms on file, and what the patient has used of it this plan year.
    fn coverage_on(
        tx: &dyn Reads,
        patient: &Patient,
        date: NaiveDate,
    ) -> Result<Option<(CoveragePlan, AppliedCoverage, CoverageUsage)>> {
        for policy in patient.details.insurance.iter().filter(|p| p.covers(date)) {
            let plan_name = policy.plan.clone().unwrap_or_default();
            if let Some(plan) = tx.coverage_plan(&policy.payer, &plan_name)? {
                let year = invoice::plan_year(date);
                let usage = invoice::coverage_usage(
                    &tx.invoices_of_patient(patient.id)?,
                    &plan.payer,
                    &plan.plan,
                    year,
                    plan.currency,
                );
                let applied = AppliedCoverage {
                    payer: plan.payer.clone(),
                    plan: plan.plan.clone(),
                    member_id: policy.member_id.clone(),
                    year,
                };
                return Ok(Some((plan, applied, usage)));
            }
        }
        Ok(None)
    }

    fn price_draft(
        &self,
        tx: &dyn Reads,
        inv: &Invoice,
        date: NaiveDate,
    ) -> Result<(Breakdown, Option<AppliedCoverage>)> {
        let patient = tx
            .patient(inv.patient)?
            .ok_or_else(|| Error::not_found("patient", inv.patient))?;
        let coverage = Self::coverage_on(tx, &patient, date)?;
        let lines = inv.line_inputs();
        let breakdown = calculate(&InvoiceInput {
            currency: inv.currency,
            rounding: inv.rounding,
            lines: &lines,
            invoice_discount: inv.invoice_discount,
            coverage: coverage.as_ref().map(|(p, _, u)| (p, *u)),
        })?;
        Ok((breakdown, coverage.map(|(_, a, _)| a)))
    }

    /// The figures of an invoice: an issued one's frozen breakdown, or what a draft would come to if
    /// issued now.
    ///
    /// # Errors
    /// `forbidden`; `not_found`.
    pub fn invoice_breakdown(&self, actor: AccountId, invoice: InvoiceId) -> Result<Breakdown> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            let inv = require_invoice(tx, invoice)?;
            self.authorize(tx, fx, Action::Read, ResourceKind::Invoice, Some(inv.patient))?;
            match &inv.breakdown {
                Some(b) => Ok(b.clone()),
                None => Ok(self.price_draft(tx, &inv, today)?.0),
            }
        })
    }

    /// Issues a draft: prices it with the patient's coverage in force today, numbers it, sets its due
    /// date and freezes it. An invoice that comes to nothing due is balanced at once.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `not_found`; `invalid_transition` unless it
    /// is a draft; `invalid_input` for an invoice with no lines or figures that do not compute.
    pub fn issue_invoice(&self, actor: AccountId, invoice: InvoiceId) -> Result<Invoice> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            let inv = require_invoice(tx, invoice)?;
            self.authorize(tx, fx, Action::Issue, ResourceKind::Invoice, Some(inv.patient))?;
            let mut next = invoice::transition(&inv, InvoiceStatus::Issued, fx.now, Some(actor), None)?;
            if inv.lines.is_empty() {
                return Err(ValidationError::single(
                    "lines",
                    FieldCode::Required,
                    "an invoice needs at least one line",
                )
                .into());
            }
            let (breakdown, coverage) = self.price_draft(tx, &inv, today)?;
            let number = format!("INV-{:06}", tx.next_sequence(Sequence::Invoice)?);
            let due_date = invoice::due_date(today, self.settings.payment_terms_days);
            next.number = Some(number.clone());
            next.coverage = coverage;
            next.issued_at = Some(fx.now);
            next.issue_date = Some(today);
            next.due_date = Some(due_date);
            fx.events.push(DomainEvent::InvoiceIssued {
                invoice: inv.id,
                patient: inv.patient,
                number,
                total: breakdown.totals.gross,
                patient_share: breakdown.totals.patient,
                due_date,
            });
            next.breakdown = Some(breakdown);
            settle(&mut next, fx, Some(actor))?;
            tx.update_invoice(&next)?;
            Ok(next)
        })
    }

    /// Cancels a draft or marks an invoice entered-in-error (an issued one only while nothing was
    /// paid or credited on it). Its charges come off it and go on the patient's next draft.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `not_found`; `invalid_input` for a blank
    /// reason or another target status; `invalid_transition`.
    pub fn void_invoice(
        &self,
        actor: AccountId,
        invoice: InvoiceId,
        to: InvoiceStatus,
        reason: &str,
    ) -> Result<Invoice> {
        self.run(Some(actor), |tx, fx| {
            let inv = require_invoice(tx, invoice)?;
            self.authorize(tx, fx, Action::Cancel, ResourceKind::Invoice, Some(inv.patient))?;
            if !matches!(to, InvoiceStatus::Cancelled | InvoiceStatus::EnteredInError) {
                return Err(ValidationError::single(
                    "to",
                    FieldCode::Inconsistent,
                    format!("an invoice is voided as `cancelled` or `entered-in-error`, not `{to}`"),
                )
                .into());
            }
            let reason = required_reason(reason)?;
            let next = invoice::transition(&inv, to, fx.now, Some(actor), Some(reason))?;
            for l in &inv.lines {
                if let Some(mut c) = tx.charge(l.charge)? {
                    if c.invoice == Some(inv.id) {
                        c.invoice = None;
                        tx.update_charge(&c)?;
                    }
                }
            }
            tx.update_invoice(&next)?;
            fx.events.push(DomainEvent::InvoiceStatusChanged {
                invoice: inv.id,
                patient: inv.patient,
                from: inv.status,
                to,
            });
            Ok(next)
        })
    }

    /// Issues a credit note against an issued invoice, crediting whole lines or parts of them. The
    /// original stays as it was; what is due on it goes down by the credit, split between the payer
    /// and the patient like the lines credited.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `not_found`; `invalid_input` for a blank
    /// reason, an unknown line or an invoice that is not issued; `over_credit` when more is credited
    /// than is open (refund a payment first).
    pub fn issue_credit_note(
        &self,
        actor: AccountId,
        invoice: InvoiceId,
        lines: &[CreditRequest],
        reason: &str,
    ) -> Result<Invoice> {
        let id = InvoiceId::from_uuid(self.new_uuid());
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            let mut original = require_invoice(tx, invoice)?;
            self.authorize(
                tx,
                fx,
                Action::Issue,
                ResourceKind::Invoice,
                Some(original.patient),
            )?;
            let reason = required_reason(reason)?;
            let earlier: Vec<Invoice> = tx
                .invoices_of_patient(original.patient)?
                .into_iter()
                .filter(|i| matches!(&i.kind, InvoiceKind::CreditNote { original: o, .. } if *o == invoice))
                .collect();
            let header = CreditNoteHeader {
                id,
                number: String::new(),
                reason,
                by: actor,
                at: fx.now,
                date: today,
            };
            let mut note = invoice::credit_note(&original, &earlier, lines, header)?;
            note.number = Some(format!("CN-{:06}", tx.next_sequence(Sequence::CreditNote)?));
            let totals = note
                .breakdown
                .as_ref()
                .map(|b| b.totals.clone())
                .ok_or_else(crate::billing::calc::too_large)?;
            tx.insert_invoice(&note)?;
            original.credited_patient.amount += totals.patient.amount;
            original.credited_payer.amount += totals.payer.amount;
            original.version += 1;
            fx.events.push(DomainEvent::CreditNoteIssued {
                credit_note: note.id,
                invoice,
                patient: original.patient,
                total: totals.gross,
            });
            settle(&mut original, fx, Some(actor))?;
            tx.update_invoice(&original)?;
            Ok(note)
        })
    }

    /// Records a payment and applies it to the patient's open invoices (oldest first, or as
    /// directed): an insurance remittance to the payer's shares, anything else to the patient's. A
    /// request with an external reference already recorded returns that payment.
    ///
    /// # Errors
    /// `forbidden` (a patient pays only their own invoices); `not_found`; `invalid_input`;
    /// `currency_mismatch`; `overpayment` when it is more than is due (nothing is stored);
    /// `idempotency_mismatch` when the reference belongs to a different payment.
    pub fn record_payment(&self, actor: AccountId, request: &PaymentRequest) -> Result<Payment> {
        let id = PaymentId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(
                tx,
                fx,
                Action::Create,
                ResourceKind::Payment,
                Some(request.patient),
            )?;
            Self::pay_in(tx, fx, Some(actor), request, id)
        })
    }

    fn pay_in(
        tx: &mut dyn Writes,
        fx: &mut Effects,
        by: Option<AccountId>,
        request: &PaymentRequest,
        id: PaymentId,
    ) -> Result<Payment> {
        let reference = request
            .external_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if let Some(r) = &reference {
            if let Some(existing) = tx.payment_by_reference(r)? {
                return if request.matches(&existing) {
                    Ok(existing)
                } else {
                    Err(BillingError::IdempotencyMismatch {
                        reference: r.clone(),
                        what: "payment",
                    }
                    .into())
                };
            }
        }
        tx.patient(request.patient)?
            .ok_or_else(|| Error::not_found("patient", request.patient))?;
        let side = request.method.responsibility();
        let mut open: Vec<Invoice> = tx
            .invoices_of_patient(request.patient)?
            .into_iter()
            .filter(Invoice::is_open)
            .collect();
        let items: Vec<OpenItem> = open
            .iter()
            .map(|i| OpenItem {
                invoice: i.id,
                issued_at: i.issued_at.unwrap_or(i.created_at),
                due: match side {
                    Responsibility::Patient => i.patient_due(),
                    Responsibility::Payer => i.payer_due(),
                },
            })
            .collect();
        let parts = payment::allocate_payment(request.amount, &items, &request.allocation)?;
        for (inv_id, part) in &parts {
            let Some(inv) = open.iter_mut().find(|i| i.id == *inv_id) else {
                continue;
            };
            match side {
                Responsibility::Patient => inv.paid_patient.amount += part.amount,
                Responsibility::Payer => inv.paid_payer.amount += part.amount,
            }
            inv.version += 1;
            settle(inv, fx, by)?;
            tx.update_invoice(inv)?;
        }
        let zero = Money::zero(request.amount.currency);
        let p = Payment {
            id,
            patient: request.patient,
            amount: request.amount,
            method: request.method.clone(),
            external_reference: reference,
            received_at: fx.now,
            recorded_by: by,
            allocations: parts
                .iter()
                .map(|(invoice, amount)| Allocation {
                    invoice: *invoice,
                    amount: *amount,
                    refunded: zero,
                })
                .collect(),
            refunds: Vec::new(),
            version: 1,
        };
        tx.insert_payment(&p)?;
        fx.events.push(DomainEvent::PaymentRecorded {
            payment: id,
            patient: p.patient,
            amount: p.amount,
            allocations: parts,
        });
        Ok(p)
    }

    /// Refunds part of a payment, taking it back from its most recent invoice first; a balanced
    /// invoice it reopens goes back to issued.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks; `not_found`; `invalid_input` for a blank
    /// reason or an amount not above zero; `over_refund` when more is asked than is left of the payment.
    pub fn refund_payment(
        &self,
        actor: AccountId,
        payment: PaymentId,
        amount: Money,
        reason: &str,
        external_reference: Option<&str>,
    ) -> Result<Payment> {
        let refund_id = RefundId::from_uuid(self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            let mut p = tx
                .payment(payment)?
                .ok_or_else(|| Error::not_found("payment", payment))?;
            self.authorize(tx, fx, Action::Refund, ResourceKind::Payment, Some(p.patient))?;
            let reason = required_reason(reason)?;
            let parts = payment::allocate_refund(&p, amount)?;
            let side = p.method.responsibility();
            for (inv_id, part) in &parts {
                let mut inv = require_invoice(tx, *inv_id)?;
                match side {
                    Responsibility::Patient => inv.paid_patient.amount -= part.amount,
                    Responsibility::Payer => inv.paid_payer.amount -= part.amount,
                }
                inv.version += 1;
                settle(&mut inv, fx, Some(actor))?;
                tx.update_invoice(&inv)?;
                if let Some(a) = p.allocations.iter_mut().find(|a| a.invoice == *inv_id) {
                    a.refunded.amount += part.amount;
                }
            }
            p.refunds.push(Refund {
                id: refund_id,
                amount,
                reason,
                external_reference: external_reference
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
                allocations: parts,
                at: fx.now,
                by: Some(actor),
            });
            p.version += 1;
            tx.update_payment(&p)?;
            fx.events.push(DomainEvent::PaymentRefunded {
                payment,
                refund: refund_id,
                patient: p.patient,
                amount,
            });
            Ok(p)
        })
    }

    /// Starts an online payment of (part of) what a patient owes, through the host's gateway. The
    /// payment is recorded when the gateway's webhook arrives ([`Hospital::apply_gateway_webhook`]).
    ///
    /// # Errors
    /// `forbidden`; `not_found`; `invalid_input`; `overpayment` when the amount is more than the
    /// patient owes; `gateway_failed` when the gateway refuses.
    pub fn create_payment_intent(
        &self,
        actor: AccountId,
        gateway: &dyn PaymentGateway,
        patient: PatientId,
        amount: Money,
    ) -> Result<PaymentIntent> {
        let reference = format!("intent-{}", self.new_uuid());
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Create, ResourceKind::Payment, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            let items: Vec<OpenItem> = tx
                .invoices_of_patient(patient)?
                .into_iter()
                .filter(Invoice::is_open)
                .map(|i| OpenItem {
                    invoice: i.id,
                    issued_at: i.issued_at.unwrap_or(i.created_at),
                    due: i.patient_due(),
                })
                .collect();
            payment::allocate_payment(amount, &items, &payment::AllocationRule::OldestFirst)?;
            Ok(())
        })?;
        // The gateway call is outside the transaction: a store transaction may be run again, a
        // gateway request must not be.
        Ok(gateway.create_intent(&IntentRequest {
            patient,
            amount,
            reference,
        })?)
    }

    /// Applies a gateway webhook (the host's endpoint passes the raw body and signature header): a
    /// verified successful payment is recorded once under the gateway's payment reference and applied
    /// oldest first; the same webhook delivered again returns the same payment and changes nothing.
    /// Other events record nothing and return `None`.
    ///
    /// # Errors
    /// `invalid_signature`; `gateway_failed` for an unreadable payload; `not_found` for an unknown
    /// patient; `overpayment` when the patient no longer owes that much (the host then refunds the
    /// payment through the gateway).
    pub fn apply_gateway_webhook(
        &self,
        gateway: &dyn PaymentGateway,
        payload: &[u8],
        signature: &str,
    ) -> Result<Option<Payment>> {
        let GatewayEvent::PaymentSucceeded {
            payment_reference,
            patient,
            amount,
            ..
        } = gateway.verify_webhook(payload, signature)?
        else {
            return Ok(None);
        };
        let id = PaymentId::from_uuid(self.new_uuid());
        let request = PaymentRequest {
            external_reference: Some(payment_reference),
            ..PaymentRequest::new(
                patient,
                amount,
                crate::billing::PaymentMethod::Gateway {
                    provider: gateway.provider().to_owned(),
                },
            )
        };
        self.run(None, |tx, fx| Self::pay_in(tx, fx, None, &request, id).map(Some))
    }

    /// One invoice or credit note.
    ///
    /// # Errors
    /// `forbidden` (a patient sees only their own); `not_found`.
    pub fn invoice(&self, actor: AccountId, id: InvoiceId) -> Result<Invoice> {
        self.run(Some(actor), |tx, fx| {
            let inv = require_invoice(tx, id)?;
            self.authorize(tx, fx, Action::Read, ResourceKind::Invoice, Some(inv.patient))?;
            Ok(inv)
        })
    }

    /// A patient's invoices and credit notes, oldest first.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn patient_invoices(&self, actor: AccountId, patient: PatientId) -> Result<Vec<Invoice>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Invoice, Some(patient))?;
            tx.invoices_of_patient(patient)
        })
    }

    /// A patient's payments, oldest first.
    ///
    /// # Errors
    /// `forbidden`.
    pub fn patient_payments(&self, actor: AccountId, patient: PatientId) -> Result<Vec<Payment>> {
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Payment, Some(patient))?;
            tx.payments_of_patient(patient)
        })
    }

    /// A patient's statement of account as of today: invoices, credit notes, payments and refunds
    /// with the running balance, the aging of what they owe, and what insurers still owe.
    ///
    /// # Errors
    /// `forbidden` (a patient sees only their own); `not_found`.
    pub fn statement(&self, actor: AccountId, patient: PatientId) -> Result<Statement> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Invoice, Some(patient))?;
            tx.patient(patient)?
                .ok_or_else(|| Error::not_found("patient", patient))?;
            Ok(dues::statement(
                patient,
                self.settings.currency,
                &tx.invoices_of_patient(patient)?,
                &tx.payments_of_patient(patient)?,
                today,
            ))
        })
    }

    /// What patients and insurers owe the hospital today, by the age of the invoices.
    ///
    /// # Errors
    /// `forbidden` unless a billing clerk or an admin asks.
    pub fn aging_report(&self, actor: AccountId) -> Result<AgingReport> {
        let today = self.today();
        self.run(Some(actor), |tx, fx| {
            self.authorize(tx, fx, Action::Read, ResourceKind::Report, None)?;
            let cur = self.settings.currency;
            let mut report = AgingReport {
                as_of: today,
                patient: Aging::zero(cur),
                payer: Aging::zero(cur),
                open_invoices: 0,
            };
            for inv in tx.invoices_with_status(InvoiceStatus::Issued)? {
                let (false, Some(date)) = (inv.is_credit_note(), inv.issue_date) else {
                    continue;
                };
                report.patient.add(date, inv.patient_due(), today);
                report.payer.add(date, inv.payer_due(), today);
                report.open_invoices += 1;
            }
            Ok(report)
        })
    }

    /// The due-date reminder job (run daily by the host): for every issued invoice with something
    /// still due from the patient, records the reminder its due date calls for (three days before, on
    /// the day, thirty days after), once each, as an `invoice.due_reminder` event. Returns the
    /// invoices reminded.
    ///
    /// # Errors
    /// `storage`.
    pub fn send_due_reminders(&self) -> Result<Vec<InvoiceId>> {
        let today = self.today();
        self.run(None, |tx, fx| {
            let mut reminded = Vec::new();
            for mut inv in tx.invoices_with_status(InvoiceStatus::Issued)? {
                let due = inv.patient_due();
                let Some(due_date) = inv.due_date else { continue };
                if inv.is_credit_note() || !due.amount.is_sign_positive() || due.is_zero() {
                    continue;
                }
                let Some(stage) = invoice::reminder_due(due_date, today, &inv.reminders) else {
                    continue;
                };
                inv.reminders.push(stage);
                inv.version += 1;
                tx.update_invoice(&inv)?;
                fx.events.push(DomainEvent::InvoiceDueReminder {
                    invoice: inv.id,
                    patient: inv.patient,
                    stage,
                    due_date,
                    amount_due: due,
                });
                reminded.push(inv.id);
            }
            Ok(reminded)
        })
    }
}
