import pytest

from trainer_billing import codes


@pytest.mark.parametrize("typed", ["M54.50", "M5450", " m54.50 "])
def test_diagnosis_accepts_common_spellings(typed):
    found = codes.diagnosis(typed)
    assert found.code == "M5450"
    assert found.dotted == "M54.50"
    assert found.billable
    assert found.title == "Low back pain, unspecified"


def test_m54_5_needs_a_fifth_character():
    found = codes.diagnosis("M54.5")
    assert not found.billable
    assert codes.billable_below("M54.5") == ["M54.50", "M54.51", "M54.59"]


@pytest.mark.parametrize("code, title", [
    ("Z71.82", "Exercise counseling"),
    ("Z71.3", "Dietary counseling and surveillance"),
    ("E66.811", "Obesity, class 1"),
    ("R73.03", "Prediabetes"),
])
def test_titles(code, title):
    assert codes.diagnosis(code).title == title


def test_g20_is_a_category_since_fy2024():
    assert not codes.diagnosis("G20").billable
    assert "G20.A1" in codes.billable_below("G20")


@pytest.mark.parametrize("code", ["250.00", "M99.999", "", "Z", "ZZZZZZZZ",
                                  "M54.5;DROP"])
def test_not_icd10cm(code):
    assert codes.diagnosis(code) is None


def test_procedure_table():
    therapy = codes.procedure("97110")
    assert therapy.timed and therapy.system == "CPT"
    assert codes.may_bill("97110", "physical_therapist")
    assert codes.may_bill("97110", "physician")
    assert not codes.may_bill("97110", "exercise_physiologist")
    assert codes.procedure("97150").timed is False
    assert codes.may_bill("S9451", "exercise_physiologist")
    assert codes.procedure("s9451").code == "S9451"
    assert codes.procedure("12345") is None


def test_summaries_are_short_and_our_own():
    # CPT descriptors are AMA copyright: one line of our own words each.
    for entry in codes.procedures().values():
        assert 10 < len(entry.summary) < 110, entry.code


def test_taxonomies():
    assert codes.taxonomy("225100000X").provider_class == \
        "physical_therapist"
    assert codes.taxonomy("225X00000X").provider_class == \
        "occupational_therapist"
    assert codes.taxonomy("207Q00000X").provider_class == "physician"
    # 224Z00000X is an occupational therapy assistant, not an exercise
    # physiologist (224Y00000X)
    assert codes.taxonomy("224Z00000X") is None
    assert codes.taxonomy("2255A2300X").provider_class == "athletic_trainer"
    assert codes.taxonomy("short") is None
