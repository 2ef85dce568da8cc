"""Feedback for students that shows no hidden test.

nbgrader's ClearHiddenTests removes hidden tests from a cell's source,
but an error output keeps its traceback, and IPython prints the lines
around the failing one: when the last visible check fails, the first
hidden lines come along. StripHiddenTracebacks removes from error
outputs every line that quotes a hidden test. It must run before
ClearHiddenTests, while the hidden lines are still in the source.

A submission's own code runs while it is graded, with the instructor's
rights: it can print the cell that calls it (``_ih``, with the hidden
tests nbgrader put back) or read ``solutions/``. StripQuotedSecrets
replaces any output that quotes a hidden test, a mark scheme or the
instructor's solution with a short notice, so that such a printout never
reaches a student's feedback. It catches plain quotes (and a notebook
file printed whole); it cannot catch text the code scrambles first, and
it does not stop the code from reading. Grade untrusted work where the
grading account cannot read what students must not see (see the
instructor guide).
"""

import json
import os
import re

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# Traceback lines carry ANSI colour codes and a line-number gutter.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GUTTER = re.compile(r"^\s*(-+>|\s)?\s*\d+\s")


def hidden_lines(source):
    """Return the stripped, non-empty lines of the hidden-test regions of
    a cell's source, markers included."""
    found, inside = set(), False
    for line in source.splitlines():
        text = line.strip()
        if text == BEGIN:
            inside = True
        if inside and text:
            found.add(text)
        if text == END:
            inside = False
    return found


def _quotes_hidden(line, hidden):
    plain = _GUTTER.sub("", _ANSI.sub("", line)).strip()
    return bool(plain) and plain in hidden


class StripHiddenTracebacks(Preprocessor):
    """Remove hidden-test lines from the tracebacks of error outputs."""

    # nbconvert preprocessors are off unless enabled; nbgrader calls them
    # through __call__, which skips a disabled one.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        hidden = hidden_lines(cell.source)
        if not hidden:
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            kept = []
            for entry in output.get("traceback", []):
                lines = [line for line in entry.split("\n")
                         if not _quotes_hidden(line, hidden)]
                kept.append("\n".join(lines))
            output["traceback"] = kept
        return cell, resources


#: Regions whose lines a student must not see in feedback.
SECRET_REGIONS = ("HIDDEN TESTS", "MARK SCHEME", "SOLUTION")
#: Shorter lines (")", "else:", "return total") are too common to tell.
MIN_SECRET = 12
REMOVED = ("[This output is not shown in your feedback: it quoted the "
           "instructor's hidden tests, mark scheme or solution.]\n")


def secret_lines(cells, regions=SECRET_REGIONS):
    """Return the stripped lines, at least MIN_SECRET characters long,
    found only inside ``### BEGIN``/``### END`` regions of ``regions``
    (a line that also stands outside them, such as a shared assert, is
    not a secret), plus the markers themselves."""
    inside_lines, outside_lines = set(), set()
    for cell in cells:
        inside = False
        for line in cell.get("source", "").splitlines():
            text = line.strip()
            if any(text == f"### BEGIN {r}" for r in regions):
                inside = True
                continue
            if any(text == f"### END {r}" for r in regions):
                inside = False
                continue
            (inside_lines if inside else outside_lines).add(text)
    found = {line for line in inside_lines - outside_lines
             if len(line) >= MIN_SECRET}
    return found | {f"BEGIN {r}" for r in regions if r != "SOLUTION"}


def _output_text(output):
    parts = [output.get("text", "")]
    for value in (output.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else
                     "\n".join(value) if isinstance(value, list) else "")
    parts.extend(output.get("traceback", []))
    parts.append(str(output.get("evalue", "")))
    return _ANSI.sub("", "\n".join(parts))


class StripQuotedSecrets(Preprocessor):
    """Replace outputs that quote a hidden test, a mark scheme or the
    instructor's solution with a notice. Run it before ClearHiddenTests
    and ClearMarkScheme (it reads them from the graded notebook) and after
    StripHiddenTracebacks (whose careful trimming it would otherwise
    overrule). The solution is read from the course's source folder when
    it can be found there."""

    enabled = Bool(True).tag(config=True)

    def _solution_cells(self, resources):
        info = resources.get("nbgrader", {})
        course = self.config.CourseDirectory
        root = course.get("root") or os.getcwd()
        folder = course.get("source_directory") or "source"
        path = os.path.join(root, folder, info.get("assignment", ""),
                            f"{info.get('notebook', '')}.ipynb")
        try:
            return nbformat.read(path, as_version=4).cells
        except (OSError, ValueError):
            return []

    def preprocess(self, nb, resources):
        secrets = secret_lines(nb.cells, ("HIDDEN TESTS", "MARK SCHEME"))
        secrets |= secret_lines(self._solution_cells(resources))
        # A notebook file printed whole quotes its lines JSON-escaped.
        secrets |= {json.dumps(line)[1:-1] for line in secrets}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for index, output in enumerate(cell.get("outputs", [])):
                text = _output_text(output)
                if any(secret in text for secret in secrets):
                    cell.outputs[index] = nbformat.v4.new_output(
                        "stream", name="stdout", text=REMOVED)
        return nb, resources
