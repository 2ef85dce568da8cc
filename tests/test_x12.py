"""The 837P writer: exact segments on the sample claim, the 2000C patient
loop, refusal of claims with errors, and pyx12's validator on every 837P
written from every valid example claim.

Every person, provider and payer is synthetic, and so are the interchange
IDs (NOTREALSENDER / NOTREALRECEIVER).
"""

import copy
import datetime
import json
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import CLAIMS
from trainer_billing import claim, x12

CREATED = datetime.datetime(2026, 12, 1, 9, 30)
SENDER, RECEIVER = "NOTREALSENDER", "NOTREALRECEIVER"
INDEX = json.loads((CLAIMS / "invalid" / "index.json").read_text())
X12VALID = pathlib.Path(sys.executable).with_name("x12valid")
RENDERING = {"1000000020": {"last": "Ibarra", "first": "Lucia"}}


def write(data, **options):
    options = {"sender_id": SENDER, "receiver_id": RECEIVER,
               "control_number": 1, "created": CREATED, **options}
    return x12.write_837p(data, **options)


def segments(text):
    """Return the segments of an interchange, without terminators."""
    assert text.endswith("~\n")
    lines = text.splitlines()
    assert all(line.endswith("~") and line.count("~") == 1
               for line in lines)
    return [line[:-1] for line in lines]


def starting(found, prefix):
    return [s for s in found if s.startswith(prefix)]


def raw_sample():
    """The sample as typed, codes with their dots (not through the
    loader)."""
    return json.loads((CLAIMS / "valid_sample.json").read_text())


# The sample claim, segment by segment -----------------------------------

SAMPLE_SEGMENTS = [
    "ISA*00*          *00*          *ZZ*NOTREALSENDER  *ZZ*NOTREALRECEIVER"
    "*261201*0930*^*00501*000000001*0*T*:",
    "GS*HC*NOTREALSENDER*NOTREALRECEIVER*20261201*0930*1*X*005010X222A1",
    "ST*837*0001*005010X222A1",
    "BHT*0019*00*1*20261201*0930*CH",
    "NM1*41*2*Riverbend Physical Therapy (synthetic)*****46*NOTREALSENDER",
    "PER*IC**TE*2175550100",
    "NM1*40*2*Synthetic Mutual Health Plan*****46*NOTREALRECEIVER",
    "HL*1**20*1",
    "PRV*BI*PXC*225100000X",
    "NM1*85*2*Riverbend Physical Therapy (synthetic)*****XX*1000000038",
    "N3*900 Mill Street",
    "N4*Springfield*IL*627010001",
    "REF*EI*000000001",
    "HL*2*1*22*0",
    "SBR*P*18*GRP-77120******CI",
    "NM1*IL*1*Okafor*Dana****MI*XQZ900112233",
    "N3*41 Alder Row",
    "N4*Springfield*IL*62704",
    "DMG*D8*19680412*F",
    "NM1*PR*2*Synthetic Mutual Health Plan*****PI*SYN01",
    "N3*PO Box 4400",
    "N4*Springfield*IL*62705",
    "CLM*RB-2026-0001*185***11:B:1*Y*A*Y*Y",
    "HI*ABK:M1711*ABF:M5450",
    "NM1*DN*1*Marsh*Helen****XX*1000000012",
    "NM1*82*1*Ibarra*Lucia****XX*1000000020",
    "LX*1",
    "SV1*HC:97110:GP*120*UN*2***1:2",
    "DTP*472*D8*20261110",
    "LX*2",
    "SV1*HC:97530:GP*65*UN*1***1",
    "DTP*472*D8*20261110",
    "SE*31*0001",
    "GE*1*1",
    "IEA*1*000000001",
]


def test_sample_claim_segment_by_segment(sample_claim):
    assert segments(write(sample_claim, rendering_providers=RENDERING)) \
        == SAMPLE_SEGMENTS


def test_isa_is_fixed_width():
    for sender, receiver, number in ((SENDER, RECEIVER, 1),
                                     ("AB", "CD", 999_999_999),
                                     ("FAKE-SUB-01", "FAKE.RCV", 4711)):
        isa = write(raw_sample(), sender_id=sender, receiver_id=receiver,
                    control_number=number).splitlines()[0]
        assert len(isa) == 106
        fields = isa[:-1].split("*")
        assert len(fields) == 17
        assert [len(f) for f in fields[1:]] == \
            [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
        assert fields[6] == sender.ljust(15)
        assert fields[8] == receiver.ljust(15)
        assert fields[13] == f"{number:09d}"
        assert (isa[3], isa[104], isa[105]) == ("*", ":", "~")
        assert fields[11] == "^" and fields[12] == "00501"


def test_envelope_counts_and_control_numbers_match():
    found = segments(write(raw_sample(), control_number=4711))
    st = found.index("ST*837*0001*005010X222A1")
    se = [i for i, s in enumerate(found) if s.startswith("SE*")]
    assert se == [len(found) - 3]
    assert found[se[0]] == f"SE*{se[0] - st + 1}*0001"
    assert found[1].split("*")[6] == "4711"
    assert found[-2] == "GE*1*4711"
    assert found[-1] == "IEA*1*000004711"
    assert found[0].split("*")[13] == "000004711"


def test_hl_levels_and_parents_when_patient_is_subscriber(sample_claim):
    found = segments(write(sample_claim))
    assert starting(found, "HL*") == ["HL*1**20*1", "HL*2*1*22*0"]
    assert starting(found, "SBR*") == ["SBR*P*18*GRP-77120******CI"]
    assert not starting(found, "PAT*")
    assert not starting(found, "NM1*QC*")


def test_hi_is_abk_then_abf_without_dots():
    data = raw_sample()
    assert data["diagnoses"] == ["M17.11", "M54.50"]
    assert starting(segments(write(data)), "HI*") == \
        ["HI*ABK:M1711*ABF:M5450"]
    data["diagnoses"] = ["M17.11", "M54.50", "E66.811", "Z68.35",
                         "I10", "E11.9", "R26.81", "M62.81", "Z91.81",
                         "R53.1", "G47.33", "M25.561"]
    for line in data["lines"]:
        line["pointers"] = ["L", "A", "K", "B"]
    found = segments(write(data))
    [hi] = starting(found, "HI*")
    assert hi == ("HI*ABK:M1711*ABF:M5450*ABF:E66811*ABF:Z6835*ABF:I10"
                  "*ABF:E119*ABF:R2681*ABF:M6281*ABF:Z9181*ABF:R531"
                  "*ABF:G4733*ABF:M25561")
    assert "." not in hi
    assert all(s.endswith("***12:1:11:2") for s in starting(found, "SV1*"))


def test_sv1_pointers_modifiers_place_and_dates(sample_claim):
    lines = sample_claim["lines"]
    lines[0]["pointers"] = ["B", "A"]
    lines[0]["modifiers"] = ["GP", "59", "KX"]
    lines[1]["place_of_service"] = "12"
    lines[1]["to"] = "2026-11-12"
    lines[1]["units"] = 3.0
    lines[1]["charge"] = "65.50"
    sample_claim["total_charge"] = "185.50"
    found = segments(write(sample_claim))
    assert starting(found, "CLM*") == \
        ["CLM*RB-2026-0001*185.5***11:B:1*Y*A*Y*Y"]
    assert starting(found, "SV1*") == [
        "SV1*HC:97110:GP:59:KX*120*UN*2***2:1",
        "SV1*HC:97530:GP*65.5*UN*3*12**1",
    ]
    assert starting(found, "DTP*") == ["DTP*472*D8*20261110",
                                       "DTP*472*RD8*20261110-20261112"]
    assert starting(found, "LX*") == ["LX*1", "LX*2"]


def test_patient_not_subscriber_gets_2000c(sample_claim):
    sample_claim["patient"].update(
        name={"last": "Okafor", "first": "Jamie"}, birth_date="2009-02-20",
        sex="M", relationship="child")
    sample_claim["insured"]["address"]["street"] = "41 Alder Row, Apt 2"
    found = segments(write(sample_claim))
    start = found.index("HL*2*1*22*1")
    assert found[start:start + 16] == [
        "HL*2*1*22*1",
        "SBR*P**GRP-77120******CI",
        "NM1*IL*1*Okafor*Dana****MI*XQZ900112233",
        "N3*41 Alder Row, Apt 2",
        "N4*Springfield*IL*62704",
        "DMG*D8*19680412*F",
        "NM1*PR*2*Synthetic Mutual Health Plan*****PI*SYN01",
        "N3*PO Box 4400",
        "N4*Springfield*IL*62705",
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*Okafor*Jamie",
        "N3*41 Alder Row",
        "N4*Springfield*IL*62704",
        "DMG*D8*20090220*M",
        "CLM*RB-2026-0001*185***11:B:1*Y*A*Y*Y",
    ]
    assert starting(found, "HL*") == ["HL*1**20*1", "HL*2*1*22*1",
                                      "HL*3*2*23*0"]
    for relationship, code in (("spouse", "01"), ("other", "G8")):
        sample_claim["patient"]["relationship"] = relationship
        assert starting(segments(write(sample_claim)), "PAT*") == \
            [f"PAT*{code}"]


def test_subscriber_without_address_or_birth_date(sample_claim):
    sample_claim["patient"]["relationship"] = "spouse"
    sample_claim["patient"]["name"]["first"] = "Sam"
    for key in ("address", "birth_date", "sex"):
        del sample_claim["insured"][key]
    found = segments(write(sample_claim))
    start = found.index("HL*2*1*22*1")
    assert found[start + 2:start + 4] == [
        "NM1*IL*1*Okafor*Dana****MI*XQZ900112233",
        "NM1*PR*2*Synthetic Mutual Health Plan*****PI*SYN01"]


@pytest.mark.parametrize("coverage,code", sorted(x12.CLAIM_FILING.items()))
def test_claim_filing_indicator(sample_claim, coverage, code):
    sample_claim["coverage"] = coverage
    [sbr] = starting(segments(write(sample_claim)), "SBR*")
    assert sbr.split("*")[9] == code


def test_assignment_prior_authorization_and_ssn(sample_claim):
    sample_claim["accept_assignment"] = False
    sample_claim["prior_authorization"] = "PA-55012"
    sample_claim["tax_id"] = {"type": "SSN", "value": "000-00-0002"}
    found = segments(write(sample_claim))
    clm = found.index("CLM*RB-2026-0001*185***11:B:1*Y*C*Y*Y")
    assert found[clm + 1:clm + 3] == ["REF*G1*PA-55012",
                                      "HI*ABK:M1711*ABF:M5450"]
    assert "REF*SY*000000002" in found


def test_referring_ordering_and_supervising_go_to_their_loops(
        sample_claim):
    sample_claim["referring_provider"]["qualifier"] = "DK"
    found = segments(write(sample_claim))
    assert found.count("NM1*DK*1*Marsh*Helen****XX*1000000012") == 2
    assert found[found.index("DTP*472*D8*20261110") + 1] == \
        "NM1*DK*1*Marsh*Helen****XX*1000000012"          # 2420E
    sample_claim["referring_provider"]["qualifier"] = "DQ"
    found = segments(write(sample_claim))
    assert found[found.index("LX*1") - 1] == \
        "NM1*DQ*1*Marsh*Helen****XX*1000000012"          # 2310D
    sample_claim["referring_provider"] = {
        "name": {"last": ""}, "npi": "", "qualifier": ""}
    assert not starting(segments(write(sample_claim)), "NM1*D")


def test_rendering_provider_per_line_when_lines_differ(sample_claim):
    sample_claim["lines"][1]["rendering_npi"] = "1000000038"   # billing
    found = segments(write(sample_claim, rendering_providers=RENDERING))
    assert found[found.index("LX*2") - 1] == \
        "NM1*82*1*Ibarra*Lucia****XX*1000000020"         # 2420A, line 1
    assert found.count("NM1*82*1*Ibarra*Lucia****XX*1000000020") == 1
    sample_claim["lines"][1]["rendering_npi"] = "1000000046"
    names = {**RENDERING, "1000000046": "Riverbend Group Two"}
    found = segments(write(sample_claim, rendering_providers=names))
    assert starting(found, "NM1*82*") == [
        "NM1*82*1*Ibarra*Lucia****XX*1000000020",
        "NM1*82*2*Riverbend Group Two*****XX*1000000046"]
    assert found.index("NM1*82*2*Riverbend Group Two*****XX*1000000046") \
        > found.index("LX*2")


def test_rendering_npi_without_a_name_is_a_warning(sample_claim):
    # The sample names its rendering provider (item 31) and has a ZIP+4;
    # take both away.
    sample_claim["rendering_provider"]["name"] = {"last": "", "first": ""}
    sample_claim["billing_provider"]["address"]["zip"] = "62701"
    found = x12.findings(sample_claim, today=CREATED.date())
    assert [(f.rule, f.severity, f.item, f.line) for f in found] == [
        ("x12-zip4", "warning", "33", None),
        ("x12-rendering-name", "warning", "24J", 1)]
    assert "1000000020" in found[1].message
    assert not starting(segments(write(sample_claim)), "NM1*82*")
    sample_claim["billing_provider"]["address"]["zip"] = "62701-1234"
    assert x12.findings(sample_claim, today=CREATED.date(),
                        rendering_providers=RENDERING) == []
    assert "N4*Springfield*IL*627011234" in \
        segments(write(sample_claim, rendering_providers=RENDERING))


def test_separators_and_accents_never_reach_the_file(sample_claim):
    sample_claim["patient"]["name"] = {"last": "O*Brien~Núñez",
                                       "first": "Zoë:^"}
    sample_claim["insured"]["name"] = sample_claim["patient"]["name"]
    found = segments(write(sample_claim))
    assert starting(found, "NM1*IL*") == [
        "NM1*IL*1*O Brien Nunez*Zoe****MI*XQZ900112233"]
    assert all(s.isascii() and "^" not in s for s in found[1:])


# Refusal ----------------------------------------------------------------

ERROR_EXAMPLES = sorted(stem for stem, case in INDEX.items()
                        if case.get("severity", "error") == "error")
WARNING_EXAMPLES = sorted(set(INDEX) - set(ERROR_EXAMPLES))


@pytest.mark.parametrize("stem", ERROR_EXAMPLES)
def test_claim_with_errors_is_refused_and_not_written(tmp_path, stem):
    source = CLAIMS / "invalid" / f"{stem}.json"
    data = claim.load(source)
    with pytest.raises(x12.ClaimHasErrors) as caught:
        write(data)
    assert INDEX[stem]["rule"] in {f.rule for f in caught.value.errors}
    assert caught.value.errors == [f for f in caught.value.findings
                                   if f.severity == "error"]
    assert isinstance(caught.value, ValueError)
    target = tmp_path / "out.x12"
    with pytest.raises(x12.ClaimHasErrors):
        x12.export_837(source, target, created=CREATED)
    assert list(tmp_path.iterdir()) == []
    target.write_text("earlier file\n")
    with pytest.raises(x12.ClaimHasErrors):
        x12.export_837(source, target, created=CREATED)
    assert target.read_text() == "earlier file\n"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("stem", WARNING_EXAMPLES)
def test_claim_with_only_warnings_is_written(stem):
    data = claim.load(CLAIMS / "invalid" / f"{stem}.json")
    assert segments(write(data))[-1] == "IEA*1*000000001"


def test_what_the_837p_needs_beyond_the_form(sample_claim):
    sample_claim["payer"]["id"] = ""
    sample_claim["patient_account"] = ""
    sample_claim["patient"]["address"]["state"] = "XX"
    sample_claim["lines"][1]["place_of_service"] = "98"
    sample_claim["tax_id"]["value"] = "12-345"
    sample_claim["billing_provider"]["phone"] = ""
    with pytest.raises(x12.ClaimHasErrors) as caught:
        write(sample_claim)
    assert [(f.rule, f.item, f.line) for f in caught.value.errors
            if f.rule.startswith("x12-")] == [
        ("x12-required", "payer", None), ("x12-required", "26", None),
        ("x12-format", "5", None), ("x12-format", "25", None),
        ("x12-required", "33", None)]
    # Place of service 98 is not a code: one error, whoever finds it.
    assert [f.line for f in caught.value.errors if f.item == "24B"] == [2]
    assert all(f.message and f.fix for f in caught.value.findings)
    assert "not written" in str(caught.value)
    found = segments(write({**sample_claim, "payer": raw_sample()["payer"],
                            "patient_account": "A1",
                            "patient": raw_sample()["patient"],
                            "lines": raw_sample()["lines"],
                            "tax_id": raw_sample()["tax_id"]},
                           submitter={"name": "Course Clearinghouse",
                                      "contact": "EDI desk",
                                      "email": "edi@example.invalid"}))
    assert found[4:6] == [
        "NM1*41*2*Course Clearinghouse*****46*NOTREALSENDER",
        "PER*IC*EDI desk*EM*edi@example.invalid"]


def test_a_claim_that_is_not_a_dict_is_refused():
    for data in (None, [], "claim", {}):
        with pytest.raises(x12.ClaimHasErrors):
            write(data)


@pytest.mark.parametrize("options", [
    {"sender_id": ""}, {"sender_id": "A"}, {"sender_id": "SIXTEEN-CHARS-XX"},
    {"sender_id": "NOT REAL"},
    {"receiver_id": "A*B"}, {"control_number": 0},
    {"control_number": 1_000_000_000}, {"control_number": "1"},
    {"control_number": True}, {"created": datetime.date(2026, 12, 1)},
    {"usage": "X"}])
def test_bad_options_are_refused(options):
    with pytest.raises(ValueError) as caught:
        write(raw_sample(), **options)
    assert not isinstance(caught.value, x12.ClaimHasErrors)


def test_claims_own_rendering_provider_is_sent(sample_claim):
    found = segments(write(sample_claim))
    assert starting(found, "NM1*82*") == [
        "NM1*82*1*Alvarez*Jordan****XX*1000000020"]
    assert x12.findings(sample_claim, today=CREATED.date()) == []


def test_export_writes_the_file_and_returns_warnings(tmp_path):
    target = tmp_path / "claim.x12"
    data = raw_sample()
    data["billing_provider"]["address"]["zip"] = "62701"
    source = tmp_path / "claim.json"
    source.write_text(json.dumps(data))
    warnings = x12.export_837(source, target, created=CREATED,
                              control_number=7)
    assert [f.rule for f in warnings] == ["x12-zip4"]
    assert all(f.severity == "warning" for f in warnings)
    assert target.read_text(encoding="ascii") == \
        write(data, control_number=7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claim.json",
                                                         "claim.x12"]
    with pytest.raises(claim.ClaimFileError):
        x12.export_837(tmp_path / "missing.json", tmp_path / "x.x12")
    assert not (tmp_path / "x.x12").exists()


# pyx12's validator ------------------------------------------------------

def valid_examples():
    """Every example claim the checker passes, with variants that take
    the writer down its other paths."""
    examples = {}
    for path in sorted(CLAIMS.glob("*.json")):
        data = claim.load(path)
        try:
            write(data)
        except x12.ClaimHasErrors:
            continue
        examples[path.stem] = (data, {})
    sample = claim.load(CLAIMS / "valid_sample.json")

    def variant(name, change, **options):
        data = copy.deepcopy(sample)
        change(data)
        examples[name] = (data, options)

    def child(c):
        c["patient"].update(name={"last": "Okafor", "first": "Jamie"},
                            birth_date="2009-02-20", sex="M",
                            relationship="child")

    def everything(c):
        child(c)
        c["coverage"] = "medicare"
        c["accept_assignment"] = False
        c["prior_authorization"] = "PA-55012"
        c["tax_id"] = {"type": "SSN", "value": "000000002"}
        c["diagnoses"] = ["M1711", "M5450", "E66811", "Z6835", "I10",
                          "E119", "R2681", "M6281", "Z9181", "R531",
                          "G4733", "M25561"]
        c["lines"][0].update(pointers=["L", "A", "K", "B"],
                             modifiers=["GP", "59", "KX", "CQ"],
                             to="2026-11-12")
        c["lines"][1].update(place_of_service="12", rendering_npi="")
        c["referring_provider"]["qualifier"] = "DK"
        c["billing_provider"]["address"]["zip"] = "627011234"

    def spouse_no_address(c):
        c["patient"].update(name={"last": "Okafor", "first": "Sam"},
                            relationship="spouse")
        for key in ("address", "birth_date", "sex"):
            del c["insured"][key]
        c["referring_provider"]["qualifier"] = "DQ"

    def lines_differ(c):
        c["lines"][1]["rendering_npi"] = "1000000046"
        c["patient"]["name"] = {"last": "O*Brien~Núñez", "first": "Zoë"}
        c["insured"]["name"] = c["patient"]["name"]

    variant("sample_rendering", lambda c: None,
            rendering_providers=RENDERING)
    variant("child", child, rendering_providers=RENDERING)
    variant("everything", everything, rendering_providers=RENDERING)
    variant("spouse_no_address", spouse_no_address)
    variant("lines_differ", lines_differ, rendering_providers={
        **RENDERING, "1000000046": "Riverbend Group Two"})
    variant("no_referring", lambda c: c.update(referring_provider={
        "name": {"last": ""}, "npi": "", "qualifier": ""}))
    return examples


def x12valid(paths, cwd):
    """Run pyx12's x12valid on files; return (exit status, stderr)."""
    result = subprocess.run(
        [str(X12VALID), "--json-output", *map(str, paths)], cwd=cwd,
        capture_output=True, text=True, timeout=300)
    return result.returncode, result.stderr


def errors_in_json(node):
    """Every error pyx12 recorded, anywhere in its JSON report."""
    if isinstance(node, dict):
        return list(node.get("errors") or []) + [
            e for key, value in node.items() if key != "errors"
            for e in errors_in_json(value)]
    if isinstance(node, list):
        return [e for value in node for e in errors_in_json(value)]
    return []


def test_x12valid_accepts_every_837p_we_write(tmp_path):
    # x12valid writes <file>.997 (a 999 for 5010) and, with --json-output,
    # <file>.json beside its input, so it only ever sees copies in
    # tmp_path. Its exit status is no signal: pyx12 4.0.0's script returns
    # True from main() and the console entry point passes that to
    # sys.exit(), so a clean file and a failing one both exit 1 (see
    # test_x12valid_signal_is_its_report). We read its verdict line
    # ("<file>: OK" or "<file>: Failure"), its log and the 999.
    examples = valid_examples()
    assert {"valid_sample", "child", "everything"} <= set(examples)
    paths = []
    for number, (name, (data, options)) in enumerate(
            sorted(examples.items()), start=1):
        path = tmp_path / f"{name}.x12"
        path.write_text(write(data, control_number=number, **options),
                        encoding="ascii")
        paths.append(path)
    status, stderr = x12valid(paths, tmp_path)
    assert status == 1, stderr
    assert " ERROR " not in stderr and "Failure" not in stderr, stderr
    for path in paths:
        assert f"{path}: OK" in stderr.splitlines(), stderr
        ack = path.with_name(path.name + ".997").read_text()
        assert "AK2*837*0001*005010X222A1~" in ack
        assert "IK5*A~" in ack and "AK9*A*1*1*1~" in ack, ack
        assert not re.search(r"IK3|IK4|CTX", ack), ack
        report = json.loads(path.with_name(path.name + ".json").read_text())
        assert errors_in_json(report) == [], path.name


def test_x12valid_signal_is_its_report(tmp_path):
    good = tmp_path / "good.x12"
    good.write_text(write(raw_sample()), encoding="ascii")
    bad = tmp_path / "bad.x12"
    bad.write_text(good.read_text().replace("HI*ABK:", "HI*ABF:")
                   .replace("SE*31*", "SE*32*"), encoding="ascii")
    status_good, stderr_good = x12valid([good], tmp_path)
    status_bad, stderr_bad = x12valid([bad], tmp_path)
    assert f"{good}: OK" in stderr_good.splitlines()
    assert f"{bad}: Failure" in stderr_bad.splitlines()
    assert "SE count of 32" in stderr_bad
    assert "IK5*R" in (tmp_path / "bad.x12.997").read_text()
    assert status_good == status_bad == 1


# Bad input: random mutations of the sample --------------------------------

def leaf_paths(node, path=()):
    """Every place in a claim a mutation can hit: keys, list items, and
    the containers themselves."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaf_paths(value, path + (index,))


SAMPLE = claim.load(CLAIMS / "valid_sample.json")
PATHS = [p for p in leaf_paths(SAMPLE) if p]
PLAUSIBLE = ["", " ", "self", "child", "spouse", "other", "F", "M", "U",
             "X", "2026-11-09", "2026-11-31", "1968-04-12", "11", "12",
             "99", "98", "M5450", "M54.5", "Z6835", "97110", "S9451",
             "GP", "59", "XS", "KX", "ABC", "A", "B", "L", "M", "60.00",
             "0.00", "1000000020", "1000000038", "1234567890",
             "medicare", "medicaid", "other", "IL", "ZZ", "62701",
             "62701-1234", "6270", "EIN", "SSN", "DN", "DK", "DQ",
             "O*Brien~", "Zoë", "^:*~", "\n", "x" * 70]


def mutations():
    from hypothesis import strategies as st
    value = st.one_of(
        st.sampled_from(PLAUSIBLE), st.none(), st.booleans(),
        st.integers(-5, 10**10), st.floats(allow_nan=True),
        st.text(max_size=12), st.lists(st.sampled_from(PLAUSIBLE),
                                       max_size=6),
        st.dictionaries(st.sampled_from(["last", "first", "street"]),
                        st.sampled_from(PLAUSIBLE), max_size=2))
    change = st.tuples(st.sampled_from(PATHS), st.one_of(
        value, st.just(KeyError)))
    return st.lists(change, min_size=1, max_size=4)


def mutate(data, changes):
    data = copy.deepcopy(data)
    for path, value in changes:
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value is KeyError:
                if isinstance(parent, dict):
                    parent.pop(path[-1], None)
                elif isinstance(parent, list) and path[-1] < len(parent):
                    del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return data


def pyx12_accepts(text):
    import io
    import logging
    import pyx12.params
    import pyx12.x12n_document
    logger = logging.getLogger("pyx12")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text),
            fd_997=io.StringIO(), fd_html=None)
    finally:
        logger.setLevel(level)


def test_mutated_claims_are_refused_or_written_valid():
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(mutations())
    def check(changes):
        data = mutate(SAMPLE, changes)
        for candidate in (data, "loaded"):
            if candidate == "loaded":
                try:
                    candidate = claim.parse(copy.deepcopy(data))
                except claim.ClaimFileError as error:
                    assert error.problems
                    continue
            try:
                text = write(candidate, rendering_providers=RENDERING)
            except x12.ClaimHasErrors as error:
                assert error.errors
                continue
            assert pyx12_accepts(text), text

    check()


def test_every_story_claim_meant_to_be_valid_passes_x12valid(tmp_path):
    # The datasets' story claims (one consistent year of billing) are
    # checked on the date each was submitted; every claim the index calls
    # valid must become an 837P that pyx12 accepts.
    story = CLAIMS / "story"
    index = json.loads((story / "index.json").read_text())["claims"]
    paths = []
    for number, entry in enumerate(index, start=1):
        data = claim.load(story / entry["file"])
        created = datetime.datetime.fromisoformat(entry["submitted"])
        if not entry["expected_valid"]:
            with pytest.raises(x12.ClaimHasErrors):
                x12.write_837p(data, sender_id=SENDER, receiver_id=RECEIVER,
                               control_number=number, created=created)
            continue
        path = tmp_path / f"{entry['claim_id']}.x12"
        path.write_text(x12.write_837p(
            data, sender_id=SENDER, receiver_id=RECEIVER,
            control_number=number, created=created), encoding="ascii")
        paths.append(path)
    assert len(paths) >= 70
    status, stderr = x12valid(paths, tmp_path)
    assert " ERROR " not in stderr and "Failure" not in stderr, stderr
    for path in paths:
        assert f"{path}: OK" in stderr.splitlines()


def test_text_the_837p_would_change_is_a_warning_naming_both(sample_claim):
    # The patient is the insured here: the 837P writes the insured's name.
    sample_claim["insured"]["name"]["last"] = "Zoë-李"
    sample_claim["patient"]["name"]["last"] = "Zoë-李"
    sample_claim["billing_provider"]["address"]["street"] = (
        "1 Very Long Avenue Name That Goes On And On Past Fifty-Five Chars")
    sample_claim["billing_provider"]["address"]["zip"] = "62701-1234"
    found = [f for f in x12.findings(sample_claim, today=CREATED.date(),
                                     rendering_providers=RENDERING)]
    assert [(f.rule, f.severity, f.item) for f in found] == [
        ("x12-text-changed", "warning", "4"),
        ("x12-text-changed", "warning", "33")]
    assert "'Zoë-李' goes into the 837P as 'Zoe-'" in found[0].message
    assert "plain letters only" in found[0].message
    assert "at most 55 characters" in found[1].message
    assert "as on the insurance card" in found[0].fix
    # A warning does not stop the file; it says what the file will hold.
    assert "NM1*IL*1*Zoe-*Dana" in write(sample_claim,
                                          rendering_providers=RENDERING)
    # A patient who is not the insured is written in loop 2010CA.
    sample_claim["patient"]["relationship"] = "child"
    sample_claim["insured"]["name"]["last"] = "Okafor"
    sample_claim["insured"]["birth_date"] = "1980-01-01"
    sample_claim["insured"]["sex"] = "F"
    found = x12.findings(sample_claim, today=CREATED.date(),
                         rendering_providers=RENDERING)
    assert [(f.rule, f.item) for f in found
            if f.rule == "x12-text-changed"] == [
        ("x12-text-changed", "2"), ("x12-text-changed", "33")]


def test_plain_text_and_extra_spaces_are_not_a_change(sample_claim):
    sample_claim["insured"]["name"]["last"] = "  O'Neil   Smith "
    sample_claim["billing_provider"]["address"]["zip"] = "62701-1234"
    assert x12.findings(sample_claim, today=CREATED.date(),
                        rendering_providers=RENDERING) == []
