import nbformat

from trainer_billing.feedback import StripHiddenTracebacks, hidden_lines

SOURCE = """got = npi_is_valid("1234567890")
assert got is False, "a wrong check digit must be caught"
### BEGIN HIDDEN TESTS
check_npi("2234567891", True,
          "2234567891 is valid: it starts with 2")
### END HIDDEN TESTS
"""
# What IPython prints (colour codes and gutter included) when the last
# visible assert fails: the next lines of the cell, hidden ones too.
TRACEBACK = [
    "\x1b[31m---------------------------------------------------------\x1b[0m",
    "\x1b[31mAssertionError\x1b[0m  Traceback (most recent call last)",
    "Cell \x1b[32mIn[7], line 2\x1b[0m\n"
    "\x1b[32m      1\x1b[0m got = npi_is_valid(\"1234567890\")\n"
    "\x1b[32m----> 2\x1b[0m \x1b[38;5;28;01massert\x1b[39;00m got is False, "
    "\"a wrong check digit must be caught\"\n"
    "\x1b[32m      3\x1b[0m ### BEGIN HIDDEN TESTS\n"
    "\x1b[32m      4\x1b[0m check_npi(\"2234567891\", True,\n"
    "\x1b[32m      5\x1b[0m           \"2234567891 is valid: it starts with 2\")",
    "\x1b[31mAssertionError\x1b[0m: a wrong check digit must be caught",
]


def notebook():
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError",
        evalue="a wrong check digit must be caught", traceback=TRACEBACK)]
    return nbformat.v4.new_notebook(cells=[cell])


def test_hidden_lines_are_the_region_with_its_markers():
    assert hidden_lines(SOURCE) == {
        "### BEGIN HIDDEN TESTS", 'check_npi("2234567891", True,',
        '"2234567891 is valid: it starts with 2")',
        "### END HIDDEN TESTS"}


def test_tracebacks_lose_every_hidden_line_and_keep_the_rest():
    # Called as nbgrader calls it (__call__ skips a disabled preprocessor).
    nb, _ = StripHiddenTracebacks()(notebook(), {})
    text = "\n".join(nb.cells[0].outputs[0].traceback)
    assert "2234567891" not in text and "HIDDEN" not in text
    assert "a wrong check digit must be caught" in text
    assert 'npi_is_valid(\\"1234567890\\")' in text or \
        'npi_is_valid("1234567890")' in text


def test_cells_without_hidden_tests_are_untouched():
    nb = notebook()
    nb.cells[0].source = "assert 1 == 2"
    before = list(nb.cells[0].outputs[0].traceback)
    nb, _ = StripHiddenTracebacks()(nb, {})
    assert nb.cells[0].outputs[0].traceback == before
