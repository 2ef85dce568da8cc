"""The course's datasets: dictionary, generator, story claims, codes."""

import csv
import datetime
import decimal
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from trainer_billing import claim, codes, datasets, npi, scrub

DATA = ROOT / "datasets"
README = (DATA / "README.md").read_text(encoding="utf-8")
CSV_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.csv")
                   if "x12" not in p.parts)
PLAN_RULES = ("id", "name", "plan_type", "synthetic", "payer", "coverage",
              "claim_route", "covers_personal_training", "referral_required",
              "prior_authorization_required", "age_min", "age_max",
              "session_cap", "session_cap_period", "timely_filing_days",
              "timely_filing_rule", "unit_method", "cost_share", "benefits",
              "exclusions", "unverified", "sources")
BENEFIT_RULES = ("service", "codes", "diagnoses", "provider_types",
                 "referral_required", "prior_authorization_required",
                 "session_cap", "session_cap_period", "age_min", "age_max",
                 "notes")


def dictionary_section(name):
    """Return the README text from the heading naming ``name`` to the next
    heading of the same level."""
    match = re.search(rf"^### `{re.escape(name)}`.*?(?=^### |\Z)", README,
                      re.S | re.M)
    assert match, f"datasets/README.md has no section for {name}"
    return match.group(0)


@pytest.mark.parametrize("name", CSV_FILES)
def test_dictionary_names_every_column(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    section = dictionary_section(name)
    missing = [c for c in header if f"`{c}`" not in section]
    assert not missing, f"{name}: columns not described: {missing}"


def test_dictionary_names_every_plan_field_and_claim_index_key():
    section = dictionary_section("plans.json")
    for field in PLAN_RULES + BENEFIT_RULES:
        assert f"`{field}`" in section, field
    index = json.loads((DATA / "claims/story/index.json").read_text())
    section = dictionary_section("claims/story/")
    for key in index["claims"][0]:
        assert f"`{key}`" in section, key


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(DATA / "generate.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True)
    written = sorted(p.relative_to(tmp_path).as_posix()
                     for p in tmp_path.rglob("*") if p.is_file())
    assert "clients.csv" in written and "claims/story/index.json" in written
    for name in written:
        assert (tmp_path / name).read_bytes() == \
            (DATA / name).read_bytes(), f"{name} differs from the repo"
    committed = sorted(p.relative_to(DATA).as_posix()
                       for p in (DATA / "claims/story").glob("*.json"))
    assert committed == [n for n in written if n.startswith("claims/")]


def test_other_seed_gives_other_people():
    sys.path.insert(0, str(DATA))
    try:
        import generate
    finally:
        sys.path.remove(str(DATA))
    assert generate.files(seed=8)["clients.csv"] != \
        (DATA / "clients.csv").read_text(encoding="utf-8")


STORY = datasets.story_claims()


@pytest.mark.parametrize("entry,story_claim", STORY,
                         ids=[e["claim_id"] for e, _ in STORY])
def test_story_claim_checks_as_expected(entry, story_claim):
    loaded = claim.load(DATA / "claims/story" / entry["file"])
    today = datetime.date.fromisoformat(entry["submitted"])
    findings = scrub.check(loaded, today=today)
    errors = sorted({f.rule for f in scrub.errors(findings)})
    assert errors == entry["expected_errors"]
    assert entry["expected_valid"] == (not errors)


def test_story_has_valid_and_flawed_claims():
    valid = [e for e, _ in STORY if e["expected_valid"]]
    flawed = {e["flaw"] for e, _ in STORY if not e["expected_valid"]}
    assert len(valid) >= 50
    assert flawed == {"prior-auth-missing", "timely-filing",
                      "referring-npi-missing", "trainer-bills-therapy"}


def test_every_client_diagnosis_is_billable():
    for row in datasets.clients().itertuples():
        for code in row.diagnoses.split(";"):
            found = codes.diagnosis(code)
            assert found is not None and found.billable, (row.client_id,
                                                          code)


def test_every_npi_passes_the_check_digit():
    numbers = set(datasets.clients().referring_npi)
    numbers |= set(datasets.sessions().provider_npi.dropna())
    for _, story_claim in STORY:
        numbers.add(story_claim["billing_provider"]["npi"])
        numbers.add(story_claim["referring_provider"]["npi"])
        numbers |= {line["rendering_npi"] for line in story_claim["lines"]}
    numbers.discard("")
    assert len(numbers) >= 8
    for number in numbers:
        assert npi.is_valid(number), number
        assert number.startswith("10000"), "use obviously fictitious NPIs"


def test_sessions_and_claims_tell_one_story():
    sessions = datasets.sessions()
    clients = set(datasets.clients().client_id)
    assert set(sessions.client_id) <= clients
    claim_ids = {e["claim_id"] for e, _ in STORY}
    billed = set(sessions.claim_id.dropna())
    assert billed == claim_ids
    for entry, story_claim in STORY:
        dates = set(sessions[sessions.claim_id == entry["claim_id"]].date)
        assert {line["from"] for line in story_claim["lines"]} == dates


def cents(value):
    return decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))


def test_remittances_balance_and_match_claims():
    remits = datasets.remittances()
    charges = {(e["claim_id"], n): decimal.Decimal(line["charge"])
               for e, c in STORY for n, line in enumerate(c["lines"], 1)}
    assert set(zip(remits.claim_id, remits.line)) == set(charges)
    for (claim_id, line), rows in remits.groupby(["claim_id", "line"]):
        billed = cents(rows.billed.iloc[0])  # the loader gives floats
        paid = cents(rows.paid.iloc[0])
        adjusted = sum(cents(a) for a in rows.adjustment)
        assert billed == charges[(claim_id, line)]
        assert billed - paid == adjusted, (claim_id, line)
    assert set(remits.carc.dropna()) <= set(datasets.carc().code)
    assert set(remits.rarc.dropna()) <= set(datasets.rarc().code)
    assert set(remits.group.dropna()) <= set(datasets.group_codes().group)
    flawed = {e["claim_id"] for e, _ in STORY if not e["expected_valid"]}
    statuses = remits.groupby("claim_id").claim_status.first()
    assert all(statuses[c] == "denied" for c in flawed)


def test_plans_have_every_rule_field():
    plans = datasets.plans()
    kinds = {p["plan_type"] for p in plans.values()}
    assert {"medicare_ffs", "medicare_advantage", "medicaid",
            "commercial_ppo", "commercial_hmo", "employer_wellness",
            "hsa_fsa", "workers_comp"} <= kinds
    for plan_id, plan in plans.items():
        for field in PLAN_RULES:
            assert field in plan, (plan_id, field)
        assert plan["benefits"], plan_id
        for benefit in plan["benefits"]:
            for field in BENEFIT_RULES:
                assert field in benefit, (plan_id, benefit["service"],
                                          field)
        if plan["synthetic"]:
            assert "Synthetic" in plan["name"]


def test_original_medicare_does_not_cover_personal_training():
    medicare = datasets.plans()["original_medicare"]
    assert medicare["covers_personal_training"] == "no"
    assert "personal training" in medicare["exclusions"]
    therapy = next(b for b in medicare["benefits"]
                   if b["service"] == "outpatient_physical_therapy")
    assert "personal_trainer" not in therapy["provider_types"]


def test_loaders_return_frames_and_env_override(tmp_path, monkeypatch):
    for loader in (datasets.clients, datasets.rvus, datasets.gpci,
                   datasets.conversion_factors, datasets.carc,
                   datasets.rarc, datasets.group_codes, datasets.sessions,
                   datasets.remittances):
        assert len(loader()) > 0, loader.__name__
    monkeypatch.setenv(datasets.ENVIRONMENT_VARIABLE, str(tmp_path))
    with pytest.raises(datasets.DatasetsNotFound, match="missing"):
        datasets.carc()
    monkeypatch.setenv(datasets.ENVIRONMENT_VARIABLE,
                       str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DatasetsNotFound, match="does not exist"):
        datasets.datasets_dir()
