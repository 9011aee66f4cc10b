"""Call-time tampering (tests/grading/hostile_calltime_01_one_hot.py), graded end to end with tools.grade
and the static scan and the verification run switched off: the design alone must hold. Every submission
loses exactly the cells the honest wrong student loses: no point gained, flagged or not.

With the checker switched off (RNN_COURSE_CHECKER=0: test cells in the student's kernel, as before
tools/checker.py) most of these cheats gain points: that is what this test is for.
"""

from __future__ import annotations

import pytest

from tests.grading import hostile_01_one_hot as hostile
from tests.grading import hostile_calltime_01_one_hot as calltime
from tests.grading import nbgrader_run
from tests.test_grading_hostile import A, _notebook, _submit
from tools import grade, integrity, sandbox

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def calltime_class(tmp_path_factory):
    if sandbox.problem():
        pytest.fail(f"the sandbox is required: {sandbox.problem()}")
    course = nbgrader_run.copy_course(tmp_path_factory.mktemp("calltime"))
    nbgrader_run.generate_release(course, [A])
    _submit(course, "honest_wrong", _notebook(course, hostile.HONEST_WRONG))
    for student in calltime.CHEATS:
        _submit(course, student, _notebook(course, calltime.answers(student)))
    with pytest.MonkeyPatch.context() as patch:  # the design alone: no scan, no verification run
        patch.setattr(integrity, "scan", lambda *args, **kwargs: [])
        patch.setattr(integrity, "verification_notebook", lambda *args, **kwargs: None)
        c = grade.Course(course)
        grade.autograde(c, [A], c.students(), workers=2, quiet=True)
    return {student: nbgrader_run.cell_scores(course, A, student) for student in ["honest_wrong", *calltime.CHEATS]}


def test_the_honest_wrong_student_scores_as_usual(calltime_class):
    assert sum(score for score, _ in calltime_class["honest_wrong"].values()) == hostile.HONEST_SCORE


def test_no_call_time_cheat_gains_a_point(calltime_class):
    honest = calltime_class["honest_wrong"]
    gained = {}
    for student in calltime.CHEATS:
        differ = {cell: score for cell, (score, _) in calltime_class[student].items() if honest[cell][0] != score}
        if differ:
            gained[student] = differ
    assert not gained, f"cells scored differently from the honest wrong student: {gained}"
