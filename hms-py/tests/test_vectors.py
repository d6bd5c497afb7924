"""The shared JSON test vectors of hms-core (format in hms-core/tests/vectors/README.md), run
through the Python API: inputs are built with the keyword constructors, outputs read back through
the attributes, so the Python conversions are checked along with the rules."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

import hms

VECTORS = Path(__file__).resolve().parents[2] / "hms-core" / "tests" / "vectors"


def _date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _instant(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def _opt_date(s: str | None) -> dt.date | None:
    return None if s is None else _date(s)


def details_from_json(d: dict[str, Any]) -> hms.PatientDetails:
    name = d["name"]
    address = d.get("address")
    return hms.PatientDetails(
        name=hms.PersonName(given=name["given"], family=name["family"], middle=name.get("middle")),
        birth_date=_date(d["birth_date"]),
        sex=d["sex"],
        gender_identity=d.get("gender_identity"),
        phone=d.get("phone"),
        email=d.get("email"),
        address=None if address is None else hms.Address(
            line1=address["line1"],
            city=address["city"],
            country=address["country"],
            line2=address.get("line2"),
            region=address.get("region"),
            postal_code=address.get("postal_code"),
        ),
        national_id=d.get("national_id"),
        insurance=[
            hms.InsurancePolicy(
                payer=p["payer"],
                member_id=p["member_id"],
                valid_from=_date(p["valid_from"]),
                plan=p.get("plan"),
                valid_until=_opt_date(p.get("valid_until")),
            )
            for p in d.get("insurance", [])
        ],
        emergency_contacts=[
            hms.EmergencyContact(name=c["name"], relationship=c["relationship"], phone=c["phone"], email=c.get("email"))
            for c in d.get("emergency_contacts", [])
        ],
    )


def details_to_json(d: hms.PatientDetails) -> dict[str, Any]:
    a = d.address
    return {
        "name": {"given": d.name.given, "middle": d.name.middle, "family": d.name.family},
        "birth_date": d.birth_date.isoformat(),
        "sex": d.sex.value,
        "gender_identity": d.gender_identity,
        "phone": d.phone,
        "email": d.email,
        "address": None if a is None else {
            "line1": a.line1, "line2": a.line2, "city": a.city, "region": a.region,
            "postal_code": a.postal_code, "country": a.country,
        },
        "national_id": d.national_id,
        "insurance": [
            {
                "payer": p.payer, "member_id": p.member_id, "plan": p.plan,
                "valid_from": p.valid_from.isoformat(),
                "valid_until": None if p.valid_until is None else p.valid_until.isoformat(),
            }
            for p in d.insurance
        ],
        "emergency_contacts": [
            {"name": c.name, "relationship": c.relationship.value, "phone": c.phone, "email": c.email}
            for c in d.emergency_contacts
        ],
    }


def _interval(v: dict[str, str]) -> hms.Interval:
    return hms.Interval(_instant(v["start"]), _instant(v["end"]))


def _check_schedule(i: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows' `kind:key` calendars become one column per kind (doctor, patient, room, in that
    order, `None` where a row has none), the instants datetime columns."""
    rows = i["rows"]
    columns: dict[str, list[Any]] = {kind: [None] * len(rows) for kind in ("doctor", "patient", "room")}
    for n, row in enumerate(rows):
        for calendar in row["calendars"]:
            kind, key = calendar.split(":", 1)
            assert columns[kind][n] is None, "a row names one calendar of each kind"
            columns[kind][n] = key
    check = hms.check_schedule(
        [_instant(r["start"]) for r in rows], [_instant(r["end"]) for r in rows], **columns
    )
    return [
        {
            "accepted": accepted,
            "clashes": [{"calendar": f"{c.party}:{c.key}", "row": c.with_row} for c in check.clashes_of(n)],
        }
        for n, accepted in enumerate(check.accepted)
    ]


OPS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "validate_patient": lambda i: details_to_json(
        hms.validate_patient(details_from_json(i["details"]), _date(i["today"]))
    ),
    "money_allocate": lambda i: [
        p.amount for p in hms.allocate(hms.Money(Decimal(i["amount"]), i["currency"]), [Decimal(w) for w in i["weights"]])
    ],
    "money_round": lambda i: hms.Money(Decimal(i["amount"]), i["currency"]).round().amount,
    "interval_overlap": lambda i: _interval(i["a"]).overlaps(_interval(i["b"])),
    "normalize_phone": lambda i: hms.normalize_phone(i["raw"]),
    "mrn_from_sequence": lambda i: hms.mrn_from_sequence(i["sequence"]),
    "calendar_conflicts": lambda i: _calendar_conflicts(i),
    "price_invoice": lambda i: _price_invoice(i),
    "check_schedule": lambda i: _check_schedule(i),
    "fefo_allocate": lambda i: [
        {"batch": p.batch_id, "quantity": p.quantity}
        for p in hms.fefo_allocate(
            [
                hms.Candidate(
                    b["batch"], available=b["available"], received_at=_instant(b["received_at"]),
                    expiry=_opt_date(b.get("expiry")), recalled=b.get("recalled", False),
                )
                for b in i["batches"]
            ],
            i["quantity"],
            today=_date(i["today"]),
            needed_through=_date(i["needed_through"]),
        )
    ],
}


def _discount(d: dict[str, str] | None, currency: str) -> hms.Discount | None:
    if d is None:
        return None
    if d["kind"] == "percent":
        return hms.Discount(percent=Decimal(d["value"]))
    return hms.Discount(amount=hms.Money(Decimal(d["value"]), currency))


def _price_invoice(i: dict[str, Any]) -> dict[str, Any]:
    cur = i["currency"]

    def money(v: str) -> hms.Money:
        return hms.Money(Decimal(v), cur)

    lines = [
        hms.LineInput(
            l["item_code"], Decimal(l["quantity"]), money(l["unit_price"]),
            hms.TaxRate(l["tax"]["category"], Decimal(l["tax"]["percent"])),
            tax_inclusive=l.get("tax_inclusive", False), discount=_discount(l.get("discount"), cur),
            visit_type=l.get("visit_type"), preauthorized=l.get("preauthorized", False),
        )
        for l in i["lines"]
    ]
    plan = usage = None
    if i.get("coverage") is not None:
        c = i["coverage"]["plan"]
        plan = hms.CoveragePlan(
            c["payer"], plan=c["plan"], currency=cur, annual_deductible=money(c["annual_deductible"]),
            coinsurance_percent=Decimal(c["coinsurance_percent"]),
            copays={k: money(v) for k, v in c["copays"].items()},
            out_of_pocket_max=None if c["out_of_pocket_max"] is None else money(c["out_of_pocket_max"]),
            not_covered=c["not_covered"], preauthorization_required=c["preauthorization_required"],
        )
        u = i["coverage"]["usage"]
        usage = hms.CoverageUsage(money(u["deductible_used"]), money(u["out_of_pocket_used"]))
    b = hms.price_invoice(
        lines, currency=cur, rounding=i["rounding"], invoice_discount=_discount(i.get("invoice_discount"), cur),
        coverage=plan, usage=usage,
    )
    amounts = ("extended", "line_discount", "invoice_discount", "net", "tax", "gross", "payer", "patient",
               "copay", "deductible", "coinsurance", "not_covered")
    return {
        "lines": [
            {**{k: getattr(l, k).amount for k in amounts}, "basis": l.basis.value, "capped": l.capped}
            for l in b.lines
        ],
        "taxes": [
            {"category": t.category, "percent": t.percent, "taxable": t.taxable.amount, "amount": t.amount.amount}
            for t in b.taxes
        ],
        "totals": {
            k: getattr(b.totals, k).amount
            for k in ("extended", "line_discounts", "invoice_discount", "net", "tax", "gross", "payer", "patient")
        },
    }


def _decimals(value: Any) -> Any:
    """`value` with every string that is a decimal number as a `Decimal` (amounts compare as numbers)."""
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _calendar_conflicts(i: dict[str, Any]) -> list[str]:
    cal = hms.Calendar()
    for b in i["bookings"]:
        cal.add(b["id"], _interval(b), shared=b.get("shared", False))
    held = {b["id"]: _interval(b) for b in i["bookings"]}
    for removed in i.get("removed", []):
        assert cal.remove(removed, held[removed])
    return cal.conflicts(_interval(i["query"]))


def _expected_ok(op: str, value: Any) -> Any:
    # Amounts compare as decimal numbers ("12.3" equals "12.30").
    if op == "money_allocate":
        return [Decimal(v) for v in value]
    if op == "money_round":
        return Decimal(value)
    if op == "price_invoice":
        return _decimals(value)
    return value


# Files of the browser module's rules that this binding does not run, and why. Named one by one, so
# a new file is run here or named here, never skipped by accident.
NOT_RUN = {
    "access.json": "access decisions as UI hints: run by the core and hms-wasm (Python goes through Hospital)",
    "booking_findings.json": "a booking check's findings in the browser: run by the core and hms-wasm",
    "slots.json": "free slots from plain JSON in the browser: run by the core and hms-wasm",
}


def _cases() -> list[Any]:
    out = []
    for path in sorted(VECTORS.glob("*.json")):
        if path.name in NOT_RUN:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        cases = data["cases"]
        assert cases, f"{path.name} has no cases"
        names = [c["name"] for c in cases]
        assert len(names) == len(set(names)), f"{path.name}: case names must be unique"
        for case in cases:
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


CASES = _cases()


def test_every_vector_file_has_cases_this_runner_knows() -> None:
    files = {p.name for p in VECTORS.glob("*.json")}
    assert set(NOT_RUN) <= files, "a file named as not run is gone: drop it from NOT_RUN"
    assert len(files) >= 6
    assert len(CASES) >= 70
    for param in CASES:
        [case] = param.values
        assert case["op"] in OPS, f"unknown op {case['op']!r}: teach this runner"


@pytest.mark.parametrize("case", CASES)
def test_vector(case: dict[str, Any]) -> None:
    op = OPS[case["op"]]
    expect = case["expect"]
    if "ok" in expect:
        assert op(case["input"]) == _expected_ok(case["op"], expect["ok"])
        return
    want = expect["error"]
    with pytest.raises(hms.HmsError) as caught:
        op(case["input"])
    assert caught.value.code == want["code"]
    if "fields" in want:
        got = [{"field": p.field, "code": p.code} for p in caught.value.problems]  # type: ignore[attr-defined]
        assert got == want["fields"]
