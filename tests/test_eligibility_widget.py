"""The eligibility checker widget, driven through its controls."""

import datetime

import pytest

from trainer_billing.widgets.eligibility_checker import (
    TYPED, EligibilityChecker)

ON = datetime.date(2026, 3, 1)


@pytest.fixture(scope="module")
def fresh():
    def make(**kwargs):
        return EligibilityChecker(on=ON, **kwargs)
    return make


def test_picking_a_client_fills_the_fields_and_the_plan(fresh):
    checker = fresh()
    checker.set_field("client", "C026")
    assert checker.control("plan").value == "synthetic_shield_hmo"
    assert checker.control("visits_used").value == "18"
    assert checker.control("birth_date").value == "1999-05-24"
    assert "M17.12" not in checker.control("diagnoses").value
    assert "Z47.1" in checker.control("diagnoses").value


def test_pt_on_hmo_shows_covered_with_referral_and_rule(fresh):
    checker = fresh(client_id="C026")
    checker.set_field("provider_type", "physical_therapist")
    checker.set_field("code", "97110")
    shown = checker.shown_text()
    assert checker.decision.status == "covered"
    assert "Can be covered" in shown and "2 visits left" in shown
    assert "referral" in shown.lower()
    assert "synthetic_shield_hmo.benefits[outpatient_physical_therapy]" \
        ".referral_required" in shown
    checker.set_field("visits_used", "20")
    assert checker.decision.status == "not_covered"
    assert "0 visits left" in checker.shown_text()
    assert "Honest routes" in checker.shown_text()


def test_medicare_trainer_s9451_not_covered_with_routes(fresh):
    checker = fresh(client_id="C001")
    checker.set_field("code", "S9451")
    checker.set_field("provider_type", "personal_trainer")
    shown = checker.shown_text()
    assert "Not covered" in shown
    assert "original_medicare.exclusions" in shown
    for route in ("Superbill with S9451", "HSA/FSA", "MDPP",
                  "Auxiliary personnel", "Cash"):
        assert route in shown


@pytest.mark.parametrize("field,text", [
    ("visits_used", "-3"), ("age", "abc"), ("birth_date", "03/05/1956"),
    ("diagnoses", "E66.9X9"), ("code", "12345")])
def test_bad_input_shows_beside_its_field_and_is_kept(fresh, field, text):
    checker = fresh(client_id="C018")
    checker.set_field(field, text)
    assert checker.has_error(field), checker.message(field)
    assert checker.message(field).startswith("\u2716")
    assert checker.control(field).value == text
    assert checker.decision is None
    assert "beside it" in checker.shown_text()
    others = [f for f in ("visits_used", "age", "diagnoses", "code")
              if f != field]
    assert not any(checker.has_error(f) for f in others)


def test_typed_plan_rules_and_a_bad_cap(fresh):
    checker = fresh()
    checker.set_field("age", "50")
    checker.set_field("plan", TYPED)
    checker.set_field("plan_codes", "97110")
    checker.set_field("plan_provider_types", ("physical_therapist",))
    checker.set_field("plan_session_cap", "10")
    checker.set_field("visits_used", "4")
    checker.set_field("provider_type", "physical_therapist")
    checker.set_field("code", "97110")
    assert checker.decision.status == "covered"
    assert checker.decision.visits_left == 6
    assert "typed by the user" in checker.shown_text()
    checker.set_field("plan_session_cap", "ten")
    assert checker.has_error("plan_session_cap")
    assert checker.decision is None
    checker.set_field("plan_session_cap", "")
    checker.set_field("plan_provider_types", ())
    assert checker.has_error("plan_provider_types")


def test_271_answer_fills_visits_left(fresh):
    checker = fresh(client_id="C018")
    checker.set_field("provider_type", "physical_therapist")
    checker.set_field("eligibility", "active commercial")
    assert checker.decision.visits_left == 12
    assert "active coverage" in checker.message("eligibility")
    checker.set_field("eligibility", "inactive")
    assert checker.decision.status == "not_covered"
