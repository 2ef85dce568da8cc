"""Denial helper: type or pick a group code, a CARC and a RARC; see what
the denial means, who owes what and what to do next, and a drafted
appeal letter when an appeal makes sense.

Every message comes from :mod:`trainer_billing.denials`; the helper
decides no rule. A bad code is reported beside its own field and the
text stays as typed.

>>> helper = DenialHelper()
>>> helper.set_codes("PR", "2")
>>> helper.explanation.action
'bill_patient'
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import ipywidgets as w

from trainer_billing import denials
from ._common import error_span, message_box, plain, set_value, short

_STYLE = {"description_width": "150px"}
_WIDE = {"width": "420px"}
_OWE_COLOUR = {True: "#1b5e20", False: "#b00020"}
_APPEAL_WORDS = {"yes": "Appeal: yes", "possible": "Appeal: possible",
                 "no": "Appeal: no"}


class DenialHelper:
    """The helper's controls and what they show; display ``.widget``.

    ``claims`` maps a label to a claim dict (the letter is drafted from
    the chosen one); by default the course's sample claim and the
    trainer's therapy claim from ``datasets/claims``.
    """

    def __init__(self, claims=None, group="CO", carc="50", rarc=""):
        self.claims = dict(claims) if claims is not None else \
            _default_claims()
        self.explanation = None
        self.letter = ""
        self.group_field = self._combo("Group code", denials.groups(),
                                       group, "CO, PR, OA or PI")
        self.carc_field = self._combo("Reason code (CARC)",
                                      denials.carcs(), carc, "e.g. 45")
        self.rarc_field = self._combo("Remark code (RARC)",
                                      denials.rarcs(), rarc,
                                      "optional, e.g. M127")
        self.claim_field = w.Dropdown(
            options=list(self.claims) or ["(no claim)"],
            description="Claim", style=_STYLE, layout=_WIDE)
        self.payer_field = w.Dropdown(
            options=[("From the claim", ""), ("Medicare", "medicare"),
                     ("Commercial / other", "commercial")],
            value="", description="Payer", style=_STYLE, layout=_WIDE)
        self.note_date = w.Text(description="Note date",
                                placeholder="YYYY-MM-DD", style=_STYLE,
                                layout=_WIDE, continuous_update=False)
        self.note_assessment = w.Textarea(
            description="Assessment", style=_STYLE,
            placeholder="measurable findings, e.g. knee flexion 95 to "
            "110 degrees", layout={"width": "600px", "height": "60px"},
            continuous_update=False)
        self.note_plan = w.Textarea(
            description="Plan", style=_STYLE, placeholder="what comes "
            "next", layout={"width": "600px", "height": "60px"},
            continuous_update=False)
        for name, control in (("group", self.group_field),
                              ("carc", self.carc_field),
                              ("rarc", self.rarc_field),
                              ("claim", self.claim_field),
                              ("payer", self.payer_field),
                              ("note-date", self.note_date),
                              ("assessment", self.note_assessment),
                              ("plan", self.note_plan)):
            control.add_class(f"tb-denial-{name}")
            control.observe(self._changed, names="value")
        self._errors = {key: message_box(f"tb-denial-{key}-error")
                        for key in ("group", "carc", "rarc")}
        self._result = message_box("tb-denial-result")
        self._status = message_box("tb-denial-status")
        self.letter_field = w.Textarea(
            value="", description="", disabled=False,
            layout={"width": "760px", "height": "420px"})
        self.letter_field.add_class("tb-denial-letter")
        self._letter_note = message_box("tb-denial-letter-note")
        self.widget = w.VBox([
            w.HTML("<h2>Denial helper</h2><p>Type the group code, reason "
                   "code and remark code from the remittance (835 or "
                   "EOB).</p>"),
            w.HBox([self.group_field, self._errors["group"]]),
            w.HBox([self.carc_field, self._errors["carc"]]),
            w.HBox([self.rarc_field, self._errors["rarc"]]),
            self.claim_field, self.payer_field, self._status,
            self._result,
            w.HTML("<h3>Appeal letter</h3><p>Drafted from the claim and "
                   "the session note below; edit it before you send "
                   "it.</p>"),
            self.note_date, self.note_assessment, self.note_plan,
            self._letter_note, self.letter_field])
        self.widget.add_class("tb-denial-helper")
        self.refresh()

    # ----------------------------------------------------------- public

    def set_codes(self, group=None, carc=None, rarc=None):
        """Return None; type any of the three codes."""
        for control, value in ((self.group_field, group),
                               (self.carc_field, carc),
                               (self.rarc_field, rarc)):
            if value is not None:
                control.value = value

    def claim(self):
        """Return the chosen claim dict (an empty dict when none)."""
        return self.claims.get(self.claim_field.value, {})

    def note(self):
        """Return the session note typed below, or None when empty."""
        note = {"date": self.note_date.value,
                "assessment": self.note_assessment.value,
                "plan": self.note_plan.value}
        note = {key: value for key, value in note.items()
                if value.strip()}
        return note or None

    def refresh(self):
        """Return the Explanation shown, or None when a code is bad."""
        checks = (("group", denials.clean_group, self.group_field),
                  ("carc", denials.clean_carc, self.carc_field),
                  ("rarc", denials.clean_rarc, self.rarc_field))
        bad = False
        for key, clean, control in checks:
            try:
                clean(control.value)
                set_value(self._errors[key], "")
            except denials.DenialError as error:
                set_value(self._errors[key], error_span(str(error)))
                bad = True
        if bad:
            self.explanation = None
            self.letter = ""
            set_value(self._status, '<div style="color:#8a5a00">Fix the code '
                      "marked above to see what the denial means.</div>")
            set_value(self._result, "")
            set_value(self._letter_note, "")
            self.letter_field.value = ""
            return None
        try:
            found = denials.explain(
                self.group_field.value, self.carc_field.value,
                self.rarc_field.value, claim=self.claim(),
                payer=self.payer_field.value or None)
        except Exception as error:  # never a traceback on the page
            set_value(self._status, error_span(
                f"The helper could not run: {short(error)}"))
            return None
        set_value(self._status, "")
        self.explanation = found
        self._show(found)
        self._draft(found)
        return found

    def shown_text(self, part):
        """Return the plain text shown in ``part``: "result", "status",
        "letter_note", "group_error", "carc_error" or "rarc_error"."""
        if part.endswith("_error"):
            return plain(self._errors[part[:-6]].value)
        return plain(getattr(self, "_" + part).value)

    # ------------------------------------------------------------ show

    def _combo(self, label, options, value, hint):
        control = w.Combobox(options=list(options), value=value,
                             ensure_option=False, placeholder=hint,
                             description=label, style=_STYLE,
                             layout=_WIDE, continuous_update=True)
        return control

    def _changed(self, _change):
        try:
            self.refresh()
        except Exception as error:  # an observer never shows a traceback
            set_value(self._status, error_span(
                f"Something went wrong: {short(error)}"))

    def _show(self, found):
        rarc = (f"<p><b>Remark {html.escape(found.rarc)}:</b> "
                f"{html.escape(found.rarc_meaning)}</p>"
                if found.rarc else "")
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in found.steps)
        warnings = "".join(
            f'<li class="tb-denial-warning">{html.escape(s)}</li>'
            for s in found.warnings)
        sources = "".join(f"<li>{html.escape(s)}</li>"
                          for s in found.sources)
        colour = _OWE_COLOUR[found.patient_may_be_billed]
        billed = ("You may bill the patient." if
                  found.patient_may_be_billed else "")
        set_value(self._result,
                  f'<div class="tb-denial-meaning"><p><b>'
                  f"{html.escape(found.group)}-{html.escape(found.carc)}</b> "
                  f"({html.escape(found.group_name)}): "
                  f"{html.escape(found.carc_meaning)}</p>{rarc}</div>"
                  f'<p class="tb-denial-owes" style="color:{colour}">'
                  f"<b>Who owes:</b> {html.escape(found.who_owes)} "
                  f"{html.escape(billed)}</p>"
                  f'<p class="tb-denial-action"><b>Next action:</b> '
                  f"{html.escape(found.action_text)}</p><ol>{steps}</ol>"
                  f'<p class="tb-denial-appeal"><b>'
                  f"{_APPEAL_WORDS[found.appeal]}.</b> "
                  f"{html.escape(found.appeal_reason)}</p>"
                  + (f'<ul style="color:#8a5a00">{warnings}</ul>'
                     if warnings else "")
                  + f"<details><summary>Sources</summary><ol>{sources}</ol>"
                    "</details>")

    def _draft(self, found):
        if not self.claims:
            self.letter = ""
            set_value(self._letter_note, "No claim to draft from.")
            self.letter_field.value = ""
            return
        try:
            self.letter = denials.appeal_letter(
                self.claim(), self.note(), carc=found.carc,
                rarc=found.rarc, group=found.group,
                payer=self.payer_field.value or None)
            set_value(self._letter_note, "")
        except denials.NotAppealable as error:
            self.letter = ""
            set_value(self._letter_note,
                      '<div class="tb-denial-no-letter" style="color:#b00020">'
                      f"No letter: {html.escape(str(error))}</div>")
        except Exception as error:  # never a traceback on the page
            self.letter = ""
            set_value(self._letter_note, error_span(
                f"Could not draft the letter: {short(error)}"))
        self.letter_field.value = self.letter


def _default_claims():
    """Return the course's example claims found under datasets/claims."""
    found = {}
    for folder in (Path.cwd(), *Path.cwd().parents,
                   *Path(__file__).resolve().parents):
        base = folder / "datasets" / "claims"
        if (base / "valid_sample.json").is_file():
            for label, relative in (
                    ("Sample PT claim (97110, 97530)", "valid_sample.json"),
                    ("Trainer billed 97110 (Peak Form)",
                     "invalid/therapy_code_by_trainer.json")):
                try:
                    found[label] = json.loads(
                        (base / relative).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
            break
    return found
