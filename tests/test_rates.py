"""Fee-schedule figures against FACTS.md section D, and the formula."""

import decimal

import pytest

from trainer_billing import datasets, rates

D = decimal.Decimal

#: Total non-facility RVUs from FACTS.md section D.
FACTS_TOTALS = {
    (2025, "97110"): "0.89", (2025, "97112"): "0.99",
    (2025, "97116"): "0.89", (2025, "97140"): "0.84",
    (2025, "97530"): "1.07", (2025, "97161"): "3.03",
    (2025, "97162"): "3.03", (2025, "97163"): "3.03",
    (2025, "97164"): "2.09", (2025, "97750"): "1.03",
    (2025, "93668"): "0.44", (2025, "93797"): "0.51",
    (2025, "93798"): "0.76",
    (2026, "97110"): "0.87", (2026, "97112"): "0.98",
    (2026, "97530"): "1.05", (2026, "97140"): "0.83",
    (2026, "97161"): "2.93", (2026, "97750"): "1.01",
}
#: National dollar amounts from FACTS.md section D (GPCI 1.000).
FACTS_DOLLARS = {
    (2025, "97110"): "28.79", (2025, "97112"): "32.02",
    (2025, "97140"): "27.17", (2025, "97530"): "34.61",
    (2025, "97161"): "98.01", (2025, "97164"): "67.60",
    (2025, "97750"): "33.32", (2025, "93668"): "14.23",
    (2025, "93797"): "16.50", (2025, "93798"): "24.58",
    (2026, "97110"): "29.06", (2026, "97112"): "32.73",
    (2026, "97530"): "35.07", (2026, "97140"): "27.72",
    (2026, "97161"): "97.86", (2026, "97750"): "33.73",
}


def rvu_rows():
    return {(int(r.year), r.code): r for r in datasets.rvus().itertuples()}


@pytest.mark.parametrize("key,total", sorted(FACTS_TOTALS.items()))
def test_rvu_totals_match_facts(key, total):
    row = rvu_rows()[key]
    parts = D(str(row.work_rvu)) + D(str(row.pe_nonfacility_rvu)) + \
        D(str(row.mp_rvu))
    assert parts == D(total) == D(str(row.total_nonfacility_rvu))


@pytest.mark.parametrize("key,dollars", sorted(FACTS_DOLLARS.items()))
def test_national_amounts_match_facts(key, dollars):
    year, code = key
    assert rates.fee_schedule_amount(code, year, "NATIONAL").value == \
        D(dollars)


def test_every_rvu_row_has_a_source_and_flag():
    for row in datasets.rvus().itertuples():
        assert row.source and row.verified in ("yes", "no"), row


def test_gpcis_cover_five_localities_with_sources():
    table = datasets.gpci()
    verified = table[(table.year == 2025) & (table.verified == "yes")
                     & (table.locality_id != "NATIONAL")]
    assert len(verified) >= 5
    assert verified.source.str.contains("Addendum E").all()
    unverified = table[table.verified == "no"]
    assert unverified.work_gpci.isna().all()
    assert unverified.note.str.contains("UNVERIFIED").all()


def test_locality_amount_fills_in_the_formula():
    amount = rates.fee_schedule_amount("97110", 2025, "IL-99")
    exact = (D("0.45") * D("1.000") + D("0.43") * D("0.912")
             + D("0.01") * D("1.381")) * D("32.3465")
    assert amount.value == exact.quantize(D("0.01"),
                                          rounding=decimal.ROUND_HALF_UP)
    assert amount.value == D("27.69")
    assert amount.formula() == ("[(0.45 x 1.000) + (0.43 x 0.912) + "
                                "(0.01 x 1.381)] x 32.3465 = 27.69")
    manhattan = rates.fee_schedule_amount("97530", 2025, "ny-01")
    assert manhattan.value == D("39.08")


def test_facility_setting():
    amount = rates.fee_schedule_amount("93797", 2025, "NATIONAL",
                                       setting="facility")
    assert amount.value == D("8.09")      # (0.18 + 0.06 + 0.01) x CF
    with pytest.raises(rates.NotPricedInSetting, match="NA"):
        rates.fee_schedule_amount("97110", 2025, "NATIONAL",
                                  setting="facility")


def test_2026_conversion_factors():
    assert rates.conversion_factor(2026) == (D("33.4009"),
                                             "non_qualifying_apm")
    qualifying = rates.fee_schedule_amount("97110", 2026, "NATIONAL",
                                           apm="qualifying")
    assert qualifying.value == D("29.20")          # 0.87 x 33.5675
    assert qualifying.conversion_factor_applies_to == "qualifying_apm"


@pytest.mark.parametrize("code,year,locality,error", [
    ("0591T", 2025, "NATIONAL", rates.UnknownRate),
    ("97110", 2024, "NATIONAL", rates.UnknownRate),
    ("97110", 2026, "NY-01", rates.UnknownLocality),
    ("97110", 2025, "ZZ-42", rates.UnknownLocality),
])
def test_clear_errors(code, year, locality, error):
    with pytest.raises(error) as raised:
        rates.fee_schedule_amount(code, year, locality)
    assert isinstance(raised.value, ValueError)
    assert "datasets/fee_schedule" in str(raised.value) or \
        "Use" in str(raised.value)


def test_bad_arguments():
    with pytest.raises(rates.RateError, match="setting"):
        rates.fee_schedule_amount("97110", 2025, "NATIONAL", setting="gym")
    with pytest.raises(rates.RateError, match="apm"):
        rates.conversion_factor(2026, apm="maybe")
