"""The printed forms: each PDF is read back with pypdf and its values
found next to their CMS-1500 items."""

import copy
import datetime
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pypdf import PdfReader

from trainer_billing import claim, forms


def text_of(pdf):
    """Return the text of every page of a PDF, pages joined."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def assert_near(text, label, value, within=120):
    """Assert that ``value`` follows ``label`` within a few characters,
    as a box's value follows its item number."""
    start = text.find(label)
    assert start >= 0, f"{label!r} is not on the page"
    after = text[start + len(label):start + len(label) + within]
    assert value in after, \
        f"{value!r} does not follow {label!r}; found {after!r}"


@pytest.fixture
def trainer_claim():
    """A trainer's claim with names outside Latin-1 (all synthetic)."""
    return claim.parse({
        "coverage": "other",
        "insured": {"id": "ZN-4410", "name": {"last": "李", "first": "Wei"},
                    "plan": "Synthetic Choice HSA"},
        "patient": {"name": {"last": "Nguyễn", "first": "Zoë"},
                    "birth_date": "1990-02-03", "sex": "F",
                    "relationship": "spouse",
                    "address": {"street": "12 Rue Łódź",
                                "city": "Springfield", "state": "IL",
                                "zip": "627040001"}},
        "referring_provider": {"name": {"last": "Øberg", "first": "Ana"},
                               "npi": "1000000012", "qualifier": "DN"},
        "diagnoses": ["E66.811", "Z68.35"],
        "lines": [{"from": "2026-10-01", "to": "2026-10-01",
                   "place_of_service": "11", "code": "S9451",
                   "modifiers": [], "pointers": ["A", "B"],
                   "charge": "45.00", "units": 1}],
        "total_charge": "45.00",
        "tax_id": {"type": "EIN", "value": "00-0000002"},
        "billing_provider": {"name": "Zoë's Strength Studio — 李",
                             "npi": "1000000038", "phone": "2175550199",
                             "address": {"street": "5 Oak Lane",
                                         "city": "Springfield",
                                         "state": "IL", "zip": "62701"}},
    })


# CMS-1500 ------------------------------------------------------------

ITEMS = ("1.", "1a.", "2.", "3.", "4.", "5.", "6.", "7.", "11.", "11a.",
         "11c.", "17.", "17b.", "21.", "23.", "24A", "24B", "24C", "24D",
         "24E", "24F", "24G", "24H", "24I", "24J", "25.", "26.", "27.",
         "28.", "33.", "33a.")


def test_cms1500_labels_every_item_with_its_value(sample_claim):
    text = text_of(forms.cms1500_pdf(sample_claim))
    for item in ITEMS:
        assert item in text, item
    for letter in "ABCDEFGHIJKL":
        assert f"{letter}." in text
    assert_near(text, "1a. INSURED'S ID NUMBER", "XQZ900112233")
    assert_near(text, "2. PATIENT'S NAME", "Okafor, Dana")
    assert_near(text, "3. PATIENT'S BIRTH DATE", "04 12 1968")
    assert_near(text, "11. INSURED'S POLICY GROUP", "GRP-77120")
    assert_near(text, "11c. INSURANCE PLAN NAME", "Synthetic Mutual PPO")
    assert_near(text, "17. REFERRING", "DN Helen Marsh")
    assert_near(text, "17b. NPI", "1000000012")
    assert_near(text, "21. DIAGNOSIS", "A. M1711 B. M5450")
    assert_near(text, "25. FEDERAL TAX ID", "00-0000001")
    assert_near(text, "26. PATIENT'S ACCOUNT", "RB-2026-0001")
    assert_near(text, "28. TOTAL CHARGE", "185.00")
    assert_near(text, "33. BILLING PROVIDER", "(217) 555-0100")
    assert_near(text, "33. BILLING PROVIDER", "Riverbend Physical Therapy")
    assert_near(text, "33a. NPI", "1000000038")
    # Item 24, one line per service: A dates (MM DD YY), B, D code and
    # modifier, E pointers, F charge, G units, I qualifier, J NPI.
    assert "1 11 10 26 11 10 26 11 97110 GP AB 120.00 2 NPI 1000000020" \
        in text
    assert "2 11 10 26 11 10 26 11 97530 GP A 65.00 1 NPI 1000000020" \
        in text
    # The boxes checked: group health plan, female, self, EIN, YES.
    assert "X Group health plan" in text
    assert "X F" in text and "X Self" in text and "X EIN" in text
    assert "X YES" in text


def test_cms1500_key_gives_our_summaries_and_icd_titles(sample_claim):
    text = text_of(forms.cms1500_pdf(sample_claim))
    assert "97110: Therapeutic exercise for strength" in text
    assert "A. M1711: Unilateral primary osteoarthritis, right knee" in text


def test_cms1500_says_what_does_not_fit_on_one_form(sample_claim):
    sample_claim["lines"] = sample_claim["lines"] * 4
    sample_claim["diagnoses"] = ["M5450"] * 13
    text = text_of(forms.cms1500_pdf(sample_claim))
    assert "2 more service line(s) do not fit" in text
    assert "1 more diagnosis code(s) do not fit" in text


# Superbill -----------------------------------------------------------

def test_superbill_has_the_receipt_contents_and_balance(sample_claim):
    pdf = forms.superbill_pdf(sample_claim, provider_credentials="PT, DPT",
                              paid="50.00", license="PT-0001 (IL)")
    text = text_of(pdf)
    for label, value in (
            ("Patient:", "Dana Okafor"), ("Date of birth:", "04/12/1968"),
            ("Member ID:", "XQZ900112233"),
            ("Provider:", "Riverbend Physical Therapy (synthetic), PT, DPT"),
            ("Address:", "900 Mill Street, Springfield, IL 62701"),
            ("Phone:", "(217) 555-0100"), ("NPI:", "1000000038"),
            ("Tax ID:", "EIN 00-0000001"),
            ("License no./state:", "PT-0001 (IL)"),
            ("Total charges", "$ 185.00"), ("Amount paid", "$ 50.00"),
            ("Balance due", "$ 135.00")):
        assert_near(text, label, value, within=60)
    assert "A M17.11 Unilateral primary osteoarthritis, right knee" in text
    assert "B M54.50 Low back pain, unspecified" in text
    assert re.search(r"11/10/2026 11 97110 GP 2 Therapeutic exercise for "
                     r"strength.*AB 120\.00", text, re.S)
    assert "97530 GP 1 Therapeutic activities" in text
    assert "Provider signature: ___" in text
    assert "does not make a service" in " ".join(text.split())


def test_superbill_balance_defaults_to_the_whole_total(sample_claim):
    text = text_of(forms.superbill_pdf(sample_claim))
    assert_near(text, "Amount paid", "$ 0.00")
    assert_near(text, "Balance due", "$ 185.00")


def test_superbill_refuses_a_therapy_code_under_a_trainer(trainer_claim):
    trainer_claim["lines"][0]["code"] = "97110"
    with pytest.raises(forms.FormError, match="S9451") as caught:
        forms.superbill_pdf(trainer_claim)
    assert "Line 1" in str(caught.value)


def test_superbill_refuses_gp_on_a_trainer_code(trainer_claim):
    # GP says physical therapy plan of care: not on a trainer's S9451.
    trainer_claim["lines"][0]["modifiers"] = ["GP"]
    with pytest.raises(forms.FormError, match="GP on S9451") as caught:
        forms.superbill_pdf(trainer_claim)
    assert "Line 1" in str(caught.value)
    trainer_claim["lines"][0]["modifiers"] = []
    assert forms.superbill_pdf(trainer_claim).startswith(b"%PDF")


def test_superbill_refuses_an_amount_paid_that_is_not_money(sample_claim):
    with pytest.raises(forms.FormError, match="50.00"):
        forms.superbill_pdf(sample_claim, paid="$50")


# Letter of medical necessity -----------------------------------------

def test_lmn_names_the_diagnoses_program_and_physician(sample_claim):
    pdf = forms.lmn_pdf(
        sample_claim, program="Supervised strength training, twice a week",
        duration="12 weeks", date="11/01/2026",
        rationale="Strengthening the quadriceps reduces knee pain.")
    text = text_of(pdf)
    assert "M17.11 Unilateral primary osteoarthritis, right knee" in text
    assert "M54.50 Low back pain, unspecified" in text
    assert "Supervised strength training, twice a week" in text
    assert_near(text, "Duration:", "12 weeks")
    assert "Strengthening the quadriceps reduces knee pain." in text
    assert_near(text, "Patient:", "Dana Okafor")
    assert_near(text, "Printed name:", "Helen Marsh")
    assert_near(text, "NPI:", "1000000012")
    assert_near(text, "Physician signature:", "___")
    assert text.count("11/01/2026") == 2
    flat = " ".join(text.split())
    assert "IRS Publication 502 and Rev. Rul. 2002-19" in flat
    assert "does not guarantee" in flat


def test_lmn_leaves_blanks_where_nothing_is_known(sample_claim):
    text = text_of(forms.lmn_pdf(sample_claim, physician="Dr. A. Synthetic"))
    assert_near(text, "Date:", "___", within=5)
    assert_near(text, "Duration:", "___", within=5)
    assert_near(text, "Printed name:", "Dr. A. Synthetic")
    assert_near(text, "NPI:", "___", within=5)


# Names outside Latin-1, fonts, drafts, determinism -------------------

def test_names_outside_latin1_print(trainer_claim):
    cms = text_of(forms.cms1500_pdf(trainer_claim))
    assert_near(cms, "2. PATIENT'S NAME", "Nguyễn, Zoë")
    assert_near(cms, "5. PATIENT'S ADDRESS", "12 Rue Łódź")
    assert_near(cms, "17. REFERRING", "DN Ana Øberg")
    assert_near(cms, "28. TOTAL CHARGE", "45.00")
    assert "1 10 01 26 10 01 26 11 S9451 AB 45.00 1" in cms
    bill = text_of(forms.superbill_pdf(trainer_claim, paid="45.00"))
    assert_near(bill, "Patient:", "Zoë Nguyễn")
    assert_near(bill, "Balance due", "$ 0.00")
    assert "S9451 1 Exercise class led by a non-physician" in bill
    letter = text_of(forms.lmn_pdf(trainer_claim))
    assert "E66.811 Obesity, class 1" in letter
    assert_near(letter, "Delivered by:", "Zoë's Strength Studio")


def test_characters_the_font_lacks_become_question_marks(trainer_claim):
    if forms.font_files()[0] is None:
        pytest.skip("no DejaVu Sans here; the core-font test covers this")
    text = text_of(forms.cms1500_pdf(trainer_claim))
    # DejaVu Sans has no Chinese glyphs.
    assert_near(text, "4. INSURED'S NAME", "?, Wei")


def test_core_font_fallback_replaces_what_latin1_lacks(trainer_claim,
                                                       monkeypatch):
    monkeypatch.setattr(forms, "FONT_CANDIDATES", ())
    assert forms.font_files() == (None, None)
    text = text_of(forms.cms1500_pdf(trainer_claim))
    assert_near(text, "2. PATIENT'S NAME", "Nguyen, Zoë")
    assert_near(text, "5. PATIENT'S ADDRESS", "12 Rue Lódz")
    assert_near(text, "4. INSURED'S NAME", "?, Wei")
    assert "Zoë's Strength Studio - ?" in text
    for kind in ("superbill", "lmn"):
        assert "Nguyen" in text_of(forms._WRITERS[kind](trainer_claim))


@pytest.mark.parametrize("kind", forms.KINDS)
def test_same_claim_gives_the_same_bytes(kind, sample_claim):
    write = forms._WRITERS[kind]
    first = write(sample_claim)
    assert write(copy.deepcopy(sample_claim)) == first
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata.creation_date.date() == datetime.date(2026, 11,
                                                                 10)
    later = datetime.datetime(2027, 1, 2, tzinfo=datetime.timezone.utc)
    assert write(sample_claim, created=later) != first


@pytest.mark.parametrize("kind", forms.KINDS)
@pytest.mark.parametrize("draft", [
    {},
    claim.empty(),
    {"diagnoses": ["E66811"], "lines": [{"code": "S9451"}]},
    {"patient": {"name": {"first": "Dana"}}, "lines": [{}, {"units": 2.5}],
     "total_charge": "abc"},
], ids=["nothing", "empty", "one-line", "gaps"])
def test_a_partial_draft_still_renders(kind, draft):
    text = text_of(forms._WRITERS[kind](claim.parse(draft)))
    label = {"cms1500": "33a. NPI", "superbill": "Balance due",
             "lmn": "Physician signature:"}[kind]
    assert label in text


def test_draft_cms1500_leaves_boxes_empty():
    text = text_of(forms.cms1500_pdf({}))
    for item in ITEMS:
        assert item in text, item
    assert text.split("Rendering NPI")[1].split("25.")[0].strip() == ""
    # claim.empty() has one blank line: its number and its 1 unit show.
    text = text_of(forms.cms1500_pdf(claim.empty()))
    assert text.split("Rendering NPI")[1].split("25.")[0].strip() == "1 1"


def test_write_saves_each_kind_and_rejects_unknown_ones(sample_claim,
                                                        tmp_path):
    for kind in forms.KINDS:
        path = tmp_path / f"{kind}.pdf"
        size = forms.write(kind, sample_claim, path)
        assert path.read_bytes()[:5] == b"%PDF-"
        assert path.stat().st_size == size
    text = text_of((tmp_path / "superbill.pdf").read_bytes())
    assert "Balance due" in text
    forms.write("superbill", sample_claim, tmp_path / "s.pdf", paid="5.00")
    assert_near(text_of((tmp_path / "s.pdf").read_bytes()), "Balance due",
                "$ 180.00")
    with pytest.raises(forms.FormError, match="cms1500, superbill, lmn"):
        forms.write("ub04", sample_claim, tmp_path / "x.pdf")
    with pytest.raises(forms.FormError, match="option"):
        forms.write("cms1500", sample_claim, tmp_path / "x.pdf", paid="1.00")
    assert not (tmp_path / "x.pdf").exists()


# Bad input (issue 3, item 5): random and mutated claims --------------

TEXT = st.one_of(
    st.text(max_size=40),
    st.text(max_size=400),
    st.sampled_from(["", "97110", "S9451", "M5450", "E66.811", "Z6835",
                     "2026-11-10", "0001-01-01", "9999-12-31", "60.00",
                     "1000000038", "self", "EIN", "group_health_plan", "GP",
                     "A", "李", "Zoë Nguyễn", "\x00\n\t", "225100000X",
                     "174H00000X"]))


def _from_schema(node):
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of([_from_schema({**node, "type": k}) for k in kind])
    if kind == "null":
        return st.none()
    if kind == "object":
        return st.fixed_dictionaries({}, optional={
            key: _from_schema(value)
            for key, value in node.get("properties", {}).items()})
    if kind == "array":
        return st.lists(_from_schema(node["items"]), max_size=8)
    if kind == "number":
        return st.one_of(st.integers(-10**12, 10**12), st.floats())
    if kind == "integer":
        return st.integers(-10**12, 10**12)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return TEXT
    return JSON


JSON = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                    lambda inner: st.lists(inner, max_size=3) |
                    st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)
CLAIMS = _from_schema(claim.schema())


def _render_all(data):
    for kind in forms.KINDS:
        try:
            pdf = forms._WRITERS[kind](data)
        except forms.FormError as error:
            assert kind == "superbill" and str(error)
            continue
        assert pdf[:5] == b"%PDF-"


# Each example renders three PDFs, so few examples and no example database
# (which would write .hypothesis/ into the work tree).
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(CLAIMS)
def test_random_claims_render_or_are_refused_in_words(data):
    try:
        loaded = claim.parse(data)
    except claim.ClaimFileError as error:
        # Only a schema keyword the strategy does not model gets here.
        assert error.problems
        return
    _render_all(loaded)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_sample_claims_render_or_fail_to_load(data):
    from conftest import CLAIMS as FOLDER
    sample = claim.load(FOLDER / "valid_sample.json")
    node, key = sample, None
    while True:
        keys = list(node) if isinstance(node, dict) else \
            list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or data.draw(
                st.booleans()):
            break
        node = node[key]
    if key is not None and node:
        node[key] = data.draw(JSON)
    try:
        loaded = claim.parse(sample)
    except claim.ClaimFileError as error:
        assert error.problems
        return
    _render_all(loaded)
