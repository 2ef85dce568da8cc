"""The 271 reader and writer on the project's own samples
(datasets/x12, written by datasets/x12/make_samples.py): the benefits
table, one malformed file per fault, and random input. pyx12 4.0.0 has
no 5010 271 map, so only our own checks apply here.

Every person, clinic and payer in the samples is synthetic.
"""

import pathlib
from decimal import Decimal

import pytest

from trainer_billing import x271
from trainer_billing.x12read import X12Error, pyx12_problems

X12 = pathlib.Path(__file__).resolve().parents[1] / "datasets" / "x12"
VALID = sorted(p for p in X12.glob("271_*.271") if "_bad_" not in p.name)


def read(name):
    return x271.read_271((X12 / f"{name}.271").read_text())


def row(benefits, service_type, in_network):
    [found] = [r for r in benefits.summary()
               if (r["service_type"], r["in_network"]) ==
               (service_type, in_network)]
    return found


def test_active_commercial_benefits_table():
    benefits = read("271_active_commercial")
    assert benefits.active is True and benefits.status == "active coverage"
    assert benefits.subscriber["member_id"] == "NR100200301"
    assert (benefits.subscriber["last"], benefits.subscriber["first"]) == (
        "QUILL", "MARA")
    assert {k: str(v) for k, v in benefits.plan_dates.items()} == {
        "plan begin": "2026-01-01", "plan end": "2026-12-31"}
    pt = row(benefits, "PT", True)
    assert pt["copay"] == Decimal("25.00")
    assert pt["coinsurance_percent"] == Decimal("20")
    assert (pt["visit_limit"], pt["visits_remaining"]) == (
        Decimal("20"), Decimal("12"))
    assert pt["authorization_required"] is True
    plan = row(benefits, "30", True)
    assert plan["deductible"] == Decimal("500.00")
    assert plan["deductible_remaining"] == Decimal("175.50")
    assert plan["out_of_pocket"] == Decimal("3000.00")
    note = [b for b in benefits.benefits if b.messages]
    assert note[0].messages == ["AUTHORIZATION REQUIRED AFTER 12 VISITS"]


def test_inactive():
    benefits = read("271_inactive")
    assert benefits.active is False and benefits.status == "inactive"


def test_medicare_advantage_fitness_benefit():
    benefits = read("271_medicare_advantage_fitness")
    assert benefits.active is True
    [fitness] = [b for b in benefits.benefits if b.code == "D"]
    assert fitness.label == "benefit description"
    assert fitness.plan == "SUPPLEMENTAL FITNESS BENEFIT"
    assert "NOT A THERAPY BENEFIT" in fitness.messages


def test_to_rows_for_pandas():
    import pandas
    frame = pandas.DataFrame(read("271_active_commercial").to_rows())
    copay = frame[frame["code"] == "B"].iloc[0]
    assert (copay["service"], copay["benefit"], copay["period"]) == (
        "physical therapy", "copay", "visit")
    assert copay["amount"] == Decimal("25.00")


def test_pyx12_has_no_5010_271_map():
    [problem] = pyx12_problems((X12 / "271_inactive.271").read_text())
    assert "Map not found" in problem and "005010X279A1" in problem


MALFORMED = {
    "271_bad_control_numbers": (
        "segment 25 (SE)", "0001 in ST02 but 0003 in SE02"),
    "271_bad_invalid_date": (
        "segment 14 (DTP)", "'20260231', which is not a calendar date"),
    "271_bad_shifted_element": (
        "segment 16 (EB)", "EB06 (time period)", "'25.00'",
        "fits EB07 (amount)", "shifted"),
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
    assert {p.stem for p in X12.glob("271_bad_*.271")} == set(MALFORMED)


def test_component_separator_in_eb13():
    text = (X12 / "271_active_commercial.271").read_text().replace(
        "EB*1**PT********Y*Y~", "EB*1**PT********Y*Y*HC>97110~")
    with pytest.raises(X12Error, match=r"^segment 23 \(EB\): EB13 "
                       r"'HC>97110' separates its components with '>'"):
        x271.read_271(text)


def test_truncated_isa():
    text = (X12 / "271_inactive.271").read_text()[:105]
    with pytest.raises(X12Error, match=r"^segment 1 \(ISA\): the ISA is "
                       "truncated: it has 105 of its 106"):
        x271.read_271(text)


def test_random_bytes_and_mutations_give_a_result_or_x12error():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    base = [p.read_text() for p in VALID]
    pieces = st.sampled_from(list("*:^~\n0123456789.-ABDEPT >|") +
                             ["EB*", "DTP*", "HL*", "NM1*", "RD8"])

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

    @settings(max_examples=800, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(data)
    def check(value):
        try:
            benefits = x271.read_271(value)
        except X12Error as error:
            assert str(error)
            return
        benefits.to_rows()
        benefits.summary()

    check()
