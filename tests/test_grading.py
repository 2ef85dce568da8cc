"""nbgrader round trips for the graded exercises (solutions/ -> exercises/).

The slow tests build one throw-away course (a copy of nbgrader_config.py
and solutions/ in a temporary folder, with its own gradebook.db), release
every assignment there, hand in three students' notebooks and autograde
them in a single `nbgrader autograde` call:

- ``solution``: the instructor's version, which must score full marks;
- ``untouched``: the committed release as a student receives it, which
  must score 0;
- ``ama_mistake``: right answers except that `cms_units` rounds each code
  on its own (the AMA rule), which must lose exactly Question 2.1.

Under pytest-xdist the workers share that course: the first to get the
lock builds it and writes the scores to a JSON file; the others read it.
"""

import ast
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import (DELIMITERS, nbgrader, nbgrader_cells, secrets,
                            shared, without_delimiters)

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "trainer-billing"  # as in nbgrader_config.py
ASSIGNMENT = "npi_and_units"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
STUDENTS = ("solution", "untouched", "ama_mistake", "spy")

# Right answers, and code that prints what it should never show: the
# cell that calls it (with the hidden tests nbgrader put back) and every
# instructor's notebook it can reach.
SPY = """
_right = npi_check_digit


def npi_check_digit(first_nine):
    import pathlib
    print(get_ipython().user_ns["_ih"][-1])
    for path in sorted(pathlib.Path("../../..").glob("solutions/*/*.ipynb")):
        print(path.read_text())
    return _right(first_nine)
"""

# Points per grade cell of npi_and_units, as its questions state them.
POINTS = {"q1_1_test": 3, "q1_2_test": 3, "q2_1_test": 4, "q2_2_test": 2}
MANUAL = {"q3_1_task": 4}


# The "typical wrong answer": each code rounded on its own, no pooling.
AMA_STYLE_CMS_UNITS = '''\
def cms_units(minutes: dict[str, int]) -> dict[str, int]:
    """Return billable units per code for one day, by the CMS 8-minute rule."""
    return {code: (m + 7) // 15 for code, m in minutes.items()}
'''


def assignments():
    return sorted(p.name for p in (ROOT / "solutions").iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def question_number(grade_id):
    """Return "2.1" for grade ids such as "q2_1_test" or "q2_1_task"."""
    major, minor = grade_id.split("_")[:2]
    return f"{major[1:]}.{minor}"


# --- the shared temporary course ---------------------------------------------

def hand_in(course, student, nb):
    path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


def ama_mistake_notebook():
    """The committed release, answered with the solutions except 2.1."""
    nb = nbformat.read(RELEASE, as_version=4)
    solutions = nbgrader_cells(nbformat.read(SOURCE, as_version=4))
    for grade_id, cell in nbgrader_cells(nb).items():
        if cell.metadata.nbgrader.get("solution"):
            cell.source = without_delimiters(solutions[grade_id].source)
    nbgrader_cells(nb)["q2_1_answer"].source = AMA_STYLE_CMS_UNITS
    return nb


def read_scores(course):
    from nbgrader.api import Gradebook

    scores = {}
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            scores[student] = {
                "score": nb.score,
                "max_score": nb.max_score,
                "needs_manual_grade": nb.needs_manual_grade,
                "grades": {
                    g.name: {
                        "kind": type(g.cell).__name__,
                        "auto_score": g.auto_score,
                        "manual_score": g.manual_score,
                        "score": g.score,
                        "max_score": g.max_score,
                        "needs_manual_grade": g.needs_manual_grade,
                    } for g in nb.grades},
            }
    return scores


def build_course(course):
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # "*" releases every assignment, as `make grade` does.
    nbgrader(course, "generate_assignment", "*", "--force")
    hand_in(course, "solution", nbformat.read(SOURCE, as_version=4))
    hand_in(course, "untouched", nbformat.read(RELEASE, as_version=4))
    hand_in(course, "ama_mistake", ama_mistake_notebook())
    spy = ama_mistake_notebook()
    cells = nbgrader_cells(spy)
    solutions = nbgrader_cells(nbformat.read(SOURCE, as_version=4))
    cells["q2_1_answer"].source = without_delimiters(
        solutions["q2_1_answer"].source)
    cells["q1_1_answer"].source += SPY
    hand_in(course, "spy", spy)
    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return read_scores(course)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """Return (course folder, scores read from its gradebook)."""
    return shared(tmp_path_factory, "grading-course", build_course)


# --- fast checks on the committed files --------------------------------------

def test_every_assignment_is_released():
    released = sorted(p.name for p in (ROOT / "exercises").iterdir()
                      if p.is_dir())
    assert released == assignments()


def test_release_holds_no_solution_hidden_test_or_mark_scheme():
    source = nbformat.read(SOURCE, as_version=4)
    text = RELEASE.read_text(encoding="utf-8")
    release = nbformat.read(RELEASE, as_version=4)
    for delimiter in DELIMITERS:
        assert delimiter not in text
    secret = secrets(source)
    assert len(secret) > 50  # the source really has something to hide
    released_lines = {line.strip() for cell in release.cells
                      for line in cell.source.splitlines()}
    assert not secret & released_lines
    for cell in release.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_release_cells_are_locked_as_designed():
    release = nbformat.read(RELEASE, as_version=4)
    for grade_id, cell in nbgrader_cells(release).items():
        meta = cell.metadata.nbgrader
        assert cell.metadata.get("deletable") is False, grade_id
        if meta["solution"]:
            assert "editable" not in cell.metadata, grade_id
            assert "NotImplementedError" in cell.source, grade_id
        else:
            assert meta["locked"] and cell.metadata["editable"] is False, \
                grade_id
    assert release.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", [SOURCE, RELEASE], ids=["source", "release"])
def test_notebook_imports_only_the_standard_library(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names, name


def test_points_in_the_text_match_the_grade_cells():
    nb = nbformat.read(SOURCE, as_version=4)
    stated = {}
    for cell in nb.cells:
        for number, points in re.findall(
                r"### Question (\d+\.\d+) \((\d+) points", cell.source):
            stated[number] = int(points)
    graded = {}
    for grade_id, cell in nbgrader_cells(nb).items():
        meta = cell.metadata.nbgrader
        if meta["grade"] or meta.get("task"):
            number = question_number(grade_id)
            graded[number] = graded.get(number, 0) + meta["points"]
    expected = {question_number(k): v for k, v in {**POINTS, **MANUAL}.items()}
    assert stated == graded == expected
    intro = nb.cells[0].source
    auto, manual = sum(POINTS.values()), sum(MANUAL.values())
    assert f"{auto + manual} in all: {auto} are checked" in intro
    assert f"and {manual} are read by your instructor" in intro


# --- round trips through nbgrader --------------------------------------------

@pytest.mark.slow
def test_regenerating_gives_the_committed_release(course):
    folder, _ = course
    made = sorted(p.relative_to(folder / "exercises")
                  for p in (folder / "exercises").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "exercises")
                       for p in (ROOT / "exercises").rglob("*")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    assert made == committed
    for relative in made:
        # Byte for byte: nbgrader writes nothing volatile (no dates, no
        # random ids: the source gives every cell a fixed id).
        assert ((folder / "exercises" / relative).read_bytes()
                == (ROOT / "exercises" / relative).read_bytes()), (
            f"exercises/{relative} is not what solutions/ generates: run "
            "`nbgrader generate_assignment <assignment> --force` and commit")


@pytest.mark.slow
def test_solution_scores_full_marks(course):
    _, scores = course
    solution = scores["solution"]
    for name, points in POINTS.items():
        grade = solution["grades"][name]
        assert grade["kind"] == "GradeCell"
        assert grade["auto_score"] == grade["max_score"] == points, name
        assert grade["needs_manual_grade"] is False, name
    for name, points in MANUAL.items():
        grade = solution["grades"][name]
        assert grade["kind"] == "TaskCell"
        assert grade["max_score"] == points
        assert grade["auto_score"] is None and grade["manual_score"] is None
        assert grade["needs_manual_grade"] is True
    assert set(solution["grades"]) == set(POINTS) | set(MANUAL)
    assert solution["score"] == sum(POINTS.values())
    assert solution["max_score"] == sum(POINTS.values()) + sum(MANUAL.values())
    assert solution["needs_manual_grade"] is True


@pytest.mark.slow
def test_untouched_release_scores_zero(course):
    _, scores = course
    untouched = scores["untouched"]
    for name in POINTS:
        assert untouched["grades"][name]["auto_score"] == 0, name
    assert untouched["score"] == 0
    # The written answer is left for the instructor, who sees it is empty.
    assert untouched["grades"]["q3_1_task"]["needs_manual_grade"] is True


@pytest.mark.slow
def test_ama_rounding_loses_only_the_cms_question(course):
    _, scores = course
    grades = scores["ama_mistake"]["grades"]
    assert {name: grades[name]["auto_score"] for name in POINTS} == {
        **POINTS, "q2_1_test": 0}
    assert scores["ama_mistake"]["score"] == sum(POINTS.values()) - 4


@pytest.mark.slow
def test_feedback_shows_no_hidden_test_or_mark_scheme(course):
    folder, _ = course
    source = nbformat.read(SOURCE, as_version=4)
    secret = secrets(source, kinds=("HIDDEN TESTS", "MARK SCHEME"))
    for student in STUDENTS:
        page = (folder / "feedback" / student / ASSIGNMENT
                / f"{ASSIGNMENT}.html")
        # The text a student reads: tags (syntax colouring) removed.
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text("utf-8")))
        assert "Question 3.1" in text and "npi_check_digit" in text
        leaked = [line for line in secret if line in text]
        assert not leaked, (student, leaked)
        # The spy's printouts are replaced by a notice, and only they.
        assert ("it quoted the instructor's hidden tests" in text) is (
            student == "spy"), student
