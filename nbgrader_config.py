"""nbgrader settings for the course (nbgrader 0.9.6).

Run every nbgrader command from the folder that holds this file:

    nbgrader generate_assignment '*' --force  # solutions/ -> exercises/
    nbgrader autograde npi_and_units          # submitted/ -> autograded/

(`generate_assignment` has no --all; "*" releases every assignment.)

The course root is this file's own folder, so a copy of this file and
``solutions/`` in another folder (as tests/test_grading.py makes) is a
complete course with its own gradebook.db. gradebook.db, submitted/,
autograded/ and feedback/ stay out of git (see .gitignore).
"""

import os
import sys

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, GetGrades

from trainer_billing.feedback import StripHiddenTracebacks, StripQuotedSecrets

c = get_config()  # noqa: F821 (traitlets provides get_config)

# nbgrader opens its gradebook by running the `alembic` command, found on
# PATH. Called as .venv/bin/nbgrader without an activated venv (as the
# Makefile and the tests do), PATH lacks .venv/bin and every command that
# touches the gradebook fails with "No such file or directory: 'alembic'".
_bin = os.path.dirname(sys.executable)
if os.path.exists(os.path.join(_bin, "alembic")) and _bin not in (
        os.environ.get("PATH", "").split(os.pathsep)):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# --- Where things are -------------------------------------------------------
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "trainer-billing"
# Instructor versions, with solutions, hidden tests and mark schemes.
c.CourseDirectory.source_directory = "solutions"
# Student versions, generated from solutions/ and committed.
c.CourseDirectory.release_directory = "exercises"

# --- What a student sees in place of a solution -----------------------------
# The stub is indented to match "### BEGIN SOLUTION", so it also fits
# inside a function body.
c.ClearSolutions.code_stub = {
    "python": (
        "# Write your code here, in place of the next line.\n"
        'raise NotImplementedError("Replace this line with your code.")'
    ),
}
c.ClearSolutions.text_stub = "Write your answer here, in your own words."

# --- Running notebooks (autograde, validate) --------------------------------
# Every cell of these exercises runs in well under a second; a cell still
# busy after 30 s is a loop that never ends. It is interrupted and counted
# as an error, so that cell's test scores 0 and grading goes on.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
# No second try: a notebook that fails once fails again, slower.
c.Execute.execute_retries = 0
# A student who deletes a test cell gets it back (and still has to pass it).
c.OverwriteCells.add_missing_cells = True

# --- Feedback for students ---------------------------------------------------
# The autograded notebook holds the hidden tests and the mark scheme again
# (nbgrader restores them to grade); strip both before the HTML goes out.
# A failed hidden assert still shows its own message (written to teach the
# rule), but not the hidden line itself.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    # Before ClearHiddenTests: a failed visible assert's traceback quotes
    # the lines after it, hidden tests included; this removes them.
    StripHiddenTracebacks,
    # A submission's code can print the hidden tests (the calling cell's
    # source) or read solutions/; such outputs are replaced by a notice.
    StripQuotedSecrets,
    ClearHiddenTests,
    ClearMarkScheme,
    CSSHTMLHeaderPreprocessor,
]
