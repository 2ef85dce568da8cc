"""nbgrader round trips for billing, rates and eligibility.

Like tests/test_grading.py (which covers npi_and_units), the slow tests
build one throw-away course in a temporary folder: a copy of
nbgrader_config.py and of these assignments' sources, with its own
gradebook.db. They release the assignments there, hand in three
notebooks per assignment and grade each assignment with one
`nbgrader autograde` call:

- ``solution``: the instructor's version, which must score full marks;
- ``untouched``: the committed release as a student receives it, which
  must score 0;
- ``mistake``: right answers but for the typical mistake the mark
  scheme names, which must lose exactly the points it says.

Under pytest-xdist the workers share that course: the first to get the
lock builds it and writes the scores to a JSON file; the others read it.
The fast tests check the committed files without running nbgrader.
"""

import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import (DELIMITERS, nbgrader, nbgrader_cells, secrets,
                            shared, without_delimiters)
from trainer_billing import selfcheck

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "trainer-billing"  # as in nbgrader_config.py
STUDENTS = ("solution", "untouched", "mistake")


def _spec(path):
    with open(path, "rb") as f:
        spec = tomllib.load(f)
    return {"points": spec["points"], "manual": spec["manual"],
            "mistake": spec["mistake"], "loses": set(spec["costs"]["loses"]),
            "mark_scheme_says": spec["costs"]["mark_scheme_says"]}


# Per assignment (tests/assignments/NAME.toml): the points of each grade
# cell as the questions state them, the manually graded task, the typical
# mistake (answer cells replaced) and the grade cells the mark scheme says
# it loses.
ASSIGNMENTS = {path.stem: _spec(path) for path in
               sorted((ROOT / "tests" / "assignments").glob("*.toml"))}


def source_path(name):
    return ROOT / "solutions" / name / f"{name}.ipynb"


def release_path(name):
    return ROOT / "exercises" / name / f"{name}.ipynb"


def mistake_notebook(name):
    """The committed release, answered with the solutions except for the
    assignment's typical mistake."""
    nb = nbformat.read(release_path(name), as_version=4)
    solutions = nbgrader_cells(nbformat.read(source_path(name),
                                             as_version=4))
    mistake = ASSIGNMENTS[name]["mistake"]
    for grade_id, cell in nbgrader_cells(nb).items():
        if cell.metadata.nbgrader.get("solution"):
            cell.source = mistake.get(
                grade_id, without_delimiters(solutions[grade_id].source))
    return nb


# --- the shared temporary course ---------------------------------------------

def read_scores(course):
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}",
                   course_id=COURSE_ID) as gb:
        for name in ASSIGNMENTS:
            scores[name] = {}
            for student in STUDENTS:
                nb = gb.find_submission_notebook(name, name, student)
                scores[name][student] = {
                    "score": nb.score,
                    "max_score": nb.max_score,
                    "grades": {g.name: {
                        "kind": type(g.cell).__name__,
                        "auto_score": g.auto_score,
                        "manual_score": g.manual_score,
                        "max_score": g.max_score,
                        "needs_manual_grade": g.needs_manual_grade,
                    } for g in nb.grades},
                }
    return scores


def build_course(course):
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in ASSIGNMENTS:
        shutil.copytree(ROOT / "solutions" / name,
                        course / "solutions" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # Only these assignments' sources are copied, so "*" releases them.
    nbgrader(course, "generate_assignment", "*", "--force")
    for name in ASSIGNMENTS:
        notebooks = {
            "solution": nbformat.read(source_path(name), as_version=4),
            "untouched": nbformat.read(release_path(name), as_version=4),
            "mistake": mistake_notebook(name),
        }
        for student, nb in notebooks.items():
            path = course / "submitted" / student / name / f"{name}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
        nbgrader(course, "autograde", name)
    return read_scores(course)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """Return (course folder, scores read from its gradebook)."""
    return shared(tmp_path_factory, "assignments-course", build_course)


# --- fast checks on the committed files --------------------------------------

def test_every_assignment_has_a_round_trip():
    # npi_and_units has its own, in tests/test_grading.py.
    sources = {p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()}
    assert sources - {"npi_and_units"} == set(ASSIGNMENTS)
    assert {"billing", "eligibility", "documentation", "enrollment",
            "rates", "capstone"} <= sources


@pytest.mark.parametrize("name", sorted(
    p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()))
def test_the_book_links_each_exercise_with_its_points(name):
    nb = nbformat.read(source_path(name), as_version=4)
    total, auto = re.search(r"(\d+) in all: (\d+) are checked",
                            nb.cells[0].source).groups()
    manual = re.search(r"and (\d+) are read by your instructor",
                       nb.cells[0].source).group(1)
    pages = {page.name: " ".join(page.read_text(encoding="utf-8").split())
             for page in (ROOT / "book").glob("*.md")}
    link = f"<../exercises/{name}/{name}.ipynb>`)"
    linking = [page for page, text in pages.items() if link in text]
    assert linking, f"no page of the book links exercises/{name}"
    for page in linking:
        after = pages[page].split(link, 1)[1][:300]
        assert (f"{total} points, {auto} checked by the computer and "
                f"{manual} read by your instructor") in after, (page, after)
    assert re.search(rf"\| `{name}` \| [^|]+ \| {total} \({auto} \+ "
                     rf"{manual}\) \|", pages["intro.md"]), name


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_points_in_the_text_match_the_grade_cells(name):
    spec = ASSIGNMENTS[name]
    nb = nbformat.read(source_path(name), as_version=4)
    stated = {}
    for cell in nb.cells:
        for number, points in re.findall(
                r"### Question (\d+\.\d+) \((\d+) points", cell.source):
            stated[number] = int(points)
    graded = {}
    for grade_id, cell in nbgrader_cells(nb).items():
        meta = cell.metadata.nbgrader
        if meta["grade"] or meta.get("task"):
            major, minor = grade_id.split("_")[:2]
            graded[f"{major[1:]}.{minor}"] = meta["points"]
    expected = {}
    for grade_id, points in {**spec["points"], **spec["manual"]}.items():
        major, minor = grade_id.split("_")[:2]
        expected[f"{major[1:]}.{minor}"] = points
    assert stated == graded == expected
    auto, manual = sum(spec["points"].values()), sum(spec["manual"].values())
    assert f"{auto + manual} in all: {auto} are checked" in nb.cells[0].source
    assert f"and {manual} are read by your instructor" in nb.cells[0].source


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_holds_no_solution_hidden_test_or_mark_scheme(name):
    text = release_path(name).read_text(encoding="utf-8")
    for delimiter in DELIMITERS:
        assert delimiter not in text
    secret = secrets(nbformat.read(source_path(name), as_version=4))
    assert len(secret) > 30
    release = nbformat.read(release_path(name), as_version=4)
    released = {line.strip() for cell in release.cells
                for line in cell.source.splitlines()}
    assert not secret & released
    for cell in release.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_mark_scheme_states_what_the_typical_mistake_costs(name):
    spec = ASSIGNMENTS[name]
    nb = nbformat.read(source_path(name), as_version=4)
    scheme = " ".join(" ".join(nbgrader_cells(nb)[task].source.split())
                      for task in spec["manual"])
    assert spec["mark_scheme_says"] in scheme
    lost = sum(spec["points"][g] for g in spec["loses"])
    assert (f"{sum(spec['points'].values()) - lost} of "
            f"{sum(spec['points'].values())}") in scheme


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_autograded_answer_has_a_self_check_after_its_test(name):
    """A locked self-check follows each test cell; its digest is the
    library's, and the plain answer is nowhere in the release."""
    release = nbformat.read(release_path(name), as_version=4)
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id", "")
           for cell in release.cells]
    for test_id in ASSIGNMENTS[name]["points"]:
        question = test_id.removesuffix("_test")
        after = release.cells[ids.index(test_id) + 1]
        assert ids[ids.index(test_id) + 1] == f"{question}_selfcheck"
        assert after.metadata["editable"] is False
        assert f"selfcheck.check(\n        {question!r}," in after.source
        assert re.search(r"'[0-9a-f]{64}'\)", after.source)


def run_self_checks(name, nb, tmp_path):
    """Run nb (as a student would) and return what its self-checks
    print, per question."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    said = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_selfcheck"):
            text = "".join(o.get("text", "") for o in cell.outputs)
            said[grade_id.removesuffix("_selfcheck")] = text
    return said


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_self_checks_say_right_for_the_solution_only(name, tmp_path):
    solution = run_self_checks(
        name, nbformat.read(source_path(name), as_version=4), tmp_path)
    mistake = run_self_checks(name, mistake_notebook(name), tmp_path)
    questions = [g.removesuffix("_test") for g in ASSIGNMENTS[name]["points"]]
    assert set(solution) == set(questions)
    for question in questions:
        assert ": right." in solution[question], (question, solution)
        lost = f"{question}_test" in ASSIGNMENTS[name]["loses"]
        assert (": not yet right." in mistake[question]) is lost, (
            question, mistake[question])


def test_selfcheck_digest_is_what_the_release_stores():
    # The digest function the releases rely on: a change to it would
    # silently turn every stored digest into "not yet right".
    assert selfcheck.digest("q1_1", "M5450") == (
        "72cbba7bd34c08c570363dab56e65f4e595f26697a11dd4f9337b0521ec08215")


# --- round trips through nbgrader --------------------------------------------

@pytest.mark.slow
def test_regenerating_gives_the_committed_releases(course):
    folder, _ = course
    for name in ASSIGNMENTS:
        made = sorted(p.relative_to(folder / "exercises" / name)
                      for p in (folder / "exercises" / name).rglob("*")
                      if p.is_file())
        committed = sorted(
            p.relative_to(ROOT / "exercises" / name)
            for p in (ROOT / "exercises" / name).rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts)
        assert made == committed, name
        for relative in made:
            assert ((folder / "exercises" / name / relative).read_bytes()
                    == (ROOT / "exercises" / name / relative).read_bytes()), (
                f"exercises/{name}/{relative} is not what solutions/ "
                f"generates: run `nbgrader generate_assignment {name} "
                "--force` and commit")


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_scores_full_marks(course, name):
    spec = ASSIGNMENTS[name]
    solution = course[1][name]["solution"]
    assert set(solution["grades"]) == set(spec["points"]) | set(spec["manual"])
    for grade_id, points in spec["points"].items():
        grade = solution["grades"][grade_id]
        assert grade["kind"] == "GradeCell"
        assert grade["auto_score"] == grade["max_score"] == points, grade_id
    for grade_id, points in spec["manual"].items():
        grade = solution["grades"][grade_id]
        assert grade["kind"] == "TaskCell"
        assert grade["max_score"] == points
        assert grade["needs_manual_grade"] is True
    assert solution["score"] == sum(spec["points"].values())
    assert solution["max_score"] == (sum(spec["points"].values())
                                     + sum(spec["manual"].values()))


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_untouched_release_scores_zero(course, name):
    untouched = course[1][name]["untouched"]
    for grade_id in ASSIGNMENTS[name]["points"]:
        assert untouched["grades"][grade_id]["auto_score"] == 0, grade_id
    assert untouched["score"] == 0
    for task in ASSIGNMENTS[name]["manual"]:
        assert untouched["grades"][task]["needs_manual_grade"] is True


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_typical_mistake_loses_what_the_mark_scheme_says(course, name):
    spec = ASSIGNMENTS[name]
    grades = course[1][name]["mistake"]["grades"]
    expected = {g: 0 if g in spec["loses"] else p
                for g, p in spec["points"].items()}
    assert {g: grades[g]["auto_score"] for g in spec["points"]} == expected
    assert course[1][name]["mistake"]["score"] == sum(expected.values())


# Honest answers worded otherwise than the solution: the self-check says
# "right", so the graded tests (hidden ones too) must pass as well.
VARIANTS = {
    "documentation": ("q1_1", 'note["author"] = "S. Rivera, CPT"\n'),
    "capstone": ("q3_2", 'credentials = ("Personal trainer (certified), '
                         'not a licensed therapist")\n'),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", VARIANTS)
def test_an_honest_variant_passes_the_tests_its_self_check_calls_right(
        name, tmp_path):
    from nbclient import NotebookClient

    question, extra = VARIANTS[name]
    nb = nbformat.read(source_path(name), as_version=4)
    nbgrader_cells(nb)[f"{question}_answer"].source += "\n" + extra
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = nbgrader_cells(nb)
    errors = [o for o in cells[f"{question}_test"].outputs
              if o.output_type == "error"]
    assert not errors, errors[0].evalue if errors else None
    said = "".join(o.get("text", "")
                   for o in cells[f"{question}_selfcheck"].outputs)
    assert ": right." in said, said
