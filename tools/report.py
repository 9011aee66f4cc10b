"""Report: feedback pages, grades.csv and summary.md, and what the last grading run changed.

The report reads the gradebook (every score it holds), the roster and autograder/submitted/; a cell of
grades.csv without a score says why (`not collected`, `not graded`, `missing`), never a zero it did not
give. autograder/last-grading.json (written by tools/grade.py) says what the last run changed or why it
failed; summary.md opens with it.

Points come from two sources, kept apart: `auto_points` (the test cells, a regrade of one included) and
`manual_points` (free-text answers graded by hand in Formgrader, tools/freetext.py). A free-text answer that
waits for a grader is listed in `to_grade_by_hand`, one left as released in `unanswered` (nbgrader scores it
0 without a grader); summary.md counts both per question.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
from collections import defaultdict
from pathlib import Path

import nbformat

from tools import freetext, gradebook, judge, layout, submissions, term
from tools.layout import BIN, COURSE_ID, Course, grade_id, grade_ids, is_answer_cell, is_test_cell, owner
from tools.pipeline import CHECKER_FAILED, TAMPERING, Anomalies, GradingError


def autograded(course: Course, assignment: str, students: list[str] | None = None) -> list[str]:
    """Those of `students` (default: everyone in autograder/autograded/) with an autograded notebook."""
    if students is None:
        folder = course.autograded
        students = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [s for s in students if (course.autograded_notebook(s, assignment)).exists()]


def feedback(course: Course, assignments: list[str], students: list[str]) -> list[str]:
    """nbgrader generate_feedback for the submissions of `students` that were graded; returns the
    assignments it wrote feedback for (one that nobody's grading reached is skipped, not an error)."""
    written = []
    for assignment in assignments:
        graded = autograded(course, assignment, students)
        if not graded:
            continue
        args = [str(BIN / "nbgrader"), "generate_feedback", assignment, "--force"]
        whole = set(graded) == set(autograded(course, assignment))
        runs = [args] if whole else [[*args, "--student", s] for s in graded]
        for run in runs:
            proc = subprocess.run(run, cwd=course.root, env=course.env(), capture_output=True, text=True)
            if proc.returncode != 0:
                last = ([line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()] or ["?"])[-1]
                raise GradingError(f"nbgrader generate_feedback {assignment} failed: {last.strip()}")
        written.append(assignment)
    return written


def collect_scores(course: Course) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """assignment -> student -> test cell -> (score, max_score): every submission the gradebook holds."""
    scores: dict = defaultdict(dict)
    for assignment, submission, notebook in gradebook.submitted_notebooks(course):
        scores[assignment][submission.student.id] = {g.name: (g.score or 0.0, g.max_score) for g in notebook.grades}
    return scores


def roster_ids(course: Course) -> list[str]:
    if not course.roster.exists():
        return []
    with open(course.roster, newline="", encoding="utf-8-sig") as f:
        return [row["id"].strip() for row in csv.DictReader(f) if (row.get("id") or "").strip()]


NOT_COLLECTED, NOT_GRADED, MISSING = "not collected", "not graded", "missing"


def report(course: Course, assignments: list[str] | None = None) -> Path:
    """Write grades.csv, summary.md and score histograms to autograder/report/: a column per assignment
    of `assignments` (default: all of the course), a row per student (roster, submissions, gradebook).
    A cell holds the gradebook's score, or says why there is none: "not collected" (nobody's submission
    of that assignment was collected), "not graded" (collected, not graded yet) or "missing" (others
    handed it in, this student did not)."""
    out = course.report_dir
    out.mkdir(parents=True, exist_ok=True)
    scores = collect_scores(course)
    written = freetext.answers(course)
    anomalies = Anomalies.load(course.anomalies_file)
    assignments = assignments or course.assignments()
    have = submissions.collected(course)
    graded = [a for a in assignments if scores.get(a)]
    students = sorted(set(roster_ids(course)) | set(course.students()) | {s for a in graded for s in scores[a]})
    maxima = {a: sum(m for _, m in next(iter(scores[a].values())).values()) for a in graded}
    extras = term.ReportExtras(course, assignments)  # late penalties, overrides, similarity
    by_hand_cells = {a: {gid for cells in written.get(a, {}).values() for gid in cells} for a in assignments}

    def cell(student: str, assignment: str):
        if student in scores.get(assignment, {}):
            return extras.final(student, assignment, sum(x for x, _ in scores[assignment][student].values()))
        if assignment not in graded:
            return NOT_GRADED if have[assignment] else NOT_COLLECTED
        return NOT_GRADED if student in have[assignment] else MISSING

    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["student_id", *assignments, "total", "max_total", "anomalies", "held_for_review", *extras.COLUMNS]
            + ["auto_points", "manual_points", "to_grade_by_hand", "unanswered"]
        )
        for student in students:
            row = [cell(student, a) for a in assignments]
            total = sum(x for x in row if not isinstance(x, str))
            flagged = sum(1 for a in anomalies if a.student == student and a.assignment in assignments)
            held = {a.assignment for a in anomalies if a.student == student and a.kind in (TAMPERING, CHECKER_FAILED)}
            held = sorted(held | extras.held(student))
            mine = [(a, gid, answer) for a in graded for gid, answer in written[a].get(student, {}).items()]
            by_hand = sum(score for _, _, (state, score, _) in mine if state == freetext.GRADED)
            everything = sum(x for a in graded for x, _ in scores[a].get(student, {}).values())
            automatic = everything - sum(score for _, _, (_, score, _) in mine)  # the test cells' points
            waiting = [f"{a}/{gid}" for a, gid, (state, _, _) in mine if state == freetext.TO_GRADE]
            blank = [f"{a}/{gid}" for a, gid, (state, _, _) in mine if state == freetext.UNANSWERED]
            writer.writerow(
                [student, *row, total, sum(maxima.values()), flagged, " ".join(held), *extras.row(student)]
                + [f"{automatic:g}", f"{by_hand:g}", " ".join(waiting), " ".join(blank)]
            )
    lines = [f"# Grading report — {COURSE_ID}", ""]
    lines += _last_grading_lines(course)
    waiting = [a for a in assignments if a not in graded]
    lines += [
        f"{_count(students, 'student')}; {_count(graded, 'assignment')} graded"
        + (f" ({', '.join(graded)})" if graded else "")
        + (f"; not graded yet: {', '.join(waiting)}" if waiting else "")
        + ".",
        "",
    ]
    unsafe = sorted({f"{a.student}/{a.assignment}" for a in anomalies if a.kind == "graded-without-sandbox"})
    if unsafe:
        lines += [
            f"**WARNING: {len(unsafe)} submissions were graded WITHOUT the sandbox (--unsafe)**: their code could",
            "read solutions/, the gradebook and other students' work. Re-grade them with the sandbox.",
            "",
        ]
    held = [a for a in anomalies if a.kind == TAMPERING and a.assignment in assignments]
    if held:
        lines += ["## Held for review (possible tampering)", ""]
        lines += [f"- {a.line()}" for a in held]
        lines += ["", "Their scores are not final: read the cells named above (autograder/autograded/).", ""]
    failed = sorted(
        {f"{a.student}/{a.assignment}" for a in anomalies if a.kind == CHECKER_FAILED and a.assignment in assignments}
    )
    if failed:
        lines += ["## Not judged (the checker failed twice)", ""]
        lines += [f"- {name}" for name in failed]
        lines += [
            "",
            "The grading machine failed, not the student: these scores are not exported. Grade them again",
            "(`make grade ASSIGNMENT=… STUDENT=…`) or set an override.",
            "",
        ]
    lines += extras.summary()
    to_grade, blank = freetext.waiting(course, graded)
    if to_grade or blank:
        lines += [
            f"**Free-text answers: {to_grade} waiting for a grader**, {blank} left unanswered (0 points, nothing to "
            "grade). Grade them in Formgrader: *Manual Grading*, the assignment, each submission (the rubric is "
            "shown under each answer); their points count in the totals once graded.",
            "",
        ]
    for assignment in graded:
        source = nbformat.read(course.source_notebook(assignment), as_version=4)
        totals = {s: cell(s, assignment) for s in scores[assignment]}
        values = sorted(totals.values())
        median = values[len(values) // 2] if values else 0
        missing = [s for s in students if cell(s, assignment) == MISSING]
        lines += [
            f"## {assignment}",
            "",
            f"{len(values)} graded, max {maxima.get(assignment, 0):g} points{_by_hand_points(source)}, "
            f"mean {sum(values) / max(1, len(values)):.2f}, median {median:g}."
            + (f" Missing ({len(missing)}): {', '.join(missing)}." if missing else ""),
            "",
            f"![score histogram](hist_{assignment}.png)",
            "",
            "| function | test cell | pass rate |",
            "|---|---|---|",
        ]
        functions = [grade_id(c) for c in source.cells if is_answer_cell(c)]
        graded_cells = set(next(iter(scores[assignment].values()))) - by_hand_cells.get(assignment, set())
        in_order = [gid for gid in grade_ids(source) if gid in graded_cells]  # the notebook's order
        for test in in_order + sorted(graded_cells - set(in_order)):
            passed = sum(1 for s in scores[assignment].values() if test in s and judge.passed(*s[test]))
            lines.append(
                f"| `{owner(test, functions)}` | `{test}` | {passed}/{len(scores[assignment])} "
                f"({100 * passed / len(scores[assignment]):.0f}%) |"
            )
        lines.append("")
        lines += _freetext_lines(source, written.get(assignment, {}))
        figure = histogram(values, maxima.get(assignment, 0), assignment)
        figure.savefig(out / f"hist_{assignment}.png", dpi=100)
        figure.clear()
    for stale in out.glob("hist_*.png"):
        if stale.stem.removeprefix("hist_") not in graded:
            stale.unlink()
    lines += ["## Anomalies", ""]
    lines += [f"- {a.line()}" for a in anomalies if a.assignment in assignments] or ["None."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return out


def _by_hand_points(source) -> str:
    manual = sum(points for points, _ in freetext.questions(source).values())
    return f" ({manual:g} of them graded by hand)" if manual else ""


def _freetext_lines(source, answers: dict[str, dict[str, tuple[str, float, float]]]) -> list[str]:
    """summary.md's table of an assignment's free-text questions: answers graded, waiting, unanswered."""
    questions = freetext.questions(source)
    if not questions:
        return []
    lines = [
        "Free-text questions, graded by hand in Formgrader:",
        "",
        "| question | points | graded (mean) | to grade | unanswered |",
        "|---|---|---|---|---|",
    ]
    for gid, (points, _) in questions.items():
        cells = [mine[gid] for mine in answers.values() if gid in mine]
        done = [score for state, score, _ in cells if state == freetext.GRADED]
        mean = f" ({sum(done) / len(done):.2g})" if done else ""
        waiting = sum(state == freetext.TO_GRADE for state, _, _ in cells)
        blank = sum(state == freetext.UNANSWERED for state, _, _ in cells)
        lines.append(f"| `{gid}` | {points:g} | {len(done)}{mean} | {waiting} | {blank} |")
    return lines + [""]


def tests_changed(course: Course, assignments: list[str], students: list[str]) -> dict[str, dict[str, list[str]]]:
    """assignment -> test cell -> the students whose last grading ran another version of that test cell
    (their autograded notebook holds the test cells it ran, hidden tests included; solutions/ holds the
    ones that run now). A cell added or removed since counts as changed."""
    changed: dict[str, dict[str, list[str]]] = {}
    for assignment in assignments:
        source = nbformat.read(course.source_notebook(assignment), as_version=4)
        now = {layout.grade_id(c): c.source for c in source.cells if is_test_cell(c)}
        for student in autograded(course, assignment, students):
            path = course.autograded_notebook(student, assignment)
            then = {layout.grade_id(c): c.source for c in nbformat.read(path, as_version=4).cells if is_test_cell(c)}
            for test in sorted(set(now) | set(then)):
                if now.get(test) != then.get(test):
                    changed.setdefault(assignment, {}).setdefault(test, []).append(student)
    return changed


def score_changes(before: dict, after: dict, assignments: list[str], students: list[str]) -> list[str]:
    """'student / assignment: old -> new' for every graded submission whose total changed."""
    lines = []
    for assignment in assignments:
        for student in students:
            old, new = before.get(assignment, {}).get(student), after.get(assignment, {}).get(student)
            if old is None or new is None:
                continue
            old_total, new_total = (sum(x for x, _ in cells.values()) for cells in (old, new))
            if old_total != new_total:
                lines.append(f"{student} / {assignment}: {old_total:g} -> {new_total:g}")
    return lines


def _last_grading_lines(course: Course) -> list[str]:
    path = course.grading / "last-grading.json"
    if not path.exists():
        return []
    run = json.loads(path.read_text())
    lines = []
    if run.get("failed"):
        lines += [
            f"**The last grading run ({run['started']}) failed**: {run['failed']}",
            "",
            "The scores below are the gradebook's: for the submissions it did not reach, they are those of the "
            "grading before (or none).",
            "",
        ]
    tests = run.get("tests_changed") or {}
    changes = run.get("score_changes") or []
    if tests or changes:
        lines += [f"## What the last grading run ({run['started']}) changed", ""]
        for assignment, cells in tests.items():
            lines.append(f"- the tests of {assignment} changed since the last grading: {', '.join(cells)}")
        lines += [f"- {line}" for line in changes]
        lines.append("")
    return lines


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def histogram(values: list[float], maximum: float, assignment: str):
    """Students per score, sized for a screen (800 x 320 px at 100 dpi): every score from 0 to the
    maximum on the x axis, whole students on the y axis. Returns the figure (not shown)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    top = int(math.ceil(maximum))
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    ax.hist(values, bins=[x - 0.5 for x in range(top + 2)], rwidth=0.8)
    ax.set_xlim(-0.6, top + 0.6)
    step = max(1, math.ceil((top + 1) / 20))
    ax.set_xticks(sorted({*range(0, top + 1, step), top}))  # the top score is always labelled
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=f"score (of {maximum:g})", ylabel="students", title=f"{assignment}: {_count(values, 'student')}")
    fig.tight_layout()
    return fig
