"""A grading run survives hostile and broken submissions (tools.grade + nbgrader).

One synthetic class on 01_one_hot (the fastest notebook) carries every fault
of the grading issue; one parallel `tools.grade autograde` grades it, then the
report and feedback are checked. Faults are combined in one student where they
do not interfere, so that the class stays small (each graded student is a
kernel, and the grading run is one of the suite's slowest steps):

| student                         | fault                                                              |
|---------------------------------|--------------------------------------------------------------------|
| reference                       | none (control; graded twice: identical scores)                      |
| blank                           | untouched release                                                  |
| tampered                        | a classic mistake + helpers.py that passes every check + edited data |
| renamed_moved_hangs_when_called | the notebook saved under another name; a test cell deleted, one     |
|                                 | duplicated, one moved above its function; one_hot_batch hangs (a   |
|                                 | sleep) in the first test cell that calls it, the moved one         |
| hangs_in_answer_forks_floods    | `while True: pass` in the answer cell of one_hot; in that of       |
|                                 | one_hot_batch a forked child that sleeps, two million printed      |
|                                 | lines, a 30 MB line                                                |
| kills_kernel                    | os._exit(1) in an answer cell                                      |
| exits_and_hogs                  | sys.exit() inside one_hot, an 8 GiB allocation in one_hot_batch    |
| missing                         | no notebook in the folder                                          |
| invalid_json                    | a truncated notebook file                                          |
| other_assignment                | the notebook of another assignment                                 |

The moved test cell is the one that hangs: graded out of order it would fail
without calling one_hot_batch, and the next cell would hang instead. The
names also split the two 20-second hangs between the run's two shards
(tools/run.py's plan deals the sorted students out in turn).
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.grading import nbgrader_run
from tests.grading.students_01_one_hot import IMPLEMENTATIONS
from tools import grade

pytestmark = pytest.mark.grading

A = "01_one_hot"
# seconds, for this test only: the slowest cell of 01 (the setup cell, importing torch) takes 2-6 s on
# a 2-core machine, more when the other test worker loads it too
CELL_TIMEOUT = 20
SHAPE, DTYPE, VALUES, ANY_SHAPE, NON_CONTIGUOUS, SCRATCH = (
    "test_one_hot_shape",
    "test_one_hot_dtype",
    "test_one_hot_values",
    "test_one_hot_any_shape",
    "test_one_hot_non_contiguous",
    "test_one_hot_from_scratch",
)
B_SHAPE, B_DTYPE, B_VALUES = "test_one_hot_batch_shape", "test_one_hot_batch_dtype", "test_one_hot_batch_values"
ONE_HOT_CELLS = {SHAPE, DTYPE, VALUES, ANY_SHAPE, NON_CONTIGUOUS, SCRATCH}
BATCH_CELLS = {B_SHAPE, B_DTYPE, B_VALUES}
ALL = ONE_HOT_CELLS | BATCH_CELLS
# a child that leaves the kernel's process group, as a hostile submission would
FORK = "import os\nimport time\n\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(3600)\n    os._exit(0)\n\n\n"
SELF_CONTAINED_BATCH = IMPLEMENTATIONS["one_hot_batch"]["stack_steps"].source  # does not call one_hot
# hangs in the first test cell that calls it (test_one_hot_batch_shape), then answers like the reference
HANG_ON_FIRST_CALL = """import time

_calls = []


def one_hot_batch(X, vocab_size):
    _calls.append(X)
    if len(_calls) == 1:
        time.sleep(10**6)
    return one_hot(X.T, vocab_size)
"""

MOVED_AND_HANGS, HANGS_AND_FLOODS = "renamed_moved_hangs_when_called", "hangs_in_answer_forks_floods"
# student -> (test cells that score 0, anomaly kinds the report must show)
EXPECTED = {
    "reference": (set(), set()),
    "blank": (ALL, set()),
    "tampered": (IMPLEMENTATIONS["one_hot"]["class_dim_first"].loses, {"edited-files"}),
    # the moved cell is interrupted; the kernel goes on with the next cells
    MOVED_AND_HANGS: (
        {B_SHAPE},
        {"renamed-notebook", "deleted-cells", "duplicated-cells", "reordered-cells", "timeout"},
    ),
    HANGS_AND_FLOODS: (ONE_HOT_CELLS, {"timeout", "leftover-processes", "output-flood"}),
    "kills_kernel": (ALL, {"grading-failed"}),
    "exits_and_hogs": (ALL, {"memory"}),
    "missing": (ALL, {"missing-notebook"}),
    "invalid_json": (ALL, {"invalid-notebook"}),
    "other_assignment": (ALL, {"wrong-assignment"}),
}
#: student -> the cell whose time limit the report must name (and no other timeout)
TIMEOUTS = {HANGS_AND_FLOODS: "one_hot", MOVED_AND_HANGS: B_SHAPE}


def notebook_with(course: Path, answers: dict[str, str]):
    nb = nbformat.read(nbgrader_run.notebook_path(course / "course", A), as_version=4)
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in (nbgrader_run.reference_answers(course, A) | answers).items():
        cells[grade_id].source = source
    return nb


def make_class(course: Path) -> None:
    """Write every student's submission folder."""
    reference = nbgrader_run.reference_answers(course, A)

    def submit(student, nb=None, name=f"{A}.ipynb"):
        folder = course / "autograder" / "submitted" / student / A
        shutil.copytree(course / "course" / A, folder)
        (folder / f"{A}.ipynb").unlink()
        if nb is not None:
            nbformat.write(nb, folder / name)
        return folder

    submit("reference", notebook_with(course, {}))
    submit("blank", nbformat.read(nbgrader_run.notebook_path(course / "course", A), as_version=4))

    wrong = IMPLEMENTATIONS["one_hot"]["class_dim_first"].source
    folder = submit("tampered", notebook_with(course, {"one_hot": wrong, "one_hot_batch": SELF_CONTAINED_BATCH}))
    (folder / "helpers.py").write_text(
        (folder / "helpers.py").read_text()
        + "\n\ndef check_shape(*args, **kwargs):\n    pass\n\n\ndef check_equal(*args, **kwargs):\n    pass\n"
    )
    (folder / "data" / "timemachine.txt").write_text("all work and no play")

    nb = notebook_with(course, {"one_hot_batch": HANG_ON_FIRST_CALL})
    by_id = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in nb.cells}
    nb.cells.remove(by_id[VALUES])  # deleted test cell
    copy = nbformat.from_dict(dict(by_id[DTYPE]) | {"id": "duplicated-by-student"})
    nb.cells.insert(nb.cells.index(by_id[DTYPE]), copy)  # duplicated
    nb.cells.remove(by_id[B_SHAPE])
    nb.cells.insert(nb.cells.index(by_id["one_hot_batch"]), by_id[B_SHAPE])  # moved above its function
    submit(MOVED_AND_HANGS, nb, name=f"{A} (1).ipynb")  # renamed

    submit(
        HANGS_AND_FLOODS,
        notebook_with(
            course,
            {
                "one_hot": "while True:\n    pass\n\n\n" + reference["one_hot"],
                "one_hot_batch": FORK
                + 'print("\\n".join(str(i) for i in range(2_000_000)))\nprint("x" * 30_000_000)\n\n\n'
                + SELF_CONTAINED_BATCH,
            },
        ),
    )
    submit("kills_kernel", notebook_with(course, {"one_hot_batch": "import os\n\nos._exit(1)\n"}))
    submit(
        "exits_and_hogs",
        notebook_with(
            course,
            {
                "one_hot": "import sys\n\n\ndef one_hot(indices, num_classes):\n    sys.exit()\n",
                "one_hot_batch": "def one_hot_batch(X, vocab_size):\n    hog = bytearray(8 * 2**30)\n    return hog\n",
            },
        ),
    )
    submit("missing")
    folder = submit("invalid_json")
    nbformat.write(notebook_with(course, {}), folder / f"{A}.ipynb")
    text = (folder / f"{A}.ipynb").read_text()
    (folder / f"{A}.ipynb").write_text(text[: len(text) // 2])
    other = next(a for a in nbgrader_run.all_assignments() if a != A)
    nb = nbformat.read(nbgrader_run.notebook_path(course / "course", other), as_version=4)
    submit("other_assignment", nb)


@pytest.fixture(scope="module")
def graded_class(released_course, tmp_path_factory):
    others = [a for a in nbgrader_run.all_assignments() if a != A]
    if not others:
        pytest.skip("needs a second assignment for the 'notebook of another assignment' fault")
    course = nbgrader_run.copy_released(released_course, tmp_path_factory.mktemp("faults"), [A, others[0]])
    make_class(course)
    c = grade.Course(course)
    jobs = grade.autograde(c, [A], c.students(), workers=2, memory="3G", cell_timeout=CELL_TIMEOUT, quiet=True)
    first = {s: nbgrader_run.cell_scores(course, A, s) for s in ("reference", "tampered")}
    grade.feedback(c, [A], c.students())
    grade.report(c)
    return course, first, jobs


def test_every_student_scores_as_expected(graded_class):
    course, _, _ = graded_class
    points = nbgrader_run.autograded_cells(nbformat.read(nbgrader_run.notebook_path(course / "solutions", A), 4))
    wrong = {}
    for student, (lost, _) in EXPECTED.items():
        actual = nbgrader_run.cell_scores(course, A, student)
        expected = {cell: (0.0 if cell in lost else pts, pts) for cell, pts in points.items()}
        if actual != expected:
            wrong[student] = {c: actual.get(c) for c in expected if actual.get(c) != expected[c]}
    assert not wrong, f"unexpected scores: {wrong}"


def test_every_fault_is_reported_for_its_student_only(graded_class):
    course, _, _ = graded_class
    anomalies = grade.Anomalies.load(grade.Course(course).anomalies_file)
    kinds = {student: {a.kind for a in anomalies if a.student == student} for student in EXPECTED}
    for student, (_, expected_kinds) in EXPECTED.items():
        assert expected_kinds <= kinds[student], f"{student}: report shows {kinds[student]}"
    for student in ("reference", "blank"):
        assert kinds[student] == set(), f"{student} must not be flagged: {kinds[student]}"
    timeouts = {(a.student, a.detail) for a in anomalies if a.kind == "timeout"}
    assert timeouts == {(s, f"cell {cell} exceeded the time limit") for s, cell in TIMEOUTS.items()}


def test_no_process_outlives_the_grading_run(graded_class):
    _, _, jobs = graded_class
    tags = {f"{grade.TAG}={job.tag}".encode() for job in jobs}
    assert len(tags) >= 2
    left = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if tags & set((proc / "environ").read_bytes().split(b"\0")):
                left.append(proc.name)
        except OSError:
            continue
    assert not left, f"processes left by grading: {left}"


def test_report_csv_and_summary(graded_class):
    course, _, _ = graded_class
    out = course / "autograder" / "report"
    with open(out / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED)
    assert float(rows["reference"][A]) == 9 and float(rows["reference"]["max_total"]) == 11  # 2 by hand, unanswered
    assert float(rows["blank"][A]) == 0 and float(rows["missing"][A]) == 0
    assert float(rows["tampered"][A]) == 9 - 3  # shape (1) + values (2) lost
    assert int(rows[MOVED_AND_HANGS]["anomalies"]) == 5  # renamed, 3 cell repairs, the timeout
    summary = (out / "summary.md").read_text()
    assert f"## {A}" in summary and f"{len(EXPECTED)} graded" in summary
    assert "| `one_hot` | `test_one_hot_shape` |" in summary
    assert "| `one_hot_batch` | `test_one_hot_batch_values` |" in summary
    for student, (_, kinds) in EXPECTED.items():
        for kind in kinds:
            assert f"{student} / {A}: {kind}" in summary
    assert (out / f"hist_{A}.png").stat().st_size > 1000


def test_a_flood_of_output_is_cut_to_a_megabyte(graded_class):
    course, _, _ = graded_class
    graded = course / "autograder" / "autograded" / HANGS_AND_FLOODS / A / f"{A}.ipynb"
    feedback = course / "autograder" / "feedback" / HANGS_AND_FLOODS / A / f"{A}.html"
    assert graded.stat().st_size < 3_000_000 and feedback.stat().st_size < 3_000_000
    assert "[output cut by the grader:" in graded.read_text()


def test_feedback_for_graded_students_hides_hidden_tests(graded_class):
    course, _, _ = graded_class
    for student in ("reference", "tampered", MOVED_AND_HANGS, HANGS_AND_FLOODS):
        html = (course / "autograder" / "feedback" / student / A / f"{A}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html and "manual_seed(2024)" not in html
    tampered = (course / "autograder" / "feedback" / "tampered" / A / f"{A}.html").read_text()
    assert "expected shape (3, 5), got (5, 3)" in tampered


def test_grading_twice_gives_identical_scores(graded_class):
    course, first, _ = graded_class
    c = grade.Course(course)
    grade.autograde(c, [A], list(first), workers=2, cell_timeout=CELL_TIMEOUT, quiet=True)
    for student, scores in first.items():
        assert nbgrader_run.cell_scores(course, A, student) == scores


def test_grading_kernel_is_limited(graded_class):
    course, _, _ = graded_class
    spec = (course / "autograder" / "jupyter" / "kernels" / grade.KERNEL_NAME / "kernel.json").read_text()
    if shutil.which("prlimit"):
        assert "--as=" in spec and "--cpu=" in spec
    assert '"OMP_NUM_THREADS": "1"' in spec.replace("\n", "").replace(" ", "").replace(":", ": ")
    assert os.path.exists(course / "autograder" / "logs")
