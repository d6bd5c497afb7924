"""Billing from Python: the pure pricing function, the price list and coverage plans, charges,
invoices and their breakdowns, credit notes, payments, refunds, the gateway, statements, aging and
reminders. The clinic is `conftest.make_desk`'s: rupees, a consultation at the doctor's fee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import hms
from conftest import NOW, TODAY, Desk, at, inr, make_desk, price_list

# --- the pure pricing function ----------------------------------------------------------------


def usd(amount: str) -> hms.Money:
    return hms.Money(amount, "USD")


def test_price_invoice_is_exact_and_adds_up() -> None:
    # A tax-inclusive 24.99 at 20 %: tax = 24.99 x 20/120 = 4.165 -> 4.17, net 20.82.
    line = hms.LineInput("otc.bandage", 1, hms.Money("24.99", "GBP"), hms.TaxRate("S", 20), tax_inclusive=True)
    b = hms.price_invoice([line], currency="GBP")
    assert (b.totals.gross, b.totals.tax, b.totals.net) == (
        hms.Money("24.99", "GBP"), hms.Money("4.17", "GBP"), hms.Money("20.82", "GBP"),
    )
    assert b.currency == "GBP" and b.rounding is hms.RoundingMode.PER_TAX_CATEGORY
    [priced] = b.lines
    assert priced.patient == priced.gross and priced.payer == hms.Money("0", "GBP").round()
    assert priced.basis is hms.ShareBasis.SELF_PAY and not priced.capped
    [tax] = b.taxes
    assert (tax.category, tax.percent, tax.amount) == ("S", Decimal("20"), hms.Money("4.17", "GBP"))
    assert isinstance(b.totals.gross.amount, Decimal)
    assert "<table" in b._repr_html_() and "24.99" in b._repr_html_()


def test_price_invoice_with_discounts_rounding_and_coverage() -> None:
    lines = [
        hms.LineInput("consult", 1, usd("100.00"), visit_type="consult"),
        hms.LineInput("lab", 3, usd("10.005"), hms.TaxRate("S", "10"), discount=hms.Discount(percent=10)),
    ]
    plan = hms.CoveragePlan(
        "Acme", currency="USD", annual_deductible=usd("20.00"), coinsurance_percent=20,
        copays={"consult": usd("15.00")},
    )
    b = hms.price_invoice(
        lines, currency="USD", rounding="per_line", invoice_discount=hms.Discount(amount=usd("5.00")),
        coverage=plan, usage=hms.CoverageUsage(usd("0.00"), usd("0.00")),
    )
    assert b.rounding is hms.RoundingMode.PER_LINE
    assert sum(l.gross for l in b.lines) == b.totals.gross
    assert b.totals.payer + b.totals.patient == b.totals.gross
    assert b.totals.invoice_discount == usd("5.00")
    assert b.lines[0].basis is hms.ShareBasis.COPAY and b.lines[0].copay == usd("15.00")
    assert b.lines[1].basis is hms.ShareBasis.DEDUCTIBLE_COINSURANCE
    rows = b.lines.to_pandas()
    assert list(rows.columns)[:3] == ["extended", "line_discount", "invoice_discount"] and len(rows) == 2


def test_price_invoice_reports_every_bad_line_and_refuses_mixed_currencies() -> None:
    bad = [
        hms.LineInput("a", 0, hms.Money("1", "USD")),
        hms.LineInput("b", 1, hms.Money("-1", "USD"), hms.TaxRate("S", 120)),
    ]
    with pytest.raises(hms.ValidationError) as caught:
        hms.price_invoice(bad, currency="USD")
    assert len(caught.value.problems) >= 3
    with pytest.raises(hms.CurrencyMismatchError):
        hms.price_invoice([hms.LineInput("a", 1, hms.Money("1", "EUR"))], currency="USD")
    with pytest.raises(TypeError):
        hms.LineInput("a", 1.5, hms.Money("1", "USD"))  # type: ignore[arg-type]


def test_small_values_compare_by_value() -> None:
    assert hms.TaxRate("S", 18) == hms.TaxRate("S", Decimal("18")) and str(hms.TaxRate("S", 18)) == "S 18%"
    assert hms.TaxRate.exempt() == hms.TaxRate("E", 0)
    assert hms.Discount(percent=10).percent == Decimal("10") and hms.Discount(percent=10).amount is None
    assert hms.Discount(amount=inr("5")).amount == inr("5")
    with pytest.raises(TypeError):
        hms.Discount(percent=1, amount=inr("5"))
    with pytest.raises(TypeError):
        hms.Price()
    assert hms.Price(from_source=True).kind == "from_source"
    assert hms.PriceVersion(TODAY, inr("10")).price == hms.Price(amount=inr("10"))
    src = hms.ChargeSource.manual("slip 7")
    assert (src.kind, src.key, str(src)) == ("manual", "manual:slip 7", "manual:slip 7")
    assert hms.ChargeSource.bed_day("019cad8f-ac00-7a00-8000-000000000001", TODAY).kind == "bed_day"
    assert hms.ChargeSource.lab_order("019cad8f-ac00-7a00-8000-000000000001").key.startswith("lab_order:")
    req = hms.PaymentRequest("019cad8f-ac00-7a00-8000-000000000001", inr("5"), "gateway", provider="memory")
    assert (req.method, req.provider, req.allocate_to) == (hms.PaymentMethod.GATEWAY, "memory", None)
    with pytest.raises(ValueError):
        hms.PaymentRequest("019cad8f-ac00-7a00-8000-000000000001", inr("5"), "gateway")
    with pytest.raises(ValueError):
        hms.PaymentRequest("019cad8f-ac00-7a00-8000-000000000001", inr("5"), "cash", provider="x")
    assert hms.CreditRequest(0).amount is None and hms.CreditRequest(1, inr("2")).line == 1
    plan = hms.CoveragePlan("P", currency="INR", annual_deductible=inr("1"), coinsurance_percent=0, not_covered=["tv"])
    assert plan.not_covered == frozenset({"tv"}) and plan.copays == {} and plan.out_of_pocket_max is None


# --- the price list and charges ---------------------------------------------------------------


def fulfilled_visit(d: Desk, hour: int = 15, patient: hms.Patient | None = None) -> hms.Appointment:
    h, c = d.hospital, d.clinic
    a = h.book_appointment(c.desk, hms.BookingRequest(patient or c.asha, c.doctor, "consult", at(TODAY, hour)))
    return h.change_status(c.desk, a, "fulfilled")


def test_price_list_and_coverage_plan(desk: Desk) -> None:
    h = desk.hospital
    items = h.price_list(desk.clerk)
    assert sorted(i.code for i in items) == sorted(i.code for i in price_list())
    lab = next(i for i in items if i.code == "lab.cbc")
    assert lab.kind is hms.ItemKind.LAB_TEST and lab.versions[0].price.amount == inr("250.00")
    assert items.to_pandas().shape == (4, 4)
    raised = h.set_price_item(desk.clerk, hms.PriceItem("lab.cbc", "Complete blood count", "lab_test", [
        lab.versions[0], hms.PriceVersion(TODAY + dt.timedelta(days=1), inr("275.00")),
    ]))
    assert len(raised.versions) == 2
    with pytest.raises(hms.ForbiddenError):
        h.set_price_item(desk.clinic.desk, lab)
    plan = h.set_coverage_plan(desk.clerk, hms.CoveragePlan("Acme  Health", plan="Gold", currency="INR",
                                                          annual_deductible=inr("0"), coinsurance_percent=10))
    assert plan.payer == "Acme Health" and plan.coinsurance_percent == Decimal("10")


def test_charges_from_a_visit_and_by_hand(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    visit = fulfilled_visit(desk)
    charge = h.charge_appointment(desk.clerk, visit)
    assert charge.kind is hms.ItemKind.CONSULTATION and charge.unit_price == inr("800.00")
    assert charge.source == f"appointment:{visit.id}" and charge.visit_type == "consult"
    assert h.charge_appointment(desk.clerk, visit.id) == charge, "a source is charged once"
    lab = h.add_charge(desk.clerk, hms.ChargeRequest(c.asha, hms.ChargeSource.manual("cbc-1"), "lab.cbc"))
    assert (lab.quantity, lab.tax_category, lab.invoice_id) == (Decimal("1"), "E", charge.invoice_id)
    assert dict(lab)["item_code"] == "lab.cbc"


def test_invoice_lifecycle_with_insurance(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    details = h.patient(c.admin, c.asha).details
    policy = hms.InsurancePolicy("Acme Health", "ACM-1", dt.date(2026, 1, 1), plan="Silver")
    h.update_patient(c.admin, c.asha, hms.PatientDetails(
        name=details.name, birth_date=details.birth_date, sex=details.sex, phone=details.phone, insurance=[policy],
    ))
    h.charge_appointment(desk.clerk, fulfilled_visit(desk))
    h.add_charge(desk.clerk, hms.ChargeRequest(c.asha, hms.ChargeSource.manual("b-1"), "otc.bandage", 2))
    draft = h.open_invoice(desk.clerk, c.asha)
    assert draft.status is hms.InvoiceStatus.DRAFT and draft.number is None and len(draft.lines) == 2
    draft = h.set_discount(desk.clerk, draft, hms.Discount(percent=10), line=1)
    assert draft.lines[1].discount == hms.Discount(percent=10)
    preview = h.invoice_breakdown(desk.clerk, draft)
    assert preview.totals.payer + preview.totals.patient == preview.totals.gross
    assert "(draft)" in str(draft) and "<table" in draft._repr_html_()

    issued = h.issue_invoice(desk.clerk, draft)
    assert issued.status is hms.InvoiceStatus.ISSUED and issued.number and issued.is_open
    assert issued.coverage is not None and (issued.coverage.payer, issued.coverage.member_id) == ("Acme Health", "ACM-1")
    assert issued.breakdown == preview and issued.due_date == TODAY + dt.timedelta(days=30)
    assert issued.gross == issued.patient_due + issued.payer_due
    assert issued.breakdown is not None and issued.breakdown.lines[0].basis is hms.ShareBasis.COPAY
    assert [ch.new_status for ch in issued.history] == [hms.InvoiceStatus.DRAFT, hms.InvoiceStatus.ISSUED]
    html = issued._repr_html_()
    assert issued.number in html and "Consultation" in html and "insurer" in html
    assert f"INVOICE {issued.number}" in str(issued)
    assert h.invoice(desk.clerk, issued.id) == issued
    assert [i.id for i in h.patient_invoices(desk.clerk, c.asha)] == [issued.id]
    with pytest.raises(hms.ImmutableInvoiceError) as caught:
        h.set_discount(desk.clerk, issued, None)
    assert caught.value.status is hms.InvoiceStatus.ISSUED


def issued_lab_invoice(d: Desk, reference: str = "cbc-1") -> hms.Invoice:
    h, c = d.hospital, d.clinic
    h.add_charge(d.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual(reference), "lab.cbc"))
    return h.issue_invoice(d.clerk, h.open_invoice(d.clerk, c.ravi))


def test_payments_refunds_and_credit_notes(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    inv = issued_lab_invoice(desk)
    pay = h.record_payment(desk.clerk, hms.PaymentRequest(c.ravi, inr("100.00"), "card", external_reference="slip-1"))
    assert pay.method is hms.PaymentMethod.CARD and pay.provider is None
    assert [(a.invoice_id, a.amount) for a in pay.allocations] == [(inv.id, inr("100.00"))]
    again = h.record_payment(desk.clerk, hms.PaymentRequest(c.ravi, inr("100.00"), "card", external_reference="slip-1"))
    assert again.id == pay.id, "an external reference is recorded once"
    with pytest.raises(hms.OverpaymentError) as over:
        h.record_payment(desk.clerk, hms.PaymentRequest(c.ravi, inr("150.01")))
    assert (over.value.amount, over.value.due) == (inr("150.01"), inr("150.00"))
    with pytest.raises(hms.ReferenceReusedError) as reused:
        h.record_payment(desk.clerk, hms.PaymentRequest(c.ravi, inr("1.00"), "card", external_reference="slip-1"))
    assert reused.value.key == "slip-1" and reused.value.what == "payment"

    refunded = h.refund_payment(desk.clerk, pay, inr("40.00"), "overcharged", external_reference="rf-1")
    assert refunded.refunded == inr("40.00") and refunded.refundable == inr("60.00")
    [refund] = refunded.refunds
    assert (refund.reason, refund.external_reference, refund.allocations) == ("overcharged", "rf-1", ((inv.id, inr("40.00")),))
    with pytest.raises(hms.OverRefundError) as too_much:
        h.refund_payment(desk.clerk, pay.id, inr("60.01"), "again")
    assert too_much.value.refundable == inr("60.00") and too_much.value.payment_id == pay.id
    assert [p.id for p in h.patient_payments(desk.clerk, c.ravi)] == [pay.id]

    # 190.00 is open: 250.00 less 100.00 paid plus 40.00 refunded.
    with pytest.raises(hms.OverCreditError) as over_credit:
        h.issue_credit_note(desk.clerk, inv, [hms.CreditRequest(0)], "cancelled test")
    assert over_credit.value.open == inr("190.00")
    note = h.issue_credit_note(desk.clerk, inv, [hms.CreditRequest(0, inr("190.00"))], "cancelled test")
    assert note.kind == "credit_note" and note.original_id == inv.id and note.credit_reason == "cancelled test"
    assert note.lines[0].credits_line == 0
    assert h.invoice(desk.clerk, inv).status is hms.InvoiceStatus.BALANCED


def test_voiding_and_status_rules(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    h.add_charge(desk.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("x"), "lab.cbc"))
    draft = h.open_invoice(desk.clerk, c.ravi)
    voided = h.void_invoice(desk.clerk, draft, "wrong patient", to=hms.InvoiceStatus.ENTERED_IN_ERROR)
    assert voided.status is hms.InvoiceStatus.ENTERED_IN_ERROR
    with pytest.raises(hms.InvoiceTransitionError) as caught:
        h.void_invoice(desk.clerk, voided, "again")
    assert (caught.value.from_status, caught.value.to_status) == (hms.InvoiceStatus.ENTERED_IN_ERROR, hms.InvoiceStatus.CANCELLED)
    with pytest.raises(hms.ValidationError):
        h.void_invoice(desk.clerk, voided, "x", to="issued")


def test_charging_errors(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    booked = h.book_appointment(c.desk, hms.BookingRequest(c.ravi, c.doctor, "consult", at(TODAY, 16)))
    with pytest.raises(hms.NotChargeableError) as not_yet:
        h.charge_appointment(desk.clerk, booked)
    assert not_yet.value.status is hms.AppointmentStatus.BOOKED and not_yet.value.appointment_id == booked.id
    early = hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("early"), "lab.cbc", service_date=dt.date(2025, 6, 1))
    with pytest.raises(hms.NoPriceError) as no_price:
        h.add_charge(desk.clerk, early)
    assert (no_price.value.item_code, no_price.value.date) == ("lab.cbc", dt.date(2025, 6, 1))
    h.add_charge(desk.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("m-1"), "lab.cbc"))
    with pytest.raises(hms.ReferenceReusedError) as reused:
        h.add_charge(desk.clerk, hms.ChargeRequest(c.ravi, hms.ChargeSource.manual("m-1"), "otc.bandage"))
    assert reused.value.what == "charge"


def test_gateway_intent_and_webhook(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    issued_lab_invoice(desk)
    with pytest.raises(hms.GatewayFailedError) as down:
        h.create_payment_intent(desk.clerk, hms.MemoryGateway("s", refusing=True), c.ravi, inr("1.00"))
    assert down.value.detail == "the gateway is unavailable"
    gw = hms.MemoryGateway("whsec")
    intent = h.create_payment_intent(desk.clerk, gw, c.ravi, inr("250.00"))
    assert (intent.provider, intent.patient_id, intent.amount) == ("memory", c.ravi.id, inr("250.00"))
    payload, signature = gw.succeeded_webhook(intent, "pay_1")
    assert isinstance(payload, bytes) and gw.sign(payload) == signature and gw.provider == "memory"
    paid = h.apply_gateway_webhook(gw, payload, signature)
    assert paid is not None and paid.method is hms.PaymentMethod.GATEWAY and paid.provider == "memory"
    assert h.apply_gateway_webhook(gw, payload, signature) == paid, "a webhook delivered twice pays once"
    other = b"event=payment.failed\n"
    assert h.apply_gateway_webhook(gw, other, gw.sign(other)) is None
    with pytest.raises(hms.InvalidSignatureError) as bad:
        h.apply_gateway_webhook(gw, payload, "0" * 16)
    assert bad.value.provider == "memory"
    with pytest.raises(hms.OverpaymentError):
        h.create_payment_intent(desk.clerk, gw, c.ravi, inr("1.00"))


def test_statement_aging_and_reminders(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    inv = issued_lab_invoice(desk)
    h.record_payment(desk.clerk, hms.PaymentRequest(c.ravi, inr("50.00")))
    st = h.statement(desk.clerk, c.ravi)
    assert [e.kind for e in st.entries] == [hms.StatementEntryKind.INVOICE, hms.StatementEntryKind.PAYMENT]
    assert st.balance == inr("200.00") and st.entries[-1].balance == st.balance and st.as_of == TODAY
    assert st.aging.current == inr("200.00") and st.payer_pending == inr("0.00").round()
    assert st.entries.to_pandas()["balance"].tolist()[-1] == inr("200.00")

    assert h.send_due_reminders() == []
    h.advance(dt.timedelta(days=45))
    # Due on 1 April; on 16 April the `due` reminder is the latest stage reached (`overdue` comes
    # thirty days after the due date).
    assert h.send_due_reminders() == [inv.id]
    assert h.send_due_reminders() == [], "each reminder is sent once"
    assert h.invoice(desk.clerk, inv).reminders == (hms.ReminderStage.DUE,)
    report = h.aging_report(c.admin)
    assert report.open_invoices == 1 and report.patient.days_31_60 == inr("200.00")
    assert report.as_of == TODAY + dt.timedelta(days=45)



def test_payment_terms_and_rounding_of_a_hospital() -> None:
    h = hms.Hospital.in_memory(zone="Asia/Kolkata", currency="INR", now=NOW, seed=9, payment_terms_days=7, invoice_rounding="per_line")
    assert (h.payment_terms_days, h.invoice_rounding) == (7, hms.RoundingMode.PER_LINE)
    assert hms.Hospital.in_memory().invoice_rounding is hms.RoundingMode.PER_TAX_CATEGORY
    d = make_desk(h)
    d.hospital.add_charge(d.clerk, hms.ChargeRequest(d.clinic.ravi, hms.ChargeSource.manual("x"), "lab.cbc"))
    inv = h.issue_invoice(d.clerk, h.open_invoice(d.clerk, d.clinic.ravi))
    assert inv.due_date == TODAY + dt.timedelta(days=7) and inv.rounding is hms.RoundingMode.PER_LINE
    with pytest.raises(hms.ValidationError):
        hms.Hospital.in_memory(invoice_rounding="per_day")


class ToyGateway:
    """A gateway adapter written in Python, as a host writes one for its provider: intents are
    numbered, webhooks are `reference:patient:amount` signed by reversing the text."""

    provider = "toy"

    def __init__(self) -> None:
        self.requests: list[hms.IntentRequest] = []

    def create_intent(self, request: hms.IntentRequest) -> hms.PaymentIntent:
        if request.amount.amount > 120:
            raise RuntimeError("amount above the toy limit")
        self.requests.append(request)
        return hms.PaymentIntent(
            id=f"toy_{len(self.requests)}", provider=self.provider, patient=request.patient_id,
            amount=request.amount, client_secret="secret",
        )

    def verify_webhook(self, payload: bytes, signature: str) -> hms.GatewayEvent:
        text = payload.decode()
        if signature != text[::-1]:
            raise hms.InvalidSignatureError("bad signature")
        reference, patient, amount = text.split(":")
        if reference == "dispute":
            return hms.GatewayEvent.other("charge.disputed")
        return hms.GatewayEvent.payment_succeeded(reference, "toy_1", patient, inr(amount))


def test_a_gateway_written_in_python(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    issued_lab_invoice(desk)
    gw = ToyGateway()
    intent = h.create_payment_intent(desk.clerk, gw, c.ravi, inr("100.00"))
    assert (intent.id, intent.provider) == ("toy_1", "toy")
    [request] = gw.requests
    assert (request.patient_id, request.amount) == (c.ravi.id, inr("100.00")) and request.reference.startswith("intent-")
    payload = f"pay_9:{c.ravi.id}:100.00".encode()
    paid = h.apply_gateway_webhook(gw, payload, payload.decode()[::-1])
    assert paid is not None and (paid.provider, paid.external_reference, paid.amount) == ("toy", "pay_9", inr("100.00"))
    dispute = f"dispute:{c.ravi.id}:1".encode()
    assert h.apply_gateway_webhook(gw, dispute, dispute.decode()[::-1]) is None
    with pytest.raises(hms.InvalidSignatureError) as bad:
        h.apply_gateway_webhook(gw, payload, "nope")
    assert bad.value.provider == "toy"
    with pytest.raises(hms.GatewayFailedError) as refused:
        h.create_payment_intent(desk.clerk, gw, c.ravi, inr("130.00"))
    assert (refused.value.provider, refused.value.detail) == ("toy", "amount above the toy limit")
    with pytest.raises(hms.GatewayFailedError) as unreadable:
        h.apply_gateway_webhook(gw, b"x", "x")
    assert "values to unpack" in unreadable.value.detail
    with pytest.raises(TypeError):
        h.create_payment_intent(desk.clerk, object(), c.ravi, inr("1.00"))  # type: ignore[arg-type]
    event = hms.GatewayEvent.other("x")
    assert (event.kind, event.name, event.amount) == ("other", "x", None)
