"""The rate calculator widget, driven through its controls."""

import pytest

from trainer_billing.widgets.rate_calculator import RateCalculator


@pytest.fixture
def calc():
    return RateCalculator()


def test_starts_with_the_story_amount_and_formula(calc):
    shown = calc.shown_text()
    assert "97110: $27.69 per unit" in shown
    assert "[(0.45 x 1.000) + (0.43 x 0.912) + (0.01 x 1.381)] x " \
        "32.3465 = 27.69" in shown
    assert calc.chart_png.startswith(b"\x89PNG")
    assert "Synthetic Mutual PPO $30.46" in calc.shown_text("table")


def test_units_and_code_change_the_payers(calc):
    calc.set_field("units", "2")
    assert "Synthetic Mutual PPO $60.92 $20.92 $40.00" in \
        calc.shown_text("table")
    calc.set_field("code", "97530")
    assert calc.amount.code == "97530"
    assert calc.shown_text().startswith("97530: $")
    assert calc.amount.formula().endswith(f"= {calc.amount.value}")


def test_2026_needs_national_locality_message_beside_locality(calc):
    calc.set_field("year", 2026)
    assert calc.has_error("locality")
    assert "no verified GPCIs for CY2026" in calc.message("locality")
    assert calc.amount is None and calc.chart_png == b""
    assert not calc.has_error("code")
    calc.set_field("locality", "NATIONAL")
    assert not calc.has_error("locality")
    assert str(calc.amount.value) == "29.06"
    assert "x 33.4009 = 29.06" in calc.shown_text()


def test_what_if_cash_price_and_bad_price(calc):
    calc.set_field("what_if_kind", "cash")
    calc.set_field("what_if", "75")
    assert "cash price of $75.00" in calc.shown_text("what_if")
    assert "270.9%" in calc.shown_text("what_if")
    calc.set_field("what_if", "seventy")
    assert calc.has_error("what_if")
    assert calc.control("what_if").value == "seventy"
    assert calc.amount is not None  # the rest still shows


@pytest.mark.parametrize("field,value", [
    ("code", "99999"), ("code", ""), ("units", "0"), ("units", "abc"),
    ("what_if", "-5")])
def test_bad_input_beside_its_field(calc, field, value):
    calc.set_field(field, value)
    assert calc.has_error(field), calc.message(field)
    assert calc.control(field).value == value


def test_facility_not_priced_shows_beside_setting(calc):
    calc.set_field("setting", "facility")
    assert calc.has_error("setting")
    assert "NA" in calc.message("setting")
    calc.set_field("code", "93797")
    assert not calc.has_error("setting")
    assert "No benefit" in calc.shown_text("table")


def test_every_choice_never_raises():
    calc = RateCalculator()
    for _, year in calc.control("year").options:
        for _, locality in calc.control("locality").options:
            for _, setting in calc.control("setting").options:
                calc.set_field("year", year)
                calc.set_field("locality", locality)
                calc.set_field("setting", setting)
                assert calc.amount is not None or any(
                    calc.has_error(f) for f in ("code", "locality",
                                                "setting"))
