"""Session notes in SOAP form, what an insurer would find missing, and
progress over a client's sessions.

A SOAP note has four parts: **S**ubjective (what the client reports, and
pain), **O**bjective (what was measured: exercises with sets, reps, load,
duration and effort; tests such as the timed up-and-go), **A**ssessment
(here: the link to the goal and the referral's diagnosis) and **P**lan.

What a reviewer looks for. A personal trainer's note is not a therapy
treatment note, but payers read notes against the Medicare list, so the
course checks against it. Medicare Benefit Policy Manual (Pub. 100-02),
chapter 15, section 220.3: a treatment note for each treatment day gives
the date, each intervention in words that can be matched to the codes
billed, the total timed-code minutes and the total treatment time, and
the signature and professional identification of who furnished it.
Section 220.1.2: the plan of care holds the diagnoses, measurable
long-term goals, and the type, amount, duration and frequency of the
services. (Read in a public copy of the manual,
https://old.bansdoc.gov.bd/eBook/42/files/basic-html/page206.html and
page177.html; Novitas summary
https://www.novitas-solutions.com/webcenter/portal/MedicareJH/pagebyid?contentId=00177347.)
Other payers may ask for more or less: the findings say what is missing,
not whether a claim will be paid.

Measures and their units (no norms or cut-offs are given here: none was
checked for this course, and they differ by age and condition):

* ``timed_up_and_go_s``: seconds to rise from a chair, walk 3 m, turn,
  walk back and sit (Podsiadlo and Richardson 1991, J Am Geriatr Soc
  39:142-148, as cited at https://wikimili.com/en/Timed_Up_and_Go_test).
* ``six_minute_walk_m``: metres walked in 6 minutes (ATS Statement:
  Guidelines for the Six-Minute Walk Test, 2002, copy at
  https://studylib.net/doc/18035446/six-minute-walk-test---american-thoracic-society).
* ``chair_stand_30s``: full stands from a chair in 30 seconds, arms
  crossed (CDC STEADI "30-Second Chair Stand" assessment,
  https://www.cdc.gov/steadi/media/pdfs/STEADI-Assessment-30Sec-508.pdf,
  not opened; its steps as quoted at
  https://www.livelifemoving.com/post/assessing-your-lower-body-strength-and-fall-risk-with-cdc-s-sit-to-stand-test).
* ``rpe``: effort, **RPE 0-10 as the program defines it**. Borg's CR10
  is one 0-10 category-ratio scale (Borg 1982, Med Sci Sports Exerc
  14:377-381, via https://me-pedia.org/wiki/Borg_CR-10, which notes it is
  copyrighted); no source for a "modified" CR10 was checked, so the
  course names no scale and shows no verbal anchors.
* ``pain``: 0-10 as the program defines it, whole numbers.
* Load in kg or lb; lb are converted with 1 lb = 0.45359237 kg exactly
  (the international pound, in force in the US since 1 July 1959,
  https://units.wikia.com/wiki/Pound_(United_States_customary_avoirdupois)).

>>> note = SessionNote(date="2025-06-16", client="C001 Lori Meza",
...     author="Sam Rivera, certified trainer", minutes=45,
...     goal="Get up from a low chair without using the arms",
...     diagnoses=["M17.12"], subjective="Knee stiff in the morning",
...     pain=3, exercises=[Exercise("Sit-to-stand", sets=3, reps=8)],
...     assessments={"chair_stand_30s": 9}, plan="Same, twice a week")
>>> check(note, today="2025-06-30")
[]
>>> for f in check({"date": "2025-06-16"}, today="2025-06-30")[:3]:
...     print(f.field, f.severity, f.message)
client error The note does not say whose session it was.
author error The note does not say who wrote it or led the session.
minutes error The note does not give the session's minutes.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import math
import re
from pathlib import Path

from trainer_billing import codes

#: Kilograms in one international pound (exact by definition).
KG_PER_LB = 0.45359237
LOAD_UNITS = ("kg", "lb")

#: The objective tests a note may carry: key -> (name, unit, whole).
ASSESSMENTS = {
    "timed_up_and_go_s": ("Timed up-and-go", "seconds", False),
    "six_minute_walk_m": ("6-minute walk", "metres", False),
    "chair_stand_30s": ("30-second chair stand", "stands", True),
}
#: The 0-10 scales a note uses, as the program defines them.
SCALE_LOW, SCALE_HIGH = 0, 10

_MANUAL = "Medicare Benefit Policy Manual, ch. 15, s. 220.3"
_PLAN_OF_CARE = "Medicare Benefit Policy Manual, ch. 15, s. 220.1.2"


@dataclasses.dataclass
class Exercise:
    """One exercise of the session, its values as written (text or
    numbers); :func:`check` says which of them cannot be read."""
    name: object = ""
    sets: object = None
    reps: object = None
    load: object = None
    load_unit: object = "kg"
    duration_minutes: object = None
    rpe: object = None

    @classmethod
    def from_dict(cls, data):
        """Return an Exercise from its JSON object (unknown keys dropped)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dict(data).items() if k in names})


@dataclasses.dataclass
class SessionNote:
    """One session's SOAP note; values as written, checked by
    :func:`check`. ``minutes`` is the session's total minutes with the
    client; ``diagnoses`` are ICD-10-CM codes from the referral (a
    trainer does not diagnose); ``assessments`` maps keys of
    :data:`ASSESSMENTS` to results."""
    date: object = ""
    client: object = ""
    author: object = ""
    minutes: object = None
    goal: object = ""
    diagnoses: list = dataclasses.field(default_factory=list)
    subjective: object = ""
    pain: object = None
    exercises: list = dataclasses.field(default_factory=list)
    assessments: dict = dataclasses.field(default_factory=dict)
    plan: object = ""

    @classmethod
    def from_dict(cls, data):
        """Return a SessionNote from its JSON object."""
        if isinstance(data, SessionNote):
            return data
        if not isinstance(data, dict):
            raise TypeError("a session note is an object, not a "
                            f"{type(data).__name__}")
        values = {f.name: data[f.name] for f in dataclasses.fields(cls)
                  if f.name in data}
        exercises = values.get("exercises") or []
        values["exercises"] = [
            e if isinstance(e, Exercise) else Exercise.from_dict(e)
            for e in exercises if isinstance(e, (dict, Exercise))]
        diagnoses = values.get("diagnoses") or []
        if isinstance(diagnoses, str):
            diagnoses = [d for d in re.split(r"[\s,;]+", diagnoses) if d]
        values["diagnoses"] = list(diagnoses)
        values["assessments"] = dict(values.get("assessments") or {})
        return cls(**values)

    def to_dict(self):
        """Return the note as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Finding:
    """What a reviewer would find missing or unreadable in a note.

    ``field`` names the note's field (``"minutes"``,
    ``"exercises.2.rpe"``, ``"assessments.six_minute_walk_m"``); ``rule``
    is a stable id; ``severity`` is ``error`` (a reviewer would count the
    note incomplete) or ``warning`` (worth fixing; payers differ).
    """
    field: str
    rule: str
    severity: str
    message: str
    fix: str


def check(note, today=None):
    """Return the findings for a session note (a SessionNote or its dict),
    in the note's order: header, subjective, objective, goal, plan.

    ``today`` (ISO text or a date) is for the date check; the real date
    when None. See the module docstring for the sources of each check.
    """
    note = SessionNote.from_dict(note)
    today = _as_date(today) if today is not None else datetime.date.today()
    found = []
    found += _check_header(note, today)
    found += _check_objective(note)
    found += _check_link(note)
    if _blank(note.plan):
        found.append(Finding(
            "plan", "note-plan-missing", "error",
            "The plan is empty: a reviewer cannot see what comes next or "
            "that the sessions follow a plan of care.",
            "Write what the next sessions will do and how often (for "
            f"example, twice a week for 6 weeks). ({_PLAN_OF_CARE})"))
    found += _check_subjective(note)
    return found


def is_complete(note, today=None):
    """Return True when :func:`check` finds no error (warnings allowed)."""
    return not any(f.severity == "error" for f in check(note, today))


# ------------------------------------------------------------------ checks

def _check_header(note, today):
    found = []
    if _blank(note.date):
        found.append(Finding(
            "date", "note-date-missing", "error",
            "The note has no date of service.",
            f"Write the session's date as YYYY-MM-DD. ({_MANUAL})"))
    else:
        try:
            day = _as_date(note.date)
        except ValueError:
            found.append(Finding(
                "date", "note-date-invalid", "error",
                f"'{note.date}' is not a date the note can be filed by.",
                "Write it as YYYY-MM-DD, for example 2025-06-16."))
        else:
            if day > today:
                found.append(Finding(
                    "date", "note-date-future", "warning",
                    f"{day.isoformat()} is after today "
                    f"({today.isoformat()}).",
                    "Write notes for sessions that took place, on the "
                    "day they took place."))
    if _blank(note.client):
        found.append(Finding(
            "client", "note-client-missing", "error",
            "The note does not say whose session it was.",
            "Write the client's name (and the client ID you use)."))
    if _blank(note.author):
        found.append(Finding(
            "author", "note-author-missing", "error",
            "The note does not say who wrote it or led the session.",
            "Sign with your name and credential, for example "
            f"'Sam Rivera, certified trainer'. ({_MANUAL})"))
    if _blank(note.minutes):
        found.append(Finding(
            "minutes", "note-minutes-missing", "error",
            "The note does not give the session's minutes.",
            "Write the total minutes spent with the client; time billed "
            f"must match time written. ({_MANUAL})"))
    else:
        problem = _number_problem(note.minutes, whole=True, low=1)
        if problem:
            found.append(Finding(
                "minutes", "note-minutes-invalid", "error",
                f"Minutes: {problem}.",
                "Write the total minutes as a whole number, such as 45."))
    return found


def _check_subjective(note):
    found = []
    if _blank(note.subjective):
        found.append(Finding(
            "subjective", "note-subjective-missing", "warning",
            "Nothing the client reported is written (the S of SOAP).",
            "Write in a line how the client says they feel or what "
            "changed since the last session."))
    if not _blank(note.pain):
        problem = _number_problem(note.pain, whole=True, low=SCALE_LOW,
                                  high=SCALE_HIGH)
        if problem:
            found.append(Finding(
                "pain", "note-pain-invalid", "error",
                f"Pain: {problem}.",
                "Write pain as a whole number from 0 to 10, as your "
                "program defines the scale."))
    return found


_EXERCISE_NUMBERS = (
    # key, label, whole, low, high, fix
    ("sets", "sets", True, 1, None, "a whole number such as 3"),
    ("reps", "reps", True, 1, None, "a whole number such as 10"),
    ("load", "load", False, 0, None, "a number such as 12.5, in kg or lb"),
    ("duration_minutes", "duration", False, 0, None,
     "minutes as a number such as 10"),
    ("rpe", "RPE", False, SCALE_LOW, SCALE_HIGH,
     "a number from 0 to 10, as your program defines the scale"),
)


def _check_objective(note):
    found = []
    measured = 0
    exercise_minutes = 0.0
    for number, exercise in enumerate(note.exercises, start=1):
        where = f"exercises.{number}"
        label = f"Exercise {number}"
        if _blank(exercise.name):
            found.append(Finding(
                f"{where}.name", "note-exercise-name-missing", "error",
                f"{label} has no name.",
                "Name the exercise so a reviewer can match it to the "
                f"service billed. ({_MANUAL})"))
        readable = 0
        for key, text, whole, low, high, fix in _EXERCISE_NUMBERS:
            value = getattr(exercise, key)
            if _blank(value):
                continue
            problem = _number_problem(value, whole=whole, low=low,
                                      high=high)
            if problem:
                found.append(Finding(
                    f"{where}.{key}", f"note-exercise-{key}-invalid",
                    "error", f"{label}, {text}: {problem}.",
                    f"Write {fix}."))
            elif key != "rpe":
                readable += 1
                if key == "duration_minutes":
                    exercise_minutes += _to_number(value)
        if not _blank(exercise.load) and str(
                exercise.load_unit or "").strip() not in LOAD_UNITS:
            found.append(Finding(
                f"{where}.load_unit", "note-exercise-unit-invalid", "error",
                f"{label}: the load unit '{exercise.load_unit}' is "
                "neither kg nor lb.",
                "Choose kg or lb."))
        if readable:
            measured += 1
        elif not _blank(exercise.name):
            found.append(Finding(
                where, "note-exercise-unmeasured", "warning",
                f"{label} ({exercise.name}) has no sets, reps, load or "
                "duration: it shows what was done, not how much.",
                "Add what you counted: sets and reps, the load, or the "
                "minutes."))
    for key, value in note.assessments.items():
        if key not in ASSESSMENTS:
            found.append(Finding(
                f"assessments.{key}", "note-assessment-unknown", "warning",
                f"'{key}' is not one of the course's tests.",
                "Use one of: " + ", ".join(ASSESSMENTS) + "."))
            continue
        if _blank(value):
            continue
        name, unit, whole = ASSESSMENTS[key]
        problem = _number_problem(value, whole=whole, low=0)
        if problem:
            found.append(Finding(
                f"assessments.{key}", "note-assessment-invalid", "error",
                f"{name}: {problem}.",
                f"Write the result in {unit}"
                + (" as a whole number." if whole else ".")))
        else:
            measured += 1
    if not measured:
        found.insert(0, Finding(
            "objective", "note-objective-missing", "error",
            "The note has nothing measured: no exercise with sets, reps, "
            "load or duration, and no test result.",
            "Add at least one measurable item, such as 3 sets of 10 "
            "reps, or a 30-second chair stand count."))
    minutes = note.minutes
    if (exercise_minutes and not _blank(minutes)
            and not _number_problem(minutes, whole=True, low=1)
            and exercise_minutes > _to_number(minutes)):
        found.append(Finding(
            "minutes", "note-minutes-short", "warning",
            f"The exercises add up to {_fmt(exercise_minutes)} minutes, "
            f"more than the session's {minutes}.",
            "Check the minutes: the time written must be consistent with "
            f"the time billed. ({_MANUAL})"))
    return found


def _check_link(note):
    found = []
    if _blank(note.goal):
        found.append(Finding(
            "goal", "note-goal-missing", "error",
            "The note does not name the goal the session works towards.",
            "Copy the measurable goal from the plan, for example 'get up "
            f"from a low chair without using the arms'. ({_PLAN_OF_CARE})"))
    diagnoses = [d for d in note.diagnoses if not _blank(d)]
    if not diagnoses:
        found.append(Finding(
            "diagnoses", "note-diagnosis-missing", "warning",
            "No diagnosis from the referral is on the note, so a reviewer "
            "cannot link the session to a medical reason.",
            "Copy the ICD-10-CM code(s) from the referring provider; a "
            "trainer does not diagnose."))
    for code in diagnoses:
        known = codes.diagnosis(str(code))
        if known is None:
            found.append(Finding(
                "diagnoses", "note-diagnosis-unknown", "warning",
                f"'{code}' is not an ICD-10-CM code "
                f"({codes.ICD10CM_RELEASE}).",
                "Copy the code exactly as the referral gives it."))
        elif not known.billable:
            found.append(Finding(
                "diagnoses", "note-diagnosis-category", "warning",
                f"{known.dotted} ({known.title}) is a category, not a "
                "code a claim can carry.",
                "Ask the referring provider for the full code."))
    return found


# ---------------------------------------------------------------- progress

def load_sessions(path):
    """Return the SessionNotes in a JSON file (a list of note objects)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("sessions", [])
    return [SessionNote.from_dict(item) for item in data]


def sessions_for(notes, client):
    """Return the notes whose client is ``client``, oldest first."""
    chosen = [SessionNote.from_dict(n) for n in notes]
    chosen = [n for n in chosen if str(n.client).strip() == str(client)
              .strip()]
    return sorted(chosen, key=lambda n: _sort_key(n.date))


def progress_table(notes):
    """Return a pandas DataFrame with one row per dated session, oldest
    first: ``date``, ``minutes``, ``pain``, ``rpe_mean`` (mean RPE of the
    exercises), one column per test of :data:`ASSESSMENTS`, and
    ``volume_kg`` (sets x reps x load, in kg, summed). Values that cannot
    be read are left empty (NaN), never guessed."""
    import pandas as pd

    rows = []
    for note in (SessionNote.from_dict(n) for n in notes):
        try:
            day = _as_date(note.date)
        except ValueError:
            continue
        exercise_rows = _exercise_rows(note, day)
        rpes = [r["rpe"] for r in exercise_rows if not math.isnan(r["rpe"])]
        volumes = [r["volume_kg"] for r in exercise_rows
                   if not math.isnan(r["volume_kg"])]
        row = {
            "date": pd.Timestamp(day),
            "minutes": _maybe(note.minutes, whole=True, low=1),
            "pain": _maybe(note.pain, whole=True, low=0, high=10),
            "rpe_mean": sum(rpes) / len(rpes) if rpes else math.nan,
        }
        for key, (_, _, whole) in ASSESSMENTS.items():
            row[key] = _maybe(note.assessments.get(key), whole=whole, low=0)
        row["volume_kg"] = sum(volumes) if volumes else math.nan
        rows.append(row)
    columns = (["date", "minutes", "pain", "rpe_mean"] + list(ASSESSMENTS)
               + ["volume_kg"])
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("date", kind="stable").reset_index(drop=True)


def exercise_table(notes):
    """Return a pandas DataFrame with one row per exercise per dated
    session: ``date``, ``exercise``, ``sets``, ``reps``, ``load_kg``,
    ``duration_minutes``, ``rpe``, ``volume_kg``."""
    import pandas as pd

    rows = []
    for note in (SessionNote.from_dict(n) for n in notes):
        try:
            day = _as_date(note.date)
        except ValueError:
            continue
        rows.extend(_exercise_rows(note, day))
    columns = ["date", "exercise", "sets", "reps", "load_kg",
               "duration_minutes", "rpe", "volume_kg"]
    table = pd.DataFrame(rows, columns=columns)
    if len(table):
        table["date"] = pd.to_datetime(table["date"])
    return table.sort_values("date", kind="stable").reset_index(drop=True)


def progress_figure(notes, title=None):
    """Return a matplotlib Figure of the measures over the sessions: one
    panel per test of :data:`ASSESSMENTS`, and one for pain and RPE.

    A panel with no values says so instead of drawing an empty line.
    """
    from matplotlib.figure import Figure

    table = progress_table(notes)
    figure = Figure(figsize=(9, 6), layout="constrained")
    axes = figure.subplots(2, 2)
    panels = [(key, f"{name} ({unit})") for key, (name, unit, _)
              in ASSESSMENTS.items()]
    for ax, (key, label) in zip(axes.flat, panels):
        _plot(ax, table, [(key, label)], label)
    _plot(axes.flat[3], table, [("pain", "pain 0-10"),
                                ("rpe_mean", "RPE 0-10 (mean)")],
          "Pain and effort (0-10, as the program defines them)")
    figure.suptitle(title or "Progress over the sessions")
    return figure


def figure_png(figure):
    """Return a matplotlib Figure as PNG bytes (for a widget or a file)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


# ----------------------------------------------------------------- helpers

def _plot(ax, table, series, title):
    drawn = False
    for key, label in series:
        values = table[["date", key]].dropna()
        if len(values):
            ax.plot(values["date"], values[key], marker="o", label=label)
            drawn = True
    ax.set_title(title, fontsize=10)
    if not drawn:
        ax.text(0.5, 0.5, "no values yet", ha="center", va="center",
                transform=ax.transAxes, color="#777")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if len(series) > 1:
        ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def _exercise_rows(note, day):
    rows = []
    for exercise in note.exercises:
        if _blank(exercise.name):
            continue
        sets = _maybe(exercise.sets, whole=True, low=1)
        reps = _maybe(exercise.reps, whole=True, low=1)
        load = _maybe(exercise.load, whole=False, low=0)
        unit = str(exercise.load_unit or "").strip()
        if unit == "lb":
            load = load * KG_PER_LB
        elif unit != "kg":
            load = math.nan
        volume = sets * reps * load
        rows.append({
            "date": day, "exercise": str(exercise.name).strip(),
            "sets": sets, "reps": reps, "load_kg": load,
            "duration_minutes": _maybe(exercise.duration_minutes,
                                       whole=False, low=0),
            "rpe": _maybe(exercise.rpe, whole=False, low=0, high=10),
            "volume_kg": volume,
        })
    return rows


def _blank(value):
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _number_problem(value, whole, low=None, high=None):
    """Return what is wrong with a typed number in words, or ''."""
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    if isinstance(value, (int, float)):
        number = float(value)
        shown = _fmt(number)
        if math.isnan(number) or math.isinf(number):
            return f"{value!r} is not a number"
    else:
        shown = str(value).strip()
        if not _NUMBER.fullmatch(shown):
            return f"'{shown}' is not a number"
        number = float(shown)
    if whole and number != int(number):
        return f"{shown} is not a whole number"
    if low is not None and number < low:
        return f"{shown} is below {low}"
    if high is not None and number > high:
        return f"{shown} is above {high}"
    return ""


def _to_number(value):
    return float(str(value).strip()) if isinstance(value, str) \
        else float(value)


def _maybe(value, whole, low=None, high=None):
    """Return the value as a float, or NaN when blank or unreadable."""
    if _blank(value) or _number_problem(value, whole, low, high):
        return math.nan
    return _to_number(value)


def _fmt(number):
    return str(int(number)) if float(number).is_integer() else str(number)


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value).strip())


def _sort_key(value):
    try:
        return _as_date(value).isoformat()
    except ValueError:
        return "9999"
