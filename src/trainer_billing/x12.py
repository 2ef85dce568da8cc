"""The 837P writer: one claim as an ASC X12N 837 Health Care Claim:
Professional, version 005010X222A1, the electronic twin of the CMS-1500.

``write_837p(claim, ...)`` returns the interchange text (ISA to IEA).
A claim the checker (``trainer_billing.scrub``) finds errors on is
refused with ``ClaimHasErrors``, and so is one that lacks what the 837P
needs beyond the paper form (payer ID, patient account number...):
nothing half-right is ever written. ``findings(claim)`` lists both kinds.

Segments, loops, element usage and code values follow pyx12's map
``837.5010.X222.A1.xml`` (FACTS.md section G); the TR3 itself is
licensed by X12 and not quoted here. Separators: ``*`` between elements,
``:`` between components, ``^`` for repetitions, ``~`` (and a newline,
for people) after each segment.

Where the CMS-1500 items go:

====================  =====================================  ===========
CMS-1500 item         837P                                    loop
====================  =====================================  ===========
1 coverage            SBR09 claim filing indicator            2000B
1a, 4, 7, 11a         NM1*IL, N3, N4, DMG (subscriber)        2010BA
11 group              SBR03                                   2000B
2, 3, 5, 6            NM1*QC, N3, N4, DMG; PAT01              2010CA/2000C
17, 17b               NM1*DN (DQ: 2310D, DK: 2420E)           2310A
21                    HI: ABK first, ABF the rest, no dots    2300
23                    REF*G1                                  2300
24A-G                 LX, SV1, DTP*472                        2400
24J                   NM1*82 rendering provider               2310B/2420A
25                    REF*EI (or SY)                          2010AA
26, 27, 28            CLM01, CLM07, CLM02                     2300
33, 33a               NM1*85, N3, N4; PRV*BI taxonomy         2010AA/2000A
====================  =====================================  ===========

>>> import datetime, json, pathlib
>>> sample = json.loads(pathlib.Path('datasets/claims/valid_sample.json')
...                     .read_text())
>>> text = write_837p(sample, sender_id='NOTREALSENDER',
...                   receiver_id='NOTREALRECEIVER', control_number=1,
...                   created=datetime.datetime(2026, 12, 1, 9, 30))
>>> isa = text.splitlines()[0]
>>> len(isa), isa.split('*')[6], isa.split('*')[13]
(106, 'NOTREALSENDER  ', '000000001')
>>> for segment in text.splitlines():
...     if segment.startswith(('HL*', 'HI*', 'SV1*', 'SE*')):
...         print(segment)
HL*1**20*1~
HL*2*1*22*0~
HI*ABK:M1711*ABF:M5450~
SV1*HC:97110:GP*120*UN*2***1:2~
SV1*HC:97530:GP*65*UN*1***1~
SE*31*0001~
"""

import datetime
import decimal
import functools
import os
import pathlib
import re
import tempfile
import unicodedata

from trainer_billing import claim as claim_file
from trainer_billing import codes, scrub

#: The implementation guide this writer follows (GS08 and ST03).
VERSION = "005010X222A1"
ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"

#: Obviously fictitious interchange IDs, the defaults of export_837().
DEFAULT_SENDER_ID = "NOTREALSENDER"
DEFAULT_RECEIVER_ID = "NOTREALRECEIVER"

#: Item 1 (type of coverage) to SBR09, the claim filing indicator.
#: Codes from pyx12's map: CI commercial insurance, MB Medicare Part B,
#: MC Medicaid, CH CHAMPUS (TRICARE), VA Veterans Affairs plan, OF other
#: federal program, ZZ mutually defined.
CLAIM_FILING = {
    "medicare": "MB",
    "medicaid": "MC",
    "tricare": "CH",
    "champva": "VA",
    "group_health_plan": "CI",
    "feca_black_lung": "OF",
    "other": "ZZ",
}

#: Item 6 to PAT01 when the patient is not the subscriber (2000C):
#: 01 spouse, 19 child, G8 other relationship.
PATIENT_RELATIONSHIP = {"spouse": "01", "child": "19", "other": "G8"}

#: Item 17 qualifier to the loop that carries that provider.
PROVIDER_LOOPS = {"DN": "2310A", "DQ": "2310D", "DK": "2420E"}

POINTER_LETTERS = "ABCDEFGHIJKL"
MAX_DIAGNOSES = 12


class ClaimHasErrors(ValueError):
    """A claim that must not be sent; ``findings`` holds every finding
    (errors and warnings), ``errors`` only the errors."""

    def __init__(self, found):
        self.findings = list(found)
        self.errors = scrub.errors(self.findings)
        count = len(self.errors)
        super().__init__(
            f"the claim has {count} error{'' if count == 1 else 's'} and "
            "was not written: " + "; ".join(str(f) for f in self.errors))


# Checks the 837P needs beyond the paper form -----------------------------

X12_RULES = {r.id: r for r in (
    scrub.Rule("x12-required", "error", "various",
               "What the 837P needs is filled in (payer ID, patient "
               "account number, submitter contact)",
               "ASC X12N 837P 005010X222A1 as mapped by pyx12"),
    scrub.Rule("x12-format", "error", "various",
               "Values fit the 837P's codes and formats (state, ZIP, "
               "place of service, tax ID)",
               "ASC X12N 837P 005010X222A1 as mapped by pyx12"),
    scrub.Rule("x12-zip4", "warning", "33",
               "The billing provider's ZIP code has 9 digits (ZIP+4)",
               "ASC X12N 837P 005010X222A1, loop 2010AA N403"),
    scrub.Rule("x12-rendering-name", "warning", "24J",
               "A rendering provider sent in the 837P has a name",
               "ASC X12N 837P 005010X222A1, loops 2310B/2420A NM103"),
    scrub.Rule("x12-text-changed", "warning", "various",
               "Names and addresses go into the 837P as typed: plain "
               "letters, within the element's length",
               "ASC X12N 837P 005010X222A1 (basic character set; NM1, N3, "
               "N4 element lengths)"),
)}


@functools.cache
def _external_codes():
    # pyx12's own lists of state and place-of-service codes, so that what
    # we write is what its validator accepts.
    import pyx12.codes
    return pyx12.codes.ExternalCodes()


def _text(value):
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _section(data, *keys):
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _list(value):
    if isinstance(value, list):
        return value
    return [] if value in (None, "") else [value]


def _digits(value):
    return re.sub(r"\D", "", _text(value))


def _finding(rule, item, message, fix, line=None):
    return scrub.Finding(rule, X12_RULES[rule].severity, item, line,
                         message, fix)


def _check_address(found, address, item, whose, required):
    street = _element(address.get("street"))
    city = _element(address.get("city"))
    state, zip_code = _text(address.get("state")), _text(address.get("zip"))
    if not required and not any((street, city, state, zip_code)):
        return
    if required or street or city:
        for value, what in ((street, "street"), (city, "city")):
            if not value:
                found.append(_finding(
                    "x12-required", item, f"The {whose} {what} is missing; "
                    "the 837P sends a whole address or none.",
                    f"Enter the {whose} address in full."))
    if len(_element(city)) == 1:
        found.append(_finding(
            "x12-format", item, f"The {whose} city {city!r} has one "
            "letter; the 837P takes 2 to 30.", "Write the city's name."))
    if state and not _external_codes().isValid("states", state.upper()):
        found.append(_finding(
            "x12-format", item,
            f"The {whose} state {state!r} is not a US state or territory "
            "code.", "Use the two-letter postal code, e.g. IL."))
    if zip_code and len(_digits(zip_code)) not in (5, 9) or \
            re.search(r"[^\d\- ]", zip_code):
        found.append(_finding(
            "x12-format", item,
            f"The {whose} ZIP code {zip_code!r} has neither 5 nor 9 "
            "digits.", "Enter 5 digits, or 9 for ZIP+4."))


def _check_names(found, data):
    """Names and IDs the 837P requires must keep a letter or digit once
    separators and characters outside ASCII are taken out."""
    wanted = [
        (_section(data, "patient", "name").get("last"), "2",
         "patient's last name"),
        (_section(data, "insured", "name").get("last")
         or _section(data, "patient", "name").get("last"), "4",
         "insured's last name"),
        (_section(data, "insured").get("id"), "1a", "insured's ID"),
        (_section(data, "billing_provider").get("name"), "33",
         "billing provider's name"),
    ]
    referring = _section(data, "referring_provider")
    if _text(referring.get("npi")):
        wanted.append((_section(referring, "name").get("last"), "17",
                       "referring provider's last name"))
    for value, item, what in (
            (_section(data, "insured").get("id"), "1a", "insured's ID"),
            (_section(data, "payer").get("id"), "payer", "payer ID")):
        if len(_element(value)) == 1:
            found.append(_finding(
                "x12-format", item, f"The {what} {_element(value)!r} is "
                "one character; the 837P takes 2 to 80.",
                "Copy the whole ID."))
    for value, item, what in wanted:
        if not re.search(r"[A-Za-z0-9]", _element(value)):
            found.append(_finding(
                "x12-format", item, f"The {what} ({value!r}) has no "
                "letter or digit the 837P can carry.",
                "Write it in plain letters and digits, as on the card."))


_NAME_LENGTHS = (("last", "last name", 60), ("first", "first name", 35),
                 ("middle", "middle name", 25))
_ADDRESS_LENGTHS = (("street", "street", 55), ("city", "city", 30))


def _written_text(data):
    """Return (value, item, what, element length) for each name and
    address the 837P writes, as the writer picks them."""
    patient, insured = _section(data, "patient"), _section(data, "insured")
    is_self = _text(patient.get("relationship")) == "self"
    texts = []

    def person(section, item, whose):
        for key, what, limit in _NAME_LENGTHS:
            texts.append((_section(section, "name").get(key), item,
                          f"{whose} {what}", limit))

    def address(section, item, whose):
        for key, what, limit in _ADDRESS_LENGTHS:
            texts.append((_section(section, "address").get(key), item,
                          f"{whose} {what}", limit))

    if _text(_section(insured, "name").get("last")):
        person(insured, "4", "insured's")          # 2010BA
    else:
        person(patient, "2", "patient's")
    if is_self:
        address(patient, "5", "patient's")
    else:
        address(insured, "7", "insured's")
        person(patient, "2", "patient's")          # 2010CA
        address(patient, "5", "patient's")
    referring = _section(data, "referring_provider")
    if _text(referring.get("npi")):
        person(referring, "17", "referring provider's")
    billing = _section(data, "billing_provider")
    texts.append((billing.get("name"), "33", "billing provider's name", 60))
    address(billing, "33", "billing provider's")
    payer = _section(data, "payer")
    texts.append((payer.get("name"), "payer", "payer's name", 60))
    address(payer, "payer", "payer's")
    return texts


def _check_changed_text(found, data):
    """Warn where the 837P would carry a name or address otherwise than
    typed: letters outside plain ASCII lose their accents or go, and
    text past the element's length is cut."""
    for value, item, what, limit in _written_text(data):
        typed = " ".join(_text(value).split())
        written = _element(value, limit)
        if not typed or typed == written:
            continue
        if _element(value) != typed:
            why = ("the 837P carries plain letters only (A to Z, digits "
                   "and common punctuation)")
        else:
            why = f"the 837P takes at most {limit} characters here"
        found.append(_finding(
            "x12-text-changed", item,
            f"The {what} {typed!r} goes into the 837P as {written!r}: "
            f"{why}.",
            "Check how the payer has it on file (usually as on the "
            "insurance card or the enrollment record) and type it that "
            "way."))


def _check_insured_demographics(found, insured):
    birth = _text(insured.get("birth_date"))
    if birth:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
                raise ValueError
            datetime.date.fromisoformat(birth)
        except ValueError:
            found.append(_finding(
                "x12-format", "11a", f"The insured's date of birth "
                f"{birth!r} is not a real date.",
                "Write it as YYYY-MM-DD, or leave it out."))
    sex = _text(insured.get("sex"))
    if sex and sex.upper() not in ("F", "M", "U"):
        found.append(_finding(
            "x12-format", "11a", f"The insured's sex {sex!r} is not F, M "
            "or U.", "Enter F, M or U, or leave it out."))


def _x12_findings(data, rendering_providers):
    found = []
    payer = _section(data, "payer")
    if not _element(payer.get("name")):
        found.append(_finding(
            "x12-required", "payer", "The payer's name is missing.",
            "Enter the name of the plan the claim goes to, as on the "
            "card."))
    if not _element(payer.get("id")):
        found.append(_finding(
            "x12-required", "payer", "The payer ID is missing; the 837P "
            "routes the claim by it (loop 2010BB).",
            "Enter the payer ID from the plan's or clearinghouse's payer "
            "list."))
    _check_address(found, _section(payer, "address"), "payer",
                   "payer's", required=False)
    if not _element(data.get("patient_account")):
        found.append(_finding(
            "x12-required", "26", "The patient account number is missing; "
            "the 837P uses it as the claim's ID (CLM01).",
            "Enter your own account or invoice number for this claim."))
    elif len(_element(data.get("patient_account"))) > 38:
        found.append(_finding(
            "x12-format", "26", "The patient account number is longer "
            "than the 837P's 38 characters.", "Shorten it."))
    _check_names(found, data)
    _check_changed_text(found, data)
    _check_address(found, _section(data, "patient", "address"), "5",
                   "patient's", required=True)
    if _text(_section(data, "patient").get("relationship")) != "self":
        _check_address(found, _section(data, "insured", "address"), "7",
                       "insured's", required=False)
        _check_insured_demographics(found, _section(data, "insured"))
    billing_address = _section(data, "billing_provider", "address")
    _check_address(found, billing_address, "33", "billing provider's",
                   required=True)
    if len(_digits(billing_address.get("zip"))) == 5:
        found.append(_finding(
            "x12-zip4", "33", "The billing provider's ZIP code has 5 "
            "digits; the 837P asks for all 9 (ZIP+4) in loop 2010AA.",
            "Look up the ZIP+4 of the practice's street address (USPS) "
            "and enter it."))
    tax = _section(data, "tax_id")
    if len(_digits(tax.get("value"))) != 9:
        found.append(_finding(
            "x12-format", "25", "The federal tax ID does not have 9 "
            "digits.", "Enter the EIN as 12-3456789 or the SSN as 9 "
            "digits."))
    lines = data.get("lines") if isinstance(data.get("lines"), list) \
        else []
    billing_npi = _text(_section(data, "billing_provider").get("npi"))
    for number, line in enumerate(lines, start=1):
        line = line if isinstance(line, dict) else {}
        try:
            units = decimal.Decimal(_text(line.get("units")))
            too_many = units.is_finite() and units > 99_999 \
                or units.is_infinite()
        except decimal.InvalidOperation:
            too_many = False
        if too_many:
            found.append(_finding(
                "x12-format", "24G", "The units are more than the 837P's "
                "99999.", "Enter the number of units billed.", number))
        for modifier in _list(line.get("modifiers")):
            if _text(modifier) and \
                    not re.fullmatch(r"[A-Za-z0-9]{2}", _text(modifier)):
                found.append(_finding(
                    "x12-format", "24D", f"Modifier {_text(modifier)!r} is "
                    "not two letters or digits.",
                    "Enter each modifier in its own box, e.g. GP.", number))
        place = _text(line.get("place_of_service"))
        if re.fullmatch(r"\d{2}", place) and \
                not _external_codes().isValid("pos", place):
            found.append(_finding(
                "x12-format", "24B", f"Place of service {place} is not in "
                "the 837P's list of place-of-service codes.",
                "Use a current CMS place-of-service code, e.g. 11 office, "
                "12 home, 02 or 10 telehealth.", number))
    for npi_number, numbers in _rendering_lines(lines, billing_npi).items():
        if _provider_name(rendering_providers, npi_number) is None:
            shown = ", ".join(map(str, numbers))
            found.append(_finding(
                "x12-rendering-name", "24J",
                f"The rendering NPI {npi_number} (line"
                f"{'s' if len(numbers) > 1 else ''} {shown}) is not sent: "
                "the 837P needs the rendering provider's name (item 31, "
                "rendering_provider in the claim file), which is missing. The "
                "line goes out under the billing provider.",
                "Give the name with rendering_providers={NPI: {'last': "
                "..., 'first': ...}}, or bill under the rendering "
                "provider's own NPI.", numbers[0]))
    return found


def _rendering_lines(lines, billing_npi):
    """Return {rendering NPI: [line numbers]} for the lines whose rendering
    NPI is given and differs from the billing provider's."""
    result = {}
    for number, line in enumerate(lines, start=1):
        line = line if isinstance(line, dict) else {}
        rendering = _text(line.get("rendering_npi"))
        if rendering and rendering != billing_npi:
            result.setdefault(rendering, []).append(number)
    return result


def _renderers(data, rendering_providers):
    """Return the rendering providers' names by NPI: those given, plus the
    claim's own rendering provider (item 31) under its NPI."""
    known = dict(rendering_providers or {})
    own = _section(data, "rendering_provider") if isinstance(
        data, dict) else {}
    own_npi = _text(own.get("npi"))
    name = own.get("name")
    if own_npi and isinstance(name, dict) and own_npi not in known:
        known[own_npi] = {k: _text(name.get(k)) for k in
                          ("last", "first", "middle") if name.get(k)}
    return known


def _provider_name(rendering_providers, npi_number):
    """Return a rendering provider's name as {last, first, middle} (a
    person) or {organization} (a group), or None when not given."""
    value = (rendering_providers or {}).get(npi_number)
    if isinstance(value, str) and _element(value):
        return {"organization": value.strip()}
    if isinstance(value, dict):
        if _element(value.get("last")):
            return value
        if _element(value.get("organization") or value.get("name")):
            return {"organization": _text(value.get("organization")
                                          or value.get("name"))}
    return None


def findings(data, *, today=None, rendering_providers=None):
    """Return every finding on a claim that stands between it and an
    837P: the checker's (``scrub.check``) followed by the 837P's own."""
    rendering_providers = _renderers(data, rendering_providers)
    found = scrub.check(data, today=today)
    if isinstance(data, dict):
        # A value the checker already rejects is not reported twice.
        rejected = {(f.item, f.line) for f in scrub.errors(found)}
        found += [f for f in _x12_findings(data, rendering_providers)
                  if f.rule != "x12-format"
                  or (f.item, f.line) not in rejected]
    return found


# Writing -----------------------------------------------------------------

def _element(value, limit=None):
    """Return a value fit for one element: ASCII, no separator, no
    control character, single spaces, at most ``limit`` characters."""
    text = unicodedata.normalize("NFKD", _text(value))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[*:^~\x00-\x1f\x7f]", " ", text)
    text = " ".join(text.split())
    return text[:limit].rstrip() if limit else text


def _amount(value):
    """Return an amount as X12 writes it: no insignificant zeros.

    >>> _amount('120.00'), _amount('60.50'), _amount('0.00')
    ('120', '60.5', '0')
    """
    number = decimal.Decimal(_text(value)).normalize()
    return format(number, "f")


def _date(value):
    return _text(value).replace("-", "")


def _zip(value):
    return _digits(value)


class _Segments:
    """The segments of one interchange, with their separators."""

    def __init__(self):
        self.segments = []

    def add(self, *elements):
        elements = list(elements)
        while elements and elements[-1] in ("", None):
            elements.pop()
        self.segments.append(ELEMENT.join(
            "" if e is None else str(e) for e in elements))

    def count_since(self, segment_id):
        for index in range(len(self.segments) - 1, -1, -1):
            if self.segments[index].startswith(segment_id + ELEMENT):
                return len(self.segments) - index
        raise LookupError(segment_id)

    def text(self):
        return "".join(s + TERMINATOR + "\n" for s in self.segments)


def _composite(*parts):
    parts = list(parts)
    while parts and parts[-1] in ("", None):
        parts.pop()
    return COMPONENT.join(parts)


def _person(name):
    """Return (last, first, middle) for NM103-NM105."""
    name = name if isinstance(name, dict) else {}
    return (_element(name.get("last"), 60), _element(name.get("first"), 35),
            _element(name.get("middle"), 25))


def _address(out, address):
    out.add("N3", _element(address.get("street"), 55))
    out.add("N4", _element(address.get("city"), 30),
            _element(address.get("state")).upper(), _zip(address.get("zip")))


def _has_address(address):
    return bool(_element(address.get("street"))
                and _element(address.get("city")))


def _dmg(out, person):
    out.add("DMG", "D8", _date(person.get("birth_date")),
            _text(person.get("sex")).upper() or "U")


def _interchange_id(value, what):
    value = _text(value)
    # ISA06/ISA08 take 1 to 15 characters, GS02/GS03 2 to 15.
    if not re.fullmatch(r"[A-Za-z0-9.\-]{2,15}", value):
        raise ValueError(
            f"{what} {value!r}: use 2 to 15 letters, digits, dots or "
            "dashes")
    return value


def _rendering_nm1(out, name, npi_number):
    if "organization" in name:
        out.add("NM1", "82", "2", _element(name["organization"], 60), "",
                "", "", "", "XX", npi_number)
    else:
        last, first, middle = _person(name)
        out.add("NM1", "82", "1", last, first, middle, "", "", "XX",
                npi_number)


def write_837p(claim, *, sender_id, receiver_id, control_number, created,
               submitter=None, receiver=None, usage="T",
               rendering_providers=None, reference=None):
    """Return one claim as an 837P interchange (ISA to IEA), or raise
    ClaimHasErrors when the claim has errors.

    ``sender_id`` and ``receiver_id`` (2-15 letters, digits, dots or
    dashes) go in ISA06/ISA08 and GS02/GS03; ``control_number``
    (1-999999999) is the interchange (ISA13/IEA02, zero-padded) and group
    (GS06/GE02) control number;
    ``created`` (a datetime) dates the envelope and the BHT, and is the
    day the claim is checked as of. ``submitter`` is a dict with ``name``,
    ``id``, ``contact``, ``phone`` and/or ``email`` (loop 1000A; defaults
    to the billing provider and its phone); ``receiver`` a dict with
    ``name`` and ``id`` (1000B; defaults to the payer's name and
    ``receiver_id``). ``usage`` is ``T`` (test) or ``P`` (production).
    ``rendering_providers`` maps a rendering NPI to its name, a dict
    ``{last, first[, middle]}`` for a person or a string for a group;
    without it a rendering NPI that differs from the billing NPI cannot
    be sent (a warning). ``reference`` is BHT03 (default: the control
    number).
    """
    sender_id = _interchange_id(sender_id, "sender_id")
    receiver_id = _interchange_id(receiver_id, "receiver_id")
    if isinstance(control_number, bool) or \
            not isinstance(control_number, int) or \
            not 1 <= control_number <= 999_999_999:
        raise ValueError(f"control_number {control_number!r}: use a whole "
                         "number from 1 to 999999999")
    if not isinstance(created, datetime.datetime):
        raise ValueError(f"created {created!r}: use a datetime.datetime")
    if usage not in ("T", "P"):
        raise ValueError(f"usage {usage!r}: use 'T' (test) or 'P' "
                         "(production)")
    submitter = dict(submitter or {})
    receiver = dict(receiver or {})
    rendering_providers = _renderers(claim, rendering_providers)

    found = findings(claim, today=created.date(),
                     rendering_providers=rendering_providers)
    billing = _section(claim, "billing_provider") if isinstance(
        claim, dict) else {}
    phone = _digits(submitter.get("phone", billing.get("phone")))
    email = _element(submitter.get("email"), 256)
    if not phone and not email:
        found.append(_finding(
            "x12-required", "33", "No phone or e-mail is given for the "
            "submitter's EDI contact (loop 1000A PER).",
            "Enter the billing provider's phone, or pass submitter="
            "{'phone': ...}."))
    if scrub.errors(found):
        raise ClaimHasErrors(found)
    return _write(claim, sender_id=sender_id, receiver_id=receiver_id,
                  control_number=control_number, created=created,
                  submitter=submitter, receiver=receiver, usage=usage,
                  phone=phone, email=email,
                  rendering_providers=rendering_providers,
                  reference=reference)


def _write(claim, *, sender_id, receiver_id, control_number,
           created, submitter, receiver, usage, phone, email,
           rendering_providers, reference):
    out = _Segments()
    billing = _section(claim, "billing_provider")
    payer = _section(claim, "payer")
    insured = _section(claim, "insured")
    patient = _section(claim, "patient")
    lines = claim["lines"]
    control = f"{control_number:09d}"

    # Envelope ---------------------------------------------------------
    out.add("ISA", "00", " " * 10, "00", " " * 10,
            "ZZ", sender_id.ljust(15), "ZZ", receiver_id.ljust(15),
            created.strftime("%y%m%d"), created.strftime("%H%M"),
            REPETITION, "00501", control, "0", usage, COMPONENT)
    out.add("GS", "HC", sender_id, receiver_id, created.strftime("%Y%m%d"),
            created.strftime("%H%M"), str(control_number), "X", VERSION)
    out.add("ST", "837", "0001", VERSION)
    out.add("BHT", "0019", "00",
            _element(reference, 50) or str(control_number),
            created.strftime("%Y%m%d"), created.strftime("%H%M"), "CH")

    # 1000A submitter, 1000B receiver ------------------------------------
    out.add("NM1", "41", "2",
            _element(submitter.get("name") or billing.get("name"), 60),
            "", "", "", "", "46",
            _element(submitter.get("id"), 80) or sender_id)
    contact = [_element(submitter.get("contact"), 60)]
    if phone:
        contact += ["TE", phone]
    if email:
        contact += ["EM", email]
    out.add("PER", "IC", *contact)
    out.add("NM1", "40", "2",
            _element(receiver.get("name") or payer.get("name"), 60),
            "", "", "", "", "46", _element(receiver.get("id"), 80)
            or receiver_id)

    # 2000A billing provider ------------------------------------------
    out.add("HL", "1", "", "20", "1")
    taxonomy = _element(billing.get("taxonomy")).upper()
    if taxonomy:
        out.add("PRV", "BI", "PXC", taxonomy)
    billing_npi = _text(billing.get("npi"))
    out.add("NM1", "85", "2", _element(billing.get("name"), 60), "", "",
            "", "", "XX", billing_npi)
    _address(out, _section(billing, "address"))
    tax = _section(claim, "tax_id")
    out.add("REF", "SY" if _text(tax.get("type")).upper() == "SSN"
            else "EI", _digits(tax.get("value")))

    # 2000B subscriber, 2010BA, 2010BB ---------------------------------
    is_self = _text(patient.get("relationship")) == "self"
    out.add("HL", "2", "1", "22", "0" if is_self else "1")
    group = _element(insured.get("group"), 50)
    out.add("SBR", "P", "18" if is_self else "", group,
            "" if group else _element(insured.get("plan"), 60), "", "", "",
            "", CLAIM_FILING.get(_text(claim.get("coverage")), "ZZ"))
    subscriber = patient if is_self else insured
    last, first, middle = _person(
        insured.get("name") if _text(_section(insured, "name").get("last"))
        else patient.get("name"))
    out.add("NM1", "IL", "1", last, first, middle, "", "", "MI",
            _element(insured.get("id"), 80))
    subscriber_address = _section(subscriber, "address")
    if _has_address(subscriber_address):
        _address(out, subscriber_address)
    if is_self or (_text(insured.get("birth_date")) and
                   _text(insured.get("sex"))):
        _dmg(out, subscriber)
    out.add("NM1", "PR", "2", _element(payer.get("name"), 60), "", "", "",
            "", "PI", _element(payer.get("id"), 80))
    payer_address = _section(payer, "address")
    if _has_address(payer_address):
        _address(out, payer_address)

    # 2000C patient, when not the subscriber ---------------------------
    if not is_self:
        out.add("HL", "3", "2", "23", "0")
        out.add("PAT", PATIENT_RELATIONSHIP.get(
            _text(patient.get("relationship")), "G8"))
        last, first, middle = _person(patient.get("name"))
        out.add("NM1", "QC", "1", last, first, middle)
        _address(out, _section(patient, "address"))
        _dmg(out, patient)

    # 2300 claim -------------------------------------------------------
    place = _text(lines[0].get("place_of_service"))
    assigned = claim.get("accept_assignment", True) is not False
    out.add("CLM", _element(claim.get("patient_account"), 38),
            _amount(claim.get("total_charge")), "", "",
            _composite(place, "B", "1"), "Y", "A" if assigned else "C",
            "Y", "Y")
    prior = _element(claim.get("prior_authorization"), 50)
    if prior:
        out.add("REF", "G1", prior)
    diagnoses = [codes.compact_diagnosis(d) for d in claim["diagnoses"]]
    out.add("HI", *(_composite("ABK" if i == 0 else "ABF", code)
                    for i, code in enumerate(diagnoses[:MAX_DIAGNOSES])))

    referring = _section(claim, "referring_provider")
    qualifier = _text(referring.get("qualifier")).upper()
    referring_nm1 = None
    if _text(referring.get("npi")) and qualifier in PROVIDER_LOOPS:
        last, first, middle = _person(referring.get("name"))
        referring_nm1 = ("NM1", qualifier, "1", last, first, middle, "", "",
                         "XX", _text(referring.get("npi")))
    if referring_nm1 and qualifier == "DN":          # 2310A
        out.add(*referring_nm1)

    rendering = {npi_number: numbers for npi_number, numbers in
                 _rendering_lines(lines, billing_npi).items()
                 if _provider_name(rendering_providers, npi_number)}
    claim_rendering = None
    if len(rendering) == 1 and \
            len(next(iter(rendering.values()))) == len(lines):
        claim_rendering = next(iter(rendering))      # 2310B
        _rendering_nm1(out, _provider_name(rendering_providers,
                                           claim_rendering), claim_rendering)
    if referring_nm1 and qualifier == "DQ":          # 2310D
        out.add(*referring_nm1)

    # 2400 service lines -----------------------------------------------
    for number, line in enumerate(lines, start=1):
        out.add("LX", str(number))
        modifiers = [_element(m).upper()
                     for m in _list(line.get("modifiers")) if _element(m)][:4]
        pointers = [str(POINTER_LETTERS.index(_text(p).upper()) + 1)
                    for p in _list(line.get("pointers")) if _text(p)]
        line_place = _text(line.get("place_of_service"))
        out.add("SV1", _composite("HC", _text(line.get("code")).upper(),
                                  *modifiers),
                _amount(line.get("charge")), "UN",
                _amount(line.get("units")),
                "" if line_place == place else line_place, "",
                _composite(*pointers))
        start, end = _date(line.get("from")), _date(line.get("to"))
        if end and end != start:
            out.add("DTP", "472", "RD8", f"{start}-{end}")
        else:
            out.add("DTP", "472", "D8", start)
        line_rendering = _text(line.get("rendering_npi"))
        if line_rendering in rendering and line_rendering != claim_rendering:
            _rendering_nm1(out, _provider_name(rendering_providers,
                                               line_rendering),
                           line_rendering)           # 2420A
        if referring_nm1 and qualifier == "DK":      # 2420E
            out.add(*referring_nm1)

    # Trailers ---------------------------------------------------------
    out.add("SE", str(out.count_since("ST") + 1), "0001")
    out.add("GE", "1", str(control_number))
    out.add("IEA", "1", control)
    return out.text()


def export_837(path_in, path_out, *, sender_id=DEFAULT_SENDER_ID,
               receiver_id=DEFAULT_RECEIVER_ID, control_number=1,
               created=None, **options):
    """Write the 837P of the claim file ``path_in`` to ``path_out`` and
    return the warnings (a list of findings) that did not stop it.

    Raises ``claim.ClaimFileError`` when the file cannot be read and
    ``ClaimHasErrors`` when the claim has errors; in both cases nothing
    is written (an existing ``path_out`` is left as it was). ``created``
    defaults to now; other options go to write_837p().
    """
    data = claim_file.load(path_in)
    created = created or datetime.datetime.now().replace(microsecond=0)
    text = write_837p(data, sender_id=sender_id, receiver_id=receiver_id,
                      control_number=control_number, created=created,
                      **options)
    warnings = [f for f in findings(
        data, today=created.date(),
        rendering_providers=options.get("rendering_providers"))
        if f.severity != "error"]
    path_out = pathlib.Path(path_out)
    # Written beside the target and renamed, so a reader never sees half
    # a file.
    handle, temporary = tempfile.mkstemp(dir=path_out.parent or ".",
                                         prefix=path_out.name + ".",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="ascii", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path_out)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    return warnings
