"""The course's data files, loaded as pandas DataFrames or dicts.

The files live in ``datasets/`` at the top of the repository (the package
is installed in editable mode, so they are found next to ``src/``); set
``TRAINER_BILLING_DATASETS`` to read them from another folder. Every
column, its unit, source and year is described in ``datasets/README.md``.

Reference tables and their sources:

- ``rvus()``: CMS Physician Fee Schedule relative value units for the
  course's codes, CY2025 (RVU25A, January 2025 file) and CY2026 (RVU26C,
  July 2026 file), each row with its source and a ``verified`` flag.
- ``gpci()``: CMS geographic practice cost indices (Addendum E) for eight
  Medicare localities and the national 1.000 row; CY2025 verified, CY2026
  still empty and marked UNVERIFIED.
- ``conversion_factors()``: CY2024-CY2026 (FACTS.md section D).
- ``carc()``, ``rarc()``, ``group_codes()``: X12 claim adjustment reason
  codes, CMS remark codes and group codes, meanings in our own words.
- ``plans()``: nine payer plans; synthetic names and figures, real rules.

Synthetic story tables (``datasets/generate.py``, seed 7): ``clients()``,
``sessions()``, ``remittances()`` and ``story_claims()``. Every person,
NPI, member ID and policy in them is made up.

>>> sorted(plans())[:2]
['original_medicare', 'synthetic_advantage']
>>> table = rvus()
>>> table[(table.code == '97110') & (table.year == 2025)].mp_rvu.item()
0.01
"""

import csv
import json
import os
import pathlib


#: Environment variable that points at another datasets folder.
ENVIRONMENT_VARIABLE = "TRAINER_BILLING_DATASETS"


class DatasetsNotFound(FileNotFoundError):
    """The datasets folder or one of its files is missing."""


def datasets_dir():
    """Return the folder the data files are read from.

    ``TRAINER_BILLING_DATASETS`` wins; otherwise ``datasets/`` beside
    ``src/`` in the repository this package is installed from.
    """
    override = os.environ.get(ENVIRONMENT_VARIABLE)
    folder = pathlib.Path(override) if override else \
        pathlib.Path(__file__).resolve().parents[2] / "datasets"
    if not folder.is_dir():
        raise DatasetsNotFound(
            f"The datasets folder {folder} does not exist. Set "
            f"{ENVIRONMENT_VARIABLE} to the folder that holds plans.json "
            "and fee_schedule/, or reinstall the course in editable mode "
            "(pip install -e .).")
    return folder


def path(name):
    """Return the path of one data file, e.g. ``path('carc.csv')``."""
    file = datasets_dir() / name
    if not file.is_file():
        raise DatasetsNotFound(
            f"{file} is missing. Run 'python datasets/generate.py' to "
            "rebuild the synthetic files, or restore it from the "
            "repository.")
    return file


def _csv(name, text_columns=(), **options):
    import pandas as pd     # here, so the X12 readers load without it

    dtype = {column: str for column in text_columns}
    return pd.read_csv(path(name), dtype=dtype, keep_default_na=False,
                       na_values=[""], **options)


def code_column(name, column="label"):
    """Return {code: value of ``column``} from a code table such as
    ``carc.csv`` or ``rarc.csv``, read without pandas (the X12 readers
    and the denial rules use it).

    >>> code_column("carc.csv")["45"]
    'charge above the fee schedule or contracted rate'
    >>> code_column("carc.csv", "action")["50"]
    'appeal'
    """
    with open(path(name), newline="", encoding="utf-8") as table:
        return {row["code"]: row[column] for row in csv.DictReader(table)}


def clients():
    """Return the synthetic clients: one row per person (generated with
    Faker, seed 7; diagnoses are ICD-10-CM FY2026 codes)."""
    return _csv("clients.csv", ("client_id", "zip", "member_id",
                                "group_number", "referring_npi",
                                "diagnoses"))


def plans():
    """Return the payer plans as a dict keyed by plan id.

    Each plan carries the rules an eligibility check needs: benefits
    (codes, diagnoses, provider types, referral, prior authorization,
    session caps, ages), timely filing and cost share. Synthetic plans
    have invented figures; their mechanisms follow FACTS.md (sections 1.1,
    I, K and M), cited in each plan's ``sources``.
    """
    with path("plans.json").open(encoding="utf-8") as handle:
        return {plan["id"]: plan for plan in json.load(handle)["plans"]}


def rvus():
    """Return the CMS fee-schedule RVUs for the course's codes.

    Columns: code, year, work_rvu, pe_nonfacility_rvu, pe_facility_rvu,
    mp_rvu, total_nonfacility_rvu, facility_na, release, source, verified,
    note. CY2025 from CMS RVU25A; CY2026 from CMS RVU26C (July 2026).
    """
    return _csv("fee_schedule/rvus.csv", ("code",))


def gpci():
    """Return the CMS GPCIs (work, PE, MP) per locality and year.

    CY2025 from CMS Addendum E (GPCI2025, work GPCI with the 1.0 floor).
    CY2026 rows are empty and ``verified == 'no'``: no public copy of the
    CY2026 file was found (see datasets/README.md).
    """
    return _csv("fee_schedule/gpci.csv", ("mac", "locality_number"))


def conversion_factors():
    """Return the Medicare conversion factors, CY2024-CY2026 (FACTS.md
    section D); CY2026 has one for qualifying APM participants and one for
    everyone else."""
    return _csv("fee_schedule/conversion_factors.csv")


def carc():
    """Return the claim adjustment reason codes the course uses (X12 list,
    meanings in our own words; FACTS.md section H)."""
    return _csv("carc.csv", ("code",))


def rarc():
    """Return the remittance advice remark codes the course uses (CMS
    list, meanings in our own words; sources per row)."""
    return _csv("rarc.csv", ("code", "usual_carcs"))


def group_codes():
    """Return the four claim adjustment group codes: CO, PR, OA, PI."""
    return _csv("group_codes.csv")


def sessions():
    """Return the synthetic session log: one row per service in a visit
    (therapy codes with minutes) or per training session."""
    return _csv("sessions.csv", ("session_id", "visit_id", "client_id",
                                 "provider_npi", "code", "claim_id",
                                 "place_of_service"))


def remittances():
    """Return the synthetic remittances: one row per adjustment on a
    claim line (a line paid in full has one row with no adjustment).

    For every claim line, billed - paid = the sum of its adjustments.
    """
    return _csv("remittances.csv", ("claim_id", "carc", "rarc", "code",
                                    "check_number"))


def story_claims():
    """Return the story's claims: a list of (entry, claim) pairs, where
    entry is the claim's row in ``claims/story/index.json`` (submitted
    date, whether it is meant to pass the checker, the rules it breaks)
    and claim is the CMS-1500 claim dict."""
    folder = path("claims/story/index.json").parent
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return [(entry, json.loads((folder / entry["file"]).read_text(
        encoding="utf-8"))) for entry in index["claims"]]
