"""Claim builder: an ipywidgets form for one CMS-1500 claim.

The form holds the claim's items as the user typed them (every item of
``data/claim.schema.json``, payer to item 33a). On every change it
rebuilds the claim dict (the "Claim file (JSON)" contract of
``DESIGN.md``), asks :func:`trainer_billing.x12.findings` what is wrong
(the rule catalog of :mod:`trainer_billing.scrub` plus the 837P's own
checks) and shows each finding under the control of its item, in words;
a value the claim file cannot hold (units typed as words) is said there
too, from the claim's schema. Every message on screen comes from the
library; the form decides no billing rule.

Below the form are the printed CMS-1500 and the superbill
(:mod:`trainer_billing.forms`), embedded as PDFs (Chromium's viewer shows
the first page; nothing installed here turns a PDF page into an image
without poppler), with download links for both and for the 837P
(:func:`trainer_billing.x12.write_837p`). The links are ``data:`` URLs,
so they work in JupyterLab and Voila alike. When the writer refuses the
claim, the 837P link is replaced by the errors to fix; when the forms
module refuses a superbill, its reason shows instead.

The form never rewrites what the user typed. Drafts are the claim's JSON,
saved even when the claim has errors, so nothing typed is lost.

>>> builder = ClaimBuilder()
>>> builder.set_field("billing_provider.npi", "1234567893")
>>> builder.to_claim()["billing_provider"]["npi"]
'1234567893'
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime
import html
import json
import re
from pathlib import Path

import ipywidgets as w

from trainer_billing import claim, forms, scrub, x12
from ._common import SEVERITY_COLOUR, guarded, plain, set_value, short

#: Where a draft goes unless the user types another path (``drafts/`` is
#: ignored by git).
DEFAULT_DRAFT = Path("drafts") / "claim_draft.json"

#: Rows and diagnosis slots on the form; the limits are the library's.
MAX_LINES = scrub.MAX_LINES
DIAGNOSIS_LETTERS = scrub.POINTER_LETTERS[:scrub.MAX_DIAGNOSES]

# Suggestions only, from the checker's own lists: the comboboxes accept any
# text, and the checker says whether the claim may carry it.
_SUGGEST = {
    "coverage": scrub.COVERAGES,
    "sex": scrub.SEXES,
    "relationship": scrub.RELATIONSHIPS,
    "qualifier": scrub.QUALIFIERS,
    "tax_type": scrub.TAX_ID_TYPES,
}

_NAME = (("last", "last name"), ("first", "first name"))
_ADDRESS = (("street", "street"), ("city", "city"), ("state", "state"),
            ("zip", "ZIP code"))

# Sections of the form: (title, groups); a group is one CMS-1500 item with
# its findings area: (item, fields); a field is
# (path in the claim dict, label, suggestions key or None, placeholder[,
# kind]). Kinds: "text" (the default), "yesno" (true/false in the claim,
# "not given" when absent) and "count" (a whole number or null).
_SECTIONS = (
    ("Payer", (
        ("payer", ((("payer", "name"), "Payer name", None,
                    "as on the card"),
                   (("payer", "id"), "Payer ID", None,
                    "from the payer list"))
         + tuple((("payer", "address", key), f"Payer {label}", None, "")
                 for key, label in _ADDRESS)
         + ((("payer", "referral_required"), "Needs a referral",
             None, "", "yesno"),
            (("payer", "prior_authorization_required"),
             "Needs prior auth.", None, "", "yesno"),
            (("payer", "timely_filing_days"), "Filing limit (days)", None,
             "e.g. 90", "count"))),
    )),
    ("Coverage and insured", (
        ("1", ((("coverage",), "Coverage (1)", "coverage",
                "group_health_plan"),)),
        ("1a", ((("insured", "id"), "Insured's ID (1a)", None,
                 "as on the card"),)),
        ("4", tuple((("insured", "name", key), f"Insured {label} (4)",
                     None, "") for key, label in _NAME)),
        ("7", tuple((("insured", "address", key), f"Insured {label} (7)",
                     None, "if not the patient's")
                    for key, label in _ADDRESS)),
        ("11", ((("insured", "group"), "Group number (11)", None, ""),)),
        ("11a", ((("insured", "birth_date"), "Insured birth date (11a)",
                  None, "YYYY-MM-DD"),
                 (("insured", "sex"), "Insured sex (11a)", "sex",
                  "F, M or U"))),
        ("11c", ((("insured", "plan"), "Plan name (11c)", None, ""),)),
    )),
    ("Patient", (
        ("2", tuple((("patient", "name", key), f"Patient {label} (2)",
                     None, "") for key, label in _NAME)),
        ("3", ((("patient", "birth_date"), "Birth date (3)", None,
                "YYYY-MM-DD"),
               (("patient", "sex"), "Sex (3)", "sex", "F, M or U"))),
        ("5", tuple((("patient", "address", key), f"Patient {label} (5)",
                     None, "") for key, label in _ADDRESS)),
        ("6", ((("patient", "relationship"), "Relationship (6)",
                "relationship", "self"),)),
    )),
    ("Referring provider", (
        ("17", ((("referring_provider", "qualifier"), "Qualifier (17)",
                 "qualifier", "DN"),)
         + tuple((("referring_provider", "name", key),
                  f"Referring {label} (17)", None, "")
                 for key, label in _NAME)),
        ("17b", ((("referring_provider", "npi"), "Referring NPI (17b)",
                  None, "10 digits"),)),
    )),
    ("Prior authorization", (
        ("23", ((("prior_authorization",), "Prior auth. (23)", None,
                 "if the plan gave one"),)),
    )),
    ("Tax ID, account and total", (
        ("25", ((("tax_id", "type"), "Tax ID type (25)", "tax_type",
                 "EIN"),
                (("tax_id", "value"), "Tax ID (25)", None, "00-0000000"))),
        ("26", ((("patient_account",), "Patient account (26)", None,
                 "your invoice number"),)),
        ("27", ((("accept_assignment",), "Accept assignment (27)", None,
                 "", "yesno"),)),
        ("28", ((("total_charge",), "Total charge (28)", None,
                 "185.00"),)),
    )),
    ("Rendering provider", (
        ("31", tuple((("rendering_provider", "name", key),
                      f"Rendering {label} (31)", None, "")
                     for key, label in _NAME)
         + ((("rendering_provider", "credentials"), "Credentials (31)",
             None, "PT, DPT"),
            (("rendering_provider", "npi"), "Rendering NPI (31)", None,
             "10 digits"))),
    )),
    ("Billing provider", (
        ("33", ((("billing_provider", "name"), "Billing name (33)", None,
                 ""),)
         + tuple((("billing_provider", "address", key),
                  f"Billing {label} (33)", None, "")
                 for key, label in _ADDRESS)
         + ((("billing_provider", "phone"), "Phone (33)", None,
             "10 digits"),
            (("billing_provider", "taxonomy"), "Taxonomy (33)", None,
             "225100000X"))),
        ("33a", ((("billing_provider", "npi"), "Billing NPI (33a)", None,
                  "10 digits"),)),
    )),
)

#: The choices of a yes/no control and the claim value of each.
_YESNO = (("not given", ""), ("yes", "yes"), ("no", "no"))
_YESNO_VALUE = {"": None, "yes": True, "no": False}

# One service line (item 24): (item, ((key, label, placeholder), ...)).
_LINE_GROUPS = (
    ("24A", (("from", "From (24A)", "YYYY-MM-DD"),
             ("to", "To (24A)", "YYYY-MM-DD"))),
    ("24B", (("place_of_service", "Place (24B)", "11"),)),
    ("24D", (("code", "Code (24D)", "97110"),
             ("modifiers", "Modifiers (24D)", "GP"))),
    ("24E", (("pointers", "Pointers (24E)", "A, B"),)),
    ("24F", (("charge", "Charge (24F)", "60.00"),)),
    ("24G", (("units", "Units (24G)", "2"),
             ("minutes", "Minutes (24G)", "timed codes"))),
    ("24J", (("rendering_npi", "Rendering NPI (24J)", "10 digits"),)),
)
#: The group (item) each control sits in, for values found by path.
_CONTROL_ITEM = {fields[0]: item for _, groups in _SECTIONS
                 for item, group in groups for fields in group}
_LINE_KEY_ITEM = {key: item for item, fields in _LINE_GROUPS
                  for key, *_ in fields}

_LIST_KEYS = ("modifiers", "pointers")
_NUMBER_KEYS = ("units", "minutes")
#: Line keys that are null, not blank text, when the control is empty.
_NULL_WHEN_BLANK = ("minutes",)
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_SPLIT = re.compile(r"[\s,;]+")

_FIELD_STYLE = {"description_width": "180px"}
_FIELD_LAYOUT = {"width": "450px"}
_LINE_STYLE = {"description_width": "135px"}
_LINE_LAYOUT = {"width": "290px"}
_SEVERITY_MARK = {"error": "\u2716 Error", "warning": "\u26a0 Warning"}


class ClaimBuilder:
    """A claim form that shows the scrubber's findings as the user types.

    ``claim_dict`` fills the form (a blank claim when None);
    ``sample_path`` is the claim the "Load sample claim" button loads;
    ``draft_path`` is the draft file shown in the form.
    Display ``builder.widget``.
    """

    def __init__(self, claim_dict=None, sample_path=None,
                 draft_path=DEFAULT_DRAFT):
        self._controls = {}        # path tuple -> control
        self._diagnoses = []       # control per letter A-L
        self._lines = []           # per line: {key: control}
        self._line_rows = []       # per line: the row's container
        self._boxes = {}           # (item in lower case, line) -> HTML
        self._base = {}            # last loaded claim: keeps unknown keys
        self._base_lines = [{} for _ in range(MAX_LINES)]
        self._findings = []
        self._line_count = 1
        self._quiet = False
        self._load_problem = ""
        self._load_note = ""
        self._extra_diagnoses = []  # beyond the form's room, as loaded
        self._extra_lines = []
        self._format_problems = []
        self._pending = None       # the waiting preview update, if any
        self._outputs_key = None   # what the previews were made from
        self._ready = False        # True once the form is built
        self._stale = False        # outputs to make when next asked for
        #: Seconds of quiet before the previews follow the form (kernel).
        self.output_delay = 0.6
        self.sample_path = (Path(sample_path) if sample_path
                            else _find_sample())
        self._quiet = True         # no checks while the form is built
        try:
            self.widget = self._build(str(draft_path))
        finally:
            self._quiet = False
        start = claim_dict if claim_dict is not None else _blank_claim()
        if not self.load_claim(start):
            self.refresh()
        self._ready = True

    # ----------------------------------------------------------- public

    def load_claim(self, data):
        """Return True when ``data`` filled the form, else False.

        On False the form is left exactly as it was and the status line
        says why (e.g. a value that should be an object is a list).
        """
        try:
            plan = _fill_plan(data)
        except (TypeError, ValueError) as exc:
            self._load_problem = str(exc)
            self._say(f"Could not load this claim: {exc}. The form is "
                      "unchanged.", "error")
            return False
        values, diagnoses, lines = plan
        self._quiet = True
        try:
            for path, text in values.items():
                self._controls[path].value = text
            for control, text in zip(self._diagnoses, diagnoses):
                control.value = text
            for number in range(MAX_LINES):
                texts = lines[number] if number < len(lines) else {}
                for key, control in self._lines[number].items():
                    control.value = texts.get(key, "")
            self._base = copy.deepcopy(data)
            raw_lines = data.get("lines") or []
            self._base_lines = [
                copy.deepcopy(raw_lines[i]) if i < len(raw_lines) else {}
                for i in range(MAX_LINES)]
            # More than the form has room for: kept as loaded and checked,
            # but not editable here (the checker reports the excess).
            self._extra_diagnoses = copy.deepcopy(
                (data.get("diagnoses") or [])[len(DIAGNOSIS_LETTERS):])
            self._extra_lines = copy.deepcopy(raw_lines[MAX_LINES:])
            self._set_line_count(max(1, min(len(lines), MAX_LINES)))
        finally:
            self._quiet = False
        self.refresh()
        extra = []
        if self._extra_diagnoses:
            extra.append(f"{len(diagnoses)} diagnoses (the form shows "
                         f"{len(DIAGNOSIS_LETTERS)})")
        if self._extra_lines:
            extra.append(f"{len(lines)} service lines (the form shows "
                         f"{MAX_LINES})")
        self._load_note = (
            "This claim has " + " and ".join(extra) + ". The rest is kept "
            "as loaded and checked, but cannot be edited here."
            if extra else "")
        if extra:
            self._say(self._load_note, "warning")
        return True

    def to_claim(self):
        """Return the claim dict the form holds now, as the user typed it.

        Keys the form has no control for (from a loaded claim) are kept.
        Units typed as a number become a JSON number (``2``, ``1.5``);
        anything else stays the text typed, so the checker can say what is
        wrong with it.
        """
        data = copy.deepcopy(self._base) if isinstance(
            self._base, dict) else {}
        kinds = _field_kinds()
        for path, control in self._controls.items():
            value = _field_value(kinds[path], control.value)
            if kinds[path] == "yesno" and value is None:
                _drop(data, path)       # "not given": no key at all
            elif value in ("", None) and not _has(data, path):
                continue                # left blank, and not in the file
            else:
                _put(data, path, value)
        diagnoses = [control.value for control in self._diagnoses]
        while diagnoses and not diagnoses[-1].strip() \
                and not self._extra_diagnoses:
            diagnoses.pop()
        data["diagnoses"] = diagnoses + copy.deepcopy(
            self._extra_diagnoses)
        lines = []
        for number in range(self._line_count):
            base = self._base_lines[number]
            line = copy.deepcopy(base) if isinstance(base, dict) else {}
            for key, control in self._lines[number].items():
                value = _from_text(key, control.value)
                if value in ("", None, []) and key not in line:
                    continue            # left blank, and not in the file
                line[key] = value
            lines.append(line)
        data["lines"] = lines + copy.deepcopy(self._extra_lines)
        return data

    def findings(self):
        """Return the findings of the last check (a list of Finding)."""
        return list(self._findings)

    def format_problems(self):
        """Return the values the claim file cannot hold (claim.Problem),
        e.g. units typed as words; found by the claim's schema."""
        return list(self._format_problems)

    def refresh(self):
        """Return the findings after checking the claim the form holds.

        The findings are the rule catalog's and the 837P's own
        (:func:`trainer_billing.x12.findings`). The previews and download
        links follow (see :meth:`update_outputs`).
        """
        data = self.to_claim()
        try:
            found = list(x12.findings(data))
            problem = None
        except Exception as exc:  # never let a traceback reach the page
            found, problem = [], short(exc)
        self._findings = found
        self._format_problems = _format_problems(data)
        self._show(found, problem)
        self._outputs_soon()
        return self.findings()

    def update_outputs(self):
        """Return None, after rebuilding the previews and download links
        for the claim the form holds now.

        The CMS-1500 prints as typed, errors and all; the superbill shows
        the forms module's reason when it refuses the claim; the 837P is
        written only when the writer accepts the claim, else the link is
        replaced by what to fix.
        """
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._stale = False
        data = self.to_claim()
        options = {key: control.value
                   for key, control in self._superbill_options.items()}
        today = datetime.date.today()
        key = json.dumps([data, options, str(today)], sort_keys=True,
                         default=str)
        if key == self._outputs_key:
            return
        self._outputs_key = key
        stem = _file_stem(data)
        errors = [f for f in self._findings
                  if getattr(f, "severity", "") == "error"]
        # CMS-1500: a printout of the claim as typed.
        try:
            pdf = forms.cms1500_pdf(data)
        except Exception as exc:  # FormError or worse: say why, in words
            self._show_output("cms1500", _refused(
                "The CMS-1500 cannot be printed", short(exc)))
        else:
            note = (f"The claim still has {_count(len(errors), 'error')}; "
                    "the printout shows it as typed." if errors else "")
            self._show_output("cms1500", _link(
                pdf, "application/pdf", f"cms1500-{stem}.pdf",
                "Download the CMS-1500 (PDF)", note), _frame(
                pdf, "Preview of the printed CMS-1500, page 1"))
        # Superbill: the forms module refuses what may not be billed.
        try:
            pdf = forms.superbill_pdf(data, **options)
        except Exception as exc:
            self._show_output("superbill", _refused(
                "The superbill cannot be printed", short(exc)))
        else:
            self._show_output("superbill", _link(
                pdf, "application/pdf", f"superbill-{stem}.pdf",
                "Download the superbill (PDF)"), _frame(
                pdf, "Preview of the superbill, page 1"))
        # 837P: written only when the writer finds no error.
        try:
            text = x12.write_837p(
                data, sender_id=x12.DEFAULT_SENDER_ID,
                receiver_id=x12.DEFAULT_RECEIVER_ID, control_number=1,
                created=datetime.datetime.now().replace(microsecond=0))
        except x12.ClaimHasErrors as exc:
            self._show_output("837p", _blocked(exc.errors))
        except Exception as exc:
            self._show_output("837p", _refused(
                "The 837P cannot be written", short(exc)))
        else:
            self._show_output("837p", _link(
                text.encode("utf-8"), "application/edi-x12",
                f"claim-{stem}.837p.txt", "Download the 837P (X12)",
                "A test file (ISA15 = T) addressed from "
                f"{x12.DEFAULT_SENDER_ID} to {x12.DEFAULT_RECEIVER_ID}: "
                "your clearinghouse gives you the real IDs."))

    @property
    def outputs_pending(self):
        """Return True while the previews wait to follow the form."""
        return self._pending is not None or self._stale

    def download_link(self, kind):
        """Return the HTML widget with the download of ``kind``
        (``"cms1500"``, ``"superbill"`` or ``"837p"``), or the reason
        there is none."""
        if self._stale:
            self._outputs_now()
        return self._downloads[kind]

    def preview(self, kind):
        """Return the HTML widget previewing ``kind`` (``"cms1500"`` or
        ``"superbill"``): the PDF, embedded, or the reason there is none.
        """
        if self._stale:
            self._outputs_now()
        return self._previews[kind]

    def set_field(self, name, value, line=None):
        """Return None; type ``value`` into the control called ``name``.

        ``name`` is a dotted path in the claim (``"billing_provider.npi"``,
        ``"patient.birth_date"``, ``"diagnoses.B"``) or, with ``line``
        (1-based), a key of a service line (``"units"``, ``"pointers"``).
        """
        self.control(name, line).value = value

    def control(self, name, line=None):
        """Return the control for ``name`` (see :meth:`set_field`)."""
        if line is not None:
            if not 1 <= line <= MAX_LINES:
                raise KeyError(f"line {line}: lines are 1 to {MAX_LINES}")
            return self._lines[line - 1][name]
        parts = tuple(name.split("."))
        if parts[0] == "diagnoses" and len(parts) == 2:
            return self._diagnoses[DIAGNOSIS_LETTERS.index(parts[1])]
        return self._controls[parts]

    def finding_box(self, item, line=None):
        """Return the HTML widget that shows findings for ``item``.

        ``"other"`` is the area for findings of items the form has no
        place for.
        """
        if item == "other":
            return self._other
        return self._boxes[(item.lower(), line)]

    def shown_text(self, item=None, line=None):
        """Return the plain text shown at ``item`` (the summary if None)."""
        box = self._summary if item is None else self.finding_box(
            item, line)
        return plain(box.value)

    @property
    def draft_path_field(self):
        """Return the Text control holding the draft file's path."""
        return self._draft_path

    @property
    def status_text(self):
        """Return the plain text of the status line (save and load)."""
        return plain(self._status.value)

    @property
    def line_count(self):
        """Return how many service lines the form shows."""
        return self._line_count

    def add_line(self):
        """Return the new number of lines, after showing one more line."""
        if self._line_count < MAX_LINES:
            texts = _line_texts(_blank_line(), self._line_count + 1)
            self._quiet = True
            try:
                for key, control in self._lines[self._line_count].items():
                    control.value = texts.get(key, "")
            finally:
                self._quiet = False
            self._base_lines[self._line_count] = _blank_line()
            self._set_line_count(self._line_count + 1)
            self.refresh()
        return self._line_count

    def remove_line(self):
        """Return the new number of lines, after clearing the last one."""
        if self._line_count > 1:
            last = self._line_count - 1
            self._quiet = True
            try:
                for control in self._lines[last].values():
                    control.value = ""
            finally:
                self._quiet = False
            self._base_lines[last] = {}
            self._set_line_count(last)
            self.refresh()
        return self._line_count

    def save_draft(self, path=None):
        """Return the path written, or None when the draft was not saved.

        The draft is the claim's JSON as typed, errors and all.
        """
        target = Path(path) if path else Path(self._draft_path.value)
        data = self.to_claim()
        try:
            text = claim.dumps(data)
        except Exception:
            # A draft may hold what the library cannot yet serialise as a
            # claim; plain JSON still keeps every character typed.
            text = json.dumps(data, indent=2, ensure_ascii=False)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + ("" if text.endswith("\n") else "\n"),
                              encoding="utf-8")
        except OSError as exc:
            self._say(f"Could not save the draft to {target}: "
                      f"{short(exc)}", "error")
            return None
        errors = sum(1 for f in self._findings
                     if getattr(f, "severity", "") == "error")
        note = (f" It still has {_count(errors, 'error')}."
                if errors else "")
        self._say(f"Saved the draft to {target.resolve()}.{note}", "ok")
        return target

    def load_draft(self, path=None):
        """Return True when the draft filled the form, else False.

        A file that is missing, not JSON or not shaped like a claim leaves
        the form as it was; the status line says why.
        """
        source = Path(path) if path else Path(self._draft_path.value)
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            self._say(f"Could not read the draft {source}: {short(exc)}",
                      "error")
            return False
        try:
            data = json.loads(text)
        except ValueError as exc:
            self._say(f"The draft {source} is not valid JSON: "
                      f"{short(exc)}. The form is unchanged.", "error")
            return False
        if not isinstance(data, dict):
            self._say(f"The draft {source} holds a "
                      f"{_json_type(data)}, not a claim object. "
                      "The form is unchanged.", "error")
            return False
        if not self.load_claim(data):
            self._say(f"The draft {source} does not fit the form: "
                      f"{self._load_problem}. The form is unchanged.",
                      "error")
            return False
        self._say_loaded(f"Loaded the draft {source.resolve()}.")
        return True

    def load_sample(self):
        """Return True when the sample claim filled the form, else False."""
        if self.sample_path is None:
            self._say("No sample claim was found: pass sample_path.",
                      "error")
            return False
        try:
            data = claim.load(self.sample_path)
        except claim.ClaimFileError as exc:
            self._say(f"The sample {self.sample_path} has problems: "
                      f"{_problems(exc)}", "error")
            return False
        except Exception as exc:
            self._say(f"Could not load the sample {self.sample_path}: "
                      f"{short(exc)}", "error")
            return False
        if self.load_claim(data):
            self._say_loaded(f"Loaded the sample claim {self.sample_path}.")
            return True
        return False

    # ------------------------------------------------------------ build

    def _build(self, draft_path):
        """Return the top-level container with every control."""
        title = w.HTML(
            "<h2>Claim builder (CMS-1500)</h2><p>Type the claim's items. "
            "What the checker finds appears under the item it belongs to."
            "</p>")
        sample = w.Button(description="Load sample claim",
                          tooltip="Replace the form with the sample claim",
                          icon="file")
        save = w.Button(description="Save draft",
                        tooltip="Save the form, errors and all, as JSON",
                        icon="save")
        load = w.Button(description="Load draft",
                        tooltip="Replace the form with the draft file",
                        icon="folder-open")
        self._draft_path = w.Text(
            value=draft_path, description="Draft file",
            placeholder="drafts/claim_draft.json",
            style={"description_width": "80px"},
            layout={"width": "420px"})
        self._draft_path.add_class("tb-draft-path")
        for button, action, css in ((sample, self.load_sample, "sample"),
                                    (save, self.save_draft, "save"),
                                    (load, self.load_draft, "load")):
            button.add_class(f"tb-button-{css}")
            button.on_click(_guarded(self, action))
        self._status = w.HTML(layout={"min_height": "0"})
        self._status.add_class("tb-status")
        self._summary = w.HTML(layout={"min_height": "0"})
        self._summary.add_class("tb-summary")
        self._other = self._box("tb-finding-other")
        toolbar = w.HBox([sample, self._draft_path, save, load],
                         layout={"flex_flow": "row wrap"})
        parts = [title, toolbar, self._status, self._summary]
        for title_text, groups in _SECTIONS:
            parts.append(self._section(title_text, groups))
            if title_text == "Referring provider":
                parts.append(self._diagnosis_section())
            if title_text == "Prior authorization":
                parts.append(self._line_section())
        parts += [w.HTML("<h3>Other findings</h3>"), self._other,
                  self._output_section()]
        top = w.VBox(parts)
        top.add_class("tb-claim-builder")
        return top

    def _output_section(self):
        """Return the previews and downloads: CMS-1500, superbill, 837P."""
        self._superbill_options = {}
        options = []
        for key, label, hint in (
                ("provider_credentials", "Credentials", "e.g. CPT, CSCS"),
                ("paid", "Amount paid", "0.00"),
                ("license", "License no./state", "if your state has one")):
            control = self._text(label, hint, None, _LINE_STYLE,
                                 _LINE_LAYOUT)
            control.add_class(f"tb-superbill-{key}")
            self._superbill_options[key] = control
            options.append(control)
        self._superbill_options["paid"].value = "0.00"
        self._downloads, self._previews = {}, {}
        for kind in ("cms1500", "superbill", "837p"):
            box = w.HTML(layout={"min_height": "0", "width": "310px"})
            box.add_class("tb-download")
            box.add_class(f"tb-download-{kind}")
            self._downloads[kind] = box
        columns = []
        for kind, title in (("cms1500", "CMS-1500, page 1"),
                            ("superbill", "Superbill, page 1")):
            frame = w.HTML(layout={"min_height": "0", "width": "100%"})
            frame.add_class("tb-preview")
            frame.add_class(f"tb-preview-{kind}")
            self._previews[kind] = frame
            columns.append(w.VBox([w.HTML(f"<h4>{title}</h4>"), frame],
                                  layout={"flex": "1 1 420px",
                                          "min_width": "320px"}))
        section = w.VBox([
            w.HTML("<h3>Printed forms and the 837P</h3><p>The previews "
                   "and downloads follow the form a moment after you stop "
                   "typing.</p>"),
            w.HBox([w.HTML("<b>Superbill:</b>",
                           layout={"width": "90px"})] + options,
                   layout={"flex_flow": "row wrap"}),
            w.HBox(list(self._downloads.values()),
                   layout={"flex_flow": "row wrap"}),
            w.HBox(columns, layout={"flex_flow": "row wrap"})])
        section.add_class("tb-outputs")
        return section

    def _show_output(self, kind, download, preview=None):
        """Return None; show a download link (or the reason there is
        none) and, for a PDF, its preview (or the same reason)."""
        set_value(self._downloads[kind], download)
        if kind in self._previews:
            set_value(self._previews[kind],
                      download if preview is None else preview)

    def _outputs_soon(self):
        """Return None; rebuild the outputs now, or once typing pauses.

        Printing both PDFs takes a tenth of a second or more: in a kernel
        (an event loop is running) the rebuild waits ``output_delay``
        seconds after the last change, so typing stays quick.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # No kernel: made when first asked for (download_link,
            # preview, update_outputs), so scripts and tests stay quick.
            self._stale = True
            return
        if not self._ready or self.output_delay <= 0:
            self._outputs_now()     # the first view shows them at once
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.output_delay,
                                        self._outputs_now)

    def _outputs_now(self):
        """Return None; run update_outputs, showing any failure in words.
        """
        self._pending = None
        self._stale = False
        try:
            self.update_outputs()
        except Exception as exc:  # a callback never shows a traceback
            self._outputs_key = None
            self._say(f"The previews could not be updated: {short(exc)}",
                      "error")

    def _section(self, title, groups):
        """Return a section: a heading and one box per item."""
        children = [w.HTML(f"<h3>{html.escape(title)}</h3>")]
        for item, fields in groups:
            controls = []
            for index, (path, label, suggest, hint, *kind) in \
                    enumerate(fields):
                classes = ["tb-ctl-" + "-".join(path)]
                if index == 0:
                    classes.append(f"tb-field-{item}")
                if kind == ["yesno"]:
                    control = self._yesno(label, classes)
                else:
                    control = self._text(label, hint, suggest,
                                         _FIELD_STYLE, _FIELD_LAYOUT,
                                         classes)
                self._controls[path] = control
                controls.append(control)
            box = self._box(f"tb-finding-{item}")
            self._boxes[(item.lower(), None)] = box
            group = w.VBox([w.HBox(controls,
                                   layout={"flex_flow": "row wrap"}), box],
                           _dom_classes=[f"tb-item-{item}"])
            children.append(group)
        return w.VBox(children)

    def _diagnosis_section(self):
        """Return the diagnosis section (item 21, letters A to L)."""
        for letter in DIAGNOSIS_LETTERS:
            control = self._text(
                f"Diagnosis {letter} (21)", "ICD-10-CM", None,
                {"description_width": "115px"}, {"width": "235px"},
                [f"tb-dx-{letter}"] + (["tb-field-21"] if letter == "A"
                                       else []))
            self._diagnoses.append(control)
        box = self._box("tb-finding-21")
        self._boxes[("21", None)] = box
        grid = w.GridBox(self._diagnoses, layout={
            "grid_template_columns": "repeat(auto-fill, 240px)"})
        return w.VBox([w.HTML("<h3>Diagnoses (21)</h3>"), grid, box])

    def _line_section(self):
        """Return the service-line section (item 24) with its buttons."""
        rows = []
        for number in range(1, MAX_LINES + 1):
            controls = {}
            cells = []
            for item, fields in _LINE_GROUPS:
                group = []
                for index, (key, label, hint) in enumerate(fields):
                    control = self._text(
                        label, hint, None, _LINE_STYLE, _LINE_LAYOUT,
                        [f"tb-line{number}-{key}"]
                        + ([f"tb-line{number}-{item}"] if index == 0
                           else []))
                    controls[key] = control
                    group.append(control)
                box = self._box(f"tb-finding-line{number}-{item}",
                                max_width=_LINE_LAYOUT["width"])
                self._boxes[(item.lower(), number)] = box
                cells.append(w.VBox(group + [box]))
            general = self._box(f"tb-finding-line{number}-24")
            self._boxes[("24", number)] = general
            row = w.VBox([
                w.HTML(f"<h4>Line {number}</h4>"),
                w.HBox(cells, layout={"flex_flow": "row wrap"}),
                general], _dom_classes=[f"tb-line{number}"])
            self._lines.append(controls)
            self._line_rows.append(row)
            rows.append(row)
        self._add = w.Button(description="Add service line", icon="plus",
                             tooltip=f"Show another line (up to "
                             f"{MAX_LINES})")
        self._remove = w.Button(description="Remove last line",
                                icon="minus",
                                tooltip="Clear and hide the last line")
        self._add.add_class("tb-button-add-line")
        self._remove.add_class("tb-button-remove-line")
        self._add.on_click(_guarded(self, self.add_line))
        self._remove.on_click(_guarded(self, self.remove_line))
        general = self._box("tb-finding-24")
        self._boxes[("24", None)] = general
        self._set_line_count(self._line_count)
        return w.VBox([w.HTML("<h3>Service lines (24)</h3>"), general]
                      + rows + [w.HBox([self._add, self._remove])])

    # Each control is made whole, with its classes, style and layout: a
    # change after it is made is one more message to the browser, and the
    # form has over a hundred controls.

    def _text(self, label, hint, suggest, style, layout, classes=()):
        """Return a text control that re-checks the claim on each change."""
        options = dict(description=label, placeholder=hint,
                       continuous_update=True, style=style,
                       layout=w.Layout(**layout),
                       _dom_classes=list(classes))
        if suggest:
            control = w.Combobox(options=list(_SUGGEST[suggest]),
                                 ensure_option=False, **options)
        else:
            control = w.Text(**options)
        control.observe(self._changed, names="value")
        return control

    def _yesno(self, label, classes=()):
        """Return a yes / no / not given control that re-checks on change.
        """
        control = w.Dropdown(options=_YESNO, value="", description=label,
                             style=_FIELD_STYLE,
                             layout=w.Layout(**_FIELD_LAYOUT),
                             _dom_classes=list(classes))
        control.observe(self._changed, names="value")
        return control

    def _box(self, css, **layout):
        """Return an empty findings area with the given CSS class."""
        return w.HTML(value="", layout={"min_height": "0", **layout},
                      _dom_classes=["tb-finding", css])

    # ------------------------------------------------------------ react

    def _changed(self, change):
        """Return None; re-check the claim unless the form is being filled."""
        if not self._quiet:
            self.refresh()

    def _set_line_count(self, count):
        """Return None; show the first ``count`` lines, hide the rest."""
        self._line_count = count
        for number, row in enumerate(self._line_rows, start=1):
            row.layout.display = "" if number <= count else "none"
        if hasattr(self, "_add"):
            self._add.disabled = count >= MAX_LINES
            self._remove.disabled = count <= 1

    def _show(self, found, problem):
        """Return None; put each finding under its item, fill the summary."""
        placed = {key: [] for key in self._boxes}
        other = []
        for finding in found:
            placed.setdefault(self._place(finding), other).append(finding)
        # A value the claim file cannot hold is shown where the checker
        # says nothing already, so one mistake gives one message.
        said = {(str(f.item).lower(), f.line) for f in found}
        unheld = []
        for unreadable in self._format_problems:
            shown = _problem_finding(unreadable)
            if (shown.item.lower(), shown.line) not in said:
                unheld.append(shown)
                placed.setdefault(self._place(shown), other).append(shown)
        for key, box in self._boxes.items():
            set_value(box, _render(placed[key]))
        set_value(self._other, _render(other))
        set_value(self._summary, _summary(found, problem, unheld))

    def _place(self, finding):
        """Return the key of the box a finding belongs in (None: other)."""
        item = str(getattr(finding, "item", "") or "").lower()
        line = getattr(finding, "line", None)
        if isinstance(line, int) and 1 <= line <= self._line_count:
            if (item, line) in self._boxes:
                return (item, line)
            if item.startswith("24"):
                return ("24", line)
        if (item, None) in self._boxes:
            return (item, None)
        if item.startswith("24"):
            return ("24", None)
        return None

    def _say_loaded(self, text):
        """Return None; say what was loaded, and what the form cannot show.
        """
        if self._load_note:
            self._say(f"{text} {self._load_note}", "warning")
        else:
            self._say(text, "ok")

    def _say(self, text, kind):
        """Return None; show ``text`` in the status line (ok/warning/error)."""
        colour = {"ok": "#1b5e20", "warning": "#8a5a00"}.get(kind,
                                                             "#b00020")
        self._status.value = (
            f'<div class="tb-status-{kind}" style="color:{colour}">'
            f"{html.escape(text)}</div>")


# ---------------------------------------------------------------- helpers

def _format_problems(data):
    """Return the claim.Problem list for values the claim file cannot
    hold (none when the claim's shape is right)."""
    try:
        claim.parse(data)
    except claim.ClaimFileError as exc:
        return list(exc.problems)
    except Exception:   # the checker's findings still show
        return []
    return []


def _problem_finding(problem):
    """Return a shape problem as a Finding-like record to show beside the
    control that holds the value: ``lines[2].units`` at line 3's 24G,
    ``payer.timely_filing_days`` in the payer's group (the claim module
    files it under 24A, the dates it limits). Elsewhere the problem's own
    item is used."""
    where = str(getattr(problem, "where", ""))
    item = str(getattr(problem, "item", "") or "")
    line = None
    number = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", where)
    if number:
        line = int(number.group(1)) + 1
        item = _LINE_KEY_ITEM.get(number.group(2), item)
    else:
        item = _CONTROL_ITEM.get(tuple(where.split(".")), item)
    return scrub.Finding(
        "claim-format", "error", item, line,
        f"The claim file cannot hold what is typed here ({where}: "
        f"{getattr(problem, 'message', problem)}).",
        "Type it in the form the item asks for (a number where a number "
        "goes); drafts keep it as typed meanwhile.")


def _file_stem(data):
    """Return a file-name stem from the patient account (item 26)."""
    account = data.get("patient_account") if isinstance(data, dict) \
        else None
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", str(account or "")).strip("_")
    return stem[:40] or "claim"


def _data_url(payload, mime):
    """Return ``payload`` (bytes) as a base64 ``data:`` URL."""
    return f"data:{mime};base64," + base64.b64encode(payload).decode()


def _link(payload, mime, filename, label, note=""):
    """Return the HTML of a download link carrying ``payload``."""
    note_html = (f'<div class="tb-download-note" style="font-size:85%;'
                 f'line-height:1.35;color:#555">{html.escape(note)}</div>'
                 if note else "")
    return (f'<a class="tb-download-link" download="'
            f'{html.escape(filename)}" href="{_data_url(payload, mime)}" '
            'style="display:inline-block;padding:4px 10px;margin:4px 0;'
            'border:1px solid #1565c0;border-radius:3px;color:#1565c0;'
            f'text-decoration:none">\u2b07 {html.escape(label)}</a>'
            f"{note_html}")


def _frame(pdf, title):
    """Return the HTML embedding a PDF, opened at its first page."""
    return (f'<iframe class="tb-preview-frame" title="{html.escape(title)}"'
            f' src="{_data_url(pdf, "application/pdf")}#page=1&navpanes=0'
            '&view=FitH" style="width:100%;height:560px;border:1px solid '
            '#999"></iframe>')


def _refused(what, reason):
    """Return the HTML saying why a form or file was not made."""
    return ('<div class="tb-refused" style="color:#b00020;'
            'line-height:1.35;white-space:normal">'
            f"<b>{html.escape(what)}.</b> {html.escape(reason)}</div>")


def _blocked(errors):
    """Return the HTML listing the errors that stop the 837P."""
    items = "".join(
        f"<li>Item {html.escape(str(getattr(f, 'item', '')))}"
        + (f", line {f.line}" if getattr(f, "line", None) else "")
        + f": {html.escape(str(getattr(f, 'message', '')))} "
        f"<i>Fix:</i> {html.escape(str(getattr(f, 'fix', '')))}</li>"
        for f in errors)
    return ('<div class="tb-x12-blocked" style="color:#b00020;'
            'line-height:1.35;white-space:normal"><b>No 837P yet: the '
            f"claim has {_count(len(errors), 'error')} to fix first.</b>"
            f'<ul style="margin:2px 0">{items}</ul></div>')


def _guarded(builder, action):
    """Return a click handler that runs ``action`` and shows any error."""
    return guarded(action, lambda text: builder._say(text, "error"))


def _blank_claim():
    """Return the library's blank claim, or {} if it cannot make one."""
    try:
        return claim.empty()
    except Exception:
        return {}


def _find_sample():
    """Return the course's sample claim path, looking up from the cwd."""
    relative = Path("datasets") / "claims" / "valid_sample.json"
    here = Path.cwd()
    for folder in (here, *here.parents,
                   *Path(__file__).resolve().parents):
        if (folder / relative).is_file():
            return folder / relative
    return None


def _fill_plan(data):
    """Return (values by path, diagnosis texts, line texts) for a claim.

    There may be more diagnosis texts or line texts than the form has
    room for. Raises ValueError or TypeError when the claim's shape does
    not fit the form, before any control is touched.
    """
    if not isinstance(data, dict):
        raise TypeError(f"a claim is an object, not a {_json_type(data)}")
    known = set(_blank_claim()) or {path[0] for path in _field_paths()}
    if data and not known & set(data):
        shown = ", ".join(sorted(map(str, data))[:5])
        raise ValueError(f"it holds none of a claim's items (its keys: "
                         f"{shown})")
    values = {}
    for path, kind in _field_kinds().items():
        value = _get(data, path)
        where = ".".join(path)
        if kind == "yesno":
            if value is not None and not isinstance(value, bool):
                raise TypeError(f"'{where}' should be true or false, not "
                                f"a {_json_type(value)}")
            values[path] = {None: "", True: "yes", False: "no"}[value]
        else:
            values[path] = _to_text(value, where)
    diagnoses = data.get("diagnoses")
    if diagnoses is None:
        diagnoses = []
    if not isinstance(diagnoses, list):
        raise TypeError("'diagnoses' should be a list, not a "
                        f"{_json_type(diagnoses)}")
    diagnosis_texts = [_to_text(code, f"diagnoses[{i}]")
                       for i, code in enumerate(diagnoses)]
    diagnosis_texts += [""] * (len(DIAGNOSIS_LETTERS) - len(diagnoses))
    lines = data.get("lines")
    if lines is None:
        lines = []
    if not isinstance(lines, list):
        raise TypeError(f"'lines' should be a list, not a "
                        f"{_json_type(lines)}")
    line_texts = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise TypeError(f"line {number} should be an object, not a "
                            f"{_json_type(line)}")
        line_texts.append(_line_texts(line, number))
    return values, diagnosis_texts, line_texts


def _field_paths():
    """Return the claim path of every control outside diagnoses/lines."""
    return list(_field_kinds())


def _field_kinds():
    """Return {claim path: kind} for every control outside diagnoses and
    lines."""
    return {path: (rest[0] if rest else "text")
            for _, groups in _SECTIONS for _, fields in groups
            for path, _label, _suggest, _hint, *rest in fields}


def _line_texts(line, number):
    """Return the text of each control for one service line dict."""
    texts = {}
    for _, fields in _LINE_GROUPS:
        for key, *_ in fields:
            where = f"line {number} {key}"
            value = line.get(key)
            if key in _LIST_KEYS and isinstance(value, list):
                texts[key] = ", ".join(_to_text(v, where) for v in value)
            else:
                texts[key] = _to_text(value, where)
    return texts


def _blank_line():
    """Return the library's blank service line, or {} if it has none."""
    try:
        return claim.empty_line()
    except Exception:
        return {}


def _get(data, path):
    """Return the value at ``path`` in nested dicts (None if missing)."""
    value = data
    for depth, key in enumerate(path):
        if value is None:
            return None
        if not isinstance(value, dict):
            where = ".".join(path[:depth])
            raise TypeError(f"'{where}' should be an object, not a "
                            f"{_json_type(value)}")
        value = value.get(key)
    return value


def _put(data, path, value):
    """Return None; set ``value`` at ``path``, making dicts as needed."""
    for key in path[:-1]:
        if not isinstance(data.get(key), dict):
            data[key] = {}
        data = data[key]
    data[path[-1]] = value


def _to_text(value, where):
    """Return the text a control shows for a claim value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"'{where}' should be text or a number, not a "
                    f"{_json_type(value)}")


def _from_text(key, text):
    """Return the claim value for a line control's text."""
    if key in _LIST_KEYS:
        return [part for part in _SPLIT.split(text) if part]
    if key in _NULL_WHEN_BLANK and not text.strip():
        return None
    if key in _NUMBER_KEYS:
        # The claim file stores units and minutes as JSON numbers; text
        # that is not a number stays text, for the checker to report.
        if _WHOLE_NUMBER.fullmatch(text.strip()):
            return int(text)
        if _NUMBER.fullmatch(text.strip()):
            return float(text)
    return text


def _field_value(kind, shown):
    """Return the claim value for what a control outside the lines shows.
    """
    if kind == "yesno":
        return _YESNO_VALUE.get(shown)
    if kind == "count":
        # A whole number, null when blank; other text stays as typed, and
        # the claim format says it cannot hold it.
        if not shown.strip():
            return None
        if _WHOLE_NUMBER.fullmatch(shown.strip()):
            return int(shown)
    return shown


def _has(data, path):
    """Return True when nested dicts hold a key at ``path``."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def _drop(data, path):
    """Return None; remove the key at ``path`` if it is there."""
    for key in path[:-1]:
        data = data.get(key) if isinstance(data, dict) else None
    if isinstance(data, dict):
        data.pop(path[-1], None)


def _json_type(value):
    """Return the JSON name of a value's type, for messages."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "text"


def _render(findings):
    """Return the HTML for a list of findings (empty text for none)."""
    parts = []
    for finding in findings:
        severity = str(getattr(finding, "severity", "error"))
        item = str(getattr(finding, "item", "") or "")
        line = getattr(finding, "line", None)
        message = str(getattr(finding, "message", "") or "")
        fix = str(getattr(finding, "fix", "") or "")
        colour = SEVERITY_COLOUR.get(severity, "#333")
        mark = _SEVERITY_MARK.get(severity, html.escape(severity))
        where = f"Item {item}" + (f", line {line}" if line else "")
        fix_html = (f' <span class="tb-fix"><b>Fix:</b> '
                    f"{html.escape(fix)}</span>" if fix else "")
        parts.append(
            f'<div class="tb-msg tb-{html.escape(severity)}" '
            f'data-item="{html.escape(item)}" '
            f'data-line="{line if line else ""}" '
            f'data-rule="{html.escape(str(getattr(finding, "rule", "")))}" '
            f'style="color:{colour};font-size:90%;line-height:1.35;'
            f'white-space:normal;margin:2px 0 6px 0">'
            f"<b>{mark}</b> ({html.escape(where)}): "
            f'<span class="tb-message">{html.escape(message)}</span>'
            f"{fix_html}</div>")
    return "".join(parts)


def _summary(found, problem, unheld=()):
    """Return the summary HTML: counts, then one line per finding (and
    per value the claim file cannot hold that no finding names)."""
    if problem:
        return ('<div class="tb-summary-problem" style="color:#b00020">'
                f"The checker could not run: {html.escape(problem)}</div>")
    found = list(found) + list(unheld)
    if not found:
        return ('<div class="tb-summary-clear" style="color:#1b5e20">'
                "The checker found nothing to fix.</div>")
    errors = sum(1 for f in found if getattr(f, "severity", "") == "error")
    warnings = len(found) - errors
    items = "".join(
        f"<li>Item {html.escape(str(getattr(f, 'item', '')))}"
        + (f", line {f.line}" if getattr(f, "line", None) else "")
        + f": {html.escape(str(getattr(f, 'message', '')))}</li>"
        for f in found)
    return (f"<div><b>The checker found {_count(errors, 'error')} and "
            f"{_count(warnings, 'warning')}.</b><ul>{items}</ul></div>")


def _count(number, noun):
    """Return '1 error', '2 errors' and so on."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _problems(exc):
    """Return the problems of a ClaimFileError as one short text."""
    problems = getattr(exc, "problems", None) or []
    if not problems:
        return short(exc)
    shown = []
    for problem in problems[:5]:
        item = getattr(problem, "item", "")
        message = getattr(problem, "message", str(problem))
        shown.append(f"item {item}: {message}" if item else str(message))
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")
