"""The eligibility library: right decisions, routes and rules."""

import datetime

import pytest

from trainer_billing import datasets, eligibility, x271
from trainer_billing.eligibility import check

ROOT = datasets.datasets_dir()
PLANS = datasets.plans()
CLIENTS = datasets.clients().set_index("client_id")


def _x271(name):
    return x271.read_271((ROOT / "x12" / name).read_text())


def test_original_medicare_trainer_s9451_not_covered_with_honest_routes():
    d = check({"age": 70, "diagnoses": "M17.11; E11.9", "visits_used": 0},
              PLANS["original_medicare"], "S9451", "personal_trainer")
    assert d.status == "not_covered" and not d.covered
    assert d.reasons[0].key == "excluded"
    assert d.reasons[0].rule.field == "original_medicare.exclusions"
    assert "claim 4" in d.reasons[0].rule.source
    routes = {r.key: r for r in d.alternatives}
    assert set(routes) == {"superbill_s9451", "hsa_fsa_lmn", "mdpp",
                           "auxiliary_personnel", "cash"}
    assert routes["superbill_s9451"].fits is False  # Medicare: no S-codes
    assert routes["hsa_fsa_lmn"].fits is True       # E11.9 is a disease
    assert routes["cash"].fits is True
    assert d.route.key == "hsa_fsa_lmn"


def test_medicare_personal_training_not_covered_whatever_the_code():
    d = check({"age": 72, "diagnoses": "M17.11"}, PLANS["original_medicare"],
              "97110", "personal_trainer")
    assert d.status == "not_covered"


def test_medicare_pt_97110_covered_with_referral_and_kx_note():
    d = check(CLIENTS.loc["C001"], PLANS["original_medicare"], "97110",
              "physical_therapist")
    assert d.status == "covered"
    assert d.benefit == "outpatient_physical_therapy"
    keys = [f.key for f in d.requirements]
    assert "referral" in keys and "kx_threshold" in keys
    assert "prior_authorization" not in keys


def test_pt_97110_on_the_ppo_is_covered_without_referral():
    d = check(CLIENTS.loc["C018"], PLANS["synthetic_mutual_ppo"], "97110",
              "physical_therapist")
    assert d.status == "covered"
    assert d.route.key == "cms1500"
    assert d.visits_left == 30
    keys = [f.key for f in d.requirements]
    assert "referral" not in keys and "prior_authorization" not in keys
    assert d.reasons[0].rule.field == \
        "synthetic_mutual_ppo.benefits[outpatient_physical_therapy]"


def test_hmo_needs_referral_and_prior_authorization():
    d = check(CLIENTS.loc["C027"], PLANS["synthetic_shield_hmo"], "97110",
              "physical_therapist")
    assert d.status == "covered"
    by_key = {f.key: f for f in d.requirements}
    assert by_key["referral"].met is None
    assert by_key["referral"].rule.field.endswith(".referral_required")
    assert "prior_authorization" in by_key
    assert "item 23" in by_key["prior_authorization"].text


def test_visit_cap_reached_is_not_covered_with_zero_left():
    client = dict(CLIENTS.loc["C026"], visits_used=20)
    d = check(client, PLANS["synthetic_shield_hmo"], "97110",
              "physical_therapist")
    assert d.status == "not_covered"
    assert d.visits_left == 0
    assert [f.key for f in d.reasons] == ["visits_left"]
    assert "session_cap" in d.reasons[0].rule.field


def test_story_client_c026_has_two_visits_left():
    d = check(CLIENTS.loc["C026"], PLANS["synthetic_shield_hmo"], "97110",
              "physical_therapist")
    assert d.visits_left == 2


def test_trainer_cannot_bill_therapy_code_on_ppo_and_gets_s9451_route():
    d = check(CLIENTS.loc["C018"], PLANS["synthetic_mutual_ppo"], "97110",
              "personal_trainer")
    assert d.status == "not_covered"
    assert "who_may_bill" in [f.key for f in d.reasons]
    assert d.route.key == "superbill_s9451"     # C018 has I10


def test_ppo_rider_pays_s9451_with_qualifying_diagnosis_and_referral():
    d = check(CLIENTS.loc["C018"], PLANS["synthetic_mutual_ppo"], "S9451",
              "personal_trainer")
    assert d.status == "covered"
    assert d.benefit == "exercise_class_wellness_rider"
    assert d.visits_left == 12
    assert "referral" in [f.key for f in d.requirements]


def test_ppo_rider_refuses_without_a_listed_diagnosis():
    d = check(CLIENTS.loc["C020"], PLANS["synthetic_mutual_ppo"], "S9451",
              "personal_trainer")   # M81.0 only
    assert d.status == "not_covered"
    assert "diagnosis" in [f.key for f in d.reasons]


def test_hsa_needs_letter_of_medical_necessity():
    d = check(CLIENTS.loc["C036"], PLANS["synthetic_hsa_fsa"], "S9451",
              "personal_trainer")
    assert d.status == "covered"
    assert d.route.key == "member_reimbursement"
    lmn = [f for f in d.requirements
           if f.key == "letter_of_medical_necessity"]
    assert lmn and "FACTS.md K" in lmn[0].rule.source


def test_hsa_refuses_training_without_a_diagnosed_disease():
    d = check({"age": 30, "diagnoses": "Z72.3"}, PLANS["synthetic_hsa_fsa"],
              "S9451", "personal_trainer")
    assert d.status == "not_covered"
    routes = {r.key: r.fits for r in d.alternatives}
    assert routes["hsa_fsa_lmn"] is False


def test_wellness_program_age_limit():
    plan = PLANS["synthetic_works_wellness"]
    assert check({"age": 40}, plan, "S9451", "personal_trainer").covered
    young = check({"age": 17}, plan, "S9451", "personal_trainer")
    assert young.status == "not_covered"
    assert [f.key for f in young.reasons] == ["age"]


def test_age_from_birth_date_on_a_given_day():
    client = {"birth_date": "2008-06-01", "diagnoses": ""}
    plan = PLANS["synthetic_works_wellness"]
    assert not check(client, plan, "S9451", "personal_trainer",
                     on=datetime.date(2026, 5, 31)).covered
    assert check(client, plan, "S9451", "personal_trainer",
                 on=datetime.date(2026, 6, 1)).covered


def test_mdpp_fits_a_medicare_client_with_prediabetes():
    d = check({"age": 68, "diagnoses": "R73.03"}, PLANS["original_medicare"],
              "S9451", "personal_trainer")
    assert {r.key: r.fits for r in d.alternatives}["mdpp"] is None
    d = check({"age": 68, "diagnoses": "I10"}, PLANS["original_medicare"],
              "S9451", "personal_trainer")
    assert {r.key: r.fits for r in d.alternatives}["mdpp"] is False


def test_inactive_271_stops_coverage():
    d = check(CLIENTS.loc["C018"], PLANS["synthetic_mutual_ppo"], "97110",
              "physical_therapist", eligibility=_x271("271_inactive.271"))
    assert d.status == "not_covered"
    assert d.reasons[0].rule.field == "271 EB01"
    assert d.route.key != "superbill_s9451"


def test_active_271_fills_visits_left_and_authorization():
    d = check(CLIENTS.loc["C018"], PLANS["synthetic_mutual_ppo"], "97110",
              "physical_therapist",
              eligibility=_x271("271_active_commercial.271"))
    assert d.status == "covered"
    assert d.visits_left == 12
    auth = [f for f in d.requirements if f.key == "prior_authorization"]
    assert auth and auth[0].rule.field == "271 EB11 authorization required"


def test_typed_plan_rules():
    plan = eligibility.typed_plan(
        codes_text="97110", provider_types=["physical_therapist"],
        referral_required=True, session_cap="10")
    d = check({"age": 50, "visits_used": 3}, plan, "97110",
              "physical_therapist")
    assert d.status == "covered" and d.visits_left == 7
    assert d.requirements[-1].rule.source == "typed by the user"
    d = check({"age": 50, "visits_used": 10}, plan, "97110",
              "physical_therapist")
    assert d.status == "not_covered" and d.visits_left == 0


@pytest.mark.parametrize("field,kwargs", [
    ("plan_session_cap", {"session_cap": "ten"}),
    ("plan_age_min", {"age_min": "-1"}),
    ("plan_codes", {"codes_text": "12345"}),
    ("plan_provider_types", {"provider_types": []}),
    ("plan_diagnoses", {"diagnoses_text": "banana!"}),
])
def test_typed_plan_bad_rules_name_their_field(field, kwargs):
    args = {"codes_text": "97110", "provider_types": ["physical_therapist"]}
    args.update(kwargs)
    with pytest.raises(eligibility.InvalidPlanRules) as info:
        eligibility.typed_plan(**args)
    assert info.value.field == field


@pytest.mark.parametrize("parse,text,field", [
    (eligibility.parse_visits_used, "-3", "visits_used"),
    (eligibility.parse_visits_used, "two", "visits_used"),
    (eligibility.parse_age, "abc", "age"),
    (eligibility.parse_age, "200", "age"),
    (eligibility.parse_birth_date, "1956-13-40", "birth_date"),
    (eligibility.parse_diagnoses, "E66.9X9", "diagnoses"),
])
def test_bad_client_fields_raise_with_their_field(parse, text, field):
    with pytest.raises(eligibility.InvalidClientField) as info:
        parse(text)
    assert info.value.field == field


def test_unknown_code_and_provider_type():
    with pytest.raises(eligibility.InvalidService) as info:
        check({"age": 40}, PLANS["synthetic_mutual_ppo"], "12345",
              "physical_therapist")
    assert info.value.field == "code"
    with pytest.raises(eligibility.InvalidService) as info:
        check({"age": 40}, PLANS["synthetic_mutual_ppo"], "97110", "yogi")
    assert info.value.field == "provider_type"


@pytest.mark.parametrize("cid", sorted(CLIENTS.index))
def test_every_story_client_gets_a_decision_with_rules(cid):
    client = CLIENTS.loc[cid]
    for kind in ("personal_trainer", "physical_therapist"):
        d = check(client, PLANS[client.plan_id], "97110", kind)
        assert d.status in ("covered", "not_covered")
        assert d.rules(), "every decision names a rule"
