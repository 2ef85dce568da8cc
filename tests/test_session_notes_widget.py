"""The session-note builder widget, driven through its controls (no
browser): set a field, read the finding shown beside it."""

from pathlib import Path

import pytest

from trainer_billing import notes
from trainer_billing.widgets.session_notes import (
    MAX_EXERCISES, SessionNoteBuilder)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "notes" / "sample_sessions.json"
TODAY = "2025-12-01"


@pytest.fixture
def lori():
    return notes.sessions_for(notes.load_sessions(SAMPLE),
                              "C001 Lori Meza")


@pytest.fixture
def builder(lori):
    return SessionNoteBuilder(lori[4], sessions=lori[:5], today=TODAY)


def test_complete_note_shows_nothing_missing(builder, lori):
    assert builder.findings() == []
    assert "finds nothing missing" in builder.shown_text()
    assert builder.to_note() == notes.SessionNote.from_dict(
        _as_typed(lori[4]))


def test_blank_form_names_what_is_missing():
    blank = SessionNoteBuilder(today=TODAY)
    shown = {f.field for f in blank.findings()}
    assert {"date", "client", "author", "minutes", "objective", "goal",
            "plan"} <= shown
    assert "no date of service" in blank.shown_text("date")
    assert "nothing measured" in blank.shown_text("objective")
    assert "No saved sessions" in blank._progress_text.value


# One bad input per kind of field: date, whole number, 0-10 scale, free
# text left empty, exercise number, test result, diagnosis code.
@pytest.mark.parametrize("field, text, words", [
    ("date", "16/06/2025", "not a date"),
    ("minutes", "forty", "'forty' is not a number"),
    ("pain", "12", "12 is above 10"),
    ("plan", "", "The plan is empty"),
    ("author", "", "who wrote it"),
    ("exercises.1.sets", "three", "'three' is not a number"),
    ("exercises.1.rpe", "11", "11 is above 10"),
    ("assessments.chair_stand_30s", "9.5", "9.5 is not a whole number"),
    ("diagnoses", "Q99.999", "not an ICD-10-CM code"),
])
def test_bad_input_shows_beside_its_field_and_keeps_the_text(
        builder, field, text, words):
    builder.set_field(field, text)
    assert words in builder.shown_text(field)
    assert "Fix:" in builder.shown_text(field)
    assert builder.control(field).value == text
    assert "A reviewer would find" in builder.shown_text()
    # Only that field shows it.
    others = [name for name in ("date", "minutes", "plan", "pain")
              if name != field]
    for other in others:
        assert builder.shown_text(other) == ""


def test_exercise_without_any_count_warns_on_its_row(builder):
    builder.add_exercise()
    builder.set_field("exercises.4.name", "Step-ups")
    assert "has no sets, reps, load or duration" in builder.shown_text(
        "exercises.4")
    builder.set_field("exercises.4.reps", "10")
    assert builder.shown_text("exercises.4") == ""


def test_pounds_are_kept_as_chosen(builder):
    builder.set_field("exercises.2.load_unit", "lb")
    assert builder.to_note().exercises[1].load_unit == "lb"
    assert builder.findings() == []


def test_add_to_sessions_grows_the_progress_report(builder):
    assert builder.progress.shape[0] == 5
    assert bytes(builder.progress_image.value).startswith(b"\x89PNG")
    builder.set_field("date", "2025-08-18")
    builder.set_field("assessments.chair_stand_30s", "12")
    assert builder.save_to_sessions() is True
    assert "6 now" in builder.status_text
    assert builder.progress.shape[0] == 6
    assert builder.progress["chair_stand_30s"].iloc[-1] == 12


def test_an_incomplete_note_is_not_added(builder):
    builder.set_field("plan", "")
    builder._save.click()
    assert "Not added" in builder.status_text
    assert builder.progress.shape[0] == 5


def test_open_a_saved_session(builder):
    builder._session_picker.value = 0
    builder._open.click()
    assert builder.control("date").value == "2025-07-07"
    assert builder.control("assessments.timed_up_and_go_s").value == "13.8"
    assert "Opened" in builder.status_text


def test_progress_follows_the_client_field(builder):
    builder.set_field("client", "C004 Joann Lynch")
    assert builder.progress is None
    assert "No saved sessions" in builder._progress_text.value
    builder.set_field("client", "C001 Lori Meza")
    assert builder.progress.shape[0] == 5


def test_exercise_rows_stop_at_the_maximum(builder):
    for _ in range(MAX_EXERCISES + 2):
        builder.add_exercise()
    assert builder.exercise_count == MAX_EXERCISES
    builder.remove_exercise()
    assert builder.exercise_count == MAX_EXERCISES - 1


def test_a_note_that_cannot_be_read_leaves_the_form(builder):
    before = builder.control("date").value
    assert builder.load_note(["not", "a", "note"]) is False
    assert "Could not load" in builder.status_text
    assert builder.control("date").value == before


def _as_typed(note):
    """Return a note's dict as the form's text fields hold it."""
    def text(value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    data = note.to_dict()
    typed = {k: text(v) for k, v in data.items()
             if k not in ("exercises", "assessments", "diagnoses")}
    typed["diagnoses"] = ", ".join(note.diagnoses)
    typed["exercises"] = [{k: text(v) for k, v in e.items()}
                          for e in data["exercises"]]
    typed["assessments"] = {k: text(v) for k, v in
                            data["assessments"].items()}
    return typed
