import pytest

from trainer_billing import units


@pytest.mark.parametrize("minutes, expected", [
    ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}),   # CMS example
    ({"97110": 10, "97116": 10}, {"97110": 1, "97116": 0}),
    ({"97110": 7}, {"97110": 0}),
    ({"97110": 8}, {"97110": 1}),
    ({"97110": 22}, {"97110": 1}),
    ({"97110": 23}, {"97110": 2}),
    ({"97110": 10, "97112": 10, "97140": 10},
     {"97110": 1, "97112": 1, "97140": 0}),                   # 30 min = 2
    ({"97110": 7, "97112": 7}, {"97110": 1, "97112": 0}),     # 14 min = 1
    ({"97110": 5, "97530": 12}, {"97110": 0, "97530": 1}),    # most left
    ({"97110": 45, "97530": 8}, {"97110": 3, "97530": 1}),
])
def test_cms_units(minutes, expected):
    assert units.cms_units(minutes) == expected


@pytest.mark.parametrize("minutes, expected", [
    ({"97110": 10, "97116": 10}, {"97110": 1, "97116": 1}),
    ({"97110": 7, "97112": 7}, {"97110": 0, "97112": 0}),
    ({"97110": 10, "97112": 10, "97140": 10},
     {"97110": 1, "97112": 1, "97140": 1}),
    ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 0}),
    ({"97110": 23}, {"97110": 2}),
])
def test_ama_units(minutes, expected):
    assert units.ama_units(minutes) == expected


def test_cms_total_follows_the_table_for_every_total():
    # 0-7 -> 0, 8-22 -> 1, 23-37 -> 2, ... whatever the split
    for total in range(0, 130):
        split = {"97110": total // 2, "97530": total - total // 2}
        expected = 0 if total < 8 else (total - 8) // 15 + 1
        assert sum(units.cms_units(split).values()) == expected, total


@pytest.mark.parametrize("minutes", [
    {"97150": 10},          # untimed group code
    {"99999": 10},          # not in the table
    {"97110": -1},
    {"97110": 2.5},
    {"97110": True},
])
def test_bad_minutes_are_refused_with_the_code(minutes):
    with pytest.raises(units.InvalidMinutes) as caught:
        units.cms_units(minutes)
    assert caught.value.code == next(iter(minutes))


def test_unknown_method():
    with pytest.raises(ValueError, match="cms, ama"):
        units.billable_units({"97110": 8}, "vibes")
