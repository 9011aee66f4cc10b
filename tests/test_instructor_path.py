"""The instructor's path on a fresh machine (README, "For instructors"): grading works before anything
else was run, always grades with the tests in solutions/ now, and `make course` never destroys work."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from tests.grading import nbgrader_run
from tools import grade, release

pytestmark = pytest.mark.grading

A = "01_one_hot"


def _test_cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def fresh_course(tmp_path_factory):
    """A copy of the repository as a fresh clone has it: course/ committed, no gradebook."""
    root = nbgrader_run.copy_course(tmp_path_factory.mktemp("fresh"))
    shutil.copytree(nbgrader_run.ROOT / "course" / A, root / "course" / A)
    assert not (root / "autograder" / "gradebook.db").exists()
    return root


def test_grading_works_before_anything_else_ran(fresh_course):
    root = fresh_course
    nbgrader_run.submit(root, "alice", A, nbgrader_run.reference_answers(root, A))
    assert grade.main(["autograde", "-a", A, "--root", str(root)]) == 0
    scores = nbgrader_run.cell_scores(root, A, "alice")
    assert all(score == maximum for score, maximum in scores.values()), scores


def test_an_edited_hidden_test_is_used_without_make_course(fresh_course):
    """Edit a hidden test in solutions/ (here: one every submission fails) and grade again without
    regenerating anything: the new test runs, not the one the gradebook held."""
    root = fresh_course
    path = nbgrader_run.notebook_path(root / "solutions", A)
    nb = nbformat.read(path, as_version=4)
    cell = _test_cell(nb, "test_one_hot_dtype")
    cell.source = cell.source.replace(
        "### END HIDDEN TESTS", 'check_true(False, "a hidden test added after the release")\n### END HIDDEN TESTS'
    )
    nbformat.write(nb, path)
    assert grade.main(["autograde", "-a", A, "--root", str(root)]) == 0
    scores = nbgrader_run.cell_scores(root, A, "alice")
    assert scores["test_one_hot_dtype"] == (0.0, 1.0), scores
    assert scores["test_one_hot_shape"] == (1.0, 1.0)


def test_an_unknown_assignment_is_one_line_and_a_failure(fresh_course, capsys):
    assert grade.main(["autograde", "-a", "01_one_hot_typo", "--root", str(fresh_course)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no assignment 01_one_hot_typo" in err[0] and A in err[0]


def test_make_course_backs_up_what_nbgrader_did_not_write(tmp_path):
    root = nbgrader_run.copy_course(tmp_path / "course")
    shutil.copytree(nbgrader_run.ROOT / "course" / A, root / "course" / A)
    folder = root / "course" / A
    nb = nbformat.read(folder / f"{A}.ipynb", as_version=4)
    nbgrader_run.answer_cells(nb)["one_hot"].source = "def one_hot(indices, num_classes):\n    return 'my work'\n"
    nbformat.write(nb, folder / f"{A}.ipynb")
    (folder / "my_notes.ipynb").write_text("{}")
    lines = []
    saved = release.course(root, [A], out=lines.append)
    names = sorted(path.name for path in saved)
    assert names == [f"{A}.ipynb", "my_notes.ipynb"], names
    assert any("WARNING" in line and "backups" in line for line in lines)
    backup = saved[0].parents[1]
    assert "my work" in (backup / A / f"{A}.ipynb").read_text()
    assert release.files(folder) == release.files(nbgrader_run.ROOT / "course" / A), "course/ must be regenerated"
    assert release.course(root, [A], out=lines.append) == [], "an up-to-date course/ is regenerated silently"


@pytest.mark.parametrize(
    "args,message",
    [
        (["collect", "/nonexistent/lms.zip", "-a", A], "does not exist"),
        (["feedback", "-a", A, "-s", "nobody"], "generate_feedback"),
        (["report", "-a", "99_nothing"], "no assignment 99_nothing"),
    ],
)
def test_ordinary_mistakes_are_one_line_and_a_failure(fresh_course, capsys, args, message):
    assert grade.main([*args, "--root", str(fresh_course)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
