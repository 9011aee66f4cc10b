"""End-to-end grading: synthetic students go through nbgrader's autograde,
generate_feedback and export on a throw-away copy of the course.

Students (tests/grading/students_<assignment>.py): the reference solution, the
untouched release (no free points: every test cell must score zero), correct
alternative implementations (full marks) and classic mistakes (zero on exactly
the cells they should lose). One autograde run per assignment grades them all.

The first correct alternative of each assignment (noisy()) is also a noisy
student: every answer cell of it is followed by top-level code an honest
student writes while trying things: it prints to stdout and stderr, warns, and
draws from torch's and Python's random generators. Full marks, no anomaly:
warnings cost nothing, no test depends on the global random state an answer
cell leaves behind, and the verification run (which drops those statements)
agrees with the full run. (A submission of its own until 2026-12-07: one
notebook and one verification run per assignment fewer, for the suite's time.)
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import nbformat
import pytest

from tests.grading import cases, nbgrader_run
from tests.grading.nbgrader_run import notebook_path
from tools import freetext, grade

pytestmark = pytest.mark.grading

GRADED = cases.assignments_with_students()
SOLUTION, BLANK = "reference_solution", "untouched_release"
NOISE = """

import random as _random
import sys as _sys
import warnings as _warnings

print("trying it:", _random.random(), torch.rand(2), file=_sys.stderr)
_warnings.warn("a warning at the top of an answer cell")
print("done")
"""


_graded: dict[str, object] = {}
_timings: dict[str, list[dict]] = {}  # per assignment: GradingExecute's time split of each graded notebook


def grade_assignment(course, assignment):
    """Submit every synthetic student of one assignment, then grade them as an instructor does:
    `tools.grade` (checks, nbgrader autograde in parallel, tamper detection), nbgrader
    generate_feedback and export, and the report. Once per assignment, when its first test asks."""
    if assignment in _graded:
        return course
    reference = nbgrader_run.reference_answers(course, assignment)
    nbgrader_run.submit(course, SOLUTION, assignment, reference)
    nbgrader_run.submit(course, BLANK, assignment, None)
    for student in cases.students(assignment):
        answers = reference | {cell: impl.source for cell, impl in student.answers.items()}
        if student.student_id == noisy(assignment):
            answers = {cell: source + NOISE for cell, source in answers.items()}
        nbgrader_run.submit(course, student.student_id, assignment, answers)
    start = time.perf_counter()
    jobs = grade.autograde(grade.Course(course), [assignment], all_students(assignment), workers=2, quiet=True)
    seconds = time.perf_counter() - start
    _timings[assignment] = [timing for job in jobs for timing in job.timings]
    count = len(all_students(assignment))
    print(f"\n{assignment}: autograded {count} submissions in {seconds:.1f} s ({seconds / count:.1f} s each)")
    nbgrader_run.nbgrader("generate_feedback", assignment, cwd=course)
    nbgrader_run.nbgrader("export", "--to", str(course / f"grades-{assignment}.csv"), cwd=course)
    grade.report(grade.Course(course))
    _graded[assignment] = True
    return course


def expected_scores(course, assignment, lost):
    nb = nbformat.read(notebook_path(course / "solutions", assignment), as_version=4)
    points = nbgrader_run.autograded_cells(nb)
    unknown = set(lost) - set(points)
    assert not unknown, f"expected verdicts name cells that {assignment} does not have: {unknown}"
    return {cell: (0.0 if cell in lost else pts, pts) for cell, pts in points.items()}


def questions(course, assignment) -> dict[str, tuple[float, str]]:
    """The free-text questions: the synthetic students leave them as released, which nbgrader scores 0 with
    no grader involved (tools/freetext.py, "unanswered")."""
    return freetext.questions(nbformat.read(notebook_path(course / "solutions", assignment), as_version=4))


def all_students(assignment):
    return [SOLUTION, BLANK] + [s.student_id for s in cases.students(assignment)]


def noisy(assignment) -> str:
    """The student whose correct alternative answers carry NOISE: the assignment's first correct alternative."""
    return next(s.student_id for s in cases.students(assignment) if not s.expected_lost)


def expected_lost(course, assignment, student_id):
    if student_id == SOLUTION:
        return frozenset()
    nb = nbformat.read(notebook_path(course / "solutions", assignment), as_version=4)
    if student_id == BLANK:
        return frozenset(nbgrader_run.autograded_cells(nb))
    return next(s for s in cases.students(assignment) if s.student_id == student_id).expected_lost


@pytest.mark.parametrize("assignment,student_id", [(a, s) for a in GRADED for s in all_students(a)])
def test_autograde_scores_every_cell_as_expected(generated_course, assignment, student_id):
    graded = grade_assignment(generated_course, assignment)
    expected = expected_scores(graded, assignment, expected_lost(graded, assignment, student_id))
    actual = nbgrader_run.cell_scores(graded, assignment, student_id)
    wrong = {
        cell: f"expected {expected[cell][0]}, got {actual.get(cell, (None,))[0]}"
        for cell in expected
        if actual.get(cell) != expected[cell]
    }
    assert not wrong, f"{student_id} on {assignment}: {wrong}"
    states = nbgrader_run.freetext_states(graded, assignment, student_id)
    assert states == dict.fromkeys(questions(graded, assignment), freetext.UNANSWERED), states


@pytest.mark.parametrize("assignment", GRADED)
def test_feedback_exists_for_every_student(generated_course, assignment):
    graded = grade_assignment(generated_course, assignment)
    for student_id in all_students(assignment):
        html = graded / "autograder" / "feedback" / student_id / assignment / f"{assignment}.html"
        assert html.is_file(), f"no feedback for {student_id}"
        assert assignment in html.read_text()


@pytest.mark.parametrize("assignment", GRADED)
def test_export_lists_every_student_with_total_score(generated_course, assignment):
    graded = grade_assignment(generated_course, assignment)
    with open(graded / f"grades-{assignment}.csv", newline="") as f:
        rows = {(row["assignment"], row["student_id"]): row for row in csv.DictReader(f)}
    for student_id in all_students(assignment):
        expected = expected_scores(graded, assignment, expected_lost(graded, assignment, student_id))
        row = rows[(assignment, student_id)]
        by_hand = sum(points for points, _ in questions(graded, assignment).values())
        assert float(row["max_score"]) == sum(pts for _, pts in expected.values()) + by_hand
        assert float(row["score"]) == pytest.approx(sum(score for score, _ in expected.values()))


@pytest.mark.parametrize("assignment", GRADED)
def test_cases_cover_every_function_with_alternatives_and_mistakes(assignment):
    """Every answer cell has >= 2 correct alternatives and >= 1 mistake, every
    implementation is worn by some student, every mistake names cells it loses."""
    module = cases.load_cases(assignment)
    nb = nbformat.read(notebook_path(nbgrader_run.ROOT / "solutions", assignment), as_version=4)
    answer_ids = set(nbgrader_run.answer_cells(nb))
    assert set(module.IMPLEMENTATIONS) == answer_ids
    worn = {(cell, name) for choices in module.STUDENTS.values() for cell, name in choices.items()}
    for cell, impls in module.IMPLEMENTATIONS.items():
        assert sum(i.correct for i in impls.values()) >= 2, f"{cell}: fewer than two correct alternatives"
        assert any(not i.correct for i in impls.values()), f"{cell}: no classic mistake"
        unworn = [name for name in impls if (cell, name) not in worn]
        assert not unworn, f"{cell}: implementations no student carries: {unworn}"
        for name, impl in impls.items():
            owners = {grade.owner(c, list(answer_ids)) for c in impl.loses}
            assert owners <= {cell}, f"{cell}/{name} is expected to lose cells of {owners - {cell}}"


@pytest.mark.parametrize("assignment", GRADED)
def test_no_anomaly_for_well_formed_submissions(generated_course, assignment):
    graded = grade_assignment(generated_course, assignment)
    anomalies = [
        a.line() for a in grade.Anomalies.load(grade.Course(graded).anomalies_file) if a.assignment == assignment
    ]
    assert anomalies == []


@pytest.mark.parametrize("assignment", GRADED)
def test_feedback_shows_messages_but_not_hidden_tests(generated_course, assignment):
    graded = grade_assignment(generated_course, assignment)
    """Every lost point is explained by the check's message; hidden test code
    (and tracebacks that could quote it) never reaches the student."""
    solution = nbformat.read(notebook_path(graded / "solutions", assignment), as_version=4)
    hidden_lines = [
        line.strip()
        for cell in solution.cells
        if "### BEGIN HIDDEN TESTS" in cell.source
        for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
        if len(line.strip()) > 25
    ]
    assert hidden_lines
    for student_id in all_students(assignment):
        html = (graded / "autograder" / "feedback" / student_id / assignment / f"{assignment}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in html and "hidden tests ran here" in html
        import html as html_lib

        text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, f"feedback of {student_id} shows hidden test code: {leaked[:2]}"
        # nbgrader's table of contents names each test cell by exercise and aspect (course_feedback)
        toc = re.search(r'<div id="toc">(.*?)</div>', html, re.S).group(1)
        named = re.findall(r'<a href="#(test_[^"]+)">([^<]+)</a> \(Score', toc)
        assert named and "Test cell" not in toc, f"{student_id}: {toc[:300]}"
        assert all(label.split(": ")[0] in test_id for test_id, label in named), named
        if student_id == BLANK:
            assert "NotImplementedError" in text


@pytest.mark.parametrize("assignment", GRADED)
def test_report_pass_rates_match_the_expected_verdicts(generated_course, assignment):
    """The instructor's summary: for every test cell, how many students of the
    synthetic class passed it, exactly as the expected verdicts say."""
    graded = grade_assignment(generated_course, assignment)
    summary = (graded / "autograder" / "report" / "summary.md").read_text()
    with open(graded / "autograder" / "report" / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    students = all_students(assignment)
    lost = {s: expected_lost(graded, assignment, s) for s in students}
    cells = expected_scores(graded, assignment, frozenset())
    for cell in cells:
        passed = sum(cell not in lost[s] for s in students)
        assert f"| `{cell}` | {passed}/{len(students)} (" in summary, f"{assignment}/{cell}: {passed} passes"
    asked = questions(graded, assignment)
    for student in students:
        total = sum(score for score, _ in expected_scores(graded, assignment, lost[student]).values())
        assert float(rows[student][assignment]) == pytest.approx(total)
        # points kept apart: all from the tests; the free-text questions left as released are "unanswered"
        # (auto_points and the lists cover every assignment graded so far in this course: a student's term)
        assert rows[student]["manual_points"] == "0", rows[student]
        assert float(rows[student]["auto_points"]) == pytest.approx(float(rows[student]["total"])), rows[student]
        mine = [item for item in rows[student]["unanswered"].split() if item.startswith(f"{assignment}/")]
        assert mine == [f"{assignment}/{q}" for q in asked], rows[student]
        assert not rows[student]["to_grade_by_hand"], rows[student]
    for question, (points, _) in asked.items():
        assert f"| `{question}` | {points:g} | 0 | 0 | {len(students)} |" in summary, question
    assert (graded / "autograder" / "report" / f"hist_{assignment}.png").exists()
    # the cells of an assignment are listed in the notebook's order
    positions = [summary.index(f"| `{cell}` |") for cell in cells]
    assert positions == sorted(positions), f"{assignment}: summary.md lists its cells out of the notebook's order"


@pytest.mark.parametrize("assignment", GRADED)
def test_cells_after_the_last_graded_cell_do_not_run_while_grading(generated_course, assignment):
    """Grading runs a notebook up to its last answer or test cell (tools.sandbox.GradingExecute): the
    demonstrations after it (training runs, figures, the progress report) cannot change a grade. They
    get a note instead of outputs; every code cell up to the last graded one ran."""
    from tools.sandbox import NOT_RUN_WHILE_GRADING, last_graded_index

    graded = grade_assignment(generated_course, assignment)
    path = graded / "autograder" / "autograded" / SOLUTION / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    last = last_graded_index(nb)
    assert 0 <= last < len(nb.cells) - 1, f"{assignment}: no cell follows the last graded one"
    code = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    not_run = [cell.id for index, cell in code if index <= last and cell.execution_count is None]
    assert not not_run, f"{assignment}: cells before the last graded one did not run: {not_run}"
    for index, cell in code:
        if index > last:
            texts = [output.get("text", "") for output in cell.outputs]
            assert cell.execution_count is None and texts == [NOT_RUN_WHILE_GRADING + "\n"], (cell.id, texts)


@pytest.mark.parametrize("assignment", GRADED)
def test_every_graded_notebook_reports_where_its_time_went(generated_course, assignment):
    """GradingExecute writes each notebook's time split (kernel start, setup cell, other cells, kernel
    stop) beside the leftover-process events; tools.grade hands it back per job (make bench uses it)."""
    grade_assignment(generated_course, assignment)
    timings = _timings[assignment]
    folders = sorted(Path(t["cwd"]).parent.name for t in timings)
    assert folders == sorted(all_students(assignment)), f"{assignment}: one timing per graded notebook"
    for timing in timings:
        parts = [timing[k] for k in ("kernel_start", "setup_cell", "other_cells", "shutdown")]
        assert all(0 <= part < 600 for part in parts), timing
        assert timing["setup_cell"] > 0.05, f"the setup cell imports torch: {timing}"
