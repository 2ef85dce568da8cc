"""Class grading (trainer_billing.grading) against hostile and careless
submissions, and against plain ``nbgrader autograde``.

Two throw-away courses (a copy of nbgrader_config.py and solutions/ with
npi_and_units released, as benchmarks/grade_class.py makes them):

- ``hostile``: a right and a blank notebook and one of each hostile or
  careless kind of benchmarks/grade_class.py (the student handing in the
  changed kernel name is ``zoë-李``), graded once by
  ``python -m trainer_billing.grading`` with short time limits;
- ``small``: four students graded by plain ``nbgrader autograde`` in one
  copy and by ours in another, with the same cell timeout, so that every
  grade and comment can be compared.

Under pytest-xdist each course is built once, by the first worker to get
its lock; the others read what it saved.
"""

import importlib.util
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import shared

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "npi_and_units"
COURSE_ID = "trainer-billing"  # as in nbgrader_config.py
NOTEBOOK_TIMEOUT, CELL_TIMEOUT = 12, 3

_spec = importlib.util.spec_from_file_location(
    "grade_class", ROOT / "benchmarks" / "grade_class.py")
grade_class = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grade_class)

HOSTILE_STUDENTS = {"right": "right", "blank": "blank",
                    **{kind: kind for kind in grade_class.HOSTILE},
                    "evil_kernel": "zoë-李"}
FULL = 12  # autograded points of npi_and_units (Question 3.1 is manual)

# kind: (status, auto score, words the reason or the notes must hold)
EXPECTED = {
    "right": ("graded", FULL, []),
    "blank": ("graded", 0, []),
    "endless_loop": ("graded", FULL - 2,
                     ["q2_2_answer ran too long and was interrupted"]),
    "ignores_ctrl_c": ("flagged", 0,
                       ["q2_2_answer", "ignored the interrupt"]),
    "sys_exit": ("graded", FULL, []),
    "os_exit": ("flagged", 0, ["kernel died", "q2_1_answer"]),
    "huge_output": ("graded", FULL, []),
    "deleted_test": ("graded", FULL, ["q1_1_test was deleted"]),
    "deleted_locked": ("graded", FULL, [
        "locked cell selfcheck_setup was deleted; nbgrader does not put it "
        "back"]),
    "edited_test": ("graded", FULL - 3 - 3,
                    ["locked cell q1_1_test was edited"]),
    "copied_cell": ("graded", FULL - 3 - 3,
                    ["q1_1_test appears 2 times"]),
    "evil_kernel": ("graded", FULL, ["kernel 'evil' replaced by "
                                     "'python3'"]),
    "not_a_notebook": ("flagged", 0, ["not a readable notebook"]),
    "slow_everywhere": ("flagged", 0, [
        f"time limit of {NOTEBOOK_TIMEOUT} s per notebook"]),
}
# A wrong 1.1 also fails 1.2's visible check, which calls it.


def run(course, *args, timeout=600):
    return subprocess.run(args, cwd=course,
                          env=grade_class.nbgrader_env(course),
                          capture_output=True, text=True, timeout=timeout)


def ours(course, *extra):
    return run(course, sys.executable, "-m", "trainer_billing.grading",
               ASSIGNMENT, "--course", str(course), "--jobs", "2", *extra)


def gradebook_rows(course):
    """Return everything autograde writes, per student, from a gradebook
    opened as nbgrader opens it."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}",
                   COURSE_ID) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            nb = sub.notebooks[0]
            rows[sub.student_id] = {
                "score": nb.score, "max_score": nb.max_score,
                "flagged": nb.flagged,
                "needs_manual_grade": nb.needs_manual_grade,
                "grades": {g.name: [g.auto_score, g.needs_manual_grade]
                           for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
        students = sorted(s.id for s in gb.students)
    connection = sqlite3.connect(course / "gradebook.db")
    integrity = connection.execute("PRAGMA integrity_check").fetchall()
    connection.close()
    return {"rows": rows, "students": students,
            "integrity": [row[0] for row in integrity]}


def build_hostile(folder):
    course = grade_class.make_course(folder / "course")
    for kind, student in HOSTILE_STUDENTS.items():
        grade_class.hand_in(course, student, grade_class.submission(kind))
    start = time.monotonic()
    result = ours(course, "--timeout", str(NOTEBOOK_TIMEOUT),
                  "--cell-timeout", str(CELL_TIMEOUT))
    seconds = time.monotonic() - start
    import psutil
    # A stopped worker's kernel must not outlive it: kernels of this
    # course have their connection files in its own runtime folder.
    runtime = str(grade_class.nbgrader_env(course)["JUPYTER_RUNTIME_DIR"])
    leftovers = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(runtime in part for part in proc.info["cmdline"] or []):
            leftovers.append(proc.info["cmdline"])
    report = json.loads((course / "grading_reports" /
                         f"{ASSIGNMENT}.json").read_text(encoding="utf-8"))
    return {"returncode": result.returncode, "stdout": result.stdout,
            "stderr": result.stderr, "seconds": seconds,
            "report": {r["student"]: r for r in report},
            "leftover_kernels": leftovers, **gradebook_rows(course)}


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    return shared(tmp_path_factory, "hostile-class", build_hostile)


def build_small(folder):
    base = grade_class.make_course(folder / "base")
    submissions = {
        "solution": grade_class.all_right(),
        "blank": grade_class.submission("blank"),
        "wrong_2_1": grade_class.answered(
            {"q1_1_answer": "right", "q1_2_answer": "wrong",
             "q2_1_answer": "wrong", "q2_2_answer": "right"}),
        "zoë-李": grade_class.submission("endless_loop"),
    }
    for student, nb in submissions.items():
        grade_class.hand_in(base, student, nb)
    plain_course, our_course = folder / "plain", folder / "ours"
    shutil.copytree(base, plain_course)
    shutil.copytree(base, our_course)
    plain = run(plain_course, sys.executable, "-m", "nbgrader", "autograde",
                ASSIGNMENT, f"--Execute.timeout={CELL_TIMEOUT}")
    first = ours(our_course, "--cell-timeout", str(CELL_TIMEOUT))
    again = ours(our_course, "--cell-timeout", str(CELL_TIMEOUT))
    return {"plain": {"returncode": plain.returncode,
                      **gradebook_rows(plain_course)},
            "ours": {"returncode": first.returncode, "stdout": first.stdout,
                     "stderr": first.stderr,
                     **gradebook_rows(our_course)},
            "again": {"returncode": again.returncode,
                      "stdout": again.stdout,
                      **gradebook_rows(our_course)}}


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    return shared(tmp_path_factory, "small-class", build_small)


# --- hostile and careless submissions ----------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_hostile_submission_is_graded_or_flagged_with_reason(hostile, kind):
    _, saved = hostile
    student = HOSTILE_STUDENTS[kind]
    status, score, words = EXPECTED[kind]
    report = saved["report"][student]
    row = saved["rows"][student]
    assert report["status"] == status, report
    said = " ".join([report["reason"] or "", *report["notes"]])
    for word in words:
        assert word in said, (kind, said)
    if status == "flagged":
        assert report["reason"], report
        assert row["flagged"] is True
        # Nothing is left to look like a real score: every grade waits
        # for a person.
        assert all(needs for _, needs in row["grades"].values()), row
        assert row["score"] == 0
    else:
        assert report["reason"] is None
        assert row["flagged"] is False
        assert row["score"] == score, (kind, row["grades"])
        assert report["score"] == score
        # Only the written answer (Question 3.1) waits for the instructor.
        waiting = [name for name, (_, needs) in row["grades"].items()
                   if needs]
        assert waiting == ["q3_1_task"], (kind, row["grades"])


@pytest.mark.slow
def test_hostile_class_leaves_the_gradebook_intact(hostile):
    folder, saved = hostile
    assert saved["integrity"] == ["ok"]
    handed_in = sorted(p.name for p in
                       (folder / "course" / "submitted").iterdir())
    assert sorted(saved["rows"]) == handed_in == saved["students"]
    assert sorted(HOSTILE_STUDENTS.values()) == handed_in


@pytest.mark.slow
def test_time_limit_stops_the_worker_and_its_kernel(hostile):
    folder, saved = hostile
    report = saved["report"]["slow_everywhere"]
    # Stopped at the limit, not after four cell timeouts and a kernel
    # restart each; the other students went on meanwhile.
    assert report["seconds"] < NOTEBOOK_TIMEOUT + 6, report
    assert saved["leftover_kernels"] == []
    # No half-graded notebook stays behind (a later autograde would
    # skip the student).
    assert not (folder / "course" / "autograded" / "slow_everywhere"
                / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()


@pytest.mark.slow
def test_cells_waiting_for_their_limit_let_the_class_go_on(hostile):
    # Under --jobs 2, a notebook whose cell has run past half its limit
    # (an endless loop waiting to be interrupted) stops counting, so
    # others start beside it: at some moment more than two were graded,
    # and never more than four.
    report = hostile[1]["report"]
    ends_first = sorted([(r["started"], 1) for r in report.values()]
                        + [(r["finished"], -1) for r in report.values()])
    running, most = 0, 0
    for _, change in ends_first:
        running += change
        most = max(most, running)
    assert 2 < most <= 4, sorted(
        (r["started"], r["finished"], r["student"]) for r in report.values())
    loop = report["endless_loop"]
    assert any(loop["started"] < r["started"] < loop["finished"]
               for r in report.values())


@pytest.mark.slow
def test_huge_output_is_cut_and_kernel_name_restored(hostile):
    folder, _ = hostile
    autograded = folder / "course" / "autograded"
    huge = autograded / "huge_output" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert huge.stat().st_size < 5_000_000
    evil = nbformat.read(autograded / "zoë-李" / ASSIGNMENT /
                         f"{ASSIGNMENT}.ipynb", as_version=4)
    assert evil.metadata.kernelspec.name == "python3"


@pytest.mark.slow
def test_cli_shows_progress_bar_and_summary_table(hostile):
    _, saved = hostile
    assert saved["returncode"] == 1  # some submissions are flagged
    assert f"grading {ASSIGNMENT}" in saved["stderr"]
    assert "100%" in saved["stderr"]
    lines = saved["stdout"].splitlines()
    assert lines[0].split() == ["student", "score", "max", "status",
                                "reason", "/", "notes"]
    for student, report in saved["report"].items():
        line = next(line for line in lines if line.startswith(student + " "))
        assert report["status"] in line.split(), line
    flagged = sum(r["status"] == "flagged"
                  for r in saved["report"].values())
    assert f"{flagged} flagged for manual grading" in saved["stdout"]


# --- the same scores as plain nbgrader ---------------------------------------

@pytest.mark.slow
def test_scores_are_those_of_plain_nbgrader_autograde(small):
    _, saved = small
    plain, ours_ = saved["plain"], saved["ours"]
    assert plain["returncode"] == 0 and ours_["returncode"] == 0, \
        ours_["stderr"]
    assert ours_["rows"] == plain["rows"]
    assert ours_["students"] == plain["students"]
    # The mix really differs from student to student.
    assert {s: r["score"] for s, r in ours_["rows"].items()} == {
        "solution": 12, "blank": 0, "wrong_2_1": 3 + 2, "zoë-李": 10}
    assert ours_["integrity"] == ["ok"]


@pytest.mark.slow
def test_second_run_skips_what_is_graded(small):
    _, saved = small
    again = saved["again"]
    assert again["returncode"] == 0
    assert "4 submissions: 0 graded, 4 skipped" in again["stdout"]
    assert again["rows"] == saved["ours"]["rows"]


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    for args in (["npi_and_units", "--course", str(tmp_path)],
                 ["npi_and_units", "--jobs", "0"],
                 ["npi_and_units", "--timeout", "0"]):
        result = subprocess.run(
            [sys.executable, "-m", "trainer_billing.grading", *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_unknown_assignment_exits_2(small):
    folder, _ = small
    result = subprocess.run(
        [sys.executable, "-m", "trainer_billing.grading", "no_such_thing",
         "--course", str(folder / "ours")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no assignment 'no_such_thing'" in result.stderr


def test_a_changed_grade_id_is_explained_not_just_named():
    import logging

    from trainer_billing import grading
    reason = grading._reason([(logging.ERROR, (
        "Traceback (most recent call last):\n  File \"overwritecells.py\"\n"
        "KeyError: 'grade_id'"))], "q1_1_test")
    assert "grading metadata was changed or removed" in reason
    assert "compare the submission's cells with the release" in reason
