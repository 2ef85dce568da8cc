"""Generate the course's synthetic story data, the same bytes every time.

    .venv/bin/python datasets/generate.py            # default seed 7
    .venv/bin/python datasets/generate.py --out /tmp/x --seed 7

Writes ``clients.csv``, ``sessions.csv``, ``claims/story/*.json`` (with
``index.json``) and ``remittances.csv`` under the output folder. The
reference tables (``plans.json``, ``fee_schedule/``, ``carc.csv``,
``rarc.csv``, ``group_codes.csv``) are read from the datasets folder, not
written.

The story, CY2025, Springfield IL (Medicare locality IL-99): Riverbend
Physical Therapy treats clients a physician referred; it bills the
therapy visits on CMS-1500 claims to each client's plan and gets
remittances back. Northside Strength, a personal trainer's studio, trains
some of the same clients, paid by an employer wellness program, by the
client (cash, sometimes reimbursed from an HSA/FSA) or as a vendor the
workers' comp adjuster authorised; it never bills therapy codes, except in
one claim that shows what happens when it does (denied, CARC 185).

Four story claims are meant to be wrong (the claim checker flags them and
the payer denies them): a missing prior authorization (CARC 197), a late
commercial claim (CARC 29), a missing referring NPI (CARC 16 with N286)
and the trainer's therapy claim. One valid claim runs into a plan's visit
limit (CARC 119 with N130), which no claim checker can see. Everything
else is paid by the fee schedule: Medicare at the CY2025 IL-99 amount
(80% after the Part B deductible), other plans at a synthetic percentage
of it less copays, deductibles and coinsurance.

Every person, NPI, member ID, policy and contract rate is synthetic. NPIs
start with 10000 (below the range NPPES has issued) and end with a valid
check digit (trainer_billing.npi.check_digit).
"""

import argparse
import collections
import csv
import datetime
import decimal
import io
import json
import pathlib
import random
import sys

from faker import Faker

from trainer_billing import codes, npi, rates, scrub, units

DEFAULT_SEED = 7
STORY_YEAR = 2025
LOCALITY = "IL-99"
HERE = pathlib.Path(__file__).resolve().parent
CENT = decimal.Decimal("0.01")

#: Synthetic charge master of the clinic, dollars per unit or per visit.
CHARGES = {"97110": "60.00", "97112": "62.00", "97116": "60.00",
           "97140": "58.00", "97530": "65.00", "97161": "150.00",
           "97162": "165.00"}

#: Towns of the Rest of Illinois locality with one of their ZIP codes.
TOWNS = (("Springfield", "62704"), ("Decatur", "62521"),
         ("Peoria", "61604"), ("Champaign", "61820"),
         ("Bloomington", "61701"))

#: Plans and how many clients each has.
PLAN_MIX = (("original_medicare", 8), ("synthetic_advantage", 5),
            ("synthetic_medicaid", 4), ("synthetic_mutual_ppo", 8),
            ("synthetic_shield_hmo", 5), ("synthetic_works_wellness", 5),
            ("synthetic_hsa_fsa", 3), ("synthetic_casualty_wc", 1),
            ("synthetic_auto_pip", 1))
THERAPY_PLANS = ("original_medicare", "synthetic_advantage",
                 "synthetic_medicaid", "synthetic_mutual_ppo",
                 "synthetic_shield_hmo")
MEDICARE_AGE = ("original_medicare", "synthetic_advantage")

#: Conditions a physician referred for, with our plain summary and goal.
THERAPY_CONDITIONS = (
    (("M17.11",), "Osteoarthritis of the right knee",
     "Climb stairs without a rail; walk 30 minutes"),
    (("M17.12",), "Osteoarthritis of the left knee",
     "Get up from a low chair without using the arms"),
    (("M54.50",), "Low back pain",
     "Lift a 10 kg box from the floor without pain"),
    (("Z47.1", "Z96.651"), "Rehabilitation after a right knee replacement",
     "Bend the knee to 110 degrees; walk without a cane"),
    (("M81.0",), "Age-related osteoporosis",
     "Improve balance; no falls this year"),
    (("G20.A1",), "Parkinson's disease",
     "Keep walking speed; turn without losing balance"),
)
TRAINING_CONDITIONS = (
    (("E66.811", "Z68.32"), "Obesity class 1, BMI 32",
     "Lose 5% of body weight in six months"),
    (("E66.812", "Z68.36"), "Obesity class 2, BMI 36",
     "Train three times a week; lose 5% of body weight"),
    (("I10",), "High blood pressure",
     "150 minutes of moderate activity a week"),
    (("Z72.3",), "Lack of physical exercise",
     "Build a habit of two strength sessions a week"),
    (("R73.03",), "Prediabetes", "Lose 5% of body weight; walk daily"),
)
#: Extra conditions some clients also have (listed after the main one).
COMORBIDITIES = ("I10", "E11.9", "I25.10")

CLINIC = {
    "name": "Riverbend Physical Therapy (synthetic)",
    "npi": "1000000038", "taxonomy": "225100000X",
    "address": {"street": "900 Mill Street", "city": "Springfield",
                "state": "IL", "zip": "62701"},
    "phone": "2175550100"}
CLINIC_TAX_ID = {"type": "EIN", "value": "00-0000001"}
STUDIO = {
    "name": "Northside Strength Studio (synthetic)", "npi": "",
    "taxonomy": "",
    "address": {"street": "15 North Grand Avenue", "city": "Springfield",
                "state": "IL", "zip": "62702"},
    "phone": "2175550177"}
STUDIO_TAX_ID = {"type": "EIN", "value": "00-0000002"}


def money(value):
    """Return a Decimal rounded half up to the cent."""
    return decimal.Decimal(value).quantize(CENT,
                                           rounding=decimal.ROUND_HALF_UP)


class Story:
    """Builds the story tables from one seed."""

    def __init__(self, seed, datasets_dir):
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.plans = {p["id"]: p for p in json.loads(
            (datasets_dir / "plans.json").read_text(encoding="utf-8"))
            ["plans"]}
        self.used_npis = {CLINIC["npi"]}
        self.physicians = [self.person("MD") for _ in range(5)]
        self.therapists = [self.person("PT") for _ in range(2)]
        self.trainer = self.person("CPT (personal trainer)", with_npi=False)
        # Any health care provider may get an NPI (FACTS.md 1.1 claim 7);
        # the studio has one, which does not let it bill therapy.
        self.studio = dict(STUDIO, npi=self.new_npi())
        self.clients = []
        self.sessions = []
        self.claims = []          # (index entry, claim dict)
        self.remits = []
        self.fee_cache = {}

    # People -------------------------------------------------------------

    def new_npi(self):
        while True:
            base = "10000" + f"{self.rng.randrange(10000):04d}"
            number = base + npi.check_digit(base)
            if number not in self.used_npis:
                self.used_npis.add(number)
                return number

    def person(self, credential, with_npi=True):
        return {"first": self.fake.first_name(),
                "last": self.fake.last_name(), "credential": credential,
                "npi": self.new_npi() if with_npi else ""}

    def birth_date(self, plan_id):
        low, high = (66, 86) if plan_id in MEDICARE_AGE else (24, 63)
        age = self.rng.randrange(low, high)
        start = datetime.date(STORY_YEAR - age - 1, 1, 1)
        return start + datetime.timedelta(days=self.rng.randrange(365))

    def make_clients(self):
        number = 0
        for plan_id, count in PLAN_MIX:
            for _ in range(count):
                number += 1
                sex = self.rng.choice("FM")
                first = self.fake.first_name_female() if sex == "F" \
                    else self.fake.first_name_male()
                town, zip_code = self.rng.choice(TOWNS)
                therapy = plan_id in THERAPY_PLANS + (
                    "synthetic_casualty_wc", "synthetic_auto_pip")
                pool = THERAPY_CONDITIONS if therapy else TRAINING_CONDITIONS
                if plan_id == "synthetic_hsa_fsa":
                    pool = TRAINING_CONDITIONS[:3]   # a diagnosed disease
                diagnoses, summary, goal = self.rng.choice(pool)
                diagnoses = list(diagnoses)
                if self.rng.random() < 0.3:
                    extra = self.rng.choice(COMORBIDITIES)
                    if extra not in diagnoses:
                        diagnoses.append(extra)
                physician = self.rng.choice(self.physicians)
                self.clients.append({
                    "client_id": f"C{number:03d}", "first_name": first,
                    "last_name": self.fake.last_name(),
                    "birth_date": self.birth_date(plan_id).isoformat(),
                    "sex": sex, "street": self.fake.street_address(),
                    "city": town, "state": "IL", "zip": zip_code,
                    "plan_id": plan_id,
                    "member_id": f"SYN{self.rng.randrange(10**8):08d}",
                    "group_number": f"GRP-{self.rng.randrange(10**5):05d}",
                    "diagnoses": ";".join(diagnoses),
                    "condition": summary, "goal": goal,
                    "referring_first_name": physician["first"],
                    "referring_last_name": physician["last"],
                    "referring_npi": physician["npi"],
                    "locality": LOCALITY,
                    "visits_used_before": 0})
        # One HMO client used most of the year's visits in an earlier
        # episode: her second claim meets the plan's cap (CARC 119).
        hmo = next(c for c in self.clients
                   if c["plan_id"] == "synthetic_shield_hmo")
        hmo["visits_used_before"] = \
            self.plans["synthetic_shield_hmo"]["session_cap"] - 2

    # Sessions and claims ------------------------------------------------

    def visit_lines(self, client, first_visit):
        """Return [(code, minutes or None)] for one therapy visit."""
        lines = []
        if first_visit:
            lines.append(("97161", None))
            lines.append(("97110", self.rng.randrange(15, 31)))
            return lines
        lines.append(("97110", self.rng.randrange(18, 36)))
        lines.append(("97530", self.rng.randrange(8, 21)))
        if client["diagnoses"].startswith(("G20", "M81")):
            lines.append(("97112", self.rng.randrange(10, 20)))
        return lines

    def therapy_episode(self, client):
        start = datetime.date(STORY_YEAR, 1, 6) + datetime.timedelta(
            days=self.rng.randrange(0, 270))
        start -= datetime.timedelta(days=start.weekday())   # a Monday
        visits = self.rng.randrange(4, 7)
        days = []
        for week in range(visits):
            offset = (0, 3)[week % 2] + 7 * (week // 2)
            days.append(start + datetime.timedelta(days=offset))
        therapist = self.therapists[int(client["client_id"][1:]) % 2]
        return days, therapist

    def add_session(self, client, day, role, provider, code, activity,
                    minutes, paid_by, route, visit_id):
        self.sessions.append({
            "session_id": f"S{len(self.sessions) + 1:04d}",
            "visit_id": visit_id, "client_id": client["client_id"],
            "date": day.isoformat(), "provider_role": role,
            "provider_name": f"{provider['first']} {provider['last']}, "
                             f"{provider['credential']}",
            "provider_npi": provider["npi"], "code": code,
            "activity": activity, "minutes": "" if minutes is None
            else str(minutes), "place_of_service": "11",
            "paid_by": paid_by, "route": route, "claim_id": ""})
        return self.sessions[-1]

    def make_sessions_and_claims(self):
        flaws = {"prior-auth-missing": "synthetic_shield_hmo",
                 "timely-filing": "synthetic_mutual_ppo",
                 "referring-npi-missing": "synthetic_mutual_ppo"}
        flawed_clients = {}
        for flaw, plan_id in flaws.items():
            pool = [c for c in self.clients if c["plan_id"] == plan_id
                    and c["client_id"] not in flawed_clients.values()
                    and not c["visits_used_before"]]
            flawed_clients[flaw] = pool[-1]["client_id"]
        for client in self.clients:
            plan_id = client["plan_id"]
            if plan_id in THERAPY_PLANS:
                self.therapy_client(client, [
                    f for f, cid in flawed_clients.items()
                    if cid == client["client_id"]])
            self.training(client)
        self.trainer_therapy_claim()

    def therapy_client(self, client, flaws):
        days, therapist = self.therapy_episode(client)
        visit_rows = []
        for number, day in enumerate(days):
            visit_id = f"V{client['client_id'][1:]}{number + 1:02d}"
            rows = []
            for code, minutes in self.visit_lines(client, number == 0):
                activity = codes.procedure(code).summary
                rows.append(self.add_session(
                    client, day, "physical_therapist", therapist, code,
                    activity, minutes, client["plan_id"], "claim",
                    visit_id))
            visit_rows.append((day, rows))
        # Two visits per claim: at most 6 lines on a CMS-1500.
        for first in range(0, len(visit_rows), 2):
            pair = visit_rows[first:first + 2]
            flaw = flaws[0] if flaws and first == 0 else None
            self.claim(client, pair, therapist, flaw)

    def training(self, client):
        """Personal-training sessions at the studio."""
        plan = self.plans[client["plan_id"]]
        routes = {"synthetic_works_wellness": ("synthetic_works_wellness",
                                               "vendor_invoice", 10),
                  "synthetic_hsa_fsa": ("self_pay", "member_reimbursement",
                                        8),
                  "synthetic_casualty_wc": ("synthetic_casualty_wc",
                                            "vendor_invoice", 6),
                  "synthetic_auto_pip": ("self_pay", "self_pay", 4)}
        if client["plan_id"] in routes:
            paid_by, route, count = routes[client["plan_id"]]
        elif self.rng.random() < 0.3:
            # After therapy some clients keep training, paying cash:
            # their plan does not cover personal training.
            paid_by, route, count = "self_pay", "self_pay", 4
        else:
            return
        if plan.get("session_cap"):
            count = min(count, plan["session_cap"])
        day = datetime.date(STORY_YEAR, 2, 3) + datetime.timedelta(
            days=7 * self.rng.randrange(0, 30) + self.rng.randrange(0, 5))
        for number in range(count):
            visit_id = f"T{client['client_id'][1:]}{number + 1:02d}"
            self.add_session(client, day, "personal_trainer", self.trainer,
                             "", "Personal training session", 60, paid_by,
                             route, visit_id)
            day += datetime.timedelta(days=7)

    def claim_lines(self, pair, rendering_npi, medicare, method):
        lines = []
        for day, rows in pair:
            minutes = collections.OrderedDict()
            untimed = []
            for row in rows:
                if row["minutes"]:
                    minutes[row["code"]] = int(row["minutes"])
                else:
                    untimed.append(row["code"])
            billed = units.billable_units(dict(minutes), method=method)
            for code in untimed:
                lines.append(self.line(day, code, 1, None, rendering_npi,
                                       medicare))
            for code, count in billed.items():
                if count:
                    lines.append(self.line(day, code, count,
                                           minutes[code], rendering_npi,
                                           medicare))
        return lines

    @staticmethod
    def line(day, code, count, minutes, rendering_npi, medicare):
        charge = money(decimal.Decimal(CHARGES[code]) * count)
        line = {"from": day.isoformat(), "to": day.isoformat(),
                "place_of_service": "11", "code": code,
                "modifiers": ["GP"], "pointers": ["A"],
                "charge": f"{charge}", "units": count,
                "rendering_npi": rendering_npi}
        if minutes is not None:
            line["minutes"] = minutes
        return line

    def claim(self, client, pair, therapist, flaw, billing=None):
        plan = self.plans[client["plan_id"]]
        number = len(self.claims) + 1
        claim_id = f"CLM-{STORY_YEAR}-{number:04d}"
        medicare = plan["coverage"] == "medicare"
        method = plan.get("unit_method") or "cms"
        lines = self.claim_lines(pair, therapist["npi"], medicare, method)
        last = max(day for day, _ in pair)
        submitted = last + datetime.timedelta(days=self.rng.randrange(2, 9))
        if flaw == "timely-filing":
            submitted = last + datetime.timedelta(
                days=plan["timely_filing_days"] + self.rng.randrange(5, 30))
        name = {"last": client["last_name"], "first": client["first_name"]}
        address = {"street": client["street"], "city": client["city"],
                   "state": client["state"], "zip": client["zip"]}
        referring = {"name": {"last": client["referring_last_name"],
                              "first": client["referring_first_name"]},
                     "npi": client["referring_npi"], "qualifier": "DN"}
        if flaw == "referring-npi-missing":
            referring["npi"] = ""
        authorization = ""
        if plan["prior_authorization_required"] and \
                flaw != "prior-auth-missing":
            authorization = f"PA{self.rng.randrange(10**7):07d}"
        total = sum(decimal.Decimal(line["charge"]) for line in lines)
        billing = billing or (CLINIC, CLINIC_TAX_ID)
        claim = {
            "coverage": plan["coverage"],
            "payer": {"name": plan["payer"]["name"],
                      "id": plan["payer"]["id"],
                      "address": plan["payer"]["address"],
                      "referral_required": plan["referral_required"],
                      "prior_authorization_required":
                          plan["prior_authorization_required"],
                      "timely_filing_days": plan["timely_filing_days"]},
            "insured": {"id": client["member_id"], "name": name,
                        "group": client["group_number"],
                        "plan": plan["name"],
                        "birth_date": client["birth_date"],
                        "sex": client["sex"], "address": address},
            "patient": {"name": name, "birth_date": client["birth_date"],
                        "sex": client["sex"], "address": address,
                        "relationship": "self"},
            "referring_provider": referring,
            "diagnoses": client["diagnoses"].split(";"),
            "prior_authorization": authorization,
            "lines": lines,
            "tax_id": billing[1],
            "patient_account": claim_id,
            "accept_assignment": True,
            "total_charge": f"{money(total)}",
            "billing_provider": billing[0],
        }
        findings = scrub.check(claim, today=submitted)
        errors = sorted({f.rule for f in scrub.errors(findings)})
        warnings = sorted({f.rule for f in findings
                           if f.severity == "warning"})
        entry = {"claim_id": claim_id, "file": f"{claim_id}.json",
                 "client_id": client["client_id"],
                 "plan_id": client["plan_id"],
                 "submitted": submitted.isoformat(),
                 "expected_valid": not errors,
                 "expected_errors": errors, "expected_warnings": warnings,
                 "flaw": flaw or ""}
        self.claims.append((entry, claim))
        for _, rows in pair:
            for row in rows:
                row["claim_id"] = claim_id
        return entry, claim

    def trainer_therapy_claim(self):
        """The studio bills 97110 in its own name for a PPO client."""
        client = next(c for c in self.clients
                      if c["plan_id"] == "synthetic_works_wellness")
        plan_id = "synthetic_mutual_ppo"
        borrowed = dict(client, plan_id=plan_id)
        day = datetime.date(STORY_YEAR, 10, 6)
        rows = [self.add_session(borrowed, day, "personal_trainer",
                                 self.trainer, "97110",
                                 "Personal training billed as therapeutic "
                                 "exercise (wrong)", 45, plan_id, "claim",
                                 f"X{client['client_id'][1:]}01")]
        trainer = dict(self.trainer, npi="")
        self.claim(borrowed, [(day, rows)], trainer, "trainer-bills-therapy",
                   billing=(self.studio, STUDIO_TAX_ID))

    # Remittances --------------------------------------------------------

    def fee(self, code):
        if code not in self.fee_cache:
            self.fee_cache[code] = rates.fee_schedule_amount(
                code, STORY_YEAR, LOCALITY).value
        return self.fee_cache[code]

    def make_remittances(self):
        deductible_left = {}
        visits_used = {c["client_id"]: c["visits_used_before"]
                       for c in self.clients}
        clients = {c["client_id"]: c for c in self.clients}
        checks = {}
        for entry, claim in self.claims:
            client = clients[entry["client_id"]]
            plan = self.plans[entry["plan_id"]]
            paid_date = datetime.date.fromisoformat(entry["submitted"]) + \
                datetime.timedelta(days=self.rng.randrange(12, 30))
            key = (plan["payer"]["id"], paid_date)
            if key not in checks:
                checks[key] = f"SYNCHK{len(checks) + 1:05d}"
            denial = {"prior-auth-missing": ("197", ""),
                      "timely-filing": ("29", ""),
                      "referring-npi-missing": ("16", "N286"),
                      "trainer-bills-therapy": ("185", "N95")
                      }.get(entry["flaw"])
            cost = plan["cost_share"]
            year = str(STORY_YEAR)
            deductible_left.setdefault(
                entry["client_id"],
                money((cost.get("deductible") or {}).get(year) or "0"))
            copaid_days = set()
            cap = plan.get("session_cap")
            rows = []
            for number, line in enumerate(claim["lines"], start=1):
                billed = money(line["charge"])
                row = {"claim_id": entry["claim_id"],
                       "payer_id": plan["payer"]["id"],
                       "payer_name": plan["payer"]["name"],
                       "line": number, "service_date": line["from"],
                       "code": line["code"], "units": line["units"],
                       "billed": billed, "paid_date": paid_date.isoformat(),
                       "check_number": checks[key]}
                if denial:
                    rows.append(dict(row, allowed=money(0), paid=money(0),
                                     adjustments=[("CO", denial[0], billed,
                                                   denial[1])]))
                    continue
                if line["from"] not in copaid_days:
                    visits_used[entry["client_id"]] += 1
                over_cap = cap and visits_used[entry["client_id"]] > cap
                if over_cap:
                    rows.append(dict(row, allowed=money(0), paid=money(0),
                                     adjustments=[("CO", "119", billed,
                                                   "N130")]))
                    copaid_days.add(line["from"])
                    continue
                pct = decimal.Decimal(plan["contract_rate_pct_of_medicare"])
                allowed = money(self.fee(line["code"]) * pct / 100) * \
                    line["units"]
                allowed = min(money(allowed), billed)
                adjustments = []
                if billed > allowed:
                    adjustments.append(("CO", "45", billed - allowed, ""))
                owed = allowed
                if cost.get("copay") and line["from"] not in copaid_days:
                    copay = min(money(cost["copay"]), owed)
                    if copay:
                        adjustments.append(("PR", "3", copay, ""))
                        owed -= copay
                copaid_days.add(line["from"])
                left = deductible_left[entry["client_id"]]
                if left and owed:
                    applied = min(left, owed)
                    adjustments.append(("PR", "1", applied, ""))
                    deductible_left[entry["client_id"]] = left - applied
                    owed -= applied
                if cost.get("coinsurance_pct") and owed:
                    share = money(owed * cost["coinsurance_pct"] / 100)
                    adjustments.append(("PR", "2", share, ""))
                    owed -= share
                rows.append(dict(row, allowed=allowed, paid=owed,
                                 adjustments=adjustments))
            paid = sum(r["paid"] for r in rows)
            billed = sum(r["billed"] for r in rows)
            # A line is denied when the payer writes it off for a reason
            # other than the fee schedule (CO-45).
            denied = [any(a[0] == "CO" and a[1] != "45"
                          for a in r["adjustments"]) for r in rows]
            status = "denied" if all(denied) else (
                "partly_paid" if any(denied) else "paid")
            entry["remittance_status"] = status
            for r in rows:
                base = {k: r[k] for k in (
                    "claim_id", "payer_id", "payer_name")}
                base["claim_status"] = status
                base.update({k: r[k] for k in (
                    "line", "service_date", "code", "units")})
                base.update(billed=f"{r['billed']}",
                            allowed=f"{r['allowed']}", paid=f"{r['paid']}")
                tail = {"paid_date": r["paid_date"],
                        "check_number": r["check_number"]}
                if not r["adjustments"]:
                    self.remits.append(dict(base, group="", carc="",
                                            adjustment="0.00", rarc="",
                                            **tail))
                for group, carc, amount, rarc in r["adjustments"]:
                    self.remits.append(dict(
                        base, group=group, carc=carc,
                        adjustment=f"{money(amount)}", rarc=rarc, **tail))
            assert billed - paid == sum(
                a[2] for r in rows for a in r["adjustments"])

    # Output -------------------------------------------------------------

    def build(self):
        self.make_clients()
        self.make_sessions_and_claims()
        self.make_remittances()
        return self


def csv_text(rows, columns):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def json_text(data):
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


CLIENT_COLUMNS = ("client_id", "first_name", "last_name", "birth_date",
                  "sex", "street", "city", "state", "zip", "plan_id",
                  "member_id", "group_number", "diagnoses", "condition",
                  "goal", "referring_first_name", "referring_last_name",
                  "referring_npi", "locality", "visits_used_before")
SESSION_COLUMNS = ("session_id", "visit_id", "client_id", "date",
                   "provider_role", "provider_name", "provider_npi", "code",
                   "activity", "minutes", "place_of_service", "paid_by",
                   "route", "claim_id")
REMITTANCE_COLUMNS = ("claim_id", "payer_id", "payer_name", "claim_status",
                      "line", "service_date", "code", "units", "billed",
                      "allowed", "paid", "group", "carc", "adjustment",
                      "rarc", "paid_date", "check_number")


def files(seed=DEFAULT_SEED, datasets_dir=HERE):
    """Return {relative path: text} for every file the story writes."""
    story = Story(seed, datasets_dir).build()
    out = {"clients.csv": csv_text(story.clients, CLIENT_COLUMNS),
           "sessions.csv": csv_text(story.sessions, SESSION_COLUMNS),
           "remittances.csv": csv_text(story.remits, REMITTANCE_COLUMNS)}
    index = {"description": "The story's CMS-1500 claims (seed "
             f"{seed}). 'submitted' is the date to check each claim on; "
             "'expected_valid' says whether trainer_billing.scrub.check "
             "finds no error then.", "claims": []}
    for entry, claim in story.claims:
        out[f"claims/story/{entry['file']}"] = json_text(claim)
        index["claims"].append(entry)
    out["claims/story/index.json"] = json_text(index)
    return out


def write(out_dir, seed=DEFAULT_SEED):
    """Write the story files under out_dir; return their relative paths."""
    out_dir = pathlib.Path(out_dir)
    story_dir = out_dir / "claims" / "story"
    if story_dir.is_dir():
        for old in story_dir.glob("*.json"):
            old.unlink()
    written = files(seed)
    for name, text in written.items():
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(written)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(HERE),
                        help="folder to write into (default: datasets/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    names = write(args.out, args.seed)
    print(f"wrote {len(names)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
