"""Medicare Physician Fee Schedule amounts: RVUs x GPCIs x conversion
factor.

The formula (FACTS.md section D; CMS PFS relative value file notes):

    [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)]
        x conversion factor

with the non-facility or facility PE RVU depending on the place of
service. We keep every part exact (Decimal) and round only the result,
half up, to the cent. Payer rules that come after the fee schedule
(multiple-procedure reduction for therapy, the 85% CQ/CO rate, 2%
sequestration, deductible and coinsurance) are not applied here.

For CY2026 there are two conversion factors; the default is the one for
non-qualifying APM participants ($33.4009), which is what most therapists
are paid with. Pass ``apm="qualifying"`` for $33.5675.

RVUs: CMS RVU25A (2025) and RVU26C (2026); GPCIs: CMS Addendum E CY2025.
CY2026 GPCIs are not verified yet, so a 2026 amount is available only at
the national locality (all GPCIs 1.000) until they are filled in.

>>> amount = fee_schedule_amount('97110', 2025, 'NATIONAL')
>>> amount.value
Decimal('28.79')
>>> amount.total_rvu, amount.conversion_factor
(Decimal('0.89'), Decimal('32.3465'))
>>> print(amount.formula())
[(0.45 x 1.000) + (0.43 x 1.000) + (0.01 x 1.000)] x 32.3465 = 28.79
>>> str(fee_schedule_amount('97110', 2026, 'NATIONAL'))
'29.06'
>>> fee_schedule_amount('97110', 2026, 'IL-99')  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
trainer_billing.rates.UnknownLocality: IL-99 has no verified GPCIs ...
"""

import csv
import dataclasses
import decimal

from trainer_billing import datasets

CENT = decimal.Decimal("0.01")
SETTINGS = ("non-facility", "facility")


class RateError(ValueError):
    """No fee-schedule amount can be given; the message says why and what
    to do."""


class UnknownRate(RateError):
    """The code has no verified RVUs for that year in the course's
    table."""


class UnknownLocality(RateError):
    """The locality has no verified GPCIs for that year."""


class NotPricedInSetting(RateError):
    """CMS marks the PE RVU for that setting as not applicable (NA)."""


@dataclasses.dataclass(frozen=True)
class Amount:
    """A fee-schedule amount with the parts of the formula filled in."""
    value: decimal.Decimal
    code: str
    year: int
    locality: str
    setting: str
    work_rvu: decimal.Decimal
    pe_rvu: decimal.Decimal
    mp_rvu: decimal.Decimal
    work_gpci: decimal.Decimal
    pe_gpci: decimal.Decimal
    mp_gpci: decimal.Decimal
    conversion_factor: decimal.Decimal
    conversion_factor_applies_to: str
    rvu_source: str
    gpci_source: str

    @property
    def total_rvu(self):
        """Return the unadjusted RVU total (work + PE + MP)."""
        return self.work_rvu + self.pe_rvu + self.mp_rvu

    def formula(self):
        """Return the formula with its numbers, as a line of text."""
        return (f"[({self.work_rvu} x {self.work_gpci}) + "
                f"({self.pe_rvu} x {self.pe_gpci}) + "
                f"({self.mp_rvu} x {self.mp_gpci})] x "
                f"{self.conversion_factor} = {self.value}")

    def __str__(self):
        return f"{self.value}"


def _rows(name):
    with datasets.path(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text):
    return decimal.Decimal(text)


def conversion_factor(year, apm="non_qualifying"):
    """Return (conversion factor, who it applies to) for a year.

    ``apm`` matters from CY2026: ``"non_qualifying"`` (default, most
    therapists) or ``"qualifying"`` (qualifying APM participants).

    >>> conversion_factor(2025)
    (Decimal('32.3465'), 'all')
    >>> conversion_factor(2026, apm='qualifying')
    (Decimal('33.5675'), 'qualifying_apm')
    """
    if apm not in ("non_qualifying", "qualifying"):
        raise RateError(f"apm {apm!r} is not a choice: use "
                        "'non_qualifying' or 'qualifying'.")
    rows = [r for r in _rows("fee_schedule/conversion_factors.csv")
            if r["year"] == str(year) and r["verified"] == "yes"]
    wanted = f"{apm}_apm"
    for row in rows:
        if row["applies_to"] in (wanted, "all"):
            return _number(row["conversion_factor"]), row["applies_to"]
    raise UnknownRate(
        f"The course has no verified conversion factor for CY{year}. Add "
        "it to datasets/fee_schedule/conversion_factors.csv with its "
        "source.")


def fee_schedule_amount(code, year, locality, setting="non-facility",
                        apm="non_qualifying"):
    """Return the Medicare fee-schedule Amount for one unit of a code.

    ``locality`` is a locality id of ``datasets/fee_schedule/gpci.csv``
    (e.g. ``IL-99``, ``NY-01``) or ``NATIONAL``; ``setting`` is
    ``non-facility`` (office, home) or ``facility`` (hospital, SNF).
    Raises UnknownRate, UnknownLocality or NotPricedInSetting (all
    RateError) when the course has no verified figure to use.

    >>> str(fee_schedule_amount('97530', 2025, 'NATIONAL'))
    '34.61'
    """
    code = str(code).strip().upper()
    year = int(year)
    if setting not in SETTINGS:
        raise RateError(f"setting {setting!r} is not a choice: use "
                        "'non-facility' or 'facility'.")
    rvu = next((r for r in _rows("fee_schedule/rvus.csv")
                if r["code"] == code and r["year"] == str(year)), None)
    if rvu is None or rvu["verified"] != "yes":
        raise UnknownRate(
            f"{code} has no verified RVUs for CY{year} in the course's "
            "table. Check the code, or add its RVUs from the CMS RVU file "
            "to datasets/fee_schedule/rvus.csv with their source.")
    if setting == "facility" and rvu["facility_na"] == "yes":
        raise NotPricedInSetting(
            f"CMS marks the facility PE RVU of {code} as NA for CY{year}, "
            "so the course does not price it in a facility setting. Check "
            "the MAC's fee schedule for this service.")
    place = str(locality).strip().upper()
    gpci = next((r for r in _rows("fee_schedule/gpci.csv")
                 if r["locality_id"] == place and r["year"] == str(year)),
                None)
    if gpci is None or gpci["verified"] != "yes" or not gpci["work_gpci"]:
        raise UnknownLocality(
            f"{place} has no verified GPCIs for CY{year} in the course's "
            f"table. Use a CY2025 date, the NATIONAL locality, or add the "
            f"CMS CY{year} GPCIs to datasets/fee_schedule/gpci.csv with "
            "their source.")
    cf, applies_to = conversion_factor(year, apm)
    pe_column = "pe_nonfacility_rvu" if setting == "non-facility" \
        else "pe_facility_rvu"
    parts = dict(
        work_rvu=_number(rvu["work_rvu"]), pe_rvu=_number(rvu[pe_column]),
        mp_rvu=_number(rvu["mp_rvu"]), work_gpci=_number(gpci["work_gpci"]),
        pe_gpci=_number(gpci["pe_gpci"]), mp_gpci=_number(gpci["mp_gpci"]))
    exact = (parts["work_rvu"] * parts["work_gpci"]
             + parts["pe_rvu"] * parts["pe_gpci"]
             + parts["mp_rvu"] * parts["mp_gpci"]) * cf
    value = exact.quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    return Amount(value=value, code=code, year=year, locality=place,
                  setting=setting, conversion_factor=cf,
                  conversion_factor_applies_to=applies_to,
                  rvu_source=rvu["source"], gpci_source=gpci["source"],
                  **parts)
