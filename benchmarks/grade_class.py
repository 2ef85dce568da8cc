"""How fast a class is graded: ``trainer-billing grade --jobs 2`` against
plain ``nbgrader autograde``, on the same 40 submissions, in one run.

It builds a throw-away course (a copy of nbgrader_config.py and
solutions/ in a temporary folder), releases npi_and_units there, hands in
40 synthetic notebooks (right, partly right, wrong and hostile ones: an
endless loop, a loop that ignores Ctrl-C, ``sys.exit()``, ``os._exit()``,
a deleted test cell, an edited locked test cell, a copied graded cell, a
changed kernel name, a non-ASCII student id), then grades them twice, each
time from a fresh copy of the course:

1. plain ``nbgrader autograde npi_and_units`` (one notebook at a time);
2. ``python -m trainer_billing.grading npi_and_units --jobs 2``.

It prints both wall-clock times, their ratio (target: 1.8 or more on two
cores) and whether every score nbgrader wrote is the same in both
gradebooks. Run:

    .venv/bin/python benchmarks/grade_class.py [--students 40] [--jobs 2]

It prints figures; it asserts nothing.

The submissions are made by :func:`submission`, which the tests of class
grading (tests/test_class_grading.py) use too, so that the benchmark mixes
in exactly the hostile cases the tests check.
"""

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "npi_and_units"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
ANSWERS = ("q1_1_answer", "q1_2_answer", "q2_1_answer", "q2_2_answer")
DELIMITERS = ("### BEGIN SOLUTION", "### END SOLUTION")

# Wrong answers a learner might really write, one per question.
WRONG = {
    # Forgets the 24 for the 80840 prefix.
    "q1_1_answer": '''\
def npi_check_digit(first_nine: str) -> str:
    total = 0
    for position, char in enumerate(reversed(first_nine)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)
''',
    # Checks the length only.
    "q1_2_answer": '''\
def npi_is_valid(npi: str) -> bool:
    return len(npi) == 10
''',
    # The AMA rule where CMS is asked for.
    "q2_1_answer": '''\
def cms_units(minutes: dict[str, int]) -> dict[str, int]:
    return {code: (m + 7) // 15 for code, m in minutes.items()}
''',
    # Rounds down: full units only.
    "q2_2_answer": '''\
def ama_units(minutes: dict[str, int]) -> dict[str, int]:
    return {code: m // 15 for code, m in minutes.items()}
''',
}

# What each hostile or careless submission does, and to which cell.
HOSTILE = {
    "endless_loop": "an endless loop in the answer to 2.2",
    "ignores_ctrl_c": "ignores SIGINT, then loops, in the answer to 2.2",
    "sys_exit": "sys.exit() after the answer to 1.1",
    "os_exit": "os._exit(0) in the answer to 2.1",
    "huge_output": "prints 200 MB in the answer to 1.2",
    "deleted_test": "deletes the test cell of 1.1",
    "deleted_locked": "deletes a locked cell that is not a test (the "
                      "self-check helper)",
    "edited_test": "replaces the locked test of 1.1 by `pass` "
                   "(and answers 1.1 wrongly)",
    "copied_cell": "pastes a copy of the test cell of 1.1, same grade_id "
                   "and cell id, emptied to `pass` (and answers 1.1 "
                   "wrongly)",
    "evil_kernel": "kernelspec name changed to 'evil'",
    "not_a_notebook": "hands in a file that is not JSON",
    "slow_everywhere": "sleeps 1,000 s in every answer cell (each sleep "
                       "can be interrupted, but together they outlast "
                       "the notebook's time limit)",
}
# The benchmark leaves out slow_everywhere: graded with the default time
# limits it costs four cell timeouts in both runs and measures nothing.
IN_BENCHMARK = [kind for kind in HOSTILE if kind != "slow_everywhere"]


def _cells(nb):
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
            if "grade_id" in cell.metadata.get("nbgrader", {})}


def _solution(grade_id):
    cell = _cells(nbformat.read(SOURCE, as_version=4))[grade_id]
    return "\n".join(line for line in cell.source.splitlines()
                     if line.strip() not in DELIMITERS)


def answered(choices):
    """Return the release answered per question: ``choices`` maps an
    answer cell's grade_id to "right", "wrong" or "blank"."""
    nb = nbformat.read(RELEASE, as_version=4)
    cells = _cells(nb)
    for grade_id, choice in choices.items():
        if choice == "right":
            cells[grade_id].source = _solution(grade_id)
        elif choice == "wrong":
            cells[grade_id].source = WRONG[grade_id]
    cells["q3_1_task"]  # the written answer stays for the instructor
    return nb


def all_right():
    return answered({grade_id: "right" for grade_id in ANSWERS})


def submission(kind, huge_output_bytes=200_000_000):
    """Return the notebook (or, for "not_a_notebook", the bytes) that a
    student of ``kind`` hands in: "right", "blank", a key of HOSTILE."""
    if kind == "right":
        return all_right()
    if kind == "blank":
        return nbformat.read(RELEASE, as_version=4)
    nb = all_right()
    cells = _cells(nb)
    if kind == "endless_loop":
        cells["q2_2_answer"].source = "while True:\n    pass\n"
    elif kind == "ignores_ctrl_c":
        cells["q2_2_answer"].source = (
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "while True:\n    pass\n")
    elif kind == "sys_exit":
        cells["q1_1_answer"].source += "\nimport sys\nsys.exit()\n"
    elif kind == "os_exit":
        cells["q2_1_answer"].source += "\nimport os\nos._exit(0)\n"
    elif kind == "huge_output":
        # Lines of 1,000 characters: nbgrader keeps the first 1,000 lines.
        lines = max(1, huge_output_bytes // 1000)
        cells["q1_2_answer"].source += (
            f"\nfor _ in range({lines}):\n    print('x' * 999)\n")
    elif kind == "deleted_test":
        nb.cells.remove(cells["q1_1_test"])
    elif kind == "deleted_locked":
        nb.cells.remove(cells["selfcheck_setup"])
    elif kind == "edited_test":
        cells["q1_1_answer"].source = WRONG["q1_1_answer"]
        cells["q1_1_test"].source = "pass\n"
    elif kind == "copied_cell":
        cells["q1_1_answer"].source = WRONG["q1_1_answer"]
        copy_ = copy.deepcopy(cells["q1_1_test"])
        copy_.source = "pass\n"
        nb.cells.insert(nb.cells.index(cells["q1_1_test"]) + 1, copy_)
    elif kind == "evil_kernel":
        nb.metadata.kernelspec.name = "evil"
        nb.metadata.kernelspec.display_name = "Evil"
    elif kind == "slow_everywhere":
        for grade_id in ANSWERS:
            cells[grade_id].source = "import time\ntime.sleep(1000)\n"
    elif kind == "not_a_notebook":
        return b"this is not a notebook {\n"
    else:
        raise ValueError(f"unknown kind of submission: {kind!r}")
    return nb


def hand_in(course, student, nb):
    """Write a submission to submitted/<student>/npi_and_units/."""
    path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    else:
        # Written as plain JSON: nbformat.write would repair a copied
        # cell's duplicate id, and a student's file is not repaired.
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False),
                        encoding="utf-8")


def nbgrader_env(course):
    """Return an environment that keeps the user's Jupyter config out."""
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = course.parent / f"{course.name}-{name.lower()}"
        path.mkdir(exist_ok=True)
        env[name] = str(path)
    bin_dir = os.path.dirname(sys.executable)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def make_course(folder):
    """Make a course in ``folder`` with npi_and_units released."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions", folder / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment",
                    ASSIGNMENT, "--force"], cwd=folder,
                   env=nbgrader_env(folder), check=True,
                   capture_output=True)
    return folder


def class_of(count, seed=2026, huge_output_bytes=200_000_000):
    """Return {student id: submission} for ``count`` students: one of
    each hostile kind (as far as ``count`` allows), the rest right,
    blank or partly right at random (seeded)."""
    rng = random.Random(seed)
    students = {}
    kinds = IN_BENCHMARK
    for number in range(count):
        if number < len(kinds):
            kind = kinds[number]
            student = ("zoë-李" if kind == "evil_kernel"
                       else f"s{number:02d}-{kind}")
            students[student] = submission(kind, huge_output_bytes)
            continue
        pick = rng.random()
        if pick < 0.3:
            students[f"s{number:02d}-right"] = submission("right")
        elif pick < 0.4:
            students[f"s{number:02d}-blank"] = submission("blank")
        else:
            choices = {g: rng.choice(["right", "right", "wrong", "blank"])
                       for g in ANSWERS}
            students[f"s{number:02d}-mixed"] = answered(choices)
    return students


def read_scores(course):
    """Return {(student, grade cell): (auto_score, needs_manual_grade)}
    for every grade in the course's gradebook, and each submission's
    flag, as nbgrader stored them."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores[(sub.student_id, grade.name)] = (
                        grade.auto_score, grade.needs_manual_grade)
    return scores


def timed(command, course):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=course, env=nbgrader_env(course),
                            capture_output=True, text=True)
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--huge-output-mb", type=int, default=200,
                        help="size of the huge output (default 200 MB)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary courses and print where")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="grade-class-"))
    base = make_course(work / "base")
    for student, nb in class_of(args.students, huge_output_bytes=
                                args.huge_output_mb * 1_000_000).items():
        hand_in(base, student, nb)
    plain_course = work / "plain"
    ours_course = work / "ours"
    shutil.copytree(base, plain_course)
    shutil.copytree(base, ours_course)

    print(f"{args.students} submissions of {ASSIGNMENT}, "
          f"{os.cpu_count()} CPUs")
    plain_time, plain = timed(
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT],
        plain_course)
    print(f"plain nbgrader autograde: {plain_time:7.1f} s "
          f"(exit {plain.returncode})")
    ours_time, ours = timed(
        [sys.executable, "-m", "trainer_billing.grading", ASSIGNMENT,
         "--jobs", str(args.jobs), "--course", str(ours_course)],
        ours_course)
    print(f"ours, --jobs {args.jobs}:          {ours_time:7.1f} s "
          f"(exit {ours.returncode})")
    print(f"ratio (plain / ours):     {plain_time / ours_time:7.2f}x "
          "(target 1.8x on 2 cores)")

    plain_scores, our_scores = read_scores(plain_course), \
        read_scores(ours_course)
    # A submission plain nbgrader could not grade keeps no auto score
    # there (None); ours flags it for manual grading instead.
    dropped = sorted({student for (student, cell), (auto, _) in
                      plain_scores.items()
                      if auto is None and cell != "q3_1_task"})
    both = {key: value for key, value in plain_scores.items()
            if key[0] not in dropped}
    differ = sorted(key for key in both
                    if our_scores.get(key) != both[key])
    print(f"graded by both: {len({s for s, _ in both})} students; "
          f"every grade identical: {'yes' if not differ else 'NO'}")
    for key in differ:
        print(f"  differs: {key}: plain {both[key]}, ours "
              f"{our_scores.get(key)}")
    print(f"left ungraded by plain nbgrader: {', '.join(dropped) or 'none'}")
    print("our summary:")
    print(ours.stdout.rstrip())
    if args.keep:
        print(f"courses kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
