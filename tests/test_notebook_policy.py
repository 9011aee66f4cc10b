"""Notebook hygiene: outputs are never stored, nbgrader metadata is consistent.

Policy: notebooks in solutions/ (and the generated course/) are committed
without outputs or execution counts, so diffs show only what changed in the
text and code; `make strip-outputs` clears them.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.grading.nbgrader_run import (
    ROOT,
    all_assignments,
    answer_cells,
    autograded_cells,
    freetext_cells,
    notebook_path,
)
from tools import freetext
from tools.layout import Course

EXTRAS = Course(ROOT).extra_notebooks()
NOTEBOOKS = [(folder, a) for folder in ("solutions", "course") for a in all_assignments()]
NOTEBOOKS += [("extras", extra) for extra in EXTRAS]


def load(folder, assignment):
    return nbformat.read(notebook_path(ROOT / folder, assignment), as_version=4)


@pytest.mark.parametrize("folder,assignment", NOTEBOOKS)
def test_notebooks_are_stored_without_outputs(folder, assignment):
    nb = load(folder, assignment)
    nbformat.validate(nb)
    dirty = [cell.id for cell in nb.cells if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not dirty, f"{folder}/{assignment} stores outputs in cells {dirty}: run `make strip-outputs`"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("extra", EXTRAS)
def test_extras_are_optional_notebooks_that_no_tool_grades_or_releases(extra):
    """An extra (tools/layout.py) has no answer or test cell, is no assignment, and lives outside nbgrader's
    source folder (solutions/), so no release, grading or nbgrader command ever sees it."""
    nb = load("extras", extra)
    assert not answer_cells(nb) and not autograded_cells(nb), f"{extra} is optional: it has nothing to grade"
    assert extra not in all_assignments()
    assert not (ROOT / "solutions" / extra).exists() and not (ROOT / "course" / extra).exists()


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
        for grade_id in [*answer_cells(nb), *autograded_cells(nb), *freetext_cells(nb)]:
            if grade_id in seen:
                repeated.append(f"{grade_id} ({seen[grade_id]} and {assignment})")
            seen[grade_id] = assignment
    assert not repeated, f"grade ids used twice: {repeated}"


@pytest.mark.parametrize("assignment", all_assignments())
def test_every_assignment_asks_free_text_questions_with_a_rubric(assignment):
    """At least one free-text question (tools/freetext.py): a read-only prompt naming its points, then a
    markdown answer cell graded by hand (solution and grade, not a task, points, not locked) whose whole
    source in solutions/ is one solution region holding the model answer and the rubric (what a full, a
    partial and a zero answer says), so the release shows the student nothing but an empty answer."""
    problems = freetext_problems(load("solutions", assignment))
    assert not problems, f"{assignment}:\n  " + "\n  ".join(problems)


def freetext_problems(nb) -> list[str]:
    cells = freetext_cells(nb)
    problems = [] if cells else ["no free-text question (README, 'Free-text questions')"]
    for grade_id, cell in cells.items():
        meta = cell.metadata["nbgrader"]
        index = nb.cells.index(cell)
        prompt = nb.cells[index - 1]
        if not grade_id.startswith("explain_"):
            problems.append(f"{grade_id}: a free-text answer's grade id is explain_<topic>")
        if meta.get("task") or meta.get("locked") or not meta.get("points", 0) > 0:
            problems.append(f"{grade_id}: must be an answer (task false, not locked) with points")
        if prompt.cell_type != "markdown" or not prompt.metadata.get("nbgrader", {}).get("locked"):
            problems.append(f"{grade_id}: the cell above must be its read-only prompt")
        elif f"({meta.get('points', 0):g} points, graded by hand)" not in prompt.source:
            problems.append(f"{grade_id}: its prompt must say `({meta.get('points', 0):g} points, graded by hand)`")
        source = cell.source.strip()
        if not (source.startswith("### BEGIN SOLUTION") and source.endswith("### END SOLUTION")):
            problems.append(f"{grade_id}: its whole source must be one BEGIN/END SOLUTION region")
        rubric = freetext.rubric(cell)
        missing = [part for part in ("**Model answer.**", "**Full:**", "**Partial", "**Zero:**") if part not in rubric]
        if missing:
            problems.append(f"{grade_id}: its rubric lacks {missing}")
    return problems


def test_free_text_problems_are_found():
    """The check above, on one question broken in each way it names."""
    nb = load("solutions", "01_one_hot")
    assert not freetext_problems(nb)
    cell = next(iter(freetext_cells(nb).values()))
    index = nb.cells.index(cell)
    cell.source = cell.source.replace("**Zero:**", "**Nothing:**")
    cell.metadata["nbgrader"]["locked"] = True
    nb.cells[index - 1].source = "Explain."
    assert len(freetext_problems(nb)) == 3, freetext_problems(nb)
    cell.source = "A model answer outside the region.\n" + cell.source
    assert len(freetext_problems(nb)) == 4
    nb.cells.remove(cell)
    assert freetext_problems(nb) == ["no free-text question (README, 'Free-text questions')"]


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
        elif isinstance(node, ast.ExceptHandler) and node.name:  # `except E as name` binds, then deletes it
            names.add(node.name)
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


# ---------------------------------------------------------------------------
# Test cells leave the lesson's names alone
# ---------------------------------------------------------------------------
def _reads_and_functions(source: str) -> tuple[set[str], dict[str, set[str]]]:
    """The names a cell reads from the notebook's namespace (before the cell itself binds them; names read
    inside its functions, lambdas and comprehensions count unless the cell binds them), and for each
    function or class the cell defines, the global names its body reads (read when it is called)."""
    import ast
    import symtable

    tree = ast.parse(source)
    bound_so_far: set[str] = set()
    reads: set[str] = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            for child in [*getattr(node, "decorator_list", []), *getattr(node, "bases", [])]:
                visit(child)
            if not isinstance(node, ast.Lambda):
                bound_so_far.add(node.name)
            return  # their bodies: from the symbol table below
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            visit(node.generators[0].iter)  # evaluated here; the rest is the comprehension's own scope
            return
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):  # the value is evaluated first
            if node.value is not None:
                visit(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                visit(ast.Name(node.target.id, ast.Load()))
            for target in targets:
                visit(target)
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in bound_so_far:
                reads.add(node.id)
            elif isinstance(node.ctx, ast.Store):
                bound_so_far.add(node.id)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound_so_far.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)

    def global_reads(table) -> set[str]:
        names = {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
        for child in table.get_children():
            names |= global_reads(child)
        return names

    top = symtable.symtable(source, "cell", "exec")
    functions: dict[str, set[str]] = {}
    nested: set[str] = set()
    for child in top.get_children():
        names = global_reads(child)
        nested |= names
        if child.get_type() in ("function", "class"):
            functions[child.get_name()] = names
    reads |= nested - _bound_names(tree)
    return reads, functions


def namespace_clashes(nb) -> list[str]:
    """Where test cells and the lesson share a name: a test cell (visible or hidden) binds a name that a
    later non-test cell reads (it would read the test's data: issue 28, 04's results table), or rebinds a
    name an earlier non-test cell bound (a student who runs the tests, then a lesson cell again, gets the
    test's value). Returns one message per clash, empty when there is none."""
    from tools.layout import grade_id, is_test_cell

    clashes = []
    binder: dict[str, str] = {}  # name -> the cell that bound it last, in notebook order
    lesson_bound: dict[str, str] = {}  # name -> the first non-test cell that bound it
    functions: dict[str, set[str]] = {}  # function or class of a non-test cell -> the globals it reads
    tests: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        label = grade_id(cell) or cell.get("id") or f"cell {index}"
        import ast

        bound = _bound_names(ast.parse(cell.source))
        reads, defined = _reads_and_functions(cell.source)
        if is_test_cell(cell):
            tests.add(label)
            rebound = sorted(name for name in bound if name in lesson_bound and name != "_")  # `_`: a throwaway
            if rebound:
                where = ", ".join(f"`{name}` ({lesson_bound[name]})" for name in rebound)
                clashes.append(f"test cell {label} rebinds names of earlier lesson cells: {where}")
        else:
            todo, seen = list(reads), set()
            while todo:  # a function of an earlier cell reads its globals when this cell calls it
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                todo += functions.get(name, ())
            clobbered = sorted(name for name in seen if binder.get(name) in tests)
            if clobbered:
                where = ", ".join(f"`{name}` (bound by {binder[name]})" for name in clobbered)
                clashes.append(f"cell {label} reads names a test cell bound: {where}")
            functions.update(defined)
            for name in bound:
                lesson_bound.setdefault(name, label)
        for name in bound:
            binder[name] = label
    return clashes


@pytest.mark.parametrize("assignment", all_assignments())
def test_test_cells_leave_the_lessons_names_alone(assignment):
    """Test data stays in the tests: a test cell never binds a name a later lesson cell reads, nor rebinds
    a name of an earlier lesson cell. Name test data with a leading `_` (or keep it in the checks cell)."""
    clashes = namespace_clashes(load("solutions", assignment))
    assert not clashes, f"{assignment}:\n  " + "\n  ".join(clashes)


def _notebook(*cells: tuple[str, str]):
    """A notebook of (kind, source) code cells, kind "lesson" or "test"."""
    nb = nbformat.v4.new_notebook()
    for index, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        grade = kind == "test"
        cell.metadata["nbgrader"] = {"grade": grade, "solution": False, "grade_id": f"{kind}_{index}", "locked": True}
        nb.cells.append(cell)
    return nb


@pytest.mark.parametrize(
    "cells,expected",
    [
        ([("lesson", "train = [1, 2]"), ("test", "train = [0]"), ("lesson", "print(train)")], 2),  # 04's bug
        ([("lesson", "train = [1, 2]"), ("test", "train = [0]")], 1),  # rebinds, read by nobody yet
        ([("test", "data = [0]"), ("lesson", "print(data)")], 1),  # read by a later lesson cell
        ([("test", "for row in [0]:\n    pass"), ("lesson", "print([row])")], 1),  # a loop variable
        ([("lesson", "def show():\n    print(data)"), ("test", "data = 0"), ("lesson", "show()")], 1),
        ([("test", "data = 0"), ("lesson", "def show():\n    return data")], 1),  # read inside a function
        ([("lesson", "train = [1, 2]"), ("test", "_train = [0]"), ("lesson", "print(train)")], 0),
        ([("test", "data = [0]"), ("lesson", "data = [1]\nprint(data)")], 0),  # bound again before it is read
        ([("test", "data = [0]"), ("lesson", "print([data for data in range(3)])")], 0),  # the comprehension's own
        ([("lesson", "x, _ = 1, 2"), ("test", "y, _ = 3, 4")], 0),  # `_` is a throwaway
    ],
)
def test_namespace_clashes_are_found(cells, expected):
    """The guard rail above, on small notebooks: each way a test cell can leak into the lesson is found."""
    assert len(namespace_clashes(_notebook(*cells))) == expected
