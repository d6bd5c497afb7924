//! The pharmacy use cases of `Hospital`: the drug catalog, stock orders and goods receipts,
//! recalls, transfers, adjustments and write-offs, prescriptions, dispensing (first-expiry-first-out
//! or by chosen batch), over-the-counter sales, returns, reservations, alerts and valuation. Every
//! one returns a `Promise`, like the other use cases.

use hms_core::ids::{BatchId, DrugId, PrescriptionId, ReservationId};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use super::{then, Backend, Hospital};
use crate::convert::people;
use crate::convert::pharmacy::{
    self as pc, Alert, AlertChanges, Batch, CounterSale, Dispense, DispenseRequest, Drug, DrugDetails,
    GoodsReceipt, LedgerEntry, NewPrescription, Prescription, Reservation, ReservationRequest, ReturnRequest,
    StockBalance, StockOrder, StockOrderRequest, StockValuation, TransferRequest, WriteOffReason,
};
use crate::convert::{bridge, bridge_all, id_text, IdRef, Reader};
use crate::tasks::Job;

#[napi]
impl Hospital {
    // ---------------------------------------------------------------------------------------
    // Pharmacy: the catalog and stock

    /// Adds a drug to the catalog (pharmacists). Rejects with `forbidden`, `invalid_input`.
    #[napi(ts_return_type = "Promise<Drug>")]
    pub fn add_drug(&self, actor: IdRef, details: DrugDetails) -> AsyncTask<Job<Drug>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let d = pc::drug_details(&mut r, &details);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(d)), move |(a, d)| {
            on_backend!(b, |h| h.add_drug(a, d)).and_then(|v| bridge(&v))
        }))
    }

    /// Replaces a drug's details. Rejects with `forbidden`, `not_found`, `invalid_input`.
    #[napi(ts_return_type = "Promise<Drug>")]
    pub fn update_drug(&self, actor: IdRef, drug: IdRef, details: DrugDetails) -> AsyncTask<Job<Drug>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<DrugId>("drug", id_text(&drug));
        let d = pc::drug_details(&mut r, &details);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id).zip(d)), move |((a, id), d)| {
            on_backend!(b, |h| h.update_drug(a, id, d)).and_then(|v| bridge(&v))
        }))
    }

    /// The drug catalog.
    #[napi(ts_return_type = "Promise<Array<Drug>>")]
    pub fn drugs(&self, actor: IdRef) -> AsyncTask<Job<Vec<Drug>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.drugs(a)).and_then(|v| bridge_all(&v))
        }))
    }

    /// Orders stock from a supplier (it counts as on order for the low-stock alert until received).
    #[napi(ts_return_type = "Promise<StockOrder>")]
    pub fn order_stock(&self, actor: IdRef, request: StockOrderRequest) -> AsyncTask<Job<StockOrder>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = pc::stock_order_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.order_stock(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    /// Receives a batch into stock. Rejects with `forbidden`, `not_found`, `invalid_input` (an
    /// expired batch, costs in another currency, …), `duplicate` for a batch number received
    /// before.
    #[napi(ts_return_type = "Promise<Batch>")]
    pub fn receive_stock(&self, actor: IdRef, receipt: GoodsReceipt) -> AsyncTask<Job<Batch>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let g = pc::goods_receipt(&mut r, &receipt);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(g)), move |(a, g)| {
            on_backend!(b, |h| h.receive_stock(a, &g)).and_then(|v| bridge(&v))
        }))
    }

    /// Recalls a batch: it is never dispensed again. Rejects with `forbidden`, `not_found`,
    /// `invalid_input` (blank reason), `invalid_transition` when already recalled.
    #[napi(ts_return_type = "Promise<Batch>")]
    pub fn recall_batch(&self, actor: IdRef, batch: IdRef, reason: String) -> AsyncTask<Job<Batch>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<BatchId>("batch", id_text(&batch));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.recall_batch(a, id, &reason)).and_then(|v| bridge(&v))
        }))
    }

    /// Moves units of a batch between locations (two ledger entries). Rejects with `forbidden`,
    /// `not_found`, `invalid_input`, `insufficient_stock`.
    #[napi(ts_return_type = "Promise<Array<LedgerEntry>>")]
    pub fn transfer_stock(&self, actor: IdRef, request: TransferRequest) -> AsyncTask<Job<Vec<LedgerEntry>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = pc::transfer_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.transfer_stock(a, &q)).and_then(|v| bridge_all(&v))
        }))
    }

    /// Corrects a count by `quantity` units (negative takes away), with a reason. Rejects with
    /// `forbidden`, `not_found`, `invalid_input` (zero, blank reason), `insufficient_stock` below
    /// zero.
    #[napi(ts_return_type = "Promise<LedgerEntry>")]
    pub fn adjust_stock(
        &self,
        actor: IdRef,
        batch: IdRef,
        location: String,
        quantity: i64,
        reason: String,
    ) -> AsyncTask<Job<LedgerEntry>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<BatchId>("batch", id_text(&batch));
        let l = pc::location(&mut r, "location", &location);
        let q = pc::signed_units(&mut r, "quantity", quantity);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id).zip(l).zip(q)), move |(((a, id), l), q)| {
            on_backend!(b, |h| h.adjust_stock(a, id, &l, q, &reason)).and_then(|v| bridge(&v))
        }))
    }

    /// Writes stock off: `quantity` units, or everything on hand there when left out. Expired stock
    /// must be expired and recalled stock recalled. Rejects with `forbidden`, `not_found`,
    /// `invalid_input`, `insufficient_stock`.
    #[napi(ts_return_type = "Promise<LedgerEntry>")]
    pub fn write_off_stock(
        &self,
        actor: IdRef,
        batch: IdRef,
        location: String,
        quantity: Option<u32>,
        reason: WriteOffReason,
    ) -> AsyncTask<Job<LedgerEntry>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<BatchId>("batch", id_text(&batch));
        let l = pc::location(&mut r, "location", &location);
        let why = pc::write_off_reason(&mut r, reason);
        let b = self.backend.clone();
        Job::spawn(then(
            r.take(a.zip(id).zip(l).zip(why)),
            move |(((a, id), l), why)| {
                on_backend!(b, |h| h.write_off_stock(a, id, &l, quantity, why)).and_then(|v| bridge(&v))
            },
        ))
    }

    /// What each batch of a drug has on hand, by location.
    #[napi(ts_return_type = "Promise<Array<StockBalance>>")]
    pub fn stock_on_hand(&self, actor: IdRef, drug: IdRef) -> AsyncTask<Job<Vec<StockBalance>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<DrugId>("drug", id_text(&drug));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.stock_on_hand(a, id)).and_then(|v| bridge_all(&v))
        }))
    }

    /// A batch's stock card: every movement, oldest first. Rejects with `not_found`.
    #[napi(ts_return_type = "Promise<Array<LedgerEntry>>")]
    pub fn stock_card(&self, actor: IdRef, batch: IdRef) -> AsyncTask<Job<Vec<LedgerEntry>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<BatchId>("batch", id_text(&batch));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.stock_card(a, id)).and_then(|v| bridge_all(&v))
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Pharmacy: prescriptions and dispensing

    /// Writes a prescription (doctors; the prescriber is the acting doctor). Rejects with
    /// `forbidden`, `not_found`, `inactive`, `invalid_input`.
    #[napi(ts_return_type = "Promise<Prescription>")]
    pub fn write_prescription(
        &self,
        actor: IdRef,
        prescription: NewPrescription,
    ) -> AsyncTask<Job<Prescription>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let p = pc::new_prescription(&mut r, &prescription);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(p)), move |(a, p)| {
            on_backend!(b, |h| h.write_prescription(a, &p)).and_then(|v| bridge(&v))
        }))
    }

    /// One prescription. Rejects with `forbidden`, `not_found`.
    #[napi(ts_return_type = "Promise<Prescription>")]
    pub fn prescription(&self, actor: IdRef, prescription: IdRef) -> AsyncTask<Job<Prescription>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<PrescriptionId>("prescription", id_text(&prescription));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.prescription(a, id)).and_then(|v| bridge(&v))
        }))
    }

    /// The dispenses made against a prescription, oldest first.
    #[napi(ts_return_type = "Promise<Array<Dispense>>")]
    pub fn prescription_dispenses(&self, actor: IdRef, prescription: IdRef) -> AsyncTask<Job<Vec<Dispense>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<PrescriptionId>("prescription", id_text(&prescription));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.prescription_dispenses(a, id)).and_then(|v| bridge_all(&v))
        }))
    }

    /// Dispenses against a prescription, first-expiry-first-out unless a batch is chosen, and
    /// charges the patient. Rejects with `forbidden`, `not_found`, `invalid_input`,
    /// `exceeds_prescription`, `refills_exhausted`, `insufficient_stock`, `batch_unusable`,
    /// `reservation_expired`, `invalid_transition` (a used reservation).
    #[napi(ts_return_type = "Promise<Dispense>")]
    pub fn dispense_prescription(&self, actor: IdRef, request: DispenseRequest) -> AsyncTask<Job<Dispense>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = pc::dispense_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.dispense_prescription(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    /// Sells medicine without a prescription (a registered patient's sale is charged). Rejects
    /// with `forbidden`, `not_found`, `invalid_input`, `prescription_required`,
    /// `insufficient_stock`, `batch_unusable`.
    #[napi(ts_return_type = "Promise<Dispense>")]
    pub fn sell_over_the_counter(&self, actor: IdRef, sale: CounterSale) -> AsyncTask<Job<Dispense>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let s = pc::counter_sale(&mut r, &sale);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(s)), move |(a, s)| {
            on_backend!(b, |h| h.sell_over_the_counter(a, &s)).and_then(|v| bridge(&v))
        }))
    }

    /// Takes medicine back into stock. Rejects with `forbidden`, `not_found`, `invalid_input`,
    /// `exceeds_dispensed`.
    #[napi(ts_return_type = "Promise<Dispense>")]
    pub fn return_dispensed(&self, actor: IdRef, request: ReturnRequest) -> AsyncTask<Job<Dispense>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = pc::return_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.return_dispensed(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    // ---------------------------------------------------------------------------------------
    // Pharmacy: reservations, alerts, valuation

    /// Holds stock for a patient (first-expiry-first-out) until used, released or expired.
    /// Rejects with `forbidden`, `not_found`, `invalid_input`, `insufficient_stock`.
    #[napi(ts_return_type = "Promise<Reservation>")]
    pub fn reserve_stock(&self, actor: IdRef, request: ReservationRequest) -> AsyncTask<Job<Reservation>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let q = pc::reservation_request(&mut r, &request);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(q)), move |(a, q)| {
            on_backend!(b, |h| h.reserve_stock(a, &q)).and_then(|v| bridge(&v))
        }))
    }

    /// Gives up a reservation. Rejects with `forbidden`, `not_found`, `invalid_transition`.
    #[napi(ts_return_type = "Promise<Reservation>")]
    pub fn release_reservation(&self, actor: IdRef, reservation: IdRef) -> AsyncTask<Job<Reservation>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let id = r.id::<ReservationId>("reservation", id_text(&reservation));
        let b = self.backend.clone();
        Job::spawn(then(r.take(a.zip(id)), move |(a, id)| {
            on_backend!(b, |h| h.release_reservation(a, id)).and_then(|v| bridge(&v))
        }))
    }

    /// The stock alerts that hold now (low stock, expiring soon, expired on the shelf).
    #[napi(ts_return_type = "Promise<Array<Alert>>")]
    pub fn stock_alerts(&self, actor: IdRef) -> AsyncTask<Job<Vec<Alert>>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.stock_alerts(a)).and_then(|v| bridge_all(&v))
        }))
    }

    /// The alert job (a daily job of the host): publishes alerts that newly hold (dates move
    /// batches into the warning window) and clears those that no longer do.
    #[napi(ts_return_type = "Promise<AlertChanges>")]
    pub fn sweep_stock_alerts(&self) -> AsyncTask<Job<AlertChanges>> {
        let b = self.backend.clone();
        Job::spawn(move || on_backend!(b, |h| h.sweep_stock_alerts()).and_then(|c| pc::alert_changes(&c)))
    }

    /// The value of the stock on hand, first in first out.
    #[napi(ts_return_type = "Promise<StockValuation>")]
    pub fn stock_valuation(&self, actor: IdRef) -> AsyncTask<Job<StockValuation>> {
        let mut r = Reader::new();
        let a = people::actor(&mut r, &actor);
        let b = self.backend.clone();
        Job::spawn(then(r.take(a), move |a| {
            on_backend!(b, |h| h.stock_valuation(a)).and_then(|v| bridge(&v))
        }))
    }
}
