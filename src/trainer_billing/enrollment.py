"""Enrollment routes for a personal trainer: steps, documents, durations.

A personal trainer is not a Medicare provider type and CMS-855I is not
their form (FACTS.md section 1.1, claim 6). The routes a trainer really
has, and what each takes, are:

- ``npi_only``: an NPI from NPPES, for superbills and payers who ask for
  one. It makes no one eligible to bill anything (claim 7).
- ``mdpp_supplier``: a Medicare Diabetes Prevention Program supplier,
  through CDC recognition (at least 12 months) and CMS-20134 (claim 4).
- ``commercial``: credentialing with a commercial plan, only for a
  provider type the plan accepts (claims 3 and 8).
- ``auxiliary``: qualified auxiliary personnel in a physician's or
  hospital's supervised exercise program, which bills under its own NPI
  (claim 3 and 4).

Every step has a :class:`Duration` with its source and a ``verified``
flag. A duration nobody has a source for stays unknown: it is shown as
"unknown - ask the payer" (or whoever decides it) and never as a number.
The only figures used are the ones FACTS.md gives: CDC preliminary
recognition takes at least 12 months (CMS MDPP FAQ); CMS holds MACs to
processing 80% of PECOS web applications within 45 days, paper ones
within 60 days, and 80 days when a site visit is needed. Commercial
credentialing time is UNVERIFIED: no authoritative figure was found.

>>> plan = plan_route("mdpp_supplier", "2026-01-05")
>>> plan.earliest_end.isoformat()
'2027-01-05'
>>> plan.typical_end is None     # no source says how long CDC takes
True
>>> plan.known_end.isoformat()   # + 45 days for the PECOS application
'2027-02-19'
>>> plan_route("npi_only", "2026-02-30")
Traceback (most recent call last):
...
trainer_billing.enrollment.InvalidStartDate: 2026-02-30 is not a date: \
February 2026 has 28 days.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re

#: Shown for a duration with no source.
UNKNOWN = "unknown \N{EM DASH} ask {who}"

# Sources (addresses as FACTS.md gives them; "canonical" ones were not
# opened by the fact checker).
S_NPI = ("45 CFR 160.103 and CMS's NPI booklet (copy at "
         "https://glossary.guide/what-organizations-need-an-npi-number-1122"
         "; canonical https://www.cms.gov/Regulations-and-Guidance/"
         "Administrative-Simplification/NationalProvIdentStand)")
S_TAXONOMY = ("NUCC Health Care Provider Taxonomy "
              "(https://www.nucc.org/index.php/code-sets-mainmenu-41/"
              "provider-taxonomy-mainmenu-40); FACTS.md 1.1 claim 7")
S_NOT_ELIGIBLE = ("42 CFR 410.60(a) (https://www.ecfr.gov/current/"
                  "title-42/chapter-IV/subchapter-B/part-410/subpart-B/"
                  "section-410.60); FACTS.md 1.1 claim 3")
S_MDPP = ("Noridian, MDPP enrollment (https://med.noridianmedicare.com/"
          "web/jeb/enrollment/complex-specialties/mdpp)")
S_MDPP_FAQ = ("CMS MDPP FAQ (https://www.cms.gov/priorities/innovation/"
              "innovation-models/medicare-diabetes-prevention-program/faq)")
S_20134 = ("NGS Medicare, helpful tips (https://www.ngsmedicare.com/web/"
           "ngs/helpful-tips?selectedArticleId=1653998)")
S_MAC = ("CMS processing standards for MACs, quoted at "
         "https://pscfl.org/news/522400/-Processing-time-frames-for-"
         "enrollment-applications.htm (from "
         "https://medicare.fcso.com/PE_Resources/210279.asp)")
S_DEVELOPMENT = ("First Coast, life cycle of an enrollment application "
                 "(https://medicare.fcso.com/enrollment/life-cycle-"
                 "enrollment-application)")
S_414_84 = ("42 CFR 414.84 (https://www.customsmobile.com/regulations/"
            "42/414.84)")
S_HIPAA_BA = ("HealthIT.gov, who must follow HIPAA "
              "(https://www.healthit.gov/faq/who-must-follow-hipaa)")
S_COMMERCIAL = ("FACTS.md 1.1 claim 8: commercial credentialing times "
                "vary and no authoritative figure was found (UNVERIFIED)")
S_SET = ("AAPM&R on the SET for PAD decision (https://www.aapmr.org/"
         "members-publications/newsroom/member-news/member-news-details/"
         "2018/02/08/hpps-cms-now-covers-supervised-exercise-therapy-"
         "(set)-for-symptomatic-peripheral-artery-disease-(pad)); APTA "
         "(http://www.apta.org/PTinMotion/News/2017/5/31/SETForPAD/)")
S_CR = ("42 CFR 410.49; NGS Medicare, cardiac rehabilitation "
        "(https://ngsmedicare.com/en/web/ngs/cardiac?selectedArticleId="
        "5000456)")
S_INCIDENT_TO = ("NATA on CMS's 2005 end of 'incident to' therapy by "
                 "non-therapists (http://www.nata.org/NR072605b)")
S_SUPERBILL = ("FACTS.md M: superbills (https://www.eatrightpro.org/"
               "payment/coding-and-billing/superbill)")

#: How an MDPP supplier's CMS-20134 reaches the MAC, with the CMS
#: processing standard for it (FACTS.md 1.1 claim 8).
APPLICATIONS = {
    "pecos_web": ("PECOS web application", 45),
    "paper": ("paper application", 60),
    "paper_site_visit": ("paper application with a site visit", 80),
}
#: The same, in the plural.
_PLURALS = {
    "pecos_web": "PECOS web applications",
    "paper": "paper applications",
    "paper_site_visit": "paper applications with a site visit",
}


class EnrollmentError(ValueError):
    """A route, start date or option the planner cannot use."""


class UnknownRoute(EnrollmentError):
    """The route is not one of ROUTES."""


class InvalidStartDate(EnrollmentError):
    """The start date is not a real calendar date in YYYY-MM-DD form."""


class UnknownApplication(EnrollmentError):
    """The application method is not one of APPLICATIONS."""


@dataclasses.dataclass(frozen=True)
class Duration:
    """How long a step takes, with where that figure comes from.

    ``minimum_days``: the least it can take, from a source ("at least").
    ``typical_days``: the sourced usual or standard figure.
    Either is None when no source gives it. ``own_work`` marks a step
    that waits on no one: it takes as long as you take and the timeline
    counts no waiting for it. ``ask`` is who to ask when a figure is
    missing.
    """
    minimum_days: int | None = None
    typical_days: int | None = None
    wording: str = ""
    source: str | None = None
    verified: bool = False
    own_work: bool = False
    ask: str = "the payer"

    @property
    def known(self):
        """Return True when a source gives the step's typical length."""
        return self.own_work or self.typical_days is not None

    def shown(self):
        """Return the duration in words, as the planner shows it.

        >>> Duration(ask="the payer").shown()
        'unknown \u2014 ask the payer'
        >>> Duration(minimum_days=365, wording='at least 12 months',
        ...          source='CMS', verified=True, ask='CDC').shown()
        'at least 12 months; usual length unknown \u2014 ask CDC'
        """
        if self.own_work:
            return self.wording or "your own work: no waiting counted"
        if self.minimum_days is None and self.typical_days is None:
            return UNKNOWN.format(who=self.ask)
        text = self.wording or (
            f"about {self.typical_days} days" if self.typical_days
            is not None else f"at least {self.minimum_days} days")
        if self.typical_days is None:
            text += "; usual length " + UNKNOWN.format(who=self.ask)
        return text


def _own(wording="your own work: no waiting counted"):
    return Duration(0, 0, wording, None, True, own_work=True)


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of a route, in order; ``after`` names the steps it waits
    for (empty: it starts on the start date)."""
    id: str
    title: str
    what: str
    duration: Duration
    source: str
    after: tuple = ()


@dataclasses.dataclass(frozen=True)
class Document:
    """A document a route needs, why, and where that is said."""
    name: str
    why: str
    source: str
    verified: bool = True


@dataclasses.dataclass(frozen=True)
class Route:
    """A route with its ordered steps, documents and warnings."""
    id: str
    title: str
    summary: str
    steps: tuple
    documents: tuple
    warnings: tuple
    uses_application: bool = False

    def step(self, step_id):
        """Return the step called ``step_id`` (KeyError if none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def sources(self):
        """Return every source the route cites, once each, in order."""
        seen = []
        for text in ([s.source for s in self.steps]
                     + [s.duration.source for s in self.steps]
                     + [d.source for d in self.documents]):
            if text and text not in seen:
                seen.append(text)
        return seen


@dataclasses.dataclass(frozen=True)
class TimelineRow:
    """When a step can start and end.

    ``earliest_*`` count only sourced minimums (a step with none counts
    0 days), so they are "not before" dates. ``known_*`` count each
    step's sourced usual figure, or its minimum (else 0) when no source
    gives one. ``typical_*`` are the ``known_*`` dates when every step
    up to this one has a sourced usual figure, else None.
    """
    step: Step
    earliest_start: datetime.date
    earliest_end: datetime.date
    known_start: datetime.date
    known_end: datetime.date
    waits_complete: bool   # every step it waits for is sourced
    complete: bool         # ... and so is this one

    @property
    def typical_start(self):
        """Return the usual start date, or None if a wait is unknown."""
        return self.known_start if self.waits_complete else None

    @property
    def typical_end(self):
        """Return the usual end date, or None if a step is unknown."""
        return self.known_end if self.complete else None


@dataclasses.dataclass(frozen=True)
class Plan:
    """A route laid out from a start date."""
    route: Route
    start: datetime.date
    application: str | None
    rows: tuple

    @property
    def earliest_end(self):
        """Return the date before which the route cannot be done."""
        return max(row.earliest_end for row in self.rows)

    @property
    def typical_end(self):
        """Return the usual end date, or None when a step is unknown."""
        return self.known_end if self.complete else None

    @property
    def known_end(self):
        """Return the end date counting only sourced figures (steps no
        source times count their minimum, else 0 days)."""
        return max(row.known_end for row in self.rows)

    @property
    def complete(self):
        """Return True when every step has a sourced usual length."""
        return all(row.complete for row in self.rows)

    def unknown_steps(self):
        """Return the steps whose usual length no source gives."""
        return [row.step for row in self.rows
                if not row.step.duration.known]

    def sources(self):
        """Return the sources of the route and its durations."""
        return self.route.sources()


def parse_start(value):
    """Return a start date from a ``date`` or ``"YYYY-MM-DD"`` text.

    Raises InvalidStartDate with what is wrong, in words.

    >>> parse_start("2026-03-02")
    datetime.date(2026, 3, 2)
    >>> parse_start("03/02/2026")
    Traceback (most recent call last):
    ...
    trainer_billing.enrollment.InvalidStartDate: Type the start date as \
YYYY-MM-DD, e.g. 2026-03-02 (you typed 03/02/2026).
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value if value is not None else "").strip()
    if not text:
        raise InvalidStartDate("Type a start date as YYYY-MM-DD.")
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        raise InvalidStartDate(
            "Type the start date as YYYY-MM-DD, e.g. 2026-03-02 "
            f"(you typed {text}).")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise InvalidStartDate(f"{text} is not a date: the month must be "
                               "01 to 12.")
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last:
        raise InvalidStartDate(
            f"{text} is not a date: {calendar.month_name[month]} {year} "
            f"has {last} days.")
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise InvalidStartDate(f"{text} is not a date: {error}.") from None


# ------------------------------------------------------------- routes

_NPPES_WAIT = Duration(
    wording="", source=None, verified=False, ask="NPPES")

_NPI_STEPS = (
    Step("eligible", "Check that you may have an NPI",
         "Any 'health care provider' under 45 CFR 160.103 may get an NPI "
         "free of charge; a HIPAA covered provider must. Billing services "
         "and clearinghouses may not. An NPI makes no one eligible to "
         "bill a payer for anything.", _own(), S_NPI),
    Step("type", "Choose the NPI type",
         "Type 1 is for you as an individual (sole proprietors too); "
         "Type 2 is for an organization such as your own LLC or "
         "corporation. A business can need both.", _own(), S_NPI,
         ("eligible",)),
    Step("taxonomy", "Choose a taxonomy code you really hold",
         "There is no 'personal trainer' taxonomy. Pick only a code you "
         "qualify for, e.g. 224Y00000X clinical exercise physiologist, "
         "2255A2300X athletic trainer, 226300000X kinesiotherapist, "
         "174H00000X health educator, 172V00000X community health "
         "worker.", _own(), S_TAXONOMY, ("type",)),
    Step("apply_nppes", "Apply in NPPES and wait for the number",
         "Apply online in NPPES. No figure for NPPES's processing time "
         "was found in a source the course checked.", _NPPES_WAIT, S_NPI,
         ("taxonomy",)),
    Step("use", "Use the NPI where it is asked for",
         "Put it on superbills (FACTS.md M) and keep your NPPES record "
         "up to date. Do not put therapy codes (97110, 97530) on a "
         "trainer's superbill.", _own(), S_SUPERBILL, ("apply_nppes",)),
)

_NPI_DOCS = (
    Document("Your legal name and practice address",
             "NPPES records who the provider is and where they practise.",
             S_NPI, verified=False),
    Document("The EIN of your organization (Type 2 only)",
             "A Type 2 NPI is for an organization such as your LLC.",
             S_NPI, verified=False),
    Document("Proof of the qualification behind your taxonomy",
             "Choose only a taxonomy you hold (e.g. a clinical exercise "
             "physiologist certification); NPPES asks for the code, the "
             "payer may ask for proof.", S_TAXONOMY, verified=False),
)


def _mdpp_steps(application):
    label, days = APPLICATIONS[application]
    return (
        Step("organization", "Set up the organization",
             "An MDPP supplier is an organization with its own tax ID "
             "(TIN). No licence, accreditation or certificate is needed "
             "to enroll.", _own(), S_MDPP),
        Step("org_npi", "Get a Type 2 NPI for the organization",
             "Apply in NPPES for the organization's NPI.", _NPPES_WAIT,
             S_MDPP, ("organization",)),
        Step("cdc_recognition", "Earn CDC preliminary recognition",
             "Apply to CDC's Diabetes Prevention Recognition Program and "
             "deliver the CDC-approved lifestyle curriculum. CMS says "
             "preliminary recognition takes at least 12 months. From "
             "CY2026 the interim preliminary pathway is replaced by CDC "
             "preliminary recognition, and virtual-only organizations "
             "may enroll.",
             Duration(365, None, "at least 12 months", S_MDPP_FAQ, True,
                      ask="CDC's DPRP"),
             S_MDPP_FAQ, ("organization",)),
        Step("coach_npis", "Get an NPI for every coach",
             "Each coach needs a Type 1 NPI; the claims carry the "
             "coach's NPI.", _NPPES_WAIT, S_MDPP, ("organization",)),
        Step("enroll", "Enroll with Medicare on CMS-20134",
             "Send CMS-20134 (not CMS-855I) to your MAC as a "
             f"{label}. MDPP suppliers get high-risk screening, which "
             "includes fingerprinting the owners. Answer any development "
             "request within 30 days or the application is rejected.",
             Duration(None, days,
                      f"80% of {_PLURALS[application]} are processed "
                      f"within {days} days "
                      "(CMS standard for MACs); yours may take longer",
                      S_MAC, True, ask="your MAC"),
             S_20134, ("org_npi", "cdc_recognition")),
        Step("roster", "Put the coaches on the roster in PECOS",
             "Coaches must be on the supplier's PECOS roster before the "
             "dates of service they are billed for.", _own(), S_MDPP,
             ("enroll", "coach_npis")),
        Step("bill", "Bill Medicare with the MDPP G-codes",
             "Bill per attended session with the coach's NPI; accept "
             "assignment and never bill the beneficiary. The current "
             "session code numbers and amounts are UNVERIFIED: take them "
             "from CMS's MDPP billing page.", _own(), S_414_84,
             ("roster",)),
    )


_MDPP_DOCS = (
    Document("CDC DPRP preliminary (or full) recognition",
             "Required before a supplier may enroll.", S_MDPP),
    Document("The organization's TIN and Type 2 NPI",
             "The supplier enrolls as an organization.", S_MDPP),
    Document("CMS-20134, MDPP supplier application",
             "The MDPP enrollment form; CMS-855I is for physicians and "
             "non-physician practitioners.", S_20134),
    Document("Owners' fingerprints",
             "Part of the high-risk screening MDPP suppliers get.",
             S_MDPP),
    Document("Each coach's NPI, for the PECOS roster",
             "Coaches must be on the roster before the dates they bill.",
             S_MDPP),
    Document("HIPAA policies for the participants' health information",
             "MDPP suppliers must handle PHI as HIPAA requires "
             "(42 CFR 424.59(b)(2), older text).", S_HIPAA_BA),
)

_COMMERCIAL_WAIT = Duration(source=None, verified=False, ask="the payer")

_COMMERCIAL_STEPS = (
    Step("provider_type", "Ask the plan whether it credentials your "
         "provider type",
         "A plan credentials provider types, not people: an unlicensed "
         "personal trainer cannot bill 97110 or 97530, and a physician's "
         "prescription does not change that. Ask in writing which codes "
         "(if any) the plan pays your type for, e.g. S9451 exercise "
         "classes or 0591T-0593T health coaching.",
         Duration(source=None, verified=False, ask="the payer"),
         S_NOT_ELIGIBLE),
    Step("npi", "Have your NPI ready",
         "Plans identify providers by NPI (see the NPI-only route).",
         _NPPES_WAIT, S_NPI, ("provider_type",)),
    Step("application", "Send the plan's credentialing application",
         "Fill in the plan's application with your qualifications, "
         "insurance and NPI. What it asks for varies by plan.",
         _own(), S_COMMERCIAL, ("npi",)),
    Step("credentialing", "Wait for the credentialing decision",
         "The plan checks what you sent. How long this takes is "
         "UNVERIFIED: no authoritative figure was found, so none is "
         "given here.", _COMMERCIAL_WAIT, S_COMMERCIAL,
         ("application",)),
    Step("contract", "Sign the network contract and note its effective "
         "date",
         "The contract sets the fee schedule, timely-filing limit and "
         "the date from which you may bill; do not bill before it.",
         _COMMERCIAL_WAIT, S_COMMERCIAL, ("credentialing",)),
)

_COMMERCIAL_DOCS = (
    Document("Your NPI and taxonomy", "Plans identify providers by NPI.",
             S_NPI),
    Document("Licence or certification for the provider type the plan "
             "credentials",
             "Only an eligible, licensed provider acting within scope is "
             "paid for therapy codes.", S_NOT_ELIGIBLE),
    Document("W-9 with your EIN or SSN, and proof of liability insurance",
             "Commonly asked for; what each plan asks is UNVERIFIED.",
             S_COMMERCIAL, verified=False),
)

_PROGRAM_WAIT = Duration(source=None, verified=False, ask="the program")

_AUXILIARY_STEPS = (
    Step("find", "Find a physician or hospital exercise program",
         "Supervised exercise therapy (SET) for PAD and cardiac or "
         "pulmonary rehab run in a physician office or hospital "
         "outpatient department; these programs employ exercise staff.",
         _PROGRAM_WAIT, S_SET),
    Step("training", "Get the training the program requires",
         "SET is delivered by qualified auxiliary personnel trained in "
         "exercise therapy for PAD (APTA: PTs, nurses and exercise "
         "physiologists among them).", _PROGRAM_WAIT, S_SET, ("find",)),
    Step("hired", "Be hired or contracted by the program",
         "You work under the direct supervision of a physician, PA, NP "
         "or CNS. If you handle patients' records as a contractor, the "
         "program needs a business associate agreement with you.",
         _PROGRAM_WAIT, S_HIPAA_BA, ("training",)),
    Step("work", "Deliver sessions; the program bills",
         "The program bills 93668 (SET) or 93797/93798 (cardiac rehab) "
         "under its own NPI. You do not enroll with Medicare and do not "
         "bill 97110: Medicare stopped paying 'incident to' therapy by "
         "non-therapists in 2005.", _own("ongoing: no waiting counted"),
         S_INCIDENT_TO, ("hired",)),
)

_AUXILIARY_DOCS = (
    Document("Proof of training in exercise therapy for PAD (for SET)",
             "The SET decision requires it of auxiliary personnel.",
             S_SET),
    Document("Your certification and CV",
             "What the program asks for is its own rule (UNVERIFIED).",
             S_SET, verified=False),
    Document("Business associate agreement (if you are a contractor)",
             "Anyone handling PHI for a covered entity needs one.",
             S_HIPAA_BA),
)

#: Route ids and their titles, in the order a trainer meets them.
ROUTES = {
    "npi_only": "NPI only",
    "mdpp_supplier": "MDPP supplier",
    "commercial": "Commercial credentialing",
    "auxiliary": "Auxiliary personnel in a physician program",
}


def route(route_id, *, application="pecos_web"):
    """Return the Route ``route_id`` (one of ROUTES).

    ``application`` (one of APPLICATIONS) is how an MDPP supplier sends
    CMS-20134; it sets the CMS processing standard used for that step.

    >>> [s.id for s in route("npi_only").steps][-2:]
    ['apply_nppes', 'use']
    >>> route("mdpp_supplier", application="paper").step("enroll"
    ...     ).duration.typical_days
    60
    """
    if application not in APPLICATIONS:
        raise UnknownApplication(
            f"Unknown application method {application!r}: use one of "
            f"{', '.join(APPLICATIONS)}.")
    key = str(route_id).strip()
    if key == "npi_only":
        return Route(key, ROUTES[key],
                     "Get an NPI so payers and superbills can name you. "
                     "It lets you bill nothing by itself.",
                     _NPI_STEPS, _NPI_DOCS,
                     ("An NPI does not make a trainer eligible to bill "
                      "any payer, and no taxonomy means 'personal "
                      "trainer'.",))
    if key == "mdpp_supplier":
        return Route(key, ROUTES[key],
                     "Become a Medicare Diabetes Prevention Program "
                     "supplier: CDC recognition first, then CMS-20134.",
                     _mdpp_steps(application), _MDPP_DOCS,
                     ("CMS-855I is not the form: MDPP suppliers enroll on "
                      "CMS-20134.",
                      "Suppliers accept assignment and may not bill the "
                      "beneficiary (42 CFR 414.84)."),
                     uses_application=True)
    if key == "commercial":
        return Route(key, ROUTES[key],
                     "Be credentialed by a commercial plan, for a "
                     "provider type it accepts.",
                     _COMMERCIAL_STEPS, _COMMERCIAL_DOCS,
                     ("Commercial credentialing time is UNVERIFIED: the "
                      "often-quoted '60-90 days' has no source the "
                      "course could check. Ask the payer.",
                      "A plan that credentials you does not make 97110 "
                      "or 97530 yours to bill."))
    if key == "auxiliary":
        return Route(key, ROUTES[key],
                     "Work in a physician's or hospital's supervised "
                     "exercise program, which bills under its own NPI.",
                     _AUXILIARY_STEPS, _AUXILIARY_DOCS,
                     ("You do not enroll with Medicare on this route; "
                      "the program does the billing.",))
    raise UnknownRoute(f"Unknown route {route_id!r}: choose one of "
                       f"{', '.join(ROUTES)}.")


def plan_route(route_id, start, *, application="pecos_web"):
    """Return the Plan of a route laid out from ``start``.

    ``start`` is a date or "YYYY-MM-DD" text. A step starts when every
    step it waits for has ended. Earliest dates count each step's
    sourced minimum (0 days when there is none). Known dates count the
    sourced usual figure where there is one (else the minimum); typical
    dates are the known ones while every step so far is sourced, and
    None from the first step without a source.

    >>> plan = plan_route("mdpp_supplier", "2026-01-05",
    ...                   application="paper")
    >>> row = plan.rows[4]
    >>> row.step.id, row.earliest_start.isoformat(), row.typical_end
    ('enroll', '2027-01-05', None)
    """
    start_date = parse_start(start)
    chosen = route(route_id, application=application)
    rows = {}
    for step in chosen.steps:
        waits = [rows[name] for name in step.after]
        first = max((r.earliest_end for r in waits), default=start_date)
        known_first = max((r.known_end for r in waits), default=start_date)
        waits_complete = all(r.complete for r in waits)
        duration = step.duration
        minimum = duration.minimum_days or 0
        usual = duration.typical_days if duration.known else minimum
        rows[step.id] = TimelineRow(
            step, first, first + datetime.timedelta(days=minimum),
            known_first, known_first + datetime.timedelta(days=usual or 0),
            waits_complete, waits_complete and duration.known)
    return Plan(chosen, start_date,
                application if chosen.uses_application else None,
                tuple(rows.values()))


def timeline_figure(plan):
    """Return a matplotlib Figure: the plan as a Gantt-style chart.

    Each step is a row. A dark bar spans the sourced minimum; a light
    bar spans the sourced usual time (counted from when the sourced
    waits before it end); a hatched stub marked "unknown" stands for a
    step no source times, so everything after it may come later; a
    diamond marks a step that is your own work. A dashed
    line marks the start date. The figure is built without pyplot, so
    it holds no global state.
    """
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    rows = plan.rows
    figure = Figure(figsize=(9, 0.55 * len(rows) + 1.6), dpi=100)
    axes = figure.add_subplot()
    dates = [plan.start] + [row.known_end for row in rows]
    span = max(30, (max(dates) - plan.start).days)
    stub = max(4, span // 12)
    for index, row in enumerate(rows):
        y = len(rows) - 1 - index
        duration = row.step.duration
        minimum = (row.earliest_end - row.earliest_start).days
        if minimum:
            axes.barh(y, minimum, left=mdates.date2num(row.earliest_start),
                      height=0.5, color="#1f5f8b")
        known = (row.known_end - row.known_start).days
        if duration.typical_days is not None and known:
            axes.barh(y, known, left=mdates.date2num(row.known_start),
                      height=0.5, color="#1f5f8b", alpha=0.35)
        if duration.own_work:
            axes.plot(mdates.date2num(row.known_end), y, marker="D",
                      color="#1f5f8b", markersize=5)
        if duration.typical_days is not None and known:
            axes.text(mdates.date2num(row.known_end) + span * 0.01, y,
                      f"{duration.typical_days} days", va="center",
                      fontsize=8, color="#1f5f8b")
        if not duration.known:
            left = mdates.date2num(row.known_end)
            axes.barh(y, stub, left=left, height=0.5, color="white",
                      edgecolor="#8a5a00", hatch="//")
            axes.text(left + stub + span * 0.01, y, "unknown",
                      va="center", fontsize=8, color="#8a5a00")
    axes.axvline(mdates.date2num(plan.start), color="#555",
                 linestyle="--", linewidth=1)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([_short_title(row.step.title)
                          for row in reversed(rows)], fontsize=8)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    axes.set_xlim(mdates.date2num(plan.start) - span * 0.02,
                  mdates.date2num(plan.start) + span * 1.25)
    for label in axes.get_xticklabels():
        label.set_fontsize(8)
        label.set_rotation(20)
    axes.set_title(f"{plan.route.title}: from {plan.start.isoformat()}",
                   fontsize=10)
    axes.set_xlabel("dark: sourced minimum; light: sourced usual time; "
                    "hatched: no source (ask); diamond: your own "
                    "work", fontsize=8)
    figure.tight_layout()
    return figure


def _short_title(title, width=38):
    return title if len(title) <= width else title[:width - 1] + "\u2026"
