"""Every workbook under notebooks/ runs from top to bottom without error.

Notebooks are found by glob, so a new workbook is tested as soon as it is
added. Each runs in its own folder, as JupyterLab and Voila run it.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    path for path in (ROOT / "notebooks").rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts)
TIMEOUT = 120  # seconds per cell


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook found under notebooks/"


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_runs(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first error
    errors = [output for cell in notebook.cells
              for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert errors == []


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: clear the outputs"
            assert cell.execution_count is None


def test_every_tool_is_exported_from_the_widgets_package():
    from trainer_billing import widgets
    for name in widgets.__all__:
        assert getattr(widgets, name).__name__ == name
