"""The instructor's path on a fresh machine (README, "For instructors"): grading works before anything
else was run, always grades with the tests in solutions/ now, and `make course` never destroys work."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.grading import nbgrader_run
from tools import grade, release

pytestmark = pytest.mark.grading

A = "01_one_hot"
EXTRA = ["late", "overrides", "similar_to"]  # tools/term.py's columns
FREE_TEXT = ["auto_points", "manual_points", "to_grade_by_hand", "unanswered"]  # tools/report.py's


def _test_cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def fresh_course(tmp_path_factory):
    """A copy of the repository as a fresh clone has it: course/ committed, no gradebook."""
    root = nbgrader_run.copy_course(tmp_path_factory.mktemp("fresh"))
    shutil.copytree(nbgrader_run.ROOT / "course" / A, root / "course" / A)
    assert not (root / "autograder" / "gradebook.db").exists()
    return root


def _grades(root):
    with open(root / "autograder" / "report" / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_make_grade_mid_course_grades_what_was_collected(fresh_course, capsys):
    """A fresh clone, only 01 collected (two students): `make grade` grades 01, says the others were not
    collected, and the report invents no zeros and no anomalies for them."""
    root = fresh_course
    for student in ("alice", "bob"):
        nbgrader_run.submit(root, student, A, nbgrader_run.reference_answers(root, A))
    assert grade.main(["all", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "not collected, not graded: 02_recurrence, 03_samplers" in out
    scores = nbgrader_run.cell_scores(root, A, "alice")
    assert all(score == maximum for score, maximum in scores.values()), scores
    rows = _grades(root)
    assert [r["student_id"] for r in rows] == ["alice", "bob"]
    assert rows[0][A] == "9.0" and rows[0]["02_recurrence"] == grade.NOT_COLLECTED, rows[0]
    assert rows[0]["total"] == "9.0" and rows[0]["max_total"] == "11.0" and rows[0]["anomalies"] == "0"  # 2 by hand
    assert not grade.Anomalies.load(grade.Course(root).anomalies_file)
    assert (root / "autograder" / "feedback" / "bob" / A / f"{A}.html").is_file()
    assert grade.main(["report", "-a", A, "--root", str(root)]) == 0
    columns = ["student_id", A, "total", "max_total", "anomalies", "held_for_review", *EXTRA, *FREE_TEXT]
    assert list(_grades(root)[0]) == columns


def test_an_edited_hidden_test_is_used_and_named_at_the_next_grading(fresh_course, capsys):
    """Edit a hidden test in solutions/ (here: one every submission fails) and grade again without
    regenerating anything: the new test runs, not the one the gradebook held; the run says that the tests
    changed and which scores moved, and so does the report."""
    root = fresh_course
    path = nbgrader_run.notebook_path(root / "solutions", A)
    nb = nbformat.read(path, as_version=4)
    cell = _test_cell(nb, "test_one_hot_dtype")
    cell.source = cell.source.replace(
        "### END HIDDEN TESTS", 'check_true(False, "a hidden test added after the release")\n### END HIDDEN TESTS'
    )
    nbformat.write(nb, path)
    assert grade.main(["all", "-a", A, "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"note: the tests of {A} changed since 2 submissions were last graded (test_one_hot_dtype)" in out, out
    assert f"score changed: alice / {A}: 9 -> 8" in out
    scores = nbgrader_run.cell_scores(root, A, "alice")
    assert scores["test_one_hot_dtype"] == (0.0, 1.0), scores
    assert scores["test_one_hot_shape"] == (1.0, 1.0)
    assert _grades(root)[0][A] == "8.0", "the report is rewritten with the new scores"
    summary = (root / "autograder" / "report" / "summary.md").read_text()
    assert f"the tests of {A} changed since the last grading: test_one_hot_dtype" in summary
    assert f"- bob / {A}: 9 -> 8" in summary


def test_a_typo_in_a_student_or_an_assignment_writes_nothing(fresh_course, capsys):
    from nbgrader.api import Gradebook, MissingEntry

    root = fresh_course
    assert grade.main(["all", "-a", A, "-s", "alcie", "--root", str(root)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no submission of 'alcie'" in err[0] and "did you mean alice?" in err[0], err
    assert grade.main(["all", "-a", "02_recurrence", "--root", str(root)]) == 1
    assert "nothing collected for 02_recurrence" in capsys.readouterr().err
    with Gradebook(grade.Course(root).db_url, grade.COURSE_ID) as gb, pytest.raises(MissingEntry):
        gb.find_student("alcie")
    assert [r["student_id"] for r in _grades(root)] == ["alice", "bob"]


def test_a_failed_grading_still_rewrites_the_report_and_says_what_failed(fresh_course, monkeypatch, capsys):
    root = fresh_course
    report = root / "autograder" / "report" / "grades.csv"
    report.unlink()

    def broken(*args, **kwargs):
        raise grade.GradingError("the grading kernel cannot start: no such file .venv/bin/python")

    monkeypatch.setattr(grade, "autograde", broken)
    assert grade.main(["all", "--root", str(root)]) == 1
    assert "cannot start" in capsys.readouterr().err
    assert _grades(root)[0][A] == "8.0", "the report is rewritten from the gradebook"
    summary = (root / "autograder" / "report" / "summary.md").read_text()
    assert "failed**: the grading kernel cannot start" in summary


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
        (["feedback", "-a", A, "-s", "nobody"], "no submission of 'nobody'"),
        (["report", "-a", "99_nothing"], "no assignment 99_nothing"),
    ],
)
def test_ordinary_mistakes_are_one_line_and_a_failure(fresh_course, capsys, args, message):
    assert grade.main([*args, "--root", str(fresh_course)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_a_grading_kernel_that_cannot_start_stops_before_anyone_is_scored(fresh_course, monkeypatch, capsys):
    from tools import sandbox

    root = fresh_course
    before = nbgrader_run.cell_scores(root, A, "alice")
    monkeypatch.setattr(sandbox, "python_executable", lambda: "/nonexistent/venv/bin/python")
    assert grade.main(["all", "--root", str(root)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the grading kernel cannot start" in err[0] and "nothing was graded" in err[0], err
    assert nbgrader_run.cell_scores(root, A, "alice") == before, "no score may change"


def test_a_course_whose_venv_is_a_link_grades(tmp_path):
    """`.venv` linked to an environment elsewhere: nbgrader's scripts name the resolved path, the course's
    commands the link; the grading kernel starts in the sandbox either way."""
    import subprocess
    import sys

    root = nbgrader_run.copy_course(tmp_path / "course")
    shutil.copytree(nbgrader_run.ROOT / "course" / A, root / "course" / A)
    (root / ".venv").symlink_to(Path(sys.prefix).resolve())
    nbgrader_run.submit(root, "alice", A, nbgrader_run.reference_answers(root, A))
    args = [str(root / ".venv" / "bin" / "python"), "-m", "tools.grade", "autograde", "-a", A]
    proc = subprocess.run(args, cwd=root, env=nbgrader_run.env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    scores = nbgrader_run.cell_scores(root, A, "alice")
    assert all(score == maximum for score, maximum in scores.values()), scores
