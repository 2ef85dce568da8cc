"""The 835 reader and writer on the project's own samples
(datasets/x12, written by datasets/x12/make_samples.py): the issue's
values, balancing findings, one malformed file per fault, pyx12's
x12valid on every valid sample, and random input.

Every person, clinic and payer in the samples is synthetic.
"""

import json
import pathlib
import subprocess
import sys
from decimal import Decimal

import pytest

from trainer_billing import x835
from trainer_billing.x12read import X12Error

X12 = pathlib.Path(__file__).resolve().parents[1] / "datasets" / "x12"
X12VALID = pathlib.Path(sys.executable).with_name("x12valid")
VALID = sorted(p for p in X12.glob("835_*.835") if "_bad_" not in p.name)


def read(name, **options):
    return x835.read_835((X12 / f"{name}.835").read_text(), **options)


def test_samples_are_what_the_generator_writes(tmp_path, monkeypatch):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "make_samples", X12 / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    for name in module.main():
        assert (tmp_path / name).read_text() == (X12 / name).read_text(), \
            name


def test_claim_800_balances_and_patient_owes_300():
    remittance = read("835_balanced_patient_owes", validate=True)
    [claim] = remittance.claims
    assert (claim.billed, claim.paid) == (Decimal("800.00"),
                                          Decimal("450.00"))
    assert claim.patient_responsibility == Decimal("300.00")
    assert claim.payer_claim_number == "NRPCN0000001"
    assert [(a.group, a.reason, a.amount) for a in claim.adjustments] == [
        ("CO", "A2", Decimal("50.00"))]
    [line] = claim.lines
    assert (line.procedure, line.modifiers) == ("97110", ["GP"])
    assert (line.billed, line.paid, line.units) == (
        Decimal("800.00"), Decimal("500.00"), Decimal("4"))
    assert str(line.service_date) == "2026-11-09"
    assert [(a.group, a.reason, a.amount) for a in line.adjustments] == [
        ("PR", "1", Decimal("300.00"))]
    assert claim.patient_owes == remittance.patient_owes == Decimal("300.00")
    assert remittance.payment == Decimal("450.00")
    assert remittance.balanced and remittance.findings == []
    assert line.adjustments[0].label == (
        "PR-1: patient responsibility, deductible")


def test_negative_adjustment_stays_negative():
    [claim] = read("835_negative_adjustment").claims
    amounts = [(a.group, a.reason, a.amount) for a in claim.all_adjustments]
    assert amounts == [("OA", "23", Decimal("516.00")),
                       ("OA", "94", Decimal("-9.00"))]
    assert claim.billed - claim.paid == Decimal("507.00")
    assert read("835_negative_adjustment").balanced


def test_denial_of_a_trainer_billing_97110():
    remittance = read("835_denial_trainer_97110")
    [claim] = remittance.claims
    assert claim.status == "4" and claim.status_label == "denied"
    [line] = claim.lines
    assert line.procedure == "97110" and line.paid == 0
    [adjustment] = line.adjustments
    assert (adjustment.group, adjustment.reason) == ("CO", "170")
    assert "not paid when billed by this type of provider" in \
        adjustment.label
    assert line.remarks == ["N95"]
    assert claim.patient_owes == 0 and remittance.payment == 0
    assert remittance.balanced


def test_provider_adjustment_reduces_the_payment():
    remittance = read("835_provider_adjustment")
    [plb] = remittance.provider_adjustments
    assert (plb.reason, plb.reference, plb.amount) == (
        "WO", "NROVERPAY01", Decimal("25.00"))
    assert remittance.payment == Decimal("425.00")
    assert remittance.balanced


def test_unbalanced_payment_is_a_finding_not_an_exception():
    remittance = read("835_unbalanced_payment")
    assert not remittance.balanced
    [finding] = remittance.findings
    assert finding.rule == "payment-balance"
    assert "440.00" in finding.message and "450.00" in finding.message


def test_claim_and_line_imbalance_are_findings():
    text = (X12 / "835_balanced_patient_owes.835").read_text().replace(
        "CAS*PR*1*300.00", "CAS*PR*1*290.00")
    remittance = x835.read_835(text)
    rules = sorted(f.rule for f in remittance.findings)
    assert rules == ["claim-balance", "line-balance",
                     "patient-responsibility"]
    assert remittance.patient_owes == Decimal("290.00")


def test_six_triplets_in_one_cas():
    text = (X12 / "835_balanced_patient_owes.835").read_text().replace(
        "CAS*PR*1*300.00~",
        "CAS*PR*1*50.00**2*50.00**3*50.00*1*1*50.00**2*50.00**3*50.00~")
    [claim] = x835.read_835(text).claims
    assert [a.reason for a in claim.lines[0].adjustments] == [
        "1", "2", "3", "1", "2", "3"]
    assert claim.lines[0].adjustments[2].quantity == Decimal("1")
    assert claim.patient_owes == Decimal("300.00")


def test_to_rows_for_pandas():
    import pandas
    frame = pandas.DataFrame(read("835_balanced_patient_owes").to_rows())
    assert list(frame["level"]) == ["claim", "line"]
    assert list(frame["amount"]) == [Decimal("50.00"), Decimal("300.00")]


MALFORMED = {
    "835_bad_component_separator": (
        "segment 16 (SVC)", "separates its components with '>', but "
        "ISA16 declares ':'"),
    "835_bad_shifted_element": (
        "segment 4 (BPR)", "BPR16 (check or EFT date) is missing and "
        "BPR15 holds '20261204'", "shifted"),
    "835_bad_missing_separator_clp": (
        "segment 13 (CLP)", "CLP02 (claim status)", "'800.00'",
        "fits CLP03 (billed)", "shifted"),
    "835_bad_invalid_date": (
        "segment 17 (DTM)", "'20261309', which is not a calendar date"),
    "835_bad_control_numbers": (
        "segment 19 (SE)", "0001 in ST02 but 0002 in SE02"),
    "835_bad_segment_count": (
        "segment 19 (SE)", "SE01 says the transaction has 18 segments, "
        "but it has 17"),
    "835_bad_truncated_isa": (
        "segment 1 (ISA)", "truncated", "60 of its 106"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_names_segment_and_problem(name):
    with pytest.raises(X12Error) as caught:
        read(name)
    message = str(caught.value)
    assert message.startswith(MALFORMED[name][0] + ": "), message
    for part in MALFORMED[name][1:]:
        assert part in message, message


def test_every_malformed_file_has_a_test():
    assert {p.stem for p in X12.glob("835_bad_*.835")} == set(MALFORMED)


def test_pyx12_findings_are_in_our_words():
    text = (X12 / "835_balanced_patient_owes.835").read_text().replace(
        "PER*BL*EDI SUPPORT*TE*5555550100~\n", "").replace(
            "SE*17*", "SE*16*")
    remittance = x835.read_835(text, validate=True)
    [finding] = [f for f in remittance.findings if f.rule == "pyx12"]
    assert finding.message.startswith("segment ") and "(PER)" in \
        finding.message and "missing" in finding.message


# pyx12's x12valid ------------------------------------------------------

def test_x12valid_passes_every_valid_sample(tmp_path):
    # x12valid writes <file>.997 and <file>.json beside its input, so it
    # runs on copies. Its exit status is 1 whether or not it finds
    # errors (pyx12 4.0.0's main() returns True and the entry point
    # passes it to sys.exit). The signals for "no errors" are the
    # verdict line "<file>: OK", no "ERROR Line:" in its log, and a JSON
    # report with ack_code "A" and no errors. Its 999 stops after AK1
    # for an 835: the 999 writer needs ST03, which pyx12's own 835 map
    # marks "not used" (it logs "Failed to create 999 response").
    assert len(VALID) >= 5
    paths = []
    for path in VALID:
        copy = tmp_path / path.name
        copy.write_text(path.read_text())
        paths.append(copy)
    result = subprocess.run(
        [str(X12VALID), "--json-output", *map(str, paths)], cwd=tmp_path,
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "ERROR Line:" not in result.stderr, result.stderr
    for path in paths:
        assert f"{path}: OK" in result.stderr.splitlines(), result.stderr
        report = json.loads(path.with_name(path.name + ".json").read_text())
        [transaction] = report["interchanges"][0]["groups"][0][
            "transactions"]
        assert transaction["ack_code"] == "A" and not transaction["errors"]
        assert transaction["segments"] == []


def test_x12valid_fails_a_malformed_sample(tmp_path):
    copy = tmp_path / "bad.835"
    copy.write_text((X12 / "835_bad_segment_count.835").read_text())
    result = subprocess.run([str(X12VALID), str(copy)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert f"{copy}: Failure" in result.stderr.splitlines()
    assert result.returncode == 1


# Random input ----------------------------------------------------------

def test_random_bytes_and_mutations_give_a_result_or_x12error():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    base = [p.read_text() for p in VALID]
    pieces = st.sampled_from(list("*:^~\n0123456789.-ABCLPSV >|") +
                             ["CAS*", "SVC*", "CLP*", "PLB*", "ISA"])

    def mutate(draw_data):
        text, edits = draw_data
        for position, length, insert in edits:
            position %= len(text) + 1
            text = text[:position] + insert + text[position + length:]
        return text

    edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 4),
                               st.lists(pieces, max_size=3).map("".join)),
                     min_size=1, max_size=4)
    data = st.one_of(st.binary(max_size=400),
                     st.tuples(st.sampled_from(base), edits).map(mutate))

    @settings(max_examples=600, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data, st.booleans())
    def check(value, validate):
        try:
            remittance = x835.read_835(value, validate=validate)
        except X12Error as error:
            assert str(error)
            return
        for finding in remittance.findings:
            assert finding.message
        remittance.to_rows()

    check()
