"""The claims tracker: where each claim stands, what was paid, what is owed.

A small SQLite database (Python's own ``sqlite3``) holds every claim a
trainer sends, each move it makes, and the payments and adjustments that
come back in 835 remittance files. Reports are pandas DataFrames, with
matplotlib figures beside them.

Where the database lives
------------------------
``path`` argument, else the ``TRAINER_BILLING_TRACKER`` environment
variable, else ``~/.trainer-billing/tracker.sqlite3`` (one per user, found
from any folder, and outside the course checkout so git never sees it).

Where a claim can go
--------------------
::

    draft ─► submitted ─┬► paid                (final)
                        ├► partly_paid ─┬► paid, appealed, resolved,
                        │               └► written_off
                        ├► denied ──────┬► appealed, resolved, written_off,
                        │               └► submitted (corrected claim)
                        └► written_off  (no answer; you gave up)
    appealed ─► paid, partly_paid, denied, resolved, written_off
    resolved, written_off: final

``paid`` means the payer has done its part (anything left is the
patient's share or a contractual write-off); ``resolved`` closes a claim
that was settled another way (appeal won, patient paid a non-covered
service); ``written_off`` closes one whose balance you gave up. Any other
move raises ``IllegalMove`` with the reason. Every move is kept, with its
time, in the ``history`` table.

Payments
--------
An 835 names each payment by its trace number (TRN02, the check or EFT
number) and the payer; the adapter uses the payer's name (N1*PR), which
every 835 carries, because ``x835`` does not keep TRN03. A payment is
stored once per trace, payer, claim and occurrence (a UNIQUE constraint,
so importing the same file again, or two imports racing, posts nothing
twice). Posting a payment moves the claim: the payer denied it (CLP02
``4``, or nothing paid and a reason you could dispute) → ``denied``;
every adjustment is the patient's share (group PR) or a contractual one
(CARC 45, 253, A2, 23, 94) → ``paid``; otherwise → ``partly_paid``. A
reversal (CLP02 ``22``) is posted and moves nothing. If the move is not
legal (say a late payment on a written-off claim) the money is posted,
the state stays, and the import's notes say why. A payment for a claim
still in ``draft``, or one the tracker does not know, is not posted:
submit or add the claim, then import the file again.

Safety
------
Every write is one transaction begun with ``BEGIN IMMEDIATE`` (so two
writers queue instead of losing an update), the journal is WAL with
``synchronous=FULL`` (a committed transaction survives a killed process
or a power cut), and a writer waits up to ``BUSY_TIMEOUT_MS`` for
another. A large import commits in batches; killing it keeps every batch
committed, and running it again posts only the rest.

>>> conn = connect(":memory:")
>>> claim_id = add_claim(conn, {"patient_account": "A-1",
...                             "total_charge": "120.00"})
>>> move(conn, "A-1", "paid")
Traceback (most recent call last):
    ...
trainer_billing.tracker.IllegalMove: claim A-1 is draft: a payer can only \
pay or deny a claim it received; move it to submitted first
>>> move(conn, "A-1", "submitted", at="2026-11-02")
'submitted'
"""

import contextlib
import dataclasses
import datetime
import decimal
import json
import os
import pathlib
import sqlite3

ENV_VAR = "TRAINER_BILLING_TRACKER"
DEFAULT_PATH = pathlib.Path("~/.trainer-billing/tracker.sqlite3")
BUSY_TIMEOUT_MS = 30_000
SCHEMA_VERSION = 1

STATES = ("draft", "submitted", "paid", "partly_paid", "denied",
          "appealed", "resolved", "written_off")

#: Legal moves: state → the states it may move to.
MOVES = {
    "draft": ("submitted",),
    "submitted": ("paid", "partly_paid", "denied", "written_off"),
    "partly_paid": ("paid", "appealed", "resolved", "written_off"),
    "denied": ("appealed", "submitted", "resolved", "written_off"),
    "appealed": ("paid", "partly_paid", "denied", "resolved",
                 "written_off"),
    "paid": (),
    "resolved": (),
    "written_off": (),
}

#: States whose balance is still owed by the payer (A/R).
OPEN_STATES = ("submitted", "partly_paid", "denied", "appealed")
#: States a payer's answer can put a claim in.
ADJUDICATED_STATES = ("paid", "partly_paid", "denied")

#: Adjustments nobody appeals: the charge above the contracted rate (45),
#: sequestration (253), a contractual adjustment (A2), a prior payer's
#: share (23), processed in excess of charges (94). FACTS.md §H.
CONTRACTUAL_CARCS = frozenset({"45", "253", "A2", "23", "94"})
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")

AGING_BUCKETS = ("0-30", "31-60", "61-90", "90+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    claim_id      TEXT PRIMARY KEY,          -- patient_account, item 26
    state         TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ({states})),
    payer_id      TEXT NOT NULL DEFAULT '',
    payer_name    TEXT NOT NULL DEFAULT '',
    patient       TEXT NOT NULL DEFAULT '',  -- "Last, First"
    service_date  TEXT,                      -- first line's from date
    billed_cents  INTEGER NOT NULL,          -- item 28
    submitted_on  TEXT,                      -- date of the last submission
    claim_json    TEXT NOT NULL,
    added_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    payment_id    INTEGER PRIMARY KEY,
    trace         TEXT NOT NULL,             -- TRN02: check or EFT number
    originator    TEXT NOT NULL DEFAULT '',  -- TRN03: the payer's id
    claim_id      TEXT NOT NULL REFERENCES claims (claim_id),
    occurrence    INTEGER NOT NULL DEFAULT 0, -- nth CLP of this claim
    status_code   TEXT NOT NULL DEFAULT '',  -- CLP02
    billed_cents  INTEGER,                   -- CLP03
    paid_cents    INTEGER NOT NULL,          -- CLP04
    patient_cents INTEGER,                   -- CLP05
    paid_on       TEXT,                      -- BPR16 or DTM*405
    payer_id      TEXT NOT NULL DEFAULT '',
    payer_name    TEXT NOT NULL DEFAULT '',
    posted_at     TEXT NOT NULL,
    UNIQUE (trace, originator, claim_id, occurrence)
);
CREATE TABLE IF NOT EXISTS adjustments (
    adjustment_id INTEGER PRIMARY KEY,
    payment_id    INTEGER NOT NULL REFERENCES payments (payment_id),
    seq           INTEGER NOT NULL,          -- order in the 835
    line          INTEGER,                   -- service line, NULL: claim
    group_code    TEXT NOT NULL CHECK (group_code IN ({groups})),
    carc          TEXT NOT NULL,             -- reason code
    amount_cents  INTEGER NOT NULL,          -- negative is kept negative
    UNIQUE (payment_id, seq)
);
CREATE TABLE IF NOT EXISTS history (
    move_id       INTEGER PRIMARY KEY,
    claim_id      TEXT NOT NULL REFERENCES claims (claim_id),
    from_state    TEXT,                      -- NULL when the claim is added
    to_state      TEXT NOT NULL,
    at            TEXT NOT NULL,             -- when it happened
    recorded_at   TEXT NOT NULL,             -- when it was written
    note          TEXT NOT NULL DEFAULT '',
    payment_id    INTEGER REFERENCES payments (payment_id)
);
CREATE INDEX IF NOT EXISTS history_claim ON history (claim_id);
CREATE INDEX IF NOT EXISTS payments_claim ON payments (claim_id);
CREATE INDEX IF NOT EXISTS adjustments_payment ON adjustments (payment_id);
""".format(states=", ".join(f"'{s}'" for s in STATES),
           groups=", ".join(f"'{g}'" for g in GROUP_CODES))


# ---------------------------------------------------------------- errors

class TrackerError(ValueError):
    """A tracker request that cannot be done; the message says why."""


class IllegalMove(TrackerError):
    """A claim cannot move from its state to the one asked for."""

    def __init__(self, claim_id, current, wanted, reason):
        self.claim_id, self.current, self.wanted = claim_id, current, wanted
        self.reason = reason
        super().__init__(f"claim {claim_id} is {current}: {reason}")


class UnknownClaim(TrackerError):
    """No claim with this id is tracked; ``near`` is a tracked id that
    differs only in case or spaces, if there is one."""

    def __init__(self, claim_id, near=None):
        self.claim_id, self.near = claim_id, near
        if near:
            hint = (f"did you mean {near!r}? Claim ids must match "
                    "exactly, capitals included")
        else:
            hint = "add its claim file first"
        super().__init__(f"no claim {claim_id!r} in the tracker; {hint}")


class DuplicateClaim(TrackerError):
    """A claim with this id is tracked already."""

    def __init__(self, claim_id):
        self.claim_id = claim_id
        super().__init__(f"claim {claim_id} is tracked already; give a new "
                         "claim its own patient account number (item 26)")


class UnusableClaim(TrackerError):
    """A claim the tracker cannot file: no id or no charge."""


# ---------------------------------------------------------------- opening

def default_path():
    """Return the database file used when none is given: the
    ``TRAINER_BILLING_TRACKER`` environment variable, else
    ``~/.trainer-billing/tracker.sqlite3``."""
    env = os.environ.get(ENV_VAR)
    return pathlib.Path(env).expanduser() if env else \
        DEFAULT_PATH.expanduser()


def connect(path=None):
    """Return a connection to the tracker database at ``path`` (see
    default_path()), creating the file and its tables if needed, and the
    folder too for the default path only.

    The connection is in autocommit mode; every write in this module is
    its own ``BEGIN IMMEDIATE`` transaction.
    """
    if path is None:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
    elif str(path) != ":memory:":
        path = pathlib.Path(path).expanduser()
        # A mistyped folder must not become a new, empty tracker that
        # looks as if every claim were gone: only the default folder is
        # made on demand.
        if not path.parent.is_dir():
            raise TrackerError(
                f"the folder {path.parent} does not exist; check the path, "
                "or create the folder first")
    conn = sqlite3.connect(str(path), isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise TrackerError(
                f"{path} was written by a newer trainer_billing (schema "
                f"{version}); update the course library")
        if version < SCHEMA_VERSION:
            with _writing(conn):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def _writing(conn):
    """One write transaction: BEGIN IMMEDIATE takes the write lock at the
    start, so a read-check-write inside cannot race another writer."""
    with conn:              # COMMIT at the end, ROLLBACK on any error
        conn.execute("BEGIN IMMEDIATE")
        yield conn


# ---------------------------------------------------------------- values

def _cents(value, what="amount"):
    if value is None or value == "":
        return None
    try:
        amount = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise UnusableClaim(f"{what} {value!r} is not an amount; write it "
                            "like 120.00") from None
    if not amount.is_finite():
        raise UnusableClaim(f"{what} {value!r} is not an amount")
    return int((amount * 100).to_integral_value(decimal.ROUND_HALF_UP))


def _dollars(cents):
    return None if cents is None else round(cents / 100, 2)


def _moment(at):
    """Return ``at`` (None for now, a date, a datetime or ISO text) as ISO
    8601 local time with its UTC offset, e.g. 2026-11-02T09:30:00-06:00."""
    if at is None:
        moment = datetime.datetime.now().astimezone()
    elif isinstance(at, datetime.datetime):
        moment = at if at.tzinfo else at.astimezone()
    elif isinstance(at, datetime.date):
        moment = datetime.datetime.combine(at, datetime.time()).astimezone()
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(at))
        except ValueError:
            raise TrackerError(f"{at!r} is not a date; write YYYY-MM-DD"
                               ) from None
        if moment.tzinfo is None:
            moment = moment.astimezone()
    return moment.isoformat(timespec="seconds")


def _date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise TrackerError(f"{value!r} is not a date; write YYYY-MM-DD"
                           ) from None


# ---------------------------------------------------------------- claims

def _summary(data):
    """Return the tracker's columns for a claim dict."""
    if not isinstance(data, dict):
        raise UnusableClaim("a claim must be a JSON object")
    claim_id = str(data.get("patient_account") or "").strip()
    if not claim_id:
        raise UnusableClaim("the claim has no patient account number (item "
                            "26); the tracker files claims by it")
    lines = data.get("lines") or []
    billed = _cents(data.get("total_charge"), "total charge (item 28)")
    if billed is None:
        charges = [_cents(line.get("charge"), "line charge (item 24F)")
                   for line in lines if isinstance(line, dict)]
        if not charges or None in charges:
            raise UnusableClaim(f"claim {claim_id} has no total charge "
                                "(item 28) and no charge on every line")
        billed = sum(charges)
    payer = data.get("payer") or {}
    name = (data.get("patient") or {}).get("name") or {}
    patient = ", ".join(p for p in (name.get("last"), name.get("first"))
                        if p)
    dates = sorted(line.get("from") for line in lines
                   if isinstance(line, dict) and line.get("from"))
    return {"claim_id": claim_id, "payer_id": str(payer.get("id") or ""),
            "payer_name": str(payer.get("name") or ""), "patient": patient,
            "service_date": dates[0] if dates else None,
            "billed_cents": billed}


def add_claim(conn, data, *, at=None, note=""):
    """Add a claim (a claim dict, as ``claim.load`` returns) as a draft
    and return its id, the patient account number (item 26).

    Raises DuplicateClaim if the id is tracked already, UnusableClaim if
    the claim has no id or no charge.
    """
    return add_claims(conn, [data], at=at, note=note)[0]


def add_claims(conn, datas, *, at=None, note=""):
    """Add several claims as drafts in one transaction (all or none) and
    return their ids; see add_claim()."""
    rows = [(_summary(data), data) for data in datas]
    moment, now = _moment(at), _moment(None)
    with _writing(conn):
        for row, data in rows:
            try:
                conn.execute(
                    "INSERT INTO claims (claim_id, payer_id, payer_name, "
                    "patient, service_date, billed_cents, claim_json, "
                    "added_at) VALUES (:claim_id, :payer_id, :payer_name, "
                    ":patient, :service_date, :billed_cents, :claim_json, "
                    ":added_at)",
                    {**row, "added_at": now,
                     "claim_json": json.dumps(data, ensure_ascii=False)})
            except sqlite3.IntegrityError:
                raise DuplicateClaim(row["claim_id"]) from None
            conn.execute(
                "INSERT INTO history (claim_id, from_state, to_state, at, "
                "recorded_at, note) VALUES (?, NULL, 'draft', ?, ?, ?)",
                (row["claim_id"], moment, now, note))
    return [row["claim_id"] for row, _ in rows]


def _state(conn, claim_id):
    row = conn.execute("SELECT state FROM claims WHERE claim_id = ?",
                       (claim_id,)).fetchone()
    if row is None:
        near = conn.execute(
            "SELECT claim_id FROM claims WHERE lower(trim(claim_id)) = "
            "lower(trim(?)) ORDER BY claim_id LIMIT 1",
            (str(claim_id),)).fetchone()
        raise UnknownClaim(claim_id, near[0] if near else None)
    return row[0]


_HINTS = {
    ("draft", "paid"): "a payer can only pay or deny a claim it received; "
                       "move it to submitted first",
    ("draft", "partly_paid"): "a payer can only pay or deny a claim it "
                              "received; move it to submitted first",
    ("draft", "denied"): "a payer can only pay or deny a claim it "
                         "received; move it to submitted first",
    ("submitted", "appealed"): "only a denied or partly paid claim can be "
                               "appealed",
    ("paid", "appealed"): "the payer paid in full; there is nothing to "
                          "appeal",
}


def why_illegal(current, wanted):
    """Return why a claim cannot move from ``current`` to ``wanted``, or
    None when the move is legal.

    >>> why_illegal("submitted", "denied") is None
    True
    >>> why_illegal("resolved", "appealed")
    'resolved is final; nothing follows it'
    """
    if wanted not in STATES:
        return (f"{wanted!r} is not a state; use one of "
                f"{', '.join(STATES)}")
    if wanted in MOVES[current]:
        return None
    if wanted == current:
        return f"it is {current} already"
    if (current, wanted) in _HINTS:
        return _HINTS[current, wanted]
    if not MOVES[current]:
        return f"{current} is final; nothing follows it"
    return (f"{current} can only move to "
            f"{' or '.join(MOVES[current])}, not {wanted}")


def _move(conn, claim_id, wanted, *, note, at, payment_id=None):
    """Move inside an open write transaction."""
    current = _state(conn, claim_id)
    reason = why_illegal(current, wanted)
    if reason:
        raise IllegalMove(claim_id, current, wanted, reason)
    moment = _moment(at)
    if wanted == "submitted":
        conn.execute("UPDATE claims SET state = ?, submitted_on = ? "
                     "WHERE claim_id = ?", (wanted, moment[:10], claim_id))
    else:
        conn.execute("UPDATE claims SET state = ? WHERE claim_id = ?",
                     (wanted, claim_id))
    conn.execute(
        "INSERT INTO history (claim_id, from_state, to_state, at, "
        "recorded_at, note, payment_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (claim_id, current, wanted, moment, _moment(None), note,
         payment_id))
    return wanted


def move(conn, claim_id, state, *, note="", at=None):
    """Move a claim to ``state``, record the move, and return the state.

    ``at`` is when it happened (a date, datetime or ISO text; default
    now); moving to ``submitted`` sets the submission date that A/R aging
    counts from. Raises IllegalMove (with the reason) or UnknownClaim.
    """
    with _writing(conn):
        return _move(conn, claim_id, state, note=note, at=at)


def move_all(conn, claim_ids, state, *, note="", at=None):
    """Move several claims to ``state`` in one transaction (all or none,
    e.g. a day's batch sent to the clearinghouse); see move()."""
    with _writing(conn):
        for claim_id in claim_ids:
            _move(conn, claim_id, state, note=note, at=at)


def claims(conn, state=None):
    """Return the tracked claims as a DataFrame, one row per claim: id,
    state, payer, patient, dates, and in dollars what was billed, what
    the payer paid, what the 835s say the patient owes (group PR) and the
    balance (billed minus paid; on an open claim, still owed)."""
    import pandas as pd
    query = """
        SELECT c.claim_id, c.state, c.payer_id, c.payer_name, c.patient,
               c.service_date, c.submitted_on, c.billed_cents,
               COALESCE(SUM(p.paid_cents), 0) AS paid_cents,
               COALESCE((SELECT SUM(a.amount_cents) FROM adjustments a
                         JOIN payments q ON q.payment_id = a.payment_id
                         WHERE q.claim_id = c.claim_id
                         AND a.group_code = 'PR'), 0) AS patient_cents
        FROM claims c LEFT JOIN payments p ON p.claim_id = c.claim_id
        {where} GROUP BY c.claim_id ORDER BY c.claim_id"""
    if state is not None:
        if state not in STATES:
            raise TrackerError(f"{state!r} is not a state; use one of "
                               f"{', '.join(STATES)}")
        rows = conn.execute(query.format(where="WHERE c.state = ?"),
                            (state,)).fetchall()
    else:
        rows = conn.execute(query.format(where="")).fetchall()
    frame = pd.DataFrame(rows, columns=[
        "claim_id", "state", "payer_id", "payer_name", "patient",
        "service_date", "submitted_on", "billed_cents", "paid_cents",
        "patient_cents"])
    frame["balance"] = (frame["billed_cents"] - frame["paid_cents"]) / 100
    frame["billed"] = frame.pop("billed_cents") / 100
    frame["paid"] = frame.pop("paid_cents") / 100
    frame["patient_owes"] = frame.pop("patient_cents") / 100
    return frame[["claim_id", "state", "payer_id", "payer_name", "patient",
                  "service_date", "submitted_on", "billed", "paid",
                  "patient_owes", "balance"]]


def history(conn, claim_id=None):
    """Return the recorded moves (oldest first) as a DataFrame."""
    import pandas as pd
    query = ("SELECT move_id, claim_id, from_state, to_state, at, "
             "recorded_at, note, payment_id FROM history {} ORDER BY "
             "move_id")
    if claim_id is None:
        rows = conn.execute(query.format("")).fetchall()
    else:
        _state(conn, claim_id)
        rows = conn.execute(query.format("WHERE claim_id = ?"),
                            (claim_id,)).fetchall()
    frame = pd.DataFrame(rows, columns=[
        "move_id", "claim_id", "from_state", "to_state", "at",
        "recorded_at", "note", "payment_id"])
    frame["payment_id"] = frame["payment_id"].astype("Int64")
    return frame


# ---------------------------------------------------------------- payments

@dataclasses.dataclass(frozen=True)
class Adjustment:
    """One CAS adjustment: group (CO, PR, OA, PI, CR), reason (CARC) and
    amount; ``line`` is the 1-based service line, None at claim level."""
    group: str
    reason: str
    amount: decimal.Decimal
    line: int | None = None


@dataclasses.dataclass(frozen=True)
class Payment:
    """What one 835 says about one claim: the tracker's import record.

    ``trace`` (TRN02) with ``originator`` (TRN03), ``claim_id`` (CLP01)
    and ``occurrence`` (the nth CLP for this claim in that 835, from 0)
    name the payment; the same four never post twice.
    """
    trace: str
    claim_id: str
    paid: decimal.Decimal
    paid_on: datetime.date | None = None
    status: str = "1"                       # CLP02
    billed: decimal.Decimal | None = None
    patient_responsibility: decimal.Decimal | None = None
    adjustments: tuple = ()
    originator: str = ""
    occurrence: int = 0
    payer_id: str = ""
    payer_name: str = ""


@dataclasses.dataclass
class ImportResult:
    """What an import did: payments posted, already posted (skipped),
    for claims not tracked, refused (with reasons), and the moves made."""
    posted: int = 0
    already_posted: int = 0
    unmatched: list = dataclasses.field(default_factory=list)
    refused: list = dataclasses.field(default_factory=list)
    moves: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        return dataclasses.asdict(self)

    def merge(self, other):
        self.posted += other.posted
        self.already_posted += other.already_posted
        for name in ("unmatched", "refused", "moves", "notes"):
            getattr(self, name).extend(getattr(other, name))


def adjudicated_state(payment):
    """Return the state a payment puts a claim in (paid, partly_paid or
    denied), or None for a reversal (CLP02 22), which moves nothing.

    >>> from decimal import Decimal as D
    >>> adjudicated_state(Payment("T1", "A-1", D("450.00"), adjustments=(
    ...     Adjustment("CO", "A2", D("50.00")),
    ...     Adjustment("PR", "1", D("300.00"), line=1))))
    'paid'
    >>> adjudicated_state(Payment("T1", "A-1", D("0"), status="4"))
    'denied'
    """
    if payment.status == "22":
        return None
    if payment.status == "4":
        return "denied"
    disputable = any(
        adj.group != "PR" and adj.reason not in CONTRACTUAL_CARCS
        and decimal.Decimal(adj.amount) != 0
        for adj in payment.adjustments)
    if not disputable:
        return "paid"
    return "partly_paid" if decimal.Decimal(payment.paid) > 0 else "denied"


def _post(conn, payment, result):
    """Post one payment inside an open write transaction."""
    try:
        current = _state(conn, payment.claim_id)
    except UnknownClaim:
        result.unmatched.append(payment.claim_id)
        return
    if current == "draft":
        result.refused.append({
            "claim_id": payment.claim_id, "trace": payment.trace,
            "reason": f"claim {payment.claim_id} is draft: move it to "
                      "submitted, then import this remittance again"})
        return
    paid_on = _date(payment.paid_on)
    cursor = conn.execute(
        "INSERT INTO payments (trace, originator, claim_id, occurrence, "
        "status_code, billed_cents, paid_cents, patient_cents, paid_on, "
        "payer_id, payer_name, posted_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (trace, originator, claim_id, occurrence) DO NOTHING",
        (payment.trace, payment.originator or "", payment.claim_id,
         payment.occurrence, payment.status or "",
         _cents(payment.billed), _cents(payment.paid),
         _cents(payment.patient_responsibility),
         paid_on.isoformat() if paid_on else None,
         payment.payer_id or "", payment.payer_name or "", _moment(None)))
    if cursor.rowcount == 0:
        result.already_posted += 1
        return
    payment_id = cursor.lastrowid
    conn.executemany(
        "INSERT INTO adjustments (payment_id, seq, line, group_code, carc, "
        "amount_cents) VALUES (?, ?, ?, ?, ?, ?)",
        [(payment_id, seq, adj.line, adj.group, str(adj.reason),
          _cents(adj.amount)) for seq, adj in
         enumerate(payment.adjustments)])
    result.posted += 1
    wanted = adjudicated_state(payment)
    if wanted is None:
        result.notes.append(f"claim {payment.claim_id}: the payer reversed "
                            f"a payment (trace {payment.trace}); check "
                            "the claim's state")
        return
    if wanted == current:
        return
    reason = why_illegal(current, wanted)
    if reason:
        # The money is real, so it is posted; the state stays, and the
        # trainer is told why.
        result.notes.append(f"claim {payment.claim_id}: payment posted, "
                            f"state kept at {current} ({reason})")
        return
    at = paid_on if paid_on else None
    _move(conn, payment.claim_id, wanted, at=at, payment_id=payment_id,
          note=f"835 trace {payment.trace}")
    result.moves.append({"claim_id": payment.claim_id, "from": current,
                         "to": wanted})


def import_payments(conn, payments, *, batch_size=100, on_batch=None):
    """Post payments (an iterable of Payment) and return an ImportResult.

    Payments are committed in transactions of ``batch_size``; after each
    commit ``on_batch(batches_committed, payments_done)`` is called. A
    payment already posted (same trace, originator, claim and occurrence)
    is skipped, so importing the same remittance again is harmless.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    total, batch, batches, done = ImportResult(), [], 0, 0
    for payment in payments:
        batch.append(payment)
        if len(batch) >= batch_size:
            total.merge(_post_batch(conn, batch))
            batches, done = batches + 1, done + len(batch)
            batch = []
            if on_batch:
                on_batch(batches, done)
    if batch:
        total.merge(_post_batch(conn, batch))
        batches, done = batches + 1, done + len(batch)
        if on_batch:
            on_batch(batches, done)
    return total


def _post_batch(conn, batch):
    result = ImportResult()
    with _writing(conn):
        for payment in batch:
            _post(conn, payment, result)
    return result


def payments_from_835(remittances):
    """Return the Payments in remittances read by ``x835.read_835`` (one
    Remittance or a list, as ``x835.read_835s`` returns).

    The payment is named by its trace number (TRN02) and the payer's name
    (N1*PR, which every 835 carries); a claim paid twice in one 835 (a
    reversal and its correction) is told apart by its occurrence.
    """
    if not isinstance(remittances, (list, tuple)):
        remittances = [remittances]
    found = []
    for remittance in remittances:
        payer = remittance.payer or {}
        seen = {}
        for clp in remittance.claims:
            occurrence = seen.get(clp.claim_id, 0)
            seen[clp.claim_id] = occurrence + 1
            adjustments = [Adjustment(a.group, a.reason, a.amount)
                           for a in clp.adjustments]
            for number, line in enumerate(clp.lines, start=1):
                adjustments += [Adjustment(a.group, a.reason, a.amount,
                                           number)
                                for a in line.adjustments]
            found.append(Payment(
                trace=remittance.trace_number, claim_id=clp.claim_id,
                paid=clp.paid, paid_on=remittance.payment_date,
                status=clp.status, billed=clp.billed,
                patient_responsibility=clp.patient_responsibility,
                adjustments=tuple(adjustments),
                originator=payer.get("name") or "",
                occurrence=occurrence, payer_id=payer.get("id") or "",
                payer_name=payer.get("name") or ""))
    return found


def read_835_payments(text):
    """Return (payments, findings) for an 835's text: the Payments of
    every transaction in it and what its balancing checks found. Raises
    ``x12read.X12Error`` when the file cannot be read."""
    from trainer_billing import x835
    remittances = x835.read_835s(text)
    findings = [f"{f.severity}: {f.message}" for r in remittances
                for f in r.findings]
    return payments_from_835(remittances), findings


def import_835(conn, text, **options):
    """Read an 835's text and post its payments; return an ImportResult
    whose notes include the file's balancing findings. Options are those
    of import_payments()."""
    payments, findings = read_835_payments(text)
    result = import_payments(conn, payments, **options)
    result.notes[:0] = findings
    return result


# ---------------------------------------------------------------- reports

def _as_of(as_of):
    return _date(as_of) if as_of is not None else datetime.date.today()


def open_claims(conn, as_of=None):
    """Return the open claims (submitted, partly paid, denied, appealed)
    with a balance, each with its age in days from its submission date to
    ``as_of`` (default today) and its aging bucket.

    The balance is billed minus paid: adjustments are not subtracted,
    because a denial or reduction on an open claim is still being worked;
    accepting it means moving the claim to written_off or resolved, which
    closes it. Claims submitted after ``as_of`` are left out.
    """
    import pandas as pd
    day = _as_of(as_of)
    frame = claims(conn)
    frame = frame[frame["state"].isin(OPEN_STATES)
                  & frame["submitted_on"].notna()
                  & (frame["balance"] > 0)].copy()
    submitted = pd.to_datetime(frame["submitted_on"]).dt.date
    frame["age_days"] = [(day - d).days for d in submitted]
    frame = frame[frame["age_days"] >= 0]
    frame["bucket"] = pd.cut(frame["age_days"], [-1, 30, 60, 90, 1e9],
                             labels=list(AGING_BUCKETS))
    return frame.reset_index(drop=True)


def aging(conn, as_of=None):
    """Return A/R aging: one row per bucket (0-30, 31-60, 61-90 and 90+,
    i.e. 91 days or more since submission, as of ``as_of``), with the
    number of open claims and their balance in dollars. See open_claims().
    """
    import pandas as pd
    frame = open_claims(conn, as_of)
    grouped = frame.groupby("bucket", observed=False).agg(
        claims=("claim_id", "count"), balance=("balance", "sum"))
    grouped = grouped.reindex(list(AGING_BUCKETS), fill_value=0)
    grouped.index = pd.Index(list(AGING_BUCKETS), name="bucket")
    grouped["claims"] = grouped["claims"].astype(int)
    grouped["balance"] = grouped["balance"].astype(float).round(2)
    return grouped


def _adjudicated(conn):
    """Rows (claim_id, payer_id, payer_name, ever_denied) for every claim
    a payer has answered: any move into paid, partly_paid or denied."""
    return conn.execute("""
        SELECT c.claim_id, c.payer_id, c.payer_name,
               MAX(h.to_state = 'denied') AS ever_denied
        FROM claims c JOIN history h ON h.claim_id = c.claim_id
        WHERE h.to_state IN ('paid', 'partly_paid', 'denied')
        GROUP BY c.claim_id ORDER BY c.claim_id""").fetchall()


def denials_by_payer(conn):
    """Return the denial rate by payer: claims answered (moved to paid,
    partly paid or denied at least once), claims denied at least once, and
    the rate (denied / answered). A claim denied and then paid on appeal
    counts as denied: this is the first-pass denial rate."""
    import pandas as pd
    frame = pd.DataFrame(_adjudicated(conn), columns=[
        "claim_id", "payer_id", "payer_name", "denied"])
    if frame.empty:
        return pd.DataFrame(columns=["payer_id", "payer_name", "claims",
                                     "denied", "rate"])
    out = frame.groupby(["payer_id", "payer_name"], as_index=False).agg(
        claims=("claim_id", "count"), denied=("denied", "sum"))
    out["denied"] = out["denied"].astype(int)
    out["rate"] = (out["denied"] / out["claims"]).round(4)
    return out.sort_values(["rate", "payer_id"], ascending=[False, True],
                           ignore_index=True)


def denials_by_reason(conn):
    """Return the denial rate by reason: for each group code and CARC on
    the payments that denied a claim, the claims denied with it, its rate
    among all claims answered, and its share of the denied claims.

    A claim denied by hand (no 835) has the reason ``not recorded``.
    Reductions on a partly paid claim are not denials and are not here.
    """
    import pandas as pd
    answered = len(_adjudicated(conn))
    denied = conn.execute(
        "SELECT COUNT(DISTINCT claim_id) FROM history "
        "WHERE to_state = 'denied'").fetchone()[0]
    rows = conn.execute("""
        SELECT COALESCE(a.group_code, '') AS group_code,
               COALESCE(a.carc, '') AS carc,
               COUNT(DISTINCT h.claim_id) AS claims
        FROM history h
        LEFT JOIN adjustments a ON a.payment_id = h.payment_id
             AND a.group_code != 'PR' AND a.amount_cents != 0
        WHERE h.to_state = 'denied'
        GROUP BY group_code, carc""").fetchall()
    frame = pd.DataFrame(rows, columns=["group", "carc", "claims"])
    frame["reason"] = [f"{g}-{c}" if c else "not recorded"
                       for g, c in zip(frame["group"], frame["carc"])]
    frame["rate"] = (frame["claims"] / answered).round(4) if answered \
        else 0.0
    frame["share"] = (frame["claims"] / denied).round(4) if denied else 0.0
    frame = frame[["reason", "group", "carc", "claims", "rate", "share"]]
    return frame.sort_values(["claims", "reason"], ascending=[False, True],
                             ignore_index=True)


def days_to_payment(conn):
    """Return, for each claim with money paid, the days from its
    submission date to the date of its first payment (835 BPR16 or
    DTM*405)."""
    import pandas as pd
    rows = conn.execute("""
        SELECT c.claim_id, c.payer_id, c.payer_name, c.submitted_on,
               MIN(p.paid_on) AS paid_on
        FROM claims c JOIN payments p ON p.claim_id = c.claim_id
        WHERE p.paid_cents > 0 AND p.paid_on IS NOT NULL
              AND c.submitted_on IS NOT NULL
        GROUP BY c.claim_id ORDER BY c.claim_id""").fetchall()
    frame = pd.DataFrame(rows, columns=["claim_id", "payer_id",
                                        "payer_name", "submitted_on",
                                        "paid_on"])
    frame["days"] = [
        (datetime.date.fromisoformat(p) -
         datetime.date.fromisoformat(s)).days
        for s, p in zip(frame["submitted_on"], frame["paid_on"])]
    frame["days"] = frame["days"].astype(int)
    return frame


def days_to_payment_summary(frame):
    """Return days to payment by payer and for all (the last row, payer
    ``all``): claims, mean, median, min and max days. ``frame`` is what
    days_to_payment() returns."""
    import pandas as pd
    columns = ["payer_id", "claims", "mean", "median", "min", "max"]
    if frame.empty:
        return pd.DataFrame(columns=columns)

    def stats(days):
        return {"claims": int(days.count()), "mean": round(days.mean(), 1),
                "median": float(days.median()), "min": int(days.min()),
                "max": int(days.max())}
    rows = [{"payer_id": payer, **stats(group["days"])}
            for payer, group in frame.groupby("payer_id")]
    rows.append({"payer_id": "all", **stats(frame["days"])})
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- plots
# Figures are built with matplotlib's object API (no pyplot), which draws
# with the Agg backend and leaves a notebook's backend alone.

def _figure():
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    return fig, fig.add_subplot()


def plot_aging(frame):
    """Return a bar chart of open balances by aging bucket; ``frame`` is
    what aging() returns."""
    fig, ax = _figure()
    bars = ax.bar(list(frame.index), frame["balance"], color="#4c72b0")
    for bar, count in zip(bars, frame["claims"]):
        ax.annotate(f"{count} claim{'' if count == 1 else 's'}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("days since submission")
    ax.set_ylabel("open balance ($)")
    ax.set_title("A/R aging")
    ax.margins(y=0.15)
    return fig


def plot_denials(frame):
    """Return a horizontal bar chart of denial rates; ``frame`` is what
    denials_by_reason() or denials_by_payer() returns."""
    fig, ax = _figure()
    by_reason = "reason" in frame
    labels = list(frame["reason"] if by_reason else frame["payer_id"])
    rates = [rate * 100 for rate in frame["rate"]]
    bars = ax.barh(labels, rates, height=0.6, color="#c44e52")
    for bar, rate in zip(bars, rates):
        ax.annotate(f" {rate:.1f}%", (bar.get_width(),
                                      bar.get_y() + bar.get_height() / 2),
                    va="center", fontsize=8)
    ax.set_xlim(0, max(rates + [10]) * 1.2)
    # the first row on top; bars stay thin when there are few
    ax.set_ylim(max(len(labels), 4) - 0.3, -0.7)
    ax.set_xlabel("claims denied (% of claims answered)")
    ax.set_title("Denial rate by " + ("reason (CARC)" if by_reason
                                      else "payer"))
    return fig


def plot_days_to_payment(frame):
    """Return a histogram of days from submission to first payment;
    ``frame`` is what days_to_payment() returns."""
    from matplotlib.ticker import MaxNLocator
    fig, ax = _figure()
    days = list(frame["days"])
    weeks = range(0, max(days + [28]) + 8, 7)
    ax.hist(days, bins=weeks, color="#55a868", edgecolor="white")
    ax.set_xticks(list(weeks))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("days from submission to first payment")
    ax.set_ylabel("claims")
    ax.set_title("Days to payment")
    return fig
