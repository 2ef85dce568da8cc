import pytest

from trainer_billing import npi


@pytest.mark.parametrize("number", ["1234567893", "2234567891",
                                    "1558598797", "123 456 7893",
                                    "123-456-7893"])
def test_valid_npis(number):
    assert npi.is_valid(number)
    assert npi.validate(number) == number.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("number, reason", [
    ("1234567890", "check digit"),
    ("3234567899", "first digit"),
    ("123456789", "length"),
    ("12345678931", "length"),
    ("12345678a3", "digits"),
    ("", "digits"),
    ("١٢٣٤٥٦٧٨٩٣", "digits"),   # Arabic-Indic digits are not ASCII
])
def test_invalid_npis_say_why(number, reason):
    assert not npi.is_valid(number)
    with pytest.raises(npi.InvalidNPI) as caught:
        npi.validate(number)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_check_digit_is_cms_worked_example():
    # CMS: 9-digit base 123456789 gives check digit 3.
    assert npi.check_digit("123456789") == "3"


def test_every_wrong_last_digit_is_caught():
    wrong = [f"123456789{d}" for d in "0123456789" if d != "3"]
    assert not any(npi.is_valid(n) for n in wrong)


def test_format_groups_for_reading():
    assert npi.format("1234567893") == "123 456 7893"
