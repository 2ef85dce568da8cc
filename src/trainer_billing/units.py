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

import dataclasses
import re

from trainer_billing import codes

UNIT_MINUTES = 15
#: The midpoint of a 15-minute unit: minutes at or past it earn a unit.
MIDPOINT = 8

METHODS = ("cms", "ama")

#: Who uses each rule, in a sentence (FACTS.md section E): the payer
#: decides, so confirm each plan.
WHO_USES = {
    "cms": "Medicare uses the CMS rule; so do Medicare Advantage and many "
           "Medicaid and federal plans, but confirm each one.",
    "ama": "Many commercial plans use the AMA/CPT rule.",
}


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


def timed_procedure(code):
    """Return the Procedure of a timed 15-minute code, or raise
    InvalidMinutes saying why ``code`` cannot be billed by minutes.

    >>> timed_procedure(' 97110 ').code
    '97110'
    >>> timed_procedure('97150')
    Traceback (most recent call last):
    ...
    trainer_billing.units.InvalidMinutes: 97150 is not a timed 15-minute \
code; bill it once per session, not by minutes
    """
    if not str(code).strip():
        raise InvalidMinutes(code, "Choose or type a timed code, such as "
                             "97110")
    procedure = codes.procedure(code)
    if procedure is None:
        raise InvalidMinutes(
            code, f"{code} is not in the course's code table")
    if not procedure.timed:
        raise InvalidMinutes(
            code, f"{code} is not a timed 15-minute code; "
            "bill it once per session, not by minutes")
    return procedure


_WHOLE = re.compile(r"\+?\d+")
_NEGATIVE = re.compile(r"-\s*\d+([.,]\d*)?")
_DECIMAL = re.compile(r"\+?(\d+[.,]\d*|[.,]\d+)")


def minutes_from_text(text, code=""):
    """Return the whole minutes typed in ``text``, or raise InvalidMinutes
    (about ``code``) saying in words what is wrong with it.

    Minutes are counted in whole minutes of direct one-on-one time, as the
    CMS table and the CPT midpoint rule count them (FACTS.md section E).

    >>> minutes_from_text(' 23 ')
    23
    >>> minutes_from_text('1.5', '97110')
    Traceback (most recent call last):
    ...
    trainer_billing.units.InvalidMinutes: 97110: minutes are whole \
minutes; '1.5' has a fraction (type whole minutes, such as 1 or 2)
    """
    where = f"{str(code).strip()}: " if str(code).strip() else ""
    if isinstance(text, bool):
        raise InvalidMinutes(code, f"{where}minutes must be a whole number "
                             f"of 0 or more, not {text!r}")
    if isinstance(text, int):
        value = text
    else:
        typed = str(text).strip()
        if not typed:
            raise InvalidMinutes(code, f"{where}type the minutes, a whole "
                                 "number such as 23")
        if _NEGATIVE.fullmatch(typed):
            raise InvalidMinutes(code, f"{where}minutes cannot be "
                                 f"negative; '{typed}' is below 0")
        if _DECIMAL.fullmatch(typed):
            raise InvalidMinutes(
                code, f"{where}minutes are whole minutes; '{typed}' has a "
                "fraction (type whole minutes, such as "
                f"{_whole_neighbours(typed)})")
        if not _WHOLE.fullmatch(typed):
            raise InvalidMinutes(code, f"{where}'{typed}' is not a number "
                                 "of minutes; type digits only, such as 23")
        value = int(typed)
    if value < 0:
        raise InvalidMinutes(code, f"{where}minutes cannot be negative; "
                             f"'{value}' is below 0")
    return value


def _whole_neighbours(typed):
    number = float(typed.replace(",", ".").lstrip("+"))
    low = int(number)
    return f"{low} or {low + 1}"


def _pairs(minutes_by_code):
    if hasattr(minutes_by_code, "items"):
        return list(minutes_by_code.items())
    return list(minutes_by_code)


def _checked(minutes_by_code):
    checked = {}
    for code, minutes in _pairs(minutes_by_code):
        procedure = timed_procedure(code)
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


def cms_table_row(total_minutes):
    """Return (first, last) minutes of the CMS table row that holds
    ``total_minutes``; ``last`` is None for no upper end.

    The table: 0-7 minutes = 0 units, 8-22 = 1, 23-37 = 2, and on in
    15-minute steps (FACTS.md section E).

    >>> [cms_table_row(m) for m in (0, 7, 8, 40, 52, 53)]
    [(0, 7), (0, 7), (8, 22), (38, 52), (38, 52), (53, 67)]
    """
    units = units_for_minutes(total_minutes)
    if units == 0:
        return (0, MIDPOINT - 1)
    first = (units - 1) * UNIT_MINUTES + MIDPOINT
    return (first, first + UNIT_MINUTES - 1)


@dataclasses.dataclass(frozen=True)
class UnitsExplanation:
    """How one rule turns a day's timed minutes into units, step by step.

    ``minutes`` and ``units`` are per code (codes merged when typed on
    more than one row); ``full_units`` and ``leftover`` are each code's
    whole 15-minute units and the minutes past them. For the CMS rule
    ``total_minutes``, ``table_row`` and ``total_units`` describe the day;
    ``extra_to`` lists the codes that got a unit from the pooled
    leftover minutes. ``steps`` says all of it in sentences.
    """
    method: str
    minutes: dict
    units: dict
    full_units: dict
    leftover: dict
    total_minutes: int
    total_units: int
    table_row: tuple | None
    extra_to: tuple
    steps: tuple


def explain(minutes_by_code, method="cms"):
    """Return an UnitsExplanation of the units by ``method`` (``"cms"`` or
    ``"ama"``), with the arithmetic as sentences in ``.steps``.

    ``minutes_by_code`` is a dict or a list of (code, minutes) pairs; a
    code on two rows has its minutes added. Its ``units`` are always what
    :func:`cms_units` or :func:`ama_units` return. Raises InvalidMinutes
    like they do.

    >>> cms = explain({'97110': 33, '97140': 7}, 'cms')
    >>> cms.units, cms.total_units, cms.extra_to
    ({'97110': 2, '97140': 1}, 3, ('97140',))
    >>> print(cms.steps[1])
    Find 40 minutes in the CMS table: 38-52 minutes = 3 units for the day.
    >>> explain({'97110': 7, '97112': 7}, 'ama').units
    {'97110': 0, '97112': 0}
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    pairs = _pairs(minutes_by_code)
    minutes = _checked(pairs)
    units = cms_units(minutes) if method == "cms" else ama_units(minutes)
    full = {c: m // UNIT_MINUTES for c, m in minutes.items()}
    left = {c: m % UNIT_MINUTES for c, m in minutes.items()}
    total = sum(minutes.values())
    repeated = _repeated_codes(pairs)
    if method == "cms":
        return _explain_cms(minutes, units, full, left, total, repeated)
    return _explain_ama(minutes, units, full, left, total, repeated)


def _repeated_codes(pairs):
    """Return {code: [minutes, ...]} for codes typed on several rows."""
    seen = {}
    for code, minutes in pairs:
        seen.setdefault(codes.procedure(code).code, []).append(minutes)
    return {c: m for c, m in seen.items() if len(m) > 1}


def _merge_steps(repeated):
    return [f"{code} is on {len(parts)} rows: "
            f"{' + '.join(map(str, parts))} = {sum(parts)} minutes, "
            "counted as one code." for code, parts in repeated.items()]


def _plural(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _result_step(units):
    if not units:
        return "Result: no timed codes, so no units."
    each = ", ".join(f"{c} {_plural(u, 'unit')}" for c, u in units.items())
    return f"Result: {each}; {_plural(sum(units.values()), 'unit')} in all."


def _explain_cms(minutes, units, full, left, total, repeated):
    steps = _merge_steps(repeated)
    added = " + ".join(f"{m} ({c})" for c, m in minutes.items()) or "0"
    steps.append(f"Add the timed minutes of the day: {added} = "
                 f"{_plural(total, 'minute')}.")
    first, last = cms_table_row(total)
    total_units = units_for_minutes(total)
    steps.append(f"Find {total} minutes in the CMS table: {first}-{last} "
                 f"minutes = {_plural(total_units, 'unit')} for the day.")
    given = sum(full.values())
    if minutes:
        each = "; ".join(
            f"{c}: {m} minutes = {_plural(full[c], 'full unit')}"
            f" + {left[c]} left over" for c, m in minutes.items())
        steps.append(f"Give each code its full 15-minute units first. "
                     f"{each}. That is {_plural(given, 'unit')}.")
    still = total_units - given
    pool = sum(left.values())
    extra = tuple(c for c in minutes if units[c] > full[c])
    if still <= 0:
        steps.append(f"Units still to give: {total_units} - {given} = 0. "
                     f"The {pool} leftover minutes earn no more units.")
    else:
        pooled = " + ".join(str(left[c]) for c in minutes)
        pooled = f"{pooled} = {pool}" if len(minutes) > 1 else str(pool)
        steps.append(
            f"Units still to give: {total_units} - {given} = {still}. "
            f"Pool the leftover minutes: {pooled}, which earn "
            f"{_plural(still, 'more unit')} (a unit from 8 minutes).")
        steps.append(_extra_step(extra, left))
    steps.append(_result_step(units))
    return UnitsExplanation(
        method="cms", minutes=minutes, units=units, full_units=full,
        leftover=left, total_minutes=total, total_units=total_units,
        table_row=(first, last), extra_to=extra, steps=tuple(steps))


def _extra_step(extra, left):
    """Return the sentence on who gets the pooled units, and why."""
    named = ", ".join(f"{c} ({left[c]} left over)" for c in extra)
    most = max(left[c] for c in extra)
    passed = [c for c, m in left.items() if c not in extra and m == most]
    sentence = (f"The extra {'unit goes' if len(extra) == 1 else 'units go'}"
                f" to the code{'s' if len(extra) > 1 else ''} with the most"
                f" leftover minutes: {named}.")
    if passed:
        sentence += (f" {', '.join(passed)} had as many leftover minutes;"
                     " the rule names no order for a tie, so this course "
                     f"gives {'it' if len(extra) == 1 else 'them'} to the "
                     "code listed first.")
    return sentence


def _explain_ama(minutes, units, full, left, total, repeated):
    steps = _merge_steps(repeated)
    steps.append("Count each code on its own; leftover minutes are not "
                 "pooled across codes.")
    for code, m in minutes.items():
        if left[code] >= MIDPOINT:
            why = (f"{left[code]} is 8 or more, so 1 extra unit")
        else:
            why = f"{left[code]} is under 8, so no extra unit"
        steps.append(f"{code}: {m} minutes = "
                     f"{_plural(full[code], 'full unit')} + "
                     f"{left[code]} left over; {why}: "
                     f"{_plural(units[code], 'unit')}.")
    steps.append(_result_step(units))
    return UnitsExplanation(
        method="ama", minutes=minutes, units=units, full_units=full,
        leftover=left, total_minutes=total,
        total_units=sum(units.values()), table_row=None, extra_to=(),
        steps=tuple(steps))
