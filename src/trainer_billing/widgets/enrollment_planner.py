"""Enrollment planner: choose a route and a start date, see the steps,
the documents and a timeline chart, each duration with its source.

Everything shown comes from :mod:`trainer_billing.enrollment`; the
planner decides no rule. A start date that is not a date (e.g.
``2026-02-30``) is reported beside the field, the text stays as typed,
and the last good plan stays on screen, marked as not updated.

>>> planner = EnrollmentPlanner(start="2026-01-05")
>>> planner.set_route("mdpp_supplier")
>>> planner.plan.earliest_end.isoformat()
'2027-01-05'
"""

from __future__ import annotations

import datetime
import html
import io
import re

import ipywidgets as w

from trainer_billing import enrollment
from ._common import (WARNING, error_span, message_box, plain,
                      set_value, short)

_STYLE = {"description_width": "110px"}


class EnrollmentPlanner:
    """The planner's controls and what they show; display ``.widget``."""

    def __init__(self, route="npi_only", start=None,
                 application="pecos_web"):
        start = start or datetime.date.today().isoformat()
        self.plan = None
        self.route_field = w.Dropdown(
            options=[(title, key) for key, title
                     in enrollment.ROUTES.items()],
            value=route, description="Route", style=_STYLE,
            layout={"width": "460px"})
        self.start_field = w.Text(
            value=str(start), description="Start date",
            placeholder="YYYY-MM-DD", continuous_update=False,
            style=_STYLE, layout={"width": "260px"})
        self.application_field = w.Dropdown(
            options=[(label.capitalize(), key) for key, (label, _days)
                     in enrollment.APPLICATIONS.items()],
            value=application, description="CMS-20134 as", style=_STYLE,
            layout={"width": "460px"})
        self.route_field.add_class("tb-enroll-route")
        self.start_field.add_class("tb-enroll-start")
        self.application_field.add_class("tb-enroll-application")
        self._start_error = message_box("tb-enroll-start-error")
        self._route_error = message_box("tb-enroll-route-error")
        self._status = message_box("tb-enroll-status")
        self._summary = message_box("tb-enroll-summary")
        self._steps = message_box("tb-enroll-steps")
        self._documents = message_box("tb-enroll-documents")
        self._sources = message_box("tb-enroll-sources")
        self.chart = w.Image(format="png", layout={"max_width": "900px"})
        self.chart.add_class("tb-enroll-chart")
        for control in (self.route_field, self.start_field,
                        self.application_field):
            control.observe(self._changed, names="value")
        self.widget = w.VBox([
            w.HTML("<h2>Enrollment planner</h2><p>Choose a route and the "
                   "date you start. Every duration shows its source; one "
                   "no source gives says who to ask.</p>"),
            w.HBox([self.route_field, self._route_error]),
            w.HBox([self.start_field, self._start_error]),
            self.application_field, self._status, self._summary,
            w.HTML("<h3>Steps</h3>"), self._steps,
            w.HTML("<h3>Timeline</h3>"), self.chart,
            w.HTML("<h3>Documents</h3>"), self._documents,
            w.HTML("<h3>Sources</h3>"), self._sources])
        self.widget.add_class("tb-enrollment-planner")
        self.refresh()

    # ----------------------------------------------------------- public

    def set_route(self, route_id):
        """Return None; choose a route by id (a key of ROUTES)."""
        self.route_field.value = route_id

    def set_start(self, text):
        """Return None; type a start date."""
        self.start_field.value = text

    def refresh(self):
        """Return the Plan now shown, or None when the input is bad."""
        self.application_field.layout.display = ""
        try:
            chosen = enrollment.route(self.route_field.value,
                                      application=self.application_field
                                      .value)
            self.application_field.layout.display = (
                "" if chosen.uses_application else "none")
            set_value(self._route_error, "")
        except enrollment.EnrollmentError as error:
            set_value(self._route_error, error_span(str(error)))
            return self._stale()
        try:
            enrollment.parse_start(self.start_field.value)
            set_value(self._start_error, "")
        except enrollment.InvalidStartDate as error:
            set_value(self._start_error, error_span(str(error)))
            return self._stale()
        try:
            plan = enrollment.plan_route(
                self.route_field.value, self.start_field.value,
                application=self.application_field.value)
            self._show(plan)
        except Exception as error:  # never a traceback on the page
            set_value(self._status, error_span(
                f"The planner could not run: {short(error)}"))
            return None
        self.plan = plan
        set_value(self._status, "")
        return plan

    def shown_text(self, part):
        """Return the plain text shown in ``part``: one of "summary",
        "steps", "documents", "sources", "status", "start_error",
        "route_error"."""
        return plain(getattr(self, "_" + part).value)

    # ------------------------------------------------------------ show

    def _changed(self, _change):
        try:
            self.refresh()
        except Exception as error:  # an observer never shows a traceback
            set_value(self._status, error_span(
                f"Something went wrong: {short(error)}"))

    def _stale(self):
        if self.plan is not None:
            set_value(self._status,
                      f'<div style="color:{WARNING}">The plan below is for '
                      "the last good input; fix the field above to update "
                      "it.</div>")
        return None

    def _show(self, plan):
        route = plan.route
        if plan.typical_end is not None:
            typical = f"Usual end: {plan.typical_end.isoformat()}."
        else:
            unknown = plan.unknown_steps()
            asks = ", ".join(dict.fromkeys(s.duration.ask for s in unknown))
            typical = (f"Usual end: unknown. Counting only the sourced "
                       f"figures it is {plan.known_end.isoformat()}, plus "
                       f"the time of {len(unknown)} step"
                       f"{'' if len(unknown) == 1 else 's'} no source "
                       f"times (ask {asks}).")
        warnings = "".join(f"<li>{html.escape(text)}</li>"
                           for text in route.warnings)
        set_value(self._summary,
                  f"<p><b>{html.escape(route.title)}</b>: "
                  f"{html.escape(route.summary)}</p>"
                  f'<p class="tb-enroll-earliest">Not before: '
                  f"{plan.earliest_end.isoformat()}.</p>"
                  f'<p class="tb-enroll-typical">{html.escape(typical)}</p>'
                  f'<ul style="color:#8a5a00">{warnings}</ul>')
        rows = []
        for number, row in enumerate(plan.rows, start=1):
            duration = row.step.duration
            flag = "" if duration.verified or duration.own_work else (
                ' <span class="tb-unverified" style="color:#8a5a00">'
                "(unverified)</span>")
            source = duration.source or (
                "" if duration.own_work else "no source")
            typical = (row.typical_end.isoformat() if row.typical_end
                       else "unknown")
            rows.append(
                f"<tr><td>{number}</td><td><b>{html.escape(row.step.title)}"
                f"</b><br>{html.escape(row.step.what)}</td>"
                f"<td>{html.escape(duration.shown())}{flag}<br>"
                f"<small>{html.escape(source)}</small></td>"
                f"<td>{row.earliest_end.isoformat()}</td>"
                f"<td>{typical}</td></tr>")
        set_value(self._steps,
                  '<table class="tb-enroll-table" style="border-collapse:'
                  'collapse;font-size:90%"><tr><th>#</th><th>Step</th>'
                  "<th>How long (source)</th><th>Not before</th>"
                  "<th>Usual end</th></tr>" + "".join(rows) + "</table>")
        set_value(self._documents, "<ul>" + "".join(
            f"<li><b>{html.escape(doc.name)}</b>: {html.escape(doc.why)}"
            + ("" if doc.verified else
               ' <span class="tb-unverified" style="color:#8a5a00">'
               "(unverified)</span>") + "</li>"
            for doc in route.documents) + "</ul>")
        set_value(self._sources, "<ol>" + "".join(
            f"<li>{_link(text)}</li>" for text in plan.sources()) + "</ol>")
        figure = enrollment.timeline_figure(plan)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        self.chart.value = buffer.getvalue()


def _link(text):
    escaped = html.escape(text)
    return re.sub(r"(https?://[^\s);]+)",
                  r'<a href="\1" target="_blank" rel="noopener">\1</a>',
                  escaped)
