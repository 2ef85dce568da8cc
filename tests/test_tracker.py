"""The claims tracker: moves, 835 payments, reports, and its safety under
a killed import and two writers at once (issue 7, items 2 and 3)."""

import copy
import datetime
import json
import os
import pathlib
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from trainer_billing import cli_tracker, tracker, x835

D = Decimal
PYTHON = sys.executable


# ---------------------------------------------------------------- helpers

def make_claim(sample, claim_id, *, payer="SYN01", total="185.00"):
    data = copy.deepcopy(sample)
    data["patient_account"] = claim_id
    data["payer"]["id"] = payer
    data["payer"]["name"] = f"Payer {payer}"
    data["total_charge"] = total
    return data


def remittance_text(claims, *, trace="T1", date="2026-12-01",
                    payer="SYNTHETIC MUTUAL", control_number=1):
    """The text of an 835 paying ``claims`` (x835.write_835 dicts)."""
    return x835.write_835(
        {"payer": {"name": payer, "id": "1999999999"},
         "payee": {"name": "NOT REAL PT CLINIC", "npi": "1000000004"},
         "payment": {"method": "CHK", "date": date, "trace": trace},
         "claims": claims},
        control_number=control_number, created=f"{date}T10:00")


def paid(claim_id, billed="185.00", amount="120.00", copay="20.00"):
    """A claim paid in full: the fee schedule cut (CO-45) and a copay."""
    cut = D(billed) - D(amount) - D(copay)
    return {"id": claim_id, "status": "1", "billed": billed,
            "paid": amount, "patient_responsibility": copay,
            "adjustments": [["CO", "45", str(cut)], ["PR", "3", copay]]}


def denied(claim_id, carc="50", billed="185.00"):
    return {"id": claim_id, "status": "4", "billed": billed, "paid": "0.00",
            "patient_responsibility": "0.00",
            "adjustments": [["CO", carc, billed]]}


def count(conn, sql, *params):
    return conn.execute(sql, params).fetchone()[0]


def totals(conn):
    """Everything an import writes, summed, to compare two databases."""
    return {
        "payments": count(conn, "SELECT COUNT(*) FROM payments"),
        "paid": count(conn, "SELECT SUM(paid_cents) FROM payments"),
        "adjustments": count(conn, "SELECT COUNT(*) FROM adjustments"),
        "adjusted": count(conn, "SELECT SUM(amount_cents) FROM adjustments"),
        "moves": conn.execute(
            "SELECT to_state, COUNT(*) FROM history GROUP BY to_state "
            "ORDER BY to_state").fetchall(),
        "states": conn.execute(
            "SELECT state, COUNT(*) FROM claims GROUP BY state "
            "ORDER BY state").fetchall(),
    }


@pytest.fixture
def conn(tmp_path):
    connection = tracker.connect(tmp_path / "tracker.sqlite3")
    yield connection
    connection.close()


# ---------------------------------------------------------------- opening

def test_database_path_from_argument_env_or_home(tmp_path, monkeypatch):
    monkeypatch.delenv(tracker.ENV_VAR, raising=False)
    assert tracker.default_path() == \
        pathlib.Path.home() / ".trainer-billing" / "tracker.sqlite3"
    monkeypatch.setenv(tracker.ENV_VAR, str(tmp_path / "env.sqlite3"))
    assert tracker.default_path() == tmp_path / "env.sqlite3"
    tracker.connect().close()
    assert (tmp_path / "env.sqlite3").is_file()
    (tmp_path / "sub").mkdir()
    tracker.connect(tmp_path / "sub" / "arg.sqlite3").close()
    assert (tmp_path / "sub" / "arg.sqlite3").is_file()


def test_database_is_wal_with_a_busy_timeout(conn):
    assert count(conn, "PRAGMA journal_mode") == "wal"
    assert count(conn, "PRAGMA busy_timeout") == tracker.BUSY_TIMEOUT_MS
    assert count(conn, "PRAGMA foreign_keys") == 1


# ---------------------------------------------------------------- moves

LEGAL = [
    ("draft", "submitted"),
    ("submitted", "paid"), ("submitted", "partly_paid"),
    ("submitted", "denied"), ("submitted", "written_off"),
    ("partly_paid", "paid"), ("partly_paid", "appealed"),
    ("partly_paid", "resolved"), ("partly_paid", "written_off"),
    ("denied", "appealed"), ("denied", "submitted"),
    ("denied", "resolved"), ("denied", "written_off"),
    ("appealed", "paid"), ("appealed", "partly_paid"),
    ("appealed", "denied"), ("appealed", "resolved"),
    ("appealed", "written_off"),
]


def test_the_legal_moves_are_exactly_the_documented_ones():
    table = {(a, b) for a, targets in tracker.MOVES.items()
             for b in targets}
    assert table == set(LEGAL)
    for a in tracker.STATES:
        for b in tracker.STATES:
            assert (tracker.why_illegal(a, b) is None) == ((a, b) in table)


def _path_to(state):
    """States to go through from draft to reach ``state``."""
    return {"draft": [], "submitted": ["submitted"],
            "paid": ["submitted", "paid"],
            "partly_paid": ["submitted", "partly_paid"],
            "denied": ["submitted", "denied"],
            "appealed": ["submitted", "denied", "appealed"],
            "resolved": ["submitted", "denied", "resolved"],
            "written_off": ["submitted", "written_off"]}[state]


@pytest.mark.parametrize("start,end", LEGAL)
def test_a_legal_move_is_made_and_recorded(conn, sample_claim, start, end):
    tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    for state in _path_to(start):
        tracker.move(conn, "C-1", state)
    assert tracker.move(conn, "C-1", end, note="why") == end
    assert tracker.claims(conn)["state"].tolist() == [end]
    last = tracker.history(conn, "C-1").iloc[-1]
    assert (last["from_state"], last["to_state"], last["note"]) == \
        (start, end, "why")
    datetime.datetime.fromisoformat(last["at"])  # a timestamp


@pytest.mark.parametrize("start,end,reason", [
    ("draft", "paid", "claim C-1 is draft: a payer can only pay or deny a "
                      "claim it received; move it to submitted first"),
    ("submitted", "appealed", "claim C-1 is submitted: only a denied or "
                              "partly paid claim can be appealed"),
    ("paid", "appealed", "claim C-1 is paid: the payer paid in full; there "
                         "is nothing to appeal"),
    ("resolved", "appealed", "claim C-1 is resolved: resolved is final; "
                             "nothing follows it"),
    ("written_off", "submitted", "claim C-1 is written_off: written_off is "
                                 "final; nothing follows it"),
    ("denied", "denied", "claim C-1 is denied: it is denied already"),
    ("draft", "written_off", "claim C-1 is draft: draft can only move to "
                             "submitted, not written_off"),
    ("appealed", "submitted", "claim C-1 is appealed: appealed can only "
                              "move to paid or partly_paid or denied or "
                              "resolved or written_off, not submitted"),
])
def test_an_illegal_move_is_refused_with_the_reason(
        conn, sample_claim, start, end, reason):
    tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    for state in _path_to(start):
        tracker.move(conn, "C-1", state)
    moves_before = len(tracker.history(conn))
    with pytest.raises(tracker.IllegalMove) as caught:
        tracker.move(conn, "C-1", end)
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)
    assert (caught.value.current, caught.value.wanted) == (start, end)
    assert tracker.claims(conn)["state"].tolist() == [start]
    assert len(tracker.history(conn)) == moves_before


def test_unknown_and_duplicate_claims_are_refused(conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    with pytest.raises(tracker.DuplicateClaim, match="tracked already"):
        tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    with pytest.raises(tracker.UnknownClaim, match="no claim 'C-9'"):
        tracker.move(conn, "C-9", "submitted")
    with pytest.raises(tracker.UnusableClaim, match="item 26"):
        tracker.add_claim(conn, make_claim(sample_claim, ""))
    # add_claims is all or none
    with pytest.raises(tracker.DuplicateClaim):
        tracker.add_claims(conn, [make_claim(sample_claim, "C-2"),
                                  make_claim(sample_claim, "C-1")])
    assert tracker.claims(conn)["claim_id"].tolist() == ["C-1"]


def test_submission_date_is_the_last_submission(conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    tracker.move(conn, "C-1", "submitted", at="2026-10-01")
    tracker.move(conn, "C-1", "denied", at="2026-10-20")
    tracker.move(conn, "C-1", "submitted", at="2026-10-25",
                 note="corrected claim")
    assert tracker.claims(conn)["submitted_on"].tolist() == ["2026-10-25"]
    assert tracker.history(conn, "C-1")["to_state"].tolist() == \
        ["draft", "submitted", "denied", "submitted"]


# ---------------------------------------------------------------- payments

def test_the_issue_example_balances_and_the_patient_owes_300(
        conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "A1", total="800.00"))
    tracker.move(conn, "A1", "submitted", at="2026-11-20")
    text = remittance_text([{
        "id": "A1", "status": "1", "billed": "800.00", "paid": "450.00",
        "patient_responsibility": "300.00",
        "adjustments": [["CO", "A2", "50.00"]],
        "lines": [{"code": "97110", "billed": "800.00", "paid": "500.00",
                   "units": 4, "date": "2026-11-09",
                   "adjustments": [["PR", "1", "300.00"]]}]}])
    result = tracker.import_835(conn, text)
    assert (result.posted, result.moves) == \
        (1, [{"claim_id": "A1", "from": "submitted", "to": "paid"}])
    row = tracker.claims(conn).iloc[0]
    assert (row["state"], row["paid"], row["patient_owes"]) == \
        ("paid", 450.0, 300.0)
    assert conn.execute(
        "SELECT line, group_code, carc, amount_cents FROM adjustments "
        "ORDER BY seq").fetchall() == [(None, "CO", "A2", 5000),
                                       (1, "PR", "1", 30000)]


def test_a_negative_adjustment_stays_negative(conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "N1", total="100.00"))
    tracker.move(conn, "N1", "submitted")
    tracker.import_835(conn, remittance_text([{
        "id": "N1", "status": "1", "billed": "100.00", "paid": "109.00",
        "adjustments": [["OA", "94", "-9.00"]]}]))
    assert conn.execute("SELECT group_code, carc, amount_cents FROM "
                        "adjustments").fetchall() == [("OA", "94", -900)]
    assert tracker.claims(conn)["state"].tolist() == ["paid"]


def test_payment_moves_claims_to_paid_partly_paid_or_denied(
        conn, sample_claim):
    for claim_id in ("P", "Q", "R", "S"):
        tracker.add_claim(conn, make_claim(sample_claim, claim_id))
        tracker.move(conn, claim_id, "submitted")
    partly = {"id": "Q", "status": "1", "billed": "185.00",
              "paid": "60.00", "adjustments": [["CO", "97", "125.00"]]}
    deductible = {"id": "S", "status": "1", "billed": "185.00",
                  "paid": "0.00", "adjustments": [["PR", "1", "185.00"]]}
    tracker.import_835(conn, remittance_text(
        [paid("P"), partly, denied("R"), deductible]))
    states = dict(zip(*tracker.claims(conn)[["claim_id", "state"]]
                      .T.values))
    # a deductible is the patient's share: the payer has done its part
    assert states == {"P": "paid", "Q": "partly_paid", "R": "denied",
                      "S": "paid"}


def test_reimport_posts_nothing_new(conn, sample_claim):
    for claim_id in ("P", "R"):
        tracker.add_claim(conn, make_claim(sample_claim, claim_id))
        tracker.move(conn, claim_id, "submitted", at="2026-11-01")
    text = remittance_text([paid("P"), denied("R")], trace="CHK555")
    first = tracker.import_835(conn, text)
    before = totals(conn)
    again = tracker.import_835(conn, text, batch_size=1)
    assert (first.posted, first.already_posted) == (2, 0)
    assert (again.posted, again.already_posted, again.moves) == (2 - 2, 2,
                                                                 [])
    assert totals(conn) == before
    # the same claim under another check number is a new payment
    tracker.move(conn, "R", "appealed")
    later = tracker.import_835(conn, remittance_text(
        [paid("R")], trace="CHK556", date="2026-12-20"))
    assert later.posted == 1
    assert tracker.claims(conn).set_index("claim_id")["state"]["R"] == \
        "paid"


def test_unmatched_and_draft_claims_are_not_posted(conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "DRAFT"))
    text = remittance_text([paid("DRAFT"), paid("STRANGER")])
    result = tracker.import_835(conn, text)
    assert result.posted == 0
    assert result.unmatched == ["STRANGER"]
    assert result.refused[0]["reason"].startswith("claim DRAFT is draft")
    # once submitted, importing the same file again posts it
    tracker.move(conn, "DRAFT", "submitted")
    assert tracker.import_835(conn, text).posted == 1


def test_a_claim_twice_in_one_835_posts_twice(conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "C-1"))
    tracker.move(conn, "C-1", "submitted")
    reversal = {"id": "C-1", "status": "22", "billed": "-185.00",
                "paid": "-120.00",
                "adjustments": [["CO", "45", "-45.00"], ["PR", "3",
                                                         "-20.00"]]}
    text = remittance_text([paid("C-1"), reversal, paid("C-1", amount="125.00",
                                                       copay="15.00")])
    assert tracker.import_835(conn, text).posted == 3
    assert tracker.import_835(conn, text).posted == 0
    assert tracker.claims(conn)["paid"].tolist() == [125.0]


# ---------------------------------------------------------------- reports

AS_OF = datetime.date(2026, 12, 31)


def test_aging_buckets_exact(conn, sample_claim):
    # (claim, days before AS_OF it was submitted, state after)
    plan = [("A0", 0, "submitted"), ("A30", 30, "submitted"),
            ("A31", 31, "denied"), ("A60", 60, "appealed"),
            ("A61", 61, "submitted"), ("A90", 90, "submitted"),
            ("A91", 91, "submitted"), ("A200", 200, "submitted"),
            ("PAID", 45, "paid"), ("GONE", 45, "written_off"),
            ("LATER", -1, "submitted")]
    for claim_id, days, state in plan:
        tracker.add_claim(conn, make_claim(sample_claim, claim_id))
        tracker.move(conn, claim_id, "submitted",
                     at=AS_OF - datetime.timedelta(days=days))
        for step in {"denied": ["denied"], "appealed": ["denied",
                                                        "appealed"],
                     "paid": ["paid"], "written_off": ["written_off"]
                     }.get(state, []):
            tracker.move(conn, claim_id, step)
    tracker.add_claim(conn, make_claim(sample_claim, "DRAFT"))
    # A61 is partly paid: 100.00 of 185.00 is still open
    partly = {"id": "A61", "status": "1", "billed": "185.00",
              "paid": "85.00", "adjustments": [["CO", "50", "100.00"]]}
    tracker.import_835(conn, remittance_text([partly], date="2026-11-15"))
    aging = tracker.aging(conn, as_of=AS_OF)
    assert list(aging.index) == ["0-30", "31-60", "61-90", "90+"]
    assert aging["claims"].tolist() == [2, 2, 2, 2]
    assert aging["balance"].tolist() == [370.0, 370.0, 285.0, 370.0]
    detail = tracker.open_claims(conn, as_of="2026-12-31")
    assert dict(zip(detail["claim_id"], detail["age_days"]))["A91"] == 91
    # an earlier as_of ages less and leaves later submissions out: on
    # 2026-10-01 only A91 (sent that day) and A200 (109 days) were open
    assert tracker.aging(conn, as_of="2026-10-01")["claims"].tolist() == \
        [1, 0, 0, 1]
    assert tracker.plot_aging(aging).axes[0].get_title() == "A/R aging"


def _denial_story(conn, sample_claim):
    for claim_id, payer in [("A1", "AAA"), ("A2", "AAA"), ("A3", "AAA"),
                            ("A4", "AAA"), ("B1", "BBB"), ("B2", "BBB"),
                            ("B3", "BBB"), ("N1", "AAA")]:
        tracker.add_claim(conn, make_claim(sample_claim, claim_id,
                                           payer=payer))
        if claim_id != "N1":   # never submitted: not answered
            tracker.move(conn, claim_id, "submitted", at="2026-11-01")
    partly = {"id": "A3", "status": "1", "billed": "185.00",
              "paid": "85.00", "adjustments": [["CO", "97", "100.00"]]}
    tracker.import_835(conn, remittance_text(
        [paid("A1"), denied("A2", "50"), partly, denied("B1", "29"),
         denied("B2", "50")], date="2026-12-01"))
    tracker.move(conn, "B3", "denied", note="phoned: not covered")
    # A2 is appealed and paid: it still counts as a first-pass denial
    tracker.move(conn, "A2", "appealed")
    tracker.import_835(conn, remittance_text(
        [paid("A2")], trace="T2", date="2026-12-20"))
    # A4 is still waiting: not answered yet


def test_denial_rate_by_payer(conn, sample_claim):
    _denial_story(conn, sample_claim)
    frame = tracker.denials_by_payer(conn)
    assert frame[["payer_id", "claims", "denied", "rate"]].values.tolist() \
        == [["BBB", 3, 3, 1.0], ["AAA", 3, 1, 0.3333]]
    assert tracker.plot_denials(frame).axes[0].get_title() == \
        "Denial rate by payer"


def test_denial_rate_by_reason(conn, sample_claim):
    _denial_story(conn, sample_claim)
    frame = tracker.denials_by_reason(conn)
    assert frame[["reason", "claims", "rate", "share"]].values.tolist() == [
        ["CO-50", 2, round(2 / 6, 4), 0.5],
        ["CO-29", 1, round(1 / 6, 4), 0.25],
        ["not recorded", 1, round(1 / 6, 4), 0.25]]
    assert tracker.plot_denials(frame).axes[0].get_title() == \
        "Denial rate by reason (CARC)"


def test_days_to_payment(conn, sample_claim):
    _denial_story(conn, sample_claim)
    frame = tracker.days_to_payment(conn)
    # A3 partly paid on 12-01 (30 days), A2 paid on appeal on 12-20 (49)
    assert dict(zip(frame["claim_id"], frame["days"])) == \
        {"A1": 30, "A2": 49, "A3": 30}
    summary = tracker.days_to_payment_summary(frame)
    assert summary.to_dict(orient="records") == [
        {"payer_id": "AAA", "claims": 3, "mean": 36.3, "median": 30.0,
         "min": 30, "max": 49},
        {"payer_id": "all", "claims": 3, "mean": 36.3, "median": 30.0,
         "min": 30, "max": 49}]
    fig = tracker.plot_days_to_payment(frame)
    assert fig.axes[0].get_xlabel().startswith("days")


def test_reports_on_an_empty_database(conn):
    assert tracker.aging(conn, AS_OF)["claims"].tolist() == [0, 0, 0, 0]
    assert tracker.denials_by_payer(conn).empty
    assert tracker.denials_by_reason(conn).empty
    assert tracker.days_to_payment(conn).empty
    assert tracker.days_to_payment_summary(
        tracker.days_to_payment(conn)).empty
    tracker.plot_aging(tracker.aging(conn, AS_OF))
    tracker.plot_days_to_payment(tracker.days_to_payment(conn))


# ---------------------------------------------------------------- CLI

def run_cli(capsys, *argv):
    code = cli_tracker.main(["tracker", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip(tmp_path, capsys, sample_claim):
    db = tmp_path / "cli.sqlite3"
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(make_claim(sample_claim, "CLI-1")))
    rem = tmp_path / "r.835"
    rem.write_text(remittance_text([paid("CLI-1"), paid("STRANGER")]))
    assert run_cli(capsys, "add", claim_file, "--db", db)[0] == 0
    code, out, err = run_cli(capsys, "add", claim_file, "--db", db)
    assert code == 1 and "tracked already" in out
    code, out, err = run_cli(capsys, "move", "CLI-1", "paid", "--db", db)
    assert code == 1 and err.count("\n") == 1 and "submitted first" in err
    assert run_cli(capsys, "move", "CLI-1", "submitted", "--at",
                   "2026-11-01", "--note", "sent", "--db", db)[0] == 0
    code, out, err = run_cli(capsys, "import-835", rem, "--db", db,
                             "--json")
    result = json.loads(out)[0]
    assert code == 1  # a payment for a claim the tracker does not know
    assert (result["posted"], result["unmatched"]) == (1, ["STRANGER"])
    code, out, _ = run_cli(capsys, "list", "--db", db, "--json",
                           "--state", "paid")
    assert [c["claim_id"] for c in json.loads(out)] == ["CLI-1"]
    plot = tmp_path / "days.png"
    code, out, _ = run_cli(capsys, "report", "days", "--db", db, "--json",
                           "--plot", plot)
    assert code == 0 and json.loads(out)["claims"][0]["days"] == 30
    assert plot.stat().st_size > 1000
    code, out, _ = run_cli(capsys, "report", "aging", "--as-of",
                           "2026-12-31", "--db", db, "--json")
    assert json.loads(out)["buckets"][0] == \
        {"bucket": "0-30", "claims": 0, "balance": 0.0}
    code, out, _ = run_cli(capsys, "report", "denials", "--db", db)
    assert code == 0 and "no denials" in out


def test_cli_prints_money_in_dollars_and_cents(tmp_path, capsys,
                                               sample_claim):
    db = tmp_path / "cli.sqlite3"
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(make_claim(sample_claim, "M-1",
                                                total="1185.50")))
    run_cli(capsys, "add", claim_file, "--db", db)
    run_cli(capsys, "move", "M-1", "submitted", "--at", "2026-11-01",
            "--db", db)
    code, out, _ = run_cli(capsys, "list", "--db", db)
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[-3:] == ["billed", "paid", "balance"]
    assert row.split()[-3:] == ["1,185.50", "0.00", "1,185.50"], out
    code, out, _ = run_cli(capsys, "report", "aging", "--as-of",
                           "2026-12-15", "--db", db)
    assert "1,185.50" in out and "0.00" in out


def test_cli_move_suggests_the_id_that_differs_only_in_case(
        tmp_path, capsys, sample_claim):
    db = tmp_path / "cli.sqlite3"
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(make_claim(sample_claim, "AB-7")))
    run_cli(capsys, "add", claim_file, "--db", db)
    code, out, err = run_cli(capsys, "move", "ab-7", "submitted", "--db", db)
    assert code == 1 and err.count("\n") == 1
    assert "no claim 'ab-7' in the tracker; did you mean 'AB-7'?" in err
    code, out, err = run_cli(capsys, "move", "ZZ-1", "submitted", "--db", db)
    assert "add its claim file first" in err


def test_cli_unreadable_input_exits_2_with_one_line(tmp_path, capsys):
    db = tmp_path / "cli.sqlite3"
    bad = tmp_path / "bad.835"
    bad.write_text("this is not X12")
    code, out, err = run_cli(capsys, "import-835", bad, "--db", db)
    assert code == 2 and "ISA" in out and "Traceback" not in out + err
    code, out, err = run_cli(capsys, "import-835", tmp_path / "none.835",
                             "--db", db)
    assert code == 2 and "cannot read" in out
    not_db = tmp_path / "not.sqlite3"
    not_db.write_text("garbage " * 200)
    code, out, err = run_cli(capsys, "list", "--db", not_db)
    assert code == 2 and "not a database" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_:
        cli_tracker.main(["tracker", "report", "aging", "--as-of",
                          "2026-13-01", "--db", str(db)])
    assert exit_.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_cli_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [PYTHON, "-m", "trainer_billing.cli_tracker", "list", "--db",
         str(tmp_path / "m.sqlite3"), "--json"],
        capture_output=True, text=True, timeout=60)
    assert (done.returncode, json.loads(done.stdout)) == (0, [])


# ---------------------------------------------------------------- safety

IMPORTER = """
import sys
from trainer_billing import tracker
db, path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = tracker.connect(db)
text = open(path).read()
def report(batches, done):
    print("committed", batches, done, flush=True)
result = tracker.import_835(conn, text, batch_size=batch, on_batch=report)
print("done", result.posted, result.already_posted, flush=True)
"""

KILL_CLAIMS = 6_000
KILL_BATCH = 10
KILL_AFTER = 50          # batches seen committed before the kill starts


def _big_base(tmp_path, sample_claim):
    """A closed database with KILL_CLAIMS submitted claims, and the text
    of an 835 paying them all."""
    base = tmp_path / "base.sqlite3"
    conn = tracker.connect(base)
    ids = tracker.add_claims(conn, [
        {"patient_account": f"K-{i:05d}", "total_charge": "185.00",
         "payer": {"id": "SYN01", "name": "Synthetic Mutual"}}
        for i in range(KILL_CLAIMS)])
    tracker.move_all(conn, ids, "submitted", at="2026-11-01")
    conn.close()   # the last close checkpoints the WAL into the file
    remittance = tmp_path / "big.835"
    remittance.write_text(remittance_text(
        [paid(claim_id) for claim_id in ids], trace="EFT-BIG"))
    return base, remittance


def test_killed_import_keeps_what_it_committed_and_resumes(
        tmp_path, sample_claim):
    base, remittance = _big_base(tmp_path, sample_claim)
    clean, killed = tmp_path / "clean.sqlite3", tmp_path / "killed.sqlite3"
    shutil.copy(base, clean)
    shutil.copy(base, killed)

    conn = tracker.connect(clean)
    assert tracker.import_835(conn, remittance.read_text(),
                              batch_size=1000).posted == KILL_CLAIMS
    expected = totals(conn)
    conn.close()

    # The kill lands at a random moment a little after batch KILL_AFTER
    # has committed: usually inside a later batch's transaction.
    delay = random.uniform(0, 0.1)
    started = time.monotonic()
    child = subprocess.Popen(
        [PYTHON, "-c", IMPORTER, str(killed), str(remittance),
         str(KILL_BATCH)], stdout=subprocess.PIPE, text=True)
    reported = []
    for line in child.stdout:
        reported.append(line.split())
        if line.startswith("committed") and int(line.split()[1]) >= \
                KILL_AFTER:
            time.sleep(delay)
            os.kill(child.pid, signal.SIGKILL)
            break
    reported += [line.split() for line in child.stdout]
    child.wait(timeout=30)
    killed_at = time.monotonic() - started
    assert child.returncode == -signal.SIGKILL
    assert not any(r[0] == "done" for r in reported), "import finished"
    last_reported = max(int(r[2]) for r in reported if r[0] == "committed")

    conn = sqlite3.connect(killed)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    posted = count(conn, "SELECT COUNT(*) FROM payments")
    # everything reported committed is there; whole batches, no more
    assert last_reported <= posted < KILL_CLAIMS
    assert posted % KILL_BATCH == 0
    assert count(conn, "SELECT COUNT(*) FROM adjustments") == 2 * posted
    assert count(conn, "SELECT COUNT(*) FROM claims WHERE state = 'paid'"
                 ) == posted
    assert count(conn, "SELECT COUNT(*) FROM history WHERE payment_id IS "
                       "NOT NULL") == posted
    conn.close()

    again = subprocess.run(
        [PYTHON, "-c", IMPORTER, str(killed), str(remittance), "500"],
        capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1].split() == \
        ["done", str(KILL_CLAIMS - posted), str(posted)]
    conn = tracker.connect(killed)
    assert totals(conn) == expected
    assert count(conn, "PRAGMA integrity_check") == "ok"
    conn.close()
    print(f"\nkill test: killed after {killed_at:.2f} s (delay "
          f"{delay * 1000:.0f} ms) with {posted} of {KILL_CLAIMS} payments "
          f"committed ({posted // KILL_BATCH} batches, last reported "
          f"{last_reported}); re-run posted {KILL_CLAIMS - posted}, "
          "totals equal a clean import")


WRITER = """
import json, os, sys, time
from trainer_billing import tracker
db, name, go, shared = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4])
conn = tracker.connect(db)
open(go + "." + name, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
won = lost = 0
for i in range(shared):
    own = f"{name}-{i:03d}"
    tracker.add_claim(conn, {"patient_account": own,
                             "total_charge": "185.00"})
    tracker.move(conn, own, "submitted")
    try:
        tracker.move(conn, f"S-{i:03d}", "submitted", note=name)
        won += 1
    except tracker.IllegalMove:
        lost += 1
print(json.dumps({"won": won, "lost": lost}))
"""


def test_two_writers_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared.sqlite3"
    n = 200
    conn = tracker.connect(db)
    tracker.add_claims(conn, [{"patient_account": f"S-{i:03d}",
                               "total_charge": "185.00"} for i in range(n)])
    go = tmp_path / "go"
    children = [subprocess.Popen(
        [PYTHON, "-c", WRITER, str(db), name, str(go), str(n)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("one", "two")]
    deadline = time.monotonic() + 30
    while not all(os.path.exists(f"{go}.{name}") for name in
                  ("one", "two")):
        assert time.monotonic() < deadline, "writers did not start"
        time.sleep(0.01)
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert "locked" not in err
        results.append(json.loads(out))
    # each shared claim moved exactly once, by one writer or the other
    assert sum(r["won"] for r in results) == n
    assert sum(r["lost"] for r in results) == n
    assert count(conn, "PRAGMA integrity_check") == "ok"
    assert count(conn, "SELECT COUNT(*) FROM claims") == 3 * n
    assert count(conn, "SELECT COUNT(*) FROM claims WHERE state = "
                       "'submitted'") == 3 * n
    assert conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT claim_id) FROM history "
        "WHERE to_state = 'submitted'").fetchone() == (3 * n, 3 * n)
    conn.close()


RACER = """
import sys, time, os
from trainer_billing import tracker
db, path, go = sys.argv[1], sys.argv[2], sys.argv[3]
conn = tracker.connect(db)
text = open(path).read()
open(go + "." + str(os.getpid()), "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
print(tracker.import_835(conn, text, batch_size=5).posted)
"""


def test_two_imports_of_the_same_835_at_once_post_once(tmp_path):
    db = tmp_path / "race.sqlite3"
    conn = tracker.connect(db)
    ids = tracker.add_claims(conn, [{"patient_account": f"R-{i:03d}",
                                     "total_charge": "185.00"}
                                    for i in range(300)])
    tracker.move_all(conn, ids, "submitted")
    remittance = tmp_path / "r.835"
    remittance.write_text(remittance_text([paid(i) for i in ids]))
    go = tmp_path / "go"
    children = [subprocess.Popen(
        [PYTHON, "-c", RACER, str(db), str(remittance), str(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("go.*"))) < 2:
        assert time.monotonic() < deadline, "importers did not start"
        time.sleep(0.01)
    go.touch()
    posted = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        posted.append(int(out))
    assert sum(posted) == 300
    assert count(conn, "SELECT COUNT(*) FROM payments") == 300
    assert count(conn, "SELECT COUNT(*) FROM history WHERE to_state = "
                       "'paid'") == 300
    assert count(conn, "PRAGMA integrity_check") == "ok"
    conn.close()


def test_a_late_payment_on_a_closed_claim_posts_and_keeps_the_state(
        conn, sample_claim):
    tracker.add_claim(conn, make_claim(sample_claim, "OLD"))
    tracker.move(conn, "OLD", "submitted", at="2026-05-01")
    tracker.move(conn, "OLD", "written_off", note="no answer in 6 months")
    result = tracker.import_835(conn, remittance_text([paid("OLD")]))
    assert (result.posted, result.moves) == (1, [])
    assert result.notes == ["claim OLD: payment posted, state kept at "
                            "written_off (written_off is final; nothing "
                            "follows it)"]
    row = tracker.claims(conn).iloc[0]
    assert (row["state"], row["paid"]) == ("written_off", 120.0)


def test_a_mistyped_folder_is_refused_not_created(tmp_path):
    missing = tmp_path / "no" / "such" / "tracker.sqlite3"
    with pytest.raises(tracker.TrackerError, match="does not exist"):
        tracker.connect(missing)
    assert not (tmp_path / "no").exists()
