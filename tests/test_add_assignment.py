"""The README's recipe "Adding an assignment", followed to the letter in a throw-away copy of the course:
a new `08_example` is picked up by the release (no answer, no hidden test in course/), by the schedule
check, by the guard rails and by grading (a correct, a wrong and a blank submission get the points
they should). If the recipe or the machinery behind it drifts, this test says so."""

from __future__ import annotations

import os
import re

import nbformat
import pytest

from tests.grading import nbgrader_run
from tools import grade, release
from tools.layout import Course

pytestmark = pytest.mark.grading

NEW = "08_example"


def _cell(kind: str, source: str, grade_id: str | None = None, **nbgrader) -> nbformat.NotebookNode:
    """A cell as nbgrader's Create Assignment toolbar writes it (the cell id equals the grade id)."""
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if grade_id:
        cell.id = grade_id
        cell.metadata["nbgrader"] = {
            "grade": False,
            "solution": False,
            "locked": True,
            "schema_version": 3,
            "grade_id": grade_id,
            **nbgrader,
        }
    return cell


def example_notebook() -> nbformat.NotebookNode:
    """Step 2 of the recipe: answer cell = the function's name, test cells `test_<function>_<aspect>`,
    everything else read-only."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.read(nbgrader_run.notebook_path(nbgrader_run.ROOT / "solutions", "01_one_hot"), 4).metadata
    nb.cells = [
        _cell("markdown", "# Assignment 8 — an example\n\nDouble a tensor.", "intro"),
        _cell("code", "import torch\n\nfrom helpers import check_close, check_shape", "setup"),
        _cell(
            "code",
            'def double(x):\n    """(*S) -> (*S): twice x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n'
            "    ### END SOLUTION",
            "double",
            solution=True,
            locked=False,
        ),
        _cell(
            "code",
            "# Visible test: the shape is kept.\n"
            'check_shape(double(torch.ones(2, 3)), (2, 3), "double(a (2, 3) tensor)")\n',
            "test_double_shape",
            grade=True,
            points=1,
        ),
        _cell(
            "code",
            "# Visible test: values.\n"
            'check_close(double(torch.tensor([1.0, -2.0])), torch.tensor([2.0, -4.0]), "double([1, -2])")\n'
            "### BEGIN HIDDEN TESTS\n"
            "_x = torch.linspace(-3, 3, 7)\n"
            'check_close(double(_x), _x + _x, "double(linspace(-3, 3, 7))", hint="twice, not squared")\n'
            "### END HIDDEN TESTS",
            "test_double_values",
            grade=True,
            points=2,
        ),
    ]
    return nb


@pytest.fixture(scope="module")
def course_with_08(tmp_path_factory):
    root = nbgrader_run.copy_course(tmp_path_factory.mktemp("add-assignment"))
    # step 1: the folder with its links to helpers.py and the corpus
    folder = root / "solutions" / NEW
    (folder / "data").mkdir(parents=True)
    os.symlink("../../helpers.py", folder / "helpers.py")
    os.symlink("../../../data/timemachine.txt", folder / "data" / "timemachine.txt")
    # step 2: the notebook
    nbformat.write(example_notebook(), folder / f"{NEW}.ipynb")
    # step 4: make course (strip-outputs has nothing to do: the notebook has no outputs)
    release.course(root, [NEW], out=lambda *_: None)
    return root


def test_the_new_assignment_is_part_of_the_course(course_with_08):
    assert NEW in Course(course_with_08).assignments()


def test_make_course_releases_it_without_answers_or_hidden_tests(course_with_08):
    root = course_with_08
    out = root / "course" / NEW
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == {
        f"{NEW}.ipynb",
        "helpers.py",
        "data/timemachine.txt",
    }
    text = (out / f"{NEW}.ipynb").read_text()
    assert "return 2 * x" not in text and "HIDDEN" not in text and "_x + _x" not in text
    assert "raise NotImplementedError()" in text
    problems = release.release_problems(root, NEW, out)
    assert not problems, problems


def test_the_guard_rails_hold_for_it(course_with_08):
    """Cell ids equal grade ids, answer and test cells' grade ids are new in the course, names bound
    in hidden blocks start with `_` (tests/test_notebook_policy.py checks the same on solutions/)."""
    root = course_with_08
    ids = {}
    for name in Course(root).assignments():
        nb = nbformat.read(nbgrader_run.notebook_path(root / "solutions", name), 4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                assert cell.id == grade_id, f"{name}: cell {cell.id} has grade id {grade_id}"
                if cell.metadata.nbgrader.get("grade") or cell.metadata.nbgrader.get("solution"):
                    assert grade_id not in ids, f"answer or test cell {grade_id} in {ids.get(grade_id)} and {name}"
                    ids[grade_id] = name
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                assert all(m.startswith("_") for m in re.findall(r"^(\w+)\s*=", block, re.M)), block


def test_it_is_graded_like_every_other(course_with_08):
    """A correct, a wrong (squares instead of doubling: passes the visible shape test only) and a
    blank submission, graded by `tools.grade` as `make grade` does."""
    root = course_with_08
    nbgrader_run.submit(root, "correct", NEW, nbgrader_run.reference_answers(root, NEW))
    nbgrader_run.submit(root, "wrong", NEW, {"double": "def double(x):\n    return x * x\n"})
    nbgrader_run.submit(root, "blank", NEW, None)
    assert grade.main(["autograde", "-a", NEW, "--root", str(root)]) == 0
    scores = {s: nbgrader_run.cell_scores(root, NEW, s) for s in ("correct", "wrong", "blank")}
    assert scores["correct"] == {"test_double_shape": (1.0, 1.0), "test_double_values": (2.0, 2.0)}, scores
    assert scores["wrong"] == {"test_double_shape": (1.0, 1.0), "test_double_values": (0.0, 2.0)}, scores
    assert scores["blank"] == {"test_double_shape": (0.0, 1.0), "test_double_values": (0.0, 2.0)}, scores
