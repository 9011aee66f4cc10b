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


# ---------------------------------------------------------------------------
# Rules the grading tools rely on (a new assignment must keep them: README, "Adding an assignment")
# ---------------------------------------------------------------------------
def test_grade_ids_are_unique_across_the_course():
    """The grader tells assignments apart by their answer and test cells (a notebook submitted for the
    wrong assignment is recognised by them), so no grade id of an answer or test cell repeats."""
    seen: dict[str, str] = {}
    repeated = []
    for assignment in all_assignments():
        nb = load("solutions", assignment)
        for grade_id in [*answer_cells(nb), *autograded_cells(nb)]:
            if grade_id in seen:
                repeated.append(f"{grade_id} ({seen[grade_id]} and {assignment})")
            seen[grade_id] = assignment
    assert not repeated, f"grade ids used twice: {repeated}"


@pytest.mark.parametrize("assignment", all_assignments())
def test_cell_ids_equal_grade_ids(assignment):
    """Tools and tests address nbgrader cells by id (JupyterLab gives new cells random ones: set the
    id of a new nbgrader cell to its grade id)."""
    nb = load("solutions", assignment)
    wrong = [
        f"{cell.id} (grade id {cell.metadata['nbgrader']['grade_id']})"
        for cell in nb.cells
        if "grade_id" in cell.metadata.get("nbgrader", {}) and cell.id != cell.metadata["nbgrader"]["grade_id"]
    ]
    assert not wrong, f"{assignment}: cells whose id is not their grade id: {wrong}"


@pytest.mark.parametrize("assignment", all_assignments())
def test_names_defined_in_hidden_tests_start_with_an_underscore(assignment):
    """A hidden block's own names start with `_`: they stay out of the student's namespace (a hidden
    `X = ...` would change what the student's later cells see) and out of the progress report."""
    import ast

    nb = load("solutions", assignment)
    bad = []
    for grade_id in autograded_cells(nb):
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            bad += [f"{grade_id}: {name}" for name in _bound_names(ast.parse(block)) if not name.startswith("_")]
    assert not bad, f"{assignment}: hidden tests define names without a leading underscore: {bad}"


def _bound_names(tree) -> set[str]:
    """Names a block binds in the notebook's namespace (not those local to functions or comprehensions)."""
    import ast

    names: set[str] = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            return  # their bodies have scopes of their own
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_every_assignment_has_synthetic_students():
    """An assignment without tests/grading/students_<assignment>.py would be left out of the grading
    tests without a word: it must not exist."""
    missing = [a for a in all_assignments() if not (ROOT / "tests" / "grading" / f"students_{a}.py").is_file()]
    assert not missing, f"no synthetic students for {missing}: write tests/grading/students_<assignment>.py"
