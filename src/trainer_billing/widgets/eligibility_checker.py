"""Eligibility checker: client + plan + service + provider -> the decision.

Pick a client and a plan from the datasets (or type the client's facts
and the plan's rules), choose the service code and who delivers it, and
optionally a sample 271 answer. On every change the checker asks
:mod:`trainer_billing.eligibility` to read each field (``parse_age``,
``parse_visits_used``...) and for the ``Decision``, then shows the
status, the route, what is needed first and the rule behind each line.
Every message comes from the library; the widget decides no rule and
never rewrites what the user typed.

>>> checker = EligibilityChecker(client_id="C026")
>>> checker.set_field("code", "97110")
>>> checker.set_field("provider_type", "physical_therapist")
>>> checker.decision.status, checker.decision.visits_left
('covered', 2)
>>> checker.set_field("visits_used", "-3")
>>> checker.decision is None, checker.has_error("visits_used")
(True, True)
"""

from __future__ import annotations

import html

import ipywidgets as w

from trainer_billing import codes, datasets, eligibility, x271
from ._common import ERROR, NOTE, OK, error_html, note_html, plain, short

_STYLE = {"description_width": "150px"}
_LAYOUT = {"width": "420px"}

#: Client fields and plan-rule fields, in the order the form shows them.
CLIENT_FIELDS = ("age", "birth_date", "diagnoses", "visits_used")
PLAN_FIELDS = ("plan_codes", "plan_provider_types", "plan_diagnoses",
               "plan_session_cap", "plan_age_min", "plan_age_max")
SERVICE_FIELDS = ("code", "provider_type")
TYPED = "__typed__"


def _sample_271s():
    """Return {label: path} for the readable sample 271 files."""
    folder = datasets.path("x12/271_active_commercial.271").parent
    return {p.stem.replace("271_", "").replace("_", " "): p
            for p in sorted(folder.glob("271_*.271"))
            if not p.stem.startswith("271_bad")}


class EligibilityChecker:
    """The eligibility form. Display ``checker.widget``.

    ``client_id`` preselects a client of clients.csv; ``on`` is the date
    ages are computed on (default today).
    """

    def __init__(self, client_id=None, on=None):
        self._on = on
        self._quiet = True
        self._clients = datasets.clients().set_index("client_id")
        self._plans = datasets.plans()
        self._samples = _sample_271s()
        self.decision = None
        self._boxes = {}
        self._controls = {}
        self.widget = self._build()
        try:
            if client_id:
                self._controls["client"].value = client_id
                self._fill_client(client_id)
        finally:
            self._quiet = False
        self.refresh()

    # ----------------------------------------------------------- public

    def control(self, field):
        """Return the control of ``field`` (see CLIENT_FIELDS etc.,
        plus ``client``, ``plan``, ``plan_source``, ``eligibility``)."""
        return self._controls[field]

    def set_field(self, field, value):
        """Return None; set a control as a user would."""
        self._controls[field].value = value

    def message(self, field):
        """Return the plain text shown beside ``field``."""
        return plain(self._boxes[field].value) if field in self._boxes \
            else ""

    def has_error(self, field):
        """Return True when the text beside ``field`` is an error."""
        return field in self._boxes and \
            "tb-elig-error" in self._boxes[field].value

    def shown_text(self):
        """Return the plain text of the decision panel."""
        return plain(self._result.value)

    def refresh(self):
        """Return None; read every field and show the decision."""
        try:
            self._refresh()
        except Exception as exc:  # never let a traceback reach the page
            self.decision = None
            self._result.value = (
                f'<div class="tb-elig-error" style="color:{ERROR}">The '
                f"checker could not run: {html.escape(short(exc))}</div>")

    # ---------------------------------------------------------- private

    def _text(self, field, label, placeholder=""):
        control = w.Text(description=label, placeholder=placeholder,
                         continuous_update=True, style=_STYLE,
                         layout=w.Layout(**_LAYOUT))
        return self._add(field, control)

    def _add(self, field, control):
        control.add_class(f"tb-elig-{field.replace('_', '-')}")
        self._controls[field] = control
        box = w.HTML(value="")
        box.add_class(f"tb-elig-msg-{field.replace('_', '-')}")
        self._boxes[field] = box
        control.observe(self._changed, names="value")
        return w.VBox([control, box])

    def _build(self):
        clients = [("(type the client's facts)", "")] + [
            (f"{cid} {row.first_name} {row.last_name} ({row.plan_id})", cid)
            for cid, row in self._clients.iterrows()]
        client = w.Dropdown(options=clients, value="", description="Client",
                            style=_STYLE, layout=w.Layout(width="520px"))
        client.add_class("tb-elig-client")
        client.observe(self._client_picked, names="value")
        self._controls["client"] = client
        client_box = w.VBox([
            w.HTML("<h4>1. Client</h4>"), client,
            self._text("age", "Age (years)", "70"),
            self._text("birth_date", "or birth date", "YYYY-MM-DD"),
            self._text("diagnoses", "Diagnoses (ICD-10)", "E66.811; I10"),
            self._text("visits_used", "Visits used", "0")])

        plans = [(plan["name"], pid) for pid, plan in self._plans.items()]
        plans.append(("(type the plan's rules)", TYPED))
        plan = w.Dropdown(options=plans, value="synthetic_mutual_ppo",
                          description="Plan", style=_STYLE,
                          layout=w.Layout(width="520px"))
        plan.add_class("tb-elig-plan")
        plan.observe(self._changed, names="value")
        plan.observe(self._show_typed, names="value")
        self._controls["plan"] = plan
        kinds = w.SelectMultiple(
            options=[(label, key) for key, label in
                     eligibility.PROVIDER_TYPES.items()] + [("Anyone", "any")],
            value=("physical_therapist",), rows=5,
            description="Pays (provider)", style=_STYLE,
            layout=w.Layout(**_LAYOUT))
        referral = w.Checkbox(description="Referral required", value=False)
        auth = w.Checkbox(description="Prior authorization required",
                          value=False)
        route = w.Dropdown(options=[
            ("CMS-1500 claim", "cms1500"),
            ("Vendor invoice", "vendor_invoice"),
            ("Member reimbursement (HSA/FSA)", "member_reimbursement")],
            value="cms1500", description="Paid by", style=_STYLE)
        for key, control in (("plan_referral", referral),
                             ("plan_prior_auth", auth),
                             ("plan_claim_route", route)):
            self._controls[key] = control
            control.observe(self._changed, names="value")
        self._typed_box = w.VBox([
            self._text("plan_codes", "Codes it pays", "97110, 97530"),
            self._add("plan_provider_types", kinds),
            self._text("plan_diagnoses", "Diagnoses (prefixes)", "any"),
            referral, auth,
            self._text("plan_session_cap", "Visits per year", "20"),
            self._text("plan_age_min", "Minimum age", ""),
            self._text("plan_age_max", "Maximum age", ""), route],
            layout=w.Layout(display="none"))
        self._typed_box.add_class("tb-elig-typed")
        plan_box = w.VBox([w.HTML("<h4>2. Plan</h4>"), plan,
                           self._typed_box])

        code = w.Combobox(options=sorted(codes.procedures()), value="97110",
                          ensure_option=False, description="Service code",
                          placeholder="97110", continuous_update=True,
                          style=_STYLE, layout=w.Layout(**_LAYOUT))
        provider = w.Dropdown(
            options=[(label, key) for key, label in
                     eligibility.PROVIDER_TYPES.items()],
            value="personal_trainer", description="Delivered by",
            style=_STYLE, layout=w.Layout(width="520px"))
        answers = w.Dropdown(
            options=[("(no 271 answer)", "")] + [
                (label, label) for label in self._samples],
            value="", description="271 answer", style=_STYLE,
            layout=w.Layout(**_LAYOUT))
        service_box = w.VBox([
            w.HTML("<h4>3. Service</h4>"), self._add("code", code),
            self._add("provider_type", provider),
            self._add("eligibility", answers)])

        self._result = w.HTML()
        self._result.add_class("tb-elig-result")
        box = w.VBox([
            w.HBox([w.VBox([client_box, plan_box]), service_box],
                   layout=w.Layout(flex_flow="row wrap",
                                   align_items="flex-start")),
            w.HTML("<h4>4. Decision</h4>"), self._result])
        box.add_class("tb-eligibility-checker")
        return box

    def _fill_client(self, cid):
        row = self._clients.loc[cid]
        values = {"age": "", "birth_date": str(row.birth_date),
                  "diagnoses": str(row.diagnoses).replace(";", "; "),
                  "visits_used": str(row.visits_used_before)}
        for field, text in values.items():
            self._controls[field].value = text
        if row.plan_id in self._plans:
            self._controls["plan"].value = row.plan_id

    def _client_picked(self, change):
        if not change["new"]:
            return
        quiet, self._quiet = self._quiet, True
        try:
            self._fill_client(change["new"])
        finally:
            self._quiet = quiet
        if not quiet:
            self.refresh()

    def _show_typed(self, change):
        self._typed_box.layout.display = "flex" if change["new"] == TYPED \
            else "none"

    def _changed(self, _change):
        if not self._quiet:
            self.refresh()

    def _read(self, field, parse):
        try:
            value = parse()
        except (eligibility.EligibilityError, x271.X12Error) as exc:
            target = getattr(exc, "field", None)
            box = self._boxes.get(target) or self._boxes[field]
            box.value = _error_html(str(exc))
            return None, False
        return value, True

    def _refresh(self):
        for box in self._boxes.values():
            box.value = ""
        c = self._controls
        ok = True
        age, good = self._read("age", lambda: eligibility.parse_age(
            c["age"].value))
        ok &= good
        if c["age"].value.strip() == "":
            age, good = self._read(
                "birth_date", lambda: eligibility.parse_birth_date(
                    c["birth_date"].value, self._on))
            ok &= good
            if good and age is not None:
                self._boxes["birth_date"].value = _note_html(
                    f"Age {age} on the day of the check.")
        diagnoses, good = self._read(
            "diagnoses", lambda: eligibility.parse_diagnoses(
                c["diagnoses"].value))
        ok &= good
        if good and diagnoses:
            self._boxes["diagnoses"].value = _note_html("; ".join(
                f"{codes.diagnosis(d).dotted} {codes.diagnosis(d).title}"
                for d in diagnoses))
        visits, good = self._read(
            "visits_used", lambda: eligibility.parse_visits_used(
                c["visits_used"].value))
        ok &= good
        code, good = self._read(
            "code", lambda: eligibility.parse_code(c["code"].value))
        ok &= good
        if good:
            self._boxes["code"].value = _note_html(
                codes.procedure(code).summary)
        if c["plan"].value == TYPED:
            plan, good = self._read("plan_codes", lambda: _typed(c))
            ok &= good
        else:
            plan = self._plans[c["plan"].value]
        answer = None
        if c["eligibility"].value:
            answer, good = self._read("eligibility", lambda: x271.read_271(
                self._samples[c["eligibility"].value].read_text()))
            ok &= good
            if good:
                self._boxes["eligibility"].value = _note_html(
                    f"271 for {answer.subscriber.get('first', '')} "
                    f"{answer.subscriber.get('last', '')}: "
                    f"{answer.status}.")
        if not ok:
            self.decision = None
            self._result.value = (
                f'<div class="tb-elig-wait" style="color:{ERROR}">A field '
                "has a problem, shown in red beside it. Fix it to see the "
                "decision.</div>")
            return
        client = eligibility.Client(age=age, diagnoses=diagnoses,
                                    visits_used=visits)
        self.decision = eligibility.check(
            client, plan, code, c["provider_type"].value,
            eligibility=answer)
        self._result.value = _decision_html(self.decision, plan)


# ---------------------------------------------------------------- helpers

def _typed(c):
    """Return the library's plan dict from the typed-rule controls."""
    return eligibility.typed_plan(
        codes_text=c["plan_codes"].value,
        provider_types=c["plan_provider_types"].value,
        diagnoses_text=c["plan_diagnoses"].value,
        referral_required=c["plan_referral"].value,
        prior_authorization_required=c["plan_prior_auth"].value,
        session_cap=c["plan_session_cap"].value,
        age_min=c["plan_age_min"].value, age_max=c["plan_age_max"].value,
        claim_route=c["plan_claim_route"].value)


def _mark(met):
    return {True: "\u2714", False: "\u2716", None: "\u25cb"}[met]


def _rule_html(rule):
    return (f'<span class="tb-elig-rule" style="color:{NOTE};'
            f'font-size:85%"> [rule: {html.escape(rule.field)}; '
            f"source: {html.escape(rule.source)}]</span>")


def _decision_html(decision, plan):
    covered = decision.covered
    colour = OK if covered else ERROR
    head = ("Can be covered" if covered else "Not covered by this plan")
    left = "" if decision.visits_left is None else \
        f" &middot; <b class='tb-elig-left'>{decision.visits_left} visits " \
        "left</b>"
    parts = [
        f"<div class='tb-elig-status tb-elig-{decision.status}' "
        f"style='color:{colour};font-size:120%'><b>{head}</b>{left}</div>",
        f"<div class='tb-elig-route'><b>Route:</b> "
        f"{html.escape(decision.route.name)}: "
        f"{html.escape(decision.route.how)}{_rule_html(decision.route.rule)}"
        "</div>"]
    if decision.requirements:
        parts.append("<b>Needed first, and checked:</b><ul "
                     "class='tb-elig-requirements'>" + "".join(
                         f"<li class='tb-elig-req-{f.key}'>{_mark(f.met)} "
                         f"{html.escape(f.text)}{_rule_html(f.rule)}</li>"
                         for f in decision.requirements) + "</ul>")
    parts.append("<b>Why:</b><ul class='tb-elig-reasons'>" + "".join(
        f"<li>{_mark(f.met)} {html.escape(f.text)}{_rule_html(f.rule)}</li>"
        for f in decision.reasons) + "</ul>")
    if not covered:
        parts.append(
            "<b>Honest routes for this client:</b><ul "
            "class='tb-elig-alternatives'>" + "".join(
                f"<li class='tb-elig-alt-{r.key}'>{_mark(r.fits)} "
                f"<b>{html.escape(r.name)}</b>: {html.escape(r.how)}"
                f"{_rule_html(r.rule)}</li>" for r in decision.alternatives)
            + "</ul><p style='font-size:85%'>\u2714 fits, \u2716 does not "
            "fit, \u25cb depends on facts the checker does not have.</p>")
    if plan.get("synthetic"):
        parts.append(f"<p style='color:{NOTE};font-size:85%'>"
                     f"{html.escape(plan.get('name', ''))} is synthetic: "
                     "its figures are invented, its rules follow the cited "
                     "sources. Always confirm with the payer.</p>")
    return "".join(parts)


def _error_html(text):
    return error_html(text, "tb-elig-error")


def _note_html(text):
    return note_html(text, "tb-elig-note")
