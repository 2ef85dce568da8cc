"""Throw-away nbgrader courses for the grading tests: reading the
instructor's regions of a notebook, running nbgrader in a course folder
of its own, and building one course per test run for every xdist worker.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys

DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS",
              "END HIDDEN TESTS", "BEGIN MARK SCHEME", "END MARK SCHEME")


def nbgrader_cells(nb):
    """Return a notebook's nbgrader cells by grade_id."""
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
            if "nbgrader" in cell.metadata}


def without_delimiters(source):
    """Return a cell's source without its BEGIN/END marker lines."""
    return "\n".join(line for line in source.splitlines()
                     if not any(d in line for d in DELIMITERS))


def secrets(nb, kinds=("SOLUTION", "HIDDEN TESTS", "MARK SCHEME")):
    """Return the stripped lines that only the instructor may see.

    A line counts as secret if it is inside a region of one of `kinds` and
    nowhere outside such regions (a visible check may repeat a line such
    as `assert got == expected, (`); lines under 12 characters, such as
    ")", are left out.
    """
    hidden, shown = set(), set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if any(f"BEGIN {kind}" in line for kind in kinds):
                inside = True
            elif any(f"END {kind}" in line for kind in kinds):
                inside = False
            else:
                (hidden if inside else shown).add(line.strip())
    return {line for line in hidden - shown if len(line) >= 12}


def nbgrader(course, *args):
    """Run ``nbgrader ARGS`` in the course folder, with the user's own
    Jupyter config kept out and each run's files apart; fail the test if
    it fails."""
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = course.parent / name.lower()
        path.mkdir(exist_ok=True)
        env[name] = str(path)
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"nbgrader {' '.join(args)} failed ({result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}")
    return result


def shared(tmp_path_factory, name, build):
    """Build a course once per test run (all xdist workers) and return
    (folder, what ``build(folder)`` returned, through JSON).

    The first worker to get the lock builds; the others read what it
    saved.
    """
    if "PYTEST_XDIST_WORKER" in os.environ:
        base = tmp_path_factory.getbasetemp().parent
    else:
        base = tmp_path_factory.mktemp(name)
    folder, done = base / name, base / f"{name}.json"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if folder.exists():  # a worker that failed before us
                shutil.rmtree(folder)
            done.write_text(json.dumps(build(folder)), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))
