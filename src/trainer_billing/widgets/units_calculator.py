"""Units calculator: minutes per timed code, units by the CMS and AMA rules.

The user types rows of a timed code and its minutes. On every change the
calculator asks :mod:`trainer_billing.units` whether each code and each
number of minutes can be counted (``timed_procedure``,
``minutes_from_text``), then for the units and the arithmetic by both
rules (``explain``), and shows the two side by side. Every message and
every number on screen comes from the library; the widget decides no
billing rule. What the user typed is never rewritten.

>>> calc = UnitsCalculator([("97110", "33"), ("97140", "7")])
>>> calc.units("cms"), calc.units("ama")
({'97110': 2, '97140': 1}, {'97110': 2, '97140': 0})
>>> calc.set_row(2, minutes="abc")
>>> calc.units("cms") is None
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from trainer_billing import codes, units
from ._common import ERROR, NOTE, error_html, guarded, plain, short

#: Rows the calculator starts with: the CMS example of FACTS.md section E.
EXAMPLE_ROWS = (("97110", "33"), ("97140", "7"))
#: How many rows the form offers; a day rarely has more timed codes.
MAX_ROWS = 12

_METHOD_TITLES = {"cms": "CMS 8-minute rule (total minutes of the day)",
                  "ama": "AMA/CPT rule (each code on its own)"}


def _timed_codes():
    """Return the timed codes of the course's table, for the suggestions."""
    return [code for code, procedure in codes.procedures().items()
            if procedure.timed]


class _Row:
    """One row of the form: a code, its minutes, their messages, a button."""

    def __init__(self, calculator, code, minutes):
        self.code = w.Combobox(
            options=_timed_codes(), ensure_option=False, value=code,
            description="Code", placeholder="97110",
            continuous_update=True, style={"description_width": "45px"},
            layout=w.Layout(width="170px"))
        self.minutes = w.Text(
            value=minutes, description="Minutes", placeholder="23",
            continuous_update=True, style={"description_width": "60px"},
            layout=w.Layout(width="150px"))
        self.code_message = _message_box()
        self.minutes_message = _message_box()
        self.remove = w.Button(description="Remove", icon="minus",
                               tooltip="Remove this row",
                               layout=w.Layout(width="100px"))
        self.box = w.HBox([
            w.VBox([self.code, self.code_message],
                   layout=w.Layout(width="330px")),
            w.VBox([self.minutes, self.minutes_message],
                   layout=w.Layout(width="300px")),
            self.remove], layout=w.Layout(align_items="flex-start"))
        self.number = None
        self.code.observe(calculator._changed, names="value")
        self.minutes.observe(calculator._changed, names="value")
        self.remove.on_click(_guarded(
            calculator, lambda: calculator.remove_row(self.number)))

    def renumber(self, number):
        """Return None; give the row's parts CSS classes for ``number``."""
        old, self.number = self.number, number
        parts = ((self.box, "row"), (self.code, "code"),
                 (self.minutes, "minutes"),
                 (self.code_message, "msg-code"),
                 (self.minutes_message, "msg-minutes"),
                 (self.remove, "remove"))
        for widget, name in parts:
            if old is not None:
                widget.remove_class(f"tb-units-{name}{old}")
            widget.add_class(f"tb-units-{name}{number}")
            widget.add_class(f"tb-units-{name}")

    def blank(self):
        """Return True when both fields are empty (the row is not used)."""
        return not self.code.value.strip() and not self.minutes.value.strip()


class UnitsCalculator:
    """Rows of timed code and minutes, with units by both rules.

    ``rows`` is a list of (code, minutes text) pairs; the CMS example
    when None. Display ``calculator.widget``.
    """

    def __init__(self, rows=None):
        self._rows = []
        self._quiet = False
        self._results = {"cms": None, "ama": None}
        self._rows_box = w.VBox([])
        self._add = w.Button(description="Add row", icon="plus",
                             tooltip=f"Another code (up to {MAX_ROWS})")
        self._add.add_class("tb-units-add")
        self._add.on_click(_guarded(self, self.add_row))
        self._panels = {}
        for method in units.METHODS:
            panel = w.HTML(layout=w.Layout(width="48%"))
            panel.add_class(f"tb-units-{method}")
            self._panels[method] = panel
        self._summary = w.HTML()
        self._summary.add_class("tb-units-summary")
        self.widget = w.VBox([
            w.HTML("<h3>Timed minutes of one day</h3>"),
            self._rows_box, self._add, self._summary,
            w.HBox(list(self._panels.values()),
                   layout=w.Layout(justify_content="space-between",
                                   align_items="flex-start"))])
        self.widget.add_class("tb-units-calculator")
        self._quiet = True
        try:
            for code, minutes in (EXAMPLE_ROWS if rows is None else rows):
                self._append(str(code), str(minutes))
            if not self._rows:
                self._append("", "")
        finally:
            self._quiet = False
        self.refresh()

    # ----------------------------------------------------------- public

    @property
    def row_count(self):
        """Return how many rows the form shows."""
        return len(self._rows)

    def add_row(self, code="", minutes=""):
        """Return the new number of rows, after adding one (if room)."""
        if len(self._rows) < MAX_ROWS:
            self._append(code, minutes)
            self.refresh()
        return len(self._rows)

    def remove_row(self, number):
        """Return the new number of rows, after removing row ``number``
        (1-based); the last row left is cleared instead."""
        if len(self._rows) == 1:
            self.set_row(1, "", "")
            return 1
        row = self._rows.pop(number - 1)
        row.renumber(0)
        self._layout_rows()
        self.refresh()
        return len(self._rows)

    def set_row(self, number, code=None, minutes=None):
        """Return None; type ``code`` and/or ``minutes`` into row
        ``number`` (1-based), as a user would."""
        row = self._rows[number - 1]
        if code is not None:
            row.code.value = code
        if minutes is not None:
            row.minutes.value = minutes

    def code_control(self, number):
        """Return the code Combobox of row ``number``."""
        return self._rows[number - 1].code

    def minutes_control(self, number):
        """Return the minutes Text of row ``number``."""
        return self._rows[number - 1].minutes

    def message(self, number, field):
        """Return the plain text shown beside ``field`` (``"code"`` or
        ``"minutes"``) of row ``number``."""
        row = self._rows[number - 1]
        box = row.code_message if field == "code" else row.minutes_message
        return plain(box.value)

    def has_error(self, number, field):
        """Return True when the text beside the field is an error."""
        row = self._rows[number - 1]
        box = row.code_message if field == "code" else row.minutes_message
        return "tb-units-error" in box.value

    def units(self, method):
        """Return units per code by ``method`` as shown, or None while a
        field has an error."""
        result = self._results[method]
        return dict(result.units) if result else None

    def explanation(self, method):
        """Return the library's UnitsExplanation shown, or None."""
        return self._results[method]

    def shown_text(self, method=None):
        """Return the plain text of a method's panel (summary if None)."""
        box = self._summary if method is None else self._panels[method]
        return plain(box.value)

    def refresh(self):
        """Return None; check every row and show units by both rules."""
        try:
            self._refresh()
        except Exception as exc:  # never let a traceback reach the page
            self._results = {"cms": None, "ama": None}
            for panel in self._panels.values():
                panel.value = ""
            self._summary.value = (
                f'<div style="color:{ERROR}">The calculator could not '
                f"run: {html.escape(short(exc))}</div>")

    # ---------------------------------------------------------- private

    def _append(self, code, minutes):
        row = _Row(self, code, minutes)
        self._rows.append(row)
        self._layout_rows()

    def _layout_rows(self):
        for number, row in enumerate(self._rows, start=1):
            row.renumber(number)
        self._rows_box.children = [row.box for row in self._rows]
        self._add.disabled = len(self._rows) >= MAX_ROWS

    def _changed(self, _change):
        if not self._quiet:
            self.refresh()

    def _refresh(self):
        pairs, problems = [], 0
        for row in self._rows:
            if row.blank():
                row.code_message.value = ""
                row.minutes_message.value = ""
                continue
            code_ok = self._check_code(row)
            minutes = self._check_minutes(row)
            if code_ok and minutes is not None:
                pairs.append((row.code.value, minutes))
            else:
                problems += 1
        if problems:
            self._results = {"cms": None, "ama": None}
            rows = "row has" if problems == 1 else "rows have"
            self._summary.value = (
                f'<div class="tb-units-wait" style="color:{ERROR}">'
                f"{problems} {rows} a problem, shown in red beside the "
                "field. Fix it to see the units.</div>")
            for method, panel in self._panels.items():
                panel.value = _panel_html(method, None)
            return
        for method in units.METHODS:
            self._results[method] = units.explain(pairs, method)
            self._panels[method].value = _panel_html(
                method, self._results[method])
        self._summary.value = _summary_html(self._results)

    def _check_code(self, row):
        try:
            procedure = units.timed_procedure(row.code.value)
        except units.InvalidMinutes as exc:
            row.code_message.value = _error_html(str(exc))
            return False
        row.code_message.value = (
            f'<div class="tb-units-note" style="color:{NOTE};'
            f'font-size:85%;line-height:1.3">'
            f"{html.escape(procedure.summary)}</div>")
        return True

    def _check_minutes(self, row):
        try:
            minutes = units.minutes_from_text(row.minutes.value)
        except units.InvalidMinutes as exc:
            row.minutes_message.value = _error_html(str(exc))
            return None
        row.minutes_message.value = ""
        return minutes


# ---------------------------------------------------------------- helpers

def _message_box():
    box = w.HTML(value="", layout=w.Layout(min_height="0"))
    box.add_class("tb-units-msg")
    return box


def _error_html(text):
    return error_html(text, "tb-units-error")


def _panel_html(method, explanation):
    title = html.escape(_METHOD_TITLES[method])
    if explanation is None:
        return (f"<h4>{title}</h4><p><i>Waiting for the fields in red."
                "</i></p>")
    rows = "".join(
        f"<tr><td>{html.escape(code)}</td>"
        f"<td style='text-align:right'>{explanation.minutes[code]}</td>"
        f"<td style='text-align:right'><b class='tb-units-n'>{n}</b></td>"
        "</tr>" for code, n in explanation.units.items())
    steps = "".join(f"<li>{html.escape(step)}</li>"
                    for step in explanation.steps)
    return (f"<h4>{title}</h4>"
            "<table class='tb-units-table'><tr><th>Code</th>"
            "<th>Minutes</th><th>Units</th></tr>"
            f"{rows}<tr><td><b>Total</b></td>"
            f"<td style='text-align:right'>{explanation.total_minutes}</td>"
            f"<td style='text-align:right'><b class='tb-units-total'>"
            f"{sum(explanation.units.values())}</b></td></tr></table>"
            f"<ol class='tb-units-steps'>{steps}</ol>")


def _summary_html(results):
    cms = sum(results["cms"].units.values())
    ama = sum(results["ama"].units.values())
    if cms == ama:
        comparison = "Both rules give the same number of units."
    else:
        more = "CMS" if cms > ama else "AMA"
        comparison = (f"The {more} rule gives {abs(cms - ama)} more "
                      f"unit{'' if abs(cms - ama) == 1 else 's'}.")
    return (f'<div class="tb-units-compare"><b>CMS: {cms} '
            f"unit{'' if cms == 1 else 's'}; AMA: {ama} "
            f"unit{'' if ama == 1 else 's'}.</b> {comparison} "
            f"{html.escape(units.WHO_USES['cms'])} "
            f"{html.escape(units.WHO_USES['ama'])}</div>")


def _guarded(calculator, action):
    """Return a click handler that runs ``action`` and shows any error."""
    def say(text):
        calculator._summary.value = (
            f'<div style="color:{ERROR}">{html.escape(text)}</div>')
    return guarded(action, say)


