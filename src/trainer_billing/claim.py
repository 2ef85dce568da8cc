"""A claim: one CMS-1500 (02/12) in the course's JSON form.

Keys follow the form's items (see ``data/claim.schema.json`` and
DESIGN.md). Loading checks the shape and types only and reports every
problem at once, each with the form item it belongs to; whether values
are right is the claim checker's job (``trainer_billing.scrub``), so a
draft with gaps still loads.

The CMS-1500 form is public domain (NUCC); item numbers below are the
form's own.

>>> c = parse({"diagnoses": ["m54.50"], "lines": [{"code": "97110"}]})
>>> c["diagnoses"]
['M5450']
>>> parse({"lines": [{"units": "two"}]})
Traceback (most recent call last):
    ...
trainer_billing.claim.ClaimFileError: item 24G (lines[0].units): 'two' is not of type 'number'
"""

import copy
import dataclasses
import functools
import importlib.resources
import json
import re

from trainer_billing import codes

SCHEMA_PATH = importlib.resources.files("trainer_billing") / "data" / \
    "claim.schema.json"

#: Where each part of a claim goes on the CMS-1500, most specific first.
ITEMS = (
    ("coverage", "1"),
    ("payer.referral_required", "17"),
    ("payer.prior_authorization_required", "23"),
    ("payer.timely_filing_days", "24A"),
    ("payer", "payer"),
    ("insured.id", "1a"),
    ("insured.address", "7"),
    ("insured.birth_date", "11a"),
    ("insured.sex", "11a"),
    ("insured.name", "4"),
    ("insured.group", "11"),
    ("insured.plan", "11c"),
    ("insured", "4"),
    ("patient.name", "2"),
    ("patient.birth_date", "3"),
    ("patient.sex", "3"),
    ("patient.address", "5"),
    ("patient.relationship", "6"),
    ("patient", "2"),
    ("referring_provider.npi", "17b"),
    ("referring_provider", "17"),
    ("diagnoses", "21"),
    ("prior_authorization", "23"),
    ("lines[].from", "24A"),
    ("lines[].to", "24A"),
    ("lines[].place_of_service", "24B"),
    ("lines[].code", "24D"),
    ("lines[].modifiers", "24D"),
    ("lines[].pointers", "24E"),
    ("lines[].charge", "24F"),
    ("lines[].units", "24G"),
    ("lines[].minutes", "24G"),
    ("lines[].rendering_npi", "24J"),
    ("lines", "24"),
    ("tax_id", "25"),
    ("patient_account", "26"),
    ("accept_assignment", "27"),
    ("total_charge", "28"),
    ("rendering_provider.npi", "24J"),
    ("rendering_provider", "31"),
    ("billing_provider.npi", "33a"),
    ("billing_provider", "33"),
)


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why part of a claim file cannot be read."""
    item: str | None     # CMS-1500 item, or None for the file as a whole
    where: str           # e.g. "lines[0].units"
    message: str

    def __str__(self):
        if self.item is None:
            return self.message
        return f"item {self.item} ({self.where}): {self.message}"


class ClaimFileError(ValueError):
    """A claim that cannot be read; ``problems`` lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@functools.cache
def schema():
    """Return the claim's JSON Schema as a dict."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def item_for(where):
    """Return the CMS-1500 item for a place in a claim, e.g. ``24E`` for
    ``lines[0].pointers[1]``, or None for the claim as a whole.

    >>> item_for('lines[2].pointers[0]')
    '24E'
    >>> item_for('billing_provider.npi')
    '33a'
    """
    generic = re.sub(r"\[\d+\]", "[]", where)
    for prefix, item in ITEMS:
        if generic == prefix or generic.startswith((prefix + ".",
                                                    prefix + "[")):
            return item
    return None


def _where(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _problems(data):
    # Imported here: jsonschema pulls in format checkers that take a second
    # or more to load, which the npi and units commands should not pay.
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(data),
                        key=lambda e: list(map(str, e.absolute_path))):
        where = _where(error.absolute_path)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) -
                           set(error.schema.get("properties", {})))
            for key in extra:
                place = f"{where}.{key}".lstrip(".")
                yield Problem(item_for(place) if where else None, place,
                              f"unknown key {key!r}; check its spelling "
                              "against the claim schema")
            continue
        yield Problem(item_for(where) if where else None,
                      where or "claim", error.message)


def _normalized(data):
    data = copy.deepcopy(data)
    if "diagnoses" in data:
        data["diagnoses"] = [codes.compact_diagnosis(d)
                             for d in data["diagnoses"]]
    for line in data.get("lines", []):
        if "code" in line:
            line["code"] = line["code"].strip().upper()
        for key in ("modifiers", "pointers"):
            if key in line:
                line[key] = [v.strip().upper() for v in line[key]]
    return data


def parse(data):
    """Return a claim dict checked for shape and with codes stored as the
    contract says (ICD-10-CM without the dot, codes in upper case), or
    raise ClaimFileError listing every problem."""
    if not isinstance(data, dict):
        raise ClaimFileError([Problem(
            None, "claim", "a claim must be a JSON object ({...}), not "
            f"{type(data).__name__}")])
    problems = list(_problems(data))
    if problems:
        raise ClaimFileError(problems)
    return _normalized(data)


def loads(text):
    """Return the claim in a JSON text; see parse()."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClaimFileError([Problem(
            None, "claim", f"not valid JSON: {error.msg} at line "
            f"{error.lineno}, column {error.colno}")]) from None
    except RecursionError:
        raise ClaimFileError([Problem(
            None, "claim", "the JSON is nested too deeply to be a claim; "
            "check that the file is the claim you meant")]) from None
    return parse(data)


def load(path):
    """Return the claim in a JSON file; see parse()."""
    try:
        # utf-8-sig: a byte-order mark, as some editors write, is fine.
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise ClaimFileError([Problem(
            None, "claim", f"cannot read {path}: it is not UTF-8 text; "
            "save it as UTF-8 (plain JSON)")]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ClaimFileError([Problem(
            None, "claim", f"cannot read {path}: {reason}")]) from None
    return loads(text)


def dumps(data):
    """Return a claim as JSON text, two-space indented."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def empty():
    """Return a blank claim with every key present and one empty line."""
    name = {"last": "", "first": ""}
    address = {"street": "", "city": "", "state": "", "zip": ""}
    return {
        "coverage": "",
        "payer": {"name": "", "id": "", "address": dict(address),
                  "referral_required": False,
                  "prior_authorization_required": False,
                  "timely_filing_days": None},
        "insured": {"id": "", "name": dict(name), "group": "", "plan": "",
                    "address": dict(address), "birth_date": "", "sex": ""},
        "patient": {"name": dict(name), "birth_date": "", "sex": "",
                    "address": dict(address), "relationship": ""},
        "referring_provider": {"name": dict(name), "npi": "",
                               "qualifier": ""},
        "diagnoses": [],
        "prior_authorization": "",
        "lines": [empty_line()],
        "tax_id": {"type": "", "value": ""},
        "patient_account": "",
        "accept_assignment": True,
        "total_charge": "",
        "rendering_provider": {"name": dict(name), "credentials": "",
                               "npi": ""},
        "billing_provider": {"name": "", "npi": "", "taxonomy": "",
                             "address": dict(address), "phone": ""},
    }


def empty_line():
    """Return a blank service line (item 24)."""
    return {"from": "", "to": "", "place_of_service": "", "code": "",
            "modifiers": [], "pointers": [], "charge": "", "units": 1,
            "minutes": None, "rendering_npi": ""}
