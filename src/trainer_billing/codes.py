"""Code sets a claim uses: ICD-10-CM diagnoses, the course's CPT/HCPCS
procedures, modifiers and provider taxonomies.

ICD-10-CM (item 21) is maintained by CDC/NCHS and CMS and is public
domain; we read it through simple-icd-10-cm 1.5.0, which carries the
April 1, 2026 release (fiscal year 2026, updated each October 1). A code
is billable only when nothing hangs below it in the tabular list.

CPT codes are AMA copyright: the table in ``data/procedures.csv`` gives
code numbers with the course's own one-line summaries, never the AMA
descriptors. HCPCS Level II codes (G-, S-, A-codes) are published by CMS.

Taxonomy codes (NUCC, AMA copyright) are listed by number with our own
names; there is no taxonomy for "personal trainer".

>>> diagnosis('M54.5').billable
False
>>> diagnosis(' m54.50 ').title
'Low back pain, unspecified'
>>> procedure('97110').billed_by
('therapist', 'physician')
"""

import csv
import dataclasses
import functools
import importlib.resources
import re
import warnings

#: The ICD-10-CM release that diagnosis() reads.
ICD10CM_RELEASE = "ICD-10-CM April 1, 2026 (FY2026)"

#: Provider classes that count as therapists for therapy codes.
THERAPISTS = ("physical_therapist", "occupational_therapist")


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    """An ICD-10-CM code with its title and whether a claim may carry it."""
    code: str        # without the dot, as stored on a claim
    dotted: str      # with the dot, as people write it
    title: str
    billable: bool


@dataclasses.dataclass(frozen=True)
class Procedure:
    """A CPT or HCPCS code from the course's table."""
    code: str
    system: str          # "CPT" or "HCPCS"
    summary: str         # our own words
    timed: bool          # billed in 15-minute units
    billed_by: tuple     # provider classes, "therapist" or "any"
    valid_from: str      # ISO date or ""
    valid_to: str        # ISO date or ""
    note: str


@dataclasses.dataclass(frozen=True)
class Taxonomy:
    """A provider taxonomy code and the class of provider it names."""
    code: str
    provider_class: str
    name: str


def compact_diagnosis(code):
    """Return an ICD-10-CM code as a claim stores it: upper case, no dot.

    >>> compact_diagnosis(' m54.50 ')
    'M5450'
    """
    return "".join(str(code).split()).replace(".", "").upper()


@functools.cache
def _icd():
    # Imported on first use: loading the code set takes about 1.5 s. Its
    # loader uses deprecated importlib.resources calls; that is its
    # business, not the reader's, so the warnings are kept quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm
    return simple_icd_10_cm


def diagnosis(code):
    """Return the Diagnosis for an ICD-10-CM code, or None if the code is
    not in the code set. Accepts ``M54.50``, ``M5450`` and `` m54.50 ``."""
    compact = compact_diagnosis(code)
    if not compact.isalnum() or not 3 <= len(compact) <= 7:
        return None
    icd = _icd()
    if not icd.is_valid_item(compact):
        return None
    return Diagnosis(
        code=compact,
        dotted=icd.add_dot(compact),
        title=icd.get_description(compact),
        billable=icd.is_leaf(compact),
    )


def billable_below(code):
    """Return the billable codes under a category or subcategory, dotted.

    >>> billable_below('M54.5')
    ['M54.50', 'M54.51', 'M54.59']
    """
    icd = _icd()
    compact = compact_diagnosis(code)
    if not icd.is_valid_item(compact):
        return []
    return [icd.add_dot(c) for c in icd.get_descendants(compact)
            if icd.is_leaf(c)]


def _rows(name):
    source = importlib.resources.files("trainer_billing") / "data" / name
    with source.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def procedures():
    """Return the course's CPT/HCPCS table as a dict keyed by code."""
    table = {}
    for row in _rows("procedures.csv"):
        table[row["code"]] = Procedure(
            code=row["code"],
            system=row["system"],
            summary=row["summary"],
            timed=row["timed"] == "yes",
            billed_by=tuple(row["billed_by"].split(";")),
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            note=row["note"],
        )
    return table


def procedure(code):
    """Return the Procedure for a CPT/HCPCS code, or None if the course's
    table does not have it."""
    return procedures().get(str(code).strip().upper())


@functools.cache
def _taxonomy_prefixes():
    rows = _rows("taxonomies.csv")
    # Longest prefix first, so a full code wins over its group.
    return sorted(rows, key=lambda r: -len(r["prefix"]))


def taxonomy(code):
    """Return the Taxonomy for a provider taxonomy code, or None when the
    course's table does not know it.

    >>> taxonomy('225100000X').provider_class
    'physical_therapist'
    >>> taxonomy('224Y00000X').name
    'Clinical exercise physiologist'
    """
    code = str(code).strip().upper()
    if len(code) != 10 or not code.isalnum() or not code.isascii():
        return None
    for row in _taxonomy_prefixes():
        if code.startswith(row["prefix"]):
            return Taxonomy(code, row["provider_class"], row["name"])
    return None


def may_bill(procedure_code, provider_class):
    """Return True if the table lets a provider class bill a code.

    ``"therapist"`` in the table stands for any class in THERAPISTS.

    >>> may_bill('97110', 'physical_therapist')
    True
    >>> may_bill('97110', 'exercise_physiologist')
    False
    """
    entry = procedure(procedure_code)
    if entry is None:
        return False
    allowed = set(entry.billed_by)
    if "any" in allowed:
        return True
    if "therapist" in allowed:
        allowed.update(THERAPISTS)
    return provider_class in allowed


def billers(procedure_code):
    """Return, in words, who may bill a code from the course's table.

    >>> billers('97110')
    'licensed physical or occupational therapists and physicians'
    """
    words = {
        "therapist": "licensed physical or occupational therapists",
        "physical_therapist": "licensed physical therapists",
        "physician": "physicians",
        "any": "any provider the payer accepts",
    }
    entry = procedure(procedure_code)
    if entry is None:
        return "no one known to the course's table"
    return " and ".join(words.get(b, b) for b in entry.billed_by)


@functools.cache
def modifiers():
    """Return the course's modifier table: modifier -> our summary."""
    return {r["modifier"]: r["summary"] for r in _rows("modifiers.csv")}


@functools.cache
def places_of_service():
    """Return the CMS place-of-service codes: code -> name.

    >>> places_of_service()['11']
    'Office'
    """
    return {r["code"]: r["name"] for r in _rows("places_of_service.csv")}


@dataclasses.dataclass(frozen=True)
class DiagnosisChange:
    """A dated change to the ICD-10-CM code set.

    ``change`` is ``"split"`` (the code stopped being billable on
    ``effective`` and ``codes`` replace it) or ``"new"`` (the code exists
    from ``effective``; before that, ``codes`` was used).
    """
    code: str
    change: str
    effective: str
    codes: tuple
    source: str


@functools.cache
def diagnosis_changes():
    """Return the course's table of dated ICD-10-CM changes, keyed by the
    compact code (no dot)."""
    return {
        compact_diagnosis(r["code"]): DiagnosisChange(
            r["code"], r["change"], r["effective"],
            tuple(r["codes"].split(";")), r["source"])
        for r in _rows("icd10_changes.csv")
    }


#: First day of ICD-10-CM on US claims.
ICD10_START = "2015-10-01"


def looks_like_icd9(code):
    """Return True if a code has the shape of an ICD-9-CM diagnosis and is
    not an ICD-10-CM code: 3 digits with up to 2 decimals (250.00), or a
    V-code (V65.41) or E-code (E849.0) that ICD-10-CM does not have.

    >>> [looks_like_icd9(c) for c in ('250.00', 'V65.41', 'E66.9', 'M54.50')]
    [True, True, False, False]
    """
    text = str(code).strip().upper()
    compact = compact_diagnosis(text)
    if re.fullmatch(r"\d{3}(\.\d{1,2})?", text) or \
            re.fullmatch(r"\d{3,5}", compact):
        return True
    if re.fullmatch(r"V\d{2}(\.\d{1,2})?|E\d{3}(\.\d)?", text) or \
            re.fullmatch(r"V\d{2,4}|E\d{3,4}", compact):
        return diagnosis(compact) is None
    return False


def is_therapy(procedure_code):
    """Return True for the table's therapy codes (billed by therapists).

    >>> is_therapy('97530'), is_therapy('S9451')
    (True, False)
    """
    entry = procedure(procedure_code)
    return entry is not None and bool(
        {"therapist", "physical_therapist"} & set(entry.billed_by))
