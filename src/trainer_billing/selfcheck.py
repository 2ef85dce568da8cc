"""Self-checks for learners: right or not yet, without showing the answer.

A released exercise stores, for a graded answer, only a salted SHA-256
digest of the expected value. ``check`` digests the learner's value the
same way and says whether they match. The answer itself never appears in
the notebook. (A short answer such as one digit can still be found by
trying every value; the self-check is a study aid, not a lock. Grading
uses nbgrader's hidden tests.)

>>> d = digest("q1_1", "3")
>>> check("q1_1", "3", d, quiet=True)
True
>>> check("q1_1", "4", d, quiet=True)
False
"""

import hashlib
import json


def _canonical(value):
    """Return a value as canonical JSON text (sorted keys, no spaces), so
    that equal answers digest the same whatever their order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, default=str)


def digest(question, value):
    """Return the salted digest of ``value`` as the answer to
    ``question`` (an id such as ``"q2_1"``)."""
    text = f"trainer-billing:{question}:{_canonical(value)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check(question, value, expected_digest, *, quiet=False):
    """Return True if ``value`` is the expected answer; unless ``quiet``,
    print "right" or "not yet right" for the learner."""
    try:
        right = digest(question, value) == expected_digest
    except (TypeError, ValueError):
        right = False
    if not quiet:
        label = question.replace("_", ".").lstrip("q")
        print(f"Question {label}: " + (
            "right." if right else
            "not yet right. Read the task again: the test cell above "
            "checks only part of the answer, so passing it does not make "
            "the answer right."))
    return right
