"""Eligibility: can a plan cover this service, from this provider, for
this client, by which route, and what is needed first.

``check(client, plan, code, provider_type)`` returns a ``Decision``:
whether the service can be covered (``status``: ``covered`` or
``not_covered``), the ``route`` (the plan's benefit, or the best honest
route outside it), the ``requirements`` to meet first (referral, prior
authorization, letter of medical necessity, age limits, visits left) and
the ``reasons``, each with the ``Rule`` that decided it: the plan field
in ``datasets/plans.json`` and the FACTS.md section behind it.

The rules come from the plan, never from the caller's hopes:

- a benefit applies when it lists the code (or bills no code and the
  provider may bill it), names the provider type, and the client has a
  qualifying diagnosis and age, with visits left under its cap;
- the plan's ``exclusions`` win over everything (Original Medicare does
  not cover personal training, gym fees or S-codes: FACTS.md 1.1
  claim 4);
- a therapy code (97110, 97530...) is billed only by a licensed
  therapist or physician; a physician's prescription does not change that
  (42 CFR 410.60; FACTS.md 1.1 claim 3);
- an HSA/FSA pays only for treatment of a specific diagnosed disease,
  with a letter of medical necessity (IRS Pub. 502, Rev. Rul. 2002-19;
  FACTS.md K, 1.1 claim 11). An FSA's or HRA's administrator checks each
  claim before it pays; an HSA's custodian does not, so the holder
  decides and keeps the proof for the IRS (IRS Notice 2004-2;
  Pub. 969 for 2025 returns).

When no benefit applies, ``Decision.alternatives`` lists the honest routes
(superbill with S9451 where the plan accepts it, HSA/FSA with an LMN,
MDPP, auxiliary personnel in a physician program, cash), each with
whether it fits this client and why. A parsed 271 (``x271.read_271``)
may be passed as ``eligibility``: an inactive answer stops coverage, and
its visits remaining and authorization flag replace the plan's figures.

>>> from trainer_billing import datasets
>>> plans = datasets.plans()
>>> client = {"age": 70, "diagnoses": "M17.11", "visits_used": 0}
>>> check(client, plans["original_medicare"], "S9451",
...       "personal_trainer").status
'not_covered'
>>> d = check({"age": 40, "diagnoses": "M17.11", "visits_used": 4},
...           plans["synthetic_mutual_ppo"], "97110", "physical_therapist")
>>> d.status, d.visits_left
('covered', 26)
>>> parse_visits_used("-3")
Traceback (most recent call last):
    ...
trainer_billing.eligibility.InvalidClientField: Visits used must be a \
whole number of 0 or more; '-3' is below 0.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from trainer_billing import codes

#: Provider types the checker knows: key -> words a trainer uses. The
#: keys are the provider classes of ``plans.json`` and ``codes``.
PROVIDER_TYPES = {
    "personal_trainer": "Personal trainer (no health licence)",
    "exercise_physiologist": "Clinical exercise physiologist",
    "athletic_trainer": "Athletic trainer",
    "physical_therapist": "Physical therapist (licensed)",
    "occupational_therapist": "Occupational therapist (licensed)",
    "chiropractor": "Chiropractor",
    "physician": "Physician",
    "mdpp_supplier": "MDPP supplier (CDC-recognised, enrolled)",
}

#: Provider types without a health licence that lets them bill therapy.
UNLICENSED = ("personal_trainer", "exercise_physiologist")

ROUTE_NAMES = {
    "cms1500": "Plan benefit, billed on a CMS-1500 claim",
    "vendor_invoice": "Plan benefit, paid on a vendor invoice",
    "member_reimbursement": "Member reimbursement from the account",
    "superbill_s9451": "Superbill with S9451 (client submits it)",
    "hsa_fsa_lmn": "HSA/FSA with a letter of medical necessity",
    "mdpp": "Medicare Diabetes Prevention Program (MDPP)",
    "auxiliary_personnel": "Auxiliary personnel in a physician program",
    "cash": "Cash (self-pay)",
}

FACTS_WHO_MAY_BILL = "FACTS.md 1.1 claim 3 (42 CFR 410.60)"
FACTS_MEDICARE = "FACTS.md 1.1 claim 4"
FACTS_HSA = "FACTS.md K and 1.1 claim 11 (IRS Pub. 502; Rev. Rul. 2002-19)"
FACTS_SUPERBILL = "FACTS.md M (superbills) and A (S9451)"
FACTS_271 = "FACTS.md G (271 EB segment)"

_WHOLE = re.compile(r"[+-]?\d+")
_ICD = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
_DIAGNOSIS_KEYS = {
    "work_related_injury": "a work-related injury (item 10a: yes)",
    "auto_accident_injury": "an auto-accident injury (item 10b: yes)",
}


class EligibilityError(ValueError):
    """The check cannot run; the message says why and what to type."""

    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidClientField(EligibilityError):
    """A client field (age, birth date, diagnoses, visits used) is not
    usable as typed."""


class InvalidPlanRules(EligibilityError):
    """A typed plan rule (codes, provider types, cap, ages) is not
    usable as typed."""


class InvalidService(EligibilityError):
    """The service code or the provider type is not one the course
    knows."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """Where a decision comes from: the plan field and its source."""
    field: str      # e.g. "synthetic_shield_hmo.referral_required"
    source: str     # FACTS.md section, regulation, or "typed by the user"

    def __str__(self):
        return f"{self.field} ({self.source})"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One requirement or reason, in words, with the rule behind it.

    ``met`` is True (satisfied), False (fails: blocks coverage) or None
    (must be obtained or confirmed first)."""
    key: str
    text: str
    rule: Rule
    met: bool | None = None


@dataclasses.dataclass(frozen=True)
class Route:
    """A way to be paid, whether it fits this client, and why."""
    key: str
    name: str
    fits: bool | None      # True, False, or None: depends on facts unknown
    how: str
    rule: Rule


@dataclasses.dataclass(frozen=True)
class Client:
    """The client facts the check reads."""
    age: int | None
    diagnoses: tuple        # compact codes, no dot
    visits_used: int


@dataclasses.dataclass(frozen=True)
class Decision:
    """What ``check`` decided, with every rule that decided it."""
    status: str                 # "covered" or "not_covered"
    route: Route
    benefit: str | None         # the plan benefit's service key
    requirements: tuple         # Findings to meet first (met None/True)
    reasons: tuple              # Findings that explain the status
    alternatives: tuple         # honest Routes outside the benefit
    visits_left: int | None
    plan_id: str
    code: str
    provider_type: str

    @property
    def covered(self):
        """Return True when the plan benefit can cover the service."""
        return self.status == "covered"

    def rules(self):
        """Return every rule that decided something, once each."""
        seen = []
        for finding in self.reasons + self.requirements:
            if finding.rule not in seen:
                seen.append(finding.rule)
        return seen


# ------------------------------------------------------------ parsing

def _count(text, label, field, error):
    value = str(text).strip()
    if not _WHOLE.fullmatch(value):
        raise error(f"{label} must be a whole number of 0 or more; "
                    f"{str(text)!r} is not a number.", field)
    number = int(value)
    if number < 0:
        raise error(f"{label} must be a whole number of 0 or more; "
                    f"{str(text)!r} is below 0.", field)
    return number


def parse_visits_used(text):
    """Return visits used this period as an int, or raise
    InvalidClientField.

    >>> parse_visits_used(' 18 ')
    18
    """
    if str(text).strip() == "":
        return 0
    return _count(text, "Visits used", "visits_used", InvalidClientField)


def parse_age(text):
    """Return an age in whole years, None when empty, or raise
    InvalidClientField.

    >>> parse_age('70'), parse_age('')
    (70, None)
    """
    if text is None or str(text).strip() == "":
        return None
    age = _count(text, "Age", "age", InvalidClientField)
    if age > 130:
        raise InvalidClientField(
            f"Age {age} is not a human age; type the age in years.", "age")
    return age


def parse_birth_date(text, on=None):
    """Return the age on ``on`` (default today) from an ISO birth date,
    None when empty, or raise InvalidClientField.

    >>> parse_birth_date('1956-05-03', on=datetime.date(2026, 5, 2))
    69
    """
    value = str(text or "").strip()
    if not value:
        return None
    try:
        born = datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidClientField(
            f"Birth date {value!r} is not a date; type it as YYYY-MM-DD.",
            "birth_date") from None
    on = on or datetime.date.today()
    if born > on:
        raise InvalidClientField(
            f"Birth date {value} is after {on.isoformat()}.", "birth_date")
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_diagnoses(text):
    """Return ICD-10-CM codes (compact, no dot) from text separated by
    ``;``, ``,`` or spaces, or raise InvalidClientField for a code the
    FY2026 code set does not have.

    >>> parse_diagnoses('E66.811; Z68.32')
    ('E66811', 'Z6832')
    """
    items = text if isinstance(text, (list, tuple)) else \
        re.split(r"[;,\s]+", str(text or ""))
    found = []
    for item in items:
        raw = str(item).strip().upper()
        if not raw:
            continue
        if not _ICD.fullmatch(raw) or codes.diagnosis(raw) is None:
            raise InvalidClientField(
                f"{raw!r} is not an ICD-10-CM code in the FY2026 code set; "
                "type codes such as E66.811 or M17.11, separated by ';'.",
                "diagnoses")
        found.append(codes.compact_diagnosis(raw))
    return tuple(found)


def client_facts(client, on=None):
    """Return a Client from a clients.csv row (pandas Series) or a dict
    with ``age`` or ``birth_date``, ``diagnoses`` and ``visits_used`` (or
    ``visits_used_before``, as in clients.csv)."""
    get = client.get
    age = parse_age(get("age")) if _present(get("age")) else \
        parse_birth_date(get("birth_date"), on) \
        if _present(get("birth_date")) else None
    visits = get("visits_used")
    if not _present(visits):
        visits = get("visits_used_before")
    return Client(age=age, diagnoses=parse_diagnoses(get("diagnoses") or ""),
                  visits_used=parse_visits_used(
                      visits if _present(visits) else ""))


def _present(value):
    if value is None:
        return False
    try:
        if value != value:  # NaN from pandas
            return False
    except TypeError:
        pass
    return str(value).strip() != ""


def parse_code(text):
    """Return the service code in upper case, or raise InvalidService when
    the course's code table does not have it.

    >>> parse_code(' s9451 ')
    'S9451'
    """
    code = str(text or "").strip().upper()
    if not code:
        raise InvalidService("Type a service code, e.g. 97110 or S9451.",
                             "code")
    if codes.procedure(code) is None:
        raise InvalidService(
            f"{code} is not in the course's code table; check the number "
            "(e.g. 97110, 97530, S9451, 93668).", "code")
    return code


def parse_provider_type(text):
    """Return a provider type key, or raise InvalidService."""
    key = str(text or "").strip()
    if key not in PROVIDER_TYPES:
        raise InvalidService(
            f"{key!r} is not a provider type the checker knows; choose one "
            f"of: {', '.join(PROVIDER_TYPES)}.", "provider_type")
    return key


def typed_plan(*, name="Typed plan", codes_text="", provider_types=(),
               diagnoses_text="any", referral_required=False,
               prior_authorization_required=False, session_cap="",
               age_min="", age_max="", claim_route="cms1500",
               excludes_personal_training=False):
    """Return a plan dict (the plans.json shape, one benefit) from rules
    a user typed, or raise InvalidPlanRules naming the field.

    >>> plan = typed_plan(codes_text='97110, 97530',
    ...                   provider_types=['physical_therapist'],
    ...                   session_cap='20', referral_required=True)
    >>> plan['benefits'][0]['codes'], plan['session_cap']
    (['97110', '97530'], 20)
    """
    listed = [c.strip().upper()
              for c in re.split(r"[;,\s]+", str(codes_text)) if c.strip()]
    for code in listed:
        if codes.procedure(code) is None:
            raise InvalidPlanRules(
                f"{code} is not in the course's code table; list codes such "
                "as 97110, S9451.", "plan_codes")
    kinds = list(provider_types)
    unknown = [k for k in kinds if k not in PROVIDER_TYPES and k != "any"]
    if unknown:
        raise InvalidPlanRules(
            f"Unknown provider type {unknown[0]!r}.", "plan_provider_types")
    if not kinds:
        raise InvalidPlanRules(
            "Choose at least one provider type the plan pays.",
            "plan_provider_types")
    diagnoses = [d.strip().upper() for d in
                 re.split(r"[;,\s]+", str(diagnoses_text)) if d.strip()]
    if not diagnoses or [d.lower() for d in diagnoses] == ["any"]:
        diagnoses = ["any"]
    else:
        for prefix in diagnoses:
            if not re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?",
                                prefix):
                raise InvalidPlanRules(
                    f"{prefix!r} is not an ICD-10-CM code or prefix (e.g. "
                    "E66, I10, R73.03), or type 'any'.", "plan_diagnoses")
    numbers = {}
    for field, text, label in (("plan_session_cap", session_cap,
                                "Session cap"),
                               ("plan_age_min", age_min, "Minimum age"),
                               ("plan_age_max", age_max, "Maximum age")):
        numbers[field] = None if str(text).strip() == "" else \
            _count(text, label, field, InvalidPlanRules)
    if numbers["plan_age_min"] is not None and \
            numbers["plan_age_max"] is not None and \
            numbers["plan_age_min"] > numbers["plan_age_max"]:
        raise InvalidPlanRules("The maximum age is below the minimum age.",
                               "plan_age_max")
    if claim_route not in ("cms1500", "vendor_invoice",
                           "member_reimbursement"):
        raise InvalidPlanRules(f"Unknown claim route {claim_route!r}.",
                               "plan_claim_route")
    benefit = {
        "service": "typed_benefit", "codes": listed,
        "diagnoses": diagnoses, "provider_types": kinds,
        "referral_required": bool(referral_required),
        "prior_authorization_required": bool(prior_authorization_required),
        "session_cap": numbers["plan_session_cap"],
        "session_cap_period": "period" if numbers["plan_session_cap"]
        is not None else None,
        "age_min": numbers["plan_age_min"],
        "age_max": numbers["plan_age_max"], "notes": "typed by the user"}
    return {
        "id": "typed", "name": name or "Typed plan", "plan_type": "typed",
        "synthetic": True, "claim_route": claim_route,
        "referral_required": bool(referral_required),
        "prior_authorization_required": bool(prior_authorization_required),
        "age_min": numbers["plan_age_min"],
        "age_max": numbers["plan_age_max"],
        "session_cap": numbers["plan_session_cap"],
        "session_cap_period": benefit["session_cap_period"],
        "benefits": [benefit],
        "exclusions": ["personal training"] if excludes_personal_training
        else [], "sources": ["typed by the user"]}


# ------------------------------------------------------------ checking

def _source(plan, default):
    if plan.get("id") == "typed":
        return "typed by the user"
    sources = plan.get("sources") or []
    return "; ".join(sources) if sources else default


def _matches(prefixes, diagnoses):
    wanted = [codes.compact_diagnosis(p) for p in prefixes]
    return [d for d in diagnoses if any(d.startswith(w) for w in wanted)]


def _excluded(plan, code, provider_type):
    """Return the exclusion text that rules the service out, or None."""
    procedure = codes.procedure(code)
    for text in plan.get("exclusions") or []:
        lower = text.lower()
        if code.lower() in lower:
            return text
        if "s-code" in lower and procedure and procedure.system == "HCPCS" \
                and code.startswith("S"):
            return text
        if "personal training" in lower and \
                provider_type == "personal_trainer":
            return text
    return None


def _summary_271(eligibility, code):
    """Return (active, visits remaining, authorization required) from a
    parsed 271, for the service type that fits the code."""
    if eligibility is None:
        return None, None, None
    rows = eligibility.summary()
    wanted = ["PT", "AE"] if codes.is_therapy(code) else ["30", "1"]
    visits = auth = None
    for row in rows:
        if row["service_type"] in wanted:
            if row["visits_remaining"] is not None:
                visits = int(row["visits_remaining"])
            if row["authorization_required"]:
                auth = True
    return eligibility.active, visits, auth


def _evaluate(benefit, index, plan, client, code, provider_type,
              visits_271, auth_271):
    """Return (failures, requirements, visits_left, matched_how) for one
    benefit; failures empty means it applies."""
    pid = plan.get("id", "plan")
    base = f"{pid}.benefits[{benefit.get('service', index)}]"
    source = _source(plan, "plans.json")
    fail, need = [], []
    kinds = benefit.get("provider_types") or []
    if "any" not in kinds and provider_type not in kinds:
        allowed = ", ".join(PROVIDER_TYPES.get(k, k.replace("_", " "))
                            for k in kinds)
        fail.append(Finding(
            "provider_type",
            f"This benefit is paid only to: {allowed}. "
            f"{PROVIDER_TYPES[provider_type]} is not one of them.",
            Rule(f"{base}.provider_types", source), False))
    if not codes.may_bill(code, provider_type):
        fail.append(Finding(
            "who_may_bill",
            f"{code} may be billed only by {codes.billers(code)}. A "
            "physician's prescription does not change who may bill it; "
            "billing it for a trainer's work misrepresents the service.",
            Rule(f"procedures.csv {code}.billed_by", FACTS_WHO_MAY_BILL),
            False))
    prefixes = benefit.get("diagnoses") or ["any"]
    if prefixes in (["any"], ["none_required"]):
        pass
    elif prefixes == ["see notes"]:
        need.append(Finding(
            "qualifying_condition",
            "A qualifying condition, documented by the physician: "
            + (benefit.get("notes") or "see the plan"),
            Rule(f"{base}.diagnoses", source), None))
    elif all(p in _DIAGNOSIS_KEYS for p in prefixes):
        need.append(Finding(
            "qualifying_condition",
            "The condition must be " + " or ".join(
                _DIAGNOSIS_KEYS[p] for p in prefixes)
            + "; confirm with the adjuster before the first visit.",
            Rule(f"{base}.diagnoses", source), None))
    else:
        hits = _matches(prefixes, client.diagnoses)
        if hits:
            need.append(Finding(
                "diagnosis",
                "Qualifying diagnosis on the referral: "
                + ", ".join(codes.diagnosis(h).dotted for h in hits) + ".",
                Rule(f"{base}.diagnoses", source), True))
        else:
            fail.append(Finding(
                "diagnosis",
                "The benefit needs a physician-documented diagnosis "
                f"starting with {', '.join(prefixes)}; the client has "
                + (", ".join(codes.diagnosis(d).dotted
                             for d in client.diagnoses) or "none") + ".",
                Rule(f"{base}.diagnoses", source), False))
    for bound in ("age_min", "age_max"):
        limit = benefit.get(bound)
        field = f"{base}.{bound}"
        if limit is None:
            limit, field = plan.get(bound), f"{pid}.{bound}"
        if limit is None:
            continue
        word = "at least" if bound == "age_min" else "at most"
        if client.age is None:
            need.append(Finding(
                "age", f"The client must be {word} {limit}; type the age "
                "or birth date to check.", Rule(field, source), None))
        elif (client.age < limit if bound == "age_min"
              else client.age > limit):
            fail.append(Finding(
                "age", f"The client must be {word} {limit}; they are "
                f"{client.age}.", Rule(field, source), False))
        else:
            need.append(Finding(
                "age", f"Age {client.age} is within the limit ({word} "
                f"{limit}).", Rule(field, source), True))
    visits_left = None
    cap = benefit.get("session_cap")
    cap_field = f"{base}.session_cap"
    period = benefit.get("session_cap_period")
    if cap is None:
        cap, cap_field = plan.get("session_cap"), f"{pid}.session_cap"
        period = plan.get("session_cap_period")
    if visits_271 is not None:
        visits_left = visits_271
        rule = Rule("271 EB F (VS) remaining", FACTS_271)
        text = f"The payer's 271 says {visits_left} visits remain."
    elif cap is not None:
        visits_left = max(cap - client.visits_used, 0)
        rule = Rule(cap_field, source)
        text = (f"{cap} visits per {str(period or 'period').replace('_', ' ')}"
                f"; {client.visits_used} used, {visits_left} left.")
    if visits_left is not None:
        if visits_left <= 0:
            fail.append(Finding(
                "visits_left", text + " The cap is reached: a further "
                "visit is denied (CARC 119) unless the plan extends it.",
                rule, False))
        else:
            need.append(Finding("visits_left", text, rule, True))
    if benefit.get("referral_required"):
        need.append(Finding(
            "referral",
            "A referral or order from the client's physician, named in "
            "item 17 with the NPI in 17b, before the first visit.",
            Rule(f"{base}.referral_required", source), None))
    if benefit.get("prior_authorization_required") or auth_271:
        rule = Rule(f"{base}.prior_authorization_required", source) \
            if benefit.get("prior_authorization_required") else \
            Rule("271 EB11 authorization required", FACTS_271)
        need.append(Finding(
            "prior_authorization",
            "Prior authorization from the plan before the visit; put the "
            "number in item 23.", rule, None))
    if plan.get("plan_type") == "hsa_fsa" or \
            plan.get("claim_route") == "member_reimbursement":
        need.append(Finding(
            "letter_of_medical_necessity",
            "A letter of medical necessity from the physician: the "
            "diagnosis, the program, how long, and why it treats the "
            "disease. An FSA or HRA administrator checks it before "
            "paying; with an HSA the client decides and keeps the letter "
            "and every receipt for the IRS.",
            Rule(f"{pid}.benefits[{benefit.get('service')}].notes",
                 FACTS_HSA), None))
    threshold = plan.get("therapy_threshold")
    if threshold and codes.is_therapy(code):
        years = ", ".join(f"${v} in {y}" for y, v in threshold.items()
                          if y.isdigit())
        need.append(Finding(
            "kx_threshold",
            f"Above the yearly therapy threshold ({years}) each claim "
            "needs the KX modifier and documented medical necessity; it is "
            "not a cap.", Rule(f"{pid}.therapy_threshold",
                               "FACTS.md 1.1 claim 9"), None))
    return fail, need, visits_left


def check(client, plan, code, provider_type, *, on=None, eligibility=None):
    """Return the Decision for one service, provider and client.

    ``client`` is a clients.csv row, a dict (see ``client_facts``) or a
    Client; ``plan`` a plans.json plan or ``typed_plan(...)``; ``code`` a
    code of the course's table; ``provider_type`` a key of
    PROVIDER_TYPES; ``eligibility`` an optional ``x271.Benefits``.
    Raises InvalidClientField, InvalidService (both EligibilityError)
    when an input cannot be read.
    """
    facts = client if isinstance(client, Client) else \
        client_facts(client, on)
    code = parse_code(code)
    provider_type = parse_provider_type(provider_type)
    pid = plan.get("id", "plan")
    source = _source(plan, "plans.json")
    reasons, requirements = [], []
    active, visits_271, auth_271 = _summary_271(eligibility, code)
    outcome = cap_left = None
    if active is False:
        reasons.append(Finding(
            "inactive", "The payer's 271 says the coverage is inactive "
            "(EB01 6 or 7): nothing is covered on this date.",
            Rule("271 EB01", FACTS_271), False))
    excluded = _excluded(plan, code, provider_type)
    if excluded and active is not False:
        reasons.append(Finding(
            "excluded", f"The plan excludes: {excluded}.",
            Rule(f"{pid}.exclusions",
                 FACTS_MEDICARE if plan.get("plan_type") == "medicare_ffs"
                 else source), False))
    if not reasons:
        candidates = []
        for index, benefit in enumerate(plan.get("benefits") or []):
            listed = benefit.get("codes") or []
            if code in listed or (not listed and provider_type in
                                  (benefit.get("provider_types") or [])
                                  and codes.may_bill(code, provider_type)
                                  and not codes.is_therapy(code)):
                candidates.append((index, benefit))
        if not candidates:
            reasons.append(Finding(
                "no_benefit", f"No benefit of {plan.get('name', pid)} "
                f"lists {code} for this provider.",
                Rule(f"{pid}.benefits[].codes", source), False))
        for index, benefit in candidates:
            fail, need, left = _evaluate(benefit, index, plan, facts, code,
                                         provider_type, visits_271,
                                         auth_271)
            if not fail:
                outcome = (benefit, need, left)
                break
            reasons.extend(fail)
            if any(f.key == "visits_left" for f in fail):
                cap_left = left
    alternatives = tuple(honest_routes(facts, plan, code, provider_type))
    if outcome:
        benefit, need, left = outcome
        route_key = plan.get("claim_route") or "cms1500"
        route = Route(route_key, ROUTE_NAMES.get(route_key, route_key),
                      True, f"{plan.get('name', pid)}: benefit "
                      f"{benefit.get('service')}.",
                      Rule(f"{pid}.claim_route", source))
        how = f"lists {code}" if code in (benefit.get("codes") or []) \
            else "is billed without a procedure code"
        reasons = [Finding(
            "benefit", f"The benefit {benefit.get('service')} {how} and "
            f"pays {PROVIDER_TYPES[provider_type].lower()}.",
            Rule(f"{pid}.benefits[{benefit.get('service')}]", source),
            True)]
        return Decision("covered", route, benefit.get("service"),
                        tuple(need), tuple(reasons), alternatives, left,
                        pid, code, provider_type)
    # With the coverage inactive, nothing billed to this plan can work.
    usable = [r for r in alternatives if r.fits and not
              (active is False and r.key == "superbill_s9451")]
    best = (usable[0] if usable else None) or \
        next(r for r in alternatives if r.key == "cash")
    left = visits_271 if active is False else cap_left
    return Decision("not_covered", best, None, (), tuple(reasons),
                    alternatives, left, pid, code, provider_type)


def honest_routes(client, plan, code, provider_type, plans=None):
    """Return the Routes outside the plan's benefit, each saying whether
    it fits this client (True/False/None) and why.

    ``plans`` (default: the datasets' plans) supplies the diagnosis lists
    of the HSA/FSA and MDPP rules.
    """
    if plans is None:
        from trainer_billing import datasets
        plans = datasets.plans()
    routes = []
    accepts = [b for b in plan.get("benefits") or []
               if "S9451" in (b.get("codes") or [])]
    medicare_like = plan.get("plan_type") in ("medicare_ffs",)
    pid = plan.get("id", "plan")
    if accepts:
        benefit = accepts[0]
        hits = _matches(benefit.get("diagnoses") or [], client.diagnoses)
        fits = bool(hits)
        how = ("The plan lists S9451 (benefit "
               f"{benefit.get('service')}) for diagnoses "
               f"{', '.join(benefit.get('diagnoses') or [])}: "
               + ("the client has one. " if fits else "the client has "
                  "none. ")
               + "Confirm in writing first; never put therapy codes on a "
               "trainer's superbill.")
        rule = Rule(f"{pid}.benefits[{benefit.get('service')}].codes",
                    FACTS_SUPERBILL)
    else:
        fits = False
        how = ("This plan lists no benefit for S9451"
               + (" and Medicare does not pay S-codes" if medicare_like
                  else "") + ". A superbill does not make a non-covered "
               "service payable.")
        rule = Rule(f"{pid}.benefits[].codes", FACTS_SUPERBILL)
    routes.append(Route("superbill_s9451", ROUTE_NAMES["superbill_s9451"],
                        fits, how, rule))
    hsa = plans.get("synthetic_hsa_fsa", {})
    disease = [d for b in hsa.get("benefits", [])
               for d in b.get("diagnoses", [])]
    hits = _matches(disease, client.diagnoses)
    routes.append(Route(
        "hsa_fsa_lmn", ROUTE_NAMES["hsa_fsa_lmn"],
        True if hits else False,
        ("The client has a diagnosed disease ("
         + ", ".join(codes.diagnosis(h).dotted for h in hits)
         + "): with a letter of medical necessity, training that "
         "treats it can be paid from an HSA or FSA (an FSA's "
         "administrator checks first; an HSA holder keeps the proof "
         "for the IRS). Gym dues never qualify." if hits else
         "Only training that treats a specific diagnosed disease "
         f"(e.g. {', '.join(disease) or 'obesity, hypertension'}) can be "
         "reimbursed; general fitness or appearance cannot."),
        Rule("synthetic_hsa_fsa.benefits[].diagnoses", FACTS_HSA)))
    medicare = plans.get("original_medicare", {})
    mdpp = next((b for b in medicare.get("benefits", [])
                 if b.get("service") == "mdpp"), {})
    hits = _matches(mdpp.get("diagnoses", []), client.diagnoses)
    routes.append(Route(
        "mdpp", ROUTE_NAMES["mdpp"],
        True if hits and plan.get("plan_type") in
        ("medicare_ffs", "medicare_advantage") and
        provider_type == "mdpp_supplier" else (None if hits else False),
        ("Prediabetes (R73.03) qualifies: Medicare pays a CDC-recognised "
         "MDPP supplier enrolled on CMS-20134 (at most 22 sessions, once "
         "per lifetime). A trainer can coach for such a supplier or "
         "become one (preliminary recognition takes 12 months or more)."
         if hits else "MDPP is for Medicare clients with prediabetes "
         "(R73.03); this client has no such diagnosis."),
        Rule("original_medicare.benefits[mdpp]", FACTS_MEDICARE)))
    program = [b for b in medicare.get("benefits", [])
               if b.get("service") in ("supervised_exercise_therapy_pad",
                                       "pulmonary_rehabilitation")]
    hits = [h for b in program
            for h in _matches(b.get("diagnoses", []), client.diagnoses)]
    routes.append(Route(
        "auxiliary_personnel", ROUTE_NAMES["auxiliary_personnel"],
        True if hits else None,
        ("The client's diagnosis (" + ", ".join(
            codes.diagnosis(h).dotted for h in hits) + ") fits a "
         "physician or hospital exercise program (SET 93668, pulmonary "
         "rehab). Employed by the program as trained auxiliary personnel "
         "under direct supervision, you deliver it; the program bills, "
         "not you." if hits else
         "Supervised exercise therapy (PAD), cardiac and pulmonary rehab "
         "are billed by the physician or hospital; a trainer takes part "
         "only as staff of such a program, when the client qualifies."),
        Rule("original_medicare.benefits[supervised_exercise_therapy_pad]",
             FACTS_MEDICARE)))
    routes.append(Route(
        "cash", ROUTE_NAMES["cash"], True,
        "Always honest: the client pays your price and gets an itemized "
        "receipt (useful for an HSA/FSA claim).",
        Rule("no plan rule", "FACTS.md 1.1 claim 3 (legitimate routes)")))
    return routes
