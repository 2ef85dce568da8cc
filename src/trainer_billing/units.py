"""Billable units for timed 15-minute codes (CMS-1500 item 24G).

Two rules are in use, and they give different answers for the same day:

CMS 8-minute rule (Medicare, and many plans that follow it): add up all
timed minutes of the day, turn the total into units (8-22 minutes = 1,
23-37 = 2, and so on in 15-minute steps), bill each code's full
15-minute units first, then give the units still left to the codes with
the most leftover minutes. Source: Medicare Claims Processing Manual,
Pub. 100-04, ch. 5, section 20.2 (rule in force in 2025 and 2026), via
FACTS.md section E.

AMA/CPT midpoint rule (many commercial plans): each code on its own; a
unit is reached once the midpoint of 15 minutes is passed, so 8 minutes.
Leftover minutes are not pooled. Source: CPT time rule as quoted by
Premera, via FACTS.md section E.

>>> cms_units({'97110': 33, '97140': 7})
{'97110': 2, '97140': 1}
>>> cms_units({'97110': 10, '97116': 10})
{'97110': 1, '97116': 0}
>>> ama_units({'97110': 10, '97116': 10})
{'97110': 1, '97116': 1}
"""

from trainer_billing import codes

UNIT_MINUTES = 15
#: The midpoint of a 15-minute unit: minutes at or past it earn a unit.
MIDPOINT = 8

METHODS = ("cms", "ama")


class InvalidMinutes(ValueError):
    """Minutes that are not a whole number of 0 or more, or a code that is
    not a timed code; ``code`` names the code it is about."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def units_for_minutes(minutes):
    """Return the units that a number of timed minutes earns.

    >>> [units_for_minutes(m) for m in (7, 8, 22, 23, 37, 38)]
    [0, 1, 1, 2, 2, 3]
    """
    full, left = divmod(minutes, UNIT_MINUTES)
    return full + (1 if left >= MIDPOINT else 0)


def _checked(minutes_by_code):
    checked = {}
    for code, minutes in minutes_by_code.items():
        procedure = codes.procedure(code)
        if procedure is None:
            raise InvalidMinutes(
                code, f"{code} is not in the course's code table")
        if not procedure.timed:
            raise InvalidMinutes(
                code, f"{code} is not a timed 15-minute code; "
                "bill it once per session, not by minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) \
                or minutes < 0:
            raise InvalidMinutes(
                code, f"{code}: minutes must be a whole number of 0 or "
                f"more, not {minutes!r}")
        checked[procedure.code] = checked.get(procedure.code, 0) + minutes
    return checked


def cms_units(minutes_by_code):
    """Return units per code for one day by the CMS 8-minute rule.

    Ties in leftover minutes go to the code listed first; CMS lets the
    biller choose either.
    """
    minutes_by_code = _checked(minutes_by_code)
    total_units = units_for_minutes(sum(minutes_by_code.values()))
    units = {c: m // UNIT_MINUTES for c, m in minutes_by_code.items()}
    still_to_give = total_units - sum(units.values())
    leftover = sorted(
        minutes_by_code,
        key=lambda c: -(minutes_by_code[c] % UNIT_MINUTES))
    for code in leftover[:still_to_give]:
        units[code] += 1
    return units


def ama_units(minutes_by_code):
    """Return units per code by the AMA/CPT per-code midpoint rule."""
    minutes_by_code = _checked(minutes_by_code)
    return {c: units_for_minutes(m) for c, m in minutes_by_code.items()}


def billable_units(minutes_by_code, method="cms"):
    """Return units per code by ``method``, ``"cms"`` or ``"ama"``."""
    if method == "cms":
        return cms_units(minutes_by_code)
    if method == "ama":
        return ama_units(minutes_by_code)
    raise ValueError(f"method must be one of {', '.join(METHODS)}")
