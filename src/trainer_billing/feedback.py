"""Feedback for students that shows no hidden test.

nbgrader's ClearHiddenTests removes hidden tests from a cell's source,
but an error output keeps its traceback, and IPython prints the lines
around the failing one: when the last visible check fails, the first
hidden lines come along. StripHiddenTracebacks removes from error
outputs every line that quotes a hidden test. It must run before
ClearHiddenTests, while the hidden lines are still in the source.
"""

import re

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
