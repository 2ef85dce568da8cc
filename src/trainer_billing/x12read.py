"""Reading X12 interchanges: the envelope, the separators and the
segments, shared by the 271 reader (``x271``) and the 835 reader
(``x835``).

``tokenize(text)`` returns an ``Interchange`` whose segments are split
into elements, or raises ``X12Error`` naming the segment (its position
in the interchange, counting ISA as 1, and its ID) and what is wrong.

The separators come from the ISA, which is fixed width (106 characters):
the element separator is its 4th character, the repetition separator is
ISA11 (version 00501), the component separator is ISA16 and the segment
terminator is the character right after ISA16.

This tokenizer is our own, not pyx12's, for two reasons. pyx12 4.0.0
ships no 5010 map for the 270/271 (its ``pyx12/map`` holds only
``270.4010.X092.A1.xml`` and ``271.4010.X092.A1.xml``; GS08
``005010X279A1`` makes it stop with "Map not found"), so a 271 needs a
reader of its own. And pyx12's messages for the faults a trainer meets
(a separator the ISA does not declare, an element shifted by a missing
``*``) say only that a segment was "not found". Where pyx12 has a map
(the 835, ``835.5010.X221.A1.xml``) ``pyx12_problems`` runs its
validator as well and words what it reports in the same form.

>>> isa = ('ISA*00*          *00*          *ZZ*NOTREALSENDER  '
...        '*ZZ*NOTREALRECEIVER*261201*0930*^*00501*000000001*0*T*:~')
>>> body = ('GS*HB*S*R*20261201*0930*1*X*005010X279A1~ST*271*0001~'
...         'BHT*0022*11*1*20261201*0930~SE*3*0001~GE*1*1~IEA*1*000000001~')
>>> tokenize(isa + body).segments[3].id
'BHT'
>>> tokenize(isa + body.replace('SE*3*0001', 'SE*3*0002'))
Traceback (most recent call last):
...
trainer_billing.x12read.X12Error: segment 5 (SE): the transaction's \
control number is 0001 in ST02 but 0002 in SE02; they must match.
"""

import dataclasses
import datetime
import decimal
import io
import json
import logging
import re

ISA_LENGTH = 106
#: Where the element separator must stand in a fixed-width ISA.
ISA_SEPARATOR_AT = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89,
                    99, 101, 103)
#: Characters that serve as separators somewhere: a composite holding
#: one of these but not ISA16's character was written with another one.
LIKELY_SEPARATORS = set(">:^|\\<!}{~*+`")


class X12Error(ValueError):
    """An X12 file that cannot be read; the message names the segment
    and what is wrong. ``position`` and ``segment_id`` say where (None
    when the file has no readable segment)."""

    def __init__(self, problem, position=None, segment_id=None):
        self.problem, self.position = problem, position
        self.segment_id = segment_id
        where = ""
        if position is not None:
            where = f"segment {position}"
            where += f" ({segment_id}): " if segment_id else ": "
        super().__init__(where + problem)


@dataclasses.dataclass(frozen=True)
class Segment:
    """One segment: ``position`` in the interchange (ISA is 1), its
    ``id`` and ``elements`` (``elements[1]`` is the segment's 01)."""

    position: int
    id: str
    elements: tuple

    def get(self, number):
        """Return element ``number`` (1-based) or '' when absent."""
        if 0 < number < len(self.elements):
            return self.elements[number]
        return ""

    def name(self, number):
        return f"{self.id}{number:02d}"

    def error(self, problem):
        return X12Error(problem, self.position, self.id)


@dataclasses.dataclass(frozen=True)
class Interchange:
    """A tokenized interchange: separators and segments (ISA to IEA)."""

    element: str
    component: str
    repetition: str | None
    terminator: str
    version: str
    segments: tuple
    #: GS08 of each functional group, e.g. '005010X221A1'.
    implementations: tuple

    def components(self, segment, number):
        value = segment.get(number)
        return value.split(self.component) if value else []

    def repeats(self, segment, number):
        value = segment.get(number)
        if not value:
            return []
        if self.repetition:
            return value.split(self.repetition)
        return [value]

    def transactions(self, kind):
        """Yield the segments of each transaction set of ``kind``
        (``'835'``), ST to SE."""
        current = None
        for segment in self.segments:
            if segment.id == "ST":
                current = [segment] if segment.get(1) == kind else None
            elif current is not None:
                current.append(segment)
                if segment.id == "SE":
                    yield current
                    current = None


# Values ----------------------------------------------------------------

_AMOUNT = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"-?\d+")
_TIME = re.compile(r"(\d{4}|\d{6}|\d{7,8})")
_CODE = re.compile(r"[A-Za-z0-9]{1,3}")


def parse_date(value, short=False):
    """Return the date written CCYYMMDD (YYMMDD when ``short``), or
    None when it is not a calendar date.

    >>> parse_date('20260228'), parse_date('20002316')
    (datetime.date(2026, 2, 28), None)
    """
    size = 6 if short else 8
    if len(value) != size or not value.isdigit():
        return None
    try:
        if short:
            return datetime.datetime.strptime(value, "%y%m%d").date()
        return datetime.date(int(value[:4]), int(value[4:6]),
                             int(value[6:]))
    except ValueError:
        return None


def parse_amount(value):
    """Return an X12 decimal (R) as a ``Decimal``, or None."""
    if not _AMOUNT.fullmatch(value):
        return None
    return decimal.Decimal(value)


def looks_like(value):
    """Say in words what a misplaced value looks like."""
    if parse_date(value):
        return "a date"
    if _AMOUNT.fullmatch(value) and "." in value:
        return "an amount"
    return ""


#: Element kinds a reader can ask for: what they are called in messages
#: and how a value is tested.
KINDS = {
    "amount": ("an amount", lambda v: parse_amount(v) is not None),
    "number": ("a whole number", lambda v: bool(_INTEGER.fullmatch(v))),
    "date": ("a date (CCYYMMDD)", lambda v: parse_date(v) is not None),
    "time": ("a time (HHMM)", lambda v: bool(_TIME.fullmatch(v))),
    "code": ("a code", lambda v: bool(_CODE.fullmatch(v))),
    "text": ("text", lambda v: True),
}


def check_elements(segment, spec):
    """Raise ``X12Error`` when an element of ``segment`` is missing or
    of the wrong kind; ``spec`` maps element numbers to
    ``(kind, required, name)`` or ``(kind, required, name, codes)``.

    A missing ``*`` shifts every later element one place to the left
    (and an extra one to the right); when the value found fits the
    element next door, the message says so.
    """
    for number, rule in spec.items():
        kind, required, name = rule[:3]
        codes = rule[3] if len(rule) > 3 else None
        value = segment.get(number)
        label = f"{segment.name(number)} ({name})"
        if not value:
            if required:
                before = segment.get(number - 1)
                fits = KINDS[kind][1](before) if before else False
                if fits and number - 1 not in spec or fits and \
                        not _fits(spec[number - 1], before):
                    raise segment.error(
                        f"{label} is missing and "
                        f"{segment.name(number - 1)} holds {before!r}, "
                        f"which looks like {KINDS[kind][0]}: an element "
                        "separator is missing before it, so the "
                        "elements are shifted.")
                raise segment.error(f"{label} is missing.")
            continue
        if _fits(rule, value):
            continue
        what = KINDS[kind][0]
        if kind == "date" and re.fullmatch(r"\d{8}", value):
            raise segment.error(
                f"{label} holds {value!r}, which is not a calendar date "
                "(CCYYMMDD: year, month 01-12, a day the month has).")
        problem = f"{label} should be {what} but holds {value!r}"
        if codes and KINDS[kind][1](value):
            problem = (f"{label} holds {value!r}, which is not one of "
                       f"its codes ({', '.join(sorted(codes))})")
        for other in (number + 1, number - 1):
            if other in spec and _fits(spec[other], value) and \
                    spec[other][0] != "text":
                direction = "missing" if other > number else "extra"
                problem += (f", which fits {segment.name(other)} "
                            f"({spec[other][2]}): an element separator is "
                            f"{direction}, so the elements are shifted")
                break
        else:
            seen = looks_like(value)
            if seen:
                problem += (f", which looks like {seen}: an element may "
                            "be shifted by a missing or extra separator")
        raise segment.error(problem + ".")


def _fits(rule, value):
    kind = rule[0]
    codes = rule[3] if len(rule) > 3 else None
    return KINDS[kind][1](value) and (not codes or value in codes)


def check_composite(interchange, segment, number, qualifiers):
    """Raise ``X12Error`` when a composite element (such as SVC01,
    ``HC:97110``) is written with a component separator other than the
    one ISA16 declares; ``qualifiers`` are its first component's codes.
    """
    value = segment.get(number)
    if not value:
        return
    first = value.split(interchange.component)[0]
    if first in qualifiers:
        return
    used = next((c for c in value if c in LIKELY_SEPARATORS), None)
    label = segment.name(number)
    if used and value.split(used)[0] in qualifiers:
        raise segment.error(
            f"{label} {value!r} separates its components with {used!r}, "
            f"but ISA16 declares {interchange.component!r} as the "
            "component separator.")
    raise segment.error(
        f"{label} {value!r} does not start with a qualifier "
        f"({', '.join(sorted(qualifiers))}) followed by "
        f"{interchange.component!r}.")


# The envelope ----------------------------------------------------------

def _decode(data):
    if isinstance(data, (bytes, bytearray)):
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError as error:
            raise X12Error(
                f"the file is not text: byte {error.start + 1} is not "
                "UTF-8.") from None
    if not isinstance(data, str):
        raise X12Error(f"expected the text of an X12 file, got "
                       f"{type(data).__name__}.")
    return data


def _read_isa(text):
    if not text.startswith("ISA"):
        found = text[:3].strip() or "nothing"
        raise X12Error(f"an X12 interchange starts with ISA; this file "
                       f"starts with {found!r}.", 1, "ISA")
    isa = text[:ISA_LENGTH]
    element = isa[3:4]
    if len(isa) < ISA_LENGTH:
        raise X12Error(
            f"the ISA is truncated: it has {len(isa)} of its "
            f"{ISA_LENGTH} fixed-width characters.", 1, "ISA")
    if element.isalnum() or element.isspace():
        raise X12Error(f"the element separator (4th character) is "
                       f"{element!r}, a letter, digit or space.", 1, "ISA")
    for number, place in enumerate(ISA_SEPARATOR_AT, start=1):
        if isa[place] != element:
            count = isa.count(element)
            problem = (
                f"the ISA is fixed width but ISA{number:02d} does not "
                f"end at character {place + 1}")
            if count < 16:
                problem += (f"; it has {count} element separators of 16, "
                            "so it is truncated or an element is short")
            raise X12Error(problem + ".", 1, "ISA")
    component, terminator = isa[104], isa[105]
    repetition = isa[82]
    version = isa[84:89]
    if component.isalnum() or component in (element, " "):
        raise X12Error(f"ISA16, the component separator, is "
                       f"{component!r}.", 1, "ISA")
    if terminator.isalnum() or terminator in (element, component, " "):
        raise X12Error(
            f"the segment terminator after ISA16 is {terminator!r}; the "
            "ISA is truncated or has a character too many.", 1, "ISA")
    if version != "00501" or repetition.isalnum() or \
            repetition in (element, component, terminator, " "):
        repetition = None
    return element, component, repetition, terminator, version


def tokenize(data):
    """Return the ``Interchange`` in ``data`` (text or bytes), its
    envelope checked: ISA/IEA, GS/GE and ST/SE control numbers agree,
    SE01 counts the transaction's segments, GE01 its transactions.
    """
    text = _decode(data).lstrip("\ufeff \t\r\n")
    element, component, repetition, terminator, version = _read_isa(text)
    segments = []
    pieces = text.split(terminator)
    if pieces[-1].strip():
        position = len(pieces)
        raise X12Error(
            f"the file ends without a segment terminator "
            f"({terminator!r}): it is truncated after "
            f"{pieces[-1].strip()[:20]!r}.", position)
    for position, piece in enumerate(pieces[:-1], start=1):
        piece = piece.strip("\r\n")
        if not piece:
            raise X12Error("the segment is empty (two terminators in a "
                           "row).", position)
        elements = tuple(piece.split(element))
        seg_id = elements[0]
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,2}", seg_id):
            raise X12Error(f"{seg_id[:12]!r} is not a segment ID.",
                           position)
        segments.append(Segment(position, seg_id, elements))
    interchange = Interchange(element, component, repetition, terminator,
                              version, tuple(segments), ())
    implementations = _check_envelope(interchange)
    return dataclasses.replace(interchange,
                               implementations=tuple(implementations))


def _check_envelope(interchange):
    segments = interchange.segments
    isa = segments[0]
    if parse_date(isa.get(9), short=True) is None:
        raise isa.error(f"ISA09 (interchange date) {isa.get(9)!r} is not "
                        "a date (YYMMDD).")
    if segments[-1].id != "IEA":
        raise segments[-1].error(
            "the interchange ends here without an IEA: the file is "
            "truncated.")
    implementations = []
    group = transaction = None
    groups = 0
    for segment in segments[1:]:
        if segment.id == "ISA":
            raise segment.error("a second ISA; this reader takes one "
                                "interchange per file.")
        if segment.id == "GS":
            if group or transaction:
                raise segment.error("GS before the previous group or "
                                    "transaction ended (GE/SE missing).")
            check_elements(segment, {
                1: ("code", True, "functional identifier"),
                4: ("date", True, "group date"),
                5: ("time", True, "group time"),
                6: ("number", True, "group control number"),
                8: ("text", True, "version")})
            group, transactions = segment, 0
            groups += 1
            implementations.append(segment.get(8))
        elif segment.id == "ST":
            if group is None or transaction:
                raise segment.error("ST outside a functional group, or "
                                    "before the last transaction's SE.")
            check_elements(segment, {
                1: ("number", True, "transaction set ID"),
                2: ("text", True, "control number")})
            transaction, count = segment, 0
            transactions += 1
        elif segment.id == "SE":
            if transaction is None:
                raise segment.error("SE without an ST.")
            count += 1
            check_elements(segment, {
                1: ("number", True, "segment count"),
                2: ("text", True, "control number")})
            if segment.get(2) != transaction.get(2):
                raise segment.error(
                    f"the transaction's control number is "
                    f"{transaction.get(2)} in ST02 but {segment.get(2)} "
                    "in SE02; they must match.")
            if int(segment.get(1)) != count + 1:
                raise segment.error(
                    f"SE01 says the transaction has {segment.get(1)} "
                    f"segments, but it has {count + 1} (ST to SE).")
            transaction = None
        elif segment.id == "GE":
            if group is None or transaction:
                raise segment.error(
                    "GE before the transaction's SE (SE missing)."
                    if transaction else "GE without a GS.")
            if segment.get(2) != group.get(6):
                raise segment.error(
                    f"the group's control number is {group.get(6)} in "
                    f"GS06 but {segment.get(2)} in GE02; they must match.")
            if segment.get(1) != str(transactions):
                raise segment.error(
                    f"GE01 says the group has {segment.get(1)} "
                    f"transactions, but it has {transactions}.")
            group = None
        elif segment.id == "IEA":
            if group or transaction:
                raise segment.error("IEA before the group's GE or the "
                                    "transaction's SE.")
            if segment.get(2) != isa.get(13):
                raise segment.error(
                    f"the interchange control number is {isa.get(13)} in "
                    f"ISA13 but {segment.get(2)} in IEA02; they must "
                    "match.")
            if segment.get(1) != str(groups):
                raise segment.error(
                    f"IEA01 says the interchange has {segment.get(1)} "
                    f"groups, but it has {groups}.")
        elif transaction is None and segment.id != "TA1":
            # TA1 (interchange acknowledgment) may stand between groups.
            raise segment.error("a segment outside any transaction "
                                "(between SE and ST).")
        else:
            count += 1
    return implementations


# Writing ---------------------------------------------------------------

def x12_date(value):
    """Return a date (or ISO text) as CCYYMMDD."""
    if isinstance(value, datetime.date):
        return value.strftime("%Y%m%d")
    return datetime.date.fromisoformat(value).strftime("%Y%m%d")


def as_datetime(value):
    """Return a datetime from itself or ISO text."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value


def write_interchange(body, functional_id, kind, control_number, created,
                      sender_id, receiver_id, version):
    """Wrap transaction segments (lists of elements) in ST/SE, GS/GE and
    ISA/IEA; return the text, one segment a line."""
    number = f"{control_number:09d}"
    st = f"{control_number:04d}"
    # pyx12's 835 map marks ST03 "not used"; the 837 and 271 carry it.
    st03 = [] if kind == "835" else [version]
    segments = [["ST", kind, st, *st03], *body]
    segments.append(["SE", str(len(segments) + 1), st])
    isa = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ",
           sender_id.ljust(15), "ZZ", receiver_id.ljust(15),
           created.strftime("%y%m%d"), created.strftime("%H%M"), "^",
           "00501", number, "0", "T", ":"]
    gs = ["GS", functional_id, sender_id, receiver_id,
          created.strftime("%Y%m%d"), created.strftime("%H%M"),
          str(control_number), "X", version]
    lines = [isa, gs, *segments, ["GE", "1", str(control_number)],
             ["IEA", "1", number]]
    return "".join("*".join(s) + "~\n" for s in lines)


# pyx12 -----------------------------------------------------------------

def pyx12_problems(text):
    """Return pyx12's validation errors for ``text`` as messages in our
    form ("segment 14 (CAS): ..."), an empty list when it finds none.

    pyx12 4.0.0 validates against its bundled maps (for us: 835
    ``005010X221A1`` and 837P ``005010X222A1``); for a 5010 271 it has
    no map, and this returns the one problem that says so. Its own
    logging (every error at ERROR) is kept quiet while it runs.
    """
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document
    # pyx12's modules log to children of the "pyx12" logger; a
    # NullHandler there, not propagating, keeps them out of the
    # caller's logs and out of logging's last-resort stderr output.
    logger = logging.getLogger("pyx12")
    quiet, propagate = logging.NullHandler(), logger.propagate
    logger.addHandler(quiet)
    logger.propagate = False
    report = io.StringIO()
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text),
            fd_997=None, fd_html=None, fd_json=report)
    except pyx12.errors.EngineError as error:
        return [f"pyx12 cannot validate this file: {error}"]
    except Exception as error:  # pyx12 fails in its own ways on junk
        return [f"pyx12 stopped: {type(error).__name__}: {error}"]
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    if not report.getvalue():
        return [] if ok else ["pyx12 does not read this as X12."]
    problems = [_pyx12_message(where, error)
                for where, error in _pyx12_errors(json.loads(
                    report.getvalue()))]
    if not ok and not problems:
        problems.append("pyx12 rejects the file without saying where.")
    return problems


def _pyx12_errors(node, where=None):
    if isinstance(node, dict):
        if "seg_id" in node:
            where = node
        elif "trn_set_id" in node or "gs_control_num" in node:
            where = node
        for error in node.get("errors") or []:
            yield where, error
        for key, value in node.items():
            if key != "errors":
                yield from _pyx12_errors(value, where)
    elif isinstance(node, list):
        for value in node:
            yield from _pyx12_errors(value, where)


def _pyx12_message(where, error):
    text = error.get("err_str", "").strip()
    if where and "seg_id" in where:
        return str(X12Error(f"{text} (pyx12)", where.get("cur_line"),
                            where.get("seg_id")))
    if where and "cur_line" in where:
        return str(X12Error(f"{text} (pyx12)", where.get("cur_line")))
    return f"{text} (pyx12)"
