"""The denial helper's library: meanings from the code tables, who owes
what by group code, the next action, and the appeal letter (FACTS.md H,
I and 1.1 claim 3)."""

import json
from pathlib import Path

import pytest

from trainer_billing import datasets, denials
from trainer_billing.denials import (InvalidCode, NotAppealable,
                                     UnknownCARC, UnknownGroup, UnknownRARC,
                                     appeal_letter, explain)

ROOT = Path(__file__).resolve().parents[1]
TRAINER = ROOT / "datasets" / "claims" / "invalid" / \
    "therapy_code_by_trainer.json"


@pytest.fixture
def trainer_claim():
    return json.loads(TRAINER.read_text(encoding="utf-8"))


def test_meanings_come_from_the_tables():
    table = datasets.carc().set_index("code")
    found = explain("CO", "45")
    assert found.carc_meaning == table.loc["45", "meaning"]
    assert found.steps[0] == table.loc["45", "next_step"]
    assert found.group_name == "Contractual obligation"
    remark = explain("CO", "16", "M127")
    assert remark.rarc_meaning == \
        datasets.rarc().set_index("code").loc["M127", "meaning"]


@pytest.mark.parametrize("group, carc, rarc, action, appeal, billable", [
    ("PR", "1", None, "bill_patient", "no", True),
    ("PR", "2", None, "bill_patient", "no", True),
    ("PR", "3", None, "bill_patient", "no", True),
    ("CO", "45", None, "write_off", "no", False),
    ("CO", "4", None, "fix_and_resubmit", "no", False),
    ("CO", "16", "N286", "fix_and_resubmit", "no", False),
    ("CO", "16", "M127", "send_records", "no", False),
    ("OA", "18", None, "check_status", "no", False),
    ("CO", "50", None, "appeal", "yes", False),
    ("CO", "50", "N386", "appeal", "yes", False),
    ("CO", "109", None, "send_to_correct_payer", "no", False),
    ("CO", "197", None, "ask_payer", "possible", False),
    ("PR", "204", None, "bill_patient", "no", True),
    ("CO", "204", None, "write_off", "possible", False),
    ("PR", "96", "N130", "bill_patient", "no", True),
    ("PI", "45", None, "write_off", "no", False),
])
def test_action_and_who_owes(group, carc, rarc, action, appeal, billable):
    found = explain(group, carc, rarc)
    assert (found.action, found.appeal, found.patient_may_be_billed) == (
        action, appeal, billable)
    assert found.action_text == denials.ACTIONS[action]


def test_group_decides_who_owes():
    assert explain("CO", "45").who_owes.startswith("The provider")
    assert "may not be billed" in explain("CO", "45").who_owes
    assert explain("PR", "1").who_owes == "The patient."
    assert explain("OA", "18").who_owes == "Nobody on this claim."
    assert explain("PI", "45").who_owes == "Not the patient."
    assert any("Do not bill the patient" in s
               for s in explain("CO", "50").steps)


def test_patient_share_under_co_is_flagged_not_billed():
    found = explain("CO", "2")
    assert found.action == "ask_payer"
    assert not found.patient_may_be_billed
    assert any("unusual" in w for w in found.warnings)
    assert not any(s.startswith("Bill the patient") for s in found.steps)


@pytest.mark.parametrize("carc", ["170", "185", "B7", "8"])
def test_trainer_billing_97110_is_not_for_appealing(carc, trainer_claim):
    found = explain("CO", carc, claim=trainer_claim)
    assert found.action == "use_another_route"
    assert found.appeal == "no"
    assert found.appeal_reason.startswith("Do not appeal")
    assert "97110" in found.steps[0]
    assert any("MDPP" in s for s in found.steps)
    assert any("S9451" in s for s in found.steps)
    assert any("auxiliary personnel" in s for s in found.steps)
    with pytest.raises(NotAppealable, match="Do not appeal"):
        appeal_letter(trainer_claim, carc=carc)


def test_trainer_denial_from_code_and_taxonomy_alone():
    found = explain("CO", "185", code="97110", taxonomy="224Y00000X")
    assert found.action == "use_another_route"
    assert explain("CO", "170", "N95").action == "use_another_route"


def test_b7_for_a_licensed_therapist_is_an_enrollment_question(
        sample_claim):
    found = explain("CO", "B7", claim=sample_claim)
    assert found.action == "check_enrollment"
    assert found.appeal == "possible"
    assert explain("CO", "8", claim=sample_claim).action != "appeal"


def test_timely_filing_at_medicare_is_not_appealable(sample_claim):
    medicare = dict(sample_claim, coverage="medicare")
    found = explain("CO", "29", claim=medicare)
    assert found.appeal == "no" and found.action == "write_off"
    assert "not an appealable initial determination" in found.appeal_reason
    assert not found.patient_may_be_billed
    with pytest.raises(NotAppealable):
        appeal_letter(medicare, carc="29")
    assert explain("CO", "29", payer="medicare").appeal == "no"
    commercial = explain("CO", "29", claim=sample_claim)
    assert commercial.appeal == "possible"
    assert "contract" in commercial.appeal_reason


@pytest.mark.parametrize("kind, value, error, words", [
    ("group", "ZZ", UnknownGroup, "not a group code"),
    ("group", "CR", UnknownGroup, "4010"),
    ("group", "", UnknownGroup, "Choose a group code"),
    ("carc", "CO-45", InvalidCode, "group field"),
    ("carc", "4A5", InvalidCode, "not shaped like a CARC"),
    ("carc", "", InvalidCode, "Type a claim adjustment"),
    ("carc", "999", UnknownCARC, "x12.org"),
    ("rarc", "X12", InvalidCode, "remark code"),
    ("rarc", "N999", UnknownRARC, "not in the course's table"),
])
def test_bad_codes(kind, value, error, words):
    args = {"group": "CO", "carc": "45", "rarc": None}
    args[kind] = value
    with pytest.raises(error, match=words):
        explain(args["group"], args["carc"], args["rarc"])
    assert issubclass(error, ValueError)


def test_codes_are_cleaned():
    found = explain(" pr ", "002", " ")
    assert (found.group, found.carc, found.rarc) == ("PR", "2", None)
    assert explain("co", "b7").carc == "B7"


def test_unusual_rarc_pairing_warns():
    found = explain("CO", "45", "M127")
    assert any("usually comes with CARC 16" in w for w in found.warnings)


def test_appeal_letter_from_claim_and_note(sample_claim):
    note = {"date": "2026-11-10",
            "assessment": "Knee flexion improved from 95 to 110 degrees",
            "plan": "Continue twice a week for 4 weeks",
            "measures": {"Timed up and go": "14 s to 11 s"}}
    text = appeal_letter(sample_claim, note, carc="50", date="2026-12-20",
                         payer_claim_number="PCN-1")
    for expected in ("Synthetic Mutual Health Plan", "Dana Okafor",
                     "XQZ900112233", "PCN-1", "2026-11-10", "CO-50",
                     "97110-GP", "M17.11", "Helen Marsh", "1000000012",
                     "Knee flexion improved", "Timed up and go",
                     "plan of care", "Jordan Alvarez, PT, DPT",
                     "2026-12-20", "DRAFT"):
        assert expected in text, expected
    assert "[" not in text.split("DRAFT")[1].split("Payer claim")[0]


def test_appeal_letter_without_note_leaves_blanks(sample_claim):
    text = appeal_letter(sample_claim, None, carc="197")
    assert "[payer claim number]" in text
    assert "From the session note" not in text
    assert appeal_letter({}, carc="50").count("[") >= 5


def test_appeal_letter_pdf(sample_claim):
    data = denials.appeal_letter_pdf(sample_claim, {"plan": "x"},
                                     carc="50")
    assert data.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader
    assert "Dana Okafor" in PdfReader(BytesIO(data)).pages[0].extract_text()


def test_every_table_code_has_an_action():
    assert set(denials.carcs()) <= set(denials.CARC_ACTIONS)
    for code in denials.carcs():
        for group in denials.groups():
            found = explain(group, code)
            assert found.action in denials.ACTIONS
            assert found.appeal in ("yes", "possible", "no")
