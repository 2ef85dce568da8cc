"""The instructor guide's commands, run in order, as the guide says.

``book/instructor_guide.md`` marks each command block with a first line
``# guide-step: NAME (instructor)`` or ``# guide-step: NAME (student)``.
This test runs every such block, in the page's order, in a throw-away
course (copies of nbgrader_config.py, solutions/ and exercises/), with
the exchange in the test's temporary folder in place of
``/srv/nbgrader/exchange``:

- an instructor block runs once, in the course folder;
- a student block runs once for each of two students, in that student's
  own home folder, with ``USER`` set to the student's id (here everyone is
  one Unix user, so the guide's ``--student="$USER"`` tells them apart);
- after the ``fetch`` step, ``ana`` answers as the solutions do and
  ``ben`` hands in the release untouched: that is the students' "work";
- ``sh`` blocks run under ``bash -e -o pipefail``, ``python`` blocks with
  the course's Python; each must exit 0, so a command of the guide that
  fails fails this test.

Then: the exported CSV has both students with the right scores, each
student fetched their feedback, and no feedback page shows a line of the
hidden tests or of the mark scheme.
"""

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import secrets

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "instructor_guide.md"
ASSIGNMENT = "npi_and_units"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXCHANGE = "/srv/nbgrader/exchange"  # as the guide writes it
STUDENTS = ("ana", "ben")
# Steps this test relies on (others may be added to the guide freely).
REQUIRED = ("exchange", "generate", "add-students", "release", "fetch",
            "submit", "collect", "autograde", "autograde-plain",
            "manual-grade", "feedback", "release-feedback",
            "fetch-feedback", "export")

STEP = re.compile(
    r"^```(?P<lang>\w+)\n# guide-step: (?P<name>[\w-]+) "
    r"\((?P<who>instructor|student)\)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^```(\w+)$", re.MULTILINE)


def guide_steps():
    """Return [(name, who, language, code)] in the page's order."""
    text = GUIDE.read_text(encoding="utf-8")
    steps = [(m["name"], m["who"], m["lang"], m["body"])
             for m in STEP.finditer(text)]
    # Every code block of the page is a step: none escapes the test.
    assert len(FENCE.findall(text)) == len(steps), (
        "a code block in the guide has no '# guide-step: NAME (WHO)' line")
    return steps


def test_guide_marks_every_command_and_has_every_step():
    steps = guide_steps()
    names = [name for name, *_ in steps]
    assert len(set(names)) == len(names), names
    assert [n for n in names if n in REQUIRED] == list(REQUIRED)
    for name, who, lang, code in steps:
        assert lang in ("sh", "python"), (name, lang)
        if "Exchange.root" in code:
            assert f"--Exchange.root={EXCHANGE}" in code, name
        if who == "student":
            # A student has no copy of nbgrader_config.py.
            assert code.count("--course=trainer-billing") == \
                code.count("nbgrader "), name


# --- the round ---------------------------------------------------------------

def answered_as_the_solutions(path):
    """Put the solutions' answers into the fetched notebook at path."""
    delimiters = ("BEGIN SOLUTION", "END SOLUTION")
    source = {cell.metadata.nbgrader["grade_id"]: cell
              for cell in nbformat.read(SOURCE, as_version=4).cells
              if "nbgrader" in cell.metadata}
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "\n".join(
                line for line in source[meta["grade_id"]].source.splitlines()
                if not any(d in line for d in delimiters))
    nbformat.write(nb, path)


def environment(home, user):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "IPYTHON", "PYTEST"))}
    env.update(
        HOME=str(home), USER=user, LOGNAME=user,
        PATH=str(Path(sys.executable).parent) + os.pathsep
        + env.get("PATH", ""),
        PYTHONDONTWRITEBYTECODE="1")
    return env


def run_step(name, lang, code, cwd, env):
    if lang == "sh":
        command = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, (
        f"guide step {name!r} failed (exit {result.returncode}) in {cwd}:\n"
        f"{code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


@pytest.mark.slow
def test_every_command_of_the_guide_runs_and_grades_the_class(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints")
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, course / folder, ignore=ignore)
    exchange = tmp_path / "srv" / "exchange"
    homes = {who: tmp_path / "home" / who for who in ("instructor",
                                                      *STUDENTS)}
    for home in homes.values():
        home.mkdir(parents=True)

    ran = []
    for name, who, lang, code in guide_steps():
        code = code.replace(EXCHANGE, str(exchange))
        if who == "instructor":
            run_step(name, lang, code, course,
                     environment(homes["instructor"], "instructor"))
        else:
            for student in STUDENTS:
                run_step(name, lang, code, homes[student],
                         environment(homes[student], student))
                fetched = homes[student] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                if name == "fetch":
                    assert fetched.read_bytes() == RELEASE.read_bytes()
                    if student == "ana":
                        answered_as_the_solutions(fetched)
        ran.append(name)
    assert [n for n in ran if n in REQUIRED] == list(REQUIRED)

    # Both students handed in, and were collected under their own ids.
    for student in STUDENTS:
        assert (course / "submitted" / student / ASSIGNMENT
                / f"{ASSIGNMENT}.ipynb").is_file()

    # The grades: ana all 12 automatic points and 4 of 4 for the written
    # answer; ben, who changed nothing, 0 of 16.
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)
                if row["assignment"] == ASSIGNMENT}
    assert set(rows) == set(STUDENTS)
    assert float(rows["ana"]["score"]) == float(rows["ana"]["max_score"]) \
        == 16
    assert float(rows["ben"]["score"]) == 0
    assert float(rows["ben"]["max_score"]) == 16
    assert rows["ana"]["first_name"] == "Ana"

    # Each student fetched their own feedback, which hides what it should.
    secret = secrets(nbformat.read(SOURCE, as_version=4),
                     kinds=("HIDDEN TESTS", "MARK SCHEME"))
    assert len(secret) > 30
    for student in STUDENTS:
        pages = list((homes[student] / ASSIGNMENT / "feedback").glob(
            f"*/{ASSIGNMENT}.html"))
        assert len(pages) == 1, (student, pages)
        raw = pages[0].read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", raw))
        assert "Question 3.1" in text and "npi_check_digit" in text
        leaked = sorted(line for line in secret if line in text)
        assert not leaked, (student, leaked)
        # Not even the markers: trainer_billing.feedback strips hidden
        # lines from the tracebacks that quote them.
        for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                       "MARK SCHEME", "Mark scheme", "Model answer"):
            assert marker not in text, (student, marker)
    ana = (homes["ana"] / ASSIGNMENT / "feedback").glob("*/*.html")
    assert "Question 2.1: right." in next(ana).read_text(encoding="utf-8")
