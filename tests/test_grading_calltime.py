"""Call-time tampering (tests/grading/hostile_calltime_01_one_hot.py), graded end to end with tools.grade
and the static scan and the verification run switched off: the design alone must hold. Every submission
loses exactly the cells the honest wrong student loses: no point gained, flagged or not.

On every other judged assignment (CALLTIME_MISTAKES), one classic mistake whose function switches off the
check functions when a test calls it must lose exactly what the mistake loses.

One grading run grades the whole module (01's class and every other assignment's cheats), the
assignments' shards shared by its two workers.

With the checker switched off (RNN_COURSE_CHECKER=0: test cells in the student's kernel, as before
tools/checker.py) most of these cheats gain points: that is what this test is for.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.grading import hostile_01_one_hot as hostile
from tests.grading import hostile_calltime_01_one_hot as calltime
from tests.grading import nbgrader_run
from tests.test_grading_hostile import A, _notebook, _submit
from tools import grade, integrity, sandbox

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def calltime_class(graded_course):
    return {
        student: nbgrader_run.cell_scores(graded_course, A, student) for student in ["honest_wrong", *calltime.CHEATS]
    }


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


# ---------------------------------------------------------------------------------------------------------
# The other judged assignments: one call-time cheat each, a classic mistake of tests/grading/students_*.py
# whose function switches off every check function it can reach (the notebook's namespace and the helpers
# module) when a test calls it. It must lose exactly the cells the mistake loses.
# ---------------------------------------------------------------------------------------------------------
#: (assignment, answer cell, the mistake of tests/grading/students_<assignment>.py that the cheat wears);
#: every cell the mistake loses is judged by the checker (none is in-kernel: checker.in_kernel). 06's
#: predict is handed the test's recording model, sample_next the test's generator and train_epoch the test's
#: model and optimizer: the reverse channel (train_epoch's backward through the test's graph).
CALLTIME_MISTAKES = [
    ("02_recurrence", "init_rnn_params", "zero_weights"),
    ("05_clipping", "grad_clipping", "per_parameter"),
    ("06_scratch_training", "predict", "no_warmup"),
    ("06_scratch_training", "sample_next", "ignores_generator"),
    ("06_scratch_training", "sample_next", "temperature_multiplied"),  # the distribution test (helpers.draws)
    ("06_scratch_training", "train_epoch", "loss_times_three"),  # autograd across the channel, and REACH below
    # 07's model stays in the kernel, driven by handle (tools/handles.py); its forward switches off the checks
    # before test_RNNModel_begin_state reads its random state (the training cells run in the kernel)
    ("07_concise_rnn", "RNNModel", "random_begin_state"),
]
ASSIGNMENTS = sorted({assignment for assignment, _, _ in CALLTIME_MISTAKES})


def _student(cell: str, mistake: str) -> str:
    return f"switches_off_checks_in_{cell}_{mistake}"


SWITCH_OFF = """\
    _noop = lambda *args, **kwargs: None  # noqa: E731
    for _name in [_n for _n in globals() if _n.startswith("check_")]:
        globals()[_name] = _noop
    for _name in [_n for _n in dir(globals()["helpers"]) if _n.startswith("check_")]:
        setattr(globals()["helpers"], _name, _noop)
"""


#: Besides switching off the checks, train_epoch reaches through the reverse channel: it rewrites what the
#: test's recording optimizer saw (in the kernel, the real record: every step as the first, what zero_grad
#: would give), and backpropagates a graph of the test's model kept from an earlier call (its backward is a
#: reverse call of a call that has ended).
REACH = {
    "train_epoch": """\
    _seen = optimizer.seen if hasattr(optimizer, "seen") else None
    if isinstance(_seen, list) and _seen:
        _seen[:] = [_seen[0]] * len(_seen)
    _kept = globals().setdefault("_kept_outputs", [])
    for _old in _kept:
        try:
            _old.sum().backward()
        except Exception:
            pass
    _kept.append(outputs)
"""
}


def _with_switch_off(source: str, cell: str = "") -> str:
    """The function of `source` (its `def` line first), the tampering at the top of its body (and REACH's
    of the cell before its last `return`); a class (its `class` line first): at the top of its `forward`."""
    if source.startswith("class "):
        head, method = source.split("\n    def forward(", 1)
        method = _with_switch_off(textwrap.dedent("    def forward(" + method))
        return f"{head}\n{textwrap.indent(method, '    ')}"
    head, body = source.split("\n", 1)
    assert head.startswith("def ") and head.endswith(":"), head
    if cell in REACH:
        lines = body.rstrip("\n").split("\n")
        last = max(i for i, line in enumerate(lines) if line.startswith("    return "))
        body = "\n".join(lines[:last]) + "\n" + REACH[cell] + "\n".join(lines[last:]) + "\n"
    return f"{head}\n{SWITCH_OFF}{body}"


#: Every assignment of the module, the slowest first (the later notebooks train): one grading run grades
#: them all, its two workers taking the shards in this order.
GRADED = [*sorted(ASSIGNMENTS, reverse=True), A]


@pytest.fixture(scope="module")
def graded_course(released_course, tmp_path_factory):
    """One grading run for the whole module (the scan and the verification run off for all of it): 01's
    call-time class, and each other judged assignment's cheats, the students of each assignment its own."""
    from tests.grading import cases

    if sandbox.problem():
        pytest.fail(f"the sandbox is required: {sandbox.problem()}")
    course = nbgrader_run.copy_released(released_course, tmp_path_factory.mktemp("calltime"), GRADED)
    _submit(course, "honest_wrong", _notebook(course, hostile.HONEST_WRONG))
    for student in calltime.CHEATS:
        _submit(course, student, _notebook(course, calltime.answers(student)))
    for assignment, cell, mistake in CALLTIME_MISTAKES:
        impl = cases.load_cases(assignment).IMPLEMENTATIONS[cell][mistake]
        answers = nbgrader_run.reference_answers(course, assignment) | {cell: _with_switch_off(impl.source, cell)}
        nbgrader_run.submit(course, _student(cell, mistake), assignment, answers)
    with pytest.MonkeyPatch.context() as patch:  # the design alone: no scan, no verification run
        patch.setattr(integrity, "scan", lambda *args, **kwargs: [])
        patch.setattr(integrity, "verification_notebook", lambda *args, **kwargs: None)
        c = grade.Course(course)
        grade.autograde(c, GRADED, c.students(), workers=2, quiet=True)
    return course


@pytest.mark.parametrize("assignment,cell,mistake", CALLTIME_MISTAKES)
def test_a_cheat_that_switches_off_the_checks_loses_what_its_mistake_loses(graded_course, assignment, cell, mistake):
    from tests.grading import cases
    from tools import checker

    assert assignment in checker.JUDGED
    lost = cases.load_cases(assignment).IMPLEMENTATIONS[cell][mistake].loses
    assert not any(test in checker.IN_KERNEL_CELLS.get(assignment, {}) for test in lost)
    scores = nbgrader_run.cell_scores(graded_course, assignment, _student(cell, mistake))
    expected = {test: (0.0 if test in lost else points, points) for test, (_, points) in scores.items()}
    assert lost and set(lost) <= set(scores)
    differ = {test: scores[test] for test in scores if scores[test] != expected[test]}
    assert not differ, (differ, _why(graded_course, assignment, _student(cell, mistake), differ))


def _why(course, assignment: str, student: str, cells) -> dict:
    """What the autograded notebook says of the cells that scored otherwise (their errors), and the
    submission's anomalies: a failure explains itself."""
    import nbformat

    c = grade.Course(course)
    path = course / "autograder" / "autograded" / student / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    found = {}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in cells:
            errors = [f"{o.get('ename')}: {o.get('evalue')}"[:300] for o in cell.outputs if o.output_type == "error"]
            found[cell.metadata["nbgrader"]["grade_id"]] = errors
    found["anomalies"] = [a.line() for a in grade.Anomalies.load(c.anomalies_file)]
    return found
