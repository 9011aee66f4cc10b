"""Call-time tampering (tests/grading/hostile_calltime_01_one_hot.py), graded end to end with tools.grade
and the static scan and the verification run switched off: the design alone must hold. Every submission
loses exactly the cells the honest wrong student loses: no point gained, flagged or not.

On every other judged assignment (CALLTIME_MISTAKES), one classic mistake whose function switches off the
check functions when a test calls it must lose exactly what the mistake loses.

One grading run grades the whole module (01's class, every other assignment's cheats, and the Chinese copies
of some: ZH_CALLTIME), the assignments' shards shared by its two workers.

With the checker switched off (RNN_COURSE_CHECKER=0: test cells in the student's kernel, as before
tools/checker.py) most of these cheats gain points: that is what this test is for.
"""

from __future__ import annotations

import re
import textwrap

import nbformat
import pytest

from tests.grading import hostile_01_one_hot as hostile
from tests.grading import hostile_calltime_01_one_hot as calltime
from tests.grading import nbgrader_run
from tests.test_grading_hostile import A, _notebook, _submit
from tools import grade, integrity, sandbox

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def calltime_class(graded_course):
    return {student: nbgrader_run.cell_scores(graded_course, A, student) for student in calltime.CHEATS}


def honest_wrong_scores(course) -> dict[str, tuple[float, float]]:
    """What the honest wrong student scores, cell for cell: what its two classic mistakes lose (each graded by
    tests/test_grading.py; the honest wrong student itself by tests/test_grading_hostile.py, in the same
    conditions but the scan: it has nothing to scan)."""
    from tests.grading.students_01_one_hot import IMPLEMENTATIONS

    lost = IMPLEMENTATIONS["one_hot"]["class_dim_first"].loses | IMPLEMENTATIONS["one_hot_batch"]["int64_result"].loses
    nb = nbformat.read(nbgrader_run.notebook_path(course / "solutions", A), as_version=4)
    return {cell: (0.0 if cell in lost else pts, pts) for cell, pts in nbgrader_run.autograded_cells(nb).items()}


def test_the_honest_wrong_student_scores_as_usual(graded_course):
    assert sum(score for score, _ in honest_wrong_scores(graded_course).values()) == hostile.HONEST_SCORE


def test_no_call_time_cheat_gains_a_point(graded_course, calltime_class):
    honest = honest_wrong_scores(graded_course)
    gained = {}
    for student in calltime.CHEATS:
        differ = {cell: score for cell, (score, _) in calltime_class[student].items() if honest[cell][0] != score}
        if differ or calltime_class[student].keys() != honest.keys():
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
    # its gradients are wrong (detached at every step); the test backpropagates through it: autograd across
    # the channel (tools/handles.py), the graph in the kernel, where REACH forges what torch.autograd.grad gives
    ("02_recurrence", "rnn_forward", "detach_every_step"),
    ("05_clipping", "grad_clipping", "per_parameter"),
    ("06_scratch_training", "predict", "no_warmup"),
    ("06_scratch_training", "sample_next", "ignores_generator"),
    ("06_scratch_training", "sample_next", "temperature_multiplied"),  # the distribution test (helpers.draws)
    ("06_scratch_training", "train_epoch", "loss_times_three"),  # autograd across the channel, and REACH below
    # 07's model stays in the kernel, driven by handle (tools/handles.py); its forward switches off the checks
    # before test_RNNModel_begin_state reads its random state (the training cells are judged too, by handle)
    ("07_concise_rnn", "RNNModel", "random_begin_state"),
]
ASSIGNMENTS = sorted({assignment for assignment, _, _ in CALLTIME_MISTAKES})


#: The assignments whose cheats share submissions (each a full grading of the notebook): 06's, measured not to
#: interfere (each mistake loses the same cells alone and together).
PACKED = {"06_scratch_training"}


def _packed() -> list[tuple[str, dict[str, str]]]:
    """CALLTIME_MISTAKES handed in as few submissions as possible: in PACKED, an assignment's cheats share a
    notebook when they are in different answer cells (the cells their mistakes lose are disjoint, so each
    cheat's gain would show on its own cells). [(assignment, {cell: mistake})], in order."""
    packed: list[tuple[str, dict[str, str]]] = []
    for assignment, cell, mistake in CALLTIME_MISTAKES:
        shared = [cells for a, cells in packed if a == assignment and a in PACKED]
        free = next((cells for cells in shared if cell not in cells), None)
        if free is None:
            packed.append((assignment, free := {}))
        free[cell] = mistake
    return packed


SUBMISSIONS = _packed()


def _student(cells: dict[str, str]) -> str:
    return "switches_off_checks_in_" + "_and_".join(f"{cell}_{mistake}" for cell, mistake in cells.items())


def _id(submission: tuple[str, dict[str, str]]) -> str:
    assignment, cells = submission
    return f"{assignment}:" + "+".join(f"{cell}.{mistake}" for cell, mistake in cells.items())


#: The Chinese edition (issue 27, item 5): cheats handed in again in the Chinese release (course-zh/,
#: tests/conftest.py's released_course) as zh_<student>, graded in the same run: each must score cell for cell
#: what its English copy scores, and fail in Chinese. The edition changes what the checker says, not what it
#: judges: one of 01's cheats per thing reached from the kernel -- the test cell's namespace (own_globals;
#: traceback_frame reaches the same), the helpers module's failure path, which the edition's catalogue
#: translates (check_globals; gc_code_swap and helpers_via_torch_sys reach the same), torch (patches_torch), the
#: result handed across the channel (lying_subclass) -- and 06's first submission (its cheats that reach across
#: the channel: the recording model, the test's generator, autograd), whose edition trains on the Tang poems.
ZH_CALLTIME = ("own_globals", "check_globals", "patches_torch", "lying_subclass")
ZH = "zh_"
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_SUBMISSIONS = [next(s for s in SUBMISSIONS if s[0] == "06_scratch_training")]


SWITCH_OFF = """\
    _noop = lambda *args, **kwargs: None  # noqa: E731
    for _name in [_n for _n in globals() if _n.startswith("check_")]:
        globals()[_name] = _noop
    for _name in [_n for _n in dir(globals()["helpers"]) if _n.startswith("check_")]:
        setattr(globals()["helpers"], _name, _noop)
"""


#: Besides switching off the checks, rnn_forward forges the gradients its kernel computes, and train_epoch
#: reaches through the reverse channel: it rewrites what the test's recording optimizer saw (in the kernel,
#: the real record: every step as the first, what zero_grad would give), and backpropagates a graph of the
#: test's model kept from an earlier call (its backward is a reverse call of a call that has ended).
REACH = {
    # the kernel's torch.autograd.grad answers zeros: what the checker's backward asks the kernel for
    "rnn_forward": """\
    torch.autograd.grad = lambda outputs, inputs, *args, **kwargs: tuple(torch.zeros_like(t) for t in inputs)
""",
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
""",
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
    editions = nbgrader_run.zh_released()
    for student in calltime.CHEATS:
        _submit(course, student, _notebook(course, calltime.answers(student)))
        if A in editions and student in ZH_CALLTIME:
            answers = nbgrader_run.reference_answers(course, A) | calltime.answers(student)
            nbgrader_run.submit(course, ZH + student, A, answers, release="course-zh")
    for assignment, cells in SUBMISSIONS:
        answers = nbgrader_run.reference_answers(course, assignment)
        for cell, mistake in cells.items():
            impl = cases.load_cases(assignment).IMPLEMENTATIONS[cell][mistake]
            answers[cell] = _with_switch_off(impl.source, cell)
        nbgrader_run.submit(course, _student(cells), assignment, answers)
        if (assignment, cells) in ZH_SUBMISSIONS and assignment in editions:
            nbgrader_run.submit(course, ZH + _student(cells), assignment, answers, release="course-zh")
    with pytest.MonkeyPatch.context() as patch:  # the design alone: no scan, no verification run
        patch.setattr(integrity, "scan", lambda *args, **kwargs: [])
        patch.setattr(integrity, "verification_notebook", lambda *args, **kwargs: None)
        c = grade.Course(course)
        grade.autograde(c, GRADED, c.students(), workers=2, quiet=True)
    return course


@pytest.mark.parametrize("assignment,cells", SUBMISSIONS, ids=map(_id, SUBMISSIONS))
def test_a_cheat_that_switches_off_the_checks_loses_what_its_mistake_loses(graded_course, assignment, cells):
    from tests.grading import cases
    from tools import checker

    assert assignment in checker.JUDGED
    losses = [cases.load_cases(assignment).IMPLEMENTATIONS[cell][mistake].loses for cell, mistake in cells.items()]
    assert all(losses) and len(set().union(*losses)) == sum(map(len, losses)), f"shared lost cells: {losses}"
    lost = set().union(*losses)
    assert not any(test in checker.IN_KERNEL_CELLS.get(assignment, {}) for test in lost)
    scores = nbgrader_run.cell_scores(graded_course, assignment, _student(cells))
    expected = {test: (0.0 if test in lost else points, points) for test, (_, points) in scores.items()}
    assert set(lost) <= set(scores)
    differ = {test: scores[test] for test in scores if scores[test] != expected[test]}
    assert not differ, (differ, _why(graded_course, assignment, _student(cells), differ))


def _zh_students() -> list[tuple[str, str]]:
    """(assignment, English student) of every submission handed in again in the Chinese edition."""
    return [(A, student) for student in ZH_CALLTIME] + [(a, _student(cells)) for a, cells in ZH_SUBMISSIONS]


@pytest.mark.parametrize("assignment,student", _zh_students(), ids=[f"{a}-{s[:48]}" for a, s in _zh_students()])
def test_the_chinese_edition_scores_what_the_english_scores(graded_course, assignment, student):
    """Cell for cell (with 01's honest wrong student's score checked above, and the English copies' by the
    tests above): the kernel and the checker speak Chinese, the edition's marker and files came along."""
    from tools import i18n

    if assignment not in nbgrader_run.zh_released():
        pytest.skip(f"{assignment}'s Chinese edition is not generated (--assignments)")
    english = nbgrader_run.cell_scores(graded_course, assignment, student)
    chinese = nbgrader_run.cell_scores(graded_course, assignment, ZH + student)
    differ = {test: (english[test], chinese.get(test)) for test in english if chinese.get(test) != english[test]}
    assert english and not differ, (differ, _why(graded_course, assignment, ZH + student, differ))
    errors = {}
    for who in (student, ZH + student):
        nb = nbformat.read(grade.Course(graded_course).autograded_notebook(who, assignment), as_version=4)
        assert i18n.edition(nb, assignment) == ("zh" if who != student else "en"), f"{who}: graded as another edition"
        errors[who] = {
            cell.metadata.nbgrader.grade_id: [(o.ename, o.evalue) for o in outputs]
            for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id") in english
            and (outputs := [o for o in cell.get("outputs", []) if o.output_type == "error"])
        }
    # the lost test cells fail alike, each check's message in its edition's language (judged in the checker; a
    # read-only demo's error may differ: 01's and 06's Chinese editions read the Tang poems)
    english, chinese = errors[student], errors[ZH + student]
    assert english.keys() == chinese.keys(), (english.keys(), chinese.keys())
    assert {c: [e for e, _ in english[c]] for c in english} == {c: [e for e, _ in chinese[c]] for c in chinese}
    assert not [text for found in english.values() for _, text in found if CJK.search(text)], english
    said = [text for found in chinese.values() for _, text in found]
    assert [text for text in said if CJK.search(text)], chinese
    assert not [text for text in said if not CJK.search(text) and text not in str(english)], chinese


def _why(course, assignment: str, student: str, cells) -> dict:
    """What the autograded notebook says of the cells that scored otherwise (their errors), and the
    submission's anomalies: a failure explains itself."""
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
