"""Notebook hygiene: outputs are never stored, nbgrader metadata is consistent.

Policy: notebooks in solutions/ (and the generated course/) are committed
without outputs or execution counts, so diffs show only what changed in the
text and code; `make strip-outputs` clears them.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.grading.nbgrader_run import ROOT, all_assignments, answer_cells, autograded_cells, notebook_path

NOTEBOOKS = [(folder, a) for folder in ("solutions", "course") for a in all_assignments()]


def load(folder, assignment):
    return nbformat.read(notebook_path(ROOT / folder, assignment), as_version=4)


@pytest.mark.parametrize("folder,assignment", NOTEBOOKS)
def test_notebooks_are_stored_without_outputs(folder, assignment):
    nb = load(folder, assignment)
    nbformat.validate(nb)
    dirty = [cell.id for cell in nb.cells if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not dirty, f"{folder}/{assignment} stores outputs in cells {dirty}: run `make strip-outputs`"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("assignment", all_assignments())
def test_one_notebook_per_assignment_named_after_it(assignment):
    notebooks = sorted(p.name for p in (ROOT / "solutions" / assignment).glob("*.ipynb"))
    assert notebooks == [f"{assignment}.ipynb"]


@pytest.mark.parametrize("assignment", all_assignments())
def test_nbgrader_cells_are_consistent(assignment):
    nb = load("solutions", assignment)
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells if "nbgrader" in cell.metadata]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    answers, tests = answer_cells(nb), autograded_cells(nb)
    assert answers and tests
    for grade_id, cell in answers.items():
        assert re.search(rf"^(def {grade_id}\(|class {grade_id}\b)", cell.source, re.M), grade_id
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, grade_id
    for grade_id in tests:
        owner = [a for a in answers if grade_id == f"test_{a}" or grade_id.startswith(f"test_{a}_")]
        assert owner, f"test cell {grade_id} must be named test_<function>_<aspect>"
    sources = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nb.cells if "nbgrader" in cell.metadata}
    for function in answers:
        own = [t for t in tests if t == f"test_{function}" or t.startswith(f"test_{function}_")]
        assert own, f"{function} has no test cell"
        assert any("### BEGIN HIDDEN TESTS" in sources[t] for t in own), f"{function} has no hidden tests"
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            assert meta.get("locked") and meta["points"] > 0, meta["grade_id"]
