"""Session-note builder: a SOAP note form, its completeness findings beside
each field, and the client's progress over their sessions.

On every change the form builds the note as typed, asks
:func:`trainer_billing.notes.check` what a reviewer would find missing,
and shows each finding beside the field it names. The progress section
shows :func:`trainer_billing.notes.progress_table` and
:func:`trainer_billing.notes.progress_figure` for the saved sessions of
the client named in the form. Every message comes from the library; the
form decides nothing and never rewrites what the user typed.

>>> builder = SessionNoteBuilder(today="2025-08-31")
>>> builder.set_field("minutes", "forty")
>>> print(builder.shown_text("minutes")[:42])
✖ Error: Minutes: 'forty' is not a number.
"""

from __future__ import annotations

import html
import re

import ipywidgets as w

from trainer_billing import notes
from ._common import SEVERITY_COLOUR, guarded, plain, short

#: Exercise rows the form offers.
MAX_EXERCISES = 8

# Header and text fields: (field, label, placeholder, multi-line).
_FIELDS = (
    ("date", "Date", "YYYY-MM-DD", False),
    ("client", "Client", "C001 Lori Meza", False),
    ("author", "Written by", "name, credential", False),
    ("minutes", "Session minutes", "45", False),
    ("subjective", "Subjective", "what the client reports", True),
    ("pain", "Pain (0-10)", "as your program defines it", False),
    ("goal", "Goal", "the measurable goal from the plan", True),
    ("diagnoses", "Diagnoses", "ICD-10-CM from the referral, e.g. M17.12",
     False),
    ("plan", "Plan", "what the next sessions will do, how often", True),
)
# One exercise row: (key, label, placeholder, width).
_EXERCISE_FIELDS = (
    ("name", "Exercise", "Sit-to-stand", "210px"),
    ("sets", "Sets", "3", "95px"),
    ("reps", "Reps", "10", "95px"),
    ("load", "Load", "20", "95px"),
    ("load_unit", "Unit", "", "95px"),
    ("duration_minutes", "Minutes", "10", "105px"),
    ("rpe", "RPE 0-10", "5", "105px"),
)
_SEVERITY_MARK = {"error": "\u2716 Error", "warning": "\u26a0 Warning"}


class SessionNoteBuilder:
    """A SOAP note form with live findings and a progress report.

    ``note`` fills the form (a SessionNote or its dict; blank when None);
    ``sessions`` are the saved notes the progress report draws from;
    ``today`` (ISO date) is for the date check. Display
    ``builder.widget``.
    """

    def __init__(self, note=None, sessions=None, today=None):
        self.today = today
        self.sessions = [notes.SessionNote.from_dict(s)
                         for s in (sessions or [])]
        self._controls = {}       # field name -> control
        self._boxes = {}          # field name -> HTML
        self._exercise_rows = []  # row containers
        self._exercise_count = 1
        self._findings = []
        self._quiet = False
        self._progress_key = None
        self._table = None
        self.widget = self._build()
        self.load_note(note if note is not None else notes.SessionNote())

    # ----------------------------------------------------------- public

    def load_note(self, note):
        """Return True after filling the form with ``note``; False (form
        unchanged, status says why) when it cannot be read."""
        try:
            note = notes.SessionNote.from_dict(note)
            texts = _note_texts(note)
        except (TypeError, ValueError) as exc:
            self._say(f"Could not load this note: {short(exc)}", "error")
            return False
        self._quiet = True
        try:
            for name, control in self._controls.items():
                control.value = texts.get(name, "kg" if name.endswith(
                    ".load_unit") else "")
            self._set_exercise_count(max(1, min(len(note.exercises),
                                                MAX_EXERCISES)))
        finally:
            self._quiet = False
        self.refresh()
        return True

    def to_note(self):
        """Return the SessionNote the form holds, values as typed."""
        data = {name: self._controls[name].value
                for name, *_ in _FIELDS}
        data["exercises"] = []
        for number in range(1, self._exercise_count + 1):
            row = {key: self._controls[f"exercises.{number}.{key}"].value
                   for key, *_ in _EXERCISE_FIELDS}
            data["exercises"].append(row)
        data["assessments"] = {
            key: self._controls[f"assessments.{key}"].value
            for key in notes.ASSESSMENTS
            if self._controls[f"assessments.{key}"].value.strip()}
        return notes.SessionNote.from_dict(data)

    def findings(self):
        """Return the findings of the last check."""
        return list(self._findings)

    def refresh(self):
        """Return the findings after checking the note the form holds."""
        try:
            found = notes.check(self.to_note(), today=self.today)
            problem = None
        except Exception as exc:  # never let a traceback reach the page
            found, problem = [], short(exc)
        self._findings = found
        self._show(found, problem)
        self._show_progress()
        return self.findings()

    def control(self, name):
        """Return the control of a field: ``"minutes"``,
        ``"exercises.1.rpe"``, ``"assessments.chair_stand_30s"``."""
        return self._controls[name]

    def set_field(self, name, value):
        """Return None; type ``value`` into the field ``name``."""
        self._controls[name].value = value

    def shown_text(self, name=None):
        """Return the plain text shown beside field ``name`` (the summary
        when None; ``"objective"``, ``"exercises.N"`` and ``"other"``
        are the areas for findings about a whole part)."""
        box = self._summary if name is None else self._boxes[name]
        return plain(box.value)

    @property
    def exercise_count(self):
        """Return how many exercise rows the form shows."""
        return self._exercise_count

    def add_exercise(self):
        """Return the new number of exercise rows, after showing one."""
        if self._exercise_count < MAX_EXERCISES:
            self._set_exercise_count(self._exercise_count + 1)
            self.refresh()
        return self._exercise_count

    def remove_exercise(self):
        """Return the new number of rows, after clearing the last one."""
        if self._exercise_count > 1:
            number = self._exercise_count
            self._quiet = True
            try:
                for key, *_ in _EXERCISE_FIELDS:
                    self._controls[f"exercises.{number}.{key}"].value = (
                        "kg" if key == "load_unit" else "")
            finally:
                self._quiet = False
            self._set_exercise_count(number - 1)
            self.refresh()
        return self._exercise_count

    def save_to_sessions(self):
        """Return True after adding the note to the client's sessions;
        False (status says why) while the check finds an error."""
        note = self.to_note()
        if not notes.is_complete(note, today=self.today):
            errors = sum(1 for f in self._findings
                         if f.severity == "error")
            self._say(f"Not added: the check finds {_count(errors, 'error')}"
                      " (in red beside the fields). Fix them first.",
                      "error")
            return False
        self.sessions.append(note)
        self._session_picker.options = self._session_options()
        self._progress_key = None
        self._show_progress()
        self._say(f"Added the {note.date} note to {note.client}'s "
                  f"sessions ({len(self._client_sessions())} now).", "ok")
        return True

    def open_session(self, index):
        """Return True after loading saved session ``index`` (0-based)."""
        return self.load_note(self.sessions[index])

    @property
    def status_text(self):
        """Return the plain text of the status line."""
        return plain(self._status.value)

    @property
    def progress(self):
        """Return the progress DataFrame shown (None when none shown)."""
        return self._table

    @property
    def progress_image(self):
        """Return the Image widget that shows the progress figure."""
        return self._image

    # ------------------------------------------------------------ build

    def _build(self):
        self._summary = w.HTML()
        self._summary.add_class("tb-note-summary")
        self._status = w.HTML()
        self._status.add_class("tb-note-status")
        header = [self._field(*spec) for spec in _FIELDS[:4]]
        subjective = [self._field(*spec) for spec in _FIELDS[4:6]]
        link = [self._field(*spec) for spec in _FIELDS[6:8]]
        plan = [self._field(*spec) for spec in _FIELDS[8:]]
        objective_box = self._box("objective")
        for number in range(1, MAX_EXERCISES + 1):
            self._exercise_rows.append(self._exercise_row(number))
        self._add = w.Button(description="Add exercise", icon="plus")
        self._remove = w.Button(description="Remove last exercise",
                                icon="minus")
        self._add.add_class("tb-note-add-exercise")
        self._remove.add_class("tb-note-remove-exercise")
        self._add.on_click(_guarded(self, self.add_exercise))
        self._remove.on_click(_guarded(self, self.remove_exercise))
        tests = [self._field(f"assessments.{key}", f"{name} ({unit})",
                             "", False)
                 for key, (name, unit, _) in notes.ASSESSMENTS.items()]
        other = self._box("other")
        self._save = w.Button(description="Add to the client's sessions",
                              icon="save", layout=w.Layout(width="260px"))
        self._save.add_class("tb-note-save")
        self._save.on_click(_guarded(self, self.save_to_sessions))
        self._session_picker = w.Dropdown(
            options=self._session_options(), description="Open a session",
            style={"description_width": "110px"},
            layout=w.Layout(width="420px"))
        self._session_picker.add_class("tb-note-picker")
        self._open = w.Button(description="Open", icon="folder-open")
        self._open.add_class("tb-note-open")
        self._open.on_click(_guarded(self, self._open_picked))
        self._progress_text = w.HTML()
        self._progress_text.add_class("tb-note-progress")
        self._image = w.Image(format="png", layout=w.Layout(
            max_width="720px"))
        self._image.add_class("tb-note-figure")
        form = w.VBox([
            w.HTML("<h3>Session</h3>"), *header,
            w.HTML("<h3>S: Subjective</h3>"), *subjective,
            w.HTML("<h3>O: Objective</h3>"), objective_box,
            *self._exercise_rows, w.HBox([self._add, self._remove]),
            *tests,
            w.HTML("<h3>A: Goal and diagnosis</h3>"), *link,
            w.HTML("<h3>P: Plan</h3>"), *plan, other,
            w.HBox([self._save, self._session_picker, self._open]),
            self._status])
        return w.VBox([self._summary, form,
                       w.HTML("<h3>Progress over the client's sessions</h3>"),
                       self._progress_text, self._image])

    def _field(self, name, label, hint, multi_line):
        kind = w.Textarea if multi_line else w.Text
        control = kind(description=label, placeholder=hint,
                       continuous_update=True,
                       style={"description_width": "190px"},
                       layout=w.Layout(width="560px",
                                       height="56px" if multi_line else None),
                       _dom_classes=[f"tb-note-field-{_css(name)}"])
        control.observe(self._changed, names="value")
        self._controls[name] = control
        return w.VBox([control, self._box(name)])

    def _exercise_row(self, number):
        cells = []
        for key, label, hint, width in _EXERCISE_FIELDS:
            name = f"exercises.{number}.{key}"
            # Made whole: each later change is one more message.
            options = dict(description=label,
                           style={"description_width": "initial"},
                           layout=w.Layout(width=width),
                           _dom_classes=[f"tb-note-field-{_css(name)}"])
            if key == "load_unit":
                control = w.Dropdown(options=list(notes.LOAD_UNITS),
                                     value="kg", **options)
            else:
                control = w.Text(placeholder=hint, continuous_update=True,
                                 **options)
            control.observe(self._changed, names="value")
            self._controls[name] = control
            cells.append(w.VBox([control, self._box(name, max_width=width)]))
        return w.VBox([w.HBox(cells, layout={"flex_flow": "row wrap"}),
                       self._box(f"exercises.{number}")],
                      _dom_classes=[f"tb-note-exercise{number}"])

    def _box(self, name, **layout):
        box = w.HTML(value="", layout=w.Layout(min_height="0", **layout),
                     _dom_classes=["tb-note-finding",
                                   f"tb-note-finding-{_css(name)}"])
        self._boxes[name] = box
        return box

    # ------------------------------------------------------------ react

    def _changed(self, _change):
        if not self._quiet:
            self.refresh()

    def _set_exercise_count(self, count):
        self._exercise_count = count
        for number, row in enumerate(self._exercise_rows, start=1):
            row.layout.display = "" if number <= count else "none"
        self._add.disabled = count >= MAX_EXERCISES
        self._remove.disabled = count <= 1

    def _show(self, found, problem):
        placed = {name: [] for name in self._boxes}
        for finding in found:
            name = finding.field if finding.field in placed else "other"
            placed[name].append(finding)
        for name, box in self._boxes.items():
            value = _render(placed[name])
            if box.value != value:
                box.value = value
        self._summary.value = _summary(found, problem)

    def _client_sessions(self):
        client = self._controls["client"].value
        return notes.sessions_for(self.sessions, client) if client.strip() \
            else []

    def _show_progress(self):
        try:
            chosen = self._client_sessions()
            key = tuple(id(n) for n in chosen)
            if key == self._progress_key:
                return
            self._progress_key = key
            if not chosen:
                self._table = None
                self._progress_text.value = (
                    "<p class='tb-note-no-sessions'>No saved sessions for "
                    "the client named above yet.</p>")
                self._image.value = b""
                self._image.layout.display = "none"
                return
            self._table = notes.progress_table(chosen)
            shown = self._table.copy()
            shown["date"] = shown["date"].dt.strftime("%Y-%m-%d")
            self._progress_text.value = (
                f"<p><b>{len(chosen)} saved "
                f"session{'' if len(chosen) == 1 else 's'} for "
                f"{html.escape(str(chosen[0].client))}.</b> Empty cells: "
                "not measured that day, or not readable.</p>"
                + shown.to_html(index=False, na_rep="", float_format=(
                    lambda v: f"{v:.1f}"), classes="tb-note-table"))
            self._image.value = notes.figure_png(notes.progress_figure(
                chosen, title=f"Progress: {chosen[0].client}"))
            self._image.layout.display = ""
        except Exception as exc:  # never let a traceback reach the page
            self._table = None
            self._progress_text.value = (
                "<p style='color:#b00020'>The progress report could not be "
                f"drawn: {html.escape(short(exc))}</p>")

    def _session_options(self):
        options = [(f"{n.date} · {n.client}", i)
                   for i, n in enumerate(self.sessions)]
        return options or [("(no saved sessions)", None)]

    def _open_picked(self):
        index = self._session_picker.value
        if index is None:
            self._say("There is no saved session to open.", "warning")
        elif self.open_session(index):
            self._say(f"Opened the {self.sessions[index].date} note.", "ok")

    def _say(self, text, kind):
        colour = {"ok": "#1b5e20", "warning": "#8a5a00"}.get(kind,
                                                             "#b00020")
        self._status.value = (f'<div class="tb-note-status-{kind}" '
                              f'style="color:{colour}">'
                              f"{html.escape(text)}</div>")


# ---------------------------------------------------------------- helpers

def _note_texts(note):
    """Return the text of each control for a SessionNote."""
    texts = {name: _text(getattr(note, name)) for name, *_ in _FIELDS
             if name != "diagnoses"}
    texts["diagnoses"] = ", ".join(_text(d) for d in note.diagnoses)
    for number, exercise in enumerate(note.exercises[:MAX_EXERCISES],
                                      start=1):
        for key, *_ in _EXERCISE_FIELDS:
            value = _text(getattr(exercise, key))
            if key == "load_unit" and value not in notes.LOAD_UNITS:
                value = "kg"
            texts[f"exercises.{number}.{key}"] = value
    for key in notes.ASSESSMENTS:
        texts[f"assessments.{key}"] = _text(note.assessments.get(key))
    return texts


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _css(name):
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _render(findings):
    parts = []
    for finding in findings:
        colour = SEVERITY_COLOUR.get(finding.severity, "#333")
        mark = _SEVERITY_MARK.get(finding.severity, finding.severity)
        parts.append(
            f'<div class="tb-msg tb-{html.escape(finding.severity)}" '
            f'data-rule="{html.escape(finding.rule)}" '
            f'style="color:{colour};font-size:90%;line-height:1.35;'
            f'white-space:normal;margin:2px 0 6px 0">'
            f"<b>{mark}:</b> {html.escape(finding.message)} "
            f"<span class='tb-fix'><b>Fix:</b> "
            f"{html.escape(finding.fix)}</span></div>")
    return "".join(parts)


def _summary(found, problem):
    if problem:
        return ('<div style="color:#b00020">The check could not run: '
                f"{html.escape(problem)}</div>")
    if not found:
        return ('<div class="tb-note-clear" style="color:#1b5e20">'
                "The check finds nothing missing.</div>")
    errors = sum(1 for f in found if f.severity == "error")
    items = "".join(f"<li>{html.escape(f.field)}: "
                    f"{html.escape(f.message)}</li>" for f in found)
    return (f"<div><b>A reviewer would find {_count(errors, 'error')} and "
            f"{_count(len(found) - errors, 'warning')}.</b>"
            f"<ul>{items}</ul></div>")


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _guarded(builder, action):
    return guarded(action, lambda text: builder._say(text, "error"))


