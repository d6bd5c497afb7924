//! The billing use cases of `Hospital` (price list, coverage plans, charges, invoices, credit notes,
//! payments, refunds, gateway payments, statements, aging, reminders), and the `PaymentGateway`
//! class they take for online payments. Every one returns a `Promise`, like the other use cases.

use std::sync::Arc;

use hms_core::billing::gateway::{MemoryGateway, PaymentGateway as _};
use hms_core::ids::{AppointmentId, DispenseId, InvoiceId, PatientId, PaymentId};
use napi::bindgen_prelude::{AsyncTask, Buffer, Either};
use napi::Env;
use napi_derive::napi;

use super::{then, Backend, Hospital};
use crate::convert::billing::{
    self as bc, AgingReport, Breakdown, Charge, ChargeRequest, CoveragePlan, CreditRequest, Discount,
    Invoice, InvoiceStatus, Payment, PaymentIntent, PaymentRequest, PriceItem, Statement,
};
use crate::convert::people;
use crate::convert::{bridge, bridge_all, id_text, IdRef, Money, Reader};
use crate::errors::OrThrow;
use crate::tasks::Job;

/// A payment gateway adapter for online payments (`createPaymentIntent`,
/// `applyGatewayWebhook`). This binding ships the core's in-memory gateway, for tests, demos and
/// the host's own integration tests: its webhooks are `key=value` lines signed with a keyed hash
/// of a shared secret (not cryptographic; a real provider signs with HMAC-SHA256).
#[napi]
#[derive(Debug, Clone)]
pub struct PaymentGateway {
    inner: Arc<MemoryGateway>,
}

/// A signed webhook body, as a gateway would post it.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayWebhook {
    /// The raw body.
    pub payload: String,
    /// The signature header.
    pub signature: String,
}

#[napi]
impl PaymentGateway {
    /// The in-memory gateway, signing with `secret`; it accepts every intent.
    #[napi(factory)]
    pub fn memory(secret: String) -> PaymentGateway {
        PaymentGateway {
            inner: Arc::new(MemoryGateway::new(secret)),
        }
    }

    /// The in-memory gateway in an outage: it refuses every intent (`gateway_failed`).
    #[napi(factory)]
    pub fn refusing(secret: String) -> PaymentGateway {
        PaymentGateway {
            inner: Arc::new(MemoryGateway::refusing(secret)),
        }
    }

    /// The provider's name (`memory`).
    #[napi(getter)]
    pub fn provider(&self) -> String {
        self.inner.provider().to_owned()
    }

    /// The signature of a payload.
    #[napi]
    pub fn sign(&self, payload: String) -> String {
        self.inner.sign(payload.as_bytes())
    }

    /// The signed webhook the gateway posts when the payment of `intent` succeeds under
    /// `paymentReference`.
    #[napi]
    pub fn succeeded_webhook(
        &self,
        env: Env,
        intent: PaymentIntent,
        payment_reference: String,
    ) -> napi::Result<GatewayWebhook> {
        let core: hms_core::billing::PaymentIntent = bridge(&intent)
            .map_err(|_| {
                hms_core::Error::from(hms_core::error::ValidationError::single(
                    "intent",
                    hms_core::error::FieldCode::InvalidFormat,
                    "not a payment intent of this gateway (a patient id and an amount are needed)",
                ))
            })
            .or_throw(&env)?;
        let (payload, signature) = self.inner.succeeded_webhook(&core, &payment_reference);
        Ok(GatewayWebhook {
            payload: String::from_utf8_lossy(&payload).into_owned(),
            signature,
        })
    }
}

#[napi]
impl Hospital {
    // ---------------------------------------------------------------------------------------
    // Billing: price list and coverage

    /// Adds or replaces an item of the price list (billing clerks, admins). Versions already in
    /// force are history and must be kept; a price change is a new version from today or later.
    /// Rejects with `forbidden`, `invalid_input` (every bad field, or a changed version in force),
    /// `unknown_currency`.
    #[napi(ts_return_type = "Promise<PriceItem>")]
    pub fn set_price_item(&self, actor: IdRef, item: PriceItem) -> AsyncTask<Job<PriceItem>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = bc::price_item(&mut r, "", &item);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i)), move |(a, i)| {
            on_backend!(b, |h| h.set_price_item(a, &i)).and_then(|v| bridge(&v))
        }))
    }

    /// The price list, ordered by code. Rejects with `forbidden` for patients.
    #[napi(ts_return_type = "Promise<Array<PriceItem>>")]
    pub fn price_list(&self, actor: IdRef) -> AsyncTask<Job<Vec<PriceItem>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.price_list(a)).and_then(|v| bridge_all(&v))
        }))
    }

    /// Adds or replaces an insurance plan's terms (keyed by payer and plan name). Rejects with
    /// `forbidden`, `invalid_input`, `unknown_currency`.
    #[napi(ts_return_type = "Promise<CoveragePlan>")]
    pub fn set_coverage_plan(&self, actor: IdRef, plan: CoveragePlan) -> AsyncTask<Job<CoveragePlan>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = bc::coverage_plan(&mut r, "", &plan);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.set_coverage_plan(a, &p)).and_then(|v| bridge(&v))
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Billing: charges and invoices

    /// Charges a fulfilled appointment (the consultation, from the doctor's fee by visit type);
    /// charging it again returns the first charge. Rejects with `forbidden`, `not_found`,
    /// `not_chargeable` unless it is fulfilled, `no_price` when no price is in force that day.
    #[napi(ts_return_type = "Promise<Charge>")]
    pub fn charge_appointment(&self, actor: IdRef, appointment: IdRef) -> AsyncTask<Job<Charge>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<AppointmentId>("appointment", id_text(&appointment));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.charge_appointment(a, id)).and_then(|v| bridge(&v))
        }))
    }

    /// Charges a dispense: the medicine the patient kept (units handed out less units given back, at
    /// the batches' sale prices) under the price-list item `medicine`; charging it again returns the
    /// first charge. Rejects with `forbidden`, `not_found` for the dispense or the item,
    /// `invalid_input` for an anonymous sale or a dispense given back in full, `no_price`.
    #[napi(ts_return_type = "Promise<Charge>")]
    pub fn charge_dispense(&self, actor: IdRef, dispense: IdRef) -> AsyncTask<Job<Charge>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<DispenseId>("dispense", id_text(&dispense));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.charge_dispense(a, id)).and_then(|v| bridge(&v))
        }))
    }

    /// Charges a patient for a service from its source event (charged once: the same source again
    /// returns the first charge). Rejects with `forbidden`, `not_found`, `invalid_input`, `no_price`,
    /// `idempotency_mismatch` when the source was charged for something else.
    #[napi(ts_return_type = "Promise<Charge>")]
    pub fn add_charge(&self, actor: IdRef, request: ChargeRequest) -> AsyncTask<Job<Charge>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = bc::charge_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.add_charge(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    /// The patient's draft invoice (made when there is none), holding every charge not yet
    /// invoiced. Rejects with `forbidden`, `not_found`.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn open_invoice(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.open_invoice(a, p)).and_then(|v| bridge(&v))
        }))
    }

    /// Sets (or with `null` removes) a discount on a draft's line (`line`, from 0) or, with `line`
    /// `null`, on the whole draft. Rejects with `forbidden`, `not_found`, `immutable_invoice` once
    /// issued, `invalid_input` for an unknown line or a discount that does not fit.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn set_discount(
        &self,
        actor: IdRef,
        invoice: IdRef,
        line: Option<u32>,
        discount: Option<Discount>,
    ) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let d = bc::opt_discount(&mut r, "discount.", discount.as_ref());
        let line = line.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i).zip(d)), move |((a, i), d)| {
            on_backend!(b, |h| h.set_discount(a, i, line, d)).and_then(|v| bridge(&v))
        }))
    }

    /// An invoice's figures: an issued one's frozen breakdown, or what a draft would come to if
    /// issued now. Rejects with `forbidden`, `not_found`.
    #[napi(ts_return_type = "Promise<Breakdown>")]
    pub fn invoice_breakdown(&self, actor: IdRef, invoice: IdRef) -> AsyncTask<Job<Breakdown>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i)), move |(a, i)| {
            on_backend!(b, |h| h.invoice_breakdown(a, i)).and_then(|v| bridge(&v))
        }))
    }

    /// Issues a draft: prices it with the patient's coverage, numbers it, sets its due date and
    /// freezes it (nothing due: balanced at once). Rejects with `forbidden`, `not_found`,
    /// `invalid_transition` unless a draft, `invalid_input` for an invoice without lines.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn issue_invoice(&self, actor: IdRef, invoice: IdRef) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i)), move |(a, i)| {
            on_backend!(b, |h| h.issue_invoice(a, i)).and_then(|v| bridge(&v))
        }))
    }

    /// Cancels a draft (`to` `cancelled`) or marks an invoice `entered-in-error` (an issued one
    /// only while nothing was paid or credited); its charges go on the next draft. Rejects with
    /// `forbidden`, `not_found`, `invalid_input` (blank reason, another status), `invalid_transition`.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn void_invoice(
        &self,
        actor: IdRef,
        invoice: IdRef,
        to: InvoiceStatus,
        reason: String,
    ) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let to = crate::convert::same_enum(&mut r, "to", &to);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i).zip(to)), move |((a, i), to)| {
            on_backend!(b, |h| h.void_invoice(a, i, to, &reason)).and_then(|v| bridge(&v))
        }))
    }

    /// Issues a credit note against an issued invoice, crediting whole lines or parts of them; the
    /// original stays as it was. Resolves to the credit note. Rejects with `forbidden`,
    /// `not_found`, `invalid_input` (blank reason, unknown line, not issued), `over_credit`.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn issue_credit_note(
        &self,
        actor: IdRef,
        invoice: IdRef,
        lines: Vec<CreditRequest>,
        reason: String,
    ) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let l = bc::credit_requests(&mut r, &lines);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i).zip(l)), move |((a, i), l)| {
            on_backend!(b, |h| h.issue_credit_note(a, i, &l, &reason)).and_then(|v| bridge(&v))
        }))
    }

    /// One invoice or credit note. Rejects with `forbidden` (a patient sees only their own),
    /// `not_found`.
    #[napi(ts_return_type = "Promise<Invoice>")]
    pub fn invoice(&self, actor: IdRef, invoice: IdRef) -> AsyncTask<Job<Invoice>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let i = r.id::<InvoiceId>("invoice", id_text(&invoice));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(i)), move |(a, i)| {
            on_backend!(b, |h| h.invoice(a, i)).and_then(|v| bridge(&v))
        }))
    }

    /// A patient's invoices and credit notes, oldest first. Rejects with `forbidden`.
    #[napi(ts_return_type = "Promise<Array<Invoice>>")]
    pub fn patient_invoices(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Vec<Invoice>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.patient_invoices(a, p)).and_then(|v| bridge_all(&v))
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Billing: payments

    /// Records a payment and applies it (oldest first, or as directed): an insurance remittance to
    /// the payer's shares, anything else to the patient's. A request with an external reference
    /// already recorded resolves to that payment. Rejects with `forbidden`, `not_found`,
    /// `invalid_input`, `currency_mismatch`, `overpayment` (nothing stored),
    /// `idempotency_mismatch`.
    #[napi(ts_return_type = "Promise<Payment>")]
    pub fn record_payment(&self, actor: IdRef, request: PaymentRequest) -> AsyncTask<Job<Payment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = bc::payment_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.record_payment(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    /// Refunds part of a payment, from its most recent invoice first (a balanced invoice it
    /// reopens goes back to issued). Rejects with `forbidden`, `not_found`, `invalid_input` (blank
    /// reason, an amount not above zero), `over_refund`.
    #[napi(ts_return_type = "Promise<Payment>")]
    pub fn refund_payment(
        &self,
        actor: IdRef,
        payment: IdRef,
        amount: Money,
        reason: String,
        external_reference: Option<String>,
    ) -> AsyncTask<Job<Payment>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PaymentId>("payment", id_text(&payment));
        let m = r.money("amount", &amount);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p).zip(m)), move |((a, p), m)| {
            on_backend!(b, |h| h.refund_payment(
                a,
                p,
                m,
                &reason,
                external_reference.as_deref()
            ))
            .and_then(|v| bridge(&v))
        }))
    }

    /// A patient's payments, oldest first. Rejects with `forbidden`.
    #[napi(ts_return_type = "Promise<Array<Payment>>")]
    pub fn patient_payments(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Vec<Payment>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.patient_payments(a, p)).and_then(|v| bridge_all(&v))
        }))
    }

    /// Starts an online payment of (part of) what a patient owes through `gateway`; the payment is
    /// recorded when its webhook arrives (`applyGatewayWebhook`). Rejects with `forbidden`,
    /// `not_found`, `invalid_input`, `overpayment`, `gateway_failed`.
    #[napi(ts_return_type = "Promise<PaymentIntent>")]
    pub fn create_payment_intent(
        &self,
        actor: IdRef,
        gateway: &PaymentGateway,
        patient: IdRef,
        amount: Money,
    ) -> AsyncTask<Job<PaymentIntent>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let m = r.money("amount", &amount);
        let g = gateway.inner.clone();
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p).zip(m)), move |((a, p), m)| {
            on_backend!(b, |h| h.create_payment_intent(a, &*g, p, m)).and_then(|v| bridge(&v))
        }))
    }

    /// Applies a gateway webhook (the host's endpoint passes the raw body and the signature
    /// header): a verified successful payment is recorded once and applied oldest first; the
    /// same webhook again resolves to the same payment. Other events record nothing and resolve
    /// to `null`. Rejects with `invalid_signature`, `gateway_failed` (unreadable payload),
    /// `not_found`, `overpayment`.
    #[napi(ts_return_type = "Promise<Payment | null>")]
    pub fn apply_gateway_webhook(
        &self,
        gateway: &PaymentGateway,
        payload: Either<String, Buffer>,
        signature: String,
    ) -> AsyncTask<Job<Option<Payment>>> {
        let bytes: Vec<u8> = match payload {
            Either::A(text) => text.into_bytes(),
            Either::B(buffer) => buffer.to_vec(),
        };
        let g = gateway.inner.clone();
        let b = self.backend.clone();
        Job::spawn(move || {
            on_backend!(b, |h| h.apply_gateway_webhook(&*g, &bytes, &signature)).and_then(|v| match v {
                Some(p) => bridge(&p).map(Some),
                None => Ok(None),
            })
        })
    }

    // ---------------------------------------------------------------------------------------
    // Billing: dues

    /// A patient's statement of account as of today: invoices, credit notes, payments and refunds
    /// with the running balance, its aging, and what insurers still owe. Rejects with
    /// `forbidden`, `not_found`.
    #[napi(ts_return_type = "Promise<Statement>")]
    pub fn statement(&self, actor: IdRef, patient: IdRef) -> AsyncTask<Job<Statement>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = r.id::<PatientId>("patient", id_text(&patient));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.statement(a, p)).and_then(|v| bridge(&v))
        }))
    }

    /// What patients and insurers owe today, by the age of the invoices (billing clerks,
    /// admins). Rejects with `forbidden`.
    #[napi(ts_return_type = "Promise<AgingReport>")]
    pub fn aging_report(&self, actor: IdRef) -> AsyncTask<Job<AgingReport>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.aging_report(a)).and_then(|v| bridge(&v))
        }))
    }

    /// The due-date reminder job (a daily job of the host): records the reminder each issued
    /// invoice's due date calls for, once each, as an `invoice.due_reminder` event. Resolves to
    /// the ids of the invoices reminded.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn send_due_reminders(&self) -> AsyncTask<Job<Vec<String>>> {
        let b = self.backend.clone();
        Job::spawn(move || {
            on_backend!(b, |h| h.send_due_reminders())
                .map(|ids| ids.iter().map(ToString::to_string).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_of_the_memory_gateway_verifies() {
        let g = PaymentGateway::memory("s3cret".into());
        assert_eq!(g.provider(), "memory");
        assert_eq!(g.sign("x".into()), g.inner.sign(b"x"));
        assert_ne!(
            g.sign("x".into()),
            PaymentGateway::memory("other".into()).sign("x".into())
        );
    }
}
