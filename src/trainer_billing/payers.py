"""What several payers pay for the same visit, and what-ifs on a price.

A visit is ``units`` units of one code. Medicare's allowed amount is the
fee-schedule amount (``trainer_billing.rates``) times the units. Each plan
of ``datasets/plans.json`` with a ``contract_rate_pct_of_medicare``
allows that percentage of it; the client then pays the plan's copay (per
visit), any deductible still to meet, and the coinsurance on the rest;
the plan pays what is left of the allowed amount. Everything is Decimal
and rounded half up to the cent.

The plans' percentages are synthetic and defined against the CY2025
Rest-of-Illinois amount (``datasets/README.md``); applied to another year
or locality they are a what-if, and ``PayerAmount.basis`` says so.
Plans with no rate in the datasets (workers' comp and auto PIP pay from
state fee schedules; the wellness program pays a flat session rate for
training, not for a code; an HSA/FSA reimburses from the member's own
account) are listed with ``allowed`` None and the reason. Not modelled:
sequestration, the multiple-procedure reduction, the 85% CQ/CO rate.

>>> rows = compare_payers('97110', 2025, 'IL-99', units=2)
>>> [(r.plan_id, str(r.allowed)) for r in rows if r.allowed][:2]
[('original_medicare', '55.38'), ('synthetic_advantage', '55.38')]
>>> ppo = next(r for r in rows if r.plan_id == 'synthetic_mutual_ppo')
>>> str(ppo.allowed), str(ppo.client_pays), str(ppo.plan_pays)
('60.92', '40.00', '20.92')
>>> str(what_if('75', rows).pct_of_medicare)
'135.4'
"""

from __future__ import annotations

import dataclasses
import decimal
import re

from trainer_billing import datasets, rates

CENT = decimal.Decimal("0.01")
TENTH = decimal.Decimal("0.1")
_MONEY = re.compile(r"\d+(\.\d{1,2})?|\.\d{1,2}")

#: What-if kinds: a negotiated contract rate or a cash price.
WHAT_IF_KINDS = {"negotiated": "Negotiated rate (what a plan allows)",
                 "cash": "Cash price (what the client pays you)"}


class PayerError(ValueError):
    """A comparison cannot be made; the message says why."""

    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidPrice(PayerError):
    """A price or percentage typed for a what-if is not a usable amount."""


class InvalidUnits(PayerError):
    """The units of the visit are not a whole number from 1 to 12."""


@dataclasses.dataclass(frozen=True)
class PayerAmount:
    """What one plan allows and pays for the visit, and what the client
    owes."""
    plan_id: str
    name: str
    plan_type: str
    allowed: decimal.Decimal | None
    plan_pays: decimal.Decimal | None
    client_pays: decimal.Decimal | None
    basis: str       # how the figure was found, or why there is none
    source: str      # plans.json fields and FACTS.md / CMS sources


@dataclasses.dataclass(frozen=True)
class WhatIf:
    """A typed price compared with Medicare and each payer."""
    kind: str
    price: decimal.Decimal
    medicare_allowed: decimal.Decimal | None
    pct_of_medicare: decimal.Decimal | None
    versus: tuple      # (plan name, what the plan allows, price - allowed)


def _cents(value):
    return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def parse_units(text):
    """Return the units of the visit (1-12), or raise InvalidUnits.

    >>> parse_units(' 2 ')
    2
    """
    value = str(text).strip()
    if not re.fullmatch(r"\d+", value) or not 1 <= int(value) <= 12:
        raise InvalidUnits(
            f"Units must be a whole number from 1 to 12; {str(text)!r} is "
            "not.", "units")
    return int(value)


def parse_price(text):
    """Return a dollar amount typed as ``75``, ``75.50`` or ``$75.50``,
    or raise InvalidPrice.

    >>> parse_price('$75.5')
    Decimal('75.50')
    """
    value = str(text).strip().replace(",", "")
    if value.startswith("$"):
        value = value[1:].strip()
    if not _MONEY.fullmatch(value):
        raise InvalidPrice(
            f"{str(text)!r} is not a price; type dollars and cents, e.g. "
            "75 or 75.50.", "what_if")
    price = decimal.Decimal(value)
    if price <= 0:
        raise InvalidPrice("A price must be more than $0.00.", "what_if")
    return _cents(price)


def medicare_localities():
    """Return (locality id, name, years with verified GPCIs) for each
    locality of ``gpci.csv``, national first."""
    table = datasets.gpci()
    out = {}
    for row in table.itertuples():
        entry = out.setdefault(row.locality_id, [row.name, []])
        if row.verified == "yes":
            entry[1].append(int(row.year))
    return [(key, name, tuple(sorted(years)))
            for key, (name, years) in out.items()]


def priced_codes(year=None):
    """Return the codes with verified RVUs (for ``year`` if given)."""
    table = datasets.rvus()
    table = table[table.verified == "yes"]
    if year is not None:
        table = table[table.year == int(year)]
    return sorted(set(table.code))


def visit_allowed(code, year, locality, setting="non-facility", units=1,
                  apm="non_qualifying"):
    """Return (Medicare allowed amount for the visit, the one-unit
    ``rates.Amount``); raises rates.RateError as ``fee_schedule_amount``
    does."""
    amount = rates.fee_schedule_amount(code, year, locality, setting, apm)
    return amount.value * units, amount


def _client_share(plan, allowed, year, deductible_remaining):
    share = plan.get("cost_share") or {}
    left = allowed
    pays = decimal.Decimal("0")
    deductible = deductible_remaining
    if deductible is None:
        table = share.get("deductible") or {}
        deductible = decimal.Decimal(table.get(str(year)) or "0")
    taken = min(deductible, left)
    pays += taken
    left -= taken
    if share.get("copay"):
        copay = min(decimal.Decimal(share["copay"]), left)
        pays += copay
        left -= copay
    if share.get("coinsurance_pct"):
        coinsurance = _cents(left * decimal.Decimal(
            str(share["coinsurance_pct"])) / 100)
        pays += coinsurance
        left -= coinsurance
    return _cents(pays)


def compare_payers(code, year, locality, setting="non-facility", units=1,
                   plans=None, deductible_remaining=decimal.Decimal("0")):
    """Return one PayerAmount per plan for a visit of ``units`` units.

    ``deductible_remaining`` is what the client still has to meet of the
    yearly deductible (default 0: met); ``None`` means none met yet, so
    each plan's full deductible for ``year`` applies.
    Raises rates.RateError when the Medicare amount cannot be priced.
    """
    code = str(code).strip().upper()
    medicare, amount = visit_allowed(code, year, locality, setting, units)
    plans = datasets.plans() if plans is None else plans
    rows = []
    where = (f"CY{year} {amount.locality} {setting} Medicare amount "
             f"${amount.value} x {units} unit{'s' if units != 1 else ''}")
    for pid, plan in plans.items():
        name, kind = plan.get("name", pid), plan.get("plan_type", "")
        listed = any(code in (b.get("codes") or [])
                     for b in plan.get("benefits") or [])
        pct = plan.get("contract_rate_pct_of_medicare")
        if not listed:
            rows.append(PayerAmount(
                pid, name, kind, None, None, None,
                f"No benefit of this plan lists {code}.",
                f"plans.json {pid}.benefits[].codes"))
            continue
        if pct is None:
            rows.append(PayerAmount(
                pid, name, kind, None, None, None,
                "No rate in the datasets: this payer pays from a state fee "
                "schedule or a contract the course does not model.",
                f"plans.json {pid}.contract_rate_pct_of_medicare "
                "(FACTS.md M)"))
            continue
        allowed = _cents(medicare * decimal.Decimal(str(pct)) / 100)
        client = _client_share(plan, allowed, year, deductible_remaining)
        basis = (f"{pct}% of the {where}"
                 + ("" if pct == 100 else
                    " (synthetic contract rate, set against CY2025 IL-99)")
                 + "; client pays "
                 + _share_words(plan) + ".")
        rows.append(PayerAmount(
            pid, name, kind, allowed, allowed - client, client, basis,
            f"plans.json {pid}.contract_rate_pct_of_medicare and "
            f"cost_share ({(plan.get('cost_share') or {}).get('source')}); "
            f"RVUs: {amount.rvu_source}; GPCIs: {amount.gpci_source}"))
    return rows


def _share_words(plan):
    share = plan.get("cost_share") or {}
    parts = []
    if share.get("copay") and decimal.Decimal(share["copay"]):
        parts.append(f"${share['copay']} copay")
    if share.get("coinsurance_pct"):
        parts.append(f"{share['coinsurance_pct']}% coinsurance")
    return " and ".join(parts) or "nothing"


def what_if(price, rows, kind="negotiated"):
    """Return a WhatIf for a typed price against ``compare_payers`` rows.

    ``kind`` is ``negotiated`` (a plan's allowed amount you might agree)
    or ``cash`` (what the client pays you with no plan involved).
    """
    if kind not in WHAT_IF_KINDS:
        raise InvalidPrice(f"{kind!r} is not a what-if kind: use "
                           f"{' or '.join(WHAT_IF_KINDS)}.", "what_if_kind")
    price = parse_price(price) if not isinstance(price, decimal.Decimal) \
        else _cents(price)
    medicare = next((r.allowed for r in rows
                     if r.plan_type == "medicare_ffs" and r.allowed), None)
    pct = None if not medicare else \
        (price / medicare * 100).quantize(TENTH, decimal.ROUND_HALF_UP)
    versus = tuple((r.name, r.allowed, price - r.allowed)
                   for r in rows if r.allowed is not None)
    return WhatIf(kind, price, medicare, pct, versus)
