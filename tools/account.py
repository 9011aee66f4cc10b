"""Account: what a grading run found, written where it belongs.

A submission that could not be graded scores 0 in the gradebook (never silently), every finding is an
`Anomaly` in autograder/anomalies.json, and the verification run (tools/integrity.py) checks the
student's own code: a finding holds the submission for review, and a test cell that passed only thanks to
top-level statements of the student's cells gets the score of the run without them.
"""

from __future__ import annotations

import contextlib
import csv
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from tools import integrity, judge, submissions, term
from tools.checker import CHECKER_ERROR
from tools.layout import COURSE_ID, ROOT, Course, grade_id, is_test_cell
from tools.layout import GRADING_KERNEL as KERNEL_NAME
from tools.pipeline import CHECKER_FAILED, TAMPERING, Anomalies, Anomaly, GradingError, Job, Options, progress


def account(
    course: Course,
    assignments: list[str],
    students: list[str],
    done: list[Job],
    anomalies: Anomalies,
    options: Options,
) -> None:
    """Account: final failures score 0, leftover processes and what the autograded notebooks show
    (timeouts, memory, exits, floods) become anomalies, the verification run (tools/integrity.py)
    checks every graded submission, and the anomalies are saved."""
    for job in done:
        for student in job.failed:
            anomalies.add(
                student,
                job.assignment,
                "grading-failed",
                "nbgrader could not run the notebook (the kernel died: os._exit, a crash, or the CPU "
                "limit); scored 0 — see autograder/logs/",
            )
            _zero(course, job.assignment, student)
        for student in job.students:
            left = [cwd for cwd in job.leftovers if Path(cwd).parts[-2:] == (student, job.assignment)]
            if left:
                anomalies.add(
                    student,
                    job.assignment,
                    "leftover-processes",
                    f"{len(left)} process(es) left running by the notebook were killed",
                )
    anomalies.items += _execution_anomalies(course, assignments, students)
    verify(course, assignments, students, anomalies, options)
    graded = {(s, a) for a in assignments for s in submissions.submitted(course, a, students)}
    if options.unsafe:
        for student, assignment in sorted(graded):
            anomalies.add(student, assignment, "graded-without-sandbox", "graded with --unsafe (no sandbox)")
    anomalies.save(course.anomalies_file, graded)
    with_term(term.apply_overrides, course, assignments)  # overrides re-applied, late penalties on final scores


def with_term(step, course: Course, assignments: list[str]) -> None:
    """A step of the term (tools/term.py: due dates, penalties, overrides); its errors are the instructor's."""
    try:
        step(course, assignments)
    except term.TermError as error:
        raise GradingError(str(error)) from error


def verify(
    course: Course,
    assignments: list[str],
    students: list[str],
    anomalies: Anomalies,
    options: Options,
) -> None:
    """Scan every autograded submission's own code, and re-run those whose answer cells hold
    top-level statements without them (tools/integrity.py). Findings become `possible-tampering`
    anomalies (the submission is held for review); a test cell that passed only thanks to the
    top-level statements gets the verification run's score."""
    tasks = [
        (assignment, student)
        for assignment in assignments
        for student in students
        if (course.autograded_notebook(student, assignment)).exists()
    ]
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        futures = [
            pool.submit(_verify_one, course, a, s, anomalies, options.cell_timeout, options.unsafe) for a, s in tasks
        ]
        for future in progress(as_completed(futures), desc="verify", total=len(futures), disable=options.quiet):
            future.result()


def _verify_one(
    course: Course, assignment: str, student: str, anomalies: Anomalies, cell_timeout: int | None, unsafe: bool
) -> None:
    path = course.autograded_notebook(student, assignment)
    graded = nbformat.read(path, as_version=4)
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    for finding in integrity.scan(graded, release):
        anomalies.add(student, assignment, TAMPERING, finding.text())
    plan = integrity.verification_notebook(graded, release)
    if plan is None:
        return
    check, dropped = plan
    verified, error = _run_verification(course, path.parent, check, cell_timeout, unsafe)
    if verified is None:
        anomalies.add(student, assignment, TAMPERING, f"the verification run failed ({error}); scores not verified")
        return
    full = {grade_id(c): c for c in graded.cells if is_test_cell(c)}
    lowered, inconclusive = {}, []
    for cell in verified.cells:
        if not is_test_cell(cell) or grade_id(cell) not in full:
            continue
        gid = grade_id(cell)
        before, after = judge.verdict(full[gid]).score, judge.verdict(cell).score
        if after < before:
            timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs)
            if timed_out:
                inconclusive.append(gid)
            else:
                lowered[gid] = (before, after)
                full[gid].outputs = cell.outputs
    statements = "; ".join(f"{label} line {line}: `{text}`" for label, line, text in dropped[:3])
    if lowered:
        cells = ", ".join(f"{gid} ({before:g} -> {after:g})" for gid, (before, after) in lowered.items())
        anomalies.add(
            student,
            assignment,
            TAMPERING,
            f"test cells pass only when the top-level statements of the student's cells run ({statements}); "
            f"scored as in the run without them: {cells}",
        )
        _set_scores(course, assignment, student, {gid: after for gid, (_, after) in lowered.items()})
        nbformat.write(graded, path)
    if inconclusive:
        anomalies.add(
            student,
            assignment,
            TAMPERING,
            f"{', '.join(inconclusive)} timed out in the verification run only; scores not verified",
        )


def _run_verification(course: Course, cwd: Path, nb, cell_timeout: int | None, unsafe: bool):
    """Execute the verification notebook in a subprocess; (executed notebook, None) or (None, reason)."""

    with tempfile.TemporaryDirectory(prefix="verify-", dir=course.grading) as tmp:
        source, output = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, source)
        args = [
            sys.executable,
            "-m",
            "tools.sandbox",
            "run",
            str(source),
            str(output),
            f"--cwd={cwd}",
            f"--root={course.root}",
            f"--kernel={KERNEL_NAME}",
        ]
        args += [f"--timeout={cell_timeout}"] if cell_timeout else []
        args += ["--unsafe"] if unsafe else []
        try:
            proc = subprocess.run(args, cwd=ROOT, env=course.env(), capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            return None, "it took longer than 30 minutes"
        if proc.returncode != 0 or not output.exists():
            lines = proc.stderr.strip().splitlines() or ["no message"]
            cause = [line for line in lines if line.startswith(("bwrap:", "prlimit:"))] or lines[-1:]
            return None, cause[-1].strip()[:200]
        return nbformat.read(output, as_version=4), None


def _set_scores(course: Course, assignment: str, student: str, scores: dict[str, float]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        for gid, score in scores.items():
            gb.find_grade(gid, assignment, assignment, student).auto_score = score
        gb.db.commit()


@contextlib.contextmanager
def gradebook_submission(course: Course, assignment: str, student: str, timestamp=None):
    """The gradebook's submission of `student` for `assignment` (student and submission created if
    new), committed when the block ends."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, on creating a submission
    with Gradebook(course.db_url, COURSE_ID) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        extra = {} if timestamp is None else {"timestamp": timestamp}
        yield gb.update_or_create_submission(assignment, student, **extra)
        gb.db.commit()


def _zero(course: Course, assignment: str, student: str) -> None:
    """Record an all-zero submission in the gradebook for one that cannot be graded."""
    with gradebook_submission(course, assignment, student) as submission:
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False


def _execution_anomalies(course: Course, assignments: list[str], students: list[str]) -> list[Anomaly]:
    """Timeouts, memory errors, kernel deaths and cut outputs found in the
    autograded notebooks."""
    found = []
    for assignment in assignments:
        for student in students:
            path = course.autograded_notebook(student, assignment)
            if not path.exists():
                continue
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                gid = grade_id(cell) or cell.get("id", "?")
                for output in cell.get("outputs", []):
                    name = output.get("ename", "")
                    if name == "CellTimeoutError":
                        found.append(Anomaly(student, assignment, "timeout", f"cell {gid} exceeded the time limit"))
                    elif name == "MemoryError" or "can't allocate memory" in output.get("evalue", ""):
                        found.append(Anomaly(student, assignment, "memory", f"cell {gid} exceeded the memory limit"))
                    elif name in ("DeadKernelError", "SystemExit"):
                        found.append(Anomaly(student, assignment, "exit", f"cell {gid} tried to end the kernel"))
                    elif name == CHECKER_ERROR:
                        detail = f"cell {gid} could not be judged: the checker failed ({output.get('evalue', '')})"
                        found.append(Anomaly(student, assignment, CHECKER_FAILED, detail))
                    if judge.was_cut(output):
                        found.append(Anomaly(student, assignment, "output-flood", f"cell {gid} output was cut"))
    return found


ROSTER_COLUMNS = ("id", "first_name", "last_name", "email")


def import_roster(course: Course) -> int:
    """Put the names of autograder/roster.csv (columns id, first_name, last_name, email; nbgrader's
    `db student import` format) into the gradebook, so that Formgrader shows them. Returns how many."""
    path = course.roster
    if not path.exists():
        return 0
    from nbgrader.api import Gradebook

    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in ("id", "first_name", "last_name") if rows and c not in rows[0]]
    if missing:
        raise GradingError(
            f"{path.relative_to(course.root)} has no column {', '.join(missing)} ({', '.join(ROSTER_COLUMNS)})"
        )
    with Gradebook(course.db_url, COURSE_ID) as gb:
        for row in rows:
            fields = {k: (row.get(k) or "").strip() or None for k in ROSTER_COLUMNS[1:]}
            gb.update_or_create_student(row["id"].strip(), **fields)
    return len(rows)
