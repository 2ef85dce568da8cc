"""Grade a class: every submission of an assignment, in parallel, with the
scores plain ``nbgrader autograde`` gives.

Plain ``nbgrader autograde ASSIGNMENT`` grades one notebook at a time, and
its gradebook is one SQLite file that parallel ``nbgrader`` processes
would write at once. Here, for each student's submission
(``submitted/<student>/<assignment>/``):

1. the parent process takes one consistent copy (SQLite backup) of
   ``gradebook.db`` before any worker starts;
2. a worker process (forked, so nbgrader is imported once) copies that
   snapshot to a gradebook of its own and runs nbgrader's own
   ``AutogradeApp`` for that one student against it, in the course folder,
   with the course's nbgrader_config.py: the same sanitizing, execution
   and scoring code as the command line, so the same scores;
3. the parent alone writes the gradebook: it copies that student's rows
   (submission time, auto scores, "needs manual grade", auto comments,
   late penalty) from the worker's gradebook into ``gradebook.db``, one
   student at a time, in one transaction each. No two processes ever
   write the same SQLite file.

At most ``--jobs`` notebooks are graded at once, but a notebook whose
current cell has run for over five seconds (or half the cell's limit) no
longer counts: it is waiting to be interrupted, so another starts beside
it, up to twice ``--jobs`` in all. A class with endless loops is not held
up by them.

Each notebook has a wall-clock time limit. A cell that runs too long is
interrupted by nbgrader (the cell then fails, as in plain autograde); a
worker still busy at the notebook's limit (a cell that ignores Ctrl-C,
say) is killed with its kernel, and the submission is flagged for manual
grading with the reason. What nbgrader cannot grade (a kernel that died,
a file that is not a notebook) is flagged the same way; nothing stops the
rest of the class.

Two departures from nbgrader 0.9.6, neither of which changes a score that
nbgrader can give:

- a copied graded cell (two cells with one ``grade_id``) makes nbgrader's
  ``add_missing_cells`` fail with ``KeyError: 'grade_id'`` after
  ``DeduplicateIds`` empties the copy's metadata; here the copy's
  metadata is removed instead, so the last copy is graded, as
  DeduplicateIds intends;
- output beyond :data:`OUTPUT_LIMIT` characters per cell is dropped while
  the cell runs (nbgrader keeps 1,000 lines, but lines of any length), so
  a cell printing 200 MB cannot fill the worker's memory or the feedback.

Each submission's outcome (status, reason, notes on what nbgrader put
right, such as a restored test cell or kernel name) is printed in a table
and written to ``grading_reports/<assignment>.json`` in the course folder;
a flagged submission is also marked ``flagged`` in the gradebook, with
every grade waiting for a manual grade.

Run ``trainer-billing grade ASSIGNMENT`` (or ``python -m
trainer_billing.grading ASSIGNMENT``) in the course folder, or pass
``--course DIR``. Exit code 0: every submission graded (written answers
still wait for the instructor, as always); 1: some submissions are flagged
for manual grading; 2: bad arguments or no course.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import glob
import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import warnings
from pathlib import Path

__all__ = [
    "GradingError",
    "SubmissionResult",
    "add_grade_command",
    "grade_class",
    "main",
]

DEFAULT_TIMEOUT = 300  # seconds per notebook
# A cell still running after this many seconds (or half its time limit,
# if less) is waiting for that limit: every cell of the course's exercises
# runs in well under one. Its notebook stops counting against --jobs, so
# another starts beside it.
SLOW_CELL = 5.0
OUTPUT_LIMIT = 1_000_000  # characters of output kept per cell

OK, FLAGGED, BAD_ARGUMENTS = 0, 1, 2


class GradingError(ValueError):
    """The class cannot be graded as asked; the message says why."""


@dataclasses.dataclass
class SubmissionResult:
    """What happened to one student's submission."""

    student: str
    status: str  # "graded", "skipped" or "flagged"
    reason: str | None = None  # why it is flagged
    notes: list[str] = dataclasses.field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    # When it started and ended, in seconds after grading began.
    started: float = 0.0
    finished: float = 0.0

    def to_dict(self):
        return dataclasses.asdict(self)


# ---------------------------------------------------------------- course

def _course_directory(course: Path, assignment: str):
    """Return nbgrader's CourseDirectory for ``course``, configured the
    way ``nbgrader autograde`` run in that folder would be."""
    from nbgrader.apps import AutogradeApp

    if not (course / "nbgrader_config.py").is_file():
        raise GradingError(f"{course} has no nbgrader_config.py: pass "
                           "--course with the course folder")
    with contextlib.chdir(course):
        app = AutogradeApp()
        app.log.setLevel(logging.ERROR)
        app.initialize([assignment])
    coursedir = app.coursedir
    coursedir.assignment_id = assignment
    return coursedir


def _sqlite_path(db_url: str) -> Path:
    if not db_url.startswith("sqlite:///"):
        raise GradingError(f"the gradebook {db_url} is not an SQLite file; "
                           "class grading needs one (use nbgrader autograde)")
    return Path(db_url[len("sqlite:///"):])


def _students(coursedir, assignment: str) -> list[str]:
    pattern = coursedir.format_path(coursedir.submitted_directory,
                                    "*", assignment)
    found = []
    for path in sorted(glob.glob(pattern)):
        if os.path.isdir(path):
            found.append(Path(path).parent.name)
    excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
    return [s for s in found if s not in excluded]


def _check_assignment(db_url: str, course_id: str, assignment: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(
                f"no assignment {assignment!r} in the gradebook: run "
                f"`nbgrader generate_assignment {assignment}` first") from None


def _snapshot(database: Path, target: Path) -> None:
    """Copy the gradebook consistently (SQLite's backup API)."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


# ---------------------------------------------------------------- worker

def _dedupe_class():
    from nbgrader.preprocessors import DeduplicateIds
    from nbgrader import utils

    class RemoveDuplicateIds(DeduplicateIds):
        """DeduplicateIds that removes the copy's metadata instead of
        emptying it (an empty ``nbgrader`` dict crashes
        OverwriteCells.add_missing_task_cells in nbgrader 0.9.6)."""

        def preprocess_cell(self, cell, resources, cell_index):
            if not (utils.is_grade(cell) or utils.is_solution(cell)
                    or utils.is_locked(cell)):
                return cell, resources
            grade_id = cell.metadata.nbgrader.get("grade_id")
            if grade_id in self.grade_ids:
                self.log.warning("Cell with id '%s' exists multiple times!",
                                 grade_id)
                del cell.metadata["nbgrader"]
            else:
                self.grade_ids.add(grade_id)
            return cell, resources

    return RemoveDuplicateIds


def _execute_class(report):
    from nbgrader.preprocessors import Execute

    class WatchedExecute(Execute):
        """nbgrader's Execute that says which cell runs (so a stopped
        worker can name it) and keeps at most OUTPUT_LIMIT characters of
        output per cell."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.on_cell_start = self._cell_started
            self._left = OUTPUT_LIMIT

        def _cell_started(self, cell, cell_index):
            self._left = OUTPUT_LIMIT
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            report("cell", grade_id or f"cell {cell_index + 1}")

        def output(self, outs, msg, display_id, cell_index):
            if msg["msg_type"] == "stream":
                text = msg["content"].get("text", "")
                if self._left <= 0:
                    return None
                if len(text) > self._left:
                    msg["content"]["text"] = (
                        text[:self._left] + "\n... output cut at "
                        f"{OUTPUT_LIMIT:,} characters by trainer-billing "
                        "grade ...\n")
                self._left -= len(text)
            return super().output(outs, msg, display_id, cell_index)

    return WatchedExecute


def _swap(classes, old, new):
    return [new if cls is old or (isinstance(cls, str) and
                                  cls.rsplit(".", 1)[-1] == old.__name__)
            else cls for cls in classes]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        try:
            self.messages.append((record.levelno, record.getMessage()))
        except Exception:  # a message that cannot be formatted
            pass


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, error


def _grade_cells(nb):
    cells = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade_id"):
            cells.setdefault(meta["grade_id"], []).append(cell)
    return cells


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _inspect(submitted: Path, release: Path) -> list[str]:
    """Return what a submission changed that nbgrader will put right."""
    notes = []
    for nb_path in sorted(release.glob("*.ipynb")):
        theirs_path = submitted / nb_path.name
        name = nb_path.stem
        if not theirs_path.exists():
            notes.append(f"{name}: no notebook handed in (scores 0)")
            continue
        ours, _ = _read_json(nb_path)
        theirs, error = _read_json(theirs_path)
        if theirs is None or not isinstance(theirs, dict) or ours is None:
            continue  # nbgrader fails on it; the reason comes from there
        kernel = theirs.get("metadata", {}).get("kernelspec", {})
        expected = ours.get("metadata", {}).get("kernelspec", {})
        if isinstance(kernel, dict) and \
                kernel.get("name") != expected.get("name"):
            notes.append(f"kernel {kernel.get('name')!r} replaced by "
                         f"{expected.get('name')!r}")
        released, handed_in = _grade_cells(ours), _grade_cells(theirs)
        for grade_id, cells in released.items():
            meta = cells[0]["metadata"]["nbgrader"]
            copies = handed_in.get(grade_id, [])
            if not copies:
                if meta.get("grade") or meta.get("task"):
                    notes.append(f"cell {grade_id} was deleted; put back")
                elif meta.get("locked"):
                    notes.append(f"locked cell {grade_id} was deleted; "
                                 "nbgrader does not put it back, so a test "
                                 "that needs it fails")
                continue
            if len(copies) > 1:
                notes.append(f"cell {grade_id} appears {len(copies)} "
                             "times; the last copy is graded")
            if meta.get("locked") and any(
                    _source(c) != _source(cells[0]) for c in copies):
                notes.append(f"locked cell {grade_id} was edited; "
                             "the released version was graded")
    return notes


def _timeouts_in(autograded: Path) -> list[str]:
    notes = []
    for nb_path in sorted(autograded.glob("*.ipynb")):
        nb, _ = _read_json(nb_path)
        for index, cell in enumerate((nb or {}).get("cells", [])):
            for output in cell.get("outputs", []):
                if output.get("ename") == "CellTimeoutError":
                    label = cell.get("metadata", {}).get(
                        "nbgrader", {}).get("grade_id") or \
                        f"cell {index + 1}"
                    notes.append(f"{label} ran too long and was "
                                 "interrupted (scored as an error)")
    return notes


def _reason(messages, last_cell):
    """Return why nbgrader could not grade, from its log."""
    text = "\n".join(message for _, message in messages)
    where = f" in {last_cell}" if last_cell else ""
    if "DeadKernelError" in text or "Kernel died" in text:
        return (f"the kernel died{where} (the code ended Python, e.g. "
                "os._exit(), or crashed it)")
    if "UnresponsiveKernelError" in text or (
            "CellTimeoutError" in text and "Interrupting kernel" in text):
        return (f"a cell{where} ran too long and ignored the interrupt "
                "(Ctrl-C)")
    if "KeyError: 'grade_id'" in text:
        return ("nbgrader failed: a cell's grading metadata was changed or "
                "removed (KeyError 'grade_id'); compare the submission's "
                "cells with the release, or grade it by hand")
    if "NotJSONError" in text or "JSONDecodeError" in text or \
            "NotebookValidationError" in text or "ValidationError" in text:
        return "the file handed in is not a readable notebook"
    for level, message in messages:
        if level >= logging.ERROR and "Traceback" in message:
            lines = [line.strip() for line in message.splitlines()
                     if line.strip()]
            return f"nbgrader failed: {lines[-1][:200]}"
    errors = [m for level, m in messages if level >= logging.ERROR]
    return f"nbgrader failed: {errors[-1][:200]}" if errors else \
        "nbgrader failed"


def _rows(db_url: str, course_id: str, assignment: str, student: str):
    """Return this student's rows of a gradebook, as plain data."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {
            "timestamp": sub.timestamp.isoformat() if sub.timestamp
            else None,
            "notebooks": {
                nb.name: {
                    "late_submission_penalty": nb.late_submission_penalty,
                    "grades": {g.name: [g.auto_score, g.needs_manual_grade]
                               for g in nb.grades},
                    "comments": {c.name: c.auto_comment
                                 for c in nb.comments},
                } for nb in sub.notebooks},
        }


def _worker(job, conn):
    """Grade one student's submission (runs in a forked process)."""
    seen = {}

    def report(kind, value):
        seen[kind] = value
        with contextlib.suppress(OSError, ValueError):
            conn.send((kind, value))

    log = open(job["log"], "w", encoding="utf-8", errors="replace")
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    os.chdir(job["root"])
    shutil.copyfile(job["snapshot"], job["private"])
    db_url = f"sqlite:///{job['private']}"
    result = {"status": "graded", "reason": None, "notes": []}
    try:
        result["notes"] = _inspect(Path(job["submitted"]),
                                   Path(job["release"]))
        from nbgrader.apps import AutogradeApp
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import DeduplicateIds, Execute

        app = AutogradeApp()
        argv = [job["assignment"], "--student", glob.escape(job["student"])]
        if job["force"]:
            argv.append("--force")
        app.initialize(argv)
        app.coursedir.db_url = db_url
        records = _Records()
        app.log.addHandler(records)
        traits = Autograde.class_traits()
        section = app.config.Autograde
        section.sanitize_preprocessors = _swap(
            section.get("sanitize_preprocessors",
                        traits["sanitize_preprocessors"].default()),
            DeduplicateIds, _dedupe_class())
        section.autograde_preprocessors = _swap(
            section.get("autograde_preprocessors",
                        traits["autograde_preprocessors"].default()),
            Execute, _execute_class(report))
        if job["cell_timeout"]:
            app.config.Execute.timeout = job["cell_timeout"]

        # Each notebook's time limit starts when nbgrader opens it.
        original = Autograde.convert_single_notebook

        def convert(self, filename):
            report("notebook", os.path.basename(filename))
            return original(self, filename)

        Autograde.convert_single_notebook = convert
        try:
            app.start()
        except SystemExit as stop:
            if stop.code not in (0, None):
                result["status"] = "flagged"
        messages = records.messages
        if any("Skipping existing assignment" in m for _, m in messages):
            result["status"] = "skipped"
        if any("There was an error processing assignment" in m
               for _, m in messages):
            result["status"] = "flagged"
        if result["status"] == "flagged":
            result["reason"] = _reason(messages, seen.get("cell"))
        autograded = Path(app.coursedir.format_path(
            app.coursedir.autograded_directory, job["student"],
            job["assignment"]))
        if result["status"] == "graded":
            result["notes"] += _timeouts_in(autograded)
        result["rows"] = _rows(db_url, app.coursedir.course_id,
                               job["assignment"], job["student"])
    except BaseException as error:  # never lose the student: flag them
        result.update(status="flagged", rows=None,
                      reason=f"grading failed: {type(error).__name__}: "
                             f"{error}"[:300])
    report("result", result)
    conn.close()
    log.close()
    os._exit(0)


# ---------------------------------------------------------------- parent

def _kill_tree(pid: int) -> None:
    """Kill a worker and everything it started (its kernel above all: a
    kernel lives in a session of its own, so a process group would miss
    it)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(family, timeout=5)


def _merge(db_url, course_id, assignment, student, rows, timestamp,
           flagged):
    """Write one student's rows into the course gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader import utils

    with Gradebook(db_url, course_id) as gb, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about objects
        # not yet in the session (plain autograde prints the same).
        warnings.simplefilter("ignore", category=Warning)
        gb.update_or_create_student(student)
        when = rows.get("timestamp") if rows else None
        when = when or (timestamp.isoformat() if timestamp else None)
        if when:
            sub = gb.update_or_create_submission(
                assignment, student, timestamp=utils.parse_utc(when))
        else:
            sub = gb.update_or_create_submission(assignment, student)
        for nb in sub.notebooks:
            theirs = (rows or {}).get("notebooks", {}).get(nb.name)
            if theirs:
                nb.late_submission_penalty = \
                    theirs["late_submission_penalty"]
                for grade in nb.grades:
                    if grade.name in theirs["grades"]:
                        grade.auto_score, grade.needs_manual_grade = \
                            theirs["grades"][grade.name]
                for comment in nb.comments:
                    if comment.name in theirs["comments"]:
                        comment.auto_comment = \
                            theirs["comments"][comment.name]
            if flagged:
                nb.flagged = True
                for grade in nb.grades:
                    if not theirs:
                        grade.auto_score = None
                    grade.needs_manual_grade = True
        gb.db.commit()


def _scores(db_url, course_id, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        return {sub.student_id: (sub.score, sub.max_score)
                for sub in gb.assignment_submissions(assignment)}


def grade_class(assignment: str, course: str | os.PathLike = ".",
                jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                cell_timeout: float | None = None, force: bool = False,
                progress: bool = True) -> list[SubmissionResult]:
    """Return one :class:`SubmissionResult` per submission, after grading
    them all into the course's gradebook.

    ``timeout`` is the wall-clock limit per notebook; a cell may run for
    nbgrader's ``Execute.timeout`` (``cell_timeout`` if given), but for no
    more than half of ``timeout``, so that an ordinary endless loop is
    interrupted and graded before the notebook's time is up.
    """
    from tqdm import tqdm

    course = Path(course).resolve()
    if jobs is None:
        jobs = len(os.sched_getaffinity(0))
    if jobs < 1:
        raise GradingError("--jobs must be 1 or more")
    if not timeout or timeout <= 0:
        raise GradingError("--timeout must be more than 0 seconds")
    coursedir = _course_directory(course, assignment)
    database = _sqlite_path(coursedir.db_url)
    if not database.is_file():
        raise GradingError(f"no gradebook at {database}: run `nbgrader "
                           f"generate_assignment {assignment}` first")
    _check_assignment(coursedir.db_url, coursedir.course_id, assignment)
    students = _students(coursedir, assignment)
    if not students:
        raise GradingError(f"no submissions of {assignment!r} in "
                           f"{coursedir.submitted_directory}/")
    configured = _course_config(course).Execute.get("timeout", 30)
    cell_limit = max(1, int(min(cell_timeout or configured or timeout,
                                timeout / 2)))
    slow = min(SLOW_CELL, cell_limit / 2)

    release = Path(coursedir.format_path(coursedir.release_directory, ".",
                                         assignment))
    if not release.is_dir():
        release = Path(coursedir.format_path(coursedir.source_directory,
                                             ".", assignment))
    _import_before_fork()
    context = multiprocessing.get_context("fork")
    results: dict[str, SubmissionResult] = {}
    with tempfile.TemporaryDirectory(prefix="trainer-billing-grade-") as tmp:
        tmp = Path(tmp)
        snapshot = tmp / "snapshot.db"
        _snapshot(database, snapshot)
        queue = list(enumerate(students))
        running = {}  # connection -> state
        began = time.monotonic()
        tqdm.monitor_interval = 0  # no thread in a process that forks
        bar = tqdm(total=len(students), desc=f"grading {assignment}",
                   unit="notebook" if len(list(release.glob("*.ipynb")))
                   == 1 else "submission",
                   disable=not progress, file=sys.stderr, dynamic_ncols=True)
        try:
            while queue or running:
                while queue and _busy(running, slow) < jobs and \
                        len(running) < 2 * jobs:
                    index, student = queue.pop(0)
                    job = {
                        "root": str(course), "assignment": assignment,
                        "student": student, "force": force,
                        "snapshot": str(snapshot),
                        "private": str(tmp / f"{index}.db"),
                        "log": str(tmp / f"{index}.log"),
                        "submitted": coursedir.format_path(
                            coursedir.submitted_directory, student,
                            assignment),
                        "release": str(release),
                        "cell_timeout": cell_limit,
                    }
                    ours, theirs = context.Pipe(duplex=False)
                    proc = context.Process(target=_worker,
                                           args=(job, theirs), daemon=True)
                    proc.start()
                    theirs.close()
                    now = time.monotonic()
                    running[ours] = {"proc": proc, "job": job,
                                     "start": now, "since": now,
                                     "began": began, "cell": None,
                                     "cell_since": None, "result": None}
                ready = multiprocessing.connection.wait(
                    list(running), timeout=0.5)
                for conn in ready:
                    state = running[conn]
                    try:
                        kind, value = conn.recv()
                    except (EOFError, OSError):
                        _finish(state, coursedir, assignment, results,
                                timeout)
                        del running[conn]
                        bar.update(1)
                        continue
                    if kind == "notebook":
                        state["since"] = time.monotonic()
                        state["cell_since"] = None
                    elif kind == "cell":
                        state["cell"] = value
                        state["cell_since"] = time.monotonic()
                    elif kind == "result":
                        state["result"] = value
                now = time.monotonic()
                for conn, state in list(running.items()):
                    if now - state["since"] > timeout:
                        _kill_tree(state["proc"].pid)
                        state["killed"] = True
                        _finish(state, coursedir, assignment, results,
                                timeout)
                        del running[conn]
                        conn.close()
                        bar.update(1)
        finally:
            for conn, state in running.items():
                _kill_tree(state["proc"].pid)
            bar.close()
    scores = _scores(coursedir.db_url, coursedir.course_id, assignment)
    ordered = []
    for student in students:
        result = results[student]
        result.score, result.max_score = scores.get(student, (None, None))
        ordered.append(result)
    _write_report(course, assignment, ordered)
    return ordered


def _busy(running, slow: float) -> int:
    """Return how many running notebooks count against ``--jobs``: all
    but those whose current cell has run for over ``slow`` seconds.

    Such a cell (an endless loop, most often) only waits for its time
    limit, which is wall-clock time, so it is no slower for sharing the
    CPU; the class goes on beside it. At most twice ``--jobs`` notebooks
    run at once. A cell that really computes for that long shares the CPU
    too, so it nears its limit sooner than when graded alone.
    """
    now = time.monotonic()
    return sum(1 for state in running.values()
               if state["cell_since"] is None
               or now - state["cell_since"] <= slow)


def _import_before_fork():
    """Import, once, what every worker needs: a forked worker inherits
    it, where importing it in each worker would cost about a second of
    CPU per notebook (as much as grading it)."""
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import nbconvert.exporters  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    import psutil  # noqa: F401
    import zmq.asyncio  # noqa: F401
    from nbconvert.exporters import NotebookExporter
    NotebookExporter()  # loads its entry points and templates


def _course_config(course: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py",
                              path=str(course)).load_config()


def _finish(state, coursedir, assignment, results, timeout):
    """Record a worker that ended (or was stopped) and merge its rows."""
    job, proc = state["job"], state["proc"]
    proc.join(timeout=10)
    student = job["student"]
    now = time.monotonic()
    seconds = now - state["start"]
    result = state["result"]
    if state.get("killed") or result is None:
        where = f" in {state['cell']}" if state["cell"] else ""
        reason = (f"stopped at the time limit of {timeout:g} s per "
                  f"notebook{where}" if state.get("killed") else
                  f"the grading process ended unexpectedly{where}")
        result = {"status": "flagged", "reason": reason, "notes": [],
                  "rows": None}
        # Remove what nbgrader had written so far (the sanitized,
        # unexecuted notebook), as nbgrader does for a failed student:
        # otherwise a later autograde would skip this student.
        dest = Path(coursedir.format_path(coursedir.autograded_directory,
                                          student, assignment))
        shutil.rmtree(dest, ignore_errors=True)
    if result["status"] != "skipped":
        timestamp = coursedir.get_existing_timestamp(job["submitted"])
        _merge(coursedir.db_url, coursedir.course_id, assignment, student,
               result.get("rows"), timestamp,
               flagged=result["status"] == "flagged")
    results[student] = SubmissionResult(
        student=student, status=result["status"], reason=result["reason"],
        notes=result["notes"], seconds=round(seconds, 1),
        started=round(state["start"] - state["began"], 1),
        finished=round(now - state["began"], 1))


def _write_report(course: Path, assignment: str, results) -> Path:
    folder = course / "grading_reports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{assignment}.json"
    path.write_text(json.dumps([r.to_dict() for r in results], indent=2,
                               ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def summary_table(results) -> str:
    """Return the table printed after grading: one line per student."""
    def fmt(value):
        return "-" if value is None else f"{value:g}"

    rows = [("student", "score", "max", "status", "reason / notes")]
    for r in results:
        why = r.reason or "; ".join(r.notes)
        rows.append((r.student, fmt(r.score), fmt(r.max_score), r.status,
                     why))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(
            [row[0].ljust(widths[0]), row[1].rjust(widths[1]),
             row[2].rjust(widths[2]), row[3].ljust(widths[3]), row[4]]
        ).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 14)
    return "\n".join(lines)


# ---------------------------------------------------------------- command

def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="worker processes (default: one per CPU)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   metavar="S",
                   help="wall-clock limit per notebook, in seconds "
                        f"(default {DEFAULT_TIMEOUT}); a submission still "
                        "running is stopped and flagged")
    p.add_argument("--cell-timeout", type=float, default=None, metavar="S",
                   help="limit per cell before nbgrader interrupts it "
                        "(default: Execute.timeout of nbgrader_config.py; "
                        "never more than half of --timeout)")
    p.add_argument("--course", default=".", metavar="DIR",
                   help="course folder, with nbgrader_config.py "
                        "(default: the current folder)")
    p.add_argument("--force", action="store_true",
                   help="regrade submissions already autograded")
    p.add_argument("--json", action="store_true",
                   help="print the results as JSON instead of a table")


def grade_command(args) -> int:
    """Run ``trainer-billing grade``; return the exit code."""
    try:
        results = grade_class(args.assignment, course=args.course,
                              jobs=args.jobs, timeout=args.timeout,
                              cell_timeout=args.cell_timeout,
                              force=args.force,
                              progress=not args.json)
    except GradingError as error:
        print(f"trainer-billing grade: {error}", file=sys.stderr)
        return BAD_ARGUMENTS
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2,
                         ensure_ascii=False))
    else:
        print(summary_table(results))
        flagged = sum(r.status == "flagged" for r in results)
        print(f"{len(results)} submissions: "
              f"{sum(r.status == 'graded' for r in results)} graded, "
              f"{sum(r.status == 'skipped' for r in results)} skipped "
              f"(already autograded; --force regrades), {flagged} flagged "
              "for manual grading")
    return FLAGGED if any(r.status == "flagged" for r in results) else OK


def add_grade_command(subparsers) -> argparse.ArgumentParser:
    """Register ``grade`` on the ``trainer-billing`` subparsers."""
    p = subparsers.add_parser(
        "grade", help="autograde every submission of an assignment in "
                      "parallel (nbgrader scores, time limits, summary)")
    _add_arguments(p)
    p.set_defaults(run=grade_command)
    return p


def main(argv=None) -> int:
    """``python -m trainer_billing.grading ASSIGNMENT [options]``."""
    parser = argparse.ArgumentParser(
        prog="trainer-billing grade",
        description="Autograde every submission of an assignment in "
                    "parallel, with nbgrader's scores.")
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return grade_command(args)
    except KeyboardInterrupt:
        return FLAGGED


if __name__ == "__main__":
    sys.exit(main())
