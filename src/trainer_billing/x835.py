"""The 835 reader and writer: a payer's remittance advice (ASC X12N 835
Health Care Claim Payment/Advice, 005010X221A1) as claims, service
lines and adjustments, with the balancing checks a biller makes.

``read_835(text)`` returns a ``Remittance``; a file that cannot be read
raises ``X12Error`` naming the segment and what is wrong (see
``trainer_billing.x12read``). Money is ``Decimal``, as written; a
negative adjustment stays negative.

What balances (each failure is a finding, not an exception, because a
payer's arithmetic error is news for the biller, not a broken file):

- each service line: billed (SVC02) - paid (SVC03) = its adjustments;
- each claim: billed (CLP03) - paid (CLP04) = its adjustments, at the
  claim and on its lines;
- the payment: BPR02 = the claims' payments - the provider-level
  adjustments (PLB; a positive PLB amount is money the payer keeps).

``patient_owes`` is the sum of the adjustments in group PR (patient
responsibility). Group codes and adjustment reasons (CARC) are labelled
from FACTS.md section H; codes outside that table keep their code.

pyx12 4.0.0 has a map for this transaction (``835.5010.X221.A1.xml``):
``read_835(..., validate=True)`` also runs its validator and adds what
it reports to the findings (rule ``pyx12``). It checks the loop and
segment order, required segments and elements, code values and dates;
it does not balance money.

>>> text = write_835({
...     "payer": {"name": "NOT REAL HEALTH PLAN", "id": "1999999999"},
...     "payee": {"name": "NOT REAL PT CLINIC", "npi": "1000000004"},
...     "payment": {"method": "CHK", "date": "2026-12-04",
...                 "trace": "NR0001"},
...     "claims": [{"id": "A1", "status": "1", "billed": "800.00",
...                 "paid": "450.00", "patient_responsibility": "300.00",
...                 "payer_claim": "PCN1", "adjustments": [
...                     ["CO", "A2", "50.00"]],
...                 "patient": {"last": "ROE", "first": "ALEX",
...                             "id": "NR100"},
...                 "lines": [{"code": "97110", "billed": "800.00",
...                            "paid": "500.00", "units": 4,
...                            "date": "2026-11-09", "adjustments": [
...                                ["PR", "1", "300.00"]]}]}]},
...     control_number=1, created="2026-12-04T10:00")
>>> remittance = read_835(text)
>>> remittance.payment, remittance.patient_owes, remittance.balanced
(Decimal('450.00'), Decimal('300.00'), True)
"""

import dataclasses
import datetime
import decimal

from trainer_billing import datasets
from trainer_billing.x12read import (X12Error, as_datetime,
                                     check_composite, check_elements,
                                     parse_amount, parse_date,
                                     pyx12_problems, tokenize,
                                     write_interchange, x12_date)

VERSION = "005010X221A1"
ZERO = decimal.Decimal("0")

#: CAS01 claim adjustment group codes (FACTS.md section H). CR
#: (correction and reversal) is a 4010 group, still met in old files.
GROUPS = {
    "CO": "contractual obligation (written off; the patient is not billed)",
    "PR": "patient responsibility (may be billed to the patient)",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal (4010)",
}

#: Adjustment reasons (CARC) and remark codes (RARC) the course uses, in
#: a few of our words (datasets/carc.csv and rarc.csv, column ``label``;
#: FACTS.md section H). Others keep only their code.
REASONS = datasets.code_column("carc.csv")
REMARKS = datasets.code_column("rarc.csv")

#: CLP02 claim status codes the reader names (X12 element 1029).
STATUS = {
    "1": "processed as primary", "2": "processed as secondary",
    "3": "processed as tertiary", "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "21": "processed as tertiary, forwarded to another payer",
    "22": "reversal of a previous payment",
    "23": "not our claim, forwarded to another payer",
    "25": "predetermination pricing only, no payment",
}

#: SVC01 / SVC06 first components: HC (HCPCS/CPT) and the others the
#: 5010 map allows.
PROCEDURE_QUALIFIERS = {"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU",
                        "UI", "WK"}

_SPECS = {
    "BPR": {1: ("code", True, "transaction handling", {"C", "D", "H", "I",
                                                       "P", "U", "X"}),
            2: ("amount", True, "total payment"),
            3: ("code", True, "credit or debit", {"C", "D"}),
            4: ("code", True, "payment method", {"ACH", "BOP", "CHK",
                                                 "FWT", "NON"}),
            16: ("date", True, "check or EFT date")},
    "TRN": {1: ("code", True, "trace type"),
            2: ("text", True, "check or EFT trace number")},
    "DTM": {1: ("code", True, "date qualifier"),
            2: ("date", True, "date")},
    "CLP": {1: ("text", True, "patient control number"),
            2: ("number", True, "claim status", set(STATUS)),
            3: ("amount", True, "billed"),
            4: ("amount", True, "paid"),
            5: ("amount", False, "patient responsibility"),
            6: ("code", False, "claim filing indicator"),
            7: ("text", False, "payer claim control number")},
    "SVC": {2: ("amount", True, "line billed"),
            3: ("amount", True, "line paid"),
            5: ("amount", False, "units paid")},
    "PLB": {1: ("text", True, "provider identifier"),
            2: ("date", True, "fiscal period date"),
            4: ("amount", True, "provider adjustment amount")},
    "AMT": {1: ("code", True, "amount qualifier"),
            2: ("amount", True, "amount")},
    "LX": {1: ("number", True, "header number")},
}


def _cas_spec():
    spec = {1: ("code", True, "group", set(GROUPS)),
            2: ("code", True, "reason (CARC)"),
            3: ("amount", True, "amount")}
    for triplet in range(1, 6):
        base = 2 + 3 * triplet
        spec[base] = ("code", False, "reason (CARC)")
        spec[base + 1] = ("amount", False, "amount")
        spec[base + 2] = ("amount", False, "quantity")
    spec[4] = ("amount", False, "quantity")
    return spec


_SPECS["CAS"] = _cas_spec()


@dataclasses.dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group, reason code (CARC), amount, quantity."""

    group: str
    reason: str
    amount: decimal.Decimal
    quantity: decimal.Decimal | None = None
    segment: int | None = None

    @property
    def label(self):
        """The adjustment in words, e.g. 'PR-1: patient responsibility,
        deductible'."""
        group = GROUPS.get(self.group, self.group).split(" (")[0]
        reason = REASONS.get(self.reason, "reason not in the course's "
                             "table")
        return f"{self.group}-{self.reason}: {group}, {reason}"


@dataclasses.dataclass
class ServiceLine:
    """One SVC loop (2110)."""

    procedure: str
    modifiers: list
    billed: decimal.Decimal
    paid: decimal.Decimal
    units: decimal.Decimal | None
    service_date: datetime.date | None = None
    adjustments: list = dataclasses.field(default_factory=list)
    remarks: list = dataclasses.field(default_factory=list)
    allowed: decimal.Decimal | None = None
    segment: int | None = None


@dataclasses.dataclass
class ClaimPayment:
    """One CLP loop (2100): the payer's answer on one claim."""

    claim_id: str
    status: str
    billed: decimal.Decimal
    paid: decimal.Decimal
    patient_responsibility: decimal.Decimal | None
    payer_claim_number: str
    patient: dict = dataclasses.field(default_factory=dict)
    adjustments: list = dataclasses.field(default_factory=list)
    lines: list = dataclasses.field(default_factory=list)
    remarks: list = dataclasses.field(default_factory=list)
    segment: int | None = None

    @property
    def status_label(self):
        return STATUS.get(self.status, f"status {self.status}")

    @property
    def all_adjustments(self):
        """Claim-level adjustments, then each line's."""
        return self.adjustments + [a for line in self.lines
                                   for a in line.adjustments]

    @property
    def patient_owes(self):
        """The sum of the PR adjustments, claim and line level."""
        return sum((a.amount for a in self.all_adjustments
                    if a.group == "PR"), ZERO)


@dataclasses.dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB reason/amount pair; a positive amount reduces the
    payment."""

    provider: str
    fiscal_period: datetime.date
    reason: str
    reference: str
    amount: decimal.Decimal
    segment: int | None = None


@dataclasses.dataclass(frozen=True)
class Finding:
    """Something the biller should look at: ``rule`` ('claim-balance',
    'line-balance', 'payment-balance', 'patient-responsibility',
    'pyx12'), ``severity`` ('error' or 'warning'), ``claim`` (CLP01 or
    None) and ``message``."""

    rule: str
    severity: str
    claim: str | None
    message: str

    def __str__(self):
        return self.message


@dataclasses.dataclass
class Remittance:
    """One 835 transaction."""

    payment: decimal.Decimal
    payment_method: str
    payment_date: datetime.date | None
    trace_number: str
    payer: dict
    payee: dict
    claims: list
    provider_adjustments: list
    findings: list

    @property
    def patient_owes(self):
        """What the payer says the patients owe: all PR adjustments."""
        return sum((c.patient_owes for c in self.claims), ZERO)

    @property
    def balanced(self):
        """True when no balancing check failed."""
        return not any(f.rule.endswith("balance") for f in self.findings)

    def to_rows(self):
        """One dict per adjustment (claim or line level), for
        ``pandas.DataFrame``; a claim or line without adjustments gives
        one row with the adjustment columns empty."""
        rows = []
        for claim in self.claims:
            base = {"claim_id": claim.claim_id, "status": claim.status_label,
                    "claim_billed": claim.billed, "claim_paid": claim.paid}
            places = [(None, claim.adjustments)] + [
                (line, line.adjustments) for line in claim.lines]
            for line, adjustments in places:
                where = {"level": "line" if line else "claim",
                         "procedure": line.procedure if line else None,
                         "service_date": line.service_date if line else None,
                         "line_billed": line.billed if line else None,
                         "line_paid": line.paid if line else None}
                if not adjustments and (line or not claim.lines):
                    rows.append({**base, **where, "group": None,
                                 "reason": None, "amount": None,
                                 "label": None})
                for a in adjustments:
                    rows.append({**base, **where, "group": a.group,
                                 "reason": a.reason, "amount": a.amount,
                                 "label": a.label})
        return rows


# Reading ---------------------------------------------------------------

def read_835(data, *, validate=False):
    """Return the ``Remittance`` in an 835 file holding one transaction
    (``read_835s`` reads several); raise ``X12Error`` when the file
    cannot be read. ``validate`` adds pyx12's findings."""
    remittances = read_835s(data, validate=validate)
    if len(remittances) != 1:
        raise X12Error(f"the file holds {len(remittances)} 835 "
                       "transactions; read it with read_835s().")
    return remittances[0]


def read_835s(data, *, validate=False):
    """Return a ``Remittance`` for each 835 transaction in the file."""
    interchange = tokenize(data)
    transactions = list(interchange.transactions("835"))
    if not transactions:
        raise X12Error("the file holds no 835 transaction (ST01 835).")
    remittances = [_read(interchange, t) for t in transactions]
    if validate:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        problems = [Finding("pyx12", "warning", None, p)
                    for p in pyx12_problems(text)]
        for remittance in remittances:
            remittance.findings.extend(problems)
    return remittances


def _check(interchange, segment):
    spec = _SPECS.get(segment.id)
    if spec:
        check_elements(segment, spec)
    if segment.id == "SVC":
        check_composite(interchange, segment, 1, PROCEDURE_QUALIFIERS)
        check_composite(interchange, segment, 6, PROCEDURE_QUALIFIERS)
    if segment.id == "CAS":
        for base in (5, 8, 11, 14, 17):
            if segment.get(base + 1) and not segment.get(base):
                raise segment.error(
                    f"{segment.name(base + 1)} has an amount but "
                    f"{segment.name(base)} (its reason code) is empty.")
            if segment.get(base) and not segment.get(base + 1):
                raise segment.error(
                    f"{segment.name(base)} has a reason but "
                    f"{segment.name(base + 1)} (its amount) is missing.")
    if segment.id == "PLB":
        for base in range(3, 15, 2):
            if segment.get(base) and not parse_amount(
                    segment.get(base + 1) or "x"):
                raise segment.error(
                    f"{segment.name(base + 1)} should be the amount for "
                    f"{segment.get(base)!r} but holds "
                    f"{segment.get(base + 1)!r}.")


def _adjustments(segment):
    found = []
    group = segment.get(1)
    for base in (2, 5, 8, 11, 14, 17):
        if not segment.get(base):
            continue
        quantity = segment.get(base + 2)
        found.append(Adjustment(
            group, segment.get(base), parse_amount(segment.get(base + 1)),
            parse_amount(quantity) if quantity else None,
            segment.position))
    return found


def _read(interchange, segments):
    for segment in segments:
        _check(interchange, segment)
    bpr = next((s for s in segments if s.id == "BPR"), None)
    if bpr is None:
        raise segments[0].error("the 835 has no BPR (payment) segment.")
    trn = next((s for s in segments if s.id == "TRN"), None)
    payer, payee = {}, {}
    claims, plbs = [], []
    claim = line = party = None
    for segment in segments:
        sid = segment.id
        if sid == "N1" and claim is None:
            party = {"PR": payer, "PE": payee}.get(segment.get(1))
            if party is not None:
                party.update(name=segment.get(2), id=segment.get(4))
        elif sid == "REF" and party is not None and claim is None:
            party.setdefault("references", {})[segment.get(1)] = \
                segment.get(2)
        elif sid == "CLP":
            line, party = None, None
            claim = ClaimPayment(
                segment.get(1), segment.get(2),
                parse_amount(segment.get(3)), parse_amount(segment.get(4)),
                parse_amount(segment.get(5)) if segment.get(5) else None,
                segment.get(7), segment=segment.position)
            claims.append(claim)
        elif sid == "CAS":
            if claim is None:
                raise segment.error("an adjustment (CAS) before any "
                                    "claim (CLP).")
            (line or claim).adjustments.extend(_adjustments(segment))
        elif sid == "NM1" and claim is not None and line is None:
            if segment.get(1) in ("QC", "IL") and not claim.patient:
                claim.patient = {"last": segment.get(3),
                                 "first": segment.get(4),
                                 "id": segment.get(9)}
        elif sid == "MOA" and claim is not None:
            claim.remarks.extend(v for v in segment.elements[3:8] if v)
        elif sid == "SVC":
            if claim is None:
                raise segment.error("a service line (SVC) before any "
                                    "claim (CLP).")
            parts = interchange.components(segment, 1)
            units = segment.get(5)
            line = ServiceLine(
                parts[1] if len(parts) > 1 else "", parts[2:6],
                parse_amount(segment.get(2)), parse_amount(segment.get(3)),
                parse_amount(units) if units else None,
                segment=segment.position)
            claim.lines.append(line)
        elif sid == "DTM" and line is not None and segment.get(1) in (
                "472", "150"):
            line.service_date = parse_date(segment.get(2))
        elif sid == "AMT" and line is not None and segment.get(1) == "B6":
            line.allowed = parse_amount(segment.get(2))
        elif sid == "LQ" and line is not None:
            line.remarks.append(segment.get(2))
        elif sid == "PLB":
            claim = line = None
            for base in range(3, 15, 2):
                if not segment.get(base):
                    continue
                parts = segment.get(base).split(interchange.component)
                plbs.append(ProviderAdjustment(
                    segment.get(1), parse_date(segment.get(2)), parts[0],
                    parts[1] if len(parts) > 1 else "",
                    parse_amount(segment.get(base + 1)), segment.position))
    remittance = Remittance(
        parse_amount(bpr.get(2)), bpr.get(4), parse_date(bpr.get(16)),
        trn.get(2) if trn else "", payer, payee, claims, plbs, [])
    remittance.findings.extend(balance(remittance))
    return remittance


def balance(remittance):
    """Return the balancing findings for a ``Remittance``."""
    found = []
    for claim in remittance.claims:
        for number, line in enumerate(claim.lines, start=1):
            adjusted = sum((a.amount for a in line.adjustments), ZERO)
            if line.billed - line.paid != adjusted:
                found.append(Finding(
                    "line-balance", "error", claim.claim_id,
                    f"Claim {claim.claim_id}, line {number} "
                    f"({line.procedure}): billed {line.billed} - paid "
                    f"{line.paid} = {line.billed - line.paid}, but its "
                    f"adjustments add up to {adjusted}."))
        adjusted = sum((a.amount for a in claim.all_adjustments), ZERO)
        if claim.billed - claim.paid != adjusted:
            found.append(Finding(
                "claim-balance", "error", claim.claim_id,
                f"Claim {claim.claim_id}: billed {claim.billed} - paid "
                f"{claim.paid} = {claim.billed - claim.paid}, but its "
                f"adjustments (claim and lines) add up to {adjusted}."))
        if claim.patient_responsibility is not None and \
                claim.patient_responsibility != claim.patient_owes:
            found.append(Finding(
                "patient-responsibility", "warning", claim.claim_id,
                f"Claim {claim.claim_id}: CLP05 says the patient owes "
                f"{claim.patient_responsibility}, but the PR adjustments "
                f"add up to {claim.patient_owes}."))
    paid = sum((c.paid for c in remittance.claims), ZERO)
    kept = sum((p.amount for p in remittance.provider_adjustments), ZERO)
    if remittance.payment != paid - kept:
        found.append(Finding(
            "payment-balance", "error", None,
            f"The payment (BPR02) is {remittance.payment}, but the claims "
            f"paid {paid} and the provider adjustments (PLB) take {kept}: "
            f"{paid - kept}."))
    return found


# Writing ---------------------------------------------------------------

def _amount(value):
    # Two decimals, as payers print money; a negative stays negative.
    number = decimal.Decimal(str(value))
    return format(number.quantize(decimal.Decimal("0.01")), "f")


def write_835(remittance, *, control_number, created,
              sender_id="NOTREALPAYER", receiver_id="NOTREALCLINIC"):
    """Return the text of an 835 interchange (ISA to IEA) from a
    remittance description (a dict: payer, payee, payment, claims with
    lines and adjustments, provider_adjustments; see the module doctest
    and ``datasets/x12/make_samples.py``).

    The payment amount is the claims' payments less the provider
    adjustments unless ``payment["amount"]`` says otherwise (a sample
    that does not balance says so on purpose).
    """
    created = as_datetime(created)
    payment = remittance.get("payment", {})
    claims = remittance.get("claims", [])
    plbs = remittance.get("provider_adjustments", [])
    amount = payment.get("amount")
    if amount is None:
        amount = sum((decimal.Decimal(c["paid"]) for c in claims), ZERO) \
            - sum((decimal.Decimal(p["amount"]) for p in plbs), ZERO)
    method = payment.get("method", "CHK")
    pay_date = x12_date(payment.get("date", created.date()))
    payer, payee = remittance["payer"], remittance["payee"]
    body = []
    add = body.append
    bpr = ["BPR", "I", _amount(amount), "C", method]
    if method == "ACH":
        bpr += ["CCP", "01", "999999992", "DA", "123456", payer["id"], "",
                "01", "999988880", "DA", "98765", pay_date]
    else:
        bpr += [""] * 11 + [pay_date]
    if decimal.Decimal(amount) == 0:
        bpr[1] = "H"
        bpr[4] = "NON"
    add(bpr)
    add(["TRN", "1", payment.get("trace", f"NR{control_number:06d}"),
         payer["id"]])
    add(["DTM", "405", pay_date])
    add(["N1", "PR", payer["name"]])
    add(["N3", payer.get("street", "PO BOX 0000")])
    add(["N4", payer.get("city", "SPRINGFIELD"), payer.get("state", "IL"),
         payer.get("zip", "62701")])
    add(["PER", "BL", payer.get("contact", "EDI SUPPORT"), "TE",
         payer.get("phone", "5555550100")])
    add(["N1", "PE", payee["name"], "XX", payee["npi"]])
    if payee.get("tax_id"):
        add(["REF", "TJ", payee["tax_id"]])
    if claims:
        add(["LX", "1"])
    for claim in claims:
        add(["CLP", claim["id"], claim.get("status", "1"),
             _amount(claim["billed"]), _amount(claim["paid"]),
             _amount(claim["patient_responsibility"])
             if claim.get("patient_responsibility") is not None else "",
             claim.get("filing", "12"), claim.get("payer_claim", "")])
        for cas in _cas(claim.get("adjustments", [])):
            add(cas)
        patient = claim.get("patient", {})
        add(["NM1", "QC", "1", patient.get("last", ""),
             patient.get("first", ""), "", "", "", "MI",
             patient.get("id", "")])
        if claim.get("remarks"):
            add(["MOA", "", ""] + list(claim["remarks"])[:5])
        for line in claim.get("lines", []):
            procedure = ":".join(["HC", line["code"],
                                  *line.get("modifiers", [])])
            add(["SVC", procedure, _amount(line["billed"]),
                 _amount(line["paid"]), "", str(line.get("units", 1))])
            add(["DTM", "472", x12_date(line["date"])])
            for cas in _cas(line.get("adjustments", [])):
                add(cas)
            if line.get("allowed") is not None:
                add(["AMT", "B6", _amount(line["allowed"])])
            for remark in line.get("remarks", []):
                add(["LQ", "HE", remark])
    for plb in plbs:
        add(["PLB", plb.get("provider", payee["npi"]),
             x12_date(plb.get("fiscal_period", f"{created.year}-12-31")),
             f"{plb['reason']}:{plb.get('reference', '')}".rstrip(":"),
             _amount(plb["amount"])])
    return write_interchange(body, "HP", "835", control_number, created,
                             sender_id, receiver_id, VERSION)


def _cas(adjustments):
    """Group adjustments into CAS segments: one per group, up to six
    reason/amount/quantity triplets each."""
    by_group = {}
    for item in adjustments:
        by_group.setdefault(item[0], []).append(item[1:])
    segments = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            cas = ["CAS", group]
            for reason, amount, *quantity in items[start:start + 6]:
                cas += [reason, _amount(amount),
                        str(quantity[0]) if quantity else ""]
            while cas[-1] == "":
                cas.pop()
            segments.append(cas)
    return segments
