//! Billing use cases: the price list and coverage plans, charges, draft invoices and discounts,
//! issuing, voiding and crediting invoices, payments (at the desk and through a gateway), refunds,
//! statements, aging and due-date reminders. Also `MemoryGateway`, the in-memory payment gateway.

use std::sync::Arc;

use hms_core::billing::{
    BillingError, GatewayEvent, IntentRequest, InvoiceStatus, MemoryGateway, PaymentGateway, PaymentIntent,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::billing::{
    invoice_id_arg, invoice_status_arg, payment_id_arg, PyAgingReport, PyBreakdown, PyCharge,
    PyChargeRequest, PyCoveragePlan, PyCreditRequest, PyDiscount, PyGatewayEvent, PyIntentRequest, PyInvoice,
    PyPayment, PyPaymentIntent, PyPaymentRequest, PyPriceItem, PyStatement,
};
use crate::convert::money::PyMoney;
use crate::convert::people::{account_id_arg, patient_id_arg};
use crate::convert::pharmacy::dispense_id_arg;
use crate::convert::scheduling::appointment_id_arg;
use crate::convert::{collect_iter, records};
use crate::errors::raise;
use crate::hospital::{with_hospital, PyHospital};

/// An in-memory payment gateway for tests, demos and notebooks. Its webhooks are `key=value` text
/// signed with a keyed hash of `secret` (a stand-in for a provider's HMAC, **not** cryptographic).
/// `refusing=True` makes a gateway that refuses every intent (a provider outage).
#[pyclass(name = "MemoryGateway", module = "hms._hms", frozen)]
pub(crate) struct PyMemoryGateway(Arc<MemoryGateway>);

#[pymethods]
impl PyMemoryGateway {
    #[new]
    #[pyo3(signature = (secret, *, refusing = false))]
    fn new(secret: String, refusing: bool) -> Self {
        PyMemoryGateway(Arc::new(if refusing {
            MemoryGateway::refusing(secret)
        } else {
            MemoryGateway::new(secret)
        }))
    }

    /// The provider's name (`memory`).
    #[getter]
    fn provider(&self) -> &str {
        self.0.provider()
    }

    /// The signature of a payload.
    fn sign(&self, payload: &[u8]) -> String {
        self.0.sign(payload)
    }

    /// The signed webhook the gateway sends when the payment of `intent` succeeds under
    /// `payment_reference`: `(payload, signature)`.
    fn succeeded_webhook<'py>(
        &self,
        py: Python<'py>,
        intent: &Bound<'py, PyAny>,
        payment_reference: &str,
    ) -> PyResult<(Bound<'py, PyBytes>, String)> {
        let intent = PyPaymentIntent::arg(intent, "intent")?;
        let (payload, signature) = self.0.succeeded_webhook(&intent, payment_reference);
        Ok((PyBytes::new(py, &payload), signature))
    }

    fn __repr__(&self) -> String {
        "<MemoryGateway>".to_owned()
    }
}

/// A payment gateway written in Python (e.g. a Stripe or Razorpay adapter): any object with a
/// `provider` name, `create_intent(request: IntentRequest) -> PaymentIntent` and
/// `verify_webhook(payload: bytes, signature: str) -> GatewayEvent`. Its methods are called with
/// the GIL held, outside any store transaction. An `InvalidSignatureError` raised by
/// `verify_webhook` means a bad signature; any other exception is a `GatewayFailedError` carrying
/// its text.
struct PyGateway {
    obj: Py<PyAny>,
    provider: String,
}

impl std::fmt::Debug for PyGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PyGateway({})", self.provider)
    }
}

impl PyGateway {
    fn failed(&self, py: Python<'_>, e: &PyErr) -> BillingError {
        BillingError::GatewayFailed {
            provider: self.provider.clone(),
            message: e.value(py).str().map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

impl PaymentGateway for PyGateway {
    fn provider(&self) -> &str {
        &self.provider
    }

    fn create_intent(&self, request: &IntentRequest) -> Result<PaymentIntent, BillingError> {
        Python::attach(|py| {
            let call = || -> PyResult<PaymentIntent> {
                let arg = Bound::new(py, PyIntentRequest(request.clone()))?;
                let intent = self.obj.bind(py).call_method1("create_intent", (arg,))?;
                PyPaymentIntent::arg(&intent, "create_intent()")
            };
            call().map_err(|e| self.failed(py, &e))
        })
    }

    fn verify_webhook(&self, payload: &[u8], signature: &str) -> Result<GatewayEvent, BillingError> {
        Python::attach(|py| {
            let call = || -> PyResult<GatewayEvent> {
                let event = self
                    .obj
                    .bind(py)
                    .call_method1("verify_webhook", (PyBytes::new(py, payload), signature))?;
                Ok(
                    crate::convert::people::class_arg::<PyGatewayEvent>(&event, "verify_webhook()")?
                        .get()
                        .0
                        .clone(),
                )
            };
            call().map_err(|e| {
                let bad_signature = py
                    .import("hms._hms")
                    .and_then(|m| m.getattr("InvalidSignatureError"))
                    .is_ok_and(|cls| e.is_instance(py, &cls));
                if bad_signature {
                    BillingError::InvalidSignature {
                        provider: self.provider.clone(),
                    }
                } else {
                    self.failed(py, &e)
                }
            })
        })
    }
}

/// A gateway argument: a `MemoryGateway`, or an adapter written in Python (see [`PyGateway`]).
fn gateway_arg(obj: &Bound<'_, PyAny>) -> PyResult<Arc<dyn PaymentGateway>> {
    if let Ok(g) = obj.cast::<PyMemoryGateway>() {
        return Ok(g.get().0.clone());
    }
    let provider = obj.getattr("provider").map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "`gateway` must be a `MemoryGateway` or an object with `provider`, `create_intent` and \
             `verify_webhook`",
        )
    })?;
    for method in ["create_intent", "verify_webhook"] {
        if !obj.hasattr(method)? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "`gateway` has no `{method}` method"
            )));
        }
    }
    Ok(Arc::new(PyGateway {
        obj: obj.clone().unbind(),
        provider: provider.extract()?,
    }))
}

#[pymethods]
impl PyHospital {
    /// Adds or replaces an item of the price list (billing clerks, admins). Versions already in
    /// force are history and stay as they are; a price change is a new version from today on.
    fn set_price_item(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        item: &Bound<'_, PyAny>,
    ) -> PyResult<PyPriceItem> {
        let actor = account_id_arg(actor, "actor")?;
        let item = PyPriceItem::arg(item, "item")?;
        py.detach(|| with_hospital!(&self.backend, h => h.set_price_item(actor, &item)))
            .map(PyPriceItem)
            .map_err(raise)
    }

    /// Every item of the price list.
    fn price_list<'py>(&self, py: Python<'py>, actor: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let items = py
            .detach(|| with_hospital!(&self.backend, h => h.price_list(actor)))
            .map_err(raise)?;
        records(py, items, PyPriceItem)
    }

    /// Adds or replaces an insurer's coverage plan (billing clerks, admins). A patient whose primary
    /// insurance names the payer and plan is billed under it.
    fn set_coverage_plan(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        plan: &Bound<'_, PyAny>,
    ) -> PyResult<PyCoveragePlan> {
        let actor = account_id_arg(actor, "actor")?;
        let plan = PyCoveragePlan::arg(plan, "plan")?;
        py.detach(|| with_hospital!(&self.backend, h => h.set_coverage_plan(actor, &plan)))
            .map(PyCoveragePlan)
            .map_err(raise)
    }

    /// Charges a fulfilled appointment (its consultation fee) onto the patient's draft invoice; the
    /// same appointment charged again returns the same charge.
    fn charge_appointment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        appointment: &Bound<'_, PyAny>,
    ) -> PyResult<PyCharge> {
        let actor = account_id_arg(actor, "actor")?;
        let id = appointment_id_arg(appointment, "appointment")?;
        py.detach(|| with_hospital!(&self.backend, h => h.charge_appointment(actor, id)))
            .map(PyCharge)
            .map_err(raise)
    }

    /// Charges a dispense (the medicine the patient kept: units handed out less units given back, at
    /// the batches' sale prices) under the price-list item `medicine` onto the patient's draft
    /// invoice; the same dispense charged again returns the same charge.
    fn charge_dispense(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        dispense: &Bound<'_, PyAny>,
    ) -> PyResult<PyCharge> {
        let actor = account_id_arg(actor, "actor")?;
        let id = dispense_id_arg(dispense, "dispense")?;
        py.detach(|| with_hospital!(&self.backend, h => h.charge_dispense(actor, id)))
            .map(PyCharge)
            .map_err(raise)
    }

    /// Charges a service (a `ChargeRequest`) onto the patient's draft invoice.
    fn add_charge(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<PyCharge> {
        let actor = account_id_arg(actor, "actor")?;
        let request = PyChargeRequest::arg(request, "request")?;
        py.detach(|| with_hospital!(&self.backend, h => h.add_charge(actor, &request)))
            .map(PyCharge)
            .map_err(raise)
    }

    /// The patient's draft invoice, opened if there is none.
    fn open_invoice(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.open_invoice(actor, patient)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// Sets (or with `None` removes) the discount of a draft invoice, or of one of its lines
    /// (`line`, 0-based).
    #[pyo3(signature = (actor, invoice, discount, *, line = None))]
    fn set_discount(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
        discount: Option<&Bound<'_, PyAny>>,
        line: Option<usize>,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        let discount = PyDiscount::opt_arg(discount, "discount")?;
        py.detach(|| with_hospital!(&self.backend, h => h.set_discount(actor, invoice, line, discount)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// What an invoice comes to: an issued invoice's frozen figures, or a draft's preview (with the
    /// patient's insurance as it would apply today).
    fn invoice_breakdown(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
    ) -> PyResult<PyBreakdown> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        py.detach(|| with_hospital!(&self.backend, h => h.invoice_breakdown(actor, invoice)))
            .map(PyBreakdown)
            .map_err(raise)
    }

    /// Issues a draft invoice: numbers it, freezes its figures (insurance applied), sets its due
    /// date. From then on it never changes.
    fn issue_invoice(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        py.detach(|| with_hospital!(&self.backend, h => h.issue_invoice(actor, invoice)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// Voids an invoice as `cancelled` (called off) or `entered-in-error` (made by mistake), with a
    /// reason; its charges can go on another invoice.
    #[pyo3(signature = (actor, invoice, reason, *, to = None))]
    fn void_invoice(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
        reason: &str,
        to: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        let to = match to.filter(|t| !t.is_none()) {
            Some(t) => invoice_status_arg(t, "to")?,
            None => InvoiceStatus::Cancelled,
        };
        py.detach(|| with_hospital!(&self.backend, h => h.void_invoice(actor, invoice, to, reason)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// Issues a credit note against an issued invoice: each `CreditRequest` credits one of its lines
    /// in full or in part. Returns the credit note.
    fn issue_credit_note(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        reason: &str,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        let lines = collect_iter(Some(lines), "lines", |l| PyCreditRequest::arg(l, "lines"))?;
        py.detach(|| with_hospital!(&self.backend, h => h.issue_credit_note(actor, invoice, &lines, reason)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// Records a payment and applies it to the patient's open invoices (oldest first, or as the
    /// request says). The same external reference recorded again returns the same payment.
    fn record_payment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        request: &Bound<'_, PyAny>,
    ) -> PyResult<PyPayment> {
        let actor = account_id_arg(actor, "actor")?;
        let request = PyPaymentRequest::arg(request, "request")?;
        py.detach(|| with_hospital!(&self.backend, h => h.record_payment(actor, &request)))
            .map(PyPayment)
            .map_err(raise)
    }

    /// Refunds part of a payment, taken back from its most recent invoice first.
    #[pyo3(signature = (actor, payment, amount, reason, *, external_reference = None))]
    fn refund_payment(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        payment: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        reason: &str,
        external_reference: Option<&str>,
    ) -> PyResult<PyPayment> {
        let actor = account_id_arg(actor, "actor")?;
        let payment = payment_id_arg(payment, "payment")?;
        let amount = PyMoney::arg(amount, "amount")?;
        py.detach(|| {
            with_hospital!(&self.backend, h => h.refund_payment(actor, payment, amount, reason, external_reference))
        })
        .map(PyPayment)
        .map_err(raise)
    }

    /// Starts an online payment of (part of) what a patient owes through `gateway`; the payment is
    /// recorded when the gateway's webhook arrives (`apply_gateway_webhook`).
    fn create_payment_intent(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        gateway: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<PyPaymentIntent> {
        let actor = account_id_arg(actor, "actor")?;
        let gateway = gateway_arg(gateway)?;
        let patient = patient_id_arg(patient, "patient")?;
        let amount = PyMoney::arg(amount, "amount")?;
        py.detach(|| {
            with_hospital!(&self.backend, h => h.create_payment_intent(actor, gateway.as_ref(), patient, amount))
        })
        .map(PyPaymentIntent)
        .map_err(raise)
    }

    /// Applies a gateway webhook (the raw body and its signature): a verified successful payment is
    /// recorded once and returned; the same webhook again returns the same payment; other events
    /// return `None`.
    fn apply_gateway_webhook(
        &self,
        py: Python<'_>,
        gateway: &Bound<'_, PyAny>,
        payload: &[u8],
        signature: &str,
    ) -> PyResult<Option<PyPayment>> {
        let gateway = gateway_arg(gateway)?;
        py.detach(|| {
            with_hospital!(&self.backend, h => h.apply_gateway_webhook(gateway.as_ref(), payload, signature))
        })
        .map(|p| p.map(PyPayment))
        .map_err(raise)
    }

    /// One invoice or credit note.
    #[pyo3(name = "invoice")]
    fn get_invoice(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        invoice: &Bound<'_, PyAny>,
    ) -> PyResult<PyInvoice> {
        let actor = account_id_arg(actor, "actor")?;
        let invoice = invoice_id_arg(invoice, "invoice")?;
        py.detach(|| with_hospital!(&self.backend, h => h.invoice(actor, invoice)))
            .map(PyInvoice)
            .map_err(raise)
    }

    /// A patient's invoices and credit notes.
    fn patient_invoices<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patient: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let items = py
            .detach(|| with_hospital!(&self.backend, h => h.patient_invoices(actor, patient)))
            .map_err(raise)?;
        records(py, items, PyInvoice)
    }

    /// A patient's payments.
    fn patient_payments<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        patient: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        let items = py
            .detach(|| with_hospital!(&self.backend, h => h.patient_payments(actor, patient)))
            .map_err(raise)?;
        records(py, items, PyPayment)
    }

    /// A patient's statement as of today.
    fn statement(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        patient: &Bound<'_, PyAny>,
    ) -> PyResult<PyStatement> {
        let actor = account_id_arg(actor, "actor")?;
        let patient = patient_id_arg(patient, "patient")?;
        py.detach(|| with_hospital!(&self.backend, h => h.statement(actor, patient)))
            .map(PyStatement)
            .map_err(raise)
    }

    /// What is owed to the hospital as of today, by age, by patients and by insurers.
    fn aging_report(&self, py: Python<'_>, actor: &Bound<'_, PyAny>) -> PyResult<PyAgingReport> {
        let actor = account_id_arg(actor, "actor")?;
        py.detach(|| with_hospital!(&self.backend, h => h.aging_report(actor)))
            .map(PyAgingReport)
            .map_err(raise)
    }

    /// The reminder sweep (a host's daily job): sends each issued invoice's due reminder once
    /// (before, on and after its due date) and returns the ids of the invoices reminded.
    fn send_due_reminders(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        py.detach(|| with_hospital!(&self.backend, h => h.send_due_reminders()))
            .map(|ids| ids.iter().map(ToString::to_string).collect())
            .map_err(raise)
    }
}
