"""The ``trainer-billing`` command.

Exit codes: 0 when all is fine, 1 when the input has errors, 2 when the
input cannot be read or the arguments are wrong (with a one-line reason,
never a traceback).
"""

import argparse
import json
import sys

from trainer_billing import claim, npi, scrub, units

OK, HAS_ERRORS, UNREADABLE = 0, 1, 2


class UsageError(Exception):
    """Arguments that cannot be used; the message says why."""


def _print_json(data):
    print(json.dumps(data, indent=2, ensure_ascii=False))


def check_claim(args):
    results, status = [], OK
    for path in args.files:
        try:
            data = claim.load(path)
        except claim.ClaimFileError as error:
            status = UNREADABLE
            results.append({"file": path, "readable": False,
                            "problems": [str(p) for p in error.problems],
                            "findings": []})
            continue
        findings = scrub.check(data)
        if scrub.errors(findings) and status == OK:
            status = HAS_ERRORS
        results.append({"file": path, "readable": True, "problems": [],
                         "findings": [f.to_dict() for f in findings]})
    if args.json:
        _print_json(results)
        return status
    for result in results:
        if not result["readable"]:
            for problem in result["problems"]:
                # The loader's own words may already say "cannot read".
                label = "" if problem.startswith("cannot read") \
                    else "cannot read: "
                print(f"{result['file']}: {label}{problem}")
            continue
        if not result["findings"]:
            print(f"{result['file']}: no problems found")
        for f in result["findings"]:
            print(f"{result['file']}: {scrub.Finding(**f)}")
    return status


def _minutes(pairs):
    minutes = {}
    for pair in pairs:
        code, sep, value = pair.partition("=")
        if not sep or not code or not value.strip().isdigit():
            raise UsageError(
                f"{pair!r}: write CODE=MINUTES with whole minutes, "
                "e.g. 97110=33")
        minutes[code.strip().upper()] = \
            minutes.get(code.strip().upper(), 0) + int(value)
    return minutes


def units_command(args):
    minutes = _minutes(args.pairs)
    try:
        result = units.billable_units(minutes, args.method)
    except units.InvalidMinutes as error:
        raise UsageError(str(error)) from None
    rule = {"cms": "CMS 8-minute rule",
            "ama": "AMA per-code midpoint rule"}[args.method]
    total_minutes = sum(minutes.values())
    total_units = sum(result.values())
    if args.json:
        _print_json({"method": args.method, "units": result,
                     "total_units": total_units,
                     "total_minutes": total_minutes})
        return OK
    for code, count in result.items():
        print(f"{code}: {count} unit{'' if count == 1 else 's'} "
              f"({minutes[code]} min)")
    print(f"total: {total_units} unit{'' if total_units == 1 else 's'} "
          f"for {total_minutes} timed minutes ({rule})")
    return OK


def npi_command(args):
    status, results = OK, []
    for number in args.numbers:
        try:
            npi.validate(number)
            results.append({"npi": number, "valid": True, "reason": None})
        except npi.InvalidNPI as error:
            status = HAS_ERRORS
            results.append({"npi": number, "valid": False,
                            "reason": error.reason,
                            "message": error.message})
    if args.json:
        _print_json(results)
        return status
    for r in results:
        if r["valid"]:
            print(f"{r['npi']}: valid")
        else:
            print(f"{r['npi']}: invalid ({r['reason']}): {r['message']}")
    return status


def _load_claim(path):
    try:
        return claim.load(path)
    except claim.ClaimFileError as error:
        text = str(error)
        raise UsageError(text if text.startswith("cannot read")
                         else f"cannot read {path}: {text}") from None


def form_command(args):
    from trainer_billing import forms
    data = _load_claim(args.file)
    options = {key: value for key, value in (
        ("paid", args.paid), ("provider_credentials", args.credentials),
        ("program", args.program), ("duration", args.duration),
        ("rationale", args.rationale)) if value is not None}
    try:
        size = forms.write(args.kind, data, args.output, **options)
    except forms.FormError as error:
        print(f"trainer-billing form: {error}", file=sys.stderr)
        return HAS_ERRORS
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: "
                         f"{error.strerror or error}") from None
    print(f"{args.output}: {args.kind} form, {size:,} bytes")
    return OK


def export_837_command(args):
    from trainer_billing import x12
    try:
        warnings = x12.export_837(args.file, args.output,
                                  control_number=args.control_number)
    except claim.ClaimFileError as error:
        raise UsageError(f"cannot read {args.file}: {error}") from None
    except x12.ClaimHasErrors as error:
        for finding in error.findings:
            print(f"{args.file}: {finding}")
        print(f"{args.file}: not written: fix the errors above first",
              file=sys.stderr)
        return HAS_ERRORS
    except ValueError as error:          # e.g. a control number out of range
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: "
                         f"{error.strerror or error}") from None
    for finding in warnings:
        print(f"{args.file}: {finding}")
    print(f"{args.output}: 837P (005010X222A1) written")
    return OK


def start_command(args):
    from trainer_billing import course
    try:
        course.start(book_port=args.book_port, lab_port=args.lab_port)
    except course.CourseError as error:
        # The first line says what failed; the rest is the server's log.
        raise UsageError(str(error).splitlines()[0].rstrip(":") +
                         " (run `make lab` to see JupyterLab's own "
                         "messages)") from None
    return OK


def build_book_command(args):
    from trainer_billing import course
    try:
        path = course.build_book(force=args.force, quiet=False)
    except course.CourseError as error:
        raise UsageError(str(error)) from None
    print(f"book built: {path}")
    return OK


def parser():
    """Return the argument parser of the ``trainer-billing`` command."""
    top = argparse.ArgumentParser(
        prog="trainer-billing",
        description="Insurance Billing for Personal Trainers: course "
                    "tools.")
    sub = top.add_subparsers(dest="command", required=True,
                             metavar="COMMAND")

    p = sub.add_parser("check-claim", help="check claim files (JSON)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true",
                   help="print findings as JSON")
    p.set_defaults(run=check_claim)

    p = sub.add_parser("units",
                       help="billable units for timed 15-minute codes")
    p.add_argument("pairs", nargs="+", metavar="CODE=MINUTES")
    p.add_argument("--method", choices=units.METHODS, default="cms",
                   help="cms: 8-minute rule, minutes pooled (default); "
                        "ama: per-code midpoint rule")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=units_command)

    p = sub.add_parser("npi", help="check NPIs")
    p.add_argument("numbers", nargs="+", metavar="NUMBER")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=npi_command)

    p = sub.add_parser("form", help="print a claim as a PDF form")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--kind", choices=("cms1500", "superbill", "lmn"),
                   default="cms1500",
                   help="cms1500 (default), superbill or lmn (letter of "
                        "medical necessity)")
    p.add_argument("--paid", help="superbill: amount already paid")
    p.add_argument("--credentials", help="superbill: your credentials")
    p.add_argument("--program", help="lmn: the prescribed program")
    p.add_argument("--duration", help="lmn: how long it runs")
    p.add_argument("--rationale", help="lmn: why it treats the disease")
    p.set_defaults(run=form_command)

    p = sub.add_parser("export-837",
                       help="write a claim as an 837P file (X12 5010)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT.x12")
    p.add_argument("--control-number", type=int, default=1,
                   help="interchange control number (1-999999999)")
    p.set_defaults(run=export_837_command)

    from trainer_billing.cli_tracker import add_tracker_commands
    add_tracker_commands(sub)
    from trainer_billing.grading import add_grade_command
    add_grade_command(sub)

    p = sub.add_parser("start", help="serve the book and JupyterLab on "
                                     "127.0.0.1")
    p.add_argument("--book-port", type=int, default=None)
    p.add_argument("--lab-port", type=int, default=None)
    p.set_defaults(run=start_command)

    p = sub.add_parser("build-book", help="build the book (offline, "
                                          "warnings as errors)")
    p.add_argument("--force", action="store_true",
                   help="rebuild even if nothing changed")
    p.set_defaults(run=build_book_command)
    return top


def main(argv=None):
    """Run the command line; return the exit code."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"trainer-billing {args.command}: {error}", file=sys.stderr)
        return UNREADABLE
    except KeyboardInterrupt:
        return OK
    except Exception as error:  # never a traceback for the user
        print(f"trainer-billing {args.command}: {type(error).__name__}: "
              f"{error}", file=sys.stderr)
        return UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
