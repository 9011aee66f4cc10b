"""A term, graded for real (README, "Due dates, regrades and the LMS"): three assignments with due dates, a
late submission penalised by nbgrader's late-penalty mechanism, an extension, a time given at collect,
a copied pair held for review, regrades that survive re-grading and can be undone, a free-text answer
graded by hand (as Formgrader grades it) that counts once graded, the feedback that tells each student
their standing, and the Canvas and Moodle files.

One class of four hands in 01_one_hot, one of them 03_samplers and 04_perplexity too; all is graded once,
then two of them again (01 only) after the overrides and the grading by hand (about 60 s)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import nbformat
import pytest

from tests.grading import disguise, nbgrader_run
from tests.grading import students_01_one_hot as cases01
from tools import export, freetext, grade, similarity, submissions, term
from tools.layout import Course

pytestmark = pytest.mark.grading

A = "01_one_hot"
MAX = 11  # 9 points of tests, 2 of the free-text question Q (graded by hand)
Q = "explain_one_hot_cost"
DAVE_ANSWER = "One-hot rows are mostly zeros, so the matrix product wastes work; it just picks a row of W."
DUE = dt.datetime(2026, 10, 5, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=2)))
# the later assignments, which only alice hands in, on time: their points (tests + 2 by hand) and due dates
LATER = {"03_samplers": 18, "04_perplexity": 15}
LATER_DUE = {"03_samplers": DUE + dt.timedelta(days=7), "04_perplexity": DUE + dt.timedelta(days=14)}
SCHEDULE_TOML = f"""
[assignments]
01_one_hot = {{ state = "closed", due = {DUE.isoformat()}, canvas_id = 4711 }}
03_samplers = {{ state = "closed", due = {LATER_DUE["03_samplers"].isoformat()} }}
04_perplexity = {{ state = "open", due = {LATER_DUE["04_perplexity"].isoformat()} }}

[extensions]
carol = {{ 01_one_hot = "3d" }}

[late_policy]
percent_per_day = 10
max_percent = 50
grace_minutes = 15
"""
ROSTER = """id,first_name,last_name,email,canvas_id,sis_user_id,section,idnumber
alice,Alice,Adams,alice@uni.example,101,S-1,Mon,1001
bob,Bob,Brown,bob@uni.example,102,S-2,Mon,1002
carol,Carol,Clark,carol@uni.example,103,S-3,Tue,1003
dave,Dave,Dunn,dave@uni.example,104,S-4,Tue,1004
"""
# bob writes one_hot with a loop of his own; carol hands in bob's answers, renamed and reordered
BOB = {
    "one_hot": cases01.IMPLEMENTATIONS["one_hot"]["flat_loop"].source,
    "one_hot_batch": cases01.IMPLEMENTATIONS["one_hot_batch"]["stack_steps"].source,
}


def _stamp(folder, when):
    term.stamp(folder, when)


@pytest.fixture(scope="module")
def term_course(tmp_path_factory):
    root = nbgrader_run.copy_course(tmp_path_factory.mktemp("term"))
    for assignment in (A, *LATER):
        shutil.copytree(nbgrader_run.ROOT / "course" / assignment, root / "course" / assignment)
    Course(root).schedule_file.write_text(SCHEDULE_TOML)
    (root / "autograder").mkdir(exist_ok=True)
    (root / "autograder" / "roster.csv").write_text(ROSTER)
    reference = nbgrader_run.reference_answers(root, A)
    late = DUE + dt.timedelta(days=1, hours=12)  # 1.5 days: two days started, 20%
    for student, answers, when in [
        ("alice", reference, DUE - dt.timedelta(hours=1)),
        ("bob", BOB, late),
        ("carol", {c: disguise.disguise(s, seed=5) for c, s in BOB.items()}, late),  # within her extension
    ]:
        _stamp(nbgrader_run.submit(root, student, A, answers), when)
    download = root / "download"  # dave hands in by e-mail, 10 minutes late: the grace
    nbgrader_run.submit(root, "dave", A, reference | {Q: DAVE_ANSWER})  # the only free-text answer
    download.mkdir()
    shutil.move(root / "autograder" / "submitted" / "dave" / A / f"{A}.ipynb", download / f"dave_{A}.ipynb")
    when = (DUE + dt.timedelta(minutes=10)).isoformat()
    assert grade.main(["collect", str(download), "-a", A, "--submitted-at", when, "--root", str(root)]) == 0
    for assignment, due in LATER_DUE.items():
        answers = nbgrader_run.reference_answers(root, assignment)
        _stamp(nbgrader_run.submit(root, "alice", assignment, answers), due - dt.timedelta(days=1))
    assert grade.main(["all", "--root", str(root)]) == 0  # everything collected: three assignments
    return root


def _grades(root):
    with open(root / "autograder" / "report" / "grades.csv", newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _cell(root, student, cell="test_one_hot_dtype"):
    from nbgrader.api import Gradebook

    with Gradebook(Course(root).db_url, grade.COURSE_ID) as gb:
        g = next(g for g in gb.find_submission_notebook(A, A, student).grades if g.name == cell)
        return g.auto_score, g.manual_score, g.score


def test_late_penalty_by_nbgrader_with_the_raw_score_kept(term_course):
    root = term_course
    standing = term.standings(Course(root))
    bob, carol, dave = standing[("bob", A)], standing[("carol", A)], standing[("dave", A)]
    assert bob.raw == 9 and bob.penalty == pytest.approx(1.8), "20% of 9, stored by AssignLatePenalties"
    logs = "".join(p.read_text() for p in (root / "autograder" / "logs").glob("*.log"))
    assert "Late submission penalty: 1.8" in logs, "nbgrader's plugin (c.AssignLatePenalties.plugin_class) set it"
    assert bob.seconds_late == pytest.approx(1.5 * 86400)
    assert carol.raw == 9 and carol.penalty == 0 and carol.extension == dt.timedelta(days=3)
    assert dave.seconds_late == 600 and dave.penalty == 0, "the time given at collect, within the grace"
    rows = _grades(root)
    assert rows["bob"][A] == "7.2" and rows["alice"][A] == "9.0"
    assert "1.50 d late, -20% = -1.8" in rows["bob"]["late"] and not rows["carol"]["late"]
    assert rows["dave"]["late"] == f"{A}: 0.01 d late, within the grace: no penalty"
    summary = (root / "autograder" / "report" / "summary.md").read_text()
    assert "- extension: carol / 01_one_hot +3 d" in summary and "late: bob / 01_one_hot" in summary
    page = (root / "autograder" / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert "1.50 days late" in page and "-1.8 points" in page and f"Final score: 7.2 / {MAX}" in page
    carol_page = (root / "autograder" / "feedback" / "carol" / A / f"{A}.html").read_text()
    assert "with your extension of 3 d" in carol_page and "on time, no penalty" in carol_page


def test_three_assignments_in_one_report(term_course):
    """The term's report: a column per assignment graded, "missing" where a classmate handed in and this
    student did not, totals over the three, each due date, and the free-text questions nobody answered."""
    rows = _grades(term_course)
    alice, bob = rows["alice"], rows["bob"]
    assert [alice[A], alice["03_samplers"], alice["04_perplexity"]] == ["9.0", "16.0", "13.0"]
    assert alice["total"] == "38.0" and alice["max_total"] == str(float(MAX + sum(LATER.values())))
    assert bob["03_samplers"] == bob["04_perplexity"] == grade.MISSING and bob["total"] == "7.2"
    assert alice["auto_points"] == "38" and alice["manual_points"] == "0"
    assert alice["unanswered"] == f"{A}/{Q} 03_samplers/explain_carry_state 04_perplexity/explain_perplexity_range"
    summary = (term_course / "autograder" / "report" / "summary.md").read_text()
    assert all(f"## {a}\n" in summary for a in (A, *LATER)), summary
    assert f"- 04_perplexity due {LATER_DUE['04_perplexity'].isoformat(timespec='minutes')}" in summary


def test_the_copied_pair_is_held_for_review_with_its_lines(term_course):
    rows = _grades(term_course)
    assert rows["bob"]["held_for_review"] == A and rows["carol"]["held_for_review"] == A
    assert rows["carol"]["similar_to"].startswith(f"{A}: bob (")
    assert not rows["alice"]["held_for_review"] and not rows["dave"]["held_for_review"]
    summary = (term_course / "autograder" / "report" / "summary.md").read_text()
    assert f"### {A}: bob and carol" in summary
    assert "| `one_hot` |" in summary and "enumerate(flat.tolist())" in summary
    assert len(similarity.check(Course(term_course), A)) == 1


def test_overrides_survive_regrading_appear_everywhere_and_can_be_undone(term_course, capsys):
    root = term_course
    course = Course(root)
    assert _cell(root, "alice") == (1.0, None, 1.0)
    cell = term.add_override(course, "alice", A, "test_one_hot_dtype", 0, "copied the dtype check from a peer", "ta1")
    total = term.add_override(course, "bob", A, "total", 9, "late penalty waived: illness (note seen)", "prof")
    assert _cell(root, "alice") == (1.0, 0.0, 0.0), "nbgrader's manual score over the auto score"
    assert grade.main(["all", "-a", A, "-s", "alice", "--root", str(root)]) == 0
    assert _cell(root, "alice") == (1.0, 0.0, 0.0), "held after re-grading"
    rows = _grades(root)
    assert rows["alice"][A] == "8.0" and rows["bob"][A] == "9.0"
    assert f"{A}/test_one_hot_dtype=0 (#{cell.id})" in rows["alice"]["overrides"]
    summary = (root / "autograder" / "report" / "summary.md").read_text()
    assert "## Overrides (regrades) in force" in summary and "illness" in summary
    page = (root / "autograder" / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "set to 0 by ta1" in page and "copied the dtype check from a peer" in page
    assert f"Final score: 8 / {MAX}" in page
    assert term.main(["overrides", "--root", str(root)]) == 0
    listed = capsys.readouterr().out
    assert f"#{cell.id} alice / {A} / test_one_hot_dtype = 0 by ta1" in listed and f"#{total.id} bob" in listed

    path = export.export(course, "canvas", out=lambda *_: None)
    canvas = list(csv.reader(path.open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{A} (4711)", *LATER]
    assert canvas[1] == [export.POINTS_POSSIBLE, "", "", "", "", f"{MAX}", *map(str, LATER.values())]
    by_id = {row[1]: row for row in canvas[2:]}
    assert by_id["101"] == ["Adams, Alice", "101", "S-1", "alice@uni.example", "Mon", "8", "16", "13"]
    assert by_id["102"][5:] == ["9", "", ""] and by_id["103"][5:] == ["9", "", ""], "not handed in: left empty"
    moodle = list(csv.reader(export.export(course, "moodle", out=lambda *_: None).open()))
    assert moodle[0] == ["First name", "Last name", "ID number", "Email address", A, *LATER]
    assert moodle[1:] == [
        ["Alice", "Adams", "1001", "alice@uni.example", "8", "16", "13"],
        ["Bob", "Brown", "1002", "bob@uni.example", "9", "", ""],
        ["Carol", "Clark", "1003", "carol@uni.example", "9", "", ""],
        ["Dave", "Dunn", "1004", "dave@uni.example", "9", "", ""],
    ]
    print("\n".join(path.read_text().splitlines()[:3]))

    term.undo(course, cell.id, "the peer copied from alice, not the reverse", "prof")
    assert _cell(root, "alice") == (1.0, None, 1.0), "undone: the auto score again"
    assert term.main(["overrides", "-s", "alice", "--root", str(root)]) == 0
    assert "no overrides in force" in capsys.readouterr().out
    assert "the peer copied" in course.overrides_file.read_text(), "the undo is on the record"


def test_a_time_given_at_collect_is_a_time_with_a_zone(term_course, capsys):
    args = ["collect", str(term_course / "download"), "-a", A, "--submitted-at", "2026-10-06 10:00"]
    assert grade.main([*args, "--root", str(term_course)]) == 1
    assert "no time zone" in capsys.readouterr().err
    assert submissions.collected(Course(term_course))[A] == ["alice", "bob", "carol", "dave"]


def test_points_graded_by_hand_show_in_the_feedback(term_course):
    """A grader's manual score in Formgrader (nbgrader's manual_score) counts and is named as such."""
    from nbgrader.api import Gradebook

    root = term_course
    with Gradebook(Course(root).db_url, grade.COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(A, A, "dave")
        next(g for g in notebook.grades if g.name == "test_one_hot_values").manual_score = 0.5
        gb.db.commit()
    assert grade.main(["feedback", "-a", A, "-s", "dave", "--root", str(root)]) == 0
    page = (root / "autograder" / "feedback" / "dave" / A / f"{A}.html").read_text()
    assert "of which graded by hand: 0.5" in page and f"Final score: 8.5 / {MAX}" in page, page[-3000:]


def _grade(root, student, cell):
    from nbgrader.api import Gradebook

    with Gradebook(Course(root).db_url, grade.COURSE_ID) as gb:
        g = next(g for g in gb.find_submission_notebook(A, A, student).grades if g.name == cell)
        return g.auto_score, g.manual_score, g.needs_manual_grade, freetext.state(g)


def test_free_text_answers_wait_for_a_grader_and_count_once_graded(term_course):
    """dave answered the free-text question, the others left it as released. The autograder scores neither:
    dave's waits for a grader, the others' are 0 and marked unanswered. The report keeps the tests' and
    the graders' points apart, no page a student gets shows the rubric, and a score entered as Formgrader
    enters it counts in the report, the feedback and the export, and survives re-grading."""
    root, course = term_course, Course(term_course)
    assert grade.main(["report", "-a", A, "--root", str(root)]) == 0  # the gradebook as the tests above left it
    assert _grade(root, "dave", Q) == (None, None, True, freetext.TO_GRADE)
    assert _grade(root, "alice", Q) == (0.0, None, False, freetext.UNANSWERED)
    rows = _grades(root)
    assert rows["dave"]["to_grade_by_hand"] == f"{A}/{Q}" and not rows["dave"]["unanswered"]
    assert rows["alice"]["unanswered"] == f"{A}/{Q}" and not rows["alice"]["to_grade_by_hand"]
    assert rows["dave"]["manual_points"] == "0"
    before, auto = float(rows["dave"][A]), rows["dave"]["auto_points"]
    summary = (root / "autograder" / "report" / "summary.md").read_text()
    assert f"| `{Q}` | 2 | 0 | 1 | 3 |" in summary and "1 waiting for a grader" in summary, summary
    source = nbformat.read(course.source_notebook(A), as_version=4)
    rubric = [line for line in freetext.questions(source)[Q][1].splitlines() if len(line) >= freetext.MIN_LINE]
    for student in ("alice", "bob", "carol", "dave"):
        page = (root / "autograder" / "feedback" / student / A / f"{A}.html").read_text()
        assert not [line for line in rubric if line in page], f"{student}'s feedback shows the rubric"
    assert DAVE_ANSWER in (root / "autograder" / "feedback" / "dave" / A / f"{A}.html").read_text()

    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, grade.COURSE_ID) as gb:  # what Formgrader's "Save" does (its grade API)
        g = next(g for g in gb.find_submission_notebook(A, A, "dave").grades if g.name == Q)
        g.manual_score, g.needs_manual_grade = 1.5, False
        gb.db.commit()
    assert grade.main(["all", "-a", A, "-s", "dave", "--root", str(root)]) == 0  # re-graded: the grade holds
    assert _grade(root, "dave", Q)[1:2] == (1.5,) and _grade(root, "dave", Q)[3] == freetext.GRADED
    rows = _grades(root)
    assert float(rows["dave"][A]) == pytest.approx(before + 1.5) and rows["dave"]["auto_points"] == auto
    assert rows["dave"]["manual_points"] == "1.5" and not rows["dave"]["to_grade_by_hand"]
    assert f"| `{Q}` | 2 | 1 (1.5) | 0 | 3 |" in (root / "autograder" / "report" / "summary.md").read_text()
    page = (root / "autograder" / "feedback" / "dave" / A / f"{A}.html").read_text()
    assert f"Final score: {before + 1.5:g} / {MAX}" in page
    moodle = list(csv.reader(export.export(course, "moodle", out=lambda *_: None).open()))
    assert moodle[4][:4] == ["Dave", "Dunn", "1004", "dave@uni.example"]
    assert float(moodle[4][4]) == pytest.approx(before + 1.5)
