"""The denial helper widget, driven through its controls."""

import pytest

from trainer_billing import denials
from trainer_billing.widgets.denial_helper import DenialHelper

TRAINER = "Trainer billed 97110 (Peak Form)"
SAMPLE = "Sample PT claim (97110, 97530)"


@pytest.fixture
def helper():
    return DenialHelper(group="CO", carc="50")


def test_starts_with_co_50_and_a_letter(helper):
    assert helper.claim_field.value == SAMPLE
    result = helper.shown_text("result")
    assert "CO-50" in result
    assert denials.explain("CO", "50").carc_meaning in result
    assert "Appeal: yes" in result
    assert helper.letter_field.value.startswith("DRAFT")
    assert "Dana Okafor" in helper.letter_field.value


def test_pr_2_patient_owes_and_no_letter(helper):
    helper.set_codes("PR", "2")
    result = helper.shown_text("result")
    assert "Who owes: The patient." in result
    assert "You may bill the patient" in result
    assert "Bill the patient" in result
    assert helper.letter_field.value == ""
    assert "No letter" in helper.shown_text("letter_note")


def test_trainer_185_says_do_not_appeal_and_gives_routes(helper):
    helper.claim_field.value = TRAINER
    helper.carc_field.value = "185"
    result = helper.shown_text("result")
    assert "Do not appeal" in result
    assert "MDPP" in result and "S9451" in result
    assert helper.letter == ""
    assert "Do not appeal" in helper.shown_text("letter_note")


def test_medicare_timely_filing(helper):
    helper.payer_field.value = "medicare"
    helper.carc_field.value = "29"
    assert "not an appealable initial determination" in \
        helper.shown_text("result")
    assert helper.letter == ""


def test_note_goes_into_the_letter(helper):
    helper.note_assessment.value = "Knee flexion 95 to 110 degrees"
    helper.note_date.value = "2026-11-10"
    assert "Assessment: Knee flexion 95 to 110 degrees" in helper.letter
    assert helper.note() == {"date": "2026-11-10",
                             "assessment": "Knee flexion 95 to 110 "
                                           "degrees"}


@pytest.mark.parametrize("field, text, words", [
    ("group", "ZZ", "not a group code"),
    ("carc", "CO-45", "group field"),
    ("carc", "999", "not in the course's table"),
    ("rarc", "X12", "remark code"),
])
def test_bad_code_shows_beside_its_field(helper, field, text, words):
    control = getattr(helper, f"{field}_field")
    control.value = text
    assert control.value == text
    assert words in helper.shown_text(f"{field}_error")
    for other in {"group", "carc", "rarc"} - {field}:
        assert helper.shown_text(f"{other}_error") == ""
    assert helper.explanation is None
    assert helper.shown_text("result") == ""
    assert "Fix the code" in helper.shown_text("status")
    control.value = {"group": "CO", "carc": "50", "rarc": ""}[field]
    assert helper.shown_text(f"{field}_error") == ""
    assert helper.explanation.carc == "50"


def test_rarc_adds_its_meaning(helper):
    helper.set_codes(carc="16", rarc="m127")
    result = helper.shown_text("result")
    assert "Remark M127" in result
    assert helper.explanation.action == "send_records"


def test_no_claims_still_explains():
    helper = DenialHelper(claims={}, group="CO", carc="50")
    assert "CO-50" in helper.shown_text("result")
    assert "No claim" in helper.shown_text("letter_note")
