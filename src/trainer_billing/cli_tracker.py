"""``trainer-billing tracker ...``: the claims tracker from the command line.

::

    trainer-billing tracker add FILE...                 claim JSON → draft
    trainer-billing tracker move CLAIM_ID STATE [--note TEXT] [--at DATE]
    trainer-billing tracker import-835 FILE...          post remittances
    trainer-billing tracker list [--state STATE]
    trainer-billing tracker report aging|denials|days [--as-of DATE]
                                   [--plot OUT.png]

Each takes ``--db PATH`` (default: ``$TRAINER_BILLING_TRACKER``, else
``~/.trainer-billing/tracker.sqlite3``) and ``--json``. Exit codes follow
the course's command line: 0 fine, 1 the input has errors (an illegal
move, a claim tracked already, a payment for a claim not tracked), 2 the
input cannot be read or the arguments are wrong; always a one-line
reason, never a traceback.

``python -m trainer_billing.cli_tracker ...`` runs the same commands.
"""

import argparse
import datetime
import json
import sqlite3
import sys

from trainer_billing import tracker

OK, HAS_ERRORS, UNREADABLE = 0, 1, 2


class _Fail(Exception):
    """Stop the command with an exit code and a one-line reason."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _print_json(data):
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _say(args, message):
    print(f"trainer-billing tracker {args.tracker_command}: {message}",
          file=sys.stderr)


def _connect(args):
    try:
        return tracker.connect(args.db)
    except (sqlite3.Error, OSError, tracker.TrackerError) as error:
        where = args.db or tracker.default_path()
        raise _Fail(UNREADABLE, f"cannot open the tracker database "
                                f"{where}: {error}") from None


def _date_argument(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write YYYY-MM-DD") from None


# ---------------------------------------------------------------- commands

def add_command(args):
    from trainer_billing import claim
    conn = _connect(args)
    status, results = OK, []
    for path in args.files:
        try:
            data = claim.load(path)
            claim_id = tracker.add_claim(conn, data)
            results.append({"file": path, "claim_id": claim_id,
                            "added": True, "reason": None})
        except claim.ClaimFileError as error:
            status = UNREADABLE
            results.append({"file": path, "claim_id": None, "added": False,
                            "reason": f"cannot read: {error}"})
        except tracker.TrackerError as error:
            status = max(status, HAS_ERRORS)
            results.append({"file": path,
                            "claim_id": getattr(error, "claim_id", None),
                            "added": False, "reason": str(error)})
    if args.json:
        _print_json(results)
    else:
        for r in results:
            if r["added"]:
                print(f"{r['file']}: added claim {r['claim_id']} (draft)")
            else:
                print(f"{r['file']}: not added: {r['reason']}")
    return status


def move_command(args):
    conn = _connect(args)
    try:
        tracker.move(conn, args.claim_id, args.state, note=args.note or "",
                     at=args.at)
    except tracker.TrackerError as error:
        if args.json:
            _print_json({"claim_id": args.claim_id, "moved": False,
                         "state": args.state, "reason": str(error)})
        raise _Fail(HAS_ERRORS, str(error)) from None
    if args.json:
        _print_json({"claim_id": args.claim_id, "moved": True,
                     "state": args.state, "reason": None})
    else:
        print(f"claim {args.claim_id}: {args.state}")
    return OK


def import_command(args):
    from trainer_billing.x12read import X12Error
    conn = _connect(args)
    status, results = OK, []
    for path in args.files:
        try:
            with open(path, encoding="utf-8", errors="strict") as handle:
                text = handle.read()
            payments, findings = tracker.read_835_payments(text)
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            status = UNREADABLE
            results.append({"file": path, "readable": False,
                            "reason": f"cannot read: {reason}"})
            continue
        except X12Error as error:
            status = UNREADABLE
            results.append({"file": path, "readable": False,
                            "reason": str(error).splitlines()[0]})
            continue
        bar = _progress(len(payments), path, args)
        try:
            result = tracker.import_payments(
                conn, payments, batch_size=args.batch_size,
                on_batch=lambda batches, done: bar.update(done - bar.n))
        finally:
            bar.close()
        result.notes[:0] = findings
        if (result.unmatched or result.refused) and status == OK:
            status = HAS_ERRORS
        results.append({"file": path, "readable": True, "reason": None,
                        **result.to_dict()})
    if args.json:
        _print_json(results)
        return status
    for r in results:
        if not r["readable"]:
            print(f"{r['file']}: {r['reason']}")
            continue
        print(f"{r['file']}: {r['posted']} payment"
              f"{'' if r['posted'] == 1 else 's'} posted, "
              f"{r['already_posted']} already posted")
        for m in r["moves"]:
            print(f"  claim {m['claim_id']}: {m['from']} -> {m['to']}")
        for claim_id in r["unmatched"]:
            print(f"  claim {claim_id}: not in the tracker; add its claim "
                  "file, then import this remittance again")
        for refused in r["refused"]:
            print(f"  {refused['reason']}")
        for note in r["notes"]:
            print(f"  {note}")
    return status


def _progress(total, path, args):
    from tqdm import tqdm
    # A bar only where someone watches: long imports on a terminal.
    quiet = args.json or total < 500 or not sys.stderr.isatty()
    return tqdm(total=total, desc=str(path), unit="claim", disable=quiet,
                file=sys.stderr)


def list_command(args):
    conn = _connect(args)
    frame = tracker.claims(conn, args.state)
    if args.json:
        _print_json(frame.astype(object).where(frame.notna(), None)
                    .to_dict(orient="records"))
        return OK
    if frame.empty:
        print("no claims" + (f" in state {args.state}" if args.state
                             else ""))
        return OK
    columns = ["claim_id", "state", "payer_id", "submitted_on", "billed",
               "paid", "balance"]
    print(_dollars(frame[columns]).fillna("").to_string(index=False))
    return OK


_MONEY = ("billed", "paid", "balance")


def _dollars(frame):
    """Return a copy of a table with its money columns as text in
    dollars and cents (185.00, not 185.0)."""
    frame = frame.copy()
    for column in _MONEY:
        if column in frame:
            frame[column] = frame[column].map(
                lambda v: "" if v is None or v != v else f"{v:,.2f}")
    return frame


def report_command(args):
    conn = _connect(args)
    if args.report == "aging":
        frame = tracker.aging(conn, args.as_of)
        data = {"as_of": (args.as_of or datetime.date.today()).isoformat(),
                "buckets": frame.reset_index().to_dict(orient="records")}
        text = [f"A/R aging as of {data['as_of']} (days since submission)",
                _dollars(frame.reset_index()).to_string(index=False)]
        figure = tracker.plot_aging if args.plot else None
        shown = frame
    elif args.report == "denials":
        by_reason = tracker.denials_by_reason(conn)
        by_payer = tracker.denials_by_payer(conn)
        data = {"by_reason": by_reason.to_dict(orient="records"),
                "by_payer": by_payer.to_dict(orient="records")}
        text = ["Denial rate by reason (CARC)",
                by_reason.to_string(index=False) if len(by_reason)
                else "no denials",
                "", "Denial rate by payer",
                by_payer.to_string(index=False) if len(by_payer)
                else "no claims answered yet"]
        figure = tracker.plot_denials if args.plot else None
        shown = by_reason
    else:
        claims = tracker.days_to_payment(conn)
        summary = tracker.days_to_payment_summary(claims)
        data = {"summary": summary.to_dict(orient="records"),
                "claims": claims.to_dict(orient="records")}
        text = ["Days from submission to first payment",
                summary.to_string(index=False) if len(summary)
                else "no claims paid yet"]
        figure = tracker.plot_days_to_payment if args.plot else None
        shown = claims
    if figure:
        try:
            figure(shown).savefig(args.plot)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise _Fail(UNREADABLE, f"cannot write the plot {args.plot}: "
                                    f"{reason}") from None
        data["plot"] = str(args.plot)
        text.append(f"plot written to {args.plot}")
    if args.json:
        _print_json(data)
    else:
        print("\n".join(text))
    return OK


# ---------------------------------------------------------------- parser

def _common(parser):
    parser.add_argument("--db", metavar="PATH", default=None,
                        help="tracker database (default: "
                             f"${tracker.ENV_VAR}, else "
                             f"{tracker.DEFAULT_PATH})")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON")


def add_tracker_commands(subparsers):
    """Register ``tracker`` and its actions on the ``trainer-billing``
    subparsers; each action sets ``run`` to a function that takes the
    parsed arguments and returns the exit code (it handles its own
    errors)."""
    top = subparsers.add_parser(
        "tracker", help="track claims: moves, 835 payments, reports",
        description="Track claims from draft to paid, post 835 "
                    "remittances, and report A/R aging, denials and days "
                    "to payment.")
    sub = top.add_subparsers(dest="tracker_command", required=True,
                             metavar="ACTION")

    p = sub.add_parser("add", help="add claim files (JSON) as drafts")
    p.add_argument("files", nargs="+", metavar="FILE")
    _common(p)
    p.set_defaults(run=_guarded(add_command))

    p = sub.add_parser("move", help="move a claim to another state",
                       epilog="legal moves: " + "; ".join(
                           f"{a} -> {', '.join(b)}"
                           for a, b in tracker.MOVES.items() if b))
    p.add_argument("claim_id", metavar="CLAIM_ID")
    p.add_argument("state", metavar="STATE", choices=tracker.STATES,
                   help=", ".join(tracker.STATES))
    p.add_argument("--note", default="", help="why, for the history")
    p.add_argument("--at", type=_date_argument, default=None,
                   metavar="DATE", help="when it happened (default now)")
    _common(p)
    p.set_defaults(run=_guarded(move_command))

    p = sub.add_parser("import-835", help="post payments from 835 files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--batch-size", type=int, default=100,
                   help="payments per transaction (default 100)")
    _common(p)
    p.set_defaults(run=_guarded(import_command))

    p = sub.add_parser("list", help="list tracked claims")
    p.add_argument("--state", choices=tracker.STATES, default=None)
    _common(p)
    p.set_defaults(run=_guarded(list_command))

    p = sub.add_parser("report", help="A/R aging, denial rates, days to "
                                      "payment")
    p.add_argument("report", choices=("aging", "denials", "days"))
    p.add_argument("--as-of", type=_date_argument, default=None,
                   metavar="DATE", help="age claims to this date "
                                        "(default today)")
    p.add_argument("--plot", metavar="OUT.png", default=None,
                   help="also write the report's chart")
    _common(p)
    p.set_defaults(run=_guarded(report_command))
    return top


def _guarded(command):
    def run(args):
        try:
            return command(args)
        except _Fail as error:
            _say(args, error)
            return error.code
        except tracker.TrackerError as error:
            _say(args, error)
            return HAS_ERRORS
        except sqlite3.Error as error:
            _say(args, f"database error: {error}")
            return UNREADABLE
        except KeyboardInterrupt:
            _say(args, "stopped; every batch committed before is kept, "
                       "and running it again posts only the rest")
            return UNREADABLE
    run.__name__ = command.__name__
    return run


def main(argv=None):
    """Run ``trainer-billing tracker ...`` alone; return the exit code."""
    parser = argparse.ArgumentParser(prog="trainer-billing")
    sub = parser.add_subparsers(dest="command", required=True,
                                metavar="COMMAND")
    add_tracker_commands(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except Exception as error:  # never a traceback for the user
        _say(args, f"{type(error).__name__}: {error}")
        return UNREADABLE


if __name__ == "__main__":
    # Lets `python -m trainer_billing.cli_tracker tracker ...` and, for
    # short, `python -m trainer_billing.cli_tracker list` both work.
    argv = sys.argv[1:]
    if argv and argv[0] not in ("tracker", "-h", "--help"):
        argv = ["tracker", *argv]
    sys.exit(main(argv))
