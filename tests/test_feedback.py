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


# --- outputs that quote what the student must not see ------------------------

from traitlets.config import Config  # noqa: E402

from trainer_billing.feedback import (REMOVED, StripQuotedSecrets,  # noqa: E402
                                      secret_lines)

HIDDEN_CELL = """assert npi_is_valid("1234567893"), "a valid NPI was refused"
### BEGIN HIDDEN TESTS
assert not npi_is_valid("1234567890"), (
    "1234567890 has a wrong check digit: the Luhn sum needs the 80840")
### END HIDDEN TESTS
"""
SCHEME_CELL = """### Question 3.1 (4 points)
### BEGIN MARK SCHEME
1 point for saying that a trainer cannot bill 97110 in their own name.
### END MARK SCHEME
"""
SOLUTION_CELL = """def npi_is_valid(number):
    ### BEGIN SOLUTION
    return luhn_checksum_with_the_prefix("80840" + number) == 0
    ### END SOLUTION
"""


def graded(outputs):
    answer = nbformat.v4.new_code_cell("def npi_is_valid(number): ...")
    answer.outputs = outputs
    test = nbformat.v4.new_code_cell(HIDDEN_CELL)
    test.outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError",
        evalue="1234567890 has a wrong check digit: the Luhn sum needs the "
               "80840", traceback=["AssertionError: 1234567890 has a wrong "
                                   "check digit: the Luhn sum needs the 80840"])]
    return nbformat.v4.new_notebook(cells=[
        answer, test, nbformat.v4.new_markdown_cell(SCHEME_CELL)])


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def strip(nb, tmp_path=None):
    config = Config()
    resources = {"nbgrader": {"assignment": "a1", "notebook": "a1"}}
    if tmp_path is not None:
        source = tmp_path / "solutions" / "a1"
        source.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(SOLUTION_CELL)]), source / "a1.ipynb")
        config.CourseDirectory.root = str(tmp_path)
        config.CourseDirectory.source_directory = "solutions"
    return StripQuotedSecrets(config=config).preprocess(nb, resources)[0]


def test_an_output_quoting_a_hidden_test_or_mark_scheme_is_replaced():
    # What a submission prints with print(_ih[-1]) or by reading the files.
    nb = strip(graded([stream(HIDDEN_CELL), stream("fine\n"),
                       stream(SCHEME_CELL)]))
    outputs = nb.cells[0].outputs
    assert [o.text for o in outputs] == [REMOVED, "fine\n", REMOVED]


def test_a_failed_hidden_assert_keeps_its_teaching_message():
    nb = strip(graded([]))
    [error] = nb.cells[1].outputs
    assert error.output_type == "error"
    assert "needs the 80840" in error.evalue


def test_an_output_quoting_the_instructors_solution_is_replaced(tmp_path):
    leaked = stream(SOLUTION_CELL)
    nb = strip(graded([leaked, stream("return number\n")]), tmp_path)
    assert [o.text for o in nb.cells[0].outputs] == [
        REMOVED, "return number\n"]


def test_secret_lines_leave_out_short_and_shared_lines():
    cells = [{"source": "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n"
                        "assert some_long_name(x) == 2\n### END HIDDEN TESTS"},
             {"source": "assert some_long_name(x) == 2"}]
    assert secret_lines(cells, ("HIDDEN TESTS",)) == {"BEGIN HIDDEN TESTS"}
