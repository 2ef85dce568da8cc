"""Self-checks in the released exercises: right for the solution, no answer.

A released notebook has a self-check cell after each autograded answer's
test cell. It calls ``self_check(question, answers, digest)``, defined in
the notebook's locked helper cell (the exercises import only the standard
library, so the helper repeats :func:`trainer_billing.selfcheck.digest`).
Here:

- every digest in the release is ``selfcheck.digest`` of what the
  solution's functions return for that cell's inputs;
- neither those values nor their JSON form appear in the release;
- the helper cell digests exactly as the library does;
- run with nbclient, the solution prints "right" for every question, the
  untouched release "not answered yet", and the AMA-style wrong answer
  "not yet right" for Question 2.1 only.
"""

import json
from pathlib import Path

import nbformat
import pytest

from trainer_billing import selfcheck

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "npi_and_units"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
QUESTIONS = ("q1_1", "q1_2", "q2_1", "q2_2")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def cells_by_id(nb):
    return {grade_id(cell): cell for cell in nb.cells if grade_id(cell)}


def solution_namespace():
    """Return the names the solution's answer cells define."""
    namespace = {}
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("solution") \
                and cell.cell_type == "code":
            exec(cell.source, namespace)
    return namespace


def recorded_checks(nb, namespace):
    """Run each self-check cell of nb with a recorder in place of
    self_check; return {question: (value, digest in the cell)}."""
    found = {}

    def recorder(question, answers, expected_digest):
        assert question not in found, f"two self-checks for {question}"
        found[question] = (answers(), expected_digest)

    for gid, cell in cells_by_id(nb).items():
        if gid.endswith("_selfcheck"):
            exec(cell.source, {**namespace, "self_check": recorder})
            assert found and gid == f"{list(found)[-1]}_selfcheck", gid
    return found


def test_each_graded_answer_has_a_locked_self_check_after_its_test():
    release = nbformat.read(RELEASE, as_version=4)
    ids = [grade_id(cell) for cell in release.cells]
    graded = [gid[:-5] for gid, cell in cells_by_id(release).items()
              if cell.metadata.nbgrader.get("grade")
              and cell.cell_type == "code"]
    assert graded == list(QUESTIONS)
    assert ids.index("selfcheck_setup") < ids.index("q1_1_answer")
    for question in QUESTIONS:
        position = ids.index(f"{question}_test")
        assert ids[position + 1] == f"{question}_selfcheck"
    for gid, cell in cells_by_id(release).items():
        if gid.startswith("selfcheck") or gid.endswith("_selfcheck"):
            meta = cell.metadata.nbgrader
            assert meta["locked"] and not meta["grade"], gid
            assert not meta["solution"] and not meta.get("task"), gid
            assert cell.metadata["editable"] is False, gid
            assert cell.id == gid.replace("_", "-"), gid


def test_release_digests_are_the_solutions_answers():
    release = nbformat.read(RELEASE, as_version=4)
    checks = recorded_checks(release, solution_namespace())
    assert sorted(checks) == sorted(QUESTIONS)
    for question, (value, expected) in checks.items():
        assert selfcheck.digest(question, value) == expected, question


def test_release_holds_the_digests_but_not_the_answers():
    text = RELEASE.read_text(encoding="utf-8")
    release = nbformat.read(RELEASE, as_version=4)
    sources = "\n".join(cell.source for cell in release.cells)
    checks = recorded_checks(release, solution_namespace())
    for question, (value, expected) in checks.items():
        assert expected in sources
        forms = {repr(value), str(value), json.dumps(value),
                 json.dumps(value, sort_keys=True, separators=(",", ":"))}
        for form in forms:
            assert form not in text and form not in sources, (question,
                                                              form)
        # The self-check is not the same check as a visible test: its
        # inputs are those of the hidden tests, so it says something new.
        assert len(value) >= 5, question


def test_helper_cell_says_right_only_for_the_library_digest(capsys):
    release = nbformat.read(RELEASE, as_version=4)
    namespace = {}
    exec(cells_by_id(release)["selfcheck_setup"].source, namespace)
    check = namespace["self_check"]
    value = [{"97140": 1, "97110": 2}, [0, 1], True, "é"]
    check("q2_1", lambda: value, selfcheck.digest("q2_1", value))
    check("q2_1", lambda: value, selfcheck.digest("q2_2", value))

    def not_done():
        raise NotImplementedError

    check("q1_1", not_done, selfcheck.digest("q1_1", "3"))
    check("q1_2", lambda: int("x"), selfcheck.digest("q1_2", True))
    said = capsys.readouterr().out.splitlines()
    assert said[0] == "Question 2.1: right."
    assert said[1].startswith("Question 2.1: not yet right.")
    assert said[2] == "Question 1.1: not answered yet."
    assert said[3].startswith("Question 1.2: not yet right. Your code "
                              "raised ValueError")


# --- the notebooks run by a kernel -------------------------------------------

def run(nb, tmp_path):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=60, kernel_name="python3",
                   allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    said = {}
    for gid, cell in cells_by_id(nb).items():
        if gid.endswith("_selfcheck"):
            assert all(out.output_type == "stream" for out in cell.outputs), \
                (gid, cell.outputs)
            said[gid[:-len("_selfcheck")]] = "".join(
                out.text for out in cell.outputs).strip()
    return said


def with_solutions_except_cms(nb):
    """The release answered as the solutions are, but 2.1 the AMA way."""
    source = cells_by_id(nbformat.read(SOURCE, as_version=4))
    for gid, cell in cells_by_id(nb).items():
        if cell.metadata.nbgrader.get("solution"):
            cell.source = source[gid].source
    cells_by_id(nb)["q2_1_answer"].source = '''\
def cms_units(minutes):
    return {code: (m + 7) // 15 for code, m in minutes.items()}
'''
    return nb


@pytest.mark.slow
def test_solution_self_checks_say_right(tmp_path):
    said = run(nbformat.read(SOURCE, as_version=4), tmp_path)
    assert said == {q: f"Question {q[1]}.{q[3]}: right." for q in QUESTIONS}


@pytest.mark.slow
def test_untouched_release_self_checks_say_not_answered(tmp_path):
    said = run(nbformat.read(RELEASE, as_version=4), tmp_path)
    assert said == {q: f"Question {q[1]}.{q[3]}: not answered yet."
                    for q in QUESTIONS}


@pytest.mark.slow
def test_ama_rounding_is_not_yet_right_for_2_1_only(tmp_path):
    nb = with_solutions_except_cms(nbformat.read(RELEASE, as_version=4))
    said = run(nb, tmp_path)
    assert said.pop("q2_1").startswith("Question 2.1: not yet right.")
    assert said == {q: f"Question {q[1]}.{q[3]}: right."
                    for q in QUESTIONS if q != "q2_1"}
