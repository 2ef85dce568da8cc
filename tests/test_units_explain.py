"""units.explain, units.minutes_from_text and units.timed_procedure:
the arithmetic of both rules, step by step, with right values
(FACTS.md section E)."""

import pytest

from trainer_billing import units


def test_cms_example_33_and_7_is_3_units_2_plus_1():
    cms = units.explain({"97110": 33, "97140": 7}, "cms")
    assert cms.units == {"97110": 2, "97140": 1}
    assert cms.total_minutes == 40
    assert cms.table_row == (38, 52)
    assert cms.total_units == 3
    assert cms.full_units == {"97110": 2, "97140": 0}
    assert cms.leftover == {"97110": 3, "97140": 7}
    assert cms.extra_to == ("97140",)
    assert cms.steps[0] == ("Add the timed minutes of the day: 33 (97110) "
                            "+ 7 (97140) = 40 minutes.")
    assert "38-52 minutes = 3 units" in cms.steps[1]
    assert "97140 (7 left over)" in cms.steps[4]
    assert cms.steps[-1] == ("Result: 97110 2 units, 97140 1 unit; "
                             "3 units in all.")


def test_ama_on_the_same_day_gives_2():
    ama = units.explain({"97110": 33, "97140": 7}, "ama")
    assert ama.units == {"97110": 2, "97140": 0}
    assert ama.total_units == 2
    assert ama.table_row is None
    assert "7 is under 8" in ama.steps[2]


@pytest.mark.parametrize("minutes, cms, ama", [
    ({"97110": 10, "97112": 10}, 1, 2),
    ({"97110": 7, "97112": 7}, 1, 0),
    ({"97110": 10, "97112": 10, "97140": 10}, 2, 3),
    ({"97110": 23}, 2, 2),
    ({"97110": 7}, 0, 0),
    ({}, 0, 0),
])
def test_totals_by_both_rules(minutes, cms, ama):
    assert units.explain(minutes, "cms").total_units == cms
    assert units.explain(minutes, "ama").total_units == ama


@pytest.mark.parametrize("minutes", [
    {"97110": 33, "97140": 7}, {"97110": 10, "97112": 10},
    {"97110": 7, "97112": 7}, {"97110": 45, "97530": 8},
    {"97110": 5, "97530": 12}, {"97110": 0, "97116": 38},
])
def test_explained_units_are_the_library_units(minutes):
    assert units.explain(minutes, "cms").units == units.cms_units(minutes)
    assert units.explain(minutes, "ama").units == units.ama_units(minutes)


def test_a_tie_names_the_code_passed_over():
    cms = units.explain({"97110": 10, "97112": 10}, "cms")
    assert cms.units == {"97110": 1, "97112": 0}
    assert "97112 had as many leftover minutes" in cms.steps[-2]


def test_a_code_on_two_rows_is_added_and_said():
    cms = units.explain([("97110", 5), ("97110", 5)], "cms")
    assert cms.minutes == {"97110": 10}
    assert cms.units == {"97110": 1}
    assert cms.steps[0] == ("97110 is on 2 rows: 5 + 5 = 10 minutes, "
                            "counted as one code.")


def test_no_extra_unit_when_leftovers_are_short():
    cms = units.explain({"97110": 30, "97140": 5}, "cms")
    assert cms.units == {"97110": 2, "97140": 0}
    assert cms.extra_to == ()
    assert "earn no more units" in cms.steps[3]


@pytest.mark.parametrize("total, row", [
    (0, (0, 7)), (7, (0, 7)), (8, (8, 22)), (22, (8, 22)),
    (23, (23, 37)), (37, (23, 37)), (38, (38, 52)), (113, (113, 127)),
])
def test_cms_table_row(total, row):
    assert units.cms_table_row(total) == row


def test_unknown_method():
    with pytest.raises(ValueError, match="cms, ama"):
        units.explain({"97110": 8}, "vibes")


@pytest.mark.parametrize("text, words", [
    ("abc", "not a number of minutes"),
    ("-5", "cannot be negative"),
    ("1.5", "has a fraction"),
    ("", "type the minutes"),
    ("   ", "type the minutes"),
])
def test_bad_minutes_text_says_why(text, words):
    with pytest.raises(units.InvalidMinutes) as caught:
        units.minutes_from_text(text, "97110")
    assert words in str(caught.value)
    assert caught.value.code == "97110"


@pytest.mark.parametrize("text, value", [("23", 23), (" 7 ", 7), ("0", 0),
                                         ("+8", 8), (15, 15)])
def test_good_minutes_text(text, value):
    assert units.minutes_from_text(text) == value


@pytest.mark.parametrize("code, words", [
    ("97150", "not a timed 15-minute code"),
    ("99999", "not in the course's code table"),
    ("", "Choose or type a timed code"),
])
def test_codes_that_cannot_be_billed_by_minutes(code, words):
    with pytest.raises(units.InvalidMinutes, match=words):
        units.timed_procedure(code)
