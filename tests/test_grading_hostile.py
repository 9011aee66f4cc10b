"""A hostile class, graded end to end with tools.grade: no cheat gains a point unless its submission
is held for review, student code reaches nothing of the grading machine, and correct work that
prints, plots, warns and writes to stderr keeps full marks and is never flagged.

The class is tests/grading/hostile_01_one_hot.py (each cheat carries the answers of an honest wrong
student: 5 of 9 points).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from tests.grading import hostile_01_one_hot as hostile
from tests.grading import nbgrader_run
from tools import grade, sandbox, selftest

pytestmark = pytest.mark.grading

A = "01_one_hot"
CONTROLS = {"reference": 9.0, "honest_wrong": hostile.HONEST_SCORE}
# every cheat must score exactly what the honest wrong student scores, held for review or not: the test
# cells of 01 run in the checker (tools/checker.py), where the tampering that runs when a test calls the
# function (rebinds_when_called, lying_tensor) cannot reach; the verification run, the sandbox and the
# checks before grading defeat the rest
DEFEATED = set(hostile.CHEATS)


def _notebook(course: Path, answers: dict[str, str], tags: dict[str, list[str]] | None = None):
    nb = nbformat.read(nbgrader_run.notebook_path(course / "course", A), as_version=4)
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in (nbgrader_run.reference_answers(course, A) | answers).items():
        cells[grade_id].source = source
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if tags and gid in tags:
            cell.metadata["tags"] = tags[gid]
    return nb


def _submit(course: Path, student: str, nb, files: dict[str, str] | None = None) -> None:
    folder = course / "autograder" / "submitted" / student / A
    shutil.copytree(course / "course" / A, folder)
    nbformat.write(nb, folder / f"{A}.ipynb")
    for relative, text in (files or {}).items():
        (folder / relative).write_text(text)


@pytest.fixture(scope="module")
def hostile_class(released_course, tmp_path_factory):
    if sandbox.problem():
        pytest.fail(f"the sandbox is required: {sandbox.problem()}")
    course = nbgrader_run.copy_released(released_course, tmp_path_factory.mktemp("hostile"), [A])
    _submit(course, "reference", _notebook(course, {}))
    _submit(course, "honest_wrong", _notebook(course, hostile.HONEST_WRONG))
    for student, cheat in hostile.CHEATS.items():
        answers = hostile.HONEST_WRONG | cheat.get("answers", {})
        _submit(course, student, _notebook(course, answers, cheat.get("tags")), cheat.get("files"))
    probe = hostile.PROBE.replace("COURSE_ROOT", repr(str(course)))
    _submit(course, "probe", _notebook(course, hostile.HONEST_WRONG | {"one_hot_batch": BATCH_WITH(probe)}))
    for student, answers in hostile.HONEST_NOISY.items():
        _submit(course, student, _notebook(course, answers))
    c = grade.Course(course)
    grade.autograde(c, [A], c.students(), workers=2, quiet=True)
    grade.report(c)
    return course, selftest.grades(course)


def BATCH_WITH(code: str) -> str:  # noqa: N802 -- reads as a constant
    return hostile.BATCH_WRONG + "\n\n" + code


def test_controls_score_as_usual(hostile_class):
    _, rows = hostile_class
    for student, score in CONTROLS.items():
        assert float(rows[student][A]) == score, student
        assert rows[student]["held_for_review"] == "", f"{student} must not be held"


def test_no_cheat_gains_a_point_unless_held_for_review(hostile_class):
    _, rows = hostile_class
    gained = {
        s: rows[s][A]
        for s in hostile.CHEATS
        if float(rows[s][A]) > hostile.HONEST_SCORE and rows[s]["held_for_review"] != A
    }
    assert not gained, f"cheats that gained points without being held for review: {gained}"


def test_defeated_cheats_score_exactly_the_honest_score(hostile_class):
    _, rows = hostile_class
    wrong = {s: rows[s][A] for s in DEFEATED if float(rows[s][A]) != hostile.HONEST_SCORE}
    assert not wrong, f"expected {hostile.HONEST_SCORE} for {wrong}"


def test_every_cheat_in_student_code_is_held_for_review(hostile_class):
    _, rows = hostile_class
    missed = [s for s in hostile.CHEATS if s != "skips_tests" and rows[s]["held_for_review"] != A]
    assert not missed, f"not held for review: {missed}"
    anomalies = grade.Anomalies.load(grade.Course(hostile_class[0]).anomalies_file)
    kinds = {(a.student, a.kind) for a in anomalies}
    assert ("shadow_module", "possible-tampering") in kinds
    details = " ".join(a.detail for a in anomalies if a.student == "rebinds_checks")
    assert "check_equal" in details and "torch.equal" in details and "line 8" in details, details


def test_probe_reaches_nothing_outside_its_sandbox(hostile_class):
    course, rows = hostile_class
    reached = selftest.probe_reached(course)
    assert not reached, f"student code reached: {reached}"
    assert float(rows["probe"][A]) == hostile.HONEST_SCORE


def test_correct_noisy_work_keeps_full_marks_and_is_not_flagged(hostile_class):
    course, rows = hostile_class
    anomalies = grade.Anomalies.load(grade.Course(course).anomalies_file)
    for student in hostile.HONEST_NOISY:
        assert float(rows[student][A]) == 9.0, f"{student}: {rows[student][A]}"
        assert rows[student]["held_for_review"] == ""
        assert not [a.line() for a in anomalies if a.student == student]
    nb = nbformat.read(course / "autograder" / "autograded" / "noisy_but_correct" / A / f"{A}.ipynb", as_version=4)
    shown = [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("metadata", {}).get("rnn_course", {}).get("stream")
    ]
    assert shown, "stderr output (the warning) must stay visible"


def test_summary_lists_the_submissions_held_for_review(hostile_class):
    course, _ = hostile_class
    summary = (course / "autograder" / "report" / "summary.md").read_text()
    assert "## Held for review" in summary and "students; 1 assignment graded (01_one_hot)" in summary
    for student in hostile.CHEATS:
        if student != "skips_tests":
            assert f"{student} / {A}: possible-tampering" in summary
