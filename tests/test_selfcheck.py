from trainer_billing import selfcheck


def test_equal_answers_digest_the_same_whatever_the_order():
    a = selfcheck.digest("q2_1", {"97110": 2, "97140": 1})
    b = selfcheck.digest("q2_1", {"97140": 1, "97110": 2})
    assert a == b and len(a) == 64


def test_the_digest_depends_on_the_question_and_hides_the_value():
    d = selfcheck.digest("q1_1", "3")
    assert d != selfcheck.digest("q1_2", "3")
    assert selfcheck.check("q1_1", "3", d, quiet=True)
    assert not selfcheck.check("q1_1", 3, d, quiet=True)   # int, not text


def test_check_prints_right_or_not_yet(capsys):
    d = selfcheck.digest("q2_1", {"97110": 2})
    selfcheck.check("q2_1", {"97110": 2}, d)
    selfcheck.check("q2_1", {"97110": 3}, d)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Question 2.1: right."
    assert out[1].startswith("Question 2.1: not yet right.")
    assert "passing it does not make the answer right" in out[1]


def test_unserialisable_answers_are_not_right():
    d = selfcheck.digest("q1_1", "3")
    assert not selfcheck.check("q1_1", object(), d, quiet=True)
