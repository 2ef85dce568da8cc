"""Denials: what a CARC (with its group code) and a RARC mean, who owes
the amount, what to do next, and an appeal letter when one makes sense.

Meanings and next steps come from the course's code tables
(``datasets/carc.csv``, ``rarc.csv``, ``group_codes.csv``; FACTS.md
section H). Group codes decide who owes: CO, the provider writes it off
and may not bill the patient; PR, the patient may be billed; OA, neither
(e.g. coordination of benefits or a duplicate); PI, a payer reduction
the patient should not be billed for.

Two denials are not for appealing:

- CO-8/170/185/B7 (and RARC N95) for a therapy code such as 97110 billed
  by someone the table does not let bill it: a personal trainer is not an
  eligible provider (FACTS.md 1.1 claim 3). The answer is a legitimate
  route, not an appeal.
- CO-29 at Medicare: a timely-filing denial is not an appealable initial
  determination (42 CFR 424.44; FACTS.md section I).

>>> found = explain("CO", "185", code="97110", taxonomy="224Y00000X")
>>> found.action, found.appeal, found.patient_may_be_billed
('use_another_route', 'no', False)
>>> explain("PR", "2").action
'bill_patient'
>>> explain("CO", "29", payer="medicare").appeal
'no'
>>> explain("CO", "999")
Traceback (most recent call last):
...
trainer_billing.denials.UnknownCARC: CARC 999 is not in the course's \
table (datasets/carc.csv); look it up in the X12 list at \
https://x12.org/codes/claim-adjustment-reason-codes.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re

from trainer_billing import codes, datasets

#: Next actions, by id, in words.
ACTIONS = {
    "bill_patient": "Bill the patient",
    "write_off": "Write it off",
    "fix_and_resubmit": "Fix the claim and send a corrected claim",
    "send_records": "Send the records the payer asked for",
    "appeal": "Appeal (ask for reconsideration)",
    "ask_payer": "Ask the payer before doing anything else",
    "send_to_correct_payer": "Send the claim to the correct payer",
    "check_status": "Do not resend: check the first claim's status",
    "check_enrollment": "Check the provider's enrollment with the payer",
    "use_another_route": "Do not appeal: use a route open to you",
}

#: The CARC's usual next action (datasets/carc.csv, column ``action``);
#: the meaning and the wording of each step are there too.
CARC_ACTIONS = datasets.code_column("carc.csv", "action")

#: Remark codes whose action overrides the CARC's (the rest add a step).
RARC_ACTIONS = {"M127": "send_records", "N286": "fix_and_resubmit",
                "N95": "use_another_route"}

#: CARCs that mean "this provider may not bill this service".
INELIGIBLE_PROVIDER = ("8", "170", "185", "B7")

#: With group PR these CARCs leave the amount with the patient.
_PATIENT_WHEN_PR = ("27", "96", "119", "204")

#: Whether an appeal makes sense, by action: "yes" (the usual answer),
#: "possible" (if the record supports it) or "no".
_APPEAL = {
    "appeal": "yes", "ask_payer": "possible", "write_off": "possible",
    "check_enrollment": "possible", "fix_and_resubmit": "no",
    "send_records": "no", "bill_patient": "no",
    "send_to_correct_payer": "no", "check_status": "no",
    "use_another_route": "no",
}
#: Write-offs that are the contract or the patient's share, not a
#: dispute: nothing to appeal.
_NO_APPEAL_CARCS = ("1", "2", "3", "45", "18")

#: What a trainer can do instead (FACTS.md 1.1 claims 3, 4, 11 and M).
TRAINER_ROUTES = (
    "Give the client a superbill with S9451 (exercise class) where the "
    "payer accepts it, never with 97110 or 97530",
    "Support an HSA/FSA claim with the physician's letter of medical "
    "necessity (IRS Pub. 502)",
    "Become, or work for, a CDC-recognised MDPP supplier (CMS-20134)",
    "Work as auxiliary personnel in a physician's supervised-exercise or "
    "cardiac-rehab program, which bills under its own NPI",
)

S_GROUPS = ("FACTS.md H: group codes (https://app.drchrono.com/api-docs/"
            "popup/v4/adjustment_details)")
S_TIMELY = ("FACTS.md I: 42 CFR 424.44; https://medicare.fcso.com/node/"
            "5026")
S_ELIGIBLE = ("FACTS.md 1.1 claim 3: 42 CFR 410.60(a); CMS's 2005 end of "
              "'incident to' therapy by non-therapists")

_GROUP_SHAPE = re.compile(r"[A-Z]{2}")
_CARC_SHAPE = re.compile(r"[A-Z]?\d{1,3}")
_RARC_SHAPE = re.compile(r"(M|N|MA)\d{1,3}")


class DenialError(ValueError):
    """A code or claim the denial helper cannot use."""


class UnknownGroup(DenialError):
    """The group code is not CO, PR, OA or PI."""


class InvalidCode(DenialError):
    """A CARC or RARC is not shaped like one."""


class UnknownCARC(DenialError):
    """The CARC is well formed but not in the course's table."""


class UnknownRARC(DenialError):
    """The RARC is well formed but not in the course's table."""


class NotAppealable(DenialError):
    """An appeal letter was asked for a denial that is not for
    appealing; the message says what to do instead."""


@dataclasses.dataclass(frozen=True)
class Explanation:
    """What a denial means and what to do, in plain words."""
    group: str
    group_name: str
    carc: str
    carc_meaning: str
    rarc: str | None
    rarc_meaning: str | None
    who_owes: str
    patient_may_be_billed: bool
    action: str                 # a key of ACTIONS
    steps: tuple                # what to do, in order
    appeal: str                 # "yes", "possible" or "no"
    appeal_reason: str
    warnings: tuple
    sources: tuple

    @property
    def action_text(self):
        """Return the next action in words."""
        return ACTIONS[self.action]


# ------------------------------------------------------------ tables

@functools.cache
def _tables():
    """Return (groups, carcs, rarcs) as dicts of row dicts by code."""
    def rows(frame, key):
        return {str(row[key]).strip().upper(): {
            k: ("" if v != v else str(v)) for k, v in row.items()}
            for row in frame.to_dict("records")}
    return (rows(datasets.group_codes(), "group"),
            rows(datasets.carc(), "code"), rows(datasets.rarc(), "code"))


def groups():
    """Return the group codes the helper knows, in the table's order."""
    return list(_tables()[0])


def carcs():
    """Return the CARCs the helper knows, in the table's order."""
    return list(_tables()[1])


def rarcs():
    """Return the RARCs the helper knows, in the table's order."""
    return list(_tables()[2])


def clean_group(value):
    """Return the group code in capitals, or raise UnknownGroup.

    >>> clean_group(" co ")
    'CO'
    """
    text = str(value if value is not None else "").strip().upper()
    known = groups()
    if text in known:
        return text
    if not text:
        raise UnknownGroup(f"Choose a group code: {', '.join(known)}.")
    if text == "CR":
        raise UnknownGroup("CR (correction and reversal) is a 4010 group "
                           "code; 5010 remittances use "
                           f"{', '.join(known)}.")
    raise UnknownGroup(f"{text} is not a group code: use one of "
                       f"{', '.join(known)} (the two letters before the "
                       "reason code, as in CO-45).")


def clean_carc(value):
    """Return a CARC as the table keys it, or raise InvalidCode or
    UnknownCARC. A group typed in front (``CO-45``) is refused with a
    hint, so the group field stays the one place for it.

    >>> clean_carc(" b7 "), clean_carc("045")
    ('B7', '45')
    """
    text = str(value if value is not None else "").strip().upper()
    if not text:
        raise InvalidCode("Type a claim adjustment reason code (CARC), "
                          "e.g. 45 or B7.")
    if re.fullmatch(r"[A-Z]{2}\s*-?\s*[A-Z]?\d{1,3}", text):
        reason = text[2:].strip(" -")
        raise InvalidCode(f"Type only the reason code here ({reason}); "
                          f"its group ({text[:2]}) goes in the group "
                          "field.")
    if not _CARC_SHAPE.fullmatch(text):
        raise InvalidCode(f"{text} is not shaped like a CARC: one to "
                          "three digits, sometimes after one letter "
                          "(45, 197, B7).")
    if text[0].isdigit():
        text = str(int(text))
    if text not in _tables()[1]:
        raise UnknownCARC(
            f"CARC {text} is not in the course's table (datasets/carc.csv)"
            "; look it up in the X12 list at "
            "https://x12.org/codes/claim-adjustment-reason-codes.")
    return text


def clean_rarc(value):
    """Return a RARC in capitals, None when blank, or raise InvalidCode
    or UnknownRARC.

    >>> clean_rarc("m127"), clean_rarc("")
    ('M127', None)
    """
    text = str(value if value is not None else "").strip().upper()
    if not text:
        return None
    if not _RARC_SHAPE.fullmatch(text):
        raise InvalidCode(f"{text} is not shaped like a remark code "
                          "(RARC): M, N or MA and up to three digits "
                          "(M127, N386, MA130).")
    if text not in _tables()[2]:
        raise UnknownRARC(
            f"RARC {text} is not in the course's table (datasets/rarc.csv)"
            "; look it up in CMS's remark code list (https://x12.org/"
            "codes/remittance-advice-remark-codes).")
    return text


# ----------------------------------------------------------- explain

def _payer_of(claim, payer):
    if payer:
        return str(payer).strip().lower()
    if isinstance(claim, dict) and claim.get("coverage") == "medicare":
        return "medicare"
    return None


def _codes_of(claim, code):
    if code:
        return [str(code).strip().upper()]
    lines = claim.get("lines") if isinstance(claim, dict) else None
    return [str(line.get("code", "")).strip().upper()
            for line in lines or [] if isinstance(line, dict)
            and line.get("code")]


def _taxonomy_of(claim, taxonomy):
    if taxonomy:
        return str(taxonomy).strip().upper()
    if isinstance(claim, dict) and isinstance(
            claim.get("billing_provider"), dict):
        return str(claim["billing_provider"].get("taxonomy") or
                   "").strip().upper() or None
    return None


def not_eligible_biller(procedure_codes, taxonomy):
    """Return the therapy codes the taxonomy's provider class may not
    bill (course's code table), or [] when it may or nothing is known.

    >>> not_eligible_biller(["97110", "S9451"], "224Y00000X")
    ['97110']
    >>> not_eligible_biller(["97110"], "225100000X")
    []
    """
    found = codes.taxonomy(taxonomy) if taxonomy else None
    if found is None:
        return []
    return [code for code in procedure_codes if codes.is_therapy(code)
            and not codes.may_bill(code, found.provider_class)]


def explain(group, carc, rarc=None, *, claim=None, payer=None, code=None,
            taxonomy=None):
    """Return the Explanation of a denial: ``group`` (CO, PR, OA, PI),
    ``carc`` and an optional ``rarc``.

    ``claim`` (a claim dict) or the keywords refine the advice:
    ``payer`` ("medicare" or anything else; from the claim's coverage
    when not given), ``code`` (the procedure code denied; else the
    claim's line codes) and ``taxonomy`` (the biller's; else item 33's).
    Raises UnknownGroup, InvalidCode, UnknownCARC or UnknownRARC.
    """
    group = clean_group(group)
    carc = clean_carc(carc)
    rarc = clean_rarc(rarc)
    group_rows, carc_rows, rarc_rows = _tables()
    group_row, carc_row = group_rows[group], carc_rows[carc]
    rarc_row = rarc_rows[rarc] if rarc else None
    payer = _payer_of(claim, payer)
    procedure_codes = _codes_of(claim, code)
    biller = _taxonomy_of(claim, taxonomy)
    warnings, sources = [], [carc_row["source"], group_row["source"]]
    if rarc_row:
        sources.append(rarc_row["source"])

    usual = [g for g in carc_row["usual_groups"].split(";") if g]
    if usual and group not in usual:
        warnings.append(
            f"{group} with CARC {carc} is unusual: the table has it with "
            f"{' or '.join(usual)}. Check the remittance; the group code "
            "still decides who owes.")
    if rarc_row:
        usual_carcs = [c for c in rarc_row["usual_carcs"].split(";") if c]
        if usual_carcs and carc not in usual_carcs:
            warnings.append(f"Remark {rarc} usually comes with CARC "
                            f"{' or '.join(usual_carcs)}, not {carc}.")

    action = CARC_ACTIONS.get(carc, "ask_payer")
    steps = [carc_row["next_step"]]
    if rarc_row:
        steps.append(f"Remark {rarc}: {rarc_row['next_step']}")
        action = RARC_ACTIONS.get(rarc, action)
    appeal = "no" if carc in _NO_APPEAL_CARCS else _APPEAL[action]
    appeal_reason = {
        "yes": "An appeal is the usual answer when the record supports "
               "the service.",
        "possible": "An appeal is possible if the record shows the payer "
                    "got it wrong; otherwise take the action above.",
        "no": "Not an appeal: " + ACTIONS[action].lower() + ".",
    }[appeal]

    # Who owes: the group code decides (FACTS.md H).
    patient_may_be_billed = group == "PR"
    who_owes = group_row["who_pays"] + "."
    if group == "PR" and carc in _PATIENT_WHEN_PR:
        action, appeal = "bill_patient", "no"
        appeal_reason = "Not an appeal: the patient owes it (group PR)."
        steps.insert(0, "Tell the patient what the plan said and bill "
                        "them for it.")
    if action == "bill_patient" and not patient_may_be_billed:
        warnings.append(f"CARC {carc} usually means the patient owes it, "
                        f"but group {group} says the patient may not be "
                        "billed. Ask the payer which is right.")
        steps[0] = ("Ask the payer whether the patient owes it before "
                    "billing anyone.")
        action, appeal = "ask_payer", "possible"
        appeal_reason = ("Ask the payer first; an appeal is possible if "
                         "the group code was wrong.")
    if not patient_may_be_billed and group == "CO":
        steps.append("Do not bill the patient for this amount (group CO).")

    # Not eligible to bill the code: no appeal, a route instead.
    barred = not_eligible_biller(procedure_codes, biller)
    ineligible = carc in INELIGIBLE_PROVIDER or rarc == "N95"
    if ineligible and (barred or carc in ("170", "185") or rarc == "N95"):
        action, appeal = "use_another_route", "no"
        shown = ", ".join(barred) if barred else "this code"
        appeal_reason = (
            f"Do not appeal: the payer says this provider may not bill "
            f"{shown}, and it is right when the biller is a personal "
            "trainer. An appeal would claim a therapist's service; "
            "billing it as therapy misrepresents who provided it.")
        steps = [f"Stop billing {shown} in this provider's name."] + [
            route + "." for route in TRAINER_ROUTES]
        if not barred:
            steps.append("If the biller is a licensed therapist and the "
                         "payer's enrollment record is wrong, call the "
                         "payer to correct the record; that is not an "
                         "appeal either.")
        sources.append(S_ELIGIBLE)
    elif carc == "B7":
        steps.append("If the provider was enrolled on the date of "
                     "service, ask the payer to correct its record and "
                     "reprocess the claim.")

    if carc == "29":
        sources.append(S_TIMELY)
        if payer == "medicare":
            appeal = "no"
            appeal_reason = ("Not an appeal: at Medicare a timely-filing "
                             "denial is not an appealable initial "
                             "determination. Write it off; do not bill "
                             "the patient.")
            steps.append("Medicare's limit is 12 months after the date of "
                         "service; the exceptions are narrow (MCPM "
                         "Pub. 100-04 ch. 1 section 70.7).")
        else:
            appeal = "possible"
            appeal_reason = ("Commercial plans set the limit and any "
                             "exception by contract: read the contract or "
                             "provider manual before writing it off.")
    return Explanation(
        group, group_row["name"], carc, carc_row["meaning"], rarc,
        rarc_row["meaning"] if rarc_row else None, who_owes,
        patient_may_be_billed, action, tuple(dict.fromkeys(steps)),
        appeal, appeal_reason, tuple(warnings),
        tuple(dict.fromkeys(s for s in sources if s)))


# ----------------------------------------------------- appeal letter

#: What to enclose, by CARC (the appeal's evidence).
_ENCLOSE = {
    "50": ("the plan of care signed by the referring physician",
           "the session notes with the measurable progress",
           "the physician's referral or prescription"),
    "167": ("the physician's note that documents the diagnosis",),
    "197": ("the record of the authorization request or why none "
            "was needed",),
    "96": ("the plan's coverage terms for the service",),
    "204": ("the plan's coverage terms for the service",),
    "119": ("the session notes showing why more visits are needed",),
    "29": ("proof the claim was filed within the limit (e.g. the "
           "clearinghouse acceptance report)",),
    "B7": ("the provider's enrollment confirmation with its effective "
           "date",),
}


def _text(value):
    return "" if value is None else " ".join(str(value).split())


def _name(name):
    if not isinstance(name, dict):
        return _text(name)
    return " ".join(p for p in (_text(name.get("first")),
                                _text(name.get("last"))) if p)


def _section(data, key):
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _blank(value, what):
    return value if value else f"[{what}]"


def _note_lines(note):
    if not note:
        return []
    if not isinstance(note, dict):
        return [_text(note)]
    labels = (("date", "Date"), ("subjective", "Subjective"),
              ("objective", "Objective"), ("assessment", "Assessment"),
              ("plan", "Plan"), ("goals", "Goals"),
              ("progress", "Progress"))
    lines = [f"{label}: {_text(note[key])}" for key, label in labels
             if _text(note.get(key))]
    measures = note.get("measures")
    if isinstance(measures, dict):
        lines += [f"{_text(k)}: {_text(v)}" for k, v in measures.items()]
    return lines


def appeal_letter(claim, note=None, carc=None, rarc=None, *, group="CO",
                  payer=None, date=None, payer_claim_number=None):
    """Return a plain-text appeal (reconsideration) letter drafted from a
    claim dict and a session note (a dict with SOAP keys such as
    ``date``, ``assessment``, ``plan``, ``measures``; or text; or None).

    Raises NotAppealable, with what to do instead, when the denial is
    not for appealing (see :func:`explain`), and the code errors of
    :func:`explain`. What the claim does not give is left as
    ``[bracketed]`` text to fill in; the letter is a draft to check
    against the record. ``payer`` is as for :func:`explain`.
    """
    claim = claim if isinstance(claim, dict) else {}
    found = explain(group, carc, rarc, claim=claim, payer=payer)
    if found.appeal == "no":
        raise NotAppealable(f"{found.appeal_reason} Next: "
                            f"{found.action_text}.")
    when = date if date else datetime.date.today().isoformat()
    payer, patient = _section(claim, "payer"), _section(claim, "patient")
    insured = _section(claim, "insured")
    referring = _section(claim, "referring_provider")
    rendering = _section(claim, "rendering_provider")
    billing = _section(claim, "billing_provider")
    address = _section(payer, "address")
    lines = [line for line in claim.get("lines") or []
             if isinstance(line, dict)]
    dates = sorted({_text(line.get("from")) for line in lines} - {""})
    denial = f"{found.group}-{found.carc} ({found.carc_meaning})"
    if found.rarc:
        denial += f", remark {found.rarc} ({found.rarc_meaning})"

    out = ["DRAFT - check every fact against the record before sending.",
           "", when, "",
           f"To: {_blank(_text(payer.get('name')), 'payer name')}, "
           "appeals and reconsiderations"]
    if address:
        out.append(", ".join(p for p in (
            _text(address.get("street")), _text(address.get("city")),
            " ".join(p for p in (_text(address.get("state")),
                                 _text(address.get("zip"))) if p)) if p))
    born = _blank(_text(patient.get("birth_date")), "date of birth")
    out += ["", "Re: Request for reconsideration of a denied claim",
            f"Patient: {_blank(_name(patient.get('name')), 'patient')}"
            f" (date of birth {born})",
            f"Member ID: {_blank(_text(insured.get('id')), 'member ID')}"
            + (f", group {_text(insured.get('group'))}"
               if _text(insured.get("group")) else ""),
            f"Payer claim number: "
            f"{_blank(_text(payer_claim_number), 'payer claim number')}",
            f"Patient account: "
            f"{_blank(_text(claim.get('patient_account')), 'account')}",
            f"Date(s) of service: {_blank(', '.join(dates), 'dates')}",
            f"Denial: {denial}", "", "Dear reviewer,", "",
            "I ask you to reconsider the denial of the claim above. "
            + _reason(found), "", "Services billed:"]
    for number, line in enumerate(lines, start=1):
        modifiers = line.get("modifiers") or []
        shown = "-".join([_text(line.get("code"))] + [
            _text(m) for m in modifiers if _text(m)])
        out.append(f"  {number}. {shown}, {_text(line.get('units'))} "
                   f"unit(s), ${_text(line.get('charge'))}, "
                   f"{_text(line.get('from'))}")
    diagnoses = [d for d in claim.get("diagnoses") or [] if _text(d)]
    if diagnoses:
        out += ["", "Diagnoses (ICD-10-CM):"]
        for code in diagnoses:
            entry = codes.diagnosis(code)
            title = entry.title if entry else "not found in ICD-10-CM"
            dotted = entry.dotted if entry else _text(code)
            out.append(f"  {dotted} {title}")
    if referring:
        out += ["", "Referring physician: "
                f"{_blank(_name(referring.get('name')), 'name')}, NPI "
                f"{_blank(_text(referring.get('npi')), 'NPI')}."]
    noted = _note_lines(note)
    if noted:
        out += ["", "From the session note:"] + [f"  {t}" for t in noted]
    enclosed = _ENCLOSE.get(found.carc, ("the records that support the "
                                         "service",))
    out += ["", "Enclosed:"] + [f"  - {item}" for item in enclosed]
    out += ["", "Please reprocess the claim. For questions, call "
            f"{_blank(_text(billing.get('phone')), 'phone')}.", "",
            "Sincerely,", "",
            _blank(", ".join(p for p in (_name(rendering.get("name")),
                                         _text(rendering.get(
                                             "credentials"))) if p),
                   "your name and credentials"),
            f"{_blank(_text(billing.get('name')), 'practice')}, NPI "
            f"{_blank(_text(billing.get('npi')), 'NPI')}"]
    return "\n".join(out) + "\n"


def _reason(found):
    if found.carc == "50":
        return ("The services were medically necessary: they were "
                "referred by the patient's physician for the diagnoses "
                "below, delivered under a plan of care by an eligible "
                "provider, and the notes show measurable progress.")
    if found.carc == "29":
        return ("The claim was filed within the plan's timely-filing "
                "limit; proof is enclosed.")
    if found.carc == "B7":
        return ("The provider was enrolled with the plan on the date of "
                "service; the enrollment confirmation is enclosed.")
    return (f"The claim was denied as: {found.carc_meaning.lower()}. The "
            "enclosed records show that the service meets the plan's "
            "terms.")


def appeal_letter_pdf(claim, note=None, carc=None, rarc=None, **options):
    """Return the appeal letter of :func:`appeal_letter` as PDF bytes
    (fpdf2, the forms' Unicode font when installed)."""
    from fpdf import FPDF

    from trainer_billing import forms

    text = appeal_letter(claim, note, carc, rarc, **options)
    pdf = FPDF(format="letter")
    pdf.set_title("Appeal letter (draft)")
    pdf.set_creator("trainer_billing.denials")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    regular, _bold = forms.font_files()
    if regular:
        pdf.add_font("DejaVu", "", regular)
        pdf.set_font("DejaVu", size=10.5)
    else:
        pdf.set_font("Helvetica", size=10.5)
        text = text.encode("latin-1", "replace").decode("latin-1")
    for line in text.splitlines():
        pdf.multi_cell(0, 5.2, line if line else " ", new_x="LMARGIN",
                       new_y="NEXT")
    return bytes(pdf.output())
