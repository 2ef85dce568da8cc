"""The 271 reader and writer: a payer's eligibility and benefit
response (ASC X12N 271, 005010X279A1) as a benefits table.

``read_271(text)`` returns ``Benefits``: who is covered (subscriber
name and member ID), whether the coverage is active (EB01 1-5 active,
6-7 inactive), the plan dates (DTP), and one ``Benefit`` per EB
segment: copay (EB01 B), coinsurance (A; EB08 is a fraction, shown as a
percent), deductible (C) and out-of-pocket maximum (G) with what is left
(EB06 29, remaining), limitations such as visit limits (F with EB09 VS),
authorization required (EB11) and in network (EB12). ``to_rows()``
gives one row per benefit and service type, for pandas;
``summary()`` one row per service type and network.

pyx12 4.0.0 has no 5010 map for the 270/271 (only
``271.4010.X092.A1.xml``), so this reader uses our own tokenizer
(``trainer_billing.x12read``) and checks the elements it reads itself;
it does not check loop order or required segments the way a map-driven
validator would. Code meanings: EB01 from FACTS.md section G; the
service types, time periods and quantity qualifiers named below are
from the public X12 code lists (elements 1365, 615, 673; FACTS marks
the service-type list UNVERIFIED). Others keep their code.

``write_271(description, ...)`` writes the project's own sample files.

>>> text = write_271({
...     "payer": {"name": "NOT REAL HEALTH PLAN", "id": "NR0001"},
...     "provider": {"name": "NOT REAL PT CLINIC", "npi": "1000000004"},
...     "subscriber": {"last": "ROE", "first": "ALEX",
...                    "member_id": "NR100200300"},
...     "dates": {"346": "2026-01-01"},
...     "benefits": [
...         {"code": "1", "service_types": ["30"]},
...         {"code": "B", "service_types": ["PT"], "period": "27",
...          "amount": "25.00", "in_network": "Y"}]},
...     control_number=1, created="2026-12-01T09:30")
>>> benefits = read_271(text)
>>> benefits.active, benefits.subscriber["member_id"]
(True, 'NR100200300')
>>> benefits.summary()[1]["copay"]
Decimal('25.00')
"""

import dataclasses
import datetime
import decimal

from trainer_billing.x12read import (X12Error, as_datetime,
                                     check_composite, check_elements,
                                     parse_date, tokenize,
                                     write_interchange, x12_date)

VERSION = "005010X279A1"

#: EB01 (FACTS.md section G).
EB01 = {
    "1": "active coverage", "2": "active, full-risk capitation",
    "3": "active, services capitated",
    "4": "active, services capitated to primary care provider",
    "5": "active, pending investigation", "6": "inactive",
    "7": "inactive, pending eligibility update", "A": "coinsurance",
    "B": "copay", "C": "deductible", "D": "benefit description",
    "E": "exclusions", "F": "limitations",
    "G": "out-of-pocket (stop loss)", "I": "non-covered",
    "L": "primary care provider",
    "N": "services restricted to following provider",
    "P": "benefit disclaimer", "R": "other or additional payer",
    "U": "contact following entity", "CB": "coverage basis",
    "MC": "managed care coordinator", "AB": "copay maximum",
    "AC": "coinsurance maximum",
}
ACTIVE, INACTIVE = set("12345"), set("67")

#: EB03 service types the course meets (X12 element 1365).
SERVICE_TYPES = {
    "1": "medical care", "30": "health benefit plan coverage",
    "33": "chiropractic", "98": "professional (physician) visit, office",
    "AE": "physical medicine", "PT": "physical therapy",
}

#: EB06 time periods (X12 element 615).
PERIODS = {"22": "service year", "23": "calendar year",
           "24": "year to date", "25": "contract", "26": "episode",
           "27": "visit", "29": "remaining", "32": "lifetime"}

#: EB09 quantity qualifiers (X12 element 673).
QUANTITIES = {"VS": "visits", "DY": "days", "HS": "hours"}

#: DTP01 dates in loops 2100 and 2110.
DATES = {"291": "plan", "292": "benefit", "307": "eligibility",
         "346": "plan begin", "347": "plan end", "348": "benefit begin",
         "349": "benefit end", "356": "eligibility begin",
         "357": "eligibility end"}

#: EB13 first components (X12 element 235, as the 271 uses them).
PROCEDURE_QUALIFIERS = {"AD", "CJ", "HC", "ID", "IV", "N4", "ZZ"}

YES_NO = {"Y": True, "N": False, "U": None, "": None}

_SPECS = {
    "EB": {1: ("code", True, "eligibility or benefit", set(EB01)),
           2: ("code", False, "coverage level"),
           4: ("code", False, "insurance type"),
           5: ("text", False, "plan description"),
           6: ("code", False, "time period"),
           7: ("amount", False, "amount"),
           8: ("amount", False, "percent as a fraction"),
           9: ("code", False, "quantity qualifier"),
           10: ("amount", False, "quantity"),
           11: ("code", False, "authorization required", set("YNU")),
           12: ("code", False, "in network", set("YNU"))},
    "DTP": {1: ("code", True, "date qualifier"),
            2: ("code", True, "date format", {"D8", "RD8"}),
            3: ("text", True, "date")},
    "HL": {1: ("number", True, "hierarchical ID"),
           3: ("code", True, "level code")},
    "NM1": {1: ("code", True, "entity"), 2: ("code", True, "entity type")},
}


@dataclasses.dataclass
class Benefit:
    """One EB segment, with the MSG texts and DTP dates that follow it."""

    code: str
    coverage_level: str
    service_types: list
    insurance_type: str
    plan: str
    period: str
    amount: decimal.Decimal | None
    percent: decimal.Decimal | None
    quantity_qualifier: str
    quantity: decimal.Decimal | None
    authorization_required: bool | None
    in_network: bool | None
    procedure: str
    messages: list = dataclasses.field(default_factory=list)
    dates: dict = dataclasses.field(default_factory=dict)
    segment: int | None = None

    @property
    def label(self):
        return EB01.get(self.code, self.code)

    @property
    def period_label(self):
        return PERIODS.get(self.period, self.period)

    @property
    def remaining(self):
        """True when the amount or quantity is what is left (EB06 29)."""
        return self.period == "29"


@dataclasses.dataclass
class Benefits:
    """One 271 answer about one person."""

    payer: dict
    provider: dict
    subscriber: dict
    dependent: dict | None
    active: bool | None
    plan_dates: dict
    benefits: list
    rejections: list

    @property
    def status(self):
        """Coverage in words: the first EB01 1-7, or 'unknown'."""
        for benefit in self.benefits:
            if benefit.code in ACTIVE | INACTIVE:
                return benefit.label
        return "unknown"

    def to_rows(self):
        """One dict per benefit and service type, for pandas."""
        rows = []
        for b in self.benefits:
            for service in b.service_types or [""]:
                rows.append({
                    "service_type": service,
                    "service": SERVICE_TYPES.get(service, service),
                    "benefit": b.label, "code": b.code,
                    "coverage_level": b.coverage_level,
                    "in_network": b.in_network, "period": b.period_label,
                    "amount": b.amount, "percent": b.percent,
                    "quantity": b.quantity,
                    "quantity_unit": QUANTITIES.get(
                        b.quantity_qualifier, b.quantity_qualifier),
                    "authorization_required": b.authorization_required,
                    "plan": b.plan, "procedure": b.procedure,
                    "message": " ".join(b.messages)})
        return rows

    def summary(self):
        """One dict per service type and network: copay, coinsurance
        (percent), deductible and what remains, out-of-pocket maximum
        and what remains, visit limit and visits remaining,
        authorization required. Absent values are None."""
        table = {}
        for b in self.benefits:
            for service in b.service_types or ["30"]:
                row = table.setdefault((service, b.in_network), {
                    "service_type": service,
                    "service": SERVICE_TYPES.get(service, service),
                    "in_network": b.in_network, "active": None,
                    "copay": None, "coinsurance_percent": None,
                    "deductible": None, "deductible_remaining": None,
                    "out_of_pocket": None, "out_of_pocket_remaining": None,
                    "visit_limit": None, "visits_remaining": None,
                    "authorization_required": None})
                if b.code in ACTIVE | INACTIVE:
                    row["active"] = b.code in ACTIVE
                elif b.code == "B" and b.amount is not None:
                    row["copay"] = b.amount
                elif b.code == "A" and b.percent is not None:
                    row["coinsurance_percent"] = b.percent
                elif b.code in ("C", "G") and b.amount is not None:
                    key = "deductible" if b.code == "C" else "out_of_pocket"
                    row[key + ("_remaining" if b.remaining else "")] = \
                        b.amount
                elif b.code == "F" and b.quantity_qualifier == "VS":
                    key = "visits_remaining" if b.remaining else \
                        "visit_limit"
                    row[key] = b.quantity
                if b.authorization_required is not None:
                    row["authorization_required"] = b.authorization_required
        return list(table.values())


def _check(interchange, segment):
    spec = _SPECS.get(segment.id)
    if spec:
        check_elements(segment, spec)
    if segment.id == "EB":
        check_composite(interchange, segment, 13, PROCEDURE_QUALIFIERS)
    if segment.id == "DTP":
        _dtp_value(segment)


def _dtp_value(segment):
    value, form = segment.get(3), segment.get(2)
    parts = value.split("-") if form == "RD8" else [value]
    dates = [parse_date(p) for p in parts]
    if len(parts) != (2 if form == "RD8" else 1) or None in dates:
        expected = "CCYYMMDD-CCYYMMDD" if form == "RD8" else "CCYYMMDD"
        raise segment.error(
            f"DTP03 (date) holds {value!r}, which is not a calendar date "
            f"in the form {expected} that DTP02 {form} announces.")
    return tuple(dates) if form == "RD8" else dates[0]


def read_271(data):
    """Return the ``Benefits`` in a 271 file (the first subscriber, or
    the dependent when the answer is about one); raise ``X12Error`` when
    the file cannot be read."""
    interchange = tokenize(data)
    transactions = list(interchange.transactions("271"))
    if not transactions:
        raise X12Error("the file holds no 271 transaction (ST01 271).")
    segments = transactions[0]
    for segment in segments:
        _check(interchange, segment)
    payer, provider, subscriber = {}, {}, {}
    dependent, person = None, None
    dates, benefits, rejections = {}, [], []
    level = benefit = None
    for segment in segments:
        sid = segment.id
        if sid == "HL":
            level, benefit = segment.get(3), None
            if level == "23":
                dependent = {}
        elif sid == "NM1":
            entity = {"last": segment.get(3), "first": segment.get(4),
                      "id": segment.get(9)}
            if level == "20":
                payer.update(name=segment.get(3), id=segment.get(9))
            elif level == "21":
                provider.update(name=segment.get(3), id=segment.get(9))
            elif level == "22" and segment.get(1) == "IL" and benefit is None:
                subscriber.update(last=entity["last"],
                                  first=entity["first"],
                                  member_id=entity["id"])
                person = subscriber
            elif level == "23" and segment.get(1) == "03" and \
                    benefit is None:
                dependent.update(last=entity["last"], first=entity["first"])
                person = dependent
        elif sid == "DMG" and person is not None and benefit is None:
            person["birth_date"] = parse_date(segment.get(2))
        elif sid == "DTP":
            value = _dtp_value(segment)
            label = DATES.get(segment.get(1), segment.get(1))
            if benefit is not None:
                benefit.dates[label] = value
            elif level == ("23" if dependent is not None else "22"):
                dates[label] = value
        elif sid == "AAA":
            rejections.append({"valid": segment.get(1) == "Y",
                               "reason": segment.get(3),
                               "action": segment.get(4),
                               "segment": segment.position})
        elif sid == "EB":
            if dependent is not None and level != "23":
                benefit = None
                continue
            benefit = _benefit(interchange, segment)
            benefits.append(benefit)
        elif sid == "MSG" and benefit is not None:
            benefit.messages.append(segment.get(1))
        elif sid in ("LS", "LE"):
            pass
    codes = [b.code for b in benefits if b.code in ACTIVE | INACTIVE]
    active = None
    if codes:
        active = any(c in ACTIVE for c in codes)
    return Benefits(payer, provider, subscriber, dependent, active, dates,
                    benefits, rejections)


def _number(value):
    return decimal.Decimal(value) if value else None


def _benefit(interchange, segment):
    percent = _number(segment.get(8))
    if percent is not None:
        # EB08 is a fraction (0.2); people read percents (20).
        percent = (percent * 100).normalize()
        if percent == percent.to_integral():
            percent = percent.quantize(decimal.Decimal(1))
    return Benefit(
        segment.get(1), segment.get(2), interchange.repeats(segment, 3),
        segment.get(4), segment.get(5), segment.get(6),
        _number(segment.get(7)), percent, segment.get(9),
        _number(segment.get(10)), YES_NO.get(segment.get(11)),
        YES_NO.get(segment.get(12)), segment.get(13),
        segment=segment.position)


# Writing ---------------------------------------------------------------

def write_271(description, *, control_number, created,
              sender_id="NOTREALPAYER", receiver_id="NOTREALCLINIC"):
    """Return the text of a 271 interchange from a benefits description
    (a dict: payer, provider, subscriber, dates by DTP qualifier,
    benefits with EB values by name; see the module doctest and
    ``datasets/x12/make_samples.py``)."""
    created = as_datetime(created)
    payer, provider = description["payer"], description["provider"]
    who = description["subscriber"]
    body = [["BHT", "0022", "11", f"NR{control_number:06d}",
             created.strftime("%Y%m%d"), created.strftime("%H%M")],
            ["HL", "1", "", "20", "1"],
            ["NM1", "PR", "2", payer["name"], "", "", "", "", "PI",
             payer["id"]],
            ["HL", "2", "1", "21", "1"],
            ["NM1", "1P", "2", provider["name"], "", "", "", "", "XX",
             provider["npi"]],
            ["HL", "3", "2", "22", "0"],
            ["TRN", "2", description.get("trace", f"NR{control_number:06d}"),
             "9NOTREAL00"],
            ["NM1", "IL", "1", who["last"], who["first"], "", "", "", "MI",
             who["member_id"]]]
    if who.get("birth_date"):
        body.append(["DMG", "D8", x12_date(who["birth_date"]),
                     who.get("sex", "U")])
    for qualifier, value in description.get("dates", {}).items():
        if isinstance(value, (list, tuple)):
            body.append(["DTP", qualifier, "RD8",
                         f"{x12_date(value[0])}-{x12_date(value[1])}"])
        else:
            body.append(["DTP", qualifier, "D8", x12_date(value)])
    for b in description.get("benefits", []):
        yes_no = {True: "Y", False: "N", None: ""}
        eb = ["EB", b["code"], b.get("coverage_level", ""),
              "^".join(b.get("service_types", [])),
              b.get("insurance_type", ""), b.get("plan", ""),
              b.get("period", ""), b.get("amount", ""),
              b.get("percent", ""), b.get("quantity_qualifier", ""),
              str(b.get("quantity", "")),
              yes_no.get(b.get("authorization_required"),
                         b.get("authorization_required", "")),
              yes_no.get(b.get("in_network"), b.get("in_network", "")),
              b.get("procedure", "")]
        while eb[-1] == "":
            eb.pop()
        body.append(eb)
        for qualifier, value in b.get("dates", {}).items():
            body.append(["DTP", qualifier, "D8", x12_date(value)])
        for message in b.get("messages", []):
            body.append(["MSG", message])
    return write_interchange(body, "HB", "271", control_number, created,
                             sender_id, receiver_id, VERSION)
