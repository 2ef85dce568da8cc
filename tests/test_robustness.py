"""Random and mutated claims: the loader and the checker answer with a
load error or findings, never an exception of another kind."""

import copy
import datetime
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import CLAIMS
from trainer_billing import claim, scrub

SAMPLE = json.loads((CLAIMS / "valid_sample.json").read_text())
TODAY = datetime.date(2026, 12, 3)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() |
    st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def paths(value, prefix=()):
    """Yield the path of every part of a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


ALL_PATHS = [p for p in paths(SAMPLE) if p]


@st.composite
def mutated_claims(draw):
    """The valid sample with a few parts replaced by random JSON or
    removed."""
    data = copy.deepcopy(SAMPLE)
    for path in draw(st.lists(st.sampled_from(ALL_PATHS), min_size=1,
                              max_size=4)):
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()):
                parent[path[-1]] = draw(json_values)
            else:
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
    return data


def loads_or_says_why(data):
    try:
        return claim.parse(data)
    except claim.ClaimFileError as error:
        assert error.problems and all(p.message for p in error.problems)
        return None


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, mutated_claims()))
def test_loader_and_checker_never_raise(data):
    loaded = loads_or_says_why(data)
    findings = scrub.check(data, today=TODAY)
    assert all(isinstance(f, scrub.Finding) for f in findings)
    assert all(f.severity in ("error", "warning") for f in findings)
    assert all(f.rule in scrub.RULES for f in findings)
    if loaded is not None:
        assert all(isinstance(f, scrub.Finding)
                   for f in scrub.check(loaded, today=TODAY))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_says_why(text):
    try:
        claim.loads(text)
    except claim.ClaimFileError as error:
        assert str(error)


CODES = st.sampled_from(["97110", "97530", "97150", "S9451", "99213",
                         "G0424"])
line_values = {key: json_values for key in claim.empty_line()}
line_values["code"] = CODES | json_values
line_values["minutes"] = st.integers(-5, 90) | json_values
line_values["modifiers"] = st.lists(st.sampled_from(
    ["GP", "KX", "GA", "59", "XS", "CQ", "ZZ", ""]), max_size=5) | \
    json_values


@settings(max_examples=400, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional=line_values),
                min_size=1, max_size=7))
def test_lines_of_any_values_give_findings(lines):
    data = dict(copy.deepcopy(SAMPLE), lines=lines)
    for coverage in ("medicare", "group_health_plan"):
        data["coverage"] = coverage
        findings = scrub.check(data, today=TODAY)
        assert all(isinstance(f, scrub.Finding) for f in findings)
