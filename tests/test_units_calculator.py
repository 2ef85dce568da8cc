"""The units calculator widget, driven through its controls (no browser).

Setting a control's value fires the same observers as typing; each test
reads what the calculator shows beside the field or in the two panels.
"""

import pytest

from trainer_billing import units
from trainer_billing.widgets.units_calculator import (
    MAX_ROWS, UnitsCalculator)


@pytest.fixture
def calc():
    return UnitsCalculator()


def test_starts_with_the_cms_example_side_by_side(calc):
    assert calc.row_count == 2
    assert calc.units("cms") == {"97110": 2, "97140": 1}
    assert calc.units("ama") == {"97110": 2, "97140": 0}
    assert "CMS: 3 units; AMA: 2 units" in calc.shown_text()
    cms = calc.shown_text("cms")
    for step in units.explain({"97110": 33, "97140": 7}, "cms").steps:
        assert step in cms
    assert "Therapeutic exercise" in calc.message(1, "code")
    assert not calc.has_error(1, "code")


@pytest.mark.parametrize("first, second, cms, ama", [
    ("10", "10", 1, 2),
    ("7", "7", 1, 0),
])
def test_typed_minutes_change_both_sides(calc, first, second, cms, ama):
    calc.set_row(1, code="97110", minutes=first)
    calc.set_row(2, code="97112", minutes=second)
    assert sum(calc.units("cms").values()) == cms
    assert sum(calc.units("ama").values()) == ama
    assert f"CMS: {cms} unit" in calc.shown_text()
    assert f"AMA: {ama} unit" in calc.shown_text()


@pytest.mark.parametrize("text, words", [
    ("abc", "not a number of minutes"),
    ("-5", "cannot be negative"),
    ("1.5", "has a fraction"),
])
def test_bad_minutes_show_beside_the_field_and_keep_the_text(calc, text,
                                                             words):
    calc.set_row(2, minutes=text)
    assert words in calc.message(2, "minutes")
    assert calc.has_error(2, "minutes")
    assert calc.message(1, "minutes") == ""
    assert calc.minutes_control(2).value == text
    assert calc.units("cms") is None and calc.units("ama") is None
    assert "1 row has a problem" in calc.shown_text()
    calc.set_row(2, minutes="7")
    assert calc.message(2, "minutes") == ""
    assert calc.units("cms") == {"97110": 2, "97140": 1}


@pytest.mark.parametrize("code, words", [
    ("97150", "not a timed 15-minute code"),
    ("12345", "not in the course's code table"),
])
def test_bad_code_shows_beside_the_code(calc, code, words):
    calc.set_row(1, code=code)
    assert words in calc.message(1, "code")
    assert calc.has_error(1, "code")
    assert calc.code_control(1).value == code
    assert calc.units("cms") is None


def test_suggestions_are_the_timed_codes_only(calc):
    options = calc.code_control(1).options
    assert "97110" in options and "97530" in options
    assert "97150" not in options and "97161" not in options


def test_add_and_remove_rows(calc):
    assert calc.add_row("97530", "12") == 3
    assert calc.units("cms") == units.cms_units(
        {"97110": 33, "97140": 7, "97530": 12})
    assert calc.remove_row(1) == 2
    assert calc.code_control(1).value == "97140"
    assert calc.units("ama") == {"97140": 0, "97530": 1}
    calc.remove_row(1)
    assert calc.remove_row(1) == 1             # the last row is cleared
    assert calc.code_control(1).value == ""
    assert calc.units("cms") == {}


def test_blank_new_row_is_not_an_error(calc):
    calc.add_row()
    assert calc.message(3, "code") == ""
    assert calc.units("cms") == {"97110": 2, "97140": 1}
    calc.set_row(3, minutes="10")              # minutes without a code
    assert "Choose or type a timed code" in calc.message(3, "code")


def test_rows_stop_at_the_maximum(calc):
    for _ in range(MAX_ROWS + 3):
        calc.add_row()
    assert calc.row_count == MAX_ROWS


def test_buttons_never_raise(calc):
    calc._add.click()
    assert calc.row_count == 3
    calc._rows[0].remove.click()
    assert calc.row_count == 2
    assert "Something went wrong" not in calc.shown_text()


def test_the_same_code_on_two_rows_is_added(calc):
    calc.set_row(2, code="97110", minutes="5")
    assert calc.units("cms") == {"97110": 3}
    assert "97110 is on 2 rows: 33 + 5 = 38 minutes" in calc.shown_text(
        "cms")
