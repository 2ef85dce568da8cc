"""The claim checker: what a billing office's scrubber would reject, and
what a personal trainer may not bill, before a claim goes to a payer.

``check(claim)`` returns findings, each naming its rule, severity, the
CMS-1500 item (and service line) it belongs to, what is wrong and what to
do. It works on drafts too: a missing or malformed value is a finding,
never an exception. A rule that is uncertain warns rather than rejects,
because rejecting a valid claim is worse than missing a doubtful one.

Every rule is listed in RULES (read from ``data/rules.csv``, which the
book renders) with its usual severity, item and source. Item rules follow
the NUCC 1500 Claim Form Reference Instruction Manual (02/12 form) as
summarised in FACTS.md section F; who may bill therapy codes follows
42 CFR 410.60 and CMS's 2005 end of "incident to" therapy by non-
therapists (FACTS.md section 1.1, claim 3). Code sets are checked for
the date of service.

>>> import json, pathlib
>>> sample = json.loads(pathlib.Path('datasets/claims/valid_sample.json')
...                     .read_text())
>>> check(sample)
[]
>>> sample['lines'][0]['pointers'] = ['E']
>>> [(f.rule, f.item, f.line) for f in check(sample)]
[('pointer-unknown', '24E', 1)]
"""

import collections
import csv
import dataclasses
import datetime
import decimal
import importlib.resources
import math
import re

from trainer_billing import codes, npi, units

MAX_DIAGNOSES = 12
MAX_LINES = 6
MAX_POINTERS = 4
POINTER_LETTERS = "ABCDEFGHIJKL"

COVERAGES = ("medicare", "medicaid", "tricare", "champva",
             "group_health_plan", "feca_black_lung", "other")
SEXES = ("F", "M", "U")
RELATIONSHIPS = ("self", "spouse", "child", "other")
QUALIFIERS = ("DN", "DK", "DQ")
TAX_ID_TYPES = ("EIN", "SSN")
#: ICD-10-CM codes that are a weight diagnosis for a BMI code: obesity,
#: malnutrition, abnormal weight loss or gain, underweight.
WEIGHT_DIAGNOSES = ("E66", "E40", "E41", "E42", "E43", "E44", "E45", "E46",
                    "R634", "R635", "R636")

#: What a trainer can do instead of billing a therapy code in their own
#: name (FACTS.md sections 1.1 claims 3, 4 and 11, and M).
TRAINER_ROUTES = (
    "give the client a superbill with S9451 (exercise class) where the "
    "payer accepts it; support an HSA/FSA claim with the physician's "
    "letter of medical necessity; become, or work for, a CDC-recognised "
    "MDPP supplier; or work as auxiliary personnel in a physician's "
    "supervised-exercise or cardiac-rehab program, which bills under its "
    "own NPI")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One check of the catalog (``data/rules.csv``)."""
    id: str
    severity: str    # the usual severity; a finding may soften it
    item: str
    title: str
    source: str


def _load_rules():
    source = importlib.resources.files("trainer_billing") / "data" / \
        "rules.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: Rule(**row) for row in csv.DictReader(handle)}


#: The rule catalog: every check, its usual severity, item and source.
RULES = _load_rules()


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem found on a claim."""
    rule: str
    severity: str        # "error" or "warning"
    item: str            # CMS-1500 item, e.g. "24E"
    line: int | None     # 1-based service line, or None
    message: str
    fix: str

    def to_dict(self):
        """Return the finding as a plain dict (for JSON)."""
        return dataclasses.asdict(self)

    def __str__(self):
        where = f"item {self.item}"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{self.severity} [{self.rule}] {where}: {self.message} " \
               f"Fix: {self.fix}"


class _Checker:
    """Collects findings for one claim; one method per group of items."""

    def __init__(self, claim, today):
        self.claim = claim if isinstance(claim, dict) else {}
        self.today = today
        self.findings = []
        self.birth = None        # the patient's date of birth, if real
        self.entered = 0         # how many diagnoses item 21 has
        self.line_total = None   # sum of the line charges, if all read
        self.medicare = self.text(self.claim.get("coverage")) == "medicare"
        self.payer = self.section("payer")
        # The code set in force is the one of the date of service: the
        # first real date on a line, or today for a draft without one.
        self.service_date = min(self.line_dates(), default=today)

    def add(self, rule, item, message, fix, line=None, severity=None):
        self.findings.append(Finding(
            rule, severity or RULES[rule].severity, item, line, message,
            fix))

    # Reading values that may be missing or of the wrong type -----------

    def section(self, *keys):
        value = self.claim
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, dict) else {}

    def line_dates(self):
        lines = self.claim.get("lines")
        for line in lines if isinstance(lines, list) else []:
            try:
                yield datetime.date.fromisoformat(
                    self.text(line.get("from")))
            except (AttributeError, TypeError, ValueError):
                continue

    @staticmethod
    def text(value):
        if value is None:
            return ""
        return str(value).strip()

    def required(self, value, item, what, fix, line=None):
        if self.text(value):
            return True
        self.add("required", item, f"{what} is missing.", fix, line)
        return False

    def choice(self, value, choices, item, what):
        value = self.text(value)
        if value and value not in choices:
            self.add("choice", item,
                     f"{what} {value!r} is not one of the form's choices.",
                     f"Use one of: {', '.join(choices)}.")

    def date(self, value, item, what, line=None):
        """Return the date in ``value``, or None (with a finding if the
        text is there but is not a real date)."""
        value = self.text(value)
        if not value:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            day = datetime.date.fromisoformat(value)
        except ValueError:
            self.add("date-invalid", item,
                     f"{what} {value!r} is not a real date.",
                     "Write it as YYYY-MM-DD, e.g. 2026-03-09.", line)
            return None
        if day > self.today:
            self.add("date-in-future", item,
                     f"{what} {value} is after today ({self.today}).",
                     "Bill only services already given; check the year.",
                     line)
        return day

    def money(self, value, item, what, line=None):
        """Return the amount in ``value`` as a Decimal, or None."""
        value = self.text(value)
        if not value:
            return None
        if not re.fullmatch(r"\d{1,7}\.\d{2}", value):
            self.add("charge-format", item,
                     f"{what} {value!r} is not an amount like 60.00.",
                     "Write dollars and cents with a dot and no $ sign, "
                     "e.g. 60.00.", line)
            return None
        return decimal.Decimal(value)

    def check_npi(self, value, item, whose, line=None):
        value = self.text(value)
        if not value:
            return
        try:
            npi.validate(value)
        except npi.InvalidNPI as error:
            fixes = {
                "check digit": "Copy the NPI again from NPPES or the "
                               "provider's letter; one digit is wrong.",
                "first digit": "An NPI starts with 1 or 2; check that this "
                               "is an NPI and not another ID.",
            }
            self.add("npi-invalid", item,
                     f"The {whose} NPI is not valid ({error.reason}): "
                     f"{error.message}.",
                     fixes.get(error.reason,
                               "Enter the 10 digits of the NPI."), line)

    # The items ---------------------------------------------------------

    def people(self):
        claim = self.claim
        self.required(claim.get("coverage"), "1", "The type of coverage",
                      "Tick the plan type, e.g. group_health_plan.")
        self.choice(claim.get("coverage"), COVERAGES, "1",
                    "The type of coverage")
        insured = self.section("insured")
        self.required(insured.get("id"), "1a", "The insured's ID number",
                      "Copy the member ID exactly as on the card.")
        insured_name = self.section("insured", "name")
        self.required(insured_name.get("last"), "4", "The insured's name",
                      "Enter the policy holder's name as on the card.")
        patient = self.section("patient")
        name = self.section("patient", "name")
        self.required(name.get("last"), "2", "The patient's last name",
                      "Enter the name as on the insurance card.")
        self.required(name.get("first"), "2", "The patient's first name",
                      "Enter the name as on the insurance card.")
        if self.required(patient.get("birth_date"), "3",
                         "The patient's date of birth",
                         "Enter it as YYYY-MM-DD."):
            self.birth = self.date(patient.get("birth_date"), "3",
                                   "The date of birth")
        self.required(patient.get("sex"), "3", "The patient's sex",
                      "Enter F, M or U as the plan records it.")
        self.choice(patient.get("sex"), SEXES, "3", "The patient's sex")
        address = self.section("patient", "address")
        for key, what in (("street", "street"), ("city", "city"),
                          ("state", "state"), ("zip", "ZIP code")):
            self.required(address.get(key), "5",
                          f"The patient's {what}",
                          "Enter the patient's address.")
        self.required(patient.get("relationship"), "6",
                      "The patient's relationship to the insured",
                      "Choose self, spouse, child or other.")
        self.choice(patient.get("relationship"), RELATIONSHIPS, "6",
                    "The relationship")

    def plan_rules(self):
        referring = self.section("referring_provider")
        if self.payer.get("referral_required") is True and not (
                self.text(referring.get("npi")) or self.text(
                    self.section("referring_provider", "name").get("last"))):
            self.add("referral-missing", "17",
                     "The plan needs a referral for these services, and no "
                     "referring provider is named.",
                     "Get the referral from the client's physician before "
                     "the session, then enter the physician's name and "
                     "NPI (qualifier DN).")
        if self.payer.get("prior_authorization_required") is True and \
                not self.text(self.claim.get("prior_authorization")):
            self.add("prior-auth-missing", "23",
                     "The plan needs prior authorization, and no "
                     "authorization number is given.",
                     "Call the plan for authorization before the services "
                     "and enter the number it gives; without it the claim "
                     "is denied (CARC 197).")

    def referring(self):
        referring = self.section("referring_provider")
        if not any(self.text(v) for v in (
                referring.get("npi"), referring.get("qualifier"),
                self.section("referring_provider", "name").get("last"))):
            return
        self.required(self.section("referring_provider", "name")
                      .get("last"), "17", "The referring provider's name",
                      "Enter the name of the physician who referred the "
                      "patient.")
        self.required(referring.get("qualifier"), "17",
                      "The referring provider's qualifier",
                      "Enter DN (referring), DK (ordering) or DQ "
                      "(supervising).")
        self.choice(referring.get("qualifier"), QUALIFIERS, "17",
                    "The qualifier")
        if self.required(referring.get("npi"), "17b",
                         "The referring provider's NPI",
                         "Ask the referring office for its NPI, or look "
                         "it up in NPPES."):
            self.check_npi(referring.get("npi"), "17b", "referring")

    def diagnoses(self):
        diagnoses = self.claim.get("diagnoses")
        if not isinstance(diagnoses, list):
            diagnoses = []
        self.entered = len(diagnoses)
        if not diagnoses:
            self.add("required", "21", "No diagnosis is entered.",
                     "Enter the ICD-10-CM code(s) from the referral or the "
                     "physician's note; a trainer does not diagnose.")
            return
        if len(diagnoses) > MAX_DIAGNOSES:
            self.add("diagnosis-limit", "21",
                     f"{len(diagnoses)} diagnoses are entered; the form "
                     f"has room for {MAX_DIAGNOSES} (A to L).",
                     "Keep the diagnoses the services treat; split the "
                     "rest onto a second claim.")
        if self.service_date < datetime.date.fromisoformat(
                codes.ICD10_START):
            self.add("icd-code-set", "21",
                     f"The services are dated {self.service_date}, before "
                     f"ICD-10-CM began ({codes.ICD10_START}); they were "
                     "coded in ICD-9-CM, which the course does not check.",
                     "Check the dates of service; claims for services "
                     f"from {codes.ICD10_START} use ICD-10-CM.")
            return
        icd9 = [d for d in diagnoses if codes.looks_like_icd9(
            self.text(d))]
        if icd9:
            mixed = len(icd9) < len(diagnoses)
            self.add("icd9-code", "21",
                     f"{', '.join(map(str, icd9))} "
                     f"{'is' if len(icd9) == 1 else 'are'} ICD-9-CM; "
                     f"services from {codes.ICD10_START} are coded in "
                     "ICD-10-CM" + (", and one claim may not mix the two"
                                    if mixed else "") + ".",
                     "Ask the referring office for the ICD-10-CM code of "
                     "the same condition (e.g. 250.00 became E11.9).")
        seen = set()
        self.weight_diagnosis = False
        for letter, raw in zip(POINTER_LETTERS + "?" * len(diagnoses),
                               diagnoses):
            code = codes.compact_diagnosis(raw) if raw is not None else ""
            label = f"Diagnosis {letter}" if letter != "?" else "A diagnosis"
            if not code:
                self.add("required", "21", f"{label} is blank.",
                         "Enter a code or remove the empty entry.")
                continue
            if code in seen:
                self.add("diagnosis-repeated", "21",
                         f"{label} ({raw}) is listed twice.",
                         "List each diagnosis once and point to it.")
            seen.add(code)
            if raw in icd9:
                continue
            if code.startswith(WEIGHT_DIAGNOSES):
                self.weight_diagnosis = True
            if self.changed(label, code):
                continue
            found = codes.diagnosis(code)
            if found is None:
                self.add("diagnosis-unknown", "21",
                         f"{label} {raw!r} is not an ICD-10-CM code "
                         f"({codes.ICD10CM_RELEASE}).",
                         "Check the code in the referral; ICD-10-CM codes "
                         "start with a letter, e.g. M54.50.")
            elif not found.billable:
                below = codes.billable_below(code)
                shown = ", ".join(below[:8]) + (" ..." if len(below) > 8
                                                 else "")
                self.add("diagnosis-not-billable", "21",
                         f"{label} {found.dotted} ({found.title}) is a "
                         "category, not a billable code.",
                         f"Use the full code from the physician's note: "
                         f"{shown}.")

    def changed(self, label, code):
        """Report a code deleted, split or not yet created on the date of
        service; return True if the course's change table decided it."""
        change = codes.diagnosis_changes().get(code)
        if change is None:
            return False
        effective = datetime.date.fromisoformat(change.effective)
        on = self.service_date
        if change.change == "split" and on >= effective:
            self.add("diagnosis-changed", "21",
                     f"{label} {change.code} was split on {effective} "
                     f"and cannot be billed for a service on {on}.",
                     f"Use one of {', '.join(change.codes)}, as the "
                     "physician's note supports.")
        elif change.change == "new" and on < effective:
            self.add("diagnosis-changed", "21",
                     f"{label} {change.code} starts on {effective}; the "
                     f"service on {on} comes before it.",
                     f"For services before {effective} use "
                     f"{' or '.join(change.codes)}.")
        elif change.change == "split":
            return True      # billable on that date: nothing to say
        else:
            return False     # a new code in force: check it as usual
        return True

    def bmi(self):
        diagnoses = self.claim.get("diagnoses")
        bmi = [self.text(d) for d in diagnoses or []
               if codes.compact_diagnosis(self.text(d)).startswith("Z68")] \
            if isinstance(diagnoses, list) else []
        if bmi and not self.weight_diagnosis:
            self.add("bmi-alone", "21",
                     f"{', '.join(bmi)} (body mass index) is reported "
                     "without a weight diagnosis.",
                     "A BMI code is a secondary code: add the weight "
                     "diagnosis the physician documented (e.g. E66.811 "
                     "obesity class 1), or leave the BMI off.")

    def lines(self):
        lines = self.claim.get("lines")
        if not isinstance(lines, list) or not lines:
            self.add("required", "24", "No service line is entered.",
                     "Add a line for each service: date, place, code, "
                     "pointer, charge and units.")
            self.line_total = None
            return
        if len(lines) > MAX_LINES:
            self.add("line-limit", "24",
                     f"{len(lines)} service lines are entered; one form "
                     f"holds {MAX_LINES}.",
                     "Put the other lines on a second claim.")
        total = decimal.Decimal("0.00")
        for number, line in enumerate(lines, start=1):
            if not isinstance(line, dict):
                line = {}
            charge = self.line(number, line)
            total = None if charge is None or total is None \
                else total + charge
        self.line_total = total
        lines = [line if isinstance(line, dict) else {} for line in lines]
        self.duplicates(lines)
        self.minutes(lines)

    def duplicates(self, lines):
        seen = {}
        for number, line in enumerate(lines, start=1):
            code = self.text(line.get("code")).upper()
            modifiers = line.get("modifiers")
            modifiers = tuple(sorted(self.text(m).upper() for m in modifiers)) \
                if isinstance(modifiers, list) else ()
            key = (code, self.text(line.get("from")), modifiers)
            if not code:
                continue
            if key in seen:
                self.add("duplicate-line", "24",
                         f"Line {number} repeats line {seen[key]}: the same "
                         f"code {code}, date and modifiers.",
                         "Put all units of one code on one line, or add "
                         "the modifier that shows why it is separate.",
                         number)
            else:
                seen[key] = number

    def minutes(self, lines):
        """Compare the units of timed codes with their minutes, per day."""
        days = collections.defaultdict(list)
        for number, line in enumerate(lines, start=1):
            minutes = line.get("minutes")
            entry = codes.procedure(self.text(line.get("code")))
            if entry is None or not entry.timed or minutes in (None, ""):
                continue
            if isinstance(minutes, bool) or not isinstance(
                    minutes, (int, float)) or not math.isfinite(minutes) \
                    or minutes < 0 or minutes != int(minutes):
                self.add("units-minutes", "24G",
                         f"Minutes {minutes!r} is not a whole number of "
                         "0 or more.", "Enter the minutes of direct "
                         "one-on-one time.", number)
                continue
            days[self.text(line.get("from"))].append(
                (number, entry.code, int(minutes), line.get("units")))
        for day, entries in days.items():
            by_code = collections.defaultdict(int)
            for _, code, minutes, _ in entries:
                by_code[code] += minutes
            cms = units.cms_units(by_code)
            ama = units.ama_units(by_code)
            billed = collections.defaultdict(int)
            for _, code, _, count in entries:
                billed[code] += count if isinstance(count, int) else 0
            if dict(billed) == cms:
                continue
            number = entries[0][0]
            expected = ", ".join(f"{c} x {n}" for c, n in cms.items())
            total = sum(by_code.values())
            if dict(billed) == ama and not self.medicare:
                self.add("units-minutes", "24G",
                         f"The units on {day} follow the AMA per-code rule; "
                         f"by the CMS 8-minute rule {total} minutes give "
                         f"{expected}.",
                         "Fine if this payer uses the AMA rule; check its "
                         "policy. Medicare and plans that follow it use "
                         "the CMS rule.", number, severity="warning")
                continue
            self.add("units-minutes", "24G",
                     f"The units on {day} do not match the minutes: by the "
                     f"CMS 8-minute rule {total} timed minutes give "
                     f"{expected}.",
                     "Bill the units the minutes support, or correct the "
                     "minutes.", number,
                     severity=None if self.medicare else "warning")

    def line(self, number, line):
        """Check one service line; return its charge, or None."""
        if self.required(line.get("from"), "24A", "The date of service",
                         "Enter the date the session took place.",
                         number):
            start = self.date(line.get("from"), "24A",
                              "The date of service", number)
            to = self.text(line.get("to"))
            end = start if to in ("", self.text(line.get("from"))) \
                else self.date(to, "24A", "The last date", number)
            if start and end and end < start:
                self.add("date-order", "24A",
                         f"The last date {end} is before the first "
                         f"{start}.",
                         "Swap the dates or use one line per day.", number)
            birth = self.birth
            if start and birth and start < birth:
                self.add("service-before-birth", "24A",
                         f"The date of service {start} is before the "
                         f"patient's birth ({birth}).",
                         "Check the year of the service and the date of "
                         "birth.", number)
            if start:
                self.timely(number, start)
        place = self.text(line.get("place_of_service"))
        if self.required(place, "24B", "The place of service",
                         "Enter the two-digit code, e.g. 11 for an "
                         "office.", number) \
                and place not in codes.places_of_service():
            self.add("place-of-service", "24B",
                     f"The place of service {place!r} is not a code of the "
                     "CMS place-of-service set.",
                     "Enter the two-digit code, e.g. 11 (office), 12 "
                     "(home) or 10 (telehealth in the patient's home).",
                     number)
        self.procedure(number, line)
        self.pointers(number, line.get("pointers"))
        self.units(number, line.get("units"))
        self.check_npi(line.get("rendering_npi"), "24J", "rendering",
                       number)
        if self.required(line.get("charge"), "24F", "The line charge",
                         "Enter what you charge for this line, e.g. "
                         "60.00.", number):
            return self.money(line.get("charge"), "24F",
                              "The line charge", number)
        return None

    def timely(self, number, start):
        if start.year >= datetime.MAXYEAR:
            return                       # no deadline can be written down
        if self.medicare:
            try:
                deadline = start.replace(year=start.year + 1)
            except ValueError:          # 29 February: due 28 February
                deadline = start.replace(year=start.year + 1, day=28)
            limit = "Medicare's 12 months"
        else:
            days = self.payer.get("timely_filing_days")
            if isinstance(days, bool) or not isinstance(days, int) or \
                    days <= 0:
                return
            try:
                deadline = start + datetime.timedelta(days=days)
            except OverflowError:        # a limit past the year 9999
                return
            limit = f"this payer's {days} days"
        if self.today > deadline:
            self.add("timely-filing", "24A",
                     f"The service on {start} had to reach the payer by "
                     f"{deadline} ({limit}); today is {self.today}.",
                     "A late claim is denied (CARC 29) and the patient may "
                     "not be billed for it; file the rest of your claims "
                     "well within the limit.", number)

    def procedure(self, number, line):
        code = self.text(line.get("code")).upper()
        if not self.required(code, "24D", "The procedure code",
                             "Enter the CPT or HCPCS code.", number):
            return
        if not re.fullmatch(r"[0-9A-Z]{5}", code):
            self.add("code-shape", "24D",
                     f"{code!r} is not a CPT or HCPCS code: those have "
                     "five characters.",
                     "Enter five characters, e.g. S9451; put modifiers in "
                     "their own boxes.", number)
            return
        self.modifiers(number, code, line.get("modifiers"))
        if self.medicare and code.startswith("S"):
            self.add("s-code-medicare", "24D",
                     f"{code} is an HCPCS S-code; Medicare does not pay "
                     "S-codes.",
                     "S-codes are for private payers that accept them; do "
                     "not send this line to Medicare.", number)
        entry = codes.procedure(code)
        if entry is None:
            self.add("code-unknown", "24D",
                     f"{code} is not in the course's code table.",
                     "Check the code against the payer's fee schedule.",
                     number)
            return
        day = self.date_quietly(line.get("from"))
        if day and (entry.valid_from and day.isoformat() < entry.valid_from
                    or entry.valid_to and day.isoformat() > entry.valid_to):
            when = f"from {entry.valid_from}" if entry.valid_from else ""
            if entry.valid_to:
                when += f"{' ' if when else ''}until {entry.valid_to}"
            self.add("code-year", "24D",
                     f"{code} is valid only {when}, not on {day}.",
                     f"{entry.note or 'Use the code in force that year'}.",
                     number)
        self.therapy_modifier(number, entry, line.get("modifiers"))
        self.who_may_bill(number, entry)

    def date_quietly(self, value):
        try:
            return datetime.date.fromisoformat(self.text(value))
        except ValueError:
            return None

    def modifiers(self, number, code, modifiers):
        if not isinstance(modifiers, list):
            modifiers = [] if modifiers in (None, "") else [modifiers]
        modifiers = [self.text(m).upper() for m in modifiers
                     if self.text(m)]
        if len(modifiers) > 4:
            self.add("modifier-limit", "24D",
                     f"{len(modifiers)} modifiers are entered; a line "
                     "takes at most 4.",
                     "Keep the modifiers that change payment first.",
                     number)
        repeated = sorted({m for m in modifiers if modifiers.count(m) > 1})
        if repeated:
            self.add("modifier-repeated", "24D",
                     f"Modifier {', '.join(repeated)} is entered twice.",
                     "Enter each modifier once.", number)
        known = codes.modifiers()
        for modifier in modifiers:
            if modifier not in known:
                self.add("modifier-unknown", "24D",
                         f"Modifier {modifier} is not in the course's "
                         "modifier table.",
                         "Check it in the payer's modifier list; modifiers "
                         "have two characters.", number)
        present = set(modifiers)
        if {"KX", "GA"} <= present:
            self.add("kx-with-ga", "24D",
                     "KX (requirements met) and GA (ABN on file) are on "
                     "the same line.",
                     "Use KX when medical necessity is documented, GA when "
                     "you expect a denial and have an ABN: not both.",
                     number)
        x_modifiers = sorted(present & {"XE", "XS", "XP", "XU"})
        if "59" in present and x_modifiers:
            self.add("59-with-x", "24D",
                     f"59 and {', '.join(x_modifiers)} both say the "
                     "service is distinct.",
                     f"Keep {x_modifiers[0]}, which says how it is "
                     "distinct, and drop 59.", number)
        if "59" in present and re.fullmatch(r"99\d{3}", code) and \
                "99202" <= code <= "99499":
            self.add("59-on-em", "24D",
                     f"59 is on the evaluation and management code {code}.",
                     "Use modifier 25 for a separate visit on the same day "
                     "as a procedure.", number)
        for assistant, plan in (("CQ", "GP"), ("CO", "GO")):
            if assistant in present and plan not in present:
                self.add("assistant-modifier", "24D",
                         f"{assistant} (assistant's share of a therapy "
                         f"service) needs {plan} on the same line.",
                         f"Add {plan}; {assistant} only says who gave part "
                         "of a service under that plan of care.", number)

    def therapy_modifier(self, number, entry, modifiers):
        present = {self.text(m).upper() for m in modifiers} \
            if isinstance(modifiers, list) else set()
        if not codes.is_therapy(entry.code):
            misused = [m for m in ("GP", "GO", "GN", "CQ", "CO")
                       if m in present]
            if misused:
                named = " and ".join(misused)
                self.add("therapy-modifier-misused", "24D",
                         f"{named} on {entry.code}: "
                         f"{'these say' if len(misused) > 1 else 'it says'}"
                         " the service was given under a therapy plan of "
                         f"care, and {entry.code} is not a therapy code.",
                         f"Remove {named}. They go only on therapy codes "
                         "under a therapist's plan of care; GP does not "
                         "mean a fitness professional.", number)
            return
        if not self.medicare:
            return
        if not present & {"GP", "GO", "GN"}:
            self.add("therapy-modifier", "24D",
                     f"{entry.code} is a therapy code and Medicare needs "
                     "GP, GO or GN on it.",
                     "Add GP for a physical therapy plan of care (GO "
                     "occupational, GN speech); GP does not mean a fitness "
                     "professional.", number)

    def who_may_bill(self, number, entry):
        if "any" in entry.billed_by:
            return
        taxonomy_code = self.text(self.section("billing_provider")
                                  .get("taxonomy"))
        may = codes.billers(entry.code)
        taxonomy = codes.taxonomy(taxonomy_code) if taxonomy_code else None
        if taxonomy is not None and codes.may_bill(
                entry.code, taxonomy.provider_class):
            return
        if taxonomy_code and taxonomy is None:
            self.add("who-may-bill", "24D",
                     f"{entry.code} may be billed only by {may}; the "
                     f"course's table does not know taxonomy "
                     f"{taxonomy_code}.",
                     "Check that the billing provider is one of these "
                     "before sending the claim.", number,
                     severity="warning")
            return
        if taxonomy is not None and taxonomy.provider_class in (
                "athletic_trainer", "chiropractor"):
            self.add("who-may-bill", "24D",
                     f"{entry.code} is billed by {may}; some commercial "
                     f"plans also pay a {taxonomy.name.lower()} for it "
                     "where state law allows, Medicare does not.",
                     "Confirm in writing that this payer credentials "
                     f"{taxonomy.name.lower()}s for {entry.code}.", number,
                     severity="warning")
            return
        who = f"a {taxonomy.name.lower()} ({taxonomy.code})" \
            if taxonomy else "a provider with no taxonomy given"
        self.add("who-may-bill", "24D",
                 f"{entry.code} may be billed only by {may}, not by "
                 f"{who}. A personal trainer cannot bill it in their own "
                 "name.",
                 f"Instead, {TRAINER_ROUTES}.", number)

    def pointers(self, number, pointers):
        if not isinstance(pointers, list):
            pointers = [] if pointers in (None, "") else [pointers]
        pointers = [self.text(p).upper() for p in pointers
                    if self.text(p)]
        if not pointers:
            self.add("required", "24E", "The diagnosis pointer is missing.",
                     "Enter the letter (A-L) of the diagnosis in item 21 "
                     "that this service treats.", number)
            return
        if len(pointers) > MAX_POINTERS:
            self.add("pointer-limit", "24E",
                     f"{len(pointers)} pointers are entered; a line takes "
                     f"at most {MAX_POINTERS}.",
                     "Keep the main diagnosis first and at most three "
                     "more.", number)
        for pointer in pointers:
            if len(pointer) != 1 or pointer not in POINTER_LETTERS:
                self.add("pointer-letter", "24E",
                         f"Pointer {pointer!r} is not a letter A-L.",
                         "Point with the letter of the diagnosis in item "
                         "21, not its code or a number.", number)
            elif POINTER_LETTERS.index(pointer) >= self.entered:
                have = {0: "no diagnosis is entered",
                        1: "only A is entered",
                        2: "only A and B are entered"}.get(
                    self.entered,
                    f"only A to {POINTER_LETTERS[self.entered - 1]} are "
                    "entered")
                self.add("pointer-unknown", "24E",
                         f"Pointer {pointer} names no diagnosis: {have} "
                         "in item 21.",
                         "Point to a diagnosis that is entered, or add the "
                         "missing diagnosis.", number)

    def units(self, number, units):
        if units is None or self.text(units) == "":
            self.add("required", "24G", "The units are missing.",
                     "Enter how many units (or sessions) this line bills.",
                     number)
            return
        try:
            value = decimal.Decimal(self.text(units))
            whole = value == value.to_integral_value() and value > 0
        except decimal.InvalidOperation:
            whole = False
        if isinstance(units, bool) or not whole:
            self.add("units-whole", "24G",
                     f"Units {units!r} is not a whole number above 0.",
                     "Enter 1, 2, 3...; for timed codes work out units "
                     "from the minutes with the CMS or AMA rule.", number)

    def totals(self):
        total_text = self.claim.get("total_charge")
        if not self.required(total_text, "28", "The total charge",
                             "Enter the sum of the line charges."):
            return
        total = self.money(total_text, "28", "The total charge")
        if total is None or self.line_total is None:
            return
        if total != self.line_total:
            self.add("total-mismatch", "28",
                     f"The total charge {total} is not the sum of the line "
                     f"charges ({self.line_total}).",
                     f"Enter {self.line_total}, or correct the line "
                     "charges.")

    def provider(self):
        tax = self.section("tax_id")
        self.required(tax.get("value"), "25", "The federal tax ID",
                      "Enter the billing provider's EIN (or SSN).")
        self.choice(tax.get("type"), TAX_ID_TYPES, "25",
                    "The tax ID type")
        billing = self.section("billing_provider")
        self.required(billing.get("name"), "33",
                      "The billing provider's name",
                      "Enter the name of the practice that bills.")
        address = self.section("billing_provider", "address")
        for key, what in (("street", "street"), ("city", "city"),
                          ("state", "state"), ("zip", "ZIP code")):
            self.required(address.get(key), "33",
                          f"The billing provider's {what}",
                          "Enter the practice's street address (not a PO "
                          "box).")
        if self.required(billing.get("npi"), "33a",
                         "The billing provider's NPI",
                         "Enter the practice's NPI from NPPES."):
            self.check_npi(billing.get("npi"), "33a", "billing provider")

    def run(self):
        self.people()
        self.plan_rules()
        self.referring()
        self.diagnoses()
        self.bmi()
        self.lines()
        self.provider()
        self.totals()
        return self.findings


def check(claim, today=None):
    """Return the findings for a claim dict (a draft is fine), errors and
    warnings, item by item down the form.

    ``today`` is the date that "in the future" is measured from; it
    defaults to the computer's date.
    """
    today = today or datetime.date.today()
    return _Checker(claim, today).run()


def errors(findings):
    """Return only the findings that stop a claim."""
    return [f for f in findings if f.severity == "error"]
