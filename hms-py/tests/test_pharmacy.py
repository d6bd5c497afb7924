"""The pharmacy from Python: the pure FEFO rule, the drug catalog, stock orders and receipts,
prescriptions and dispensing, over-the-counter sales, returns, transfers, adjustments, write-offs,
reservations, alerts and valuation. The clinic is `conftest.make_desk`'s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import hms
from conftest import NOW, TODAY, UTC, Desk, inr, make_desk

B1, B2, B3 = (f"019cad8f-ac00-7a00-8000-00000000010{n}" for n in (1, 2, 3))


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


# --- the pure rules ---------------------------------------------------------------------------


def test_fefo_takes_the_earliest_usable_expiry_first() -> None:
    received = dt.datetime(2026, 1, 10, 9, tzinfo=UTC)
    cands = [
        hms.Candidate(B3, available=50, received_at=received, expiry=d(9, 30)),
        hms.Candidate(B1, available=40, received_at=received, expiry=d(3, 5)),
        hms.Candidate(B2, available=5, received_at=received, expiry=d(6, 30)),
    ]
    # A course that ends on 10 March: batch 1 expires on 5 March and is skipped.
    picks = hms.fefo_allocate(cands, 12, today=d(3, 2), needed_through=d(3, 10))
    assert [(p.batch_id, p.quantity) for p in picks] == [(B2, 5), (B3, 7)]
    assert picks.columns == ("batch_id", "quantity") and dict(picks[0]) == {"batch_id": B2, "quantity": 5}
    assert hms.fefo_allocate(cands, 0, today=d(3, 2)) == []
    # Without `needed_through`, batch 1 is usable today and goes first.
    assert hms.fefo_allocate(cands, 1, today=d(3, 2))[0].batch_id == B1
    recalled = hms.Candidate(B1, available=9, received_at=received, recalled=True)
    assert recalled.expiry is None and recalled.recalled
    with pytest.raises(hms.FefoShortfallError) as short:
        hms.fefo_allocate([recalled, cands[2]], 6, today=d(3, 2))
    assert isinstance(short.value, hms.InsufficientStockError) and short.value.code == "insufficient_stock"
    assert (short.value.requested, short.value.available, short.value.drug_id) == (6, 5, None)
    with pytest.raises(TypeError):
        hms.Candidate(B1, available=1, received_at=dt.date(2026, 1, 1))  # type: ignore[arg-type]


def test_needed_through() -> None:
    assert hms.needed_through(d(3, 2), 7) == d(3, 8)
    assert hms.needed_through(d(3, 2), 7, 30) == d(4, 7)


# --- catalog and stock ------------------------------------------------------------------------


def receive(p: Desk, drug: hms.Drug, number: str, expiry: dt.date | None, quantity: int, price: str = "2.00", **kw: object) -> hms.Batch:
    return p.hospital.receive_stock(p.pharmacist, hms.GoodsReceipt(
        drug, number, supplier="MedSupply", quantity=quantity, unit_cost=inr("1.00"), sale_price=inr(price),
        expiry=expiry, **kw,  # type: ignore[arg-type]
    ))


def test_drug_catalog(desk: Desk) -> None:
    h = desk.hospital
    para = desk.paracetamol
    assert para.name == "paracetamol 500 mg tablet" and para.generic_name == "paracetamol" and para.form is hms.DosageForm.TABLET
    assert para.details.reorder == {"main": hms.ReorderRule(50, 100)}
    assert not para.prescription_only and desk.amoxicillin.prescription_only
    assert [x.id for x in h.drugs(desk.pharmacist)] == [para.id, desk.amoxicillin.id]
    updated = h.update_drug(desk.pharmacist, para, hms.DrugDetails(
        "Paracetamol", "500 mg", "tablet", "tablet", pack_size=10, atc_code="N02BE01", brand="Calpol",
    ))
    assert updated.name == "paracetamol 500 mg tablet (Calpol)" and updated.version == para.version + 1
    with pytest.raises(hms.ValidationError) as bad:
        h.add_drug(desk.pharmacist, hms.DrugDetails("X", "1 mg", "tablet", "tablet", atc_code="not-atc"))
    assert bad.value.problems[0].field == "atc_code"
    with pytest.raises(hms.ForbiddenError):
        h.add_drug(desk.clinic.desk, hms.DrugDetails("X", "1 mg", "tablet", "tablet", atc_code="N02BE01"))


def test_orders_receipts_and_the_ledger(desk: Desk) -> None:
    h, para = desk.hospital, desk.paracetamol
    order = h.order_stock(desk.pharmacist, para, 100)
    assert (order.location, order.quantity, order.received_at) == ("main", 100, None)
    batch = receive(desk, para, "P-1", d(12, 31), 100, order=order)
    assert (batch.order_id, batch.location, batch.received_quantity, batch.recalled) == (order.id, "main", 100, False)
    with pytest.raises(hms.DuplicateBatchError) as dup:
        receive(desk, para, "P-1", d(12, 31), 5)
    assert (dup.value.existing_id, dup.value.batch_number) == (batch.id, "P-1")

    moved = h.transfer_stock(desk.pharmacist, batch, 30, from_location="main", to_location="ward-3")
    assert [(e.kind, e.location, e.quantity) for e in moved] == [("transfer_out", "main", -30), ("transfer_in", "ward-3", 30)]
    assert moved[0].details["to"] == "ward-3"
    adj = h.adjust_stock(desk.pharmacist, batch, -2, "count after stock-take", location="ward-3")
    assert (adj.kind, adj.quantity, adj.details) == ("adjustment", -2, {"reason": "count after stock-take"})
    off = h.write_off_stock(desk.pharmacist, batch, "damaged", location="ward-3", quantity=3)
    assert off.details == {"reason": hms.WriteOffReason.DAMAGED} and off.quantity == -3
    on_hand = {(b.location, b.on_hand) for b in h.stock_on_hand(desk.pharmacist, para)}
    assert on_hand == {("main", 70), ("ward-3", 25)}
    card = h.stock_card(desk.pharmacist, batch)
    assert [e.kind for e in card] == ["receipt", "transfer_out", "transfer_in", "adjustment", "write_off"]
    assert card.to_pandas()["quantity"].sum() == 95
    with pytest.raises(hms.InsufficientStockError) as short:
        h.transfer_stock(desk.pharmacist, batch, 71, from_location="main", to_location="er")
    assert (short.value.batch_id, short.value.location, short.value.available) == (batch.id, "main", 70)

    recalled = h.recall_batch(desk.pharmacist, batch, "supplier recall")
    assert recalled.recalled and recalled.recall_reason == "supplier recall" and recalled.recalled_at == NOW
    with pytest.raises(hms.AlreadyRecalledError) as again:
        h.recall_batch(desk.pharmacist, batch, "again")
    assert again.value.batch_id == batch.id


def test_alerts_and_valuation(desk: Desk) -> None:
    h, para = desk.hospital, desk.paracetamol
    receive(desk, para, "P-LOW", d(3, 20), 30)
    alerts = h.stock_alerts(desk.pharmacist)
    kinds = {a.kind for a in alerts}
    assert kinds == {hms.AlertKind.LOW_STOCK, hms.AlertKind.EXPIRING_SOON}
    low = next(a for a in alerts if a.kind is hms.AlertKind.LOW_STOCK)
    assert (low.usable, low.reorder_level, low.suggested_quantity, low.batch_ids) == (30, 50, 100, ())
    soon = next(a for a in alerts if a.kind is hms.AlertKind.EXPIRING_SOON)
    assert soon.earliest_expiry == d(3, 20) and soon.quantity == 30 and soon.usable is None
    # The receipt published these alerts already; the sweep publishes only what the date changes.
    assert h.sweep_stock_alerts().raised == []
    assert {"stock.low", "stock.expiring"} <= {e.type for e in h.events_after(limit=10_000)}
    h.advance(dt.timedelta(days=30))
    expired = h.sweep_stock_alerts()
    assert hms.AlertKind.EXPIRED in {a.kind for a in expired.raised}
    assert (para.id, "main", hms.AlertKind.EXPIRING_SOON) in expired.cleared
    value = h.stock_valuation(desk.pharmacist)
    assert value.total == inr("30.00") and [(v.drug_id, v.on_hand) for v in value.lines] == [(para.id, 30)]


# --- prescriptions, dispensing, sales, returns, reservations ---------------------------------


def prescribe(p: Desk, quantity: int = 21, refills: int = 1, days: int = 7) -> hms.Prescription:
    c = p.clinic
    return p.hospital.write_prescription(c.doctor_account, c.asha, [
        hms.PrescriptionLine(p.amoxicillin, dose="500 mg", frequency="three times a day",
                             duration_days=days, quantity=quantity, refills=refills),
    ], note="after meals")


def test_dispensing_a_prescription_first_expiry_first_out(desk: Desk) -> None:
    h = desk.hospital
    short = receive(desk, desk.amoxicillin, "A-SHORT", d(3, 4), 10)
    soon = receive(desk, desk.amoxicillin, "A-SOON", d(6, 30), 15, price="3.50")
    later = receive(desk, desk.amoxicillin, "A-LATER", d(12, 31), 50, price="3.50")
    rx = prescribe(desk)
    assert rx.prescriber_id == desk.clinic.doctor.id and rx.lines[0].refills == 1 and rx.note == "after meals"
    assert h.prescription(desk.pharmacist, rx.id) == rx

    disp = h.dispense_prescription(desk.pharmacist, rx, [hms.DispenseItem(0, 21)])
    # The 7-day course ends on 8 March: A-SHORT (4 March) is skipped, A-SOON is emptied first.
    assert [(l.batch_id, l.quantity, l.fill) for l in disp.lines] == [(soon.id, 15, 0), (later.id, 6, 0)]
    assert disp.total == inr("73.50") and disp.patient_id == desk.clinic.asha.id and disp.location == "main"
    with pytest.raises(hms.BatchUnusableError) as unusable:
        h.dispense_prescription(desk.pharmacist, rx, [hms.DispenseItem(0, 1, batch=short)])
    assert (unusable.value.problem, unusable.value.expiry, unusable.value.needed_through) == ("expires_too_soon", d(3, 4), d(3, 8))
    with pytest.raises(hms.ExceedsPrescriptionError) as over:
        h.dispense_prescription(desk.pharmacist, rx, [hms.DispenseItem(0, 22)])
    assert (over.value.fill, over.value.remaining, over.value.requested) == (1, 21, 22)
    h.dispense_prescription(desk.pharmacist, rx.id, [hms.DispenseItem(0, 21)])
    with pytest.raises(hms.RefillsExhaustedError) as used_up:
        h.dispense_prescription(desk.pharmacist, rx, [hms.DispenseItem(0, 1)])
    assert used_up.value.fills == 2
    assert [x.id for x in h.prescription_dispenses(desk.pharmacist, rx)][0] == disp.id

    back = h.return_dispensed(desk.pharmacist, disp, [hms.ReturnItem(1, 6)], "course changed")
    assert back.lines[1].returned == 6
    with pytest.raises(hms.ExceedsDispensedError) as too_many:
        h.return_dispensed(desk.pharmacist, disp, [hms.ReturnItem(0, 16)], "again")
    assert (too_many.value.remaining, too_many.value.requested) == (15, 16)

    # The dispense is billed at the price it carries.
    charge = h.add_charge(desk.pharmacist, hms.ChargeRequest(
        desk.clinic.asha, hms.ChargeSource.dispense(disp), "med", 15, unit_price=inr("3.50"),
    ))
    assert charge.kind is hms.ItemKind.MEDICINE and charge.source == f"dispense:{disp.id}"


def test_over_the_counter_sales(desk: Desk) -> None:
    h = desk.hospital
    with pytest.raises(hms.InsufficientStockError) as none_yet:
        h.sell_over_the_counter(desk.pharmacist, [hms.SaleItem(desk.paracetamol, 2)])
    assert (none_yet.value.drug_id, none_yet.value.available, none_yet.value.batch_id) == (desk.paracetamol.id, 0, None)
    receive(desk, desk.paracetamol, "P-1", d(12, 31), 20, price="1.25")
    sale = h.sell_over_the_counter(desk.pharmacist, [hms.SaleItem(desk.paracetamol, 4)], patient=desk.clinic.ravi)
    assert sale.prescription_id is None and sale.total == inr("5.00") and sale.patient_id == desk.clinic.ravi.id
    with pytest.raises(hms.PrescriptionRequiredError) as rx_only:
        h.sell_over_the_counter(desk.pharmacist, [hms.SaleItem(desk.amoxicillin, 1)])
    assert rx_only.value.drug_id == desk.amoxicillin.id


def test_charging_a_dispense(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    h.set_price_item(desk.clerk, hms.PriceItem(
        "medicine", "Medicines", "medicine", [hms.PriceVersion(d(1, 1), hms.Price(from_source=True))],
    ))
    receive(desk, desk.paracetamol, "P-1", d(6, 30), 5, price="1.25")
    receive(desk, desk.paracetamol, "P-2", d(12, 31), 20, price="1.50")
    sale = h.sell_over_the_counter(desk.pharmacist, [hms.SaleItem(desk.paracetamol, 8)], patient=c.ravi)
    h.return_dispensed(desk.pharmacist, sale, [hms.ReturnItem(1, 1)], "one strip too many")
    # What was kept, from the dispense's own lines: 5 × 1.25 + 2 × 1.50 = 9.25, as one unit.
    charge = h.charge_dispense(desk.pharmacist, sale)
    assert charge.source == f"dispense:{sale.id}" and charge.kind is hms.ItemKind.MEDICINE
    assert (charge.item_code, charge.quantity, charge.unit_price) == ("medicine", Decimal(1), inr("9.25"))
    assert charge.description == "Medicines (paracetamol 500 mg tablet × 7)"
    assert h.charge_dispense(desk.pharmacist, sale.id) == charge, "a dispense is charged once"
    assert [line.charge_id for line in h.open_invoice(desk.clerk, c.ravi).lines] == [charge.id]
    with pytest.raises(hms.NotFoundError):
        h.charge_dispense(desk.pharmacist, "019cad8f-ac00-7a00-8000-0000000009ff")
    anonymous = h.sell_over_the_counter(desk.pharmacist, [hms.SaleItem(desk.paracetamol, 1)])
    with pytest.raises(hms.ValidationError) as no_patient:
        h.charge_dispense(desk.pharmacist, anonymous)
    assert no_patient.value.problems[0].field == "dispense"


def test_reservations(desk: Desk) -> None:
    h, c = desk.hospital, desk.clinic
    receive(desk, desk.amoxicillin, "A-1", d(12, 31), 30)
    rx = prescribe(desk, quantity=10, refills=0)
    held = h.reserve_stock(desk.pharmacist, c.asha, desk.amoxicillin, 10, prescription=rx, minutes=60)
    assert held.status is hms.ReservationStatus.ACTIVE and held.quantity == 10
    assert held.expires_at == NOW + dt.timedelta(minutes=60) and held.picks[0].quantity == 10
    with pytest.raises(hms.InsufficientStockError):
        h.reserve_stock(desk.pharmacist, c.ravi, desk.amoxicillin, 21)
    disp = h.dispense_prescription(desk.pharmacist, rx, [hms.DispenseItem(0, 10)], reservation=held)
    assert disp.reservation_id == held.id
    with pytest.raises(hms.ReservationClosedError) as closed:
        h.release_reservation(desk.pharmacist, held)
    assert closed.value.status is hms.ReservationStatus.FULFILLED

    brief = h.reserve_stock(desk.pharmacist, c.asha, desk.amoxicillin, 1, minutes=1)
    released = h.release_reservation(desk.pharmacist, brief)
    assert released.status is hms.ReservationStatus.RELEASED
    lapsing = h.reserve_stock(desk.pharmacist, c.asha, desk.amoxicillin, 1, minutes=1)
    h.advance(dt.timedelta(minutes=1))
    rx2 = prescribe(desk, quantity=1, refills=0)
    with pytest.raises(hms.ReservationExpiredError) as lapsed:
        h.dispense_prescription(desk.pharmacist, rx2, [hms.DispenseItem(0, 1)], reservation=lapsing)
    assert lapsed.value.expired_at == lapsing.expires_at


def test_value_objects(desk: Desk) -> None:
    line = hms.PrescriptionLine(desk.amoxicillin, dose="1", frequency="daily", duration_days=5, quantity=5)
    assert line == hms.PrescriptionLine(desk.amoxicillin.id, dose="1", frequency="daily", duration_days=5, quantity=5)
    assert line.refills == 0 and line.drug_id == desk.amoxicillin.id
    assert hms.DispenseItem(0, 3).batch_id is None and hms.ReturnItem(0, 1).quantity == 1
    assert hms.SaleItem(desk.paracetamol, 2, batch=B1).batch_id == B1
    receipt = hms.GoodsReceipt(desk.paracetamol, "X", supplier="S", quantity=1, unit_cost=inr("1"), sale_price=inr("2"))
    assert receipt.location == "main" and receipt.expiry is None
    with pytest.raises(hms.ValidationError):
        hms.GoodsReceipt(desk.paracetamol, "X", supplier="S", quantity=1, unit_cost=inr("1"), sale_price=inr("2"), location="ward 3")
    assert hms.ReorderRule(1, 2) == hms.ReorderRule(1, 2) and hash(hms.ReorderRule(1, 2)) == hash(hms.ReorderRule(1, 2))


def test_pharmacy_settings_of_a_hospital() -> None:
    assert hms.Hospital.in_memory().pharmacy == hms.PharmacySettings()
    settings = hms.PharmacySettings(min_shelf_life_days=30, expiry_warning_days=10, reservation_minutes=15)
    h = hms.Hospital.in_memory(zone="Asia/Kolkata", currency="INR", now=NOW, seed=8, pharmacy=settings)
    assert h.pharmacy == settings and h.pharmacy.reservation_minutes == 15
    p = make_desk(h)
    # A 30-day minimum shelf life: a course ending on 6 March needs stock usable through 5 April,
    # so the only batch (expiring on 1 April) cannot be dispensed.
    receive(p, p.amoxicillin, "A-1", d(4, 1), 30)
    rx = h.write_prescription(p.clinic.doctor_account, p.clinic.asha, [
        hms.PrescriptionLine(p.amoxicillin, dose="1", frequency="daily", duration_days=5, quantity=5)
    ])
    with pytest.raises(hms.InsufficientStockError):
        h.dispense_prescription(p.pharmacist, rx, [hms.DispenseItem(0, 5)])
    held = h.reserve_stock(p.pharmacist, p.clinic.asha, p.amoxicillin, 1)
    assert held.expires_at == NOW + dt.timedelta(minutes=15)
    with pytest.raises(TypeError):
        hms.Hospital.in_memory(pharmacy={"reservation_minutes": 15})  # type: ignore[arg-type]
