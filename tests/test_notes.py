"""trainer_billing.notes: the SOAP note model, the completeness check and
the progress report, with right values."""

import json
import math
from pathlib import Path

import pytest

from trainer_billing import notes

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "notes" / "sample_sessions.json"
TODAY = "2025-12-01"


def complete_note(**changes):
    """Return a complete note as a dict, with ``changes`` applied."""
    note = {
        "date": "2025-07-07", "client": "C001 Lori Meza",
        "author": "Sam Rivera, certified personal trainer", "minutes": 45,
        "goal": "Get up from a low chair without using the arms",
        "diagnoses": ["M17.12"], "subjective": "Knee stiff", "pain": 4,
        "exercises": [{"name": "Leg press", "sets": 3, "reps": 10,
                       "load": 20, "load_unit": "kg", "rpe": 5}],
        "assessments": {"chair_stand_30s": 7},
        "plan": "Twice a week for 6 weeks",
    }
    note.update(changes)
    return note


def rules(note):
    return {(f.field, f.rule) for f in notes.check(note, today=TODAY)}


def test_a_complete_note_has_no_findings():
    assert notes.check(complete_note(), today=TODAY) == []
    assert notes.is_complete(complete_note(), today=TODAY)


def test_an_empty_note_names_every_missing_part():
    found = notes.check({}, today=TODAY)
    errors = [f.field for f in found if f.severity == "error"]
    assert errors == ["date", "client", "author", "minutes", "objective",
                      "goal", "plan"]
    warnings = [f.field for f in found if f.severity == "warning"]
    assert warnings == ["diagnoses", "subjective"]
    for finding in found:
        assert finding.message and finding.fix


@pytest.mark.parametrize("field, value, rule", [
    ("date", "", "note-date-missing"),
    ("date", "16/06/2025", "note-date-invalid"),
    ("client", "  ", "note-client-missing"),
    ("author", "", "note-author-missing"),
    ("minutes", None, "note-minutes-missing"),
    ("minutes", "forty", "note-minutes-invalid"),
    ("minutes", "45.5", "note-minutes-invalid"),
    ("minutes", 0, "note-minutes-invalid"),
    ("goal", "", "note-goal-missing"),
    ("plan", "", "note-plan-missing"),
    ("pain", 11, "note-pain-invalid"),
    ("pain", "-1", "note-pain-invalid"),
    ("pain", "2.5", "note-pain-invalid"),
])
def test_each_missing_or_bad_field_is_named(field, value, rule):
    found = rules(complete_note(**{field: value}))
    assert (field, rule) in found
    assert notes.is_complete(complete_note(**{field: value}),
                             today=TODAY) is False


def test_future_date_warns():
    found = notes.check(complete_note(date="2026-01-05"), today=TODAY)
    assert [(f.field, f.rule, f.severity) for f in found] == [
        ("date", "note-date-future", "warning")]


@pytest.mark.parametrize("key, value, words", [
    ("sets", "abc", "'abc' is not a number"),
    ("reps", "2.5", "2.5 is not a whole number"),
    ("load", "-3", "-3 is below 0"),
    ("rpe", 11, "11 is above 10"),
    ("rpe", "-1", "-1 is below 0"),
    ("duration_minutes", "ten", "'ten' is not a number"),
])
def test_bad_exercise_values_are_named_by_field(key, value, words):
    exercise = dict(complete_note()["exercises"][0], **{key: value})
    found = notes.check(complete_note(exercises=[exercise]), today=TODAY)
    [finding] = [f for f in found if f.field == f"exercises.1.{key}"]
    assert finding.severity == "error"
    assert words in finding.message


def test_rpe_may_be_a_fraction_on_the_0_to_10_scale():
    exercise = dict(complete_note()["exercises"][0], rpe="6.5")
    assert notes.check(complete_note(exercises=[exercise]),
                       today=TODAY) == []


def test_unknown_load_unit():
    exercise = dict(complete_note()["exercises"][0], load_unit="stone")
    assert ("exercises.1.load_unit", "note-exercise-unit-invalid") in rules(
        complete_note(exercises=[exercise]))


def test_nothing_measured_is_an_objective_error():
    note = complete_note(exercises=[{"name": "Leg press"}], assessments={})
    found = rules(note)
    assert ("objective", "note-objective-missing") in found
    assert ("exercises.1", "note-exercise-unmeasured") in found


def test_an_assessment_alone_is_measurable():
    note = complete_note(exercises=[],
                         assessments={"six_minute_walk_m": "352"})
    assert notes.check(note, today=TODAY) == []


@pytest.mark.parametrize("key, value", [
    ("chair_stand_30s", "7.5"), ("timed_up_and_go_s", "fast"),
    ("six_minute_walk_m", -10)])
def test_bad_assessment_values(key, value):
    found = rules(complete_note(assessments={key: value}))
    assert (f"assessments.{key}", "note-assessment-invalid") in found


def test_exercise_minutes_over_the_session_warn():
    note = complete_note(minutes=20, exercises=[
        {"name": "Walk", "duration_minutes": 15},
        {"name": "Bike", "duration_minutes": 10}])
    found = notes.check(note, today=TODAY)
    assert [(f.field, f.rule) for f in found] == [
        ("minutes", "note-minutes-short")]
    assert "25 minutes" in found[0].message


@pytest.mark.parametrize("diagnoses, rule", [
    ([], "note-diagnosis-missing"),
    (["Q99.999"], "note-diagnosis-unknown"),
    (["M17"], "note-diagnosis-category"),
])
def test_diagnosis_link(diagnoses, rule):
    assert ("diagnoses", rule) in rules(complete_note(diagnoses=diagnoses))


def test_diagnoses_typed_as_text_are_split():
    note = notes.SessionNote.from_dict(complete_note(
        diagnoses="M17.12, E11.9"))
    assert note.diagnoses == ["M17.12", "E11.9"]
    assert notes.check(note, today=TODAY) == []


def test_round_trip_through_dict():
    note = notes.SessionNote.from_dict(complete_note())
    again = notes.SessionNote.from_dict(json.loads(json.dumps(
        note.to_dict())))
    assert again == note


def test_sample_sessions_are_complete_but_the_one_meant_not_to_be():
    sessions = notes.load_sessions(SAMPLE)
    incomplete = [n.date for n in sessions
                  if not notes.is_complete(n, today=TODAY)]
    assert incomplete == ["2025-08-11"]


def test_progress_table_values():
    lori = notes.sessions_for(notes.load_sessions(SAMPLE),
                              "C001 Lori Meza")
    table = notes.progress_table(lori[:5])
    assert list(table["date"].dt.strftime("%Y-%m-%d")) == [
        "2025-07-07", "2025-07-14", "2025-07-21", "2025-07-28",
        "2025-08-04"]
    assert list(table["chair_stand_30s"]) == [7, 8, 9, 9, 11]
    assert table["timed_up_and_go_s"].iloc[0] == 13.8
    assert math.isnan(table["timed_up_and_go_s"].iloc[1])  # not measured
    assert list(table["pain"]) == [4, 4, 3, 3, 2]
    # Leg press 3 x 10 x 20 kg; the rest are body weight or timed.
    assert table["volume_kg"].iloc[0] == 600
    # 3 x 10 x 55 lb, at 0.45359237 kg per lb.
    assert table["volume_kg"].iloc[2] == pytest.approx(3 * 10 * 55
                                                       * 0.45359237)
    assert table["rpe_mean"].iloc[0] == pytest.approx(5)


def test_progress_leaves_unreadable_values_empty():
    note = complete_note(pain="a lot", exercises=[
        {"name": "Leg press", "sets": 3, "reps": 10, "load": "heavy"}])
    table = notes.progress_table([note, complete_note(date="bad")])
    assert len(table) == 1                     # the undated note is left out
    assert math.isnan(table["pain"].iloc[0])
    assert math.isnan(table["volume_kg"].iloc[0])
    exercises = notes.exercise_table([note])
    assert math.isnan(exercises["load_kg"].iloc[0])


def test_exercise_table_converts_pounds():
    note = complete_note(exercises=[{"name": "Row", "sets": 2, "reps": 5,
                                     "load": 10, "load_unit": "lb"}])
    table = notes.exercise_table([note])
    assert table["load_kg"].iloc[0] == pytest.approx(4.5359237)
    assert table["volume_kg"].iloc[0] == pytest.approx(45.359237)


def test_progress_figure_has_a_panel_per_measure():
    lori = notes.sessions_for(notes.load_sessions(SAMPLE),
                              "C001 Lori Meza")
    figure = notes.progress_figure(lori)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[:3] == ["Timed up-and-go (seconds)",
                          "6-minute walk (metres)",
                          "30-second chair stand (stands)"]
    assert len(figure.axes[2].lines) == 1
    assert notes.figure_png(figure).startswith(b"\x89PNG")


def test_progress_figure_with_no_values_says_so():
    figure = notes.progress_figure([])
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert texts.count("no values yet") == 4


def test_sessions_for_sorts_by_date():
    a = complete_note(date="2025-07-14")
    b = complete_note(date="2025-07-07")
    c = complete_note(client="Someone else")
    assert [n.date for n in notes.sessions_for([a, b, c],
                                               "C001 Lori Meza")] == [
        "2025-07-07", "2025-07-14"]


def test_a_note_that_is_not_an_object():
    with pytest.raises(TypeError):
        notes.check(["not", "a", "note"])
