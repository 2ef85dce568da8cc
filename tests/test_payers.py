"""What several payers pay for the same visit, and the what-if."""

import decimal

import pytest

from trainer_billing import datasets, payers, rates

D = decimal.Decimal


def _by_plan(rows):
    return {r.plan_id: r for r in rows}


def test_97110_two_units_il99_2025_match_the_remittances():
    rows = _by_plan(payers.compare_payers("97110", 2025, "IL-99", units=2))
    # 27.69 x 2 (FACTS.md D formula with CY2025 IL-99 GPCIs).
    assert rows["original_medicare"].allowed == D("55.38")
    assert rows["original_medicare"].client_pays == D("11.08")  # 20%
    ppo = rows["synthetic_mutual_ppo"]
    assert (ppo.allowed, ppo.client_pays, ppo.plan_pays) == \
        (D("60.92"), D("40.00"), D("20.92"))
    story = datasets.remittances()
    line = story[(story.payer_id == "SYN01") & (story.code == "97110")
                 & (story.units == 2) & (story.paid > 0)]
    assert {f"{v:.2f}" for v in line.allowed} == {"60.92"}
    # A line after the $40 copay pays 20.92 (others are copay-free rows).
    assert "20.92" in {f"{v:.2f}" for v in line.paid}
    assert rows["synthetic_medicaid"].allowed == D("44.30")    # 80%
    assert rows["synthetic_shield_hmo"].allowed == D("58.15")  # 105%


def test_plans_without_rate_or_benefit_say_why():
    rows = _by_plan(payers.compare_payers("97110", 2025, "IL-99"))
    assert rows["synthetic_casualty_wc"].allowed is None
    assert "state fee schedule" in rows["synthetic_casualty_wc"].basis
    assert rows["synthetic_works_wellness"].allowed is None
    assert "No benefit" in rows["synthetic_works_wellness"].basis


def test_deductible_not_met_comes_first():
    rows = _by_plan(payers.compare_payers("97110", 2025, "IL-99", units=2,
                                          deductible_remaining=None))
    hmo = rows["synthetic_shield_hmo"]         # $500 deductible
    assert hmo.client_pays == hmo.allowed and hmo.plan_pays == D("0.00")


def test_plan_pays_plus_client_pays_is_allowed():
    for code in payers.priced_codes(2025):
        for row in payers.compare_payers(code, 2025, "CA-18"):
            if row.allowed is not None:
                assert row.plan_pays + row.client_pays == row.allowed


def test_2026_needs_verified_gpcis():
    with pytest.raises(rates.UnknownLocality):
        payers.compare_payers("97110", 2026, "IL-99")
    rows = _by_plan(payers.compare_payers("97110", 2026, "NATIONAL"))
    assert rows["original_medicare"].allowed == D("29.06")


def test_what_if_cash_price():
    rows = payers.compare_payers("97110", 2025, "IL-99", units=2)
    result = payers.what_if("$75", rows, "cash")
    assert result.price == D("75.00")
    assert result.medicare_allowed == D("55.38")
    assert result.pct_of_medicare == D("135.4")
    ppo = dict((name, diff) for name, _, diff in result.versus)
    assert ppo["Synthetic Mutual PPO"] == D("14.08")


@pytest.mark.parametrize("text", ["abc", "-5", "0", "75.555", ""])
def test_bad_price(text):
    with pytest.raises(payers.InvalidPrice):
        payers.parse_price(text)


@pytest.mark.parametrize("text", ["0", "13", "1.5", "x"])
def test_bad_units(text):
    with pytest.raises(payers.InvalidUnits):
        payers.parse_units(text)


def test_localities_list_national_and_il99_with_their_verified_years():
    table = {key: years for key, _, years in payers.medicare_localities()}
    assert table["NATIONAL"] == (2025, 2026)
    assert 2025 in table["IL-99"]
