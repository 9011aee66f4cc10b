"""A hostile class, graded end to end with tools.grade: no cheat gains a point unless its submission
is held for review, student code reaches nothing of the grading machine, and correct work that
prints, plots, warns and writes to stderr keeps full marks and is never flagged.

The class is tests/grading/hostile_01_one_hot.py (each cheat carries the answers of an honest wrong
student: 5 of 9 points). Some of it is handed in again in the Chinese edition (ZH_CHEATS, ZH_CONTROLS) and
graded in the same run: each must score, and be held for review, exactly as its English copy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.grading import hostile_01_one_hot as hostile
from tests.grading import nbgrader_run
from tools import grade, sandbox, selftest

pytestmark = pytest.mark.grading

A = "01_one_hot"
#: with the correct work of HONEST_NOISY (the reference answers themselves are graded in the same conditions,
#: a tools.grade run with every check on, by tests/test_grading_editions.py: full marks, nothing flagged)
CONTROLS = {"honest_wrong": hostile.HONEST_SCORE}
# every cheat must score exactly what the honest wrong student scores, held for review or not: the test
# cells of 01 run in the checker (tools/checker.py), where the tampering that runs when a test calls the
# function (rebinds_when_called, lying_tensor) cannot reach; the verification run, the sandbox and the
# checks before grading defeat the rest
DEFEATED = set(hostile.CHEATS)
#: The Chinese edition (issue 27, item 5): these cheats, and the honest controls, are handed in again in the
#: Chinese release (course-zh/, tests/conftest.py's released_course) as zh_<student>, graded in the same run:
#: each must score, and be held for review, exactly as its English copy. One cheat per route that does not
#: run when a test calls the function (those are tests/test_grading_calltime.py's, whose Chinese copies it
#: grades: rebinds_when_called's and lying_tensor's routes): top-level tampering in the kernel
#: (rebinds_checks; obfuscated and frames_and_modules take the same route: the scan, the verification run),
#: IPython's hooks, the grading machine's files (copies_solution), the kernel's history and the notebook file
#: (reads_hidden_tests; the Chinese folder also holds the grading catalogue), cell metadata (skips_tests), and
#: a file beside the notebook (shadow_module: the checks before grading compare the folder with the release
#: of its edition, whose locale/ the English one lacks).
ZH = "zh_"
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_CHEATS = ("rebinds_checks", "ipython_hooks", "copies_solution", "reads_hidden_tests", "skips_tests", "shadow_module")
#: the Chinese honest control: noisy correct work of its own (HONEST_NOISY_ZH; the Chinese reference and classic
#: mistakes, graded with every check on, are tests/test_grading_editions.py's: nothing flagged)
ZH_CONTROLS = tuple(hostile.HONEST_NOISY_ZH)


def _notebook(course: Path, answers: dict[str, str], tags: dict[str, list[str]] | None = None, release="course"):
    """01's notebook as released in `release` (course/, or the Chinese course-zh/), with the answers."""
    nb = nbformat.read(nbgrader_run.notebook_path(course / release, A), as_version=4)
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in (nbgrader_run.reference_answers(course, A) | answers).items():
        cells[grade_id].source = source
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if tags and gid in tags:
            cell.metadata["tags"] = tags[gid]
    return nb


def _submit(course: Path, student: str, nb, files: dict[str, str] | None = None, release="course") -> None:
    folder = course / "autograder" / "submitted" / student / A
    shutil.copytree(course / release / A, folder)
    nbformat.write(nb, folder / f"{A}.ipynb")
    for relative, text in (files or {}).items():
        (folder / relative).write_text(text)


def hand_in(course: Path) -> list[str]:
    """The class's submissions; returns its students."""
    _submit(course, "honest_wrong", _notebook(course, hostile.HONEST_WRONG))
    releases = ["course", *(["course-zh"] if A in nbgrader_run.zh_released() else [])]
    for release in releases:
        prefix = "" if release == "course" else ZH
        for student, cheat in hostile.CHEATS.items():
            if not prefix or student in ZH_CHEATS:
                answers = hostile.HONEST_WRONG | cheat.get("answers", {})
                nb = _notebook(course, answers, cheat.get("tags"), release=release)
                _submit(course, prefix + student, nb, cheat.get("files"), release=release)
        noisy = hostile.HONEST_NOISY_ZH if prefix else hostile.HONEST_NOISY
        for student, answers in noisy.items():
            _submit(course, student, _notebook(course, answers, release=release), release=release)
    probe = hostile.PROBE.replace("COURSE_ROOT", repr(str(course)))
    _submit(course, "probe", _notebook(course, hostile.HONEST_WRONG | {"one_hot_batch": BATCH_WITH(probe)}))
    return [
        "honest_wrong",
        "probe",
        *hostile.CHEATS,
        *hostile.HONEST_NOISY,
        *([*(ZH + s for s in ZH_CHEATS), *ZH_CONTROLS] if len(releases) > 1 else []),
    ]


@pytest.fixture(scope="module")
def hostile_class(class_01):
    """01's one grading run (tests/conftest.py's class_01, which grades tests/test_grading_editions.py's students
    too) with its report: (course, the report's rows)."""
    if sandbox.problem():
        pytest.fail(f"the sandbox is required: {sandbox.problem()}")
    course, _ = class_01
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


def test_the_chinese_edition_scores_and_is_held_as_the_english(hostile_class):
    """Each Chinese copy of a cheat: the same score cell for cell, held for review (or not) for the same
    anomalies as its English copy, its lost cells' messages in Chinese; the Chinese control: full marks, flagged
    for nothing."""
    course, rows = hostile_class
    if A not in nbgrader_run.zh_released():
        pytest.skip(f"{A}'s Chinese edition is not generated (--assignments)")
    anomalies = grade.Anomalies.load(grade.Course(course).anomalies_file)
    for student in ZH_CHEATS:
        zh = ZH + student
        assert nbgrader_run.cell_scores(course, A, zh) == nbgrader_run.cell_scores(course, A, student), zh
        assert rows[zh][A] == rows[student][A] and rows[zh]["held_for_review"] == rows[student]["held_for_review"], zh
        kinds = {a.kind for a in anomalies if a.student == student}
        assert {a.kind for a in anomalies if a.student == zh} == kinds, zh
        said = {who: _errors(course, who) for who in (student, zh)}
        # the checks' messages in the edition's language (each cheat loses cells: the checker said why)
        assert said[student] and not [text for text in said[student] if CJK.search(text)], said[student]
        assert [text for text in said[zh] if CJK.search(text)], said[zh]
    for student in (*(ZH + s for s in ZH_CHEATS), *ZH_CONTROLS):
        nb = nbformat.read(grade.Course(course).autograded_notebook(student, A), as_version=4)
        assert nb.metadata.get("rnn_course", {}).get("language") == "zh", f"{student}: graded as another edition"
    for student in ZH_CONTROLS:
        assert float(rows[student][A]) == 9.0 and rows[student]["held_for_review"] == "", rows[student]
        assert not [a.line() for a in anomalies if a.student == student]
        assert [o for c in _cells(course, student) for o in c.get("outputs", []) if _shows_stderr(o)], (
            "stderr must stay visible"
        )


def _shows_stderr(output) -> bool:
    """An output that shows what the student's code wrote to stderr (tools/sandbox.py keeps it visible)."""
    return bool(output.get("metadata", {}).get("rnn_course", {}).get("stream"))


def _cells(course, student):
    return nbformat.read(grade.Course(course).autograded_notebook(student, A), as_version=4).cells


def _errors(course, student) -> list[str]:
    return [o.evalue for c in _cells(course, student) for o in c.get("outputs", []) if o.output_type == "error"]
