"""NPI (National Provider Identifier, US).

An NPI is the 10-digit number every HIPAA covered health care provider
uses on claims (CMS-1500 items 17b, 24J and 33a). It carries no meaning:
the first digit is 1 or 2 and the last is a Luhn check digit computed as
if the card-issuer prefix 80840 (80 = health, 840 = USA) stood in front.

Sources: CMS, "Requirements for NPI and NPI check digit" (the worked
example 123456789 -> check digit 3), via FACTS.md section 1.1 claim 7.

An NPI does not make anyone eligible to bill for anything; it only
identifies the provider.

>>> validate('1234567893')
'1234567893'
>>> validate('1234567890')
Traceback (most recent call last):
    ...
trainer_billing.npi.InvalidNPI: check digit: 1234567890 does not end in the check digit 3
>>> format('1234567893')
'123 456 7893'
"""

from stdnum import luhn

#: Prefix the check digit is computed with (health industry, USA).
CHECK_PREFIX = "80840"


class InvalidNPI(ValueError):
    """An NPI that cannot be right; ``reason`` says which test it failed.

    The reasons are ``"length"``, ``"digits"``, ``"first digit"`` and
    ``"check digit"``.
    """

    def __init__(self, reason, message):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def compact(number):
    """Return the NPI with spaces and dashes removed."""
    return "".join(str(number).split()).replace("-", "")


def check_digit(first_nine):
    """Return the check digit for the first nine digits of an NPI.

    >>> check_digit('123456789')
    '3'
    """
    return luhn.calc_check_digit(CHECK_PREFIX + first_nine)


def validate(number):
    """Return the compact NPI, or raise InvalidNPI saying what is wrong."""
    number = compact(number)
    if not number.isdigit() or not number.isascii():
        raise InvalidNPI(
            "digits", f"{number!r} has characters other than digits")
    if len(number) != 10:
        raise InvalidNPI(
            "length", f"{number} has {len(number)} digits; an NPI has 10")
    if number[0] not in "12":
        raise InvalidNPI(
            "first digit",
            f"{number} starts with {number[0]}; an NPI starts with 1 or 2")
    expected = check_digit(number[:9])
    if number[9] != expected:
        raise InvalidNPI(
            "check digit",
            f"{number} does not end in the check digit {expected}")
    return number


def is_valid(number):
    """Return True if the NPI passes every test, else False."""
    try:
        validate(number)
    except InvalidNPI:
        return False
    return True


def format(number):
    """Return the NPI grouped 3-3-4 for reading aloud over the phone."""
    number = compact(number)
    return f"{number[:3]} {number[3:6]} {number[6:]}"
