"""course/ is exactly what nbgrader generates from solutions/, and every
release folder is self-contained with identical copies of helpers.py and data."""

from __future__ import annotations

import filecmp
import hashlib
from pathlib import Path

import nbformat
import pytest

import helpers
from tests.grading.nbgrader_run import ROOT, all_assignments, answer_cells, assignments, notebook_path

ASSIGNMENTS = assignments()


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".ipynb_checkpoints" not in path.parts
    }


def test_course_has_exactly_the_assignments_of_solutions():
    released = sorted(p.name for p in (ROOT / "course").iterdir() if p.is_dir())
    assert released == all_assignments(), "run `make course` to regenerate course/ from solutions/"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_is_what_nbgrader_generates(generated_course, assignment):
    expected = files_under(generated_course / "course" / assignment)
    actual = files_under(ROOT / "course" / assignment)
    assert sorted(actual) == sorted(expected), "run `make course`: the release lists other files"
    stale = [name for name in expected if actual[name] != expected[name]]
    assert not stale, f"course/{assignment} is out of date in {stale}: run `make course`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_folder_is_self_contained(assignment):
    folder = ROOT / "course" / assignment
    assert filecmp.cmp(folder / "helpers.py", ROOT / "helpers.py", shallow=False), "helpers.py differs"
    data = (folder / "data" / "timemachine.txt").read_bytes()
    assert hashlib.sha1(data).hexdigest() == helpers.TIME_MACHINE_SHA1


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_folder_links_the_canonical_files(assignment):
    """solutions/<a>/helpers.py and data/ are symlinks to the single copies at
    the root (nbgrader dereferences them when it generates the release)."""
    folder = ROOT / "solutions" / assignment
    for link, target in [
        ("helpers.py", ROOT / "helpers.py"),
        ("data/timemachine.txt", ROOT / "data/timemachine.txt"),
    ]:
        assert (folder / link).is_symlink(), f"{folder / link} must be a symlink to {target}"
        assert (folder / link).resolve() == target.resolve()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stubs_keep_signature_and_docstring(assignment):
    """Every released answer cell keeps its `def`/`class` line and docstring
    (with shapes) and raises NotImplementedError."""
    nb = nbformat.read(notebook_path(ROOT / "course", assignment), as_version=4)
    cells = answer_cells(nb)
    assert cells, f"{assignment} has no answer cells"
    for grade_id, cell in cells.items():
        source = cell.source
        assert f"def {grade_id}(" in source or f"class {grade_id}" in source, grade_id
        assert '"""' in source and ("Returns" in source or "Shapes" in source), f"{grade_id}: docstring"
        assert "raise NotImplementedError()" in source, grade_id
        assert "BEGIN SOLUTION" not in source, grade_id
